/* worker.c - sio-bench's workers: each a thread with its own chan_loop driving
 * its slice of the clients (ramp-up, echo sends, counting), and the scenario
 * events proto.c reports through the proto_events given to proto_init.
 * It also defines the state bench.h declares: cfg and the echo payload,
 * which main.c fills before the workers start and nobody writes afterwards;
 * the clients, each used only by the thread of the worker it belongs to; the
 * workers and the run's two flags.
 *
 * Nothing else is shared between threads except what the worker publishes
 * for the coordinating thread (main.c) after each loop turn: its connected,
 * failed and dropped counts, and two flags, "all my clients are in" and "I
 * received everything I expect"; setting a flag wakes the coordinator's loop
 * through its eventfd. The coordinator starts the measured run by setting
 * g_run (and waking every worker) and ends the workers with g_stop. With one
 * thread the coordinator is the only worker and nothing of this costs more
 * than a few relaxed loads per loop turn.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

config cfg;
static _Thread_local worker *tw; /* the calling thread's worker */
worker *workers;
int nworkers;
client *clients;
uint32_t nclients;
char *payload_echo;
atomic_bool g_run, g_stop;

void worker_wake(worker *w)
{
	chan_loop_wake(&w->loop);
}

static void wake_coordinator(void)
{
	worker *c = &workers[nworkers - 1];
	if (tw != c)
		worker_wake(c);
}

/* ---- Scenario events -------------------------------------------------------------- */

static void on_client_connected(client *cl)
{
	(void)cl;
	tw->inflight--;
	tw->n_connected++;
	tw->t_last_connected = now_us();
}

static void on_client_failed(client *cl, const char *why)
{
	if (cl->phase == P_CONNECTED) {
		tw->n_dropped++;
	} else {
		tw->inflight--;
		tw->n_failed++;
	}
	if (!tw->first_error[0])
		snprintf(tw->first_error, sizeof(tw->first_error), "client %u: %s", cl->id, why);
}

static void echo_send(client *cl)
{
	char b[64];
	int hn = snprintf(b, sizeof(b), "42%u", cl->sent);
	size_t pl = strlen(payload_echo + 2);
	char *m = malloc((size_t)hn + pl);
	if (!m)
		return;
	memcpy(m, b, (size_t)hn);
	memcpy(m + hn, payload_echo + 2, pl);
	cl->t_sent = now_us();
	cl->sent++;
	client_send(cl, m, (size_t)hn + pl);
	free(m);
}

static void on_ack(client *cl, uint32_t id)
{
	if (id + 1 != cl->sent || cl->acked >= cl->sent)
		return;
	uint64_t t = now_us();
	hist_add(&tw->lat, (uint32_t)(t - cl->t_sent));
	cl->acked++;
	tw->acks++;
	tw->last_ack = t;
	if (cl->sent < (uint32_t)cfg.k)
		echo_send(cl);
}

static const proto_events scenario_events = {
	.connected = on_client_connected,
	.failed = on_client_failed,
	.ack = on_ack,
};

/* ---- Sends ------------------------------------------------------------------------ */

/* Send the K broadcasts in one write (one POST for polling). */
void fanout_send(client *sender)
{
	size_t pl = (size_t)cfg.size;
	char head[256];
	int hn = snprintf(head, sizeof(head), "42[\"broadcast\",\"%s\",\"", cfg.room);
	size_t mlen = (size_t)hn + pl + 2;
	char *m = malloc(mlen);
	if (!m)
		return;
	memcpy(m, head, (size_t)hn);
	memset(m + hn, 'x', pl);
	memcpy(m + hn + pl, "\"]", 2);
	for (int i = 0; i < cfg.k; i++)
		client_send(sender, m, mlen);
	free(m);
}

/* ---- Setup ------------------------------------------------------------------------- */

static chan_peer peer;  /* the server, from cfg */
static chan_peer peer2; /* --port2: the fleet's second server */

void client_set_server(client *cl, uint32_t i)
{
	if (!cfg.port2 || cl->sender || i % 2 == 0)
		return;
	cl->ws.peer = cl->get.peer = cl->post.peer = &peer2;
}

/* Contiguous slices of the clients, one per worker; the last worker is run by
 * the main thread, coordinates, and owns the fan-out sender (the last client). */
