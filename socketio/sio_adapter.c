/* sio_adapter.c - rooms and broadcast, in memory (node's in-memory Adapter).
 *
 * A room is a hash set of sockets, so join, leave and membership are O(1),
 * and a broadcast to a room visits only its members, never every socket of
 * the namespace. Broadcasts to several rooms, with exceptions, mark sockets
 * with a per-namespace generation number instead of building sets: a socket
 * already sent to, or excluded, in this generation is skipped.
 *
 * The packet is encoded once (sio_encode_event) and the same eio_msg
 * references go to every recipient's queue.
 */
#include "sio_internal.h"

#include <stdlib.h>
#include <string.h>

sio_room *sio_adapter_room(sio_namespace *nsp, const char *room)
{
	return eio_map_get(&nsp->rooms, room);
}

static sio_room *room_get_or_create(sio_namespace *nsp, const char *name)
{
	sio_room *r = eio_map_get(&nsp->rooms, name);
	if (r)
		return r;
	r = calloc(1, sizeof(*r));
	if (!r || !(r->name = strdup(name)) || eio_map_put(&nsp->rooms, r->name, r) < 0) {
		if (r)
			free(r->name);
		free(r);
		return NULL;
	}
	eio_map_init(&r->members);
	return r;
}

static void room_maybe_free(sio_namespace *nsp, sio_room *r)
{
	if (r->members.len > 0)
		return;
	eio_map_del(&nsp->rooms, r->name);
	eio_map_free(&r->members);
	free(r->name);
	free(r);
}

int sio_adapter_join(sio_socket *s, const char *room)
{
	sio_room *r = room_get_or_create(s->nsp, room);
	if (!r)
		return SIO_ENOMEM;
	if (eio_map_get(&r->members, s->id))
		return 0;
	sio_room **nr = realloc(s->rooms, (s->nrooms + 1) * sizeof(*nr));
	if (!nr || eio_map_put(&r->members, s->id, s) < 0) {
		if (nr)
			s->rooms = nr;
		room_maybe_free(s->nsp, r);
		return SIO_ENOMEM;
	}
	s->rooms = nr;
	s->rooms[s->nrooms++] = r;
	return 0;
}

int sio_adapter_leave(sio_socket *s, const char *room)
{
	for (size_t i = 0; i < s->nrooms; i++) {
		sio_room *r = s->rooms[i];
		if (strcmp(r->name, room) != 0)
			continue;
		eio_map_del(&r->members, s->id);
		s->rooms[i] = s->rooms[--s->nrooms];
		room_maybe_free(s->nsp, r);
		return 0;
	}
	return 0;
}

void sio_adapter_leave_all(sio_socket *s)
{
	while (s->nrooms > 0) {
		sio_room *r = s->rooms[--s->nrooms];
		eio_map_del(&r->members, s->id);
		room_maybe_free(s->nsp, r);
	}
	free(s->rooms);
	s->rooms = NULL;
}

int sio_join(sio_socket *s, const char *room)
{
	return s->connected ? sio_adapter_join(s, room) : SIO_ECLOSED;
}

int sio_leave(sio_socket *s, const char *room)
{
	return sio_adapter_leave(s, room);
}

bool sio_in_room(const sio_socket *s, const char *room)
{
	sio_room *r = eio_map_get(&s->nsp->rooms, room);
	return r && eio_map_get(&r->members, s->id) != NULL;
}

/* ---- broadcast --------------------------------------------------------------- */

typedef struct bcast_ctx {
	uint64_t gen;
	const sio_broadcast *b;
	eio_msg *text;
	const sio_out *args;
	int sent;
} bcast_ctx;

static void deliver(bcast_ctx *c, sio_socket *s)
{
	if (s->mark_sent == c->gen || s->mark_except == c->gen || s == c->b->skip || !s->connected)
		return;
	s->mark_sent = c->gen;
	eio_session *es = s->client->es;
	if (c->b->volatile_ && !eio_session_writable(es))
		return;
	sio_client_send_packet(s->client, c->text, c->args ? c->args->atts : NULL,
	                       c->args ? c->args->natts : 0);
	c->sent++;
}

static void deliver_all(bcast_ctx *c, const eio_map *set)
{
	size_t it = 0;
	sio_socket *s;
	while ((s = eio_map_next(set, &it)))
		deliver(c, s);
}

int sio_broadcast_emit(sio_namespace *nsp, const sio_broadcast *b, const char *event,
                       const sio_out *args)
{
	eio_msg *text = sio_encode_event(SIO_PKT_EVENT, nsp, -1, event, args);
	if (!text)
		return SIO_ENOMEM;
	bcast_ctx c = { ++nsp->bcast_gen, b, text, args, 0 };
	for (size_t i = 0; i < b->nexcept; i++) {
		sio_room *r = eio_map_get(&nsp->rooms, b->except[i]);
		size_t it = 0;
		sio_socket *s;
		while (r && (s = eio_map_next(&r->members, &it)))
			s->mark_except = c.gen;
	}
	if (b->nrooms == 0) {
		deliver_all(&c, &nsp->sockets);
	} else {
		for (size_t i = 0; i < b->nrooms; i++) {
			sio_room *r = eio_map_get(&nsp->rooms, b->rooms[i]);
			if (r)
				deliver_all(&c, &r->members);
		}
	}
	eio_msg_unref(text);
	return c.sent;
}

int sio_to(sio_namespace *nsp, const char *room, const char *event, const sio_out *args)
{
	const char *rooms[1] = { room };
	sio_broadcast b = { rooms, 1, NULL, 0, NULL, false };
	return sio_broadcast_emit(nsp, &b, event, args);
}

int sio_socket_broadcast(sio_socket *s, const char *event, const sio_out *args)
{
	sio_broadcast b = { NULL, 0, NULL, 0, s, false };
	return sio_broadcast_emit(s->nsp, &b, event, args);
}
