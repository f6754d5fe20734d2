/* net_origin.c - which browser origins a mount accepts: the CORS answer
 * (net_response.c) and the Origin check of WebSocket requests.
 *
 * A list is "*" (any origin), or comma-separated entries, each an exact
 * origin ("https://app.example.com") or an origin with a port wildcard
 * ("http://localhost:*": that host on any port, or on none). Origins are
 * compared case-insensitively: browsers serialise them lower-case (RFC 6454
 * section 6.2), a configuration may not.
 *
 * Why a WebSocket Origin check at all: browsers apply CORS to XHR/fetch, so
 * a foreign page cannot read a polling answer (nor learn a sid), but they
 * apply nothing to WebSocket: any page may open one to any server, with the
 * user's cookies (cross-site WebSocket hijacking). The server must look at
 * Origin itself (RFC 6455 section 10.2). A request without Origin does not
 * come from a browser page (node clients, curl) and is not affected; a page
 * of the server's own origin (Origin host = Host header) is allowed, as
 * gorilla/websocket's default check does. Whether to check at all is the
 * caller's option (engineio: eio_options.check_origin).
 */
#include "net_internal.h"

#include <string.h>
#include <strings.h>

/* Does one list entry (not NUL-terminated, n bytes) match origin? */
static bool entry_matches(const char *e, size_t n, const char *origin, size_t on)
{
	if (n == 1 && e[0] == '*')
		return true;
	if (n >= 2 && e[n - 2] == ':' && e[n - 1] == '*') {
		size_t pn = n - 2; /* "http://localhost" */
		if (on < pn || strncasecmp(e, origin, pn) != 0)
			return false;
		const char *rest = origin + pn;
		if (!*rest)
			return true; /* the scheme's default port */
		if (*rest++ != ':')
			return false; /* "http://localhost.evil.test" */
		size_t digits = strspn(rest, "0123456789");
		return digits >= 1 && digits <= 5 && rest[digits] == '\0';
	}
	return n == on && strncasecmp(e, origin, n) == 0;
}

bool net_origin_in_list(const char *list, const char *origin)
{
	if (!list || !origin || !*origin)
		return false;
	size_t on = strlen(origin);
	for (const char *p = list; *p;) {
		p += strspn(p, ", ");
		size_t n = strcspn(p, ", ");
		if (n && entry_matches(p, n, origin, on))
			return true;
		p += n;
	}
	return false;
}

bool net_origin_is_host(const char *origin, const char *host)
{
	if (!origin || !host || !*host)
		return false;
	const char *sep = strstr(origin, "://");
	if (!sep)
		return false; /* "null" (sandboxed pages, file://) has no host */
	return strcasecmp(sep + 3, host) == 0;
}

/* The header into buf; 0 when absent, -1 when longer than buf. */
static int header(struct lws *wsi, enum lws_token_indexes tok, char *buf, int len)
{
	int n = lws_hdr_total_length(wsi, tok);
	if (n <= 0)
		return 0;
	if (n >= len || lws_hdr_copy(wsi, buf, len, tok) < 0)
		return -1;
	return n;
}

bool net_origin_check(struct lws *wsi, const char *list)
{
	char origin[256], host[256];
	int n = header(wsi, WSI_TOKEN_ORIGIN, origin, sizeof(origin));
	if (n == 0)
		return true; /* not a browser page */
	if (n < 0)
		return false; /* no real origin is that long */
	if (net_origin_in_list(list, origin))
		return true;
	return header(wsi, WSI_TOKEN_HOST, host, sizeof(host)) > 0 &&
	       net_origin_is_host(origin, host);
}
