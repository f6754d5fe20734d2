/* sio-bench-server - the C side of `make bench`: the same application as
 * bench/node-server.js, on the Socket.IO layer.
 *
 *   sio-bench-server [--port P] [--host ADDR] [--ping-interval MS] [--ping-timeout MS] ...
 *
 * Socket.IO on /socket.io/, no CORS, no compression. The handshake query
 * `room` joins that room; event broadcast(room, data) emits "broadcast" with
 * data to the room (io.to(room).emit); event echo(data, ack) acks data.
 * Prints a line containing "listening"; exits 0 on SIGTERM or SIGINT.
 * --redis URL (and the other flags of apps/common/app_redis.h): one member
 * of a fleet sharing rooms through Redis, the C side of make bench's
 * "fleet" scenario. --recovery: connection state recovery, for the
 * "recovery-jitter" scenario and to measure its cost on a fan-out.
 */
#include "app_cli.h"
#include "app_redis.h"
#include "socketio.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static eio_listener *listener;

/* broadcast(room, data): io.to(room).emit("broadcast", data) */
static void on_broadcast(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack, void *u)
{
	(void)ev;
	(void)ack;
	(void)u;
	const char *room = sio_args_str(a, 0, NULL);
	if (!room)
		return;
	sio_out *o = sio_out_new();
	if (o && (sio_args_count(a) < 2 || sio_out_arg(o, a, 1) == 0))
		sio_to(sio_socket_namespace(s), room, "broadcast", o);
	sio_out_free(o);
}

/* echo(data, ack): ack(data) */
static void on_echo(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack, void *u)
{
	(void)s;
	(void)ev;
	(void)u;
	if (!ack)
		return;
	sio_out *o = sio_out_new();
	if (o && (sio_args_count(a) < 1 || sio_out_arg(o, a, 0) == 0))
		sio_ack_send(ack, o);
	else
		sio_ack_drop(ack);
	sio_out_free(o);
}

static void on_connection(sio_socket *s, void *u)
{
	(void)u;
	const char *room = eio_request_query(eio_session_request(sio_socket_session(s)), "room");
	if (room && *room)
		sio_join(s, room);
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
		{ "recovery", no_argument, 0, 'R' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "p:", longopts, NULL)) != -1) {
		if (app_cli_apply(&cli, &o.eio, c, optarg))
			continue;
		int rc = app_redis_apply(&redis, "sio-bench-server", c, optarg);
		if (rc < 0)
			return 2;
		if (rc > 0)
			continue;
		switch (c) {
		case 'R':
			o.recovery.enabled = true;
			break;
		case 'h':
			printf("usage: sio-bench-server [options]\n" APP_CLI_USAGE APP_REDIS_USAGE
			       "  --recovery            connection state recovery (node's\n"
			       "                        connectionStateRecovery, its defaults)\n");
			return 0;
		default:
			return 2;
		}
	}
	o.eio.cors_origin = NULL;
	uv_loop_t *loop = uv_default_loop();
	int err = 0;
	listener = app_cli_listen(&cli, "sio-bench-server", loop);
	if (!listener)
		return 1;
	sio_server *srv = sio_server_new(listener, &o, &err);
	if (!srv) {
		fprintf(stderr, "sio-bench-server: invalid options (%d)\n", err);
		return 1;
	}
	bool failed;
	sio_redis *adapter = app_redis_attach(&redis, "sio-bench-server", loop, srv, &failed);
	if (failed)
		return 1;
	sio_namespace *root = sio_of(srv, "/");
	/* The handlers are the namespace's: no per-socket registration. */
	sio_namespace_on(root, "broadcast", on_broadcast, NULL);
	sio_namespace_on(root, "echo", on_echo, NULL);
	sio_on_connection(root, on_connection, NULL);

	eio_listener_close_on_signals(listener);
	if (adapter)
		app_redis_stop_on_signals(loop);
	char url[80];
	printf("sio-bench-server: listening on %s/socket.io/ (pid %d)\n",
	       app_cli_url(listener, url, sizeof(url)), (int)getpid());
	fflush(stdout);
	uv_run(loop, UV_RUN_DEFAULT);
	eio_listener_free(listener);
	sio_server_free(srv);
	app_redis_free(adapter, loop);
	uv_loop_close(loop);
	return 0;
}
