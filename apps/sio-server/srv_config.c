/* srv_config.c - load sio-server's configuration: defaults, file, env, flags.
 *
 * See srv_config.h for the precedence and the error format. This file is
 * the entry point: defaults, the file (parsed by srv_config_json.c and
 * srv_config_rooms.c), the environment variables the node servers read,
 * the flags, --help/--version, and the final check of the JWT setup (a
 * required auth needs a key; the key is checked by building a throwaway
 * verifier, so a bad PEM fails before listening, naming the file).
 *
 * Every failure path returns -1 after writing the message; srv_config_load
 * then frees the whole config, so partially filled structs are never leaked
 * and the parsers need no unwinding of their own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/json.h"
#include "srv_config.h"
#include "srv_plainws.h"

/* A secret (the HS256 secret, an API key) is wiped before its memory goes
 * back: sodium_memzero, which the compiler may not drop as it may a memset. */
static void free_secret(char *s)
{
	if (s)
		sodium_memzero(s, strlen(s));
	free(s);
}

extern char **environ;

#define MAX_CONFIG_FILE (1 << 20)

static const char help_text[] =
        "Usage: sio-server [--config FILE] [options]\n"
        "\n"
        "Socket.IO server configured by a JSON file (see docs/sio-server.md and\n"
        "apps/sio-server/examples/). Flags override environment variables, which\n"
        "override the file.\n"
        "\n"
        "  --config FILE               JSON configuration file\n"
        "  --port N                    listening port (PORT; default 3000)\n"
        "  --host ADDR                 the one address to listen on: IPv4, IPv6 or a\n"
        "                              name (HOST; default every interface)\n"
        "  --path PATH                 Socket.IO path (default /socket.io/)\n"
        "  --ping-interval MS          (WEBSOCKET_PING_INTERVAL; default 25000)\n"
        "  --ping-timeout MS           (WEBSOCKET_PING_TIMEOUT; default 20000)\n"
        "  --max-http-buffer-size N    (MAX_HTTP_BUFFER_SIZE; default 1000000)\n"
        "  --cors-origin LIST          comma-separated origins or *\n"
        "                              (WEBSOCKET_CORS_ORIGIN, WS_ALLOWED_ORIGINS)\n"
        "  --allow-eio3[=true|false]   also accept socket.io-client 2.x (Engine.IO v3)\n"
        "                              (WEBSOCKET_ALLOW_EIO3; default false)\n"
        "  -h, --help                  show this help\n"
        "  -V, --version               show the version\n"
        "\n"
        "Environment: JWT_ACCESS_SECRET (or auth.secretEnv), WEBSOCKET_API_KEY,\n"
        "NODE_ENV=development (with cors.developmentLocalhost).\n";

static const char version_text[] = "sio-server " SRV_VERSION "\n";

/* ---- settings shared by file, env and flags -------------------------------- */

/* Replace the origins with a comma-separated list ("*" alone = any). */
static int set_origins(srv_config *cfg, const char *list, const char *name, char *err,
                       size_t errlen)
{
	srv_strv nv = { NULL, 0 };
	const char *s = list;
	bool any = false;

	while (*s) {
		size_t n;
		const char *why;
		char *one;

		s += strspn(s, " \t,");
		if (!*s)
			break;
		n = strcspn(s, ",");
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (!(one = strndup(s, n)))
			goto oom;
		why = strcmp(one, "*") ? srv_cfg_bad_origin(one) : NULL;
		any |= !strcmp(one, "*");
		if (why) {
			base_errf(err, errlen, "%s: origin \"%s\" %s", name, one, why);
			free(one);
			srv_strv_free(&nv);
			return -1;
		}
		if (srv_strv_push(&nv, one, n)) {
			free(one);
			goto oom;
		}
		free(one);
		s += strcspn(s, ",");
	}
	if (any && nv.n > 1) {
		srv_strv_free(&nv);
		return base_errf(err, errlen, "%s: \"*\" must be the only origin", name);
	}
	srv_strv_free(&cfg->cors.origins);
	cfg->cors.any_origin = any;
	if (!any)
		cfg->cors.origins = nv;
	else
		srv_strv_free(&nv);
	return 0;
oom:
	srv_strv_free(&nv);
	return base_errf(err, errlen, "out of memory");
}

