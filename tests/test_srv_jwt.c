/* test_srv_jwt.c - Check unit tests for apps/sio-server/srv_jwt.c and srv_jwt_key.c.
 *
 * Tokens are made here: real ones with libjwt (jwt_encode_str, with the
 * test-only keys in tests/data/jwt/), broken ones by hand. Covers verifier
 * creation (every refused config, every key type, size and curve), valid
 * HS256/RS256/ES256 tokens and their claims, every known attack on JWT
 * verifiers with the reason sent to the client, the time claims around the
 * leeway, and Bearer header parsing. Some tests pin what the libraries do
 * (libsodium's base64url decoder, Jansson inside libjwt), the facts
 * docs/jwt.md lists.
 * Runs from the repository root (as `make unit` does); SRV_JWT_TEST_DATA
 * overrides the key directory. Clean under valgrind with CK_FORK=no.
 */
#define _GNU_SOURCE
#include <check.h>
#include <jwt.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../apps/sio-server/srv_jwt.h"
#include "check_main.h"

#define LIT(s) s, sizeof(s) - 1 /* literal with its exact length */
#define SECRET "test-secret-0123456789abcdef-0123456789"

static time_t NOW;
static char *rsa_pub, *rsa_priv, *ec_pub, *ec_priv;
static size_t rsa_pub_len, rsa_priv_len, ec_pub_len, ec_priv_len;
static srv_jwt_verifier *hs, *rs, *es;

/* Everything a test allocates is kept here and freed in teardown. */
static void *garbage[256];
static int ngarbage;

static void *keep(void *p)
{
	ck_assert_ptr_nonnull(p);
	ck_assert_int_lt(ngarbage, (int)(sizeof garbage / sizeof *garbage));
	garbage[ngarbage++] = p;
	return p;
}

static char *fmt(const char *f, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, f);
	ck_assert_int_ge(vasprintf(&s, f, ap), 0);
	va_end(ap);
	return keep(s);
}

static const char *data_path(const char *name)
{
	const char *dir = getenv("SRV_JWT_TEST_DATA");

	return fmt("%s/%s", dir ? dir : "tests/data/jwt", name);
}

static char *load(const char *name, size_t *len)
{
	const char *path = data_path(name);
	char *buf = keep(malloc(65536));
	FILE *f = fopen(path, "rb");
	size_t n;

	ck_assert_msg(f != NULL,
	              "cannot open %s (run from the repository root "
	              "or set SRV_JWT_TEST_DATA)",
	              path);
	n = fread(buf, 1, 65535, f);
	fclose(f);
	ck_assert_uint_gt(n, 0);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static srv_jwt_verifier *mkv(srv_jwt_alg alg, const void *key, size_t klen)
{
	srv_jwt_config cfg;
	srv_jwt_verifier *v;
	char err[256] = "";

	srv_jwt_config_init(&cfg);
	cfg.alg = alg;
	cfg.key = key;
	cfg.key_len = klen;
	v = srv_jwt_verifier_new(&cfg, err, sizeof err);
	ck_assert_msg(v != NULL, "verifier: %s", err);
	return v;
}

static void setup(void)
{
	NOW = time(NULL);
	ngarbage = 0;
	rsa_pub = load("rsa2048.pub.pem", &rsa_pub_len);
	rsa_priv = load("rsa2048.key.pem", &rsa_priv_len);
	ec_pub = load("ec256.pub.pem", &ec_pub_len);
	ec_priv = load("ec256.key.pem", &ec_priv_len);
	hs = mkv(SRV_JWT_HS256, SECRET, strlen(SECRET));
	rs = mkv(SRV_JWT_RS256, rsa_pub, rsa_pub_len);
	es = mkv(SRV_JWT_ES256, ec_pub, ec_pub_len);
}

static void teardown(void)
{
	srv_jwt_verifier_free(hs);
	srv_jwt_verifier_free(rs);
	srv_jwt_verifier_free(es);
	hs = rs = es = NULL;
	while (ngarbage)
		free(garbage[--ngarbage]);
}

/* A token signed by libjwt with alg and key over the claims in json. */
static char *sign(jwt_alg_t alg, const void *key, size_t klen, const char *json)
{
	jwt_t *j = NULL;
	char *t;

	ck_assert_int_eq(jwt_new(&j), 0);
	ck_assert_int_eq(jwt_add_grants_json(j, json), 0);
	ck_assert_int_eq(jwt_set_alg(j, alg, key, (int)klen), 0);
	t = jwt_encode_str(j);
	jwt_free(j);
	return keep(t);
}

static char *hs256(const char *json)
{
	return sign(JWT_ALG_HS256, SECRET, strlen(SECRET), json);
}

/* Claims valid now, with extra members. */
static const char *claims(const char *extra)
{
	return fmt("{\"sub\":\"u1\",\"exp\":%lld%s%s}", (long long)NOW + 3600, *extra ? "," : "",
	           extra);
}

/* Canonical base64url of n bytes, written here independently of libsodium. */
static char *b64u_n(const void *s, size_t n)
{
	static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i, o = 0;
	char *out = keep(malloc(n / 3 * 4 + 5));
	const unsigned char *u = (const unsigned char *)s;

	for (i = 0; i + 2 < n; i += 3) {
		out[o++] = A[u[i] >> 2];
		out[o++] = A[((u[i] & 3) << 4) | (u[i + 1] >> 4)];
		out[o++] = A[((u[i + 1] & 15) << 2) | (u[i + 2] >> 6)];
		out[o++] = A[u[i + 2] & 63];
	}
	if (n - i == 1) {
		out[o++] = A[u[i] >> 2];
		out[o++] = A[(u[i] & 3) << 4];
	} else if (n - i == 2) {
		out[o++] = A[u[i] >> 2];
		out[o++] = A[((u[i] & 3) << 4) | (u[i + 1] >> 4)];
		out[o++] = A[(u[i + 1] & 15) << 2];
	}
	out[o] = '\0';
	return out;
}

static char *b64u(const char *s)
{
	return b64u_n(s, strlen(s));
}

/* An HS256 token over any header and payload text, signed here (libjwt
 * would refuse to write what Jansson cannot parse). */
static char *hs256_raw(const char *header, const char *payload)
{
	const char *input = fmt("%s.%s", b64u(header), b64u(payload));
	crypto_auth_hmacsha256_state st;
	unsigned char mac[32];

	crypto_auth_hmacsha256_init(&st, (const unsigned char *)SECRET, strlen(SECRET));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)input, strlen(input));
	crypto_auth_hmacsha256_final(&st, mac);
	return fmt("%s.%s", input, b64u_n(mac, sizeof mac));
}

/* Segment i (0..2) of a token. */
static char *seg(const char *tok, int i)
{
	const char *s = tok, *e;

	while (i--)
		s = strchr(s, '.') + 1;
	e = strchr(s, '.');
	return keep(strndup(s, e ? (size_t)(e - s) : strlen(s)));
}

