/* test_redis_conn.c - Check tests of the Redis adapter's connections
 * (modules/redis/redis_conn.c) against a real redis-server that each test
 * starts on a free loopback port (tests/redis_server.h).
 *
 * What the adapter relies on: a message published reaches every subscriber
 * byte for byte (NUL bytes included), on channels and patterns; an
 * unsubscribed channel stops; NUMSUB counts the subscribers and answers
 * once, never from inside the call; AUTH (password alone or with a username)
 * and SELECT happen before anything else, a refused one says why and the
 * connection keeps trying; when Redis dies the state goes down, publishes
 * wait in a bounded queue (the excess dropped and counted), and when it is
 * back on the same port the state goes up with every subscription restored
 * and the queue delivered in order (a broadcast kept for recovery and its
 * script: test_redis_kept.c); a Redis that never answers does not leave the
 * state stuck; redis_conn_free is safe at any moment and leaves
 * no handle behind (the loop ends by itself).
 */
#include "redis_conn_fixture.h"
#include "check_main.h"

/* ---- messages ----------------------------------------------------------------- */

START_TEST(test_roundtrip_binary)
{
	open_default(&A);
	ck_assert_int_eq(redis_conn_subscribe(A.c, "sio#/#"), 0);
	ck_assert(run_until(a_up));
	ck_assert(redis_conn_up(A.c));
	const char payload[] = { 'a', '\0', 'b', '\0', (char)0xff, '\r', '\n' };
	ck_assert_int_eq(redis_conn_publish(A.c, "sio#/#", payload, sizeof payload), 0);
	want_msgs = 1;
	ck_assert(run_until(a_has_msgs));
	ck_assert_str_eq(A.msgs[0].channel, "sio#/#");
	ck_assert_uint_eq(A.msgs[0].len, sizeof payload);
	ck_assert_mem_eq(A.msgs[0].payload, payload, sizeof payload);
	want_published = 1;
	ck_assert(run_until(a_published));
	sio_redis_stats s;
	redis_conn_stats(A.c, &s);
	ck_assert(s.connected);
	ck_assert_uint_eq(s.connects, 1);
	ck_assert_uint_eq(s.published, 1);
	ck_assert_uint_eq(s.publish_dropped, 0);
	ck_assert_uint_eq(s.queued_bytes, 0);
}
END_TEST

START_TEST(test_psubscribe)
{
	open_default(&A);
	ck_assert_int_eq(redis_conn_psubscribe(A.c, "sio#/#*"), 0);
	ck_assert(run_until(a_up));
	ck_assert_int_eq(redis_conn_publish(A.c, "sio#/#room1#", "x", 1), 0);
	ck_assert_int_eq(redis_conn_publish(A.c, "other", "y", 1), 0);
	ck_assert_int_eq(redis_conn_publish(A.c, "sio#/#room2#", "z", 1), 0);
	want_msgs = 2;
	ck_assert(run_until(a_has_msgs));
	ck_assert_str_eq(A.msgs[0].channel, "sio#/#room1#");
	ck_assert_mem_eq(A.msgs[0].payload, "x", 1);
	ck_assert_str_eq(A.msgs[1].channel, "sio#/#room2#");
	ck_assert_mem_eq(A.msgs[1].payload, "z", 1);
}
END_TEST

/* A publish of its own after the others: when it arrived, the others did
 * or never will (one connection, in order). */
static void publish_marker(redis_conn *c)
{
	ck_assert_int_eq(redis_conn_publish(c, "marker", "m", 1), 0);
}

