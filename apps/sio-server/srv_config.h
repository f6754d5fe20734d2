/* srv_config.h - sio-server's configuration: defaults, JSON file, env, flags.
 *
 * sio-server replaces hand-written node socket.io servers, so what those
 * servers coded (rooms from query parameters, join/leave events, JWT claims,
 * CORS lists...) is declared here instead, in one JSON file per deployment
 * (apps/sio-server/examples/ has one per known system). The common settings
 * can also come from the environment variables the node servers read and
 * from flags. Precedence, lowest first:
 *
 *     defaults  <  JSON file (--config FILE)  <  environment  <  flags
 *
 * Everything is checked at load time, before the server listens: unknown or
 * duplicate keys (a typo must not be silently ignored), types, ranges,
 * regular expressions (compiled here), room templates (placeholders known),
 * the JWT key (a verifier is built once to check it) and the combinations
 * (required auth needs a key). An error is returned as one line naming what
 * is wrong; nothing here prints:
 *
 *     config: "auth.algorithm": expected one of HS256, RS256, ES256, got "HS512"
 *     config: "rooms.fromQuery[0].patern": unknown key (allowed: param, ...)
 *     PORT: not a port number: "abc"
 *     --ping-interval: expected an integer from 1 to 86400000, got "-5"
 *     config: "x.json": invalid JSON at line 3, column 10
 *
 * Messages are formatted by base_errf (base/err.h); the line and column of
 * a JSON error are where base_json_parse stopped (base/json.h).
 *
 * The result is plain data: nested structs and arrays with counts, every
 * string owned (malloc'd) by the srv_config, freed by srv_config_free.
 *
 * Room templates: "{userId}" (the user id claim), "{claims.NAME}" (a
 * top-level claim), plus "{value}" in rooms.fromQuery[].room and "{id}" in
 * rooms.joinEvents[].room. "{{" and "}}" stand for literal braces. A room
 * whose placeholder has no value (anonymous client, claim absent) is skipped
 * at run time.
 *
 * Regular expressions (rooms.fromQuery[].pattern, rooms.joinEvents[].
 * idPattern) are POSIX extended, anchored at both ends: the whole value must
 * match ("[0-9a-f]{24}" accepts exactly 24 hex digits).
 */
#ifndef SRV_CONFIG_H
#define SRV_CONFIG_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "srv_ingest_map.h"
#include "srv_jwt.h"

#ifndef SRV_VERSION
#define SRV_VERSION "0.1.0"
#endif

/* srv_config_load() results. */
#define SRV_CONFIG_OK   0
#define SRV_CONFIG_ERR  (-1) /* message in err */
#define SRV_CONFIG_INFO 1    /* --help / --version: print cfg->info, exit 0 */

typedef struct srv_strv { /* owned list of owned strings */
	char **v;
	size_t n;
} srv_strv;

typedef struct srv_kv {
	char *key, *value;
} srv_kv;

typedef struct srv_kvv { /* owned list of pairs, in file order */
	srv_kv *v;
	size_t n;
} srv_kvv;

/* An event the server sends when it refuses something. Payload:
 * {code?, message, <valueKey>?: the offending value}. */
typedef struct srv_reply {
	char *event; /* set, except fromQuery[].invalid when absent */
	char *code;  /* NULL = no "code" member */
	char *message;
	char *value_key; /* NULL = the value is not echoed */
} srv_reply;

typedef struct srv_config_cors {
	srv_strv origins;           /* "https://host[:port]", exact match */
	bool any_origin;            /* origins "*" */
	bool credentials;           /* Access-Control-Allow-Credentials */
	bool development_localhost; /* as configured */
	bool allow_localhost;       /* effective: the above and NODE_ENV=development;
                                   then http(s)://localhost:* and
                                   http(s)://127.0.0.1:* are allowed too */
} srv_config_cors;
/* No origins and not any_origin (the default): no cross-origin access is
 * granted; meant to apply alike to polling (CORS) and WebSocket upgrades. */

