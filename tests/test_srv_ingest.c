/* test_srv_ingest.c - Check unit tests for sio-server's ingest mapping:
 * the "ingest" section (apps/sio-server/srv_config_ingest.c) and the
 * decoder of ingested messages (srv_ingest_map.c).
 *
 * What users rely on: the job service's template maps {tenantId, jobId,
 * status, error?} to room tenant:<tenantId>, event JOB_UPDATE and data
 * {jobId, status, error} in that order (error null when absent); the
 * generic form takes room, rooms or user (through api.userRoom), event,
 * data and except; every room is checked as sio-server checks rooms (not
 * empty, no NUL, limits.maxRoomNameLength); an event socket.io reserves is
 * refused; a message is refused whole with one line saying why; the
 * configuration refuses a template without an event or with two targets,
 * a bad placeholder, an unknown key, a reserved event, a bad startId, and
 * ingest without Redis.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../apps/sio-server/srv_config.h"
#include "../apps/sio-server/srv_ingest_map.h"
#include "srv_config_fixture.h"
#include "check_main.h"

static char *const redis_env[] = { "REDIS_URL=redis://127.0.0.1:6390", NULL };

static int load(const char *json_text)
{
	return cfg_load_env(json_text, redis_env);
}

#define JOBS_SOURCE                                                                                \
	"{\"channel\": \"job_updates\", \"room\": \"tenant:{tenantId}\", \"event\": "              \
	"\"JOB_UPDATE\", \"data\": [\"jobId\", \"status\", \"error\"], \"required\": [\"jobId\", " \
	"\"status\"]}"

/* ---- configuration -------------------------------------------------------------- */

START_TEST(test_config_jobs)
{
	ck_assert_int_eq(load("{\"ingest\": {\"channels\": [" JOBS_SOURCE
	                      ", {\"channel\": \"ev\"}],"
	                      " \"streams\": [{\"stream\": \"s\", \"user\": \"{uid}\", "
	                      "\"event\": \"e\"}], \"group\": \"web\", \"count\": 5,"
	                      " \"startId\": \"0\"}}"),
	                 SRV_CONFIG_OK);
	const srv_config_ingest *g = &cfg.ingest;
	ck_assert_uint_eq(g->nchannels, 2);
	ck_assert_str_eq(g->channels[0].name, "job_updates");
	const srv_ingest_map *m = &g->channels[0].map;
	ck_assert(m->templated && !m->data_all);
	ck_assert_uint_eq(m->nrooms, 1);
	ck_assert_str_eq(m->rooms[0], "tenant:{tenantId}");
	ck_assert_str_eq(m->event, "JOB_UPDATE");
	ck_assert_uint_eq(m->ndata, 3);
	ck_assert_str_eq(m->data[2], "error");
	ck_assert_uint_eq(m->nrequired, 2);
	ck_assert(!g->channels[1].map.templated);
	ck_assert_uint_eq(g->nstreams, 1);
	ck_assert(g->streams[0].map.data_all);
	ck_assert_str_eq(g->streams[0].map.user, "{uid}");
	ck_assert_str_eq(g->group, "web");
	ck_assert_int_eq(g->count, 5);
	ck_assert_str_eq(g->start_id, "0");
	ck_assert_str_eq(g->field, "data");
	ck_assert_int_eq(g->block_ms, 5000);
	ck_assert_int_eq(g->claim_min_idle_ms, 30000);
	ck_assert_int_eq(g->max_message_bytes, 65536);
}
END_TEST

