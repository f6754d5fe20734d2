/* test_sio_msgpack_server.c - Check unit tests of a server with the msgpack
 * parser (sio_options.parser = SIO_PARSER_MSGPACK; socketio/sio_msgpack.c
 * wired into sio_client.c, sio_client_send.c and sio_socket.c), through the
 * in-process sessions of tests/sio_fixture.h.
 *
 * The client's packets are written in their text form and packed with
 * sio_msgpack_from_packet (itself tested in test_sio_msgpack.c); what the
 * server queues must be binary messages, one per packet (no attachments),
 * whose decoding gives the expected text form. Covered: CONNECT and its
 * answer, an unknown namespace, an event with binary and an ack answered
 * with binary, an ack the server waits for, a broadcast encoded once, a
 * server-side disconnect, and what closes the connection (a text message,
 * malformed msgpack); an unknown parser value is refused.
 */
#include "sio_fixture.h"

#include "../socketio/sio_msgpack.h"
#include "check_main.h"

static sio_namespace *mp_root;

/* srv2: the msgpack server, "/" with the fixture's callbacks and an on_any. */
static void mp_server(void)
{
	sio_options o;
	sio_options_init(&o);
	o.eio.ping_interval_ms = 60000;
	o.parser = SIO_PARSER_MSGPACK;
	int err = 0;
	srv2 = sio_server_new(L, &o, &err);
	ck_assert_ptr_nonnull(srv2);
	mp_root = sio_of(srv2, "/");
	sio_on_connection(mp_root, on_connection, NULL);
	sio_namespace_on_any(mp_root, on_event, NULL);
}

/* Feed the text packet (and its attachments) as one msgpack message. */
static void feed_mp(eio_session *s, const char *text, const char *att, size_t att_len)
{
	sio_packet p;
	sio_packet_init(&p);
	ck_assert_int_eq(sio_packet_decode(text, strlen(text), 10, &p), 0);
	eio_msg *a = att ? eio_msg_binary(att, att_len) : NULL;
	base_buf b;
	base_buf_init(&b);
	ck_assert_int_eq(sio_msgpack_from_packet(&p, &a, att ? 1 : 0, &b), 0);
	feed_bin(s, b.data, b.len);
	base_buf_free(&b);
	eio_msg_unref(a);
	sio_packet_free(&p);
}

/* The next queued message: binary, decoding to the text form want (and, if
 * att, one attachment with those bytes). */
static void expect_mp_(eio_session *s, const char *want, const char *att, size_t att_len, int line)
{
	ck_assert_msg(eio_session_queued_count(s) > 0, "line %d: queue empty, want %s", line, want);
	eio_msg *m = eio_session_take(s);
	ck_assert_msg(eio_msg_is_binary(m), "line %d: a text message", line);
	size_t n;
	const char *p = eio_msg_data(m, &n);
	sio_mp_in in;
	sio_mp_in_init(&in);
	int r = sio_msgpack_decode(p, n, 10, &in);
	ck_assert_msg(r == 0, "line %d: %s", line, sio_msgpack_strerror(r));
	ck_assert_msg(in.text.len == strlen(want) && memcmp(in.text.data, want, in.text.len) == 0,
	              "line %d: got %.*s, want %s", line, (int)in.text.len, in.text.data, want);
	ck_assert_int_eq(in.natts, att ? 1 : 0);
	if (att) {
		size_t got;
		const void *d = eio_msg_data(in.atts[0], &got);
		ck_assert(got == att_len && memcmp(d, att, got) == 0);
	}
	sio_mp_in_free(&in);
	eio_msg_unref(m);
}
#define expect_mp(s, want)          expect_mp_(s, want, NULL, 0, __LINE__)
#define expect_mp_att(s, want, lit) expect_mp_(s, want, S(lit), __LINE__)

/* A client of srv2 connected to "/", its CONNECT answer checked. */
static sio_socket *mp_connected(eio_session **es)
{
	eio_session *s = client_of(srv2);
	int before = ev.nsocks;
	feed_mp(s, "0", NULL, 0);
	ck_assert_int_eq(ev.nsocks, before + 1);
	sio_socket *so = ev.socks[before];
	char want[64];
	snprintf(want, sizeof(want), "0{\"sid\":\"%s\"}", sio_socket_id(so));
	expect_mp(s, want);
	expect_empty(s);
	*es = s;
	return so;
}

START_TEST(test_connect)
{
	mp_server();
	eio_session *s;
	mp_connected(&s);
	feed_mp(s, "0/nope,", NULL, 0);
	expect_mp(s, "4/nope,{\"message\":\"Invalid namespace\"}");
	ck_assert(!closing(s));
}
END_TEST

