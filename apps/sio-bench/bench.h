/* bench.h - shared declarations of sio-bench, the Socket.IO load generator.
 *
 * One epoll loop per worker thread (--threads), non-blocking sockets, a
 * minimal HTTP/1.1 and WebSocket client (net.c), Engine.IO v4 / Socket.IO v5
 * client behaviour for the websocket and long-polling transports (proto.c),
 * the per-thread scenario work (worker.c), round-trip histograms (hist.c),
 * and the options, the coordination of the threads and the report (main.c).
 * A client is one Socket.IO connection to "/"; it owns up to three TCP
 * channels: the WebSocket, and for long-polling one channel for GET and one
 * for POST, as a browser would. Each client belongs to one worker for its
 * whole life, so nothing a client touches is shared between threads.
 */
#ifndef SIO_BENCH_H
#define SIO_BENCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/* ---- Growable byte buffer ------------------------------------------------ */

typedef struct buf {
	char *p;
	size_t len, cap;
} buf;

void buf_reserve(buf *b, size_t extra);
void buf_append(buf *b, const void *d, size_t n);
void buf_consume(buf *b, size_t n);
void buf_free(buf *b);

/* ---- Channels (one TCP connection) ----------------------------------------- */

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

typedef struct client client;

typedef struct chan {
	int fd;
	uint8_t kind, state;
	bool connected;  /* TCP connect finished */
	bool conn_close; /* response said Connection: close */
	client *cl;
	buf in;   /* unparsed input (partial frame / response) */
	buf out;  /* output the kernel did not take yet */
	buf frag; /* fragmented WebSocket message being assembled */
} chan;

/* ---- Clients ------------------------------------------------------------- */

enum {
	T_WS,
	T_POLLING
};
enum {
	P_NEW,       /* not started */
	P_OPENING,   /* Engine.IO / Socket.IO handshake in flight */
	P_UPGRADING, /* handshake scenario: WebSocket probe in flight */
	P_CONNECTED, /* Socket.IO CONNECT acknowledged (or upgraded) */
	P_FAILED,    /* closed or refused */
};

struct client {
	uint32_t id;
	uint8_t transport, phase;
	bool upgrade;   /* handshake scenario: upgrade after connecting */
	bool post_busy; /* a POST is in flight */
	bool sender;    /* fan-out sender: not in the room */
	chan ws, get, post;
	char sid[32];
	buf pq;               /* polling: packets waiting for the next POST */
	uint64_t t_start;     /* handshake start, us */
	uint64_t t_sent;      /* echo: last send, us */
	uint32_t sent, acked; /* echo counters */
};

/* ---- Configuration and shared state -------------------------------------- */

typedef struct config {
	const char *host;
	int port;
	const char *path;
	const char *scenario;
	int transport; /* T_WS or T_POLLING */
	int n, k, size, ramp;
	int threads; /* worker threads, 1..cores */
	double timeout_s, hold_s;
	double settle_s; /* pause between the last connect and the run; <0: default */
	double linger_s; /* stay connected this long after the run */
	bool progress;   /* "connected" and "run done" lines on stderr */
	int server_pid;
	bool json;
	const char *room;
	struct sockaddr_in dst;
	struct sockaddr_in src[64];
	int nsrc;
	char hostport[64];
} config;

extern config cfg;

/* ---- hist.c: round-trip histograms (one per worker, merged) ------------- */

typedef struct hist {
	uint32_t *b;
	uint64_t n;
	uint32_t max;
} hist;

int hist_init(hist *h);
void hist_free(hist *h);
void hist_add(hist *h, uint32_t v);
void hist_merge(hist *dst, const hist *src);
uint32_t hist_pct(const hist *h, double q);

/* ---- Workers: one thread, one epoll loop, a slice of the clients ---------- */

typedef struct worker {
	int index;
	int epfd, wakefd;  /* wakefd: an eventfd in epfd, written to wake the loop */
	char *rbuf;        /* read buffer shared by the worker's channels */
	uint64_t read_now; /* time of the current read batch, us */
	uint32_t lo, hi;   /* its clients: clients[lo, hi) */
	uint32_t ramp;     /* its share of the handshakes in flight */
	uint32_t started, inflight, n_connected, n_failed, n_dropped;
	uint64_t t_first_start, t_last_connected;
	uint64_t deliveries, last_delivery; /* "broadcast" events received, last at (us) */
	uint64_t acks, last_ack, expect;
	hist lat; /* echo round trips, us */
	char first_error[96];
	bool running; /* saw the run start */
	bool conn_flag, done_flag;
	/* written by the worker, read by the coordinating thread */
	atomic_uint pub_connected, pub_failed, pub_dropped;
	atomic_bool conn_done; /* every client of the worker connected or failed */
	atomic_bool done;      /* the worker received all it expects */
	pthread_t thread;
} worker;

extern _Thread_local worker *tw; /* the calling thread's worker */
extern client *clients;
extern uint32_t nclients;
extern char *payload_echo;        /* 42["echo","xxx"] without the ack id */
extern atomic_bool g_run, g_stop; /* set by the coordinator */

void worker_turn(worker *w, int timeout_ms);
void *worker_main(void *arg);
void worker_run_start(worker *w);
void fanout_send(client *sender);

/* Scenario hooks, called by proto.c (worker.c implements them). */
void on_client_connected(client *cl);
void on_client_failed(client *cl, const char *why);
void on_ack(client *cl, uint32_t id);

/* ---- net.c ----------------------------------------------------------------- */

uint64_t now_us(void);
int net_init(worker *w);
void net_wake(worker *w);
void net_poll(int timeout_ms);
int chan_connect(chan *ch, const struct sockaddr_in *src);
void chan_close(chan *ch);
void chan_send(chan *ch, const void *d, size_t n);
void ws_send_text(chan *ch, const char *d, size_t n);
/* Send an HTTP request on the channel (connecting first if needed). */
void http_request(chan *ch, const char *method, const char *query, const char *body, size_t blen);
/* Start a WebSocket upgrade on the channel. */
void ws_open(chan *ch, const char *query);

/* ---- proto.c: events from net.c ------------------------------------------- */

void proto_ws_open(chan *ch);
void proto_ws_message(chan *ch, const char *p, size_t n);
void proto_http_response(chan *ch, int status, const char *body, size_t n);
void proto_chan_closed(chan *ch, const char *why);

/* ---- proto.c: actions --------------------------------------------------------- */

void client_start(client *cl);
void client_send(client *cl, const char *pkt, size_t n);
void client_close(client *cl);

#endif
