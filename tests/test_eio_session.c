/* test_eio_session.c - Check unit tests for engineio/eio_session.c: the open
 * packet, the heartbeat and its timing, and inbound packets, without HTTP.
 * Sending, the queue bound, server close and shutdown are in
 * test_eio_session_send.c; the fixture is eio_session_fixture.h.
 */
#include "eio_session_fixture.h"
#include "check_main.h"

START_TEST(test_open_packet_polling)
{
	eio_session *s = new_session(srv, EIO_TRANSPORT_POLLING);
	ck_assert_uint_eq(s->q.len, 1); /* the open packet and nothing else */
	check_open_packet(s, "[\"websocket\"]", PING_INTERVAL, PING_TIMEOUT, MAX_PAYLOAD);
	ck_assert_uint_eq(eio_session_queued_bytes(s), eio_queue_at(&s->q, 0)->len);
	ck_assert_str_eq(eio_session_transport(s), "polling");
	ck_assert_ptr_eq(eio_session_server(s), srv);
	ck_assert_ptr_eq(eio_server_user(srv), &user_token);
	ck_assert_uint_eq(eio_server_session_count(srv), 1);
	ck_assert_int_eq(ev.closes, 0);
}
END_TEST

START_TEST(test_open_packet_websocket)
{
	/* A session that starts on WebSocket has nothing to upgrade to. */
	eio_session *s = new_session(srv, EIO_TRANSPORT_WEBSOCKET);
	ck_assert_uint_eq(s->q.len, 1);
	check_open_packet(s, "[]", PING_INTERVAL, PING_TIMEOUT, MAX_PAYLOAD);
	ck_assert_str_eq(eio_session_transport(s), "websocket");
}
END_TEST

START_TEST(test_open_packet_no_upgrades)
{
	/* Upgrades disabled, or WebSocket not offered: polling advertises []. */
	eio_options o;
	int err;
	options(&o);
	o.path = "/noupg";
	o.allow_upgrades = false;
	o.ping_interval_ms = 1000;
	o.ping_timeout_ms = 2000;
	eio_server *a = eio_server_new(L, &o, &callbacks, NULL, &err);
	ck_assert_ptr_nonnull(a);
	options(&o);
	o.path = "/pollonly/";
	o.transports = EIO_TRANSPORT_POLLING;
	o.max_payload = 1;
	eio_server *b = eio_server_new(L, &o, &callbacks, NULL, &err);
	ck_assert_ptr_nonnull(b);
	check_open_packet(new_session(a, EIO_TRANSPORT_POLLING), "[]", 1000, 2000, MAX_PAYLOAD);
	check_open_packet(new_session(b, EIO_TRANSPORT_POLLING), "[]", PING_INTERVAL, PING_TIMEOUT,
	                  1);
}
END_TEST

START_TEST(test_sid_format_and_unique)
{
	enum {
		N = 1000
	};
	static char sids[N][24];
	for (int i = 0; i < N; i++) {
		eio_session *s = new_session(srv, EIO_TRANSPORT_POLLING);
		const char *sid = eio_session_id(s);
		ck_assert_msg(sid_ok(sid), "bad sid \"%s\"", sid);
		ck_assert_ptr_eq(eio_server_session(srv, sid), s);
		snprintf(sids[i], sizeof(sids[i]), "%s", sid);
	}
	ck_assert_uint_eq(eio_server_session_count(srv), N);
	qsort(sids, N, sizeof(sids[0]), (int (*)(const void *, const void *))strcmp);
	for (int i = 1; i < N; i++)
		ck_assert_msg(strcmp(sids[i - 1], sids[i]) != 0, "duplicate sid %s", sids[i]);
	ck_assert_ptr_null(eio_server_session(srv, "AAAAAAAAAAAAAAAAAAAA"));
	ck_assert_int_eq(ev.closes, 0);
}
END_TEST

/* ---- heartbeat ------------------------------------------------------------------ */

