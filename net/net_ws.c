/* net_ws.c - a WebSocket connection: whole messages in, frames out, close.
 *
 * lws has no maximum message size (docs/engineio.md, pitfall 11), so
 * messages are reassembled here up to the mount's ws_max_message; a larger one
 * closes the connection with 1009. A message that arrives in one piece is
 * handed over without a copy.
 *
 * Writes are the owner's: it builds whole frames (net_ws_frame_header) in
 * the listener's write buffer and hands them over in one raw write, one
 * send() per connection per loop turn however many messages were queued
 * (server frames are unmasked: opcode byte, 7/16/64-bit length, payload;
 * RFC 6455 section 5.2). Each write holds only whole frames, so a control
 * frame lws sends between two writes (a pong) never splits a frame. One
 * lws_write per WRITEABLE: lws copies what the kernel does not take and
 * asks for POLLOUT itself (docs/engineio.md, pitfall 13).
 */
#include "base/log.h"
#include "net_internal.h"

#include <stdlib.h>
#include <string.h>

/* A message being reassembled: its length and room live with its bytes, so
 * that a connection between messages holds one pointer for them (lws
 * allocates a net_ws for every connection). */
struct net_ws_rx {
	size_t len, cap;
	char data[];
};

/* ---- opening and closing ------------------------------------------------------ */

int net_ws_open(net_listener *l, struct lws *wsi, net_ws *ws, const net_mount *m, const char *path)
{
	memset(ws, 0, sizeof(*ws));
	ws->wsi = wsi;
	if (!m || !m->ws_open || !m->ws_ops)
		return -1;
	ws->mount = m;
	net_wsf_init(&ws->rd, m->ws_max_message);
	if (m->ws_open(ws, path, m->user) < 0)
		return -1;
	/* From now on net reads its input, not lws (net_wsread.c). */
	if (net_wsread_start(l, ws) < 0) {
		ws->mount->ws_ops->closed(ws);
		ws->mount = NULL;
		return -1;
	}
	return 0;
}

void net_ws_release(net_ws *ws)
{
	free(ws->rx);
	ws->rx = NULL;
	net_ws_unmark(ws);
}

void net_ws_closed(net_ws *ws)
{
	net_wsread_stop(lws_context_user(lws_get_context(ws->wsi)), ws);
	free(ws->pong);
	ws->pong = NULL;
	net_ws_release(ws);
	if (ws->mount)
		ws->mount->ws_ops->closed(ws);
}

void net_ws_close_soon(net_ws *ws)
{
	ws->close_now = true;
	lws_callback_on_writable(ws->wsi);
	/* A client that stopped reading never gives us WRITEABLE: bound it. */
	lws_set_timeout(ws->wsi, PENDING_TIMEOUT_CLOSE_SEND, 3);
}

void net_ws_close_code(net_ws *ws, uint16_t code, const char *reason)
{
	ws->close_code = code;
	ws->close_reason = reason;
	net_ws_close_soon(ws);
}

/* ---- receiving ---------------------------------------------------------------- */

static int close_coded(net_ws *ws);

/* Seconds a failed connection is read and discarded before it is dropped,
 * waiting for the client's close frame. */
#define NET_WS_LINGER_S 3

/* The client broke the protocol or sent a message over the limit: the owner
 * lets go of the connection at once and a close frame with the error's code
 * is written, but the connection is not closed yet. The client is often
 * still writing (the rest of the message, 100,000 fragments); closing a
 * socket with unread input makes the kernel send a reset, which can destroy
 * the close frame before the client reads it (RFC 9112 section 9.6
 * describes the same "lingering close" for HTTP). So the rest of the
 * refused frame is read and dropped, then frames are read for the client's
 * close frame (peer_close), for NET_WS_LINGER_S at most: time bounds it, and
 * nothing is stored. */
static void fail(net_ws *ws, uint16_t code, const char *reason)
{
	base_log("engineio:ws", "closing a WebSocket with %u: %s", code, reason);
	if (ws->conn) /* the owner, unless it let go already */
		ws->mount->ws_ops->failed(ws, code, reason);
	net_ws_release(ws);
	ws->draining = true;
	ws->close_code = code;
	ws->close_reason = code == LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE ? NULL : reason;
	ws->skip = ws->rd.left;
	net_wsf_init(&ws->rd, UINT64_MAX);
	lws_callback_on_writable(ws->wsi);
	lws_set_timeout(ws->wsi, PENDING_TIMEOUT_CLOSE_ACK, NET_WS_LINGER_S);
}

