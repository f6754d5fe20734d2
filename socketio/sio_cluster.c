/* sio_cluster.c - the calls that ask every server of a namespace (node's
 * fetchSockets, allRooms, serverCount, serverSideEmit), through the
 * adapter, and the handlers of other servers' serverSideEmit.
 *
 * Each call makes a request (sio_request.c), puts this server's answer in
 * it, and hands it to the adapter, which adds the others' (socketio/
 * adapter.h). The default timeout is node's requestsTimeout.
 */
#include "sio_internal.h"

#include <stdlib.h>
#include <string.h>

#define SIO_REQUESTS_TIMEOUT_MS 5000

static unsigned timeout_or_default(unsigned ms)
{
	return ms ? ms : SIO_REQUESTS_TIMEOUT_MS;
}

static void add_local(sio_socket *s, void *r)
{
	sio_request_add_local(r, s);
}

int sio_fetch_sockets_async(sio_namespace *nsp, const sio_broadcast *b, unsigned timeout_ms,
                            sio_fetch_fn done, void *user)
{
	sio_request *r = sio_request_new(nsp, SIO_REQ_FETCH, user);
	if (!r)
		return SIO_ENOMEM;
	r->done.fetch = done;
	sio_rooms_each(nsp, b, add_local, r);
	const sio_server *srv = nsp->srv;
	srv->adapter->fetch_sockets(nsp, b, sio_request_for_adapter(r), srv->adapter_user);
	sio_request_start(r, timeout_or_default(timeout_ms));
	return 0;
}

static void add_room(const char *room, size_t members, void *r)
{
	(void)members;
	sio_request_add_room(r, room);
}

static void add_socket_room(sio_socket *s, void *r)
{
	sio_request_add_room(r, sio_socket_id(s));
}

int sio_all_rooms(sio_namespace *nsp, unsigned timeout_ms, sio_rooms_fn done, void *user)
{
	sio_request *r = sio_request_new(nsp, SIO_REQ_ROOMS, user);
	if (!r)
		return SIO_ENOMEM;
	r->done.rooms = done;
	sio_namespace_rooms(nsp, add_room, r);
	sio_broadcast all = { 0 };
	sio_rooms_each(nsp, &all, add_socket_room, r);
	const sio_server *srv = nsp->srv;
	srv->adapter->all_rooms(nsp, sio_request_for_adapter(r), srv->adapter_user);
	sio_request_start(r, timeout_or_default(timeout_ms));
	return 0;
}

int sio_server_count(sio_namespace *nsp, sio_count_fn done, void *user)
{
	sio_request *r = sio_request_new(nsp, SIO_REQ_COUNT, user);
	if (!r)
		return SIO_ENOMEM;
	r->done.count = done;
	const sio_server *srv = nsp->srv;
	srv->adapter->server_count(nsp, sio_request_for_adapter(r), srv->adapter_user);
	sio_request_start(r, SIO_REQUESTS_TIMEOUT_MS);
	return 0;
}

int sio_server_side_emit(sio_namespace *nsp, const char *event, const sio_out *args)
{
	if (!event || sio_out_check(args) < 0)
		return SIO_EINVAL;
	const sio_server *srv = nsp->srv;
	srv->adapter->server_side_emit(nsp, event, args, NULL, srv->adapter_user);
	return 0;
}

int sio_server_side_emit_with_ack(sio_namespace *nsp, const char *event, const sio_out *args,
                                  unsigned timeout_ms, sio_broadcast_ack_fn done, void *user)
{
	if (!event || sio_out_check(args) < 0)
		return SIO_EINVAL;
	sio_request *r = sio_request_new(nsp, SIO_REQ_REPLIES, user);
	if (!r)
		return SIO_ENOMEM;
	r->done.replies = done;
	const sio_server *srv = nsp->srv;
	srv->adapter->server_side_emit(nsp, event, args, sio_request_for_adapter(r),
	                               srv->adapter_user);
	sio_request_start(r, timeout_or_default(timeout_ms));
	return 0;
}

/* ---- other servers' events -------------------------------------------------------- */

int sio_namespace_on_server_event(sio_namespace *nsp, const char *event, sio_server_event_fn fn,
                                  void *user)
{
	if (!fn)
		return SIO_EINVAL;
	sio_server_handler *nh =
	        realloc(nsp->server_handlers, (nsp->nserver_handlers + 1) * sizeof(*nh));
	if (!nh)
		return SIO_ENOMEM;
	nsp->server_handlers = nh;
	char *ev = NULL;
	if (event && !(ev = strdup(event)))
		return SIO_ENOMEM;
	nsp->server_handlers[nsp->nserver_handlers++] = (sio_server_handler){ ev, fn, user };
	return 0;
}

int sio_adapter_server_event(sio_namespace *nsp, const char *event, const sio_args *args,
                             sio_out *reply)
{
	int n = 0;
	for (size_t i = 0; i < nsp->nserver_handlers; i++) {
		const sio_server_handler *h = &nsp->server_handlers[i];
		if (h->event && strcmp(h->event, event) != 0)
			continue;
		h->fn(nsp, event, args, reply, h->user);
		n++;
	}
	return n;
}
