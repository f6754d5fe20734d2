/* eio_session.c - an Engine.IO session: send queue, heartbeat, packets, close.
 *
 * The session is transport-neutral. Outbound messages go into one queue of
 * shared eio_msg references whatever the transport; the session wakes its
 * transport through the interface of eio_transport.h (never by name), and
 * the transport drains the queue at the end of the loop turn. Inbound
 * packets from either transport arrive at eio_session_on_packet().
 *
 * Heartbeat (Engine.IO v4, "Heartbeat" section): the server sends a ping
 * pingInterval after the handshake and pingInterval after each pong; when no
 * pong arrives within pingTimeout the session closes with "ping timeout".
 * One uv timer serves the whole cycle (hb_mode says which wait it is), and
 * doubles as the linger timer of a closing session and the deferred kill.
 *
 * Engine.IO v3 sessions (allow_eio3) reverse it, as node's socket.js does for
 * protocol 3: the client sends "2" every pingInterval, the server answers "3"
 * and waits pingInterval + pingTimeout for the next one (EIO_HB_V3_WAIT).
 */
#include "base/log.h"
#include "eio_admit.h"
#include "eio_internal.h"

#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS "engineio:socket"

/* ---- queue ------------------------------------------------------------------ */

/* A drained queue keeps a ring of at most this many slots. */
#define EIO_QUEUE_KEEP 8

static int queue_push(eio_queue *q, eio_msg *m)
{
	if (q->len == q->cap) {
		uint32_t ncap = q->cap ? q->cap * 2 : 4;
		eio_msg **nr = malloc(ncap * sizeof(*nr));
		if (!nr)
			return EIO_ENOMEM;
		for (uint32_t i = 0; i < q->len; i++)
			nr[i] = eio_queue_at(q, i);
		free(q->ring);
		q->ring = nr;
		q->cap = ncap;
		q->head = 0;
	}
	q->ring[(q->head + q->len) & (q->cap - 1)] = eio_msg_ref(m);
	q->len++;
	q->bytes += m->len;
	return 0;
}

eio_msg *eio_queue_pop(eio_queue *q)
{
	if (q->len == 0)
		return NULL;
	eio_msg *m = q->ring[q->head];
	q->head = (q->head + 1) & (q->cap - 1);
	q->len--;
	q->bytes -= m->len;
	if (q->len == 0 && q->cap > EIO_QUEUE_KEEP) {
		/* Drained after a burst: an idle session keeps no large ring. */
		free(q->ring);
		q->ring = NULL;
		q->cap = 0;
		q->head = 0;
	}
	return m;
}

static void queue_clear(eio_queue *q)
{
	eio_msg *m;
	while ((m = eio_queue_pop(q)))
		eio_msg_unref(m);
	free(q->ring);
	memset(q, 0, sizeof(*q));
}

/* ---- timers ----------------------------------------------------------------- */

/* The server's deadline lists (base/timer.h), one per fixed duration. */
static int hb_list(int mode)
{
	switch (mode) {
	case EIO_HB_PING_WAIT:
		return EIO_TL_PING;
	case EIO_HB_KILL:
		return EIO_TL_KILL;
	case EIO_HB_V3_WAIT:
		return EIO_TL_V3;
	default:
		return EIO_TL_PONG; /* pong wait and close linger: pingTimeout */
	}
}

static void hb_arm(eio_session *s, int mode)
{
	base_timers_cancel(&s->srv->timers, hb_list(s->hb_mode), &s->hb_link);
	s->hb_mode = (uint8_t)mode;
	base_timers_arm(&s->srv->timers, hb_list(mode), &s->hb_link);
}

static void on_hb_timer(eio_session *s)
{
	switch (s->hb_mode) {
	case EIO_HB_PING_WAIT: {
		if (s->srv->plain) {
			/* A ping frame, written ahead of the queue (eio_plain.c). */
			s->ping_due = true;
			eio_session_kick(s);
			hb_arm(s, EIO_HB_PONG_WAIT);
			break;
		}
		/* Wait for the pong even if the ping could not be queued: a
		 * session that cannot be pinged must still time out. */
		eio_msg *ping = eio_msg_packet(EIO_PKT_PING, "", 0);
		if (ping)
			eio_session_enqueue(s, ping);
		eio_msg_unref(ping);
		if (s->hb_mode != EIO_HB_KILL)
			hb_arm(s, EIO_HB_PONG_WAIT);
		break;
	}
	case EIO_HB_PONG_WAIT:
	case EIO_HB_V3_WAIT:
		base_log(NS, "%s: ping timeout", s->sid);
		eio_session_destroy(s, "ping timeout");
		break;
	case EIO_HB_CLOSE_WAIT:
	case EIO_HB_KILL:
		eio_session_destroy(s, s->close_reason ? s->close_reason : "forced close");
		break;
	}
}