/* Verify and expect a result; on success return the claims (kept). */
static srv_jwt_claims *check_tok(const srv_jwt_verifier *v, const char *tok, size_t len, int want,
                                 int line)
{
	srv_jwt_claims *c = (srv_jwt_claims *)1;
	const char *why = "unset";
	int rc = srv_jwt_verify(v, tok, len, NOW, &c, &why);

	ck_assert_msg(rc == want, "line %d: got %d (%s), want %d (%s) for %.200s", line, rc,
	              why ? why : "-", want, srv_jwt_strerror(want), tok ? tok : "(null)");
	if (rc) {
		ck_assert_ptr_null(c);
		ck_assert_str_eq(why, srv_jwt_strerror(want));
		return NULL;
	}
	ck_assert_ptr_null(why);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_lt(ngarbage, (int)(sizeof garbage / sizeof *garbage));
	return c;
}

static size_t len0(const char *s)
{
	return s ? strlen(s) : 0;
}

#define EXPECT(v, tok, want) check_tok((v), (tok), len0(tok), (want), __LINE__)
#define ACCEPT(v, tok)       check_tok((v), (tok), strlen(tok), 0, __LINE__)

static void accept_and_free(const srv_jwt_verifier *v, const char *tok, int line)
{
	srv_jwt_claims_free(check_tok(v, tok, strlen(tok), 0, line));
}
#define OK(v, tok) accept_and_free((v), (tok), __LINE__)

/* ---- verifier creation ------------------------------------------------- */

static void refuse_cfg(srv_jwt_alg alg, const void *key, size_t klen, long leeway,
                       const char *msg_part)
{
	srv_jwt_config cfg;
	char err[256] = "";

	srv_jwt_config_init(&cfg);
	cfg.alg = alg;
	cfg.key = key;
	cfg.key_len = klen;
	cfg.leeway = leeway;
	ck_assert_ptr_null(srv_jwt_verifier_new(&cfg, err, sizeof err));
	ck_assert_msg(strstr(err, msg_part), "error \"%s\" lacks \"%s\"", err, msg_part);
}

START_TEST(test_config_refused)
{
	size_t n;
	char *k;

	refuse_cfg(SRV_JWT_HS256, "", 0, 30, "secret is empty");
	refuse_cfg(SRV_JWT_HS256, NULL, 5, 30, "secret is empty");
	refuse_cfg(SRV_JWT_ALG_INVALID, SECRET, 5, 30, "HS256, RS256, ES256");
	refuse_cfg((srv_jwt_alg)42, SECRET, 5, 30, "HS256, RS256, ES256");
	refuse_cfg(SRV_JWT_HS256, SECRET, 5, -1, "leeway");
	refuse_cfg(SRV_JWT_HS256, SECRET, 5, 100000, "leeway");
	/* a public key as the HMAC secret: the confusion, configured by hand */
	refuse_cfg(SRV_JWT_HS256, rsa_pub, rsa_pub_len, 30, "looks like a PEM");
	refuse_cfg(SRV_JWT_RS256, "", 0, 30, "public key is empty");
	refuse_cfg(SRV_JWT_RS256, ec_pub, ec_pub_len, 30, "EC public key but alg is RS256");
	refuse_cfg(SRV_JWT_ES256, rsa_pub, rsa_pub_len, 30, "RSA public key but alg is ES256");
	refuse_cfg(SRV_JWT_RS256, rsa_priv, rsa_priv_len, 30, "private key");
	refuse_cfg(SRV_JWT_ES256, ec_priv, ec_priv_len, 30, "private key");
	refuse_cfg(SRV_JWT_RS256, SECRET, strlen(SECRET), 30, "BEGIN PUBLIC KEY");
	k = load("rsa1024.pub.pem", &n);
	refuse_cfg(SRV_JWT_RS256, k, n, 30, "1024 bits");
	k = load("ec384.pub.pem", &n);
	refuse_cfg(SRV_JWT_ES256, k, n, 30, "P-256");
	k = load("rsa2048.pkcs1.pub.pem", &n);
	refuse_cfg(SRV_JWT_RS256, k, n, 30, "PKCS#1");
	refuse_cfg(SRV_JWT_RS256,
	           LIT("-----BEGIN PUBLIC KEY-----\nMIIB!!\n"
	               "-----END PUBLIC KEY-----\n"),
	           30, "not base64");
	refuse_cfg(SRV_JWT_RS256,
	           LIT("-----BEGIN PUBLIC KEY-----\nMIIBIjAN\n"
	               "-----END PUBLIC KEY-----\n"),
	           30, "SubjectPublicKeyInfo");
	refuse_cfg(SRV_JWT_RS256, LIT("-----BEGIN PUBLIC KEY-----\nMIIB\n"), 30, "END PUBLIC KEY");
	refuse_cfg(SRV_JWT_RS256, LIT("-----BEGIN PUBLIC KEY-----\0\n"), 30, "NUL");
	/* a truncated real key */
	k = fmt("%.100s\n-----END PUBLIC KEY-----\n", rsa_pub);
	refuse_cfg(SRV_JWT_RS256, k, strlen(k), 30, "SubjectPublicKeyInfo");
	ck_assert_ptr_null(srv_jwt_verifier_new(NULL, NULL, 0));
}
END_TEST

/* The key checks read the PEM with OpenSSL as libjwt does (docs/jwt.md, "The
 * key"): every curve but P-256, every RSA size under 2048 bits, other key
 * types and private keys are refused; what OpenSSL reads, libjwt can use. */
START_TEST(test_config_keys)
{
	size_t n;
	char *k, *priv;

	k = load("rsa2047.pub.pem", &n);
	refuse_cfg(SRV_JWT_RS256, k, n, 30, "2047 bits; RS256 needs at least 2048");
	k = load("ec521.pub.pem", &n);
	refuse_cfg(SRV_JWT_ES256, k, n, 30, "P-256");
	k = load("secp256k1.pub.pem", &n);
	refuse_cfg(SRV_JWT_ES256, k, n, 30, "P-256");
	k = load("ec384.pub.pem", &n);
	refuse_cfg(SRV_JWT_RS256, k, n, 30, "EC public key but alg is RS256");
	/* P-256 spelled out as explicit parameters: OpenSSL names it
	 * prime256v1, refused all the same */
	k = load("ec256-explicit.pub.pem", &n);
	refuse_cfg(SRV_JWT_ES256, k, n, 30, "explicit parameters");
	k = load("ed25519.pub.pem", &n);
	refuse_cfg(SRV_JWT_ES256, k, n, 30, "neither RSA nor EC");
	refuse_cfg(SRV_JWT_RS256, k, n, 30, "neither RSA nor EC");
	k = load("rsapss.pub.pem", &n); /* RSASSA-PSS only, not rsaEncryption */
	refuse_cfg(SRV_JWT_RS256, k, n, 30, "neither RSA nor EC");
	/* a private key, alone or before its public key */
	priv = load("rsa2048.key.pem", &n);
	k = fmt("%s%s", priv, rsa_pub);
	refuse_cfg(SRV_JWT_RS256, k, strlen(k), 30, "private key");
	k = fmt("%s%s", ec_pub, load("ec256.key.pem", NULL));
	refuse_cfg(SRV_JWT_ES256, k, strlen(k), 30, "private key");
	/* a point that is not on the curve: a changed byte of y */
	k = keep(strdup(ec_pub));
	char *y = strstr(k, "-----END") - 8;
	*y = *y == 'A' ? 'B' : 'A';
	refuse_cfg(SRV_JWT_ES256, k, strlen(k), 30, "SubjectPublicKeyInfo");
	/* BEGIN must start a line (libjwt could never read this key) */
	k = fmt("x%s", rsa_pub);
	refuse_cfg(SRV_JWT_RS256, k, strlen(k), 30, "OpenSSL cannot read the PEM");
	/* encrypted: refused, never a passphrase prompt */
	k = fmt("-----BEGIN PUBLIC KEY-----\nProc-Type: 4,ENCRYPTED\n"
	        "DEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n%s",
	        strstr(rsa_pub, "\n") + 1);
	refuse_cfg(SRV_JWT_RS256, k, strlen(k), 30, "OpenSSL cannot read the PEM");
	/* '=' inside the body */
	k = keep(strdup(rsa_pub));
	strstr(k, "\nMII")[5] = '=';
	refuse_cfg(SRV_JWT_RS256, k, strlen(k), 30, "not base64");
}
END_TEST

