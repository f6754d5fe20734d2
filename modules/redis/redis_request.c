/* redis_request.c - the requests this server is waiting on (design:
 * redis_request.h).
 *
 * node's adapter (index.ts) keeps `requests` and `ackRequests` maps by
 * requestId, each with a setTimeout of requestsTimeout (an ack request: of
 * flags.timeout). Here one table holds both; an entry is let go when every
 * counted server answered (not for broadcasts with acks, whose clients
 * answer later) or at its deadline. At the deadline a broadcast with acks
 * reports the servers that never sent their client count as having none,
 * so that a request without a timeout of its own (timeout 0) still ends
 * once the clients that were counted have answered; any other request ends
 * there with the answers received. The deadline is the adapter's timeout
 * plus REDIS_DEADLINE_SLACK_MS, so that when the caller's timeout is the
 * same the library's timer ends the request first, with its "operation has
 * timed out".
 */
#include "redis_request.h"

#include "base/map.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

struct redis_requests {
	uv_loop_t *loop;
	sio_redis_stats *stats;
	base_map by_id;
};

struct redis_pending {
	redis_requests *q;
	char id[8];
	int type;
	sio_request *req;
	long expected; /* other servers to hear from; -1 until NUMSUB answers */
	size_t answered;
	uv_timer_t *timer;
	bool timer_open; /* until its close callback */
	bool held;       /* a NUMSUB callback will come back to it */
	bool gone;       /* let go: out of the table, the request released */
};

void redis_random_id(char *out, size_t n)
{
	static const char chars[] =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char raw[32];
	if (n > sizeof(raw))
		n = sizeof(raw);
	randombytes_buf(raw, n);
	for (size_t i = 0; i < n; i++)
		out[i] = chars[raw[i] % 64];
	out[n] = '\0';
}

redis_requests *redis_requests_new(uv_loop_t *loop, sio_redis_stats *stats)
{
	redis_requests *q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->loop = loop;
	q->stats = stats;
	base_map_init(&q->by_id);
	return q;
}

static void maybe_free(redis_pending *p)
{
	if (p->gone && !p->held && !p->timer_open)
		free(p);
}

static void timer_closed(uv_handle_t *h)
{
	redis_pending *p = h->data;
	free(h);
	p->timer_open = false;
	maybe_free(p);
}

/* Out of the table, the library's reference released, the timer closing;
 * freed once the timer has closed and no NUMSUB callback is due. */
static void let_go(redis_pending *p)
{
	if (p->gone)
		return;
	p->gone = true;
	base_map_del(&p->q->by_id, p->id);
	if (p->req)
		sio_request_release(p->req);
	p->req = NULL;
	if (p->timer) {
		uv_timer_stop(p->timer);
		uv_close((uv_handle_t *)p->timer, timer_closed);
		p->timer = NULL;
	}
	maybe_free(p);
}

void redis_requests_free(redis_requests *q)
{
	if (!q)
		return;
	size_t it = 0;
	redis_pending *p;
	/* let_go deletes from the map: restart the walk each time. */
	while ((it = 0, p = base_map_next(&q->by_id, &it))) {
		p->held = false; /* the connection is gone: no callback will come */
		/* No answer can come now: end the request at once (with node's
		 * timeout error) rather than keep the loop alive until its timer,
		 * which would hold a stopping server for up to requestsTimeout. */
		if (p->req)
			sio_request_timeout(p->req);
		let_go(p);
	}
	base_map_free(&q->by_id);
	free(q);
}

static void on_deadline(uv_timer_t *t)
{
	redis_pending *p = t->data;
	size_t missing = 0;
	if (p->expected < 0)
		missing = 1; /* not even NUMSUB answered: at least one member is late */
	else if (p->answered < (size_t)p->expected)
		missing = (size_t)p->expected - p->answered;
	if (missing) {
		p->q->stats->requests_timed_out++;
		p->q->stats->answers_missing += missing;
		/* A broadcast with acks: the silent servers have no clients.
		 * Another request: it ends now with what arrived and node's
		 * timeout error (when the caller's own timeout is longer than
		 * the adapter's), so a partial answer is never a whole one. */
		if (p->type == REDIS_BROADCAST && p->expected >= 0)
			for (size_t i = 0; i < missing; i++)
				sio_request_client_count(p->req, 0);
		else if (p->type != REDIS_BROADCAST)
			sio_request_timeout(p->req);
	}
	let_go(p);
}

redis_pending *redis_pending_add(redis_requests *q, int type, sio_request *r, unsigned deadline_ms)
{
	redis_pending *p = calloc(1, sizeof(*p));
	uv_timer_t *t = malloc(sizeof(*t));
	if (!p || !t) {
		free(p);
		free(t);
		sio_request_release(r);
		return NULL;
	}
	p->q = q;
	p->type = type;
	p->req = r;
	p->expected = -1;
	do
		redis_random_id(p->id, 6);
	while (base_map_get(&q->by_id, p->id));
	if (base_map_put(&q->by_id, p->id, p) < 0) {
		free(p);
		free(t);
		sio_request_release(r);
		return NULL;
	}
	uv_timer_init(q->loop, t);
	t->data = p;
	p->timer = t;
	p->timer_open = true;
	uv_timer_start(t, on_deadline, (uint64_t)deadline_ms + REDIS_DEADLINE_SLACK_MS, 0);
	q->stats->requests++;
	return p;
}

const char *redis_pending_id(const redis_pending *p)
{
	return p->id;
}

sio_request *redis_pending_request(const redis_pending *p)
{
	return p->req;
}

int redis_pending_type(const redis_pending *p)
{
	return p->type;
}

redis_pending *redis_pending_find(redis_requests *q, const char *id)
{
	return id ? base_map_get(&q->by_id, id) : NULL;
}

/* Every counted server answered: done, but for a broadcast with acks, whose
 * clients' answers are still to come until its deadline. */
static void check(redis_pending *p)
{
	if (p->type != REDIS_BROADCAST && p->expected >= 0 && p->answered >= (size_t)p->expected)
		let_go(p);
}

void redis_pending_expect(redis_pending *p, size_t servers)
{
	if (p->gone)
		return;
	p->expected = (long)servers;
	sio_request_expect(p->req, servers);
	check(p);
}

void redis_pending_answered(redis_pending *p)
{
	if (p->gone)
		return;
	p->answered++;
	check(p);
}

void redis_pending_hold(redis_pending *p)
{
	p->held = true;
}

bool redis_pending_unhold(redis_pending *p)
{
	p->held = false;
	if (p->gone) {
		maybe_free(p);
		return false;
	}
	return true;
}
