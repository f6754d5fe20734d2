/* test_redis_options.c - Check tests of the Redis adapter's options
 * (modules/redis/redis_options.c).
 *
 * A user writes REDIS_URL the way node's redis client takes it; the adapter
 * must read the same url to the same server, database and credentials
 * (percent-decoded, IPv6 in brackets, unix sockets), refuse rediss:// rather
 * than send a password in clear, and refuse anything malformed with a reason
 * instead of guessing. The resolved options are complete and owned: the
 * caller's strings may change or go away afterwards.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules/redis/redis_options.h"
#include "check_main.h"

static char err[256];

static redis_settings *from_url(const char *url)
{
	sio_redis_options o;
	sio_redis_options_init(&o);
	o.url = url;
	err[0] = '\0';
	return redis_settings_new(&o, err, sizeof err);
}

/* got is want, both NULL or the same string. */
static void str_is(const char *got, const char *want, const char *url, const char *field)
{
	if (!want)
		ck_assert_msg(got == NULL, "%s: %s is '%s', wanted none", url, field, got);
	else
		ck_assert_msg(got && strcmp(got, want) == 0, "%s: %s is '%s', wanted '%s'", url,
		              field, got ? got : "(none)", want);
}

/* What a url resolves to; host NULL: the default host, port 0: 6379. */
typedef struct want {
	const char *host, *unix_path, *username, *password;
	int port, db;
} want;

/* url must be accepted, resolved to w in every field the url gives. */
static void accepted(const char *url, want w)
{
	redis_settings *s = from_url(url);
	ck_assert_msg(s != NULL, "refused %s: %s", url, err);
	const sio_redis_options *r = redis_settings_get(s);
	ck_assert_ptr_null(r->url);
	str_is(r->host, w.host ? w.host : "127.0.0.1", url, "host");
	str_is(r->unix_path, w.unix_path, url, "unix_path");
	str_is(r->username, w.username, url, "username");
	str_is(r->password, w.password, url, "password");
	ck_assert_int_eq(r->port, w.port ? w.port : 6379);
	ck_assert_int_eq(r->db, w.db);
	redis_settings_free(s);
}

/* url must be refused, with a reason holding want. */
static void refused(const char *url, const char *want)
{
	redis_settings *s = from_url(url);
	ck_assert_msg(s == NULL, "accepted %s", url);
	ck_assert_msg(strstr(err, want) != NULL, "%s: reason '%s' lacks '%s'", url, err, want);
}

START_TEST(test_defaults)
{
	sio_redis_options o;
	memset(&o, 0x55, sizeof o);
	sio_redis_options_init(&o);
	ck_assert_ptr_null(o.url);
	ck_assert_str_eq(o.host, "127.0.0.1");
	ck_assert_int_eq(o.port, 6379);
	ck_assert_ptr_null(o.unix_path);
	ck_assert_ptr_null(o.username);
	ck_assert_ptr_null(o.password);
	ck_assert_int_eq(o.db, 0);
	ck_assert_str_eq(o.key, "socket.io");
	ck_assert_uint_eq(o.requests_timeout_ms, 5000);
	ck_assert(!o.publish_on_specific_response_channel);
	ck_assert(!o.room_subscriptions);
	ck_assert_uint_eq(o.max_queued_bytes, 8u << 20);
	ck_assert_uint_eq(o.reconnect_min_ms, 100);
	ck_assert_uint_eq(o.reconnect_max_ms, 5000);
	redis_settings *s = redis_settings_new(&o, err, sizeof err);
	ck_assert_ptr_nonnull(s);
	const sio_redis_options *r = redis_settings_get(s);
	ck_assert_str_eq(r->host, "127.0.0.1");
	ck_assert_int_eq(r->port, 6379);
	ck_assert_str_eq(r->key, "socket.io");
	redis_settings_free(s);
}
END_TEST

