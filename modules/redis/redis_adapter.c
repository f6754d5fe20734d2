/* redis_adapter.c - the Redis adapter's public functions (socketio/redis.h)
 * and its sio_adapter_ops: what this server sends to the others.
 *
 * As node's RedisAdapter (index.ts), per namespace: broadcasts are
 * published on key#nsp#, or key#nsp#ROOM# for exactly one room, then
 * delivered locally (so they reach this server's clients while Redis is
 * away); flags.local is never published. socketsJoin / socketsLeave /
 * disconnectSockets are published and applied when they come back from
 * Redis, as node does (while Redis is down they are applied here at once
 * too: they are idempotent, and this server's clients should not wait for
 * Redis). Requests with answers count the other servers with PUBSUB NUMSUB
 * of the request channel (every member subscribes to it once), publish,
 * and collect the answers (redis_request.c, redis_inbound.c); without
 * Redis they complete with this server's answer.
 *
 * Subscriptions: node's PSUBSCRIBE key#nsp#*, or with room_subscriptions
 * SUBSCRIBE key#nsp# plus key#nsp#ROOM# while this server has a socket in
 * ROOM (room_created / room_deleted), and one PSUBSCRIBE for the
 * single-socket channels (every socket is in the room of its id, and ids
 * have REDIS_SID_LEN characters); plus the request and response channels.
 */
#include "redis_adapter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- channels ---------------------------------------------------------------------- */

static char *concat(const char *a, const char *b, const char *c, const char *d)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + strlen(d) + 1;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s%s%s%s", a, b, c, d);
	return s;
}

/* A literal inside a Redis glob pattern: \ before * ? [ ] and \. */
static char *glob_escape(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	char *out = malloc(2 * n + t + 1), *p = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (strchr("*?[]\\", s[i]))
			*p++ = '\\';
		*p++ = s[i];
	}
	memcpy(p, tail, t + 1);
	return out;
}

static void publish(sio_redis *r, const char *channel, const base_buf *b)
{
	/* A full queue drops the message; the connection counts it. */
	redis_conn_publish(r->conn, channel, b->data, b->len);
}

void redis_publish_answer(redis_nsp *rn, const char *uid, const base_buf *body)
{
	sio_redis *r = rn->r;
	if (r->o->publish_on_specific_response_channel && uid) {
		char *ch = concat(rn->resp_channel, uid, "#", "");
		if (ch)
			publish(r, ch, body);
		free(ch);
		return;
	}
	publish(r, rn->resp_channel, body);
}

/* ---- namespaces ---------------------------------------------------------------------- */

static void nsp_free(redis_nsp *rn)
{
	free(rn->channel);
	free(rn->req_channel);
	free(rn->resp_channel);
	free(rn->own_channel);
	free(rn->pattern);
	free(rn->stream);
	redis_marks_free(rn);
	free(rn);
}

static int nsp_subscribe(redis_nsp *rn)
{
	redis_conn *c = rn->r->conn;
	int e = redis_conn_subscribe(c, rn->req_channel);
	e |= redis_conn_subscribe(c, rn->resp_channel);
	e |= redis_conn_subscribe(c, rn->own_channel);
	e |= redis_conn_psubscribe(c, rn->pattern);
	if (rn->r->o->room_subscriptions)
		e |= redis_conn_subscribe(c, rn->channel);
	return e ? SIO_ENOMEM : 0;
}

