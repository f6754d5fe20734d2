/* test_sio_events.c - Check unit tests for event dispatch and the
 * acknowledgements the server answers (socketio/sio_socket.c) on a real
 * Engine.IO server, without HTTP; the fixture is sio_fixture.h.
 *
 * Why: applications receive every client event through their handlers: the
 * named handlers and the catch-all, long event names, and the ack a handler
 * gets for a client's emit with ack: sent at most once, without arguments,
 * no ack object when none was asked, retained and answered later, dropped
 * without answering (nothing sent), and retained past the socket's end.
 */
#include "sio_fixture.h"
#include "check_main.h"

/* ===================================================================================
 * events and acknowledgements
 * ===================================================================================
 */

START_TEST(test_event_handlers_and_catch_all)
{
	eio_session *s;
	sio_socket *so = connected(&s);
	ck_assert_int_eq(sio_on(so, "a", on_event, "on-a"), 0);
	ck_assert_int_eq(sio_on_any(so, on_event, "any"), 0);
	ck_assert_int_eq(sio_on(so, "b", on_event, "on-b"), 0);
	ck_assert_int_eq(sio_on(so, "a", on_event, "on-a2"), 0);
	ck_assert_int_eq(sio_on(so, NULL, on_event, "bad"), SIO_EINVAL);
	feed(s, "2[\"a\",1]");
	feed(s, "2[\"b\"]");
	feed(s, "2[\"c\",true]");
	/* Each event: every handler for its name (in registration order) and the
	 * catch-all, each once. (Where the catch-all runs among them is not
	 * checked: node runs onAny listeners first, this library in
	 * registration order.) */
	ck_assert_int_eq(ev.nev, 6);
	static const char *want[] = { "a:on-a,a:on-a2,a:any", "b:on-b,b:any", "c:any" };
	int k = 0;
	for (int e = 0; e < 3; e++) {
		char got[64] = "", any[16] = "";
		char want_ev = "abc"[e];
		for (; k < ev.nev && ev.ev[k].event[0] == want_ev; k++) {
			ck_assert_ptr_eq(ev.ev[k].s, so);
			ck_assert_uint_eq(ev.ev[k].count, e == 1 ? 0 : 1);
			char *dst = strcmp(ev.ev[k].tag, "any") == 0 ? any : got;
			size_t n = strlen(dst);
			snprintf(dst + n, 32 - n, "%s%s:%s", n ? "," : "", ev.ev[k].event,
			         ev.ev[k].tag);
		}
		size_t n = strlen(got);
		snprintf(got + n, sizeof(got) - n, "%s%s", n ? "," : "", any);
		ck_assert_str_eq(got, want[e]);
	}
	ck_assert_int_eq(k, 6);
	ck_assert_str_eq(ev.ev[0].json[0], "1");
	ck_assert_int_eq(ev.ev[5].type[0], SIO_ARG_TRUE);
	/* An event for another namespace's socket of the same client goes there. */
	sio_socket *c = join_nsp(s, "/custom", NULL);
	ck_assert_int_eq(sio_on_any(c, on_event, "custom"), 0);
	feed(s, "2/custom,[\"c\"]");
	ck_assert_int_eq(ev.nev, 7);
	ck_assert_str_eq(ev.ev[6].tag, "custom");
	ck_assert_ptr_eq(ev.ev[6].s, c);
	ck_assert(!closing(s));
}
END_TEST

/* Incoming-event middleware (node's socket.use): filters run in order before
 * any handler; a non-zero return drops the event (no handler, no ack); a
 * filter may disconnect the socket. */
static int filter_calls;
static int filter_drop_b(sio_socket *s, const char *event, const sio_args *a, void *user)
{
	(void)s;
	(void)a;
	(void)user;
	filter_calls++;
	return strcmp(event, "b") == 0;
}
static int filter_kick_c(sio_socket *s, const char *event, const sio_args *a, void *user)
{
	(void)a;
	(void)user;
	if (strcmp(event, "c") == 0) {
		sio_disconnect(s, false);
		return 1;
	}
	return 0;
}

