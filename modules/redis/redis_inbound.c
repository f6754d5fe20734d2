/* redis_inbound.c - what arrives from Redis: other servers' broadcasts,
 * their requests (answered as node's onrequest does), and the answers to
 * this server's requests (node's onresponse), for the adapter in
 * redis_adapter.c.
 *
 * Before decoding: a message on a room channel for a room without a socket
 * here is dropped (node's onmessage does the same: hasRoom), unless the
 * library keeps packets for connection state recovery, and this
 * server's own broadcasts and requests coming back are recognised by their
 * first bytes (the uid is the first field node and we write) and dropped,
 * but for socketsJoin / socketsLeave / disconnectSockets, which node
 * applies when they come back. Anything that does not decode is counted
 * (stats.malformed) and ignored.
 */
#include "redis_adapter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- this server's own messages ---------------------------------------------------- */

/* msgpack [uid, ...]: fixarray 3 (4 with a recovery number), fixstr 6. */
static bool own_broadcast(const sio_redis *r, const unsigned char *p, size_t len)
{
	return len >= 8 && (p[0] == 0x93 || p[0] == 0x94) && p[1] == 0xa6 &&
	       memcmp(p + 2, r->uid, 6) == 0;
}

/* JSON {"uid":"UID",... or msgpack {uid: UID, ... (type 7). */
static bool own_request(const sio_redis *r, const unsigned char *p, size_t len)
{
	char prefix[32];
	int n = snprintf(prefix, sizeof(prefix), "{\"uid\":\"%s\"", r->uid);
	if (len >= (size_t)n && memcmp(p, prefix, (size_t)n) == 0)
		return true;
	return len >= 12 && p[0] >= 0x81 && p[0] <= 0x8f && memcmp(p + 1, "\xa3uid\xa6", 5) == 0 &&
	       memcmp(p + 6, r->uid, 6) == 0;
}

static bool is_own_uid(const sio_redis *r, const char *uid)
{
	return uid && strcmp(uid, r->uid) == 0;
}

/* ---- broadcasts -------------------------------------------------------------------- */

static void none(sio_socket *s, void *u)
{
	(void)s;
	(void)u;
}

/* A room with a socket here: a joined room, or a socket's own id. */
static bool has_room(sio_namespace *nsp, const char *room)
{
	if (sio_room_size(nsp, room) > 0)
		return true;
	sio_broadcast b = { .rooms = &room, .nrooms = 1 };
	return sio_fetch_sockets(nsp, &b, none, NULL) > 0;
}

static sio_broadcast opts_broadcast(const redis_msg *m)
{
	return (sio_broadcast){ .rooms = m->opts.rooms,
		                .nrooms = m->opts.nrooms,
		                .except = m->opts.except,
		                .nexcept = m->opts.nexcept,
		                .volatile_ = m->opts.volatile_,
		                .compress = m->opts.compress };
}

static void on_broadcast(redis_nsp *rn, const char *room, size_t room_len, const char *payload,
                         size_t len)
{
	sio_redis *r = rn->r;
	if (own_broadcast(r, (const unsigned char *)payload, len))
		return;
	r->stats.received++;
	if (room_len > 0) {
		/* key#nsp#ROOM#: the room ends before the last '#'. */
		if (room[room_len - 1] != '#')
			return;
		char *name = malloc(room_len);
		if (!name)
			return;
		memcpy(name, room, room_len - 1);
		name[room_len - 1] = '\0';
		bool here = strlen(name) == room_len - 1 &&
		            (has_room(rn->nsp, name) || sio_namespace_keeps_packets(rn->nsp));
		free(name);
		if (!here)
			return;
	}
	redis_msg m;
	redis_msg_init(&m);
	int e = redis_wire_decode_broadcast(&m, payload, len);
	if (e == REDIS_WIRE_EMALFORMED)
		r->stats.malformed++;
	if (e == 0 && !is_own_uid(r, m.uid) && strcmp(m.nsp, sio_namespace_name(rn->nsp)) == 0) {
		sio_broadcast o = opts_broadcast(&m);
		sio_adapter_packet p = {
			SIO_PACKET_EVENT, rn->nsp, m.event, m.args, NULL, NULL, 0
		};
		if (m.seq && m.uid) {
			redis_marks_received(rn, m.uid, m.seq);
			p.origin = m.uid; /* the broadcast's fleet identity */
			p.origin_seq = m.seq;
		}
		sio_adapter_broadcast_local(rn->nsp, &p, &o);
	}
	redis_msg_free(&m);
}

/* ---- answering requests ------------------------------------------------------------ */

static void answer(redis_nsp *rn, const redis_msg *m, base_buf *b, int e)
{
	if (e == 0)
		redis_publish_answer(rn, m->uid, b);
	base_buf_free(b);
}

