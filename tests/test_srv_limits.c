/* test_srv_limits.c - Check unit tests for srv_ratelimit, the counter table
 * behind every sio-server rate limit (events per user, connection attempts
 * per IP, join/leave events). What a user relies on: the first `limit` hits
 * of a window pass and the next are refused (and only the first refusal is
 * marked as such); a new window starts a fresh count; keys are independent;
 * the table forgets keys whose window ended and never holds more than its
 * cap, evicting the oldest window. Time is injected (plain numbers): no
 * sleeps. Clean under valgrind, CK_FORK=no.
 */
#include "check_main.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "../apps/sio-server/srv_ratelimit.h"

#define MIN 60000u

static srv_ratelimit *rl;

static void teardown(void)
{
	srv_ratelimit_free(rl);
	rl = NULL;
}

START_TEST(limit_then_refused)
{
	rl = srv_ratelimit_new(100, MIN, 1000);
	ck_assert_ptr_nonnull(rl);
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(srv_ratelimit_hit(rl, "u:1", 1000 + (uint64_t)i), SRV_RL_OK);
	ck_assert_int_eq(srv_ratelimit_hit(rl, "u:1", 2000), SRV_RL_EXCEEDED);
	ck_assert_int_eq(srv_ratelimit_hit(rl, "u:1", 2001), SRV_RL_EXCEEDED_AGAIN);
	for (int i = 0; i < 1000; i++) /* stays refused, no counter overflow */
		ck_assert_int_eq(srv_ratelimit_hit(rl, "u:1", 3000), SRV_RL_EXCEEDED_AGAIN);
}
END_TEST

START_TEST(window_is_fixed_from_first_hit)
{
	rl = srv_ratelimit_new(2, MIN, 1000);
	ck_assert_int_eq(srv_ratelimit_hit(rl, "k", 10000), SRV_RL_OK);
	ck_assert_int_eq(srv_ratelimit_hit(rl, "k", 50000), SRV_RL_OK);
	ck_assert_int_eq(srv_ratelimit_hit(rl, "k", 69999), SRV_RL_EXCEEDED);
	/* the window began at 10000: it ends at 70000, whatever came later */
	ck_assert_int_eq(srv_ratelimit_hit(rl, "k", 70000), SRV_RL_OK);
	ck_assert_int_eq(srv_ratelimit_hit(rl, "k", 70001), SRV_RL_OK);
	ck_assert_int_eq(srv_ratelimit_hit(rl, "k", 129999), SRV_RL_EXCEEDED);
	ck_assert_int_eq(srv_ratelimit_hit(rl, "k", 130000), SRV_RL_OK);
}
END_TEST

START_TEST(keys_are_independent)
{
	rl = srv_ratelimit_new(1, MIN, 1000);
	ck_assert_int_eq(srv_ratelimit_hit(rl, "u:alice", 0), SRV_RL_OK);
	ck_assert_int_eq(srv_ratelimit_hit(rl, "u:alice", 1), SRV_RL_EXCEEDED);
	ck_assert_int_eq(srv_ratelimit_hit(rl, "u:bob", 2), SRV_RL_OK);
	ck_assert_int_eq(srv_ratelimit_hit(rl, "a:127.0.0.1", 3), SRV_RL_OK);
	ck_assert_int_eq(srv_ratelimit_hit(rl, "u:bob", 4), SRV_RL_EXCEEDED);
	ck_assert_int_eq(srv_ratelimit_hit(rl, "u:alic", 5), SRV_RL_OK); /* prefix */
	ck_assert_uint_eq(srv_ratelimit_size(rl), 4);
}
END_TEST

