/* srv_rooms.h - sio-server's declarative room rules (cfg->rooms) and
 * replies (cfg->replies) on a namespace:
 *   - at connection: rooms.auto (templates from claims, ifClaim) and
 *     rooms.fromQuery (special values, pattern; invalid -> the invalid
 *     reply event, the connection stays up);
 *   - client join/leave events (rooms.joinEvents): id from the argument
 *     (string, number, or object field), idPattern, authorization
 *     (claimContains / role), confirmation events and acks, refusals;
 *   - replies: client event -> reply event ("ping" -> "pong");
 *   - limits: a room name longer than limits.maxRoomNameLength is invalid
 *     (the invalid reply, nothing joined); a join that would put the socket
 *     in more than limits.maxRoomsPerSocket rooms (automatic and query rooms
 *     count, a room already joined does not) is refused with the join
 *     event's denied event and {code: "ROOM_LIMIT_EXCEEDED", message}.
 *     Rooms joined at connection (auto, fromQuery) are configured, bounded
 *     by the configuration, and not refused by the room limit.
 * The namespace-wide handlers are registered once by srv_rooms_install;
 * srv_rooms_on_connection is called from the app's connection callback.
 */
#ifndef SRV_ROOMS_H
#define SRV_ROOMS_H

#include "socketio.h"
#include "srv_auth.h"
#include "srv_config.h"
#include "srv_metrics.h"

typedef struct srv_rooms srv_rooms;

/* m (may be NULL) counts the events sent and the refusals by kind. */
srv_rooms *srv_rooms_new(const srv_config *cfg, srv_metrics *m);
void srv_rooms_free(srv_rooms *r);
/* After a reload changed the configuration in place (srv_reload.c): the
 * room limit's message says the new maxRoomsPerSocket. */
void srv_rooms_refresh(srv_rooms *r);
int srv_rooms_install(srv_rooms *r, sio_namespace *nsp);
void srv_rooms_on_connection(srv_rooms *r, sio_socket *s);
/* rooms.auto alone (part of srv_rooms_on_connection): for the clients of
 * plain WebSocket endpoints (srv_plainws.c), with their user set first. */
void srv_rooms_join_auto(srv_rooms *r, sio_socket *s);

/* Expand a room template: {userId}, {claims.NAME}, {value}, {id}, "{{" and
 * "}}". value/id may be NULL. Returns 0, or -1 when a placeholder has no
 * value or the result does not fit in cap (the room is then skipped). */
int srv_room_expand(const char *tmpl, const srv_user *u, const char *value, const char *id,
                    char *out, size_t cap);

/* The id of a join/leave event's argument (a client's, so anything): the
 * first argument when it is a non-empty string without NUL or an integer,
 * or an object's field (a string or an integer). Written NUL-terminated to
 * buf (cap bytes; a longer id is refused, never cut); *num set when it was
 * a number (echoed as a JSON number). 0, or -1 when there is no such id. */
int srv_rooms_arg_id(const sio_args *a, const char *field, char *buf, size_t cap, bool *num);

/* The checks of a client's join or leave (rooms.joinEvents) for the id a
 * client gave, shared with other ways of joining (srv_plainws.c): the id
 * pattern, the room template expanded into room (cap bytes) and its name's
 * length (limits.maxRoomNameLength), then for a join the authorization and
 * limits.maxRoomsPerSocket. NULL when allowed, else the refusal's kind:
 * "invalid_room", "room_denied", "room_limit" (the metrics' error kinds). */
const char *srv_rooms_join_check(const srv_rooms *r, const srv_join_event *je, sio_socket *s,
                                 const char *id, bool leave, char *room, size_t cap);

/* Send a refusal: {code?, message, <valueKey>?: value} to rep->event
 * (nothing when rep->event is NULL). value_num: value is a JSON number.
 * Counted in m (may be NULL) as an error of error_kind and an event sent. */
void srv_reply_emit(srv_metrics *m, const char *error_kind, sio_socket *s, const srv_reply *rep,
                    const char *value, bool value_num);

#endif
