/* sio_server.c - the Socket.IO server: namespaces, clients, packet routing.
 *
 * One client per Engine.IO session. Every Engine.IO message is one
 * Socket.IO packet, or one binary attachment of the packet before it (spec
 * "Packet encoding", "Binary"). The connection is closed, as the spec and
 * node's Client require, on: a packet that does not decode, a packet for a
 * namespace the client has not joined, a second CONNECT to a joined
 * namespace, a CONNECT_ERROR from the client, text while attachments are
 * awaited, a stray binary message, and no CONNECT within connectTimeout.
 */
#include "base/log.h"
#include "sio_internal.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define NS "socketio:client"

void sio_options_init(sio_options *o)
{
	memset(o, 0, sizeof(*o));
	eio_options_init(&o->eio);
	o->connect_timeout_ms = 45000;
	o->max_attachments = SIO_PKT_DEFAULT_MAX_ATTACHMENTS;
}

/* ---- namespaces ---------------------------------------------------------------- */

sio_namespace *sio_namespace_find(sio_server *srv, const char *name, size_t len)
{
	for (size_t i = 0; i < srv->nnsps; i++) {
		sio_namespace *n = srv->nsps[i];
		if (n->name_len == len && memcmp(n->name, name, len) == 0)
			return n;
	}
	return NULL;
}

sio_namespace *sio_of(sio_server *srv, const char *name)
{
	if (!name || name[0] != '/')
		return NULL;
	sio_namespace *n = sio_namespace_find(srv, name, strlen(name));
	if (n)
		return n;
	return sio_namespace_new(srv, name);
}

sio_namespace *sio_namespace_new(sio_server *srv, const char *name)
{
	sio_namespace *n;
	sio_namespace **nn = realloc(srv->nsps, (srv->nnsps + 1) * sizeof(*nn));
	if (!nn)
		return NULL;
	srv->nsps = nn;
	if (!(n = calloc(1, sizeof(*n))) || !(n->name = strdup(name))) {
		free(n);
		return NULL;
	}
	n->srv = srv;
	n->name_len = strlen(name);
	base_map_init(&n->sockets);
	base_map_init(&n->rooms);
	srv->nsps[srv->nnsps++] = n;
	return n;
}

const char *sio_namespace_name(const sio_namespace *nsp)
{
	return nsp->name;
}
sio_server *sio_namespace_server(const sio_namespace *nsp)
{
	return nsp->srv;
}
size_t sio_namespace_socket_count(const sio_namespace *nsp)
{
	return nsp->sockets.len;
}

static int add_mw(sio_namespace *nsp, sio_mw m)
{
	sio_mw *nm = realloc(nsp->mw, (nsp->nmw + 1) * sizeof(*nm));
	if (!nm)
		return SIO_ENOMEM;
	nsp->mw = nm;
	nsp->mw[nsp->nmw++] = m;
	return 0;
}

int sio_use(sio_namespace *nsp, sio_middleware_fn fn, void *user)
{
	return add_mw(nsp, (sio_mw){ fn, NULL, user });
}

int sio_use_async(sio_namespace *nsp, sio_async_middleware_fn fn, void *user)
{
	return add_mw(nsp, (sio_mw){ NULL, fn, user });
}

sio_namespace *sio_of_dynamic(sio_server *srv, sio_namespace_match_fn match, void *user)
{
	sio_namespace **np = realloc(srv->parents, (srv->nparents + 1) * sizeof(*np));
	if (!np)
		return NULL;
	srv->parents = np;
	sio_namespace *n = calloc(1, sizeof(*n));
	if (!n || !(n->name = strdup("(dynamic)"))) {
		free(n);
		return NULL;
	}
	n->srv = srv;
	n->match = match;
	n->match_user = user;
	srv->parents[srv->nparents++] = n;
	return n;
}

void sio_server_namespaces(sio_server *srv, sio_namespace_fn fn, void *user)
{
	for (size_t i = 0; i < srv->nnsps; i++)
		fn(srv->nsps[i], user);
}

sio_namespace *sio_namespace_parent(const sio_namespace *nsp)
{
	return nsp->parent;
}

void sio_on_connection(sio_namespace *nsp, sio_connection_fn fn, void *user)
{
	nsp->on_connection = fn;
	nsp->on_connection_user = user;
}

/* ---- sending ------------------------------------------------------------------- */

void sio_client_send_packet(sio_client *c, eio_msg *text, eio_msg *const *atts, int natts)
{
	if (c->closed)
		return;
	if (eio_session_send(c->es, text) < 0)
		return;
	for (int i = 0; i < natts; i++)
		eio_session_send(c->es, atts[i]);
}

void sio_client_send_buf(sio_client *c, base_buf *b)
{
	eio_msg *m = eio_msg_text(b->data, b->len);
	if (m) {
		sio_client_send_packet(c, m, NULL, 0);
		eio_msg_unref(m);
	}
	base_buf_free(b);
}

/* ---- client lifecycle ---------------------------------------------------------- */

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

void sio_client_remove_socket(sio_client *c, sio_socket *s)
{
	for (size_t i = 0; i < c->nsockets; i++) {
		if (c->sockets[i] == s) {
			c->sockets[i] = c->sockets[--c->nsockets];
			break;
		}
	}
}

void sio_client_close(sio_client *c, const char *why)
{
	base_log(NS, "%s: closing connection: %s", eio_session_id(c->es), why);
	eio_session_close(c->es);
}

