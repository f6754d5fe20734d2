/* sio_rooms.c - rooms of this process's sockets (the bookkeeping of node's
 * in-memory Adapter, which every adapter shares), and the visit of a
 * broadcast's local targets.
 *
 * A room is a hash set of sockets, so join, leave and membership are O(1),
 * and visiting the targets of a broadcast to a room touches only its
 * members, never every socket of the namespace. Several rooms and exceptions
 * are resolved with per-namespace generation marks instead of building sets:
 * a socket already visited, or excluded, in this generation is skipped.
 *
 * Every socket is in the room named by its id (node's rule). That room has
 * one member forever, so it is not materialised: a flag on the socket says
 * whether it is in it, and a lookup of the room finds the socket by id. This
 * saves a room, a name copy and a member table per connection.
 *
 * An adapter (socketio/adapter.h) is told when a room gets its first
 * local member and loses its last (room_created / room_deleted), so a
 * distributed one can subscribe to the room's channel; it never keeps the
 * membership itself.
 */
#include "sio_internal.h"

#include <stdlib.h>
#include <string.h>

static sio_room *room_get_or_create(sio_namespace *nsp, const char *name)
{
	sio_room *r = base_map_get(&nsp->rooms, name);
	if (r)
		return r;
	r = calloc(1, sizeof(*r));
	if (!r || !(r->name = strdup(name)) || base_map_put(&nsp->rooms, r->name, r) < 0) {
		if (r)
			free(r->name);
		free(r);
		return NULL;
	}
	base_map_init(&r->members);
	const sio_server *srv = nsp->srv;
	if (srv->adapter->room_created)
		srv->adapter->room_created(nsp, r->name, srv->adapter_user);
	return r;
}

static void room_maybe_free(sio_namespace *nsp, sio_room *r)
{
	if (r->members.len > 0)
		return;
	base_map_del(&nsp->rooms, r->name);
	const sio_server *srv = nsp->srv;
	if (srv->adapter->room_deleted)
		srv->adapter->room_deleted(nsp, r->name, srv->adapter_user);
	base_map_free(&r->members);
	free(r->name);
	free(r);
}

static bool own_room(const sio_socket *s, const char *room)
{
	return strcmp(room, s->id) == 0;
}

/* Tell the namespace's observer (sio_namespace_on_room_change) of a change. */
static void changed(sio_socket *s, const char *room, bool joined)
{
	const sio_namespace *nsp = s->nsp;
	if (nsp->on_room_change)
		nsp->on_room_change(s, room, joined, nsp->on_room_change_user);
}

void sio_namespace_on_room_change(sio_namespace *nsp, sio_room_change_fn fn, void *user)
{
	nsp->on_room_change = fn;
	nsp->on_room_change_user = user;
}

int sio_rooms_join(sio_socket *s, const char *room)
{
	sio_namespace *nsp = s->nsp;
	if (own_room(s, room)) {
		if (!s->in_own_room) {
			s->in_own_room = true;
			changed(s, room, true);
		}
		return 0;
	}
	sio_room *r = room_get_or_create(nsp, room);
	if (!r)
		return SIO_ENOMEM;
	if (base_map_get(&r->members, s->id))
		return 0;
	sio_room **nr = realloc(s->rooms, (s->nrooms + 1) * sizeof(*nr));
	if (!nr || base_map_put(&r->members, s->id, s) < 0) {
		if (nr)
			s->rooms = nr;
		room_maybe_free(nsp, r);
		return SIO_ENOMEM;
	}
	s->rooms = nr;
	s->rooms[s->nrooms++] = r;
	changed(s, r->name, true);
	return 0;
}

int sio_rooms_leave(sio_socket *s, const char *room)
{
	sio_namespace *nsp = s->nsp;
	if (own_room(s, room)) {
		if (s->in_own_room) {
			s->in_own_room = false;
			changed(s, room, false);
		}
		return 0;
	}
	for (size_t i = 0; i < s->nrooms; i++) {
		sio_room *r = s->rooms[i];
		if (strcmp(r->name, room) != 0)
			continue;
		base_map_del(&r->members, s->id);
		s->rooms[i] = s->rooms[--s->nrooms];
		changed(s, r->name, false);
		room_maybe_free(nsp, r);
		return 0;
	}
	return 0;
}

