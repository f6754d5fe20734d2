/* engineio.h - public API of the Engine.IO v4 server layer.
 *
 * An Engine.IO server accepts sessions over HTTP long-polling and WebSocket on
 * one port and one path, upgrades polling sessions to WebSocket, keeps them
 * alive with server-driven heartbeats, and delivers text and binary messages
 * both ways. It runs on one libuv loop (libwebsockets attached as a foreign
 * loop); every call here must be made from that loop's thread.
 *
 * Objects:
 *   eio_listener  one listening port (a libwebsockets context and vhost).
 *   eio_server    one Engine.IO endpoint: a path, options and callbacks.
 *                 Several servers can be mounted on one listener.
 *   eio_session   one client session (the Engine.IO "socket").
 *   eio_msg       an immutable, reference-counted encoded message. Send one
 *                 msg to many sessions: the bytes are shared, never copied
 *                 per recipient.
 *   eio_request   the handshake request (headers, query, address), readable
 *                 from allow_request and for the whole life of the session.
 *
 * Ownership: the library owns sessions and requests; pointers to them stay
 * valid until the on_close callback for that session returns. A msg is owned
 * by whoever holds a reference; eio_session_send() takes its own reference.
 *
 * Errors: functions returning int return 0 on success and a negative
 * EIO_E* code on failure.
 */
#ifndef ENGINEIO_H
#define ENGINEIO_H

#include "sio_export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EIO_VERSION "0.1.0"

/* Error codes (negative on return). */
enum {
	EIO_OK = 0,
	EIO_ENOMEM = -1,  /* allocation failed */
	EIO_EINVAL = -2,  /* bad argument or option */
	EIO_ECLOSED = -3, /* the session is closing or closed */
	EIO_EFULL = -4,   /* the session's send queue is over its bound */
	EIO_ELISTEN = -5, /* could not listen on the port */
	EIO_EPARSE = -6,  /* malformed packet or payload */
};

/* Engine.IO protocol error codes, sent as {"code":N,"message":...} (spec
 * "Errors" section). Exposed for allow_request and for tests. */
enum {
	EIO_ERR_UNKNOWN_TRANSPORT = 0,
	EIO_ERR_UNKNOWN_SID = 1,
	EIO_ERR_BAD_HANDSHAKE_METHOD = 2,
	EIO_ERR_BAD_REQUEST = 3,
	EIO_ERR_FORBIDDEN = 4,
	EIO_ERR_UNSUPPORTED_PROTOCOL_VERSION = 5,
};

/* Transports, as a bit set for eio_options.transports. */
enum {
	EIO_TRANSPORT_POLLING = 1,
	EIO_TRANSPORT_WEBSOCKET = 2,
};

typedef struct eio_listener eio_listener;
typedef struct eio_server eio_server;
typedef struct eio_session eio_session;
typedef struct eio_msg eio_msg;
typedef struct eio_request eio_request;

/* ---- Handshake request ---------------------------------------------------- */

/* Header value by case-insensitive name ("origin", "user-agent", ...), or NULL.
 * Every header libwebsockets knows by name is captured, plus those named in
 * eio_options.capture_headers. */
EIO_EXPORT const char *eio_request_header(const eio_request *req, const char *name);
/* Query parameter value (URL-decoded) by exact name, or NULL. */
EIO_EXPORT const char *eio_request_query(const eio_request *req, const char *name);
/* Iterate query parameters: returns false past the end. */
EIO_EXPORT bool eio_request_query_at(const eio_request *req, size_t i, const char **name,
                                     const char **value);
/* Iterate captured headers (lower-case names): returns false past the end. */
EIO_EXPORT bool eio_request_header_at(const eio_request *req, size_t i, const char **name,
                                      const char **value);
/* Client address: the TCP peer ("127.0.0.1", "::1"), or the first address of
 * X-Forwarded-For when the server trusts its proxy (eio_options.trust_proxy). */
EIO_EXPORT const char *eio_request_address(const eio_request *req);
/* The request URL, rebuilt from what libwebsockets parsed (not the bytes the
 * client sent): the path, then "?" and the query parameters as name=value
 * with their URL-decoded values, joined by "&" in the order received (just
 * the path when there are none), e.g. "/socket.io/?EIO=4&transport=polling".
 * A decoded value may thus hold "&" or "=": read parameters with
 * eio_request_query(). */
