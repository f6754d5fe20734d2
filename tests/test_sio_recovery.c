/* test_sio_recovery.c - Check unit tests for connection state recovery
 * (socketio/sio_recovery.c) on a real Engine.IO server, without HTTP; the
 * fixture is sio_fixture.h, with a second server (srv2) that recovers.
 *
 * Why: a client that comes back with its pid and last offset must get its
 * id, rooms and data back and exactly the packets it missed, in order, as
 * node's SessionAwareAdapter gives them (broadcasts to its rooms or the
 * namespace and direct emits, without acks, not volatile, minus
 * exceptions); and must connect fresh, never half-recovered, when the
 * session is unknown, expired, or its offset has left the bounded log. A
 * server without recovery must not change a byte of what it sends. An
 * adapter may keep the sessions elsewhere and answer later: the CONNECT
 * waits for it, and a client that leaves meanwhile leaks nothing.
 */
#include "sio_fixture.h"
#include "check_main.h"

static sio_namespace *rroot;

/* srv2 on /rec/ with recovery, as o2 says. */
static void start_rec(void (*tune)(sio_options *o))
{
	sio_options o;
	sio_options_init(&o);
	o.eio.path = "/rec/";
	o.eio.ping_interval_ms = 60000;
	o.recovery.enabled = true;
	if (tune)
		tune(&o);
	int err;
	srv2 = sio_server_new(L, &o, &err);
	ck_assert_ptr_nonnull(srv2);
	rroot = sio_of(srv2, "/");
	sio_on_connection(rroot, on_connection, NULL);
}

typedef struct conn {
	eio_session *es;
	sio_socket *s;
	char sid[32], pid[32];
	char off[64]; /* away: the offset of the last packet it got */
} conn;

/* CONNECT with auth, read the answer {sid, pid}. */
static void rjoin(conn *c, const char *auth)
{
	c->es = client_of(srv2);
	char pkt[256];
	snprintf(pkt, sizeof(pkt), "0%s", auth ? auth : "");
	int before = ev.nsocks;
	feed(c->es, pkt);
	ck_assert_int_eq(ev.nsocks, before + 1);
	c->s = ev.socks[before];
	const char *f = queued_frame(c->es, 0);
	ck_assert_msg(sscanf(f, "40{\"sid\":\"%31[^\"]\",\"pid\":\"%31[^\"]\"}", c->sid, c->pid) ==
	                      2,
	              "answer %s", f);
	ck_assert_str_eq(c->sid, sio_socket_id(c->s));
	eio_msg_unref(eio_session_take(c->es));
}

/* The offset ending a queued packet '42["ev",...,"<offset>"]'. */
static void take_offset(eio_session *es, const char *prefix, char *off, size_t n)
{
	const char *f = queued_frame(es, 0);
	ck_assert_msg(strncmp(f, prefix, strlen(prefix)) == 0, "got %s, want %s...", f, prefix);
	const char *q = strrchr(f, ',');
	ck_assert_ptr_nonnull(q);
	snprintf(off, n, "%.*s", (int)(strlen(q) - 4), q + 2);
	eio_msg_unref(eio_session_take(es));
}

static bool disc_at_least(void *n)
{
	return ev.ndisc >= *(int *)n;
}

/* Cut the transport: the Engine.IO session ends ("transport close", as
 * when the client's connection drops), the socket disconnects at once. */
static void cut(conn *c)
{
	int want = ev.ndisc + 1;
	feed_engine(c->es, "1");
	ck_assert(disc_at_least(&want));
}

/* a (connected, in room when not NULL) gets "x" (to room, else to a
 * itself) and its offset, then its transport is cut: away, with a session
 * on the server. */
static void away(conn *a, const char *room)
{
	if (room)
		ck_assert_int_eq(sio_join(a->s, room), 0);
	ck_assert_int_eq(sio_to(rroot, room ? room : a->sid, "x", NULL), 1);
	take_offset(a->es, "42[\"x\",", a->off, sizeof(a->off));
	cut(a);
}

