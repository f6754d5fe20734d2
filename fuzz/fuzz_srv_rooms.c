/* fuzz_srv_rooms.c - libFuzzer target for the client-controlled paths of
 * apps/sio-server/srv_rooms.c: room template expansion (srv_room_expand)
 * with client values, and the id of a join/leave argument
 * (srv_rooms_arg_id).
 *
 * Input: byte 0 picks the mode and the output capacity, the rest is data.
 * Modes 2 and 3 give the rest to the arg id mode as a JSON string (an
 * object's field "p", or the argument itself), so that every length meets
 * every capacity without the fuzzer having to find the JSON grammar.
 *   - expand: template, userId, value and id separated by newlines (a part
 *     that is missing is NULL). The output buffer is exactly cap bytes (so
 *     ASan sees any write past it). On success the room must equal the
 *     expansion computed by a reference written here, be NUL-terminated
 *     within cap, and hold no '{' the template and values did not put there
 *     (no placeholder left).
 *   - arg id: the rest as the arguments of an EVENT packet
 *     "2[\"join\",<rest>]", decoded and viewed as the socket layer does
 *     (sio_args_parse); the id is taken with no field,
 *     with the field "p", and with the object's first key as the field. On
 *     success the id is non-empty,
 *     NUL-terminated within cap, equal to the string argument or field, or
 *     for a number the decimal of an integer; and "room:{id}" expands to
 *     "room:" + id.
 * Any crash, sanitizer report, leak or failed check (abort) is a finding.
 *
 *   make fuzz && build-fuzz/fuzz_srv_rooms -max_total_time=60
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../apps/sio-server/srv_rooms.h"
#include "base/json.h"
#include "socketio.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

static const size_t caps[8] = { 1, 2, 5, 8, 21, 64, 256, 1024 };

/* ---- expand ---------------------------------------------------------------- */

static int ref_expand(const char *t, const char *uid, const char *value, const char *id,
                      base_buf *b)
{
	while (*t) {
		if ((t[0] == '{' && t[1] == '{') || (t[0] == '}' && t[1] == '}')) {
			CHECK(base_buf_putc(b, t[0]) == 0);
			t += 2;
		} else if (t[0] != '{') {
			CHECK(base_buf_putc(b, *t++) == 0);
		} else {
			const char *end = strchr(t, '}'), *v = NULL;
			if (!end)
				return -1;
			size_t n = (size_t)(end - t - 1);
			if (n == 6 && !memcmp(t + 1, "userId", 6))
				v = uid;
			else if (n == 5 && !memcmp(t + 1, "value", 5))
				v = value;
			else if (n == 2 && !memcmp(t + 1, "id", 2))
				v = id;
			if (!v || !*v)
				return -1;
			CHECK(base_buf_append(b, v, strlen(v)) == 0);
			t = end + 1;
		}
	}
	return 0;
}

static size_t count_char(const char *s, char c)
{
	size_t n = 0;
	for (; s && *s; s++)
		n += *s == c;
	return n;
}

static size_t count_pairs(const char *s, char c)
{
	size_t n = 0;
	while (s && *s) {
		if (s[0] == c && s[1] == c)
			n++, s += 2;
		else
			s++;
	}
	return n;
}

static void fuzz_expand(char *in, size_t cap)
{
	char *parts[4] = { in, NULL, NULL, NULL };
	for (int i = 1; i < 4; i++) {
		char *nl = parts[i - 1] ? strchr(parts[i - 1], '\n') : NULL;
		if (!nl)
			break;
		*nl = '\0';
		parts[i] = nl + 1;
	}
	srv_user u = { .user_id = parts[1] };
	char *out = malloc(cap);
	CHECK(out);
	int rc = srv_room_expand(parts[0], &u, parts[2], parts[3], out, cap);
	base_buf want = BASE_BUF_INIT;
	int ref = ref_expand(parts[0], parts[1], parts[2], parts[3], &want);
	CHECK(rc == 0 || rc == -1);
	if (rc == 0) {
		size_t n = strnlen(out, cap);
		CHECK(n < cap);
		CHECK(ref == 0 && want.len == n && (n == 0 || !memcmp(out, want.data, n)));
		/* each '{' comes from "{{" or from a value: no placeholder left */
		size_t from_values = 0;
		for (int i = 1; i < 4; i++)
			from_values += count_char(parts[i], '{');
		if (from_values == 0)
			CHECK(count_char(out, '{') == count_pairs(parts[0], '{'));
	} else {
		/* refused: no value, unknown or unclosed placeholder, or too long */
		CHECK(ref == -1 || want.len >= cap);
	}
	base_buf_free(&want);
	free(out);
}

