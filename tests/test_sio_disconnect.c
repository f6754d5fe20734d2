/* test_sio_disconnect.c - Check unit tests for disconnects and protocol
 * violations (socketio/sio_socket.c, sio_server.c, sio_connect.c) on a real
 * Engine.IO server, without HTTP; the fixture is sio_fixture.h.
 *
 * Why: applications learn why a socket went away from the reason given to
 * the disconnecting/disconnect callbacks, called in that order (rooms still
 * joined in the first): server disconnects (with or without closing the
 * transport, from inside a handler), client disconnects, the engine closing;
 * and every protocol violation (an event for an unjoined namespace, a second
 * CONNECT, malformed packets) must close the connection, ending its sockets.
 */
#include "sio_fixture.h"
#include "check_main.h"

/* ===================================================================================
 * disconnect
 * =================================================================================== */

START_TEST(test_server_disconnect)
{
	eio_session *s;
	sio_socket *so = connected(&s);
	char id[24];
	snprintf(id, sizeof(id), "%s", sio_socket_id(so));
	ck_assert_int_eq(sio_join(so, "a"), 0);
	ev.order[0] = '\0';
	sio_disconnect(so, false);
	expect_text(s, "41");
	expect_empty(s);
	ck_assert_str_eq(ev.order, "disconnecting,disconnect");
	ck_assert_int_eq(ev.ndiscing, 1);
	ck_assert_int_eq(ev.ndisc, 1);
	drec *d = &ev.discing[0];
	ck_assert_str_eq(d->reason, "server namespace disconnect");
	ck_assert_str_eq(d->id, id);
	ck_assert(d->connected);
	ck_assert(d->in_a); /* rooms still known while disconnecting */
	ck_assert(d->in_own);
	d = &ev.disc[0];
	ck_assert_str_eq(d->reason, "server namespace disconnect");
	ck_assert(!d->connected);
	ck_assert(!d->in_a); /* gone by disconnect */
	ck_assert(!d->in_own);
	ck_assert_uint_eq(sio_namespace_socket_count(root), 0);
	ck_assert_uint_eq(root->rooms.len, 0);
	ck_assert(!closing(s)); /* only the namespace was left */
	/* The client may connect again: a new socket, a new id. */
	sio_socket *again = join_nsp(s, "/", NULL);
	ck_assert_str_ne(sio_socket_id(again), id);
}
END_TEST

START_TEST(test_server_disconnect_custom)
{
	eio_session *s = client();
	sio_socket *a = join_nsp(s, "/", NULL);
	sio_socket *c = join_nsp(s, "/custom", NULL);
	sio_disconnect(c, false);
	expect_text(s, "41/custom,");
	expect_empty(s);
	ck_assert_int_eq(ev.ndisc, 1);
	ck_assert_str_eq(ev.disc[0].nsp, "/custom");
	ck_assert_str_eq(ev.disc[0].reason, "server namespace disconnect");
	ck_assert(sio_socket_connected(a));
	ck_assert(!closing(s));
	/* A packet for the namespace just left now closes the connection. */
	feed(s, "2/custom,[\"ev\"]");
	ck_assert(closing(s));
}
END_TEST

START_TEST(test_server_disconnect_close_transport)
{
	eio_session *s = client();
	join_nsp(s, "/", NULL);
	sio_socket *c = join_nsp(s, "/custom", NULL);
	sio_disconnect(c, true);
	expect_text(s, "41/custom,");
	ck_assert(closing(s));
	/* The Engine.IO close "1" follows in the next poll's payload, never in
	 * the DISCONNECT's (eio_session_close): nothing else is queued. */
	expect_empty(s);
	ck_assert_int_eq(ev.ndisc, 1);
}
END_TEST

static void hook_disconnect(sio_socket *s, const char *event, const sio_args *a, sio_ack *ack)
{
	(void)event;
	(void)a;
	(void)ack;
	sio_disconnect(s, false);
	/* Still a valid pointer until the handler returns, but not connected. */
	ck_assert(!sio_socket_connected(s));
	ck_assert_int_eq(sio_emit(s, "x", NULL), SIO_ECLOSED);
	ck_assert_int_eq(sio_join(s, "r"), SIO_ECLOSED);
}

