/* redis_link.c - the attempt cycle and the handshake shared by the Redis
 * connections (redis_link.h; its design comment says who does what).
 *
 * hiredis's rules (async.c of hiredis 0.14.1) stay with the owners, which
 * hold the contexts: this file only creates one (redis_link_connect) and
 * words the reasons of its callbacks.
 */
#include "redis_link.h"
#include "redis_uv.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the least time a connection gets to answer its handshake */
#define HANDSHAKE_MIN_MS 1000

unsigned redis_link_handshake_ms(const redis_link *l)
{
	unsigned ms = l->o.reconnect_max_ms;
	return ms < HANDSHAKE_MIN_MS ? HANDSHAKE_MIN_MS : ms;
}

static void stop_resolving(redis_link *l)
{
	if (l->resolving)
		redis_resolve_cancel(l->resolving);
	l->resolving = NULL;
}

static void fail(redis_link *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(redis_link *l, const char *fmt, ...)
{
	char why[sizeof l->reason];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	l->ops->fail(l->owner, why);
}

static void on_resolved(int status, const char *ip, void *user)
{
	redis_link *l = user;
	l->resolving = NULL;
	if (status)
		fail(l, "cannot resolve %s: %s", l->host, uv_strerror(status));
	else
		l->ops->open(l->owner, ip);
}

/* An attempt, from the timer only: a host name is resolved first, off the
 * loop's thread (redis_resolve.h), within the handshake timeout. */
static void attempt(redis_link *l)
{
	l->phase = REDIS_LINK_CONNECTING;
	redis_link_timer(l, redis_link_handshake_ms(l), 0);
	if (l->unix_path || redis_host_is_address(l->host)) {
		l->ops->open(l->owner, l->host);
		return;
	}
	int err;
	l->resolving = redis_resolve_start(l->loop, l->host, on_resolved, l, &err);
	if (!l->resolving)
		fail(l, "cannot resolve %s: %s", l->host, uv_strerror(err));
}

static void on_timer(uv_timer_t *t)
{
	redis_link *l = t->data;
	if (l->phase == REDIS_LINK_WAIT) {
		attempt(l);
	} else if (l->phase == REDIS_LINK_CONNECTING) {
		fail(l, "%s did not answer within %u ms", l->where, redis_link_handshake_ms(l));
	} else {
		l->ops->timeout(l->owner);
	}
}

void redis_link_timer(redis_link *l, uint64_t ms, uint64_t repeat)
{
	uv_timer_start(&l->timer, on_timer, ms, repeat);
}

void redis_link_timer_stop(redis_link *l)
{
	uv_timer_stop(&l->timer);
}

void redis_link_up(redis_link *l)
{
	l->phase = REDIS_LINK_UP;
	l->backoff_ms = l->o.reconnect_min_ms;
	l->reason[0] = '\0';
}

bool redis_link_down(redis_link *l, const char *why)
{
	bool was_up = l->phase == REDIS_LINK_UP;
	stop_resolving(l);
	l->phase = REDIS_LINK_WAIT;
	unsigned delay = l->backoff_ms;
	l->backoff_ms = delay > l->o.reconnect_max_ms / 2 ? l->o.reconnect_max_ms : delay * 2;
	redis_link_timer(l, delay, 0);
	if (!was_up && !strcmp(why, l->reason))
		return false;
	snprintf(l->reason, sizeof l->reason, "%s", why);
	return true;
}

/* ---- one hiredis context ---------------------------------------------------------- */

redisAsyncContext *redis_link_connect(redis_link *l, const char *ip, void *data,
                                      redisConnectCallback *on_connect,
                                      redisDisconnectCallback *on_disconnect, char *why,
                                      size_t whylen)
{
	redisAsyncContext *ac = l->unix_path ? redisAsyncConnectUnix(l->unix_path)
	                                     : redisAsyncConnect(ip, l->o.port);
	if (!ac) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	if (ac->err) {
		snprintf(why, whylen, "cannot connect to %s: %s", l->where, ac->c.errstr);
		redisAsyncFree(ac);
		return NULL;
	}
	if (redis_uv_attach(ac, l->loop)) {
		snprintf(why, whylen, "cannot watch the connection to %s", l->where);
		redisAsyncFree(ac);
		return NULL;
	}
	/* TCP keepalive (hiredis's 15 s): a Redis host that vanished is noticed
	 * even on a connection that never writes (the subscribed one) */
	if (!l->unix_path)
		redisEnableKeepAlive(&ac->c);
	ac->data = data;
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	return ac;
}

void redis_link_lost_reason(const redis_link *l, const redisAsyncContext *ac, bool connected,
                            int status, char *why, size_t whylen)
{
	if (!connected)
		snprintf(why, whylen, "cannot connect to %s: %s", l->where, ac->c.errstr);
	else if (status == REDIS_OK || !ac->c.errstr[0])
		snprintf(why, whylen, "%s closed the connection", l->where);
	else
		snprintf(why, whylen, "lost %s: %s", l->where, ac->c.errstr);
}

int redis_link_handshake(const redis_link *l, redis_link_send_fn send, void *ctx)
{
	const sio_redis_options *o = &l->o;
	if (o->password) {
		const char *argv[3] = { "AUTH", o->username, o->password };
		size_t lens[3] = { 4, o->username ? strlen(o->username) : 0, strlen(o->password) };
		if (!o->username) {
			argv[1] = argv[2];
			lens[1] = lens[2];
		}
		if (send(ctx, REDIS_STEP_AUTH, o->username ? 3 : 2, argv, lens))
			return -1;
	}
	if (o->db) {
		char db[16];
		snprintf(db, sizeof db, "%d", o->db);
		const char *argv[2] = { "SELECT", db };
		size_t lens[2] = { 6, strlen(db) };
		if (send(ctx, REDIS_STEP_SELECT, 2, argv, lens))
			return -1;
	}
	const char *argv[1] = { "PING" };
	size_t lens[1] = { 4 };
	return send(ctx, REDIS_STEP_PING, 1, argv, lens);
}

void redis_link_step_reason(const redis_link *l, int step, const char *err, char *why,
                            size_t whylen)
{
	if (step == REDIS_STEP_AUTH)
		snprintf(why, whylen, "%s: AUTH failed: %s", l->where, err);
	else if (step == REDIS_STEP_SELECT)
		snprintf(why, whylen, "%s: SELECT %d failed: %s", l->where, l->o.db, err);
	else
		snprintf(why, whylen, "%s: %s", l->where, err);
}

/* ---- where Redis is ---------------------------------------------------------------- */

static char *dup_or_null(const char *s, bool *oom)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	*oom |= !d;
	return d;
}

