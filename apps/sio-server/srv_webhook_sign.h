/* srv_webhook_sign.h - the signature of a webhook request.
 *
 * The backend must be able to tell the server's requests from anyone
 * else's and refuse a replayed one, so each request carries
 *
 *     X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
 *
 * (the scheme of Stripe's webhook signatures): the backend recomputes the
 * HMAC over the timestamp, a dot and the raw body, compares in constant
 * time, and refuses a timestamp too far from its clock. docs/sio-server.md,
 * "Backend bridge", has the check in node.
 */
#ifndef SRV_WEBHOOK_SIGN_H
#define SRV_WEBHOOK_SIGN_H

#include <stddef.h>

/* "t=...,v1=<64 hex digits>" */
#define SRV_SIGNATURE_MAX 100

/* The header's value for body signed at unix time t into out
 * (SRV_SIGNATURE_MAX bytes). 0, or -1 if libsodium cannot start. */
int srv_webhook_sign(const char *secret, long long t, const char *body, size_t len,
                     char out[SRV_SIGNATURE_MAX]);

#endif
