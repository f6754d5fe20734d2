/* eio_jsonp.h - JSONP polling's wire format for Engine.IO v3 clients (no I/O;
 * eio_jsonp.c, node's transports/polling-jsonp.js). */
#ifndef EIO_JSONP_H
#define EIO_JSONP_H

#include <stddef.h>

/* The digits of the handshake's `j` (others dropped), at most cap - 1. */
void eio_jsonp_index(const char *j, char *out, size_t cap);

/* `___eio[<index>]("<payload as a JavaScript string>");`, malloc'd (its
 * length in *outlen), or NULL when out of memory. */
char *eio_jsonp_wrap(const char *index, const char *payload, size_t len, size_t *outlen);

/* The payload of a form body `d=...`: 1 with *out malloc'd (its length in
 * *outlen), 0 when the body has no `d` or more than one (no payload), -1
 * when out of memory. */
int eio_jsonp_form_payload(const char *body, size_t len, char **out, size_t *outlen);

#endif
