/* test_srv_room_users.c - Check unit tests for a room's users
 * (apps/sio-server/srv_room_users.c): a user room read backwards through
 * api.userRoom (literal braces, prefix and suffix), sockets counted per
 * user whether the id is known or read from a room, anonymous sockets
 * counted apart, and the list ordered by sockets then id and capped.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../apps/sio-server/srv_room_users.h"
#include "check_main.h"

START_TEST(id_of_template)
{
	char id[16];
	ck_assert(srv_room_users_id_of("user:{userId}", "user:42", id, sizeof(id)));
	ck_assert_str_eq(id, "42");
	ck_assert(!srv_room_users_id_of("user:{userId}", "user:", id, sizeof(id)));
	ck_assert(!srv_room_users_id_of("user:{userId}", "conversation:1", id, sizeof(id)));
	ck_assert(srv_room_users_id_of("u-{userId}-tabs", "u-ann-tabs", id, sizeof(id)));
	ck_assert_str_eq(id, "ann");
	ck_assert(!srv_room_users_id_of("u-{userId}-tabs", "u-ann-tab", id, sizeof(id)));
	ck_assert(srv_room_users_id_of("{{{userId}}}", "{7}", id, sizeof(id)));
	ck_assert_str_eq(id, "7");
	/* an id that does not fit is not an id (never cut) */
	ck_assert(!srv_room_users_id_of("user:{userId}", "user:0123456789abcdef", id, sizeof(id)));
}
END_TEST

static char *written(const srv_room_users *ru, size_t max)
{
	base_buf b = BASE_BUF_INIT;
	base_jsonw w;
	base_jsonw_init(&w, &b);
	base_jsonw_object_begin(&w);
	ck_assert_int_eq(srv_room_users_write(ru, &w, max), 0);
	base_jsonw_object_end(&w);
	ck_assert(!base_jsonw_error(&w));
	char *s = strndup(b.data, b.len);
	base_buf_free(&b);
	return s;
}

START_TEST(counts_users_and_anonymous)
{
	srv_room_users ru;
	const char *r_ann[] = { "sid1", "user:ann", "conversation:1" };
	const char *r_none[] = { "sid2", "conversation:1" };
	srv_room_users_init(&ru, "user:{userId}");
	srv_room_users_add(&ru, "bob", NULL, 0);
	srv_room_users_add(&ru, NULL, r_ann, 3);
	srv_room_users_add(&ru, "ann", r_none, 2); /* known id: rooms not searched */
	srv_room_users_add(&ru, NULL, r_none, 2);
	srv_room_users_add(&ru, "", NULL, 0);
	srv_room_users_add(&ru, "cid", NULL, 0);
	char *s = written(&ru, 10);
	ck_assert_str_eq(s, "{\"users\":[{\"userId\":\"ann\",\"sockets\":2},{\"userId\":\"bob\","
	                    "\"sockets\":1},{\"userId\":\"cid\",\"sockets\":1}],\"userCount\":3,"
	                    "\"anonymousSockets\":2}");
	free(s);
	s = written(&ru, 1);
	ck_assert_str_eq(s, "{\"users\":[{\"userId\":\"ann\",\"sockets\":2}],\"userCount\":3,"
	                    "\"anonymousSockets\":2,\"usersTruncated\":true}");
	free(s);
	srv_room_users_free(&ru);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("srv_room_users");
	TCase *tc = tcase_create("room_users");
	tcase_add_test(tc, id_of_template);
	tcase_add_test(tc, counts_users_and_anonymous);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(suite());
}
