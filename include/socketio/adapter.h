/* socketio/adapter.h - the adapter seam: how broadcasts, and questions about
 * sockets, reach the other Socket.IO servers of a cluster.
 *
 * Mirrors node's socket.io-adapter (lib/in-memory-adapter.ts, the Adapter
 * class, and lib/cluster-adapter.ts, ClusterAdapter). Room bookkeeping of
 * this server's sockets is the library's own (sio_join, sio_room_size,
 * ...): every adapter shares it, as node's adapters all extend the
 * in-memory one. An adapter decides where a broadcast or a request goes:
 * the default, sio_memory_adapter, serves one process; a distributed one
 * (Redis, wire-compatible with node's @socket.io/redis-adapter) publishes
 * to the other servers, applies what they publish on this server's sockets
 * with the sio_adapter_*_local functions below, and answers their requests.
 *
 * The way of a broadcast: sio_broadcast_emit() -> ops->broadcast(nsp, packet,
 * options) with the packet decoded (event, arguments as the sio_out they
 * were built in, binary attachments) -> the adapter publishes it (unless
 * options->local) and calls sio_adapter_broadcast_local(), which encodes once
 * and queues the same bytes for every local recipient.
 *
 * Requests with replies (fetchSockets, allRooms, serverCount, serverSideEmit
 * with acks, broadcast with acks) are an sio_request: the library creates
 * it, puts this server's answer in it where there is one, and hands it to
 * the op; the adapter says how many other servers will answer
 * (sio_request_expect), adds their answers as they arrive, and releases it.
 * The request completes when every expected answer is in, or at its
 * timeout with what arrived; answers after that are ignored.
 *
 * Included by socketio.h; may be included alone. Every call from the loop's
 * thread, as for the rest of the library.
 */
#ifndef SOCKETIO_ADAPTER_H
#define SOCKETIO_ADAPTER_H

#include "socketio.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sio_request sio_request;

/* Socket.IO packet types (protocol v5, "Packet types") an adapter meets. */
enum {
	SIO_PACKET_EVENT = 2,
	SIO_PACKET_BINARY_EVENT = 5,
};

/* A broadcast's packet, decoded (node's {type, nsp, data: [event, ...args]}).
 * type is SIO_PACKET_EVENT whether or not args holds binary (node's Redis
 * adapter sends type 2 and binary as msgpack bin). Valid during the call. */
typedef struct sio_adapter_packet {
	int type;
	const sio_namespace *nsp;
	const char *event;
	const sio_out *args; /* NULL: no arguments */
	/* Connection state recovery with an adapter that keeps the packets
	 * (restore_session below): the offset it gave this packet, which
	 * sio_adapter_broadcast_local appends as the last argument. NULL
	 * otherwise (the library's own store stamps what it keeps). */
	const char *offset;
	/* Across a fleet (share_session / find_session below): the broadcast's
	 * fleet-wide identity, the server that made it (its uid) and that
	 * server's count of the broadcasts it made in this namespace (1, 2,
	 * ...: one server's numbers arrive in order and without gaps). NULL /
	 * 0: none (a local broadcast). */
	const char *origin;
	uint64_t origin_seq;
} sio_adapter_packet;

/* Connection state recovery (sio_recovery_options): the session of a
 * socket that lost its connection (node's SessionToPersist), and a restore
 * the library waits on. */
typedef struct sio_session {
	const char *sid;          /* the socket's id */
	const char *pid;          /* the private id the client presents to recover */
	const char *const *rooms; /* every room, its own id included */
	size_t nrooms;
	const char *data_json; /* socket.data */
	size_t data_len;
} sio_session;
typedef struct sio_restore sio_restore;

/* The options of a broadcast are its sio_broadcast (socketio.h): rooms,
 * except, flags volatile_, local and compress. b->skip, the sender of a
 * socket.broadcast, is one more except room for the other servers: its id
 * (node puts it in except). */

/* ---- The operations -------------------------------------------------------------- */

