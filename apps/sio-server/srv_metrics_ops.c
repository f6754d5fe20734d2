/* srv_metrics_ops.c - the operations metrics of sio-server (srv_metrics.h,
 * "operations"), apart from the counters of srv_metrics.c:
 *
 *   sio_ack_answer_duration_seconds      histogram: a client's event that
 *                                        asked for an ack, from its arrival to
 *                                        the server's answer (sio-server sends
 *                                        no events with acks of its own: these
 *                                        are its round trips; an answer given
 *                                        later, after I/O, shows here)
 *   sio_http_request_duration_seconds    histogram: an HTTP API request, from
 *                                        its complete arrival to its answer
 *   sio_namespace_sockets{namespace}     gauge: connected sockets per namespace
 *   sio_send_queue_drops_total{reason}   counter: packets not queued; reason
 *                                        "volatile" (a volatile broadcast to a
 *                                        client that could not take it then)
 *   sio_slow_consumer_disconnects_total{reason}
 *                                        counter: clients cut off for reading
 *                                        too slowly; reason "send_queue_full"
 *                                        (their queue went over the engine's
 *                                        max_queued_bytes)
 *
 * The totals of the last two are the library's (sio_server_get_stats), read
 * at scrape time. The namespaces of sio-server are fixed by its
 * configuration, so the namespace label is bounded.
 */
#include "srv_prom.h"
#include "srv_metrics.h"

#include "base/buf.h"

#include <stdlib.h>

/* Upper bounds in seconds, 100 us to 5 s; the +Inf bucket is the count. */
#define NB 15
static const double bounds[NB] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
	                           0.05,   0.1,     0.25,   0.5,   1,      2.5,   5 };

typedef struct hist {
	uint64_t b[NB]; /* non-cumulative */
	uint64_t count;
	double sum;
} hist;

struct srv_metrics_ops {
	hist ack, http;
};

srv_metrics_ops *srv_metrics_ops_new(void)
{
	return calloc(1, sizeof(srv_metrics_ops));
}

void srv_metrics_ops_free(srv_metrics_ops *o)
{
	free(o);
}

static void observe(hist *h, double seconds)
{
	double s = seconds < 0 ? 0 : seconds;

	h->count++;
	h->sum += s;
	srv_prom_histogram_count(bounds, h->b, NB, s);
}

void srv_metrics_observe_ack(srv_metrics *m, double seconds)
{
	srv_metrics_ops *o = srv_metrics_ops_of(m);

	if (o)
		observe(&o->ack, seconds);
}

void srv_metrics_observe_http(srv_metrics *m, double seconds)
{
	srv_metrics_ops *o = srv_metrics_ops_of(m);

	if (o)
		observe(&o->http, seconds);
}

static void on_ack_answered(sio_socket *s, double elapsed_ms, void *user)
{
	(void)s;
	srv_metrics_observe_ack(user, elapsed_ms / 1000.0);
}

void srv_metrics_ops_install(srv_metrics *m, sio_namespace *nsp)
{
	sio_namespace_on_ack_answered(nsp, on_ack_answered, m);
}

/* ---- rendering ------------------------------------------------------------- */

static int put_hist(base_buf *b, const char *name, const char *help, const hist *h)
{
	return srv_prom_putf(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name) ||
	       srv_prom_histogram_render(b, name, NULL, NULL, bounds, h->b, NB, h->count, h->sum);
}

/* A label value as the exposition format escapes it. */
static int put_label(base_buf *b, const char *v)
{
	int rc = 0;

	for (; *v && !rc; v++)
		rc = *v == '\\'   ? base_buf_append(b, "\\\\", 2)
		     : *v == '"'  ? base_buf_append(b, "\\\"", 2)
		     : *v == '\n' ? base_buf_append(b, "\\n", 2)
		                  : base_buf_putc(b, *v);
	return rc;
}

struct ns_walk {
	base_buf *b;
	int rc;
};

static void put_namespace(sio_namespace *nsp, void *user)
{
	struct ns_walk *w = user;

	w->rc = w->rc || srv_prom_putf(w->b, "sio_namespace_sockets{namespace=\"") ||
	        put_label(w->b, sio_namespace_name(nsp)) ||
	        srv_prom_putf(w->b, "\"} %zu\n", sio_namespace_socket_count(nsp));
}

int srv_metrics_ops_render(srv_metrics_ops *o, sio_server *srv, base_buf *b)
{
	sio_server_stats st = { 0, 0 };
	struct ns_walk w = { b, 0 };

	if (srv)
		sio_server_get_stats(srv, &st);
	w.rc = put_hist(b, "sio_ack_answer_duration_seconds",
	                "From a client's event asking for an ack to the server's answer.",
	                &o->ack) ||
	       put_hist(b, "sio_http_request_duration_seconds",
	                "HTTP API requests, from their arrival to their answer.", &o->http) ||
	       srv_prom_putf(b, "# HELP sio_namespace_sockets Connected sockets per namespace.\n"
	                        "# TYPE sio_namespace_sockets gauge\n");
	if (!w.rc && srv)
		sio_server_namespaces(srv, put_namespace, &w);
	return w.rc ||
	                       srv_prom_putf(
	                               b,
	                               "# HELP sio_send_queue_drops_total Packets not queued for a "
	                               "client, by "
	                               "reason.\n# TYPE sio_send_queue_drops_total counter\n"
	                               "sio_send_queue_drops_total{reason=\"volatile\"} %llu\n",
	                               (unsigned long long)st.volatile_dropped) ||
	                       srv_prom_putf(
	                               b,
	                               "# HELP sio_slow_consumer_disconnects_total Clients cut off "
	                               "for reading too "
	                               "slowly, by reason.\n# TYPE "
	                               "sio_slow_consumer_disconnects_total counter\n"
	                               "sio_slow_consumer_disconnects_total{reason=\"send_queue_"
	                               "full\"} %llu\n",
	                               (unsigned long long)st.send_queue_full)
	               ? -1
	               : 0;
}