EIO_EXPORT const char *eio_request_url(const eio_request *req);
/* Milliseconds since the epoch when the handshake was received. */
EIO_EXPORT uint64_t eio_request_time_ms(const eio_request *req);

/* ---- Messages --------------------------------------------------------------- */

/* New message holding a copy of data; the caller owns one reference. Returns
 * NULL on allocation failure. Text must be UTF-8 (not checked here). */
EIO_EXPORT eio_msg *eio_msg_text(const char *data, size_t len);
EIO_EXPORT eio_msg *eio_msg_binary(const void *data, size_t len);
EIO_EXPORT eio_msg *eio_msg_ref(eio_msg *m);
EIO_EXPORT void eio_msg_unref(eio_msg *m);
/* The message payload as the application sees it (without framing). */
EIO_EXPORT const void *eio_msg_data(const eio_msg *m, size_t *len);
EIO_EXPORT bool eio_msg_is_binary(const eio_msg *m);

/* ---- Options and callbacks ---------------------------------------------------- */

/* Return 0 to accept a handshake; non-zero to refuse it with 403 and
 * {"code":4,"message":...}: *message may be set to a static string (default
 * "Forbidden"). Called only for new sessions (requests without sid). */
typedef int (*eio_allow_request_cb)(const eio_request *req, const char **message, void *user);

typedef struct eio_callbacks {
	/* A session completed its handshake (the open packet is queued). */
	void (*on_connection)(eio_server *srv, eio_session *s, void *user);
	/* A message arrived. data is valid only during the call. */
	void (*on_message)(eio_session *s, const char *data, size_t len, bool binary, void *user);
	/* The session closed. reason is one of node's: "transport close",
	 * "transport error", "ping timeout", "parse error", "forced close",
	 * "server shutting down", "send queue full". The session is freed when
	 * this returns. */
	void (*on_close)(eio_session *s, const char *reason, void *user);
} eio_callbacks;

typedef struct eio_options {
	const char *path;            /* default "/socket.io/" */
	unsigned ping_interval_ms;   /* default 25000 */
	unsigned ping_timeout_ms;    /* default 20000 */
	unsigned upgrade_timeout_ms; /* default 10000 */
	size_t max_payload;          /* maxHttpBufferSize, default 1000000 */
	size_t max_queued_bytes;     /* per-session send-queue bound, default 16 MiB */
	int transports;              /* EIO_TRANSPORT_* bits, default both */
	bool allow_upgrades;         /* default true */
	/* Also accept Engine.IO v3 clients (EIO=3: socket.io-client 2.x), as
	 * node's allowEIO3: v3 payload framing, the client sends the pings.
	 * Default false: EIO=3 is refused with code 5 ("Unsupported protocol
	 * version"). */
	bool allow_eio3;
	/* CORS: NULL = no CORS headers; "*" = any origin; otherwise a
	 * comma-separated list of allowed origins ("https://a.com,https://b.com"),
	 * compared case-insensitively. An entry ending in ":*" allows that
	 * scheme and host on any port ("http://localhost:*" matches
	 * http://localhost and http://localhost:5173, not http://localhost.x). */
	const char *cors_origin;
	bool cors_credentials; /* default false */
	/* Refuse WebSocket handshakes and upgrades (403, {"code":4,"message":
	 * "Forbidden"}) whose Origin header is neither allowed by cors_origin
	 * nor the server's own (its host:port equals the Host header). Browsers
	 * apply no CORS to WebSocket, so without this check any page can open
	 * one with the user's cookies (cross-site WebSocket hijacking); node's
	 * engine.io does not check. Requests without Origin (non-browser
	 * clients) pass. Polling needs no such check: CORS keeps a foreign page
	 * from reading the handshake answer, hence from learning the sid.
	 * Default false (node's behaviour). */
	bool check_origin;
	bool trust_proxy; /* honour X-Forwarded-For, default false */
	/* Comma-separated names of non-standard headers to keep in the
	 * handshake request ("x-api-key,x-tenant"). Every header libwebsockets
	 * knows by name (cookie, authorization, user-agent, ...) is always kept;
	 * lws 4.1 cannot list the others, so they must be named here. */
	const char *capture_headers;
	eio_allow_request_cb allow_request;
	/* Admission control (docs/engineio.md, "Admission control"); 0: no
	 * bound (node's behaviour). A handshake is in flight from its session's
	 * opening to the client's first message (Socket.IO: its CONNECT) or its
	 * end. Past max_pending_handshakes in flight, or with
	 * max_sessions_per_address sessions open from the client's address, a
	 * new session is refused: a polling handshake with 503, Retry-After:
	 * retry_after_s (default 1) and {"code":6,...}; a WebSocket without sid
	 * with the same 503 before its 101. Upgrades are never refused. The
	 * counts are the listener's, shared by every server mounted on it
	 * (plain WebSocket endpoints included), each checking its own bounds;
	 * a server without max_sessions_per_address does not count per
	 * address. */
	unsigned max_pending_handshakes;
	unsigned max_sessions_per_address;
	unsigned retry_after_s;
	/* Comma-separated addresses and CIDR ranges of trusted proxies
	 * ("127.0.0.1,10.0.0.0/8,::1"): a request from one is counted under
	 * the right-most X-Forwarded-For address that is not a trusted proxy,
	 * and one naming no other address (the proxy's own) is not counted per
	 * address. NULL: the peer's address always. An entry that does not
	 * parse fails eio_server_new() with EIO_EINVAL. */
	const char *trusted_proxies;
} eio_options;

