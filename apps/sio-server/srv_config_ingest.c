/* srv_config_ingest.c - the "ingest" section of sio-server's configuration
 * (docs/sio-server.md, "Ingest from Redis"): the Pub/Sub channels and
 * Streams whose JSON messages become broadcasts, each with its mapping
 * (srv_ingest_map.h), and the consumer group's settings:
 *
 *   "ingest": {
 *     "channels": [ { "channel": "job_updates", "room": "tenant:{tenantId}",
 *                     "event": "JOB_UPDATE", "data": ["jobId", "status", "error"],
 *                     "required": ["jobId", "status"] },
 *                   { "channel": "broadcasts" } ],
 *     "streams":  [ { "stream": "events" } ],
 *     "group": "sio-server", "consumer": "web-1", "field": "data", "startId": "$",
 *     "count": 32, "blockMs": 5000, "claimMinIdleMs": 30000, "claimIntervalMs": 5000,
 *     "maxMessageBytes": 65536
 *   }
 *
 * A source with none of room, rooms, user, event, data, required takes the
 * generic form; with any of them it is a template, which needs an event and
 * exactly one of room, rooms, user. Everything is checked here, at load; the
 * one check that needs the whole configuration (a redis address, which may
 * come from REDIS_URL) is srv_config_ingest_check, after the environment.
 */
#include "srv_config.h"

#include "base/err.h"
#include "base/json.h"
#include "socketio.h"

#include <stdlib.h>
#include <string.h>

#define MAX_SOURCES 64
#define MAX_MS      86400000L

static int move_strv(srv_strv *v, char ***out, size_t *n)
{
	*out = v->v;
	*n = v->n;
	v->v = NULL;
	v->n = 0;
	return 0;
}

static int check_template(srv_cfgp *p, const char *key, const char *t)
{
	const char *why = srv_ingest_template_bad(t);
	return why ? srv_cfgp_fail_at(p, key, "%s in \"%s\"", why, t) : 0;
}

/* The mapping keys of one source (none: the generic form). */
static int parse_map(srv_cfgp *p, int obj, srv_ingest_map *m)
{
	static const char *const keys[] = { "room", "rooms",    "user", "event",
		                            "data", "required", NULL };
	bool any = false;
	for (size_t i = 0; keys[i]; i++)
		any |= base_json_obj_get(p->doc, obj, keys[i]) >= 0;
	if (!any)
		return 0;
	m->templated = true;
	srv_strv rooms = { NULL, 0 }, data = { NULL, 0 }, req = { NULL, 0 };
	char *room = NULL;
	int rc = srv_cfgp_str(p, obj, "room", &room) || srv_cfgp_strv(p, obj, "rooms", &rooms) ||
	         srv_cfgp_str(p, obj, "user", &m->user) ||
	         srv_cfgp_str(p, obj, "event", &m->event) || srv_cfgp_strv(p, obj, "data", &data) ||
	         srv_cfgp_strv(p, obj, "required", &req);
	if (!rc && room && srv_strv_push(&rooms, room, strlen(room)))
		rc = srv_cfgp_fail(p, "out of memory");
	m->data_all = base_json_obj_get(p->doc, obj, "data") < 0;
	int targets =
	        (room != NULL) + (base_json_obj_get(p->doc, obj, "rooms") >= 0) + (m->user != NULL);
	free(room);
	move_strv(&rooms, &m->rooms, &m->nrooms);
	move_strv(&data, &m->data, &m->ndata);
	move_strv(&req, &m->required, &m->nrequired);
	if (rc)
		return -1;
	if (targets != 1)
		return srv_cfgp_fail(
		        p, "a template needs exactly one of \"room\", \"rooms\", \"user\"");
	if (!m->event)
		return srv_cfgp_fail(p, "a template needs an \"event\"");
	if (strlen(m->event) > SRV_INGEST_MAX_EVENT)
		return srv_cfgp_fail_at(p, "event", "longer than %d bytes", SRV_INGEST_MAX_EVENT);
	if (sio_event_reserved(m->event, strlen(m->event)))
		return srv_cfgp_fail_at(p, "event", "\"%s\" is reserved by socket.io", m->event);
	if (m->nrooms == 0 && !m->user)
		return srv_cfgp_fail_at(p, "rooms", "is empty");
	if (m->nrooms > SRV_INGEST_MAX_TARGETS || m->ndata > SRV_INGEST_MAX_FIELDS ||
	    m->nrequired > SRV_INGEST_MAX_FIELDS)
		return srv_cfgp_fail(p, "more than %d rooms or fields", SRV_INGEST_MAX_TARGETS);
	for (size_t i = 0; i < m->nrooms; i++)
		if (check_template(p, "rooms", m->rooms[i]))
			return -1;
	return m->user ? check_template(p, "user", m->user) : 0;
}

static int parse_source(srv_cfgp *p, int obj, const char *name_key, srv_ingest_source *s)
{
	const char *keys[] = {
		name_key, "room", "rooms", "user", "event", "data", "required", NULL
	};
	if (srv_cfgp_object(p, obj, keys) || srv_cfgp_str(p, obj, name_key, &s->name))
		return -1;
	if (!s->name)
		return srv_cfgp_fail(p, "needs \"%s\"", name_key);
	return parse_map(p, obj, &s->map);
}

