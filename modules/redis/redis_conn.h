/* redis_conn.h - the adapter's connections to Redis on the server's libuv
 * loop (hiredis async, its libuv adapter): one connection to publish and to
 * ask (PUBLISH, PUBSUB NUMSUB), one subscribed (SUBSCRIBE, PSUBSCRIBE: a
 * subscribed RESP2 connection can do nothing else). Both AUTH and SELECT on
 * connect; after a loss both reconnect with backoff and the subscribed one
 * subscribes again to every channel and pattern in its set; publishes made
 * while Redis is away wait in a bounded queue (options.max_queued_bytes) and
 * go out in order once it is back. Knows nothing of Socket.IO: the adapter
 * (redis_adapter.c) is its only user.
 */
#ifndef REDIS_CONN_H
#define REDIS_CONN_H

#include "socketio/redis.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct redis_conn redis_conn;

/* One message of a SUBSCRIBE or PSUBSCRIBE: the channel it was published
 * on, and its payload (binary-safe). Valid during the call. */
typedef void (*redis_message_fn)(const char *channel, size_t channel_len, const char *payload,
                                 size_t len, void *user);
/* Both connections up and subscribed (up true), or one lost (false). */
typedef void (*redis_conn_state_fn)(bool up, const char *reason, void *user);
/* The answer of an integer query (NUMSUB's count); ok false when Redis is
 * away or answered an error. Called exactly once, never from inside the
 * call that asked. */
typedef void (*redis_count_fn)(bool ok, long long count, void *user);

/* Connects at once (o already validated: the url parsed into its fields). */
redis_conn *redis_conn_new(uv_loop_t *loop, const sio_redis_options *o, redis_message_fn on_message,
                           redis_conn_state_fn on_state, void *user);
/* Add to / remove from the subscribed set (kept across reconnections).
 * 0, or SIO_ENOMEM. */
int redis_conn_subscribe(redis_conn *c, const char *channel);
int redis_conn_unsubscribe(redis_conn *c, const char *channel);
int redis_conn_psubscribe(redis_conn *c, const char *pattern);
int redis_conn_punsubscribe(redis_conn *c, const char *pattern);
/* PUBLISH channel payload: at once, or queued while Redis is away. 0, or
 * SIO_ENOMEM when the queue is full (the message is dropped and counted). */
int redis_conn_publish(redis_conn *c, const char *channel, const void *payload, size_t len);
/* The same, and the payload appended to the stream key as the entry's
 * field m, in one script (EVALSHA, EVAL when Redis's script cache lacks
 * it): both or neither, the stream trimmed as redis_conn_stream_trim says.
 * Queued with the publishes while away. */
int redis_conn_publish_kept(redis_conn *c, const char *channel, const char *stream,
                            const void *payload, size_t len);
/* That script's text, and its SHA-1 in hex in *sha1 (for the test that
 * checks one against the other). */
const char *redis_conn_kept_script(const char **sha1);
/* The streams' trimming: about maxlen entries at least, none older than
 * age_ms (Redis's clock). */
void redis_conn_stream_trim(redis_conn *c, size_t maxlen, uint64_t age_ms);
/* PUBSUB NUMSUB channel: how many connections are subscribed to it. */
void redis_conn_numsub(redis_conn *c, const char *channel, redis_count_fn fn, void *user);
bool redis_conn_up(const redis_conn *c);
/* The connection fields of the stats (connected, connects, published,
 * publish_dropped, queued_bytes). */
void redis_conn_stats(const redis_conn *c, sio_redis_stats *s);
/* Close both connections; no callback runs after this. Pending count
 * queries are answered ok=false first. */
void redis_conn_free(redis_conn *c);

#endif
