/* eio_polling.c - the HTTP long-polling transport.
 *
 * GET: answered at once with every queued packet as one payload, or parked
 * until something is queued. POST: the body is read up to maxHttpBufferSize,
 * decoded as a payload and answered "ok" (spec "Transports > HTTP
 * long-polling"). Two GETs, or two POSTs, at the same time on one session
 * are a protocol error that closes the session.
 *
 * A parked GET is held with lws's timeout disabled and rx flow off: lws does
 * not read a connection that is in an HTTP transaction, so an EOF from a
 * client that gave up would otherwise make the loop spin. Hang-ups are found
 * by eio_hangup.c instead (a peek, then an epoll set watching for EPOLLRDHUP;
 * shared/notes, lws pitfalls 1 and 2).
 */
#include "base/log.h"
#include "eio_internal.h"
#include "eio_packet.h"

#include <stdlib.h>
#include <string.h>

#define NS "engineio:polling"

static void unpark(eio_http_pss *pss)
{
	if (pss->parked) {
		eio_listener_unpark(lws_context_user(lws_get_context(pss->wsi)), pss);
		lws_rx_flow_control(pss->wsi, 1);
	}
}

/* Answer the session's GET at the end of this loop turn (the listener's
 * end-of-turn flush, eio_polling_flush), with everything queued for it by
 * then: one response per turn, and no WRITEABLE round trip. */
void eio_polling_wake(eio_session *s)
{
	eio_listener_mark_dirty(s->srv->l, s);
}

/* The end-of-turn write of a session's GET: written directly when lws holds
 * nothing back for it. Asking for WRITEABLE instead would cost a loop turn
 * and two poll-set changes (with lws on libuv, four epoll_ctl calls). */