static const struct bad {
	const char *json;
	const char *msg; /* a piece of the error */
} bad[] = {
	{ "{\"ingest\": {}}", "needs \"channels\" or \"streams\"" },
	{ "{\"ingest\": {\"channels\": [{}]}}", "needs \"channel\"" },
	{ "{\"ingest\": {\"channels\": [{\"channel\": \"a\", \"room\": \"r\"}]}}",
	  "needs an \"event\"" },
	{ "{\"ingest\": {\"channels\": [{\"channel\": \"a\", \"event\": \"e\"}]}}",
	  "exactly one of" },
	{ "{\"ingest\": {\"channels\": [{\"channel\": \"a\", \"room\": \"r\", \"user\": \"u\", "
	  "\"event\": \"e\"}]}}",
	  "exactly one of" },
	{ "{\"ingest\": {\"channels\": [{\"channel\": \"a\", \"room\": \"t:{x\", \"event\": "
	  "\"e\"}]}}",
	  "unclosed" },
	{ "{\"ingest\": {\"channels\": [{\"channel\": \"a\", \"room\": \"t:{}\", \"event\": "
	  "\"e\"}]}}",
	  "empty" },
	{ "{\"ingest\": {\"channels\": [{\"channel\": \"a\", \"room\": \"t}\", \"event\": "
	  "\"e\"}]}}",
	  "lone" },
	{ "{\"ingest\": {\"channels\": [{\"channel\": \"a\", \"room\": \"r\", \"event\": "
	  "\"connect\"}]}}",
	  "reserved" },
	{ "{\"ingest\": {\"channels\": [{\"channel\": \"a\", \"rooms\": [], \"event\": \"e\"}]}}",
	  "is empty" },
	{ "{\"ingest\": {\"channels\": [{\"channel\": \"a\", \"romo\": \"r\"}]}}", "unknown key" },
	{ "{\"ingest\": {\"channels\": [{\"channel\": \"a\"}, {\"channel\": \"a\"}]}}",
	  "given twice" },
	{ "{\"ingest\": {\"streams\": [{\"stream\": \"s\"}], \"startId\": \"latest\"}}",
	  "startId" },
	{ "{\"ingest\": {\"streams\": [{\"stream\": \"s\"}], \"count\": 0}}", "count" },
	{ "{\"ingest\": {\"streams\": [{\"stream\": \"s\"}], \"blockMs\": 0}}", "blockMs" },
	{ "{\"ingest\": {\"streams\": [{\"stream\": \"\"}]}}", "is empty" },
};

START_TEST(test_config_bad)
{
	const struct bad *b = &bad[_i];
	ck_assert_int_eq(load(b->json), SRV_CONFIG_ERR);
	ck_assert_msg(strstr(err, b->msg) != NULL, "%s: %s", b->json, err);
	ck_assert_msg(strstr(err, "ingest") != NULL, "%s", err);
}
END_TEST

START_TEST(test_config_needs_redis)
{
	static char *const none[] = { NULL };
	ck_assert_int_eq(cfg_load_env("{\"ingest\": {\"channels\": [{\"channel\": \"a\"}]}}", none),
	                 SRV_CONFIG_ERR);
	ck_assert_ptr_nonnull(strstr(err, "needs Redis"));
	cfg_teardown();
	ck_assert_int_eq(cfg_load_env("{\"redis\": {\"host\": \"r\"}, \"ingest\": {\"channels\": "
	                              "[{\"channel\": \"a\"}]}}",
	                              none),
	                 SRV_CONFIG_OK);
}
END_TEST

/* ---- the decoder ------------------------------------------------------------------ */

static srv_ingest_out out;
static char why[256];
static const srv_ingest_rules rules = { .max_room = 32,
	                                .user_room = "user:{userId}",
	                                .max_bytes = 4096 };

static int decode_with(const srv_ingest_map *m, const char *msg)
{
	why[0] = '\0';
	return srv_ingest_decode(m, &rules, msg, strlen(msg), &out, why, sizeof why);
}

static char *rooms_tmpl[] = { "tenant:{tenantId}" };
static char *data_fields[] = { "jobId", "status", "error" };
static char *required[] = { "jobId", "status" };
static const srv_ingest_map jobs = { .templated = true,
	                             .rooms = rooms_tmpl,
	                             .nrooms = 1,
	                             .event = "JOB_UPDATE",
	                             .data = data_fields,
	                             .ndata = 3,
	                             .required = required,
	                             .nrequired = 2 };
static const srv_ingest_map generic = { 0 };

static const char *data_text(void)
{
	static char buf[1024];
	snprintf(buf, sizeof buf, "%.*s", (int)out.data.len, (const char *)out.data.data);
	return buf;
}

static void out_teardown(void)
{
	srv_ingest_out_free(&out);
}

START_TEST(test_jobs_template)
{
	ck_assert_int_eq(decode_with(&jobs,
	                             "{\"status\":\"RUNNING\",\"jobId\":\"j-1\",\"tenantId\":"
	                             "\"tenant-1\",\"extra\":[1]}"),
	                 0);
	ck_assert_uint_eq(out.nrooms, 1);
	ck_assert_str_eq(out.rooms[0], "tenant:tenant-1");
	ck_assert_uint_eq(out.nexcept, 0);
	ck_assert_str_eq(out.event, "JOB_UPDATE");
	ck_assert(out.has_data);
	ck_assert_str_eq(data_text(), "{\"jobId\":\"j-1\",\"status\":\"RUNNING\",\"error\":null}");
	srv_ingest_out_free(&out);
	ck_assert_int_eq(decode_with(&jobs,
	                             "{\"tenantId\":42,\"jobId\":\"j\",\"status\":\"FAILED\","
	                             "\"error\":\"disk \\\"full\\\"\"}"),
	                 0);
	ck_assert_str_eq(out.rooms[0], "tenant:42");
	ck_assert_str_eq(data_text(),
	                 "{\"jobId\":\"j\",\"status\":\"FAILED\",\"error\":\"disk \\\"full\\\"\"}");
}
END_TEST

