/* srv_limits.c - rate limits on connections, events and join/leave events
 * (see srv_limits.h). Every refusal goes through refuse(), the one place
 * that counts it. */
#include "srv_limits.h"

#include "srv_auth.h"
#include "srv_log_sock.h"
#include "srv_ratelimit.h"
#include "srv_rooms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sub_limit { /* one per rooms.joinEvents[] entry */
	const srv_join_event *je;
	srv_ratelimit *rl; /* NULL: no limit */
} sub_limit;

struct srv_limits {
	const srv_config *cfg;
	uv_loop_t *loop;
	srv_metrics *m;
	srv_ratelimit *connections; /* NULL: no limit */
	srv_ratelimit *events;
	sub_limit *subs;
	size_t nsubs;
	srv_ratelimit *plain_subs; /* plain endpoints' joins and leaves; NULL: no limit */
	unsigned long long refused[4];
};

static srv_ratelimit *table(long per_minute, bool *oom)
{
	if (per_minute <= 0)
		return NULL;
	srv_ratelimit *rl =
	        srv_ratelimit_new(per_minute, SRV_LIMITS_WINDOW_MS, SRV_LIMITS_MAX_KEYS);
	if (!rl)
		*oom = true;
	return rl;
}

srv_limits *srv_limits_new(const srv_config *cfg, uv_loop_t *loop, srv_metrics *m)
{
	srv_limits *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->cfg = cfg;
	l->loop = loop;
	l->m = m;
	bool oom = false;
	l->connections = table(cfg->limits.connections_per_minute_per_ip, &oom);
	l->events = table(cfg->limits.events_per_minute, &oom);
	l->nsubs = cfg->rooms.njoins;
	l->subs = calloc(l->nsubs ? l->nsubs : 1, sizeof(*l->subs));
	if (!l->subs)
		oom = true;
	for (size_t i = 0; !oom && i < l->nsubs; i++) {
		const srv_join_event *je = &cfg->rooms.joins[i];
		long n = je->rate_limit_per_minute < 0 ? cfg->limits.subscribe_events_per_minute
		                                       : je->rate_limit_per_minute;
		l->subs[i].je = je;
		l->subs[i].rl = table(n, &oom);
	}
	if (cfg->nplainws > 0)
		l->plain_subs = table(cfg->limits.subscribe_events_per_minute, &oom);
	if (oom) {
		srv_limits_free(l);
		return NULL;
	}
	return l;
}

int srv_limits_reload(srv_limits *l, long connections_before, long events_before)
{
	bool oom = false;
	srv_ratelimit *c = l->connections, *e = l->events;
	if (l->cfg->limits.connections_per_minute_per_ip != connections_before)
		c = table(l->cfg->limits.connections_per_minute_per_ip, &oom);
	if (l->cfg->limits.events_per_minute != events_before)
		e = table(l->cfg->limits.events_per_minute, &oom);
	if (oom) {
		if (c != l->connections)
			srv_ratelimit_free(c);
		if (e != l->events)
			srv_ratelimit_free(e);
		return -1;
	}
	if (c != l->connections) {
		srv_ratelimit_free(l->connections);
		l->connections = c;
	}
	if (e != l->events) {
		srv_ratelimit_free(l->events);
		l->events = e;
	}
	return 0;
}

void srv_limits_free(srv_limits *l)
{
	if (!l)
		return;
	srv_ratelimit_free(l->connections);
	srv_ratelimit_free(l->events);
	for (size_t i = 0; l->subs && i < l->nsubs; i++)
		srv_ratelimit_free(l->subs[i].rl);
	srv_ratelimit_free(l->plain_subs);
	free(l->subs);
	free(l);
}

unsigned long long srv_limits_refused(const srv_limits *l, srv_limit_kind kind)
{
	return kind >= SRV_LIMIT_CONNECTIONS && kind <= SRV_LIMIT_SUBSCRIBE ? l->refused[kind] : 0;
}

/* The one place a refusal passes: count it (errors by kind in the metrics)
 * and, for a Socket.IO client's events (reply), tell the client; a plain
 * WebSocket client is told by its endpoint, in its own format
 * (srv_plainws.c), so it is only logged here. */
static void refuse(srv_limits *l, sio_socket *s, srv_limit_kind kind, bool reply)
{
	static const char *const kinds[] = {
		[SRV_LIMIT_CONNECTIONS] = "connection_rate_limited",
		[SRV_LIMIT_EVENTS] = "event_rate_limited",
		[SRV_LIMIT_SUBSCRIBE] = "subscribe_rate_limited",
	};
	l->refused[kind]++;
	if (kind == SRV_LIMIT_CONNECTIONS) {
		srv_metrics_error(l->m, kinds[kind]);
		const srv_log_field f[] = { SRV_LS("kind", kinds[kind]),
			                    SRV_LS("reason", "Too many connection attempts") };
		if (s) /* NULL for a plain WebSocket upgrade: srv_plainws.c logs it */
			srv_log_socket(SRV_LOG_INFO, "refused", s, f, 2);
	} else if (reply) {
		srv_reply_emit(l->m, kinds[kind], s, &l->cfg->limits.exceeded, NULL, false);
	} else {
		srv_metrics_error(l->m, kinds[kind]);
		const srv_log_field f[] = { SRV_LS("kind", kinds[kind]),
			                    SRV_LS("reason", l->cfg->limits.exceeded.message) };
		srv_log_socket(SRV_LOG_INFO, "refused", s, f, 2);
	}
}

