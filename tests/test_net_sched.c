/* test_net_sched.c - Check tests of net/net_sched.c, the end-of-turn write
 * scheduler, on a real net listener (127.0.0.1, port 0) and libuv loop.
 *
 * What the transports rely on: a task marked any number of times in a loop
 * turn runs once, at the end of that turn (so a burst of sends is one write);
 * a cancelled task does not run (its connection is gone, its memory may be
 * freed); a task marked by another task's flush still runs in the same pass;
 * and a listener that closes with tasks marked runs none of them and leaves
 * the loop with no handle.
 */
#include <check.h>
#include <stddef.h>

#include "net/net.h"

static uv_loop_t loop;
static net_listener *L;

typedef struct counted {
	net_task task;
	int runs;
	struct counted *chain; /* marked by this one's run */
} counted;

static void on_run(net_task *t)
{
	counted *c = (counted *)((char *)t - offsetof(counted, task));
	c->runs++;
	if (c->chain)
		net_sched_mark(L, &c->chain->task);
}

static void setup(void)
{
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	int err = 0;
	L = net_listener_new(&loop, "127.0.0.1", 0, &err);
	ck_assert_msg(L != NULL, "net_listener_new failed: %d", err);
}

static void teardown(void)
{
	if (L) {
		net_listener_close(L);
		ck_assert_int_eq(uv_run(&loop, UV_RUN_DEFAULT), 0);
		net_listener_free(L);
		L = NULL;
	}
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}

/* One turn of the loop that does not block: the end-of-turn flush runs. */
static void one_turn(void)
{
	uv_run(&loop, UV_RUN_NOWAIT);
}

START_TEST(test_marked_runs_once_per_turn)
{
	counted a = { .task.run = on_run };
	net_sched_mark(L, &a.task);
	net_sched_mark(L, &a.task);
	net_sched_mark(L, &a.task);
	ck_assert(a.task.queued);
	ck_assert_int_eq(a.runs, 0); /* not before the turn ends */
	one_turn();
	ck_assert_int_eq(a.runs, 1);
	ck_assert(!a.task.queued);
	one_turn();
	ck_assert_int_eq(a.runs, 1); /* not again unless marked again */
	net_sched_mark(L, &a.task);
	one_turn();
	ck_assert_int_eq(a.runs, 2);
}
END_TEST

START_TEST(test_cancelled_does_not_run)
{
	counted a = { .task.run = on_run }, b = { .task.run = on_run }, c = { .task.run = on_run };
	net_sched_mark(L, &a.task);
	net_sched_mark(L, &b.task);
	net_sched_mark(L, &c.task);
	net_sched_cancel(L, &b.task); /* from the middle of the list */
	net_sched_cancel(L, &b.task); /* twice is harmless */
	ck_assert(!b.task.queued);
	one_turn();
	ck_assert_int_eq(a.runs, 1);
	ck_assert_int_eq(b.runs, 0);
	ck_assert_int_eq(c.runs, 1);
}
END_TEST

START_TEST(test_marked_by_a_flush_runs_in_the_same_pass)
{
	counted b = { .task.run = on_run };
	counted a = { .task.run = on_run, .chain = &b };
	net_sched_mark(L, &a.task);
	one_turn();
	ck_assert_int_eq(a.runs, 1);
	ck_assert_int_eq(b.runs, 1);
}
END_TEST

START_TEST(test_close_runs_nothing)
{
	counted a = { .task.run = on_run };
	net_sched_mark(L, &a.task);
	net_listener_close(L);
	ck_assert(!a.task.queued);
	ck_assert_int_eq(uv_run(&loop, UV_RUN_DEFAULT), 0);
	ck_assert_int_eq(a.runs, 0);
	net_listener_free(L);
	L = NULL;
}
END_TEST

static Suite *sched_suite(void)
{
	Suite *s = suite_create("net_sched");
	TCase *tc = tcase_create("sched");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_marked_runs_once_per_turn);
	tcase_add_test(tc, test_cancelled_does_not_run);
	tcase_add_test(tc, test_marked_by_a_flush_runs_in_the_same_pass);
	tcase_add_test(tc, test_close_runs_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sched_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