static int op_init(sio_namespace *nsp, void *user)
{
	sio_redis *r = user;
	const char *key = r->o->key, *name = sio_namespace_name(nsp);
	redis_nsp *rn = calloc(1, sizeof(*rn));
	if (!rn)
		return SIO_ENOMEM;
	rn->r = r;
	rn->nsp = nsp;
	base_map_init(&rn->marks);
	if (sio_namespace_keeps_packets(nsp) && redis_sessions_start(r) < 0) {
		free(rn);
		return SIO_ENOMEM;
	}
	rn->channel = concat(key, "#", name, "#");
	rn->req_channel = concat(key, "-request#", name, "#");
	rn->resp_channel = concat(key, "-response#", name, "#");
	rn->own_channel = rn->resp_channel ? concat(rn->resp_channel, r->uid, "#", "") : NULL;
	char sid_tail[REDIS_SID_LEN + 2];
	memset(sid_tail, '?', REDIS_SID_LEN);
	sid_tail[REDIS_SID_LEN] = '#';
	sid_tail[REDIS_SID_LEN + 1] = '\0';
	rn->pattern = rn->channel
	                      ? glob_escape(rn->channel, r->o->room_subscriptions ? sid_tail : "*")
	                      : NULL;
	bool keeps = sio_namespace_keeps_packets(nsp);
	if (keeps && rn->channel) {
		/* key#nsp#stream: the numbered broadcasts (redis_sessions.c). */
		rn->stream = concat(rn->channel, "stream", "", "");
		redis_sessions_trim(r, sio_namespace_recovery(nsp));
	}
	if (!rn->channel || !rn->req_channel || !rn->resp_channel || !rn->own_channel ||
	    !rn->pattern || (keeps && !rn->stream) || nsp_subscribe(rn) < 0) {
		nsp_free(rn);
		return SIO_ENOMEM;
	}
	rn->next = r->nsps;
	r->nsps = rn;
	*sio_namespace_adapter_data(nsp) = rn;
	return 0;
}

static void op_close(sio_namespace *nsp, void *user)
{
	sio_redis *r = user;
	redis_nsp *rn = *sio_namespace_adapter_data(nsp);
	if (!rn)
		return;
	for (redis_nsp **pp = &r->nsps; *pp; pp = &(*pp)->next)
		if (*pp == rn) {
			*pp = rn->next;
			break;
		}
	if (r->conn) {
		redis_conn_unsubscribe(r->conn, rn->req_channel);
		redis_conn_unsubscribe(r->conn, rn->resp_channel);
		redis_conn_unsubscribe(r->conn, rn->own_channel);
		redis_conn_punsubscribe(r->conn, rn->pattern);
		if (r->o->room_subscriptions)
			redis_conn_unsubscribe(r->conn, rn->channel);
	}
	nsp_free(rn);
}

/* room_subscriptions: a room's channel while this server has a socket in
 * it. Rooms of REDIS_SID_LEN characters are already matched by the
 * single-socket pattern (subscribing too would deliver them twice). */
static bool own_room_channel(const sio_redis *r, const char *room)
{
	return r->o->room_subscriptions && strlen(room) != REDIS_SID_LEN;
}

static void op_room_created(sio_namespace *nsp, const char *room, void *user)
{
	sio_redis *r = user;
	redis_nsp *rn = *sio_namespace_adapter_data(nsp);
	if (!rn || !own_room_channel(r, room))
		return;
	char *ch = concat(rn->channel, room, "#", "");
	if (ch)
		redis_conn_subscribe(r->conn, ch);
	free(ch);
}

static void op_room_deleted(sio_namespace *nsp, const char *room, void *user)
{
	sio_redis *r = user;
	redis_nsp *rn = *sio_namespace_adapter_data(nsp);
	if (!rn || !own_room_channel(r, room))
		return;
	char *ch = concat(rn->channel, room, "#", "");
	if (ch)
		redis_conn_unsubscribe(r->conn, ch);
	free(ch);
}

/* ---- broadcasts -------------------------------------------------------------------- */

/* key#nsp#, or key#nsp#ROOM# for exactly one room (node's broadcast); a
 * numbered one also into the namespace's stream, by its origin only: one
 * entry per broadcast (redis_sessions.c). */
static void publish_broadcast(redis_nsp *rn, const base_buf *b, const sio_broadcast *o,
                              bool numbered)
{
	char *ch = o->nrooms == 1 ? concat(rn->channel, o->rooms[0], "#", "") : NULL;
	const char *to = o->nrooms == 1 ? ch : rn->channel;
	if (to && numbered && rn->stream)
		redis_conn_publish_kept(rn->r->conn, to, rn->stream, b->data, b->len);
	else if (to)
		publish(rn->r, to, b);
	free(ch);
}

