/* test_srv_http_client.c - Check unit tests for srv_http_client, the
 * webhooks' HTTP client on the libuv loop. Against a real HTTP server: node
 * runs tests/data/http/backend.js in a child process on a free loopback
 * port (started once in main, stopped by its PID at the end).
 *
 * What the webhooks rely on: a POST carries its headers and body and its
 * answer (status, body) comes back; every accepted request completes
 * exactly once, by its callback, never from inside the call; a backend that
 * does not answer ends at the request's timeout (time spent in the queue
 * counts); a refused connection and a response over the size bound are
 * errors, not hangs; at most max_concurrent requests are in flight and at
 * most max_queued wait, the next one is refused at once; closing cancels
 * every pending request (its callback runs once) and frees everything
 * (valgrind clean, CK_FORK=no).
 */
#include <check.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "../apps/sio-server/srv_http_client.h"
#include "check_main.h"

static pid_t backend_pid;
static int backend_port;
static int backend_stdin = -1;

/* node backend.js, its port read from its first line. */
static int start_backend(void)
{
	int in[2], out[2];
	if (pipe(in) || pipe(out))
		return -1;
	backend_pid = fork();
	if (backend_pid < 0)
		return -1;
	if (backend_pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execlp("node", "node", "tests/data/http/backend.js", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	backend_stdin = in[1];
	char line[64];
	size_t n = 0;
	while (n < sizeof(line) - 1) {
		ssize_t r = read(out[0], line + n, 1);
		if (r <= 0)
			break;
		if (line[n++] == '\n')
			break;
	}
	line[n] = '\0';
	close(out[0]);
	return sscanf(line, "PORT %d", &backend_port) == 1 ? 0 : -1;
}

static void stop_backend(void)
{
	if (backend_pid > 0) {
		kill(backend_pid, SIGTERM);
		waitpid(backend_pid, NULL, 0);
	}
	if (backend_stdin >= 0)
		close(backend_stdin);
}

static char *url(const char *path)
{
	static char buf[8][128];
	static int k;
	char *b = buf[k++ % 8];
	snprintf(b, 128, "http://127.0.0.1:%d%s", backend_port, path);
	return b;
}

/* ---- a loop per test, and results ----------------------------------------------- */

static uv_loop_t loop;
static uv_timer_t wd; /* the watchdog of run_until */
static srv_http *h;

typedef struct result {
	int calls;
	int err;
	long status;
	char body[4096];
	size_t len;
	char error[256];
	double ms;
	int order; /* completion order among the test's requests */
} result;

static int completed;

static void on_done(const srv_http_result *r, void *user)
{
	result *x = user;
	x->calls++;
	x->err = r->err;
	x->status = r->status;
	x->len = r->len;
	snprintf(x->body, sizeof(x->body), "%s", r->body);
	snprintf(x->error, sizeof(x->error), "%s", r->error);
	x->ms = r->ms;
	x->order = ++completed;
}

static void setup(void)
{
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	completed = 0;
	h = NULL;
	uv_timer_init(&loop, &wd);
}

static void make_client(size_t conc, size_t queued, size_t maxresp)
{
	srv_http_opts o = { .max_concurrent = conc, .max_queued = queued, .max_response = maxresp };
	h = srv_http_new(&loop, &o);
	ck_assert_ptr_nonnull(h);
}

static bool watchdog_fired;
static void on_watchdog(uv_timer_t *t)
{
	(void)t;
	watchdog_fired = true;
}

/* Run the loop until n requests completed (or 10 s: the test fails). */
static void run_until(int n)
{
	watchdog_fired = false;
	uv_timer_start(&wd, on_watchdog, 10000, 0);
	while (completed < n && !watchdog_fired)
		uv_run(&loop, UV_RUN_ONCE);
	uv_timer_stop(&wd);
	ck_assert_msg(!watchdog_fired, "only %d of %d requests completed", completed, n);
}

/* Close the client and run the loop until every handle is closed. */
static void teardown(void)
{
	srv_http_close(h);
	h = NULL;
	uv_close((uv_handle_t *)&wd, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}

/* ---- tests ---------------------------------------------------------------------- */

START_TEST(post_with_headers_and_body)
{
	make_client(4, 4, 65536);
	result r = { 0 };
	const char *hdrs[] = { "Content-Type: application/json", "X-Signature: t=1,v1=ab", NULL };
	const char body[] = "{\"event\":\"message:send\"}";
	ck_assert_int_eq(srv_http_request(h, "POST", url("/echo"), hdrs, body, strlen(body), 5000,
	                                  on_done, &r),
	                 0);
	ck_assert_int_eq(r.calls, 0); /* never from inside the call */
	run_until(1);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(r.err, SRV_HTTP_OK);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "\"method\":\"POST\""));
	ck_assert_ptr_nonnull(strstr(r.body, "\"x-signature\":\"t=1,v1=ab\""));
	ck_assert_ptr_nonnull(strstr(r.body, "\"content-type\":\"application/json\""));
	ck_assert_ptr_nonnull(strstr(r.body, "\"body\":\"{\\\"event\\\":\\\"message:send\\\"}\""));
}
END_TEST

START_TEST(get_and_status)
{
	make_client(4, 4, 65536);
	result a = { 0 }, b = { 0 };
	ck_assert_int_eq(srv_http_request(h, "GET", url("/echo"), NULL, NULL, 0, 5000, on_done, &a),
	                 0);
	ck_assert_int_eq(
	        srv_http_request(h, "POST", url("/status/503"), NULL, "x", 1, 5000, on_done, &b),
	        0);
	run_until(2);
	ck_assert_int_eq(a.calls, 1);
	ck_assert_int_eq(a.status, 200);
	ck_assert_ptr_nonnull(strstr(a.body, "\"method\":\"GET\""));
	/* an error status is a response: the caller decides */
	ck_assert_int_eq(b.calls, 1);
	ck_assert_int_eq(b.err, SRV_HTTP_OK);
	ck_assert_int_eq(b.status, 503);
	ck_assert_str_eq(b.body, "status 503");
}
END_TEST

START_TEST(timeout_is_an_error)
{
	make_client(4, 4, 65536);
	result r = { 0 };
	ck_assert_int_eq(srv_http_request(h, "POST", url("/hang"), NULL, "{}", 2, 200, on_done, &r),
	                 0);
	run_until(1);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(r.err, SRV_HTTP_ETIMEOUT);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.error, "backend timeout");
	ck_assert(r.ms >= 190 && r.ms < 2000);
}
END_TEST

