/* srv_emit.c - fan-in and throttling of the server's broadcasts (see
 * srv_emit.h). The throttle table is plain data driven by an explicit clock
 * (so tests need no loop); srv_emit ties it to a uv_timer and sio. */
#include "srv_emit.h"

#include <stdlib.h>
#include <string.h>

/* ---- globs and rules ----------------------------------------------------------- */

bool srv_glob_match(const char *g, const char *s)
{
	const char *star = NULL, *resume = NULL;
	while (*s) {
		if (*g == '*') {
			star = g++; /* try matching nothing first */
			resume = s;
		} else if (*g == *s) {
			g++, s++;
		} else if (star) {
			g = star + 1; /* let the last '*' take one more char */
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*g == '*')
		g++;
	return *g == '\0';
}

static bool has_target(const char **out, size_t n, const char *room)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(out[i], room))
			return true;
	return false;
}

size_t srv_fan_in_targets(const srv_config *cfg, const char *room, const char **out, size_t cap)
{
	size_t n = 0;
	if (cap == 0)
		return 0;
	out[n++] = room;
	for (size_t i = 0; i < cfg->rooms.nfan_in; i++) {
		const srv_fan_in *f = &cfg->rooms.fan_in[i];
		if (!srv_glob_match(f->glob, room))
			continue;
		for (size_t j = 0; j < f->rooms.n && n < cap; j++)
			if (!has_target(out, n, f->rooms.v[j]))
				out[n++] = f->rooms.v[j];
	}
	return n;
}

const srv_throttle *srv_throttle_rule(const srv_config *cfg, const char *room, const char *event)
{
	for (size_t i = 0; i < cfg->nthrottle; i++) {
		const srv_throttle *t = &cfg->throttle[i];
		if (!srv_glob_match(t->rooms, room))
			continue;
		if (t->events.n == 0)
			return t;
		for (size_t j = 0; j < t->events.n; j++)
			if (!strcmp(t->events.v[j], event))
				return t;
	}
	return NULL;
}

/* ---- the throttle table ---------------------------------------------------------- */

typedef struct tentry {
	char *room, *event;
	long interval;
	uint64_t deadline; /* end of the current interval */
	bool pending;
	char *data; /* pending payload (NULL: no argument) */
	size_t len;
} tentry;

/* A flat array, scanned: the table is small and bounded, and the API that
 * feeds it is authenticated. */
struct srv_throttle_table {
	tentry *v;
	size_t n, cap;
	size_t pending_bytes, max_pending; /* payloads held; their bound */
};

srv_throttle_table *srv_throttle_new(size_t cap)
{
	srv_throttle_table *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->v = calloc(cap ? cap : 1, sizeof(*t->v));
	if (!t->v) {
		free(t);
		return NULL;
	}
	t->cap = cap;
	t->max_pending = SRV_THROTTLE_MAX_PENDING;
	return t;
}

void srv_throttle_set_max_pending(srv_throttle_table *t, size_t bytes)
{
	t->max_pending = bytes;
}

size_t srv_throttle_pending_bytes(const srv_throttle_table *t)
{
	return t->pending_bytes;
}

/* Forget e's pending payload. */
static void drop_pending(srv_throttle_table *t, tentry *e)
{
	if (e->data)
		t->pending_bytes -= e->len;
	free(e->data);
	e->data = NULL;
	e->len = 0;
	e->pending = false;
}

static void entry_free(tentry *e)
{
	free(e->room);
	free(e->event);
	free(e->data);
}

void srv_throttle_free(srv_throttle_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		entry_free(&t->v[i]);
	free(t->v);
	free(t);
}

static tentry *find(srv_throttle_table *t, const char *room, const char *event)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].room, room) && !strcmp(t->v[i].event, event))
			return &t->v[i];
	return NULL;
}

int srv_throttle_offer(srv_throttle_table *t, const char *room, const char *event, long interval_ms,
                       const char *data, size_t len, uint64_t now)
{
	tentry *e = find(t, room, event);
	if (!e) {
		if (t->n == t->cap)
			return SRV_THROTTLE_FULL;
		e = &t->v[t->n];
		memset(e, 0, sizeof(*e));
		e->room = strdup(room);
		e->event = strdup(event);
		if (!e->room || !e->event) {
			entry_free(e);
			return -1;
		}
		e->interval = interval_ms;
		e->deadline = now + (uint64_t)interval_ms;
		t->n++;
		return SRV_THROTTLE_SEND;
	}
	if (!e->pending && now >= e->deadline) { /* the timer has not run yet */
		e->deadline = now + (uint64_t)e->interval;
		return SRV_THROTTLE_SEND;
	}
	size_t others = t->pending_bytes - (e->data ? e->len : 0); /* e's is replaced */
	if (data && (others > t->max_pending || len > t->max_pending - others)) {
		drop_pending(t, e); /* superseded by this one, sent now */
		e->deadline = now + (uint64_t)e->interval;
		return SRV_THROTTLE_FULL;
	}
	char *copy = NULL;
	if (data) {
		copy = malloc(len + 1);
		if (!copy)
			return -1;
		memcpy(copy, data, len);
		copy[len] = '\0';
	}
	drop_pending(t, e); /* the latest payload wins */
	e->data = copy;
	e->len = len;
	e->pending = true;
	if (copy)
		t->pending_bytes += len;
	return SRV_THROTTLE_DEFERRED;
}

