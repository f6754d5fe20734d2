/* srv_jwt.c - JWT verification for sio-server: the checks libjwt 1.10.2 leaves out.
 *
 * libjwt verifies the signature and nothing else that matters here: it
 * takes the algorithm from the token, compares alg names without case,
 * skips verification when given no key, decodes base64url leniently and
 * never looks at exp. docs/jwt.md lists these facts with their sources.
 * srv_jwt_verify() therefore runs these checks, in this order, and hands
 * libjwt only tokens that passed the first four:
 *
 *   1. size: a token over max_len is refused before a byte is read, so a
 *      huge header costs nothing;
 *   2. shape: exactly three base64url segments, each decoded once here by
 *      libsodium, which refuses padding, characters outside the url
 *      alphabet, stray bits and impossible lengths: one token, one text
 *      (libjwt would accept other texts for the same RS/ES signature).
 *      A bad character anywhere is "malformed"; a non-canonical signature
 *      is judged with the signature, in step 5;
 *   3. header: "alg" must be the pinned name byte for byte, before libjwt
 *      sees the token (it maps "none"/"NONE"/"nOnE" to none and takes
 *      HS512 where HS256 is meant); "typ", if present, is "JWT", as libjwt
 *      demands; "crit" is refused (we implement no extension, RFC 7515
 *      4.1.11); names are unique;
 *   4. payload: a JSON object read with base/json.h, no duplicate names
 *      (the claims read are those of our parse, so one name has one
 *      value), and nothing Jansson refuses (see check_jansson_compat);
 *   5. signature: exactly the key's length, then jwt_decode() with the key
 *      (never NULL: with NULL libjwt verifies nothing), then jwt_get_alg()
 *      compared again;
 *   6. time: exp, nbf and iat, when present, are integer NumericDates;
 *      exp <= now - leeway is expired, nbf or iat > now + leeway is early;
 *   7. issuer and audience, when configured (RFC 7519 4.1.1, 4.1.3):
 *      "iss" is exactly the issuer; "aud" is the audience or an array
 *      holding it (a token for another service is refused).
 *      Claims are judged only once the signature holds, so a forged token
 *      is reported as forged.
 *
 * Keys are checked once, at creation: the secret must not be a PEM (the
 * key confusion attack, configured by hand); a public key is read with
 * OpenSSL's PEM_read_bio_PUBKEY, the call libjwt makes at each
 * verification, so the key whose type, size and curve are checked here is
 * the one libjwt will use. The secret is wiped with sodium_memzero().
 */
#define _GNU_SOURCE /* memmem */
#include "srv_jwt.h"

#include <errno.h>
#include <jwt.h> /* libjwt */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"
#include "base/json.h"
#include "srv_jwt_key.h"

#define MAX_TOKEN_LIMIT (1u << 20) /* largest max_len a config may set */

/* One top-level member of a parsed object, name and string value unescaped
 * and NUL-terminated in the index's arena. Sorted by name. */
struct member {
	const char *name;
	const char *str; /* the value if it is a string, else NULL */
	int tok;         /* the value's token */
};

struct obj_index {
	struct member *v;
	int n;
	char *arena;
};

/* One segment of a token, decoded and NUL-terminated. */
struct segment {
	const char *bytes;
	size_t len;
	bool canonical; /* the only base64url text of these bytes */
};

enum {
	HEADER,
	PAYLOAD,
	SIGNATURE
};

struct srv_jwt_verifier {
	srv_jwt_alg alg;
	jwt_alg_t lib_alg;
	const char *name;   /* "HS256": the only header alg accepted */
	unsigned char *key; /* secret or PEM, plus a NUL */
	size_t key_len;
	size_t sig_len; /* exact decoded signature size */
	long long leeway;
	size_t max_len;
	bool require_exp;
	char *issuer, *audience; /* NULL: not checked */
};

struct srv_jwt_claims {
	char *buf;             /* the three decoded segments */
	struct segment seg[3]; /* HEADER, PAYLOAD, SIGNATURE, in buf */
	base_json doc;         /* parse of seg[PAYLOAD] */
	struct obj_index idx;
};

/* ---- configuration --------------------------------------------------------- */

void srv_jwt_config_init(srv_jwt_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->alg = SRV_JWT_ALG_INVALID;
	cfg->leeway = SRV_JWT_DEFAULT_LEEWAY;
	cfg->max_len = SRV_JWT_DEFAULT_MAX_LEN;
	cfg->require_exp = true;
}

