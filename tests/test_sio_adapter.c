/* test_sio_adapter.c - Check unit tests for the adapter seam
 * (include/socketio/adapter.h; socketio/sio_adapter.c, sio_broadcast.c,
 * sio_request.c, sio_cluster.c) on a real Engine.IO server, without HTTP;
 * the fixture is sio_fixture.h.
 *
 * How: a test adapter, written against the public headers only as a
 * distributed adapter would be, records what each op receives and answers
 * requests later, from a libuv timer, as replies from other servers would
 * arrive. It applies broadcasts and socket operations to this server's
 * sockets with the sio_adapter_*_local functions.
 *
 * Why: a distributed adapter (Redis) must get the decoded packet and its
 * options, not only bytes, and the library must merge the other servers'
 * answers with this server's: fetchSockets, allRooms, serverCount,
 * serverSideEmit and broadcast with acks complete when every expected
 * answer is in, or at their timeout with what arrived, and never twice.
 */
#include "sio_fixture.h"
#include "check_main.h"

/* ---- the test adapter -------------------------------------------------------------- */

#define MAXTXT 512

/* A walk written out: JSON-like, binary as <hex>, numbers as their text. */
typedef struct text {
	char s[MAXTXT];
	size_t n;
	bool comma[16]; /* at this depth, the next value needs a comma */
	int depth;
} text;

static void put(text *t, const char *s)
{
	t->n += (size_t)snprintf(t->s + t->n, sizeof(t->s) - t->n, "%s", s);
}

static int write_value(const sio_value *v, void *u)
{
	text *t = u;
	if (v->type != SIO_ARG_END && t->comma[t->depth])
		put(t, ",");
	char buf[128];
	switch (v->type) {
	case SIO_ARG_END:
		t->depth--;
		put(t, "}");
		return 0;
	case SIO_ARG_OBJECT:
	case SIO_ARG_ARRAY:
		snprintf(buf, sizeof(buf), "%s%zu:", v->type == SIO_ARG_OBJECT ? "{o" : "{a",
		         v->count);
		put(t, buf);
		t->comma[t->depth] = true;
		t->comma[++t->depth] = false;
		return 0;
	case SIO_ARG_KEY:
		snprintf(buf, sizeof(buf), "%.*s=", (int)v->len, v->str);
		put(t, buf);
		t->comma[t->depth] = false;
		return 0;
	case SIO_ARG_STRING:
		snprintf(buf, sizeof(buf), "\"%.*s\"", (int)v->len, v->str);
		break;
	case SIO_ARG_NUMBER:
		snprintf(buf, sizeof(buf), "%.*s%s", (int)v->len, v->str, v->is_int ? "i" : "d");
		break;
	case SIO_ARG_BINARY: {
		size_t k = 0;
		buf[k++] = '<';
		for (size_t i = 0; i < v->len && k < sizeof(buf) - 4; i++)
			k += (size_t)snprintf(buf + k, sizeof(buf) - k, "%02x",
			                      ((const unsigned char *)v->str)[i]);
		buf[k++] = '>';
		buf[k] = '\0';
		break;
	}
	case SIO_ARG_TRUE:
		snprintf(buf, sizeof(buf), "true");
		break;
	case SIO_ARG_FALSE:
		snprintf(buf, sizeof(buf), "false");
		break;
	default:
		snprintf(buf, sizeof(buf), "null");
		break;
	}
	put(t, buf);
	t->comma[t->depth] = true;
	return 0;
}

static void out_text(const sio_out *o, char *dst)
{
	text t = { 0 };
	if (o)
		ck_assert_int_eq(sio_out_walk(o, write_value, &t), 0);
	snprintf(dst, MAXTXT, "%s", t.s);
}

static void join_names(const char *const *names, size_t n, char *dst)
{
	size_t k = 0;
	dst[0] = '\0';
	for (size_t i = 0; i < n; i++)
		k += (size_t)snprintf(dst + k, MAXTXT - k, "%s%s", i ? "," : "", names[i]);
}

static struct {
	int inits, closes, created, deleted;
	char room_log[MAXTXT];
	int nbroadcast, nbroadcast_ack, njoin, nleave, ndisconnect, nsse;
	/* the last broadcast, as received */
	int type;
	char nsp[32], event[64], args[MAXTXT], rooms[MAXTXT], except[MAXTXT], skip[24];
	bool volatile_, local, compress;
	unsigned timeout_ms;
	bool close;
	sio_request *req;     /* the request being answered later */
	void (*answer)(void); /* runs from the timer */
	int local_sent;
} ta;

static uv_timer_t answer_timer;

static void on_answer_timer(uv_timer_t *t)
{
	(void)t;
	void (*fn)(void) = ta.answer;
	ta.answer = NULL;
	if (fn)
		fn();
}

/* Answer later, from the loop, as a reply from another server would. */
static void later(void (*fn)(void), unsigned ms)
{
	ta.answer = fn;
	uv_timer_start(&answer_timer, on_answer_timer, ms, 0);
}

static int ta_init(sio_namespace *nsp, void *user)
{
	ck_assert_ptr_eq(user, &ta);
	*sio_namespace_adapter_data(nsp) = &ta;
	ta.inits++;
	return 0;
}

