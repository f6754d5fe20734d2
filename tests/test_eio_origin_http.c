/* test_eio_origin_http.c - Check tests of the engine's origin rules over real
 * HTTP: a listener on 127.0.0.1 and a raw libuv TCP client on the same loop.
 *
 * What applications rely on: with eio_options.check_origin a WebSocket
 * handshake or upgrade from a foreign page is refused with 403 and code 4
 * (cross-site WebSocket hijacking), while listed origins, port-wildcard
 * entries, the server's own origin (Host) and requests without Origin pass;
 * without check_origin nothing changes from node's behaviour; a refused
 * upgrade leaves the polling session alone; polling CORS honours the same
 * list, wildcards included; eio_server_set_cors() replaces the list while
 * sessions stay open; every refusal is reported to eio_server_on_refusal
 * with its kind, code, status and request (the application logs it).
 *
 * No sleeps: the loop runs until the response is complete, under a watchdog.
 * Run it under valgrind with CK_FORK=no.
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

#define WATCHDOG_MS 3000
#define WS_KEY      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"

static uv_loop_t loop;
static eio_listener *L;
static eio_server *srv;
static char host[64];

static void on_message(eio_session *s, const char *d, size_t n, bool b, void *u)
{
	(void)s;
	(void)d;
	(void)n;
	(void)b;
	(void)u;
}

static const eio_callbacks callbacks = { .on_message = on_message };

/* ---- the loop ------------------------------------------------------------------- */

static void run_until(bool *flag, const char *what)
{
	ck_assert_msg(run_loop_until_flag(&loop, flag, WATCHDOG_MS), "timed out waiting for %s",
	              what);
}

static void start(const char *cors, bool check)
{
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	int err = 1;
	L = eio_listener_new(&loop, "127.0.0.1", 0, &err);
	ck_assert_ptr_nonnull(L);
	snprintf(host, sizeof(host), "127.0.0.1:%d", eio_listener_port(L));
	eio_options o;
	eio_options_init(&o);
	o.path = "/engine.io/";
	o.cors_origin = cors;
	o.check_origin = check;
	srv = eio_server_new(L, &o, &callbacks, NULL, &err);
	ck_assert_ptr_nonnull(srv);
}

static void teardown(void)
{
	if (!L)
		return;
	const char *err = listener_teardown(&loop, &L, WATCHDOG_MS);
	ck_assert_msg(err == NULL, "%s", err);
}

/* ---- a raw HTTP client ---------------------------------------------------------- */

typedef struct client {
	uv_tcp_t tcp;
	uv_connect_t conn;
	uv_write_t wr;
	uv_buf_t out;
	char req[2048];
	char buf[16384];
	size_t len;
	bool done, closed;
	int status;
	const char *body; /* into buf, once done */
} client;

static void on_closed(uv_handle_t *h)
{
	((client *)h->data)->closed = true;
}

/* Complete when the headers are in and: 101, or Content-Length bytes of body. */
static void check_complete(client *c)
{
	c->buf[c->len] = '\0';
	char *end = strstr(c->buf, "\r\n\r\n");
	if (!end)
		return;
	c->status = atoi(c->buf + 9); /* "HTTP/1.1 NNN" */
	c->body = end + 4;
	if (c->status == 101) {
		c->done = true;
		return;
	}
	const char *cl = strcasestr(c->buf, "\r\ncontent-length:");
	if (cl && cl < end && strlen(c->body) >= (size_t)atol(cl + 17))
		c->done = true;
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
		check_complete(c);
	} else if (n < 0) {
		check_complete(c);
		c->done = true; /* EOF or error: whatever arrived is the answer */
	}
	if (c->done)
		uv_read_stop(s);
}

static void on_written(uv_write_t *w, int status)
{
	(void)w;
	(void)status;
}

