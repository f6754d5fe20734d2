/* srv_api_stats.c - the HTTP API's read-only endpoints: health, stats (per
 * namespace: connections and rooms with member counts, summed over every
 * member of the fleet), one room's members (fleet-wide), and the
 * Prometheus text. Lists are capped at SRV_API_MAX_LISTED entries
 * ("truncated": true says more exist), so an answer stays bounded however
 * many rooms clients create. */
#include "srv_api_endpoints.h"
#include "srv_api_req.h"
#include "srv_room_users.h"

#include "base/json.h"
#include "base/map.h"

#include <stdlib.h>
#include <string.h>

/* {status: "ok" | "degraded", uptimeSeconds, redis?: {connected, address,
 * reason?}}, always 200: a member whose Redis is away still serves its own
 * clients (every member would be degraded at once; a load balancer that
 * took them all out would stop the service that still works). */
void srv_api_health(srv_api_req *r, const char *value)
{
	base_buf b = BASE_BUF_INIT;
	base_jsonw w;
	const srv_fleet *f = r->api->fleet;
	const char *reason = NULL;
	bool up = srv_fleet_connected(f, &reason);

	(void)value;
	base_jsonw_init(&w, &b);
	base_jsonw_object_begin(&w);
	base_jsonw_key(&w, "status", 6);
	base_jsonw_str(&w, up ? "ok" : "degraded", up ? 2 : 8);
	base_jsonw_key(&w, "uptimeSeconds", 13);
	base_jsonw_int64(&w, (int64_t)(time(NULL) - r->api->started));
	if (srv_fleet_redis(f)) {
		const char *addr = srv_fleet_address(f);
		base_jsonw_key(&w, "redis", 5);
		base_jsonw_object_begin(&w);
		base_jsonw_key(&w, "connected", 9);
		base_jsonw_bool(&w, up);
		base_jsonw_key(&w, "address", 7);
		base_jsonw_str(&w, addr, strlen(addr));
		if (!up) {
			base_jsonw_key(&w, "reason", 6);
			base_jsonw_str(&w, reason, strlen(reason));
		}
		base_jsonw_object_end(&w);
	}
	base_jsonw_object_end(&w);
	srv_api_ok_json(r, 200, &b, &w);
}

/* ---- the fleet's answers ------------------------------------------------------ */

/* Stats and one room cover every member of the fleet: node's fetchSockets
 * (sio_fetch_sockets_async) on each namespace gives every member's sockets
 * with their rooms, and serverCount how many members Redis counts (this one
 * included). Both complete later (with the in-memory adapter, at once), so
 * the answer is given from the last completion, on a deferred request
 * (srv_api_req_defer). A member that does not answer within
 * redis.requestsTimeout is left out and the answer says "partial": true. */

typedef struct tally_room {
	size_t members;
	char name[]; /* the map's key */
} tally_room;

struct fleet_req;

/* One namespace: every member's sockets, and the members of each room. */
typedef struct tally {
	struct fleet_req *fq;
	sio_namespace *nsp;
	uint64_t sockets;
	base_map rooms; /* name -> tally_room */
} tally;

typedef struct fleet_req {
	srv_api *api;
	srv_api_req **waiters; /* the requests this answers: the asker, then the
	                          /stats calls that came while it was asked */
	size_t nwaiters;
	char *room;     /* GET /rooms/:room (a copy), else NULL for /stats */
	size_t pending; /* completions awaited, plus one while starting */
	size_t members; /* serverCount */
	bool partial, failed;
	tally *t;
	size_t nt;
	srv_strv ids;         /* /rooms: the first SRV_API_MAX_LISTED socket ids */
	srv_room_users users; /* /rooms: the users and their socket counts */
} fleet_req;

