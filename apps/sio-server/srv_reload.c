/* srv_reload.c - a configuration reload (srv_reload.h).
 *
 * The running modules keep a pointer to the one srv_config main.c owns and
 * read some of its values at each use (the API keys at each request, the
 * auth settings at each handshake, the room limits at each join). A reload
 * swaps those values between the running configuration and the one just
 * loaded, on the loop thread between two events, so no check sees half of
 * each; the old values end in the loaded one, which the caller frees.
 *
 * Room rules are changed in place, rule by rule, when the events they
 * listen to stay (rooms_reloadable): the handlers keep pointing at the
 * same rule, which holds the new values. The CORS section is swapped
 * whole: the caller gives its list to the engine again
 * (eio_server_set_cors). What other modules copied at startup or point
 * into is not swapped: room rules with other events, webhooks beyond
 * their URL, secret and timeouts (hooks_reloadable), relay,
 * presence and throttle settings, the Redis address, the plain WebSocket
 * endpoints, the ingest, admission bounds and timeouts (the engine copied
 * them), connection state recovery, the admin dashboard (its password
 * hash is read by bcrypt checks running on the thread pool: it stays as it
 * is, so no check in flight can see it freed), the listening address, path
 * and transports. Those are compared through their dumps
 * (srv_config_dump.c, secrets included for the comparison) and a changed
 * one is named so the operator knows a restart is needed.
 */
#include "srv_reload.h"

#include "srv_config_dump.h"
#include "srv_config_hooks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SWAP(a, b)                      \
	do {                            \
		__typeof__(a) t_ = (a); \
		(a) = (b);              \
		(b) = t_;               \
	} while (0)

/* The top-level sections of cfg's dump as text, by name. */
typedef struct dump {
	base_buf buf;
	base_json doc;
	int root;
} dump;

static int dump_of(const srv_config *cfg, dump *d)
{
	base_jsonw w;
	base_buf_init(&d->buf);
	base_json_init(&d->doc);
	base_jsonw_init(&w, &d->buf);
	if (srv_config_dump(cfg, &w, true) || base_json_parse(&d->doc, d->buf.data, d->buf.len))
		return -1;
	d->root = base_json_root(&d->doc);
	return 0;
}

static void dump_free(dump *d)
{
	/* the text held secrets: wiped before it goes */
	if (d->buf.data)
		memset(d->buf.data, 0, d->buf.cap);
	base_buf_free(&d->buf);
	base_json_free(&d->doc);
}

/* The raw JSON of section k in d and in e are the same. */
static bool same(const dump *d, const dump *e, const char *k)
{
	size_t n1 = 0, n2 = 0;
	int t1 = base_json_obj_get(&d->doc, d->root, k),
	    t2 = base_json_obj_get(&e->doc, e->root, k);
	const char *r1 = t1 >= 0 ? base_json_raw(&d->doc, t1, &n1) : NULL;
	const char *r2 = t2 >= 0 ? base_json_raw(&e->doc, t2, &n2) : NULL;
	return n1 == n2 && (n1 == 0 || memcmp(r1, r2, n1) == 0);
}

static void name(char *restart, size_t cap, const char *what)
{
	size_t n = strlen(restart);
	snprintf(restart + n, cap - n, "%s%s", n ? "," : "", what);
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Auth can be reloaded unless it is turned on or off, or its JWKS or
 * refresh event (modules made at startup) change. */
static bool auth_reloadable(const srv_config_auth *a, const srv_config_auth *b)
{
	return a->enabled == b->enabled && str_eq(a->jwks_url, b->jwks_url) &&
	       str_eq(a->refresh_event, b->refresh_event) &&
	       a->jwks_refresh_ms == b->jwks_refresh_ms &&
	       a->jwks_min_refresh_ms == b->jwks_min_refresh_ms &&
	       (!a->jwks_url || (str_eq(a->issuer, b->issuer) && str_eq(a->audience, b->audience)));
}

static void swap_auth(srv_config_auth *a, srv_config_auth *b)
{
	SWAP(a->required, b->required);
	SWAP(a->algorithm, b->algorithm);
	SWAP(a->secret, b->secret);
	SWAP(a->secret_env, b->secret_env);
	SWAP(a->public_key_file, b->public_key_file);
	SWAP(a->public_key, b->public_key);
	SWAP(a->public_key_len, b->public_key_len);
	SWAP(a->leeway_seconds, b->leeway_seconds);
	SWAP(a->require_exp, b->require_exp);
	SWAP(a->user_id_claim, b->user_id_claim);
	SWAP(a->role_claim, b->role_claim);
	for (size_t i = 0; i < 3; i++)
		SWAP(a->token_sources[i], b->token_sources[i]);
	SWAP(a->ntoken_sources, b->ntoken_sources);
	if (!a->jwks_url) { /* with JWKS, srv_jwks holds these */
		SWAP(a->issuer, b->issuer);
		SWAP(a->audience, b->audience);
	}
}

/* The API's keys and admin role; its routes are mounted at startup. */
static bool api_reloadable(const srv_config *a, const srv_config *b)
{
	bool same_aliases = a->api.aliases.n == b->api.aliases.n;
	for (size_t i = 0; same_aliases && i < a->api.aliases.n; i++)
		same_aliases = !strcmp(a->api.aliases.v[i], b->api.aliases.v[i]);
	return a->api.enabled == b->api.enabled && str_eq(a->api.prefix, b->api.prefix) &&
	       str_eq(a->api.user_room, b->api.user_room) && same_aliases;
}

/* The limits' values, not turned on or off (a middleware is installed
 * only for a limit that is on), nor their reply (srv_rooms points at it). */
static bool limits_reloadable(const srv_config_limits *a, const srv_config_limits *b)
{
	return (a->events_per_minute > 0) == (b->events_per_minute > 0) &&
	       (a->connections_per_minute_per_ip > 0) == (b->connections_per_minute_per_ip > 0) &&
	       a->subscribe_events_per_minute == b->subscribe_events_per_minute &&
	       str_eq(a->exceeded.event, b->exceeded.event) &&
	       str_eq(a->exceeded.code, b->exceeded.code) &&
	       str_eq(a->exceeded.message, b->exceeded.message) &&
	       str_eq(a->exceeded.value_key, b->exceeded.value_key);
}

static bool strv_eq(const srv_strv *a, const srv_strv *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]))
			return false;
	return true;
}

