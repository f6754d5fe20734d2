/* test_sio_recovery_fleet.c - Check unit tests for connection state recovery
 * across a fleet (socketio/sio_recovery.c: share_session / find_session,
 * sio_restore_marks), on a real Engine.IO server without HTTP; the fixture
 * is sio_fixture.h, with a second server (srv2) that recovers.
 *
 * Why: a client that left another member comes back here with a pid this
 * server does not know; its adapter finds the session and the marks (per
 * member that broadcast, the highest number the old member had received,
 * so had delivered). This server must give it, from its own log, exactly
 * the packets after the marks to its rooms, each origin's in order, and
 * nothing else (not what it already got, not other rooms, not exceptions,
 * not this server's local broadcasts); and must refuse (a fresh
 * connection, never half-recovered) when its log cannot say: a gap in an
 * origin's numbers, a packet after a mark dropped. A packet dropped that the
 * socket got refuses nothing (a log at its bounds drops them all the time).
 */
#include "sio_fixture.h"
#include "check_main.h"

static sio_namespace *rroot;

#define SID "SSSSSSSSSSSSSSSSSSSS"
#define PID "PPPPPPPPPPPPPPPPPPPP"

/* What the fake adapter shares and answers. */
static struct {
	int shared, forgotten, asked;
	char shared_pid[32], shared_room[32];
	unsigned ttl;
	bool found;
	const char *origins[4];
	uint64_t seqs[4];
	size_t nmarks;
	uint64_t ago_ms;
	const char *delivered; /* what the old server delivered lately (JSON) */
	char shared_delivered[512];
	/* The adapter's own log (the Redis adapter's stream), given with
	 * sio_restore_fleet_packet; then, when set, sio_restore_refuse. */
	struct {
		const char *origin, *event, *room;
		uint64_t seq;
	} stream[8];
	size_t nstream;
	bool refuse;
} fa;

static void fa_share(sio_namespace *nsp, const sio_session *s, const char *delivered,
                     unsigned ttl_ms, void *u)
{
	(void)nsp;
	(void)u;
	fa.shared++;
	snprintf(fa.shared_delivered, sizeof(fa.shared_delivered), "%s", delivered);
	fa.ttl = ttl_ms;
	snprintf(fa.shared_pid, sizeof(fa.shared_pid), "%s", s->pid);
	for (size_t i = 0; i < s->nrooms; i++)
		if (strcmp(s->rooms[i], s->sid) != 0)
			snprintf(fa.shared_room, sizeof(fa.shared_room), "%s", s->rooms[i]);
}

/* Answers at once, as the old member left it: in SID and "r". */
static void fa_find(sio_namespace *nsp, const char *pid, sio_restore *r, void *u)
{
	(void)nsp;
	(void)u;
	if (!r) {
		fa.forgotten++;
		return;
	}
	fa.asked++;
	if (fa.found && strcmp(pid, PID) == 0) {
		const char *rooms[] = { SID, "r" };
		sio_session s = { SID, PID, rooms, 2, "{\"n\":2}", 7 };
		ck_assert_int_eq(sio_restore_session(r, &s), 0);
		ck_assert_int_eq(sio_restore_marks(r, fa.origins, fa.seqs, fa.nmarks, fa.ago_ms,
		                                   fa.delivered),
		                 0);
		for (size_t i = 0; i < fa.nstream; i++) {
			const char *room[] = { fa.stream[i].room };
			sio_broadcast b = { .rooms = room, .nrooms = 1 };
			sio_adapter_packet p = { SIO_PACKET_EVENT,
				                 NULL,
				                 fa.stream[i].event,
				                 NULL,
				                 NULL,
				                 fa.stream[i].origin,
				                 fa.stream[i].seq };
			ck_assert_int_eq(sio_restore_fleet_packet(r, &p, &b), 0);
		}
		if (fa.refuse)
			sio_restore_refuse(r);
	}
	sio_restore_end(r);
}

static sio_adapter_ops sharing;

static void start_fleet(unsigned max_packets)
{
	memset(&fa, 0, sizeof(fa));
	sio_options o;
	sio_options_init(&o);
	o.eio.path = "/rec/";
	o.eio.ping_interval_ms = 60000;
	o.recovery.enabled = true;
	if (max_packets)
		o.recovery.max_packets = max_packets;
	int err;
	srv2 = sio_server_new(L, &o, &err);
	ck_assert_ptr_nonnull(srv2);
	rroot = sio_of(srv2, "/");
	sio_on_connection(rroot, on_connection, NULL);
	sharing = sio_memory_adapter;
	sharing.share_session = fa_share;
	sharing.find_session = fa_find;
	ck_assert_int_eq(sio_server_set_adapter(srv2, &sharing, NULL), 0);
}

