/* test_srv_rooms.c - Check unit tests for the client-controlled paths of
 * apps/sio-server/srv_rooms.c: the id of a join/leave event's argument
 * (srv_rooms_arg_id) and room template expansion (srv_room_expand).
 *
 * Why: both take what a client sends (an event argument, a query value, a
 * JWT claim) and write it into fixed buffers that name the room a socket
 * joins; an id must be taken whole or refused, never cut or left without
 * its NUL, and a template must never produce a room with a placeholder
 * left in it. Arguments come from real decoded packets (sio_args_parse of
 * the public socketio.h, the socket layer's decoding). Clean under valgrind
 * with CK_FORK=no.
 */
#include "check_main.h"
#include <check.h>
#include <jwt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../apps/sio-server/srv_rooms.h"
#include "socketio.h"

static sio_args *args;

static void teardown(void)
{
	sio_args_free(args);
	args = NULL;
}

/* The arguments of an EVENT packet "2[\"join\", <json>]". */
static const sio_args *event_args(const char *json_args)
{
	static char text[4096];
	sio_args_free(args);
	snprintf(text, sizeof text, "2[\"join\"%s%s]", *json_args ? "," : "", json_args);
	args = sio_args_parse(text, strlen(text));
	ck_assert_msg(args != NULL, "decode %s", text);
	return args;
}

static void id_ok(const char *json_args, const char *field, const char *want, bool want_num)
{
	char buf[256];
	bool num = !want_num;
	ck_assert_msg(srv_rooms_arg_id(event_args(json_args), field, buf, sizeof buf, &num) == 0,
	              "%s refused", json_args);
	ck_assert_str_eq(buf, want);
	ck_assert(num == want_num);
}

static void id_bad(const char *json_args, const char *field)
{
	char buf[256];
	bool num;
	ck_assert_msg(srv_rooms_arg_id(event_args(json_args), field, buf, sizeof buf, &num) == -1,
	              "%s accepted", json_args);
}

START_TEST(arg_id_string_and_number)
{
	id_ok("\"abc\"", NULL, "abc", false);
	id_ok("\"p\\u0031\"", "projectId", "p1", false); /* a string wins over the field */
	id_ok("42", NULL, "42", true);
	id_ok("-7", NULL, "-7", true);
	id_ok("1e3", NULL, "1000", true);
	id_ok("-9223372036854775808", NULL, "-9223372036854775808", true);
	id_ok("\"a\",\"ignored\"", NULL, "a", false);
	id_bad("1.5", NULL);
	id_bad("9223372036854775808", NULL);
	id_bad("\"\"", NULL);
	id_bad("\"a\\u0000b\"", NULL);
	id_bad("", NULL);
	id_bad("null", "projectId");
	id_bad("true", "projectId");
	id_bad("[\"p1\"]", "projectId");
}
END_TEST

START_TEST(arg_id_object_field)
{
	id_ok("{\"projectId\":\"p1\"}", "projectId", "p1", false);
	id_ok("{\"x\":1,\"projectId\":\"caf\\u00e9\"}", "projectId", "caf\xc3\xa9", false);
	id_ok("{\"projectId\":7}", "projectId", "7", true);
	id_bad("{\"projectId\":\"p1\"}", NULL); /* no field configured */
	id_bad("{\"other\":\"p1\"}", "projectId");
	id_bad("{\"projectId\":\"\"}", "projectId");
	id_bad("{\"projectId\":\"a\\u0000\"}", "projectId");
	id_bad("{\"projectId\":null}", "projectId");
	id_bad("{\"projectId\":{\"id\":\"p1\"}}", "projectId");
	id_bad("{\"projectId\":[1]}", "projectId");
	id_bad("{\"projectId\":2.5}", "projectId");
}
END_TEST

/* An id that fills the buffer exactly has no room for its NUL. The object
 * field path used to accept it unterminated (base_json_str_unescape writes
 * no NUL when the string is exactly cap bytes; strlen then read past the
 * buffer: here it finds the zero after it and saw a valid 8-byte id). */
