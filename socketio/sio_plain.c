/* sio_plain.c - plain WebSocket clients as sockets of a namespace.
 *
 * The design (docs/socketio.md, "Plain WebSocket clients"): rooms are
 * shared, so a room event from anywhere (sio_to from the application or
 * the HTTP API, an adapter delivering another server's broadcast, a
 * Socket.IO socket's broadcast) must reach the plain WebSocket clients in
 * that room exactly as it reaches the Socket.IO sockets, framed for them.
 * So a plain client is, inside this layer, an ordinary socket of a
 * namespace whose client carries a codec (socketio.h, sio_codec): the room
 * bookkeeping (sio_join, sio_leave), sio_adapter_broadcast_local() and
 * everything that walks rooms (fetchSockets, socketsJoin, disconnectSockets,
 * serverSideEmit's targets) reach it with no second path. Only the last
 * step differs: where a Socket.IO socket gets the packet encoded once for
 * the broadcast, a plain socket gets the codec's framing, also made once per
 * broadcast per codec (sio_broadcast.c caches it), so a broadcast to 10,000
 * Socket.IO sockets and 10,000 plain ones encodes twice, not 20,000 times.
 *
 * What a plain socket does not have, as its client speaks no Socket.IO: no
 * CONNECT (it is attached connected, without the namespace's middleware
 * or connection callback: the application authenticated the upgrade), no
 * acks either way (an emit with an ack is refused; a broadcast with acks
 * skips it), no binary (an event with binary arguments is not sent to it),
 * no DISCONNECT packet (disconnecting it closes its connection). Its
 * session is one of a plain Engine.IO server (engineio.h, "Plain WebSocket
 * endpoints"), whose callbacks are the application's; this file only
 * attaches it and lets it go.
 */
#include "base/log.h"
#include "sio_internal.h"

#include <stdlib.h>
#include <string.h>

#define NS "socketio:plain"

sio_socket *sio_plain_attach(sio_namespace *nsp, eio_session *es, const sio_codec *codec)
{
	if (!nsp || !es || !codec || !codec->event || nsp->match || eio_session_get_user(es) ||
	    !eio_session_open(es))
		return NULL;
	sio_client *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->srv = nsp->srv;
	c->es = es;
	c->codec = codec;
	sio_packet none;
	sio_packet_init(&none);
	sio_socket *s = sio_socket_new(nsp, c, &none);
	sio_packet_free(&none);
	if (!s || sio_client_add_socket(c, s) < 0) {
		if (s)
			sio_socket_free(s);
		free(c);
		return NULL;
	}
	s->connected = true;
	if (base_map_put(&nsp->sockets, s->id, s) < 0 || sio_rooms_join(s, s->id) < 0) {
		s->connected = false;
		base_map_del(&nsp->sockets, s->id);
		sio_rooms_leave_all(s);
		sio_socket_free(s);
		free(c->sockets);
		free(c);
		return NULL;
	}
	eio_session_set_user(es, c);
	base_log(NS, "%s: attached to %s as %s", eio_session_id(es), nsp->name, s->id);
	return s;
}

sio_socket *sio_plain_socket(const eio_session *es)
{
	const sio_client *c = eio_session_get_user(es);
	return c && c->codec && c->nsockets == 1 ? c->sockets[0] : NULL;
}

void sio_plain_detach(eio_session *es, const char *reason)
{
	const sio_client *c = eio_session_get_user(es);
	if (c && c->codec)
		sio_client_on_close(es, reason, NULL);
}

bool sio_socket_is_plain(const sio_socket *s)
{
	return s->client->codec != NULL;
}

/* The codec's message for an event: its arguments as one JSON array. NULL
 * when there is nothing to send (binary arguments, the codec declined, no
 * memory). */
eio_msg *sio_plain_frame(const sio_codec *codec, const char *event, const sio_out *args)
{
	if (args && args->natts > 0)
		return NULL; /* plain clients take no binary */
	base_buf b;
	base_buf_init(&b);
	int r = 0;
	if (args)
		r |= base_buf_append(&b, args->buf.data, args->buf.len); /* "[a,b" */
	else
		r |= base_buf_putc(&b, '[');
	r |= base_buf_putc(&b, ']');
	eio_msg *m = r ? NULL : codec->event(event, b.data, b.len, codec->user);
	base_buf_free(&b);
	return m;
}

int sio_plain_send(sio_client *c, eio_msg *m)
{
	if (c->closed)
		return SIO_ECLOSED;
	return eio_session_send(c->es, m) < 0 ? SIO_ECLOSED : 0;
}
