/* srv_cors.c - cors.* as the engine's origin list (srv_cors.h): the
 * configured origins, "*", and in development mode the localhost ones.
 * Given at startup to the Socket.IO server and the plain WebSocket
 * endpoints (main.c, srv_plainws.c), and again at a reload
 * (eio_server_set_cors). */
#include "srv_cors.h"

#include <stdlib.h>
#include <string.h>

/* Development mode (cors.allow_localhost): pages served from the developer's
 * machine, on any port (a Vite or webpack dev server picks its own). */
static const char localhost_origins[] = "http://localhost:*,https://localhost:*,http://127.0.0.1:*,"
                                        "https://127.0.0.1:*,http://[::1]:*,https://[::1]:*";

char *srv_cors_list(const srv_config_cors *c, bool *oom)
{
	*oom = false;
	if (c->any_origin) {
		char *s = strdup("*");
		*oom = !s;
		return s;
	}
	size_t n = 1 + (c->allow_localhost ? sizeof(localhost_origins) : 0);
	for (size_t i = 0; i < c->origins.n; i++)
		n += strlen(c->origins.v[i]) + 1;
	if (c->origins.n == 0 && !c->allow_localhost)
		return NULL;
	char *s = calloc(1, n);
	if (!s) {
		*oom = true;
		return NULL;
	}
	for (size_t i = 0; i < c->origins.n; i++) {
		if (i)
			strcat(s, ",");
		strcat(s, c->origins.v[i]);
	}
	if (c->allow_localhost) {
		if (*s)
			strcat(s, ",");
		strcat(s, localhost_origins);
	}
	return s;
}
