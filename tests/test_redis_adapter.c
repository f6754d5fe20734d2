/* test_redis_adapter.c - Check tests of the Redis adapter (modules/redis/:
 * socketio/redis.h) with two or three Socket.IO servers in one process, on
 * one libuv loop, each with its own sio_redis, against a real redis-server
 * each test starts on a free loopback port (tests/redis_server.h).
 *
 * Clients are in-process Engine.IO sessions (eio_session_open_local): what
 * a server sends them is read off their queues; the loop runs until what a
 * test waits for is there, under a watchdog. Where a test must show that a
 * message did NOT arrive, it sends a fence afterwards (a broadcast to every
 * socket from the same server) and checks that the fence comes first:
 * Redis delivers one publisher's messages to a subscriber in order.
 *
 * What is asserted is what a fleet's users rely on: broadcasts to all, to
 * rooms, with except, binary, volatile, from a socket; socketsJoin /
 * socketsLeave / disconnectSockets across servers, and the emitter's forms
 * of them; fetchSockets, allRooms, serverCount, serverSideEmit with and
 * without acks, broadcast with acks; a member that never answers (requests
 * end at the timeout with the answers received, counted); Redis killed and
 * restarted (local delivery goes on, the fleet's resumes); per-room
 * subscriptions (a server gets nothing for rooms it has no socket in);
 * malformed messages counted and ignored.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules/redis/redis_conn.h"
#include "redis_server.h"
#include "socketio/redis.h"

#define WAIT_MS 8000
#define S(lit)  lit, sizeof(lit) - 1
#define NMAX    3
#define MAXC    8

typedef struct member {
	eio_listener *L;
	sio_server *srv;
	sio_redis *r;
	sio_namespace *root;
	bool up;
	int states; /* state callbacks seen */
	sio_socket *last;
	int sse;          /* serverSideEmit events handled */
	char sse_arg[64]; /* ... the JSON of the last one's first argument */
} member;

static uv_loop_t loop;
static redis_server rs;
static member M[NMAX];
static int nm;

/* ---- waiting ----------------------------------------------------------------------- */

static bool wd_fired;
static void on_wd(uv_timer_t *t)
{
	(void)t;
	wd_fired = true;
}

static bool run_until(bool (*pred)(void))
{
	uv_timer_t wd;
	uv_timer_init(&loop, &wd);
	wd_fired = false;
	uv_timer_start(&wd, on_wd, WAIT_MS, 0);
	while (!pred() && !wd_fired)
		uv_run(&loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&wd, NULL);
	uv_run(&loop, UV_RUN_NOWAIT);
	return pred();
}

/* ---- members ----------------------------------------------------------------------- */

static void on_state(sio_redis *r, bool connected, const char *reason, void *user)
{
	(void)r;
	(void)reason;
	member *m = user;
	m->up = connected;
	m->states++;
}

static void on_join(sio_socket *s, const char *event, const sio_args *a, sio_ack *ack, void *u)
{
	(void)event;
	(void)ack;
	(void)u;
	const char *room = sio_args_str(a, 0, NULL);
	if (room)
		sio_join(s, room);
}

static void on_conn(sio_socket *s, void *user)
{
	((member *)user)->last = s;
}

/* serverSideEmit handler: records, and answers with this member's index. */
static void on_server_event(sio_namespace *nsp, const char *event, const sio_args *a,
                            sio_out *reply, void *user)
{
	(void)nsp;
	(void)event;
	member *m = user;
	m->sse++;
	size_t n = 0;
	const char *j = sio_args_count(a) ? sio_args_json(a, 0, &n) : "";
	snprintf(m->sse_arg, sizeof(m->sse_arg), "%.*s", (int)n, j);
	if (reply)
		sio_out_int(reply, m - M);
}

static void base_options(sio_redis_options *o, char *url, size_t n)
{
	sio_redis_options_init(o);
	snprintf(url, n, "redis://127.0.0.1:%d", rs.port);
	o->url = url;
	o->requests_timeout_ms = 2000;
	o->reconnect_min_ms = 20;
	o->reconnect_max_ms = 100;
}

