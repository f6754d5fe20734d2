/* test_srv_plainws.c - Check unit tests for sio-server's plain WebSocket
 * endpoints: the "plainWebSockets" configuration (srv_config_plainws.c),
 * the matching of a client's messages and the framing of room events
 * (srv_plainws_msg.c).
 *
 * Why: the configuration replaces code, so a typo must stop the server
 * with a message naming the key, and the example of the job-update service
 * must keep loading; the matching decides, for bytes from the network,
 * between a room action and the two error replies the service's browsers
 * expect (valid JSON of the wrong shape, not JSON), and the framing is
 * what those browsers parse. Runs from the repository root.
 */
#define _GNU_SOURCE
#include "check_main.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../apps/sio-server/srv_plainws.h"
#include "srv_config_fixture.h"

static int load(const char *json)
{
	return cfg_load_env(json, NULL);
}

static void load_example(void)
{
	/* the example's ingest needs an address of Redis (never connected here) */
	static char *const env[] = { "REDIS_URL=redis://127.0.0.1:6399", NULL };
	ck_assert_int_eq(cfg_load_path("apps/sio-server/examples/job-updates.json", env),
	                 SRV_CONFIG_OK);
	ck_assert_uint_eq(cfg.nplainws, 1);
}

#define ENDPOINT(body) "{\"plainWebSockets\":[{\"path\":\"/ws\"," body "}]}"
#define SHAPES                                                                                \
	"\"messages\":[{\"type\":\"SUBSCRIBE\",\"action\":\"join\",\"idField\":\"tenantId\"," \
	"\"room\":\"tenant:{tenantId}\",\"authorize\":\"none\"}]"

/* ---- configuration -------------------------------------------------------------- */

START_TEST(example_loads)
{
	load_example();
	const srv_plainws_cfg *c = &cfg.plainws[0];
	ck_assert_str_eq(c->path, "/ws");
	ck_assert_uint_eq(c->subprotocols.n, 1);
	ck_assert_str_eq(c->subprotocols.v[0], "job-updates");
	/* JSON kept compact: what JSON.stringify sent. */
	ck_assert_str_eq(c->greeting, "{\"type\":\"CONNECTED\",\"message\":\"Connected to job "
	                              "updates\"}");
	ck_assert_str_eq(c->errors.invalid_format,
	                 "{\"type\":\"ERROR\",\"message\":\"Invalid message format\"}");
	ck_assert_str_eq(c->errors.parse_error,
	                 "{\"type\":\"ERROR\",\"message\":\"Failed to parse\"}");
	ck_assert_uint_eq(c->nmsgs, 2);
	ck_assert_int_eq(c->msgs[0].action, SRV_PLAIN_JOIN);
	ck_assert_int_eq(c->msgs[1].action, SRV_PLAIN_LEAVE);
	/* The template's {tenantId} is the id. */
	ck_assert_str_eq(c->msgs[0].rule.room, "tenant:{id}");
	ck_assert_int_eq(c->idle_timeout_ms, 10000);
	ck_assert(c->token_subprotocol);
	ck_assert_str_eq(c->token_query, "token");
}
END_TEST

START_TEST(defaults)
{
	ck_assert_int_eq(load(ENDPOINT(SHAPES)), SRV_CONFIG_OK);
	const srv_plainws_cfg *c = &cfg.plainws[0];
	ck_assert_str_eq(c->type_field, "type");
	ck_assert_str_eq(c->event_type_field, "type");
	ck_assert_ptr_null(c->event_data_field);
	ck_assert_ptr_null(c->greeting);
	ck_assert_int_eq(c->ping_interval_ms, 25000);
	ck_assert_int_eq(c->idle_timeout_ms, 20000);
	ck_assert_int_eq(c->max_message_bytes, 65536);
	ck_assert_str_eq(c->errors.parse_error,
	                 "{\"type\":\"ERROR\",\"message\":\"Failed to parse\"}");
	/* the answer to a message over a rate limit, in the service's format */
	ck_assert_str_eq(c->errors.rate_limited,
	                 "{\"type\":\"ERROR\",\"message\":\"Rate limit exceeded\"}");
}
END_TEST

