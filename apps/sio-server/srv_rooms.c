/* srv_rooms.c - room rules and replies (see srv_rooms.h). */
#include "srv_rooms.h"

#include "base/json.h"
#include "srv_log_sock.h"
#include "srv_ack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct join_ctx {
	srv_rooms *r;
	const srv_join_event *je;
	bool leave;
	srv_reply room_limit; /* to the denied reply's event, strings not owned */
} join_ctx;

struct srv_rooms {
	const srv_config *cfg;
	srv_metrics *m;
	join_ctx *ctx; /* 2 per join event */
	char room_limit_msg[96];
};

srv_rooms *srv_rooms_new(const srv_config *cfg, srv_metrics *m)
{
	srv_rooms *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->cfg = cfg;
	r->m = m;
	snprintf(r->room_limit_msg, sizeof(r->room_limit_msg),
	         "Too many rooms: at most %ld per connection", cfg->limits.max_rooms_per_socket);
	size_t n = cfg->rooms.njoins * 2;
	r->ctx = calloc(n ? n : 1, sizeof(*r->ctx));
	if (!r->ctx) {
		free(r);
		return NULL;
	}
	return r;
}

void srv_rooms_refresh(srv_rooms *r)
{
	snprintf(r->room_limit_msg, sizeof(r->room_limit_msg),
	         "Too many rooms: at most %ld per connection", r->cfg->limits.max_rooms_per_socket);
}

void srv_rooms_free(srv_rooms *r)
{
	if (!r)
		return;
	free(r->ctx);
	free(r);
}

static int put(char *out, size_t cap, size_t *o, const char *s, size_t n)
{
	if (!s || *o + n >= cap)
		return -1;
	memcpy(out + *o, s, n);
	*o += n;
	return 0;
}

int srv_room_expand(const char *tmpl, const srv_user *u, const char *value, const char *id,
                    char *out, size_t cap)
{
	size_t o = 0;
	if (cap == 0)
		return -1; /* no room for the NUL */
	for (const char *p = tmpl; *p;) {
		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			if (put(out, cap, &o, p, 1))
				return -1;
			p += 2;
			continue;
		}
		if (*p != '{') {
			if (put(out, cap, &o, p, 1))
				return -1;
			p++;
			continue;
		}
		const char *end = strchr(p, '}');
		if (!end)
			return -1;
		size_t n = (size_t)(end - p - 1);
		const char *name = p + 1, *v = NULL;
		char buf[32];
		if (n == 6 && !strncmp(name, "userId", 6)) {
			v = u ? u->user_id : NULL;
		} else if (n == 5 && !strncmp(name, "value", 5)) {
			v = value;
		} else if (n == 2 && !strncmp(name, "id", 2)) {
			v = id;
		} else if (n > 7 && !strncmp(name, "claims.", 7) && u && u->claims) {
			char claim[128];
			if (n - 7 >= sizeof(claim))
				return -1;
			memcpy(claim, name + 7, n - 7);
			claim[n - 7] = '\0';
			v = srv_jwt_claim_str(u->claims, claim);
			long long x;
			if (!v && srv_jwt_claim_int(u->claims, claim, &x) == 0) {
				snprintf(buf, sizeof(buf), "%lld", x);
				v = buf;
			}
		}
		if (!v || !*v || put(out, cap, &o, v, strlen(v)))
			return -1;
		p = end + 1;
	}
	out[o] = '\0';
	return 0;
}

/* Room names: bounded length (cfg limits). */
static bool room_ok(const srv_rooms *r, const char *room)
{
	return strlen(room) <= (size_t)r->cfg->limits.max_room_name_length;
}

/* A reply's "code" (when it has one) and "message", into an open object:
 * the shape of both the reply event and a refused ack. */
static void put_reply(sio_out *o, const srv_reply *rep)
{
	if (rep->code) {
		sio_out_key(o, "code");
		sio_out_str(o, rep->code);
	}
	sio_out_key(o, "message");
	sio_out_str(o, rep->message ? rep->message : "");
}

