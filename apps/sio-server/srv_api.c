/* srv_api.c - the HTTP API's routing, envelope, credentials and URL
 * decoding (see srv_api.h); the endpoints are in srv_api_stats.c and
 * srv_api_broadcast.c. */
#include "srv_api.h"

#include "base/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

/* ---- envelope ---------------------------------------------------------------- */

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

/* ---- credentials ------------------------------------------------------------- */

/* Compare in time that depends on the key's length only, never on where
 * the first difference is (a timing oracle would reveal the key). */
static bool key_equal(const char *given, size_t glen, const char *key)
{
	size_t klen = strlen(key);
	volatile unsigned char diff = (unsigned char)(glen != klen);
	for (size_t i = 0; i < klen; i++)
		diff |= (unsigned char)((i < glen ? (unsigned char)given[i] : 0) ^
		                        (unsigned char)key[i]);
	return klen > 0 && diff == 0;
}

/* Every key is compared (no early exit). */
static bool is_api_key(const srv_config *cfg, const char *given, size_t glen)
{
	bool ok = false;
	for (size_t i = 0; i < cfg->api.api_keys.n; i++)
		ok |= key_equal(given, glen, cfg->api.api_keys.v[i]);
	return ok;
}

int srv_api_authorize(srv_api_req *r)
{
	const srv_config *cfg = r->api->cfg;
	const eio_request *info = eio_http_request_info(r->req);
	const char *key = eio_request_header(info, "x-api-key");
	const char *authz = eio_request_header(info, "authorization");

	if (key && *key) {
		if (is_api_key(cfg, key, strlen(key)))
			return 0;
		srv_api_fail(r, 401, "UNAUTHORIZED", "Invalid API key");
		return -1;
	}
	if (!authz || !*authz) {
		srv_api_fail(r, 401, "UNAUTHORIZED",
		             "Authentication required: X-Api-Key header, or Authorization: "
		             "Bearer <API key or admin token>");
		return -1;
	}
	if (strncasecmp(authz, "Bearer ", 7) != 0) {
		srv_api_fail(r, 401, "UNAUTHORIZED", "Authorization must be \"Bearer <token>\"");
		return -1;
	}
	const char *tok = authz + 7;
	while (*tok == ' ')
		tok++;
	size_t tlen = strlen(tok);
	if (is_api_key(cfg, tok, tlen))
		return 0;
	if (!r->api->auth || !cfg->auth.enabled) {
		srv_api_fail(r, 401, "UNAUTHORIZED", "Invalid API key");
		return -1;
	}
	srv_user *u = NULL;
	const char *why = NULL;
	int rc = srv_auth_verify(r->api->auth, tok, tlen, &u, &why);
	if (rc) {
		srv_api_fail(r, 401, rc == SRV_JWT_EEXPIRED ? "TOKEN_EXPIRED" : "UNAUTHORIZED",
		             why ? why : "invalid token");
		return -1;
	}
	bool admin = u->role && cfg->api.admin_role && !strcmp(u->role, cfg->api.admin_role);
	srv_user_free(u);
	if (!admin) {
		srv_api_fail(r, 403, "FORBIDDEN", "Admin role required");
		return -1;
	}
	return 0;
}

/* ---- path segments ---------------------------------------------------------- */

/* libwebsockets' URI parser percent-decodes the path in place before any
 * handler sees it (%2F included): a segment is only copied and checked. */
char *srv_api_segment(const char *s, size_t n)
{
	if (!base_json_utf8_valid(s, n))
		return NULL;
	char *out = malloc(n + 1);
	if (out) {
		memcpy(out, s, n);
		out[n] = '\0';
	}
	return out;
}

/* ---- routing ----------------------------------------------------------------- */

/* If path is base or under it, the rest ("" or "/..."), else NULL. base may
 * end with '/'. */
static const char *under(const char *path, size_t plen, const char *base, size_t *rlen)
{
	size_t b = strlen(base);
	while (b > 0 && base[b - 1] == '/')
		b--;
	if (plen < b || strncmp(path, base, b) || (plen > b && path[b] != '/'))
		return NULL;
	*rlen = plen - b;
	return path + b;
}

static bool is(const char *rest, size_t n, const char *route)
{
	return n == strlen(route) && !strncmp(rest, route, n);
}

/* rest == route + a non-empty value: the value, else NULL. The value runs
 * to the end of the path, so a room whose encoded name held %2F (decoded to
 * '/' by libwebsockets) is still one value. */
