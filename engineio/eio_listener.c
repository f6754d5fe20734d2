/* eio_listener.c - listening port (lws context on a foreign libuv loop) and the
 * Engine.IO servers mounted on it.
 *
 * lws runs on the application's libuv loop (LWS_SERVER_OPTION_LIBUV with
 * foreign_loops), never on its default poll(2) backend, whose cost per wakeup
 * grows with the number of connections (shared/notes section 3: 165 round
 * trips/s with 5000 idle clients on poll, 5122 on libuv).
 */
#include "base/log.h"
#include "eio_internal.h"

#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define NS "engineio:server"

static const struct lws_protocol_vhost_options pvo_default = { NULL, NULL, "default", "" };
static const struct lws_protocol_vhost_options pvo_ws = { NULL, &pvo_default, "eio-ws", "" };

const struct lws_protocols eio_protocols[] = {
	{ "http", eio_lws_callback, sizeof(eio_http_pss), 0, 0, NULL, 0 },
	/* tx_packet_size: without it every send() is capped at rx_buffer_size
	 * (pitfall 9). rx_buffer_size is allocated by lws for every connection
	 * and bounds how much it reads per wakeup (with pt_serv_buf_size, 4096):
	 * small, for memory, with read-ahead coalescing (below) batching a
	 * sender's burst into one write per recipient. Measured (10,000 idle
	 * clients; 5,000 x 200 fan-out): 16 KiB without coalescing 7.0 KB per
	 * connection and 1.6M deliveries/s; 1 KiB with it 3.9 KB and 3.2-4.5M/s;
	 * 512 B 3.4 KB, same fan-out, +6% CPU on 600-byte messages (reassembled);
	 * 256 B 3.2 KB, +16% on 64-byte ones. See docs/performance.md. */
	{ "eio-ws", eio_lws_callback, sizeof(eio_ws_pss), EIO_WS_RX_BUFFER, 0, NULL,
	  EIO_WBUF_CAP + 16 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

void eio_options_init(eio_options *o)
{
	memset(o, 0, sizeof(*o));
	o->path = "/socket.io/";
	o->ping_interval_ms = 25000;
	o->ping_timeout_ms = 20000;
	o->upgrade_timeout_ms = 10000;
	o->max_payload = 1000000;
	o->max_queued_bytes = 16u << 20;
	o->transports = EIO_TRANSPORT_POLLING | EIO_TRANSPORT_WEBSOCKET;
	o->allow_upgrades = true;
}

/* ---- end-of-turn writes and read-ahead coalescing -------------------------------
 *
 * lws reads a WebSocket EIO_WS_RX_BUFFER bytes at a time, one read per
 * connection per loop turn, and lws allocates that buffer for every
 * connection: a large one batches a sender's burst of broadcasts into few
 * writes per recipient but costs every idle connection a page of memory.
 * So the buffer is small, and when a connection filled most of its read in
 * this turn and the kernel holds more of its input (FIONREAD), the turn's
 * writes wait: the next turn reads on without blocking (an active idle
 * handle), and the writes go once the burst is read, or after
 * EIO_FLUSH_DEFER_MAX turns. Measured in docs/performance.md, "Memory". */

void eio_listener_note_rx(eio_listener *l, eio_ws_pss *pss, size_t len)
{
	if (pss->rx_turn != l->turn) {
		pss->rx_turn = l->turn;
		pss->rx_turn_bytes = 0;
	}
	uint32_t before = pss->rx_turn_bytes;
	pss->rx_turn_bytes += (uint32_t)len + 6; /* a client frame's header and mask */
	if (before < EIO_RX_HEAVY && pss->rx_turn_bytes >= EIO_RX_HEAVY &&
	    l->nheavy < EIO_RX_HEAVY_MAX)
		l->heavy_fd[l->nheavy++] = lws_get_socket_fd(pss->wsi);
}

/* More input waiting on a connection that read a lot this turn? An fd closed
 * meanwhile answers EBADF (or is another socket): a hint, never harmful. */
static bool more_input_waiting(eio_listener *l)
{
	bool more = false;
	for (uint8_t i = 0; i < l->nheavy && !more; i++) {
		int n = 0;
		more = ioctl(l->heavy_fd[i], FIONREAD, &n) == 0 && n > 0;
	}
	l->nheavy = 0;
	return more;
}

static void on_nowait(uv_idle_t *h)
{
	(void)h;
}

static void on_flush(uv_prepare_t *p)
{
	eio_listener *l = p->data;
	l->turn++;
	if (l->nheavy && l->dirty && l->ndefer < EIO_FLUSH_DEFER_MAX && more_input_waiting(l)) {
		l->ndefer++;
		if (!uv_is_active((uv_handle_t *)&l->nowait))
			uv_idle_start(&l->nowait, on_nowait);
		return;
	}
	l->nheavy = 0;
	l->ndefer = 0;
	if (uv_is_active((uv_handle_t *)&l->nowait))
		uv_idle_stop(&l->nowait);
	eio_ws_flush_dirty(l);
}

void eio_listener_mark_dirty(eio_listener *l, eio_session *s)
{
	if (s->in_dirty)
		return;
	s->in_dirty = true;
	s->next_dirty = l->dirty;
	l->dirty = s;
}

/* ---- graceful stop on signals --------------------------------------------------- */

static void on_stop_signal(uv_signal_t *h, int signum)
{
	(void)signum;
	eio_listener *l = h->data;
	base_log(NS, "signal %d: closing", signum);
	eio_listener_close(l);
}

int eio_listener_close_on_signals(eio_listener *l)
{
	static const int signums[2] = { SIGINT, SIGTERM };
	/* A client that vanishes mid-write must not kill the process. */
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < 2; i++) {
		uv_signal_init(l->loop, &l->signals[i]);
		l->signals[i].data = l;
		if (uv_signal_start(&l->signals[i], on_stop_signal, signums[i]) < 0)
			return EIO_EINVAL;
		uv_unref((uv_handle_t *)&l->signals[i]);
	}
	l->signals_on = true;
	return 0;
}

/* ---- listener --------------------------------------------------------------- */

/* Can addr:port be bound? lws reports a failed bind only in its log and
 * still returns a context, so the port is tried first, with the same
 * SO_REUSEADDR lws uses. */
static bool port_free(const char *addr, int port)
{
	if (port <= 0)
		return true;
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
		                  .ai_socktype = SOCK_STREAM,
		                  .ai_flags = AI_PASSIVE | AI_NUMERICHOST },
	                *ai = NULL;
	char ps[16];
	snprintf(ps, sizeof(ps), "%d", port);
	if (getaddrinfo(addr && *addr ? addr : "::", ps, &hints, &ai) != 0)
		return true; /* let lws report it */
	bool ok = true;
	int fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd >= 0) {
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		ok = bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno != EADDRINUSE;
		close(fd);
	}
	freeaddrinfo(ai);
	return ok;
}

