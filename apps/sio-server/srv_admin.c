/* srv_admin.c - the admin namespace of @socket.io/admin-ui (srv_admin.h):
 * its creation, a dashboard's connection, and its requests.
 *
 * On connection a dashboard gets, in node's order (instrument() in the
 * package's dist/index.js): "session" (a new session id, after a password
 * check: srv_admin_auth.c), "config" {supportedFeatures}, and in development
 * mode "all_sockets" (every socket of every namespace of this server, at
 * most SRV_ADMIN_MAX_SOCKETS), then "server_stats" (srv_admin_stats.c).
 *
 * The features, as node lists them for a Socket.IO 4 server: EMIT, JOIN,
 * LEAVE, DISCONNECT, MJOIN, MLEAVE, MDISCONNECT, none of them when
 * read-only; AGGREGATED_EVENTS always; ALL_EVENTS in development mode. The
 * requests they allow, each with a namespace name and an optional filter (a
 * room, or a socket id, which is the socket's own room):
 *
 *     "join"        (nsp, room, filter)   socketsJoin
 *     "leave"       (nsp, room, filter)   socketsLeave
 *     "_disconnect" (nsp, close, filter)  disconnectSockets
 *     "emit"        (nsp, filter, event, ...args)
 *
 * They act through the adapter (every server's sockets with Redis), as in
 * node. A request naming a namespace that does not exist is ignored (node
 * would create it: here a dashboard cannot add namespaces); names longer
 * than SRV_ADMIN_MAX_NAME, a reserved event name, or arguments of the
 * wrong type are ignored too. The dashboard's sockets are trusted once
 * authenticated: the room rules of the application do not apply to them.
 */
#include "srv_admin_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const all_features[] = { "EMIT",  "JOIN",   "LEAVE",      "DISCONNECT",
	                                    "MJOIN", "MLEAVE", "MDISCONNECT" };

struct find_ns {
	const char *name;
	sio_namespace *found;
};

static void match_ns(sio_namespace *nsp, void *user)
{
	struct find_ns *f = user;

	if (!f->found && !strcmp(sio_namespace_name(nsp), f->name))
		f->found = nsp;
}

/* An existing namespace named by string argument i, or NULL. */
static sio_namespace *namespace_arg(srv_admin *a, const sio_args *args, size_t i)
{
	size_t n;
	struct find_ns f = { sio_args_str(args, i, &n), NULL };

	if (!f.name || n == 0 || n > SRV_ADMIN_MAX_NAME)
		return NULL;
	sio_server_namespaces(a->srv, match_ns, &f);
	return f.found;
}

/* A non-empty name in string argument i, or NULL. */
static const char *name_arg(const sio_args *args, size_t i)
{
	size_t n;
	const char *s = sio_args_str(args, i, &n);

	return s && n > 0 && n <= SRV_ADMIN_MAX_NAME && strlen(s) == n ? s : NULL;
}

/* The target of a request: the filter room when one is given. */
static sio_broadcast target(const char *const *filter)
{
	return (sio_broadcast){ .rooms = *filter ? filter : NULL, .nrooms = *filter ? 1 : 0 };
}

static void on_join_leave(sio_socket *s, const char *event, const sio_args *args, sio_ack *ack,
                          void *user)
{
	sio_namespace *nsp = namespace_arg(user, args, 0);
	const char *room = name_arg(args, 1);
	const char *filter[1] = { name_arg(args, 2) };
	sio_broadcast b = target(filter);

	(void)s;
	(void)ack;
	if (!nsp || !room)
		return;
	if (!strcmp(event, "join"))
		sio_sockets_join(nsp, &b, room);
	else
		sio_sockets_leave(nsp, &b, room);
}

static void on_disconnect_request(sio_socket *s, const char *event, const sio_args *args,
                                  sio_ack *ack, void *user)
{
	sio_namespace *nsp = namespace_arg(user, args, 0);
	const char *filter[1] = { name_arg(args, 2) };
	sio_broadcast b = target(filter);

	(void)s;
	(void)event;
	(void)ack;
	if (nsp)
		sio_disconnect_sockets(nsp, &b, sio_args_type(args, 1) == SIO_ARG_TRUE);
}

static void on_emit_request(sio_socket *s, const char *event, const sio_args *args, sio_ack *ack,
                            void *user)
{
	sio_namespace *nsp = namespace_arg(user, args, 0);
	const char *filter[1] = { name_arg(args, 1) };
	const char *ev = name_arg(args, 2);
	sio_broadcast b = target(filter);
	sio_out *o;
	int rc = 0;

	(void)s;
	(void)event;
	(void)ack;
	if (!nsp || !ev || sio_event_reserved(ev, strlen(ev)) || !(o = sio_out_new()))
		return;
	for (size_t i = 3; i < sio_args_count(args) && !rc; i++)
		rc = sio_out_arg(o, args, i);
	if (!rc)
		sio_broadcast_emit(nsp, &b, ev, o);
	sio_out_free(o);
}

