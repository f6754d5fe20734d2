/* test_srv_webhook.c - Check unit tests for the backend bridge's pure
 * parts and its configuration:
 *   - the signature: the value a node backend computes with
 *     crypto.createHmac('sha256', secret).update(`${t}.${body}`) (the
 *     expected hex below was computed that way), and that any change of
 *     secret, time or body changes it;
 *   - the circuit breaker: opens after N consecutive failures (a success
 *     resets the count), fails fast during the cool-down, lets exactly one
 *     trial through when half-open, closes on its success and reopens on
 *     its failure; a cancelled trial frees the slot;
 *   - the metrics section: counters by hook and outcome, the histogram,
 *     label escaping;
 *   - "webhooks", "relay" and auth.refreshEvent in the configuration: defaults, the secret
 *     from the environment (winning over the file), and errors naming
 *     their key; the example apps/sio-server/examples/chat.json loads, its
 *     backend's URL from WEBHOOK_URL.
 * Time is injected: no sleeps. Clean under valgrind, CK_FORK=no.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../apps/sio-server/srv_config.h"
#include "../apps/sio-server/srv_config_hooks.h"
#include "../apps/sio-server/srv_webhook_breaker.h"
#include "../apps/sio-server/srv_webhook_metrics.h"
#include "../apps/sio-server/srv_webhook_sign.h"
#include "srv_config_fixture.h"
#include "check_main.h"

/* ---- signature --------------------------------------------------------------------- */

START_TEST(signature_matches_node)
{
	char sig[SRV_SIGNATURE_MAX];
	const char body[] = "{\"event\":\"x\"}";
	ck_assert_int_eq(srv_webhook_sign("s3cret", 1700000000, body, strlen(body), sig), 0);
	ck_assert_str_eq(sig, "t=1700000000,v1="
	                      "546f0c8c62583fbe447af526f279d1039276c23e82e263a32b8b71379eac5faf");
	char other[SRV_SIGNATURE_MAX];
	srv_webhook_sign("s3cret!", 1700000000, body, strlen(body), other);
	ck_assert_str_ne(sig + 16, other + 16);
	srv_webhook_sign("s3cret", 1700000001, body, strlen(body), other);
	ck_assert_str_ne(sig + 16, other + 16);
	srv_webhook_sign("s3cret", 1700000000, body, strlen(body) - 1, other);
	ck_assert_str_ne(sig + 16, other + 16);
}
END_TEST

/* ---- breaker -------------------------------------------------------------------------- */

START_TEST(breaker_opens_after_consecutive_failures)
{
	srv_breaker b;
	srv_breaker_init(&b, 3, 1000);
	for (int i = 0; i < 2; i++) {
		ck_assert(srv_breaker_allow(&b, 0));
		srv_breaker_result(&b, false, 0);
	}
	ck_assert(srv_breaker_allow(&b, 0));
	srv_breaker_result(&b, true, 0); /* a success resets the count */
	for (int i = 0; i < 2; i++) {
		ck_assert(srv_breaker_allow(&b, 10));
		srv_breaker_result(&b, false, 10);
	}
	ck_assert_int_eq(b.state, SRV_BREAKER_CLOSED);
	ck_assert(srv_breaker_allow(&b, 10));
	srv_breaker_result(&b, false, 10);
	ck_assert_int_eq(b.state, SRV_BREAKER_OPEN);
	ck_assert_uint_eq(b.opened, 1);
	ck_assert(!srv_breaker_allow(&b, 11));
	ck_assert(!srv_breaker_allow(&b, 1009));
}
END_TEST