/* Keys that are accepted: text around the PEM block is ignored (by OpenSSL,
 * so by libjwt too), a compressed P-256 point, RSA above 2048 bits (the
 * signature length follows the modulus). */
START_TEST(test_config_keys_accepted)
{
	srv_jwt_verifier *v;
	size_t n, pn;
	char *k, *priv;
	const char *t;

	k = fmt("comment line\n%strailing garbage\n!!!\n", rsa_pub);
	v = mkv(SRV_JWT_RS256, k, strlen(k));
	OK(v, sign(JWT_ALG_RS256, rsa_priv, rsa_priv_len, claims("")));
	srv_jwt_verifier_free(v);

	k = load("ec256-compressed.pub.pem", &n);
	v = mkv(SRV_JWT_ES256, k, n);
	OK(v, sign(JWT_ALG_ES256, ec_priv, ec_priv_len, claims("")));
	EXPECT(v, sign(JWT_ALG_HS256, k, n, claims("")), SRV_JWT_EALG);
	srv_jwt_verifier_free(v);

	k = load("rsa3072.pub.pem", &n);
	priv = load("rsa3072.key.pem", &pn);
	v = mkv(SRV_JWT_RS256, k, n);
	t = sign(JWT_ALG_RS256, priv, pn, claims(""));
	ck_assert_uint_eq(strlen(seg(t, 2)), 512); /* 384 bytes */
	OK(v, t);
	/* a 2048-bit signature has the wrong length for this key */
	t = sign(JWT_ALG_RS256, rsa_priv, rsa_priv_len, claims(""));
	EXPECT(v, t, SRV_JWT_ESIG);
	srv_jwt_verifier_free(v);
}
END_TEST

START_TEST(test_config_helpers)
{
	char *buf = (char *)1;

	ck_assert_int_eq(srv_jwt_alg_from_name("HS256"), SRV_JWT_HS256);
	ck_assert_int_eq(srv_jwt_alg_from_name("rs256"), SRV_JWT_RS256);
	ck_assert_int_eq(srv_jwt_alg_from_name("ES256"), SRV_JWT_ES256);
	ck_assert_int_eq(srv_jwt_alg_from_name("HS512"), SRV_JWT_ALG_INVALID);
	ck_assert_int_eq(srv_jwt_alg_from_name("none"), SRV_JWT_ALG_INVALID);
	ck_assert_int_eq(srv_jwt_alg_from_name(NULL), SRV_JWT_ALG_INVALID);
	ck_assert_str_eq(srv_jwt_alg_name(SRV_JWT_ES256), "ES256");
	ck_assert_int_eq(srv_jwt_verify(NULL, "a.b.c", 5, NOW, (srv_jwt_claims **)&buf, NULL),
	                 SRV_JWT_EINVAL);
	ck_assert_ptr_null(buf);
	ck_assert_int_eq(srv_jwt_verify(hs, "a.b.c", 5, NOW, NULL, NULL), SRV_JWT_EINVAL);
	srv_jwt_verifier_free(NULL);
	srv_jwt_claims_free(NULL);
}
END_TEST

/* ---- valid tokens ------------------------------------------------------- */

START_TEST(test_valid_hs256_claims)
{
	const char *json = claims("\"role\":\"admin\",\"n\":42,\"big\":9007199254740993,"
	                          "\"projects\":[\"p1\",\"p2\",7],\"name\":\"caf\\u00e9\","
	                          "\"f\":1.5,\"one\":\"solo\",\"obj\":{\"a\":1}");
	srv_jwt_claims *c = ACCEPT(hs, hs256(json));
	long long x = 0;

	ck_assert_str_eq(srv_jwt_claim_str(c, "sub"), "u1");
	ck_assert_str_eq(srv_jwt_claim_str(c, "role"), "admin");
	ck_assert_str_eq(srv_jwt_claim_str(c, "name"), "caf\xc3\xa9");
	ck_assert_ptr_null(srv_jwt_claim_str(c, "n"));
	ck_assert_ptr_null(srv_jwt_claim_str(c, "missing"));
	ck_assert_int_eq(srv_jwt_claim_int(c, "n", &x), 0);
	ck_assert_int_eq(x, 42);
	ck_assert_int_eq(srv_jwt_claim_int(c, "big", &x), 0);
	ck_assert(x == 9007199254740993LL);
	ck_assert_int_eq(srv_jwt_claim_int(c, "exp", &x), 0);
	ck_assert_int_eq(x, (long long)NOW + 3600);
	ck_assert_int_eq(srv_jwt_claim_int(c, "sub", &x), SRV_JWT_ETYPE);
	ck_assert_int_eq(srv_jwt_claim_int(c, "f", &x), SRV_JWT_ETYPE);
	ck_assert_int_eq(srv_jwt_claim_int(c, "missing", &x), SRV_JWT_ENOENT);
	ck_assert(srv_jwt_claim_list_contains(c, "projects", "p1"));
	ck_assert(srv_jwt_claim_list_contains(c, "projects", "p2"));
	ck_assert(srv_jwt_claim_list_contains(c, "projects", "7"));
	ck_assert(!srv_jwt_claim_list_contains(c, "projects", "p3"));
	ck_assert(!srv_jwt_claim_list_contains(c, "projects", "p"));
	ck_assert(!srv_jwt_claim_list_contains(c, "projects", "07x"));
	ck_assert(!srv_jwt_claim_list_contains(c, "projects", ""));
	ck_assert(srv_jwt_claim_list_contains(c, "one", "solo"));
	ck_assert(!srv_jwt_claim_list_contains(c, "obj", "a"));
	ck_assert(!srv_jwt_claim_list_contains(c, "missing", "p1"));
	ck_assert(!srv_jwt_claim_list_contains(c, "projects", NULL));
	ck_assert_ptr_nonnull(strstr(srv_jwt_claims_json(c), "\"projects\""));
	ck_assert_ptr_nonnull(strstr(srv_jwt_claims_json(c), "\"sub\""));
	srv_jwt_claims_free(c);
}
END_TEST