static int op_broadcast(sio_namespace *nsp, const sio_adapter_packet *p, const sio_broadcast *o,
                        void *user)
{
	sio_redis *r = user;
	redis_nsp *rn = *sio_namespace_adapter_data(nsp);
	sio_adapter_packet kept = *p;
	if (rn && !o->local) {
		/* Kept for recovery: a number for the fleet (redis_sessions.c),
		 * the same in the message and in this server's log. */
		if (sio_namespace_keeps_packets(nsp) && !o->volatile_) {
			kept.origin = r->uid;
			kept.origin_seq = redis_marks_next(rn);
		}
		base_buf b;
		base_buf_init(&b);
		if (redis_wire_broadcast_seq(&b, r->uid, sio_namespace_name(nsp), p->event, p->args,
		                             o, kept.origin_seq) == 0)
			publish_broadcast(rn, &b, o, kept.origin_seq != 0);
		base_buf_free(&b);
	}
	return sio_adapter_broadcast_local(nsp, &kept, o);
}

/* ---- counting the other servers: PUBSUB NUMSUB of the request channel ---------------- */

typedef struct count_ctx {
	sio_redis *r;
	sio_request *req;
} count_ctx;

static void server_count_done(bool ok, long long n, void *user)
{
	count_ctx *c = user;
	if (!c->r->closing)
		sio_request_server_count(c->req, ok && n > 0 ? (size_t)n : 1);
	sio_request_release(c->req);
	free(c);
}

static void op_server_count(sio_namespace *nsp, sio_request *req, void *user)
{
	sio_redis *r = user;
	redis_nsp *rn = *sio_namespace_adapter_data(nsp);
	count_ctx *c = rn ? malloc(sizeof(*c)) : NULL;
	if (!c) {
		sio_request_server_count(req, 1);
		sio_request_release(req);
		return;
	}
	*c = (count_ctx){ r, req };
	redis_conn_numsub(r->conn, rn->req_channel, server_count_done, c);
}

/* NUMSUB for a pending request: n members subscribe to the request
 * channel, this one included, so n - 1 others will answer. Asked after the
 * request is published (node asks before): a member that starts in between
 * is counted and does not answer, and the request ends at its deadline with
 * every other answer. */
typedef struct expect_ctx {
	redis_pending *p;
	sio_redis *r;
} expect_ctx;

static void expect_done(bool ok, long long n, void *user)
{
	expect_ctx *c = user;
	redis_pending *p = c->p;
	bool closing = c->r->closing;
	free(c);
	if (!redis_pending_unhold(p) || closing)
		return;
	/* Without Redis no other server can answer. */
	redis_pending_expect(p, ok && n > 1 ? (size_t)(n - 1) : 0);
}

static void count_others(redis_nsp *rn, redis_pending *p)
{
	expect_ctx *c = malloc(sizeof(*c));
	if (!c) {
		redis_pending_expect(p, 0);
		return;
	}
	*c = (expect_ctx){ p, rn->r };
	redis_pending_hold(p);
	redis_conn_numsub(rn->r->conn, rn->req_channel, expect_done, c);
}

/* A request to the others: tracked, published, counted. */
static void ask_others(redis_nsp *rn, int type, sio_request *req, const sio_broadcast *o,
                       unsigned deadline_ms)
{
	sio_redis *r = rn->r;
	redis_pending *p = redis_pending_add(r->reqs, type, req, deadline_ms);
	if (!p) { /* req released; the creator's reference keeps it alive */
		sio_request_expect(req, 0);
		return;
	}
	base_buf b;
	base_buf_init(&b);
	int e = redis_wire_request(&b, type, r->uid, redis_pending_id(p), o, NULL, 0, false);
	if (e == 0)
		publish(r, rn->req_channel, &b);
	base_buf_free(&b);
	if (e < 0)
		redis_pending_expect(p, 0);
	else
		count_others(rn, p);
}

/* Nobody else to ask: the request completes with this server's answer. */
static void only_here(sio_request *req)
{
	sio_request_expect(req, 0);
	sio_request_release(req);
}

