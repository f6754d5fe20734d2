/* net_internal.h - what the net layer's files share and nobody else sees:
 * the listener's structure and the functions one net file offers another.
 *
 * Who owns what: the listener owns the lws context (one vhost), the mounts
 * (by pointer), the parked requests' hang-up watch, the end-of-turn list,
 * the keep-alive deadline list and one write buffer. Connections (net_http,
 * net_ws) are lws's per-connection data; their owners point at them weakly
 * and are told when lws drops them (ops->release, ops->closed).
 */
#ifndef NET_INTERNAL_H
#define NET_INTERNAL_H

#include "net.h"

#include <libwebsockets.h>

/* The write buffer (LWS_PRE + NET_WBUF_CAP): every frame queued for a
 * WebSocket in a loop turn goes out in one send; HTTP responses are built
 * in it too. */
#define NET_WBUF_CAP (256 * 1024)
/* lws's WebSocket receive buffer (rx_buffer_size), allocated by lws for
 * every connection: net reads an established WebSocket itself
 * (net_wsread.c), so lws's is never used and is kept tiny. */
#define NET_WS_LWS_RX 16
/* Read-ahead coalescing (net_sched.c): a connection that received at least
 * NET_RX_HEAVY bytes in a loop turn is checked for more input waiting; if
 * there is, the turn's writes wait for the next turn, at most
 * NET_FLUSH_DEFER_MAX turns in a row. At most NET_RX_HEAVY_MAX connections
 * are checked per turn. */
#define NET_RX_HEAVY        256
#define NET_FLUSH_DEFER_MAX 32
#define NET_RX_HEAVY_MAX    8
/* When a parked request is first checked for a client hang-up (then it is
 * watched by epoll: net_hangup.c). */
#define NET_HANGUP_CHECK_MS 100
/* The header table lws parses a request head into (max_http_header_data):
 * a head that cannot fit is answered 431 or 414 (net_head.c). */
#define NET_HEAD_DATA 8192
/* Default idle time of a keep-alive connection between requests. */
#define NET_KEEPALIVE_MS 30000

/* WebSocket subprotocols a listener can answer (net_subproto.c): each is a
 * protocol of lws's vhost, named at mount time, with the name's room. */
#define NET_SUBPROTO_MAX 4
#define NET_SUBPROTO_LEN 64

/* Sent to every connection by net_listener_close(): free what it owns. */
#define NET_CB_RELEASE (LWS_CALLBACK_USER + 1)

/* An epoll set of net's own, on the loop as one uv_poll while it holds a
 * socket (net_epset.c). */
typedef struct net_epset {
	int ep;         /* or -1 */
	uv_poll_t poll; /* ep on the loop */
	uv_poll_cb cb;  /* poll.data: the owner's */
	size_t n;       /* sockets in the set */
	bool init, closing;
} net_epset;
int net_epset_init(net_epset *s, uv_loop_t *loop, void *data, uv_poll_cb cb);
int net_epset_add(net_epset *s, int fd, uint32_t events, void *ptr);
void net_epset_del(net_epset *s, int fd);
void net_epset_close(net_epset *s);
void net_epset_free(net_epset *s);

typedef struct net_hangup {
	net_http *fresh;   /* parked since the last tick: peeked once */
	net_http *watched; /* parked longer: in the epoll set ep */
	uv_timer_t timer;  /* NET_HANGUP_CHECK_MS, while fresh is not empty */
	bool timer_on;
	net_epset set; /* the watched ones, for EPOLLRDHUP */
} net_hangup;

/* New connections whose first request head is being measured (net_head.c). */
typedef struct net_head net_head;
/* A WebSocket's input (net_wsread.c): read NET_WSREAD_BUF bytes at most per
 * wakeup, NET_WSREAD_BATCH ready sockets at a time. */
#define NET_WSREAD_BUF   65536
#define NET_WSREAD_BATCH 64
typedef struct net_wsread {
	net_epset set;                   /* the established WebSockets, for input */
	net_ws *batch[NET_WSREAD_BATCH]; /* being read; NULL: closed meanwhile */
	int nbatch;
	char *buf; /* NET_WSREAD_BUF */
} net_wsread;

typedef struct net_heads {
	net_head *fresh;   /* accepted this turn: peeked once by the check */
	net_head *watched; /* head not complete yet: rx flow off, in the epoll set ep */
	uv_check_t check;  /* after the turn's accepts, while fresh is not empty */
	bool check_on;
	net_epset set;       /* the watched ones, for input */
	base_timers *timers; /* the listener's: each head's deadline (NET_LTL_HEAD) */
} net_heads;

typedef struct net_sched {
	net_link http, ws;  /* connections with something to write */
	uv_prepare_t flush; /* before the loop blocks: write */
	uv_idle_t nowait;   /* active while writes wait: the loop must not block */
	uint32_t turn;      /* loop turns, counted by the flush */
	uint8_t ndefer;     /* turns the writes have waited in a row */
	uint8_t nheavy;
	int heavy_fd[NET_RX_HEAVY_MAX]; /* connections that read a lot this turn */
} net_sched;

