/* eio_server.c - Engine.IO servers: options, the mount of each on its
 * listener's router, its transports, its sessions and their timers.
 *
 * A server is mounted on the net listener at its path (net_mount): the
 * router hands it requests and upgrades (eio_verify.c), which go on to the
 * transports; a plain WebSocket server's go to eio_plain.c, which is its
 * only transport. The server also holds the transports' tables, through which
 * its sessions write (eio_transport.h).
 */
#include "eio_admit.h"
#include "eio_internal.h"

#include <stdlib.h>
#include <string.h>

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

void eio_server_free(eio_server *srv)
{
	eio_session_reap_all(srv);
	base_map_free(&srv->sessions);
	eio_admit_free(srv);
	free((char *)srv->o.path);
	free((char *)srv->o.cors_origin);
	free((char *)srv->o.capture_headers);
	free(srv);
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

/* The mount of a server: an Engine.IO one (eio_verify.c and the two
 * transports), or a plain WebSocket one (eio_plain.c). */
static void set_mount(eio_server *srv)
{
	srv->mount = (net_mount){ .path = srv->o.path,
		                  .path_len = strlen(srv->o.path),
		                  .cors = &srv->cors,
		                  .http = srv->plain ? eio_plain_http : eio_verify_http,
		                  .preflight = srv->plain ? NULL : eio_verify_preflight,
		                  .ws_check = srv->plain ? eio_plain_upgrade : eio_verify_upgrade,
		                  .ws_open = srv->plain ? eio_plain_ws_open : eio_verify_ws_open,
		                  .user = srv,
		                  .ws_ops = srv->plain ? &eio_plain_ws_ops : &eio_ws_ops,
		                  .ws_max_message = srv->o.max_payload };
	srv->transports[0] = srv->plain ? &eio_plain_transport : &eio_polling_transport;
	srv->transports[1] = srv->plain ? &eio_plain_transport : &eio_ws_transport;
}

static eio_server *build(eio_listener *l, const eio_options *opts, const eio_callbacks *cb,
                         void *user, bool plain, int *err)
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
	srv->plain = plain;
	if (srv->o.max_queued_bytes == 0)
		srv->o.max_queued_bytes = 16u << 20;
	/* A plain endpoint's path is exact (eio_plain.c), not a prefix. */
	srv->o.path = plain ? strdup(opts->path) : normalise_path(opts->path);
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
	srv->cors.origins = srv->o.cors_origin;
	srv->cors.credentials = srv->o.cors_credentials;
	set_mount(srv);
	if (cb)
		srv->cb = *cb;
	srv->user = user;
	base_map_init(&srv->sessions);
	int aerr = eio_admit_init(srv);
	srv->o.trusted_proxies = NULL; /* parsed; the caller's string is not kept */
	if (aerr || net_listener_mount(l->net, &srv->mount) < 0) {
		if (aerr)
			*err = aerr;
		eio_admit_free(srv);
		free((char *)srv->o.path);
		free((char *)srv->o.cors_origin);
		free((char *)srv->o.capture_headers);
		free(srv);
		return NULL;
	}
	base_timers_init(&srv->timers, net_listener_loop(l->net), eio_session_timers_expire);
	base_timers_set_ms(&srv->timers, EIO_TL_PING, srv->o.ping_interval_ms);
	base_timers_set_ms(&srv->timers, EIO_TL_PONG, srv->o.ping_timeout_ms);
	base_timers_set_ms(&srv->timers, EIO_TL_UPGRADE, srv->o.upgrade_timeout_ms);
	base_timers_set_ms(&srv->timers, EIO_TL_KILL, 0);
	base_timers_set_ms(&srv->timers, EIO_TL_V3,
	                   srv->o.ping_interval_ms + srv->o.ping_timeout_ms);
	l->servers[l->nservers++] = srv;
	*err = 0;
	return srv;
}

eio_server *eio_server_new(eio_listener *l, const eio_options *opts, const eio_callbacks *cb,
                           void *user, int *err)
{
	return build(l, opts, cb, user, false, err);
}

/* A plain WebSocket endpoint (engineio.h; its mount and transport are
 * eio_plain.c's): its subprotocols named on the listener first. */
eio_server *eio_plain_server_new(eio_listener *l, const eio_options *opts, const char *subprotocols,
                                 const eio_callbacks *cb, void *user, int *err)
{
	if (!opts || !opts->path || strlen(opts->path) < 2 ||
	    opts->path[strlen(opts->path) - 1] == '/') {
		*err = EIO_EINVAL;
		return NULL;
	}
	/* Each name of the list: one of the listener's subprotocols. */
	for (const char *p = subprotocols; p && *p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char name[NET_SUBPROTO_NAME_MAX + 1];
		while (n > 0 && (*p == ' ' || *p == '\t'))
			p++, n--;
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == 0 || n > NET_SUBPROTO_NAME_MAX) {
			*err = EIO_EINVAL;
			return NULL;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		int r = net_listener_add_subprotocol(l->net, name);
		if (r < 0) {
			*err = r == NET_ENOMEM ? EIO_ENOMEM : EIO_EINVAL;
			return NULL;
		}
		p = end ? end + 1 : p + n;
	}
	eio_options o = *opts;
	o.transports = EIO_TRANSPORT_WEBSOCKET;
	o.allow_upgrades = false;
	o.allow_eio3 = false;
	return build(l, &o, cb, user, true, err);
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
/* The mount's CORS answer (net_cors) points at the same copy: the router
 * and the response writer read it at each request (net_router.c,
 * net_response.c), the Origin checks at each Upgrade (eio_verify.c,
 * eio_plain.c), so swapping it between two events changes both at once
 * and nothing keeps the old copy. */
int eio_server_set_cors(eio_server *srv, const char *origins, bool credentials)
{
	char *copy = NULL;
	if (origins && !(copy = strdup(origins)))
		return EIO_ENOMEM;
	free((char *)srv->o.cors_origin);
	srv->o.cors_origin = copy;
	srv->o.cors_credentials = credentials;
	srv->cors.origins = copy;
	srv->cors.credentials = credentials;
	return 0;
}

void eio_server_on_refusal(eio_server *srv, eio_refusal_cb fn, void *user)
{
	srv->on_refusal = fn;
	srv->refusal_user = user;
}

void *eio_server_user(const eio_server *srv)
{
	return srv->user;
}
uv_loop_t *eio_server_loop(const eio_server *srv)
{
	return net_listener_loop(srv->l->net);
}

eio_session *eio_server_session(const eio_server *srv, const char *sid)
{
	return base_map_get(&srv->sessions, sid);
}
