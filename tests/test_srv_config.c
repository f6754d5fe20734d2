/* test_srv_config.c - Check unit tests for sio-server's configuration loader.
 *
 * srv_config_load() is the only thing between a config typo and a server
 * that silently does the wrong thing, so this covers: the defaults; each
 * example config in apps/sio-server/examples/ (they are the documentation of
 * the four known systems and must keep loading); the precedence file < env
 * < flags; and a table of broken configurations, each of which must fail
 * with a message naming the offending key, variable or flag. Config files
 * are written with mkstemp and removed in teardown. Runs from the
 * repository root (as `make unit` does). Clean under valgrind, CK_FORK=no.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../apps/sio-server/srv_config.h"
#include "check_main.h"

#define SECRET "config-test-secret-0123456789abcdef"

static char tmp_paths[64][64];
static int ntmp;
static srv_config cfg;
static char err[512];

static void teardown(void)
{
	srv_config_free(&cfg);
	for (int i = 0; i < ntmp; i++)
		unlink(tmp_paths[i]);
	ntmp = 0;
}

/* A temporary file holding text; its path lives until teardown. */
static const char *tmpfile_with(const char *text)
{
	char *path;
	int fd;
	size_t n = strlen(text);

	ck_assert_int_lt(ntmp, 64);
	path = tmp_paths[ntmp++];
	snprintf(path, 64, "/tmp/srv_config_test_XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, n), (ssize_t)n);
	close(fd);
	return path;
}

/* Load with argv built from a NULL-terminated list (argv[0] added). */
static int load_argv(const char *json_text, char *const *envp, const char *const *args)
{
	char *argv[16] = { "sio-server" };
	int argc = 1;
	static char *const empty_env[] = { NULL };

	for (; args && *args; args++)
		argv[argc++] = (char *)*args;
	err[0] = '\0';
	return srv_config_load(&cfg, json_text ? tmpfile_with(json_text) : NULL,
	                       envp ? envp : empty_env, argc, argv, err, sizeof err);
}

static int load(const char *json_text)
{
	return load_argv(json_text, NULL, NULL);
}

START_TEST(defaults)
{
	ck_assert_int_eq(load(NULL), SRV_CONFIG_OK);
	ck_assert_int_eq(cfg.port, 3000);
	ck_assert_ptr_null(cfg.host);
	ck_assert_str_eq(cfg.path, "/socket.io/");
	ck_assert_int_eq(cfg.ping_interval, 25000);
	ck_assert_int_eq(cfg.ping_timeout, 20000);
	ck_assert_int_eq(cfg.max_http_buffer_size, 1000000);
	ck_assert(cfg.transport_polling && cfg.transport_websocket);
	ck_assert(!cfg.trust_proxy);
	ck_assert(!cfg.parser_msgpack);
	ck_assert(!cfg.allow_eio3);
	ck_assert(!cfg.cors.any_origin && cfg.cors.origins.n == 0);
	ck_assert(!cfg.auth.enabled && !cfg.auth.required);
	ck_assert_int_eq(cfg.auth.algorithm, SRV_JWT_HS256);
	ck_assert_str_eq(cfg.auth.secret_env, "JWT_ACCESS_SECRET");
	ck_assert_int_eq(cfg.auth.leeway_seconds, 30);
	ck_assert_str_eq(cfg.auth.user_id_claim, "sub");
	ck_assert_str_eq(cfg.auth.role_claim, "role");
	ck_assert_uint_eq(cfg.auth.ntoken_sources, 3);
	ck_assert_int_eq(cfg.auth.token_sources[0], SRV_TOKEN_AUTH);
	ck_assert_int_eq(cfg.auth.token_sources[2], SRV_TOKEN_QUERY);
	ck_assert(cfg.api.enabled);
	ck_assert_str_eq(cfg.api.prefix, "/api/v1/websocket");
	ck_assert_uint_eq(cfg.api.aliases.n, 1);
	ck_assert_str_eq(cfg.api.aliases.v[0], "/api/websocket");
	ck_assert_str_eq(cfg.api.admin_role, "admin");
	ck_assert_str_eq(cfg.api.user_room, "user:{userId}");
	ck_assert(cfg.metrics.enabled);
	ck_assert_str_eq(cfg.metrics.path, "/metrics");
	ck_assert(!cfg.metrics.require_api_key);
	ck_assert_int_eq(cfg.limits.events_per_minute, 100);
	ck_assert_int_eq(cfg.limits.connections_per_minute_per_ip, 60);
	ck_assert_int_eq(cfg.limits.max_rooms_per_socket, 50);
	ck_assert_int_eq(cfg.limits.max_room_name_length, 128);
	ck_assert_int_eq(cfg.limits.subscribe_events_per_minute, 30);
	ck_assert_str_eq(cfg.limits.exceeded.code, "RATE_LIMIT_EXCEEDED");
	ck_assert_str_eq(cfg.shutdown_event, "server_shutdown");
	ck_assert_int_eq(cfg.shutdown_grace_ms, 5000);
	ck_assert_str_eq(cfg.token_expiry.event, "auth-expired");
	ck_assert(!cfg.presence.enabled);
	ck_assert_uint_eq(cfg.rooms.nautos + cfg.rooms.nqueries + cfg.rooms.njoins +
	                          cfg.rooms.nfan_in + cfg.nthrottle,
	                  0);
	ck_assert_ptr_null(cfg.config_path);
}
END_TEST

static char *const secret_env[] = { "JWT_ACCESS_SECRET=" SECRET, "WEBHOOK_SECRET=hook-" SECRET,
	                            NULL };

static int load_example(const char *name)
{
	char path[256];
	char *argv[] = { "sio-server", "--config", path };

	snprintf(path, sizeof path, "apps/sio-server/examples/%s.json", name);
	return srv_config_load(&cfg, NULL, secret_env, 3, argv, err, sizeof err);
}

static int match(const regex_t *re, const char *s)
{
	return regexec(re, s, 0, NULL, 0) == 0;
}

START_TEST(example_job_dashboard)
{
	const srv_query_room *q;
	const srv_join_event *j;

	ck_assert_msg(load_example("job-dashboard") == 0, "%s", err);
	ck_assert(!cfg.auth.required);
	ck_assert_uint_eq(cfg.rooms.nqueries, 2);
	q = &cfg.rooms.queries[0];
	ck_assert_str_eq(q->param, "jobId");
	ck_assert_str_eq(q->room, "job:{value}");
	ck_assert(match(&q->re, "0123456789abcdef01234567"));
	ck_assert(!match(&q->re, "0123456789abcdef012345678")); /* anchored */
	ck_assert(!match(&q->re, "x0123456789abcdef01234567"));
	ck_assert_uint_eq(q->special.n, 1);
	ck_assert_str_eq(q->special.v[0].key, "all");
	ck_assert_str_eq(q->special.v[0].value, "all-jobs");
	ck_assert_str_eq(q->invalid.event, "room:error");
	ck_assert_str_eq(q->invalid.message, "Invalid job ID format");
	ck_assert_str_eq(q->invalid.value_key, "jobId");
	ck_assert_ptr_null(q->invalid.code);
	ck_assert_str_eq(cfg.rooms.queries[1].room, "server:{value}");
	ck_assert_ptr_null(cfg.rooms.queries[1].invalid.event);
	ck_assert_uint_eq(cfg.rooms.njoins, 1);
	j = &cfg.rooms.joins[0];
	ck_assert_str_eq(j->join, "subscribe:job");
	ck_assert_str_eq(j->leave, "unsubscribe:job");
	ck_assert_int_eq(j->authorize, SRV_AUTHZ_NONE);
	ck_assert_int_eq(j->rate_limit_per_minute, 30);
	ck_assert_uint_eq(cfg.rooms.nfan_in, 1);
	ck_assert_str_eq(cfg.rooms.fan_in[0].glob, "job:*");
	ck_assert_str_eq(cfg.rooms.fan_in[0].rooms.v[0], "all-jobs");
	ck_assert_uint_eq(cfg.nthrottle, 1);
	ck_assert_str_eq(cfg.throttle[0].rooms, "job:*");
	ck_assert_int_eq(cfg.throttle[0].interval_ms, 200);
	ck_assert(cfg.cors.any_origin);
}
END_TEST

START_TEST(example_family_stories)
{
	const srv_join_event *j;

	ck_assert_msg(load_example("family-stories") == 0, "%s", err);
	ck_assert(cfg.auth.enabled && cfg.auth.required);
	ck_assert_str_eq(cfg.auth.secret, SECRET);
	ck_assert_uint_eq(cfg.auth.ntoken_sources, 1);
	ck_assert_int_eq(cfg.auth.token_sources[0], SRV_TOKEN_AUTH);
	j = &cfg.rooms.joins[0];
	ck_assert_str_eq(j->join, "join_project");
	ck_assert_str_eq(j->leave, "leave_project");
	ck_assert_str_eq(j->room, "project:{id}");
	ck_assert_str_eq(j->id_field, "projectId");
	ck_assert_int_eq(j->authorize, SRV_AUTHZ_CLAIM_CONTAINS);
	ck_assert_str_eq(j->authorize_arg, "projects");
	ck_assert_str_eq(j->confirm_joined, "joined_project");
	ck_assert_str_eq(j->confirm_left, "left_project");
	ck_assert_str_eq(j->confirm_key, "projectId");
	ck_assert_str_eq(j->denied.event, "error");
	ck_assert_str_eq(j->denied.code, "PROJECT_ACCESS_DENIED");
	ck_assert_int_eq(j->rate_limit_per_minute, -1);
	ck_assert_int_eq(cfg.limits.events_per_minute, 100);
	ck_assert_str_eq(cfg.limits.exceeded.code, "RATE_LIMIT_EXCEEDED");
	ck_assert_str_eq(cfg.replies.v[0].key, "ping");
	ck_assert_str_eq(cfg.replies.v[0].value, "pong");
	ck_assert_str_eq(cfg.shutdown_event, "server_shutdown");
}
END_TEST

START_TEST(example_image_hub)
{
	char *env[] = { "JWT_ACCESS_SECRET=" SECRET, "NODE_ENV=development",
		        "WS_ALLOWED_ORIGINS=https://img.example.com, https://b.example:8443",
		        NULL };
	char *argv[] = { "sio-server", "--config", "apps/sio-server/examples/image-hub.json" };

	ck_assert_msg(srv_config_load(&cfg, NULL, env, 3, argv, err, sizeof err) == 0, "%s", err);
	ck_assert(cfg.auth.required);
	ck_assert_str_eq(cfg.rooms.autos[0].room, "user:{userId}");
	ck_assert_str_eq(cfg.rooms.joins[0].join, "join-project");
	ck_assert_str_eq(cfg.rooms.joins[0].leave, "leave-project");
	ck_assert_uint_eq(cfg.cors.origins.n, 2);
	ck_assert_str_eq(cfg.cors.origins.v[0], "https://img.example.com");
	ck_assert_str_eq(cfg.cors.origins.v[1], "https://b.example:8443");
	ck_assert(cfg.cors.development_localhost && cfg.cors.allow_localhost);
	ck_assert(cfg.cors.credentials && cfg.trust_proxy);
	srv_config_free(&cfg);
	env[1] = "NODE_ENV=production";
	ck_assert_msg(srv_config_load(&cfg, NULL, env, 3, argv, err, sizeof err) == 0, "%s", err);
	ck_assert(cfg.cors.development_localhost && !cfg.cors.allow_localhost);
}
END_TEST

START_TEST(example_chat)
{
	const srv_auto_room *a;

	ck_assert_msg(load_example("chat") == 0, "%s", err);
	ck_assert_uint_eq(cfg.rooms.nautos, 3);
	a = cfg.rooms.autos;
	ck_assert_str_eq(a[0].room, "user:{userId}");
	ck_assert_uint_eq(a[0].if_claim.n, 0);
	ck_assert_str_eq(a[1].room, "all-users");
	ck_assert_str_eq(a[2].room, "admin-room");
	ck_assert_uint_eq(a[2].if_claim.n, 1);
	ck_assert_str_eq(a[2].if_claim.v[0].key, "role");
	ck_assert_str_eq(a[2].if_claim.v[0].value, "admin");
	ck_assert_str_eq(cfg.rooms.joins[0].join, "conversation:join");
	ck_assert_str_eq(cfg.rooms.joins[0].leave, "conversation:leave");
	ck_assert_str_eq(cfg.token_expiry.event, "auth-expired");
	ck_assert(cfg.presence.enabled);
	ck_assert_str_eq(cfg.presence.online, "status:online");
	ck_assert_str_eq(cfg.presence.offline, "status:offline");
	ck_assert_str_eq(cfg.presence.room, "all-users");
}
END_TEST

/* An example needing a secret fails cleanly without one, naming the key. */
START_TEST(example_without_secret)
{
	char *argv[] = { "sio-server", "--config", "apps/sio-server/examples/chat.json" };
	char *env[] = { NULL };

	ck_assert_int_eq(srv_config_load(&cfg, NULL, env, 3, argv, err, sizeof err),
	                 SRV_CONFIG_ERR);
	ck_assert_msg(strstr(err, "\"auth.required\"") && strstr(err, "JWT_ACCESS_SECRET"), "%s",
	              err);
}
END_TEST

START_TEST(precedence)
{
	const char *file = "{\"port\": 4000, \"pingInterval\": 1000, "
	                   "\"cors\": {\"origins\": [\"https://file.example\"]}, "
	                   "\"path\": \"/file\"}";
	char *env[] = { "PORT=5000",
		        "WEBSOCKET_PING_INTERVAL=2000",
		        "WEBSOCKET_CORS_ORIGIN=https://env.example",
		        "WS_ALLOWED_ORIGINS=https://other.example",
		        "MAX_HTTP_BUFFER_SIZE=1e7",
		        "HOST=127.0.0.1",
		        NULL };
	const char *flags[] = { "--port",
		                "6000",
		                "--ping-interval=3000",
		                "--cors-origin",
		                "https://a.example,https://b.example",
		                NULL };

	ck_assert_msg(load(file) == 0, "%s", err);
	ck_assert_int_eq(cfg.port, 4000);
	ck_assert_int_eq(cfg.ping_interval, 1000);
	ck_assert_str_eq(cfg.path, "/file/");
	ck_assert_str_eq(cfg.cors.origins.v[0], "https://file.example");
	ck_assert_ptr_nonnull(cfg.config_path);
	srv_config_free(&cfg);

	ck_assert_msg(load_argv(file, env, NULL) == 0, "%s", err);
	ck_assert_int_eq(cfg.port, 5000);
	ck_assert_int_eq(cfg.ping_interval, 2000);
	ck_assert_int_eq(cfg.max_http_buffer_size, 10000000);
	ck_assert_str_eq(cfg.host, "127.0.0.1");
	ck_assert_uint_eq(cfg.cors.origins.n, 1); /* WEBSOCKET_CORS_ORIGIN wins */
	ck_assert_str_eq(cfg.cors.origins.v[0], "https://env.example");
	srv_config_free(&cfg);

	ck_assert_msg(load_argv(file, env, flags) == 0, "%s", err);
	ck_assert_int_eq(cfg.port, 6000);
	ck_assert_int_eq(cfg.ping_interval, 3000);
	ck_assert_uint_eq(cfg.cors.origins.n, 2);
	ck_assert_str_eq(cfg.cors.origins.v[1], "https://b.example");
	srv_config_free(&cfg);

	/* --config on argv beats the path argument */
	{
		const char *other = tmpfile_with("{\"port\": 7000}");
		const char *f2[] = { "--config", other, NULL };

		ck_assert_msg(load_argv(file, NULL, f2) == 0, "%s", err);
		ck_assert_int_eq(cfg.port, 7000);
	}
}
END_TEST

START_TEST(env_extras)
{
	char *env[] = { "WEBSOCKET_API_KEY=k1, k2", "MY_SECRET=" SECRET, "WEBSOCKET_CORS_ORIGIN=*",
		        "PORT=", NULL };

	ck_assert_msg(load_argv("{\"auth\": {\"required\": true, "
	                        "\"secretEnv\": \"MY_SECRET\"}, "
	                        "\"api\": {\"apiKeys\": [\"k0\"]}}",
	                        env, NULL) == 0,
	              "%s", err);
	ck_assert_uint_eq(cfg.api.api_keys.n, 3);
	ck_assert_str_eq(cfg.api.api_keys.v[2], "k2");
	ck_assert_str_eq(cfg.auth.secret, SECRET);
	ck_assert(cfg.cors.any_origin);
	ck_assert_int_eq(cfg.port, 3000); /* empty = unset */
}
END_TEST

START_TEST(api_user_room_and_metrics_key)
{
	ck_assert_msg(load_argv("{\"api\": {\"userRoom\": \"{{u}}:{userId}\"}, "
	                        "\"metrics\": {\"requireApiKey\": true}}",
	                        NULL, NULL) == 0,
	              "%s", err);
	ck_assert_str_eq(cfg.api.user_room, "{{u}}:{userId}");
	ck_assert(cfg.metrics.require_api_key);
}
END_TEST

/* "parser" names the Socket.IO packet encoding: "default" or "msgpack". */
START_TEST(parser_setting)
{
	ck_assert_msg(load("{\"parser\": \"msgpack\"}") == 0, "%s", err);
	ck_assert(cfg.parser_msgpack);
	srv_config_free(&cfg);
	ck_assert_msg(load("{\"parser\": \"default\"}") == 0, "%s", err);
	ck_assert(!cfg.parser_msgpack);
}
END_TEST

/* connectionStateRecovery: off without the section; the section alone
 * turns it on with node's defaults; each key read; a bad value named. */
START_TEST(recovery_setting)
{
	ck_assert_msg(load("{}") == 0, "%s", err);
	ck_assert(!cfg.recovery.enabled);
	srv_config_free(&cfg);
	ck_assert_msg(load("{\"connectionStateRecovery\": {}}") == 0, "%s", err);
	ck_assert(cfg.recovery.enabled);
	ck_assert_int_eq(cfg.recovery.max_disconnection_ms, 120000);
	ck_assert(cfg.recovery.skip_middlewares);
	ck_assert_int_eq(cfg.recovery.max_packets, 10000);
	srv_config_free(&cfg);
	ck_assert_msg(load("{\"connectionStateRecovery\": {\"maxDisconnectionDuration\": 5000, "
	                   "\"skipMiddlewares\": false, \"maxPackets\": 50, \"maxBytes\": 4096, "
	                   "\"maxAge\": 1000}}") == 0,
	              "%s", err);
	ck_assert_int_eq(cfg.recovery.max_disconnection_ms, 5000);
	ck_assert(!cfg.recovery.skip_middlewares);
	ck_assert_int_eq(cfg.recovery.max_packets, 50);
	ck_assert_int_eq(cfg.recovery.max_bytes, 4096);
	ck_assert_int_eq(cfg.recovery.max_age_ms, 1000);
	srv_config_free(&cfg);
	ck_assert_msg(load("{\"connectionStateRecovery\": {\"enabled\": false}}") == 0, "%s", err);
	ck_assert(!cfg.recovery.enabled);
	srv_config_free(&cfg);
	ck_assert_int_eq(load("{\"connectionStateRecovery\": {\"maxDisconnectionDuration\": 0}}"),
	                 SRV_CONFIG_ERR);
	ck_assert_msg(strstr(err, "connectionStateRecovery.maxDisconnectionDuration"), "%s", err);
	ck_assert_int_eq(load("{\"connectionStateRecovery\": {\"maxDisconnection\": 1}}"),
	                 SRV_CONFIG_ERR);
	ck_assert_msg(strstr(err, "maxDisconnection"), "%s", err);
}
END_TEST

/* allowEIO3 from the file, WEBSOCKET_ALLOW_EIO3 and --allow-eio3 (alone: true;
 * "=false" turns it off), each over the one before. */
START_TEST(allow_eio3)
{
	char *env_on[] = { "WEBSOCKET_ALLOW_EIO3=true", NULL };
	char *env_off[] = { "WEBSOCKET_ALLOW_EIO3=false", NULL };
	const char *on[] = { "--allow-eio3", "--port", "5000", NULL };
	const char *off[] = { "--allow-eio3=false", NULL };
	const char *on_eq[] = { "--allow-eio3=true", NULL };

	ck_assert_msg(load_argv("{\"allowEIO3\": true}", NULL, NULL) == 0, "%s", err);
	ck_assert(cfg.allow_eio3);
	srv_config_free(&cfg);
	ck_assert_msg(load_argv(NULL, env_on, NULL) == 0, "%s", err);
	ck_assert(cfg.allow_eio3);
	srv_config_free(&cfg);
	ck_assert_msg(load_argv("{\"allowEIO3\": true}", env_off, NULL) == 0, "%s", err);
	ck_assert(!cfg.allow_eio3);
	srv_config_free(&cfg);
	/* the flag alone takes no value: the next argument is a flag of its own */
	ck_assert_msg(load_argv(NULL, NULL, on) == 0, "%s", err);
	ck_assert(cfg.allow_eio3);
	ck_assert_int_eq(cfg.port, 5000);
	srv_config_free(&cfg);
	ck_assert_msg(load_argv(NULL, env_off, on_eq) == 0, "%s", err);
	ck_assert(cfg.allow_eio3);
	srv_config_free(&cfg);
	ck_assert_msg(load_argv("{\"allowEIO3\": true}", env_on, off) == 0, "%s", err);
	ck_assert(!cfg.allow_eio3);
}
END_TEST

START_TEST(rs256_key_file)
{
	const char *ok = "{\"auth\": {\"required\": true, \"algorithm\": \"RS256\", "
	                 "\"publicKeyFile\": \"tests/data/jwt/rsa2048.pub.pem\"}}";
	const char *ec = "{\"auth\": {\"algorithm\": \"RS256\", "
	                 "\"publicKeyFile\": \"tests/data/jwt/ec256.pub.pem\"}}";

	ck_assert_msg(load_argv(ok, secret_env, NULL) == 0, "%s", err);
	ck_assert(cfg.auth.enabled);
	ck_assert_int_eq(cfg.auth.algorithm, SRV_JWT_RS256);
	ck_assert_ptr_null(cfg.auth.secret); /* env secret unused by RS256 */
	ck_assert(strstr(cfg.auth.public_key, "BEGIN PUBLIC KEY"));
	srv_config_free(&cfg);
	ck_assert_int_eq(load(ec), SRV_CONFIG_ERR);
	ck_assert_msg(strstr(err, "\"auth.publicKeyFile\"") && strstr(err, "ec256.pub.pem"), "%s",
	              err);
}
END_TEST

START_TEST(invalid_json_position)
{
	ck_assert_int_eq(load("{\n  \"port\": 3000,\n  \"host\" \"x\"\n}"), SRV_CONFIG_ERR);
	ck_assert_msg(strstr(err, "invalid JSON at line 3, column 10"), "%s", err);
	ck_assert_int_eq(load("{\"port\": 3000,}"), SRV_CONFIG_ERR);
	ck_assert_msg(strstr(err, "line 1, column 15"), "%s", err);
	ck_assert_int_eq(load(""), SRV_CONFIG_ERR);
	ck_assert_msg(strstr(err, "line 1, column 1"), "%s", err);
	/* not plain syntax: the place and the reason */
	ck_assert_int_eq(load("{\"host\":\n \"a\xff\"}"), SRV_CONFIG_ERR);
	ck_assert_msg(strstr(err, "invalid JSON at line 2, column 4: invalid UTF-8"), "%s", err);
	ck_assert_int_eq(load("{\"host\": \"\\udc00\"}"), SRV_CONFIG_ERR);
	ck_assert_msg(strstr(err, "at line 1, column 11: invalid UTF-8 or lone surrogate"), "%s",
	              err);
}
END_TEST

START_TEST(unreadable_config)
{
	char *argv[] = { "sio-server", "--config", "/nonexistent/x.json" };

	ck_assert_int_eq(srv_config_load(&cfg, NULL, NULL, 3, argv, err, sizeof err),
	                 SRV_CONFIG_ERR);
	ck_assert_msg(strstr(err, "/nonexistent/x.json") && strstr(err, "No such file"), "%s", err);
}
END_TEST

START_TEST(help_and_version)
{
	const char *h[] = { "--port", "1", "--help", NULL };
	const char *v[] = { "-V", NULL };
	const char *bad_then_help[] = { "--nope", NULL };

	ck_assert_int_eq(load_argv(NULL, NULL, h), SRV_CONFIG_INFO);
	ck_assert(strstr(cfg.info, "Usage: sio-server"));
	ck_assert(strstr(cfg.info, "--ping-interval"));
	srv_config_free(&cfg);
	ck_assert_int_eq(load_argv(NULL, NULL, v), SRV_CONFIG_INFO);
	ck_assert_str_eq(cfg.info, "sio-server " SRV_VERSION "\n");
	srv_config_free(&cfg);
	ck_assert_int_eq(load_argv(NULL, NULL, bad_then_help), SRV_CONFIG_ERR);
	ck_assert_str_eq(err, "--nope: unknown flag (see --help)");
}
END_TEST

/* adminUi: node's instrument() options; the hash kept as given, the defaults
 * ("/admin", mode from NODE_ENV: NULL here), "auth": false. */
#define HASH "$2a$10$SYzvfryydxbRM3Gq24kPEeFdBi39ePTlOI1F7smG0JmsYFZoxQRHi"
START_TEST(admin_ui_setting)
{
	ck_assert_msg(load("{\"adminUi\": {\"enabled\": true, \"auth\": {\"type\": \"basic\", "
	                   "\"username\": \"admin\", \"password\": \"" HASH "\"}}}") == 0,
	              "%s", err);
	ck_assert(cfg.admin.enabled && cfg.admin.basic_auth && !cfg.admin.readonly);
	ck_assert_str_eq(cfg.admin.username, "admin");
	ck_assert_str_eq(cfg.admin.password_hash, HASH);
	ck_assert_str_eq(cfg.admin.namespace_name, "/admin");
	ck_assert_ptr_null(cfg.admin.mode);
	srv_config_free(&cfg);
	ck_assert_msg(load("{\"adminUi\": {\"enabled\": true, \"auth\": false, \"mode\": "
	                   "\"production\", \"readonly\": true, \"namespaceName\": \"/ops\", "
	                   "\"serverId\": \"eu-1\"}}") == 0,
	              "%s", err);
	ck_assert(cfg.admin.enabled && !cfg.admin.basic_auth && cfg.admin.readonly);
	ck_assert_str_eq(cfg.admin.mode, "production");
	ck_assert_str_eq(cfg.admin.namespace_name, "/ops");
	ck_assert_str_eq(cfg.admin.server_id, "eu-1");
	srv_config_free(&cfg);
	/* off by default */
	ck_assert_msg(load("{}") == 0, "%s", err);
	ck_assert(!cfg.admin.enabled);
}
END_TEST

/* ---- every error names its key ---------------------------------------------- */

static const struct bad {
	const char *json;    /* NULL: no file */
	const char *env;     /* one VAR=value or NULL */
	const char *flag[3]; /* up to two args */
	const char *want;    /* substring of the message */
} bads[] = {
	{ "{\"port\": \"3000\"}",
	  NULL,
	  { 0 },
	  "config: \"port\": expected a number, got a string" },
	{ "{\"port\": 70000}",
	  NULL,
	  { 0 },
	  "config: \"port\": expected an integer from 1 to 65535, got 70000" },
	{ "{\"prot\": 3000}", NULL, { 0 }, "config: \"prot\": unknown key (allowed: port," },
	{ "{\"port\": 1, \"port\": 2}", NULL, { 0 }, "config: \"port\": duplicate key" },
	{ "{\"port\\u0000x\": 1}", NULL, { 0 }, "config: \"(a key with NUL)\": unknown key" },
	{ "{\"cors\": "
	  "{\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\": 1}}",
	  NULL,
	  { 0 },
	  "\"cors.xxxxxxxxxxxxxxxx" },
	{ "{\"rooms\": {\"fanIn\": {\"a\": [\"x\"], \"a\": [\"y\"]}}}",
	  NULL,
	  { 0 },
	  "\"rooms.fanIn.a\": duplicate key" },
	{ "[]", NULL, { 0 }, "config: expected an object, got an array" },
	{ "{\"pingInterval\": -5}",
	  NULL,
	  { 0 },
	  "config: \"pingInterval\": expected an integer from 1 to 86400000, got -5" },
	{ "{\"pingTimeout\": 1.5}", NULL, { 0 }, "\"pingTimeout\": expected an integer" },
	{ "{\"trustProxy\": 1}", NULL, { 0 }, "\"trustProxy\": expected a boolean, got a number" },
	{ "{\"allowEIO3\": \"yes\"}",
	  NULL,
	  { 0 },
	  "\"allowEIO3\": expected a boolean, got a string" },
	{ "{\"path\": \"socket\"}", NULL, { 0 }, "\"path\": must start with '/'" },
	{ "{\"host\": \"\"}", NULL, { 0 }, "\"host\": is empty" },
	{ "{\"transports\": [\"polling\", \"ws\"]}",
	  NULL,
	  { 0 },
	  "\"transports[1]\": expected \"polling\" or \"websocket\"" },
	{ "{\"transports\": []}", NULL, { 0 }, "\"transports\": needs at least one" },
	{ "{\"parser\": \"cbor\"}",
	  NULL,
	  { 0 },
	  "config: \"parser\": expected \"default\" or \"msgpack\", got \"cbor\"" },
	{ "{\"parser\": \"MsgPack\"}", NULL, { 0 }, "\"parser\": expected \"default\" or" },
	{ "{\"parser\": true}", NULL, { 0 }, "\"parser\": expected a string, got a boolean" },
	{ "{\"parser\": \"\"}", NULL, { 0 }, "\"parser\": is empty" },
	{ "{\"cors\": {\"origins\": [\"https://a.example/\"]}}",
	  NULL,
	  { 0 },
	  "\"cors.origins[0]\": \"https://a.example/\" must be" },
	{ "{\"cors\": {\"origins\": 5}}",
	  NULL,
	  { 0 },
	  "\"cors.origins\": expected \"*\" or an array" },
	{ "{\"cors\": {\"origin\": \"*\"}}", NULL, { 0 }, "\"cors.origin\": unknown key" },
	{ "{\"auth\": {\"algorithm\": \"HS512\"}}",
	  NULL,
	  { 0 },
	  "config: \"auth.algorithm\": expected one of HS256, RS256, ES256, got \"HS512\"" },
	{ "{\"auth\": {\"required\": true}}",
	  NULL,
	  { 0 },
	  "config: \"auth.required\": true but no HS256 secret" },
	{ "{\"auth\": {\"required\": true, \"secret\": \"\"}}",
	  NULL,
	  { 0 },
	  "\"auth.secret\": is empty" },
	{ "{\"auth\": {\"secret\": \"s\", \"secretEnv\": \"X\"}}",
	  NULL,
	  { 0 },
	  "\"auth.secret\": give either" },
	{ "{\"auth\": {\"algorithm\": \"ES256\", \"required\": true}}",
	  NULL,
	  { 0 },
	  "\"auth.required\": true but no \"auth.publicKeyFile\"" },
	{ "{\"auth\": {\"algorithm\": \"ES256\", \"publicKeyFile\": \"/nonexistent.pem\"}}",
	  NULL,
	  { 0 },
	  "config: \"auth.publicKeyFile\": cannot read \"/nonexistent.pem\"" },
	{ "{\"auth\": {\"publicKeyFile\": \"k.pem\"}}",
	  NULL,
	  { 0 },
	  "\"auth.publicKeyFile\": only used with RS256" },
	{ "{\"auth\": {\"leewaySeconds\": -1}}",
	  NULL,
	  { 0 },
	  "\"auth.leewaySeconds\": expected an integer" },
	{ "{\"auth\": {\"tokenSources\": [\"cookie\"]}}",
	  NULL,
	  { 0 },
	  "\"auth.tokenSources[0]\": expected \"auth\"" },
	{ "{\"auth\": {\"secret\": \"-----BEGIN PUBLIC KEY-----\"}}",
	  NULL,
	  { 0 },
	  "config: \"auth.secret\" (or JWT_ACCESS_SECRET): jwt HS256 secret looks like a PEM" },
	{ "{\"api\": {\"prefix\": \"api\"}}", NULL, { 0 }, "\"api.prefix\": must start with '/'" },
	{ "{\"api\": {\"apiKeys\": [\"k\", 3]}}",
	  NULL,
	  { 0 },
	  "\"api.apiKeys[1]\": expected a string, got a number" },
	{ "{\"metrics\": {\"enabled\": \"yes\"}}",
	  NULL,
	  { 0 },
	  "\"metrics.enabled\": expected a boolean" },
	{ "{\"metrics\": {\"requireApiKey\": 1}}",
	  NULL,
	  { 0 },
	  "\"metrics.requireApiKey\": expected a boolean" },
	{ "{\"api\": {\"userRoom\": \"user:{id}\"}}",
	  NULL,
	  { 0 },
	  "\"api.userRoom\": expected a room template with {userId} and no other placeholder, got "
	  "\"user:{id}\"" },
	{ "{\"api\": {\"userRoom\": \"users\"}}",
	  NULL,
	  { 0 },
	  "\"api.userRoom\": expected a room template with {userId}" },
	{ "{\"limits\": {\"eventsPerMinute\": -1}}",
	  NULL,
	  { 0 },
	  "\"limits.eventsPerMinute\": expected an integer from 0" },
	{ "{\"limits\": {\"maxRoomNameLength\": 0}}",
	  NULL,
	  { 0 },
	  "\"limits.maxRoomNameLength\": expected an integer from 1" },
	{ "{\"limits\": {\"maxRoomNameLength\": 1001}}",
	  NULL,
	  { 0 },
	  "\"limits.maxRoomNameLength\": expected an integer from 1 to 1000" },
	{ "{\"limits\": {\"exceeded\": {\"evnt\": \"x\"}}}",
	  NULL,
	  { 0 },
	  "\"limits.exceeded.evnt\": unknown key" },
	{ "{\"rooms\": {\"auto\": [\"user:{user}\"]}}",
	  NULL,
	  { 0 },
	  "config: \"rooms.auto[0]\": unknown placeholder \"{user}\"" },
	{ "{\"rooms\": {\"auto\": [{\"room\": \"a:{claims.}\"}]}}",
	  NULL,
	  { 0 },
	  "\"rooms.auto[0].room\": unknown placeholder \"{claims.}\"" },
	{ "{\"rooms\": {\"auto\": [\"a{\"]}}", NULL, { 0 }, "\"rooms.auto[0]\": unclosed '{'" },
	{ "{\"rooms\": {\"auto\": [{\"room\": \"x\", \"ifClaim\": {\"role\": true}}]}}",
	  NULL,
	  { 0 },
	  "\"rooms.auto[0].ifClaim.role\": expected a string or an integer, got a boolean" },
	{ "{\"rooms\": {\"auto\": [{\"rom\": \"x\"}]}}",
	  NULL,
	  { 0 },
	  "\"rooms.auto[0].rom\": unknown key" },
	{ "{\"rooms\": {\"fromQuery\": [{\"param\": \"p\", \"room\": \"r:{value}\", \"pattern\": "
	  "\"[a-\"}]}}",
	  NULL,
	  { 0 },
	  "config: \"rooms.fromQuery[0].pattern\": invalid regular expression \"[a-\"" },
	{ "{\"rooms\": {\"fromQuery\": [{\"param\": \"p\", \"room\": \"r:{id}\"}]}}",
	  NULL,
	  { 0 },
	  "\"rooms.fromQuery[0].room\": unknown placeholder \"{id}\"" },
	{ "{\"rooms\": {\"fromQuery\": [{\"room\": \"r\"}]}}",
	  NULL,
	  { 0 },
	  "\"rooms.fromQuery[0].param\": required" },
	{ "{\"rooms\": {\"fromQuery\": [{\"param\": \"p\", \"room\": \"r\", \"invalid\": "
	  "{\"message\": \"m\"}}]}}",
	  NULL,
	  { 0 },
	  "\"rooms.fromQuery[0].invalid.event\": required" },
	{ "{\"rooms\": {\"joinEvents\": [{\"join\": \"j\", \"room\": \"r:{id}\"}]}}",
	  NULL,
	  { 0 },
	  "\"rooms.joinEvents[0].authorize\": required" },
	{ "{\"rooms\": {\"joinEvents\": [{\"join\": \"j\", \"room\": \"r:{id}\", \"authorize\": "
	  "{\"claim\": \"x\"}}]}}",
	  NULL,
	  { 0 },
	  "\"rooms.joinEvents[0].authorize.claim\": unknown key" },
	{ "{\"rooms\": {\"joinEvents\": [{\"join\": \"j\", \"room\": \"r:{value}\", \"authorize\": "
	  "\"none\"}]}}",
	  NULL,
	  { 0 },
	  "\"rooms.joinEvents[0].room\": unknown placeholder \"{value}\"" },
	{ "{\"rooms\": {\"joinEvents\": [{\"join\": \"j\", \"room\": \"r\", \"authorize\": "
	  "\"none\", \"idPattern\": \"(\"}]}}",
	  NULL,
	  { 0 },
	  "\"rooms.joinEvents[0].idPattern\": invalid regular expression" },
	{ "{\"rooms\": {\"joinEvents\": [{\"join\": \"j\", \"room\": \"r\", \"authorize\": "
	  "\"none\", \"confirm\": {\"joind\": \"x\"}}]}}",
	  NULL,
	  { 0 },
	  "\"rooms.joinEvents[0].confirm.joind\": unknown key" },
	{ "{\"rooms\": {\"joinEvents\": [{\"join\": \"disconnect\", \"room\": \"r\", "
	  "\"authorize\": \"none\"}]}}",
	  NULL,
	  { 0 },
	  "\"rooms.joinEvents[0].join\": \"disconnect\" is reserved" },
	{ "{\"rooms\": {\"joinEvents\": [{\"join\": \"a\", \"room\": \"r\", \"authorize\": "
	  "\"none\"}, {\"join\": \"b\", \"leave\": \"a\", \"room\": \"r\", \"authorize\": "
	  "\"none\"}]}}",
	  NULL,
	  { 0 },
	  "\"rooms.joinEvents[1].leave\": \"a\" is already used" },
	{ "{\"rooms\": {\"fanIn\": {\"job:*\": []}}}",
	  NULL,
	  { 0 },
	  "\"rooms.fanIn.job:*\": expected a non-empty array" },
	{ "{\"rooms\": {\"fanIn\": {\"job:*\": \"all\"}}}",
	  NULL,
	  { 0 },
	  "\"rooms.fanIn.job:*\": expected an array, got a string" },
	{ "{\"rooms\": {\"fanin\": {}}}",
	  NULL,
	  { 0 },
	  "\"rooms.fanin\": unknown key (allowed: auto, fromQuery, joinEvents, fanIn)" },
	{ "{\"presence\": {\"online\": 1}}",
	  NULL,
	  { 0 },
	  "\"presence.online\": expected a string" },
	{ "{\"throttle\": [{\"rooms\": \"job:*\"}]}",
	  NULL,
	  { 0 },
	  "\"throttle[0].intervalMs\": required" },
	{ "{\"throttle\": {\"rooms\": \"job:*\"}}",
	  NULL,
	  { 0 },
	  "\"throttle\": expected an array, got an object" },
	{ "{\"shutdown\": {\"graceMs\": 1e9}}",
	  NULL,
	  { 0 },
	  "\"shutdown.graceMs\": expected an integer from 0 to 600000" },
	{ "{\"tokenExpiry\": {\"message\": 5}}",
	  NULL,
	  { 0 },
	  "\"tokenExpiry.message\": expected a string" },
	{ "{\"replies\": {\"connect\": \"x\"}}", NULL, { 0 }, "\"replies.connect\": reserved" },
	{ NULL, "PORT=abc", { 0 }, "PORT: not a port number: \"abc\"" },
	{ NULL, "PORT=0", { 0 }, "PORT: not a port number: \"0\"" },
	{ NULL,
	  "WEBSOCKET_PING_TIMEOUT=-1",
	  { 0 },
	  "WEBSOCKET_PING_TIMEOUT: expected an integer from 1 to 86400000, got \"-1\"" },
	{ NULL, "MAX_HTTP_BUFFER_SIZE=big", { 0 }, "MAX_HTTP_BUFFER_SIZE: expected an integer" },
	{ NULL,
	  "WS_ALLOWED_ORIGINS=example.com",
	  { 0 },
	  "WS_ALLOWED_ORIGINS: origin \"example.com\" must start with http://" },
	{ NULL,
	  "WEBSOCKET_CORS_ORIGIN=*,https://a.b",
	  { 0 },
	  "WEBSOCKET_CORS_ORIGIN: \"*\" must be the only origin" },
	{ NULL,
	  NULL,
	  { "--ping-interval", "-5" },
	  "--ping-interval: expected an integer from 1 to 86400000, got \"-5\"" },
	{ NULL, NULL, { "--port=99999" }, "--port: not a port number: \"99999\"" },
	{ NULL, NULL, { "--path", "x" }, "--path: must start with '/', got \"x\"" },
	{ NULL, NULL, { "--port" }, "--port: missing value" },
	{ NULL, NULL, { "--port=" }, "--port: empty value" },
	{ NULL, NULL, { "extra" }, "\"extra\": unexpected argument" },
	{ NULL,
	  NULL,
	  { "--cors-origin", "http://" },
	  "--cors-origin: origin \"http://\" has no host" },
	{ "{\"port\": 1}", "PORT=2", { "--port", "x" }, "--port: not a port number" },
	{ NULL,
	  "WEBSOCKET_ALLOW_EIO3=yes",
	  { NULL },
	  "WEBSOCKET_ALLOW_EIO3: expected true or false, got \"yes\"" },
	{ NULL, NULL, { "--allow-eio3=1" }, "--allow-eio3: expected true or false, got \"1\"" },
	{ NULL, NULL, { "--allow-eio3=" }, "--allow-eio3: empty value" },
	{ "{\"adminUi\": {\"enabled\": true}}", NULL, { 0 }, "config: \"adminUi.auth\": required" },
	{ "{\"adminUi\": {\"enabled\": true, \"auth\": {\"type\": \"basic\", \"username\": \"a\", "
	  "\"password\": \"secret\"}}}",
	  NULL,
	  { 0 },
	  "config: \"adminUi.auth.password\": expected a bcrypt hash" },
	{ "{\"adminUi\": {\"auth\": {\"type\": \"basic\", \"password\": \"" HASH "\"}}}",
	  NULL,
	  { 0 },
	  "config: \"adminUi.auth.username\": required" },
	{ "{\"adminUi\": {\"auth\": true}}",
	  NULL,
	  { 0 },
	  "config: \"adminUi.auth\": expected false or" },
	{ "{\"adminUi\": {\"auth\": false, \"mode\": \"test\"}}",
	  NULL,
	  { 0 },
	  "config: \"adminUi.mode\": expected \"development\" or \"production\"" },
	{ "{\"adminUi\": {\"auth\": false, \"namespaceName\": \"admin\"}}",
	  NULL,
	  { 0 },
	  "config: \"adminUi.namespaceName\": expected a namespace other than" },
};

START_TEST(errors_name_their_key)
{
	const struct bad *b = &bads[_i];
	char *env[] = { (char *)b->env, NULL };
	const char *flags[3] = { b->flag[0], b->flag[1], NULL };

	ck_assert_int_eq(load_argv(b->json, env, flags), SRV_CONFIG_ERR);
	ck_assert_msg(strstr(err, b->want), "case %d: got '%s', want '%s'", _i, err, b->want);
	ck_assert_ptr_null(strchr(err, '\n'));
	/* the config is freed on error; freeing again is harmless */
	ck_assert_ptr_null(cfg.path);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("srv_config");
	TCase *tc = tcase_create("load");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, allow_eio3);
	tcase_add_test(tc, example_job_dashboard);
	tcase_add_test(tc, example_family_stories);
	tcase_add_test(tc, example_image_hub);
	tcase_add_test(tc, example_chat);
	tcase_add_test(tc, example_without_secret);
	tcase_add_test(tc, precedence);
	tcase_add_test(tc, env_extras);
	tcase_add_test(tc, api_user_room_and_metrics_key);
	tcase_add_test(tc, parser_setting);
	tcase_add_test(tc, admin_ui_setting);
	tcase_add_test(tc, recovery_setting);
	tcase_add_test(tc, rs256_key_file);
	tcase_add_test(tc, invalid_json_position);
	tcase_add_test(tc, unreadable_config);
	tcase_add_test(tc, help_and_version);
	tcase_add_loop_test(tc, errors_name_their_key, 0, (int)(sizeof bads / sizeof *bads));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(config_suite());
}
