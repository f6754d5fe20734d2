/* test_srv_config_redis.c - Check unit tests for sio-server's "redis"
 * section and REDIS_URL (apps/sio-server/srv_config_redis.c).
 *
 * What a deployment depends on: Redis stays off unless an address is given
 * (make run and every existing config keep the in-memory adapter); the url
 * forms node-redis accepts parse into the fields the adapter is given;
 * REDIS_URL replaces the file's address and nothing else; every bad value
 * fails at load time naming its key or variable; and no message, nor the
 * address printed at startup, ever shows the password. Config files are
 * written with mkstemp and removed in cfg_teardown.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "srv_config_fixture.h"
#include "check_main.h"

static int load(const char *json_text)
{
	return cfg_load_env(json_text, NULL);
}

static const char *address(void)
{
	static char buf[300];
	srv_config_redis_address(&cfg.redis, buf, sizeof(buf));
	return buf;
}

START_TEST(off_by_default)
{
	ck_assert_int_eq(load(NULL), SRV_CONFIG_OK);
	ck_assert(!cfg.redis.enabled);
	ck_assert_str_eq(cfg.redis.key, "socket.io");
	ck_assert_int_eq(cfg.redis.requests_timeout_ms, 5000);
	ck_assert_int_eq(cfg.redis.max_queued_bytes, 8 << 20);
	ck_assert(!cfg.redis.publish_on_specific_response_channel);
	ck_assert(!cfg.redis.room_subscriptions);
	srv_config_free(&cfg);
	/* what make run uses */
	char *argv[] = { "sio-server", "--config", "apps/sio-server/examples/default.json", NULL };
	char *env[] = { NULL };
	ck_assert_msg(srv_config_load(&cfg, NULL, env, 3, argv, err, sizeof(err)) == 0, "%s", err);
	ck_assert(!cfg.redis.enabled);
}
END_TEST

/* Settings without an address leave Redis off until REDIS_URL names one. */
START_TEST(settings_without_address)
{
	const char *file = "{\"redis\": {\"key\": \"chat\", \"requestsTimeout\": 1500, "
	                   "\"roomSubscriptions\": true, \"publishOnSpecificResponseChannel\": "
	                   "true, \"maxQueuedBytes\": 0}}";
	ck_assert_msg(load(file) == 0, "%s", err);
	ck_assert(!cfg.redis.enabled);
	ck_assert_str_eq(cfg.redis.key, "chat");
	ck_assert_int_eq(cfg.redis.requests_timeout_ms, 1500);
	ck_assert(cfg.redis.room_subscriptions);
	ck_assert(cfg.redis.publish_on_specific_response_channel);
	ck_assert_int_eq(cfg.redis.max_queued_bytes, 0);
	srv_config_free(&cfg);

	char *env[] = { "REDIS_URL=redis://redis.internal:6380/2", NULL };
	ck_assert_msg(cfg_load_env(file, env) == 0, "%s", err);
	ck_assert(cfg.redis.enabled);
	ck_assert_str_eq(cfg.redis.from, "REDIS_URL");
	ck_assert_str_eq(cfg.redis.host, "redis.internal");
	ck_assert_int_eq(cfg.redis.port, 6380);
	ck_assert_int_eq(cfg.redis.db, 2);
	ck_assert_str_eq(cfg.redis.key, "chat"); /* the file's settings stay */
	ck_assert_int_eq(cfg.redis.requests_timeout_ms, 1500);
}
END_TEST