/* The adapter finds the session, with a mark: origin's broadcasts up to seq
 * reached the socket on the old member. */
static void mark(const char *origin, uint64_t seq)
{
	ck_assert_uint_lt(fa.nmarks, sizeof(fa.origins) / sizeof(fa.origins[0]));
	fa.found = true;
	fa.origins[fa.nmarks] = origin;
	fa.seqs[fa.nmarks++] = seq;
}

/* A broadcast received from origin/seq (NULL: made here, local) to room,
 * except one socket id or none. */
static void from(const char *origin, uint64_t seq, const char *event, const char *room,
                 const char *except)
{
	sio_adapter_packet p = { SIO_PACKET_EVENT, rroot, event, NULL, NULL, origin, seq };
	const char *rooms[] = { room };
	const char *exc[] = { except };
	sio_broadcast b = { .rooms = rooms, .nrooms = 1, .except = exc, .nexcept = except ? 1 : 0 };
	ck_assert_int_ge(sio_adapter_broadcast_local(rroot, &p, &b), 0);
}

/* A CONNECT with the other member's pid and offset: the socket it made. */
static sio_socket *come_back_at(eio_session **es, const char *offset)
{
	*es = client_of(srv2);
	int before = ev.nsocks;
	char pkt[128];
	snprintf(pkt, sizeof(pkt), "0{\"pid\":\"" PID "\",\"offset\":\"%s\"}", offset);
	feed(*es, pkt);
	ck_assert_int_eq(ev.nsocks, before + 1);
	return ev.socks[before];
}

static sio_socket *come_back(eio_session **es)
{
	return come_back_at(es, "elsewhere-3");
}

/* The next queued packet is event ev with its offset. */
static void expect_event(eio_session *es, const char *event)
{
	char want[64];
	snprintf(want, sizeof(want), "42[\"%s\",\"", event);
	const char *f = queued_frame(es, 0);
	ck_assert_msg(strncmp(f, want, strlen(want)) == 0, "got %s, want %s...", f, want);
	eio_msg_unref(eio_session_take(es));
}

/* Comes back at offset and is recovered, as SID; the CONNECT answer taken. */
static void recovered_at(eio_session **es, const char *offset)
{
	sio_socket *s = come_back_at(es, offset);
	ck_assert(sio_socket_recovered(s));
	ck_assert_str_eq(sio_socket_id(s), SID);
	eio_msg_unref(eio_session_take(*es));
}

static void refused_at(const char *offset)
{
	eio_session *es;
	sio_socket *s = come_back_at(&es, offset);
	ck_assert(!sio_socket_recovered(s));
	ck_assert_str_ne(sio_socket_id(s), SID);
	ck_assert(!sio_in_room(s, "r"));
	eio_msg_unref(eio_session_take(es)); /* the CONNECT answer */
	expect_empty(es);
}

static void refused(void)
{
	refused_at("elsewhere-3");
}

/* ===================================================================================
 * the marks pick the packets
 * =================================================================================== */

START_TEST(test_after_the_marks_in_order)
{
	start_fleet(0);
	mark("A", 1);
	mark("B", 2);
	fa.ago_ms = 60000;
	from("A", 1, "a1", "r", NULL); /* got: at or under its mark */
	from("B", 1, "b1", "r", NULL);
	from("A", 2, "a2", "r", NULL); /* missed */
	from("B", 2, "b2", "r", NULL);
	from("A", 3, "a3", "q", NULL);     /* another room: not for it */
	from(NULL, 0, "local", "r", NULL); /* this server's local broadcast */
	from("C", 7, "c7", "r", NULL);     /* no mark: since it left */
	from("A", 4, "a4", "r", SID);      /* it is an exception */
	from("B", 3, "b3", "r", NULL);     /* missed */
	from("A", 5, "a5", "r", NULL);     /* missed */
	eio_session *es;
	sio_socket *s = come_back(&es);
	ck_assert_int_eq(fa.asked, 1);
	ck_assert(sio_socket_recovered(s));
	ck_assert_str_eq(sio_socket_id(s), SID);
	ck_assert(sio_in_room(s, "r"));
	size_t dlen;
	ck_assert_str_eq(sio_socket_data(s, &dlen), "{\"n\":2}");
	const char *f = queued_frame(es, 0);
	ck_assert_msg(strncmp(f, "40{\"sid\":\"" SID "\",\"pid\":\"" PID "\"}", 50) == 0, "got %s",
	              f);
	eio_msg_unref(eio_session_take(es));
	expect_event(es, "a2");
	expect_event(es, "c7");
	expect_event(es, "b3");
	expect_event(es, "a5");
	expect_empty(es);
	/* later broadcasts reach it live, once */
	from("B", 4, "b4", "r", NULL);
	expect_event(es, "b4");
	expect_empty(es);
}
END_TEST