START_TEST(refused_connection)
{
	make_client(4, 4, 65536);
	/* a port nobody listens on: bind one, note it, close it */
	uv_tcp_t t;
	struct sockaddr_in a;
	uv_ip4_addr("127.0.0.1", 0, &a);
	uv_tcp_init(&loop, &t);
	ck_assert_int_eq(uv_tcp_bind(&t, (const struct sockaddr *)&a, 0), 0);
	struct sockaddr_in got;
	int len = sizeof(got);
	uv_tcp_getsockname(&t, (struct sockaddr *)&got, &len);
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(&loop, UV_RUN_NOWAIT);
	char u[64];
	snprintf(u, sizeof(u), "http://127.0.0.1:%d/", ntohs(got.sin_port));
	result r = { 0 };
	ck_assert_int_eq(srv_http_request(h, "POST", u, NULL, "{}", 2, 5000, on_done, &r), 0);
	run_until(1);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(r.err, SRV_HTTP_ECONNECT);
	ck_assert(r.ms < 2000);
}
END_TEST

START_TEST(response_too_big)
{
	make_client(4, 4, 1000);
	result a = { 0 }, b = { 0 };
	ck_assert_int_eq(
	        srv_http_request(h, "GET", url("/big/1000"), NULL, NULL, 0, 5000, on_done, &a), 0);
	ck_assert_int_eq(
	        srv_http_request(h, "GET", url("/big/100000"), NULL, NULL, 0, 5000, on_done, &b),
	        0);
	run_until(2);
	ck_assert_int_eq(a.err, SRV_HTTP_OK); /* exactly the bound: fine */
	ck_assert_int_eq(a.len, 1000);
	ck_assert_int_eq(b.calls, 1);
	ck_assert_int_eq(b.err, SRV_HTTP_ETOOBIG);
}
END_TEST

START_TEST(bounded_concurrency_and_queue)
{
	make_client(2, 1, 65536);
	result r[4] = { 0 };
	ck_assert_int_eq(
	        srv_http_request(h, "GET", url("/slow/300"), NULL, NULL, 0, 5000, on_done, &r[0]),
	        0);
	ck_assert_int_eq(
	        srv_http_request(h, "GET", url("/slow/300"), NULL, NULL, 0, 5000, on_done, &r[1]),
	        0);
	ck_assert_int_eq(
	        srv_http_request(h, "GET", url("/slow/10"), NULL, NULL, 0, 5000, on_done, &r[2]),
	        0);
	ck_assert_uint_eq(srv_http_active(h), 2);
	ck_assert_uint_eq(srv_http_queued(h), 1);
	/* past the queue's bound: refused at once, no callback */
	ck_assert_int_eq(
	        srv_http_request(h, "GET", url("/slow/10"), NULL, NULL, 0, 5000, on_done, &r[3]),
	        SRV_HTTP_EQUEUE);
	run_until(3);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(r[i].calls, 1);
		ck_assert_int_eq(r[i].err, SRV_HTTP_OK);
	}
	ck_assert_int_eq(r[3].calls, 0);
	/* the queued one started only when a slot freed: it finished last */
	ck_assert_int_eq(r[2].order, 3);
	ck_assert(r[2].ms >= 300);
	ck_assert_uint_eq(srv_http_active(h), 0);
	ck_assert_uint_eq(srv_http_queued(h), 0);
}
END_TEST

