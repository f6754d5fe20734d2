/* srv_config_json.c - the JSON walk behind srv_config_load.
 *
 * Typed getters over the strict JSON reader (base/json.h) that keep the dotted key
 * path ("rooms.joinEvents[1].authorize") so every configuration error names
 * its key, refuse unknown and duplicate keys (a typo in a config file must
 * fail, not be ignored), and copy strings into owned memory. Also the
 * owned-data helpers (string lists, pairs, replies), and the one shape of
 * a config error (srv_cfgp_fail, formatted by base/err.h). Shared by
 * srv_config.c (top-level sections) and srv_config_rooms.c.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/json.h"
#include "srv_config.h"
#include "srv_plainws.h"

/* ---- small owned-data helpers -------------------------------------------- */

int srv_set_str(char **dst, const char *s)
{
	char *d = NULL;

	if (s && !(d = strdup(s)))
		return -1;
	free(*dst);
	*dst = d;
	return 0;
}

void srv_strv_free(srv_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

int srv_strv_push(srv_strv *v, const char *s, size_t n)
{
	char **nv = realloc(v->v, (v->n + 1) * sizeof *nv);

	if (!nv)
		return -1;
	v->v = nv;
	if (!(nv[v->n] = strndup(s, n)))
		return -1;
	v->n++;
	return 0;
}

void srv_kvv_free(srv_kvv *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->v[i].key);
		free(v->v[i].value);
	}
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

void srv_reply_free(srv_reply *r)
{
	free(r->event);
	free(r->code);
	free(r->message);
	free(r->value_key);
	memset(r, 0, sizeof *r);
}

int srv_reply_set(srv_reply *r, const char *event, const char *code, const char *message)
{
	return srv_set_str(&r->event, event) || srv_set_str(&r->code, code) ||
	                       srv_set_str(&r->message, message)
	               ? -1
	               : 0;
}

/* ---- JSON walking with a key path ----------------------------------------- */

/* The one shape of a config error: "config: \"key.path\": message", or
 * "config: message" at the top. */
