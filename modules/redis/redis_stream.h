/* redis_stream.h - the ingest's Redis Streams consumer (redis_stream.c):
 * one member of a consumer group reading configured streams on a
 * connection of its own (redis_client.h), handing each entry to a callback
 * and acknowledging it, and claiming the entries a dead member left
 * pending. Used by redis_ingest.c only.
 */
#ifndef REDIS_STREAM_H
#define REDIS_STREAM_H

#include "socketio/redis.h"

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

typedef struct redis_stream redis_stream;

/* An entry: its stream, its id, the value of the payload field (NULL when
 * the entry has no such field), claimed when taken over from another
 * consumer. Valid during the call; the entry is acknowledged after it. */
typedef void (*redis_entry_fn)(const sio_redis_ingest_msg *m, void *user);
/* The connection's state (up once every group exists). */
typedef void (*redis_stream_state_fn)(bool up, const char *reason, void *user);

/* conn resolved (redis_settings_get); o complete (consumer set, streams
 * non-empty). The strings are copied. NULL when memory runs out. */
redis_stream *redis_stream_new(uv_loop_t *loop, const sio_redis_options *conn,
                               const sio_redis_ingest_options *o, redis_entry_fn fn,
                               redis_stream_state_fn on_state, void *user);
/* The stream fields of the stats. */
void redis_stream_stats(const redis_stream *s, sio_redis_ingest_stats *out);
/* No callback after this; also from inside one. */
void redis_stream_free(redis_stream *s);

#endif
