/* sio_broadcast.c - broadcasts and operations on the sockets a broadcast
 * targets: the public calls, which go through the server's adapter, and the
 * local work an adapter calls back (socketio/adapter.h).
 *
 * The way of a broadcast: sio_broadcast_emit() hands the decoded packet
 * (event, arguments as built) and its options to adapter->broadcast; the
 * adapter publishes it to other servers if it has any, then calls
 * sio_adapter_broadcast_local(), which encodes the packet once and queues the
 * same eio_msg references for every local target (sio_rooms.c finds them).
 * No copy and no allocation per recipient; with the in-memory adapter the
 * only step added to the encoding and the visit is one pointer call.
 */
#include "sio_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- this server's sockets -------------------------------------------------------- */

/* What an ack-collecting broadcast hands each recipient's pending ack. */
typedef struct sio_ack_relay {
	sio_client_ack_fn ack;
	void *user;
	int refs; /* the broadcast's, and one per recipient awaited */
} ack_relay;

/* Plain WebSocket clients' framings of one broadcast, made on the first
 * recipient of each codec (sio_plain.c); past SIO_PLAIN_KINDS codecs in one
 * broadcast, made per recipient. */
#define SIO_PLAIN_KINDS 4

typedef struct emit_ctx {
	const sio_broadcast *b;
	eio_msg *text;
	const sio_out *args;
	int sent;
	ack_relay *relay; /* with acks */
	int64_t id;
	const char *event;
	size_t nplain;
	struct {
		const sio_codec *codec;
		eio_msg *msg; /* NULL: the codec sends nothing for this event */
	} plain[SIO_PLAIN_KINDS];
} emit_ctx;

static void relay_unref(ack_relay *r)
{
	if (--r->refs == 0)
		free(r);
}

static void relay_reply(sio_socket *s, const sio_args *a, const char *err, void *user)
{
	(void)s;
	(void)err;
	ack_relay *r = user;
	r->ack(a, r->user); /* a is NULL when the socket went away */
	relay_unref(r);
}

/* A plain WebSocket client: its codec's framing, encoded once per
 * broadcast. It cannot acknowledge: a broadcast with acks skips it. */
static void deliver_plain(sio_socket *s, emit_ctx *c)
{
	const sio_codec *k = s->client->codec;
	if (c->relay)
		return;
	size_t i = 0;
	while (i < c->nplain && c->plain[i].codec != k)
		i++;
	eio_msg *m;
	if (i < c->nplain) {
		m = c->plain[i].msg;
	} else {
		m = sio_client_plain_frame(k, c->event, c->args);
		if (c->nplain == SIO_PLAIN_KINDS) { /* not cached: this recipient's own */
			if (m && sio_client_send_plain(s->client, m) == 0)
				c->sent++;
			eio_msg_unref(m);
			return;
		}
		c->plain[c->nplain].codec = k;
		c->plain[c->nplain++].msg = m;
	}
	if (m && sio_client_send_plain(s->client, m) == 0)
		c->sent++;
}

static void deliver(sio_socket *s, void *u)
{
	emit_ctx *c = u;
	if (c->b->volatile_ && !eio_session_writable(s->client->es)) {
		s->nsp->srv->stats.volatile_dropped++;
		return;
	}
	if (s->client->codec) {
		deliver_plain(s, c);
		return;
	}
	if (c->relay) {
		if (sio_socket_expect_ack(s, c->id, 0, relay_reply, c->relay) < 0)
			return;
		c->relay->refs++;
	}
	sio_client_send_packet(s->client, c->text, c->args ? c->args->atts : NULL,
	                       c->args ? c->args->natts : 0);
	c->sent++;
}

/* Encode once, queue for every local target. p->args has been checked
 * (sio_out_check) by the public call that led here. */
int sio_deliver_msg(sio_namespace *nsp, const sio_adapter_packet *p, const sio_broadcast *o,
                    ack_relay *relay, int64_t id, eio_msg *text)
{
	emit_ctx c = { o, text, p->args, 0, relay, id, p->event, 0, { { NULL, NULL } } };
	sio_rooms_each(nsp, o, deliver, &c);
	for (size_t i = 0; i < c.nplain; i++)
		eio_msg_unref(c.plain[i].msg);
	return c.sent;
}

