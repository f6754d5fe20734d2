/* redis_resolve.h - a host name resolved off the loop's thread (libuv's
 * getaddrinfo on its thread pool), for the Redis connections: hiredis
 * resolves with a blocking getaddrinfo inside redisAsyncConnect, which would
 * stall every client of the server for as long as DNS takes, on every
 * reconnection attempt. A cancelled resolution calls back no one.
 */
#ifndef REDIS_RESOLVE_H
#define REDIS_RESOLVE_H

#include <stdbool.h>
#include <uv.h>

typedef struct redis_resolve redis_resolve;

/* status 0 and the first address as text ("10.0.0.5", "::1"), or a libuv
 * error (UV_EAI_NONAME...) and NULL. Called once, from the loop. */
typedef void (*redis_resolved_fn)(int status, const char *ip, void *user);

/* true when host is already an IPv4 or IPv6 address (nothing to resolve). */
bool redis_host_is_address(const char *host);
/* Start resolving host; NULL when it cannot start (out of memory...), with
 * the libuv error in *err. */
redis_resolve *redis_resolve_start(uv_loop_t *loop, const char *host, redis_resolved_fn fn,
                                   void *user, int *err);
/* fn is not called after this; the request's memory goes when libuv gives it
 * back (at once when it had not started, else when the lookup returns). */
void redis_resolve_cancel(redis_resolve *r);

#endif
