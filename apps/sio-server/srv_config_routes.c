/* srv_config_routes.c - the api.routes list (see srv_config_routes.h): each
 * route's method, path, action and map checked here, before the server
 * listens. Errors name the key path, as everywhere in the configuration,
 * and also the line and column of the offending value in the file, so an
 * alias list copied from an old server's code is quick to fix. */
#include "srv_config_routes.h"

#include "base/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROUTES 100

const char *const srv_route_keys[SRV_RK_N] = {
	"event",        "data",           "room",      "rooms",  "userId",
	"userIds",      "socketId",       "socketIds", "inRoom", "exceptRoom",
	"exceptUserId", "exceptSocketId", "close",
};

static const char *const action_names[] = {
	"", "broadcast", "emit", "join", "leave", "disconnect"
};

/* The fields each action takes (bit i: srv_route_keys[i]). */
#define B(k)   (1u << (k))
#define EXCEPT (B(SRV_RK_EXCEPT_ROOM) | B(SRV_RK_EXCEPT_USER_ID) | B(SRV_RK_EXCEPT_SOCKET_ID))
#define TARGETS                                                                      \
	(B(SRV_RK_ROOM) | B(SRV_RK_ROOMS) | B(SRV_RK_USER_ID) | B(SRV_RK_USER_IDS) | \
	 B(SRV_RK_SOCKET_ID) | B(SRV_RK_SOCKET_IDS))
#define SOCKETS                                                                                \
	(B(SRV_RK_USER_ID) | B(SRV_RK_USER_IDS) | B(SRV_RK_SOCKET_ID) | B(SRV_RK_SOCKET_IDS) | \
	 B(SRV_RK_IN_ROOM))
static const unsigned allowed[] = {
	[SRV_ROUTE_BROADCAST] =
	        B(SRV_RK_EVENT) | B(SRV_RK_DATA) | B(SRV_RK_ROOM) | B(SRV_RK_USER_ID),
	[SRV_ROUTE_EMIT] = B(SRV_RK_EVENT) | B(SRV_RK_DATA) | TARGETS | EXCEPT,
	[SRV_ROUTE_JOIN] = B(SRV_RK_ROOM) | B(SRV_RK_ROOMS) | SOCKETS | EXCEPT,
	[SRV_ROUTE_LEAVE] = B(SRV_RK_ROOM) | B(SRV_RK_ROOMS) | SOCKETS | EXCEPT,
	[SRV_ROUTE_DISCONNECT] = TARGETS | EXCEPT | B(SRV_RK_CLOSE),
};

