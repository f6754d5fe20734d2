/* sio_client.c - the Socket.IO client: one per Engine.IO session, the way in.
 *
 * A client holds the sockets of one connection (one per namespace joined)
 * and decodes what the session receives. Every Engine.IO message is one
 * Socket.IO packet, or one binary attachment of the packet before it (spec
 * "Packet encoding", "Binary"); a complete packet goes up, once, to CONNECT
 * (sio_connect.c) or to its socket (sio_socket.c). The connection is closed,
 * as the spec and node's Client require, on: a packet that does not decode, a
 * packet for a namespace the client has not joined, a second CONNECT to a
 * joined namespace, a CONNECT_ERROR from the client, text while attachments
 * are awaited, a stray binary message, and no CONNECT within connectTimeout.
 *
 * The way out (packets to the session, the socket list) is
 * sio_client_send.c, below this file and below the sockets.
 */
#include "base/log.h"
#include "sio_internal.h"
#include "sio_msgpack.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define NS "socketio:client"

static void clear_pending(sio_client *c)
{
	sio_binpending *b = c->bin;
	if (!b)
		return;
	c->bin = NULL;
	for (int i = 0; i < b->natts; i++)
		eio_msg_unref(b->atts[i]);
	free(b->atts);
	sio_packet_free(&b->pkt);
	free(b->text);
	free(b);
}

/* connectTimeout: one deadline list per server (the duration is fixed). */
void sio_client_connect_timeout(base_timers *t, int list, base_tlink *link)
{
	(void)t;
	(void)list;
	sio_client *c = (sio_client *)((char *)link - offsetof(sio_client, connect_link));
	if (c->nsockets == 0)
		sio_client_close(c, "no namespace joined within connectTimeout");
}

void sio_client_on_connection(eio_server *es, eio_session *s, void *user)
{
	(void)es;
	sio_server *srv = user;
	sio_client *c = calloc(1, sizeof(*c));
	if (!c) {
		eio_session_close(s);
		return;
	}
	c->srv = srv;
	c->es = s;
	base_timers_arm(&srv->timers, 0, &c->connect_link);
	eio_session_set_user(s, c);
	if (eio_session_protocol(s) == 3) {
		/* socket.io-client 2.x sends no CONNECT for "/": node's
		 * Server#onconnection connects a v3 client to it at once. */
		sio_packet p;
		sio_packet_init(&p);
		p.type = SIO_PKT_CONNECT;
		p.nsp = "/";
		p.nsp_len = 1;
		sio_connect_begin(c, &p);
		sio_packet_free(&p);
	}
}

void sio_client_on_close(eio_session *es, const char *reason, void *user)
{
	(void)user;
	sio_client *c = eio_session_get_user(es);
	if (!c)
		return;
	c->closed = true;
	/* eio_session.c's reason for a send queue over its bound */
	if (!strcmp(reason, "send queue full"))
		c->srv->stats.send_queue_full++;
	while (c->nsockets > 0) {
		sio_socket *s = c->sockets[--c->nsockets];
		sio_socket_cleanup(s, reason);
		sio_socket_free(s);
	}
	free(c->sockets);
	clear_pending(c);
	base_timers_cancel(&c->srv->timers, 0, &c->connect_link);
	eio_session_set_user(es, NULL);
	free(c);
}

/* ---- packet routing ------------------------------------------------------------ */

static void route(sio_client *c, const sio_packet *p, eio_msg *const *atts, int natts)
{
	if (p->type == SIO_PKT_CONNECT) {
		sio_connect_begin(c, p);
		return;
	}
	if (p->type == SIO_PKT_CONNECT_ERROR) {
		sio_client_fail(c, "CONNECT_ERROR from the client");
		return;
	}
	sio_namespace *nsp = sio_namespace_find(c->srv, p->nsp, p->nsp_len);
	sio_socket *s = nsp ? sio_client_socket(c, nsp) : NULL;
	if (!s || !s->connected) {
		sio_client_fail(c, "packet for a namespace not joined");
		return;
	}
	if (p->type == SIO_PKT_DISCONNECT) {
		sio_socket_cleanup(s, "client namespace disconnect");
		sio_client_remove_socket(c, s);
		sio_socket_free(s);
		return;
	}
	sio_socket_on_packet(s, p, atts, natts);
}

/* A binary message: the next attachment of the packet awaiting them. */
static void on_attachment(sio_client *c, const char *data, size_t len)
{
	sio_binpending *b = c->bin;
	if (!b) {
		sio_client_fail(c, "unexpected binary message");
		return;
	}
	eio_msg *m = eio_msg_binary(data, len);
	eio_msg **na = m ? realloc(b->atts, (size_t)(b->natts + 1) * sizeof(*na)) : NULL;
	if (!na) {
		eio_msg_unref(m);
		sio_client_close(c, "out of memory");
		return;
	}
	b->atts = na;
	b->atts[b->natts++] = m;
	if (b->natts == b->pkt.attachments) {
		route(c, &b->pkt, b->atts, b->natts);
		clear_pending(c);
	}
}

/* A BINARY_* packet: keep its text (the packet's slices point into it)
 * until its attachments have arrived. */
static void await_attachments(sio_client *c, const char *data, size_t len)
{
	sio_binpending *b = calloc(1, sizeof(*b));
	char *text = b ? malloc(len + 1) : NULL;
	if (!text) {
		free(b);
		sio_client_close(c, "out of memory");
		return;
	}
	memcpy(text, data, len);
	b->text = text;
	b->len = len;
	sio_packet_init(&b->pkt);
	c->bin = b;
	if (sio_packet_decode(b->text, len, c->srv->o.max_attachments, &b->pkt) < 0) {
		clear_pending(c);
		sio_client_fail(c, "parse error");
	}
}

/* A msgpack server (sio_msgpack.h): every packet is one binary message,
 * its binary values inline; a text message is a parse error, as for
 * node's msgpack Decoder. */
static void on_msgpack(sio_client *c, const char *data, size_t len, bool binary)
{
	if (!binary) {
		sio_client_fail(c, "text message on a msgpack server");
		return;
	}
	sio_mp_in m;
	sio_mp_in_init(&m);
	int r = sio_msgpack_decode(data, len, c->srv->o.max_attachments, &m);
	if (r < 0) {
		base_log(NS, "%s: %s", eio_session_id(c->es), sio_msgpack_strerror(r));
		sio_client_fail(c, "parse error");
	} else {
		route(c, &m.pkt, m.atts, m.natts);
	}
	sio_mp_in_free(&m);
}

void sio_client_on_message(eio_session *es, const char *data, size_t len, bool binary, void *user)
{
	(void)user;
	sio_client *c = eio_session_get_user(es);
	if (!c || c->closed)
		return;
	if (c->srv->o.parser == SIO_PARSER_MSGPACK) {
		on_msgpack(c, data, len, binary);
		return;
	}
	if (binary) {
		on_attachment(c, data, len);
		return;
	}
	if (c->bin) {
		sio_client_fail(c, "text packet while awaiting attachments");
		return;
	}
	sio_packet p;
	sio_packet_init(&p);
	int r = sio_packet_decode(data, len, c->srv->o.max_attachments, &p);
	if (r < 0) {
		sio_packet_free(&p);
		base_log(NS, "%s: %s", eio_session_id(es), sio_packet_strerror(r));
		sio_client_fail(c, "parse error");
		return;
	}
	if (p.attachments > 0) {
		sio_packet_free(&p);
		await_attachments(c, data, len);
		return;
	}
	route(c, &p, NULL, 0);
	sio_packet_free(&p);
}