START_TEST(breaker_half_open_one_trial)
{
	srv_breaker b;
	srv_breaker_init(&b, 1, 1000);
	ck_assert(srv_breaker_allow(&b, 0));
	srv_breaker_result(&b, false, 0);
	ck_assert(!srv_breaker_allow(&b, 999));
	/* cool-down over: one trial, the others still fail fast */
	ck_assert(srv_breaker_allow(&b, 1000));
	ck_assert_int_eq(b.state, SRV_BREAKER_HALF_OPEN);
	ck_assert(!srv_breaker_allow(&b, 1001));
	srv_breaker_result(&b, false, 1002); /* the trial failed: open again */
	ck_assert_int_eq(b.state, SRV_BREAKER_OPEN);
	ck_assert(!srv_breaker_allow(&b, 2001));
	ck_assert(srv_breaker_allow(&b, 2002));
	srv_breaker_cancel(&b); /* not sent: the next may try */
	ck_assert(srv_breaker_allow(&b, 2003));
	srv_breaker_result(&b, true, 2004);
	ck_assert_int_eq(b.state, SRV_BREAKER_CLOSED);
	ck_assert(srv_breaker_allow(&b, 2005));
	ck_assert(srv_breaker_allow(&b, 2005));
}
END_TEST

START_TEST(breaker_late_failure_while_open_is_ignored)
{
	srv_breaker b;
	srv_breaker_init(&b, 2, 500);
	ck_assert(srv_breaker_allow(&b, 0));
	ck_assert(srv_breaker_allow(&b, 0));
	ck_assert(srv_breaker_allow(&b, 0));
	srv_breaker_result(&b, false, 1);
	srv_breaker_result(&b, false, 2); /* opens until 502 */
	srv_breaker_result(&b, false, 3); /* sent before it opened */
	ck_assert_uint_eq(b.opened, 1);
	ck_assert_uint_eq(b.open_until, 502);
}
END_TEST

/* ---- metrics ---------------------------------------------------------------------------- */

