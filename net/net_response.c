/* net_response.c - the one HTTP response writer: status, headers, CORS,
 * body, then keep-alive or close.
 *
 * A response is set on the request (net_http_respond: written on WRITEABLE;
 * net_http_set_response: written by the code that set it) and written with
 * its headers in one write. After it the connection waits for its next
 * request on the listener's keep-alive list, or closes when the request
 * cannot be followed by another (close_after). CORS headers are added for
 * requests routed to a mount with a CORS list (net_router.c), from the
 * Origin the router kept.
 */
#include "net_internal.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* ---- CORS ------------------------------------------------------------------- */

/* The origin to allow for this request, or NULL for no CORS headers. "*"
 * without credentials answers "*"; otherwise the request's own origin is
 * reflected when the list allows it (net_origin.c: exact entries and
 * "scheme://host:*" port wildcards); browsers refuse "*" with credentials. */
static const char *cors_allowed(const net_cors *c, const char *origin)
{
	if (!c || !c->origins)
		return NULL;
	if (strcmp(c->origins, "*") == 0)
		return (c->credentials && *origin) ? origin : "*";
	return net_origin_in_list(c->origins, origin) ? origin : NULL;
}

static int add_header(struct lws *wsi, const char *name, const char *val, unsigned char **p,
                      unsigned char *end)
{
	return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
	                                   (const unsigned char *)val, (int)strlen(val), p, end);
}

static int add_cors_headers(net_http *h, unsigned char **p, unsigned char *end, bool preflight)
{
	const char *allow = cors_allowed(h->cors, h->origin);
	if (!allow)
		return 0;
	if (add_header(h->wsi, "access-control-allow-origin:", allow, p, end))
		return -1;
	if (strcmp(allow, "*") != 0 && add_header(h->wsi, "vary:", "Origin", p, end))
		return -1;
	if (h->cors->credentials &&
	    add_header(h->wsi, "access-control-allow-credentials:", "true", p, end))
		return -1;
	if (preflight) {
		if (add_header(h->wsi, "access-control-allow-methods:",
		               "GET,HEAD,PUT,PATCH,POST,DELETE", p, end))
			return -1;
		if (h->acrh[0] &&
		    add_header(h->wsi, "access-control-allow-headers:", h->acrh, p, end))
			return -1;
	}
	return 0;
}

/* An OPTIONS preflight on a mount with CORS: 204 with the allowed methods
 * and the requested headers, before any check of the mounted handler. */
void net_cors_preflight(net_http *h)
{
	net_request_peek_header(h->wsi, WSI_TOKEN_HTTP_AC_REQUEST_HEADERS, h->acrh,
	                        sizeof(h->acrh));
	net_http_respond(h, 204, "text/plain", "", 0);
}

/* ---- responses -------------------------------------------------------------- */

/* Drop the response body, wherever it lives. */
void net_http_body_free(net_http *h)
{
	if (h->body != h->small)
		free(h->body);
	h->body = NULL;
	h->body_len = 0;
}

/* Small bodies ("ok", "6", error JSON) live inside the request data, so a
 * connection that lws frees without a CLOSED callback cannot leak them. */
void net_http_set_response(net_http *h, int status, const char *ctype, const char *body, size_t len)
{
	net_http_body_free(h);
	h->status = status;
	h->ctype = ctype;
	if (len <= sizeof(h->small)) {
		h->body = h->small;
	} else if (!(h->body = malloc(len))) {
		len = 0;
	}
	if (len)
		memcpy(h->body, body, len);
	h->body_len = len;
}

void net_http_respond(net_http *h, int status, const char *ctype, const char *body, size_t len)
{
	net_http_set_response(h, status, ctype, body, len);
	lws_callback_on_writable(h->wsi);
}

/* ---- keep-alive ------------------------------------------------------------- */

/* A keep-alive connection now waits for its next request. lws 4.1 has just
 * set its keep-alive timeout, which it keeps with every other connection's
 * timeout in one sorted list, inserting by a walk from the head: the new
 * deadline is the latest, so every response walked past every idle
 * connection (O(connections) per HTTP transaction: 40% of the server's CPU
 * with 2,000 long-polling clients, where each poll is two transactions;
 * docs/engineio.md, pitfall 9). The wait moves to the listener's FIFO
 * deadline list instead (O(1): every entry has the same duration) and lws's
 * entry is dropped at once, so lws's list holds only the few connections in
 * the middle of a request and stays short. lws re-bound the connection to a
 * fresh request data in lws_http_transaction_completed() (docs/engineio.md, pitfall 4): the
 * link lives in that one. */
