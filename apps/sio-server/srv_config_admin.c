/* srv_config_admin.c - the "adminUi" section: the @socket.io/admin-ui
 * dashboard's server side (srv_admin.c), with node's instrument() options
 * under the same names, so a node server's call translates key for key:
 *
 *     instrument(io, { auth: { type: "basic", username: "admin",
 *                              password: "$2b$10$..." },
 *                      namespaceName: "/admin", mode: "production",
 *                      readonly: true, serverId: "eu-1" })
 *
 *     "adminUi": { "enabled": true,
 *                  "auth": { "type": "basic", "username": "admin",
 *                            "password": "$2b$10$..." },
 *                  "namespaceName": "/admin", "mode": "production",
 *                  "readonly": true, "serverId": "eu-1" }
 *
 * As in node, "auth" must be given when the dashboard is enabled: either the
 * basic credentials (the password as a bcrypt hash, never in clear) or false,
 * written out, to run without authentication. The hash's form is checked
 * here, as node's bcrypt.getRounds() does at instrument() time.
 */
#include "srv_config.h"

#include "base/json.h"

#include <stdlib.h>
#include <string.h>

/* "$2a$", "$2b$" or "$2y$", two cost digits (4 to 31), "$", then 53
 * characters of bcrypt's base64 (22 of salt, 31 of hash): 60 in all. */
static bool bcrypt_hash(const char *h)
{
	static const char b64[] =
	        "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

	if (strlen(h) != 60 || h[0] != '$' || h[1] != '2' || !strchr("aby", h[2]) || h[3] != '$' ||
	    h[4] < '0' || h[4] > '9' || h[5] < '0' || h[5] > '9' || h[6] != '$')
		return false;
	int cost = (h[4] - '0') * 10 + (h[5] - '0');
	if (cost < 4 || cost > 31)
		return false;
	for (size_t i = 7; i < 60; i++)
		if (!strchr(b64, h[i]))
			return false;
	return true;
}

static int parse_auth(srv_cfgp *p, int obj, srv_config *cfg)
{
	static const char *const keys[] = { "type", "username", "password", NULL };
	srv_config_admin *a = &cfg->admin;
	char *type = NULL;
	int t = base_json_type(p->doc, obj);

	if (t == BASE_JSON_FALSE) {
		a->basic_auth = false;
		return 0;
	}
	if (t != BASE_JSON_OBJECT)
		return srv_cfgp_fail(p,
		                     "expected false or {\"type\": \"basic\", \"username\", "
		                     "\"password\"}, got %s",
		                     srv_cfgp_type_name(t));
	if (srv_cfgp_object(p, obj, keys) || srv_cfgp_str(p, obj, "type", &type))
		return -1;
	bool basic = type && !strcmp(type, "basic");
	free(type);
	if (!basic)
		return srv_cfgp_fail_at(p, "type", "expected \"basic\"");
	if (srv_cfgp_str(p, obj, "username", &a->username) ||
	    srv_cfgp_str(p, obj, "password", &a->password_hash))
		return -1;
	if (!a->username)
		return srv_cfgp_fail_at(p, "username", "required");
	if (!a->password_hash)
		return srv_cfgp_fail_at(p, "password", "required (a bcrypt hash)");
	if (!bcrypt_hash(a->password_hash))
		return srv_cfgp_fail_at(p, "password",
		                        "expected a bcrypt hash ($2a$, $2b$ or $2y$, 60 "
		                        "characters), not the password itself");
	a->basic_auth = true;
	return 0;
}

int srv_cfgp_admin(srv_cfgp *p, int obj, srv_config *cfg)
{
	static const char *const keys[] = { "enabled",  "auth", "namespaceName", "mode", "readonly",
		                            "serverId", NULL };
	srv_config_admin *a = &cfg->admin;
	size_t old;
	int v;

	if (srv_cfgp_object(p, obj, keys) || srv_cfgp_bool(p, obj, "enabled", &a->enabled) ||
	    srv_cfgp_bool(p, obj, "readonly", &a->readonly) ||
	    srv_cfgp_str(p, obj, "namespaceName", &a->namespace_name) ||
	    srv_cfgp_str(p, obj, "mode", &a->mode) ||
	    srv_cfgp_str(p, obj, "serverId", &a->server_id))
		return -1;
	if (a->namespace_name && (a->namespace_name[0] != '/' || !strcmp(a->namespace_name, "/") ||
	                          strlen(a->namespace_name) > 128))
		return srv_cfgp_fail_at(
		        p, "namespaceName",
		        "expected a namespace other than \"/\" (\"/admin\"), got \"%s\"",
		        a->namespace_name);
	if (a->mode && strcmp(a->mode, "development") && strcmp(a->mode, "production"))
		return srv_cfgp_fail_at(p, "mode",
		                        "expected \"development\" or \"production\", got \"%s\"",
		                        a->mode);
	if ((v = srv_cfgp_enter(p, obj, "auth", &old)) >= 0) {
		if (parse_auth(p, v, cfg))
			return -1;
		srv_cfgp_pop(p, old);
	} else if (a->enabled) {
		return srv_cfgp_fail_at(
		        p, "auth",
		        "required: {\"type\": \"basic\", \"username\", \"password\"} "
		        "or false (no authentication)");
	}
	if (!a->namespace_name && srv_set_str(&a->namespace_name, "/admin"))
		return srv_cfgp_fail(p, "out of memory");
	return 0;
}

void srv_config_admin_free(srv_config *cfg)
{
	srv_config_admin *a = &cfg->admin;

	free(a->username);
	free(a->password_hash);
	free(a->namespace_name);
	free(a->mode);
	free(a->server_id);
}
