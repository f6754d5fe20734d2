/* test_sio_rooms.c - Check unit tests for rooms and broadcasts
 * (socketio/sio_adapter.c, sio_broadcast.c) on a real Engine.IO server,
 * without HTTP; the fixture is sio_fixture.h.
 *
 * Why: room bookkeeping (each socket's own room, join/leave, leaving all on
 * disconnect) decides who gets a broadcast; a broadcast must reach each
 * member once even when it is in several target rooms, honour except and
 * skip, cover the whole namespace when no room is named, stay within its
 * namespace, and share one eio_msg between all the recipients.
 */
#include "sio_fixture.h"
#include "check_main.h"

/* ===================================================================================
 * rooms
 * =================================================================================== */

/* Rooms named by the application. A socket's own room may or may not be a
 * map entry (the memory adapter keeps it implicit), so counts are taken
 * relative to a baseline. */
START_TEST(test_rooms_own_room)
{
	eio_session *sa, *sb;
	sio_socket *a = connected(&sa);
	sio_socket *b = connected(&sb);
	ck_assert(sio_in_room(a, sio_socket_id(a)));
	ck_assert(sio_in_room(b, sio_socket_id(b)));
	ck_assert(!sio_in_room(a, sio_socket_id(b)));
	ck_assert(!sio_in_room(b, sio_socket_id(a)));
	ck_assert_uint_eq(custom->rooms.len, 0);
	ck_assert_int_eq(sio_to(root, sio_socket_id(a), "ev", NULL), 1);
	expect_text(sa, "42[\"ev\"]");
	expect_empty(sb);
	/* Another socket may join it: then both are reached. */
	ck_assert_int_eq(sio_join(b, sio_socket_id(a)), 0);
	ck_assert(sio_in_room(b, sio_socket_id(a)));
	ck_assert_int_eq(sio_to(root, sio_socket_id(a), "ev", NULL), 2);
	expect_text(sa, "42[\"ev\"]");
	expect_text(sb, "42[\"ev\"]");
	/* A socket may leave its own room (and join it again). */
	ck_assert_int_eq(sio_leave(a, sio_socket_id(a)), 0);
	ck_assert(!sio_in_room(a, sio_socket_id(a)));
	ck_assert_int_eq(sio_to(root, sio_socket_id(a), "ev", NULL), 1);
	expect_text(sb, "42[\"ev\"]");
	expect_empty(sa);
	ck_assert_int_eq(sio_leave(b, sio_socket_id(a)), 0);
	ck_assert_int_eq(sio_to(root, sio_socket_id(a), "ev", NULL), 0);
	ck_assert_int_eq(sio_join(a, sio_socket_id(a)), 0);
	ck_assert(sio_in_room(a, sio_socket_id(a)));
	ck_assert_int_eq(sio_to(root, sio_socket_id(a), "ev", NULL), 1);
	expect_text(sa, "42[\"ev\"]");
	/* Excluding a socket by its own room. */
	const char *ex[] = { sio_socket_id(a) };
	sio_broadcast bc = { .except = ex, .nexcept = 1 };
	ck_assert_int_eq(sio_broadcast_emit(root, &bc, "ev", NULL), 1);
	expect_text(sb, "42[\"ev\"]");
	expect_empty(sa);
}
END_TEST

