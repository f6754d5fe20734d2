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

/* One message: copies of channel[0..chlen), the stream key (NULL: none; see
 * redis_conn_publish_kept) and payload[0..len), in one allocation (free()
 * frees it); NULL when memory runs out. Also what redis_conn.c keeps of a
 * kept publish in flight, to send it again on a NOSCRIPT reply. */
redis_qmsg *redis_qmsg_new(const char *channel, size_t chlen, const char *key, const void *payload,
                           size_t len);
/* Append a copy (redis_qmsg_new): 0, or -1 when memory runs out (nothing
 * appended). */
int redis_queue_push(redis_queue *q, const char *channel, size_t chlen, const char *key,
                     const void *payload, size_t len);
/* Append m (the queue owns it then). */
void redis_queue_append(redis_queue *q, redis_qmsg *m);
static inline const char *redis_qmsg_key(const redis_qmsg *m)
{
	return m->klen ? m->data + m->chlen + 1 : NULL;
}
static inline const char *redis_qmsg_payload(const redis_qmsg *m)
{
	return m->data + m->chlen + 1 + m->klen + 1;
}
/* Remove the first message and give it to the caller (NULL: empty). */
redis_qmsg *redis_queue_take(redis_queue *q);
/* Remove and free the first message. */
void redis_queue_pop(redis_queue *q);
void redis_queue_clear(redis_queue *q);

#endif