typedef enum srv_token_source {
	SRV_TOKEN_AUTH = 1, /* handshake auth: {token} */
	SRV_TOKEN_HEADER,   /* Authorization: Bearer <token> */
	SRV_TOKEN_QUERY     /* ?token=... */
} srv_token_source;

typedef struct srv_config_auth {
	bool enabled;          /* a key is configured: tokens are verified */
	bool required;         /* refuse connections without a valid token */
	srv_jwt_alg algorithm; /* pinned */
	char *secret;          /* HS256 secret, resolved (file or secretEnv);
                                  NULL if none */
	char *secret_env;      /* "JWT_ACCESS_SECRET" */
	char *public_key_file; /* RS256/ES256 */
	char *public_key;      /* its contents (PEM), NUL-terminated */
	size_t public_key_len;
	long leeway_seconds;               /* 30 */
	bool require_exp;                  /* true */
	char *user_id_claim;               /* "sub" */
	char *role_claim;                  /* "role" */
	srv_token_source token_sources[3]; /* in order of precedence */
	size_t ntoken_sources;
	char *refresh_event;  /* a client event carrying a new token (srv_refresh.h); NULL = none */
	char *issuer;         /* required "iss"; NULL = not checked */
	char *audience;       /* required in "aud"; NULL = not checked */
	char *jwks_url;       /* keys from a JWKS URL (srv_jwks.h); NULL = none */
	long jwks_refresh_ms; /* 3600000: fetched again this often */
	long jwks_min_refresh_ms; /* 30000: at most this often for an unknown kid */
} srv_config_auth;

typedef struct srv_config_api {
	bool enabled;      /* true */
	char *prefix;      /* "/api/v1/websocket" */
	srv_strv aliases;  /* ["/api/websocket"] (health, stats) */
	srv_strv api_keys; /* file apiKeys + WEBSOCKET_API_KEY (comma list) */
	char *admin_role;  /* "admin" */
	char *user_room;   /* "user:{userId}": POST .../broadcast/user/:userId
                                  goes to this room ({userId} only) */

	/* request-shape aliases (srv_config_routes.h), or NULL */
	struct srv_api_routes *routes;
} srv_config_api;

typedef struct srv_config_metrics {
	bool enabled;         /* true */
	char *path;           /* "/metrics" */
	bool require_api_key; /* false: open, as Prometheus scrapers expect */
} srv_config_metrics;

/* Limits: 0 disables a limit, except max_room_name_length (>= 1). */
typedef struct srv_config_limits {
	long events_per_minute;             /* 100, per user (per IP if anonymous) */
	long connections_per_minute_per_ip; /* 60 */
	long max_rooms_per_socket;          /* 50 */
	long max_room_name_length;          /* 128 */
	long subscribe_events_per_minute;   /* 30, join/leave events */
	srv_reply exceeded;                 /* error {code: "RATE_LIMIT_EXCEEDED", message} */
} srv_config_limits;

/* admission: bounds on new sessions (include/engineio.h, eio_options;
 * docs/sio-server.md, "Admission control"); 0 disables a bound. */
typedef struct srv_config_admission {
	long max_pending_handshakes;      /* 1000 */
	long max_connections_per_address; /* 1000 */
	long retry_after_seconds;         /* 5 */
	char *trusted_proxies;            /* comma-separated; NULL: loopback with trustProxy */
} srv_config_admission;

/* timeouts: the phases a peer can stall (eio_listener_set_timeouts,
 * eio_listener_set_keepalive_timeout; docs/sio-server.md, "Timeouts"). */
typedef struct srv_config_timeouts {
	long header_ms;     /* 10000: the first request head, from the accept */
	long body_ms;       /* 60000: a request body, from its head */
	long keep_alive_ms; /* 30000: idle between requests */
} srv_config_timeouts;

/* rooms.auto[]: joined at connection when every if_claim pair matches (the
 * claim equals the value, or is a list containing it). */
typedef struct srv_auto_room {
	char *room;       /* template: {userId}, {claims.NAME} */
	srv_kvv if_claim; /* claim -> value; empty = always */
} srv_auto_room;

