/* loop_drain.h - shared by the Check fixtures that run a real listener:
 * run the loop until a flag is set, and close the listener and run its loop
 * until the loop ends by itself (every handle closed), each under a watchdog
 * so that an event that never comes, or a handle left behind, fails the test
 * instead of hanging it. */
#ifndef LOOP_DRAIN_H
#define LOOP_DRAIN_H

#include <stdbool.h>
#include <uv.h>

#include "engineio.h"
#include "loop_wait.h"

static __attribute__((unused)) bool loop_drain_flag_set(void *flag)
{
	return *(bool *)flag;
}

/* Run the loop until *flag is set or ms pass; returns *flag. */
static __attribute__((unused)) bool run_loop_until_flag(uv_loop_t *loop, bool *flag, unsigned ms)
{
	return loop_wait_until_arg(loop, loop_drain_flag_set, flag, ms);
}

/* eio_listener_close(l), then uv_run until the loop ends or ms pass.
 * Returns uv_run's last result: 0 when the loop ended by itself. */
static __attribute__((unused)) int close_and_drain(uv_loop_t *loop, eio_listener *l, unsigned ms)
{
	eio_listener_close(l);
	return loop_wait_drain(loop, ms);
}

/* The fixtures' teardown: close the listener *lp and drain the loop, free
 * the listener, close the loop. Returns NULL, or what went wrong. */
static __attribute__((unused)) const char *listener_teardown(uv_loop_t *loop, eio_listener **lp,
                                                             unsigned ms)
{
	int alive = close_and_drain(loop, *lp, ms);
	eio_listener_free(*lp);
	*lp = NULL;
	if (alive != 0)
		return "loop still alive after eio_listener_close";
	return uv_loop_close(loop) == 0 ? NULL : "uv_loop_close failed: a handle is still open";
}

#endif