/* The fields without a url, copied: the caller's buffers may change. */
START_TEST(test_fields_copied)
{
	char host[] = "10.0.0.5", pass[] = "pw", user[] = "bob", key[] = "myapp";
	sio_redis_options o;
	sio_redis_options_init(&o);
	o.host = host;
	o.port = 7000;
	o.username = user;
	o.password = pass;
	o.key = key;
	o.db = 4;
	redis_settings *s = redis_settings_new(&o, err, sizeof err);
	ck_assert_ptr_nonnull(s);
	memset(host, 'x', sizeof host - 1);
	memset(pass, 'x', sizeof pass - 1);
	memset(user, 'x', sizeof user - 1);
	memset(key, 'x', sizeof key - 1);
	const sio_redis_options *r = redis_settings_get(s);
	ck_assert_str_eq(r->host, "10.0.0.5");
	ck_assert_str_eq(r->username, "bob");
	ck_assert_str_eq(r->password, "pw");
	ck_assert_str_eq(r->key, "myapp");
	ck_assert_int_eq(r->port, 7000);
	ck_assert_int_eq(r->db, 4);
	redis_settings_free(s);
	/* NULL host and key: the defaults */
	sio_redis_options_init(&o);
	o.host = NULL;
	o.key = NULL;
	s = redis_settings_new(&o, err, sizeof err);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(redis_settings_get(s)->host, "127.0.0.1");
	ck_assert_str_eq(redis_settings_get(s)->key, "socket.io");
	redis_settings_free(s);
}
END_TEST

START_TEST(test_url_plain)
{
	accepted("redis://cache.internal", (want){ .host = "cache.internal" });
	accepted("REDIS://10.1.2.3:6380/", (want){ .host = "10.1.2.3", .port = 6380 });
	/* no host: node's redis client means localhost */
	accepted("redis://", (want){ 0 });
}
END_TEST

/* The url wins over the fields it gives. */
START_TEST(test_url_overrides_fields)
{
	sio_redis_options o;
	sio_redis_options_init(&o);
	o.host = "ignored";
	o.port = 1;
	o.db = 7;
	o.password = "ignored";
	o.url = "redis://h:6390";
	redis_settings *s = redis_settings_new(&o, err, sizeof err);
	ck_assert_ptr_nonnull(s);
	const sio_redis_options *r = redis_settings_get(s);
	ck_assert_str_eq(r->host, "h");
	ck_assert_int_eq(r->port, 6390);
	ck_assert_int_eq(r->db, 0);
	ck_assert_ptr_null(r->password);
	redis_settings_free(s);
}
END_TEST

START_TEST(test_url_credentials)
{
	accepted("redis://:p%40ss%3Aw%2Fd@h:6380/2",
	         (want){ .host = "h", .password = "p@ss:w/d", .port = 6380, .db = 2 });
	accepted("redis://al%69ce:s%C3%A9cret@h", (want){ .host = "h",
	                                                  .username = "alice",
	                                                  .password = "s\xc3\xa9"
	                                                              "cret" });
	/* an '@' in the password, not encoded: the last '@' ends the userinfo */
	accepted("redis://:a@b@h", (want){ .host = "h", .password = "a@b" });
}
END_TEST

START_TEST(test_url_ipv6)
{
	accepted("redis://[::1]:7000/3", (want){ .host = "::1", .port = 7000, .db = 3 });
	accepted("redis://:pw@[fe80::1]", (want){ .host = "fe80::1", .password = "pw" });
}
END_TEST

START_TEST(test_url_unix)
{
	/* every field filled: the host too, the default */
	accepted("unix:///run/redis/redis.sock?db=5",
	         (want){ .unix_path = "/run/redis/redis.sock", .db = 5 });
	accepted("unix://:pw@/tmp/r%20s.sock",
	         (want){ .unix_path = "/tmp/r s.sock", .password = "pw" });
	/* db as a query on redis:// too */
	accepted("redis://h?db=9", (want){ .host = "h", .db = 9 });
}
END_TEST

