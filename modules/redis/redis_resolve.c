/* redis_resolve.c - host names resolved on libuv's thread pool
 * (redis_resolve.h), so that a slow or absent DNS never stalls the loop.
 *
 * The request outlives a cancellation: uv_cancel only succeeds while the
 * lookup waits in the pool's queue; once a thread runs it, its callback
 * still comes when it ends. So cancel only marks it, and the callback frees
 * it either way (with UV_EAI_CANCELED when uv_cancel succeeded).
 */
#include "redis_resolve.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct redis_resolve {
	uv_getaddrinfo_t req;
	redis_resolved_fn fn;
	void *user;
	bool cancelled;
};

bool redis_host_is_address(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];
	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* The first IPv4 address, else the first IPv6 one: hiredis's own order
 * (it tries AF_INET before AF_INET6), so a name resolves to the address it
 * would have used. */
static const struct addrinfo *pick(const struct addrinfo *res)
{
	for (const struct addrinfo *a = res; a; a = a->ai_next)
		if (a->ai_family == AF_INET)
			return a;
	for (const struct addrinfo *a = res; a; a = a->ai_next)
		if (a->ai_family == AF_INET6)
			return a;
	return NULL;
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	redis_resolve *r = req->data;
	char ip[INET6_ADDRSTRLEN] = "";
	const struct addrinfo *a = status ? NULL : pick(res);
	if (a && a->ai_family == AF_INET)
		uv_ip4_name((const struct sockaddr_in *)a->ai_addr, ip, sizeof ip);
	else if (a)
		uv_ip6_name((const struct sockaddr_in6 *)a->ai_addr, ip, sizeof ip);
	else if (!status)
		status = UV_EAI_ADDRFAMILY;
	uv_freeaddrinfo(res);
	if (!r->cancelled)
		r->fn(status, status ? NULL : ip, r->user);
	free(r);
}

redis_resolve *redis_resolve_start(uv_loop_t *loop, const char *host, redis_resolved_fn fn,
                                   void *user, int *err)
{
	redis_resolve *r = calloc(1, sizeof *r);
	if (!r) {
		*err = UV_ENOMEM;
		return NULL;
	}
	r->fn = fn;
	r->user = user;
	r->req.data = r;
	/* the address Redis listens on: IPv4 or IPv6, for a stream socket */
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	*err = uv_getaddrinfo(loop, &r->req, on_resolved, host, NULL, &hints);
	if (*err) {
		free(r);
		return NULL;
	}
	return r;
}

void redis_resolve_cancel(redis_resolve *r)
{
	r->cancelled = true;
	uv_cancel((uv_req_t *)&r->req);
}