START_TEST(url_forms)
{
	static const struct {
		const char *url;
		const char *host, *unix_path, *user, *password;
		int port;
		long db;
		const char *shown;
	} ok[] = {
		{ "redis://127.0.0.1", "127.0.0.1", NULL, NULL, NULL, 6379, 0,
		  "redis://127.0.0.1:6379" },
		{ "redis://localhost:7000/", "localhost", NULL, NULL, NULL, 7000, 0,
		  "redis://localhost:7000" },
		{ "REDIS://h:1/15", "h", NULL, NULL, NULL, 1, 15, "redis://h:1/15" },
		{ "redis://:s3cret@h", "h", NULL, NULL, "s3cret", 6379, 0, "redis://h:6379" },
		{ "redis://app:p%40ss%3Aword@h:6380/1", "h", NULL, "app", "p@ss:word", 6380, 1,
		  "redis://h:6380/1" },
		{ "redis://[::1]:6390", "::1", NULL, NULL, NULL, 6390, 0, "redis://[::1]:6390" },
		{ "unix:///run/redis/redis.sock", NULL, "/run/redis/redis.sock", NULL, NULL, 6379,
		  0, "unix:///run/redis/redis.sock" },
		{ "unix:///tmp/r.sock?db=3", NULL, "/tmp/r.sock", NULL, NULL, 6379, 3,
		  "unix:///tmp/r.sock?db=3" },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++) {
		char var[256];
		snprintf(var, sizeof(var), "REDIS_URL=%s", ok[i].url);
		char *env[] = { var, NULL };
		ck_assert_msg(cfg_load_env(NULL, env) == 0, "%s: %s", ok[i].url, err);
		const srv_config_redis *r = &cfg.redis;
		ck_assert(r->enabled);
		if (ok[i].host)
			ck_assert_str_eq(r->host, ok[i].host);
		else
			ck_assert_ptr_null(r->host);
		if (ok[i].unix_path)
			ck_assert_str_eq(r->unix_path, ok[i].unix_path);
		else
			ck_assert_ptr_null(r->unix_path);
		if (ok[i].user)
			ck_assert_str_eq(r->username, ok[i].user);
		else
			ck_assert_ptr_null(r->username);
		if (ok[i].password)
			ck_assert_str_eq(r->password, ok[i].password);
		else
			ck_assert_ptr_null(r->password);
		ck_assert_int_eq(r->port, ok[i].port);
		ck_assert_int_eq(r->db, ok[i].db);
		ck_assert_str_eq(address(), ok[i].shown);
		srv_config_free(&cfg);
	}
}
END_TEST

START_TEST(file_address)
{
	ck_assert_msg(load("{\"redis\": {\"host\": \"10.0.0.5\", \"port\": 6400, \"db\": 4, "
	                   "\"username\": \"sio\", \"password\": \"pw\"}}") == 0,
	              "%s", err);
	ck_assert(cfg.redis.enabled);
	ck_assert_str_eq(cfg.redis.from, "redis.host");
	ck_assert_str_eq(cfg.redis.host, "10.0.0.5");
	ck_assert_int_eq(cfg.redis.port, 6400);
	ck_assert_int_eq(cfg.redis.db, 4);
	ck_assert_str_eq(cfg.redis.username, "sio");
	ck_assert_str_eq(cfg.redis.password, "pw");
	ck_assert_str_eq(address(), "redis://10.0.0.5:6400/4");
	srv_config_free(&cfg);

	/* a unix socket's password beside a url without credentials */
	ck_assert_msg(load("{\"redis\": {\"url\": \"unix:///tmp/r.sock\", \"password\": "
	                   "\"pw\"}}") == 0,
	              "%s", err);
	ck_assert_str_eq(cfg.redis.from, "redis.url");
	ck_assert_str_eq(cfg.redis.unix_path, "/tmp/r.sock");
	ck_assert_str_eq(cfg.redis.password, "pw");
}
END_TEST

/* The environment wins over the file, as for every setting: the whole
 * address (credentials included) comes from REDIS_URL. */