START_TEST(metrics_render)
{
	const char *names[] = { "message:send", "we\"ird", "connect" };
	srv_breaker b;
	srv_breaker_init(&b, 1, 10);
	srv_webhook_metrics *wm = srv_webhook_metrics_new(names, 3, &b);
	ck_assert_ptr_nonnull(wm);
	srv_webhook_metrics_observe(wm, 0, SRV_HOOK_OK, 3);
	srv_webhook_metrics_observe(wm, 0, SRV_HOOK_OK, 30);
	srv_webhook_metrics_observe(wm, 0, SRV_HOOK_BUSY, -1); /* not sent: no latency */
	srv_webhook_metrics_observe(wm, 2, SRV_HOOK_TIMEOUT, 5000);
	srv_webhook_metrics_observe(wm, 7, SRV_HOOK_OK, 1); /* unknown hook: ignored */
	ck_assert_uint_eq(srv_webhook_metrics_count(wm, 0, SRV_HOOK_OK), 2);
	srv_breaker_result(&b, false, 0);
	base_buf out;
	base_buf_init(&out);
	ck_assert_int_eq(srv_webhook_metrics_render(&out, wm), 0);
	base_buf_putc(&out, '\0');
	const char *t = out.data;
	ck_assert_ptr_nonnull(
	        strstr(t, "sio_webhook_requests_total{hook=\"message:send\",outcome=\"ok\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(
	        t, "sio_webhook_requests_total{hook=\"message:send\",outcome=\"busy\"} 1\n"));
	ck_assert_ptr_nonnull(
	        strstr(t, "sio_webhook_requests_total{hook=\"we\\\"ird\",outcome=\"ok\"} 0\n"));
	ck_assert_ptr_nonnull(
	        strstr(t, "sio_webhook_duration_seconds_bucket{hook=\"message:send\",le=\"0.005\"} "
	                  "1\n"));
	ck_assert_ptr_nonnull(
	        strstr(t, "sio_webhook_duration_seconds_bucket{hook=\"message:send\",le=\"0.05\"} "
	                  "2\n"));
	ck_assert_ptr_nonnull(
	        strstr(t, "sio_webhook_duration_seconds_count{hook=\"message:send\"} 2\n"));
	ck_assert_ptr_nonnull(
	        strstr(t, "sio_webhook_duration_seconds_bucket{hook=\"connect\",le=\"2.5\"} 0\n"));
	ck_assert_ptr_nonnull(
	        strstr(t, "sio_webhook_duration_seconds_bucket{hook=\"connect\",le=\"5\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(t, "sio_webhook_circuit_open 1\n"));
	ck_assert_ptr_nonnull(strstr(t, "sio_webhook_circuit_opened_total 1\n"));
	base_buf_free(&out);
	srv_webhook_metrics_free(wm);
}
END_TEST

/* ---- configuration ---------------------------------------------------------------------- */

static int load(const char *json)
{
	return cfg_load_env(json, NULL);
}

START_TEST(config_defaults)
{
	ck_assert_int_eq(
	        load("{\"webhooks\": {\"url\": \"http://127.0.0.1:4000/hooks\", \"secret\": "
	             "\"k\", \"events\": {\"message:send\": true, \"fire\": {\"ack\": "
	             "false, \"timeoutMs\": 250}}, \"connect\": true, \"disconnect\": "
	             "{\"retries\": 5}}}"),
	        SRV_CONFIG_OK);
	const srv_config_webhooks *w = cfg.webhooks;
	ck_assert_ptr_nonnull(w);
	ck_assert_str_eq(w->url, "http://127.0.0.1:4000/hooks");
	ck_assert_str_eq(w->secret, "k");
	ck_assert_int_eq(w->timeout_ms, 5000);
	ck_assert_int_eq(w->max_concurrent, 16);
	ck_assert_int_eq(w->max_queued, 1000);
	ck_assert_int_eq(w->breaker_failures, 5);
	ck_assert_int_eq(w->breaker_cooldown_ms, 10000);
	ck_assert_uint_eq(w->nevents, 2);
	ck_assert_str_eq(w->events[0].event, "message:send");
	ck_assert(w->events[0].ack);
	ck_assert_int_eq(w->events[0].timeout_ms, 0);
	ck_assert(!w->events[1].ack);
	ck_assert_int_eq(w->events[1].timeout_ms, 250);
	ck_assert(w->connect);
	ck_assert(!w->connect_fail_open);
	ck_assert(w->disconnect);
	ck_assert_int_eq(w->disconnect_retries, 5);
	ck_assert_int_eq(w->disconnect_backoff_ms, 500);
	ck_assert_ptr_null(cfg.relay);
}
END_TEST

START_TEST(config_secret_from_env)
{
	char *env[] = { "HOOKS_KEY=from-env", NULL };
	ck_assert_int_eq(
	        cfg_load_env("{\"webhooks\": {\"url\": \"https://b.example/h\", \"secret\": "
	                     "\"file\", \"secretEnv\": \"HOOKS_KEY\"}}",
	                     env),
	        SRV_CONFIG_OK);
	ck_assert_str_eq(cfg.webhooks->secret, "from-env");
	srv_config_free(&cfg);
	unlink(tmp_path);
	char *env2[] = { "WEBHOOK_SECRET=default-var", NULL };
	ck_assert_int_eq(cfg_load_env("{\"webhooks\": {\"url\": \"https://b.example/h\"}}", env2),
	                 SRV_CONFIG_OK);
	ck_assert_str_eq(cfg.webhooks->secret, "default-var");
}
END_TEST

START_TEST(config_relay)
{
	ck_assert_int_eq(
	        load("{\"relay\": [{\"event\": \"typing\", \"emit\": \"status:typing\", "
	             "\"room\": \"conversation:{conversationId}\", \"enrich\": {\"userId\": "
	             "\"{userId}\"}, \"rateLimitPerMinute\": 30}, {\"event\": \"cursor\", "
	             "\"room\": \"doc:{docId}\", \"exceptSender\": false, "
	             "\"requireMember\": false}]}"),
	        SRV_CONFIG_OK);
	const srv_config_relay *r = cfg.relay;
	ck_assert_uint_eq(r->n, 2);
	ck_assert_str_eq(r->v[0].event, "typing");
	ck_assert_str_eq(r->v[0].emit, "status:typing");
	ck_assert_str_eq(r->v[0].room, "conversation:{conversationId}");
	ck_assert(r->v[0].except_sender);
	ck_assert(r->v[0].require_member);
	ck_assert_uint_eq(r->v[0].enrich.n, 1);
	ck_assert_str_eq(r->v[0].enrich.v[0].key, "userId");
	ck_assert_str_eq(r->v[0].enrich.v[0].value, "{userId}");
	ck_assert_int_eq(r->v[0].rate_limit_per_minute, 30);
	ck_assert_ptr_null(r->v[1].emit);
	ck_assert(!r->v[1].except_sender);
	ck_assert(!r->v[1].require_member);
}
END_TEST

/* The example chat server with its backend (docs/sio-server.md). */
START_TEST(config_example_chat_backend)
{
	static char *const env[] = { "JWT_ACCESS_SECRET=example-jwt-secret-0123456789abcdef",
		                     "WEBHOOK_SECRET=example-hook-secret", NULL };
	static char *const env_url[] = { "JWT_ACCESS_SECRET=example-jwt-secret-0123456789abcdef",
		                         "WEBHOOK_SECRET=example-hook-secret",
		                         "WEBHOOK_URL=https://backend.internal/hooks", NULL };
	static char *const env_bad[] = { "JWT_ACCESS_SECRET=example-jwt-secret-0123456789abcdef",
		                         "WEBHOOK_SECRET=example-hook-secret",
		                         "WEBHOOK_URL=backend.internal", NULL };
	char *argv[] = { "sio-server", "--config", "apps/sio-server/examples/chat.json", NULL };
	ck_assert_int_eq(srv_config_load(&cfg, NULL, env, 3, argv, err, sizeof(err)),
	                 SRV_CONFIG_OK);
	ck_assert_str_eq(cfg.webhooks->secret, "example-hook-secret");
	ck_assert_str_eq(cfg.webhooks->url, "http://127.0.0.1:4000/socket-hooks");
	ck_assert_uint_eq(cfg.webhooks->nevents, 4);
	ck_assert(cfg.webhooks->connect);
	ck_assert(cfg.webhooks->connect_fail_open);
	ck_assert(cfg.webhooks->disconnect);
	ck_assert_uint_eq(cfg.relay->n, 1);
	ck_assert_str_eq(cfg.relay->v[0].emit, "status:typing");
	srv_config_free(&cfg);
	ck_assert_int_eq(srv_config_load(&cfg, NULL, env_url, 3, argv, err, sizeof(err)),
	                 SRV_CONFIG_OK);
	ck_assert_str_eq(cfg.webhooks->url, "https://backend.internal/hooks");
	srv_config_free(&cfg);
	ck_assert_int_eq(srv_config_load(&cfg, NULL, env_bad, 3, argv, err, sizeof(err)),
	                 SRV_CONFIG_ERR);
	ck_assert_msg(strstr(err, "WEBHOOK_URL: expected an http:// or https:// URL"), "%s", err);
}
END_TEST

static const struct {
	const char *json, *want;
} bad[] = {
	{ "{\"webhooks\": {\"secret\": \"k\"}}", "\"webhooks.url\": required" },
	{ "{\"webhooks\": {\"url\": \"ftp://x/\", \"secret\": \"k\"}}",
	  "\"webhooks.url\": expected an http:// or https:// URL, got \"ftp://x/\"" },
	{ "{\"webhooks\": {\"url\": \"http://x/\"}}",
	  "\"webhooks.secret\": required: set it or the WEBHOOK_SECRET environment variable" },
	{ "{\"webhooks\": {\"url\": \"http://x/\", \"secret\": \"k\", \"timeout\": 5}}",
	  "\"webhooks.timeout\": unknown key" },
	{ "{\"webhooks\": {\"url\": \"http://x/\", \"secret\": \"k\", \"events\": {\"m\": "
	  "{\"ack\": "
	  "\"yes\"}}}}",
	  "\"webhooks.events.m.ack\": expected a boolean, got a string" },
	{ "{\"webhooks\": {\"url\": \"http://x/\", \"secret\": \"k\", \"events\": {\"connect\": "
	  "true}}}",
	  "\"webhooks.events.connect\": reserved by socket.io" },
	{ "{\"webhooks\": {\"url\": \"http://x/\", \"secret\": \"k\", \"maxConcurrent\": 0}}",
	  "\"webhooks.maxConcurrent\"" },
	{ "{\"webhooks\": {\"url\": \"http://x/\", \"secret\": \"k\", \"connect\": {\"onError\": "
	  "\"ignore\"}}}",
	  "\"webhooks.connect.onError\": expected \"refuse\" or \"accept\", got \"ignore\"" },
	{ "{\"webhooks\": {\"url\": \"http://x/\", \"secret\": \"k\", \"disconnect\": "
	  "{\"retries\": "
	  "11}}}",
	  "\"webhooks.disconnect.retries\"" },
	{ "{\"relay\": [{\"event\": \"typing\"}]}", "\"relay[0].room\": required" },
	{ "{\"relay\": [{\"room\": \"r\"}]}", "\"relay[0].event\": required" },
	{ "{\"relay\": [{\"event\": \"t\", \"room\": \"c:{id\"}]}",
	  "\"relay[0].room\": unclosed '{' in \"c:{id\"" },
	{ "{\"relay\": [{\"event\": \"t\", \"room\": \"c:{}\"}]}",
	  "\"relay[0].room\": empty or invalid placeholder" },
	{ "{\"relay\": [{\"event\": \"t\", \"room\": \"r\", \"enrich\": {\"userId\": 5}}]}",
	  "\"relay[0].enrich.userId\": expected a string template, got a number" },
	{ "{\"relay\": [{\"event\": \"t\", \"room\": \"r\", \"emit\": \"disconnect\"}]}",
	  "\"relay[0].emit\": reserved by socket.io" },
	{ "{\"relay\": {\"event\": \"t\"}}", "\"relay\": expected an array, got an object" },
	{ "{\"relay\": [{\"event\": \"m\", \"room\": \"r\"}], \"webhooks\": {\"url\": "
	  "\"http://x/\", "
	  "\"secret\": \"k\", \"events\": {\"m\": true}}}",
	  "\"relay[0].event\": \"m\" is also a webhook event" },
	{ "{\"auth\": {\"refreshEvent\": \"disconnect\"}}",
	  "\"auth.refreshEvent\": reserved by socket.io" },
	{ "{\"auth\": {\"refreshEvent\": \"t\"}, \"relay\": [{\"event\": \"t\", \"room\": \"r\"}]}",
	  "\"auth.refreshEvent\": \"t\" is also a webhook or relay event" },
};

START_TEST(config_errors)
{
	ck_assert_int_eq(load(bad[_i].json), SRV_CONFIG_ERR);
	ck_assert_msg(strstr(err, bad[_i].want), "case %d: got \"%s\", want \"%s\"", _i, err,
	              bad[_i].want);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("srv_webhook");
	TCase *tc = tcase_create("pure");
	tcase_add_test(tc, signature_matches_node);
	tcase_add_test(tc, breaker_opens_after_consecutive_failures);
	tcase_add_test(tc, breaker_half_open_one_trial);
	tcase_add_test(tc, breaker_late_failure_while_open_is_ignored);
	tcase_add_test(tc, metrics_render);
	suite_add_tcase(s, tc);
	TCase *c = tcase_create("config");
	tcase_add_checked_fixture(c, NULL, cfg_teardown);
	tcase_add_test(c, config_defaults);
	tcase_add_test(c, config_secret_from_env);
	tcase_add_test(c, config_relay);
	tcase_add_test(c, config_example_chat_backend);
	tcase_add_loop_test(c, config_errors, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	suite_add_tcase(s, c);
	return s;
}

int main(void)
{
	return check_main_run(suite());
}
