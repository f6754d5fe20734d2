/* fuzz_srv_jwks.c - libFuzzer target for the JWKS document parser and the
 * token kid reader (apps/sio-server/srv_jwks.c): a JWKS document is what
 * the configured URL answers, and a kid is in any token a client sends.
 *
 * Each input is parsed as a JWKS document for an RS256 and for an ES256
 * configuration, and read as a token for its kid. A parse is 0 with at
 * most SRV_JWKS_MAX_KEYS keys, each with a verifier, or -1 with a reason; a
 * kid read is 0 with a NUL-terminated kid that fits, or -1. Any crash,
 * sanitizer report, leak or failed check (abort) is a finding.
 *
 *   make fuzz && build-fuzz/fuzz_srv_jwks -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../apps/sio-server/srv_jwks.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

static void parse_as(srv_jwt_alg alg, const char *doc, size_t len)
{
	srv_jwt_config jc;
	srv_jwks_keys keys;
	char err[256];

	srv_jwt_config_init(&jc);
	jc.alg = alg;
	memset(&keys, 0, sizeof(keys));
	err[0] = '\0';
	int r = srv_jwks_parse(doc, len, &jc, &keys, err, sizeof(err));
	CHECK(r == 0 || r == -1);
	if (r == 0) {
		CHECK(keys.n <= SRV_JWKS_MAX_KEYS);
		for (size_t i = 0; i < keys.n; i++)
			CHECK(keys.v[i] != NULL);
	} else {
		CHECK(err[0] != '\0');
	}
	srv_jwks_keys_free(&keys);
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t len)
{
	const char *doc = (const char *)in;
	parse_as(SRV_JWT_RS256, doc, len);
	parse_as(SRV_JWT_ES256, doc, len);

	char kid[128];
	memset(kid, 'x', sizeof(kid));
	if (srv_jwks_token_kid(doc, len, kid, sizeof(kid)) == 0)
		CHECK(memchr(kid, '\0', sizeof(kid)) != NULL);
	return 0;
}