static void start_member(member *m, const sio_redis_options *o)
{
	int err = 0;
	m->L = eio_listener_new(&loop, "127.0.0.1", 0, &err);
	ck_assert_ptr_nonnull(m->L);
	sio_options so;
	sio_options_init(&so);
	so.eio.ping_interval_ms = 60000;
	m->srv = sio_server_new(m->L, &so, &err);
	ck_assert_ptr_nonnull(m->srv);
	char e[256];
	m->r = sio_redis_new(&loop, o, e, sizeof(e));
	ck_assert_msg(m->r != NULL, "sio_redis_new: %s", e);
	sio_redis_on_state(m->r, on_state, m);
	ck_assert_int_eq(sio_redis_attach(m->r, m->srv), 0);
	m->root = sio_of(m->srv, "/");
	sio_namespace_on(m->root, "join", on_join, NULL);
	sio_on_connection(m->root, on_conn, m);
	sio_namespace_on_server_event(m->root, NULL, on_server_event, m);
}

static bool all_up(void)
{
	for (int i = 0; i < nm; i++)
		if (!M[i].up)
			return false;
	return true;
}

static void start_fleet(int n, bool room_subscriptions)
{
	sio_redis_options o;
	char url[64];
	base_options(&o, url, sizeof(url));
	o.room_subscriptions = room_subscriptions;
	nm = n;
	for (int i = 0; i < n; i++)
		start_member(&M[i], &o);
	ck_assert_msg(run_until(all_up), "the members did not connect to Redis");
}

static void setup(void)
{
	memset(M, 0, sizeof(M));
	nm = 0;
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	memset(&rs, 0, sizeof(rs));
	ck_assert_msg(redis_server_start(&rs), "redis-server did not start");
}

static void teardown(void)
{
	/* The listeners close, the adapters go, then the loop ends by itself. */
	for (int i = 0; i < nm; i++)
		eio_listener_close(M[i].L);
	for (int i = 0; i < nm; i++)
		sio_redis_free(M[i].r);
	uv_timer_t wd;
	uv_timer_init(&loop, &wd);
	uv_unref((uv_handle_t *)&wd);
	wd_fired = false;
	uv_timer_start(&wd, on_wd, WAIT_MS, 0);
	int alive = 0;
	while (!wd_fired && (alive = uv_run(&loop, UV_RUN_ONCE)) != 0)
		;
	uv_close((uv_handle_t *)&wd, NULL);
	uv_run(&loop, UV_RUN_NOWAIT);
	for (int i = 0; i < nm; i++) {
		eio_listener_free(M[i].L);
		sio_server_free(M[i].srv);
	}
	redis_server_stop(&rs);
	ck_assert_msg(alive == 0, "loop still alive after teardown");
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}

/* ---- clients ----------------------------------------------------------------------- */

static void feed(eio_session *s, const char *pkt)
{
	size_t n = strlen(pkt);
	char *frame = malloc(n + 2);
	frame[0] = '4';
	memcpy(frame + 1, pkt, n + 1);
	ck_assert_int_eq(eio_session_receive(s, frame, n + 1, false), 0);
	free(frame);
}

/* The next queued packet as text ("" for none; binary frames as "<bin:N>"). */
static char got[1024];
static const char *next(eio_session *s)
{
	if (eio_session_queued_count(s) == 0)
		return "";
	eio_msg *m = eio_session_take(s);
	size_t n = 0;
	const char *f = eio_msg_frame(m, &n);
	if (eio_msg_is_binary(m))
		snprintf(got, sizeof(got), "<bin:%zu:%02x>", n, n ? (unsigned char)f[0] : 0);
	else
		snprintf(got, sizeof(got), "%.*s", (int)n, f);
	eio_msg_unref(m);
	return got;
}

/* A client of member m connected to "/", in room (NULL: none). */
static eio_session *client(member *m, const char *room, sio_socket **sock)
{
	eio_session *s = eio_session_open_local(sio_server_engine(m->srv));
	ck_assert_ptr_nonnull(s);
	eio_msg_unref(eio_session_take(s)); /* the open packet */
	feed(s, "0");
	ck_assert_int_eq(strncmp(next(s), "40{\"sid\":", 9), 0);
	if (sock)
		*sock = m->last;
	if (room) {
		char pkt[128];
		snprintf(pkt, sizeof(pkt), "2[\"join\",\"%s\"]", room);
		feed(s, pkt);
	}
	return s;
}

