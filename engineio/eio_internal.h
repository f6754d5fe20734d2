/* eio_internal.h - private structures shared by the Engine.IO layer's files.
 *
 * Who owns what:
 *   listener -> lws context (one vhost), the servers mounted on it, the list
 *               of parked polling GETs, one scratch buffer for coalesced writes.
 *   server   -> its options (strings copied) and its sessions, by sid.
 *   session  -> its queue of eio_msg references, its request, two timers, and
 *               *weak* pointers to the lws connections serving it (a parked or
 *               in-flight GET, an in-flight POST, a WebSocket). Each of those
 *               connections' per-session data points back at the session;
 *               eio_session_destroy() clears both directions.
 */
#ifndef EIO_INTERNAL_H
#define EIO_INTERNAL_H

#include "base/map.h"
#include "eio_msg.h"
#include "base/timer.h"
#include "engineio.h"

#include <libwebsockets.h>

/* One write buffer per listener: every frame queued for a WebSocket during a
 * loop turn goes out in one send (see eio_websocket.c). */
#define EIO_WBUF_CAP (256 * 1024)
/* lws's WebSocket read size and receive-chunk size; lws allocates it for
 * every connection (see eio_listener.c). */
#define EIO_WS_RX_BUFFER 512
/* Read-ahead coalescing (eio_listener.c): a connection that received at
 * least EIO_RX_HEAVY bytes in a loop turn is checked for more input waiting;
 * if there is, the turn's writes wait for the next turn, at most
 * EIO_FLUSH_DEFER_MAX turns in a row. At most EIO_RX_HEAVY_MAX connections
 * are checked per turn. */
#define EIO_RX_HEAVY        (EIO_WS_RX_BUFFER / 2)
#define EIO_FLUSH_DEFER_MAX 32
#define EIO_RX_HEAVY_MAX    8
/* When a parked polling GET is first checked for a client hang-up (then it
 * is watched by epoll: eio_hangup.c). */
#define EIO_HANGUP_CHECK_MS 100
/* Default time a keep-alive HTTP connection may wait idle between requests
 * (eio_listener_set_keepalive_timeout). */
#define EIO_KEEPALIVE_MS 30000

struct eio_http_pss;

/* Parked polling GETs and their hang-up watch (eio_hangup.c). */
typedef struct eio_hangup {
	struct eio_http_pss *fresh;   /* parked since the last tick: peeked once */
	struct eio_http_pss *watched; /* parked longer: in the epoll set ep */
	uv_timer_t timer;             /* EIO_HANGUP_CHECK_MS, while fresh is not empty */
	bool timer_on;
	int ep;         /* epoll set watching for EPOLLRDHUP, or -1 */
	uv_poll_t poll; /* ep on the loop, while watched is not empty */
	bool poll_on, poll_init;
} eio_hangup;

struct eio_listener {
	uv_loop_t *loop;
	struct lws_context *ctx;
	struct lws_vhost *vh;
	int port;
	eio_server **servers;
	size_t nservers;
	eio_hangup hangup;      /* parked GETs */
	base_timers timers;     /* keep-alive idle connections (EIO_LTL_*) */
	bool closing;           /* eio_listener_close() has run */
	unsigned char *wbuf;    /* LWS_PRE + EIO_WBUF_CAP */
	uv_signal_t signals[2]; /* SIGINT, SIGTERM: close */
	bool signals_on;
	uv_prepare_t flush; /* before the loop blocks: write */
	uv_idle_t nowait;   /* active while writes wait: the loop must not block */
	uint32_t turn;      /* loop turns, counted by the flush */
	uint8_t ndefer;     /* turns the writes have waited in a row */
	uint8_t nheavy;
	int heavy_fd[EIO_RX_HEAVY_MAX]; /* connections that read a lot this turn */
	struct eio_session *dirty;      /* sessions with something to write */
	eio_http_handler http_handler;  /* other paths (eio_apphttp.c) */
	void *http_handler_user;
	char *http_capture_headers; /* non-standard headers to keep */
};

