/* fuzz_srv_api_ops.c - libFuzzer target for the bodies of the HTTP API's
 * socket operations (apps/sio-server/srv_api_ops.c): whatever a caller
 * posts is refused with a message or accepted, never a crash or a leak.
 *
 * Input: byte 0 picks the operation (emit, join, leave, disconnect,
 * batch) and the longest room name (1 to 64); the rest is the body, parsed
 * as it is and embedded as {"to": {"rooms": <rest>}, ...} and
 * {"operations": [<rest>]} so the target lists and batch items are reached
 * without the fuzzer finding the surrounding grammar. Accepted: between 1
 * and 100 operations of a known kind, each with at least one target, every
 * name non-empty, without NUL and at most the longest room name (user ids
 * through "user:{userId}"), an emit with a non-reserved event of 1 to 256
 * bytes and data re-parsing as JSON, a join or leave with rooms.
 *
 *   make fuzz && build-fuzz/fuzz_srv_api_ops -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../apps/sio-server/srv_api_ops.h"
#include "base/json.h"
#include "socketio.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

static void names_ok(const srv_strv *v, size_t max)
{
	for (size_t i = 0; i < v->n; i++)
		CHECK(v->v[i] && strlen(v->v[i]) >= 1 && strlen(v->v[i]) <= max);
}

static void one(const char *js, size_t len, int kind, size_t max)
{
	srv_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.api.user_room = "user:{userId}";
	cfg.limits.max_room_name_length = (long)max;
	srv_api_ops ops;
	memset(&ops, 0, sizeof(ops));
	base_json_init(&ops.doc);
	const char *why = NULL;
	int rc = srv_api_ops_parse(js, len, kind, &cfg, &ops, &why);
	if (rc) {
		CHECK(why && *why);
	} else {
		CHECK(ops.n >= 1 && ops.n <= SRV_API_OPS_MAX_BATCH);
		CHECK(kind == SRV_OP_BATCH || ops.n == 1);
		for (size_t i = 0; i < ops.n; i++) {
			const srv_api_op *op = &ops.v[i];
			CHECK(op->kind >= SRV_OP_EMIT && op->kind <= SRV_OP_DISCONNECT);
			CHECK(kind == SRV_OP_BATCH || op->kind == kind);
			CHECK(op->to.n >= 1);
			names_ok(&op->to, max);
			names_ok(&op->except, max);
			names_ok(&op->rooms, max);
			if (op->kind == SRV_OP_EMIT) {
				size_t n = strlen(op->event);
				CHECK(n >= 1 && n <= 256 && !sio_event_reserved(op->event, n));
				if (op->data) {
					base_json d = BASE_JSON_INIT;
					CHECK(base_json_parse(&d, op->data, op->data_len) == 0);
					base_json_free(&d);
				}
			}
			if (op->kind == SRV_OP_JOIN || op->kind == SRV_OP_LEAVE)
				CHECK(op->rooms.n >= 1);
		}
	}
	srv_api_ops_free(&ops);
}

static void embedded(const char *pre, const char *rest, size_t n, const char *post, int kind,
                     size_t max)
{
	size_t a = strlen(pre), b = strlen(post);
	char *buf = malloc(a + n + b);
	if (!buf)
		return;
	memcpy(buf, pre, a);
	memcpy(buf + a, rest, n);
	memcpy(buf + a + n, post, b);
	one(buf, a + n + b, kind, max);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int kind = SRV_OP_EMIT + data[0] % 5;
	size_t max = 1 + (data[0] >> 2) % 64;
	const char *rest = (const char *)data + 1;
	size_t n = size - 1;
	one(rest, n, kind, max);
	embedded("{\"to\":{\"rooms\":", rest, n, "},\"event\":\"e\"}", SRV_OP_EMIT, max);
	embedded("{\"to\":{\"userIds\":", rest, n, "},\"room\":\"r\"}", SRV_OP_JOIN, max);
	embedded("{\"operations\":[", rest, n, "]}", SRV_OP_BATCH, max);
	return 0;
}
