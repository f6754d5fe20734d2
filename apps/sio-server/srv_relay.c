/* srv_relay.c - relay rules (see srv_relay.h): the room from the template,
 * the membership check, the enriched payload, the broadcast. */
#include "srv_relay.h"

#include "base/json.h"
#include "srv_auth.h"
#include "srv_config_hooks.h"
#include "srv_ratelimit.h"
#include "srv_rooms.h"
#include "srv_webhook_reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RATE_KEYS 10000 /* keys per rule's rate-limit table */

typedef struct rule_ctx {
	struct srv_relay *r;
	const srv_relay_rule *rule;
	srv_ratelimit *rl; /* NULL: no limit */
} rule_ctx;

struct srv_relay {
	const srv_config *cfg;
	uv_loop_t *loop;
	srv_metrics *m;
	rule_ctx *rules;
	size_t n;
};

/* The value of one placeholder: {userId} and {claims.NAME} from the user
 * (srv_room_expand), anything else a string or integer field of the
 * payload. Written to out (cap bytes). 0, or -1 without a value. */
static int placeholder(const char *name, size_t n, const srv_user *u, const base_json *d, char *out,
                       size_t cap)
{
	if ((n == 6 && !strncmp(name, "userId", 6)) || (n > 7 && !strncmp(name, "claims.", 7))) {
		char t[160];
		if (n + 3 > sizeof(t))
			return -1;
		snprintf(t, sizeof(t), "{%.*s}", (int)n, name);
		return srv_room_expand(t, u, NULL, NULL, out, cap);
	}
	int v = d ? base_json_obj_getn(d, 0, name, n) : -1;
	size_t len;
	int64_t x;
	if (base_json_type(d, v) == BASE_JSON_STRING) {
		if (base_json_str_unescape(d, v, out, cap, &len) || len == 0 || len >= cap ||
		    strlen(out) != len)
			return -1;
		return 0;
	}
	if (base_json_type(d, v) == BASE_JSON_NUMBER && base_json_int64(d, v, &x) == 0) {
		int w = snprintf(out, cap, "%lld", (long long)x);
		return w > 0 && (size_t)w < cap ? 0 : -1;
	}
	return -1;
}

/* A relay template (checked at load) expanded; -1 when a placeholder has
 * no value or the result does not fit. */
static int expand(const char *tmpl, const srv_user *u, const base_json *d, char *out, size_t cap)
{
	size_t o = 0;
	for (const char *p = tmpl; *p;) {
		char v[SRV_MAX_ROOM_NAME + 1];
		const char *piece = p;
		size_t n = 1;
		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			p += 2;
		} else if (*p == '{') {
			const char *end = strchr(p, '}');
			if (!end || placeholder(p + 1, (size_t)(end - p - 1), u, d, v, sizeof(v)))
				return -1;
			piece = v;
			n = strlen(v);
			p = end + 1;
		} else {
			p++;
		}
		if (o + n >= cap)
			return -1;
		memcpy(out + o, piece, n);
		o += n;
	}
	out[o] = '\0';
	return 0;
}

static bool enriched(const srv_relay_rule *rule, const char *key)
{
	for (size_t i = 0; i < rule->enrich.n; i++)
		if (!strcmp(rule->enrich.v[i].key, key))
			return true;
	return false;
}

/* The client's object with the enrich fields replaced. */
static sio_out *payload(const srv_relay_rule *rule, const srv_user *u, const base_json *d)
{
	sio_out *o = sio_out_new();
	if (!o)
		return NULL;
	sio_out_object_begin(o);
	base_json_iter it;
	int v, k;
	base_json_iter_init(d, 0, &it);
	while ((v = base_json_iter_next(d, &it, &k)) >= 0) {
		char *key = NULL;
		size_t n;
		if (base_json_str_dup(d, k, &key, &n) == 0 && strlen(key) == n &&
		    !enriched(rule, key)) {
			const char *raw = base_json_raw(d, v, &n);
			sio_out_key(o, key);
			sio_out_json(o, raw, n);
		}
		free(key);
	}
	for (size_t i = 0; i < rule->enrich.n; i++) {
		char val[SRV_MAX_ROOM_NAME + 1];
		sio_out_key(o, rule->enrich.v[i].key);
		if (expand(rule->enrich.v[i].value, u, d, val, sizeof(val)) == 0)
			sio_out_str(o, val);
		else
			sio_out_null(o);
	}
	sio_out_object_end(o);
	return o;
}

