/* test_sio_connect.c - Check unit tests for the Socket.IO CONNECT handshake
 * (socketio/sio_connect.c, sio_server.c) on a real Engine.IO server, without
 * HTTP; the fixture is sio_fixture.h.
 *
 * Why: a client sees its namespace join only through the CONNECT answer: a
 * fresh URL-safe 20-char sid for "/" and for a custom namespace, the error
 * for an unknown namespace, middleware refusals (with their message and
 * data) and their order, the auth payload, asynchronous middleware (answered
 * later, client gone meanwhile, connection closing meanwhile), the connection
 * callback running after the answer is queued, and connectTimeout closing a
 * session that never sends CONNECT.
 */
#include "sio_fixture.h"
#include "check_main.h"

/* ===================================================================================
 * CONNECT
 * =================================================================================== */

START_TEST(test_connect_main)
{
	eio_session *s = client();
	feed(s, "0");
	ck_assert_int_eq(ev.nsocks, 1);
	sio_socket *so = ev.socks[0];
	ck_assert_uint_eq(eio_session_queued_count(s), 1);
	const char *txt = queued_frame(s, 0);
	ck_assert_msg(strncmp(txt, "40{\"sid\":\"", 10) == 0, "answer %s", txt);
	ck_assert_uint_eq(strlen(txt), 10 + 20 + 2);
	ck_assert_str_eq(txt + 30, "\"}");
	char sid[24];
	snprintf(sid, sizeof(sid), "%.20s", txt + 10);
	ck_assert_msg(sid_ok(sid), "bad sid %s", sid);
	ck_assert_str_eq(sid, sio_socket_id(so));
	ck_assert_str_ne(sid, eio_session_id(s)); /* not the engine sid */
	ck_assert(sio_socket_connected(so));
	ck_assert_ptr_eq(sio_socket_session(so), s);
	ck_assert_ptr_eq(sio_socket_namespace(so), root);
	ck_assert_str_eq(sio_namespace_name(root), "/");
	ck_assert_ptr_eq(sio_namespace_server(root), srv);
	ck_assert_uint_eq(sio_namespace_socket_count(root), 1);
	ck_assert_uint_eq(sio_namespace_socket_count(custom), 0);
	ck_assert(!closing(s));
	/* A second client gets another id. */
	sio_socket *other = connected(NULL);
	ck_assert_str_ne(sio_socket_id(other), sid);
	ck_assert_uint_eq(sio_namespace_socket_count(root), 2);
}
END_TEST

START_TEST(test_connect_custom)
{
	eio_session *s = client();
	feed(s, "0/custom,");
	ck_assert_int_eq(ev.nsocks, 1);
	sio_socket *so = ev.socks[0];
	char want[64];
	snprintf(want, sizeof(want), "40/custom,{\"sid\":\"%s\"}", sio_socket_id(so));
	expect_text(s, want);
	expect_empty(s);
	ck_assert(sid_ok(sio_socket_id(so)));
	ck_assert_ptr_eq(sio_socket_namespace(so), custom);
	ck_assert_uint_eq(sio_namespace_socket_count(custom), 1);
	ck_assert_uint_eq(sio_namespace_socket_count(root), 0);
	/* The same client may join "/" as well: another socket, another id. */
	sio_socket *so2 = join_nsp(s, "/", NULL);
	ck_assert_ptr_ne(so2, so);
	ck_assert_str_ne(sio_socket_id(so2), sio_socket_id(so));
	ck_assert(!closing(s));
}
END_TEST

START_TEST(test_connect_unknown_namespace)
{
	eio_session *s = client();
	feed(s, "0/nope,");
	expect_text(s, "44/nope,{\"message\":\"Invalid namespace\"}");
	expect_empty(s);
	ck_assert_int_eq(ev.nsocks, 0);
	ck_assert(!closing(s)); /* the client may try another namespace */
	join_nsp(s, "/custom", NULL);
}
END_TEST

static int mw_accept(sio_socket *s, const char **message, const char **data, void *user)
{
	(void)message;
	(void)data;
	char buf[128];
	size_t len;
	const char *auth = sio_socket_auth(s, &len);
	snprintf(buf, sizeof(buf), "%s:%.*s", (const char *)user, (int)len, auth);
	log_order(buf);
	ck_assert(!sio_socket_connected(s));
	return 0;
}

static int mw_refuse(sio_socket *s, const char **message, const char **data, void *user)
{
	(void)s;
	log_order("refuse");
	*message = "not allowed";
	*data = user;
	return 1;
}

