/* net_deadline.c - the deadlines of the phases a peer can stall before a
 * request is whole: its first head, its body, and the wait of a kept-alive
 * connection for its next request.
 *
 * A slowloris client opens connections and trickles its heads (or bodies)
 * a byte at a time, holding a descriptor and a header table each for as
 * long as it likes: lws 4.1 re-arms its own timeout as bytes arrive, and
 * never sees a head the head guard holds off (net_head.c), so 2,000
 * trickling connections stayed open indefinitely. Each phase gets a
 * deadline of its own on the listener's deadline lists (one fixed duration
 * per list, O(1) to arm and cancel; lws's own timeout list is O(n) per
 * insertion, docs/engineio.md, pitfall 9), counted from the phase's start,
 * never re-armed by arriving bytes:
 *   - the first head: from the accept to its empty line (net_head.c arms
 *     it); past it the client gets 408 Request Timeout with Connection:
 *     close, as node's headersTimeout answers;
 *   - a body: from the end of its head to its last byte; past it 408 too
 *     (or, when an answer was already given, a plain close), as node's
 *     requestTimeout;
 *   - the wait between requests of a kept-alive connection
 *     (net_response.c), which also bounds a later head trickled in.
 * A WebSocket's handshake is its head: the 101 goes out as soon as the head
 * is whole; what follows is the owner's (Engine.IO's heartbeat, a plain
 * endpoint's idle timeout).
 */
#include "base/log.h"
#include "net_internal.h"

#include <stddef.h>
#include <string.h>

#define NS "engineio:http"

static const char answer_408[] = "HTTP/1.1 408 Request Timeout\r\n"
                                 "Content-Length: 0\r\nConnection: close\r\n\r\n";

/* 408 and close now: this runs from a libuv timer, outside lws's service,
 * where only a synchronous kill takes effect at once (docs/engineio.md,
 * pitfall 10). */
void net_answer_timeout(struct lws *wsi)
{
	net_head_answer_raw(lws_get_socket_fd(wsi), answer_408, sizeof(answer_408) - 1);
	lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, LWS_TO_KILL_SYNC);
}

void net_body_deadline_arm(net_http *h)
{
	if (h->l)
		base_timers_arm(&h->l->timers, NET_LTL_BODY, &h->body_deadline);
}

void net_body_deadline_stop(net_http *h)
{
	if (h->l && base_tlink_armed(&h->body_deadline))
		base_timers_cancel(&h->l->timers, NET_LTL_BODY, &h->body_deadline);
}

static void body_expire(base_tlink *link)
{
	net_http *h = (net_http *)((char *)link - offsetof(net_http, body_deadline));
	if (h->body_done)
		return; /* whole (a chunked body ends without lws's completion) */
	base_log(NS, "request body not complete in time: closing");
	if (h->status || h->close_sent) {
		/* Answered already (an early refusal): only the close is due. */
		lws_set_timeout(h->wsi, PENDING_TIMEOUT_HTTP_CONTENT, LWS_TO_KILL_SYNC);
		return;
	}
	net_answer_timeout(h->wsi);
}

void net_deadline_expire(base_timers *t, int list, base_tlink *link)
{
	switch (list) {
	case NET_LTL_KEEPALIVE:
		net_keepalive_expire(t, list, link);
		break;
	case NET_LTL_HEAD:
		net_head_expire(link);
		break;
	case NET_LTL_BODY:
		body_expire(link);
		break;
	default:
		break;
	}
}

void net_listener_set_timeouts(net_listener *l, unsigned head_ms, unsigned body_ms)
{
	base_timers_set_ms(&l->timers, NET_LTL_HEAD, head_ms ? head_ms : NET_HEAD_TIMEOUT_MS);
	base_timers_set_ms(&l->timers, NET_LTL_BODY, body_ms ? body_ms : NET_BODY_TIMEOUT_MS);
}
