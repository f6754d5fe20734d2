/* eio_http.c - the libwebsockets callback: HTTP routing, request checks,
 * error answers and CORS.
 *
 * Both lws protocols ("http" and "eio-ws") share one callback, because lws
 * delivers some HTTP-phase reasons (FILTER_HTTP_CONNECTION, CONFIRM_UPGRADE)
 * to the default WebSocket protocol on a fresh connection and to protocols[0]
 * after a keep-alive transaction (shared/notes, lws pitfall 3).
 *
 * Request checks follow node engine.io's Server.verify(), in its order: the
 * transport (code 0), the sid (code 1, or 3 when the session's transport is
 * not the requested one), then for handshakes the method (code 2), WebSocket
 * by plain GET (code 3), allowRequest (code 4, status 403) and the protocol
 * version (code 5). Spec: engine.io-protocol v4, and node's server.ts.
 */
#include "base/log.h"
#include "eio_internal.h"
#include "eio_origin.h"
#include "eio_request.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NS "engineio:http"

static const char *const error_messages[] = {
	"Transport unknown", "Session ID unknown", "Bad handshake method",
	"Bad request",       "Forbidden",          "Unsupported protocol version",
};

eio_server *eio_http_route(eio_listener *l, const char *path)
{
	for (size_t i = 0; i < l->nservers; i++) {
		eio_server *srv = l->servers[i];
		if (strncmp(path, srv->o.path, srv->path_len) == 0)
			return srv;
	}
	return NULL;
}

/* ---- CORS ------------------------------------------------------------------- */

/* The origin to allow for this request, or NULL for no CORS headers. "*"
 * without credentials answers "*"; otherwise the request's own origin is
 * reflected when the list allows it (eio_origin.c: exact entries and
 * "scheme://host:*" port wildcards); browsers refuse "*" with credentials. */
static const char *cors_allowed(const eio_server *srv, const char *origin)
{
	const char *list = srv->o.cors_origin;
	if (!list)
		return NULL;
	if (strcmp(list, "*") == 0)
		return (srv->o.cors_credentials && *origin) ? origin : "*";
	return eio_origin_in_list(list, origin) ? origin : NULL;
}

static int add_header(struct lws *wsi, const char *name, const char *val, unsigned char **p,
                      unsigned char *end)
{
	return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
	                                   (const unsigned char *)val, (int)strlen(val), p, end);
}

static int add_cors_headers(eio_http_pss *pss, unsigned char **p, unsigned char *end,
                            bool preflight)
{
	const char *allow = pss->srv ? cors_allowed(pss->srv, pss->origin) : NULL;
	if (!allow)
		return 0;
	if (add_header(pss->wsi, "access-control-allow-origin:", allow, p, end))
		return -1;
	if (strcmp(allow, "*") != 0 && add_header(pss->wsi, "vary:", "Origin", p, end))
		return -1;
	if (pss->srv->o.cors_credentials &&
	    add_header(pss->wsi, "access-control-allow-credentials:", "true", p, end))
		return -1;
	if (preflight) {
		if (add_header(pss->wsi, "access-control-allow-methods:",
		               "GET,HEAD,PUT,PATCH,POST,DELETE", p, end))
			return -1;
		if (pss->acrh[0] &&
		    add_header(pss->wsi, "access-control-allow-headers:", pss->acrh, p, end))
			return -1;
	}
	return 0;
}

/* ---- responses -------------------------------------------------------------- */

/* Drop the response body, wherever it lives. */
void eio_http_body_free(eio_http_pss *pss)
{
	if (pss->body != pss->small)
		free(pss->body);
	pss->body = NULL;
	pss->body_len = 0;
}

/* Set the response to write (the body is copied). Small bodies ("ok", "6",
 * error JSON) live inside the pss, so a connection that lws frees without a
 * CLOSED callback cannot leak them. */
void eio_http_set_response(eio_http_pss *pss, int status, const char *ctype, const char *body,
                           size_t len)
{
	eio_http_body_free(pss);
	pss->status = status;
	pss->ctype = ctype;
	if (len <= sizeof(pss->small)) {
		pss->body = pss->small;
	} else if (!(pss->body = malloc(len))) {
		len = 0;
	}
	if (len)
		memcpy(pss->body, body, len);
	pss->body_len = len;
}

