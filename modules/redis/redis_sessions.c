/* redis_sessions.c - connection state recovery across the fleet: a client
 * that comes back to another member than the one it left is recovered
 * there (docs/redis.md, "Connection state recovery").
 *
 * Every member already keeps, in the library's own log, every broadcast it
 * receives, its own and those the others publish (sio_namespace_keeps_packets).
 * What a member lacks to recover another's client is a way to say which of
 * those packets the client missed; the library's offsets name positions in
 * one member's log only. So:
 *   - each broadcast recovery keeps gets a fleet-wide identity: the uid of
 *     the member that made it and that member's number for it in the
 *     namespace (1, 2, ...), given at once, before the local delivery,
 *     and carried in the pub/sub message as a fourth array element (node's
 *     adapter reads [uid, packet, opts] and ignores it). Redis keeps one
 *     publisher's messages in order, so every member sees one origin's
 *     numbers in order and, unless Redis lost some, without gaps;
 *   - each member knows, per origin, the highest number it received (its
 *     marks; its own number for itself). Delivery is synchronous, so when a
 *     socket leaves, the marks say exactly which broadcasts it was given;
 *   - when a socket leaves for a reason it may come back from (the library
 *     calls share_session; at a graceful stop too: "server shutting down"),
 *     the session goes to Redis with the marks:
 *       SET key#nsp#session#PID {sid, rooms, data, time, marks} PX ttl
 *   - a member that does not know a client's pid asks Redis (GETDEL: one
 *     member consumes it) and hands the session and its marks to the
 *     library, which takes from its own log every packet after the marks
 *     to the session's rooms, or refuses when its log cannot tell (a gap in
 *     an origin's numbers, packets dropped since the socket left).
 * A member that subscribed after the oldest packet the socket may lack (it
 * started later, or Redis was away meanwhile) never received some of them:
 * it reads them from the namespace's stream, where each numbered broadcast
 * is appended once, by its origin, with its PUBLISH (redis_replay.c); and
 * refuses when the stream cannot say either.
 *
 * Bounded: marks for at most MAX_ORIGINS origins per namespace (an origin
 * without a mark falls back on time), sessions expire in Redis after
 * max_disconnection_ms, a lookup waits at most FIND_TIMEOUT_MS.
 */
#include "base/json.h"
#include "base/log.h"
#include "redis_adapter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NS              "socketio:redis"
#define MAX_ORIGINS     1024
#define FIND_TIMEOUT_MS 5000

typedef struct redis_mark {
	char uid[REDIS_UID_CAP];
	uint64_t seq;
} redis_mark;

static uint64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- marks ------------------------------------------------------------------------- */

void redis_marks_received(redis_nsp *rn, const char *uid, uint64_t seq)
{
	redis_mark *m = base_map_get(&rn->marks, uid);
	if (!m) {
		if (rn->nmarks >= MAX_ORIGINS || strlen(uid) >= REDIS_UID_CAP ||
		    !(m = calloc(1, sizeof(*m))))
			return;
		strcpy(m->uid, uid);
		if (base_map_put(&rn->marks, m->uid, m) < 0) {
			free(m);
			return;
		}
		rn->nmarks++;
	}
	if (seq > m->seq)
		m->seq = seq;
}

uint64_t redis_marks_next(redis_nsp *rn)
{
	return ++rn->own_seq;
}

void redis_marks_free(redis_nsp *rn)
{
	size_t i = 0;
	redis_mark *m;
	while ((m = base_map_next(&rn->marks, &i)))
		free(m);
	base_map_free(&rn->marks);
	rn->nmarks = 0;
}

/* ---- the command connection -------------------------------------------------------- */

void redis_find_done(struct redis_find *f, bool refuse)
{
	sio_redis *r = f->r;
	if (f->prev)
		f->prev->next = f->next;
	else if (r->finds == f)
		r->finds = f->next;
	if (f->next)
		f->next->prev = f->prev;
	if (refuse)
		sio_restore_refuse(f->rs);
	sio_restore_end(f->rs);
	redis_replay_free(f->replay);
	free(f->stream);
	free(f->nsp);
	free(f);
}

