/* srv_webhook_reply.c - checking and applying the backend's answer (see
 * srv_webhook_reply.h). Room lists and except lists are bounded
 * (MAX_ROOMS) so one answer cannot make the server build huge broadcasts;
 * event names reserved by socket.io are refused as sio_emit would. */
#include "srv_webhook_reply.h"
#include "srv_ack.h"

#include "base/json.h"

#include <stdlib.h>
#include <string.h>

#define MAX_ROOMS   64 /* per join / leave list, per broadcast's rooms or except */
#define MAX_ACTIONS 64 /* per emit / broadcast list */

void srv_webhook_error_ack(sio_ack *ack, const char *code, const char *message)
{
	sio_out *o = srv_ack_object_begin(ack);
	if (!o)
		return;
	sio_out_key(o, "error");
	sio_out_str(o, message);
	sio_out_key(o, "code");
	sio_out_str(o, code);
	srv_ack_object_send(ack, o);
}

/* ---- checks ------------------------------------------------------------------------ */

static bool room_ok(const base_json *d, int tok, size_t max)
{
	size_t n = 0;
	if (base_json_type(d, tok) != BASE_JSON_STRING)
		return false;
	int rc = base_json_str_unescape(d, tok, NULL, 0, &n);
	return (rc == 0 || rc == BASE_JSON_ENOSPC) && n > 0 && n <= max;
}

/* A room or a list of rooms (list_only: a list). */
static bool rooms_ok(const base_json *d, int tok, size_t max, bool list_only)
{
	if (!list_only && base_json_type(d, tok) == BASE_JSON_STRING)
		return room_ok(d, tok, max);
	if (base_json_type(d, tok) != BASE_JSON_ARRAY || base_json_size(d, tok) > MAX_ROOMS)
		return false;
	base_json_iter it;
	int v;
	base_json_iter_init(d, tok, &it);
	while ((v = base_json_iter_next(d, &it, NULL)) >= 0)
		if (!room_ok(d, v, max))
			return false;
	return true;
}

static bool event_ok(const base_json *d, int tok)
{
	char name[256];
	size_t n;
	return base_json_type(d, tok) == BASE_JSON_STRING &&
	       base_json_str_unescape(d, tok, name, sizeof(name), &n) == 0 && n > 0 &&
	       n < sizeof(name) && strlen(name) == n && !sio_event_reserved(name, n);
}

/* emit (broadcast false) or broadcast items. */
static const char *actions_ok(const base_json *d, int tok, bool broadcast, size_t max)
{
	if (base_json_type(d, tok) != BASE_JSON_ARRAY || base_json_size(d, tok) > MAX_ACTIONS)
		return broadcast ? "\"broadcast\" must be a list (at most 64)"
		                 : "\"emit\" must be a list (at most 64)";
	base_json_iter it;
	int v;
	base_json_iter_init(d, tok, &it);
	while ((v = base_json_iter_next(d, &it, NULL)) >= 0) {
		if (base_json_type(d, v) != BASE_JSON_OBJECT ||
		    !event_ok(d, base_json_obj_get(d, v, "event")))
			return "an emit or broadcast needs an \"event\" name (not a reserved one)";
		if (!broadcast)
			continue;
		int room = base_json_obj_get(d, v, "room"),
		    rooms = base_json_obj_get(d, v, "rooms");
		int ex = base_json_obj_get(d, v, "except");
		if ((room < 0) == (rooms < 0) || (room >= 0 && !room_ok(d, room, max)) ||
		    (rooms >= 0 && !rooms_ok(d, rooms, max, true)))
			return "a broadcast needs \"room\" (a room name) or \"rooms\" (a list)";
		int et = base_json_type(d, ex);
		if (ex >= 0 && et != BASE_JSON_TRUE && et != BASE_JSON_FALSE &&
		    !rooms_ok(d, ex, max, false))
			return "\"except\" must be true (the sender), a room or a list of rooms";
	}
	return NULL;
}

static const char *check(const base_json *d, size_t max)
{
	if (base_json_type(d, 0) != BASE_JSON_OBJECT)
		return "the answer is not a JSON object";
	int j = base_json_obj_get(d, 0, "join"), l = base_json_obj_get(d, 0, "leave");
	if ((j >= 0 && !rooms_ok(d, j, max, false)) || (l >= 0 && !rooms_ok(d, l, max, false)))
		return "\"join\" and \"leave\" must be a room or a list of rooms";
	int e = base_json_obj_get(d, 0, "emit"), b = base_json_obj_get(d, 0, "broadcast");
	const char *why;
	if ((e >= 0 && (why = actions_ok(d, e, false, max))) ||
	    (b >= 0 && (why = actions_ok(d, b, true, max))))
		return why;
	int x = base_json_obj_get(d, 0, "disconnect");
	if (x >= 0 && base_json_bool(d, x) < 0)
		return "\"disconnect\" must be a boolean";
	return NULL;
}

const char *srv_webhook_reply_check(const char *json, size_t len, size_t max_room)
{
	base_json d = BASE_JSON_INIT;
	const char *why =
	        base_json_parse(&d, json, len) ? "the answer is not JSON" : check(&d, max_room);
	base_json_free(&d);
	return why;
}

