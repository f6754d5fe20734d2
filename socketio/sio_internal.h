/* sio_internal.h - private structures of the Socket.IO layer.
 *
 *   server    -> one eio_server, the namespaces (a short list: "/" first)
 *   client    -> one per Engine.IO session: its sockets (one per namespace
 *                joined) and a binary packet waiting for its attachments
 *   namespace -> middleware, connection callback, sockets by id, rooms
 *   socket    -> handlers, rooms joined, acks it waits for
 *   room      -> its member sockets (a hash set: O(1) join, leave, lookup)
 *   request   -> a question to every server (fetchSockets, allRooms, ...)
 *                and the answers so far (sio_request.c)
 *
 * The hash map, the deadline lists and the JSON reader and writer are the
 * base layer's (base/map.h, base/timer.h, base/json.h); of the Engine.IO
 * layer only its public header is used.
 */
#ifndef SIO_INTERNAL_H
#define SIO_INTERNAL_H

#include "base/map.h"
#include "base/timer.h"
#include "base/json.h"
#include "sio_packet.h"
#include "socketio.h"

typedef struct sio_client sio_client;

typedef struct sio_handler {
	char *event; /* NULL: catch-all */
	sio_event_fn fn;
	void *user;
} sio_handler;

typedef struct sio_filter { /* sio_namespace_use_events */
	sio_event_filter_fn fn;
	void *user;
} sio_filter;

typedef struct sio_room {
	char *name;
	base_map members; /* socket id -> socket */
} sio_room;

typedef struct sio_server_handler { /* sio_namespace_on_server_event */
	char *event;                /* NULL: every event */
	sio_server_event_fn fn;
	void *user;
} sio_server_handler;

typedef struct sio_mw {
	sio_middleware_fn fn;        /* synchronous, or */
	sio_async_middleware_fn afn; /* finishes later through sio_next */
	void *user;
} sio_mw;

struct sio_next {
	sio_socket *s; /* NULL once the client has gone */
};

struct sio_namespace {
	sio_server *srv;
	char *name;
	size_t name_len;
	sio_mw *mw;
	size_t nmw;
	sio_connection_fn on_connection;
	void *on_connection_user;
	sio_room_change_fn on_room_change; /* observers (socketio.h) */
	void *on_room_change_user;
	sio_emit_observer_fn on_emit;
	void *on_emit_user;
	sio_ack_observer_fn on_ack_answered;
	void *on_ack_answered_user;
	sio_handler *handlers; /* for every socket of the namespace */
	size_t nhandlers;
	sio_filter *filters; /* incoming-event middleware, in order */
	size_t nfilters;
	sio_server_handler *server_handlers; /* other servers' serverSideEmit */
	size_t nserver_handlers;
	base_map sockets; /* id -> socket */
	base_map rooms;   /* name -> sio_room (in-memory adapter) */
	uint64_t bcast_gen;
	int64_t next_ack_id; /* ack ids are per namespace, as in node */
	void *adapter_data;
	/* Dynamic namespaces: a parent matches names and is copied into
	 * each child it creates; broadcasting to the parent reaches them all. */
	sio_namespace_match_fn match;
	void *match_user;
	sio_namespace *parent;
	struct sio_rstore *rstore; /* connection state recovery (sio_recovery.c) */
};

struct sio_server {
	eio_server *eio;
	base_timers timers; /* list 0: connectTimeout of clients with no namespace */
	const sio_adapter_ops *adapter;
	void *adapter_user;
	sio_options o;
	sio_namespace **nsps;
	size_t nnsps;
	sio_namespace **parents;
	size_t nparents;
	sio_server_stats stats;
};

struct sio_client {
	sio_server *srv;
	eio_session *es;
	sio_socket **sockets; /* one per namespace joined */
	size_t nsockets;
	base_tlink connect_link; /* connectTimeout, on the server's list */
	bool closed;
	struct sio_binpending *bin; /* a binary packet awaiting attachments, or NULL */
	const sio_codec *codec;     /* a plain WebSocket client's framing, or NULL (sio_plain.c) */
};

/* A binary packet waiting for its attachments (spec "Binary"): allocated only
 * while one is being received, so an idle client does not carry it. */
typedef struct sio_binpending {
	char *text; /* the packet's text: pkt's slices point into it */
	size_t len;
	sio_packet pkt;
	eio_msg **atts;
	int natts;
} sio_binpending;

typedef struct sio_pending_ack {
	int64_t id;
	sio_ack_fn cb;
	void *user;
	uv_timer_t *timer;
	sio_socket *s;
} sio_pending_ack;

#define SIO_RANDOM_ID_LEN 20 /* base64url of 15 random bytes, as node's base64id */