/* An integer in [min, max] written as a JSON number ("25000", "1e6"). */
static int parse_num(const char *s, long min, long max, long *out)
{
	base_json doc = BASE_JSON_INIT;
	int64_t x;
	int ok = base_json_parse(&doc, s, strlen(s)) == 0 &&
	         base_json_type(&doc, 0) == BASE_JSON_NUMBER && base_json_int64(&doc, 0, &x) == 0 &&
	         x >= min && x <= max;

	base_json_free(&doc);
	if (ok)
		*out = (long)x;
	return ok ? 0 : -1;
}

enum setting {
	S_PORT,
	S_HOST,
	S_PATH,
	S_PING_INTERVAL,
	S_PING_TIMEOUT,
	S_MAX_BUFFER,
	S_CORS,
	S_ALLOW_EIO3,
	S_CONFIG
};

static const struct {
	const char *flag;
	enum setting which;
} flags[] = {
	{ "--port", S_PORT },
	{ "--host", S_HOST },
	{ "--path", S_PATH },
	{ "--ping-interval", S_PING_INTERVAL },
	{ "--ping-timeout", S_PING_TIMEOUT },
	{ "--max-http-buffer-size", S_MAX_BUFFER },
	{ "--cors-origin", S_CORS },
	{ "--allow-eio3", S_ALLOW_EIO3 },
	{ "--config", S_CONFIG },
};

/* Apply one env or flag value; name ("PORT", "--port") heads any error. */
static int apply(srv_config *cfg, enum setting which, const char *v, const char *name, char *err,
                 size_t errlen)
{
	const char *why;
	long x, max;

	switch (which) {
	case S_PORT:
		if (parse_num(v, 1, 65535, &x))
			return base_errf(err, errlen, "%s: not a port number: \"%s\"", name, v);
		cfg->port = (int)x;
		return 0;
	case S_HOST:
		if (!*v || strpbrk(v, " \t/"))
			return base_errf(err, errlen, "%s: not a host address: \"%s\"", name, v);
		return srv_set_str(&cfg->host, v) ? base_errf(err, errlen, "out of memory") : 0;
	case S_PATH:
		if ((why = srv_cfg_bad_path(v)) != NULL)
			return base_errf(err, errlen, "%s: %s, got \"%s\"", name, why, v);
		return srv_cfg_set_path(cfg, v) ? base_errf(err, errlen, "out of memory") : 0;
	case S_PING_INTERVAL:
	case S_PING_TIMEOUT:
	case S_MAX_BUFFER:
		max = which == S_MAX_BUFFER ? 1L << 30 : SRV_CONFIG_MAX_MS;
		if (parse_num(v, 1, max, &x))
			return base_errf(err, errlen,
			                 "%s: expected an integer from 1 to %ld, got \"%s\"", name,
			                 max, v);
		*(which == S_PING_INTERVAL  ? &cfg->ping_interval
		  : which == S_PING_TIMEOUT ? &cfg->ping_timeout
		                            : &cfg->max_http_buffer_size) = x;
		return 0;
	case S_CORS:
		return set_origins(cfg, v, name, err, errlen);
	case S_ALLOW_EIO3:
		if (strcmp(v, "true") && strcmp(v, "false"))
			return base_errf(err, errlen, "%s: expected true or false, got \"%s\"",
			                 name, v);
		cfg->allow_eio3 = !strcmp(v, "true");
		return 0;
	case S_CONFIG:
		return 0;
	}
	return 0;
}