/* key: value, as a JSON number when num (value is then a number's text),
 * else as a string. */
static void put_value(sio_out *o, const char *key, const char *value, bool num)
{
	sio_out_key(o, key);
	if (num)
		sio_out_json(o, value, strlen(value));
	else
		sio_out_str(o, value);
}

void srv_reply_emit(srv_metrics *m, const char *error_kind, sio_socket *s, const srv_reply *rep,
                    const char *value, bool value_num)
{
	srv_metrics_error(m, error_kind);
	/* every refusal of an event (room rules, rate limits, an expired
	 * token) is logged here: which rule and its message, and the value */
	const srv_log_field f[] = { SRV_LS("kind", error_kind), SRV_LS("reason", rep->message),
		                    SRV_LS("value", value) };
	srv_log_socket(SRV_LOG_INFO, "refused", s, f, 3);
	if (!rep->event)
		return;
	sio_out *o = sio_out_new();
	if (!o)
		return;
	sio_out_object_begin(o);
	put_reply(o, rep);
	if (rep->value_key && value)
		put_value(o, rep->value_key, value, value_num);
	sio_out_object_end(o);
	if (sio_emit(s, rep->event, o) == 0)
		srv_metrics_event_sent(m, rep->event, 1);
	sio_out_free(o);
}

static bool if_claim_ok(const srv_auto_room *a, const srv_user *u)
{
	for (size_t i = 0; i < a->if_claim.n; i++)
		if (!u || !u->claims ||
		    !srv_jwt_claim_list_contains(u->claims, a->if_claim.v[i].key,
		                                 a->if_claim.v[i].value))
			return false;
	return true;
}

void srv_rooms_join_auto(srv_rooms *r, sio_socket *s)
{
	const srv_config_rooms *rc = &r->cfg->rooms;
	const srv_user *u = srv_user_of(s);
	char room[SRV_MAX_ROOM_NAME + 1];
	for (size_t i = 0; i < rc->nautos; i++) {
		const srv_auto_room *a = &rc->autos[i];
		if (if_claim_ok(a, u) &&
		    srv_room_expand(a->room, u, NULL, NULL, room, sizeof(room)) == 0 &&
		    room_ok(r, room))
			sio_join(s, room);
	}
}

void srv_rooms_on_connection(srv_rooms *r, sio_socket *s)
{
	const srv_config_rooms *rc = &r->cfg->rooms;
	const srv_user *u = srv_user_of(s);
	char room[SRV_MAX_ROOM_NAME + 1];
	srv_rooms_join_auto(r, s);
	const eio_request *req = eio_session_request(sio_socket_session(s));
	for (size_t i = 0; req && i < rc->nqueries; i++) {
		const srv_query_room *q = &rc->queries[i];
		const char *v = eio_request_query(req, q->param);
		if (!v || !*v)
			continue;
		const char *special = NULL;
		for (size_t k = 0; k < q->special.n; k++)
			if (!strcmp(q->special.v[k].key, v))
				special = q->special.v[k].value;
		if (special) {
			sio_join(s, special);
			continue;
		}
		if (q->pattern && regexec(&q->re, v, 0, NULL, 0) != 0) {
			srv_reply_emit(r->m, "invalid_room", s, &q->invalid, v, false);
			continue;
		}
		if (srv_room_expand(q->room, u, v, NULL, room, sizeof(room)) == 0 &&
		    room_ok(r, room))
			sio_join(s, room);
		else
			srv_reply_emit(r->m, "invalid_room", s, &q->invalid, v, false);
	}
}

