/* eio_websocket.c - the WebSocket transport and the polling -> WebSocket upgrade.
 *
 * Frames: one Engine.IO packet per WebSocket message; text frames carry
 * "<type><data>", binary frames the raw message bytes (v4: no type byte).
 * lws has no maximum message size, so messages are reassembled here and one
 * over maxPayload closes the connection with 1009 (shared/notes, pitfall 10).
 *
 * Writes are coalesced: on WRITEABLE every queued packet is framed into the
 * listener's write buffer and handed to lws as one raw write, one send() per
 * connection per loop turn however many messages were queued. The frames are
 * built here (server frames are unmasked: opcode byte, 7/16/64-bit length,
 * payload; RFC 6455 section 5.2). Each write holds only whole frames, so a
 * control frame lws sends between two writes (a pong) never splits a frame.
 *
 * Upgrade (spec "Upgrade"): a WebSocket that arrives with a sid is a probe.
 * "2probe" is answered "3probe" and a parked GET is released with "6"; "5"
 * makes the WebSocket the session's transport and flushes the queue to it.
 * Anything else on the probe, or no "5" within upgradeTimeout, closes only
 * the probe.
 */
#include "base/log.h"
#include "eio_internal.h"
#include "eio_origin.h"
#include "eio_packet.h"
#include "eio_request.h"

#include <stdlib.h>
#include <string.h>

#define NS "engineio:websocket"

/* ---- upgrade request checks ------------------------------------------------- */

