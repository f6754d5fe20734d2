/* redis_adapter.h - the adapter's state, shared by its two halves:
 * redis_adapter.c (the public functions, the sio_adapter_ops table: what
 * this server sends) and redis_inbound.c (what arrives from Redis: other
 * servers' broadcasts, requests and answers).
 *
 * Channels of a namespace (node's index.ts): key#nsp# for broadcasts
 * (key#nsp#ROOM# for one room), key-request#nsp#, key-response#nsp# and
 * key-response#nsp#UID#.
 */
#ifndef REDIS_ADAPTER_H
#define REDIS_ADAPTER_H

#include "base/map.h"
#include "redis_client.h"
#include "redis_conn.h"
#include "redis_options.h"
#include "redis_request.h"
#include "socketio/redis.h"

/* Length of a socket id (base64url of 15 random bytes, as node's base64id):
 * in room_subscriptions mode single-socket channels are caught by one
 * pattern of this many '?'. */
#define REDIS_SID_LEN 20
/* The longest origin uid kept in the marks (ours: 6 characters). */
#define REDIS_UID_CAP 32

typedef struct redis_nsp {
	struct sio_redis *r;
	sio_namespace *nsp;
	char *channel;      /* key#nsp# */
	char *req_channel;  /* key-request#nsp# */
	char *resp_channel; /* key-response#nsp# */
	char *own_channel;  /* key-response#nsp#UID# */
	char *pattern;      /* PSUBSCRIBEd: key#nsp#* or, per room, key#nsp#<20 ?># */
	char *stream;       /* recovery on: key#nsp#stream, the numbered broadcasts */
	/* Recovery across the fleet (redis_sessions.c): per origin uid, the
	 * highest broadcast number received; this server's own last number. */
	base_map marks;
	size_t nmarks;
	uint64_t own_seq;
	struct redis_nsp *next;
} redis_nsp;

/* The publishing connection as seen by what may outlive the adapter: a
 * broadcast with acks from another server waits for this server's clients,
 * who may answer after sio_redis_free (conn is NULL then). */
typedef struct redis_link {
	redis_conn *conn;
	int refs;
} redis_link;

struct sio_redis {
	uv_loop_t *loop;
	redis_settings *settings;
	const sio_redis_options *o; /* resolved (redis_settings_get) */
	redis_conn *conn;
	redis_link *link;
	redis_requests *reqs;
	sio_server *srv;
	char uid[8];
	sio_redis_stats stats; /* the adapter's counters; the connection's are merged in */
	redis_nsp *nsps;
	sio_redis_state_fn state_fn;
	void *state_user;
	bool closing;
	/* Recovery across the fleet (redis_sessions.c): the sessions'
	 * connection, the lookups it has not answered, and since when (wall
	 * ms) the pair has been up, subscriptions included. */
	redis_client *cmd;
	struct redis_find *finds;
	uint64_t sub_since;
	bool sub_up;
};

void redis_link_unref(redis_link *l);

/* redis_inbound.c: one message from the subscribed connection. */
void redis_inbound(const char *channel, size_t channel_len, const char *payload, size_t len,
                   void *user);
/* redis_sessions.c: connection state recovery across the fleet. */

/* A session lookup Redis has not answered yet, then the stream read for it
 * (redis_replay.c). */
struct redis_find {
	sio_redis *r;
	sio_restore *rs;
	char *stream, *nsp; /* the namespace's stream key and name; NULL: no stream */
	struct redis_replay *replay;
	struct redis_find *prev, *next;
};
/* The lookup's end: out of the list, its restore ended (refused first when
 * refuse is set), freed. */
void redis_find_done(struct redis_find *f, bool refuse);

void redis_marks_received(redis_nsp *rn, const char *uid, uint64_t seq);
uint64_t redis_marks_next(redis_nsp *rn);
void redis_marks_free(redis_nsp *rn);
int redis_sessions_start(sio_redis *r);
void redis_sessions_free(sio_redis *r);
void redis_sessions_subscribed(sio_redis *r, bool up);
/* The streams' bounds from the server's recovery options. */
void redis_sessions_trim(sio_redis *r, const sio_recovery_options *o);
void redis_share_session(sio_namespace *nsp, const sio_session *s, const char *delivered,
                         unsigned ttl_ms, void *user);
void redis_find_session(sio_namespace *nsp, const char *pid, sio_restore *rs, void *user);

/* redis_replay.c: a session recovered on a member whose log began after
 * the socket left: the packets it missed from the namespace's stream. */
#define REDIS_REPLAY_MARGIN_MS 1000
/* Read f->stream from from_ms (wall ms) on into f's restore, then end f.
 * 0, or -1 (nothing started: the caller ends f, refused). */
int redis_replay_start(struct redis_find *f, uint64_t from_ms);
void redis_replay_free(struct redis_replay *p);

/* Publish an answer to requester uid (NULL: the emitter, or unknown). */
void redis_publish_answer(redis_nsp *rn, const char *uid, const base_buf *body);

#endif
