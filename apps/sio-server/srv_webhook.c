/* srv_webhook.c - the backend bridge's requests: building and signing
 * them, sending them through the breaker and the HTTP client, and what
 * each kind does with the outcome (see srv_webhook.h).
 *
 * A request outlives neither the server nor its promises, but it may
 * outlive its socket: the sender is looked up by its id when the answer
 * comes (the sockets map, kept from the connection callback to
 * "disconnecting"), so an answer for a socket that has gone still applies
 * its broadcasts and nothing else. A retained ack survives its socket
 * (socketio: sending it then does nothing).
 *
 * The connect hook runs as an asynchronous middleware, when the socket is
 * not connected yet and may vanish without a callback (include/socketio.h,
 * sio_socket_set_user): so it takes the socket's srv_user (set by the
 * authentication middleware) into the request, and gives it back in the
 * connection callback that sio_next_accept runs synchronously; refused or
 * gone, the request frees it.
 */
#include "srv_webhook.h"

#include "base/json.h"
#include "base/map.h"
#include "srv_auth.h"
#include "srv_config_hooks.h"
#include "srv_http_client.h"
#include "srv_log.h"
#include "srv_webhook_breaker.h"
#include "srv_webhook_metrics.h"
#include "srv_webhook_reply.h"
#include "srv_webhook_sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum kind {
	K_EVENT,
	K_CONNECT,
	K_DISCONNECT
};

typedef struct hook_ctx { /* one per configured event: the handler's user */
	struct srv_webhooks *w;
	const srv_hook_event *he;
	size_t index; /* in the metrics */
} hook_ctx;

typedef struct sock_state { /* a connected socket of the namespace */
	char *sid;
	sio_socket *s;
	char *data; /* JSON attached by the connect hook, or NULL */
} sock_state;

typedef struct call {
	struct srv_webhooks *w;
	enum kind kind;
	size_t hook; /* metrics index */
	long timeout_ms;
	char *body; /* kept for a retry */
	size_t len;
	char *sid;
	sio_ack *ack;            /* retained, or NULL */
	sio_next *next;          /* connect */
	srv_user *user;          /* connect: taken from the socket until accepted */
	int attempt;             /* disconnect: retries done */
	uv_timer_t *timer;       /* disconnect: the backoff */
	struct call *prev, *nxt; /* w->waiting: calls in backoff */
} call;

struct srv_webhooks {
	const srv_config *cfg;
	const srv_config_webhooks *wc;
	uv_loop_t *loop;
	sio_namespace *nsp;
	srv_metrics *m;
	srv_http *http;
	srv_breaker breaker;
	srv_webhook_metrics *wm;
	hook_ctx *hooks; /* wc->nevents */
	size_t connect_index, disconnect_index;
	base_map socks; /* sid -> sock_state */
	call *waiting;
	size_t nwaiting;
	call *attaching; /* the connect call being accepted, for on_connection */
	bool closed;
};

/* ---- small helpers ---------------------------------------------------------------- */

static void call_free(call *c)
{
	free(c->body);
	free(c->sid);
	srv_user_free(c->user);
	free(c);
}

static void sock_state_free(sock_state *st)
{
	free(st->sid);
	free(st->data);
	free(st);
}

static sio_socket *sender(const srv_webhooks *w, const char *sid)
{
	sock_state *st = base_map_get(&w->socks, sid);
	return st ? st->s : NULL;
}

/* ---- the request body ------------------------------------------------------------- */

typedef struct rooms_ctx {
	base_jsonw *jw;
	const char *sid;
} rooms_ctx;

static void put_room(const char *room, void *user)
{
	rooms_ctx *r = user;
	if (strcmp(room, r->sid))
		base_jsonw_str(r->jw, room, strlen(room));
}

static void put_str_or_null(base_jsonw *jw, const char *key, const char *v)
{
	base_jsonw_key(jw, key, strlen(key));
	if (v)
		base_jsonw_str(jw, v, strlen(v));
	else
		base_jsonw_null(jw);
}