struct eio_server {
	eio_listener *l;
	eio_options o; /* path and cors_origin point at owned copies */
	size_t path_len;
	eio_callbacks cb;
	void *user;
	base_map sessions;             /* sid -> eio_session */
	base_timers timers;            /* every session's timeouts (EIO_TL_* lists) */
	base_tlink reaper;             /* frees the graveyard on the next pass */
	struct eio_session *graveyard; /* destroyed, freed by the reaper */
	eio_server_stats stats;        /* eio_server_get_stats() */
};

/* The listener's deadline lists. */
enum {
	EIO_LTL_KEEPALIVE
};

/* The server's deadline lists, by duration. */
enum {
	EIO_TL_PING,
	EIO_TL_PONG,
	EIO_TL_UPGRADE,
	EIO_TL_KILL
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
	EIO_HB_KILL
};

typedef struct eio_queue {
	eio_msg **ring;
	uint32_t head, len, cap; /* cap is a power of two or 0 */
	size_t bytes;
} eio_queue;

struct eio_session {
	char sid[24];
	eio_server *srv;
	eio_request *req;
	void *user;
	uint8_t state;            /* EIO_S_* */
	uint8_t transport;        /* EIO_TRANSPORT_POLLING or _WEBSOCKET */
	uint8_t upgrade;          /* EIO_UPG_*: a probe WebSocket is attached */
	uint8_t hb_mode;          /* EIO_HB_*: what the heartbeat timer is for */
	bool write_requested;     /* a write is pending (end of turn or WRITEABLE) */
	bool in_dirty;            /* on the listener's end-of-turn write list */
	bool poll_noop;           /* answer the GET with "6" even if nothing queued */
	bool close_queued;        /* the "1" packet is in the queue */
	const char *close_reason; /* for a deferred destroy (EIO_HB_KILL) */
	struct lws *get;          /* polling GET of this session (parked or writing) */
	struct lws *post;         /* polling POST being received */
	struct lws *ws;           /* WebSocket: the transport, or the upgrade probe */
	eio_queue q;
	base_tlink hb_link;  /* heartbeat / close linger / deferred kill */
	base_tlink upg_link; /* upgrade timeout */
	struct eio_session *next_dead;
	struct eio_session *next_dirty;
};

/* Per-connection data of the "http" protocol. lws frees and re-allocates it
 * on every keep-alive transaction, so nothing may point at it across one. */
typedef struct eio_http_pss {
	struct lws *wsi;
	eio_server *srv;
	eio_session *s;                             /* for a GET or POST bound to a session */
	struct eio_http_pss *park_prev, *park_next; /* on a list of l->hangup */
	bool parked, watched, is_post, is_get, post_failed, close_after;
	int status; /* response to write on WRITEABLE, if any */
	const char *ctype;
	char *body; /* small[], or owned heap memory */
	size_t body_len;
	char small[96]; /* small bodies, see eio_http_respond() */
	char *rx;       /* POST body being received */
	size_t rx_len, rx_cap;
	char origin[256];
	char acrh[256];        /* Access-Control-Request-Headers of a preflight */
	eio_http_request *app; /* a request for the application's handler */
	bool app_ready;        /* its handler has run */
	bool body_started;     /* a body chunk of this request was seen */
	bool body_done;        /* its BODY_COMPLETION was seen */
	base_tlink idle;       /* armed while the connection waits for a request */
} eio_http_pss;

/* Per-connection data of the "eio-ws" protocol. */
typedef struct eio_ws_pss {
	eio_session *s;
	struct lws *wsi;
	char *rx; /* message being reassembled */
	size_t rx_len, rx_cap;
	uint32_t rx_turn; /* the loop turn rx_turn_bytes counts (listener turn) */
	uint32_t rx_turn_bytes;
	bool rx_binary;
	bool probe_reply; /* "3probe" to write */
	bool close_now;   /* close on the next WRITEABLE */
} eio_ws_pss;

