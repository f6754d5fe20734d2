/* eio_listener.c - engineio.h's listener: a net listener (net/net.h) with
 * the Engine.IO servers mounted on it, and the plain HTTP handler of the
 * application on the other paths.
 *
 * Closing is the net listener's: it marks itself closing, then calls back
 * here (close_servers) so that every session ends with "server shutting
 * down" before the connections go, then tears lws down. Teardown on a
 * foreign libuv loop is two steps (docs/engineio.md, pitfall 8):
 * eio_listener_close() in the loop, eio_listener_free() after it.
 */
#include "eio_admit.h"
#include "eio_internal.h"

#include <errno.h>
#include <stdlib.h>

static int eio_err(int net_err)
{
	switch (net_err) {
	case NET_ENOMEM:
		return EIO_ENOMEM;
	case NET_EINVAL:
	case NET_ERESOLVE:
		return EIO_EINVAL;
	default:
		return EIO_ELISTEN;
	}
}

/* Sessions are destroyed now; their connections die with the context. The
 * servers' timers close with the listener's (freed after the loop). */
static void close_servers(void *arg)
{
	eio_listener *l = arg;
	for (size_t i = 0; i < l->nservers; i++) {
		eio_server_close_all(l->servers[i]);
		base_timers_close(&l->servers[i]->timers, NULL);
	}
}

eio_listener *eio_listener_new(uv_loop_t *loop, const char *addr, int port, int *err)
{
	eio_listener *l = calloc(1, sizeof(*l));
	if (!l) {
		*err = EIO_ENOMEM;
		return NULL;
	}
	int nerr = 0;
	l->net = net_listener_new(loop, addr, port, &nerr);
	if (!l->net) {
		int why = errno; /* the reason, for the caller (engineio.h) */
		*err = eio_err(nerr);
		free(l);
		errno = why;
		return NULL;
	}
	base_map_init(&l->admit_addrs);
	net_listener_set_close_hook(l->net, close_servers, l);
	if (eio_error_set_unrouted(l->net) < 0) {
		*err = EIO_ENOMEM;
		net_listener_free(l->net);
		free(l);
		return NULL;
	}
	return l;
}

void eio_listener_close(eio_listener *l)
{
	net_listener_close(l->net);
}

void eio_listener_free(eio_listener *l)
{
	net_listener_free(l->net);
	for (size_t i = 0; i < l->nservers; i++)
		eio_server_free(l->servers[i]);
	eio_admit_free_listener(l);
	free(l->servers);
	free(l);
}

int eio_listener_port(const eio_listener *l)
{
	return net_listener_port(l->net);
}

const char *eio_listener_address(const eio_listener *l)
{
	return net_listener_address(l->net);
}

void eio_listener_set_keepalive_timeout(eio_listener *l, unsigned ms)
{
	net_listener_set_keepalive_timeout(l->net, ms);
}

void eio_listener_set_timeouts(eio_listener *l, unsigned head_ms, unsigned body_ms)
{
	net_listener_set_timeouts(l->net, head_ms, body_ms);
}

int eio_listener_close_on_signals(eio_listener *l)
{
	return net_listener_close_on_signals(l->net) < 0 ? EIO_EINVAL : 0;
}

/* ---- plain HTTP on the other paths -------------------------------------------------
 *
 * An eio_http_request is a net_app_request (net/net_app.c); the net layer
 * calls the application's handler through this function. */

static void app_request(net_app_request *r, void *user)
{
	eio_listener *l = user;
	l->http_handler((eio_http_request *)r, l->http_handler_user);
}

int eio_listener_set_http_handler(eio_listener *l, eio_http_handler fn, const char *capture_headers,
                                  void *user)
{
	if (net_listener_set_app(l->net, fn ? app_request : NULL, capture_headers, l) < 0)
		return EIO_ENOMEM;
	l->http_handler = fn;
	l->http_handler_user = user;
	return 0;
}

static void app_too_large(net_app_request *r, void *user)
{
	eio_listener *l = user;
	l->http_too_large((eio_http_request *)r, l->http_handler_user);
}

void eio_listener_set_http_body_limit(eio_listener *l, size_t max_body, eio_http_handler too_large)
{
	l->http_too_large = too_large;
	net_listener_set_app_limit(l->net, max_body, too_large ? app_too_large : NULL);
}

const char *eio_http_request_method(const eio_http_request *r)
{
	return net_app_request_method((const net_app_request *)r);
}

const eio_request *eio_http_request_info(const eio_http_request *r)
{
	return eio_request_of((net_request *)net_app_request_info((const net_app_request *)r));
}

const char *eio_http_request_body(const eio_http_request *r, size_t *len)
{
	return net_app_request_body((const net_app_request *)r, len);
}

void eio_http_request_set_allow(eio_http_request *r, const char *methods)
{
	net_app_set_allow((net_app_request *)r, methods);
}

void eio_http_reply(eio_http_request *r, int status, const char *content_type, const char *body,
                    size_t len)
{
	net_app_reply((net_app_request *)r, status, content_type, body, len);
}