/* Broken configurations: each refused with its key named. */
static const struct {
	const char *json, *want;
} bad[] = {
	{ ENDPOINT(SHAPES ",\"greting\":{}"), "\"plainWebSockets[0].greting\": unknown key" },
	{ ENDPOINT("\"messages\":[]"), "plainWebSockets[0].messages" },
	{ "{\"plainWebSockets\":[{" SHAPES "}]}", "\"plainWebSockets[0].path\": required" },
	{ "{\"plainWebSockets\":[{\"path\":\"/socket.io/ws\"," SHAPES "}]}",
	  "under the Socket.IO path" },
	{ "{\"plainWebSockets\":[{\"path\":\"/ws/\"," SHAPES "}]}", "no trailing" },
	{ "{\"plainWebSockets\":[{\"path\":\"/api\"," SHAPES "}]}",
	  "would take the requests of \"/api/v1/websocket\"" },
	{ "{\"plainWebSockets\":[{\"path\":\"/metric\"," SHAPES "}]}", "\"/metrics\"" },
	{ ENDPOINT("\"messages\":[{\"type\":\"S\",\"action\":\"jion\",\"idField\":\"t\","
	           "\"room\":\"r:{t}\",\"authorize\":\"none\"}]"),
	  "\"plainWebSockets[0].messages[0].action\": expected \"join\" or \"leave\", got "
	  "\"jion\"" },
	{ ENDPOINT("\"messages\":[{\"type\":\"S\",\"action\":\"join\",\"idField\":\"t\","
	           "\"room\":\"r:{tenant}\",\"authorize\":\"none\"}]"),
	  "unknown placeholder \"{tenant}\"" },
	{ ENDPOINT("\"messages\":[{\"type\":\"S\",\"action\":\"join\",\"idField\":\"t\","
	           "\"room\":\"r:{t}\"}]"),
	  "messages[0].authorize\": required" },
	{ ENDPOINT("\"messages\":[{\"type\":\"S\",\"action\":\"join\",\"idField\":\"t\","
	           "\"room\":\"r:{t}\",\"authorize\":\"none\",\"idPattern\":\"(\"}]"),
	  "invalid regular expression" },
	{ ENDPOINT(SHAPES ",\"subprotocols\":[\"a b\"]"), "not a token" },
	{ ENDPOINT(SHAPES ",\"subprotocols\":[\"caf\u00e9\"]"), "not a token" },
	{ ENDPOINT(SHAPES ",\"auth\":{\"subprotocol\":true}"), "needs \"subprotocols\"" },
	{ ENDPOINT(SHAPES ",\"greeting\":\"hi\""), "plainWebSockets[0].greeting" },
	{ ENDPOINT(SHAPES ",\"errors\":{\"rateLimited\":\"slow down\"}"),
	  "plainWebSockets[0].errors.rateLimited" },
	{ ENDPOINT(SHAPES ",\"idleTimeoutMs\":0"), "plainWebSockets[0].idleTimeoutMs" },
	{ "{\"plainWebSockets\":[{\"path\":\"/ws\"," SHAPES "},{\"path\":\"/ws\"," SHAPES "}]}",
	  "already an endpoint" },
};

START_TEST(refused)
{
	ck_assert_int_eq(load(bad[_i].json), SRV_CONFIG_ERR);
	ck_assert_msg(strstr(err, bad[_i].want), "case %d: got \"%s\", want \"%s\"", _i, err,
	              bad[_i].want);
}
END_TEST

/* ---- matching -------------------------------------------------------------------- */

static int match(const char *msg, srv_plain_match *m)
{
	return srv_plainws_match(&cfg.plainws[0], msg, strlen(msg), m);
}

START_TEST(match_shapes)
{
	load_example();
	srv_plain_match m;
	ck_assert_int_eq(match("{\"type\":\"SUBSCRIBE\",\"tenantId\":\"tenant-1\"}", &m), 0);
	ck_assert_ptr_eq(m.msg, &cfg.plainws[0].msgs[0]);
	ck_assert_str_eq(m.id, "tenant-1");
	ck_assert(!m.id_num);
	ck_assert_int_eq(match(" {\"tenantId\":\"t\\u002d2\", \"type\":\"UNSUBSCRIBE\"} ", &m), 0);
	ck_assert_ptr_eq(m.msg, &cfg.plainws[0].msgs[1]);
	ck_assert_str_eq(m.id, "t-2");
	/* An integer id is its text. */
	ck_assert_int_eq(match("{\"type\":\"SUBSCRIBE\",\"tenantId\":42}", &m), 0);
	ck_assert_str_eq(m.id, "42");
	ck_assert(m.id_num);
}
END_TEST

