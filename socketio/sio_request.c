/* sio_request.c - a question to every server of a namespace and the answers
 * so far: fetchSockets, allRooms, serverCount, serverSideEmit with acks and
 * broadcast with acks (node's ClusterAdapter requests, lib/cluster-adapter.ts,
 * and BroadcastOperator.emit with an ack, whose completeness rule is kept:
 * every server counted, every counted client answered).
 *
 * The library creates a request, puts this server's answer in it, hands it
 * to the adapter's op (socketio/adapter.h) and arms the timeout if it is
 * not complete yet. The adapter says how many other servers will answer and
 * adds their answers. The request completes once: when all are in, or at the
 * timeout with what arrived. It is reference-counted (creator, adapter,
 * timer, and for a broadcast each local client whose answer is awaited) so
 * that late answers find it alive and are ignored.
 */
#include "sio_internal.h"

#include <stdlib.h>
#include <string.h>

sio_request *sio_request_new(sio_namespace *nsp, int kind, void *user)
{
	sio_request *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->kind = kind;
	r->nsp = nsp;
	r->user = user;
	r->refs = 1;
	r->expected = -1;
	base_map_init(&r->rooms);
	return r;
}

static void remote_free(sio_remote_socket *rs)
{
	for (size_t k = 0; k < rs->nrooms; k++)
		free(rs->rooms[k]);
	free(rs->rooms);
	free(rs->id);
	free(rs->handshake_json);
	free(rs->data_json);
}

static void request_free(sio_request *r)
{
	for (size_t i = 0; i < r->nreplies; i++)
		sio_args_free(r->replies[i]);
	free(r->replies);
	base_buf_free(&r->local);
	for (size_t i = 0; i < r->nremote; i++)
		remote_free(&r->remote[i]);
	free(r->remote);
	size_t it = 0;
	char *name;
	while ((name = base_map_next(&r->rooms, &it)))
		free(name);
	base_map_free(&r->rooms);
	free(r);
}

static void unref(sio_request *r)
{
	if (--r->refs == 0)
		request_free(r);
}

void sio_request_release(sio_request *r)
{
	unref(r);
}

sio_request *sio_request_for_adapter(sio_request *r)
{
	r->refs++;
	return r;
}

/* ---- completion ---------------------------------------------------------------- */

/* This server's targets still connected, then the other servers'. */
static void finish_fetch(sio_request *r, const char *err)
{
	size_t nnames = 0, nlocal = 0, k = 0;
	const char *ids = r->local.data;
	for (size_t off = 0; off < r->local.len; off += strlen(ids + off) + 1) {
		const sio_socket *s = base_map_get(&r->nsp->sockets, ids + off);
		if (s && s->connected) {
			nnames += 1 + s->nrooms;
			nlocal++;
		}
	}
	sio_socket_info *infos = calloc(nlocal + r->nremote + 1, sizeof(*infos));
	const char **names = calloc(nnames + 1, sizeof(*names));
	const char **cur = names;
	for (size_t off = 0; infos && names && off < r->local.len; off += strlen(ids + off) + 1) {
		sio_socket *s = base_map_get(&r->nsp->sockets, ids + off);
		if (!s || !s->connected)
			continue;
		sio_socket_info *in = &infos[k++];
		in->id = s->id;
		in->local = s;
		in->rooms = cur;
		cur[in->nrooms++] = s->id; /* node's socket.rooms holds its own id */
		for (size_t j = 0; j < s->nrooms; j++)
			cur[in->nrooms++] = s->rooms[j]->name;
		cur += in->nrooms;
	}
	for (size_t i = 0; infos && names && i < r->nremote; i++) {
		const sio_remote_socket *rs = &r->remote[i];
		infos[k++] = (sio_socket_info){ rs->id,
			                        NULL,
			                        (const char *const *)rs->rooms,
			                        rs->nrooms,
			                        rs->handshake_json,
			                        rs->data_json };
	}
	if (!infos || !names) {
		k = 0;
		err = "out of memory";
	}
	r->done.fetch(r->nsp, infos, k, err, r->user);
	free(names);
	free(infos);
}

static void finish_rooms(sio_request *r, const char *err)
{
	const char **names = calloc(r->rooms.len + 1, sizeof(*names));
	size_t n = 0, it = 0;
	const char *name;
	while (names && (name = base_map_next(&r->rooms, &it)))
		names[n++] = name;
	r->done.rooms(r->nsp, names, n, names ? err : "out of memory", r->user);
	free(names);
}

static void timer_closed(uv_handle_t *h)
{
	sio_request *r = h->data;
	free(h);
	unref(r);
}

static void finish(sio_request *r, const char *err)
{
	if (r->finished)
		return;
	r->finished = true;
	switch (r->kind) {
	case SIO_REQ_FETCH:
		finish_fetch(r, err);
		break;
	case SIO_REQ_ROOMS:
		finish_rooms(r, err);
		break;
	case SIO_REQ_COUNT:
		/* No answer in time: this server at least. */
		r->done.count(r->nsp, r->servers ? r->servers : 1, r->user);
		break;
	default:
		r->done.replies(r->nsp, (const sio_args *const *)r->replies, r->nreplies, err,
		                r->user);
		break;
	}
	if (r->timer) {
		uv_timer_stop(r->timer);
		uv_close((uv_handle_t *)r->timer, timer_closed); /* drops the timer's ref */
		r->timer = NULL;
	}
}