/* rooms.fromQuery[]: a handshake query parameter names a room. A special
 * value is looked up first, then the pattern decides: match -> room,
 * otherwise the invalid reply (if invalid.event is set) and the connection
 * stays up. Absent or empty parameter: nothing. */
typedef struct srv_query_room {
	char *param;       /* "jobId" */
	char *pattern;     /* source text; NULL = any value */
	regex_t re;        /* compiled, anchored; valid if pattern */
	char *room;        /* template with {value} */
	srv_kvv special;   /* value -> literal room ("all" -> "all-jobs") */
	srv_reply invalid; /* event NULL = ignore silently */
} srv_query_room;

typedef enum srv_authz {
	SRV_AUTHZ_NONE = 1,       /* "none": anyone (who may connect) */
	SRV_AUTHZ_CLAIM_CONTAINS, /* {claimContains: "projects"}: list has id */
	SRV_AUTHZ_ROLE            /* {role: "admin"}: role claim equals */
} srv_authz;

/* rooms.joinEvents[]: client events that join/leave a room. The argument
 * is the id (string or integer) or an object whose id_field is the id. */
typedef struct srv_join_event {
	char *join;                 /* "join_project" */
	char *leave;                /* "leave_project"; NULL = none */
	char *room;                 /* template with {id} */
	char *id_field;             /* "id" */
	char *id_pattern;           /* NULL = any id */
	regex_t id_re;              /* compiled, anchored; valid if id_pattern */
	srv_authz authorize;        /* required in the file: no default */
	char *authorize_arg;        /* claim name / role; NULL for NONE */
	char *confirm_joined;       /* event sent on join; NULL = none */
	char *confirm_left;         /* event sent on leave; NULL = none */
	char *confirm_key;          /* payload {<key>: id}; default id_field */
	bool ack;                   /* call the client's ack with {success,...} */
	srv_reply denied;           /* error {code: "ACCESS_DENIED"} */
	srv_reply invalid;          /* error {code: "INVALID_ID"} */
	long rate_limit_per_minute; /* -1 = limits.subscribe_events_per_minute */
} srv_join_event;

/* rooms.fanIn: a broadcast to a room matching glob also reaches rooms. */
typedef struct srv_fan_in {
	char *glob;     /* "job:*" ('*' matches any run of chars) */
	srv_strv rooms; /* ["all-jobs"] */
} srv_fan_in;

typedef struct srv_config_rooms {
	srv_auto_room *autos;
	size_t nautos;
	srv_query_room *queries;
	size_t nqueries;
	srv_join_event *joins;
	size_t njoins;
	srv_fan_in *fan_in;
	size_t nfan_in;
} srv_config_rooms;

typedef struct srv_config_presence {
	bool enabled;  /* the "presence" object is present */
	char *online;  /* "status:online": first socket of a user */
	char *offline; /* "status:offline": last socket gone */
	char *room;    /* sent to this room; NULL = everyone */
} srv_config_presence;

/* throttle[]: broadcasts to rooms matching glob are sent at most once per
 * interval per (room, event); the latest payload wins. */
typedef struct srv_throttle {
	char *rooms; /* glob */
	long interval_ms;
	srv_strv events; /* empty = every event */
} srv_throttle;

/* redis: the Redis adapter (include/socketio/redis.h), on when an address is
 * given: REDIS_URL, redis.url or redis.host. The address fields hold the
 * parsed url; the defaults are the adapter's (sio_redis_options_init). */
typedef struct srv_config_redis {
	bool enabled;
	const char *from;         /* where the address came from: "REDIS_URL", "redis.url",
	                        "redis.host" (static) */
	char *host;               /* "127.0.0.1" when the url names none; NULL with unix_path */
	int port;                 /* 6379 */
	char *unix_path;          /* unix:///path; NULL for TCP */
	char *username;           /* ACL user; NULL: none */
	char *password;           /* a secret: never printed; NULL: no AUTH */
	long db;                  /* SELECT, 0 */
	char *key;                /* channel prefix, "socket.io" (node's key option) */
	long requests_timeout_ms; /* 5000 */
	bool publish_on_specific_response_channel; /* false */
	bool room_subscriptions;                   /* false */
	long max_queued_bytes;                     /* 8 MiB */
} srv_config_redis;

