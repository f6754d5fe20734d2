/* net_app.c - plain HTTP requests for the application, on the same port.
 *
 * A request whose path nothing is mounted on goes to the listener's
 * application handler, if one is set (a health check, an admin API,
 * Prometheus metrics), else gets 404. The body of a POST/PUT/PATCH is read
 * whole, up to the listener's limit (net_listener_set_app_limit; 1 MiB by
 * default), before the handler runs. A body over the limit is not read: one
 * whose Content-Length says so is refused at its head, a chunked one as
 * soon as it passes the limit; its answer (the application's too_large
 * handler, or 413) closes the connection, since the rest of the body could
 * not be told from a next request (RFC 9112 section 9.3). The handler
 * answers with net_app_reply(), now or later; if the client leaves first the
 * reply is dropped. Either way the request object is freed by
 * net_app_reply().
 */
#include "net_internal.h"

#include <stdlib.h>
#include <string.h>

#define NET_APP_MAX_BODY (1024 * 1024)

struct net_app_request {
	net_http *h; /* NULL once the connection is gone */
	net_request *req;
	char method[8];
	const char *allow; /* net_app_set_allow */
	char *body;
	size_t body_len;
	bool dispatched; /* the handler (or too_large) has run */
};

static size_t max_body(const net_listener *l)
{
	return l->app_max_body ? l->app_max_body : NET_APP_MAX_BODY;
}

int net_listener_set_app(net_listener *l, net_app_handler fn, const char *capture_headers,
                         void *user)
{
	char *h = capture_headers ? strdup(capture_headers) : NULL;
	if (capture_headers && !h)
		return NET_ENOMEM;
	free(l->app_capture_headers);
	l->app_capture_headers = h;
	l->app = fn;
	l->app_user = user;
	return 0;
}

static void method_name(struct lws *wsi, char out[8])
{
	static const struct {
		int tok;
		const char *name;
	} m[] = {
		{ WSI_TOKEN_GET_URI, "GET" },         { WSI_TOKEN_POST_URI, "POST" },
		{ WSI_TOKEN_OPTIONS_URI, "OPTIONS" }, { WSI_TOKEN_PUT_URI, "PUT" },
		{ WSI_TOKEN_PATCH_URI, "PATCH" },     { WSI_TOKEN_DELETE_URI, "DELETE" },
		{ WSI_TOKEN_HEAD_URI, "HEAD" },
	};
	strcpy(out, "GET");
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (lws_hdr_total_length(wsi, (enum lws_token_indexes)m[i].tok)) {
			strcpy(out, m[i].name);
			return;
		}
}

static void request_free(net_app_request *r)
{
	net_request_free(r->req);
	free(r->body);
	free(r);
}

static void dispatch(net_http *h)
{
	net_app_request *r = h->conn;
	r->dispatched = true;
	h->l->app(r, h->l->app_user);
}

/* The body is over the limit: nothing more of it is read, what was is
 * dropped, and the answer closes the connection. The application's
 * too_large handler answers in its own shape; without one, 413 here and no
 * handler call. */
static void refuse_body(net_http *h, net_app_request *r)
{
	net_listener *l = h->l;
	h->body_done = true; /* the router passes no more of it */
	h->close_after = true;
	h->linger = true; /* the client may still be sending it */
	free(r->body);
	r->body = NULL;
	r->body_len = 0;
	if (l->app_too_large) {
		r->dispatched = true;
		l->app_too_large(r, l->app_user);
		return;
	}
	h->conn = NULL;
	h->ops = NULL;
	request_free(r);
	net_http_respond(h, 413, "text/plain", "Payload Too Large", 17);
}

static void app_body(net_http *h, const char *in, size_t len)
{
	net_app_request *r = h->conn;
	/* lws reports an empty body (Content-Length: 0) as one call with no
	 * bytes and a NULL pointer, which memcpy must not be given. */
	if (!r || r->dispatched || len == 0)
		return;
	if (r->body_len + len > max_body(h->l)) {
		refuse_body(h, r);
		return;
	}
	char *nb = realloc(r->body, r->body_len + len + 1);
	if (!nb)
		return;
	r->body = nb;
	memcpy(r->body + r->body_len, in, len);
	r->body_len += len;
	r->body[r->body_len] = '\0';
}

/* The handler answers through net_app_reply(), which asks for WRITEABLE. */
static bool app_body_done(net_http *h)
{
	net_app_request *r = h->conn;
	if (r && !r->dispatched)
		dispatch(h);
	return false;
}

/* The connection is going away: the request outlives it until replied to,
 * unless the handler never ran (then it is freed here). */
static void app_release(net_http *h)
{
	net_app_request *r = h->conn;
	if (!r)
		return;
	h->conn = NULL;
	r->h = NULL;
	if (!r->dispatched)
		request_free(r);
}

static const net_http_ops app_ops = {
	.body = app_body,
	.body_done = app_body_done,
	.release = app_release,
};

/* The request line and headers are in: set up, and run the handler now
 * unless a body follows. */
bool net_app_begin(net_listener *l, net_http *h, const char *path)
{
	if (!l->app)
		return false;
	net_app_request *r = calloc(1, sizeof(*r));
	if (!r || !(r->req = net_request_capture(h->wsi, path, l->app_capture_headers, false))) {
		free(r);
		net_http_respond(h, 500, "text/plain", "Internal Server Error", 21);
		return true;
	}
	r->h = h;
	method_name(h->wsi, r->method);
	h->ops = &app_ops;
	h->conn = r;
	bool has_body = strcmp(r->method, "POST") == 0 || strcmp(r->method, "PUT") == 0 ||
	                strcmp(r->method, "PATCH") == 0;
	unsigned long long cl;
	if (!has_body)
		dispatch(h);
	else if (net_http_content_length(h, &cl) && cl > max_body(l))
		refuse_body(h, r); /* before any byte of it is read */
	return true;
}

void net_listener_set_app_limit(net_listener *l, size_t max_body, net_app_handler too_large)
{
	l->app_max_body = max_body;
	l->app_too_large = too_large;
}

void net_app_reply(net_app_request *r, int status, const char *ctype, const char *body, size_t len)
{
	if (r->h) {
		r->h->conn = NULL;
		r->h->ops = NULL;
		r->h->allow = r->allow;
		net_http_respond(r->h, status, ctype, body, len);
	}
	request_free(r);
}

void net_app_set_allow(net_app_request *r, const char *methods)
{
	r->allow = methods;
}

const char *net_app_request_method(const net_app_request *r)
{
	return r->method;
}

const net_request *net_app_request_info(const net_app_request *r)
{
	return r->req;
}

const char *net_app_request_body(const net_app_request *r, size_t *len)
{
	if (len)
		*len = r->body_len;
	return r->body ? r->body : "";
}