typedef struct sio_adapter_ops {
	const char *name;
	/* Optional. A namespace was created / is freed; per-namespace state
	 * goes in *sio_namespace_adapter_data(nsp). user is the pointer given
	 * to sio_server_set_adapter, for every op. */
	int (*init)(sio_namespace *nsp, void *user);
	void (*close)(sio_namespace *nsp, void *user);
	/* Optional. The first local socket joined a room / the last one left
	 * (node's create-room / delete-room): where an adapter subscribes to a
	 * room's channel. Rooms named by a socket id are not reported (every
	 * socket is in its own). Do not join or leave from here. */
	void (*room_created)(sio_namespace *nsp, const char *room, void *user);
	void (*room_deleted)(sio_namespace *nsp, const char *room, void *user);

	/* Send p to the sockets o targets on every server. Returns this
	 * server's recipients: sio_adapter_broadcast_local(nsp, p, o). */
	int (*broadcast)(sio_namespace *nsp, const sio_adapter_packet *p, const sio_broadcast *o,
	                 void *user);
	/* The same, collecting every client's acknowledgement into r: this
	 * server's share with sio_adapter_broadcast_local_with_ack(nsp, p, o,
	 * sio_request_local_count, sio_request_local_ack, r) (its return value
	 * is this op's); the other servers' with sio_request_expect (how many
	 * will report), sio_request_client_count (one server's recipients) and
	 * sio_request_client_ack (one remote client's answer). timeout_ms is
	 * how long the requester waits (0: as long as its sockets live). */
	int (*broadcast_with_ack)(sio_namespace *nsp, const sio_adapter_packet *p,
	                          const sio_broadcast *o, unsigned timeout_ms, sio_request *r,
	                          void *user);
	/* node's socketsJoin / socketsLeave / disconnectSockets on every server.
	 * This server's part is sio_adapter_sockets_join_local (and _leave_,
	 * sio_adapter_disconnect_local), whose count is returned; an adapter
	 * whose own messages come back to it may apply them then instead. */
	int (*sockets_join)(sio_namespace *nsp, const sio_broadcast *o, const char *const *rooms,
	                    size_t nrooms, void *user);
	int (*sockets_leave)(sio_namespace *nsp, const sio_broadcast *o, const char *const *rooms,
	                     size_t nrooms, void *user);
	int (*disconnect_sockets)(sio_namespace *nsp, const sio_broadcast *o, bool close,
	                          void *user);
	/* fetchSockets: r already holds this server's sockets; add each other
	 * server's with sio_request_add_sockets. */
	void (*fetch_sockets)(sio_namespace *nsp, const sio_broadcast *o, sio_request *r,
	                      void *user);
	/* allRooms: r already holds this server's rooms; add each other
	 * server's with sio_request_add_rooms. */
	void (*all_rooms)(sio_namespace *nsp, sio_request *r, void *user);
	/* serverCount: answer with sio_request_server_count (this one
	 * included), then release r. */
	void (*server_count)(sio_namespace *nsp, sio_request *r, void *user);
	/* serverSideEmit: to the other servers only. r is NULL when no answer
	 * is wanted; otherwise add each server's answer with
	 * sio_request_add_reply. */
	void (*server_side_emit)(sio_namespace *nsp, const char *event, const sio_out *args,
	                         sio_request *r, void *user);
	/* Optional, both or neither (node's persistSession / restoreSession):
	 * where the sessions of disconnected sockets and the broadcasts they
	 * may miss are kept, when the server's recovery is enabled. NULL: in
	 * this process (the library's store). An adapter that keeps them gives
	 * each broadcast it keeps an offset (sio_adapter_packet.offset) and
	 * keeps the packets a session may need.
	 * persist_session: s (valid during the call) is to be found by its pid
	 * for the server's max_disconnection_ms. */
	void (*persist_session)(sio_namespace *nsp, const sio_session *s, void *user);
	/* Answer r once, now or later: sio_restore_session, then each packet
	 * sent after offset to the session's rooms with sio_restore_packet, in
	 * order, then sio_restore_end; or sio_restore_end alone (unknown or
	 * expired pid, offset no longer held, store unreachable): the client
	 * connects fresh. pid and offset are valid during the call. */
	void (*restore_session)(sio_namespace *nsp, const char *pid, const char *offset,
	                        sio_restore *r, void *user);
	/* Optional, both or neither, with the library's store (no
	 * persist_session): sessions shared with the other servers, the
	 * packets taken from this server's own log by their identity
	 * (sio_adapter_packet.origin). share_session: s left this server, kept
	 * here too; store it for ttl_ms with, for each origin, the highest
	 * origin_seq this server has received (what the socket got: delivery
	 * is synchronous), and delivered (a JSON text the library makes and
	 * reads back: what it sent the socket lately, so that the client's
	 * offset tells what never reached it). find_session: pid is unknown
	 * here; answer r once:
	 * sio_restore_session and sio_restore_marks, then sio_restore_end; or
	 * sio_restore_end alone. r NULL: the session was recovered here;
	 * forget the shared copy. */
	void (*share_session)(sio_namespace *nsp, const sio_session *s, const char *delivered,
	                      unsigned ttl_ms, void *user);
	void (*find_session)(sio_namespace *nsp, const char *pid, sio_restore *r, void *user);
} sio_adapter_ops;