srv_jwt_alg srv_jwt_alg_from_name(const char *name)
{
	if (!name)
		return SRV_JWT_ALG_INVALID;
	if (!strcasecmp(name, "HS256"))
		return SRV_JWT_HS256;
	if (!strcasecmp(name, "RS256"))
		return SRV_JWT_RS256;
	if (!strcasecmp(name, "ES256"))
		return SRV_JWT_ES256;
	return SRV_JWT_ALG_INVALID;
}

const char *srv_jwt_alg_name(srv_jwt_alg alg)
{
	switch (alg) {
	case SRV_JWT_HS256:
		return "HS256";
	case SRV_JWT_RS256:
		return "RS256";
	case SRV_JWT_ES256:
		return "ES256";
	default:
		return "?";
	}
}

static int check_config(const srv_jwt_config *cfg, char *err, size_t errlen)
{
	const char *name = srv_jwt_alg_name(cfg->alg);

	if (cfg->alg != SRV_JWT_HS256 && cfg->alg != SRV_JWT_RS256 && cfg->alg != SRV_JWT_ES256)
		return base_errf(err, errlen, "jwt alg must be one of HS256, RS256, ES256");
	if (cfg->leeway < 0 || cfg->leeway > SRV_JWT_MAX_LEEWAY)
		return base_errf(err, errlen, "jwt leeway must be 0 to %d seconds (got %ld)",
		                 SRV_JWT_MAX_LEEWAY, cfg->leeway);
	if (cfg->max_len > MAX_TOKEN_LIMIT)
		return base_errf(err, errlen, "jwt max token length must be at most %u bytes",
		                 MAX_TOKEN_LIMIT);
	if (!cfg->key || cfg->key_len == 0)
		return base_errf(err, errlen, "jwt %s %s is empty", name,
		                 cfg->alg == SRV_JWT_HS256 ? "secret" : "public key");
	if (cfg->key_len > SRV_JWT_MAX_KEY_LEN)
		return base_errf(err, errlen, "jwt key is over %d bytes", SRV_JWT_MAX_KEY_LEN);
	/* A public key used as an HMAC secret lets anyone who has it (anyone)
	 * sign tokens: the key confusion attack, configured by hand. */
	if (cfg->alg == SRV_JWT_HS256 && memmem(cfg->key, cfg->key_len, "-----BEGIN", 10))
		return base_errf(err, errlen,
		                 "jwt HS256 secret looks like a PEM key; "
		                 "use alg RS256 or ES256 with a public key file");
	return 0;
}

srv_jwt_verifier *srv_jwt_verifier_new(const srv_jwt_config *cfg, char *err, size_t errlen)
{
	srv_jwt_verifier *v;

	if (!cfg || check_config(cfg, err, errlen)) {
		if (!cfg)
			base_errf(err, errlen, "no jwt configuration");
		return NULL;
	}
	if (!(v = calloc(1, sizeof *v)) || !(v->key = malloc(cfg->key_len + 1))) {
		free(v);
		base_errf(err, errlen, "out of memory");
		return NULL;
	}
	memcpy(v->key, cfg->key, cfg->key_len);
	v->key[cfg->key_len] = '\0';
	v->key_len = cfg->key_len;
	v->alg = cfg->alg;
	v->name = srv_jwt_alg_name(cfg->alg);
	v->leeway = cfg->leeway;
	v->max_len = cfg->max_len ? cfg->max_len : SRV_JWT_DEFAULT_MAX_LEN;
	v->require_exp = cfg->require_exp;
	if ((cfg->issuer && !(v->issuer = strdup(cfg->issuer))) ||
	    (cfg->audience && !(v->audience = strdup(cfg->audience)))) {
		srv_jwt_verifier_free(v);
		base_errf(err, errlen, "out of memory");
		return NULL;
	}
	if (v->alg == SRV_JWT_HS256) {
		v->lib_alg = JWT_ALG_HS256;
		v->sig_len = 32;
	} else {
		v->lib_alg = v->alg == SRV_JWT_RS256 ? JWT_ALG_RS256 : JWT_ALG_ES256;
		if (srv_jwt_key_check(v->alg, v->name, (const char *)v->key, v->key_len,
		                      &v->sig_len, err, errlen)) {
			srv_jwt_verifier_free(v);
			return NULL;
		}
	}
	return v;
}

