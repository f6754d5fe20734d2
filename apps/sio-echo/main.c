/* sio-echo - the Socket.IO server that the Socket.IO v5 spec's "Test suite"
 * section describes, plus the rooms/broadcast/ack hooks interop/ tests use,
 * and a bare Engine.IO echo endpoint on /engine.io/ in the same process.
 *
 *   namespaces "/" and "/custom"; on connect: emit "auth" with the CONNECT
 *   payload; "message" -> "message-back" with the same args; "message-with-ack"
 *   -> ack with its args; "join"/"leave" (room, ack?); "to-room" (room, ...)
 *   and "to-room-except" (room, except, ...) -> "room-message"; "broadcast"
 *   (...) -> everyone else; "ask" (...) -> server emits "question" with an
 *   ack and a 500 ms timeout, then "answer" or "answer-timeout";
 *   "disconnect-me" -> server-side disconnect. /custom refuses auth.token
 *   "refuse" with message "refused" and data {"code":42}.
 * Also: dynamic namespaces /dyn-<a-z0-9>+ (same handlers); "/async" whose
 *   middleware answers 20 ms later, refusing auth.token "refuse" with message
 *   "refused later" and data {"code":43}; "fetch-room" (room, ack) -> ack with
 *   the ids of the room's sockets; "ask-room" (room, ...args, ack) -> every
 *   socket of the room gets "question" with an ack (500 ms), then ack with
 *   [error or null, [responses...]]; "kick-room" (room) -> disconnect them.
 * Plain HTTP on the same port: GET /health, POST /echo (see on_http).
 * --parser msgpack: the msgpack parser (socket.io-msgpack-parser) instead
 *   of the default JSON one, for every client.
 * Fleet member (interop/test/redis/): --redis URL [--redis-key K]
 *   [--redis-requests-timeout MS] [--redis-specific-response-channel]
 *   [--redis-room-subscriptions] (apps/common/app_redis.h) share rooms and
 *   broadcasts with the other servers on that Redis, C or node ones; the
 *   fleet hooks every socket gets (whoami, set-data, fleet-emit,
 *   fleet-fetch, fleet-rooms, fleet-count, fleet-join, fleet-leave,
 *   fleet-disconnect, fleet-server-emit, fleet-broadcast-ack) and the
 *   server-side event "ping-server" of "/" and "/custom" are fleet.c's, the
 *   twins of interop/reference/fleet.js. Without --redis they act on this
 *   process alone (the in-memory adapter). With --redis, GET /health also
 *   says "redis": {"connected", and the adapter's counters}.
 * --recovery [--recovery-max-ms MS] [--recovery-max-packets N]: connection
 *   state recovery, with the hooks of recovery.c (recovery-state,
 *   kill-transport, stream).
 */
#include "app_cli.h"
#include "recovery.h"
#include "app_redis.h"
#include "fleet.h"
#include "socketio.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static eio_listener *listener;
static sio_redis *adapter; /* --redis */

/* Arguments [from..] of an incoming event, binary included. */
static sio_out *args_from(const sio_args *a, size_t from)
{
	sio_out *o = sio_out_new();
	for (size_t i = from; o && i < sio_args_count(a); i++)
		sio_out_arg(o, a, i);
	return o;
}

static void on_message(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack, void *u)
{
	(void)ev;
	(void)ack;
	(void)u;
	sio_out *o = args_from(a, 0);
	sio_emit(s, "message-back", o);
	sio_out_free(o);
}

static void on_message_with_ack(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack,
                                void *u)
{
	(void)s;
	(void)ev;
	(void)u;
	if (!ack)
		return;
	sio_out *o = args_from(a, 0);
	sio_ack_send(ack, o);
	sio_out_free(o);
}

static void on_join_leave(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack, void *u)
{
	(void)u;
	const char *room = sio_args_str(a, 0, NULL);
	if (room) {
		if (strcmp(ev, "join") == 0)
			sio_join(s, room);
		else
			sio_leave(s, room);
	}
	if (ack)
		sio_ack_send(ack, NULL);
}

static void on_to_room(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack, void *u)
{
	(void)ack;
	(void)u;
	bool except = strcmp(ev, "to-room-except") == 0;
	const char *room = sio_args_str(a, 0, NULL);
	const char *ex = except ? sio_args_str(a, 1, NULL) : NULL;
	if (!room || (except && !ex))
		return;
	sio_out *o = args_from(a, except ? 2 : 1);
	const char *rooms[1] = { room }, *excepts[1] = { ex };
	sio_broadcast b = {
		.rooms = rooms, .nrooms = 1, .except = excepts, .nexcept = except ? 1 : 0
	};
	sio_broadcast_emit(sio_socket_namespace(s), &b, "room-message", o);
	sio_out_free(o);
}

