/* srv_plainws.c - sio-server's plain WebSocket endpoints at run time
 * (srv_plainws.h; docs/sio-server.md, "Plain WebSocket endpoints").
 *
 * Each configured endpoint is a plain Engine.IO server on the listener
 * (engineio.h, eio_plain_server_new) whose every client is attached as a
 * socket of "/" with this endpoint's codec (socketio.h, sio_plain_attach):
 * so the HTTP API's broadcasts, the adapter's, and the Socket.IO sockets'
 * reach the plain clients of a room as they reach its Socket.IO sockets,
 * framed {"type": EVENT, ...data} (srv_plainws_frame), one framing per
 * broadcast.
 *
 * Per connection:
 *   upgrade   the Origin check (the Socket.IO server's list), admission
 *             control (engineio/eio_admit.c: the 503 of a Socket.IO client
 *             past admission.maxPendingHandshakes, or past
 *             .maxConnectionsPerAddress, Engine.IO sessions and plain
 *             connections of the address counted together), the
 *             connection attempts per IP (429), then, when
 *             auth is configured, the token: from the query parameter, or
 *             the subprotocol offered after the endpoint's own
 *             (`new WebSocket(url, ["job-updates", token])`), verified as a
 *             Socket.IO handshake's (srv_auth_verify); a bad token, or none
 *             when auth.required, is refused with 401 before the upgrade;
 *   open      attached to "/" with its user (claims) as the socket's user,
 *             in the rooms of rooms.auto, its token's expiry tracked
 *             (srv_expiry.c: the tokenExpiry event, then 1008 "token
 *             expired"), counted for presence (srv_presence.c: its user
 *             online), then the greeting;
 *   message   every message counts against limits.eventsPerMinute; then
 *             matched (srv_plainws_match): a join or leave of the room of
 *             the shape's template, counted against the endpoint's
 *             limits.subscribeEventsPerMinute (as a Socket.IO client's
 *             join events against theirs), with the checks of a Socket.IO
 *             client's join event (srv_rooms_join_check: id pattern, room
 *             name length, authorization, maxRoomsPerSocket); anything
 *             else, and a message over a rate limit, is answered with its
 *             error reply (errors.*) and the connection stays;
 *   close     the socket leaves its rooms (sio_plain_detach), its user's
 *             presence counted down.
 * Keepalive (ping frames, idle timeout), the message size limit and the
 * send-queue bound with the slow-consumer cut are the plain server's.
 */
#include "srv_plainws.h"

#include "srv_log_sock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct endpoint {
	srv_plainws *owner;
	const srv_plainws_cfg *c;
	eio_server *es;
	sio_codec codec;
} endpoint;

struct srv_plainws {
	const srv_config *cfg;
	sio_namespace *nsp;
	const srv_auth *auth;
	srv_rooms *rooms;
	srv_limits *limits;
	srv_expiry *expiry;
	srv_presence *presence;
	srv_metrics *m;
	endpoint *eps;
	size_t n;
};

/* ---- the token ---------------------------------------------------------------------- */

/* The token of a request: the query parameter, or the offered subprotocol
 * right after the first of the endpoint's names (RFC 6455 section 11.3.4:
 * a comma-separated list). Written to buf; false when there is none. */
static bool token_of(const endpoint *ep, const eio_request *req, char *buf, size_t cap)
{
	const srv_plainws_cfg *c = ep->c;
	const char *q = c->token_query ? eio_request_query(req, c->token_query) : NULL;
	if (q && *q) {
		snprintf(buf, cap, "%s", q);
		return strlen(q) < cap;
	}
	const char *h =
	        c->token_subprotocol ? eio_request_header(req, "sec-websocket-protocol") : NULL;
	bool after = false;
	while (h && *h) {
		h += strspn(h, " \t,");
		size_t n = strcspn(h, ",");
		size_t m = n;
		while (m > 0 && (h[m - 1] == ' ' || h[m - 1] == '\t'))
			m--;
		if (m == 0)
			break;
		if (after) {
			if (m >= cap)
				return false;
			memcpy(buf, h, m);
			buf[m] = '\0';
			return true;
		}
		for (size_t i = 0; i < c->subprotocols.n; i++)
			if (strlen(c->subprotocols.v[i]) == m &&
			    !strncmp(h, c->subprotocols.v[i], m))
				after = true;
		h += n;
	}
	return false;
}

/* The user of a request: 0 and *u (NULL: anonymous), or -1 and *why. */
static int user_of(const endpoint *ep, const eio_request *req, srv_user **u, const char **why)
{
	char token[4096];
	*u = NULL;
	const srv_config_auth *a = &ep->owner->cfg->auth;
	if (!a->enabled)
		return 0;
	if (!token_of(ep, req, token, sizeof(token))) {
		*why = "Authentication required";
		return a->required ? -1 : 0;
	}
	return srv_auth_verify(ep->owner->auth, token, strlen(token), u, why) == 0 ? 0 : -1;
}

