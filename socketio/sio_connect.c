/* sio_connect.c - a client's CONNECT to a namespace (Socket.IO v5,
 * "Connection to a namespace").
 *
 * The namespace is found (or, for a name a dynamic parent accepts,
 * created), then the namespace's middleware runs in order; each one may
 * accept, refuse with {message, data} (the client's connect_error), or,
 * when asynchronous, finish later through sio_next. Until then the socket
 * is in the client's list but not connected: a second CONNECT to the same
 * namespace closes the connection, and events for it are refused.
 *
 * Clients of Engine.IO v3 (socket.io-client 2.x, Socket.IO protocol v4;
 * eio_session_protocol() == 3) get what node's socket.io 4.8 gives them:
 * they are connected to "/" without asking (sio_client.c), their CONNECT
 * carries the auth as a query string in the namespace ("0/nsp?k=v,":
 * client.js _parseNamespace), the answer has no payload ("0/nsp,":
 * socket.js _onconnect), and a refusal is an ERROR packet whose payload is
 * the refusal's data, else its message (namespace.js _add).
 */
#include "base/log.h"
#include "sio_internal.h"

#include <stdlib.h>
#include <string.h>

#define NS "socketio:connect"

static bool is_v3(const sio_client *c)
{
	return eio_session_protocol(c->es) == 3;
}

/* A v3 client's refusal: "4<nsp,><data or \"message\">". */
static int encode_v3_error(base_buf *b, const char *nsp, size_t nsp_len, const char *message,
                           const char *data)
{
	int rc = sio_packet_encode_header(b, SIO_PKT_CONNECT_ERROR, nsp, nsp_len, -1, 0);
	if (rc)
		return rc;
	if (data)
		return base_buf_append(b, data, strlen(data));
	return base_json_put_str(b, message, strlen(message));
}

static void send_connect_error(sio_client *c, const sio_namespace *nsp, const char *nsp_name,
                               size_t nsp_len, const char *message, const char *data)
{
	base_buf b;
	base_buf_init(&b);
	int rc = nsp && is_v3(c)
	                 ? encode_v3_error(&b, nsp_name, nsp_len, message, data)
	                 : sio_packet_encode_connect_error(&b, nsp_name, nsp_len, message, data);
	if (rc == 0)
		sio_client_send_buf(c, &b);
	else
		base_buf_free(&b);
}

/* A refused client with no namespace joined stays connected, as in node,
 * until connectTimeout or its next CONNECT; meanwhile it counts among the
 * handshakes in flight (eio_options.max_pending_handshakes). */
static void refused_pending(sio_client *c)
{
	if (c->nsockets == 0)
		eio_session_set_pending(c->es, true);
}

