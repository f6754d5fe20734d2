/* bare-polling.c - the ceiling of long-polling on this machine: a server that
 * does only the system calls a polling server cannot avoid.
 *
 *   bare-polling PORT
 *
 * A measurement tool for docs/performance.md ("Long-polling"), never a
 * server to deploy: one epoll loop, level-triggered, answering exactly what
 * `sio-bench polling-echo` sends and nothing else. No HTTP validation, no
 * Engine.IO heartbeat, no timeouts, no limits; fixed responses; a client
 * that does anything unexpected is disconnected. Per echo it makes the same
 * unavoidable calls as any polling server: the POST is read (recv) and
 * answered "ok" (one send), the ack goes out as the answer to the parked GET
 * (one send), the next GET is read (recv), plus epoll_wait. Whatever rate it
 * reaches is what the kernel allows on loopback here, with no user-space
 * cost to speak of: the most any server, in any language, can do.
 *
 * Requests handled (sio-bench's polling client):
 *   GET  ...?EIO=4&transport=polling            -> "0{"sid":"N",...}"
 *   POST ...&sid=N  body "40" / "42<id>[...]"   -> "ok"; queues "40{...}" or
 *                                                   "43<id>[...]" (the ack)
 *   GET  ...&sid=N                              -> the queued packets, or
 *                                                   parked until some arrive
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FD       65536
#define MAX_SESSIONS 65536
#define INBUF        8192

typedef struct conn {
	char in[INBUF];
	size_t len;
	int session; /* the session whose GET is parked here, or -1 */
} conn;

typedef struct session {
	char q[4096]; /* queued packets, joined by 0x1e */
	size_t qlen;
	int parked_fd; /* -1: no GET waiting */
} session;

static conn *conns[MAX_FD];
static session *sessions[MAX_SESSIONS];
static int nsessions;
static int ep;

static void drop(int fd)
{
	conn *c = conns[fd];
	if (c && c->session >= 0 && sessions[c->session]->parked_fd == fd)
		sessions[c->session]->parked_fd = -1;
	free(c);
	conns[fd] = NULL;
	close(fd);
}

/* One response, one send (small bodies on loopback always go whole). */
static int respond(int fd, const char *body, size_t n)
{
	char b[8192];
	int h = snprintf(b, sizeof(b),
	                 "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=UTF-8\r\n"
	                 "Content-Length: %zu\r\n\r\n",
	                 n);
	if ((size_t)h + n > sizeof(b))
		return -1;
	memcpy(b + h, body, n);
	return send(fd, b, (size_t)h + n, MSG_NOSIGNAL) == (ssize_t)((size_t)h + n) ? 0 : -1;
}

static void queue(session *s, const char *p, size_t n)
{
	if (s->qlen + n + 1 > sizeof(s->q))
		return; /* sio-bench keeps one echo in flight: never full */
	if (s->qlen)
		s->q[s->qlen++] = 0x1e;
	memcpy(s->q + s->qlen, p, n);
	s->qlen += n;
}

static void flush(session *s)
{
	if (s->parked_fd < 0 || s->qlen == 0)
		return;
	int fd = s->parked_fd;
	s->parked_fd = -1;
	conns[fd]->session = -1;
	if (respond(fd, s->q, s->qlen) < 0)
		drop(fd);
	s->qlen = 0;
}

/* "42<id>["echo",ARGS]" -> "43<id>[ARGS]" */
static void on_packet(session *s, const char *p, size_t n, int sid)
{
	char out[2048];
	if (n == 2 && memcmp(p, "40", 2) == 0) {
		int k = snprintf(out, sizeof(out), "40{\"sid\":\"s%d\"}", sid);
		queue(s, out, (size_t)k);
	} else if (n > 2 && p[0] == '4' && p[1] == '2') {
		const char *a = memchr(p, '[', n);
		const char *comma = a ? memchr(a, ',', n - (size_t)(a - p)) : NULL;
		if (!a || !comma || (size_t)(a - p) + 2 + (n - (size_t)(comma - p)) > sizeof(out))
			return;
		size_t idl = (size_t)(a - p) - 2, rest = n - (size_t)(comma + 1 - p);
		memcpy(out, "43", 2);
		memcpy(out + 2, p + 2, idl);
		out[2 + idl] = '[';
		memcpy(out + 3 + idl, comma + 1, rest);
		queue(s, out, 3 + idl + rest);
	}
}

