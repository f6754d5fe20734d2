/* eio_request.h - capture of a handshake request from libwebsockets. */
#ifndef EIO_REQUEST_H
#define EIO_REQUEST_H

#include "engineio.h"

struct lws;

/* Copy headers, query and address out of the request now: libwebsockets
 * detaches its header table once a WebSocket is established or a keep-alive
 * transaction completes. Returns NULL on allocation failure. */
eio_request *eio_request_capture(struct lws *wsi, const char *path, const eio_options *o);
void eio_request_free(eio_request *r);

/* Lower-case copy of a header by lws token, for use before capture (e.g. the
 * Origin check); returns the length, or -1 if absent or too long. */
int eio_request_peek_header(struct lws *wsi, int token, char *buf, int len);

/* Query parameter of the current request by exact name (URL-decoded), before
 * capture. False if absent or longer than len - 1. */
bool eio_request_peek_query(struct lws *wsi, const char *name, char *buf, size_t len);

#endif