/* A new connection a, then away. */
static void joins_then_away(conn *a, const char *room)
{
	rjoin(a, NULL);
	away(a, room);
}

/* a comes back with its pid and the offset off: a2 (recovered or not). */
static void come_back_at(conn *a2, const conn *a, const char *off)
{
	char auth[160];
	snprintf(auth, sizeof(auth), "{\"pid\":\"%s\",\"offset\":\"%s\"}", a->pid, off);
	rjoin(a2, auth);
}

/* a comes back with its pid and last offset. */
static void come_back(conn *a2, const conn *a)
{
	come_back_at(a2, a, a->off);
}

static bool never(void *u)
{
	(void)u;
	return false;
}

static sio_out *one_str(const char *v)
{
	sio_out *o = sio_out_new();
	sio_out_str(o, v);
	return o;
}

/* ===================================================================================
 * off: nothing changes
 * =================================================================================== */

START_TEST(test_off_no_pid_no_offset)
{
	eio_session *sa;
	sio_socket *a = connected(&sa); /* join_nsp checks 40{"sid":...} exactly */
	ck_assert(!sio_socket_recovered(a));
	ck_assert_int_eq(sio_to(root, sio_socket_id(a), "ev", NULL), 1);
	expect_text(sa, "42[\"ev\"]");
	ck_assert_ptr_null(root->rstore);
}
END_TEST

/* ===================================================================================
 * recovered
 * =================================================================================== */

START_TEST(test_recover_missed_packets)
{
	start_rec(NULL);
	conn a, b;
	rjoin(&a, NULL);
	rjoin(&b, NULL);
	ck_assert_int_eq(sio_socket_set_data(a.s, S("{\"n\":1}")), 0);
	away(&a, "r");
	ck_assert_str_eq(ev.disc[ev.ndisc - 1].reason, "transport close");

	/* While a is away: what it must get, and what it must not. */
	sio_out *y = one_str("y");
	ck_assert_int_eq(sio_to(rroot, "r", "y", y), 0);
	ck_assert_int_eq(sio_broadcast_emit(rroot, &(sio_broadcast){ 0 }, "z", NULL), 1);
	sio_broadcast_emit(rroot, &(sio_broadcast){ .volatile_ = true }, "v", NULL);
	ck_assert_int_eq(sio_to(rroot, "other", "o", NULL), 0);
	ck_assert_int_eq(sio_except(rroot, "r", "e", NULL), 1);
	ck_assert_int_eq(sio_emit(b.s, "direct", NULL), 0); /* to b's own room */
	ck_assert_int_eq(sio_to(rroot, a.sid, "to-id", NULL), 0);
	sio_out_free(y);

	char auth[160];
	snprintf(auth, sizeof(auth), "{\"pid\":\"%s\",\"offset\":\"%s\",\"k\":1}", a.pid, a.off);
	conn a2;
	rjoin(&a2, auth);
	ck_assert_str_eq(a2.sid, a.sid);
	ck_assert_str_eq(a2.pid, a.pid);
	ck_assert(sio_socket_recovered(a2.s));
	ck_assert(sio_in_room(a2.s, "r"));
	ck_assert(sio_in_room(a2.s, a.sid));
	size_t dl;
	ck_assert_str_eq(sio_socket_data(a2.s, &dl), "{\"n\":1}");
	/* in order, once, each with its offset; nothing else */
	char o1[64], o2[64], o3[64];
	take_offset(a2.es, "42[\"y\",\"y\",", o1, sizeof(o1));
	take_offset(a2.es, "42[\"z\",", o2, sizeof(o2));
	take_offset(a2.es, "42[\"to-id\",", o3, sizeof(o3));
	ck_assert_str_ne(o1, a.off);
	ck_assert_str_ne(o1, o2);
	expect_empty(a2.es);
	/* the session is taken: the same pid does not recover twice */
	conn a3;
	rjoin(&a3, auth);
	ck_assert(!sio_socket_recovered(a3.s));
	ck_assert_str_ne(a3.sid, a.sid);
	/* b got its own direct emit, stamped; a volatile broadcast is not */
	bool direct = false;
	for (size_t i = 0; i < eio_session_queued_count(b.es); i++) {
		const char *f = queued_frame(b.es, i);
		direct |= strncmp(f, "42[\"direct\",\"", 13) == 0;
		ck_assert(strncmp(f, "42[\"v\"", 6) != 0 || strcmp(f, "42[\"v\"]") == 0);
	}
	ck_assert(direct);
}
END_TEST

