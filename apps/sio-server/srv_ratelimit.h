/* srv_ratelimit.h - a bounded table of per-key fixed-window counters.
 *
 * The rate limits of sio-server (events per user, connection attempts per
 * IP, join/leave events per user) all count "hits per key per minute". A key
 * gets a window of `window_ms` starting at its first hit; the first `limit`
 * hits of the window pass, the next ones are refused, and the window ends
 * window_ms after it began (the next hit starts a new one). This is the
 * fixed window node servers write by hand with a Map of {count, resetTime},
 * so "100 events per minute, the 101st refused" means exactly that.
 *
 * Memory is bounded: a key whose window has ended holds nothing worth
 * keeping and is dropped (lazily, on the next hit to the table, oldest
 * first: entries are kept in the order their windows began, which is also
 * the order they end); and at most `cap` keys exist: a new key beyond that
 * evicts the oldest window (whose counter restarts if it comes back: a
 * flood of distinct keys weakens the limit but never grows the table).
 * Every hit is O(1) amortized: one hash lookup plus the expired entries it
 * removes, each removed once.
 *
 * Time is passed in by the caller (uv_now() in the server, a plain number
 * in the unit tests): no clock is read here.
 */
#ifndef SRV_RATELIMIT_H
#define SRV_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

typedef struct srv_ratelimit srv_ratelimit;

/* srv_ratelimit_hit() results. */
#define SRV_RL_OK             0 /* within the limit */
#define SRV_RL_EXCEEDED       1 /* refused, the first refusal of this window */
#define SRV_RL_EXCEEDED_AGAIN 2 /* refused, not the first in this window */

/* limit >= 1 hits per window_ms >= 1; cap >= 1 keys. NULL when out of memory. */
srv_ratelimit *srv_ratelimit_new(long limit, uint64_t window_ms, size_t cap);
void srv_ratelimit_free(srv_ratelimit *rl);

/* Count one hit for key (NUL-terminated) at now_ms, which must not go
 * backwards. Out of memory: the hit passes (SRV_RL_OK), the server keeps
 * serving rather than refusing everyone. */
int srv_ratelimit_hit(srv_ratelimit *rl, const char *key, uint64_t now_ms);

/* Keys held now (expired ones may still count until the next hit). */
size_t srv_ratelimit_size(const srv_ratelimit *rl);

#endif