/* Destroyed sessions are freed on the next expiry pass, not at once: the
 * code that destroyed one (inside a callback) may still read it. */
static void reap(eio_server *srv)
{
	eio_session *s;
	/* Nothing else points at a destroyed session: its transports' detach
	 * cleared every connection's link to it, and the end-of-turn list
	 * holds connections, not sessions. So all are freed, and the reaper
	 * is never re-armed from its own callback (a 0 ms timer armed there
	 * runs again in the same libuv timer pass: docs/engineio.md,
	 * "Memory and back-pressure"). */
	while ((s = srv->graveyard)) {
		srv->graveyard = s->next_dead;
		net_request_free(eio_request_net(s->req));
		free(s);
	}
}

void eio_session_timers_expire(base_timers *t, int list, base_tlink *link)
{
	eio_server *srv = (eio_server *)((char *)t - offsetof(eio_server, timers));
	if (link == &srv->reaper) {
		reap(srv);
		return;
	}
	if (list == EIO_TL_UPGRADE) {
		eio_session *s = (eio_session *)((char *)link - offsetof(eio_session, upg_link));
		base_log(NS, "%s: upgrade timed out", s->sid);
		/* Only the probe goes; the session stays on its transport. */
		s->srv->transports[1]->detach(s, false);
		return;
	}
	on_hb_timer((eio_session *)((char *)link - offsetof(eio_session, hb_link)));
}

void eio_session_reap_all(eio_server *srv)
{
	reap(srv);
}

/* ---- lifecycle -------------------------------------------------------------- */

/* {"sid":"...","upgrades":[...],"pingInterval":N,"pingTimeout":N,"maxPayload":N}:
 * exactly the five keys of the v4 open packet ("Handshake" section). */
static eio_msg *open_packet(eio_session *s)
{
	const eio_options *o = &s->srv->o;
	bool can_upgrade = s->transport == EIO_TRANSPORT_POLLING && o->allow_upgrades &&
	                   (o->transports & EIO_TRANSPORT_WEBSOCKET);
	char buf[256];
	int n = snprintf(buf, sizeof(buf),
	                 "{\"sid\":\"%s\",\"upgrades\":[%s],\"pingInterval\":%u,"
	                 "\"pingTimeout\":%u,\"maxPayload\":%zu}",
	                 s->sid, can_upgrade ? "\"websocket\"" : "", o->ping_interval_ms,
	                 o->ping_timeout_ms, o->max_payload);
	return eio_msg_packet(EIO_PKT_OPEN, buf, (size_t)n);
}

