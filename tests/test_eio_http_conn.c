/* test_eio_http_conn.c - Check tests of HTTP connection lifetimes: keep-alive
 * waits and clients that leave mid-request. A listener on 127.0.0.1 and a raw
 * libuv TCP client on the same loop.
 *
 * What users rely on (node: httpServer.keepAliveTimeout): a connection that
 * waits idle between requests longer than the keep-alive timeout is closed
 * by the server; a new request in time resets that wait, so a client that
 * keeps polling keeps its connection; and a parked long-poll GET is not idle
 * (it waits for its answer, here the server's ping), however long it waits,
 * while a client that hangs up on a long parked GET ends its session at once.
 * The server keeps these waits on its own O(1) deadline list rather than in
 * libwebsockets' sorted timeout list (net/net_response.c, keepalive_wait).
 * A client that drops its connection in the middle of a polling POST ends
 * its session with "transport error" at once (node: "data request
 * connection closed prematurely"), and what the server had read is freed.
 * HTTP/1.1 semantics (net/net_router.c, net/net_chunked.c): a request with
 * Connection: close is answered and closed; a chunked POST is decoded across
 * every split; malformed chunks and the request-smuggling shapes are refused
 * with 400 and a close; a POST without a body is answered at once.
 *
 * No sleeps: the loop runs until the awaited event, under a watchdog; the
 * only timer is the client's own pause before its second request.
 */
#define _GNU_SOURCE /* strcasestr */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../engineio/eio_internal.h"
#include "loop_drain.h"
#include "check_main.h"

#define WATCHDOG_MS  5000
#define KEEPALIVE_MS 300
#define PING_MS      2000

static uv_loop_t loop;
static eio_listener *L;
static eio_server *srv;

/* The messages delivered, joined by '|'. */
static char messages[256];
static void on_message(eio_session *s, const char *d, size_t n, bool b, void *u)
{
	(void)s;
	(void)b;
	(void)u;
	size_t have = strlen(messages);
	snprintf(messages + have, sizeof(messages) - have, "%s%.*s", have ? "|" : "", (int)n, d);
}

static bool session_closed;
static char close_reason[64];
static void on_close(eio_session *s, const char *reason, void *u)
{
	(void)s;
	(void)u;
	session_closed = true;
	snprintf(close_reason, sizeof(close_reason), "%s", reason);
}

static const eio_callbacks callbacks = { .on_message = on_message, .on_close = on_close };

static void run_until(bool *flag, const char *what)
{
	ck_assert_msg(run_loop_until_flag(&loop, flag, WATCHDOG_MS), "timed out waiting for %s",
	              what);
}

static void setup(void)
{
	messages[0] = '\0';
	session_closed = false;
	close_reason[0] = '\0';
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	int err = 1;
	L = eio_listener_new(&loop, "127.0.0.1", 0, &err);
	ck_assert_ptr_nonnull(L);
	eio_listener_set_keepalive_timeout(L, KEEPALIVE_MS);
	eio_options o;
	eio_options_init(&o);
	o.path = "/engine.io/";
	o.ping_interval_ms = PING_MS;
	srv = eio_server_new(L, &o, &callbacks, NULL, &err);
	ck_assert_ptr_nonnull(srv);
}

static void teardown(void)
{
	const char *err = listener_teardown(&loop, &L, WATCHDOG_MS);
	ck_assert_msg(err == NULL, "%s", err);
}

/* ---- a keep-alive client ---------------------------------------------------------- */

/* One connection; requests are sent one at a time, and each response is
 * complete once its headers and Content-Length bytes of body are in. EOF is
 * recorded with the loop time it arrived. */
typedef struct client {
	uv_tcp_t tcp;
	uv_connect_t conn;
	uv_write_t wr;
	uv_buf_t out;
	char req[1024];
	char buf[8192];
	size_t len;
	bool connected, answered, eof, closed, written;
	int status;
	char body[256];
	uint64_t answered_at, eof_at;
} client;

static void on_closed(uv_handle_t *h)
{
	((client *)h->data)->closed = true;
}

