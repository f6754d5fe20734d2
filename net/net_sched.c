/* net_sched.c - the end-of-turn write scheduler, and read-ahead coalescing.
 *
 * Writes wait for the end of the loop turn: a connection with something to
 * write marks itself (net_sched_mark), and a prepare handle, which runs just
 * before the loop blocks for I/O (after the I/O, timer and other callbacks
 * of the turn), runs each marked connection's flush once. So everything a
 * turn queued for one client goes in one send, and a long-polling GET is
 * answered once with all of it. The prepare handle does not keep the loop
 * alive by itself.
 *
 * Read-ahead coalescing: lws reads a WebSocket NET_WS_RX_BUFFER bytes at a
 * time, one read per connection per loop turn, and lws allocates that
 * buffer for every connection: a large one batches a sender's burst of
 * messages into few writes per recipient but costs every idle connection a
 * page of memory. So the buffer is small, and when a connection filled most
 * of its read in this turn and the kernel holds more of its input
 * (FIONREAD), the turn's writes wait: the next turn reads on without
 * blocking (an active idle handle), and the writes go once the burst is
 * read, or after NET_FLUSH_DEFER_MAX turns. Measured in
 * docs/performance.md, "Memory".
 */
#include "net_internal.h"

#include <sys/ioctl.h>

void net_sched_mark(net_listener *l, net_task *t)
{
	if (t->queued)
		return;
	t->queued = true;
	t->prev = NULL;
	t->next = l->sched.dirty;
	if (t->next)
		t->next->prev = t;
	l->sched.dirty = t;
}

void net_sched_cancel(net_listener *l, net_task *t)
{
	if (!t->queued)
		return;
	t->queued = false;
	if (t->prev)
		t->prev->next = t->next;
	else
		l->sched.dirty = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->prev = t->next = NULL;
}

void net_sched_note_rx(net_listener *l, net_ws *ws, size_t len)
{
	net_sched *s = &l->sched;
	if (ws->rx_turn != s->turn) {
		ws->rx_turn = s->turn;
		ws->rx_turn_bytes = 0;
	}
	uint32_t before = ws->rx_turn_bytes;
	ws->rx_turn_bytes += (uint32_t)len + 6; /* a client frame's header and mask */
	if (before < NET_RX_HEAVY && ws->rx_turn_bytes >= NET_RX_HEAVY &&
	    s->nheavy < NET_RX_HEAVY_MAX)
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

/* Each task is taken off the list before its flush runs: the flush may end
 * the connection (and lws free the memory the task lives in) or mark
 * others. */
static void run_all(net_listener *l)
{
	net_task *t;
	while ((t = l->sched.dirty)) {
		net_sched_cancel(l, t);
		t->run(t);
	}
}

static void on_flush(uv_prepare_t *p)
{
	net_listener *l = p->data;
	net_sched *s = &l->sched;
	s->turn++;
	if (s->nheavy && s->dirty && s->ndefer < NET_FLUSH_DEFER_MAX && more_input_waiting(s)) {
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
	while (s->dirty)
		net_sched_cancel(l, s->dirty);
	uv_prepare_stop(&s->flush);
	uv_close((uv_handle_t *)&s->flush, NULL);
	uv_idle_stop(&s->nowait);
	uv_close((uv_handle_t *)&s->nowait, NULL);
}
