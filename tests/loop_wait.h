/* loop_wait.h - run a libuv loop under a watchdog, so that an event that
 * never comes, or a handle left open, fails the test (the caller asserts the
 * result) instead of hanging it: until a condition holds, or until the loop
 * ends by itself. Shared by the fixtures that run a real loop (loop_drain.h
 * for the listeners, redis_fleet.h, test_redis_conn.c, test_redis_ingest.c).
 */
#ifndef LOOP_WAIT_H
#define LOOP_WAIT_H

#include <stdbool.h>
#include <uv.h>

static bool loop_wait_fired;

static __attribute__((unused)) void loop_wait_on_watchdog(uv_timer_t *t)
{
	(void)t;
	loop_wait_fired = true;
}

/* Run loop until pred(arg) or ms pass; returns pred(arg). */
static __attribute__((unused)) bool loop_wait_until_arg(uv_loop_t *loop, bool (*pred)(void *),
                                                        void *arg, unsigned ms)
{
	uv_timer_t wd;
	uv_timer_init(loop, &wd);
	loop_wait_fired = false;
	uv_timer_start(&wd, loop_wait_on_watchdog, ms, 0);
	while (!pred(arg) && !loop_wait_fired)
		uv_run(loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&wd, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
	return pred(arg);
}

struct loop_wait_pred {
	bool (*pred)(void);
};

static __attribute__((unused)) bool loop_wait_call(void *p)
{
	return ((struct loop_wait_pred *)p)->pred();
}

/* The same for a condition on globals: pred(). */
static __attribute__((unused)) bool loop_wait_until(uv_loop_t *loop, bool (*pred)(void),
                                                    unsigned ms)
{
	struct loop_wait_pred p = { pred };
	return loop_wait_until_arg(loop, loop_wait_call, &p, ms);
}

/* Run loop until it ends by itself (every handle closed) or ms pass (the
 * watchdog does not keep it alive). Returns uv_run's last result: 0 when
 * the loop ended. */
static __attribute__((unused)) int loop_wait_drain(uv_loop_t *loop, unsigned ms)
{
	uv_timer_t wd;
	uv_timer_init(loop, &wd);
	uv_unref((uv_handle_t *)&wd);
	loop_wait_fired = false;
	uv_timer_start(&wd, loop_wait_on_watchdog, ms, 0);
	int alive = 0;
	while (!loop_wait_fired && (alive = uv_run(loop, UV_RUN_ONCE)) != 0)
		;
	uv_close((uv_handle_t *)&wd, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
	return alive;
}

#endif
