/* srv_ingest.c - sio-server's ingest from Redis (srv_ingest.h): the
 * library's ingest (sio_redis_ingest_new, include/socketio/redis.h) on the
 * redis section's address, each message decoded by its source's mapping
 * (srv_ingest_map.c) and broadcast on the namespace: local for a channel
 * (every member got it from Redis), through the adapter for a stream entry
 * (one member took it for the fleet).
 */
#include "srv_ingest.h"
#include "srv_fleet.h"
#include "srv_ingest_map.h"
#include "srv_log.h"

#include "base/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS "sio-server:ingest"

struct srv_ingest {
	const srv_config *cfg;
	uv_loop_t *loop;
	sio_namespace *nsp;
	srv_metrics *m;
	sio_redis_ingest *redis;
	srv_ingest_rules rules;
	uint64_t delivered, malformed;
	uint64_t warned_at;  /* loop time of the last warning line */
	uint64_t suppressed; /* malformed messages not warned about since */
	bool warned;
	bool up[2]; /* channels, streams: the last state logged */
	bool reported[2];
};

bool srv_ingest_configured(const srv_config *cfg)
{
	return cfg->ingest.nchannels || cfg->ingest.nstreams;
}

static const srv_ingest_map *map_of(const srv_ingest *g, const sio_redis_ingest_msg *msg)
{
	const srv_config_ingest *c = &g->cfg->ingest;
	const srv_ingest_source *v = msg->stream ? c->streams : c->channels;
	size_t n = msg->stream ? c->nstreams : c->nchannels;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, msg->source))
			return &v[i].map;
	return NULL;
}

/* Counted, logged for DEBUG, and warned about on stderr at most once per
 * SRV_INGEST_WARN_MS (a publisher gone wrong must not flood the log). */
static void refuse(srv_ingest *g, const sio_redis_ingest_msg *msg, const char *why)
{
	g->malformed++;
	srv_metrics_error(g->m, "ingest_malformed");
	const char *kind = msg->stream ? "stream" : "channel";
	base_log(NS, "malformed message on %s %s%s%s: %s", kind, msg->source, msg->id ? " id " : "",
	         msg->id ? msg->id : "", why);
	uint64_t now = uv_now(g->loop);
	if (g->warned && now - g->warned_at < SRV_INGEST_WARN_MS) {
		g->suppressed++;
		return;
	}
	if (g->suppressed)
		srv_logf(SRV_LOG_WARN,
		         "sio-server: ingest: malformed message on %s \"%s\": %s (%llu more since "
		         "the last warning)",
		         kind, msg->source, why, (unsigned long long)g->suppressed);
	else
		srv_logf(SRV_LOG_WARN, "sio-server: ingest: malformed message on %s \"%s\": %s",
		         kind, msg->source, why);
	g->warned = true;
	g->warned_at = now;
	g->suppressed = 0;
}

static void on_message(const sio_redis_ingest_msg *msg, void *user)
{
	srv_ingest *g = user;
	const srv_ingest_map *map = map_of(g, msg);
	char why[256];
	if (!map)
		return; /* not configured (cannot happen: the library subscribes to ours) */
	if (!msg->payload) {
		snprintf(why, sizeof why, "entry %s has no \"%s\" field", msg->id,
		         g->cfg->ingest.field);
		refuse(g, msg, why);
		return;
	}
	srv_ingest_out out;
	if (srv_ingest_decode(map, &g->rules, msg->payload, msg->len, &out, why, sizeof why)) {
		refuse(g, msg, why);
		return;
	}
	sio_out *args = NULL;
	if (out.has_data && (!(args = sio_out_new()) ||
	                     sio_out_json(args, (const char *)out.data.data, out.data.len))) {
		refuse(g, msg, "out of memory");
		sio_out_free(args);
		srv_ingest_out_free(&out);
		return;
	}
	sio_broadcast b = { .rooms = (const char *const *)out.rooms,
		            .nrooms = out.nrooms,
		            .except = (const char *const *)out.except,
		            .nexcept = out.nexcept,
		            .local = !msg->stream };
	int n = sio_broadcast_emit(g->nsp, &b, out.event, args);
	if (n < 0) {
		refuse(g, msg, "refused by socket.io (event or data)");
	} else {
		g->delivered++;
		if (n > 0)
			srv_metrics_event_sent(g->m, out.event, (uint64_t)n);
		base_log(NS, "%s %s: \"%s\" to %d local socket(s)%s",
		         msg->stream ? "stream" : "channel", msg->source, out.event, n,
		         msg->stream ? " and the fleet" : "");
	}
	sio_out_free(args);
	srv_ingest_out_free(&out);
}

