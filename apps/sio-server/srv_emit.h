/* srv_emit.h - how the server's own broadcasts (the HTTP API's) reach
 * clients: room fan-in and throttling (cfg->rooms.fan_in, cfg->throttle).
 *
 * Fan-in: a broadcast to room R also reaches the rooms of every fan-in rule
 * whose glob matches R ("job:*" -> ["all-jobs"]): one sio_broadcast with
 * every target room, so a socket in several of them gets the event once.
 *
 * Throttle: a broadcast to R of event E, where a throttle rule's glob
 * matches R (and its event list is empty or names E), goes out at most once
 * per interval per (R, E). The first goes out at once; a later one inside
 * the interval is kept as the pending payload (replacing an older pending
 * one: the latest wins) and is sent when the interval ends, which starts a
 * new interval. One shared uv_timer serves every pending entry. The table
 * holds at most SRV_THROTTLE_MAX entries (an entry lives until an interval
 * passes without a broadcast); when full, a broadcast for a new (R, E) is
 * sent at once, unthrottled, and counted as error kind "throttle_full".
 * The pending payloads together hold at most SRV_THROTTLE_MAX_PENDING bytes
 * (each may be maxHttpBufferSize, so 4096 of them could otherwise hold
 * gigabytes): a payload that would pass that is sent at once as well
 * (also "throttle_full"), its (R, E)'s older pending payload is dropped
 * (superseded: the latest still wins) and a new interval starts.
 *
 * Globs: '*' matches any run of characters (':' included); every other
 * character matches itself; the whole name must match.
 */
#ifndef SRV_EMIT_H
#define SRV_EMIT_H

#include "socketio.h"
#include "srv_config.h"
#include "srv_metrics.h"

#include <stdint.h>

#define SRV_THROTTLE_MAX         4096
#define SRV_THROTTLE_MAX_PENDING ((size_t)64 << 20) /* bytes */

bool srv_glob_match(const char *glob, const char *s);

/* The rooms a broadcast to room reaches: room itself first, then each
 * fan-in room of a matching rule, without duplicates. Returns how many
 * were written to out (at most cap). */
size_t srv_fan_in_targets(const srv_config *cfg, const char *room, const char **out, size_t cap);

/* The throttle rule for (room, event), or NULL. */
const srv_throttle *srv_throttle_rule(const srv_config *cfg, const char *room, const char *event);

/* ---- the throttle table, with an explicit clock (milliseconds) --------------- */

typedef struct srv_throttle_table srv_throttle_table;

enum {
	SRV_THROTTLE_SEND = 0, /* send now (an interval starts) */
	SRV_THROTTLE_DEFERRED, /* kept as the pending payload (replacing any) */
	SRV_THROTTLE_FULL      /* table or pending bytes full: send now */
};

/* At most cap entries and SRV_THROTTLE_MAX_PENDING pending bytes. */
srv_throttle_table *srv_throttle_new(size_t cap);
/* Change the pending bytes limit (tests). */
void srv_throttle_set_max_pending(srv_throttle_table *t, size_t bytes);
/* Bytes held by pending payloads now. */
size_t srv_throttle_pending_bytes(const srv_throttle_table *t);
void srv_throttle_free(srv_throttle_table *t);
/* data (raw JSON, len bytes) may be NULL: the event has no argument.
 * Returns SRV_THROTTLE_* or -1 when out of memory. */
int srv_throttle_offer(srv_throttle_table *t, const char *room, const char *event, long interval_ms,
                       const char *data, size_t len, uint64_t now);
/* Send every pending payload whose interval has ended (fn gets the room,
 * the event and the data) and drop the entries idle for an interval. */
typedef void (*srv_throttle_send_fn)(const char *room, const char *event, const char *data,
                                     size_t len, void *user);
void srv_throttle_expire(srv_throttle_table *t, uint64_t now, srv_throttle_send_fn fn, void *user);
/* The earliest interval end, or UINT64_MAX when the table is empty. */
uint64_t srv_throttle_next(const srv_throttle_table *t);
size_t srv_throttle_count(const srv_throttle_table *t);

/* ---- the server's emitter ---------------------------------------------------- */

typedef struct srv_emit srv_emit;

typedef struct srv_emit_result {
	int recipients; /* sockets the event was written to now */
	bool throttled; /* deferred to the end of the throttle interval */
} srv_emit_result;

/* m may be NULL. */
srv_emit *srv_emit_new(const srv_config *cfg, sio_namespace *nsp, uv_loop_t *loop, srv_metrics *m);
/* room NULL: every socket of the namespace (never throttled). data: raw
 * JSON of the single argument, or NULL for none. 0, or -1 (out of memory,
 * invalid JSON). */
int srv_emit_to(srv_emit *e, const char *room, const char *event, const char *data, size_t len,
                srv_emit_result *res);
/* Close the timer (pending payloads are dropped): call before the loop is
 * expected to end. srv_emit_free after uv_run returned. */
void srv_emit_close(srv_emit *e);
void srv_emit_free(srv_emit *e);

#endif
