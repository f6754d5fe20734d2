/* redis_client.h - one connection to Redis for plain commands, on the
 * server's libuv loop: the stream consumer's (redis_stream.c). Added beside
 * redis_conn.c (the adapter's publish/subscribe pair) because a blocking
 * XREADGROUP holds its RESP2 connection until it returns: it must have a
 * connection of its own, never the publisher's.
 *
 * The same handshake and reconnection as redis_conn.c (docs/redis.md,
 * "Connections"): AUTH (with the ACL username when set), SELECT when db is
 * not 0, PING; up once PING answered; after a loss or a refused step,
 * another attempt after a backoff from reconnect_min_ms doubling up to
 * reconnect_max_ms; host names resolved off the loop (redis_resolve.h).
 * Every command has a deadline: a Redis that stops answering is a lost
 * connection, not a hang.
 */
#ifndef REDIS_CLIENT_H
#define REDIS_CLIENT_H

#include "socketio/redis.h"

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

typedef struct redis_client redis_client;

/* The connection is up (the handshake answered) or lost (reason says why).
 * Commands sent before a loss get no reply: the user starts over on up. */
typedef void (*redis_client_state_fn)(bool up, const char *reason, void *user);
/* A command's reply (valid during the call), never NULL: a command whose
 * connection is lost is not answered (the state callback says down). */
typedef void (*redis_client_reply_fn)(const redisReply *reply, void *user);

/* o already resolved (redis_settings_get). Connects from the loop. */
redis_client *redis_client_new(uv_loop_t *loop, const sio_redis_options *o,
                               redis_client_state_fn on_state, void *user);
/* Send a command while up; its reply must come within timeout_ms, or the
 * connection is dropped. 0, or -1 (not up, out of memory: nothing sent). */
int redis_client_command(redis_client *c, unsigned timeout_ms, redis_client_reply_fn fn, void *user,
                         int argc, const char **argv, const size_t *lens);
/* Drop the connection now, reason given to the state callback, and try
 * again after the backoff (a reply the user cannot work with). From a reply
 * callback too. */
void redis_client_fail(redis_client *c, const char *reason);
bool redis_client_up(const redis_client *c);
/* Close; no callback runs after this (also from inside one). Handles finish
 * closing during the loop's next run. */
void redis_client_free(redis_client *c);

#endif