START_TEST(test_nothing_missed)
{
	start_fleet(0);
	mark("A", 2);
	from("A", 1, "a1", "r", NULL);
	from("A", 2, "a2", "r", NULL);
	eio_session *es;
	recovered_at(&es, "elsewhere-3");
	expect_empty(es);
}
END_TEST

/* The old server delivered A2 and B1 after the client's offset (T-1): the
 * frames were lost with its transport. Its marks (A 2, B 1) say delivered;
 * the client's offset lowers them, and both are given again. */
START_TEST(test_delivered_after_the_offset)
{
	start_fleet(0);
	mark("A", 2);
	mark("B", 1);
	fa.delivered = "{\"tag\":\"T\",\"from\":1,\"sent\":[[1,\"A\",1],[2,\"A\",2],[3,\"B\",1]]}";
	from("A", 1, "a1", "r", NULL);
	from("A", 2, "a2", "r", NULL);
	from("B", 1, "b1", "r", NULL);
	from("A", 3, "a3", "r", NULL);
	eio_session *es;
	recovered_at(&es, "T-1");
	expect_event(es, "a2");
	expect_event(es, "b1");
	expect_event(es, "a3");
	expect_empty(es);
}
END_TEST

/* ===================================================================================
 * the adapter's log first (a member started after the socket left), then this one
 * =================================================================================== */

static void streamed(const char *origin, uint64_t seq, const char *event, const char *room)
{
	fa.stream[fa.nstream].origin = origin;
	fa.stream[fa.nstream].seq = seq;
	fa.stream[fa.nstream].event = event;
	fa.stream[fa.nstream].room = room;
	fa.nstream++;
}

/* What the adapter gives comes first, past the marks and for the rooms; this
 * log then adds what came after, each packet once. */
START_TEST(test_streamed_then_log_once)
{
	start_fleet(0);
	mark("A", 1);
	streamed("A", 1, "a1", "r");   /* got */
	streamed("A", 2, "a2", "r");   /* missed, only in the adapter's log */
	streamed("B", 1, "b1", "r");   /* no mark: the old member never had it */
	streamed("A", 3, "a3", "q");   /* another room */
	from("A", 2, "a2", "r", NULL); /* this log began before the read ended */
	from("A", 3, "a3", "q", NULL);
	from("A", 4, "a4", "r", NULL);
	from("B", 1, "b1", "r", NULL);
	from("B", 2, "b2", "r", NULL);
	eio_session *es;
	recovered_at(&es, "elsewhere-3");
	expect_event(es, "a2");
	expect_event(es, "b1");
	expect_event(es, "a4");
	expect_event(es, "b2");
	expect_empty(es);
}
END_TEST

/* The adapter's log skips a number after the mark (trimmed, lost). */
START_TEST(test_streamed_gap_refused)
{
	start_fleet(0);
	mark("A", 1);
	streamed("A", 3, "a3", "r");
	from("A", 3, "a3", "r", NULL);
	refused();
}
END_TEST

/* The adapter found the session, then could not read what it missed. */
START_TEST(test_refused_by_the_adapter)
{
	start_fleet(0);
	mark("A", 1);
	fa.refuse = true;
	from("A", 1, "a1", "r", NULL);
	refused();
}
END_TEST

/* ===================================================================================
 * refused: the log cannot say
 * =================================================================================== */

START_TEST(test_gap_refused)
{
	start_fleet(0);
	mark("A", 1);
	from("A", 1, "a1", "r", NULL);
	from("A", 3, "a3", "r", NULL); /* A's 2 never reached this server */
	refused();
}
END_TEST

/* origin's broadcasts numbered first..last to "r", named as from() names
 * them ("a1", "a2", ... for "A"). */
static void from_run(const char *origin, uint64_t first, uint64_t last)
{
	for (uint64_t i = first; i <= last; i++) {
		char event[16];
		snprintf(event, sizeof(event), "%c%llu", origin[0] | 0x20, (unsigned long long)i);
		from(origin, i, event, "r", NULL);
	}
}

/* The log (2 packets) dropped a2, which the socket never got. */
START_TEST(test_dropped_after_the_mark_refused)
{
	start_fleet(2);
	mark("A", 1);
	fa.ago_ms = 10;
	from_run("A", 1, 4); /* the log holds a3, a4 */
	refused();
}
END_TEST

/* A log at its bounds drops packets all the time: those the socket got
 * (up to its mark) refuse nothing, however recently they were dropped. */