static void put_raw_or_null(base_jsonw *jw, const char *key, const char *json, size_t n)
{
	base_jsonw_key(jw, key, strlen(key));
	if (json)
		base_jsonw_raw(jw, json, n);
	else
		base_jsonw_null(jw);
}

/* {event, args, socketId, userId, claims, rooms, namespace, data, ...}:
 * args may be NULL (none); reason for disconnect; auth for connect. */
static int build_body(const srv_webhooks *w, sio_socket *s, const srv_user *u, const char *event,
                      const sio_args *args, const char *reason, base_buf *b)
{
	base_jsonw jw;
	const char *sid = sio_socket_id(s);
	const sock_state *st = base_map_get(&w->socks, sid);
	base_jsonw_init(&jw, b);
	base_jsonw_object_begin(&jw);
	put_str_or_null(&jw, "event", event);
	base_jsonw_key(&jw, "args", 4);
	base_jsonw_array_begin(&jw);
	for (size_t i = 0; args && i < sio_args_count(args); i++) {
		size_t n;
		const char *js = sio_args_json(args, i, &n);
		if (js)
			base_jsonw_raw(&jw, js, n);
		else
			base_jsonw_null(&jw);
	}
	base_jsonw_array_end(&jw);
	put_str_or_null(&jw, "socketId", sid);
	put_str_or_null(&jw, "userId", u ? u->user_id : NULL);
	const char *claims = u && u->claims ? srv_jwt_claims_json(u->claims) : NULL;
	put_raw_or_null(&jw, "claims", claims, claims ? strlen(claims) : 0);
	base_jsonw_key(&jw, "rooms", 5);
	base_jsonw_array_begin(&jw);
	rooms_ctx rc = { &jw, sid };
	sio_socket_rooms(s, put_room, &rc);
	base_jsonw_array_end(&jw);
	const char *nsp = sio_namespace_name(sio_socket_namespace(s));
	put_str_or_null(&jw, "namespace", nsp);
	put_raw_or_null(&jw, "data", st ? st->data : NULL, st && st->data ? strlen(st->data) : 0);
	if (reason)
		put_str_or_null(&jw, "reason", reason);
	if (!strcmp(event, "connect")) {
		size_t n;
		const char *auth = sio_socket_auth(s, &n);
		put_raw_or_null(&jw, "auth", auth, auth ? n : 0);
	}
	base_jsonw_object_end(&jw);
	return base_jsonw_error(&jw) ? -1 : 0;
}

/* ---- sending ------------------------------------------------------------------------ */

static void on_done(const srv_http_result *r, void *user);

/* Send c (signed now). 0, or the outcome of a refusal at once. */
static int send_call(call *c)
{
	srv_webhooks *w = c->w;
	if (w->closed)
		return SRV_HOOK_CANCELLED;
	if (!srv_breaker_allow(&w->breaker, uv_now(w->loop)))
		return SRV_HOOK_CIRCUIT_OPEN;
	char sig[SRV_SIGNATURE_MAX], sig_h[SRV_SIGNATURE_MAX + 16], ev_h[300];
	const char *ev = c->kind == K_CONNECT      ? "connect"
	                 : c->kind == K_DISCONNECT ? "disconnect"
	                                           : w->hooks[c->hook].he->event;
	if (srv_webhook_sign(w->wc->secret, (long long)time(NULL), c->body, c->len, sig)) {
		srv_breaker_cancel(&w->breaker); /* not the backend's fault */
		return SRV_HOOK_INVALID;
	}
	snprintf(sig_h, sizeof(sig_h), "X-Signature: %s", sig);
	snprintf(ev_h, sizeof(ev_h), "X-Socketio-Event: %s", ev);
	const char *hdrs[] = { "Content-Type: application/json", sig_h, ev_h, NULL };
	int rc = srv_http_request(w->http, "POST", w->wc->url, hdrs, c->body, c->len,
	                          (unsigned)c->timeout_ms, on_done, c);
	if (rc == 0)
		return 0;
	/* refused before the network: the backend is not to blame */
	srv_breaker_cancel(&w->breaker);
	return rc == SRV_HTTP_EQUEUE ? SRV_HOOK_BUSY : SRV_HOOK_CANCELLED;
}

