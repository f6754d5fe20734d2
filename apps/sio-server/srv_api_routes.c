/* srv_api_routes.c - request-shape aliases (api.routes, srv_config_routes.h):
 * an old node server's endpoint, with its own path and field names, served
 * by the HTTP API's operations.
 *
 * The router (srv_api.c) finds the route by method and path and checks the
 * credentials as for every operation; here the route's map is evaluated on
 * the request (path parameters, the JSON body, the query) and the result is
 * handed to the operation: a broadcast goes through srv_emit (fan-in and
 * throttle, as POST /broadcast*), the others become the canonical body of
 * /emit, /sockets/join, /sockets/leave or /sockets/disconnect and go through
 * its parser (srv_api_ops.c), so an alias is checked exactly as the
 * canonical request would be. The answer is the canonical endpoint's.
 */
#include "srv_api_body.h"
#include "srv_api_endpoints.h"
#include "srv_api_ops.h"
#include "srv_api_req.h"
#include "srv_config_routes.h"
#include "srv_rooms.h"

#include "base/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_SEGS 32

/* ---- finding the route ------------------------------------------------------------ */

typedef struct seg {
	const char *p;
	size_t n;
} seg;

/* path[0..n) as segments (a trailing '/' ignored); -1 if too many. */
static int split(const char *path, size_t n, seg *out, size_t *nout)
{
	size_t k = 0, i = 0;
	if (n == 0 || path[0] != '/')
		return -1;
	i = 1;
	while (i < n) {
		size_t j = i;
		while (j < n && path[j] != '/')
			j++;
		if (j == i && j + 1 < n)
			return -1; /* "//": no route has an empty segment */
		if (j > i) {
			if (k == MAX_SEGS)
				return -1;
			out[k++] = (seg){ path + i, j - i };
		}
		i = j + 1;
	}
	*nout = k;
	return 0;
}

static bool route_matches(const srv_api_route *rt, const seg *s, size_t n)
{
	if (rt->segs.n != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		const char *want = rt->segs.v[i];
		if (want[0] == ':')
			continue;
		if (strlen(want) != s[i].n || memcmp(want, s[i].p, s[i].n))
			return false;
	}
	return true;
}

const srv_api_route *srv_api_route_find(const srv_config *cfg, const char *method, const char *path,
                                        size_t n)
{
	const srv_api_routes *rs = cfg->api.routes;
	const srv_api_route *other = NULL;
	seg s[MAX_SEGS];
	size_t ns = 0;
	if (!rs || split(path, n, s, &ns))
		return NULL;
	for (size_t i = 0; i < rs->n; i++) {
		const srv_api_route *rt = &rs->v[i];
		if (!route_matches(rt, s, ns))
			continue;
		if (!method || !strcmp(method, rt->method) ||
		    (!strcmp(method, "HEAD") && !strcmp(rt->method, "GET")))
			return rt;
		if (!other)
			other = rt;
	}
	return other;
}

const char *srv_api_route_method(const srv_api_route *rt)
{
	return rt->method;
}

/* ---- evaluating the map ----------------------------------------------------------- */

typedef struct ctx {
	srv_api_req *r;
	const srv_api_route *rt;
	seg segs[MAX_SEGS];
	base_json body; /* parsed when the request has one */
	bool has_body;
} ctx;

/* A value found in the request: a string (owned), or a token of the body. */
typedef struct val {
	bool set;
	char *s;
	int tok;
} val;

static int body_member(ctx *c, const char *path)
{
	if (!c->has_body)
		return -1;
	int t = base_json_root(&c->body);
	while (t >= 0 && *path) {
		size_t n = strcspn(path, ".");
		if (base_json_type(&c->body, t) != BASE_JSON_OBJECT)
			return -1;
		t = base_json_obj_getn(&c->body, t, path, n);
		path += n + (path[n] == '.');
	}
	if (t >= 0 && base_json_type(&c->body, t) == BASE_JSON_NULL)
		return -1; /* null: as absent */
	return t;
}