eio_listener *eio_listener_new(uv_loop_t *loop, const char *addr, int port, int *err)
{
	if (!port_free(addr, port)) {
		*err = EIO_ELISTEN;
		return NULL;
	}
	eio_listener *l = calloc(1, sizeof(*l));
	if (!l || !(l->wbuf = malloc(LWS_PRE + EIO_WBUF_CAP))) {
		free(l);
		*err = EIO_ENOMEM;
		return NULL;
	}
	l->loop = loop;

	/* lws logs to stderr by default: keep errors only unless debugging. */
	lws_set_log_level(
	        base_log_enabled("engineio:lws") ? LLL_ERR | LLL_WARN | LLL_NOTICE : LLL_ERR, NULL);
	void *loops[1] = { loop };
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	info.port = port;
	info.iface = addr;
	info.protocols = eio_protocols;
	info.pvo = &pvo_ws;
	info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_VALIDATE_UTF8;
	info.foreign_loops = loops;
	/* No lws "validity" timer: Engine.IO has its own heartbeat, and lws
	 * 4.1 re-inserts that timer into a sorted list (O(connections)) on
	 * every read and write: 11% of the CPU in a 5,000-client fan-out. A
	 * policy with secs_since_valid_hangup 0 turns it off. */
	static const lws_retry_bo_t no_validity = { 0 };
	info.retry_and_idle_policy = &no_validity;
	info.user = l;
	info.pcontext = &l->ctx;
	/* Parked polls each hold a header table: the default pool (a few
	 * dozen) would stall new connections behind long-polls. */
	info.max_http_header_pool = 0xffff;
	info.max_http_header_data = 8192;
	info.timeout_secs = 20;
	/* Only for connections lws completes itself: the others wait on the
	 * listener's keep-alive list (eio_http.c, keepalive_wait). */
	info.keepalive_timeout = EIO_KEEPALIVE_MS / 1000;
	info.fd_limit_per_thread = 0;
	l->ctx = lws_create_context(&info);
	if (!l->ctx) {
		*err = EIO_ELISTEN;
		free(l->wbuf);
		free(l);
		return NULL;
	}
	eio_hangup_init(&l->hangup, loop);
	/* WebSocket writes wait for the end of the loop turn: a prepare handle
	 * runs just before the loop blocks for I/O, after the I/O, timer and
	 * other callbacks of the turn, so all a turn queued for a client goes
	 * in one send. It does not keep the loop alive by itself. */
	uv_prepare_init(loop, &l->flush);
	l->flush.data = l;
	uv_prepare_start(&l->flush, on_flush);
	uv_unref((uv_handle_t *)&l->flush);
	uv_idle_init(loop, &l->nowait);
	uv_unref((uv_handle_t *)&l->nowait);
	/* lws creates the context even when the vhost cannot bind (port in
	 * use): that is a failure to listen. */
	l->vh = lws_get_vhost_by_name(l->ctx, "default");
	l->port = l->vh ? lws_get_vhost_listen_port(l->vh) : -1;
	if (l->port <= 0) {
		/* Only the first teardown step: lws 4.1 frees handles the loop
		 * still holds when a context whose vhost failed is destroyed
		 * completely (measured with valgrind). The port is checked
		 * before lws is involved (port_free), so this is the rare race
		 * of another process binding in between; the context leaks. */
		*err = EIO_ELISTEN;
		lws_context_destroy(l->ctx);
		eio_hangup_close(l);
		uv_close((uv_handle_t *)&l->flush, NULL);
		uv_close((uv_handle_t *)&l->nowait, NULL);
		uv_run(loop, UV_RUN_NOWAIT);
		eio_hangup_free(&l->hangup);
		free(l->wbuf);
		free(l);
		return NULL;
	}
	base_timers_init(&l->timers, loop, eio_http_keepalive_expire);
	base_timers_set_ms(&l->timers, EIO_LTL_KEEPALIVE, EIO_KEEPALIVE_MS);
	base_log(NS, "listening on port %d", l->port);
	return l;
}