/* The outcome of a completed request. */
static int outcome_of(const srv_http_result *r)
{
	switch (r->err) {
	case SRV_HTTP_OK:
		return r->status >= 200 && r->status < 300 ? SRV_HOOK_OK : SRV_HOOK_HTTP_ERROR;
	case SRV_HTTP_ETIMEOUT:
		return SRV_HOOK_TIMEOUT;
	case SRV_HTTP_ETOOBIG:
		return SRV_HOOK_INVALID;
	case SRV_HTTP_ECANCELED:
	case SRV_HTTP_ECLOSED:
		return SRV_HOOK_CANCELLED;
	default:
		return SRV_HOOK_UNREACHABLE;
	}
}

/* The breaker's verdict on a request that was sent (r set): timeouts,
 * connection failures, 5xx and garbage count against the backend; a 4xx
 * is the backend answering. */
static void report(srv_webhooks *w, int outcome, const srv_http_result *r)
{
	if (!r || outcome == SRV_HOOK_CANCELLED)
		return;
	bool failed = outcome == SRV_HOOK_TIMEOUT || outcome == SRV_HOOK_UNREACHABLE ||
	              outcome == SRV_HOOK_INVALID ||
	              (outcome == SRV_HOOK_HTTP_ERROR && r->status >= 500);
	srv_breaker_result(&w->breaker, !failed, uv_now(w->loop));
}

/* The error ack of an outcome. */
static void error_ack(sio_ack *ack, int outcome, long status)
{
	char msg[64];
	switch (outcome) {
	case SRV_HOOK_TIMEOUT:
		srv_webhook_error_ack(ack, "BACKEND_TIMEOUT", "backend timeout");
		break;
	case SRV_HOOK_BUSY:
		srv_webhook_error_ack(ack, "BACKEND_BUSY", "backend busy");
		break;
	case SRV_HOOK_HTTP_ERROR:
		snprintf(msg, sizeof(msg), "backend error (HTTP %ld)", status);
		srv_webhook_error_ack(ack, "BACKEND_ERROR", msg);
		break;
	case SRV_HOOK_INVALID:
		srv_webhook_error_ack(ack, "BACKEND_INVALID_RESPONSE", "invalid backend response");
		break;
	case SRV_HOOK_CANCELLED:
		srv_webhook_error_ack(ack, "SERVER_SHUTDOWN", "server shutting down");
		break;
	default:
		srv_webhook_error_ack(ack, "BACKEND_UNAVAILABLE", "backend unavailable");
		break;
	}
}

/* ---- client events -------------------------------------------------------------------- */

static void event_done(call *c, int outcome, const srv_http_result *r)
{
	srv_webhooks *w = c->w;
	if (outcome == SRV_HOOK_OK) {
		srv_hook_target t = { .nsp = w->nsp,
			              .s = sender(w, c->sid),
			              .sid = c->sid,
			              .max_room = (size_t)w->cfg->limits.max_room_name_length,
			              .m = w->m };
		const char *why;
		if (srv_webhook_apply(&t, r->body, r->len, c->ack, &why) == 0) {
			c->ack = NULL; /* answered */
		} else {
			outcome = SRV_HOOK_INVALID;
			srv_metrics_error(w->m, "webhook_invalid_response");
		}
	}
	if (outcome != SRV_HOOK_OK) {
		error_ack(c->ack, outcome, r ? r->status : 0);
		c->ack = NULL;
	}
	report(w, outcome, r);
	srv_webhook_metrics_observe(w->wm, c->hook, outcome, r ? r->ms : -1);
	call_free(c);
}

