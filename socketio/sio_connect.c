/* sio_connect.c - a client's CONNECT to a namespace (Socket.IO v5,
 * "Connection to a namespace").
 *
 * The namespace is found (or, for a name a dynamic parent accepts,
 * created), then the namespace's middleware runs in order; each one may
 * accept, refuse with {message, data} (the client's connect_error), or,
 * when asynchronous, finish later through sio_next. Until then the socket
 * is in the client's list but not connected: a second CONNECT to the same
 * namespace closes the connection, and events for it are refused.
 */
#include "base/log.h"
#include "sio_internal.h"

#include <stdlib.h>
#include <string.h>

#define NS "socketio:connect"

static void send_connect_error(sio_client *c, const sio_namespace *nsp, const char *nsp_name,
                               size_t nsp_len, const char *message, const char *data)
{
	(void)nsp;
	base_buf b;
	base_buf_init(&b);
	if (sio_packet_encode_connect_error(&b, nsp_name, nsp_len, message, data) == 0)
		sio_client_send_buf(c, &b);
	else
		base_buf_free(&b);
}

static void refuse_socket(sio_socket *s, const char *message, const char *data)
{
	sio_client *c = s->client;
	base_log(NS, "%s: refused on %s: %s", eio_session_id(c->es), s->nsp->name, message);
	send_connect_error(c, s->nsp, s->nsp->name, s->nsp->name_len,
	                   message ? message : "Not authorized", data);
	sio_client_remove_socket(c, s);
	sio_socket_free(s);
}

/* All middleware accepted: the socket joins the namespace and its own room,
 * the CONNECT answer is queued, then the connection callback runs, so what
 * it emits arrives after the answer (node's order). */
static void finish(sio_socket *s)
{
	sio_client *c = s->client;
	sio_namespace *nsp = s->nsp;
	/* The connection closed while middleware ran: nobody to answer, and
	 * the application must not see the socket (node's Namespace#_add). */
	if (!eio_session_open(c->es)) {
		sio_client_remove_socket(c, s);
		sio_socket_free(s);
		return;
	}
	s->connected = true;
	if (base_map_put(&nsp->sockets, s->id, s) < 0 || sio_rooms_join(s, s->id) < 0) {
		s->connected = false;
		base_map_del(&nsp->sockets, s->id);
		sio_rooms_leave_all(s);
		refuse_socket(s, "Internal server error", NULL);
		return;
	}
	base_timers_cancel(&c->srv->timers, 0, &c->connect_link);
	base_buf b;
	base_buf_init(&b);
	if (sio_packet_encode_connect_ok(&b, nsp->name, nsp->name_len, s->id) == 0)
		sio_client_send_buf(c, &b);
	else
		base_buf_free(&b);
	if (nsp->on_connection)
		nsp->on_connection(s, nsp->on_connection_user);
}

static void run_middleware(sio_socket *s)
{
	sio_namespace *nsp = s->nsp;
	while (s->mw_next < nsp->nmw) {
		sio_mw *m = &nsp->mw[s->mw_next++];
		if (m->fn) {
			const char *msg = NULL, *data = NULL;
			if (m->fn(s, &msg, &data, m->user) != 0) {
				refuse_socket(s, msg, data);
				return;
			}
			continue;
		}
		sio_next *next = malloc(sizeof(*next));
		if (!next) {
			refuse_socket(s, "Internal server error", NULL);
			return;
		}
		next->s = s;
		s->next = next;
		m->afn(s, next, m->user); /* continues in sio_next_accept/refuse */
		return;
	}
	finish(s);
}

void sio_next_accept(sio_next *next)
{
	sio_socket *s = next->s;
	free(next);
	if (!s)
		return;
	s->next = NULL;
	run_middleware(s);
}

void sio_next_refuse(sio_next *next, const char *message, const char *data_json)
{
	sio_socket *s = next->s;
	free(next);
	if (!s)
		return;
	s->next = NULL;
	refuse_socket(s, message, data_json);
}

/* A child of a dynamic parent: a real namespace with the parent's
 * middleware and connection callback as they are now. */
static sio_namespace *match_dynamic(sio_client *c, const sio_packet *p)
{
	sio_server *srv = c->srv;
	char name[256];
	if (srv->nparents == 0 || p->nsp_len >= sizeof(name))
		return NULL;
	memcpy(name, p->nsp, p->nsp_len);
	name[p->nsp_len] = '\0';
	char *auth = NULL;
	if (p->data_len && !(auth = strndup(p->data, p->data_len)))
		return NULL;
	sio_namespace *child = NULL;
	for (size_t i = 0; i < srv->nparents && !child; i++) {
		sio_namespace *par = srv->parents[i];
		if (!par->match(name, auth ? auth : "{}", par->match_user))
			continue;
		if (!(child = sio_namespace_new(srv, name)))
			break;
		child->parent = par;
		child->on_connection = par->on_connection;
		child->on_connection_user = par->on_connection_user;
		for (size_t k = 0; k < par->nhandlers; k++)
			sio_handler_add(&child->handlers, &child->nhandlers, par->handlers[k].event,
			                par->handlers[k].fn, par->handlers[k].user);
		if (par->nfilters &&
		    (child->filters = malloc(par->nfilters * sizeof(sio_filter)))) {
			memcpy(child->filters, par->filters, par->nfilters * sizeof(sio_filter));
			child->nfilters = par->nfilters;
		}
		if (par->nmw && (child->mw = malloc(par->nmw * sizeof(sio_mw)))) {
			memcpy(child->mw, par->mw, par->nmw * sizeof(sio_mw));
			child->nmw = par->nmw;
		}
	}
	free(auth);
	return child;
}

void sio_connect_begin(sio_client *c, const sio_packet *p)
{
	sio_namespace *nsp = sio_namespace_find(c->srv, p->nsp, p->nsp_len);
	if (!nsp)
		nsp = match_dynamic(c, p);
	if (!nsp) {
		send_connect_error(c, NULL, p->nsp, p->nsp_len, "Invalid namespace", NULL);
		return;
	}
	if (sio_client_socket(c, nsp)) {
		sio_client_close(c, "second CONNECT to a joined namespace");
		return;
	}
	sio_socket *s = sio_socket_new(nsp, c, p);
	if (!s || sio_client_add_socket(c, s) < 0) {
		if (s)
			sio_socket_free(s);
		send_connect_error(c, nsp, p->nsp, p->nsp_len, "Internal server error", NULL);
		return;
	}
	run_middleware(s);
}