static void ta_close(sio_namespace *nsp, void *user)
{
	(void)user;
	ck_assert_ptr_eq(*sio_namespace_adapter_data(nsp), &ta);
	ta.closes++;
}

static void ta_room_created(sio_namespace *nsp, const char *room, void *user)
{
	(void)nsp;
	(void)user;
	ta.created++;
	size_t n = strlen(ta.room_log);
	snprintf(ta.room_log + n, sizeof(ta.room_log) - n, "+%s", room);
}

static void ta_room_deleted(sio_namespace *nsp, const char *room, void *user)
{
	(void)nsp;
	(void)user;
	ta.deleted++;
	size_t n = strlen(ta.room_log);
	snprintf(ta.room_log + n, sizeof(ta.room_log) - n, "-%s", room);
}

static void record(const sio_adapter_packet *p, const sio_broadcast *o)
{
	ta.type = p->type;
	snprintf(ta.nsp, sizeof(ta.nsp), "%s", sio_namespace_name(p->nsp));
	snprintf(ta.event, sizeof(ta.event), "%s", p->event);
	out_text(p->args, ta.args);
	join_names(o->rooms, o->nrooms, ta.rooms);
	join_names(o->except, o->nexcept, ta.except);
	snprintf(ta.skip, sizeof(ta.skip), "%s", o->skip ? sio_socket_id(o->skip) : "");
	ta.volatile_ = o->volatile_;
	ta.local = o->local;
	ta.compress = o->compress;
}

static int ta_broadcast(sio_namespace *nsp, const sio_adapter_packet *p, const sio_broadcast *o,
                        void *user)
{
	(void)user;
	ta.nbroadcast++;
	record(p, o);
	return sio_adapter_broadcast_local(nsp, p, o);
}

static int ta_broadcast_with_ack(sio_namespace *nsp, const sio_adapter_packet *p,
                                 const sio_broadcast *o, unsigned timeout_ms, sio_request *r,
                                 void *user)
{
	(void)user;
	ta.nbroadcast_ack++;
	record(p, o);
	ta.timeout_ms = timeout_ms;
	ta.req = r;
	ta.local_sent = sio_adapter_broadcast_local_with_ack(nsp, p, o, sio_request_local_count,
	                                                     sio_request_local_ack, r);
	return ta.local_sent;
}

static int ta_join(sio_namespace *nsp, const sio_broadcast *o, const char *const *rooms, size_t n,
                   void *user)
{
	(void)user;
	ta.njoin++;
	join_names(rooms, n, ta.rooms);
	return sio_adapter_sockets_join_local(nsp, o, rooms, n);
}

static int ta_leave(sio_namespace *nsp, const sio_broadcast *o, const char *const *rooms, size_t n,
                    void *user)
{
	(void)user;
	ta.nleave++;
	join_names(rooms, n, ta.rooms);
	return sio_adapter_sockets_leave_local(nsp, o, rooms, n);
}

static int ta_disconnect(sio_namespace *nsp, const sio_broadcast *o, bool close, void *user)
{
	(void)user;
	ta.ndisconnect++;
	ta.close = close;
	return sio_adapter_disconnect_local(nsp, o, close);
}

static void ta_fetch(sio_namespace *nsp, const sio_broadcast *o, sio_request *r, void *user)
{
	(void)nsp;
	(void)user;
	join_names(o->rooms, o->nrooms, ta.rooms);
	ta.req = r;
}

static void ta_all_rooms(sio_namespace *nsp, sio_request *r, void *user)
{
	(void)nsp;
	(void)user;
	ta.req = r;
}

static void ta_server_count(sio_namespace *nsp, sio_request *r, void *user)
{
	(void)nsp;
	(void)user;
	ta.req = r;
}

static void ta_server_side_emit(sio_namespace *nsp, const char *event, const sio_out *args,
                                sio_request *r, void *user)
{
	(void)nsp;
	(void)user;
	ta.nsse++;
	snprintf(ta.event, sizeof(ta.event), "%s", event);
	out_text(args, ta.args);
	ta.req = r;
}

static const sio_adapter_ops test_adapter = {
	.name = "test",
	.init = ta_init,
	.close = ta_close,
	.room_created = ta_room_created,
	.room_deleted = ta_room_deleted,
	.broadcast = ta_broadcast,
	.broadcast_with_ack = ta_broadcast_with_ack,
	.sockets_join = ta_join,
	.sockets_leave = ta_leave,
	.disconnect_sockets = ta_disconnect,
	.fetch_sockets = ta_fetch,
	.all_rooms = ta_all_rooms,
	.server_count = ta_server_count,
	.server_side_emit = ta_server_side_emit,
};

static void use_test_adapter(void)
{
	memset(&ta, 0, sizeof(ta));
	uv_timer_init(&loop, &answer_timer);
	ck_assert_int_eq(sio_server_set_adapter(srv, &test_adapter, &ta), 0);
}

static void drop_test_adapter(void)
{
	uv_close((uv_handle_t *)&answer_timer, NULL);
}

/* ---- what requests completed with ------------------------------------------------- */

