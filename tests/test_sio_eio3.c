/* test_sio_eio3.c - Check unit tests of what the Socket.IO layer speaks to a
 * client of Engine.IO v3 (socket.io-client 2.x, Socket.IO protocol v4), on
 * tests/sio_fixture.h with eio_session_open_local_v3().
 *
 * As node's socket.io 4.8 does for conn.protocol 3: the client is connected
 * to "/" at once, answered "0" without payload, its socket id being the
 * Engine.IO sid (index.js onconnection, socket.js); a CONNECT to another
 * namespace carries its auth as a query string (client.js _parseNamespace)
 * and is answered "0/nsp,"; a middleware refusal is an ERROR packet with the
 * refusal's data, else its message (namespace.js _add); events and acks are
 * the v5 packets. A v4 session beside it is unchanged.
 */
#include "sio_fixture.h"

static char last_auth[256];

static void keep_auth(sio_socket *s)
{
	size_t n;
	const char *a = sio_socket_auth(s, &n);
	snprintf(last_auth, sizeof(last_auth), "%.*s", (int)n, a);
}

static eio_session *client_v3(void)
{
	eio_session *s = eio_session_open_local_v3(sio_server_engine(srv));
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(eio_session_protocol(s), 3);
	eio_msg *open = eio_session_take(s);
	ck_assert_int_eq(eio_msg_frame(open, NULL)[0], '0');
	eio_msg_unref(open);
	return s;
}

START_TEST(test_auto_connect_root)
{
	conn_hook = keep_auth;
	eio_session *s = client_v3();
	/* Connected to "/" with no CONNECT from the client. */
	ck_assert_int_eq(ev.nsocks, 1);
	sio_socket *so = ev.socks[0];
	ck_assert(sio_socket_connected(so));
	ck_assert_str_eq(sio_socket_id(so), eio_session_id(s));
	ck_assert_str_eq(last_auth, "{}");
	expect_text(s, "40");
	expect_empty(s);
	/* Events and acks as in v5. */
	ck_assert_int_eq(sio_on_any(so, on_event, "any"), 0);
	feed(s, "21[\"ev\",1]");
	ck_assert_int_eq(ev.nev, 1);
	ck_assert_str_eq(ev.ev[0].event, "ev");
}
END_TEST

START_TEST(test_namespace_query_auth)
{
	conn_hook = keep_auth;
	eio_session *s = client_v3();
	expect_text(s, "40");
	feed(s, "0/custom?token=x&n=a+b%21&empty=&flag,");
	ck_assert_int_eq(ev.nsocks, 2);
	ck_assert_str_eq(last_auth,
	                 "{\"token\":\"x\",\"n\":\"a b!\",\"empty\":\"\",\"flag\":\"\"}");
	expect_text(s, "40/custom,");
	ck_assert_str_eq(sio_socket_namespace(ev.socks[1])->name, "/custom");
	ck_assert_int_eq(sio_on_any(ev.socks[1], on_event, "any"), 0);
	feed(s, "2/custom,[\"in-custom\"]");
	ck_assert_int_eq(ev.nev, 1);
	ck_assert_str_eq(ev.ev[0].event, "in-custom");
}
END_TEST

static int refuse(sio_socket *s, const char **message, const char **data, void *u)
{
	(void)u;
	size_t n;
	const char *auth = sio_socket_auth(s, &n);
	*message = "nope";
	*data = strstr(auth, "\"data\"") ? "{\"code\":7}" : NULL;
	return -1;
}

START_TEST(test_refusal_is_error_packet)
{
	sio_use(custom, refuse, NULL);
	eio_session *s = client_v3();
	expect_text(s, "40");
	feed(s, "0/custom?data=1,");
	expect_text(s, "44/custom,{\"code\":7}");
	feed(s, "0/custom,");
	expect_text(s, "44/custom,\"nope\"");
	ck_assert(!closing(s));
	/* An unknown namespace: node answers every protocol the same way. */
	feed(s, "0/nowhere,");
	expect_text(s, "44/nowhere,{\"message\":\"Invalid namespace\"}");
}
END_TEST

START_TEST(test_v4_session_unchanged)
{
	eio_session *s4 = client();
	ck_assert_int_eq(eio_session_protocol(s4), 4);
	ck_assert_int_eq(ev.nsocks, 0); /* no auto-connect */
	expect_empty(s4);
	join_nsp(s4, "/", NULL); /* answered with {"sid":...} */
}
END_TEST

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	Suite *s = suite_create("sio_eio3");
	TCase *t = tc(s, "protocol v4");
	tcase_add_test(t, test_auto_connect_root);
	tcase_add_test(t, test_namespace_query_auth);
	tcase_add_test(t, test_refusal_is_error_packet);
	tcase_add_test(t, test_v4_session_unchanged);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
