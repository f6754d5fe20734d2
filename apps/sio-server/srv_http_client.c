/* srv_http_client.c - libcurl's multi interface on a libuv loop (see
 * srv_http_client.h).
 *
 * The wiring is libcurl's "multi_socket" API (curl_multi_socket_action(3)):
 * libcurl reports each socket it wants watched through the socket callback
 * (CURL_POLL_IN / OUT / INOUT / REMOVE), and the single timeout it wants
 * through the timer callback (-1: none). Each watched socket gets a
 * uv_poll_t (its context kept with curl_multi_assign), the timeout one
 * uv_timer_t; when either fires, curl_multi_socket_action runs the
 * transfers, then curl_multi_info_read collects the finished ones.
 *
 * Requests beyond max_concurrent wait in a FIFO list and start as slots
 * free up; their timeout is what is left of their deadline when they start.
 *
 * Teardown: srv_http_close cancels every request (callbacks run with
 * SRV_HTTP_ECANCELED), cleans up the multi handle (which closes the cached
 * connections and removes their sockets), closes the remaining poll handles
 * and the timer, and frees the srv_http in the last close callback.
 */
#include "srv_http_client.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct sock_ctx {
	uv_poll_t poll;
	curl_socket_t fd;
	struct srv_http *h;
	struct sock_ctx *next, **pprev; /* h->socks */
} sock_ctx;

typedef struct req {
	struct srv_http *h;
	CURL *easy;
	struct curl_slist *hdrs;
	char *body; /* response, up to max_response + 1 */
	size_t len, cap;
	bool too_big;
	uint64_t start_ns, deadline_ms; /* uv_hrtime at submission; uv_now based */
	srv_http_done_fn cb;
	void *user;
	char errbuf[CURL_ERROR_SIZE];
	struct req *next, **pprev; /* h->active or h->queue */
} req;

struct srv_http {
	uv_loop_t *loop;
	CURLM *multi;
	uv_timer_t timer;
	srv_http_opts o;
	req *active, *queue, **queue_tail;
	size_t nactive, nqueued;
	sock_ctx *socks;
	int open_handles; /* the timer and the poll handles not closed yet */
	bool closing;
};

static int curl_users; /* curl_global_init once, cleanup with the last client */

const char *srv_http_strerror(int err)
{
	switch (err) {
	case SRV_HTTP_OK:
		return "ok";
	case SRV_HTTP_EQUEUE:
		return "backend busy: too many requests waiting";
	case SRV_HTTP_ENOMEM:
		return "out of memory";
	case SRV_HTTP_EINVAL:
		return "invalid request";
	case SRV_HTTP_ECLOSED:
		return "server shutting down";
	case SRV_HTTP_ETIMEOUT:
		return "backend timeout";
	case SRV_HTTP_ECONNECT:
		return "backend unreachable";
	case SRV_HTTP_ETOOBIG:
		return "backend response too large";
	case SRV_HTTP_ECANCELED:
		return "cancelled: server shutting down";
	case SRV_HTTP_EIO:
		return "backend connection failed";
	}
	return "unknown error";
}

static void list_add(req **head, req *r)
{
	r->next = *head;
	r->pprev = head;
	if (*head)
		(*head)->pprev = &r->next;
	*head = r;
}

static void list_del(req *r)
{
	*r->pprev = r->next;
	if (r->next)
		r->next->pprev = r->pprev;
	r->next = NULL;
	r->pprev = NULL;
}

static void req_free(req *r)
{
	if (r->easy)
		curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->hdrs);
	free(r->body);
	free(r);
}

/* ---- completion ------------------------------------------------------------- */

/* Run r's callback once, then free it. r is off every list. */
static void complete(req *r, int err, long status, const char *why)
{
	srv_http_result res = { .err = err,
		                .status = status,
		                .body = r->body ? r->body : "",
		                .len = r->body ? r->len : 0,
		                .error = why ? why : srv_http_strerror(err),
		                .ms = (double)(uv_hrtime() - r->start_ns) / 1e6 };
	r->cb(&res, r->user);
	req_free(r);
}

static int map_curl_error(const req *r, CURLcode c)
{
	if (r->too_big || c == CURLE_FILESIZE_EXCEEDED)
		return SRV_HTTP_ETOOBIG;
	switch (c) {
	case CURLE_OPERATION_TIMEDOUT:
		return SRV_HTTP_ETIMEOUT;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
		return SRV_HTTP_ECONNECT;
	case CURLE_OUT_OF_MEMORY:
		return SRV_HTTP_ENOMEM;
	default:
		return SRV_HTTP_EIO;
	}
}

static void start_queued(struct srv_http *h);

