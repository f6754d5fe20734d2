/* srv_admin_stats.c - "server_stats", sent to the dashboards every two
 * seconds and once when one connects (node's initStatsEmitter):
 *
 *     { serverId, hostname, pid, uptime (seconds), clientsCount,
 *       pollingClientsCount, aggregatedEvents: [...],
 *       namespaces: [{ name, socketsCount }] }
 *
 * aggregatedEvents are the counts since the last report, each
 * {timestamp, type, subType?, count}: "rawConnection" (Engine.IO
 * handshakes), "rawDisconnection" with the reason as subType (counted here
 * at each socket disconnection of the watched namespaces, node counts the
 * engine's closes: one per client either way for a client with one
 * socket), "packetsIn"/"packetsOut" and "bytesIn"/"bytesOut" (Engine.IO
 * messages and their payload bytes, eio_server_get_stats). The dashboard
 * draws its charts from them. pollingClientsCount counts the sockets of the
 * watched namespaces still on long-polling (node counts engine clients;
 * one each for a client with one socket). Nothing is computed while no
 * dashboard is connected to this server.
 */
#include "srv_admin_int.h"

#include <string.h>
#include <unistd.h>

void srv_admin_stats_disconnection(srv_admin *a, const char *reason)
{
	size_t i;

	for (i = 0; i < a->nreasons && strcmp(a->reasons[i].reason, reason); i++)
		;
	if (i == a->nreasons) {
		if (a->nreasons == SRV_ADMIN_REASONS)
			return; /* bounded: a rare reason beyond these is not charted */
		snprintf(a->reasons[i].reason, sizeof a->reasons[i].reason, "%s", reason);
		a->reasons[i].count = 0;
		a->nreasons++;
	}
	a->reasons[i].count++;
}

static int put_aggregate(sio_out *o, uint64_t ts, const char *type, const char *sub, uint64_t count)
{
	if (count == 0)
		return 0;
	return sio_out_object_begin(o) || sio_out_key(o, "timestamp") ||
	       sio_out_int(o, (int64_t)ts) || sio_out_key(o, "type") || sio_out_str(o, type) ||
	       (sub && (sio_out_key(o, "subType") || sio_out_str(o, sub))) ||
	       sio_out_key(o, "count") || sio_out_int(o, (int64_t)count) || sio_out_object_end(o);
}

static int put_aggregates(srv_admin *a, sio_out *o)
{
	eio_server_stats now;
	uint64_t ts = srv_admin_now_ms() / 1000 * 1000; /* node: the second it happened */
	int rc;

	eio_server_get_stats(sio_server_engine(a->srv), &now);
	rc = sio_out_array_begin(o) ||
	     put_aggregate(o, ts, "rawConnection", NULL, now.handshakes - a->last.handshakes) ||
	     put_aggregate(o, ts, "packetsIn", NULL,
	                   now.messages_received - a->last.messages_received) ||
	     put_aggregate(o, ts, "bytesIn", NULL, now.bytes_received - a->last.bytes_received) ||
	     put_aggregate(o, ts, "packetsOut", NULL, now.messages_sent - a->last.messages_sent) ||
	     put_aggregate(o, ts, "bytesOut", NULL, now.bytes_sent - a->last.bytes_sent);
	for (size_t i = 0; i < a->nreasons && !rc; i++)
		rc = put_aggregate(o, ts, "rawDisconnection", a->reasons[i].reason,
		                   a->reasons[i].count);
	a->last = now;
	a->nreasons = 0;
	return rc || sio_out_array_end(o);
}

struct ns_walk {
	sio_out *o;
	int rc;
	int64_t polling;
};

static void put_namespace(sio_namespace *nsp, void *user)
{
	struct ns_walk *w = user;

	w->rc = w->rc || sio_out_object_begin(w->o) || sio_out_key(w->o, "name") ||
	        sio_out_str(w->o, sio_namespace_name(nsp)) || sio_out_key(w->o, "socketsCount") ||
	        sio_out_int(w->o, (int64_t)sio_namespace_socket_count(nsp)) ||
	        sio_out_object_end(w->o);
}

static void count_polling(sio_socket *s, void *user)
{
	struct ns_walk *w = user;

	w->polling += !strcmp(eio_session_transport(sio_socket_session(s)), "polling");
}

static void count_namespace_polling(sio_namespace *nsp, void *user)
{
	sio_fetch_sockets(nsp, &(sio_broadcast){ .local = true }, count_polling, user);
}

void srv_admin_stats_emit(srv_admin *a)
{
	if (!srv_admin_listening(a))
		return;
	sio_out *o = sio_out_new();
	struct ns_walk w = { o, 0, 0 };
	uint64_t up = (uv_hrtime() / 1000000 - a->started_ms);
	eio_server *es = sio_server_engine(a->srv);

	if (!o)
		return;
	sio_server_namespaces(a->srv, count_namespace_polling, &w);
	w.rc = sio_out_object_begin(o) || sio_out_key(o, "serverId") ||
	       sio_out_str(o, a->cfg->server_id ? a->cfg->server_id : a->hostname) ||
	       sio_out_key(o, "hostname") || sio_out_str(o, a->hostname) || sio_out_key(o, "pid") ||
	       sio_out_int(o, (int64_t)getpid()) || sio_out_key(o, "uptime") ||
	       sio_out_double(o, (double)up / 1000.0) || sio_out_key(o, "clientsCount") ||
	       sio_out_int(o, (int64_t)eio_server_session_count(es)) ||
	       sio_out_key(o, "pollingClientsCount") || sio_out_int(o, w.polling) ||
	       sio_out_key(o, "aggregatedEvents") || put_aggregates(a, o) ||
	       sio_out_key(o, "namespaces") || sio_out_array_begin(o);
	if (!w.rc)
		sio_server_namespaces(a->srv, put_namespace, &w);
	if (!w.rc && !sio_out_array_end(o) && !sio_out_object_end(o))
		sio_broadcast_emit(a->nsp, &(sio_broadcast){ .local = true }, "server_stats", o);
	sio_out_free(o);
}

static void on_timer(uv_timer_t *t)
{
	srv_admin *a = t->data;

	if (a->development && srv_admin_listening(a))
		srv_admin_watch_upgrades(a);
	srv_admin_stats_emit(a);
}

void srv_admin_stats_start(srv_admin *a, uv_loop_t *loop)
{
	a->started_ms = uv_hrtime() / 1000000;
	eio_server_get_stats(sio_server_engine(a->srv), &a->last);
	if (gethostname(a->hostname, sizeof a->hostname - 1) != 0)
		snprintf(a->hostname, sizeof a->hostname, "localhost");
	uv_timer_init(loop, &a->timer);
	a->timer.data = a;
	uv_timer_start(&a->timer, on_timer, SRV_ADMIN_STATS_MS, SRV_ADMIN_STATS_MS);
	/* as node's interval.unref(): it never keeps the loop alive by itself */
	uv_unref((uv_handle_t *)&a->timer);
	a->timer_on = true;
}

void srv_admin_stats_stop(srv_admin *a)
{
	if (!a->timer_on)
		return;
	a->timer_on = false;
	uv_timer_stop(&a->timer);
	uv_close((uv_handle_t *)&a->timer, NULL);
}