static void on_event(sio_socket *s, const char *ev, const sio_args *args, sio_ack *ack, void *user)
{
	hook_ctx *hc = user;
	srv_webhooks *w = hc->w;
	call *c = calloc(1, sizeof(*c));
	base_buf b;
	base_buf_init(&b);
	if (!hc->he->ack)
		ack = NULL; /* the backend's answer is not the client's ack */
	if (!c || !(c->sid = strdup(sio_socket_id(s))) ||
	    build_body(w, s, srv_user_of(s), ev, args, NULL, &b)) {
		base_buf_free(&b);
		free(c ? c->sid : NULL);
		free(c);
		srv_webhook_error_ack(ack, "SERVER_ERROR", "out of memory");
		return;
	}
	c->w = w;
	c->kind = K_EVENT;
	c->hook = hc->index;
	c->timeout_ms = hc->he->timeout_ms ? hc->he->timeout_ms : w->wc->timeout_ms;
	c->body = b.data;
	c->len = b.len;
	if (ack) {
		sio_ack_retain(ack);
		c->ack = ack;
	}
	int rc = send_call(c);
	if (rc)
		event_done(c, rc, NULL);
}

/* ---- connect -------------------------------------------------------------------------- */

/* The answer's "allow" (default true), message and data for a refusal. */
static void connect_answer(call *c, const srv_http_result *r)
{
	base_json d = BASE_JSON_INIT;
	srv_webhooks *w = c->w;
	if (base_json_parse(&d, r->body, r->len) || base_json_type(&d, 0) != BASE_JSON_OBJECT) {
		base_json_free(&d);
		srv_webhook_metrics_observe(w->wm, c->hook, SRV_HOOK_INVALID, r->ms);
		report(w, SRV_HOOK_INVALID, r);
		if (w->wc->connect_fail_open) {
			w->attaching = c;
			sio_next_accept(c->next);
			w->attaching = NULL;
		} else {
			srv_log(SRV_LOG_INFO, "refused", SRV_LS("socketId", c->sid),
			        SRV_LS("kind", "webhook_connect"),
			        SRV_LS("reason", "backend unavailable"));
			sio_next_refuse(c->next, "backend unavailable",
			                "{\"code\":\"BACKEND_UNAVAILABLE\"}");
		}
		return;
	}
	srv_webhook_metrics_observe(w->wm, c->hook, SRV_HOOK_OK, r->ms);
	report(w, SRV_HOOK_OK, r);
	int allow = base_json_obj_get(&d, 0, "allow");
	if (allow >= 0 && base_json_bool(&d, allow) == 0) {
		char *msg = NULL, *data = NULL;
		size_t n;
		int m = base_json_obj_get(&d, 0, "message"), dt = base_json_obj_get(&d, 0, "data");
		if (base_json_type(&d, m) == BASE_JSON_STRING)
			base_json_str_dup(&d, m, &msg, &n);
		const char *raw = dt >= 0 ? base_json_raw(&d, dt, &n) : NULL;
		if (raw)
			data = strndup(raw, n);
		srv_log(SRV_LOG_INFO, "refused", SRV_LS("socketId", c->sid),
		        SRV_LS("kind", "webhook_connect"),
		        SRV_LS("reason", msg && *msg ? msg : "refused by the backend"));
		sio_next_refuse(c->next, msg && *msg ? msg : "refused by the backend", data);
		free(msg);
		free(data);
		base_json_free(&d);
		return;
	}
	/* accepted: what to attach, read in srv_webhooks_on_connection */
	int uid = base_json_obj_get(&d, 0, "userId");
	char *id = NULL;
	size_t n;
	if (base_json_type(&d, uid) == BASE_JSON_STRING &&
	    base_json_str_dup(&d, uid, &id, &n) == 0 && n && strlen(id) == n) {
		if (!c->user)
			c->user = calloc(1, sizeof(*c->user));
		if (c->user) {
			free(c->user->user_id);
			c->user->user_id = id;
			id = NULL;
		}
	}
	free(id);
	free(c->body); /* reused: the answer, for the join and data members */
	c->body = strndup(r->body, r->len);
	c->len = c->body ? r->len : 0;
	base_json_free(&d);
	w->attaching = c;
	sio_next_accept(c->next);
	w->attaching = NULL;
}