static void on_broadcast(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack, void *u)
{
	(void)ev;
	(void)ack;
	(void)u;
	sio_out *o = args_from(a, 0);
	sio_socket_broadcast(s, "broadcast", o);
	sio_out_free(o);
}

static void on_answer(sio_socket *s, const sio_args *a, const char *err, void *u)
{
	(void)u;
	if (!sio_socket_connected(s))
		return;
	if (err) {
		sio_emit(s, "answer-timeout", NULL);
		return;
	}
	sio_out *o = args_from(a, 0);
	sio_emit(s, "answer", o);
	sio_out_free(o);
}

static void on_ask(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack, void *u)
{
	(void)ev;
	(void)ack;
	(void)u;
	sio_out *o = args_from(a, 0);
	sio_emit_with_ack(s, "question", o, 500, on_answer, NULL);
	sio_out_free(o);
}

static void on_disconnect_me(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack,
                             void *u)
{
	(void)ev;
	(void)a;
	(void)ack;
	(void)u;
	sio_disconnect(s, false);
}

typedef struct id_collect {
	sio_out *o;
} id_collect;

static void add_id(sio_socket *s, void *u)
{
	sio_out_str(((id_collect *)u)->o, sio_socket_id(s));
}

static void on_fetch_room(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack, void *u)
{
	(void)ev;
	(void)u;
	const char *room = sio_args_str(a, 0, NULL);
	if (!room || !ack)
		return;
	sio_out *o = sio_out_new();
	id_collect c = { o };
	const char *rooms[1] = { room };
	sio_broadcast b = { .rooms = rooms, .nrooms = 1 };
	sio_out_array_begin(o);
	sio_fetch_sockets(sio_socket_namespace(s), &b, add_id, &c);
	sio_out_array_end(o);
	sio_ack_send(ack, o);
	sio_out_free(o);
}

static void on_room_answers(sio_namespace *nsp, const sio_args *const *resp, size_t n,
                            const char *err, void *u)
{
	(void)nsp;
	sio_ack *ack = u;
	sio_out *o = sio_out_new();
	if (err)
		sio_out_str(o, err);
	else
		sio_out_null(o);
	sio_out_array_begin(o);
	for (size_t i = 0; i < n; i++)
		sio_out_arg(o, resp[i], 0);
	sio_out_array_end(o);
	sio_ack_send(ack, o);
	sio_out_free(o);
}

static void on_ask_room(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack, void *u)
{
	(void)ev;
	(void)u;
	const char *room = sio_args_str(a, 0, NULL);
	if (!room || !ack)
		return;
	sio_out *o = args_from(a, 1);
	const char *rooms[1] = { room };
	sio_broadcast b = { .rooms = rooms, .nrooms = 1 };
	sio_ack_retain(ack);
	sio_broadcast_emit_with_ack(sio_socket_namespace(s), &b, "question", o, 500,
	                            on_room_answers, ack);
	sio_out_free(o);
}

static void on_kick_room(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack, void *u)
{
	(void)ev;
	(void)ack;
	(void)u;
	const char *room = sio_args_str(a, 0, NULL);
	const char *rooms[1] = { room };
	sio_broadcast b = { .rooms = rooms, .nrooms = 1 };
	if (room)
		sio_disconnect_sockets(sio_socket_namespace(s), &b, false);
}

/* The handlers are the namespace's, shared by all its sockets. */
static void add_handlers(sio_namespace *nsp)
{
	sio_namespace_on(nsp, "message", on_message, NULL);
	sio_namespace_on(nsp, "message-with-ack", on_message_with_ack, NULL);
	sio_namespace_on(nsp, "join", on_join_leave, NULL);
	sio_namespace_on(nsp, "leave", on_join_leave, NULL);
	sio_namespace_on(nsp, "to-room", on_to_room, NULL);
	sio_namespace_on(nsp, "to-room-except", on_to_room, NULL);
	sio_namespace_on(nsp, "broadcast", on_broadcast, NULL);
	sio_namespace_on(nsp, "ask", on_ask, NULL);
	sio_namespace_on(nsp, "disconnect-me", on_disconnect_me, NULL);
	sio_namespace_on(nsp, "fetch-room", on_fetch_room, NULL);
	sio_namespace_on(nsp, "ask-room", on_ask_room, NULL);
	sio_namespace_on(nsp, "kick-room", on_kick_room, NULL);
	fleet_add_handlers(nsp);
	recovery_add_handlers(nsp);
}

