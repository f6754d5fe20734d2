/* timer.h - deadline lists: many timeouts of one fixed duration, one
 * libuv timer.
 *
 * Every session waits on timeouts whose duration is fixed per server (ping
 * interval, ping timeout, upgrade timeout). Deadlines armed with the same
 * duration expire in the order they were armed, so a FIFO list is already
 * sorted: arming and cancelling are O(1) list operations, and one uv timer
 * per server, set to the earliest head, replaces a uv_timer_t (152 bytes)
 * per session and timeout.
 */
#ifndef BASE_TIMER_H
#define BASE_TIMER_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

typedef struct base_tlink {
	struct base_tlink *prev, *next; /* NULL when not armed */
	uint64_t due;                   /* loop time, ms */
} base_tlink;

typedef struct base_tlist {
	base_tlink *head, *tail;
	uint64_t ms; /* the list's fixed duration */
} base_tlist;

#define BASE_TLISTS 5

typedef struct base_timers {
	uv_timer_t timer;
	base_tlist lists[BASE_TLISTS];
	/* Called for each expired link, in order, with the list's index. */
	void (*expire)(struct base_timers *t, int list, base_tlink *link);
	uint64_t armed_due; /* when the uv timer fires; 0: idle */
} base_timers;

void base_timers_init(base_timers *t, uv_loop_t *loop,
                      void (*expire)(base_timers *, int, base_tlink *));
void base_timers_set_ms(base_timers *t, int list, uint64_t ms);
/* (Re)arm link on list: due now + the list's duration. */
void base_timers_arm(base_timers *t, int list, base_tlink *link);
/* Disarm link if armed (on whichever list of t it is). */
void base_timers_cancel(base_timers *t, int list, base_tlink *link);
static inline bool base_tlink_armed(const base_tlink *l)
{
	return l->due != 0;
}
/* Close the uv timer (the loop must run once more before t is freed). */
void base_timers_close(base_timers *t, uv_close_cb cb);

#endif
