/* eio_verify.c - what an Engine.IO server does with a request the router
 * hands it: the checks, the handshake, and the hand-over to a transport.
 *
 * Checks follow node engine.io's Server.verify(), in its order: the
 * transport (code 0), the sid (code 1, or 3 when the session's transport is
 * not the requested one), then for handshakes the method (code 2), WebSocket
 * by plain GET (code 3), allowRequest (code 4, status 403) and the protocol
 * version (code 5: "4", or "3" too with allow_eio3, as node's allowEIO3; a
 * v3 session is set up by eio_session_use_v3()). Spec: engine.io-protocol v4, and node's server.ts. An
 * upgrade gets the same checks before lws completes it (eio_verify_upgrade)
 * plus the Origin check; whether the session of its sid takes it is decided
 * once it is open (eio_verify_ws_open), as in node's onWebSocket(): a
 * WebSocket for a session that has upgraded or is upgrading is accepted and
 * closed at once, and the session's own transport carries on; any other
 * session takes it as an upgrade probe.
 */
#include "eio_admit.h"
#include "eio_internal.h"
#include "eio_jsonp.h"

#include <string.h>

static int transport_bit(const char *t)
{
	if (strcmp(t, "polling") == 0)
		return EIO_TRANSPORT_POLLING;
	if (strcmp(t, "websocket") == 0)
		return EIO_TRANSPORT_WEBSOCKET;
	return 0;
}

/* The EIO query parameter: 4, 3 when v3 clients are allowed, else 0 (node's
 * server.ts: a missing or other EIO is revision 3). */
static int protocol_of(eio_server *srv, struct lws *wsi)
{
	char eio[8] = "";
	net_request_peek_query(wsi, "EIO", eio, sizeof(eio));
	if (strcmp(eio, "4") == 0)
		return 4;
	return srv->o.allow_eio3 ? 3 : 0;
}

/* A request with the sid of a session of the other revision (node's verify():
 * PROTOCOL_MISMATCH, code 3). Node takes a missing EIO as 3; a v4 session is
 * refused here only an explicit EIO=3, as requests without EIO always passed. */
static bool protocol_mismatch(struct lws *wsi, const eio_session *s)
{
	char eio[8] = "";
	net_request_peek_query(wsi, "EIO", eio, sizeof(eio));
	if (s->protocol == 3)
		return strcmp(eio, "4") == 0;
	return strcmp(eio, "3") == 0;
}

/* A v3 client's new session: its heartbeat and payload form, and JSONP
 * polling when its polling handshake has `j` (node's transports/index.js:
 * the polling transport is JSONP for the session's life, binary always as
 * base64, since a script carries text). */
static void use_protocol(eio_session *s, struct lws *wsi, int protocol, bool polling)
{
	char b64[8], j[64];
	if (protocol != 3)
		return;
	eio_session_use_v3(s, net_request_peek_query(wsi, "b64", b64, sizeof(b64)));
	if (polling && net_request_peek_query(wsi, "j", j, sizeof(j))) {
		s->jsonp = true;
		s->b64 = true;
		eio_jsonp_index(j, s->jsonp_index, sizeof(s->jsonp_index));
	}
}

static eio_request *capture(eio_server *srv, struct lws *wsi, const char *path)
{
	return eio_request_of(
	        net_request_capture(wsi, path, srv->o.capture_headers, srv->o.trust_proxy));
}

/* A handshake completed: count it and tell the application. */
static void connected(eio_server *srv, eio_session *s)
{
	srv->stats.handshakes++;
	if (srv->cb.on_connection)
		srv->cb.on_connection(srv, s, srv->user);
}

/* ---- HTTP ------------------------------------------------------------------------- */

/* CORS refuses nothing itself: a request from an Origin the list does not
 * allow is answered without CORS headers (net_response.c) and the browser
 * keeps the answer from the page. That is reported ("cors", engineio.h) for
 * the requests a page of a foreign origin starts with, a preflight and a
 * handshake, by the rule of the WebSocket check (net_origin_check: no
 * Origin, a listed one or the server's own pass); the requests of a session
 * carry its sid, which such a page never learnt. */
