/* fuzz_srv_ingest.c - libFuzzer target for the decoder of messages that
 * sio-server ingests from Redis (apps/sio-server/srv_ingest_map.c): what a
 * publisher puts on a channel or a stream, so anything.
 *
 * Input: byte 0 picks the mapping (the generic form; the job service's
 * template; a user template; a template with two rooms, literal braces and
 * the whole message as data) and the room length limit; the rest is the
 * message. On success every room and every room excepted must be non-empty,
 * within the limit and NUL-free, at least one room, the event non-empty, at
 * most 128 bytes and not reserved by socket.io, and the data (when there is
 * some) one valid JSON value; on refusal the reason must be one non-empty
 * line and nothing kept. Any crash, sanitizer report, leak or failed check
 * (abort) is a finding.
 *
 *   make fuzz && build-fuzz/fuzz_srv_ingest -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../apps/sio-server/srv_ingest_map.h"
#include "base/json.h"
#include "socketio.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

static char *jobs_rooms[] = { "tenant:{tenantId}" };
static char *jobs_data[] = { "jobId", "status", "error" };
static char *jobs_required[] = { "jobId", "status" };
static char *two_rooms[] = { "{{a}}:{x}", "b:{y}-{x}" };

static const srv_ingest_map maps[4] = {
	{ 0 },
	{ .templated = true,
	  .rooms = jobs_rooms,
	  .nrooms = 1,
	  .event = "JOB_UPDATE",
	  .data = jobs_data,
	  .ndata = 3,
	  .required = jobs_required,
	  .nrequired = 2 },
	{ .templated = true, .user = "{uid}", .event = "e", .data_all = true },
	{ .templated = true, .rooms = two_rooms, .nrooms = 2, .event = "e", .data_all = true },
};

static const size_t max_rooms[4] = { 1, 8, 128, 1000 };

static void check_room(const char *r, size_t max)
{
	size_t n = strlen(r);
	CHECK(n > 0 && n <= max);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const srv_ingest_map *m = &maps[data[0] & 3];
	srv_ingest_rules rules = { .max_room = max_rooms[(data[0] >> 2) & 3],
		                   .user_room = "user:{userId}",
		                   .max_bytes = 1 << 16 };
	srv_ingest_out out;
	char why[256];
	why[0] = '\0';
	int rc = srv_ingest_decode(m, &rules, (const char *)data + 1, size - 1, &out, why,
	                           sizeof why);
	if (rc) {
		CHECK(rc == -1 && why[0] && !strchr(why, '\n'));
		CHECK(out.nrooms == 0 && out.nexcept == 0 && !out.event && !out.has_data);
		srv_ingest_out_free(&out);
		return 0;
	}
	CHECK(out.nrooms >= 1 && out.nrooms <= SRV_INGEST_MAX_TARGETS);
	CHECK(out.nexcept <= SRV_INGEST_MAX_TARGETS);
	for (size_t i = 0; i < out.nrooms; i++)
		check_room(out.rooms[i], rules.max_room);
	for (size_t i = 0; i < out.nexcept; i++)
		check_room(out.except[i], rules.max_room);
	size_t en = strlen(out.event);
	CHECK(en > 0 && en <= SRV_INGEST_MAX_EVENT && !sio_event_reserved(out.event, en));
	if (out.has_data) {
		base_json doc = BASE_JSON_INIT;
		CHECK(base_json_parse(&doc, (const char *)out.data.data, out.data.len) == 0);
		base_json_free(&doc);
	} else {
		CHECK(out.data.len == 0);
	}
	srv_ingest_out_free(&out);
	return 0;
}
