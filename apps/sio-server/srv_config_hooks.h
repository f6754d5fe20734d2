/* srv_config_hooks.h - the configuration of the backend bridge: the
 * "webhooks" section (client events, connections and disconnections POSTed
 * to the backend: srv_webhook.h) and the "relay" section (client events
 * re-emitted to a room without a backend: srv_relay.h). Parsed by
 * srv_config_hooks.c with the same key-path errors as the rest of the
 * configuration (srv_config.h):
 *
 *     config: "webhooks.events.message:send.ack": expected a boolean, got "yes"
 *     config: "relay[0].room": unknown placeholder {userid}
 *
 * Both sections are optional; absent, cfg->webhooks / cfg->relay are NULL.
 * docs/sio-server.md, "Backend bridge", is the reference for users.
 */
#ifndef SRV_CONFIG_HOOKS_H
#define SRV_CONFIG_HOOKS_H

#include "srv_config.h"

/* webhooks.events.<name>: a client event answered by the backend. */
typedef struct srv_hook_event {
	char *event;     /* "message:send" */
	bool ack;        /* the reply's "ack" answers the client's ack (true) */
	long timeout_ms; /* 0: webhooks.timeoutMs */
} srv_hook_event;

typedef struct srv_config_webhooks {
	char *url;                /* http(s)://...: every hook POSTs here */
	char *url_env;            /* "WEBHOOK_URL": overrides url when set */
	char *secret;             /* HMAC-SHA256 key, resolved (file or secretEnv) */
	char *secret_env;         /* "WEBHOOK_SECRET" */
	long timeout_ms;          /* 5000 */
	long max_concurrent;      /* 16 requests in flight */
	long max_queued;          /* 1000 waiting; past it: refused at once */
	long max_response_bytes;  /* 1048576 */
	long breaker_failures;    /* 5 consecutive failures open the circuit */
	long breaker_cooldown_ms; /* 10000: then one trial request */
	srv_hook_event *events;   /* in file order */
	size_t nevents;
	bool connect;               /* the connect hook is on */
	long connect_timeout_ms;    /* 0: timeoutMs */
	bool connect_fail_open;     /* onError "accept" (false: "refuse") */
	bool disconnect;            /* the disconnect hook is on */
	long disconnect_timeout_ms; /* 0: timeoutMs */
	long disconnect_retries;    /* 3 */
	long disconnect_backoff_ms; /* 500, doubled at each retry */
} srv_config_webhooks;

/* relay[]: a client event re-emitted to a room, no backend involved. */
typedef struct srv_relay_rule {
	char *event;                /* "typing" (the client's) */
	char *emit;                 /* "status:typing"; default: event */
	char *room;                 /* "conversation:{conversationId}" */
	bool except_sender;         /* true */
	bool require_member;        /* true: the sender must be in the room */
	srv_kvv enrich;             /* payload field -> template ("userId": "{userId}") */
	long rate_limit_per_minute; /* 0: none; per user (per socket if anonymous) */
} srv_relay_rule;

typedef struct srv_config_relay {
	srv_relay_rule *v;
	size_t n;
} srv_config_relay;

/* A relay template's placeholders: {userId}, {claims.NAME}, or a top-level
 * field of the event's payload ({conversationId}); "{{" and "}}" are
 * braces. 0 if tmpl is well formed, else -1 with *why. */
int srv_relay_template_check(const char *tmpl, const char **why);

#endif
