/* buf.c - the growable byte buffer (see buf.h). */
#include "base/buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void base_buf_init(base_buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

void base_buf_free(base_buf *b)
{
	free(b->data);
	base_buf_init(b);
}

/* Grow to at least len + extra, doubling so appends are amortized O(1). */
int base_buf_grow(base_buf *b, size_t extra)
{
	size_t want, cap;
	char *d;

	if (extra > SIZE_MAX / 2 - b->len)
		return BASE_BUF_ENOMEM;
	want = b->len + extra;
	if (want <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256; /* one allocation for a typical packet */
	while (cap < want)
		cap *= 2;
	if (!(d = realloc(b->data, cap)))
		return BASE_BUF_ENOMEM;
	b->data = d;
	b->cap = cap;
	return 0;
}

int base_buf_append(base_buf *b, const void *p, size_t n)
{
	if (base_buf_reserve(b, n))
		return BASE_BUF_ENOMEM;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}