static void keepalive_wait(net_listener *l, struct lws *wsi)
{
	net_http *next = lws_wsi_user(wsi);
	if (!next)
		return; /* lws keeps its own timeout then */
	lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
	next->wsi = wsi;
	next->l = l;
	base_timers_arm(&l->timers, NET_LTL_KEEPALIVE, &next->idle);
}

void net_keepalive_stop(net_http *h)
{
	net_body_deadline_stop(h);
	if (h->l && base_tlink_armed(&h->idle))
		base_timers_cancel(&h->l->timers, NET_LTL_KEEPALIVE, &h->idle);
}

/* Idle too long: close it, as lws's own keep-alive timeout would. At once:
 * this runs from a libuv timer, outside lws's service, where an "async"
 * kill would wait for lws's next unrelated wakeup (docs/engineio.md, pitfall 10). The close
 * calls back into the router's release, which finds the link disarmed. */
void net_keepalive_expire(base_timers *t, int list, base_tlink *link)
{
	(void)t;
	(void)list;
	net_http *h = (net_http *)((char *)link - offsetof(net_http, idle));
	lws_set_timeout(h->wsi, PENDING_TIMEOUT_HTTP_KEEPALIVE_IDLE, LWS_TO_KILL_SYNC);
}

/* ---- writing ---------------------------------------------------------------- */

/* Retry-After: seconds (RFC 9110 section 10.2.3), with a 503 answer. */
static int add_retry_after(struct lws *wsi, unsigned secs, unsigned char **p, unsigned char *end)
{
	char v[16];
	snprintf(v, sizeof(v), "%u", secs);
	return add_header(wsi, "retry-after:", v, p, end);
}

/* Room for the response headers: status line, the common headers, CORS
 * (an origin and Access-Control-Request-Headers of up to 255 bytes each). */
#define NET_HTTP_HEADROOM 2048

/* Write the set response: headers and body in one write (one send(), one
 * TCP segment on loopback: a second small write would cost a second
 * syscall and wake the client twice), then finish the transaction
 * (keep-alive). Returns -1 when lws should close the connection. */
/* How long a connection answered before its body came is read and
 * discarded before it is closed. */
#define NET_HTTP_LINGER_MS 3000

/* The write side is shut: the client has the whole answer, then its end.
 * A request refused before its body was read (h->linger: too large) may
 * still be sending it; closing with its input unread makes the kernel send
 * a reset, which can destroy the answer in the client's buffer before it
 * reads it (measured: 29 of 30 413s lost to a client that sent 1 MiB after
 * its head). So, as RFC 9112 section 9.6 advises ("lingering close"), the
 * rest is read and dropped (the router's net_http_linger_input) until the
 * body ends, the client closes, or NET_HTTP_LINGER_MS pass (lws's timeout
 * for a client that goes quiet; checked as input comes too, since lws
 * re-arms its timeout as bytes arrive). 0: lingering; -1: close now. */
static int close_after_answer(net_http *h)
{
	shutdown(lws_get_socket_fd(h->wsi), SHUT_WR);
	if (!h->linger || h->body_whole || !h->l)
		return -1;
	h->lingering = true;
	h->body_done = true;
	h->linger_until = uv_now(h->l->loop) + NET_HTTP_LINGER_MS;
	lws_set_timeout(h->wsi, PENDING_TIMEOUT_HTTP_CONTENT, NET_HTTP_LINGER_MS / 1000);
	return 0;
}

int net_http_linger_input(net_http *h)
{
	return uv_now(h->l->loop) >= h->linger_until ? -1 : 0;
}

