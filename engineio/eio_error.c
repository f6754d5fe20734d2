/* eio_error.c - Engine.IO's error answers: {"code":N,"message":"..."} with
 * Content-Type application/json, status 403 for code 4 (Forbidden) and 400
 * otherwise (spec "Errors"; node's server.ts sendErrorMessage), on a plain
 * request and on a refused WebSocket upgrade alike.
 */
#include "base/log.h"
#include "eio_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS "engineio:http"

static const char *const error_messages[] = {
	"Transport unknown", "Session ID unknown", "Bad handshake method",
	"Bad request",       "Forbidden",          "Unsupported protocol version",
};

static int status_of(int code)
{
	return code == EIO_ERR_FORBIDDEN ? 403 : 400;
}

/* The JSON body; message NULL: the code's own. Heap memory, or NULL. */
static char *error_body(int code, const char *message, size_t *len)
{
	if (!message)
		message = error_messages[code];
	char *b = malloc(64 + strlen(message) * 6);
	if (!b)
		return NULL;
	char *p = b + sprintf(b, "{\"code\":%d,\"message\":\"", code);
	for (const char *m = message; *m; m++) {
		unsigned char c = (unsigned char)*m;
		if (c == '"' || c == '\\')
			p += sprintf(p, "\\%c", c);
		else if (c < 0x20)
			p += sprintf(p, "\\u%04x", c);
		else
			*p++ = (char)c;
	}
	p += sprintf(p, "\"}");
	*len = (size_t)(p - b);
	return b;
}

void eio_error_respond(net_http *h, int code, const char *message)
{
	size_t len = 0;
	char *b = error_body(code, message, &len);
	base_log(NS, "error %d %s", code, message ? message : error_messages[code]);
	net_http_respond(h, status_of(code), "application/json", b, len);
	free(b);
}

int eio_error_refuse(struct lws *wsi, int code)
{
	size_t len = 0;
	char *b = error_body(code, NULL, &len);
	base_log("engineio:websocket", "upgrade refused: %s", error_messages[code]);
	if (!b)
		return -1;
	int r = net_ws_refuse(wsi, status_of(code), "application/json", b, len);
	free(b);
	return r;
}

/* The answer to an upgrade on a path no server is mounted on: code 3. */
int eio_error_set_unrouted(net_listener *l)
{
	size_t len = 0;
	char *b = error_body(EIO_ERR_BAD_REQUEST, NULL, &len);
	if (!b)
		return EIO_ENOMEM;
	int r = net_listener_set_unrouted_upgrade(l, status_of(EIO_ERR_BAD_REQUEST), b);
	free(b);
	return r < 0 ? EIO_ENOMEM : 0;
}
