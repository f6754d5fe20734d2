/* socketio/redis.h - the Redis adapter: the Socket.IO servers of a fleet share
 * broadcasts, rooms and requests through Redis pub/sub.
 *
 * Wire-compatible with node's @socket.io/redis-adapter 8.x (the classic
 * pub/sub adapter) so C and node servers can share one fleet, and driven
 * unchanged by @socket.io/redis-emitter 5.x from other processes; the wire is
 * written down in docs/redis.md. Its own library, libsocketio-redis (hiredis's
 * async API on the server's libuv loop, msgpack-c), built on the public
 * headers socketio.h and socketio/adapter.h only.
 *
 * Use: sio_redis_options_init(&o); set o.url (or host/port...);
 * r = sio_redis_new(loop, &o, err, sizeof err); sio_redis_attach(r, srv)
 * before any client connects. The adapter connects in the background and
 * reconnects with backoff; while Redis is away broadcasts still reach this
 * server's clients, publishes wait in a bounded queue, and requests complete
 * with this server's answers. Every call from the loop's thread.
 */
#ifndef SOCKETIO_REDIS_H
#define SOCKETIO_REDIS_H

#include "socketio/adapter.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sio_redis sio_redis;

typedef struct sio_redis_options {
	/* redis://[[username]:password@]host[:port][/db] or unix:///path[?db=N];
	 * when set, it gives the fields below (NULL: use them). */
	const char *url;
	const char *host; /* "127.0.0.1" */
	int port;         /* 6379 */
	const char *unix_path;
	const char *username; /* ACL user (Redis 6+); NULL: AUTH with the password alone */
	const char *password; /* NULL: no AUTH */
	int db;               /* SELECT, 0 */
	/* node's `key` option: the channel prefix, "socket.io". */
	const char *key;
	/* node's requestsTimeout: how long a request waits for the other
	 * servers' answers, 5000 ms. */
	unsigned requests_timeout_ms;
	/* node's publishOnSpecificResponseChannel: answer a request on the
	 * requester's own channel (key-response#nsp#uid#) instead of the shared
	 * one. Off by default, as node. */
	bool publish_on_specific_response_channel;
	/* Subscribe to a room's channel (key#nsp#room#) only while this server
	 * has a socket in the room, plus the namespace's channel, instead of
	 * node's PSUBSCRIBE key#nsp#*: a server then receives only the
	 * broadcasts for its own rooms. Off by default: node servers publish
	 * single-room broadcasts on the room channel either way, so both modes
	 * mix in one fleet. */
	bool room_subscriptions;
	/* Publishes waiting while Redis is away, at most this many bytes
	 * (8 MiB); past it they are dropped and counted. */
	size_t max_queued_bytes;
	/* Reconnection backoff: from min to max, doubling (100 ms .. 5000 ms). */
	unsigned reconnect_min_ms;
	unsigned reconnect_max_ms;
} sio_redis_options;

/* The defaults above. */
SIO_EXPORT void sio_redis_options_init(sio_redis_options *o);

/* A new adapter on loop; it starts connecting at once. The option strings
 * are copied. NULL on a bad option (a malformed url...), with the reason in
 * err. */
SIO_EXPORT sio_redis *sio_redis_new(uv_loop_t *loop, const sio_redis_options *o, char *err,
                                    size_t errlen);
/* Make it srv's adapter (sio_server_set_adapter): before any client
 * connects. One adapter serves one server. */
SIO_EXPORT int sio_redis_attach(sio_redis *r, sio_server *srv);
/* This server's random id on the wire (node's uid, 6 characters). */
SIO_EXPORT const char *sio_redis_uid(const sio_redis *r);

typedef struct sio_redis_stats {
	bool connected;              /* both connections up and subscribed */
	uint64_t connects;           /* successful (re)connections */
	uint64_t published;          /* messages PUBLISHed */
	uint64_t publish_dropped;    /* lost: queue full while Redis was away */
	size_t queued_bytes;         /* waiting for Redis now */
	uint64_t received;           /* messages received from other servers */
	uint64_t malformed;          /* received and ignored: not decodable */
	uint64_t requests;           /* requests this server sent */
	uint64_t requests_timed_out; /* ... that ended at their timeout */
	uint64_t answers_missing;    /* servers counted by NUMSUB that did not answer in time */
} sio_redis_stats;
SIO_EXPORT void sio_redis_get_stats(const sio_redis *r, sio_redis_stats *out);

/* Called when the connection to Redis comes up (connected true) or goes
 * away (false, reason says why). */
typedef void (*sio_redis_state_fn)(sio_redis *r, bool connected, const char *reason, void *user);
SIO_EXPORT void sio_redis_on_state(sio_redis *r, sio_redis_state_fn fn, void *user);