static struct {
	int calls;
	char err[64];
	size_t n;
	char items[MAXTXT]; /* ids, rooms or replies, comma-separated */
	bool local[8];
	char rooms0[MAXTXT]; /* rooms of the first socket */
	char handshake[64];
	size_t servers;
	int own_rooms; /* rooms named by own_id (allRooms), left out of items */
} done;

/* The id of the socket whose own room allRooms lists (node's adapter keeps it). */
static const char *own_id;

static bool done_called(void *arg)
{
	(void)arg;
	return done.calls > 0;
}

static void set_err(const char *err)
{
	snprintf(done.err, sizeof(done.err), "%s", err ? err : "");
}

/* A list-valued completion: one more call, its error and size. */
static void begin_done(const char *err, size_t n)
{
	done.calls++;
	set_err(err);
	done.n = n;
	done.items[0] = '\0';
}

static void on_fetch(sio_namespace *nsp, const sio_socket_info *s, size_t n, const char *err,
                     void *user)
{
	(void)nsp;
	(void)user;
	begin_done(err, n);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		k += (size_t)snprintf(done.items + k, sizeof(done.items) - k, "%s%s", i ? "," : "",
		                      s[i].local ? "local" : s[i].id);
		if (i < 8)
			done.local[i] = s[i].local != NULL;
		if (s[i].handshake_json)
			snprintf(done.handshake, sizeof(done.handshake), "%s", s[i].handshake_json);
	}
	if (n)
		join_names(s[0].rooms, s[0].nrooms, done.rooms0);
}

static void on_rooms(sio_namespace *nsp, const char *const *rooms, size_t n, const char *err,
                     void *user)
{
	(void)nsp;
	(void)user;
	done.calls++;
	set_err(err);
	done.n = n;
	/* A set: sort for the comparison. */
	const char *sorted[16];
	ck_assert_uint_le(n, 16);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (own_id && strcmp(rooms[i], own_id) == 0)
			done.own_rooms++;
		else
			sorted[k++] = rooms[i];
	}
	n = k;
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(sorted[j - 1], sorted[j]) > 0; j--) {
			const char *x = sorted[j];
			sorted[j] = sorted[j - 1];
			sorted[j - 1] = x;
		}
	join_names(sorted, n, done.items);
}

static void on_count(sio_namespace *nsp, size_t servers, void *user)
{
	(void)nsp;
	(void)user;
	done.calls++;
	done.servers = servers;
}

static void on_replies(sio_namespace *nsp, const sio_args *const *r, size_t n, const char *err,
                       void *user)
{
	(void)nsp;
	(void)user;
	begin_done(err, n);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = 0;
		const char *js = sio_args_json(r[i], 0, &len);
		k += (size_t)snprintf(done.items + k, sizeof(done.items) - k, "%s%.*s",
		                      i ? "," : "", js ? (int)len : 0, js ? js : "");
	}
}

/* A reply as another server would deliver it: decoded into a builder. */
static sio_args *reply_args(const char *str)
{
	sio_out *o = sio_out_new();
	ck_assert_int_eq(sio_out_str(o, str), 0);
	sio_args *a = sio_args_from_out(o);
	sio_out_free(o);
	ck_assert_ptr_nonnull(a);
	return a;
}

/* ===================================================================================
 * broadcast: the decoded packet and its options reach the adapter
 * =================================================================================== */

START_TEST(test_adapter_broadcast_decoded)
{
	use_test_adapter();
	ck_assert_int_eq(ta.inits, 2); /* "/" and "/custom" exist */
	eio_session *es[3];
	sio_socket *so[3];
	for (int i = 0; i < 3; i++) {
		so[i] = connected(&es[i]);
		ck_assert_int_eq(sio_join(so[i], "r"), 0);
	}
	sio_out *o = sio_out_new();
	sio_out_str(o, "x");
	sio_out_binary(o, S("\x01\x02"));
	sio_out_object_begin(o);
	sio_out_key(o, "k");
	sio_out_array_begin(o);
	sio_out_int(o, 1);
	sio_out_double(o, 2.5);
	sio_out_bool(o, true);
	sio_out_null(o);
	sio_out_array_end(o);
	sio_out_object_end(o);
	const char *rooms[] = { "r", "s" }, *except[] = { "e" };
	sio_broadcast b = { .rooms = rooms,
		            .nrooms = 2,
		            .except = except,
		            .nexcept = 1,
		            .skip = so[0],
		            .compress = true };
	ck_assert_int_eq(sio_broadcast_emit(root, &b, "ev", o), 2);
	ck_assert_int_eq(ta.nbroadcast, 1);
	ck_assert_int_eq(ta.type, SIO_PACKET_EVENT);
	ck_assert_str_eq(ta.nsp, "/");
	ck_assert_str_eq(ta.event, "ev");
	ck_assert_str_eq(ta.args, "\"x\",<0102>,{o1:k={a4:1i,2.5d,true,null}}");
	ck_assert_str_eq(ta.rooms, "r,s");
	ck_assert_str_eq(ta.except, "e");
	ck_assert_str_eq(ta.skip, sio_socket_id(so[0]));
	ck_assert(!ta.volatile_ && !ta.local && ta.compress);
	/* The local share went out, encoded once, with its attachment. */
	expect_empty(es[0]);
	for (int i = 1; i < 3; i++) {
		expect_text(es[i], "451-[\"ev\",\"x\"," PH(0) ",{\"k\":[1,2.5,true,null]}]");
		expect_bin(es[i], "\x01\x02");
	}
	/* Flags pass as they were set. */
	b = (sio_broadcast){ .volatile_ = true, .local = true };
	sio_broadcast_emit(root, &b, "v", NULL);
	ck_assert(ta.volatile_ && ta.local && !ta.compress);
	ck_assert_str_eq(ta.args, "");
	ck_assert_str_eq(ta.rooms, "");
	/* Shorthands go through it too. */
	ck_assert_int_eq(sio_to(custom, "nobody", "t", NULL), 0);
	ck_assert_int_eq(ta.nbroadcast, 3);
	ck_assert_str_eq(ta.nsp, "/custom");
	for (int i = 0; i < 3; i++)
		while (eio_session_queued_count(es[i]))
			eio_msg_unref(eio_session_take(es[i]));
	sio_out_free(o);
	drop_test_adapter();
}
END_TEST

