/* test_srv_api_body.c - Check unit tests for apps/sio-server/srv_api_body.c,
 * the body of POST <prefix>/broadcast*.
 *
 * Why: the body comes from the network (an API client, or whoever holds a
 * key); every accepted shape must reach the clients exactly as sent (data
 * verbatim as the event's argument), and every malformed one must be a 4xx
 * naming the problem, never a crash or a half-parsed broadcast. Covers the
 * Content-Type rules, the size limit and its order against the other checks,
 * strict JSON, keys (unknown, duplicate, escaped), the event name's type,
 * length, NUL and reserved names, and nesting depth in data. Clean under
 * valgrind with CK_FORK=no.
 */
#include "check_main.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../apps/sio-server/srv_api_body.h"

#define MAX  1000000
#define JSON "application/json"

static srv_api_body bd = SRV_API_BODY_INIT;

static void teardown(void)
{
	srv_api_body_free(&bd);
}

/* Parse n bytes; on success the event and data (NULL when absent). */
static void ok_n(const char *js, size_t n, const char *ct, const char *event, const char *data)
{
	int status = 0;
	const char *code = NULL, *msg = NULL;
	int rc = srv_api_body_parse(js, n, ct, MAX, &bd, &status, &code, &msg);
	ck_assert_msg(rc == 0, "%.*s: refused %d %s %s", (int)n, js, status, code, msg);
	ck_assert_str_eq(bd.event, event);
	if (!data) {
		ck_assert_ptr_null(bd.data);
	} else {
		ck_assert_ptr_nonnull(bd.data);
		ck_assert_uint_eq(bd.data_len, strlen(data));
		ck_assert_mem_eq(bd.data, data, bd.data_len);
		/* data points into the input: it is sent verbatim */
		ck_assert(bd.data >= js && bd.data + bd.data_len <= js + n);
	}
}

static void ok(const char *js, const char *ct, const char *event, const char *data)
{
	ok_n(js, strlen(js), ct, event, data);
}

/* Refused with this status and code, and a message containing part. */
static void bad_n(const char *js, size_t n, const char *ct, size_t max, int want_status,
                  const char *want_code, const char *part)
{
	int status = 0;
	const char *code = NULL, *msg = NULL;
	int rc = srv_api_body_parse(js, n, ct, max, &bd, &status, &code, &msg);
	ck_assert_msg(rc == -1, "%.*s: accepted", (int)n, js ? js : "");
	ck_assert_int_eq(status, want_status);
	ck_assert_str_eq(code, want_code);
	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, part), "message \"%s\" lacks \"%s\"", msg, part);
	ck_assert_ptr_null(bd.event);
	ck_assert_ptr_null(bd.data);
}

static void bad(const char *js, int want_status, const char *want_code, const char *part)
{
	bad_n(js, strlen(js), JSON, MAX, want_status, want_code, part);
}

/* ---- accepted shapes ---------------------------------------------------- */

START_TEST(event_only)
{
	ok("{\"event\":\"job:progress\"}", JSON, "job:progress", NULL);
}
END_TEST

START_TEST(data_any_json_value_verbatim)
{
	ok("{\"event\":\"e\",\"data\":{\"a\":[1,2.5e3,\"x\"]}}", JSON, "e",
	   "{\"a\":[1,2.5e3,\"x\"]}");
	ok("{\"event\":\"e\",\"data\":null}", JSON, "e", "null");
	ok("{\"event\":\"e\",\"data\":false}", JSON, "e", "false");
	ok("{\"event\":\"e\",\"data\":-0.5}", JSON, "e", "-0.5");
	ok("{\"event\":\"e\",\"data\":[]}", JSON, "e", "[]");
	/* strings keep their quotes and escapes as written */
	ok("{\"event\":\"e\",\"data\":\"a\\u00e9\\n\"}", JSON, "e", "\"a\\u00e9\\n\"");
}
END_TEST

