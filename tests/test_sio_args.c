/* test_sio_args.c - Check unit tests for the read-only views of incoming
 * event arguments (socketio/sio_args.c) on a real Engine.IO server, without
 * HTTP; the fixture is sio_fixture.h. Binary attachments are checked in
 * test_sio_binary.c, the builder of outgoing arguments in test_sio_emit.c.
 *
 * Why: applications read every event through these views: the types, out of
 * range indexes, the unescaped strings with their lengths (embedded NULs
 * included), and exact integers and numbers are checked as a client's
 * packets produce them.
 */
#include "sio_fixture.h"
#include "check_main.h"

/* ===================================================================================
 * events
 * =================================================================================== */

START_TEST(test_event_arg_types)
{
	eio_session *s;
	sio_socket *so = connected(&s);
	ck_assert_int_eq(sio_on(so, "ev", on_event, "on"), 0);
	feed(s, "2[\"ev\",\"str\",42,1.5,{\"a\":[1,\"x\"]},[1,2],true,false,null,-0]");
	ck_assert_int_eq(ev.nev, 1);
	rec *r = &ev.ev[0];
	ck_assert_ptr_eq(r->s, so);
	ck_assert_str_eq(r->tag, "on");
	ck_assert_str_eq(r->event, "ev");
	ck_assert(!r->has_ack);
	ck_assert_uint_eq(r->count, 9);
	static const int want[] = { SIO_ARG_STRING, SIO_ARG_NUMBER, SIO_ARG_NUMBER,
		                    SIO_ARG_OBJECT, SIO_ARG_ARRAY,  SIO_ARG_TRUE,
		                    SIO_ARG_FALSE,  SIO_ARG_NULL,   SIO_ARG_NUMBER };
	for (int i = 0; i < 9; i++)
		ck_assert_msg(r->type[i] == want[i], "arg %d: type %d, want %d", i, r->type[i],
		              want[i]);
	ck_assert(r->is_str[0]);
	ck_assert_uint_eq(r->str_len[0], 3);
	ck_assert_mem_eq(r->str[0], "str", 3);
	for (int i = 1; i < 9; i++) {
		ck_assert(!r->is_str[i]); /* only strings are strings */
		ck_assert(!r->is_bin[i]);
	}
	ck_assert_str_eq(r->json[0], "\"str\"");
	ck_assert_str_eq(r->json[3], "{\"a\":[1,\"x\"]}");
	ck_assert_str_eq(r->json[4], "[1,2]");
	ck_assert_str_eq(r->json[5], "true");
	ck_assert_str_eq(r->json[7], "null");
	ck_assert_str_eq(r->json[8], "-0");
	ck_assert_uint_eq(r->natt, 0);
	/* No arguments at all. */
	feed(s, "2[\"ev\"]");
	ck_assert_int_eq(ev.nev, 2);
	ck_assert_uint_eq(ev.ev[1].count, 0);
	ck_assert_int_eq(ev.ev[1].type[0], 0);
	ck_assert(!closing(s));
	expect_empty(s);
}
END_TEST

/* Out-of-range indices, checked inside the handler while the view is valid. */
static int oob_checked;
static void hook_out_of_range(sio_socket *s, const char *event, const sio_args *a, sio_ack *ack)
{
	(void)s;
	(void)event;
	(void)ack;
	size_t n = 7;
	int64_t i;
	double d;
	ck_assert_uint_eq(sio_args_count(a), 1);
	ck_assert_int_eq(sio_args_type(a, 1), SIO_ARG_NONE);
	ck_assert_ptr_null(sio_args_str(a, 1, &n));
	ck_assert_ptr_null(sio_args_json(a, 1, &n));
	ck_assert_ptr_null(sio_args_binary(a, 1, &n));
	ck_assert_int_ne(sio_args_int(a, 1, &i), 0);
	ck_assert_int_ne(sio_args_double(a, 1, &d), 0);
	ck_assert_ptr_null(sio_args_attachment(a, 0, &n));
	/* sio_args_str twice: the same string. */
	ck_assert_ptr_eq(sio_args_str(a, 0, NULL), sio_args_str(a, 0, &n));
	ck_assert_uint_eq(n, 1);
	oob_checked++;
}

START_TEST(test_event_out_of_range)
{
	eio_session *s;
	sio_socket *so = connected(&s);
	event_hook = hook_out_of_range;
	ck_assert_int_eq(sio_on(so, "ev", on_event, "on"), 0);
	feed(s, "2[\"ev\",\"x\"]");
	ck_assert_int_eq(oob_checked, 1);
}
END_TEST

