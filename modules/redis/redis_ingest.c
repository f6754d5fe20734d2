/* redis_ingest.c - JSON from plain Redis publishers (socketio/redis.h,
 * "Ingest"): the public functions. Pub/Sub channels ride on a redis_conn
 * of their own (redis_conn.c: its subscribed set is kept across
 * reconnections; its publishing side stays idle), streams on the consumer
 * of redis_stream.c; both hand their messages to the application's
 * callback. Separate from the adapter (redis_adapter.c): an application may
 * ingest without the adapter, and the adapter's connections carry only
 * node's wire.
 */
#include "redis_conn.h"
#include "redis_options.h"
#include "redis_stream.h"
#include "socketio/redis.h"

#include "base/err.h"
#include "base/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NS        "socketio:redis:ingest"
#define MAX_COUNT 10000
#define MAX_MS    86400000u

struct sio_redis_ingest {
	redis_settings *settings;
	redis_conn *conn;      /* channels; NULL without */
	redis_stream *streams; /* NULL without */
	sio_redis_ingest_fn fn;
	void *user;
	sio_redis_ingest_state_fn state_fn;
	void *state_user;
	char consumer[128];
	uint64_t messages;
};

void sio_redis_ingest_options_init(sio_redis_ingest_options *o)
{
	memset(o, 0, sizeof *o);
	o->group = "sio-server";
	o->field = "data";
	o->start_id = "$";
	o->count = 32;
	o->block_ms = 5000;
	o->claim_min_idle_ms = 30000;
	o->claim_interval_ms = 5000;
}

static void on_message(const char *channel, size_t channel_len, const char *payload, size_t len,
                       void *user)
{
	sio_redis_ingest *g = user;
	(void)channel_len;
	g->messages++;
	sio_redis_ingest_msg m = { .source = channel, .payload = payload, .len = len };
	g->fn(&m, g->user);
}

static void on_entry(const sio_redis_ingest_msg *m, void *user)
{
	sio_redis_ingest *g = user;
	g->fn(m, g->user);
}

static void report(sio_redis_ingest *g, const char *what, bool up, const char *reason)
{
	base_log(NS, "%s: %s (%s)", what, up ? "up" : "down", reason);
	if (g->state_fn)
		g->state_fn(g, what, up, reason, g->state_user);
}

static void on_conn_state(bool up, const char *reason, void *user)
{
	report(user, "channels", up, reason);
}

static void on_stream_state(bool up, const char *reason, void *user)
{
	report(user, "streams", up, reason);
}

static int check_names(const char *const *v, size_t n, const char *what, char *err, size_t errlen)
{
	if (n && !v)
		return base_errf(err, errlen, "redis ingest: %s: none given", what);
	for (size_t i = 0; i < n; i++)
		if (!v[i] || !*v[i])
			return base_errf(err, errlen, "redis ingest: %s[%zu]: empty name", what, i);
	return 0;
}

static int check(const sio_redis_ingest_options *o, char *err, size_t errlen)
{
	if (!o->nchannels && !o->nstreams)
		return base_errf(err, errlen, "redis ingest: no channel and no stream");
	if (check_names(o->channels, o->nchannels, "channels", err, errlen) ||
	    check_names(o->streams, o->nstreams, "streams", err, errlen))
		return -1;
	if (!o->nstreams)
		return 0;
	if (!o->group || !*o->group || !o->field || !*o->field || !o->start_id || !*o->start_id ||
	    (o->consumer && !*o->consumer))
		return base_errf(
		        err, errlen,
		        "redis ingest: group, field, start_id and consumer may not be empty");
	if (o->count < 1 || o->count > MAX_COUNT)
		return base_errf(err, errlen, "redis ingest: count must be 1..%d", MAX_COUNT);
	/* BLOCK 0 waits forever: the command deadline could never be set */
	if (o->block_ms < 1 || o->block_ms > MAX_MS || o->claim_min_idle_ms < 1 ||
	    o->claim_min_idle_ms > MAX_MS || o->claim_interval_ms < 1 ||
	    o->claim_interval_ms > MAX_MS)
		return base_errf(err, errlen,
		                 "redis ingest: block_ms, claim_min_idle_ms and claim_interval_ms "
		                 "must be 1..%u",
		                 MAX_MS);
	return 0;
}

/* "host:pid": unique per member of a fleet (one process per pid per host). */
static void default_consumer(char *out, size_t cap)
{
	char host[64];
	if (gethostname(host, sizeof host))
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	snprintf(out, cap, "%s:%ld", host, (long)getpid());
}

sio_redis_ingest *sio_redis_ingest_new(uv_loop_t *loop, const sio_redis_options *conn,
                                       const sio_redis_ingest_options *o, sio_redis_ingest_fn fn,
                                       void *user, char *err, size_t errlen)
{
	if (!o || !fn) {
		base_errf(err, errlen, "redis ingest: no options or no callback");
		return NULL;
	}
	if (check(o, err, errlen))
		return NULL;
	if (o->consumer && strlen(o->consumer) >= sizeof(((sio_redis_ingest *)0)->consumer)) {
		base_errf(err, errlen, "redis ingest: consumer name too long");
		return NULL;
	}
	sio_redis_ingest *g = calloc(1, sizeof *g);
	if (!g) {
		base_errf(err, errlen, "redis ingest: out of memory");
		return NULL;
	}
	g->fn = fn;
	g->user = user;
	if (o->consumer)
		snprintf(g->consumer, sizeof g->consumer, "%s", o->consumer);
	else
		default_consumer(g->consumer, sizeof g->consumer);
	if (!(g->settings = redis_settings_new(conn, err, errlen))) {
		free(g);
		return NULL;
	}
	const sio_redis_options *ro = redis_settings_get(g->settings);
	if (o->nchannels) {
		g->conn = redis_conn_new(loop, ro, on_message, on_conn_state, g);
		for (size_t i = 0; g->conn && i < o->nchannels; i++)
			if (redis_conn_subscribe(g->conn, o->channels[i]))
				goto oom;
		if (!g->conn)
			goto oom;
	}
	if (o->nstreams) {
		sio_redis_ingest_options so = *o;
		so.consumer = g->consumer;
		if (!(g->streams = redis_stream_new(loop, ro, &so, on_entry, on_stream_state, g)))
			goto oom;
	}
	return g;
oom:
	base_errf(err, errlen, "redis ingest: out of memory");
	sio_redis_ingest_free(g);
	return NULL;
}

const char *sio_redis_ingest_consumer(const sio_redis_ingest *g)
{
	return g->consumer;
}

void sio_redis_ingest_on_state(sio_redis_ingest *g, sio_redis_ingest_state_fn fn, void *user)
{
	g->state_fn = fn;
	g->state_user = user;
}

void sio_redis_ingest_get_stats(const sio_redis_ingest *g, sio_redis_ingest_stats *out)
{
	memset(out, 0, sizeof *out);
	out->channels_connected = !g->conn || redis_conn_up(g->conn);
	out->streams_connected = true;
	if (g->streams)
		redis_stream_stats(g->streams, out);
	out->messages = g->messages;
}

/* The callbacks above touch g before calling out, never after: it may be
 * freed from inside them (redis_conn and redis_stream allow it). */
void sio_redis_ingest_free(sio_redis_ingest *g)
{
	if (!g)
		return;
	redis_conn_free(g->conn);
	redis_stream_free(g->streams);
	redis_settings_free(g->settings);
	free(g);
}
