/* srv_config_plainws.c - the "plainWebSockets" section of sio-server's
 * configuration: plain WebSocket endpoints declared, not coded
 * (srv_plainws.h; docs/sio-server.md, "Plain WebSocket endpoints").
 *
 *   "plainWebSockets": [{
 *     "path": "/ws",
 *     "subprotocols": ["job-updates"],
 *     "greeting": {"type": "CONNECTED", "message": "Connected to job updates"},
 *     "typeField": "type",
 *     "messages": [
 *       {"type": "SUBSCRIBE", "action": "join", "idField": "tenantId",
 *        "room": "tenant:{tenantId}", "idPattern": "[A-Za-z0-9_-]{1,64}",
 *        "authorize": "none", "reply": {...}},
 *       {"type": "UNSUBSCRIBE", "action": "leave", "idField": "tenantId",
 *        "room": "tenant:{tenantId}"}],
 *     "errors": {"invalidFormat": {...}, "parseError": {...},
 *                "denied": {...}, "roomLimit": {...}, "rateLimited": {...}},
 *     "events": {"typeField": "type", "dataField": "data"},
 *     "auth": {"queryParam": "token", "subprotocol": true},
 *     "pingIntervalMs": 25000, "idleTimeoutMs": 20000,
 *     "maxMessageBytes": 65536, "maxQueuedBytes": 1048576
 *   }]
 *
 * Checked now, as the rest of the file is: unknown keys, types, ranges, the
 * room template (its placeholders: {<idField>}, {userId}, {claims.NAME}),
 * the id pattern (compiled, anchored), the authorization, the JSON of the
 * greeting, replies and errors (kept as compact text, sent as is), the
 * path (one a WebSocket can be mounted on, not the Socket.IO path), the
 * subprotocol names (tokens the net layer can answer).
 */
#define _GNU_SOURCE
#include "base/json.h"
#include "srv_plainws.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char default_invalid[] = "{\"type\":\"ERROR\",\"message\":\"Invalid message format\"}";
static const char default_parse[] = "{\"type\":\"ERROR\",\"message\":\"Failed to parse\"}";
static const char default_denied[] = "{\"type\":\"ERROR\",\"message\":\"Access denied\"}";
static const char default_limit[] = "{\"type\":\"ERROR\",\"message\":\"Room limit exceeded\"}";
static const char default_rate[] = "{\"type\":\"ERROR\",\"message\":\"Rate limit exceeded\"}";

/* JSON text without the whitespace between tokens (JSON.stringify's form:
 * what a client of the service got). */
static char *compact(const char *raw, size_t n)
{
	char *out = malloc(n + 1), *o = out;
	bool in_str = false;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char ch = raw[i];
		if (in_str) {
			*o++ = ch;
			if (ch == '\\' && i + 1 < n)
				*o++ = raw[++i];
			else if (ch == '"')
				in_str = false;
		} else if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') {
			*o++ = ch;
			in_str = ch == '"';
		}
	}
	*o = '\0';
	return out;
}

/* A JSON object under key, kept as its compact text (NULL when absent). */
static int json_object(srv_cfgp *p, int obj, const char *key, char **out)
{
	size_t old, n;
	int v = srv_cfgp_enter(p, obj, key, &old);
	if (v < 0)
		return 0;
	if (srv_cfgp_expect(p, v, BASE_JSON_OBJECT))
		return -1;
	const char *raw = base_json_raw(p->doc, v, &n);
	free(*out);
	if (!(*out = compact(raw, n)))
		return srv_cfgp_fail(p, "out of memory");
	srv_cfgp_pop(p, old);
	return 0;
}

static int set_default(srv_cfgp *p, char **dst, const char *def)
{
	if (!*dst && !(*dst = strdup(def)))
		return srv_cfgp_fail(p, "out of memory");
	return 0;
}

/* "tenant:{tenantId}" with idField "tenantId" -> "tenant:{id}", the form
 * srv_room_expand() fills; {id} itself is kept. */
