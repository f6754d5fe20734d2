/* srv_config_ns.c - the "namespaces" section (srv_ns.h):
 *
 *   "namespaces": {
 *     "/chat": {
 *       "auth": { "required": true, "ifClaim": { "role": "member" } },
 *       "limits": { "eventsPerMinute": 30 },
 *       "rooms": { "joinEvents": [ ... ] },
 *       "replies": { "ping": "pong" }
 *     }
 *   }
 *
 * Names are exact (node's io.of("/chat")): they start with '/', "/" itself is
 * the top level's, and the admin dashboard's namespace is its own. Each
 * section is read by the same parser as the top level's (srv_cfgp_limits,
 * srv_cfgp_rooms, srv_cfgp_replies) into a scratch srv_config, then moved
 * into the namespace; limits start from the top level's values, so a
 * namespace sets only what differs.
 */
#include "srv_ns.h"

#include "base/err.h"
#include "base/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Move the parsed parts of t into ns. */
static void take(srv_ns_cfg *ns, srv_config *t)
{
	ns->limits = t->limits;
	ns->rooms = t->rooms;
	ns->replies = t->replies;
	memset(&t->limits.exceeded, 0, sizeof t->limits.exceeded);
	memset(&t->rooms, 0, sizeof t->rooms);
	memset(&t->replies, 0, sizeof t->replies);
}

static int parse_auth(srv_cfgp *p, int tok, srv_ns_cfg *ns)
{
	static const char *const keys[] = { "required", "ifClaim", NULL };
	if (srv_cfgp_object(p, tok, keys) || srv_cfgp_bool(p, tok, "required", &ns->auth_required))
		return -1;
	size_t old;
	int ic = srv_cfgp_enter(p, tok, "ifClaim", &old);
	if (ic < 0)
		return 0;
	if (srv_cfgp_object(p, ic, NULL))
		return -1;
	base_json_iter it;
	int k, v;
	base_json_iter_init(p->doc, ic, &it);
	while ((v = base_json_iter_next(p->doc, &it, &k)) >= 0) {
		char *name = NULL, *value = NULL;
		size_t n;
		if (base_json_str_dup(p->doc, k, &name, &n))
			return srv_cfgp_fail(p, "out of memory");
		if (base_json_type(p->doc, v) != BASE_JSON_STRING) {
			int rc = srv_cfgp_fail_at(p, name, "expected a string");
			free(name);
			return rc;
		}
		if (base_json_str_dup(p->doc, v, &value, &n)) {
			free(name);
			return srv_cfgp_fail(p, "out of memory");
		}
		srv_kv *nv = realloc(ns->if_claim.v, (ns->if_claim.n + 1) * sizeof *nv);
		if (!nv) {
			free(name);
			free(value);
			return srv_cfgp_fail(p, "out of memory");
		}
		ns->if_claim.v = nv;
		nv[ns->if_claim.n++] = (srv_kv){ name, value };
	}
	srv_cfgp_pop(p, old);
	return 0;
}

static int parse_one(srv_cfgp *p, int tok, const srv_config *cfg, srv_ns_cfg *ns)
{
	static const char *const keys[] = { "auth", "limits", "rooms", "replies", NULL };
	srv_config t;
	memset(&t, 0, sizeof t);
	t.limits = cfg->limits;
	memset(&t.limits.exceeded, 0, sizeof t.limits.exceeded);
	ns->auth_required = cfg->auth.required;
	int rc = srv_cfgp_object(p, tok, keys);
	size_t old;
	int v;
	if (!rc && srv_reply_set(&t.limits.exceeded, cfg->limits.exceeded.event,
	                         cfg->limits.exceeded.code, cfg->limits.exceeded.message))
		rc = srv_cfgp_fail(p, "out of memory");
	if (!rc && cfg->limits.exceeded.value_key &&
	    srv_set_str(&t.limits.exceeded.value_key, cfg->limits.exceeded.value_key))
		rc = srv_cfgp_fail(p, "out of memory");
	if (!rc && (v = srv_cfgp_enter(p, tok, "auth", &old)) >= 0) {
		rc = parse_auth(p, v, ns);
		if (!rc)
			srv_cfgp_pop(p, old);
	}
	if (!rc && (v = srv_cfgp_enter(p, tok, "limits", &old)) >= 0) {
		rc = srv_cfgp_limits(p, v, &t);
		if (!rc)
			srv_cfgp_pop(p, old);
	}
	if (!rc && (v = srv_cfgp_enter(p, tok, "rooms", &old)) >= 0) {
		rc = srv_cfgp_rooms(p, v, &t);
		if (!rc)
			srv_cfgp_pop(p, old);
	}
	if (!rc && (v = srv_cfgp_enter(p, tok, "replies", &old)) >= 0) {
		rc = srv_cfgp_replies(p, v, &t);
		if (!rc)
			srv_cfgp_pop(p, old);
	}
	take(ns, &t); /* parsed or half-parsed: freed with the namespace */
	return rc;
}

