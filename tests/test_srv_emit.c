/* test_srv_emit.c - Check unit tests for sio-server's broadcast routing
 * (srv_emit: globs, fan-in target sets, throttle rules, the throttle table
 * with a fake clock) and its metrics text (srv_metrics).
 *
 * The job dashboard depends on these: progress for job:<id> must also reach
 * all-jobs, each client once; at most one progress event per 200 ms per job
 * must go out, and it must be the latest. The throttle table takes the time
 * as an argument, so no test sleeps. Configurations are loaded with
 * srv_config_load (the example file, or a temporary file), as the server
 * does. Runs from the repository root.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../apps/sio-server/srv_config.h"
#include "../apps/sio-server/srv_emit.h"
#include "../apps/sio-server/srv_metrics.h"
#include "srv_config_fixture.h"
#include "check_main.h"

static void load_file(const char *path)
{
	ck_assert_msg(cfg_load_path(path, NULL) == 0, "%s", err);
}

static void load_json(const char *json)
{
	ck_assert_msg(cfg_load_env(json, NULL) == 0, "%s", err);
}

/* ---- globs ------------------------------------------------------------------- */

START_TEST(glob_matching)
{
	ck_assert(srv_glob_match("job:*", "job:507f1f77bcf86cd799439011"));
	ck_assert(srv_glob_match("job:*", "job:"));
	ck_assert(!srv_glob_match("job:*", "jobs:1"));
	ck_assert(!srv_glob_match("job:*", "xjob:1"));
	ck_assert(!srv_glob_match("job:*", "job"));
	ck_assert(srv_glob_match("*", ""));
	ck_assert(srv_glob_match("*", "anything:at:all"));
	ck_assert(srv_glob_match("all-jobs", "all-jobs"));
	ck_assert(!srv_glob_match("all-jobs", "all-jobs2"));
	ck_assert(!srv_glob_match("all-jobs", "all-job"));
	ck_assert(srv_glob_match("a*b*c", "aXXbYYc"));
	ck_assert(srv_glob_match("a*b*c", "abc"));
	ck_assert(!srv_glob_match("a*b*c", "acb"));
	ck_assert(srv_glob_match("a*ab", "aaab")); /* needs backtracking */
	ck_assert(srv_glob_match("*:*:x", "p:q:r:x"));
	ck_assert(!srv_glob_match("*:x", "p:x:y"));
	ck_assert(srv_glob_match("**", "abc"));
}
END_TEST

/* ---- fan-in ------------------------------------------------------------------ */

START_TEST(fan_in_job_dashboard)
{
	const char *t[8];
	load_file("apps/sio-server/examples/job-dashboard.json");
	size_t n = srv_fan_in_targets(&cfg, "job:507f1f77bcf86cd799439011", t, 8);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(t[0], "job:507f1f77bcf86cd799439011");
	ck_assert_str_eq(t[1], "all-jobs");
	n = srv_fan_in_targets(&cfg, "server:a1", t, 8);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(t[0], "server:a1");
	n = srv_fan_in_targets(&cfg, "all-jobs", t, 8); /* not duplicated */
	ck_assert_uint_eq(n, 1);
}
END_TEST

START_TEST(fan_in_rules_deduplicated)
{
	const char *t[8];
	load_json("{\"rooms\": {\"fanIn\": {\"job:*\": [\"all-jobs\"], "
	          "\"job:1*\": [\"all-jobs\", \"ones\", \"job:1x\"], \"*\": [\"audit\"]}}}");
	size_t n = srv_fan_in_targets(&cfg, "job:1x", t, 8);
	ck_assert_uint_eq(n, 4); /* job:1x, all-jobs, ones, audit: each once */
	ck_assert_str_eq(t[0], "job:1x");
	ck_assert_str_eq(t[1], "all-jobs");
	ck_assert_str_eq(t[2], "ones");
	ck_assert_str_eq(t[3], "audit");
	n = srv_fan_in_targets(&cfg, "job:2", t, 8);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(t[2], "audit");
	n = srv_fan_in_targets(&cfg, "job:1x", t, 2); /* capped */
	ck_assert_uint_eq(n, 2);
}
END_TEST

START_TEST(throttle_rules)
{
	load_json("{\"throttle\": [{\"rooms\": \"job:*\", \"intervalMs\": 200, "
	          "\"events\": [\"job:progress\"]}, {\"rooms\": \"*\", \"intervalMs\": 1000}]}");
	const srv_throttle *r = srv_throttle_rule(&cfg, "job:1", "job:progress");
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->interval_ms, 200);
	r = srv_throttle_rule(&cfg, "job:1", "job:done"); /* not listed: next rule */
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->interval_ms, 1000);
	cfg_teardown();
	load_file("apps/sio-server/examples/job-dashboard.json");
	r = srv_throttle_rule(&cfg, "job:1", "anything"); /* no events: every event */
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->interval_ms, 200);
	ck_assert_ptr_null(srv_throttle_rule(&cfg, "all-jobs", "job:progress"));
}
END_TEST

/* ---- the throttle table ------------------------------------------------------- */