/* Handle one complete request; returns its length, 0 if incomplete, -1 bad. */
static long handle(int fd, conn *c)
{
	char *end = memmem(c->in, c->len, "\r\n\r\n", 4);
	if (!end)
		return c->len == INBUF ? -1 : 0;
	size_t hlen = (size_t)(end + 4 - c->in), blen = 0;
	bool post = c->len >= 5 && memcmp(c->in, "POST ", 5) == 0;
	if (post) {
		char *cl = memmem(c->in, hlen, "Content-Length: ", 16);
		if (!cl)
			return -1;
		blen = strtoul(cl + 16, NULL, 10);
		if (hlen + blen > INBUF)
			return -1;
		if (c->len < hlen + blen)
			return 0;
	}
	char *sidp = memmem(c->in, hlen, "&sid=s", 6);
	if (!sidp) { /* handshake */
		if (nsessions == MAX_SESSIONS)
			return -1;
		session *s = calloc(1, sizeof(*s));
		s->parked_fd = -1;
		sessions[nsessions] = s;
		char body[256];
		int k = snprintf(body, sizeof(body),
		                 "0{\"sid\":\"s%d\",\"upgrades\":[],\"pingInterval\":250000,"
		                 "\"pingTimeout\":200000,\"maxPayload\":1000000}",
		                 nsessions);
		nsessions++;
		return respond(fd, body, (size_t)k) < 0 ? -1 : (long)hlen;
	}
	int sid = atoi(sidp + 6);
	if (sid < 0 || sid >= nsessions)
		return -1;
	session *s = sessions[sid];
	if (post) {
		const char *p = c->in + hlen, *e = p + blen;
		while (p < e) {
			const char *sep = memchr(p, 0x1e, (size_t)(e - p));
			if (!sep)
				sep = e;
			on_packet(s, p, (size_t)(sep - p), sid);
			p = sep + 1;
		}
		if (respond(fd, "ok", 2) < 0)
			return -1;
		flush(s);
		return (long)(hlen + blen);
	}
	if (s->parked_fd >= 0)
		return -1;
	s->parked_fd = fd;
	c->session = sid;
	flush(s);
	return (long)hlen;
}

static void on_readable(int fd)
{
	conn *c = conns[fd];
	ssize_t n = recv(fd, c->in + c->len, INBUF - c->len, 0);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			drop(fd);
		return;
	}
	c->len += (size_t)n;
	long used;
	while (c->len && (used = handle(fd, c)) != 0) {
		if (used < 0) {
			drop(fd);
			return;
		}
		memmove(c->in, c->in + used, c->len - (size_t)used);
		c->len -= (size_t)used;
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: bare-polling PORT\n");
		return 2;
	}
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = { .sin_family = AF_INET,
		                 .sin_port = htons((uint16_t)atoi(argv[1])) };
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 4096) < 0) {
		perror("bare-polling: listen");
		return 1;
	}
	ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = lfd };
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	printf("bare-polling listening on %s\n", argv[1]);
	fflush(stdout);
	struct epoll_event evs[512];
	for (;;) {
		int n = epoll_wait(ep, evs, 512, -1);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == lfd) {
				int c;
				while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					if (c >= MAX_FD) {
						close(c);
						continue;
					}
					setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					conns[c] = calloc(1, sizeof(conn));
					conns[c]->session = -1;
					struct epoll_event ce = { .events = EPOLLIN, .data.fd = c };
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
				}
			} else if (conns[fd]) {
				on_readable(fd);
			}
		}
	}
}
