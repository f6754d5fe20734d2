/* srv_metrics.c - Prometheus counters and their text exposition (see
 * srv_metrics.h). Format 0.0.4: "# HELP", "# TYPE", then one sample per
 * line; label values escape '\\', '"' and newline. */
#include "srv_metrics.h"
#include "srv_log_sock.h"
#include "srv_prom.h"

#include "base/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A counter with one label whose values are capped (client-chosen names). */
typedef struct family {
	char *names[SRV_METRICS_MAX_NAMES];
	uint64_t counts[SRV_METRICS_MAX_NAMES];
	size_t n;
	uint64_t other;
} family;

/* Upper bounds in seconds; the +Inf bucket is the count. */
static const double buckets[SRV_METRICS_NBUCKETS] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	                                              0.1,   0.25,   0.5,   1,    2.5,   5 };

struct srv_metrics {
	sio_server *srv;
	const srv_fleet *fleet;
	const eio_server **engines; /* plain WebSocket endpoints (srv_metrics_add_engine) */
	size_t nengines;
	family received, sent, errors, disconnects, http;
	uint64_t connections_total;
	uint64_t hs_buckets[SRV_METRICS_NBUCKETS]; /* non-cumulative */
	uint64_t hs_count;
	double hs_sum;
	struct {
		srv_metrics_section_fn fn;
		void *user;
	} sections[SRV_METRICS_MAX_SECTIONS];
	size_t nsections;
	srv_metrics_ops *ops; /* srv_metrics_ops.c */
};

int srv_metrics_add_section(srv_metrics *m, srv_metrics_section_fn fn, void *user)
{
	if (!m || m->nsections == SRV_METRICS_MAX_SECTIONS)
		return -1;
	m->sections[m->nsections].fn = fn;
	m->sections[m->nsections++].user = user;
	return 0;
}

srv_metrics *srv_metrics_new(sio_server *srv)
{
	srv_metrics *m = calloc(1, sizeof(*m));
	if (m && !(m->ops = srv_metrics_ops_new())) {
		free(m);
		return NULL;
	}
	if (m)
		m->srv = srv;
	return m;
}

srv_metrics_ops *srv_metrics_ops_of(srv_metrics *m)
{
	return m ? m->ops : NULL;
}

static void family_free(family *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->names[i]);
}

void srv_metrics_free(srv_metrics *m)
{
	if (!m)
		return;
	family_free(&m->received);
	family_free(&m->sent);
	family_free(&m->errors);
	family_free(&m->disconnects);
	family_free(&m->http);
	srv_metrics_ops_free(m->ops);
	free(m->engines);
	free(m);
}

/* Add v to name's counter; a new name past the cap (or too long, or out of
 * memory) goes to _other. */
static void family_add(family *f, const char *name, uint64_t v)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < f->n; i++) {
		if (!strcmp(f->names[i], name)) {
			f->counts[i] += v;
			return;
		}
	}
	if (f->n < SRV_METRICS_MAX_NAMES && len > 0 && len <= SRV_METRICS_MAX_NAME_LEN &&
	    strcmp(name, SRV_METRICS_OTHER) != 0) {
		char *copy = strdup(name);
		if (copy) {
			f->names[f->n] = copy;
			f->counts[f->n++] = v;
			return;
		}
	}
	f->other += v;
}

void srv_metrics_event_received(srv_metrics *m, const char *event)
{
	if (m && event)
		family_add(&m->received, event, 1);
}

void srv_metrics_event_sent(srv_metrics *m, const char *event, uint64_t recipients)
{
	if (m && event && recipients)
		family_add(&m->sent, event, recipients);
}

void srv_metrics_error(srv_metrics *m, const char *kind)
{
	if (m && kind)
		family_add(&m->errors, kind, 1);
}

void srv_metrics_on_refusal(eio_server *es, const eio_refusal *r, void *user)
{
	if (strcmp(r->kind, "server_busy") && strcmp(r->kind, "address_limit"))
		srv_metrics_error(user, r->kind);
	srv_log_refusal(es, r, NULL);
}

void srv_metrics_http(srv_metrics *m, int status)
{
	char code[16];
	if (!m)
		return;
	snprintf(code, sizeof(code), "%d", status);
	family_add(&m->http, code, 1);
}

void srv_metrics_disconnect(srv_metrics *m, const char *reason)
{
	if (m && reason)
		family_add(&m->disconnects, reason, 1);
}

void srv_metrics_observe_handshake(srv_metrics *m, double ms)
{
	if (!m)
		return;
	double s = ms < 0 ? 0 : ms / 1000.0;
	m->hs_count++;
	m->hs_sum += s;
	srv_prom_histogram_count(buckets, m->hs_buckets, SRV_METRICS_NBUCKETS, s);
}

