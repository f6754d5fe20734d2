/* eio_apphttp.c - plain HTTP requests for the application, on the same port.
 *
 * A request whose path no Engine.IO server is mounted on goes to the
 * listener's HTTP handler, if one is set (a health check, an admin API,
 * Prometheus metrics), else gets 404. The body of a POST/PUT is read whole,
 * up to EIO_APP_MAX_BODY, before the handler runs. The handler answers with
 * eio_http_reply(), now or later; if the client leaves first the reply is
 * dropped. Either way the request object is freed by eio_http_reply().
 */
#include "eio_internal.h"
#include "eio_request.h"

#include <stdlib.h>
#include <string.h>

#define EIO_APP_MAX_BODY (1024 * 1024)

struct eio_http_request {
	eio_http_pss *pss; /* NULL once the connection is gone */
	eio_request *req;
	char method[8];
	char *body;
	size_t body_len;
};

int eio_listener_set_http_handler(eio_listener *l, eio_http_handler fn, const char *capture_headers,
                                  void *user)
{
	char *h = capture_headers ? strdup(capture_headers) : NULL;
	if (capture_headers && !h)
		return EIO_ENOMEM;
	free(l->http_capture_headers);
	l->http_capture_headers = h;
	l->http_handler = fn;
	l->http_handler_user = user;
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

static void dispatch(eio_listener *l, eio_http_pss *pss)
{
	eio_http_request *r = pss->app;
	pss->app_ready = true;
	l->http_handler(r, l->http_handler_user);
}

/* The request line and headers are in: set up, and run the handler now
 * unless a body follows. */
bool eio_apphttp_begin(eio_listener *l, eio_http_pss *pss, const char *path)
{
	if (!l->http_handler)
		return false;
	eio_http_request *r = calloc(1, sizeof(*r));
	eio_options o;
	eio_options_init(&o);
	o.capture_headers = l->http_capture_headers;
	if (!r || !(r->req = eio_request_capture(pss->wsi, path, &o))) {
		free(r);
		eio_http_respond(pss, 500, "text/plain", "Internal Server Error", 21);
		return true;
	}
	r->pss = pss;
	method_name(pss->wsi, r->method);
	pss->app = r;
	bool has_body = strcmp(r->method, "POST") == 0 || strcmp(r->method, "PUT") == 0 ||
	                strcmp(r->method, "PATCH") == 0;
	if (!has_body)
		dispatch(l, pss);
	return true;
}

int eio_apphttp_body(eio_http_pss *pss, const char *in, size_t len)
{
	eio_http_request *r = pss->app;
	if (!r || pss->app_ready)
		return 0;
	if (r->body_len + len > EIO_APP_MAX_BODY) {
		/* No handler call: the request ends here. */
		pss->app = NULL;
		eio_request_free(r->req);
		free(r->body);
		free(r);
		pss->close_after = true;
		eio_http_respond(pss, 413, "text/plain", "Payload Too Large", 17);
		return -1;
	}
	char *nb = realloc(r->body, r->body_len + len + 1);
	if (!nb)
		return -1;
	r->body = nb;
	memcpy(r->body + r->body_len, in, len);
	r->body_len += len;
	r->body[r->body_len] = '\0';
	return 0;
}

void eio_apphttp_body_done(eio_listener *l, eio_http_pss *pss)
{
	if (pss->app && !pss->app_ready)
		dispatch(l, pss);
}

/* The connection is going away: the request outlives it until replied to,
 * unless the handler never ran (then it is freed here). */
void eio_apphttp_release(eio_http_pss *pss)
{
	eio_http_request *r = pss->app;
	if (!r)
		return;
	pss->app = NULL;
	r->pss = NULL;
	if (!pss->app_ready) {
		eio_request_free(r->req);
		free(r->body);
		free(r);
	}
}

void eio_http_reply(eio_http_request *r, int status, const char *content_type, const char *body,
                    size_t len)
{
	if (r->pss) {
		r->pss->app = NULL;
		eio_http_respond(r->pss, status, content_type, body, len);
	}
	eio_request_free(r->req);
	free(r->body);
	free(r);
}

const char *eio_http_request_method(const eio_http_request *r)
{
	return r->method;
}
const eio_request *eio_http_request_info(const eio_http_request *r)
{
	return r->req;
}

const char *eio_http_request_body(const eio_http_request *r, size_t *len)
{
	if (len)
		*len = r->body_len;
	return r->body ? r->body : "";
}
