/* test_sio_emit_ack.c - Check unit tests for server emits with an
 * acknowledgement (socketio/sio_socket.c) on a real Engine.IO server, without
 * HTTP; the fixture is sio_fixture.h.
 *
 * Why: a server's emit with ack must use increasing ack ids and call its
 * callback exactly once: with the client's reply, with a timeout error when
 * none comes in time, or with an error when the socket disconnects first;
 * a reply with an unknown id must be ignored.
 */
#include "sio_fixture.h"
#include "check_main.h"

/* ===================================================================================
 * emit with ack
 * ===================================================================================
 */

START_TEST(test_emit_with_ack_ids_and_reply)
{
	eio_session *s;
	sio_socket *a = connected(&s);
	eio_session *t;
	sio_socket *b = connected(&t);
	sio_out *o = sio_out_new();
	ck_assert_int_eq(sio_out_int(o, 1), 0);
	ck_assert_int_eq(sio_emit_with_ack(a, "q", o, 0, on_ack, "first"), 0);
	ck_assert_int_eq(sio_emit_with_ack(a, "q", NULL, 1000, on_ack, "second"), 0);
	ck_assert_int_eq(sio_emit_with_ack(b, "q", NULL, 0, on_ack, "third"), 0);
	expect_text(s, "420[\"q\",1]");
	expect_text(s, "421[\"q\"]");
	expect_empty(s);
	/* Ids are per namespace (as in node): b's is the next one. */
	expect_text(t, "422[\"q\"]");
	ck_assert_int_eq(ev.nacks, 0);
	/* Answers in any order, each to its callback, with its arguments. */
	feed(s, "31[\"answer\",7]");
	ck_assert_int_eq(ev.nacks, 1);
	ck_assert_str_eq(ev.acks[0].tag, "second");
	ck_assert_ptr_eq(ev.acks[0].s, a);
	ck_assert_str_eq(ev.acks[0].err, "");
	ck_assert(!ev.acks[0].args_null);
	ck_assert_uint_eq(ev.acks[0].count, 2);
	ck_assert_uint_eq(ev.acks[0].str_len[0], 6);
	ck_assert_mem_eq(ev.acks[0].str[0], "answer", 6);
	ck_assert_str_eq(ev.acks[0].json[1], "7");
	feed(s, "30[]");
	ck_assert_int_eq(ev.nacks, 2);
	ck_assert_str_eq(ev.acks[1].tag, "first");
	ck_assert_uint_eq(ev.acks[1].count, 0);
	ck_assert_str_eq(ev.acks[1].err, "");
	/* Each callback runs once: a repeated answer is ignored. */
	feed(s, "30[\"again\"]");
	ck_assert_int_eq(ev.nacks, 2);
	/* b's answer, as a binary ack. */
	feed(t, "61-2[" PH(0) "]");
	ck_assert_int_eq(ev.nacks, 2);
	feed_bin(t, S("bin"));
	ck_assert_int_eq(ev.nacks, 3);
	ck_assert_str_eq(ev.acks[2].tag, "third");
	ck_assert_ptr_eq(ev.acks[2].s, b);
	ck_assert_int_eq(ev.acks[2].type[0], SIO_ARG_BINARY);
	ck_assert_uint_eq(ev.acks[2].bin_len[0], 3);
	ck_assert_mem_eq(ev.acks[2].bin[0], "bin", 3);
	/* Another namespace counts from 0. */
	sio_socket *c = join_nsp(s, "/custom", NULL);
	ck_assert_int_eq(sio_emit_with_ack(c, "q", o, 0, on_ack, "custom"), 0);
	expect_text(s, "42/custom,0[\"q\",1]");
	feed(s, "3/custom,0[true]");
	ck_assert_int_eq(ev.nacks, 4);
	ck_assert_ptr_eq(ev.acks[3].s, c);
	ck_assert_int_eq(ev.acks[3].type[0], SIO_ARG_TRUE);
	/* With binary arguments: <5><n>-<id>. */
	sio_out *bo = sio_out_new();
	ck_assert_int_eq(sio_out_binary(bo, S("z")), 0);
	ck_assert_int_eq(sio_emit_with_ack(a, "q", bo, 0, on_ack, "bin"), 0);
	expect_text(s, "451-3[\"q\"," PH(0) "]");
	expect_bin(s, "z");
	expect_empty(s);
	sio_out_free(bo);
	sio_out_free(o);
	ck_assert(!closing(s));
	ck_assert(!closing(t));
}
END_TEST

