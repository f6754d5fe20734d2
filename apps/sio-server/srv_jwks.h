/* srv_jwks.h - JWT verification keys from a JWKS URL (auth.jwksUrl, RFC
 * 7517), fetched on the loop, cached, and fetched again when a token names
 * a key id ("kid", RFC 7515 4.1.4) the cache does not know: keys rotate
 * without a restart.
 *
 * Keys: RSA ("kty": "RSA", n, e) for RS256 and EC P-256 ("kty": "EC",
 * "crv": "P-256", x, y) for ES256, the pinned algorithm's only; a key whose
 * "use" is not "sig" or whose "alg" is another algorithm is skipped, as is
 * one without a "kid". Each becomes a PEM public key given to
 * srv_jwt_verifier_new, so it gets the same checks as a configured key
 * (RSA at least 2048 bits, the P-256 curve) and a verifier with the same
 * rules (leeway, exp, issuer, audience).
 *
 * Fetches: one at startup, one every refreshMs (1 hour), and one when a
 * token's kid is unknown, but at most once per minRefreshMs (30 s), so
 * tokens with made-up kids cannot make the server hammer the key server.
 * A failed fetch keeps the keys it had. At most SRV_JWKS_MAX_KEYS keys and
 * a 1 MiB document.
 */
#ifndef SRV_JWKS_H
#define SRV_JWKS_H

#include "srv_config.h"
#include "srv_jwt.h"

#include <stdbool.h>
#include <uv.h>

#define SRV_JWKS_MAX_KEYS    32
#define SRV_JWKS_MAX_WAITERS 1000 /* callers waiting for a fetch */

typedef struct srv_jwks srv_jwks;

/* The key set of a JWKS document (the pure part, for tests). */
typedef struct srv_jwks_keys {
	char *kid[SRV_JWKS_MAX_KEYS];
	srv_jwt_verifier *v[SRV_JWKS_MAX_KEYS];
	size_t n;
} srv_jwks_keys;

/* Parse doc into keys for jc's algorithm and rules (jc->key unused).
 * 0 (keys may be empty), or -1 with err (not a JWKS document). */
int srv_jwks_parse(const char *doc, size_t len, const srv_jwt_config *jc, srv_jwks_keys *out,
                   char *err, size_t errlen);
void srv_jwks_keys_free(srv_jwks_keys *k);

/* The "kid" of a token's header, into out (cap bytes). 0, or -1 when the
 * header cannot be read or has no string kid. */
int srv_jwks_token_kid(const char *token, size_t len, char *out, size_t cap);

/* NULL with err when cfg has no auth.jwksUrl (err empty) or out of memory.
 * The first fetch starts now. */
srv_jwks *srv_jwks_new(const srv_config *cfg, uv_loop_t *loop, char *err, size_t errlen);
/* The verifier of key id kid, or NULL. */
const srv_jwt_verifier *srv_jwks_find(const srv_jwks *j, const char *kid);
/* Call cb once when the keys are as fresh as they may be: after the fetch
 * under way, or a new one if the last is older than minRefreshMs. Returns
 * 0 (cb later), or -1: nothing to wait for (too soon, too many waiters,
 * closing); cb never runs. */
typedef void (*srv_jwks_fn)(void *user);
int srv_jwks_wait(srv_jwks *j, srv_jwks_fn cb, void *user);
/* Fetches so far that brought a valid document (a metric, tests). */
unsigned long srv_jwks_fetches(const srv_jwks *j);
/* Release the waiters (their callbacks run), close the loop handles. Then
 * free after the loop ended. NULL is fine. */
void srv_jwks_close(srv_jwks *j);
void srv_jwks_free(srv_jwks *j);

#endif
