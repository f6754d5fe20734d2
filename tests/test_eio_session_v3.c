/* test_eio_session_v3.c - Check unit tests of the Engine.IO v3 session
 * (allow_eio3; engineio/eio_session.c), on tests/eio_session_fixture.h.
 *
 * The heartbeat as node's socket.js runs it for protocol 3: the server never
 * pings; each "2" from the client is answered "3" and restarts a wait of
 * pingInterval + pingTimeout, after which the session closes with "ping
 * timeout"; a "3" from the client is an error ("transport error").
 */
#include "eio_session_fixture.h"
#include "check_main.h"

static eio_session *new_v3_session(void)
{
	eio_session *s = new_session(srv, EIO_TRANSPORT_POLLING);
	eio_session_use_v3(s, false);
	ck_assert_int_eq(eio_session_protocol(s), 3);
	return s;
}

START_TEST(test_protocol_accessor)
{
	eio_session *s = new_session(srv, EIO_TRANSPORT_POLLING);
	ck_assert_int_eq(eio_session_protocol(s), 4);
	new_v3_session();
}
END_TEST

/* No client ping: closed after pingInterval + pingTimeout, without a single
 * server ping queued. */
START_TEST(test_v3_timeout)
{
	uv_update_time(&loop);
	uint64_t t0 = uv_hrtime();
	eio_session *s = new_v3_session();
	wait_closes(1);
	ck_assert_ptr_eq(ev.close[0].s, s);
	ck_assert_str_eq(ev.close[0].reason, "ping timeout");
	uint64_t ms = (ev.close[0].at_ns - t0) / 1000000;
	ck_assert_msg(ms >= PING_INTERVAL + PING_TIMEOUT - 1, "closed after %llu ms",
	              (unsigned long long)ms);
	ck_assert_msg(ms <= PING_INTERVAL + PING_TIMEOUT + 200, "closed after %llu ms",
	              (unsigned long long)ms);
}
END_TEST

/* A client that pings every PING_EVERY ms (less than pingInterval +
 * pingTimeout, more than either alone) CYCLES times, then stops. */
#define PING_EVERY 70
#define CYCLES     4

static struct {
	eio_session *s;
	uv_timer_t timer;
	int pings;
	bool answered; /* every ping got exactly one "3" */
	uint64_t last_ns;
} client;

static void on_client_timer(uv_timer_t *t)
{
	if (ev.closes)
		return;
	drain(client.s);
	eio_session_on_packet(client.s, EIO_PKT_PING, "", 0, false);
	client.last_ns = uv_hrtime();
	if (client.s->q.len != 1 || strcmp(queued(client.s, 0), "3") != 0)
		client.answered = false;
	if (++client.pings == CYCLES)
		uv_timer_stop(t);
}

START_TEST(test_v3_client_pings_keep_it_open)
{
	memset(&client, 0, sizeof(client));
	client.answered = true;
	client.s = new_v3_session();
	uv_timer_init(&loop, &client.timer);
	uv_timer_start(&client.timer, on_client_timer, PING_EVERY, PING_EVERY);
	wait_closes(1);
	uv_close((uv_handle_t *)&client.timer, NULL);
	ck_assert_int_eq(client.pings, CYCLES); /* alive for every ping */
	ck_assert(client.answered);
	ck_assert_str_eq(ev.close[0].reason, "ping timeout");
	/* Closed pingInterval + pingTimeout after the last ping, not earlier
	 * (5 ms of slack: the wait starts from the loop's cached time). */
	uint64_t ms = (ev.close[0].at_ns - client.last_ns) / 1000000;
	ck_assert_msg(ms >= PING_INTERVAL + PING_TIMEOUT - 5, "closed %llu ms after the ping",
	              (unsigned long long)ms);
}
END_TEST

START_TEST(test_v3_client_pong_is_error)
{
	eio_session *s = new_v3_session();
	eio_session_on_packet(s, EIO_PKT_PONG, "", 0, false);
	ck_assert_int_eq(ev.closes, 1);
	ck_assert_str_eq(ev.close[0].reason, "transport error");
}
END_TEST

/* A v4 session is unchanged: a client "2" is still an error. */
START_TEST(test_v4_client_ping_still_error)
{
	eio_session *s = new_session(srv, EIO_TRANSPORT_POLLING);
	eio_session_on_packet(s, EIO_PKT_PING, "", 0, false);
	ck_assert_int_eq(ev.closes, 1);
	ck_assert_str_eq(ev.close[0].reason, "transport error");
}
END_TEST

static Suite *session_v3_suite(void)
{
	Suite *s = suite_create("eio_session_v3");
	TCase *hb = tcase_create("heartbeat");
	tcase_add_checked_fixture(hb, setup, teardown);
	tcase_set_timeout(hb, 30);
	tcase_add_test(hb, test_protocol_accessor);
	tcase_add_test(hb, test_v3_timeout);
	tcase_add_test(hb, test_v3_client_pings_keep_it_open);
	tcase_add_test(hb, test_v3_client_pong_is_error);
	tcase_add_test(hb, test_v4_client_ping_still_error);
	suite_add_tcase(s, hb);
	return s;
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	return check_main_run(session_v3_suite());
}
