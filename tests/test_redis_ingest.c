/* test_redis_ingest.c - Check tests of the Redis ingest (socketio/redis.h,
 * modules/redis/redis_ingest.c, redis_stream.c, redis_client.c) against a
 * real redis-server each test starts on a free loopback port
 * (tests/redis_server.h); the test plays the publishers with hiredis's
 * synchronous client.
 *
 * What sio-server relies on: a message PUBLISHed on a channel reaches every
 * ingesting process; a stream entry reaches exactly one member of the group
 * and is acknowledged (nothing left pending); an entry a dead consumer read
 * and never acknowledged is claimed after the min-idle time and handed over
 * once; an entry without the payload field is handed over with no payload
 * and acknowledged; a group that already exists is used; Redis restarted:
 * the group is made again and new entries flow; bad options refused; free
 * from inside the callback; the loop ends by itself after free.
 */
#include <check.h>
#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "loop_wait.h"
#include "redis_server.h"
#include "socketio/redis.h"
#include "check_main.h"

#define WAIT_MS  10000
#define MAX_MSGS 256

typedef struct got {
	char source[64];
	char id[64];
	char payload[128];
	bool has_payload, stream, claimed;
} got;

typedef struct member {
	sio_redis_ingest *g;
	got msgs[MAX_MSGS];
	int n;
	bool up[2]; /* channels, streams */
	bool free_in_callback;
} member;

static uv_loop_t loop;
static redis_server srv;
static member A, B;
static redisContext *cli;

static void on_msg(const sio_redis_ingest_msg *m, void *user)
{
	member *t = user;
	if (t->n < MAX_MSGS) {
		got *x = &t->msgs[t->n++];
		snprintf(x->source, sizeof x->source, "%s", m->source);
		snprintf(x->id, sizeof x->id, "%s", m->id ? m->id : "");
		x->has_payload = m->payload != NULL;
		if (m->payload)
			snprintf(x->payload, sizeof x->payload, "%.*s", (int)m->len, m->payload);
		x->stream = m->stream;
		x->claimed = m->claimed;
	}
	if (t->free_in_callback) {
		sio_redis_ingest_free(t->g);
		t->g = NULL;
	}
}

static void on_state(sio_redis_ingest *g, const char *what, bool up, const char *reason, void *user)
{
	(void)g;
	(void)reason;
	member *t = user;
	t->up[!strcmp(what, "streams")] = up;
}

static void conn_options(sio_redis_options *o)
{
	sio_redis_options_init(o);
	o->port = srv.port;
	o->reconnect_min_ms = 20;
	o->reconnect_max_ms = 200;
}

static void ingest_options(sio_redis_ingest_options *o, const char *const *ch, size_t nch,
                           const char *const *st, size_t nst, const char *consumer)
{
	sio_redis_ingest_options_init(o);
	o->channels = ch;
	o->nchannels = nch;
	o->streams = st;
	o->nstreams = nst;
	o->group = "g";
	o->consumer = consumer;
	o->block_ms = 100;
	o->claim_min_idle_ms = 300;
	o->claim_interval_ms = 100;
}

static void start(member *t, const sio_redis_ingest_options *io)
{
	sio_redis_options o;
	conn_options(&o);
	char err[256] = "";
	memset(t, 0, sizeof *t);
	t->g = sio_redis_ingest_new(&loop, &o, io, on_msg, t, err, sizeof err);
	ck_assert_msg(t->g != NULL, "%s", err);
	sio_redis_ingest_on_state(t->g, on_state, t);
}

static bool run_until(bool (*pred)(void), unsigned ms)
{
	return loop_wait_until(&loop, pred, ms);
}

static bool never(void)
{
	return false;
}
static bool a_channels_up(void)
{
	return A.up[0];
}
static bool a_streams_up(void)
{
	return A.up[1];
}
static bool ab_channels_up(void)
{
	return A.up[0] && B.up[0];
}
static bool ab_streams_up(void)
{
	return A.up[1] && B.up[1];
}
static int want;
static bool both_have(void)
{
	return A.n >= want && B.n >= want;
}
static bool total_has(void)
{
	return A.n + B.n >= want;
}
static bool a_has(void)
{
	return A.n >= want;
}