static void on_connect(uv_connect_t *r, int status)
{
	client *c = r->handle->data;
	ck_assert_int_eq(status, 0);
	c->out = uv_buf_init(c->req, (unsigned)strlen(c->req));
	uv_write(&c->wr, (uv_stream_t *)&c->tcp, &c->out, 1, on_written);
	uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

/* Send req, wait for the whole answer, close; the answer stays in c. */
static void exchange(client *c)
{
	struct sockaddr_in a;
	uv_ip4_addr("127.0.0.1", eio_listener_port(L), &a);
	uv_tcp_init(&loop, &c->tcp);
	c->tcp.data = c;
	uv_tcp_connect(&c->conn, &c->tcp, (const struct sockaddr *)&a, on_connect);
	run_until(&c->done, "the response");
	uv_close((uv_handle_t *)&c->tcp, on_closed);
	run_until(&c->closed, "the client close");
}

/* A WebSocket handshake (query_extra e.g. "&sid=X") with an optional Origin. */
static int ws(const char *origin, const char *query_extra, client *c)
{
	memset(c, 0, sizeof(*c));
	char oh[600] = "";
	if (origin)
		snprintf(oh, sizeof(oh), "Origin: %s\r\n", origin);
	snprintf(c->req, sizeof(c->req),
	         "GET /engine.io/?EIO=4&transport=websocket%s HTTP/1.1\r\nHost: %s\r\n"
	         "Upgrade: websocket\r\nConnection: Upgrade\r\n" WS_KEY "%s\r\n",
	         query_extra ? query_extra : "", host, oh);
	exchange(c);
	return c->status;
}

static int ws_status(const char *origin)
{
	client c;
	return ws(origin, NULL, &c);
}

static void assert_forbidden(const char *origin)
{
	client c;
	ck_assert_int_eq(ws(origin, NULL, &c), 403);
	ck_assert_str_eq(c.body, "{\"code\":4,\"message\":\"Forbidden\"}");
}

/* A polling handshake; the Access-Control-Allow-Origin value into acao
 * ("" if none) and the sid into sid. */
static void poll_handshake(const char *origin, char *acao, size_t alen, char *sid, size_t slen)
{
	client c;
	memset(&c, 0, sizeof(c));
	char oh[600] = "";
	if (origin)
		snprintf(oh, sizeof(oh), "Origin: %s\r\n", origin);
	snprintf(c.req, sizeof(c.req),
	         "GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: %s\r\n%s\r\n", host,
	         oh);
	exchange(&c);
	ck_assert_int_eq(c.status, 200);
	acao[0] = '\0';
	const char *h = strcasestr(c.buf, "\r\naccess-control-allow-origin:");
	if (h && h < c.body) {
		h += 30;
		h += strspn(h, " ");
		snprintf(acao, alen, "%.*s", (int)strcspn(h, "\r"), h);
	}
	const char *s = strstr(c.body, "\"sid\":\"");
	ck_assert_ptr_nonnull(s);
	snprintf(sid, slen, "%.*s", (int)strcspn(s + 7, "\""), s + 7);
}

/* Any request text (the Host header added), answered into c. */
static int raw(const char *line_and_headers, client *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->req, sizeof(c->req), "%s\r\nHost: %s\r\n\r\n", line_and_headers, host);
	exchange(c);
	return c->status;
}

/* ---- refusals, as the application hears of them --------------------------------- */

typedef struct heard {
	int n;
	char kind[32], message[64], address[64], origin[64], url[128];
	int code, status;
	bool websocket, has_req;
} heard;

static heard last;

static void on_refusal(eio_server *s, const eio_refusal *r, void *user)
{
	ck_assert_ptr_eq(s, srv);
	ck_assert_ptr_eq(user, &last);
	int n = last.n + 1;
	memset(&last, 0, sizeof(last));
	last.n = n;
	snprintf(last.kind, sizeof(last.kind), "%s", r->kind);
	snprintf(last.message, sizeof(last.message), "%s", r->message);
	last.code = r->code;
	last.status = r->status;
	last.websocket = r->websocket;
	last.has_req = r->req != NULL;
	if (r->req) {
		const char *o = eio_request_header(r->req, "origin");
		snprintf(last.address, sizeof(last.address), "%s", eio_request_address(r->req));
		snprintf(last.origin, sizeof(last.origin), "%s", o ? o : "");
		snprintf(last.url, sizeof(last.url), "%s", eio_request_url(r->req));
	}
}

static void listen_refusals(void)
{
	memset(&last, 0, sizeof(last));
	eio_server_on_refusal(srv, on_refusal, &last);
}

static void assert_heard(int n, const char *kind, int code, int status, bool websocket)
{
	ck_assert_int_eq(last.n, n);
	ck_assert_str_eq(last.kind, kind);
	ck_assert_int_eq(last.code, code);
	ck_assert_int_eq(last.status, status);
	ck_assert(last.websocket == websocket);
	ck_assert(last.has_req);
	ck_assert_str_eq(last.address, "127.0.0.1");
}

/* ---- tests ---------------------------------------------------------------------- */

START_TEST(test_off_by_default)
{
	/* node's behaviour: CORS configured, but WebSocket is not checked. */
	start("https://a.test", false);
	ck_assert_int_eq(ws_status("https://evil.test"), 101);
	ck_assert_int_eq(ws_status("https://a.test"), 101);
}
END_TEST

