/* fleet.c - sio-echo's fleet hooks: a test client drives, through this
 * member, the operations that span every server sharing the adapter (with
 * --redis, the Redis adapter of include/socketio/redis.h; without it the
 * in-memory adapter, where they cover this process). The twins of
 * interop/reference/fleet.js, so a test drives a C or a node member alike.
 *
 * `sel` is a selector object {rooms?: [...], except?: [...]} (no rooms: the
 * whole namespace); `flags` is {volatile?, local?, compress?}.
 *   whoami (ack)                 ack({port, kind: "c"})
 *   set-data (obj, ack?)         this socket's data (socket.data) := obj
 *   fleet-emit (sel, flags, event, ...args)   broadcast event(...args)
 *   fleet-fetch (sel, ack)       fetchSockets across the fleet -> ack(null |
 *                                error, [{id, rooms, data, handshake}]); a
 *                                local socket's handshake is {auth, query,
 *                                address}, another server's as it sent it
 *   fleet-rooms (ack)            allRooms -> ack(null | error, [rooms])
 *   fleet-count (ack)            serverCount -> ack(n)
 *   fleet-join / fleet-leave (sel, room, ack?)   socketsJoin / socketsLeave
 *   fleet-disconnect (sel, close, ack?)          disconnectSockets(close)
 *   fleet-server-emit (event, withAck, ...args, ack)
 *                                serverSideEmit; with withAck true: ack(null
 *                                | error, [each server's answer]), else ack()
 *   fleet-broadcast-ack (sel, timeoutMs, ...args, ack)
 *                                "question" (...args) with an ack to the
 *                                selected sockets of every server -> ack(null
 *                                | error, [first argument of each answer])
 * Server-side event "ping-server" (...args): this member's clients of the
 * namespace get "server-event" ("ping-server", {port, kind}, ...args), and
 * when the sender waits for answers, this member answers {port, kind}.
 */
#include "fleet.h"

#include <stdlib.h>
#include <string.h>

/* Rooms a selector names, at most (more are ignored). */
#define SEL_MAX 32

static int member_port;

void fleet_set_port(int port)
{
	member_port = port;
}

static void out_me(sio_out *o)
{
	sio_out_object_begin(o);
	sio_out_key(o, "port");
	sio_out_int(o, member_port);
	sio_out_key(o, "kind");
	sio_out_str(o, "c");
	sio_out_object_end(o);
}

/* ---- selectors: {rooms, except} and flags {volatile, local, compress} ---- */

typedef struct selector {
	char *rooms[SEL_MAX], *except[SEL_MAX];
	size_t nrooms, nexcept;
	bool volatile_, local, compress;
	int depth;
	char key[16]; /* the key of the member being read, at depth 1 */
} selector;

static void take_room(char **list, size_t *n, const sio_value *v)
{
	if (*n < SEL_MAX && memchr(v->str, '\0', v->len) == NULL) {
		char *r = strndup(v->str, v->len);
		if (r)
			list[(*n)++] = r;
	}
}

static int sel_value(const sio_value *v, void *u)
{
	selector *s = u;
	switch (v->type) {
	case SIO_ARG_OBJECT:
	case SIO_ARG_ARRAY:
		s->depth++;
		return 0;
	case SIO_ARG_END:
		if (--s->depth == 1)
			s->key[0] = '\0';
		return 0;
	case SIO_ARG_KEY:
		if (s->depth == 1) {
			size_t n = v->len < sizeof(s->key) - 1 ? v->len : sizeof(s->key) - 1;
			memcpy(s->key, v->str, n);
			s->key[n] = '\0';
		}
		return 0;
	case SIO_ARG_STRING:
		if (s->depth == 2 && strcmp(s->key, "rooms") == 0)
			take_room(s->rooms, &s->nrooms, v);
		else if (s->depth == 2 && strcmp(s->key, "except") == 0)
			take_room(s->except, &s->nexcept, v);
		return 0;
	case SIO_ARG_TRUE:
		if (s->depth == 1 && strcmp(s->key, "volatile") == 0)
			s->volatile_ = true;
		else if (s->depth == 1 && strcmp(s->key, "local") == 0)
			s->local = true;
		else if (s->depth == 1 && strcmp(s->key, "compress") == 0)
			s->compress = true;
		return 0;
	default:
		return 0;
	}
}

