/* fuzz_eio_origin.c - libFuzzer target for net/net_origin.c's pure
 * functions, net_origin_in_list and net_origin_is_host.
 *
 * The Origin and Host headers come from the network (any page, any client)
 * and decide whether a WebSocket or a polling request from a browser page is
 * allowed, so a wrong "yes" is a cross-site hole. Input: three parts split at
 * newlines, the list (eio_options.cors_origin syntax, normally from the
 * configuration), the Origin and the Host. Checks:
 *   - both functions agree with a reference written here from the documented
 *     rules (entries separated by ',' or ' '; "*" any origin; an exact entry,
 *     case-insensitive; "scheme://host:*" that origin with no port or with
 *     1 to 5 digits; is_host: the origin after "://" equals Host, ignoring
 *     case);
 *   - NULL or empty arguments are refusals; "*" admits every non-empty origin;
 *     an exact entry admits itself wherever it is in a list; matching
 *     ignores ASCII case on both sides; the origin built from a Host is that
 *     host's own.
 * Any crash, sanitizer report or failed check (abort) is a finding.
 *
 *   make fuzz && build-fuzz/fuzz_eio_origin -max_total_time=60
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/net.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

static bool sep(char c)
{
	return c == ',' || c == ' ';
}

static bool ieq(const char *a, size_t an, const char *b, size_t bn)
{
	if (an != bn)
		return false;
	for (size_t i = 0; i < an; i++)
		if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
			return false;
	return true;
}

static bool ref_entry(const char *e, size_t n, const char *o)
{
	size_t on = strlen(o);
	if (n == 1 && e[0] == '*')
		return true;
	if (n >= 2 && e[n - 2] == ':' && e[n - 1] == '*') {
		size_t pn = n - 2;
		if (on < pn || !ieq(e, pn, o, pn))
			return false;
		if (on == pn)
			return true;
		if (o[pn] != ':')
			return false;
		size_t d = on - pn - 1;
		if (d < 1 || d > 5)
			return false;
		for (size_t i = pn + 1; i < on; i++)
			if (o[i] < '0' || o[i] > '9')
				return false;
		return true;
	}
	return ieq(e, n, o, on);
}

static bool ref_in_list(const char *l, const char *o)
{
	if (!l || !o || !*o)
		return false;
	size_t i = 0, n = strlen(l);
	while (i < n) {
		while (i < n && sep(l[i]))
			i++;
		size_t j = i;
		while (j < n && !sep(l[j]))
			j++;
		if (j > i && ref_entry(l + i, j - i, o))
			return true;
		i = j;
	}
	return false;
}

static bool ref_is_host(const char *o, const char *h)
{
	if (!o || !h || !*h)
		return false;
	const char *s = strstr(o, "://");
	return s && ieq(s + 3, strlen(s + 3), h, strlen(h));
}

static char *upper(const char *s)
{
	char *u = strdup(s);
	CHECK(u);
	for (char *p = u; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return u;
}

static char *cat3(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *s = malloc(n);
	CHECK(s);
	snprintf(s, n, "%s%s%s", a, b, c);
	return s;
}

static void check_list(const char *list, const char *origin)
{
	bool got = net_origin_in_list(list, origin);
	CHECK(got == ref_in_list(list, origin));
	CHECK(!net_origin_in_list(list, ""));
	CHECK(!net_origin_in_list(list, NULL));
	CHECK(!net_origin_in_list(NULL, origin));

	/* case: neither side's ASCII case matters */
	char *ul = upper(list), *uo = upper(origin);
	CHECK(net_origin_in_list(ul, origin) == got);
	CHECK(net_origin_in_list(list, uo) == got);
	free(ul);
	free(uo);

	/* "*" anywhere admits every origin */
	char *star = cat3(list, ",", "*");
	CHECK(net_origin_in_list(star, origin) == (*origin != '\0'));
	free(star);

	/* an exact entry admits itself, first or last in a list; an origin
     * with a separator or ending in ":*" is not one entry */
	size_t on = strlen(origin);
	bool single = on > 0 && !strpbrk(origin, ", ") &&
	              !(on >= 2 && origin[on - 2] == ':' && origin[on - 1] == '*');
	if (single) {
		char *a = cat3(origin, ", ", list), *b = cat3(list, " ", origin);
		CHECK(net_origin_in_list(origin, origin));
		CHECK(net_origin_in_list(a, origin));
		CHECK(net_origin_in_list(b, origin));
		free(a);
		free(b);
	}
	/* adding entries never removes an origin */
	if (got) {
		char *c = cat3(list, ",", "https://x.test");
		CHECK(net_origin_in_list(c, origin));
		free(c);
	}
}

static void check_host(const char *origin, const char *host)
{
	bool got = net_origin_is_host(origin, host);
	CHECK(got == ref_is_host(origin, host));
	CHECK(!net_origin_is_host(origin, ""));
	CHECK(!net_origin_is_host(origin, NULL));
	CHECK(!net_origin_is_host(NULL, host));
	/* a page served by this host is its own origin, in either scheme,
     * unless the host itself holds "://" (then the first one is the
     * scheme's) */
	if (*host && !strstr(host, "://")) {
		char *o = cat3("https", "://", host);
		CHECK(net_origin_is_host(o, host));
		free(o);
		o = cat3("http://", host, "");
		char *uh = upper(host);
		CHECK(net_origin_is_host(o, uh));
		free(uh);
		free(o);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1), *parts[3] = { "", "", "" };
	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	char *p = in;
	for (int i = 0; i < 3 && p; i++) {
		parts[i] = p;
		p = strchr(p, '\n');
		if (p && i < 2)
			*p++ = '\0';
		else
			p = NULL;
	}
	check_list(parts[0], parts[1]);
	check_list(parts[0], parts[2]); /* a Host as an Origin: no scheme */
	check_host(parts[1], parts[2]);
	free(in);
	return 0;
}