/* Logged once per change, as srv_fleet.c logs the adapter's state. */
static void on_state(sio_redis_ingest *r, const char *what, bool up, const char *reason, void *user)
{
	(void)r;
	srv_ingest *g = user;
	int i = !strcmp(what, "streams");
	if (g->reported[i] && g->up[i] == up)
		return;
	g->reported[i] = true;
	g->up[i] = up;
	if (up)
		srv_logf(SRV_LOG_INFO, "sio-server: ingest: %s connected", what);
	else
		srv_logf(SRV_LOG_WARN, "sio-server: ingest: %s not connected: %s (reconnecting)",
		         what, reason);
}

static const char **names(const srv_ingest_source *v, size_t n)
{
	const char **out = calloc(n ? n : 1, sizeof *out);
	for (size_t i = 0; out && i < n; i++)
		out[i] = v[i].name;
	return out;
}

srv_ingest *srv_ingest_new(const srv_config *cfg, uv_loop_t *loop, sio_namespace *nsp,
                           srv_metrics *m, char *err, size_t errlen)
{
	const srv_config_ingest *c = &cfg->ingest;
	srv_ingest *g = calloc(1, sizeof *g);
	const char **ch = names(c->channels, c->nchannels), **st = names(c->streams, c->nstreams);
	if (!g || !ch || !st) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	g->cfg = cfg;
	g->loop = loop;
	g->nsp = nsp;
	g->m = m;
	g->rules.max_room = (size_t)cfg->limits.max_room_name_length;
	g->rules.user_room = cfg->api.user_room;
	g->rules.max_bytes = (size_t)c->max_message_bytes;
	sio_redis_options ro;
	srv_fleet_redis_options(cfg, &ro);
	sio_redis_ingest_options o;
	sio_redis_ingest_options_init(&o);
	o.channels = ch;
	o.nchannels = c->nchannels;
	o.streams = st;
	o.nstreams = c->nstreams;
	o.group = c->group;
	o.consumer = c->consumer;
	o.field = c->field;
	o.start_id = c->start_id;
	o.count = (unsigned)c->count;
	o.block_ms = (unsigned)c->block_ms;
	o.claim_min_idle_ms = (unsigned)c->claim_min_idle_ms;
	o.claim_interval_ms = (unsigned)c->claim_interval_ms;
	if (!(g->redis = sio_redis_ingest_new(loop, &ro, &o, on_message, g, err, errlen)))
		goto fail;
	sio_redis_ingest_on_state(g->redis, on_state, g);
	free(ch);
	free(st);
	return g;
fail:
	free(ch);
	free(st);
	free(g);
	return NULL;
}

void srv_ingest_describe(const srv_ingest *g, char *out, size_t cap)
{
	const srv_config_ingest *c = &g->cfg->ingest;
	int n = snprintf(out, cap, "%zu channel%s, %zu stream%s", c->nchannels,
	                 c->nchannels == 1 ? "" : "s", c->nstreams, c->nstreams == 1 ? "" : "s");
	if (c->nstreams && n > 0 && (size_t)n < cap)
		snprintf(out + n, cap - (size_t)n, " (group \"%s\", consumer \"%s\")", c->group,
		         sio_redis_ingest_consumer(g->redis));
}

void srv_ingest_counts(const srv_ingest *g, uint64_t *delivered, uint64_t *malformed)
{
	*delivered = g->delivered;
	*malformed = g->malformed;
}

void srv_ingest_free(srv_ingest *g)
{
	if (!g)
		return;
	sio_redis_ingest_free(g->redis);
	free(g);
}
