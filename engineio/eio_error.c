/* eio_error.c - Engine.IO's error answers: {"code":N,"message":"..."} with
 * Content-Type application/json, status 403 for code 4 (Forbidden) and 400
 * otherwise (spec "Errors"; node's server.ts sendErrorMessage), on a plain
 * request and on a refused WebSocket upgrade alike; and the report of a
 * refusal to the application (eio_server_on_refusal, as node's
 * "connection_error" event): the engine logs nothing for operations, the
 * application decides what to write and where.
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

/* Stable names of the refusals by error code (engineio.h, eio_refusal). */
static const char *const error_kinds[] = {
	"unknown_transport", "unknown_sid", "bad_handshake_method",
	"bad_request",       "forbidden",   "unsupported_protocol",
};

#define NCODES ((int)(sizeof error_kinds / sizeof *error_kinds))

const char *eio_error_kind(int code)
{
	return code >= 0 && code < NCODES ? error_kinds[code] : "error";
}

static const char *message_of(int code)
{
	return code >= 0 && code < NCODES ? error_messages[code] : "Error";
}

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

void eio_refusal_report(eio_server *srv, struct lws *wsi, const char *path, eio_refusal r)
{
	if (!srv->on_refusal)
		return;
	/* The request is copied only for a listener: a flood of bad requests
	 * to a server that does not ask costs nothing more. */
	net_request *req =
	        net_request_capture(wsi, path, srv->o.capture_headers, srv->o.trust_proxy);
	r.req = req ? eio_request_of(req) : NULL;
	srv->on_refusal(srv, &r, srv->refusal_user);
	net_request_free(req);
}

static eio_refusal refusal_of(int code, const char *kind, bool websocket)
{
	return (eio_refusal){ .kind = kind ? kind : eio_error_kind(code),
		              .message = message_of(code),
		              .code = code,
		              .status = status_of(code),
		              .websocket = websocket };
}

void eio_error_refuse_http(eio_server *srv, net_http *h, const char *path, int code,
                           const char *kind)
{
	eio_refusal_report(srv, h->wsi, path, refusal_of(code, kind, false));
	eio_error_respond(h, code, NULL);
}

int eio_error_refuse_ws(eio_server *srv, struct lws *wsi, const char *path, int code,
                        const char *kind)
{
	eio_refusal_report(srv, wsi, path, refusal_of(code, kind, true));
	return eio_error_refuse(wsi, code);
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