/* Queue a complete response; it is written on WRITEABLE. */
void eio_http_respond(eio_http_pss *pss, int status, const char *ctype, const char *body,
                      size_t len)
{
	eio_http_set_response(pss, status, ctype, body, len);
	lws_callback_on_writable(pss->wsi);
}

static void respond_static(eio_http_pss *pss, int status, const char *ctype, const char *text)
{
	eio_http_respond(pss, status, ctype, text, strlen(text));
}

/* {"code":N,"message":"..."}, 403 for Forbidden and 400 otherwise. */
static char *error_body(int code, const char *message, size_t *len)
{
	if (!message)
		message = error_messages[code];
	char *b = malloc(64 + strlen(message) * 6);
	if (!b)
		return NULL;
	char *p = b + sprintf(b, "{\"code\":%d,\"message\":\"", code);
	for (const char *m = message; *m; m++) {
		unsigned char c = (unsigned char)*m;
		if (c == '"' || c == '\\')
			p += sprintf(p, "\\%c", c);
		else if (c < 0x20)
			p += sprintf(p, "\\u%04x", c);
		else
			*p++ = (char)c;
	}
	p += sprintf(p, "\"}");
	*len = (size_t)(p - b);
	return b;
}

void eio_http_error(eio_http_pss *pss, int code, const char *message)
{
	size_t len = 0;
	char *b = error_body(code, message, &len);
	base_log(NS, "error %d %s", code, message ? message : error_messages[code]);
	eio_http_respond(pss, code == EIO_ERR_FORBIDDEN ? 403 : 400, "application/json", b, len);
	free(b);
}

/* ---- keep-alive ------------------------------------------------------------- */

/* A keep-alive connection now waits for its next request. lws 4.1 has just
 * set its keep-alive timeout, which it keeps with every other connection's
 * timeout in one sorted list, inserting by a walk from the head: the new
 * deadline is the latest, so every response walked past every idle
 * connection (O(connections) per HTTP transaction: 40% of the server's CPU
 * with 2,000 long-polling clients, where each poll is two transactions).
 * The wait moves to the listener's FIFO deadline list instead (O(1): every
 * entry has the same duration) and lws's entry is dropped at once, so lws's
 * list holds only the few connections in the middle of a request and stays
 * short. lws re-bound the connection to a fresh pss in
 * lws_http_transaction_completed(): the link lives in that one. */
static void keepalive_wait(eio_listener *l, struct lws *wsi)
{
	eio_http_pss *next = lws_wsi_user(wsi);
	if (!next)
		return; /* lws keeps its own timeout then */
	lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
	next->wsi = wsi;
	base_timers_arm(&l->timers, EIO_LTL_KEEPALIVE, &next->idle);
}

static void keepalive_stop(eio_listener *l, eio_http_pss *pss)
{
	if (l && base_tlink_armed(&pss->idle))
		base_timers_cancel(&l->timers, EIO_LTL_KEEPALIVE, &pss->idle);
}

/* Idle too long: close it, as lws's own keep-alive timeout would. At once:
 * this runs from a libuv timer, outside lws's service, where an "async"
 * kill would wait for lws's next unrelated wakeup. The close calls back
 * into http_pss_release(), which finds the link already disarmed. */
void eio_http_keepalive_expire(base_timers *t, int list, base_tlink *link)
{
	(void)t;
	(void)list;
	eio_http_pss *pss = (eio_http_pss *)((char *)link - offsetof(eio_http_pss, idle));
	lws_set_timeout(pss->wsi, PENDING_TIMEOUT_HTTP_KEEPALIVE_IDLE, LWS_TO_KILL_SYNC);
}

/* Room for the response headers: status line, the common headers, CORS
 * (an origin and Access-Control-Request-Headers of up to 255 bytes each). */
#define EIO_HTTP_HEADROOM 2048

/* Write the queued response: headers and body in one write (one send(),
 * one TCP segment on loopback: a second small write would cost a second
 * syscall and wake the client twice), then finish the transaction
 * (keep-alive). Returns -1 when lws should close the connection. */
