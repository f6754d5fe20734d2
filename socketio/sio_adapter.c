/* sio_adapter.c - the in-memory adapter (node's default Adapter, lib/
 * in-memory-adapter.ts), and the choice of adapter per server.
 *
 * One process: a broadcast and the socket operations act on this server's
 * sockets; a request has no other server to ask (sio_request_expect 0) and
 * completes with this server's answer, which the library put in it before
 * the call. Room bookkeeping is sio_rooms.c, shared by every adapter.
 */
#include "sio_internal.h"

static int mem_broadcast(sio_namespace *nsp, const sio_adapter_packet *p, const sio_broadcast *o,
                         void *user)
{
	(void)user;
	/* sio_broadcast_emit checked the arguments: straight to the delivery. */
	return sio_deliver(nsp, p, o, NULL, -1);
}

static int mem_broadcast_with_ack(sio_namespace *nsp, const sio_adapter_packet *p,
                                  const sio_broadcast *o, unsigned timeout_ms, sio_request *r,
                                  void *user)
{
	(void)timeout_ms;
	(void)user;
	int n = sio_adapter_broadcast_local_with_ack(nsp, p, o, sio_request_local_count,
	                                             sio_request_local_ack, r);
	sio_request_expect(r, 0);
	sio_request_release(r);
	return n;
}

static int mem_join(sio_namespace *nsp, const sio_broadcast *o, const char *const *rooms, size_t n,
                    void *user)
{
	(void)user;
	return sio_adapter_sockets_join_local(nsp, o, rooms, n);
}

static int mem_leave(sio_namespace *nsp, const sio_broadcast *o, const char *const *rooms, size_t n,
                     void *user)
{
	(void)user;
	return sio_adapter_sockets_leave_local(nsp, o, rooms, n);
}

static int mem_disconnect(sio_namespace *nsp, const sio_broadcast *o, bool close, void *user)
{
	(void)user;
	return sio_adapter_disconnect_local(nsp, o, close);
}

/* fetchSockets, allRooms, serverSideEmit with acks: nobody else answers. */
static void mem_no_other(sio_request *r)
{
	sio_request_expect(r, 0);
	sio_request_release(r);
}

static void mem_fetch(sio_namespace *nsp, const sio_broadcast *o, sio_request *r, void *user)
{
	(void)nsp;
	(void)o;
	(void)user;
	mem_no_other(r);
}

static void mem_all_rooms(sio_namespace *nsp, sio_request *r, void *user)
{
	(void)nsp;
	(void)user;
	mem_no_other(r);
}

static void mem_server_count(sio_namespace *nsp, sio_request *r, void *user)
{
	(void)nsp;
	(void)user;
	sio_request_server_count(r, 1);
	sio_request_release(r);
}

/* node's in-memory adapter has no other server to send to. */
static void mem_server_side_emit(sio_namespace *nsp, const char *event, const sio_out *args,
                                 sio_request *r, void *user)
{
	(void)nsp;
	(void)event;
	(void)args;
	(void)user;
	if (r)
		mem_no_other(r);
}

const sio_adapter_ops sio_memory_adapter = {
	.name = "memory",
	.broadcast = mem_broadcast,
	.broadcast_with_ack = mem_broadcast_with_ack,
	.sockets_join = mem_join,
	.sockets_leave = mem_leave,
	.disconnect_sockets = mem_disconnect,
	.fetch_sockets = mem_fetch,
	.all_rooms = mem_all_rooms,
	.server_count = mem_server_count,
	.server_side_emit = mem_server_side_emit,
};

/* ---- the adapter of a server ------------------------------------------------------- */

static bool complete_ops(const sio_adapter_ops *o)
{
	return o && o->broadcast && o->broadcast_with_ack && o->sockets_join && o->sockets_leave &&
	       o->disconnect_sockets && o->fetch_sockets && o->all_rooms && o->server_count &&
	       o->server_side_emit;
}

int sio_server_set_adapter(sio_server *srv, const sio_adapter_ops *ops, void *user)
{
	for (size_t i = 0; i < srv->nnsps; i++)
		if (srv->nsps[i]->sockets.len > 0)
			return SIO_EINVAL;
	if (!complete_ops(ops))
		return SIO_EINVAL;
	for (size_t i = 0; i < srv->nnsps; i++)
		sio_adapter_close_namespace(srv->nsps[i]);
	srv->adapter = ops;
	srv->adapter_user = user;
	for (size_t i = 0; i < srv->nnsps; i++)
		if (sio_adapter_init_namespace(srv->nsps[i]) < 0)
			return SIO_ENOMEM;
	return 0;
}

int sio_adapter_init_namespace(sio_namespace *nsp)
{
	const sio_server *srv = nsp->srv;
	return srv->adapter->init ? srv->adapter->init(nsp, srv->adapter_user) : 0;
}

void sio_adapter_close_namespace(sio_namespace *nsp)
{
	const sio_server *srv = nsp->srv;
	if (srv->adapter->close)
		srv->adapter->close(nsp, srv->adapter_user);
	nsp->adapter_data = NULL;
}

void **sio_namespace_adapter_data(sio_namespace *nsp)
{
	return &nsp->adapter_data;
}