int sio_deliver(sio_namespace *nsp, const sio_adapter_packet *p, const sio_broadcast *o,
                ack_relay *relay, int64_t id)
{
	/* Connection state recovery keeps (or stamps) broadcasts without
	 * acks: their offset goes in as a last argument (sio_recovery.c). */
	if (!relay && (p->offset || nsp->srv->o.recovery.enabled) &&
	    sio_recovery_applies(nsp, p, o))
		return sio_recovery_deliver(nsp, p, o);
	eio_msg *text = sio_encode_event(SIO_PKT_EVENT, nsp, id, p->event, p->args);
	if (!text)
		return SIO_ENOMEM;
	int sent = sio_deliver_msg(nsp, p, o, relay, id, text);
	eio_msg_unref(text);
	return sent;
}

int sio_adapter_broadcast_local(sio_namespace *nsp, const sio_adapter_packet *p,
                                const sio_broadcast *o)
{
	if (sio_out_check(p->args) < 0)
		return SIO_EINVAL;
	return sio_deliver(nsp, p, o, NULL, -1);
}

/* One encoding with one ack id for every recipient (ids are per namespace,
 * as in node, so the id is free on every socket of it). */
int sio_adapter_broadcast_local_with_ack(sio_namespace *nsp, const sio_adapter_packet *p,
                                         const sio_broadcast *o, sio_client_count_fn count,
                                         sio_client_ack_fn ack, void *user)
{
	if (sio_out_check(p->args) < 0)
		return SIO_EINVAL;
	ack_relay *relay = malloc(sizeof(*relay));
	if (!relay)
		return SIO_ENOMEM;
	*relay = (ack_relay){ ack, user, 1 };
	int sent = sio_deliver(nsp, p, o, relay, nsp->next_ack_id++);
	if (sent >= 0)
		count((size_t)sent, user);
	relay_unref(relay);
	return sent;
}

/* ---- through the adapter --------------------------------------------------------- */

static int emit_one(sio_namespace *nsp, const sio_broadcast *b, const char *event,
                    const sio_out *args)
{
	const sio_server *srv = nsp->srv;
	sio_adapter_packet p = { SIO_PACKET_EVENT, nsp, event, args, NULL, NULL, 0 };
	return srv->adapter->broadcast(nsp, &p, b, srv->adapter_user);
}

int sio_broadcast_emit(sio_namespace *nsp, const sio_broadcast *b, const char *event,
                       const sio_out *args)
{
	if (sio_out_check(args) < 0)
		return SIO_EINVAL;
	if (!nsp->match)
		return emit_one(nsp, b, event, args);
	/* A dynamic parent: every child namespace it created. */
	int total = 0;
	for (size_t i = 0; i < nsp->srv->nnsps; i++) {
		if (nsp->srv->nsps[i]->parent != nsp)
			continue;
		int n = emit_one(nsp->srv->nsps[i], b, event, args);
		if (n < 0)
			return n;
		total += n;
	}
	return total;
}

int sio_to(sio_namespace *nsp, const char *room, const char *event, const sio_out *args)
{
	const char *rooms[1] = { room };
	sio_broadcast b = { .rooms = rooms, .nrooms = 1 };
	return sio_broadcast_emit(nsp, &b, event, args);
}

int sio_except(sio_namespace *nsp, const char *room, const char *event, const sio_out *args)
{
	const char *except[1] = { room };
	sio_broadcast b = { .except = except, .nexcept = 1 };
	return sio_broadcast_emit(nsp, &b, event, args);
}

int sio_socket_broadcast(sio_socket *s, const char *event, const sio_out *args)
{
	sio_broadcast b = { .skip = s };
	return sio_broadcast_emit(s->nsp, &b, event, args);
}

/* Every recipient's acknowledgement, on every server: the request
 * (sio_request.c) completes when each server counted its recipients and
 * each counted recipient answered or left, or at the timeout. */
