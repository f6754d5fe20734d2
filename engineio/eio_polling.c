/* eio_polling.c - the HTTP long-polling transport.
 *
 * GET: answered at once with every queued packet as one payload, or parked
 * until something is queued. POST: the body is read up to maxHttpBufferSize,
 * decoded as a payload and answered "ok" (spec "Transports > HTTP
 * long-polling"). Two GETs, or two POSTs, at the same time on one session
 * are a protocol error that closes the session.
 *
 * A parked GET is held by the net layer's hang-up watch (net_http_park) with
 * lws's timeout dropped: the session's heartbeat bounds it, and a client
 * that hangs up on it is reported to polling_hung_up (docs/engineio.md,
 * pitfalls 1 to 3). The answer is written at the end of the loop turn in
 * which something was queued (the GET is marked: net_http_mark), with all that
 * was queued by then: one response per turn, and no WRITEABLE round trip.
 *
 * Engine.IO v3 sessions (allow_eio3) frame payloads as node's parser v3 does
 * (eio_packet_v3.c): "<length>:<packet>" text, or the binary payload
 * (application/octet-stream) when something queued is binary and the client
 * did not ask for b64=1; even a lone "6" or "1" answer is framed ("1:6").
 */
#include "base/log.h"
#include "eio_internal.h"
#include "eio_jsonp.h"
#include "eio_packet.h"
#include "eio_packet_v3.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define NS "engineio:polling"

/* What a request is to this transport (net_http.role). */
enum {
	POLL_NONE,
	POLL_GET,
	POLL_POST
};

static const net_http_ops polling_http_ops;
static void poll_flush(net_http *h);

static net_listener *net_of(const eio_session *s)
{
	return s->srv->l->net;
}

/* ---- the interface (eio_transport.h) ----------------------------------------- */

/* Answer the session's GET at the end of this loop turn (poll_flush). */
static bool polling_wake(eio_session *s)
{
	if (!s->get)
		return false;
	net_http_mark(s->get);
	return true;
}

/* The client moves to a WebSocket: a parked GET answers "6" now. */
static void polling_pause(eio_session *s)
{
	if (s->get) {
		s->poll_noop = true;
		polling_wake(s);
	}
}

static bool polling_writable(const eio_session *s)
{
	return s->get != NULL;
}

/* Drop a POST body and refuse the rest of it. */
static void fail_post(net_http *h)
{
	h->failed = true;
	h->close_after = true;
	net_http_body_drop(h);
}

/* The session is closing: answer its parked GET ("6" when the client asked to
 * close, "1" otherwise, as node's polling transport does) and fail a POST
 * still being received (node destroys it). A POST whose own packets closed
 * the session was already unlinked and still answers "ok". When the listener
 * is closing, its connections die with the lws context right away: nothing
 * would be written, so nothing is set. */
static void polling_detach(eio_session *s, bool client_closed)
{
	bool closing = net_listener_closing(net_of(s));
	if (s->get) {
		net_http *h = s->get;
		s->get = NULL;
		h->conn = NULL;
		h->role = POLL_NONE;
		net_http_unmark(h);
		net_http_unpark(h);
		if (!closing) {
			const char *body = client_closed ? "6" : "1";
			if (s->protocol == 3)
				body = client_closed ? "1:6" : "1:1";
			size_t len = strlen(body);
			char *js =
			        s->jsonp ? eio_jsonp_wrap(s->jsonp_index, body, len, &len) : NULL;
			net_http_respond(h, 200, "text/plain; charset=UTF-8", js ? js : body, len);
			free(js);
		}
	}
	if (s->post) {
		net_http *h = s->post;
		s->post = NULL;
		h->conn = NULL;
		fail_post(h);
		if (!closing)
			eio_error_respond(h, EIO_ERR_UNKNOWN_SID, NULL);
	}
}

const eio_transport eio_polling_transport = {
	.wake = polling_wake,
	.pause = polling_pause,
	.detach = polling_detach,
	.writable = polling_writable,
};

/* ---- GET ---------------------------------------------------------------------- */

/* A v3 session's payload: binary when the client takes binary and something
 * queued is binary (node's parser v3 encodePayload). */
static bool v3_binary_form(const eio_session *s)
{
	if (s->protocol != 3 || s->b64)
		return false;
	for (uint32_t i = 0; i < s->q.len; i++)
		if (eio_queue_at(&s->q, i)->binary)
			return true;
	return false;
}

/* Build the payload from the whole queue: v4 records joined by 0x1e, or v3
 * records (eio_packet_v3.c). */
static char *build_payload(eio_session *s, size_t *len, bool *binary)
{
	bool v3 = s->protocol == 3;
	*binary = v3_binary_form(s);
	size_t total = 0;
	for (uint32_t i = 0; i < s->q.len; i++) {
		eio_msg *m = eio_queue_at(&s->q, i);
		total += v3 ? eio_payload_v3_record_len(m, *binary) : eio_payload_record_len(m) + 1;
	}
	char *buf = malloc(total + 2); /* +1 for the base64 writer's NUL */
	if (!buf)
		return NULL;
	char *p = buf;
	eio_msg *m;
	while ((m = eio_queue_pop(&s->q))) {
		if (v3) {
			p = eio_payload_v3_write_record(p, m, *binary);
		} else {
			if (p != buf)
				*p++ = EIO_RECORD_SEPARATOR;
			p = eio_payload_write_record(p, m);
		}
		eio_msg_unref(m);
	}
	*len = (size_t)(p - buf);
	return buf;
}

