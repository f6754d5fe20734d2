#ifndef TESTS_REDIS_FLEET_H
#define TESTS_REDIS_FLEET_H
/* redis_fleet.h - the fixture of the Redis adapter's fleet tests
 * (tests/test_redis_adapter.c, test_redis_requests.c): two or three
 * Socket.IO servers in one process, on one libuv loop, each with its own
 * sio_redis, against a real redis-server each test starts on a free
 * loopback port (tests/redis_server.h); only public headers, plus the
 * module's connection (redis_conn.h) for a bare Redis client that plays the
 * emitter, a silent member, or asks NUMSUB.
 *
 * Clients are in-process Engine.IO sessions (eio_session_open_local): what
 * a server sends them is read off their queues; the loop runs until what a
 * test waits for is there, under a watchdog, never a sleep. Where a test
 * must show that a message did NOT arrive, it sends a fence afterwards (a
 * broadcast to every socket from the same server) and checks that the fence
 * comes first: Redis delivers one publisher's messages to a subscriber in
 * order. Each test file includes this header once; the functions are
 * static and marked unused since no file uses them all.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules/redis/redis_conn.h"
#include "loop_wait.h"
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

static __attribute__((unused)) bool run_until(bool (*pred)(void))
{
	return loop_wait_until(&loop, pred, WAIT_MS);
}

/* ---- members ----------------------------------------------------------------------- */

static __attribute__((unused)) void on_state(sio_redis *r, bool connected, const char *reason,
                                             void *user)
{
	(void)r;
	(void)reason;
	member *m = user;
	m->up = connected;
	m->states++;
}

static __attribute__((unused)) void on_join(sio_socket *s, const char *event, const sio_args *a,
                                            sio_ack *ack, void *u)
{
	(void)event;
	(void)ack;
	(void)u;
	const char *room = sio_args_str(a, 0, NULL);
	if (room)
		sio_join(s, room);
}

static __attribute__((unused)) void on_conn(sio_socket *s, void *user)
{
	((member *)user)->last = s;
}

/* serverSideEmit handler: records, and answers with this member's index. */
static __attribute__((unused)) void on_server_event(sio_namespace *nsp, const char *event,
                                                    const sio_args *a, sio_out *reply, void *user)
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

static __attribute__((unused)) void base_options(sio_redis_options *o, char *url, size_t n)
{
	sio_redis_options_init(o);
	snprintf(url, n, "redis://127.0.0.1:%d", rs.port);
	o->url = url;
	o->requests_timeout_ms = 2000;
	o->reconnect_min_ms = 20;
	o->reconnect_max_ms = 100;
}

static __attribute__((unused)) void start_member(member *m, const sio_redis_options *o)
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

static __attribute__((unused)) bool all_up(void)
{
	for (int i = 0; i < nm; i++)
		if (!M[i].up)
			return false;
	return true;
}

static __attribute__((unused)) void start_fleet(int n, bool room_subscriptions)
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

static __attribute__((unused)) void setup(void)
{
	memset(M, 0, sizeof(M));
	nm = 0;
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	memset(&rs, 0, sizeof(rs));
	ck_assert_msg(redis_server_start(&rs), "redis-server did not start");
}

static __attribute__((unused)) void teardown(void)
{
	/* The listeners close, the adapters go, then the loop ends by itself. */
	for (int i = 0; i < nm; i++)
		eio_listener_close(M[i].L);
	for (int i = 0; i < nm; i++)
		sio_redis_free(M[i].r);
	int alive = loop_wait_drain(&loop, WAIT_MS);
	for (int i = 0; i < nm; i++) {
		eio_listener_free(M[i].L);
		sio_server_free(M[i].srv);
	}
	redis_server_stop(&rs);
	ck_assert_msg(alive == 0, "loop still alive after teardown");
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}

/* ---- clients ----------------------------------------------------------------------- */