/* Read argument i (an object; anything else selects the whole namespace). */
static void sel_read(selector *s, const sio_args *a, size_t i)
{
	s->depth = 0;
	s->key[0] = '\0';
	if (sio_args_type(a, i) == SIO_ARG_OBJECT)
		sio_args_walk(a, i, sel_value, s);
}

static sio_broadcast sel_broadcast(const selector *s)
{
	sio_broadcast b = {
		.rooms = (const char *const *)s->rooms,
		.nrooms = s->nrooms,
		.except = (const char *const *)s->except,
		.nexcept = s->nexcept,
		.volatile_ = s->volatile_,
		.local = s->local,
		.compress = s->compress,
	};
	return b;
}

static void sel_free(selector *s)
{
	for (size_t i = 0; i < s->nrooms; i++)
		free(s->rooms[i]);
	for (size_t i = 0; i < s->nexcept; i++)
		free(s->except[i]);
}

static sio_out *args_from(const sio_args *a, size_t from)
{
	sio_out *o = sio_out_new();
	for (size_t i = from; o && i < sio_args_count(a); i++)
		sio_out_arg(o, a, i);
	return o;
}

/* The answers of the fleet requests are [error or null, [...]]: the error
 * or null, then the list begun; answer_send ends the list and sends. */
static sio_out *answer_begin(const char *err)
{
	sio_out *o = sio_out_new();
	if (err)
		sio_out_str(o, err);
	else
		sio_out_null(o);
	sio_out_array_begin(o);
	return o;
}

static void answer_send(sio_ack *ack, sio_out *o)
{
	sio_out_array_end(o);
	sio_ack_send(ack, o);
	sio_out_free(o);
}

/* ---- socket.data ---- */

/* set-data (obj): node's socket.data = obj; what the other members see of
 * this socket in fetchSockets (sio_socket_set_data). Binary has no JSON
 * form: ignored. */
static void on_set_data(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack, void *u)
{
	(void)ev;
	(void)u;
	size_t n;
	const char *json = sio_args_json(a, 0, &n);
	if (json && sio_args_attachment_count(a) == 0)
		sio_socket_set_data(s, json, n);
	if (ack)
		sio_ack_send(ack, NULL);
}

/* ---- hooks ---- */

static void on_whoami(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack, void *u)
{
	(void)s;
	(void)ev;
	(void)a;
	(void)u;
	if (!ack)
		return;
	sio_out *o = sio_out_new();
	out_me(o);
	sio_ack_send(ack, o);
	sio_out_free(o);
}

static void on_fleet_emit(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack, void *u)
{
	(void)ev;
	(void)ack;
	(void)u;
	const char *event = sio_args_str(a, 2, NULL);
	if (!event)
		return;
	selector sel = { 0 };
	sel_read(&sel, a, 0);
	sel_read(&sel, a, 1);
	sio_broadcast b = sel_broadcast(&sel);
	sio_out *o = args_from(a, 3);
	sio_broadcast_emit(sio_socket_namespace(s), &b, event, o);
	sio_out_free(o);
	sel_free(&sel);
}

/* A local socket's handshake: {auth, query, address}. */
static void out_local_handshake(sio_out *o, sio_socket *s)
{
	size_t n;
	const char *auth = sio_socket_auth(s, &n);
	const eio_request *req = eio_session_request(sio_socket_session(s));
	sio_out_object_begin(o);
	sio_out_key(o, "auth");
	sio_out_json(o, auth, n);
	sio_out_key(o, "query");
	sio_out_object_begin(o);
	const char *name, *value;
	for (size_t i = 0; req && eio_request_query_at(req, i, &name, &value); i++) {
		sio_out_key(o, name);
		sio_out_str(o, value);
	}
	sio_out_object_end(o);
	sio_out_key(o, "address");
	if (req && eio_request_address(req))
		sio_out_str(o, eio_request_address(req));
	else
		sio_out_null(o);
	sio_out_object_end(o);
}