void srv_metrics_connection(srv_metrics *m, sio_socket *s)
{
	if (!m)
		return;
	m->connections_total++;
	eio_session *es = sio_socket_session(s);
	const eio_request *req = es ? eio_session_request(es) : NULL;
	if (!req)
		return;
	/* eio_request_time_ms is wall-clock (CLOCK_REALTIME): compare alike */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	uint64_t t0 = eio_request_time_ms(req);
	srv_metrics_observe_handshake(m, now >= t0 ? (double)(now - t0) : 0);
}

static int filter(sio_socket *s, const char *event, const sio_args *args, void *user)
{
	(void)s;
	(void)args;
	srv_metrics_event_received(user, event);
	return 0;
}

int srv_metrics_install(srv_metrics *m, sio_namespace *nsp)
{
	return sio_namespace_use_events(nsp, filter, m);
}

void srv_metrics_set_fleet(srv_metrics *m, const srv_fleet *f)
{
	if (m)
		m->fleet = f;
}

int srv_metrics_add_engine(srv_metrics *m, const eio_server *es)
{
	if (!m)
		return 0;
	const eio_server **v = realloc(m->engines, (m->nengines + 1) * sizeof(*v));
	if (!v)
		return -1;
	m->engines = v;
	m->engines[m->nengines++] = es;
	return 0;
}

/* ---- rendering ------------------------------------------------------------- */

typedef struct out {
	base_buf b;
	int err;
} out;

static void put(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (srv_prom_vputf(&o->b, fmt, ap))
		o->err = 1;
	va_end(ap);
}

/* A label value, escaped as the exposition format requires. */
static void put_label(out *o, const char *v)
{
	for (; *v; v++) {
		const char *esc = *v == '\\'   ? "\\\\"
		                  : *v == '"'  ? "\\\""
		                  : *v == '\n' ? "\\n"
		                               : NULL;
		if (esc ? base_buf_append(&o->b, esc, 2) : base_buf_putc(&o->b, *v))
			o->err = 1;
	}
}

