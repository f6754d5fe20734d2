/* srv_api_req.h - one request to sio-server's HTTP API: the context every
 * endpoint reads and the answer every endpoint gives.
 *
 * The bottom of the API's files: the router (srv_api.c) and the endpoints
 * (srv_api_stats.c, srv_api_broadcast.c) call down into srv_api_req.c, which
 * calls none of them. Every JSON answer is an envelope:
 *   {"success":true,"data":{...},"meta":{"timestamp","requestId"}}
 *   {"success":false,"error":{"code","message"},"meta":{...}}
 * requestId is the request's X-Request-Id when it is a short token, else
 * generated.
 */
#ifndef SRV_API_REQ_H
#define SRV_API_REQ_H

#include "base/json.h"
#include "engineio.h"
#include "socketio.h"
#include "srv_auth.h"
#include "srv_config.h"
#include "srv_emit.h"
#include "srv_fleet.h"
#include "srv_metrics.h"

#include <stddef.h>
#include <time.h>

typedef struct srv_api {
	const srv_config *cfg;
	sio_server *srv;
	sio_namespace *nsp;             /* "/": broadcasts and /rooms */
	srv_auth *auth;                 /* admin JWTs; may be NULL */
	srv_emit *emit;                 /* broadcasts (fan-in, throttle) */
	srv_metrics *metrics;           /* may be NULL: no metrics endpoint */
	const srv_fleet *fleet;         /* may be NULL: one process, or stopping */
	unsigned long long seq;         /* request ids */
	struct fleet_req *stats_asking; /* /stats being asked of the fleet */
	time_t started;
} srv_api;

#define SRV_API_MAX_LISTED 1000 /* rooms per namespace in /stats, ids in /rooms */

typedef struct srv_api_req {
	srv_api *api;
	eio_http_request *req;
	char request_id[72];
	uint64_t t0;  /* uv_hrtime() when it arrived: sio_http_request_duration_seconds */
	char key[24]; /* which credential, for the log: "#0" (api.apiKeys' index), "token:<user>"
	                 (an admin token's user id, cut), "" (none) */
} srv_api_req;

/* Start answering req: r gets the context and the request id. */
void srv_api_req_init(srv_api_req *r, srv_api *api, eio_http_request *req);
/* A copy of r that outlives the endpoint's call, for an answer given later
 * (the net layer keeps the request until it is answered, even when the
 * client has gone: include/engineio.h, eio_http_reply). Answer it, then
 * free() it. NULL when memory runs out. */
srv_api_req *srv_api_req_defer(const srv_api_req *r);

/* Answer with data (raw JSON) in the envelope, or an error. Either frees
 * the request. */
void srv_api_ok(srv_api_req *r, int status, const char *data, size_t len);
void srv_api_fail(srv_api_req *r, int status, const char *code, const char *message);
/* Answer with the JSON w wrote into b as the data, or 500 if w failed (out
 * of memory); frees b. */
void srv_api_ok_json(srv_api_req *r, int status, base_buf *b, const base_jsonw *w);

#endif
