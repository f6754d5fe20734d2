/* redis_conn.c - the adapter's two connections to Redis (redis_conn.h), on
 * hiredis 0.14's async API driven by the server's libuv loop (redis_uv.c).
 *
 * Two, because a RESP2 connection that has sent SUBSCRIBE may only
 * (un)subscribe afterwards: PUBLISH and PUBSUB NUMSUB go on the other one.
 * They are one unit: either is lost -> both are dropped, the state goes
 * down, and after a backoff (reconnect_min_ms doubling up to
 * reconnect_max_ms, back to min once up) both are opened again. Each sends
 * AUTH [username] password, SELECT db and PING before anything else; the
 * subscribed one then subscribes to the whole set. Up when every reply came
 * back. An attempt not up within handshake_ms() is abandoned (a Redis that
 * accepts and never answers); once up, a PING every handshake_ms() must be
 * answered by the next one. Publishes made while away wait in a FIFO
 * (redis_queue.c) bounded by max_queued_bytes; while up, the bytes sent and
 * not answered are bounded too (a stalled Redis would grow hiredis's buffer).
 *
 * The attempt cycle (backoff, resolving, the handshake's deadline), opening
 * a context and the handshake's commands are redis_link.c's, shared with
 * redis_client.c; this file holds the two contexts and decides when the
 * pair is up or lost.
 *
 * hiredis's rules this file follows (async.c of hiredis 0.14.1):
 * - every command's callback runs exactly once; when a context is freed,
 *   with a NULL reply. Our callbacks find their side through ac->data, which
 *   is cleared before we free a context, so such late calls do nothing.
 * - redisAsyncFree() inside a reply callback is deferred until the callback
 *   returns; inside the connect and disconnect callbacks it is not, and
 *   there hiredis frees the context itself afterwards: so those two never
 *   free their own context, and the state goes up only from a reply
 *   callback (the setup always ends with a reply: PING).
 * - a subscribed context must send no regular command (the next reply would
 *   go to its callback even if it is a message).
 * The user's callbacks may call redis_conn_free(): the struct then lives on
 * until its two uv timers have closed (the loop's next turn), and every path
 * checks c->closed after calling out. Count queries that fail with the
 * connection are answered from a zero timer, never from the call that asked
 * nor from inside hiredis's teardown.
 */
#include "redis_conn.h"
#include "redis_count.h"
#include "redis_link.h"
#include "redis_queue.h"

#include "base/log.h"
#include "base/map.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS "socketio:redis"
/* While up, the bytes sent and not yet answered are bounded by
 * max_queued_bytes, but never below this (max_queued_bytes 0 means "queue
 * nothing while Redis is away", not "publish nothing"). */
#define INFLIGHT_MIN (1u << 20)

typedef struct side {
	struct redis_conn *c;
	redisAsyncContext *ac; /* NULL: not open */
	bool is_sub;
	bool setup_done;      /* AUTH, SELECT, PING answered */
	bool ready;           /* ... and, subscribed side, every subscription confirmed */
	unsigned sub_pending; /* subscription confirmations awaited before ready */
	bool script_sent;     /* the publishing side sent kept_script's text (EVAL) */
} side;

struct redis_conn {
	redis_link link; /* where, the attempt cycle; its timer is the health check once up */
	redis_message_fn on_message;
	redis_conn_state_fn on_state;
	void *user;

	side pub, sub;
	bool closed;
	bool ping_due;    /* up: the health check's PING not answered yet */
	uv_timer_t defer; /* zero timer: deferred answers and failures */
	int handles_open;
	char fail_pending[256];      /* a failure to handle from the defer timer */
	base_map channels, patterns; /* the subscribed set (key == value, owned) */

	redis_queue queue;     /* publishes made while away */
	size_t inflight_bytes; /* sent, not yet answered */
	uint64_t connects, published, dropped;
	redis_counts counts;  /* the NUMSUB queries */
	size_t stream_maxlen; /* redis_conn_stream_trim */
	uint64_t stream_age_ms;
};