static int reject(struct lws *wsi, int code)
{
	static const char *const msgs[] = {
		"Transport unknown", "Session ID unknown", "Bad handshake method",
		"Bad request",       "Forbidden",          "Unsupported protocol version"
	};
	unsigned char buf[LWS_PRE + 512];
	unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof(buf) - 1;
	unsigned char body[LWS_PRE + 128];
	int len = snprintf((char *)body + LWS_PRE, 128, "{\"code\":%d,\"message\":\"%s\"}", code,
	                   msgs[code]);
	base_log(NS, "upgrade refused: %s", msgs[code]);
	if (lws_add_http_common_headers(wsi, code == EIO_ERR_FORBIDDEN ? 403 : 400,
	                                "application/json", LWS_ILLEGAL_HTTP_CONTENT_LEN, &p,
	                                end) ||
	    lws_add_http_header_content_length(wsi, (lws_filepos_t)len, &p, end) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	lws_write(wsi, body + LWS_PRE, (size_t)len, LWS_WRITE_HTTP_FINAL);
	return 1; /* "I wrote the response": lws completes and closes */
}

static eio_server *route_upgrade(eio_listener *l, struct lws *wsi)
{
	char path[512];
	if (lws_hdr_copy(wsi, path, sizeof(path), WSI_TOKEN_GET_URI) <= 0)
		return NULL;
	return eio_http_route(l, path);
}

/* The same checks as for HTTP requests (see eio_http.c), for an Upgrade. */
int eio_ws_confirm_upgrade(eio_listener *l, struct lws *wsi)
{
	eio_server *srv = route_upgrade(l, wsi);
	if (!srv)
		return reject(wsi, EIO_ERR_BAD_REQUEST);
	char transport[32] = "", sid[64] = "", eio[8] = "";
	eio_request_peek_query(wsi, "transport", transport, sizeof(transport));
	if (strcmp(transport, "websocket") != 0) {
		bool known = strcmp(transport, "polling") == 0;
		return reject(wsi, known ? EIO_ERR_BAD_REQUEST : EIO_ERR_UNKNOWN_TRANSPORT);
	}
	if (!(srv->o.transports & EIO_TRANSPORT_WEBSOCKET))
		return reject(wsi, EIO_ERR_UNKNOWN_TRANSPORT);
	/* Browsers apply no CORS to WebSocket: the Origin check is the only
	 * guard against a foreign page using the user's session, for a new
	 * session and for the upgrade of a polling one alike (eio_origin.c). */
	if (!eio_origin_check(srv, wsi))
		return reject(wsi, EIO_ERR_FORBIDDEN);
	if (eio_request_peek_query(wsi, "sid", sid, sizeof(sid))) {
		eio_session *s = base_map_get(&srv->sessions, sid);
		if (!s)
			return reject(wsi, EIO_ERR_UNKNOWN_SID);
		/* One upgrade per session: a second WebSocket is refused. */
		if (s->state != EIO_S_OPEN || s->transport != EIO_TRANSPORT_POLLING || s->ws ||
		    !srv->o.allow_upgrades)
			return reject(wsi, EIO_ERR_BAD_REQUEST);
		return 0;
	}
	if (!eio_request_peek_query(wsi, "EIO", eio, sizeof(eio)) || strcmp(eio, "4") != 0)
		return reject(wsi, EIO_ERR_UNSUPPORTED_PROTOCOL_VERSION);
	if (srv->o.allow_request) {
		char path[512] = "";
		lws_hdr_copy(wsi, path, sizeof(path), WSI_TOKEN_GET_URI);
		eio_request *req = eio_request_capture(wsi, path, &srv->o);
		const char *msg = NULL;
		int denied = !req || srv->o.allow_request(req, &msg, srv->user) != 0;
		eio_request_free(req);
		if (denied)
			return reject(wsi, EIO_ERR_FORBIDDEN);
	}
	return 0;
}

/* ---- sessions --------------------------------------------------------------- */

static int ws_established(eio_listener *l, struct lws *wsi, eio_ws_pss *pss)
{
	memset(pss, 0, sizeof(*pss));
	pss->wsi = wsi;
	eio_server *srv = route_upgrade(l, wsi);
	if (!srv)
		return -1;
	char sid[64];
	if (eio_request_peek_query(wsi, "sid", sid, sizeof(sid))) {
		eio_session *s = base_map_get(&srv->sessions, sid);
		if (!s || s->state != EIO_S_OPEN || s->transport != EIO_TRANSPORT_POLLING || s->ws)
			return -1;
		pss->s = s;
		eio_session_upgrade_begin(s, wsi);
		base_log(NS, "%s: probe connected", s->sid);
		return 0;
	}
	char path[512] = "";
	lws_hdr_copy(wsi, path, sizeof(path), WSI_TOKEN_GET_URI);
	eio_request *req = eio_request_capture(wsi, path, &srv->o);
	eio_session *s = req ? eio_session_create(srv, req, EIO_TRANSPORT_WEBSOCKET) : NULL;
	if (!s) {
		eio_request_free(req);
		return -1;
	}
	s->ws = wsi;
	pss->s = s;
	eio_session_kick(s); /* the open packet */
	srv->stats.handshakes++;
	if (srv->cb.on_connection)
		srv->cb.on_connection(srv, s, srv->user);
	return 0;
}

/* Close the session's WebSocket (transport or probe) and forget it. */
void eio_ws_detach(eio_session *s)
{
	base_timers_cancel(&s->srv->timers, EIO_TL_UPGRADE, &s->upg_link);
	s->upgrade = EIO_UPG_NONE;
	if (!s->ws)
		return;
	eio_ws_pss *pss = lws_wsi_user(s->ws);
	pss->s = NULL;
	pss->close_now = true;
	lws_callback_on_writable(s->ws);
	/* A client that stopped reading never gives us WRITEABLE: bound it. */
	lws_set_timeout(s->ws, PENDING_TIMEOUT_CLOSE_SEND, 3);
	s->ws = NULL;
}

/* ---- receiving -------------------------------------------------------------- */

static void probe_packet(eio_session *s, eio_ws_pss *pss, const eio_packet *pkt)
{
	if (pkt->type == EIO_PKT_PING && pkt->len == 5 && memcmp(pkt->data, "probe", 5) == 0 &&
	    s->upgrade == EIO_UPG_PROBING) {
		s->upgrade = EIO_UPG_PROBED;
		pss->probe_reply = true;
		lws_callback_on_writable(pss->wsi);
		if (s->get) {
			s->poll_noop = true;
			eio_polling_wake(s);
		}
	} else if (pkt->type == EIO_PKT_UPGRADE && s->upgrade == EIO_UPG_PROBED) {
		eio_session_upgraded(s);
	} else {
		base_log(NS, "%s: unexpected packet on probe, closing it", s->sid);
		eio_ws_detach(s);
	}
}

static void ws_message(eio_ws_pss *pss, const char *data, size_t len, bool binary)
{
	eio_session *s = pss->s;
	bool probe = s->transport != EIO_TRANSPORT_WEBSOCKET;
	eio_packet pkt = { EIO_PKT_MESSAGE, true, data, len };
	if (!binary && eio_packet_decode(data, len, &pkt) < 0) {
		if (probe)
			eio_ws_detach(s);
		else
			eio_session_destroy(s, "parse error");
		return;
	}
	if (probe) {
		if (binary)
			eio_ws_detach(s);
		else
			probe_packet(s, pss, &pkt);
		return;
	}
	eio_session_on_packet(s, pkt.type, pkt.data, pkt.len, pkt.binary);
}

static int ws_receive(eio_ws_pss *pss, const char *in, size_t len)
{
	eio_session *s = pss->s;
	struct lws *wsi = pss->wsi;
	if (!s)
		return -1;
	eio_listener_note_rx(s->srv->l, pss, len);
	bool first = lws_is_first_fragment(wsi), final = lws_is_final_fragment(wsi);
	if (first)
		pss->rx_binary = lws_frame_is_binary(wsi);
	/* Common case: the whole message in one chunk, no copy. */
	if (first && final && pss->rx_len == 0) {
		if (len > s->srv->o.max_payload)
			goto too_large;
		ws_message(pss, in, len, pss->rx_binary);
		return 0;
	}
	if (pss->rx_len + len > s->srv->o.max_payload)
		goto too_large;
	if (pss->rx_len + len > pss->rx_cap) {
		size_t nc = (pss->rx_len + len) * 2;
		if (nc > s->srv->o.max_payload)
			nc = s->srv->o.max_payload;
		char *nb = realloc(pss->rx, nc);
		if (!nb)
			return -1;
		pss->rx = nb;
		pss->rx_cap = nc;
	}
	memcpy(pss->rx + pss->rx_len, in, len);
	pss->rx_len += len;
	if (final) {
		/* The buffer goes with the message: a connection keeps no memory
		 * for the one large message it once sent. */
		char *m = pss->rx;
		size_t n = pss->rx_len;
		pss->rx = NULL;
		pss->rx_len = pss->rx_cap = 0;
		ws_message(pss, m, n, pss->rx_binary);
		free(m);
	}
	return 0;

too_large:
	base_log(NS, "%s: message over maxPayload", s->sid);
	lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, NULL, 0);
	if (s->ws == wsi) {
		s->ws = NULL;
		pss->s = NULL;
		if (s->transport == EIO_TRANSPORT_WEBSOCKET)
			eio_session_destroy(s, "transport error");
		else
			eio_ws_detach(s);
	}
	return -1;
}

