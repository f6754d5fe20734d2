#ifndef SIO_FIXTURE_H
#define SIO_FIXTURE_H
/* sio_fixture.h - shared fixture of the Socket.IO layer unit tests
 * (test_sio_connect.c, test_sio_events.c, test_sio_emit_ack.c,
 * test_sio_rooms.c, test_sio_disconnect.c, test_sio_args.c,
 * test_sio_binary.c, test_sio_emit.c, test_sio_adapter.c,
 * test_sio_msgpack_server.c), without HTTP.
 *
 * How: an sio_server is mounted on a listener at 127.0.0.1, port 0, with the
 * namespaces "/" (root) and "/custom" (custom); every connection callback is
 * recorded in `ev` with the sockets' disconnecting/disconnect callbacks,
 * handlers record into it with on_event()/on_ack(), and a test adds its own
 * behaviour through event_hook and conn_hook. Engine.IO sessions are made
 * with eio_session_create() and handed to the engine's on_connection callback
 * with eio_session_open_local(), engineio.h's in-process sessions, which run
 * the engine's on_connection callback as a handshake would (client()); the
 * client's Socket.IO packets are fed as Engine.IO message frames with
 * eio_session_receive(). What the server sends is read from the session's
 * send queue (eio_session_take). Only public headers of the Engine.IO layer
 * are used; the Socket.IO layer's private header is, to look inside it.
 * Notation: feed() takes a Socket.IO packet as the client sends it (the
 * Engine.IO message payload: "2[\"ev\"]"); expect_text() compares whole
 * queued Engine.IO packets, so with their leading '4' ("42[\"ev\"]").
 * A closed connection shows as an engine session no longer open
 * (eio_session_close() was called: eio_session_open() is false). srv2 is a second server for a test that
 * needs other options; teardown() frees it when set.
 *
 * Each test file includes this header once and has its own suite and main;
 * the functions are static and marked unused since no file uses them all.
 * Waiting is never a sleep: the loop runs until a condition holds, under a
 * watchdog timer that fails the test. Run the tests under valgrind with
 * CK_FORK=no.
 */
#include <check.h>

#include "check_sid.h"
#include <inttypes.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../socketio/sio_internal.h"
#include "loop_drain.h"

#define S(lit)      lit, sizeof(lit) - 1
#define WATCHDOG_MS 3000
#define PH(n)       "{\"_placeholder\":true,\"num\":" #n "}"

static uv_loop_t loop;
static eio_listener *L;
static sio_server *srv;
static sio_server *srv2; /* a second server, for a test that needs other options */
static sio_namespace *root, *custom;

/* ---- what the callbacks saw ------------------------------------------------------ */

#define MAXREC  32
#define MAXARG  10
#define MAXDISC 32

typedef struct rec {
	sio_socket *s;
	const char *tag; /* the handler's user pointer */
	char event[64];
	bool args_null; /* ack callbacks: args was NULL */
	char err[64];   /* ack callbacks: err, "" if NULL */
	bool has_ack;
	size_t count;
	int type[MAXARG];
	char json[MAXARG][200];
	bool is_str[MAXARG];
	char str[MAXARG][64];
	size_t str_len[MAXARG];
	bool is_bin[MAXARG];
	char bin[MAXARG][16];
	size_t bin_len[MAXARG];
	size_t natt;
	char att[4][16];
	size_t att_len[4];
	uint64_t at_ns;
} rec;

typedef struct drec {
	sio_socket *s;
	char id[24];
	char nsp[32];
	char reason[64];
	bool connected, in_a, in_own;
} drec;

static struct {
	int nsocks;
	sio_socket *socks[64];
	int nev;
	rec ev[MAXREC];
	int nacks;
	rec acks[MAXREC];
	int ndiscing, ndisc;
	drec discing[MAXDISC], disc[MAXDISC];
	char order[512];       /* "mw1,mw2,conn,..." */
	uint32_t qlen_at_conn; /* queue length when the connection callback ran */
} ev;