static const char *param(ctx *c, const char *name, size_t *n)
{
	for (size_t i = 0; i < c->rt->segs.n; i++)
		if (c->rt->segs.v[i][0] == ':' && !strcmp(c->rt->segs.v[i] + 1, name)) {
			*n = c->segs[i].n;
			return c->segs[i].p;
		}
	return NULL;
}

/* A plain source of kind (not a template) into v. 0, or -1 out of memory. */
static int eval_plain(ctx *c, int kind, const char *text, val *v)
{
	const char *q;
	size_t n = 0;
	memset(v, 0, sizeof(*v));
	v->tok = -1;
	switch (kind) {
	case SRV_SRC_LITERAL:
		v->s = strdup(text);
		break;
	case SRV_SRC_PARAM:
		if (!(q = param(c, text, &n)))
			return 0;
		v->s = strndup(q, n);
		break;
	case SRV_SRC_QUERY:
		if (!(q = eio_request_query(eio_http_request_info(c->r->req), text)))
			return 0;
		v->s = strdup(q);
		break;
	case SRV_SRC_BODY:
		if ((v->tok = body_member(c, text)) < 0)
			return 0;
		v->set = true;
		return 0;
	}
	if (!v->s)
		return -1;
	v->set = true;
	return 0;
}

/* A scalar of the body as text: a string unescaped, a number or boolean as
 * written. -1 for objects, arrays and strings with NUL. */
static int scalar_text(ctx *c, const val *v, base_buf *out)
{
	if (v->s)
		return base_buf_append(out, v->s, strlen(v->s));
	int type = base_json_type(&c->body, v->tok);
	size_t n = 0;
	if (type == BASE_JSON_STRING) {
		char *s = NULL;
		if (base_json_str_dup(&c->body, v->tok, &s, &n) || strlen(s) != n) {
			free(s);
			return -1;
		}
		int rc = base_buf_append(out, s, n);
		free(s);
		return rc;
	}
	if (type == BASE_JSON_OBJECT || type == BASE_JSON_ARRAY)
		return -1;
	const char *raw = base_json_raw(&c->body, v->tok, &n);
	return base_buf_append(out, raw, n);
}

/* "job:{:id}": each placeholder's value as text; unset when one is missing;
 * -1 (with *why) when one is not a scalar or memory runs out. */
static int eval_template(ctx *c, const char *t, val *v, const char **why)
{
	base_buf b = BASE_BUF_INIT;
	memset(v, 0, sizeof(*v));
	v->tok = -1;
	for (const char *p = t; *p; p++) {
		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			if (base_buf_append(&b, p, 1))
				goto oom;
			p++;
			continue;
		}
		if (*p != '{') {
			if (base_buf_append(&b, p, 1))
				goto oom;
			continue;
		}
		const char *end = strchr(p, '}');
		char inner[256];
		snprintf(inner, sizeof(inner), "%.*s", (int)(end - p - 1), p + 1);
		int kind = inner[0] == ':'                ? SRV_SRC_PARAM
		           : !strncmp(inner, "query.", 6) ? SRV_SRC_QUERY
		                                          : SRV_SRC_BODY;
		const char *name = kind == SRV_SRC_PARAM   ? inner + 1
		                   : kind == SRV_SRC_QUERY ? inner + 6
		                   : inner[4]              ? inner + 5
		                                           : "";
		val x;
		if (eval_plain(c, kind, name, &x))
			goto oom;
		if (!x.set) {
			base_buf_free(&b);
			return 0;
		}
		int rc = scalar_text(c, &x, &b);
		free(x.s);
		if (rc) {
			base_buf_free(&b);
			*why = "a template's value is an object, an array or not text";
			return -1;
		}
		p = end;
	}
	if (!(v->s = strndup(b.data ? b.data : "", b.len)))
		goto oom;
	v->set = true;
	base_buf_free(&b);
	return 0;
oom:
	base_buf_free(&b);
	*why = "out of memory";
	return -1;
}

