/* net.h - the net layer: HTTP and WebSocket plumbing on libwebsockets and
 * libuv that knows nothing of Engine.IO. The layer above (engineio/) sees
 * this header and base/ only.
 *
 * Pieces (one file each, see docs/engineio.md "Files"):
 *   listener   an lws context with one vhost on a foreign libuv loop, signals
 *   bind       the address a listener binds, and the one it is bound to
 *   router     the one lws callback: requests and upgrades go to the handler
 *              mounted on their path (net_mount), other paths to the plain
 *              HTTP application (net_app)
 *   response   the one response writer: status, headers, CORS, keep-alive
 *   scheduler  the end-of-turn writes: a connection marks itself dirty
 *              (net_http_mark, net_ws_mark) and its flush runs once, when the turn ends
 *   hangup     parked requests, and the clients that hang up on them
 *   request    a request copied out of lws (headers, query, address), and
 *              how its connection persists and its body is framed
 *   chunked    the decoder of chunked request bodies
 *   origin     origin lists: CORS and the WebSocket Origin check
 *   ws         a WebSocket connection: message reassembly, frames, close
 *
 * Connections are given to their owner (the handler that took the request)
 * as net_http and net_ws; the owner keeps its object in `conn` and its
 * callbacks in h->ops (a WebSocket's in its mount's ws_ops), and net calls
 * back only through those pointers.
 */
#ifndef NET_H
#define NET_H

#include "base/timer.h"
#include "net/net_wsframe.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct lws; /* a libwebsockets connection: net's business, opaque above */

typedef struct net_listener net_listener;
typedef struct net_http net_http;
typedef struct net_ws net_ws;
typedef struct net_request net_request;
typedef struct net_app_request net_app_request;
typedef struct net_ws_ops net_ws_ops;

enum {
	NET_ENOMEM = -1,
	NET_EINVAL = -2,
	NET_ELISTEN = -3,       /* cannot bind: port in use or not allowed */
	NET_ERESOLVE = -4,      /* the host name does not resolve */
	NET_EADDRNOTAVAIL = -5, /* no address of the host is on this machine */
};

/* ---- end-of-turn writes (net_sched.c) ------------------------------------------- */

/* A connection's place on the listener's end-of-turn list: a circular list
 * around the listener's own link; next is NULL when off the list. */
typedef struct net_link {
	struct net_link *prev, *next;
} net_link;

/* Run the connection owner's flush (ops->flush) once when this loop turn
 * ends (before the loop blocks for I/O), whatever number of times it is
 * marked until then. Unmark: take it off (nothing to write any more). */
void net_http_mark(net_http *h);
void net_http_unmark(net_http *h);
void net_ws_mark(net_ws *ws);
void net_ws_unmark(net_ws *ws);
bool net_ws_marked(const net_ws *ws);

/* ---- bind address (net_bind.c) ------------------------------------------------- */

/* An address to listen on, numeric ("127.0.0.1", "::1"); family 0 and host
 * "" for every interface. */
typedef struct net_bind_addr {
	int family; /* AF_INET, AF_INET6, or 0 */
	char host[46];
} net_bind_addr;

/* The address a listener on host:port binds: host is an IPv4 or IPv6
 * address ("[::1]" too) or a name (getaddrinfo), and the first of its
 * addresses this machine can bind is taken. NULL or "": every interface.
 * 0, or NET_ERESOLVE, NET_EADDRNOTAVAIL, NET_ELISTEN (port in use or not
 * allowed), with errno set (EADDRNOTAVAIL, EADDRINUSE, EACCES). */
int net_bind_resolve(const char *host, int port, net_bind_addr *out);
/* The address of this process's TCP listening socket on port (the one
 * equal to *want if several): 0; -1 if there is none; 1 if the process's
 * sockets cannot be listed (no /proc). */
int net_bind_find(int port, const net_bind_addr *want, net_bind_addr *got);

/* ---- listener (net_listener.c) ---------------------------------------------------- */

/* Listen on addr:port on the loop: addr as net_bind_resolve() takes it,
 * bound exactly. NULL and *err (NET_E*) on failure, with errno set as by
 * net_bind_resolve() when it cannot bind. */
net_listener *net_listener_new(uv_loop_t *loop, const char *addr, int port, int *err);
/* The address it is bound to, numeric: "127.0.0.1", "::1", "::" (every
 * interface). */
const char *net_listener_address(const net_listener *l);
/* Called by net_listener_close() once the listener is marked closing and
 * before its connections go: the owner closes what it runs on them. */