START_TEST(test_first_ping_on_time)
{
	uv_update_time(&loop); /* as after a poll: the handshake's loop time */
	uint64_t t0 = uv_hrtime();
	eio_session *s = new_session(srv, EIO_TRANSPORT_POLLING);
	run_until(last_is_ping, s, WATCHDOG_MS);
	uint64_t ms = (met_ns - t0) / 1000000;
	/* 1 ms of slack: libuv's clock has millisecond granularity. */
	ck_assert_msg(ms >= PING_INTERVAL - 1, "ping after %llu ms, interval %d",
	              (unsigned long long)ms, PING_INTERVAL);
	ck_assert_msg(ms <= PING_INTERVAL + LATE_MS, "ping after %llu ms, interval %d",
	              (unsigned long long)ms, PING_INTERVAL);
	/* Queued behind the open packet, exactly one ping. */
	ck_assert_uint_eq(s->q.len, 2);
	ck_assert_int_eq(queued(s, 0)[0], EIO_PKT_OPEN);
	ck_assert_str_eq(queued(s, 1), "2");
	ck_assert_int_eq(ev.closes, 0);
}
END_TEST

/* A client that answers every ping PONG_DELAY ms after it appears: a
 * uv_prepare handle notices each new "2" in the queue (right after the timer
 * phase that queued it, before the loop polls), drains the queue like a GET would, and starts a timer that feeds "3". */
#define PONG_DELAY 20
#define CYCLES     4

static struct {
	eio_session *s;
	uv_prepare_t check;
	uv_timer_t pong_timer;
	int pings, pongs;
	uint64_t ping_ns[CYCLES + 1], pong_ns[CYCLES + 1];
} client;

static void on_pong_timer(uv_timer_t *t)
{
	(void)t;
	client.pong_ns[client.pongs++] = uv_hrtime();
	eio_session_on_packet(client.s, EIO_PKT_PONG, "", 0, false);
}

static void on_client_check(uv_prepare_t *c)
{
	if (ev.closes || client.pings > CYCLES || !last_is_ping(client.s))
		return;
	client.ping_ns[client.pings++] = uv_hrtime();
	drain(client.s);
	if (client.pings <= CYCLES)
		uv_timer_start(&client.pong_timer, on_pong_timer, PONG_DELAY, 0);
	else
		uv_stop(c->loop); /* done: look before the unanswered ping expires */
}

static bool client_done(void *arg)
{
	(void)arg;
	return client.pings == CYCLES + 1 || ev.closes > 0;
}

START_TEST(test_pong_rearms)
{
	memset(&client, 0, sizeof(client));
	uv_update_time(&loop);
	uint64_t t0 = uv_hrtime();
	client.s = new_session(srv, EIO_TRANSPORT_POLLING);
	uv_prepare_init(&loop, &client.check);
	uv_prepare_start(&client.check, on_client_check);
	uv_timer_init(&loop, &client.pong_timer);

	run_until(client_done, NULL, WATCHDOG_MS);
	uv_close((uv_handle_t *)&client.check, NULL);
	uv_close((uv_handle_t *)&client.pong_timer, NULL);

	/* The session survived every cycle; each ping came pingInterval after
	 * the previous pong (not after the previous ping). */
	ck_assert_msg(ev.closes == 0, "session closed: %s", ev.close[0].reason);
	ck_assert_int_eq(client.pings, CYCLES + 1);
	ck_assert_int_eq(client.pongs, CYCLES);
	ck_assert_ptr_eq(eio_server_session(srv, eio_session_id(client.s)), client.s);
	for (int i = 0; i <= CYCLES; i++) {
		uint64_t from = i == 0 ? t0 : client.pong_ns[i - 1];
		uint64_t ms = (client.ping_ns[i] - from) / 1000000;
		ck_assert_msg(ms >= PING_INTERVAL - 1 && ms <= PING_INTERVAL + LATE_MS,
		              "ping %d came %llu ms after %s", i, (unsigned long long)ms,
		              i == 0 ? "the handshake" : "the pong");
	}
}
END_TEST

START_TEST(test_pong_without_ping_ignored)
{
	/* An unsolicited pong neither closes the session nor delays the ping. */
	uv_update_time(&loop);
	uint64_t t0 = uv_hrtime();
	eio_session *s = new_session(srv, EIO_TRANSPORT_POLLING);
	eio_session_on_packet(s, EIO_PKT_PONG, "", 0, false);
	ck_assert_int_eq(ev.closes, 0);
	run_until(last_is_ping, s, WATCHDOG_MS);
	uint64_t ms = (met_ns - t0) / 1000000;
	ck_assert_uint_le(ms, PING_INTERVAL + LATE_MS);
	ck_assert_int_eq(ev.closes, 0);
}
END_TEST