/* ---- writing ---------------------------------------------------------------- */

static size_t frame_header(unsigned char *h, bool binary, size_t len)
{
	h[0] = binary ? 0x82 : 0x81; /* FIN + opcode */
	if (len < 126) {
		h[1] = (unsigned char)len;
		return 2;
	}
	if (len <= 0xffff) {
		h[1] = 126;
		h[2] = (unsigned char)(len >> 8);
		h[3] = (unsigned char)len;
		return 4;
	}
	h[1] = 127;
	for (int i = 0; i < 8; i++)
		h[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
	return 10;
}

/* A frame too big for the shared buffer goes alone from its own buffer. */
static int write_big_frame(struct lws *wsi, const eio_msg *m)
{
	unsigned char *b = malloc(LWS_PRE + 10 + m->len);
	if (!b)
		return -1;
	size_t h = frame_header(b + LWS_PRE, m->binary, m->len);
	memcpy(b + LWS_PRE + h, m->bytes, m->len);
	int n = lws_write(wsi, b + LWS_PRE, h + m->len, LWS_WRITE_RAW);
	free(b);
	return n < 0 ? -1 : 0;
}

static int ws_flush(eio_session *s, struct lws *wsi)
{
	unsigned char *base = s->srv->l->wbuf + LWS_PRE, *p = base;
	while (s->q.len > 0) {
		eio_msg *m = eio_queue_at(&s->q, 0);
		if ((size_t)(p - base) + 10 + m->len > EIO_WBUF_CAP) {
			if (p != base)
				break;
			int r = write_big_frame(wsi, m);
			eio_msg_unref(eio_queue_pop(&s->q));
			if (r < 0)
				return -1;
			break;
		}
		p += frame_header(p, m->binary, m->len);
		memcpy(p, m->bytes, m->len);
		p += m->len;
		eio_msg_unref(eio_queue_pop(&s->q));
	}
	if (p != base && lws_write(wsi, base, (size_t)(p - base), LWS_WRITE_RAW) < 0)
		return -1;
	return 0;
}

/* Write the queue now, or ask for WRITEABLE when lws still holds part of
 * an earlier write. -1 when the connection failed. */
static int ws_write_now(eio_session *s, struct lws *wsi)
{
	s->write_requested = false;
	if (lws_partial_buffered(wsi)) {
		s->write_requested = true;
		lws_callback_on_writable(wsi);
		return 0;
	}
	if (ws_flush(s, wsi) < 0)
		return -1;
	if (s->q.len > 0) {
		s->write_requested = true;
		lws_callback_on_writable(wsi);
	} else if (s->state == EIO_S_CLOSING) {
		eio_session_destroy(s, s->close_reason); /* sets close_now */
	}
	return 0;
}

static int ws_writeable(eio_ws_pss *pss)
{
	struct lws *wsi = pss->wsi;
	if (pss->close_now) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
		return -1;
	}
	eio_session *s = pss->s;
	if (!s)
		return -1;
	if (pss->probe_reply) {
		unsigned char f[LWS_PRE + 8];
		memcpy(f + LWS_PRE, "3probe", 6);
		pss->probe_reply = false;
		return lws_write(wsi, f + LWS_PRE, 6, LWS_WRITE_TEXT) < 0 ? -1 : 0;
	}
	if (s->transport != EIO_TRANSPORT_WEBSOCKET || s->ws != wsi)
		return 0;
	if (s->in_dirty)
		return 0; /* the end-of-turn flush will write */
	if (ws_write_now(s, wsi) < 0)
		return -1;
	return pss->close_now ? (lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0), -1) : 0;
}