static __attribute__((unused)) void log_order(const char *what)
{
	size_t n = strlen(ev.order);
	snprintf(ev.order + n, sizeof(ev.order) - n, "%s%s", n ? "," : "", what);
}

static __attribute__((unused)) void record_args(rec *r, const sio_args *a)
{
	r->count = sio_args_count(a);
	for (size_t i = 0; i < r->count && i < MAXARG; i++) {
		size_t n;
		r->type[i] = sio_args_type(a, i);
		const char *j = sio_args_json(a, i, &n);
		if (j)
			snprintf(r->json[i], sizeof(r->json[i]), "%.*s", (int)n, j);
		const char *s = sio_args_str(a, i, &n);
		if ((r->is_str[i] = s != NULL)) {
			r->str_len[i] = n;
			memcpy(r->str[i], s, n < sizeof(r->str[i]) ? n : sizeof(r->str[i]));
		}
		const void *b = sio_args_binary(a, i, &n);
		if ((r->is_bin[i] = b != NULL)) {
			r->bin_len[i] = n;
			memcpy(r->bin[i], b, n < sizeof(r->bin[i]) ? n : sizeof(r->bin[i]));
		}
	}
	r->natt = sio_args_attachment_count(a);
	for (size_t k = 0; k < r->natt && k < 4; k++) {
		size_t n = 0;
		const void *b = sio_args_attachment(a, k, &n);
		r->att_len[k] = b ? n : (size_t)-1;
		if (b)
			memcpy(r->att[k], b, n < sizeof(r->att[k]) ? n : sizeof(r->att[k]));
	}
}

/* A test's extra behaviour for the event handlers (answer, echo, ...). */
static void (*event_hook)(sio_socket *s, const char *event, const sio_args *a, sio_ack *ack);
static void (*conn_hook)(sio_socket *s);

static __attribute__((unused)) void on_event(sio_socket *s, const char *event, const sio_args *a,
                                             sio_ack *ack, void *user)
{
	if (ev.nev < MAXREC) {
		rec *r = &ev.ev[ev.nev++];
		r->s = s;
		r->tag = user;
		snprintf(r->event, sizeof(r->event), "%s", event);
		r->has_ack = ack != NULL;
		record_args(r, a);
	}
	if (event_hook)
		event_hook(s, event, a, ack);
}

static __attribute__((unused)) void on_ack(sio_socket *s, const sio_args *a, const char *err,
                                           void *user)
{
	if (ev.nacks >= MAXREC)
		return;
	rec *r = &ev.acks[ev.nacks++];
	r->s = s;
	r->tag = user;
	r->at_ns = uv_hrtime();
	r->args_null = a == NULL;
	snprintf(r->err, sizeof(r->err), "%s", err ? err : "");
	if (a)
		record_args(r, a);
	log_order("ack");
}

static __attribute__((unused)) void record_disc(drec *d, sio_socket *s, const char *reason)
{
	d->s = s;
	snprintf(d->id, sizeof(d->id), "%s", sio_socket_id(s));
	snprintf(d->nsp, sizeof(d->nsp), "%s", sio_namespace_name(sio_socket_namespace(s)));
	snprintf(d->reason, sizeof(d->reason), "%s", reason);
	d->connected = sio_socket_connected(s);
	d->in_a = sio_in_room(s, "a");
	d->in_own = sio_in_room(s, sio_socket_id(s));
}

static __attribute__((unused)) void on_disconnecting(sio_socket *s, const char *reason, void *user)
{
	(void)user;
	if (ev.ndiscing < MAXDISC)
		record_disc(&ev.discing[ev.ndiscing++], s, reason);
	log_order("disconnecting");
}

static __attribute__((unused)) void on_disconnect(sio_socket *s, const char *reason, void *user)
{
	(void)user;
	if (ev.ndisc < MAXDISC)
		record_disc(&ev.disc[ev.ndisc++], s, reason);
	log_order("disconnect");
}

