/* redis_stream.c - the ingest's Streams consumer (redis_stream.h): one
 * member of a consumer group, on a connection of its own (redis_client.c;
 * a blocking XREADGROUP holds a RESP2 connection until it returns).
 *
 * The commands (https://redis.io/commands/ , Redis 6.2+), in sequence on
 * that connection; each time it comes up the sequence starts over:
 * 1. XGROUP CREATE stream group start MKSTREAM for every stream: the group
 *    (and the stream) exist; BUSYGROUP ("already exists") is the usual
 *    answer and is fine.
 * 2. XREADGROUP GROUP group consumer COUNT n STREAMS s... 0...: this
 *    consumer's own pending entries (read before a lost connection, never
 *    acknowledged), again until none is left. They are handed over again:
 *    the callback may have run for them (at least once across a loss).
 * 3. When claim_interval_ms has passed: XAUTOCLAIM stream group consumer
 *    min-idle cursor COUNT n for every stream: entries another consumer
 *    read and left unacknowledged for claim_min_idle_ms (it died) become
 *    this one's, and are handed over (claimed). The cursor goes on from
 *    where the last call stopped ("0-0" when it went round).
 * 4. XREADGROUP GROUP group consumer COUNT n BLOCK ms STREAMS s... >...:
 *    new entries (or none within block_ms: a nil reply); then 3 or 4 again.
 * Every entry handed over is acknowledged at once after the callback
 * (XACK stream group id..., one per stream and read, pipelined before the
 * next read): an entry is pending only between a read and its callback's
 * end, so a live member's entries are never idle long enough to be claimed.
 * An entry whose content was deleted (XDEL) while pending comes back with
 * no fields: acknowledged, not handed over. A reply of an unexpected shape
 * (NOGROUP when the stream was deleted...) drops the connection: the next
 * attempt creates the group again.
 *
 * Bounded: at most `count` entries per stream per read; nothing is queued.
 */
#include "redis_stream.h"
#include "redis_client.h"

#include "base/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS "socketio:redis:ingest"
/* How long a command without BLOCK may take, and the slack on a blocking
 * read's block_ms, before the connection is taken for lost. */
#define CMD_TIMEOUT_MS 10000

enum step {
	S_IDLE, /* down */
	S_CREATE,
	S_HISTORY,
	S_CLAIM,
	S_READ
};

struct redis_stream {
	uv_loop_t *loop;
	redis_client *client;
	char **streams;
	char **cursors; /* XAUTOCLAIM's per stream */
	size_t n;
	char *group, *consumer, *field, *start_id;
	char count[16], block[16], min_idle[16];
	unsigned block_ms, claim_interval_ms;
	uint64_t next_claim;
	redis_entry_fn fn;
	redis_stream_state_fn on_state;
	void *user;
	enum step step;
	size_t waiting; /* replies awaited in S_CREATE / S_CLAIM */
	bool got;       /* S_HISTORY: an entry came back (read again) */
	int depth;      /* inside a callback to the user */
	bool closed;
	sio_redis_ingest_stats st;
};

static void next(redis_stream *s);
static void free_all(redis_stream *s);

/* Around every call to the user, who may free s: true when it did (s is
 * gone then). */
static void enter(redis_stream *s)
{
	s->depth++;
}

static bool leave(redis_stream *s)
{
	if (--s->depth == 0 && s->closed) {
		free_all(s);
		return true;
	}
	return s->closed;
}

static bool is_str(const redisReply *r)
{
	return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS);
}

static void lost(redis_stream *s, const char *fmt, const char *arg, const redisReply *r)
{
	char why[512];
	char detail[256] = "unexpected reply";
	if (r && r->type == REDIS_REPLY_ERROR)
		snprintf(detail, sizeof detail, "%s", r->str);
	snprintf(why, sizeof why, fmt, arg, detail);
	s->step = S_IDLE;
	redis_client_fail(s->client, why);
}

static int command(redis_stream *s, unsigned timeout, redis_client_reply_fn fn, int argc,
                   const char **argv)
{
	size_t lens[argc];
	for (int i = 0; i < argc; i++)
		lens[i] = strlen(argv[i]);
	if (redis_client_command(s->client, timeout, fn, s, argc, argv, lens) == 0)
		return 0;
	if (redis_client_up(s->client))
		lost(s, "%s: %s", "cannot send a command", NULL);
	return -1;
}

/* ---- acknowledging and handing over ------------------------------------------- */

static void on_ack(const redisReply *r, void *user)
{
	redis_stream *s = user;
	if (r->type != REDIS_REPLY_INTEGER)
		s->st.ack_failures++;
}

static void ack(redis_stream *s, const char *stream, const char **ids, size_t nids)
{
	if (!nids)
		return;
	const char *argv[3 + nids];
	size_t lens[3 + nids];
	argv[0] = "XACK";
	argv[1] = stream;
	argv[2] = s->group;
	memcpy(argv + 3, ids, nids * sizeof *ids);
	for (size_t i = 0; i < 3 + nids; i++)
		lens[i] = strlen(argv[i]);
	if (redis_client_command(s->client, CMD_TIMEOUT_MS, on_ack, s, (int)(3 + nids), argv, lens))
		s->st.ack_failures += nids; /* pending: read again after the reconnection */
}

