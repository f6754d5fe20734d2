/* sio_client_send.c - the way out of a client (one Engine.IO session): its
 * sockets' packets go to the session, and the client's list of sockets.
 *
 * The lowest step of the outgoing path: sockets, CONNECT answers and
 * broadcasts hand finished eio_msg references here, which queue them on
 * the Engine.IO session (shared, never copied). A plain WebSocket client
 * (sio_plain.c) gets its codec's framing of an event instead, made here. Nothing here calls back
 * up: the incoming side (decoding, routing) is sio_client.c.
 */
#include "base/log.h"
#include "sio_internal.h"
#include "sio_msgpack.h"

#include <stdlib.h>

#define NS "socketio:client"

/* A packet and its binary attachments, in order (spec "Binary": the
 * attachments follow their packet as separate Engine.IO messages). On a
 * msgpack server the packet carries its binary values inline
 * (sio_msgpack.h): no attachments follow. */
void sio_client_send_packet(sio_client *c, eio_msg *text, eio_msg *const *atts, int natts)
{
	if (c->closed)
		return;
	if (c->srv->o.parser == SIO_PARSER_MSGPACK)
		natts = 0;
	if (eio_session_send(c->es, text) < 0)
		return;
	for (int i = 0; i < natts; i++)
		eio_session_send(c->es, atts[i]);
}

/* A control packet (CONNECT answer, DISCONNECT) in its text form. */
void sio_client_send_buf(sio_client *c, base_buf *b)
{
	eio_msg *m = c->srv->o.parser == SIO_PARSER_MSGPACK ? sio_msgpack_from_text(b->data, b->len)
	                                                    : eio_msg_text(b->data, b->len);
	if (m) {
		sio_client_send_packet(c, m, NULL, 0);
		eio_msg_unref(m);
	}
	base_buf_free(b);
}

/* The codec's message for an event: its arguments as one JSON array. NULL
 * when there is nothing to send (binary arguments, the codec declined, no
 * memory). */
eio_msg *sio_client_plain_frame(const sio_codec *codec, const char *event, const sio_out *args)
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

int sio_client_send_plain(sio_client *c, eio_msg *m)
{
	if (c->closed)
		return SIO_ECLOSED;
	return eio_session_send(c->es, m) < 0 ? SIO_ECLOSED : 0;
}

void sio_client_close(sio_client *c, const char *why)
{
	base_log(NS, "%s: closing connection: %s", eio_session_id(c->es), why);
	eio_session_close(c->es);
}

void sio_client_fail(sio_client *c, const char *why)
{
	base_log(NS, "%s: protocol error, closing connection: %s", eio_session_id(c->es), why);
	/* The close frame says so (1002, RFC 6455 section 7.4.1) where node's
	 * sends no code, so that a client library can report it; the
	 * socket.io-client sees "transport close" either way. */
	eio_session_close_code(c->es, 1002, why);
}

sio_socket *sio_client_socket(sio_client *c, const sio_namespace *nsp)
{
	for (size_t i = 0; i < c->nsockets; i++)
		if (c->sockets[i]->nsp == nsp)
			return c->sockets[i];
	return NULL;
}

int sio_client_add_socket(sio_client *c, sio_socket *s)
{
	sio_socket **ns = realloc(c->sockets, (c->nsockets + 1) * sizeof(*ns));
	if (!ns)
		return SIO_ENOMEM;
	c->sockets = ns;
	c->sockets[c->nsockets++] = s;
	return 0;
}

void sio_client_remove_socket(sio_client *c, sio_socket *s)
{
	for (size_t i = 0; i < c->nsockets; i++) {
		if (c->sockets[i] == s) {
			c->sockets[i] = c->sockets[--c->nsockets];
			break;
		}
	}
}