struct sio_socket {
	sio_namespace *nsp;
	sio_client *client;
	bool connected;
	bool in_own_room; /* the room named by its id (see sio_adapter.c) */
	void *user;
	char *auth;
	size_t auth_len;
	char *data; /* socket.data as JSON (sio_socket_set_data), NULL: {} */
	size_t data_len;
	sio_handler *handlers;
	size_t nhandlers;
	sio_disconnect_fn on_disconnecting, on_disconnect;
	void *on_disconnecting_user, *on_disconnect_user;
	sio_room **rooms; /* rooms joined, for leave-all */
	size_t nrooms;
	sio_pending_ack **acks;
	size_t nacks;
	uint64_t mark_except, mark_sent; /* broadcast generations */
	struct sio_ack *open_acks;       /* acks handed to handlers, not answered */
	int busy;                        /* inside one of its callbacks */
	bool free_pending;               /* freed while busy: free on return */
	size_t mw_next;                  /* CONNECT: next middleware to run */
	struct sio_next *next;           /* CONNECT: async middleware running */
	char *pid;                       /* recovery on: the private session id */
	bool recovered;                  /* took over a disconnected session */
	struct sio_restore *restore;     /* CONNECT: a restore asked or its answer */
	size_t id_len;
	/* Its id, allocated with the socket: SIO_RANDOM_ID_LEN random base64url
	 * characters; for a v3 client the Engine.IO sid in "/" and "<nsp>#<sid>"
	 * elsewhere (node's socket.ts), so bounded by the namespace's name. */
	char id[];
};

struct sio_ack {
	sio_socket *s; /* NULL once the socket is gone */
	int64_t id;
	bool retained, done;
	bool in_handler; /* the handler it was given to is running */
	uint64_t t0;     /* uv_hrtime() when the event arrived */
	struct sio_ack *next;
};

struct sio_args {
	const sio_packet *pkt;
	int first; /* token index of the first argument */
	size_t count;
	eio_msg *const *atts;
	int natts;
	char **strs;  /* unescaped strings, made on demand */
	size_t *lens; /* their lengths */
	bool owned;   /* made by sio_args_parse/_from_out/_copy: sio_args_free */
};

struct sio_out {
	base_buf buf; /* the arguments as JSON, without brackets */
	base_jsonw w;
	eio_msg **atts;
	int natts;
	int depth;
	size_t count; /* top-level arguments */
};

/* sio_namespace.c */
sio_namespace *sio_namespace_find(sio_server *srv, const char *name, size_t len);
sio_namespace *sio_namespace_new(sio_server *srv, const char *name);
void sio_namespace_free(sio_namespace *n);

/* sio_client.c: the way in (Engine.IO callbacks, decoding, routing) */
void sio_client_on_connection(eio_server *es, eio_session *s, void *user);
void sio_client_on_message(eio_session *es, const char *data, size_t len, bool binary, void *user);
void sio_client_on_close(eio_session *es, const char *reason, void *user);
void sio_client_connect_timeout(base_timers *t, int list, base_tlink *link);

/* sio_client_send.c: the way out, and the client's sockets */
void sio_client_send_packet(sio_client *c, eio_msg *text, eio_msg *const *atts, int natts);
void sio_client_send_buf(sio_client *c, base_buf *b);
void sio_client_close(sio_client *c, const char *why);
/* The client broke the protocol (a packet that does not decode, or one it
 * may not send now): closed as sio_client_close(), on a WebSocket with 1002
 * and `why` (static storage, at most 123 bytes) in the close frame. */
void sio_client_fail(sio_client *c, const char *why);
/* A plain WebSocket client's framing of an event by its codec (NULL: not
 * sent to it), and the send of it (sio_plain.c). */
eio_msg *sio_client_plain_frame(const sio_codec *codec, const char *event, const sio_out *args);
int sio_client_send_plain(sio_client *c, eio_msg *m);
sio_socket *sio_client_socket(sio_client *c, const sio_namespace *nsp);
int sio_client_add_socket(sio_client *c, sio_socket *s);
void sio_client_remove_socket(sio_client *c, sio_socket *s);

/* sio_connect.c */
void sio_connect_begin(sio_client *c, const sio_packet *p);

/* sio_socket.c */
sio_socket *sio_socket_new(sio_namespace *nsp, sio_client *c, const sio_packet *connect);
void sio_socket_free(sio_socket *s);
int sio_handler_add(sio_handler **hs, size_t *n, const char *event, sio_event_fn fn, void *user);
void sio_handlers_free(sio_handler *hs, size_t n);
void sio_socket_on_packet(sio_socket *s, const sio_packet *p, eio_msg *const *atts, int natts);
void sio_socket_cleanup(sio_socket *s, const char *reason);
int sio_socket_expect_ack(sio_socket *s, int64_t id, unsigned timeout_ms, sio_ack_fn cb,
                          void *user);
