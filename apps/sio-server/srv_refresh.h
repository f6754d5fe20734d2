/* srv_refresh.h - a token refreshed during a long session, without a
 * reconnection (auth.refreshEvent, e.g. "auth:refresh").
 *
 * The client sends the event with its new token (a string, or {token}) and
 * an ack. The token is verified exactly as at connection (srv_auth_verify:
 * algorithm, signature, exp/nbf/iat with the leeway) and must name the same
 * user as the socket's (a socket never changes users: its rooms and
 * presence were built for that one). On success the socket's claims, role
 * and exp are replaced, its expiry moves to the new exp (srv_expiry), and
 * the ack gets {success: true, exp}. Otherwise nothing changes (the old
 * token keeps its own expiry) and the ack gets {success: false, code,
 * message}: UNAUTHORIZED (no token, a bad one, or an anonymous socket),
 * TOKEN_EXPIRED, USER_MISMATCH.
 */
#ifndef SRV_REFRESH_H
#define SRV_REFRESH_H

#include "socketio.h"
#include "srv_auth.h"
#include "srv_config.h"
#include "srv_expiry.h"
#include "srv_metrics.h"

typedef struct srv_refresh srv_refresh;

/* NULL when auth.refreshEvent is unset, or out of memory (*oom set). */
srv_refresh *srv_refresh_new(const srv_config *cfg, const srv_auth *auth, srv_expiry *expiry,
                             srv_metrics *m, bool *oom);
int srv_refresh_install(srv_refresh *r, sio_namespace *nsp);
void srv_refresh_free(srv_refresh *r);

#endif