/* End of a loop turn (before it blocks): write what each marked session has queued, directly
 * when nothing of it is still buffered in lws (no poll-set change, no
 * wakeup), else through WRITEABLE. lws buffers what the kernel does not
 * take of a write and asks for POLLOUT itself; one write per turn at most,
 * so that is bounded by the write buffer. A long-polling session's GET is
 * answered here too (eio_polling_flush). */
void eio_ws_flush_dirty(eio_listener *l)
{
	eio_session *s;
	while ((s = l->dirty)) {
		l->dirty = s->next_dirty;
		s->in_dirty = false;
		if (s->state != EIO_S_CLOSED && s->get && !l->closing)
			eio_polling_flush(s); /* long-polling GET, or its upgrade drain */
		if (s->state == EIO_S_CLOSED || !s->ws || s->transport != EIO_TRANSPORT_WEBSOCKET) {
			if (!s->get)
				s->write_requested = false;
			eio_session_flushed(s); /* a closed one may be freed now */
			continue;
		}
		if (ws_write_now(s, s->ws) < 0)
			eio_session_destroy(s, "transport error");
	}
}

void eio_ws_release(eio_ws_pss *pss)
{
	free(pss->rx);
	pss->rx = NULL;
	pss->rx_len = pss->rx_cap = 0;
}

static void ws_closed(eio_ws_pss *pss)
{
	eio_ws_release(pss);
	eio_session *s = pss->s;
	if (!s)
		return;
	pss->s = NULL;
	if (s->ws != pss->wsi)
		return;
	s->ws = NULL;
	if (s->transport == EIO_TRANSPORT_WEBSOCKET) {
		eio_session_destroy(s, "transport close");
	} else {
		base_timers_cancel(&s->srv->timers, EIO_TL_UPGRADE, &s->upg_link);
		s->upgrade = EIO_UPG_NONE;
	}
}

int eio_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, eio_ws_pss *pss, void *in,
                    size_t len)
{
	eio_listener *l = lws_context_user(lws_get_context(wsi));
	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		return ws_established(l, wsi, pss);
	case LWS_CALLBACK_RECEIVE:
		return ws_receive(pss, in, len);
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return ws_writeable(pss);
	case LWS_CALLBACK_CLOSED:
		ws_closed(pss);
		return 0;
	default:
		return 0;
	}
}