/* Fill opts with node's defaults. */
EIO_EXPORT void eio_options_init(eio_options *opts);

/* ---- Listener --------------------------------------------------------------- */

/* Listen on addr:port using the given libuv loop. addr is an IPv4 or IPv6
 * address ("127.0.0.1", "::1", "[::1]") or a host name, resolved with
 * getaddrinfo: the first of its addresses this machine has is bound, and
 * only it; NULL or "" for every interface. Returns NULL and sets *err on
 * failure: EIO_EINVAL when the name does not resolve, EIO_ELISTEN when it
 * cannot be bound, with errno saying why: EADDRNOTAVAIL (the address is not
 * on this machine), EADDRINUSE (the port is taken), EACCES. */
EIO_EXPORT eio_listener *eio_listener_new(uv_loop_t *loop, const char *addr, int port, int *err);
/* Stop listening and close every session of every mounted server with reason
 * "server shutting down". The listener's handles close asynchronously: the
 * loop ends (uv_run returns) once they and the application's are closed. */
EIO_EXPORT void eio_listener_close(eio_listener *l);
/* Free the listener and its servers, after uv_run() has returned (closes
 * first if eio_listener_close was not called). libwebsockets on a foreign
 * libuv loop can only finish its teardown outside the loop's callbacks. */
EIO_EXPORT void eio_listener_free(eio_listener *l);
EIO_EXPORT int eio_listener_port(const eio_listener *l);
/* The address the listening socket is bound to, as the kernel reports it:
 * "127.0.0.1", "::1", or "::" for every interface (no brackets). */
EIO_EXPORT const char *eio_listener_address(const eio_listener *l);
/* How long a keep-alive HTTP connection may wait idle for its next request
 * before it is closed (node: httpServer.keepAliveTimeout). Default 30000 ms;
 * 0 restores it. A parked long-poll is not idle: it waits for its answer. */
EIO_EXPORT void eio_listener_set_keepalive_timeout(eio_listener *l, unsigned ms);
/* The time a new connection has to send its first request head (a
 * WebSocket handshake is one), and a request to send its whole body, each
 * counted from the phase's start and never extended by arriving bytes
 * (docs/engineio.md, "Timeouts"). Past it the client gets 408 Request
 * Timeout with Connection: close (node: headersTimeout, requestTimeout).
 * Defaults 10000 and 60000 ms; 0 restores one. */
EIO_EXPORT void eio_listener_set_timeouts(eio_listener *l, unsigned head_ms, unsigned body_ms);
/* Close the listener on SIGINT or SIGTERM (a graceful stop: every session is
 * closed with "server shutting down", then uv_run returns), and ignore
 * SIGPIPE. The signal handles do not keep the loop alive by themselves. */
EIO_EXPORT int eio_listener_close_on_signals(eio_listener *l);

/* ---- Plain HTTP on the same port -------------------------------------------- */

/* A request on a path no Engine.IO server is mounted on (a health check, an
 * admin API, metrics). The handler runs once the whole body is read (at most
 * 1 MiB, or eio_listener_set_http_body_limit's; more gets 413). Answer with
 * eio_http_reply(), during the call or later: it frees the request, and does
 * nothing else if the client has gone. Without a handler such requests get
 * 404. */
typedef struct eio_http_request eio_http_request;
typedef void (*eio_http_handler)(eio_http_request *req, void *user);
/* capture_headers: non-standard header names to keep, as in eio_options. */
EIO_EXPORT int eio_listener_set_http_handler(eio_listener *l, eio_http_handler fn,
                                             const char *capture_headers, void *user);
