/* net_router.c - the one libwebsockets callback, and the mounts it routes to.
 *
 * A request goes to the handler mounted on its path prefix (first match, as
 * node matches "/engine.io/" against "/engine.io/?EIO=4..."); once a handler
 * has taken it (h->ops), its body, WRITEABLE, release and hang-up go to that
 * owner. Paths nothing is mounted on go to the plain HTTP application
 * (net_app.c), or get 404. WebSocket upgrades are routed the same way:
 * ws_check before the upgrade, ws_open after it, then the connection's
 * events go to its owner (ws->ops).
 *
 * Both lws protocols ("http" and "net-ws") share this callback, because lws
 * delivers some HTTP-phase reasons (FILTER_HTTP_CONNECTION, CONFIRM_UPGRADE)
 * to the default WebSocket protocol on a fresh connection and to
 * protocols[0] after a keep-alive transaction (docs/engineio.md, pitfall 4).
 */
#include "base/log.h"
#include "net_internal.h"

#include <stdlib.h>
#include <string.h>

#define NS "engineio:http"

/* The "ws" protocol's buffers: tx_packet_size, or every send() is capped at
 * rx_buffer_size (docs/engineio.md, pitfall 7). rx_buffer_size is allocated
 * by lws for every connection; lws reads nothing of an established
 * WebSocket (net_wsread.c reads it, 64 KiB per wakeup into one buffer per
 * listener), so it is tiny (docs/performance.md, "Memory"). */
static int net_lws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                            size_t len);

