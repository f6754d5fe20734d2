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
 * the v5 packets. A v4 session beside it is unchanged. The socket id in a
 * namespace other than "/" is "<nsp>#<sid>" (socket.js, for protocol 3), as
 * long as the namespace's name makes it: rooms, exceptions, fetchSockets and
 * socketsJoin find the socket by it.
 */
#include "sio_fixture.h"
#include "check_main.h"

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

/* What a broadcast's target visit gave (sio_fetch_sockets). */
static char fetched[1024];
static void keep_id(sio_socket *s, void *u)
{
	(void)u;
	snprintf(fetched, sizeof(fetched), "%s", sio_socket_id(s));
}

static char fetched_async[1024];
static size_t nfetched_async;
static void keep_info(sio_namespace *nsp, const sio_socket_info *in, size_t n, const char *err,
                      void *u)
{
	(void)nsp;
	(void)err;
	(void)u;
	nfetched_async = n;
	snprintf(fetched_async, sizeof(fetched_async), "%s|%s", n ? in[0].id : "",
	         n && in[0].nrooms ? in[0].rooms[0] : "");
}

/* The v3 socket s3 (id want) and a v4 socket s4 in namespace nsp (named
 * name): the id is a room of its own, an exception, and a fetchSockets and
 * socketsJoin target. */
static void check_id_targets(sio_namespace *nsp, const char *name, eio_session *s3, sio_socket *so3,
                             eio_session *s4, const char *want)
{
	ck_assert_str_eq(sio_socket_id(so3), want);
	ck_assert(sio_in_room(so3, want));
	char pkt[1024];
	sio_out *o = sio_out_new();
	ck_assert_int_eq(sio_out_str(o, "x"), 0);
	/* io.of(nsp).to(id) */
	ck_assert_int_eq(sio_to(nsp, want, "to-id", o), 1);
	snprintf(pkt, sizeof(pkt), "42%s,[\"to-id\",\"x\"]", name);
	expect_text(s3, pkt);
	expect_empty(s4);
	/* io.of(nsp).except(id): the v4 socket only */
	ck_assert_int_eq(sio_except(nsp, want, "all-but", o), 1);
	snprintf(pkt, sizeof(pkt), "42%s,[\"all-but\",\"x\"]", name);
	expect_text(s4, pkt);
	expect_empty(s3);
	/* socket.broadcast from the v3 socket: the v4 socket only */
	ck_assert_int_eq(sio_socket_broadcast(so3, "others", o), 1);
	snprintf(pkt, sizeof(pkt), "42%s,[\"others\",\"x\"]", name);
	expect_text(s4, pkt);
	expect_empty(s3);
	sio_out_free(o);
	/* fetchSockets, at once and through the adapter, and socketsJoin */
	const char *rooms[] = { want };
	sio_broadcast b = { .rooms = rooms, .nrooms = 1 };
	fetched[0] = '\0';
	ck_assert_int_eq(sio_fetch_sockets(nsp, &b, keep_id, NULL), 1);
	ck_assert_str_eq(fetched, want);
	ck_assert_int_eq(sio_fetch_sockets_async(nsp, &b, 0, keep_info, NULL), 0);
	ck_assert_uint_eq(nfetched_async, 1);
	char both[1024];
	snprintf(both, sizeof(both), "%s|%s", want, want);
	ck_assert_str_eq(fetched_async, both);
	ck_assert_int_eq(sio_sockets_join(nsp, &b, "joined"), 1);
	ck_assert(sio_in_room(so3, "joined"));
}

START_TEST(test_namespace_socket_id)
{
	eio_session *s3 = client_v3();
	expect_text(s3, "40");
	feed(s3, "0/custom,");
	expect_text(s3, "40/custom,");
	sio_socket *so3 = ev.socks[ev.nsocks - 1];
	eio_session *s4 = client();
	join_nsp(s4, "/custom", NULL);
	char want[64];
	snprintf(want, sizeof(want), "/custom#%s", eio_session_id(s3));
	check_id_targets(custom, "/custom", s3, so3, s4, want);
	/* The socket in "/" keeps the bare sid. */
	ck_assert_str_eq(sio_socket_id(ev.socks[0]), eio_session_id(s3));
}
END_TEST

START_TEST(test_long_namespace_socket_id)
{
	/* A namespace name far longer than a random id (20 characters). */
	char name[700];
	name[0] = '/';
	for (size_t i = 1; i < 600; i++)
		name[i] = (char)('a' + i % 26);
	name[600] = '\0';
	sio_namespace *nsp = sio_of(srv, name);
	ck_assert_ptr_nonnull(nsp);
	sio_on_connection(nsp, on_connection, NULL);
	eio_session *s3 = client_v3();
	expect_text(s3, "40");
	char pkt[800];
	snprintf(pkt, sizeof(pkt), "0%s,", name);
	feed(s3, pkt);
	snprintf(pkt, sizeof(pkt), "40%s,", name);
	expect_text(s3, pkt);
	sio_socket *so3 = ev.socks[ev.nsocks - 1];
	eio_session *s4 = client();
	snprintf(pkt, sizeof(pkt), "0%s,", name);
	feed(s4, pkt);
	ck_assert_int_eq(eio_session_queued_count(s4), 1);
	eio_msg_unref(eio_session_take(s4));
	char want[800];
	snprintf(want, sizeof(want), "%s#%s", name, eio_session_id(s3));
	ck_assert_uint_eq(strlen(sio_socket_id(so3)), 600 + 1 + strlen(eio_session_id(s3)));
	check_id_targets(nsp, name, s3, so3, s4, want);
	/* disconnectSockets by that id */
	const char *rooms[] = { want };
	sio_broadcast b = { .rooms = rooms, .nrooms = 1 };
	ck_assert_int_eq(sio_disconnect_sockets(nsp, &b, false), 1);
	snprintf(pkt, sizeof(pkt), "41%s,", name);
	expect_text(s3, pkt);
	ck_assert_uint_eq(sio_namespace_socket_count(nsp), 1);
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
	tcase_add_test(t, test_namespace_socket_id);
	tcase_add_test(t, test_long_namespace_socket_id);
	tcase_add_test(t, test_v4_session_unchanged);
	return check_main_run(s);
}