static int parse_sources(srv_cfgp *p, int obj, const char *key, const char *name_key,
                         srv_ingest_source **out, size_t *n)
{
	size_t old;
	int v = srv_cfgp_enter(p, obj, key, &old);
	if (v < 0)
		return 0;
	if (srv_cfgp_expect(p, v, BASE_JSON_ARRAY))
		return -1;
	size_t size = (size_t)base_json_size(p->doc, v);
	if (size > MAX_SOURCES)
		return srv_cfgp_fail(p, "more than %d", MAX_SOURCES);
	if (size && !(*out = calloc(size, sizeof **out)))
		return srv_cfgp_fail(p, "out of memory");
	base_json_iter it;
	int e;
	base_json_iter_init(p->doc, v, &it);
	while ((e = base_json_iter_next(p->doc, &it, NULL)) >= 0) {
		size_t o2 = srv_cfgp_index(p, *n);
		srv_ingest_source *s = &(*out)[(*n)++];
		if (parse_source(p, e, name_key, s))
			return -1;
		for (size_t i = 0; i + 1 < *n; i++)
			if (!strcmp((*out)[i].name, s->name))
				return srv_cfgp_fail_at(p, name_key, "\"%s\" given twice", s->name);
		srv_cfgp_pop(p, o2);
	}
	srv_cfgp_pop(p, old);
	return 0;
}

/* XGROUP CREATE's id: "$" (from now on) or an entry id MS[-SEQ] ("0": the
 * whole stream). */
static bool start_id_ok(const char *s)
{
	if (!strcmp(s, "$"))
		return true;
	size_t a = strspn(s, "0123456789");
	if (a == 0 || a > 20)
		return false;
	if (!s[a])
		return true;
	size_t b = strspn(s + a + 1, "0123456789");
	return s[a] == '-' && b > 0 && b <= 20 && !s[a + 1 + b];
}

int srv_cfgp_ingest(srv_cfgp *p, int obj, srv_config *cfg)
{
	static const char *const keys[] = { "channels",        "streams",         "group",
		                            "consumer",        "field",           "startId",
		                            "count",           "blockMs",         "claimMinIdleMs",
		                            "claimIntervalMs", "maxMessageBytes", NULL };
	srv_config_ingest *g = &cfg->ingest;
	if (srv_cfgp_object(p, obj, keys) ||
	    parse_sources(p, obj, "channels", "channel", &g->channels, &g->nchannels) ||
	    parse_sources(p, obj, "streams", "stream", &g->streams, &g->nstreams) ||
	    srv_cfgp_str(p, obj, "group", &g->group) ||
	    srv_cfgp_str(p, obj, "consumer", &g->consumer) ||
	    srv_cfgp_str(p, obj, "field", &g->field) ||
	    srv_cfgp_str(p, obj, "startId", &g->start_id) ||
	    srv_cfgp_long(p, obj, "count", &g->count, 1, 10000) ||
	    srv_cfgp_long(p, obj, "blockMs", &g->block_ms, 1, MAX_MS) ||
	    srv_cfgp_long(p, obj, "claimMinIdleMs", &g->claim_min_idle_ms, 1, MAX_MS) ||
	    srv_cfgp_long(p, obj, "claimIntervalMs", &g->claim_interval_ms, 1, MAX_MS) ||
	    srv_cfgp_long(p, obj, "maxMessageBytes", &g->max_message_bytes, 2, 1L << 26))
		return -1;
	if (!g->nchannels && !g->nstreams)
		return srv_cfgp_fail(p, "needs \"channels\" or \"streams\"");
	if (!start_id_ok(g->start_id))
		return srv_cfgp_fail_at(p, "startId",
		                        "expected \"$\", \"0\" or an entry id, got \"%s\"",
		                        g->start_id);
	return 0;
}

int srv_config_ingest_defaults(srv_config *cfg)
{
	srv_config_ingest *g = &cfg->ingest;
	g->count = 32;
	g->block_ms = 5000;
	g->claim_min_idle_ms = 30000;
	g->claim_interval_ms = 5000;
	g->max_message_bytes = 65536;
	return srv_set_str(&g->group, "sio-server") || srv_set_str(&g->field, "data") ||
	                       srv_set_str(&g->start_id, "$")
	               ? -1
	               : 0;
}

int srv_config_ingest_check(const srv_config *cfg, char *err, size_t errlen)
{
	const srv_config_ingest *g = &cfg->ingest;
	if ((g->nchannels || g->nstreams) && !cfg->redis.enabled)
		return base_errf(
		        err, errlen,
		        "config: \"ingest\": needs Redis (\"redis.url\", \"redis.host\" or "
		        "REDIS_URL)");
	return 0;
}

static void sources_free(srv_ingest_source *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		srv_ingest_map_free(&v[i].map);
	}
	free(v);
}

void srv_config_ingest_free(srv_config *cfg)
{
	srv_config_ingest *g = &cfg->ingest;
	sources_free(g->channels, g->nchannels);
	sources_free(g->streams, g->nstreams);
	free(g->group);
	free(g->consumer);
	free(g->field);
	free(g->start_id);
	memset(g, 0, sizeof *g);
}