START_TEST(test_rooms_join_leave)
{
	sio_socket *a = connected(NULL);
	sio_socket *b = connected(NULL);
	size_t base = root->rooms.len;
	ck_assert(!sio_in_room(a, "r"));
	ck_assert_int_eq(sio_join(a, "r"), 0);
	ck_assert(sio_in_room(a, "r"));
	ck_assert(!sio_in_room(b, "r"));
	ck_assert_uint_eq(root->rooms.len, base + 1);
	ck_assert_int_eq(sio_join(a, "r"), 0); /* joining twice is once */
	ck_assert_int_eq(sio_join(b, "r"), 0);
	ck_assert_uint_eq(root->rooms.len, base + 1);
	ck_assert_uint_eq(((sio_room *)base_map_get(&root->rooms, "r"))->members.len, 2);
	ck_assert_int_eq(sio_to(root, "r", "ev", NULL), 2);
	ck_assert_int_eq(sio_leave(a, "r"), 0);
	ck_assert(!sio_in_room(a, "r"));
	ck_assert(sio_in_room(b, "r"));
	ck_assert_uint_eq(root->rooms.len, base + 1); /* b is still in it */
	ck_assert_int_eq(sio_leave(a, "r"), 0);       /* leaving again: nothing */
	ck_assert_int_eq(sio_leave(a, "never-joined"), 0);
	ck_assert_uint_eq(root->rooms.len, base + 1);
	/* The last member leaves: the room is freed. */
	ck_assert_int_eq(sio_leave(b, "r"), 0);
	ck_assert_uint_eq(root->rooms.len, base);
	ck_assert_ptr_null(base_map_get(&root->rooms, "r"));
	ck_assert_int_eq(sio_to(root, "r", "ev", NULL), 0);
	/* Many rooms. */
	char name[16];
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "room%d", i);
		ck_assert_int_eq(sio_join(b, name), 0);
	}
	ck_assert_uint_eq(root->rooms.len, base + 100);
	for (int i = 0; i < 100; i += 2) {
		snprintf(name, sizeof(name), "room%d", i);
		ck_assert_int_eq(sio_leave(b, name), 0);
	}
	ck_assert_uint_eq(root->rooms.len, base + 50);
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "room%d", i);
		ck_assert(sio_in_room(b, name) == (i % 2 == 1));
	}
}
END_TEST

/* Room listing for stats: named rooms with member counts, never the
 * implicit own-id rooms; per-socket room count. */
static void count_room(const char *room, size_t members, void *user)
{
	char *out = user;
	size_t n = strlen(out);
	snprintf(out + n, 256 - n, "%s%s=%zu", n ? "," : "", room, members);
}

START_TEST(test_rooms_listing)
{
	sio_socket *a = connected(NULL);
	sio_socket *b = connected(NULL);
	char out[256] = "";
	sio_namespace_rooms(root, count_room, out);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(sio_socket_room_count(a), 0);
	ck_assert_int_eq(sio_join(a, "x"), 0);
	ck_assert_int_eq(sio_join(b, "x"), 0);
	ck_assert_int_eq(sio_join(b, "y"), 0);
	ck_assert_uint_eq(sio_room_size(root, "x"), 2);
	ck_assert_uint_eq(sio_room_size(root, "y"), 1);
	ck_assert_uint_eq(sio_room_size(root, "z"), 0);
	ck_assert_uint_eq(sio_room_size(custom, "x"), 0);
	ck_assert_uint_eq(sio_socket_room_count(a), 1);
	ck_assert_uint_eq(sio_socket_room_count(b), 2);
	sio_namespace_rooms(root, count_room, out);
	ck_assert(strcmp(out, "x=2,y=1") == 0 || strcmp(out, "y=1,x=2") == 0);
	ck_assert_int_eq(sio_leave(b, "y"), 0);
	ck_assert_uint_eq(sio_socket_room_count(b), 1);
	out[0] = '\0';
	sio_namespace_rooms(root, count_room, out);
	ck_assert_str_eq(out, "x=2");
}
END_TEST

