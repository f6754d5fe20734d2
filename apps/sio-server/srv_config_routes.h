/* srv_config_routes.h - api.routes: request-shape aliases, so the
 * endpoints and field names of an old node server keep working in front of
 * the HTTP API's operations (srv_api_routes.c serves them).
 *
 *   "api": {"routes": [
 *     {"method": "POST", "path": "/api/notify/:userId", "action": "emit",
 *      "map": {"userId": ":userId", "event": "body.type", "data": "body.payload"}}
 *   ]}
 *
 * A route: an HTTP method, a path whose segments are literal or ":name" (a
 * parameter: one segment), an action (broadcast, emit, join, leave,
 * disconnect) and a map from the action's fields to where the request has
 * them. A map value is a source:
 *   ":name"           a path parameter
 *   "body"            the whole JSON body; "body.a.b" a member of it
 *   "query.name"      a query parameter
 *   "x{:id}y{body.k}" a template: sources in braces ("{{" "}}" literal),
 *                     the result a string
 *   anything else     a literal string ("job:progress")
 * The fields (docs/sio-server.md, "Request-shape aliases"):
 *   broadcast:  event, data?, room? | userId?        (none: every socket)
 *   emit:       event, data?, targets, except*
 *   join/leave: room | rooms (joined or left), targets, except*
 *   disconnect: targets, close?, except*
 * with targets room, rooms, userId, userIds, socketId, socketIds (join and
 * leave: inRoom instead of room/rooms) and except* exceptRoom,
 * exceptUserId, exceptSocketId. Everything is checked at load, each error
 * naming the key and the line and column of the value in the file.
 */
#ifndef SRV_CONFIG_ROUTES_H
#define SRV_CONFIG_ROUTES_H

#include "srv_config.h"

enum { /* sources */
	SRV_SRC_LITERAL = 1,
	SRV_SRC_PARAM,
	SRV_SRC_BODY,
	SRV_SRC_QUERY,
	SRV_SRC_TEMPLATE
};

enum { /* actions */
	SRV_ROUTE_BROADCAST = 1,
	SRV_ROUTE_EMIT,
	SRV_ROUTE_JOIN,
	SRV_ROUTE_LEAVE,
	SRV_ROUTE_DISCONNECT
};

enum { /* the map's fields */
	SRV_RK_EVENT,
	SRV_RK_DATA,
	SRV_RK_ROOM,
	SRV_RK_ROOMS,
	SRV_RK_USER_ID,
	SRV_RK_USER_IDS,
	SRV_RK_SOCKET_ID,
	SRV_RK_SOCKET_IDS,
	SRV_RK_IN_ROOM,
	SRV_RK_EXCEPT_ROOM,
	SRV_RK_EXCEPT_USER_ID,
	SRV_RK_EXCEPT_SOCKET_ID,
	SRV_RK_CLOSE,
	SRV_RK_N
};

extern const char *const srv_route_keys[SRV_RK_N]; /* "event", "data", ... */

typedef struct srv_route_src {
	int kind;
	char *text;  /* as configured: ":id", "body.a.b", "query.q", a template or a literal */
	size_t skip; /* text + skip is what the request is searched for: the
	                parameter name, body path ("" the whole body), query name */
} srv_route_src;

typedef struct srv_api_route {
	char *method;                 /* "POST" */
	char *path;                   /* as configured */
	srv_strv segs;                /* its segments; ":name" a parameter */
	int action;                   /* SRV_ROUTE_* */
	srv_route_src *map[SRV_RK_N]; /* NULL: not mapped */
} srv_api_route;

typedef struct srv_api_routes {
	srv_api_route *v;
	size_t n;
} srv_api_routes;

/* Parsed by srv_cfgp_api_routes into cfg->api.routes, freed by
 * srv_config_routes_free (both declared in srv_config.h). */

#endif