static const struct refused {
	const char *msg;
	const char *why;
} jobs_refused[] = {
	{ "", "not JSON" },
	{ "{\"tenantId\":\"t\"", "not JSON" },
	{ "[1]", "expected a JSON object" },
	{ "{\"tenantId\":\"t\",\"jobId\":\"j\"}", "required field \"status\"" },
	{ "{\"tenantId\":\"t\",\"jobId\":null,\"status\":\"s\"}", "required field \"jobId\"" },
	{ "{\"jobId\":\"j\",\"status\":\"s\"}", "field \"tenantId\" missing" },
	{ "{\"tenantId\":\"\",\"jobId\":\"j\",\"status\":\"s\"}", "tenantId" },
	{ "{\"tenantId\":\"a\\u0000b\",\"jobId\":\"j\",\"status\":\"s\"}", "tenantId" },
	{ "{\"tenantId\":1.5,\"jobId\":\"j\",\"status\":\"s\"}", "string or an integer" },
	{ "{\"tenantId\":{},\"jobId\":\"j\",\"status\":\"s\"}", "string or an integer" },
	{ "{\"tenantId\":\"0123456789012345678901234567\",\"jobId\":\"j\",\"status\":\"s\"}",
	  "longer than" },
};

START_TEST(test_jobs_refused)
{
	const struct refused *r = &jobs_refused[_i];
	ck_assert_int_eq(decode_with(&jobs, r->msg), -1);
	ck_assert_msg(strstr(why, r->why) != NULL, "%s: %s", r->msg, why);
	ck_assert_uint_eq(out.nrooms, 0);
	ck_assert_ptr_null(out.event);
}
END_TEST

START_TEST(test_generic)
{
	ck_assert_int_eq(decode_with(&generic,
	                             "{\"room\":\"r1\",\"event\":\"ev\",\"data\":{\"a\":[1,"
	                             "2]},\"except\":\"r2\",\"other\":1}"),
	                 0);
	ck_assert_uint_eq(out.nrooms, 1);
	ck_assert_str_eq(out.rooms[0], "r1");
	ck_assert_uint_eq(out.nexcept, 1);
	ck_assert_str_eq(out.except[0], "r2");
	ck_assert_str_eq(out.event, "ev");
	ck_assert_str_eq(data_text(), "{\"a\":[1,2]}");
	srv_ingest_out_free(&out);
	ck_assert_int_eq(decode_with(&generic, "{\"rooms\":[\"a\",\"b\"],\"event\":\"e\","
	                                       "\"except\":[\"c\",\"d\"]}"),
	                 0);
	ck_assert_uint_eq(out.nrooms, 2);
	ck_assert_str_eq(out.rooms[1], "b");
	ck_assert_uint_eq(out.nexcept, 2);
	ck_assert(!out.has_data);
	srv_ingest_out_free(&out);
	ck_assert_int_eq(decode_with(&generic, "{\"user\":\"u-7\",\"event\":\"e\",\"data\":null}"),
	                 0);
	ck_assert_str_eq(out.rooms[0], "user:u-7");
	ck_assert(out.has_data);
	ck_assert_str_eq(data_text(), "null");
	srv_ingest_out_free(&out);
	ck_assert_int_eq(decode_with(&generic, "{\"user\":7,\"event\":\"e\"}"), 0);
	ck_assert_str_eq(out.rooms[0], "user:7");
}
END_TEST