START_TEST(arg_id_fills_buffer)
{
	char buf[16];
	bool num;
	memset(buf, 0, sizeof buf);
	ck_assert_int_eq(srv_rooms_arg_id(event_args("{\"id\":\"abcdefgh\"}"), "id", buf, 8, &num),
	                 -1);
	ck_assert_int_eq(srv_rooms_arg_id(event_args("\"abcdefgh\""), NULL, buf, 8, &num), -1);
	ck_assert_int_eq(srv_rooms_arg_id(event_args("{\"id\":\"abcdefg\"}"), "id", buf, 8, &num),
	                 0);
	ck_assert_str_eq(buf, "abcdefg");
	ck_assert_int_eq(srv_rooms_arg_id(event_args("\"abcdefg\""), NULL, buf, 8, &num), 0);
	ck_assert_str_eq(buf, "abcdefg");
	/* a number is refused too, not cut ("12345" used to become "12") */
	ck_assert_int_eq(srv_rooms_arg_id(event_args("12345"), NULL, buf, 3, &num), -1);
	ck_assert_int_eq(srv_rooms_arg_id(event_args("{\"id\":12345}"), "id", buf, 3, &num), -1);
	ck_assert_int_eq(srv_rooms_arg_id(event_args("12"), NULL, buf, 3, &num), 0);
	ck_assert_str_eq(buf, "12");
	ck_assert_int_eq(srv_rooms_arg_id(event_args("\"a\""), NULL, buf, 0, &num), -1);
}
END_TEST

START_TEST(arg_id_lengths_at_the_server_buffer)
{
	/* the server's id buffer is 256 bytes: 255 bytes fit, 256 do not */
	char js[600], want[300];
	memset(want, 'i', 255);
	want[255] = '\0';
	snprintf(js, sizeof js, "{\"projectId\":\"%s\"}", want);
	id_ok(js, "projectId", want, false);
	snprintf(js, sizeof js, "\"%s\"", want);
	id_ok(js, NULL, want, false);
	snprintf(js, sizeof js, "{\"projectId\":\"%si\"}", want);
	id_bad(js, "projectId");
	snprintf(js, sizeof js, "\"%si\"", want);
	id_bad(js, NULL);
}
END_TEST

/* ---- srv_room_expand ----------------------------------------------------- */

static void expand_ok(const char *tmpl, const srv_user *u, const char *value, const char *id,
                      const char *want)
{
	char out[64];
	ck_assert_msg(srv_room_expand(tmpl, u, value, id, out, sizeof out) == 0, "%s", tmpl);
	ck_assert_str_eq(out, want);
}

static void expand_bad(const char *tmpl, const srv_user *u, const char *value, const char *id)
{
	char out[64];
	ck_assert_msg(srv_room_expand(tmpl, u, value, id, out, sizeof out) == -1, "%s", tmpl);
}

START_TEST(expand_placeholders)
{
	srv_user u = { .user_id = "u1" };
	expand_ok("job:{id}", NULL, NULL, "abc", "job:abc");
	expand_ok("user:{userId}", &u, NULL, NULL, "user:u1");
	expand_ok("q:{value}:{id}", NULL, "v", "i", "q:v:i");
	expand_ok("all-jobs", NULL, NULL, NULL, "all-jobs");
	expand_ok("{{literal}}", NULL, NULL, NULL, "{literal}");
	expand_ok("a}b", NULL, NULL, NULL, "a}b");
	/* values are inserted, never expanded again */
	expand_ok("r:{value}", NULL, "{id}", "x", "r:{id}");
	expand_ok("r:{id}", NULL, NULL, "}}{{", "r:}}{{");
}
END_TEST

START_TEST(expand_missing_or_unknown)
{
	srv_user anon = { 0 };
	expand_bad("user:{userId}", NULL, NULL, NULL);
	expand_bad("user:{userId}", &anon, NULL, NULL);
	expand_bad("q:{value}", NULL, NULL, "x");
	expand_bad("q:{value}", NULL, "", "x");
	expand_bad("j:{id}", NULL, "x", NULL);
	expand_bad("a{unknown}b", NULL, "x", "y");
	expand_bad("a{", NULL, "x", "y");
	expand_bad("a{id", NULL, "x", "y");
	expand_bad("{}", NULL, "x", "y");
	expand_bad("{claims.org}", &anon, NULL, NULL);
}
END_TEST

