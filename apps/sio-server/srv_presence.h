/* srv_presence.h - presence (cfg->presence): a count of connected sockets
 * per user id. A user's first socket makes the user online: presence.online
 * {userId} goes to presence.room (every socket of the namespace when the
 * room is unset) except that socket itself, as node chat servers do with
 * socket.broadcast.to(room).emit(...) (the client knows it just connected;
 * the user's other tabs, if any, would not be first). The user's last socket
 * gone makes the user offline: presence.offline {userId} to the same
 * audience. More tabs of an online user send nothing. userId is the user id
 * claim as it appears in the token (a number stays a number).
 *
 * Anonymous sockets are not counted. The map holds only users with at least
 * one connected socket, so it is bounded by the number of connections.
 * Nothing is sent after srv_presence_stop() (server shutdown disconnects
 * everyone at once; that is not news to anyone).
 */
#ifndef SRV_PRESENCE_H
#define SRV_PRESENCE_H

#include "socketio.h"
#include "srv_config.h"
#include "srv_metrics.h"

typedef struct srv_presence srv_presence;

/* With presence disabled the calls below do nothing. */
srv_presence *srv_presence_new(const srv_config *cfg, sio_namespace *nsp, srv_metrics *m);
void srv_presence_free(srv_presence *p);
/* From the connection callback, after the socket joined its rooms. */
void srv_presence_on_connection(srv_presence *p, sio_socket *s);
/* From the disconnect callback, while srv_user_of(s) is still set. */
void srv_presence_on_disconnect(srv_presence *p, sio_socket *s);
void srv_presence_stop(srv_presence *p);
/* Users online now; sockets of one user (0 if offline or unknown). */
size_t srv_presence_users(const srv_presence *p);
size_t srv_presence_sockets(const srv_presence *p, const char *user_id);

#endif
