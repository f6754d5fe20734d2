/* fuzz_net_head.c - libFuzzer target for the head guard's measure.
 *
 * net_head_measure() (net/net_head.c) reads the first bytes of every new
 * connection straight from the network, as often as more of them arrive, so
 * any bytes must be measured without reading out of bounds. And the verdict
 * must not depend on how the bytes were split into arrivals: a prefix that is
 * already complete, already too large, or already holds a malformed line,
 * keeps that verdict when more bytes come (a head that cannot fit never fits
 * later, and the bytes after a complete head are not the head's); abort()
 * otherwise.
 */
#include <stdint.h>
#include <stdlib.h>

#include "../net/net_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	int whole = net_head_measure(in, size);
	if (whole < NET_HEAD_COMPLETE || whole > NET_HEAD_MALFORMED)
		abort();
	/* Every prefix: a final verdict stays. */
	for (size_t n = 0; n < size; n += 1 + n / 8) {
		int v = net_head_measure(in, n);
		if (v != NET_HEAD_MORE && v != whole)
			abort();
	}
	return 0;
}