START_TEST(test_unsubscribe)
{
	open_default(&A);
	redis_conn_subscribe(A.c, "a");
	redis_conn_subscribe(A.c, "b");
	redis_conn_subscribe(A.c, "marker");
	redis_conn_psubscribe(A.c, "p*");
	ck_assert(run_until(a_up));
	ck_assert_int_eq(redis_conn_unsubscribe(A.c, "a"), 0);
	ck_assert_int_eq(redis_conn_punsubscribe(A.c, "p*"), 0);
	ck_assert_int_eq(redis_conn_unsubscribe(A.c, "never-subscribed"), 0);
	redis_conn_publish(A.c, "a", "1", 1);
	redis_conn_publish(A.c, "pa", "2", 1);
	redis_conn_publish(A.c, "b", "3", 1);
	publish_marker(A.c);
	want_msgs = 2;
	ck_assert(run_until(a_has_msgs));
	ck_assert_int_eq(A.nmsgs, 2);
	ck_assert_str_eq(A.msgs[0].channel, "b");
	ck_assert_str_eq(A.msgs[1].channel, "marker");
}
END_TEST

/* ---- NUMSUB --------------------------------------------------------------------- */

typedef struct count_answer {
	int calls;
	bool ok;
	long long n;
	bool *inside; /* set while redis_conn_numsub runs */
	bool reentrant;
} count_answer;

static void on_count(bool ok, long long n, void *user)
{
	count_answer *a = user;
	a->calls++;
	a->ok = ok;
	a->n = n;
	if (a->inside && *a->inside)
		a->reentrant = true;
}

static count_answer *pending_answer;
static bool answered(void)
{
	return pending_answer->calls > 0;
}

static count_answer numsub(redis_conn *c, const char *ch)
{
	count_answer a = { 0 };
	bool inside = true;
	a.inside = &inside;
	redis_conn_numsub(c, ch, on_count, &a);
	inside = false;
	pending_answer = &a;
	ck_assert(run_until(answered));
	/* exactly once: nothing more after another turn of the loop */
	uv_run(&loop, UV_RUN_NOWAIT);
	ck_assert_int_eq(a.calls, 1);
	ck_assert(!a.reentrant);
	a.inside = NULL;
	return a;
}

START_TEST(test_numsub)
{
	open_default(&A);
	open_default(&B);
	redis_conn_subscribe(A.c, "n");
	redis_conn_subscribe(B.c, "n");
	redis_conn_subscribe(B.c, "only-b");
	ck_assert(run_until(ab_up));
	count_answer a = numsub(A.c, "n");
	ck_assert(a.ok);
	ck_assert_int_eq(a.n, 2);
	a = numsub(A.c, "only-b");
	ck_assert(a.ok);
	ck_assert_int_eq(a.n, 1);
	a = numsub(B.c, "nobody");
	ck_assert(a.ok);
	ck_assert_int_eq(a.n, 0);
	/* a subscription made while up: Redis runs one connection's commands in
	 * order, so once it counts "marker", "late" (sent before) is done */
	redis_conn_subscribe(A.c, "late");
	redis_conn_subscribe(A.c, "marker");
	int polls = 0;
	while (numsub(B.c, "marker").n != 1)
		ck_assert_int_lt(++polls, 1000);
	a = numsub(B.c, "late");
	ck_assert(a.ok);
	ck_assert_int_eq(a.n, 1);
}
END_TEST

START_TEST(test_numsub_down)
{
	redis_server_kill(&srv);
	open_default(&A);
	count_answer a = numsub(A.c, "n");
	ck_assert(!a.ok);
	ck_assert(run_until(a_down));
	/* a refused connection is noticed at once, with its reason */
	ck_assert_msg(strstr(A.reason, "Connection refused"), "%s", A.reason);
	a = numsub(A.c, "n");
	ck_assert(!a.ok);
}
END_TEST

/* Pending queries are answered ok=false by free, and nothing after. */
START_TEST(test_numsub_free)
{
	open_default(&A);
	ck_assert(run_until(a_up));
	count_answer a = { 0 };
	redis_conn_numsub(A.c, "n", on_count, &a);
	redis_conn_free(A.c);
	A.c = NULL;
	ck_assert_int_eq(a.calls, 1);
	ck_assert(!a.ok);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(a.calls, 1);
}
END_TEST

/* ---- AUTH and SELECT --------------------------------------------------------------- */

static void restart_with(const char *const *args)
{
	redis_server_kill(&srv);
	memset(srv.extra, 0, sizeof srv.extra);
	for (int i = 0; args[i]; i++)
		srv.extra[i] = args[i];
	ck_assert(redis_server_run(&srv));
}

