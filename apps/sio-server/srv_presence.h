/* srv_presence.h - presence (cfg->presence) across every member of the
 * fleet: a user is online while a socket of theirs is connected to any
 * member. The user's first socket makes the user online: presence.online
 * {userId} goes to presence.room (every socket of the namespace when the
 * room is unset) except that socket itself, as node chat servers do with
 * socket.broadcast.to(room).emit(...). The user's last socket gone makes the
 * user offline: presence.offline {userId} to the same audience. More tabs of
 * an online user send nothing. userId is the user id claim as it appears in
 * the token (a number stays a number).
 *
 * Each member counts its own sockets per user; when a user's count on this
 * member goes from 0 to 1 (or from 1 to 0) it asks the fleet who else holds
 * a socket of the user: node's fetchSockets on the user's room
 * (cfg->api.userRoom, "user:{userId}", which every counted socket joins).
 * Online: sent unless another member holds an older socket of the user (by
 * handshake time, then socket id), that is unless the user was online
 * already; of two first sockets on two members at once, the older one
 * announces. Offline: sent when no member holds a socket of the user. With
 * the in-memory adapter the answer comes at once and this is exactly the
 * count of one process. The race windows (docs/sio-server.md, "Presence")
 * are one fetchSockets round trip wide: two members may both announce, an
 * event is never withheld while the fleet agrees, and a user who leaves and
 * comes back to the same member within the round trip sends nothing.
 *
 * Anonymous sockets are not counted. The map holds only users with a socket
 * here or a question pending, so it is bounded by the connections. Nothing
 * is sent after srv_presence_stop() (a member shutting down disconnects
 * everyone at once; they reconnect to the other members).
 */
#ifndef SRV_PRESENCE_H
#define SRV_PRESENCE_H

#include "socketio.h"
#include "srv_config.h"
#include "srv_metrics.h"

typedef struct srv_presence srv_presence;

/* With presence disabled the calls below do nothing. */
srv_presence *srv_presence_new(const srv_config *cfg, sio_namespace *nsp, srv_metrics *m);
/* After the loop has ended (every question answered). */
void srv_presence_free(srv_presence *p);
/* From the connection callback, after the socket joined its rooms. */
void srv_presence_on_connection(srv_presence *p, sio_socket *s);
/* From the disconnect callback, while srv_user_of(s) is still set. */
void srv_presence_on_disconnect(srv_presence *p, sio_socket *s);
void srv_presence_stop(srv_presence *p);
/* Users with a socket on this member; sockets of one user here (0 if none). */
size_t srv_presence_users(const srv_presence *p);
size_t srv_presence_sockets(const srv_presence *p, const char *user_id);

#endif
