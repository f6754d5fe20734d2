/* test_sio_binary.c - Check unit tests for binary events (socketio/sio_args.c,
 * and the encoding in sio_socket.c) on a real Engine.IO server, without HTTP;
 * the fixture is sio_fixture.h.
 *
 * Why: attachments must be found at any depth in placeholder order, a
 * placeholder-shaped object in a text packet is plain data, an echoed binary
 * event comes back byte-exact, and a text packet while attachments are
 * awaited or a stray attachment is a protocol violation.
 */
#include "sio_fixture.h"
#include "check_main.h"

/* ===================================================================================
 * binary
 * =================================================================================== */

START_TEST(test_binary_event)
{
	eio_session *s;
	sio_socket *so = connected(&s);
	ck_assert_int_eq(sio_on_any(so, on_event, "any"), 0);
	feed(s, "51-[\"ev\"," PH(0) ",\"after\"]");
	ck_assert_int_eq(ev.nev, 0); /* waits for its attachment */
	feed_bin(s, S("\x00\x01\x02\xff"));
	ck_assert_int_eq(ev.nev, 1);
	rec *r = &ev.ev[0];
	ck_assert_str_eq(r->event, "ev");
	ck_assert_uint_eq(r->count, 2);
	ck_assert_int_eq(r->type[0], SIO_ARG_BINARY);
	ck_assert(r->is_bin[0]);
	ck_assert_uint_eq(r->bin_len[0], 4);
	ck_assert_mem_eq(r->bin[0], "\x00\x01\x02\xff", 4);
	ck_assert_str_eq(r->json[0], PH(0));
	ck_assert_int_eq(r->type[1], SIO_ARG_STRING);
	ck_assert_uint_eq(r->natt, 1);
	ck_assert_uint_eq(r->att_len[0], 4);
	/* Two attachments in a row; an empty one is still an attachment. */
	feed(s, "52-[\"ev\"," PH(1) "," PH(0) "]");
	feed_bin(s, S("zero"));
	ck_assert_int_eq(ev.nev, 1);
	feed_bin(s, "", 0);
	ck_assert_int_eq(ev.nev, 2);
	r = &ev.ev[1];
	ck_assert_uint_eq(r->bin_len[0], 0);
	ck_assert_uint_eq(r->bin_len[1], 4);
	ck_assert_mem_eq(r->bin[1], "zero", 4);
	/* In another namespace, with an ack id. */
	sio_socket *c = join_nsp(s, "/custom", NULL);
	ck_assert_int_eq(sio_on_any(c, on_event, "custom"), 0);
	feed(s, "51-/custom,9[\"ev\"," PH(0) "]");
	feed_bin(s, S("c"));
	ck_assert_int_eq(ev.nev, 3);
	ck_assert_ptr_eq(ev.ev[2].s, c);
	ck_assert(ev.ev[2].has_ack);
	ck_assert_mem_eq(ev.ev[2].bin[0], "c", 1);
	ck_assert(!closing(s));
	expect_empty(s);
}
END_TEST

START_TEST(test_binary_event_nested)
{
	eio_session *s;
	sio_socket *so = connected(&s);
	ck_assert_int_eq(sio_on_any(so, on_event, "any"), 0);
	feed(s, "52-[\"ev\",{\"a\":" PH(1) ",\"b\":[" PH(0) "]}]");
	feed_bin(s, S("A"));
	feed_bin(s, S("BB"));
	ck_assert_int_eq(ev.nev, 1);
	rec *r = &ev.ev[0];
	ck_assert_uint_eq(r->count, 1);
	ck_assert_int_eq(r->type[0], SIO_ARG_OBJECT);
	ck_assert(!r->is_bin[0]); /* not a top-level buffer */
	ck_assert_uint_eq(r->natt, 2);
	ck_assert_uint_eq(r->att_len[0], 1);
	ck_assert_mem_eq(r->att[0], "A", 1);
	ck_assert_uint_eq(r->att_len[1], 2);
	ck_assert_mem_eq(r->att[1], "BB", 2);
	ck_assert_str_eq(r->json[0], "{\"a\":" PH(1) ",\"b\":[" PH(0) "]}");
}
END_TEST

