/* srv_config_hooks.c - the "webhooks" and "relay" sections of the
 * configuration (see srv_config_hooks.h), on the JSON walk of
 * srv_config_json.c: unknown keys, types and ranges are errors naming their
 * key path; event names reserved by socket.io are refused (a client cannot
 * send them, so a hook on one could never run); relay room templates are
 * checked for placeholders here, before the server listens.
 *
 * The webhook secret: "secret" in the file, or the environment variable
 * named by "secretEnv" (default WEBHOOK_SECRET), the environment winning as
 * everywhere in the configuration. A webhooks section without a secret is
 * an error: the backend must be able to tell the server's requests from
 * anyone else's. The URL likewise: "url", or the variable named by
 * "urlEnv" (default WEBHOOK_URL), so one example configuration serves
 * every deployment's backend address.
 */
#define _GNU_SOURCE
#include "srv_config_hooks.h"

#include "base/err.h"
#include "base/json.h"
#include "socketio.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_SECRET_ENV "WEBHOOK_SECRET"
#define DEFAULT_URL_ENV    "WEBHOOK_URL"
#define MAX_EVENT_NAME     128 /* a metrics label value (srv_webhook_metrics.h) */

/* ---- templates ------------------------------------------------------------------- */

int srv_relay_template_check(const char *tmpl, const char **why)
{
	for (const char *p = tmpl; *p;) {
		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			p += 2;
			continue;
		}
		if (*p == '}') {
			*why = "unmatched '}' (write \"}}\" for a brace)";
			return -1;
		}
		if (*p != '{') {
			p++;
			continue;
		}
		const char *end = strchr(p, '}');
		if (!end) {
			*why = "unclosed '{'";
			return -1;
		}
		if (end == p + 1 || memchr(p + 1, '{', (size_t)(end - p - 1))) {
			*why = "empty or invalid placeholder";
			return -1;
		}
		if (end - p - 1 == 7 && !strncmp(p + 1, "claims.", 7)) {
			*why = "{claims.} needs a claim name";
			return -1;
		}
		p = end + 1;
	}
	return 0;
}

/* ---- webhooks -------------------------------------------------------------------- */

static bool url_ok(const char *u)
{
	return (!strncmp(u, "http://", 7) && u[7]) || (!strncmp(u, "https://", 8) && u[8]);
}

/* A reserved name (connect, disconnect, ...) never arrives as an event. */
static int check_event_name(srv_cfgp *p, const char *name)
{
	if (!*name)
		return srv_cfgp_fail(p, "empty event name");
	if (strlen(name) > MAX_EVENT_NAME)
		return srv_cfgp_fail(p, "event name longer than %d bytes", MAX_EVENT_NAME);
	if (sio_event_reserved(name, strlen(name)))
		return srv_cfgp_fail(p, "reserved by socket.io");
	return 0;
}

static int parse_event(srv_cfgp *p, int tok, srv_hook_event *e)
{
	static const char *const keys[] = { "ack", "timeoutMs", NULL };
	e->ack = true;
	return srv_cfgp_object(p, tok, keys) || srv_cfgp_bool(p, tok, "ack", &e->ack) ||
	                       srv_cfgp_long(p, tok, "timeoutMs", &e->timeout_ms, 1,
	                                     SRV_CONFIG_MAX_MS)
	               ? -1
	               : 0;
}

static int parse_events(srv_cfgp *p, int tok, srv_config_webhooks *w)
{
	base_json_iter it;
	int val, k;
	if (srv_cfgp_object(p, tok, NULL))
		return -1;
	base_json_iter_init(p->doc, tok, &it);
	while ((val = base_json_iter_next(p->doc, &it, &k)) >= 0) {
		srv_hook_event *nv = realloc(w->events, (w->nevents + 1) * sizeof(*nv));
		if (!nv)
			return srv_cfgp_fail(p, "out of memory");
		w->events = nv;
		srv_hook_event *e = &nv[w->nevents++];
		memset(e, 0, sizeof(*e));
		size_t n, old;
		if (base_json_str_dup(p->doc, k, &e->event, &n))
			return srv_cfgp_fail(p, "out of memory");
		old = srv_cfgp_push(p, e->event);
		if (strlen(e->event) != n)
			return srv_cfgp_fail(p, "contains a NUL byte");
		if (check_event_name(p, e->event))
			return -1;
		for (size_t i = 0; i + 1 < w->nevents; i++)
			if (!strcmp(w->events[i].event, e->event))
				return srv_cfgp_fail(p, "duplicate event");
		/* true: the defaults */
		if (base_json_type(p->doc, val) == BASE_JSON_TRUE)
			e->ack = true;
		else if (parse_event(p, val, e))
			return -1;
		srv_cfgp_pop(p, old);
	}
	return 0;
}