static void op_fetch_sockets(sio_namespace *nsp, const sio_broadcast *o, sio_request *req,
                             void *user)
{
	sio_redis *r = user;
	redis_nsp *rn = *sio_namespace_adapter_data(nsp);
	if (!rn || o->local || !redis_conn_up(r->conn))
		only_here(req);
	else
		ask_others(rn, REDIS_REMOTE_FETCH, req, o, r->o->requests_timeout_ms);
}

static void op_all_rooms(sio_namespace *nsp, sio_request *req, void *user)
{
	sio_redis *r = user;
	redis_nsp *rn = *sio_namespace_adapter_data(nsp);
	if (!rn || !redis_conn_up(r->conn))
		only_here(req);
	else
		ask_others(rn, REDIS_ALL_ROOMS, req, NULL, r->o->requests_timeout_ms);
}

static void op_server_side_emit(sio_namespace *nsp, const char *event, const sio_out *args,
                                sio_request *req, void *user)
{
	sio_redis *r = user;
	redis_nsp *rn = *sio_namespace_adapter_data(nsp);
	if (!rn) {
		if (req)
			only_here(req);
		return;
	}
	redis_pending *p = NULL;
	if (req && !(p = redis_pending_add(r->reqs, REDIS_SERVER_SIDE_EMIT, req,
	                                   r->o->requests_timeout_ms))) {
		sio_request_expect(req, 0);
		return;
	}
	base_buf b;
	base_buf_init(&b);
	int e = redis_wire_server_side_emit(&b, r->uid, p ? redis_pending_id(p) : NULL, event,
	                                    args);
	if (e == 0)
		publish(r, rn->req_channel, &b);
	base_buf_free(&b);
	if (p && (e < 0 || !redis_conn_up(r->conn)))
		redis_pending_expect(p, 0);
	else if (p)
		count_others(rn, p);
}

/* Broadcast with acks (type 7): this server's clients through the library;
 * the others' counts (8) and acks (9) come back as answers. */
static int op_broadcast_with_ack(sio_namespace *nsp, const sio_adapter_packet *pk,
                                 const sio_broadcast *o, unsigned timeout_ms, sio_request *req,
                                 void *user)
{
	sio_redis *r = user;
	redis_nsp *rn = *sio_namespace_adapter_data(nsp);
	bool remote = rn && !o->local && redis_conn_up(r->conn);
	redis_pending *p = NULL;
	if (remote) /* the adapter's reference goes to the table */
		p = redis_pending_add(r->reqs, REDIS_BROADCAST, req,
		                      timeout_ms ? timeout_ms : r->o->requests_timeout_ms);
	if (p) {
		base_buf b;
		base_buf_init(&b);
		if (redis_wire_broadcast_ack_request(&b, r->uid, redis_pending_id(p),
		                                     sio_namespace_name(nsp), pk->event, pk->args,
		                                     o, timeout_ms) == 0)
			publish(r, rn->req_channel, &b);
		base_buf_free(&b);
	}
	/* The creator's reference keeps req alive during this call. */
	int n = sio_adapter_broadcast_local_with_ack(nsp, pk, o, sio_request_local_count,
	                                             sio_request_local_ack, req);
	if (p) {
		count_others(rn, p);
	} else {
		sio_request_expect(req, 0);
		if (!remote)
			sio_request_release(req);
	}
	return n;
}

/* ---- socketsJoin, socketsLeave, disconnectSockets ------------------------------------ */

static int publish_request(sio_namespace *nsp, void *user, int type, const sio_broadcast *o,
                           const char *const *rooms, size_t n, bool close)
{
	sio_redis *r = user;
	redis_nsp *rn = *sio_namespace_adapter_data(nsp);
	if (!rn || o->local)
		return -1;
	base_buf b;
	base_buf_init(&b);
	if (redis_wire_request(&b, type, r->uid, NULL, o, rooms, n, close) == 0)
		publish(r, rn->req_channel, &b);
	base_buf_free(&b);
	/* Applied when it comes back (redis_inbound.c); at once while Redis is
	 * away, as well. */
	return redis_conn_up(r->conn) ? 0 : -1;
}

static int op_sockets_join(sio_namespace *nsp, const sio_broadcast *o, const char *const *rooms,
                           size_t n, void *user)
{
	if (publish_request(nsp, user, REDIS_REMOTE_JOIN, o, rooms, n, false) == 0)
		return 0;
	return sio_adapter_sockets_join_local(nsp, o, rooms, n);
}

