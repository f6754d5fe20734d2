/* net_ws.c - a WebSocket connection: whole messages in, frames out, close.
 *
 * lws has no maximum message size (docs/engineio.md, pitfall 11), so
 * messages are reassembled here up to the owner's max_message; a larger one
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
 * asks for POLLOUT itself (pitfall 13).
 */
#include "net_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- opening and closing ------------------------------------------------------ */

int net_ws_open(net_listener *l, struct lws *wsi, net_ws *ws, const net_mount *m, const char *path)
{
	memset(ws, 0, sizeof(*ws));
	ws->wsi = wsi;
	ws->l = l;
	if (!m || !m->ws_open)
		return -1;
	return m->ws_open(ws, path, m->user);
}

void net_ws_release(net_ws *ws)
{
	free(ws->rx);
	ws->rx = NULL;
	ws->rx_len = ws->rx_cap = 0;
	if (ws->l)
		net_sched_cancel(ws->l, &ws->task);
}

void net_ws_closed(net_ws *ws)
{
	net_ws_release(ws);
	if (ws->ops)
		ws->ops->closed(ws);
}

void net_ws_close_soon(net_ws *ws)
{
	ws->close_now = true;
	lws_callback_on_writable(ws->wsi);
	/* A client that stopped reading never gives us WRITEABLE: bound it. */
	lws_set_timeout(ws->wsi, PENDING_TIMEOUT_CLOSE_SEND, 3);
}

/* ---- receiving ---------------------------------------------------------------- */

static int too_large(net_ws *ws)
{
	lws_close_reason(ws->wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, NULL, 0);
	ws->ops->too_large(ws);
	return -1;
}

int net_ws_receive(net_ws *ws, const char *in, size_t len)
{
	struct lws *wsi = ws->wsi;
	if (!ws->ops || !ws->conn)
		return -1;
	net_sched_note_rx(ws->l, ws, len);
	bool first = lws_is_first_fragment(wsi), final = lws_is_final_fragment(wsi);
	if (first)
		ws->rx_binary = lws_frame_is_binary(wsi);
	/* Common case: the whole message in one chunk, no copy. */
	if (first && final && ws->rx_len == 0) {
		if (len > ws->max_message)
			return too_large(ws);
		ws->ops->message(ws, in, len, ws->rx_binary);
		return 0;
	}
	if (ws->rx_len + len > ws->max_message)
		return too_large(ws);
	if (ws->rx_len + len > ws->rx_cap) {
		size_t nc = (ws->rx_len + len) * 2;
		if (nc > ws->max_message)
			nc = ws->max_message;
		char *nb = realloc(ws->rx, nc);
		if (!nb)
			return -1;
		ws->rx = nb;
		ws->rx_cap = nc;
	}
	memcpy(ws->rx + ws->rx_len, in, len);
	ws->rx_len += len;
	if (final) {
		/* The buffer goes with the message: a connection keeps no memory
		 * for the one large message it once sent. */
		char *m = ws->rx;
		size_t n = ws->rx_len;
		ws->rx = NULL;
		ws->rx_len = ws->rx_cap = 0;
		ws->ops->message(ws, m, n, ws->rx_binary);
		free(m);
	}
	return 0;
}

/* ---- writing ------------------------------------------------------------------ */

static int close_normal(net_ws *ws)
{
	lws_close_reason(ws->wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
	return -1;
}

int net_ws_writeable(net_ws *ws)
{
	if (ws->close_now)
		return close_normal(ws);
	if (!ws->ops)
		return -1;
	if (ws->ops->writeable(ws) < 0)
		return -1;
	return ws->close_now ? close_normal(ws) : 0;
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
