/* srv_room_users.h - who is in a room: the users and their socket counts,
 * for GET <prefix>/rooms/:room (srv_api_stats.c), which asks every member
 * of the fleet for the room's sockets (node's fetchSockets) and feeds each
 * one here.
 *
 * A socket's user: on this member, the user id claim of its token
 * (srv_user_of); on another member, the user room it is in (api.userRoom,
 * "user:{userId}", read backwards: "user:42" is user "42"), because that is
 * what the adapter's answer carries about a remote socket, and what every
 * authenticated socket joins when presence is on or rooms.auto names the
 * user room. A remote socket in no user room, and a socket without a user
 * id, is anonymous: counted, never listed. Pure data, unit-tested alone
 * (tests/test_srv_room_users.c).
 */
#ifndef SRV_ROOM_USERS_H
#define SRV_ROOM_USERS_H

#include "base/json.h"
#include "base/map.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct srv_room_users {
	const char *user_room; /* api.userRoom, not owned */
	base_map users;        /* user id -> count */
	size_t anonymous;      /* sockets without a user */
	bool failed;           /* memory ran out: the answer is a 500 */
} srv_room_users;

void srv_room_users_init(srv_room_users *ru, const char *user_room);
void srv_room_users_free(srv_room_users *ru);

/* One socket of the room: user_id when known (a socket of this member),
 * else NULL and its rooms are searched for a user room. */
void srv_room_users_add(srv_room_users *ru, const char *user_id, const char *const *rooms,
                        size_t nrooms);

/* The user id a room names through the template (api.userRoom: one
 * "{userId}", "{{" and "}}" literal braces), written to out (cap bytes).
 * true when room is a user room with a non-empty id that fits. */
bool srv_room_users_id_of(const char *tmpl, const char *room, char *out, size_t cap);

/* Members of the answer: "users": [{userId, sockets}] (at most max, the
 * most sockets first, then by id), "userCount", "anonymousSockets",
 * and "usersTruncated": true when more users than max exist. 0, or -1
 * when memory runs out (nothing written). */
int srv_room_users_write(const srv_room_users *ru, base_jsonw *w, size_t max);

#endif
