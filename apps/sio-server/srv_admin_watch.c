/* srv_admin_watch.c - what happens in the watched namespaces, told to the
 * dashboards in development mode (node's registerVerboseListeners):
 *
 *     socket_connected    (socket, date)            serialized as srv_admin_json.c
 *     socket_disconnected (nsp, id, reason, date)
 *     room_joined         (nsp, room, id, date)     sio_namespace_on_room_change
 *     room_left           (nsp, room, id, date)
 *     event_received      (nsp, id, [event, ...args], date)  sio_namespace_on_any
 *     event_sent          (nsp, id, [event, ...args], date)  sio_namespace_on_emit
 *     socket_updated      ({id, nsp, transport})    a socket upgraded to WebSocket
 *
 * The application's namespace and the admin namespace itself are watched,
 * as node watches every namespace, but the events of the dashboards' own
 * sockets are not reported (node's "nsp !== adminNamespace"). In production
 * mode nothing here is installed: only the statistics are sent. Each event is
 * built only when a dashboard is connected to this server, and sent to the
 * dashboards of this server (a cluster's dashboards each see their server).
 *
 * Node hears of an upgrade from the engine; here the sockets still on
 * long-polling are kept by id (development mode only) and looked at with
 * every "server_stats" (two seconds): one that is on WebSocket now is
 * reported and forgotten. A disconnected socket is forgotten at once.
 */
#include "srv_admin_int.h"

#include <string.h>

bool srv_admin_listening(const srv_admin *a)
{
	return sio_namespace_socket_count(a->nsp) > 0;
}

static void tell(srv_admin *a, const char *event, sio_out *o, int rc)
{
	if (!rc)
		sio_broadcast_emit(a->nsp, &(sio_broadcast){ .local = true }, event, o);
	sio_out_free(o);
}

void srv_admin_watch_connected(srv_admin *a, sio_socket *s)
{
	if (!a->development)
		return;
	/* out of memory: its upgrade is not reported, nothing else is lost */
	if (!strcmp(eio_session_transport(sio_socket_session(s)), "polling"))
		(void)base_map_put(&a->polling, sio_socket_id(s), s);
	if (!srv_admin_listening(a))
		return;
	sio_out *o = sio_out_new();
	if (o)
		tell(a, "socket_connected", o, srv_admin_put_socket(o, s) || srv_admin_put_now(o));
}

void srv_admin_watch_disconnected(srv_admin *a, sio_socket *s, const char *reason)
{
	srv_admin_stats_disconnection(a, reason);
	base_map_del(&a->polling, sio_socket_id(s));
	if (!a->development || !srv_admin_listening(a))
		return;
	sio_out *o = sio_out_new();
	if (o)
		tell(a, "socket_disconnected", o,
		     sio_out_str(o, sio_namespace_name(sio_socket_namespace(s))) ||
		             sio_out_str(o, sio_socket_id(s)) || sio_out_str(o, reason) ||
		             srv_admin_put_now(o));
}

#define UPGRADES_PER_TICK 64 /* the rest at the next tick */

void srv_admin_watch_upgrades(srv_admin *a)
{
	sio_socket *up[UPGRADES_PER_TICK], *s;
	size_t n = 0, it = 0;

	while (n < UPGRADES_PER_TICK && (s = base_map_next(&a->polling, &it)))
		if (strcmp(eio_session_transport(sio_socket_session(s)), "polling"))
			up[n++] = s;
	for (size_t i = 0; i < n; i++) {
		sio_out *o = sio_out_new();
		base_map_del(&a->polling, sio_socket_id(up[i]));
		if (o)
			tell(a, "socket_updated", o,
			     sio_out_object_begin(o) || sio_out_key(o, "id") ||
			             sio_out_str(o, sio_socket_id(up[i])) ||
			             sio_out_key(o, "nsp") ||
			             sio_out_str(o,
			                         sio_namespace_name(sio_socket_namespace(up[i]))) ||
			             sio_out_key(o, "transport") ||
			             sio_out_str(
			                     o, eio_session_transport(sio_socket_session(up[i]))) ||
			             sio_out_object_end(o));
	}
}

static void on_room_change(sio_socket *s, const char *room, bool joined, void *user)
{
	srv_admin *a = user;

	if (!srv_admin_listening(a))
		return;
	sio_out *o = sio_out_new();
	if (o)
		tell(a, joined ? "room_joined" : "room_left", o,
		     sio_out_str(o, sio_namespace_name(sio_socket_namespace(s))) ||
		             sio_out_str(o, room) || sio_out_str(o, sio_socket_id(s)) ||
		             srv_admin_put_now(o));
}

/* (nsp, id, [event, ...args], date); args as received or as sent */
static void tell_event(srv_admin *a, const char *what, sio_socket *s, const char *event,
                       const sio_args *args)
{
	sio_out *o = sio_out_new();
	int rc;

	if (!o)
		return;
	rc = sio_out_str(o, sio_namespace_name(sio_socket_namespace(s))) ||
	     sio_out_str(o, sio_socket_id(s)) || sio_out_array_begin(o) || sio_out_str(o, event) ||
	     (args && sio_out_args(o, args)) || sio_out_array_end(o) || srv_admin_put_now(o);
	tell(a, what, o, rc);
}

static void on_event(sio_socket *s, const char *event, const sio_args *args, sio_ack *ack,
                     void *user)
{
	srv_admin *a = user;

	(void)ack; /* node drops the ack function from the arguments it reports */
	if (srv_admin_listening(a))
		tell_event(a, "event_received", s, event, args);
}

static void on_emit(sio_socket *s, const char *event, const sio_out *args, void *user)
{
	srv_admin *a = user;

	if (!srv_admin_listening(a))
		return;
	sio_args *in = args ? sio_args_from_out(args) : NULL;
	if (args && !in)
		return;
	tell_event(a, "event_sent", s, event, in);
	sio_args_free(in);
}

int srv_admin_watch(srv_admin *a, sio_namespace *nsp, bool events)
{
	if (!a->development)
		return 0;
	sio_namespace_on_room_change(nsp, on_room_change, a);
	if (!events)
		return 0;
	sio_namespace_on_emit(nsp, on_emit, a);
	return sio_namespace_on_any(nsp, on_event, a) ? -1 : 0;
}
