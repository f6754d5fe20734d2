/* app_cli.h - the command-line flags every server app of the project takes
 * (--port, --host, --ping-interval, --ping-timeout, --max-payload,
 * --cors-origin, --allow-eio3), parsed in one place. Linked into every app. */
#ifndef APP_CLI_H
#define APP_CLI_H

#include "engineio.h"

#include <getopt.h>

#define APP_CLI_LONGOPTS                                                              \
	{ "port", required_argument, 0, 'p' }, { "host", required_argument, 0, 'H' }, \
	        { "ping-interval", required_argument, 0, 'i' },                       \
	        { "ping-timeout", required_argument, 0, 't' },                        \
	        { "max-payload", required_argument, 0, 'm' },                         \
	        { "cors-origin", required_argument, 0, 'c' },                         \
	{                                                                             \
		"allow-eio3", no_argument, 0, '3'                                     \
	}

#define APP_CLI_USAGE                                                               \
	"  --port N              port to listen on (default 3000)\n"                \
	"  --host ADDR           address or name to bind (default all)\n"           \
	"  --ping-interval MS    default 25000\n"                                   \
	"  --ping-timeout MS     default 20000\n"                                   \
	"  --max-payload BYTES   maxHttpBufferSize, default 1000000\n"              \
	"  --cors-origin ORIGIN  allowed origin(s), '*' for any (credentials on)\n" \
	"  --allow-eio3          also accept Engine.IO v3 clients (socket.io-client 2.x)\n"

typedef struct app_cli {
	int port;
	const char *host;
} app_cli;

/* Apply flag c (as returned by getopt_long over APP_CLI_LONGOPTS) to the
 * engine options; false when c is not one of the shared flags. */
bool app_cli_apply(app_cli *a, eio_options *o, int c, const char *arg);

/* eio_listener_new() on a->host and a->port; on failure, one line on stderr
 * saying why ("prog: cannot listen on HOST port N: reason") and NULL. */
eio_listener *app_cli_listen(const app_cli *a, const char *prog, uv_loop_t *loop);

/* "http://127.0.0.1:3000", "http://[::1]:3000": the URL of the address l is
 * bound to, in buf. */
const char *app_cli_url(const eio_listener *l, char *buf, size_t n);

#endif