void sio_disconnect(sio_socket *s, bool close_transport)
{
	if (!s->connected)
		return;
	sio_client *c = s->client;
	base_buf b;
	base_buf_init(&b);
	if (sio_packet_encode_disconnect(&b, s->nsp->name, s->nsp->name_len) == 0)
		sio_client_send_buf(c, &b);
	else
		base_buf_free(&b);
	sio_socket_cleanup(s, "server namespace disconnect");
	sio_client_remove_socket(c, s);
	sio_socket_free(s);
	if (close_transport)
		eio_session_close(c->es);
}

/* connectTimeout: one deadline list per server (the duration is fixed). */
static void on_connect_timeout(base_timers *t, int list, base_tlink *link)
{
	(void)t;
	(void)list;
	sio_client *c = (sio_client *)((char *)link - offsetof(sio_client, connect_link));
	if (c->nsockets == 0)
		sio_client_close(c, "no namespace joined within connectTimeout");
}

static void on_engine_connection(eio_server *es, eio_session *s, void *user)
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
}

static void on_engine_close(eio_session *es, const char *reason, void *user)
{
	(void)user;
	sio_client *c = eio_session_get_user(es);
	if (!c)
		return;
	c->closed = true;
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

/* ---- CONNECT ------------------------------------------------------------------- */

sio_socket *sio_client_socket(sio_client *c, const sio_namespace *nsp)
{
	for (size_t i = 0; i < c->nsockets; i++)
		if (c->sockets[i]->nsp == nsp)
			return c->sockets[i];
	return NULL;
}

/* ---- packet routing ------------------------------------------------------------ */

static void route(sio_client *c, const sio_packet *p, eio_msg *const *atts, int natts)
{
	if (p->type == SIO_PKT_CONNECT) {
		sio_connect_begin(c, p);
		return;
	}
	if (p->type == SIO_PKT_CONNECT_ERROR) {
		sio_client_close(c, "CONNECT_ERROR from the client");
		return;
	}
	sio_namespace *nsp = sio_namespace_find(c->srv, p->nsp, p->nsp_len);
	sio_socket *s = nsp ? sio_client_socket(c, nsp) : NULL;
	if (!s || !s->connected) {
		sio_client_close(c, "packet for a namespace not joined");
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

static void on_engine_message(eio_session *es, const char *data, size_t len, bool binary,
                              void *user)
{
	(void)user;
	sio_client *c = eio_session_get_user(es);
	if (!c || c->closed)
		return;
	if (binary) {
		sio_binpending *b = c->bin;
		if (!b) {
			sio_client_close(c, "unexpected binary message");
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
		return;
	}
	if (c->bin) {
		sio_client_close(c, "text packet while awaiting attachments");
		return;
	}
	sio_packet p;
	sio_packet_init(&p);
	int r = sio_packet_decode(data, len, c->srv->o.max_attachments, &p);
	if (r < 0) {
		sio_packet_free(&p);
		base_log(NS, "%s: %s", eio_session_id(es), sio_packet_strerror(r));
		sio_client_close(c, "parse error");
		return;
	}
	if (p.attachments > 0) {
		/* Keep the text: the packet's slices point into it. */
		sio_packet_free(&p);
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
			sio_client_close(c, "parse error");
		}
		return;
	}
	route(c, &p, NULL, 0);
	sio_packet_free(&p);
}

/* ---- server -------------------------------------------------------------------- */

sio_server *sio_server_new(eio_listener *l, const sio_options *o, int *err)
{
	sio_server *srv = calloc(1, sizeof(*srv));
	if (!srv) {
		*err = SIO_ENOMEM;
		return NULL;
	}
	srv->o = *o;
	srv->adapter = &sio_memory_adapter;
	eio_callbacks cb = {
		.on_connection = on_engine_connection,
		.on_message = on_engine_message,
		.on_close = on_engine_close,
	};
	srv->eio = eio_server_new(l, &o->eio, &cb, srv, err);
	if (!srv->eio || !sio_of(srv, "/")) {
		free(srv);
		return NULL;
	}
	base_timers_init(&srv->timers, eio_server_loop(srv->eio), on_connect_timeout);
	base_timers_set_ms(&srv->timers, 0, o->connect_timeout_ms);
	return srv;
}

eio_server *sio_server_engine(sio_server *srv)
{
	return srv->eio;
}

int sio_server_set_adapter(sio_server *srv, const sio_adapter_ops *ops)
{
	for (size_t i = 0; i < srv->nnsps; i++)
		if (srv->nsps[i]->sockets.len > 0)
			return SIO_EINVAL;
	if (!ops || !ops->join || !ops->leave || !ops->leave_all || !ops->in_room || !ops->each)
		return SIO_EINVAL;
	srv->adapter = ops;
	return 0;
}

void **sio_namespace_adapter_data(sio_namespace *nsp)
{
	return &nsp->adapter_data;
}

void sio_server_close(sio_server *srv)
{
	eio_server_close_all(srv->eio);
}

void sio_server_free(sio_server *srv)
{
	for (size_t i = 0; i < srv->nnsps; i++) {
		sio_namespace *n = srv->nsps[i];
		base_map_free(&n->sockets);
		base_map_free(&n->rooms);
		sio_handlers_free(n->handlers, n->nhandlers);
		free(n->filters);
		free(n->mw);
		free(n->name);
		free(n);
	}
	free(srv->nsps);
	for (size_t i = 0; i < srv->nparents; i++) {
		sio_handlers_free(srv->parents[i]->handlers, srv->parents[i]->nhandlers);
		free(srv->parents[i]->filters);
		free(srv->parents[i]->mw);
		free(srv->parents[i]->name);
		free(srv->parents[i]);
	}
	free(srv->parents);
	/* The timer handle lives in srv: let the loop see it closed first. */
	uv_loop_t *loop = srv->timers.timer.loop;
	base_timers_close(&srv->timers, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
	free(srv);
}
