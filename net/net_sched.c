/* net_sched.c - the end-of-turn write scheduler, and read-ahead coalescing.
 *
 * Writes wait for the end of the loop turn: a connection with something to
 * write is marked (net_http_mark, net_ws_mark), and a prepare handle, which runs just
 * before the loop blocks for I/O (after the I/O, timer and other callbacks
 * of the turn), runs each marked connection's flush (its owner's
 * ops->flush) once. So everything a
 * turn queued for one client goes in one send, and a long-polling GET is
 * answered once with all of it. The prepare handle does not keep the loop
 * alive by itself.
 *
 * Read-ahead coalescing: a WebSocket is read once per loop turn (at most
 * NET_WSREAD_BUF bytes, net_wsread.c). When a connection read at least
 * NET_RX_HEAVY bytes in this turn and the kernel holds more of its input
 * (FIONREAD), the turn's writes wait: the next turn reads on without
 * blocking (an active idle handle), and the writes go once the burst is
 * read, or after NET_FLUSH_DEFER_MAX turns, so a sender's burst of
 * messages makes few writes per recipient. Measured in docs/performance.md,
 * "Memory".
 */
#include "net_internal.h"

#include <stddef.h>
#include <sys/ioctl.h>

static void link_add(net_link *head, net_link *n)
{
	n->prev = head;
	n->next = head->next;
	head->next->prev = n;
	head->next = n;
}

static void link_del(net_link *n)
{
	if (!n->next)
		return;
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = NULL;
}

static bool list_empty(const net_link *head)
{
	return head->next == head;
}

void net_http_mark(net_http *h)
{
	if (!h->dirty.next)
		link_add(&h->l->sched.http, &h->dirty);
}

void net_http_unmark(net_http *h)
{
	link_del(&h->dirty);
}

void net_ws_mark(net_ws *ws)
{
	if (!ws->dirty.next) {
		net_listener *l = lws_context_user(lws_get_context(ws->wsi));
		link_add(&l->sched.ws, &ws->dirty);
	}
}

void net_ws_unmark(net_ws *ws)
{
	link_del(&ws->dirty);
}

bool net_ws_marked(const net_ws *ws)
{
	return ws->dirty.next != NULL;
}

void net_sched_note_rx(net_listener *l, net_ws *ws, size_t len)
{
	net_sched *s = &l->sched;
	if (ws->rx_turn != (uint16_t)s->turn) {
		ws->rx_turn = (uint16_t)s->turn;
		ws->rx_turn_bytes = 0;
	}
	uint32_t before = ws->rx_turn_bytes;
	uint32_t now =
	        before + (uint32_t)(len > 0xffff ? 0xffff : len) + 6; /* frame header, mask */
	ws->rx_turn_bytes = (uint16_t)(now > 0xffff ? 0xffff : now);
	if (before < NET_RX_HEAVY && now >= NET_RX_HEAVY && s->nheavy < NET_RX_HEAVY_MAX)
		s->heavy_fd[s->nheavy++] = lws_get_socket_fd(ws->wsi);
}

/* More input waiting on a connection that read a lot this turn? An fd closed
 * meanwhile answers EBADF (or is another socket): a hint, never harmful. */
static bool more_input_waiting(net_sched *s)
{
	bool more = false;
	for (uint8_t i = 0; i < s->nheavy && !more; i++) {
		int n = 0;
		more = ioctl(s->heavy_fd[i], FIONREAD, &n) == 0 && n > 0;
	}
	s->nheavy = 0;
	return more;
}

static void on_nowait(uv_idle_t *h)
{
	(void)h;
}

/* Each connection is taken off the list before its flush runs: the flush
 * may end the connection (and lws free the memory the link lives in) or
 * mark others. The HTTP requests of a turn go before its WebSockets, as a
 * session's parked GET (an upgrade's drain) went before its WebSocket. */
static void run_all(net_listener *l)
{
	net_sched *s = &l->sched;
	for (;;) {
		if (!list_empty(&s->http)) {
			net_http *h =
			        (net_http *)((char *)s->http.next - offsetof(net_http, dirty));
			link_del(&h->dirty);
			if (h->ops && h->ops->flush)
				h->ops->flush(h);
		} else if (!list_empty(&s->ws)) {
			net_ws *ws = (net_ws *)((char *)s->ws.next - offsetof(net_ws, dirty));
			link_del(&ws->dirty);
			if (ws->mount)
				ws->mount->ws_ops->flush(ws);
		} else {
			return;
		}
	}
}

static bool any_dirty(const net_sched *s)
{
	return !list_empty(&s->http) || !list_empty(&s->ws);
}

static void on_flush(uv_prepare_t *p)
{
	net_listener *l = p->data;
	net_sched *s = &l->sched;
	s->turn++;
	if (s->nheavy && any_dirty(s) && s->ndefer < NET_FLUSH_DEFER_MAX && more_input_waiting(s)) {
		s->ndefer++;
		if (!uv_is_active((uv_handle_t *)&s->nowait))
			uv_idle_start(&s->nowait, on_nowait);
		return;
	}
	s->nheavy = 0;
	s->ndefer = 0;
	if (uv_is_active((uv_handle_t *)&s->nowait))
		uv_idle_stop(&s->nowait);
	run_all(l);
}

void net_sched_init(net_listener *l)
{
	net_sched *s = &l->sched;
	s->http.next = s->http.prev = &s->http;
	s->ws.next = s->ws.prev = &s->ws;
	uv_prepare_init(l->loop, &s->flush);
	s->flush.data = l;
	uv_prepare_start(&s->flush, on_flush);
	uv_unref((uv_handle_t *)&s->flush);
	uv_idle_init(l->loop, &s->nowait);
	uv_unref((uv_handle_t *)&s->nowait);
}

/* The listener is closing: its connections go with the lws context, so
 * nothing is written any more; the list is emptied, the handles closed. */
void net_sched_close(net_listener *l)
{
	net_sched *s = &l->sched;
	while (!list_empty(&s->http))
		link_del(s->http.next);
	while (!list_empty(&s->ws))
		link_del(s->ws.next);
	uv_prepare_stop(&s->flush);
	uv_close((uv_handle_t *)&s->flush, NULL);
	uv_idle_stop(&s->nowait);
	uv_close((uv_handle_t *)&s->nowait, NULL);
}
