/* sio_server.c - the Socket.IO server: options, creation on an Engine.IO
 * server, shutdown and freeing.
 *
 * The top of the layer: it wires the Engine.IO callbacks to the client
 * (sio_client.c), which takes every packet up from there. Namespaces are
 * sio_namespace.c, the adapter sio_adapter.c (the in-memory one is the
 * default).
 */
#include "sio_internal.h"

#include <stdlib.h>
#include <string.h>

void sio_options_init(sio_options *o)
{
	memset(o, 0, sizeof(*o));
	eio_options_init(&o->eio);
	o->connect_timeout_ms = 45000;
	o->max_attachments = SIO_PKT_DEFAULT_MAX_ATTACHMENTS;
	/* node's connectionStateRecovery defaults, and our log's bounds */
	o->recovery.max_disconnection_ms = 2 * 60 * 1000;
	o->recovery.skip_middlewares = true;
	o->recovery.max_packets = 10000;
	o->recovery.max_bytes = 8u << 20;
	o->recovery.max_sessions = 100000;
}

sio_server *sio_server_new(eio_listener *l, const sio_options *o, int *err)
{
	if (o->parser != SIO_PARSER_DEFAULT && o->parser != SIO_PARSER_MSGPACK) {
		*err = SIO_EINVAL;
		return NULL;
	}
	sio_server *srv = calloc(1, sizeof(*srv));
	if (!srv) {
		*err = SIO_ENOMEM;
		return NULL;
	}
	srv->o = *o;
	srv->adapter = &sio_memory_adapter;
	eio_callbacks cb = {
		.on_connection = sio_client_on_connection,
		.on_message = sio_client_on_message,
		.on_close = sio_client_on_close,
	};
	srv->eio = eio_server_new(l, &o->eio, &cb, srv, err);
	if (!srv->eio || !sio_of(srv, "/")) {
		free(srv);
		return NULL;
	}
	base_timers_init(&srv->timers, eio_server_loop(srv->eio), sio_client_connect_timeout);
	base_timers_set_ms(&srv->timers, 0, o->connect_timeout_ms);
	return srv;
}

eio_server *sio_server_engine(sio_server *srv)
{
	return srv->eio;
}

void sio_server_get_stats(const sio_server *srv, sio_server_stats *out)
{
	*out = srv->stats;
}

void sio_server_close(sio_server *srv)
{
	eio_server_close_all(srv->eio);
}

void sio_server_free(sio_server *srv)
{
	for (size_t i = 0; i < srv->nnsps; i++) {
		sio_adapter_close_namespace(srv->nsps[i]);
		sio_namespace_free(srv->nsps[i]);
	}
	free(srv->nsps);
	for (size_t i = 0; i < srv->nparents; i++)
		sio_namespace_free(srv->parents[i]);
	free(srv->parents);
	/* The timer handle lives in srv: let the loop see it closed first. */
	uv_loop_t *loop = srv->timers.timer.loop;
	base_timers_close(&srv->timers, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
	free(srv);
}
