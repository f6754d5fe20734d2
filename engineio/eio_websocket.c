/* eio_websocket.c - the WebSocket transport and the polling -> WebSocket upgrade.
 *
 * Frames: one Engine.IO packet per WebSocket message; text frames carry
 * "<type><data>", binary frames the raw message bytes (v4: no type byte).
 * Messages arrive whole from the net layer (net_ws.c), which reassembles
 * them up to maxPayload and closes the connection with 1009 above it
 * (docs/engineio.md, pitfall 11).
 *
 * Writes are coalesced: at the end of the loop turn (the connection is marked)
 * every queued packet is framed into the listener's write buffer and handed
 * to the net layer as one raw write, one send() per connection per loop turn
 * however many messages were queued. A frame larger than the buffer is
 * written alone from its own buffer.
 *
 * Upgrade (spec "Upgrade"): a WebSocket that arrives with a sid is a probe
 * (s->probe; eio_verify.c says which sessions take one). "2probe" is
 * answered "3probe" and the session releases a parked GET ("6"); "5" makes
 * the WebSocket the session's transport (s->ws) and flushes the queue to it.
 * Anything else on the probe, or no "5" within upgradeTimeout, closes only
 * the probe. As in node, a session that began on WebSocket takes a probe
 * too: on "5" its first WebSocket is closed.
 *
 * Engine.IO v3 sessions (allow_eio3) differ only in binary frames, which
 * carry the packet type byte (4) before the data, both ways (node's parser
 * v3 encodePacket/decodePacket).
 */
#include "base/log.h"
#include "eio_internal.h"
#include "eio_packet.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define NS "engineio:websocket"

static net_listener *net_of(const eio_session *s)
{
	return s->srv->l->net;
}

/* ---- the interface (eio_transport.h) ----------------------------------------- */

/* Written at the end of this loop turn, with everything else queued for it
 * meanwhile (ws_task). */
static bool ws_wake(eio_session *s)
{
	if (!s->ws)
		return false;
	net_ws_mark(s->ws);
	return true;
}

/* Nothing of a WebSocket waits for the client to move. */
static void ws_pause(eio_session *s)
{
	(void)s;
}

static bool ws_writable(const eio_session *s)
{
	return s->ws && !net_ws_backlogged(s->ws);
}

/* The session is no longer upgrading: its upgrade timeout and probe state go. */
static void upgrade_forget(eio_session *s)
{
	base_timers_cancel(&s->srv->timers, EIO_TL_UPGRADE, &s->upg_link);
	s->upgrade = EIO_UPG_NONE;
	s->probe_reply = false;
}

/* Close one of the session's WebSockets and forget it. */
static void let_go(net_ws **slot)
{
	net_ws *ws = *slot;
	if (!ws)
		return;
	*slot = NULL;
	ws->conn = NULL;
	net_ws_unmark(ws);
	net_ws_close_soon(ws);
}

/* The upgrade failed: only the probe goes, the session stays on its
 * transport. */
static void probe_drop(eio_session *s)
{
	upgrade_forget(s);
	let_go(&s->probe);
}

/* The session ended: both its WebSockets go. Else the upgrade to this
 * transport failed (upgradeTimeout): only the probe goes. A session ended
 * with a status code (a protocol error of the client: eio_session_fail, or
 * the layer above's eio_session_close_code) gets it in its close frame;
 * otherwise the frame has none, as node's ws.close(). */
static void ws_detach(eio_session *s, bool client_closed)
{
	probe_drop(s);
	if (s->state != EIO_S_CLOSED)
		return;
	net_ws *ws = s->ws;
	let_go(&s->ws);
	if (ws && s->close_code && !client_closed)
		net_ws_close_code(ws, s->close_code, s->close_text);
}

const eio_transport eio_ws_transport = {
	.wake = ws_wake,
	.pause = ws_pause,
	.detach = ws_detach,
	.writable = ws_writable,
};