void eio_listener_set_keepalive_timeout(eio_listener *l, unsigned ms)
{
	base_timers_set_ms(&l->timers, EIO_LTL_KEEPALIVE, ms ? ms : EIO_KEEPALIVE_MS);
}

int eio_listener_port(const eio_listener *l)
{
	return l->port;
}

static void server_free(eio_server *srv)
{
	eio_session_reap_all(srv);
	base_map_free(&srv->sessions);
	free((char *)srv->o.path);
	free((char *)srv->o.cors_origin);
	free((char *)srv->o.capture_headers);
	free(srv);
}

void eio_listener_close(eio_listener *l)
{
	if (l->closing)
		return;
	l->closing = true;
	/* Sessions are destroyed now; their connections die with the context.
	 * The servers' timers close with the listener's (freed after the loop). */
	for (size_t i = 0; i < l->nservers; i++) {
		eio_server_close_all(l->servers[i]);
		base_timers_close(&l->servers[i]->timers, NULL);
	}
	eio_hangup_close(l);
	eio_ws_flush_dirty(l);
	uv_prepare_stop(&l->flush);
	uv_close((uv_handle_t *)&l->flush, NULL);
	uv_idle_stop(&l->nowait);
	uv_close((uv_handle_t *)&l->nowait, NULL);
	if (l->signals_on) {
		l->signals_on = false;
		for (int i = 0; i < 2; i++)
			uv_close((uv_handle_t *)&l->signals[i], NULL);
	}
	lws_callback_all_protocol_vhost_args(l->vh, NULL, EIO_CB_RELEASE, NULL, 0);
	lws_context_destroy(l->ctx);
	base_timers_close(&l->timers, NULL);
}

/* With a foreign libuv loop, lws_context_destroy() works in two steps: the
 * first closes lws's uv handles; a second call, once the loop has run their
 * close callbacks, frees the context and unloads the uv event-lib plugin
 * (lws sets *pcontext to NULL then). Making that second call from inside the
 * loop was measured to crash (lws frees handles the loop still holds), so it
 * is made here, after uv_run() has returned, as lws's foreign-loop example
 * does, and the loop is run once more for what it closes. */
void eio_listener_free(eio_listener *l)
{
	if (!l->closing) {
		/* One loop iteration runs the close callbacks of what
		 * eio_listener_close() closed: lws needs that before step two. */
		eio_listener_close(l);
		uv_run(l->loop, UV_RUN_NOWAIT);
	}
	if (l->ctx) {
		lws_context_destroy(l->ctx);
		uv_run(l->loop, UV_RUN_NOWAIT);
	}
	for (size_t i = 0; i < l->nservers; i++)
		server_free(l->servers[i]);
	free(l->servers);
	eio_hangup_free(&l->hangup);
	free(l->http_capture_headers);
	free(l->wbuf);
	free(l);
}

