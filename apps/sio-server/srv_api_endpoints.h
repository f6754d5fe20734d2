/* srv_api_endpoints.h - the HTTP API's endpoints, which the router's table
 * in srv_api.c names (the paths, methods and credentials are there).
 *
 * Every endpoint has the same shape: it answers r (srv_api_req.h) and is
 * called with the route's path value (percent-decoded, valid UTF-8,
 * non-empty) or NULL for a route without one.
 */
#ifndef SRV_API_ENDPOINTS_H
#define SRV_API_ENDPOINTS_H

#include "srv_api_req.h"

typedef void srv_api_endpoint(srv_api_req *r, const char *value);

/* srv_api_stats.c */
srv_api_endpoint srv_api_health;  /* GET /health */
srv_api_endpoint srv_api_stats;   /* GET /stats */
srv_api_endpoint srv_api_room;    /* GET /rooms/:room */
srv_api_endpoint srv_api_metrics; /* GET cfg->metrics.path */
/* srv_api_broadcast.c */
srv_api_endpoint srv_api_broadcast_all;  /* POST /broadcast */
srv_api_endpoint srv_api_broadcast_user; /* POST /broadcast/user/:userId */
srv_api_endpoint srv_api_broadcast_room; /* POST /broadcast/room/:room */
/* srv_api_sockets.c */
srv_api_endpoint srv_api_emit;               /* POST /emit */
srv_api_endpoint srv_api_sockets_join;       /* POST /sockets/join */
srv_api_endpoint srv_api_sockets_leave;      /* POST /sockets/leave */
srv_api_endpoint srv_api_sockets_disconnect; /* POST /sockets/disconnect */
srv_api_endpoint srv_api_batch;              /* POST /batch */
/* The same with a body given (srv_api_ops.h: SRV_OP_*), for the aliases. */
void srv_api_ops_run(srv_api_req *r, int kind, const char *js, size_t len);
/* srv_api_routes.c: api.routes; the value is the request's path */
srv_api_endpoint srv_api_route_run;
struct srv_api_route;
/* The route for method (NULL: any) and path[0..n): one of that method, else
 * one of another method (the router answers 405), else NULL. */
const struct srv_api_route *srv_api_route_find(const srv_config *cfg, const char *method,
                                               const char *path, size_t n);
const char *srv_api_route_method(const struct srv_api_route *rt);

#endif
