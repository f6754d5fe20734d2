/* srv_api_stats.c - the HTTP API's read-only endpoints: health, stats (per
 * namespace: connections and rooms with member counts), one room's
 * members, and the Prometheus text. Lists are capped at
 * SRV_API_MAX_LISTED entries ("truncated": true says more exist), so an
 * answer stays bounded however many rooms clients create. */
#include "srv_api_endpoints.h"
#include "srv_api_req.h"

#include "base/json.h"

#include <stdlib.h>
#include <string.h>

void srv_api_health(srv_api_req *r, const char *value)
{
	base_buf b = BASE_BUF_INIT;
	base_jsonw w;

	(void)value;
	base_jsonw_init(&w, &b);
	base_jsonw_object_begin(&w);
	base_jsonw_key(&w, "status", 6);
	base_jsonw_str(&w, "ok", 2);
	base_jsonw_key(&w, "uptimeSeconds", 13);
	base_jsonw_int64(&w, (int64_t)(time(NULL) - r->api->started));
	base_jsonw_object_end(&w);
	srv_api_ok_json(r, 200, &b, &w);
}

/* ---- stats ------------------------------------------------------------------- */

typedef struct stats_walk {
	base_jsonw *w;
	size_t listed, rooms;
	uint64_t connections, total_rooms;
} stats_walk;

static void stats_room(const char *room, size_t members, void *u)
{
	stats_walk *s = u;
	s->rooms++;
	if (s->listed >= SRV_API_MAX_LISTED)
		return;
	s->listed++;
	base_jsonw_key(s->w, room, strlen(room));
	base_jsonw_int64(s->w, (int64_t)members);
}

static void stats_nsp(sio_namespace *nsp, void *u)
{
	stats_walk *s = u;
	const char *name = sio_namespace_name(nsp);
	size_t conns = sio_namespace_socket_count(nsp);
	s->connections += conns;
	s->listed = s->rooms = 0;
	base_jsonw_key(s->w, name, strlen(name));
	base_jsonw_object_begin(s->w);
	base_jsonw_key(s->w, "connections", 11);
	base_jsonw_int64(s->w, (int64_t)conns);
	base_jsonw_key(s->w, "rooms", 5);
	base_jsonw_object_begin(s->w);
	sio_namespace_rooms(nsp, stats_room, s);
	base_jsonw_object_end(s->w);
	base_jsonw_key(s->w, "roomCount", 9);
	base_jsonw_int64(s->w, (int64_t)s->rooms);
	if (s->listed < s->rooms) {
		base_jsonw_key(s->w, "truncated", 9);
		base_jsonw_bool(s->w, 1);
	}
	base_jsonw_object_end(s->w);
	s->total_rooms += s->rooms;
}

/* {connections, engineConnections, rooms, uptimeSeconds,
 *  namespaces: {"/": {connections, rooms: {name: members}, roomCount}}} */
void srv_api_stats(srv_api_req *r, const char *value)
{
	base_buf b = BASE_BUF_INIT;
	base_jsonw w;
	stats_walk s = { &w, 0, 0, 0, 0 };

	(void)value;
	base_jsonw_init(&w, &b);
	base_jsonw_object_begin(&w);
	base_jsonw_key(&w, "namespaces", 10);
	base_jsonw_object_begin(&w);
	sio_server_namespaces(r->api->srv, stats_nsp, &s);
	base_jsonw_object_end(&w);
	base_jsonw_key(&w, "connections", 11);
	base_jsonw_int64(&w, (int64_t)s.connections);
	base_jsonw_key(&w, "engineConnections", 17);
	base_jsonw_int64(&w, (int64_t)eio_server_session_count(sio_server_engine(r->api->srv)));
	base_jsonw_key(&w, "rooms", 5);
	base_jsonw_int64(&w, (int64_t)s.total_rooms);
	base_jsonw_key(&w, "uptimeSeconds", 13);
	base_jsonw_int64(&w, (int64_t)(time(NULL) - r->api->started));
	base_jsonw_object_end(&w);
	srv_api_ok_json(r, 200, &b, &w);
}

/* ---- one room ---------------------------------------------------------------- */

typedef struct room_walk {
	base_jsonw *w;
	size_t listed;
} room_walk;

static void room_socket(sio_socket *sk, void *u)
{
	room_walk *rw = u;
	if (rw->listed >= SRV_API_MAX_LISTED)
		return;
	rw->listed++;
	const char *id = sio_socket_id(sk);
	base_jsonw_str(rw->w, id, strlen(id));
}

/* {room, namespace: "/", memberCount, sockets: [ids], truncated?}; a room
 * without members is not an error: memberCount 0. */
void srv_api_room(srv_api_req *r, const char *room)
{
	base_buf b = BASE_BUF_INIT;
	base_jsonw w;
	room_walk rw = { &w, 0 };
	const char *rooms[1] = { room };
	sio_broadcast target = { .rooms = rooms, .nrooms = 1 };
	size_t members = sio_room_size(r->api->nsp, room);
	base_jsonw_init(&w, &b);
	base_jsonw_object_begin(&w);
	base_jsonw_key(&w, "room", 4);
	base_jsonw_str(&w, room, strlen(room));
	base_jsonw_key(&w, "namespace", 9);
	base_jsonw_str(&w, "/", 1);
	base_jsonw_key(&w, "memberCount", 11);
	base_jsonw_int64(&w, (int64_t)members);
	base_jsonw_key(&w, "sockets", 7);
	base_jsonw_array_begin(&w);
	if (members)
		sio_fetch_sockets(r->api->nsp, &target, room_socket, &rw);
	base_jsonw_array_end(&w);
	if (rw.listed < members) {
		base_jsonw_key(&w, "truncated", 9);
		base_jsonw_bool(&w, 1);
	}
	base_jsonw_object_end(&w);
	srv_api_ok_json(r, 200, &b, &w);
}

/* ---- metrics ----------------------------------------------------------------- */

void srv_api_metrics(srv_api_req *r, const char *value)
{
	size_t len = 0;
	char *text;

	(void)value;
	if (!(text = srv_metrics_render(r->api->metrics, &len))) {
		srv_api_fail(r, 500, "INTERNAL", "out of memory");
		return;
	}
	srv_metrics_http(r->api->metrics, 200);
	eio_http_reply(r->req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
	free(text);
}