static const char *param(const char *rest, size_t n, const char *route, size_t *slen)
{
	size_t k = strlen(route);
	if (n <= k || strncmp(rest, route, k))
		return NULL;
	*slen = n - k;
	return rest + k;
}

static bool method_ok(srv_api_req *r, const char *want)
{
	const char *m = eio_http_request_method(r->req);
	if (!strcmp(m, want) || (!strcmp(want, "GET") && !strcmp(m, "HEAD")))
		return true;
	char msg[64];
	snprintf(msg, sizeof(msg), "Method %s not allowed (use %s)", m, want);
	srv_api_fail(r, 405, "METHOD_NOT_ALLOWED", msg);
	return false;
}

/* A route with a :param: copy it, then check the method and credentials. */
static void with_param(srv_api_req *r, const char *method, const char *seg, size_t n, int kind)
{
	if (!method_ok(r, method) || srv_api_authorize(r))
		return;
	char *v = srv_api_segment(seg, n);
	if (!v) {
		srv_api_fail(r, 400, "BAD_REQUEST", "Invalid UTF-8 in the URL");
		return;
	}
	if (kind == 'g')
		srv_api_room(r, v);
	else
		srv_api_broadcast(r, kind, v);
	free(v);
}

static void route_api(srv_api_req *r, const char *rest, size_t n, bool alias)
{
	const char *seg;
	size_t slen;
	if (n > 1 && rest[n - 1] == '/')
		n--; /* "/stats/" as "/stats" */
	if (is(rest, n, "/health")) {
		if (method_ok(r, "GET"))
			srv_api_health(r);
	} else if (is(rest, n, "/stats")) {
		if (method_ok(r, "GET") && !srv_api_authorize(r))
			srv_api_stats(r);
	} else if (alias) {
		srv_api_fail(r, 404, "NOT_FOUND", "Not found");
	} else if (is(rest, n, "/broadcast")) {
		if (method_ok(r, "POST") && !srv_api_authorize(r))
			srv_api_broadcast(r, 'a', NULL);
	} else if ((seg = param(rest, n, "/broadcast/user/", &slen))) {
		with_param(r, "POST", seg, slen, 'u');
	} else if ((seg = param(rest, n, "/broadcast/room/", &slen))) {
		with_param(r, "POST", seg, slen, 'r');
	} else if ((seg = param(rest, n, "/rooms/", &slen))) {
		with_param(r, "GET", seg, slen, 'g');
	} else {
		srv_api_fail(r, 404, "NOT_FOUND", "Not found");
	}
}

static void on_http(eio_http_request *req, void *user)
{
	srv_api *api = user;
	const srv_config *cfg = api->cfg;
	const eio_request *info = eio_http_request_info(req);
	const char *url = eio_request_url(info);
	size_t plen = strcspn(url, "?#"), rlen;
	const char *rest;
	srv_api_req r = { api, req, "" };

	request_id(api, info, r.request_id, sizeof(r.request_id));
	if (cfg->metrics.enabled && api->metrics &&
	    (rest = under(url, plen, cfg->metrics.path, &rlen)) &&
	    (rlen == 0 || (rlen == 1 && rest[0] == '/'))) {
		if (method_ok(&r, "GET") &&
		    (!cfg->metrics.require_api_key || !srv_api_authorize(&r)))
			srv_api_metrics(&r);
		return;
	}
	if (cfg->api.enabled) {
		if ((rest = under(url, plen, cfg->api.prefix, &rlen))) {
			route_api(&r, rest, rlen, false);
			return;
		}
		for (size_t i = 0; i < cfg->api.aliases.n; i++) {
			if ((rest = under(url, plen, cfg->api.aliases.v[i], &rlen))) {
				route_api(&r, rest, rlen, true);
				return;
			}
		}
	}
	srv_api_fail(&r, 404, "NOT_FOUND", "Not found");
}

int srv_api_install(srv_api *api, eio_listener *l, const srv_config *cfg, sio_server *srv,
                    srv_auth *auth, srv_emit *emit, srv_metrics *metrics)
{
	api->cfg = cfg;
	api->srv = srv;
	api->nsp = sio_of(srv, "/");
	api->auth = auth;
	api->emit = emit;
	api->metrics = metrics;
	api->seq = 0;
	api->started = time(NULL);
	return eio_listener_set_http_handler(l, on_http, "x-api-key,x-request-id", api);
}