START_TEST(test_auth)
{
	restart_with((const char *[]){ "--requirepass", "s3cret", NULL });
	sio_redis_options o;
	options(&o, srv.port);
	o.password = "s3cret";
	a_up_on(&o, "x");
	a_echo("x", "ok");
}
END_TEST

static bool b_down(void)
{
	return B.downs > 0;
}

START_TEST(test_auth_username)
{
	restart_with((const char *[]){ "--user", "alice", "on", ">pw", "~*", "&*", "+@all", NULL });
	sio_redis_options o;
	options(&o, srv.port);
	o.username = "alice";
	o.password = "pw";
	a_up_on(&o, "x");
	o.password = "not-pw";
	open_conn(&B, &o);
	ck_assert(run_until(b_down));
	ck_assert_msg(strstr(B.reason, "AUTH failed"), "%s", B.reason);
}
END_TEST

static bool a_down_auth(void)
{
	return A.downs > 0 && strstr(A.reason, "AUTH failed");
}

/* A wrong password: down with the reason, and it keeps trying: once the
 * server takes that password, the state goes up. */
START_TEST(test_auth_bad)
{
	restart_with((const char *[]){ "--requirepass", "right", NULL });
	sio_redis_options o;
	options(&o, srv.port);
	o.password = "wrong";
	open_conn(&A, &o);
	redis_conn_subscribe(A.c, "x");
	ck_assert(run_until(a_down_auth));
	ck_assert(!redis_conn_up(A.c));
	ck_assert_int_eq(A.downs, 1); /* the same reason again is not reported again */
	restart_with((const char *[]){ "--requirepass", "wrong", NULL });
	ck_assert(run_until(a_up));
	a_echo("x", "in");
}
END_TEST

static bool a_down_select(void)
{
	return A.downs > 0 && strstr(A.reason, "SELECT 99 failed");
}

START_TEST(test_select)
{
	sio_redis_options o;
	options(&o, srv.port);
	o.db = 99; /* redis-server has 16 databases */
	open_conn(&A, &o);
	ck_assert(run_until(a_down_select));
	ck_assert(!A.up);
	redis_conn_free(A.c);
	o.db = 15;
	a_up_on(&o, "x");
}
END_TEST

/* ---- Redis away --------------------------------------------------------------------- */

/* Killed and restarted on the same port: down, then up with the channel and
 * the pattern subscribed again, and what was published meanwhile delivered
 * in order. */
START_TEST(test_restart)
{
	open_default(&A);
	redis_conn_subscribe(A.c, "r");
	redis_conn_psubscribe(A.c, "rp*");
	ck_assert(run_until(a_up));
	a_loses_redis();
	ck_assert_int_eq(A.ups, 1);
	ck_assert_ptr_nonnull(strstr(A.reason, "redis at 127.0.0.1"));
	char body[16];
	for (int i = 0; i < 5; i++) {
		snprintf(body, sizeof body, "q%d", i);
		ck_assert_int_eq(redis_conn_publish(A.c, i % 2 ? "rpx" : "r", body, 2), 0);
	}
	sio_redis_stats s;
	redis_conn_stats(A.c, &s);
	ck_assert(!s.connected);
	ck_assert_uint_eq(s.queued_bytes, 5 * 2 + 3 * 1 + 2 * 3);
	ck_assert(redis_server_run(&srv));
	ck_assert(run_until(a_up));
	ck_assert_int_eq(A.ups, 2);
	want_msgs = 5;
	ck_assert(run_until(a_has_msgs));
	for (int i = 0; i < 5; i++) {
		snprintf(body, sizeof body, "q%d", i);
		ck_assert_str_eq(A.msgs[i].channel, i % 2 ? "rpx" : "r");
		ck_assert_mem_eq(A.msgs[i].payload, body, 2);
	}
	want_published = 5;
	ck_assert(run_until(a_published));
	redis_conn_stats(A.c, &s);
	ck_assert_uint_eq(s.connects, 2);
	ck_assert_uint_eq(s.published, 5);
	ck_assert_uint_eq(s.queued_bytes, 0);
	/* and the subscriptions work for new publishes */
	redis_conn_publish(A.c, "rpy", "after", 5);
	want_msgs = 6;
	ck_assert(run_until(a_has_msgs));
	ck_assert_str_eq(A.msgs[5].channel, "rpy");
}
END_TEST

