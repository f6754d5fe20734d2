/* socketio.h - public API of the Socket.IO v5 server layer.
 *
 * Mirrors node's socket.io server API: a server has namespaces ("/" and any
 * created with sio_of), a namespace has middleware, a connection callback and
 * rooms; a socket (one client in one namespace) has event handlers, emits with
 * or without acknowledgements, joins and leaves rooms. Built on engineio.h;
 * one libuv loop, every call from its thread.
 *
 * Ownership: the library owns servers, namespaces and sockets. A socket
 * pointer is valid until its disconnect callback returns. Argument views
 * (sio_args) are valid during the callback that receives them. An sio_out is
 * owned by its creator and may be emitted any number of times.
 *
 * Where broadcasts and cluster-wide requests go is the adapter's business:
 * socketio/adapter.h (included at the end of this header).
 */
#ifndef SOCKETIO_H
#define SOCKETIO_H

#include "engineio.h"
#include "sio_export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sio_server sio_server;
typedef struct sio_namespace sio_namespace;
typedef struct sio_socket sio_socket;
typedef struct sio_args sio_args;
typedef struct sio_out sio_out;
typedef struct sio_ack sio_ack;

enum {
	SIO_OK = 0,
	SIO_ENOMEM = -1,
	SIO_EINVAL = -2,
	SIO_ECLOSED = -3, /* the socket is disconnected */
};

/* ---- Server ------------------------------------------------------------------ */

/* The packet encoding of a server, for all its clients (node's `parser`
 * option): the default JSON text parser (socket.io-parser), or msgpack
 * (socket.io-msgpack-parser: one binary message per packet, binary values
 * inline; clients must use that parser too). */
enum {
	SIO_PARSER_DEFAULT = 0,
	SIO_PARSER_MSGPACK = 1,
};

/* Connection state recovery (node's connectionStateRecovery, socket.io 4.6;
 * docs/socketio.md, "Connection state recovery"): a client that lost its
 * connection and comes back within max_disconnection_ms gets its socket id,
 * rooms and data back, and the packets it missed: broadcasts to its rooms
 * or the whole namespace and direct emits to it, without acks and not
 * volatile, as node keeps them. Each kept packet carries its offset as an
 * extra last argument.
 * Off by default; sio_options_init sets node's values and our bounds. */
typedef struct sio_recovery_options {
	bool enabled;
	unsigned max_disconnection_ms; /* node's maxDisconnectionDuration (120000) */
	bool skip_middlewares;         /* node's skipMiddlewares (true) */
	/* The packet log of each namespace (a recovery from an offset the log no
	 * longer holds is refused: the client connects fresh). */
	size_t max_packets;  /* 10000 */
	size_t max_bytes;    /* 8 MiB of encoded packets */
	unsigned max_age_ms; /* 0: max_disconnection_ms */
	size_t max_sessions; /* disconnected sessions kept per namespace (100000) */
} sio_recovery_options;

typedef struct sio_options {
	eio_options eio;             /* transport options; path defaults to /socket.io/ */
	unsigned connect_timeout_ms; /* no namespace joined within it: close (45000) */
	int max_attachments; /* binary attachments (msgpack: binary values) per packet (10) */
	int parser;          /* SIO_PARSER_DEFAULT or SIO_PARSER_MSGPACK */
	sio_recovery_options recovery;
} sio_options;

