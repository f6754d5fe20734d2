/* redis_wire.h - the bodies node's Redis adapter and emitter put on Redis,
 * decoded and encoded (docs/redis.md, "Bodies").
 *
 * Three kinds of body: a broadcast (msgpack [uid, packet, opts] on
 * key#nsp# or key#nsp#ROOM#), a request (on key-request#nsp#) and a
 * response (on key-response#nsp# or key-response#nsp#UID#). Requests and
 * responses are JSON when their first byte is '{', msgpack otherwise (node
 * sends msgpack for type 7 and its type 9 answers only), so both decode
 * into one tree (msgpack-c's msgpack_object; JSON is converted into it) and
 * one reader of fields serves both. msgpack follows notepack.io 3.x, the
 * encoder of node's adapter: integers in their smallest form, other numbers
 * float64, Buffers as bin; the decoder also takes notepack 2.x's forms
 * (ext type 0 for an ArrayBuffer, fixext 1 type 0 for undefined, fixext 8
 * type 0 for a Date) and the timestamp extension (-1).
 *
 * Decoding is strict: any length the bytes cannot hold, nesting deeper than
 * REDIS_WIRE_MAX_DEPTH, a field of the wrong type, a missing field the type
 * needs, is REDIS_WIRE_EMALFORMED and nothing is kept. Event arguments come
 * out as an sio_out (binary as sio_out_binary), ready for the library's
 * local delivery; strings out are NUL-terminated and owned by the message.
 */
#ifndef REDIS_WIRE_H
#define REDIS_WIRE_H

#include "base/buf.h"
#include "socketio.h"

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* node's RequestType (the adapter's index.ts). */
enum {
	REDIS_SOCKETS = 0,
	REDIS_ALL_ROOMS = 1,
	REDIS_REMOTE_JOIN = 2,
	REDIS_REMOTE_LEAVE = 3,
	REDIS_REMOTE_DISCONNECT = 4,
	REDIS_REMOTE_FETCH = 5,
	REDIS_SERVER_SIDE_EMIT = 6,
	REDIS_BROADCAST = 7,
	REDIS_BROADCAST_CLIENT_COUNT = 8,
	REDIS_BROADCAST_ACK = 9,
};

#define REDIS_WIRE_EMALFORMED (-10)
#define REDIS_WIRE_MAX_DEPTH  32
/* Rooms (and except rooms) in one body, and sockets in one answer. */
#define REDIS_WIRE_MAX_ROOMS   4096
#define REDIS_WIRE_MAX_SOCKETS 100000

/* node's BroadcastOptions as they travel: {rooms, except, flags}. */
typedef struct redis_opts {
	const char **rooms;
	size_t nrooms;
	const char **except;
	size_t nexcept;
	bool volatile_, compress, local;
	bool has_timeout;
	uint64_t timeout_ms; /* flags.timeout of a broadcast with acks */
} redis_opts;

/* One decoded body. Which fields are set depends on the kind and type. */
typedef struct redis_msg {
	msgpack_unpacked up; /* a msgpack body's tree */
	msgpack_zone *zone;  /* a JSON body's tree, and every string handed out */
	bool has_up;

	int type;               /* request or response type; -1: none (answers to 0, 1, 5) */
	const char *uid;        /* NULL: none (the emitter's JSON requests) */
	const char *request_id; /* NULL: none */
	const char *nsp;        /* a broadcast's or type 7's packet.nsp ("/" when absent) */
	/* A broadcast's and type 7's packet.data, type 6's data: [event, ...args]. */
	const char *event;
	sio_out *args; /* never NULL when event is set */
	bool has_opts;
	redis_opts opts;
	/* 2 / 3: the rooms to join or leave; 0: the rooms asked about; the
	 * answer to 1: the rooms. */
	const char **rooms;
	size_t nrooms;
	bool has_rooms;
	/* The old forms of 2 / 3 / 4: one socket, one room. */
	const char *sid, *room;
	bool close; /* 4 */
	/* Answers: 0's socket ids (as sockets[i].id), 5's sockets. */
	sio_socket_info *sockets;
	size_t nsockets;
	bool has_sockets;
	uint64_t client_count; /* 8 */
	uint64_t seq;          /* a broadcast's recovery number (a 4th element), or 0 */
	/* 6's answer (data) and 9's (packet): one value in value, or none. */
	sio_out *value;
} redis_msg;