void net_listener_set_close_hook(net_listener *l, void (*fn)(void *arg), void *arg);
/* First teardown step, inside the loop: the connections and handles close. */
void net_listener_close(net_listener *l);
/* Second step, after uv_run() has returned (see net_listener.c). */
void net_listener_free(net_listener *l);
bool net_listener_closing(const net_listener *l);
int net_listener_port(const net_listener *l);
uv_loop_t *net_listener_loop(const net_listener *l);
/* Idle time of a keep-alive connection between requests; 0: the default. */
void net_listener_set_keepalive_timeout(net_listener *l, unsigned ms);
/* The time a new connection has for its first request head, and a request
 * for its body, each from the phase's start (net_deadline.c); 0: the
 * default (10 s, 60 s). Past it: 408 and close. */
void net_listener_set_timeouts(net_listener *l, unsigned head_ms, unsigned body_ms);
/* net_listener_close() on SIGINT or SIGTERM; SIGPIPE ignored. */
int net_listener_close_on_signals(net_listener *l);
/* The listener's write buffer (*cap bytes, with LWS_PRE bytes of headroom
 * before it): free to fill between two writes of the loop thread. */
unsigned char *net_listener_wbuf(net_listener *l, size_t *cap);

/* ---- mounts (net_router.c) -------------------------------------------------------- */

/* CORS answer of a mount: `origins` in the syntax of net_origin_in_list(). */
typedef struct net_cors {
	const char *origins;
	bool credentials;
} net_cors;

/* A handler mounted on a path prefix. A routed request gets its CORS
 * headers (when cors->origins is set) and an OPTIONS preflight is answered
 * 204 before `http` is called. */
typedef struct net_mount {
	const char *path; /* prefix, e.g. "/socket.io/" */
	size_t path_len;
	const net_cors *cors;
	/* A request's line and headers are in: answer it, or take it (set
	 * h->ops and h->conn). */
	void (*http)(net_http *h, const char *path, void *user);
	/* A CORS preflight, before it is answered 204 (optional): the
	 * owner may look at it (its Origin), not answer it. */
	void (*preflight)(net_http *h, const char *path, void *user);
	/* An Upgrade to WebSocket: 0 accepts it, else answer with
	 * net_ws_refuse() and return its result. */
	int (*ws_check)(struct lws *wsi, const char *path, void *user);
	/* The WebSocket is open: take it (set ws->ops and ws->conn), or
	 * return -1 to close it. */
	int (*ws_open)(net_ws *ws, const char *path, void *user);
	void *user;
	/* What the owner of this mount's WebSockets does with their events,
	 * and the largest message it takes (larger: closed with 1009). */
	const net_ws_ops *ws_ops;
	size_t ws_max_message;
} net_mount;

/* m is kept by pointer and must outlive the listener. */
int net_listener_mount(net_listener *l, const net_mount *m);
/* The answer to an Upgrade on a path nothing is mounted on (copied). */
int net_listener_set_unrouted_upgrade(net_listener *l, int status, const char *body);

/* ---- HTTP requests ------------------------------------------------------------------- */

/* What the owner of a request does with its events. */
typedef struct net_http_ops {
	void (*body)(net_http *h, const char *in, size_t len);
	/* The whole body is in. True: the response set by now is written at
	 * once, not on WRITEABLE (a POST's answer). */
	bool (*body_done)(net_http *h);
	/* lws can write and no response is set (a parked request). */
	int (*writeable)(net_http *h);
	/* lws drops the request (answered, or the connection closed). */
	void (*release)(net_http *h);
	/* A parked request's client hung up, or it cannot be watched. */
	void (*hung_up)(net_http *h);
	void (*unwatchable)(net_http *h);
	/* The request is dropped unanswered and its connection closed, as if
	 * it had never come (lws mis-parsed it: net_router.c). */
	void (*forget)(net_http *h);
	/* Its end-of-turn write (net_http_mark). */
	void (*flush)(net_http *h);
} net_http_ops;

/* One HTTP request: lws's per-connection data of the "http" protocol, which
 * lws frees and re-allocates on every keep-alive transaction (so nothing may
 * point at it across one). The first block belongs to the owner. */
