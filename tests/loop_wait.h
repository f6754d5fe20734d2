/* loop_wait.h - run a libuv loop until a condition holds, under a watchdog,
 * so that an event that never comes fails the test (the caller asserts the
 * result) instead of hanging it. Shared by the Redis tests
 * (test_redis_conn.c, test_redis_ingest.c, redis_fleet.h), whose conditions
 * read their own globals. (loop_drain.h does the same for a flag.)
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

/* Run loop until pred() or ms pass; returns pred(). */
static __attribute__((unused)) bool loop_wait_until(uv_loop_t *loop, bool (*pred)(void),
                                                    unsigned ms)
{
	uv_timer_t wd;
	uv_timer_init(loop, &wd);
	loop_wait_fired = false;
	uv_timer_start(&wd, loop_wait_on_watchdog, ms, 0);
	while (!pred() && !loop_wait_fired)
		uv_run(loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&wd, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
	return pred();
}

#endif