static void fleet_free(fleet_req *fq)
{
	for (size_t i = 0; i < fq->nt; i++) {
		size_t it = 0;
		tally_room *tr;
		while ((tr = base_map_next(&fq->t[i].rooms, &it)))
			free(tr);
		base_map_free(&fq->t[i].rooms);
	}
	free(fq->t);
	srv_strv_free(&fq->ids);
	srv_room_users_free(&fq->users);
	free(fq->room);
	for (size_t i = 0; i < fq->nwaiters; i++)
		free(fq->waiters[i]);
	free(fq->waiters);
	if (fq->api->stats_asking == fq)
		fq->api->stats_asking = NULL;
	free(fq);
}

static int add_waiter(fleet_req *fq, const srv_api_req *r)
{
	srv_api_req **nw = realloc(fq->waiters, (fq->nwaiters + 1) * sizeof(*nw));
	if (!nw)
		return -1;
	fq->waiters = nw;
	if (!(nw[fq->nwaiters] = srv_api_req_defer(r)))
		return -1;
	fq->nwaiters++;
	return 0;
}

/* The same data to every waiter (each in its own envelope), or a 500. */
static void answer_all(fleet_req *fq, base_buf *b, const base_jsonw *w)
{
	for (size_t i = 0; i < fq->nwaiters; i++) {
		if (base_jsonw_error(w))
			srv_api_fail(fq->waiters[i], 500, "INTERNAL", "out of memory");
		else
			srv_api_ok(fq->waiters[i], 200, b->data, b->len);
	}
	base_buf_free(b);
}

static void put_fleet(base_jsonw *w, const fleet_req *fq)
{
	base_jsonw_key(w, "members", 7);
	base_jsonw_int64(w, (int64_t)fq->members);
	base_jsonw_key(w, "partial", 7);
	base_jsonw_bool(w, fq->partial);
}

static void count_local_room(const char *room, size_t members, void *u)
{
	(void)room;
	(void)members;
	(*(uint64_t *)u)++;
}

/* {namespaces: {"/": {connections, rooms: {name: members}, roomCount,
 *  truncated?}}, connections, rooms, engineConnections, uptimeSeconds,
 *  members, partial, local: {connections, rooms}} */
static void answer_stats(fleet_req *fq)
{
	srv_api *api = fq->api;
	base_buf b = BASE_BUF_INIT;
	base_jsonw w;
	uint64_t conns = 0, rooms = 0, local_conns = 0, local_rooms = 0;

	base_jsonw_init(&w, &b);
	base_jsonw_object_begin(&w);
	base_jsonw_key(&w, "namespaces", 10);
	base_jsonw_object_begin(&w);
	for (size_t i = 0; i < fq->nt; i++) {
		const tally *t = &fq->t[i];
		const char *name = sio_namespace_name(t->nsp);
		size_t it = 0, listed = 0;
		const tally_room *tr;
		base_jsonw_key(&w, name, strlen(name));
		base_jsonw_object_begin(&w);
		base_jsonw_key(&w, "connections", 11);
		base_jsonw_int64(&w, (int64_t)t->sockets);
		base_jsonw_key(&w, "rooms", 5);
		base_jsonw_object_begin(&w);
		while (listed < SRV_API_MAX_LISTED && (tr = base_map_next(&t->rooms, &it))) {
			base_jsonw_key(&w, tr->name, strlen(tr->name));
			base_jsonw_int64(&w, (int64_t)tr->members);
			listed++;
		}
		base_jsonw_object_end(&w);
		base_jsonw_key(&w, "roomCount", 9);
		base_jsonw_int64(&w, (int64_t)t->rooms.len);
		if (listed < t->rooms.len) {
			base_jsonw_key(&w, "truncated", 9);
			base_jsonw_bool(&w, 1);
		}
		base_jsonw_object_end(&w);
		conns += t->sockets;
		rooms += t->rooms.len;
		local_conns += sio_namespace_socket_count(t->nsp);
		sio_namespace_rooms(t->nsp, count_local_room, &local_rooms);
	}
	base_jsonw_object_end(&w);
	base_jsonw_key(&w, "connections", 11);
	base_jsonw_int64(&w, (int64_t)conns);
	base_jsonw_key(&w, "rooms", 5);
	base_jsonw_int64(&w, (int64_t)rooms);
	base_jsonw_key(&w, "engineConnections", 17);
	base_jsonw_int64(&w, (int64_t)eio_server_session_count(sio_server_engine(api->srv)));
	base_jsonw_key(&w, "uptimeSeconds", 13);
	base_jsonw_int64(&w, (int64_t)(time(NULL) - api->started));
	put_fleet(&w, fq);
	base_jsonw_key(&w, "local", 5);
	base_jsonw_object_begin(&w);
	base_jsonw_key(&w, "connections", 11);
	base_jsonw_int64(&w, (int64_t)local_conns);
	base_jsonw_key(&w, "rooms", 5);
	base_jsonw_int64(&w, (int64_t)local_rooms);
	base_jsonw_object_end(&w);
	base_jsonw_object_end(&w);
	answer_all(fq, &b, &w);
}