SIO_EXPORT void sio_options_init(sio_options *o);
/* Mount a Socket.IO server on the listener. The "/" namespace exists. */
SIO_EXPORT sio_server *sio_server_new(eio_listener *l, const sio_options *o, int *err);
/* Disconnect every socket ("server shutting down") and close the sessions. */
SIO_EXPORT void sio_server_close(sio_server *srv);
SIO_EXPORT eio_server *sio_server_engine(sio_server *srv);
/* Free the server's namespaces, after eio_listener_free() of its listener. */
SIO_EXPORT void sio_server_free(sio_server *srv);
/* Running totals since the server started (for metrics). O(1). */
typedef struct sio_server_stats {
	/* volatile broadcasts not sent to a recipient whose transport could
	 * not take them then (node's volatile flag) */
	uint64_t volatile_dropped;
	/* clients cut off because their send queue went over
	 * eio_options.max_queued_bytes (disconnect reason "send queue full") */
	uint64_t send_queue_full;
} sio_server_stats;
SIO_EXPORT void sio_server_get_stats(const sio_server *srv, sio_server_stats *out);

/* ---- Namespaces -------------------------------------------------------------- */

/* The namespace with this name ("/chat"), created on first use. */
SIO_EXPORT sio_namespace *sio_of(sio_server *srv, const char *name);
SIO_EXPORT const char *sio_namespace_name(const sio_namespace *nsp);
SIO_EXPORT sio_server *sio_namespace_server(const sio_namespace *nsp);
SIO_EXPORT size_t sio_namespace_socket_count(const sio_namespace *nsp);

/* Middleware: runs for every CONNECT to the namespace, in the order added.
 * Return 0 to accept; non-zero to refuse, after setting *message (and
 * optionally *data_json, raw JSON) to static or socket-lifetime strings: the
 * client's connect_error receives {message, data}. */
typedef int (*sio_middleware_fn)(sio_socket *s, const char **message, const char **data_json,
                                 void *user);
SIO_EXPORT int sio_use(sio_namespace *nsp, sio_middleware_fn fn, void *user);

/* Middleware that finishes later (after a database or network call): call
 * exactly one of sio_next_accept / sio_next_refuse, now or later. If the
 * client goes away first, the call is accepted and does nothing. */
typedef struct sio_next sio_next;
typedef void (*sio_async_middleware_fn)(sio_socket *s, sio_next *next, void *user);
SIO_EXPORT int sio_use_async(sio_namespace *nsp, sio_async_middleware_fn fn, void *user);
SIO_EXPORT void sio_next_accept(sio_next *next);
/* message and data_json are copied. */
SIO_EXPORT void sio_next_refuse(sio_next *next, const char *message, const char *data_json);

/* Dynamic namespaces (node's io.of(regex or function)): the first CONNECT
 * to a name that match() accepts creates that namespace, with the
 * middleware and connection callback set on the returned parent at that
 * time. Broadcasting to the parent reaches every child. */
typedef bool (*sio_namespace_match_fn)(const char *name, const char *auth_json, void *user);
SIO_EXPORT sio_namespace *sio_of_dynamic(sio_server *srv, sio_namespace_match_fn match, void *user);
/* The parent of a namespace created by sio_of_dynamic, or NULL. */
SIO_EXPORT sio_namespace *sio_namespace_parent(const sio_namespace *nsp);

typedef void (*sio_connection_fn)(sio_socket *s, void *user);
SIO_EXPORT void sio_on_connection(sio_namespace *nsp, sio_connection_fn fn, void *user);

/* ---- Sockets ----------------------------------------------------------------- */

/* A socket's id: random, not the engine sid, except for a client of
 * Engine.IO v3 (allow_eio3), whose id is the sid in "/" and "<nsp>#<sid>" in
 * another namespace, as node's (socket.io-client 2.x computes it so). */
SIO_EXPORT const char *sio_socket_id(const sio_socket *s);
SIO_EXPORT sio_namespace *sio_socket_namespace(const sio_socket *s);
SIO_EXPORT eio_session *sio_socket_session(const sio_socket *s); /* handshake: request */
/* The CONNECT payload (handshake auth) as JSON text; "{}" when none. */
SIO_EXPORT const char *sio_socket_auth(const sio_socket *s, size_t *len);
SIO_EXPORT bool sio_socket_connected(const sio_socket *s);
/* The socket took over a disconnected session (connection state recovery):
 * same id, rooms and data, and the missed broadcasts were sent to it
 * (node's socket.recovered). */