eio_msg *sio_encode_event(int type, const sio_namespace *nsp, int64_t id, const char *event,
                          const sio_out *args);

/* sio_adapter.c */
int sio_adapter_init_namespace(sio_namespace *nsp);
void sio_adapter_close_namespace(sio_namespace *nsp);

/* sio_rooms.c */
int sio_rooms_join(sio_socket *s, const char *room);
int sio_rooms_leave(sio_socket *s, const char *room);
void sio_rooms_leave_all(sio_socket *s);
void sio_rooms_each(sio_namespace *nsp, const sio_broadcast *b, void (*fn)(sio_socket *, void *),
                    void *u);

/* sio_broadcast.c */
struct sio_ack_relay;
int sio_deliver(sio_namespace *nsp, const sio_adapter_packet *p, const sio_broadcast *o,
                struct sio_ack_relay *relay, int64_t id);
/* The same with the packet encoded (text: the recipients' bytes). */
int sio_deliver_msg(sio_namespace *nsp, const sio_adapter_packet *p, const sio_broadcast *o,
                    struct sio_ack_relay *relay, int64_t id, eio_msg *text);

/* An sio_out may be sent: no object or array left open, no failed call.
 * Inline: it is on the way of every broadcast. */
static inline int sio_out_check(const sio_out *o)
{
	return o && (o->depth != 0 || base_jsonw_error(&o->w)) ? SIO_EINVAL : 0;
}

/* sio_recovery.c: connection state recovery */
bool sio_recovery_applies(const sio_namespace *nsp, const sio_adapter_packet *p,
                          const sio_broadcast *o);
int sio_recovery_deliver(sio_namespace *nsp, const sio_adapter_packet *p, const sio_broadcast *o);
int sio_recovery_socket_init(sio_socket *s);
int sio_recovery_emit(sio_socket *s, const char *event, const sio_out *args);
void sio_recovery_socket_free(sio_socket *s);
void sio_recovery_persist(sio_socket *s, const char *reason);
bool sio_recovery_begin(sio_socket *s, void (*resume)(sio_socket *s));
int sio_recovery_connected(sio_socket *s, base_buf *answer);
void sio_recovery_replay(sio_socket *s);
void sio_recovery_namespace_free(sio_namespace *nsp);
/* What the store of nsp holds (zeros when it has none): for the tests. */
typedef struct sio_recovery_counts {
	size_t packets, bytes, sessions;
} sio_recovery_counts;
sio_recovery_counts sio_recovery_count(const sio_namespace *nsp);

/* sio_request.c */
enum {
	SIO_REQ_FETCH,
	SIO_REQ_ROOMS,
	SIO_REQ_COUNT,
	SIO_REQ_REPLIES,
	SIO_REQ_BCAST_ACK
};
typedef struct sio_remote_socket { /* a fetchSockets answer from another server */
	char *id;
	char **rooms;
	size_t nrooms;
	char *handshake_json, *data_json;
} sio_remote_socket;

struct sio_request {
	int kind; /* SIO_REQ_* */
	sio_namespace *nsp;
	union {
		sio_fetch_fn fetch;
		sio_rooms_fn rooms;
		sio_count_fn count;
		sio_broadcast_ack_fn replies; /* SIO_REQ_REPLIES and _BCAST_ACK */
	} done;
	void *user;
	int refs;                /* creator, adapter, timer, local clients awaited */
	bool finished;           /* done has run */
	long expected;           /* other servers that will answer; -1: not said yet */
	size_t answered;         /* other servers that did */
	size_t servers;          /* SIO_REQ_COUNT */
	bool local_counted;      /* SIO_REQ_BCAST_ACK: this server's count is in */
	size_t expected_clients; /* SIO_REQ_BCAST_ACK */
	sio_args **replies;      /* owned copies (SIO_REQ_REPLIES, _BCAST_ACK) */
	size_t nreplies;
	base_buf local; /* SIO_REQ_FETCH: this server's targets' ids, each ended by '\0' */
	sio_remote_socket *remote;
	size_t nremote;
	base_map rooms; /* SIO_REQ_ROOMS: name -> name (a set) */
	uv_timer_t *timer;
};

sio_request *sio_request_new(sio_namespace *nsp, int kind, void *user);
void sio_request_add_local(sio_request *r, const sio_socket *s);
int sio_request_add_room(sio_request *r, const char *room);
sio_request *sio_request_for_adapter(sio_request *r);
void sio_request_start(sio_request *r, unsigned timeout_ms);

/* sio_args.c */
void sio_args_init(sio_args *a, const sio_packet *p, bool is_event, eio_msg *const *atts,
                   int natts);
void sio_args_release(sio_args *a);
sio_args *sio_args_copy(const sio_args *a);

#endif