int srv_rooms_arg_id(const sio_args *a, const char *field, char *buf, size_t cap, bool *num)
{
	*num = false;
	if (cap == 0)
		return -1;
	int t = sio_args_type(a, 0);
	if (t == SIO_ARG_STRING) {
		size_t n;
		const char *s = sio_args_str(a, 0, &n);
		if (!s || n == 0 || n >= cap || strlen(s) != n)
			return -1;
		memcpy(buf, s, n + 1);
		return 0;
	}
	if (t == SIO_ARG_NUMBER) {
		int64_t v;
		if (sio_args_int(a, 0, &v))
			return -1;
		int w = snprintf(buf, cap, "%lld", (long long)v);
		if (w < 0 || (size_t)w >= cap)
			return -1;
		*num = true;
		return 0;
	}
	if (t != SIO_ARG_OBJECT || !field)
		return -1;
	size_t len;
	const char *js = sio_args_json(a, 0, &len);
	base_json doc = BASE_JSON_INIT;
	int rc = -1;
	if (js && base_json_parse(&doc, js, len) == 0) {
		int v = base_json_obj_get(&doc, 0, field);
		size_t n;
		int64_t x;
		if (base_json_type(&doc, v) == BASE_JSON_STRING) {
			/* n == cap fits without the NUL (base_json_str_unescape then
             * writes none): refused, like a string argument of cap bytes */
			if (base_json_str_unescape(&doc, v, buf, cap, &n) == 0 && n > 0 &&
			    n < cap && strlen(buf) == n)
				rc = 0;
		} else if (base_json_type(&doc, v) == BASE_JSON_NUMBER &&
		           base_json_int64(&doc, v, &x) == 0) {
			int w = snprintf(buf, cap, "%lld", (long long)x);
			if (w >= 0 && (size_t)w < cap) {
				*num = true;
				rc = 0;
			}
		}
	}
	base_json_free(&doc);
	return rc;
}

static bool authorized(const srv_join_event *je, const srv_user *u, const char *id)
{
	switch (je->authorize) {
	case SRV_AUTHZ_NONE:
		return true;
	case SRV_AUTHZ_CLAIM_CONTAINS:
		return u && u->claims && je->authorize_arg &&
		       srv_jwt_claim_list_contains(u->claims, je->authorize_arg, id);
	case SRV_AUTHZ_ROLE:
		return u && u->role && je->authorize_arg && !strcmp(u->role, je->authorize_arg);
	}
	return false;
}

static void ack_result(sio_ack *ack, bool ok, const char *key, const char *id, bool num,
                       const srv_reply *rep)
{
	sio_out *o = srv_ack_object_begin(ack);
	if (!o)
		return;
	sio_out_key(o, "success");
	sio_out_bool(o, ok);
	if (ok && key && id)
		put_value(o, key, id, num);
	if (!ok && rep)
		put_reply(o, rep);
	srv_ack_object_send(ack, o);
}

/* The one place a join/leave is refused: the reply event and the ack,
 * counted as an error of kind ("invalid_room", "room_denied", "room_limit"). */
static void refuse_join(const join_ctx *c, const char *kind, sio_socket *s, sio_ack *ack,
                        const srv_reply *rep, const char *id, bool num)
{
	srv_reply_emit(c->r->m, kind, s, rep, id, num);
	ack_result(ack, false, NULL, NULL, false, rep);
}

/* maxRoomsPerSocket: a join that would add a room beyond the limit (a room
 * already joined is not a new one). */
static bool over_room_limit(const srv_rooms *r, const sio_socket *s, const char *room)
{
	long max = r->cfg->limits.max_rooms_per_socket;
	return max > 0 && !sio_in_room(s, room) && sio_socket_room_count(s) >= (size_t)max;
}

const char *srv_rooms_join_check(const srv_rooms *r, const srv_join_event *je, sio_socket *s,
                                 const char *id, bool leave, char *room, size_t cap)
{
	const srv_user *u = srv_user_of(s);
	if ((je->id_pattern && regexec(&je->id_re, id, 0, NULL, 0) != 0) ||
	    srv_room_expand(je->room, u, NULL, id, room, cap) || !room_ok(r, room))
		return "invalid_room";
	if (!leave && !authorized(je, u, id))
		return "room_denied";
	if (!leave && over_room_limit(r, s, room))
		return "room_limit";
	return NULL;
}

