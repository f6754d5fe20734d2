/* eio_admit.h - admission control of new sessions (eio_admit.c). */
#ifndef EIO_ADMIT_H
#define EIO_ADMIT_H

#include "eio_internal.h"

/* Parse the server's trusted proxies (eio_options.trusted_proxies): 0, or
 * EIO_EINVAL / EIO_ENOMEM. */
int eio_admit_init(eio_server *srv);
void eio_admit_free(eio_server *srv);
/* The listener's counts (eio_internal.h): freed with the listener, after
 * its servers. */
void eio_admit_free_listener(eio_listener *l);

/* May a new session open for this request (a polling handshake, an
 * Upgrade without sid before its 101, or a plain WebSocket's)? The
 * listener's totals against this server's bounds: 0, or EIO_ADMIT_BUSY (handshakes in
 * flight at max_pending_handshakes) or EIO_ADMIT_ADDRESS (the client's
 * address at max_sessions_per_address); a refusal is counted. */
enum {
	EIO_ADMIT_BUSY = 1,
	EIO_ADMIT_ADDRESS = 2
};
int eio_admit_check(eio_server *srv, struct lws *wsi);
/* Count the new session s: in flight, and under its client's address.
 * Called once the session exists (its request's header table still there). */
void eio_admit_take(eio_session *s, struct lws *wsi);
/* Its first message arrived: no longer in flight. */
void eio_admit_settle(eio_session *s);
/* The session ended: uncounted. */
void eio_admit_release(eio_session *s);

/* The answers to a refusal: 503 with Retry-After, once the application
 * is told (eio_server_on_refusal: "server_busy" or "address_limit", code 6). */
void eio_admit_respond(eio_server *srv, net_http *h, const char *path, int why);
int eio_admit_refuse_upgrade(eio_server *srv, struct lws *wsi, const char *path, int why);

#endif
