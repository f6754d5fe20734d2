/* bench.h - the top of sio-bench, the Socket.IO load generator: the run's
 * configuration and the workers (worker.c), used by main.c.
 *
 * The files, bottom up; each calls only the ones below it, and hears from the
 * one above only through the callbacks that one gave it:
 *   util.c    byte buffer, clock;
 *   hist.c    round-trip histograms;
 *   chan.c    the transport: one epoll loop per thread, non-blocking sockets,
 *             a minimal HTTP/1.1 and WebSocket client; reports up through
 *             chan_handlers;
 *   proto.c   Engine.IO v4 / Socket.IO v5 client behaviour for the websocket
 *             and long-polling transports; reports up through proto_events;
 *   worker.c  one worker thread: its chan_loop, its slice of the clients, the
 *             scenario's sends and counts (the proto_events);
 *   main.c    the options, the coordination of the threads and the report.
 * A client is one Socket.IO connection to "/" (proto.h). Each client belongs
 * to one worker for its whole life, so nothing a client touches is shared
 * between threads.
 */
#ifndef SIO_BENCH_H
#define SIO_BENCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "chan.h"
#include "hist.h"
#include "proto.h"

/* ---- Configuration and shared state (defined in worker.c) ---------------- */

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
	/* --port2: a second server of a fleet; the fan-out receivers alternate
	 * between the two, the sender stays on the first. 0: none. */
	int port2;
	struct sockaddr_in dst2;
	char hostport2[64];
	struct sockaddr_in src[64];
	int nsrc;
	char hostport[64];
} config;

extern config cfg;

/* ---- Workers: one thread, one epoll loop, a slice of the clients ---------- */

typedef struct worker {
	int index;
	chan_loop loop;  /* its transport; loop.counted: "broadcast" events received */
	uint32_t lo, hi; /* its clients: clients[lo, hi) */
	uint32_t ramp;   /* its share of the handshakes in flight */
	uint32_t started, inflight, n_connected, n_failed, n_dropped;
	uint64_t t_first_start, t_last_connected;
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

extern worker *workers; /* the coordinator (main.c) runs the last one */
extern int nworkers;
extern client *clients;
extern uint32_t nclients;
extern char *payload_echo;        /* 42["echo","xxx"] without the ack id */
extern atomic_bool g_run, g_stop; /* set by the coordinator */

/* Split the clients over cfg.threads workers and set them up (after
 * client_init of every client); 0, or -1 with errno. */
int workers_init(bool echo);
/* The calling thread runs w from now on. */
void worker_enter(worker *w);
/* Wake w's thread out of its wait, from another thread. */
void worker_wake(worker *w);
void worker_turn(worker *w, int timeout_ms);
void *worker_main(void *arg);
void worker_run_start(worker *w);
void fanout_send(client *sender);
/* Client i's server: with --port2, odd receivers talk to the second. */
void client_set_server(client *cl, uint32_t i);

#endif