START_TEST(test_rooms_disconnect_leaves_all)
{
	eio_session *s;
	sio_socket *a = connected(&s);
	char aid[24];
	snprintf(aid, sizeof(aid), "%s", sio_socket_id(a));
	eio_session *t;
	sio_socket *b = connected(&t);
	ck_assert_int_eq(sio_join(a, "x"), 0);
	ck_assert_int_eq(sio_join(a, "y"), 0);
	ck_assert_int_eq(sio_join(b, "x"), 0);
	ck_assert_int_eq(sio_join(b, aid), 0); /* b in a's own room */
	feed(s, "1");
	ck_assert_int_eq(ev.ndisc, 1);
	/* "y" is gone, "x" has only b, a's room has only b. */
	ck_assert_ptr_null(base_map_get(&root->rooms, "y"));
	sio_room *x = base_map_get(&root->rooms, "x");
	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(x->members.len, 1);
	ck_assert(sio_in_room(b, "x"));
	ck_assert_uint_eq(sio_namespace_socket_count(root), 1);
	ck_assert_int_eq(sio_to(root, "x", "ev", NULL), 1);
	ck_assert_int_eq(sio_to(root, "y", "ev", NULL), 0);
	ck_assert_int_eq(sio_to(root, aid, "ev", NULL), 1);
	expect_text(t, "42[\"ev\"]");
	expect_text(t, "42[\"ev\"]");
	expect_empty(t);
	/* The last socket gone: no room left at all. */
	feed_engine(t, "1");
	ck_assert_uint_eq(sio_namespace_socket_count(root), 0);
	ck_assert_uint_eq(root->rooms.len, 0);
}
END_TEST

/* n clients on "/", sockets in so[], sessions in es[]. */
static void clients(int n, sio_socket **so, eio_session **es)
{
	for (int i = 0; i < n; i++)
		so[i] = connected(&es[i]);
}

/* The sessions that got exactly one queued packet equal to want (and
 * nothing else), as a bit mask; each taken off the queue. */
static unsigned got_mask(int n, eio_session **es, const char *want)
{
	unsigned mask = 0;
	for (int i = 0; i < n; i++) {
		if (eio_session_queued_count(es[i]) == 0)
			continue;
		ck_assert_uint_eq(eio_session_queued_count(es[i]), 1);
		expect_text(es[i], want);
		mask |= 1u << i;
	}
	return mask;
}

START_TEST(test_rooms_to)
{
	sio_socket *so[4];
	eio_session *es[4];
	clients(4, so, es);
	sio_join(so[0], "r");
	sio_join(so[2], "r");
	ck_assert_int_eq(sio_to(root, "r", "ev", NULL), 2);
	ck_assert_uint_eq(got_mask(4, es, "42[\"ev\"]"), 0x5);
	ck_assert_int_eq(sio_to(root, "empty", "ev", NULL), 0);
	ck_assert_uint_eq(got_mask(4, es, "42[\"ev\"]"), 0);
	/* A socket's id is a room of one. */
	ck_assert_int_eq(sio_to(root, sio_socket_id(so[3]), "ev", NULL), 1);
	ck_assert_uint_eq(got_mask(4, es, "42[\"ev\"]"), 0x8);
	/* With arguments. */
	sio_out *o = sio_out_new();
	sio_out_str(o, "hi");
	ck_assert_int_eq(sio_to(root, "r", "ev", o), 2);
	ck_assert_uint_eq(got_mask(4, es, "42[\"ev\",\"hi\"]"), 0x5);
	sio_out_free(o);
}
END_TEST

START_TEST(test_rooms_several_once)
{
	sio_socket *so[4];
	eio_session *es[4];
	clients(4, so, es);
	sio_join(so[0], "r1");
	sio_join(so[0], "r2");
	sio_join(so[1], "r2");
	sio_join(so[2], "r3");
	const char *rooms[] = { "r1", "r2", "r3", "r2", "none" };
	sio_broadcast b = { .rooms = rooms, .nrooms = 5 };
	ck_assert_int_eq(sio_broadcast_emit(root, &b, "ev", NULL), 3);
	ck_assert_uint_eq(got_mask(4, es, "42[\"ev\"]"), 0x7); /* got_mask: exactly once */
	/* Again: the per-broadcast marks do not leak into the next one. */
	ck_assert_int_eq(sio_broadcast_emit(root, &b, "ev", NULL), 3);
	ck_assert_uint_eq(got_mask(4, es, "42[\"ev\"]"), 0x7);
}
END_TEST