START_TEST(test_disconnect_inside_handler)
{
	eio_session *s;
	sio_socket *so = connected(&s);
	event_hook = hook_disconnect;
	ck_assert_int_eq(sio_on(so, "ev", on_event, "first"), 0);
	ck_assert_int_eq(sio_on_any(so, on_event, "second"), 0);
	feed(s, "21[\"ev\"]");
	ck_assert_int_eq(ev.nev, 1); /* later handlers are not called */
	ck_assert_int_eq(ev.ndisc, 1);
	expect_text(s, "41");
	expect_empty(s); /* and the unanswered ack sends nothing */
	ck_assert(!closing(s));
	ck_assert_uint_eq(sio_namespace_socket_count(root), 0);
}
END_TEST

START_TEST(test_client_disconnect)
{
	eio_session *s = client();
	sio_socket *a = join_nsp(s, "/", NULL);
	join_nsp(s, "/custom", NULL);
	sio_join(a, "a");
	feed(s, "1");
	ck_assert_int_eq(ev.ndisc, 1);
	ck_assert_int_eq(ev.ndiscing, 1);
	ck_assert_str_eq(ev.discing[0].reason, "client namespace disconnect");
	ck_assert(ev.discing[0].in_a);
	ck_assert_str_eq(ev.disc[0].reason, "client namespace disconnect");
	ck_assert_str_eq(ev.disc[0].nsp, "/");
	ck_assert(!ev.disc[0].in_a);
	expect_empty(s); /* no answer */
	ck_assert(!closing(s));
	feed(s, "1/custom,");
	ck_assert_int_eq(ev.ndisc, 2);
	ck_assert_str_eq(ev.disc[1].nsp, "/custom");
	ck_assert_str_eq(ev.disc[1].reason, "client namespace disconnect");
	ck_assert_uint_eq(sio_namespace_socket_count(root), 0);
	ck_assert_uint_eq(sio_namespace_socket_count(custom), 0);
	expect_empty(s);
	ck_assert(!closing(s));
}
END_TEST

START_TEST(test_engine_close)
{
	eio_session *s = client();
	sio_socket *a = join_nsp(s, "/", NULL);
	sio_socket *c = join_nsp(s, "/custom", NULL);
	sio_socket *other = connected(NULL);
	sio_join(a, "a");
	sio_join(c, "a");
	feed_engine(s, "1"); /* s is gone now */
	ck_assert_int_eq(ev.ndiscing, 2);
	ck_assert_int_eq(ev.ndisc, 2);
	bool seen_root = false, seen_custom = false;
	for (int i = 0; i < 2; i++) {
		ck_assert_str_eq(ev.discing[i].reason, "transport close");
		ck_assert(ev.discing[i].in_a);
		ck_assert_str_eq(ev.disc[i].reason, "transport close");
		ck_assert(!ev.disc[i].in_a);
		seen_root |= strcmp(ev.disc[i].nsp, "/") == 0;
		seen_custom |= strcmp(ev.disc[i].nsp, "/custom") == 0;
	}
	ck_assert(seen_root && seen_custom);
	ck_assert_uint_eq(sio_namespace_socket_count(root), 1);
	ck_assert_uint_eq(sio_namespace_socket_count(custom), 0);
	ck_assert_ptr_null(base_map_get(&root->rooms, "a"));
	ck_assert_uint_eq(custom->rooms.len, 0);
	ck_assert(sio_socket_connected(other));
	/* A transport error ends the sockets with that reason. */
	eio_session *t = client();
	join_nsp(t, "/", NULL);
	feed_engine(t, "2");
	ck_assert_int_eq(ev.ndisc, 3);
	ck_assert_str_eq(ev.disc[2].reason, "transport error");
}
END_TEST

START_TEST(test_event_for_unjoined_namespace)
{
	eio_session *s;
	sio_socket *so = connected(&s);
	ck_assert_int_eq(sio_on_any(so, on_event, "any"), 0);
	feed(s, "2/custom,[\"ev\"]");
	ck_assert(closing(s));
	ck_assert_int_eq(ev.nev, 0);
	/* Nor for a namespace that does not exist, nor before any CONNECT. */
	eio_session *t;
	connected(&t);
	feed(t, "2/nope,[\"ev\"]");
	ck_assert(closing(t));
	eio_session *u = client();
	feed(u, "2[\"ev\"]");
	ck_assert(closing(u));
	/* A DISCONNECT or an ACK for a namespace not joined too. */
	eio_session *v = client();
	join_nsp(v, "/", NULL);
	feed(v, "1/custom,");
	ck_assert(closing(v));
	eio_session *w = client();
	join_nsp(w, "/", NULL);
	feed(w, "3/custom,0[]");
	ck_assert(closing(w));
	/* Once closing, further packets are not delivered. */
	feed(s, "2[\"ev\"]");
	ck_assert_int_eq(ev.nev, 0);
}
END_TEST

