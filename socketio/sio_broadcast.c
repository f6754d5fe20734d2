/* sio_broadcast.c - operations on the sockets a broadcast targets: emit
 * (encoded once, the same bytes to every recipient), emit with acks from
 * every recipient, and node's fetchSockets / socketsJoin / socketsLeave /
 * disconnectSockets. Targets are found by the namespace's adapter.
 */
#include "sio_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct emit_ctx {
	const sio_broadcast *b;
	eio_msg *text;
	const sio_out *args;
	int sent;
	/* with acks */
	struct sio_bcast_ack *ba;
	int64_t id;
} emit_ctx;

static void deliver(sio_socket *s, void *u)
{
	emit_ctx *c = u;
	if (c->b->volatile_ && !eio_session_writable(s->client->es))
		return;
	if (c->ba && sio_socket_expect_ack(s, c->id, 0, sio_bcast_ack_reply, c->ba) < 0)
		return;
	sio_client_send_packet(s->client, c->text, c->args ? c->args->atts : NULL,
	                       c->args ? c->args->natts : 0);
	c->sent++;
}

static int emit_common(sio_namespace *nsp, const sio_broadcast *b, const char *event,
                       const sio_out *args, struct sio_bcast_ack *ba, int64_t id)
{
	if (args && (args->depth != 0 || base_jsonw_error(&args->w)))
		return SIO_EINVAL;
	eio_msg *text = sio_encode_event(SIO_PKT_EVENT, nsp, id, event, args);
	if (!text)
		return SIO_ENOMEM;
	emit_ctx c = { b, text, args, 0, ba, id };
	const sio_adapter_ops *ad = nsp->srv->adapter;
	ad->each(nsp, b, deliver, &c);
	if (ad->publish && !ba)
		ad->publish(nsp, b, text, args ? args->atts : NULL, args ? args->natts : 0);
	eio_msg_unref(text);
	return c.sent;
}

int sio_broadcast_emit(sio_namespace *nsp, const sio_broadcast *b, const char *event,
                       const sio_out *args)
{
	if (!nsp->match)
		return emit_common(nsp, b, event, args, NULL, -1);
	/* A dynamic parent: every child namespace it created. */
	int total = 0;
	for (size_t i = 0; i < nsp->srv->nnsps; i++) {
		if (nsp->srv->nsps[i]->parent != nsp)
			continue;
		int n = emit_common(nsp->srv->nsps[i], b, event, args, NULL, -1);
		if (n < 0)
			return n;
		total += n;
	}
	return total;
}

int sio_to(sio_namespace *nsp, const char *room, const char *event, const sio_out *args)
{
	const char *rooms[1] = { room };
	sio_broadcast b = { rooms, 1, NULL, 0, NULL, false };
	return sio_broadcast_emit(nsp, &b, event, args);
}

int sio_except(sio_namespace *nsp, const char *room, const char *event, const sio_out *args)
{
	const char *except[1] = { room };
	sio_broadcast b = { NULL, 0, except, 1, NULL, false };
	return sio_broadcast_emit(nsp, &b, event, args);
}

int sio_socket_broadcast(sio_socket *s, const char *event, const sio_out *args)
{
	sio_broadcast b = { NULL, 0, NULL, 0, s, false };
	return sio_broadcast_emit(s->nsp, &b, event, args);
}

/* ---- acks from many sockets ---------------------------------------------------- */

/* One per broadcast: the responses so far. Each recipient's pending ack
 * holds a reference, so a late reply after completion finds it alive. */
typedef struct sio_bcast_ack {
	sio_namespace *nsp;
	sio_broadcast_ack_fn cb;
	void *user;
	int refs;
	bool done;
	size_t expected, nresp;
	char **texts; /* each response's JSON array, copied */
	size_t *lens;
	eio_msg ***atts;
	int *natts;
	uv_timer_t *timer;
} sio_bcast_ack;

