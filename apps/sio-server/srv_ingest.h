/* srv_ingest.h - sio-server's ingest from Redis (cfg->ingest,
 * docs/sio-server.md "Ingest from Redis"): JSON that plain publishers put
 * on Redis Pub/Sub channels or Streams, turned into broadcasts on the "/"
 * namespace by each source's mapping (srv_ingest_map.h).
 *
 * - A channel's message is delivered by every member of the fleet to its
 *   own clients (a local broadcast: every member receives it from Redis).
 * - A stream entry is taken by one member of the consumer group, which
 *   broadcasts it through the adapter to the whole fleet, then acknowledges
 *   it (include/socketio/redis.h, "Ingest").
 * - A malformed message (not JSON, a wrong shape, a bad room or event) is
 *   dropped: counted in /metrics (sio_errors_total{kind="ingest_malformed"}),
 *   logged under DEBUG=sio-server:ingest, and on stderr at most once per
 *   SRV_INGEST_WARN_MS with the number dropped meanwhile. Never fatal.
 */
#ifndef SRV_INGEST_H
#define SRV_INGEST_H

#include "socketio.h"
#include "srv_config.h"
#include "srv_metrics.h"

#include <stdbool.h>
#include <uv.h>

#define SRV_INGEST_WARN_MS 10000

typedef struct srv_ingest srv_ingest;

/* cfg has channels or streams (and then redis: srv_config_ingest_check). */
bool srv_ingest_configured(const srv_config *cfg);
/* Start: connects in the background. m may be NULL. NULL with err on a bad
 * option or out of memory. */
srv_ingest *srv_ingest_new(const srv_config *cfg, uv_loop_t *loop, sio_namespace *nsp,
                           srv_metrics *m, char *err, size_t errlen);
/* "2 channels, 1 stream (group "g", consumer "host:1")" for the startup line. */
void srv_ingest_describe(const srv_ingest *g, char *out, size_t cap);
/* Messages delivered and refused so far. */
void srv_ingest_counts(const srv_ingest *g, uint64_t *delivered, uint64_t *malformed);
/* Close the connections (at the stop: they would keep the loop alive). */
void srv_ingest_free(srv_ingest *g);

#endif
