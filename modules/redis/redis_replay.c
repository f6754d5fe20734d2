/* redis_replay.c - connection state recovery on a member whose own log
 * cannot say what a session missed because it began after the socket left
 * (the member started later: a deploy, a restart; or its subscription came
 * up later): the packets come from the namespace's stream in Redis
 * (docs/redis.md, "Connection state recovery").
 *
 * The stream, key#nsp#stream, holds every numbered broadcast of the
 * namespace once: its origin appends it in the same script as its PUBLISH
 * (redis_conn.c, kept_script), so an entry exists exactly when the message
 * went out, and one origin's entries are in its numbers' order. It is
 * trimmed by length (MAXLEN ~ max_packets) and age (MINID ~), so an entry
 * a restore needs may be gone: Redis 7.0's XINFO STREAM tells the newest
 * entry ever deleted (max-deleted-entry-id). The read:
 *   1. XRANGE key FROM + COUNT 256, page after page (the next from
 *      "(<last id>"), where FROM is the session's time less the age of the
 *      oldest packet its member listed as delivered lately and a margin for
 *      the clocks (redis_sessions.c, answer): every packet the socket may
 *      have missed was appended after it. Each entry is decoded as a pub/sub
 *      message and handed to the library (sio_restore_fleet_packet), which
 *      skips what the marks say the socket got, keeps what its rooms would
 *      have received, and refuses when an origin's numbers skip one;
 *   2. XINFO STREAM key, after the last page: if an entry at or after FROM
 *      was ever deleted (trimmed) the read may have missed it: refused.
 *      Deletions only grow, so one check after the read covers the pages.
 * Then the library adds, from this member's own log, what came after the
 * read (each packet once: the numbers advanced). Refused too when the
 * stream is missing (never written, or lost with Redis), the reply is not
 * what Redis 7 sends, the connection goes down (redis_sessions.c ends every
 * lookup, refused), or more than SCAN_MAX entries would be read.
 *
 * Memory: one page of replies at a time, and the packets kept for the
 * socket (what it missed, bounded by the stream's length).
 */
#include "base/log.h"
#include "redis_adapter.h"
#include "redis_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS             "socketio:redis"
#define PAGE           256
#define PAGE_STR       "256"
#define SCAN_MAX       200000 /* entries read for one restore at most */
#define CMD_TIMEOUT_MS 5000

struct redis_replay {
	char start[48]; /* the next page's start */
	uint64_t from_ms;
	size_t scanned;
};

/* The milliseconds of a stream id "<ms>-<seq>". */
static int id_ms(const char *id, size_t len, uint64_t *ms)
{
	uint64_t v = 0;
	size_t i = 0;
	for (; i < len && id[i] >= '0' && id[i] <= '9'; i++)
		v = v * 10 + (uint64_t)(id[i] - '0');
	if (i == 0 || i == len || id[i] != '-')
		return -1;
	*ms = v;
	return 0;
}

static bool is_str(const redisReply *r, const char *s)
{
	size_t n = strlen(s);
	return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) &&
	       r->len == n && memcmp(r->str, s, n) == 0;
}

/* One entry [id, [field, value, ...]]: its message to the restore. 0, or
 * -1 (not one of ours: refused). */
static int one_entry(struct redis_find *f, const redisReply *e)
{
	if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
	    e->element[0]->type != REDIS_REPLY_STRING || e->element[1]->type != REDIS_REPLY_ARRAY)
		return -1;
	const redisReply *fields = e->element[1], *body = NULL;
	for (size_t i = 0; i + 1 < fields->elements; i += 2)
		if (is_str(fields->element[i], "m"))
			body = fields->element[i + 1];
	if (!body || body->type != REDIS_REPLY_STRING)
		return -1;
	redis_msg m;
	redis_msg_init(&m);
	int rc = -1;
	if (redis_wire_decode_broadcast(&m, body->str, body->len) == 0 && m.uid && m.seq &&
	    strcmp(m.nsp, f->nsp) == 0) {
		sio_broadcast o = { .rooms = m.opts.rooms,
			            .nrooms = m.opts.nrooms,
			            .except = m.opts.except,
			            .nexcept = m.opts.nexcept };
		sio_adapter_packet p = {
			SIO_PACKET_EVENT, NULL, m.event, m.args, NULL, m.uid, m.seq
		};
		rc = sio_restore_fleet_packet(f->rs, &p, &o) == 0 ? 0 : -1;
	}
	redis_msg_free(&m);
	return rc;
}