static void check_answer(client *c)
{
	c->buf[c->len] = '\0';
	char *end = strstr(c->buf, "\r\n\r\n");
	if (!end)
		return;
	const char *cl = strcasestr(c->buf, "\r\ncontent-length:");
	if (!cl || cl > end)
		return;
	size_t blen = (size_t)atol(cl + 17);
	if (c->len - (size_t)(end + 4 - c->buf) < blen)
		return;
	c->status = atoi(c->buf + 9); /* "HTTP/1.1 NNN" */
	snprintf(c->body, sizeof(c->body), "%.*s", (int)blen, end + 4);
	c->answered = true;
	c->answered_at = uv_now(&loop);
	c->len = 0; /* ready for the next response */
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	(void)hint;
	client *c = h->data;
	*b = uv_buf_init(c->buf + c->len, (unsigned)(sizeof(c->buf) - 1 - c->len));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	(void)b;
	client *c = s->data;
	if (n > 0) {
		c->len += (size_t)n;
		check_answer(c);
	} else if (n < 0) {
		c->eof = true;
		c->eof_at = uv_now(&loop);
		uv_read_stop(s);
	}
}

static void on_connect(uv_connect_t *r, int status)
{
	client *c = r->handle->data;
	ck_assert_int_eq(status, 0);
	c->connected = true;
	uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

static void on_written(uv_write_t *w, int status)
{
	ck_assert_int_eq(status, 0);
	((client *)w->data)->written = true;
}

static void client_open(client *c)
{
	memset(c, 0, sizeof(*c));
	struct sockaddr_in a;
	uv_ip4_addr("127.0.0.1", eio_listener_port(L), &a);
	uv_tcp_init(&loop, &c->tcp);
	c->tcp.data = c;
	uv_tcp_connect(&c->conn, &c->tcp, (const struct sockaddr *)&a, on_connect);
	run_until(&c->connected, "the connection");
}

static void client_write(client *c)
{
	c->answered = false;
	c->written = false;
	c->wr.data = c;
	c->out = uv_buf_init(c->req, (unsigned)strlen(c->req));
	ck_assert_int_eq(uv_write(&c->wr, (uv_stream_t *)&c->tcp, &c->out, 1, on_written), 0);
}

/* Send a GET for target on the open connection; do not wait. */
static void client_send(client *c, const char *target)
{
	snprintf(c->req, sizeof(c->req),
	         "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n", target);
	client_write(c);
}

static void client_get(client *c, const char *target)
{
	client_send(c, target);
	run_until(&c->answered, "the response");
}

static void client_close(client *c)
{
	uv_close((uv_handle_t *)&c->tcp, on_closed);
	run_until(&c->closed, "the client close");
}

/* The sid of an open packet body "0{"sid":"...",...}". */
static void sid_of(const char *body, char *sid, size_t cap)
{
	const char *p = strstr(body, "\"sid\":\"");
	ck_assert_ptr_nonnull(p);
	p += 7;
	size_t n = strcspn(p, "\"");
	ck_assert_uint_lt(n, cap);
	memcpy(sid, p, n);
	sid[n] = '\0';
}

/* The polling URL of the session whose open packet c received last. */
static void poll_url(const client *c, char *url, size_t cap)
{
	char sid[32];
	sid_of(c->body, sid, sizeof(sid));
	snprintf(url, cap, "/engine.io/?EIO=4&transport=polling&sid=%s", sid);
}

/* Connect and open an Engine.IO session by a polling handshake. */
static void open_session(client *c)
{
	client_open(c);
	client_get(c, "/engine.io/?EIO=4&transport=polling");
	ck_assert_int_eq(c->status, 200);
	ck_assert_int_eq(c->body[0], '0');
}

/* The server closes c, and not before the keep-alive time after its last
 * answer (loop time is in whole milliseconds). */
static void assert_closed_when_idle(client *c)
{
	run_until(&c->eof, "the server to close the idle connection");
	ck_assert_uint_ge(c->eof_at - c->answered_at, KEEPALIVE_MS - 5);
}

/* ---- tests ------------------------------------------------------------------------ */

START_TEST(idle_connection_closed_after_keepalive_timeout)
{
	client c;
	open_session(&c);
	assert_closed_when_idle(&c);
	client_close(&c);
}
END_TEST

/* The client's own pause: the loop runs (the server works) meanwhile. */
static bool paused;
static void on_pause(uv_timer_t *t)
{
	(void)t;
	paused = true;
}

static bool pause_closed;
static void on_pause_closed(uv_handle_t *h)
{
	(void)h;
	pause_closed = true;
}

static void client_pause(unsigned ms)
{
	uv_timer_t pause;
	uv_timer_init(&loop, &pause);
	paused = pause_closed = false;
	uv_timer_start(&pause, on_pause, ms, 0);
	run_until(&paused, "the client's pause");
	/* The handle lives on this stack frame: wait for its close. */
	uv_close((uv_handle_t *)&pause, on_pause_closed);
	run_until(&pause_closed, "the pause timer to close");
}

/* A second request before the timeout is answered on the same connection,
 * and the idle wait starts again from its answer. */

START_TEST(request_in_time_resets_the_wait)
{
	client c;
	open_session(&c);
	uint64_t first = c.answered_at;

	client_pause(KEEPALIVE_MS * 2 / 3);
	ck_assert(!c.eof);

	client_get(&c, "/engine.io/?EIO=4&transport=websocket");
	ck_assert_int_eq(c.status, 400); /* a WebSocket handshake by plain GET: code 3 */
	ck_assert_ptr_nonnull(strstr(c.body, "\"code\":3"));
	assert_closed_when_idle(&c);
	ck_assert_uint_gt(c.eof_at - first, KEEPALIVE_MS);
	client_close(&c);
}
END_TEST

/* A long-poll parked longer than the keep-alive timeout gets its answer (the
 * ping, after the ping interval), not a closed connection; and the
 * connection is reusable after it. */
START_TEST(parked_get_is_not_idle)
{
	client c;
	open_session(&c);
	char target[96];
	poll_url(&c, target, sizeof(target));

	client_send(&c, target);
	uint64_t sent = uv_now(&loop);
	run_until(&c.answered, "the ping on the parked GET");
	ck_assert(!c.eof);
	ck_assert_int_eq(c.status, 200);
	ck_assert_str_eq(c.body, "2");
	ck_assert_uint_gt(c.answered_at - sent, KEEPALIVE_MS);

	client_get(&c, "/engine.io/?EIO=4&transport=polling&sid=nope");
	ck_assert_int_eq(c.status, 400);
	ck_assert_ptr_nonnull(strstr(c.body, "\"code\":1"));
	client_close(&c);
}
END_TEST

/* A client that closes its idle connection first leaves nothing behind for
 * the timer (run under valgrind: no invalid access when it would have fired). */
START_TEST(client_close_before_timeout)
{
	client a, b;
	open_session(&a);
	open_session(&b);
	client_close(&a);
	assert_closed_when_idle(&b);
	client_close(&b);
}
END_TEST

/* A client that hangs up on a GET parked for a while (past the first
 * hang-up check, so watched by epoll: net/net_hangup.c) ends its session with
 * "transport error" at once, not at the next ping, when writing would fail. */
START_TEST(hang_up_on_a_long_parked_get)
{
	client c;
	open_session(&c);
	char target[96];
	poll_url(&c, target, sizeof(target));
	client_send(&c, target);
	client_pause(3 * EIO_HANGUP_CHECK_MS);
	ck_assert(!c.answered);
	ck_assert(!session_closed);
	uint64_t closed_at = uv_now(&loop);
	client_close(&c);
	run_until(&session_closed, "the session to close");
	ck_assert_str_eq(close_reason, "transport error");
	ck_assert_uint_lt(uv_now(&loop) - closed_at, PING_MS / 2);
}
END_TEST

/* The first bytes of a 100-byte POST body, then the client hangs up. */
START_TEST(post_aborted_mid_body_ends_the_session)
{
	client c;
	open_session(&c);
	char target[96];
	poll_url(&c, target, sizeof(target));
	snprintf(c.req, sizeof(c.req),
	         "POST %s HTTP/1.1\r\n"
	         "Host: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n"
	         "4hello, this is only the start of the body",
	         target);
	client_write(&c);
	client_close(&c);
	run_until(&session_closed, "the session to close");
	ck_assert_str_eq(close_reason, "transport error");
}
END_TEST

/* ---- HTTP/1.1 connection semantics and request framing (net/net_router.c) ---------- */

/* Send n bytes of text now and wait until they left. */
static void client_write_bytes(client *c, const char *text, size_t n)
{
	snprintf(c->req, sizeof(c->req), "%.*s", (int)n, text);
	client_write(c);
	run_until(&c->written, "the write");
}

/* RFC 9112 section 9.6: the answer says close, and the server closes. */
START_TEST(connection_close_is_answered_and_closed)
{
	client c;
	client_open(&c);
	snprintf(c.req, sizeof(c.req),
	         "GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n"
	         "Connection: close\r\n\r\n");
	client_write(&c);
	run_until(&c.eof, "the server to close");
	ck_assert(c.answered);
	ck_assert_int_eq(c.status, 200);
	client_close(&c);
}
END_TEST

static const char chunked_body[] = "5\r\n4hell\r\n3;x=y\r\no\x1e"
                                   "4\r\n5\r\nworld\r\n0\r\nT: 1\r\n\r\n";

static void chunked_head(const client *c, char *out, size_t cap)
{
	char target[96];
	poll_url(c, target, sizeof(target));
	snprintf(out, cap, "POST %s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
	         target);
}

/* A chunked body one byte per write: decoded across every split, the
 * packets delivered, "ok", then the connection closed (pitfall 16). */
START_TEST(chunked_post_split_everywhere)
{
	client c;
	open_session(&c);
	char head[256];
	chunked_head(&c, head, sizeof(head));
	client_write_bytes(&c, head, strlen(head));
	for (size_t i = 0; i < sizeof(chunked_body) - 1; i++)
		client_write_bytes(&c, chunked_body + i, 1);
	run_until(&c.answered, "the answer");
	ck_assert_str_eq(c.body, "ok");
	ck_assert_str_eq(messages, "hello|world");
	run_until(&c.eof, "the close");
	client_close(&c);
}
END_TEST

/* Malformed chunked bodies, and the smuggling shapes: 400, closed, no
 * message delivered, nothing read as a second request. */
START_TEST(bad_framing_is_refused)
{
	static const char *const bad[] = {
		"Transfer-Encoding: chunked\r\n\r\n5\r\n4hello\r\n0\r\n\r\n",
		"Transfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n",
		"Transfer-Encoding: chunked\r\n\r\n2\n4h\r\n0\r\n\r\n",
		"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\nGET / "
		"HTTP/1.1\r\n\r\n",
		"Content-Length: 6\r\nContent-Length: 2\r\n\r\n4hello",
		"Content-Length: 1x\r\n\r\n4",
	};
	client s;
	open_session(&s);
	char target[96];
	poll_url(&s, target, sizeof(target));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		client c;
		client_open(&c);
		snprintf(c.req, sizeof(c.req), "POST %s HTTP/1.1\r\nHost: x\r\n%s", target, bad[i]);
		client_write(&c);
		run_until(&c.eof, "the close");
		ck_assert_msg(c.answered && c.status == 400, "case %zu: %d", i, c.status);
		client_close(&c);
	}
	ck_assert_str_eq(messages, "");
	client_close(&s);
}
END_TEST

