/* net_proxy.c - who the client of a request is, for admission control: the
 * peer, or, when the peer is a trusted proxy, the address its
 * X-Forwarded-For names.
 *
 * A proxy appends the address it took the request from to X-Forwarded-For,
 * so the entries are ordered client first, nearest proxy last, and only the
 * entries written by trusted proxies can be believed: a client may send any
 * X-Forwarded-For it likes. So the list is read from the right, skipping
 * the addresses of trusted proxies; the first other entry is the client
 * (what node's proxy-addr does with a trust function, and nginx's realip
 * module with real_ip_recursive on). A request that names no address but
 * trusted ones (nginx's own health check, say) has no client address: it
 * is not counted per address, so a proxy's own address is never capped.
 *
 * Trusted proxies are given as a comma-separated list of addresses and
 * CIDR ranges, IPv4 or IPv6 ("127.0.0.1, 10.0.0.0/8, fd00::/8"); an IPv4
 * address is compared in its IPv4-mapped IPv6 form (::ffff:a.b.c.d), as
 * lws reports IPv4 peers on a dual-stack socket.
 */
#include "net_internal.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

typedef struct net_cidr {
	unsigned char addr[16];
	unsigned bits; /* prefix length in the 128-bit form */
} net_cidr;

struct net_proxies {
	size_t n;
	net_cidr cidr[];
};

/* An address in its 16-byte form (IPv4 mapped); false when it is none. */
static bool parse_addr(const char *s, unsigned char out[16], bool *v4)
{
	struct in_addr a4;
	*v4 = inet_pton(AF_INET, s, &a4) == 1;
	if (*v4) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &a4, 4);
		return true;
	}
	return inet_pton(AF_INET6, s, out) == 1;
}

/* One list entry, "addr" or "addr/bits", trimmed; false when invalid. */
static bool parse_cidr(const char *s, size_t n, net_cidr *c)
{
	char buf[64];
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	char *slash = strchr(buf, '/');
	long bits = -1;
	if (slash) {
		char *end;
		*slash = 0;
		bits = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end || bits < 0)
			return false;
	}
	bool v4;
	if (!parse_addr(buf, c->addr, &v4))
		return false;
	long max = v4 ? 32 : 128;
	if (bits > max)
		return false;
	c->bits = (unsigned)((bits < 0 ? max : bits) + (v4 ? 96 : 0));
	return true;
}

net_proxies *net_proxies_parse(const char *list, int *err)
{
	*err = 0;
	if (!list || !*list)
		return NULL;
	size_t n = 1;
	for (const char *p = list; *p; p++)
		n += *p == ',';
	net_proxies *px = calloc(1, sizeof(*px) + n * sizeof(net_cidr));
	if (!px) {
		*err = NET_ENOMEM;
		return NULL;
	}
	for (const char *p = list;;) {
		size_t len = strcspn(p, ",");
		if (!parse_cidr(p, len, &px->cidr[px->n++])) {
			free(px);
			*err = NET_EINVAL;
			return NULL;
		}
		if (!p[len])
			break;
		p += len + 1;
	}
	return px;
}

void net_proxies_free(net_proxies *px)
{
	free(px);
}

static bool in_cidr(const net_cidr *c, const unsigned char a[16])
{
	unsigned full = c->bits / 8, rest = c->bits % 8;
	if (memcmp(c->addr, a, full) != 0)
		return false;
	if (!rest)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (c->addr[full] & mask) == (a[full] & mask);
}

bool net_proxies_trusted(const net_proxies *px, const char *addr)
{
	unsigned char a[16];
	bool v4;
	if (!px || !parse_addr(addr, a, &v4))
		return false;
	for (size_t i = 0; i < px->n; i++)
		if (in_cidr(&px->cidr[i], a))
			return true;
	return false;
}

/* Copy s[0..n) to out as a normalised address ("::ffff:1.2.3.4" -> "1.2.3.4"). */
static void put_addr(const char *s, size_t n, char *out, size_t len)
{
	if (n > 7 && strncasecmp(s, "::ffff:", 7) == 0 && memchr(s + 7, '.', n - 7)) {
		s += 7;
		n -= 7;
	}
	if (n >= len)
		n = len - 1;
	memcpy(out, s, n);
	out[n] = 0;
}

/* The right-most X-Forwarded-For entry that is not a trusted proxy. */
static bool forwarded_client(const char *xff, const net_proxies *px, char *out, size_t len)
{
	size_t end = strlen(xff);
	while (end > 0) {
		size_t start = end;
		while (start > 0 && xff[start - 1] != ',')
			start--;
		const char *s = xff + start;
		size_t n = end - start;
		while (n && (*s == ' ' || *s == '\t'))
			s++, n--;
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (n) {
			put_addr(s, n, out, len);
			if (!net_proxies_trusted(px, out))
				return true;
		}
		end = start ? start - 1 : 0;
	}
	return false;
}

bool net_client_address(struct lws *wsi, const net_proxies *px, char *out, size_t len)
{
	char peer[128] = "";
	lws_get_peer_simple(wsi, peer, sizeof(peer));
	put_addr(peer, strlen(peer), out, len);
	if (!net_proxies_trusted(px, out))
		return true;
	/* Read whole, however long: a client may pad the header it sends
	 * through the proxy, and a header left unread must not exempt it. */
	int n = lws_hdr_total_length(wsi, WSI_TOKEN_X_FORWARDED_FOR);
	char *xff = n > 0 ? malloc((size_t)n + 1) : NULL;
	if (!xff || lws_hdr_copy(wsi, xff, n + 1, WSI_TOKEN_X_FORWARDED_FOR) < 0) {
		/* No header: the proxy's own request. No memory: the peer. */
		free(xff);
		return n > 0;
	}
	bool found = forwarded_client(xff, px, out, len);
	free(xff);
	return found;
}
