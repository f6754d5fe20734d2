/* redis_count.h - PUBSUB NUMSUB queries for the connections (redis_conn.c):
 * each answered exactly once and never from inside the call that asked,
 * with the count, or ok=false when Redis is away, answers an error, or the
 * connection goes before the answer. Those failures are answered from the
 * loop: the owner's wake() schedules redis_counts_run() (a zero timer).
 */
#ifndef REDIS_COUNT_H
#define REDIS_COUNT_H

#include "redis_conn.h"

#include <hiredis/async.h>
#include <stdbool.h>

struct redis_counts;

/* One query. Freed once it was answered and hiredis let go of it. */
typedef struct redis_count_q {
	struct redis_count_q *prev, *next; /* in asked or deferred */
	struct redis_counts *k;
	redis_count_fn fn;
	void *user;
	bool in_hiredis, answered;
} redis_count_q;

typedef struct redis_counts {
	redis_count_q asked;    /* list head: sent to Redis */
	redis_count_q deferred; /* list head: to answer ok=false from the loop */
	void (*wake)(void *ctx);
	void *ctx;
	bool closed;
} redis_counts;

void redis_counts_init(redis_counts *k, void (*wake)(void *ctx), void *ctx);
/* PUBSUB NUMSUB channel on ac, the publishing connection, up (NULL: Redis
 * is away, the answer is ok=false from the loop). ac->data must be non-NULL
 * while ac is live, and cleared before the owner frees it. */
void redis_counts_ask(redis_counts *k, redisAsyncContext *ac, const char *channel,
                      redis_count_fn fn, void *user);
/* From the loop, after wake(): answer the deferred ones ok=false. */
void redis_counts_run(redis_counts *k);
/* Closing: answer every pending query ok=false now; nothing after. */
void redis_counts_close(redis_counts *k);

#endif
