/* srv_ack.h - the envelope of an object sent as a client's acknowledgement.
 *
 * Several events answer their ack with one JSON object (token refresh, room
 * joins and leaves, a webhook's error): the same steps around different
 * members. A client that sent no ack gets nothing; when memory runs out the
 * ack is dropped (socketio.h: sio_ack_drop), never left pending.
 */
#ifndef SRV_ACK_H
#define SRV_ACK_H

#include "socketio.h"

/* An object begun for ack's answer; NULL when ack is NULL, or out of memory
 * (the ack dropped). The caller adds its members and calls srv_ack_object_send. */
sio_out *srv_ack_object_begin(sio_ack *ack);

/* Closes the object, sends it as ack's answer and frees it. */
void srv_ack_object_send(sio_ack *ack, sio_out *o);

#endif