static void on_defer(uv_timer_t *t);
static void conn_fail(redis_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool is_up(const redis_conn *c)
{
	return c->link.phase == REDIS_LINK_UP;
}

static void schedule_defer(redis_conn *c)
{
	if (!c->closed && !uv_is_active((uv_handle_t *)&c->defer))
		uv_timer_start(&c->defer, on_defer, 0, 0);
}

static void wake_defer(void *c)
{
	schedule_defer(c);
}

/* ---- sending ------------------------------------------------------------------ */

static int send_argv(side *s, redisCallbackFn *fn, void *priv, int argc, const char **argv,
                     const size_t *lens)
{
	if (!s->ac)
		return -1;
	return redisAsyncCommandArgv(s->ac, fn, priv, argc, argv, lens) == REDIS_OK ? 0 : -1;
}

/* A send failed on a context hiredis still holds open: handle it as a lost
 * connection, from the defer timer (not inside the caller's call). */
static void fail_later(redis_conn *c, const char *why)
{
	if (!c->fail_pending[0])
		snprintf(c->fail_pending, sizeof c->fail_pending, "%s", why);
	schedule_defer(c);
}

/* A publish answered: its bytes are no longer in flight; counted published
 * or, refused (an ACL rule, OOM), dropped: lost. */
static void pub_done(redis_conn *c, const redisReply *reply, size_t size)
{
	c->inflight_bytes -= size < c->inflight_bytes ? size : c->inflight_bytes;
	if (reply->type == REDIS_REPLY_INTEGER)
		c->published++;
	else
		c->dropped++;
}

static void pub_reply(redisAsyncContext *ac, void *r, void *priv)
{
	side *s = ac->data;
	if (s && r) /* else the context is going away: conn_fail resets the count */
		pub_done(s->c, r, (size_t)(uintptr_t)priv);
}

/* A broadcast kept for recovery (redis_conn_publish_kept): the PUBLISH and
 * the stream entry in one script, so that both happen or neither, at one
 * instant, and one publisher's entries are in its order. The stream is
 * trimmed by length (MAXLEN ~, whole nodes: at least ARGV[2] entries stay)
 * and by age (MINID ~: entries older than ARGV[3] ms by Redis's clock go). */
static const char kept_script[] =
        "local n = redis.call('PUBLISH', KEYS[1], ARGV[1])\n"
        "redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'm', ARGV[1])\n"
        "local t = redis.call('TIME')\n"
        "local min = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - "
        "tonumber(ARGV[3])\n"
        "if min > 0 then redis.call('XTRIM', KEYS[2], 'MINID', '~', min) end\n"
        "return n\n";
/* Its SHA-1 in hex, the name EVALSHA gives it (Redis's script cache is keyed
 * by the SHA-1 of the text, https://redis.io/commands/evalsha). Computed once,
 * here: the module links no SHA-1 (its link line is hiredis, msgpack-c and
 * libuv), and tests/test_redis_kept.c checks it against the text with
 * OpenSSL's SHA1 and with Redis's SCRIPT LOAD, so an edit of the script that
 * forgets it fails there. */
static const char kept_sha1[] = "1a1cd736de4eb94dea26c80ff65d5e4d1bbfae4f";

const char *redis_conn_kept_script(const char **sha1)
{
	*sha1 = kept_sha1;
	return kept_script;
}

static void kept_reply(redisAsyncContext *ac, void *r, void *priv);

/* Send m as the script: EVALSHA once this connection has sent its text (the
 * commands of a connection run in order, so the script is in the cache by
 * then), else EVAL, which puts it there. A new connection starts with EVAL:
 * a restarted Redis has an empty cache. m is kept until the reply (freed
 * by kept_reply); 0, or -1 (nothing sent, m still the caller's). */
static int send_kept(redis_conn *c, redis_qmsg *m)
{
	side *s = &c->pub;
	char maxlen[24], age[24];
	snprintf(maxlen, sizeof(maxlen), "%zu", c->stream_maxlen ? c->stream_maxlen : 1);
	snprintf(age, sizeof(age), "%llu", (unsigned long long)c->stream_age_ms);
	const char *argv[8] = {
		"EVALSHA", kept_sha1, "2", m->data, redis_qmsg_key(m), redis_qmsg_payload(m),
		maxlen,    age
	};
	size_t lens[8] = { 7,      sizeof(kept_sha1) - 1, 1,          m->chlen, m->klen,
		           m->len, strlen(maxlen),        strlen(age) };
	if (!s->script_sent) {
		argv[0] = "EVAL";
		lens[0] = 4;
		argv[1] = kept_script;
		lens[1] = sizeof(kept_script) - 1;
	}
	if (send_argv(s, kept_reply, m, 8, argv, lens))
		return -1;
	s->script_sent = true;
	return 0;
}

/* A kept publish answered. NOSCRIPT: the cache lost the script after this
 * connection sent it (SCRIPT FLUSH, a failover): nothing ran, so the same
 * message goes again with the script's text, which loads it again. The
 * kept publishes in flight then are sent again in their order, but a plain
 * publish sent meanwhile may pass them. */
static void kept_reply(redisAsyncContext *ac, void *r, void *priv)
{
	redis_qmsg *m = priv;
	side *s = ac->data;
	redisReply *reply = r;
	size_t size = m->chlen + m->len;
	if (!s || !reply) {
		free(m); /* the context is going away: conn_fail resets the count */
		return;
	}
	redis_conn *c = s->c;
	if (reply->type == REDIS_REPLY_ERROR && !strncmp(reply->str, "NOSCRIPT", 8)) {
		s->script_sent = false;
		if (!send_kept(c, m))
			return; /* still in flight */
		fail_later(c, "cannot send EVAL");
	}
	pub_done(c, reply, size);
	free(m);
}

/* A plain publish (key NULL), or a kept one (sent from a copy, kept until
 * its reply). 0, or -1: nothing sent. */
static int send_publish(redis_conn *c, const char *ch, size_t chlen, const char *key, const void *p,
                        size_t len)
{
	size_t size = chlen + len;
	if (key) {
		redis_qmsg *m = redis_qmsg_new(ch, chlen, key, p, len);
		if (!m)
			return -1;
		if (send_kept(c, m)) {
			free(m);
			return -1;
		}
	} else {
		const char *argv[3] = { "PUBLISH", ch, p };
		size_t lens[3] = { 7, chlen, len };
		if (send_argv(&c->pub, pub_reply, (void *)(uintptr_t)size, 3, argv, lens))
			return -1;
	}
	c->inflight_bytes += size;
	return 0;
}

/* Send the queue in order (just up: nothing was sent before it). A kept
 * message goes as it is: its copy is kept for a NOSCRIPT reply. */
static void flush_queue(redis_conn *c)
{
	redis_qmsg *m;
	while ((m = c->queue.head)) {
		int err = m->klen ? send_kept(c, m)
		                  : send_publish(c, m->data, m->chlen, NULL, redis_qmsg_payload(m),
		                                 m->len);
		if (err) {
			fail_later(c, "cannot send to Redis");
			return;
		}
		if (m->klen) {
			redis_queue_take(&c->queue);
			c->inflight_bytes += m->chlen + m->len;
		} else {
			redis_queue_pop(&c->queue);
		}
	}
}

/* ---- state ---------------------------------------------------------------------- */

static void report(redis_conn *c, bool up, const char *reason)
{
	base_log(NS, "%s: %s (%s)", c->link.where, up ? "up" : "down", reason);
	if (c->on_state)
		c->on_state(up, reason, c->user);
}

static void go_up(redis_conn *c)
{
	unsigned period = redis_link_handshake_ms(&c->link);
	redis_link_up(&c->link);
	c->ping_due = false;
	redis_link_timer(&c->link, period, period);
	c->connects++;
	flush_queue(c);
	report(c, true, "connected");
}

static void side_ready(side *s)
{
	redis_conn *c = s->c;
	s->ready = true;
	if (c->pub.ready && c->sub.ready && c->link.phase == REDIS_LINK_CONNECTING)
		go_up(c);
}

/* Close one side: its late callbacks find no side (ac->data NULL). */
static void side_drop(side *s)
{
	redisAsyncContext *ac = s->ac;
	s->ac = NULL;
	s->setup_done = s->ready = s->script_sent = false;
	s->sub_pending = 0;
	if (ac) {
		ac->data = NULL;
		redisAsyncFree(ac);
	}
}

static void pong_reply(redisAsyncContext *ac, void *r, void *priv)
{
	(void)priv;
	side *s = ac->data;
	if (s && r)
		s->c->ping_due = false;
}

/* Up, every handshake_ms: a PING on the publishing connection, which must
 * be answered by the next tick. A Redis that stopped answering (stopped,
 * stuck, cut off with data in flight, where TCP keepalive does not help)
 * is then noticed, instead of NUMSUB queries and publishes waiting on it. */
static void health_check(void *owner)
{
	redis_conn *c = owner;
	if (c->ping_due) {
		conn_fail(c, "%s did not answer PING within %u ms", c->link.where,
		          redis_link_handshake_ms(&c->link));
		return;
	}
	const char *argv[1] = { "PING" };
	size_t lens[1] = { 4 };
	if (send_argv(&c->pub, pong_reply, NULL, 1, argv, lens))
		conn_fail(c, "%s: cannot send PING", c->link.where);
	else
		c->ping_due = true;
}

/* Both connections dropped; try again after the backoff (redis_link_down).
 * Reports the state when it was up, or when the reason it stays down
 * changed. */
static void conn_fail(redis_conn *c, const char *fmt, ...)
{
	if (c->closed)
		return;
	char why[sizeof c->link.reason];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	side_drop(&c->pub);
	side_drop(&c->sub);
	c->inflight_bytes = 0; /* sent on the lost connection: delivered or not, gone */
	if (redis_link_down(&c->link, why))
		report(c, false, why);
}

static void link_fail(void *owner, const char *why)
{
	conn_fail(owner, "%s", why);
}

/* ---- the subscribed side ---------------------------------------------------------- */

static bool in_set(const base_map *m, const redisReply *r)
{
	return r->type == REDIS_REPLY_STRING && strlen(r->str) == r->len && base_map_get(m, r->str);
}

/* Every reply of the subscribed connection: the confirmations and the
 * messages. Anything of another shape is ignored. */
static void sub_reply(redisAsyncContext *ac, void *r, void *priv)
{
	(void)priv;
	side *s = ac->data;
	redisReply *reply = r;
	if (!s || !reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 3 ||
	    reply->element[0]->type != REDIS_REPLY_STRING)
		return;
	redis_conn *c = s->c;
	redisReply **e = reply->element;
	const char *kind = e[0]->str;
	if (!strcmp(kind, "message") && reply->elements == 3) {
		if (in_set(&c->channels, e[1]) && e[2]->type == REDIS_REPLY_STRING)
			c->on_message(e[1]->str, e[1]->len, e[2]->str, e[2]->len, c->user);
	} else if (!strcmp(kind, "pmessage") && reply->elements == 4) {
		if (in_set(&c->patterns, e[1]) && e[2]->type == REDIS_REPLY_STRING &&
		    e[3]->type == REDIS_REPLY_STRING)
			c->on_message(e[2]->str, e[2]->len, e[3]->str, e[3]->len, c->user);
	} else if (!strcmp(kind, "subscribe") || !strcmp(kind, "psubscribe")) {
		if (!s->ready && s->sub_pending && --s->sub_pending == 0)
			side_ready(s);
	}
}

static int subscribe_set(side *s, const base_map *m, const char *cmd)
{
	size_t i = 0;
	const char *name;
	while ((name = base_map_next(m, &i))) {
		if (send_argv(s, sub_reply, NULL, 2, (const char *[]){ cmd, name },
		              (const size_t[]){ strlen(cmd), strlen(name) }))
			return -1;
		s->sub_pending++;
	}
	return 0;
}

/* ---- setup ------------------------------------------------------------------------ */

static void setup_reply(redisAsyncContext *ac, void *r, void *priv)
{
	side *s = ac->data;
	redisReply *reply = r;
	if (!s || !reply)
		return; /* the context is going away: its disconnect says why */
	redis_conn *c = s->c;
	int step = (int)(intptr_t)priv;
	if (reply->type == REDIS_REPLY_ERROR) {
		char why[sizeof c->link.reason];
		redis_link_step_reason(&c->link, step, reply->str, why, sizeof why);
		conn_fail(c, "%s", why);
		return;
	}
	if (step != REDIS_STEP_PING)
		return;
	s->setup_done = true;
	if (s->is_sub && (subscribe_set(s, &c->channels, "SUBSCRIBE") ||
	                  subscribe_set(s, &c->patterns, "PSUBSCRIBE"))) {
		conn_fail(c, "%s: cannot send SUBSCRIBE", c->link.where);
		return;
	}
	if (!s->sub_pending)
		side_ready(s);
}

static int setup_send(void *ctx, int step, int argc, const char **argv, const size_t *lens)
{
	return send_argv(ctx, setup_reply, (void *)(intptr_t)step, argc, argv, lens);
}

static void on_connect(const redisAsyncContext *cac, int status)
{
	redisAsyncContext *ac = (redisAsyncContext *)cac;
	side *s = ac->data;
	if (!s)
		return;
	redis_conn *c = s->c;
	if (status != REDIS_OK) {
		/* hiredis frees the context after this callback */
		s->ac = NULL;
		ac->data = NULL;
		char why[sizeof c->link.reason];
		redis_link_lost_reason(&c->link, ac, false, status, why, sizeof why);
		conn_fail(c, "%s", why);
		return;
	}
	if (redis_link_handshake(&c->link, setup_send, s))
		fail_later(c, "cannot send the handshake");
}

static void on_disconnect(const redisAsyncContext *cac, int status)
{
	redisAsyncContext *ac = (redisAsyncContext *)cac;
	side *s = ac->data;
	if (!s)
		return;
	redis_conn *c = s->c;
	s->ac = NULL; /* hiredis frees it after this callback */
	ac->data = NULL;
	char why[sizeof c->link.reason];
	redis_link_lost_reason(&c->link, ac, true, status, why, sizeof why);
	conn_fail(c, "%s", why);
}

/* Open both sides (the handshake timeout runs). */
static void open_sides(void *owner, const char *ip)
{
	redis_conn *c = owner;
	char why[sizeof c->link.reason];
	if (!(c->pub.ac = redis_link_connect(&c->link, ip, &c->pub, on_connect, on_disconnect, why,
	                                     sizeof why)) ||
	    !(c->sub.ac = redis_link_connect(&c->link, ip, &c->sub, on_connect, on_disconnect, why,
	                                     sizeof why)))
		conn_fail(c, "%s", why);
}

static const redis_link_ops link_ops = { open_sides, link_fail, health_check };

/* ---- count queries ------------------------------------------------------------------ */

void redis_conn_numsub(redis_conn *c, const char *channel, redis_count_fn fn, void *user)
{
	redis_counts_ask(&c->counts, redis_conn_up(c) ? c->pub.ac : NULL, channel, fn, user);
}

/* The zero timer: a failure noticed inside a call, then the count queries to
 * answer ok=false. */
static void on_defer(uv_timer_t *t)
{
	redis_conn *c = t->data;
	if (c->fail_pending[0]) {
		char why[sizeof c->fail_pending];
		memcpy(why, c->fail_pending, sizeof why);
		c->fail_pending[0] = '\0';
		conn_fail(c, "%s: %s", c->link.where, why);
	}
	if (!c->closed)
		redis_counts_run(&c->counts);
}

/* ---- the interface ---------------------------------------------------------------------- */

redis_conn *redis_conn_new(uv_loop_t *loop, const sio_redis_options *o, redis_message_fn on_message,
                           redis_conn_state_fn on_state, void *user)
{
	redis_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	/* connects from the loop (a failure is then reported from there, never
	 * from inside this call) */
	if (redis_link_init(&c->link, loop, o, &link_ops, c)) {
		free(c);
		return NULL;
	}
	c->on_message = on_message;
	c->on_state = on_state;
	c->user = user;
	c->pub.c = c->sub.c = c;
	c->sub.is_sub = true;
	redis_counts_init(&c->counts, wake_defer, c);
	base_map_init(&c->channels);
	base_map_init(&c->patterns);
	uv_timer_init(loop, &c->defer);
	c->defer.data = c;
	c->handles_open = 2;
	return c;
}

static int set_add(redis_conn *c, base_map *m, const char *cmd, const char *name)
{
	if (c->closed)
		return SIO_EINVAL;
	if (base_map_get(m, name))
		return 0;
	char *d = strdup(name);
	if (!d || base_map_put(m, d, d)) {
		free(d);
		return SIO_ENOMEM;
	}
	side *s = &c->sub;
	if (!s->setup_done)
		return 0; /* the setup subscribes to the whole set */
	if (send_argv(s, sub_reply, NULL, 2, (const char *[]){ cmd, name },
	              (const size_t[]){ strlen(cmd), strlen(name) })) {
		fail_later(c, "cannot send SUBSCRIBE");
		return 0;
	}
	if (!s->ready)
		s->sub_pending++;
	return 0;
}

static int set_del(redis_conn *c, base_map *m, const char *cmd, const char *name)
{
	if (c->closed)
		return SIO_EINVAL;
	char *d = base_map_del(m, name);
	if (!d)
		return 0;
	free(d);
	/* hiredis refuses an UNSUBSCRIBE on a context that subscribed to
	 * nothing yet: then there is nothing to undo */
	if (c->sub.setup_done)
		send_argv(&c->sub, NULL, NULL, 2, (const char *[]){ cmd, name },
		          (const size_t[]){ strlen(cmd), strlen(name) });
	return 0;
}

int redis_conn_subscribe(redis_conn *c, const char *channel)
{
	return set_add(c, &c->channels, "SUBSCRIBE", channel);
}

int redis_conn_unsubscribe(redis_conn *c, const char *channel)
{
	return set_del(c, &c->channels, "UNSUBSCRIBE", channel);
}

int redis_conn_psubscribe(redis_conn *c, const char *pattern)
{
	return set_add(c, &c->patterns, "PSUBSCRIBE", pattern);
}

int redis_conn_punsubscribe(redis_conn *c, const char *pattern)
{
	return set_del(c, &c->patterns, "PUNSUBSCRIBE", pattern);
}

static int publish(redis_conn *c, const char *channel, const char *key, const void *payload,
                   size_t len)
{
	if (c->closed)
		return SIO_EINVAL;
	size_t chlen = strlen(channel), size = chlen + len;
	if (is_up(c) && !c->queue.head) {
		size_t limit = c->link.o.max_queued_bytes;
		if (limit < INFLIGHT_MIN)
			limit = INFLIGHT_MIN;
		if (size > limit || c->inflight_bytes > limit - size) {
			c->dropped++; /* Redis does not keep up */
			return SIO_ENOMEM;
		}
		if (!send_publish(c, channel, chlen, key, payload, len))
			return 0;
		fail_later(c, "cannot send PUBLISH");
	}
	size_t max = c->link.o.max_queued_bytes;
	if (size > max || c->queue.bytes > max - size ||
	    redis_queue_push(&c->queue, channel, chlen, key, payload, len)) {
		c->dropped++;
		return SIO_ENOMEM;
	}
	return 0;
}

int redis_conn_publish(redis_conn *c, const char *channel, const void *payload, size_t len)
{
	return publish(c, channel, NULL, payload, len);
}

int redis_conn_publish_kept(redis_conn *c, const char *channel, const char *stream,
                            const void *payload, size_t len)
{
	return publish(c, channel, stream, payload, len);
}

void redis_conn_stream_trim(redis_conn *c, size_t maxlen, uint64_t age_ms)
{
	c->stream_maxlen = maxlen;
	c->stream_age_ms = age_ms;
}

bool redis_conn_up(const redis_conn *c)
{
	return !c->closed && is_up(c);
}

void redis_conn_stats(const redis_conn *c, sio_redis_stats *s)
{
	s->connected = redis_conn_up(c);
	s->connects = c->connects;
	s->published = c->published;
	s->publish_dropped = c->dropped;
	s->queued_bytes = c->queue.bytes + c->inflight_bytes;
}

static void free_set(base_map *m)
{
	size_t i = 0;
	char *d;
	while ((d = base_map_next(m, &i)))
		free(d);
	base_map_free(m);
}

static void closed_one(redis_conn *c)
{
	if (--c->handles_open == 0)
		free(c);
}

static void on_closed(uv_handle_t *h)
{
	closed_one(h->data);
}

static void on_link_closed(uv_handle_t *h)
{
	closed_one(((redis_link *)h->data)->owner);
}

void redis_conn_free(redis_conn *c)
{
	if (!c || c->closed)
		return;
	/* the answers first, while the calls they may make find c closed */
	c->closed = true;
	redis_counts_close(&c->counts);
	side_drop(&c->pub);
	side_drop(&c->sub);
	redis_queue_clear(&c->queue);
	free_set(&c->channels);
	free_set(&c->patterns);
	redis_link_close(&c->link, on_link_closed);
	uv_close((uv_handle_t *)&c->defer, on_closed);
}