int eio_http_write_response(eio_http_pss *pss)
{
	struct lws *wsi = pss->wsi;
	eio_listener *l = lws_context_user(lws_get_context(wsi));
	size_t need = LWS_PRE + EIO_HTTP_HEADROOM + pss->body_len;
	/* The listener's scratch buffer is free outside its end-of-turn
	 * flush: lws copies whatever it cannot send at once. */
	unsigned char *buf = need <= LWS_PRE + EIO_WBUF_CAP ? l->wbuf : malloc(need);
	if (!buf)
		return -1;
	unsigned char *start = buf + LWS_PRE, *p = start;
	unsigned char *end = start + EIO_HTTP_HEADROOM - 1;
	int r = -1;
	if (lws_add_http_common_headers(wsi, (unsigned)pss->status, pss->ctype,
	                                (lws_filepos_t)pss->body_len, &p, end) ||
	    add_header(wsi, "cache-control:", "no-store", &p, end) ||
	    (pss->close_after && add_header(wsi, "connection:", "close", &p, end)) ||
	    add_cors_headers(pss, &p, end, pss->status == 204) ||
	    lws_finalize_http_header(wsi, &p, end))
		goto out;
	if (pss->body_len)
		memcpy(p, pss->body, pss->body_len);
	p += pss->body_len;
	/* As lws_finalize_write_http_header() does, but with the body. */
	size_t n = (size_t)(p - start);
	if (lws_write(wsi, start, n, LWS_WRITE_HTTP_HEADERS) != (int)n)
		goto out;
	r = 0;
out:
	if (buf != l->wbuf)
		free(buf);
	if (r < 0)
		return -1;
	eio_http_body_free(pss);
	pss->status = 0;
	/* After an error in the middle of a request body the connection
	 * cannot be reused: the rest of the body would be read as a request. */
	if (pss->close_after)
		return -1;
	if (lws_http_transaction_completed(wsi))
		return -1;
	keepalive_wait(l, wsi);
	return 0;
}

/* ---- request handling ------------------------------------------------------- */

enum {
	M_GET,
	M_POST,
	M_OPTIONS,
	M_OTHER
};

static int method_of(struct lws *wsi)
{
	if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI))
		return M_GET;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI))
		return M_POST;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_OPTIONS_URI))
		return M_OPTIONS;
	return M_OTHER;
}

static int transport_bit(const char *t)
{
	if (strcmp(t, "polling") == 0)
		return EIO_TRANSPORT_POLLING;
	if (strcmp(t, "websocket") == 0)
		return EIO_TRANSPORT_WEBSOCKET;
	return 0;
}

static void handshake(eio_http_pss *pss, const char *path)
{
	eio_server *srv = pss->srv;
	eio_request *req = eio_request_capture(pss->wsi, path, &srv->o);
	if (!req) {
		respond_static(pss, 500, "text/plain", "Internal Server Error");
		return;
	}
	if (srv->o.allow_request) {
		const char *msg = NULL;
		if (srv->o.allow_request(req, &msg, srv->user) != 0) {
			eio_request_free(req);
			eio_http_error(pss, EIO_ERR_FORBIDDEN, msg);
			return;
		}
	}
	eio_session *s = eio_session_create(srv, req, EIO_TRANSPORT_POLLING);
	if (!s) {
		eio_request_free(req);
		respond_static(pss, 500, "text/plain", "Internal Server Error");
		return;
	}
	/* The open packet is queued: this GET answers with it at once. */
	eio_polling_get(pss, s);
	srv->stats.handshakes++;
	if (srv->cb.on_connection)
		srv->cb.on_connection(srv, s, srv->user);
}

