/* redis_queue.c - the FIFO of publishes waiting for Redis (redis_queue.h).
 * One allocation per message (header, channel and payload together): a
 * queue of many small publishes while Redis restarts costs one malloc each.
 */
#include "redis_queue.h"

#include <stdlib.h>
#include <string.h>

int redis_queue_push(redis_queue *q, const char *channel, size_t chlen, const char *key,
                     const void *payload, size_t len)
{
	size_t klen = key ? strlen(key) : 0;
	redis_qmsg *m = malloc(sizeof *m + chlen + 1 + klen + 1 + len);
	if (!m)
		return -1;
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
	if (q->tail)
		q->tail->next = m;
	else
		q->head = m;
	q->tail = m;
	q->bytes += chlen + len;
	return 0;
}

void redis_queue_pop(redis_queue *q)
{
	redis_qmsg *m = q->head;
	if (!m)
		return;
	q->head = m->next;
	if (!q->head)
		q->tail = NULL;
	q->bytes -= m->chlen + m->len;
	free(m);
}

void redis_queue_clear(redis_queue *q)
{
	while (q->head)
		redis_queue_pop(q);
}
