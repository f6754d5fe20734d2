/* net_epset.c - an epoll set of net's own on the libuv loop.
 *
 * libuv allows one watcher per descriptor, and lws has one on every
 * connection's socket. A file that must watch sockets for something of its
 * own (a parked GET's hang-up, net_hangup.c; a first request head still
 * coming, net_head.c; an established WebSocket's input, net_wsread.c) puts
 * them in an epoll set of its own (a socket may be in several epoll sets)
 * and that set's descriptor on the loop as one uv_poll, started while the
 * set holds a socket. The owner's callback reads the set with epoll_wait.
 */
#include "net_internal.h"

#include <sys/epoll.h>
#include <unistd.h>

int net_epset_init(net_epset *s, uv_loop_t *loop, void *data, uv_poll_cb cb)
{
	s->n = 0;
	s->init = s->closing = false;
	s->cb = cb;
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	if (s->ep < 0)
		return -1;
	if (uv_poll_init(loop, &s->poll, s->ep) != 0) {
		close(s->ep);
		s->ep = -1;
		return -1;
	}
	s->poll.data = data;
	s->init = true;
	return 0;
}

int net_epset_add(net_epset *s, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev = { .events = events, .data.ptr = ptr };
	if (s->ep < 0 || s->closing || epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -1;
	if (s->n++ == 0)
		uv_poll_start(&s->poll, UV_READABLE, s->cb);
	return 0;
}

void net_epset_del(net_epset *s, int fd)
{
	struct epoll_event ev = { 0 };
	epoll_ctl(s->ep, EPOLL_CTL_DEL, fd, &ev);
	if (s->n > 0 && --s->n == 0 && !s->closing)
		uv_poll_stop(&s->poll);
}

/* The loop runs the handle's close; the set is closed by net_epset_free
 * after that. */
void net_epset_close(net_epset *s)
{
	if (s->init && !s->closing) {
		uv_poll_stop(&s->poll);
		uv_close((uv_handle_t *)&s->poll, NULL);
	}
	s->closing = true;
}

void net_epset_free(net_epset *s)
{
	if (s->ep >= 0)
		close(s->ep);
	s->ep = -1;
}