static void on_http_request(eio_listener *l, eio_http_pss *pss, const char *path)
{
	struct lws *wsi = pss->wsi;
	pss->srv = eio_http_route(l, path);
	if (!pss->srv) {
		if (!eio_apphttp_begin(l, pss, path))
			respond_static(pss, 404, "text/plain", "Not Found");
		return;
	}
	eio_server *srv = pss->srv;
	eio_request_peek_header(wsi, WSI_TOKEN_ORIGIN, pss->origin, sizeof(pss->origin));
	int method = method_of(wsi);

	/* CORS preflight, answered before any Engine.IO check. */
	if (method == M_OPTIONS && srv->o.cors_origin) {
		eio_request_peek_header(wsi, WSI_TOKEN_HTTP_AC_REQUEST_HEADERS, pss->acrh,
		                        sizeof(pss->acrh));
		eio_http_respond(pss, 204, "text/plain", "", 0);
		return;
	}

	char transport[32] = "", sid[64] = "", eio[8] = "";
	eio_request_peek_query(wsi, "transport", transport, sizeof(transport));
	int tbit = transport_bit(transport);
	if (!(tbit & srv->o.transports)) {
		eio_http_error(pss, EIO_ERR_UNKNOWN_TRANSPORT, NULL);
		return;
	}
	if (eio_request_peek_query(wsi, "sid", sid, sizeof(sid))) {
		eio_session *s = base_map_get(&srv->sessions, sid);
		if (!s) {
			eio_http_error(pss, EIO_ERR_UNKNOWN_SID, NULL);
			return;
		}
		if (tbit != EIO_TRANSPORT_POLLING || s->transport != EIO_TRANSPORT_POLLING) {
			eio_http_error(pss, EIO_ERR_BAD_REQUEST, NULL);
			return;
		}
		if (method == M_GET)
			eio_polling_get(pss, s);
		else if (method == M_POST)
			eio_polling_post_begin(pss, s);
		else
			eio_http_error(pss, EIO_ERR_BAD_REQUEST, NULL);
		return;
	}
	if (method != M_GET) {
		eio_http_error(pss, EIO_ERR_BAD_HANDSHAKE_METHOD, NULL);
		return;
	}
	if (tbit == EIO_TRANSPORT_WEBSOCKET) {
		/* A WebSocket handshake must be an Upgrade request. */
		eio_http_error(pss, EIO_ERR_BAD_REQUEST, NULL);
		return;
	}
	if (!eio_request_peek_query(wsi, "EIO", eio, sizeof(eio)) || strcmp(eio, "4") != 0) {
		eio_http_error(pss, EIO_ERR_UNSUPPORTED_PROTOCOL_VERSION, NULL);
		return;
	}
	handshake(pss, path);
}

/* ---- pipelined requests ----------------------------------------------------- */

/* libwebsockets 4.1 mis-parses a request with a body that it takes from its
 * own buffer of already-read input, i.e. one the client pipelined behind an
 * earlier request on the same keep-alive connection: the headers parse, but
 * the body it hands over starts at the beginning of the buffered segment
 * (the request's own request line, "POST /socket.io/?...") and the real body
 * stays buffered, where lws later takes it for the next request's headers.
 * Acting on that body would deliver garbage, answer a spurious 400 and leave
 * the connection re-offering its buffer to the parser forever (a busy loop
 * that stalls every client). The mis-parse is recognised by its signature, a
 * first body chunk that is a prefix of "<METHOD> <path>": no Engine.IO
 * payload starts with a letter, and a plain HTTP body equal to its own
 * request line is not a real request. The connection is then closed without
 * answering that request; the requests before it were already answered, as
 * HTTP/1.1 allows (RFC 9112, 9.3.2: a client must be ready to retry
 * unanswered pipelined requests after a close). */
static const char *method_token(struct lws *wsi)
{
	static const struct {
		int tok;
		const char *name;
	} m[] = {
		{ WSI_TOKEN_POST_URI, "POST " },   { WSI_TOKEN_PUT_URI, "PUT " },
		{ WSI_TOKEN_PATCH_URI, "PATCH " }, { WSI_TOKEN_DELETE_URI, "DELETE " },
		{ WSI_TOKEN_GET_URI, "GET " },     { WSI_TOKEN_OPTIONS_URI, "OPTIONS " },
	};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (lws_hdr_total_length(wsi, (enum lws_token_indexes)m[i].tok))
			return m[i].name;
	return NULL;
}

static bool body_is_own_request_line(struct lws *wsi, const char *in, size_t len)
{
	const char *method = method_token(wsi);
	if (!method || len == 0)
		return false;
	size_t ml = strlen(method);
	if (memcmp(in, method, len < ml ? len : ml) != 0)
		return false;
	return len <= ml || in[ml] == '/' || in[ml] == '*' || in[ml] == 'h';
}

/* Close this connection now without answering its current request; the
 * session it was for stays as it was (the POST was never accepted). */
static int drop_misparsed_request(eio_http_pss *pss)
{
	base_log(NS, "pipelined request with a body: closing the connection");
	if (pss->s && pss->s->post == pss->wsi)
		pss->s->post = NULL;
	pss->s = NULL;
	pss->is_post = false;
	return -1;
}

