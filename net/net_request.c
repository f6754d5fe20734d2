/* net_request.c - the parts of a request the handlers read: the method, a
 * query parameter or header before anything is copied, and the record of a
 * whole request (headers, query, client address, URL) copied out of lws.
 *
 * The record lives in one allocation: a table of string pointers followed by
 * the strings, because a client's request is kept for its whole life (the
 * layer above keeps its handshake) and per-client memory matters at tens of
 * thousands of connections.
 */
#include "net_internal.h"

#include <ctype.h>
#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct net_request {
	uint64_t time_ms;
	size_t nheaders; /* pairs in strs[0 .. 2*nheaders) */
	size_t nquery;   /* pairs after the headers */
	const char *address;
	const char *url;
	const char *strs[]; /* then the string bytes */
};

/* Growable scratch used while capturing: strings are appended and remembered
 * by offset, then packed into the final allocation. */
typedef struct builder {
	char *buf;
	size_t len, cap;
	size_t *offs;
	size_t noffs, offcap;
} builder;

static int b_add(builder *b, const char *s, size_t n)
{
	if (b->noffs == b->offcap) {
		size_t nc = b->offcap ? b->offcap * 2 : 32;
		size_t *no = realloc(b->offs, nc * sizeof(*no));
		if (!no)
			return -1;
		b->offs = no;
		b->offcap = nc;
	}
	if (b->len + n + 1 > b->cap) {
		size_t nc = (b->len + n + 1) * 2;
		char *nb = realloc(b->buf, nc);
		if (!nb)
			return -1;
		b->buf = nb;
		b->cap = nc;
	}
	b->offs[b->noffs++] = b->len;
	memcpy(b->buf + b->len, s, n);
	b->buf[b->len + n] = '\0';
	b->len += n + 1;
	return 0;
}

int net_request_peek_header(struct lws *wsi, int token, char *buf, int len)
{
	int n = lws_hdr_total_length(wsi, (enum lws_token_indexes)token);
	if (n <= 0 || n >= len)
		return -1;
	if (lws_hdr_copy(wsi, buf, len, (enum lws_token_indexes)token) < 0)
		return -1;
	return n;
}

int net_http_method(const net_http *h)
{
	if (lws_hdr_total_length(h->wsi, WSI_TOKEN_GET_URI))
		return NET_GET;
	if (lws_hdr_total_length(h->wsi, WSI_TOKEN_POST_URI))
		return NET_POST;
	if (lws_hdr_total_length(h->wsi, WSI_TOKEN_OPTIONS_URI))
		return NET_OPTIONS;
	return NET_OTHER;
}

/* Is `token` one of the comma-separated tokens of v (case-insensitive)? */
static bool has_token(const char *v, const char *token)
{
	size_t tl = strlen(token);
	for (const char *p = v; *p;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		size_t n = strcspn(p, ",");
		size_t m = n;
		while (m && (p[m - 1] == ' ' || p[m - 1] == '\t'))
			m--;
		if (m == tl && strncasecmp(p, token, tl) == 0)
			return true;
		p += n;
	}
	return false;
}

/* Whether the connection may carry another request after this one (RFC 9112
 * section 9.3): HTTP/1.1 persists unless the request says "Connection:
 * close"; HTTP/1.0 only when it says "Connection: keep-alive" (then the
 * response says so too: net_response.c). The version is read as lws reads it
 * (lws_http_action: "HTTP/1.1" or else 1.0), so that the status line lws
 * writes and this decision agree; and lws keeps an HTTP/1.0 connection only
 * for a Connection header that is exactly "keep-alive", so that is the only
 * value taken for it here (anything else would be kept by one and closed by
 * the other). */
void net_http_read_connection(net_http *h)
{
	char ver[12] = "", conn[128] = "";
	bool v11 = lws_hdr_copy(h->wsi, ver, sizeof(ver) - 1, WSI_TOKEN_HTTP) > 7 &&
	           ver[5] == '1' && ver[7] == '1';
	int n = lws_hdr_copy(h->wsi, conn, sizeof(conn), WSI_TOKEN_CONNECTION);
	if (n < 0)
		n = 0; /* a longer header: read as absent */
	conn[n] = '\0';
	if (v11) {
		h->close_after = has_token(conn, "close");
		return;
	}
	if (strcasecmp(conn, "keep-alive") == 0)
		h->http10_keep = true;
	else
		h->close_after = true;
}