static const char *client_ip(const sio_socket *s)
{
	const eio_request *req = eio_session_request(sio_socket_session(s));
	const char *ip = req ? eio_request_address(req) : NULL;
	return ip ? ip : "";
}

/* "u:<user id>" for an authenticated client, else "a:<ip>" (events) or
 * "s:<socket id>" (join/leave events). */
static void key_of(const sio_socket *s, bool by_ip, char *buf, size_t cap)
{
	const srv_user *u = srv_user_of(s);
	if (u && u->user_id)
		snprintf(buf, cap, "u:%s", u->user_id);
	else if (by_ip)
		snprintf(buf, cap, "a:%s", client_ip(s));
	else
		snprintf(buf, cap, "s:%s", sio_socket_id(s));
}

static int connection_mw(sio_socket *s, const char **message, const char **data_json, void *user)
{
	srv_limits *l = user;
	if (!l->connections ||
	    srv_ratelimit_hit(l->connections, client_ip(s), uv_now(l->loop)) == SRV_RL_OK)
		return 0;
	refuse(l, s, SRV_LIMIT_CONNECTIONS, true);
	*message = "Too many connection attempts";
	*data_json = "{\"code\":\"RATE_LIMIT_EXCEEDED\"}";
	return -1;
}

static const sub_limit *sub_of(const srv_limits *l, const char *event)
{
	for (size_t i = 0; i < l->nsubs; i++) {
		const srv_join_event *je = l->subs[i].je;
		if (l->subs[i].rl &&
		    (!strcmp(je->join, event) || (je->leave && !strcmp(je->leave, event))))
			return &l->subs[i];
	}
	return NULL;
}

static int event_filter(sio_socket *s, const char *event, const sio_args *args, void *user)
{
	(void)args;
	srv_limits *l = user;
	char key[512];
	uint64_t now = uv_now(l->loop);
	if (l->events) {
		key_of(s, true, key, sizeof(key));
		if (srv_ratelimit_hit(l->events, key, now) != SRV_RL_OK) {
			refuse(l, s, SRV_LIMIT_EVENTS, true);
			return -1;
		}
	}
	const sub_limit *sub = sub_of(l, event);
	if (sub) {
		key_of(s, false, key, sizeof(key));
		if (srv_ratelimit_hit(sub->rl, key, now) != SRV_RL_OK) {
			refuse(l, s, SRV_LIMIT_SUBSCRIBE, true);
			return -1;
		}
	}
	return 0;
}

int srv_limits_connection(srv_limits *l, const char *ip)
{
	if (!l->connections ||
	    srv_ratelimit_hit(l->connections, ip ? ip : "", uv_now(l->loop)) == SRV_RL_OK)
		return 0;
	refuse(l, NULL, SRV_LIMIT_CONNECTIONS, false);
	return -1;
}

int srv_limits_message(srv_limits *l, sio_socket *s)
{
	char key[512];
	if (!l->events)
		return 0;
	key_of(s, true, key, sizeof(key));
	if (srv_ratelimit_hit(l->events, key, uv_now(l->loop)) == SRV_RL_OK)
		return 0;
	refuse(l, s, SRV_LIMIT_EVENTS, false);
	return -1;
}

int srv_limits_plain_subscribe(srv_limits *l, sio_socket *s, const char *path)
{
	char key[512];
	if (!l->plain_subs)
		return 0;
	/* one counter per endpoint, as one per join event for Socket.IO
	 * clients: the path keeps a user's counters of two endpoints apart
	 * (its first 100 bytes: endpoints alike up to there would share one) */
	int n = snprintf(key, sizeof(key), "%.100s|", path);
	key_of(s, false, key + n, sizeof(key) - (size_t)n);
	if (srv_ratelimit_hit(l->plain_subs, key, uv_now(l->loop)) == SRV_RL_OK)
		return 0;
	refuse(l, s, SRV_LIMIT_SUBSCRIBE, false);
	return -1;
}

int srv_limits_install(srv_limits *l, sio_namespace *nsp)
{
	if (l->connections && sio_use(nsp, connection_mw, l))
		return -1;
	bool any_sub = false;
	for (size_t i = 0; i < l->nsubs; i++)
		any_sub |= l->subs[i].rl != NULL;
	if ((l->events || any_sub) && sio_namespace_use_events(nsp, event_filter, l))
		return -1;
	return 0;
}

void srv_limits_admission(const srv_config *cfg, eio_options *o)
{
	const srv_config_admission *a = &cfg->admission;
	o->max_pending_handshakes = (unsigned)a->max_pending_handshakes;
	o->max_sessions_per_address = (unsigned)a->max_connections_per_address;
	o->retry_after_s = (unsigned)a->retry_after_seconds;
	o->trusted_proxies = a->trusted_proxies ? a->trusted_proxies
	                     : cfg->trust_proxy ? "127.0.0.0/8,::1"
	                                        : NULL;
}
