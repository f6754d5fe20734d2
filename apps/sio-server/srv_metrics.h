/* srv_metrics.h - sio-server's Prometheus metrics (GET cfg->metrics.path,
 * text exposition format 0.0.4).
 *
 * Counters live here; gauges (connections, rooms) and the engine's byte
 * counters are read at scrape time from the socketio/engineio layers, so
 * nothing has to be kept in step with them. Every call is O(1) or bounded:
 * event names come from clients, so only the first SRV_METRICS_MAX_NAMES
 * distinct names (each at most SRV_METRICS_MAX_NAME_LEN bytes) get their own
 * label value; any other name is counted as event="_other". Error kinds are
 * chosen by the server's modules, but are bounded the same way.
 *
 * Exposed:
 *   sio_connections                  gauge: connected sockets, every namespace
 *   sio_engine_connections           gauge: Engine.IO sessions
 *   sio_rooms                        gauge: rooms (without socket-id rooms)
 *   sio_connections_total            counter: socket.io connections accepted
 *   sio_disconnections_total{reason} counter: node's disconnect reasons
 *   sio_events_received_total{event} counter
 *   sio_events_sent_total{event}     counter: one per recipient socket
 *   sio_bytes_received_total, sio_bytes_sent_total, sio_messages_*_total
 *                                    counters: Engine.IO message payloads
 *   sio_errors_total{kind}           counter
 *   sio_http_requests_total{code}    counter: the HTTP API's answers
 *   sio_handshake_duration_seconds   histogram: from the Engine.IO handshake
 *                                    request to the socket.io connection
 *                                    (auth middleware included)
 * With the Redis adapter (srv_fleet), its state and counters
 * (sio_redis_stats, include/socketio/redis.h):
 *   sio_redis_connected              gauge: 1 connected and subscribed, else 0
 *   sio_redis_queued_bytes           gauge: publishes waiting for Redis
 *   sio_redis_connects_total, sio_redis_published_total,
 *   sio_redis_publish_dropped_total, sio_redis_received_total,
 *   sio_redis_malformed_total, sio_redis_requests_total,
 *   sio_redis_requests_timed_out_total, sio_redis_answers_missing_total
 */
#ifndef SRV_METRICS_H
#define SRV_METRICS_H

#include "base/buf.h"
#include "socketio.h"
#include "srv_fleet.h"

#include <stdint.h>

#define SRV_METRICS_MAX_NAMES    64 /* distinct label values per family */
#define SRV_METRICS_MAX_NAME_LEN 64
#define SRV_METRICS_OTHER        "_other"
#define SRV_METRICS_NBUCKETS     12

typedef struct srv_metrics srv_metrics;

/* srv: where the gauges and engine counters are read; may be NULL (tests). */
srv_metrics *srv_metrics_new(sio_server *srv);
void srv_metrics_free(srv_metrics *m);

/* Count every incoming event of nsp (an event filter that never drops).
 * Install it before filters that may drop events (rate limits) to count
 * what clients sent, after them to count what was handled. */
int srv_metrics_install(srv_metrics *m, sio_namespace *nsp);

/* Calls for the other modules. NULL m is allowed (does nothing). */
void srv_metrics_event_received(srv_metrics *m, const char *event);
void srv_metrics_event_sent(srv_metrics *m, const char *event, uint64_t recipients);
/* kind: a short snake_case constant ("rate_limited", "auth_refused",
 * "room_denied", "invalid_room", "token_expired", "connection_limited"). */
void srv_metrics_error(srv_metrics *m, const char *kind);
/* The engine's refusal callback (eio_server_on_refusal; user: the
 * srv_metrics): counted in sio_errors_total by the refusal's kind (admission's
 * already are, in sio_engine_handshakes_refused_total), then logged at info
 * (srv_log_refusal). */
void srv_metrics_on_refusal(eio_server *es, const eio_refusal *r, void *user);
void srv_metrics_http(srv_metrics *m, int status);
/* From the app's connection callback: the connection count and the
 * handshake latency (now minus the handshake request's time). */
void srv_metrics_connection(srv_metrics *m, sio_socket *s);
/* From the app's disconnect callback. */
void srv_metrics_disconnect(srv_metrics *m, const char *reason);
/* Latency in milliseconds, for tests and for callers that measure. */
void srv_metrics_observe_handshake(srv_metrics *m, double ms);

/* Families of another module (the webhooks'), appended to the exposition:
 * fn appends text to b and returns 0, or -1 when out of memory. At most
 * SRV_METRICS_MAX_SECTIONS; -1 past that. */
#define SRV_METRICS_MAX_SECTIONS 4
struct base_buf;
typedef int (*srv_metrics_section_fn)(struct base_buf *b, void *user);
int srv_metrics_add_section(srv_metrics *m, srv_metrics_section_fn fn, void *user);
/* Expose the Redis adapter's state and counters (f may be NULL or without
 * Redis: nothing more is exposed). */
void srv_metrics_set_fleet(srv_metrics *m, const srv_fleet *f);
/* Add the admission refusals of es (a plain WebSocket endpoint's server)
 * to sio_engine_handshakes_refused_total. 0, or -1 out of memory. */
int srv_metrics_add_engine(srv_metrics *m, const eio_server *es);

/* The exposition text, malloc'd (free()), length in *len; NULL on OOM. */
char *srv_metrics_render(srv_metrics *m, size_t *len);

/* ---- operations (srv_metrics_ops.c: latency histograms, per-namespace
 * sockets, send-queue drops and slow-consumer cuts; its opening comment
 * lists the families) ---- */
typedef struct srv_metrics_ops srv_metrics_ops;
srv_metrics_ops *srv_metrics_ops_new(void);
void srv_metrics_ops_free(srv_metrics_ops *o);
srv_metrics_ops *srv_metrics_ops_of(srv_metrics *m); /* NULL m: NULL */
/* Observe the acks answered to nsp's sockets. */
void srv_metrics_ops_install(srv_metrics *m, sio_namespace *nsp);
/* Latencies in seconds; NULL m does nothing. */
void srv_metrics_observe_ack(srv_metrics *m, double seconds);
void srv_metrics_observe_http(srv_metrics *m, double seconds);
/* Append the families to b (srv may be NULL: no gauges); 0 or -1 (OOM). */
int srv_metrics_ops_render(srv_metrics_ops *o, sio_server *srv, base_buf *b);

#endif
