/* srv_api.h - sio-server's HTTP API and metrics on the Socket.IO port.
 *
 * Under cfg->api.prefix ("/api/v1/websocket"):
 *   GET  /health                   open
 *   GET  /stats                    connections, rooms with member counts,
 *                                  per namespace
 *   GET  /rooms/:room              members of a room of "/"
 *   POST /broadcast                {event, data?} to every socket of "/"
 *   POST /broadcast/user/:userId   to cfg->api.user_room ("user:{userId}")
 *   POST /broadcast/room/:room     to the room (plus fan-in rooms; throttle)
 * Each alias in cfg->api.aliases serves /health and /stats only.
 * GET cfg->metrics.path: Prometheus text (srv_metrics), open unless
 * cfg->metrics.require_api_key.
 *
 * Every JSON answer is an envelope:
 *   {"success":true,"data":{...},"meta":{"timestamp","requestId"}}
 *   {"success":false,"error":{"code","message"},"meta":{...}}
 * requestId is the request's X-Request-Id when it is a short token, else
 * generated. Everything but health (and metrics by default) needs an API
 * key (X-Api-Key: <key>, or Authorization: Bearer <key>) or an admin JWT
 * (Authorization: Bearer <jwt>, verified like a handshake token, role claim
 * == cfg->api.admin_role): 401 without valid credentials, 403 for a valid
 * token without the role. :room and :userId are percent-decoded (by
 * libwebsockets) and run to the end of the path, so %2F stays in them.
 */
#ifndef SRV_API_H
#define SRV_API_H

#include "socketio.h"
#include "srv_auth.h"
#include "srv_config.h"
#include "srv_api_body.h"
#include "srv_emit.h"
#include "srv_metrics.h"

#include <time.h>

typedef struct srv_api {
	const srv_config *cfg;
	sio_server *srv;
	sio_namespace *nsp;     /* "/": broadcasts and /rooms */
	srv_auth *auth;         /* admin JWTs; may be NULL */
	srv_emit *emit;         /* broadcasts (fan-in, throttle) */
	srv_metrics *metrics;   /* may be NULL: no metrics endpoint */
	unsigned long long seq; /* request ids */
	time_t started;
} srv_api;

/* Fill api and install the HTTP handler on l. auth and metrics may be NULL. */
int srv_api_install(srv_api *api, eio_listener *l, const srv_config *cfg, sio_server *srv,
                    srv_auth *auth, srv_emit *emit, srv_metrics *metrics);

/* ---- internal: shared by srv_api*.c ---------------------------------------- */

#define SRV_API_MAX_LISTED 1000 /* rooms per namespace in /stats, ids in /rooms */

typedef struct srv_api_req {
	srv_api *api;
	eio_http_request *req;
	char request_id[72];
} srv_api_req;

/* Answer with data (raw JSON) in the envelope, or an error. Either frees
 * the request. */
void srv_api_ok(srv_api_req *r, int status, const char *data, size_t len);
void srv_api_fail(srv_api_req *r, int status, const char *code, const char *message);
/* 0 when the request carries an API key or an admin token; otherwise the
 * 401/403 answer is sent and -1 returned. */
int srv_api_authorize(srv_api_req *r);
/* A path value as a malloc'd string (the path arrives percent-decoded);
 * NULL when it is not valid UTF-8, or out of memory. */
char *srv_api_segment(const char *s, size_t n);

/* srv_api_stats.c */
void srv_api_health(srv_api_req *r);
void srv_api_stats(srv_api_req *r);
void srv_api_room(srv_api_req *r, const char *room);
void srv_api_metrics(srv_api_req *r);
/* srv_api_broadcast.c: kind 'a' (all), 'u' (user; arg the user id), 'r'
 * (room; arg the room). */
void srv_api_broadcast(srv_api_req *r, int kind, const char *arg);

#endif
