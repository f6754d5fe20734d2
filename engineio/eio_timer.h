/* eio_timer.h - deadline lists: many timeouts of one fixed duration, one
 * libuv timer.
 *
 * Every session waits on timeouts whose duration is fixed per server (ping
 * interval, ping timeout, upgrade timeout). Deadlines armed with the same
 * duration expire in the order they were armed, so a FIFO list is already
 * sorted: arming and cancelling are O(1) list operations, and one uv timer
 * per server, set to the earliest head, replaces a uv_timer_t (152 bytes)
 * per session and timeout.
 */
#ifndef EIO_TIMER_H
#define EIO_TIMER_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

typedef struct eio_tlink {
	struct eio_tlink *prev, *next; /* NULL when not armed */
	uint64_t due;                  /* loop time, ms */
} eio_tlink;

typedef struct eio_tlist {
	eio_tlink *head, *tail;
	uint64_t ms; /* the list's fixed duration */
} eio_tlist;

#define EIO_TLISTS 4

typedef struct eio_timers {
	uv_timer_t timer;
	eio_tlist lists[EIO_TLISTS];
	/* Called for each expired link, in order, with the list's index. */
	void (*expire)(struct eio_timers *t, int list, eio_tlink *link);
	uint64_t armed_due; /* when the uv timer fires; 0: idle */
} eio_timers;

void eio_timers_init(eio_timers *t, uv_loop_t *loop,
                     void (*expire)(eio_timers *, int, eio_tlink *));
void eio_timers_set_ms(eio_timers *t, int list, uint64_t ms);
/* (Re)arm link on list: due now + the list's duration. */
void eio_timers_arm(eio_timers *t, int list, eio_tlink *link);
/* Disarm link if armed (on whichever list of t it is). */
void eio_timers_cancel(eio_timers *t, int list, eio_tlink *link);
static inline bool eio_tlink_armed(const eio_tlink *l)
{
	return l->due != 0;
}
/* Close the uv timer (the loop must run once more before t is freed). */
void eio_timers_close(eio_timers *t, uv_close_cb cb);

#endif