static void head(out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample_labeled(out *o, const char *name, const char *label, const char *value,
                           uint64_t v)
{
	put(o, "%s{%s=\"", name, label);
	put_label(o, value);
	put(o, "\"} %llu\n", (unsigned long long)v);
}

static void put_family(out *o, const family *f, const char *name, const char *label,
                       const char *help)
{
	head(o, name, "counter", help);
	for (size_t i = 0; i < f->n; i++)
		sample_labeled(o, name, label, f->names[i], f->counts[i]);
	if (f->other)
		sample_labeled(o, name, label, SRV_METRICS_OTHER, f->other);
}

typedef struct gauges {
	uint64_t sockets, rooms;
} gauges;

static void count_room(const char *room, size_t members, void *u)
{
	(void)room;
	(void)members;
	((gauges *)u)->rooms++;
}

static void count_nsp(sio_namespace *nsp, void *u)
{
	gauges *g = u;
	g->sockets += sio_namespace_socket_count(nsp);
	sio_namespace_rooms(nsp, count_room, g);
}

static void put_gauge(out *o, const char *name, const char *help, uint64_t v)
{
	head(o, name, "gauge", help);
	put(o, "%s %llu\n", name, (unsigned long long)v);
}

static void put_counter(out *o, const char *name, const char *help, uint64_t v)
{
	head(o, name, "counter", help);
	put(o, "%s %llu\n", name, (unsigned long long)v);
}

/* The Redis adapter's state and counters, when it is used. */
static void put_redis(out *o, const srv_fleet *f)
{
	sio_redis_stats st;
	if (!srv_fleet_stats(f, &st))
		return;
	put_gauge(o, "sio_redis_connected",
	          "1 when both connections to Redis are up and subscribed, else 0.",
	          st.connected ? 1 : 0);
	put_gauge(o, "sio_redis_queued_bytes", "Bytes of publishes waiting for Redis to return.",
	          st.queued_bytes);
	put_counter(o, "sio_redis_connects_total",
	            "Successful connections to Redis (reconnections included).", st.connects);
	put_counter(o, "sio_redis_published_total", "Messages published to the other members.",
	            st.published);
	put_counter(o, "sio_redis_publish_dropped_total",
	            "Publishes dropped: the queue was full while Redis was away.",
	            st.publish_dropped);
	put_counter(o, "sio_redis_received_total", "Messages received from the other members.",
	            st.received);
	put_counter(o, "sio_redis_malformed_total", "Messages received and ignored: not decodable.",
	            st.malformed);
	put_counter(o, "sio_redis_requests_total",
	            "Requests to the other members (fetchSockets, allRooms, ...).", st.requests);
	put_counter(o, "sio_redis_requests_timed_out_total",
	            "Requests that ended at requestsTimeout with the answers received.",
	            st.requests_timed_out);
	put_counter(o, "sio_redis_answers_missing_total",
	            "Members counted by Redis that did not answer a request in time.",
	            st.answers_missing);
}

char *srv_metrics_render(srv_metrics *m, size_t *len)
{
	out o = { BASE_BUF_INIT, 0 };
	gauges g = { 0, 0 };
	eio_server_stats es;
	memset(&es, 0, sizeof(es));
	size_t sessions = 0;
	if (m->srv) {
		sio_server_namespaces(m->srv, count_nsp, &g);
		eio_server *e = sio_server_engine(m->srv);
		eio_server_get_stats(e, &es);
		sessions = eio_server_session_count(e);
	}
	/* The plain endpoints' refusals are admission's too (the same bounds
	 * on the same counts, engineio/eio_admit.c). */
	for (size_t i = 0; i < m->nengines; i++) {
		eio_server_stats ps;
		eio_server_get_stats(m->engines[i], &ps);
		es.refused_busy += ps.refused_busy;
		es.refused_address += ps.refused_address;
	}
	put_gauge(&o, "sio_connections", "Connected Socket.IO sockets (every namespace).",
	          g.sockets);
	put_gauge(&o, "sio_engine_connections", "Open Engine.IO sessions.", sessions);
	put_gauge(&o, "sio_rooms",
	          "Rooms with members (every namespace, socket-id rooms excluded).", g.rooms);
	put_counter(&o, "sio_connections_total", "Socket.IO connections accepted.",
	            m->connections_total);
	put_counter(&o, "sio_engine_handshakes_total", "Engine.IO handshakes completed.",
	            es.handshakes);
	/* Admission control (docs/sio-server.md, "Admission control"). */
	put_gauge(&o, "sio_engine_handshakes_pending",
	          "Engine.IO sessions whose client has sent no message yet.",
	          es.handshakes_pending);
	head(&o, "sio_engine_handshakes_refused_total", "counter",
	     "New sessions and plain WebSocket upgrades refused with 503, by bound (pending: "
	     "handshakes in flight; address: connections per address).");
	sample_labeled(&o, "sio_engine_handshakes_refused_total", "reason", "pending",
	               es.refused_busy);
	sample_labeled(&o, "sio_engine_handshakes_refused_total", "reason", "address",
	               es.refused_address);
	put_family(&o, &m->disconnects, "sio_disconnections_total", "reason",
	           "Socket disconnections by reason.");
	put_family(&o, &m->received, "sio_events_received_total", "event",
	           "Events received from clients, by name (names past the cap as _other).");
	put_family(&o, &m->sent, "sio_events_sent_total", "event",
	           "Events sent by the server, by name, one per recipient socket.");
	put_counter(&o, "sio_bytes_received_total", "Engine.IO message payload bytes received.",
	            es.bytes_received);
	put_counter(&o, "sio_bytes_sent_total", "Engine.IO message payload bytes sent.",
	            es.bytes_sent);
	put_counter(&o, "sio_messages_received_total", "Engine.IO messages received.",
	            es.messages_received);
	put_counter(&o, "sio_messages_sent_total", "Engine.IO messages sent.", es.messages_sent);
	put_family(&o, &m->errors, "sio_errors_total", "kind", "Errors by kind.");
	put_family(&o, &m->http, "sio_http_requests_total", "code",
	           "HTTP API answers by status code.");
	put_redis(&o, m->fleet);
	head(&o, "sio_handshake_duration_seconds", "histogram",
	     "From the Engine.IO handshake request to the Socket.IO connection.");
	if (srv_prom_histogram_render(&o.b, "sio_handshake_duration_seconds", NULL, NULL, buckets,
	                              m->hs_buckets, SRV_METRICS_NBUCKETS, m->hs_count, m->hs_sum))
		o.err = 1;
	for (size_t i = 0; i < m->nsections; i++)
		if (m->sections[i].fn(&o.b, m->sections[i].user))
			o.err = 1;
	if (srv_metrics_ops_render(m->ops, m->srv, &o.b))
		o.err = 1;
	if (o.err || base_buf_putc(&o.b, '\0')) {
		base_buf_free(&o.b);
		return NULL;
	}
	*len = o.b.len - 1;
	return o.b.data;
}