/* allow_request: limits.connectionsPerMinutePerIp (429), then a bad token,
 * or none when auth is required (401). */
static int allow(const eio_request *req, const char **message, void *user)
{
	endpoint *ep = user;
	if (srv_limits_connection(ep->owner->limits, eio_request_address(req)) < 0) {
		*message = "Too many connection attempts";
		srv_log(SRV_LOG_INFO, "refused", SRV_LS("path", ep->c->path),
		        SRV_LS("address", eio_request_address(req)),
		        SRV_LS("kind", "connection_rate_limited"), SRV_LS("reason", *message));
		return 429;
	}
	srv_user *u = NULL;
	const char *why = "Unauthorized";
	int r = user_of(ep, req, &u, &why);
	srv_user_free(u);
	if (r == 0)
		return 0;
	srv_metrics_error(ep->owner->m, "unauthorized");
	*message = why;
	srv_log(SRV_LOG_INFO, "refused", SRV_LS("path", ep->c->path),
	        SRV_LS("address", eio_request_address(req)), SRV_LS("kind", "unauthorized"),
	        SRV_LS("reason", why));
	return 401;
}

/* ---- the codec ---------------------------------------------------------------------- */

static eio_msg *frame_event(const char *event, const char *args, size_t len, void *user)
{
	const endpoint *ep = user;
	base_buf b = BASE_BUF_INIT;
	eio_msg *m = srv_plainws_frame(ep->c, event, args, len, &b) == 0
	                     ? eio_msg_text(b.data, b.len)
	                     : NULL;
	base_buf_free(&b);
	return m;
}

/* ---- connections ---------------------------------------------------------------------- */

static void send_json(eio_session *s, const char *json)
{
	if (json)
		eio_session_send_text(s, json, strlen(json));
}

static void on_disconnect(sio_socket *s, const char *reason, void *user)
{
	endpoint *ep = user;
	srv_metrics_disconnect(ep->owner->m, reason);
	srv_expiry_on_disconnect(ep->owner->expiry, s);
	srv_presence_on_disconnect(ep->owner->presence, s); /* while its user is set */
	srv_user_free(srv_user_of(s));
	sio_socket_set_user(s, NULL);
}

static void on_connection(eio_server *es, eio_session *s, void *user)
{
	(void)es;
	endpoint *ep = user;
	srv_user *u = NULL;
	const char *why = NULL;
	/* Checked at the upgrade (allow); verified again for the claims, as
	 * the token may have expired in between. */
	if (user_of(ep, eio_session_request(s), &u, &why) != 0) {
		eio_session_close_code(s, 1008, "unauthorized");
		return;
	}
	sio_socket *so = sio_plain_attach(ep->owner->nsp, s, &ep->codec);
	if (!so) {
		srv_user_free(u);
		eio_session_close_code(s, 1011, "server error");
		return;
	}
	sio_socket_set_user(so, u);
	sio_on_disconnect(so, on_disconnect, ep);
	srv_metrics_connection(ep->owner->m, so);
	/* What a Socket.IO socket of "/" gets at connection (main.c): the
	 * rooms of its claims (user:{userId}), so the HTTP API's and the
	 * ingest's messages to a user reach its plain clients too, the
	 * cut-off when its token expires (srv_expiry.c: 1008), and presence:
	 * a user whose only open page is a plain client is online (after
	 * the rooms, as main.c: presence finds the user's sockets in the
	 * user room). */
	srv_rooms_join_auto(ep->owner->rooms, so);
	srv_expiry_on_connection(ep->owner->expiry, so);
	srv_presence_on_connection(ep->owner->presence, so);
	send_json(s, ep->c->greeting);
}

/* A matched message: its join or leave, with a Socket.IO join's checks. */
static void act(endpoint *ep, eio_session *es, sio_socket *so, const srv_plain_match *mt)
{
	const srv_plain_msg *m = mt->msg;
	bool leave = m->action == SRV_PLAIN_LEAVE;
	char room[SRV_MAX_ROOM_NAME + 1];
	const char *refused = srv_rooms_join_check(ep->owner->rooms, &m->rule, so, mt->id, leave,
	                                           room, sizeof(room));
	if (refused) {
		srv_metrics_error(ep->owner->m, refused);
		const srv_log_field f[] = { SRV_LS("kind", refused), SRV_LS("value", mt->id) };
		srv_log_socket(SRV_LOG_INFO, "refused", so, f, 2);
		send_json(es, !strcmp(refused, "room_denied")  ? ep->c->errors.denied
		              : !strcmp(refused, "room_limit") ? ep->c->errors.room_limit
		                                               : ep->c->errors.invalid_format);
		return;
	}
	if (leave)
		sio_leave(so, room);
	else
		sio_join(so, room);
	send_json(es, m->reply);
}

