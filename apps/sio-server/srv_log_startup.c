/* srv_log_startup.c - the startup summary (srv_log_startup.h): one info line
 * saying what this instance does, so an operator reading the log of a
 * deployment sees whether auth, the API, CORS, Redis, webhooks, plain
 * WebSocket endpoints, the ingest and the admin dashboard are on, without
 * reading its configuration file. No secret is in it: the API keys are
 * counted, the Redis address is written without its credentials
 * (srv_config_redis_address), the webhook URL without its query.
 */
#include "srv_log_startup.h"

#include "srv_config_hooks.h"
#include "srv_log.h"
#include "srv_ns.h"
#include "srv_plainws.h"

#include <stdio.h>
#include <string.h>

/* "a,b,c" of n strings into out, cut at cap. */
static void join(char *out, size_t cap, char *const *v, size_t n, const char *extra)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n + (extra ? 1 : 0) && o + 1 < cap; i++) {
		const char *s = i < n ? v[i] : extra;
		int w = snprintf(out + o, cap - o, "%s%s", o ? "," : "", s);
		if (w < 0)
			break;
		o += (size_t)w < cap - o ? (size_t)w : cap - o - 1;
	}
}

/* The webhook URL up to its query or fragment (a token there stays out). */
static void hook_url(const srv_config *cfg, char *out, size_t cap)
{
	if (!cfg->webhooks || !cfg->webhooks->url) {
		snprintf(out, cap, "off");
		return;
	}
	const char *u = cfg->webhooks->url;
	size_t n = strcspn(u, "?#");
	const char *at = memchr(u, '@', n);
	const char *scheme = strstr(u, "://");
	if (at && scheme && scheme < at) /* user:password@ left out */
		snprintf(out, cap, "%.*s***%.*s", (int)(scheme + 3 - u), u,
		         (int)(n - (size_t)(at - u)), at);
	else
		snprintf(out, cap, "%.*s", (int)n, u);
}

void srv_log_startup(const srv_config *cfg, const char *address, int port, const char *redis,
                     const char *ingest)
{
	char transports[32], cors[1024], plain[512], hooks[512], auth[16];
	snprintf(transports, sizeof transports, "%s%s%s", cfg->transport_polling ? "polling" : "",
	         cfg->transport_polling && cfg->transport_websocket ? "," : "",
	         cfg->transport_websocket ? "websocket" : "");
	if (cfg->cors.any_origin)
		snprintf(cors, sizeof cors, "*");
	else
		join(cors, sizeof cors, cfg->cors.origins.v, cfg->cors.origins.n, NULL);
	char *paths[32];
	size_t np = 0;
	for (size_t i = 0; i < cfg->nplainws && np < 32; i++)
		paths[np++] = cfg->plainws[i].path;
	join(plain, sizeof plain, paths, np, NULL);
	char nsps[512];
	char *names[32];
	size_t nn = 0;
	for (size_t i = 0; i < cfg->nnamespaces && nn < 32; i++)
		names[nn++] = cfg->namespaces[i].name;
	join(nsps, sizeof nsps, names, nn, NULL);
	hook_url(cfg, hooks, sizeof hooks);
	snprintf(auth, sizeof auth, "%s",
	         !cfg->auth.enabled   ? "off"
	         : cfg->auth.required ? "required"
	                              : "optional");
	srv_log(SRV_LOG_INFO, "startup", SRV_LS("version", SRV_VERSION), SRV_LS("address", address),
	        SRV_LN("port", port), SRV_LS("path", cfg->path), SRV_LS("transports", transports),
	        SRV_LS("parser", cfg->parser_msgpack ? "msgpack" : "default"), SRV_LS("auth", auth),
	        SRV_LS("algorithm",
	               cfg->auth.enabled ? srv_jwt_alg_name(cfg->auth.algorithm) : NULL),
	        SRV_LS("jwks", cfg->auth.jwks_url ? "on" : NULL),
	        SRV_LS("api", cfg->api.enabled ? "on" : "off"),
	        SRV_LN("apiKeys", cfg->api.api_keys.n), SRV_LS("corsOrigins", cors),
	        SRV_LR("development", cfg->cors.allow_localhost ? "true" : "false"),
	        SRV_LN("eventsPerMinute", cfg->limits.events_per_minute),
	        SRV_LN("connectionsPerMinutePerIp", cfg->limits.connections_per_minute_per_ip),
	        SRV_LN("maxRoomsPerSocket", cfg->limits.max_rooms_per_socket),
	        SRV_LN("maxHttpBufferSize", cfg->max_http_buffer_size), SRV_LS("redis", redis),
	        SRV_LS("webhooks", hooks), SRV_LS("plainWebSockets", np ? plain : "off"),
	        SRV_LS("ingest", ingest ? ingest : "off"), SRV_LS("namespaces", nn ? nsps : NULL),
	        SRV_LS("adminUi", cfg->admin.enabled ? cfg->admin.namespace_name : "off"),
	        SRV_LS("config", cfg->config_path));
}