START_TEST(test_url_refused)
{
	refused("rediss://h:6380", "TLS");
	refused("http://h", "is not redis://");
	refused("h:6379", "is not redis://");
	refused("", "is not redis://");
	refused("redis://h:0", "port");
	refused("redis://h:65536", "port");
	refused("redis://h:-1", "port");
	refused("redis://h:abc", "port");
	refused("redis://h:", "port");
	refused("redis://h:99999999999999999999", "port");
	refused("redis://h/x", "db");
	refused("redis://h/-1", "db");
	refused("redis://h/1/2", "db");
	refused("redis://h/99999999999", "db");
	refused("redis://h?db=", "unknown parameter");
	refused("redis://h?db=x", "db");
	refused("redis://h?timeout=5", "unknown parameter");
	refused("redis://h#frag", "fragment");
	refused("redis://[::1", "']'");
	refused("redis://[]:6379", "']'");
	refused("redis://[::1]x", "after ']'");
	refused("redis://user@h", "':'");
	refused("redis://:p%4@h", "percent");
	refused("redis://:p%zz@h", "percent");
	refused("redis://:p%@h", "percent");
	refused("redis://:%00@h", "%00");
	refused("redis://u%2:pw@h", "percent");
	refused("redis://h%41", "bad host");
	refused("unix://", "path");
	refused("unix:///", "path");
	refused("unix://host/tmp/x.sock", "not a host");
	refused("unix:///tmp/x.sock?db=-2", "db");
	/* the reason never shows a password, and is one line */
	refused("http://:s3cret@h", "scheme 'http'");
	ck_assert_ptr_null(strstr(err, "s3cret"));
	refused("redis://h?x\n=1", "unknown parameter 'x?=1'");
	/* a username with an empty password is an AUTH with an empty
	 * password, not a refusal; a username alone is refused above */
	accepted("redis://bob:@h", (want){ .host = "h", .username = "bob", .password = "" });
}
END_TEST

static void field_refused(void (*set)(sio_redis_options *), const char *want)
{
	sio_redis_options o;
	sio_redis_options_init(&o);
	set(&o);
	err[0] = '\0';
	redis_settings *s = redis_settings_new(&o, err, sizeof err);
	ck_assert_msg(s == NULL, "accepted (wanted '%s')", want);
	ck_assert_msg(strstr(err, want) != NULL, "reason '%s' lacks '%s'", err, want);
}

static void port0(sio_redis_options *o)
{
	o->port = 0;
}
static void port_big(sio_redis_options *o)
{
	o->port = 70000;
}
static void db_neg(sio_redis_options *o)
{
	o->db = -1;
}
static void key_empty(sio_redis_options *o)
{
	o->key = "";
}
static void host_empty(sio_redis_options *o)
{
	o->host = "";
}
static void unix_empty(sio_redis_options *o)
{
	o->unix_path = "";
}
static void timeout0(sio_redis_options *o)
{
	o->requests_timeout_ms = 0;
}
static void reconnect0(sio_redis_options *o)
{
	o->reconnect_min_ms = 0;
}
static void reconnect_order(sio_redis_options *o)
{
	o->reconnect_min_ms = 2000;
	o->reconnect_max_ms = 1000;
}
static void user_no_pass(sio_redis_options *o)
{
	o->username = "bob";
}

START_TEST(test_fields_refused)
{
	field_refused(port0, "port 0");
	field_refused(port_big, "port 70000");
	field_refused(db_neg, "db -1");
	field_refused(key_empty, "key");
	field_refused(host_empty, "host");
	field_refused(unix_empty, "unix_path");
	field_refused(timeout0, "requests_timeout_ms");
	field_refused(reconnect0, "reconnection");
	field_refused(reconnect_order, "exceeds");
	field_refused(user_no_pass, "username needs a password");
	ck_assert_ptr_null(redis_settings_new(NULL, err, sizeof err));
	/* no error buffer: still refused, nothing written */
	sio_redis_options o;
	sio_redis_options_init(&o);
	o.url = "rediss://h";
	ck_assert_ptr_null(redis_settings_new(&o, NULL, 0));
	redis_settings_free(NULL);
}
END_TEST

static Suite *redis_options_suite(void)
{
	Suite *s = suite_create("redis_options");
	TCase *tc = tcase_create("options");
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_fields_copied);
	tcase_add_test(tc, test_url_plain);
	tcase_add_test(tc, test_url_overrides_fields);
	tcase_add_test(tc, test_url_credentials);
	tcase_add_test(tc, test_url_ipv6);
	tcase_add_test(tc, test_url_unix);
	tcase_add_test(tc, test_url_refused);
	tcase_add_test(tc, test_fields_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(redis_options_suite());
}