/* The largest body of such a request: max_body bytes (0: the default,
 * 1 MiB). A larger one is refused without being read: at its head when its
 * Content-Length says so, or as soon as a chunked body passes the limit.
 * too_large (the handler's user) answers it instead of the handler, during
 * the call, in the application's own shape (its method, path and headers
 * are there; its body reads as empty); the connection closes after that
 * answer (RFC 9112 section 9.3: the rest of the body cannot be told from a
 * next request). NULL: 413 text/plain. */
EIO_EXPORT void eio_listener_set_http_body_limit(eio_listener *l, size_t max_body,
                                                 eio_http_handler too_large);
EIO_EXPORT const char *eio_http_request_method(const eio_http_request *req); /* "GET", ... */
/* Path, query, headers and client address, as for a handshake. */
EIO_EXPORT const eio_request *eio_http_request_info(const eio_http_request *req);
EIO_EXPORT const char *eio_http_request_body(const eio_http_request *req, size_t *len);
EIO_EXPORT void eio_http_reply(eio_http_request *req, int status, const char *content_type,
                               const char *body, size_t len);
/* The methods a 405 reply lists in its Allow header ("GET, HEAD"), set
 * before eio_http_reply(); methods must have static storage (a literal). */
EIO_EXPORT void eio_http_request_set_allow(eio_http_request *req, const char *methods);

/* ---- Server ----------------------------------------------------------------- */

/* Mount a new Engine.IO server on the listener at opts->path. The options are
 * copied (strings included). Returns NULL and sets *err on failure. */
EIO_EXPORT eio_server *eio_server_new(eio_listener *l, const eio_options *opts,
                                      const eio_callbacks *cb, void *user, int *err);
/* Close every session of this server with reason "server shutting down". */
EIO_EXPORT void eio_server_close_all(eio_server *srv);
EIO_EXPORT size_t eio_server_session_count(const eio_server *srv);
/* Running totals since the server started (for metrics): message payload
 * bytes and messages, as the application sees them (Engine.IO framing,
 * pings and pongs not counted), and completed handshakes. O(1). */
typedef struct eio_server_stats {
	uint64_t handshakes;
	uint64_t messages_received, bytes_received;
	uint64_t messages_sent, bytes_sent;
	/* Admission control (eio_options.max_pending_handshakes,
	 * .max_sessions_per_address): handshakes in flight now (a gauge), and
	 * the new sessions refused by each bound (503). */
	uint64_t handshakes_pending;
	uint64_t refused_busy, refused_address;
} eio_server_stats;
EIO_EXPORT void eio_server_get_stats(const eio_server *srv, eio_server_stats *out);
/* Put a session back among the handshakes in flight (true), or take it out
 * (false): socketio/ does so for a client refused at CONNECT with no
 * namespace joined, which node keeps open until connectTimeout. Its next
 * message takes it out again. */
EIO_EXPORT void eio_session_set_pending(eio_session *s, bool pending);
EIO_EXPORT eio_session *eio_server_session(const eio_server *srv, const char *sid);
/* The server's options (its copies: cors_origin and cors_credentials as
 * eio_server_set_cors() last set them). */
EIO_EXPORT const eio_options *eio_server_options(const eio_server *srv);
/* Replace the CORS list and credentials flag (as eio_options.cors_origin and
 * .cors_credentials; origins copied, NULL for no CORS) while the server
 * runs: the next request's CORS answer and the next WebSocket handshake's
 * or upgrade's Origin check use the new ones. Nothing open is closed: a
 * WebSocket was checked once, at its handshake, and stays; a polling
 * session's next requests are answered by the new list (a session of an
 * origin taken off it loses its CORS headers, so its browser fails it).
 * 0, or EIO_ENOMEM with nothing changed. */
EIO_EXPORT int eio_server_set_cors(eio_server *srv, const char *origins, bool credentials);