/* ingest: messages from Redis Pub/Sub channels and Streams turned into
 * broadcasts (srv_ingest.c, srv_config_ingest.c); needs the redis section. */
typedef struct srv_ingest_source {
	char *name; /* the channel or the stream */
	srv_ingest_map map;
} srv_ingest_source;

typedef struct srv_config_ingest {
	srv_ingest_source *channels;
	size_t nchannels;
	srv_ingest_source *streams;
	size_t nstreams;
	char *group;            /* "sio-server" */
	char *consumer;         /* NULL: host:pid */
	char *field;            /* "data": the entry field holding the JSON */
	char *start_id;         /* "$" */
	long count;             /* 32 entries per read */
	long block_ms;          /* 5000 */
	long claim_min_idle_ms; /* 30000 */
	long claim_interval_ms; /* 5000 */
	long max_message_bytes; /* 65536 */
} srv_config_ingest;
/* adminUi: the @socket.io/admin-ui dashboard's server side (srv_admin.c),
 * configured as node's instrument(io, options). */
typedef struct srv_config_admin {
	bool enabled;         /* false */
	bool basic_auth;      /* "auth": {"type": "basic", ...}; false: "auth": false */
	char *username;       /* basic auth */
	char *password_hash;  /* bcrypt ($2a$, $2b$, $2y$), checked with crypt(3) */
	char *namespace_name; /* "/admin" */
	char *mode;           /* "development" / "production"; NULL: NODE_ENV, as node */
	bool readonly;        /* false: the dashboard may join, leave, disconnect, emit */
	char *server_id;      /* NULL: the host name */
} srv_config_admin;

typedef struct srv_config {
	char *config_path;         /* file loaded, or NULL */
	int port;                  /* 3000 */
	char *host;                /* NULL = all interfaces */
	char *path;                /* "/socket.io/" (always ends with '/') */
	long ping_interval;        /* 25000 ms */
	long ping_timeout;         /* 20000 ms */
	long max_http_buffer_size; /* 1e6 bytes */
	bool transport_polling;    /* transports: both by default */
	bool transport_websocket;
	bool trust_proxy;    /* X-Forwarded-For for client IPs */
	bool parser_msgpack; /* "parser": "msgpack": socket.io-msgpack-parser's
                                encoding (include/socketio.h, SIO_PARSER_MSGPACK);
                                "default" (the default): socket.io-parser's */
	bool allow_eio3;     /* allowEIO3: socket.io-client 2.x too (false) */
	srv_config_cors cors;
	srv_config_auth auth;
	srv_config_api api;
	srv_config_metrics metrics;
	srv_config_limits limits;
	srv_config_admission admission;
	srv_config_timeouts timeouts;
	srv_config_rooms rooms;
	srv_config_presence presence;
	char *shutdown_event;   /* "server_shutdown" */
	long shutdown_grace_ms; /* 5000 */
	srv_reply token_expiry; /* "auth-expired" {message}, then disconnect */
	srv_throttle *throttle;
	size_t nthrottle;
	srv_kvv replies; /* client event -> reply event ("ping"->"pong") */
	srv_config_redis redis;
	/* "connectionStateRecovery" (srv_config_recovery.c): node's option of
	 * that name; off unless the file has the section */
	struct {
		bool enabled;
		long max_disconnection_ms; /* maxDisconnectionDuration (120000) */
		bool skip_middlewares;     /* skipMiddlewares (true) */
		long max_packets;          /* maxPackets: the log per namespace (10000) */
		long max_bytes;            /* maxBytes (8 MiB) */
		long max_age_ms;           /* maxAge (0: maxDisconnectionDuration) */
	} recovery;
	srv_config_ingest ingest;
	/* plainWebSockets[]: plain WebSocket endpoints (srv_plainws.h) */
	struct srv_plainws_cfg *plainws;
	size_t nplainws;
	srv_config_admin admin;
	const char *info; /* --help/--version text (static) */
	/* the backend bridge, srv_config_hooks.h (NULL: none) */
	struct srv_config_webhooks *webhooks;
	struct srv_config_relay *relay;
	/* namespaces: the configured namespaces besides "/" (srv_config_ns.c) */
	struct srv_ns_cfg *namespaces;
	size_t nnamespaces;
} srv_config;