static void end_all(sio_redis *r)
{
	while (r->finds)
		redis_find_done(r->finds, true); /* the client connects fresh */
}

static void on_cmd_state(bool up, const char *reason, void *user)
{
	sio_redis *r = user;
	if (!up) {
		base_log(NS, "sessions connection down: %s", reason);
		end_all(r); /* their replies will not come */
	}
}

int redis_sessions_start(sio_redis *r)
{
	if (r->cmd)
		return 0;
	r->cmd = redis_client_new(r->loop, r->o, on_cmd_state, r);
	return r->cmd ? 0 : SIO_ENOMEM;
}

void redis_sessions_free(sio_redis *r)
{
	end_all(r);
	redis_client_free(r->cmd);
	r->cmd = NULL;
}

void redis_sessions_subscribed(sio_redis *r, bool up)
{
	r->sub_up = up;
	if (up)
		r->sub_since = wall_ms();
}

void redis_sessions_trim(sio_redis *r, const sio_recovery_options *o)
{
	/* A restore reads from before the socket left (its sent list's age, at
	 * most the log's age) until max_disconnection_ms after: entries are
	 * kept that long, and about as many as the log's max_packets. */
	uint64_t log_age = o->max_age_ms ? o->max_age_ms : o->max_disconnection_ms;
	redis_conn_stream_trim(r->conn, o->max_packets,
	                       (uint64_t)o->max_disconnection_ms + log_age +
	                               REDIS_REPLAY_MARGIN_MS);
}

static char *session_key(const sio_redis *r, const sio_namespace *nsp, const char *pid)
{
	size_t n = strlen(r->o->key) + strlen(sio_namespace_name(nsp)) + strlen(pid) + 12;
	char *k = malloc(n);
	if (k)
		snprintf(k, n, "%s#%s#session#%s", r->o->key, sio_namespace_name(nsp), pid);
	return k;
}

static void ignore_reply(const redisReply *reply, void *user)
{
	(void)reply;
	(void)user;
}

static void command(sio_redis *r, redis_client_reply_fn fn, void *user, int argc, const char **argv)
{
	size_t lens[5];
	for (int i = 0; i < argc; i++)
		lens[i] = strlen(argv[i]);
	if (!r->cmd ||
	    redis_client_command(r->cmd, FIND_TIMEOUT_MS, fn, user, argc, argv, lens) < 0)
		fn(NULL, user);
}

/* ---- sharing a session ------------------------------------------------------------- */

static int session_json(base_buf *b, redis_nsp *rn, const sio_session *s, const char *delivered)
{
	base_jsonw w;
	base_jsonw_init(&w, b);
	base_jsonw_object_begin(&w);
	base_jsonw_key(&w, "sid", 3);
	base_jsonw_str(&w, s->sid, strlen(s->sid));
	base_jsonw_key(&w, "rooms", 5);
	base_jsonw_array_begin(&w);
	for (size_t i = 0; i < s->nrooms; i++)
		base_jsonw_str(&w, s->rooms[i], strlen(s->rooms[i]));
	base_jsonw_array_end(&w);
	base_jsonw_key(&w, "data", 4);
	if (s->data_json && s->data_len)
		base_jsonw_raw(&w, s->data_json, s->data_len);
	else
		base_jsonw_null(&w);
	base_jsonw_key(&w, "time", 4);
	base_jsonw_int64(&w, (int64_t)wall_ms());
	base_jsonw_key(&w, "sent", 4); /* the library's JSON, given back as it is */
	if (delivered)
		base_jsonw_raw(&w, delivered, strlen(delivered));
	else
		base_jsonw_null(&w);
	base_jsonw_key(&w, "marks", 5);
	base_jsonw_object_begin(&w);
	size_t i = 0;
	redis_mark *m;
	while ((m = base_map_next(&rn->marks, &i))) {
		base_jsonw_key(&w, m->uid, strlen(m->uid));
		base_jsonw_int64(&w, (int64_t)m->seq);
	}
	base_jsonw_key(&w, rn->r->uid, strlen(rn->r->uid));
	base_jsonw_int64(&w, (int64_t)rn->own_seq);
	base_jsonw_object_end(&w);
	base_jsonw_object_end(&w);
	return base_jsonw_error(&w);
}

