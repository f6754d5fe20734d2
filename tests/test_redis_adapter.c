/* test_redis_adapter.c - Check tests of the Redis adapter (modules/redis/:
 * socketio/redis.h) in a fleet of servers on one loop against a real
 * redis-server (the fixture: tests/redis_fleet.h): what reaches whom.
 *
 * Asserted: broadcasts to all, to one room, to several, with except, from a
 * socket (socket.broadcast), binary, local; socketsJoin / socketsLeave /
 * disconnectSockets across servers, and the emitter's bodies (emit with
 * binary, socketsJoin, serverSideEmit, disconnectSockets) published as
 * @socket.io/redis-emitter 5.1 does; Redis killed and restarted (local
 * delivery goes on, the fleet's resumes); per-room subscriptions (a server
 * gets nothing for rooms it has no socket in, a socket's own room still
 * reaches it); malformed messages counted and ignored. Requests are in
 * test_redis_requests.c.
 */
#include "redis_fleet.h"
#include "check_main.h"

/* ---- broadcasts -------------------------------------------------------------------- */

START_TEST(test_broadcast_across)
{
	start_fleet(3, false);
	sio_socket *as;
	eio_session *a = client(&M[0], NULL, &as);
	eio_session *b = client(&M[1], "r1", NULL);
	eio_session *c = client(&M[2], "r2", NULL);

	/* to every socket of every server */
	sio_out *o = sio_out_new();
	sio_out_int(o, 1);
	sio_out_str(o, "x");
	sio_broadcast all = { 0 };
	ck_assert_int_eq(sio_broadcast_emit(M[0].root, &all, "hello", o), 1);
	sio_out_free(o);
	wait_for(a, b, c);
	ck_assert_str_eq(next(a), "42[\"hello\",1,\"x\"]");
	ck_assert_str_eq(next(b), "42[\"hello\",1,\"x\"]");
	ck_assert_str_eq(next(c), "42[\"hello\",1,\"x\"]");

	/* one room: b only */
	o = args_str("one");
	ck_assert_int_eq(sio_to(M[0].root, "r1", "room", o), 0);
	sio_out_free(o);
	fence(&M[0]);
	wait_for(a, b, c);
	ck_assert_str_eq(next(b), "42[\"room\",\"one\"]");
	ck_assert_str_eq(next(a), FENCE);
	ck_assert_str_eq(next(c), FENCE);
	wait_for(b, NULL, NULL);
	ck_assert_str_eq(next(b), FENCE);

	/* several rooms, from another server: b and c */
	const char *r12[] = { "r1", "r2" };
	sio_broadcast two = { .rooms = r12, .nrooms = 2 };
	o = args_str("two");
	sio_broadcast_emit(M[2].root, &two, "rooms", o);
	sio_out_free(o);
	fence(&M[2]);
	wait_for(a, b, c);
	ck_assert_str_eq(next(a), FENCE);
	ck_assert_str_eq(next(b), "42[\"rooms\",\"two\"]");
	ck_assert_str_eq(next(c), "42[\"rooms\",\"two\"]");
	wait_for(b, c, NULL);
	ck_assert_str_eq(next(b), FENCE);
	ck_assert_str_eq(next(c), FENCE);

	/* except r1: a and c */
	o = args_str("ex");
	sio_except(M[1].root, "r1", "except", o);
	sio_out_free(o);
	fence(&M[1]);
	wait_for(a, b, c);
	ck_assert_str_eq(next(a), "42[\"except\",\"ex\"]");
	ck_assert_str_eq(next(b), FENCE);
	ck_assert_str_eq(next(c), "42[\"except\",\"ex\"]");

	/* socket.broadcast from a: everyone but a */
	wait_for(a, c, NULL);
	next(a);
	next(c);
	o = args_str("sb");
	sio_socket_broadcast(as, "sb", o);
	sio_out_free(o);
	fence(&M[0]);
	wait_for(a, b, c);
	ck_assert_str_eq(next(a), FENCE);
	ck_assert_str_eq(next(b), "42[\"sb\",\"sb\"]");
	ck_assert_str_eq(next(c), "42[\"sb\",\"sb\"]");
	wait_for(b, c, NULL);
	next(b);
	next(c);

	/* binary arguments (volatile is decoded in test_redis_wire.c: an
	 * in-process session is never writable, so it would drop them) */
	o = sio_out_new();
	sio_out_binary(o, "\x01\x02\x03", 3);
	sio_broadcast_emit(M[0].root, &all, "bin", o);
	sio_out_free(o);
	wait_for(b, c, NULL);
	ck_assert_str_eq(next(b), "451-[\"bin\",{\"_placeholder\":true,\"num\":0}]");
	ck_assert_str_eq(next(b), "<bin:3:01>");
	ck_assert_str_eq(next(c), "451-[\"bin\",{\"_placeholder\":true,\"num\":0}]");
	ck_assert_str_eq(next(c), "<bin:3:01>");
	ck_assert_str_eq(next(a), "451-[\"bin\",{\"_placeholder\":true,\"num\":0}]");
	ck_assert_str_eq(next(a), "<bin:3:01>");

	/* local: this server's sockets only */
	o = args_str("loc");
	sio_broadcast loc = { .local = true };
	ck_assert_int_eq(sio_broadcast_emit(M[1].root, &loc, "local", o), 1);
	sio_out_free(o);
	ck_assert_str_eq(next(b), "42[\"local\",\"loc\"]");
	fence(&M[1]);
	wait_for(a, c, NULL);
	ck_assert_str_eq(next(a), FENCE);
	ck_assert_str_eq(next(c), FENCE);
}
END_TEST