/* The library keeps this namespace's broadcasts for connection state
 * recovery (recovery on, the adapter keeps no sessions): an adapter must
 * then hand it every broadcast, even one to a room with no socket here
 * (a client of that room may come back). */
SIO_EXPORT bool sio_namespace_keeps_packets(const sio_namespace *nsp);

/* The answers to restore_session. The session is copied; args are the
 * packet's arguments, its offset last. Once sio_restore_end has run, r is
 * gone; if the client left meanwhile the answers are dropped. */
SIO_EXPORT int sio_restore_session(sio_restore *r, const sio_session *s);
SIO_EXPORT int sio_restore_packet(sio_restore *r, const char *event, const sio_out *args);
SIO_EXPORT void sio_restore_end(sio_restore *r);
/* find_session's answer, after sio_restore_session: the marks the session
 * was stored with (origins[i] up to seqs[i] received), how long ago it
 * left (ms), and the delivered text share_session gave (NULL: none). At
 * sio_restore_end the library gives the socket every packet of its log
 * after the marks (lowered below what was delivered after the client's
 * offset) to the session's rooms (of an origin without a mark: received
 * since the socket left), or refuses the session (the client connects
 * fresh) when its log cannot say: the client's offset older than
 * delivered, an origin's numbers with a gap, or packets dropped from the
 * log since the socket left. */
SIO_EXPORT int sio_restore_marks(sio_restore *r, const char *const *origins, const uint64_t *seqs,
                                 size_t n, uint64_t ago_ms, const char *delivered);
/* find_session's answer, after sio_restore_marks and before
 * sio_restore_end, when this server's log may lack packets the session
 * missed (it started after the socket left): the numbered broadcasts (p's
 * origin and origin_seq set) of a log the adapter keeps outside this
 * process, from before the socket could have missed any, each origin's in
 * its order. The library skips what the marks say the socket got, keeps
 * what its rooms would have received, and refuses the session at the end
 * when an origin's numbers skip one (that log lost or trimmed it); its own
 * log then gives what came after, each packet once. 0, SIO_EINVAL (not a
 * fleet restore, no marks, p not numbered) or SIO_ENOMEM. */
SIO_EXPORT int sio_restore_fleet_packet(sio_restore *r, const sio_adapter_packet *p,
                                        const sio_broadcast *o);
/* The adapter cannot say what the session missed after all (its log was
 * trimmed, Redis went away while reading it): at sio_restore_end the
 * client connects fresh, whatever was answered before. */
SIO_EXPORT void sio_restore_refuse(sio_restore *r);
/* The namespace's server's recovery options (an adapter bounds what it
 * keeps by them). */
SIO_EXPORT const sio_recovery_options *sio_namespace_recovery(const sio_namespace *nsp);

/* One process: broadcasts and socket operations act on the local sockets;
 * requests complete at once with the local answer (serverCount 1). */
extern SIO_EXPORT const sio_adapter_ops sio_memory_adapter;

/* Use another adapter (every op but the optional four is required); only
 * before any socket connects. init runs for the namespaces that exist. */
SIO_EXPORT int sio_server_set_adapter(sio_server *srv, const sio_adapter_ops *ops, void *user);
SIO_EXPORT void **sio_namespace_adapter_data(sio_namespace *nsp);

/* ---- Requests: what an adapter reports ------------------------------------------- */

/* How many other servers will answer (0: none). Until it is called the
 * request waits (for its timeout). */
SIO_EXPORT void sio_request_expect(sio_request *r, size_t servers);
/* Some servers did not answer in the adapter's time: complete now with
 * the answers received and the error "operation has timed out", as the
 * caller's own timeout does (node's requestsTimeout). */
SIO_EXPORT void sio_request_timeout(sio_request *r);
/* The adapter's reference, given with the request: release it once, when
 * it will report nothing more (at once, for one process). */
