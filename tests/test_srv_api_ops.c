/* test_srv_api_ops.c - Check unit tests for the bodies of the HTTP API's
 * socket operations (apps/sio-server/srv_api_ops.c): targets become room
 * names (rooms as given, socket ids as their own rooms, user ids through
 * api.userRoom, integers too); each operation's fields; a batch keeps its
 * order; and every malformed body is refused with a message, leaving
 * nothing half parsed (freed either way: clean under valgrind, CK_FORK=no).
 */
#include "check_main.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../apps/sio-server/srv_api_ops.h"

static srv_config cfg;
static srv_api_ops ops;

static void setup(void)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.api.user_room = "user:{userId}";
	cfg.limits.max_room_name_length = 20;
	memset(&ops, 0, sizeof(ops));
	base_json_init(&ops.doc);
}

static void teardown(void)
{
	srv_api_ops_free(&ops);
}

static int parse(const char *js, int kind, const char **why)
{
	srv_api_ops_free(&ops);
	*why = NULL;
	return srv_api_ops_parse(js, strlen(js), kind, &cfg, &ops, why);
}

START_TEST(emit_targets)
{
	const char *why;
	ck_assert_int_eq(parse("{\"to\": {\"rooms\": [\"c1\"], \"socketIds\": [\"AbC\"], "
	                       "\"userIds\": [\"u1\", 42]}, \"except\": {\"userIds\": [\"u2\"]}, "
	                       "\"event\": \"message:new\", \"data\": {\"a\": [1, 2]}}",
	                       SRV_OP_EMIT, &why),
	                 0);
	ck_assert_uint_eq(ops.n, 1);
	const srv_api_op *op = &ops.v[0];
	ck_assert_int_eq(op->kind, SRV_OP_EMIT);
	ck_assert_uint_eq(op->to.n, 4);
	ck_assert_str_eq(op->to.v[0], "c1");
	ck_assert_str_eq(op->to.v[1], "AbC");
	ck_assert_str_eq(op->to.v[2], "user:u1");
	ck_assert_str_eq(op->to.v[3], "user:42");
	ck_assert_uint_eq(op->except.n, 1);
	ck_assert_str_eq(op->except.v[0], "user:u2");
	ck_assert_str_eq(op->event, "message:new");
	ck_assert_int_eq(op->data_len, strlen("{\"a\": [1, 2]}"));
	ck_assert(!strncmp(op->data, "{\"a\": [1, 2]}", op->data_len));
	ck_assert_int_eq(
	        parse("{\"to\": {\"rooms\": [\"c1\"]}, \"event\": \"e\"}", SRV_OP_EMIT, &why), 0);
	ck_assert_ptr_null(ops.v[0].data);
}
END_TEST

START_TEST(join_leave_disconnect)
{
	const char *why;
	ck_assert_int_eq(
	        parse("{\"to\": {\"userIds\": [\"a\"]}, \"room\": \"r\"}", SRV_OP_JOIN, &why), 0);
	ck_assert_uint_eq(ops.v[0].rooms.n, 1);
	ck_assert_str_eq(ops.v[0].rooms.v[0], "r");
	ck_assert_int_eq(parse("{\"to\": {\"userIds\": [\"a\"]}, \"rooms\": [\"r\", \"s\"]}",
	                       SRV_OP_LEAVE, &why),
	                 0);
	ck_assert_int_eq(ops.v[0].kind, SRV_OP_LEAVE);
	ck_assert_uint_eq(ops.v[0].rooms.n, 2);
	ck_assert_int_eq(
	        parse("{\"to\": {\"userIds\": [\"a\"]}, \"close\": true}", SRV_OP_DISCONNECT, &why),
	        0);
	ck_assert(ops.v[0].close);
	ck_assert_int_eq(parse("{\"to\": {\"userIds\": [\"a\"]}}", SRV_OP_DISCONNECT, &why), 0);
	ck_assert(!ops.v[0].close);
}
END_TEST

START_TEST(batch_in_order)
{
	const char *why;
	ck_assert_int_eq(parse("{\"operations\": [{\"op\": \"join\", \"to\": {\"rooms\": [\"a\"]}, "
	                       "\"room\": \"b\"}, {\"op\": \"emit\", \"to\": {\"rooms\": [\"b\"]}, "
	                       "\"event\": \"e\"}, {\"op\": \"disconnect\", \"to\": {\"rooms\": "
	                       "[\"a\"]}}]}",
	                       SRV_OP_BATCH, &why),
	                 0);
	ck_assert_uint_eq(ops.n, 3);
	ck_assert_int_eq(ops.v[0].kind, SRV_OP_JOIN);
	ck_assert_int_eq(ops.v[1].kind, SRV_OP_EMIT);
	ck_assert_int_eq(ops.v[2].kind, SRV_OP_DISCONNECT);
}
END_TEST

