/* chan.c - sio-bench's transport (chan.h): epoll (edge-triggered), non-blocking
 * TCP, a minimal HTTP/1.1 client (Content-Length and chunked responses,
 * keep-alive) and a WebSocket client (RFC 6455: masked client frames, 16/64-bit
 * lengths, fragmentation, ping/pong, close).
 *
 * Each thread has its own chan_loop (chan_loop_enter): an epoll set and one
 * large read buffer; reads are parsed in place there and only the tail of a
 * partial frame is copied into the channel, so ten thousand idle connections
 * cost no read buffers. Received CHAN_COUNT_PREFIX messages are counted right
 * here by a prefix compare, never parsed. Everything else goes up through the
 * loop's handlers, one indirect call per message or response.
 */
#define _GNU_SOURCE
#include "chan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#define RBUF_SIZE  (1 << 20)
#define MAX_EVENTS 1024

/* The calling thread's loop. */
static _Thread_local chan_loop *cur;

/* ---- Loops ------------------------------------------------------------------ */

/* The loop's epoll set, its wake-up eventfd (registered with a NULL
 * pointer, which no channel has) and its read buffer. */
int chan_loop_init(chan_loop *l, const chan_peer *peer, const chan_handlers *h)
{
	l->peer = peer;
	l->h = *h;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	l->rbuf = malloc(RBUF_SIZE);
	if (l->epfd < 0 || l->wakefd < 0 || !l->rbuf)
		return -1;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->wakefd, &ev);
}

void chan_loop_enter(chan_loop *l)
{
	cur = l;
}

void chan_loop_wake(chan_loop *l)
{
	uint64_t one = 1;
	ssize_t r = write(l->wakefd, &one, sizeof(one));
	(void)r; /* EAGAIN: a wake-up is already pending */
}

void chan_count(uint64_t t)
{
	cur->counted++;
	cur->last_counted = t;
}

/* ---- Sockets ---------------------------------------------------------------- */

/* The channel's server: its own, or its loop's. */
static const chan_peer *peer_of(const chan *ch)
{
	return ch->peer ? ch->peer : cur->peer;
}

void chan_init(chan *ch, uint8_t kind, void *owner)
{
	ch->fd = -1;
	ch->peer = NULL;
	ch->kind = kind;
	ch->owner = owner;
}

int chan_connect(chan *ch, const struct sockaddr_in *src)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (src) {
#ifdef IP_BIND_ADDRESS_NO_PORT
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
#endif
		if (bind(fd, (const struct sockaddr *)src, sizeof(*src)) < 0) {
			close(fd);
			return -1;
		}
	}
	const chan_peer *peer = peer_of(ch);
	if (connect(fd, (const struct sockaddr *)&peer->addr, sizeof(peer->addr)) < 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
		                  .data.ptr = ch };
	if (epoll_ctl(cur->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		close(fd);
		return -1;
	}
	ch->fd = fd;
	ch->connected = false;
	ch->conn_close = false;
	ch->state = ST_IDLE;
	return 0;
}

void chan_close(chan *ch)
{
	if (ch->fd >= 0)
		close(ch->fd);
	ch->fd = -1;
	ch->state = ST_CLOSED;
	ch->connected = false;
	buf_free(&ch->in);
	buf_free(&ch->out);
	buf_free(&ch->frag);
}

static void chan_fail(chan *ch, const char *why)
{
	chan_close(ch);
	cur->h.closed(ch, why);
}

static void chan_flush(chan *ch)
{
	size_t off = 0;
	while (off < ch->out.len) {
		ssize_t w = write(ch->fd, ch->out.p + off, ch->out.len - off);
		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			chan_fail(ch, "write error");
			return;
		}
		off += (size_t)w;
	}
	buf_consume(&ch->out, off);
	if (ch->out.len == 0)
		buf_free(&ch->out);
}