SIO_EXPORT void sio_request_release(sio_request *r);
/* An answer counts one server. */
struct sio_socket_info {
	const char *id;
	sio_socket *local; /* this server's socket, or NULL */
	const char *const *rooms;
	size_t nrooms;
	/* A remote socket: node's handshake object ({headers, time, address,
	 * xdomain, secure, issued, url, query, auth}) and socket.data, as JSON;
	 * NULL when unknown, and for a local socket (ask the socket). */
	const char *handshake_json;
	const char *data_json;
};
SIO_EXPORT void sio_request_add_sockets(sio_request *r, const sio_socket_info *sockets, size_t n);
SIO_EXPORT void sio_request_add_rooms(sio_request *r, const char *const *rooms, size_t n);
SIO_EXPORT void sio_request_add_reply(sio_request *r, const sio_args *reply);
SIO_EXPORT void sio_request_server_count(sio_request *r, size_t servers);
/* Broadcast with acks: one server's recipient count, one of its clients'
 * answer (arguments, as the client's ACK carried them). */
SIO_EXPORT void sio_request_client_count(sio_request *r, size_t clients);
SIO_EXPORT void sio_request_client_ack(sio_request *r, const sio_args *args);
/* This server's share, as the callbacks of
 * sio_adapter_broadcast_local_with_ack (user is the request). */
SIO_EXPORT void sio_request_local_count(size_t clients, void *r);
SIO_EXPORT void sio_request_local_ack(const sio_args *args, void *r);

/* ---- This server's sockets: what an adapter applies ------------------------------ */

/* A broadcast (from this server or another) to the local sockets o
 * targets: encoded once, the same bytes to every recipient. Returns the
 * number of recipients or SIO_EINVAL / SIO_ENOMEM. */
SIO_EXPORT int sio_adapter_broadcast_local(sio_namespace *nsp, const sio_adapter_packet *p,
                                           const sio_broadcast *o);
/* The same with one ack id for all: count runs once, with the number of
 * recipients, then ack once per recipient, with its answer, or with args
 * NULL when it disconnected first (so the caller can free its state after
 * the last). */
typedef void (*sio_client_count_fn)(size_t clients, void *user);
typedef void (*sio_client_ack_fn)(const sio_args *args, void *user);
SIO_EXPORT int sio_adapter_broadcast_local_with_ack(sio_namespace *nsp, const sio_adapter_packet *p,
                                                    const sio_broadcast *o,
                                                    sio_client_count_fn count,
                                                    sio_client_ack_fn ack, void *user);
/* Join / leave rooms, disconnect: on the local sockets o targets. Return
 * how many. (Fetch: sio_fetch_sockets; rooms: sio_namespace_rooms.) */
SIO_EXPORT int sio_adapter_sockets_join_local(sio_namespace *nsp, const sio_broadcast *o,
                                              const char *const *rooms, size_t nrooms);
SIO_EXPORT int sio_adapter_sockets_leave_local(sio_namespace *nsp, const sio_broadcast *o,
                                               const char *const *rooms, size_t nrooms);
SIO_EXPORT int sio_adapter_disconnect_local(sio_namespace *nsp, const sio_broadcast *o, bool close);
/* Another server's serverSideEmit: run this server's handlers
 * (sio_namespace_on_server_event). reply is NULL when no answer is wanted,
 * else an empty builder the handlers fill. Returns the handlers run. */
SIO_EXPORT int sio_adapter_server_event(sio_namespace *nsp, const char *event, const sio_args *args,
                                        sio_out *reply);

/* ---- A packet's parts, for another encoding (msgpack) ---------------------------- */

/* One value of a walk over arguments, depth first. Containers open with
 * SIO_ARG_OBJECT / SIO_ARG_ARRAY (count: members) and close with
 * SIO_ARG_END; in an object each value follows its SIO_ARG_KEY. */
typedef struct sio_value {
	int type;        /* SIO_ARG_*, SIO_ARG_KEY or SIO_ARG_END */
	const char *str; /* STRING, KEY: unescaped (may hold NUL); BINARY: the
	                    bytes; NUMBER: its JSON text */
	size_t len;
	double num;   /* NUMBER */
	bool is_int;  /* NUMBER: an integer that fits i */
	int64_t i;    /* NUMBER */
	size_t count; /* OBJECT, ARRAY */
} sio_value;
/* Non-zero from fn stops the walk and is returned. */
typedef int (*sio_value_fn)(const sio_value *v, void *user);
/* Argument i of a; every argument of an outgoing builder, in order.
 * Binary appears as SIO_ARG_BINARY (never as its placeholder). Decoding
 * the other way is the sio_out builder (sio_out_binary for bin). */
SIO_EXPORT int sio_args_walk(const sio_args *a, size_t i, sio_value_fn fn, void *user);
SIO_EXPORT int sio_out_walk(const sio_out *o, sio_value_fn fn, void *user);

#ifdef __cplusplus
}
#endif
#endif
