/* srv_jwt.c - JWT verification for sio-server: the checks libjwt 1.10.2 leaves out.
 *
 * See srv_jwt.h for the why. The order of srv_jwt_verify():
 *
 *   1. size: over max_len is refused before the first byte is looked at;
 *   2. shape: exactly "b64.b64.b64" over the base64url alphabet, each
 *      segment canonical (no padding, no stray bits: one token, one text);
 *   3. header: decoded and parsed here; "alg" must be the pinned name,
 *      byte for byte (libjwt compares case-insensitively and maps
 *      "none"/"NONE"/"None" all to none); "typ" if present is "JWT"; "crit"
 *      is refused (we implement no extensions, RFC 7515 4.1.11);
 *   4. payload: a JSON object, strictly parsed, no duplicate top-level names,
 *      and nothing Jansson (libjwt's parser) would refuse: "\u0000" and
 *      numbers out of its range;
 *   5. signature: the right length for the key, then jwt_decode() with the
 *      key (never NULL), then jwt_get_alg() compared again;
 *   6. time: exp, nbf and iat, when present, are integer NumericDates;
 *      exp <= now - leeway is expired, nbf or iat > now + leeway is early.
 *
 * Steps 2-4 mean libjwt only ever sees tokens whose header and payload we
 * have parsed the same way it will, so the claims read here (from our own
 * parse, exact 64-bit integers) are the ones that were signed.
 *
 * Keys are checked at creation without linking OpenSSL: a minimal DER walk
 * of the PEM's SubjectPublicKeyInfo finds the key type, the RSA modulus
 * size (which is also the exact RS256 signature size) or the EC curve.
 */
#define _GNU_SOURCE /* memmem */
#include "srv_jwt.h"

#include <errno.h>
#include <jwt.h> /* libjwt */
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/json.h"

#define MAX_TOKEN_LIMIT (1u << 20) /* largest max_len a config may set */
#define MIN_RSA_BITS    2048       /* RFC 7518 3.3 */
#define MAX_RSA_BITS    16384      /* OpenSSL's limit for RSA operations */
#define MAX_SIG_BYTES   (MAX_RSA_BITS / 8)

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
};

struct srv_jwt_claims {
	char *json; /* decoded payload, NUL-terminated */
	size_t json_len;
	base_json doc; /* parse of json */
	struct obj_index idx;
};

/* ---- small helpers -------------------------------------------------------- */

/* Format a config error into err; returns -1 for "return set_err(...)". */
static int set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int b64_val(unsigned char c, bool url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

/* Base64. url: the JWT form, strict: base64url, no padding, no
 * whitespace, no impossible length (n % 4 == 1) and no non-zero leftover
 * bits, so each byte string has one text. Otherwise the PEM form: standard
 * alphabet, whitespace skipped, up to two '=' at the end. out needs
 * n * 3 / 4 + 2 bytes. Returns the decoded length or -1. */
static long b64_decode(const char *s, size_t n, unsigned char *out, bool url)
{
	uint32_t acc = 0;
	size_t i, o = 0;
	int bits = 0, d, pad = 0;

	if (url && n % 4 == 1)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!url && (c == ' ' || c == '\t' || c == '\r' || c == '\n'))
			continue;
		if (!url && c == '=' && ++pad <= 2)
			continue;
		if (pad || (d = b64_val(c, url)) < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	if (url && bits && (acc & ((1u << bits) - 1)))
		return -1;
	return (long)o;
}

/* ---- public key check: OpenSSL's PEM reader, as libjwt uses it -------------- */

/* An encrypted PEM is refused instead of OpenSSL asking for a passphrase on
 * the terminal, which its default callback does (libjwt passes none). */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* The key exactly as libjwt will read it at every verification:
 * PEM_read_bio_PUBKEY over the whole text (docs/jwt.md, "The key"). */
static EVP_PKEY *read_public_key(const unsigned char *pem, size_t len)
{
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	EVP_PKEY *k = b ? PEM_read_bio_PUBKEY(b, NULL, no_passphrase, NULL) : NULL;

	BIO_free(b);
	return k;
}

/* Why read_public_key() failed: read again with the PEM layer alone
 * (BEGIN/END lines and base64, no key decoding) to tell a broken PEM from a
 * body that is not a SubjectPublicKeyInfo. Clears OpenSSL's error queue. */
static int explain_unreadable(const unsigned char *pem, size_t len, char *err, size_t errlen)
{
	BIO *b;
	unsigned char *der = NULL;
	char *name = NULL;
	const char *why;
	unsigned long e;
	long n = 0;
	int ok;

	ERR_clear_error();
	b = BIO_new_mem_buf(pem, (int)len);
	ok = b && PEM_bytes_read_bio(&der, &n, &name, PEM_STRING_PUBLIC, b, no_passphrase, NULL);
	e = ERR_peek_last_error();
	OPENSSL_free(der);
	OPENSSL_free(name);
	BIO_free(b);
	ERR_clear_error();
	if (ok)
		return set_err(
		        err, errlen,
		        "jwt public key: the PEM does not hold a valid SubjectPublicKeyInfo");
	if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_BAD_BASE64_DECODE)
		return set_err(err, errlen, "jwt public key: the PEM body is not base64");
	why = e ? ERR_reason_error_string(e) : NULL;
	return set_err(err, errlen, "jwt public key: OpenSSL cannot read the PEM (%s)",
	               why ? why : "unknown error");
}