void chan_send(chan *ch, const void *d, size_t n)
{
	if (ch->fd < 0)
		return;
	if (ch->connected && ch->out.len == 0) {
		ssize_t w = write(ch->fd, d, n);
		if (w == (ssize_t)n)
			return;
		if (w < 0) {
			if (errno != EAGAIN && errno != EINTR) {
				chan_fail(ch, "write error");
				return;
			}
			w = 0;
		}
		d = (const char *)d + w;
		n -= (size_t)w;
	}
	buf_append(&ch->out, d, n);
}

/* ---- WebSocket ---------------------------------------------------------------- */

static const uint8_t mask_key[4] = { 0x1b, 0x5e, 0x9a, 0xd7 };

void chan_ws_send(chan *ch, const char *d, size_t n)
{
	char stack[2048];
	size_t hl = n < 126 ? 2 : n < 65536 ? 4 : 10;
	size_t total = hl + 4 + n;
	char *f = total <= sizeof(stack) ? stack : malloc(total);
	if (!f)
		return;
	f[0] = (char)0x81;
	if (n < 126) {
		f[1] = (char)(0x80 | n);
	} else if (n < 65536) {
		f[1] = (char)(0x80 | 126);
		f[2] = (char)(n >> 8);
		f[3] = (char)n;
	} else {
		f[1] = (char)(0x80 | 127);
		for (int i = 0; i < 8; i++)
			f[2 + i] = (char)((uint64_t)n >> (56 - 8 * i));
	}
	memcpy(f + hl, mask_key, 4);
	char *p = f + hl + 4;
	for (size_t i = 0; i < n; i++)
		p[i] = (char)(d[i] ^ mask_key[i & 3]);
	chan_send(ch, f, total);
	if (f != stack)
		free(f);
}

static void ws_send_control(chan *ch, int op, const char *d, size_t n)
{
	char f[6 + 125];
	if (n > 125)
		n = 125;
	f[0] = (char)(0x80 | op);
	f[1] = (char)(0x80 | n);
	memcpy(f + 2, mask_key, 4);
	for (size_t i = 0; i < n; i++)
		f[6 + i] = (char)(d[i] ^ mask_key[i & 3]);
	chan_send(ch, f, 6 + n);
}

void chan_ws_open(chan *ch, const char *query)
{
	char req[1024];
	int n = snprintf(req, sizeof(req),
	                 "GET %s?%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
	                 "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	                 "Sec-WebSocket-Version: 13\r\n\r\n",
	                 peer_of(ch)->path, query, peer_of(ch)->host);
	ch->state = ST_HTTP;
	chan_send(ch, req, (size_t)n);
}

/* Parse complete frames from p[0..len); returns bytes consumed, or -1 when
 * the channel was closed meanwhile. */
static ssize_t ws_parse(chan *ch, const char *p, size_t len)
{
	size_t off = 0;
	while (len - off >= 2) {
		const uint8_t *h = (const uint8_t *)p + off;
		uint64_t plen = h[1] & 0x7f;
		size_t hl = 2;
		if (plen == 126) {
			if (len - off < 4)
				break;
			plen = (uint64_t)h[2] << 8 | h[3];
			hl = 4;
		} else if (plen == 127) {
			if (len - off < 10)
				break;
			plen = 0;
			for (int i = 0; i < 8; i++)
				plen = plen << 8 | h[2 + i];
			hl = 10;
		}
		if (h[1] & 0x80)
			hl += 4; /* servers do not mask; skip the key if one does */
		if (len - off < hl + plen)
			break;
		const char *d = p + off + hl;
		size_t n = (size_t)plen;
		int op = h[0] & 0x0f;
		bool fin = h[0] & 0x80;
		off += hl + n;
		if (op == 1 && fin) {
			if (n >= CHAN_COUNT_PREFIX_LEN &&
			    memcmp(d, CHAN_COUNT_PREFIX, CHAN_COUNT_PREFIX_LEN) == 0) {
				cur->counted++;
				cur->last_counted = cur->read_now;
				continue;
			}
			cur->h.ws_message(ch, d, n);
		} else if (op == 1 || op == 2 || op == 0) {
			if (op != 0)
				ch->frag.len = 0;
			buf_append(&ch->frag, d, n);
			if (fin) {
				const char *m = ch->frag.p;
				if (ch->frag.len >= CHAN_COUNT_PREFIX_LEN &&
				    memcmp(m, CHAN_COUNT_PREFIX, CHAN_COUNT_PREFIX_LEN) == 0) {
					cur->counted++;
					cur->last_counted = cur->read_now;
				} else {
					cur->h.ws_message(ch, m, ch->frag.len);
				}
				buf_free(&ch->frag);
			}
		} else if (op == 9) {
			ws_send_control(ch, 10, d, n);
		} else if (op == 8) {
			ws_send_control(ch, 8, d, n < 2 ? n : 2);
			chan_fail(ch, "websocket closed by server");
			return -1;
		}
		if (ch->fd < 0)
			return -1;
	}
	return (ssize_t)off;
}

