/* srv_limits.h - sio-server's rate limits (cfg->limits, joinEvents[].
 * rateLimitPerMinute) on a namespace:
 *   - connection attempts per client IP per minute: a middleware that must
 *     run before authentication (so a flood of bad tokens is refused
 *     cheaply), refusing with connect_error {message: "Too many connection
 *     attempts", data: {code: "RATE_LIMIT_EXCEEDED"}};
 *   - events per user per minute (per client IP for an anonymous client):
 *     an incoming-event filter (node's socket.use) that counts every event
 *     and drops those over the limit, answering each dropped event with
 *     the limits.exceeded reply (event "error" {code, message} by default);
 *     an acknowledgement the client asked for is left unanswered, as when a
 *     node socket.use middleware calls next(err);
 *   - join/leave events (rooms.joinEvents) per user per minute (per socket
 *     for an anonymous client): the same filter, a counter per join event
 *     shared by its join and leave names; over the limit the event is
 *     dropped (nothing joined or left) with the same reply.
 * Windows are fixed, one minute from a key's first hit (srv_ratelimit.h).
 * A limit of 0 is off. Counters are keyed by user, not socket, so
 * reconnecting or opening tabs does not reset them.
 */
#ifndef SRV_LIMITS_H
#define SRV_LIMITS_H

#include "socketio.h"
#include "srv_config.h"
#include "srv_metrics.h"

/* Keys per counter table: a flood of distinct IPs or users evicts the
 * oldest windows instead of growing the table. */
#define SRV_LIMITS_MAX_KEYS  100000
#define SRV_LIMITS_WINDOW_MS 60000

typedef struct srv_limits srv_limits;

/* What was refused: one counter per kind (for the metrics module). */
typedef enum srv_limit_kind {
	SRV_LIMIT_CONNECTIONS = 1, /* connection attempts per IP */
	SRV_LIMIT_EVENTS,          /* events per user / IP */
	SRV_LIMIT_SUBSCRIBE        /* join/leave events */
} srv_limit_kind;

srv_limits *srv_limits_new(const srv_config *cfg, uv_loop_t *loop, srv_metrics *m);
/* After a reload changed the configuration's limits in place (srv_reload.c):
 * the per-IP connection and per-user event tables whose limit changed
 * (from these values) are made anew, their windows starting over. 0, or
 * -1 out of memory (the old tables kept). */
int srv_limits_reload(srv_limits *l, long connections_before, long events_before);
void srv_limits_free(srv_limits *l);
/* Add the connection middleware and the event filter to nsp: call before
 * srv_auth_install (middleware runs in the order added). */
int srv_limits_install(srv_limits *l, sio_namespace *nsp);
/* The same limits for clients that are not Socket.IO clients (plain
 * WebSockets, srv_plainws.c): a connection attempt from ip (0, or -1 over
 * connectionsPerMinutePerIp); one message of socket s counted as an event
 * of its user or IP (0, or -1 over eventsPerMinute); one join or leave
 * message of socket s on the endpoint at path, counted per user (per
 * socket for an anonymous client) on one counter per endpoint (0, or -1
 * over limits.subscribeEventsPerMinute). A refusal is counted and logged
 * as a Socket.IO client's is; the caller drops the message and answers it
 * in the endpoint's own format (its errors.rateLimited). */
int srv_limits_connection(srv_limits *l, const char *ip);
int srv_limits_message(srv_limits *l, sio_socket *s);
int srv_limits_plain_subscribe(srv_limits *l, sio_socket *s, const char *path);
/* Admission control (cfg->admission, docs/sio-server.md "Admission
 * control") into Engine.IO options: the Socket.IO server's and each plain
 * WebSocket endpoint's get the same bounds, which engineio/ checks against
 * counts shared by every server of the listener (eio_admit.c). Behind a
 * proxy on this machine (trustProxy, no trustedProxies) the loopback
 * addresses are the trusted proxies. */
void srv_limits_admission(const srv_config *cfg, eio_options *o);
/* Refusals so far, by kind (0 for an unknown kind). */
unsigned long long srv_limits_refused(const srv_limits *l, srv_limit_kind kind);

#endif