static void cors_check(eio_server *srv, net_http *h, const char *path, int status)
{
	if (!srv->on_refusal || net_origin_check(h->wsi, srv->cors.origins))
		return;
	eio_refusal_report(srv, h->wsi, path,
	                   (eio_refusal){ .kind = "cors",
	                                  .message = "Origin not allowed by CORS",
	                                  .code = -1,
	                                  .status = status });
}

void eio_verify_preflight(net_http *h, const char *path, void *user)
{
	cors_check(user, h, path, 204);
}

static void internal_error(net_http *h)
{
	net_http_respond(h, 500, "text/plain", "Internal Server Error", 21);
}

static void handshake(eio_server *srv, net_http *h, const char *path, int protocol)
{
	int why = eio_admit_check(srv, h->wsi);
	if (why) {
		eio_admit_respond(srv, h, path, why);
		return;
	}
	eio_request *req = capture(srv, h->wsi, path);
	if (!req) {
		internal_error(h);
		return;
	}
	if (srv->o.allow_request) {
		const char *msg = NULL;
		if (srv->o.allow_request(req, &msg, srv->user) != 0) {
			net_request_free(eio_request_net(req));
			eio_error_respond(h, EIO_ERR_FORBIDDEN, msg);
			return;
		}
	}
	eio_session *s = eio_session_create(srv, req, EIO_TRANSPORT_POLLING);
	if (!s) {
		net_request_free(eio_request_net(req));
		internal_error(h);
		return;
	}
	eio_admit_take(s, h->wsi);
	use_protocol(s, h->wsi, protocol, true);
	cors_check(srv, h, path, 200);
	/* The open packet is queued: this GET answers with it at once. */
	eio_polling_get(h, s);
	connected(srv, s);
}

void eio_verify_http(net_http *h, const char *path, void *user)
{
	eio_server *srv = user;
	int method = net_http_method(h);
	char transport[32] = "", sid[64] = "";
	net_request_peek_query(h->wsi, "transport", transport, sizeof(transport));
	int tbit = transport_bit(transport);
	if (!(tbit & srv->o.transports)) {
		eio_error_refuse_http(srv, h, path, EIO_ERR_UNKNOWN_TRANSPORT, NULL);
		return;
	}
	if (net_request_peek_query(h->wsi, "sid", sid, sizeof(sid))) {
		eio_session *s = base_map_get(&srv->sessions, sid);
		if (!s) {
			eio_error_refuse_http(srv, h, path, EIO_ERR_UNKNOWN_SID, NULL);
			return;
		}
		if (tbit != EIO_TRANSPORT_POLLING || s->transport != EIO_TRANSPORT_POLLING ||
		    protocol_mismatch(h->wsi, s)) {
			eio_error_refuse_http(srv, h, path, EIO_ERR_BAD_REQUEST, NULL);
			return;
		}
		if (method == NET_GET)
			eio_polling_get(h, s);
		else if (method == NET_POST)
			eio_polling_post(h, s);
		else
			eio_error_refuse_http(srv, h, path, EIO_ERR_BAD_REQUEST, NULL);
		return;
	}
	if (method != NET_GET) {
		eio_error_refuse_http(srv, h, path, EIO_ERR_BAD_HANDSHAKE_METHOD, NULL);
		return;
	}
	if (tbit == EIO_TRANSPORT_WEBSOCKET) {
		/* A WebSocket handshake must be an Upgrade request. */
		eio_error_refuse_http(srv, h, path, EIO_ERR_BAD_REQUEST, NULL);
		return;
	}
	int protocol = protocol_of(srv, h->wsi);
	if (!protocol) {
		eio_error_refuse_http(srv, h, path, EIO_ERR_UNSUPPORTED_PROTOCOL_VERSION, NULL);
		return;
	}
	handshake(srv, h, path, protocol);
}

/* ---- WebSocket ---------------------------------------------------------------------- */