/* "connect": true or {timeoutMs, onError: "refuse" | "accept"}. */
static int parse_connect(srv_cfgp *p, int tok, srv_config_webhooks *w)
{
	static const char *const keys[] = { "timeoutMs", "onError", NULL };
	int t = base_json_type(p->doc, tok);
	if (t == BASE_JSON_TRUE || t == BASE_JSON_FALSE) {
		w->connect = t == BASE_JSON_TRUE;
		return 0;
	}
	char *on = NULL;
	if (srv_cfgp_object(p, tok, keys) ||
	    srv_cfgp_long(p, tok, "timeoutMs", &w->connect_timeout_ms, 1, SRV_CONFIG_MAX_MS) ||
	    srv_cfgp_str(p, tok, "onError", &on))
		return -1;
	w->connect = true;
	int rc = 0;
	if (on && strcmp(on, "refuse") && strcmp(on, "accept"))
		rc = srv_cfgp_fail_at(p, "onError", "expected \"refuse\" or \"accept\", got \"%s\"",
		                      on);
	w->connect_fail_open = on && !strcmp(on, "accept");
	free(on);
	return rc;
}

/* "disconnect": true or {timeoutMs, retries, backoffMs}. */
static int parse_disconnect(srv_cfgp *p, int tok, srv_config_webhooks *w)
{
	static const char *const keys[] = { "timeoutMs", "retries", "backoffMs", NULL };
	int t = base_json_type(p->doc, tok);
	if (t == BASE_JSON_TRUE || t == BASE_JSON_FALSE) {
		w->disconnect = t == BASE_JSON_TRUE;
		return 0;
	}
	w->disconnect = true;
	return srv_cfgp_object(p, tok, keys) ||
	                       srv_cfgp_long(p, tok, "timeoutMs", &w->disconnect_timeout_ms, 1,
	                                     SRV_CONFIG_MAX_MS) ||
	                       srv_cfgp_long(p, tok, "retries", &w->disconnect_retries, 0, 10) ||
	                       srv_cfgp_long(p, tok, "backoffMs", &w->disconnect_backoff_ms, 1,
	                                     600000)
	               ? -1
	               : 0;
}

static int parse_breaker(srv_cfgp *p, int tok, srv_config_webhooks *w)
{
	static const char *const keys[] = { "failures", "cooldownMs", NULL };
	return srv_cfgp_object(p, tok, keys) ||
	                       srv_cfgp_long(p, tok, "failures", &w->breaker_failures, 1,
	                                     1000000) ||
	                       srv_cfgp_long(p, tok, "cooldownMs", &w->breaker_cooldown_ms, 1,
	                                     SRV_CONFIG_MAX_MS)
	               ? -1
	               : 0;
}

/* The value under key, parsed by fn with the key on the path. */
static int sub(srv_cfgp *p, int obj, const char *key,
               int (*fn)(srv_cfgp *, int, srv_config_webhooks *), srv_config_webhooks *w)
{
	size_t old;
	int v = srv_cfgp_enter(p, obj, key, &old);
	if (v < 0)
		return 0;
	if (fn(p, v, w))
		return -1;
	srv_cfgp_pop(p, old);
	return 0;
}

