/* test_sio_emit.c - Check unit tests for the builder of outgoing arguments
 * (sio_out_* in socketio/sio_args.c, and the encoding in sio_socket.c) on a
 * real Engine.IO server, without HTTP; the fixture is sio_fixture.h.
 *
 * Why: peers parse what comes out, so the packets are checked byte for byte
 * as JSON.stringify would write them: escapes, int64 extremes, number
 * layout, nesting, raw JSON, no arguments, binary at any depth, and the
 * builder's errors.
 */
#include "sio_fixture.h"
#include "check_main.h"

/* ===================================================================================
 * emit
 * =================================================================================== */

START_TEST(test_emit_values)
{
	eio_session *s;
	sio_socket *so = connected(&s);
	sio_out *o = sio_out_new();
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(sio_out_str(o, "a\"b\\c\n\r\t\b\f\x01\x1f/ caf\xc3\xa9 \xe2\x9c\x93"), 0);
	ck_assert_int_eq(sio_out_strn(o, "x\0y", 3), 0);
	ck_assert_int_eq(sio_out_str(o, ""), 0);
	ck_assert_int_eq(sio_out_int(o, INT64_MIN), 0);
	ck_assert_int_eq(sio_out_int(o, INT64_MAX), 0);
	ck_assert_int_eq(sio_out_int(o, 0), 0);
	ck_assert_int_eq(sio_out_int(o, -1), 0);
	ck_assert_int_eq(sio_out_double(o, 1.5), 0);
	ck_assert_int_eq(sio_out_double(o, 0.1), 0);
	ck_assert_int_eq(sio_out_double(o, -2.5e-7), 0);
	ck_assert_int_eq(sio_out_double(o, 1e21), 0);
	ck_assert_int_eq(sio_out_double(o, 3.0), 0);
	ck_assert_int_eq(sio_out_double(o, NAN), 0); /* JSON.stringify: null */
	ck_assert_int_eq(sio_out_bool(o, true), 0);
	ck_assert_int_eq(sio_out_bool(o, false), 0);
	ck_assert_int_eq(sio_out_null(o), 0);
	ck_assert_int_eq(sio_out_object_begin(o), 0);
	ck_assert_int_eq(sio_out_key(o, "k"), 0);
	ck_assert_int_eq(sio_out_str(o, "v"), 0);
	ck_assert_int_eq(sio_out_key(o, "q\"k"), 0);
	ck_assert_int_eq(sio_out_array_begin(o), 0);
	ck_assert_int_eq(sio_out_int(o, 1), 0);
	ck_assert_int_eq(sio_out_object_begin(o), 0);
	ck_assert_int_eq(sio_out_key(o, "x"), 0);
	ck_assert_int_eq(sio_out_null(o), 0);
	ck_assert_int_eq(sio_out_object_end(o), 0);
	ck_assert_int_eq(sio_out_array_end(o), 0);
	ck_assert_int_eq(sio_out_key(o, "e"), 0);
	ck_assert_int_eq(sio_out_object_begin(o), 0);
	ck_assert_int_eq(sio_out_object_end(o), 0);
	ck_assert_int_eq(sio_out_object_end(o), 0);
	ck_assert_int_eq(sio_out_array_begin(o), 0);
	ck_assert_int_eq(sio_out_array_begin(o), 0);
	ck_assert_int_eq(sio_out_array_end(o), 0);
	ck_assert_int_eq(sio_out_str(o, "s"), 0);
	ck_assert_int_eq(sio_out_array_end(o), 0);
	ck_assert_int_eq(sio_out_json(o, S("{\"raw\":[1,2,{\"t\":true}]}")), 0);
	ck_assert_int_eq(sio_out_json(o, S("7")), 0);
	ck_assert_uint_eq(o->count, 20);
	ck_assert_int_eq(sio_emit(so, "ev", o), 0);
	expect_text(s, "42[\"ev\","
	               "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f/ caf\xc3\xa9 \xe2\x9c\x93\","
	               "\"x\\u0000y\",\"\","
	               "-9223372036854775808,9223372036854775807,0,-1,"
	               "1.5,0.1,-2.5e-7,1e+21,3,null,"
	               "true,false,null,"
	               "{\"k\":\"v\",\"q\\\"k\":[1,{\"x\":null}],\"e\":{}},"
	               "[[],\"s\"],"
	               "{\"raw\":[1,2,{\"t\":true}]},7]");
	expect_empty(s);
	/* The same builder again, in another namespace, with an unusual event
	 * name. */
	sio_socket *c = join_nsp(s, "/custom", NULL);
	sio_out *one = sio_out_new();
	ck_assert_int_eq(sio_out_int(one, 1), 0);
	ck_assert_int_eq(sio_emit(c, "a \"q\"\n", one), 0);
	ck_assert_int_eq(sio_emit(c, "a \"q\"\n", one), 0);
	expect_text(s, "42/custom,[\"a \\\"q\\\"\\n\",1]");
	expect_text(s, "42/custom,[\"a \\\"q\\\"\\n\",1]");
	sio_out_free(one);
	sio_out_free(o);
}
END_TEST

