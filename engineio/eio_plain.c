/* eio_plain.c - plain WebSocket endpoints: a path of the listener that
 * speaks bare RFC 6455 to clients such as a browser's `new WebSocket(url)`
 * or node's `ws`, with no Engine.IO framing (engineio.h, "Plain WebSocket
 * endpoints").
 *
 * Each connection is an ordinary eio_session of a server marked plain, so
 * what a session has it has too: the send queue of shared eio_msg
 * references with its bound (max_queued_bytes: past it the client is a slow
 * consumer and is cut, as an Engine.IO WebSocket is), the end-of-turn
 * coalesced writes, the heartbeat timers, the statistics, the request. Only
 * this file differs, as the server's mount and as the one transport of its
 * sessions (eio_transport.h):
 *   - the upgrade: the path must be the server's exactly; the Origin check
 *     (check_origin, as eio_verify.c's); admission control (eio_admit.c:
 *     the 503 an Engine.IO WebSocket without sid gets, against the
 *     listener's counts, which the Engine.IO server's sessions share);
 *     allow_request, whose refusal is an HTTP status (401 for a missing
 *     token) and a text body; a plain GET on the path gets 426 Upgrade
 *     Required (RFC 9110 section 15.5.22);
 *   - no open packet, and a message is a WebSocket message: a queued text
 *     eio_msg is written without its Engine.IO type digit (eio_msg.c keeps
 *     text as "4" + data), a binary one as it is; what the client sends goes
 *     up as a message, text or binary, undecoded;
 *   - the heartbeat is WebSocket's own (RFC 6455 section 5.5.2-3): every
 *     ping_interval_ms a ping frame is written ahead of the queue, and a
 *     pong must come within ping_timeout_ms (the idle timeout), else the
 *     session ends with "ping timeout";
 *   - the end is a close frame with a status code (section 7.4.1): the
 *     application's (eio_session_close_code), or the reason's: 1000 forced
 *     close, 1001 server shutting down or idle timeout, 1008 send queue
 *     full, 1011 an error.
 * Subprotocols are chosen by the net layer (net_subproto.c): the session
 * reads the one its WebSocket was answered with.
 */
#include "base/log.h"
#include "eio_admit.h"
#include "eio_internal.h"

#include <stdio.h>
#include <string.h>

#define NS "engineio:plain"

/* ---- the mount ------------------------------------------------------------------ */

/* The server's path exactly, or with one '/' after it. */
static bool path_is(const eio_server *srv, const char *path)
{
	size_t n = strlen(srv->o.path);
	return strncmp(path, srv->o.path, n) == 0 &&
	       (path[n] == '\0' || strcmp(path + n, "/") == 0);
}

void eio_plain_http(net_http *h, const char *path, void *user)
{
	if (!path_is(user, path)) {
		net_http_respond(h, 404, "text/plain", "Not Found", 9);
		return;
	}
	net_http_respond(h, 426, "text/plain", "Upgrade Required", 16);
}

static int refuse(struct lws *wsi, int status, const char *message)
{
	char body[256];
	int n = snprintf(body, sizeof(body), "%s", message);
	base_log(NS, "upgrade refused: %d %s", status, body);
	return net_ws_refuse(wsi, status, "text/plain", body,
	                     n < 0                      ? 0
	                     : (size_t)n < sizeof(body) ? (size_t)n
	                                                : sizeof(body) - 1);
}

static eio_request *capture(eio_server *srv, struct lws *wsi, const char *path)
{
	return eio_request_of(
	        net_request_capture(wsi, path, srv->o.capture_headers, srv->o.trust_proxy));
}

/* A refusal by the endpoint's own rules, told to the application
 * (engineio.h, eio_refusal); allow_request's are the application's. */
static void report(eio_server *srv, struct lws *wsi, const char *path, const char *kind, int status,
                   const char *message)
{
	eio_refusal_report(srv, wsi, path,
	                   (eio_refusal){ .kind = kind,
	                                  .message = message,
	                                  .code = -1,
	                                  .status = status,
	                                  .websocket = true });
}