static int rewrite_template(srv_cfgp *p, srv_join_event *r)
{
	char ph[80];
	int n = snprintf(ph, sizeof(ph), "{%s}", r->id_field);
	if (n < 0 || (size_t)n >= sizeof(ph))
		return srv_cfgp_fail_at(p, "idField", "too long");
	char *out = malloc(strlen(r->room) * 4 + 8), *o = out;
	if (!out)
		return srv_cfgp_fail(p, "out of memory");
	for (const char *s = r->room; *s;) {
		if ((s[0] == '{' && s[1] == '{') || (s[0] == '}' && s[1] == '}')) {
			*o++ = *s++;
			*o++ = *s++;
		} else if (strncmp(s, ph, (size_t)n) == 0) {
			memcpy(o, "{id}", 4);
			o += 4;
			s += n;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	free(r->room);
	r->room = out;
	return srv_cfgp_template(p, "room", out, "id");
}

static int parse_msg(srv_cfgp *p, int tok, srv_plain_msg *m)
{
	static const char *const keys[] = { "type",      "action",    "idField", "room",
		                            "idPattern", "authorize", "reply",   NULL };
	char *action = NULL;
	if (srv_cfgp_object(p, tok, keys) || srv_cfgp_str(p, tok, "type", &m->type) ||
	    srv_cfgp_str(p, tok, "action", &action))
		goto fail;
	if (!m->type) {
		srv_cfgp_fail_at(p, "type", "required");
		goto fail;
	}
	if (!action || (strcmp(action, "join") && strcmp(action, "leave"))) {
		srv_cfgp_fail_at(p, "action", "expected \"join\" or \"leave\"%s%s%s",
		                 action ? ", got \"" : "", action ? action : "",
		                 action ? "\"" : "");
		goto fail;
	}
	m->action = strcmp(action, "join") == 0 ? SRV_PLAIN_JOIN : SRV_PLAIN_LEAVE;
	free(action);
	action = NULL;
	srv_join_event *r = &m->rule;
	if (srv_cfgp_str(p, tok, "idField", &r->id_field) || srv_cfgp_str(p, tok, "room", &r->room))
		return -1;
	if (!r->id_field || !*r->id_field)
		return srv_cfgp_fail_at(p, "idField", "required");
	if (!r->room)
		return srv_cfgp_fail_at(p, "room", "required");
	if (rewrite_template(p, r) ||
	    srv_cfgp_regex(p, tok, "idPattern", &r->id_pattern, &r->id_re))
		return -1;
	/* A leave needs no authorization (srv_rooms.c): "authorize" is
	 * required for a join only. */
	if (m->action == SRV_PLAIN_JOIN || base_json_obj_get(p->doc, tok, "authorize") >= 0) {
		if (srv_cfgp_authorize(p, tok, r))
			return -1;
	} else {
		r->authorize = SRV_AUTHZ_NONE;
	}
	return json_object(p, tok, "reply", &m->reply);
fail:
	free(action);
	return -1;
}

static int parse_messages(srv_cfgp *p, int obj, srv_plainws_cfg *c)
{
	size_t old;
	int v = srv_cfgp_enter(p, obj, "messages", &old);
	if (v < 0)
		return srv_cfgp_fail_at(p, "messages", "required");
	if (srv_cfgp_expect(p, v, BASE_JSON_ARRAY))
		return -1;
	size_t n = (size_t)base_json_size(p->doc, v);
	if (n == 0)
		return srv_cfgp_fail(p, "needs at least one message shape");
	if (!(c->msgs = calloc(n, sizeof(*c->msgs))))
		return srv_cfgp_fail(p, "out of memory");
	base_json_iter it;
	base_json_iter_init(p->doc, v, &it);
	int e;
	for (size_t i = 0; (e = base_json_iter_next(p->doc, &it, NULL)) >= 0; i++) {
		size_t o = srv_cfgp_index(p, i);
		c->nmsgs = i + 1;
		if (parse_msg(p, e, &c->msgs[i]))
			return -1;
		for (size_t k = 0; k < i; k++)
			if (strcmp(c->msgs[k].type, c->msgs[i].type) == 0)
				return srv_cfgp_fail_at(p, "type", "\"%s\" is already a shape",
				                        c->msgs[i].type);
		srv_cfgp_pop(p, o);
	}
	srv_cfgp_pop(p, old);
	return 0;
}

static int parse_errors(srv_cfgp *p, int obj, srv_plainws_cfg *c)
{
	static const char *const keys[] = { "invalidFormat", "parseError",  "denied",
		                            "roomLimit",     "rateLimited", NULL };
	size_t old;
	int v = srv_cfgp_enter(p, obj, "errors", &old);
	if (v >= 0) {
		if (srv_cfgp_object(p, v, keys) ||
		    json_object(p, v, "invalidFormat", &c->errors.invalid_format) ||
		    json_object(p, v, "parseError", &c->errors.parse_error) ||
		    json_object(p, v, "denied", &c->errors.denied) ||
		    json_object(p, v, "roomLimit", &c->errors.room_limit) ||
		    json_object(p, v, "rateLimited", &c->errors.rate_limited))
			return -1;
		srv_cfgp_pop(p, old);
	}
	return set_default(p, &c->errors.invalid_format, default_invalid) ||
	       set_default(p, &c->errors.parse_error, default_parse) ||
	       set_default(p, &c->errors.denied, default_denied) ||
	       set_default(p, &c->errors.room_limit, default_limit) ||
	       set_default(p, &c->errors.rate_limited, default_rate);
}

static int parse_events(srv_cfgp *p, int obj, srv_plainws_cfg *c)
{
	static const char *const keys[] = { "typeField", "dataField", NULL };
	size_t old;
	int v = srv_cfgp_enter(p, obj, "events", &old);
	if (v >= 0) {
		if (srv_cfgp_object(p, v, keys) ||
		    srv_cfgp_str(p, v, "typeField", &c->event_type_field) ||
		    srv_cfgp_str(p, v, "dataField", &c->event_data_field))
			return -1;
		srv_cfgp_pop(p, old);
	}
	if (!c->event_type_field && !(c->event_type_field = strdup("type")))
		return srv_cfgp_fail(p, "out of memory");
	if (!*c->event_type_field)
		return srv_cfgp_fail_at(p, "events", "\"typeField\" may not be empty");
	return 0;
}

static int parse_auth(srv_cfgp *p, int obj, srv_plainws_cfg *c)
{
	static const char *const keys[] = { "queryParam", "subprotocol", NULL };
	size_t old;
	int v = srv_cfgp_enter(p, obj, "auth", &old);
	if (v >= 0) {
		if (srv_cfgp_object(p, v, keys) ||
		    srv_cfgp_str(p, v, "queryParam", &c->token_query) ||
		    srv_cfgp_bool(p, v, "subprotocol", &c->token_subprotocol))
			return -1;
		srv_cfgp_pop(p, old);
	}
	return 0;
}

static int parse_path(srv_cfgp *p, int obj, const srv_config *cfg, srv_plainws_cfg *c)
{
	if (srv_cfgp_str(p, obj, "path", &c->path))
		return -1;
	if (!c->path)
		return srv_cfgp_fail_at(p, "path", "required");
	size_t n = strlen(c->path);
	if (c->path[0] != '/' || n < 2 || c->path[n - 1] == '/' || strpbrk(c->path, "?# \t"))
		return srv_cfgp_fail_at(p, "path",
		                        "expected a path such as \"/ws\" (no trailing '/', "
		                        "query or space), got \"%s\"",
		                        c->path);
	/* The Socket.IO path is a prefix: under it the plain path would never
	 * be reached. */
	if (cfg->path && strncmp(c->path, cfg->path, strlen(cfg->path) - 1) == 0)
		return srv_cfgp_fail_at(p, "path", "\"%s\" is under the Socket.IO path \"%s\"",
		                        c->path, cfg->path);
	/* The endpoint is mounted on its path as a prefix (net_router.c): it
	 * would take the requests of the API or the metrics under it. */
	const char *other[] = { cfg->api.prefix, cfg->metrics.path };
	for (size_t i = 0; i < 2; i++)
		if (other[i] && strncmp(other[i], c->path, n) == 0)
			return srv_cfgp_fail_at(p, "path",
			                        "\"%s\" would take the requests of \"%s\"", c->path,
			                        other[i]);
	return 0;
}

static int parse_subprotocols(srv_cfgp *p, int obj, srv_plainws_cfg *c)
{
	if (srv_cfgp_strv(p, obj, "subprotocols", &c->subprotocols))
		return -1;
	if (c->subprotocols.n > 4)
		return srv_cfgp_fail_at(p, "subprotocols", "at most 4 names");
	for (size_t i = 0; i < c->subprotocols.n; i++) {
		const char *s = c->subprotocols.v[i];
		size_t n = strlen(s);
		bool ascii = true;
		for (size_t k = 0; k < n; k++)
			ascii &= (unsigned char)s[k] > 32 && (unsigned char)s[k] < 127;
		/* An RFC 7230 token, as the net layer answers one (net_subproto.c). */
		if (n == 0 || n > 63 || !ascii || strcspn(s, "()<>@,;:\\\"/[]?={} \t") != n)
			return srv_cfgp_fail_at(p, "subprotocols",
			                        "\"%s\" is not a token of 1 to 63 characters", s);
	}
	return 0;
}

static int parse_endpoint(srv_cfgp *p, int tok, const srv_config *cfg, srv_plainws_cfg *c)
{
	static const char *const keys[] = { "path",
		                            "subprotocols",
		                            "greeting",
		                            "typeField",
		                            "messages",
		                            "errors",
		                            "events",
		                            "auth",
		                            "pingIntervalMs",
		                            "idleTimeoutMs",
		                            "maxMessageBytes",
		                            "maxQueuedBytes",
		                            NULL };
	c->ping_interval_ms = 25000;
	c->idle_timeout_ms = 20000;
	c->max_message_bytes = 65536;
	c->max_queued_bytes = 1L << 20;
	if (srv_cfgp_object(p, tok, keys) || parse_path(p, tok, cfg, c) ||
	    parse_subprotocols(p, tok, c) || json_object(p, tok, "greeting", &c->greeting) ||
	    srv_cfgp_str(p, tok, "typeField", &c->type_field) || parse_messages(p, tok, c) ||
	    parse_errors(p, tok, c) || parse_events(p, tok, c) || parse_auth(p, tok, c) ||
	    srv_cfgp_long(p, tok, "pingIntervalMs", &c->ping_interval_ms, 1, SRV_CONFIG_MAX_MS) ||
	    srv_cfgp_long(p, tok, "idleTimeoutMs", &c->idle_timeout_ms, 1, SRV_CONFIG_MAX_MS) ||
	    srv_cfgp_long(p, tok, "maxMessageBytes", &c->max_message_bytes, 16, 1L << 24) ||
	    srv_cfgp_long(p, tok, "maxQueuedBytes", &c->max_queued_bytes, 1024, 1L << 30))
		return -1;
	if (!c->type_field && !(c->type_field = strdup("type")))
		return srv_cfgp_fail(p, "out of memory");
	if (c->token_subprotocol && c->subprotocols.n == 0)
		return srv_cfgp_fail_at(p, "auth",
		                        "\"subprotocol\": true needs \"subprotocols\" (the name "
		                        "the token follows)");
	return 0;
}

int srv_cfgp_plainws(srv_cfgp *p, int tok, srv_config *cfg)
{
	if (srv_cfgp_expect(p, tok, BASE_JSON_ARRAY))
		return -1;
	size_t n = (size_t)base_json_size(p->doc, tok);
	srv_plainws_cfg_free(cfg);
	if (n == 0)
		return 0;
	if (!(cfg->plainws = calloc(n, sizeof(*cfg->plainws))))
		return srv_cfgp_fail(p, "out of memory");
	base_json_iter it;
	base_json_iter_init(p->doc, tok, &it);
	int e;
	for (size_t i = 0; (e = base_json_iter_next(p->doc, &it, NULL)) >= 0; i++) {
		size_t o = srv_cfgp_index(p, i);
		cfg->nplainws = i + 1;
		if (parse_endpoint(p, e, cfg, &cfg->plainws[i]))
			return -1;
		for (size_t k = 0; k < i; k++)
			if (strcmp(cfg->plainws[k].path, cfg->plainws[i].path) == 0)
				return srv_cfgp_fail_at(p, "path", "\"%s\" is already an endpoint",
				                        cfg->plainws[i].path);
		srv_cfgp_pop(p, o);
	}
	return 0;
}

void srv_plainws_cfg_free(srv_config *cfg)
{
	for (size_t i = 0; i < cfg->nplainws; i++) {
		srv_plainws_cfg *c = &cfg->plainws[i];
		for (size_t k = 0; k < c->nmsgs; k++) {
			srv_plain_msg *m = &c->msgs[k];
			free(m->type);
			free(m->reply);
			free(m->rule.room);
			free(m->rule.id_field);
			if (m->rule.id_pattern)
				regfree(&m->rule.id_re);
			free(m->rule.id_pattern);
			free(m->rule.authorize_arg);
		}
		free(c->msgs);
		free(c->path);
		srv_strv_free(&c->subprotocols);
		free(c->greeting);
		free(c->type_field);
		free(c->errors.invalid_format);
		free(c->errors.parse_error);
		free(c->errors.denied);
		free(c->errors.room_limit);
		free(c->errors.rate_limited);
		free(c->event_type_field);
		free(c->event_data_field);
		free(c->token_query);
	}
	free(cfg->plainws);
	cfg->plainws = NULL;
	cfg->nplainws = 0;
}
