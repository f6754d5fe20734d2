/* eio_internal.h - private structures shared by the Engine.IO layer's files.
 *
 * Who owns what:
 *   listener -> a net listener (net/net.h: the lws context, the router, the
 *               response writer, the end-of-turn writes), and the servers
 *               mounted on it.
 *   server   -> its options (strings copied), its mount on the listener,
 *               its transports (eio_transport.h) and its sessions, by sid.
 *   session  -> its queue of eio_msg references, its request, two timers, and
 *               *weak* pointers to the connections serving it (a parked or
 *               in-flight GET, an in-flight POST, a WebSocket). Each of those
 *               connections' `conn` points back at the session; a transport's
 *               detach clears both directions.
 */
#ifndef EIO_INTERNAL_H
#define EIO_INTERNAL_H

#include "base/map.h"
#include "base/timer.h"
#include "eio_msg.h"
#include "eio_transport.h"
#include "engineio.h"
#include "net/net.h"

/* When a parked polling GET is first checked for a client hang-up (the
 * net layer's NET_HANGUP_CHECK_MS, named here for the tests). */
#define EIO_HANGUP_CHECK_MS 100

struct eio_listener {
	net_listener *net;
	eio_server **servers;
	size_t nservers;
	eio_http_handler http_handler; /* other paths (eio_listener.c) */
	void *http_handler_user;
	eio_http_handler http_too_large; /* a body over the limit, or NULL */
	/* Admission counts, shared by every server mounted here (eio_admit.c):
	 * the descriptors they protect are the process's. */
	base_map admit_addrs;   /* client address -> its sessions */
	uint64_t admit_pending; /* handshakes in flight, every server */
};

struct eio_server {
	eio_listener *l;
	eio_options o; /* path and cors_origin point at owned copies */
	net_mount mount;
	net_cors cors;
	/* [0] polling, [1] websocket: what a session writes through. */
	const eio_transport *transports[2];
	eio_callbacks cb;
	void *user;
	base_map sessions;             /* sid -> eio_session */
	base_timers timers;            /* every session's timeouts (EIO_TL_* lists) */
	base_tlink reaper;             /* frees the graveyard on the next pass */
	struct eio_session *graveyard; /* destroyed, freed by the reaper */
	eio_server_stats stats;        /* eio_server_get_stats() */
	net_proxies *proxies;          /* trusted proxies, or NULL (eio_admit.c) */
	bool plain;                    /* a plain WebSocket endpoint (eio_plain.c) */
	eio_refusal_cb on_refusal;     /* eio_server_on_refusal(), or NULL */
	void *refusal_user;
};

/* The server's deadline lists, by duration. */
enum {
	EIO_TL_PING,
	EIO_TL_PONG,
	EIO_TL_UPGRADE,
	EIO_TL_KILL,
	EIO_TL_V3 /* v3: pingInterval + pingTimeout without a client ping */
};

enum {
	EIO_S_OPEN,
	EIO_S_CLOSING,
	EIO_S_CLOSED
};
enum {
	EIO_UPG_NONE,
	EIO_UPG_PROBING,
	EIO_UPG_PROBED
};
enum {
	EIO_HB_PING_WAIT,
	EIO_HB_PONG_WAIT,
	EIO_HB_CLOSE_WAIT,
	EIO_HB_KILL,
	EIO_HB_V3_WAIT /* v3: waiting for the client's next ping */
};

typedef struct eio_queue {
	eio_msg **ring;
	uint32_t head, len, cap; /* cap is a power of two or 0 */
	size_t bytes;
} eio_queue;

/* The close frame's status code of a session ended by a packet that does
 * not parse (RFC 6455 section 7.4.1). */
#define EIO_CLOSE_PROTOCOL_ERROR 1002

struct eio_session {
	char sid[24];
	eio_server *srv;
	eio_request *req;
	void *user;
	const eio_transport *t;            /* the transport the session writes through */
	uint8_t state;                     /* EIO_S_* */
	uint8_t transport;                 /* EIO_TRANSPORT_POLLING or _WEBSOCKET */
	uint8_t upgrade;                   /* EIO_UPG_*: a probe WebSocket is attached */
	uint8_t hb_mode;                   /* EIO_HB_*: what the heartbeat timer is for */
	bool write_requested;              /* a write is pending (end of turn or WRITEABLE) */
	bool poll_noop;                    /* answer the GET with "6" even if nothing queued */
	bool probe_reply;                  /* "3probe" to write on the probe */
	bool close_queued;                 /* the "1" packet is in the queue */
	bool close_due;                    /* polling: "1" goes in the payload after the queue's */
	bool upgraded;                     /* a probe became the transport: no more probes */
	uint8_t protocol;                  /* Engine.IO revision: 4, or 3 (allow_eio3) */
	bool b64;                          /* v3 client asked for base64 binary (b64=1) */
	bool jsonp;                        /* v3 JSONP polling (j=): eio_jsonp.c */
	char jsonp_index[12];              /* the digits of j: ___eio[<index>](...) */
	bool ping_due;                     /* plain: a ping frame to write (eio_plain.c) */
	uint16_t close_code;               /* WebSocket: the close frame's status code, or 0 */
	const char *close_text;            /* its reason (static storage) */
	const char *close_reason;          /* for a deferred destroy (EIO_HB_KILL) */
	bool admit_pending;                /* a handshake in flight (eio_admit.c) */
	struct eio_admit_addr *admit_addr; /* its address's count, or NULL */
	/* Connections, each set and cleared by its transport only. */
	net_http *get;  /* polling GET of this session (parked or writing) */
	net_http *post; /* polling POST being received */
	net_ws *ws;     /* WebSocket transport */
	net_ws *probe;  /* WebSocket being upgraded to (the probe) */
	eio_queue q;
	base_tlink hb_link;  /* heartbeat / close linger / deferred kill */
	base_tlink upg_link; /* upgrade timeout */
	struct eio_session *next_dead;
};