/* ---- arg id ---------------------------------------------------------------- */

static void check_id(const sio_args *a, const char *field, size_t cap)
{
	char *buf = malloc(cap);
	bool num;
	CHECK(buf);
	if (srv_rooms_arg_id(a, field, buf, cap, &num) != 0) {
		free(buf);
		return;
	}
	size_t n = strnlen(buf, cap);
	CHECK(n > 0 && n < cap);
	int t = sio_args_type(a, 0);
	if (num) {
		char *end;
		errno = 0;
		long long x = strtoll(buf, &end, 10);
		char again[32];
		CHECK(errno == 0 && *end == '\0');
		snprintf(again, sizeof again, "%lld", x);
		CHECK(!strcmp(again, buf));
		CHECK(t == SIO_ARG_NUMBER || t == SIO_ARG_OBJECT);
	} else if (t == SIO_ARG_STRING) {
		size_t sn;
		const char *s = sio_args_str(a, 0, &sn);
		CHECK(s && sn == n && !memcmp(s, buf, n));
	} else {
		CHECK(t == SIO_ARG_OBJECT && field);
		size_t len;
		const char *js = sio_args_json(a, 0, &len);
		base_json d = BASE_JSON_INIT;
		CHECK(base_json_parse(&d, js, len) == 0);
		CHECK(base_json_str_eq(&d, base_json_obj_get(&d, 0, field), buf, n));
		base_json_free(&d);
	}
	char room[1100];
	CHECK(srv_room_expand("room:{id}", NULL, NULL, buf, room, sizeof room) == 0);
	CHECK(!strncmp(room, "room:", 5) && !strcmp(room + 5, buf));
	free(buf);
}

/* The first key of an object argument (NUL-free), so that the field path
 * is reached without the fuzzer having to guess a field name. */
static char *first_key(const sio_args *a)
{
	size_t len, n;
	const char *js = sio_args_json(a, 0, &len);
	base_json d = BASE_JSON_INIT;
	char *key = NULL;
	if (js && base_json_parse(&d, js, len) == 0 && base_json_type(&d, 0) == BASE_JSON_OBJECT &&
	    base_json_size(&d, 0) > 0 && base_json_str_dup(&d, 1, &key, &n) == 0 &&
	    strlen(key) != n) {
		free(key);
		key = NULL;
	}
	base_json_free(&d);
	return key;
}

static void fuzz_arg_id(const char *rest, size_t n, size_t cap)
{
	char *text = malloc(n + 16);
	CHECK(text);
	memcpy(text, "2[\"join\",", 9);
	memcpy(text + 9, rest, n);
	text[9 + n] = ']';
	sio_args *a = sio_args_parse(text, n + 10);
	if (a) {
		char *key = first_key(a);
		check_id(a, NULL, cap);
		check_id(a, "p", cap);
		check_id(a, key ? key : "projectId", cap);
		check_id(a, key ? key : "projectId", 256); /* the server's buffer */
		free(key);
		sio_args_free(a);
	}
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 8192)
		return 0;
	size_t cap = caps[data[0] & 7];
	int mode = (data[0] >> 3) & 3;
	char *rest = malloc(size);
	CHECK(rest);
	memcpy(rest, data + 1, size - 1);
	rest[size - 1] = '\0';
	if (mode == 0) {
		fuzz_expand(rest, cap);
	} else if (mode == 1) {
		fuzz_arg_id(rest, size - 1, cap);
	} else {
		/* the bytes as a string argument, or as an object's field */
		base_buf b = BASE_BUF_INIT;
		if (mode == 2)
			CHECK(base_buf_append(&b, "{\"p\":", 5) == 0);
		CHECK(base_json_put_str(&b, (const char *)data + 1, size - 1) == 0);
		if (mode == 2)
			CHECK(base_buf_putc(&b, '}') == 0);
		fuzz_arg_id(b.data, b.len, cap);
		base_buf_free(&b);
	}
	free(rest);
	return 0;
}