static int op_sockets_leave(sio_namespace *nsp, const sio_broadcast *o, const char *const *rooms,
                            size_t n, void *user)
{
	if (publish_request(nsp, user, REDIS_REMOTE_LEAVE, o, rooms, n, false) == 0)
		return 0;
	return sio_adapter_sockets_leave_local(nsp, o, rooms, n);
}

static int op_disconnect_sockets(sio_namespace *nsp, const sio_broadcast *o, bool close, void *user)
{
	if (publish_request(nsp, user, REDIS_REMOTE_DISCONNECT, o, NULL, 0, close) == 0)
		return 0;
	return sio_adapter_disconnect_local(nsp, o, close);
}

static const sio_adapter_ops redis_ops = {
	.name = "redis",
	.init = op_init,
	.close = op_close,
	.room_created = op_room_created,
	.room_deleted = op_room_deleted,
	.share_session = redis_share_session,
	.find_session = redis_find_session,
	.broadcast = op_broadcast,
	.broadcast_with_ack = op_broadcast_with_ack,
	.sockets_join = op_sockets_join,
	.sockets_leave = op_sockets_leave,
	.disconnect_sockets = op_disconnect_sockets,
	.fetch_sockets = op_fetch_sockets,
	.all_rooms = op_all_rooms,
	.server_count = op_server_count,
	.server_side_emit = op_server_side_emit,
};

/* ---- the public functions ------------------------------------------------------------ */

void redis_link_unref(redis_link *l)
{
	if (--l->refs == 0)
		free(l);
}

static void on_conn_state(bool up, const char *reason, void *user)
{
	sio_redis *r = user;
	redis_sessions_subscribed(r, up);
	if (r->state_fn && !r->closing)
		r->state_fn(r, up, reason, r->state_user);
}

sio_redis *sio_redis_new(uv_loop_t *loop, const sio_redis_options *o, char *err, size_t errlen)
{
	sio_redis *r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->loop = loop;
	if (!(r->settings = redis_settings_new(o, err, errlen))) {
		free(r);
		return NULL;
	}
	r->o = redis_settings_get(r->settings);
	/* node's uid2(6) */
	redis_random_id(r->uid, 6);
	r->reqs = redis_requests_new(loop, &r->stats);
	r->link = calloc(1, sizeof(*r->link));
	r->conn = r->reqs && r->link ? redis_conn_new(loop, r->o, redis_inbound, on_conn_state, r)
	                             : NULL;
	if (!r->conn) {
		free(r->link);
		redis_requests_free(r->reqs);
		redis_settings_free(r->settings);
		free(r);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	*r->link = (redis_link){ r->conn, 1 };
	return r;
}

int sio_redis_attach(sio_redis *r, sio_server *srv)
{
	if (!r || !srv || r->srv)
		return SIO_EINVAL;
	int e = sio_server_set_adapter(srv, &redis_ops, r);
	if (e == 0)
		r->srv = srv;
	return e;
}

const char *sio_redis_uid(const sio_redis *r)
{
	return r->uid;
}

void sio_redis_get_stats(const sio_redis *r, sio_redis_stats *out)
{
	*out = r->stats;
	redis_conn_stats(r->conn, out);
}

void sio_redis_on_state(sio_redis *r, sio_redis_state_fn fn, void *user)
{
	r->state_fn = fn;
	r->state_user = user;
}

void sio_redis_free(sio_redis *r)
{
	if (!r)
		return;
	r->closing = true;
	/* Pending NUMSUB callbacks run (ok false) inside: they see closing. */
	redis_conn_free(r->conn);
	r->conn = NULL;
	r->link->conn = NULL;
	redis_link_unref(r->link);
	redis_requests_free(r->reqs);
	redis_sessions_free(r);
	while (r->nsps) {
		redis_nsp *rn = r->nsps;
		r->nsps = rn->next;
		*sio_namespace_adapter_data(rn->nsp) = NULL;
		nsp_free(rn);
	}
	redis_settings_free(r->settings);
	free(r);
}
