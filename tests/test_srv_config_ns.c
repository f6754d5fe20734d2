/* test_srv_config_ns.c - Check unit tests for sio-server's configuration
 * additions of issue 16: the "namespaces" section (names, per-namespace
 * auth, ifClaim, limits starting from the top level's, rooms and replies
 * parsed by the top level's parsers, every error with its key path), the
 * effective configuration as JSON with its secrets masked (what
 * --check-config prints) and a reload's split between what is put in force
 * and what needs a restart (srv_reload.c). No network, no loop: a reload is
 * applied to two loaded configurations and the running modules' objects.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../apps/sio-server/srv_config.h"
#include "../apps/sio-server/srv_config_dump.h"
#include "../apps/sio-server/srv_config_hooks.h"
#include "../apps/sio-server/srv_ns.h"
#include "../apps/sio-server/srv_reload.h"
#include "base/json.h"
#include "check_main.h"

#define SECRET "config-ns-test-secret-0123456789abcdef"

static srv_config cfg, cfg2;
static char err[512];
static char paths[32][64];
static int npaths;

static void teardown(void)
{
	srv_config_free(&cfg);
	srv_config_free(&cfg2);
	for (int i = 0; i < npaths; i++)
		unlink(paths[i]);
	npaths = 0;
}

static int load_into(srv_config *c, const char *text, char *const *envp)
{
	static char *const empty_env[] = { NULL };
	char *argv[] = { "sio-server", NULL };
	ck_assert_int_lt(npaths, 32);
	char *path = paths[npaths++];
	snprintf(path, 64, "/tmp/srv_config_ns_XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	err[0] = '\0';
	return srv_config_load(c, path, envp ? envp : empty_env, 1, argv, err, sizeof err);
}

static int load(const char *text)
{
	return load_into(&cfg, text, NULL);
}

#define AUTH "\"auth\": {\"algorithm\": \"HS256\", \"secret\": \"" SECRET "\"}, "

START_TEST(namespaces_parsed)
{
	ck_assert_int_eq(load("{" AUTH
	                      "\"limits\": {\"eventsPerMinute\": 50, \"maxRoomsPerSocket\": 7},"
	                      "\"namespaces\": {"
	                      " \"/chat\": {\"auth\": {\"required\": true, \"ifClaim\": {\"role\": "
	                      "\"member\"}},"
	                      "   \"limits\": {\"eventsPerMinute\": 3},"
	                      "   \"rooms\": {\"auto\": [{\"room\": \"user:{userId}\"}]},"
	                      "   \"replies\": {\"hello\": \"world\"}},"
	                      " \"/open\": {}}}"),
	                 SRV_CONFIG_OK);
	ck_assert_uint_eq(cfg.nnamespaces, 2);
	const srv_ns_cfg *c = &cfg.namespaces[0], *o = &cfg.namespaces[1];
	ck_assert_str_eq(c->name, "/chat");
	ck_assert(c->auth_required);
	ck_assert_uint_eq(c->if_claim.n, 1);
	ck_assert_str_eq(c->if_claim.v[0].key, "role");
	ck_assert_str_eq(c->if_claim.v[0].value, "member");
	ck_assert_int_eq(c->limits.events_per_minute, 3);
	ck_assert_int_eq(c->limits.max_rooms_per_socket, 7); /* the top level's */
	ck_assert_str_eq(c->limits.exceeded.code, "RATE_LIMIT_EXCEEDED");
	ck_assert_uint_eq(c->rooms.nautos, 1);
	ck_assert_str_eq(c->replies.v[0].key, "hello");
	ck_assert_str_eq(o->name, "/open");
	ck_assert(!o->auth_required);
	ck_assert_int_eq(o->limits.events_per_minute, 50);
	ck_assert_uint_eq(o->rooms.nautos, 0);
	/* the top level is untouched */
	ck_assert_int_eq(cfg.limits.events_per_minute, 50);
	ck_assert_uint_eq(cfg.rooms.nautos, 0);
	ck_assert_uint_eq(cfg.replies.n, 0);
}
END_TEST