static void connect_done(call *c, int outcome, const srv_http_result *r)
{
	srv_webhooks *w = c->w;
	if (outcome == SRV_HOOK_OK) {
		connect_answer(c, r);
	} else {
		srv_webhook_metrics_observe(w->wm, c->hook, outcome, r ? r->ms : -1);
		report(w, outcome, r);
		free(c->body);
		c->body = NULL;
		c->len = 0;
		if (outcome == SRV_HOOK_CANCELLED)
			sio_next_refuse(c->next, "server shutting down", NULL);
		else if (w->wc->connect_fail_open) {
			w->attaching = c;
			sio_next_accept(c->next);
			w->attaching = NULL;
		} else
			sio_next_refuse(c->next, "backend unavailable",
			                "{\"code\":\"BACKEND_UNAVAILABLE\"}");
	}
	call_free(c); /* with the user, when the socket did not take it */
}

static void connect_mw(sio_socket *s, sio_next *next, void *user)
{
	srv_webhooks *w = user;
	call *c = calloc(1, sizeof(*c));
	base_buf b;
	base_buf_init(&b);
	if (!c || build_body(w, s, srv_user_of(s), "connect", NULL, NULL, &b)) {
		base_buf_free(&b);
		free(c);
		sio_next_refuse(next, "Internal server error", NULL);
		return;
	}
	c->w = w;
	c->kind = K_CONNECT;
	c->hook = w->connect_index;
	c->timeout_ms = w->wc->connect_timeout_ms ? w->wc->connect_timeout_ms : w->wc->timeout_ms;
	c->body = b.data;
	c->len = b.len;
	c->next = next;
	c->user = srv_user_of(s); /* ours until the socket connects */
	sio_socket_set_user(s, NULL);
	int rc = send_call(c);
	if (rc)
		connect_done(c, rc, NULL);
}

/* The accepted answer's "join" and "data", and the user, onto the socket. */
static void attach(srv_webhooks *w, call *c, sio_socket *s, sock_state *st)
{
	sio_socket_set_user(s, c->user);
	c->user = NULL;
	base_json d = BASE_JSON_INIT;
	if (!c->body || base_json_parse(&d, c->body, c->len)) {
		base_json_free(&d);
		return;
	}
	int data = base_json_obj_get(&d, 0, "data");
	size_t n;
	const char *raw = data >= 0 ? base_json_raw(&d, data, &n) : NULL;
	if (raw)
		st->data = strndup(raw, n);
	int join = base_json_obj_get(&d, 0, "join");
	if (join >= 0) {
		/* the same checks and bounds as an event's answer */
		char doc[64];
		snprintf(doc, sizeof(doc), "{\"join\":");
		base_buf b;
		base_buf_init(&b);
		const char *jr = base_json_raw(&d, join, &n);
		if (!base_buf_append(&b, doc, strlen(doc)) && !base_buf_append(&b, jr, n) &&
		    !base_buf_append(&b, "}", 1)) {
			srv_hook_target t = { .nsp = w->nsp,
				              .s = s,
				              .sid = st->sid,
				              .max_room =
				                      (size_t)w->cfg->limits.max_room_name_length,
				              .m = w->m };
			const char *why;
			if (srv_webhook_apply(&t, b.data, b.len, NULL, &why))
				srv_metrics_error(w->m, "webhook_invalid_response");
		}
		base_buf_free(&b);
	}
	base_json_free(&d);
}

/* ---- disconnect ------------------------------------------------------------------------ */

static void free_handle(uv_handle_t *h)
{
	free(h);
}

