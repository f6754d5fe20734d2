/* hist.h - round-trip histograms (hist.c): one per worker thread, merged by
 * main.c for the report. Calls nothing of sio-bench.
 */
#ifndef SIO_BENCH_HIST_H
#define SIO_BENCH_HIST_H

#include <stdint.h>

typedef struct hist {
	uint32_t *b;
	uint64_t n;
	uint32_t max;
} hist;

int hist_init(hist *h);
void hist_free(hist *h);
void hist_add(hist *h, uint32_t v);
void hist_merge(hist *dst, const hist *src);
uint32_t hist_pct(const hist *h, double q);

#endif
