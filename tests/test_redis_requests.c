/* test_redis_requests.c - Check tests of the Redis adapter's requests
 * across a fleet on one loop against a real redis-server (the fixture:
 * tests/redis_fleet.h): serverCount by NUMSUB, allRooms and fetchSockets
 * aggregated (remote sockets with their handshake, rooms and data),
 * serverSideEmit with and without acks, a broadcast with acks answered by
 * the clients of every server, and a member that NUMSUB counts but never
 * answers: the request ends at its timeout with the answers received, and
 * the miss is counted in the stats; the old request forms (0, and 2 with
 * sid and room) answered as node answers them, on the requester's own
 * channel with publish_on_specific_response_channel.
 */
#include "redis_fleet.h"
#include "check_main.h"

START_TEST(test_requests)
{
	start_fleet(3, false);
	sio_socket *bs, *sk[4];
	client(&M[0], "ra", &sk[0]);
	client(&M[1], "rb", &bs);
	sk[1] = bs;
	ck_assert_int_eq(sio_socket_set_data(bs, S("{\"user\":\"u1\"}")), 0);
	ck_assert_int_eq(sio_socket_set_data(bs, S("{bad")), SIO_EINVAL);
	client(&M[1], "shared", &sk[2]);
	client(&M[2], "shared", &sk[3]);
	char ids[4][32];
	for (int i = 0; i < 4; i++)
		snprintf(ids[i], sizeof(ids[i]), ",%s,", sio_socket_id(sk[i]));

	memset(&R, 0, sizeof(R));
	ck_assert_int_eq(sio_server_count(M[0].root, count_done, NULL), 0);
	ck_assert(run_until(r_done));
	ck_assert_uint_eq(R.servers, 3);

	memset(&R, 0, sizeof(R));
	sio_all_rooms(M[0].root, 0, rooms_done, NULL);
	ck_assert(run_until(r_done));
	ck_assert_str_eq(R.err, "");
	/* the named rooms and, as node's, each socket's own room under its id */
	ck_assert_uint_eq(R.n, 3 + 4);
	char listed[sizeof(R.rooms) + 1];
	snprintf(listed, sizeof(listed), ",%s", R.rooms);
	ck_assert_ptr_nonnull(strstr(listed, ",ra,"));
	ck_assert_ptr_nonnull(strstr(listed, ",rb,"));
	ck_assert_ptr_nonnull(strstr(listed, ",shared,"));
	for (int i = 0; i < 4; i++)
		ck_assert_ptr_nonnull(strstr(listed, ids[i]));

	memset(&R, 0, sizeof(R));
	sio_broadcast all = { 0 };
	sio_fetch_sockets_async(M[2].root, &all, 0, fetch_done, NULL);
	ck_assert(run_until(r_done));
	ck_assert_str_eq(R.err, "");
	ck_assert_uint_eq(R.n, 4);
	ck_assert_int_eq(R.remote_with_handshake, 3);
	ck_assert_str_eq(R.data, "{\"user\":\"u1\"}");

	const char *shared[] = { "shared" };
	sio_broadcast in_shared = { .rooms = shared, .nrooms = 1 };
	memset(&R, 0, sizeof(R));
	sio_fetch_sockets_async(M[0].root, &in_shared, 0, fetch_done, NULL);
	ck_assert(run_until(r_done));
	ck_assert_uint_eq(R.n, 2);
	ck_assert_int_eq(R.remote_with_handshake, 2);

	/* serverSideEmit: the others' handlers only; with acks, one answer each */
	sio_out *o = args_str("hi");
	sio_server_side_emit(M[0].root, "ping", o);
	memset(&R, 0, sizeof(R));
	sio_server_side_emit_with_ack(M[0].root, "ask", o, 0, replies_done, NULL);
	sio_out_free(o);
	ck_assert(run_until(r_done));
	ck_assert_str_eq(R.err, "");
	ck_assert_str_eq(R.replies, "1,2,");
	ck_assert_int_eq(M[0].sse, 0);
	ck_assert_int_eq(M[1].sse, 2);
	ck_assert_str_eq(M[2].sse_arg, "\"hi\"");
	sio_redis_stats st;
	sio_redis_get_stats(M[0].r, &st);
	ck_assert_uint_eq(st.requests_timed_out, 0);
	ck_assert_uint_ge(st.requests, 3);
}
END_TEST