START_TEST(test_valid_rs256_es256)
{
	srv_jwt_claims *c;
	long long x;

	c = ACCEPT(rs, sign(JWT_ALG_RS256, rsa_priv, rsa_priv_len,
	                    claims("\"projects\":[\"a\",\"b\"],\"uid\":5")));
	ck_assert_str_eq(srv_jwt_claim_str(c, "sub"), "u1");
	ck_assert(srv_jwt_claim_list_contains(c, "projects", "b"));
	ck_assert_int_eq(srv_jwt_claim_int(c, "uid", &x), 0);
	ck_assert_int_eq(x, 5);
	srv_jwt_claims_free(c);

	c = ACCEPT(es, sign(JWT_ALG_ES256, ec_priv, ec_priv_len, claims("\"role\":\"user\"")));
	ck_assert_str_eq(srv_jwt_claim_str(c, "role"), "user");
	srv_jwt_claims_free(c);

	/* the verifier does not keep anything from the token */
	for (int i = 0; i < 3; i++)
		OK(es, sign(JWT_ALG_ES256, ec_priv, ec_priv_len, claims("")));
}
END_TEST

/* ---- algorithm attacks -------------------------------------------------- */

START_TEST(test_alg_none)
{
	const char *pl = seg(hs256(claims("")), 1);
	const char *sig = seg(hs256(claims("")), 2);
	static const char *names[] = { "none", "NONE", "None", "nOnE" };
	jwt_t *j = NULL;
	char *t;

	/* libjwt's own unsigned token: "header.payload." */
	ck_assert_int_eq(jwt_new(&j), 0);
	ck_assert_int_eq(jwt_add_grants_json(j, claims("")), 0);
	ck_assert_int_eq(jwt_set_alg(j, JWT_ALG_NONE, NULL, 0), 0);
	t = keep(jwt_encode_str(j));
	jwt_free(j);
	ck_assert_int_eq(t[strlen(t) - 1], '.');
	EXPECT(hs, t, SRV_JWT_EALG);
	EXPECT(rs, t, SRV_JWT_EALG);
	EXPECT(es, t, SRV_JWT_EALG);

	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		const char *h = b64u(fmt("{\"alg\":\"%s\",\"typ\":\"JWT\"}", names[i]));
		EXPECT(hs, fmt("%s.%s.", h, pl), SRV_JWT_EALG);
		EXPECT(hs, fmt("%s.%s.%s", h, pl, sig), SRV_JWT_EALG);
		EXPECT(rs, fmt("%s.%s.%s", h, pl, sig), SRV_JWT_EALG);
		EXPECT(hs, fmt("%s.%s", h, pl), SRV_JWT_EMALFORMED); /* 2 segments */
	}
}
END_TEST

START_TEST(test_alg_mismatch)
{
	const char *c = claims("");

	/* same secret, stronger hash: libjwt alone accepts these */
	EXPECT(hs, sign(JWT_ALG_HS512, SECRET, strlen(SECRET), c), SRV_JWT_EALG);
	EXPECT(hs, sign(JWT_ALG_HS384, SECRET, strlen(SECRET), c), SRV_JWT_EALG);
	EXPECT(hs, sign(JWT_ALG_RS256, rsa_priv, rsa_priv_len, c), SRV_JWT_EALG);
	EXPECT(hs, sign(JWT_ALG_ES256, ec_priv, ec_priv_len, c), SRV_JWT_EALG);
	EXPECT(rs, hs256(c), SRV_JWT_EALG);
	EXPECT(rs, sign(JWT_ALG_RS512, rsa_priv, rsa_priv_len, c), SRV_JWT_EALG);
	EXPECT(rs, sign(JWT_ALG_ES256, ec_priv, ec_priv_len, c), SRV_JWT_EALG);
	EXPECT(es, sign(JWT_ALG_RS256, rsa_priv, rsa_priv_len, c), SRV_JWT_EALG);
	EXPECT(es, hs256(c), SRV_JWT_EALG);

	/* "alg" is case-sensitive (libjwt compares without case) */
	const char *t = hs256(c);
	EXPECT(hs,
	       fmt("%s.%s.%s", b64u("{\"alg\":\"hs256\",\"typ\":\"JWT\"}"), seg(t, 1), seg(t, 2)),
	       SRV_JWT_EALG);
}
END_TEST

START_TEST(test_key_confusion)
{
	/* HS256 "signed" with the RSA public key, which the attacker has. */
	const char *t = sign(JWT_ALG_HS256, rsa_pub, rsa_pub_len, claims("\"role\":\"admin\""));
	jwt_t *j = NULL;

	/* the attack works on libjwt used naively with the RS256 key ... */
	ck_assert_int_eq(jwt_decode(&j, t, (const unsigned char *)rsa_pub, (int)rsa_pub_len), 0);
	ck_assert_int_eq(jwt_get_alg(j), JWT_ALG_HS256);
	jwt_free(j);
	/* ... and not here */
	EXPECT(rs, t, SRV_JWT_EALG);
	/* nor the same with the EC key */
	EXPECT(es, sign(JWT_ALG_HS256, ec_pub, ec_pub_len, claims("")), SRV_JWT_EALG);
}
END_TEST

/* ---- signature and shape ------------------------------------------------ */

static char *flip(const char *s, size_t at)
{
	char *t = keep(strdup(s));

	t[at] = t[at] == 'A' ? 'B' : 'A';
	return t;
}