START_TEST(key_order_whitespace_escapes)
{
	ok("{\"data\":1,\"event\":\"e\"}", JSON, "e", "1");
	ok(" \r\n\t{ \"event\" : \"e\" , \"data\" : { } } \n", JSON, "e", "{ }");
	/* keys compare unescaped, like JSON.parse */
	ok("{\"ev\\u0065nt\":\"e\",\"d\\u0061ta\":2}", JSON, "e", "2");
	/* the event name is unescaped, UTF-8 */
	ok("{\"event\":\"caf\\u00e9 \\\"q\\\"\"}", JSON, "caf\xc3\xa9 \"q\"", NULL);
	/* names are case-sensitive in socket.io: "Connect" is not reserved;
     * "message" may be emitted in node too */
	ok("{\"event\":\"Connect\"}", JSON, "Connect", NULL);
	ok("{\"event\":\"message\"}", JSON, "message", NULL);
}
END_TEST

START_TEST(event_length_limit)
{
	char js[2048], name[600];
	memset(name, 'n', 256);
	name[256] = '\0';
	snprintf(js, sizeof js, "{\"event\":\"%s\"}", name);
	ok(js, JSON, name, NULL);
	/* 128 two-byte characters are 256 bytes */
	name[0] = '\0';
	for (int i = 0; i < 128; i++)
		strcat(name, "\xc3\xa9");
	snprintf(js, sizeof js, "{\"event\":\"%s\"}", name);
	ok(js, JSON, name, NULL);
	/* the limit counts unescaped bytes: 256 written as \u006e */
	strcpy(js, "{\"event\":\"");
	for (int i = 0; i < 256; i++)
		strcat(js, "\\u006e");
	strcat(js, "\"}");
	memset(name, 'n', 256);
	name[256] = '\0';
	ok(js, JSON, name, NULL);
}
END_TEST

START_TEST(content_types_accepted)
{
	const char *js = "{\"event\":\"e\"}";
	ok(js, NULL, "e", NULL); /* curl -d without -H */
	ok(js, "", "e", NULL);
	ok(js, "application/json", "e", NULL);
	ok(js, "Application/JSON", "e", NULL);
	ok(js, "application/json; charset=utf-8", "e", NULL);
	ok(js, "application/json;charset=UTF-8", "e", NULL);
	ok(js, "application/json ; charset=utf-8", "e", NULL);
}
END_TEST

START_TEST(size_limit_exact)
{
	const char *js = "{\"event\":\"e\"}";
	int status;
	const char *code, *msg;
	ck_assert_int_eq(
	        srv_api_body_parse(js, strlen(js), JSON, strlen(js), &bd, &status, &code, &msg), 0);
	ck_assert_str_eq(bd.event, "e");
	bad_n(js, strlen(js), JSON, strlen(js) - 1, 413, "PAYLOAD_TOO_LARGE", "maxHttpBufferSize");
}
END_TEST

/* depth counts the body's own object: data may nest 63 more levels */
static char *nested(int depth_in_data)
{
	size_t n = 32 + 2 * (size_t)depth_in_data;
	char *s = malloc(n);
	ck_assert_ptr_nonnull(s);
	char *p = s + sprintf(s, "{\"event\":\"e\",\"data\":");
	for (int i = 0; i < depth_in_data; i++)
		*p++ = '[';
	for (int i = 0; i < depth_in_data; i++)
		*p++ = ']';
	strcpy(p, "}");
	return s;
}

START_TEST(deep_nesting_in_data)
{
	char *s = nested(BASE_JSON_MAX_DEPTH - 1);
	const char *data = strstr(s, "[");
	char *want = strndup(data, strlen(data) - 1);
	ok(s, JSON, "e", want);
	free(want);
	free(s);
	s = nested(BASE_JSON_MAX_DEPTH);
	bad(s, 400, "INVALID_JSON", "not valid JSON");
	free(s);
	s = nested(100000); /* no recursion to exhaust the stack */
	bad(s, 400, "INVALID_JSON", "not valid JSON");
	free(s);
}
END_TEST

/* ---- refused ------------------------------------------------------------ */