static void ba_unref(sio_bcast_ack *ba)
{
	if (--ba->refs > 0)
		return;
	for (size_t i = 0; i < ba->nresp; i++) {
		for (int k = 0; k < ba->natts[i]; k++)
			eio_msg_unref(ba->atts[i][k]);
		free(ba->atts[i]);
		free(ba->texts[i]);
	}
	free(ba->texts);
	free(ba->lens);
	free(ba->atts);
	free(ba->natts);
	free(ba);
}

static void timer_closed(uv_handle_t *h)
{
	sio_bcast_ack *ba = h->data;
	free(h);
	ba_unref(ba);
}

/* Hand the responses to the application as argument views. */
static void ba_finish(sio_bcast_ack *ba, const char *err)
{
	if (ba->done)
		return;
	ba->done = true;
	sio_packet *pkts = calloc(ba->nresp + 1, sizeof(*pkts));
	sio_args *views = calloc(ba->nresp + 1, sizeof(*views));
	const sio_args **ptrs = calloc(ba->nresp + 1, sizeof(*ptrs));
	size_t n = 0;
	for (size_t i = 0; pkts && views && ptrs && i < ba->nresp; i++) {
		sio_packet_init(&pkts[n]);
		pkts[n].type = SIO_PKT_ACK;
		pkts[n].data = ba->texts[i];
		pkts[n].data_len = ba->lens[i];
		if (base_json_parse(&pkts[n].doc, ba->texts[i], ba->lens[i]) < 0) {
			sio_packet_free(&pkts[n]);
			continue;
		}
		sio_args_init(&views[n], &pkts[n], false, ba->atts[i], ba->natts[i]);
		ptrs[n] = &views[n];
		n++;
	}
	ba->cb(ba->nsp, ptrs, n, err, ba->user);
	for (size_t i = 0; i < n; i++) {
		sio_args_release(&views[i]);
		sio_packet_free(&pkts[i]);
	}
	free(pkts);
	free(views);
	free(ptrs);
	if (ba->timer) {
		uv_timer_stop(ba->timer);
		uv_close((uv_handle_t *)ba->timer, timer_closed); /* drops the timer's ref */
		ba->timer = NULL;
	}
}

static int ba_store(sio_bcast_ack *ba, const sio_args *a)
{
	size_t i = ba->nresp;
	char **t = realloc(ba->texts, (i + 1) * sizeof(*t));
	if (t)
		ba->texts = t;
	size_t *l = realloc(ba->lens, (i + 1) * sizeof(*l));
	if (l)
		ba->lens = l;
	eio_msg ***at = realloc(ba->atts, (i + 1) * sizeof(*at));
	if (at)
		ba->atts = at;
	int *na = realloc(ba->natts, (i + 1) * sizeof(*na));
	if (na)
		ba->natts = na;
	if (!t || !l || !at || !na)
		return SIO_ENOMEM;
	size_t len = a->pkt->data_len ? a->pkt->data_len : 2;
	const char *src = a->pkt->data_len ? a->pkt->data : "[]";
	if (!(ba->texts[i] = malloc(len)))
		return SIO_ENOMEM;
	memcpy(ba->texts[i], src, len);
	ba->lens[i] = len;
	ba->natts[i] = a->natts;
	ba->atts[i] = a->natts ? malloc((size_t)a->natts * sizeof(eio_msg *)) : NULL;
	if (a->natts && !ba->atts[i]) {
		free(ba->texts[i]);
		return SIO_ENOMEM;
	}
	for (int k = 0; k < a->natts; k++)
		ba->atts[i][k] = eio_msg_ref(a->atts[k]);
	ba->nresp++;
	return 0;
}

void sio_bcast_ack_reply(sio_socket *s, const sio_args *a, const char *err, void *user)
{
	(void)s;
	sio_bcast_ack *ba = user;
	if (!ba->done) {
		if (a)
			ba_store(ba, a);
		else if (ba->expected > 0)
			ba->expected--; /* the socket left: do not wait for it */
		if (ba->nresp >= ba->expected)
			ba_finish(ba, NULL);
	}
	ba_unref(ba);
	(void)err;
}

static void on_bcast_timeout(uv_timer_t *t)
{
	ba_finish(t->data, "operation has timed out");
}