/* A binary broadcast is kept with its attachments and replayed whole:
 * the offset after the placeholder, the same bytes after it. */
START_TEST(test_binary_kept)
{
	start_rec(NULL);
	conn a, a2;
	joins_then_away(&a, NULL);
	sio_out *o = sio_out_new();
	sio_out_binary(o, "\x01\x02\x03", 3);
	ck_assert_int_eq(sio_broadcast_emit(rroot, &(sio_broadcast){ 0 }, "b", o), 0);
	sio_out_free(o);
	come_back(&a2, &a);
	ck_assert(sio_socket_recovered(a2.s));
	char o1[64];
	take_offset(a2.es, "451-[\"b\"," PH(0) ",", o1, sizeof(o1));
	ck_assert_str_ne(o1, a.off);
	expect_bin(a2.es, "\x01\x02\x03");
	expect_empty(a2.es);
}
END_TEST

/* An ack and its answer are never kept nor stamped. */
START_TEST(test_acks_not_kept)
{
	start_rec(NULL);
	conn a;
	rjoin(&a, NULL);
	ck_assert_int_eq(sio_emit_with_ack(a.s, "q", NULL, 0, on_ack, NULL), 0);
	expect_text(a.es, "420[\"q\"]");
	ck_assert(sio_recovery_count(rroot).packets == 0);
}
END_TEST

/* ===================================================================================
 * refused: the client connects fresh
 * =================================================================================== */

static void recover_fails(const conn *a, const char *off)
{
	conn a2;
	come_back_at(&a2, a, off);
	ck_assert(!sio_socket_recovered(a2.s));
	ck_assert_str_ne(a2.sid, a->sid);
	ck_assert_str_ne(a2.pid, a->pid);
	ck_assert(!sio_in_room(a2.s, "r"));
	expect_empty(a2.es);
}

START_TEST(test_unknown_pid_or_offset)
{
	start_rec(NULL);
	conn a, b;
	rjoin(&a, NULL);
	rjoin(&b, NULL);
	away(&a, "r");
	conn other = a;
	strcpy(other.pid, "AAAAAAAAAAAAAAAAAAAA");
	recover_fails(&other, a.off);
	recover_fails(&a, "nope-1");
	recover_fails(&a, "");
	/* not strings: no recovery asked */
	conn c;
	rjoin(&c, "{\"pid\":1,\"offset\":[]}");
	ck_assert(!sio_socket_recovered(c.s));
	/* and the session is still there for the right offset */
	conn a2;
	come_back(&a2, &a);
	ck_assert(sio_socket_recovered(a2.s));
}
END_TEST

static void short_duration(sio_options *o)
{
	o->recovery.max_disconnection_ms = 20;
}

START_TEST(test_expired)
{
	start_rec(short_duration);
	conn a;
	joins_then_away(&a, "r");
	run_loop_until(never, NULL, 60);
	uv_update_time(&loop);
	recover_fails(&a, a.off);
}
END_TEST

static void small_log(sio_options *o)
{
	o->recovery.max_packets = 3;
}