/* Broadcast with acks: every client of every server answers. */
static int ack_id(const char *pkt)
{
	/* 42<id>[... or 451-<id>[... */
	const char *p = pkt + 2;
	return atoi(p);
}

START_TEST(test_broadcast_with_acks)
{
	start_fleet(3, false);
	eio_session *a = client(&M[0], NULL, NULL);
	eio_session *b = client(&M[1], NULL, NULL);
	eio_session *c = client(&M[2], NULL, NULL);
	memset(&R, 0, sizeof(R));
	sio_out *o = args_str("q");
	sio_broadcast all = { 0 };
	ck_assert_int_eq(
	        sio_broadcast_emit_with_ack(M[0].root, &all, "ask", o, 3000, replies_done, NULL),
	        1);
	sio_out_free(o);
	wait_for(a, b, c);
	eio_session *s[3] = { a, b, c };
	for (int i = 0; i < 3; i++) {
		char pkt[64];
		int id = ack_id(next(s[i]));
		ck_assert_str_eq(strchr(got, '['), "[\"ask\",\"q\"]");
		snprintf(pkt, sizeof(pkt), "3%d[%d]", id, 10 + i);
		feed(s[i], pkt);
	}
	ck_assert(run_until(r_done));
	ck_assert_str_eq(R.err, "");
	ck_assert_str_eq(R.replies, "10,11,12,");
}
END_TEST

static bool one_timed_out(void)
{
	sio_redis_stats st;
	sio_redis_get_stats(M[0].r, &st);
	return st.requests_timed_out == 1;
}

/* A member counted by NUMSUB that never answers: the request ends at its
 * timeout with the answers received, and the miss is counted. */
START_TEST(test_silent_member)
{
	start_fleet(2, false);
	open_tconn();
	redis_conn_subscribe(T.c, "socket.io-request#/#");
	eio_session *a = client(&M[0], NULL, NULL);
	eio_session *b = client(&M[1], NULL, NULL);
	/* Wait until the silent subscription is counted. */
	memset(&R, 0, sizeof(R));
	while (R.servers != 3) {
		memset(&R, 0, sizeof(R));
		sio_server_count(M[0].root, count_done, NULL);
		ck_assert(run_until(r_done));
	}
	memset(&R, 0, sizeof(R));
	sio_broadcast all = { 0 };
	sio_fetch_sockets_async(M[0].root, &all, 2000, fetch_done, NULL);
	ck_assert(run_until(r_done));
	ck_assert_str_eq(R.err, "operation has timed out");
	ck_assert_uint_eq(R.n, 2); /* this server's and the other's */
	/* counted at the adapter's deadline, just after */
	ck_assert(run_until(one_timed_out));
	sio_redis_stats st;
	sio_redis_get_stats(M[0].r, &st);
	ck_assert_uint_eq(st.requests_timed_out, 1);
	ck_assert_uint_eq(st.answers_missing, 1);

	/* The caller waits longer (0: 5000 ms) than the adapter (2000 ms): the
	 * request ends at the adapter's timeout, with the answers received. */
	memset(&R, 0, sizeof(R));
	uv_update_time(&loop);
	uint64_t t0 = uv_now(&loop);
	sio_fetch_sockets_async(M[0].root, &all, 0, fetch_done, NULL);
	ck_assert(run_until(r_done));
	ck_assert_uint_lt(uv_now(&loop) - t0, 4000);
	ck_assert_str_eq(R.err, "operation has timed out"); /* partial, and said so */
	ck_assert_uint_eq(R.n, 2);
	sio_redis_get_stats(M[0].r, &st);
	ck_assert_uint_eq(st.requests_timed_out, 2);

	/* A broadcast with acks and no timeout of its own: at the adapter's
	 * deadline the silent member counts as having no clients, and the
	 * request ends as the counted clients have answered. */
	memset(&R, 0, sizeof(R));
	sio_out *o = args_str("q");
	sio_broadcast_emit_with_ack(M[0].root, &all, "ask", o, 0, replies_done, NULL);
	sio_out_free(o);
	wait_for(a, b, NULL);
	char pkt[32];
	snprintf(pkt, sizeof(pkt), "3%d[1]", atoi(next(a) + 2));
	feed(a, pkt);
	snprintf(pkt, sizeof(pkt), "3%d[2]", atoi(next(b) + 2));
	feed(b, pkt);
	ck_assert(run_until(r_done));
	ck_assert_str_eq(R.err, "");
	ck_assert_str_eq(R.replies, "1,2,");
	sio_redis_get_stats(M[0].r, &st);
	ck_assert_uint_eq(st.requests_timed_out, 3);
	redis_conn_free(T.c);
}
END_TEST