START_TEST(test_rooms_except_and_skip)
{
	sio_socket *so[4];
	eio_session *es[4];
	clients(4, so, es);
	sio_join(so[0], "r1");
	sio_join(so[0], "r2");
	sio_join(so[1], "r2");
	sio_join(so[2], "r2");
	sio_join(so[2], "r3");
	const char *r2[] = { "r2" };
	const char *ex1[] = { "r1" };
	const char *ex13[] = { "r1", "r3" };
	sio_broadcast b = { .rooms = r2, .nrooms = 1, .except = ex1, .nexcept = 1 };
	ck_assert_int_eq(sio_broadcast_emit(root, &b, "ev", NULL), 2);
	ck_assert_uint_eq(got_mask(4, es, "42[\"ev\"]"), 0x6);
	b = (sio_broadcast){ .rooms = r2, .nrooms = 1, .except = ex13, .nexcept = 2 };
	ck_assert_int_eq(sio_broadcast_emit(root, &b, "ev", NULL), 1);
	ck_assert_uint_eq(got_mask(4, es, "42[\"ev\"]"), 0x2);
	/* Except without rooms: everyone else in the namespace. */
	b = (sio_broadcast){ .except = ex13, .nexcept = 2 };
	ck_assert_int_eq(sio_broadcast_emit(root, &b, "ev", NULL), 2);
	ck_assert_uint_eq(got_mask(4, es, "42[\"ev\"]"), 0xa);
	/* skip: the sender. */
	b = (sio_broadcast){ .rooms = r2, .nrooms = 1, .skip = so[1] };
	ck_assert_int_eq(sio_broadcast_emit(root, &b, "ev", NULL), 2);
	ck_assert_uint_eq(got_mask(4, es, "42[\"ev\"]"), 0x5);
	ck_assert_int_eq(sio_socket_broadcast(so[3], "ev", NULL), 3);
	ck_assert_uint_eq(got_mask(4, es, "42[\"ev\"]"), 0x7);
	/* An exception by a socket's own room. */
	const char *exid[] = { sio_socket_id(so[0]) };
	b = (sio_broadcast){ .except = exid, .nexcept = 1 };
	ck_assert_int_eq(sio_broadcast_emit(root, &b, "ev", NULL), 3);
	ck_assert_uint_eq(got_mask(4, es, "42[\"ev\"]"), 0xe);
	/* sio_except: everyone but the members of r3 (so[2]). */
	ck_assert_int_eq(sio_except(root, "r3", "ev", NULL), 3);
	ck_assert_uint_eq(got_mask(4, es, "42[\"ev\"]"), 0xb);
	/* Marks from an except list do not linger: next broadcast reaches all. */
	b = (sio_broadcast){ 0 };
	ck_assert_int_eq(sio_broadcast_emit(root, &b, "ev", NULL), 4);
	ck_assert_uint_eq(got_mask(4, es, "42[\"ev\"]"), 0xf);
}
END_TEST

START_TEST(test_rooms_whole_namespace)
{
	sio_socket *so[3];
	eio_session *es[3];
	clients(3, so, es);
	/* A client on /custom only is not reached by a broadcast to "/". */
	eio_session *other = client();
	join_nsp(other, "/custom", NULL);
	sio_broadcast b = { 0 };
	ck_assert_int_eq(sio_broadcast_emit(root, &b, "ev", NULL), 3);
	ck_assert_uint_eq(got_mask(3, es, "42[\"ev\"]"), 0x7);
	expect_empty(other);
	ck_assert_int_eq(sio_broadcast_emit(custom, &b, "ev", NULL), 1);
	expect_text(other, "42/custom,[\"ev\"]");
	ck_assert_uint_eq(got_mask(3, es, "x"), 0);
	/* A socket that left is not reached. */
	feed(es[1], "1");
	ck_assert_int_eq(sio_broadcast_emit(root, &b, "ev", NULL), 2);
	ck_assert_uint_eq(got_mask(3, es, "42[\"ev\"]"), 0x5);
}
END_TEST