START_TEST(test_past_the_log)
{
	start_rec(small_log);
	conn a;
	joins_then_away(&a, "r");
	for (int i = 0; i < 3; i++)
		sio_to(rroot, "r", "y", NULL);
	ck_assert_uint_eq(sio_recovery_count(rroot).packets, 3);
	recover_fails(&a, a.off);
}
END_TEST

static void small_bytes(sio_options *o)
{
	o->recovery.max_bytes = 64;
}

START_TEST(test_log_bytes_bound)
{
	start_rec(small_bytes);
	conn a;
	rjoin(&a, NULL);
	sio_out *big = one_str("0123456789012345678901234567890123456789");
	for (int i = 0; i < 10; i++)
		sio_to(rroot, "r", "y", big);
	sio_out_free(big);
	ck_assert_uint_le(sio_recovery_count(rroot).bytes, 64);
	ck_assert_uint_eq(sio_recovery_count(rroot).packets, 1);
}
END_TEST

/* A disconnect the server or the client asked for keeps no session. */
START_TEST(test_no_session_after_a_chosen_disconnect)
{
	start_rec(NULL);
	conn a, b;
	rjoin(&a, NULL);
	rjoin(&b, NULL);
	sio_to(rroot, a.sid, "x", NULL);
	sio_to(rroot, b.sid, "x", NULL);
	char oa[64], ob[64];
	take_offset(a.es, "42[\"x\",", oa, sizeof(oa));
	take_offset(b.es, "42[\"x\",", ob, sizeof(ob));
	sio_disconnect(a.s, false);
	feed(b.es, "1");
	ck_assert_uint_eq(sio_recovery_count(rroot).sessions, 0);
	recover_fails(&a, oa);
	recover_fails(&b, ob);
}
END_TEST

/* ===================================================================================
 * middleware
 * =================================================================================== */

static int mw_runs;
static bool mw_saw_recovered;
static int mw(sio_socket *s, const char **msg, const char **data, void *u)
{
	(void)msg;
	(void)data;
	(void)u;
	mw_runs++;
	mw_saw_recovered = sio_socket_recovered(s);
	return 0;
}

static void with_mw(sio_options *o)
{
	o->recovery.skip_middlewares = false;
}

static void recover_with_mw(void (*tune)(sio_options *), int want_runs)
{
	start_rec(tune);
	mw_runs = 0;
	mw_saw_recovered = false;
	sio_use(rroot, mw, NULL);
	conn a, a2;
	joins_then_away(&a, NULL);
	come_back(&a2, &a);
	ck_assert(sio_socket_recovered(a2.s));
	ck_assert_int_eq(mw_runs, want_runs);
}

START_TEST(test_skip_middlewares)
{
	recover_with_mw(NULL, 1); /* only the first connection */
}
END_TEST

START_TEST(test_middlewares_run)
{
	recover_with_mw(with_mw, 2);
	ck_assert(mw_saw_recovered);
}
END_TEST

/* Asynchronous middleware: a broadcast made while it runs reaches the
 * recovered socket after what it missed before, once. */
static sio_next *held;
static void hold_mw(sio_socket *s, sio_next *next, void *u)
{
	(void)s;
	(void)u;
	held = next;
}

START_TEST(test_async_middleware_gap)
{
	start_rec(with_mw);
	conn a;
	joins_then_away(&a, "r");
	sio_to(rroot, "r", "before", NULL);
	held = NULL;
	sio_use_async(rroot, hold_mw, NULL);
	char pkt[160];
	snprintf(pkt, sizeof(pkt), "0{\"pid\":\"%s\",\"offset\":\"%s\"}", a.pid, a.off);
	eio_session *es = client_of(srv2);
	int before = ev.nsocks;
	feed(es, pkt);
	ck_assert_ptr_nonnull(held);
	ck_assert_int_eq(ev.nsocks, before);
	sio_to(rroot, "r", "during", NULL); /* nobody in r is connected */
	sio_next_accept(held);
	ck_assert_int_eq(ev.nsocks, before + 1);
	ck_assert(sio_socket_recovered(ev.socks[before]));
	eio_msg_unref(eio_session_take(es)); /* the CONNECT answer */
	char o1[64], o2[64];
	take_offset(es, "42[\"before\",", o1, sizeof(o1));
	take_offset(es, "42[\"during\",", o2, sizeof(o2));
	expect_empty(es);
}
END_TEST