START_TEST(test_bad_signature)
{
	const char *t = hs256(claims("\"role\":\"user\""));
	const char *r = sign(JWT_ALG_RS256, rsa_priv, rsa_priv_len, claims(""));
	const char *e = sign(JWT_ALG_ES256, ec_priv, ec_priv_len, claims(""));
	const char *h = seg(t, 0), *s = seg(t, 2);
	size_t sig_at = strlen(t) - strlen(s);

	EXPECT(hs, flip(t, sig_at + 10), SRV_JWT_ESIG);
	EXPECT(hs, flip(t, strlen(t) - 2), SRV_JWT_ESIG);
	EXPECT(rs, flip(r, strlen(r) - 20), SRV_JWT_ESIG);
	EXPECT(es, flip(e, strlen(e) - 20), SRV_JWT_ESIG);
	/* wrong secret */
	EXPECT(hs, sign(JWT_ALG_HS256, "other", 5, claims("")), SRV_JWT_ESIG);
	/* tampered payload, original signature */
	EXPECT(hs, fmt("%s.%s.%s", h, b64u(claims("\"role\":\"admin\"")), s), SRV_JWT_ESIG);
	/* signature of another token */
	EXPECT(hs, fmt("%s.%s.%s", h, seg(t, 1), seg(hs256(claims("\"x\":1")), 2)), SRV_JWT_ESIG);
	/* empty, short, long signatures */
	EXPECT(hs, fmt("%s.%s.", h, seg(t, 1)), SRV_JWT_ESIG);
	EXPECT(hs, fmt("%s.%s.%.42s", h, seg(t, 1), s), SRV_JWT_ESIG);
	EXPECT(hs, fmt("%sAAAA", t), SRV_JWT_ESIG);
	EXPECT(rs, fmt("%s.%s.%s", seg(r, 0), seg(r, 1), s), SRV_JWT_ESIG);
	/* non-canonical last character (same bytes, other text): refused */
	static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char *nc = keep(strdup(t));
	char *last = nc + strlen(nc) - 1;
	*last = A[(strchr(A, *last) - A) ^ 1]; /* a spare bit of a 43-char signature */
	EXPECT(hs, nc, SRV_JWT_ESIG);
	/* RS256/ES256 signatures are decoded, not compared as text: libjwt alone
	 * accepts the same signature written with a spare bit set, a second
	 * valid text for one token */
	for (int k = 0; k < 2; k++) {
		const char *orig = k ? e : r;
		jwt_t *j = NULL;
		nc = keep(strdup(orig));
		last = nc + strlen(nc) - 1;
		*last = A[(strchr(A, *last) - A) ^ 1];
		ck_assert_int_eq(jwt_decode(&j, nc, (const unsigned char *)(k ? ec_pub : rsa_pub),
		                            (int)(k ? ec_pub_len : rsa_pub_len)),
		                 0);
		jwt_free(j);
		EXPECT(k ? es : rs, nc, SRV_JWT_ESIG);
		OK(k ? es : rs, orig);
	}
}
END_TEST

START_TEST(test_malformed)
{
	const char *t = hs256(claims(""));
	const char *h = seg(t, 0), *p = seg(t, 1), *s = seg(t, 2);
	const char *hj = b64u("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");

	OK(hs, t);
	EXPECT(hs, "", SRV_JWT_EMALFORMED);
	EXPECT(hs, NULL, SRV_JWT_EMALFORMED);
	EXPECT(hs, ".", SRV_JWT_EMALFORMED);
	EXPECT(hs, "..", SRV_JWT_EMALFORMED);
	EXPECT(hs, "...", SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s.%s", h, p), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s.%s.%s.%s", h, p, s, s), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s.%s.%s.", h, p, s), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt(".%s.%s", p, s), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s..%s", h, s), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s=", t), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s==", t), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s ", t), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt(" %s", t), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s\n", t), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s!", t), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s=.%s.%s", h, p, s), SRV_JWT_EMALFORMED);
	/* standard-alphabet characters and other junk inside */
	EXPECT(hs, fmt("%s+.%s.%s", h, p, s), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s.%s/.%s", h, p, s), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s.%s.%s", h, p, flip(s, 3)), SRV_JWT_ESIG);
	char *bad = keep(strdup(t));
	bad[5] = '*';
	EXPECT(hs, bad, SRV_JWT_EMALFORMED);
	/* an embedded NUL is just a bad character */
	ck_assert_int_eq(check_tok(hs, fmt("%s", t), strlen(t) + 1, SRV_JWT_EMALFORMED, __LINE__) ==
	                         NULL,
	                 1);
	/* header / payload segment of impossible length (4k+1) */
	EXPECT(hs, fmt("%sA.%s.%s", h, p, s), SRV_JWT_EMALFORMED);
	/* header or payload not JSON, not an object, not UTF-8 */
	EXPECT(hs, fmt("%s.%s.%s", b64u("not json"), p, s), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s.%s.%s", b64u("{\"alg\":\"HS256\""), p, s), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s.%s.%s", b64u("[\"HS256\"]"), p, s), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s.%s.%s", hj, b64u("not json"), s), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s.%s.%s", hj, b64u("[1,2]"), s), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s.%s.%s", hj, b64u("{\"sub\":\"u1\"} x"), s), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s.%s.%s", hj, b64u("{\"sub\":\"\xff\"}"), s), SRV_JWT_EMALFORMED);
	/* header: alg missing or not a string, typ not JWT, crit, duplicates */
	EXPECT(hs, fmt("%s.%s.%s", b64u("{\"typ\":\"JWT\"}"), p, s), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s.%s.%s", b64u("{\"alg\":1}"), p, s), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s.%s.%s", b64u("{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}"), p, s),
	       SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s.%s.%s", b64u("{\"alg\":\"HS256\",\"crit\":[\"b64\"]}"), p, s),
	       SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s.%s.%s", b64u("{\"alg\":\"none\",\"alg\":\"HS256\"}"), p, s),
	       SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s.%s.%s", b64u("{\"alg\":\"HS256\",\"\\u0061lg\":\"none\"}"), p, s),
	       SRV_JWT_EMALFORMED);
	/* payload: duplicate names, NUL in a string, numbers Jansson refuses */
	EXPECT(hs, fmt("%s.%s.%s", hj, b64u("{\"sub\":\"a\",\"sub\":\"b\"}"), s),
	       SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s.%s.%s", hj, b64u("{\"sub\":\"a\\u0000b\"}"), s), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s.%s.%s", hj, b64u("{\"n\":99999999999999999999}"), s),
	       SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s.%s.%s", hj, b64u("{\"n\":1e400}"), s), SRV_JWT_EMALFORMED);
	/* well-formed and correctly escaped: only the signature is wrong */
	EXPECT(hs, fmt("%s.%s.%s", hj, b64u("{\"sub\":\"a\\\\u0000b\"}"), s), SRV_JWT_ESIG);
	/* header without typ is fine (libjwt too) */
	EXPECT(hs, fmt("%s.%s.%s", b64u("{\"alg\":\"HS256\"}"), p, s), SRV_JWT_ESIG);
}
END_TEST

/* What libsodium's decoder (sodium_base642bin, URL-safe, no padding, no
 * characters to ignore) refuses by itself, as srv_jwt.c relies on it
 * (docs/jwt.md, "base64url"): with b64_end it stops at the first character
 * outside the alphabet and says where; stray bits and a 4k+1 length fail
 * even there. Splitting at '.' and refusing empty segments is left to
 * srv_jwt.c. */
