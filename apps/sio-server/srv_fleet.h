/* srv_fleet.h - sio-server as one member of a fleet: the Redis adapter
 * (include/socketio/redis.h) when cfg->redis.enabled, so that broadcasts,
 * rooms and the API's questions reach every member; the in-memory adapter
 * otherwise (one process, as before).
 *
 * The adapter connects in the background: a Redis that is away at startup
 * or later never stops the server; this member's clients still get every
 * broadcast made here, and the state is logged (stderr), shown by /health
 * ("degraded") and counted in /metrics. The only file of sio-server that
 * calls the adapter's functions.
 */
#ifndef SRV_FLEET_H
#define SRV_FLEET_H

#include "socketio.h"
#include "socketio/redis.h"
#include "srv_config.h"

#include <stdbool.h>
#include <uv.h>

typedef struct srv_fleet srv_fleet;

/* The fleet of cfg on loop: with cfg->redis.enabled the adapter starts
 * connecting now. NULL when memory runs out or the adapter refuses its
 * options (err says why). */
srv_fleet *srv_fleet_new(const srv_config *cfg, uv_loop_t *loop, char *err, size_t errlen);
/* Make the adapter srv's, before any client connects (nothing to do
 * without Redis). 0, or an SIO_E* error. */
int srv_fleet_attach(srv_fleet *f, sio_server *srv);
/* After the server is freed. */
void srv_fleet_free(srv_fleet *f);

/* The connection options of cfg->redis (also the ingest's, srv_ingest.c);
 * the strings point into cfg. */
void srv_fleet_redis_options(const srv_config *cfg, sio_redis_options *o);

/* The Redis adapter is used (f may be NULL: no). */
bool srv_fleet_redis(const srv_fleet *f);
/* "redis://127.0.0.1:6379" (no credentials), or "" without Redis. */
const char *srv_fleet_address(const srv_fleet *f);
/* Connected to Redis; else *reason says why not ("connecting" until the
 * first attempt ends). Without Redis: true. */
bool srv_fleet_connected(const srv_fleet *f, const char **reason);
/* The adapter's counters; false (out untouched) without Redis. */
bool srv_fleet_stats(const srv_fleet *f, sio_redis_stats *out);

#endif