/* 15 random bytes, URL-safe base64 without padding: 20 characters. */
static void new_sid(char out[24])
{
	unsigned char raw[15];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, 24, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

eio_session *eio_session_create(eio_server *srv, eio_request *req, int transport)
{
	eio_session *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->srv = srv;
	s->req = req;
	s->transport = (uint8_t)transport;
	s->t = srv->transports[transport == EIO_TRANSPORT_WEBSOCKET];
	do
		new_sid(s->sid);
	while (base_map_get(&srv->sessions, s->sid));
	/* A plain WebSocket has no open packet: its client speaks no Engine.IO. */
	eio_msg *open = srv->plain ? NULL : open_packet(s);
	if ((!srv->plain && (!open || queue_push(&s->q, open) < 0)) ||
	    base_map_put(&srv->sessions, s->sid, s) < 0) {
		eio_msg_unref(open);
		queue_clear(&s->q);
		free(s);
		return NULL;
	}
	eio_msg_unref(open);
	s->protocol = 4;
	hb_arm(s, EIO_HB_PING_WAIT);
	base_log(NS, "%s: open (%s)", s->sid, eio_session_transport(s));
	return s;
}

void eio_session_use_v3(eio_session *s, bool b64)
{
	s->protocol = 3;
	s->b64 = b64;
	hb_arm(s, EIO_HB_V3_WAIT);
}

/* Final close: unlink from the server, detach the connections, tell the
 * application, and free once the timers have closed. Safe to call from any
 * callback: the memory stays valid until the loop closes the timers. */
void eio_session_destroy(eio_session *s, const char *reason)
{
	if (s->state == EIO_S_CLOSED)
		return;
	bool client_closed = strcmp(reason, "transport close") == 0;
	s->state = EIO_S_CLOSED;
	base_log(NS, "%s: close (%s)", s->sid, reason);
	eio_server *srv = s->srv;
	base_map_del(&srv->sessions, s->sid);
	base_timers_cancel(&srv->timers, hb_list(s->hb_mode), &s->hb_link);
	base_timers_cancel(&srv->timers, EIO_TL_UPGRADE, &s->upg_link);
	queue_clear(&s->q);
	eio_admit_release(s);
	s->close_reason = reason; /* what a transport tells the client (eio_plain.c) */
	/* Every transport lets go, the active one and one being upgraded to
	 * or from (a GET still draining after the upgrade). */
	for (size_t i = 0; i < 2; i++)
		srv->transports[i]->detach(s, client_closed);
	if (srv->cb.on_close)
		srv->cb.on_close(s, reason, srv->user);
	s->next_dead = srv->graveyard;
	srv->graveyard = s;
	base_timers_arm(&srv->timers, EIO_TL_KILL, &srv->reaper);
}

/* node's engine.io closes with no status code (ws.close()); a code lets a
 * client report why (RFC 6455 section 7.4.1: 1002, protocol error). On
 * polling there is no close frame: only the reason counts. */
void eio_session_fail(eio_session *s, const char *reason, const char *text)
{
	if (s->state == EIO_S_CLOSED)
		return;
	s->close_code = EIO_CLOSE_PROTOCOL_ERROR;
	s->close_text = text;
	eio_session_destroy(s, reason);
}

/* Destroy on the next loop turn: used where the caller may be iterating over
 * sessions (a broadcast hitting a full queue) or inside application code. */
void eio_session_destroy_later(eio_session *s, const char *reason)
{
	if (s->state == EIO_S_CLOSED || s->hb_mode == EIO_HB_KILL)
		return;
	s->close_reason = reason;
	hb_arm(s, EIO_HB_KILL);
}

/* Polling: the close packet, "1", into the queue; the session ends when a
 * GET has carried it (eio_polling.c), or after pingTimeout. */
void eio_session_queue_close(eio_session *s)
{
	s->close_due = false;
	eio_msg *c = eio_msg_packet(EIO_PKT_CLOSE, "", 0);
	if (c && queue_push(&s->q, c) == 0)
		s->close_queued = true;
	eio_msg_unref(c);
	if (!s->close_queued)
		eio_session_destroy_later(s, "forced close");
}

void eio_session_close(eio_session *s)
{
	if (s->state != EIO_S_OPEN)
		return;
	s->state = EIO_S_CLOSING;
	s->close_reason = "forced close";
	hb_arm(s, EIO_HB_CLOSE_WAIT);
	if (s->transport == EIO_TRANSPORT_POLLING && !s->srv->plain) {
		/* What is queued goes out first, then "1" in a payload of its
		 * own, on the next GET (node's Socket#close waits for "drain",
		 * and its polling transport then appends "close" to the next
		 * poll's payload). Never both in one payload: socket.io-client
		 * 4.8 handles the packets of a payload in one go but hands each
		 * decoded message to its socket a tick later (Manager#ondecoded),
		 * so a message ahead of "1" reaches a socket already
		 * disconnected: it is buffered, emitted after the reconnection,
		 * and not counted in the offset the client recovers with, so the
		 * server replays it a second time. */
		if (s->q.len > 0)
			s->close_due = true;
		else
			eio_session_queue_close(s);
		if (s->hb_mode == EIO_HB_KILL)
			return;
	}
	/* Flush; a WebSocket then gets a close frame (node sends no "1"). */
	eio_session_kick(s);
}

/* ---- sending ---------------------------------------------------------------- */

/* Have the queue written at the end of this loop turn, with everything else
 * queued for it meanwhile: the transport is woken once per batch. */
void eio_session_kick(eio_session *s)
{
	if (s->write_requested)
		return;
	if (s->t->wake(s))
		s->write_requested = true;
}

int eio_session_enqueue(eio_session *s, eio_msg *m)
{
	if (s->q.bytes + m->len > s->srv->o.max_queued_bytes) {
		base_log(NS, "%s: send queue over %zu bytes, closing", s->sid,
		         s->srv->o.max_queued_bytes);
		eio_session_destroy_later(s, "send queue full");
		return EIO_EFULL;
	}
	if (queue_push(&s->q, m) < 0)
		return EIO_ENOMEM;
	eio_session_kick(s);
	return 0;
}

int eio_session_send(eio_session *s, eio_msg *m)
{
	if (s->state != EIO_S_OPEN || s->hb_mode == EIO_HB_KILL)
		return EIO_ECLOSED;
	int r = eio_session_enqueue(s, m);
	if (r == 0) {
		s->srv->stats.messages_sent++;
		s->srv->stats.bytes_sent += m->len - (m->binary ? 0 : 1); /* no type char */
	}
	return r;
}

static int send_copy(eio_session *s, eio_msg *m)
{
	if (!m)
		return EIO_ENOMEM;
	int r = eio_session_send(s, m);
	eio_msg_unref(m);
	return r;
}

int eio_session_send_text(eio_session *s, const char *data, size_t len)
{
	return send_copy(s, eio_msg_text(data, len));
}

int eio_session_send_binary(eio_session *s, const void *data, size_t len)
{
	return send_copy(s, eio_msg_binary(data, len));
}

/* ---- receiving -------------------------------------------------------------- */

void eio_session_on_packet(eio_session *s, char type, const char *data, size_t len, bool binary)
{
	if (s->state == EIO_S_CLOSED)
		return;
	switch (type) {
	case EIO_PKT_PONG:
		if (s->protocol == 3) {
			/* v3 heartbeats go client -> server only (node: "invalid
			 * heartbeat direction"). */
			eio_session_fail(s, "transport error", "invalid heartbeat direction");
			break;
		}
		if (s->hb_mode == EIO_HB_PONG_WAIT)
			hb_arm(s, EIO_HB_PING_WAIT);
		break;
	case EIO_PKT_MESSAGE:
		eio_admit_settle(s);
		s->srv->stats.messages_received++;
		s->srv->stats.bytes_received += len;
		if (s->state == EIO_S_OPEN && s->srv->cb.on_message)
			s->srv->cb.on_message(s, data, len, binary, s->srv->user);
		break;
	case EIO_PKT_CLOSE:
		eio_session_destroy(s, "transport close");
		break;
	case EIO_PKT_PING:
		if (s->protocol == 3) {
			/* v3: answer "3" and wait for the next ping. */
			if (s->hb_mode == EIO_HB_V3_WAIT)
				hb_arm(s, EIO_HB_V3_WAIT);
			eio_msg *pong = eio_msg_packet(EIO_PKT_PONG, "", 0);
			if (pong && s->state == EIO_S_OPEN)
				eio_session_enqueue(s, pong);
			eio_msg_unref(pong);
			break;
		}
		/* v4 heartbeats go server -> client only (node's onError
		 * "invalid heartbeat direction", reason "transport error"). */
		eio_session_fail(s, "transport error", "invalid heartbeat direction");
		break;
	default:
		/* open, upgrade, noop on the active transport: ignored, as node does. */
		break;
	}
}

/* A WebSocket with this sid arrived: it is a probe until it sends "5". If it
 * does not within upgradeTimeout, only the probe is closed. An upgrade is
 * always to websocket, srv->transports[1]: from polling, or, as node's
 * Socket._maybeUpgrade() allows, from the WebSocket a session began on. */
void eio_session_upgrade_begin(eio_session *s)
{
	s->upgrade = EIO_UPG_PROBING;
	base_timers_arm(&s->srv->timers, EIO_TL_UPGRADE, &s->upg_link);
}

/* The probe answered "2probe" with "3probe": the client must not stay
 * waiting on the old transport (spec "Upgrade"). */
void eio_session_probed(eio_session *s)
{
	s->upgrade = EIO_UPG_PROBED;
	s->t->pause(s);
}

/* The probe WebSocket sent "5": it has become the transport (spec
 * "Upgrade"; eio_websocket.c moved it to s->ws). */
void eio_session_upgraded(eio_session *s)
{
	const eio_transport *old = s->t;
	base_timers_cancel(&s->srv->timers, EIO_TL_UPGRADE, &s->upg_link);
	s->upgrade = EIO_UPG_NONE;
	s->upgraded = true;
	s->transport = EIO_TRANSPORT_WEBSOCKET;
	s->t = s->srv->transports[1];
	/* A GET still parked must drain with a noop before polling stops. */
	old->pause(s);
	s->write_requested = false;
	if (s->close_queued || s->close_due) {
		/* Closing while upgrading: the close packet is not sent on ws. */
		eio_session_destroy_later(s, s->close_reason);
		return;
	}
	eio_session_kick(s);
	base_log(NS, "%s: upgraded to websocket", s->sid);
}

/* ---- accessors -------------------------------------------------------------- */

const char *eio_session_id(const eio_session *s)
{
	return s->sid;
}
const eio_request *eio_session_request(const eio_session *s)
{
	return s->req;
}
eio_server *eio_session_server(const eio_session *s)
{
	return s->srv;
}
void eio_session_set_user(eio_session *s, void *user)
{
	s->user = user;
}
void *eio_session_get_user(const eio_session *s)
{
	return s->user;
}
size_t eio_session_queued_bytes(const eio_session *s)
{
	return s->q.bytes;
}

bool eio_session_open(const eio_session *s)
{
	return s->state == EIO_S_OPEN && s->hb_mode != EIO_HB_KILL;
}

int eio_session_protocol(const eio_session *s)
{
	return s->protocol;
}

const char *eio_session_transport(const eio_session *s)
{
	return s->transport == EIO_TRANSPORT_WEBSOCKET ? "websocket" : "polling";
}

bool eio_session_writable(const eio_session *s)
{
	if (s->state != EIO_S_OPEN || s->q.len > 0)
		return false;
	return s->t->writable(s);
}