static const struct refused generic_refused[] = {
	{ "{\"event\":\"e\"}", "exactly one of" },
	{ "{\"room\":\"a\",\"user\":\"u\",\"event\":\"e\"}", "exactly one of" },
	{ "{\"room\":\"a\"}", "\"event\"" },
	{ "{\"room\":\"a\",\"event\":7}", "\"event\"" },
	{ "{\"room\":\"a\",\"event\":\"\"}", "\"event\"" },
	{ "{\"room\":\"a\",\"event\":\"disconnect\"}", "reserved" },
	{ "{\"room\":\"a\",\"event\":\"newListener\"}", "reserved" },
	{ "{\"room\":\"\",\"event\":\"e\"}", "empty room" },
	{ "{\"room\":7,\"event\":\"e\"}", "expected a string" },
	{ "{\"rooms\":\"a\",\"event\":\"e\"}", "list of strings" },
	{ "{\"rooms\":[],\"event\":\"e\"}", "empty list" },
	{ "{\"rooms\":[\"a\",1],\"event\":\"e\"}", "expected a string" },
	{ "{\"room\":\"a\",\"event\":\"e\",\"except\":[]}", "empty list" },
	{ "{\"room\":\"a\",\"event\":\"e\",\"except\":\"\"}", "empty room" },
	{ "{\"user\":\"\",\"event\":\"e\"}", "\"user\"" },
	{ "{\"user\":true,\"event\":\"e\"}", "\"user\"" },
	{ "{\"room\":\"a\\u0000\",\"event\":\"e\"}", "NUL" },
};

START_TEST(test_generic_refused)
{
	const struct refused *r = &generic_refused[_i];
	ck_assert_int_eq(decode_with(&generic, r->msg), -1);
	ck_assert_msg(strstr(why, r->why) != NULL, "%s: %s", r->msg, why);
}
END_TEST

START_TEST(test_limits)
{
	/* 64 rooms pass, 65 do not */
	char msg[4096];
	size_t o = (size_t)snprintf(msg, sizeof msg, "{\"event\":\"e\",\"rooms\":[");
	for (int i = 0; i < 65; i++)
		o += (size_t)snprintf(msg + o, sizeof msg - o, "%s\"r%d\"", i ? "," : "", i);
	snprintf(msg + o, sizeof msg - o, "]}");
	ck_assert_int_eq(decode_with(&generic, msg), -1);
	ck_assert_ptr_nonnull(strstr(why, "more than 64"));
	/* larger than max_bytes */
	srv_ingest_rules small = rules;
	small.max_bytes = 10;
	const char *m = "{\"room\":\"a\",\"event\":\"e\"}";
	ck_assert_int_eq(srv_ingest_decode(&generic, &small, m, strlen(m), &out, why, sizeof why),
	                 -1);
	ck_assert_ptr_nonnull(strstr(why, "larger than 10"));
	/* the whole message as data, literal braces in a template */
	static char *lit[] = { "{{x}}:{k}" };
	srv_ingest_map whole = {
		.templated = true, .rooms = lit, .nrooms = 1, .event = "e", .data_all = true
	};
	ck_assert_int_eq(decode_with(&whole, " {\"k\":\"v\"} "), 0);
	ck_assert_str_eq(out.rooms[0], "{x}:v");
	ck_assert_str_eq(data_text(), "{\"k\":\"v\"}");
}
END_TEST

START_TEST(test_template_bad)
{
	ck_assert_ptr_null(srv_ingest_template_bad("tenant:{tenantId}"));
	ck_assert_ptr_null(srv_ingest_template_bad("{{literal}}"));
	ck_assert_ptr_null(srv_ingest_template_bad(""));
	ck_assert_ptr_nonnull(srv_ingest_template_bad("{"));
	ck_assert_ptr_nonnull(srv_ingest_template_bad("}"));
	ck_assert_ptr_nonnull(srv_ingest_template_bad("a{}b"));
	ck_assert_ptr_nonnull(srv_ingest_template_bad("{a{b}"));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("srv_ingest");
	TCase *tc = tcase_create("config");
	tcase_add_checked_fixture(tc, NULL, cfg_teardown);
	tcase_add_test(tc, test_config_jobs);
	tcase_add_loop_test(tc, test_config_bad, 0, (int)(sizeof bad / sizeof *bad));
	tcase_add_test(tc, test_config_needs_redis);
	suite_add_tcase(s, tc);
	tc = tcase_create("decode");
	tcase_add_checked_fixture(tc, NULL, out_teardown);
	tcase_add_test(tc, test_jobs_template);
	tcase_add_loop_test(tc, test_jobs_refused, 0,
	                    (int)(sizeof jobs_refused / sizeof *jobs_refused));
	tcase_add_test(tc, test_generic);
	tcase_add_loop_test(tc, test_generic_refused, 0,
	                    (int)(sizeof generic_refused / sizeof *generic_refused));
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_template_bad);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(suite());
}
