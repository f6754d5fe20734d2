/* eio_local.c - in-process sessions: a session whose client is the caller
 * (engineio.h, "In-process sessions").
 *
 * The session is an ordinary one, opened with no request and no
 * connection: eio_session_kick() finds no transport to wake, so what the
 * server sends stays in the queue, where the caller reads it. Incoming
 * frames go through the same packet decoder and eio_session_on_packet() as
 * a WebSocket frame would (spec "Packet encoding").
 */
#include "eio_internal.h"
#include "eio_packet.h"

static eio_session *open_local(eio_server *srv, bool v3)
{
	eio_session *s = eio_session_create(srv, NULL, EIO_TRANSPORT_POLLING);
	if (s && v3)
		eio_session_use_v3(s, false);
	if (s && srv->cb.on_connection)
		srv->cb.on_connection(srv, s, srv->user);
	return s;
}

eio_session *eio_session_open_local(eio_server *srv)
{
	return open_local(srv, false);
}

eio_session *eio_session_open_local_v3(eio_server *srv)
{
	return open_local(srv, true);
}

int eio_session_receive(eio_session *s, const void *frame, size_t len, bool binary)
{
	if (binary) {
		eio_session_on_packet(s, EIO_PKT_MESSAGE, frame, len, true);
		return 0;
	}
	eio_packet p;
	if (eio_packet_decode(frame, len, &p) < 0)
		return EIO_EPARSE;
	eio_session_on_packet(s, p.type, p.data, p.len, false);
	return 0;
}

size_t eio_session_queued_count(const eio_session *s)
{
	return s->q.len;
}

eio_msg *eio_session_queued_at(const eio_session *s, size_t i)
{
	return i < s->q.len ? eio_queue_at(&s->q, (uint32_t)i) : NULL;
}

eio_msg *eio_session_take(eio_session *s)
{
	return eio_queue_pop(&s->q);
}

uint32_t eio_msg_refcount(const eio_msg *m)
{
	return m->refs;
}

const char *eio_msg_frame(const eio_msg *m, size_t *len)
{
	if (len)
		*len = m->len;
	return m->bytes;
}
