/* srv_presence.c - per-user socket counts and online/offline events (see
 * srv_presence.h): a base_map keyed by user id. */
#include "srv_presence.h"

#include "srv_auth.h"

#include "base/map.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pr_user {
	size_t sockets;
	char id[]; /* the map's key */
} pr_user;

struct srv_presence {
	const srv_config *cfg;
	sio_namespace *nsp;
	srv_metrics *m;
	bool stopped;
	base_map users; /* user id -> pr_user */
};

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
	return p ? p->users.len : 0;
}

size_t srv_presence_sockets(const srv_presence *p, const char *user_id)
{
	if (!p || !user_id)
		return 0;
	pr_user *u = base_map_get(&p->users, user_id);
	return u ? u->sockets : 0;
}

/* event {userId} to the presence audience, except skip. */
static void announce(srv_presence *p, const sio_socket *skip, const char *event, const srv_user *u)
{
	if (p->stopped || !event)
		return;
	sio_out *o = sio_out_new();
	if (!o)
		return;
	long long num;
	sio_out_object_begin(o);
	sio_out_key(o, "userId");
	if (u->claims && !srv_jwt_claim_str(u->claims, p->cfg->auth.user_id_claim) &&
	    srv_jwt_claim_int(u->claims, p->cfg->auth.user_id_claim, &num) == 0)
		sio_out_int(o, num);
	else
		sio_out_str(o, u->user_id);
	sio_out_object_end(o);
	const char *room = p->cfg->presence.room;
	sio_broadcast b = { .rooms = &room, .nrooms = room ? 1 : 0, .skip = skip };
	int n = sio_broadcast_emit(p->nsp, &b, event, o);
	if (n > 0)
		srv_metrics_event_sent(p->m, event, (uint64_t)n);
	sio_out_free(o);
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

void srv_presence_on_connection(srv_presence *p, sio_socket *s)
{
	const srv_user *su = tracked_user(p, s);
	if (!su)
		return;
	pr_user *u = base_map_get(&p->users, su->user_id);
	if (u) {
		u->sockets++;
		return;
	}
	size_t len = strlen(su->user_id);
	if (!(u = malloc(sizeof(*u) + len + 1)))
		return; /* not counted: no online, no offline */
	memcpy(u->id, su->user_id, len + 1);
	u->sockets = 1;
	if (base_map_put(&p->users, u->id, u) < 0) {
		free(u);
		return;
	}
	announce(p, s, p->cfg->presence.online, su);
}

void srv_presence_on_disconnect(srv_presence *p, sio_socket *s)
{
	const srv_user *su = tracked_user(p, s);
	if (!su)
		return;
	pr_user *u = base_map_get(&p->users, su->user_id);
	if (!u || --u->sockets > 0)
		return;
	base_map_del(&p->users, u->id);
	free(u);
	announce(p, s, p->cfg->presence.offline, su);
}