static void on_connection(sio_socket *s, void *u)
{
	(void)u;
	size_t n;
	const char *auth = sio_socket_auth(s, &n);
	sio_out *o = sio_out_new();
	if (o && sio_out_json(o, auth, n) == 0)
		sio_emit(s, "auth", o);
	sio_out_free(o);
}

/* /custom: auth {"token":"refuse"} is refused with message and data. */
static int refuse_mw(sio_socket *s, const char **message, const char **data, void *u)
{
	(void)u;
	size_t n;
	const char *auth = sio_socket_auth(s, &n);
	if (strstr(auth, "\"token\":\"refuse\"")) {
		*message = "refused";
		*data = "{\"code\":42}";
		return -1;
	}
	return 0;
}

/* /dyn-<a-z0-9>+ */
static bool match_dyn(const char *name, const char *auth, void *u)
{
	(void)auth;
	(void)u;
	if (strncmp(name, "/dyn-", 5) != 0 || !name[5])
		return false;
	for (const char *p = name + 5; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
			return false;
	return true;
}

/* /async: the verdict comes 20 ms later, as after a database call. */
typedef struct pending_mw {
	uv_timer_t t;
	sio_next *next;
	bool refuse;
} pending_mw;

static void pending_closed(uv_handle_t *h)
{
	free(h->data);
}

static void on_mw_timer(uv_timer_t *t)
{
	pending_mw *p = t->data;
	if (p->refuse)
		sio_next_refuse(p->next, "refused later", "{\"code\":43}");
	else
		sio_next_accept(p->next);
	uv_close((uv_handle_t *)t, pending_closed);
}

static void async_mw(sio_socket *s, sio_next *next, void *u)
{
	(void)u;
	pending_mw *p = calloc(1, sizeof(*p));
	if (!p) {
		sio_next_refuse(next, "out of memory", NULL);
		return;
	}
	p->next = next;
	p->refuse = strstr(sio_socket_auth(s, NULL), "\"token\":\"refuse\"") != NULL;
	uv_timer_init(
	        eio_server_loop(sio_server_engine(sio_namespace_server(sio_socket_namespace(s)))),
	        &p->t);
	p->t.data = p;
	uv_timer_start(&p->t, on_mw_timer, 20, 0);
}

/* {"status":"ok","sessions":N}, and with --redis the adapter's state and
 * counters (sio_redis_get_stats): "redis":{"connected":..., ...}. */
static int health_body(sio_server *srv, char *body, size_t cap)
{
	size_t sessions = eio_server_session_count(sio_server_engine(srv));
	if (!adapter)
		return snprintf(body, cap, "{\"status\":\"ok\",\"sessions\":%zu}", sessions);
	sio_redis_stats st;
	sio_redis_get_stats(adapter, &st);
	return snprintf(body, cap,
	                "{\"status\":\"ok\",\"sessions\":%zu,\"redis\":{\"connected\":%s,"
	                "\"connects\":%llu,\"published\":%llu,\"publish_dropped\":%llu,"
	                "\"queued_bytes\":%zu,\"received\":%llu,\"malformed\":%llu,"
	                "\"requests\":%llu,\"requests_timed_out\":%llu,\"answers_missing\":%llu}}",
	                sessions, st.connected ? "true" : "false", (unsigned long long)st.connects,
	                (unsigned long long)st.published, (unsigned long long)st.publish_dropped,
	                st.queued_bytes, (unsigned long long)st.received,
	                (unsigned long long)st.malformed, (unsigned long long)st.requests,
	                (unsigned long long)st.requests_timed_out,
	                (unsigned long long)st.answers_missing);
}

/* Plain HTTP on the same port: GET /health -> health_body();
 * POST /echo -> the body back, with the x-echo-tag header in the type. */
static void on_http(eio_http_request *req, void *u)
{
	sio_server *srv = u;
	const eio_request *info = eio_http_request_info(req);
	const char *url = eio_request_url(info);
	const char *method = eio_http_request_method(req);
	if (strcmp(method, "GET") == 0 && strncmp(url, "/health", 7) == 0 &&
	    (url[7] == '\0' || url[7] == '?')) {
		char body[512];
		int n = health_body(srv, body, sizeof(body));
		eio_http_reply(req, 200, "application/json", body, (size_t)n);
	} else if (strcmp(method, "POST") == 0 && strcmp(url, "/echo") == 0) {
		size_t n;
		const char *b = eio_http_request_body(req, &n);
		const char *tag = eio_request_header(info, "x-echo-tag");
		eio_http_reply(req, 200,
		               tag && strcmp(tag, "json") == 0 ? "application/json" : "text/plain",
		               b, n);
	} else {
		eio_http_reply(req, 404, "text/plain", "Not Found", 9);
	}
}

static void eio_echo(eio_session *s, const char *data, size_t len, bool binary, void *u)
{
	(void)u;
	if (binary)
		eio_session_send_binary(s, data, len);
	else
		eio_session_send_text(s, data, len);
}

int main(int argc, char **argv)
{
	sio_options o;
	sio_options_init(&o);
	app_cli cli = { 3000, NULL };
	app_redis redis;
	app_redis_init(&redis);
	static const struct option longopts[] = {
		APP_CLI_LONGOPTS,
		APP_REDIS_LONGOPTS,
		{ "parser", required_argument, 0, 'P' },
		{ "recovery", no_argument, 0, 'R' },
		{ "recovery-max-ms", required_argument, 0, 'D' },
		{ "recovery-max-packets", required_argument, 0, 'K' },
		{ "version", no_argument, 0, 'V' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "p:", longopts, NULL)) != -1) {
		if (app_cli_apply(&cli, &o.eio, c, optarg))
			continue;
		int rc = app_redis_apply(&redis, "sio-echo", c, optarg);
		if (rc < 0)
			return 2;
		if (rc > 0)
			continue;
		switch (c) {
		case 'P':
			if (strcmp(optarg, "msgpack") == 0)
				o.parser = SIO_PARSER_MSGPACK;
			else if (strcmp(optarg, "default") != 0) {
				fprintf(stderr, "sio-echo: --parser: default or msgpack\n");
				return 2;
			}
			break;
		case 'R':
			o.recovery.enabled = true;
			break;
		case 'D':
		case 'K': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || !*optarg || v > 86400000) {
				fprintf(stderr, "sio-echo: bad value for --recovery-max-%s: %s\n",
				        c == 'D' ? "ms" : "packets", optarg);
				return 2;
			}
			if (c == 'D')
				o.recovery.max_disconnection_ms = (unsigned)v;
			else
				o.recovery.max_packets = v;
			break;
		}
		case 'V':
			printf("sio-echo %s\n", EIO_VERSION);
			return 0;
		case 'h':
			printf("usage: sio-echo [options]\n" APP_CLI_USAGE APP_REDIS_USAGE
			       "  --parser NAME         default (JSON) or msgpack\n"
			       "  --recovery            connection state recovery (node's\n"
			       "                        connectionStateRecovery)\n"
			       "  --recovery-max-ms MS  maxDisconnectionDuration, default 120000\n"
			       "  --recovery-max-packets N  packets kept per namespace, default "
			       "10000\n"
			       "  --version, --help\n");
			return 0;
		default:
			return 2;
		}
	}
	uv_loop_t *loop = uv_default_loop();
	int err = 0;
	listener = app_cli_listen(&cli, "sio-echo", loop);
	if (!listener)
		return 1;
	sio_server *srv = sio_server_new(listener, &o, &err);
	eio_options eo = o.eio;
	eo.path = "/engine.io/";
	eio_callbacks ecb = { .on_message = eio_echo };
	if (!srv || !eio_server_new(listener, &eo, &ecb, NULL, &err)) {
		fprintf(stderr, "sio-echo: invalid options (%d)\n", err);
		return 1;
	}
	bool failed;
	adapter = app_redis_attach(&redis, "sio-echo", loop, srv, &failed);
	if (failed)
		return 1;
	fleet_set_port(cli.port);
	eio_listener_set_http_handler(listener, on_http, "x-echo-tag", srv);
	sio_namespace *root = sio_of(srv, "/");
	add_handlers(root);
	fleet_add_server_handlers(root);
	sio_on_connection(root, on_connection, NULL);
	sio_namespace *custom = sio_of(srv, "/custom");
	add_handlers(custom);
	fleet_add_server_handlers(custom);
	sio_use(custom, refuse_mw, NULL);
	sio_on_connection(custom, on_connection, NULL);
	sio_namespace *dyn = sio_of_dynamic(srv, match_dyn, NULL);
	add_handlers(dyn);
	sio_on_connection(dyn, on_connection, NULL);
	sio_namespace *async = sio_of(srv, "/async");
	add_handlers(async);
	sio_use_async(async, async_mw, NULL);
	sio_on_connection(async, on_connection, NULL);

	eio_listener_close_on_signals(listener);
	if (adapter)
		app_redis_stop_on_signals(loop);
	char url[80];
	printf("sio-echo: listening on %s/socket.io/\n", app_cli_url(listener, url, sizeof(url)));
	fflush(stdout);
	uv_run(loop, UV_RUN_DEFAULT);
	recovery_stop();
	eio_listener_free(listener);
	sio_server_free(srv);
	app_redis_free(adapter, loop);
	return uv_loop_close(loop) == 0 ? 0 : 1;
}