static __attribute__((unused)) void on_connection(sio_socket *s, void *user)
{
	(void)user;
	if (ev.nsocks < 64)
		ev.socks[ev.nsocks++] = s;
	ev.qlen_at_conn = (uint32_t)eio_session_queued_count(sio_socket_session(s));
	log_order("conn");
	sio_on_disconnecting(s, on_disconnecting, NULL);
	sio_on_disconnect(s, on_disconnect, NULL);
	if (conn_hook)
		conn_hook(s);
}

/* ---- loop helpers ------------------------------------------------------------------ */

static __attribute__((unused)) bool run_loop_until(bool (*pred)(void *), void *arg, unsigned ms)
{
	return loop_wait_until_arg(&loop, pred, arg, ms);
}

#define run_until(pred, arg)                                  \
	ck_assert_msg(run_loop_until(pred, arg, WATCHDOG_MS), \
	              "timed out after %d ms waiting for %s", WATCHDOG_MS, #pred)

static __attribute__((unused)) bool acks_at_least(void *n)
{
	return ev.nacks >= *(int *)n;
}

/* ---- fixture ----------------------------------------------------------------------- */

static __attribute__((unused)) void setup(void)
{
	memset(&ev, 0, sizeof(ev));
	event_hook = NULL;
	conn_hook = NULL;
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	int err = 1;
	L = eio_listener_new(&loop, "127.0.0.1", 0, &err);
	ck_assert_msg(L != NULL, "eio_listener_new failed: %d", err);
	sio_options o;
	sio_options_init(&o);
	o.eio.ping_interval_ms = 60000; /* no ping in the queues during a test */
	srv = sio_server_new(L, &o, &err);
	ck_assert_msg(srv != NULL, "sio_server_new failed: %d", err);
	root = sio_of(srv, "/");
	custom = sio_of(srv, "/custom");
	ck_assert_ptr_nonnull(root);
	ck_assert_ptr_nonnull(custom);
	sio_on_connection(root, on_connection, NULL);
	sio_on_connection(custom, on_connection, NULL);
}

static __attribute__((unused)) void teardown(void)
{
	event_hook = NULL;
	conn_hook = NULL;
	int alive = close_and_drain(&loop, L, WATCHDOG_MS);
	eio_listener_free(L);
	sio_server_free(srv);
	if (srv2)
		sio_server_free(srv2);
	L = NULL;
	srv = srv2 = NULL;
	ck_assert_msg(alive == 0, "loop still alive after eio_listener_close");
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}

/* ---- client side ------------------------------------------------------------------- */

/* A new in-process Engine.IO session of server sv, announced to it as a
 * handshake would, with its open packet taken off the queue. */
static __attribute__((unused)) eio_session *client_of(sio_server *sv)
{
	eio_session *s = eio_session_open_local(sio_server_engine(sv));
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(eio_session_queued_count(s), 1);
	eio_msg *open = eio_session_take(s);
	ck_assert_int_eq(eio_msg_frame(open, NULL)[0], '0');
	eio_msg_unref(open);
	return s;
}

/* A new Engine.IO session, announced to the Socket.IO server as the HTTP layer
 * does, with its open packet taken off the queue. */
static __attribute__((unused)) eio_session *client(void)
{
	return client_of(srv);
}

static __attribute__((unused)) void feedn(eio_session *s, const char *pkt, size_t len)
{
	char *frame = malloc(len + 1);
	ck_assert_ptr_nonnull(frame);
	frame[0] = '4'; /* an Engine.IO message */
	memcpy(frame + 1, pkt, len);
	ck_assert_int_eq(eio_session_receive(s, frame, len + 1, false), 0);
	free(frame);
}

/* An Engine.IO packet other than a message: "1" (close), "2" (ping). */
static __attribute__((unused)) void feed_engine(eio_session *s, const char *frame)
{
	ck_assert_int_eq(eio_session_receive(s, frame, strlen(frame), false), 0);
}

static __attribute__((unused)) void feed(eio_session *s, const char *pkt)
{
	feedn(s, pkt, strlen(pkt));
}

static __attribute__((unused)) void feed_bin(eio_session *s, const void *data, size_t len)
{
	ck_assert_int_eq(eio_session_receive(s, data, len, true), 0);
}

static __attribute__((unused)) bool closing(const eio_session *s)
{
	return !eio_session_open(s);
}

/* Take the next queued packet and compare it with want (text). */
static __attribute__((unused)) void expect_text_(eio_session *s, const char *want, int line)
{
	ck_assert_msg(eio_session_queued_count(s) > 0, "line %d: queue empty, want %s", line, want);
	eio_msg *m = eio_session_take(s);
	char got[1024];
	size_t n;
	const char *frame = eio_msg_frame(m, &n);
	bool bin = eio_msg_is_binary(m);
	snprintf(got, sizeof(got), "%s", frame);
	bool same = !bin && n == strlen(want) && strcmp(frame, want) == 0;
	eio_msg_unref(m);
	ck_assert_msg(!bin, "line %d: got a binary packet, want %s", line, want);
	ck_assert_msg(same, "line %d: got\n  %s\nwant\n  %s", line, got, want);
}
#define expect_text(s, want) expect_text_(s, want, __LINE__)

static __attribute__((unused)) void expect_bin_(eio_session *s, const void *want, size_t len,
                                                int line)
{
	ck_assert_msg(eio_session_queued_count(s) > 0, "line %d: queue empty, want a binary packet",
	              line);
	eio_msg *m = eio_session_take(s);
	bool bin = eio_msg_is_binary(m);
	size_t got;
	const char *frame = eio_msg_frame(m, &got);
	bool same = got == len && memcmp(frame, want, len) == 0;
	eio_msg_unref(m);
	ck_assert_msg(bin, "line %d: got a text packet, want a binary one", line);
	ck_assert_msg(same, "line %d: binary packet of %zu bytes differs (want %zu)", line, got,
	              len);
}
#define expect_bin(s, lit) expect_bin_(s, S(lit), __LINE__)

#define expect_empty(s)                                                        \
	ck_assert_msg(eio_session_queued_count(s) == 0, "queue not empty: %s", \
	              eio_msg_frame(eio_session_queued_at((s), 0), NULL))

/* The frame of the i-th message queued for s (borrowed). */
static __attribute__((unused)) const char *queued_frame(eio_session *s, size_t i)
{
	ck_assert_uint_gt(eio_session_queued_count(s), i);
	return eio_msg_frame(eio_session_queued_at(s, i), NULL);
}

/* CONNECT to nsp (with an optional auth payload), check the answer and return
 * the new socket. Whatever the connection callback emitted stays queued. */
static __attribute__((unused)) sio_socket *join_nsp(eio_session *s, const char *nsp,
                                                    const char *auth)
{
	char pkt[256], want[128];
	bool main_nsp = strcmp(nsp, "/") == 0;
	snprintf(pkt, sizeof(pkt), "0%s%s%s", main_nsp ? "" : nsp, main_nsp ? "" : ",",
	         auth ? auth : "");
	int before = ev.nsocks;
	feed(s, pkt);
	ck_assert_int_eq(ev.nsocks, before + 1);
	sio_socket *so = ev.socks[before];
	snprintf(want, sizeof(want), "40%s%s{\"sid\":\"%s\"}", main_nsp ? "" : nsp,
	         main_nsp ? "" : ",", sio_socket_id(so));
	expect_text(s, want);
	ck_assert(sio_socket_connected(so));
	return so;
}

/* A new client connected to "/" with nothing queued. */
static __attribute__((unused)) sio_socket *connected(eio_session **es)
{
	eio_session *s = client();
	sio_socket *so = join_nsp(s, "/", NULL);
	expect_empty(s);
	if (es)
		*es = s;
	return so;
}

/* ---- suite helper ------------------------------------------------------------------ */

/* A test case with the fixture above, added to s. */
static __attribute__((unused)) TCase *tc(Suite *s, const char *name)
{
	TCase *t = tcase_create(name);
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 60);
	suite_add_tcase(s, t);
	return t;
}

#endif /* SIO_FIXTURE_H */
