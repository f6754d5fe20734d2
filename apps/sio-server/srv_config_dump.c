/* srv_config_dump.c - the effective configuration as JSON (srv_config_dump.h).
 *
 * The keys are the configuration file's (docs/sio-server.md), the values
 * the ones in force after the defaults, the file, the environment and the
 * flags (srv_config.h's precedence), so an operator sees what the server
 * would run with, secrets masked. Room rules and other lists are written
 * with their main settings: enough to see which rule is there and what it
 * matches.
 */
#include "srv_config_dump.h"

#include "srv_config_hooks.h"
#include "srv_ns.h"
#include "srv_plainws.h"

#include <string.h>

#define MASK "***"

static void key(base_jsonw *w, const char *k)
{
	base_jsonw_key(w, k, strlen(k));
}

static void str(base_jsonw *w, const char *k, const char *v)
{
	key(w, k);
	if (v)
		base_jsonw_str(w, v, strlen(v));
	else
		base_jsonw_null(w);
}

static void secret(base_jsonw *w, const char *k, const char *v, bool reveal)
{
	str(w, k, v && !reveal ? MASK : v);
}

static void num(base_jsonw *w, const char *k, long v)
{
	key(w, k);
	base_jsonw_int64(w, v);
}

static void flag(base_jsonw *w, const char *k, bool v)
{
	key(w, k);
	base_jsonw_bool(w, v);
}

static void strv(base_jsonw *w, const char *k, const srv_strv *v, bool mask)
{
	key(w, k);
	base_jsonw_array_begin(w);
	for (size_t i = 0; i < v->n; i++)
		base_jsonw_str(w, mask ? MASK : v->v[i], strlen(mask ? MASK : v->v[i]));
	base_jsonw_array_end(w);
}

static void kvv(base_jsonw *w, const char *k, const srv_kvv *v)
{
	key(w, k);
	base_jsonw_object_begin(w);
	for (size_t i = 0; i < v->n; i++)
		str(w, v->v[i].key, v->v[i].value);
	base_jsonw_object_end(w);
}

static void reply(base_jsonw *w, const char *k, const srv_reply *r)
{
	key(w, k);
	base_jsonw_object_begin(w);
	str(w, "event", r->event);
	str(w, "code", r->code);
	str(w, "message", r->message);
	str(w, "valueKey", r->value_key);
	base_jsonw_object_end(w);
}

static void cors(base_jsonw *w, const srv_config_cors *c)
{
	key(w, "cors");
	base_jsonw_object_begin(w);
	if (c->any_origin) {
		str(w, "origins", "*");
	} else {
		strv(w, "origins", &c->origins, false);
	}
	flag(w, "credentials", c->credentials);
	flag(w, "developmentLocalhost", c->development_localhost);
	flag(w, "localhostAllowed", c->allow_localhost);
	base_jsonw_object_end(w);
}

static void auth(base_jsonw *w, const srv_config_auth *a, bool reveal)
{
	static const char *const sources[] = { "", "auth", "header", "query" };
	key(w, "auth");
	base_jsonw_object_begin(w);
	flag(w, "enabled", a->enabled);
	flag(w, "required", a->required);
	str(w, "algorithm", a->enabled ? srv_jwt_alg_name(a->algorithm) : NULL);
	secret(w, "secret", a->secret, reveal);
	str(w, "secretEnv", a->secret_env);
	str(w, "publicKeyFile", a->public_key_file);
	if (reveal)
		str(w, "publicKey", a->public_key);
	num(w, "leewaySeconds", a->leeway_seconds);
	flag(w, "requireExp", a->require_exp);
	str(w, "userIdClaim", a->user_id_claim);
	str(w, "roleClaim", a->role_claim);
	key(w, "tokenSources");
	base_jsonw_array_begin(w);
	for (size_t i = 0; i < a->ntoken_sources; i++) {
		const char *s = sources[a->token_sources[i] <= 3 ? a->token_sources[i] : 0];
		base_jsonw_str(w, s, strlen(s));
	}
	base_jsonw_array_end(w);
	str(w, "refreshEvent", a->refresh_event);
	str(w, "issuer", a->issuer);
	str(w, "audience", a->audience);
	str(w, "jwksUrl", a->jwks_url);
	num(w, "jwksRefreshMs", a->jwks_refresh_ms);
	base_jsonw_object_end(w);
}