/* The queue holds max_queued_bytes: past it publishes are refused and
 * counted, and what fit is delivered once Redis is there. */
START_TEST(test_queue_overflow)
{
	redis_server_kill(&srv);
	sio_redis_options o;
	options(&o, srv.port);
	o.max_queued_bytes = 100;
	open_conn(&A, &o);
	redis_conn_subscribe(A.c, "q");
	char body[30];
	int accepted = 0, refused = 0;
	for (int i = 0; i < 10; i++) {
		memset(body, 'a' + i, sizeof body);
		/* 1 + 29 = 30 bytes each: three fit in 100 */
		int r = redis_conn_publish(A.c, "q", body, 29);
		if (r == 0) {
			accepted++;
		} else {
			ck_assert_int_eq(r, SIO_ENOMEM);
			refused++;
		}
	}
	ck_assert_int_eq(accepted, 3);
	ck_assert_int_eq(refused, 7);
	sio_redis_stats s;
	redis_conn_stats(A.c, &s);
	ck_assert_uint_eq(s.publish_dropped, 7);
	ck_assert_uint_eq(s.queued_bytes, 90);
	ck_assert(redis_server_run(&srv));
	ck_assert(run_until(a_up));
	want_msgs = 3;
	ck_assert(run_until(a_has_msgs));
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(A.msgs[i].payload[0], 'a' + i);
	redis_conn_stats(A.c, &s);
	ck_assert_uint_eq(s.publish_dropped, 7);
}
END_TEST

/* A Redis that accepts connections and never answers (stopped): the state
 * does not hang in "connecting": down with the reason, up once it answers. */
START_TEST(test_no_answer)
{
	kill(srv.pid, SIGSTOP);
	open_default(&A);
	ck_assert(run_until(a_down));
	ck_assert_msg(strstr(A.reason, "did not answer"), "%s", A.reason);
	kill(srv.pid, SIGCONT);
	ck_assert(run_until(a_up));
}
END_TEST

/* Redis stops answering once up (stopped: the kernel still acknowledges,
 * so TCP alone never tells): the health check's PING notices, the pending
 * NUMSUB is answered ok=false, and once Redis answers again the state is up
 * with the subscriptions in place. */
START_TEST(test_stalled)
{
	a_up_on(NULL, "s");
	kill(srv.pid, SIGSTOP);
	count_answer a = { 0 };
	redis_conn_numsub(A.c, "s", on_count, &a);
	ck_assert(run_until(a_down));
	ck_assert_msg(strstr(A.reason, "did not answer PING"), "%s", A.reason);
	pending_answer = &a;
	ck_assert(run_until(answered));
	ck_assert(!a.ok);
	kill(srv.pid, SIGCONT);
	ck_assert(run_until(a_up));
	ck_assert_int_eq(a.calls, 1);
	a_echo("s", "back");
}
END_TEST

START_TEST(test_unix_socket)
{
	char path[64];
	snprintf(path, sizeof path, "/tmp/sio-redis-test-%d.sock", (int)getpid());
	restart_with((const char *[]){ "--unixsocket", path, NULL });
	/* through the url, as REDIS_URL gives it */
	char url[96];
	snprintf(url, sizeof url, "unix://%s", path);
	sio_redis_options o;
	options(&o, 1);
	o.url = url;
	redis_settings *rs = redis_settings_new(&o, NULL, 0);
	ck_assert_ptr_nonnull(rs);
	open_conn(&A, redis_settings_get(rs));
	redis_settings_free(rs); /* the connection holds its own copies */
	redis_conn_subscribe(A.c, "u");
	ck_assert(run_until(a_up));
	a_echo("u", "1");
	redis_conn_free(A.c);
	A.c = NULL;
	/* a path nobody listens on: down with the reason */
	o.url = NULL;
	o.port = 6379;
	o.unix_path = "/nonexistent/redis.sock";
	open_conn(&A, &o);
	ck_assert(run_until(a_down));
	ck_assert_msg(strstr(A.reason, "cannot connect"), "%s", A.reason);
	unlink(path);
}
END_TEST