/* Collect the transfers libcurl has finished. */
static void check_done(struct srv_http *h)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(h->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		req *r = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		CURLcode c = m->data.result;
		curl_multi_remove_handle(h->multi, r->easy);
		list_del(r);
		h->nactive--;
		long status = 0;
		if (c == CURLE_OK) {
			curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
			complete(r, SRV_HTTP_OK, status, NULL);
		} else {
			int err = map_curl_error(r, c);
			/* libcurl's own words for a connection problem name the
			 * cause ("Connection refused"); ours for the rest */
			complete(r, err, 0,
			         err == SRV_HTTP_ECONNECT && r->errbuf[0] ? r->errbuf : NULL);
		}
	}
	start_queued(h);
}

/* ---- libcurl's callbacks ------------------------------------------------------ */

static size_t on_write(char *data, size_t size, size_t nmemb, void *user)
{
	req *r = user;
	size_t n = size * nmemb;
	if (n > r->h->o.max_response || r->len > r->h->o.max_response - n) {
		r->too_big = true;
		return 0; /* CURLE_WRITE_ERROR: the transfer stops */
	}
	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 1024;
		while (cap < r->len + n + 1)
			cap *= 2;
		char *b = realloc(r->body, cap);
		if (!b)
			return 0;
		r->body = b;
		r->cap = cap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

static void on_poll(uv_poll_t *p, int status, int events)
{
	sock_ctx *c = p->data;
	struct srv_http *h = c->h;
	int flags = 0, running;
	if (status < 0)
		flags = CURL_CSELECT_ERR;
	else {
		if (events & UV_READABLE)
			flags |= CURL_CSELECT_IN;
		if (events & UV_WRITABLE)
			flags |= CURL_CSELECT_OUT;
	}
	curl_multi_socket_action(h->multi, c->fd, flags, &running);
	check_done(h);
}

static void on_timer(uv_timer_t *t)
{
	struct srv_http *h = t->data;
	int running;
	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(h);
}

static void maybe_free(struct srv_http *h)
{
	if (h->closing && h->open_handles == 0) {
		free(h);
		if (--curl_users == 0)
			curl_global_cleanup();
	}
}

static void on_sock_closed(uv_handle_t *hd)
{
	sock_ctx *c = hd->data;
	struct srv_http *h = c->h;
	free(c);
	h->open_handles--;
	maybe_free(h);
}

static void sock_close(sock_ctx *c)
{
	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	uv_poll_stop(&c->poll);
	uv_close((uv_handle_t *)&c->poll, on_sock_closed);
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	(void)easy;
	struct srv_http *h = userp;
	sock_ctx *c = socketp;
	if (what == CURL_POLL_REMOVE) {
		if (c) {
			curl_multi_assign(h->multi, fd, NULL);
			sock_close(c);
		}
		return 0;
	}
	if (!c) {
		if (!(c = calloc(1, sizeof(*c))))
			return -1;
		if (uv_poll_init_socket(h->loop, &c->poll, fd)) {
			free(c);
			return -1;
		}
		c->fd = fd;
		c->h = h;
		c->poll.data = c;
		c->next = h->socks;
		c->pprev = &h->socks;
		if (h->socks)
			h->socks->pprev = &c->next;
		h->socks = c;
		h->open_handles++;
		curl_multi_assign(h->multi, fd, c);
	}
	int ev = (what == CURL_POLL_IN ? UV_READABLE : 0) |
	         (what == CURL_POLL_OUT ? UV_WRITABLE : 0) |
	         (what == CURL_POLL_INOUT ? UV_READABLE | UV_WRITABLE : 0);
	uv_poll_start(&c->poll, ev, on_poll);
	return 0;
}

static int on_timer_change(CURLM *multi, long timeout_ms, void *userp)
{
	(void)multi;
	struct srv_http *h = userp;
	if (timeout_ms < 0)
		uv_timer_stop(&h->timer);
	else /* 0: as soon as possible, from the loop, never from inside libcurl */
		uv_timer_start(&h->timer, on_timer, (uint64_t)timeout_ms, 0);
	return 0;
}

/* ---- requests ----------------------------------------------------------------- */

/* Hand r to libcurl with what is left of its deadline. */
static void start(struct srv_http *h, req *r)
{
	uint64_t now = uv_now(h->loop);
	if (now >= r->deadline_ms) {
		complete(r, SRV_HTTP_ETIMEOUT, 0, NULL);
		return;
	}
	curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, (long)(r->deadline_ms - now));
	if (curl_multi_add_handle(h->multi, r->easy) != CURLM_OK) {
		complete(r, SRV_HTTP_ENOMEM, 0, NULL);
		return;
	}
	list_add(&h->active, r);
	h->nactive++;
}

static void start_queued(struct srv_http *h)
{
	while (!h->closing && h->queue && h->nactive < h->o.max_concurrent) {
		req *r = h->queue;
		list_del(r);
		if (!h->queue)
			h->queue_tail = &h->queue;
		h->nqueued--;
		start(h, r);
	}
}

