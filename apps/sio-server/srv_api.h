/* srv_api.h - sio-server's HTTP API on the Socket.IO port (first slice):
 * GET <api.prefix>/health and <alias>/health -> 200
 * {"success":true,"data":{"status":"ok"},"meta":{"timestamp","requestId"}};
 * anything else -> 404 in the same envelope with success false. */
#ifndef SRV_API_H
#define SRV_API_H

#include "socketio.h"
#include "srv_config.h"

typedef struct srv_api {
    const srv_config *cfg;
    sio_server *srv;
    unsigned long long seq;    /* request ids */
} srv_api;

int srv_api_install(srv_api *api, eio_listener *l, const srv_config *cfg, sio_server *srv);

#endif