/* The payload field of an entry's [field, value, ...] array. */
static const redisReply *payload_of(const redis_stream *s, const redisReply *fields)
{
	for (size_t i = 0; i + 1 < fields->elements; i += 2)
		if (is_str(fields->element[i]) && !strcmp(fields->element[i]->str, s->field) &&
		    is_str(fields->element[i + 1]))
			return fields->element[i + 1];
	return NULL;
}

/* Hand over every entry of an [[id, [f, v...] or nil], ...] array and
 * acknowledge them. -1: the reply has another shape; 1: freed meanwhile. */
static int deliver(redis_stream *s, const char *stream, const redisReply *entries, bool claimed)
{
	if (entries->type != REDIS_REPLY_ARRAY)
		return -1;
	size_t n = entries->elements;
	const char *ids[n ? n : 1];
	size_t nids = 0;
	for (size_t i = 0; i < n; i++) {
		const redisReply *e = entries->element[i];
		if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 || !is_str(e->element[0]))
			return -1;
		const redisReply *fields = e->element[1];
		ids[nids++] = e->element[0]->str;
		if (fields->type != REDIS_REPLY_ARRAY)
			continue; /* deleted while pending: acknowledged only */
		const redisReply *p = payload_of(s, fields);
		sio_redis_ingest_msg m = { .source = stream,
			                   .stream = true,
			                   .id = e->element[0]->str,
			                   .payload = p ? p->str : NULL,
			                   .len = p ? p->len : 0,
			                   .claimed = claimed };
		s->st.entries++;
		s->st.claimed += claimed;
		enter(s);
		s->fn(&m, s->user);
		if (leave(s))
			return 1;
	}
	ack(s, stream, ids, nids);
	return 0;
}

/* ---- the steps ------------------------------------------------------------------ */

/* XREADGROUP's reply: nil (nothing within BLOCK), or [[stream, entries]...]. */
static void on_read(const redisReply *r, void *user)
{
	redis_stream *s = user;
	if (r->type == REDIS_REPLY_ARRAY) {
		for (size_t i = 0; i < r->elements; i++) {
			const redisReply *sr = r->element[i];
			if (sr->type != REDIS_REPLY_ARRAY || sr->elements != 2 ||
			    !is_str(sr->element[0])) {
				lost(s, "XREADGROUP: %s%s", "", NULL);
				return;
			}
			if (s->step == S_HISTORY && sr->element[1]->type == REDIS_REPLY_ARRAY &&
			    sr->element[1]->elements)
				s->got = true;
			int rc = deliver(s, sr->element[0]->str, sr->element[1], false);
			if (rc > 0)
				return;
			if (rc < 0) {
				lost(s, "XREADGROUP %s: %s", sr->element[0]->str, NULL);
				return;
			}
		}
	} else if (r->type != REDIS_REPLY_NIL) {
		lost(s, "XREADGROUP%s: %s", "", r);
		return;
	}
	if (s->step == S_HISTORY && !s->got)
		s->step = S_CLAIM;
	next(s);
}

static void read_group(redis_stream *s, bool history)
{
	const char *argv[9 + 2 * s->n];
	int argc = 0;
	argv[argc++] = "XREADGROUP";
	argv[argc++] = "GROUP";
	argv[argc++] = s->group;
	argv[argc++] = s->consumer;
	argv[argc++] = "COUNT";
	argv[argc++] = s->count;
	if (!history) {
		argv[argc++] = "BLOCK";
		argv[argc++] = s->block;
	}
	argv[argc++] = "STREAMS";
	for (size_t i = 0; i < s->n; i++)
		argv[argc++] = s->streams[i];
	for (size_t i = 0; i < s->n; i++)
		argv[argc++] = history ? "0" : ">";
	s->got = false;
	command(s, history ? CMD_TIMEOUT_MS : s->block_ms + CMD_TIMEOUT_MS, on_read, argc, argv);
}

/* XAUTOCLAIM's reply: [cursor, entries] (6.2), [cursor, entries, deleted]
 * (7.0). The replies come in the order of the streams. */
static void on_claim(const redisReply *r, void *user)
{
	redis_stream *s = user;
	size_t i = s->n - s->waiting;
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 2 || !is_str(r->element[0])) {
		lost(s, "XAUTOCLAIM %s: %s", s->streams[i], r);
		return;
	}
	char *cur = strdup(r->element[0]->str);
	if (cur) {
		free(s->cursors[i]);
		s->cursors[i] = cur;
	}
	int rc = deliver(s, s->streams[i], r->element[1], true);
	if (rc > 0)
		return;
	if (rc < 0) {
		lost(s, "XAUTOCLAIM %s: %s", s->streams[i], NULL);
		return;
	}
	if (--s->waiting == 0) {
		s->step = S_READ;
		next(s);
	}
}