static int sodium_url(const char *s, size_t n, size_t *stop)
{
	unsigned char out[64];
	const char *end = NULL;
	size_t len;
	int rc;

	rc = sodium_base642bin(out, sizeof out, s, n, NULL, &len, stop ? &end : NULL,
	                       sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (stop)
		*stop = (size_t)(end - s);
	return rc == 0 ? (int)len : -1;
}

START_TEST(test_sodium_base64url)
{
	size_t stop;

	ck_assert_int_eq(sodium_url(LIT("AAAA"), NULL), 3);
	ck_assert_int_eq(sodium_url(LIT("-_-_"), NULL), 3);
	ck_assert_int_eq(sodium_url(LIT("AAA"), NULL), 2);
	ck_assert_int_eq(sodium_url(LIT("AA"), NULL), 1);
	ck_assert_int_eq(sodium_url(LIT(""), NULL), 0); /* empty: ours to refuse */
	/* refused: padding, the standard alphabet, whitespace, NUL, '.' */
	ck_assert_int_eq(sodium_url(LIT("AA=="), NULL), -1);
	ck_assert_int_eq(sodium_url(LIT("AAA="), NULL), -1);
	ck_assert_int_eq(sodium_url(LIT("A=AA"), NULL), -1);
	ck_assert_int_eq(sodium_url(LIT("AA+A"), NULL), -1);
	ck_assert_int_eq(sodium_url(LIT("AA/A"), NULL), -1);
	ck_assert_int_eq(sodium_url(LIT("AA A"), NULL), -1);
	ck_assert_int_eq(sodium_url(LIT("AA\nA"), NULL), -1);
	ck_assert_int_eq(sodium_url(LIT("AA\0A"), NULL), -1);
	ck_assert_int_eq(sodium_url(LIT("AA.A"), NULL), -1);
	/* refused: non-zero stray bits, impossible lengths */
	ck_assert_int_eq(sodium_url(LIT("AB"), NULL), -1);
	ck_assert_int_eq(sodium_url(LIT("AAB"), NULL), -1);
	ck_assert_int_eq(sodium_url(LIT("A"), NULL), -1);
	ck_assert_int_eq(sodium_url(LIT("AAAAA"), NULL), -1);
	/* with b64_end: the stop, and the bits are still checked there */
	ck_assert_int_eq(sodium_url(LIT("AAAA.BB"), &stop), 3);
	ck_assert_uint_eq(stop, 4);
	ck_assert_int_eq(sodium_url(LIT("AA=="), &stop), 1);
	ck_assert_uint_eq(stop, 2);
	ck_assert_int_eq(sodium_url(LIT("AB.AA"), &stop), -1);
	ck_assert_uint_eq(stop, 2);
	ck_assert_int_eq(sodium_url(LIT("AAAAA.AA"), &stop), -1);
	ck_assert_uint_eq(stop, 5);
}
END_TEST

/* Last character of a segment with a spare bit flipped: the same bytes
 * written another way, a second text for one token. */
static char *spare_bit(const char *segment)
{
	static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char *t = keep(strdup(segment));
	char *last = t + strlen(t) - 1;

	*last = A[(strchr(A, *last) - A) ^ 1];
	return t;
}

START_TEST(test_canonical_segments)
{
	const char *t = hs256(claims(""));
	const char *h = seg(t, 0), *p = seg(t, 1), *s = seg(t, 2);
	const char *other = b64u("{\"alg\":\"HS512\",\"typ\":\"JWT\"}");

	/* a header of 16 bytes, so that its last character has spare bits */
	const char *h16 = b64u("{\"alg\":\"HS256\" }");

	ck_assert_uint_ne(strlen(h16) % 4, 0);
	ck_assert_uint_ne(strlen(p) % 4, 0);
	OK(hs, t);
	EXPECT(hs, fmt("%s.%s.%s", h16, p, s), SRV_JWT_ESIG); /* canonical: reaches libjwt */
	/* padding or '=' anywhere: malformed, in every segment */
	EXPECT(hs, fmt("%s=.%s.%s", h, p, s), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s.%s=.%s", h, p, s), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s.%s.%s=", h, p, s), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s.%s.%.10s=%s", h, p, s, s + 11), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%.5s=%s.%s.%s", h, h + 6, p, s), SRV_JWT_EMALFORMED);
	/* stray bits: malformed in header and payload, a bad signature in
	 * the signature (test_bad_signature: RS256 and ES256 too) */
	EXPECT(hs, fmt("%s.%s.%s", spare_bit(h16), p, s), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s.%s.%s", h, spare_bit(p), s), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s.%s.%s", h, p, spare_bit(s)), SRV_JWT_ESIG);
	/* 4k+1 characters */
	EXPECT(hs, fmt("%s.%sA.%s", h, p, s), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s.%s.%sAA", h, p, s), SRV_JWT_ESIG);
	/* the order of the checks: a bad character anywhere comes first, then
	 * the header, then the payload */
	EXPECT(hs, fmt("%s.%s.%s!", other, p, s), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s.%s.%s=", other, p, s), SRV_JWT_EMALFORMED);
	EXPECT(hs, fmt("%s.%s.%s", other, spare_bit(p), s), SRV_JWT_EALG);
	EXPECT(hs, fmt("%s.%s.%s", other, p, spare_bit(s)), SRV_JWT_EALG);
}
END_TEST

/* Where base/json.h and Jansson (libjwt's parser) differ, on tokens that are
 * correctly signed (docs/jwt.md, "Two JSON parsers"). */
START_TEST(test_jansson_differences)
{
	const char *hj = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	const char *cases[] = {
		"{\"exp\":9999999999,\"n\":18446744073709552000}", /* JSON.stringify(2**64) */
		"{\"exp\":9999999999,\"n\":-9223372036854775809}",
		"{\"exp\":9999999999,\"n\":1e400}",
		"{\"exp\":9999999999,\"projects\":[\"a\\u0000b\"]}",
		"{\"exp\":9999999999,\"o\":{\"s\":\"\\u0000\"}}",
	};
	jwt_t *j = NULL;
	const char *t;

	/* what Jansson refuses, libjwt refuses; refused here first, as
	 * malformed rather than as a bad signature */
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		t = hs256_raw(hj, cases[i]);
		ck_assert_int_ne(jwt_decode(&j, t, (const unsigned char *)SECRET, strlen(SECRET)),
		                 0);
		EXPECT(hs, t, SRV_JWT_EMALFORMED);
	}
	/* a repeated top-level name: Jansson (flags 0, as libjwt calls it)
	 * keeps the last one; refused here, so no claim has two values */
	t = hs256_raw(hj, "{\"exp\":9999999999,\"sub\":\"a\",\"sub\":\"admin\"}");
	ck_assert_int_eq(jwt_decode(&j, t, (const unsigned char *)SECRET, strlen(SECRET)), 0);
	ck_assert_str_eq(jwt_get_grant(j, "sub"), "admin");
	jwt_free(j);
	EXPECT(hs, t, SRV_JWT_EMALFORMED);
	/* a repeated name inside a nested object is not read by anyone */
	OK(hs, hs256_raw(hj, "{\"exp\":9999999999,\"o\":{\"a\":1,\"a\":2}}"));
	/* in range for both: the exact integer */
	srv_jwt_claims *c =
	        ACCEPT(hs, hs256_raw(hj, "{\"exp\":9999999999,\"n\":-9223372036854775808}"));
	long long x = 0;
	ck_assert_int_eq(srv_jwt_claim_int(c, "n", &x), 0);
	ck_assert(x == INT64_MIN);
	srv_jwt_claims_free(c);
}
END_TEST

