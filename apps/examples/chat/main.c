/* chat - the Socket.IO C API in about a hundred lines: a chat server.
 *
 * Clients connect with io(url, {auth: {name: "ada"}}) (refused without a
 * name), then emit "join" (room, ack), "say" (room, text, ack) and "leave"
 * (room). Everyone in a room receives "message" {from, text} and "system"
 * notices when people come and go.
 *
 *   build/examples/chat --port 3000
 */
#include "socketio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Middleware: the display name comes from the CONNECT payload. */
static int need_name(sio_socket *s, const char **message, const char **data, void *u)
{
	(void)data;
	(void)u;
	size_t n;
	const char *auth = sio_socket_auth(s, &n);
	const char *p = strstr(auth, "\"name\":\"");
	if (!p) {
		*message = "a name is required";
		return -1;
	}
	p += 8;
	size_t len = strcspn(p, "\"\\");
	char *name = strndup(p, len > 32 ? 32 : len);
	sio_socket_set_user(s, name);
	return 0;
}

static void notice(sio_socket *s, const char *room, const char *what)
{
	char text[128];
	snprintf(text, sizeof(text), "%s %s", (char *)sio_socket_get_user(s), what);
	sio_out *o = sio_out_new();
	sio_out_str(o, text);
	sio_to(sio_socket_namespace(s), room, "system", o); /* encoded once */
	sio_out_free(o);
}

static void on_join(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack, void *u)
{
	(void)ev;
	(void)u;
	const char *room = sio_args_str(a, 0, NULL);
	if (!room)
		return;
	sio_join(s, room);
	notice(s, room, "joined");
	if (ack) {
		sio_out *o = sio_out_new();
		sio_out_str(o, room);
		sio_ack_send(ack, o);
		sio_out_free(o);
	}
}

static void on_say(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack, void *u)
{
	(void)ev;
	(void)u;
	const char *room = sio_args_str(a, 0, NULL), *text = sio_args_str(a, 1, NULL);
	if (!room || !text || !sio_in_room(s, room))
		return;
	sio_out *o = sio_out_new();
	sio_out_object_begin(o);
	sio_out_key(o, "from");
	sio_out_str(o, sio_socket_get_user(s));
	sio_out_key(o, "text");
	sio_out_str(o, text);
	sio_out_object_end(o);
	sio_to(sio_socket_namespace(s), room, "message", o);
	sio_out_free(o);
	if (ack)
		sio_ack_send(ack, NULL);
}

static void on_leave(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack, void *u)
{
	(void)ev;
	(void)ack;
	(void)u;
	const char *room = sio_args_str(a, 0, NULL);
	if (room && sio_in_room(s, room)) {
		sio_leave(s, room);
		notice(s, room, "left");
	}
}

static void on_disconnect(sio_socket *s, const char *reason, void *u)
{
	(void)reason;
	(void)u;
	free(sio_socket_get_user(s));
}

static void on_connection(sio_socket *s, void *u)
{
	(void)u;
	sio_on(s, "join", on_join, NULL);
	sio_on(s, "say", on_say, NULL);
	sio_on(s, "leave", on_leave, NULL);
	sio_on_disconnect(s, on_disconnect, NULL);
}

int main(int argc, char **argv)
{
	int port = argc > 2 && strcmp(argv[1], "--port") == 0 ? atoi(argv[2]) : 3000, err;
	uv_loop_t *loop = uv_default_loop();
	eio_listener *l = eio_listener_new(loop, NULL, port, &err);
	sio_options o;
	sio_options_init(&o);
	o.eio.cors_origin = "*";
	sio_server *io = l ? sio_server_new(l, &o, &err) : NULL;
	if (!io) {
		fprintf(stderr, "chat: cannot start on port %d\n", port);
		return 1;
	}
	sio_namespace *root = sio_of(io, "/");
	sio_use(root, need_name, NULL);
	sio_on_connection(root, on_connection, NULL);
	eio_listener_close_on_signals(l); /* Ctrl-C: a graceful stop */
	/* The address it is bound to: every interface ("::") here. */
	const char *a = eio_listener_address(l);
	printf(strchr(a, ':') ? "chat: listening on http://[%s]:%d/socket.io/\n"
	                      : "chat: listening on http://%s:%d/socket.io/\n",
	       a, eio_listener_port(l));
	fflush(stdout);
	uv_run(loop, UV_RUN_DEFAULT);
	eio_listener_free(l);
	sio_server_free(io);
	return 0;
}
