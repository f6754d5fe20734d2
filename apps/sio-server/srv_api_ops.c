/* srv_api_ops.c - the socket operations' bodies (see srv_api_ops.h). */
#include "srv_api_ops.h"

#include "socketio.h"
#include "srv_rooms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
	const base_json *d;
	const srv_config *cfg;
	const char *why;
} parser;

static int fail(parser *p, const char *why)
{
	if (!p->why)
		p->why = why;
	return -1;
}

/* Refuse keys of obj not in allowed (NULL-terminated), and any twice. */
static int check_keys(parser *p, int obj, const char *const *allowed)
{
	base_json_iter it;
	int k, v;
	base_json_iter_init(p->d, obj, &it);
	while ((v = base_json_iter_next(p->d, &it, &k)) >= 0) {
		bool ok = false;
		for (size_t i = 0; allowed[i] && !ok; i++)
			ok = base_json_str_eq(p->d, k, allowed[i], strlen(allowed[i]));
		if (!ok)
			return fail(p, "Unknown key in body (see docs/sio-server.md, \"Socket "
			               "operations\")");
	}
	/* duplicates: an allowed key given twice */
	for (size_t i = 0; allowed[i]; i++) {
		int seen = 0;
		base_json_iter_init(p->d, obj, &it);
		while ((v = base_json_iter_next(p->d, &it, &k)) >= 0)
			seen += base_json_str_eq(p->d, k, allowed[i], strlen(allowed[i]));
		if (seen > 1)
			return fail(p, "Duplicate key in body");
	}
	return 0;
}

/* A room name, pushed to out; user ids through cfg->api.user_room. */
static int push_name(parser *p, int tok, bool user, srv_strv *out)
{
	char buf[SRV_MAX_ROOM_NAME + 1], room[SRV_MAX_ROOM_NAME + 1];
	size_t n = 0;
	int64_t x;
	if (user && base_json_type(p->d, tok) == BASE_JSON_NUMBER &&
	    base_json_int64(p->d, tok, &x) == 0) {
		snprintf(buf, sizeof(buf), "%lld", (long long)x);
		n = strlen(buf);
	} else if (base_json_type(p->d, tok) != BASE_JSON_STRING ||
	           base_json_str_unescape(p->d, tok, buf, sizeof(buf), &n) || n == 0 ||
	           n >= sizeof(buf) || strlen(buf) != n) {
		return fail(p, "Targets are non-empty strings (user ids: strings or integers)");
	}
	const char *name = buf;
	if (user) {
		srv_user u = { .user_id = buf };
		if (srv_room_expand(p->cfg->api.user_room, &u, NULL, NULL, room, sizeof(room)))
			return fail(p, "User id too long");
		name = room;
	}
	if (strlen(name) > (size_t)p->cfg->limits.max_room_name_length)
		return fail(p, "Room name longer than limits.maxRoomNameLength");
	if (srv_strv_push(out, name, strlen(name)))
		return fail(p, "Out of memory");
	return 0;
}

/* A list of names under key of obj (absent: nothing). */
static int names(parser *p, int obj, const char *key, bool user, srv_strv *out)
{
	int l = base_json_obj_get(p->d, obj, key);
	if (l < 0)
		return 0;
	if (base_json_type(p->d, l) != BASE_JSON_ARRAY ||
	    base_json_size(p->d, l) > SRV_API_OPS_MAX_TARGETS)
		return fail(p, "rooms, socketIds and userIds are lists of at most 100");
	base_json_iter it;
	int v;
	base_json_iter_init(p->d, l, &it);
	while ((v = base_json_iter_next(p->d, &it, NULL)) >= 0)
		if (push_name(p, v, user, out))
			return -1;
	return 0;
}

/* "to" or "except": {rooms?, socketIds?, userIds?}. */
static int target(parser *p, int obj, const char *key, srv_strv *out, bool required)
{
	static const char *const keys[] = { "rooms", "socketIds", "userIds", NULL };
	int t = base_json_obj_get(p->d, obj, key);
	if (t < 0)
		return required ? fail(p, "\"to\" is required: {rooms?, socketIds?, userIds?}") : 0;
	if (base_json_type(p->d, t) != BASE_JSON_OBJECT)
		return fail(p, "\"to\" and \"except\" are objects {rooms?, socketIds?, userIds?}");
	if (check_keys(p, t, keys) || names(p, t, "rooms", false, out) ||
	    names(p, t, "socketIds", false, out) || names(p, t, "userIds", true, out))
		return -1;
	if (required && out->n == 0)
		return fail(p, "\"to\" names no socket: give rooms, socketIds or userIds");
	return 0;
}

static int emit_fields(parser *p, int obj, srv_api_op *op)
{
	int ev = base_json_obj_get(p->d, obj, "event"), data = base_json_obj_get(p->d, obj, "data");
	size_t n = 0;
	if (base_json_type(p->d, ev) != BASE_JSON_STRING ||
	    base_json_str_dup(p->d, ev, &op->event, &n))
		return fail(p, "\"event\" is required and must be a string");
	if (n == 0 || n > 256 || strlen(op->event) != n)
		return fail(p, "\"event\" must be 1 to 256 bytes, without NUL");
	if (sio_event_reserved(op->event, n))
		return fail(p, "\"event\" is a reserved Socket.IO event name");
	if (data >= 0)
		op->data = base_json_raw(p->d, data, &op->data_len);
	return 0;
}

