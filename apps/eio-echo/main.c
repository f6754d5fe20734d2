/* eio-echo - a bare Engine.IO echo server, the one the Engine.IO v4 spec's
 * "Test suite" section describes: every message goes back as it came (text as
 * text, binary as binary), on path /engine.io/.
 *
 * Test hooks used by interop/: the text message "close-me" makes the server
 * close that session, and --deny-header NAME refuses handshakes that carry
 * header NAME (allowRequest, 403 code 4).
 */
#include "app_cli.h"
#include "engineio.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *deny_header;
static eio_listener *listener;

static void on_message(eio_session *s, const char *data, size_t len, bool binary, void *user)
{
	(void)user;
	if (!binary && len == 8 && memcmp(data, "close-me", 8) == 0) {
		eio_session_close(s);
		return;
	}
	if (binary)
		eio_session_send_binary(s, data, len);
	else
		eio_session_send_text(s, data, len);
}

static int allow_request(const eio_request *req, const char **message, void *user)
{
	(void)user;
	(void)message;
	return deny_header && eio_request_header(req, deny_header) ? -1 : 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: eio-echo [options]\n" APP_CLI_USAGE
	           "  --path PATH           Engine.IO path (default /engine.io/)\n"
	           "  --transports LIST     polling,websocket (default both)\n"
	           "  --deny-header NAME    refuse handshakes carrying header NAME\n"
	           "  --version, --help\n");
}

int main(int argc, char **argv)
{
	eio_options o;
	eio_options_init(&o);
	o.path = "/engine.io/";
	app_cli cli = { 3000, NULL };
	static const struct option longopts[] = {
		APP_CLI_LONGOPTS,
		{ "path", required_argument, 0, 'P' },
		{ "transports", required_argument, 0, 'T' },
		{ "deny-header", required_argument, 0, 'd' },
		{ "version", no_argument, 0, 'V' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "p:", longopts, NULL)) != -1) {
		if (app_cli_apply(&cli, &o, c, optarg))
			continue;
		switch (c) {
		case 'P':
			o.path = optarg;
			break;
		case 'T':
			o.transports = (strstr(optarg, "polling") ? EIO_TRANSPORT_POLLING : 0) |
			               (strstr(optarg, "websocket") ? EIO_TRANSPORT_WEBSOCKET : 0);
			break;
		case 'd':
			deny_header = optarg;
			break;
		case 'V':
			printf("eio-echo %s\n", EIO_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (deny_header) {
		o.allow_request = allow_request;
		o.capture_headers = deny_header;
	}

	uv_loop_t *loop = uv_default_loop();
	int err = 0;
	listener = app_cli_listen(&cli, "eio-echo", loop);
	if (!listener)
		return 1;
	eio_callbacks cb = { .on_message = on_message };
	eio_server *srv = eio_server_new(listener, &o, &cb, NULL, &err);
	if (!srv) {
		fprintf(stderr, "eio-echo: invalid options (%d)\n", err);
		return 1;
	}
	eio_listener_close_on_signals(listener);
	char url[80];
	printf("eio-echo: listening on %s%s\n", app_cli_url(listener, url, sizeof(url)),
	       eio_server_options(srv)->path);
	fflush(stdout);
	uv_run(loop, UV_RUN_DEFAULT);
	eio_listener_free(listener);
	return uv_loop_close(loop) == 0 ? 0 : 1;
}
