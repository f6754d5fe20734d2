/* net_http.c - what an owner does to its HTTP request besides answering it:
 * collect its body, ask for WRITEABLE, look at lws's backlog, and set or
 * drop its lws timeout (the only lws calls a handler needs).
 */
#include "net_internal.h"

#include <stdlib.h>
#include <string.h>

int net_http_body_append(net_http *h, const char *in, size_t len, size_t max)
{
	if (len == 0)
		return 0; /* lws's empty body: no bytes, maybe a NULL pointer (no memcpy) */
	if (h->rx_len + len > max)
		return -1;
	if (h->rx_len + len > h->rx_cap) {
		size_t nc = (h->rx_len + len) * 2;
		if (nc > max)
			nc = max;
		char *nb = realloc(h->rx, nc);
		if (!nb)
			return -2;
		h->rx = nb;
		h->rx_cap = nc;
	}
	memcpy(h->rx + h->rx_len, in, len);
	h->rx_len += len;
	return 0;
}

/* Once a request has failed nothing more of its body is kept. */
void net_http_body_drop(net_http *h)
{
	free(h->rx);
	h->rx = NULL;
	h->rx_len = h->rx_cap = 0;
}

void net_http_want_write(net_http *h)
{
	lws_callback_on_writable(h->wsi);
}

bool net_http_backlogged(const net_http *h)
{
	return lws_partial_buffered(h->wsi);
}

/* A parked GET would be killed by lws's header timeout after timeout_secs
 * (docs/engineio.md, pitfall 1); dropping it at once also keeps lws's sorted
 * timeout list short (docs/engineio.md, pitfall 9). */
void net_http_no_timeout(net_http *h)
{
	lws_set_timeout(h->wsi, NO_PENDING_TIMEOUT, 0);
}

/* An "async" kill: lws closes the connection the next time it services its
 * timeout list (docs/engineio.md, pitfall 10), never under the caller. */
void net_http_kill(net_http *h)
{
	lws_set_timeout(h->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}