static const struct {
	int kind;
	const char *js, *why;
} bad[] = {
	{ SRV_OP_EMIT, "", "Body is not valid JSON" },
	{ SRV_OP_EMIT, "[]", "Body must be a JSON object" },
	{ SRV_OP_EMIT, "{\"event\": \"e\"}", "\"to\" is required" },
	{ SRV_OP_EMIT, "{\"to\": {}, \"event\": \"e\"}", "\"to\" names no socket" },
	{ SRV_OP_EMIT, "{\"to\": [\"a\"], \"event\": \"e\"}", "\"to\" and \"except\" are objects" },
	{ SRV_OP_EMIT, "{\"to\": {\"rooms\": [\"a\"]}}", "\"event\" is required" },
	{ SRV_OP_EMIT, "{\"to\": {\"rooms\": [\"a\"]}, \"event\": \"\"}", "\"event\" must be 1" },
	{ SRV_OP_EMIT, "{\"to\": {\"rooms\": [\"a\"]}, \"event\": \"connect\"}", "reserved" },
	{ SRV_OP_EMIT, "{\"to\": {\"rooms\": [\"a\"]}, \"event\": \"e\", \"event\": \"f\"}",
	  "Duplicate key" },
	{ SRV_OP_EMIT, "{\"to\": {\"rooms\": [\"a\"]}, \"event\": \"e\", \"op\": \"emit\"}",
	  "only in /batch" },
	{ SRV_OP_EMIT, "{\"to\": {\"rooms\": [\"0123456789012345678901\"]}, \"event\": \"e\"}",
	  "longer than limits.maxRoomNameLength" },
	{ SRV_OP_EMIT, "{\"to\": {\"userIds\": [\"0123456789012345\"]}, \"event\": \"e\"}",
	  "longer than limits.maxRoomNameLength" },
	{ SRV_OP_EMIT, "{\"to\": {\"rooms\": [1]}, \"event\": \"e\"}", "non-empty strings" },
	{ SRV_OP_EMIT, "{\"to\": {\"userIds\": [1.5]}, \"event\": \"e\"}", "non-empty strings" },
	{ SRV_OP_EMIT, "{\"to\": {\"rooms\": [\"a\\u0000b\"]}, \"event\": \"e\"}",
	  "non-empty strings" },
	{ SRV_OP_JOIN, "{\"to\": {\"rooms\": [\"a\"]}}", "give \"room\"" },
	{ SRV_OP_JOIN, "{\"to\": {\"rooms\": [\"a\"]}, \"rooms\": []}", "\"rooms\" is empty" },
	{ SRV_OP_JOIN, "{\"to\": {\"rooms\": [\"a\"]}, \"room\": \"b\", \"event\": \"e\"}",
	  "Unknown key" },
	{ SRV_OP_DISCONNECT, "{\"to\": {\"rooms\": [\"a\"]}, \"close\": 1}", "boolean" },
	{ SRV_OP_BATCH, "{\"operations\": []}", "1 to 100" },
	{ SRV_OP_BATCH, "{\"operations\": {}}", "1 to 100" },
	{ SRV_OP_BATCH, "{\"ops\": []}", "Unknown key" },
	{ SRV_OP_BATCH, "{\"operations\": [1]}", "Each operation is an object" },
	{ SRV_OP_BATCH, "{\"operations\": [{\"to\": {\"rooms\": [\"a\"]}}]}", "\"op\" is" },
	{ SRV_OP_BATCH,
	  "{\"operations\": [{\"op\": \"join\", \"to\": {\"rooms\": [\"a\"]}, \"room\": \"b\"}, "
	  "{\"op\": \"emit\", \"to\": {\"rooms\": [\"a\"]}}]}",
	  "\"event\" is required" },
};

START_TEST(refused)
{
	const char *why;
	ck_assert_int_eq(parse(bad[_i].js, bad[_i].kind, &why), -1);
	ck_assert_ptr_nonnull(why);
	ck_assert_msg(strstr(why, bad[_i].why), "case %d: got \"%s\"", _i, why);
}
END_TEST

START_TEST(bounds)
{
	/* 101 rooms in one list, 101 operations in a batch */
	char *js = malloc(16384);
	strcpy(js, "{\"to\": {\"rooms\": [");
	for (int i = 0; i < 101; i++)
		strcat(js, i ? ",\"r\"" : "\"r\"");
	strcat(js, "]}, \"event\": \"e\"}");
	const char *why;
	ck_assert_int_eq(parse(js, SRV_OP_EMIT, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "at most 100"));
	strcpy(js, "{\"operations\": [");
	for (int i = 0; i < 101; i++)
		strcat(js, i ? ",{\"op\":\"emit\",\"to\":{\"rooms\":[\"r\"]},\"event\":\"e\"}"
		             : "{\"op\":\"emit\",\"to\":{\"rooms\":[\"r\"]},\"event\":\"e\"}");
	strcat(js, "]}");
	ck_assert_int_eq(parse(js, SRV_OP_BATCH, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "1 to 100"));
	free(js);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("srv_api_ops");
	TCase *tc = tcase_create("ops");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, emit_targets);
	tcase_add_test(tc, join_leave_disconnect);
	tcase_add_test(tc, batch_in_order);
	tcase_add_loop_test(tc, refused, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, bounds);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(suite());
}