START_TEST(test_too_large)
{
	srv_jwt_config cfg;
	srv_jwt_verifier *small;
	size_t big = 64u << 20; /* 64 MiB of non-token bytes */
	char *junk = keep(malloc(big));
	const char *t = hs256(claims(""));
	srv_jwt_claims *c = NULL;
	clock_t t0;
	int i;

	memset(junk, '!', big);
	EXPECT(hs, fmt("%.*s", 8192, junk), SRV_JWT_EMALFORMED); /* at the limit: parsed */
	ck_assert_int_eq(check_tok(hs, junk, 8193, SRV_JWT_ETOOLARGE, __LINE__) == NULL, 1);
	/* refused without reading it: 1000 x 64 MiB would take seconds */
	t0 = clock();
	for (i = 0; i < 1000; i++)
		ck_assert_int_eq(srv_jwt_verify(hs, junk, big, NOW, &c, NULL), SRV_JWT_ETOOLARGE);
	ck_assert_msg(clock() - t0 < CLOCKS_PER_SEC / 2, "size check is not O(1)");

	/* a configured limit */
	srv_jwt_config_init(&cfg);
	cfg.alg = SRV_JWT_HS256;
	cfg.key = SECRET;
	cfg.key_len = strlen(SECRET);
	cfg.max_len = strlen(t) - 1;
	small = srv_jwt_verifier_new(&cfg, NULL, 0);
	ck_assert_ptr_nonnull(small);
	EXPECT(small, t, SRV_JWT_ETOOLARGE);
	srv_jwt_verifier_free(small);
	cfg.max_len = strlen(t);
	small = srv_jwt_verifier_new(&cfg, NULL, 0);
	OK(small, t);
	srv_jwt_verifier_free(small);
}
END_TEST

/* ---- time claims -------------------------------------------------------- */

static const char *at(const char *fmt_, long long delta)
{
	return hs256(fmt(fmt_, (long long)NOW + delta));
}

START_TEST(test_exp)
{
	EXPECT(hs, at("{\"exp\":%lld}", -31), SRV_JWT_EEXPIRED);
	EXPECT(hs, at("{\"exp\":%lld}", -30), SRV_JWT_EEXPIRED);
	EXPECT(hs, at("{\"exp\":%lld}", -3600 * 24), SRV_JWT_EEXPIRED);
	EXPECT(hs, hs256("{\"exp\":0}"), SRV_JWT_EEXPIRED);
	EXPECT(hs, hs256("{\"exp\":-9223372036854775808}"), SRV_JWT_EEXPIRED);
	OK(hs, at("{\"exp\":%lld}", -29)); /* expired, within the leeway */
	OK(hs, at("{\"exp\":%lld}", -1));
	OK(hs, at("{\"exp\":%lld}", 1));
	OK(hs, hs256("{\"exp\":9223372036854775807}"));
	/* exp must be an integer NumericDate */
	EXPECT(hs, hs256(fmt("{\"exp\":\"%lld\"}", (long long)NOW + 3600)), SRV_JWT_EMALFORMED);
	EXPECT(hs, hs256(fmt("{\"exp\":%lld.5}", (long long)NOW + 3600)), SRV_JWT_EMALFORMED);
	EXPECT(hs, hs256(fmt("{\"exp\":%lld.0}", (long long)NOW + 3600)), SRV_JWT_EMALFORMED);
	EXPECT(hs, hs256("{\"exp\":1e12}"), SRV_JWT_EMALFORMED);
	EXPECT(hs, hs256("{\"exp\":null}"), SRV_JWT_EMALFORMED);
	EXPECT(hs, hs256("{\"exp\":true}"), SRV_JWT_EMALFORMED);
	EXPECT(hs, hs256("{\"exp\":[1]}"), SRV_JWT_EMALFORMED);
	/* claims are judged only once the signature holds: a forged token
	 * with a bad exp is reported as forged */
	const char *t = hs256("{\"exp\":\"x\"}");
	EXPECT(hs, fmt("%s.%s.%s", seg(t, 0), seg(t, 1), seg(hs256("{}"), 2)), SRV_JWT_ESIG);
}
END_TEST

START_TEST(test_exp_required)
{
	srv_jwt_config cfg;
	srv_jwt_verifier *opt;

	EXPECT(hs, hs256("{\"sub\":\"u1\"}"), SRV_JWT_ENOEXP);
	EXPECT(hs, hs256("{}"), SRV_JWT_ENOEXP);
	srv_jwt_config_init(&cfg);
	cfg.alg = SRV_JWT_HS256;
	cfg.key = SECRET;
	cfg.key_len = strlen(SECRET);
	cfg.require_exp = false;
	cfg.leeway = 0;
	opt = srv_jwt_verifier_new(&cfg, NULL, 0);
	ck_assert_ptr_nonnull(opt);
	OK(opt, hs256("{\"sub\":\"u1\"}"));
	/* optional, but checked when present; leeway 0 */
	EXPECT(opt, at("{\"exp\":%lld}", 0), SRV_JWT_EEXPIRED);
	OK(opt, at("{\"exp\":%lld}", 1));
	EXPECT(opt, hs256("{\"exp\":\"soon\"}"), SRV_JWT_EMALFORMED);
	EXPECT(opt, at("{\"nbf\":%lld}", 1), SRV_JWT_ENOTYET);
	srv_jwt_verifier_free(opt);
}
END_TEST

START_TEST(test_nbf_iat)
{
	long long e = (long long)NOW + 3600;

	EXPECT(hs, hs256(fmt("{\"exp\":%lld,\"nbf\":%lld}", e, (long long)NOW + 60)),
	       SRV_JWT_ENOTYET);
	EXPECT(hs, hs256(fmt("{\"exp\":%lld,\"nbf\":%lld}", e, (long long)NOW + 31)),
	       SRV_JWT_ENOTYET);
	OK(hs, hs256(fmt("{\"exp\":%lld,\"nbf\":%lld}", e, (long long)NOW + 30)));
	OK(hs, hs256(fmt("{\"exp\":%lld,\"nbf\":%lld}", e, (long long)NOW - 100)));
	EXPECT(hs, hs256(fmt("{\"exp\":%lld,\"nbf\":\"%lld\"}", e, (long long)NOW)),
	       SRV_JWT_EMALFORMED);
	EXPECT(hs, hs256(fmt("{\"exp\":%lld,\"nbf\":1.5}", e)), SRV_JWT_EMALFORMED);

	EXPECT(hs, hs256(fmt("{\"exp\":%lld,\"iat\":%lld}", e + 86400, (long long)NOW + 86400)),
	       SRV_JWT_ENOTYET);
	EXPECT(hs, hs256(fmt("{\"exp\":%lld,\"iat\":%lld}", e, (long long)NOW + 31)),
	       SRV_JWT_ENOTYET);
	OK(hs, hs256(fmt("{\"exp\":%lld,\"iat\":%lld}", e, (long long)NOW + 30)));
	OK(hs, hs256(fmt("{\"exp\":%lld,\"iat\":%lld}", e, (long long)NOW - 5)));
	EXPECT(hs, hs256(fmt("{\"exp\":%lld,\"iat\":\"now\"}", e)), SRV_JWT_EMALFORMED);
	/* the caller's clock is the one used */
	const char *t = hs256(fmt("{\"exp\":%lld}", (long long)NOW + 100));
	srv_jwt_claims *c = NULL;
	ck_assert_int_eq(srv_jwt_verify(hs, t, strlen(t), NOW + 200, &c, NULL), SRV_JWT_EEXPIRED);
	ck_assert_int_eq(srv_jwt_verify(hs, t, strlen(t), NOW + 129, &c, NULL), 0);
	srv_jwt_claims_free(c);
}
END_TEST

