/* srv_plainws.h - sio-server's plain WebSocket endpoints (config
 * "plainWebSockets", docs/sio-server.md "Plain WebSocket endpoints"): a
 * path where clients that speak no Socket.IO (`new WebSocket(url)`) send
 * small JSON messages matched by a field ({"type":"SUBSCRIBE",...}) and
 * mapped to actions (join or leave a room from a template), and receive
 * the room events of the "/" namespace framed as configured
 * ({"type": EVENT, ...data}). Each client is a socket of "/" (socketio.h,
 * "Plain WebSocket clients"), so every broadcast reaches it as it reaches
 * the Socket.IO sockets of the same rooms.
 *
 * Split: the configuration (srv_config_plainws.c), the message matching
 * and the event framing, pure functions a fuzzer drives (srv_plainws_msg.c),
 * and the endpoints at run time (srv_plainws.c).
 */
#ifndef SRV_PLAINWS_H
#define SRV_PLAINWS_H

#include "base/buf.h"
#include "socketio.h"
#include "srv_auth.h"
#include "srv_config.h"
#include "srv_expiry.h"
#include "srv_limits.h"
#include "srv_metrics.h"
#include "srv_presence.h"
#include "srv_rooms.h"

typedef enum srv_plain_action {
	SRV_PLAIN_JOIN = 1,
	SRV_PLAIN_LEAVE
} srv_plain_action;

/* messages[]: a message whose type field equals type does action on the
 * room of the template, with the id from id_field (rule.id_field). */
typedef struct srv_plain_msg {
	char *type; /* "SUBSCRIBE" */
	srv_plain_action action;
	/* rule.room (the template, its {<idField>} rewritten to {id}),
	 * rule.id_field, rule.id_pattern/id_re, rule.authorize(_arg): the
	 * checks of rooms.joinEvents (srv_rooms_join_check). */
	srv_join_event rule;
	char *reply; /* JSON sent after the action, or NULL */
} srv_plain_msg;

/* The replies to what goes wrong: JSON texts, sent as they are. */
typedef struct srv_plain_errors {
	char *invalid_format; /* valid JSON of no known shape */
	char *parse_error;    /* not JSON (or a binary message) */
	char *denied;         /* authorization refused */
	char *room_limit;     /* limits.maxRoomsPerSocket */
	char *rate_limited;   /* limits.eventsPerMinute, .subscribeEventsPerMinute */
} srv_plain_errors;

typedef struct srv_plainws_cfg {
	char *path;            /* "/ws" */
	srv_strv subprotocols; /* answered in Sec-WebSocket-Protocol */
	char *greeting;        /* JSON sent on open, or NULL */
	char *type_field;      /* "type" */
	srv_plain_msg *msgs;
	size_t nmsgs;
	srv_plain_errors errors;
	char *event_type_field; /* events: {"<this>": EVENT, ...data} ("type") */
	char *event_data_field; /* a non-object argument: {"<type>":EVENT,"<this>":arg} */
	char *token_query;      /* auth: query parameter of the token ("token") */
	bool token_subprotocol; /* auth: the offered subprotocol after the answered one */
	long ping_interval_ms;  /* 25000 */
	long idle_timeout_ms;   /* 20000: no pong within, closed */
	long max_message_bytes; /* 65536 */
	long max_queued_bytes;  /* 1 MiB */
} srv_plainws_cfg;

/* ---- configuration (srv_config_plainws.c) -------------------------------------- */

/* "plainWebSockets": an array of endpoints into cfg->plainws. */
int srv_cfgp_plainws(srv_cfgp *p, int tok, srv_config *cfg);
void srv_plainws_cfg_free(srv_config *cfg);

/* ---- matching and framing (srv_plainws_msg.c) ---------------------------------- */

enum {
	SRV_PLAIN_PARSE_ERROR = -1, /* not JSON */
	SRV_PLAIN_INVALID = -2,     /* JSON of no known shape */
};

/* What a client's message asks for. */
typedef struct srv_plain_match {
	const srv_plain_msg *msg;
	char id[256]; /* the id field's value (a string, or an integer's text) */
	bool id_num;
} srv_plain_match;

/* Match a text message against the endpoint's shapes: 0 and *out, or
 * SRV_PLAIN_PARSE_ERROR, SRV_PLAIN_INVALID. A match has its id (non-empty,
 * no NUL, at most 255 bytes), which matches the shape's idPattern. */
int srv_plainws_match(const srv_plainws_cfg *c, const char *data, size_t len, srv_plain_match *out);

/* An event as the endpoint frames it: {"<type>": event, ...first argument}
 * when that is an object (its own "<type>" member left out: the event names
 * the message), {"<type>": event, "<data>": argument} otherwise (only the
 * type when there is no argument or no data field). args: the arguments'
 * JSON array. 0 and the text in out, or -1. */
int srv_plainws_frame(const srv_plainws_cfg *c, const char *event, const char *args, size_t len,
                      base_buf *out);

/* ---- the endpoints (srv_plainws.c) --------------------------------------------- */

typedef struct srv_plainws srv_plainws;

/* Mount every configured endpoint on l; its clients are sockets of nsp.
 * cors: the Origin check's list (as the Socket.IO server's). NULL with err
 * set when an endpoint cannot be mounted. */
srv_plainws *srv_plainws_new(const srv_config *cfg, eio_listener *l, sio_namespace *nsp,
                             const char *cors, const srv_auth *auth, srv_rooms *rooms,
                             srv_limits *limits, srv_expiry *expiry, srv_presence *presence,
                             srv_metrics *m, char *err, size_t errlen);
/* A new Origin check list (a reload): the next upgrades are checked by it,
 * the connections open stay. 0, or -1 out of memory (an endpoint kept its
 * list). */
int srv_plainws_set_cors(srv_plainws *p, const char *cors);
/* A graceful stop: every plain client is closed with 1001 "server shutting
 * down" once what is queued for it (the shutdown event) is written. */
void srv_plainws_shutdown(srv_plainws *p);
void srv_plainws_free(srv_plainws *p);

#endif
