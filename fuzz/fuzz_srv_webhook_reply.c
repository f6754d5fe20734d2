/* fuzz_srv_webhook_reply.c - libFuzzer target for the check of a backend's
 * answer to a client event (apps/sio-server/srv_webhook_reply.c,
 * srv_webhook_reply_check): the backend is another program on the network,
 * and whatever it sends must be refused or accepted, never crash or leak.
 *
 * Input: byte 0 picks the longest room name allowed (1 to 256), the rest is
 * the answer. It is checked as it is, and also embedded as
 * {"join":<rest>}, {"broadcast":[{"room":"r","except":<rest>,"event":"e"}]}
 * and {"emit":<rest>} so the fuzzer reaches each member's rules without
 * finding the surrounding grammar first. For an accepted answer, checks
 * what srv_webhook_apply relies on: a JSON object; join/leave a non-empty
 * room of at most max bytes or a list of at most 64 of them; every
 * emit/broadcast item an object with a non-reserved event name; a
 * broadcast with exactly one of room/rooms; disconnect a boolean.
 *
 *   make fuzz && build-fuzz/fuzz_srv_webhook_reply -max_total_time=60
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../apps/sio-server/srv_webhook_reply.h"
#include "base/json.h"
#include "socketio.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

static bool room_ok(const base_json *d, int t, size_t max)
{
	size_t n = 0;
	if (base_json_type(d, t) != BASE_JSON_STRING)
		return false;
	int rc = base_json_str_unescape(d, t, NULL, 0, &n);
	return (rc == 0 || rc == BASE_JSON_ENOSPC) && n >= 1 && n <= max;
}

static void check_rooms(const base_json *d, int t, size_t max)
{
	if (t < 0)
		return;
	if (base_json_type(d, t) == BASE_JSON_STRING) {
		CHECK(room_ok(d, t, max));
		return;
	}
	CHECK(base_json_type(d, t) == BASE_JSON_ARRAY && base_json_size(d, t) <= 64);
	base_json_iter it;
	int v;
	base_json_iter_init(d, t, &it);
	while ((v = base_json_iter_next(d, &it, NULL)) >= 0)
		CHECK(room_ok(d, v, max));
}

static void check_items(const base_json *d, int t, bool broadcast, size_t max)
{
	if (t < 0)
		return;
	CHECK(base_json_type(d, t) == BASE_JSON_ARRAY);
	base_json_iter it;
	int v;
	base_json_iter_init(d, t, &it);
	while ((v = base_json_iter_next(d, &it, NULL)) >= 0) {
		CHECK(base_json_type(d, v) == BASE_JSON_OBJECT);
		char *ev = NULL;
		size_t n;
		CHECK(base_json_str_dup(d, base_json_obj_get(d, v, "event"), &ev, &n) == 0);
		CHECK(n > 0 && strlen(ev) == n && !sio_event_reserved(ev, n));
		free(ev);
		if (broadcast) {
			int room = base_json_obj_get(d, v, "room");
			int rooms = base_json_obj_get(d, v, "rooms");
			CHECK((room >= 0) != (rooms >= 0));
			check_rooms(d, room >= 0 ? room : rooms, max);
		}
	}
}

static void one(const char *js, size_t len, size_t max)
{
	const char *why = srv_webhook_reply_check(js, len, max);
	if (why)
		return;
	base_json d = BASE_JSON_INIT;
	CHECK(base_json_parse(&d, js, len) == 0);
	CHECK(base_json_type(&d, 0) == BASE_JSON_OBJECT);
	check_rooms(&d, base_json_obj_get(&d, 0, "join"), max);
	check_rooms(&d, base_json_obj_get(&d, 0, "leave"), max);
	check_items(&d, base_json_obj_get(&d, 0, "emit"), false, max);
	check_items(&d, base_json_obj_get(&d, 0, "broadcast"), true, max);
	int x = base_json_obj_get(&d, 0, "disconnect");
	CHECK(x < 0 || base_json_bool(&d, x) >= 0);
	base_json_free(&d);
}

static void embedded(const char *pre, const char *rest, size_t n, const char *post, size_t max)
{
	size_t a = strlen(pre), b = strlen(post);
	char *buf = malloc(a + n + b);
	if (!buf)
		return;
	memcpy(buf, pre, a);
	memcpy(buf + a, rest, n);
	memcpy(buf + a + n, post, b);
	one(buf, a + n + b, max);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t max = 1 + data[0];
	const char *rest = (const char *)data + 1;
	size_t n = size - 1;
	one(rest, n, max);
	embedded("{\"join\":", rest, n, "}", max);
	embedded("{\"broadcast\":[{\"room\":\"r\",\"except\":", rest, n, ",\"event\":\"e\"}]}",
	         max);
	embedded("{\"emit\":", rest, n, "}", max);
	return 0;
}
