/* srv_webhook_breaker.c - the circuit breaker's three states (see
 * srv_webhook_breaker.h). */
#include "srv_webhook_breaker.h"

void srv_breaker_init(srv_breaker *b, long threshold, uint64_t cooldown_ms)
{
	*b = (srv_breaker){ .threshold = threshold > 0 ? threshold : 1,
		            .cooldown_ms = cooldown_ms,
		            .state = SRV_BREAKER_CLOSED };
}

bool srv_breaker_allow(srv_breaker *b, uint64_t now)
{
	switch (b->state) {
	case SRV_BREAKER_CLOSED:
		return true;
	case SRV_BREAKER_OPEN:
		if (now < b->open_until)
			return false;
		b->state = SRV_BREAKER_HALF_OPEN;
		b->trial_out = true;
		return true;
	default: /* half-open: one trial at a time */
		if (b->trial_out)
			return false;
		b->trial_out = true;
		return true;
	}
}

static void open_circuit(srv_breaker *b, uint64_t now)
{
	b->state = SRV_BREAKER_OPEN;
	b->open_until = now + b->cooldown_ms;
	b->trial_out = false;
	b->failures = 0;
	b->opened++;
}

void srv_breaker_result(srv_breaker *b, bool ok, uint64_t now)
{
	if (ok) {
		b->state = SRV_BREAKER_CLOSED;
		b->failures = 0;
		b->trial_out = false;
		return;
	}
	switch (b->state) {
	case SRV_BREAKER_CLOSED:
		if (++b->failures >= b->threshold)
			open_circuit(b, now);
		break;
	case SRV_BREAKER_HALF_OPEN:
		open_circuit(b, now); /* the trial failed */
		break;
	default: /* open: a request from before it opened; already counted */
		break;
	}
}

void srv_breaker_cancel(srv_breaker *b)
{
	if (b->state == SRV_BREAKER_HALF_OPEN)
		b->trial_out = false;
}