/* The client's close frame (RFC 6455 section 5.5.1): answered with a close
 * frame, then the connection closes. The answer echoes the client's status
 * code, as node's ws does; on a draining connection ours (the error's) is
 * the answer, written now if WRITEABLE has not come yet, and the exchange is
 * complete. */
static void peer_close(net_ws *ws, const unsigned char *p, size_t n)
{
	if (ws->draining) {
		if (!ws->close_sent)
			close_coded(ws);
		ws->close_sent = true;
		ws->drop_now = true;
		return;
	}
	if (ws->close_now)
		return;
	if (n >= 2)
		net_ws_close_code(ws, (uint16_t)(p[0] << 8 | p[1]), NULL);
	else
		net_ws_close_soon(ws);
}

/* A ping's pong (section 5.5.3), written now unless lws still holds part of
 * an earlier write; then only the latest ping's pong waits for WRITEABLE
 * (the section allows answering only the most recent), so a client that
 * pings and never reads holds 126 bytes here, not a pong per ping. */
static void pong(net_ws *ws, const char *p, size_t n)
{
	unsigned char f[LWS_PRE + 2 + 125];
	if (ws->close_now || ws->draining)
		return;
	if (!lws_partial_buffered(ws->wsi)) {
		f[LWS_PRE] = 0x8a;
		f[LWS_PRE + 1] = (unsigned char)n;
		memcpy(f + LWS_PRE + 2, p, n);
		lws_write(ws->wsi, f + LWS_PRE, 2 + n, LWS_WRITE_RAW);
		return;
	}
	if (!ws->pong && !(ws->pong = malloc(1 + 125)))
		return;
	ws->pong[0] = (unsigned char)n;
	memcpy(ws->pong + 1, p, n);
	lws_callback_on_writable(ws->wsi);
}

static void on_control(void *ud, int opcode, const char *p, size_t n)
{
	net_ws *ws = ud;
	if (opcode == 0x8)
		peer_close(ws, (const unsigned char *)p, n);
	else if (opcode == 0x9)
		pong(ws, p, n);
	else if (ws->mount && ws->conn && ws->mount->ws_ops->pong && !ws->draining)
		ws->mount->ws_ops->pong(ws);
}

/* A piece of a message: reassembled up to the whole message (the reader
 * has already refused one over the limit, at its frame header). A message
 * that arrives in one piece is handed over without a copy. */
static void on_data(void *ud, const char *in, size_t len, bool binary, bool first, bool final)
{
	net_ws *ws = ud;
	if (ws->draining || !ws->mount || !ws->conn)
		return;
	const net_ws_ops *ops = ws->mount->ws_ops;
	if (first)
		ws->rx_binary = binary;
	size_t have = ws->rx ? ws->rx->len : 0;
	if (first && final && have == 0) {
		ops->message(ws, in, len, ws->rx_binary);
		return;
	}
	if (!ws->rx || have + len > ws->rx->cap) {
		size_t max = ws->mount->ws_max_message;
		size_t nc = (have + len) * 2;
		if (nc > max)
			nc = max;
		if (nc < have + len)
			nc = have + len;
		struct net_ws_rx *nb = realloc(ws->rx, sizeof(*nb) + nc);
		if (!nb) {
			net_ws_close_code(ws, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION,
			                  "out of memory");
			return;
		}
		nb->len = have;
		nb->cap = nc;
		ws->rx = nb;
	}
	memcpy(ws->rx->data + have, in, len);
	ws->rx->len = have + len;
	if (final) {
		/* The buffer goes with the message: a connection keeps no memory
		 * for the one large message it once sent. */
		struct net_ws_rx *m = ws->rx;
		ws->rx = NULL;
		ops->message(ws, m->data, m->len, ws->rx_binary);
		free(m);
	}
}

static const net_wsf_events frame_events = { on_data, on_control };

/* Bytes read from the connection (net_wsread.c). After a close frame or
 * an error the reader takes nothing more: what follows is read and dropped
 * until the connection closes (a lingering close, as too_large's). -1: the
 * connection is to be dropped now (the close exchange is complete). */