void sio_rooms_leave_all(sio_socket *s)
{
	sio_namespace *nsp = s->nsp;
	if (s->in_own_room) {
		s->in_own_room = false;
		changed(s, s->id, false);
	}
	while (s->nrooms > 0) {
		sio_room *r = s->rooms[--s->nrooms];
		base_map_del(&r->members, s->id);
		changed(s, r->name, false);
		room_maybe_free(nsp, r);
	}
	free(s->rooms);
	s->rooms = NULL;
}

bool sio_in_room(const sio_socket *s, const char *room)
{
	const sio_namespace *nsp = s->nsp;
	if (own_room(s, room))
		return s->in_own_room;
	sio_room *r = base_map_get(&nsp->rooms, room);
	return r && base_map_get(&r->members, s->id) != NULL;
}

static void visit(sio_socket *s, uint64_t gen, const sio_broadcast *b,
                  void (*fn)(sio_socket *, void *), void *u)
{
	if (s->mark_sent == gen || s->mark_except == gen || s == b->skip || !s->connected)
		return;
	s->mark_sent = gen;
	fn(s, u);
}

static void visit_set(const base_map *set, uint64_t gen, const sio_broadcast *b,
                      void (*fn)(sio_socket *, void *), void *u)
{
	size_t it = 0;
	sio_socket *s;
	while ((s = base_map_next(set, &it)))
		visit(s, gen, b, fn, u);
}

/* The socket whose own room this is, if it is in it. */
static sio_socket *own_room_member(sio_namespace *nsp, const char *room)
{
	sio_socket *s = base_map_get(&nsp->sockets, room);
	return s && s->in_own_room ? s : NULL;
}

/* Call fn once for each local connected socket b targets. */
void sio_rooms_each(sio_namespace *nsp, const sio_broadcast *b, void (*fn)(sio_socket *, void *),
                    void *u)
{
	uint64_t gen = ++nsp->bcast_gen;
	for (size_t i = 0; i < b->nexcept; i++) {
		sio_room *r = base_map_get(&nsp->rooms, b->except[i]);
		size_t it = 0;
		sio_socket *s;
		while (r && (s = base_map_next(&r->members, &it)))
			s->mark_except = gen;
		if ((s = own_room_member(nsp, b->except[i])))
			s->mark_except = gen;
	}
	if (b->nrooms == 0) {
		visit_set(&nsp->sockets, gen, b, fn, u);
		return;
	}
	for (size_t i = 0; i < b->nrooms; i++) {
		sio_room *r = base_map_get(&nsp->rooms, b->rooms[i]);
		if (r)
			visit_set(&r->members, gen, b, fn, u);
		sio_socket *s = own_room_member(nsp, b->rooms[i]);
		if (s)
			visit(s, gen, b, fn, u);
	}
}

/* ---- public calls ----------------------------------------------------------------- */

size_t sio_socket_room_count(const sio_socket *s)
{
	return s->nrooms;
}

void sio_socket_rooms(const sio_socket *s, sio_room_name_fn fn, void *user)
{
	if (s->in_own_room)
		fn(s->id, user);
	for (size_t i = 0; i < s->nrooms; i++)
		fn(s->rooms[i]->name, user);
}

size_t sio_room_size(const sio_namespace *nsp, const char *room)
{
	const sio_room *r = base_map_get(&nsp->rooms, room);
	return r ? r->members.len : 0;
}

void sio_namespace_rooms(const sio_namespace *nsp, sio_room_fn fn, void *user)
{
	size_t i = 0;
	const sio_room *r;
	while ((r = base_map_next(&nsp->rooms, &i)))
		fn(r->name, r->members.len, user);
}

int sio_join(sio_socket *s, const char *room)
{
	return s->connected ? sio_rooms_join(s, room) : SIO_ECLOSED;
}

int sio_leave(sio_socket *s, const char *room)
{
	return sio_rooms_leave(s, room);
}