static int eval(ctx *c, int key, val *v, const char **why)
{
	const srv_route_src *src = c->rt->map[key];
	memset(v, 0, sizeof(*v));
	v->tok = -1;
	if (!src)
		return 0;
	if (src->kind == SRV_SRC_TEMPLATE)
		return eval_template(c, src->text, v, why);
	if (eval_plain(c, src->kind, src->text + src->skip, v)) {
		*why = "out of memory";
		return -1;
	}
	return 0;
}

static void val_write(ctx *c, base_jsonw *w, const val *v)
{
	if (v->s)
		base_jsonw_str(w, v->s, strlen(v->s));
	else
		base_jsonw_tok(w, &c->body, v->tok);
}

/* ---- building the operation ------------------------------------------------------- */

typedef struct built {
	val v[SRV_RK_N];
} built;

static void built_free(built *b)
{
	for (int k = 0; k < SRV_RK_N; k++)
		free(b->v[k].s);
}

/* A list under key: the single value, then the plural one's elements (a
 * list) or the value itself. Nothing written when neither is set. */
static void put_list(ctx *c, base_jsonw *w, const built *b, const char *key, int one, int many)
{
	const val *a = one >= 0 ? &b->v[one] : NULL, *m = many >= 0 ? &b->v[many] : NULL;
	if (!(a && a->set) && !(m && m->set))
		return;
	base_jsonw_key(w, key, strlen(key));
	base_jsonw_array_begin(w);
	if (a && a->set)
		val_write(c, w, a);
	if (m && m->set) {
		if (!m->s && base_json_type(&c->body, m->tok) == BASE_JSON_ARRAY) {
			base_json_iter it;
			int e;
			base_json_iter_init(&c->body, m->tok, &it);
			while ((e = base_json_iter_next(&c->body, &it, NULL)) >= 0)
				base_jsonw_tok(w, &c->body, e);
		} else {
			val_write(c, w, m);
		}
	}
	base_jsonw_array_end(w);
}

static void put_target(ctx *c, base_jsonw *w, const built *b, const char *key, int room, int rooms,
                       int uid, int uids, int sid, int sids)
{
	bool any = false;
	int keys[] = { room, rooms, uid, uids, sid, sids };
	for (size_t i = 0; i < 6; i++)
		any |= keys[i] >= 0 && b->v[keys[i]].set;
	if (!any)
		return;
	base_jsonw_key(w, key, strlen(key));
	base_jsonw_object_begin(w);
	put_list(c, w, b, "rooms", room, rooms);
	put_list(c, w, b, "userIds", uid, uids);
	put_list(c, w, b, "socketIds", sid, sids);
	base_jsonw_object_end(w);
}

/* The canonical body of the action's operation (srv_api_ops.h). */
static void canonical(ctx *c, const built *b, base_jsonw *w)
{
	int act = c->rt->action;
	bool rooms_joined = act == SRV_ROUTE_JOIN || act == SRV_ROUTE_LEAVE;
	base_jsonw_object_begin(w);
	if (rooms_joined)
		put_target(c, w, b, "to", SRV_RK_IN_ROOM, -1, SRV_RK_USER_ID, SRV_RK_USER_IDS,
		           SRV_RK_SOCKET_ID, SRV_RK_SOCKET_IDS);
	else
		put_target(c, w, b, "to", SRV_RK_ROOM, SRV_RK_ROOMS, SRV_RK_USER_ID,
		           SRV_RK_USER_IDS, SRV_RK_SOCKET_ID, SRV_RK_SOCKET_IDS);
	put_target(c, w, b, "except", SRV_RK_EXCEPT_ROOM, -1, SRV_RK_EXCEPT_USER_ID, -1,
	           SRV_RK_EXCEPT_SOCKET_ID, -1);
	if (act == SRV_ROUTE_EMIT) {
		base_jsonw_key(w, "event", 5);
		val_write(c, w, &b->v[SRV_RK_EVENT]);
		if (b->v[SRV_RK_DATA].set) {
			base_jsonw_key(w, "data", 4);
			val_write(c, w, &b->v[SRV_RK_DATA]);
		}
	}
	if (rooms_joined) {
		bool one = b->v[SRV_RK_ROOM].set;
		base_jsonw_key(w, one ? "room" : "rooms", one ? 4 : 5);
		val_write(c, w, &b->v[one ? SRV_RK_ROOM : SRV_RK_ROOMS]);
	}
	const val *cl = &b->v[SRV_RK_CLOSE];
	if (act == SRV_ROUTE_DISCONNECT && cl->set) {
		base_jsonw_key(w, "close", 5);
		if (cl->s)
			base_jsonw_bool(w, !strcmp(cl->s, "true") || !strcmp(cl->s, "1"));
		else
			base_jsonw_tok(w, &c->body, cl->tok);
	}
	base_jsonw_object_end(w);
}