/* ---- attaching ---------------------------------------------------------------- */

/* A new session's transport (a WebSocket handshake). */
void eio_ws_attach(net_ws *ws, eio_session *s)
{
	ws->conn = s;
	s->ws = ws;
}

/* A WebSocket with the sid of a session that can upgrade (eio_verify.c):
 * the upgrade probe. */
void eio_ws_attach_probe(net_ws *ws, eio_session *s)
{
	ws->conn = s;
	s->probe = ws;
	eio_session_upgrade_begin(s);
	base_log(NS, "%s: probe connected", s->sid);
}

/* A WebSocket with the sid of a session that cannot take it (it has
 * upgraded, or is upgrading, or is gone): closed at once with a close frame
 * that has no status code, as node's onWebSocket() does with
 * websocket.close(). It has no owner: whatever it sends closes it. */
void eio_ws_turn_away(net_ws *ws, const char *sid)
{
	base_log(NS, "%s: session cannot take another WebSocket, closing it", sid);
	ws->conn = NULL;
	net_ws_close_soon(ws);
}

/* ---- receiving -------------------------------------------------------------- */

/* "5": the probe becomes the transport, and a WebSocket the session was on
 * goes (node's Socket.clearTransport()). */
static void probe_promote(eio_session *s)
{
	let_go(&s->ws);
	s->ws = s->probe;
	s->probe = NULL;
	eio_session_upgraded(s);
}

static void probe_packet(eio_session *s, net_ws *ws, const eio_packet *pkt)
{
	if (pkt->type == EIO_PKT_PING && pkt->len == 5 && memcmp(pkt->data, "probe", 5) == 0 &&
	    s->upgrade == EIO_UPG_PROBING) {
		s->probe_reply = true;
		net_ws_want_write(ws);
		eio_session_probed(s);
	} else if (pkt->type == EIO_PKT_UPGRADE && s->upgrade == EIO_UPG_PROBED) {
		probe_promote(s);
	} else {
		base_log(NS, "%s: unexpected packet on probe, closing it", s->sid);
		probe_drop(s);
	}
}

static void ws_message(net_ws *ws, const char *data, size_t len, bool binary)
{
	eio_session *s = ws->conn;
	bool probe = ws == s->probe;
	eio_packet pkt = { EIO_PKT_MESSAGE, true, data, len };
	bool bad = !binary && eio_packet_decode(data, len, &pkt) < 0;
	if (binary && s->protocol == 3) {
		/* v3: the type byte, then the data; only messages are binary. */
		bad = len == 0 || data[0] != 4;
		pkt.data = data + 1;
		pkt.len = bad ? 0 : len - 1;
	}
	if (bad) {
		if (probe) {
			probe_drop(s);
			return;
		}
		eio_session_fail(s, "parse error", "parse error");
		return;
	}
	if (probe) {
		if (binary)
			probe_drop(s);
		else
			probe_packet(s, ws, &pkt);
		return;
	}
	eio_session_on_packet(s, pkt.type, pkt.data, pkt.len, pkt.binary);
}

/* A message over maxPayload: the net layer closes with 1009. */
/* The client broke the WebSocket protocol or sent a message over
 * maxPayload: "transport error", as node's engine.io says when ws reports
 * an error. */
static void ws_failed(net_ws *ws, uint16_t code, const char *reason)
{
	eio_session *s = ws->conn;
	base_log(NS, "%s: closed with %u: %s", s->sid, code, reason);
	ws->conn = NULL;
	if (ws == s->probe) {
		s->probe = NULL;
		upgrade_forget(s);
	} else if (ws == s->ws) {
		s->ws = NULL;
		eio_session_destroy(s, "transport error");
	}
}

/* ---- writing ---------------------------------------------------------------- */