int sio_broadcast_emit_with_ack(sio_namespace *nsp, const sio_broadcast *b, const char *event,
                                const sio_out *args, unsigned timeout_ms, sio_broadcast_ack_fn cb,
                                void *user)
{
	if (sio_out_check(args) < 0)
		return SIO_EINVAL;
	sio_request *r = sio_request_new(nsp, SIO_REQ_BCAST_ACK, user);
	if (!r)
		return SIO_ENOMEM;
	r->done.replies = cb;
	const sio_server *srv = nsp->srv;
	sio_adapter_packet p = { SIO_PACKET_EVENT, nsp, event, args, NULL, NULL, 0 };
	int sent = srv->adapter->broadcast_with_ack(nsp, &p, b, timeout_ms,
	                                            sio_request_for_adapter(r), srv->adapter_user);
	if (sent < 0)
		r->finished = true; /* failed: no callback */
	sio_request_start(r, timeout_ms);
	return sent;
}

/* ---- fetchSockets and friends ------------------------------------------------------ */

/* The targets' ids, each ended by '\0', so acting on them (which may free
 * sockets or change rooms) cannot disturb the iteration. */
typedef struct id_list {
	base_buf ids;
	bool oom;
} id_list;

static void collect(sio_socket *s, void *u)
{
	id_list *l = u;
	if (base_buf_append(&l->ids, s->id, s->id_len + 1) < 0)
		l->oom = true;
}

static int each_target(sio_namespace *nsp, const sio_broadcast *b, void (*fn)(sio_socket *, void *),
                       void *u)
{
	id_list l = { BASE_BUF_INIT, false };
	sio_rooms_each(nsp, b, collect, &l);
	int n = 0;
	for (size_t off = 0; off < l.ids.len; off += strlen(l.ids.data + off) + 1) {
		sio_socket *s = base_map_get(&nsp->sockets, l.ids.data + off);
		if (s && s->connected) {
			fn(s, u);
			n++;
		}
	}
	base_buf_free(&l.ids);
	return l.oom ? SIO_ENOMEM : n;
}

typedef struct user_fn {
	sio_socket_fn fn;
	void *user;
	const char *const *rooms;
	size_t nrooms;
	bool close;
} user_fn;

static void call_user(sio_socket *s, void *u)
{
	user_fn *f = u;
	f->fn(s, f->user);
}

int sio_fetch_sockets(sio_namespace *nsp, const sio_broadcast *b, sio_socket_fn fn, void *user)
{
	user_fn f = { fn, user, NULL, 0, false };
	return each_target(nsp, b, call_user, &f);
}

static void do_join(sio_socket *s, void *u)
{
	const user_fn *f = u;
	for (size_t i = 0; i < f->nrooms; i++)
		sio_join(s, f->rooms[i]);
}
static void do_leave(sio_socket *s, void *u)
{
	const user_fn *f = u;
	for (size_t i = 0; i < f->nrooms; i++)
		sio_leave(s, f->rooms[i]);
}
static void do_disconnect(sio_socket *s, void *u)
{
	sio_disconnect(s, ((user_fn *)u)->close);
}

int sio_adapter_sockets_join_local(sio_namespace *nsp, const sio_broadcast *o,
                                   const char *const *rooms, size_t nrooms)
{
	user_fn f = { NULL, NULL, rooms, nrooms, false };
	return each_target(nsp, o, do_join, &f);
}

int sio_adapter_sockets_leave_local(sio_namespace *nsp, const sio_broadcast *o,
                                    const char *const *rooms, size_t nrooms)
{
	user_fn f = { NULL, NULL, rooms, nrooms, false };
	return each_target(nsp, o, do_leave, &f);
}

int sio_adapter_disconnect_local(sio_namespace *nsp, const sio_broadcast *o, bool close)
{
	user_fn f = { NULL, NULL, NULL, 0, close };
	return each_target(nsp, o, do_disconnect, &f);
}

int sio_sockets_join(sio_namespace *nsp, const sio_broadcast *b, const char *room)
{
	const sio_server *srv = nsp->srv;
	return srv->adapter->sockets_join(nsp, b, &room, 1, srv->adapter_user);
}

int sio_sockets_leave(sio_namespace *nsp, const sio_broadcast *b, const char *room)
{
	const sio_server *srv = nsp->srv;
	return srv->adapter->sockets_leave(nsp, b, &room, 1, srv->adapter_user);
}

int sio_disconnect_sockets(sio_namespace *nsp, const sio_broadcast *b, bool close)
{
	const sio_server *srv = nsp->srv;
	return srv->adapter->disconnect_sockets(nsp, b, close, srv->adapter_user);
}
