/* test_net_sched.c - Check tests of net/net_sched.c, the end-of-turn write
 * scheduler, on a real net listener (127.0.0.1, port 0) and libuv loop.
 *
 * What the transports rely on: a connection marked any number of times in a
 * loop turn is flushed once, at the end of that turn (so a burst of sends is
 * one write); an unmarked one is not (its connection is gone, its memory may
 * be freed); one marked by another's flush is still flushed in the same
 * pass; and a listener that closes with connections marked flushes none of
 * them and leaves the loop with no handle. The requests here are made as
 * the router makes them, without a client.
 */
#include <check.h>
#include <stddef.h>

#include "net/net.h"
#include "check_main.h"

static uv_loop_t loop;
static net_listener *L;

/* A request as the router makes it (the listener set), with an owner whose
 * flush counts its runs and may mark another request. */
typedef struct counted {
	net_http h;
	int runs;
	struct counted *chain; /* marked by this one's flush */
} counted;

static void on_flush(net_http *h)
{
	counted *c = (counted *)((char *)h - offsetof(counted, h));
	c->runs++;
	if (c->chain)
		net_http_mark(&c->chain->h);
}

static const net_http_ops counting = { .flush = on_flush };

static void init(counted *c)
{
	c->h.l = L;
	c->h.ops = &counting;
}

static bool marked(const counted *c)
{
	return c->h.dirty.next != NULL;
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
	counted a = { 0 };
	init(&a);
	net_http_mark(&a.h);
	net_http_mark(&a.h);
	net_http_mark(&a.h);
	ck_assert(marked(&a));
	ck_assert_int_eq(a.runs, 0); /* not before the turn ends */
	one_turn();
	ck_assert_int_eq(a.runs, 1);
	ck_assert(!marked(&a));
	one_turn();
	ck_assert_int_eq(a.runs, 1); /* not again unless marked again */
	net_http_mark(&a.h);
	one_turn();
	ck_assert_int_eq(a.runs, 2);
}
END_TEST

START_TEST(test_cancelled_does_not_run)
{
	counted a = { 0 }, b = { 0 }, c = { 0 };
	init(&a);
	init(&b);
	init(&c);
	net_http_mark(&a.h);
	net_http_mark(&b.h);
	net_http_mark(&c.h);
	net_http_unmark(&b.h); /* from the middle of the list */
	net_http_unmark(&b.h); /* twice is harmless */
	ck_assert(!marked(&b));
	one_turn();
	ck_assert_int_eq(a.runs, 1);
	ck_assert_int_eq(b.runs, 0);
	ck_assert_int_eq(c.runs, 1);
}
END_TEST

START_TEST(test_marked_by_a_flush_runs_in_the_same_pass)
{
	counted b = { 0 }, a = { .chain = &b };
	init(&a);
	init(&b);
	net_http_mark(&a.h);
	one_turn();
	ck_assert_int_eq(a.runs, 1);
	ck_assert_int_eq(b.runs, 1);
}
END_TEST

START_TEST(test_close_runs_nothing)
{
	counted a = { 0 };
	init(&a);
	net_http_mark(&a.h);
	net_listener_close(L);
	ck_assert(!marked(&a));
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
	return check_main_run(sched_suite());
}
