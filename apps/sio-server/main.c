/* sio-server - the configurable Socket.IO backend (docs/sio-server.md):
 * configuration (srv_config), JWT authentication (srv_auth), room rules and
 * replies (srv_rooms), rate limits (srv_limits), token expiry during a
 * connection (srv_expiry), presence (srv_presence), the HTTP API and metrics
 * (srv_api, srv_metrics) with broadcasts through fan-in and throttling
 * (srv_emit), and a graceful shutdown that sends cfg->shutdown_event to
 * every socket before closing.
 *
 * Exit status: 0 after --help/--version or a graceful stop; 1 when it
 * cannot listen or start; 2 for an invalid configuration.
 */
#include "socketio.h"
#include "srv_api.h"
#include "srv_auth.h"
#include "srv_config.h"
#include "srv_emit.h"
#include "srv_metrics.h"
#include "srv_expiry.h"
#include "srv_jwks.h"
#include "srv_limits.h"
#include "srv_plainws.h"
#include "srv_presence.h"
#include "srv_refresh.h"
#include "srv_relay.h"
#include "srv_rooms.h"
#include "srv_webhook.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct app {
	srv_config cfg;
	eio_listener *l;
	sio_server *srv;
	sio_namespace *root;
	srv_auth *auth;
	srv_rooms *rooms;
	srv_limits *limits;
	srv_expiry *expiry;
	srv_presence *presence;
	srv_api api;
	srv_metrics *metrics;
	srv_emit *emit;
	srv_webhooks *hooks;  /* the backend bridge; NULL without "webhooks" */
	srv_relay *relay;     /* relay rules; NULL without "relay" */
	srv_refresh *refresh; /* auth.refreshEvent; NULL without */
	srv_jwks *jwks;       /* auth.jwksUrl; NULL without */
	srv_plainws *plainws;
	uv_signal_t sigterm, sigint;
	uv_timer_t stop_timer;
	uv_timer_t deadline; /* shutdown.graceMs: the bound on a graceful stop */
	bool stopping;
} app;

static void on_disconnect(sio_socket *s, const char *reason, void *user)
{
	app *a = user;
	srv_metrics_disconnect(a->metrics, reason);
	srv_expiry_on_disconnect(a->expiry, s);
	srv_presence_on_disconnect(a->presence, s);
	srv_user_free(srv_user_of(s));
	sio_socket_set_user(s, NULL);
}

static void on_connection(sio_socket *s, void *user)
{
	app *a = user;
	srv_webhooks_on_connection(a->hooks, s); /* first: it may set the user */
	sio_on_disconnect(s, on_disconnect, a);
	srv_metrics_connection(a->metrics, s);
	srv_rooms_on_connection(a->rooms, s);
	srv_expiry_on_connection(a->expiry, s);
	srv_presence_on_connection(a->presence, s);
}

static void on_stop_timer(uv_timer_t *t)
{
	app *a = t->data;
	srv_presence_stop(a->presence);
	srv_expiry_close(a->expiry);
	sio_server_close(a->srv);
	srv_emit_close(a->emit);
	eio_listener_close(a->l);
	uv_close((uv_handle_t *)&a->stop_timer, NULL);
}

/* The loop should have ended long before shutdown.graceMs; if a handle
 * refuses to close, the stop is still bounded (exit 1: not graceful). */
static void on_deadline(uv_timer_t *t)
{
	app *a = t->data;
	fprintf(stderr, "sio-server: not stopped after %ld ms, exiting\n",
	        a->cfg.shutdown_grace_ms);
	_exit(1);
}

