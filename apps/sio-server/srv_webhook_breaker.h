/* srv_webhook_breaker.h - a circuit breaker for one backend.
 *
 * A backend that is down should cost its clients one fast error, not a
 * timeout each: after `threshold` consecutive failures the circuit opens and
 * every request fails at once for `cooldown_ms`; then it is half-open: one
 * trial request goes through (the others still fail fast) and its outcome
 * closes the circuit (success) or opens it again for another cool-down.
 * Any success closes it and resets the count.
 *
 * Time is passed in (uv_now() in the server, plain numbers in the tests).
 */
#ifndef SRV_WEBHOOK_BREAKER_H
#define SRV_WEBHOOK_BREAKER_H

#include <stdbool.h>
#include <stdint.h>

enum {
	SRV_BREAKER_CLOSED,
	SRV_BREAKER_OPEN,
	SRV_BREAKER_HALF_OPEN
};

typedef struct srv_breaker {
	long threshold;       /* consecutive failures that open it, >= 1 */
	uint64_t cooldown_ms; /* how long it stays open */
	long failures;        /* consecutive, while closed */
	int state;
	uint64_t open_until;
	bool trial_out;  /* half-open: the trial request is in flight */
	uint64_t opened; /* times it opened (a metric) */
} srv_breaker;

void srv_breaker_init(srv_breaker *b, long threshold, uint64_t cooldown_ms);
/* May a request go now? Every true must be followed by one
 * srv_breaker_result for that request. */
bool srv_breaker_allow(srv_breaker *b, uint64_t now);
void srv_breaker_result(srv_breaker *b, bool ok, uint64_t now);
/* The request allowed was not sent after all (refused before the network):
 * no verdict; a half-open circuit may let the next one try. */
void srv_breaker_cancel(srv_breaker *b);

#endif
