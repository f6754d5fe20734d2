/* srv_relay.h - relay rules (cfg->relay, srv_config_hooks.h): a client
 * event re-emitted to a room without a backend round trip, as a node
 * server's `socket.to(room).emit(...)` in an event handler:
 *
 *   {"event": "typing", "emit": "status:typing",
 *    "room": "conversation:{conversationId}",
 *    "enrich": {"userId": "{userId}"}, "rateLimitPerMinute": 30}
 *
 * The event's first argument must be an object; its fields fill the room
 * template's placeholders ({conversationId}), with {userId} and
 * {claims.NAME} from the sender's token. The room's members get `emit`
 * with the client's object, the `enrich` fields set from the templates (a
 * client cannot forge them: they replace fields of the same name; a
 * template without a value gives null), except the sender (exceptSender,
 * default true). The sender must be in the room (requireMember, default
 * true): a client cannot talk into a room it was not let into. Past the
 * rate limit (per user, per socket when anonymous) events are dropped. A
 * client that asked for an ack gets it empty when relayed, else {error,
 * code}: RATE_LIMIT_EXCEEDED, INVALID_PAYLOAD, NOT_IN_ROOM.
 */
#ifndef SRV_RELAY_H
#define SRV_RELAY_H

#include "socketio.h"
#include "srv_config.h"
#include "srv_metrics.h"

#include <uv.h>

typedef struct srv_relay srv_relay;

/* NULL without relay rules, or out of memory (*oom set). */
srv_relay *srv_relay_new(const srv_config *cfg, uv_loop_t *loop, srv_metrics *m, bool *oom);
int srv_relay_install(srv_relay *r, sio_namespace *nsp);
void srv_relay_free(srv_relay *r);

#endif