START_TEST(env_replaces_file_address)
{
	char *env[] = { "REDIS_URL=redis://envhost:7001", NULL };
	ck_assert_msg(cfg_load_env("{\"redis\": {\"url\": \"redis://u:pw@filehost:7000/3\", "
	                           "\"key\": \"k\"}}",
	                           env) == 0,
	              "%s", err);
	ck_assert_str_eq(cfg.redis.host, "envhost");
	ck_assert_int_eq(cfg.redis.port, 7001);
	ck_assert_int_eq(cfg.redis.db, 0);
	ck_assert_ptr_null(cfg.redis.username);
	ck_assert_ptr_null(cfg.redis.password);
	ck_assert_str_eq(cfg.redis.key, "k");
	/* an empty REDIS_URL counts as unset, like every variable */
	srv_config_free(&cfg);
	char *empty[] = { "REDIS_URL=", NULL };
	ck_assert_msg(cfg_load_env("{\"redis\": {\"host\": \"filehost\"}}", empty) == 0, "%s", err);
	ck_assert_str_eq(cfg.redis.host, "filehost");
}
END_TEST

static const struct bad {
	const char *json; /* NULL: no file */
	const char *env;  /* REDIS_URL=... or NULL */
	const char *want; /* substring of the message */
} bads[] = {
	{ "{\"redis\": []}", NULL, "config: \"redis\": expected an object, got an array" },
	{ "{\"redis\": {\"hots\": \"x\"}}", NULL,
	  "config: \"redis.hots\": unknown key (allowed: url," },
	{ "{\"redis\": {\"url\": 6379}}", NULL, "config: \"redis.url\": expected a string" },
	{ "{\"redis\": {\"url\": \"http://h\"}}", NULL,
	  "config: \"redis.url\": \"http://h\" is not a Redis URL" },
	{ "{\"redis\": {\"url\": \"rediss://h:6380\"}}", NULL,
	  "config: \"redis.url\": \"rediss://h:6380\" TLS (rediss://) is not supported" },
	{ "{\"redis\": {\"url\": \"redis://h:0\"}}", NULL,
	  "\"redis.url\": \"redis://h:0\" has a bad port" },
	{ "{\"redis\": {\"url\": \"redis://h:65536\"}}", NULL, "has a bad port" },
	{ "{\"redis\": {\"url\": \"redis://h/x\"}}", NULL, "has a bad database number" },
	{ "{\"redis\": {\"url\": \"redis://h?family=6\"}}", NULL, "has query parameters" },
	{ "{\"redis\": {\"url\": \"redis://:6379\"}}", NULL, "has no host" },
	{ "{\"redis\": {\"url\": \"redis://u@h\"}}", NULL,
	  "\"redis://***@h\" names a user without a password" },
	{ "{\"redis\": {\"url\": \"redis://[::1\"}}", NULL, "unclosed '['" },
	{ "{\"redis\": {\"url\": \"unix://relative.sock\"}}", NULL, "needs an absolute path" },
	{ "{\"redis\": {\"url\": \"unix:///r.sock?timeout=1\"}}", NULL, "accepts only ?db=N" },
	{ "{\"redis\": {\"url\": \"redis://h\", \"port\": 1}}", NULL,
	  "config: \"redis.port\": give either \"url\" or \"host\"" },
	{ "{\"redis\": {\"url\": \"redis://:pw@h\", \"password\": \"x\"}}", NULL,
	  "config: \"redis.password\": the url has a user and password already" },
	{ "{\"redis\": {\"port\": 6380}}", NULL,
	  "config: \"redis.port\": needs \"host\" or \"url\"" },
	{ "{\"redis\": {\"password\": \"pw\"}}", NULL,
	  "config: \"redis.password\": needs \"host\"" },
	{ "{\"redis\": {\"host\": \"h\", \"username\": \"u\"}}", NULL,
	  "config: \"redis.username\": needs \"password\"" },
	{ "{\"redis\": {\"host\": \"a b\"}}", NULL, "config: \"redis.host\": not a host name" },
	{ "{\"redis\": {\"host\": \"\"}}", NULL, "config: \"redis.host\": is empty" },
	{ "{\"redis\": {\"host\": \"h\", \"port\": 0}}", NULL,
	  "config: \"redis.port\": expected an integer from 1 to 65535, got 0" },
	{ "{\"redis\": {\"host\": \"h\", \"db\": -1}}", NULL,
	  "config: \"redis.db\": expected an integer" },
	{ "{\"redis\": {\"key\": \"\"}}", NULL, "config: \"redis.key\": is empty" },
	{ "{\"redis\": {\"requestsTimeout\": 0}}", NULL,
	  "config: \"redis.requestsTimeout\": expected an integer from 1 to 600000, got 0" },
	{ "{\"redis\": {\"requestsTimeout\": 1.5}}", NULL,
	  "\"redis.requestsTimeout\": expected an integer" },
	{ "{\"redis\": {\"maxQueuedBytes\": -1}}", NULL,
	  "\"redis.maxQueuedBytes\": expected an integer from 0" },
	{ "{\"redis\": {\"roomSubscriptions\": \"yes\"}}", NULL,
	  "config: \"redis.roomSubscriptions\": expected a boolean, got a string" },
	{ "{\"redis\": {\"publishOnSpecificResponseChannel\": 1}}", NULL,
	  "config: \"redis.publishOnSpecificResponseChannel\": expected a boolean" },
	{ "{\"redis\": {\"host\": \"h\", \"host\": \"i\"}}", NULL,
	  "config: \"redis.host\": duplicate key" },
	{ NULL, "REDIS_URL=localhost:6379", "REDIS_URL: \"localhost:6379\" is not a Redis URL" },
	{ NULL, "REDIS_URL=redis://:topsecret@h:abc",
	  "REDIS_URL: \"redis://***@h:abc\" has a bad port" },
	{ NULL, "REDIS_URL=redis://:p%zz@h", "has a bad %-escape" },
	{ NULL, "REDIS_URL=redis://:p%00@h", "has a bad %-escape" },
};