/* Drop every link to this pss: lws is about to free or re-bind it. */
static void http_pss_release(eio_listener *l, eio_http_pss *pss)
{
	keepalive_stop(l, pss);
	eio_polling_release(pss);
	eio_apphttp_release(pss);
	eio_http_body_free(pss);
	free(pss->rx);
	pss->rx = NULL;
	pss->rx_len = pss->rx_cap = 0;
}

/* ---- the callback ----------------------------------------------------------- */

/* Whether wsi is bound to eio_protocols[i]. lws binds connections to its
 * vhost's own copy of the protocols array, so lws_get_protocol() never
 * returns &eio_protocols[i]: the protocols are told apart by name. */
static bool bound_to(struct lws *wsi, int i)
{
	const struct lws_protocols *p = lws_get_protocol(wsi);
	return p && p->name && strcmp(p->name, eio_protocols[i].name) == 0;
}

int eio_lws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                     size_t len)
{
	struct lws_context *ctx = lws_get_context(wsi);
	eio_listener *l = ctx ? lws_context_user(ctx) : NULL;
	eio_http_pss *pss = user;

	switch ((int)reason) {
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		/* `user` is not ours here: the WebSocket pss does not exist yet. */
		return eio_ws_confirm_upgrade(l, wsi);

	case LWS_CALLBACK_ESTABLISHED:
	case LWS_CALLBACK_RECEIVE:
	case LWS_CALLBACK_SERVER_WRITEABLE:
	case LWS_CALLBACK_CLOSED:
		return eio_ws_callback(wsi, reason, (eio_ws_pss *)user, in, len);

	case LWS_CALLBACK_HTTP:
		keepalive_stop(l, pss);
		memset(pss, 0, sizeof(*pss));
		pss->wsi = wsi;
		on_http_request(l, pss, (const char *)in);
		return 0;

	case LWS_CALLBACK_HTTP_BODY:
		if (!pss->body_started) {
			pss->body_started = true;
			if (body_is_own_request_line(wsi, in, len))
				return drop_misparsed_request(pss);
		}
		/* On an error the answer is queued and the rest is ignored. */
		if (pss->is_post)
			eio_polling_post_body(pss, in, len);
		else if (pss->app)
			eio_apphttp_body(pss, in, len);
		return 0;

	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		/* lws 4.1 repeats the completion, once per loop turn, while
		 * input pipelined behind the body waits and the answer is not
		 * written yet (it would re-parse that input wrongly after the
		 * answer): write the answer now if it is ready, and close. A
		 * completion without a request (the pss was re-bound) has no
		 * answer to wait for. */
		if (!pss->wsi)
			return -1;
		if (pss->body_done) {
			pss->close_after = true;
			if (pss->status && !lws_partial_buffered(wsi))
				return eio_http_write_response(pss);
			return 0;
		}
		pss->body_done = true;
		if (pss->is_post) {
			/* The answer goes now, not on WRITEABLE: asking for
			 * POLLOUT costs two poll-set changes and a loop turn. */
			eio_polling_post_done(pss);
			if (pss->status && !lws_partial_buffered(wsi))
				return eio_http_write_response(pss);
			if (pss->status)
				lws_callback_on_writable(wsi);
		} else if (pss->app) {
			eio_apphttp_body_done(l, pss);
		}
		return 0;

	case LWS_CALLBACK_HTTP_WRITEABLE:
		if (!pss)
			return 0;
		if (pss->is_get && pss->s && pss->status == 0)
			return eio_polling_write(pss);
		if (pss->status)
			return eio_http_write_response(pss);
		return 0;

	case EIO_CB_RELEASE:
		/* Listener teardown: lws frees connections waiting to write
		 * without CLOSED callbacks, so free what their pss own now. */
		if (!pss)
			return 0;
		if (bound_to(wsi, 0))
			http_pss_release(l, pss);
		else if (bound_to(wsi, 1))
			eio_ws_release((eio_ws_pss *)user);
		return 0;

	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
	case LWS_CALLBACK_CLOSED_HTTP:
		if (pss && bound_to(wsi, 0))
			http_pss_release(l, pss);
		return 0;

	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}