static int want_tmsgs;
static bool t_msgs(void)
{
	return T.msgs >= want_tmsgs;
}

/* The old forms of node's adapter: 0 (SOCKETS) and 2 with {sid, room},
 * answered; with publish_on_specific_response_channel, on the requester's
 * channel. */
/* The adapter freed (a server stopping) while a request waits for a
 * silent member: the request ends at once with the timeout error, not at
 * its timer, which would hold the stopping loop for requestsTimeout. */
START_TEST(test_free_ends_pending)
{
	start_fleet(2, false);
	open_tconn();
	redis_conn_subscribe(T.c, "socket.io-request#/#");
	client(&M[0], NULL, NULL);
	memset(&R, 0, sizeof(R));
	while (R.servers != 3) {
		memset(&R, 0, sizeof(R));
		sio_server_count(M[0].root, count_done, NULL);
		ck_assert(run_until(r_done));
	}
	memset(&R, 0, sizeof(R));
	sio_broadcast all = { 0 };
	sio_fetch_sockets_async(M[0].root, &all, 0, fetch_done, NULL);
	uv_run(&loop, UV_RUN_NOWAIT);
	ck_assert(!r_done());
	sio_redis_free(M[0].r);
	M[0].r = NULL;
	ck_assert(r_done()); /* at once, inside the free */
	ck_assert_str_eq(R.err, "operation has timed out");
	ck_assert_uint_ge(R.n, 1); /* this server's socket at least */
	redis_conn_free(T.c);
}
END_TEST

START_TEST(test_old_requests)
{
	sio_redis_options o;
	char url[64];
	base_options(&o, url, sizeof(url));
	o.publish_on_specific_response_channel = true;
	nm = 1;
	start_member(&M[0], &o);
	ck_assert(run_until(all_up));
	open_tconn();
	redis_conn_subscribe(T.c, "socket.io-response#/#old123#");
	sio_socket *s;
	client(&M[0], "r", &s);
	/* the subscription is in place once a NUMSUB says so */
	while (numsub("socket.io-response#/#old123#") != 1)
		;
	char body[256];
	snprintf(body, sizeof(body),
	         "{\"uid\":\"old123\",\"requestId\":\"q0\",\"type\":0,\"rooms\":[\"r\"]}");
	publish_text("socket.io-request#/#", body);
	want_tmsgs = 1;
	ck_assert(run_until(t_msgs));
	ck_assert_str_eq(T.channel, "socket.io-response#/#old123#");
	char want[128];
	snprintf(want, sizeof(want), "{\"requestId\":\"q0\",\"sockets\":[\"%s\"]}",
	         sio_socket_id(s));
	ck_assert_str_eq(T.payload, want);

	snprintf(body, sizeof(body),
	         "{\"uid\":\"old123\",\"requestId\":\"q2\",\"type\":2,\"sid\":\"%s\","
	         "\"room\":\"joined\"}",
	         sio_socket_id(s));
	publish_text("socket.io-request#/#", body);
	want_tmsgs = 2;
	ck_assert(run_until(t_msgs));
	ck_assert_str_eq(T.payload, "{\"requestId\":\"q2\"}");
	ck_assert(sio_in_room(s, "joined"));
	redis_conn_free(T.c);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("redis_requests");
	TCase *tc = tcase_create("fleet");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_requests);
	tcase_add_test(tc, test_broadcast_with_acks);
	tcase_add_test(tc, test_silent_member);
	tcase_add_test(tc, test_free_ends_pending);
	tcase_add_test(tc, test_old_requests);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(suite());
}