/* Close the connections and free. After the server it is attached to is
 * freed, or once its listener is closed (eio_listener_close: the server
 * then falls back to its own sockets until it is freed, and uv_run can
 * return), or before it was attached. Its handles finish closing during the
 * loop's next run, as the listener's do. */
SIO_EXPORT void sio_redis_free(sio_redis *r);

/* ---- Ingest: JSON from plain Redis publishers (docs/redis.md, "Ingest") ------
 *
 * Messages that other programs put into Redis, handed to the application:
 * - Pub/Sub channels (SUBSCRIBE): every process that ingests a channel gets
 *   each message published while it is subscribed (at most once: a message
 *   published while Redis or this process is away is lost to it);
 * - Streams read as a consumer group (XGROUP CREATE ... MKSTREAM,
 *   XREADGROUP ... BLOCK on a connection of its own, XACK after the
 *   callback): each entry is taken by one member of the group; entries a
 *   member left pending (it died between reading and acknowledging) are
 *   claimed by another after claim_min_idle_ms (XAUTOCLAIM, Redis 6.2+), so
 *   an entry is handed over once, and again only across a member's death.
 * Its own connections (the adapter's options give the address), the
 * adapter's reconnection with backoff; bounded: `count` entries per read.
 */

typedef struct sio_redis_ingest sio_redis_ingest;

typedef struct sio_redis_ingest_options {
	const char *const *channels; /* Pub/Sub channels to subscribe to */
	size_t nchannels;
	const char *const *streams; /* streams to read as a member of `group` */
	size_t nstreams;
	const char *group;    /* the consumer group, "sio-server" */
	const char *consumer; /* this member's name in it; NULL: "host:pid" */
	const char *field;    /* the entry field holding the payload, "data" */
	/* where a group created here starts: "$" (entries added from now on,
	 * the default) or "0" (the stream's whole history) */
	const char *start_id;
	unsigned count;             /* entries per read (COUNT), 32 */
	unsigned block_ms;          /* XREADGROUP BLOCK, 5000 */
	unsigned claim_min_idle_ms; /* an entry pending this long is claimed, 30000 */
	unsigned claim_interval_ms; /* how often pending entries are looked for, 5000 */
} sio_redis_ingest_options;

/* The defaults above. */
SIO_EXPORT void sio_redis_ingest_options_init(sio_redis_ingest_options *o);

/* One message: from a channel (stream false, id NULL) or a stream entry
 * (its id; claimed when taken over from a member that left it pending).
 * payload is NULL for an entry without the payload field. Valid during the
 * call; a stream entry is acknowledged after the call returns. */
typedef struct sio_redis_ingest_msg {
	const char *source; /* the channel or the stream */
	bool stream;
	const char *id;
	const char *payload;
	size_t len;
	bool claimed;
} sio_redis_ingest_msg;
typedef void (*sio_redis_ingest_fn)(const sio_redis_ingest_msg *m, void *user);

typedef struct sio_redis_ingest_stats {
	bool channels_connected; /* subscribed to every channel (true without channels) */
	bool streams_connected;  /* reading the streams (true without streams) */
	uint64_t messages;       /* Pub/Sub messages received */
	uint64_t entries;        /* stream entries handed over, claimed ones included */
	uint64_t claimed;        /* ... of which claimed from another member */
	uint64_t ack_failures;   /* XACKs refused or lost (the entry stays pending) */
} sio_redis_ingest_stats;

/* Start ingesting on loop: conn gives the Redis address (as for
 * sio_redis_new; key and the adapter's other options are not used). NULL on
 * a bad option, with the reason in err. fn runs on the loop's thread. */
SIO_EXPORT sio_redis_ingest *sio_redis_ingest_new(uv_loop_t *loop, const sio_redis_options *conn,
                                                  const sio_redis_ingest_options *o,
                                                  sio_redis_ingest_fn fn, void *user, char *err,
                                                  size_t errlen);
/* This member's consumer name in the group. */
SIO_EXPORT const char *sio_redis_ingest_consumer(const sio_redis_ingest *g);
SIO_EXPORT void sio_redis_ingest_get_stats(const sio_redis_ingest *g, sio_redis_ingest_stats *out);
/* Called when the channels' or the streams' connection comes up or goes
 * away (what says which: "channels" or "streams"). */
typedef void (*sio_redis_ingest_state_fn)(sio_redis_ingest *g, const char *what, bool connected,
                                          const char *reason, void *user);
SIO_EXPORT void sio_redis_ingest_on_state(sio_redis_ingest *g, sio_redis_ingest_state_fn fn,
                                          void *user);
/* Close the connections; no callback after this, also from inside one. An
 * entry handed over and not yet acknowledged stays pending (claimed by
 * another member later). Handles finish closing during the loop's next run. */
SIO_EXPORT void sio_redis_ingest_free(sio_redis_ingest *g);

#ifdef __cplusplus
}
#endif
#endif