int net_http_write_response(net_http *h)
{
	struct lws *wsi = h->wsi;
	net_listener *l = lws_context_user(lws_get_context(wsi));
	size_t need = LWS_PRE + NET_HTTP_HEADROOM + h->body_len;
	/* The listener's write buffer is free outside the end-of-turn
	 * WebSocket writes: lws copies whatever it cannot send at once. */
	unsigned char *buf = need <= LWS_PRE + NET_WBUF_CAP ? l->wbuf : malloc(need);
	if (!buf)
		return -1;
	unsigned char *start = buf + LWS_PRE, *p = start;
	unsigned char *end = start + NET_HTTP_HEADROOM - 1;
	int r = -1;
	/* Answered before its body was read: what is left of the body cannot
	 * be told from a next request (RFC 9112 section 9.3). */
	if (h->body_pending && !h->body_done)
		h->close_after = true;
	if (lws_add_http_common_headers(wsi, (unsigned)h->status, h->ctype,
	                                (lws_filepos_t)h->body_len, &p, end) ||
	    add_header(wsi, "cache-control:", "no-store", &p, end) ||
	    (h->close_after && add_header(wsi, "connection:", "close", &p, end)) ||
	    (!h->close_after && h->http10_keep &&
	     add_header(wsi, "connection:", "keep-alive", &p, end)) ||
	    (h->status == 405 && h->allow && add_header(wsi, "allow:", h->allow, &p, end)) ||
	    (h->retry_after && add_retry_after(wsi, h->retry_after, &p, end)) ||
	    add_cors_headers(h, &p, end, h->status == 204) ||
	    lws_finalize_http_header(wsi, &p, end))
		goto out;
	if (h->body_len)
		memcpy(p, h->body, h->body_len);
	p += h->body_len;
	/* As lws_finalize_write_http_header() does, but with the body. */
	size_t n = (size_t)(p - start);
	if (lws_write(wsi, start, n, LWS_WRITE_HTTP_HEADERS) != (int)n)
		goto out;
	r = 0;
out:
	if (buf != l->wbuf)
		free(buf);
	if (r < 0)
		return -1;
	net_http_body_free(h);
	h->status = 0;
	/* The connection closes after this response: the client asked for it
	 * (RFC 9112 section 9.6; HTTP/1.0 without keep-alive), or after an
	 * error in the middle of a request body the rest of the body would be
	 * read as a request. The caller returns -1 to lws, or, outside lws's
	 * service (an end-of-turn flush), kills it "async", which lws acts on
	 * only at its next wakeup (docs/engineio.md, pitfall 10): the write
	 * side is shut now, so the client sees the end at once. Unless part of
	 * the response still waits in lws (pitfall 13): closing would cut it
	 * (lws gives a close with output pending 5 s), and completing the
	 * transaction would keep the connection whenever lws reads the
	 * request's Connection header as keep-alive (lws closes only for one
	 * that is exactly "close": "keep-alive, close" was kept open). So the
	 * transaction stays open and lws sends the rest; its WRITEABLE after
	 * that closes (net_http_close_sent). */
	if (h->close_after) {
		if (lws_partial_buffered(wsi)) {
			h->close_sent = true;
			lws_callback_on_writable(wsi);
			return 0;
		}
		return close_after_answer(h);
	}
	if (lws_http_transaction_completed(wsi))
		return -1;
	keepalive_wait(l, wsi);
	return 0;
}

/* WRITEABLE on a connection answered with close: once lws has sent all of
 * the answer, shut the write side and close. */
int net_http_close_sent(net_http *h)
{
	if (lws_partial_buffered(h->wsi)) {
		lws_callback_on_writable(h->wsi);
		return 0;
	}
	return close_after_answer(h);
}

int net_http_write_owned(net_http *h, int status, const char *ctype, char *body, size_t len)
{
	net_http_body_free(h);
	h->status = status;
	h->ctype = ctype;
	h->body = body;
	h->body_len = len;
	return net_http_write_response(h);
}

/* ---- refusing an upgrade ---------------------------------------------------- */

/* At CONFIRM_UPGRADE the request has no HTTP request data of ours: the
 * answer is written here, and lws completes and closes the connection. */
int net_ws_refuse(struct lws *wsi, int status, const char *ctype, const char *body, size_t len)
{
	return net_ws_refuse_retry(wsi, status, 0, ctype, body, len);
}

int net_ws_refuse_retry(struct lws *wsi, int status, unsigned retry_after, const char *ctype,
                        const char *body, size_t len)
{
	unsigned char buf[LWS_PRE + 512];
	unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof(buf) - 1;
	unsigned char *b = malloc(LWS_PRE + len + 1);
	if (!b)
		return -1;
	memcpy(b + LWS_PRE, body, len);
	int r = -1;
	if (!lws_add_http_common_headers(wsi, (unsigned)status, ctype, LWS_ILLEGAL_HTTP_CONTENT_LEN,
	                                 &p, end) &&
	    !lws_add_http_header_content_length(wsi, (lws_filepos_t)len, &p, end) &&
	    !(retry_after && add_retry_after(wsi, retry_after, &p, end)) &&
	    !lws_finalize_write_http_header(wsi, start, &p, end)) {
		lws_write(wsi, b + LWS_PRE, len, LWS_WRITE_HTTP_FINAL);
		r = 1; /* "I wrote the response": lws completes and closes */
	}
	free(b);
	return r;
}