/* Is v exactly one token t, spaces around it allowed (case-insensitive)? */
static bool is_only_token(const char *v, const char *t)
{
	while (*v == ' ' || *v == '\t')
		v++;
	size_t n = strlen(t);
	if (strncasecmp(v, t, n) != 0)
		return false;
	for (v += n; *v == ' ' || *v == '\t'; v++)
		;
	return *v == '\0';
}

/* A Content-Length value: one decimal number, or a list of the same number
 * (RFC 9110 section 8.6: a recipient may take a list of identical values as
 * one; lws joins repeated headers with ','). False for anything else. */
static bool content_length_ok(const char *v, unsigned long long *out)
{
	bool first = true;
	for (const char *p = v;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		size_t n = strspn(p, "0123456789");
		if (n == 0 || n > 18)
			return false;
		unsigned long long x = strtoull(p, NULL, 10);
		if (!first && x != *out)
			return false;
		*out = x;
		first = false;
		for (p += n; *p == ' ' || *p == '\t'; p++)
			;
		if (*p == '\0')
			return true;
		if (*p++ != ',')
			return false;
	}
}

/* How the request's body is framed (RFC 9112 section 6.3), read before it is
 * routed. Refused (the status to answer, then close: request smuggling
 * shapes, where a proxy in front may have framed the request otherwise):
 * Content-Length together with Transfer-Encoding, a Content-Length that is
 * not one number (or two that differ), a transfer coding other than
 * "chunked" alone (501, section 6.1). A chunked body is decoded by
 * net_chunked.c; a POST, PUT or PATCH with neither header has an empty body
 * (section 6.3, rule 7), which lws would wait for as 100 MiB
 * (docs/engineio.md, pitfall 16): no_body. */
int net_http_read_framing(net_http *h)
{
	char v[128];
	struct lws *wsi = h->wsi;
	int te = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING);
	int cl = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH);
	if (te && cl)
		return 400;
	if (te) {
		if (lws_hdr_copy(wsi, v, sizeof(v), WSI_TOKEN_HTTP_TRANSFER_ENCODING) < 0 ||
		    !is_only_token(v, "chunked"))
			return 501;
		h->chunked = h->body_pending = true;
		return 0;
	}
	if (cl) {
		unsigned long long n = 0;
		if (lws_hdr_copy(wsi, v, sizeof(v), WSI_TOKEN_HTTP_CONTENT_LENGTH) < 0 ||
		    !content_length_ok(v, &n))
			return 400;
		h->body_pending = n > 0;
		return 0;
	}
	h->no_body = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) ||
	             lws_hdr_total_length(wsi, WSI_TOKEN_PUT_URI) ||
	             lws_hdr_total_length(wsi, WSI_TOKEN_PATCH_URI);
	return 0;
}