/* ---- Refusals ------------------------------------------------------------------
 * A request the server turned away by its own rules, before any session
 * took it (node's engine.io: the "connection_error" event), reported so the
 * application can log it. kind names the rule (stable):
 *   "unknown_transport"     transport unknown or not enabled (code 0, status 400)
 *   "unknown_sid"           session id unknown (code 1, 400)
 *   "bad_handshake_method"  a handshake not made by GET (code 2, 400)
 *   "bad_request"           a WebSocket handshake by plain GET, a sid used with
 *                           another transport or protocol revision, an upgrade
 *                           when upgrades are off (code 3, 400)
 *   "unsupported_protocol"  the EIO query parameter (code 5, 400)
 *   "origin"                the WebSocket Origin check (check_origin: code 4,
 *                           403; a plain server's: 403)
 *   "cors"                  a polling handshake or a CORS preflight whose
 *                           Origin is neither allowed by cors_origin nor the
 *                           server's own: it is answered (status 200, 204)
 *                           without CORS headers, so the browser keeps the
 *                           answer from the page (code -1)
 *   "server_busy", "address_limit"  admission control (max_pending_handshakes,
 *                           max_sessions_per_address: code 6, 503)
 *   "not_found"             a plain server's Upgrade on a path under its own (404)
 * A refusal by allow_request is the application's own: not reported. */
typedef struct eio_refusal {
	const char *kind;
	const char *message; /* the answer's message ("Transport unknown") */
	int code;            /* the answer's {"code":N}, or -1 when it has none */
	int status;          /* the HTTP status answered */
	bool websocket;      /* an Upgrade (else a plain HTTP request) */
	/* The request (headers, query, address), valid during the call; NULL
	 * when it could not be copied (out of memory). */
	const eio_request *req;
} eio_refusal;
typedef void (*eio_refusal_cb)(eio_server *srv, const eio_refusal *r, void *user);
/* Report every refusal to fn (NULL: none, the default), on the loop thread,
 * before the answer is written. */
EIO_EXPORT void eio_server_on_refusal(eio_server *srv, eio_refusal_cb fn, void *user);
EIO_EXPORT void *eio_server_user(const eio_server *srv);
EIO_EXPORT uv_loop_t *eio_server_loop(const eio_server *srv);

/* ---- Session ---------------------------------------------------------------- */

EIO_EXPORT const char *eio_session_id(const eio_session *s);
EIO_EXPORT const eio_request *eio_session_request(const eio_session *s);
EIO_EXPORT eio_server *eio_session_server(const eio_session *s);
/* "polling" or "websocket". */
EIO_EXPORT const char *eio_session_transport(const eio_session *s);
/* The Engine.IO protocol revision the client speaks: 4, or 3 (allow_eio3). */
EIO_EXPORT int eio_session_protocol(const eio_session *s);
/* Application data attached to the session. */
EIO_EXPORT void eio_session_set_user(eio_session *s, void *user);
EIO_EXPORT void *eio_session_get_user(const eio_session *s);

/* Queue a message; it is written on the next loop turn, coalesced with other
 * queued messages. Takes its own reference to m. EIO_EFULL means the queue
 * bound was exceeded: the session is then closed ("send queue full"). */
EIO_EXPORT int eio_session_send(eio_session *s, eio_msg *m);
EIO_EXPORT int eio_session_send_text(eio_session *s, const char *data, size_t len);
EIO_EXPORT int eio_session_send_binary(eio_session *s, const void *data, size_t len);
/* False once the session is closing or closed. */
EIO_EXPORT bool eio_session_open(const eio_session *s);
/* Bytes queued and not yet handed to the kernel. */
EIO_EXPORT size_t eio_session_queued_bytes(const eio_session *s);
/* True when a message sent now would be written without waiting behind a
 * backlog (used for volatile sends). */
EIO_EXPORT bool eio_session_writable(const eio_session *s);
/* Close the session (server-initiated): queued messages are flushed first,
 * then the close packet; on_close runs with reason "forced close". */
EIO_EXPORT void eio_session_close(eio_session *s);