/* ---- HTTP ----------------------------------------------------------------------- */

void chan_http_request(chan *ch, const struct sockaddr_in *src, const char *method,
                       const char *query, const char *body, size_t blen)
{
	if (ch->fd >= 0 && ch->conn_close)
		chan_close(ch); /* the server closes after each response */
	if (ch->fd < 0 && chan_connect(ch, src)) {
		cur->h.closed(ch, "connect failed");
		return;
	}
	char head[1024];
	int n;
	if (body)
		n = snprintf(
		        head, sizeof(head),
		        "%s %s?%s HTTP/1.1\r\nHost: %s\r\n"
		        "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: %zu\r\n\r\n",
		        method, peer_of(ch)->path, query, peer_of(ch)->host, blen);
	else
		n = snprintf(head, sizeof(head), "%s %s?%s HTTP/1.1\r\nHost: %s\r\n\r\n", method,
		             peer_of(ch)->path, query, peer_of(ch)->host);
	ch->state = ST_HTTP;
	if (body && blen && (size_t)n + blen <= 65536) {
		char *m = malloc((size_t)n + blen);
		if (m) {
			memcpy(m, head, (size_t)n);
			memcpy(m + n, body, blen);
			chan_send(ch, m, (size_t)n + blen);
			free(m);
			return;
		}
	}
	chan_send(ch, head, (size_t)n);
	if (body && blen)
		chan_send(ch, body, blen);
}

static const char *find_hdr(const char *h, const char *end, const char *name)
{
	size_t nl = strlen(name);
	for (const char *p = h; p && p < end;) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (!eol)
			break;
		if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (*v == ' ')
				v++;
			return v;
		}
		p = eol + 2;
	}
	return NULL;
}

/* Parse one response from p[0..len): consumed bytes, 0 if incomplete, -1 if
 * the channel closed. For a WebSocket channel, the 101 then its frames. */
static ssize_t http_parse(chan *ch, const char *p, size_t len)
{
	const char *hend = memmem(p, len, "\r\n\r\n", 4);
	if (!hend)
		return 0;
	size_t hl = (size_t)(hend - p) + 4;
	int status = 0;
	if (len < 12 || sscanf(p, "HTTP/1.%*d %d", &status) != 1) {
		chan_fail(ch, "bad HTTP response");
		return -1;
	}
	const char *v = find_hdr(p, hend + 2, "connection");
	ch->conn_close = v && strncasecmp(v, "close", 5) == 0;
	if (ch->kind == CH_WS) {
		if (status != 101) {
			chan_fail(ch, "websocket upgrade refused");
			return -1;
		}
		ch->state = ST_WS;
		cur->h.ws_open(ch);
		if (ch->fd < 0)
			return -1;
		ssize_t r = ws_parse(ch, p + hl, len - hl);
		return r < 0 ? -1 : (ssize_t)hl + r;
	}
	const char *te = find_hdr(p, hend + 2, "transfer-encoding");
	if (te && strncasecmp(te, "chunked", 7) == 0) {
		size_t off = hl;
		buf body = { 0 };
		for (;;) {
			const char *eol = memmem(p + off, len - off, "\r\n", 2);
			if (!eol) {
				buf_free(&body);
				return 0;
			}
			size_t cl = strtoul(p + off, NULL, 16);
			size_t start = (size_t)(eol - p) + 2;
			if (len < start + cl + 2) {
				buf_free(&body);
				return 0;
			}
			buf_append(&body, p + start, cl);
			off = start + cl + 2;
			if (cl == 0)
				break;
		}
		ch->state = ST_IDLE;
		cur->h.http_response(ch, status, body.p ? body.p : "", body.len);
		buf_free(&body);
		return ch->fd < 0 ? -1 : (ssize_t)off;
	}
	const char *cl = find_hdr(p, hend + 2, "content-length");
	size_t blen = cl ? strtoul(cl, NULL, 10) : 0;
	if (len < hl + blen)
		return 0;
	ch->state = ST_IDLE;
	cur->h.http_response(ch, status, p + hl, blen);
	return ch->fd < 0 ? -1 : (ssize_t)(hl + blen);
}