/* ===================================================================================
 * an adapter that keeps the sessions: answers later, from a timer
 * =================================================================================== */

static struct {
	int persisted;
	char sid[32], pid[32], room[32];
	sio_restore *pending;
	uv_timer_t t;
	bool answer_found;
} ka;

static void ka_persist(sio_namespace *nsp, const sio_session *s, void *u)
{
	(void)nsp;
	(void)u;
	ka.persisted++;
	snprintf(ka.sid, sizeof(ka.sid), "%s", s->sid);
	snprintf(ka.pid, sizeof(ka.pid), "%s", s->pid);
	if (s->nrooms != 2) /* its own and "r"; not a socket of the teardown */
		return;
	snprintf(ka.room, sizeof(ka.room), "%s",
	         strcmp(s->rooms[0], s->sid) ? s->rooms[0] : s->rooms[1]);
}

static void ka_answer(uv_timer_t *t)
{
	(void)t;
	sio_restore *r = ka.pending;
	ka.pending = NULL;
	if (ka.answer_found) {
		const char *rooms[] = { ka.sid, ka.room };
		sio_session s = { ka.sid, ka.pid, rooms, 2, "{}", 2 };
		ck_assert_int_eq(sio_restore_session(r, &s), 0);
		sio_out *o = sio_out_new();
		sio_out_int(o, 7);
		sio_out_str(o, "off-9");
		ck_assert_int_eq(sio_restore_packet(r, "missed", o), 0);
		sio_out_free(o);
	}
	sio_restore_end(r);
}

static void ka_restore(sio_namespace *nsp, const char *pid, const char *offset, sio_restore *r,
                       void *u)
{
	(void)nsp;
	(void)u;
	ck_assert_str_eq(pid, ka.pid);
	ck_assert_str_eq(offset, "off-1");
	ka.pending = r;
	uv_timer_start(&ka.t, ka_answer, 5, 0);
}

static sio_adapter_ops keeping;

static bool restore_answered(void *u)
{
	(void)u;
	return ka.pending == NULL;
}

static void start_keeping(void)
{
	memset(&ka, 0, sizeof(ka));
	start_rec(NULL);
	keeping = sio_memory_adapter;
	keeping.persist_session = ka_persist;
	keeping.restore_session = ka_restore;
	ck_assert_int_eq(sio_server_set_adapter(srv2, &keeping, NULL), 0);
	uv_timer_init(&loop, &ka.t);
}

START_TEST(test_adapter_keeps_sessions)
{
	start_keeping();
	ka.answer_found = true;
	conn a;
	rjoin(&a, NULL);
	sio_join(a.s, "r");
	/* the adapter gives offsets: the library stamps, keeps nothing */
	sio_adapter_packet p = { SIO_PACKET_EVENT, rroot, "x", NULL, "off-1", NULL, 0 };
	const char *rooms[] = { "r" };
	ck_assert_int_eq(sio_adapter_broadcast_local(
	                         rroot, &p, &(sio_broadcast){ .rooms = rooms, .nrooms = 1 }),
	                 1);
	expect_text(a.es, "42[\"x\",\"off-1\"]");
	ck_assert_ptr_null(rroot->rstore);
	cut(&a);
	ck_assert_int_eq(ka.persisted, 1);
	ck_assert_str_eq(ka.room, "r");
	char pkt[160];
	snprintf(pkt, sizeof(pkt), "0{\"pid\":\"%s\",\"offset\":\"off-1\"}", a.pid);
	eio_session *es = client_of(srv2);
	int before = ev.nsocks;
	feed(es, pkt);
	/* the CONNECT waits for the adapter's answer */
	ck_assert_int_eq(ev.nsocks, before);
	expect_empty(es);
	run_until(restore_answered, NULL);
	ck_assert_int_eq(ev.nsocks, before + 1);
	sio_socket *s2 = ev.socks[before];
	ck_assert(sio_socket_recovered(s2));
	ck_assert_str_eq(sio_socket_id(s2), a.sid);
	ck_assert(sio_in_room(s2, "r"));
	char want[128];
	snprintf(want, sizeof(want), "40{\"sid\":\"%s\",\"pid\":\"%s\"}", a.sid, a.pid);
	expect_text(es, want);
	expect_text(es, "42[\"missed\",7,\"off-9\"]");
	expect_empty(es);
	uv_close((uv_handle_t *)&ka.t, NULL);
}
END_TEST