/* Read a whole file, NUL-terminated; errno on failure. */
static char *read_file(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0;

	if (!f)
		return NULL;
	if ((buf = malloc(max + 2)) != NULL)
		n = fread(buf, 1, max + 1, f);
	if (!buf || ferror(f) || n > max) {
		int e = !buf ? ENOMEM : ferror(f) ? EIO : EFBIG;

		free(buf);
		fclose(f);
		errno = e;
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* "invalid JSON at line L, column C" (the place base_json reports), with the
 * reason when it is not plain syntax; no place for a file too large or out
 * of memory. */
static int json_fail(const base_json *doc, int rc, const char *path, char *err, size_t errlen)
{
	size_t at = base_json_error_offset(doc), line, col;

	if (at == BASE_JSON_NOPOS)
		return base_errf(err, errlen, "config: \"%s\": invalid JSON: %s", path,
		                 base_json_strerror(rc));
	base_json_line_col(doc->js, doc->len, at, &line, &col);
	if (rc == BASE_JSON_ESYNTAX)
		return base_errf(err, errlen,
		                 "config: \"%s\": invalid JSON at line %zu, column %zu", path, line,
		                 col);
	return base_errf(err, errlen, "config: \"%s\": invalid JSON at line %zu, column %zu: %s",
	                 path, line, col, base_json_strerror(rc));
}

static int load_file(srv_config *cfg, const char *path, char *err, size_t errlen)
{
	base_json doc = BASE_JSON_INIT;
	srv_cfgp p;
	size_t len;
	char *js = read_file(path, MAX_CONFIG_FILE, &len);
	int rc;

	if (!js)
		return base_errf(err, errlen, "config: cannot read \"%s\": %s", path,
		                 strerror(errno));
	if ((rc = base_json_parse(&doc, js, len)) != 0) {
		json_fail(&doc, rc, path, err, errlen);
		base_json_free(&doc);
		free(js);
		return -1;
	}
	memset(&p, 0, sizeof p);
	p.doc = &doc;
	p.err = err;
	p.errlen = errlen;
	rc = srv_cfgp_root(&p, cfg);
	base_json_free(&doc);
	free(js);
	return rc;
}

/* ---- defaults, environment, flags ----------------------------------------- */

static int set_defaults(srv_config *cfg)
{
	srv_config_auth *a = &cfg->auth;

	memset(cfg, 0, sizeof *cfg);
	cfg->port = 3000;
	cfg->ping_interval = 25000;
	cfg->ping_timeout = 20000;
	cfg->max_http_buffer_size = 1000000;
	cfg->transport_polling = cfg->transport_websocket = true;
	a->algorithm = SRV_JWT_HS256;
	a->leeway_seconds = SRV_JWT_DEFAULT_LEEWAY;
	a->require_exp = true;
	a->token_sources[0] = SRV_TOKEN_AUTH;
	a->token_sources[1] = SRV_TOKEN_HEADER;
	a->token_sources[2] = SRV_TOKEN_QUERY;
	a->ntoken_sources = 3;
	cfg->api.enabled = cfg->metrics.enabled = true;
	cfg->limits.events_per_minute = 100;
	cfg->limits.connections_per_minute_per_ip = 60;
	cfg->limits.max_rooms_per_socket = 50;
	cfg->limits.max_room_name_length = 128;
	cfg->limits.subscribe_events_per_minute = 30;
	cfg->shutdown_grace_ms = 5000;
	cfg->admission.max_pending_handshakes = 1000;
	cfg->admission.max_connections_per_address = 1000;
	cfg->admission.retry_after_seconds = 5;
	cfg->timeouts.header_ms = 10000;
	cfg->timeouts.body_ms = 60000;
	cfg->timeouts.keep_alive_ms = 30000;
	return srv_set_str(&cfg->path, "/socket.io/") ||
	                       srv_set_str(&a->secret_env, "JWT_ACCESS_SECRET") ||
	                       srv_set_str(&a->user_id_claim, "sub") ||
	                       srv_set_str(&a->role_claim, "role") ||
	                       srv_set_str(&cfg->api.prefix, "/api/v1/websocket") ||
	                       srv_strv_push(&cfg->api.aliases, "/api/websocket", 14) ||
	                       srv_set_str(&cfg->api.admin_role, "admin") ||
	                       srv_set_str(&cfg->api.user_room, "user:{userId}") ||
	                       srv_set_str(&cfg->metrics.path, "/metrics") ||
	                       srv_reply_set(&cfg->limits.exceeded, "error", "RATE_LIMIT_EXCEEDED",
	                                     "Rate limit exceeded") ||
	                       srv_set_str(&cfg->shutdown_event, "server_shutdown") ||
	                       srv_reply_set(&cfg->token_expiry, "auth-expired", NULL,
	                                     "Authentication token expired")
	               ? -1
	               : 0;
}

/* The value of name in envp, or NULL; an empty value counts as unset. */
static const char *env_get(char *const *envp, const char *name)
{
	size_t n = strlen(name);

	for (; envp && *envp; envp++)
		if (!strncmp(*envp, name, n) && (*envp)[n] == '=')
			return (*envp)[n + 1] ? *envp + n + 1 : NULL;
	return NULL;
}

static int load_env(srv_config *cfg, char *const *envp, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		enum setting which;
	} vars[] = {
		{ "PORT", S_PORT },
		{ "HOST", S_HOST },
		{ "WEBSOCKET_PING_INTERVAL", S_PING_INTERVAL },
		{ "WEBSOCKET_PING_TIMEOUT", S_PING_TIMEOUT },
		{ "MAX_HTTP_BUFFER_SIZE", S_MAX_BUFFER },
		{ "WS_ALLOWED_ORIGINS", S_CORS }, /* the first wins: applied last */
		{ "WEBSOCKET_CORS_ORIGIN", S_CORS },
		{ "WEBSOCKET_ALLOW_EIO3", S_ALLOW_EIO3 },
	};
	const char *v, *node_env = env_get(envp, "NODE_ENV");

	for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
		if ((v = env_get(envp, vars[i].name)) != NULL &&
		    apply(cfg, vars[i].which, v, vars[i].name, err, errlen))
			return -1;
	if ((v = env_get(envp, "WEBSOCKET_API_KEY")) != NULL) {
		for (const char *s = v; *s; s += strcspn(s, ",")) {
			size_t n;

			s += strspn(s, " ,");
			n = strcspn(s, ", ");
			if (n && srv_strv_push(&cfg->api.api_keys, s, n))
				return base_errf(err, errlen, "out of memory");
			s += n;
		}
	}
	if ((v = env_get(envp, cfg->auth.secret_env)) != NULL && srv_set_str(&cfg->auth.secret, v))
		return base_errf(err, errlen, "out of memory");
	cfg->cors.allow_localhost =
	        cfg->cors.development_localhost && node_env && !strcmp(node_env, "development");
	return 0;
}

/* Split argv into (setting, value) pairs; --help/--version answer at once. */
struct flagv {
	enum setting which;
	const char *name, *value;
};

static int scan_argv(srv_config *cfg, int argc, char **argv, struct flagv *fv, int *nfv, char *err,
                     size_t errlen)
{
	*nfv = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		size_t n = eq && !strncmp(a, "--", 2) ? (size_t)(eq - a) : strlen(a);
		size_t k;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			cfg->info = help_text;
			return SRV_CONFIG_INFO;
		}
		if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
			cfg->info = version_text;
			return SRV_CONFIG_INFO;
		}
		for (k = 0; k < sizeof flags / sizeof *flags; k++)
			if (strlen(flags[k].flag) == n && !strncmp(a, flags[k].flag, n))
				break;
		if (k == sizeof flags / sizeof *flags)
			return a[0] == '-'
			               ? base_errf(err, errlen, "%.*s: unknown flag (see --help)",
			                           (int)n, a)
			               : base_errf(err, errlen,
			                           "\"%s\": unexpected argument (see --help)", a);
		fv[*nfv].which = flags[k].which;
		fv[*nfv].name = flags[k].flag;
		if (a[n] == '=')
			fv[*nfv].value = a + n + 1;
		else if (flags[k].which == S_ALLOW_EIO3)
			fv[*nfv].value = "true"; /* a switch: a value only as "=false" */
		else if (i + 1 < argc)
			fv[*nfv].value = argv[++i];
		else
			return base_errf(err, errlen, "%s: missing value", flags[k].flag);
		if (!*fv[*nfv].value)
			return base_errf(err, errlen, "%s: empty value", flags[k].flag);
		(*nfv)++;
	}
	return 0;
}

