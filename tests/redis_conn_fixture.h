/* redis_conn_fixture.h - the fixture of the tests of the Redis adapter's
 * connections (modules/redis/redis_conn.c): a real redis-server started for
 * each test on a free loopback port (tests/redis_server.h), two connections
 * A and B whose callbacks record their states and messages, and the waits
 * on them. Shared by test_redis_conn.c and test_redis_kept.c; each test
 * file includes it once.
 */
#ifndef REDIS_CONN_FIXTURE_H
#define REDIS_CONN_FIXTURE_H

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hiredis/hiredis.h>
#include <uv.h>

#include "modules/redis/redis_conn.h"
#include "modules/redis/redis_options.h"
#include "loop_wait.h"
#include "redis_server.h"

#define WAIT_MS  10000
#define MAX_MSGS 64

typedef struct msg {
	char channel[64];
	char payload[128];
	size_t len;
} msg;

typedef struct tctx {
	redis_conn *c;
	int ups, downs;
	bool up;
	char reason[256];
	msg msgs[MAX_MSGS];
	int nmsgs;
	bool free_on_message; /* free c from inside the message callback */
} tctx;

static uv_loop_t loop;
static redis_server srv;
static tctx A, B;

static __attribute__((unused)) void on_message(const char *ch, size_t chlen, const char *p,
                                               size_t len, void *user)
{
	tctx *t = user;
	if (t->nmsgs < MAX_MSGS) {
		msg *m = &t->msgs[t->nmsgs++];
		ck_assert_uint_lt(chlen, sizeof m->channel);
		ck_assert_uint_le(len, sizeof m->payload);
		memcpy(m->channel, ch, chlen);
		m->channel[chlen] = '\0';
		memcpy(m->payload, p, len);
		m->len = len;
	}
	if (t->free_on_message) {
		redis_conn_free(t->c);
		t->c = NULL;
	}
}

static __attribute__((unused)) void on_state(bool up, const char *reason, void *user)
{
	tctx *t = user;
	t->up = up;
	if (up)
		t->ups++;
	else
		t->downs++;
	snprintf(t->reason, sizeof t->reason, "%s", reason);
}

static __attribute__((unused)) void options(sio_redis_options *o, int port)
{
	sio_redis_options_init(o);
	o->port = port;
	o->reconnect_min_ms = 20;
	o->reconnect_max_ms = 200;
}

static __attribute__((unused)) redis_conn *open_conn(tctx *t, const sio_redis_options *o)
{
	memset(t, 0, sizeof *t);
	t->c = redis_conn_new(&loop, o, on_message, on_state, t);
	ck_assert_ptr_nonnull(t->c);
	return t->c;
}

static __attribute__((unused)) redis_conn *open_default(tctx *t)
{
	sio_redis_options o;
	options(&o, srv.port);
	return open_conn(t, &o);
}

/* Run the loop until pred() or WAIT_MS pass; returns pred(). */
static __attribute__((unused)) bool run_until(bool (*pred)(void))
{
	return loop_wait_until(&loop, pred, WAIT_MS);
}

static __attribute__((unused)) bool a_up(void)
{
	return A.up;
}
static __attribute__((unused)) bool a_down(void)
{
	return A.downs > 0 && !A.up;
}
static __attribute__((unused)) bool ab_up(void)
{
	return A.up && B.up;
}
static int want_msgs;
static __attribute__((unused)) bool a_has_msgs(void)
{
	return A.nmsgs >= want_msgs;
}

/* A opened with o (NULL: the defaults), subscribed to channel, up. */
static __attribute__((unused)) void a_up_on(const sio_redis_options *o, const char *channel)
{
	if (o)
		open_conn(&A, o);
	else
		open_default(&A);
	redis_conn_subscribe(A.c, channel);
	ck_assert(run_until(a_up));
}

/* A publishes payload on channel (it is subscribed to) and receives it. */
static __attribute__((unused)) void a_echo(const char *channel, const char *payload)
{
	size_t len = strlen(payload);
	ck_assert_int_eq(redis_conn_publish(A.c, channel, payload, len), 0);
	want_msgs = A.nmsgs + 1;
	ck_assert(run_until(a_has_msgs));
	ck_assert_str_eq(A.msgs[want_msgs - 1].channel, channel);
	ck_assert_uint_eq(A.msgs[want_msgs - 1].len, len);
	ck_assert_mem_eq(A.msgs[want_msgs - 1].payload, payload, len);
}

/* Redis killed: A goes down. */
static __attribute__((unused)) void a_loses_redis(void)
{
	redis_server_kill(&srv);
	ck_assert(run_until(a_down));
}

/* PUBLISH's answer (on the other connection) may come after the message. */
static uint64_t want_published;
static __attribute__((unused)) bool a_published(void)
{
	sio_redis_stats s;
	redis_conn_stats(A.c, &s);
	return s.published >= want_published;
}

static __attribute__((unused)) void setup(void)
{
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	memset(&srv, 0, sizeof srv);
	ck_assert_msg(redis_server_start(&srv), "cannot start redis-server");
}

/* Free what the test left open; the loop must then end by itself. */
static __attribute__((unused)) void teardown(void)
{
	redis_conn_free(A.c);
	redis_conn_free(B.c);
	A.c = B.c = NULL;
	redis_server_kill(&srv);
	ck_assert_int_eq(uv_run(&loop, UV_RUN_DEFAULT), 0);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}

#endif