SIO_EXPORT bool sio_socket_recovered(const sio_socket *s);
/* Per-socket application data. A socket refused by middleware, or whose
 * client leaves while middleware runs, is freed without any disconnect
 * callback: attach owned data in the connection callback (and free it in
 * the disconnect callback), not in middleware. */
SIO_EXPORT void sio_socket_set_user(sio_socket *s, void *user);
SIO_EXPORT void *sio_socket_get_user(const sio_socket *s);
/* node's socket.data, as JSON text: what other servers see of this socket
 * in fetchSockets (a distributed adapter sends it); "{}" until set. The
 * text must be valid JSON (SIO_EINVAL otherwise); it is copied. */
SIO_EXPORT int sio_socket_set_data(sio_socket *s, const char *json, size_t len);
SIO_EXPORT const char *sio_socket_data(const sio_socket *s, size_t *len);

/* Event handlers. ack is non-NULL when the client asked for an
 * acknowledgement: answer it with sio_ack_send() during the call, or keep it
 * with sio_ack_retain() and answer (or sio_ack_drop) later. */
typedef void (*sio_event_fn)(sio_socket *s, const char *event, const sio_args *args, sio_ack *ack,
                             void *user);
SIO_EXPORT int sio_on(sio_socket *s, const char *event, sio_event_fn fn, void *user);
SIO_EXPORT int sio_on_any(sio_socket *s, sio_event_fn fn, void *user);
/* Handlers for every socket of a namespace, registered once instead of in
 * each connection callback: no per-socket memory. They run before the
 * socket's own handlers (catch-alls first, as always). */
SIO_EXPORT int sio_namespace_on(sio_namespace *nsp, const char *event, sio_event_fn fn, void *user);
SIO_EXPORT int sio_namespace_on_any(sio_namespace *nsp, sio_event_fn fn, void *user);
/* Incoming-event middleware (node's socket.use()), for every socket of a
 * namespace: each filter runs, in order, before any handler. Return 0 to
 * pass the event on, non-zero to drop it: no handler runs and an ack the
 * client asked for is left unanswered (as when node's next(err) is called).
 * A filter may emit to the socket or disconnect it. Register before clients
 * connect to the namespace. */
typedef int (*sio_event_filter_fn)(sio_socket *s, const char *event, const sio_args *args,
                                   void *user);
SIO_EXPORT int sio_namespace_use_events(sio_namespace *nsp, sio_event_filter_fn fn, void *user);
/* "disconnecting": rooms still joined; "disconnect": after leaving them.
 * reason is node's: "client namespace disconnect", "server namespace
 * disconnect", "transport close", "transport error", "ping timeout",
 * "parse error", "forced close", "server shutting down". */
typedef void (*sio_disconnect_fn)(sio_socket *s, const char *reason, void *user);
SIO_EXPORT void sio_on_disconnecting(sio_socket *s, sio_disconnect_fn fn, void *user);
SIO_EXPORT void sio_on_disconnect(sio_socket *s, sio_disconnect_fn fn, void *user);

/* Server-side disconnect ("server namespace disconnect"); with
 * close_transport the whole connection closes. */
SIO_EXPORT void sio_disconnect(sio_socket *s, bool close_transport);

/* ---- Rooms ------------------------------------------------------------------- */

SIO_EXPORT int sio_join(sio_socket *s, const char *room);
SIO_EXPORT int sio_leave(sio_socket *s, const char *room);
SIO_EXPORT bool sio_in_room(const sio_socket *s, const char *room);
/* Rooms this socket joined, not counting the room named by its own id. */
SIO_EXPORT size_t sio_socket_room_count(const sio_socket *s);
/* Every room the socket is in, its own id first (node's socket.rooms). */
typedef void (*sio_room_name_fn)(const char *room, void *user);
SIO_EXPORT void sio_socket_rooms(const sio_socket *s, sio_room_name_fn fn, void *user);
/* Local room bookkeeping (this process's sockets, like node's
 * adapter.rooms), without the implicit one-member room of each socket id:
 * the number of members of room (0 if none), and each room with its member
 * count (do not join or leave from fn). */