int sio_broadcast_emit_with_ack(sio_namespace *nsp, const sio_broadcast *b, const char *event,
                                const sio_out *args, unsigned timeout_ms, sio_broadcast_ack_fn cb,
                                void *user)
{
	sio_bcast_ack *ba = calloc(1, sizeof(*ba));
	if (!ba)
		return SIO_ENOMEM;
	ba->nsp = nsp;
	ba->cb = cb;
	ba->user = user;
	ba->refs = 1; /* this function's, then the timer's */
	int64_t id = nsp->next_ack_id++;
	int sent = emit_common(nsp, b, event, args, ba, id);
	if (sent < 0) {
		ba_unref(ba);
		return sent;
	}
	/* Each recipient took a reference in sio_socket_expect_ack. */
	ba->refs += sent;
	ba->expected = (size_t)sent;
	if (ba->nresp >= ba->expected) {
		ba_finish(ba, NULL);
	} else if (timeout_ms > 0 && (ba->timer = malloc(sizeof(*ba->timer)))) {
		uv_timer_init(eio_server_loop(nsp->srv->eio), ba->timer);
		ba->timer->data = ba;
		ba->refs++;
		uv_timer_start(ba->timer, on_bcast_timeout, timeout_ms, 0);
	}
	ba_unref(ba);
	return sent;
}

/* ---- fetchSockets and friends --------------------------------------------------- */

/* The targets' ids, so acting on them (which may free sockets or change
 * rooms) cannot disturb the adapter's iteration. */
typedef struct id_list {
	char (*ids)[24];
	size_t n, cap;
	bool oom;
} id_list;

static void collect(sio_socket *s, void *u)
{
	id_list *l = u;
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 16;
		char(*ni)[24] = realloc(l->ids, nc * sizeof(*ni));
		if (!ni) {
			l->oom = true;
			return;
		}
		l->ids = ni;
		l->cap = nc;
	}
	memcpy(l->ids[l->n++], s->id, 24);
}

static int each_target(sio_namespace *nsp, const sio_broadcast *b, void (*fn)(sio_socket *, void *),
                       void *u)
{
	id_list l = { 0 };
	nsp->srv->adapter->each(nsp, b, collect, &l);
	int n = 0;
	for (size_t i = 0; i < l.n; i++) {
		sio_socket *s = base_map_get(&nsp->sockets, l.ids[i]);
		if (s && s->connected) {
			fn(s, u);
			n++;
		}
	}
	free(l.ids);
	return l.oom ? SIO_ENOMEM : n;
}

typedef struct user_fn {
	sio_socket_fn fn;
	void *user;
	const char *room;
	bool close;
} user_fn;

static void call_user(sio_socket *s, void *u)
{
	user_fn *f = u;
	f->fn(s, f->user);
}

int sio_fetch_sockets(sio_namespace *nsp, const sio_broadcast *b, sio_socket_fn fn, void *user)
{
	user_fn f = { fn, user, NULL, false };
	return each_target(nsp, b, call_user, &f);
}

static void do_join(sio_socket *s, void *u)
{
	sio_join(s, ((user_fn *)u)->room);
}
static void do_leave(sio_socket *s, void *u)
{
	sio_leave(s, ((user_fn *)u)->room);
}
static void do_disconnect(sio_socket *s, void *u)
{
	sio_disconnect(s, ((user_fn *)u)->close);
}

int sio_sockets_join(sio_namespace *nsp, const sio_broadcast *b, const char *room)
{
	user_fn f = { NULL, NULL, room, false };
	return each_target(nsp, b, do_join, &f);
}

int sio_sockets_leave(sio_namespace *nsp, const sio_broadcast *b, const char *room)
{
	user_fn f = { NULL, NULL, room, false };
	return each_target(nsp, b, do_leave, &f);
}

int sio_disconnect_sockets(sio_namespace *nsp, const sio_broadcast *b, bool close)
{
	user_fn f = { NULL, NULL, NULL, close };
	return each_target(nsp, b, do_disconnect, &f);
}
