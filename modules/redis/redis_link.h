/* redis_link.h - what the adapter's two kinds of Redis connection share:
 * redis_conn.c (the publish/subscribe pair, two hiredis contexts as one
 * unit) and redis_client.c (one context for plain commands).
 *
 * Design: a link is where Redis is (the options, their strings owned, and
 * "redis at host:port", the start of every reason) and the attempt cycle,
 * with its one timer:
 *
 *   WAIT --timer--> CONNECTING: the host name resolved off the loop
 *   (redis_resolve.h), then the owner's open() opens its context(s) and
 *   sends the handshake (redis_link_handshake: AUTH, SELECT, PING) --the
 *   owner's redis_link_up--> UP --the owner's redis_link_down--> WAIT, the
 *   backoff timer set (reconnect_min_ms doubling up to reconnect_max_ms).
 *
 * A CONNECTING not up within redis_link_handshake_ms is failed by the link
 * (the owner's fail()); in UP the timer is the owner's (redis_conn's health
 * check, redis_client's commands' deadline: its timeout()). The owner keeps
 * its hiredis contexts, their callbacks and its closed flag: the link opens a
 * context and words its reasons, but what a loss drops and who is told is
 * the owner's (fail() drops the contexts, then calls redis_link_down, which
 * says whether the reason is news). Both owners embed a link.
 */
#ifndef REDIS_LINK_H
#define REDIS_LINK_H

#include "redis_resolve.h"

#include "socketio/redis.h"

#include <hiredis/async.h>
#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

enum redis_link_phase {
	REDIS_LINK_WAIT,       /* the backoff timer runs */
	REDIS_LINK_CONNECTING, /* resolving, connecting or in the handshake */
	REDIS_LINK_UP
};

/* The handshake's steps, in their order; the priv of their commands. */
enum redis_link_step {
	REDIS_STEP_AUTH = 1,
	REDIS_STEP_SELECT,
	REDIS_STEP_PING
};

typedef struct redis_link_ops {
	/* Open the connection(s) to ip (the host, its address; unused with a
	 * unix socket), or fail. */
	void (*open)(void *owner, const char *ip);
	/* Drop every connection and call redis_link_down (a no-op once closed). */
	void (*fail)(void *owner, const char *why);
	/* The timer fired while up (set by the owner). */
	void (*timeout)(void *owner);
} redis_link_ops;

typedef struct redis_link {
	uv_loop_t *loop;
	sio_redis_options o; /* url and key NULL; the strings are those below */
	char *host, *unix_path, *username, *password;
	char where[128]; /* "redis at host:port" or the socket's path */
	enum redis_link_phase phase;
	redis_resolve *resolving; /* the host name's lookup, while it runs */
	unsigned backoff_ms;
	uv_timer_t timer; /* the reconnection, the handshake, then the owner's */
	char reason[512]; /* the last down reason reported */
	const redis_link_ops *ops;
	void *owner;
} redis_link;

/* Copy o's strings; the first attempt from the loop (a failure is then
 * reported from there, never from inside the owner's new). 0, or -1 (out of
 * memory, or neither host nor unix_path: nothing to close). */
int redis_link_init(redis_link *l, uv_loop_t *loop, const sio_redis_options *o,
                    const redis_link_ops *ops, void *owner);
/* Stop the lookup, free the strings, close the timer: close_cb gets the
 * timer, whose data is the link (the owner frees itself once closed). */
void redis_link_close(redis_link *l, uv_close_cb close_cb);

/* How long an attempt may take (reconnect_max_ms, at least 1 s), also the
 * health check's period. */
unsigned redis_link_handshake_ms(const redis_link *l);
/* Up: the backoff back to its least, the reason forgotten. */
void redis_link_up(redis_link *l);
/* Down (the owner dropped its contexts): the lookup stopped, the next
 * attempt after the backoff. true when why should be reported: the link was
 * up, or the reason it stays down changed (remembered then). */
bool redis_link_down(redis_link *l, const char *why);
/* The timer: ms from now, then every repeat ms (0: once); on firing,
 * ops->timeout while up, a handshake timeout while connecting. */
void redis_link_timer(redis_link *l, uint64_t ms, uint64_t repeat);
void redis_link_timer_stop(redis_link *l);

/* A hiredis context to ip on the loop, TCP keepalive on, data in ac->data,
 * with the two callbacks; NULL with the reason in why. */
redisAsyncContext *redis_link_connect(redis_link *l, const char *ip, void *data,
                                      redisConnectCallback *on_connect,
                                      redisDisconnectCallback *on_disconnect, char *why,
                                      size_t whylen);
/* The reason of a connect callback's failure (connected false) or of a
 * disconnect callback (status REDIS_OK: closed by Redis or by us). */
void redis_link_lost_reason(const redis_link *l, const redisAsyncContext *ac, bool connected,
                            int status, char *why, size_t whylen);

/* Sends one command of the handshake (step as above): 0, or -1. */
typedef int (*redis_link_send_fn)(void *ctx, int step, int argc, const char **argv,
                                  const size_t *lens);
/* AUTH [username] password (when a password is set), SELECT db (when db is
 * not 0), PING, pipelined: AUTH's error comes first when the password is
 * wrong; PING's answer says the connection is usable. 0, or -1. */
int redis_link_handshake(const redis_link *l, redis_link_send_fn send, void *ctx);
/* The reason of a refused step: "AUTH failed: ...", "SELECT 3 failed: ...". */
void redis_link_step_reason(const redis_link *l, int step, const char *err, char *why,
                            size_t whylen);

#endif
