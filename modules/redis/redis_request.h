/* redis_request.h - the requests this server sent to the others and is
 * waiting on: allRooms (1), fetchSockets (5), serverSideEmit with acks (6),
 * broadcast with acks (7), by their requestId (node's uid2(6) format).
 *
 * Each holds the library's request (socketio/adapter.h) until every server
 * PUBSUB NUMSUB counted has answered, or until its deadline: then the
 * servers that did not answer are counted (stats requests_timed_out,
 * answers_missing) and the request ends with the answers received, so a
 * member that never answers never hangs it. A broadcast with acks stays
 * until its ack timeout, as node's ackRequests do, since clients answer
 * after their server's count.
 */
#ifndef REDIS_REQUEST_H
#define REDIS_REQUEST_H

#include "redis_wire.h"
#include "socketio/redis.h"

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

/* Added to a request's deadline (see redis_request.c). */
#define REDIS_DEADLINE_SLACK_MS 50

typedef struct redis_requests redis_requests;
typedef struct redis_pending redis_pending;

/* stats: where the request counters go (requests, requests_timed_out,
 * answers_missing). */
redis_requests *redis_requests_new(uv_loop_t *loop, sio_redis_stats *stats);
/* Let every request go (no callback runs); timers close on the next loop
 * run. */
void redis_requests_free(redis_requests *q);

/* A random id as node's uid2(n): n characters of A-Z a-z 0-9 - _. */
void redis_random_id(char *out, size_t n);

/* Track r (the adapter's reference, now held by the table) as request
 * `type` until deadline_ms. The number of servers to wait for is not known
 * yet: redis_pending_expect. NULL when memory runs out (r is released). */
redis_pending *redis_pending_add(redis_requests *q, int type, sio_request *r, unsigned deadline_ms);
const char *redis_pending_id(const redis_pending *p);
sio_request *redis_pending_request(const redis_pending *p);
int redis_pending_type(const redis_pending *p);
redis_pending *redis_pending_find(redis_requests *q, const char *id);
/* NUMSUB said how many other servers will answer; tells the library. */
void redis_pending_expect(redis_pending *p, size_t servers);
/* One server answered (after its answer was given to the library). */
void redis_pending_answered(redis_pending *p);
/* A PUBSUB NUMSUB for p is under way / has come back: p is not freed in
 * between (the count callback holds it). Returns false when p was let go
 * meanwhile (and is now freed): do nothing more with it. */
void redis_pending_hold(redis_pending *p);
bool redis_pending_unhold(redis_pending *p);

#endif
