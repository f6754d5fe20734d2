/* chan.h - sio-bench's transport: channels (one TCP connection each) speaking
 * HTTP/1.1 or WebSocket to one server, driven by one epoll loop per thread.
 *
 * The layer below the protocol (proto.c) and above util.h. It calls up only
 * through the chan_handlers its loop was given: it knows nothing of clients,
 * Engine.IO or the scenarios. A channel carries an opaque owner pointer for
 * the layer above (proto.c: the client), and its kind tells whether its HTTP
 * response is a WebSocket upgrade.
 *
 * One exception to "knows nothing", for speed: a text message that starts
 * with CHAN_COUNT_PREFIX is counted in the loop, never handed up (see below).
 */
#ifndef SIO_BENCH_CHAN_H
#define SIO_BENCH_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "util.h"

/* The messages the loop counts instead of delivering: the fan-out scenario's
 * Socket.IO EVENT "broadcast" (socket.io-protocol v5: packet type 2 after the
 * Engine.IO message type 4). They arrive by the million per second; a prefix
 * compare with a constant is all they cost, no parsing and no call up. */
#define CHAN_COUNT_PREFIX     "42[\"broadcast\""
#define CHAN_COUNT_PREFIX_LEN (sizeof(CHAN_COUNT_PREFIX) - 1)

enum {
	CH_WS,
	CH_GET,
	CH_POST
};
enum {
	ST_CLOSED, /* no socket */
	ST_IDLE,   /* HTTP connection open, no request in flight */
	ST_HTTP,   /* waiting for an HTTP response (or the 101 of a WebSocket) */
	ST_WS,     /* WebSocket open */
};

/* A server the channels talk to: the loop's, or a channel's own (chan.peer). */
typedef struct chan_peer {
	struct sockaddr_in addr;
	const char *path; /* request path, "/socket.io/" */
	const char *host; /* Host header value, "127.0.0.1:3000" */
} chan_peer;

typedef struct chan {
	int fd;
	uint8_t kind, state;
	bool connected;        /* TCP connect finished */
	bool conn_close;       /* response said Connection: close */
	void *owner;           /* the layer above's object for this channel */
	const chan_peer *peer; /* its server; NULL: the loop's (chan_loop_init) */
	buf in;                /* unparsed input (partial frame / response) */
	buf out;               /* output the kernel did not take yet */
	buf frag;              /* fragmented WebSocket message being assembled */
} chan;

/* What the transport reports up, on the loop's thread. A handler may close
 * any channel, this one included; the transport checks ch->fd after each call. */
typedef struct chan_handlers {
	/* the 101 of chan_ws_open arrived */
	void (*ws_open)(chan *ch);
	/* one whole WebSocket message, text or binary (not a counted one) */
	void (*ws_message)(chan *ch, const char *p, size_t n);
	/* one whole HTTP response, the body de-chunked */
	void (*http_response)(chan *ch, int status, const char *body, size_t n);
	/* the channel failed or the server closed it; it is closed already */
	void (*closed)(chan *ch, const char *why);
} chan_handlers;

/* One thread's loop: its epoll set, a wake-up eventfd, one read buffer shared
 * by all its channels, and the count of CHAN_COUNT_PREFIX messages. */
typedef struct chan_loop {
	int epfd, wakefd;
	char *rbuf;
	uint64_t read_now;     /* time of the current read batch, us */
	uint64_t counted;      /* messages starting with CHAN_COUNT_PREFIX */
	uint64_t last_counted; /* when the last one arrived, us */
	const chan_peer *peer;
	chan_handlers h;
} chan_loop;

/* Set up l (from any thread); peer must outlive it. 0, or -1 with errno. */
int chan_loop_init(chan_loop *l, const chan_peer *peer, const chan_handlers *h);
/* The calling thread runs l from now on: the calls below act on it. */
void chan_loop_enter(chan_loop *l);
/* Wake l's thread out of chan_poll, from another thread. */
void chan_loop_wake(chan_loop *l);
/* Wait up to timeout_ms for events and handle them. */
void chan_poll(int timeout_ms);
/* Count one CHAN_COUNT_PREFIX message received at t (us) some other way. */
void chan_count(uint64_t t);

/* A closed channel of this kind for owner. */
void chan_init(chan *ch, uint8_t kind, void *owner);
/* Start a TCP connection from src (NULL: any). 0, or -1. */
int chan_connect(chan *ch, const struct sockaddr_in *src);
/* Close the socket and free the buffers; reports nothing. */
void chan_close(chan *ch);
void chan_send(chan *ch, const void *d, size_t n);
/* Send one WebSocket text message (masked, as a client must: RFC 6455 5.3). */
void chan_ws_send(chan *ch, const char *d, size_t n);
/* Start a WebSocket upgrade of the connected channel: GET path?query. */
void chan_ws_open(chan *ch, const char *query);
/* Send an HTTP request for path?query, connecting from src first if needed. */
void chan_http_request(chan *ch, const struct sockaddr_in *src, const char *method,
                       const char *query, const char *body, size_t blen);

#endif
