/* net_wsread.c - a WebSocket's input, read by net instead of lws.
 *
 * lws 4.1's frame reader lets protocol errors through and closes some
 * connections without a close frame (docs/engineio.md, pitfall 19), and no
 * hook of ours runs before it: it reads a socket's bytes and parses them in
 * one call. So once a WebSocket is established, lws reads nothing more of
 * it (rx flow off, as for a parked GET in net_hangup.c) and its socket
 * joins an epoll set of this file's own, watched by one uv_poll (libuv
 * allows one watcher per descriptor, lws's, which keeps writing). Each
 * wakeup reads up to NET_WSREAD_BUF bytes of a ready socket into the
 * listener's read buffer, and net_ws.c frames them (net_wsframe.c). What
 * lws still does for a WebSocket: the upgrade, writes and their POLLOUT
 * (lws handles POLLOUT before it looks at rx flow, lib/roles/ws/ops-ws.c),
 * timeouts and the close.
 *
 * Ready sockets are taken in batches; a callback may close other
 * connections of the batch (ending a session runs application code), so a
 * connection that closes while a batch is handled is struck off it
 * (net_wsread_stop). An EOF or a read error ends the connection at once
 * (lws's own close, synchronously: no lws callback of it is running).
 */
#include "net_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>

static void drop(net_ws *ws)
{
	net_listener *l = lws_context_user(lws_get_context(ws->wsi));
	net_wsread_stop(l, ws);
	lws_set_timeout(ws->wsi, PENDING_TIMEOUT_CLOSE_ACK, LWS_TO_KILL_SYNC);
}

static void read_one(net_wsread *r, net_ws *ws)
{
	ssize_t n = recv(lws_get_socket_fd(ws->wsi), r->buf, NET_WSREAD_BUF, MSG_DONTWAIT);
	if (n > 0) {
		if (net_ws_input(ws, r->buf, (size_t)n) < 0)
			drop(ws);
	} else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
		drop(ws);
}

static void on_ready(uv_poll_t *p, int status, int events)
{
	(void)status;
	(void)events;
	net_wsread *r = p->data;
	struct epoll_event ev[NET_WSREAD_BATCH];
	int n = r->set.ep >= 0 ? epoll_wait(r->set.ep, ev, NET_WSREAD_BATCH, 0) : 0;
	for (int i = 0; i < n; i++)
		r->batch[i] = ev[i].data.ptr;
	r->nbatch = n > 0 ? n : 0;
	for (int i = 0; i < r->nbatch; i++) {
		net_ws *ws = r->batch[i];
		if (ws)
			read_one(r, ws);
	}
	r->nbatch = 0;
}

int net_wsread_start(net_listener *l, net_ws *ws)
{
	if (net_epset_add(&l->wsread.set, lws_get_socket_fd(ws->wsi), EPOLLIN | EPOLLRDHUP, ws) < 0)
		return -1;
	lws_rx_flow_control(ws->wsi, 0);
	ws->reading = true;
	return 0;
}

void net_wsread_stop(net_listener *l, net_ws *ws)
{
	net_wsread *r = &l->wsread;
	if (!ws->reading)
		return;
	ws->reading = false;
	net_epset_del(&r->set, lws_get_socket_fd(ws->wsi));
	for (int i = 0; i < r->nbatch; i++)
		if (r->batch[i] == ws)
			r->batch[i] = NULL;
}

/* ---- lifetime ---------------------------------------------------------------- */

int net_wsread_init(net_wsread *r, uv_loop_t *loop)
{
	r->nbatch = 0;
	r->buf = malloc(NET_WSREAD_BUF);
	if (!r->buf || net_epset_init(&r->set, loop, r, on_ready) < 0) {
		free(r->buf);
		r->buf = NULL;
		return -1;
	}
	return 0;
}

/* The connections die with the lws context (their CLOSED stops them). */
void net_wsread_close(net_wsread *r)
{
	net_epset_close(&r->set);
}

/* After the loop has closed the handle. */
void net_wsread_free(net_wsread *r)
{
	net_epset_free(&r->set);
	free(r->buf);
	r->buf = NULL;
}