SIO_EXPORT size_t sio_room_size(const sio_namespace *nsp, const char *room);
typedef void (*sio_room_fn)(const char *room, size_t members, void *user);
SIO_EXPORT void sio_namespace_rooms(const sio_namespace *nsp, sio_room_fn fn, void *user);
/* Observer of room membership, node's adapter "join-room" and "leave-room"
 * events (for dashboards such as @socket.io/admin-ui, and logs): called
 * after a socket of nsp joined a room it was not in (its own id room too,
 * when it connects) or left one it was in (every room, its own first, when
 * it disconnects). One per namespace; fn NULL removes it. fn must not join
 * or leave rooms itself. */
typedef void (*sio_room_change_fn)(sio_socket *s, const char *room, bool joined, void *user);
SIO_EXPORT void sio_namespace_on_room_change(sio_namespace *nsp, sio_room_change_fn fn, void *user);
/* Observer of the events sent to one socket of nsp (node's onAnyOutgoing):
 * called after each sio_emit / sio_emit_with_ack that queued the event, not
 * for broadcasts nor acks. One per namespace; fn NULL removes it. */
typedef void (*sio_emit_observer_fn)(sio_socket *s, const char *event, const sio_out *args,
                                     void *user);
SIO_EXPORT void sio_namespace_on_emit(sio_namespace *nsp, sio_emit_observer_fn fn, void *user);
/* Observer of the acks the server answers (sio_ack_send) for the events of
 * nsp's sockets: elapsed_ms is the time from the event's arrival to the
 * answer (for a latency histogram). One per namespace; fn NULL removes it. */
typedef void (*sio_ack_observer_fn)(sio_socket *s, double elapsed_ms, void *user);
SIO_EXPORT void sio_namespace_on_ack_answered(sio_namespace *nsp, sio_ack_observer_fn fn,
                                              void *user);
/* Every namespace created so far (static and dynamic children). */
typedef void (*sio_namespace_fn)(sio_namespace *nsp, void *user);
SIO_EXPORT void sio_server_namespaces(sio_server *srv, sio_namespace_fn fn, void *user);

/* ---- Plain WebSocket clients -------------------------------------------------
 * A client of a plain WebSocket endpoint (engineio.h, eio_plain_server_new)
 * as a socket of a namespace: it joins and leaves rooms (sio_join), and
 * every broadcast, emit, fetchSockets, socketsJoin or disconnectSockets
 * that targets it reaches it as it reaches a Socket.IO socket, with its
 * events framed by its codec instead of the Socket.IO packet encoding
 * (docs/socketio.md, "Plain WebSocket clients"). A broadcast frames an event
 * once per codec, whatever the number of plain recipients. It has no acks
 * (sio_emit_with_ack refuses it; a broadcast with acks skips it), no binary
 * (an event with binary arguments is not sent to it), no middleware and no
 * connection callback (it is attached connected), and disconnecting it
 * closes its connection. */

/* The message a plain client gets for an event: args is the JSON array of
 * the arguments ("[...]", len bytes); return a new eio_msg (eio_msg_text),
 * or NULL to send this event nothing. */
typedef eio_msg *(*sio_codec_event_fn)(const char *event, const char *args, size_t len, void *user);
typedef struct sio_codec {
	sio_codec_event_fn event;
	void *user;
} sio_codec;

/* Attach a new session of a plain WebSocket server (from its on_connection)
 * as a connected socket of nsp (not a dynamic parent) framed by codec,
 * which must outlive it. The session's user pointer is socketio's from now
 * on (the socket's, sio_socket_set_user, is the application's). NULL when
 * out of memory or the session is closing. */