START_TEST(test_second_connect)
{
	eio_session *s = client();
	join_nsp(s, "/", NULL);
	feed(s, "0");
	ck_assert(closing(s));
	ck_assert_int_eq(ev.nsocks, 1);
	eio_session *t = client();
	join_nsp(t, "/custom", NULL);
	join_nsp(t, "/", NULL); /* another namespace is fine */
	ck_assert(!closing(t));
	feed(t, "0/custom,{\"again\":1}");
	ck_assert(closing(t));
	ck_assert_int_eq(ev.nsocks, 3);
}
END_TEST

START_TEST(test_malformed_closes)
{
	static const char *const bad[] = {
		"2",              /* EVENT without payload */
		"2[\"connect\"]", /* reserved event names */
		"2[\"disconnect\"]",
		"2[\"disconnecting\"]",
		"x",                    /* unknown packet type */
		"4x",                   /* CONNECT_ERROR from a client (and bad JSON) */
		"4{\"message\":\"x\"}", /* CONNECT_ERROR from a client */
		"",                     /* empty */
		"9[]",
		"2[\"ev\",",                  /* truncated JSON */
		"2{}",                        /* payload not an array */
		"2[]",                        /* no event name */
		"2[{}]",                      /* event name not a string */
		"2 [\"ev\"]",                 /* whitespace before the payload */
		"3",                          /* ACK without payload */
		"5-[\"ev\"]",                 /* binary without a count */
		"50-[\"ev\"]",                /* binary with 0 attachments */
		"511-[\"ev\"]",               /* more attachments than allowed (10) */
		"51-[\"ev\"," PH(1) "]",      /* placeholder out of range */
		"299999999999999999[\"ev\"]", /* ack id above 2^53-1 */
		"2[\"ev\",\"\xff\"]",         /* invalid UTF-8 */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		eio_session *s;
		sio_socket *so = connected(&s);
		ck_assert_int_eq(sio_on_any(so, on_event, "any"), 0);
		feed(s, bad[i]);
		ck_assert_msg(closing(s), "\"%s\" did not close the connection", bad[i]);
		ck_assert_msg(ev.nev == 0, "\"%s\" was delivered", bad[i]);
		/* Nothing but the Engine.IO close packet is queued. */
		ck_assert_uint_eq(eio_session_queued_count(s), 1);
		ck_assert_str_eq(queued_frame(s, 0), "1");
	}
	/* Before any CONNECT too. */
	eio_session *t = client();
	feed(t, "0{");
	ck_assert(closing(t));
	ck_assert_int_eq(ev.nsocks, (int)(sizeof(bad) / sizeof(bad[0])));
}
END_TEST

static bool disc_at_least(void *n)
{
	return ev.ndisc >= *(int *)n;
}

START_TEST(test_closed_connection_ends_sockets)
{
	/* After a protocol violation the sockets are disconnected when the
	 * engine session ends (here: eio_server_close_all, as at shutdown). */
	eio_session *s = client();
	join_nsp(s, "/", NULL);
	join_nsp(s, "/custom", NULL);
	feed(s, "x");
	ck_assert(closing(s));
	ck_assert_int_eq(ev.ndisc, 0);
	sio_server_close(srv);
	int two = 2;
	run_until(disc_at_least, &two);
	ck_assert_str_eq(ev.disc[0].reason, "server shutting down");
	ck_assert_str_eq(ev.disc[1].reason, "server shutting down");
	ck_assert_uint_eq(sio_namespace_socket_count(root), 0);
	ck_assert_uint_eq(sio_namespace_socket_count(custom), 0);
}
END_TEST

/* ---- suite --------------------------------------------------------------------------- */

static Suite *disconnect_suite(void)
{
	Suite *s = suite_create("sio_disconnect");
	TCase *t = tc(s, "disconnect");
	tcase_add_test(t, test_server_disconnect);
	tcase_add_test(t, test_server_disconnect_custom);
	tcase_add_test(t, test_server_disconnect_close_transport);
	tcase_add_test(t, test_disconnect_inside_handler);
	tcase_add_test(t, test_client_disconnect);
	tcase_add_test(t, test_engine_close);
	tcase_add_test(t, test_event_for_unjoined_namespace);
	tcase_add_test(t, test_second_connect);
	tcase_add_test(t, test_malformed_closes);
	tcase_add_test(t, test_closed_connection_ends_sockets);
	return s;
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	return check_main_run(disconnect_suite());
}