/* The client of this parked GET hung up (the net layer's watch): the
 * session ends with "transport error", as node's does on the request's
 * "close". */
static void polling_hung_up(net_http *h)
{
	eio_session *s = h->conn;
	net_http_unpark(h);
	h->conn = NULL;
	h->role = POLL_NONE;
	net_http_kill(h);
	if (s) {
		base_log(NS, "%s: client aborted the poll", s->sid);
		s->get = NULL;
		eio_session_destroy(s, "transport error");
	}
}

/* Answer the GET with the queue (or with "6" during an upgrade). */
static int polling_write(net_http *h)
{
	eio_session *s = h->conn;
	s->write_requested = false;
	if (s->q.len == 0 && !s->poll_noop)
		return 0;
	if (net_http_peer_gone(h)) {
		/* Writing would lose the packets silently: the session ends. */
		polling_hung_up(h);
		return -1;
	}
	size_t len = 1;
	char *body;
	bool binary = false;
	bool closing = s->close_queued && s->transport == EIO_TRANSPORT_POLLING;
	if (s->q.len > 0 && s->transport == EIO_TRANSPORT_POLLING) {
		body = build_payload(s, &len, &binary);
	} else {
		/* Upgrade drain: packets now belong to the WebSocket. */
		const char *noop = s->protocol == 3 ? "1:6" : "6";
		len = strlen(noop);
		body = malloc(len + 1);
		if (body)
			memcpy(body, noop, len + 1);
		closing = false;
	}
	if (body && s->jsonp) {
		char *js = eio_jsonp_wrap(s->jsonp_index, body, len, &len);
		free(body);
		body = js;
	}
	if (!body)
		return -1;
	net_http_unpark(h);
	s->poll_noop = false;
	s->get = NULL;
	h->conn = NULL;
	h->role = POLL_NONE;
	if (closing)
		eio_session_destroy(s, s->close_reason);
	else if (s->close_due && s->transport == EIO_TRANSPORT_POLLING)
		eio_session_queue_close(s); /* for the next GET (eio_session_close) */
	return net_http_write_owned(
	        h, 200, binary ? "application/octet-stream" : "text/plain; charset=UTF-8", body,
	        len);
}

/* The GET's end-of-turn flush: written directly when lws holds nothing back
 * for it. Asking for WRITEABLE instead would cost a loop turn and two
 * poll-set changes (with lws on libuv, four epoll_ctl calls). */
static void poll_flush(net_http *h)
{
	eio_session *s = h->conn;
	if (!s || s->get != h || s->state == EIO_S_CLOSED || net_listener_closing(net_of(s)))
		return;
	if (s->q.len == 0 && !s->poll_noop) {
		s->write_requested = false;
		return; /* stays parked */
	}
	/* Unparked first: with rx flow off lws would not deliver WRITEABLE
	 * (docs/engineio.md, pitfall 3). */
	net_http_unpark(h);
	if (net_http_backlogged(h)) {
		net_http_want_write(h);
		return;
	}
	if (polling_write(h) < 0)
		net_http_kill(h);
}

void eio_polling_get(net_http *h, eio_session *s)
{
	if (s->get) {
		base_log(NS, "%s: overlapping GET", s->sid);
		eio_error_respond(h, EIO_ERR_BAD_REQUEST, NULL);
		eio_session_destroy(s, "transport error");
		return;
	}
	h->ops = &polling_http_ops;
	h->role = POLL_GET;
	h->conn = s;
	s->get = h;
	s->write_requested = false;
	/* While an upgrade is under way the client must not stay parked here. */
	if (s->upgrade == EIO_UPG_PROBED)
		s->poll_noop = true;
	/* A GET waits for packets, not for lws: the session's heartbeat
	 * bounds it. */
	net_http_no_timeout(h);
	if (s->q.len > 0 || s->poll_noop) {
		s->write_requested = true;
		polling_wake(s);
		return;
	}
	net_http_park(h);
}

/* A parked GET that cannot be watched for a hang-up (out of memory for the
 * epoll set) is answered with a noop now rather than held unwatched: the
 * client polls again at once (a server may answer any poll with "6"). */
static void polling_unwatchable(net_http *h)
{
	eio_session *s = h->conn;
	net_http_unpark(h);
	if (!s)
		return;
	s->poll_noop = true;
	s->write_requested = true;
	polling_wake(s);
}

static int polling_writeable(net_http *h)
{
	if (h->role == POLL_GET && h->conn)
		return polling_write(h);
	return 0;
}

/* ---- POST --------------------------------------------------------------------- */