/* {room, namespace: "/", memberCount, sockets: [ids], truncated?, users:
 *  [{userId, sockets}], userCount, anonymousSockets, usersTruncated?,
 *  members, partial}; a room without members is not an error: memberCount
 *  0. The users (srv_room_users.h) are the room's presence: who is there,
 *  with how many tabs, on every member. */
static void answer_room(fleet_req *fq)
{
	base_buf b = BASE_BUF_INIT;
	base_jsonw w;
	uint64_t count = fq->nt ? fq->t[0].sockets : 0;

	base_jsonw_init(&w, &b);
	base_jsonw_object_begin(&w);
	base_jsonw_key(&w, "room", 4);
	base_jsonw_str(&w, fq->room, strlen(fq->room));
	base_jsonw_key(&w, "namespace", 9);
	base_jsonw_str(&w, "/", 1);
	base_jsonw_key(&w, "memberCount", 11);
	base_jsonw_int64(&w, (int64_t)count);
	base_jsonw_key(&w, "sockets", 7);
	base_jsonw_array_begin(&w);
	for (size_t i = 0; i < fq->ids.n; i++)
		base_jsonw_str(&w, fq->ids.v[i], strlen(fq->ids.v[i]));
	base_jsonw_array_end(&w);
	if (fq->ids.n < count) {
		base_jsonw_key(&w, "truncated", 9);
		base_jsonw_bool(&w, 1);
	}
	if (srv_room_users_write(&fq->users, &w, SRV_API_MAX_LISTED)) {
		base_buf_free(&b);
		for (size_t i = 0; i < fq->nwaiters; i++)
			srv_api_fail(fq->waiters[i], 500, "INTERNAL", "out of memory");
		return;
	}
	put_fleet(&w, fq);
	base_jsonw_object_end(&w);
	answer_all(fq, &b, &w);
}

/* One completion in; the last one answers and frees. */
static void fleet_done(fleet_req *fq)
{
	if (--fq->pending > 0)
		return;
	if (fq->failed || fq->users.failed) {
		for (size_t i = 0; i < fq->nwaiters; i++)
			srv_api_fail(fq->waiters[i], 500, "INTERNAL", "out of memory");
	} else if (fq->room)
		answer_room(fq);
	else
		answer_stats(fq);
	fleet_free(fq);
}

static void on_count(sio_namespace *nsp, size_t servers, void *user)
{
	fleet_req *fq = user;
	(void)nsp;
	fq->members = servers;
	fleet_done(fq);
}

static int tally_room_add(tally *t, const char *room)
{
	tally_room *tr = base_map_get(&t->rooms, room);
	if (tr) {
		tr->members++;
		return 0;
	}
	size_t len = strlen(room);
	if (!(tr = malloc(sizeof(*tr) + len + 1)))
		return -1;
	memcpy(tr->name, room, len + 1);
	tr->members = 1;
	if (base_map_put(&t->rooms, tr->name, tr) < 0) {
		free(tr);
		return -1;
	}
	return 0;
}

