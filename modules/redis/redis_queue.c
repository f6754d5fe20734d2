/* redis_queue.c - the FIFO of publishes waiting for Redis (redis_queue.h).
 * One allocation per message (header, channel and payload together): a
 * queue of many small publishes while Redis restarts costs one malloc each.
 */
#include "redis_queue.h"

#include <stdlib.h>
#include <string.h>

redis_qmsg *redis_qmsg_new(const char *channel, size_t chlen, const char *key, const void *payload,
                           size_t len)
{
	size_t klen = key ? strlen(key) : 0;
	redis_qmsg *m = malloc(sizeof *m + chlen + 1 + klen + 1 + len);
	if (!m)
		return NULL;
	m->next = NULL;
	m->chlen = chlen;
	m->klen = klen;
	m->len = len;
	memcpy(m->data, channel, chlen);
	m->data[chlen] = '\0';
	if (klen)
		memcpy(m->data + chlen + 1, key, klen);
	m->data[chlen + 1 + klen] = '\0';
	if (len)
		memcpy(m->data + chlen + 1 + klen + 1, payload, len);
	return m;
}

void redis_queue_append(redis_queue *q, redis_qmsg *m)
{
	m->next = NULL;
	if (q->tail)
		q->tail->next = m;
	else
		q->head = m;
	q->tail = m;
	q->bytes += m->chlen + m->len;
}

int redis_queue_push(redis_queue *q, const char *channel, size_t chlen, const char *key,
                     const void *payload, size_t len)
{
	redis_qmsg *m = redis_qmsg_new(channel, chlen, key, payload, len);
	if (!m)
		return -1;
	redis_queue_append(q, m);
	return 0;
}

redis_qmsg *redis_queue_take(redis_queue *q)
{
	redis_qmsg *m = q->head;
	if (!m)
		return NULL;
	q->head = m->next;
	if (!q->head)
		q->tail = NULL;
	q->bytes -= m->chlen + m->len;
	m->next = NULL;
	return m;
}

void redis_queue_pop(redis_queue *q)
{
	free(redis_queue_take(q));
}

void redis_queue_clear(redis_queue *q)
{
	while (q->head)
		redis_queue_pop(q);
}
