/* srv_ingest_map.h - what a message ingested from Redis means
 * (docs/sio-server.md, "Ingest from Redis"): the mapping of one channel or
 * stream, and the decoder that turns a message (a publisher's JSON, so
 * anything) into a broadcast: target rooms, rooms excepted, event, data.
 *
 * Two forms:
 * - generic (no template configured): the message is
 *   {"room": R | "rooms": [R...] | "user": U, "event": E, "data": D?,
 *    "except": R | [R...]?}; a user id becomes its room through
 *   api.userRoom ("user:{userId}"); other keys are ignored;
 * - a template: any JSON object mapped by the configuration, e.g. the job
 *   service's {tenantId, jobId, status, error?} -> room "tenant:{tenantId}",
 *   event "JOB_UPDATE", data {jobId, status, error} (a field the message
 *   lacks is null; "required" fields must be there). {name} in a room or
 *   user template is the message's top-level field name (a non-empty string
 *   or an integer); "{{" and "}}" are literal braces.
 * Room names are checked as sio-server checks every room (srv_rooms.c): not
 * empty, no NUL, at most limits.maxRoomNameLength bytes; an event must be a
 * non-empty string that socket.io does not reserve. A message that breaks
 * any rule is refused whole, with one line saying why.
 *
 * Pure (no I/O, no globals): unit-tested (tests/test_srv_ingest.c) and
 * fuzzed (fuzz/fuzz_srv_ingest.c).
 */
#ifndef SRV_INGEST_MAP_H
#define SRV_INGEST_MAP_H

#include "base/buf.h"

#include <stdbool.h>
#include <stddef.h>

#define SRV_INGEST_MAX_TARGETS 64 /* rooms, and rooms excepted, per message */
#define SRV_INGEST_MAX_EVENT   128
#define SRV_INGEST_MAX_FIELDS  64 /* data and required fields of a template */

typedef struct srv_ingest_map {
	bool templated; /* false: the generic form, nothing below is set */
	char **rooms;   /* room templates ({field}) */
	size_t nrooms;
	char *user; /* or: a user id template, then the user room */
	char *event;
	char **data; /* fields copied into the data object, in this order */
	size_t ndata;
	bool data_all; /* no "data" configured: the whole message is the data */
	char **required;
	size_t nrequired;
} srv_ingest_map;

typedef struct srv_ingest_rules {
	size_t max_room;       /* limits.maxRoomNameLength */
	const char *user_room; /* api.userRoom, with {userId} */
	size_t max_bytes;      /* a longer message is refused */
} srv_ingest_rules;

/* A decoded message; strings owned (srv_ingest_out_free). */
typedef struct srv_ingest_out {
	char *rooms[SRV_INGEST_MAX_TARGETS];
	size_t nrooms;
	char *except[SRV_INGEST_MAX_TARGETS];
	size_t nexcept;
	char *event;
	bool has_data; /* data holds one JSON value */
	base_buf data;
} srv_ingest_out;

/* Decode msg (len bytes) by m: 0 with out filled, or -1 with why (out
 * freed). out need not be initialized. */
int srv_ingest_decode(const srv_ingest_map *m, const srv_ingest_rules *r, const char *msg,
                      size_t len, srv_ingest_out *out, char *why, size_t whylen);
void srv_ingest_out_free(srv_ingest_out *out);

/* A template's placeholders, checked at load: NULL when fine, else why
 * (an unclosed "{", an empty "{}", a lone "}"). */
const char *srv_ingest_template_bad(const char *tmpl);

void srv_ingest_map_free(srv_ingest_map *m);

#endif