static int check_rsa(srv_jwt_verifier *v, const EVP_PKEY *k, char *err, size_t errlen)
{
	int bits = EVP_PKEY_get_bits(k);

	if (v->alg != SRV_JWT_RS256)
		return set_err(err, errlen, "jwt key is an RSA public key but alg is %s", v->name);
	if (bits < MIN_RSA_BITS)
		return set_err(err, errlen, "jwt RSA key has %d bits; RS256 needs at least %d",
		               bits, MIN_RSA_BITS);
	if (bits > MAX_RSA_BITS)
		return set_err(err, errlen, "jwt RSA key has %d bits; at most %d are supported",
		               bits, MAX_RSA_BITS);
	v->sig_len = (size_t)EVP_PKEY_get_size(k); /* the modulus size: RFC 8017 8.2.2 */
	return 0;
}

static int check_ec(srv_jwt_verifier *v, const EVP_PKEY *k, char *err, size_t errlen)
{
	char curve[64] = "", enc[32] = "";
	size_t n;

	if (v->alg != SRV_JWT_ES256)
		return set_err(err, errlen, "jwt key is an EC public key but alg is %s", v->name);
	if (!EVP_PKEY_get_group_name(k, curve, sizeof curve, &n) ||
	    strcmp(curve, SN_X9_62_prime256v1))
		return set_err(err, errlen,
		               "jwt EC key is not on curve P-256 (prime256v1), which ES256 "
		               "requires (it is on %s)",
		               *curve ? curve : "an unnamed curve");
	/* Explicit curve parameters are refused even when OpenSSL matches them
	 * to P-256: a key names its curve, it does not define one. */
	if (!EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_EC_ENCODING, enc, sizeof enc, &n) ||
	    strcmp(enc, OSSL_PKEY_EC_ENCODING_GROUP))
		return set_err(err, errlen,
		               "jwt EC key gives P-256 as explicit parameters, not by name; "
		               "convert it with openssl ec -pubin -param_enc named_curve -pubout");
	v->sig_len = 64; /* R || S, 32 bytes each: RFC 7518 3.4 */
	return 0;
}

/* The PEM's texts that have a better message than OpenSSL's, then the key
 * itself: its type, size and curve. v->key is NUL-terminated. */