int workers_init(bool echo)
{
	peer = (chan_peer){ .addr = cfg.dst, .path = cfg.path, .host = cfg.hostport };
	peer2 = (chan_peer){ .addr = cfg.dst2, .path = cfg.path, .host = cfg.hostport2 };
	proto_init(&(proto_config){ .room = cfg.room, .src = cfg.src, .nsrc = cfg.nsrc },
	           &scenario_events);
	unsigned nw = (unsigned)cfg.threads < nclients ? (unsigned)cfg.threads : nclients;
	nworkers = (int)nw;
	workers = calloc(nw, sizeof(*workers));
	if (!workers)
		return -1;
	for (int i = 0; i < nworkers; i++) {
		worker *w = &workers[i];
		w->index = i;
		w->lo = (uint32_t)((uint64_t)nclients * (uint64_t)i / (uint64_t)nworkers);
		w->hi = (uint32_t)((uint64_t)nclients * (uint64_t)(i + 1) / (uint64_t)nworkers);
		w->ramp = (uint32_t)((cfg.ramp + nworkers - 1) / nworkers);
		if (chan_loop_init(&w->loop, &peer, &proto_chan_handlers) < 0 ||
		    (echo && hist_init(&w->lat) < 0))
			return -1;
	}
	return 0;
}

void worker_enter(worker *w)
{
	tw = w;
	chan_loop_enter(&w->loop);
}

/* ---- The loop ------------------------------------------------------------------------ */

static void ramp_fill(worker *w)
{
	while (w->started < w->hi - w->lo && w->inflight < w->ramp) {
		if (!w->t_first_start)
			w->t_first_start = now_us();
		w->inflight++;
		client_start(&clients[w->lo + w->started++]);
	}
}

/* The run begins: what this worker expects, and its sends. The fan-out
 * sender (the last client) belongs to the coordinator, which sends itself. */
void worker_run_start(worker *w)
{
	bool fanout = strcmp(cfg.scenario, "fanout") == 0;
	bool echo = strcmp(cfg.scenario, "echo") == 0;
	w->running = true;
	if (fanout) {
		uint32_t receivers = w->n_connected;
		if (w->hi == nclients && clients[nclients - 1].phase == P_CONNECTED)
			receivers--; /* the sender is not in the room */
		w->expect = (uint64_t)receivers * (uint64_t)cfg.k;
	} else if (echo) {
		w->expect = (uint64_t)w->n_connected * (uint64_t)cfg.k;
		for (uint32_t i = w->lo; i < w->hi; i++)
			if (clients[i].phase == P_CONNECTED)
				echo_send(&clients[i]);
	}
}

static bool received_all(const worker *w)
{
	if (strcmp(cfg.scenario, "fanout") == 0)
		return w->loop.counted >= w->expect;
	if (strcmp(cfg.scenario, "echo") == 0)
		return w->acks >= w->expect;
	return false; /* idle and handshake end on the coordinator's clock */
}

/* One loop turn: ramp, wait for events, publish what changed. */
void worker_turn(worker *w, int timeout_ms)
{
	if (!w->conn_flag)
		ramp_fill(w);
	chan_poll(timeout_ms);
	if (!w->running && atomic_load_explicit(&g_run, memory_order_acquire) &&
	    w->index != nworkers - 1)
		worker_run_start(w);
	atomic_store_explicit(&w->pub_connected, w->n_connected, memory_order_relaxed);
	atomic_store_explicit(&w->pub_failed, w->n_failed, memory_order_relaxed);
	atomic_store_explicit(&w->pub_dropped, w->n_dropped, memory_order_relaxed);
	if (!w->conn_flag && w->n_connected + w->n_failed == w->hi - w->lo) {
		w->conn_flag = true;
		atomic_store_explicit(&w->conn_done, true, memory_order_release);
		wake_coordinator();
	}
	if (w->running && !w->done_flag && received_all(w)) {
		w->done_flag = true;
		atomic_store_explicit(&w->done, true, memory_order_release);
		wake_coordinator();
	}
}

void *worker_main(void *arg)
{
	worker *w = arg;
	worker_enter(w);
	while (!atomic_load_explicit(&g_stop, memory_order_acquire))
		worker_turn(w, w->conn_flag ? 2 : 5);
	for (uint32_t i = w->lo; i < w->hi; i++)
		client_close(&clients[i]);
	return NULL;
}