START_TEST(test_connect_middleware_refuses)
{
	ck_assert_int_eq(sio_use(custom, mw_refuse, "{\"code\":42}"), 0);
	eio_session *s = client();
	feed(s, "0/custom,");
	expect_text(s, "44/custom,{\"message\":\"not allowed\",\"data\":{\"code\":42}}");
	expect_empty(s);
	ck_assert_int_eq(ev.nsocks, 0);
	ck_assert_uint_eq(sio_namespace_socket_count(custom), 0);
	ck_assert_uint_eq(custom->rooms.len, 0);
	ck_assert(!closing(s));
	/* Without data: only the message. */
	ck_assert_int_eq(sio_use(root, mw_refuse, NULL), 0);
	feed(s, "0");
	expect_text(s, "44{\"message\":\"not allowed\"}");
	ck_assert_int_eq(ev.nsocks, 0);
	ck_assert_str_eq(ev.order, "refuse,refuse");
	ck_assert(!closing(s));
}
END_TEST

START_TEST(test_connect_middleware_order)
{
	ck_assert_int_eq(sio_use(custom, mw_accept, "mw1"), 0);
	ck_assert_int_eq(sio_use(custom, mw_accept, "mw2"), 0);
	eio_session *s = client();
	join_nsp(s, "/custom", "{\"token\":\"t\"}");
	ck_assert_str_eq(ev.order, "mw1:{\"token\":\"t\"},mw2:{\"token\":\"t\"},conn");
	/* A refusal stops the chain: mw3 never runs, no connection. */
	ck_assert_int_eq(sio_use(root, mw_accept, "a"), 0);
	ck_assert_int_eq(sio_use(root, mw_refuse, NULL), 0);
	ck_assert_int_eq(sio_use(root, mw_accept, "never"), 0);
	ev.order[0] = '\0';
	feed(s, "0");
	expect_text(s, "44{\"message\":\"not allowed\"}");
	ck_assert_str_eq(ev.order, "a:{},refuse");
	ck_assert_int_eq(ev.nsocks, 1);
}
END_TEST

static void conn_emit_welcome(sio_socket *s)
{
	sio_out *o = sio_out_new();
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(sio_out_str(o, "hi"), 0);
	ck_assert_int_eq(sio_emit(s, "welcome", o), 0);
	sio_out_free(o);
}

START_TEST(test_connection_callback_after_answer)
{
	conn_hook = conn_emit_welcome;
	eio_session *s = client();
	feed(s, "0");
	ck_assert_int_eq(ev.nsocks, 1);
	/* The answer was already queued when the callback ran... */
	ck_assert_uint_eq(ev.qlen_at_conn, 1);
	/* ...so what it emitted comes after it. */
	char want[64];
	snprintf(want, sizeof(want), "40{\"sid\":\"%s\"}", sio_socket_id(ev.socks[0]));
	expect_text(s, want);
	expect_text(s, "42[\"welcome\",\"hi\"]");
	expect_empty(s);
	feed(s, "0/custom,");
	snprintf(want, sizeof(want), "40/custom,{\"sid\":\"%s\"}", sio_socket_id(ev.socks[1]));
	expect_text(s, want);
	expect_text(s, "42/custom,[\"welcome\",\"hi\"]");
	expect_empty(s);
}
END_TEST

START_TEST(test_connect_auth)
{
	size_t len = 99;
	eio_session *s = client();
	sio_socket *a = join_nsp(s, "/", NULL);
	ck_assert_str_eq(sio_socket_auth(a, &len), "{}");
	ck_assert_uint_eq(len, 2);
	sio_socket *b = join_nsp(s, "/custom", "{\"token\":\"abc\",\"n\":[1,2]}");
	ck_assert_str_eq(sio_socket_auth(b, &len), "{\"token\":\"abc\",\"n\":[1,2]}");
	ck_assert_uint_eq(len, strlen("{\"token\":\"abc\",\"n\":[1,2]}"));
	ck_assert_str_eq(sio_socket_auth(b, NULL), "{\"token\":\"abc\",\"n\":[1,2]}");
	sio_socket *c = join_nsp(client(), "/", "{\"x\":\"caf\\u00e9\"}");
	ck_assert_str_eq(sio_socket_auth(c, &len), "{\"x\":\"caf\\u00e9\"}");
	/* The user pointer is per socket. */
	int tok;
	sio_socket_set_user(a, &tok);
	ck_assert_ptr_eq(sio_socket_get_user(a), &tok);
	ck_assert_ptr_null(sio_socket_get_user(b));
}
END_TEST

/* Asynchronous middleware: the answer waits for sio_next. */
static sio_next *pending_next;
static void amw(sio_socket *s, sio_next *next, void *user)
{
	(void)s;
	(void)user;
	log_order("amw");
	pending_next = next;
}