static long long cmd_int(const char *fmt, const char *a, const char *b)
{
	redisReply *r = redisCommand(cli, fmt, a, b);
	ck_assert_ptr_nonnull(r);
	long long v = r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
	freeReplyObject(r);
	return v;
}

static void cmd(const char *fmt, const char *a, const char *b)
{
	redisReply *r = redisCommand(cli, fmt, a, b);
	ck_assert_ptr_nonnull(r);
	ck_assert_msg(r->type != REDIS_REPLY_ERROR, "%s", r->str);
	freeReplyObject(r);
}

/* XPENDING stream g: the number of entries read and not acknowledged. */
static long long pending(const char *stream)
{
	redisReply *r = redisCommand(cli, "XPENDING %s g", stream);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
	long long v = r->element[0]->integer;
	freeReplyObject(r);
	return v;
}

/* The XACK goes out after the callback: wait for it. */
static bool none_pending(void)
{
	return pending("jobs") == 0;
}

static void setup(void)
{
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	memset(&srv, 0, sizeof srv);
	ck_assert_msg(redis_server_start(&srv), "cannot start redis-server");
	cli = redisConnect("127.0.0.1", srv.port);
	ck_assert(cli && !cli->err);
}

static void teardown(void)
{
	sio_redis_ingest_free(A.g);
	sio_redis_ingest_free(B.g);
	A.g = B.g = NULL;
	redisFree(cli);
	redis_server_kill(&srv);
	ck_assert_int_eq(uv_run(&loop, UV_RUN_DEFAULT), 0);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}

START_TEST(test_channels_every_member)
{
	static const char *const ch[] = { "job_updates", "other" };
	sio_redis_ingest_options io;
	ingest_options(&io, ch, 2, NULL, 0, NULL);
	start(&A, &io);
	start(&B, &io);
	ck_assert(run_until(ab_channels_up, WAIT_MS));
	ck_assert_int_eq(cmd_int("PUBLISH %s %s", "job_updates", "{\"tenantId\":\"t1\"}"), 2);
	cmd("PUBLISH %s %s", "unrelated", "x");
	cmd("PUBLISH %s %s", "other", "y");
	want = 2;
	ck_assert(run_until(both_have, WAIT_MS));
	ck_assert(!run_until(never, 100));
	ck_assert_int_eq(A.n, 2);
	ck_assert_int_eq(B.n, 2);
	ck_assert_str_eq(A.msgs[0].source, "job_updates");
	ck_assert_str_eq(A.msgs[0].payload, "{\"tenantId\":\"t1\"}");
	ck_assert(!A.msgs[0].stream);
	ck_assert_str_eq(B.msgs[1].source, "other");
	sio_redis_ingest_stats s;
	sio_redis_ingest_get_stats(A.g, &s);
	ck_assert(s.channels_connected && s.streams_connected);
	ck_assert_uint_eq(s.messages, 2);
	ck_assert_uint_eq(s.entries, 0);
}
END_TEST

START_TEST(test_stream_once_per_group)
{
	static const char *const st[] = { "jobs" };
	sio_redis_ingest_options io;
	ingest_options(&io, NULL, 0, st, 1, "a");
	start(&A, &io);
	io.consumer = "b";
	start(&B, &io);
	ck_assert(run_until(ab_streams_up, WAIT_MS));
	char body[64];
	for (int i = 0; i < 40; i++) {
		snprintf(body, sizeof body, "{\"n\":%d}", i);
		cmd("XADD jobs * data %s", body, NULL);
	}
	want = 40;
	ck_assert(run_until(total_has, WAIT_MS));
	ck_assert(!run_until(never, 300)); /* nothing more: no entry twice */
	ck_assert_int_eq(A.n + B.n, 40);
	bool seen[40] = { false };
	for (int m = 0; m < 2; m++) {
		member *t = m ? &B : &A;
		for (int i = 0; i < t->n; i++) {
			int n = -1;
			ck_assert(t->msgs[i].stream && !t->msgs[i].claimed);
			ck_assert_str_eq(t->msgs[i].source, "jobs");
			ck_assert_int_eq(sscanf(t->msgs[i].payload, "{\"n\":%d}", &n), 1);
			ck_assert(n >= 0 && n < 40 && !seen[n]);
			seen[n] = true;
		}
	}
	ck_assert_int_eq(pending("jobs"), 0);
	sio_redis_ingest_stats s;
	sio_redis_ingest_get_stats(A.g, &s);
	ck_assert_uint_eq(s.entries, (uint64_t)A.n);
	ck_assert_uint_eq(s.ack_failures, 0);
}
END_TEST

