/* test_srv_log.c - Check unit tests for srv_log, sio-server's operational
 * log. What a team shipping the log relies on: LOG_LEVEL filters (error <
 * warn < info < debug, info by default) and bad values are refused; the
 * JSON format is one valid JSON object per line whatever the values hold
 * (quotes, backslashes, newlines, control bytes, invalid UTF-8), with time,
 * level and msg first and numbers bare; the text format keeps one event on
 * one line (values with spaces or newlines quoted and escaped); fields with
 * no value are left out; an engine's refusal is one "refused" line, its
 * code left out when the answer has none. Lines are caught in a memory
 * stream.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../apps/sio-server/srv_log.h"
#include "../apps/sio-server/srv_log_sock.h"
#include "base/json.h"
#include "check_main.h"

static char *mem;
static size_t memlen;
static FILE *out;

static void setup(void)
{
	out = open_memstream(&mem, &memlen);
	ck_assert_ptr_nonnull(out);
	srv_log_set_stream(out);
	char err[128];
	ck_assert_int_eq(srv_log_configure(NULL, NULL, err, sizeof err), 0);
}

static void teardown(void)
{
	srv_log_set_stream(NULL);
	fclose(out);
	free(mem);
	mem = NULL;
}

/* What was written so far, NUL-terminated. */
static const char *text(void)
{
	fflush(out);
	return mem ? mem : "";
}

static int count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

START_TEST(levels_filter)
{
	char err[128];
	srv_log(SRV_LOG_DEBUG, "hidden", SRV_LS("a", "b"));
	srv_log(SRV_LOG_INFO, "shown", SRV_LS("a", "b"));
	ck_assert_int_eq(count_lines(text()), 1);
	ck_assert_int_eq(srv_log_configure("warn", "text", err, sizeof err), 0);
	srv_log(SRV_LOG_INFO, "hidden2", SRV_LS("a", "b"));
	srv_log(SRV_LOG_WARN, "warned", SRV_LS("a", "b"));
	srv_log(SRV_LOG_ERROR, "failed", SRV_LS("a", "b"));
	ck_assert_int_eq(count_lines(text()), 3);
	ck_assert_ptr_null(strstr(text(), "hidden"));
	ck_assert_ptr_nonnull(strstr(text(), " warn warned a=b\n"));
	ck_assert_ptr_nonnull(strstr(text(), " error failed a=b\n"));
	ck_assert_int_eq(srv_log_configure("DEBUG", NULL, err, sizeof err), 0);
	srv_log(SRV_LOG_DEBUG, "detail", SRV_LS("a", "b"));
	ck_assert_ptr_nonnull(strstr(text(), " debug detail a=b\n"));
}
END_TEST

START_TEST(bad_settings_refused)
{
	char err[128];
	ck_assert_int_eq(srv_log_configure("verbose", NULL, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "LOG_LEVEL"));
	ck_assert_int_eq(srv_log_configure(NULL, "xml", err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "LOG_FORMAT"));
	/* the settings stay as they were */
	ck_assert_int_eq(srv_log_get_level(), SRV_LOG_INFO);
	ck_assert_int_eq(srv_log_get_format(), SRV_LOG_TEXT);
}
END_TEST

START_TEST(json_line_is_valid_and_escaped)
{
	char err[128];
	ck_assert_int_eq(srv_log_configure("info", "json", err, sizeof err), 0);
	srv_log(SRV_LOG_INFO, "connection", SRV_LS("socketId", "Ab_c"),
	        SRV_LS("userId", "a \"quoted\"\\ user\nwith\ta newline\x01"),
	        SRV_LS("bad", "caf\xc3(\xff"), SRV_LN("status", 201), SRV_LR("durationMs", "1.5"),
	        SRV_LS("absent", NULL));
	const char *t = text();
	ck_assert_int_eq(count_lines(t), 1);
	ck_assert_ptr_nonnull(strstr(t, "{\"time\":\""));
	ck_assert_ptr_nonnull(strstr(t, "\",\"level\":\"info\",\"msg\":\"connection\","
	                                "\"socketId\":\"Ab_c\","
	                                "\"userId\":\"a \\\"quoted\\\"\\\\ user\\nwith\\ta "
	                                "newline\\u0001\","
	                                "\"bad\":\"caf?(?\",\"status\":201,\"durationMs\":1.5}\n"));
	ck_assert_ptr_null(strstr(t, "absent"));
	/* and it parses as one object */
	base_json doc;
	base_json_init(&doc);
	ck_assert_int_eq(base_json_parse(&doc, t, strlen(t) - 1), 0);
	ck_assert_int_eq(base_json_type(&doc, 0), BASE_JSON_OBJECT);
	base_json_free(&doc);
}
END_TEST

START_TEST(text_line_quotes_what_needs_it)
{
	srv_log(SRV_LOG_INFO, "refused", SRV_LS("kind", "auth_invalid"),
	        SRV_LS("reason", "invalid signature"), SRV_LS("value", "a=b\nc\"d"),
	        SRV_LS("empty", ""), SRV_LN("n", -3));
	const char *t = text();
	ck_assert_int_eq(count_lines(t), 1);
	ck_assert_ptr_nonnull(strstr(t, "Z info refused kind=auth_invalid reason=\"invalid "
	                                "signature\" value=\"a=b\\nc\\\"d\" empty=\"\" n=-3\n"));
}
END_TEST

START_TEST(formatted_line)
{
	srv_logf(SRV_LOG_WARN, "sio-server: redis: not connected to %s: %s", "redis://h:1",
	         "refused");
	ck_assert_ptr_nonnull(
	        strstr(text(), " warn sio-server: redis: not connected to redis://h:1: refused\n"));
}
END_TEST

START_TEST(engine_refusal_line)
{
	char err[128];
	ck_assert_int_eq(srv_log_configure(NULL, "json", err, sizeof err), 0);
	/* req NULL: the request could not be copied; the rest is still said */
	srv_log_refusal(NULL,
	                &(eio_refusal){ .kind = "cors",
	                                .message = "Origin not allowed by CORS",
	                                .code = -1,
	                                .status = 204 },
	                NULL);
	srv_log_refusal(NULL,
	                &(eio_refusal){ .kind = "unknown_sid",
	                                .message = "Session ID unknown",
	                                .code = 1,
	                                .status = 400,
	                                .websocket = true },
	                NULL);
	const char *t = text();
	ck_assert_int_eq(count_lines(t), 2);
	ck_assert_ptr_nonnull(strstr(t, "\"msg\":\"refused\",\"kind\":\"cors\",\"reason\":"
	                                "\"Origin not allowed by CORS\",\"status\":204,"
	                                "\"transport\":\"polling\"}\n"));
	ck_assert_ptr_nonnull(strstr(t, "\"kind\":\"unknown_sid\",\"reason\":\"Session ID "
	                                "unknown\",\"code\":1,\"status\":400,\"transport\":"
	                                "\"websocket\"}\n"));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("srv_log");
	TCase *tc = tcase_create("log");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, levels_filter);
	tcase_add_test(tc, bad_settings_refused);
	tcase_add_test(tc, json_line_is_valid_and_escaped);
	tcase_add_test(tc, text_line_quotes_what_needs_it);
	tcase_add_test(tc, formatted_line);
	tcase_add_test(tc, engine_refusal_line);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(suite());
}