struct net_http {
	const net_http_ops *ops; /* the owner's callbacks, or NULL */
	void *conn;              /* the owner's object */
	uint8_t role;            /* the owner's: what the request is to it */
	bool failed;             /* the owner's: the request failed */
	/* Below: net's. */
	net_link dirty; /* on the end-of-turn list (net_http_mark) */
	struct lws *wsi;
	net_listener *l;
	const net_cors *cors;
	struct net_http *park_prev, *park_next; /* parked: net_hangup.c */
	bool parked, watched;
	bool close_after;  /* close after the response instead of keep-alive */
	bool close_sent;   /* answered with close, part of it still in lws */
	bool linger;       /* answered before its body came: a lingering close */
	bool lingering;    /* ... under way: input read and dropped (net_response.c) */
	bool body_whole;   /* all of its body arrived (lws's completion, or the last chunk) */
	bool http10_keep;  /* an HTTP/1.0 request that asked for keep-alive */
	bool body_started; /* a body chunk of this request was seen */
	bool body_done;    /* its BODY_COMPLETION was seen */
	bool body_pending; /* it has a body (Content-Length > 0, or chunked) */
	bool chunked;      /* Transfer-Encoding: chunked, decoded by net_chunked.c */
	bool no_body;      /* a POST/PUT/PATCH without Content-Length or chunks */
	uint8_t ck_state;  /* the chunked decoder's (net_chunked.c) */
	uint8_t ck_digits;
	uint16_t ck_meta;
	uint64_t ck_left;
	int status; /* response to write, if any */
	const char *ctype;
	const char *allow;    /* the Allow header of a 405 answer (static storage) */
	unsigned retry_after; /* seconds, the Retry-After of a 503 answer; 0: none */
	char *body;           /* small[], or owned heap memory */
	size_t body_len;
	char small[96];
	char *rx; /* request body being received (net_http_body_append) */
	size_t rx_len, rx_cap;
	char origin[256];
	char acrh[256];           /* Access-Control-Request-Headers of a preflight */
	base_tlink idle;          /* armed while the connection waits for a request */
	base_tlink body_deadline; /* armed while its body is being read */
	uint64_t linger_until;    /* loop time (ms) a lingering close ends */
};

enum {
	NET_GET,
	NET_POST,
	NET_OPTIONS,
	NET_OTHER
};
/* NET_GET, NET_POST, NET_OPTIONS or NET_OTHER. */
int net_http_method(const net_http *h);
/* The Content-Length header into *len; false when there is none. */
bool net_http_content_length(const net_http *h, unsigned long long *len);

/* The response (body copied), written on WRITEABLE. */
void net_http_respond(net_http *h, int status, const char *ctype, const char *body, size_t len);
/* The response (body copied), written by whoever set it (see body_done). */
void net_http_set_response(net_http *h, int status, const char *ctype, const char *body,
                           size_t len);
/* Write a response now whose body is heap memory handed over (no copy). */
int net_http_write_owned(net_http *h, int status, const char *ctype, char *body, size_t len);
/* Append to the request body buffer: 0, -1 over max bytes, -2 no memory. */
int net_http_body_append(net_http *h, const char *in, size_t len, size_t max);
void net_http_body_drop(net_http *h);

/* Ask for WRITEABLE. */
void net_http_want_write(net_http *h);
/* Part of an earlier write still waits in lws. */
bool net_http_backlogged(const net_http *h);
/* No lws timeout for this request: something else bounds it. */
void net_http_no_timeout(net_http *h);
/* Close the connection on lws's next service, without an answer. */
void net_http_kill(net_http *h);

/* ---- parked requests (net_hangup.c) ------------------------------------------------- */

/* Hold the request without reading its connection; a client that hangs up
 * meanwhile is reported to h->ops->hung_up. */
void net_http_park(net_http *h);
/* Read it again (no-op when not parked). */
void net_http_unpark(net_http *h);
/* Has the client of this request closed its side? */
bool net_http_peer_gone(const net_http *h);

/* ---- WebSocket connections (net_ws.c) ------------------------------------------------ */

struct net_ws_ops {
	/* A whole message (reassembled when fragmented); data is valid
	 * during the call. */
	void (*message)(net_ws *ws, const char *data, size_t len, bool binary);
	/* The client broke RFC 6455 (code 1002, 1007 or 1008) or sent a
	 * message over max_message (1009): the owner lets go of the connection
	 * now; net writes the close frame with code and closes it after a
	 * lingering read (net_ws.c). */
	void (*failed)(net_ws *ws, uint16_t code, const char *reason);
	/* lws can write. */
	int (*writeable)(net_ws *ws);
	void (*closed)(net_ws *ws);
	/* Its end-of-turn write (net_ws_mark). */
	void (*flush)(net_ws *ws);
	/* A pong frame arrived (RFC 6455 section 5.5.3); optional. */
	void (*pong)(net_ws *ws);
};