void srv_throttle_expire(srv_throttle_table *t, uint64_t now, srv_throttle_send_fn fn, void *user)
{
	for (size_t i = 0; i < t->n;) {
		tentry *e = &t->v[i];
		if (e->deadline > now) {
			i++;
		} else if (e->pending) {
			char *data = e->data;
			if (data)
				t->pending_bytes -= e->len;
			e->data = NULL;
			e->pending = false;
			e->deadline = now + (uint64_t)e->interval;
			fn(e->room, e->event, data, e->len, user);
			free(data);
			i++;
		} else {
			entry_free(e); /* idle for a whole interval */
			t->v[i] = t->v[--t->n];
		}
	}
}

uint64_t srv_throttle_next(const srv_throttle_table *t)
{
	uint64_t next = UINT64_MAX;
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].deadline < next)
			next = t->v[i].deadline;
	return next;
}

size_t srv_throttle_count(const srv_throttle_table *t)
{
	return t->n;
}

/* ---- the emitter --------------------------------------------------------------- */

struct srv_emit {
	const srv_config *cfg;
	sio_namespace *nsp;
	uv_loop_t *loop;
	srv_metrics *m;
	srv_throttle_table *table;
	uv_timer_t timer;
	bool timer_open;
	const char **targets; /* scratch: 1 + every fan-in room */
	size_t ntargets_cap;
};

static void on_timer_closed(uv_handle_t *h)
{
	(void)h;
}

srv_emit *srv_emit_new(const srv_config *cfg, sio_namespace *nsp, uv_loop_t *loop, srv_metrics *m)
{
	srv_emit *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->cfg = cfg;
	e->nsp = nsp;
	e->loop = loop;
	e->m = m;
	e->ntargets_cap = 1;
	for (size_t i = 0; i < cfg->rooms.nfan_in; i++)
		e->ntargets_cap += cfg->rooms.fan_in[i].rooms.n;
	e->targets = calloc(e->ntargets_cap, sizeof(*e->targets));
	e->table = srv_throttle_new(SRV_THROTTLE_MAX);
	if (!e->targets || !e->table) {
		srv_emit_free(e);
		return NULL;
	}
	uv_timer_init(loop, &e->timer);
	e->timer.data = e;
	e->timer_open = true;
	return e;
}

static uint64_t now_ms(srv_emit *e)
{
	uv_update_time(e->loop);
	return uv_now(e->loop);
}

/* Send now to room and its fan-in rooms (or everyone when room is NULL). */
static int send_now(srv_emit *e, const char *room, const char *event, const char *data, size_t len)
{
	sio_out *o = NULL;
	if (data) {
		o = sio_out_new();
		if (!o || sio_out_json(o, data, len)) {
			sio_out_free(o);
			return -1;
		}
	}
	sio_broadcast b = { 0 };
	if (room) {
		b.nrooms = srv_fan_in_targets(e->cfg, room, e->targets, e->ntargets_cap);
		b.rooms = e->targets;
	}
	int n = sio_broadcast_emit(e->nsp, &b, event, o);
	sio_out_free(o);
	if (n > 0)
		srv_metrics_event_sent(e->m, event, (uint64_t)n);
	return n < 0 ? -1 : n;
}

static void send_pending(const char *room, const char *event, const char *data, size_t len,
                         void *user)
{
	if (send_now(user, room, event, data, len) < 0)
		srv_metrics_error(((srv_emit *)user)->m, "emit_failed");
}

static void arm(srv_emit *e, uint64_t now);

static void on_timer(uv_timer_t *t)
{
	srv_emit *e = t->data;
	uint64_t now = now_ms(e);
	srv_throttle_expire(e->table, now, send_pending, e);
	arm(e, now);
}

static void arm(srv_emit *e, uint64_t now)
{
	if (!e->timer_open)
		return;
	uint64_t next = srv_throttle_next(e->table);
	if (next == UINT64_MAX)
		uv_timer_stop(&e->timer);
	else
		uv_timer_start(&e->timer, on_timer, next > now ? next - now : 0, 0);
}

int srv_emit_to(srv_emit *e, const char *room, const char *event, const char *data, size_t len,
                srv_emit_result *res)
{
	res->recipients = 0;
	res->throttled = false;
	const srv_throttle *rule = room ? srv_throttle_rule(e->cfg, room, event) : NULL;
	if (rule && e->timer_open) {
		uint64_t now = now_ms(e);
		int r = srv_throttle_offer(e->table, room, event, rule->interval_ms, data, len,
		                           now);
		if (r < 0)
			return -1;
		if (r == SRV_THROTTLE_FULL)
			srv_metrics_error(e->m, "throttle_full");
		if (r == SRV_THROTTLE_DEFERRED) {
			res->throttled = true;
			arm(e, now);
			return 0;
		}
		arm(e, now);
	}
	int n = send_now(e, room, event, data, len);
	if (n < 0)
		return -1;
	res->recipients = n;
	return 0;
}

void srv_emit_close(srv_emit *e)
{
	if (e && e->timer_open) {
		e->timer_open = false;
		uv_timer_stop(&e->timer);
		uv_close((uv_handle_t *)&e->timer, on_timer_closed);
	}
}

void srv_emit_free(srv_emit *e)
{
	if (!e)
		return;
	srv_throttle_free(e->table);
	free(e->targets);
	free(e);
}
