/* app_cli.c - the server apps' shared command-line flags (see app_cli.h). */
#include "app_cli.h"

#include <stdlib.h>

bool app_cli_apply(app_cli *a, eio_options *o, int c, const char *arg)
{
	switch (c) {
	case 'p':
		a->port = atoi(arg);
		return true;
	case 'H':
		a->host = arg;
		return true;
	case 'i':
		o->ping_interval_ms = (unsigned)atoi(arg);
		return true;
	case 't':
		o->ping_timeout_ms = (unsigned)atoi(arg);
		return true;
	case 'm':
		o->max_payload = strtoull(arg, NULL, 10);
		return true;
	case 'c':
		o->cors_origin = arg;
		o->cors_credentials = true;
		return true;
	default:
		return false;
	}
}