/* Raw JSON from another server, or null when it sent none. */
static void out_json_or_null(sio_out *o, const char *json)
{
	if (!json || sio_out_json(o, json, strlen(json)) != 0)
		sio_out_null(o);
}

static void on_fetched(sio_namespace *nsp, const sio_socket_info *sockets, size_t n,
                       const char *err, void *u)
{
	(void)nsp;
	sio_ack *ack = u;
	sio_out *o = answer_begin(err);
	for (size_t i = 0; i < n; i++) {
		const sio_socket_info *si = &sockets[i];
		sio_out_object_begin(o);
		sio_out_key(o, "id");
		sio_out_str(o, si->id);
		sio_out_key(o, "rooms");
		sio_out_array_begin(o);
		for (size_t r = 0; r < si->nrooms; r++)
			sio_out_str(o, si->rooms[r]);
		sio_out_array_end(o);
		sio_out_key(o, "data");
		if (si->local) {
			size_t n;
			const char *data = sio_socket_data(si->local, &n);
			if (sio_out_json(o, data, n) != 0)
				sio_out_null(o);
		} else {
			out_json_or_null(o, si->data_json);
		}
		sio_out_key(o, "handshake");
		if (si->local)
			out_local_handshake(o, si->local);
		else
			out_json_or_null(o, si->handshake_json);
		sio_out_object_end(o);
	}
	answer_send(ack, o);
}

static void on_fleet_fetch(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack, void *u)
{
	(void)ev;
	(void)u;
	if (!ack)
		return;
	selector sel = { 0 };
	sel_read(&sel, a, 0);
	sio_broadcast b = sel_broadcast(&sel);
	sio_ack_retain(ack);
	if (sio_fetch_sockets_async(sio_socket_namespace(s), &b, 0, on_fetched, ack) != 0)
		sio_ack_drop(ack);
	sel_free(&sel);
}

static void on_rooms(sio_namespace *nsp, const char *const *rooms, size_t n, const char *err,
                     void *u)
{
	(void)nsp;
	sio_ack *ack = u;
	sio_out *o = answer_begin(err);
	for (size_t i = 0; i < n; i++)
		sio_out_str(o, rooms[i]);
	answer_send(ack, o);
}

static void on_fleet_rooms(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack, void *u)
{
	(void)ev;
	(void)a;
	(void)u;
	if (!ack)
		return;
	sio_ack_retain(ack);
	if (sio_all_rooms(sio_socket_namespace(s), 0, on_rooms, ack) != 0)
		sio_ack_drop(ack);
}

static void on_count(sio_namespace *nsp, size_t servers, void *u)
{
	(void)nsp;
	sio_out *o = sio_out_new();
	sio_out_int(o, (int64_t)servers);
	sio_ack_send(u, o);
	sio_out_free(o);
}

static void on_fleet_count(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack, void *u)
{
	(void)ev;
	(void)a;
	(void)u;
	if (!ack)
		return;
	sio_ack_retain(ack);
	if (sio_server_count(sio_socket_namespace(s), on_count, ack) != 0)
		sio_ack_drop(ack);
}

static void on_fleet_join_leave(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack,
                                void *u)
{
	(void)u;
	const char *room = sio_args_str(a, 1, NULL);
	if (room) {
		selector sel = { 0 };
		sel_read(&sel, a, 0);
		sio_broadcast b = sel_broadcast(&sel);
		if (strcmp(ev, "fleet-join") == 0)
			sio_sockets_join(sio_socket_namespace(s), &b, room);
		else
			sio_sockets_leave(sio_socket_namespace(s), &b, room);
		sel_free(&sel);
	}
	if (ack)
		sio_ack_send(ack, NULL);
}