START_TEST(test_event_filters)
{
	ck_assert_int_eq(sio_namespace_use_events(root, NULL, NULL), SIO_EINVAL);
	ck_assert_int_eq(sio_namespace_use_events(root, filter_drop_b, NULL), 0);
	ck_assert_int_eq(sio_namespace_use_events(root, filter_kick_c, NULL), 0);
	ck_assert_int_eq(sio_namespace_on_any(root, on_event, "any"), 0);
	eio_session *s;
	sio_socket *so = connected(&s);
	ck_assert_int_eq(sio_on(so, "a", on_event, "on-a"), 0);
	filter_calls = 0;
	feed(s, "2[\"a\",1]");
	ck_assert_int_eq(filter_calls, 1);
	ck_assert_int_eq(ev.nev, 2); /* any + on-a */
	feed(s, "21[\"b\"]");        /* dropped: no handler, no ack */
	ck_assert_int_eq(filter_calls, 2);
	ck_assert_int_eq(ev.nev, 2);
	expect_empty(s);
	/* The other namespace has no filters. */
	sio_socket *c = join_nsp(s, "/custom", NULL);
	ck_assert_int_eq(sio_on_any(c, on_event, "custom"), 0);
	feed(s, "2/custom,[\"b\"]");
	ck_assert_int_eq(ev.nev, 3);
	ck_assert_int_eq(filter_calls, 2);
	/* A filter that disconnects: the event reaches no handler. */
	int before = ev.ndisc;
	feed(s, "2[\"c\"]");
	ck_assert_int_eq(ev.nev, 3);
	ck_assert_int_eq(ev.ndisc, before + 1); /* so is freed now */
	ck_assert_ptr_eq(ev.disc[before].s, so);
	ck_assert_str_eq(ev.disc[before].reason, "server namespace disconnect");
}
END_TEST

START_TEST(test_event_long_name)
{
	/* Event names have no length limit in Socket.IO. */
	eio_session *s;
	sio_socket *so = connected(&s);
	char name[301], pkt[320];
	memset(name, 'e', 300);
	name[300] = '\0';
	snprintf(pkt, sizeof(pkt), "2[\"%s\",1]", name);
	ck_assert_int_eq(sio_on(so, name, on_event, "on"), 0);
	ck_assert_int_eq(sio_on_any(so, on_event, "any"), 0);
	feed(s, pkt);
	ck_assert_msg(ev.nev == 2, "%d handler call(s), the first to \"%s\" with event \"%.10s\"",
	              ev.nev, ev.nev ? ev.ev[0].tag : "", ev.nev ? ev.ev[0].event : "");
	/* catch-all handlers run first, as node's onAny listeners do */
	ck_assert_str_eq(ev.ev[0].tag, "any");
	ck_assert_str_eq(ev.ev[1].tag, "on");
	for (int i = 0; i < 2; i++) {
		ck_assert_uint_eq(strlen(ev.ev[i].event), 63); /* rec keeps 63 bytes */
		ck_assert(strncmp(ev.ev[i].event, name, 63) == 0);
	}
}
END_TEST

/* Acks the client asked for. */
static int ack_send_results[4];
static sio_ack *kept_ack;

static void hook_ack_twice(sio_socket *s, const char *event, const sio_args *a, sio_ack *ack)
{
	(void)s;
	(void)event;
	(void)a;
	ck_assert_ptr_nonnull(ack);
	sio_out *o = sio_out_new();
	sio_out_str(o, "ok");
	sio_out_int(o, 7);
	ack_send_results[0] = sio_ack_send(ack, o);
	ack_send_results[1] = sio_ack_send(ack, o);
	sio_out_free(o);
}

START_TEST(test_ack_send_once)
{
	eio_session *s;
	sio_socket *so = connected(&s);
	event_hook = hook_ack_twice;
	ck_assert_int_eq(sio_on(so, "ev", on_event, "on"), 0);
	feed(s, "21[\"ev\",\"x\"]");
	ck_assert_int_eq(ev.nev, 1);
	ck_assert(ev.ev[0].has_ack);
	ck_assert_uint_eq(ev.ev[0].count, 1); /* the ack id is not an argument */
	ck_assert_int_eq(ack_send_results[0], 0);
	ck_assert_int_ne(ack_send_results[1], 0);
	expect_text(s, "431[\"ok\",7]");
	expect_empty(s);
	/* Id 0 is a real id. */
	feed(s, "20[\"ev\"]");
	ck_assert(ev.ev[1].has_ack);
	expect_text(s, "430[\"ok\",7]");
	/* A large id is echoed exactly. */
	feed(s, "29007199254740991[\"ev\"]");
	expect_text(s, "439007199254740991[\"ok\",7]");
	expect_empty(s);
	/* The same in another namespace. */
	sio_socket *c = join_nsp(s, "/custom", NULL);
	ck_assert_int_eq(sio_on(c, "ev", on_event, "on"), 0);
	feed(s, "2/custom,5[\"ev\"]");
	expect_text(s, "43/custom,5[\"ok\",7]");
	expect_empty(s);
	ck_assert(!closing(s));
}
END_TEST

