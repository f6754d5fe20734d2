/* recovery.c - sio-echo's connection state recovery hooks (the server runs
 * with --recovery; docs/socketio.md, "Connection state recovery"):
 *
 *   recovery-state (ack)            ack({recovered, id, rooms, data}): what the
 *                                   server knows of this socket
 *   kill-transport                  close this client's Engine.IO session without a
 *                                   Socket.IO DISCONNECT ("forced close", a reason
 *                                   the client may recover from): the transport cut
 *                                   on the server's side
 *   stream (room, n, interval_ms[, tag])  broadcast "tick" (i[, tag]) for i =
 *                                   0..n-1, one every interval_ms, to room (null:
 *                                   the namespace); tag tells publishers apart
 *
 * A stream is at most 10,000 ticks and 10 s long, so a test cannot keep the
 * server from exiting for long.
 */
#include "recovery.h"

#include <stdlib.h>
#include <string.h>

typedef struct ticker {
	uv_timer_t t;
	sio_namespace *nsp;
	char *room; /* NULL: the namespace */
	char *tag;  /* NULL: none */
	int64_t i, n;
	struct ticker *prev, *next;
} ticker;

/* The streams running: stopped before the server is freed (recovery_stop). */
static ticker *tickers;

typedef struct state_ctx {
	sio_out *o;
} state_ctx;

static void add_room(const char *room, void *u)
{
	sio_out_str(((state_ctx *)u)->o, room);
}

static void on_state(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack, void *u)
{
	(void)ev;
	(void)a;
	(void)u;
	if (!ack)
		return;
	sio_out *o = sio_out_new();
	state_ctx c = { o };
	size_t dlen;
	const char *data = sio_socket_data(s, &dlen);
	if (o) {
		sio_out_object_begin(o);
		sio_out_key(o, "recovered");
		sio_out_bool(o, sio_socket_recovered(s));
		sio_out_key(o, "id");
		sio_out_str(o, sio_socket_id(s));
		sio_out_key(o, "rooms");
		sio_out_array_begin(o);
		sio_socket_rooms(s, add_room, &c);
		sio_out_array_end(o);
		sio_out_key(o, "data");
		sio_out_json(o, data, dlen);
		sio_out_object_end(o);
		sio_ack_send(ack, o);
	}
	sio_out_free(o);
}

static void on_kill(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack, void *u)
{
	(void)ev;
	(void)a;
	(void)ack;
	(void)u;
	eio_session_close(sio_socket_session(s));
}

static void ticker_closed(uv_handle_t *h)
{
	ticker *t = h->data;
	free(t->room);
	free(t->tag);
	free(t);
}

static void ticker_stop(ticker *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		tickers = t->next;
	if (t->next)
		t->next->prev = t->prev;
	uv_timer_stop(&t->t);
	uv_close((uv_handle_t *)&t->t, ticker_closed);
}

void recovery_stop(void)
{
	while (tickers)
		ticker_stop(tickers);
}

static void on_tick(uv_timer_t *h)
{
	ticker *t = h->data;
	sio_out *o = sio_out_new();
	if (o && sio_out_int(o, t->i) == 0 && (!t->tag || sio_out_str(o, t->tag) == 0)) {
		if (t->room)
			sio_to(t->nsp, t->room, "tick", o);
		else
			sio_broadcast_emit(t->nsp, &(sio_broadcast){ 0 }, "tick", o);
	}
	sio_out_free(o);
	if (++t->i >= t->n)
		ticker_stop(t);
}

static void on_stream(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack, void *u)
{
	(void)ev;
	(void)ack;
	(void)u;
	int64_t n, ms;
	if (sio_args_int(a, 1, &n) < 0 || sio_args_int(a, 2, &ms) < 0 || n <= 0 || n > 10000 ||
	    ms < 0 || n * ms > 10000)
		return;
	ticker *t = calloc(1, sizeof(*t));
	if (!t)
		return;
	const char *room = sio_args_str(a, 0, NULL);
	const char *tag = sio_args_str(a, 3, NULL);
	if ((room && !(t->room = strdup(room))) || (tag && !(t->tag = strdup(tag)))) {
		free(t->room);
		free(t);
		return;
	}
	t->nsp = sio_socket_namespace(s);
	t->n = n;
	uv_timer_init(eio_server_loop(sio_server_engine(sio_namespace_server(t->nsp))), &t->t);
	t->t.data = t;
	t->next = tickers;
	if (tickers)
		tickers->prev = t;
	tickers = t;
	uv_timer_start(&t->t, on_tick, (uint64_t)ms, (uint64_t)(ms ? ms : 1));
}

void recovery_add_handlers(sio_namespace *nsp)
{
	sio_namespace_on(nsp, "recovery-state", on_state, NULL);
	sio_namespace_on(nsp, "kill-transport", on_kill, NULL);
	sio_namespace_on(nsp, "stream", on_stream, NULL);
}
