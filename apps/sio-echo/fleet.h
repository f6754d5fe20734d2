/* fleet.h - sio-echo's fleet hooks: events a test client sends to drive
 * the operations that span every server of a fleet (fetchSockets, allRooms,
 * serverCount, socketsJoin/Leave, disconnectSockets, serverSideEmit,
 * broadcasts with flags and with acks), the twins of the node reference's
 * (interop/reference/fleet.js). fleet.c documents them. */
#ifndef SIO_ECHO_FLEET_H
#define SIO_ECHO_FLEET_H

#include "socketio.h"

/* This member's identity in answers: {"port": port, "kind": "c"}. */
void fleet_set_port(int port);
/* The socket hooks, on every socket of nsp. */
void fleet_add_handlers(sio_namespace *nsp);
/* The server-side event "ping-server" (another member's serverSideEmit). */
void fleet_add_server_handlers(sio_namespace *nsp);

#endif