/* ---- servers ---------------------------------------------------------------- */

/* Node normalises the path to end in exactly one '/' and matches by prefix. */
static char *normalise_path(const char *p)
{
	size_t n = strlen(p);
	while (n > 0 && p[n - 1] == '/')
		n--;
	char *out = malloc(n + 2);
	if (!out)
		return NULL;
	memcpy(out, p, n);
	out[n] = '/';
	out[n + 1] = '\0';
	return out;
}

eio_server *eio_server_new(eio_listener *l, const eio_options *opts, const eio_callbacks *cb,
                           void *user, int *err)
{
	*err = EIO_EINVAL;
	if (!opts || !opts->path || opts->path[0] != '/' || opts->ping_interval_ms == 0 ||
	    opts->ping_timeout_ms == 0 || opts->max_payload == 0 ||
	    !(opts->transports & (EIO_TRANSPORT_POLLING | EIO_TRANSPORT_WEBSOCKET)))
		return NULL;
	*err = EIO_ENOMEM;
	eio_server *srv = calloc(1, sizeof(*srv));
	eio_server **ns = realloc(l->servers, (l->nservers + 1) * sizeof(*ns));
	if (!srv || !ns) {
		free(srv);
		if (ns)
			l->servers = ns;
		return NULL;
	}
	l->servers = ns;
	srv->l = l;
	srv->o = *opts;
	if (srv->o.max_queued_bytes == 0)
		srv->o.max_queued_bytes = 16u << 20;
	srv->o.path = normalise_path(opts->path);
	srv->o.cors_origin = opts->cors_origin ? strdup(opts->cors_origin) : NULL;
	srv->o.capture_headers = opts->capture_headers ? strdup(opts->capture_headers) : NULL;
	if (!srv->o.path || (opts->cors_origin && !srv->o.cors_origin) ||
	    (opts->capture_headers && !srv->o.capture_headers)) {
		free((char *)srv->o.path);
		free((char *)srv->o.cors_origin);
		free((char *)srv->o.capture_headers);
		free(srv);
		return NULL;
	}
	srv->path_len = strlen(srv->o.path);
	if (cb)
		srv->cb = *cb;
	srv->user = user;
	base_map_init(&srv->sessions);
	base_timers_init(&srv->timers, l->loop, eio_session_timers_expire);
	base_timers_set_ms(&srv->timers, EIO_TL_PING, srv->o.ping_interval_ms);
	base_timers_set_ms(&srv->timers, EIO_TL_PONG, srv->o.ping_timeout_ms);
	base_timers_set_ms(&srv->timers, EIO_TL_UPGRADE, srv->o.upgrade_timeout_ms);
	base_timers_set_ms(&srv->timers, EIO_TL_KILL, 0);
	l->servers[l->nservers++] = srv;
	*err = 0;
	return srv;
}

void eio_server_close_all(eio_server *srv)
{
	/* destroy removes from the map (and on_close may close others):
	 * snapshot the sessions first, then destroy those still open. */
	size_t n = srv->sessions.len, it = 0, k = 0;
	if (n == 0)
		return;
	eio_session **all = malloc(n * sizeof(*all));
	if (!all) {
		eio_session *s;
		while ((s = base_map_next(&srv->sessions, &it))) {
			eio_session_destroy(s, "server shutting down");
			it = 0;
		}
		return;
	}
	eio_session *s;
	while (k < n && (s = base_map_next(&srv->sessions, &it)))
		all[k++] = s;
	for (size_t i = 0; i < k; i++)
		if (base_map_get(&srv->sessions, all[i]->sid) == all[i])
			eio_session_destroy(all[i], "server shutting down");
	free(all);
}

size_t eio_server_session_count(const eio_server *srv)
{
	return srv->sessions.len;
}
void eio_server_get_stats(const eio_server *srv, eio_server_stats *out)
{
	*out = srv->stats;
}
const eio_options *eio_server_options(const eio_server *srv)
{
	return &srv->o;
}
void *eio_server_user(const eio_server *srv)
{
	return srv->user;
}
uv_loop_t *eio_server_loop(const eio_server *srv)
{
	return srv->l->loop;
}

eio_session *eio_server_session(const eio_server *srv, const char *sid)
{
	return base_map_get(&srv->sessions, sid);
}