static int send_range(struct redis_find *f);

static void informed(const redisReply *reply, void *user)
{
	struct redis_find *f = user;
	struct redis_replay *p = f->replay;
	bool ok = false;
	for (size_t i = 0; reply->type == REDIS_REPLY_ARRAY && i + 1 < reply->elements; i += 2) {
		const redisReply *v = reply->element[i + 1];
		uint64_t ms;
		if (is_str(reply->element[i], "max-deleted-entry-id") &&
		    v->type == REDIS_REPLY_STRING && id_ms(v->str, v->len, &ms) == 0)
			ok = ms < p->from_ms; /* nothing at or after FROM was ever trimmed */
	}
	if (!ok)
		base_log(NS, "%s: the stream no longer holds what a session missed", f->stream);
	redis_find_done(f, !ok);
}

static void ranged(const redisReply *reply, void *user)
{
	struct redis_find *f = user;
	struct redis_replay *p = f->replay;
	if (reply->type != REDIS_REPLY_ARRAY) {
		redis_find_done(f, true);
		return;
	}
	for (size_t i = 0; i < reply->elements; i++) {
		if (one_entry(f, reply->element[i]) < 0) {
			redis_find_done(f, true);
			return;
		}
	}
	p->scanned += reply->elements;
	if (reply->elements > 0) {
		const redisReply *id = reply->element[reply->elements - 1]->element[0];
		if (id->len + 2 > sizeof(p->start)) {
			redis_find_done(f, true);
			return;
		}
		snprintf(p->start, sizeof(p->start), "(%.*s", (int)id->len, id->str);
	}
	if (reply->elements == PAGE && p->scanned < SCAN_MAX) {
		if (send_range(f) < 0)
			redis_find_done(f, true);
		return;
	}
	if (reply->elements == PAGE) {
		redis_find_done(f, true); /* too long a read for one client */
		return;
	}
	const char *argv[3] = { "XINFO", "STREAM", f->stream };
	size_t lens[3] = { 5, 6, strlen(f->stream) };
	if (redis_client_command(f->r->cmd, CMD_TIMEOUT_MS, informed, f, 3, argv, lens) < 0)
		redis_find_done(f, true);
}

static int send_range(struct redis_find *f)
{
	struct redis_replay *p = f->replay;
	const char *argv[6] = { "XRANGE", f->stream, p->start, "+", "COUNT", PAGE_STR };
	size_t lens[6] = { 6, strlen(f->stream), strlen(p->start), 1, 5, sizeof(PAGE_STR) - 1 };
	return redis_client_command(f->r->cmd, CMD_TIMEOUT_MS, ranged, f, 6, argv, lens);
}

int redis_replay_start(struct redis_find *f, uint64_t from_ms)
{
	if (!f->stream || !f->r->cmd || !redis_client_up(f->r->cmd) ||
	    !(f->replay = calloc(1, sizeof(*f->replay))))
		return -1;
	struct redis_replay *p = f->replay;
	p->from_ms = from_ms;
	snprintf(p->start, sizeof(p->start), "%llu", (unsigned long long)from_ms);
	if (send_range(f) < 0) {
		redis_replay_free(p);
		f->replay = NULL;
		return -1;
	}
	return 0;
}

void redis_replay_free(struct redis_replay *p)
{
	free(p);
}