static void ack_with_binary(sio_socket *s, const char *event, const sio_args *a, sio_ack *ack)
{
	(void)s;
	(void)event;
	(void)a;
	sio_out *o = sio_out_new();
	sio_out_binary(o, S("\xff\x00"));
	sio_ack_send(ack, o);
	sio_out_free(o);
}

START_TEST(test_event_binary_ack)
{
	mp_server();
	eio_session *s;
	mp_connected(&s);
	event_hook = ack_with_binary;
	feed_mp(s, "51-7[\"up\",\"x\"," PH(0) "]", S("\x01\x02"));
	ck_assert_int_eq(ev.nev, 1);
	ck_assert_str_eq(ev.ev[0].event, "up");
	ck_assert(ev.ev[0].has_ack);
	ck_assert_uint_eq(ev.ev[0].count, 2);
	ck_assert_str_eq(ev.ev[0].str[0], "x");
	ck_assert(ev.ev[0].is_bin[1]);
	ck_assert_uint_eq(ev.ev[0].bin_len[1], 2);
	ck_assert(memcmp(ev.ev[0].bin[1], "\x01\x02", 2) == 0);
	/* one message: the binary is inside it */
	ck_assert_uint_eq(eio_session_queued_count(s), 1);
	expect_mp_att(s, "61-7[" PH(0) "]", "\xff\x00");
}
END_TEST

START_TEST(test_server_ack)
{
	mp_server();
	eio_session *s;
	sio_socket *so = mp_connected(&s);
	sio_out *o = sio_out_new();
	sio_out_int(o, 1);
	ck_assert_int_eq(sio_emit_with_ack(so, "q", o, 0, on_ack, NULL), 0);
	sio_out_free(o);
	expect_mp(s, "20[\"q\",1]");
	feed_mp(s, "30[\"r\",{\"k\":[true]}]", NULL, 0);
	ck_assert_int_eq(ev.nacks, 1);
	ck_assert_uint_eq(ev.acks[0].count, 2);
	ck_assert_str_eq(ev.acks[0].json[1], "{\"k\":[true]}");
}
END_TEST

START_TEST(test_broadcast_once)
{
	mp_server();
	eio_session *es[3];
	for (int i = 0; i < 3; i++)
		mp_connected(&es[i]);
	sio_out *o = sio_out_new();
	sio_out_str(o, "big");
	sio_out_binary(o, S("\x01\x02"));
	sio_broadcast b = { 0 };
	ck_assert_int_eq(sio_broadcast_emit(mp_root, &b, "ev", o), 3);
	sio_out_free(o);
	eio_msg *m = eio_session_queued_at(es[0], 0);
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(eio_session_queued_count(es[i]), 1);
		ck_assert_ptr_eq(eio_session_queued_at(es[i], 0), m); /* one encoding */
	}
	ck_assert_uint_eq(eio_msg_refcount(m), 3);
	for (int i = 0; i < 3; i++)
		expect_mp_att(es[i], "51-[\"ev\",\"big\"," PH(0) "]", "\x01\x02");
}
END_TEST

START_TEST(test_server_disconnect)
{
	mp_server();
	eio_session *s;
	sio_socket *so = mp_connected(&s);
	sio_disconnect(so, false);
	expect_mp(s, "1");
}
END_TEST

START_TEST(test_closes)
{
	mp_server();
	eio_session *s;
	mp_connected(&s);
	feed(s, "2[\"ev\"]"); /* text on a msgpack server */
	ck_assert(closing(s));
	mp_connected(&s);
	feed_bin(s, S("\x81\xa4type\x02")); /* a map without nsp and data */
	ck_assert(closing(s));
	mp_connected(&s);
	feed_bin(s, S("\xdd\xff\xff\xff\xff")); /* an array it cannot hold */
	ck_assert(closing(s));
	ck_assert_int_eq(ev.nev, 0);
}
END_TEST

START_TEST(test_bad_parser_option)
{
	sio_options o;
	sio_options_init(&o);
	ck_assert_int_eq(o.parser, SIO_PARSER_DEFAULT);
	o.parser = 7;
	int err = 0;
	ck_assert_ptr_null(sio_server_new(L, &o, &err));
	ck_assert_int_eq(err, SIO_EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sio_msgpack_server");
	TCase *t = tc(s, "msgpack server");
	tcase_add_test(t, test_connect);
	tcase_add_test(t, test_event_binary_ack);
	tcase_add_test(t, test_server_ack);
	tcase_add_test(t, test_broadcast_once);
	tcase_add_test(t, test_server_disconnect);
	tcase_add_test(t, test_closes);
	tcase_add_test(t, test_bad_parser_option);
	return check_main_run(s);
}