SIO_EXPORT sio_socket *sio_plain_attach(sio_namespace *nsp, eio_session *es,
                                        const sio_codec *codec);
/* The socket attached to a plain session, or NULL. */
SIO_EXPORT sio_socket *sio_plain_socket(const eio_session *es);
/* From the plain server's on_close: the socket leaves its rooms and its
 * namespace, its disconnect callbacks run with reason, and it is freed. */
SIO_EXPORT void sio_plain_detach(eio_session *es, const char *reason);
SIO_EXPORT bool sio_socket_is_plain(const sio_socket *s);

/* ---- Outgoing arguments ------------------------------------------------------ */

/* A list of event arguments, built once and emitted to any number of sockets.
 * Binary buffers may appear at any depth; they travel as attachments. */
SIO_EXPORT sio_out *sio_out_new(void);
SIO_EXPORT void sio_out_free(sio_out *o);
SIO_EXPORT int sio_out_str(sio_out *o, const char *s);
SIO_EXPORT int sio_out_strn(sio_out *o, const char *s, size_t n);
SIO_EXPORT int sio_out_int(sio_out *o, int64_t v);
SIO_EXPORT int sio_out_double(sio_out *o, double v);
SIO_EXPORT int sio_out_bool(sio_out *o, bool v);
SIO_EXPORT int sio_out_null(sio_out *o);
SIO_EXPORT int sio_out_json(sio_out *o, const char *json, size_t n); /* validated raw JSON */
SIO_EXPORT int sio_out_binary(sio_out *o, const void *data, size_t n);
SIO_EXPORT int sio_out_object_begin(sio_out *o);
SIO_EXPORT int sio_out_object_end(sio_out *o);
SIO_EXPORT int sio_out_key(sio_out *o, const char *key);
SIO_EXPORT int sio_out_array_begin(sio_out *o);
SIO_EXPORT int sio_out_array_end(sio_out *o);
/* Append every argument of an incoming event, or argument i (binary
 * included, at any depth). */
SIO_EXPORT int sio_out_args(sio_out *o, const sio_args *a);
SIO_EXPORT int sio_out_arg(sio_out *o, const sio_args *a, size_t i);

/* ---- Incoming arguments ------------------------------------------------------ */

enum {
	SIO_ARG_NONE,
	SIO_ARG_OBJECT,
	SIO_ARG_ARRAY,
	SIO_ARG_STRING,
	SIO_ARG_NUMBER,
	SIO_ARG_TRUE,
	SIO_ARG_FALSE,
	SIO_ARG_NULL,
	SIO_ARG_BINARY,
	SIO_ARG_KEY, /* walks only (socketio/adapter.h): an object key */
	SIO_ARG_END, /* walks only: the end of an object or array */
};

SIO_EXPORT size_t sio_args_count(const sio_args *a);
SIO_EXPORT int sio_args_type(const sio_args *a, size_t i);
/* String argument i, unescaped and NUL-terminated (owned by a), or NULL. */
SIO_EXPORT const char *sio_args_str(const sio_args *a, size_t i, size_t *len);
SIO_EXPORT int sio_args_double(const sio_args *a, size_t i, double *v);
SIO_EXPORT int sio_args_int(const sio_args *a, size_t i, int64_t *v);
/* Binary argument i (a top-level attachment), or NULL. */
SIO_EXPORT const void *sio_args_binary(const sio_args *a, size_t i, size_t *len);
/* Exact JSON text of argument i (binary appears as its placeholder). */
SIO_EXPORT const char *sio_args_json(const sio_args *a, size_t i, size_t *len);
/* Attachments in placeholder order, for nested binary. */
SIO_EXPORT size_t sio_args_attachment_count(const sio_args *a);
SIO_EXPORT const void *sio_args_attachment(const sio_args *a, size_t num, size_t *len);