/* A fake dead consumer reads an entry and never acknowledges it: after the
 * min-idle time the live member claims it, hands it over once, acks it. */
START_TEST(test_claim_abandoned)
{
	cmd("XGROUP CREATE %s g $ MKSTREAM", "jobs", NULL);
	cmd("XADD jobs * data %s", "{\"abandoned\":true}", NULL);
	redisReply *r = redisCommand(cli, "XREADGROUP GROUP g dead COUNT 1 STREAMS jobs >");
	ck_assert(r && r->type == REDIS_REPLY_ARRAY && r->elements == 1);
	freeReplyObject(r);
	ck_assert_int_eq(pending("jobs"), 1);
	static const char *const st[] = { "jobs" };
	sio_redis_ingest_options io;
	ingest_options(&io, NULL, 0, st, 1, "live");
	start(&A, &io);
	want = 1;
	ck_assert(run_until(a_has, WAIT_MS));
	ck_assert(!run_until(never, 500));
	ck_assert_int_eq(A.n, 1);
	ck_assert(A.msgs[0].claimed);
	ck_assert_str_eq(A.msgs[0].payload, "{\"abandoned\":true}");
	ck_assert_int_eq(pending("jobs"), 0);
	sio_redis_ingest_stats s;
	sio_redis_ingest_get_stats(A.g, &s);
	ck_assert_uint_eq(s.claimed, 1);
}
END_TEST

START_TEST(test_entry_without_field)
{
	static const char *const st[] = { "jobs" };
	sio_redis_ingest_options io;
	ingest_options(&io, NULL, 0, st, 1, NULL);
	start(&A, &io);
	ck_assert(run_until(a_streams_up, WAIT_MS));
	ck_assert_ptr_nonnull(strchr(sio_redis_ingest_consumer(A.g), ':'));
	cmd("XADD jobs * other %s", "x", NULL);
	cmd("XADD jobs * data %s", "y", NULL);
	want = 2;
	ck_assert(run_until(a_has, WAIT_MS));
	ck_assert(!A.msgs[0].has_payload);
	ck_assert(A.msgs[1].has_payload);
	ck_assert_str_eq(A.msgs[1].payload, "y");
	ck_assert(run_until(never, 200) == false);
	ck_assert_int_eq(pending("jobs"), 0);
}
END_TEST

static bool ab_none_pending(void)
{
	return pending("a") == 0 && pending("b") == 0;
}

/* Several streams in one read: each entry names its stream; the group
 * exists on each (one made by the test first: BUSYGROUP is fine). */
START_TEST(test_two_streams)
{
	cmd("XGROUP CREATE %s g $ MKSTREAM", "b", NULL);
	static const char *const st[] = { "a", "b" };
	sio_redis_ingest_options io;
	ingest_options(&io, NULL, 0, st, 2, NULL);
	start(&A, &io);
	ck_assert(run_until(a_streams_up, WAIT_MS));
	cmd("XADD b * data %s", "to-b", NULL);
	cmd("XADD a * data %s", "to-a", NULL);
	want = 2;
	ck_assert(run_until(a_has, WAIT_MS));
	for (int i = 0; i < 2; i++)
		ck_assert_str_eq(A.msgs[i].payload,
		                 !strcmp(A.msgs[i].source, "a") ? "to-a" : "to-b");
	ck_assert_str_ne(A.msgs[0].source, A.msgs[1].source);
	ck_assert(run_until(ab_none_pending, WAIT_MS));
}
END_TEST

