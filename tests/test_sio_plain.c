/* test_sio_plain.c - Check unit tests for plain WebSocket clients as sockets
 * of a namespace (socketio/sio_plain.c, the codec step of sio_broadcast.c
 * and sio_socket.c) on a real plain Engine.IO server, without HTTP; the
 * fixture is sio_fixture.h, the plain sessions are in-process ones of
 * eio_plain_server_new (engineio.h), attached by its on_connection.
 *
 * Why: rooms are shared between Socket.IO sockets and plain clients, so a
 * room broadcast must reach both, each framed its own way, with one
 * framing per codec per broadcast (not one per recipient); what a plain
 * client cannot take (acks, binary) must not reach it or break the
 * broadcast; and everything that walks a room (fetchSockets, socketsJoin,
 * disconnectSockets) and the end of the connection must treat it as a
 * socket.
 */
#include "sio_fixture.h"
#include "check_main.h"

static eio_server *plain_srv;
static int codec_calls;
static const sio_codec *attach_codec;
static sio_socket *last_plain;

/* "E|<event>|<args>": enough to see the event and its arguments. */
static eio_msg *frame_event(const char *event, const char *args, size_t len, void *user)
{
	codec_calls++;
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "%s|%s|%.*s", (const char *)user, event, (int)len, args);
	return eio_msg_text(buf, (size_t)n);
}

static const sio_codec codec_a = { frame_event, "A" };
static const sio_codec codec_b = { frame_event, "B" };

static void plain_connection(eio_server *es, eio_session *s, void *user)
{
	(void)es;
	(void)user;
	last_plain = sio_plain_attach(root, s, attach_codec);
	if (last_plain)
		sio_on_disconnect(last_plain, on_disconnect, NULL);
}

static void plain_close(eio_session *s, const char *reason, void *user)
{
	(void)user;
	sio_plain_detach(s, reason);
}

static void plain_setup(void)
{
	setup();
	codec_calls = 0;
	eio_options o;
	eio_options_init(&o);
	o.path = "/ws";
	o.ping_interval_ms = 60000;
	eio_callbacks cb = { plain_connection, NULL, plain_close };
	int err = 0;
	plain_srv = eio_plain_server_new(L, &o, "job-updates", &cb, NULL, &err);
	ck_assert_msg(plain_srv != NULL, "eio_plain_server_new: %d", err);
}

/* A plain client framed by codec, attached to "/". */
static sio_socket *plain(const sio_codec *codec, eio_session **es)
{
	attach_codec = codec;
	last_plain = NULL;
	eio_session *s = eio_session_open_local(plain_srv);
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(last_plain);
	ck_assert(sio_socket_is_plain(last_plain));
	ck_assert_ptr_eq(sio_plain_socket(s), last_plain);
	expect_empty(s); /* no open packet, no CONNECT answer */
	*es = s;
	return last_plain;
}

/* The next message of a plain session, as its WebSocket frame carries it
 * (the queued text without its Engine.IO type digit). */
static void expect_plain_(eio_session *s, const char *want, int line)
{
	ck_assert_msg(eio_session_queued_count(s) > 0, "line %d: queue empty, want %s", line, want);
	eio_msg *m = eio_session_take(s);
	size_t n;
	const char *d = eio_msg_data(m, &n);
	char got[512];
	snprintf(got, sizeof(got), "%.*s", (int)n, d);
	eio_msg_unref(m);
	ck_assert_msg(strcmp(got, want) == 0, "line %d: got %s want %s", line, got, want);
}
#define expect_plain(s, want) expect_plain_(s, want, __LINE__)

START_TEST(test_plain_room_broadcast)
{
	eio_session *ss, *p1, *p2;
	sio_socket *so = connected(&ss);
	sio_socket *a = plain(&codec_a, &p1);
	sio_socket *b = plain(&codec_a, &p2);
	ck_assert_int_eq(sio_join(so, "tenant:1"), 0);
	ck_assert_int_eq(sio_join(a, "tenant:1"), 0);
	ck_assert_int_eq(sio_join(b, "tenant:1"), 0);
	ck_assert_uint_eq(sio_room_size(root, "tenant:1"), 3);
	sio_out *o = sio_out_new();
	sio_out_object_begin(o);
	sio_out_key(o, "jobId");
	sio_out_str(o, "j1");
	sio_out_object_end(o);
	ck_assert_int_eq(sio_to(root, "tenant:1", "JOB_UPDATE", o), 3);
	/* One framing for both plain clients: the same message in both queues. */
	ck_assert_int_eq(codec_calls, 1);
	ck_assert_ptr_eq(eio_session_queued_at(p1, 0), eio_session_queued_at(p2, 0));
	expect_text(ss, "42[\"JOB_UPDATE\",{\"jobId\":\"j1\"}]");
	expect_plain(p1, "A|JOB_UPDATE|[{\"jobId\":\"j1\"}]");
	expect_plain(p2, "A|JOB_UPDATE|[{\"jobId\":\"j1\"}]");
	/* Left: not reached any more. */
	ck_assert_int_eq(sio_leave(a, "tenant:1"), 0);
	ck_assert_int_eq(sio_to(root, "tenant:1", "x", NULL), 2);
	expect_empty(p1);
	expect_plain(p2, "A|x|[]");
	expect_text(ss, "42[\"x\"]");
	sio_out_free(o);
}
END_TEST

