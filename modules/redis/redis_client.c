/* redis_client.c - one connection to Redis for plain commands
 * (redis_client.h), on hiredis 0.14's async API and the server's loop
 * (redis_uv.c). The handshake, backoff and hiredis rules are those of
 * redis_conn.c (see its opening comment), for a single connection:
 * - every command's callback runs exactly once in hiredis, with a NULL
 *   reply when the context is freed; ours find the client through ac->data,
 *   cleared before we free a context, so those late calls only free their
 *   command;
 * - redisAsyncFree inside a reply callback is deferred by hiredis until the
 *   callback returns; the connect and disconnect callbacks never free their
 *   own context (hiredis does it after them);
 * - the user's callbacks may call redis_client_free: the struct lives on
 *   until its timer has closed, and every path checks c->closed after
 *   calling out.
 * One timer serves the reconnection wait, the handshake's deadline and the
 * commands' deadline (the latest of those sent and not answered).
 */
#include "redis_client.h"
#include "redis_resolve.h"
#include "redis_uv.h"

#include "base/log.h"

#include <hiredis/async.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS               "socketio:redis:client"
#define HANDSHAKE_MIN_MS 1000

enum phase {
	PH_WAIT,       /* the backoff timer runs */
	PH_CONNECTING, /* resolving, connecting or in the handshake */
	PH_UP
};

enum step {
	STEP_AUTH = 1,
	STEP_SELECT,
	STEP_PING
};

struct redis_client {
	uv_loop_t *loop;
	sio_redis_options o; /* strings owned below */
	char *host, *unix_path, *username, *password;
	char where[128];
	redis_client_state_fn on_state;
	void *user;
	redisAsyncContext *ac;
	redis_resolve *resolving;
	enum phase phase;
	bool closed;
	unsigned gen; /* bumped at each drop: replies of an older connection are ignored */
	unsigned backoff_ms;
	unsigned outstanding; /* commands sent, not answered */
	uint64_t deadline;    /* of the outstanding commands */
	uv_timer_t timer;
	char reason[512];
};

typedef struct cmd {
	redis_client *c;
	unsigned gen;
	int step; /* a handshake step, or 0 */
	redis_client_reply_fn fn;
	void *user;
} cmd;

static void attempt(redis_client *c);

static unsigned handshake_ms(const redis_client *c)
{
	return c->o.reconnect_max_ms < HANDSHAKE_MIN_MS ? HANDSHAKE_MIN_MS : c->o.reconnect_max_ms;
}

static void drop(redis_client *c)
{
	if (c->resolving)
		redis_resolve_cancel(c->resolving);
	c->resolving = NULL;
	redisAsyncContext *ac = c->ac;
	c->ac = NULL;
	c->gen++;
	c->outstanding = 0;
	if (ac) {
		ac->data = NULL;
		redisAsyncFree(ac);
	}
}

static void on_timer(uv_timer_t *t);

/* Lost, or never up: report when it was up or the reason changed, and
 * try again after the backoff. */
static void client_fail(redis_client *c, const char *why)
{
	if (c->closed)
		return;
	bool was_up = c->phase == PH_UP;
	drop(c);
	c->phase = PH_WAIT;
	unsigned delay = c->backoff_ms;
	c->backoff_ms = delay > c->o.reconnect_max_ms / 2 ? c->o.reconnect_max_ms : delay * 2;
	uv_timer_start(&c->timer, on_timer, delay, 0);
	if (was_up || strcmp(why, c->reason)) {
		snprintf(c->reason, sizeof c->reason, "%s", why);
		base_log(NS, "%s: down (%s)", c->where, why);
		if (c->on_state)
			c->on_state(false, why, c->user);
	}
}

void redis_client_fail(redis_client *c, const char *reason)
{
	client_fail(c, reason);
}

static void on_timer(uv_timer_t *t)
{
	redis_client *c = t->data;
	char why[sizeof c->reason];
	if (c->phase == PH_WAIT) {
		attempt(c);
		return;
	}
	if (c->phase == PH_CONNECTING)
		snprintf(why, sizeof why, "%s did not answer within %u ms", c->where,
		         handshake_ms(c));
	else
		snprintf(why, sizeof why, "%s did not answer a command in time", c->where);
	client_fail(c, why);
}