/* ---- actions ------------------------------------------------------------------------ */

typedef struct names {
	char *v[MAX_ROOMS + 1];
	size_t n;
} names;

static void names_free(names *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i]);
	r->n = 0;
}

/* A checked room or list of rooms, appended. */
static void names_add(names *r, const base_json *d, int tok)
{
	if (base_json_type(d, tok) == BASE_JSON_STRING) {
		size_t n;
		if (r->n <= MAX_ROOMS && base_json_str_dup(d, tok, &r->v[r->n], &n) == 0)
			r->n++;
		return;
	}
	base_json_iter it;
	int v;
	base_json_iter_init(d, tok, &it);
	while ((v = base_json_iter_next(d, &it, NULL)) >= 0)
		names_add(r, d, v);
}

static void join_leave(sio_socket *s, const base_json *d, int tok, bool join)
{
	names r = { .n = 0 };
	if (!s || tok < 0)
		return;
	names_add(&r, d, tok);
	for (size_t i = 0; i < r.n; i++)
		(void)(join ? sio_join(s, r.v[i]) : sio_leave(s, r.v[i]));
	names_free(&r);
}

/* The "data" member as the one argument (none when absent). */
static sio_out *data_args(const base_json *d, int item)
{
	sio_out *o = sio_out_new();
	int t = base_json_obj_get(d, item, "data");
	size_t n;
	const char *raw = t >= 0 ? base_json_raw(d, t, &n) : NULL;
	if (o && raw && sio_out_json(o, raw, n)) {
		sio_out_free(o);
		return NULL;
	}
	return o;
}

static void do_emit(const srv_hook_target *t, const base_json *d, int item)
{
	char *ev = NULL;
	size_t n;
	sio_out *o = data_args(d, item);
	if (o && base_json_str_dup(d, base_json_obj_get(d, item, "event"), &ev, &n) == 0 &&
	    sio_emit(t->s, ev, o) == 0)
		srv_metrics_event_sent(t->m, ev, 1);
	free(ev);
	sio_out_free(o);
}

static void do_broadcast(const srv_hook_target *t, const base_json *d, int item)
{
	names rooms = { .n = 0 }, except = { .n = 0 };
	char *ev = NULL;
	size_t n;
	int room = base_json_obj_get(d, item, "room");
	names_add(&rooms, d, room >= 0 ? room : base_json_obj_get(d, item, "rooms"));
	int ex = base_json_obj_get(d, item, "except");
	if (base_json_type(d, ex) == BASE_JSON_TRUE) {
		/* the sender: the room of its own id, which works after it left */
		except.v[0] = strdup(t->sid);
		except.n = except.v[0] ? 1 : 0;
	} else if (ex >= 0 && base_json_type(d, ex) != BASE_JSON_FALSE) {
		names_add(&except, d, ex);
	}
	sio_out *o = data_args(d, item);
	if (o && rooms.n &&
	    base_json_str_dup(d, base_json_obj_get(d, item, "event"), &ev, &n) == 0) {
		sio_broadcast b = { .rooms = (const char *const *)rooms.v,
			            .nrooms = rooms.n,
			            .except = (const char *const *)except.v,
			            .nexcept = except.n };
		int k = sio_broadcast_emit(t->nsp, &b, ev, o);
		if (k > 0)
			srv_metrics_event_sent(t->m, ev, (uint64_t)k);
	}
	free(ev);
	sio_out_free(o);
	names_free(&rooms);
	names_free(&except);
}

static void each(const srv_hook_target *t, const base_json *d, int list,
                 void (*fn)(const srv_hook_target *, const base_json *, int))
{
	if (list < 0)
		return;
	base_json_iter it;
	int v;
	base_json_iter_init(d, list, &it);
	while ((v = base_json_iter_next(d, &it, NULL)) >= 0)
		fn(t, d, v);
}

int srv_webhook_apply(const srv_hook_target *t, const char *json, size_t len, sio_ack *ack,
                      const char **why)
{
	base_json d = BASE_JSON_INIT;
	if (base_json_parse(&d, json, len)) {
		base_json_free(&d);
		*why = "the answer is not JSON";
		return -1;
	}
	if ((*why = check(&d, t->max_room))) {
		base_json_free(&d);
		return -1;
	}
	join_leave(t->s, &d, base_json_obj_get(&d, 0, "join"), true);
	join_leave(t->s, &d, base_json_obj_get(&d, 0, "leave"), false);
	if (ack) {
		int a = base_json_obj_get(&d, 0, "ack");
		sio_out *o = sio_out_new();
		size_t n;
		const char *raw = a >= 0 ? base_json_raw(&d, a, &n) : NULL;
		if (!o || (raw && sio_out_json(o, raw, n)))
			sio_ack_drop(ack);
		else
			sio_ack_send(ack, o);
		sio_out_free(o);
	}
	if (t->s)
		each(t, &d, base_json_obj_get(&d, 0, "emit"), do_emit);
	each(t, &d, base_json_obj_get(&d, 0, "broadcast"), do_broadcast);
	int x = base_json_obj_get(&d, 0, "disconnect");
	if (t->s && x >= 0 && base_json_bool(&d, x) == 1)
		sio_disconnect(t->s, false);
	base_json_free(&d);
	return 0;
}