static void on_join_event(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack,
                          void *user)
{
	(void)ev;
	join_ctx *c = user;
	const srv_join_event *je = c->je;
	const srv_user *u = srv_user_of(s);
	char id[256], room[SRV_MAX_ROOM_NAME + 1];
	bool num;
	if (!je->ack)
		ack = NULL;
	if (srv_rooms_arg_id(a, je->id_field, id, sizeof(id), &num)) {
		refuse_join(c, "invalid_room", s, ack, &je->invalid, NULL,
		            false); /* no id to echo */
		return;
	}
	if ((je->id_pattern && regexec(&je->id_re, id, 0, NULL, 0) != 0) ||
	    srv_room_expand(je->room, u, NULL, id, room, sizeof(room)) || !room_ok(c->r, room)) {
		refuse_join(c, "invalid_room", s, ack, &je->invalid, id, num);
		return;
	}
	if (!c->leave && !authorized(je, u, id)) {
		refuse_join(c, "room_denied", s, ack, &je->denied, id, num);
		return;
	}
	if (!c->leave && over_room_limit(c->r, s, room)) {
		refuse_join(c, "room_limit", s, ack, &c->room_limit, id, num);
		return;
	}
	if (c->leave)
		sio_leave(s, room);
	else
		sio_join(s, room);
	const char *confirm = c->leave ? je->confirm_left : je->confirm_joined;
	const char *key = je->confirm_key ? je->confirm_key : je->id_field;
	if (confirm) {
		sio_out *o = sio_out_new();
		if (o) {
			sio_out_object_begin(o);
			sio_out_key(o, key ? key : "id");
			if (num)
				sio_out_json(o, id, strlen(id));
			else
				sio_out_str(o, id);
			sio_out_object_end(o);
			if (sio_emit(s, confirm, o) == 0)
				srv_metrics_event_sent(c->r->m, confirm, 1);
			sio_out_free(o);
		}
	}
	ack_result(ack, true, key ? key : "id", id, num, NULL);
}

static void on_reply_event(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack,
                           void *user)
{
	(void)a;
	const srv_rooms *r = user;
	for (size_t i = 0; i < r->cfg->replies.n; i++)
		if (!strcmp(r->cfg->replies.v[i].key, ev)) {
			if (sio_emit(s, r->cfg->replies.v[i].value, NULL) == 0)
				srv_metrics_event_sent(r->m, r->cfg->replies.v[i].value, 1);
			break;
		}
	if (ack)
		sio_ack_send(ack, NULL);
}

int srv_rooms_install(srv_rooms *r, sio_namespace *nsp)
{
	const srv_config_rooms *rc = &r->cfg->rooms;
	for (size_t i = 0; i < rc->njoins; i++) {
		join_ctx *j = &r->ctx[2 * i], *l = &r->ctx[2 * i + 1];
		j->r = l->r = r;
		j->je = l->je = &rc->joins[i];
		l->leave = true;
		/* the room limit is a refusal like "denied": same event, own code */
		const srv_reply *d = &rc->joins[i].denied;
		j->room_limit = (srv_reply){ .event = d->event ? d->event : "error",
			                     .code = "ROOM_LIMIT_EXCEEDED",
			                     .message = r->room_limit_msg,
			                     .value_key = d->value_key };
		if (sio_namespace_on(nsp, rc->joins[i].join, on_join_event, j))
			return -1;
		if (rc->joins[i].leave &&
		    sio_namespace_on(nsp, rc->joins[i].leave, on_join_event, l))
			return -1;
	}
	for (size_t i = 0; i < r->cfg->replies.n; i++)
		if (sio_namespace_on(nsp, r->cfg->replies.v[i].key, on_reply_event, r))
			return -1;
	return 0;
}
