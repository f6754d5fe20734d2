/* redis_options.c - the adapter's options: their defaults and their
 * resolution into one checked, owned sio_redis_options (redis_options.h).
 *
 * The url follows the Redis URI scheme node's redis client accepts
 * (https://www.iana.org/assignments/uri-schemes/prov/redis):
 *   redis://[[username]:password@]host[:port][/db][?db=N]
 *   unix://[[username]:password@]/path/to/socket[?db=N]
 * The username and password are percent-decoded (RFC 3986 section 2.1), so
 * a password may hold '@', ':' or '/' written as %40, %3A, %2F; an IPv6 host
 * is written in brackets (redis://[::1]:6380, RFC 3986 section 3.2.2).
 * rediss:// (TLS) is refused: the connections are plain TCP, and a url
 * asking for TLS must not silently send the password in clear. Everything
 * else malformed is refused with the reason, never guessed at.
 */
#include "redis_options.h"

#include "base/err.h"

#include <ctype.h>
#include <stdbool.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_HOST "127.0.0.1"
#define DEFAULT_PORT 6379
#define DEFAULT_KEY  "socket.io"

struct redis_settings {
	sio_redis_options o;
	/* the owned strings o points at */
	char *host, *unix_path, *username, *password, *key;
};

void sio_redis_options_init(sio_redis_options *o)
{
	memset(o, 0, sizeof *o);
	o->host = DEFAULT_HOST;
	o->port = DEFAULT_PORT;
	o->db = 0;
	o->key = DEFAULT_KEY;
	o->requests_timeout_ms = 5000;
	o->publish_on_specific_response_channel = false;
	o->room_subscriptions = false;
	o->max_queued_bytes = 8u << 20;
	o->reconnect_min_ms = 100;
	o->reconnect_max_ms = 5000;
}

/* ---- url ----------------------------------------------------------------- */

/* The parts of a url, each a copy (NULL: absent). */
typedef struct url_parts {
	char *host, *unix_path, *username, *password;
	int port; /* 0: absent */
	int db;   /* -1: absent */
} url_parts;

static void url_parts_free(url_parts *u)
{
	free(u->host);
	free(u->unix_path);
	free(u->username);
	free(u->password);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decode s[0..n) into a new string; what says which part, for the
 * error. A %00 is refused: the result is a C string. */
static int pct_decode(const char *s, size_t n, const char *what, char **out, char *err,
                      size_t errlen)
{
	char *d = malloc(n + 1);
	if (!d)
		return base_errf(err, errlen, "redis url: out of memory");
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%') {
			d[k++] = s[i];
			continue;
		}
		int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
		int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
		if (hi < 0 || lo < 0) {
			free(d);
			return base_errf(err, errlen, "redis url: bad percent-encoding in the %s",
			                 what);
		}
		if (hi == 0 && lo == 0) {
			free(d);
			return base_errf(err, errlen, "redis url: the %s holds %%00", what);
		}
		d[k++] = (char)(hi << 4 | lo);
		i += 2;
	}
	d[k] = '\0';
	*out = d;
	return 0;
}

/* A decimal number s[0..n) in [min, max]; -1 when it is not one. */
static long long parse_num(const char *s, size_t n, long long min, long long max)
{
	if (n == 0 || n > 18)
		return -1;
	long long v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v < min || v > max ? -1 : v;
}

/* s[0..n) for an error message: at most outlen - 1 bytes, anything but
 * printable ASCII shown as '?' (the message is one line of text). */
static const char *shown(const char *s, size_t n, char *out, size_t outlen)
{
	size_t k = 0;
	for (; k < n && k + 1 < outlen; k++)
		out[k] = s[k] >= 0x20 && s[k] < 0x7f ? s[k] : '?';
	out[k] = '\0';
	return out;
}

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* [[username]:password@] from the authority's userinfo s[0..n). */
static int parse_userinfo(const char *s, size_t n, url_parts *u, char *err, size_t errlen)
{
	const char *colon = memchr(s, ':', n);
	if (!colon)
		return base_errf(err, errlen,
		                 "redis url: the user part needs a ':' before the password "
		                 "(redis://:password@host or redis://user:password@host)");
	size_t ulen = (size_t)(colon - s);
	if (ulen && pct_decode(s, ulen, "username", &u->username, err, errlen))
		return -1;
	return pct_decode(colon + 1, n - ulen - 1, "password", &u->password, err, errlen);
}

