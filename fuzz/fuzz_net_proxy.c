/* fuzz_net_proxy.c - libFuzzer target for the trusted-proxy list and the
 * address check of admission control (net/net_proxy.c): the list comes
 * from the configuration, the addresses from X-Forwarded-For, which any
 * client writes.
 *
 * The input is split at its first newline: the part before is parsed as a
 * proxy list (addresses and CIDR ranges, comma-separated), each
 * comma-separated entry of the part after is checked against it and
 * against a fixed list. A list that parses must trust every address it
 * names literally, and nothing is trusted by an empty list. Any crash,
 * sanitizer report, leak or failed check (abort) is a finding.
 *
 *   make fuzz && build-fuzz/fuzz_net_proxy -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../net/net.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

static net_proxies *fixed;

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t len)
{
	if (!fixed) {
		int err = 0;
		fixed = net_proxies_parse("127.0.0.1, 10.0.0.0/8, ::1, fd00::/8", &err);
		CHECK(fixed != NULL);
	}
	char *s = malloc(len + 1);
	if (!s)
		return 0;
	memcpy(s, in, len);
	s[len] = '\0';
	char *nl = memchr(s, '\n', len);
	char *addrs = "";
	if (nl) {
		*nl = '\0';
		addrs = nl + 1;
	}
	int err = 0;
	net_proxies *px = net_proxies_parse(s, &err);
	/* A list that is a single plain address trusts that address. */
	if (px && !strpbrk(s, ",/ \t") && *s)
		CHECK(net_proxies_trusted(px, s));
	for (char *save = NULL, *a = strtok_r(addrs, ",", &save); a;
	     a = strtok_r(NULL, ",", &save)) {
		(void)net_proxies_trusted(fixed, a);
		if (px)
			(void)net_proxies_trusted(px, a);
	}
	net_proxies_free(px);
	free(s);
	return 0;
}