/* Every member's sockets of one namespace: count them, and count each room
 * they are in (node's socket.rooms holds the socket's own id: not a room
 * for these answers, as in sio_namespace_rooms). */
static void on_fetch(sio_namespace *nsp, const sio_socket_info *sockets, size_t n, const char *err,
                     void *user)
{
	tally *t = user;
	fleet_req *fq = t->fq;
	(void)nsp;
	if (err)
		fq->partial = true;
	t->sockets += n;
	for (size_t i = 0; i < n; i++) {
		const sio_socket_info *in = &sockets[i];
		if (fq->room && fq->ids.n < SRV_API_MAX_LISTED &&
		    srv_strv_push(&fq->ids, in->id, strlen(in->id)))
			fq->failed = true;
		if (fq->room) {
			const srv_user *u = in->local ? srv_user_of(in->local) : NULL;
			srv_room_users_add(&fq->users, u ? u->user_id : NULL, in->rooms,
			                   in->nrooms);
		}
		for (size_t k = 0; !fq->room && k < in->nrooms; k++)
			if (strcmp(in->rooms[k], in->id) != 0 && tally_room_add(t, in->rooms[k]))
				fq->failed = true;
	}
	fleet_done(fq);
}

static void count_nsp(sio_namespace *nsp, void *u)
{
	(void)nsp;
	(*(size_t *)u)++;
}

static void fill_nsp(sio_namespace *nsp, void *u)
{
	fleet_req *fq = u;
	tally *t = &fq->t[fq->nt++];
	t->fq = fq;
	t->nsp = nsp;
	base_map_init(&t->rooms);
}

/* Ask the fleet: serverCount, then fetchSockets on the room (one room of
 * "/") or on every namespace (stats). The answer is given by fleet_done.
 * fetchSockets brings every member's sockets with their handshakes, so
 * /stats calls that come while the fleet is being asked wait for the same
 * answer instead of asking again: one question at a time, however often
 * dashboards poll. */
static void ask_fleet(srv_api_req *r, const char *room)
{
	srv_api *api = r->api;
	if (!room && api->stats_asking) {
		if (add_waiter(api->stats_asking, r))
			srv_api_fail(r, 500, "INTERNAL", "out of memory");
		return;
	}
	fleet_req *fq = calloc(1, sizeof(*fq));
	size_t nn = 0;
	if (!room)
		sio_server_namespaces(api->srv, count_nsp, &nn);
	else
		nn = 1;
	if (fq) {
		fq->api = api;
		srv_room_users_init(&fq->users, api->cfg->api.user_room);
	}
	if (!fq || !(fq->t = calloc(nn ? nn : 1, sizeof(*fq->t))) ||
	    (room && !(fq->room = strdup(room))) || add_waiter(fq, r)) {
		if (fq)
			fleet_free(fq);
		srv_api_fail(r, 500, "INTERNAL", "out of memory");
		return;
	}
	if (!room)
		api->stats_asking = fq;
	if (room)
		fill_nsp(api->nsp, fq);
	else
		sio_server_namespaces(api->srv, fill_nsp, fq);
	fq->pending = 1 + 1 + fq->nt; /* starting, the count, each fetch */
	if (sio_server_count(api->nsp, on_count, fq) != 0) {
		fq->failed = true;
		fq->pending--;
	}
	const char *rooms[1] = { room };
	sio_broadcast target = { .rooms = rooms, .nrooms = room ? 1 : 0 };
	unsigned timeout = (unsigned)api->cfg->redis.requests_timeout_ms;
	for (size_t i = 0; i < fq->nt; i++) {
		if (sio_fetch_sockets_async(fq->t[i].nsp, &target, timeout, on_fetch, &fq->t[i])) {
			fq->failed = true;
			fq->pending--;
		}
	}
	fleet_done(fq); /* the starting one */
}

void srv_api_stats(srv_api_req *r, const char *value)
{
	(void)value;
	ask_fleet(r, NULL);
}

void srv_api_room(srv_api_req *r, const char *room)
{
	ask_fleet(r, room);
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