int eio_plain_upgrade(struct lws *wsi, const char *path, void *user)
{
	eio_server *srv = user;
	if (!path_is(srv, path)) {
		report(srv, wsi, path, "not_found", 404, "Not Found");
		return refuse(wsi, 404, "Not Found");
	}
	/* Browsers apply no CORS to WebSocket: without this check any page
	 * could open one with the user's cookies (eio_verify.c). */
	if (srv->o.check_origin && !net_origin_check(wsi, srv->o.cors_origin)) {
		report(srv, wsi, path, "origin", 403, "Forbidden");
		return refuse(wsi, 403, "Forbidden");
	}
	/* Before allow_request: a refused client costs no token check and no
	 * connection attempt of the application's rate limit. */
	int why = eio_admit_check(srv, wsi);
	if (why)
		return eio_admit_refuse_upgrade(srv, wsi, path, why);
	if (srv->o.allow_request) {
		eio_request *req = capture(srv, wsi, path);
		const char *msg = NULL;
		int r = req ? srv->o.allow_request(req, &msg, srv->user) : 500;
		net_request_free(eio_request_net(req));
		if (r != 0)
			return refuse(wsi, r >= 400 && r <= 599 ? r : 403,
			              msg        ? msg
			              : r == 401 ? "Unauthorized"
			                         : "Forbidden");
	}
	return 0;
}

/* The WebSocket is open: a new session, whose request is copied now (lws
 * drops its header table once the WebSocket is established). */
int eio_plain_ws_open(net_ws *ws, const char *path, void *user)
{
	eio_server *srv = user;
	eio_request *req = capture(srv, ws->wsi, path);
	eio_session *s = req ? eio_session_create(srv, req, EIO_TRANSPORT_WEBSOCKET) : NULL;
	if (!s) {
		net_request_free(eio_request_net(req));
		return -1;
	}
	ws->conn = s;
	s->ws = ws;
	/* Counted under its address from now; in flight only until the
	 * application has taken it (eio_admit.c: the 101 completed it). */
	eio_admit_take(s, ws->wsi);
	srv->stats.handshakes++;
	if (srv->cb.on_connection)
		srv->cb.on_connection(srv, s, srv->user);
	eio_admit_settle(s);
	return 0;
}

/* ---- the transport (eio_transport.h) --------------------------------------------- */

static bool plain_wake(eio_session *s)
{
	if (!s->ws)
		return false;
	net_ws_mark(s->ws);
	return true;
}

static void plain_pause(eio_session *s)
{
	(void)s;
}

static bool plain_writable(const eio_session *s)
{
	return s->ws && !net_ws_backlogged(s->ws);
}

/* The status code and reason of the close frame of a session that ends for
 * reason (RFC 6455 section 7.4.1). */
static uint16_t close_code(const eio_session *s, const char **text)
{
	static const struct {
		const char *reason;
		uint16_t code;
		const char *text;
	} codes[] = {
		{ "server shutting down", 1001, "server shutting down" },
		{ "ping timeout", 1001, "idle timeout" },
		{ "send queue full", 1008, "send queue full" },
		{ "forced close", 1000, "" },
	};
	if (s->close_code) {
		*text = s->close_text ? s->close_text : "";
		return s->close_code;
	}
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (s->close_reason && strcmp(s->close_reason, codes[i].reason) == 0) {
			*text = codes[i].text;
			return codes[i].code;
		}
	*text = "";
	return 1011;
}

/* The session ended (both of the server's transport slots are this one:
 * the second call finds nothing). */
static void plain_detach(eio_session *s, bool client_closed)
{
	net_ws *ws = s->ws;
	if (!ws)
		return;
	s->ws = NULL;
	ws->conn = NULL;
	net_ws_unmark(ws);
	if (client_closed) {
		net_ws_close_soon(ws);
		return;
	}
	const char *text;
	uint16_t code = close_code(s, &text);
	net_ws_close_code(ws, code, text);
}

const eio_transport eio_plain_transport = {
	.wake = plain_wake,
	.pause = plain_pause,
	.detach = plain_detach,
	.writable = plain_writable,
};

/* ---- receiving ------------------------------------------------------------------- */

static void plain_message(net_ws *ws, const char *data, size_t len, bool binary)
{
	eio_session_on_packet(ws->conn, EIO_PKT_MESSAGE, data, len, binary);
}

static void plain_pong(net_ws *ws)
{
	eio_session_on_packet(ws->conn, EIO_PKT_PONG, "", 0, false);
}

