/* srv_api_broadcast.c - POST <prefix>/broadcast, /broadcast/user/:userId and
 * /broadcast/room/:room: a strictly validated body {event, data?} sent
 * through srv_emit (fan-in, throttle) to the "/" namespace.
 *
 * Body: a JSON object (Content-Type application/json, or none), at most
 * maxHttpBufferSize bytes, with exactly the keys "event" (a non-empty
 * string of at most SRV_API_MAX_EVENT_LEN bytes that is not one of
 * socket.io's reserved names, which a client could not receive as events)
 * and optionally "data" (any JSON value: the event's single argument;
 * absent means no argument), each once. Anything else is a 400 naming the
 * problem (415 for another Content-Type, 413 when too large). The parser
 * is srv_api_body.c, tested and fuzzed without HTTP.
 *
 * Answer data: {event, room? (userId?), recipientCount} with 200, where
 * recipientCount is the number of sockets the event was written to; or,
 * when the throttle deferred it to the end of the interval, 202 with
 * {..., recipientCount: 0, throttled: true}.
 */
#include "srv_api_body.h"
#include "srv_api_endpoints.h"
#include "srv_api_req.h"
#include "srv_rooms.h"

#include "base/json.h"

#include <string.h>

/* 0, or -1 with the 4xx answer sent (the rules: srv_api_body.c). */
static int parse_body(srv_api_req *r, srv_api_body *bd)
{
	const eio_request *info = eio_http_request_info(r->req);
	size_t len = 0;
	const char *js = eio_http_request_body(r->req, &len);
	int status;
	const char *code, *message;

	if (srv_api_body_parse(js, len, eio_request_header(info, "content-type"),
	                       (size_t)r->api->cfg->max_http_buffer_size, bd, &status, &code,
	                       &message) == 0)
		return 0;
	srv_api_fail(r, status, code, message);
	return -1;
}

/* The room for a user id, from cfg->api.user_room. 0, or -1 if too long. */
static int user_room(const srv_config *cfg, const char *uid, char *out, size_t cap)
{
	srv_user u = { .user_id = (char *)uid };
	return srv_room_expand(cfg->api.user_room, &u, NULL, NULL, out, cap);
}

static void answer(srv_api_req *r, const srv_api_body *bd, int kind, const char *arg,
                   const char *room, const srv_emit_result *res)
{
	base_buf b = BASE_BUF_INIT;
	base_jsonw w;
	base_jsonw_init(&w, &b);
	base_jsonw_object_begin(&w);
	base_jsonw_key(&w, "event", 5);
	base_jsonw_str(&w, bd->event, strlen(bd->event));
	if (kind == 'u') {
		base_jsonw_key(&w, "userId", 6);
		base_jsonw_str(&w, arg, strlen(arg));
	}
	if (room) {
		base_jsonw_key(&w, "room", 4);
		base_jsonw_str(&w, room, strlen(room));
	}
	base_jsonw_key(&w, "recipientCount", 14);
	base_jsonw_int64(&w, res->recipients);
	if (res->throttled) {
		base_jsonw_key(&w, "throttled", 9);
		base_jsonw_bool(&w, 1);
	}
	base_jsonw_object_end(&w);
	srv_api_ok_json(r, res->throttled ? 202 : 200, &b, &w);
}

/* kind 'a' (all), 'u' (user; arg the user id), 'r' (room; arg the room) */
static void broadcast(srv_api_req *r, int kind, const char *arg)
{
	const srv_config *cfg = r->api->cfg;
	srv_api_body bd = SRV_API_BODY_INIT;
	char room_buf[SRV_MAX_ROOM_NAME + 1];
	const char *room = NULL;

	if (kind != 'a' && !*arg) {
		srv_api_fail(r, 400, "BAD_REQUEST",
		             kind == 'u' ? "Empty user id" : "Empty room name");
		return;
	}
	if (kind == 'u') {
		if (user_room(cfg, arg, room_buf, sizeof(room_buf))) {
			srv_api_fail(r, 400, "BAD_REQUEST", "User id too long");
			return;
		}
		room = room_buf;
	} else if (kind == 'r') {
		room = arg;
	}
	if (room && strlen(room) > (size_t)cfg->limits.max_room_name_length) {
		srv_api_fail(r, 400, "BAD_REQUEST",
		             "Room name longer than limits.maxRoomNameLength");
		return;
	}
	if (parse_body(r, &bd) == 0) {
		srv_emit_result res;
		if (srv_emit_to(r->api->emit, room, bd.event, bd.data, bd.data_len, &res))
			srv_api_fail(r, 500, "INTERNAL", "Broadcast failed");
		else
			answer(r, &bd, kind, arg, room, &res);
	}
	srv_api_body_free(&bd);
}

void srv_api_broadcast_all(srv_api_req *r, const char *value)
{
	broadcast(r, 'a', value);
}

void srv_api_broadcast_user(srv_api_req *r, const char *value)
{
	broadcast(r, 'u', value);
}

void srv_api_broadcast_room(srv_api_req *r, const char *value)
{
	broadcast(r, 'r', value);
}