static void api(base_jsonw *w, const srv_config *c, bool reveal)
{
	key(w, "api");
	base_jsonw_object_begin(w);
	flag(w, "enabled", c->api.enabled);
	str(w, "prefix", c->api.prefix);
	strv(w, "aliases", &c->api.aliases, false);
	strv(w, "apiKeys", &c->api.api_keys, !reveal);
	str(w, "adminRole", c->api.admin_role);
	str(w, "userRoom", c->api.user_room);
	base_jsonw_object_end(w);
	key(w, "metrics");
	base_jsonw_object_begin(w);
	flag(w, "enabled", c->metrics.enabled);
	str(w, "path", c->metrics.path);
	flag(w, "requireApiKey", c->metrics.require_api_key);
	base_jsonw_object_end(w);
}

static void limits(base_jsonw *w, const srv_config_limits *l)
{
	key(w, "limits");
	base_jsonw_object_begin(w);
	num(w, "eventsPerMinute", l->events_per_minute);
	num(w, "connectionsPerMinutePerIp", l->connections_per_minute_per_ip);
	num(w, "maxRoomsPerSocket", l->max_rooms_per_socket);
	num(w, "maxRoomNameLength", l->max_room_name_length);
	num(w, "subscribeEventsPerMinute", l->subscribe_events_per_minute);
	reply(w, "exceeded", &l->exceeded);
	base_jsonw_object_end(w);
}

/* "admission" and "timeouts" (docs/sio-server.md). */
static void admission(base_jsonw *w, const srv_config *c)
{
	key(w, "admission");
	base_jsonw_object_begin(w);
	num(w, "maxPendingHandshakes", c->admission.max_pending_handshakes);
	num(w, "maxConnectionsPerAddress", c->admission.max_connections_per_address);
	num(w, "retryAfterSeconds", c->admission.retry_after_seconds);
	str(w, "trustedProxies", c->admission.trusted_proxies);
	base_jsonw_object_end(w);
	key(w, "timeouts");
	base_jsonw_object_begin(w);
	num(w, "headerMs", c->timeouts.header_ms);
	num(w, "bodyMs", c->timeouts.body_ms);
	num(w, "keepAliveMs", c->timeouts.keep_alive_ms);
	base_jsonw_object_end(w);
}

/* "connectionStateRecovery" (docs/sio-server.md), its effective values. */
static void recovery(base_jsonw *w, const srv_config *c)
{
	key(w, "connectionStateRecovery");
	base_jsonw_object_begin(w);
	flag(w, "enabled", c->recovery.enabled);
	num(w, "maxDisconnectionDuration", c->recovery.max_disconnection_ms);
	flag(w, "skipMiddlewares", c->recovery.skip_middlewares);
	num(w, "maxPackets", c->recovery.max_packets);
	num(w, "maxBytes", c->recovery.max_bytes);
	num(w, "maxAge", c->recovery.max_age_ms);
	base_jsonw_object_end(w);
}

static void rooms(base_jsonw *w, const srv_config_rooms *r)
{
	key(w, "rooms");
	base_jsonw_object_begin(w);
	key(w, "auto");
	base_jsonw_array_begin(w);
	for (size_t i = 0; i < r->nautos; i++) {
		base_jsonw_object_begin(w);
		str(w, "room", r->autos[i].room);
		kvv(w, "ifClaim", &r->autos[i].if_claim);
		base_jsonw_object_end(w);
	}
	base_jsonw_array_end(w);
	key(w, "fromQuery");
	base_jsonw_array_begin(w);
	for (size_t i = 0; i < r->nqueries; i++) {
		const srv_query_room *q = &r->queries[i];
		base_jsonw_object_begin(w);
		str(w, "param", q->param);
		str(w, "pattern", q->pattern);
		str(w, "room", q->room);
		kvv(w, "special", &q->special);
		reply(w, "invalid", &q->invalid);
		base_jsonw_object_end(w);
	}
	base_jsonw_array_end(w);
	key(w, "joinEvents");
	base_jsonw_array_begin(w);
	for (size_t i = 0; i < r->njoins; i++) {
		const srv_join_event *j = &r->joins[i];
		base_jsonw_object_begin(w);
		str(w, "join", j->join);
		str(w, "leave", j->leave);
		str(w, "room", j->room);
		str(w, "idField", j->id_field);
		str(w, "idPattern", j->id_pattern);
		str(w, "authorize",
		    j->authorize == SRV_AUTHZ_NONE             ? "none"
		    : j->authorize == SRV_AUTHZ_CLAIM_CONTAINS ? "claimContains"
		                                               : "role");
		str(w, "authorizeArg", j->authorize_arg);
		flag(w, "ack", j->ack);
		num(w, "rateLimitPerMinute", j->rate_limit_per_minute);
		reply(w, "denied", &j->denied);
		reply(w, "invalid", &j->invalid);
		base_jsonw_object_end(w);
	}
	base_jsonw_array_end(w);
	key(w, "fanIn");
	base_jsonw_array_begin(w);
	for (size_t i = 0; i < r->nfan_in; i++) {
		base_jsonw_object_begin(w);
		str(w, "rooms", r->fan_in[i].glob);
		strv(w, "alsoTo", &r->fan_in[i].rooms, false);
		base_jsonw_object_end(w);
	}
	base_jsonw_array_end(w);
	base_jsonw_object_end(w);
}