START_TEST(test_rooms_per_namespace)
{
	eio_session *s = client();
	sio_socket *a = join_nsp(s, "/", NULL);
	sio_socket *c = join_nsp(s, "/custom", NULL);
	eio_session *t = client();
	sio_socket *d = join_nsp(t, "/custom", NULL);
	ck_assert_int_eq(sio_join(a, "r"), 0);
	ck_assert_int_eq(sio_join(d, "r"), 0);
	ck_assert(!sio_in_room(c, "r"));
	ck_assert_int_eq(sio_to(root, "r", "ev", NULL), 1);
	expect_text(s, "42[\"ev\"]");
	expect_empty(s);
	expect_empty(t);
	ck_assert_int_eq(sio_to(custom, "r", "ev", NULL), 1);
	expect_text(t, "42/custom,[\"ev\"]");
	expect_empty(s);
	/* Leaving in one namespace leaves the other's room alone. */
	ck_assert_int_eq(sio_leave(a, "r"), 0);
	ck_assert_ptr_null(base_map_get(&root->rooms, "r"));
	ck_assert_ptr_nonnull(base_map_get(&custom->rooms, "r"));
	ck_assert(sio_in_room(d, "r"));
	/* A socket id is a room of its namespace only. */
	ck_assert_int_eq(sio_to(custom, sio_socket_id(a), "ev", NULL), 0);
	expect_empty(s);
}
END_TEST

START_TEST(test_broadcast_shares_msg)
{
	sio_socket *so[3];
	eio_session *es[3];
	clients(3, so, es);
	sio_out *o = sio_out_new();
	sio_out_str(o, "big");
	sio_out_binary(o, S("\x01\x02"));
	sio_broadcast b = { 0 };
	ck_assert_int_eq(sio_broadcast_emit(root, &b, "ev", o), 3);
	eio_msg *text = eio_session_queued_at(es[0], 0);
	ck_assert_str_eq(eio_msg_frame(text, NULL), "451-[\"ev\",\"big\"," PH(0) "]");
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(eio_session_queued_count(es[i]), 2);
		/* One encoding, one reference per recipient. */
		ck_assert_ptr_eq(eio_session_queued_at(es[i], 0), text);
		/* The attachment is the builder's buffer, not a copy. */
		ck_assert_ptr_eq(eio_session_queued_at(es[i], 1), o->atts[0]);
	}
	ck_assert_uint_eq(eio_msg_refcount(text), 3);
	ck_assert_uint_eq(eio_msg_refcount(o->atts[0]), 4);
	/* A plain emit to one socket shares the attachment too. */
	ck_assert_int_eq(sio_emit(so[0], "ev", o), 0);
	ck_assert_ptr_eq(eio_session_queued_at(es[0], 3), o->atts[0]);
	sio_out_free(o);
	for (int i = 0; i < 3; i++) {
		expect_text(es[i], "451-[\"ev\",\"big\"," PH(0) "]");
		expect_bin(es[i], "\x01\x02");
	}
}
END_TEST

/* The room observer (node's adapter "join-room"/"leave-room", which
 * @socket.io/admin-ui shows): every real change once, none for a join or
 * leave that changes nothing, and every room at the disconnection. */
static char changes[512];
static void on_change(sio_socket *s, const char *room, bool joined, void *user)
{
	(void)user;
	char line[96];
	snprintf(line, sizeof(line), "%s%s%s;", joined ? "+" : "-",
	         strcmp(room, sio_socket_id(s)) ? room : "own",
	         sio_socket_connected(s) ? "" : "(gone)");
	strncat(changes, line, sizeof(changes) - strlen(changes) - 1);
}