const struct lws_protocols net_protocols[] = {
	{ "http", net_lws_callback, sizeof(net_http), 0, 0, NULL, 0 },
	{ "net-ws", net_lws_callback, sizeof(net_ws), NET_WS_LWS_RX, 0, NULL, NET_WBUF_CAP + 16 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

int net_listener_mount(net_listener *l, const net_mount *m)
{
	const net_mount **nm = realloc(l->mounts, (l->nmounts + 1) * sizeof(*nm));
	if (!nm)
		return NET_ENOMEM;
	l->mounts = nm;
	l->mounts[l->nmounts++] = m;
	return 0;
}

int net_listener_set_unrouted_upgrade(net_listener *l, int status, const char *body)
{
	char *b = strdup(body);
	if (!b)
		return NET_ENOMEM;
	free(l->unrouted_body);
	l->unrouted_body = b;
	l->unrouted_status = status;
	return 0;
}

static const net_mount *route(const net_listener *l, const char *path)
{
	for (size_t i = 0; i < l->nmounts; i++) {
		const net_mount *m = l->mounts[i];
		if (strncmp(path, m->path, m->path_len) == 0)
			return m;
	}
	return NULL;
}

/* ---- HTTP requests ------------------------------------------------------------ */

static void on_http_request(net_listener *l, net_http *h, const char *path)
{
	const net_mount *m = route(l, path);
	if (!m) {
		if (!net_app_begin(l, h, path))
			net_http_respond(h, 404, "text/plain", "Not Found", 9);
		return;
	}
	h->cors = m->cors;
	net_request_peek_header(h->wsi, WSI_TOKEN_ORIGIN, h->origin, sizeof(h->origin));
	/* CORS preflight, answered before any check of the handler. */
	if (m->cors && m->cors->origins && net_http_method(h) == NET_OPTIONS) {
		if (m->preflight)
			m->preflight(h, path, m->user);
		net_cors_preflight(h);
		return;
	}
	m->http(h, path, m->user);
}

/* ---- pipelined requests ----------------------------------------------------- */

/* libwebsockets 4.1 mis-parses a request with a body that it takes from its
 * own buffer of already-read input, i.e. one the client pipelined behind an
 * earlier request on the same keep-alive connection: the headers parse, but
 * the body it hands over starts at the beginning of the buffered segment
 * (the request's own request line, "POST /socket.io/?...") and the real body
 * stays buffered, where lws later takes it for the next request's headers
 * (docs/engineio.md, pitfall 12). Acting on that body would deliver garbage,
 * answer a spurious 400 and leave the connection re-offering its buffer to
 * the parser forever (a busy loop that stalls every client). The mis-parse
 * is recognised by its signature, a first body chunk that is a prefix of
 * "<METHOD> <path>": no Engine.IO payload starts with a letter, and a plain
 * HTTP body equal to its own request line is not a real request. The
 * connection is then closed without answering that request; the requests
 * before it were already answered, as HTTP/1.1 allows (RFC 9112, 9.3.2: a
 * client must be ready to retry unanswered pipelined requests after a
 * close). */
static const char *method_token(struct lws *wsi)
{
	static const struct {
		int tok;
		const char *name;
	} m[] = {
		{ WSI_TOKEN_POST_URI, "POST " },   { WSI_TOKEN_PUT_URI, "PUT " },
		{ WSI_TOKEN_PATCH_URI, "PATCH " }, { WSI_TOKEN_DELETE_URI, "DELETE " },
		{ WSI_TOKEN_GET_URI, "GET " },     { WSI_TOKEN_OPTIONS_URI, "OPTIONS " },
	};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (lws_hdr_total_length(wsi, (enum lws_token_indexes)m[i].tok))
			return m[i].name;
	return NULL;
}

static bool body_is_own_request_line(struct lws *wsi, const char *in, size_t len)
{
	const char *method = method_token(wsi);
	if (!method || len == 0)
		return false;
	size_t ml = strlen(method);
	if (memcmp(in, method, len < ml ? len : ml) != 0)
		return false;
	return len <= ml || in[ml] == '/' || in[ml] == '*' || in[ml] == 'h';
}

/* Drop every link to this request data: lws is about to free or re-bind it
 * (docs/engineio.md, pitfall 4). The owner's release comes after its write and hang-up watch
 * are gone, so it never sees its request flushed or reported later. */
static void http_release(net_http *h)
{
	net_keepalive_stop(h);
	net_http_unmark(h);
	net_http_unpark(h);
	const net_http_ops *ops = h->ops;
	h->ops = NULL;
	if (ops && ops->release)
		ops->release(h);
	net_http_body_free(h);
	net_http_body_drop(h);
}

/* Close this connection now without answering its current request; its
 * owner forgets it as if it had never come (ops->forget). */
static int drop_misparsed_request(net_http *h)
{
	base_log(NS, "pipelined request with a body: closing the connection");
	if (h->ops && h->ops->forget)
		h->ops->forget(h);
	return -1;
}

static int on_body_completion(net_http *h)
{
	/* lws 4.1 repeats the completion, once per loop turn, while input
	 * pipelined behind the body waits and the answer is not written yet
	 * (it would re-parse that input wrongly after the answer): write the
	 * answer now if it is ready, and close. A completion without a
	 * request (the data was re-bound) has no answer to wait for. */
	if (!h->wsi)
		return -1;
	if (h->body_done) {
		h->close_after = true;
		if (h->status && !lws_partial_buffered(h->wsi))
			return net_http_write_response(h);
		return 0;
	}
	h->body_done = true;
	if (!h->ops || !h->ops->body_done)
		return 0;
	if (!h->ops->body_done(h))
		return 0;
	/* The answer goes now, not on WRITEABLE: asking for POLLOUT costs
	 * two poll-set changes and a loop turn. */
	if (h->status && !lws_partial_buffered(h->wsi))
		return net_http_write_response(h);
	if (h->status)
		lws_callback_on_writable(h->wsi);
	return 0;
}

/* ---- request framing ---------------------------------------------------------- */

static void body_data(net_http *h, const char *in, size_t len)
{
	if (h->ops && h->ops->body)
		h->ops->body(h, in, len);
}

/* A request whose framing is refused (net_http_read_framing), or whose
 * chunked body is malformed or too large: answered, never routed further,
 * and the connection closed, as what follows cannot be framed. The owner, if
 * one took it, is released when lws drops it (ops->release). */
static void refuse_framing(net_http *h, int status)
{
	static const char *const reason[] = { "Bad Request", "Payload Too Large",
		                              "Not Implemented" };
	const char *r = reason[status == 413 ? 1 : status == 501 ? 2 : 0];
	base_log(NS, "request framing refused: %d", status);
	h->close_after = true;
	h->body_done = true; /* nothing more of its body is read */
	net_http_body_drop(h);
	net_http_respond(h, status, "text/plain", r, strlen(r));
}

/* lws reads a chunked body (or a body-less POST) as up to 100 MiB of raw
 * bytes and would discard that much after the answer (pitfall 16), so the
 * connection cannot carry another request: it closes after the answer. */
static int on_chunked_body(net_http *h, const char *in, size_t len)
{
	int r = net_chunked_feed(h, in, len, body_data);
	if (r < 0) {
		refuse_framing(h, 400);
		return 0;
	}
	if (r == 0)
		return 0;
	h->body_whole = true;
	return on_body_completion(h);
}

static int on_http(net_listener *l, net_http *h, const char *path)
{
	net_http_read_connection(h);
	int refused = net_http_read_framing(h);
	if (refused) {
		refuse_framing(h, refused);
		return 0;
	}
	if (h->chunked || h->no_body)
		h->close_after = true; /* pitfall 16 */
	on_http_request(l, h, path);
	/* A POST, PUT or PATCH without a body (RFC 9112 section 6.3, rule 7):
	 * its (empty) body is complete now, not after 100 MiB. */
	if (h->no_body)
		return on_body_completion(h);
	return 0;
}

/* ---- WebSocket upgrades ------------------------------------------------------- */

static const net_mount *route_upgrade(net_listener *l, struct lws *wsi, char *path, int len)
{
	if (lws_hdr_copy(wsi, path, len, WSI_TOKEN_GET_URI) <= 0)
		return NULL;
	return route(l, path);
}

static int confirm_upgrade(net_listener *l, struct lws *wsi)
{
	char path[512];
	const net_mount *m = route_upgrade(l, wsi, path, sizeof(path));
	if (!m || !m->ws_check) {
		const char *b = l->unrouted_body ? l->unrouted_body : "Bad Request";
		return net_ws_refuse(wsi, l->unrouted_body ? l->unrouted_status : 400,
		                     "application/json", b, strlen(b));
	}
	return m->ws_check(wsi, path, m->user);
}

static int ws_established(net_listener *l, struct lws *wsi, net_ws *ws)
{
	char path[512];
	const net_mount *m = route_upgrade(l, wsi, path, sizeof(path));
	return net_ws_open(l, wsi, ws, m, path);
}

/* ---- the callback ----------------------------------------------------------- */

/* Whether wsi is bound to net_protocols[i]. lws binds connections to its
 * vhost's own copy of the protocols array, so lws_get_protocol() never
 * returns &net_protocols[i]: the protocols are told apart by name
 * (docs/engineio.md, pitfall 4). */
static bool bound_to(struct lws *wsi, int i)
{
	const struct lws_protocols *p = lws_get_protocol(wsi);
	return p && p->name && strcmp(p->name, net_protocols[i].name) == 0;
}

static int net_lws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                            size_t len)
{
	struct lws_context *ctx = lws_get_context(wsi);
	net_listener *l = ctx ? lws_context_user(ctx) : NULL;
	net_http *h = user;
	int r;

	switch ((int)reason) {
	case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
		/* Its first request head is measured before lws reads it. */
		if (l && !l->closing)
			net_head_accepted(&l->heads, wsi);
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		if (l)
			net_head_gone(&l->heads, wsi);
		return 0;

	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		/* `user` is not ours here: the WebSocket data does not exist yet. */
		net_head_gone(&l->heads, wsi);
		return confirm_upgrade(l, wsi);

	case LWS_CALLBACK_ESTABLISHED:
		/* A client that offered "http" as its subprotocol is bound to
		 * the HTTP protocol, whose data is not a net_ws: refused. */
		if (!net_subproto_is_ws(wsi))
			return -1;
		return ws_established(l, wsi, user);
	case LWS_CALLBACK_RECEIVE:
	case LWS_CALLBACK_RECEIVE_PONG:
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		/* net reads an established WebSocket itself (net_wsread.c): what
		 * lws parsed is bytes a client sent behind its upgrade request,
		 * before the answer (RFC 6455 section 4.1 forbids it). */
		return -1;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return net_ws_writeable(user);
	case LWS_CALLBACK_CLOSED:
		net_ws_closed(user);
		return 0;

	case LWS_CALLBACK_HTTP:
		net_head_gone(&l->heads, wsi);
		net_keepalive_stop(h);
		net_http_unmark(h);
		memset(h, 0, sizeof(*h));
		h->wsi = wsi;
		h->l = l;
		r = on_http(l, h, (const char *)in);
		/* Its body, when it has one, is due within the body timeout
		 * (net_deadline.c). */
		if (r == 0 && h->body_pending && !h->body_done && !h->close_sent)
			net_body_deadline_arm(h);
		return r;

	case LWS_CALLBACK_HTTP_BODY:
		if (h->lingering)
			return net_http_linger_input(h);
		if (h->body_done)
			return 0; /* completed here (chunked, no_body): not its body */
		if (!h->body_started) {
			h->body_started = true;
			if (body_is_own_request_line(wsi, in, len))
				return drop_misparsed_request(h);
		}
		if (h->chunked)
			return on_chunked_body(h, in, len);
		/* On an error the answer is set and the rest is ignored. */
		body_data(h, in, len);
		return 0;

	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (h && h->lingering)
			return -1; /* the body is all read: nothing to reset */
		if (h) {
			h->body_whole = true;
			net_body_deadline_stop(h);
		}
		/* lws's own completion of a chunked body: 100 MiB of raw bytes
		 * without the last chunk. */
		if (h && h->chunked && !h->body_done) {
			refuse_framing(h, 413);
			return 0;
		}
		return on_body_completion(h);

	case LWS_CALLBACK_HTTP_WRITEABLE:
		if (!h || h->lingering)
			return 0;
		if (h->close_sent)
			return net_http_close_sent(h);
		if (h->status == 0 && h->ops && h->ops->writeable)
			return h->ops->writeable(h);
		if (h->status)
			return net_http_write_response(h);
		return 0;

	case NET_CB_RELEASE:
		/* Listener teardown: lws frees connections waiting to write
		 * without CLOSED callbacks, so free what their data own now. */
		if (!user)
			return 0;
		if (bound_to(wsi, 0))
			http_release(h);
		else if (net_subproto_is_ws(wsi))
			net_ws_release(user);
		return 0;

	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
	case LWS_CALLBACK_CLOSED_HTTP:
		if (l)
			net_head_gone(&l->heads, wsi);
		/* lws is closing a kept-alive connection whose next head did
		 * not fit (pitfall 18): answered before lws shuts its write
		 * side. After CLOSED_HTTP it is shut: nothing to answer. */
		if (net_head_take_overflow() && reason == LWS_CALLBACK_HTTP_DROP_PROTOCOL && h &&
		    bound_to(wsi, 0) && !h->status)
			net_head_answer_overflow(wsi);
		if (h && bound_to(wsi, 0))
			http_release(h);
		return 0;

	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}
