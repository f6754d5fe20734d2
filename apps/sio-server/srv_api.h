/* srv_api.h - sio-server's HTTP API and metrics on the Socket.IO port.
 *
 * Under cfg->api.prefix ("/api/v1/websocket"):
 *   GET  /health                   open; "degraded" while Redis is away
 *   GET  /stats                    connections, rooms with member counts,
 *                                  per namespace
 *   GET  /rooms/:room              members of a room of "/"
 *   POST /broadcast                {event, data?} to every socket of "/"
 *   POST /broadcast/user/:userId   to cfg->api.user_room ("user:{userId}")
 *   POST /broadcast/room/:room     to the room (plus fan-in rooms; throttle)
 * Each alias in cfg->api.aliases serves /health and /stats only.
 * cfg->api.routes (srv_config_routes.h) adds an old server's endpoints,
 * matched first, served by srv_api_routes.c with the operations' rules.
 * GET cfg->metrics.path: Prometheus text (srv_metrics), open unless
 * cfg->metrics.require_api_key.
 *
 * A body over maxHttpBufferSize (or 1 MiB) is 413 before it is read, on any
 * path. Every JSON answer is an envelope (srv_api_req.h). Everything but health
 * (and metrics by default) needs an API key (X-Api-Key: <key>, or Authorization: Bearer <key>) or an admin JWT
 * (Authorization: Bearer <jwt>, verified like a handshake token, role claim
 * == cfg->api.admin_role): 401 without valid credentials, 403 for a valid
 * token without the role. :room and :userId are percent-decoded (by
 * libwebsockets) and run to the end of the path, so %2F stays in them.
 *
 * Files: srv_api.c routes (a table of routes) and checks credentials;
 * srv_api_stats.c and srv_api_broadcast.c are the endpoints
 * (srv_api_endpoints.h); srv_api_req.c answers (the envelope); all three
 * call it, it calls none of them. srv_api_body.c parses a broadcast body.
 */
#ifndef SRV_API_H
#define SRV_API_H

#include "engineio.h"
#include "socketio.h"
#include "srv_api_req.h"
#include "srv_auth.h"
#include "srv_config.h"
#include "srv_emit.h"
#include "srv_metrics.h"

/* A request body is read up to maxHttpBufferSize, and never past this: a
 * larger one is 413 PAYLOAD_TOO_LARGE before it is read. */
#define SRV_API_MAX_BODY ((size_t)1 << 20)

/* Fill api and install the HTTP handler on l. auth, metrics and fleet may
 * be NULL. */
int srv_api_install(srv_api *api, eio_listener *l, const srv_config *cfg, sio_server *srv,
                    srv_auth *auth, srv_emit *emit, srv_metrics *metrics, const srv_fleet *fleet);

#endif