/* A host name is resolved off the loop (redis_resolve.c); one that does
 * not resolve takes the state down with the name in the reason. */
START_TEST(test_host_name)
{
	sio_redis_options o;
	options(&o, srv.port);
	o.host = "localhost";
	a_up_on(&o, "h");
	a_echo("h", "1");
	redis_conn_free(A.c);
	o.host = "nonexistent.invalid"; /* RFC 2606: never resolves */
	open_conn(&A, &o);
	ck_assert(run_until(a_down));
	ck_assert_msg(strstr(A.reason, "nonexistent.invalid"), "%s", A.reason);
}
END_TEST

/* ---- free at any moment ------------------------------------------------------------- */

START_TEST(test_free_connecting)
{
	open_default(&A);
	redis_conn_subscribe(A.c, "x");
	redis_conn_publish(A.c, "x", "1", 1);
	redis_conn_free(A.c);
	A.c = NULL;
	/* one turn, then again after the connection started */
	open_default(&A);
	redis_conn_subscribe(A.c, "x");
	uv_run(&loop, UV_RUN_NOWAIT);
	redis_conn_free(A.c);
	A.c = NULL;
	ck_assert_int_eq(A.ups + A.downs, 0);
}
END_TEST

START_TEST(test_free_disconnected)
{
	a_up_on(NULL, "x");
	a_loses_redis();
	redis_conn_publish(A.c, "x", "queued", 6);
	int downs = A.downs;
	/* during the reconnection wait, then no callback */
	redis_conn_free(A.c);
	A.c = NULL;
	ck_assert_int_eq(uv_run(&loop, UV_RUN_DEFAULT), 0);
	ck_assert_int_eq(A.downs, downs);
}
END_TEST

START_TEST(test_free_in_callback)
{
	open_default(&A);
	redis_conn_subscribe(A.c, "x");
	redis_conn_subscribe(A.c, "y");
	ck_assert(run_until(a_up));
	A.free_on_message = true;
	redis_conn_publish(A.c, "x", "1", 1);
	redis_conn_publish(A.c, "y", "2", 1);
	want_msgs = 1;
	ck_assert(run_until(a_has_msgs));
	ck_assert_ptr_null(A.c);
	ck_assert_int_eq(uv_run(&loop, UV_RUN_DEFAULT), 0);
	ck_assert_int_eq(A.nmsgs, 1);
}
END_TEST

static Suite *redis_conn_suite(void)
{
	Suite *s = suite_create("redis_conn");
	TCase *tc = tcase_create("messages");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_roundtrip_binary);
	tcase_add_test(tc, test_psubscribe);
	tcase_add_test(tc, test_unsubscribe);
	tcase_add_test(tc, test_numsub);
	tcase_add_test(tc, test_numsub_down);
	tcase_add_test(tc, test_numsub_free);
	suite_add_tcase(s, tc);
	tc = tcase_create("handshake");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_auth);
	tcase_add_test(tc, test_auth_username);
	tcase_add_test(tc, test_auth_bad);
	tcase_add_test(tc, test_select);
	tcase_add_test(tc, test_unix_socket);
	tcase_add_test(tc, test_host_name);
	suite_add_tcase(s, tc);
	tc = tcase_create("faults");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_restart);
	tcase_add_test(tc, test_queue_overflow);
	tcase_add_test(tc, test_no_answer);
	tcase_add_test(tc, test_stalled);
	tcase_add_test(tc, test_free_connecting);
	tcase_add_test(tc, test_free_disconnected);
	tcase_add_test(tc, test_free_in_callback);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(redis_conn_suite());
}
