/* redis_queue.h - the publishes waiting for Redis while it is away: a FIFO
 * of (channel, stream key, payload) copies with the count of their bytes, which the
 * connection layer (redis_conn.c) bounds by max_queued_bytes and sends in
 * order once Redis is back.
 */
#ifndef REDIS_QUEUE_H
#define REDIS_QUEUE_H

#include <stddef.h>

typedef struct redis_qmsg {
	struct redis_qmsg *next;
	size_t chlen, klen, len;
	char data[]; /* the channel, a NUL, the stream key, a NUL, the payload */
} redis_qmsg;

typedef struct redis_queue {
	redis_qmsg *head, *tail;
	size_t bytes; /* channel and payload bytes of every message */
} redis_queue;

/* Append copies of channel[0..chlen), the stream key (NULL: none; see
 * redis_conn_publish_kept) and payload[0..len): 0, or -1 when memory runs
 * out (nothing appended). */
int redis_queue_push(redis_queue *q, const char *channel, size_t chlen, const char *key,
                     const void *payload, size_t len);
static inline const char *redis_qmsg_key(const redis_qmsg *m)
{
	return m->klen ? m->data + m->chlen + 1 : NULL;
}
static inline const char *redis_qmsg_payload(const redis_qmsg *m)
{
	return m->data + m->chlen + 1 + m->klen + 1;
}
/* Remove and free the first message. */
void redis_queue_pop(redis_queue *q);
void redis_queue_clear(redis_queue *q);

#endif