/* Room rules can be reloaded when the events they listen to stay (a
 * handler is registered per event name, srv_rooms_install), with the same
 * per-rule rate limits (srv_limits' tables) and the same denied reply's
 * event and value key (srv_rooms points at them for the room limit's
 * reply); fan-in must stay (srv_emit sized its targets from it). The
 * automatic and query rooms are read at each connection: any change. */
static bool rooms_reloadable(const srv_config_rooms *a, const srv_config_rooms *b)
{
	if (a->njoins != b->njoins || a->nfan_in != b->nfan_in)
		return false;
	for (size_t i = 0; i < a->njoins; i++) {
		const srv_join_event *x = &a->joins[i], *y = &b->joins[i];
		if (strcmp(x->join, y->join) || !str_eq(x->leave, y->leave) ||
		    x->rate_limit_per_minute != y->rate_limit_per_minute ||
		    !str_eq(x->denied.event, y->denied.event) ||
		    !str_eq(x->denied.value_key, y->denied.value_key))
			return false;
	}
	for (size_t i = 0; i < a->nfan_in; i++)
		if (strcmp(a->fan_in[i].glob, b->fan_in[i].glob) ||
		    !strv_eq(&a->fan_in[i].rooms, &b->fan_in[i].rooms))
			return false;
	return true;
}

/* Each rule's contents, in place: the handlers keep their pointer to the
 * rule (srv_rooms.c, join_ctx), which now holds the new values. */
static void swap_rooms(srv_config_rooms *a, srv_config_rooms *b)
{
	SWAP(a->autos, b->autos);
	SWAP(a->nautos, b->nautos);
	SWAP(a->queries, b->queries);
	SWAP(a->nqueries, b->nqueries);
	for (size_t i = 0; i < a->njoins; i++) {
		srv_join_event *x = &a->joins[i], *y = &b->joins[i];
		SWAP(x->room, y->room);
		SWAP(x->id_field, y->id_field);
		SWAP(x->id_pattern, y->id_pattern);
		SWAP(x->id_re, y->id_re);
		SWAP(x->authorize, y->authorize);
		SWAP(x->authorize_arg, y->authorize_arg);
		SWAP(x->confirm_joined, y->confirm_joined);
		SWAP(x->confirm_left, y->confirm_left);
		SWAP(x->confirm_key, y->confirm_key);
		SWAP(x->ack, y->ack);
		SWAP(x->denied.code, y->denied.code);
		SWAP(x->denied.message, y->denied.message);
		SWAP(x->invalid, y->invalid);
	}
}

/* Replies are found by their event at each event: new values for the same
 * events (a handler per event name). */
static bool replies_reloadable(const srv_kvv *a, const srv_kvv *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i].key, b->v[i].key))
			return false;
	return true;
}

/* The webhook settings srv_webhook.c reads at each call (the URL, the
 * secret, the timeouts, the connect hook's onError, the disconnect
 * retries) can change when the rest stays: the same events (a handler and
 * metrics per event), the same hooks on, the same bounds of the HTTP
 * client and breaker (made at startup). libcurl copies the URL of a
 * request in flight; the signature is made before it leaves. */
static bool hooks_reloadable(const srv_config_webhooks *a, const srv_config_webhooks *b)
{
	if (!a || !b)
		return a == b;
	if (a->nevents != b->nevents || a->connect != b->connect ||
	    a->disconnect != b->disconnect || a->max_concurrent != b->max_concurrent ||
	    a->max_queued != b->max_queued || a->max_response_bytes != b->max_response_bytes ||
	    a->breaker_failures != b->breaker_failures ||
	    a->breaker_cooldown_ms != b->breaker_cooldown_ms)
		return false;
	for (size_t i = 0; i < a->nevents; i++)
		if (strcmp(a->events[i].event, b->events[i].event) ||
		    a->events[i].ack != b->events[i].ack ||
		    a->events[i].timeout_ms != b->events[i].timeout_ms)
			return false;
	return true;
}