void redis_share_session(sio_namespace *nsp, const sio_session *s, const char *delivered,
                         unsigned ttl_ms, void *user)
{
	sio_redis *r = user;
	redis_nsp *rn = *sio_namespace_adapter_data(nsp);
	if (!rn || !r->cmd || !redis_client_up(r->cmd))
		return; /* only this member can recover it */
	base_buf b;
	base_buf_init(&b);
	char *key = session_key(r, nsp, s->pid);
	char ttl[24];
	snprintf(ttl, sizeof(ttl), "%u", ttl_ms ? ttl_ms : 1);
	if (key && session_json(&b, rn, s, delivered) == 0) {
		const char *argv[5] = { "SET", key, "", "PX", ttl };
		size_t lens[5] = { 3, strlen(key), b.len, 2, strlen(ttl) };
		argv[2] = (const char *)b.data;
		redis_client_command(r->cmd, FIND_TIMEOUT_MS, ignore_reply, NULL, 5, argv, lens);
	}
	free(key);
	base_buf_free(&b);
}

/* ---- finding one ------------------------------------------------------------------- */

/* The session's JSON to the restore: 0; 1 when the packets it missed are
 * to be read from the stream from *from_ms (wall ms) on; -1 (not ours,
 * malformed, cannot be recovered here). */
static int answer(sio_redis *r, sio_restore *rs, const char *pid, const char *js, size_t len,
                  bool stream, uint64_t *from_ms)
{
	base_json d;
	base_json_init(&d);
	int rc = -1;
	char *sid = NULL, *sent = NULL;
	const char **rooms = NULL, **origins = NULL;
	uint64_t *seqs = NULL;
	int64_t time = 0;
	if (base_json_parse(&d, js, len) < 0 || base_json_type(&d, 0) != BASE_JSON_OBJECT)
		goto out;
	int ts = base_json_obj_get(&d, 0, "sid"), tr = base_json_obj_get(&d, 0, "rooms");
	int tt = base_json_obj_get(&d, 0, "time"), tm = base_json_obj_get(&d, 0, "marks");
	int td = base_json_obj_get(&d, 0, "data"), tx = base_json_obj_get(&d, 0, "sent");
	if (ts < 0 || tr < 0 || tt < 0 || tm < 0 || base_json_type(&d, tr) != BASE_JSON_ARRAY ||
	    base_json_type(&d, tm) != BASE_JSON_OBJECT || base_json_int64(&d, tt, &time) < 0 ||
	    base_json_str_dup(&d, ts, &sid, NULL) < 0)
		goto out;
	/* Packets published while this member was not subscribed never
	 * reached it. Without the stream its log must then cover everything
	 * since the socket left. With it, the packets are read from the
	 * stream (redis_replay.c) whenever this member subscribed after the
	 * oldest one the socket may lack: the oldest its member listed as
	 * delivered lately (sent.age), less a margin for the clocks. */
	if (!r->sub_up || (!stream && (uint64_t)time < r->sub_since))
		goto out;
	int64_t age = 0;
	int tg = tx >= 0 && base_json_type(&d, tx) == BASE_JSON_OBJECT
	                 ? base_json_obj_get(&d, tx, "age")
	                 : -1;
	if (tg >= 0 && (base_json_int64(&d, tg, &age) < 0 || age < 0))
		goto out;
	uint64_t back = (uint64_t)age + REDIS_REPLAY_MARGIN_MS;
	*from_ms = (uint64_t)time > back ? (uint64_t)time - back : 0;
	bool replay = stream && *from_ms < r->sub_since;
	int nr = base_json_size(&d, tr), nm = base_json_size(&d, tm);
	rooms = calloc((size_t)nr + 1, sizeof(*rooms));
	origins = calloc((size_t)nm + 1, sizeof(*origins));
	seqs = calloc((size_t)nm + 1, sizeof(*seqs));
	if (!rooms || !origins || !seqs)
		goto out;
	base_json_iter it;
	int v, k, n = 0;
	base_json_iter_init(&d, tr, &it);
	while ((v = base_json_iter_next(&d, &it, NULL)) >= 0)
		if (base_json_str_dup(&d, v, (char **)&rooms[n++], NULL) < 0)
			goto out;
	int m = 0;
	base_json_iter_init(&d, tm, &it);
	while ((v = base_json_iter_next(&d, &it, &k)) >= 0) {
		int64_t seq;
		if (base_json_int64(&d, v, &seq) < 0 || seq < 0 ||
		    base_json_str_dup(&d, k, (char **)&origins[m], NULL) < 0)
			goto out;
		seqs[m++] = (uint64_t)seq;
	}
	size_t dlen = 0, slen = 0;
	const char *raw = tx >= 0 && base_json_type(&d, tx) == BASE_JSON_OBJECT
	                          ? base_json_raw(&d, tx, &slen)
	                          : NULL; /* the library's "delivered", as it gave it */
	const char *data = td >= 0 ? base_json_raw(&d, td, &dlen) : NULL;
	sio_session ses = { sid, pid, rooms, (size_t)nr, data, dlen };
	uint64_t now = wall_ms(), ago = now > (uint64_t)time ? now - (uint64_t)time : 0;
	if (sio_restore_session(rs, &ses) == 0 && (!raw || (sent = strndup(raw, slen))) &&
	    sio_restore_marks(rs, origins, seqs, (size_t)m, ago, sent) == 0)
		rc = replay ? 1 : 0;
out:
	for (size_t i = 0; rooms && rooms[i]; i++)
		free((char *)rooms[i]);
	for (size_t i = 0; origins && origins[i]; i++)
		free((char *)origins[i]);
	free(rooms);
	free(origins);
	free(seqs);
	free(sid);
	free(sent);
	base_json_free(&d);
	return rc;
}

