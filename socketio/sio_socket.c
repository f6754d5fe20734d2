/* sio_socket.c - a Socket.IO socket: one client in one namespace.
 *
 * Holds the event handlers, the acknowledgements the server waits for
 * (with their timeout timers) and those the client waits for, and the rooms
 * joined (through the adapter). Spec: Socket.IO protocol v5, "Sending and
 * receiving data" and "Acknowledgement"; disconnect reasons as node's.
 */
#include "base/log.h"
#include "sio_internal.h"
#include "sio_msgpack.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS "socketio:socket"

/* A socket's id (node's socket.ts): random for a v4 client, as the
 * Engine.IO sid is a credential; a v3 client (socket.io-client 2.x) computes
 * its id itself from the Engine.IO sid, "<sid>" in "/" and "<nsp>#<sid>" in
 * another namespace, so the server must use the same. Writes the id into
 * out (size at least id_size()) and returns its length. */
static size_t id_size(const sio_namespace *nsp, const sio_client *c)
{
	if (eio_session_protocol(c->es) != 3)
		return SIO_RANDOM_ID_LEN + 1;
	return nsp->name_len + 1 + strlen(eio_session_id(c->es)) + 1;
}

static size_t make_id(char *out, size_t size, const sio_namespace *nsp, const sio_client *c)
{
	if (eio_session_protocol(c->es) != 3) {
		unsigned char raw[SIO_RANDOM_ID_LEN / 4 * 3];
		randombytes_buf(raw, sizeof(raw));
		sodium_bin2base64(out, size, raw, sizeof(raw),
		                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		return SIO_RANDOM_ID_LEN;
	}
	const char *sid = eio_session_id(c->es);
	if (nsp->name_len == 1)
		return (size_t)snprintf(out, size, "%s", sid);
	return (size_t)snprintf(out, size, "%s#%s", nsp->name, sid);
}

sio_socket *sio_socket_new(sio_namespace *nsp, sio_client *c, const sio_packet *connect)
{
	size_t size = id_size(nsp, c);
	sio_socket *s = calloc(1, sizeof(*s) + size);
	if (!s)
		return NULL;
	s->id_len = make_id(s->id, size, nsp, c);
	s->nsp = nsp;
	s->client = c;
	const char *auth = connect->data_len ? connect->data : "{}";
	size_t alen = connect->data_len ? connect->data_len : 2;
	if (!(s->auth = malloc(alen + 1))) {
		free(s);
		return NULL;
	}
	memcpy(s->auth, auth, alen);
	s->auth[alen] = '\0';
	s->auth_len = alen;
	return s;
}

static void ack_timer_closed(uv_handle_t *h)
{
	free(h);
}

static void pending_ack_free(sio_pending_ack *pa)
{
	if (pa->timer) {
		uv_timer_stop(pa->timer);
		uv_close((uv_handle_t *)pa->timer, ack_timer_closed);
	}
	free(pa);
}

static void remove_pending(sio_socket *s, size_t i)
{
	s->acks[i] = s->acks[--s->nacks];
}

void sio_socket_free(sio_socket *s)
{
	/* Inside one of its own callbacks (a handler that disconnects it):
	 * the dispatcher frees it when the callback returns. */
	if (s->busy > 0) {
		s->free_pending = true;
		return;
	}
	if (s->next)
		s->next->s = NULL; /* an async middleware is still running */
	sio_handlers_free(s->handlers, s->nhandlers);
	free(s->acks);
	free(s->auth);
	free(s->data);
	free(s);
}

/* Leave the namespace: "disconnecting" (rooms still known), leave the rooms,
 * fail the acks still awaited, "disconnect". The caller frees. */
void sio_socket_cleanup(sio_socket *s, const char *reason)
{
	if (!s->connected)
		return;
	base_log(NS, "%s: disconnect (%s)", s->id, reason);
	if (s->on_disconnecting)
		s->on_disconnecting(s, reason, s->on_disconnecting_user);
	s->connected = false;
	sio_rooms_leave_all(s);
	base_map_del(&s->nsp->sockets, s->id);
	while (s->nacks > 0) {
		sio_pending_ack *pa = s->acks[0];
		remove_pending(s, 0);
		pa->cb(s, NULL, "socket has been disconnected", pa->user);
		pending_ack_free(pa);
	}
	for (struct sio_ack *a = s->open_acks; a; a = a->next)
		a->s = NULL;
	s->open_acks = NULL;
	if (s->on_disconnect)
		s->on_disconnect(s, reason, s->on_disconnect_user);
}

/* Server-side disconnect of one namespace (spec "Disconnection from a
 * namespace"): the DISCONNECT packet goes out before the socket leaves. */
void sio_disconnect(sio_socket *s, bool close_transport)
{
	if (!s->connected)
		return;
	sio_client *c = s->client;
	/* A plain WebSocket client has no DISCONNECT packet and no other
	 * namespace: its connection closes (sio_plain.c). */
	bool plain = c->codec != NULL;
	base_buf b;
	base_buf_init(&b);
	if (!plain && sio_packet_encode_disconnect(&b, s->nsp->name, s->nsp->name_len) == 0)
		sio_client_send_buf(c, &b);
	else
		base_buf_free(&b);
	sio_socket_cleanup(s, "server namespace disconnect");
	sio_client_remove_socket(c, s);
	sio_socket_free(s);
	if (close_transport || plain)
		eio_session_close(c->es);
}

/* ---- accessors, handlers ------------------------------------------------------ */

const char *sio_socket_id(const sio_socket *s)
{
	return s->id;
}
sio_namespace *sio_socket_namespace(const sio_socket *s)
{
	return s->nsp;
}
eio_session *sio_socket_session(const sio_socket *s)
{
	return s->client->es;
}
bool sio_socket_connected(const sio_socket *s)
{
	return s->connected;
}
void sio_socket_set_user(sio_socket *s, void *user)
{
	s->user = user;
}
void *sio_socket_get_user(const sio_socket *s)
{
	return s->user;
}

const char *sio_socket_auth(const sio_socket *s, size_t *len)
{
	if (len)
		*len = s->auth_len;
	return s->auth;
}

int sio_socket_set_data(sio_socket *s, const char *json, size_t len)
{
	base_json doc;
	base_json_init(&doc);
	int r = base_json_parse(&doc, json, len);
	base_json_free(&doc);
	if (r < 0)
		return r == BASE_JSON_ENOMEM ? SIO_ENOMEM : SIO_EINVAL;
	char *copy = malloc(len + 1);
	if (!copy)
		return SIO_ENOMEM;
	memcpy(copy, json, len);
	copy[len] = '\0';
	free(s->data);
	s->data = copy;
	s->data_len = len;
	return 0;
}

const char *sio_socket_data(const sio_socket *s, size_t *len)
{
	if (len)
		*len = s->data ? s->data_len : 2;
	return s->data ? s->data : "{}";
}

int sio_handler_add(sio_handler **hs, size_t *n, const char *event, sio_event_fn fn, void *user)
{
	sio_handler *nh = realloc(*hs, (*n + 1) * sizeof(*nh));
	if (!nh)
		return SIO_ENOMEM;
	*hs = nh;
	char *ev = NULL;
	if (event && !(ev = strdup(event)))
		return SIO_ENOMEM;
	(*hs)[(*n)++] = (sio_handler){ ev, fn, user };
	return 0;
}

void sio_handlers_free(sio_handler *hs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(hs[i].event);
	free(hs);
}

int sio_on(sio_socket *s, const char *event, sio_event_fn fn, void *user)
{
	return event ? sio_handler_add(&s->handlers, &s->nhandlers, event, fn, user) : SIO_EINVAL;
}

int sio_on_any(sio_socket *s, sio_event_fn fn, void *user)
{
	return sio_handler_add(&s->handlers, &s->nhandlers, NULL, fn, user);
}

int sio_namespace_on(sio_namespace *nsp, const char *event, sio_event_fn fn, void *user)
{
	return event ? sio_handler_add(&nsp->handlers, &nsp->nhandlers, event, fn, user)
	             : SIO_EINVAL;
}

int sio_namespace_on_any(sio_namespace *nsp, sio_event_fn fn, void *user)
{
	return sio_handler_add(&nsp->handlers, &nsp->nhandlers, NULL, fn, user);
}

int sio_namespace_use_events(sio_namespace *nsp, sio_event_filter_fn fn, void *user)
{
	if (!fn)
		return SIO_EINVAL;
	sio_filter *nf = realloc(nsp->filters, (nsp->nfilters + 1) * sizeof(*nf));
	if (!nf)
		return SIO_ENOMEM;
	nsp->filters = nf;
	nsp->filters[nsp->nfilters++] = (sio_filter){ fn, user };
	return 0;
}

/* true when a filter dropped the event (or the socket went away) */
static bool filtered(sio_socket *s, const char *name, const sio_args *args)
{
	const sio_namespace *nsp = s->nsp;
	for (size_t i = 0; i < nsp->nfilters; i++)
		if (!s->connected || nsp->filters[i].fn(s, name, args, nsp->filters[i].user) != 0)
			return true;
	return !s->connected;
}

void sio_on_disconnecting(sio_socket *s, sio_disconnect_fn fn, void *user)
{
	s->on_disconnecting = fn;
	s->on_disconnecting_user = user;
}

void sio_on_disconnect(sio_socket *s, sio_disconnect_fn fn, void *user)
{
	s->on_disconnect = fn;
	s->on_disconnect_user = user;
}

/* ---- encoding and emitting ------------------------------------------------------ */

/* <type>[<n>-][<nsp>,][<id>][<"event">,<args>]: built once per emit (or
 * broadcast); on a msgpack server the msgpack map (sio_msgpack.c). */
eio_msg *sio_encode_event(int type, const sio_namespace *nsp, int64_t id, const char *event,
                          const sio_out *args)
{
	if (nsp->srv->o.parser == SIO_PARSER_MSGPACK)
		return sio_msgpack_encode_event(type, nsp->name, nsp->name_len, id, event, args);
	int natts = args ? args->natts : 0;
	if (natts > 0)
		type = type == SIO_PKT_EVENT ? SIO_PKT_BINARY_EVENT : SIO_PKT_BINARY_ACK;
	base_buf b;
	base_buf_init(&b);
	int r = sio_packet_encode_header(&b, type, nsp->name, nsp->name_len, id, natts);
	r |= base_buf_putc(&b, '[');
	if (event)
		r |= base_json_put_str(&b, event, strlen(event));
	if (args && args->count > 0) {
		if (event)
			r |= base_buf_putc(&b, ',');
		/* the builder's text starts with the '[' it opened */
		r |= base_buf_append(&b, args->buf.data + 1, args->buf.len - 1);
	}
	r |= base_buf_putc(&b, ']');
	eio_msg *m = r ? NULL : eio_msg_text(b.data, b.len);
	base_buf_free(&b);
	return m;
}

static int emit_packet(sio_socket *s, int type, int64_t id, const char *event, const sio_out *args)
{
	if (!s->connected)
		return SIO_ECLOSED;
	if (args && (args->depth != 0 || base_jsonw_error(&args->w)))
		return SIO_EINVAL; /* an object or array left open, or a failed call */
	if (s->client->codec) {
		/* A plain WebSocket client: events only, framed by its codec,
		 * no acks (sio_plain.c). */
		if (type != SIO_PKT_EVENT || id >= 0)
			return SIO_EINVAL;
		eio_msg *pm = sio_plain_frame(s->client->codec, event, args);
		if (!pm)
			return SIO_EINVAL;
		int r = sio_plain_send(s->client, pm);
		eio_msg_unref(pm);
		return r;
	}
	eio_msg *m = sio_encode_event(type, s->nsp, id, event, args);
	if (!m)
		return SIO_ENOMEM;
	sio_client_send_packet(s->client, m, args ? args->atts : NULL, args ? args->natts : 0);
	eio_msg_unref(m);
	return 0;
}

int sio_emit(sio_socket *s, const char *event, const sio_out *args)
{
	return emit_packet(s, SIO_PKT_EVENT, -1, event, args);
}

static void on_ack_timeout(uv_timer_t *t)
{
	sio_pending_ack *pa = t->data;
	sio_socket *s = pa->s;
	for (size_t i = 0; i < s->nacks; i++) {
		if (s->acks[i] == pa) {
			remove_pending(s, i);
			break;
		}
	}
	pa->cb(s, NULL, "operation has timed out", pa->user);
	pending_ack_free(pa);
}

/* Wait for the client's ACK with this id (ids are per namespace, as in node,
 * so a broadcast can ask every recipient with one encoding). */
int sio_socket_expect_ack(sio_socket *s, int64_t id, unsigned timeout_ms, sio_ack_fn cb, void *user)
{
	sio_pending_ack *pa = calloc(1, sizeof(*pa));
	sio_pending_ack **na = realloc(s->acks, (s->nacks + 1) * sizeof(*na));
	if (!pa || !na) {
		free(pa);
		if (na)
			s->acks = na;
		return SIO_ENOMEM;
	}
	s->acks = na;
	pa->id = id;
	pa->cb = cb;
	pa->user = user;
	pa->s = s;
	if (timeout_ms > 0) {
		pa->timer = malloc(sizeof(*pa->timer));
		if (!pa->timer) {
			free(pa);
			return SIO_ENOMEM;
		}
		uv_timer_init(eio_server_loop(s->nsp->srv->eio), pa->timer);
		pa->timer->data = pa;
		uv_timer_start(pa->timer, on_ack_timeout, timeout_ms, 0);
	}
	s->acks[s->nacks++] = pa;
	return 0;
}

int sio_emit_with_ack(sio_socket *s, const char *event, const sio_out *args, unsigned timeout_ms,
                      sio_ack_fn cb, void *user)
{
	if (!s->connected)
		return SIO_ECLOSED;
	int64_t id = s->nsp->next_ack_id++;
	int r = emit_packet(s, SIO_PKT_EVENT, id, event, args);
	if (r < 0)
		return r;
	return sio_socket_expect_ack(s, id, timeout_ms, cb, user);
}

/* ---- acks the client asked for ------------------------------------------------- */

int sio_ack_send(sio_ack *ack, const sio_out *args)
{
	if (ack->done)
		return SIO_EINVAL;
	ack->done = true;
	int r = ack->s ? emit_packet(ack->s, SIO_PKT_ACK, ack->id, NULL, args) : SIO_ECLOSED;
	if (ack->retained)
		sio_ack_drop(ack);
	return r;
}

void sio_ack_retain(sio_ack *ack)
{
	ack->retained = true;
}

static void unlink_ack(sio_ack *ack)
{
	if (!ack->s)
		return;
	for (struct sio_ack **p = &ack->s->open_acks; *p; p = &(*p)->next) {
		if (*p == ack) {
			*p = ack->next;
			break;
		}
	}
	ack->s = NULL;
}

void sio_ack_drop(sio_ack *ack)
{
	/* Inside the handler that received it: the dispatcher frees it. */
	if (ack->in_handler) {
		ack->retained = false;
		return;
	}
	unlink_ack(ack);
	free(ack);
}

/* ---- incoming packets ------------------------------------------------------------ */

static void release(sio_socket *s)
{
	if (--s->busy == 0 && s->free_pending)
		sio_socket_free(s);
}

/* The event name: the first array element, a string (unescaped) or a
 * number (its JSON text, as node's parser allows). Any length. */
static char *event_name(const base_json *doc, int tok, char *buf, size_t cap, char **heap)
{
	size_t nl = 0;
	*heap = NULL;
	if (base_json_type(doc, tok) == BASE_JSON_STRING) {
		if (base_json_str_unescape(doc, tok, buf, cap - 1, &nl) == 0) {
			buf[nl] = '\0';
			return buf;
		}
		return base_json_str_dup(doc, tok, heap, &nl) == 0 ? *heap : NULL;
	}
	const char *raw = base_json_raw(doc, tok, &nl);
	char *dst = nl < cap ? buf : (*heap = malloc(nl + 1));
	if (!dst)
		return NULL;
	memcpy(dst, raw, nl);
	dst[nl] = '\0';
	return dst;
}

/* Pass 0 runs the catch-all handlers, pass 1 those for this event. */
static void run_handlers(sio_socket *s, const sio_handler *hs, size_t n, int pass, const char *name,
                         const sio_args *args, sio_ack *ack)
{
	for (size_t i = 0; i < n && s->connected; i++) {
		const sio_handler *h = &hs[i];
		if (pass == 0 ? !h->event : (h->event && strcmp(h->event, name) == 0))
			h->fn(s, name, args, ack, h->user);
	}
}

static void dispatch_event(sio_socket *s, const sio_packet *p, eio_msg *const *atts, int natts)
{
	char buf[256], *heap;
	char *name = event_name(&p->doc, base_json_root(&p->doc) + 1, buf, sizeof(buf), &heap);
	if (!name)
		return;
	sio_args args;
	sio_args_init(&args, p, true, atts, natts);
	struct sio_ack *ack = NULL;
	if (p->id >= 0 && (ack = calloc(1, sizeof(*ack)))) {
		ack->s = s;
		ack->id = p->id;
		ack->in_handler = true;
		ack->next = s->open_acks;
		s->open_acks = ack;
	}
	/* Catch-all handlers first, then the event's own (node runs onAny
	 * listeners before the others). Handlers may disconnect the socket:
	 * stop calling them when it is, and keep it allocated until they have
	 * all returned. */
	s->busy++;
	bool drop = filtered(s, name, &args);
	for (int pass = 0; pass < 2 && !drop; pass++) {
		run_handlers(s, s->nsp->handlers, s->nsp->nhandlers, pass, name, &args, ack);
		run_handlers(s, s->handlers, s->nhandlers, pass, name, &args, ack);
	}
	sio_args_release(&args);
	free(heap);
	if (ack) {
		ack->in_handler = false;
		if (!ack->retained)
			sio_ack_drop(ack);
	}
	release(s);
}

static void dispatch_ack(sio_socket *s, const sio_packet *p, eio_msg *const *atts, int natts)
{
	for (size_t i = 0; i < s->nacks; i++) {
		sio_pending_ack *pa = s->acks[i];
		if (pa->id != p->id)
			continue;
		remove_pending(s, i);
		sio_args args;
		sio_args_init(&args, p, false, atts, natts);
		s->busy++;
		pa->cb(s, &args, NULL, pa->user);
		sio_args_release(&args);
		pending_ack_free(pa);
		release(s);
		return;
	}
	/* An ACK with an unknown id is ignored (node does the same). */
}

void sio_socket_on_packet(sio_socket *s, const sio_packet *p, eio_msg *const *atts, int natts)
{
	switch (p->type) {
	case SIO_PKT_EVENT:
	case SIO_PKT_BINARY_EVENT:
		dispatch_event(s, p, atts, natts);
		break;
	case SIO_PKT_ACK:
	case SIO_PKT_BINARY_ACK:
		dispatch_ack(s, p, atts, natts);
		break;
	default:
		break;
	}
}