/* host[:port], or [ipv6][:port], from s[0..n); an empty host is left NULL
 * (the default). */
static int parse_hostport(const char *s, size_t n, url_parts *u, char *err, size_t errlen)
{
	const char *host = s, *port = NULL;
	size_t hlen;
	if (n && s[0] == '[') {
		const char *close = memchr(s, ']', n);
		if (!close || close == s + 1)
			return base_errf(err, errlen, "redis url: an IPv6 host needs its ']'");
		host = s + 1;
		hlen = (size_t)(close - host);
		if (close + 1 < s + n) {
			if (close[1] != ':')
				return base_errf(err, errlen,
				                 "redis url: unexpected text after ']'");
			port = close + 2;
		}
	} else {
		const char *colon = memchr(s, ':', n);
		hlen = colon ? (size_t)(colon - s) : n;
		port = colon ? colon + 1 : NULL;
	}
	char buf[64];
	if (memchr(host, '%', hlen) || memchr(host, '[', hlen) || memchr(host, ']', hlen))
		return base_errf(err, errlen, "redis url: bad host '%s'",
		                 shown(host, hlen, buf, sizeof buf));
	if (hlen && !(u->host = dup_n(host, hlen)))
		return base_errf(err, errlen, "redis url: out of memory");
	if (port) {
		long long p = parse_num(port, (size_t)(s + n - port), 1, 65535);
		if (p < 0)
			return base_errf(err, errlen,
			                 "redis url: the port must be a number from 1 to 65535");
		u->port = (int)p;
	}
	return 0;
}

/* The query: only db=N. */
static int parse_query(const char *q, url_parts *u, char *err, size_t errlen)
{
	char buf[64];
	while (*q) {
		size_t n = strcspn(q, "&");
		if (n > 3 && !strncmp(q, "db=", 3)) {
			long long db = parse_num(q + 3, n - 3, 0, INT_MAX);
			if (db < 0)
				return base_errf(err, errlen,
				                 "redis url: db must be a number >= 0");
			u->db = (int)db;
		} else if (n) {
			return base_errf(err, errlen,
			                 "redis url: unknown parameter '%s' (only db=N)",
			                 shown(q, n, buf, sizeof buf));
		}
		q += n + (q[n] == '&');
	}
	return 0;
}

static int parse_url(const char *url, url_parts *u, char *err, size_t errlen)
{
	bool is_unix = false;
	const char *p;
	if (!strncasecmp(url, "redis://", 8)) {
		p = url + 8;
	} else if (!strncasecmp(url, "unix://", 7)) {
		p = url + 7;
		is_unix = true;
	} else if (!strncasecmp(url, "rediss://", 9)) {
		return base_errf(err, errlen,
		                 "redis url: rediss:// (TLS) is not supported; use redis:// on a "
		                 "trusted network or a TLS tunnel");
	} else {
		/* the scheme alone: the rest may hold a password */
		char buf[24];
		return base_errf(err, errlen,
		                 "redis url: scheme '%s' is not redis:// or unix:// "
		                 "(redis://host[:port][/db], unix:///path)",
		                 shown(url, strcspn(url, ":"), buf, sizeof buf));
	}
	if (strchr(p, '#'))
		return base_errf(err, errlen, "redis url: a fragment ('#') is not allowed");
	const char *query = strchr(p, '?');
	size_t before_query = query ? (size_t)(query - p) : strlen(p);
	size_t alen = strcspn(p, "/?");
	if (alen > before_query)
		alen = before_query;
	/* the userinfo ends at the authority's last '@' */
	const char *at = NULL;
	for (size_t i = 0; i < alen; i++)
		if (p[i] == '@')
			at = p + i;
	const char *hp = p;
	if (at) {
		if (parse_userinfo(p, (size_t)(at - p), u, err, errlen))
			return -1;
		hp = at + 1;
	}
	size_t hplen = (size_t)(p + alen - hp);
	const char *path = p + alen;
	size_t plen = before_query - alen;
	if (is_unix) {
		if (hplen)
			return base_errf(
			        err, errlen,
			        "redis url: unix:// takes a path, not a host (unix:///path)");
		if (plen < 2)
			return base_errf(err, errlen, "redis url: unix:// needs the socket's path");
		if (pct_decode(path, plen, "path", &u->unix_path, err, errlen))
			return -1;
	} else {
		if (parse_hostport(hp, hplen, u, err, errlen))
			return -1;
		if (plen > 1) {
			long long db = parse_num(path + 1, plen - 1, 0, INT_MAX);
			if (db < 0)
				return base_errf(
				        err, errlen,
				        "redis url: the path must be the db, a number >= 0");
			u->db = (int)db;
		}
	}
	return query ? parse_query(query + 1, u, err, errlen) : 0;
}