START_TEST(test_emit_with_ack_timeout)
{
	eio_session *s;
	sio_socket *so = connected(&s);
	uv_update_time(&loop);
	uint64_t t0 = uv_hrtime();
	ck_assert_int_eq(sio_emit_with_ack(so, "q", NULL, 30, on_ack, "timed"), 0);
	ck_assert_int_eq(sio_emit_with_ack(so, "q", NULL, 0, on_ack, "forever"), 0);
	expect_text(s, "420[\"q\"]");
	expect_text(s, "421[\"q\"]");
	int one = 1;
	run_until(acks_at_least, &one);
	ck_assert_str_eq(ev.acks[0].tag, "timed");
	ck_assert_ptr_eq(ev.acks[0].s, so);
	ck_assert(ev.acks[0].args_null);
	ck_assert_str_eq(ev.acks[0].err, "operation has timed out");
	uint64_t ms = (ev.acks[0].at_ns - t0) / 1000000;
	ck_assert_msg(ms >= 29, "timed out after %llu ms, want 30", (unsigned long long)ms);
	/* A late answer is ignored; the other one still waits and works. */
	feed(s, "30[\"late\"]");
	ck_assert_int_eq(ev.nacks, 1);
	ck_assert(!closing(s));
	feed(s, "31[\"ok\"]");
	ck_assert_int_eq(ev.nacks, 2);
	ck_assert_str_eq(ev.acks[1].tag, "forever");
	ck_assert_str_eq(ev.acks[1].err, "");
	/* An answered ack with a timeout does not fire later. */
	ck_assert_int_eq(sio_emit_with_ack(so, "q", NULL, 20, on_ack, "answered"), 0);
	expect_text(s, "422[\"q\"]");
	feed(s, "32[]");
	ck_assert_int_eq(ev.nacks, 3);
	int four = 4;
	ck_assert(!run_loop_until(acks_at_least, &four, 100));
	ck_assert_int_eq(ev.nacks, 3);
}
END_TEST

START_TEST(test_emit_with_ack_disconnect)
{
	eio_session *s;
	sio_socket *so = connected(&s);
	ck_assert_int_eq(sio_emit_with_ack(so, "q", NULL, 0, on_ack, "a"), 0);
	ck_assert_int_eq(sio_emit_with_ack(so, "q", NULL, 1000, on_ack, "b"), 0);
	feed(s, "1"); /* the client leaves the namespace */
	ck_assert_int_eq(ev.nacks, 2);
	for (int i = 0; i < 2; i++) {
		ck_assert(ev.acks[i].args_null);
		ck_assert_str_eq(ev.acks[i].err, "socket has been disconnected");
	}
	ck_assert(strcmp(ev.acks[0].tag, ev.acks[1].tag) != 0);
	ck_assert_int_eq(ev.ndisc, 1);
	/* The timer of "b" is gone: nothing fires later. */
	int three = 3;
	ck_assert(!run_loop_until(acks_at_least, &three, 50));
	/* Engine close does the same. */
	eio_session *t;
	sio_socket *st = connected(&t);
	ck_assert_int_eq(sio_emit_with_ack(st, "q", NULL, 500, on_ack, "c"), 0);
	feed_engine(t, "1");
	ck_assert_int_eq(ev.nacks, 3);
	ck_assert_str_eq(ev.acks[2].err, "socket has been disconnected");
}
END_TEST

START_TEST(test_ack_unknown_id_ignored)
{
	eio_session *s;
	sio_socket *so = connected(&s);
	feed(s, "399[\"x\"]");
	feed(s, "30[]");
	ck_assert(!closing(s));
	ck_assert_int_eq(ev.nacks, 0);
	/* The socket still works. */
	ck_assert_int_eq(sio_emit_with_ack(so, "q", NULL, 0, on_ack, "a"), 0);
	expect_text(s, "420[\"q\"]");
	feed(s, "30[1]");
	ck_assert_int_eq(ev.nacks, 1);
	expect_empty(s);
}
END_TEST

/* ---- suite --------------------------------------------------------------------------- */

static Suite *emit_ack_suite(void)
{
	Suite *s = suite_create("sio_emit_ack");
	TCase *t = tc(s, "emit_with_ack");
	tcase_add_test(t, test_emit_with_ack_ids_and_reply);
	tcase_add_test(t, test_emit_with_ack_timeout);
	tcase_add_test(t, test_emit_with_ack_disconnect);
	tcase_add_test(t, test_ack_unknown_id_ignored);
	return s;
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	return check_main_run(emit_ack_suite());
}