/* Frame the queue into the write buffer, whole frames only, and write it. */
static int ws_flush(eio_session *s, net_ws *ws)
{
	size_t cap;
	unsigned char *base = net_listener_wbuf(net_of(s), &cap), *p = base;
	while (s->q.len > 0) {
		eio_msg *m = eio_queue_at(&s->q, 0);
		bool v3bin = m->binary && s->protocol == 3; /* type byte first */
		size_t flen = m->len + (v3bin ? 1 : 0);
		if ((size_t)(p - base) + 10 + flen > cap) {
			if (p != base)
				break;
			int r;
			if (v3bin) {
				char *f = malloc(flen);
				if (!f)
					return -1;
				f[0] = 4;
				memcpy(f + 1, m->bytes, m->len);
				r = net_ws_write_frame(ws, true, f, flen);
				free(f);
			} else {
				r = net_ws_write_frame(ws, m->binary, m->bytes, m->len);
			}
			eio_msg_unref(eio_queue_pop(&s->q));
			if (r < 0)
				return -1;
			break;
		}
		p += net_ws_frame_header(p, m->binary, flen);
		if (v3bin)
			*p++ = 4;
		memcpy(p, m->bytes, m->len);
		p += m->len;
		eio_msg_unref(eio_queue_pop(&s->q));
	}
	if (p != base && net_ws_write_raw(ws, base, (size_t)(p - base)) < 0)
		return -1;
	return 0;
}

/* Write the queue now, or ask for WRITEABLE when lws still holds part of
 * an earlier write. -1 when the connection failed. */
static int ws_write_now(eio_session *s, net_ws *ws)
{
	s->write_requested = false;
	if (net_ws_backlogged(ws)) {
		s->write_requested = true;
		net_ws_want_write(ws);
		return 0;
	}
	if (ws_flush(s, ws) < 0)
		return -1;
	if (s->q.len > 0) {
		s->write_requested = true;
		net_ws_want_write(ws);
	} else if (s->state == EIO_S_CLOSING) {
		eio_session_destroy(s, s->close_reason); /* closes the connection */
	}
	return 0;
}

/* The connection's end-of-turn task: written directly when nothing of it is
 * still buffered in lws (no poll-set change, no wakeup), else through
 * WRITEABLE. lws buffers what the kernel does not take of a write and asks
 * for POLLOUT itself; one write per turn at most, so that is bounded by the
 * write buffer. */
static void ws_task(net_ws *ws)
{
	eio_session *s = ws->conn;
	if (!s || s->state == EIO_S_CLOSED || s->ws != ws ||
	    s->transport != EIO_TRANSPORT_WEBSOCKET)
		return;
	if (ws_write_now(s, ws) < 0)
		eio_session_destroy(s, "transport error");
}

static int ws_writeable(net_ws *ws)
{
	eio_session *s = ws->conn;
	if (!s)
		return -1;
	/* On the probe, or on the transport it became if "5" came before. */
	if (s->probe_reply && ws == (s->probe ? s->probe : s->ws)) {
		s->probe_reply = false;
		return net_ws_write_text(ws, "3probe", 6);
	}
	if (s->transport != EIO_TRANSPORT_WEBSOCKET || s->ws != ws)
		return 0;
	if (net_ws_marked(ws))
		return 0; /* the end-of-turn flush will write */
	return ws_write_now(s, ws);
}

static void ws_closed(net_ws *ws)
{
	eio_session *s = ws->conn;
	if (!s)
		return;
	ws->conn = NULL;
	if (ws == s->probe) {
		s->probe = NULL;
		upgrade_forget(s); /* only the probe went: the session stays as it was */
	} else if (ws == s->ws) {
		s->ws = NULL;
		eio_session_destroy(s, "transport close");
	}
}

/* The server's mount gives these to its WebSockets (eio_server.c). */
const net_ws_ops eio_ws_ops = {
	.message = ws_message,
	.failed = ws_failed,
	.writeable = ws_writeable,
	.closed = ws_closed,
	.flush = ws_task,
};
