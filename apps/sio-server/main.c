/* sio-server - the configurable Socket.IO backend (docs/sio-server.md):
 * configuration (srv_config), JWT authentication (srv_auth), room rules and
 * replies (srv_rooms), rate limits (srv_limits), token expiry during a
 * connection (srv_expiry), presence (srv_presence), the HTTP API and metrics
 * (srv_api, srv_metrics) with broadcasts through fan-in and throttling
 * (srv_emit), the Redis adapter when cfg->redis is set (srv_fleet: several
 * instances as one fleet), the ingest of Redis channels and streams
 * (srv_ingest), and a graceful shutdown that sends
 * cfg->shutdown_event to every socket before closing.
 *
 * SIGHUP reloads the configuration (srv_reload.c); --check-config
 * prints the effective configuration and exits. Every line on stderr goes
 * through the operational log (srv_log.c: LOG_LEVEL, LOG_FORMAT).
 *
 * Exit status: 0 after --help/--version/--check-config or a graceful
 * stop; 1 when it cannot listen or start; 2 for an invalid configuration.
 */
#include "socketio.h"
#include "srv_admin.h"
#include "srv_api.h"
#include "srv_auth.h"
#include "srv_config.h"
#include "srv_config_dump.h"
#include "srv_cors.h"
#include "srv_emit.h"
#include "srv_metrics.h"
#include "srv_ns.h"
#include "srv_expiry.h"
#include "srv_jwks.h"
#include "srv_fleet.h"
#include "srv_ingest.h"
#include "srv_limits.h"
#include "srv_log.h"
#include "srv_log_sock.h"
#include "srv_log_startup.h"
#include "srv_plainws.h"
#include "srv_presence.h"
#include "srv_refresh.h"
#include "srv_relay.h"
#include "srv_reload.h"
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
	srv_fleet *fleet;
	srv_ingest *ingest; /* cfg.ingest: Redis channels and streams to broadcasts */
	srv_plainws *plainws;
	srv_admin *admin; /* the admin dashboard's server side, or NULL */
	srv_nss *nss;     /* the configured namespaces besides "/" */
	uv_signal_t sigterm, sigint;
	uv_signal_t sighup; /* a reload (srv_reload.c) */
	int argc;           /* the command line, read again at a reload */
	char **argv;
	uv_timer_t stop_timer;
	uv_timer_t deadline; /* shutdown.graceMs: the bound on a graceful stop */
	bool stopping;
} app;

static void on_disconnect(sio_socket *s, const char *reason, void *user)
{
	app *a = user;
	const srv_log_field why[] = { SRV_LS("reason", reason) };
	srv_log_socket(SRV_LOG_INFO, "disconnection", s, why, 1);
	srv_metrics_disconnect(a->metrics, reason);
	srv_admin_socket_disconnected(a->admin, s, reason);
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
	srv_admin_socket_connected(a->admin, s);
	srv_log_socket(SRV_LOG_INFO, "connection", s, NULL, 0);
}

static void on_stop_timer(uv_timer_t *t)
{
	app *a = t->data;
	srv_presence_stop(a->presence);
	srv_admin_close(a->admin);
	srv_expiry_close(a->expiry);
	sio_server_close(a->srv);
	srv_emit_close(a->emit);
	eio_listener_close(a->l);
	uv_close((uv_handle_t *)&a->stop_timer, NULL);
	/* The adapter's connections would keep the loop alive: with the
	 * listener closed it may go now (include/socketio/redis.h,
	 * sio_redis_free); the server answers from its own sockets until the
	 * end. Nothing may read it after this. */
	srv_metrics_set_fleet(a->metrics, NULL);
	srv_ingest_free(a->ingest);
	a->ingest = NULL;
	a->api.fleet = NULL;
	srv_fleet_free(a->fleet);
	a->fleet = NULL;
}

/* The loop should have ended long before shutdown.graceMs; if a handle
 * refuses to close, the stop is still bounded (exit 1: not graceful). */
static void on_deadline(uv_timer_t *t)
{
	app *a = t->data;
	srv_log(SRV_LOG_ERROR, "sio-server: not stopped in time, exiting",
	        SRV_LN("graceMs", a->cfg.shutdown_grace_ms));
	_exit(1);
}