static eio_session *waiting_on[NMAX * MAXC];
static int nwaiting;
static bool have_all(void)
{
	for (int i = 0; i < nwaiting; i++)
		if (eio_session_queued_count(waiting_on[i]) == 0)
			return false;
	return true;
}

/* Wait until each session has a packet queued. */
#define wait_for(a, b, c) wait_for_at(__LINE__, a, b, c)
static void wait_for_at(int line, eio_session *a, eio_session *b, eio_session *c)
{
	nwaiting = 0;
	if (a)
		waiting_on[nwaiting++] = a;
	if (b)
		waiting_on[nwaiting++] = b;
	if (c)
		waiting_on[nwaiting++] = c;
	ck_assert_msg(run_until(have_all), "line %d: a packet did not arrive", line);
}

static sio_out *args_str(const char *s)
{
	sio_out *o = sio_out_new();
	sio_out_str(o, s);
	return o;
}

/* A fence from member m: a broadcast to every socket. */
static void fence(member *m)
{
	sio_out *o = args_str("fence");
	sio_broadcast all = { 0 };
	sio_broadcast_emit(m->root, &all, "fence", o);
	sio_out_free(o);
}

#define FENCE "42[\"fence\",\"fence\"]"

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

/* The emitter's bodies (interop/tools/redis-wire-vectors.cjs), published
 * from a bare connection as @socket.io/redis-emitter does. */
typedef struct tconn {
	redis_conn *c;
	bool up;
	int msgs;
} tconn;

static void t_message(const char *ch, size_t chl, const char *p, size_t len, void *u)
{
	(void)ch;
	(void)chl;
	(void)p;
	(void)len;
	((tconn *)u)->msgs++;
}

static void t_state(bool up, const char *reason, void *u)
{
	(void)reason;
	((tconn *)u)->up = up;
}

static tconn T;
static bool t_up(void)
{
	return T.up && all_up();
}

static void open_tconn(void)
{
	sio_redis_options o;
	sio_redis_options_init(&o);
	o.host = "127.0.0.1";
	o.port = rs.port;
	memset(&T, 0, sizeof(T));
	T.c = redis_conn_new(&loop, &o, t_message, t_state, &T);
	ck_assert_ptr_nonnull(T.c);
	ck_assert(run_until(t_up));
}

static void publish_hex(const char *channel, const char *hex)
{
	unsigned char b[1024];
	size_t n = strlen(hex) / 2;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		b[i] = (unsigned char)v;
	}
	redis_conn_publish(T.c, channel, b, n);
}

static void publish_text(const char *channel, const char *s)
{
	redis_conn_publish(T.c, channel, s, strlen(s));
}

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

/* ---- requests ---------------------------------------------------------------------- */

static struct {
	bool done;
	size_t n;
	char err[64];
	char ids[16][24];
	int remote_with_handshake;
	char data[64]; /* a remote socket's data other than {} */
	char rooms[512];
	size_t servers;
	char replies[256];
} R;