START_TEST(test_emit_no_args)
{
	eio_session *s;
	sio_socket *so = connected(&s);
	sio_out *o = sio_out_new();
	ck_assert_int_eq(sio_emit(so, "ev", NULL), 0);
	ck_assert_int_eq(sio_emit(so, "ev", o), 0);
	expect_text(s, "42[\"ev\"]");
	expect_text(s, "42[\"ev\"]");
	expect_empty(s);
	sio_out_free(o);
	sio_out_free(NULL);
}
END_TEST

START_TEST(test_emit_binary)
{
	eio_session *s;
	sio_socket *so = connected(&s);
	sio_out *o = sio_out_new();
	ck_assert_int_eq(sio_out_str(o, "x"), 0);
	ck_assert_int_eq(sio_out_binary(o, S("\x00\x01")), 0);
	ck_assert_int_eq(sio_out_object_begin(o), 0);
	ck_assert_int_eq(sio_out_key(o, "b"), 0);
	ck_assert_int_eq(sio_out_binary(o, S("\xff")), 0);
	ck_assert_int_eq(sio_out_key(o, "arr"), 0);
	ck_assert_int_eq(sio_out_array_begin(o), 0);
	ck_assert_int_eq(sio_out_int(o, 5), 0);
	ck_assert_int_eq(sio_out_binary(o, "", 0), 0);
	ck_assert_int_eq(sio_out_array_end(o), 0);
	ck_assert_int_eq(sio_out_object_end(o), 0);
	ck_assert_int_eq(sio_out_binary(o, S("last")), 0);
	ck_assert_int_eq(sio_emit(so, "ev", o), 0);
	expect_text(s, "454-[\"ev\",\"x\"," PH(0) ",{\"b\":" PH(1) ",\"arr\":[5," PH(2) "]}," PH(
	                       3) "]");
	expect_bin(s, "\x00\x01");
	expect_bin(s, "\xff");
	expect_bin_(s, "", 0, __LINE__);
	expect_bin(s, "last");
	expect_empty(s);
	/* In a namespace: <type><n>-<nsp>,[...]. */
	sio_socket *c = join_nsp(s, "/custom", NULL);
	sio_out *b = sio_out_new();
	ck_assert_int_eq(sio_out_binary(b, S("B")), 0);
	ck_assert_int_eq(sio_emit(c, "ev", b), 0);
	expect_text(s, "451-/custom,[\"ev\"," PH(0) "]");
	expect_bin(s, "B");
	expect_empty(s);
	sio_out_free(b);
	sio_out_free(o);
}
END_TEST

START_TEST(test_emit_builder_errors)
{
	eio_session *s;
	sio_socket *so = connected(&s);
	/* An object left open. */
	sio_out *o = sio_out_new();
	ck_assert_int_eq(sio_out_object_begin(o), 0);
	ck_assert_int_eq(sio_out_key(o, "k"), 0);
	ck_assert_int_eq(sio_out_int(o, 1), 0);
	ck_assert_int_eq(sio_emit(so, "ev", o), SIO_EINVAL);
	ck_assert_int_eq(sio_emit_with_ack(so, "ev", o, 0, on_ack, "x"), SIO_EINVAL);
	ck_assert_int_eq(sio_to(root, sio_socket_id(so), "ev", o), SIO_EINVAL);
	sio_out_free(o);
	/* An array left open. */
	o = sio_out_new();
	ck_assert_int_eq(sio_out_array_begin(o), 0);
	ck_assert_int_eq(sio_emit(so, "ev", o), SIO_EINVAL);
	/* Ends that match no begin. */
	ck_assert_int_eq(sio_out_array_end(o), 0);
	ck_assert_int_eq(sio_out_array_end(o), SIO_EINVAL);
	ck_assert_int_eq(sio_out_object_end(o), SIO_EINVAL);
	/* Closed again, the builder emits. */
	ck_assert_int_eq(sio_emit(so, "ev", o), 0);
	expect_text(s, "42[\"ev\",[]]");
	sio_out_free(o);
	/* Invalid input is refused. */
	o = sio_out_new();
	ck_assert_int_eq(sio_out_strn(o, "\xff\xfe", 2), SIO_EINVAL);
	ck_assert_int_eq(sio_out_json(o, S("{\"a\":")), SIO_EINVAL);
	ck_assert_int_eq(sio_out_json(o, S("[1] 2")), SIO_EINVAL);
	ck_assert_int_eq(sio_out_json(o, S("")), SIO_EINVAL);
	sio_out_free(o);
	expect_empty(s);
	ck_assert_int_eq(ev.nacks, 0);
	ck_assert(!closing(s));
}
END_TEST

/* ---- suite --------------------------------------------------------------------------- */

static Suite *emit_suite(void)
{
	Suite *s = suite_create("sio_emit");
	TCase *t = tc(s, "emit");
	tcase_add_test(t, test_emit_values);
	tcase_add_test(t, test_emit_no_args);
	tcase_add_test(t, test_emit_binary);
	tcase_add_test(t, test_emit_builder_errors);
	return s;
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	return check_main_run(emit_suite());
}
