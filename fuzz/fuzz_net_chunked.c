/* fuzz_net_chunked.c - libFuzzer target for the chunked request body decoder
 * (net/net_chunked.c, RFC 9112 section 7.1): what a client sends as a
 * Transfer-Encoding: chunked body is any bytes, split across reads anywhere.
 *
 * The input's first byte picks a split point; the rest is fed to one decoder
 * whole and to another in two pieces (the second piece from the split on),
 * and the two must agree: the same result (-1 refused, 1 done, 0 wants more),
 * the same decoded data, where the body ended. Decoded data is never longer
 * than the input. Any crash, sanitizer report, leak or failed check (abort)
 * is a finding.
 *
 *   make fuzz && build-fuzz/fuzz_net_chunked -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../net/net_internal.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

/* The decoded data of one run, gathered through the data callback (the
 * callback has no user pointer: the decoder is given its net_http). */
static struct sink {
	unsigned char buf[65536];
	size_t len;
	size_t over; /* bytes that did not fit in buf (still counted) */
} sinks[2];
static int cur;

static void data(net_http *h, const char *d, size_t n)
{
	(void)h;
	struct sink *s = &sinks[cur];
	size_t room = sizeof(s->buf) - s->len;
	size_t k = n < room ? n : room;
	memcpy(s->buf + s->len, d, k);
	s->len += k;
	s->over += n - k;
}

/* Feed pieces in order until one ends or refuses the body. */
static int run(int which, const char *a, size_t alen, const char *b, size_t blen)
{
	net_http h;
	memset(&h, 0, sizeof(h));
	cur = which;
	sinks[which].len = sinks[which].over = 0;
	int r = net_chunked_feed(&h, a, alen, data);
	if (r == 0 && blen)
		r = net_chunked_feed(&h, b, blen, data);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t len)
{
	if (len < 1)
		return 0;
	const char *body = (const char *)in + 1;
	size_t n = len - 1;
	size_t split = n ? in[0] % (n + 1) : 0;

	int whole = run(0, body, n, NULL, 0);
	int parts = run(1, body, split, body + split, n - split);
	CHECK(whole == parts);
	CHECK(whole >= -1 && whole <= 1);
	if (whole != -1) {
		CHECK(sinks[0].len == sinks[1].len && sinks[0].over == sinks[1].over);
		CHECK(memcmp(sinks[0].buf, sinks[1].buf, sinks[0].len) == 0);
	}
	CHECK(sinks[0].len + sinks[0].over <= n);
	return 0;
}
