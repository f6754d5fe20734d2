/* srv_jwt.h - JWT verification for sio-server's handshake and HTTP API.
 *
 * Clients authenticate with a JWT (auth.token, "Authorization: Bearer", or a
 * token query parameter). libjwt 1.10.2 verifies signatures but leaves the
 * dangerous parts to its caller: a NULL key disables verification, any
 * algorithm named in the token is used (HS512 passes where HS256 is meant,
 * and an HS256 token "signed" with an RSA public key passes an RS256 setup),
 * exp/nbf are never checked, and jwt_get_grant_int() reads a string or float
 * "exp" as 0. This module is the only place the server touches libjwt, and
 * wraps it so none of that can happen:
 *
 *   - one algorithm per verifier (HS256, RS256 or ES256), fixed at creation;
 *     the key is checked then (non-empty secret, a PEM public key of the
 *     right type and size), so a bad config fails before listening;
 *   - a token is refused on size before anything is parsed, then must be
 *     exactly three canonical base64url segments (decoded by libsodium);
 *     the header's "alg" is compared with the pinned one BEFORE libjwt sees
 *     the token, and again after;
 *   - header and payload are parsed with base/json.h, the server's strict
 *     JSON reader; duplicate top-level names are refused (no parser
 *     differentials with Jansson, libjwt's parser);
 *   - exp, nbf and iat must be integer NumericDates and are checked against
 *     the caller's clock with a leeway; exp may be required.
 *
 * Claims of an accepted token are read through srv_jwt_claims (strings,
 * integers, "list contains" for arrays such as projects: ["p1", "p2"]).
 * Nothing here prints; errors come back as codes with a short reason that
 * is safe to send to the client in connect_error. docs/jwt.md describes
 * the checks in order and the libjwt facts they rest on.
 */
#ifndef SRV_JWT_H
#define SRV_JWT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Results of srv_jwt_verify() and the claim getters (0 is success). */
#define SRV_JWT_EMALFORMED      (-1)  /* "malformed token" */
#define SRV_JWT_ETOOLARGE       (-2)  /* "token too large" */
#define SRV_JWT_EALG            (-3)  /* "algorithm not allowed" */
#define SRV_JWT_ESIG            (-4)  /* "invalid signature" */
#define SRV_JWT_EEXPIRED        (-5)  /* "token expired" */
#define SRV_JWT_ENOTYET         (-6)  /* "token not yet valid" (nbf, or iat ahead) */
#define SRV_JWT_ENOEXP          (-7)  /* "token has no expiry" (exp required) */
#define SRV_JWT_ENOMEM          (-8)  /* "server error" */
#define SRV_JWT_EINVAL          (-9)  /* bad argument */
#define SRV_JWT_ENOENT          (-10) /* claim absent */
#define SRV_JWT_ETYPE           (-11) /* claim has another type / not an integer */
#define SRV_JWT_EISSUER         (-12) /* "invalid issuer" (iss, when one is required) */
#define SRV_JWT_EAUDIENCE       (-13) /* "invalid audience" (aud, when one is required) */
#define SRV_JWT_EKID            (-14) /* "unknown signing key" (JWKS: no key for its kid) */

#define SRV_JWT_DEFAULT_LEEWAY  30   /* seconds */
#define SRV_JWT_DEFAULT_MAX_LEN 8192 /* bytes of token text */
#define SRV_JWT_MAX_LEEWAY      86400
#define SRV_JWT_MAX_KEY_LEN     65536

typedef enum srv_jwt_alg {
	SRV_JWT_ALG_INVALID = 0,
	SRV_JWT_HS256,
	SRV_JWT_RS256,
	SRV_JWT_ES256
} srv_jwt_alg;

typedef struct srv_jwt_config {
	srv_jwt_alg alg;
	/* HS256: the secret's bytes (used as they are, not base64-decoded).
	 * RS256/ES256: the contents of a PEM "PUBLIC KEY" file (the caller
	 * reads it, so a config error can name the file). Copied. */
	const void *key;
	size_t key_len;
	long leeway;      /* clock skew allowed on exp/nbf/iat, seconds */
	size_t max_len;   /* longest token accepted; 0 = default */
	bool require_exp; /* refuse tokens without exp */
	/* RFC 7519 4.1.1 and 4.1.3: when set (copied), "iss" must be this
	 * string, and "aud" this string or an array containing it. */
	const char *issuer;
	const char *audience;
} srv_jwt_config;

typedef struct srv_jwt_verifier srv_jwt_verifier;
typedef struct srv_jwt_claims srv_jwt_claims;

/* Defaults: no alg, no key, leeway 30 s, max_len 8192, require_exp true. */
void srv_jwt_config_init(srv_jwt_config *cfg);

/* "HS256", "RS256", "ES256" (any case) -> the enum; else SRV_JWT_ALG_INVALID. */
srv_jwt_alg srv_jwt_alg_from_name(const char *name);
const char *srv_jwt_alg_name(srv_jwt_alg alg); /* "HS256"...; "?" */

/* Check the config and build a verifier. NULL with a message in err (when
 * errlen > 0) for an unknown alg, an empty secret, a secret that is a PEM
 * key (the HS/RS confusion, made by hand), a PEM that is not a public key
 * of the algorithm's type (RSA >= 2048 bits; EC P-256), a negative or huge
 * leeway, or no memory. */
srv_jwt_verifier *srv_jwt_verifier_new(const srv_jwt_config *cfg, char *err, size_t errlen);
void srv_jwt_verifier_free(srv_jwt_verifier *v);

/* Verify token[0, len) at time now (seconds since the epoch). On success
 * returns 0, sets *out to the claims (free with srv_jwt_claims_free) and
 * *why to NULL. On failure returns a SRV_JWT_E* code, sets *out to NULL and
 * *why (if why is not NULL) to srv_jwt_strerror(code). The token need not be
 * NUL-terminated and is not kept. */
int srv_jwt_verify(const srv_jwt_verifier *v, const char *token, size_t len, time_t now,
                   srv_jwt_claims **out, const char **why);

/* The client-facing reason for a code ("token expired", ...). */
const char *srv_jwt_strerror(int err);

/* ---- claims of a verified token ------------------------------------------
 * Top-level claims only. Values stay valid until srv_jwt_claims_free. */

/* A string claim, unescaped and NUL-terminated; NULL if absent or not a
 * string. */
const char *srv_jwt_claim_str(const srv_jwt_claims *c, const char *name);

/* An integer claim (a JSON number with an integral value that fits):
 * 0, SRV_JWT_ENOENT if absent, SRV_JWT_ETYPE otherwise. */
int srv_jwt_claim_int(const srv_jwt_claims *c, const char *name, long long *out);

/* true if the claim is an array holding value, as a string or as a number
 * (["p1","p2"] contains "p1"; [7, 8] contains "7"). A claim that is a single
 * string or number counts as a one-element list (like "aud" in RFC 7519). */
bool srv_jwt_claim_list_contains(const srv_jwt_claims *c, const char *name, const char *value);

/* The payload as JSON text (exactly as signed), NUL-terminated. */
const char *srv_jwt_claims_json(const srv_jwt_claims *c);
void srv_jwt_claims_free(srv_jwt_claims *c);

/* ---- token extraction ------------------------------------------------------ */

/* The token of an "Authorization: Bearer <token>" header value: scheme
 * matched case-insensitively, spaces and tabs around trimmed. Returns a
 * pointer into header and its length, or NULL (not Bearer, no token, or a
 * token with inner whitespace). */
const char *srv_jwt_from_bearer(const char *header, size_t *len);

#endif /* SRV_JWT_H */
