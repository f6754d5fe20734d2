/* srv_webhook_reply.h - the backend's answer to a client event, turned into
 * the client's acknowledgement and actions on live sockets.
 *
 * The answer is a JSON object (docs/sio-server.md, "Backend bridge"):
 *
 *   {
 *     "ack": <any JSON>,                       the client's ack argument
 *     "join": ["room", ...], "leave": [...],   rooms the sender joins / leaves
 *     "emit": [{"event", "data"?}, ...],       events to the sender
 *     "broadcast": [{"room" | "rooms", "except"?, "event", "data"?}, ...],
 *     "disconnect": true                       disconnect the sender
 *   }
 *
 * every member optional; "except" is true (the sender), a room or a list of
 * rooms. The whole answer is checked before anything is done (an invalid
 * one does nothing and the client gets an error ack), then it is applied in
 * this order: join, leave, ack, emit, broadcast, disconnect: the rooms are
 * in place before anything is sent, the sender has its answer before the
 * others hear of it, and a disconnect comes last. Other members are
 * ignored, so a backend may add its own.
 */
#ifndef SRV_WEBHOOK_REPLY_H
#define SRV_WEBHOOK_REPLY_H

#include "socketio.h"
#include "srv_metrics.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct srv_hook_target {
	sio_namespace *nsp;
	sio_socket *s;   /* the sender, NULL when it has gone */
	const char *sid; /* its id (the room of its own, for "except": true) */
	size_t max_room; /* longest room name accepted */
	srv_metrics *m;  /* events sent; may be NULL */
} srv_hook_target;

/* Check and apply the answer (len bytes of JSON). ack: the client's, or
 * NULL; it is answered here when the answer is valid (without an "ack"
 * member: with no argument). Returns 0, or -1 with *why (nothing done, ack
 * left to the caller). */
int srv_webhook_apply(const srv_hook_target *t, const char *json, size_t len, sio_ack *ack,
                      const char **why);

/* The check alone (no socket needed): NULL when the answer (len bytes)
 * would be applied, else why not. Room names longer than max_room bytes
 * are refused. */
const char *srv_webhook_reply_check(const char *json, size_t len, size_t max_room);

/* Answer ack with {error: message, code}: the backend bridge's error ack. */
void srv_webhook_error_ack(sio_ack *ack, const char *code, const char *message);

#endif