void srv_jwt_verifier_free(srv_jwt_verifier *v)
{
	if (!v)
		return;
	if (v->key) {
		sodium_memzero(v->key, v->key_len); /* not optimised away, unlike memset */
		free(v->key);
	}
	free(v->issuer);
	free(v->audience);
	free(v);
}

const char *srv_jwt_strerror(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case SRV_JWT_EMALFORMED:
		return "malformed token";
	case SRV_JWT_ETOOLARGE:
		return "token too large";
	case SRV_JWT_EALG:
		return "algorithm not allowed";
	case SRV_JWT_ESIG:
		return "invalid signature";
	case SRV_JWT_EEXPIRED:
		return "token expired";
	case SRV_JWT_ENOTYET:
		return "token not yet valid";
	case SRV_JWT_ENOEXP:
		return "token has no expiry";
	case SRV_JWT_ENOMEM:
		return "server error";
	case SRV_JWT_ENOENT:
		return "claim not found";
	case SRV_JWT_ETYPE:
		return "claim has the wrong type";
	case SRV_JWT_EISSUER:
		return "invalid issuer";
	case SRV_JWT_EAUDIENCE:
		return "invalid audience";
	case SRV_JWT_EKID:
		return "unknown signing key";
	default:
		return "invalid request";
	}
}

/* ---- parsed objects -------------------------------------------------------- */

static int member_cmp(const void *a, const void *b)
{
	return strcmp(((const struct member *)a)->name, ((const struct member *)b)->name);
}

static void index_free(struct obj_index *x)
{
	free(x->v);
	free(x->arena);
	x->v = NULL;
	x->arena = NULL;
	x->n = 0;
}

/* Unescape string token t into the arena; NUL inside is an error. */
static int arena_str(const base_json *d, int t, char **arena, size_t *room, const char **out)
{
	size_t n;

	if (base_json_str_unescape(d, t, *arena, *room, &n) || n >= *room ||
	    memchr(*arena, '\0', n))
		return SRV_JWT_EMALFORMED;
	(*arena)[n] = '\0';
	*out = *arena;
	*arena += n + 1;
	*room -= n + 1;
	return 0;
}

/* Index the members of the root object of d (parsed from len bytes):
 * SRV_JWT_EMALFORMED if the root is not an object or a name repeats. */
static int index_object(const base_json *d, size_t len, struct obj_index *x)
{
	base_json_iter it;
	size_t room = len + 1;
	char *a;
	int key, val, i, n, rc = SRV_JWT_ENOMEM;

	x->v = NULL;
	x->arena = NULL;
	x->n = 0;
	if (base_json_type(d, 0) != BASE_JSON_OBJECT)
		return SRV_JWT_EMALFORMED;
	n = base_json_size(d, 0);
	x->v = malloc((size_t)(n ? n : 1) * sizeof *x->v);
	x->arena = a = malloc(room);
	if (!x->v || !a)
		goto fail;
	rc = SRV_JWT_EMALFORMED;
	base_json_iter_init(d, 0, &it);
	for (i = 0; i < n && (val = base_json_iter_next(d, &it, &key)) >= 0; i++) {
		x->v[i].tok = val;
		x->v[i].str = NULL;
		if (arena_str(d, key, &a, &room, &x->v[i].name) ||
		    (base_json_type(d, val) == BASE_JSON_STRING &&
		     arena_str(d, val, &a, &room, &x->v[i].str)))
			goto fail;
	}
	if (i != n)
		goto fail;
	x->n = n;
	qsort(x->v, (size_t)n, sizeof *x->v, member_cmp);
	for (i = 1; i < n; i++)
		if (!strcmp(x->v[i - 1].name, x->v[i].name))
			goto fail;
	return 0;
fail:
	index_free(x);
	return rc;
}

static const struct member *index_find(const struct obj_index *x, const char *name)
{
	struct member k = { name, NULL, -1 };

	if (!x->n || !name)
		return NULL;
	return bsearch(&k, x->v, (size_t)x->n, sizeof *x->v, member_cmp);
}

