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
 */
#include "socketio.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static eio_listener *listener;
static uv_signal_t sigint, sigterm;

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
	(void)ev; (void)ack; (void)u;
	sio_out *o = args_from(a, 0);
	sio_emit(s, "message-back", o);
	sio_out_free(o);
}

static void on_message_with_ack(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack,
                                void *u)
{
	(void)s; (void)ev; (void)u;
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
	(void)ack; (void)u;
	bool except = strcmp(ev, "to-room-except") == 0;
	const char *room = sio_args_str(a, 0, NULL);
	const char *ex = except ? sio_args_str(a, 1, NULL) : NULL;
	if (!room || (except && !ex))
		return;
	sio_out *o = args_from(a, except ? 2 : 1);
	const char *rooms[1] = { room }, *excepts[1] = { ex };
	sio_broadcast b = { rooms, 1, excepts, except ? 1 : 0, NULL, false };
	sio_broadcast_emit(sio_socket_namespace(s), &b, "room-message", o);
	sio_out_free(o);
}

static void on_broadcast(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack, void *u)
{
	(void)ev; (void)ack; (void)u;
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
	(void)ev; (void)ack; (void)u;
	sio_out *o = args_from(a, 0);
	sio_emit_with_ack(s, "question", o, 500, on_answer, NULL);
	sio_out_free(o);
}

static void on_disconnect_me(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack,
                             void *u)
{
	(void)ev; (void)a; (void)ack; (void)u;
	sio_disconnect(s, false);
}

static void on_connection(sio_socket *s, void *u)
{
	(void)u;
	sio_on(s, "message", on_message, NULL);
	sio_on(s, "message-with-ack", on_message_with_ack, NULL);
	sio_on(s, "join", on_join_leave, NULL);
	sio_on(s, "leave", on_join_leave, NULL);
	sio_on(s, "to-room", on_to_room, NULL);
	sio_on(s, "to-room-except", on_to_room, NULL);
	sio_on(s, "broadcast", on_broadcast, NULL);
	sio_on(s, "ask", on_ask, NULL);
	sio_on(s, "disconnect-me", on_disconnect_me, NULL);
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

static void eio_echo(eio_session *s, const char *data, size_t len, bool binary, void *u)
{
	(void)u;
	if (binary)
		eio_session_send_binary(s, data, len);
	else
		eio_session_send_text(s, data, len);
}

static void on_signal(uv_signal_t *h, int signum)
{
	(void)h; (void)signum;
	uv_close((uv_handle_t *)&sigint, NULL);
	uv_close((uv_handle_t *)&sigterm, NULL);
	eio_listener_close(listener);
}

int main(int argc, char **argv)
{
	sio_options o;
	sio_options_init(&o);
	int port = 3000;
	const char *host = NULL;
	static const struct option longopts[] = {
		{ "port", required_argument, 0, 'p' },
		{ "host", required_argument, 0, 'H' },
		{ "ping-interval", required_argument, 0, 'i' },
		{ "ping-timeout", required_argument, 0, 't' },
		{ "max-payload", required_argument, 0, 'm' },
		{ "cors-origin", required_argument, 0, 'c' },
		{ "version", no_argument, 0, 'V' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "p:", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': port = atoi(optarg); break;
		case 'H': host = optarg; break;
		case 'i': o.eio.ping_interval_ms = (unsigned)atoi(optarg); break;
		case 't': o.eio.ping_timeout_ms = (unsigned)atoi(optarg); break;
		case 'm': o.eio.max_payload = strtoull(optarg, NULL, 10); break;
		case 'c': o.eio.cors_origin = optarg; o.eio.cors_credentials = true; break;
		case 'V': printf("sio-echo %s\n", EIO_VERSION); return 0;
		case 'h':
			printf("usage: sio-echo [--port N] [--host ADDR] [--ping-interval MS]\n"
			       "       [--ping-timeout MS] [--max-payload BYTES] [--cors-origin O]\n");
			return 0;
		default: return 2;
		}
	}
	uv_loop_t *loop = uv_default_loop();
	int err = 0;
	listener = eio_listener_new(loop, host, port, &err);
	if (!listener) {
		fprintf(stderr, "sio-echo: cannot listen on port %d\n", port);
		return 1;
	}
	sio_server *srv = sio_server_new(listener, &o, &err);
	eio_options eo = o.eio;
	eo.path = "/engine.io/";
	eio_callbacks ecb = { .on_message = eio_echo };
	if (!srv || !eio_server_new(listener, &eo, &ecb, NULL, &err)) {
		fprintf(stderr, "sio-echo: invalid options (%d)\n", err);
		return 1;
	}
	sio_on_connection(sio_of(srv, "/"), on_connection, NULL);
	sio_namespace *custom = sio_of(srv, "/custom");
	sio_use(custom, refuse_mw, NULL);
	sio_on_connection(custom, on_connection, NULL);

	uv_signal_init(loop, &sigint);
	uv_signal_init(loop, &sigterm);
	uv_signal_start(&sigint, on_signal, SIGINT);
	uv_signal_start(&sigterm, on_signal, SIGTERM);
	signal(SIGPIPE, SIG_IGN);
	printf("sio-echo: listening on http://127.0.0.1:%d/socket.io/\n",
	       eio_listener_port(listener));
	fflush(stdout);
	uv_run(loop, UV_RUN_DEFAULT);
	eio_listener_free(listener);
	sio_server_free(srv);
	return uv_loop_close(loop) == 0 ? 0 : 1;
}
