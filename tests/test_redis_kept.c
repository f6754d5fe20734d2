/* test_redis_kept.c - Check tests of the broadcasts kept for recovery on
 * the Redis adapter's connections (redis_conn_publish_kept in
 * modules/redis/redis_conn.c), against a real redis-server
 * (tests/redis_conn_fixture.h).
 *
 * What recovery across a fleet relies on: a kept broadcast is published and
 * appended to its stream (field m, the same bytes) together, also when it
 * waited in the queue while Redis was away, in order with plain publishes;
 * its script goes by SHA-1 (EVALSHA), whose value is that of the text, and
 * again by text when Redis's script cache lacks it (a restarted Redis,
 * SCRIPT FLUSH), none lost nor doubled.
 */
#include <openssl/sha.h>

#include "redis_conn_fixture.h"
#include "check_main.h"

/* A command on a plain connection of the test's own. */
static redisReply *sync_cmd(const char *fmt, const char *arg)
{
	redisContext *rc = redisConnect("127.0.0.1", srv.port);
	ck_assert(rc && !rc->err);
	redisReply *r = redisCommand(rc, fmt, arg);
	ck_assert_ptr_nonnull(r);
	redisFree(rc);
	return r;
}

/* The stream's entries have field m, in order, with these payloads. */
static void check_stream(const char *key, const char *const *want, size_t n)
{
	redisReply *r = sync_cmd("XRANGE %s - +", key);
	ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
	ck_assert_uint_eq(r->elements, n);
	for (size_t i = 0; i < n; i++) {
		redisReply *f = r->element[i]->element[1];
		ck_assert_uint_eq(f->elements, 2);
		ck_assert_str_eq(f->element[0]->str, "m");
		ck_assert_uint_eq(f->element[1]->len, strlen(want[i]));
		ck_assert_mem_eq(f->element[1]->str, want[i], strlen(want[i]));
	}
	freeReplyObject(r);
}

/* How many EVALSHA Redis ran (INFO commandstats), answered or not. */
static long evalsha_calls(void)
{
	redisReply *r = sync_cmd("INFO %s", "commandstats");
	ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
	const char *at = strstr(r->str, "cmdstat_evalsha:calls=");
	long n = at ? strtol(at + strlen("cmdstat_evalsha:calls="), NULL, 10) : 0;
	freeReplyObject(r);
	return n;
}

static void check_payloads(const char *const *want, int n)
{
	want_msgs = n;
	ck_assert(run_until(a_has_msgs));
	for (int i = 0; i < n; i++) {
		ck_assert_uint_eq(A.msgs[i].len, strlen(want[i]));
		ck_assert_mem_eq(A.msgs[i].payload, want[i], strlen(want[i]));
	}
}

/* A broadcast kept for recovery: the message and its stream entry (field m,
 * the same bytes) together, also when it waited in the queue while Redis was
 * away; a plain publish queued after it keeps its place and adds no entry.
 * The restarted Redis has no script: the first goes as EVAL, the next as
 * EVALSHA. */
START_TEST(test_publish_kept)
{
	open_default(&A);
	redis_conn_subscribe(A.c, "k");
	redis_conn_stream_trim(A.c, 100, 60000);
	ck_assert(run_until(a_up));
	a_loses_redis();
	ck_assert_int_eq(redis_conn_publish_kept(A.c, "k", "st", "m2", 2), 0);
	ck_assert_int_eq(redis_conn_publish(A.c, "k", "p3", 2), 0);
	ck_assert_int_eq(redis_conn_publish_kept(A.c, "k", "st", "m4", 2), 0);
	ck_assert(redis_server_run(&srv));
	ck_assert(run_until(a_up));
	check_payloads((const char *[]){ "m2", "p3", "m4" }, 3);
	want_published = 3;
	ck_assert(run_until(a_published));
	check_stream("st", (const char *[]){ "m2", "m4" }, 2);
	ck_assert_int_eq(evalsha_calls(), 1);
}
END_TEST

/* Redis's script cache emptied while up (SCRIPT FLUSH): the kept publishes
 * sent by name get NOSCRIPT and go again with the text; none is lost or
 * doubled, and the next goes by name again. */
START_TEST(test_publish_kept_noscript)
{
	open_default(&A);
	redis_conn_subscribe(A.c, "k");
	redis_conn_stream_trim(A.c, 100, 60000);
	ck_assert(run_until(a_up));
	ck_assert_int_eq(redis_conn_publish_kept(A.c, "k", "st", "m1", 2), 0);
	ck_assert_int_eq(redis_conn_publish_kept(A.c, "k", "st", "m2", 2), 0);
	want_published = 2;
	ck_assert(run_until(a_published));
	ck_assert_int_eq(evalsha_calls(), 1);
	freeReplyObject(sync_cmd("SCRIPT %s", "FLUSH"));
	ck_assert_int_eq(redis_conn_publish_kept(A.c, "k", "st", "m3", 2), 0);
	ck_assert_int_eq(redis_conn_publish_kept(A.c, "k", "st", "m4", 2), 0);
	want_published = 4;
	ck_assert(run_until(a_published));
	ck_assert_int_eq(evalsha_calls(), 3); /* m3 and m4, refused */
	ck_assert_int_eq(redis_conn_publish_kept(A.c, "k", "st", "m5", 2), 0);
	want_published = 5;
	ck_assert(run_until(a_published));
	ck_assert_int_eq(evalsha_calls(), 4);
	check_payloads((const char *[]){ "m1", "m2", "m3", "m4", "m5" }, 5);
	check_stream("st", (const char *[]){ "m1", "m2", "m3", "m4", "m5" }, 5);
	sio_redis_stats s;
	redis_conn_stats(A.c, &s);
	ck_assert_uint_eq(s.publish_dropped, 0);
	ck_assert_uint_eq(s.queued_bytes, 0);
}
END_TEST

/* The SHA-1 the script is sent by is that of its text, by OpenSSL and by
 * Redis (SCRIPT LOAD answers the name it caches it under). */
START_TEST(test_kept_sha1)
{
	const char *sha1;
	const char *text = redis_conn_kept_script(&sha1);
	unsigned char d[SHA_DIGEST_LENGTH];
	SHA1((const unsigned char *)text, strlen(text), d);
	char hex[2 * SHA_DIGEST_LENGTH + 1];
	for (int i = 0; i < SHA_DIGEST_LENGTH; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	ck_assert_str_eq(sha1, hex);
	redisReply *r = sync_cmd("SCRIPT LOAD %s", text);
	ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
	ck_assert_str_eq(r->str, sha1);
	freeReplyObject(r);
}
END_TEST

static Suite *redis_kept_suite(void)
{
	Suite *s = suite_create("redis_kept");
	TCase *tc = tcase_create("kept");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_publish_kept);
	tcase_add_test(tc, test_publish_kept_noscript);
	tcase_add_test(tc, test_kept_sha1);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(redis_kept_suite());
}
