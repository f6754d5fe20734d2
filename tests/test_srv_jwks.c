/* test_srv_jwks.c - Check unit tests for the JWKS key set (srv_jwks.c):
 * tests/data/jwt/jwks.json holds the repository's test keys as JWKs (see
 * its README). What a user relies on: an RSA or EC JWK becomes a verifier
 * that accepts tokens signed by its private key (signed here by libjwt)
 * and refuses others; only the pinned algorithm's keys are used; keys for
 * encryption, for another alg, without a kid, too weak or broken are
 * skipped, never fatal; a document that is not a JWKS is an error; the kid
 * of a token's header is read for the lookup; auth.jwksUrl needs RS256 or
 * ES256 and an http(s) URL, and alone enables authentication. Clean under valgrind,
 * CK_FORK=no.
 */
#define _GNU_SOURCE
#include <check.h>
#include <jwt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../apps/sio-server/srv_jwks.h"

#include <unistd.h>
#include "check_main.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	char *buf = malloc(1 << 16);
	*len = fread(buf, 1, (1 << 16) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* A token signed with the private key file, kid in its header (or none). */
static char *sign(jwt_alg_t alg, const char *keyfile, const char *kid, const char *claims)
{
	size_t n;
	char *key = slurp(keyfile, &n);
	jwt_t *j = NULL;
	ck_assert_int_eq(jwt_new(&j), 0);
	ck_assert_int_eq(jwt_add_grants_json(j, claims), 0);
	if (kid)
		ck_assert_int_eq(jwt_add_header(j, "kid", kid), 0);
	ck_assert_int_eq(jwt_set_alg(j, alg, (unsigned char *)key, (int)n), 0);
	char *t = jwt_encode_str(j);
	jwt_free(j);
	free(key);
	return t;
}

static srv_jwks_keys keys;
static char *doc;
static size_t doc_len;

static void setup(void)
{
	doc = slurp("tests/data/jwt/jwks.json", &doc_len);
	keys.n = 0;
}

static void teardown(void)
{
	srv_jwks_keys_free(&keys);
	free(doc);
}

static const srv_jwt_verifier *find(const char *kid)
{
	for (size_t i = 0; i < keys.n; i++)
		if (!strcmp(keys.kid[i], kid))
			return keys.v[i];
	return NULL;
}

static char claims[128];
static const char *valid_claims(void)
{
	snprintf(claims, sizeof(claims), "{\"sub\":\"u1\",\"exp\":%lld}",
	         (long long)time(NULL) + 600);
	return claims;
}

START_TEST(rsa_keys)
{
	srv_jwt_config jc;
	char err[128];
	srv_jwt_config_init(&jc);
	jc.alg = SRV_JWT_RS256;
	ck_assert_int_eq(srv_jwks_parse(doc, doc_len, &jc, &keys, err, sizeof(err)), 0);
	/* rsa-1 and rsa-2; weak, enc-1, rs512, the kid-less, the EC, the
	 * symmetric and the broken ones are skipped */
	ck_assert_uint_eq(keys.n, 2);
	ck_assert_ptr_nonnull(find("rsa-1"));
	ck_assert_ptr_nonnull(find("rsa-2"));
	ck_assert_ptr_null(find("weak"));
	ck_assert_ptr_null(find("enc-1"));
	ck_assert_ptr_null(find("ec-1"));
	char *t = sign(JWT_ALG_RS256, "tests/data/jwt/rsa2048.key.pem", "rsa-1", valid_claims());
	srv_jwt_claims *c = NULL;
	ck_assert_int_eq(srv_jwt_verify(find("rsa-1"), t, strlen(t), time(NULL), &c, NULL), 0);
	ck_assert_str_eq(srv_jwt_claim_str(c, "sub"), "u1");
	srv_jwt_claims_free(c);
	/* the other key refuses it */
	ck_assert_int_eq(srv_jwt_verify(find("rsa-2"), t, strlen(t), time(NULL), &c, NULL),
	                 SRV_JWT_ESIG);
	char kid[64];
	ck_assert_int_eq(srv_jwks_token_kid(t, strlen(t), kid, sizeof(kid)), 0);
	ck_assert_str_eq(kid, "rsa-1");
	free(t);
	t = sign(JWT_ALG_RS256, "tests/data/jwt/rsa3072.key.pem", NULL, valid_claims());
	ck_assert_int_eq(srv_jwks_token_kid(t, strlen(t), kid, sizeof(kid)), -1);
	ck_assert_int_eq(srv_jwt_verify(find("rsa-2"), t, strlen(t), time(NULL), &c, NULL), 0);
	srv_jwt_claims_free(c);
	free(t);
}
END_TEST

START_TEST(ec_keys)
{
	srv_jwt_config jc;
	char err[128];
	srv_jwt_config_init(&jc);
	jc.alg = SRV_JWT_ES256;
	jc.audience = "chat";
	ck_assert_int_eq(srv_jwks_parse(doc, doc_len, &jc, &keys, err, sizeof(err)), 0);
	ck_assert_uint_eq(keys.n, 1);
	ck_assert_str_eq(keys.kid[0], "ec-1");
	char c2[160];
	snprintf(c2, sizeof(c2), "{\"sub\":\"u1\",\"aud\":\"chat\",\"exp\":%lld}",
	         (long long)time(NULL) + 600);
	char *t = sign(JWT_ALG_ES256, "tests/data/jwt/ec256.key.pem", "ec-1", c2);
	srv_jwt_claims *c = NULL;
	ck_assert_int_eq(srv_jwt_verify(keys.v[0], t, strlen(t), time(NULL), &c, NULL), 0);
	srv_jwt_claims_free(c);
	free(t);
	/* the configured rules come with the key: the audience is checked */
	t = sign(JWT_ALG_ES256, "tests/data/jwt/ec256.key.pem", "ec-1", valid_claims());
	ck_assert_int_eq(srv_jwt_verify(keys.v[0], t, strlen(t), time(NULL), &c, NULL),
	                 SRV_JWT_EAUDIENCE);
	free(t);
}
END_TEST

START_TEST(not_a_jwks)
{
	srv_jwt_config jc;
	char err[128];
	srv_jwt_config_init(&jc);
	jc.alg = SRV_JWT_RS256;
	const char *bad[] = { "", "[]", "{}", "{\"keys\": {}}", "<html>", "{\"keys\": [" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(
		        srv_jwks_parse(bad[i], strlen(bad[i]), &jc, &keys, err, sizeof(err)), -1);
		ck_assert_str_eq(err, "not a JWKS document (an object with \"keys\")");
	}
	ck_assert_int_eq(srv_jwks_parse("{\"keys\": []}", 12, &jc, &keys, err, sizeof(err)), 0);
	ck_assert_uint_eq(keys.n, 0);
	char kid[8];
	ck_assert_int_eq(srv_jwks_token_kid("abc", 3, kid, sizeof(kid)), -1);
	ck_assert_int_eq(srv_jwks_token_kid("!!.x.y", 6, kid, sizeof(kid)), -1);
	/* {"kid":"123456789"}: longer than the buffer */
	const char *t = "eyJraWQiOiIxMjM0NTY3ODkifQ.x.y";
	ck_assert_int_eq(srv_jwks_token_kid(t, strlen(t), kid, sizeof(kid)), -1);
}
END_TEST

/* auth.jwksUrl in the configuration. */
static int load_config(const char *json, char *err, size_t errlen, srv_config *cfg)
{
	char path[] = "/tmp/srv_jwks_test_XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, json, strlen(json)), (ssize_t)strlen(json));
	close(fd);
	char *argv[] = { "sio-server", NULL };
	char *const env[] = { NULL };
	int rc = srv_config_load(cfg, path, env, 1, argv, err, errlen);
	unlink(path);
	return rc;
}

START_TEST(config)
{
	srv_config cfg;
	char err[256];
	ck_assert_int_eq(load_config("{\"auth\": {\"required\": true, \"algorithm\": \"RS256\", "
	                             "\"jwksUrl\": \"https://id.example/jwks.json\"}}",
	                             err, sizeof(err), &cfg),
	                 SRV_CONFIG_OK);
	ck_assert(cfg.auth.enabled); /* no key file: the URL's keys */
	ck_assert_str_eq(cfg.auth.jwks_url, "https://id.example/jwks.json");
	ck_assert_int_eq(cfg.auth.jwks_refresh_ms, 3600000);
	ck_assert_int_eq(cfg.auth.jwks_min_refresh_ms, 30000);
	srv_config_free(&cfg);
	ck_assert_int_eq(load_config("{\"auth\": {\"algorithm\": \"HS256\", \"secret\": "
	                             "\"0123456789abcdef0123456789abcdef\", \"jwksUrl\": "
	                             "\"https://id.example/\"}}",
	                             err, sizeof(err), &cfg),
	                 SRV_CONFIG_ERR);
	ck_assert_str_eq(err, "config: \"auth.jwksUrl\": needs \"algorithm\" RS256 or ES256 "
	                      "(public keys), not HS256");
	ck_assert_int_eq(load_config("{\"auth\": {\"algorithm\": \"ES256\", \"jwksUrl\": "
	                             "\"file:///etc/keys\"}}",
	                             err, sizeof(err), &cfg),
	                 SRV_CONFIG_ERR);
	ck_assert_ptr_nonnull(strstr(err, "\"auth.jwksUrl\": expected an http:// or https:// URL"));
	ck_assert_int_eq(load_config("{\"auth\": {\"algorithm\": \"ES256\", \"jwksUrl\": "
	                             "\"http://x/\", \"jwksMinRefreshMs\": 0}}",
	                             err, sizeof(err), &cfg),
	                 SRV_CONFIG_ERR);
	ck_assert_ptr_nonnull(strstr(err, "\"auth.jwksMinRefreshMs\""));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("srv_jwks");
	TCase *tc = tcase_create("jwks");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rsa_keys);
	tcase_add_test(tc, ec_keys);
	tcase_add_test(tc, not_a_jwks);
	tcase_add_test(tc, config);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(suite());
}