static void on_signal(uv_signal_t *h, int signum)
{
	app *a = h->data;
	if (a->stopping)
		return;
	a->stopping = true;
	srv_log(SRV_LOG_INFO, "sio-server: shutting down", SRV_LN("signal", signum));
	if (a->cfg.shutdown_event) {
		/* this instance's clients only: the rest of the fleet stays up */
		int n = sio_broadcast_emit(a->root, &(sio_broadcast){ .local = true },
		                           a->cfg.shutdown_event, NULL);
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
	uv_signal_stop(&a->sighup);
	uv_close((uv_handle_t *)&a->sighup, NULL);
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

/* The reloaded CORS section given to the engine: the Socket.IO server's
 * CORS answers and Origin check, and the plain endpoints' Origin check,
 * from their next request on (connections open stay). */
static void reload_cors(app *a)
{
	bool oom;
	char *list = srv_cors_list(&a->cfg.cors, &oom);
	if (oom || eio_server_set_cors(sio_server_engine(a->srv), list, a->cfg.cors.credentials) ||
	    srv_plainws_set_cors(a->plainws, list))
		srv_logf(SRV_LOG_ERROR, "reload: out of memory, the CORS origins in force stay");
	free(list);
}

/* SIGHUP: the configuration loaded again (file, environment, flags), and
 * what can change live put in force (srv_reload.h); a configuration that
 * does not load, or whose JWT key is refused, is refused as a whole and
 * the running one stays. Either way, one log line says so. */
static void on_hup(uv_signal_t *h, int signum)
{
	(void)signum;
	app *a = h->data;
	srv_config next;
	char err[512], restart[512];
	if (srv_config_load(&next, NULL, NULL, a->argc, a->argv, err, sizeof err) !=
	    SRV_CONFIG_OK) {
		srv_log(SRV_LOG_ERROR, "reload refused: the running configuration stays",
		        SRV_LS("reason", err), SRV_LS("config", a->cfg.config_path));
		return;
	}
	if (srv_reload_apply(&a->cfg, &next, a->auth, a->limits, restart, sizeof restart, err,
	                     sizeof err)) {
		srv_config_free(&next);
		srv_log(SRV_LOG_ERROR, "reload refused: the running configuration stays",
		        SRV_LS("reason", err), SRV_LS("config", a->cfg.config_path));
		return;
	}
	srv_rooms_refresh(a->rooms);
	reload_cors(a);
	if (srv_nss_reload(a->nss, &a->cfg, err, sizeof err))
		srv_log(SRV_LOG_ERROR, "reload: a namespace kept its old key",
		        SRV_LS("reason", err));
	srv_config_free(&next);
	srv_log(SRV_LOG_INFO, "reloaded", SRV_LS("config", a->cfg.config_path),
	        SRV_LN("apiKeys", a->cfg.api.api_keys.n),
	        SRV_LN("eventsPerMinute", a->cfg.limits.events_per_minute),
	        SRV_LS("notReloaded", restart[0] ? restart : NULL));
	if (restart[0])
		srv_log(SRV_LOG_WARN,
		        "reload: changed settings that need a restart kept their values",
		        SRV_LS("sections", restart));
}

/* --check-config: taken out of argv (the other flags are srv_config's);
 * true when it was there. */
static bool take_check_flag(int *argc, char **argv)
{
	bool found = false;
	int o = 1;
	for (int i = 1; i < *argc; i++) {
		if (!strcmp(argv[i], "--check-config"))
			found = true;
		else
			argv[o++] = argv[i];
	}
	*argc = o;
	argv[o] = NULL;
	return found;
}

/* The configuration checked (srv_config_load's checks and the JWT key's)
 * and printed as JSON with its secrets masked: exit 0; else 2. */
static int check_config(srv_config *cfg)
{
	char err[512];
	srv_auth *auth = srv_auth_new(cfg, err, sizeof(err));
	if (!auth) {
		srv_logf(SRV_LOG_ERROR, "sio-server: config: \"auth\": %s", err);
		srv_config_free(cfg);
		return 2;
	}
	srv_auth_free(auth);
	base_buf b = BASE_BUF_INIT;
	base_jsonw w;
	base_jsonw_init(&w, &b);
	int rc = srv_config_dump(cfg, &w, false);
	if (rc == 0) {
		fwrite(b.data, 1, b.len, stdout);
		fputc('\n', stdout);
	} else {
		srv_logf(SRV_LOG_ERROR, "sio-server: out of memory");
	}
	base_buf_free(&b);
	srv_config_free(cfg);
	return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	static app a;
	char err[512];
	if (srv_log_configure(getenv("LOG_LEVEL"), getenv("LOG_FORMAT"), err, sizeof err)) {
		srv_logf(SRV_LOG_ERROR, "sio-server: %s", err);
		return 2;
	}
	bool checking = take_check_flag(&argc, argv);
	a.argc = argc;
	a.argv = argv;
	int rc = srv_config_load(&a.cfg, NULL, NULL, argc, argv, err, sizeof(err));
	if (rc == SRV_CONFIG_INFO) {
		fputs(a.cfg.info, stdout);
		srv_config_free(&a.cfg);
		return 0;
	}
	if (rc != SRV_CONFIG_OK) {
		srv_logf(SRV_LOG_ERROR, "sio-server: %s", err);
		return 2;
	}
	if (checking)
		return check_config(&a.cfg);
	a.auth = srv_auth_new(&a.cfg, err, sizeof(err));
	if (!a.auth) {
		srv_logf(SRV_LOG_ERROR, "sio-server: config: \"auth\": %s", err);
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
			srv_logf(SRV_LOG_ERROR,
			         "sio-server: cannot listen on %s port %d: unknown host", host,
			         a.cfg.port);
		else
			srv_logf(SRV_LOG_ERROR, "sio-server: cannot listen on %s port %d: %s", host,
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
	srv_limits_admission(&a.cfg, &o.eio); /* the plain endpoints' too */
	o.recovery.enabled = a.cfg.recovery.enabled;
	o.recovery.max_disconnection_ms = (unsigned)a.cfg.recovery.max_disconnection_ms;
	o.recovery.skip_middlewares = a.cfg.recovery.skip_middlewares;
	o.recovery.max_packets = (size_t)a.cfg.recovery.max_packets;
	o.recovery.max_bytes = (size_t)a.cfg.recovery.max_bytes;
	o.recovery.max_age_ms = (unsigned)a.cfg.recovery.max_age_ms;
	bool oom;
	char *cors = srv_cors_list(&a.cfg.cors, &oom);
	if (oom) {
		srv_logf(SRV_LOG_ERROR, "sio-server: out of memory");
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
			srv_logf(SRV_LOG_ERROR,
			         "sio-server: config: \"admission.trustedProxies\": "
			         "expected addresses or CIDR ranges, got \"%s\"",
			         a.cfg.admission.trusted_proxies);
		else
			srv_logf(SRV_LOG_ERROR,
			         "sio-server: cannot start the Socket.IO server (error %d)", e);
		eio_listener_free(a.l);
		return 1;
	}
	a.root = sio_of(a.srv, "/");
	a.jwks = srv_jwks_new(&a.cfg, loop, err, sizeof(err));
	if (!a.jwks && err[0]) {
		srv_logf(SRV_LOG_ERROR, "sio-server: auth.jwksUrl: %s", err);
		return 1;
	}
	srv_auth_set_jwks(a.auth, a.jwks);
	if (!(a.fleet = srv_fleet_new(&a.cfg, loop, err, sizeof(err))) ||
	    (e = srv_fleet_attach(a.fleet, a.srv)) != 0) {
		srv_logf(SRV_LOG_ERROR, "sio-server: redis: %s",
		         a.fleet ? "cannot attach the adapter" : err);
		return 1;
	}
	a.metrics = srv_metrics_new(a.srv);
	srv_metrics_set_fleet(a.metrics, a.fleet);
	/* what the engine refuses before a socket exists: counted, and logged
	 * as ours at info */
	eio_server_on_refusal(sio_server_engine(a.srv), srv_metrics_on_refusal, a.metrics);
	a.emit = a.metrics ? srv_emit_new(&a.cfg, a.root, loop, a.metrics) : NULL;
	a.rooms = srv_rooms_new(&a.cfg, a.metrics);
	a.limits = srv_limits_new(&a.cfg, loop, a.metrics);
	a.expiry = srv_expiry_new(&a.cfg, loop, a.metrics);
	a.presence = srv_presence_new(&a.cfg, a.root, a.metrics);
	/* Order matters: metrics count every received event before a rate
     * limit may drop it; the limits refuse cheaply before a token check. */
	if (!a.emit || !a.rooms || !a.limits || !a.expiry || !a.presence ||
	    srv_metrics_install(a.metrics, a.root) || srv_log_events_install(a.root) ||
	    srv_limits_install(a.limits, a.root) || srv_auth_install(a.auth, a.root, a.metrics) ||
	    srv_rooms_install(a.rooms, a.root) ||
	    srv_api_install(&a.api, a.l, &a.cfg, a.srv, a.auth, a.emit, a.metrics, a.fleet)) {
		free(cors);
		srv_logf(SRV_LOG_ERROR, "sio-server: out of memory");
		return 1;
	}
	bool hooks_oom, relay_oom, refresh_oom;
	a.hooks = srv_webhooks_new(&a.cfg, loop, a.metrics, &hooks_oom);
	a.relay = srv_relay_new(&a.cfg, loop, a.metrics, &relay_oom);
	a.refresh = srv_refresh_new(&a.cfg, a.auth, a.expiry, a.metrics, &refresh_oom);
	if (hooks_oom || relay_oom || refresh_oom || srv_webhooks_install(a.hooks, a.root) ||
	    srv_relay_install(a.relay, a.root) || srv_refresh_install(a.refresh, a.root)) {
		srv_logf(SRV_LOG_ERROR, "sio-server: cannot start the backend bridge");
		return 1;
	}
	a.admin = srv_admin_new(&a.cfg, a.srv, &oom);
	if (oom || (a.admin && srv_admin_install(a.admin, a.root))) {
		srv_logf(SRV_LOG_ERROR, "sio-server: out of memory");
		return 1;
	}
	srv_metrics_ops_install(a.metrics, a.root);
	if (!(a.nss = srv_nss_new(&a.cfg, a.srv, loop, a.metrics, a.expiry, a.jwks, err,
	                          sizeof(err)))) {
		srv_logf(SRV_LOG_ERROR, "sio-server: %s", err);
		return 1;
	}
	sio_on_connection(a.root, on_connection, &a);
	/* Plain WebSocket endpoints: their clients are sockets of "/" too. */
	a.plainws = srv_plainws_new(&a.cfg, a.l, a.root, cors, a.auth, a.rooms, a.limits, a.expiry,
	                            a.presence, a.metrics, err, sizeof(err));
	free(cors); /* the options are copied */
	if (!a.plainws) {
		srv_logf(SRV_LOG_ERROR, "sio-server: %s", err);
		return 1;
	}
	if (srv_ingest_configured(&a.cfg) &&
	    !(a.ingest = srv_ingest_new(&a.cfg, loop, a.root, a.metrics, err, sizeof(err)))) {
		srv_logf(SRV_LOG_ERROR, "sio-server: ingest: %s", err);
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
	uv_signal_init(loop, &a.sighup);
	a.sighup.data = &a;
	uv_signal_start(&a.sighup, on_hup, SIGHUP);
	uv_unref((uv_handle_t *)&a.sighup);

	/* The address the socket is bound to, as the kernel says. */
	const char *bound = eio_listener_address(a.l);
	printf(strchr(bound, ':') ? "sio-server %s: listening on http://[%s]:%d%s\n"
	                          : "sio-server %s: listening on http://%s:%d%s\n",
	       SRV_VERSION, bound, eio_listener_port(a.l), a.cfg.path);
	if (srv_fleet_redis(a.fleet))
		printf("sio-server: redis: on, %s (key \"%s\", from %s)\n",
		       srv_fleet_address(a.fleet), a.cfg.redis.key, a.cfg.redis.from);
	else
		printf("sio-server: redis: off (broadcasts reach this instance's clients only)\n");
	char what[300];
	if (a.ingest) {
		srv_ingest_describe(a.ingest, what, sizeof(what));
		printf("sio-server: ingest: %s\n", what);
	}
	fflush(stdout);
	char redis[300];
	snprintf(redis, sizeof redis, "%s",
	         srv_fleet_redis(a.fleet) ? srv_fleet_address(a.fleet) : "off");
	srv_log_startup(&a.cfg, bound, eio_listener_port(a.l), redis, a.ingest ? what : NULL);
	uv_run(loop, UV_RUN_DEFAULT);
	uv_close((uv_handle_t *)&a.deadline, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
	eio_listener_free(a.l);
	sio_server_free(a.srv);
	srv_ingest_free(a.ingest);
	srv_fleet_free(a.fleet); /* freed at the stop, unless it never came */
	srv_emit_free(a.emit);
	srv_plainws_free(a.plainws);
	srv_metrics_free(a.metrics);
	srv_rooms_free(a.rooms);
	srv_nss_free(a.nss);
	srv_limits_free(a.limits);
	srv_expiry_free(a.expiry);
	srv_presence_free(a.presence);
	srv_webhooks_free(a.hooks);
	srv_relay_free(a.relay);
	srv_refresh_free(a.refresh);
	srv_jwks_free(a.jwks);
	srv_admin_free(a.admin);
	srv_auth_free(a.auth);
	srv_config_free(&a.cfg);
	int closed = uv_loop_close(loop);
	srv_log(SRV_LOG_INFO, "sio-server: stopped", SRV_LN("exitCode", closed == 0 ? 0 : 1));
	return closed == 0 ? 0 : 1;
}
