/* util.h - the bottom of sio-bench: a growable byte buffer and the monotonic
 * clock, used by every layer above (chan.c, proto.c, worker.c, main.c) and
 * calling none of them.
 *
 * The buffer aborts the process when memory runs out: the bench is a
 * measuring tool, and a run that lost bytes would report wrong figures.
 */
#ifndef SIO_BENCH_UTIL_H
#define SIO_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

typedef struct buf {
	char *p;
	size_t len, cap;
} buf;

void buf_reserve(buf *b, size_t extra);
void buf_append(buf *b, const void *d, size_t n);
void buf_consume(buf *b, size_t n);
void buf_free(buf *b);

/* CLOCK_MONOTONIC in microseconds. */
uint64_t now_us(void);

#endif
