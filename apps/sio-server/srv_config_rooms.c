/* srv_config_rooms.c - the declarative room rules of sio-server's config.
 *
 * What each node server coded by hand (join "job:<id>" from a query
 * parameter, answer "join_project" if the JWT lists the project, put every
 * user in "user:<id>"...) is declared under "rooms" and parsed here, along
 * with the small sections that name events: presence, throttle, replies.
 * Regular expressions are compiled now (anchored, so a pattern must match
 * the whole value) and room templates are checked now (every placeholder
 * known), so a broken rule stops the server before it listens instead of
 * silently never matching. Layout of the result: srv_config.h.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "socketio.h"
#include "srv_config.h"

/* A room template: "{userId}", "{claims.NAME}", "{<extra>}" if extra is
 * not NULL; "{{" and "}}" are literal braces. */
static int check_template(srv_cfgp *p, const char *key, const char *t, const char *extra)
{
	for (const char *s = t; *s; s++) {
		const char *e;
		size_t n;

		if ((s[0] == '{' && s[1] == '{') || (s[0] == '}' && s[1] == '}')) {
			s++;
			continue;
		}
		if (*s == '}')
			return srv_cfgp_fail_at(p, key,
			                        "unmatched '}' in \"%s\" (write \"}}\" for "
			                        "a literal brace)",
			                        t);
		if (*s != '{')
			continue;
		if (!(e = strchr(s, '}')))
			return srv_cfgp_fail_at(p, key, "unclosed '{' in \"%s\"", t);
		n = (size_t)(e - s - 1);
		if (!((n == 6 && !strncmp(s + 1, "userId", 6)) ||
		      (n > 7 && !strncmp(s + 1, "claims.", 7) &&
		       strcspn(s + 8, "{} \t") >= n - 7) ||
		      (extra && n == strlen(extra) && !strncmp(s + 1, extra, n))))
			return srv_cfgp_fail_at(p, key,
			                        "unknown placeholder \"%.*s\" in \"%s\" "
			                        "(allowed: {userId}, {claims.NAME}%s%s%s)",
			                        (int)n + 2, s, t, extra ? ", {" : "",
			                        extra ? extra : "", extra ? "}" : "");
		s = e;
	}
	return 0;
}

/* A string template under key (required or not), checked. */
static int template_key(srv_cfgp *p, int obj, const char *key, char **out, const char *extra,
                        int required)
{
	if (srv_cfgp_str(p, obj, key, out))
		return -1;
	if (!*out)
		return required ? srv_cfgp_fail_at(p, key, "required") : 0;
	return check_template(p, key, *out, extra);
}