/* ---- Plain WebSocket endpoints -----------------------------------------------
 * A path of the listener that speaks bare WebSocket (RFC 6455) to clients
 * that are not Engine.IO clients: a browser's `new WebSocket(url)`, node's
 * `ws`. Each connection is a session of a plain server: the callbacks, the
 * send calls, the queue bound (max_queued_bytes: over it the slow consumer
 * is cut, "send queue full"), eio_session_request() and the statistics are
 * a session's; it differs in what goes on the wire (docs/engineio.md,
 * "Plain WebSockets"):
 *   - a message sent (eio_msg_text, eio_msg_binary) is one WebSocket
 *     message, without Engine.IO framing; what the client sends arrives
 *     whole in on_message (text or binary, up to max_payload bytes: a larger
 *     one closes with 1009); there is no open packet and no upgrade;
 *   - keepalive: a ping frame every ping_interval_ms; no pong within
 *     ping_timeout_ms (the idle timeout) ends it with "ping timeout";
 *   - it ends with a close frame: 1000 (eio_session_close), 1001 "server
 *     shutting down" or "idle timeout", 1008 "send queue full", or the code
 *     of eio_session_close_code().
 * Options used: path (exact: "/ws", also "/ws/"; a plain GET there gets 426),
 * ping_interval_ms, ping_timeout_ms, max_payload, max_queued_bytes,
 * cors_origin with check_origin (the Origin check, 403), trust_proxy,
 * capture_headers, the admission bounds (max_pending_handshakes,
 * max_sessions_per_address, retry_after_s, trusted_proxies: the 503 of an
 * Engine.IO WebSocket, on the listener's shared counts; a plain session is in
 * flight only while it opens), allow_request: called with the upgrade request; a non-zero
 * result from 400 to 599 is the HTTP status of the refusal (401 for a
 * missing token), any other 403; *message is its text/plain body.
 * subprotocols: NULL, or a comma-separated list of names (RFC 7230 tokens of
 * at most 63 characters; at most 4 per listener) that a client may offer in
 * Sec-WebSocket-Protocol: the first offered one that is known is answered.
 * libwebsockets 4.1 refuses an upgrade whose offers are all unknown, or
 * whose Sec-WebSocket-Protocol header is over 127 bytes. */
EIO_EXPORT eio_server *eio_plain_server_new(eio_listener *l, const eio_options *opts,
                                            const char *subprotocols, const eio_callbacks *cb,
                                            void *user, int *err);
EIO_EXPORT bool eio_server_is_plain(const eio_server *srv);
/* The subprotocol a plain session's WebSocket was answered with, or NULL. */
EIO_EXPORT const char *eio_session_subprotocol(const eio_session *s);
/* eio_session_close() with the close frame's status code (1000-4999) and
 * reason (static storage, at most 123 bytes) for a session on a WebSocket
 * (plain, or Engine.IO's websocket transport: socketio/ closes a client whose
 * packet does not parse with 1002 "parse error"); on polling, as
 * eio_session_close(). */
EIO_EXPORT void eio_session_close_code(eio_session *s, int code, const char *reason);

/* ---- In-process sessions ------------------------------------------------------
 * A session with no network transport: the caller plays the client. Tests of
 * the layers above drive a server with it, without HTTP; a bridge could feed
 * messages from elsewhere. Nothing is ever written to a network: what the
 * server sends stays queued until taken. */

/* Open a session as a handshake would: the open packet is queued, then the
 * server's on_connection runs. It has no request (eio_session_request()
 * returns NULL) and counts as a polling session. NULL when out of memory. */
EIO_EXPORT eio_session *eio_session_open_local(eio_server *srv);
/* The same for a client of Engine.IO v3 (eio_session_protocol() is 3: the
 * client pings, the Socket.IO layer speaks protocol v4 to it), whatever
 * allow_eio3 says. */
EIO_EXPORT eio_session *eio_session_open_local_v3(eio_server *srv);
/* Deliver one packet as a client sends it in a WebSocket frame: text is
 * "<type digit><data>" ("4hello" a message, "1" close, "3" pong), binary is
 * a message's raw bytes. EIO_EPARSE for text that is not a packet. The
 * session may be closed (on_close has run) when this returns. */
EIO_EXPORT int eio_session_receive(eio_session *s, const void *frame, size_t len, bool binary);
/* The messages queued for the client and not yet written, oldest first:
 * how many, the i-th (borrowed), and the oldest taken off the queue (the
 * caller owns that reference; NULL when none). */
EIO_EXPORT size_t eio_session_queued_count(const eio_session *s);
EIO_EXPORT eio_msg *eio_session_queued_at(const eio_session *s, size_t i);
EIO_EXPORT eio_msg *eio_session_take(eio_session *s);
/* A message as a WebSocket frame carries it: text with its Engine.IO type
 * digit ("4hello", "1", "0{...}"), NUL-terminated; binary as its bytes. */
EIO_EXPORT const char *eio_msg_frame(const eio_msg *m, size_t *len);
/* References held on m: a broadcast's message is held once per queue it
 * is in, never copied (diagnostics and tests). */
EIO_EXPORT uint32_t eio_msg_refcount(const eio_msg *m);

#ifdef __cplusplus
}
#endif
#endif