typedef struct sent {
	char room[32], event[32], data[64];
	bool has_data;
} sent;
static sent sends[16];
static int nsends;

static void record(const char *room, const char *event, const char *data, size_t len, void *u)
{
	(void)u;
	ck_assert_int_lt(nsends, 16);
	sent *s = &sends[nsends++];
	snprintf(s->room, sizeof(s->room), "%s", room);
	snprintf(s->event, sizeof(s->event), "%s", event);
	s->has_data = data != NULL;
	snprintf(s->data, sizeof(s->data), "%.*s", (int)len, data ? data : "");
}

#define OFFER(t, room, data, now) \
	srv_throttle_offer(t, room, "job:progress", 200, data, strlen(data), now)

START_TEST(throttle_latest_wins)
{
	srv_throttle_table *t = srv_throttle_new(16);
	nsends = 0;
	ck_assert_int_eq(OFFER(t, "job:a", "{\"p\":1}", 1000), SRV_THROTTLE_SEND);
	ck_assert_uint_eq(srv_throttle_next(t), 1200);
	ck_assert_int_eq(OFFER(t, "job:a", "{\"p\":2}", 1050), SRV_THROTTLE_DEFERRED);
	ck_assert_int_eq(OFFER(t, "job:a", "{\"p\":3}", 1100), SRV_THROTTLE_DEFERRED);
	ck_assert_int_eq(OFFER(t, "job:b", "{\"p\":9}", 1100), SRV_THROTTLE_SEND); /* own key */
	srv_throttle_expire(t, 1199, record, NULL);
	ck_assert_int_eq(nsends, 0); /* the interval has not ended */
	srv_throttle_expire(t, 1200, record, NULL);
	ck_assert_int_eq(nsends, 1); /* only the latest, once */
	ck_assert_str_eq(sends[0].room, "job:a");
	ck_assert_str_eq(sends[0].event, "job:progress");
	ck_assert_str_eq(sends[0].data, "{\"p\":3}");
	/* sending the pending one started a new interval */
	ck_assert_int_eq(OFFER(t, "job:a", "{\"p\":4}", 1250), SRV_THROTTLE_DEFERRED);
	srv_throttle_expire(t, 1300, record, NULL); /* job:b idle: dropped */
	ck_assert_int_eq(nsends, 1);
	ck_assert_uint_eq(srv_throttle_count(t), 1);
	srv_throttle_expire(t, 1400, record, NULL);
	ck_assert_int_eq(nsends, 2);
	ck_assert_str_eq(sends[1].data, "{\"p\":4}");
	srv_throttle_expire(t, 1600, record, NULL); /* idle interval: entry dropped */
	ck_assert_uint_eq(srv_throttle_count(t), 0);
	ck_assert_uint_eq(srv_throttle_next(t), UINT64_MAX);
	ck_assert_int_eq(OFFER(t, "job:a", "{\"p\":5}", 1700), SRV_THROTTLE_SEND);
	ck_assert_int_eq(nsends, 2);
	srv_throttle_free(t);
}
END_TEST

START_TEST(throttle_events_are_separate_keys)
{
	srv_throttle_table *t = srv_throttle_new(16);
	nsends = 0;
	ck_assert_int_eq(srv_throttle_offer(t, "job:a", "e1", 200, NULL, 0, 0), SRV_THROTTLE_SEND);
	ck_assert_int_eq(srv_throttle_offer(t, "job:a", "e2", 200, NULL, 0, 10), SRV_THROTTLE_SEND);
	ck_assert_int_eq(srv_throttle_offer(t, "job:a", "e1", 200, NULL, 0, 20),
	                 SRV_THROTTLE_DEFERRED);
	srv_throttle_expire(t, 200, record, NULL);
	ck_assert_int_eq(nsends, 1);
	ck_assert_str_eq(sends[0].event, "e1");
	ck_assert(!sends[0].has_data); /* no argument stays none */
	srv_throttle_free(t);
}
END_TEST

START_TEST(throttle_late_timer_and_cap)
{
	srv_throttle_table *t = srv_throttle_new(2);
	nsends = 0;
	ck_assert_int_eq(OFFER(t, "job:a", "1", 0), SRV_THROTTLE_SEND);
	/* the interval ended but the timer has not run yet: send at once */
	ck_assert_int_eq(OFFER(t, "job:a", "2", 250), SRV_THROTTLE_SEND);
	ck_assert_uint_eq(srv_throttle_next(t), 450);
	ck_assert_int_eq(OFFER(t, "job:b", "1", 260), SRV_THROTTLE_SEND);
	ck_assert_int_eq(OFFER(t, "job:c", "1", 270), SRV_THROTTLE_FULL); /* bounded */
	ck_assert_uint_eq(srv_throttle_count(t), 2);
	ck_assert_int_eq(OFFER(t, "job:b", "2", 280), SRV_THROTTLE_DEFERRED);
	srv_throttle_free(t); /* frees a pending payload too (valgrind) */
	ck_assert_int_eq(nsends, 0);
}
END_TEST

/* Pending payloads are bounded in bytes, not only in entries: 4096 entries
 * of maxHttpBufferSize each would be gigabytes. Past the bound a payload is
 * sent at once, its entry's older pending payload is dropped (it is older,
 * so the latest still wins) and a new interval starts. */