static __attribute__((unused)) void feed(eio_session *s, const char *pkt)
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
static __attribute__((unused)) const char *next(eio_session *s)
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
static __attribute__((unused)) eio_session *client(member *m, const char *room, sio_socket **sock)
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
static __attribute__((unused)) bool have_all(void)
{
	for (int i = 0; i < nwaiting; i++)
		if (eio_session_queued_count(waiting_on[i]) == 0)
			return false;
	return true;
}

/* Wait until each session has a packet queued. */
#define wait_for(a, b, c) wait_for_at(__LINE__, a, b, c)
static __attribute__((unused)) void wait_for_at(int line, eio_session *a, eio_session *b,
                                                eio_session *c)
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

static __attribute__((unused)) sio_out *args_str(const char *s)
{
	sio_out *o = sio_out_new();
	sio_out_str(o, s);
	return o;
}

/* A fence from member m: a broadcast to every socket. */
static __attribute__((unused)) void fence(member *m)
{
	sio_out *o = args_str("fence");
	sio_broadcast all = { 0 };
	sio_broadcast_emit(m->root, &all, "fence", o);
	sio_out_free(o);
}

#define FENCE "42[\"fence\",\"fence\"]"

/* The emitter's bodies (interop/tools/redis-wire-vectors.cjs), published
 * from a bare connection as @socket.io/redis-emitter does. */
typedef struct tconn {
	redis_conn *c;
	bool up;
	int msgs;
	char channel[128]; /* the last message (text) */
	char payload[1024];
} tconn;

static __attribute__((unused)) void t_message(const char *ch, size_t chl, const char *p, size_t len,
                                              void *u)
{
	tconn *t = u;
	t->msgs++;
	snprintf(t->channel, sizeof(t->channel), "%.*s", (int)chl, ch);
	snprintf(t->payload, sizeof(t->payload), "%.*s", (int)len, p);
}

static __attribute__((unused)) void t_state(bool up, const char *reason, void *u)
{
	(void)reason;
	((tconn *)u)->up = up;
}

static tconn T;
static __attribute__((unused)) bool t_up(void)
{
	return T.up && all_up();
}

static __attribute__((unused)) void open_tconn(void)
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

static __attribute__((unused)) void publish_hex(const char *channel, const char *hex)
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

static __attribute__((unused)) void publish_text(const char *channel, const char *s)
{
	redis_conn_publish(T.c, channel, s, strlen(s));
}

/* ---- NUMSUB from the bare client ------------------------------------------------- */

static long long numsub_n;
static bool numsub_done;
static __attribute__((unused)) void t_count(bool ok, long long n, void *u)
{
	(void)u;
	numsub_n = ok ? n : -1;
	numsub_done = true;
}
static __attribute__((unused)) bool t_counted(void)
{
	return numsub_done;
}

static __attribute__((unused)) long long numsub(const char *ch)
{
	numsub_done = false;
	redis_conn_numsub(T.c, ch, t_count, NULL);
	ck_assert(run_until(t_counted));
	return numsub_n;
}

/* ---- what requests answered ------------------------------------------------------ */

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

static __attribute__((unused)) void fetch_done(sio_namespace *nsp, const sio_socket_info *s,
                                               size_t n, const char *err, void *user)
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

static __attribute__((unused)) int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static __attribute__((unused)) void rooms_done(sio_namespace *nsp, const char *const *rooms,
                                               size_t n, const char *err, void *user)
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
	R.n = n;
	R.done = true;
}

static __attribute__((unused)) void count_done(sio_namespace *nsp, size_t servers, void *user)
{
	(void)nsp;
	(void)user;
	R.servers = servers;
	R.done = true;
}

static __attribute__((unused)) void replies_done(sio_namespace *nsp, const sio_args *const *r,
                                                 size_t n, const char *err, void *user)
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

static __attribute__((unused)) bool r_done(void)
{
	return R.done;
}

#endif
