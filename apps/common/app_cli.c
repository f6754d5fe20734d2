/* app_cli.c - the server apps' shared command-line flags (see app_cli.h),
 * and the listener they open with them. */
#include "app_cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	case '3':
		o->allow_eio3 = true;
		return true;
	default:
		return false;
	}
}

eio_listener *app_cli_listen(const app_cli *a, const char *prog, uv_loop_t *loop)
{
	int err = 0;
	eio_listener *l = eio_listener_new(loop, a->host, a->port, &err);
	if (l)
		return l;
	int why = errno;
	const char *host = a->host && *a->host ? a->host : "*";
	if (err == EIO_EINVAL)
		fprintf(stderr, "%s: cannot listen on %s port %d: unknown host\n", prog, host,
		        a->port);
	else if (err == EIO_ELISTEN)
		fprintf(stderr, "%s: cannot listen on %s port %d: %s\n", prog, host, a->port,
		        why == EADDRNOTAVAIL ? "the address is not on this machine"
		                             : strerror(why));
	else
		fprintf(stderr, "%s: cannot listen on %s port %d (error %d)\n", prog, host, a->port,
		        err);
	return NULL;
}

const char *app_cli_url(const eio_listener *l, char *buf, size_t n)
{
	const char *a = eio_listener_address(l);
	snprintf(buf, n, strchr(a, ':') ? "http://[%s]:%d" : "http://%s:%d", a,
	         eio_listener_port(l));
	return buf;
}
