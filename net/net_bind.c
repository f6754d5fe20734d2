/* net_bind.c - the address a listener binds, and the address it is bound to.
 *
 * lws 4.1 takes the bind address as the string info.iface and reads it
 * itself (lib/plat/unix/unix-sockets.c, lws_interface_to_sa in v4.1.6): an
 * interface name first, else inet_pton. On its default IPv6 socket an IPv4
 * string is parsed into the wrong field of the sockaddr_in6 and the socket
 * is bound to "::", every interface, with no error (docs/engineio.md,
 * pitfall 17). So the listener never gives lws a name: the host is resolved
 * here with getaddrinfo(3), the first of its addresses this machine can bind
 * is chosen (a test bind), and lws gets that address numerically, an IPv4 one
 * with IPv6 off for the context (an AF_INET socket, where lws parses it
 * right). Once lws has bound, the kernel is asked what the listening socket
 * is bound to (net_bind_find), and a listener bound elsewhere is a failure.
 */
#include "net_internal.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Bind a throwaway socket to sa (SO_REUSEADDR, as lws does): 0, or errno. */
static int try_bind(const struct sockaddr *sa, socklen_t len)
{
	int fd = socket(sa->sa_family, SOCK_STREAM, 0);
	if (fd < 0)
		return errno;
	int one = 1, rc = 0;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (sa->sa_family == AF_INET6) /* as lws's dual-stack "::" socket */
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &(int){ 0 }, sizeof(int));
	if (bind(fd, sa, len) < 0)
		rc = errno;
	close(fd);
	return rc;
}

static void set_text(net_bind_addr *out, const struct sockaddr *sa)
{
	out->family = sa->sa_family;
	const void *a = sa->sa_family == AF_INET
	                        ? (const void *)&((const struct sockaddr_in *)sa)->sin_addr
	                        : (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (!inet_ntop(sa->sa_family, a, out->host, sizeof(out->host)))
		out->host[0] = '\0';
}

int net_bind_resolve(const char *host, int port, net_bind_addr *out)
{
	memset(out, 0, sizeof(*out));
	char name[NI_MAXHOST];
	bool any = !host || !*host;
	if (!any) {
		/* "[::1]", as written in a URL, is "::1". */
		size_t n = strlen(host);
		if (host[0] == '[' && n > 2 && host[n - 1] == ']') {
			host++;
			n -= 2;
		}
		if (n >= sizeof(name))
			return NET_ERESOLVE;
		memcpy(name, host, n);
		name[n] = '\0';
	}
	char ps[16];
	snprintf(ps, sizeof(ps), "%d", port > 0 ? port : 0);
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
		                  .ai_socktype = SOCK_STREAM,
		                  .ai_flags = AI_PASSIVE },
	                *ai = NULL;
	if (getaddrinfo(any ? "::" : name, ps, &hints, &ai) != 0 || !ai)
		return any ? 0 : NET_ERESOLVE; /* no IPv6 at all: lws's default */
	int rc = NET_EADDRNOTAVAIL, why = EADDRNOTAVAIL;
	for (struct addrinfo *p = ai; p; p = p->ai_next) {
		if (p->ai_family != AF_INET && p->ai_family != AF_INET6)
			continue;
		/* A link-local IPv6 address needs its scope, which lws 4.1 takes
		 * only as an interface name: not supported. */
		if (p->ai_family == AF_INET6 && ((struct sockaddr_in6 *)p->ai_addr)->sin6_scope_id)
			continue;
		int e = try_bind(p->ai_addr, p->ai_addrlen);
		if (e == 0) {
			set_text(out, p->ai_addr);
			rc = 0;
			break;
		}
		if (e != EADDRNOTAVAIL && e != EAFNOSUPPORT) {
			rc = NET_ELISTEN; /* in use, or not allowed */
			why = e;
			break;
		}
	}
	freeaddrinfo(ai);
	if (rc < 0)
		errno = why;
	if (any) {
		/* lws binds every interface itself (iface NULL). */
		memset(out, 0, sizeof(*out));
		return rc == NET_ELISTEN ? rc : 0;
	}
	return rc;
}

/* Is the socket fd a TCP listener on port? Its address into *sa. */
static bool listening_on(int fd, int port, struct sockaddr_storage *sa)
{
	int acc = 0, type = 0;
	socklen_t l = sizeof(acc);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &l) < 0 || !acc)
		return false;
	l = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) < 0 || type != SOCK_STREAM)
		return false;
	l = sizeof(*sa);
	if (getsockname(fd, (struct sockaddr *)sa, &l) < 0)
		return false;
	if (sa->ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)sa)->sin_port) == port;
	if (sa->ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)sa)->sin6_port) == port;
	return false;
}

int net_bind_find(int port, const net_bind_addr *want, net_bind_addr *got)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return 1;
	int found = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		struct sockaddr_storage sa;
		if (*end || end == e->d_name || fd == dirfd(d) || !listening_on((int)fd, port, &sa))
			continue;
		net_bind_addr a = { 0 };
		set_text(&a, (struct sockaddr *)&sa);
		/* Another listener of this process may share the port on
		 * another address: the one asked for wins. */
		if (!found || (want->family && !strcmp(a.host, want->host)))
			*got = a;
		found = 1;
	}
	closedir(d);
	return found ? 0 : -1;
}