START_TEST(test_listed_and_wildcard)
{
	start("https://a.test,http://localhost:*", true);
	ck_assert_int_eq(ws_status("https://a.test"), 101);
	ck_assert_int_eq(ws_status("http://localhost:5173"), 101);
	ck_assert_int_eq(ws_status("http://localhost"), 101);
	assert_forbidden("https://evil.test");
	assert_forbidden("https://a.test.evil.test");
	assert_forbidden("https://localhost:5173"); /* scheme not listed */
	assert_forbidden("http://localhost.evil.test");
	assert_forbidden("null");
}
END_TEST

START_TEST(test_no_origin_and_same_host)
{
	start(NULL, true);
	ck_assert_int_eq(ws_status(NULL), 101); /* not a browser page */
	char own[96];
	snprintf(own, sizeof(own), "http://%s", host);
	ck_assert_int_eq(ws_status(own), 101); /* the server's own origin */
	snprintf(own, sizeof(own), "https://%s", host);
	ck_assert_int_eq(ws_status(own), 101); /* TLS ended at a proxy */
	assert_forbidden("http://127.0.0.1:1");
	assert_forbidden("https://a.test");
	char big[400];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "https://", 8);
	assert_forbidden(big); /* too long to be an origin */
}
END_TEST

START_TEST(test_any_origin)
{
	start("*", true);
	ck_assert_int_eq(ws_status("https://anything.test"), 101);
}
END_TEST

START_TEST(test_upgrade_checked_session_kept)
{
	start("https://a.test", true);
	char acao[256], sid[64];
	poll_handshake(NULL, acao, sizeof(acao), sid, sizeof(sid));
	char q[96];
	snprintf(q, sizeof(q), "&sid=%s", sid);
	client c;
	ck_assert_int_eq(ws("https://evil.test", q, &c), 403);
	eio_session *s = eio_server_session(srv, sid);
	ck_assert_msg(s && eio_session_open(s), "a refused upgrade must not close the session");
	ck_assert_str_eq(eio_session_transport(s), "polling");
	ck_assert_int_eq(ws("https://a.test", q, &c), 101);
}
END_TEST

START_TEST(test_polling_cors_wildcard)
{
	start("https://a.test,http://localhost:*", true);
	char acao[256], sid[64];
	poll_handshake("http://localhost:5173", acao, sizeof(acao), sid, sizeof(sid));
	ck_assert_str_eq(acao, "http://localhost:5173");
	poll_handshake("HTTPS://A.TEST", acao, sizeof(acao), sid, sizeof(sid));
	ck_assert_str_eq(acao, "HTTPS://A.TEST");
	poll_handshake("https://localhost:5173", acao, sizeof(acao), sid, sizeof(sid));
	ck_assert_str_eq(acao, "");
	/* polling itself is not refused for a foreign origin: CORS protects it */
	poll_handshake("https://evil.test", acao, sizeof(acao), sid, sizeof(sid));
	ck_assert_str_eq(acao, "");
}
END_TEST

START_TEST(test_set_cors_at_run_time)
{
	start("https://a.test", true);
	char acao[256], sid[64];
	poll_handshake("https://a.test", acao, sizeof(acao), sid, sizeof(sid));
	ck_assert_str_eq(acao, "https://a.test");
	assert_forbidden("https://b.test");
	ck_assert_int_eq(eio_server_set_cors(srv, "https://b.test", true), 0);
	ck_assert_str_eq(eio_server_options(srv)->cors_origin, "https://b.test");
	/* the next handshakes and upgrades are checked by the new list */
	ck_assert_int_eq(ws_status("https://b.test"), 101);
	assert_forbidden("https://a.test");
	char sid2[64];
	poll_handshake("https://b.test", acao, sizeof(acao), sid2, sizeof(sid2));
	ck_assert_str_eq(acao, "https://b.test");
	client c;
	ck_assert_int_eq(raw("OPTIONS /engine.io/?EIO=4&transport=polling HTTP/1.1\r\n"
	                     "Origin: https://b.test",
	                     &c),
	                 204);
	ck_assert_ptr_nonnull(strcasestr(c.buf, "access-control-allow-credentials: true"));
	poll_handshake("https://a.test", acao, sizeof(acao), sid2, sizeof(sid2));
	ck_assert_str_eq(acao, "");
	/* the session opened before stays */
	eio_session *s = eio_server_session(srv, sid);
	ck_assert_msg(s && eio_session_open(s), "a new CORS list must not close a session");
	/* no list at all: no CORS headers, only the server's own origin */
	ck_assert_int_eq(eio_server_set_cors(srv, NULL, false), 0);
	ck_assert_ptr_null(eio_server_options(srv)->cors_origin);
	assert_forbidden("https://b.test");
	poll_handshake("https://b.test", acao, sizeof(acao), sid2, sizeof(sid2));
	ck_assert_str_eq(acao, "");
}
END_TEST