static void refuse_socket(sio_socket *s, const char *message, const char *data)
{
	sio_client *c = s->client;
	base_log(NS, "%s: refused on %s: %s", eio_session_id(c->es), s->nsp->name, message);
	send_connect_error(c, s->nsp, s->nsp->name, s->nsp->name_len,
	                   message ? message : "Not authorized", data);
	sio_client_remove_socket(c, s);
	sio_socket_free(s);
	refused_pending(c);
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
	int rc = is_v3(c) ? sio_packet_encode_header(&b, SIO_PKT_CONNECT, nsp->name, nsp->name_len,
	                                             -1, 0)
	                  : sio_packet_encode_connect_ok(&b, nsp->name, nsp->name_len, s->id);
	/* Recovery: the session's rooms and data, {sid, pid}, then what the
	 * socket missed, before the connection callback (sio_recovery.c). */
	if (rc == 0 && s->pid)
		rc = sio_recovery_connected(s, &b);
	if (rc == 0)
		sio_client_send_buf(c, &b);
	else
		base_buf_free(&b);
	if (s->restore)
		sio_recovery_replay(s);
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

/* The store answered (sio_recovery.c): a recovered socket skips the
 * middleware when skipMiddlewares says so, as node's Namespace#_add. */
static void resume(sio_socket *s)
{
	if (s->recovered && s->nsp->srv->o.recovery.skip_middlewares)
		finish(s);
	else
		run_middleware(s);
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

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* One form-encoded component q[0..n) as a JSON string ('+' is a space,
 * "%XX" a byte; a '%' not followed by two hex digits stays as it is). */
static int put_component(base_buf *b, char *tmp, const char *q, size_t n)
{
	size_t t = 0;
	for (size_t k = 0; k < n; k++) {
		char ch = q[k];
		if (ch == '+') {
			ch = ' ';
		} else if (ch == '%' && k + 2 < n && hexval(q[k + 1]) >= 0 &&
		           hexval(q[k + 2]) >= 0) {
			ch = (char)(hexval(q[k + 1]) * 16 + hexval(q[k + 2]));
			k += 2;
		}
		tmp[t++] = ch;
	}
	return base_json_put_str(b, tmp, t);
}

/* "k=v&k2=v2" as a JSON object of strings, as node's URLSearchParams gives
 * a v3 client's auth. NULL when out of memory. */
static char *query_to_json(const char *q, size_t n)
{
	base_buf b;
	base_buf_init(&b);
	char *tmp = malloc(n + 1);
	int rc = tmp ? base_buf_putc(&b, '{') : -1;
	bool first = true;
	for (size_t i = 0; !rc && i < n;) {
		const char *amp = memchr(q + i, '&', n - i);
		size_t j = amp ? (size_t)(amp - q) : n;
		if (j > i) {
			const char *eq = memchr(q + i, '=', j - i);
			size_t k = eq ? (size_t)(eq - q) : j;
			if (!first)
				rc = base_buf_putc(&b, ',');
			first = false;
			if (!rc)
				rc = put_component(&b, tmp, q + i, k - i);
			if (!rc)
				rc = base_buf_putc(&b, ':');
			if (!rc)
				rc = put_component(&b, tmp, q + k + (eq ? 1 : 0),
				                   j - k - (eq ? 1 : 0));
		}
		i = j + 1;
	}
	free(tmp);
	if (!rc)
		rc = base_buf_putc(&b, '}');
	if (!rc)
		rc = base_buf_putc(&b, '\0');
	if (rc) {
		base_buf_free(&b);
		return NULL;
	}
	return b.data;
}

static void connect_ns(sio_client *c, const sio_packet *p);

void sio_connect_begin(sio_client *c, const sio_packet *p)
{
	const char *qm = is_v3(c) ? memchr(p->nsp, '?', p->nsp_len) : NULL;
	if (qm) {
		/* v3: "/nsp?query" -> the namespace, with the query as its auth. */
		sio_packet v = *p;
		v.nsp_len = (size_t)(qm - p->nsp);
		char *auth = query_to_json(qm + 1, p->nsp_len - v.nsp_len - 1);
		if (!auth) {
			send_connect_error(c, NULL, v.nsp, v.nsp_len, "Internal server error",
			                   NULL);
			return;
		}
		v.data = auth;
		v.data_len = strlen(auth);
		connect_ns(c, &v);
		free(auth);
		return;
	}
	connect_ns(c, p);
}

static void connect_ns(sio_client *c, const sio_packet *p)
{
	sio_namespace *nsp = sio_namespace_find(c->srv, p->nsp, p->nsp_len);
	if (!nsp)
		nsp = match_dynamic(c, p);
	if (!nsp) {
		send_connect_error(c, NULL, p->nsp, p->nsp_len, "Invalid namespace", NULL);
		refused_pending(c);
		return;
	}
	if (sio_client_socket(c, nsp)) {
		sio_client_fail(c, "second CONNECT to a joined namespace");
		return;
	}
	sio_socket *s = sio_socket_new(nsp, c, p);
	if (!s || sio_client_add_socket(c, s) < 0) {
		if (s)
			sio_socket_free(s);
		send_connect_error(c, nsp, p->nsp, p->nsp_len, "Internal server error", NULL);
		return;
	}
	/* A client coming back with {pid, offset}: the session is looked up
	 * first (node's Namespace#_createSocket), then middleware runs. */
	if (!sio_recovery_begin(s, resume))
		run_middleware(s);
}