int net_ws_input(net_ws *ws, char *in, size_t len)
{
	net_sched_note_rx(lws_context_user(lws_get_context(ws->wsi)), ws, len);
	while (len > 0) {
		if (ws->skip) {
			size_t k = ws->skip < len ? (size_t)ws->skip : len;
			ws->skip -= k;
			in += k;
			len -= k;
			continue;
		}
		net_wsf_error err;
		size_t used = net_wsf_feed(&ws->rd, in, len, &frame_events, ws, &err);
		if (err.code && !ws->draining && !ws->close_now)
			fail(ws, err.code, err.reason);
		if (ws->drop_now)
			return -1;
		if (used == 0)
			return 0;
		in += used;
		len -= used;
	}
	return 0;
}

/* ---- writing ------------------------------------------------------------------ */

/* A close frame with no payload (FIN + opcode 0x8, length 0; RFC 6455
 * section 5.5.1), as node's ws.close() without a code sends: the peer reads
 * 1005, no status (section 7.1.5). Then the connection closes with no
 * reason of lws's, so lws sends no second close frame. */
static int close_bare(net_ws *ws)
{
	unsigned char f[LWS_PRE + 2];
	f[LWS_PRE] = 0x88;
	f[LWS_PRE + 1] = 0;
	lws_write(ws->wsi, f + LWS_PRE, 2, LWS_WRITE_RAW);
	return -1;
}

/* A close frame with a status code and a reason (RFC 6455 section 5.5.1:
 * the code in network order, then at most 123 bytes of UTF-8), written
 * raw as close_bare's: lws 4.1 sends its own close frame only when a
 * connection is closed from a receive callback, not from WRITEABLE, where
 * returning -1 kills the connection silently (lib/core-net/close.c). */
static int close_coded(net_ws *ws)
{
	unsigned char f[LWS_PRE + 2 + 2 + 123];
	size_t n = ws->close_reason ? strlen(ws->close_reason) : 0;
	if (n > 123)
		n = 123;
	unsigned char *p = f + LWS_PRE;
	p[0] = 0x88;
	p[1] = (unsigned char)(2 + n);
	p[2] = (unsigned char)(ws->close_code >> 8);
	p[3] = (unsigned char)ws->close_code;
	memcpy(p + 4, ws->close_reason ? ws->close_reason : "", n);
	lws_write(ws->wsi, p, 4 + n, LWS_WRITE_RAW);
	return -1;
}

static int close_frame(net_ws *ws)
{
	return ws->close_code ? close_coded(ws) : close_bare(ws);
}

int net_ws_writeable(net_ws *ws)
{
	if (ws->draining) {
		if (!ws->close_sent)
			close_coded(ws);
		ws->close_sent = true;
		return 0;
	}
	if (ws->close_now)
		return close_frame(ws);
	if (!ws->mount)
		return -1;
	if (ws->pong) {
		unsigned char *p = ws->pong;
		ws->pong = NULL;
		pong(ws, (const char *)p + 1, p[0]);
		free(p);
		if (lws_partial_buffered(ws->wsi)) {
			lws_callback_on_writable(ws->wsi);
			return 0;
		}
	}
	if (ws->mount->ws_ops->writeable(ws) < 0)
		return -1;
	return ws->close_now ? close_frame(ws) : 0;
}

void net_ws_want_write(net_ws *ws)
{
	lws_callback_on_writable(ws->wsi);
}

bool net_ws_backlogged(const net_ws *ws)
{
	return lws_partial_buffered(ws->wsi);
}

int net_ws_write_raw(net_ws *ws, unsigned char *p, size_t len)
{
	return lws_write(ws->wsi, p, len, LWS_WRITE_RAW) < 0 ? -1 : 0;
}

int net_ws_write_frame(net_ws *ws, bool binary, const void *data, size_t len)
{
	unsigned char *b = malloc(LWS_PRE + 10 + len);
	if (!b)
		return -1;
	size_t h = net_ws_frame_header(b + LWS_PRE, binary, len);
	memcpy(b + LWS_PRE + h, data, len);
	int n = lws_write(ws->wsi, b + LWS_PRE, h + len, LWS_WRITE_RAW);
	free(b);
	return n < 0 ? -1 : 0;
}

int net_ws_write_text(net_ws *ws, const char *text, size_t len)
{
	unsigned char f[LWS_PRE + 64];
	if (len > 64)
		return -1;
	memcpy(f + LWS_PRE, text, len);
	return lws_write(ws->wsi, f + LWS_PRE, len, LWS_WRITE_TEXT) < 0 ? -1 : 0;
}