START_TEST(match_errors)
{
	load_example();
	srv_plain_match m;
	static const char *const not_json[] = { "",
		                                "nope",
		                                "{\"type\":\"SUBSCRIBE\"",
		                                "{\"type\":\"SUBSCRIBE\",}",
		                                "{'type':'SUBSCRIBE'}",
		                                "\xff\xfe" };
	for (size_t i = 0; i < sizeof(not_json) / sizeof(not_json[0]); i++)
		ck_assert_msg(match(not_json[i], &m) == SRV_PLAIN_PARSE_ERROR, "case %zu", i);
	static const char *const wrong_shape[] = {
		"[]",
		"\"SUBSCRIBE\"",
		"42",
		"null",
		"{}",
		"{\"type\":\"PUBLISH\",\"tenantId\":\"t\"}",
		"{\"type\":\"subscribe\",\"tenantId\":\"t\"}",
		"{\"type\":\"SUBSCRIBE\"}",
		"{\"type\":\"SUBSCRIBE\",\"tenantId\":\"\"}",
		"{\"type\":\"SUBSCRIBE\",\"tenantId\":\"a b\"}",       /* idPattern */
		"{\"type\":\"SUBSCRIBE\",\"tenantId\":\"a\\u0000b\"}", /* NUL */
		"{\"type\":\"SUBSCRIBE\",\"tenantId\":1.5}",           /* not an integer */
		"{\"type\":\"SUBSCRIBE\",\"tenantId\":[\"t\"]}",
		"{\"type\":[\"SUBSCRIBE\"],\"tenantId\":\"t\"}",
	};
	for (size_t i = 0; i < sizeof(wrong_shape) / sizeof(wrong_shape[0]); i++)
		ck_assert_msg(match(wrong_shape[i], &m) == SRV_PLAIN_INVALID, "case %zu: %s", i,
		              wrong_shape[i]);
	/* An id longer than 255 bytes (and than the pattern allows). */
	char big[400];
	int n = snprintf(big, sizeof big, "{\"type\":\"SUBSCRIBE\",\"tenantId\":\"");
	memset(big + n, 'a', 300);
	strcpy(big + n + 300, "\"}");
	ck_assert_int_eq(match(big, &m), SRV_PLAIN_INVALID);
}
END_TEST

/* ---- framing ---------------------------------------------------------------------- */

static void expect_frame(const char *event, const char *args, const char *want)
{
	base_buf b = BASE_BUF_INIT;
	ck_assert_int_eq(srv_plainws_frame(&cfg.plainws[0], event, args, strlen(args), &b), 0);
	ck_assert_int_eq(base_buf_putc(&b, '\0'), 0);
	ck_assert_msg(strcmp(b.data, want) == 0, "got %s want %s", b.data, want);
	base_buf_free(&b);
}

START_TEST(frame_events)
{
	load_example();
	/* {type: EVENT, ...data}: the job update of the issue. */
	expect_frame("JOB_UPDATE", "[{\"jobId\":\"j1\",\"status\":\"FAILED\",\"error\":\"boom\"}]",
	             "{\"type\":\"JOB_UPDATE\",\"jobId\":\"j1\",\"status\":\"FAILED\","
	             "\"error\":\"boom\"}");
	expect_frame(
	        "JOB_UPDATE", "[{\"jobId\":\"j1\",\"error\":null,\"n\":{\"a\":[1,2]}}]",
	        "{\"type\":\"JOB_UPDATE\",\"jobId\":\"j1\",\"error\":null,\"n\":{\"a\":[1,2]}}");
	/* The data's own type does not replace the event's. */
	expect_frame("E", "[{\"type\":\"X\",\"a\":1}]", "{\"type\":\"E\",\"a\":1}");
	/* Not an object: under the data field; nothing: the type only. */
	expect_frame("E", "[\"text\",2]", "{\"type\":\"E\",\"data\":\"text\"}");
	expect_frame("E", "[[1,2]]", "{\"type\":\"E\",\"data\":[1,2]}");
	expect_frame("E", "[]", "{\"type\":\"E\"}");
	expect_frame("a\"b", "[{}]", "{\"type\":\"a\\\"b\"}");
	base_buf b = BASE_BUF_INIT;
	ck_assert_int_eq(srv_plainws_frame(&cfg.plainws[0], "E", "{}", 2, &b), -1);
	base_buf_free(&b);
}
END_TEST

static Suite *plainws_suite(void)
{
	Suite *s = suite_create("srv_plainws");
	TCase *t = tcase_create("plainws");
	tcase_add_checked_fixture(t, NULL, cfg_teardown);
	tcase_add_test(t, example_loads);
	tcase_add_test(t, defaults);
	tcase_add_loop_test(t, refused, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(t, match_shapes);
	tcase_add_test(t, match_errors);
	tcase_add_test(t, frame_events);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_main_run(plainws_suite());
}
