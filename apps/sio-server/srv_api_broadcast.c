/* srv_api_broadcast.c - POST <prefix>/broadcast, /broadcast/user/:userId and
 * /broadcast/room/:room: a strictly validated body {event, data?} sent
 * through srv_emit (fan-in, throttle) to the "/" namespace.
 *
 * Body: a JSON object (Content-Type application/json, or none), at most
 * maxHttpBufferSize bytes, with exactly the keys "event" (a non-empty
 * string of at most SRV_API_MAX_EVENT_LEN bytes that is not one of
 * socket.io's reserved names, which a client could not receive as events)
 * and optionally "data" (any JSON value: the event's single argument;
 * absent means no argument). Anything else is a 400 naming the problem.
 *
 * Answer data: {event, room? (userId?), recipientCount} with 200, where
 * recipientCount is the number of sockets the event was written to; or,
 * when the throttle deferred it to the end of the interval, 202 with
 * {..., recipientCount: 0, throttled: true}.
 */
#include "srv_api.h"
#include "srv_rooms.h"

#include "../../socketio/sio_json.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* socket.io's reserved event names (socket.emit throws on them in node). */
static bool reserved(const char *e)
{
    static const char *const names[] = { "connect", "connect_error", "disconnect",
        "disconnecting", "newListener", "removeListener", NULL };
    for (size_t i = 0; names[i]; i++)
        if (!strcmp(e, names[i]))
            return true;
    return false;
}

typedef struct body {
    sio_json doc;
    char *event;
    const char *data;     /* raw JSON of "data", or NULL */
    size_t data_len;
} body;

/* 0, or -1 with the 4xx answer sent. */
static int parse_body(srv_api_req *r, body *bd)
{
    const srv_config *cfg = r->api->cfg;
    const eio_request *info = eio_http_request_info(r->req);
    const char *ct = eio_request_header(info, "content-type");
    size_t len = 0;
    const char *js = eio_http_request_body(r->req, &len);

    if (ct && *ct && (strncasecmp(ct, "application/json", 16) != 0 ||
                      (ct[16] && ct[16] != ';' && ct[16] != ' '))) {
        srv_api_fail(r, 415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json");
        return -1;
    }
    if (len > (size_t)cfg->max_http_buffer_size) {
        srv_api_fail(r, 413, "PAYLOAD_TOO_LARGE", "Body larger than maxHttpBufferSize");
        return -1;
    }
    if (!js || len == 0) {
        srv_api_fail(r, 400, "BAD_REQUEST", "Body required: {\"event\": string, \"data\"?: any}");
        return -1;
    }
    if (sio_json_parse(&bd->doc, js, len)) {
        srv_api_fail(r, 400, "INVALID_JSON", "Body is not valid JSON");
        return -1;
    }
    int root = sio_json_root(&bd->doc);
    if (sio_json_type(&bd->doc, root) != SIO_JSON_OBJECT) {
        srv_api_fail(r, 400, "BAD_REQUEST", "Body must be a JSON object {event, data}");
        return -1;
    }
    sio_json_iter it;
    int key, v;
    sio_json_iter_init(&bd->doc, root, &it);
    while ((v = sio_json_iter_next(&bd->doc, &it, &key)) >= 0) {
        if (!sio_json_str_eq(&bd->doc, key, "event", 5) &&
            !sio_json_str_eq(&bd->doc, key, "data", 4)) {
            srv_api_fail(r, 400, "BAD_REQUEST",
                         "Unknown key in body (allowed: event, data)");
            return -1;
        }
    }
    int ev = sio_json_obj_get(&bd->doc, root, "event");
    size_t elen = 0;
    if (sio_json_type(&bd->doc, ev) != SIO_JSON_STRING ||
        sio_json_str_dup(&bd->doc, ev, &bd->event, &elen)) {
        srv_api_fail(r, 400, "BAD_REQUEST", "\"event\" is required and must be a string");
        return -1;
    }
    if (elen == 0 || elen > SRV_API_MAX_EVENT_LEN || strlen(bd->event) != elen) {
        srv_api_fail(r, 400, "BAD_REQUEST", "\"event\" must be 1 to 256 bytes, without NUL");
        return -1;
    }
    if (reserved(bd->event)) {
        srv_api_fail(r, 400, "BAD_REQUEST", "\"event\" is a reserved Socket.IO event name");
        return -1;
    }
    int data = sio_json_obj_get(&bd->doc, root, "data");
    if (data >= 0)
        bd->data = sio_json_raw(&bd->doc, data, &bd->data_len);
    return 0;
}

/* The room for a user id, from cfg->api.user_room. 0, or -1 if too long. */
static int user_room(const srv_config *cfg, const char *uid, char *out, size_t cap)
{
    srv_user u = { .user_id = (char *)uid };
    return srv_room_expand(cfg->api.user_room, &u, NULL, NULL, out, cap);
}

static void answer(srv_api_req *r, const body *bd, int kind, const char *arg,
                   const char *room, const srv_emit_result *res)
{
    sio_buf b = SIO_BUF_INIT;
    sio_jsonw w;
    sio_jsonw_init(&w, &b);
    sio_jsonw_object_begin(&w);
    sio_jsonw_key(&w, "event", 5);
    sio_jsonw_str(&w, bd->event, strlen(bd->event));
    if (kind == 'u') {
        sio_jsonw_key(&w, "userId", 6);
        sio_jsonw_str(&w, arg, strlen(arg));
    }
    if (room) {
        sio_jsonw_key(&w, "room", 4);
        sio_jsonw_str(&w, room, strlen(room));
    }
    sio_jsonw_key(&w, "recipientCount", 14);
    sio_jsonw_int64(&w, res->recipients);
    if (res->throttled) {
        sio_jsonw_key(&w, "throttled", 9);
        sio_jsonw_bool(&w, 1);
    }
    sio_jsonw_object_end(&w);
    if (sio_jsonw_error(&w))
        srv_api_fail(r, 500, "INTERNAL", "out of memory");
    else
        srv_api_ok(r, res->throttled ? 202 : 200, b.data, b.len);
    sio_buf_free(&b);
}

void srv_api_broadcast(srv_api_req *r, int kind, const char *arg)
{
    const srv_config *cfg = r->api->cfg;
    body bd = { SIO_JSON_INIT, NULL, NULL, 0 };
    char room_buf[1024];
    const char *room = NULL;

    if (kind != 'a' && !*arg) {
        srv_api_fail(r, 400, "BAD_REQUEST", kind == 'u' ? "Empty user id" : "Empty room name");
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
        srv_api_fail(r, 400, "BAD_REQUEST", "Room name longer than limits.maxRoomNameLength");
        return;
    }
    if (parse_body(r, &bd) == 0) {
        srv_emit_result res;
        if (srv_emit_to(r->api->emit, room, bd.event, bd.data, bd.data_len, &res))
            srv_api_fail(r, 500, "INTERNAL", "Broadcast failed");
        else
            answer(r, &bd, kind, arg, room, &res);
    }
    free(bd.event);
    sio_json_free(&bd.doc);
}
