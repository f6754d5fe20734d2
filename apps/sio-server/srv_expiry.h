/* srv_expiry.h - token expiry during a connection: when the JWT of an
 * authenticated socket expires, the socket gets cfg->token_expiry (event
 * "auth-expired" {message} by default; no event when its event is unset)
 * and is disconnected, transport included (node's socket.disconnect(true)):
 * socket.io-client sees "disconnect" with "io server disconnect" and does not
 * reconnect on its own; the application signs in again. A plain WebSocket
 * client (srv_plainws.c) gets the event as its endpoint frames events, then
 * a close frame 1008 "token expired".
 *
 * When: at exp + auth.leewaySeconds, the moment the same token would stop
 * being accepted at connection (an accepted token is never cut off at once;
 * with leewaySeconds 0 it is exactly exp). exp is wall-clock time; the
 * deadline is converted once to the loop's monotonic clock, so a later wall
 * clock change does not move it.
 *
 * One uv_timer for every socket: deadlines are kept in a binary min-heap
 * (O(log n) add and remove), with a socket -> heap slot index for the
 * removal when a socket disconnects first; the timer is set to the earliest
 * deadline. Sockets without a token or without exp are not tracked.
 */
#ifndef SRV_EXPIRY_H
#define SRV_EXPIRY_H

#include "socketio.h"
#include "srv_config.h"
#include "srv_metrics.h"

typedef struct srv_expiry srv_expiry;

srv_expiry *srv_expiry_new(const srv_config *cfg, uv_loop_t *loop, srv_metrics *m);
/* Track s if its srv_user has an exp (call from the connection callback,
 * after authentication). */
void srv_expiry_on_connection(srv_expiry *e, sio_socket *s);
/* Forget s (call from its disconnect callback). */
void srv_expiry_on_disconnect(srv_expiry *e, sio_socket *s);
/* Stop the timer and close its handle (before the loop ends, e.g. at
 * shutdown); later calls above only update the bookkeeping. */
void srv_expiry_close(srv_expiry *e);
/* Free, once the loop has run the handle's close (after uv_run returns). */
void srv_expiry_free(srv_expiry *e);
/* Sockets tracked now. */
size_t srv_expiry_count(const srv_expiry *e);

#endif