static void post_fail(net_http *h, int status)
{
	eio_session *s = h->conn;
	fail_post(h);
	if (status == 413) {
		/* Answered before its body was read: the rest of the body (a
		 * chunked one has no length) cannot be framed, so the
		 * connection closes after the answer (docs/engineio.md,
		 * "Request framing"), once what the client still sends of it
		 * was read and dropped (a lingering close: net_response.c). */
		h->close_after = true;
		h->linger = true;
		net_http_respond(h, 413, "text/plain", "Payload Too Large", 17);
	}
	if (s) {
		s->post = NULL;
		h->conn = NULL;
		eio_session_destroy(s, "transport error");
	}
}

void eio_polling_post(net_http *h, eio_session *s)
{
	h->ops = &polling_http_ops;
	h->role = POLL_POST;
	if (s->post) {
		base_log(NS, "%s: overlapping POST", s->sid);
		eio_error_respond(h, EIO_ERR_BAD_REQUEST, NULL);
		h->close_after = true;
		h->failed = true;
		eio_session_destroy(s, "transport error");
		return;
	}
	h->conn = s;
	s->post = h;
	unsigned long long cl;
	if (net_http_content_length(h, &cl) && cl > s->srv->o.max_payload)
		post_fail(h, 413);
}

static void polling_body(net_http *h, const char *in, size_t len)
{
	eio_session *s = h->conn;
	if (h->role != POLL_POST || h->failed || !s)
		return;
	int r = net_http_body_append(h, in, len, s->srv->o.max_payload);
	if (r < 0)
		post_fail(h, r == -1 ? 413 : 500);
}

/* Deliver each packet of the payload in order; a malformed one closes the
 * session with "parse error" after the packets before it were delivered,
 * as node's decodePayload does. */
static void deliver_payload(eio_session *s, const char *buf, size_t len)
{
	eio_payload_iter it;
	eio_packet pkt;
	int r = 0;
	int (*next)(eio_payload_iter *, eio_packet *) =
	        s->protocol == 3 ? eio_payload_v3_next : eio_payload_next;
	eio_payload_iter_init(&it, buf, len);
	while (s->state != EIO_S_CLOSED && (r = next(&it, &pkt)) > 0)
		eio_session_on_packet(s, pkt.type, pkt.data, pkt.len, pkt.binary);
	eio_payload_iter_free(&it);
	if (r < 0 && s->state != EIO_S_CLOSED) {
		base_log(NS, "%s: malformed payload", s->sid);
		eio_session_destroy(s, "parse error");
	}
}

/* A JSONP session's POST: the payload is the form's `d`; a body without
 * one (or with two) is no payload, and answered "ok" all the same, as node
 * does (polling-jsonp.js, onData). */
static void deliver_form(eio_session *s, const char *body, size_t len)
{
	char *payload;
	size_t n;
	int r = eio_jsonp_form_payload(body, len, &payload, &n);
	if (r < 0) {
		eio_session_destroy(s, "transport error");
		return;
	}
	if (r == 0)
		return;
	deliver_payload(s, payload, n);
	free(payload);
}

/* A POST's answer is written at once by the router (true); a GET's body
 * is ignored. A body read whole is answered "ok" whatever it holds, as
 * node's engine.io does (polling.js, onDataRequest): a payload that does
 * not decode (an empty body too: the body-less POST of axios, curl -X POST)
 * closes the session with "parse error", and the client learns it from its
 * next request (400 code 1). */
static bool polling_body_done(net_http *h)
{
	if (h->role != POLL_POST)
		return false;
	if (h->failed)
		return true;
	eio_session *s = h->conn;
	if (s) {
		s->post = NULL;
		h->conn = NULL;
		if (s->jsonp)
			deliver_form(s, h->rx, h->rx_len);
		else
			deliver_payload(s, h->rx, h->rx_len);
	}
	net_http_body_drop(h);
	net_http_set_response(h, 200, "text/html", "ok", 2);
	return true;
}

/* ---- the request's end ---------------------------------------------------------- */

/* lws is dropping the request (transaction done, connection closed): a GET
 * or POST still bound to its session was cut off by the client. */
static void polling_release(net_http *h)
{
	eio_session *s = h->conn;
	if (!s)
		return;
	h->conn = NULL;
	if (s->get == h) {
		s->get = NULL;
		eio_session_destroy(s, "transport error");
	}
	if (s->post == h) {
		s->post = NULL;
		eio_session_destroy(s, "transport error");
	}
}

/* lws mis-parsed the request (net_router.c): the session stays as it was,
 * the POST was never accepted. */
static void polling_forget(net_http *h)
{
	eio_session *s = h->conn;
	if (s && s->post == h)
		s->post = NULL;
	h->conn = NULL;
	h->role = POLL_NONE;
}

static const net_http_ops polling_http_ops = {
	.body = polling_body,
	.body_done = polling_body_done,
	.writeable = polling_writeable,
	.release = polling_release,
	.hung_up = polling_hung_up,
	.unwatchable = polling_unwatchable,
	.forget = polling_forget,
	.flush = poll_flush,
};
