/* srv_admin.h - the server side of the official @socket.io/admin-ui dashboard
 * (npm @socket.io/admin-ui 0.5.1, its instrument() function), configured by
 * the "adminUi" section (srv_config_admin.c; docs/sio-server.md, "Admin
 * dashboard").
 *
 * The dashboard is a page (the package's ui/dist) that connects with
 * socket.io-client to the admin namespace ("/admin") and expects node's
 * events there: "config" (the features it may use), "server_stats" every two
 * seconds, and in development mode "all_sockets", "socket_connected",
 * "socket_disconnected", "room_joined", "room_left", "event_received",
 * "event_sent"; it sends "join", "leave", "_disconnect" and "emit" unless
 * the server is read-only. The files: srv_admin.c (the namespace, the
 * dashboard's sockets and requests), srv_admin_watch.c (what happens in the
 * watched namespaces, told to the dashboards), srv_admin_auth.c (basic
 * authentication: bcrypt on libuv's thread pool, the session ids),
 * srv_admin_stats.c ("server_stats"), srv_admin_json.c (a socket as node's
 * serialize() writes it; dates).
 */
#ifndef SRV_ADMIN_H
#define SRV_ADMIN_H

#include "socketio.h"
#include "srv_config.h"

typedef struct srv_admin srv_admin;

/* NULL when cfg->admin.enabled is false, and on out-of-memory (*oom set). */
srv_admin *srv_admin_new(const srv_config *cfg, sio_server *srv, bool *oom);
/* Create the admin namespace (its middleware, its connection callback) and
 * watch root and the admin namespace. 0 or -1 (out of memory). */
int srv_admin_install(srv_admin *a, sio_namespace *root);
/* From the application's connection and disconnect callbacks of root
 * (which owns those single slots). NULL a does nothing. */
void srv_admin_socket_connected(srv_admin *a, sio_socket *s);
void srv_admin_socket_disconnected(srv_admin *a, sio_socket *s, const char *reason);
/* Stop the stats timer (before the loop is meant to end). NULL a is fine. */
void srv_admin_close(srv_admin *a);
void srv_admin_free(srv_admin *a);

#endif