void redis_msg_init(redis_msg *m);
void redis_msg_free(redis_msg *m);

/* The decoders: 0, REDIS_WIRE_EMALFORMED, or SIO_ENOMEM. m must be freshly
 * initialised; free it whatever the result. */
int redis_wire_decode_broadcast(redis_msg *m, const void *body, size_t len);
int redis_wire_decode_request(redis_msg *m, const void *body, size_t len);
int redis_wire_decode_response(redis_msg *m, const void *body, size_t len);

/* ---- Encoders: append one body to out; 0 or SIO_ENOMEM / SIO_EINVAL -------------- */

/* A broadcast, msgpack [uid, {type: 2, data: [event, ...args], nsp}, {rooms,
 * except, flags}]: o->skip's id joins except; flags carry volatile and
 * compress when set. */
int redis_wire_broadcast(base_buf *out, const char *uid, const char *nsp, const char *event,
                         const sio_out *args, const sio_broadcast *o);
/* The same with seq > 0, this server's number for the broadcast (connection
 * state recovery across the fleet, docs/redis.md): a fourth element, which
 * node's adapter ignores (it reads [uid, packet, opts] of the array). */
int redis_wire_broadcast_seq(base_buf *out, const char *uid, const char *nsp, const char *event,
                             const sio_out *args, const sio_broadcast *o, uint64_t seq);
/* Type 7, msgpack {uid, requestId, type, packet, opts} with flags.timeout. */
int redis_wire_broadcast_ack_request(base_buf *out, const char *uid, const char *request_id,
                                     const char *nsp, const char *event, const sio_out *args,
                                     const sio_broadcast *o, unsigned timeout_ms);
/* JSON requests: 1 and 5 {uid, requestId, type[, opts]}; 2 / 3 {uid, type,
 * opts, rooms}; 4 {uid, type, opts, close}. o may be NULL (type 1). */
int redis_wire_request(base_buf *out, int type, const char *uid, const char *request_id,
                       const sio_broadcast *o, const char *const *rooms, size_t nrooms, bool close);
/* Type 6, JSON {uid[, requestId], type, data: [event, ...args]}. */
int redis_wire_server_side_emit(base_buf *out, const char *uid, const char *request_id,
                                const char *event, const sio_out *args);

/* JSON answers: {requestId, sockets: [id...]} (0), {requestId, rooms} (1),
 * {requestId} (the old 2 / 3 / 4), {requestId, sockets: [{id, handshake,
 * rooms, data}]} (5: handshake_json and data_json must be set). */
int redis_wire_answer_ids(base_buf *out, const char *request_id, const char *const *ids, size_t n);
int redis_wire_answer_rooms(base_buf *out, const char *request_id, const char *const *rooms,
                            size_t n);
int redis_wire_answer_done(base_buf *out, const char *request_id);
int redis_wire_answer_sockets(base_buf *out, const char *request_id, const sio_socket_info *s,
                              size_t n);
/* Type 6's answer, JSON {type, requestId, data}: data is reply's first
 * argument, left out when it has none. */
int redis_wire_answer_server_side_emit(base_buf *out, const char *request_id, const sio_out *reply);
/* Type 8, JSON {type, requestId, clientCount}. */
int redis_wire_client_count(base_buf *out, const char *request_id, uint64_t clients);
/* Type 9, msgpack {type, requestId, packet}: packet is the client's first
 * ack argument, left out when it sent none. */
int redis_wire_client_ack(base_buf *out, const char *request_id, const sio_args *ack);

/* node's socket.handshake of a local socket, as JSON ({headers, time,
 * address, xdomain, secure, issued, url, query, auth}). */
int redis_wire_handshake_json(base_buf *out, const sio_socket *s);

#endif