START_TEST(test_rooms_change_observer)
{
	changes[0] = '\0';
	sio_namespace_on_room_change(root, on_change, NULL);
	eio_session *s;
	sio_socket *a = connected(&s);
	ck_assert_str_eq(changes, "+own;");
	ck_assert_int_eq(sio_join(a, "x"), 0);
	ck_assert_int_eq(sio_join(a, "x"), 0); /* already in: no change */
	ck_assert_int_eq(sio_join(a, "y"), 0);
	ck_assert_int_eq(sio_leave(a, "y"), 0);
	ck_assert_int_eq(sio_leave(a, "y"), 0); /* not in: no change */
	ck_assert_int_eq(sio_join(a, "z"), 0);
	ck_assert_str_eq(changes, "+own;+x;+y;-y;+z;");
	changes[0] = '\0';
	feed(s, "1");
	ck_assert_int_eq(ev.ndisc, 1);
	ck_assert_str_eq(changes, "-own(gone);-z(gone);-x(gone);");
	/* Removed: nothing more. */
	sio_namespace_on_room_change(root, NULL, NULL);
	changes[0] = '\0';
	sio_socket *b = connected(NULL);
	ck_assert_int_eq(sio_join(b, "x"), 0);
	ck_assert_str_eq(changes, "");
}
END_TEST

/* The emit observer (node's onAnyOutgoing): events to one socket, with or
 * without an ack; not broadcasts, not acks. */
static char emits[256];
static void on_emitted(sio_socket *s, const char *event, const sio_out *args, void *user)
{
	(void)s;
	(void)user;
	sio_args *a = args ? sio_args_from_out(args) : NULL;
	char line[64];
	snprintf(line, sizeof(line), "%s/%zu;", event, a ? sio_args_count(a) : 0);
	sio_args_free(a);
	strncat(emits, line, sizeof(emits) - strlen(emits) - 1);
}

static void ignore_ack(sio_socket *s, const sio_args *a, const char *err, void *user)
{
	(void)s;
	(void)a;
	(void)err;
	(void)user;
}

START_TEST(test_emit_observer)
{
	emits[0] = '\0';
	sio_namespace_on_emit(root, on_emitted, NULL);
	eio_session *s;
	sio_socket *a = connected(&s);
	sio_out *o = sio_out_new();
	ck_assert_int_eq(sio_out_int(o, 1), 0);
	ck_assert_int_eq(sio_out_str(o, "two"), 0);
	ck_assert_int_eq(sio_emit(a, "one", o), 0);
	ck_assert_int_eq(sio_emit(a, "none", NULL), 0);
	ck_assert_int_eq(sio_emit_with_ack(a, "asked", o, 1000, ignore_ack, NULL), 0);
	ck_assert_int_eq(sio_to(root, sio_socket_id(a), "broadcast", o), 1);
	sio_out_free(o);
	ck_assert_str_eq(emits, "one/2;none/0;asked/2;");
	sio_namespace_on_emit(root, NULL, NULL);
	ck_assert_int_eq(sio_emit(a, "after", NULL), 0);
	ck_assert_str_eq(emits, "one/2;none/0;asked/2;");
}
END_TEST

/* The ack observer: every ack the server answers, with the time since the
 * event arrived; none for an event that asked for no ack. */
static int acks_seen;
static double ack_ms;
static void on_ack_answered(sio_socket *s, double elapsed_ms, void *user)
{
	(void)s;
	(void)user;
	acks_seen++;
	ack_ms = elapsed_ms;
}

static void answer(sio_socket *s, const char *event, const sio_args *a, sio_ack *ack)
{
	(void)s;
	(void)event;
	(void)a;
	if (ack)
		sio_ack_send(ack, NULL);
}