/* eio_session.c */
eio_session *eio_session_create(eio_server *srv, eio_request *req, int transport);
void eio_session_on_packet(eio_session *s, char type, const char *data, size_t len, bool binary);
void eio_session_flushed(eio_session *s);
void eio_session_destroy(eio_session *s, const char *reason);
void eio_session_destroy_later(eio_session *s, const char *reason);
void eio_session_kick(eio_session *s);
int eio_session_enqueue(eio_session *s, eio_msg *m);
eio_msg *eio_queue_pop(eio_queue *q);
static inline eio_msg *eio_queue_at(const eio_queue *q, uint32_t i)
{
	return q->ring[(q->head + i) & (q->cap - 1)];
}
void eio_session_upgrade_begin(eio_session *s, struct lws *wsi);
void eio_session_timers_expire(base_timers *t, int list, base_tlink *link);
void eio_session_reap_all(eio_server *srv);
void eio_session_upgraded(eio_session *s);

/* eio_http.c */
int eio_lws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                     size_t len);
void eio_http_set_response(eio_http_pss *pss, int status, const char *ctype, const char *body,
                           size_t len);
void eio_http_respond(eio_http_pss *pss, int status, const char *ctype, const char *body,
                      size_t len);
void eio_http_body_free(eio_http_pss *pss);
void eio_http_error(eio_http_pss *pss, int code, const char *message);
int eio_http_write_response(eio_http_pss *pss);
void eio_http_keepalive_expire(base_timers *t, int list, base_tlink *link);
eio_server *eio_http_route(eio_listener *l, const char *path);

/* eio_apphttp.c */
bool eio_apphttp_begin(eio_listener *l, eio_http_pss *pss, const char *path);
int eio_apphttp_body(eio_http_pss *pss, const char *in, size_t len);
void eio_apphttp_body_done(eio_listener *l, eio_http_pss *pss);
void eio_apphttp_release(eio_http_pss *pss);

/* eio_polling.c */
void eio_polling_get(eio_http_pss *pss, eio_session *s);
void eio_polling_wake(eio_session *s);
void eio_polling_flush(eio_session *s);
int eio_polling_post_begin(eio_http_pss *pss, eio_session *s);
int eio_polling_post_body(eio_http_pss *pss, const char *in, size_t len);
void eio_polling_post_done(eio_http_pss *pss);
int eio_polling_write(eio_http_pss *pss);
void eio_polling_release(eio_http_pss *pss);
void eio_polling_detach(eio_session *s, bool client_closed);
void eio_polling_hung_up(eio_http_pss *pss);
void eio_polling_unwatchable(eio_http_pss *pss);

/* eio_hangup.c */
bool eio_peer_hung_up(struct lws *wsi);
void eio_hangup_init(eio_hangup *h, uv_loop_t *loop);
void eio_hangup_close(eio_listener *l);
void eio_hangup_free(eio_hangup *h);
void eio_listener_park(eio_listener *l, eio_http_pss *pss);
void eio_listener_unpark(eio_listener *l, eio_http_pss *pss);

/* eio_websocket.c */
int eio_ws_confirm_upgrade(eio_listener *l, struct lws *wsi);
int eio_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, eio_ws_pss *pss, void *in,
                    size_t len);
void eio_ws_detach(eio_session *s);
void eio_ws_release(eio_ws_pss *pss);
void eio_ws_flush_dirty(eio_listener *l);
void eio_listener_note_rx(eio_listener *l, eio_ws_pss *pss, size_t len);

/* Sent to every connection by eio_listener_close(): free what the pss owns. */
#define EIO_CB_RELEASE (LWS_CALLBACK_USER + 1)

/* eio_listener.c */
extern const struct lws_protocols eio_protocols[];
void eio_listener_mark_dirty(eio_listener *l, eio_session *s);

#endif