START_TEST(test_placeholder_in_text_event_is_data)
{
	eio_session *s;
	sio_socket *so = connected(&s);
	ck_assert_int_eq(sio_on_any(so, on_event, "any"), 0);
	feed(s, "2[\"ev\"," PH(0) "]");
	ck_assert_int_eq(ev.nev, 1);
	rec *r = &ev.ev[0];
	ck_assert_uint_eq(r->count, 1);
	ck_assert_int_eq(r->type[0], SIO_ARG_OBJECT);
	ck_assert(!r->is_bin[0]);
	ck_assert_uint_eq(r->natt, 0);
	ck_assert_str_eq(r->json[0], PH(0));
	ck_assert(!closing(s));
}
END_TEST

static void hook_echo(sio_socket *s, const char *event, const sio_args *a, sio_ack *ack)
{
	(void)event;
	sio_out *o = sio_out_new();
	ck_assert_int_eq(sio_out_args(o, a), 0);
	if (ack)
		ck_assert_int_eq(sio_ack_send(ack, o), 0);
	else
		ck_assert_int_eq(sio_emit(s, "echo", o), 0);
	sio_out_free(o);
}

START_TEST(test_binary_echo)
{
	eio_session *s;
	sio_socket *so = connected(&s);
	event_hook = hook_echo;
	ck_assert_int_eq(sio_on(so, "ev", on_event, "on"), 0);
	feed(s, "51-[\"ev\"," PH(0) "]");
	feed_bin(s, S("\x00\xfe"));
	expect_text(s, "451-[\"echo\"," PH(0) "]");
	expect_bin(s, "\x00\xfe");
	expect_empty(s);
	/* Placeholders are renumbered in document order, the attachments follow
	 * in that order. */
	feed(s, "52-[\"ev\",\"s\"," PH(1) ",{\"k\":[" PH(0) "]}]");
	feed_bin(s, S("zero"));
	feed_bin(s, S("one"));
	expect_text(s, "452-[\"echo\",\"s\"," PH(0) ",{\"k\":[" PH(1) "]}]");
	expect_bin(s, "one");
	expect_bin(s, "zero");
	expect_empty(s);
	/* Text arguments echo verbatim, escapes included. */
	feed(s, "2[\"ev\",\"caf\\u00e9\",{\"a\":[1,2.50,null]}," PH(3) "]");
	expect_text(s, "42[\"echo\",\"caf\\u00e9\",{\"a\":[1,2.50,null]}," PH(3) "]");
	/* As a binary ack: 6<n>-<id>. */
	feed(s, "51-12[\"ev\"," PH(0) "]");
	feed_bin(s, S("ack"));
	expect_text(s, "461-12[" PH(0) "]");
	expect_bin(s, "ack");
	expect_empty(s);
	ck_assert(!closing(s));
}
END_TEST

START_TEST(test_binary_text_while_awaiting)
{
	eio_session *s;
	sio_socket *so = connected(&s);
	ck_assert_int_eq(sio_on_any(so, on_event, "any"), 0);
	feed(s, "52-[\"ev\"," PH(0) "," PH(1) "]");
	feed_bin(s, S("a"));
	ck_assert(!closing(s));
	feed(s, "2[\"x\"]");
	ck_assert(closing(s));
	ck_assert_int_eq(ev.nev, 0);
}
END_TEST

START_TEST(test_binary_stray)
{
	eio_session *s;
	sio_socket *so = connected(&s);
	ck_assert_int_eq(sio_on_any(so, on_event, "any"), 0);
	feed_bin(s, S("stray"));
	ck_assert(closing(s));
	ck_assert_int_eq(ev.nev, 0);
	/* Also before any CONNECT. */
	eio_session *t = client();
	feed_bin(t, S("stray"));
	ck_assert(closing(t));
	/* And one too many after a complete binary packet. */
	eio_session *u;
	sio_socket *su = connected(&u);
	ck_assert_int_eq(sio_on_any(su, on_event, "any"), 0);
	feed(u, "51-[\"ev\"," PH(0) "]");
	feed_bin(u, S("1"));
	ck_assert_int_eq(ev.nev, 1);
	ck_assert(!closing(u));
	feed_bin(u, S("2"));
	ck_assert(closing(u));
}
END_TEST

/* ---- suite --------------------------------------------------------------------------- */

static Suite *binary_suite(void)
{
	Suite *s = suite_create("sio_binary");
	TCase *t = tc(s, "binary");
	tcase_add_test(t, test_binary_event);
	tcase_add_test(t, test_binary_event_nested);
	tcase_add_test(t, test_placeholder_in_text_event_is_data);
	tcase_add_test(t, test_binary_echo);
	tcase_add_test(t, test_binary_text_while_awaiting);
	tcase_add_test(t, test_binary_stray);
	return s;
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	return check_main_run(binary_suite());
}