static void arm_deadline(redis_client *c, unsigned timeout_ms)
{
	uint64_t now = uv_now(c->loop), at = now + timeout_ms;
	if (c->outstanding == 0 || at > c->deadline)
		c->deadline = at;
	c->outstanding++;
	uv_timer_start(&c->timer, on_timer, c->deadline - now, 0);
}

static void go_up(redis_client *c)
{
	c->phase = PH_UP;
	c->backoff_ms = c->o.reconnect_min_ms;
	c->reason[0] = '\0';
	if (c->outstanding == 0)
		uv_timer_stop(&c->timer);
	base_log(NS, "%s: up", c->where);
	if (c->on_state)
		c->on_state(true, "connected", c->user);
}

static void on_reply(redisAsyncContext *ac, void *r, void *priv)
{
	cmd *q = priv;
	redisReply *reply = r;
	redis_client *c = ac->data;
	if (!c || !reply || q->gen != c->gen) {
		free(q);
		return;
	}
	if (c->outstanding && --c->outstanding == 0 && c->phase == PH_UP)
		uv_timer_stop(&c->timer);
	cmd local = *q;
	free(q);
	if (!local.step) {
		local.fn(reply, local.user);
		return;
	}
	char why[sizeof c->reason];
	if (reply->type == REDIS_REPLY_ERROR) {
		snprintf(why, sizeof why, "%s: %s%s", c->where,
		         local.step == STEP_AUTH     ? "AUTH failed: "
		         : local.step == STEP_SELECT ? "SELECT failed: "
		                                     : "",
		         reply->str);
		client_fail(c, why);
	} else if (local.step == STEP_PING) {
		go_up(c);
	}
}

static int send_cmd(redis_client *c, int step, unsigned timeout_ms, redis_client_reply_fn fn,
                    void *user, int argc, const char **argv, const size_t *lens)
{
	cmd *q = malloc(sizeof *q);
	if (!q)
		return -1;
	*q = (cmd){ c, c->gen, step, fn, user };
	if (redisAsyncCommandArgv(c->ac, on_reply, q, argc, argv, lens) != REDIS_OK) {
		free(q);
		return -1;
	}
	arm_deadline(c, timeout_ms);
	return 0;
}

int redis_client_command(redis_client *c, unsigned timeout_ms, redis_client_reply_fn fn, void *user,
                         int argc, const char **argv, const size_t *lens)
{
	if (c->closed || c->phase != PH_UP || !c->ac)
		return -1;
	return send_cmd(c, 0, timeout_ms, fn, user, argc, argv, lens);
}

/* AUTH, SELECT and PING, pipelined (redis_conn.c's order). */
static int send_setup(redis_client *c)
{
	unsigned t = handshake_ms(c);
	if (c->o.password) {
		const char *argv[3] = { "AUTH", c->o.username, c->o.password };
		size_t lens[3] = { 4, c->o.username ? strlen(c->o.username) : 0,
			           strlen(c->o.password) };
		if (!c->o.username) {
			argv[1] = argv[2];
			lens[1] = lens[2];
		}
		if (send_cmd(c, STEP_AUTH, t, NULL, NULL, c->o.username ? 3 : 2, argv, lens))
			return -1;
	}
	if (c->o.db) {
		char db[16];
		snprintf(db, sizeof db, "%d", c->o.db);
		const char *argv[2] = { "SELECT", db };
		size_t lens[2] = { 6, strlen(db) };
		if (send_cmd(c, STEP_SELECT, t, NULL, NULL, 2, argv, lens))
			return -1;
	}
	const char *argv[1] = { "PING" };
	size_t lens[1] = { 4 };
	return send_cmd(c, STEP_PING, t, NULL, NULL, 1, argv, lens);
}

static void on_connect(const redisAsyncContext *cac, int status)
{
	redisAsyncContext *ac = (redisAsyncContext *)cac;
	redis_client *c = ac->data;
	if (!c)
		return;
	char why[sizeof c->reason];
	if (status != REDIS_OK) {
		c->ac = NULL; /* hiredis frees it after this callback */
		ac->data = NULL;
		snprintf(why, sizeof why, "cannot connect to %s: %s", c->where, ac->c.errstr);
		client_fail(c, why);
		return;
	}
	/* out of memory: a context may not be freed inside its connect
	 * callback (hiredis's rule), so the handshake's deadline ends it, now */
	if (send_setup(c))
		uv_timer_start(&c->timer, on_timer, 0, 0);
}