START_TEST(test_ping_timeout)
{
	uv_update_time(&loop);
	uint64_t t0 = uv_hrtime();
	eio_session *s = new_session(srv, EIO_TRANSPORT_POLLING);
	char sid[24];
	snprintf(sid, sizeof(sid), "%s", eio_session_id(s));
	wait_closes(1);
	ck_assert_ptr_eq(ev.close[0].s, s);
	ck_assert_str_eq(ev.close[0].sid, sid);
	ck_assert_str_eq(ev.close[0].reason, "ping timeout");
	ck_assert_ptr_eq(ev.user_seen, &user_token);
	uint64_t ms = (ev.close[0].at_ns - t0) / 1000000;
	ck_assert_msg(ms >= PING_INTERVAL + PING_TIMEOUT - 1,
	              "closed after %llu ms, before interval + timeout", (unsigned long long)ms);
	ck_assert_msg(ms <= PING_INTERVAL + PING_TIMEOUT + 200, "closed after %llu ms",
	              (unsigned long long)ms);
	/* Gone from the server before on_close ran. */
	ck_assert(!ev.close[0].in_map);
	ck_assert_ptr_null(eio_server_session(srv, sid));
	ck_assert_uint_eq(eio_server_session_count(srv), 0);
}
END_TEST

/* ---- packets from the client ----------------------------------------------------- */

START_TEST(test_client_close)
{
	eio_session *s = new_session(srv, EIO_TRANSPORT_POLLING);
	eio_session *other = new_session(srv, EIO_TRANSPORT_POLLING);
	eio_session_on_packet(s, EIO_PKT_CLOSE, "", 0, false);
	/* Synchronous: the session is gone when on_packet returns. */
	ck_assert_int_eq(ev.closes, 1);
	ck_assert_ptr_eq(ev.close[0].s, s);
	ck_assert_str_eq(ev.close[0].reason, "transport close");
	ck_assert(!ev.close[0].in_map);
	ck_assert_uint_eq(eio_server_session_count(srv), 1);
	ck_assert_ptr_eq(eio_server_session(srv, eio_session_id(other)), other);
}
END_TEST

START_TEST(test_client_ping_is_error)
{
	/* v4 clients never ping; one that does is misbehaving. */
	eio_session *s = new_session(srv, EIO_TRANSPORT_POLLING);
	eio_session_on_packet(s, EIO_PKT_PING, "", 0, false);
	ck_assert_int_eq(ev.closes, 1);
	ck_assert_ptr_eq(ev.close[0].s, s);
	ck_assert_str_eq(ev.close[0].reason, "transport error");
	ck_assert_uint_eq(eio_server_session_count(srv), 0);
}
END_TEST

START_TEST(test_messages)
{
	eio_session *s = new_session(srv, EIO_TRANSPORT_POLLING);
	eio_session_on_packet(s, EIO_PKT_MESSAGE, S("hello"), false);
	eio_session_on_packet(s, EIO_PKT_MESSAGE, S("\x00\x01\xff"), true);
	eio_session_on_packet(s, EIO_PKT_MESSAGE, "", 0, false);
	eio_session_on_packet(s, EIO_PKT_MESSAGE, "", 0, true);
	/* noop, upgrade and open on the active transport are ignored. */
	eio_session_on_packet(s, EIO_PKT_NOOP, "", 0, false);
	eio_session_on_packet(s, EIO_PKT_UPGRADE, "", 0, false);
	ck_assert_int_eq(ev.closes, 0);
	ck_assert_int_eq(ev.messages, 4);
	ck_assert_ptr_eq(ev.user_seen, &user_token);
	for (int i = 0; i < 4; i++)
		ck_assert_ptr_eq(ev.msg[i].s, s);
	ck_assert(!ev.msg[0].binary);
	ck_assert_uint_eq(ev.msg[0].len, 5);
	ck_assert_mem_eq(ev.msg[0].data, "hello", 5);
	ck_assert(ev.msg[1].binary);
	ck_assert_uint_eq(ev.msg[1].len, 3);
	ck_assert_mem_eq(ev.msg[1].data, "\x00\x01\xff", 3);
	ck_assert(!ev.msg[2].binary);
	ck_assert_uint_eq(ev.msg[2].len, 0);
	ck_assert(ev.msg[3].binary);
	ck_assert_uint_eq(ev.msg[3].len, 0);
	/* Receiving does not queue anything (no echo, no ack). */
	ck_assert_uint_eq(s->q.len, 1);
}
END_TEST

