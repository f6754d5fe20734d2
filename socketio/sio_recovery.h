/* sio_recovery.h - connection state recovery's internals, shared by
 * sio_recovery.c (the store, the broadcast path, a socket's session, the
 * restore) and sio_recovery_fleet.c (a session another server kept: the
 * marks, what it delivered, the packets this server's log gives back).
 */
#ifndef SIO_RECOVERY_H
#define SIO_RECOVERY_H

#include "sio_internal.h"

#define NS      "socketio:recovery"
#define TAG_LEN 8 /* an offset is "<tag>-<seq>": the tag names one log's life */

typedef struct rsession {
	char *pid, *sid;
	char **rooms;
	size_t nrooms;
	char *data;
	size_t data_len;
	uint64_t at; /* disconnected at, loop ms */
	struct rsession *prev, *next;
} rsession;

typedef struct rentry {
	uint64_t seq, at;
	char *origin; /* the fleet identity (sio_adapter_packet.origin), or NULL */
	uint64_t oseq;
	eio_msg *text;
	eio_msg **atts;
	int natts;
	char **rooms, **except; /* the broadcast's targets, to match sessions */
	size_t nrooms, nexcept;
	size_t bytes;
} rentry;

/* The newest packet of one origin this log dropped (sio_recovery_fleet.c). */
typedef struct rdrop {
	char *origin;
	uint64_t oseq, at;
} rdrop;

/* Origins whose drops are told apart: a fleet's members, a new one for
 * each life of each; more fall back on the time of the drop. */
#define SIO_REC_DROPS_MAX 64

struct sio_rstore {
	base_map sessions; /* pid -> rsession */
	rsession *head, *tail;
	size_t nsessions;
	char tag[TAG_LEN + 1];
	rentry *ring;
	size_t cap, first, count, bytes;
	uint64_t next_seq; /* the seq of the next packet kept */
	/* Per origin, the newest of its packets dropped: a fleet session whose
	 * mark is below it lacks one this log no longer holds. A drop with no
	 * room left among the records: when it was kept (0: none). */
	rdrop drops[SIO_REC_DROPS_MAX];
	size_t ndrops;
	uint64_t drops_lost_at;
};

typedef struct rpacket {
	eio_msg *text;
	eio_msg **atts;
	int natts;
} rpacket;

struct sio_restore {
	sio_socket *s; /* NULL once the client has gone */
	void (*resume)(sio_socket *s);
	bool found;
	char *sid, *pid;
	char **rooms;
	size_t nrooms;
	char *data;
	size_t data_len;
	rpacket *pkts;
	size_t npkts;
	bool ended;        /* sio_restore_end ran: the socket owns it */
	bool local;        /* the library's store: seq below is meaningful */
	uint64_t last_seq; /* the last packet of the log given to the socket */
	/* A session found by the adapter (find_session): its marks, and when
	 * it left, loop ms. */
	bool fleet, marked;
	char **origins;
	uint64_t *marks;
	size_t nmarks;
	uint64_t left_at;
	char *offset;    /* the client's offset (fleet: where it stopped) */
	char *delivered; /* the old server's sio_rec_delivered JSON, or NULL */
	size_t marks_cap;
	/* The offset is older than delivered, or the packets the adapter gave
	 * (sio_restore_fleet_packet) skipped a number: refused at the end. */
	bool refuse;
	/* The adapter gave packets from a log outside this process (the Redis
	 * adapter's stream), the first at stream_at (loop ms). */
	bool streamed;
	uint64_t stream_at;
};

static inline rentry *sio_rec_at(struct sio_rstore *st, size_t i)
{
	return &st->ring[(st->first + i) % st->cap];
}

uint64_t sio_rec_now(const sio_namespace *nsp);
void sio_rec_free_strs(char **v, size_t n);
char **sio_rec_dup_strs(const char *const *v, size_t n);
struct sio_rstore *sio_rec_store(sio_namespace *nsp);
/* Expired sessions and packets, and the packets over the bounds. */
void sio_rec_prune(sio_namespace *nsp, struct sio_rstore *st);
int sio_rec_add_packet(sio_restore *r, eio_msg *text, eio_msg *const *atts, int natts);
/* args with the offset appended as one more string argument, in t (its
 * buffer to free; the attachments borrowed). */
int sio_rec_stamp(sio_out *t, const sio_out *args, const char *offset);
/* node's shouldIncludePacket. */
bool sio_rec_wanted(const rentry *e, char *const *rooms, size_t nrooms);

/* sio_recovery_fleet.c. What this server delivered lately to a socket of
 * these rooms (JSON, for share_session); 0 or SIO_ENOMEM. */
int sio_rec_delivered(sio_namespace *nsp, struct sio_rstore *st, char *const *rooms, size_t n,
                      base_buf *out);
/* A numbered packet leaves the log: its origin's drop record. */
void sio_rec_fleet_dropped(sio_namespace *nsp, struct sio_rstore *st, rentry *e);
void sio_rec_fleet_free(struct sio_rstore *st);
/* At sio_restore_end of a session another server kept: the packets it
 * missed into r, or SIO_EINVAL (refused). */
int sio_rec_fleet_select(sio_namespace *nsp, sio_restore *r);

#endif