START_TEST(test_adapter_namespace_and_room_hooks)
{
	use_test_adapter();
	ck_assert_int_eq(ta.inits, 2);
	ck_assert_ptr_nonnull(sio_of(srv, "/late"));
	ck_assert_int_eq(ta.inits, 3);
	eio_session *s;
	sio_socket *so = connected(&s);
	/* A socket's own room is not reported. */
	ck_assert_int_eq(ta.created, 0);
	sio_join(so, "a");
	sio_join(so, "a");
	sio_join(so, "b");
	sio_leave(so, "a");
	ck_assert_str_eq(ta.room_log, "+a+b-a");
	/* A second member creates nothing. */
	eio_session *t;
	sio_socket *so2 = connected(&t);
	sio_join(so2, "b");
	ck_assert_int_eq(ta.created, 2);
	/* Disconnecting leaves every room: the last member deletes it. */
	sio_disconnect(so, false);
	ck_assert_str_eq(ta.room_log, "+a+b-a");
	sio_disconnect(so2, false);
	ck_assert_str_eq(ta.room_log, "+a+b-a-b");
	/* Only before any socket connects; then close runs for each. */
	eio_session *u;
	connected(&u);
	ck_assert_int_eq(sio_server_set_adapter(srv, &sio_memory_adapter, NULL), SIO_EINVAL);
	ck_assert_int_eq(ta.closes, 0);
	drop_test_adapter();
}
END_TEST

START_TEST(test_adapter_set_validates)
{
	sio_adapter_ops partial = test_adapter;
	partial.fetch_sockets = NULL;
	ck_assert_int_eq(sio_server_set_adapter(srv, &partial, NULL), SIO_EINVAL);
	ck_assert_int_eq(sio_server_set_adapter(srv, NULL, NULL), SIO_EINVAL);
	use_test_adapter();
	/* Back to memory: the test adapter is closed for each namespace. */
	ck_assert_int_eq(sio_server_set_adapter(srv, &sio_memory_adapter, NULL), 0);
	ck_assert_int_eq(ta.closes, 2);
	ck_assert_ptr_null(*sio_namespace_adapter_data(root));
	drop_test_adapter();
}
END_TEST

START_TEST(test_adapter_socket_operations)
{
	use_test_adapter();
	eio_session *es[2];
	sio_socket *so[2];
	so[0] = connected(&es[0]);
	so[1] = connected(&es[1]);
	sio_join(so[0], "a");
	const char *a[] = { "a" };
	sio_broadcast in_a = { .rooms = a, .nrooms = 1 };
	ck_assert_int_eq(sio_sockets_join(root, &in_a, "j"), 1);
	ck_assert_int_eq(ta.njoin, 1);
	ck_assert_str_eq(ta.rooms, "j");
	ck_assert(sio_in_room(so[0], "j") && !sio_in_room(so[1], "j"));
	ck_assert_int_eq(sio_sockets_leave(root, &in_a, "j"), 1);
	ck_assert_int_eq(ta.nleave, 1);
	ck_assert(!sio_in_room(so[0], "j"));
	/* Several rooms at once, as another server's request carries them. */
	const char *two[] = { "x", "y" };
	ck_assert_int_eq(sio_adapter_sockets_join_local(root, &(sio_broadcast){ 0 }, two, 2), 2);
	ck_assert(sio_in_room(so[1], "x") && sio_in_room(so[1], "y"));
	ck_assert_int_eq(sio_adapter_sockets_leave_local(root, &(sio_broadcast){ 0 }, two, 2), 2);
	ck_assert_uint_eq(sio_socket_room_count(so[1]), 0);
	ck_assert_int_eq(sio_disconnect_sockets(root, &in_a, true), 1);
	ck_assert_int_eq(ta.ndisconnect, 1);
	ck_assert(ta.close);
	expect_text(es[0], "41");
	ck_assert(closing(es[0]));
	ck_assert(!closing(es[1]));
	drop_test_adapter();
}
END_TEST

