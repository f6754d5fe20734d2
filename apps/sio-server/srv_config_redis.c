/* srv_config_redis.c - the "redis" section and REDIS_URL: where the Redis
 * adapter connects (include/socketio/redis.h) and how it behaves.
 *
 * Redis is on when an address is given: REDIS_URL in the environment (the
 * variable node servers pass to createClient({url})), "redis.url" or
 * "redis.host" in the file. A section with only the other settings (key,
 * requestsTimeout, ...) keeps Redis off until REDIS_URL names the server,
 * so one committed file serves a laptop without Redis and a fleet with it.
 * Precedence as everywhere (srv_config.h): REDIS_URL replaces the file's
 * whole address (host, port, unix path, username, password, db); the other
 * settings still come from the file.
 *
 * URLs as node-redis reads them: redis://[[username][:password]@]host[:port][/db]
 * (user and password percent-decoded, an IPv6 host in brackets), plus
 * unix:///path[?db=N] for a local socket; rediss:// (TLS) is refused at load
 * time, since the adapter speaks plain TCP. The url is parsed here, so that
 * a mistake is reported with its key and exits 2 before the server listens,
 * and the adapter is given the fields. A message never repeats a password:
 * a url is quoted with its user information replaced by "***".
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"
#include "base/hex.h"
#include "base/json.h"
#include "srv_config.h"

#define MAX_KEY_LEN      200
#define MAX_TIMEOUT_MS   600000L
#define MAX_QUEUED_BYTES (1L << 30)

static const char url_form[] = "is not a Redis URL (redis://[[username]:password@]host[:port][/db] "
                               "or unix:///path[?db=N])";

/* The parsed address, owned. */
typedef struct addr {
	char *host, *unix_path, *username, *password;
	long port, db;
} addr;

static void wipe(char *s)
{
	if (s)
		sodium_memzero(s, strlen(s));
	free(s);
}

static void addr_free(addr *a)
{
	free(a->host);
	free(a->unix_path);
	free(a->username);
	wipe(a->password);
	memset(a, 0, sizeof(*a));
}

/* s[0..n) with %XX decoded, or NULL (bad escape, a NUL byte, no memory). */
static char *pct_decode(const char *s, size_t n)
{
	char *d = malloc(n + 1), *o = d;
	if (!d)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%') {
			*o++ = s[i];
			continue;
		}
		int hi = i + 2 < n ? base_hexval((unsigned char)s[i + 1]) : -1;
		int lo = hi >= 0 ? base_hexval((unsigned char)s[i + 2]) : -1;
		if (lo < 0 || (hi | lo) == 0) {
			sodium_memzero(d, n + 1); /* not terminated yet: wipe it whole */
			free(d);
			return NULL;
		}
		*o++ = (char)(hi << 4 | lo);
		i += 2;
	}
	*o = '\0';
	return d;
}

/* Digits only, as a number in [min, max]; -1 otherwise. */
static long number(const char *s, size_t n, long min, long max)
{
	long v = 0;
	if (n == 0 || n > 10)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v >= min && v <= max ? v : -1;
}

/* user[:password], each percent-decoded; an empty part is none. */
static const char *parse_userinfo(const char *s, size_t n, addr *a)
{
	const char *colon = memchr(s, ':', n);
	size_t un = colon ? (size_t)(colon - s) : n;
	if (un && !(a->username = pct_decode(s, un)))
		return "has a bad %-escape in its user information";
	if (colon && (size_t)(colon - s) + 1 < n &&
	    !(a->password = pct_decode(colon + 1, n - un - 1)))
		return "has a bad %-escape in its user information";
	if (a->username && !a->password)
		return "names a user without a password";
	return NULL;
}

/* host[:port] or [v6][:port] */
static const char *parse_hostport(const char *s, size_t n, addr *a)
{
	const char *h = s, *end = s + n, *port = NULL;
	size_t hn;
	if (n && *s == '[') {
		const char *close = memchr(s, ']', n);
		if (!close)
			return "has an unclosed '[' in its host";
		h = s + 1;
		hn = (size_t)(close - h);
		if (close + 1 < end && close[1] != ':')
			return url_form;
		port = close + 1 < end ? close + 2 : NULL;
	} else {
		const char *colon = memchr(s, ':', n);
		hn = colon ? (size_t)(colon - s) : n;
		port = colon ? colon + 1 : NULL;
	}
	if (hn == 0)
		return "has no host";
	for (size_t i = 0; i < hn; i++)
		if ((unsigned char)h[i] <= ' ' || strchr("/?#@[]%", h[i]))
			return "has a bad character in its host";
	if (port && (a->port = number(port, (size_t)(end - port), 1, 65535)) < 0)
		return "has a bad port (1 to 65535)";
	if (!(a->host = strndup(h, hn)))
		return "out of memory";
	return NULL;
}