START_TEST(test_dropped_up_to_the_mark_recovered)
{
	start_fleet(2);
	mark("A", 3);
	fa.ago_ms = 10;
	from_run("A", 1, 5); /* the log holds a4, a5 */
	eio_session *es;
	recovered_at(&es, "elsewhere-3");
	expect_event(es, "a4");
	expect_event(es, "a5");
	expect_empty(es);
}
END_TEST

/* c1, of an origin the old member never received (no mark), came after the
 * socket left and is gone from the log. */
START_TEST(test_dropped_without_a_mark_refused)
{
	start_fleet(2);
	mark("A", 5);
	fa.ago_ms = 10;
	from("C", 1, "c1", "r", NULL);
	from_run("A", 6, 7); /* the log holds a6, a7 */
	refused();
}
END_TEST

/* The client's offset is older than what the old server listed. */
START_TEST(test_offset_older_than_delivered_refused)
{
	start_fleet(0);
	mark("A", 9);
	fa.delivered = "{\"tag\":\"T\",\"from\":5,\"sent\":[[5,\"A\",9]]}";
	from("A", 9, "a9", "r", NULL);
	refused_at("T-2");
}
END_TEST

START_TEST(test_not_found_fresh)
{
	start_fleet(0);
	from("A", 1, "a1", "r", NULL);
	refused();
	ck_assert_int_eq(fa.asked, 1);
}
END_TEST

/* ===================================================================================
 * sharing
 * =================================================================================== */

/* A socket that leaves is shared; recovered here, the shared copy is
 * forgotten (no other member may replay it again). */
START_TEST(test_shared_then_forgotten)
{
	start_fleet(0);
	eio_session *es = client_of(srv2);
	int before = ev.nsocks;
	feed(es, "0");
	sio_socket *s = ev.socks[before];
	char sid[32], pid[32];
	const char *f = queued_frame(es, 0);
	ck_assert_int_eq(sscanf(f, "40{\"sid\":\"%31[^\"]\",\"pid\":\"%31[^\"]\"}", sid, pid), 2);
	eio_msg_unref(eio_session_take(es));
	sio_join(s, "room1");
	from(NULL, 0, "x", "room1", NULL);
	f = queued_frame(es, 0);
	const char *q = strrchr(f, ',');
	char off[64];
	snprintf(off, sizeof(off), "%.*s", (int)(strlen(q) - 4), q + 2);
	eio_msg_unref(eio_session_take(es));
	int want = ev.ndisc + 1;
	feed_engine(es, "1");
	ck_assert_int_ge(ev.ndisc, want);
	ck_assert_int_eq(fa.shared, 1);
	ck_assert_str_eq(fa.shared_pid, pid);
	ck_assert_str_eq(fa.shared_room, "room1");
	ck_assert_uint_eq(fa.ttl, 120000);
	/* its only packet was a local one: nothing numbered delivered */
	ck_assert_msg(strncmp(fa.shared_delivered, "{\"tag\":\"", 8) == 0 &&
	                      strstr(fa.shared_delivered, ",\"sent\":[]}"),
	              "delivered %s", fa.shared_delivered);
	char pkt[160];
	snprintf(pkt, sizeof(pkt), "0{\"pid\":\"%s\",\"offset\":\"%s\"}", pid, off);
	eio_session *es2 = client_of(srv2);
	before = ev.nsocks;
	feed(es2, pkt);
	ck_assert(sio_socket_recovered(ev.socks[before]));
	ck_assert_int_eq(fa.asked, 0);
	ck_assert_int_eq(fa.forgotten, 1);
}
END_TEST

/* ---- suite --------------------------------------------------------------------------- */

static Suite *fleet_suite(void)
{
	Suite *s = suite_create("sio_recovery_fleet");
	TCase *t = tc(s, "fleet");
	tcase_add_test(t, test_after_the_marks_in_order);
	tcase_add_test(t, test_nothing_missed);
	tcase_add_test(t, test_delivered_after_the_offset);
	tcase_add_test(t, test_offset_older_than_delivered_refused);
	tcase_add_test(t, test_gap_refused);
	tcase_add_test(t, test_dropped_after_the_mark_refused);
	tcase_add_test(t, test_dropped_up_to_the_mark_recovered);
	tcase_add_test(t, test_dropped_without_a_mark_refused);
	tcase_add_test(t, test_not_found_fresh);
	tcase_add_test(t, test_shared_then_forgotten);
	tcase_add_test(t, test_streamed_then_log_once);
	tcase_add_test(t, test_streamed_gap_refused);
	tcase_add_test(t, test_refused_by_the_adapter);
	return s;
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	return check_main_run(fleet_suite());
}