static void on_signal(uv_signal_t *h, int signum)
{
	app *a = h->data;
	if (a->stopping)
		return;
	a->stopping = true;
	fprintf(stderr, "sio-server: signal %d, shutting down\n", signum);
	if (a->cfg.shutdown_event) {
		int n = sio_broadcast_emit(a->root, &(sio_broadcast){ 0 }, a->cfg.shutdown_event,
		                           NULL);
		if (n > 0)
			srv_metrics_event_sent(a->metrics, a->cfg.shutdown_event, (uint64_t)n);
	}
	/* clients waiting for the backend get their error ack now, while the
	 * transports are open; new hooks are refused the same way */
	srv_webhooks_close(a->hooks);
	srv_jwks_close(a->jwks);
	/* Plain WebSocket clients get their close frame before the listener
	 * goes (the Socket.IO ones are closed with their server). */
	srv_plainws_shutdown(a->plainws);
	uv_signal_stop(&a->sigterm);
	uv_signal_stop(&a->sigint);
	uv_close((uv_handle_t *)&a->sigterm, NULL);
	uv_close((uv_handle_t *)&a->sigint, NULL);
	/* let the event reach the clients (written on the next loop turns,
     * or on the next poll of a polling client), then close */
	long delay = a->cfg.shutdown_grace_ms < 300 ? a->cfg.shutdown_grace_ms : 300;
	uv_timer_start(&a->stop_timer, on_stop_timer, (uint64_t)(delay > 0 ? delay : 0), 0);
	/* unreferenced: it never keeps the loop alive by itself */
	long bound = a->cfg.shutdown_grace_ms > delay ? a->cfg.shutdown_grace_ms : delay + 1000;
	uv_timer_start(&a->deadline, on_deadline, (uint64_t)bound, 0);
	uv_unref((uv_handle_t *)&a->deadline);
}

/* Development mode (cors.allow_localhost): pages served from the developer's
 * machine, on any port (a Vite or webpack dev server picks its own). */
static const char localhost_origins[] = "http://localhost:*,https://localhost:*,http://127.0.0.1:*,"
                                        "https://127.0.0.1:*,http://[::1]:*,https://[::1]:*";

/* cfg CORS -> eio cors_origin ("*", "a,b,...", or NULL for none): the
 * configured origins, plus the localhost ones in development mode. The
 * same list is the WebSocket Origin check's (eio_options.check_origin).
 * malloc'd or NULL; *oom set when allocation failed. */
static char *cors_list(const srv_config_cors *c, bool *oom)
{
	*oom = false;
	if (c->any_origin) {
		char *s = strdup("*");
		*oom = !s;
		return s;
	}
	size_t n = 1 + (c->allow_localhost ? sizeof(localhost_origins) : 0);
	for (size_t i = 0; i < c->origins.n; i++)
		n += strlen(c->origins.v[i]) + 1;
	if (c->origins.n == 0 && !c->allow_localhost)
		return NULL;
	char *s = calloc(1, n);
	if (!s) {
		*oom = true;
		return NULL;
	}
	for (size_t i = 0; i < c->origins.n; i++) {
		if (i)
			strcat(s, ",");
		strcat(s, c->origins.v[i]);
	}
	if (c->allow_localhost) {
		if (*s)
			strcat(s, ",");
		strcat(s, localhost_origins);
	}
	return s;
}