/* The password is wiped before it is freed. */
static void free_strings(redis_link *l)
{
	free(l->host);
	free(l->unix_path);
	free(l->username);
	if (l->password)
		memset(l->password, 0, strlen(l->password));
	free(l->password);
	l->host = l->unix_path = l->username = l->password = NULL;
}

int redis_link_init(redis_link *l, uv_loop_t *loop, const sio_redis_options *o,
                    const redis_link_ops *ops, void *owner)
{
	bool oom = false;
	memset(l, 0, sizeof *l);
	l->loop = loop;
	l->o = *o;
	l->o.url = NULL;
	l->o.key = NULL; /* not the connection's business */
	l->o.host = l->host = dup_or_null(o->host, &oom);
	l->o.unix_path = l->unix_path = dup_or_null(o->unix_path, &oom);
	l->o.username = l->username = dup_or_null(o->username, &oom);
	l->o.password = l->password = dup_or_null(o->password, &oom);
	if (oom || (!l->host && !l->unix_path)) {
		free_strings(l);
		return -1;
	}
	if (l->unix_path)
		snprintf(l->where, sizeof l->where, "redis at %s", l->unix_path);
	else if (strchr(l->host, ':'))
		snprintf(l->where, sizeof l->where, "redis at [%s]:%d", l->host, o->port);
	else
		snprintf(l->where, sizeof l->where, "redis at %s:%d", l->host, o->port);
	l->ops = ops;
	l->owner = owner;
	l->backoff_ms = o->reconnect_min_ms;
	l->phase = REDIS_LINK_WAIT;
	uv_timer_init(loop, &l->timer);
	l->timer.data = l;
	redis_link_timer(l, 0, 0);
	return 0;
}

void redis_link_close(redis_link *l, uv_close_cb close_cb)
{
	stop_resolving(l);
	free_strings(l);
	uv_close((uv_handle_t *)&l->timer, close_cb);
}