static void on_fleet_disconnect(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack,
                                void *u)
{
	(void)ev;
	(void)u;
	/* answer first: the sender may be among the sockets disconnected */
	if (ack)
		sio_ack_send(ack, NULL);
	selector sel = { 0 };
	sel_read(&sel, a, 0);
	sio_broadcast b = sel_broadcast(&sel);
	sio_disconnect_sockets(sio_socket_namespace(s), &b, sio_args_type(a, 1) == SIO_ARG_TRUE);
	sel_free(&sel);
}

/* [error or null, [first argument of each answer]] */
static void on_answers(sio_namespace *nsp, const sio_args *const *resp, size_t n, const char *err,
                       void *u)
{
	(void)nsp;
	sio_ack *ack = u;
	sio_out *o = answer_begin(err);
	for (size_t i = 0; i < n; i++) {
		if (sio_args_count(resp[i]) > 0)
			sio_out_arg(o, resp[i], 0);
		else
			sio_out_null(o);
	}
	answer_send(ack, o);
}

static void on_fleet_server_emit(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack,
                                 void *u)
{
	(void)ev;
	(void)u;
	const char *event = sio_args_str(a, 0, NULL);
	if (!event)
		return;
	sio_namespace *nsp = sio_socket_namespace(s);
	sio_out *o = args_from(a, 2);
	if (sio_args_type(a, 1) == SIO_ARG_TRUE && ack) {
		sio_ack_retain(ack);
		if (sio_server_side_emit_with_ack(nsp, event, o, 0, on_answers, ack) != 0)
			sio_ack_drop(ack);
	} else {
		sio_server_side_emit(nsp, event, o);
		if (ack)
			sio_ack_send(ack, NULL);
	}
	sio_out_free(o);
}

static void on_fleet_broadcast_ack(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack,
                                   void *u)
{
	(void)ev;
	(void)u;
	if (!ack)
		return;
	int64_t timeout = 500;
	if (sio_args_int(a, 1, &timeout) != 0 || timeout <= 0 || timeout > 60000)
		timeout = 500;
	selector sel = { 0 };
	sel_read(&sel, a, 0);
	sio_broadcast b = sel_broadcast(&sel);
	sio_out *o = args_from(a, 2);
	sio_ack_retain(ack);
	if (sio_broadcast_emit_with_ack(sio_socket_namespace(s), &b, "question", o,
	                                (unsigned)timeout, on_answers, ack) < 0)
		sio_ack_drop(ack);
	sio_out_free(o);
	sel_free(&sel);
}

void fleet_add_handlers(sio_namespace *nsp)
{
	sio_namespace_on(nsp, "whoami", on_whoami, NULL);
	sio_namespace_on(nsp, "set-data", on_set_data, NULL);
	sio_namespace_on(nsp, "fleet-emit", on_fleet_emit, NULL);
	sio_namespace_on(nsp, "fleet-fetch", on_fleet_fetch, NULL);
	sio_namespace_on(nsp, "fleet-rooms", on_fleet_rooms, NULL);
	sio_namespace_on(nsp, "fleet-count", on_fleet_count, NULL);
	sio_namespace_on(nsp, "fleet-join", on_fleet_join_leave, NULL);
	sio_namespace_on(nsp, "fleet-leave", on_fleet_join_leave, NULL);
	sio_namespace_on(nsp, "fleet-disconnect", on_fleet_disconnect, NULL);
	sio_namespace_on(nsp, "fleet-server-emit", on_fleet_server_emit, NULL);
	sio_namespace_on(nsp, "fleet-broadcast-ack", on_fleet_broadcast_ack, NULL);
}

static void on_ping_server(sio_namespace *nsp, const char *event, const sio_args *args,
                           sio_out *reply, void *u)
{
	(void)u;
	sio_out *o = sio_out_new();
	sio_out_str(o, event);
	out_me(o);
	for (size_t i = 0; args && i < sio_args_count(args); i++)
		sio_out_arg(o, args, i);
	sio_broadcast b = { .local = true };
	sio_broadcast_emit(nsp, &b, "server-event", o);
	sio_out_free(o);
	if (reply)
		out_me(reply);
}

void fleet_add_server_handlers(sio_namespace *nsp)
{
	sio_namespace_on_server_event(nsp, "ping-server", on_ping_server, NULL);
}