START_TEST(test_plain_two_codecs)
{
	eio_session *p1, *p2, *p3;
	plain(&codec_a, &p1);
	plain(&codec_b, &p2);
	plain(&codec_a, &p3);
	ck_assert_int_eq(sio_broadcast_emit(root, &(sio_broadcast){ 0 }, "ev", NULL), 3);
	ck_assert_int_eq(codec_calls, 2);
	expect_plain(p1, "A|ev|[]");
	expect_plain(p2, "B|ev|[]");
	expect_plain(p3, "A|ev|[]");
}
END_TEST

static void acks_done(sio_namespace *nsp, const sio_args *const *responses, size_t n,
                      const char *err, void *user)
{
	(void)err;
	(void)nsp;
	(void)responses;
	(void)n;
	(void)user;
}

START_TEST(test_plain_emit_no_ack_no_binary)
{
	eio_session *p, *ss;
	sio_socket *a = plain(&codec_a, &p);
	connected(&ss);
	ck_assert_int_eq(sio_emit(a, "hello", NULL), 0);
	expect_plain(p, "A|hello|[]");
	ck_assert_int_eq(sio_emit_with_ack(a, "q", NULL, 0, on_ack, NULL), SIO_EINVAL);
	expect_empty(p);
	sio_out *o = sio_out_new();
	sio_out_binary(o, "ab", 2);
	ck_assert_int_eq(sio_emit(a, "bin", o), SIO_EINVAL);
	/* A binary broadcast reaches the Socket.IO socket only. */
	ck_assert_int_eq(sio_broadcast_emit(root, &(sio_broadcast){ 0 }, "bin", o), 1);
	expect_empty(p);
	sio_out_free(o);
	while (eio_session_queued_count(ss) > 0)
		eio_msg_unref(eio_session_take(ss));
	/* A broadcast with acks skips the plain client. */
	ck_assert_int_eq(sio_broadcast_emit_with_ack(root, &(sio_broadcast){ 0 }, "q", NULL, 100,
	                                             acks_done, NULL),
	                 1);
	expect_empty(p);
}
END_TEST

static void count_socket(sio_socket *s, void *user)
{
	(void)s;
	(*(int *)user)++;
}

START_TEST(test_plain_walks)
{
	eio_session *p, *ss;
	sio_socket *a = plain(&codec_a, &p);
	sio_socket *so = connected(&ss);
	sio_join(a, "r");
	sio_join(so, "r");
	const char *rooms[] = { "r" };
	sio_broadcast in_r = { .rooms = rooms, .nrooms = 1 };
	int n = 0;
	ck_assert_int_eq(sio_fetch_sockets(root, &in_r, count_socket, &n), 2);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(sio_sockets_join(root, &in_r, "r2"), 2);
	ck_assert(sio_in_room(a, "r2"));
	/* Disconnecting a plain socket closes its connection, with no packet. */
	ck_assert_int_eq(sio_disconnect_sockets(root, &in_r, false), 2);
	ck_assert(!eio_session_open(p));
	expect_empty(p);
	ck_assert_uint_eq(sio_room_size(root, "r"), 0);
	ck_assert_int_eq(ev.ndisc, 2);
}
END_TEST

START_TEST(test_plain_close_leaves_rooms)
{
	eio_session *p;
	sio_socket *a = plain(&codec_a, &p);
	sio_join(a, "r");
	ck_assert_uint_eq(sio_room_size(root, "r"), 1);
	feed_engine(p, "1"); /* the connection closes */
	ck_assert_uint_eq(sio_room_size(root, "r"), 0);
	ck_assert_int_eq(ev.ndisc, 1);
	ck_assert_str_eq(ev.disc[0].reason, "transport close");
	ck_assert_int_eq(sio_to(root, "r", "x", NULL), 0);
}
END_TEST

static Suite *plain_suite(void)
{
	Suite *s = suite_create("sio_plain");
	TCase *t = tcase_create("plain");
	tcase_add_checked_fixture(t, plain_setup, teardown);
	tcase_set_timeout(t, 60);
	suite_add_tcase(s, t);
	tcase_add_test(t, test_plain_room_broadcast);
	tcase_add_test(t, test_plain_two_codecs);
	tcase_add_test(t, test_plain_emit_no_ack_no_binary);
	tcase_add_test(t, test_plain_walks);
	tcase_add_test(t, test_plain_close_leaves_rooms);
	return s;
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	return check_main_run(plain_suite());
}