START_TEST(content_types_refused)
{
	static const char *const cts[] = { "text/plain",
		                           "text/plain;charset=UTF-8",
		                           "application/x-www-form-urlencoded",
		                           "multipart/form-data; boundary=x",
		                           "application/jsonp",
		                           "application/json-patch+json",
		                           "application/json5",
		                           "application/jso",
		                           "application/",
		                           "json",
		                           "*/*",
		                           NULL };
	const char *js = "{\"event\":\"e\"}";
	for (int i = 0; cts[i]; i++)
		bad_n(js, strlen(js), cts[i], MAX, 415, "UNSUPPORTED_MEDIA_TYPE",
		      "application/json");
	/* 415 comes before the size and the JSON (after an empty body's 400) */
	bad_n("x", 1, "text/plain", 0, 415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type");
}
END_TEST

START_TEST(too_large_before_json)
{
	bad_n("not json at all", 15, JSON, 14, 413, "PAYLOAD_TOO_LARGE", "maxHttpBufferSize");
	bad_n("{\"event\":\"e\"}", 13, NULL, 5, 413, "PAYLOAD_TOO_LARGE", "maxHttpBufferSize");
}
END_TEST

START_TEST(empty_body)
{
	bad_n(NULL, 0, JSON, MAX, 400, "BAD_REQUEST", "Body required");
	bad_n("", 0, JSON, MAX, 400, "BAD_REQUEST", "Body required");
	bad_n("{}", 0, NULL, MAX, 400, "BAD_REQUEST", "Body required");
	/* axios's body-less POST: a form Content-Type and no body */
	bad_n("", 0, "application/x-www-form-urlencoded", MAX, 400, "BAD_REQUEST", "Body required");
}
END_TEST

START_TEST(invalid_json)
{
	static const char *const bodies[] = { "{",
		                              "{\"event\"",
		                              "{\"event\":",
		                              "{\"event\":\"e\"",
		                              "{\"event\":\"e",
		                              "{\"event\":\"e\",}",
		                              "{'event':'e'}",
		                              "{event:\"e\"}",
		                              "{\"event\":\"e\"}{}",
		                              "{\"event\":\"e\"} x",
		                              "{\"event\":\"e\",\"data\":NaN}",
		                              "{\"event\":\"e\",\"data\":01}",
		                              "{\"event\":\"e\",\"data\":undefined}",
		                              "{\"event\":\"e\" /* c */}",
		                              "{\"event\":\"\xff\"}",
		                              "{\"event\":\"\xc0\xaf\"}",
		                              "{\"event\":\"\\ud800\"}",
		                              "{\"event\":\"a\tb\"}",
		                              "{\"event\":\"\\x41\"}",
		                              " ",
		                              NULL };
	for (int i = 0; bodies[i]; i++)
		bad(bodies[i], 400, "INVALID_JSON", "not valid JSON");
	/* a NUL after the object is not whitespace */
	bad_n("{\"event\":\"e\"}\0", 14, JSON, MAX, 400, "INVALID_JSON", "not valid JSON");
}
END_TEST

START_TEST(not_an_object)
{
	static const char *const bodies[] = {
		"[]", "[{\"event\":\"e\"}]", "\"event\"", "null", "42", "true", NULL
	};
	for (int i = 0; bodies[i]; i++)
		bad(bodies[i], 400, "BAD_REQUEST", "must be a JSON object");
}
END_TEST

START_TEST(unknown_keys)
{
	static const char *const bodies[] = { "{\"event\":\"e\",\"room\":\"r\"}",
		                              "{\"Event\":\"e\"}",
		                              "{\"event \":\"e\"}",
		                              "{\"\":1,\"event\":\"e\"}",
		                              "{\"event\":\"e\",\"data\":1,\"x\":null}",
		                              "{\"even\":\"e\"}",
		                              "{\"event\\u0000\":\"e\"}",
		                              NULL };
	for (int i = 0; bodies[i]; i++)
		bad(bodies[i], 400, "BAD_REQUEST", "Unknown key");
}
END_TEST

START_TEST(duplicate_keys)
{
	static const char *const bodies[] = { "{\"event\":\"a\",\"event\":\"b\"}",
		                              "{\"event\":\"a\",\"data\":1,\"data\":2}",
		                              "{\"event\":\"a\",\"ev\\u0065nt\":\"b\"}",
		                              "{\"data\":1,\"event\":\"a\",\"data\":1}",
		                              "{\"event\":1,\"event\":\"a\"}",
		                              NULL };
	for (int i = 0; bodies[i]; i++)
		bad(bodies[i], 400, "BAD_REQUEST", "Duplicate key");
}
END_TEST

START_TEST(event_not_a_string)
{
	static const char *const bodies[] = { "{}",
		                              "{\"data\":\"x\"}",
		                              "{\"event\":1}",
		                              "{\"event\":null}",
		                              "{\"event\":true}",
		                              "{\"event\":{\"name\":\"e\"}}",
		                              "{\"event\":[\"e\"]}",
		                              NULL };
	for (int i = 0; bodies[i]; i++)
		bad(bodies[i], 400, "BAD_REQUEST", "\"event\" is required and must be a string");
}
END_TEST

START_TEST(event_empty_overlong_nul)
{
	char js[1024];
	bad("{\"event\":\"\"}", 400, "BAD_REQUEST", "1 to 256 bytes");
	bad("{\"event\":\"\\u0000\"}", 400, "BAD_REQUEST", "without NUL");
	bad("{\"event\":\"a\\u0000b\"}", 400, "BAD_REQUEST", "without NUL");
	bad("{\"event\":\"connect\\u0000x\"}", 400, "BAD_REQUEST", "without NUL");
	strcpy(js, "{\"event\":\"");
	for (int i = 0; i < 257; i++)
		strcat(js, "n");
	strcat(js, "\"}");
	bad(js, 400, "BAD_REQUEST", "1 to 256 bytes");
	/* 129 two-byte characters: 258 bytes, 129 characters */
	strcpy(js, "{\"event\":\"");
	for (int i = 0; i < 129; i++)
		strcat(js, "\xc3\xa9");
	strcat(js, "\"}");
	bad(js, 400, "BAD_REQUEST", "1 to 256 bytes");
}
END_TEST

START_TEST(reserved_names)
{
	static const char *const names[] = { "connect",     "connect_error",
		                             "disconnect",  "disconnecting",
		                             "newListener", "removeListener",
		                             NULL };
	char js[128];
	for (int i = 0; names[i]; i++) {
		snprintf(js, sizeof js, "{\"event\":\"%s\",\"data\":1}", names[i]);
		bad(js, 400, "BAD_REQUEST", "reserved");
	}
	/* escaped, it is still the name */
	bad("{\"event\":\"c\\u006fnnect\"}", 400, "BAD_REQUEST", "reserved");
}
END_TEST

START_TEST(reuse_after_refusal)
{
	/* one srv_api_body, as the server could reuse it: nothing stale */
	ok("{\"event\":\"a\",\"data\":[1]}", JSON, "a", "[1]");
	srv_api_body_free(&bd);
	bad("{\"event\":\"a\",\"data\":1,\"x\":2}", 400, "BAD_REQUEST", "Unknown key");
	bad("{\"event\":\"connect\"}", 400, "BAD_REQUEST", "reserved");
	ok("{\"event\":\"b\"}", JSON, "b", NULL);
}
END_TEST

static Suite *body_suite(void)
{
	Suite *s = suite_create("srv_api_body");
	TCase *a = tcase_create("accepted");
	tcase_add_checked_fixture(a, NULL, teardown);
	tcase_add_test(a, event_only);
	tcase_add_test(a, data_any_json_value_verbatim);
	tcase_add_test(a, key_order_whitespace_escapes);
	tcase_add_test(a, event_length_limit);
	tcase_add_test(a, content_types_accepted);
	tcase_add_test(a, size_limit_exact);
	tcase_add_test(a, deep_nesting_in_data);
	suite_add_tcase(s, a);
	TCase *r = tcase_create("refused");
	tcase_add_checked_fixture(r, NULL, teardown);
	tcase_add_test(r, content_types_refused);
	tcase_add_test(r, too_large_before_json);
	tcase_add_test(r, empty_body);
	tcase_add_test(r, invalid_json);
	tcase_add_test(r, not_an_object);
	tcase_add_test(r, unknown_keys);
	tcase_add_test(r, duplicate_keys);
	tcase_add_test(r, event_not_a_string);
	tcase_add_test(r, event_empty_overlong_nul);
	tcase_add_test(r, reserved_names);
	tcase_add_test(r, reuse_after_refusal);
	suite_add_tcase(s, r);
	return s;
}

int main(void)
{
	return check_main_run(body_suite());
}