/* redis://[[username][:password]@]host[:port][/db] */
static const char *parse_tcp(const char *rest, addr *a)
{
	size_t auth = strcspn(rest, "/?#");
	const char *at = NULL;
	for (size_t i = 0; i < auth; i++)
		if (rest[i] == '@')
			at = rest + i;
	const char *why;
	if (at && (why = parse_userinfo(rest, (size_t)(at - rest), a)))
		return why;
	const char *hp = at ? at + 1 : rest;
	if ((why = parse_hostport(hp, (size_t)(rest + auth - hp), a)))
		return why;
	const char *path = rest + auth;
	if (*path == '?' || *path == '#')
		return "has query parameters or a fragment (not supported)";
	if (*path == '/' && path[1] && (a->db = number(path + 1, strlen(path + 1), 0, INT_MAX)) < 0)
		return "has a bad database number (the path is /<db>, 0 or more)";
	return NULL;
}

/* unix:///path[?db=N] */
static const char *parse_unix(const char *rest, addr *a)
{
	if (rest[0] != '/')
		return "needs an absolute path: unix:///path/to/redis.sock";
	size_t n = strcspn(rest, "?#");
	const char *q = rest + n;
	if (*q == '#' || (*q == '?' && strncmp(q, "?db=", 4)))
		return "accepts only ?db=N after the path";
	if (*q == '?' && (a->db = number(q + 4, strlen(q + 4), 0, INT_MAX)) < 0)
		return "has a bad database number in ?db=";
	if (!(a->unix_path = strndup(rest, n)))
		return "out of memory";
	return NULL;
}

/* NULL when url is a valid address (a filled), else why not (a freed). */
static const char *parse_url(const char *url, addr *a)
{
	const char *why;
	memset(a, 0, sizeof(*a));
	a->port = 6379;
	if (!strncasecmp(url, "redis://", 8))
		why = parse_tcp(url + 8, a);
	else if (!strncasecmp(url, "unix://", 7))
		why = parse_unix(url + 7, a);
	else if (!strncasecmp(url, "rediss://", 9))
		why = "TLS (rediss://) is not supported: reach a TLS Redis through a local "
		      "tunnel (stunnel, spiped)";
	else
		why = url_form;
	if (why)
		addr_free(a);
	return why;
}

/* url for a message: the user information (password included) as "***",
 * at most 200 bytes. */
static void masked(const char *url, char *out, size_t cap)
{
	const char *sep = strstr(url, "://");
	const char *auth = sep ? sep + 3 : url;
	size_t an = strcspn(auth, "/?#");
	const char *at = NULL;
	for (size_t i = 0; i < an; i++)
		if (auth[i] == '@')
			at = auth + i;
	if (at)
		snprintf(out, cap, "%.*s***%.200s", (int)(auth - url), url, at);
	else
		snprintf(out, cap, "%.200s", url);
}

/* Make a the configured address (ownership moves). */
static void use_addr(srv_config_redis *r, addr *a, const char *from)
{
	free(r->host);
	free(r->unix_path);
	free(r->username);
	wipe(r->password);
	r->host = a->host;
	r->unix_path = a->unix_path;
	r->username = a->username;
	r->password = a->password;
	r->port = (int)a->port;
	r->db = a->db;
	r->from = from;
	r->enabled = true;
	memset(a, 0, sizeof(*a));
}

int srv_config_redis_env(srv_config *cfg, const char *url, const char *name, char *err,
                         size_t errlen)
{
	addr a;
	const char *why = parse_url(url, &a);
	if (why) {
		char shown[256];
		masked(url, shown, sizeof(shown));
		return base_errf(err, errlen, "%s: \"%s\" %s", name, shown, why);
	}
	use_addr(&cfg->redis, &a, name);
	return 0;
}

/* ---- the section ------------------------------------------------------------------ */

static bool has(srv_cfgp *p, int obj, const char *key)
{
	return base_json_obj_get(p->doc, obj, key) >= 0;
}

