/* test_eio_session_send.c - Check unit tests for the sending side of
 * engineio/eio_session.c: queue order, the send-queue bound, a server-side
 * close that flushes first, one shared eio_msg per broadcast, closing every
 * session, and listener shutdown. Fixture: eio_session_fixture.h.
 */
#include "eio_session_fixture.h"
#include "check_main.h"

/* ---- sending ---------------------------------------------------------------------- */

START_TEST(test_send_queues_in_order)
{
	eio_session *s = new_session(srv, EIO_TRANSPORT_POLLING);
	ck_assert_int_eq(eio_session_send_text(s, S("one")), 0);
	ck_assert_int_eq(eio_session_send_binary(s, S("\x00\x02")), 0);
	eio_msg *m = eio_msg_text(S("three"));
	ck_assert_int_eq(eio_session_send(s, m), 0);
	ck_assert_uint_eq(m->refs, 2); /* send took its own reference */
	eio_msg_unref(m);
	ck_assert_uint_eq(s->q.len, 4);
	ck_assert_str_eq(queued(s, 1), "4one");
	eio_msg *b = eio_queue_at(&s->q, 2);
	ck_assert(b->binary);
	ck_assert_uint_eq(b->len, 2);
	ck_assert_mem_eq(b->bytes, "\x00\x02", 2);
	ck_assert_str_eq(queued(s, 3), "4three");
	size_t total = 0;
	for (uint32_t i = 0; i < s->q.len; i++)
		total += eio_queue_at(&s->q, i)->len;
	ck_assert_uint_eq(eio_session_queued_bytes(s), total);
	drain(s);
	ck_assert_uint_eq(eio_session_queued_bytes(s), 0);
	/* The ring wraps and grows without reordering. */
	char buf[16];
	for (int i = 0; i < 100; i++) {
		int n = snprintf(buf, sizeof(buf), "m%d", i);
		ck_assert_int_eq(eio_session_send_text(s, buf, (size_t)n), 0);
		if (i % 3 == 2) {
			eio_msg *x = eio_queue_pop(&s->q);
			eio_msg_unref(x);
		}
	}
	for (uint32_t i = 0; i < s->q.len; i++) {
		snprintf(buf, sizeof(buf), "4m%u", i + 33);
		ck_assert_str_eq(queued(s, i), buf);
	}
}
END_TEST

/* eio_server_get_stats: what /metrics reports as messages and bytes. */
START_TEST(test_server_stats)
{
	eio_server_stats st;
	eio_session *s = new_session(srv, EIO_TRANSPORT_POLLING);
	eio_server_get_stats(srv, &st);
	uint64_t sent0 = st.messages_sent, bytes0 = st.bytes_sent;
	uint64_t recv0 = st.messages_received, rbytes0 = st.bytes_received;
	ck_assert_int_eq(eio_session_send_text(s, S("one")), 0);
	ck_assert_int_eq(eio_session_send_binary(s, S("\x00\x02")), 0);
	eio_session_on_packet(s, EIO_PKT_MESSAGE, S("hello"), false);
	eio_server_get_stats(srv, &st);
	ck_assert_uint_eq(st.messages_sent - sent0, 2);
	ck_assert_uint_eq(st.bytes_sent - bytes0, 5); /* payloads, no type char */
	ck_assert_uint_eq(st.messages_received - recv0, 1);
	ck_assert_uint_eq(st.bytes_received - rbytes0, 5);
	eio_session_close(s);
	ck_assert_int_ne(eio_session_send_text(s, S("late")), 0);
	eio_server_get_stats(srv, &st);
	ck_assert_uint_eq(st.messages_sent - sent0, 2); /* refused: not counted */
}
END_TEST

