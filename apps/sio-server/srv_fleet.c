/* srv_fleet.c - the Redis adapter of sio-server (see srv_fleet.h): its
 * options from cfg->redis, its state for /health and the log, its counters
 * for /metrics.
 *
 * State changes are logged once each, on stderr, without credentials:
 *   sio-server: redis: connected to redis://10.0.0.5:6379
 *   sio-server: redis: not connected to redis://10.0.0.5:6379: cannot connect to
 *     redis at 10.0.0.5:6379: Connection refused
 *     (delivering to this member's clients only; reconnecting)
 * A Redis that stays away is logged once, not at every attempt of the
 * backoff. */
#include "srv_fleet.h"
#include "srv_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct srv_fleet {
	sio_redis *redis; /* NULL: the in-memory adapter */
	bool connected;
	bool reported; /* a state was logged */
	char reason[160];
	char address[300];
};

static void on_state(sio_redis *r, bool connected, const char *reason, void *user)
{
	srv_fleet *f = user;
	(void)r;
	bool change = !f->reported || connected != f->connected;
	f->connected = connected;
	f->reported = true;
	snprintf(f->reason, sizeof(f->reason), "%s",
	         connected ? "" : (reason && *reason ? reason : "connection lost"));
	if (!change)
		return;
	if (connected)
		srv_logf(SRV_LOG_INFO, "sio-server: redis: connected to %s", f->address);
	else
		srv_logf(SRV_LOG_WARN,
		         "sio-server: redis: not connected to %s: %s (delivering to this "
		         "member's clients only; reconnecting)",
		         f->address, f->reason);
}

void srv_fleet_redis_options(const srv_config *cfg, sio_redis_options *o)
{
	const srv_config_redis *c = &cfg->redis;
	sio_redis_options_init(o);
	o->host = c->unix_path ? NULL : c->host;
	o->port = c->port;
	o->unix_path = c->unix_path;
	o->username = c->username;
	o->password = c->password;
	o->db = (int)c->db;
	o->key = c->key;
	o->requests_timeout_ms = (unsigned)c->requests_timeout_ms;
	o->publish_on_specific_response_channel = c->publish_on_specific_response_channel;
	o->room_subscriptions = c->room_subscriptions;
	o->max_queued_bytes = (size_t)c->max_queued_bytes;
}

srv_fleet *srv_fleet_new(const srv_config *cfg, uv_loop_t *loop, char *err, size_t errlen)
{
	const srv_config_redis *c = &cfg->redis;
	srv_fleet *f = calloc(1, sizeof(*f));
	if (!f) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (!c->enabled)
		return f;
	srv_config_redis_address(c, f->address, sizeof(f->address));
	snprintf(f->reason, sizeof(f->reason), "connecting");
	sio_redis_options o;
	srv_fleet_redis_options(cfg, &o);
	if (!(f->redis = sio_redis_new(loop, &o, err, errlen))) {
		free(f);
		return NULL;
	}
	sio_redis_on_state(f->redis, on_state, f);
	return f;
}

int srv_fleet_attach(srv_fleet *f, sio_server *srv)
{
	return f->redis ? sio_redis_attach(f->redis, srv) : 0;
}

void srv_fleet_free(srv_fleet *f)
{
	if (!f)
		return;
	sio_redis_free(f->redis);
	free(f);
}

bool srv_fleet_redis(const srv_fleet *f)
{
	return f && f->redis;
}

const char *srv_fleet_address(const srv_fleet *f)
{
	return f && f->redis ? f->address : "";
}

bool srv_fleet_connected(const srv_fleet *f, const char **reason)
{
	if (!srv_fleet_redis(f) || f->connected)
		return true;
	*reason = f->reason;
	return false;
}

bool srv_fleet_stats(const srv_fleet *f, sio_redis_stats *out)
{
	if (!srv_fleet_redis(f))
		return false;
	sio_redis_get_stats(f->redis, out);
	return true;
}