static void claim(redis_stream *s)
{
	s->next_claim = uv_now(s->loop) + s->claim_interval_ms;
	s->waiting = s->n;
	for (size_t i = 0; i < s->n; i++) {
		const char *argv[] = { "XAUTOCLAIM", s->streams[i], s->group, s->consumer,
			               s->min_idle,  s->cursors[i], "COUNT",  s->count };
		if (command(s, CMD_TIMEOUT_MS, on_claim, 8, argv))
			return;
	}
}

static void on_create(const redisReply *r, void *user)
{
	redis_stream *s = user;
	size_t i = s->n - s->waiting;
	if (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "BUSYGROUP", 9)) {
		lost(s, "XGROUP CREATE %s: %s", s->streams[i], r);
		return;
	}
	if (--s->waiting)
		return;
	s->step = S_HISTORY;
	if (s->on_state) {
		enter(s);
		s->on_state(true, "connected", s->user);
		if (leave(s))
			return;
	}
	next(s);
}

static void create_groups(redis_stream *s)
{
	s->step = S_CREATE;
	s->waiting = s->n;
	for (size_t i = 0; i < s->n; i++) {
		const char *argv[] = { "XGROUP", "CREATE",    s->streams[i],
			               s->group, s->start_id, "MKSTREAM" };
		if (command(s, CMD_TIMEOUT_MS, on_create, 6, argv))
			return;
	}
}

/* The next command of the sequence (the opening comment's steps 2-4). */
static void next(redis_stream *s)
{
	if (s->closed || !redis_client_up(s->client))
		return;
	if (s->step == S_HISTORY) {
		read_group(s, true);
		return;
	}
	if (s->step == S_CLAIM || uv_now(s->loop) >= s->next_claim) {
		s->step = S_CLAIM;
		claim(s);
		return;
	}
	read_group(s, false);
}

static void on_client_state(bool up, const char *reason, void *user)
{
	redis_stream *s = user;
	if (up) {
		s->next_claim = 0; /* look for abandoned entries at once */
		create_groups(s);
		return;
	}
	bool was = s->step != S_IDLE && s->step != S_CREATE;
	s->step = S_IDLE;
	s->st.streams_connected = false;
	if (s->on_state && (was || reason)) {
		enter(s);
		s->on_state(false, reason, s->user);
		leave(s);
	}
}

/* ---- the interface -------------------------------------------------------------- */

static void free_all(redis_stream *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->streams[i]);
		free(s->cursors[i]);
	}
	free(s->streams);
	free(s->cursors);
	free(s->group);
	free(s->consumer);
	free(s->field);
	free(s->start_id);
	free(s);
}

redis_stream *redis_stream_new(uv_loop_t *loop, const sio_redis_options *conn,
                               const sio_redis_ingest_options *o, redis_entry_fn fn,
                               redis_stream_state_fn on_state, void *user)
{
	redis_stream *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->loop = loop;
	s->fn = fn;
	s->on_state = on_state;
	s->user = user;
	s->n = o->nstreams;
	s->streams = calloc(s->n, sizeof *s->streams);
	s->cursors = calloc(s->n, sizeof *s->cursors);
	bool oom = !s->streams || !s->cursors;
	for (size_t i = 0; !oom && i < s->n; i++) {
		s->streams[i] = strdup(o->streams[i]);
		s->cursors[i] = strdup("0-0");
		oom = !s->streams[i] || !s->cursors[i];
	}
	s->group = strdup(o->group);
	s->consumer = strdup(o->consumer);
	s->field = strdup(o->field);
	s->start_id = strdup(o->start_id);
	if (oom || !s->group || !s->consumer || !s->field || !s->start_id) {
		free_all(s);
		return NULL;
	}
	snprintf(s->count, sizeof s->count, "%u", o->count);
	snprintf(s->block, sizeof s->block, "%u", o->block_ms);
	snprintf(s->min_idle, sizeof s->min_idle, "%u", o->claim_min_idle_ms);
	s->block_ms = o->block_ms;
	s->claim_interval_ms = o->claim_interval_ms;
	if (!(s->client = redis_client_new(loop, conn, on_client_state, s))) {
		free_all(s);
		return NULL;
	}
	return s;
}

void redis_stream_stats(const redis_stream *s, sio_redis_ingest_stats *out)
{
	out->streams_connected = redis_client_up(s->client) && s->step >= S_HISTORY;
	out->entries = s->st.entries;
	out->claimed = s->st.claimed;
	out->ack_failures = s->st.ack_failures;
}

void redis_stream_free(redis_stream *s)
{
	if (!s || s->closed)
		return;
	s->closed = true;
	redis_client_free(s->client);
	/* inside a callback to the user: freed when it returns (leave) */
	if (!s->depth)
		free_all(s);
}
