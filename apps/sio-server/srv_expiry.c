/* srv_expiry.c - disconnect sockets whose token expired (see srv_expiry.h):
 * a min-heap of deadlines plus a base_map socket id -> node, one uv_timer. */
#include "srv_expiry.h"

#include "srv_auth.h"
#include "srv_rooms.h"

#include "base/map.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct ex_node {
	uint64_t deadline; /* loop time (uv_now), ms */
	sio_socket *s;
	size_t slot; /* index in the heap */
	char id[];   /* the map's key: a copy of the socket id (ids of socket.io 2.x
	            clients outside "/" are "/nsp#sid": any length) */
} ex_node;

struct srv_expiry {
	const srv_config *cfg;
	uv_loop_t *loop;
	srv_metrics *m;
	uv_timer_t timer;
	bool closed;
	ex_node **heap;
	size_t n, cap;
	base_map nodes; /* socket id -> node */
};

srv_expiry *srv_expiry_new(const srv_config *cfg, uv_loop_t *loop, srv_metrics *m)
{
	srv_expiry *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	base_map_init(&e->nodes);
	e->cfg = cfg;
	e->loop = loop;
	e->m = m;
	uv_timer_init(loop, &e->timer);
	e->timer.data = e;
	return e;
}

void srv_expiry_free(srv_expiry *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		free(e->heap[i]);
	free(e->heap);
	base_map_free(&e->nodes);
	free(e);
}

size_t srv_expiry_count(const srv_expiry *e)
{
	return e ? e->n : 0;
}

/* ---- heap ------------------------------------------------------------------ */

static void place(srv_expiry *e, ex_node *x, size_t i)
{
	e->heap[i] = x;
	x->slot = i;
}

static void sift_up(srv_expiry *e, size_t i)
{
	ex_node *x = e->heap[i];
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (e->heap[p]->deadline <= x->deadline)
			break;
		place(e, e->heap[p], i);
		i = p;
	}
	place(e, x, i);
}

static void sift_down(srv_expiry *e, size_t i)
{
	ex_node *x = e->heap[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= e->n)
			break;
		if (c + 1 < e->n && e->heap[c + 1]->deadline < e->heap[c]->deadline)
			c++;
		if (x->deadline <= e->heap[c]->deadline)
			break;
		place(e, e->heap[c], i);
		i = c;
	}
	place(e, x, i);
}

/* Take x out of the heap and the hash (not freed). */
static void detach(srv_expiry *e, ex_node *x)
{
	base_map_del(&e->nodes, x->id);
	size_t i = x->slot;
	ex_node *last = e->heap[--e->n];
	if (last != x) {
		place(e, last, i);
		sift_down(e, i);
		sift_up(e, last->slot);
	}
}

static void on_timer(uv_timer_t *t);

/* Point the timer at the earliest deadline (or stop it). */
static void arm(srv_expiry *e)
{
	if (e->closed)
		return;
	if (e->n == 0) {
		uv_timer_stop(&e->timer);
		return;
	}
	uint64_t now = uv_now(e->loop), d = e->heap[0]->deadline;
	uv_timer_start(&e->timer, on_timer, d > now ? d - now : 0, 0);
}

static uint64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void srv_expiry_on_connection(srv_expiry *e, sio_socket *s)
{
	const srv_user *u = srv_user_of(s);
	const char *id = sio_socket_id(s);
	if (!u || !u->claims || u->exp <= 0 || base_map_get(&e->nodes, id))
		return;
	long long leeway = e->cfg->auth.leeway_seconds;
	long long end_s = u->exp > INT64_MAX / 1000 - leeway ? INT64_MAX / 1000 - leeway : u->exp;
	uint64_t end_ms = (uint64_t)(end_s + leeway) * 1000u, wall = wall_ms();
	uint64_t left = end_ms > wall ? end_ms - wall : 0;
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 64;
		ex_node **h = realloc(e->heap, cap * sizeof(*h));
		if (!h)
			return; /* not tracked: out of memory */
		e->heap = h;
		e->cap = cap;
	}
	size_t idlen = strlen(id);
	ex_node *x = malloc(sizeof(*x) + idlen + 1);
	if (!x)
		return;
	memcpy(x->id, id, idlen + 1);
	if (base_map_put(&e->nodes, x->id, x) < 0) {
		free(x);
		return; /* not tracked: out of memory */
	}
	/* the loop's cached time can lag behind (it is read once per loop
     * turn); a deadline built on a stale base would fire early */
	uv_update_time(e->loop);
	uint64_t now = uv_now(e->loop);
	x->deadline = left > UINT64_MAX - now ? UINT64_MAX : now + left;
	x->s = s;
	place(e, x, e->n++);
	sift_up(e, x->slot);
	if (x->slot == 0)
		arm(e);
}

void srv_expiry_on_disconnect(srv_expiry *e, sio_socket *s)
{
	ex_node *x = base_map_get(&e->nodes, sio_socket_id(s));
	if (!x)
		return;
	bool was_first = x->slot == 0;
	detach(e, x);
	free(x);
	if (was_first)
		arm(e);
}

/* The one place a socket is cut off for an expired token (counted as an
 * error of kind "token_expired"). A plain WebSocket client gets the event
 * framed by its endpoint, then a close frame 1008 (policy violation, RFC
 * 6455 section 7.4.1) "token expired" once it is written: what it has
 * instead of socket.io-client's "io server disconnect", and what tells a
 * browser's onclose to sign in again rather than reconnect with the same
 * token. The code is set before the disconnect, which closes the session
 * at the end of this turn (eio_session_close). */
static void expire(srv_expiry *e, sio_socket *s)
{
	srv_reply_emit(e->m, "token_expired", s, &e->cfg->token_expiry, NULL, false);
	if (sio_socket_is_plain(s))
		eio_session_close_code(sio_socket_session(s), 1008, "token expired");
	sio_disconnect(s, true);
}

static void on_timer(uv_timer_t *t)
{
	srv_expiry *e = t->data;
	uint64_t now = uv_now(e->loop);
	while (e->n && e->heap[0]->deadline <= now) {
		ex_node *x = e->heap[0];
		sio_socket *s = x->s;
		detach(e, x);
		free(x);
		expire(e, s); /* its disconnect callback finds nothing */
	}
	arm(e);
}

void srv_expiry_close(srv_expiry *e)
{
	if (!e || e->closed)
		return;
	e->closed = true;
	uv_timer_stop(&e->timer);
	uv_close((uv_handle_t *)&e->timer, NULL);
}