/* An error at tok: "config: \"key.path\": line L, column C: message". */
static int fail_tok(srv_cfgp *p, int tok, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static int fail_tok(srv_cfgp *p, int tok, const char *fmt, ...)
{
	char msg[400];
	size_t n = 0, line = 0, col = 0;
	const char *raw = base_json_raw(p->doc, tok, &n);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!raw)
		return srv_cfgp_fail(p, "%s", msg);
	base_json_line_col(p->doc->js, p->doc->len, (size_t)(raw - p->doc->js), &line, &col);
	return srv_cfgp_fail(p, "line %zu, column %zu: %s", line, col, msg);
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

static bool has_param(const srv_api_route *rt, const char *name, size_t n)
{
	for (size_t i = 0; i < rt->segs.n; i++)
		if (rt->segs.v[i][0] == ':' && strlen(rt->segs.v[i] + 1) == n &&
		    !strncmp(rt->segs.v[i] + 1, name, n))
			return true;
	return false;
}

/* One plain source s[0..n) (not a template): its kind, or 0 with *why. */
static int source_kind(const srv_api_route *rt, const char *s, size_t n, const char **why)
{
	if (n >= 1 && s[0] == ':') {
		if (!has_param(rt, s + 1, n - 1)) {
			*why = "names no parameter of the route's path";
			return 0;
		}
		return SRV_SRC_PARAM;
	}
	if ((n == 4 && !strncmp(s, "body", 4)) || (n > 5 && !strncmp(s, "body.", 5))) {
		for (size_t i = 4; i < n; i++)
			if (s[i] == '.' && (i + 1 == n || s[i + 1] == '.')) {
				*why = "has an empty member name (\"body.a.b\")";
				return 0;
			}
		return SRV_SRC_BODY;
	}
	if (n > 6 && !strncmp(s, "query.", 6))
		return SRV_SRC_QUERY;
	return SRV_SRC_LITERAL;
}

/* A template's placeholders: each a source other than a literal. */
static int check_template(const srv_api_route *rt, const char *t, const char **why)
{
	for (const char *c = t; *c; c++) {
		if ((c[0] == '{' && c[1] == '{') || (c[0] == '}' && c[1] == '}')) {
			c++;
			continue;
		}
		if (*c == '}') {
			*why = "has an unmatched '}' (write \"}}\" for a brace)";
			return -1;
		}
		if (*c != '{')
			continue;
		const char *end = strchr(c, '}');
		if (!end) {
			*why = "has an unclosed '{'";
			return -1;
		}
		int k = source_kind(rt, c + 1, (size_t)(end - c - 1), why);
		if (k == 0)
			return -1;
		if (k == SRV_SRC_LITERAL) {
			*why = "has a placeholder that is not :param, body.x or query.x";
			return -1;
		}
		c = end;
	}
	return 0;
}

static int parse_src(srv_cfgp *p, int tok, const srv_api_route *rt, srv_route_src **out)
{
	size_t n = 0;
	char *s = NULL;
	const char *why = NULL;
	if (base_json_type(p->doc, tok) != BASE_JSON_STRING)
		return fail_tok(p, tok,
		                "expected a source string (\":param\", \"body.x\", "
		                "\"query.x\", a template or a literal), got %s",
		                srv_cfgp_type_name(base_json_type(p->doc, tok)));
	if (base_json_str_dup(p->doc, tok, &s, &n))
		return srv_cfgp_fail(p, "out of memory");
	srv_route_src *src = calloc(1, sizeof(*src));
	if (!src) {
		free(s);
		return srv_cfgp_fail(p, "out of memory");
	}
	*out = src;
	src->text = s;
	if (n == 0 || strlen(s) != n)
		return fail_tok(p, tok, "is empty or holds a NUL byte");
	if (strchr(s, '{') || strchr(s, '}')) {
		src->kind = SRV_SRC_TEMPLATE;
		if (check_template(rt, s, &why))
			return fail_tok(p, tok, "template \"%s\" %s", s, why);
		return 0;
	}
	if (!(src->kind = source_kind(rt, s, n, &why)))
		return fail_tok(p, tok, "\"%s\" %s", s, why);
	src->skip = src->kind == SRV_SRC_PARAM   ? 1
	            : src->kind == SRV_SRC_BODY  ? (n > 4 ? 5 : 4)
	            : src->kind == SRV_SRC_QUERY ? 6
	                                         : 0;
	return 0;
}

/* "/api/jobs/:jobId/progress": segments, parameters named and unique. */
static int parse_path(srv_cfgp *p, int obj, srv_api_route *rt)
{
	size_t old;
	int tok = srv_cfgp_enter(p, obj, "path", &old);
	if (tok < 0)
		return srv_cfgp_fail_at(p, "path", "required (\"/old/endpoint/:param\")");
	if (base_json_type(p->doc, tok) != BASE_JSON_STRING ||
	    base_json_str_dup(p->doc, tok, &rt->path, NULL))
		return fail_tok(p, tok, "expected a path string");
	const char *s = rt->path;
	if (s[0] != '/' || strlen(s) > 300 || strstr(s, "//") || strpbrk(s, "?#%"))
		return fail_tok(p, tok, "expected a path like \"/api/notify/:userId\", got \"%s\"",
		                s);
	for (const char *c = s + 1; *c;) {
		size_t n = strcspn(c, "/");
		if (n == 0) /* a trailing '/' */
			break;
		if (c[0] == ':') {
			for (size_t i = 1; i < n; i++)
				if (!name_char(c[i]))
					return fail_tok(p, tok,
					                "parameter names are letters, digits, "
					                "'_' and '-'");
			if (n == 1)
				return fail_tok(p, tok, "a parameter needs a name (\":userId\")");
			if (has_param(rt, c + 1, n - 1))
				return fail_tok(p, tok, "parameter \"%.*s\" appears twice", (int)n,
				                c);
		}
		if (srv_strv_push(&rt->segs, c, n))
			return srv_cfgp_fail(p, "out of memory");
		c += n + (c[n] == '/');
	}
	if (rt->segs.n == 0)
		return fail_tok(p, tok, "\"/\" alone cannot be an alias");
	srv_cfgp_pop(p, old);
	return 0;
}

static int parse_choice(srv_cfgp *p, int obj, const char *key, const char *const *names,
                        size_t nnames, int *out)
{
	size_t old;
	char buf[16];
	size_t n = 0;
	int tok = srv_cfgp_enter(p, obj, key, &old);
	if (tok < 0)
		return srv_cfgp_fail_at(p, key, "required");
	if (base_json_type(p->doc, tok) == BASE_JSON_STRING &&
	    !base_json_str_unescape(p->doc, tok, buf, sizeof(buf), &n))
		for (size_t i = 1; i < nnames; i++)
			if (!strcmp(buf, names[i])) {
				*out = (int)i;
				srv_cfgp_pop(p, old);
				return 0;
			}
	char list[128] = "";
	for (size_t i = 1; i < nnames; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
		         i > 1 ? ", " : "", names[i]);
	return fail_tok(p, tok, "expected one of %s", list);
}

static bool any(const srv_api_route *rt, unsigned mask)
{
	for (int k = 0; k < SRV_RK_N; k++)
		if ((mask & B(k)) && rt->map[k])
			return true;
	return false;
}

/* The map: known fields for the action, sources valid, the required ones. */
static int parse_map(srv_cfgp *p, int obj, srv_api_route *rt)
{
	size_t old;
	int m = srv_cfgp_enter(p, obj, "map", &old);
	if (m < 0)
		return srv_cfgp_fail_at(p, "map", "required ({field: source})");
	if (srv_cfgp_expect(p, m, BASE_JSON_OBJECT))
		return -1;
	base_json_iter it;
	int v, k;
	base_json_iter_init(p->doc, m, &it);
	while ((v = base_json_iter_next(p->doc, &it, &k)) >= 0) {
		int f = -1;
		for (int i = 0; i < SRV_RK_N && f < 0; i++)
			if (base_json_str_eq(p->doc, k, srv_route_keys[i],
			                     strlen(srv_route_keys[i])))
				f = i;
		if (f < 0 || !(allowed[rt->action] & B(f))) {
			char list[256] = "";
			for (int i = 0; i < SRV_RK_N; i++)
				if (allowed[rt->action] & B(i))
					snprintf(list + strlen(list), sizeof(list) - strlen(list),
					         "%s%s", *list ? ", " : "", srv_route_keys[i]);
			return fail_tok(p, k, "not a field of action \"%s\" (fields: %s)",
			                action_names[rt->action], list);
		}
		size_t o2 = srv_cfgp_push(p, srv_route_keys[f]);
		if (rt->map[f])
			return fail_tok(p, k, "given twice");
		if (parse_src(p, v, rt, &rt->map[f]))
			return -1;
		srv_cfgp_pop(p, o2);
	}
	int act = rt->action;
	if ((act == SRV_ROUTE_BROADCAST || act == SRV_ROUTE_EMIT) && !rt->map[SRV_RK_EVENT])
		return fail_tok(p, m, "\"event\" is required for action \"%s\"", action_names[act]);
	if (act == SRV_ROUTE_BROADCAST && rt->map[SRV_RK_ROOM] && rt->map[SRV_RK_USER_ID])
		return fail_tok(p, m, "a broadcast goes to a room or to a user, not both");
	if ((act == SRV_ROUTE_JOIN || act == SRV_ROUTE_LEAVE) &&
	    !rt->map[SRV_RK_ROOM] == !rt->map[SRV_RK_ROOMS])
		return fail_tok(p, m, "give \"room\" or \"rooms\" (the room to %s)",
		                action_names[act]);
	if ((act == SRV_ROUTE_JOIN || act == SRV_ROUTE_LEAVE) && !any(rt, SOCKETS))
		return fail_tok(p, m,
		                "name the sockets: userId, userIds, socketId, socketIds or "
		                "inRoom");
	if ((act == SRV_ROUTE_EMIT || act == SRV_ROUTE_DISCONNECT) && !any(rt, TARGETS))
		return fail_tok(p, m,
		                "name the sockets: room, rooms, userId, userIds, socketId or "
		                "socketIds (action \"broadcast\" reaches everyone)");
	srv_cfgp_pop(p, old);
	return 0;
}

static const char *const methods[] = { "", "GET", "POST", "PUT", "PATCH", "DELETE" };

static int parse_route(srv_cfgp *p, int tok, srv_api_route *rt)
{
	static const char *const keys[] = { "method", "path", "action", "map", NULL };
	int method = 0;
	if (srv_cfgp_object(p, tok, keys) ||
	    parse_choice(p, tok, "method", methods, sizeof(methods) / sizeof(*methods), &method) ||
	    srv_set_str(&rt->method, methods[method]) || parse_path(p, tok, rt) ||
	    parse_choice(p, tok, "action", action_names,
	                 sizeof(action_names) / sizeof(*action_names), &rt->action) ||
	    parse_map(p, tok, rt))
		return -1;
	return 0;
}

/* Two routes with one method and the same shape of path: the second could
 * never be reached. */
static bool same_shape(const srv_api_route *a, const srv_api_route *b)
{
	if (strcmp(a->method, b->method) || a->segs.n != b->segs.n)
		return false;
	for (size_t i = 0; i < a->segs.n; i++) {
		bool pa = a->segs.v[i][0] == ':', pb = b->segs.v[i][0] == ':';
		if (pa != pb || (!pa && strcmp(a->segs.v[i], b->segs.v[i])))
			return false;
	}
	return true;
}

int srv_cfgp_api_routes(srv_cfgp *p, int tok, srv_config *cfg)
{
	if (srv_cfgp_expect(p, tok, BASE_JSON_ARRAY))
		return -1;
	size_t n = (size_t)base_json_size(p->doc, tok);
	if (n > MAX_ROUTES)
		return fail_tok(p, tok, "at most %d routes", MAX_ROUTES);
	srv_api_routes *rs = calloc(1, sizeof(*rs));
	if (!rs || (n && !(rs->v = calloc(n, sizeof(*rs->v))))) {
		free(rs);
		return srv_cfgp_fail(p, "out of memory");
	}
	cfg->api.routes = rs;
	base_json_iter it;
	int val;
	base_json_iter_init(p->doc, tok, &it);
	while ((val = base_json_iter_next(p->doc, &it, NULL)) >= 0) {
		size_t old = srv_cfgp_index(p, rs->n);
		srv_api_route *rt = &rs->v[rs->n++];
		if (parse_route(p, val, rt))
			return -1;
		for (size_t i = 0; i + 1 < rs->n; i++)
			if (same_shape(&rs->v[i], rt))
				return fail_tok(p, val, "%s %s has the same path as routes[%zu]",
				                rt->method, rt->path, i);
		srv_cfgp_pop(p, old);
	}
	return 0;
}

void srv_config_routes_free(srv_config *cfg)
{
	srv_api_routes *rs = cfg->api.routes;
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n; i++) {
		srv_api_route *rt = &rs->v[i];
		free(rt->method);
		free(rt->path);
		srv_strv_free(&rt->segs);
		for (int k = 0; k < SRV_RK_N; k++) {
			if (rt->map[k])
				free(rt->map[k]->text);
			free(rt->map[k]);
		}
	}
	free(rs->v);
	free(rs);
	cfg->api.routes = NULL;
}