/* The same checks as for HTTP requests, for an Upgrade. */
int eio_verify_upgrade(struct lws *wsi, const char *path, void *user)
{
	eio_server *srv = user;
	char transport[32] = "", sid[64] = "";
	net_request_peek_query(wsi, "transport", transport, sizeof(transport));
	if (strcmp(transport, "websocket") != 0) {
		bool known = strcmp(transport, "polling") == 0;
		return eio_error_refuse_ws(srv, wsi, path,
		                           known ? EIO_ERR_BAD_REQUEST : EIO_ERR_UNKNOWN_TRANSPORT,
		                           NULL);
	}
	if (!(srv->o.transports & EIO_TRANSPORT_WEBSOCKET))
		return eio_error_refuse_ws(srv, wsi, path, EIO_ERR_UNKNOWN_TRANSPORT, NULL);
	/* Browsers apply no CORS to WebSocket: the Origin check is the only
	 * guard against a foreign page using the user's session, for a new
	 * session and for the upgrade of a polling one alike (net_origin.c). */
	if (srv->o.check_origin && !net_origin_check(wsi, srv->o.cors_origin))
		return eio_error_refuse_ws(srv, wsi, path, EIO_ERR_FORBIDDEN, "origin");
	if (net_request_peek_query(wsi, "sid", sid, sizeof(sid))) {
		/* node's verify() refuses only an unknown sid here; whether the
		 * session can take the WebSocket is decided once it is open
		 * (eio_verify_ws_open), as node's onWebSocket() does. */
		eio_session *s = base_map_get(&srv->sessions, sid);
		if (!s)
			return eio_error_refuse_ws(srv, wsi, path, EIO_ERR_UNKNOWN_SID, NULL);
		if (protocol_mismatch(wsi, s))
			return eio_error_refuse_ws(srv, wsi, path, EIO_ERR_BAD_REQUEST, NULL);
		if (!srv->o.allow_upgrades)
			return eio_error_refuse_ws(srv, wsi, path, EIO_ERR_BAD_REQUEST, NULL);
		return 0;
	}
	if (!protocol_of(srv, wsi))
		return eio_error_refuse_ws(srv, wsi, path, EIO_ERR_UNSUPPORTED_PROTOCOL_VERSION,
		                           NULL);
	int why = eio_admit_check(srv, wsi);
	if (why)
		return eio_admit_refuse_upgrade(srv, wsi, path, why);
	if (srv->o.allow_request) {
		eio_request *req = capture(srv, wsi, path);
		const char *msg = NULL;
		int denied = !req || srv->o.allow_request(req, &msg, srv->user) != 0;
		net_request_free(eio_request_net(req));
		if (denied)
			return eio_error_refuse(wsi, EIO_ERR_FORBIDDEN);
	}
	return 0;
}

/* Can the session of a sid take a new WebSocket as its upgrade probe? As
 * node's onWebSocket(): not when the session is gone, is already upgrading
 * (a probe is attached) or has upgraded. A session that is closing still
 * can, and so can one that began on WebSocket (node's Socket._maybeUpgrade()
 * looks at neither readyState nor the transport). */
static bool takes_probe(const eio_session *s)
{
	return s && s->state != EIO_S_CLOSED && !s->upgraded && s->upgrade == EIO_UPG_NONE &&
	       !s->probe;
}

/* The WebSocket is open: a probe for the session of its sid, or a new
 * session. A WebSocket whose sid cannot take it is closed at once, as node
 * does after accepting it (the client sees open, then close 1005). The
 * request is copied now: lws drops its header table once the WebSocket is
 * established (docs/engineio.md, pitfall 6). */
int eio_verify_ws_open(net_ws *ws, const char *path, void *user)
{
	eio_server *srv = user;
	char sid[64];
	if (net_request_peek_query(ws->wsi, "sid", sid, sizeof(sid))) {
		eio_session *s = base_map_get(&srv->sessions, sid);
		if (takes_probe(s))
			eio_ws_attach_probe(ws, s);
		else
			eio_ws_turn_away(ws, sid);
		return 0;
	}
	eio_request *req = capture(srv, ws->wsi, path);
	eio_session *s = req ? eio_session_create(srv, req, EIO_TRANSPORT_WEBSOCKET) : NULL;
	if (!s) {
		net_request_free(eio_request_net(req));
		return -1;
	}
	eio_admit_take(s, ws->wsi);
	use_protocol(s, ws->wsi, protocol_of(srv, ws->wsi), false);
	eio_ws_attach(ws, s);
	eio_session_kick(s); /* the open packet */
	connected(srv, s);
	return 0;
}