/* Not found: the client connects fresh. */
START_TEST(test_adapter_not_found)
{
	start_keeping();
	snprintf(ka.pid, sizeof(ka.pid), "PPPPPPPPPPPPPPPPPPPP");
	eio_session *es = client_of(srv2);
	int before = ev.nsocks;
	feed(es, "0{\"pid\":\"PPPPPPPPPPPPPPPPPPPP\",\"offset\":\"off-1\"}");
	run_until(restore_answered, NULL);
	ck_assert_int_eq(ev.nsocks, before + 1);
	ck_assert(!sio_socket_recovered(ev.socks[before]));
	ck_assert_str_ne(sio_socket_id(ev.socks[before]), ka.sid);
	uv_close((uv_handle_t *)&ka.t, NULL);
}
END_TEST

/* The client leaves while the adapter looks: its answer goes nowhere. */
START_TEST(test_adapter_client_leaves_while_restoring)
{
	start_keeping();
	ka.answer_found = true;
	snprintf(ka.pid, sizeof(ka.pid), "PPPPPPPPPPPPPPPPPPPP");
	snprintf(ka.sid, sizeof(ka.sid), "SSSSSSSSSSSSSSSSSSSS");
	snprintf(ka.room, sizeof(ka.room), "r");
	eio_session *es = client_of(srv2);
	int before = ev.nsocks;
	feed(es, "0{\"pid\":\"PPPPPPPPPPPPPPPPPPPP\",\"offset\":\"off-1\"}");
	feed_engine(es, "1"); /* gone before the answer */
	run_until(restore_answered, NULL);
	ck_assert_int_eq(ev.nsocks, before);
	ck_assert_ptr_null(base_map_get(&rroot->sockets, ka.sid));
	uv_close((uv_handle_t *)&ka.t, NULL);
}
END_TEST

/* ---- suite --------------------------------------------------------------------------- */

static Suite *recovery_suite(void)
{
	Suite *s = suite_create("sio_recovery");
	TCase *t = tc(s, "recovery");
	tcase_add_test(t, test_off_no_pid_no_offset);
	tcase_add_test(t, test_recover_missed_packets);
	tcase_add_test(t, test_binary_kept);
	tcase_add_test(t, test_acks_not_kept);
	tcase_add_test(t, test_unknown_pid_or_offset);
	tcase_add_test(t, test_expired);
	tcase_add_test(t, test_past_the_log);
	tcase_add_test(t, test_log_bytes_bound);
	tcase_add_test(t, test_no_session_after_a_chosen_disconnect);
	tcase_add_test(t, test_skip_middlewares);
	tcase_add_test(t, test_middlewares_run);
	tcase_add_test(t, test_async_middleware_gap);
	tcase_add_test(t, test_adapter_keeps_sessions);
	tcase_add_test(t, test_adapter_not_found);
	tcase_add_test(t, test_adapter_client_leaves_while_restoring);
	return s;
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	return check_main_run(recovery_suite());
}
