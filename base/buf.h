/* buf.h - a growable byte buffer (base layer): the output of the JSON writer
 * and of every packet encoder. Appends are amortized O(1); a failed
 * allocation leaves the buffer as it was.
 */
#ifndef BASE_BUF_H
#define BASE_BUF_H

#include <stddef.h>

#define BASE_BUF_ENOMEM (-5) /* allocation failed (the value of BASE_JSON_ENOMEM) */

typedef struct base_buf {
	char *data;
	size_t len, cap;
} base_buf;

#define BASE_BUF_INIT      \
	{                  \
		NULL, 0, 0 \
	}

void base_buf_init(base_buf *b);
void base_buf_free(base_buf *b);
int base_buf_grow(base_buf *b, size_t extra); /* slow path of reserve */
int base_buf_append(base_buf *b, const void *p, size_t n);

/* Make room for extra more bytes; 0 or BASE_BUF_ENOMEM. */
static inline int base_buf_reserve(base_buf *b, size_t extra)
{
	return extra <= b->cap - b->len ? 0 : base_buf_grow(b, extra);
}

static inline int base_buf_putc(base_buf *b, char c)
{
	if (b->len == b->cap && base_buf_grow(b, 1))
		return BASE_BUF_ENOMEM;
	b->data[b->len++] = c;
	return 0;
}

#endif