START_TEST(test_send_queue_full)
{
	eio_options o;
	int err;
	options(&o);
	o.path = "/small/";
	o.max_queued_bytes = 256;
	eio_server *small = eio_server_new(L, &o, &callbacks, &user_token, &err);
	ck_assert_ptr_nonnull(small);
	eio_session *s = new_session(small, EIO_TRANSPORT_POLLING);
	eio_session *bystander = new_session(small, EIO_TRANSPORT_POLLING);
	drain(s);
	char blob[100];
	memset(blob, 'x', sizeof(blob));
	/* 2 x 101 bytes fit in 256; the third would not. */
	ck_assert_int_eq(eio_session_send_text(s, blob, sizeof(blob)), 0);
	ck_assert_int_eq(eio_session_send_text(s, blob, sizeof(blob)), 0);
	ck_assert_int_eq(eio_session_send_text(s, blob, sizeof(blob)), EIO_EFULL);
	ck_assert_uint_eq(s->q.len, 2); /* the refused message is not queued */
	/* The close is deferred to the next loop turn: the caller may be in the
	 * middle of a broadcast over the server's sessions. */
	ck_assert_int_eq(ev.closes, 0);
	ck_assert_ptr_eq(eio_server_session(small, eio_session_id(s)), s);
	/* Meanwhile the session takes nothing more, even what would fit. */
	ck_assert_int_eq(eio_session_send_text(s, "y", 1), EIO_ECLOSED);
	wait_closes(1);
	ck_assert_int_eq(ev.closes, 1);
	ck_assert_ptr_eq(ev.close[0].s, s);
	ck_assert_str_eq(ev.close[0].reason, "send queue full");
	ck_assert_uint_eq(eio_server_session_count(small), 1);
	ck_assert_ptr_eq(eio_server_session(small, eio_session_id(bystander)), bystander);
}
END_TEST

START_TEST(test_server_close_flushes_first)
{
	eio_session *s = new_session(srv, EIO_TRANSPORT_POLLING);
	ck_assert_int_eq(eio_session_send_text(s, S("a")), 0);
	ck_assert_int_eq(eio_session_send_binary(s, S("b")), 0);
	eio_session_close(s);
	/* The pending messages stay; the close packet waits for the GET after
	 * the one that carries them (never in their payload: eio_session_close). */
	ck_assert_uint_eq(s->q.len, 3);
	ck_assert_int_eq(queued(s, 0)[0], EIO_PKT_OPEN);
	ck_assert_str_eq(queued(s, 1), "4a");
	ck_assert(eio_queue_at(&s->q, 2)->binary);
	ck_assert(s->close_due && !s->close_queued);
	ck_assert_int_eq(ev.closes, 0); /* not before the client had it */
	/* Nothing can be sent after close; a second close adds nothing. */
	ck_assert_int_eq(eio_session_send_text(s, S("late")), EIO_ECLOSED);
	ck_assert_int_eq(eio_session_send_binary(s, S("late")), EIO_ECLOSED);
	eio_msg *m = eio_msg_text(S("late"));
	ck_assert_int_eq(eio_session_send(s, m), EIO_ECLOSED);
	ck_assert_uint_eq(m->refs, 1); /* no reference kept */
	eio_msg_unref(m);
	eio_session_close(s);
	ck_assert_uint_eq(s->q.len, 3);
	ck_assert(!eio_session_writable(s));
	/* Messages from the client after the server closed are dropped. */
	eio_session_on_packet(s, EIO_PKT_MESSAGE, S("ignored"), false);
	ck_assert_int_eq(ev.messages, 0);
	/* No GET comes to carry it: the session ends by itself ("forced close"),
	 * without ever being pinged. */
	wait_closes(1);
	ck_assert_str_eq(ev.close[0].reason, "forced close");
	ck_assert_ptr_eq(ev.close[0].s, s);
	ck_assert_uint_eq(eio_server_session_count(srv), 0);
}
END_TEST

START_TEST(test_shared_broadcast_msg)
{
	enum {
		N = 100
	};
	eio_session *ss[N];
	for (int i = 0; i < N; i++)
		ss[i] = new_session(srv, EIO_TRANSPORT_POLLING);
	eio_msg *m = eio_msg_text(S("to everyone"));
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(eio_session_send(ss[i], m), 0);
	/* One message, N references: the bytes are not copied per session. */
	ck_assert_uint_eq(m->refs, N + 1);
	for (int i = 0; i < N; i++) {
		ck_assert_uint_eq(ss[i]->q.len, 2);
		ck_assert_ptr_eq(eio_queue_at(&ss[i]->q, 1), m);
	}
	/* Half the sessions drain their queue (a GET carried it)... */
	for (int i = 0; i < N / 2; i++)
		drain(ss[i]);
	ck_assert_uint_eq(m->refs, N / 2 + 1);
	/* ...the rest are destroyed with it still queued. */
	eio_server_close_all(srv);
	ck_assert_int_eq(ev.closes, N);
	ck_assert_uint_eq(m->refs, 1);
	size_t len;
	ck_assert_mem_eq(eio_msg_data(m, &len), "to everyone", 11);
	eio_msg_unref(m);
}
END_TEST