START_TEST(test_connect_async_middleware)
{
	ck_assert_int_eq(sio_use_async(custom, amw, NULL), 0);
	eio_session *s = client();
	feed(s, "0/custom,");
	ck_assert_ptr_nonnull(pending_next);
	expect_empty(s);
	ck_assert_int_eq(ev.nsocks, 0);
	sio_next_accept(pending_next);
	pending_next = NULL;
	ck_assert_int_eq(ev.nsocks, 1);
	char want[64];
	snprintf(want, sizeof(want), "40/custom,{\"sid\":\"%s\"}", sio_socket_id(ev.socks[0]));
	expect_text(s, want);
	ck_assert_str_eq(ev.order, "amw,conn");
	/* Refused later; message and data are copied. */
	eio_session *t = client();
	feed(t, "0/custom,");
	ck_assert_ptr_nonnull(pending_next);
	char msg[16], data[16];
	snprintf(msg, sizeof(msg), "later");
	snprintf(data, sizeof(data), "{\"a\":1}");
	sio_next_refuse(pending_next, msg, data);
	pending_next = NULL;
	memset(msg, 'x', sizeof(msg) - 1);
	memset(data, 'x', sizeof(data) - 1);
	expect_text(t, "44/custom,{\"message\":\"later\",\"data\":{\"a\":1}}");
	expect_empty(t);
	ck_assert(!closing(t));
	ck_assert_int_eq(ev.nsocks, 1);
	pending_next = NULL;
}
END_TEST

START_TEST(test_connect_async_middleware_client_gone)
{
	/* The engine session ends before the answer: the late accept does
	 * nothing (and leaks nothing: valgrind). */
	ck_assert_int_eq(sio_use_async(custom, amw, NULL), 0);
	eio_session *v = client();
	feed(v, "0/custom,");
	sio_next *n = pending_next;
	ck_assert_ptr_nonnull(n);
	feed_engine(v, "1");
	sio_next_accept(n);
	ck_assert_int_eq(ev.nsocks, 0);
	ck_assert_int_eq(ev.ndisc, 0); /* never connected: no disconnect */
	/* The same with a refusal. */
	eio_session *w = client();
	feed(w, "0/custom,");
	n = pending_next;
	feed_engine(w, "1");
	sio_next_refuse(n, "late", NULL);
	ck_assert_int_eq(ev.nsocks, 0);
	pending_next = NULL;
}
END_TEST

START_TEST(test_connect_async_middleware_connection_closing)
{
	/* While the middleware runs, an event for that namespace closes the
	 * connection; an accept after that must not make a socket (node's
	 * Namespace#_add ignores a socket whose client is no longer "open"). */
	ck_assert_int_eq(sio_use_async(custom, amw, NULL), 0);
	eio_session *u = client();
	feed(u, "0/custom,");
	sio_next *n = pending_next;
	pending_next = NULL;
	feed(u, "2/custom,[\"ev\"]");
	ck_assert(closing(u));
	sio_next_accept(n);
	ck_assert_msg(ev.nsocks == 0,
	              "connection callback ran for a socket whose connection is closing");
}
END_TEST

static bool session_closing(void *s)
{
	return closing(s);
}

START_TEST(test_connect_timeout)
{
	sio_options o;
	sio_options_init(&o);
	o.eio.path = "/timeout/";
	o.eio.ping_interval_ms = 60000;
	o.connect_timeout_ms = 30;
	int err;
	srv2 = sio_server_new(L, &o, &err);
	ck_assert_ptr_nonnull(srv2);
	sio_on_connection(sio_of(srv2, "/"), on_connection, NULL);
	eio_session *idle = client_of(srv2);
	eio_session *joined = client_of(srv2);
	/* A failed CONNECT does not count as joining. */
	feed(idle, "0/nope,");
	feed(joined, "0");
	ck_assert_int_eq(ev.nsocks, 1);
	run_until(session_closing, idle);
	ck_assert(!closing(joined));
	/* Long after: the joined one is still open. */
	ck_assert(!run_loop_until(session_closing, joined, 100));
}
END_TEST

/* ---- suite --------------------------------------------------------------------------- */

static Suite *connect_suite(void)
{
	Suite *s = suite_create("sio_connect");
	TCase *t = tc(s, "connect");
	tcase_add_test(t, test_connect_main);
	tcase_add_test(t, test_connect_custom);
	tcase_add_test(t, test_connect_unknown_namespace);
	tcase_add_test(t, test_connect_middleware_refuses);
	tcase_add_test(t, test_connect_middleware_order);
	tcase_add_test(t, test_connection_callback_after_answer);
	tcase_add_test(t, test_connect_auth);
	tcase_add_test(t, test_connect_async_middleware);
	tcase_add_test(t, test_connect_async_middleware_client_gone);
	tcase_add_test(t, test_connect_async_middleware_connection_closing);
	tcase_add_test(t, test_connect_timeout);
	return s;
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	return check_main_run(connect_suite());
}
