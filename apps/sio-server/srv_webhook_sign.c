/* srv_webhook_sign.c - HMAC-SHA256 over "<t>.<body>" with libsodium (see
 * srv_webhook_sign.h). crypto_auth_hmacsha256_init takes a key of any
 * length (libsodium's crypto_auth_hmacsha256(3): keys longer than the
 * block are hashed first, as RFC 2104 says), so the configured secret is
 * used as it is, as node's crypto.createHmac('sha256', secret) does. */
#include "srv_webhook_sign.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

int srv_webhook_sign(const char *secret, long long t, const char *body, size_t len,
                     char out[SRV_SIGNATURE_MAX])
{
	if (sodium_init() < 0)
		return -1;
	char ts[24];
	int n = snprintf(ts, sizeof(ts), "%lld", t);
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char hex[2 * crypto_auth_hmacsha256_BYTES + 1];
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, (unsigned long long)n);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	sodium_memzero(&st, sizeof(st));
	snprintf(out, SRV_SIGNATURE_MAX, "t=%s,v1=%s", ts, hex);
	return 0;
}
