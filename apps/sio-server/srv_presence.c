/* srv_presence.c - online/offline across the fleet (see srv_presence.h):
 * this member's socket count per user (a base_map keyed by user id), and a
 * question to the fleet (fetchSockets on the user's room) when the count
 * leaves or reaches zero.
 *
 * A question completes later (at once with the in-memory adapter, within
 * redis.requestsTimeout with Redis), so it carries what it needs: the user
 * id, the event's payload built while the user was known, and for online
 * the socket's id and handshake time. The user's entry lives while a
 * socket of theirs is here or a question about them is pending. */
#include "srv_presence.h"

#include "srv_auth.h"
#include "srv_rooms.h"

#include "base/json.h"
#include "base/map.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pr_user {
	size_t sockets;       /* on this member */
	size_t pending;       /* questions in flight */
	bool offline_pending; /* the last socket left; cleared by a new one */
	char id[];            /* the map's key */
} pr_user;

struct srv_presence {
	const srv_config *cfg;
	sio_namespace *nsp;
	srv_metrics *m;
	bool stopped;
	size_t online;  /* users with a socket here */
	base_map users; /* user id -> pr_user */
};

/* One question to the fleet. */
typedef struct pr_check {
	srv_presence *p;
	bool online;
	sio_out *payload; /* {userId} */
	char sid[24];     /* the socket that came or went: not told (an except room) */
	uint64_t issued;  /* online: its handshake time, ms */
	char user_id[];
} pr_check;

srv_presence *srv_presence_new(const srv_config *cfg, sio_namespace *nsp, srv_metrics *m)
{
	srv_presence *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	base_map_init(&p->users);
	p->cfg = cfg;
	p->nsp = nsp;
	p->m = m;
	return p;
}

void srv_presence_free(srv_presence *p)
{
	if (!p)
		return;
	size_t it = 0;
	pr_user *u;
	while ((u = base_map_next(&p->users, &it)))
		free(u);
	base_map_free(&p->users);
	free(p);
}

void srv_presence_stop(srv_presence *p)
{
	if (p)
		p->stopped = true;
}

size_t srv_presence_users(const srv_presence *p)
{
	return p ? p->online : 0;
}

size_t srv_presence_sockets(const srv_presence *p, const char *user_id)
{
	if (!p || !user_id)
		return 0;
	pr_user *u = base_map_get(&p->users, user_id);
	return u ? u->sockets : 0;
}

/* ---- the user's entry ---------------------------------------------------------------- */

static pr_user *user_get(srv_presence *p, const char *id)
{
	pr_user *u = base_map_get(&p->users, id);
	if (u)
		return u;
	size_t len = strlen(id);
	if (!(u = calloc(1, sizeof(*u) + len + 1)))
		return NULL;
	memcpy(u->id, id, len + 1);
	if (base_map_put(&p->users, u->id, u) < 0) {
		free(u);
		return NULL;
	}
	return u;
}

/* Forget the user once nothing refers to them. */
static void user_release(srv_presence *p, pr_user *u)
{
	if (u->sockets || u->pending)
		return;
	base_map_del(&p->users, u->id);
	free(u);
}

/* ---- the events ---------------------------------------------------------------------- */

/* {userId}: the claim as the token has it (a number stays a number). */
static sio_out *payload_of(const srv_presence *p, const srv_user *u)
{
	sio_out *o = sio_out_new();
	long long num;
	if (!o)
		return NULL;
	sio_out_object_begin(o);
	sio_out_key(o, "userId");
	if (u->claims && !srv_jwt_claim_str(u->claims, p->cfg->auth.user_id_claim) &&
	    srv_jwt_claim_int(u->claims, p->cfg->auth.user_id_claim, &num) == 0)
		sio_out_int(o, num);
	else
		sio_out_str(o, u->user_id);
	sio_out_object_end(o);
	return o;
}

/* event to the presence audience on every member, except the sockets in
 * room except_room (a socket id: that socket alone) when set. */
static void announce(srv_presence *p, const char *event, const sio_out *payload,
                     const char *except_room)
{
	if (p->stopped || !event || !payload)
		return;
	const char *room = p->cfg->presence.room;
	sio_broadcast b = { .rooms = &room,
		            .nrooms = room ? 1 : 0,
		            .except = &except_room,
		            .nexcept = except_room ? 1 : 0 };
	int n = sio_broadcast_emit(p->nsp, &b, event, payload);
	if (n > 0)
		srv_metrics_event_sent(p->m, event, (uint64_t)n);
}

/* ---- the questions ------------------------------------------------------------------- */

/* The handshake time another member reports for its socket (node's
 * handshake.issued, ms since the epoch); UINT64_MAX when it says none. */
static uint64_t remote_issued(const sio_socket_info *in)
{
	base_json doc = BASE_JSON_INIT;
	int64_t v = -1;
	if (in->handshake_json &&
	    base_json_parse(&doc, in->handshake_json, strlen(in->handshake_json)) == 0) {
		int t = base_json_obj_get(&doc, 0, "issued");
		if (t < 0 || base_json_int64(&doc, t, &v) != 0)
			v = -1;
	}
	base_json_free(&doc);
	return v < 0 ? UINT64_MAX : (uint64_t)v;
}