/* What Jansson refuses but base/json.h accepts: "\u0000" in any string, an
 * integer literal outside int64, a real that overflows a double.
 *
 * Not needed for safety, and kept for the reason the client and the
 * operator see. libjwt parses header and payload again with Jansson
 * (json_loads, flags 0), and libjwt reads only "alg" and "typ" from its
 * parse; the claims are read from ours. Where the two parsers differ:
 * duplicate names (Jansson keeps the last) are refused by index_object at
 * the top level, and nested objects are never read here; every other
 * difference is a text Jansson refuses and we accept, and then jwt_decode()
 * fails, so the token is refused whatever we parsed. The difference is only
 * the reason: without this check, a correctly signed token that Jansson
 * cannot parse (a node issuer's JSON.stringify writes 2 ** 64 as
 * 18446744073709552000, an integer Jansson refuses) would be reported as
 * "invalid signature" and send the operator to check keys; with it, the
 * token is "malformed", before any signature work (docs/jwt.md). */
static int check_jansson_compat(const base_json *d)
{
	const char *raw;
	size_t n, i;
	int64_t iv;
	double dv;
	int t;

	for (t = 0; base_json_type(d, t) != BASE_JSON_NONE; t++) {
		enum base_json_type ty = base_json_type(d, t);
		raw = base_json_raw(d, t, &n);
		if (ty == BASE_JSON_STRING) {
			for (i = 1; i + 1 < n; i++) {
				if (raw[i] != '\\')
					continue;
				if (raw[i + 1] == 'u' && i + 6 <= n &&
				    !memcmp(raw + i + 2, "0000", 4))
					return SRV_JWT_EMALFORMED;
				i++;
			}
		} else if (ty == BASE_JSON_NUMBER) {
			if (!memchr(raw, '.', n) && !memchr(raw, 'e', n) && !memchr(raw, 'E', n)) {
				if (base_json_int64(d, t, &iv))
					return SRV_JWT_EMALFORMED;
			} else if (base_json_number(d, t, &dv)) {
				return SRV_JWT_EMALFORMED;
			}
		}
	}
	return 0;
}

/* Parse a decoded header or payload as a JSON object into doc, with its
 * index. The segment's bytes must outlive doc. */
static int parse_object(const struct segment *s, base_json *doc, struct obj_index *x)
{
	int rc;

	if (!s->canonical)
		return SRV_JWT_EMALFORMED;
	if ((rc = base_json_parse(doc, s->bytes, s->len)))
		return rc == BASE_JSON_ENOMEM ? SRV_JWT_ENOMEM : SRV_JWT_EMALFORMED;
	if ((rc = check_jansson_compat(doc)))
		return rc;
	return index_object(doc, s->len, x);
}

/* ---- verification ---------------------------------------------------------- */

/* Decode the base64url text from *p into *out. libsodium stops at the first
 * character outside the url alphabet, which must be `stop` ('.' between
 * segments, '\0' for the end of the token); *p then moves past it. It also
 * refuses stray bits and a length of 4k+1, which only clears
 * s->canonical here: for the signature that is a signature error, not a
 * malformed token. */
static int decode_segment(const char **p, const char *end, char stop, char **out, size_t *room,
                          struct segment *s)
{
	const char *at;
	size_t n = 0;
	int rc;