/* Arguments owned by the caller, outside any callback: those of an EVENT
 * packet given as its text, as a client sends it ("2[\"join\",{...}]",
 * without binary attachments: tests, fuzzers, tools), or those an sio_out
 * holds (an adapter turning a decoded remote answer into arguments). NULL
 * when the text is not an EVENT packet or memory runs out. Free with
 * sio_args_free, which takes only these. */
SIO_EXPORT sio_args *sio_args_parse(const char *packet, size_t len);
SIO_EXPORT sio_args *sio_args_from_out(const sio_out *o);
SIO_EXPORT void sio_args_free(sio_args *a);

/* ---- Emitting ---------------------------------------------------------------- */

/* args may be NULL (no arguments). */
SIO_EXPORT int sio_emit(sio_socket *s, const char *event, const sio_out *args);

/* Emit and wait for the client's acknowledgement: cb runs once, with the
 * client's arguments, or with args NULL and err "operation has timed out" /
 * "socket has been disconnected". timeout_ms 0 waits as long as the socket
 * lives. */
typedef void (*sio_ack_fn)(sio_socket *s, const sio_args *args, const char *err, void *user);
SIO_EXPORT int sio_emit_with_ack(sio_socket *s, const char *event, const sio_out *args,
                                 unsigned timeout_ms, sio_ack_fn cb, void *user);

/* Answer a client's acknowledgement request (once). */
SIO_EXPORT int sio_ack_send(sio_ack *ack, const sio_out *args);
SIO_EXPORT void sio_ack_retain(sio_ack *ack);
SIO_EXPORT void sio_ack_drop(sio_ack *ack);

/* Broadcast: to the sockets of the namespace that are in any of `rooms`
 * (every socket when nrooms is 0), minus those in any of `except` and minus
 * `skip` (the sender, for socket.broadcast). Encoded once; the same bytes
 * go to every recipient. Goes through the server's adapter, so with a
 * distributed one it reaches the sockets of every server. Returns the
 * number of recipients on this server. */
typedef struct sio_broadcast {
	const char *const *rooms;
	size_t nrooms;
	const char *const *except;
	size_t nexcept;
	const sio_socket *skip;
	bool volatile_; /* drop for recipients that cannot take it now */
	bool local;     /* this server's sockets only (node's io.local) */
	bool compress;  /* node's compress flag, passed on to other servers */
} sio_broadcast;
SIO_EXPORT int sio_broadcast_emit(sio_namespace *nsp, const sio_broadcast *b, const char *event,
                                  const sio_out *args);

/* Broadcast and collect every recipient's acknowledgement: cb runs once,
 * when all answered (err NULL) or at the timeout (err "operation has timed
 * out") with the responses received so far. A recipient that disconnects is
 * not waited for. Returns the number of recipients. */
typedef void (*sio_broadcast_ack_fn)(sio_namespace *nsp, const sio_args *const *responses, size_t n,
                                     const char *err, void *user);
SIO_EXPORT int sio_broadcast_emit_with_ack(sio_namespace *nsp, const sio_broadcast *b,
                                           const char *event, const sio_out *args,
                                           unsigned timeout_ms, sio_broadcast_ack_fn cb,
                                           void *user);

/* node's fetchSockets on the sockets a broadcast would target, this
 * process's only, at once: the number of sockets given to fn. fn may
 * disconnect the socket it is given. */
typedef void (*sio_socket_fn)(sio_socket *s, void *user);
SIO_EXPORT int sio_fetch_sockets(sio_namespace *nsp, const sio_broadcast *b, sio_socket_fn fn,
                                 void *user);
/* node's socketsJoin / socketsLeave / disconnectSockets, through the
 * adapter (every server's sockets with a distributed one). Return the
 * number of this process's sockets acted on. */