void eio_polling_flush(eio_session *s)
{
	struct lws *wsi = s->get;
	eio_http_pss *pss = lws_wsi_user(wsi);
	if (s->q.len == 0 && !s->poll_noop) {
		s->write_requested = false;
		return; /* stays parked */
	}
	unpark(pss);
	if (lws_partial_buffered(wsi)) {
		lws_callback_on_writable(wsi);
		return;
	}
	if (eio_polling_write(pss) < 0)
		lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

void eio_polling_get(eio_http_pss *pss, eio_session *s)
{
	if (s->get) {
		base_log(NS, "%s: overlapping GET", s->sid);
		eio_http_error(pss, EIO_ERR_BAD_REQUEST, NULL);
		eio_session_destroy(s, "transport error");
		return;
	}
	pss->is_get = true;
	pss->s = s;
	s->get = pss->wsi;
	s->write_requested = false;
	/* While an upgrade is under way the client must not stay parked here. */
	if (s->upgrade == EIO_UPG_PROBED)
		s->poll_noop = true;
	/* A GET waits for packets, not for lws: the session's heartbeat
	 * bounds it. Dropping lws's header timeout now also keeps lws's
	 * sorted timeout list short (see keepalive_wait in eio_http.c). */
	lws_set_timeout(pss->wsi, NO_PENDING_TIMEOUT, 0);
	if (s->q.len > 0 || s->poll_noop) {
		s->write_requested = true;
		eio_polling_wake(s);
		return;
	}
	lws_rx_flow_control(pss->wsi, 0);
	eio_listener_park(lws_context_user(lws_get_context(pss->wsi)), pss);
}

/* Build the payload from the whole queue: records joined by 0x1e. */
static char *build_payload(eio_session *s, size_t *len)
{
	size_t total = 0;
	for (uint32_t i = 0; i < s->q.len; i++)
		total += eio_payload_record_len(eio_queue_at(&s->q, i)) + 1;
	char *buf = malloc(total + 2); /* +1 for the base64 writer's NUL */
	if (!buf)
		return NULL;
	char *p = buf;
	eio_msg *m;
	while ((m = eio_queue_pop(&s->q))) {
		if (p != buf)
			*p++ = EIO_RECORD_SEPARATOR;
		p = eio_payload_write_record(p, m);
		eio_msg_unref(m);
	}
	*len = (size_t)(p - buf);
	return buf;
}

int eio_polling_write(eio_http_pss *pss)
{
	eio_session *s = pss->s;
	s->write_requested = false;
	if (s->q.len == 0 && !s->poll_noop)
		return 0;
	if (eio_peer_hung_up(pss->wsi)) {
		/* Writing would lose the packets silently: the session ends. */
		eio_polling_hung_up(pss);
		return -1;
	}
	size_t len = 1;
	char *body;
	bool closing = s->close_queued && s->transport == EIO_TRANSPORT_POLLING;
	if (s->q.len > 0 && s->transport == EIO_TRANSPORT_POLLING) {
		body = build_payload(s, &len);
	} else {
		/* Upgrade drain: packets now belong to the WebSocket. */
		body = malloc(2);
		if (body)
			memcpy(body, "6", 2);
		closing = false;
	}
	if (!body)
		return -1;
	unpark(pss);
	s->poll_noop = false;
	s->get = NULL;
	pss->s = NULL;
	pss->is_get = false;
	pss->status = 200;
	pss->ctype = "text/plain; charset=UTF-8";
	pss->body = body;
	pss->body_len = len;
	if (closing)
		eio_session_destroy(s, s->close_reason);
	return eio_http_write_response(pss);
}

/* Drop a POST body: once a POST has failed nothing more of it is kept. */
static void drop_body(eio_http_pss *pss)
{
	free(pss->rx);
	pss->rx = NULL;
	pss->rx_len = pss->rx_cap = 0;
}

static bool listener_closing(eio_http_pss *pss)
{
	eio_listener *l = lws_context_user(lws_get_context(pss->wsi));
	return l->closing;
}

static void post_fail(eio_http_pss *pss, int status)
{
	eio_session *s = pss->s;
	pss->post_failed = true;
	pss->close_after = true;
	drop_body(pss);
	if (status == 413)
		eio_http_respond(pss, 413, "text/plain", "Payload Too Large", 17);
	if (s) {
		s->post = NULL;
		pss->s = NULL;
		eio_session_destroy(s, "transport error");
	}
}

int eio_polling_post_begin(eio_http_pss *pss, eio_session *s)
{
	if (s->post) {
		base_log(NS, "%s: overlapping POST", s->sid);
		eio_http_error(pss, EIO_ERR_BAD_REQUEST, NULL);
		pss->close_after = true;
		pss->post_failed = true;
		pss->is_post = true;
		eio_session_destroy(s, "transport error");
		return -1;
	}
	pss->is_post = true;
	pss->s = s;
	s->post = pss->wsi;
	char cl[32];
	if (lws_hdr_copy(pss->wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 &&
	    strtoull(cl, NULL, 10) > s->srv->o.max_payload) {
		post_fail(pss, 413);
		return -1;
	}
	return 0;
}

int eio_polling_post_body(eio_http_pss *pss, const char *in, size_t len)
{
	if (pss->post_failed)
		return -1;
	size_t max = pss->s ? pss->s->srv->o.max_payload : pss->srv->o.max_payload;
	if (pss->rx_len + len > max) {
		post_fail(pss, 413);
		return -1;
	}
	if (pss->rx_len + len > pss->rx_cap) {
		size_t nc = (pss->rx_len + len) * 2;
		if (nc > max)
			nc = max;
		char *nb = realloc(pss->rx, nc);
		if (!nb) {
			post_fail(pss, 500);
			return -1;
		}
		pss->rx = nb;
		pss->rx_cap = nc;
	}
	memcpy(pss->rx + pss->rx_len, in, len);
	pss->rx_len += len;
	return 0;
}

/* Deliver each packet of the payload in order; a malformed one closes the
 * session with "parse error" after the packets before it were delivered,
 * as node's decodePayload does. */
static bool deliver_payload(eio_session *s, const char *buf, size_t len)
{
	eio_payload_iter it;
	eio_packet pkt;
	int r = 0;
	eio_payload_iter_init(&it, buf, len);
	while (s->state != EIO_S_CLOSED && (r = eio_payload_next(&it, &pkt)) > 0)
		eio_session_on_packet(s, pkt.type, pkt.data, pkt.len, pkt.binary);
	eio_payload_iter_free(&it);
	if (r < 0 && s->state != EIO_S_CLOSED) {
		base_log(NS, "%s: malformed payload", s->sid);
		eio_session_destroy(s, "parse error");
		return false;
	}
	return true;
}

void eio_polling_post_done(eio_http_pss *pss)
{
	if (pss->post_failed)
		return;
	eio_session *s = pss->s;
	bool ok = true;
	if (s) {
		s->post = NULL;
		pss->s = NULL;
		ok = deliver_payload(s, pss->rx, pss->rx_len);
	}
	drop_body(pss);
	if (!ok) {
		eio_http_error(pss, EIO_ERR_BAD_REQUEST, NULL);
		return;
	}
	/* Written by the caller, at once (eio_http.c, BODY_COMPLETION). */
	eio_http_set_response(pss, 200, "text/html", "ok", 2);
}

/* lws is dropping this pss (transaction done, connection closed): unlink. */
void eio_polling_release(eio_http_pss *pss)
{
	unpark(pss);
	eio_session *s = pss->s;
	if (!s)
		return;
	pss->s = NULL;
	if (s->get == pss->wsi) {
		/* The client went away in the middle of a poll. */
		s->get = NULL;
		eio_session_destroy(s, "transport error");
	}
	if (s->post == pss->wsi) {
		s->post = NULL;
		eio_session_destroy(s, "transport error");
	}
}

/* The session is closing: answer its parked GET ("6" when the client asked to
 * close, "1" otherwise, as node's polling transport does) and fail a POST
 * still being received (node destroys it). A POST whose own packets closed
 * the session was already unlinked and still answers "ok". */
void eio_polling_detach(eio_session *s, bool client_closed)
{
	/* When the listener is closing, its connections die with the lws
	 * context right away: nothing would be written, so nothing is queued. */
	if (s->get) {
		eio_http_pss *pss = lws_wsi_user(s->get);
		s->get = NULL;
		pss->s = NULL;
		pss->is_get = false;
		unpark(pss);
		if (!listener_closing(pss))
			eio_http_respond(pss, 200, "text/plain; charset=UTF-8",
			                 client_closed ? "6" : "1", 1);
	}
	if (s->post) {
		eio_http_pss *pss = lws_wsi_user(s->post);
		s->post = NULL;
		pss->s = NULL;
		pss->post_failed = true;
		pss->close_after = true;
		drop_body(pss);
		if (!listener_closing(pss))
			eio_http_error(pss, EIO_ERR_UNKNOWN_SID, NULL);
	}
}

/* The client of this parked GET hung up (eio_hangup.c): the session ends
 * with "transport error", as node's does on the request's "close". */
void eio_polling_hung_up(eio_http_pss *pss)
{
	eio_session *s = pss->s;
	unpark(pss);
	pss->s = NULL;
	pss->is_get = false;
	lws_set_timeout(pss->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	if (s) {
		base_log(NS, "%s: client aborted the poll", s->sid);
		s->get = NULL;
		eio_session_destroy(s, "transport error");
	}
}

/* A parked GET that cannot be watched for a hang-up (eio_hangup.c, out of
 * memory for the epoll set) is answered with a noop now rather than held
 * unwatched: the client polls again at once (a server may answer any poll
 * with "6"). */
void eio_polling_unwatchable(eio_http_pss *pss)
{
	eio_session *s = pss->s;
	unpark(pss);
	if (!s)
		return;
	s->poll_noop = true;
	s->write_requested = true;
	eio_polling_wake(s);
}
