/* srv_cors.h - the browser origins sio-server allows, as the engine takes
 * them (srv_cors.c; docs/sio-server.md, "CORS and the Origin check"). */
#ifndef SRV_CORS_H
#define SRV_CORS_H

#include "srv_config.h"

/* cfg's CORS section as eio_options.cors_origin: "*", "a,b,...", or NULL
 * for none; the same list is the WebSocket Origin check's. malloc'd or
 * NULL; *oom set when allocation failed. */
char *srv_cors_list(const srv_config_cors *c, bool *oom);

#endif