int main(int argc, char **argv)
{
	static app a;
	char err[512];
	int rc = srv_config_load(&a.cfg, NULL, NULL, argc, argv, err, sizeof(err));
	if (rc == SRV_CONFIG_INFO) {
		fputs(a.cfg.info, stdout);
		srv_config_free(&a.cfg);
		return 0;
	}
	if (rc != SRV_CONFIG_OK) {
		fprintf(stderr, "sio-server: %s\n", err);
		return 2;
	}
	a.auth = srv_auth_new(&a.cfg, err, sizeof(err));
	if (!a.auth) {
		fprintf(stderr, "sio-server: config: \"auth\": %s\n", err);
		srv_config_free(&a.cfg);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);

	uv_loop_t *loop = uv_default_loop();
	int e = 0;
	a.l = eio_listener_new(loop, a.cfg.host, a.cfg.port, &e);
	if (!a.l) {
		int why = errno; /* engineio.h, eio_listener_new */
		const char *host = a.cfg.host ? a.cfg.host : "*";
		if (e == EIO_EINVAL)
			fprintf(stderr, "sio-server: cannot listen on %s port %d: unknown host\n",
			        host, a.cfg.port);
		else
			fprintf(stderr, "sio-server: cannot listen on %s port %d: %s\n", host,
			        a.cfg.port,
			        e == EIO_ELISTEN && why == EADDRNOTAVAIL
			                ? "the address is not on this machine"
			        : e == EIO_ELISTEN ? strerror(why)
			                           : "out of memory");
		return 1;
	}
	/* The phases a client can stall (docs/sio-server.md, "Timeouts"). */
	eio_listener_set_timeouts(a.l, (unsigned)a.cfg.timeouts.header_ms,
	                          (unsigned)a.cfg.timeouts.body_ms);
	eio_listener_set_keepalive_timeout(a.l, (unsigned)a.cfg.timeouts.keep_alive_ms);
	sio_options o;
	sio_options_init(&o);
	o.eio.path = a.cfg.path;
	o.eio.ping_interval_ms = (unsigned)a.cfg.ping_interval;
	o.eio.ping_timeout_ms = (unsigned)a.cfg.ping_timeout;
	o.eio.max_payload = (size_t)a.cfg.max_http_buffer_size;
	o.eio.transports = (a.cfg.transport_polling ? EIO_TRANSPORT_POLLING : 0) |
	                   (a.cfg.transport_websocket ? EIO_TRANSPORT_WEBSOCKET : 0);
	o.eio.trust_proxy = a.cfg.trust_proxy;
	o.parser = a.cfg.parser_msgpack ? SIO_PARSER_MSGPACK : SIO_PARSER_DEFAULT;
	o.eio.allow_eio3 = a.cfg.allow_eio3;
	/* Admission control; behind a proxy on this machine (trustProxy, no
	 * trustedProxies), the loopback addresses are the trusted proxies. */
	o.eio.max_pending_handshakes = (unsigned)a.cfg.admission.max_pending_handshakes;
	o.eio.max_sessions_per_address = (unsigned)a.cfg.admission.max_connections_per_address;
	o.eio.retry_after_s = (unsigned)a.cfg.admission.retry_after_seconds;
	o.eio.trusted_proxies = a.cfg.admission.trusted_proxies ? a.cfg.admission.trusted_proxies
	                        : a.cfg.trust_proxy             ? "127.0.0.0/8,::1"
	                                                        : NULL;
	bool oom;
	char *cors = cors_list(&a.cfg.cors, &oom);
	if (oom) {
		fprintf(stderr, "sio-server: out of memory\n");
		return 1;
	}
	o.eio.cors_origin = cors;
	o.eio.cors_credentials = a.cfg.cors.credentials;
	/* Our protection, beyond node's: a browser page of another origin may
     * not open a WebSocket (docs/sio-server.md, "CORS and Origin"). */
	o.eio.check_origin = true;
	a.srv = sio_server_new(a.l, &o, &e);
	if (!a.srv) {
		free(cors);
		if (e == SIO_EINVAL && a.cfg.admission.trusted_proxies)
			fprintf(stderr,
			        "sio-server: config: \"admission.trustedProxies\": "
			        "expected addresses or CIDR ranges, got \"%s\"\n",
			        a.cfg.admission.trusted_proxies);
		else
			fprintf(stderr,
			        "sio-server: cannot start the Socket.IO server (error %d)\n", e);
		eio_listener_free(a.l);
		return 1;
	}
	a.root = sio_of(a.srv, "/");
	a.jwks = srv_jwks_new(&a.cfg, loop, err, sizeof(err));
	if (!a.jwks && err[0]) {
		fprintf(stderr, "sio-server: auth.jwksUrl: %s\n", err);
		return 1;
	}
	srv_auth_set_jwks(a.auth, a.jwks);
	a.metrics = srv_metrics_new(a.srv);
	a.emit = a.metrics ? srv_emit_new(&a.cfg, a.root, loop, a.metrics) : NULL;
	a.rooms = srv_rooms_new(&a.cfg, a.metrics);
	a.limits = srv_limits_new(&a.cfg, loop, a.metrics);
	a.expiry = srv_expiry_new(&a.cfg, loop, a.metrics);
	a.presence = srv_presence_new(&a.cfg, a.root, a.metrics);
	/* Order matters: metrics count every received event before a rate
     * limit may drop it; the limits refuse cheaply before a token check. */
	if (!a.emit || !a.rooms || !a.limits || !a.expiry || !a.presence ||
	    srv_metrics_install(a.metrics, a.root) || srv_limits_install(a.limits, a.root) ||
	    srv_auth_install(a.auth, a.root, a.metrics) || srv_rooms_install(a.rooms, a.root) ||
	    srv_api_install(&a.api, a.l, &a.cfg, a.srv, a.auth, a.emit, a.metrics)) {
		free(cors);
		fprintf(stderr, "sio-server: out of memory\n");
		return 1;
	}
	bool hooks_oom, relay_oom, refresh_oom;
	a.hooks = srv_webhooks_new(&a.cfg, loop, a.metrics, &hooks_oom);
	a.relay = srv_relay_new(&a.cfg, loop, a.metrics, &relay_oom);
	a.refresh = srv_refresh_new(&a.cfg, a.auth, a.expiry, a.metrics, &refresh_oom);
	if (hooks_oom || relay_oom || refresh_oom || srv_webhooks_install(a.hooks, a.root) ||
	    srv_relay_install(a.relay, a.root) || srv_refresh_install(a.refresh, a.root)) {
		fprintf(stderr, "sio-server: cannot start the backend bridge\n");
		return 1;
	}
	sio_on_connection(a.root, on_connection, &a);
	/* Plain WebSocket endpoints: their clients are sockets of "/" too. */
	a.plainws = srv_plainws_new(&a.cfg, a.l, a.root, cors, a.auth, a.rooms, a.limits, a.metrics,
	                            err, sizeof(err));
	free(cors); /* the options are copied */
	if (!a.plainws) {
		fprintf(stderr, "sio-server: %s\n", err);
		return 1;
	}

	uv_timer_init(loop, &a.stop_timer);
	a.stop_timer.data = &a;
	uv_timer_init(loop, &a.deadline);
	uv_unref((uv_handle_t *)&a.deadline);
	a.deadline.data = &a;
	uv_signal_init(loop, &a.sigterm);
	uv_signal_init(loop, &a.sigint);
	a.sigterm.data = a.sigint.data = &a;
	uv_signal_start(&a.sigterm, on_signal, SIGTERM);
	uv_signal_start(&a.sigint, on_signal, SIGINT);
	uv_unref((uv_handle_t *)&a.sigterm);
	uv_unref((uv_handle_t *)&a.sigint);

	/* The address the socket is bound to, as the kernel says. */
	const char *bound = eio_listener_address(a.l);
	printf(strchr(bound, ':') ? "sio-server %s: listening on http://[%s]:%d%s\n"
	                          : "sio-server %s: listening on http://%s:%d%s\n",
	       SRV_VERSION, bound, eio_listener_port(a.l), a.cfg.path);
	fflush(stdout);
	uv_run(loop, UV_RUN_DEFAULT);
	uv_close((uv_handle_t *)&a.deadline, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
	eio_listener_free(a.l);
	sio_server_free(a.srv);
	srv_emit_free(a.emit);
	srv_plainws_free(a.plainws);
	srv_metrics_free(a.metrics);
	srv_rooms_free(a.rooms);
	srv_limits_free(a.limits);
	srv_expiry_free(a.expiry);
	srv_presence_free(a.presence);
	srv_webhooks_free(a.hooks);
	srv_relay_free(a.relay);
	srv_refresh_free(a.refresh);
	srv_jwks_free(a.jwks);
	srv_auth_free(a.auth);
	srv_config_free(&a.cfg);
	int closed = uv_loop_close(loop);
	fprintf(stderr, "sio-server: stopped\n");
	return closed == 0 ? 0 : 1;
}