	rc = sodium_base642bin((unsigned char *)*out, *room - 1, *p, (size_t)(end - *p), NULL, &n,
	                       &at, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (stop ? (at == *p || at == end || *at != stop) : at != end)
		return SRV_JWT_EMALFORMED; /* empty, or a character not allowed */
	s->canonical = rc == 0;
	s->bytes = *out;
	s->len = rc == 0 ? n : 0;
	(*out)[s->len] = '\0';
	*out += s->len + 1;
	*room -= s->len + 1;
	*p = stop ? at + 1 : at;
	return 0;
}

/* Shape: "header.payload.signature", header and payload non-empty; the
 * signature may be empty here, so that an "alg":"none" token is reported
 * as such. Decodes all three into c. */
static int decode_token(const char *tok, size_t len, srv_jwt_claims *c)
{
	const char *p = tok, *end = tok + len;
	size_t room = len + 3; /* >= 3/4 of the text plus three NULs */
	char *out;
	int rc;

	if (!(c->buf = out = malloc(room)))
		return SRV_JWT_ENOMEM;
	if ((rc = decode_segment(&p, end, '.', &out, &room, &c->seg[HEADER])) ||
	    (rc = decode_segment(&p, end, '.', &out, &room, &c->seg[PAYLOAD])) ||
	    (rc = decode_segment(&p, end, '\0', &out, &room, &c->seg[SIGNATURE])))
		return rc;
	return 0;
}

static int check_header(const srv_jwt_verifier *v, const struct segment *s)
{
	base_json doc = BASE_JSON_INIT;
	struct obj_index x = { NULL, 0, NULL };
	const struct member *alg, *typ;
	int rc;

	if (!(rc = parse_object(s, &doc, &x))) {
		alg = index_find(&x, "alg");
		typ = index_find(&x, "typ");
		if (!alg || !alg->str)
			rc = SRV_JWT_EMALFORMED;
		else if (strcmp(alg->str, v->name))
			rc = SRV_JWT_EALG;
		else if ((typ && (!typ->str || strcasecmp(typ->str, "JWT"))) ||
		         index_find(&x, "crit"))
			rc = SRV_JWT_EMALFORMED;
	}
	index_free(&x);
	base_json_free(&doc);
	return rc;
}

/* An integer NumericDate: digits only (no fraction, no exponent, no
 * string), as libjwt's jwt_get_grant_int would otherwise read 0. */
static int numeric_date(const srv_jwt_claims *c, const char *name, long long *out)
{
	const struct member *m = index_find(&c->idx, name);
	const char *raw;
	size_t n, i;
	int64_t iv;

	if (!m)
		return SRV_JWT_ENOENT;
	if (base_json_type(&c->doc, m->tok) != BASE_JSON_NUMBER)
		return SRV_JWT_EMALFORMED;
	raw = base_json_raw(&c->doc, m->tok, &n);
	for (i = raw[0] == '-'; i < n; i++)
		if (raw[i] < '0' || raw[i] > '9')
			return SRV_JWT_EMALFORMED;
	if (base_json_int64(&c->doc, m->tok, &iv))
		return SRV_JWT_EMALFORMED;
	*out = iv;
	return 0;
}

static int check_times(const srv_jwt_verifier *v, const srv_jwt_claims *c, time_t now)
{
	long long exp, nbf, iat, t = (long long)now;
	int re, rn, ri;

	re = numeric_date(c, "exp", &exp);
	rn = numeric_date(c, "nbf", &nbf);
	ri = numeric_date(c, "iat", &iat);
	if (re == SRV_JWT_EMALFORMED || rn == SRV_JWT_EMALFORMED || ri == SRV_JWT_EMALFORMED)
		return SRV_JWT_EMALFORMED;
	if (re == SRV_JWT_ENOENT && v->require_exp)
		return SRV_JWT_ENOEXP;
	if (re == 0 && t - v->leeway >= exp)
		return SRV_JWT_EEXPIRED;
	if (rn == 0 && t + v->leeway < nbf)
		return SRV_JWT_ENOTYET;
	if (ri == 0 && t + v->leeway < iat)
		return SRV_JWT_ENOTYET;
	return 0;
}

/* Step 7: the issuer and audience the configuration requires. */
static int check_audience(const srv_jwt_verifier *v, const srv_jwt_claims *c)
{
	const char *iss = srv_jwt_claim_str(c, "iss"), *aud = srv_jwt_claim_str(c, "aud");
	if (v->issuer && (!iss || strcmp(iss, v->issuer)))
		return SRV_JWT_EISSUER;
	if (v->audience &&
	    !(aud ? !strcmp(aud, v->audience) : srv_jwt_claim_list_contains(c, "aud", v->audience)))
		return SRV_JWT_EAUDIENCE;
	return 0;
}

/* The signature: canonical and exactly the key's size, then libjwt. */
static int check_signature(const srv_jwt_verifier *v, const char *tok, size_t len,
                           const struct segment *sig)
{
	jwt_t *jwt = NULL;
	char *copy;
	int rc;

	if (!sig->canonical || sig->len != v->sig_len)
		return SRV_JWT_ESIG;
	if (!(copy = malloc(len + 1)))
		return SRV_JWT_ENOMEM;
	memcpy(copy, tok, len);
	copy[len] = '\0';
	/* The key is never NULL here: with NULL, libjwt skips verification. */
	rc = jwt_decode(&jwt, copy, v->key, (int)v->key_len);
	free(copy);
	if (rc)
		rc = rc == ENOMEM ? SRV_JWT_ENOMEM : SRV_JWT_ESIG;
	else if (!jwt || jwt_get_alg(jwt) != v->lib_alg)
		rc = SRV_JWT_EALG;
	jwt_free(jwt);
	return rc;
}

int srv_jwt_verify(const srv_jwt_verifier *v, const char *token, size_t len, time_t now,
                   srv_jwt_claims **out, const char **why)
{
	srv_jwt_claims *c = NULL;
	int rc;

	if (!v || !out)
		rc = SRV_JWT_EINVAL;
	else if (!token || len == 0)
		rc = SRV_JWT_EMALFORMED;
	else if (len > v->max_len) /* before reading a single byte */
		rc = SRV_JWT_ETOOLARGE;
	else if (!(c = calloc(1, sizeof *c)))
		rc = SRV_JWT_ENOMEM;
	else {
		base_json_init(&c->doc);
		if ((rc = decode_token(token, len, c)) || (rc = check_header(v, &c->seg[HEADER])) ||
		    (rc = parse_object(&c->seg[PAYLOAD], &c->doc, &c->idx)) ||
		    (rc = check_signature(v, token, len, &c->seg[SIGNATURE])) ||
		    (rc = check_times(v, c, now)) || (rc = check_audience(v, c))) {
			srv_jwt_claims_free(c);
			c = NULL;
		}
	}
	if (out)
		*out = c;
	if (why)
		*why = rc ? srv_jwt_strerror(rc) : NULL;
	return rc;
}

/* ---- claims ---------------------------------------------------------------- */

const char *srv_jwt_claim_str(const srv_jwt_claims *c, const char *name)
{
	const struct member *m = c ? index_find(&c->idx, name) : NULL;

	return m ? m->str : NULL;
}

int srv_jwt_claim_int(const srv_jwt_claims *c, const char *name, long long *out)
{
	const struct member *m = c ? index_find(&c->idx, name) : NULL;
	int64_t iv;

	if (!m)
		return SRV_JWT_ENOENT;
	if (base_json_type(&c->doc, m->tok) != BASE_JSON_NUMBER ||
	    base_json_int64(&c->doc, m->tok, &iv))
		return SRV_JWT_ETYPE;
	if (out)
		*out = iv;
	return 0;
}

/* An array element (or the claim itself) equal to value: a string by its
 * unescaped text, an integer by its decimal form, another number by its
 * text as written. */
static bool value_matches(const base_json *d, int t, const char *value, size_t vlen)
{
	char num[24];
	const char *raw;
	int64_t iv;
	size_t n;

	switch (base_json_type(d, t)) {
	case BASE_JSON_STRING:
		return base_json_str_eq(d, t, value, vlen) == 1;
	case BASE_JSON_NUMBER:
		if (base_json_int64(d, t, &iv) == 0) {
			snprintf(num, sizeof num, "%lld", (long long)iv);
			return !strcmp(num, value);
		}
		raw = base_json_raw(d, t, &n);
		return n == vlen && !memcmp(raw, value, n);
	default:
		return false;
	}
}

bool srv_jwt_claim_list_contains(const srv_jwt_claims *c, const char *name, const char *value)
{
	const struct member *m = c ? index_find(&c->idx, name) : NULL;
	base_json_iter it;
	size_t vlen;
	int el;

	if (!m || !value)
		return false;
	vlen = strlen(value);
	if (base_json_type(&c->doc, m->tok) != BASE_JSON_ARRAY)
		return value_matches(&c->doc, m->tok, value, vlen);
	base_json_iter_init(&c->doc, m->tok, &it);
	while ((el = base_json_iter_next(&c->doc, &it, NULL)) >= 0)
		if (value_matches(&c->doc, el, value, vlen))
			return true;
	return false;
}

const char *srv_jwt_claims_json(const srv_jwt_claims *c)
{
	return c ? c->seg[PAYLOAD].bytes : NULL;
}

void srv_jwt_claims_free(srv_jwt_claims *c)
{
	if (!c)
		return;
	index_free(&c->idx);
	base_json_free(&c->doc);
	free(c->buf);
	free(c);
}

/* ---- token extraction ------------------------------------------------------ */

const char *srv_jwt_from_bearer(const char *h, size_t *len)
{
	const char *t, *e;

	if (len)
		*len = 0;
	if (!h)
		return NULL;
	while (*h == ' ' || *h == '\t')
		h++;
	if (strncasecmp(h, "bearer", 6) || (h[6] != ' ' && h[6] != '\t'))
		return NULL;
	for (t = h + 6; *t == ' ' || *t == '\t'; t++)
		;
	for (e = t + strlen(t); e > t && (e[-1] == ' ' || e[-1] == '\t'); e--)
		;
	if (e == t)
		return NULL;
	for (const char *p = t; p < e; p++)
		if (*p == ' ' || *p == '\t')
			return NULL;
	if (len)
		*len = (size_t)(e - t);
	return t;
}