/* One WebSocket: lws's per-connection data of the "net-ws" protocol, which
 * lws allocates for every connection, so it is kept small (idle memory per
 * connection, docs/performance.md "Memory"): the owner's callbacks and
 * limit are its mount's. */
struct net_ws {
	void *conn; /* the owner's object; input to a NULL one closes */
	/* Below: net's. */
	const net_mount *mount; /* ws_ops and ws_max_message; NULL: no owner */
	net_link dirty;         /* on the end-of-turn list (net_ws_mark) */
	struct lws *wsi;
	struct net_ws_rx *rx;   /* message being reassembled (net_ws.c) */
	uint16_t rx_turn;       /* the loop turn (its low bits) rx_turn_bytes counts */
	uint16_t rx_turn_bytes; /* saturates: only compared with NET_RX_HEAVY */
	bool rx_binary;
	bool reading;             /* in net_wsread.c's epoll set */
	bool drop_now;            /* the close exchange is over: drop it */
	uint64_t skip;            /* payload of a refused frame still to drop (1009) */
	net_wsf rd;               /* its frames being read (net_wsframe.c) */
	unsigned char *pong;      /* a pong waiting for WRITEABLE: length, payload */
	bool close_now;           /* close on the next WRITEABLE */
	bool draining;            /* closed with 1009: input discarded (net_ws.c) */
	bool close_sent;          /* ... and its close frame written */
	uint16_t close_code;      /* ... with this status code (net_ws_close_code), or 0 */
	const char *close_reason; /* ... and this reason (static storage) */
};

void net_ws_want_write(net_ws *ws);
bool net_ws_backlogged(const net_ws *ws);
/* Close on the next WRITEABLE, within 3 s, with a close frame that has no
 * status code (the peer reads 1005), as node's engine.io closes. */
void net_ws_close_soon(net_ws *ws);
/* Close on the next WRITEABLE, within 3 s, with a close frame carrying a
 * status code and a reason (RFC 6455 section 7.4: 1000 normal, 1001 going
 * away, 1008 policy, 1011 server error; reason in static storage, at most
 * 123 bytes, cut). */
void net_ws_close_code(net_ws *ws, uint16_t code, const char *reason);
/* The header of an unmasked server frame (RFC 6455 section 5.2: FIN and
 * opcode, then a 7, 16 or 64-bit length) of len payload bytes into h (10
 * bytes of room): returns its size. Inline: it runs once per message. */
