/* redis_client.c - one connection to Redis for plain commands
 * (redis_client.h), on hiredis 0.14's async API and the server's loop
 * (redis_uv.c). The attempt cycle, opening the context and the handshake are
 * redis_link.c's, shared with redis_conn.c (see its opening comment for
 * hiredis's rules), for a single connection:
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
 * The link's one timer serves the reconnection wait, the handshake's
 * deadline and the commands' deadline (the latest of those sent and not
 * answered).
 */
#include "redis_client.h"
#include "redis_link.h"

#include "base/log.h"

#include <hiredis/async.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS "socketio:redis:client"

struct redis_client {
	redis_link link; /* where, the attempt cycle; its timer is the commands' deadline once up */
	redis_client_state_fn on_state;
	void *user;
	redisAsyncContext *ac;
	bool closed;
	unsigned gen;         /* bumped at each drop: replies of an older connection are ignored */
	unsigned outstanding; /* commands sent, not answered */
	uint64_t deadline;    /* of the outstanding commands */
};

typedef struct cmd {
	redis_client *c;
	unsigned gen;
	int step; /* a handshake step (redis_link.h), or 0 */
	redis_client_reply_fn fn;
	void *user;
} cmd;

static void drop(redis_client *c)
{
	redisAsyncContext *ac = c->ac;
	c->ac = NULL;
	c->gen++;
	c->outstanding = 0;
	if (ac) {
		ac->data = NULL;
		redisAsyncFree(ac);
	}
}

/* Lost, or never up: report when it was up or the reason changed, and
 * try again after the backoff (redis_link_down). */
static void client_fail(void *owner, const char *why)
{
	redis_client *c = owner;
	if (c->closed)
		return;
	drop(c);
	if (!redis_link_down(&c->link, why))
		return;
	base_log(NS, "%s: down (%s)", c->link.where, why);
	if (c->on_state)
		c->on_state(false, why, c->user);
}

void redis_client_fail(redis_client *c, const char *reason)
{
	client_fail(c, reason);
}

/* The timer fired while up: a command was not answered in time. */
static void on_deadline(void *owner)
{
	redis_client *c = owner;
	char why[sizeof c->link.reason];
	snprintf(why, sizeof why, "%s did not answer a command in time", c->link.where);
	client_fail(c, why);
}

static void arm_deadline(redis_client *c, unsigned timeout_ms)
{
	uint64_t now = uv_now(c->link.loop), at = now + timeout_ms;
	if (c->outstanding == 0 || at > c->deadline)
		c->deadline = at;
	c->outstanding++;
	redis_link_timer(&c->link, c->deadline - now, 0);
}

static void go_up(redis_client *c)
{
	redis_link_up(&c->link);
	if (c->outstanding == 0)
		redis_link_timer_stop(&c->link);
	base_log(NS, "%s: up", c->link.where);
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
	if (c->outstanding && --c->outstanding == 0 && c->link.phase == REDIS_LINK_UP)
		redis_link_timer_stop(&c->link);
	cmd local = *q;
	free(q);
	if (!local.step) {
		local.fn(reply, local.user);
		return;
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		char why[sizeof c->link.reason];
		redis_link_step_reason(&c->link, local.step, reply->str, why, sizeof why);
		client_fail(c, why);
	} else if (local.step == REDIS_STEP_PING) {
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
	if (c->closed || c->link.phase != REDIS_LINK_UP || !c->ac)
		return -1;
	return send_cmd(c, 0, timeout_ms, fn, user, argc, argv, lens);
}

/* A handshake step, with the handshake's deadline. */
static int setup_send(void *ctx, int step, int argc, const char **argv, const size_t *lens)
{
	redis_client *c = ctx;
	return send_cmd(c, step, redis_link_handshake_ms(&c->link), NULL, NULL, argc, argv, lens);
}

static void on_connect(const redisAsyncContext *cac, int status)
{
	redisAsyncContext *ac = (redisAsyncContext *)cac;
	redis_client *c = ac->data;
	if (!c)
		return;
	if (status != REDIS_OK) {
		c->ac = NULL; /* hiredis frees it after this callback */
		ac->data = NULL;
		char why[sizeof c->link.reason];
		redis_link_lost_reason(&c->link, ac, false, status, why, sizeof why);
		client_fail(c, why);
		return;
	}
	/* out of memory: a context may not be freed inside its connect
	 * callback (hiredis's rule), so the handshake's deadline ends it, now */
	if (redis_link_handshake(&c->link, setup_send, c))
		redis_link_timer(&c->link, 0, 0);
}

static void on_disconnect(const redisAsyncContext *cac, int status)
{
	redisAsyncContext *ac = (redisAsyncContext *)cac;
	redis_client *c = ac->data;
	if (!c)
		return;
	c->ac = NULL;
	ac->data = NULL;
	char why[sizeof c->link.reason];
	redis_link_lost_reason(&c->link, ac, true, status, why, sizeof why);
	client_fail(c, why);
}

static void open_conn(void *owner, const char *ip)
{
	redis_client *c = owner;
	char why[sizeof c->link.reason];
	c->ac = redis_link_connect(&c->link, ip, c, on_connect, on_disconnect, why, sizeof why);
	if (!c->ac)
		client_fail(c, why);
}

static const redis_link_ops link_ops = { open_conn, client_fail, on_deadline };

redis_client *redis_client_new(uv_loop_t *loop, const sio_redis_options *o,
                               redis_client_state_fn on_state, void *user)
{
	redis_client *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	/* connects from the loop */
	if (redis_link_init(&c->link, loop, o, &link_ops, c)) {
		free(c);
		return NULL;
	}
	c->on_state = on_state;
	c->user = user;
	return c;
}

bool redis_client_up(const redis_client *c)
{
	return !c->closed && c->link.phase == REDIS_LINK_UP;
}

static void on_closed(uv_handle_t *h)
{
	free(((redis_link *)h->data)->owner);
}

void redis_client_free(redis_client *c)
{
	if (!c || c->closed)
		return;
	c->closed = true;
	drop(c);
	redis_link_close(&c->link, on_closed);
}