START_TEST(test_ack_observer)
{
	acks_seen = 0;
	ack_ms = -1;
	sio_namespace_on_ack_answered(root, on_ack_answered, NULL);
	event_hook = answer;
	eio_session *s;
	sio_socket *a = connected(&s);
	sio_on_any(a, on_event, NULL);
	feed(s, "2[\"no-ack\"]");
	ck_assert_int_eq(acks_seen, 0);
	feed(s, "27[\"with-ack\"]");
	expect_text(s, "437[]");
	ck_assert_int_eq(acks_seen, 1);
	ck_assert(ack_ms >= 0 && ack_ms < 1000);
}
END_TEST

/* The server's totals: a volatile broadcast not sent to a socket that
 * cannot take it now, and a client cut off for a full send queue. */
static bool session_gone(void *es)
{
	(void)es;
	return ev.ndisc > 0 && !strcmp(ev.disc[0].reason, "send queue full");
}

START_TEST(test_server_stats)
{
	sio_server_stats st;
	eio_session *s;
	sio_socket *a = connected(&s);
	sio_server_get_stats(srv, &st);
	ck_assert_uint_eq(st.volatile_dropped, 0);
	ck_assert_uint_eq(st.send_queue_full, 0);
	/* something queued: the session is not writable, a volatile packet is dropped */
	ck_assert_int_eq(sio_emit(a, "first", NULL), 0);
	sio_broadcast vb = { .volatile_ = true };
	ck_assert_int_eq(sio_broadcast_emit(root, &vb, "maybe", NULL), 0);
	sio_server_get_stats(srv, &st);
	ck_assert_uint_eq(st.volatile_dropped, 1);
	expect_text(s, "42[\"first\"]");
	expect_empty(s);

	sio_options o;
	sio_options_init(&o);
	o.eio.path = "/small/";
	o.eio.ping_interval_ms = 60000;
	o.eio.max_queued_bytes = 256;
	int err;
	srv2 = sio_server_new(L, &o, &err);
	ck_assert_ptr_nonnull(srv2);
	sio_on_connection(sio_of(srv2, "/"), on_connection, NULL);
	eio_session *small = client_of(srv2);
	sio_socket *b = join_nsp(small, "/", NULL);
	sio_out *big = sio_out_new();
	char blob[120];
	memset(blob, 'x', sizeof(blob) - 1);
	blob[sizeof(blob) - 1] = '\0';
	ck_assert_int_eq(sio_out_str(big, blob), 0);
	for (int i = 0; i < 3; i++)
		sio_emit(b, "big", big);
	sio_out_free(big);
	run_until(session_gone, small);
	sio_server_get_stats(srv2, &st);
	ck_assert_uint_eq(st.send_queue_full, 1);
	sio_server_get_stats(srv, &st);
	ck_assert_uint_eq(st.send_queue_full, 0);
}
END_TEST

/* ---- suite --------------------------------------------------------------------------- */

static Suite *rooms_suite(void)
{
	Suite *s = suite_create("sio_rooms");
	TCase *t = tc(s, "rooms");
	tcase_add_test(t, test_rooms_own_room);
	tcase_add_test(t, test_rooms_join_leave);
	tcase_add_test(t, test_rooms_listing);
	tcase_add_test(t, test_rooms_disconnect_leaves_all);
	tcase_add_test(t, test_rooms_to);
	tcase_add_test(t, test_rooms_several_once);
	tcase_add_test(t, test_rooms_except_and_skip);
	tcase_add_test(t, test_rooms_whole_namespace);
	tcase_add_test(t, test_rooms_per_namespace);
	tcase_add_test(t, test_broadcast_shares_msg);
	tcase_add_test(t, test_rooms_change_observer);
	tcase_add_test(t, test_emit_observer);
	tcase_add_test(t, test_ack_observer);
	tcase_add_test(t, test_server_stats);
	return s;
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	return check_main_run(rooms_suite());
}