int srv_cfgp_webhooks(srv_cfgp *p, int tok, srv_config *cfg)
{
	static const char *const keys[] = { "url",       "urlEnv",           "secret",
		                            "secretEnv", "timeoutMs",        "maxConcurrent",
		                            "maxQueued", "maxResponseBytes", "circuitBreaker",
		                            "events",    "connect",          "disconnect",
		                            NULL };
	srv_config_webhooks *w = calloc(1, sizeof(*w));
	if (!w)
		return srv_cfgp_fail(p, "out of memory");
	cfg->webhooks = w;
	w->timeout_ms = 5000;
	w->max_concurrent = 16;
	w->max_queued = 1000;
	w->max_response_bytes = 1048576;
	w->breaker_failures = 5;
	w->breaker_cooldown_ms = 10000;
	w->disconnect_retries = 3;
	w->disconnect_backoff_ms = 500;
	if (srv_cfgp_object(p, tok, keys) || srv_cfgp_str(p, tok, "url", &w->url) ||
	    srv_cfgp_str(p, tok, "urlEnv", &w->url_env) ||
	    srv_cfgp_str(p, tok, "secret", &w->secret) ||
	    srv_cfgp_str(p, tok, "secretEnv", &w->secret_env) ||
	    srv_cfgp_long(p, tok, "timeoutMs", &w->timeout_ms, 1, SRV_CONFIG_MAX_MS) ||
	    srv_cfgp_long(p, tok, "maxConcurrent", &w->max_concurrent, 1, 10000) ||
	    srv_cfgp_long(p, tok, "maxQueued", &w->max_queued, 0, 1000000) ||
	    srv_cfgp_long(p, tok, "maxResponseBytes", &w->max_response_bytes, 2, 1L << 30) ||
	    sub(p, tok, "circuitBreaker", parse_breaker, w) ||
	    sub(p, tok, "events", parse_events, w) || sub(p, tok, "connect", parse_connect, w) ||
	    sub(p, tok, "disconnect", parse_disconnect, w))
		return -1;
	if (w->url && !url_ok(w->url))
		return srv_cfgp_fail_at(p, "url", "expected an http:// or https:// URL, got \"%s\"",
		                        w->url);
	if (!w->url_env && srv_set_str(&w->url_env, DEFAULT_URL_ENV))
		return srv_cfgp_fail(p, "out of memory");
	if (w->secret && !*w->secret)
		return srv_cfgp_fail_at(p, "secret", "is empty");
	if (!w->secret_env && srv_set_str(&w->secret_env, DEFAULT_SECRET_ENV))
		return srv_cfgp_fail(p, "out of memory");
	return 0;
}

/* ---- relay ------------------------------------------------------------------------ */

static int parse_rule(srv_cfgp *p, int tok, void *elem)
{
	srv_relay_rule *r = elem;
	static const char *const keys[] = { "event",         "emit",   "room",
		                            "exceptSender",  "enrich", "rateLimitPerMinute",
		                            "requireMember", NULL };
	size_t old;
	const char *why;
	r->except_sender = true;
	r->require_member = true;
	if (srv_cfgp_object(p, tok, keys) || srv_cfgp_str(p, tok, "event", &r->event) ||
	    srv_cfgp_str(p, tok, "emit", &r->emit) || srv_cfgp_str(p, tok, "room", &r->room) ||
	    srv_cfgp_bool(p, tok, "exceptSender", &r->except_sender) ||
	    srv_cfgp_bool(p, tok, "requireMember", &r->require_member) ||
	    srv_cfgp_long(p, tok, "rateLimitPerMinute", &r->rate_limit_per_minute, 0, 1000000))
		return -1;
	if (!r->event)
		return srv_cfgp_fail_at(p, "event", "required");
	old = srv_cfgp_push(p, "event");
	if (check_event_name(p, r->event))
		return -1;
	srv_cfgp_pop(p, old);
	if (r->emit) {
		old = srv_cfgp_push(p, "emit");
		if (check_event_name(p, r->emit))
			return -1;
		srv_cfgp_pop(p, old);
	}
	if (!r->room)
		return srv_cfgp_fail_at(p, "room", "required (a room template)");
	if (srv_relay_template_check(r->room, &why))
		return srv_cfgp_fail_at(p, "room", "%s in \"%s\"", why, r->room);
	int e = srv_cfgp_enter(p, tok, "enrich", &old);
	if (e < 0)
		return 0;
	base_json_iter it;
	int val, k;
	if (srv_cfgp_object(p, e, NULL))
		return -1;
	base_json_iter_init(p->doc, e, &it);
	while ((val = base_json_iter_next(p->doc, &it, &k)) >= 0) {
		srv_kv *nv = realloc(r->enrich.v, (r->enrich.n + 1) * sizeof(*nv));
		if (!nv)
			return srv_cfgp_fail(p, "out of memory");
		r->enrich.v = nv;
		srv_kv *kv = &nv[r->enrich.n++];
		memset(kv, 0, sizeof(*kv));
		size_t n;
		if (base_json_str_dup(p->doc, k, &kv->key, &n))
			return srv_cfgp_fail(p, "out of memory");
		size_t o2 = srv_cfgp_push(p, kv->key);
		if (!n || strlen(kv->key) != n)
			return srv_cfgp_fail(p, "empty or invalid field name");
		if (base_json_type(p->doc, val) != BASE_JSON_STRING)
			return srv_cfgp_fail(p, "expected a string template, got %s",
			                     srv_cfgp_type_name(base_json_type(p->doc, val)));
		if (base_json_str_dup(p->doc, val, &kv->value, &n))
			return srv_cfgp_fail(p, "out of memory");
		if (strlen(kv->value) != n || srv_relay_template_check(kv->value, &why))
			return srv_cfgp_fail(p, "%s",
			                     strlen(kv->value) != n ? "contains a NUL byte" : why);
		srv_cfgp_pop(p, o2);
	}
	srv_cfgp_pop(p, old);
	return 0;
}