static inline size_t net_ws_frame_header(unsigned char *h, bool binary, size_t len)
{
	h[0] = binary ? 0x82 : 0x81; /* FIN + opcode */
	if (len < 126) {
		h[1] = (unsigned char)len;
		return 2;
	}
	if (len <= 0xffff) {
		h[1] = 126;
		h[2] = (unsigned char)(len >> 8);
		h[3] = (unsigned char)len;
		return 4;
	}
	h[1] = 127;
	for (int i = 0; i < 8; i++)
		h[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
	return 10;
}
/* Write bytes holding whole frames, built in the listener's write buffer
 * (net_listener_wbuf). */
int net_ws_write_raw(net_ws *ws, unsigned char *p, size_t len);
/* One frame from its own buffer (a frame too big for the write buffer). */
int net_ws_write_frame(net_ws *ws, bool binary, const void *data, size_t len);
/* One text message through lws's own framing. */
int net_ws_write_text(net_ws *ws, const char *text, size_t len);
/* Refuse an Upgrade with this answer; returns what ws_check returns. */
int net_ws_refuse(struct lws *wsi, int status, const char *ctype, const char *body, size_t len);
/* The same with a Retry-After header (seconds; RFC 9110 section 10.2.3),
 * for a 503 "come back later". */
int net_ws_refuse_retry(struct lws *wsi, int status, unsigned retry_after, const char *ctype,
                        const char *body, size_t len);

/* ---- WebSocket subprotocols (net_subproto.c) ------------------------------------------- */

/* Answer a WebSocket whose client offers name in Sec-WebSocket-Protocol
 * (RFC 6455 section 4.2.2: the server picks one of the offered names and
 * sends it back). lws 4.1 binds a WebSocket to the first offered name that
 * is one of its vhost's protocols, and refuses one whose offers are all
 * unknown, or whose header is over 127 bytes (docs/engineio.md, "Plain
 * WebSockets"). At most NET_SUBPROTO_MAX names per listener (4), each an
 * RFC 7230 token of at most 63 characters; adding a known one is a no-op.
 * 0, NET_EINVAL (not a token), NET_ENOMEM (no slot left). */
#define NET_SUBPROTO_NAME_MAX 63
int net_listener_add_subprotocol(net_listener *l, const char *name);
/* The subprotocol the WebSocket was answered with, or NULL when the client
 * offered none. */
const char *net_ws_subprotocol(const net_ws *ws);

/* ---- the client's address (net_proxy.c) ---------------------------------------------- */

/* Trusted proxies: a comma-separated list of addresses and CIDR ranges,
 * IPv4 or IPv6 ("127.0.0.1, 10.0.0.0/8, ::1"). NULL for an empty list (or
 * on error: *err NET_EINVAL for an entry that does not parse, NET_ENOMEM). */
typedef struct net_proxies net_proxies;
net_proxies *net_proxies_parse(const char *list, int *err);
void net_proxies_free(net_proxies *px);
/* Is addr (numeric, IPv4 or IPv6) one of the trusted proxies? */
bool net_proxies_trusted(const net_proxies *px, const char *addr);
/* The client's address into out: the peer's, or, when the peer is a
 * trusted proxy, the right-most X-Forwarded-For entry that is not one.
 * false when there is none (a trusted proxy's own request): such a request
 * has no address to count. Needs the request's header table (an HTTP
 * request, or an Upgrade before it is established). */
bool net_client_address(struct lws *wsi, const net_proxies *px, char *out, size_t len);

/* ---- requests (net_request.c) --------------------------------------------------------- */

/* Copy headers (every one lws knows by name, plus the comma-separated
 * capture_headers), query, client address and URL out of the request now:
 * lws drops its header table once a WebSocket is established or a
 * keep-alive transaction completes (docs/engineio.md, pitfall 6). NULL on
 * allocation failure. */
net_request *net_request_capture(struct lws *wsi, const char *path, const char *capture_headers,
                                 bool trust_proxy);
void net_request_free(net_request *r);
const char *net_request_header(const net_request *r, const char *name);
const char *net_request_query(const net_request *r, const char *name);
bool net_request_query_at(const net_request *r, size_t i, const char **name, const char **value);
bool net_request_header_at(const net_request *r, size_t i, const char **name, const char **value);
const char *net_request_address(const net_request *r);
const char *net_request_url(const net_request *r);
uint64_t net_request_time_ms(const net_request *r);
/* Query parameter of the current request by exact name (URL-decoded),
 * before capture. False if absent; a value longer than len - 1 is given as
 * "" (present, and not a valid value of any parameter read this way). */
bool net_request_peek_query(struct lws *wsi, const char *name, char *buf, size_t len);

/* ---- origins (net_origin.c) ----------------------------------------------------------- */

/* Is origin allowed by list ("*", exact origins, "scheme://host:*" for any
 * port)? False for a NULL list or an empty origin. */
bool net_origin_in_list(const char *list, const char *origin);
/* Is origin ("https://host[:port]") the server's own, by the Host header
 * ("host[:port]")? The scheme is not compared: TLS may end at a proxy. */
bool net_origin_is_host(const char *origin, const char *host);
/* The Origin check of a WebSocket request: true when it has no Origin, or
 * its Origin is in list or the server's own. */
bool net_origin_check(struct lws *wsi, const char *list);

/* ---- the plain HTTP application (net_app.c) ------------------------------------------ */

/* Requests on paths nothing is mounted on; without a handler they get 404. */
typedef void (*net_app_handler)(net_app_request *r, void *user);
int net_listener_set_app(net_listener *l, net_app_handler fn, const char *capture_headers,
                         void *user);
/* The largest body of such a request (0: the default, 1 MiB). A larger one
 * is refused before its body is read (by its Content-Length) or as soon as
 * it passes the limit (chunked): too_large is called for it instead of the
 * handler (same user; the body reads as empty), and its answer closes the
 * connection; without too_large it gets 413 text/plain. */
void net_listener_set_app_limit(net_listener *l, size_t max_body, net_app_handler too_large);
const char *net_app_request_method(const net_app_request *r);
const net_request *net_app_request_info(const net_app_request *r);
const char *net_app_request_body(const net_app_request *r, size_t *len);
/* Answer (or, when the client has gone, only free) the request. */
void net_app_reply(net_app_request *r, int status, const char *ctype, const char *body, size_t len);
/* The methods a 405 answer of this request lists in its Allow header (RFC
 * 9110 section 15.5.6: a 405 MUST carry one); static storage. */
void net_app_set_allow(net_app_request *r, const char *methods);

#endif