START_TEST(errors_name_their_key)
{
	const struct bad *b = &bads[_i];
	char var[256];
	char *env[] = { var, NULL };
	snprintf(var, sizeof(var), "%s", b->env ? b->env : "UNUSED=1");
	ck_assert_int_eq(cfg_load_env(b->json, env), SRV_CONFIG_ERR);
	ck_assert_msg(strstr(err, b->want) != NULL, "got \"%s\", want \"%s\"", err, b->want);
	ck_assert_msg(!strstr(err, "topsecret") && !strstr(err, "pw@"), "secret shown: %s", err);
	ck_assert(!cfg.redis.enabled); /* freed */
}
END_TEST

/* A password is never in a message, whatever is wrong around it. */
START_TEST(password_never_shown)
{
	char *env[] = { "REDIS_URL=redis://admin:hunter2-secret@h:99999/0", NULL };
	ck_assert_int_eq(cfg_load_env(NULL, env), SRV_CONFIG_ERR);
	ck_assert_ptr_null(strstr(err, "hunter2"));
	ck_assert_ptr_null(strstr(err, "admin"));
	ck_assert_int_eq(load("{\"redis\": {\"url\": \"redis://:hunter2-secret@h/zz\"}}"),
	                 SRV_CONFIG_ERR);
	ck_assert_ptr_nonnull(strstr(err, "redis.url"));
	ck_assert_ptr_null(strstr(err, "hunter2"));
	ck_assert_msg(load("{\"redis\": {\"url\": \"redis://:hunter2-secret@h\"}}") == 0, "%s",
	              err);
	ck_assert_ptr_null(strstr(address(), "hunter2"));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("srv_config_redis");
	TCase *tc = tcase_create("redis");
	tcase_add_checked_fixture(tc, NULL, cfg_teardown);
	tcase_add_test(tc, off_by_default);
	tcase_add_test(tc, settings_without_address);
	tcase_add_test(tc, url_forms);
	tcase_add_test(tc, file_address);
	tcase_add_test(tc, env_replaces_file_address);
	tcase_add_loop_test(tc, errors_name_their_key, 0, (int)(sizeof(bads) / sizeof(*bads)));
	tcase_add_test(tc, password_never_shown);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(suite());
}
