/* srv_jwt_key.h - the check of a JWT public key, used by srv_jwt.c only.
 *
 * Split from srv_jwt.c because it is the one part that talks to OpenSSL:
 * the token checks never do (libjwt does, inside jwt_decode).
 */
#ifndef SRV_JWT_KEY_H
#define SRV_JWT_KEY_H

#include <stddef.h>

#include "srv_jwt.h"

/* Check pem[0, len) (NUL-terminated) as the public key of alg (RS256 or
 * ES256, called name in messages), read as libjwt will read it. On success returns 0 and sets
 * *sig_len to the exact size of a signature by that key. Otherwise returns
 * -1 with a one-line reason in err (base/err.h). */
int srv_jwt_key_check(srv_jwt_alg alg, const char *name, const char *pem, size_t len,
                      size_t *sig_len, char *err, size_t errlen);

#endif /* SRV_JWT_KEY_H */