bool srv_ns_cfg_matches(const srv_ns_cfg *nc, const char *name)
{
	regmatch_t m;
	return nc->dynamic && regexec(&nc->re, name, 1, &m, 0) == 0 && m.rm_so == 0 &&
	       name[m.rm_eo] == '\0';
}

/* A key starting with '^' is a POSIX extended regular expression that a
 * whole namespace name must match (node's io.of(/^\/tenant-\d+$/)). */
static const char *compile(srv_ns_cfg *ns)
{
	static char why[160];
	int rc = regcomp(&ns->re, ns->name, REG_EXTENDED);
	if (rc) {
		char e[120];
		regerror(rc, &ns->re, e, sizeof e);
		snprintf(why, sizeof why, "invalid regular expression: %s", e);
		return why;
	}
	ns->dynamic = true;
	return NULL;
}

static const char *bad_name(const srv_config *cfg, const char *name)
{
	if (name[0] != '/' || !name[1])
		return name[0] != '/' ? "a namespace starts with '/'"
		                      : "\"/\" is configured at the top level";
	if (strlen(name) > 200)
		return "longer than 200 bytes";
	if (cfg->admin.enabled && cfg->admin.namespace_name &&
	    !strcmp(cfg->admin.namespace_name, name))
		return "is the admin dashboard's namespace (adminUi.namespaceName)";
	return NULL;
}

int srv_cfgp_namespaces(srv_cfgp *p, int tok, srv_config *cfg)
{
	if (srv_cfgp_object(p, tok, NULL))
		return -1;
	base_json_iter it;
	int k, v;
	base_json_iter_init(p->doc, tok, &it);
	while ((v = base_json_iter_next(p->doc, &it, &k)) >= 0) {
		srv_ns_cfg *nv = realloc(cfg->namespaces, (cfg->nnamespaces + 1) * sizeof *nv);
		if (!nv)
			return srv_cfgp_fail(p, "out of memory");
		cfg->namespaces = nv;
		srv_ns_cfg *ns = &nv[cfg->nnamespaces++];
		memset(ns, 0, sizeof *ns);
		size_t n;
		if (base_json_str_dup(p->doc, k, &ns->name, &n))
			return srv_cfgp_fail(p, "out of memory");
		if (strlen(ns->name) != n)
			return srv_cfgp_fail_at(p, "", "a namespace name contains a NUL byte");
		const char *why = ns->name[0] == '^' ? compile(ns) : bad_name(cfg, ns->name);
		if (why)
			return srv_cfgp_fail_at(p, ns->name, "%s", why);
		size_t old = srv_cfgp_push(p, ns->name);
		if (parse_one(p, v, cfg, ns))
			return -1;
		srv_cfgp_pop(p, old);
	}
	return 0;
}

int srv_config_ns_check(const srv_config *cfg, char *err, size_t errlen)
{
	for (size_t i = 0; i < cfg->nnamespaces; i++) {
		const srv_ns_cfg *ns = &cfg->namespaces[i];
		if ((ns->auth_required || ns->if_claim.n) && !cfg->auth.enabled)
			return base_errf(err, errlen,
			                 "config: \"namespaces.%s.auth\": needs a JWT key (the top "
			                 "level's \"auth\" section)",
			                 ns->name);
	}
	return 0;
}

void srv_config_ns_free(srv_config *cfg)
{
	for (size_t i = 0; i < cfg->nnamespaces; i++) {
		srv_ns_cfg *ns = &cfg->namespaces[i];
		srv_config t;
		memset(&t, 0, sizeof t);
		t.rooms = ns->rooms;
		srv_config_rooms_free(&t);
		srv_reply_free(&ns->limits.exceeded);
		srv_kvv_free(&ns->replies);
		srv_kvv_free(&ns->if_claim);
		if (ns->dynamic)
			regfree(&ns->re);
		free(ns->name);
	}
	free(cfg->namespaces);
	cfg->namespaces = NULL;
	cfg->nnamespaces = 0;
}