/* join/leave: "room" (one) or "rooms" (a list). */
static int room_fields(parser *p, int obj, srv_api_op *op)
{
	int r = base_json_obj_get(p->d, obj, "room"), rs = base_json_obj_get(p->d, obj, "rooms");
	if ((r < 0) == (rs < 0))
		return fail(p, "give \"room\" (a room) or \"rooms\" (a list), not both");
	if (r >= 0)
		return push_name(p, r, false, &op->rooms);
	return names(p, obj, "rooms", false, &op->rooms) ||
	                       (op->rooms.n == 0 && fail(p, "\"rooms\" is empty"))
	               ? -1
	               : 0;
}

static int op_of(const char *name, size_t n)
{
	return n == 4 && !memcmp(name, "emit", 4)           ? SRV_OP_EMIT
	       : n == 4 && !memcmp(name, "join", 4)         ? SRV_OP_JOIN
	       : n == 5 && !memcmp(name, "leave", 5)        ? SRV_OP_LEAVE
	       : n == 10 && !memcmp(name, "disconnect", 10) ? SRV_OP_DISCONNECT
	                                                    : 0;
}

/* One operation object; in_batch: it has an "op" member. */
static int one(parser *p, int obj, int kind, bool in_batch, srv_api_op *op)
{
	static const char *const emit_keys[] = { "op", "to", "except", "event", "data", NULL };
	static const char *const room_keys[] = { "op", "to", "except", "room", "rooms", NULL };
	static const char *const disc_keys[] = { "op", "to", "except", "close", NULL };
	if (base_json_type(p->d, obj) != BASE_JSON_OBJECT)
		return fail(p, in_batch ? "Each operation is an object"
		                        : "Body must be a JSON object");
	if (in_batch) {
		char name[16];
		size_t n = 0;
		int t = base_json_obj_get(p->d, obj, "op");
		if (base_json_type(p->d, t) != BASE_JSON_STRING ||
		    base_json_str_unescape(p->d, t, name, sizeof(name), &n) ||
		    !(kind = op_of(name, n)))
			return fail(p, "\"op\" is \"emit\", \"join\", \"leave\" or \"disconnect\"");
	} else if (base_json_obj_get(p->d, obj, "op") >= 0) {
		return fail(p, "Unknown key in body: \"op\" (only in /batch)");
	}
	op->kind = kind;
	const char *const *keys = kind == SRV_OP_EMIT         ? emit_keys
	                          : kind == SRV_OP_DISCONNECT ? disc_keys
	                                                      : room_keys;
	if (check_keys(p, obj, keys) || target(p, obj, "to", &op->to, true) ||
	    target(p, obj, "except", &op->except, false))
		return -1;
	if (kind == SRV_OP_EMIT)
		return emit_fields(p, obj, op);
	if (kind == SRV_OP_DISCONNECT) {
		int c = base_json_obj_get(p->d, obj, "close");
		int b = c >= 0 ? base_json_bool(p->d, c) : 0;
		if (b < 0)
			return fail(p, "\"close\" must be a boolean");
		op->close = b == 1;
		return 0;
	}
	return room_fields(p, obj, op);
}

int srv_api_ops_parse(const char *js, size_t len, int kind, const srv_config *cfg, srv_api_ops *out,
                      const char **message)
{
	parser p = { .d = &out->doc, .cfg = cfg, .why = NULL };
	if (!js || !len || base_json_parse(&out->doc, js, len)) {
		*message = "Body is not valid JSON";
		return -1;
	}
	int root = 0, list = -1;
	size_t n = 1;
	if (kind == SRV_OP_BATCH) {
		static const char *const keys[] = { "operations", NULL };
		list = base_json_obj_get(&out->doc, root, "operations");
		if (base_json_type(&out->doc, root) != BASE_JSON_OBJECT ||
		    check_keys(&p, root, keys) ||
		    base_json_type(&out->doc, list) != BASE_JSON_ARRAY ||
		    (n = (size_t)base_json_size(&out->doc, list)) == 0 ||
		    n > SRV_API_OPS_MAX_BATCH) {
			*message = p.why ? p.why
			                 : "Body must be {\"operations\": [1 to 100 operations]}";
			return -1;
		}
	}
	if (!(out->v = calloc(n, sizeof(*out->v)))) {
		*message = "Out of memory";
		return -1;
	}
	if (list < 0) {
		out->n = 1;
		if (one(&p, root, kind, false, &out->v[0])) {
			*message = p.why;
			return -1;
		}
		return 0;
	}
	base_json_iter it;
	int v;
	base_json_iter_init(&out->doc, list, &it);
	while ((v = base_json_iter_next(&out->doc, &it, NULL)) >= 0)
		if (one(&p, v, 0, true, &out->v[out->n++])) {
			*message = p.why;
			return -1;
		}
	return 0;
}

void srv_api_ops_free(srv_api_ops *ops)
{
	for (size_t i = 0; i < ops->n; i++) {
		srv_strv_free(&ops->v[i].to);
		srv_strv_free(&ops->v[i].except);
		srv_strv_free(&ops->v[i].rooms);
		free(ops->v[i].event);
	}
	free(ops->v);
	ops->v = NULL;
	ops->n = 0;
	base_json_free(&ops->doc);
}