/* Load the configuration. json_path may be NULL; a --config FILE in argv
 * overrides it. envp NULL means environ. argv[0] is the program name.
 * Returns SRV_CONFIG_OK; SRV_CONFIG_INFO with cfg->info set for --help or
 * --version; or SRV_CONFIG_ERR with a one-line message in err. On anything
 * but OK the config is already freed (srv_config_free is still safe). */
int srv_config_load(srv_config *cfg, const char *json_path, char *const *envp, int argc,
                    char **argv, char *err, size_t errlen);
void srv_config_free(srv_config *cfg);

/* The Redis address for logs and answers, without the username and the
 * password: "redis://127.0.0.1:6379/0" or "unix:///run/redis.sock?db=0". */
void srv_config_redis_address(const srv_config_redis *r, char *out, size_t cap);

/* ---- internal: shared by srv_config*.c, not for other modules ----------- */

struct base_json;

#define SRV_CONFIG_MAX_MS 86400000L /* longest interval: one day */
/* Longest room name limits.maxRoomNameLength may allow: room names are
 * expanded into fixed buffers of SRV_MAX_ROOM_NAME + 1 bytes. */
#define SRV_MAX_ROOM_NAME 1000

typedef struct srv_cfgp { /* a JSON walk with the key path for errors */
	const struct base_json *doc;
	char *err;
	size_t errlen;
	char path[512];
	size_t plen;
} srv_cfgp;

/* srv_config_json.c: owned data */
int srv_set_str(char **dst, const char *s);
int srv_strv_push(srv_strv *v, const char *s, size_t n);
void srv_strv_free(srv_strv *v);
void srv_kvv_free(srv_kvv *v);
void srv_reply_free(srv_reply *r);
int srv_reply_set(srv_reply *r, const char *event, const char *code, const char *message);
/* srv_config_json.c: the walk. Getters leave *out alone if key is absent;
 * all return 0 or -1 with the message written. */