/* RFC 9112 section 6.3: no Content-Length and no chunks is an empty body,
 * answered at once: "ok" as node's engine.io answers it, and the empty
 * payload closes the session as a parse error. */
START_TEST(bodyless_post_is_answered_at_once)
{
	client c;
	open_session(&c);
	char target[96];
	poll_url(&c, target, sizeof(target));
	snprintf(c.req, sizeof(c.req), "POST %s HTTP/1.1\r\nHost: x\r\n\r\n", target);
	client_write(&c);
	run_until(&c.eof, "the answer and the close");
	ck_assert(c.answered);
	ck_assert_int_eq(c.status, 200);
	ck_assert_str_eq(close_reason, "parse error");
	client_close(&c);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("eio_http_conn");
	TCase *tc = tcase_create("keepalive");
	tcase_set_timeout(tc, 20);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, idle_connection_closed_after_keepalive_timeout);
	tcase_add_test(tc, request_in_time_resets_the_wait);
	tcase_add_test(tc, parked_get_is_not_idle);
	tcase_add_test(tc, client_close_before_timeout);
	tcase_add_test(tc, post_aborted_mid_body_ends_the_session);
	tcase_add_test(tc, hang_up_on_a_long_parked_get);
	suite_add_tcase(s, tc);
	TCase *fr = tcase_create("framing");
	tcase_set_timeout(fr, 20);
	tcase_add_checked_fixture(fr, setup, teardown);
	tcase_add_test(fr, connection_close_is_answered_and_closed);
	tcase_add_test(fr, chunked_post_split_everywhere);
	tcase_add_test(fr, bad_framing_is_refused);
	tcase_add_test(fr, bodyless_post_is_answered_at_once);
	suite_add_tcase(s, fr);
	return s;
}

int main(void)
{
	return check_main_run(suite());
}