static int check_pem(srv_jwt_verifier *v, char *err, size_t errlen)
{
	static const char BEGIN[] = "-----BEGIN PUBLIC KEY-----";
	static const char END[] = "-----END PUBLIC KEY-----";
	const char *pem = (const char *)v->key, *b;
	EVP_PKEY *k;
	int rc;

	if (strlen(pem) != v->key_len)
		return set_err(err, errlen, "jwt public key: a PEM has no NUL bytes");
	if (strstr(pem, "PRIVATE KEY-----"))
		return set_err(err, errlen,
		               "jwt public key: the file holds a private "
		               "key; give only the public key (openssl pkey -pubout)");
	if (strstr(pem, "-----BEGIN RSA PUBLIC KEY-----") && !strstr(pem, BEGIN))
		return set_err(err, errlen,
		               "jwt public key: PKCS#1 \"RSA PUBLIC KEY\" "
		               "is not supported; convert it with openssl rsa "
		               "-RSAPublicKey_in -pubout");
	if (strstr(pem, "-----BEGIN CERTIFICATE-----") && !strstr(pem, BEGIN))
		return set_err(err, errlen,
		               "jwt public key: a certificate was given; "
		               "extract its key with openssl x509 -pubkey -noout");
	if (!(b = strstr(pem, BEGIN)))
		return set_err(err, errlen,
		               "jwt public key: no \"%s\" line (%s needs "
		               "a PEM public key)",
		               BEGIN, v->name);
	if (!strstr(b + sizeof BEGIN - 1, END))
		return set_err(err, errlen, "jwt public key: no \"%s\" line", END);
	if (!(k = read_public_key(v->key, v->key_len)))
		return explain_unreadable(v->key, v->key_len, err, errlen);
	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA)
		rc = check_rsa(v, k, err, errlen);
	else if (EVP_PKEY_get_base_id(k) == EVP_PKEY_EC)
		rc = check_ec(v, k, err, errlen);
	else
		rc = set_err(err, errlen, "jwt public key is neither RSA nor EC; %s needs %s",
		             v->name, v->alg == SRV_JWT_RS256 ? "an RSA key" : "an EC P-256 key");
	EVP_PKEY_free(k);
	return rc;
}

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
		return set_err(err, errlen, "jwt alg must be one of HS256, RS256, ES256");
	if (cfg->leeway < 0 || cfg->leeway > SRV_JWT_MAX_LEEWAY)
		return set_err(err, errlen,
		               "jwt leeway must be 0 to %d seconds "
		               "(got %ld)",
		               SRV_JWT_MAX_LEEWAY, cfg->leeway);
	if (cfg->max_len > MAX_TOKEN_LIMIT)
		return set_err(err, errlen,
		               "jwt max token length must be at most %u "
		               "bytes",
		               MAX_TOKEN_LIMIT);
	if (!cfg->key || cfg->key_len == 0)
		return set_err(err, errlen,
		               cfg->alg == SRV_JWT_HS256 ? "jwt %s secret "
		                                           "is empty"
		                                         : "jwt %s public key is empty",
		               name);
	if (cfg->key_len > SRV_JWT_MAX_KEY_LEN)
		return set_err(err, errlen, "jwt key is over %d bytes", SRV_JWT_MAX_KEY_LEN);
	/* A public key used as an HMAC secret lets anyone who has it (anyone)
     * sign tokens: the key confusion attack, configured by hand. */
	if (cfg->alg == SRV_JWT_HS256 && memmem(cfg->key, cfg->key_len, "-----BEGIN", 10))
		return set_err(err, errlen,
		               "jwt HS256 secret looks like a PEM key; "
		               "use alg RS256 or ES256 with a public key file");
	return 0;
}