static bool complete(const sio_request *r)
{
	if (r->kind == SIO_REQ_COUNT)
		return r->servers > 0;
	if (r->expected < 0 || r->answered < (size_t)r->expected)
		return false;
	if (r->kind != SIO_REQ_BCAST_ACK)
		return true;
	return r->local_counted && r->nreplies >= r->expected_clients;
}

static void check(sio_request *r)
{
	if (!r->finished && complete(r))
		finish(r, NULL);
}

static void on_timeout(uv_timer_t *t)
{
	finish(t->data, "operation has timed out");
}

/* After the op returned: complete now, or wait for the rest until the
 * timeout (0: no timer), then drop the creator's reference. */
void sio_request_start(sio_request *r, unsigned timeout_ms)
{
	check(r);
	if (!r->finished && timeout_ms > 0 && (r->timer = malloc(sizeof(*r->timer)))) {
		uv_timer_init(eio_server_loop(r->nsp->srv->eio), r->timer);
		r->timer->data = r;
		r->refs++;
		uv_timer_start(r->timer, on_timeout, timeout_ms, 0);
	}
	unref(r);
}

/* ---- answers ------------------------------------------------------------------- */

void sio_request_expect(sio_request *r, size_t servers)
{
	r->expected = (long)servers;
	check(r);
}

void sio_request_add_local(sio_request *r, const sio_socket *s)
{
	/* Out of memory: the socket is left out of the answer. */
	base_buf_append(&r->local, s->id, s->id_len + 1);
}

static int remote_copy(sio_remote_socket *rs, const sio_socket_info *in)
{
	memset(rs, 0, sizeof(*rs));
	if (!(rs->id = strdup(in->id ? in->id : "")))
		return SIO_ENOMEM;
	if (in->handshake_json && !(rs->handshake_json = strdup(in->handshake_json)))
		return SIO_ENOMEM;
	if (in->data_json && !(rs->data_json = strdup(in->data_json)))
		return SIO_ENOMEM;
	if (in->nrooms && !(rs->rooms = calloc(in->nrooms, sizeof(char *))))
		return SIO_ENOMEM;
	for (; rs->nrooms < in->nrooms; rs->nrooms++)
		if (!(rs->rooms[rs->nrooms] = strdup(in->rooms[rs->nrooms])))
			return SIO_ENOMEM;
	return 0;
}

void sio_request_add_sockets(sio_request *r, const sio_socket_info *sockets, size_t n)
{
	if (r->finished || r->kind != SIO_REQ_FETCH)
		return;
	sio_remote_socket *nr = realloc(r->remote, (r->nremote + n + 1) * sizeof(*nr));
	if (nr) {
		r->remote = nr;
		for (size_t i = 0; i < n; i++) {
			sio_remote_socket *rs = &r->remote[r->nremote];
			if (remote_copy(rs, &sockets[i]) < 0) {
				remote_free(rs);
				break;
			}
			r->nremote++;
		}
	}
	r->answered++;
	check(r);
}

int sio_request_add_room(sio_request *r, const char *room)
{
	if (base_map_get(&r->rooms, room))
		return 0;
	char *name = strdup(room);
	if (!name || base_map_put(&r->rooms, name, name) < 0) {
		free(name);
		return SIO_ENOMEM;
	}
	return 0;
}

void sio_request_add_rooms(sio_request *r, const char *const *rooms, size_t n)
{
	if (r->finished || r->kind != SIO_REQ_ROOMS)
		return;
	for (size_t i = 0; i < n; i++)
		sio_request_add_room(r, rooms[i]);
	r->answered++;
	check(r);
}

static void store_reply(sio_request *r, const sio_args *a)
{
	sio_args **nr = realloc(r->replies, (r->nreplies + 1) * sizeof(*nr));
	if (!nr)
		return;
	r->replies = nr;
	if ((r->replies[r->nreplies] = sio_args_copy(a)))
		r->nreplies++;
}

void sio_request_add_reply(sio_request *r, const sio_args *reply)
{
	if (r->finished || r->kind != SIO_REQ_REPLIES)
		return;
	if (reply)
		store_reply(r, reply);
	r->answered++;
	check(r);
}

void sio_request_server_count(sio_request *r, size_t servers)
{
	if (r->finished || r->kind != SIO_REQ_COUNT)
		return;
	r->servers = servers > 0 ? servers : 1; /* this one, at least */
	check(r);
}

void sio_request_client_count(sio_request *r, size_t clients)
{
	if (r->finished || r->kind != SIO_REQ_BCAST_ACK)
		return;
	r->expected_clients += clients;
	r->answered++;
	check(r);
}

void sio_request_client_ack(sio_request *r, const sio_args *args)
{
	if (r->finished || r->kind != SIO_REQ_BCAST_ACK || !args)
		return;
	store_reply(r, args);
	check(r);
}

/* This server's clients: each holds a reference until it answers or goes. */
void sio_request_local_count(size_t clients, void *user)
{
	sio_request *r = user;
	r->refs += (int)clients;
	if (r->finished)
		return;
	r->local_counted = true;
	r->expected_clients += clients;
	check(r);
}

void sio_request_local_ack(const sio_args *args, void *user)
{
	sio_request *r = user;
	if (!r->finished) {
		if (args)
			store_reply(r, args);
		else if (r->expected_clients > 0)
			r->expected_clients--; /* the client left: do not wait for it */
		check(r);
	}
	unref(r);
}