static int vfail(srv_cfgp *p, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static int vfail(srv_cfgp *p, const char *fmt, va_list ap)
{
	char msg[512];

	base_verrf(msg, sizeof msg, fmt, ap);
	if (!p->plen)
		return base_errf(p->err, p->errlen, "config: %s", msg);
	return base_errf(p->err, p->errlen, "config: \"%s\": %s", p->path, msg);
}

int srv_cfgp_fail(srv_cfgp *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(p, fmt, ap);
	va_end(ap);
	return -1;
}

int srv_cfgp_fail_at(srv_cfgp *p, const char *key, const char *fmt, ...)
{
	va_list ap;

	if (key && *key)
		srv_cfgp_push(p, key);
	va_start(ap, fmt);
	vfail(p, fmt, ap);
	va_end(ap);
	return -1;
}

static size_t push_text(srv_cfgp *p, const char *sep, const char *s)
{
	size_t old = p->plen;
	int n = snprintf(p->path + p->plen, sizeof p->path - p->plen, "%s%s", p->plen ? sep : "",
	                 s);

	if (n > 0)
		p->plen += (size_t)n < sizeof p->path - p->plen ? (size_t)n
		                                                : sizeof p->path - p->plen - 1;
	return old;
}

size_t srv_cfgp_push(srv_cfgp *p, const char *key)
{
	return push_text(p, ".", key);
}

int srv_cfgp_enter(srv_cfgp *p, int obj, const char *key, size_t *old)
{
	int v = base_json_obj_get(p->doc, obj, key);

	if (v >= 0)
		*old = srv_cfgp_push(p, key);
	return v;
}

size_t srv_cfgp_index(srv_cfgp *p, size_t i)
{
	char buf[32];

	snprintf(buf, sizeof buf, "[%zu]", i);
	return push_text(p, "", buf);
}

void srv_cfgp_pop(srv_cfgp *p, size_t old)
{
	p->plen = old;
	p->path[old] = '\0';
}

const char *srv_cfgp_type_name(int t)
{
	switch (t) {
	case BASE_JSON_OBJECT:
		return "an object";
	case BASE_JSON_ARRAY:
		return "an array";
	case BASE_JSON_STRING:
		return "a string";
	case BASE_JSON_NUMBER:
		return "a number";
	case BASE_JSON_TRUE:
	case BASE_JSON_FALSE:
		return "a boolean";
	case BASE_JSON_NULL:
		return "null";
	default:
		return "nothing";
	}
}

int srv_cfgp_expect(srv_cfgp *p, int tok, int want)
{
	int t = base_json_type(p->doc, tok);

	if (t == want || (want == BASE_JSON_TRUE && t == BASE_JSON_FALSE))
		return 0;
	return srv_cfgp_fail(p, "expected %s, got %s", srv_cfgp_type_name(want),
	                     srv_cfgp_type_name(t));
}

int srv_cfgp_list(srv_cfgp *p, int tok, void **arr, size_t *n, size_t sz,
                  int (*fn)(srv_cfgp *p, int tok, void *elem))
{
	base_json_iter it;
	int e;

	if (srv_cfgp_expect(p, tok, BASE_JSON_ARRAY))
		return -1;
	if (base_json_size(p->doc, tok) > 0 &&
	    !(*arr = calloc((size_t)base_json_size(p->doc, tok), sz)))
		return srv_cfgp_fail(p, "out of memory");
	base_json_iter_init(p->doc, tok, &it);
	while ((e = base_json_iter_next(p->doc, &it, NULL)) >= 0) {
		size_t old = srv_cfgp_index(p, *n);

		if (fn(p, e, (char *)*arr + sz * (*n)++))
			return -1;
		srv_cfgp_pop(p, old);
	}
	return 0;
}

/* An object whose keys are all in keys (NULL-terminated; NULL = any key),
 * none twice. */
int srv_cfgp_object(srv_cfgp *p, int tok, const char *const *keys)
{
	base_json_iter it;
	int k, v;

	if (srv_cfgp_expect(p, tok, BASE_JSON_OBJECT))
		return -1;
	base_json_iter_init(p->doc, tok, &it);
	while ((v = base_json_iter_next(p->doc, &it, &k)) >= 0) {
		char *name;
		size_t n, i, old;
		int dup = 0;

		if (base_json_str_dup(p->doc, k, &name, &n))
			return srv_cfgp_fail(p, "out of memory");
		for (int j = tok + 1; j < k; j = base_json_next(p->doc, j + 1))
			dup |= base_json_str_eq(p->doc, j, name, n);
		for (i = 0; keys && keys[i] && (strlen(name) != n || strcmp(keys[i], name)); i++)
			;
		old = srv_cfgp_push(p, strlen(name) == n ? name : "(a key with NUL)");
		free(name);
		if (keys && !keys[i]) {
			char allowed[512];
			size_t len = 0;

			allowed[0] = '\0';
			for (i = 0; keys[i] && len < sizeof allowed; i++)
				len += (size_t)snprintf(allowed + len, sizeof allowed - len, "%s%s",
				                        i ? ", " : "", keys[i]);
			return srv_cfgp_fail(p, "unknown key (allowed: %s)", allowed);
		}
		if (dup)
			return srv_cfgp_fail(p, "duplicate key");
		srv_cfgp_pop(p, old);
	}
	return 0;
}

/* A non-empty string without NUL bytes; tok must be a string already. */
static int dup_string(srv_cfgp *p, int tok, char **out)
{
	char *s;
	size_t n;

	if (srv_cfgp_expect(p, tok, BASE_JSON_STRING))
		return -1;
	if (base_json_str_dup(p->doc, tok, &s, &n))
		return srv_cfgp_fail(p, "out of memory");
	if (n == 0 || strlen(s) != n) {
		free(s);
		return srv_cfgp_fail(p, n ? "contains a NUL byte" : "is empty");
	}
	free(*out);
	*out = s;
	return 0;
}

int srv_cfgp_str(srv_cfgp *p, int obj, const char *key, char **out)
{
	int v, rc;
	size_t old;

	if ((v = srv_cfgp_enter(p, obj, key, &old)) < 0)
		return 0;
	rc = dup_string(p, v, out);
	srv_cfgp_pop(p, old);
	return rc;
}

int srv_cfgp_bool(srv_cfgp *p, int obj, const char *key, bool *out)
{
	int v;
	size_t old;

	if ((v = srv_cfgp_enter(p, obj, key, &old)) < 0)
		return 0;
	if (srv_cfgp_expect(p, v, BASE_JSON_TRUE))
		return -1;
	srv_cfgp_pop(p, old);
	*out = base_json_type(p->doc, v) == BASE_JSON_TRUE;
	return 0;
}

int srv_cfgp_long(srv_cfgp *p, int obj, const char *key, long *out, long min, long max)
{
	int v;
	int64_t x;
	size_t old, n;
	const char *raw;

	if ((v = srv_cfgp_enter(p, obj, key, &old)) < 0)
		return 0;
	if (srv_cfgp_expect(p, v, BASE_JSON_NUMBER))
		return -1;
	raw = base_json_raw(p->doc, v, &n);
	if (base_json_int64(p->doc, v, &x) || x < min || x > max)
		return srv_cfgp_fail(p, "expected an integer from %ld to %ld, got %.*s", min, max,
		                     (int)n, raw);
	srv_cfgp_pop(p, old);
	*out = (long)x;
	return 0;
}

/* An array of non-empty strings; replaces *out. */
int srv_cfgp_strv(srv_cfgp *p, int obj, const char *key, srv_strv *out)
{
	int v, e;
	base_json_iter it;
	size_t old, i = 0;
	srv_strv nv = { NULL, 0 };

	if ((v = srv_cfgp_enter(p, obj, key, &old)) < 0)
		return 0;
	if (srv_cfgp_expect(p, v, BASE_JSON_ARRAY))
		return -1;
	base_json_iter_init(p->doc, v, &it);
	while ((e = base_json_iter_next(p->doc, &it, NULL)) >= 0) {
		size_t o2 = srv_cfgp_index(p, i++);
		char *s = NULL;

		if (dup_string(p, e, &s) || srv_strv_push(&nv, s, strlen(s))) {
			if (s)
				srv_cfgp_fail(p, "out of memory");
			free(s);
			srv_strv_free(&nv);
			return -1;
		}
		free(s);
		srv_cfgp_pop(p, o2);
	}
	srv_cfgp_pop(p, old);
	srv_strv_free(out);
	*out = nv;
	return 0;
}

/* {event, code, message, valueKey}, each overriding what *out holds. */
int srv_cfgp_reply(srv_cfgp *p, int obj, const char *key, srv_reply *out)
{
	static const char *const keys[] = { "event", "code", "message", "valueKey", NULL };
	int v, rc;
	size_t old;

	if ((v = srv_cfgp_enter(p, obj, key, &old)) < 0)
		return 0;
	rc = srv_cfgp_object(p, v, keys) || srv_cfgp_str(p, v, "event", &out->event) ||
	                     srv_cfgp_str(p, v, "code", &out->code) ||
	                     srv_cfgp_str(p, v, "message", &out->message) ||
	                     srv_cfgp_str(p, v, "valueKey", &out->value_key)
	             ? -1
	             : 0;
	if (!rc)
		srv_cfgp_pop(p, old);
	return rc;
}

/* ---- checks shared with env and flags ------------------------------------ */

/* A URL path: starts with '/', no spaces, no '?' or '#'. */
const char *srv_cfg_bad_path(const char *s)
{
	if (s[0] != '/')
		return "must start with '/'";
	if (strpbrk(s, " \t\r\n?#"))
		return "must not contain spaces, '?' or '#'";
	return NULL;
}

/* Set cfg->path to s (bad_path already checked), with a trailing '/'. */
int srv_cfg_set_path(srv_config *cfg, const char *s)
{
	size_t n = strlen(s);
	char *d = malloc(n + 2);

	if (!d)
		return -1;
	memcpy(d, s, n + 1);
	if (n && d[n - 1] != '/')
		memcpy(d + n, "/", 2);
	free(cfg->path);
	cfg->path = d;
	return 0;
}

/* "scheme://host[:port]" exactly (as browsers send Origin), or NULL. */
const char *srv_cfg_bad_origin(const char *s)
{
	const char *h, *e;

	if (!strncmp(s, "http://", 7))
		h = s + 7;
	else if (!strncmp(s, "https://", 8))
		h = s + 8;
	else
		return "must start with http:// or https://";
	e = h + strcspn(h, ":/?# \t");
	if (e == h)
		return "has no host";
	if (*e == ':') {
		const char *d = ++e;

		while (*e >= '0' && *e <= '9')
			e++;
		if (e == d || e - d > 5)
			return "has a bad port";
	}
	if (*e)
		return "must be scheme://host[:port] with no path or trailing '/'";
	return NULL;
}

/* ---- the file -------------------------------------------------------------- */

static int parse_cors(srv_cfgp *p, int obj, srv_config *cfg)
{
	static const char *const keys[] = { "origins", "credentials", "developmentLocalhost",
		                            NULL };
	int v;

	if (srv_cfgp_object(p, obj, keys) ||
	    srv_cfgp_bool(p, obj, "credentials", &cfg->cors.credentials) ||
	    srv_cfgp_bool(p, obj, "developmentLocalhost", &cfg->cors.development_localhost))
		return -1;
	if ((v = base_json_obj_get(p->doc, obj, "origins")) < 0)
		return 0;
	if (base_json_str_eq(p->doc, v, "*", 1)) {
		srv_strv_free(&cfg->cors.origins);
		cfg->cors.any_origin = true;
		return 0;
	}
	if (base_json_type(p->doc, v) != BASE_JSON_ARRAY) {
		return srv_cfgp_fail_at(p, "origins",
		                        "expected \"*\" or an array of origins, got %s",
		                        srv_cfgp_type_name(base_json_type(p->doc, v)));
	}
	if (srv_cfgp_strv(p, obj, "origins", &cfg->cors.origins))
		return -1;
	cfg->cors.any_origin = false;
	for (size_t i = 0; i < cfg->cors.origins.n; i++) {
		const char *s = cfg->cors.origins.v[i], *why = srv_cfg_bad_origin(s);

		if (!strcmp(s, "*"))
			why = "must be given alone, as the string \"*\"";
		if (why) {
			srv_cfgp_push(p, "origins");
			srv_cfgp_index(p, i);
			return srv_cfgp_fail(p, "\"%s\" %s", s, why);
		}
	}
	return 0;
}

static int parse_auth(srv_cfgp *p, int obj, srv_config *cfg)
{
	static const char *const keys[] = {
		"required",         "algorithm",  "secret",      "secretEnv", "publicKeyFile",
		"leewaySeconds",    "requireExp", "userIdClaim", "roleClaim", "tokenSources",
		"refreshEvent",     "issuer",     "audience",    "jwksUrl",   "jwksRefreshMs",
		"jwksMinRefreshMs", NULL
	};
	srv_config_auth *a = &cfg->auth;
	char *alg = NULL;
	srv_strv src = { NULL, 0 };
	size_t old;
	int v;

	if (srv_cfgp_object(p, obj, keys) || srv_cfgp_bool(p, obj, "required", &a->required) ||
	    srv_cfgp_str(p, obj, "secret", &a->secret) ||
	    srv_cfgp_str(p, obj, "secretEnv", &a->secret_env) ||
	    srv_cfgp_str(p, obj, "publicKeyFile", &a->public_key_file) ||
	    srv_cfgp_long(p, obj, "leewaySeconds", &a->leeway_seconds, 0, SRV_JWT_MAX_LEEWAY) ||
	    srv_cfgp_bool(p, obj, "requireExp", &a->require_exp) ||
	    srv_cfgp_str(p, obj, "userIdClaim", &a->user_id_claim) ||
	    srv_cfgp_str(p, obj, "roleClaim", &a->role_claim) ||
	    srv_cfgp_str(p, obj, "refreshEvent", &a->refresh_event) ||
	    srv_cfgp_str(p, obj, "issuer", &a->issuer) ||
	    srv_cfgp_str(p, obj, "audience", &a->audience) ||
	    srv_cfgp_str(p, obj, "jwksUrl", &a->jwks_url) ||
	    srv_cfgp_long(p, obj, "jwksRefreshMs", &a->jwks_refresh_ms, 1000, SRV_CONFIG_MAX_MS) ||
	    srv_cfgp_long(p, obj, "jwksMinRefreshMs", &a->jwks_min_refresh_ms, 1,
	                  SRV_CONFIG_MAX_MS))
		return -1;
	if (srv_cfgp_str(p, obj, "algorithm", &alg))
		return -1;
	if (alg) {
		srv_jwt_alg x = srv_jwt_alg_from_name(alg);

		if (x == SRV_JWT_ALG_INVALID) {
			srv_cfgp_fail_at(p, "algorithm",
			                 "expected one of HS256, RS256, ES256, got \"%s\"", alg);
			free(alg);
			return -1;
		}
		free(alg);
		a->algorithm = x;
	}
	if (a->secret && base_json_obj_get(p->doc, obj, "secretEnv") >= 0) {
		return srv_cfgp_fail_at(p, "secret",
		                        "give either \"secret\" or \"secretEnv\", "
		                        "not both");
	}
	if (a->secret && a->algorithm != SRV_JWT_HS256) {
		return srv_cfgp_fail_at(p, "secret", "only used with HS256 (algorithm is %s)",
		                        srv_jwt_alg_name(a->algorithm));
	}
	if (a->public_key_file && a->algorithm == SRV_JWT_HS256) {
		return srv_cfgp_fail_at(p, "publicKeyFile",
		                        "only used with RS256 or ES256 "
		                        "(algorithm is HS256)");
	}
	if ((v = base_json_obj_get(p->doc, obj, "tokenSources")) < 0)
		return 0;
	if (srv_cfgp_strv(p, obj, "tokenSources", &src))
		return -1;
	old = srv_cfgp_push(p, "tokenSources");
	if (src.n == 0 || src.n > 3) {
		srv_strv_free(&src);
		return srv_cfgp_fail(p, "expected 1 to 3 of \"auth\", \"header\", "
		                        "\"query\"");
	}
	a->ntoken_sources = 0;
	for (size_t i = 0; i < src.n; i++) {
		const char *s = src.v[i];
		srv_token_source t = !strcmp(s, "auth")     ? SRV_TOKEN_AUTH
		                     : !strcmp(s, "header") ? SRV_TOKEN_HEADER
		                     : !strcmp(s, "query")  ? SRV_TOKEN_QUERY
		                                            : 0;

		for (size_t j = 0; t && j < a->ntoken_sources; j++)
			if (a->token_sources[j] == t)
				t = 0;
		if (!t) {
			srv_cfgp_index(p, i);
			srv_cfgp_fail(p,
			              "expected \"auth\", \"header\" or \"query\" (each "
			              "once), got \"%s\"",
			              s);
			srv_strv_free(&src);
			return -1;
		}
		a->token_sources[a->ntoken_sources++] = t;
	}
	srv_strv_free(&src);
	srv_cfgp_pop(p, old);
	return 0;
}

/* A path setting: starts with '/'; a trailing '/' is dropped. */
static int path_key(srv_cfgp *p, int obj, const char *key, char **out)
{
	const char *why;
	size_t n;

	if (srv_cfgp_str(p, obj, key, out))
		return -1;
	if ((why = srv_cfg_bad_path(*out)) != NULL) {
		srv_cfgp_push(p, key);
		return srv_cfgp_fail(p, "%s, got \"%s\"", why, *out);
	}
	n = strlen(*out);
	while (n > 1 && (*out)[n - 1] == '/')
		(*out)[--n] = '\0';
	return 0;
}

/* api.userRoom: the URL's user id is its only value, so "{userId}" must
 * appear and be the only placeholder ("{{" and "}}" are literal braces). */
static bool bad_user_room(const char *t)
{
	bool has = false;

	for (; *t; t++) {
		if ((t[0] == '{' && t[1] == '{') || (t[0] == '}' && t[1] == '}'))
			t++;
		else if (!strncmp(t, "{userId}", 8))
			has = true, t += 7;
		else if (*t == '{' || *t == '}')
			return true;
	}
	return !has;
}

static int parse_api(srv_cfgp *p, int obj, srv_config *cfg)
{
	static const char *const keys[] = { "enabled",   "prefix",   "aliases", "apiKeys",
		                            "adminRole", "userRoom", "routes",  NULL };
	srv_config_api *a = &cfg->api;
	size_t old;
	int routes;

	if (srv_cfgp_object(p, obj, keys) || srv_cfgp_bool(p, obj, "enabled", &a->enabled) ||
	    path_key(p, obj, "prefix", &a->prefix) ||
	    srv_cfgp_strv(p, obj, "aliases", &a->aliases) ||
	    srv_cfgp_strv(p, obj, "apiKeys", &a->api_keys) ||
	    srv_cfgp_str(p, obj, "adminRole", &a->admin_role) ||
	    srv_cfgp_str(p, obj, "userRoom", &a->user_room))
		return -1;
	if ((routes = srv_cfgp_enter(p, obj, "routes", &old)) >= 0) {
		if (srv_cfgp_api_routes(p, routes, cfg))
			return -1;
		srv_cfgp_pop(p, old);
	}
	if (bad_user_room(a->user_room)) {
		return srv_cfgp_fail_at(p, "userRoom",
		                        "expected a room template with {userId} and "
		                        "no other placeholder, got \"%s\"",
		                        a->user_room);
	}
	for (size_t i = 0; i < a->aliases.n; i++) {
		const char *why = srv_cfg_bad_path(a->aliases.v[i]);

		if (why) {
			srv_cfgp_push(p, "aliases");
			srv_cfgp_index(p, i);
			return srv_cfgp_fail(p, "%s, got \"%s\"", why, a->aliases.v[i]);
		}
	}
	return 0;
}

static int parse_section(srv_cfgp *p, int root, const char *key,
                         int (*fn)(srv_cfgp *, int, srv_config *), srv_config *cfg)
{
	int v;
	size_t old;

	if ((v = srv_cfgp_enter(p, root, key, &old)) < 0)
		return 0;
	if (fn(p, v, cfg))
		return -1;
	srv_cfgp_pop(p, old);
	return 0;
}

static int parse_metrics(srv_cfgp *p, int obj, srv_config *cfg)
{
	static const char *const keys[] = { "enabled", "path", "requireApiKey", NULL };

	return srv_cfgp_object(p, obj, keys) ||
	                       srv_cfgp_bool(p, obj, "enabled", &cfg->metrics.enabled) ||
	                       srv_cfgp_bool(p, obj, "requireApiKey",
	                                     &cfg->metrics.require_api_key) ||
	                       path_key(p, obj, "path", &cfg->metrics.path)
	               ? -1
	               : 0;
}

int srv_cfgp_limits(srv_cfgp *p, int obj, srv_config *cfg)
{
	static const char *const keys[] = { "eventsPerMinute",
		                            "connectionsPerMinutePerIp",
		                            "maxRoomsPerSocket",
		                            "maxRoomNameLength",
		                            "subscribeEventsPerMinute",
		                            "exceeded",
		                            NULL };
	srv_config_limits *l = &cfg->limits;

	return srv_cfgp_object(p, obj, keys) ||
	                       srv_cfgp_long(p, obj, "eventsPerMinute", &l->events_per_minute, 0,
	                                     1000000) ||
	                       srv_cfgp_long(p, obj, "connectionsPerMinutePerIp",
	                                     &l->connections_per_minute_per_ip, 0, 1000000) ||
	                       srv_cfgp_long(p, obj, "maxRoomsPerSocket", &l->max_rooms_per_socket,
	                                     0, 1000000) ||
	                       srv_cfgp_long(p, obj, "maxRoomNameLength", &l->max_room_name_length,
	                                     1, SRV_MAX_ROOM_NAME) ||
	                       srv_cfgp_long(p, obj, "subscribeEventsPerMinute",
	                                     &l->subscribe_events_per_minute, 0, 1000000) ||
	                       srv_cfgp_reply(p, obj, "exceeded", &l->exceeded)
	               ? -1
	               : 0;
}

/* "admission": the bounds on new sessions (eio_options). */
static int parse_admission(srv_cfgp *p, int obj, srv_config *cfg)
{
	static const char *const keys[] = { "maxPendingHandshakes", "maxConnectionsPerAddress",
		                            "retryAfterSeconds", "trustedProxies", NULL };
	srv_config_admission *a = &cfg->admission;

	return srv_cfgp_object(p, obj, keys) ||
	                       srv_cfgp_long(p, obj, "maxPendingHandshakes",
	                                     &a->max_pending_handshakes, 0, 10000000) ||
	                       srv_cfgp_long(p, obj, "maxConnectionsPerAddress",
	                                     &a->max_connections_per_address, 0, 10000000) ||
	                       srv_cfgp_long(p, obj, "retryAfterSeconds", &a->retry_after_seconds,
	                                     1, 3600) ||
	                       srv_cfgp_str(p, obj, "trustedProxies", &a->trusted_proxies)
	               ? -1
	               : 0;
}

/* "timeouts": the phases a peer can stall. */
static int parse_timeouts(srv_cfgp *p, int obj, srv_config *cfg)
{
	static const char *const keys[] = { "headerMs", "bodyMs", "keepAliveMs", NULL };
	srv_config_timeouts *t = &cfg->timeouts;

	return srv_cfgp_object(p, obj, keys) ||
	                       srv_cfgp_long(p, obj, "headerMs", &t->header_ms, 100, 3600000) ||
	                       srv_cfgp_long(p, obj, "bodyMs", &t->body_ms, 100, 3600000) ||
	                       srv_cfgp_long(p, obj, "keepAliveMs", &t->keep_alive_ms, 100, 3600000)
	               ? -1
	               : 0;
}

static int parse_shutdown(srv_cfgp *p, int obj, srv_config *cfg)
{
	static const char *const keys[] = { "event", "graceMs", NULL };

	return srv_cfgp_object(p, obj, keys) ||
	                       srv_cfgp_str(p, obj, "event", &cfg->shutdown_event) ||
	                       srv_cfgp_long(p, obj, "graceMs", &cfg->shutdown_grace_ms, 0, 600000)
	               ? -1
	               : 0;
}

/* "parser": the Socket.IO packet encoding, named as node's servers name the
 * parser packages: "default" (socket.io-parser) or "msgpack"
 * (socket.io-msgpack-parser). */
static int parse_parser(srv_cfgp *p, int root, srv_config *cfg)
{
	char *name = NULL;
	int rc = 0;

	if (srv_cfgp_str(p, root, "parser", &name))
		return -1;
	if (!name) /* absent: the default */
		return 0;
	if (!strcmp(name, "default") || !strcmp(name, "msgpack"))
		cfg->parser_msgpack = !strcmp(name, "msgpack");
	else
		rc = srv_cfgp_fail_at(p, "parser",
		                      "expected \"default\" or \"msgpack\", got \"%s\"", name);
	free(name);
	return rc;
}

int srv_cfgp_root(srv_cfgp *p, srv_config *cfg)
{
	static const char *const keys[] = { "port",
		                            "host",
		                            "path",
		                            "pingInterval",
		                            "pingTimeout",
		                            "maxHttpBufferSize",
		                            "transports",
		                            "trustProxy",
		                            "cors",
		                            "auth",
		                            "api",
		                            "metrics",
		                            "limits",
		                            "rooms",
		                            "presence",
		                            "shutdown",
		                            "tokenExpiry",
		                            "throttle",
		                            "replies",
		                            "parser",
		                            "allowEIO3",
		                            "webhooks",
		                            "relay",
		                            "redis",
		                            "ingest",
		                            "plainWebSockets",
		                            "connectionStateRecovery",
		                            "adminUi",
		                            "namespaces",
		                            "admission",
		                            "timeouts",
		                            NULL };
	long port = cfg->port;
	char *path = NULL;
	srv_strv tr = { NULL, 0 };
	int root = 0, rc;

	if (srv_cfgp_object(p, root, keys) || srv_cfgp_long(p, root, "port", &port, 1, 65535) ||
	    srv_cfgp_str(p, root, "host", &cfg->host) ||
	    srv_cfgp_long(p, root, "pingInterval", &cfg->ping_interval, 1, SRV_CONFIG_MAX_MS) ||
	    srv_cfgp_long(p, root, "pingTimeout", &cfg->ping_timeout, 1, SRV_CONFIG_MAX_MS) ||
	    srv_cfgp_long(p, root, "maxHttpBufferSize", &cfg->max_http_buffer_size, 1, 1L << 30) ||
	    srv_cfgp_bool(p, root, "trustProxy", &cfg->trust_proxy) ||
	    srv_cfgp_bool(p, root, "allowEIO3", &cfg->allow_eio3))
		return -1;
	cfg->port = (int)port;
	if (srv_cfgp_str(p, root, "path", &path))
		return -1;
	if (path) {
		const char *why = srv_cfg_bad_path(path);

		if (why) {
			srv_cfgp_fail_at(p, "path", "%s, got \"%s\"", why, path);
			free(path);
			return -1;
		}
		rc = srv_cfg_set_path(cfg, path);
		free(path);
		if (rc)
			return srv_cfgp_fail(p, "out of memory");
	}
	if (parse_parser(p, root, cfg) || srv_cfgp_strv(p, root, "transports", &tr))
		return -1;
	if (base_json_obj_get(p->doc, root, "transports") >= 0) {
		cfg->transport_polling = cfg->transport_websocket = false;
		for (size_t i = 0; i < tr.n; i++) {
			bool *t = !strcmp(tr.v[i], "polling")     ? &cfg->transport_polling
			          : !strcmp(tr.v[i], "websocket") ? &cfg->transport_websocket
			                                          : NULL;

			if (!t || *t) {
				srv_cfgp_push(p, "transports");
				srv_cfgp_index(p, i);
				srv_cfgp_fail(p,
				              "expected \"polling\" or \"websocket\" (each "
				              "once), got \"%s\"",
				              tr.v[i]);
				srv_strv_free(&tr);
				return -1;
			}
			*t = true;
		}
		srv_strv_free(&tr);
		if (!cfg->transport_polling && !cfg->transport_websocket) {
			return srv_cfgp_fail_at(p, "transports", "needs at least one transport");
		}
	}
	return parse_section(p, root, "cors", parse_cors, cfg) ||
	                       parse_section(p, root, "auth", parse_auth, cfg) ||
	                       parse_section(p, root, "api", parse_api, cfg) ||
	                       parse_section(p, root, "metrics", parse_metrics, cfg) ||
	                       parse_section(p, root, "limits", srv_cfgp_limits, cfg) ||
	                       parse_section(p, root, "admission", parse_admission, cfg) ||
	                       parse_section(p, root, "timeouts", parse_timeouts, cfg) ||
	                       parse_section(p, root, "rooms", srv_cfgp_rooms, cfg) ||
	                       parse_section(p, root, "presence", srv_cfgp_presence, cfg) ||
	                       parse_section(p, root, "shutdown", parse_shutdown, cfg) ||
	                       srv_cfgp_reply(p, root, "tokenExpiry", &cfg->token_expiry) ||
	                       parse_section(p, root, "throttle", srv_cfgp_throttle, cfg) ||
	                       parse_section(p, root, "replies", srv_cfgp_replies, cfg) ||
	                       parse_section(p, root, "webhooks", srv_cfgp_webhooks, cfg) ||
	                       parse_section(p, root, "relay", srv_cfgp_relay, cfg) ||
	                       parse_section(p, root, "redis", srv_cfgp_redis, cfg) ||
	                       parse_section(p, root, "connectionStateRecovery", srv_cfgp_recovery,
	                                     cfg) ||
	                       parse_section(p, root, "ingest", srv_cfgp_ingest, cfg) ||
	                       parse_section(p, root, "plainWebSockets", srv_cfgp_plainws, cfg) ||
	                       parse_section(p, root, "adminUi", srv_cfgp_admin, cfg) ||
	                       parse_section(p, root, "namespaces", srv_cfgp_namespaces, cfg)
	               ? -1
	               : 0;
}