/* ===================================================================================
 * requests answered by other servers, later
 * =================================================================================== */

static void fetch_answer_second(void)
{
	sio_socket_info s = { .id = "remote2" };
	sio_request_add_sockets(ta.req, &s, 1);
	sio_request_release(ta.req);
}

static void fetch_answer_first(void)
{
	const char *rooms[] = { "remote1", "r" };
	sio_socket_info s[] = {
		{ .id = "remote1", .rooms = rooms, .nrooms = 2, .handshake_json = "{\"auth\":{}}" }
	};
	sio_request_expect(ta.req, 2);
	sio_request_add_sockets(ta.req, s, 1);
	ck_assert_int_eq(done.calls, 0); /* one server still to answer */
	later(fetch_answer_second, 1);
}

START_TEST(test_adapter_fetch_merges_local_and_remote)
{
	use_test_adapter();
	memset(&done, 0, sizeof(done));
	eio_session *es[3];
	sio_socket *so[3];
	for (int i = 0; i < 3; i++)
		so[i] = connected(&es[i]);
	sio_join(so[0], "r");
	sio_join(so[2], "r");
	const char *r[] = { "r" };
	sio_broadcast b = { .rooms = r, .nrooms = 1 };
	ck_assert_int_eq(sio_fetch_sockets_async(root, &b, 1000, on_fetch, NULL), 0);
	ck_assert_str_eq(ta.rooms, "r");
	ck_assert_int_eq(done.calls, 0); /* waits for the other servers */
	later(fetch_answer_first, 1);
	/* A local target that leaves meanwhile is not given. */
	sio_disconnect(so[2], false);
	run_until(done_called, NULL);
	ck_assert_int_eq(done.calls, 1);
	ck_assert_str_eq(done.err, "");
	ck_assert_uint_eq(done.n, 3);
	ck_assert_str_eq(done.items, "local,remote1,remote2");
	ck_assert(done.local[0] && !done.local[1]);
	char want[64];
	snprintf(want, sizeof(want), "%s,r", sio_socket_id(so[0]));
	ck_assert_str_eq(done.rooms0, want); /* its own id first, as node */
	ck_assert_str_eq(done.handshake, "{\"auth\":{}}");
	drop_test_adapter();
}
END_TEST

static void fetch_answer_one_of_two(void)
{
	sio_socket_info s = { .id = "remote1" };
	sio_request_expect(ta.req, 2);
	sio_request_add_sockets(ta.req, &s, 1);
	/* The adapter keeps the request past the timeout: a late answer. */
}

START_TEST(test_adapter_fetch_timeout_with_what_arrived)
{
	use_test_adapter();
	memset(&done, 0, sizeof(done));
	eio_session *s;
	connected(&s);
	ck_assert_int_eq(sio_fetch_sockets_async(root, &(sio_broadcast){ 0 }, 30, on_fetch, NULL),
	                 0);
	later(fetch_answer_one_of_two, 1);
	run_until(done_called, NULL);
	ck_assert_str_eq(done.err, "operation has timed out");
	ck_assert_str_eq(done.items, "local,remote1");
	/* The late answer is ignored; the callback ran once. */
	sio_socket_info late = { .id = "late" };
	sio_request_add_sockets(ta.req, &late, 1);
	sio_request_release(ta.req);
	ck_assert_int_eq(done.calls, 1);
	drop_test_adapter();
}
END_TEST

static void count_answer(void)
{
	sio_request_server_count(ta.req, 3);
	sio_request_release(ta.req);
}

static void rooms_answer(void)
{
	const char *other[] = { "b", "c" }, *third[] = { "c", "d" };
	sio_request_expect(ta.req, 2);
	sio_request_add_rooms(ta.req, other, 2);
	sio_request_add_rooms(ta.req, third, 2);
	sio_request_release(ta.req);
}

START_TEST(test_adapter_server_count_and_all_rooms)
{
	use_test_adapter();
	memset(&done, 0, sizeof(done));
	ck_assert_int_eq(sio_server_count(root, on_count, NULL), 0);
	ck_assert_int_eq(done.calls, 0);
	later(count_answer, 1);
	run_until(done_called, NULL);
	ck_assert_uint_eq(done.servers, 3);
	eio_session *s;
	sio_socket *so = connected(&s);
	sio_join(so, "a");
	sio_join(so, "b");
	memset(&done, 0, sizeof(done));
	own_id = sio_socket_id(so);
	ck_assert_int_eq(sio_all_rooms(root, 1000, on_rooms, NULL), 0);
	ck_assert_int_eq(done.calls, 0);
	later(rooms_answer, 1);
	run_until(done_called, NULL);
	ck_assert_str_eq(done.err, "");
	ck_assert_str_eq(done.items, "a,b,c,d"); /* the union */
	ck_assert_int_eq(done.own_rooms, 1);     /* and the socket's own room */
	own_id = NULL;
	drop_test_adapter();
}
END_TEST

static void sse_answer(void)
{
	sio_request_expect(ta.req, 2);
	sio_args *a = reply_args("from-2"), *b = reply_args("from-3");
	sio_request_add_reply(ta.req, a);
	sio_request_add_reply(ta.req, b);
	sio_args_free(a);
	sio_args_free(b);
	sio_request_release(ta.req);
}