static void redis(base_jsonw *w, const srv_config_redis *r, bool reveal)
{
	key(w, "redis");
	if (!r->enabled) {
		base_jsonw_null(w);
		return;
	}
	char addr[600];
	srv_config_redis_address(r, addr, sizeof addr);
	base_jsonw_object_begin(w);
	str(w, "address", addr);
	str(w, "from", r->from);
	str(w, "username", r->username);
	secret(w, "password", r->password, reveal);
	str(w, "key", r->key);
	num(w, "requestsTimeoutMs", r->requests_timeout_ms);
	flag(w, "publishOnSpecificResponseChannel", r->publish_on_specific_response_channel);
	flag(w, "roomSubscriptions", r->room_subscriptions);
	num(w, "maxQueuedBytes", r->max_queued_bytes);
	base_jsonw_object_end(w);
}

/* The webhook URL without its query (which may carry a token), unless
 * reveal. */
static void hooks(base_jsonw *w, const srv_config_webhooks *h, bool reveal)
{
	key(w, "webhooks");
	if (!h) {
		base_jsonw_null(w);
		return;
	}
	base_jsonw_object_begin(w);
	key(w, "url");
	size_t n = reveal ? strlen(h->url) : strcspn(h->url, "?#");
	base_jsonw_str(w, h->url, n);
	secret(w, "secret", h->secret, reveal);
	str(w, "secretEnv", h->secret_env);
	num(w, "timeoutMs", h->timeout_ms);
	num(w, "maxConcurrent", h->max_concurrent);
	num(w, "maxQueued", h->max_queued);
	key(w, "events");
	base_jsonw_array_begin(w);
	for (size_t i = 0; i < h->nevents; i++)
		base_jsonw_str(w, h->events[i].event, strlen(h->events[i].event));
	base_jsonw_array_end(w);
	flag(w, "connect", h->connect);
	flag(w, "disconnect", h->disconnect);
	base_jsonw_object_end(w);
}

