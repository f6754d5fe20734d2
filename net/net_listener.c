/* net_listener.c - a listening port: an lws context with one vhost on a
 * foreign libuv loop, its teardown, and graceful stop on signals.
 *
 * lws runs on the application's libuv loop (LWS_SERVER_OPTION_LIBUV with
 * foreign_loops), never on its default poll(2) backend, whose cost per wakeup
 * grows with the number of connections (docs/engineio.md, "Runtime model":
 * 165 round trips/s with 5,000 idle clients on poll, 5,122 on libuv).
 */
#include "base/log.h"
#include "net_internal.h"

#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NS "engineio:server"

static const struct lws_protocol_vhost_options pvo_default = { NULL, NULL, "default", "" };
static const struct lws_protocol_vhost_options pvo_ws = { NULL, &pvo_default, "net-ws", "" };

/* ---- graceful stop on signals --------------------------------------------------- */

static void on_stop_signal(uv_signal_t *h, int signum)
{
	net_listener *l = h->data;
	base_log(NS, "signal %d: closing", signum);
	net_listener_close(l);
}

int net_listener_close_on_signals(net_listener *l)
{
	static const int signums[2] = { SIGINT, SIGTERM };
	/* A client that vanishes mid-write must not kill the process. */
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < 2; i++) {
		uv_signal_init(l->loop, &l->signals[i]);
		l->signals[i].data = l;
		if (uv_signal_start(&l->signals[i], on_stop_signal, signums[i]) < 0)
			return NET_EINVAL;
		uv_unref((uv_handle_t *)&l->signals[i]);
	}
	l->signals_on = true;
	return 0;
}

/* ---- listener --------------------------------------------------------------- */

static struct lws_context *create_context(net_listener *l, const net_bind_addr *addr, int port)
{
	/* lws logs errors to stderr (warnings too when debugging), through
	 * the head guard, which learns from it of a head that overflowed
	 * lws's table (net_head.c). */
	lws_set_log_level(base_log_enabled("engineio:lws") ? LLL_ERR | LLL_WARN | LLL_NOTICE
	                                                   : LLL_ERR | LLL_WARN,
	                  net_head_lws_log);
	void *loops[1] = { l->loop };
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	info.port = port;
	/* The address numerically, never a name lws would take for an
	 * interface; an IPv4 one on an IPv4 socket (net_bind.c). */
	info.iface = addr->family ? addr->host : NULL;
	net_subproto_init(l);
	info.protocols = l->protocols;
	info.pvo = &pvo_ws;
	info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_VALIDATE_UTF8;
	if (addr->family == AF_INET)
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	info.foreign_loops = loops;
	/* No lws "validity" timer: the layer above has its own heartbeat, and
	 * lws 4.1 re-inserts that timer into a sorted list (O(connections)) on
	 * every read and write: 11% of the CPU in a 5,000-client fan-out. A
	 * policy with secs_since_valid_hangup 0 turns it off (docs/engineio.md,
	 * pitfall 14). */
	static const lws_retry_bo_t no_validity = { 0 };
	info.retry_and_idle_policy = &no_validity;
	info.user = l;
	info.pcontext = &l->ctx;
	/* Parked requests each hold a header table: the default pool (a few
	 * dozen) would stall new connections behind long-polls. */
	info.max_http_header_pool = 0xffff;
	info.max_http_header_data = NET_HEAD_DATA;
	info.timeout_secs = 20;
	/* Only for connections lws completes itself: the others wait on the
	 * listener's keep-alive list (net_response.c, keepalive_wait). */
	info.keepalive_timeout = NET_KEEPALIVE_MS / 1000;
	info.fd_limit_per_thread = 0;
	return lws_create_context(&info);
}

/* The first teardown step of a listener whose context cannot be used: lws
 * 4.1 frees handles the loop still holds when a context whose vhost failed
 * is destroyed completely (measured with valgrind); the context leaks. */
static void abandon(net_listener *l)
{
	lws_context_destroy(l->ctx);
	net_hangup_close(l);
	net_wsread_close(&l->wsread);
	net_heads_close(&l->heads);
	net_sched_close(l);
	uv_run(l->loop, UV_RUN_NOWAIT);
	net_hangup_free(&l->hangup);
	net_wsread_free(&l->wsread);
	net_heads_free(&l->heads);
	free(l->wbuf);
	free(l);
}