/* ---- socketsJoin, socketsLeave, disconnectSockets ------------------------------------- */

static bool joined_x(void)
{
	return sio_room_size(M[1].root, "x") == 1 && sio_room_size(M[0].root, "x") == 1;
}

static bool left_x(void)
{
	return sio_room_size(M[1].root, "x") == 0;
}

START_TEST(test_sockets_join_leave_disconnect)
{
	start_fleet(2, false);
	eio_session *a = client(&M[0], "r1", NULL);
	eio_session *b = client(&M[1], "r1", NULL);
	eio_session *b2 = client(&M[1], NULL, NULL);
	const char *r1[] = { "r1" };
	sio_broadcast in_r1 = { .rooms = r1, .nrooms = 1 };
	sio_sockets_join(M[0].root, &in_r1, "x");
	ck_assert_msg(run_until(joined_x), "socketsJoin did not reach both servers");
	ck_assert_uint_eq(sio_room_size(M[1].root, "x"), 1);

	sio_sockets_leave(M[0].root, &in_r1, "x");
	ck_assert_msg(run_until(left_x), "socketsLeave did not reach the other server");

	sio_disconnect_sockets(M[0].root, &in_r1, false);
	wait_for(a, b, NULL);
	ck_assert_str_eq(next(a), "41");
	ck_assert_str_eq(next(b), "41");
	ck_assert_uint_eq(eio_session_queued_count(b2), 0);
	ck_assert_uint_eq(sio_namespace_socket_count(M[1].root), 1);
}
END_TEST

static bool r3_joined(void)
{
	return sio_room_size(M[0].root, "r3") == 1 && sio_room_size(M[1].root, "r3") == 1;
}

static bool sse_seen(void)
{
	return M[0].sse == 1 && M[1].sse == 1;
}

START_TEST(test_emitter)
{
	start_fleet(2, false);
	open_tconn();
	eio_session *a = client(&M[0], "room1", NULL);
	eio_session *b = client(&M[1], "room1", NULL);
	eio_session *b2 = client(&M[1], "room1", NULL);
	feed(b2, "2[\"join\",\"room2\"]");
	/* emitter.to("room1").except("room2").emit("news", {n: 1}, Buffer[7]) */
	publish_hex("socket.io#/#room1#",
	            "93a7656d697474657283a47479706502a46461746193a46e65777381a16e01c40107a36e73"
	            "70a12f83a5726f6f6d7391a5726f6f6d31a5666c61677380a665786365707491a5726f6f6d32");
	wait_for(a, b, NULL);
	ck_assert_str_eq(next(a), "451-[\"news\",{\"n\":1},{\"_placeholder\":true,\"num\":0}]");
	ck_assert_str_eq(next(a), "<bin:1:07>");
	ck_assert_str_eq(next(b), "451-[\"news\",{\"n\":1},{\"_placeholder\":true,\"num\":0}]");
	ck_assert_str_eq(next(b), "<bin:1:07>");
	ck_assert_uint_eq(eio_session_queued_count(b2), 0);

	/* emitter.in("room1").socketsJoin(["r3"]), serverSideEmit("tick", 42) */
	publish_text(
	        "socket.io-request#/#",
	        "{\"type\":2,\"opts\":{\"rooms\":[\"room1\"],\"except\":[\"room2\"]},\"rooms\":"
	        "[\"r3\"]}");
	ck_assert(run_until(r3_joined));
	publish_text("socket.io-request#/#",
	             "{\"uid\":\"emitter\",\"type\":6,\"data\":[\"tick\",42]}");
	ck_assert(run_until(sse_seen));
	ck_assert_str_eq(M[1].sse_arg, "42");
	/* emitter.in("r3").disconnectSockets(true) */
	publish_text("socket.io-request#/#",
	             "{\"type\":4,\"opts\":{\"rooms\":[\"r3\"],\"except\":[]},\"close\":true}");
	wait_for(a, b, NULL);
	ck_assert_str_eq(next(a), "41");
	ck_assert_str_eq(next(b), "41");
	ck_assert_uint_eq(sio_namespace_socket_count(M[1].root), 1);
	redis_conn_free(T.c);
}
END_TEST