START_TEST(test_event_string_unescape)
{
	eio_session *s;
	sio_socket *so = connected(&s);
	ck_assert_int_eq(sio_on_any(so, on_event, "any"), 0);
	feed(s, "2[\"ev\",\"caf\\u00e9\",\"q\\\"b\\\\s\\n\\/\\t\",\"\\ud83d\\ude00\",\"\","
	        "\"caf\xc3\xa9\"]");
	ck_assert_int_eq(ev.nev, 1);
	rec *r = &ev.ev[0];
	ck_assert_uint_eq(r->count, 5);
	ck_assert_uint_eq(r->str_len[0], 5);
	ck_assert_mem_eq(r->str[0], "caf\xc3\xa9", 5);
	ck_assert_uint_eq(r->str_len[1], 8);
	ck_assert_mem_eq(r->str[1], "q\"b\\s\n/\t", 8);
	ck_assert_uint_eq(r->str_len[2], 4);
	ck_assert_mem_eq(r->str[2], "\xf0\x9f\x98\x80", 4);
	ck_assert(r->is_str[3]);
	ck_assert_uint_eq(r->str_len[3], 0);
	ck_assert_uint_eq(r->str_len[4], 5);
	ck_assert_mem_eq(r->str[4], "caf\xc3\xa9", 5);
	/* sio_args_json keeps the exact text. */
	ck_assert_str_eq(r->json[0], "\"caf\\u00e9\"");
	/* An escaped event name is unescaped too. */
	feed(s, "2[\"\\u00e9v\"]");
	ck_assert_int_eq(ev.nev, 2);
	ck_assert_str_eq(ev.ev[1].event, "\xc3\xa9v");
}
END_TEST

START_TEST(test_event_string_with_nul)
{
	/* JavaScript strings may hold U+0000; len is there to say where the
	 * string ends. */
	eio_session *s;
	sio_socket *so = connected(&s);
	ck_assert_int_eq(sio_on_any(so, on_event, "any"), 0);
	feed(s, "2[\"ev\",\"a\\u0000b\"]");
	ck_assert_int_eq(ev.nev, 1);
	ck_assert(ev.ev[0].is_str[0]);
	ck_assert_uint_eq(ev.ev[0].str_len[0], 3);
	ck_assert_mem_eq(ev.ev[0].str[0], "a\0b", 3);
}
END_TEST

static void hook_numbers(sio_socket *s, const char *event, const sio_args *a, sio_ack *ack)
{
	(void)s;
	(void)event;
	(void)ack;
	int64_t i = 0;
	double d = 0;
	ck_assert_int_eq(sio_args_int(a, 0, &i), 0);
	ck_assert_int_eq(i, 42);
	ck_assert_int_eq(sio_args_double(a, 0, &d), 0);
	ck_assert(d == 42.0);
	ck_assert_int_eq(sio_args_int(a, 1, &i), 0);
	ck_assert_int_eq(i, -7);
	ck_assert_int_ne(sio_args_int(a, 2, &i), 0); /* 1.5 is not an integer */
	ck_assert_int_eq(sio_args_double(a, 2, &d), 0);
	ck_assert(d == 1.5);
	ck_assert_int_eq(sio_args_int(a, 3, &i), 0); /* exact, not through a double */
	ck_assert_int_eq(i, INT64_C(9007199254740993));
	ck_assert_int_eq(sio_args_int(a, 4, &i), 0);
	ck_assert_int_eq(i, 1000);
	ck_assert_int_ne(sio_args_int(a, 5, &i), 0); /* a string is not a number */
	ck_assert_int_ne(sio_args_double(a, 5, &d), 0);
	ck_assert_int_eq(sio_args_int(a, 6, &i), 0);
	ck_assert_int_eq(i, INT64_MIN);
	ck_assert_int_ne(sio_args_int(a, 7, &i), 0); /* does not fit */
	ck_assert_int_eq(sio_args_double(a, 8, &d), 0);
	ck_assert(d == -2.5e-7);
}

START_TEST(test_event_numbers)
{
	eio_session *s;
	sio_socket *so = connected(&s);
	event_hook = hook_numbers;
	ck_assert_int_eq(sio_on(so, "n", on_event, "on"), 0);
	feed(s, "2[\"n\",42,-7,1.5,9007199254740993,1e3,\"12\",-9223372036854775808,"
	        "9223372036854775808,-2.5e-7]");
	ck_assert_int_eq(ev.nev, 1);
	ck_assert_uint_eq(ev.ev[0].count, 9);
}
END_TEST

/* ---- suite --------------------------------------------------------------------------- */

static Suite *args_suite(void)
{
	Suite *s = suite_create("sio_args");
	TCase *t = tc(s, "events");
	tcase_add_test(t, test_event_arg_types);
	tcase_add_test(t, test_event_out_of_range);
	tcase_add_test(t, test_event_string_unescape);
	tcase_add_test(t, test_event_string_with_nul);
	tcase_add_test(t, test_event_numbers);
	return s;
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	return check_main_run(args_suite());
}