/* eio_session.c: the session, as its transports and the server see it. */
eio_session *eio_session_create(eio_server *srv, eio_request *req, int transport);
/* The new session's client speaks Engine.IO v3 (b64: it asked for base64). */
void eio_session_use_v3(eio_session *s, bool b64);
void eio_session_on_packet(eio_session *s, char type, const char *data, size_t len, bool binary);
void eio_session_destroy(eio_session *s, const char *reason);
void eio_session_destroy_later(eio_session *s, const char *reason);
/* The client broke the protocol: destroy with `reason`; on a WebSocket the
 * close frame carries 1002 and `text` (static storage, at most 123 bytes). */
void eio_session_fail(eio_session *s, const char *reason, const char *text);
void eio_session_kick(eio_session *s);
int eio_session_enqueue(eio_session *s, eio_msg *m);
eio_msg *eio_queue_pop(eio_queue *q);
static inline eio_msg *eio_queue_at(const eio_queue *q, uint32_t i)
{
	return q->ring[(q->head + i) & (q->cap - 1)];
}
void eio_session_upgrade_begin(eio_session *s);
void eio_session_probed(eio_session *s);
void eio_session_upgraded(eio_session *s);
void eio_session_queue_close(eio_session *s);
void eio_session_timers_expire(base_timers *t, int list, base_tlink *link);
void eio_session_reap_all(eio_server *srv);

/* eio_error.c: Engine.IO's error answers ({"code":N,"message":...}), and
 * the report of a refusal to the application (eio_server_on_refusal). */
void eio_error_respond(net_http *h, int code, const char *message);
int eio_error_refuse(struct lws *wsi, int code);
/* The kind of a refusal answered with Engine.IO error code (engineio.h,
 * eio_refusal): "unknown_transport", "unknown_sid", ... */
const char *eio_error_kind(int code);
/* Tell the application about r (its req is filled in here, copied from
 * wsi's request at path) when it asked to know. */
void eio_refusal_report(eio_server *srv, struct lws *wsi, const char *path, eio_refusal r);
/* Report then answer: an HTTP request, an Upgrade (its result is the
 * ws_check's), refused with Engine.IO error code, of kind (NULL: the
 * code's own). */
void eio_error_refuse_http(eio_server *srv, net_http *h, const char *path, int code,
                           const char *kind);
int eio_error_refuse_ws(eio_server *srv, struct lws *wsi, const char *path, int code,
                        const char *kind);
int eio_error_set_unrouted(net_listener *l);

/* eio_polling.c: requests the server routes to the polling transport. */
void eio_polling_get(net_http *h, eio_session *s);
void eio_polling_post(net_http *h, eio_session *s);

/* eio_websocket.c: WebSockets the server routes to that transport. */
void eio_ws_attach(net_ws *ws, eio_session *s);
void eio_ws_attach_probe(net_ws *ws, eio_session *s);
void eio_ws_turn_away(net_ws *ws, const char *sid);
extern const net_ws_ops eio_ws_ops;

/* eio_verify.c: the server's mount (node's Server.verify and handshake). */
void eio_verify_http(net_http *h, const char *path, void *srv);
/* A CORS preflight, before the router answers it: reported when its Origin
 * is not allowed ("cors"). */
void eio_verify_preflight(net_http *h, const char *path, void *srv);
int eio_verify_upgrade(struct lws *wsi, const char *path, void *srv);
int eio_verify_ws_open(net_ws *ws, const char *path, void *srv);

/* eio_plain.c: plain WebSocket endpoints, their mount and transport. */
void eio_plain_http(net_http *h, const char *path, void *srv);
int eio_plain_upgrade(struct lws *wsi, const char *path, void *srv);
int eio_plain_ws_open(net_ws *ws, const char *path, void *srv);
extern const net_ws_ops eio_plain_ws_ops;
extern const eio_transport eio_plain_transport;

/* eio_server.c */
void eio_server_free(eio_server *srv);

/* eio_request.c: an eio_request is a net_request (net/net.h). */
static inline eio_request *eio_request_of(net_request *r)
{
	return (eio_request *)r;
}
static inline net_request *eio_request_net(const eio_request *r)
{
	return (net_request *)r;
}

#endif