START_TEST(ended_windows_are_forgotten)
{
	rl = srv_ratelimit_new(5, MIN, 100000);
	char key[32];
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "ip-%d", i);
		ck_assert_int_eq(srv_ratelimit_hit(rl, key, (uint64_t)i), SRV_RL_OK);
	}
	ck_assert_uint_eq(srv_ratelimit_size(rl), 5000);
	/* at 60000 + 2499 the windows of ip-0..ip-2499 have ended */
	ck_assert_int_eq(srv_ratelimit_hit(rl, "ip-4999", MIN + 2499), SRV_RL_OK);
	ck_assert_uint_eq(srv_ratelimit_size(rl), 2500);
	/* one much later hit leaves only its own key */
	ck_assert_int_eq(srv_ratelimit_hit(rl, "late", 10 * MIN), SRV_RL_OK);
	ck_assert_uint_eq(srv_ratelimit_size(rl), 1);
	/* ip-0 comes back with a fresh window */
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(srv_ratelimit_hit(rl, "ip-0", 10 * MIN + 1), SRV_RL_OK);
	ck_assert_int_eq(srv_ratelimit_hit(rl, "ip-0", 10 * MIN + 1), SRV_RL_EXCEEDED);
}
END_TEST

START_TEST(cap_evicts_the_oldest_window)
{
	rl = srv_ratelimit_new(1, MIN, 3);
	ck_assert_int_eq(srv_ratelimit_hit(rl, "a", 0), SRV_RL_OK);
	ck_assert_int_eq(srv_ratelimit_hit(rl, "b", 1), SRV_RL_OK);
	ck_assert_int_eq(srv_ratelimit_hit(rl, "c", 2), SRV_RL_OK);
	ck_assert_int_eq(srv_ratelimit_hit(rl, "d", 3), SRV_RL_OK); /* evicts a */
	ck_assert_uint_eq(srv_ratelimit_size(rl), 3);
	ck_assert_int_eq(srv_ratelimit_hit(rl, "b", 4), SRV_RL_EXCEEDED); /* kept */
	ck_assert_int_eq(srv_ratelimit_hit(rl, "d", 5), SRV_RL_EXCEEDED);
	ck_assert_int_eq(srv_ratelimit_hit(rl, "a", 6), SRV_RL_OK); /* forgotten: evicts b */
	ck_assert_uint_eq(srv_ratelimit_size(rl), 3);
	ck_assert_int_eq(srv_ratelimit_hit(rl, "b", 7), SRV_RL_OK);
	/* a flood of distinct keys never grows the table past its cap */
	char key[32];
	for (int i = 0; i < 10000; i++) {
		snprintf(key, sizeof(key), "flood-%d", i);
		srv_ratelimit_hit(rl, key, 8);
		ck_assert_uint_le(srv_ratelimit_size(rl), 3);
	}
}
END_TEST

START_TEST(many_keys_grow_the_table)
{
	rl = srv_ratelimit_new(2, MIN, 100000);
	char key[32];
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 20000; i++) {
			snprintf(key, sizeof(key), "user-%d", i);
			ck_assert_int_eq(srv_ratelimit_hit(rl, key, 100),
			                 round < 2 ? SRV_RL_OK : SRV_RL_EXCEEDED);
		}
	ck_assert_uint_eq(srv_ratelimit_size(rl), 20000);
}
END_TEST

START_TEST(bad_parameters)
{
	ck_assert_ptr_null(srv_ratelimit_new(0, MIN, 10));
	ck_assert_ptr_null(srv_ratelimit_new(1, 0, 10));
	ck_assert_ptr_null(srv_ratelimit_new(1, MIN, 0));
	ck_assert_uint_eq(srv_ratelimit_size(NULL), 0);
	srv_ratelimit_free(NULL);
}
END_TEST

static Suite *limits_suite(void)
{
	Suite *s = suite_create("srv_ratelimit");
	TCase *tc = tcase_create("table");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, limit_then_refused);
	tcase_add_test(tc, window_is_fixed_from_first_hit);
	tcase_add_test(tc, keys_are_independent);
	tcase_add_test(tc, ended_windows_are_forgotten);
	tcase_add_test(tc, cap_evicts_the_oldest_window);
	tcase_add_test(tc, many_keys_grow_the_table);
	tcase_add_test(tc, bad_parameters);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(limits_suite());
}
