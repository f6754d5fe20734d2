/* srv_auth.h - sio-server's handshake authentication: a middleware on a
 * namespace that finds the client's JWT (handshake auth {token}, an
 * "Authorization: Bearer" header, or a ?token= query parameter, in the
 * configured order), verifies it with srv_jwt and keeps the claims per
 * socket (sio_socket_get_user() is a srv_user, or NULL for an anonymous
 * client). Refusals are connect_error {message: the verifier's reason,
 * data: {code: "UNAUTHORIZED" | "TOKEN_EXPIRED"}}.
 *
 * The srv_user is owned by the socket: call srv_user_free() from the
 * socket's disconnect callback.
 */
#ifndef SRV_AUTH_H
#define SRV_AUTH_H

#include "socketio.h"
#include "srv_config.h"
#include "srv_metrics.h"

typedef struct srv_user {
	srv_jwt_claims *claims; /* NULL for an anonymous client */
	char *user_id;          /* the user id claim (string or integer), or NULL */
	char *role;             /* the role claim, or NULL */
	long long exp;          /* the exp claim, 0 if none */
} srv_user;

typedef struct srv_auth srv_auth;

/* NULL with a message in err when the verifier cannot be built. With auth
 * disabled, returns an srv_auth that accepts everyone as anonymous. */
srv_auth *srv_auth_new(const srv_config *cfg, char *err, size_t errlen);
/* A reload (srv_reload.c): a verifies with next's key from now on (next
 * was made by srv_auth_new from the new configuration, whose auth values
 * the caller moves into a's configuration); next is freed. Verification
 * is synchronous on the loop, so no check is in flight. */
void srv_auth_take_keys(srv_auth *a, srv_auth *next);
void srv_auth_free(srv_auth *a);
/* Keys from a JWKS URL (srv_jwks.h), before srv_auth_install; not owned. */
struct srv_jwks;
void srv_auth_set_jwks(srv_auth *a, struct srv_jwks *j);
/* Add the middleware to nsp. */
int srv_auth_install(srv_auth *a, sio_namespace *nsp, srv_metrics *m);

/* Verify a token (also used by the HTTP API). 0 and *out, or a SRV_JWT_E*
 * code and *why. */
int srv_auth_verify(const srv_auth *a, const char *token, size_t len, srv_user **out,
                    const char **why);

srv_user *srv_user_of(const sio_socket *s);
void srv_user_free(srv_user *u);

#endif
