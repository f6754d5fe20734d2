/* fuzz_srv_api_body.c - libFuzzer target for apps/sio-server/srv_api_body.c,
 * the body of POST <prefix>/broadcast*.
 *
 * Input: byte 0 picks the Content-Type (absent, JSON with parameters, wrong
 * types) and whether the size limit is just below the body; the rest is the
 * body. It is parsed as it is, and also embedded as
 * {"event":"<part 1>","data":<part 2>} (split at the first newline), which
 * reaches the event-name and data rules without having to find the JSON
 * grammar first. Checks, for every outcome:
 *   - refused: a known (status, code) pair, a message, no event, no data;
 *     415 exactly when the Content-Type is wrong and the body not empty;
 *     413 exactly when the Content-Type is fine and the body is over the
 *     limit; INVALID_JSON exactly when base_json refuses the body;
 *   - accepted: the body is a JSON object; the event is 1..256 bytes of
 *     valid UTF-8 without NUL and not reserved; data is NULL or a slice of
 *     the input that re-parses as JSON on its own; and a body written back
 *     from event and data is accepted with the same event and data.
 * One srv_api_body is reused across inputs, as a server could.
 *
 *   make fuzz && build-fuzz/fuzz_srv_api_body -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "socketio.h"
#include "../apps/sio-server/srv_api_body.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)
#define MAX 4096

static const char *const content_types[8] = { NULL,
	                                      "",
	                                      "application/json",
	                                      "APPLICATION/JSON; charset=utf-8",
	                                      "application/json;x",
	                                      "text/plain",
	                                      "application/jsonp",
	                                      "application/json-patch+json" };

static srv_api_body reused = SRV_API_BODY_INIT;

static const int content_type_ok[8] = { 1, 1, 1, 1, 1, 0, 0, 0 };

static int ct_ok(const char *ct)
{
	for (int i = 0; i < 8; i++)
		if (ct == content_types[i])
			return content_type_ok[i];
	abort();
}

/* {"event":<event as JSON>,"data":<data>} parses back to the same. */
static void check_rewrite(const char *event, const char *data, size_t data_len)
{
	srv_api_body b = SRV_API_BODY_INIT;
	base_buf buf = BASE_BUF_INIT;
	int status;
	const char *code, *msg;

	CHECK(base_buf_append(&buf, "{\"event\":", 9) == 0);
	CHECK(base_json_put_str(&buf, event, strlen(event)) == 0);
	if (data) {
		CHECK(base_buf_append(&buf, ",\"data\":", 8) == 0);
		CHECK(base_buf_append(&buf, data, data_len) == 0);
	}
	CHECK(base_buf_putc(&buf, '}') == 0);
	CHECK(srv_api_body_parse(buf.data, buf.len, "application/json", buf.len, &b, &status, &code,
	                         &msg) == 0);
	CHECK(!strcmp(b.event, event));
	CHECK(data ? b.data_len == data_len && !memcmp(b.data, data, data_len) : !b.data);
	srv_api_body_free(&b);
	base_buf_free(&buf);
}

static void one(const char *js, size_t len, const char *ct, size_t max)
{
	int status = 0;
	const char *code = NULL, *msg = NULL;
	int rc = srv_api_body_parse(js, len, ct, max, &reused, &status, &code, &msg);
	base_json doc = BASE_JSON_INIT;
	int json_ok = len > 0 && base_json_parse(&doc, js, len) == 0;

	if (rc) {
		CHECK(rc == -1 && code && msg && *msg);
		CHECK(!reused.event && !reused.data && reused.data_len == 0);
		/* an empty body is 400 whatever the type; a non-empty one of another type 415 */
		CHECK((status == 415) == (len > 0 && !ct_ok(ct)));
		CHECK(status == 415   ? !strcmp(code, "UNSUPPORTED_MEDIA_TYPE")
		      : status == 413 ? !strcmp(code, "PAYLOAD_TOO_LARGE")
		                      : status == 400 && (!strcmp(code, "BAD_REQUEST") ||
		                                          !strcmp(code, "INVALID_JSON")));
		if (ct_ok(ct))
			CHECK((status == 413) == (len > max));
		if (ct_ok(ct) && len <= max && len > 0)
			CHECK(!strcmp(code, "INVALID_JSON") == !json_ok);
		base_json_free(&doc);
		return;
	}
	CHECK(ct_ok(ct) && len <= max && json_ok);
	CHECK(base_json_type(&doc, 0) == BASE_JSON_OBJECT);
	CHECK(base_json_size(&doc, 0) == (reused.data ? 2 : 1));
	size_t elen = strlen(reused.event);
	CHECK(elen >= 1 && elen <= SRV_API_MAX_EVENT_LEN);
	CHECK(base_json_utf8_valid(reused.event, elen));
	CHECK(!sio_event_reserved(reused.event, strlen(reused.event)));
	if (reused.data) {
		base_json d = BASE_JSON_INIT;
		CHECK(reused.data > js && reused.data + reused.data_len < js + len);
		CHECK(base_json_parse(&d, reused.data, reused.data_len) == 0);
		base_json_free(&d);
	} else {
		CHECK(reused.data_len == 0);
	}
	check_rewrite(reused.event, reused.data, reused.data_len);
	base_json_free(&doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > MAX)
		return 0;
	const char *ct = content_types[data[0] & 7];
	const char *body = (const char *)data + 1;
	size_t n = size - 1;
	size_t max = (data[0] & 8) && n ? n - 1 : MAX;

	one(body, n, ct, max);

	/* the same bytes as an event name and a data value */
	const char *nl = memchr(body, '\n', n);
	size_t e = nl ? (size_t)(nl - body) : n;
	char *wrapped = malloc(n + 32);
	if (!wrapped)
		return 0;
	size_t w = 0;
	memcpy(wrapped + w, "{\"event\":\"", 10), w += 10;
	memcpy(wrapped + w, body, e), w += e;
	wrapped[w++] = '"';
	if (nl) {
		memcpy(wrapped + w, ",\"data\":", 8), w += 8;
		memcpy(wrapped + w, nl + 1, n - e - 1), w += n - e - 1;
	}
	wrapped[w++] = '}';
	one(wrapped, w, ct, (data[0] & 8) ? w - 1 : MAX);
	free(wrapped);
	return 0;
}