int srv_cfgp_fail(srv_cfgp *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same under key (NULL or "" = none), pushed and left on the path: the
 * load is over. */
int srv_cfgp_fail_at(srv_cfgp *p, const char *key, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
size_t srv_cfgp_push(srv_cfgp *p, const char *key); /* returns old length */
size_t srv_cfgp_index(srv_cfgp *p, size_t i);
/* The value of key in obj, with key pushed (*old for srv_cfgp_pop); -1,
 * nothing pushed, when obj has no such key. */
int srv_cfgp_enter(srv_cfgp *p, int obj, const char *key, size_t *old);
void srv_cfgp_pop(srv_cfgp *p, size_t old);
const char *srv_cfgp_type_name(int base_json_type);
int srv_cfgp_expect(srv_cfgp *p, int tok, int base_json_type);
/* The array tok into *arr, a new vector of elements of size sz, zeroed and
 * each given to fn with its index on the key path; *n counts the elements
 * fn was given, so that a free after a failure frees those. */
int srv_cfgp_list(srv_cfgp *p, int tok, void **arr, size_t *n, size_t sz,
                  int (*fn)(srv_cfgp *p, int tok, void *elem));
int srv_cfgp_object(srv_cfgp *p, int tok, const char *const *keys);
int srv_cfgp_str(srv_cfgp *p, int obj, const char *key, char **out);
int srv_cfgp_bool(srv_cfgp *p, int obj, const char *key, bool *out);
int srv_cfgp_long(srv_cfgp *p, int obj, const char *key, long *out, long min, long max);
int srv_cfgp_strv(srv_cfgp *p, int obj, const char *key, srv_strv *out);
int srv_cfgp_reply(srv_cfgp *p, int obj, const char *key, srv_reply *out);
int srv_cfgp_root(srv_cfgp *p, srv_config *cfg);
const char *srv_cfg_bad_path(const char *s); /* NULL if fine, else why */
const char *srv_cfg_bad_origin(const char *s);
int srv_cfg_set_path(srv_config *cfg, const char *s);
/* srv_config_rooms.c */
int srv_cfgp_rooms(srv_cfgp *p, int tok, srv_config *cfg);
int srv_cfgp_presence(srv_cfgp *p, int tok, srv_config *cfg);
int srv_cfgp_throttle(srv_cfgp *p, int tok, srv_config *cfg);
int srv_cfgp_replies(srv_cfgp *p, int tok, srv_config *cfg);
void srv_config_rooms_free(srv_config *cfg);
/* srv_config_hooks.c: "webhooks" and "relay"; the webhook secret from the
 * environment (after the file) */
int srv_cfgp_webhooks(srv_cfgp *p, int tok, srv_config *cfg);
int srv_cfgp_relay(srv_cfgp *p, int tok, srv_config *cfg);
int srv_config_hooks_env(srv_config *cfg, char *const *envp, char *err, size_t errlen);
void srv_config_hooks_free(srv_config *cfg);
/* srv_config_routes.c: api.routes */
int srv_cfgp_api_routes(srv_cfgp *p, int tok, srv_config *cfg);
void srv_config_routes_free(srv_config *cfg);
/* srv_config_redis.c: the section, REDIS_URL (name heads the error), the
 * defaults, and freeing (the password wiped). */
int srv_cfgp_redis(srv_cfgp *p, int tok, srv_config *cfg);
/* srv_config_recovery.c: "connectionStateRecovery" */
int srv_cfgp_recovery(srv_cfgp *p, int tok, srv_config *cfg);
int srv_config_redis_env(srv_config *cfg, const char *url, const char *name, char *err,
                         size_t errlen);
int srv_config_redis_defaults(srv_config *cfg);
void srv_config_redis_free(srv_config *cfg);
/* srv_config_ingest.c: the section, its defaults, the check once the redis
 * address is known (file, REDIS_URL), and freeing. */
int srv_cfgp_ingest(srv_cfgp *p, int tok, srv_config *cfg);
int srv_config_ingest_defaults(srv_config *cfg);
int srv_config_ingest_check(const srv_config *cfg, char *err, size_t errlen);
void srv_config_ingest_free(srv_config *cfg);
/* srv_config_rooms.c, for the other sections with rooms (srv_config_plainws.c):
 * a room template checked ({userId}, {claims.NAME}, {<extra>}); a regular
 * expression under key, stored anchored; the "authorize" of a join rule. */
int srv_cfgp_template(srv_cfgp *p, const char *key, const char *t, const char *extra);
int srv_cfgp_regex(srv_cfgp *p, int obj, const char *key, char **src, regex_t *re);
int srv_cfgp_authorize(srv_cfgp *p, int tok, srv_join_event *j);
/* srv_config_json.c: the "limits" section (also a namespace's) */
int srv_cfgp_limits(srv_cfgp *p, int obj, srv_config *cfg);
/* srv_config_ns.c: the "namespaces" section (after every other: a namespace
 * starts from the top level's limits), and freeing */
int srv_cfgp_namespaces(srv_cfgp *p, int tok, srv_config *cfg);
int srv_config_ns_check(const srv_config *cfg, char *err, size_t errlen); /* once auth is known */
void srv_config_ns_free(srv_config *cfg);
/* srv_config_admin.c */
int srv_cfgp_admin(srv_cfgp *p, int tok, srv_config *cfg);
void srv_config_admin_free(srv_config *cfg);

#endif /* SRV_CONFIG_H */