static int server_events;
static void on_server_event(sio_namespace *nsp, const char *event, const sio_args *args,
                            sio_out *reply, void *user)
{
	(void)nsp;
	server_events++;
	ck_assert_str_eq(event, "hello");
	ck_assert_str_eq(user, "h");
	size_t n;
	ck_assert_str_eq(sio_args_str(args, 0, &n), "world");
	if (reply)
		sio_out_str(reply, "pong");
}

START_TEST(test_adapter_server_side_emit)
{
	use_test_adapter();
	memset(&done, 0, sizeof(done));
	server_events = 0;
	ck_assert_int_eq(sio_namespace_on_server_event(root, "hello", on_server_event, "h"), 0);
	sio_out *o = sio_out_new();
	sio_out_str(o, "world");
	/* To the other servers only: no local handler runs. */
	ck_assert_int_eq(sio_server_side_emit(root, "hello", o), 0);
	ck_assert_int_eq(ta.nsse, 1);
	ck_assert_str_eq(ta.event, "hello");
	ck_assert_str_eq(ta.args, "\"world\"");
	ck_assert_ptr_null(ta.req);
	ck_assert_int_eq(server_events, 0);
	/* With acks: one answer per server. */
	ck_assert_int_eq(sio_server_side_emit_with_ack(root, "hello", o, 1000, on_replies, NULL),
	                 0);
	ck_assert_ptr_nonnull(ta.req);
	later(sse_answer, 1);
	run_until(done_called, NULL);
	ck_assert_str_eq(done.err, "");
	ck_assert_str_eq(done.items, "\"from-2\",\"from-3\"");
	/* Another server's event, applied here by the adapter. */
	sio_args *in = sio_args_from_out(o);
	sio_out *reply = sio_out_new();
	ck_assert_int_eq(sio_adapter_server_event(root, "hello", in, reply), 1);
	ck_assert_int_eq(sio_adapter_server_event(root, "other", in, NULL), 0);
	ck_assert_int_eq(server_events, 1);
	char got[MAXTXT];
	out_text(reply, got);
	ck_assert_str_eq(got, "\"pong\"");
	sio_args_free(in);
	sio_out_free(reply);
	sio_out_free(o);
	drop_test_adapter();
}
END_TEST

/* ===================================================================================
 * broadcast with acks across servers
 * =================================================================================== */

static void remote_count(void)
{
	sio_request_expect(ta.req, 1);
	sio_request_client_count(ta.req, 2);
}

static void remote_acks(void)
{
	sio_args *a = reply_args("remote-a"), *b = reply_args("remote-b");
	sio_request_client_ack(ta.req, a);
	sio_request_client_ack(ta.req, b);
	sio_args_free(a);
	sio_args_free(b);
	sio_request_release(ta.req);
}

static int64_t ack_id_of(eio_session *s)
{
	const char *f = queued_frame(s, 0); /* "42<id>[...]" */
	ck_assert_msg(strncmp(f, "42", 2) == 0, "frame %s", f);
	return strtoll(f + 2, NULL, 10);
}

static void answer_locally(eio_session *s, const char *value)
{
	char pkt[64];
	snprintf(pkt, sizeof(pkt), "3%" PRId64 "[\"%s\"]", ack_id_of(s), value);
	eio_msg_unref(eio_session_take(s));
	feed(s, pkt);
}

START_TEST(test_adapter_broadcast_with_ack_counts_remote)
{
	use_test_adapter();
	memset(&done, 0, sizeof(done));
	eio_session *es[2];
	connected(&es[0]);
	connected(&es[1]);
	ck_assert_int_eq(sio_broadcast_emit_with_ack(root, &(sio_broadcast){ 0 }, "q", NULL, 1000,
	                                             on_replies, NULL),
	                 2);
	ck_assert_int_eq(ta.nbroadcast_ack, 1);
	ck_assert_str_eq(ta.event, "q");
	ck_assert_uint_eq(ta.timeout_ms, 1000);
	/* Every local client answers: still waiting for the other server. */
	answer_locally(es[0], "local-0");
	answer_locally(es[1], "local-1");
	ck_assert_int_eq(done.calls, 0);
	later(remote_count, 1);
	ck_assert(!run_loop_until(done_called, NULL, 20)); /* 2 remote acks awaited */
	remote_acks();
	ck_assert_int_eq(done.calls, 1);
	ck_assert_str_eq(done.err, "");
	ck_assert_uint_eq(done.n, 4);
	ck_assert_str_eq(done.items, "\"local-0\",\"local-1\",\"remote-a\",\"remote-b\"");
	drop_test_adapter();
}
END_TEST

static void remote_count_one_ack(void)
{
	sio_request_expect(ta.req, 1);
	sio_request_client_count(ta.req, 2);
	sio_args *a = reply_args("remote-a");
	sio_request_client_ack(ta.req, a);
	sio_args_free(a);
}