/* ---- resolution ------------------------------------------------------------- */

static int copy_str(const char *s, char **out, char *err, size_t errlen)
{
	*out = NULL;
	if (!s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : base_errf(err, errlen, "redis options: out of memory");
}

/* The fields of o, or the url's in their place, copied into s. */
static int take_fields(redis_settings *s, const sio_redis_options *o, char *err, size_t errlen)
{
	s->o = *o;
	s->o.url = NULL;
	if (!o->url) {
		if (copy_str(o->host ? o->host : DEFAULT_HOST, &s->host, err, errlen) ||
		    copy_str(o->unix_path, &s->unix_path, err, errlen) ||
		    copy_str(o->username, &s->username, err, errlen) ||
		    copy_str(o->password, &s->password, err, errlen))
			return -1;
		return 0;
	}
	url_parts u = { .db = -1 };
	if (parse_url(o->url, &u, err, errlen)) {
		url_parts_free(&u);
		return -1;
	}
	s->host = u.host ? u.host : strdup(DEFAULT_HOST);
	s->unix_path = u.unix_path;
	s->username = u.username;
	s->password = u.password;
	s->o.port = u.port ? u.port : DEFAULT_PORT;
	s->o.db = u.db >= 0 ? u.db : 0;
	return s->host ? 0 : base_errf(err, errlen, "redis options: out of memory");
}

static int check(const sio_redis_options *o, char *err, size_t errlen)
{
	if (!o->unix_path && !o->host[0])
		return base_errf(err, errlen, "redis options: the host is empty");
	if (o->unix_path && !o->unix_path[0])
		return base_errf(err, errlen, "redis options: unix_path is empty");
	if (o->port < 1 || o->port > 65535)
		return base_errf(err, errlen, "redis options: port %d is not in 1..65535", o->port);
	if (o->db < 0)
		return base_errf(err, errlen, "redis options: db %d is negative", o->db);
	if (o->username && !o->password)
		return base_errf(err, errlen, "redis options: a username needs a password (AUTH)");
	if (!o->key[0])
		return base_errf(err, errlen, "redis options: the key (channel prefix) is empty");
	if (!o->requests_timeout_ms)
		return base_errf(err, errlen, "redis options: requests_timeout_ms must be > 0");
	if (!o->reconnect_min_ms || !o->reconnect_max_ms)
		return base_errf(err, errlen, "redis options: the reconnection delays must be > 0");
	if (o->reconnect_min_ms > o->reconnect_max_ms)
		return base_errf(
		        err, errlen,
		        "redis options: reconnect_min_ms (%u) exceeds reconnect_max_ms (%u)",
		        o->reconnect_min_ms, o->reconnect_max_ms);
	return 0;
}

redis_settings *redis_settings_new(const sio_redis_options *o, char *err, size_t errlen)
{
	if (!o) {
		base_errf(err, errlen, "redis options: none given");
		return NULL;
	}
	redis_settings *s = calloc(1, sizeof *s);
	if (!s) {
		base_errf(err, errlen, "redis options: out of memory");
		return NULL;
	}
	if (take_fields(s, o, err, errlen) ||
	    copy_str(o->key ? o->key : DEFAULT_KEY, &s->key, err, errlen))
		goto fail;
	s->o.host = s->host;
	s->o.unix_path = s->unix_path;
	s->o.username = s->username;
	s->o.password = s->password;
	s->o.key = s->key;
	if (check(&s->o, err, errlen))
		goto fail;
	return s;
fail:
	redis_settings_free(s);
	return NULL;
}

const sio_redis_options *redis_settings_get(const redis_settings *s)
{
	return &s->o;
}

void redis_settings_free(redis_settings *s)
{
	if (!s)
		return;
	free(s->host);
	free(s->unix_path);
	free(s->username);
	free(s->password);
	free(s->key);
	free(s);
}
