/* timer.c - deadline lists for fixed-duration timeouts (see the header).
 *
 * The lists are FIFO because each holds one duration: a link armed later is
 * due later. The uv timer is set to the earliest head; when it fires every
 * expired head is popped and handed to the expire callback, which may arm or
 * cancel links (its own included) before the next one is taken.
 */
#include "base/timer.h"

#include <string.h>

static void on_timer(uv_timer_t *ut);

void base_timers_init(base_timers *t, uv_loop_t *loop,
                      void (*expire)(base_timers *, int, base_tlink *))
{
	memset(t, 0, sizeof(*t));
	uv_timer_init(loop, &t->timer);
	t->timer.data = t;
	t->expire = expire;
}

void base_timers_set_ms(base_timers *t, int list, uint64_t ms)
{
	t->lists[list].ms = ms;
}

static void unlink_(base_tlist *l, base_tlink *k)
{
	if (k->prev)
		k->prev->next = k->next;
	else
		l->head = k->next;
	if (k->next)
		k->next->prev = k->prev;
	else
		l->tail = k->prev;
	k->prev = k->next = NULL;
	k->due = 0;
}

/* Point the uv timer at the earliest head, if that is sooner than now set. */
static void schedule(base_timers *t)
{
	uint64_t first = 0;
	for (int i = 0; i < BASE_TLISTS; i++) {
		base_tlink *h = t->lists[i].head;
		if (h && (first == 0 || h->due < first))
			first = h->due;
	}
	if (first == 0) {
		if (t->armed_due) {
			uv_timer_stop(&t->timer);
			t->armed_due = 0;
		}
		return;
	}
	if (t->armed_due && t->armed_due <= first)
		return;
	uint64_t now = uv_now(t->timer.loop);
	t->armed_due = first;
	uv_timer_start(&t->timer, on_timer, first > now ? first - now : 0, 0);
}

void base_timers_arm(base_timers *t, int list, base_tlink *link)
{
	base_tlist *l = &t->lists[list];
	if (base_tlink_armed(link))
		unlink_(l, link);
	/* due 0 means "not armed" */
	uint64_t due = uv_now(t->timer.loop) + l->ms;
	link->due = due ? due : 1;
	link->next = NULL;
	link->prev = l->tail;
	if (l->tail)
		l->tail->next = link;
	else
		l->head = link;
	l->tail = link;
	schedule(t);
}

void base_timers_cancel(base_timers *t, int list, base_tlink *link)
{
	if (!base_tlink_armed(link))
		return;
	unlink_(&t->lists[list], link);
	/* With nothing left to wait for, the uv timer must not keep the
	 * loop alive. */
	schedule(t);
}

static void on_timer(uv_timer_t *ut)
{
	base_timers *t = ut->data;
	t->armed_due = 0;
	uint64_t now = uv_now(ut->loop);
	for (int i = 0; i < BASE_TLISTS; i++) {
		base_tlink *h;
		while ((h = t->lists[i].head) && h->due <= now) {
			unlink_(&t->lists[i], h);
			t->expire(t, i, h);
		}
	}
	schedule(t);
}

void base_timers_close(base_timers *t, uv_close_cb cb)
{
	uv_timer_stop(&t->timer);
	uv_close((uv_handle_t *)&t->timer, cb);
}