static void hook_ack_null_args(sio_socket *s, const char *event, const sio_args *a, sio_ack *ack)
{
	(void)s;
	(void)event;
	(void)a;
	if (ack)
		ack_send_results[0] = sio_ack_send(ack, NULL);
}

START_TEST(test_ack_without_args_and_no_ack)
{
	eio_session *s;
	sio_socket *so = connected(&s);
	event_hook = hook_ack_null_args;
	ck_assert_int_eq(sio_on(so, "ev", on_event, "on"), 0);
	feed(s, "2[\"ev\"]"); /* no id: no ack object */
	ck_assert_int_eq(ev.nev, 1);
	ck_assert(!ev.ev[0].has_ack);
	expect_empty(s);
	feed(s, "23[\"ev\"]");
	ck_assert_int_eq(ack_send_results[0], 0);
	expect_text(s, "433[]");
	expect_empty(s);
}
END_TEST

static void hook_retain(sio_socket *s, const char *event, const sio_args *a, sio_ack *ack)
{
	(void)s;
	(void)event;
	(void)a;
	ck_assert_ptr_nonnull(ack);
	sio_ack_retain(ack);
	kept_ack = ack;
}

START_TEST(test_ack_retained_answered_later)
{
	eio_session *s;
	sio_socket *so = connected(&s);
	event_hook = hook_retain;
	ck_assert_int_eq(sio_on(so, "ev", on_event, "on"), 0);
	feed(s, "27[\"ev\"]");
	ck_assert_ptr_nonnull(kept_ack);
	expect_empty(s); /* nothing sent yet */
	/* Later, after the handler returned (another packet even came in). */
	event_hook = NULL;
	feed(s, "2[\"other\"]");
	sio_out *o = sio_out_new();
	sio_out_str(o, "late");
	ck_assert_int_eq(sio_ack_send(kept_ack, o), 0);
	sio_out_free(o);
	kept_ack = NULL;
	expect_text(s, "437[\"late\"]");
	expect_empty(s);
	ck_assert(!closing(s));
}
END_TEST

static void hook_ignore_ack(sio_socket *s, const char *event, const sio_args *a, sio_ack *ack)
{
	(void)s;
	(void)event;
	(void)a;
	ck_assert_ptr_nonnull(ack);
}

START_TEST(test_ack_dropped_sends_nothing)
{
	eio_session *s;
	sio_socket *so = connected(&s);
	/* Neither answered nor retained. */
	event_hook = hook_ignore_ack;
	ck_assert_int_eq(sio_on(so, "ev", on_event, "on"), 0);
	feed(s, "21[\"ev\"]");
	ck_assert_int_eq(ev.nev, 1);
	expect_empty(s);
	/* Retained, then dropped. */
	event_hook = hook_retain;
	feed(s, "22[\"ev\"]");
	ck_assert_ptr_nonnull(kept_ack);
	sio_ack_drop(kept_ack);
	kept_ack = NULL;
	expect_empty(s);
	ck_assert(!closing(s));
}
END_TEST

START_TEST(test_ack_retained_socket_gone)
{
	/* Answering a retained ack after the socket disconnected fails cleanly
	 * (and frees the ack: valgrind). */
	eio_session *s;
	sio_socket *so = connected(&s);
	event_hook = hook_retain;
	ck_assert_int_eq(sio_on(so, "ev", on_event, "on"), 0);
	feed(s, "24[\"ev\"]");
	ck_assert_ptr_nonnull(kept_ack);
	sio_disconnect(so, false);
	expect_text(s, "41");
	sio_out *o = sio_out_new();
	sio_out_str(o, "late");
	ck_assert_int_eq(sio_ack_send(kept_ack, o), SIO_ECLOSED);
	sio_out_free(o);
	kept_ack = NULL;
	expect_empty(s);
}
END_TEST

/* ---- suite --------------------------------------------------------------------------- */

static Suite *events_suite(void)
{
	Suite *s = suite_create("sio_events");
	TCase *t = tc(s, "events");
	tcase_add_test(t, test_event_handlers_and_catch_all);
	tcase_add_test(t, test_event_long_name);
	tcase_add_test(t, test_event_filters);
	tcase_add_test(t, test_ack_send_once);
	tcase_add_test(t, test_ack_without_args_and_no_ack);
	tcase_add_test(t, test_ack_retained_answered_later);
	tcase_add_test(t, test_ack_dropped_sends_nothing);
	tcase_add_test(t, test_ack_retained_socket_gone);
	return s;
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	return check_main_run(events_suite());
}