/* "url", or "host" with port, username, password and db. */
static int parse_address(srv_cfgp *p, int obj, srv_config_redis *r)
{
	char *url = NULL;
	addr a;
	memset(&a, 0, sizeof(a));
	a.port = 6379;
	if (srv_cfgp_str(p, obj, "url", &url))
		return -1;
	if (url) {
		const char *clash = has(p, obj, "host")   ? "host"
		                    : has(p, obj, "port") ? "port"
		                    : has(p, obj, "db")   ? "db"
		                                          : NULL;
		const char *why = clash ? NULL : parse_url(url, &a);
		char shown[256];
		masked(url, shown, sizeof(shown));
		free(url);
		if (clash)
			return srv_cfgp_fail_at(p, clash,
			                        "give either \"url\" or \"host\", \"port\" and "
			                        "\"db\", not both");
		if (why)
			return srv_cfgp_fail_at(p, "url", "\"%s\" %s", shown, why);
		if ((a.username || a.password) &&
		    (has(p, obj, "username") || has(p, obj, "password"))) {
			addr_free(&a);
			return srv_cfgp_fail_at(p,
			                        has(p, obj, "password") ? "password" : "username",
			                        "the url has a user and password already");
		}
	} else if (srv_cfgp_str(p, obj, "host", &a.host) ||
	           srv_cfgp_long(p, obj, "port", &a.port, 1, 65535) ||
	           srv_cfgp_long(p, obj, "db", &a.db, 0, INT_MAX)) {
		addr_free(&a);
		return -1;
	}
	/* beside a url without credentials (a unix socket's password) */
	if (srv_cfgp_str(p, obj, "username", &a.username) ||
	    srv_cfgp_str(p, obj, "password", &a.password)) {
		addr_free(&a);
		return -1;
	}
	if (a.host && (strpbrk(a.host, " \t/?#@") || !strcmp(a.host, "[]"))) {
		srv_cfgp_fail_at(p, "host", "not a host name or address: \"%s\"", a.host);
		addr_free(&a);
		return -1;
	}
	if (!a.host && !a.unix_path) {
		const char *orphan = has(p, obj, "port")       ? "port"
		                     : has(p, obj, "db")       ? "db"
		                     : has(p, obj, "username") ? "username"
		                     : has(p, obj, "password") ? "password"
		                                               : NULL;
		addr_free(&a);
		if (orphan)
			return srv_cfgp_fail_at(p, orphan, "needs \"host\" or \"url\"");
		return 0; /* no address: off until REDIS_URL gives one */
	}
	if (a.username && !a.password) {
		addr_free(&a);
		return srv_cfgp_fail_at(p, "username", "needs \"password\"");
	}
	use_addr(r, &a, has(p, obj, "url") ? "redis.url" : "redis.host");
	return 0;
}

int srv_cfgp_redis(srv_cfgp *p, int obj, srv_config *cfg)
{
	static const char *const keys[] = { "url",
		                            "host",
		                            "port",
		                            "username",
		                            "password",
		                            "db",
		                            "key",
		                            "requestsTimeout",
		                            "publishOnSpecificResponseChannel",
		                            "roomSubscriptions",
		                            "maxQueuedBytes",
		                            NULL };
	srv_config_redis *r = &cfg->redis;
	if (srv_cfgp_object(p, obj, keys) || parse_address(p, obj, r) ||
	    srv_cfgp_str(p, obj, "key", &r->key) ||
	    srv_cfgp_long(p, obj, "requestsTimeout", &r->requests_timeout_ms, 1, MAX_TIMEOUT_MS) ||
	    srv_cfgp_bool(p, obj, "publishOnSpecificResponseChannel",
	                  &r->publish_on_specific_response_channel) ||
	    srv_cfgp_bool(p, obj, "roomSubscriptions", &r->room_subscriptions) ||
	    srv_cfgp_long(p, obj, "maxQueuedBytes", &r->max_queued_bytes, 0, MAX_QUEUED_BYTES))
		return -1;
	if (strlen(r->key) > MAX_KEY_LEN)
		return srv_cfgp_fail_at(p, "key", "longer than %d bytes", MAX_KEY_LEN);
	return 0;
}

/* ---- defaults, address, free ------------------------------------------------------ */

/* The adapter's defaults (include/socketio/redis.h, sio_redis_options). */
int srv_config_redis_defaults(srv_config *cfg)
{
	srv_config_redis *r = &cfg->redis;
	r->port = 6379;
	r->requests_timeout_ms = 5000;
	r->max_queued_bytes = 8L << 20;
	return srv_set_str(&r->key, "socket.io");
}

void srv_config_redis_address(const srv_config_redis *r, char *out, size_t cap)
{
	if (r->unix_path) {
		if (r->db)
			snprintf(out, cap, "unix://%s?db=%ld", r->unix_path, r->db);
		else
			snprintf(out, cap, "unix://%s", r->unix_path);
		return;
	}
	const char *h = r->host ? r->host : "127.0.0.1";
	bool v6 = strchr(h, ':') != NULL;
	int n = snprintf(out, cap, "redis://%s%s%s:%d", v6 ? "[" : "", h, v6 ? "]" : "", r->port);
	if (r->db && n > 0 && (size_t)n < cap)
		snprintf(out + n, cap - (size_t)n, "/%ld", r->db);
}

void srv_config_redis_free(srv_config *cfg)
{
	srv_config_redis *r = &cfg->redis;
	free(r->host);
	free(r->unix_path);
	free(r->username);
	wipe(r->password);
	free(r->key);
	memset(r, 0, sizeof(*r));
}