struct net_listener {
	uv_loop_t *loop;
	struct lws_context *ctx;
	struct lws_vhost *vh;
	int port;
	net_bind_addr addr; /* bound to (net_bind.c) */
	bool closing;
	const net_mount **mounts;
	size_t nmounts;
	net_hangup hangup;
	net_heads heads;
	net_wsread wsread;
	net_sched sched;
	base_timers timers;  /* keep-alive, head and body deadlines (NET_LTL_*) */
	unsigned char *wbuf; /* LWS_PRE + NET_WBUF_CAP */
	uv_signal_t signals[2];
	bool signals_on;
	void (*close_hook)(void *arg);
	void *close_hook_arg;
	int unrouted_status; /* the answer to an Upgrade nothing is mounted for */
	char *unrouted_body;
	net_app_handler app; /* other paths (net_app.c) */
	void *app_user;
	char *app_capture_headers;
	size_t app_max_body;           /* 0: NET_APP_MAX_BODY */
	net_app_handler app_too_large; /* a body over it, or NULL: 413 text/plain */
	/* lws's protocols: "http", "net-ws", then the subprotocol slots
	 * (names in subproto[], "" while free), then the terminator. */
	struct lws_protocols protocols[2 + NET_SUBPROTO_MAX + 1];
	char subproto[NET_SUBPROTO_MAX][NET_SUBPROTO_LEN];
};

/* The listener's deadline lists (net_deadline.c). */
enum {
	NET_LTL_KEEPALIVE, /* an idle kept-alive connection */
	NET_LTL_HEAD,      /* a new connection's first request head */
	NET_LTL_BODY       /* a request body */
};
/* Their defaults (net_listener_set_timeouts). */
#define NET_HEAD_TIMEOUT_MS 10000
#define NET_BODY_TIMEOUT_MS 60000

/* net_deadline.c: what expires on the listener's lists; a request body's
 * deadline, armed when its head says it has one; 408 and close. */
void net_deadline_expire(base_timers *t, int list, base_tlink *link);
void net_body_deadline_arm(net_http *h);
void net_body_deadline_stop(net_http *h);
void net_answer_timeout(struct lws *wsi);

/* net_router.c */
extern const struct lws_protocols net_protocols[];

/* net_subproto.c: the listener's protocol table (net_protocols and the
 * free subprotocol slots), given to lws when the context is created. */
void net_subproto_init(net_listener *l);
/* Is wsi bound to a WebSocket protocol of the listener ("net-ws" or a
 * subprotocol)? */
bool net_subproto_is_ws(struct lws *wsi);

/* net_response.c */
int net_http_write_response(net_http *h);
int net_http_close_sent(net_http *h);
/* Input on a lingering connection (net_response.c): dropped; -1 (close)
 * once its time is up. */
int net_http_linger_input(net_http *h);
void net_http_body_free(net_http *h);
void net_keepalive_stop(net_http *h);
void net_keepalive_expire(base_timers *t, int list, base_tlink *link);
void net_cors_preflight(net_http *h);

/* net_sched.c */
void net_sched_init(net_listener *l);
void net_sched_close(net_listener *l);
void net_sched_note_rx(net_listener *l, net_ws *ws, size_t len);

/* net_hangup.c */
void net_hangup_init(net_hangup *h, uv_loop_t *loop);
void net_hangup_close(net_listener *l);
void net_hangup_free(net_hangup *h);

/* net_head.c: a head in buf[0..len): complete and fitting lws's table,
 * not complete yet, too large (431), with too long a request line (414), or
 * with a line lws misreads (400): a field line that is not "name: value",
 * one that starts with whitespace, an empty line before the request line. */
enum {
	NET_HEAD_COMPLETE,
	NET_HEAD_MORE,
	NET_HEAD_TOO_LARGE,
	NET_HEAD_URI_TOO_LONG,
	NET_HEAD_MALFORMED
};
int net_head_measure(const char *buf, size_t len);
void net_heads_init(net_heads *g, uv_loop_t *loop);
void net_heads_close(net_heads *g);
void net_heads_free(net_heads *g);
void net_head_accepted(net_heads *g, struct lws *wsi);
void net_head_gone(net_heads *g, struct lws *wsi);
/* lws's log (lws_set_log_level): notes a head that overflowed lws's table. */
void net_head_lws_log(int level, const char *line);
/* Whether lws has just failed a head for not fitting (and forget it). */
bool net_head_take_overflow(void);
/* 431 with Connection: close on a connection lws is closing. */
void net_head_answer_overflow(struct lws *wsi);
/* A head not complete within its deadline (NET_LTL_HEAD). */
void net_head_expire(base_tlink *link);
/* Send a short answer on a connection about to close, and drop its input. */
void net_head_answer_raw(int fd, const char *answer, size_t len);

/* net_request.c */
int net_request_peek_header(struct lws *wsi, int token, char *buf, int len);
void net_http_read_connection(net_http *h);
int net_http_read_framing(net_http *h);

/* net_chunked.c: feed raw body bytes; 0 more to come, 1 the body is
 * complete (any bytes after it are not its), -1 malformed. */
int net_chunked_feed(net_http *h, const char *in, size_t len,
                     void (*data)(net_http *h, const char *d, size_t n));

/* net_wsread.c: read an established WebSocket's input (rx flow off for
 * lws) and hand it to net_ws_input; stop at its close. */
int net_wsread_init(net_wsread *r, uv_loop_t *loop);
int net_wsread_start(net_listener *l, net_ws *ws);
void net_wsread_stop(net_listener *l, net_ws *ws);
void net_wsread_close(net_wsread *r);
void net_wsread_free(net_wsread *r);

/* net_ws.c */
int net_ws_open(net_listener *l, struct lws *wsi, net_ws *ws, const net_mount *m, const char *path);
int net_ws_input(net_ws *ws, char *in, size_t len);
int net_ws_writeable(net_ws *ws);
void net_ws_closed(net_ws *ws);
void net_ws_release(net_ws *ws);

/* net_app.c */
bool net_app_begin(net_listener *l, net_http *h, const char *path);

#endif