/* A growable list of strings (owned). */
typedef struct strs {
	char **v;
	size_t n, cap;
	bool oom;
} strs;

static void strs_add(strs *l, const char *s)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? 2 * l->cap : 16;
		char **nv = realloc(l->v, nc * sizeof(*nv));
		if (!nv) {
			l->oom = true;
			return;
		}
		l->v = nv;
		l->cap = nc;
	}
	if (!(l->v[l->n] = strdup(s)))
		l->oom = true;
	else
		l->n++;
}

static void strs_free(strs *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static void add_id(sio_socket *s, void *u)
{
	strs_add(u, sio_socket_id(s));
}

static void add_room(const char *room, size_t members, void *u)
{
	(void)members;
	strs_add(u, room);
}

static void add_room_name(const char *room, void *u)
{
	strs_add(u, room);
}

/* 0 (old): the ids of this server's sockets in the rooms. */
static void answer_sockets_ids(redis_nsp *rn, const redis_msg *m)
{
	strs ids = { 0 };
	sio_broadcast o = { .rooms = m->rooms, .nrooms = m->nrooms };
	sio_fetch_sockets(rn->nsp, &o, add_id, &ids);
	base_buf b;
	base_buf_init(&b);
	int e = ids.oom ? SIO_ENOMEM
	                : redis_wire_answer_ids(&b, m->request_id, (const char *const *)ids.v,
	                                        ids.n);
	answer(rn, m, &b, e);
	strs_free(&ids);
}

/* 1: this server's rooms, with the room each socket is in under its own id:
 * node's in-memory adapter keeps that room like any other, so a node member's
 * answer lists socket ids, and a node requester expects ours to. */
static void answer_all_rooms(redis_nsp *rn, const redis_msg *m)
{
	strs rooms = { 0 };
	sio_namespace_rooms(rn->nsp, add_room, &rooms);
	sio_broadcast all = { 0 };
	sio_fetch_sockets(rn->nsp, &all, add_id, &rooms);
	base_buf b;
	base_buf_init(&b);
	int e = rooms.oom ? SIO_ENOMEM
	                  : redis_wire_answer_rooms(&b, m->request_id, (const char *const *)rooms.v,
	                                            rooms.n);
	answer(rn, m, &b, e);
	strs_free(&rooms);
}

/* 5: node's {id, handshake, rooms, data} of each targeted socket. */
typedef struct fetch_ctx {
	sio_socket_info *v;
	strs *rooms; /* one list per socket */
	char **hs;
	size_t n, cap;
	bool oom;
} fetch_ctx;

static void add_socket(sio_socket *s, void *u)
{
	fetch_ctx *c = u;
	if (c->n == c->cap) {
		size_t nc = c->cap ? 2 * c->cap : 8;
		sio_socket_info *nv = realloc(c->v, nc * sizeof(*nv));
		if (nv)
			c->v = nv;
		strs *nr = realloc(c->rooms, nc * sizeof(*nr));
		if (nr)
			c->rooms = nr;
		char **nh = realloc(c->hs, nc * sizeof(*nh));
		if (nh)
			c->hs = nh;
		if (!nv || !nr || !nh) {
			c->oom = true;
			return;
		}
		c->cap = nc;
	}
	strs *rooms = &c->rooms[c->n];
	*rooms = (strs){ 0 };
	sio_socket_rooms(s, add_room_name, rooms);
	base_buf b;
	base_buf_init(&b);
	int e = redis_wire_handshake_json(&b, s);
	char *hs = e == 0 ? malloc(b.len + 1) : NULL;
	if (hs) {
		memcpy(hs, b.data, b.len);
		hs[b.len] = '\0';
	}
	base_buf_free(&b);
	if (!hs || rooms->oom) {
		free(hs);
		strs_free(rooms);
		c->oom = true;
		return;
	}
	c->hs[c->n] = hs;
	c->v[c->n] = (sio_socket_info){ sio_socket_id(s), s,  (const char *const *)rooms->v,
		                        rooms->n,         hs, sio_socket_data(s, NULL) };
	c->n++;
}

static void answer_fetch(redis_nsp *rn, const redis_msg *m)
{
	fetch_ctx c = { 0 };
	sio_broadcast o = opts_broadcast(m);
	sio_fetch_sockets(rn->nsp, &o, add_socket, &c);
	base_buf b;
	base_buf_init(&b);
	int e = c.oom ? SIO_ENOMEM : redis_wire_answer_sockets(&b, m->request_id, c.v, c.n);
	answer(rn, m, &b, e);
	for (size_t i = 0; i < c.n; i++) {
		strs_free(&c.rooms[i]);
		free(c.hs[i]);
	}
	free(c.v);
	free(c.rooms);
	free(c.hs);
}

/* The old forms of 2 / 3 / 4: one socket by id, then {requestId}. */
typedef struct one_ctx {
	const redis_msg *m;
	bool found;
} one_ctx;

static void act_on_one(sio_socket *s, void *u)
{
	one_ctx *c = u;
	if (c->found || strcmp(sio_socket_id(s), c->m->sid) != 0)
		return;
	c->found = true;
	if (c->m->type == REDIS_REMOTE_JOIN)
		sio_join(s, c->m->room);
	else if (c->m->type == REDIS_REMOTE_LEAVE)
		sio_leave(s, c->m->room);
	else
		sio_disconnect(s, c->m->close);
}

static void apply_old_form(redis_nsp *rn, const redis_msg *m)
{
	one_ctx c = { m, false };
	sio_broadcast o = { .rooms = &m->sid, .nrooms = 1 };
	sio_fetch_sockets(rn->nsp, &o, act_on_one, &c);
	if (!c.found || !m->request_id)
		return;
	base_buf b;
	base_buf_init(&b);
	answer(rn, m, &b, redis_wire_answer_done(&b, m->request_id));
}

static void apply_socket_op(redis_nsp *rn, const redis_msg *m)
{
	if (!m->has_opts) {
		apply_old_form(rn, m);
		return;
	}
	sio_broadcast o = opts_broadcast(m);
	if (m->type == REDIS_REMOTE_JOIN)
		sio_adapter_sockets_join_local(rn->nsp, &o, m->rooms, m->nrooms);
	else if (m->type == REDIS_REMOTE_LEAVE)
		sio_adapter_sockets_leave_local(rn->nsp, &o, m->rooms, m->nrooms);
	else
		sio_adapter_disconnect_local(rn->nsp, &o, m->close);
}

/* 6: this server's handlers; with a requestId, the first argument of their
 * answer (node's callback takes one), when a handler ran. */
static void server_side_emit(redis_nsp *rn, const redis_msg *m)
{
	sio_args *a = sio_args_from_out(m->args);
	if (!a)
		return;
	sio_out *reply = m->request_id ? sio_out_new() : NULL;
	int n = sio_adapter_server_event(rn->nsp, m->event, a, reply);
	if (reply && n > 0) {
		base_buf b;
		base_buf_init(&b);
		answer(rn, m, &b, redis_wire_answer_server_side_emit(&b, m->request_id, reply));
	}
	sio_out_free(reply);
	sio_args_free(a);
}

/* 7: this server's clients, each ack sent back as it comes (8, then 9s). */
typedef struct ack_relay {
	redis_link *link;
	char *channel;
	char *request_id;
	size_t left;
} ack_relay;

static void relay_free(ack_relay *a)
{
	redis_link_unref(a->link);
	free(a->channel);
	free(a->request_id);
	free(a);
}

static void relay_publish(ack_relay *a, base_buf *b, int e)
{
	if (e == 0 && a->link->conn)
		redis_conn_publish(a->link->conn, a->channel, b->data, b->len);
	base_buf_free(b);
}

static void relay_count(size_t clients, void *u)
{
	ack_relay *a = u;
	base_buf b;
	base_buf_init(&b);
	relay_publish(a, &b, redis_wire_client_count(&b, a->request_id, clients));
	a->left = clients;
	if (clients == 0)
		relay_free(a);
}

static void relay_ack(const sio_args *args, void *u)
{
	ack_relay *a = u;
	if (args) { /* NULL: the client went away */
		base_buf b;
		base_buf_init(&b);
		relay_publish(a, &b, redis_wire_client_ack(&b, a->request_id, args));
	}
	if (--a->left == 0)
		relay_free(a);
}

static void broadcast_with_ack(redis_nsp *rn, const redis_msg *m)
{
	ack_relay *a = calloc(1, sizeof(*a));
	if (!a)
		return;
	a->link = rn->r->link;
	a->link->refs++;
	a->request_id = strdup(m->request_id);
	if (rn->r->o->publish_on_specific_response_channel && m->uid) {
		size_t n = strlen(rn->resp_channel) + strlen(m->uid) + 2;
		if ((a->channel = malloc(n)))
			snprintf(a->channel, n, "%s%s#", rn->resp_channel, m->uid);
	} else {
		a->channel = strdup(rn->resp_channel);
	}
	if (!a->request_id || !a->channel) {
		relay_free(a);
		return;
	}
	sio_broadcast o = opts_broadcast(m);
	sio_adapter_packet p = { SIO_PACKET_EVENT, rn->nsp, m->event, m->args, NULL, NULL, 0 };
	if (sio_adapter_broadcast_local_with_ack(rn->nsp, &p, &o, relay_count, relay_ack, a) < 0)
		relay_free(a);
}

static void on_request(redis_nsp *rn, const char *payload, size_t len)
{
	sio_redis *r = rn->r;
	bool own = own_request(r, (const unsigned char *)payload, len);
	if (!own)
		r->stats.received++;
	redis_msg m;
	redis_msg_init(&m);
	int e = redis_wire_decode_request(&m, payload, len);
	if (e == REDIS_WIRE_EMALFORMED)
		r->stats.malformed++;
	if (e < 0) {
		redis_msg_free(&m);
		return;
	}
	/* node ignores its own requests (by requestId, or uid for 6) but
	 * applies its own 2 / 3 / 4. */
	own = own || is_own_uid(r, m.uid) || redis_pending_find(r->reqs, m.request_id);
	switch (m.type) {
	case REDIS_SOCKETS:
		if (!own)
			answer_sockets_ids(rn, &m);
		break;
	case REDIS_ALL_ROOMS:
		if (!own)
			answer_all_rooms(rn, &m);
		break;
	case REDIS_REMOTE_JOIN:
	case REDIS_REMOTE_LEAVE:
	case REDIS_REMOTE_DISCONNECT:
		apply_socket_op(rn, &m);
		break;
	case REDIS_REMOTE_FETCH:
		if (!own)
			answer_fetch(rn, &m);
		break;
	case REDIS_SERVER_SIDE_EMIT:
		if (!own)
			server_side_emit(rn, &m);
		break;
	case REDIS_BROADCAST:
		if (!own && strcmp(m.nsp, sio_namespace_name(rn->nsp)) == 0)
			broadcast_with_ack(rn, &m);
		break;
	default:
		break;
	}
	redis_msg_free(&m);
}

/* ---- answers to this server's requests -------------------------------------------- */

/* A decoded value as the arguments of one answer (none: no arguments). */
static sio_args *value_args(const sio_out *v)
{
	if (v)
		return sio_args_from_out(v);
	sio_out *empty = sio_out_new();
	sio_args *a = empty ? sio_args_from_out(empty) : NULL;
	sio_out_free(empty);
	return a;
}

static void on_response(redis_nsp *rn, const char *payload, size_t len)
{
	sio_redis *r = rn->r;
	r->stats.received++;
	redis_msg m;
	redis_msg_init(&m);
	int e = redis_wire_decode_response(&m, payload, len);
	if (e == REDIS_WIRE_EMALFORMED)
		r->stats.malformed++;
	redis_pending *p = e == 0 ? redis_pending_find(r->reqs, m.request_id) : NULL;
	sio_request *req = p ? redis_pending_request(p) : NULL;
	sio_args *a = NULL;
	switch (p ? redis_pending_type(p) : -1) {
	case REDIS_ALL_ROOMS:
		sio_request_add_rooms(req, m.rooms, m.nrooms);
		redis_pending_answered(p);
		break;
	case REDIS_REMOTE_FETCH:
		sio_request_add_sockets(req, m.sockets, m.nsockets);
		redis_pending_answered(p);
		break;
	case REDIS_SERVER_SIDE_EMIT:
		a = value_args(m.value);
		sio_request_add_reply(req, a);
		redis_pending_answered(p);
		break;
	case REDIS_BROADCAST:
		if (m.type == REDIS_BROADCAST_CLIENT_COUNT) {
			sio_request_client_count(req, (size_t)m.client_count);
			redis_pending_answered(p);
		} else if (m.type == REDIS_BROADCAST_ACK && (a = value_args(m.value))) {
			sio_request_client_ack(req, a);
		}
		break;
	default:
		break;
	}
	sio_args_free(a);
	redis_msg_free(&m);
}

/* ---- routing by channel ------------------------------------------------------------ */

static bool starts(const char *s, size_t n, const char *prefix, size_t *plen)
{
	*plen = strlen(prefix);
	return n >= *plen && memcmp(s, prefix, *plen) == 0;
}

void redis_inbound(const char *channel, size_t channel_len, const char *payload, size_t len,
                   void *user)
{
	sio_redis *r = user;
	if (r->closing)
		return;
	for (redis_nsp *rn = r->nsps; rn; rn = rn->next) {
		size_t n;
		if (starts(channel, channel_len, rn->resp_channel, &n)) {
			on_response(rn, payload, len);
			return;
		}
		if (starts(channel, channel_len, rn->req_channel, &n) && n == channel_len) {
			on_request(rn, payload, len);
			return;
		}
		if (starts(channel, channel_len, rn->channel, &n)) {
			on_broadcast(rn, channel + n, channel_len - n, payload, len);
			return;
		}
	}
}