/* ---- Bearer ------------------------------------------------------------- */

static const struct {
	const char *h, *tok;
} bearer_cases[] = {
	{ "Bearer abc.def.ghi", "abc.def.ghi" },
	{ "bearer abc", "abc" },
	{ "BEARER abc", "abc" },
	{ "BeArEr\tabc", "abc" },
	{ "  Bearer    abc  \t", "abc" },
	{ "\tBearer abc", "abc" },
	{ "Bearer", NULL },
	{ "Bearer ", NULL },
	{ "Bearer  \t ", NULL },
	{ "Bearerabc", NULL },
	{ "Bearer: abc", NULL },
	{ "Basic YWxhZGRpbjpvcGVu", NULL },
	{ "Bearer a b", NULL },
	{ "Bear abc", NULL },
	{ "", NULL },
	{ "abc", NULL },
};

START_TEST(test_bearer)
{
	size_t n = 99;
	const char *t = srv_jwt_from_bearer(bearer_cases[_i].h, &n);

	if (!bearer_cases[_i].tok) {
		ck_assert_msg(t == NULL, "case %d", _i);
		ck_assert_uint_eq(n, 0);
	} else {
		ck_assert_msg(t != NULL, "case %d", _i);
		ck_assert_uint_eq(n, strlen(bearer_cases[_i].tok));
		ck_assert(!memcmp(t, bearer_cases[_i].tok, n));
	}
}
END_TEST

START_TEST(test_bearer_verify)
{
	const char *h = fmt("Bearer %s  ", hs256(claims("")));
	size_t n;
	const char *t = srv_jwt_from_bearer(h, &n);

	ck_assert_ptr_nonnull(t);
	srv_jwt_claims_free(check_tok(hs, t, n, 0, __LINE__)); /* not NUL-terminated */
	ck_assert_ptr_null(srv_jwt_from_bearer(NULL, &n));
	ck_assert_ptr_nonnull(srv_jwt_from_bearer("Bearer x", NULL));
}
END_TEST

/* Step 7: iss and aud, checked only when configured. */
START_TEST(test_issuer_audience)
{
	srv_jwt_config cfg;
	srv_jwt_verifier *v;
	long long e = (long long)NOW + 3600;

	OK(hs, hs256(fmt("{\"exp\":%lld,\"iss\":\"other\",\"aud\":\"x\"}", e)));
	srv_jwt_config_init(&cfg);
	cfg.alg = SRV_JWT_HS256;
	cfg.key = SECRET;
	cfg.key_len = strlen(SECRET);
	cfg.issuer = "https://auth.example";
	cfg.audience = "chat";
	v = srv_jwt_verifier_new(&cfg, NULL, 0);
	ck_assert_ptr_nonnull(v);
	OK(v, hs256(fmt("{\"exp\":%lld,\"iss\":\"https://auth.example\",\"aud\":\"chat\"}", e)));
	OK(v,
	   hs256(fmt("{\"exp\":%lld,\"iss\":\"https://auth.example\",\"aud\":[\"api\",\"chat\"]}",
	             e)));
	EXPECT(v, hs256(fmt("{\"exp\":%lld,\"aud\":\"chat\"}", e)), SRV_JWT_EISSUER);
	EXPECT(v,
	       hs256(fmt("{\"exp\":%lld,\"iss\":\"https://auth.example/\",\"aud\":\"chat\"}", e)),
	       SRV_JWT_EISSUER);
	EXPECT(v,
	       hs256(fmt("{\"exp\":%lld,\"iss\":[\"https://auth.example\"],\"aud\":\"chat\"}", e)),
	       SRV_JWT_EISSUER);
	EXPECT(v, hs256(fmt("{\"exp\":%lld,\"iss\":\"https://auth.example\"}", e)),
	       SRV_JWT_EAUDIENCE);
	EXPECT(v,
	       hs256(fmt("{\"exp\":%lld,\"iss\":\"https://auth.example\",\"aud\":\"chat2\"}", e)),
	       SRV_JWT_EAUDIENCE);
	EXPECT(v,
	       hs256(fmt("{\"exp\":%lld,\"iss\":\"https://auth.example\",\"aud\":[\"api\"]}", e)),
	       SRV_JWT_EAUDIENCE);
	/* expiry is judged first: an expired token of the wrong audience is expired */
	EXPECT(v, hs256(fmt("{\"exp\":%lld,\"aud\":\"x\"}", (long long)NOW - 3600)),
	       SRV_JWT_EEXPIRED);
	srv_jwt_verifier_free(v);
}
END_TEST

static Suite *jwt_suite(void)
{
	Suite *s = suite_create("srv_jwt");
	TCase *c = tcase_create("config");
	TCase *v = tcase_create("valid");
	TCase *a = tcase_create("attacks");
	TCase *t = tcase_create("time");
	TCase *b = tcase_create("bearer");

	tcase_add_checked_fixture(c, setup, teardown);
	tcase_add_test(c, test_config_refused);
	tcase_add_test(c, test_config_keys);
	tcase_add_test(c, test_config_keys_accepted);
	tcase_add_test(c, test_config_helpers);
	suite_add_tcase(s, c);

	tcase_add_checked_fixture(v, setup, teardown);
	tcase_add_test(v, test_valid_hs256_claims);
	tcase_add_test(v, test_valid_rs256_es256);
	suite_add_tcase(s, v);

	tcase_add_checked_fixture(a, setup, teardown);
	tcase_add_test(a, test_alg_none);
	tcase_add_test(a, test_alg_mismatch);
	tcase_add_test(a, test_key_confusion);
	tcase_add_test(a, test_bad_signature);
	tcase_add_test(a, test_malformed);
	tcase_add_test(a, test_sodium_base64url);
	tcase_add_test(a, test_canonical_segments);
	tcase_add_test(a, test_jansson_differences);
	tcase_add_test(a, test_too_large);
	tcase_set_timeout(a, 30); /* valgrind */
	suite_add_tcase(s, a);

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_exp);
	tcase_add_test(t, test_exp_required);
	tcase_add_test(t, test_nbf_iat);
	tcase_add_test(t, test_issuer_audience);
	suite_add_tcase(s, t);

	tcase_add_checked_fixture(b, setup, teardown);
	tcase_add_loop_test(b, test_bearer, 0, (int)(sizeof bearer_cases / sizeof *bearer_cases));
	tcase_add_test(b, test_bearer_verify);
	suite_add_tcase(s, b);
	return s;
}

int main(void)
{
	return check_main_run(jwt_suite());
}
