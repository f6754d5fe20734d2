/* srv_api_req.c - one HTTP API request's answer: the envelope (see
 * srv_api_req.h), its timestamp and request id. Calls no other srv_api
 * file: the router and the endpoints call down into it. */
#include "srv_api_req.h"

#include "srv_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

/* "2026-01-02T03:04:05.678Z", like JavaScript's Date#toISOString */
static void iso_now(char *buf, size_t cap)
{
	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, cap - n, ".%03ldZ", (long)(tv.tv_usec / 1000));
}

/* The caller's X-Request-Id (kept when it is a short token, so a request can
 * be followed through a proxy's logs), or "req-<ms hex>-<seq>". */
static void request_id(srv_api *api, const eio_request *info, char *out, size_t cap)
{
	const char *h = eio_request_header(info, "x-request-id");
	size_t n = h ? strlen(h) : 0;
	if (n > 0 && n <= 64 && n < cap &&
	    strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") == n) {
		memcpy(out, h, n + 1);
		return;
	}
	struct timeval tv;
	gettimeofday(&tv, NULL);
	snprintf(out, cap, "req-%llx-%llu",
	         (unsigned long long)tv.tv_sec * 1000 + (unsigned long long)tv.tv_usec / 1000,
	         ++api->seq);
}

/* The log line of an API call: method, path (without the query), status,
 * duration, the credential by its index, the error code. */
static void log_call(const srv_api_req *r, int status, uint64_t took_ns, const char *code)
{
	const eio_request *info = eio_http_request_info(r->req);
	const char *url = eio_request_url(info);
	char path[256];
	snprintf(path, sizeof path, "%.*s", (int)strcspn(url ? url : "", "?"), url ? url : "");
	char ms[32];
	snprintf(ms, sizeof ms, "%.3f", (double)took_ns / 1e6);
	srv_log(SRV_LOG_INFO, "api", SRV_LS("method", eio_http_request_method(r->req)),
	        SRV_LS("path", path), SRV_LN("status", status), SRV_LR("durationMs", ms),
	        SRV_LS("key", r->key[0] ? r->key : NULL), SRV_LS("code", code),
	        SRV_LS("address", eio_request_address(info)), SRV_LS("requestId", r->request_id));
}

static void send_envelope(srv_api_req *r, int status, const char *data, size_t len,
                          const char *code, const char *message)
{
	base_buf b = BASE_BUF_INIT;
	base_jsonw w;
	char ts[40];
	iso_now(ts, sizeof(ts));
	base_jsonw_init(&w, &b);
	base_jsonw_object_begin(&w);
	base_jsonw_key(&w, "success", 7);
	base_jsonw_bool(&w, data != NULL);
	if (data) {
		base_jsonw_key(&w, "data", 4);
		base_jsonw_raw(&w, data, len);
	} else {
		base_jsonw_key(&w, "error", 5);
		base_jsonw_object_begin(&w);
		base_jsonw_key(&w, "code", 4);
		base_jsonw_str(&w, code, strlen(code));
		base_jsonw_key(&w, "message", 7);
		base_jsonw_str(&w, message, strlen(message));
		base_jsonw_object_end(&w);
	}
	base_jsonw_key(&w, "meta", 4);
	base_jsonw_object_begin(&w);
	base_jsonw_key(&w, "timestamp", 9);
	base_jsonw_str(&w, ts, strlen(ts));
	base_jsonw_key(&w, "requestId", 9);
	base_jsonw_str(&w, r->request_id, strlen(r->request_id));
	base_jsonw_object_end(&w);
	base_jsonw_object_end(&w);
	srv_metrics_http(r->api->metrics, base_jsonw_error(&w) ? 500 : status);
	uint64_t took = uv_hrtime() - r->t0;
	srv_metrics_observe_http(r->api->metrics, (double)took / 1e9);
	log_call(r, base_jsonw_error(&w) ? 500 : status, took, code);
	if (base_jsonw_error(&w))
		eio_http_reply(r->req, 500, "application/json",
		               "{\"success\":false,\"error\":{\"code\":\"INTERNAL\","
		               "\"message\":\"out of memory\"}}",
		               65);
	else
		eio_http_reply(r->req, status, "application/json; charset=utf-8", b.data, b.len);
	base_buf_free(&b);
}

void srv_api_ok(srv_api_req *r, int status, const char *data, size_t len)
{
	send_envelope(r, status, data, len, NULL, NULL);
}

void srv_api_fail(srv_api_req *r, int status, const char *code, const char *message)
{
	send_envelope(r, status, NULL, 0, code, message);
}

void srv_api_ok_json(srv_api_req *r, int status, base_buf *b, const base_jsonw *w)
{
	if (base_jsonw_error(w))
		srv_api_fail(r, 500, "INTERNAL", "out of memory");
	else
		srv_api_ok(r, status, b->data, b->len);
	base_buf_free(b);
}

void srv_api_req_init(srv_api_req *r, srv_api *api, eio_http_request *req)
{
	r->api = api;
	r->req = req;
	r->t0 = uv_hrtime();
	r->key[0] = '\0';
	request_id(api, eio_http_request_info(req), r->request_id, sizeof(r->request_id));
}

srv_api_req *srv_api_req_defer(const srv_api_req *r)
{
	srv_api_req *d = malloc(sizeof(*d));
	if (d)
		*d = *r;
	return d;
}