START_TEST(test_refusals_reported)
{
	start("https://a.test", true);
	listen_refusals();
	client c;
	ws("https://evil.test", NULL, &c);
	assert_heard(1, "origin", EIO_ERR_FORBIDDEN, 403, true);
	ck_assert_str_eq(last.message, "Forbidden");
	ck_assert_str_eq(last.origin, "https://evil.test");
	/* CORS refuses nothing itself: reported with the status answered */
	char acao[256], sid[64];
	poll_handshake("https://evil.test", acao, sizeof(acao), sid, sizeof(sid));
	assert_heard(2, "cors", -1, 200, false);
	ck_assert_str_eq(last.origin, "https://evil.test");
	ck_assert_int_eq(raw("OPTIONS /engine.io/?EIO=4&transport=polling HTTP/1.1\r\n"
	                     "Origin: https://evil.test",
	                     &c),
	                 204);
	assert_heard(3, "cors", -1, 204, false);
	/* an allowed origin, none, and the server's own are not refusals */
	poll_handshake("https://a.test", acao, sizeof(acao), sid, sizeof(sid));
	poll_handshake(NULL, acao, sizeof(acao), sid, sizeof(sid));
	char own[96];
	snprintf(own, sizeof(own), "http://%s", host);
	poll_handshake(own, acao, sizeof(acao), sid, sizeof(sid));
	ck_assert_int_eq(ws_status("https://a.test"), 101);
	ck_assert_int_eq(last.n, 3);
	/* the Engine.IO checks, over HTTP and on an Upgrade */
	ck_assert_int_eq(raw("GET /engine.io/?EIO=4&transport=carrier-pigeon HTTP/1.1", &c), 400);
	assert_heard(4, "unknown_transport", EIO_ERR_UNKNOWN_TRANSPORT, 400, false);
	ck_assert_str_eq(last.message, "Transport unknown");
	ck_assert_str_eq(last.url, "/engine.io/?EIO=4&transport=carrier-pigeon");
	ck_assert_int_eq(raw("GET /engine.io/?EIO=4&transport=polling&sid=nope HTTP/1.1", &c), 400);
	assert_heard(5, "unknown_sid", EIO_ERR_UNKNOWN_SID, 400, false);
	ck_assert_int_eq(raw("PUT /engine.io/?EIO=4&transport=polling HTTP/1.1", &c), 400);
	assert_heard(6, "bad_handshake_method", EIO_ERR_BAD_HANDSHAKE_METHOD, 400, false);
	ck_assert_int_eq(raw("GET /engine.io/?EIO=4&transport=websocket HTTP/1.1", &c), 400);
	assert_heard(7, "bad_request", EIO_ERR_BAD_REQUEST, 400, false);
	ck_assert_int_eq(raw("GET /engine.io/?EIO=3&transport=polling HTTP/1.1", &c), 400);
	assert_heard(8, "unsupported_protocol", EIO_ERR_UNSUPPORTED_PROTOCOL_VERSION, 400, false);
	ck_assert_int_eq(ws(NULL, "&sid=nope", &c), 400);
	assert_heard(9, "unknown_sid", EIO_ERR_UNKNOWN_SID, 400, true);
	/* no listener: nothing is called */
	eio_server_on_refusal(srv, NULL, NULL);
	assert_forbidden("https://evil.test");
	ck_assert_int_eq(last.n, 9);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("eio_origin_http");
	TCase *t = tcase_create("origin");
	tcase_add_checked_fixture(t, NULL, teardown);
	tcase_set_timeout(t, 20);
	tcase_add_test(t, test_off_by_default);
	tcase_add_test(t, test_listed_and_wildcard);
	tcase_add_test(t, test_no_origin_and_same_host);
	tcase_add_test(t, test_any_origin);
	tcase_add_test(t, test_upgrade_checked_session_kept);
	tcase_add_test(t, test_polling_cors_wildcard);
	tcase_add_test(t, test_set_cors_at_run_time);
	tcase_add_test(t, test_refusals_reported);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_main_run(suite());
}