START_TEST(dynamic_namespace_matches_whole_names)
{
	ck_assert_int_eq(load("{\"namespaces\": {\"^/tenant-[0-9]+$\": {}, \"/t\": {}}}"),
	                 SRV_CONFIG_OK);
	const srv_ns_cfg *d = &cfg.namespaces[0];
	ck_assert(d->dynamic);
	ck_assert(!cfg.namespaces[1].dynamic);
	ck_assert(srv_ns_cfg_matches(d, "/tenant-1"));
	ck_assert(srv_ns_cfg_matches(d, "/tenant-987"));
	ck_assert(!srv_ns_cfg_matches(d, "/tenant-"));
	ck_assert(!srv_ns_cfg_matches(d, "/tenant-1x"));
	ck_assert(!srv_ns_cfg_matches(d, "/x/tenant-1"));
	ck_assert(!srv_ns_cfg_matches(&cfg.namespaces[1], "/t"));
}
END_TEST

START_TEST(namespaces_errors)
{
	static const struct {
		const char *json, *want;
	} cases[] = {
		{ "{\"namespaces\": {\"chat\": {}}}",
		  "\"namespaces.chat\": a namespace starts with '/'" },
		{ "{\"namespaces\": {\"/\": {}}}",
		  "\"namespaces./\": \"/\" is configured at the top level" },
		{ "{\"namespaces\": {\"/a\": {\"limit\": {}}}}",
		  "\"namespaces./a.limit\": unknown key" },
		{ "{\"namespaces\": {\"/a\": {\"limits\": {\"eventsPerMinute\": -1}}}}",
		  "\"namespaces./a.limits.eventsPerMinute\": expected an integer" },
		{ "{\"namespaces\": {\"/a\": {\"auth\": {\"required\": true}}}}",
		  "\"namespaces./a.auth\": needs a JWT key" },
		{ "{\"namespaces\": {\"/a\": {\"auth\": {\"ifClaim\": {\"role\": 1}}}}}",
		  "\"namespaces./a.auth.ifClaim.role\": expected a string" },
		{ "{\"namespaces\": {\"/a\": {\"replies\": {\"connect\": \"x\"}}}}",
		  "reserved by socket.io" },
		{ "{\"namespaces\": {\"/a\": {}, \"/a\": {}}}", "duplicate" },
		{ "{\"namespaces\": []}", "\"namespaces\": expected an object" },
		{ "{\"namespaces\": {\"^/a(\": {}}}",
		  "\"namespaces.^/a(\": invalid regular expression" },
		{ "{\"adminUi\": {\"enabled\": true, \"auth\": false}, \"namespaces\": "
		  "{\"/admin\": {}}}",
		  "admin dashboard's namespace" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		ck_assert_int_eq(load(cases[i].json), SRV_CONFIG_ERR);
		ck_assert_msg(strstr(err, cases[i].want), "%s: got %s", cases[i].json, err);
		srv_config_free(&cfg);
	}
}
END_TEST

/* The dump as text, for looking into. */
static char *dump_text(const srv_config *c, bool reveal)
{
	base_buf b = BASE_BUF_INIT;
	base_jsonw w;
	base_jsonw_init(&w, &b);
	ck_assert_int_eq(srv_config_dump(c, &w, reveal), 0);
	base_buf_putc(&b, '\0');
	base_json doc;
	base_json_init(&doc);
	ck_assert_int_eq(base_json_parse(&doc, b.data, b.len - 1), 0);
	base_json_free(&doc);
	return b.data;
}

START_TEST(dump_masks_secrets)
{
	static char *const env[] = { "WEBSOCKET_API_KEY=env-api-key-1,env-api-key-2",
		                     "REDIS_URL=redis://user:redis-pass-1@127.0.0.1:6390/3",
		                     "WEBHOOK_SECRET=hook-secret-1", NULL };
	ck_assert_int_eq(load_into(&cfg,
	                           "{" AUTH "\"webhooks\": {\"url\": \"http://h/x?token=q-secret\","
	                           "\"events\": {\"a\": {}}},"
	                           "\"namespaces\": {\"/n\": {}}}",
	                           env),
	                 SRV_CONFIG_OK);
	char *t = dump_text(&cfg, false);
	static const char *const secrets[] = { SECRET,         "env-api-key-1", "env-api-key-2",
		                               "redis-pass-1", "hook-secret-1", "q-secret" };
	for (size_t i = 0; i < sizeof secrets / sizeof *secrets; i++)
		ck_assert_msg(!strstr(t, secrets[i]), "%s in %s", secrets[i], t);
	ck_assert_ptr_nonnull(strstr(t, "\"apiKeys\":[\"***\",\"***\"]"));
	ck_assert_ptr_nonnull(strstr(t, "\"secret\":\"***\""));
	ck_assert_ptr_nonnull(strstr(t, "\"password\":\"***\""));
	ck_assert_ptr_nonnull(strstr(t, "\"address\":\"redis://127.0.0.1:6390/3\""));
	ck_assert_ptr_nonnull(strstr(t, "\"url\":\"http://h/x\""));
	ck_assert_ptr_nonnull(strstr(t, "\"namespaces\":{\"/n\":{"));
	free(t);
	/* revealed, for a reload's comparison only */
	t = dump_text(&cfg, true);
	ck_assert_ptr_nonnull(strstr(t, SECRET));
	free(t);
}
END_TEST

START_TEST(reload_splits_live_and_restart)
{
	ck_assert_int_eq(load("{" AUTH "\"api\": {\"apiKeys\": [\"old-key-000001\"]},"
	                      "\"limits\": {\"eventsPerMinute\": 10, \"maxRoomsPerSocket\": 5}}"),
	                 SRV_CONFIG_OK);
	ck_assert_int_eq(
	        load_into(&cfg2,
	                  "{\"auth\": {\"algorithm\": \"HS256\", \"secret\": "
	                  "\"another-secret-0123456789abcdef0123\"},"
	                  "\"api\": {\"apiKeys\": [\"new-key-000002\"]},"
	                  "\"limits\": {\"eventsPerMinute\": 20, \"maxRoomsPerSocket\": 6},"
	                  "\"cors\": {\"origins\": [\"https://a.example\"]}, \"port\": 4000}",
	                  NULL),
	        SRV_CONFIG_OK);
	srv_auth *auth = srv_auth_new(&cfg, err, sizeof err);
	srv_limits *limits = srv_limits_new(&cfg, uv_default_loop(), NULL);
	ck_assert_ptr_nonnull(auth);
	ck_assert_ptr_nonnull(limits);
	char restart[256];
	ck_assert_int_eq(srv_reload_apply(&cfg, &cfg2, auth, limits, restart, sizeof restart, err,
	                                  sizeof err),
	                 0);
	ck_assert_str_eq(restart, "port"); /* cors is reloaded */
	ck_assert_str_eq(cfg.api.api_keys.v[0], "new-key-000002");
	ck_assert_str_eq(cfg.auth.secret, "another-secret-0123456789abcdef0123");
	ck_assert_int_eq(cfg.limits.events_per_minute, 20);
	ck_assert_int_eq(cfg.limits.max_rooms_per_socket, 6);
	ck_assert_int_eq(cfg.port, 3000); /* needs a restart */
	ck_assert_uint_eq(cfg.cors.origins.n, 1);
	ck_assert_str_eq(cfg.cors.origins.v[0], "https://a.example");
	ck_assert_uint_eq(cfg2.cors.origins.n, 0); /* the old list, to be freed */
	/* the old values went into cfg2, to be freed */
	ck_assert_str_eq(cfg2.api.api_keys.v[0], "old-key-000001");
	ck_assert_str_eq(cfg2.auth.secret, SECRET);
	srv_auth_free(auth);
	srv_limits_free(limits);
}
END_TEST

START_TEST(reload_room_rules_in_place)
{
	const char *rule = "{" AUTH "\"rooms\": {\"joinEvents\": [{\"join\": \"j\", \"room\": "
	                   "\"%s:{id}\", \"authorize\": \"none\"}]}, \"replies\": {\"a\": \"%s\"}}";
	char t1[512], t2[512], t3[512];
	snprintf(t1, sizeof t1, rule, "old", "b");
	snprintf(t2, sizeof t2, rule, "new", "c");
	ck_assert_int_eq(load(t1), SRV_CONFIG_OK);
	ck_assert_int_eq(load_into(&cfg2, t2, NULL), SRV_CONFIG_OK);
	srv_auth *auth = srv_auth_new(&cfg, err, sizeof err);
	srv_limits *limits = srv_limits_new(&cfg, uv_default_loop(), NULL);
	const srv_join_event *held = &cfg.rooms.joins[0]; /* as srv_rooms holds it */
	char restart[256];
	ck_assert_int_eq(srv_reload_apply(&cfg, &cfg2, auth, limits, restart, sizeof restart, err,
	                                  sizeof err),
	                 0);
	ck_assert_str_eq(restart, "");
	ck_assert_ptr_eq(held, &cfg.rooms.joins[0]);
	ck_assert_str_eq(held->room, "new:{id}");
	ck_assert_str_eq(cfg.replies.v[0].value, "c");
	srv_config_free(&cfg2);
	/* another event: the rules stay, a restart is named */
	snprintf(t3, sizeof t3,
	         "{" AUTH "\"rooms\": {\"joinEvents\": [{\"join\": \"k\", \"room\": "
	         "\"x:{id}\", \"authorize\": \"none\"}]}, \"replies\": {\"z\": \"c\"}}");
	ck_assert_int_eq(load_into(&cfg2, t3, NULL), SRV_CONFIG_OK);
	ck_assert_int_eq(srv_reload_apply(&cfg, &cfg2, auth, limits, restart, sizeof restart, err,
	                                  sizeof err),
	                 0);
	ck_assert_str_eq(restart, "rooms,replies");
	ck_assert_str_eq(cfg.rooms.joins[0].join, "j");
	ck_assert_str_eq(cfg.rooms.joins[0].room, "new:{id}");
	srv_auth_free(auth);
	srv_limits_free(limits);
}
END_TEST

START_TEST(reload_webhooks_secret)
{
	const char *t = "{\"webhooks\": {\"url\": \"http://127.0.0.1:9/%s\", \"secret\": \"%s\", "
	                "\"events\": {\"%s\": {}}}}";
	char t1[256], t2[256], t3[256];
	snprintf(t1, sizeof t1, t, "a", "hook-secret-one", "e");
	snprintf(t2, sizeof t2, t, "b", "hook-secret-two", "e");
	snprintf(t3, sizeof t3, t, "b", "hook-secret-two", "other");
	ck_assert_int_eq(load(t1), SRV_CONFIG_OK);
	ck_assert_int_eq(load_into(&cfg2, t2, NULL), SRV_CONFIG_OK);
	srv_auth *auth = srv_auth_new(&cfg, err, sizeof err);
	srv_limits *limits = srv_limits_new(&cfg, uv_default_loop(), NULL);
	const srv_config_webhooks *held = cfg.webhooks; /* as srv_webhook.c holds it */
	char restart[256];
	ck_assert_int_eq(srv_reload_apply(&cfg, &cfg2, auth, limits, restart, sizeof restart, err,
	                                  sizeof err),
	                 0);
	ck_assert_str_eq(restart, "");
	ck_assert_ptr_eq(held, cfg.webhooks);
	ck_assert_str_eq(held->secret, "hook-secret-two");
	ck_assert_str_eq(held->url, "http://127.0.0.1:9/b");
	srv_config_free(&cfg2);
	ck_assert_int_eq(load_into(&cfg2, t3, NULL), SRV_CONFIG_OK);
	ck_assert_int_eq(srv_reload_apply(&cfg, &cfg2, auth, limits, restart, sizeof restart, err,
	                                  sizeof err),
	                 0);
	ck_assert_str_eq(restart, "webhooks");
	ck_assert_str_eq(cfg.webhooks->events[0].event, "e");
	srv_auth_free(auth);
	srv_limits_free(limits);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("srv_config_ns");
	TCase *tc = tcase_create("ns");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, namespaces_parsed);
	tcase_add_test(tc, namespaces_errors);
	tcase_add_test(tc, dynamic_namespace_matches_whole_names);
	tcase_add_test(tc, dump_masks_secrets);
	tcase_add_test(tc, reload_splits_live_and_restart);
	tcase_add_test(tc, reload_room_rules_in_place);
	tcase_add_test(tc, reload_webhooks_secret);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(suite());
}