net_listener *net_listener_new(uv_loop_t *loop, const char *addr, int port, int *err)
{
	/* lws reports a failed bind only in its log and still returns a
	 * context (docs/engineio.md, pitfall 15): the address and port are
	 * tried first. */
	net_bind_addr want;
	int rc = net_bind_resolve(addr, port, &want);
	if (rc < 0) {
		*err = rc;
		return NULL;
	}
	net_listener *l = calloc(1, sizeof(*l));
	if (!l || !(l->wbuf = malloc(LWS_PRE + NET_WBUF_CAP))) {
		free(l);
		*err = NET_ENOMEM;
		return NULL;
	}
	l->loop = loop;
	l->ctx = create_context(l, &want, port);
	if (!l->ctx) {
		*err = NET_ELISTEN;
		free(l->wbuf);
		free(l);
		return NULL;
	}
	net_hangup_init(&l->hangup, loop);
	net_wsread_init(&l->wsread, loop); /* failing, WebSockets are refused */
	net_heads_init(&l->heads, loop);
	net_sched_init(l);
	/* lws creates the context even when the vhost cannot bind (port in
	 * use): that is a failure to listen. */
	l->vh = lws_get_vhost_by_name(l->ctx, "default");
	l->port = l->vh ? lws_get_vhost_listen_port(l->vh) : -1;
	if (l->port <= 0) {
		/* Another process bound the port in between (the port is
		 * checked before lws is involved). */
		*err = NET_ELISTEN;
		abandon(l);
		errno = EADDRINUSE;
		return NULL;
	}
	/* What the kernel says the socket is bound to: lws chooses the
	 * socket and parses the address itself (net_bind.c). */
	rc = net_bind_find(l->port, &want, &l->addr);
	if (rc > 0)
		l->addr = want;
	if (rc < 0 || (want.family && strcmp(l->addr.host, want.host))) {
		base_log(NS, "asked for %s, bound to %s", want.host,
		         rc < 0 ? "nothing" : l->addr.host);
		*err = NET_ELISTEN;
		abandon(l);
		errno = EADDRNOTAVAIL;
		return NULL;
	}
	base_timers_init(&l->timers, loop, net_deadline_expire);
	base_timers_set_ms(&l->timers, NET_LTL_KEEPALIVE, NET_KEEPALIVE_MS);
	net_listener_set_timeouts(l, 0, 0);
	l->heads.timers = &l->timers;
	base_log(NS, "listening on %s port %d", l->addr.host, l->port);
	return l;
}

void net_listener_set_close_hook(net_listener *l, void (*fn)(void *arg), void *arg)
{
	l->close_hook = fn;
	l->close_hook_arg = arg;
}

void net_listener_set_keepalive_timeout(net_listener *l, unsigned ms)
{
	base_timers_set_ms(&l->timers, NET_LTL_KEEPALIVE, ms ? ms : NET_KEEPALIVE_MS);
}

int net_listener_port(const net_listener *l)
{
	return l->port;
}

const char *net_listener_address(const net_listener *l)
{
	return l->addr.host;
}

bool net_listener_closing(const net_listener *l)
{
	return l->closing;
}

uv_loop_t *net_listener_loop(const net_listener *l)
{
	return l->loop;
}

unsigned char *net_listener_wbuf(net_listener *l, size_t *cap)
{
	*cap = NET_WBUF_CAP;
	return l->wbuf + LWS_PRE;
}

void net_listener_close(net_listener *l)
{
	if (l->closing)
		return;
	l->closing = true;
	/* The owner closes what runs on the connections (their owners write
	 * nothing more once closing is set); the connections die with the
	 * context. */
	if (l->close_hook)
		l->close_hook(l->close_hook_arg);
	net_hangup_close(l);
	net_wsread_close(&l->wsread);
	net_heads_close(&l->heads);
	net_sched_close(l);
	if (l->signals_on) {
		l->signals_on = false;
		for (int i = 0; i < 2; i++)
			uv_close((uv_handle_t *)&l->signals[i], NULL);
	}
	lws_callback_all_protocol_vhost_args(l->vh, NULL, NET_CB_RELEASE, NULL, 0);
	lws_context_destroy(l->ctx);
	base_timers_close(&l->timers, NULL);
}

/* With a foreign libuv loop, lws_context_destroy() works in two steps: the
 * first closes lws's uv handles; a second call, once the loop has run their
 * close callbacks, frees the context and unloads the uv event-lib plugin
 * (lws sets *pcontext to NULL then). Making that second call from inside the
 * loop was measured to crash (lws frees handles the loop still holds), so it
 * is made here, after uv_run() has returned, as lws's foreign-loop example
 * does, and the loop is run once more for what it closes (docs/engineio.md,
 * pitfall 8). */
void net_listener_free(net_listener *l)
{
	if (!l->closing) {
		/* One loop iteration runs the close callbacks of what
		 * net_listener_close() closed: lws needs that before step two. */
		net_listener_close(l);
		uv_run(l->loop, UV_RUN_NOWAIT);
	}
	if (l->ctx) {
		lws_context_destroy(l->ctx);
		uv_run(l->loop, UV_RUN_NOWAIT);
	}
	net_hangup_free(&l->hangup);
	net_wsread_free(&l->wsread);
	net_heads_free(&l->heads);
	free(l->mounts);
	free(l->unrouted_body);
	free(l->app_capture_headers);
	free(l->wbuf);
	free(l);
}
