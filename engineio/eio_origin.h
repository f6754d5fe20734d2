/* eio_origin.h - origin matching (see eio_origin.c). The first two are pure
 * string functions, unit-tested in tests/test_eio_origin.c. */
#ifndef EIO_ORIGIN_H
#define EIO_ORIGIN_H

#include <stdbool.h>

struct lws;
struct eio_server;

/* Is origin allowed by list (eio_options.cors_origin syntax: "*", exact
 * origins, "scheme://host:*" for any port)? False for a NULL list or an
 * empty origin. */
bool eio_origin_in_list(const char *list, const char *origin);
/* Is origin ("https://host[:port]") the server's own, by the Host header
 * ("host[:port]")? The scheme is not compared: TLS may end at a proxy. */
bool eio_origin_is_host(const char *origin, const char *host);
/* The Origin check of a WebSocket request (handshake or upgrade): true when
 * the server does not check origins, when the request has no Origin, or when
 * its Origin is listed or the server's own. */
bool eio_origin_check(const struct eio_server *srv, struct lws *wsi);

#endif
