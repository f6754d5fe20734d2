/* srv_api.c - the HTTP API's router (see srv_api.h): a table of routes,
 * each with its method, whether it needs credentials, and its endpoint
 * (srv_api_endpoints.h); the check of those credentials; the copy of a
 * path value. It calls down into the endpoints and into srv_api_req.c
 * (the answers); neither calls back. */
#include "srv_api.h"

#include "base/json.h"
#include "srv_api_endpoints.h"
#include "srv_api_req.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* Every key is compared (no early exit). The matching key's index goes
 * into r->key for the log (never the key). */
static bool is_api_key(srv_api_req *r, const srv_config *cfg, const char *given, size_t glen)
{
	size_t found = 0;
	bool ok = false;
	for (size_t i = 0; i < cfg->api.api_keys.n; i++) {
		bool eq = key_equal(given, glen, cfg->api.api_keys.v[i]);
		found = eq && !ok ? i : found;
		ok |= eq;
	}
	if (ok)
		snprintf(r->key, sizeof r->key, "#%zu", found);
	return ok;
}

/* 0 when the request carries an API key or an admin token; otherwise the
 * 401/403 answer is sent and -1 returned. */
static int authorize(srv_api_req *r)
{
	const srv_config *cfg = r->api->cfg;
	const eio_request *info = eio_http_request_info(r->req);
	const char *key = eio_request_header(info, "x-api-key");
	const char *authz = eio_request_header(info, "authorization");

	if (key && *key) {
		if (is_api_key(r, cfg, key, strlen(key)))
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
	if (is_api_key(r, cfg, tok, tlen))
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
	snprintf(r->key, sizeof r->key, "token:%.17s", u->user_id ? u->user_id : "");
	srv_user_free(u);
	if (!admin) {
		srv_api_fail(r, 403, "FORBIDDEN", "Admin role required");
		return -1;
	}
	return 0;
}

/* ---- routing ----------------------------------------------------------------- */

/* The routes under cfg->api.prefix. A path ending in '/' takes a value: the
 * rest of the URL path, non-empty, so a room whose encoded name held %2F
 * (decoded to '/' by libwebsockets) is still one value. */
static const struct route {
	const char *method;
	const char *path;
	bool needs_key; /* an API key or an admin token */
	bool on_alias;  /* also served under cfg->api.aliases */
	srv_api_endpoint *endpoint;
} routes[] = {
	{ "GET", "/health", false, true, srv_api_health },
	{ "GET", "/stats", true, true, srv_api_stats },
	{ "POST", "/broadcast", true, false, srv_api_broadcast_all },
	{ "POST", "/broadcast/user/", true, false, srv_api_broadcast_user },
	{ "POST", "/broadcast/room/", true, false, srv_api_broadcast_room },
	{ "GET", "/rooms/", true, false, srv_api_room },
	{ "POST", "/emit", true, false, srv_api_emit },
	{ "POST", "/sockets/join", true, false, srv_api_sockets_join },
	{ "POST", "/sockets/leave", true, false, srv_api_sockets_leave },
	{ "POST", "/sockets/disconnect", true, false, srv_api_sockets_disconnect },
	{ "POST", "/batch", true, false, srv_api_batch },
};

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

/* rest matches the route's path: exactly, or with a non-empty value after
 * a path that ends in '/' (then *value and *vlen get it). */
static bool matches(const char *rest, size_t n, const char *path, const char **value, size_t *vlen)
{
	size_t k = strlen(path);

	*value = NULL;
	if (path[k - 1] != '/')
		return n == k && !strncmp(rest, path, n);
	if (n <= k || strncmp(rest, path, k))
		return false;
	*value = rest + k;
	*vlen = n - k;
	return true;
}

static bool method_ok(srv_api_req *r, const char *want)
{
	const char *m = eio_http_request_method(r->req);
	if (!strcmp(m, want) || (!strcmp(want, "GET") && !strcmp(m, "HEAD")))
		return true;
	char msg[64];
	snprintf(msg, sizeof(msg), "Method %s not allowed (use %s)", m, want);
	/* RFC 9110 section 15.5.6: a 405 lists the allowed methods. */
	eio_http_request_set_allow(r->req, !strcmp(want, "GET") ? "GET, HEAD" : want);
	srv_api_fail(r, 405, "METHOD_NOT_ALLOWED", msg);
	return false;
}

/* Check the method, then the credentials, then the value (libwebsockets'
 * URI parser has percent-decoded the path in place, %2F included, so a
 * value is only copied and checked), then call the endpoint. */
static void dispatch(srv_api_req *r, const char *method, bool needs_key, srv_api_endpoint *fn,
                     const char *value, size_t vlen)
{
	char *v = NULL;

	if (!method_ok(r, method) || (needs_key && authorize(r)))
		return;
	if (value && (!base_json_utf8_valid(value, vlen) || !(v = strndup(value, vlen)))) {
		srv_api_fail(r, 400, "BAD_REQUEST", "Invalid UTF-8 in the URL");
		return;
	}
	fn(r, v);
	free(v);
}

static void route_api(srv_api_req *r, const char *rest, size_t n, bool alias)
{
	const char *value;
	size_t vlen = 0;

	if (n > 1 && rest[n - 1] == '/')
		n--; /* "/stats/" as "/stats" */
	for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
		const struct route *rt = &routes[i];

		if ((!alias || rt->on_alias) && matches(rest, n, rt->path, &value, &vlen)) {
			dispatch(r, rt->method, rt->needs_key, rt->endpoint, value, vlen);
			return;
		}
	}
	srv_api_fail(r, 404, "NOT_FOUND", "Not found");
}