bool net_http_content_length(const net_http *h, unsigned long long *len)
{
	char cl[32];
	if (lws_hdr_copy(h->wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0)
		return false;
	*len = strtoull(cl, NULL, 10);
	return true;
}

/* A query argument fragment ("k=v", decoded) of the current request: lws
 * keeps the whole request head in max_http_header_data bytes (8192,
 * net_listener.c), so no fragment is longer. A smaller buffer would make
 * lws_hdr_copy_fragment() fail on a long argument as if the arguments ended
 * there, hiding the ones after it. */
#define NET_FRAG_MAX 8193

bool net_request_peek_query(struct lws *wsi, const char *name, char *buf, size_t len)
{
	/* lws_get_urlarg_by_name() is a prefix match that leaves "name=" in the
	 * buffer (docs/engineio.md, pitfall 5): match the exact name over the
	 * decoded fragments instead. A value that does not fit is given as ""
	 * (present, and no valid value): a sid too long for any session must
	 * not read as no sid, i.e. a new handshake. */
	char frag[NET_FRAG_MAX];
	size_t nl = strlen(name);
	for (int i = 0;; i++) {
		int n = lws_hdr_copy_fragment(wsi, frag, sizeof(frag), WSI_TOKEN_HTTP_URI_ARGS, i);
		if (n < 0)
			return false;
		if ((size_t)n > nl && frag[nl] == '=' && memcmp(frag, name, nl) == 0) {
			size_t vl = (size_t)n - nl - 1;
			if (len == 0)
				return true;
			if (vl >= len)
				vl = 0;
			memcpy(buf, frag + nl + 1, vl);
			buf[vl] = '\0';
			return true;
		}
	}
}

/* Every header lws knows by name ("host:", "cookie:", ...). Tokens whose name
 * does not end in ':' are request-line parts (method, URI args) or h2
 * pseudo-headers, not headers. */
static int capture_headers(builder *b, struct lws *wsi, size_t *count)
{
	char val[4096];
	for (int t = 0; t < WSI_TOKEN_COUNT; t++) {
		const char *name = (const char *)lws_token_to_string((enum lws_token_indexes)t);
		if (!name)
			continue;
		size_t nl = strlen(name);
		if (nl < 2 || name[nl - 1] != ':' || name[0] == ':')
			continue;
		int n = lws_hdr_total_length(wsi, (enum lws_token_indexes)t);
		if (n <= 0 || n >= (int)sizeof(val))
			continue;
		if (lws_hdr_copy(wsi, val, sizeof(val), (enum lws_token_indexes)t) < 0)
			continue;
		if (b_add(b, name, nl - 1) < 0 || b_add(b, val, strlen(val)) < 0)
			return -1;
		(*count)++;
	}
	return 0;
}

/* Headers lws does not know by name are kept by lws 4.1 but cannot be listed,
 * only looked up by name: capture the ones the application asked for. */
static int capture_custom_headers(builder *b, struct lws *wsi, const char *names, size_t *count)
{
	char name[128], val[4096];
	for (const char *p = names; p && *p;) {
		while (*p == ',' || *p == ' ')
			p++;
		size_t n = strcspn(p, ", ");
		if (n > 0 && n + 2 <= sizeof(name)) {
			for (size_t i = 0; i < n; i++)
				name[i] = (char)tolower((unsigned char)p[i]);
			name[n] = ':';
			name[n + 1] = '\0';
			int vl = lws_hdr_custom_length(wsi, name, (int)n + 1);
			if (vl >= 0 && vl < (int)sizeof(val) &&
			    lws_hdr_custom_copy(wsi, val, sizeof(val), name, (int)n + 1) >= 0) {
				if (b_add(b, name, n) < 0 || b_add(b, val, strlen(val)) < 0)
					return -1;
				(*count)++;
			}
		}
		p += n;
	}
	return 0;
}

/* lws stores query arguments URL-decoded, one fragment per "k=v". */
static int capture_query(builder *b, struct lws *wsi, size_t *count)
{
	char frag[NET_FRAG_MAX];
	for (int i = 0;; i++) {
		int n = lws_hdr_copy_fragment(wsi, frag, sizeof(frag), WSI_TOKEN_HTTP_URI_ARGS, i);
		if (n < 0)
			break;
		char *eq = memchr(frag, '=', (size_t)n);
		size_t kl = eq ? (size_t)(eq - frag) : (size_t)n;
		const char *v = eq ? eq + 1 : "";
		if (b_add(b, frag, kl) < 0 || b_add(b, v, strlen(v)) < 0)
			return -1;
		(*count)++;
	}
	return 0;
}

/* "::ffff:127.0.0.1" (IPv4-mapped, as lws reports IPv4 peers) -> "127.0.0.1". */
static const char *normalise_addr(const char *a)
{
	if (strncasecmp(a, "::ffff:", 7) == 0 && strchr(a + 7, '.'))
		return a + 7;
	return a;
}

static int capture_address(builder *b, struct lws *wsi, bool trust_proxy)
{
	char addr[128] = "";
	if (trust_proxy) {
		char xff[512];
		if (net_request_peek_header(wsi, WSI_TOKEN_X_FORWARDED_FOR, xff, sizeof(xff)) > 0) {
			/* The client is the left-most entry. */
			char *s = xff;
			while (*s == ' ')
				s++;
			size_t n = strcspn(s, ", ");
			if (n > 0)
				return b_add(b, s, n);
		}
	}
	lws_get_peer_simple(wsi, addr, sizeof(addr));
	const char *a = normalise_addr(addr);
	return b_add(b, a, strlen(a));
}

/* The URL is rebuilt, not kept as received: lws hands over the path it
 * parsed and the query arguments URL-decoded, one by one. So the URL is
 * that path, then "?" and "k=v" pairs of the decoded values joined by "&"
 * (nothing after the path without arguments). */
static int capture_url(builder *b, const char *path, size_t nheaders, size_t nquery)
{
	size_t first = nheaders * 2;
	size_t need = strlen(path) + 2;
	for (size_t i = 0; i < nquery * 2; i++)
		need += strlen(b->buf + b->offs[first + i]) + 1;
	char *url = malloc(need);
	if (!url)
		return -1;
	char *p = url;
	p += sprintf(p, "%s", path);
	for (size_t i = 0; i < nquery; i++)
		p += sprintf(p, "%c%s=%s", i ? '&' : '?', b->buf + b->offs[first + 2 * i],
		             b->buf + b->offs[first + 2 * i + 1]);
	int r = b_add(b, url, (size_t)(p - url));
	free(url);
	return r;
}

net_request *net_request_capture(struct lws *wsi, const char *path, const char *custom_headers,
                                 bool trust_proxy)
{
	builder b = { 0 };
	size_t nh = 0, nq = 0;
	net_request *r = NULL;
	if (capture_headers(&b, wsi, &nh) < 0 ||
	    capture_custom_headers(&b, wsi, custom_headers, &nh) < 0 ||
	    capture_query(&b, wsi, &nq) < 0 || capture_address(&b, wsi, trust_proxy) < 0 ||
	    capture_url(&b, path, nh, nq) < 0)
		goto out;
	size_t table = b.noffs * sizeof(char *);
	r = malloc(sizeof(*r) + table + b.len);
	if (!r)
		goto out;
	char *strings = (char *)r->strs + table;
	memcpy(strings, b.buf, b.len);
	for (size_t i = 0; i < b.noffs; i++)
		r->strs[i] = strings + b.offs[i];
	r->nheaders = nh;
	r->nquery = nq;
	r->address = r->strs[b.noffs - 2];
	r->url = r->strs[b.noffs - 1];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	r->time_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
out:
	free(b.buf);
	free(b.offs);
	return r;
}

void net_request_free(net_request *r)
{
	free(r);
}

const char *net_request_header(const net_request *req, const char *name)
{
	for (size_t i = 0; i < req->nheaders; i++)
		if (strcasecmp(req->strs[2 * i], name) == 0)
			return req->strs[2 * i + 1];
	return NULL;
}

const char *net_request_query(const net_request *req, const char *name)
{
	const char *const *q = req->strs + 2 * req->nheaders;
	for (size_t i = 0; i < req->nquery; i++)
		if (strcmp(q[2 * i], name) == 0)
			return q[2 * i + 1];
	return NULL;
}

bool net_request_query_at(const net_request *req, size_t i, const char **name, const char **value)
{
	if (i >= req->nquery)
		return false;
	const char *const *q = req->strs + 2 * req->nheaders;
	*name = q[2 * i];
	*value = q[2 * i + 1];
	return true;
}

bool net_request_header_at(const net_request *req, size_t i, const char **name, const char **value)
{
	if (i >= req->nheaders)
		return false;
	*name = req->strs[2 * i];
	*value = req->strs[2 * i + 1];
	return true;
}

const char *net_request_address(const net_request *req)
{
	return req->address;
}
const char *net_request_url(const net_request *req)
{
	return req->url;
}
uint64_t net_request_time_ms(const net_request *req)
{
	return req->time_ms;
}