START_TEST(expand_capacity)
{
	char out[8];
	memset(out, 'z', sizeof out);
	ck_assert_int_eq(srv_room_expand("ab{id}", NULL, NULL, "cd", out, 5), 0);
	ck_assert_str_eq(out, "abcd");
	ck_assert_int_eq(srv_room_expand("ab{id}", NULL, NULL, "cd", out, 4), -1);
	ck_assert_int_eq(srv_room_expand("abcd", NULL, NULL, NULL, out, 4), -1);
	ck_assert_int_eq(srv_room_expand("{{", NULL, NULL, NULL, out, 1), -1);
	ck_assert_int_eq(srv_room_expand("", NULL, NULL, NULL, out, 1), 0);
	ck_assert_str_eq(out, "");
	/* no room even for the NUL: nothing written */
	memset(out, 'z', sizeof out);
	ck_assert_int_eq(srv_room_expand("", NULL, NULL, NULL, out, 0), -1);
	ck_assert_int_eq(out[0], 'z');
}
END_TEST

START_TEST(expand_claims)
{
	static const char secret[] = "rooms-test-secret-0123456789abcdef";
	char json[256];
	jwt_t *j = NULL;
	snprintf(json, sizeof json, "{\"sub\":\"u1\",\"org\":\"acme\",\"n\":42,\"exp\":%lld}",
	         (long long)time(NULL) + 3600);
	ck_assert_int_eq(jwt_new(&j), 0);
	ck_assert_int_eq(jwt_add_grants_json(j, json), 0);
	ck_assert_int_eq(jwt_set_alg(j, JWT_ALG_HS256, (const unsigned char *)secret,
	                             (int)sizeof secret - 1),
	                 0);
	char *tok = jwt_encode_str(j);
	jwt_free(j);
	ck_assert_ptr_nonnull(tok);

	srv_jwt_config cfg;
	srv_jwt_config_init(&cfg);
	cfg.alg = SRV_JWT_HS256;
	cfg.key = secret;
	cfg.key_len = sizeof secret - 1;
	srv_jwt_verifier *v = srv_jwt_verifier_new(&cfg, NULL, 0);
	ck_assert_ptr_nonnull(v);
	srv_jwt_claims *c = NULL;
	const char *why = NULL;
	ck_assert_int_eq(srv_jwt_verify(v, tok, strlen(tok), time(NULL), &c, &why), 0);
	srv_user u = { .claims = c, .user_id = "u1" };

	expand_ok("org:{claims.org}", &u, NULL, NULL, "org:acme");
	expand_ok("n:{claims.n}:{userId}", &u, NULL, NULL, "n:42:u1");
	expand_bad("{claims.missing}", &u, NULL, NULL);
	expand_bad("{claims.}", &u, NULL, NULL);
	char tmpl[300] = "{claims.";
	memset(tmpl + 8, 'o', 200);
	strcpy(tmpl + 208, "}");
	expand_bad(tmpl, &u, NULL, NULL);

	srv_jwt_claims_free(c);
	srv_jwt_verifier_free(v);
	free(tok);
}
END_TEST

static Suite *rooms_suite(void)
{
	Suite *s = suite_create("srv_rooms");
	TCase *a = tcase_create("arg_id");
	tcase_add_checked_fixture(a, NULL, teardown);
	tcase_add_test(a, arg_id_string_and_number);
	tcase_add_test(a, arg_id_object_field);
	tcase_add_test(a, arg_id_fills_buffer);
	tcase_add_test(a, arg_id_lengths_at_the_server_buffer);
	suite_add_tcase(s, a);
	TCase *e = tcase_create("expand");
	tcase_add_test(e, expand_placeholders);
	tcase_add_test(e, expand_missing_or_unknown);
	tcase_add_test(e, expand_capacity);
	tcase_add_test(e, expand_claims);
	suite_add_tcase(s, e);
	return s;
}

int main(void)
{
	return check_main_run(rooms_suite());
}