/* ---- faults ------------------------------------------------------------------------ */

static bool all_down(void)
{
	for (int i = 0; i < nm; i++)
		if (M[i].up)
			return false;
	return true;
}

START_TEST(test_redis_restart)
{
	start_fleet(2, false);
	eio_session *a = client(&M[0], NULL, NULL);
	eio_session *b = client(&M[1], NULL, NULL);
	redis_server_kill(&rs);
	ck_assert(run_until(all_down));
	sio_redis_stats st;
	sio_redis_get_stats(M[0].r, &st);
	ck_assert(!st.connected);

	/* Local delivery goes on. */
	sio_out *o = args_str("away");
	sio_broadcast all = { 0 };
	ck_assert_int_eq(sio_broadcast_emit(M[0].root, &all, "while", o), 1);
	sio_out_free(o);
	ck_assert_str_eq(next(a), "42[\"while\",\"away\"]");
	/* A request completes with this server's answer. */
	memset(&R, 0, sizeof(R));
	sio_fetch_sockets_async(M[0].root, &all, 0, fetch_done, NULL);
	ck_assert(run_until(r_done));
	ck_assert_uint_eq(R.n, 1);

	ck_assert(redis_server_run(&rs));
	ck_assert(run_until(all_up));
	o = args_str("back");
	sio_broadcast_emit(M[0].root, &all, "after", o);
	sio_out_free(o);
	/* b may first get what was queued while away; "after" comes last. */
	bool seen = false;
	for (int i = 0; i < 2 && !seen; i++) {
		wait_for(b, NULL, NULL);
		seen = strcmp(next(b), "42[\"after\",\"back\"]") == 0;
	}
	ck_assert(seen);
	sio_redis_get_stats(M[1].r, &st);
	ck_assert_uint_ge(st.connects, 2);
}
END_TEST

START_TEST(test_room_subscriptions)
{
	start_fleet(3, true);
	open_tconn();
	eio_session *a = client(&M[0], NULL, NULL);
	eio_session *b = client(&M[1], "q", NULL);
	sio_socket *cs;
	eio_session *c = client(&M[2], NULL, &cs);
	while (numsub("socket.io#/#q#") != 1)
		;
	sio_redis_stats before, after;
	sio_redis_get_stats(M[2].r, &before);
	sio_out *o = args_str("only b");
	sio_to(M[0].root, "q", "q", o);
	sio_out_free(o);
	fence(&M[0]);
	wait_for(a, b, c);
	ck_assert_str_eq(next(b), "42[\"q\",\"only b\"]");
	ck_assert_str_eq(next(c), FENCE);
	sio_redis_get_stats(M[2].r, &after);
	ck_assert_uint_eq(after.received, before.received + 1); /* the fence only */

	/* A socket's own room (io.to(socket.id)) from another server. */
	o = args_str("private");
	sio_to(M[0].root, sio_socket_id(cs), "dm", o);
	sio_out_free(o);
	wait_for(c, NULL, NULL);
	ck_assert_str_eq(next(c), "42[\"dm\",\"private\"]");

	/* The last socket leaves: the channel goes. */
	feed(b, "1");
	while (numsub("socket.io#/#q#") != 0)
		;
	redis_conn_free(T.c);
}
END_TEST

/* ---- malformed --------------------------------------------------------------------- */

static bool counted_malformed(void)
{
	sio_redis_stats st;
	sio_redis_get_stats(M[0].r, &st);
	return st.malformed >= 3;
}

START_TEST(test_malformed_counted)
{
	start_fleet(1, false);
	open_tconn();
	eio_session *a = client(&M[0], NULL, NULL);
	publish_text("socket.io#/#", "not msgpack \xc1");
	publish_text("socket.io-request#/#", "{\"type\":5}");
	publish_text("socket.io-response#/#", "{\"requestId\":7}");
	ck_assert(run_until(counted_malformed));
	/* still serving */
	publish_hex("socket.io#/#", "93a7656d697474657283a47479706502a46461746191a26869a36e7370a12f"
	                            "83a5726f6f6d7390a5666c61677380a665786365707490");
	wait_for(a, NULL, NULL);
	ck_assert_str_eq(next(a), "42[\"hi\"]");
	redis_conn_free(T.c);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("redis_adapter");
	TCase *tc = tcase_create("fleet");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_broadcast_across);
	tcase_add_test(tc, test_sockets_join_leave_disconnect);
	tcase_add_test(tc, test_emitter);
	tcase_add_test(tc, test_redis_restart);
	tcase_add_test(tc, test_room_subscriptions);
	tcase_add_test(tc, test_malformed_counted);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(suite());
}
