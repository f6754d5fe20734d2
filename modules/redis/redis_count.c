/* redis_count.c - PUBSUB NUMSUB queries answered exactly once
 * (redis_count.h).
 *
 * hiredis calls a command's callback exactly once: with the reply, or with
 * NULL when the context is freed (by us, from inside a reply callback or
 * not, or by hiredis on an error), possibly after the owner closed. So a
 * query lives until both happened: it was answered (answered) and hiredis
 * let go of it (in_hiredis false). An answer that comes with the reply runs
 * inside hiredis's reply callback, a network event; one that comes from a
 * teardown is deferred to the loop, where the user may do anything.
 */
#include "redis_count.h"

#include <hiredis/hiredis.h>
#include <stdlib.h>
#include <string.h>

static void q_unlink(redis_count_q *q)
{
	if (q->prev) {
		q->prev->next = q->next;
		q->next->prev = q->prev;
		q->prev = q->next = NULL;
	}
}

static void q_push(redis_count_q *head, redis_count_q *q)
{
	q->prev = head->prev;
	q->next = head;
	head->prev->next = q;
	head->prev = q;
}

void redis_counts_init(redis_counts *k, void (*wake)(void *ctx), void *ctx)
{
	memset(k, 0, sizeof *k);
	k->asked.prev = k->asked.next = &k->asked;
	k->deferred.prev = k->deferred.next = &k->deferred;
	k->wake = wake;
	k->ctx = ctx;
}

static void answer(redis_count_q *q, bool ok, long long n)
{
	q_unlink(q);
	q->answered = true;
	q->fn(ok, n, q->user);
	if (!q->in_hiredis)
		free(q);
}

static void defer(redis_counts *k, redis_count_q *q)
{
	q_unlink(q);
	q_push(&k->deferred, q);
	k->wake(k->ctx);
}

static void on_reply(redisAsyncContext *ac, void *r, void *priv)
{
	redis_count_q *q = priv;
	redisReply *reply = r;
	q->in_hiredis = false;
	if (q->answered) { /* the owner closed */
		free(q);
		return;
	}
	if (!reply || !ac->data) { /* the connection is going away */
		defer(q->k, q);
		return;
	}
	/* [channel, count] */
	bool ok = reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
	          reply->element[1]->type == REDIS_REPLY_INTEGER;
	answer(q, ok, ok ? reply->element[1]->integer : 0);
}

void redis_counts_ask(redis_counts *k, redisAsyncContext *ac, const char *channel,
                      redis_count_fn fn, void *user)
{
	redis_count_q *q = calloc(1, sizeof *q);
	if (!q || k->closed) {
		/* nothing to answer later with (out of memory), or closed: the
		 * only answers given inside the call */
		free(q);
		fn(false, 0, user);
		return;
	}
	q->k = k;
	q->fn = fn;
	q->user = user;
	const char *argv[3] = { "PUBSUB", "NUMSUB", channel };
	size_t lens[3] = { 6, 6, strlen(channel) };
	if (ac && redisAsyncCommandArgv(ac, on_reply, q, 3, argv, lens) == REDIS_OK) {
		q->in_hiredis = true;
		q_push(&k->asked, q);
		return;
	}
	defer(k, q);
}

void redis_counts_run(redis_counts *k)
{
	while (!k->closed && k->deferred.next != &k->deferred)
		answer(k->deferred.next, false, 0);
}

void redis_counts_close(redis_counts *k)
{
	k->closed = true;
	while (k->asked.next != &k->asked)
		answer(k->asked.next, false, 0);
	while (k->deferred.next != &k->deferred)
		answer(k->deferred.next, false, 0);
}