static int put_config(srv_admin *a, sio_out *o)
{
	int rc = sio_out_object_begin(o) || sio_out_key(o, "supportedFeatures") ||
	         sio_out_array_begin(o);

	for (size_t i = 0; !a->cfg->readonly && i < sizeof all_features / sizeof *all_features; i++)
		rc = rc || sio_out_str(o, all_features[i]);
	return rc || sio_out_str(o, "AGGREGATED_EVENTS") ||
	       (a->development && sio_out_str(o, "ALL_EVENTS")) || sio_out_array_end(o) ||
	       sio_out_object_end(o);
}

struct all_sockets {
	sio_out *o;
	size_t n;
	int rc;
};

static void put_one(sio_socket *s, void *user)
{
	struct all_sockets *w = user;

	if (w->rc || w->n >= SRV_ADMIN_MAX_SOCKETS)
		return;
	w->rc = srv_admin_put_socket(w->o, s);
	w->n++;
}

static void put_namespace_sockets(sio_namespace *nsp, void *user)
{
	sio_fetch_sockets(nsp, &(sio_broadcast){ .local = true }, put_one, user);
}

static void send_all_sockets(srv_admin *a, sio_socket *s)
{
	sio_out *o = sio_out_new();
	struct all_sockets w = { o, 0, 0 };

	if (!o)
		return;
	w.rc = sio_out_array_begin(o);
	if (!w.rc)
		sio_server_namespaces(a->srv, put_namespace_sockets, &w);
	if (!w.rc && !sio_out_array_end(o))
		sio_emit(s, "all_sockets", o);
	sio_out_free(o);
}

static void on_dashboard_disconnect(sio_socket *s, const char *reason, void *user)
{
	srv_admin_watch_disconnected(user, s, reason);
}

static void on_dashboard(sio_socket *s, void *user)
{
	srv_admin *a = user;
	sio_out *o;

	if (a->issued && (o = sio_out_new())) {
		if (!sio_out_str(o, a->issued))
			sio_emit(s, "session", o);
		sio_out_free(o);
	}
	sio_on_disconnect(s, on_dashboard_disconnect, a);
	srv_admin_watch_connected(a, s);
	if (!a->cfg->readonly) {
		sio_on(s, "join", on_join_leave, a);
		sio_on(s, "leave", on_join_leave, a);
		sio_on(s, "_disconnect", on_disconnect_request, a);
		sio_on(s, "emit", on_emit_request, a);
	}
	if ((o = sio_out_new())) {
		if (!put_config(a, o))
			sio_emit(s, "config", o);
		sio_out_free(o);
	}
	if (a->development)
		send_all_sockets(a, s);
	srv_admin_stats_emit(a);
}

/* node: options.mode, whose default is NODE_ENV, or "development" */
static bool development(const srv_config_admin *c)
{
	const char *env = getenv("NODE_ENV");
	const char *mode = c->mode ? c->mode : env && *env ? env : "development";

	return !strcmp(mode, "development");
}

srv_admin *srv_admin_new(const srv_config *cfg, sio_server *srv, bool *oom)
{
	*oom = false;
	if (!cfg->admin.enabled)
		return NULL;
	srv_admin *a = calloc(1, sizeof(*a));
	if (!a) {
		*oom = true;
		return NULL;
	}
	a->cfg = &cfg->admin;
	a->srv = srv;
	a->development = development(&cfg->admin);
	base_map_init(&a->polling);
	return a;
}

int srv_admin_install(srv_admin *a, sio_namespace *root)
{
	a->root = root;
	a->nsp = sio_of(a->srv, a->cfg->namespace_name);
	if (!a->nsp || srv_admin_auth_install(a) || srv_admin_watch(a, root, true) ||
	    srv_admin_watch(a, a->nsp, false))
		return -1;
	sio_on_connection(a->nsp, on_dashboard, a);
	srv_admin_stats_start(a, eio_server_loop(sio_server_engine(a->srv)));
	return 0;
}

void srv_admin_socket_connected(srv_admin *a, sio_socket *s)
{
	if (a)
		srv_admin_watch_connected(a, s);
}

void srv_admin_socket_disconnected(srv_admin *a, sio_socket *s, const char *reason)
{
	if (a)
		srv_admin_watch_disconnected(a, s, reason);
}

void srv_admin_close(srv_admin *a)
{
	if (a)
		srv_admin_stats_stop(a);
}

void srv_admin_free(srv_admin *a)
{
	if (a)
		base_map_free(&a->polling);
	free(a);
}