/* ---- the broadcast action ----------------------------------------------------------- */

/* A string value into buf (cap); -1 when not a string or too long. */
static int text_of(ctx *c, const val *v, char *buf, size_t cap)
{
	base_buf b = BASE_BUF_INIT;
	int rc = scalar_text(c, v, &b);
	if (!rc && (b.len == 0 || b.len >= cap))
		rc = -1;
	if (!rc) {
		memcpy(buf, b.data, b.len);
		buf[b.len] = '\0';
	}
	base_buf_free(&b);
	return rc;
}

static void broadcast(ctx *c, const built *b)
{
	srv_api_req *r = c->r;
	const srv_config *cfg = r->api->cfg;
	char event[SRV_API_MAX_EVENT_LEN + 1], id[SRV_MAX_ROOM_NAME + 1];
	char room[SRV_MAX_ROOM_NAME + 1];
	const char *to = NULL;
	if (text_of(c, &b->v[SRV_RK_EVENT], event, sizeof(event)) ||
	    sio_event_reserved(event, strlen(event))) {
		srv_api_fail(r, 400, "BAD_REQUEST",
		             "\"event\" must be a string of 1 to 256 bytes, not a reserved name");
		return;
	}
	if (b->v[SRV_RK_ROOM].set || b->v[SRV_RK_USER_ID].set) {
		bool user = b->v[SRV_RK_USER_ID].set;
		if (text_of(c, &b->v[user ? SRV_RK_USER_ID : SRV_RK_ROOM], id, sizeof(id))) {
			srv_api_fail(r, 400, "BAD_REQUEST",
			             user ? "\"userId\" must be a string or an integer"
			                  : "\"room\" must be a non-empty string");
			return;
		}
		srv_user u = { .user_id = id };
		if (user &&
		    srv_room_expand(cfg->api.user_room, &u, NULL, NULL, room, sizeof(room))) {
			srv_api_fail(r, 400, "BAD_REQUEST", "User id too long");
			return;
		}
		to = user ? room : id;
		if (strlen(to) > (size_t)cfg->limits.max_room_name_length) {
			srv_api_fail(r, 400, "BAD_REQUEST",
			             "Room name longer than limits.maxRoomNameLength");
			return;
		}
	}
	base_buf data = BASE_BUF_INIT;
	const val *d = &b->v[SRV_RK_DATA];
	const char *raw = NULL;
	size_t len = 0;
	if (d->set && d->s) {
		if (base_json_put_str(&data, d->s, strlen(d->s))) {
			srv_api_fail(r, 500, "INTERNAL", "out of memory");
			return;
		}
		raw = data.data;
		len = data.len;
	} else if (d->set) {
		raw = base_json_raw(&c->body, d->tok, &len);
	}
	srv_emit_result res;
	if (srv_emit_to(r->api->emit, to, event, raw, len, &res)) {
		base_buf_free(&data);
		srv_api_fail(r, 500, "INTERNAL", "Broadcast failed");
		return;
	}
	base_buf_free(&data);
	base_buf out = BASE_BUF_INIT;
	base_jsonw w;
	base_jsonw_init(&w, &out);
	base_jsonw_object_begin(&w);
	base_jsonw_key(&w, "event", 5);
	base_jsonw_str(&w, event, strlen(event));
	if (to) {
		base_jsonw_key(&w, "room", 4);
		base_jsonw_str(&w, to, strlen(to));
	}
	base_jsonw_key(&w, "recipientCount", 14);
	base_jsonw_int64(&w, res.recipients);
	if (res.throttled) {
		base_jsonw_key(&w, "throttled", 9);
		base_jsonw_bool(&w, 1);
	}
	base_jsonw_object_end(&w);
	srv_api_ok_json(r, res.throttled ? 202 : 200, &out, &w);
}