static void plain_failed(net_ws *ws, uint16_t code, const char *reason)
{
	eio_session *s = ws->conn;
	base_log(NS, "%s: closed with %u: %s", s->sid, code, reason);
	ws->conn = NULL;
	s->ws = NULL;
	eio_session_destroy(s, "transport error");
}

static void plain_closed(net_ws *ws)
{
	eio_session *s = ws->conn;
	if (!s)
		return;
	ws->conn = NULL;
	s->ws = NULL;
	eio_session_destroy(s, "transport close");
}

/* ---- writing --------------------------------------------------------------------- */

/* The ping frame (FIN + opcode 0x9), then the queue, whole
 * frames only, in one write; a frame larger than the write buffer alone. */
static int plain_flush(eio_session *s, net_ws *ws)
{
	size_t cap;
	unsigned char *base = net_listener_wbuf(s->srv->l->net, &cap), *p = base;
	if (s->ping_due) {
		/* With a payload: lws 4.1 does not report an empty pong
		 * (lib/roles/ws/ops-ws.c), and the client's pong echoes the
		 * ping's data (RFC 6455 section 5.5.3). */
		s->ping_due = false;
		memcpy(p, "\x89\x02hb", 4);
		p += 4;
	}
	while (s->q.len > 0) {
		eio_msg *m = eio_queue_at(&s->q, 0);
		const char *data = m->binary ? m->bytes : m->bytes + 1; /* no type digit */
		size_t len = m->binary ? m->len : m->len - 1;
		if ((size_t)(p - base) + 10 + len > cap) {
			if (p != base)
				break;
			int r = net_ws_write_frame(ws, m->binary, data, len);
			eio_msg_unref(eio_queue_pop(&s->q));
			if (r < 0)
				return -1;
			break;
		}
		p += net_ws_frame_header(p, m->binary, len);
		memcpy(p, data, len);
		p += len;
		eio_msg_unref(eio_queue_pop(&s->q));
	}
	if (p != base && net_ws_write_raw(ws, base, (size_t)(p - base)) < 0)
		return -1;
	return 0;
}

/* As eio_websocket.c's: now, or on WRITEABLE behind a backlog; a closing
 * session ends once its queue is written. */
static int plain_write_now(eio_session *s, net_ws *ws)
{
	s->write_requested = false;
	if (net_ws_backlogged(ws)) {
		s->write_requested = true;
		net_ws_want_write(ws);
		return 0;
	}
	if (plain_flush(s, ws) < 0)
		return -1;
	if (s->q.len > 0 || s->ping_due) {
		s->write_requested = true;
		net_ws_want_write(ws);
	} else if (s->state == EIO_S_CLOSING) {
		eio_session_destroy(s, s->close_reason);
	}
	return 0;
}

static void plain_task(net_ws *ws)
{
	eio_session *s = ws->conn;
	if (!s || s->state == EIO_S_CLOSED || s->ws != ws)
		return;
	if (plain_write_now(s, ws) < 0)
		eio_session_destroy(s, "transport error");
}

static int plain_writeable(net_ws *ws)
{
	eio_session *s = ws->conn;
	if (!s)
		return -1;
	if (s->ws != ws || net_ws_marked(ws))
		return 0;
	return plain_write_now(s, ws);
}

const net_ws_ops eio_plain_ws_ops = {
	.message = plain_message,
	.failed = plain_failed,
	.writeable = plain_writeable,
	.closed = plain_closed,
	.flush = plain_task,
	.pong = plain_pong,
};

/* ---- the public calls -------------------------------------------------------------- */

bool eio_server_is_plain(const eio_server *srv)
{
	return srv->plain;
}

const char *eio_session_subprotocol(const eio_session *s)
{
	return s->srv->plain && s->ws ? net_ws_subprotocol(s->ws) : NULL;
}

void eio_session_close_code(eio_session *s, int code, const char *reason)
{
	/* An Engine.IO session on a WebSocket gets it too (eio_websocket.c);
	 * on polling there is no close frame to carry it. */
	if (code >= 1000 && code <= 4999) {
		s->close_code = (uint16_t)code;
		s->close_text = reason;
	}
	eio_session_close(s);
}