START_TEST(test_adapter_broadcast_with_ack_timeout)
{
	use_test_adapter();
	memset(&done, 0, sizeof(done));
	eio_session *s;
	connected(&s);
	ck_assert_int_eq(sio_broadcast_emit_with_ack(root, &(sio_broadcast){ 0 }, "q", NULL, 40,
	                                             on_replies, NULL),
	                 1);
	answer_locally(s, "local");
	later(remote_count_one_ack, 1);
	run_until(done_called, NULL);
	ck_assert_str_eq(done.err, "operation has timed out");
	ck_assert_str_eq(done.items, "\"local\",\"remote-a\"");
	/* A remote ack after completion is ignored. */
	sio_args *late = reply_args("late");
	sio_request_client_ack(ta.req, late);
	sio_args_free(late);
	sio_request_release(ta.req);
	ck_assert_int_eq(done.calls, 1);
	drop_test_adapter();
}
END_TEST

/* ===================================================================================
 * the in-memory adapter: requests complete at once with the local answer
 * =================================================================================== */

START_TEST(test_memory_adapter_requests_complete_at_once)
{
	eio_session *s;
	sio_socket *so = connected(&s);
	sio_join(so, "a");
	memset(&done, 0, sizeof(done));
	ck_assert_int_eq(sio_fetch_sockets_async(root, &(sio_broadcast){ 0 }, 0, on_fetch, NULL),
	                 0);
	ck_assert_int_eq(done.calls, 1);
	ck_assert_str_eq(done.items, "local");
	memset(&done, 0, sizeof(done));
	own_id = sio_socket_id(so);
	ck_assert_int_eq(sio_all_rooms(root, 0, on_rooms, NULL), 0);
	ck_assert_int_eq(done.calls, 1);
	ck_assert_str_eq(done.items, "a");
	ck_assert_int_eq(done.own_rooms, 1);
	own_id = NULL;
	memset(&done, 0, sizeof(done));
	ck_assert_int_eq(sio_server_count(root, on_count, NULL), 0);
	ck_assert_int_eq(done.calls, 1);
	ck_assert_uint_eq(done.servers, 1);
	memset(&done, 0, sizeof(done));
	ck_assert_int_eq(sio_server_side_emit(root, "x", NULL), 0);
	ck_assert_int_eq(sio_server_side_emit_with_ack(root, "x", NULL, 0, on_replies, NULL), 0);
	ck_assert_int_eq(done.calls, 1);
	ck_assert_uint_eq(done.n, 0);
	ck_assert_str_eq(done.err, "");
	expect_empty(s);
}
END_TEST

/* The local share with the adapter's own callbacks: count once, then one
 * ack per recipient (NULL for one that left). */
static struct {
	int counts, acks, gone;
	size_t counted;
	char last[32];
} relay;

static void relay_count(size_t n, void *user)
{
	ck_assert_str_eq(user, "u");
	relay.counts++;
	relay.counted = n;
}

static void relay_ack(const sio_args *a, void *user)
{
	ck_assert_str_eq(user, "u");
	if (!a) {
		relay.gone++;
		return;
	}
	relay.acks++;
	size_t n;
	snprintf(relay.last, sizeof(relay.last), "%s", sio_args_str(a, 0, &n));
}

START_TEST(test_adapter_local_with_ack_callbacks)
{
	memset(&relay, 0, sizeof(relay));
	eio_session *es[2];
	sio_socket *so[2];
	so[0] = connected(&es[0]);
	so[1] = connected(&es[1]);
	sio_out *o = sio_out_new();
	sio_out_int(o, 7);
	sio_adapter_packet p = { SIO_PACKET_EVENT, root, "q", o, NULL, NULL, 0 };
	ck_assert_int_eq(sio_adapter_broadcast_local_with_ack(root, &p, &(sio_broadcast){ 0 },
	                                                      relay_count, relay_ack, "u"),
	                 2);
	ck_assert_int_eq(relay.counts, 1);
	ck_assert_uint_eq(relay.counted, 2);
	answer_locally(es[0], "yes");
	ck_assert_int_eq(relay.acks, 1);
	ck_assert_str_eq(relay.last, "yes");
	sio_disconnect(so[1], false);
	ck_assert_int_eq(relay.gone, 1);
	/* A broadcast from another server, applied here. */
	ck_assert_int_eq(sio_adapter_broadcast_local(root, &p, &(sio_broadcast){ 0 }), 1);
	expect_text(es[0], "42[\"q\",7]");
	/* An open builder is refused. */
	sio_out_array_begin(o);
	ck_assert_int_eq(sio_adapter_broadcast_local(root, &p, &(sio_broadcast){ 0 }), SIO_EINVAL);
	ck_assert_int_eq(sio_broadcast_emit(root, &(sio_broadcast){ 0 }, "q", o), SIO_EINVAL);
	sio_out_free(o);
}
END_TEST

/* ===================================================================================
 * a packet's parts: walks and owned arguments
 * =================================================================================== */

static void walk_arg(const sio_args *a, size_t i, char *dst)
{
	text t = { 0 };
	ck_assert_int_eq(sio_args_walk(a, i, write_value, &t), 0);
	snprintf(dst, MAXTXT, "%s", t.s);
}