/* ---- final checks ------------------------------------------------------------ */

static int check_auth(srv_config *cfg, char *err, size_t errlen)
{
	srv_config_auth *a = &cfg->auth;
	srv_jwt_config jc;
	srv_jwt_verifier *v;
	char why[256];

	if (a->jwks_url && a->algorithm == SRV_JWT_HS256)
		return base_errf(err, errlen,
		                 "config: \"auth.jwksUrl\": needs \"algorithm\" RS256 or ES256 "
		                 "(public keys), not HS256");
	if (a->jwks_url && strncmp(a->jwks_url, "http://", 7) &&
	    strncmp(a->jwks_url, "https://", 8))
		return base_errf(err, errlen,
		                 "config: \"auth.jwksUrl\": expected an http:// or https:// URL, "
		                 "got \"%s\"",
		                 a->jwks_url);
	if (!a->jwks_refresh_ms)
		a->jwks_refresh_ms = 3600000;
	if (!a->jwks_min_refresh_ms)
		a->jwks_min_refresh_ms = 30000;
	if (a->algorithm == SRV_JWT_HS256) {
		if (!a->secret) {
			if (a->required)
				return base_errf(err, errlen,
				                 "config: \"auth.required\": true but "
				                 "no HS256 secret: set \"auth.secret\" or the %s "
				                 "environment variable",
				                 a->secret_env);
			return 0;
		}
	} else {
		free_secret(a->secret); /* a JWT_ACCESS_SECRET left in the env */
		a->secret = NULL;
		if (!a->public_key_file) {
			a->enabled = a->jwks_url != NULL; /* keys from the URL only */
			if (a->required && !a->enabled)
				return base_errf(err, errlen,
				                 "config: \"auth.required\": true "
				                 "but no \"auth.publicKeyFile\" for %s",
				                 srv_jwt_alg_name(a->algorithm));
			return 0;
		}
		if (!(a->public_key = read_file(a->public_key_file, SRV_JWT_MAX_KEY_LEN,
		                                &a->public_key_len)))
			return base_errf(err, errlen,
			                 "config: \"auth.publicKeyFile\": cannot "
			                 "read \"%s\": %s",
			                 a->public_key_file, strerror(errno));
	}
	srv_jwt_config_init(&jc);
	jc.alg = a->algorithm;
	jc.key = a->secret ? a->secret : a->public_key;
	jc.key_len = a->secret ? strlen(a->secret) : a->public_key_len;
	jc.leeway = a->leeway_seconds;
	jc.require_exp = a->require_exp;
	jc.issuer = a->issuer;
	jc.audience = a->audience;
	if (!(v = srv_jwt_verifier_new(&jc, why, sizeof why))) {
		if (a->public_key)
			return base_errf(err, errlen,
			                 "config: \"auth.publicKeyFile\": \"%s\": "
			                 "%s",
			                 a->public_key_file, why);
		return base_errf(err, errlen, "config: \"auth.secret\" (or %s): %s", a->secret_env,
		                 why);
	}
	srv_jwt_verifier_free(v);
	a->enabled = true;
	return 0;
}

