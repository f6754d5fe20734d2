/* srv_http_client.h - an HTTP client on the server's libuv loop (libcurl's
 * multi interface), for the webhooks to the backend (srv_webhook.c).
 *
 * The loop is never blocked: libcurl tells which sockets to watch
 * (CURLMOPT_SOCKETFUNCTION -> one uv_poll per socket) and when to wake it
 * (CURLMOPT_TIMERFUNCTION -> one uv_timer), and is driven by
 * curl_multi_socket_action from those handles. One srv_http is one backend:
 *
 *   - at most max_concurrent requests are in flight; the next ones wait in a
 *     FIFO queue of at most max_queued; past that a request is refused at
 *     once (SRV_HTTP_EQUEUE, no callback), so memory and the backend's load
 *     stay bounded however fast clients send;
 *   - a request's timeout runs from its submission (time in the queue
 *     counts): a caller's deadline is one number;
 *   - a response body larger than max_response fails the request
 *     (SRV_HTTP_ETOOBIG): a backend cannot make the server buffer without
 *     bound;
 *   - redirects are not followed and only http:// and https:// URLs are
 *     allowed.
 *
 * A request accepted by srv_http_request (it returned 0) completes exactly
 * once through its callback, never from inside srv_http_request: with the
 * response (any status), or an error: timeout, connection failure, response
 * too big, cancelled by srv_http_close. The result and its body are valid
 * during the callback only. The callback may submit new requests (a retry),
 * except while the client is closing (they are refused: SRV_HTTP_ECLOSED).
 */
#ifndef SRV_HTTP_CLIENT_H
#define SRV_HTTP_CLIENT_H

#include <stddef.h>
#include <uv.h>

/* Error codes: srv_http_request's result and srv_http_result.err. */
#define SRV_HTTP_OK        0
#define SRV_HTTP_EQUEUE    (-1) /* the backend's queue is full */
#define SRV_HTTP_ENOMEM    (-2)
#define SRV_HTTP_EINVAL    (-3) /* bad method or URL scheme */
#define SRV_HTTP_ECLOSED   (-4) /* the client is closing */
#define SRV_HTTP_ETIMEOUT  (-5)
#define SRV_HTTP_ECONNECT  (-6) /* could not connect (refused, DNS, TLS) */
#define SRV_HTTP_ETOOBIG   (-7) /* response body over max_response */
#define SRV_HTTP_ECANCELED (-8) /* srv_http_close ran first */
#define SRV_HTTP_EIO       (-9) /* the exchange failed after connecting */

typedef struct srv_http srv_http;

typedef struct srv_http_opts {
	size_t max_concurrent; /* requests in flight at once, >= 1 */
	size_t max_queued;     /* requests waiting for a slot, 0 = none wait */
	size_t max_response;   /* bytes of response body, >= 1 */
} srv_http_opts;

typedef struct srv_http_result {
	int err;           /* SRV_HTTP_OK when a response arrived */
	long status;       /* its HTTP status; 0 without a response */
	const char *body;  /* NUL-terminated (the NUL not counted); "" if none */
	size_t len;        /* body bytes */
	const char *error; /* a human-readable reason when err != 0 */
	double ms;         /* from submission to completion */
} srv_http_result;

typedef void (*srv_http_done_fn)(const srv_http_result *r, void *user);

/* NULL when out of memory or when libcurl cannot start. */
srv_http *srv_http_new(uv_loop_t *loop, const srv_http_opts *o);

/* method: "GET" or "POST"; url: http(s)://...; headers: "Name: value"
 * strings, NULL-terminated (may be NULL); body/len: the request body
 * (copied; POST only, may be NULL). timeout_ms >= 1. Returns 0 (cb runs
 * once, later) or an error code (cb never runs). */
int srv_http_request(srv_http *h, const char *method, const char *url, const char *const *headers,
                     const char *body, size_t len, unsigned timeout_ms, srv_http_done_fn cb,
                     void *user);

/* Requests in flight and waiting. */
size_t srv_http_active(const srv_http *h);
size_t srv_http_queued(const srv_http *h);

/* Cancel every request (each callback runs once, SRV_HTTP_ECANCELED) and
 * close the loop handles; the memory is freed once they are closed (the
 * loop must run). h must not be used after. NULL does nothing. */
void srv_http_close(srv_http *h);

/* A constant description of an error code. */
const char *srv_http_strerror(int err);

#endif