/* ---- the endpoint ------------------------------------------------------------------- */

static bool uses_body(const srv_api_route *rt)
{
	for (int k = 0; k < SRV_RK_N; k++) {
		const srv_route_src *s = rt->map[k];
		if (s && (s->kind == SRV_SRC_BODY ||
		          (s->kind == SRV_SRC_TEMPLATE && strstr(s->text, "{body"))))
			return true;
	}
	return false;
}

/* The request's JSON body into c->body when the route reads it. 0, or -1
 * with the 4xx answer sent. */
static int read_body(ctx *c)
{
	srv_api_req *r = c->r;
	const eio_request *info = eio_http_request_info(r->req);
	const char *ct = eio_request_header(info, "content-type");
	size_t len = 0;
	const char *js = eio_http_request_body(r->req, &len);
	if (!uses_body(c->rt) || len == 0)
		return 0;
	if (len > (size_t)r->api->cfg->max_http_buffer_size) {
		srv_api_fail(r, 413, "PAYLOAD_TOO_LARGE", "Body larger than maxHttpBufferSize");
		return -1;
	}
	if (ct && *ct &&
	    !(strncasecmp(ct, "application/json", 16) == 0 &&
	      (ct[16] == '\0' || ct[16] == ';' || ct[16] == ' '))) {
		srv_api_fail(r, 415, "UNSUPPORTED_MEDIA_TYPE",
		             "Content-Type must be application/json");
		return -1;
	}
	if (base_json_parse(&c->body, js, len)) {
		srv_api_fail(r, 400, "INVALID_JSON", "Body is not valid JSON");
		return -1;
	}
	c->has_body = true;
	return 0;
}

static const int op_kind[] = { 0, 0, SRV_OP_EMIT, SRV_OP_JOIN, SRV_OP_LEAVE, SRV_OP_DISCONNECT };

void srv_api_route_run(srv_api_req *r, const char *path)
{
	ctx c = { .r = r, .body = BASE_JSON_INIT };
	size_t ns = 0;
	built b;
	const char *why = NULL;
	memset(&b, 0, sizeof(b));
	c.rt = srv_api_route_find(r->api->cfg, eio_http_request_method(r->req), path, strlen(path));
	if (!c.rt || split(path, strlen(path), c.segs, &ns) || read_body(&c)) {
		if (!c.rt)
			srv_api_fail(r, 404, "NOT_FOUND", "Not found");
		base_json_free(&c.body);
		return;
	}
	for (int k = 0; k < SRV_RK_N && !why; k++)
		eval(&c, k, &b.v[k], &why);
	const srv_route_src *ev = c.rt->map[SRV_RK_EVENT];
	if (!why && ev && !b.v[SRV_RK_EVENT].set) {
		char msg[160];
		snprintf(msg, sizeof(msg), "\"event\" (from %s) is missing from the request",
		         ev->kind == SRV_SRC_TEMPLATE ? "a template" : ev->text);
		srv_api_fail(r, 400, "BAD_REQUEST", msg);
	} else if (why) {
		srv_api_fail(r, 400, "BAD_REQUEST", why);
	} else if (c.rt->action == SRV_ROUTE_BROADCAST) {
		broadcast(&c, &b);
	} else {
		base_buf out = BASE_BUF_INIT;
		base_jsonw w;
		base_jsonw_init(&w, &out);
		canonical(&c, &b, &w);
		if (base_jsonw_error(&w))
			srv_api_fail(r, 500, "INTERNAL", "out of memory");
		else
			srv_api_ops_run(r, op_kind[c.rt->action], out.data, out.len);
		base_buf_free(&out);
	}
	built_free(&b);
	base_json_free(&c.body);
}