srv_jwt_verifier *srv_jwt_verifier_new(const srv_jwt_config *cfg, char *err, size_t errlen)
{
	srv_jwt_verifier *v;

	if (!cfg || check_config(cfg, err, errlen)) {
		if (!cfg)
			set_err(err, errlen, "no jwt configuration");
		return NULL;
	}
	if (!(v = calloc(1, sizeof *v)) || !(v->key = malloc(cfg->key_len + 1))) {
		free(v);
		set_err(err, errlen, "out of memory");
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
	if (v->alg == SRV_JWT_HS256) {
		v->lib_alg = JWT_ALG_HS256;
		v->sig_len = 32;
	} else {
		v->lib_alg = v->alg == SRV_JWT_RS256 ? JWT_ALG_RS256 : JWT_ALG_ES256;
		if (check_pem(v, err, errlen)) {
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
		memset(v->key, 0, v->key_len); /* best effort; may be elided */
		free(v->key);
	}
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

/* What Jansson refuses but our parser accepts: "\u0000" in any string, an
 * integer literal outside int64, a real that overflows a double. */
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

/* Decode segment [s, s+n) and parse it as a JSON object into doc, with its
 * index. *json (malloc'd, NUL-terminated) must outlive doc. */
static int parse_segment(const char *s, size_t n, char **json, size_t *jlen, base_json *doc,
                         struct obj_index *x)
{
	long dn;
	int rc;

	if (!(*json = malloc(n / 4 * 3 + 3)))
		return SRV_JWT_ENOMEM;
	if ((dn = b64_decode(s, n, (unsigned char *)*json, true)) < 0)
		return SRV_JWT_EMALFORMED;
	(*json)[dn] = '\0';
	*jlen = (size_t)dn;
	if ((rc = base_json_parse(doc, *json, *jlen)))
		return rc == BASE_JSON_ENOMEM ? SRV_JWT_ENOMEM : SRV_JWT_EMALFORMED;
	if ((rc = check_jansson_compat(doc)))
		return rc;
	return index_object(doc, *jlen, x);
}

/* ---- verification ---------------------------------------------------------- */

/* Shape: three base64url segments; header and payload non-empty. The
 * signature may be empty here so that "alg":"none" tokens are reported as
 * such. dots[] gets the two '.' offsets. */
static int check_shape(const char *t, size_t len, size_t dots[2])
{
	size_t i;
	int nd = 0;

	for (i = 0; i < len; i++) {
		if (t[i] == '.') {
			if (nd == 2)
				return SRV_JWT_EMALFORMED;
			dots[nd++] = i;
		} else if (b64_val((unsigned char)t[i], true) < 0) {
			return SRV_JWT_EMALFORMED;
		}
	}
	if (nd != 2 || dots[0] == 0 || dots[1] == dots[0] + 1)
		return SRV_JWT_EMALFORMED;
	return 0;
}

static int check_header(const srv_jwt_verifier *v, const char *s, size_t n)
{
	base_json doc = BASE_JSON_INIT;
	struct obj_index x = { NULL, 0, NULL };
	const struct member *alg, *typ;
	char *json = NULL;
	size_t jlen;
	int rc;

	if (!(rc = parse_segment(s, n, &json, &jlen, &doc, &x))) {
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
	free(json);
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

/* The signature: exactly the key's size, canonical, then libjwt. */
static int check_signature(const srv_jwt_verifier *v, const char *tok, size_t len, const char *sig,
                           size_t slen)
{
	unsigned char raw[MAX_SIG_BYTES];
	jwt_t *jwt = NULL;
	char *copy;
	int rc;

	if (slen != (v->sig_len * 8 + 5) / 6 ||
	    b64_decode(sig, slen, raw, true) != (long)v->sig_len)
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
	size_t dots[2];
	int rc;

	if (!v || !out) {
		rc = SRV_JWT_EINVAL;
		goto done;
	}
	if (!token || len == 0)
		rc = SRV_JWT_EMALFORMED;
	else if (len > v->max_len) /* before reading a single byte */
		rc = SRV_JWT_ETOOLARGE;
	else if (!(rc = check_shape(token, len, dots)) && !(rc = check_header(v, token, dots[0])))
		rc = (c = calloc(1, sizeof *c)) ? 0 : SRV_JWT_ENOMEM;
	if (rc)
		goto done;
	base_json_init(&c->doc);
	if ((rc = parse_segment(token + dots[0] + 1, dots[1] - dots[0] - 1, &c->json, &c->json_len,
	                        &c->doc, &c->idx)) ||
	    (rc = check_signature(v, token, len, token + dots[1] + 1, len - dots[1] - 1)) ||
	    (rc = check_times(v, c, now))) {
		srv_jwt_claims_free(c);
		c = NULL;
	}
done:
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
	return c ? c->json : NULL;
}

void srv_jwt_claims_free(srv_jwt_claims *c)
{
	if (!c)
		return;
	index_free(&c->idx);
	base_json_free(&c->doc);
	free(c->json);
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