typedef struct find_ctx {
	struct redis_find f; /* first: the ctx is freed as f */
	char pid[];
} find_ctx;

static void found(const redisReply *reply, void *user)
{
	find_ctx *c = user;
	struct redis_find *f = &c->f;
	uint64_t from_ms = 0;
	int rc = -1;
	if (reply && reply->type == REDIS_REPLY_STRING &&
	    (rc = answer(f->r, f->rs, c->pid, reply->str, reply->len, f->stream != NULL,
	                 &from_ms)) < 0)
		base_log(NS, "session %s: not recovered here", c->pid);
	if (rc == 1 && redis_replay_start(f, from_ms) == 0)
		return; /* redis_replay.c ends it */
	redis_find_done(f, rc > 0);
}

static void forgot(const redisReply *reply, void *user)
{
	(void)reply;
	(void)user;
}

void redis_find_session(sio_namespace *nsp, const char *pid, sio_restore *rs, void *user)
{
	sio_redis *r = user;
	char *key = session_key(r, nsp, pid);
	if (!rs) {
		const char *argv[2] = { "DEL", key };
		if (key && r->cmd && redis_client_up(r->cmd))
			command(r, forgot, NULL, 2, argv);
		free(key);
		return;
	}
	find_ctx *c = key ? malloc(sizeof(*c) + strlen(pid) + 1) : NULL;
	if (!c || !r->cmd || !redis_client_up(r->cmd)) {
		free(c);
		free(key);
		sio_restore_end(rs); /* Redis away: the client connects fresh */
		return;
	}
	strcpy(c->pid, pid);
	redis_nsp *rn = *sio_namespace_adapter_data(nsp);
	c->f = (struct redis_find){ .r = r, .rs = rs, .next = r->finds };
	c->f.stream = rn && rn->stream ? strdup(rn->stream) : NULL;
	c->f.nsp = c->f.stream ? strdup(sio_namespace_name(nsp)) : NULL;
	if (c->f.stream && !c->f.nsp) {
		free(c->f.stream);
		c->f.stream = NULL; /* out of memory: recovered from this log alone */
	}
	if (r->finds)
		r->finds->prev = &c->f;
	r->finds = &c->f;
	/* GETDEL (Redis 6.2): one member consumes the session. */
	const char *argv[2] = { "GETDEL", key };
	command(r, found, c, 2, argv);
	free(key);
}