static void others(base_jsonw *w, const srv_config *c, bool reveal)
{
	key(w, "plainWebSockets");
	base_jsonw_array_begin(w);
	for (size_t i = 0; i < c->nplainws; i++) {
		base_jsonw_object_begin(w);
		str(w, "path", c->plainws[i].path);
		strv(w, "subprotocols", &c->plainws[i].subprotocols, false);
		num(w, "maxMessageBytes", c->plainws[i].max_message_bytes);
		base_jsonw_object_end(w);
	}
	base_jsonw_array_end(w);
	key(w, "ingest");
	base_jsonw_object_begin(w);
	key(w, "channels");
	base_jsonw_array_begin(w);
	for (size_t i = 0; i < c->ingest.nchannels; i++)
		base_jsonw_str(w, c->ingest.channels[i].name, strlen(c->ingest.channels[i].name));
	base_jsonw_array_end(w);
	key(w, "streams");
	base_jsonw_array_begin(w);
	for (size_t i = 0; i < c->ingest.nstreams; i++)
		base_jsonw_str(w, c->ingest.streams[i].name, strlen(c->ingest.streams[i].name));
	base_jsonw_array_end(w);
	str(w, "group", c->ingest.group);
	base_jsonw_object_end(w);
	key(w, "adminUi");
	base_jsonw_object_begin(w);
	flag(w, "enabled", c->admin.enabled);
	str(w, "auth", c->admin.basic_auth ? "basic" : NULL);
	str(w, "username", c->admin.username);
	secret(w, "password", c->admin.password_hash, reveal);
	str(w, "namespaceName", c->admin.namespace_name);
	str(w, "mode", c->admin.mode);
	flag(w, "readonly", c->admin.readonly);
	base_jsonw_object_end(w);
	key(w, "presence");
	if (c->presence.enabled) {
		base_jsonw_object_begin(w);
		str(w, "online", c->presence.online);
		str(w, "offline", c->presence.offline);
		str(w, "room", c->presence.room);
		base_jsonw_object_end(w);
	} else {
		base_jsonw_null(w);
	}
	key(w, "throttle");
	base_jsonw_array_begin(w);
	for (size_t i = 0; i < c->nthrottle; i++) {
		base_jsonw_object_begin(w);
		str(w, "rooms", c->throttle[i].rooms);
		num(w, "intervalMs", c->throttle[i].interval_ms);
		strv(w, "events", &c->throttle[i].events, false);
		base_jsonw_object_end(w);
	}
	base_jsonw_array_end(w);
	kvv(w, "replies", &c->replies);
	key(w, "relay");
	base_jsonw_array_begin(w);
	for (size_t i = 0; c->relay && i < c->relay->n; i++) {
		base_jsonw_object_begin(w);
		str(w, "event", c->relay->v[i].event);
		str(w, "emit", c->relay->v[i].emit);
		str(w, "room", c->relay->v[i].room);
		base_jsonw_object_end(w);
	}
	base_jsonw_array_end(w);
	key(w, "shutdown");
	base_jsonw_object_begin(w);
	str(w, "event", c->shutdown_event);
	num(w, "graceMs", c->shutdown_grace_ms);
	base_jsonw_object_end(w);
	reply(w, "tokenExpiry", &c->token_expiry);
	hooks(w, c->webhooks, reveal);
}

static void namespaces(base_jsonw *w, const srv_config *c)
{
	key(w, "namespaces");
	base_jsonw_object_begin(w);
	for (size_t i = 0; i < c->nnamespaces; i++) {
		const srv_ns_cfg *ns = &c->namespaces[i];
		key(w, ns->name);
		base_jsonw_object_begin(w);
		key(w, "auth");
		base_jsonw_object_begin(w);
		flag(w, "required", ns->auth_required);
		kvv(w, "ifClaim", &ns->if_claim);
		base_jsonw_object_end(w);
		limits(w, &ns->limits);
		rooms(w, &ns->rooms);
		kvv(w, "replies", &ns->replies);
		base_jsonw_object_end(w);
	}
	base_jsonw_object_end(w);
}

int srv_config_dump(const srv_config *c, base_jsonw *w, bool reveal)
{
	base_jsonw_object_begin(w);
	str(w, "config", c->config_path);
	num(w, "port", c->port);
	str(w, "host", c->host);
	str(w, "path", c->path);
	num(w, "pingInterval", c->ping_interval);
	num(w, "pingTimeout", c->ping_timeout);
	num(w, "maxHttpBufferSize", c->max_http_buffer_size);
	key(w, "transports");
	base_jsonw_array_begin(w);
	if (c->transport_polling)
		base_jsonw_str(w, "polling", 7);
	if (c->transport_websocket)
		base_jsonw_str(w, "websocket", 9);
	base_jsonw_array_end(w);
	flag(w, "trustProxy", c->trust_proxy);
	str(w, "parser", c->parser_msgpack ? "msgpack" : "default");
	flag(w, "allowEIO3", c->allow_eio3);
	cors(w, &c->cors);
	auth(w, &c->auth, reveal);
	api(w, c, reveal);
	limits(w, &c->limits);
	admission(w, c);
	recovery(w, c);
	rooms(w, &c->rooms);
	redis(w, &c->redis, reveal);
	others(w, c, reveal);
	namespaces(w, c);
	base_jsonw_object_end(w);
	return base_jsonw_error(w);
}