static void on_disconnect(const redisAsyncContext *cac, int status)
{
	redisAsyncContext *ac = (redisAsyncContext *)cac;
	redis_client *c = ac->data;
	if (!c)
		return;
	c->ac = NULL;
	ac->data = NULL;
	char why[sizeof c->reason];
	if (status == REDIS_OK || !ac->c.errstr[0])
		snprintf(why, sizeof why, "%s closed the connection", c->where);
	else
		snprintf(why, sizeof why, "lost %s: %s", c->where, ac->c.errstr);
	client_fail(c, why);
}

static void open_conn(redis_client *c, const char *ip)
{
	char why[sizeof c->reason];
	redisAsyncContext *ac = c->unix_path ? redisAsyncConnectUnix(c->unix_path)
	                                     : redisAsyncConnect(ip, c->o.port);
	if (!ac || ac->err || redis_uv_attach(ac, c->loop)) {
		snprintf(why, sizeof why, "cannot connect to %s: %s", c->where,
		         ac && ac->err ? ac->c.errstr : "out of memory");
		if (ac)
			redisAsyncFree(ac);
		client_fail(c, why);
		return;
	}
	if (!c->unix_path)
		redisEnableKeepAlive(&ac->c);
	ac->data = c;
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	c->ac = ac;
}

static void on_resolved(int status, const char *ip, void *user)
{
	redis_client *c = user;
	c->resolving = NULL;
	if (status) {
		char why[sizeof c->reason];
		snprintf(why, sizeof why, "cannot resolve %s: %s", c->host, uv_strerror(status));
		client_fail(c, why);
		return;
	}
	open_conn(c, ip);
}

static void attempt(redis_client *c)
{
	c->phase = PH_CONNECTING;
	uv_timer_start(&c->timer, on_timer, handshake_ms(c), 0);
	if (c->unix_path || redis_host_is_address(c->host)) {
		open_conn(c, c->host);
		return;
	}
	int err;
	c->resolving = redis_resolve_start(c->loop, c->host, on_resolved, c, &err);
	if (!c->resolving) {
		char why[sizeof c->reason];
		snprintf(why, sizeof why, "cannot resolve %s: %s", c->host, uv_strerror(err));
		client_fail(c, why);
	}
}

static char *dup_or_null(const char *s, bool *oom)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	*oom |= !d;
	return d;
}

static void free_strings(redis_client *c)
{
	free(c->host);
	free(c->unix_path);
	free(c->username);
	if (c->password)
		memset(c->password, 0, strlen(c->password));
	free(c->password);
	c->host = c->unix_path = c->username = c->password = NULL;
}

redis_client *redis_client_new(uv_loop_t *loop, const sio_redis_options *o,
                               redis_client_state_fn on_state, void *user)
{
	redis_client *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	bool oom = false;
	c->loop = loop;
	c->o = *o;
	c->o.url = NULL;
	c->o.key = NULL;
	c->o.host = c->host = dup_or_null(o->host, &oom);
	c->o.unix_path = c->unix_path = dup_or_null(o->unix_path, &oom);
	c->o.username = c->username = dup_or_null(o->username, &oom);
	c->o.password = c->password = dup_or_null(o->password, &oom);
	if (oom || (!c->host && !c->unix_path)) {
		free_strings(c);
		free(c);
		return NULL;
	}
	if (c->unix_path)
		snprintf(c->where, sizeof c->where, "redis at %s", c->unix_path);
	else if (strchr(c->host, ':'))
		snprintf(c->where, sizeof c->where, "redis at [%s]:%d", c->host, o->port);
	else
		snprintf(c->where, sizeof c->where, "redis at %s:%d", c->host, o->port);
	c->on_state = on_state;
	c->user = user;
	c->backoff_ms = o->reconnect_min_ms;
	c->phase = PH_WAIT;
	uv_timer_init(loop, &c->timer);
	c->timer.data = c;
	uv_timer_start(&c->timer, on_timer, 0, 0);
	return c;
}

bool redis_client_up(const redis_client *c)
{
	return !c->closed && c->phase == PH_UP;
}

static void on_closed(uv_handle_t *h)
{
	free(h->data);
}

void redis_client_free(redis_client *c)
{
	if (!c || c->closed)
		return;
	c->closed = true;
	drop(c);
	free_strings(c);
	uv_close((uv_handle_t *)&c->timer, on_closed);
}