START_TEST(throttle_pending_bytes_bounded)
{
	srv_throttle_table *t = srv_throttle_new(16);
	srv_throttle_set_max_pending(t, 10);
	nsends = 0;
	ck_assert_int_eq(OFFER(t, "job:a", "first", 0), SRV_THROTTLE_SEND);
	ck_assert_int_eq(OFFER(t, "job:a", "12345678", 10), SRV_THROTTLE_DEFERRED);
	ck_assert_uint_eq(srv_throttle_pending_bytes(t), 8);
	ck_assert_int_eq(OFFER(t, "job:b", "first", 20), SRV_THROTTLE_SEND);
	ck_assert_int_eq(OFFER(t, "job:b", "123", 30), SRV_THROTTLE_FULL); /* 8 + 3 > 10 */
	ck_assert_uint_eq(srv_throttle_pending_bytes(t), 8);
	/* job:a's own payload is replaced, so 9 fits */
	ck_assert_int_eq(OFFER(t, "job:a", "123456789", 40), SRV_THROTTLE_DEFERRED);
	ck_assert_uint_eq(srv_throttle_pending_bytes(t), 9);
	/* one payload over the bound alone: sent now, job:a's older one dropped,
     * a new interval from now */
	ck_assert_int_eq(OFFER(t, "job:a", "12345678901", 50), SRV_THROTTLE_FULL);
	ck_assert_uint_eq(srv_throttle_pending_bytes(t), 0);
	ck_assert_uint_eq(srv_throttle_next(t), 230); /* job:b's new interval */
	srv_throttle_expire(t, 230, record, NULL);
	ck_assert_int_eq(nsends, 0); /* nothing stale sent later */
	ck_assert_int_eq(OFFER(t, "job:a", "x", 60), SRV_THROTTLE_DEFERRED);
	srv_throttle_expire(t, 250, record, NULL);
	ck_assert_int_eq(nsends, 1);
	ck_assert_str_eq(sends[0].room, "job:a");
	ck_assert_str_eq(sends[0].data, "x");
	ck_assert_uint_eq(srv_throttle_pending_bytes(t), 0);
	srv_throttle_free(t);
}
END_TEST

/* ---- metrics ------------------------------------------------------------------ */

START_TEST(metrics_bounded_and_escaped)
{
	srv_metrics *m = srv_metrics_new(NULL);
	char name[32];
	for (int i = 0; i < SRV_METRICS_MAX_NAMES + 10; i++) {
		snprintf(name, sizeof(name), "ev%d", i);
		srv_metrics_event_received(m, name);
	}
	srv_metrics_event_received(m, "ev0");
	srv_metrics_event_sent(m, "say \"hi\"\\\n", 3);
	srv_metrics_error(m, "rate_limited");
	srv_metrics_error(m, "rate_limited");
	srv_metrics_http(m, 401);
	srv_metrics_observe_handshake(m, 3);     /* 0.003 s */
	srv_metrics_observe_handshake(m, 20000); /* above every bucket */
	size_t len;
	char *text = srv_metrics_render(m, &len);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(strlen(text), len);
	ck_assert_ptr_nonnull(strstr(text, "\nsio_events_received_total{event=\"ev0\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nsio_events_received_total{event=\"_other\"} 10\n"));
	ck_assert_ptr_null(strstr(text, "event=\"ev64\""));
	ck_assert_ptr_nonnull(
	        strstr(text, "sio_events_sent_total{event=\"say \\\"hi\\\"\\\\\\n\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(text, "sio_errors_total{kind=\"rate_limited\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "sio_http_requests_total{code=\"401\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "# TYPE sio_connections gauge\nsio_connections 0\n"));
	ck_assert_ptr_nonnull(
	        strstr(text, "sio_handshake_duration_seconds_bucket{le=\"0.001\"} 0\n"));
	ck_assert_ptr_nonnull(
	        strstr(text, "sio_handshake_duration_seconds_bucket{le=\"0.005\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "sio_handshake_duration_seconds_bucket{le=\"5\"} 1\n"));
	ck_assert_ptr_nonnull(
	        strstr(text, "sio_handshake_duration_seconds_bucket{le=\"+Inf\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "sio_handshake_duration_seconds_count 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "sio_handshake_duration_seconds_sum 20.003000\n"));
	free(text);
	srv_metrics_free(m);
}
END_TEST

static Suite *emit_suite(void)
{
	Suite *s = suite_create("srv_emit");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, NULL, cfg_teardown);
	tcase_add_test(tc, glob_matching);
	tcase_add_test(tc, fan_in_job_dashboard);
	tcase_add_test(tc, fan_in_rules_deduplicated);
	tcase_add_test(tc, throttle_rules);
	tcase_add_test(tc, throttle_latest_wins);
	tcase_add_test(tc, throttle_events_are_separate_keys);
	tcase_add_test(tc, throttle_late_timer_and_cap);
	tcase_add_test(tc, throttle_pending_bytes_bounded);
	tcase_add_test(tc, metrics_bounded_and_escaped);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(emit_suite());
}
