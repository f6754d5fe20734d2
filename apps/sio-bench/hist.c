/* hist.c - sio-bench's round-trip histogram: log-linear buckets, exact below
 * 2,048 us and within 0.1% above (1,024 sub-buckets per power of two), so
 * that each worker thread records into its own and the report merges them by
 * adding counts. A fixed 94 KB per worker, whatever the number of samples.
 */
#include "hist.h"

#include <stdlib.h>
#include <string.h>

#define EXACT    2048u /* values below are their own bucket */
#define SUB      1024u /* sub-buckets per power of two above */
#define NBUCKETS (EXACT + (32u - 11u) * SUB)

static uint32_t bucket_of(uint32_t v)
{
	if (v < EXACT)
		return v;
	unsigned e = 31u - (unsigned)__builtin_clz(v); /* 11..31 */
	unsigned shift = e - 10u;
	return EXACT + (e - 11u) * SUB + ((v >> shift) - SUB);
}

/* The lowest value of bucket i. */
static uint32_t value_of(uint32_t i)
{
	if (i < EXACT)
		return i;
	uint32_t e = (i - EXACT) / SUB + 11u, m = (i - EXACT) % SUB + SUB;
	return m << (e - 10u);
}

int hist_init(hist *h)
{
	memset(h, 0, sizeof(*h));
	h->b = calloc(NBUCKETS, sizeof(*h->b));
	return h->b ? 0 : -1;
}

void hist_free(hist *h)
{
	free(h->b);
	memset(h, 0, sizeof(*h));
}

void hist_add(hist *h, uint32_t v)
{
	h->b[bucket_of(v)]++;
	h->n++;
	if (v > h->max)
		h->max = v;
}

void hist_merge(hist *dst, const hist *src)
{
	if (!src->n)
		return;
	for (uint32_t i = 0; i < NBUCKETS; i++)
		dst->b[i] += src->b[i];
	dst->n += src->n;
	if (src->max > dst->max)
		dst->max = src->max;
}

/* The value at rank floor(q * n) of the sorted samples (0-based). */
uint32_t hist_pct(const hist *h, double q)
{
	if (!h->n)
		return 0;
	uint64_t rank = (uint64_t)(q * (double)h->n), seen = 0;
	if (rank >= h->n)
		rank = h->n - 1;
	for (uint32_t i = 0; i < NBUCKETS; i++) {
		seen += h->b[i];
		if (seen > rank)
			return value_of(i) > h->max ? h->max : value_of(i);
	}
	return h->max;
}