int srv_cfgp_relay(srv_cfgp *p, int tok, srv_config *cfg)
{
	if (srv_cfgp_expect(p, tok, BASE_JSON_ARRAY))
		return -1;
	srv_config_relay *rl = calloc(1, sizeof(*rl));
	if (!rl)
		return srv_cfgp_fail(p, "out of memory");
	cfg->relay = rl;
	return srv_cfgp_list(p, tok, (void **)&rl->v, &rl->n, sizeof *rl->v, parse_rule);
}

/* ---- environment, free ------------------------------------------------------------ */

/* true when name is a webhook event or a relay rule's event. */
static bool hooked(const srv_config *cfg, const char *name)
{
	for (size_t k = 0; cfg->webhooks && k < cfg->webhooks->nevents; k++)
		if (!strcmp(name, cfg->webhooks->events[k].event))
			return true;
	for (size_t i = 0; cfg->relay && i < cfg->relay->n; i++)
		if (!strcmp(name, cfg->relay->v[i].event))
			return true;
	return false;
}

/* One handler answers a client event: a relayed event is not a webhook too,
 * nor is the token refresh event (each would answer its ack). */
static int check_overlap(const srv_config *cfg, char *err, size_t errlen)
{
	const srv_config_webhooks *w = cfg->webhooks;
	const srv_config_relay *rl = cfg->relay;
	const char *re = cfg->auth.refresh_event;
	if (re && (!*re || sio_event_reserved(re, strlen(re))))
		return base_errf(err, errlen, "config: \"auth.refreshEvent\": %s",
		                 *re ? "reserved by socket.io" : "empty event name");
	if (re && hooked(cfg, re))
		return base_errf(err, errlen,
		                 "config: \"auth.refreshEvent\": \"%s\" is also a webhook or "
		                 "relay event",
		                 re);
	for (size_t i = 0; w && rl && i < rl->n; i++)
		for (size_t k = 0; k < w->nevents; k++)
			if (!strcmp(rl->v[i].event, w->events[k].event))
				return base_errf(
				        err, errlen,
				        "config: \"relay[%zu].event\": \"%s\" is also a webhook "
				        "event (webhooks.events)",
				        i, rl->v[i].event);
	return 0;
}

/* The non-empty value of the environment variable name into *out (which
 * it replaces); nothing when unset. 0, or -1 when memory runs out. */
static int env_value(char *const *envp, const char *name, char **out)
{
	size_t n = strlen(name);
	for (; envp && *envp; envp++)
		if (!strncmp(*envp, name, n) && (*envp)[n] == '=' && (*envp)[n + 1])
			return srv_set_str(out, *envp + n + 1);
	return 0;
}

int srv_config_hooks_env(srv_config *cfg, char *const *envp, char *err, size_t errlen)
{
	srv_config_webhooks *w = cfg->webhooks;
	if (check_overlap(cfg, err, errlen))
		return -1;
	if (!w)
		return 0;
	if (env_value(envp, w->secret_env, &w->secret) || env_value(envp, w->url_env, &w->url))
		return base_errf(err, errlen, "config: out of memory");
	if (!w->url)
		return base_errf(err, errlen,
		                 "config: \"webhooks.url\": required: set it or the %s "
		                 "environment variable (the backend's http(s):// URL)",
		                 w->url_env);
	if (!url_ok(w->url))
		return base_errf(err, errlen, "%s: expected an http:// or https:// URL, got \"%s\"",
		                 w->url_env, w->url);
	if (!w->secret)
		return base_errf(err, errlen,
		                 "config: \"webhooks.secret\": required: set it or the %s "
		                 "environment variable (requests to the backend are signed)",
		                 w->secret_env);
	return 0;
}

void srv_config_hooks_free(srv_config *cfg)
{
	srv_config_webhooks *w = cfg->webhooks;
	if (w) {
		free(w->url);
		free(w->url_env);
		free(w->secret);
		free(w->secret_env);
		for (size_t i = 0; i < w->nevents; i++)
			free(w->events[i].event);
		free(w->events);
		free(w);
		cfg->webhooks = NULL;
	}
	srv_config_relay *rl = cfg->relay;
	if (rl) {
		for (size_t i = 0; i < rl->n; i++) {
			srv_relay_rule *r = &rl->v[i];
			free(r->event);
			free(r->emit);
			free(r->room);
			srv_kvv_free(&r->enrich);
		}
		free(rl->v);
		free(rl);
		cfg->relay = NULL;
	}
}