static void fetch_done(sio_namespace *nsp, const sio_socket_info *s, size_t n, const char *err,
                       void *user)
{
	(void)nsp;
	(void)user;
	R.n = n;
	snprintf(R.err, sizeof(R.err), "%s", err ? err : "");
	for (size_t i = 0; i < n && i < 16; i++) {
		snprintf(R.ids[i], sizeof(R.ids[i]), "%s", s[i].id);
		if (!s[i].local && s[i].handshake_json &&
		    strstr(s[i].handshake_json, "\"auth\":{}") && s[i].nrooms == 2)
			R.remote_with_handshake++;
		if (!s[i].local && s[i].data_json && strcmp(s[i].data_json, "{}") != 0)
			snprintf(R.data, sizeof(R.data), "%s", s[i].data_json);
	}
	R.done = true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void rooms_done(sio_namespace *nsp, const char *const *rooms, size_t n, const char *err,
                       void *user)
{
	(void)nsp;
	(void)user;
	const char *v[32];
	for (size_t i = 0; i < n && i < 32; i++)
		v[i] = rooms[i];
	qsort(v, n < 32 ? n : 32, sizeof(v[0]), cmp_str);
	R.rooms[0] = '\0';
	for (size_t i = 0; i < n && i < 32; i++) {
		strcat(R.rooms, v[i]);
		strcat(R.rooms, ",");
	}
	snprintf(R.err, sizeof(R.err), "%s", err ? err : "");
	R.done = true;
}

static void count_done(sio_namespace *nsp, size_t servers, void *user)
{
	(void)nsp;
	(void)user;
	R.servers = servers;
	R.done = true;
}

static void replies_done(sio_namespace *nsp, const sio_args *const *r, size_t n, const char *err,
                         void *user)
{
	(void)nsp;
	(void)user;
	R.n = n;
	const char *v[16];
	char buf[16][32];
	for (size_t i = 0; i < n && i < 16; i++) {
		size_t len = 0;
		const char *j = sio_args_count(r[i]) ? sio_args_json(r[i], 0, &len) : "-";
		snprintf(buf[i], sizeof(buf[i]), "%.*s", (int)(j[0] == '-' ? 1 : len), j);
		v[i] = buf[i];
	}
	qsort(v, n < 16 ? n : 16, sizeof(v[0]), cmp_str);
	R.replies[0] = '\0';
	for (size_t i = 0; i < n && i < 16; i++) {
		strcat(R.replies, v[i]);
		strcat(R.replies, ",");
	}
	snprintf(R.err, sizeof(R.err), "%s", err ? err : "");
	R.done = true;
}

static bool r_done(void)
{
	return R.done;
}

START_TEST(test_requests)
{
	start_fleet(3, false);
	sio_socket *bs;
	client(&M[0], "ra", NULL);
	client(&M[1], "rb", &bs);
	ck_assert_int_eq(sio_socket_set_data(bs, S("{\"user\":\"u1\"}")), 0);
	ck_assert_int_eq(sio_socket_set_data(bs, S("{bad")), SIO_EINVAL);
	client(&M[1], "shared", NULL);
	client(&M[2], "shared", NULL);

	memset(&R, 0, sizeof(R));
	ck_assert_int_eq(sio_server_count(M[0].root, count_done, NULL), 0);
	ck_assert(run_until(r_done));
	ck_assert_uint_eq(R.servers, 3);

	memset(&R, 0, sizeof(R));
	sio_all_rooms(M[0].root, 0, rooms_done, NULL);
	ck_assert(run_until(r_done));
	ck_assert_str_eq(R.err, "");
	ck_assert_str_eq(R.rooms, "ra,rb,shared,");

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

/* A member counted by NUMSUB that never answers: the request ends at its
 * timeout with the answers received, and the miss is counted. */
START_TEST(test_silent_member)
{
	start_fleet(2, false);
	open_tconn();
	redis_conn_subscribe(T.c, "socket.io-request#/#");
	client(&M[0], NULL, NULL);
	client(&M[1], NULL, NULL);
	/* Wait until the silent subscription is counted. */
	memset(&R, 0, sizeof(R));
	while (R.servers != 3) {
		memset(&R, 0, sizeof(R));
		sio_server_count(M[0].root, count_done, NULL);
		ck_assert(run_until(r_done));
	}
	memset(&R, 0, sizeof(R));
	sio_broadcast all = { 0 };
	sio_fetch_sockets_async(M[0].root, &all, 2500, fetch_done, NULL);
	ck_assert(run_until(r_done));
	ck_assert_str_eq(R.err, "operation has timed out");
	ck_assert_uint_eq(R.n, 2); /* this server's and the other's */
	sio_redis_stats st;
	sio_redis_get_stats(M[0].r, &st);
	ck_assert_uint_eq(st.requests_timed_out, 1);
	ck_assert_uint_eq(st.answers_missing, 1);
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

/* ---- room subscriptions ------------------------------------------------------------ */

static long long numsub_n;
static bool numsub_done;
static void t_count(bool ok, long long n, void *u)
{
	(void)u;
	numsub_n = ok ? n : -1;
	numsub_done = true;
}
static bool t_counted(void)
{
	return numsub_done;
}

static long long numsub(const char *ch)
{
	numsub_done = false;
	redis_conn_numsub(T.c, ch, t_count, NULL);
	ck_assert(run_until(t_counted));
	return numsub_n;
}

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
	tcase_add_test(tc, test_requests);
	tcase_add_test(tc, test_broadcast_with_acks);
	tcase_add_test(tc, test_silent_member);
	tcase_add_test(tc, test_redis_restart);
	tcase_add_test(tc, test_room_subscriptions);
	tcase_add_test(tc, test_malformed_counted);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