static void refuse(rule_ctx *c, sio_ack *ack, const char *kind, const char *code,
                   const char *message)
{
	srv_metrics_error(c->r->m, kind);
	srv_webhook_error_ack(ack, code, message);
}

static void on_relay(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack, void *user)
{
	(void)ev;
	rule_ctx *c = user;
	const srv_relay_rule *rule = c->rule;
	const srv_user *u = srv_user_of(s);
	char key[300];
	if (c->rl) {
		snprintf(key, sizeof(key), u && u->user_id ? "u:%s" : "s:%s",
		         u && u->user_id ? u->user_id : sio_socket_id(s));
		if (srv_ratelimit_hit(c->rl, key, uv_now(c->r->loop)) != SRV_RL_OK) {
			refuse(c, ack, "relay_rate_limited", "RATE_LIMIT_EXCEEDED",
			       "Rate limit exceeded");
			return;
		}
	}
	size_t len;
	const char *js = sio_args_type(a, 0) == SIO_ARG_OBJECT ? sio_args_json(a, 0, &len) : NULL;
	base_json d = BASE_JSON_INIT;
	char room[SRV_MAX_ROOM_NAME + 1];
	if (!js || base_json_parse(&d, js, len) || expand(rule->room, u, &d, room, sizeof(room)) ||
	    strlen(room) > (size_t)c->r->cfg->limits.max_room_name_length) {
		base_json_free(&d);
		refuse(c, ack, "relay_invalid", "INVALID_PAYLOAD",
		       "expected an object with the room's fields");
		return;
	}
	if (rule->require_member && !sio_in_room(s, room)) {
		base_json_free(&d);
		refuse(c, ack, "relay_not_member", "NOT_IN_ROOM", "not in this room");
		return;
	}
	sio_out *o = payload(rule, u, &d);
	base_json_free(&d);
	const char *out_ev = rule->emit ? rule->emit : rule->event;
	const char *rooms[1] = { room };
	sio_broadcast b = { .rooms = rooms, .nrooms = 1, .skip = rule->except_sender ? s : NULL };
	int n = o ? sio_broadcast_emit(sio_socket_namespace(s), &b, out_ev, o) : -1;
	sio_out_free(o);
	if (n > 0)
		srv_metrics_event_sent(c->r->m, out_ev, (uint64_t)n);
	if (ack)
		sio_ack_send(ack, NULL);
}

srv_relay *srv_relay_new(const srv_config *cfg, uv_loop_t *loop, srv_metrics *m, bool *oom)
{
	*oom = false;
	const srv_config_relay *rc = cfg->relay;
	if (!rc || !rc->n)
		return NULL;
	srv_relay *r = calloc(1, sizeof(*r));
	if (!r || !(r->rules = calloc(rc->n, sizeof(*r->rules)))) {
		free(r);
		*oom = true;
		return NULL;
	}
	r->cfg = cfg;
	r->loop = loop;
	r->m = m;
	for (; r->n < rc->n; r->n++) {
		rule_ctx *c = &r->rules[r->n];
		c->r = r;
		c->rule = &rc->v[r->n];
		if (c->rule->rate_limit_per_minute > 0 &&
		    !(c->rl = srv_ratelimit_new(c->rule->rate_limit_per_minute, 60000,
		                                RATE_KEYS))) {
			srv_relay_free(r);
			*oom = true;
			return NULL;
		}
	}
	return r;
}

int srv_relay_install(srv_relay *r, sio_namespace *nsp)
{
	for (size_t i = 0; r && i < r->n; i++)
		if (sio_namespace_on(nsp, r->rules[i].rule->event, on_relay, &r->rules[i]))
			return -1;
	return 0;
}

void srv_relay_free(srv_relay *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		srv_ratelimit_free(r->rules[i].rl);
	free(r->rules);
	free(r);
}