/* Another member holds a socket of the user that came before c's (older
 * handshake; the smaller id at the same millisecond). A socket whose age
 * is unknown is taken as younger: at worst two members announce, never
 * none. */
static bool older_elsewhere(const pr_check *c, const sio_socket_info *sockets, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (sockets[i].local)
			continue;
		uint64_t t = remote_issued(&sockets[i]);
		if (t < c->issued || (t == c->issued && strcmp(sockets[i].id, c->sid) < 0))
			return true;
	}
	return false;
}

static bool any_elsewhere(const sio_socket_info *sockets, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!sockets[i].local)
			return true;
	return false;
}

static void on_checked(sio_namespace *nsp, const sio_socket_info *sockets, size_t n,
                       const char *err, void *user)
{
	pr_check *c = user;
	srv_presence *p = c->p;
	pr_user *u = base_map_get(&p->users, c->user_id);
	(void)nsp;
	if (err)
		srv_metrics_error(p->m, "presence_partial"); /* decided on the answers in */
	if (u) {
		u->pending--;
		if (c->online) {
			/* still here (a socket of the user), and first in the fleet */
			if (u->sockets > 0 && !older_elsewhere(c, sockets, n))
				announce(p, p->cfg->presence.online, c->payload, c->sid);
		} else if (u->offline_pending) {
			u->offline_pending = false;
			if (u->sockets == 0 && !any_elsewhere(sockets, n))
				announce(p, p->cfg->presence.offline, c->payload, c->sid);
		}
		user_release(p, u);
	}
	sio_out_free(c->payload);
	free(c);
}

/* Ask the fleet for the user's sockets; on_checked decides. s came
 * (online) or went (offline). */
static void ask(srv_presence *p, pr_user *u, const srv_user *su, sio_socket *s, bool online)
{
	size_t len = strlen(u->id);
	pr_check *c = calloc(1, sizeof(*c) + len + 1);
	char room[SRV_MAX_ROOM_NAME + 1];
	if (!c || !(c->payload = payload_of(p, su))) {
		free(c);
		u->offline_pending = false;
		user_release(p, u);
		return; /* out of memory: no question, no event */
	}
	c->p = p;
	c->online = online;
	memcpy(c->user_id, u->id, len + 1);
	snprintf(c->sid, sizeof(c->sid), "%s", sio_socket_id(s));
	if (online) {
		eio_session *es = sio_socket_session(s);
		const eio_request *rq = es ? eio_session_request(es) : NULL;
		c->issued = rq ? eio_request_time_ms(rq) : 0;
	}
	u->pending++;
	/* u may be freed by the time this returns (an answer at once) */
	if (srv_room_expand(p->cfg->api.user_room, su, NULL, NULL, room, sizeof(room))) {
		/* a user id too long for a room: nowhere to find the user's other
		 * sockets, so this member's count decides, as in one process */
		on_checked(p->nsp, NULL, 0, NULL, c);
		return;
	}
	const char *rooms[1] = { room };
	sio_broadcast target = { .rooms = rooms, .nrooms = 1 };
	if (sio_fetch_sockets_async(p->nsp, &target, (unsigned)p->cfg->redis.requests_timeout_ms,
	                            on_checked, c) != 0)
		on_checked(p->nsp, NULL, 0, "out of memory", c);
}

/* The socket's user when presence is on and the user has an id (the key
 * of the count), else NULL: nothing to count. */
static const srv_user *tracked_user(const srv_presence *p, sio_socket *s)
{
	const srv_user *su = srv_user_of(s);

	if (!p || !p->cfg->presence.enabled || !su || !su->user_id)
		return NULL;
	return su;
}

/* Every counted socket is in its user's room, where the fleet's question
 * finds it (rooms.auto usually joined it already). */
static void join_user_room(const srv_presence *p, sio_socket *s, const srv_user *su)
{
	char room[SRV_MAX_ROOM_NAME + 1];
	if (srv_room_expand(p->cfg->api.user_room, su, NULL, NULL, room, sizeof(room)) == 0 &&
	    !sio_in_room(s, room))
		sio_join(s, room);
}

void srv_presence_on_connection(srv_presence *p, sio_socket *s)
{
	const srv_user *su = tracked_user(p, s);
	if (!su)
		return;
	pr_user *u = user_get(p, su->user_id);
	if (!u)
		return; /* not counted: no online, no offline */
	join_user_room(p, s, su);
	if (u->sockets++ > 0)
		return;
	p->online++;
	if (u->offline_pending) {
		/* back before the fleet answered whether it had left: it never did */
		u->offline_pending = false;
		return;
	}
	ask(p, u, su, s, true);
}

void srv_presence_on_disconnect(srv_presence *p, sio_socket *s)
{
	const srv_user *su = tracked_user(p, s);
	if (!su)
		return;
	pr_user *u = base_map_get(&p->users, su->user_id);
	if (!u || u->sockets == 0 || --u->sockets > 0)
		return;
	p->online--;
	if (p->stopped) {
		user_release(p, u);
		return;
	}
	u->offline_pending = true;
	ask(p, u, su, s, false);
}