static ssize_t chan_parse(chan *ch, const char *p, size_t len)
{
	size_t off = 0;
	while (off < len) {
		ssize_t r;
		if (ch->state == ST_WS)
			r = ws_parse(ch, p + off, len - off);
		else if (ch->state == ST_HTTP)
			r = http_parse(ch, p + off, len - off);
		else
			r = (ssize_t)(len - off); /* unsolicited bytes: drop */
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		off += (size_t)r;
		if (ch->state == ST_WS)
			break; /* ws_parse took all complete frames */
	}
	return (ssize_t)off;
}

static void chan_readable(chan *ch)
{
	for (;;) {
		bool own = ch->in.len > 0;
		char *dst;
		size_t room;
		if (own) {
			buf_reserve(&ch->in, 65536);
			dst = ch->in.p + ch->in.len;
			room = ch->in.cap - ch->in.len;
		} else {
			dst = cur->rbuf;
			room = RBUF_SIZE;
		}
		ssize_t n = read(ch->fd, dst, room);
		if (n == 0) {
			chan_fail(ch, ch->state == ST_IDLE ? "idle close" : "closed by server");
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				chan_fail(ch, "read error");
			return;
		}
		cur->read_now = now_us();
		const char *data = own ? ch->in.p : cur->rbuf;
		size_t len = own ? ch->in.len + (size_t)n : (size_t)n;
		ssize_t used = chan_parse(ch, data, len);
		if (used < 0)
			return;
		if (own) {
			ch->in.len = len;
			buf_consume(&ch->in, (size_t)used);
			if (ch->in.len == 0)
				buf_free(&ch->in);
		} else if ((size_t)used < len) {
			buf_append(&ch->in, data + used, len - (size_t)used);
		}
		if ((size_t)n < room)
			return; /* drained; edge-triggered epoll reports new data */
	}
}

static void chan_event(chan *ch, uint32_t ev)
{
	if (ch->fd < 0)
		return;
	if (!ch->connected && (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
		int err = 0;
		socklen_t sl = sizeof(err);
		getsockopt(ch->fd, SOL_SOCKET, SO_ERROR, &err, &sl);
		if (err) {
			chan_fail(ch,
			          err == ECONNREFUSED ? "connection refused" : "connect failed");
			return;
		}
		ch->connected = true;
	}
	if ((ev & EPOLLOUT) && ch->out.len)
		chan_flush(ch);
	if (ch->fd >= 0 && (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
		chan_readable(ch);
	if (ch->fd >= 0 && ch->conn_close && ch->state == ST_IDLE) {
		chan_close(ch); /* the next request reconnects */
	}
}

void chan_poll(int timeout_ms)
{
	struct epoll_event evs[MAX_EVENTS];
	int n = epoll_wait(cur->epfd, evs, MAX_EVENTS, timeout_ms);
	for (int i = 0; i < n; i++) {
		if (evs[i].data.ptr) {
			chan_event(evs[i].data.ptr, evs[i].events);
		} else {
			uint64_t v;
			ssize_t r = read(cur->wakefd, &v, sizeof(v));
			(void)r;
		}
	}
}