/* Shutdown: the call waited for its retry. */
static void on_retry_closed(uv_handle_t *h)
{
	call_free(h->data);
	free(h);
}

static void unwait(call *c)
{
	srv_webhooks *w = c->w;
	if (c->prev)
		c->prev->nxt = c->nxt;
	else
		w->waiting = c->nxt;
	if (c->nxt)
		c->nxt->prev = c->prev;
	w->nwaiting--;
}

static void disconnect_done(call *c, int outcome, const srv_http_result *r);

static void on_retry(uv_timer_t *t)
{
	call *c = t->data;
	unwait(c);
	uv_close((uv_handle_t *)t, free_handle);
	c->timer = NULL;
	c->attempt++;
	int rc = send_call(c);
	if (rc)
		disconnect_done(c, rc, NULL);
}

static void disconnect_done(call *c, int outcome, const srv_http_result *r)
{
	srv_webhooks *w = c->w;
	srv_webhook_metrics_observe(w->wm, c->hook, outcome, r ? r->ms : -1);
	report(w, outcome, r);
	bool retry = outcome != SRV_HOOK_OK && outcome != SRV_HOOK_CANCELLED &&
	             !(outcome == SRV_HOOK_HTTP_ERROR && r && r->status < 500) &&
	             c->attempt < w->wc->disconnect_retries && !w->closed &&
	             w->nwaiting < (size_t)w->wc->max_queued;
	if (!retry) {
		if (outcome != SRV_HOOK_OK)
			srv_metrics_error(w->m, "webhook_disconnect_lost");
		call_free(c);
		return;
	}
	uint64_t delay = (uint64_t)w->wc->disconnect_backoff_ms << c->attempt;
	if (!(c->timer = malloc(sizeof(*c->timer)))) {
		srv_metrics_error(w->m, "webhook_disconnect_lost");
		call_free(c);
		return;
	}
	uv_timer_init(w->loop, c->timer);
	c->timer->data = c;
	uv_timer_start(c->timer, on_retry, delay, 0);
	c->prev = NULL;
	c->nxt = w->waiting;
	if (w->waiting)
		w->waiting->prev = c;
	w->waiting = c;
	w->nwaiting++;
}

static void on_disconnecting(sio_socket *s, const char *reason, void *user)
{
	srv_webhooks *w = user;
	sock_state *st = base_map_get(&w->socks, sio_socket_id(s));
	if (w->wc->disconnect && !w->closed) {
		call *c = calloc(1, sizeof(*c));
		base_buf b;
		base_buf_init(&b);
		if (c && build_body(w, s, srv_user_of(s), "disconnect", NULL, reason, &b) == 0) {
			c->w = w;
			c->kind = K_DISCONNECT;
			c->hook = w->disconnect_index;
			c->timeout_ms = w->wc->disconnect_timeout_ms ? w->wc->disconnect_timeout_ms
			                                             : w->wc->timeout_ms;
			c->body = b.data;
			c->len = b.len;
			int rc = send_call(c);
			if (rc)
				disconnect_done(c, rc, NULL);
		} else {
			base_buf_free(&b);
			free(c);
		}
	}
	if (st) {
		base_map_del(&w->socks, st->sid);
		sock_state_free(st);
	}
}

/* ---- completion ------------------------------------------------------------------------ */

static void on_done(const srv_http_result *r, void *user)
{
	call *c = user;
	int outcome = outcome_of(r);
	switch (c->kind) {
	case K_EVENT:
		event_done(c, outcome, r);
		break;
	case K_CONNECT:
		connect_done(c, outcome, r);
		break;
	case K_DISCONNECT:
		disconnect_done(c, outcome, r);
		break;
	}
}

/* ---- the module ----------------------------------------------------------------------- */