static void on_message(eio_session *es, const char *data, size_t len, bool binary, void *user)
{
	endpoint *ep = user;
	sio_socket *so = sio_plain_socket(es);
	if (!so)
		return;
	/* limits.eventsPerMinute, as for a Socket.IO client's events: over
	 * it the message is dropped and answered (errors.rateLimited). */
	if (srv_limits_message(ep->owner->limits, so) < 0) {
		send_json(es, ep->c->errors.rate_limited);
		return;
	}
	srv_plain_match mt;
	int r = binary ? SRV_PLAIN_PARSE_ERROR : srv_plainws_match(ep->c, data, len, &mt);
	if (r == 0) {
		srv_metrics_event_received(ep->owner->m, mt.msg->type);
		/* every shape is a join or a leave: over the endpoint's join
		 * limit it is dropped (nothing joined or left) and answered, as
		 * a Socket.IO client's join event over its limit */
		if (srv_limits_plain_subscribe(ep->owner->limits, so, ep->c->path) < 0) {
			send_json(es, ep->c->errors.rate_limited);
			return;
		}
		act(ep, es, so, &mt);
		return;
	}
	srv_metrics_error(ep->owner->m, "invalid_message");
	send_json(es, r == SRV_PLAIN_PARSE_ERROR ? ep->c->errors.parse_error
	                                         : ep->c->errors.invalid_format);
}

static void on_close(eio_session *es, const char *reason, void *user)
{
	(void)user;
	sio_plain_detach(es, reason);
}

/* ---- the endpoints ---------------------------------------------------------------------- */

/* The subprotocol names as one list ("a,b"), in buf. */
static const char *name_list(const srv_plainws_cfg *c, char *buf, size_t cap)
{
	if (c->subprotocols.n == 0)
		return NULL;
	buf[0] = '\0';
	for (size_t i = 0; i < c->subprotocols.n; i++) {
		size_t n = strlen(buf);
		snprintf(buf + n, cap - n, "%s%s", i ? "," : "", c->subprotocols.v[i]);
	}
	return buf;
}

srv_plainws *srv_plainws_new(const srv_config *cfg, eio_listener *l, sio_namespace *nsp,
                             const char *cors, const srv_auth *auth, srv_rooms *rooms,
                             srv_limits *limits, srv_expiry *expiry, srv_presence *presence,
                             srv_metrics *m, char *err, size_t errlen)
{
	srv_plainws *p = calloc(1, sizeof(*p));
	if (!p || (cfg->nplainws && !(p->eps = calloc(cfg->nplainws, sizeof(*p->eps))))) {
		free(p);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	*p = (srv_plainws){ cfg,    nsp,      auth, rooms,  limits,
		            expiry, presence, m,    p->eps, cfg->nplainws };
	for (size_t i = 0; i < p->n; i++) {
		endpoint *ep = &p->eps[i];
		const srv_plainws_cfg *c = &cfg->plainws[i];
		*ep = (endpoint){ p, c, NULL, { frame_event, ep } };
		eio_options o;
		eio_options_init(&o);
		o.path = c->path;
		o.ping_interval_ms = (unsigned)c->ping_interval_ms;
		o.ping_timeout_ms = (unsigned)c->idle_timeout_ms;
		o.max_payload = (size_t)c->max_message_bytes;
		o.max_queued_bytes = (size_t)c->max_queued_bytes;
		o.cors_origin = cors;
		o.check_origin = true;
		o.trust_proxy = cfg->trust_proxy;
		o.allow_request = allow;
		/* The Socket.IO server's bounds, on the same counts (eio_admit.c). */
		srv_limits_admission(cfg, &o);
		eio_callbacks cb = { on_connection, on_message, on_close };
		char names[5 * 64];
		int e = 0;
		ep->es = eio_plain_server_new(l, &o, name_list(c, names, sizeof(names)), &cb, ep,
		                              &e);
		if (ep->es && srv_metrics_add_engine(m, ep->es) < 0)
			e = EIO_ENOMEM;
		if (ep->es)
			eio_server_on_refusal(ep->es, srv_metrics_on_refusal, m);
		if (!ep->es || e) {
			snprintf(err, errlen,
			         "plainWebSockets[%zu]: cannot mount \"%s\" (error %d)", i, c->path,
			         e);
			srv_plainws_free(p);
			return NULL;
		}
	}
	return p;
}

int srv_plainws_set_cors(srv_plainws *p, const char *cors)
{
	int rc = 0;
	for (size_t i = 0; p && i < p->n; i++)
		if (eio_server_set_cors(p->eps[i].es, cors, false))
			rc = -1;
	return rc;
}

static void close_plain(sio_socket *s, void *user)
{
	(void)user;
	if (sio_socket_is_plain(s))
		eio_session_close_code(sio_socket_session(s), 1001, "server shutting down");
}

void srv_plainws_shutdown(srv_plainws *p)
{
	if (p && p->n > 0)
		sio_fetch_sockets(p->nsp, &(sio_broadcast){ 0 }, close_plain, NULL);
}

void srv_plainws_free(srv_plainws *p)
{
	if (!p)
		return;
	free(p->eps);
	free(p);
}