static char kept[16];
static int keep_value(const sio_value *v, void *u)
{
	*(sio_value *)u = *v;
	memcpy(kept, v->str, v->len < sizeof(kept) ? v->len : sizeof(kept));
	return 0;
}

START_TEST(test_args_parse_and_walk)
{
	const char *pkt = "2[\"ev\",{\"a\":\"\\u00e9\",\"n\":9007199254740993,\"f\":-0.5},[],"
	                  "\"s\\u0000t\"," PH(0) "]";
	sio_args *a = sio_args_parse(pkt, strlen(pkt));
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(sio_args_count(a), 4);
	char got[MAXTXT];
	walk_arg(a, 0, got);
	ck_assert_str_eq(got, "{o3:a=\"\xc3\xa9\",n=9007199254740993i,f=-0.5d}");
	walk_arg(a, 1, got);
	ck_assert_str_eq(got, "{a0:}");
	/* A string with a NUL keeps its length. */
	sio_value str = { 0 };
	ck_assert_int_eq(sio_args_walk(a, 2, keep_value, &str), 0);
	ck_assert_int_eq(str.type, SIO_ARG_STRING);
	ck_assert_uint_eq(str.len, 3);
	ck_assert_mem_eq(kept, "s\0t", 3);
	/* Without attachments a placeholder is plain data. */
	walk_arg(a, 3, got);
	ck_assert_str_eq(got, "{o2:_placeholder=true,num=0i}");
	ck_assert_int_eq(sio_args_walk(a, 4, write_value, &(text){ 0 }), SIO_EINVAL);
	sio_args_free(a);
	/* Not an EVENT, or not a packet: refused. */
	ck_assert_ptr_null(sio_args_parse(S("3[\"x\"]")));
	ck_assert_ptr_null(sio_args_parse(S("2[\"connect\"]")));
	ck_assert_ptr_null(sio_args_parse(S("2{")));
	/* sio_args_free takes only owned arguments: a view is left alone. */
	sio_args_free(NULL);
}
END_TEST

static int stop_at_binary(const sio_value *v, void *u)
{
	(void)u;
	return v->type == SIO_ARG_BINARY ? 42 : 0;
}

START_TEST(test_out_walk_and_from_out)
{
	sio_out *o = sio_out_new();
	sio_out_array_begin(o);
	sio_out_binary(o, S("\xff"));
	sio_out_str(o, "k");
	sio_out_array_end(o);
	sio_out_json(o, S("{\"x\":[1,{\"y\":null}]}"));
	char got[MAXTXT];
	out_text(o, got);
	ck_assert_str_eq(got, "{a2:<ff>,\"k\"},{o1:x={a2:1i,{o1:y=null}}}");
	/* A non-zero return stops the walk and is returned. */
	ck_assert_int_eq(sio_out_walk(o, stop_at_binary, NULL), 42);
	/* The builder's arguments as arguments, binary shared. */
	sio_args *a = sio_args_from_out(o);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(sio_args_count(a), 2);
	ck_assert_uint_eq(sio_args_attachment_count(a), 1);
	size_t n;
	const unsigned char *b = sio_args_attachment(a, 0, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(b[0], 0xff);
	ck_assert_int_eq(sio_args_type(a, 1), SIO_ARG_OBJECT);
	sio_args_free(a);
	/* An open builder gives nothing. */
	sio_out_object_begin(o);
	ck_assert_ptr_null(sio_args_from_out(o));
	ck_assert_int_eq(sio_out_walk(o, write_value, &(text){ 0 }), SIO_EINVAL);
	sio_out_free(o);
	/* An empty builder: no arguments. */
	sio_out *e = sio_out_new();
	a = sio_args_from_out(e);
	ck_assert_uint_eq(sio_args_count(a), 0);
	sio_args_free(a);
	sio_out_free(e);
}
END_TEST

/* ---- suite --------------------------------------------------------------------------- */

static Suite *adapter_suite(void)
{
	Suite *s = suite_create("sio_adapter");
	TCase *t = tc(s, "seam");
	tcase_add_test(t, test_adapter_broadcast_decoded);
	tcase_add_test(t, test_adapter_namespace_and_room_hooks);
	tcase_add_test(t, test_adapter_set_validates);
	tcase_add_test(t, test_adapter_socket_operations);
	t = tc(s, "requests");
	tcase_add_test(t, test_adapter_fetch_merges_local_and_remote);
	tcase_add_test(t, test_adapter_fetch_timeout_with_what_arrived);
	tcase_add_test(t, test_adapter_server_count_and_all_rooms);
	tcase_add_test(t, test_adapter_server_side_emit);
	tcase_add_test(t, test_adapter_broadcast_with_ack_counts_remote);
	tcase_add_test(t, test_adapter_broadcast_with_ack_timeout);
	t = tc(s, "memory");
	tcase_add_test(t, test_memory_adapter_requests_complete_at_once);
	tcase_add_test(t, test_adapter_local_with_ack_callbacks);
	t = tc(s, "parts");
	tcase_add_test(t, test_args_parse_and_walk);
	tcase_add_test(t, test_out_walk_and_from_out);
	return s;
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	return check_main_run(adapter_suite());
}