/* A POSIX ERE under key: checked as written, stored anchored. */
static int regex_key(srv_cfgp *p, int obj, const char *key, char **src, regex_t *re)
{
	char *s = NULL, *anchored, msg[256];
	regex_t probe;
	int rc;

	if (srv_cfgp_str(p, obj, key, &s) || !s)
		return s ? -1 : 0;
	if ((rc = regcomp(&probe, s, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(rc, &probe, msg, sizeof msg);
		srv_cfgp_fail_at(p, key, "invalid regular expression \"%s\": %s", s, msg);
		free(s);
		return -1;
	}
	regfree(&probe);
	if (asprintf(&anchored, "^(%s)$", s) < 0) {
		free(s);
		return srv_cfgp_fail(p, "out of memory");
	}
	rc = regcomp(re, anchored, REG_EXTENDED | REG_NOSUB);
	free(anchored);
	if (rc) {
		free(s);
		return srv_cfgp_fail_at(p, key, "invalid regular expression once anchored");
	}
	*src = s; /* from now on, *src set <=> re compiled */
	return 0;
}

/* The object at tok (path already pushed): name -> string pairs, or
 * integers too if numbers (kept as their text). */
static int kvv_tok(srv_cfgp *p, int tok, srv_kvv *out, int numbers)
{
	base_json_iter it;
	int val, k;

	if (srv_cfgp_object(p, tok, NULL))
		return -1;
	base_json_iter_init(p->doc, tok, &it);
	while ((val = base_json_iter_next(p->doc, &it, &k)) >= 0) {
		srv_kv *nv = realloc(out->v, (out->n + 1) * sizeof *nv), *kv;
		int t = base_json_type(p->doc, val);
		size_t n, old;
		const char *raw;
		int64_t x;

		if (!nv)
			return srv_cfgp_fail(p, "out of memory");
		out->v = nv;
		kv = &nv[out->n++];
		memset(kv, 0, sizeof *kv);
		if (base_json_str_dup(p->doc, k, &kv->key, &n))
			return srv_cfgp_fail(p, "out of memory");
		old = srv_cfgp_push(p, kv->key);
		if (n == 0 || strlen(kv->key) != n)
			return srv_cfgp_fail(p, "empty or invalid name");
		if (numbers && t == BASE_JSON_NUMBER) {
			raw = base_json_raw(p->doc, val, &n);
			if (base_json_int64(p->doc, val, &x))
				return srv_cfgp_fail(p,
				                     "expected a string or an integer, "
				                     "got %.*s",
				                     (int)n, raw);
			if (!(kv->value = strndup(raw, n)))
				return srv_cfgp_fail(p, "out of memory");
		} else if (t == BASE_JSON_STRING) {
			if (base_json_str_dup(p->doc, val, &kv->value, &n))
				return srv_cfgp_fail(p, "out of memory");
			if (n == 0 || strlen(kv->value) != n)
				return srv_cfgp_fail(p, n ? "contains a NUL byte" : "is empty");
		} else {
			return srv_cfgp_fail(p, "expected a string%s, got %s",
			                     numbers ? " or an integer" : "",
			                     srv_cfgp_type_name(t));
		}
		srv_cfgp_pop(p, old);
	}
	return 0;
}

static int kvv_key(srv_cfgp *p, int obj, const char *key, srv_kvv *out, int numbers)
{
	int v;
	size_t old;

	if ((v = srv_cfgp_enter(p, obj, key, &old)) < 0)
		return 0;
	if (kvv_tok(p, v, out, numbers))
		return -1;
	srv_cfgp_pop(p, old);
	return 0;
}

/* ---- rooms.auto ------------------------------------------------------------ */

static int parse_auto(srv_cfgp *p, int tok, srv_auto_room *r)
{
	static const char *const keys[] = { "room", "ifClaim", NULL };

	if (base_json_type(p->doc, tok) == BASE_JSON_STRING) {
		char *s = NULL;
		size_t n;

		if (base_json_str_dup(p->doc, tok, &s, &n))
			return srv_cfgp_fail(p, "out of memory");
		r->room = s;
		if (n == 0 || strlen(s) != n)
			return srv_cfgp_fail(p, "expected a room template");
		return check_template(p, "", s, NULL);
	}
	if (base_json_type(p->doc, tok) != BASE_JSON_OBJECT)
		return srv_cfgp_fail(p,
		                     "expected a room template or {room, ifClaim}, "
		                     "got %s",
		                     srv_cfgp_type_name(base_json_type(p->doc, tok)));
	return srv_cfgp_object(p, tok, keys) || template_key(p, tok, "room", &r->room, NULL, 1) ||
	                       kvv_key(p, tok, "ifClaim", &r->if_claim, 1)
	               ? -1
	               : 0;
}

/* ---- rooms.fromQuery --------------------------------------------------------- */

static int parse_query(srv_cfgp *p, int tok, srv_query_room *q)
{
	static const char *const keys[] = {
		"param", "pattern", "room", "special", "invalid", NULL
	};

	if (srv_cfgp_object(p, tok, keys) || srv_cfgp_str(p, tok, "param", &q->param) ||
	    regex_key(p, tok, "pattern", &q->pattern, &q->re) ||
	    template_key(p, tok, "room", &q->room, "value", 0) ||
	    kvv_key(p, tok, "special", &q->special, 0))
		return -1;
	if (!q->param)
		return srv_cfgp_fail_at(p, "param", "required");
	if (!q->room && !q->special.n)
		return srv_cfgp_fail_at(p, "room", "required (unless \"special\" is given)");
	for (size_t i = 0; i < q->special.n; i++)
		if (check_template(p, "special", q->special.v[i].value, NULL))
			return -1;
	if (base_json_obj_get(p->doc, tok, "invalid") >= 0) {
		if (srv_reply_set(&q->invalid, NULL, NULL, "Invalid value") ||
		    srv_set_str(&q->invalid.value_key, q->param))
			return srv_cfgp_fail(p, "out of memory");
		if (srv_cfgp_reply(p, tok, "invalid", &q->invalid))
			return -1;
		if (!q->invalid.event)
			return srv_cfgp_fail_at(p, "invalid.event", "required");
	}
	return 0;
}

/* ---- rooms.joinEvents ---------------------------------------------------------- */

static int parse_authorize(srv_cfgp *p, int tok, srv_join_event *j)
{
	static const char *const keys[] = { "claimContains", "role", NULL };
	int v = base_json_obj_get(p->doc, tok, "authorize");
	size_t old;

	if (v < 0)
		return srv_cfgp_fail_at(p, "authorize",
		                        "required: \"none\", {\"claimContains\": "
		                        "CLAIM} or {\"role\": ROLE}");
	old = srv_cfgp_push(p, "authorize");
	if (base_json_str_eq(p->doc, v, "none", 4)) {
		j->authorize = SRV_AUTHZ_NONE;
	} else {
		if (base_json_type(p->doc, v) != BASE_JSON_OBJECT || base_json_size(p->doc, v) != 1)
			return srv_cfgp_fail(p, "expected \"none\", {\"claimContains\": "
			                        "CLAIM} or {\"role\": ROLE}");
		if (srv_cfgp_object(p, v, keys) ||
		    srv_cfgp_str(p, v, "claimContains", &j->authorize_arg))
			return -1;
		j->authorize = SRV_AUTHZ_CLAIM_CONTAINS;
		if (!j->authorize_arg) {
			if (srv_cfgp_str(p, v, "role", &j->authorize_arg))
				return -1;
			j->authorize = SRV_AUTHZ_ROLE;
		}
	}
	srv_cfgp_pop(p, old);
	return 0;
}

static int parse_join(srv_cfgp *p, int tok, srv_join_event *j)
{
	static const char *const keys[] = {
		"join",    "leave", "room",   "idField", "idPattern",          "authorize",
		"confirm", "ack",   "denied", "invalid", "rateLimitPerMinute", NULL
	};
	static const char *const ckeys[] = { "joined", "left", "payloadKey", NULL };
	int c;

	j->rate_limit_per_minute = -1;
	if (srv_cfgp_object(p, tok, keys) || srv_cfgp_str(p, tok, "join", &j->join) ||
	    srv_cfgp_str(p, tok, "leave", &j->leave) ||
	    template_key(p, tok, "room", &j->room, "id", 1) ||
	    srv_cfgp_str(p, tok, "idField", &j->id_field) ||
	    regex_key(p, tok, "idPattern", &j->id_pattern, &j->id_re) ||
	    parse_authorize(p, tok, j) || srv_cfgp_bool(p, tok, "ack", &j->ack) ||
	    srv_cfgp_long(p, tok, "rateLimitPerMinute", &j->rate_limit_per_minute, 0, 1000000))
		return -1;
	if (!j->join)
		return srv_cfgp_fail_at(p, "join", "required");
	if (!j->id_field && srv_set_str(&j->id_field, "id"))
		return srv_cfgp_fail(p, "out of memory");
	if ((c = base_json_obj_get(p->doc, tok, "confirm")) >= 0) {
		size_t old = srv_cfgp_push(p, "confirm");

		if (srv_cfgp_object(p, c, ckeys) ||
		    srv_cfgp_str(p, c, "joined", &j->confirm_joined) ||
		    srv_cfgp_str(p, c, "left", &j->confirm_left) ||
		    srv_cfgp_str(p, c, "payloadKey", &j->confirm_key))
			return -1;
		srv_cfgp_pop(p, old);
	}
	if (!j->confirm_key && srv_set_str(&j->confirm_key, j->id_field))
		return srv_cfgp_fail(p, "out of memory");
	if (srv_reply_set(&j->denied, "error", "ACCESS_DENIED", "Access denied") ||
	    srv_reply_set(&j->invalid, "error", "INVALID_ID", "Invalid id"))
		return srv_cfgp_fail(p, "out of memory");
	return srv_cfgp_reply(p, tok, "denied", &j->denied) ||
	                       srv_cfgp_reply(p, tok, "invalid", &j->invalid)
	               ? -1
	               : 0;
}

/* Client event names must be unique over every rule and not reserved. */
static int check_event_names(srv_cfgp *p, srv_config_rooms *r)
{
	for (size_t i = 0; i < r->njoins; i++) {
		const char *ev[2] = { r->joins[i].join, r->joins[i].leave };

		for (int a = 0; a < 2; a++) {
			size_t old = p->plen;

			if (!ev[a])
				continue;
			srv_cfgp_push(p, "joinEvents");
			srv_cfgp_index(p, i);
			if (sio_event_reserved(ev[a], strlen(ev[a])))
				return srv_cfgp_fail_at(p, a ? "leave" : "join",
				                        "\"%s\" is reserved "
				                        "by socket.io",
				                        ev[a]);
			for (size_t k = 0; k <= i; k++) {
				const srv_join_event *o = &r->joins[k];

				if ((k < i && (!strcmp(o->join, ev[a]) ||
				               (o->leave && !strcmp(o->leave, ev[a])))) ||
				    (k == i && a == 1 && !strcmp(o->join, ev[a])))
					return srv_cfgp_fail_at(p, a ? "leave" : "join",
					                        "\"%s\" is already "
					                        "used by another join/leave event",
					                        ev[a]);
			}
			srv_cfgp_pop(p, old);
		}
	}
	return 0;
}

/* ---- rooms ------------------------------------------------------------------- */

/* Parse the array at key, if there, into *arr as srv_cfgp_list does. */
static int parse_list(srv_cfgp *p, int obj, const char *key, void **arr, size_t *n, size_t sz,
                      int (*fn)(srv_cfgp *, int, void *))
{
	size_t old;
	int v = srv_cfgp_enter(p, obj, key, &old);

	if (v < 0)
		return 0;
	if (srv_cfgp_list(p, v, arr, n, sz, fn))
		return -1;
	srv_cfgp_pop(p, old);
	return 0;
}

static int auto_cb(srv_cfgp *p, int t, void *x)
{
	return parse_auto(p, t, x);
}
static int query_cb(srv_cfgp *p, int t, void *x)
{
	return parse_query(p, t, x);
}
static int join_cb(srv_cfgp *p, int t, void *x)
{
	return parse_join(p, t, x);
}

static int parse_fan_in(srv_cfgp *p, int obj, srv_config_rooms *r)
{
	int v, val, k;
	base_json_iter it;
	size_t old;

	if ((v = srv_cfgp_enter(p, obj, "fanIn", &old)) < 0)
		return 0;
	if (srv_cfgp_object(p, v, NULL))
		return -1;
	if (base_json_size(p->doc, v) > 0 &&
	    !(r->fan_in = calloc((size_t)base_json_size(p->doc, v), sizeof *r->fan_in)))
		return srv_cfgp_fail(p, "out of memory");
	base_json_iter_init(p->doc, v, &it);
	while ((val = base_json_iter_next(p->doc, &it, &k)) >= 0) {
		srv_fan_in *f = &r->fan_in[r->nfan_in++];
		size_t n;

		if (base_json_str_dup(p->doc, k, &f->glob, &n))
			return srv_cfgp_fail(p, "out of memory");
		if (n == 0 || strlen(f->glob) != n)
			return srv_cfgp_fail(p, "a room pattern is empty or invalid");
		if (srv_cfgp_strv(p, v, f->glob, &f->rooms))
			return -1;
		if (f->rooms.n == 0)
			return srv_cfgp_fail_at(p, f->glob, "expected a non-empty array of rooms");
	}
	srv_cfgp_pop(p, old);
	return 0;
}

int srv_cfgp_rooms(srv_cfgp *p, int tok, srv_config *cfg)
{
	static const char *const keys[] = { "auto", "fromQuery", "joinEvents", "fanIn", NULL };
	srv_config_rooms *r = &cfg->rooms;

	return srv_cfgp_object(p, tok, keys) ||
	                       parse_list(p, tok, "auto", (void **)&r->autos, &r->nautos,
	                                  sizeof *r->autos, auto_cb) ||
	                       parse_list(p, tok, "fromQuery", (void **)&r->queries, &r->nqueries,
	                                  sizeof *r->queries, query_cb) ||
	                       parse_list(p, tok, "joinEvents", (void **)&r->joins, &r->njoins,
	                                  sizeof *r->joins, join_cb) ||
	                       check_event_names(p, r) || parse_fan_in(p, tok, r)
	               ? -1
	               : 0;
}

/* ---- presence, throttle, replies ------------------------------------------------ */

int srv_cfgp_presence(srv_cfgp *p, int tok, srv_config *cfg)
{
	static const char *const keys[] = { "online", "offline", "room", NULL };
	srv_config_presence *pr = &cfg->presence;

	pr->enabled = true;
	if (srv_set_str(&pr->online, "status:online") ||
	    srv_set_str(&pr->offline, "status:offline"))
		return srv_cfgp_fail(p, "out of memory");
	return srv_cfgp_object(p, tok, keys) || srv_cfgp_str(p, tok, "online", &pr->online) ||
	                       srv_cfgp_str(p, tok, "offline", &pr->offline) ||
	                       srv_cfgp_str(p, tok, "room", &pr->room)
	               ? -1
	               : 0;
}

static int parse_throttle(srv_cfgp *p, int tok, void *x)
{
	static const char *const keys[] = { "rooms", "intervalMs", "events", NULL };
	srv_throttle *t = x;

	if (srv_cfgp_object(p, tok, keys) || srv_cfgp_str(p, tok, "rooms", &t->rooms) ||
	    srv_cfgp_long(p, tok, "intervalMs", &t->interval_ms, 1, SRV_CONFIG_MAX_MS) ||
	    srv_cfgp_strv(p, tok, "events", &t->events))
		return -1;
	if (!t->rooms)
		return srv_cfgp_fail_at(p, "rooms", "required");
	if (!t->interval_ms)
		return srv_cfgp_fail_at(p, "intervalMs", "required");
	return 0;
}

int srv_cfgp_throttle(srv_cfgp *p, int tok, srv_config *cfg)
{
	return srv_cfgp_list(p, tok, (void **)&cfg->throttle, &cfg->nthrottle,
	                     sizeof *cfg->throttle, parse_throttle);
}

/* "replies": {"ping": "pong"}: a client event answered by another. */
int srv_cfgp_replies(srv_cfgp *p, int tok, srv_config *cfg)
{
	if (kvv_tok(p, tok, &cfg->replies, 0))
		return -1;
	for (size_t i = 0; i < cfg->replies.n; i++)
		if (sio_event_reserved(cfg->replies.v[i].key, strlen(cfg->replies.v[i].key)))
			return srv_cfgp_fail_at(p, cfg->replies.v[i].key, "reserved by socket.io");
	return 0;
}

/* ---- free ---------------------------------------------------------------------- */

void srv_config_rooms_free(srv_config *cfg)
{
	srv_config_rooms *r = &cfg->rooms;

	for (size_t i = 0; i < r->nautos; i++) {
		free(r->autos[i].room);
		srv_kvv_free(&r->autos[i].if_claim);
	}
	for (size_t i = 0; i < r->nqueries; i++) {
		srv_query_room *q = &r->queries[i];

		free(q->param);
		if (q->pattern)
			regfree(&q->re);
		free(q->pattern);
		free(q->room);
		srv_kvv_free(&q->special);
		srv_reply_free(&q->invalid);
	}
	for (size_t i = 0; i < r->njoins; i++) {
		srv_join_event *j = &r->joins[i];

		free(j->join);
		free(j->leave);
		free(j->room);
		free(j->id_field);
		if (j->id_pattern)
			regfree(&j->id_re);
		free(j->id_pattern);
		free(j->authorize_arg);
		free(j->confirm_joined);
		free(j->confirm_left);
		free(j->confirm_key);
		srv_reply_free(&j->denied);
		srv_reply_free(&j->invalid);
	}
	for (size_t i = 0; i < r->nfan_in; i++) {
		free(r->fan_in[i].glob);
		srv_strv_free(&r->fan_in[i].rooms);
	}
	free(r->autos);
	free(r->queries);
	free(r->joins);
	free(r->fan_in);
	memset(r, 0, sizeof *r);
	free(cfg->presence.online);
	free(cfg->presence.offline);
	free(cfg->presence.room);
	memset(&cfg->presence, 0, sizeof cfg->presence);
	for (size_t i = 0; i < cfg->nthrottle; i++) {
		free(cfg->throttle[i].rooms);
		srv_strv_free(&cfg->throttle[i].events);
	}
	free(cfg->throttle);
	cfg->throttle = NULL;
	cfg->nthrottle = 0;
}

/* ---- for the other sections with rooms ------------------------------------------ */

int srv_cfgp_template(srv_cfgp *p, const char *key, const char *t, const char *extra)
{
	return check_template(p, key, t, extra);
}

int srv_cfgp_regex(srv_cfgp *p, int obj, const char *key, char **src, regex_t *re)
{
	return regex_key(p, obj, key, src, re);
}

int srv_cfgp_authorize(srv_cfgp *p, int tok, srv_join_event *j)
{
	return parse_authorize(p, tok, j);
}
