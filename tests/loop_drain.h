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

static bool drain_watchdog_fired;

static __attribute__((unused)) void drain_on_watchdog(uv_timer_t *t)
{
	(void)t;
	drain_watchdog_fired = true;
}

/* Run the loop until *flag is set or ms pass; returns *flag. */
static __attribute__((unused)) bool run_loop_until_flag(uv_loop_t *loop, bool *flag, unsigned ms)
{
	uv_timer_t wd;
	uv_timer_init(loop, &wd);
	drain_watchdog_fired = false;
	uv_timer_start(&wd, drain_on_watchdog, ms, 0);
	while (!*flag && !drain_watchdog_fired)
		uv_run(loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&wd, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
	return *flag;
}

/* eio_listener_close(l), then uv_run until the loop ends or ms pass.
 * Returns uv_run's last result: 0 when the loop ended by itself. */
static __attribute__((unused)) int close_and_drain(uv_loop_t *loop, eio_listener *l, unsigned ms)
{
	eio_listener_close(l);
	uv_timer_t wd;
	uv_timer_init(loop, &wd);
	uv_unref((uv_handle_t *)&wd);
	drain_watchdog_fired = false;
	uv_timer_start(&wd, drain_on_watchdog, ms, 0);
	int alive = 0;
	while (!drain_watchdog_fired && (alive = uv_run(loop, UV_RUN_ONCE)) != 0)
		;
	uv_close((uv_handle_t *)&wd, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
	return alive;
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