void srv_webhooks_on_connection(srv_webhooks *w, sio_socket *s)
{
	if (!w)
		return;
	sock_state *st = calloc(1, sizeof(*st));
	if (!st || !(st->sid = strdup(sio_socket_id(s))) || base_map_put(&w->socks, st->sid, st)) {
		if (st)
			free(st->sid);
		free(st);
		st = NULL;
		srv_metrics_error(w->m, "webhook_out_of_memory");
	} else {
		st->s = s;
		sio_on_disconnecting(s, on_disconnecting, w);
	}
	if (!w->attaching)
		return;
	if (st && base_map_get(&w->socks, sio_socket_id(s)) == st) {
		attach(w, w->attaching, s, st);
	} else { /* no state (out of memory): the user at least */
		sio_socket_set_user(s, w->attaching->user);
		w->attaching->user = NULL;
	}
}

srv_webhooks *srv_webhooks_new(const srv_config *cfg, uv_loop_t *loop, srv_metrics *m, bool *oom)
{
	*oom = false;
	const srv_config_webhooks *wc = cfg->webhooks;
	if (!wc)
		return NULL;
	srv_webhooks *w = calloc(1, sizeof(*w));
	const char **names = calloc(wc->nevents + 2, sizeof(*names));
	srv_http_opts o = { .max_concurrent = (size_t)wc->max_concurrent,
		            .max_queued = (size_t)wc->max_queued,
		            .max_response = (size_t)wc->max_response_bytes };
	if (!w || !names || !(w->hooks = calloc(wc->nevents ? wc->nevents : 1, sizeof(*w->hooks))))
		goto fail;
	w->cfg = cfg;
	w->wc = wc;
	w->loop = loop;
	w->m = m;
	base_map_init(&w->socks);
	srv_breaker_init(&w->breaker, wc->breaker_failures, (uint64_t)wc->breaker_cooldown_ms);
	for (size_t i = 0; i < wc->nevents; i++) {
		w->hooks[i] = (hook_ctx){ .w = w, .he = &wc->events[i], .index = i };
		names[i] = wc->events[i].event;
	}
	w->connect_index = wc->nevents;
	w->disconnect_index = wc->nevents + 1;
	names[wc->nevents] = "connect";
	names[wc->nevents + 1] = "disconnect";
	if (!(w->wm = srv_webhook_metrics_new(names, wc->nevents + 2, &w->breaker)) ||
	    !(w->http = srv_http_new(loop, &o)) ||
	    (m && srv_metrics_add_section(m, srv_webhook_metrics_render, w->wm)))
		goto fail;
	free(names);
	return w;
fail:
	free(names);
	if (w) {
		srv_http_close(w->http);
		srv_webhook_metrics_free(w->wm);
		free(w->hooks);
		free(w);
	}
	*oom = true;
	return NULL;
}

int srv_webhooks_install(srv_webhooks *w, sio_namespace *nsp)
{
	if (!w)
		return 0;
	w->nsp = nsp;
	for (size_t i = 0; i < w->wc->nevents; i++)
		if (sio_namespace_on(nsp, w->wc->events[i].event, on_event, &w->hooks[i]))
			return -1;
	if (w->wc->connect && sio_use_async(nsp, connect_mw, w))
		return -1;
	return 0;
}

void srv_webhooks_close(srv_webhooks *w)
{
	if (!w || w->closed)
		return;
	w->closed = true;
	while (w->waiting) {
		call *c = w->waiting;
		unwait(c);
		srv_webhook_metrics_observe(w->wm, c->hook, SRV_HOOK_CANCELLED, -1);
		uv_timer_stop(c->timer);
		uv_close((uv_handle_t *)c->timer, on_retry_closed);
	}
	srv_http_close(w->http); /* every callback runs now, cancelled */
	w->http = NULL;
}

void srv_webhooks_free(srv_webhooks *w)
{
	if (!w)
		return;
	srv_webhooks_close(w);
	size_t i = 0;
	sock_state *st;
	while ((st = base_map_next(&w->socks, &i)))
		sock_state_free(st);
	base_map_free(&w->socks);
	srv_webhook_metrics_free(w->wm);
	free(w->hooks);
	free(w);
}