static void on_http(eio_http_request *req, void *user)
{
	srv_api *api = user;
	const srv_config *cfg = api->cfg;
	const char *url = eio_request_url(eio_http_request_info(req));
	size_t plen = strcspn(url, "?#"), rlen;
	const char *rest;
	srv_api_req r;

	srv_api_req_init(&r, api, req);
	if (cfg->metrics.enabled && api->metrics &&
	    (rest = under(url, plen, cfg->metrics.path, &rlen)) &&
	    (rlen == 0 || (rlen == 1 && rest[0] == '/'))) {
		dispatch(&r, "GET", cfg->metrics.require_api_key, srv_api_metrics, NULL, 0);
		return;
	}
	if (cfg->api.enabled) {
		const struct srv_api_route *rt =
		        srv_api_route_find(cfg, eio_http_request_method(req), url, plen);
		if (rt) { /* an alias of an old server's endpoint (api.routes) */
			dispatch(&r, srv_api_route_method(rt), true, srv_api_route_run, url, plen);
			return;
		}
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

/* The largest body read (maxHttpBufferSize, up to SRV_API_MAX_BODY): a larger
 * one is refused before it is read, in the API's shape (413 with the
 * envelope), wherever it was sent. */
static size_t body_limit(const srv_config *cfg)
{
	size_t m = (size_t)cfg->max_http_buffer_size;
	return m < SRV_API_MAX_BODY ? m : SRV_API_MAX_BODY;
}

static void on_too_large(eio_http_request *req, void *user)
{
	srv_api *api = user;
	srv_api_req r;
	srv_api_req_init(&r, api, req);
	srv_api_fail(&r, 413, "PAYLOAD_TOO_LARGE",
	             (size_t)api->cfg->max_http_buffer_size <= SRV_API_MAX_BODY
	                     ? "Body larger than maxHttpBufferSize"
	                     : "Body larger than 1 MiB (the HTTP API's limit)");
}

int srv_api_install(srv_api *api, eio_listener *l, const srv_config *cfg, sio_server *srv,
                    srv_auth *auth, srv_emit *emit, srv_metrics *metrics, const srv_fleet *fleet)
{
	api->fleet = fleet;
	api->cfg = cfg;
	api->srv = srv;
	api->nsp = sio_of(srv, "/");
	api->auth = auth;
	api->emit = emit;
	api->metrics = metrics;
	api->seq = 0;
	api->stats_asking = NULL;
	api->started = time(NULL);
	int r = eio_listener_set_http_handler(l, on_http, "x-api-key,x-request-id", api);
	if (r == 0)
		eio_listener_set_http_body_limit(l, body_limit(cfg), on_too_large);
	return r;
}