/* ---- entry points -------------------------------------------------------------- */

int srv_config_load(srv_config *cfg, const char *json_path, char *const *envp, int argc,
                    char **argv, char *err, size_t errlen)
{
	struct flagv *fv = NULL;
	int nfv = 0, rc;

	if (err && errlen)
		err[0] = '\0';
	if (set_defaults(cfg))
		goto oom;
	if (!envp)
		envp = environ;
	if (argc > 1 && !(fv = calloc((size_t)argc, sizeof *fv)))
		goto oom;
	if ((rc = scan_argv(cfg, argc, argv, fv, &nfv, err, errlen)) != 0)
		goto out;
	for (int i = 0; i < nfv; i++)
		if (fv[i].which == S_CONFIG)
			json_path = fv[i].value;
	rc = SRV_CONFIG_ERR;
	if (json_path &&
	    (srv_set_str(&cfg->config_path, json_path) || load_file(cfg, json_path, err, errlen)))
		goto out;
	if (load_env(cfg, envp, err, errlen))
		goto out;
	for (int i = 0; i < nfv; i++)
		if (apply(cfg, fv[i].which, fv[i].value, fv[i].name, err, errlen))
			goto out;
	if (check_auth(cfg, err, errlen) || srv_config_hooks_env(cfg, envp, err, errlen))
		goto out;
	rc = SRV_CONFIG_OK;
out:
	free(fv);
	if (rc != SRV_CONFIG_OK) {
		const char *info = cfg->info;

		srv_config_free(cfg);
		cfg->info = info;
	}
	return rc;
oom:
	free(fv);
	srv_config_free(cfg);
	return base_errf(err, errlen, "config: out of memory");
}

void srv_config_free(srv_config *cfg)
{
	srv_config_auth *a = &cfg->auth;

	free(cfg->config_path);
	free(cfg->admission.trusted_proxies);
	free(cfg->host);
	free(cfg->path);
	srv_strv_free(&cfg->cors.origins);
	free_secret(a->secret);
	free(a->secret_env);
	free(a->public_key_file);
	free(a->public_key);
	free(a->user_id_claim);
	free(a->role_claim);
	free(a->refresh_event);
	free(a->issuer);
	free(a->audience);
	free(a->jwks_url);
	free(cfg->api.prefix);
	srv_strv_free(&cfg->api.aliases);
	for (size_t i = 0; i < cfg->api.api_keys.n; i++) {
		free_secret(cfg->api.api_keys.v[i]);
		cfg->api.api_keys.v[i] = NULL;
	}
	srv_strv_free(&cfg->api.api_keys);
	free(cfg->api.admin_role);
	free(cfg->api.user_room);
	free(cfg->metrics.path);
	srv_reply_free(&cfg->limits.exceeded);
	srv_config_rooms_free(cfg);
	srv_config_hooks_free(cfg);
	free(cfg->shutdown_event);
	srv_reply_free(&cfg->token_expiry);
	srv_kvv_free(&cfg->replies);
	srv_plainws_cfg_free(cfg);
	memset(cfg, 0, sizeof *cfg);
}