static void swap_hooks(srv_config_webhooks *a, srv_config_webhooks *b)
{
	if (!a)
		return;
	SWAP(a->url, b->url);
	SWAP(a->secret, b->secret);
	SWAP(a->secret_env, b->secret_env);
	SWAP(a->timeout_ms, b->timeout_ms);
	SWAP(a->connect_timeout_ms, b->connect_timeout_ms);
	SWAP(a->connect_fail_open, b->connect_fail_open);
	SWAP(a->disconnect_timeout_ms, b->disconnect_timeout_ms);
	SWAP(a->disconnect_retries, b->disconnect_retries);
	SWAP(a->disconnect_backoff_ms, b->disconnect_backoff_ms);
}

int srv_reload_apply(srv_config *cur, srv_config *next, srv_auth *auth, srv_limits *limits,
                     char *restart, size_t cap, char *err, size_t errlen)
{
	static const char *const fixed[] = {
		"port",
		"host",
		"path",
		"pingInterval",
		"pingTimeout",
		"maxHttpBufferSize",
		"transports",
		"trustProxy",
		"parser",
		"allowEIO3",
		"metrics",
		"redis",
		"plainWebSockets",
		"ingest",
		"adminUi",
		"presence",
		"throttle",
		"relay",
		"shutdown",
		"tokenExpiry",
		"namespaces",
		"admission",
		"timeouts",
		"connectionStateRecovery",
	};
	restart[0] = '\0';
	dump d, e;
	int rc = dump_of(cur, &d) | dump_of(next, &e);
	if (rc) {
		dump_free(&d);
		dump_free(&e);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
		if (!same(&d, &e, fixed[i]))
			name(restart, cap, fixed[i]);
	bool auth_ok = auth_reloadable(&cur->auth, &next->auth);
	bool api_ok = api_reloadable(cur, next);
	bool limits_ok = limits_reloadable(&cur->limits, &next->limits);
	if (!auth_ok && !same(&d, &e, "auth"))
		name(restart, cap, "auth");
	if (!api_ok)
		name(restart, cap, "api");
	if (!limits_ok && !same(&d, &e, "limits"))
		name(restart, cap, "limits");
	bool hooks_ok = hooks_reloadable(cur->webhooks, next->webhooks);
	if (!hooks_ok && !same(&d, &e, "webhooks"))
		name(restart, cap, "webhooks");
	bool rooms_ok = rooms_reloadable(&cur->rooms, &next->rooms);
	bool replies_ok = replies_reloadable(&cur->replies, &next->replies);
	if (!rooms_ok && !same(&d, &e, "rooms"))
		name(restart, cap, "rooms");
	if (!replies_ok && !same(&d, &e, "replies"))
		name(restart, cap, "replies");
	dump_free(&d);
	dump_free(&e);

	srv_auth *na = NULL;
	if (auth_ok && !(na = srv_auth_new(next, err, errlen)))
		return -1; /* the new key is refused: nothing changed */
	if (na) {
		srv_auth_take_keys(auth, na);
		swap_auth(&cur->auth, &next->auth);
	}
	if (api_ok) {
		SWAP(cur->api.api_keys, next->api.api_keys);
		SWAP(cur->api.admin_role, next->api.admin_role);
	}
	if (rooms_ok)
		swap_rooms(&cur->rooms, &next->rooms);
	if (hooks_ok)
		swap_hooks(cur->webhooks, next->webhooks);
	/* every CORS setting: the caller puts the list in force */
	SWAP(cur->cors, next->cors);
	if (replies_ok)
		for (size_t i = 0; i < cur->replies.n; i++)
			SWAP(cur->replies.v[i].value, next->replies.v[i].value);
	if (limits_ok) {
		long conn = cur->limits.connections_per_minute_per_ip;
		long ev = cur->limits.events_per_minute;
		SWAP(cur->limits.events_per_minute, next->limits.events_per_minute);
		SWAP(cur->limits.connections_per_minute_per_ip,
		     next->limits.connections_per_minute_per_ip);
		SWAP(cur->limits.max_rooms_per_socket, next->limits.max_rooms_per_socket);
		SWAP(cur->limits.max_room_name_length, next->limits.max_room_name_length);
		if (srv_limits_reload(limits, conn, ev)) {
			/* out of memory: the old tables, and their values */
			SWAP(cur->limits.events_per_minute, next->limits.events_per_minute);
			SWAP(cur->limits.connections_per_minute_per_ip,
			     next->limits.connections_per_minute_per_ip);
			name(restart, cap, "limits (out of memory)");
		}
	}
	return 0;
}