/* Redis killed and started again (empty: no persistence): the group is
 * made again, the channels subscribed again, and both flow. */
START_TEST(test_restart)
{
	static const char *const ch[] = { "c" };
	static const char *const st[] = { "jobs" };
	sio_redis_ingest_options io;
	ingest_options(&io, ch, 1, st, 1, NULL);
	start(&A, &io);
	ck_assert(run_until(a_streams_up, WAIT_MS));
	ck_assert(run_until(a_channels_up, WAIT_MS));
	redisFree(cli);
	ck_assert(redis_server_restart(&srv));
	cli = redisConnect("127.0.0.1", srv.port);
	ck_assert(cli && !cli->err);
	A.up[0] = A.up[1] = false;
	ck_assert(run_until(a_streams_up, WAIT_MS));
	ck_assert(run_until(a_channels_up, WAIT_MS));
	cmd("XADD jobs * data %s", "after", NULL);
	cmd("PUBLISH %s %s", "c", "hello");
	want = 2;
	ck_assert(run_until(a_has, WAIT_MS));
	ck_assert(run_until(none_pending, WAIT_MS));
}
END_TEST

START_TEST(test_free_in_callback)
{
	static const char *const st[] = { "jobs" };
	sio_redis_ingest_options io;
	ingest_options(&io, NULL, 0, st, 1, NULL);
	start(&A, &io);
	A.free_in_callback = true;
	ck_assert(run_until(a_streams_up, WAIT_MS));
	cmd("XADD jobs * data %s", "1", NULL);
	cmd("XADD jobs * data %s", "2", NULL);
	want = 1;
	ck_assert(run_until(a_has, WAIT_MS));
	ck_assert_ptr_null(A.g);
	ck_assert_int_eq(uv_run(&loop, UV_RUN_DEFAULT), 0);
	ck_assert_int_eq(A.n, 1);
}
END_TEST

START_TEST(test_bad_options)
{
	sio_redis_options o;
	conn_options(&o);
	sio_redis_ingest_options io;
	char err[256];
	static const char *const empty[] = { "" };
	static const char *const st[] = { "jobs" };
	ingest_options(&io, NULL, 0, NULL, 0, NULL);
	ck_assert_ptr_null(sio_redis_ingest_new(&loop, &o, &io, on_msg, &A, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "no channel"));
	ingest_options(&io, empty, 1, NULL, 0, NULL);
	ck_assert_ptr_null(sio_redis_ingest_new(&loop, &o, &io, on_msg, &A, err, sizeof err));
	ingest_options(&io, NULL, 0, st, 1, NULL);
	io.block_ms = 0;
	ck_assert_ptr_null(sio_redis_ingest_new(&loop, &o, &io, on_msg, &A, err, sizeof err));
	ingest_options(&io, NULL, 0, st, 1, NULL);
	io.count = 0;
	ck_assert_ptr_null(sio_redis_ingest_new(&loop, &o, &io, on_msg, &A, err, sizeof err));
	ingest_options(&io, NULL, 0, st, 1, NULL);
	o.url = "rediss://x";
	ck_assert_ptr_null(sio_redis_ingest_new(&loop, &o, &io, on_msg, &A, err, sizeof err));
}
END_TEST

static Suite *redis_ingest_suite(void)
{
	Suite *s = suite_create("redis_ingest");
	TCase *tc = tcase_create("ingest");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_channels_every_member);
	tcase_add_test(tc, test_stream_once_per_group);
	tcase_add_test(tc, test_claim_abandoned);
	tcase_add_test(tc, test_entry_without_field);
	tcase_add_test(tc, test_two_streams);
	tcase_add_test(tc, test_restart);
	tcase_add_test(tc, test_free_in_callback);
	tcase_add_test(tc, test_bad_options);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(redis_ingest_suite());
}