START_TEST(test_messages_from_payload)
{
	/* The polling POST path: decode a payload and hand each packet over. */
	eio_session *s = new_session(srv, EIO_TRANSPORT_POLLING);
	static const char body[] = "4hi\x1e"
	                           "bAQID\x1e"
	                           "3\x1e"
	                           "4there";
	eio_payload_iter it;
	eio_packet p;
	int r;
	eio_payload_iter_init(&it, body, sizeof(body) - 1);
	while ((r = eio_payload_next(&it, &p)) == 1)
		eio_session_on_packet(s, p.type, p.data, p.len, p.binary);
	eio_payload_iter_free(&it);
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(ev.messages, 3);
	ck_assert_mem_eq(ev.msg[0].data, "hi", 2);
	ck_assert(ev.msg[1].binary);
	ck_assert_uint_eq(ev.msg[1].len, 3);
	ck_assert_mem_eq(ev.msg[1].data, "\x01\x02\x03", 3);
	ck_assert(!ev.msg[2].binary);
	ck_assert_uint_eq(ev.msg[2].len, 5);
	ck_assert_mem_eq(ev.msg[2].data, "there", 5);
	ck_assert_int_eq(ev.closes, 0);
}
END_TEST

/* A session destroyed while a write of it is pending (its send woke the
 * transport) is freed. The reaper once re-armed itself at 0 ms while such a
 * session waited on the end-of-turn list: libuv ran it again in the same
 * timer pass, forever, and the flush never came (a busy loop that stalled
 * the server). The list now holds connections, whose link to the session
 * the session's destroy clears, so no session waits for it. */
static bool graveyard_empty(void *arg)
{
	return ((eio_server *)arg)->graveyard == NULL;
}

START_TEST(test_destroyed_while_dirty_is_freed)
{
	eio_session *s = new_session(srv, EIO_TRANSPORT_POLLING);
	ck_assert_int_eq(eio_session_send_text(s, S("pending")), 0);
	eio_session_destroy(s, "forced close");
	ck_assert_ptr_eq(srv->graveyard, s);
	ck_assert_msg(run_loop_until(graveyard_empty, srv, 2000),
	              "the destroyed session was never freed");
}
END_TEST

static Suite *session_suite(void)
{
	Suite *s = suite_create("eio_session");
	TCase *h = tcase_create("handshake");
	tcase_add_checked_fixture(h, setup, teardown);
	tcase_set_timeout(h, 30);
	tcase_add_test(h, test_open_packet_polling);
	tcase_add_test(h, test_open_packet_websocket);
	tcase_add_test(h, test_open_packet_no_upgrades);
	tcase_add_test(h, test_sid_format_and_unique);
	suite_add_tcase(s, h);

	TCase *hb = tcase_create("heartbeat");
	tcase_add_checked_fixture(hb, setup, teardown);
	tcase_set_timeout(hb, 30);
	tcase_add_test(hb, test_first_ping_on_time);
	tcase_add_test(hb, test_pong_rearms);
	tcase_add_test(hb, test_pong_without_ping_ignored);
	tcase_add_test(hb, test_ping_timeout);
	suite_add_tcase(s, hb);

	TCase *rx = tcase_create("receive");
	tcase_add_checked_fixture(rx, setup, teardown);
	tcase_add_test(rx, test_client_close);
	tcase_add_test(rx, test_client_ping_is_error);
	tcase_add_test(rx, test_messages);
	tcase_add_test(rx, test_messages_from_payload);
	tcase_add_test(rx, test_destroyed_while_dirty_is_freed);
	suite_add_tcase(s, rx);

	return s;
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	return check_main_run(session_suite());
}