static bool url_ok(const char *url)
{
	return url && (!strncmp(url, "http://", 7) || !strncmp(url, "https://", 8));
}

/* The easy handle of a request: everything but its timeout. */
static int setup(req *r, const char *method, const char *url, const char *const *headers,
                 const char *body, size_t len)
{
	CURL *e = r->easy;
	bool post = !strcmp(method, "POST");
	for (size_t i = 0; headers && headers[i]; i++) {
		struct curl_slist *l = curl_slist_append(r->hdrs, headers[i]);
		if (!l)
			return SRV_HTTP_ENOMEM;
		r->hdrs = l;
	}
	/* no "Expect: 100-continue" round trip before a large body */
	struct curl_slist *l = curl_slist_append(r->hdrs, "Expect:");
	if (!l)
		return SRV_HTTP_ENOMEM;
	r->hdrs = l;
	if (curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK)
		return SRV_HTTP_EINVAL;
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->hdrs);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->h->o.max_response);
	if (post) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		if (curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, body ? body : "") != CURLE_OK)
			return SRV_HTTP_ENOMEM;
	} else {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	}
	return 0;
}

int srv_http_request(srv_http *h, const char *method, const char *url, const char *const *headers,
                     const char *body, size_t len, unsigned timeout_ms, srv_http_done_fn cb,
                     void *user)
{
	if (h->closing)
		return SRV_HTTP_ECLOSED;
	if (!method || (strcmp(method, "GET") && strcmp(method, "POST")) || !url_ok(url) ||
	    timeout_ms == 0 || !cb)
		return SRV_HTTP_EINVAL;
	bool wait = h->nactive >= h->o.max_concurrent;
	if (wait && h->nqueued >= h->o.max_queued)
		return SRV_HTTP_EQUEUE;
	req *r = calloc(1, sizeof(*r));
	if (!r)
		return SRV_HTTP_ENOMEM;
	r->h = h;
	r->cb = cb;
	r->user = user;
	r->start_ns = uv_hrtime();
	uv_update_time(h->loop);
	r->deadline_ms = uv_now(h->loop) + timeout_ms;
	if (!(r->easy = curl_easy_init())) {
		free(r);
		return SRV_HTTP_ENOMEM;
	}
	int rc = setup(r, method, url, headers, body, len);
	if (rc) {
		req_free(r);
		return rc;
	}
	if (!wait) {
		curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
		if (curl_multi_add_handle(h->multi, r->easy) != CURLM_OK) {
			req_free(r);
			return SRV_HTTP_ENOMEM;
		}
		list_add(&h->active, r);
		h->nactive++;
		return 0;
	}
	/* FIFO: append at the tail */
	r->next = NULL;
	r->pprev = h->queue_tail;
	*h->queue_tail = r;
	h->queue_tail = &r->next;
	h->nqueued++;
	return 0;
}

size_t srv_http_active(const srv_http *h)
{
	return h->nactive;
}

size_t srv_http_queued(const srv_http *h)
{
	return h->nqueued;
}

srv_http *srv_http_new(uv_loop_t *loop, const srv_http_opts *o)
{
	if (!o || o->max_concurrent == 0 || o->max_response == 0)
		return NULL;
	if (curl_users == 0 && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return NULL;
	curl_users++;
	struct srv_http *h = calloc(1, sizeof(*h));
	if (!h || !(h->multi = curl_multi_init())) {
		free(h);
		if (--curl_users == 0)
			curl_global_cleanup();
		return NULL;
	}
	h->loop = loop;
	h->o = *o;
	h->queue_tail = &h->queue;
	uv_timer_init(loop, &h->timer);
	h->timer.data = h;
	h->open_handles = 1;
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_timer_change);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	return h;
}

static void on_timer_closed(uv_handle_t *hd)
{
	struct srv_http *h = hd->data;
	h->open_handles--;
	maybe_free(h);
}

void srv_http_close(srv_http *h)
{
	if (!h || h->closing)
		return;
	h->closing = true;
	while (h->active) {
		req *r = h->active;
		list_del(r);
		h->nactive--;
		curl_multi_remove_handle(h->multi, r->easy);
		complete(r, SRV_HTTP_ECANCELED, 0, NULL);
	}
	while (h->queue) {
		req *r = h->queue;
		list_del(r);
		h->nqueued--;
		complete(r, SRV_HTTP_ECANCELED, 0, NULL);
	}
	/* closes the cached connections: their sockets are removed through
	 * on_socket; any libcurl did not report are closed here */
	curl_multi_cleanup(h->multi);
	h->multi = NULL;
	while (h->socks)
		sock_close(h->socks);
	uv_timer_stop(&h->timer);
	uv_close((uv_handle_t *)&h->timer, on_timer_closed);
}