START_TEST(test_close_all)
{
	enum {
		N = 50
	};
	static char sids[N][24];
	for (int i = 0; i < N; i++)
		snprintf(sids[i], sizeof(sids[i]), "%s",
		         eio_session_id(new_session(srv, i % 2 ? EIO_TRANSPORT_WEBSOCKET
		                                               : EIO_TRANSPORT_POLLING)));
	/* A session already closing is shut down too. */
	eio_session_close(eio_server_session(srv, sids[0]));
	eio_server_close_all(srv);
	ck_assert_int_eq(ev.closes, N);
	ck_assert_uint_eq(eio_server_session_count(srv), 0);
	/* Each session exactly once, each with the shutdown reason. */
	for (int i = 0; i < N; i++) {
		int seen = 0;
		for (int j = 0; j < ev.closes; j++)
			if (strcmp(ev.close[j].sid, sids[i]) == 0) {
				seen++;
				ck_assert_str_eq(ev.close[j].reason, "server shutting down");
			}
		ck_assert_int_eq(seen, 1);
	}
	/* Nothing fires later for the destroyed sessions (no ping timeout). */
	int more = N + 1;
	ck_assert(!run_loop_until(closes_at_least, &more, 2 * (PING_INTERVAL + PING_TIMEOUT)));
	ck_assert_int_eq(ev.closes, N);
}
END_TEST

/* ---- shutdown ---------------------------------------------------------------------- */

START_TEST(test_listener_close_closes_sessions)
{
	/* Sessions in every state at shutdown: fresh, pinged, closing, and one
	 * whose destroy is pending ("send queue full"). */
	eio_options o;
	int err;
	options(&o);
	o.path = "/second/";
	o.max_queued_bytes = 150;
	eio_server *second = eio_server_new(L, &o, &callbacks, &user_token, &err);
	ck_assert_ptr_nonnull(second);
	eio_session *a = new_session(srv, EIO_TRANSPORT_POLLING);
	run_until(last_is_ping, a, WATCHDOG_MS);
	eio_session *b = new_session(srv, EIO_TRANSPORT_POLLING);
	eio_session_close(b);
	eio_session *c = new_session(second, EIO_TRANSPORT_WEBSOCKET);
	char blob[200] = { 0 };
	ck_assert_int_eq(eio_session_send_text(c, blob, sizeof(blob)), EIO_EFULL);
	new_session(second, EIO_TRANSPORT_POLLING);
	ck_assert_int_eq(ev.closes, 0);

	eio_listener_close(L);
	/* Synchronously, before the loop runs again. */
	ck_assert_int_eq(ev.closes, 4);
	ck_assert_uint_eq(eio_server_session_count(srv), 0);
	ck_assert_uint_eq(eio_server_session_count(second), 0);
	shutdown_listener();            /* asserts the loop ends and closes cleanly */
	ck_assert_int_eq(ev.closes, 4); /* no second on_close, no late timer */
	for (int i = 0; i < 4; i++)
		ck_assert_str_eq(ev.close[i].reason, "server shutting down");
}
END_TEST

START_TEST(test_listener_close_idle)
{
	/* A listener with a server and no sessions also shuts down cleanly. */
	shutdown_listener();
	ck_assert_int_eq(ev.closes, 0);
}
END_TEST

START_TEST(test_free_without_close)
{
	/* eio_listener_free() alone, after uv_run() returned, must close first
	 * and still tear lws down cleanly (it once crashed here). */
	uv_loop_t loop;
	int err;
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	eio_listener *l = eio_listener_new(&loop, "127.0.0.1", 0, &err);
	ck_assert_ptr_nonnull(l);
	uv_run(&loop, UV_RUN_NOWAIT);
	eio_listener_free(l);
	ck_assert_int_eq(uv_run(&loop, UV_RUN_DEFAULT), 0);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}
END_TEST

static Suite *session_send_suite(void)
{
	Suite *s = suite_create("eio_session_send");
	TCase *tx = tcase_create("send");
	tcase_add_checked_fixture(tx, setup, teardown);
	tcase_set_timeout(tx, 30);
	tcase_add_test(tx, test_send_queues_in_order);
	tcase_add_test(tx, test_server_stats);
	tcase_add_test(tx, test_send_queue_full);
	tcase_add_test(tx, test_server_close_flushes_first);
	tcase_add_test(tx, test_shared_broadcast_msg);
	tcase_add_test(tx, test_close_all);
	suite_add_tcase(s, tx);

	TCase *sd = tcase_create("shutdown");
	tcase_add_checked_fixture(sd, setup, teardown);
	tcase_set_timeout(sd, 30);
	tcase_add_test(sd, test_listener_close_closes_sessions);
	tcase_add_test(sd, test_listener_close_idle);
	tcase_add_test(sd, test_free_without_close);
	suite_add_tcase(s, sd);
	return s;
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	return check_main_run(session_send_suite());
}