SIO_EXPORT int sio_sockets_join(sio_namespace *nsp, const sio_broadcast *b, const char *room);
SIO_EXPORT int sio_sockets_leave(sio_namespace *nsp, const sio_broadcast *b, const char *room);
SIO_EXPORT int sio_disconnect_sockets(sio_namespace *nsp, const sio_broadcast *b, bool close);
/* Shorthands: io.of(nsp).to(room).emit(...), io.of(nsp).except(room).emit(...),
 * socket.broadcast.emit(...). */
SIO_EXPORT int sio_to(sio_namespace *nsp, const char *room, const char *event, const sio_out *args);
SIO_EXPORT int sio_except(sio_namespace *nsp, const char *room, const char *event,
                          const sio_out *args);
SIO_EXPORT int sio_socket_broadcast(sio_socket *s, const char *event, const sio_out *args);

/* ---- Across servers (through the adapter) ------------------------------------ */

/* Each of these completes once, through its callback: when every server
 * answered, or after timeout_ms (0: 5000, node's requestsTimeout) with err
 * "operation has timed out" and the answers that arrived. With one process
 * they complete before returning. They return 0 or SIO_ENOMEM. */

/* A socket of any server (fetchSockets). */
typedef struct sio_socket_info sio_socket_info;
/* node's fetchSockets across servers: this server's targets first (local
 * set, those still connected at completion), then the others'. */
typedef void (*sio_fetch_fn)(sio_namespace *nsp, const sio_socket_info *sockets, size_t n,
                             const char *err, void *user);
SIO_EXPORT int sio_fetch_sockets_async(sio_namespace *nsp, const sio_broadcast *b,
                                       unsigned timeout_ms, sio_fetch_fn done, void *user);
/* node's allRooms: the union of every server's rooms, with each socket's
 * own room named by its id (node's adapter keeps that room like any other;
 * sio_namespace_rooms leaves it out). */
typedef void (*sio_rooms_fn)(sio_namespace *nsp, const char *const *rooms, size_t n,
                             const char *err, void *user);
SIO_EXPORT int sio_all_rooms(sio_namespace *nsp, unsigned timeout_ms, sio_rooms_fn done,
                             void *user);
/* node's serverCount: how many servers share this namespace (1 alone). */
typedef void (*sio_count_fn)(sio_namespace *nsp, size_t servers, void *user);
SIO_EXPORT int sio_server_count(sio_namespace *nsp, sio_count_fn done, void *user);
/* node's serverSideEmit: an event to the other servers' handlers (never
 * this server's). With an ack, done gets one answer per server, as for a
 * broadcast with acks. */
SIO_EXPORT int sio_server_side_emit(sio_namespace *nsp, const char *event, const sio_out *args);
SIO_EXPORT int sio_server_side_emit_with_ack(sio_namespace *nsp, const char *event,
                                             const sio_out *args, unsigned timeout_ms,
                                             sio_broadcast_ack_fn done, void *user);
/* Handlers for another server's serverSideEmit (node's nsp.on(event)); event
 * NULL: every event. reply is NULL unless the sender waits for an answer:
 * then append the answer's arguments to it during the call. */
typedef void (*sio_server_event_fn)(sio_namespace *nsp, const char *event, const sio_args *args,
                                    sio_out *reply, void *user);
SIO_EXPORT int sio_namespace_on_server_event(sio_namespace *nsp, const char *event,
                                             sio_server_event_fn fn, void *user);

/* ---- Event names --------------------------------------------------------------- */

/* True for the names an EVENT may not carry ("connect", "connect_error",
 * "disconnect", "disconnecting", "newListener", "removeListener": the
 * RESERVED_EVENTS of socket.io-parser). The one list of the project: the
 * packet decoder refuses them, sio-server refuses them in rules and API calls. */
SIO_EXPORT bool sio_event_reserved(const char *name, size_t len);

#ifdef __cplusplus
}
#endif

#include "socketio/adapter.h"

#endif