START_TEST(queue_time_counts_toward_timeout)
{
	make_client(1, 4, 65536);
	result a = { 0 }, b = { 0 };
	ck_assert_int_eq(
	        srv_http_request(h, "GET", url("/slow/400"), NULL, NULL, 0, 5000, on_done, &a), 0);
	ck_assert_int_eq(srv_http_request(h, "GET", url("/echo"), NULL, NULL, 0, 200, on_done, &b),
	                 0);
	run_until(2);
	ck_assert_int_eq(a.err, SRV_HTTP_OK);
	ck_assert_int_eq(b.calls, 1);
	ck_assert_int_eq(b.err, SRV_HTTP_ETIMEOUT);
}
END_TEST

/* A callback that submits again (a retry) runs its new request too. */
static result chained;
static void on_first(const srv_http_result *r, void *user)
{
	on_done(r, user);
	ck_assert_int_eq(
	        srv_http_request(h, "GET", url("/echo"), NULL, NULL, 0, 5000, on_done, &chained),
	        0);
}

START_TEST(submit_from_callback)
{
	make_client(1, 0, 65536);
	result a = { 0 };
	memset(&chained, 0, sizeof(chained));
	ck_assert_int_eq(
	        srv_http_request(h, "GET", url("/status/500"), NULL, NULL, 0, 5000, on_first, &a),
	        0);
	run_until(2);
	ck_assert_int_eq(a.status, 500);
	ck_assert_int_eq(chained.calls, 1);
	ck_assert_int_eq(chained.status, 200);
}
END_TEST

/* During close, a callback's new request is refused. */
static int resubmit_rc;
static void on_cancel_resubmit(const srv_http_result *r, void *user)
{
	on_done(r, user);
	resubmit_rc = srv_http_request(h, "GET", url("/echo"), NULL, NULL, 0, 5000, on_done, user);
}

START_TEST(close_cancels_everything_once)
{
	make_client(2, 4, 65536);
	result r[4] = { 0 };
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(srv_http_request(h, "POST", url("/hang"), NULL, "{}", 2, 5000,
		                                  on_done, &r[i]),
		                 0);
	ck_assert_int_eq(srv_http_request(h, "POST", url("/hang"), NULL, "{}", 2, 5000,
	                                  on_cancel_resubmit, &r[3]),
	                 0);
	/* let the first two connect and send */
	for (int i = 0; i < 20; i++)
		uv_run(&loop, UV_RUN_NOWAIT);
	srv_http_close(h);
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(r[i].calls, 1);
		ck_assert_int_eq(r[i].err, SRV_HTTP_ECANCELED);
	}
	ck_assert_int_eq(resubmit_rc, SRV_HTTP_ECLOSED);
	ck_assert_int_eq(r[3].calls, 1);
	h = NULL; /* closed: teardown only runs the loop */
}
END_TEST

START_TEST(invalid_requests)
{
	make_client(1, 1, 100);
	result r = { 0 };
	ck_assert_int_eq(srv_http_request(h, "PUT", url("/"), NULL, NULL, 0, 100, on_done, &r),
	                 SRV_HTTP_EINVAL);
	ck_assert_int_eq(
	        srv_http_request(h, "GET", "file:///etc/passwd", NULL, NULL, 0, 100, on_done, &r),
	        SRV_HTTP_EINVAL);
	ck_assert_int_eq(srv_http_request(h, "GET", url("/"), NULL, NULL, 0, 0, on_done, &r),
	                 SRV_HTTP_EINVAL);
	ck_assert_int_eq(r.calls, 0);
	srv_http_opts bad = { .max_concurrent = 0, .max_queued = 1, .max_response = 1 };
	ck_assert_ptr_null(srv_http_new(&loop, &bad));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("srv_http_client");
	TCase *tc = tcase_create("http");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, post_with_headers_and_body);
	tcase_add_test(tc, get_and_status);
	tcase_add_test(tc, timeout_is_an_error);
	tcase_add_test(tc, refused_connection);
	tcase_add_test(tc, response_too_big);
	tcase_add_test(tc, bounded_concurrency_and_queue);
	tcase_add_test(tc, queue_time_counts_toward_timeout);
	tcase_add_test(tc, submit_from_callback);
	tcase_add_test(tc, close_cancels_everything_once);
	tcase_add_test(tc, invalid_requests);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (start_backend()) {
		fprintf(stderr,
		        "test_srv_http_client: cannot start node tests/data/http/backend.js\n");
		stop_backend();
		return 1;
	}
	int status = check_main_run(suite());
	stop_backend();
	return status;
}
