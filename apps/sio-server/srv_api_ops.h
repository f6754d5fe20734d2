/* srv_api_ops.h - the bodies of the HTTP API's socket operations (POST
 * <prefix>/emit, /sockets/join, /sockets/leave, /sockets/disconnect and
 * /batch, srv_api_sockets.c): what to do to which sockets.
 *
 * A pure parser without HTTP, like srv_api_body.h, so it is unit-tested
 * and fuzzed alone (tests/test_srv_api_ops.c, fuzz/fuzz_srv_api_ops.c).
 *
 * Targets, "to" and "except": objects {rooms?, socketIds?, userIds?}, each a
 * list of at most SRV_API_OPS_MAX_TARGETS strings (user ids may be
 * integers); a socket id is the room of its own (Socket.IO's rule) and a
 * user id becomes api.userRoom ("user:{userId}"). "to" must name at least
 * one target: an operation on every socket is never implied.
 *
 *   emit:       {to, except?, event, data?}
 *   join/leave: {to, except?, room | rooms}
 *   disconnect: {to, except?, close?}
 *   batch:      {operations: [{op: "emit" | "join" | "leave" | "disconnect", ...}]}
 *               at most SRV_API_OPS_MAX_BATCH, all checked before any is applied
 *
 * Unknown and duplicate keys are errors, as everywhere in the API.
 */
#ifndef SRV_API_OPS_H
#define SRV_API_OPS_H

#include "base/json.h"
#include "srv_config.h"

#include <stdbool.h>
#include <stddef.h>

#define SRV_API_OPS_MAX_TARGETS 100 /* per list of a target */
#define SRV_API_OPS_MAX_BATCH   100 /* operations per batch */

enum {
	SRV_OP_EMIT = 1,
	SRV_OP_JOIN,
	SRV_OP_LEAVE,
	SRV_OP_DISCONNECT,
	SRV_OP_BATCH
};

typedef struct srv_api_op {
	int kind;
	srv_strv to, except; /* room names: rooms, socket ids, user rooms */
	char *event;         /* emit */
	const char *data;    /* emit: raw JSON of "data" (into the body), or NULL */
	size_t data_len;
	srv_strv rooms; /* join, leave */
	bool close;     /* disconnect: close the whole connection */
} srv_api_op;

typedef struct srv_api_ops {
	base_json doc;
	srv_api_op *v;
	size_t n;
} srv_api_ops;

/* Parse a body of kind (SRV_OP_*; SRV_OP_BATCH for a list), with cfg's
 * userRoom and maxRoomNameLength. 0, or -1 with a 400 message (static).
 * out starts zeroed (or as left by srv_api_ops_free); free it always. */
int srv_api_ops_parse(const char *js, size_t len, int kind, const srv_config *cfg, srv_api_ops *out,
                      const char **message);
void srv_api_ops_free(srv_api_ops *ops);

#endif
