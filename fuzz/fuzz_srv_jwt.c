/* fuzz_srv_jwt.c - libFuzzer target for apps/sio-server/srv_jwt.c.
 *
 * Each input is offered as a token to an HS256, an RS256 and an ES256
 * verifier (built once, with inline test-only public keys; the segments are
 * decoded by libsodium, the keys read by OpenSSL) and as an Authorization header
 * to srv_jwt_from_bearer, whose result is verified in turn. Whatever the
 * outcome, the code must be one of the documented ones with its reason, and
 * an accepted token's claims must be readable. Any crash, sanitizer report,
 * leak or failed check (abort) is a finding. Inputs that verify are rare
 * (they would need the secret), so an input that is a JSON object is also
 * signed by libjwt as a claims set and verified, which reaches the time
 * checks and claim getters with every claim shape Jansson can write.
 *
 *   make fuzz && build-fuzz/fuzz_srv_jwt -max_total_time=60
 */
#include <jwt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../apps/sio-server/srv_jwt.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

/* tests/data/jwt/rsa2048.pub.pem (test-only) */
static const char RSA_PUB[] = "-----BEGIN PUBLIC KEY-----\n"
                              "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA621nvZ0u8NZukPTmyjRM\n"
                              "rm1Ygb/Uhfl8brrWCKLiu/ot7IRt3oZcyJcBH4dKO2pAg9fSmspPxd6NpxjP25t2\n"
                              "mncqY0ki/nJdbQaKLrNbNATuQ3YW12aXgNGhYQTb84cYorM6xobQGjNF+qcgwVSU\n"
                              "N28pn+caNn0CvE5tkLaSyWYE4tYi1tKr/aV5EFoRa0rJ5aVL4yyJ6Vi0mWz6asbe\n"
                              "v9xG3F3XaGebgc1C1q61snWS2Aq+nQw5NZ39KY9a4J4Rb9/ukqmpddfV1DaJ2l8G\n"
                              "VMQSn1uqQ5APgQMQ0wQYSea4UDGz9jtnmbuNI4hGupTR01VKm9jmlyZMnW38os0k\n"
                              "dwIDAQAB\n"
                              "-----END PUBLIC KEY-----\n";

/* tests/data/jwt/ec256.pub.pem (test-only) */
static const char EC_PUB[] = "-----BEGIN PUBLIC KEY-----\n"
                             "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEc9dKSKRvJu3Agg3Noid/wF4QWEbL\n"
                             "MZjshKoT7EICBO3fQ7M7NYsYEvIc80d5Rv2A867HnUb2j1/KvVS044u0zw==\n"
                             "-----END PUBLIC KEY-----\n";

static const char SECRET[] = "fuzz-secret-0123456789abcdef";
static srv_jwt_verifier *hs, *rs, *es;

static srv_jwt_verifier *make(srv_jwt_alg alg, const char *key, size_t len)
{
	srv_jwt_config cfg;
	srv_jwt_verifier *v;

	srv_jwt_config_init(&cfg);
	cfg.alg = alg;
	cfg.key = key;
	cfg.key_len = len;
	v = srv_jwt_verifier_new(&cfg, NULL, 0);
	CHECK(v != NULL);
	return v;
}

static void try_token(const srv_jwt_verifier *v, const char *tok, size_t len)
{
	srv_jwt_claims *c = (srv_jwt_claims *)1;
	const char *why = NULL;
	long long x;
	int rc;

	/* a fixed clock, so that runs are reproducible */
	rc = srv_jwt_verify(v, tok, len, 1700000000, &c, &why);
	if (rc) {
		CHECK(rc <= SRV_JWT_EMALFORMED && rc >= SRV_JWT_ENOEXP);
		CHECK(c == NULL && why != NULL);
		CHECK(!strcmp(why, srv_jwt_strerror(rc)));
		return;
	}
	CHECK(c != NULL && why == NULL);
	CHECK(srv_jwt_claims_json(c) != NULL);
	(void)srv_jwt_claim_str(c, "sub");
	if (srv_jwt_claim_int(c, "exp", &x) == 0)
		CHECK(x > 1700000000 - SRV_JWT_DEFAULT_LEEWAY);
	else
		CHECK(0); /* exp is required by both verifiers */
	if (srv_jwt_claim_int(c, "nbf", &x) == 0)
		CHECK(x <= 1700000000 + SRV_JWT_DEFAULT_LEEWAY);
	(void)srv_jwt_claim_list_contains(c, "projects", "p1");
	srv_jwt_claims_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *tok;
	char *h;
	size_t n;

	if (!hs) {
		hs = make(SRV_JWT_HS256, SECRET, sizeof SECRET - 1);
		rs = make(SRV_JWT_RS256, RSA_PUB, sizeof RSA_PUB - 1);
		es = make(SRV_JWT_ES256, EC_PUB, sizeof EC_PUB - 1);
	}
	try_token(hs, (const char *)data, size);
	try_token(rs, (const char *)data, size);
	try_token(es, (const char *)data, size);

	/* as a header: a NUL-terminated copy */
	if (!(h = malloc(size + 1)))
		return 0;
	memcpy(h, data, size);
	h[size] = '\0';
	if ((tok = srv_jwt_from_bearer(h, &n)) != NULL) {
		CHECK(n > 0 && tok >= h && tok + n <= h + size);
		CHECK(tok[0] != ' ' && tok[n - 1] != ' ');
		try_token(hs, tok, n);
	}

	/* as a claims set, signed */
	if (size && data[0] == '{') {
		jwt_t *j = NULL;
		char *t;

		if (jwt_new(&j) == 0 && jwt_add_grants_json(j, h) == 0 &&
		    jwt_set_alg(j, JWT_ALG_HS256, (const unsigned char *)SECRET,
		                (int)sizeof SECRET - 1) == 0 &&
		    (t = jwt_encode_str(j)) != NULL) {
			try_token(hs, t, strlen(t));
			free(t);
		}
		jwt_free(j);
	}
	free(h);
	return 0;
}
