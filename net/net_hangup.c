/* net_hangup.c - parked requests (a long-polling GET waiting for data), and
 * noticing the clients that hang up on them.
 *
 * A parked request has rx flow off (lws does not read a connection that is
 * in an HTTP transaction: an EOF would make the loop spin; docs/engineio.md,
 * pitfall 2), so lws cannot tell when its client goes away; node learns it
 * from the socket's "close" (engine.io then ends the session with "transport
 * error" at once). The owner is told through h->ops->hung_up. Peeking every
 * parked socket on a timer did the same but cost a recv() per parked GET ten
 * times a second: with 5,000 idle polling clients, 50,000 system calls and 5%
 * of a core per second doing nothing.
 *
 * So a GET is peeked (MSG_PEEK|MSG_DONTWAIT) once, on the first tick of a
 * 100 ms timer after it parked: that catches the quick hang-ups, and most
 * GETs are answered before then and cost nothing here. A GET still parked
 * then joins an epoll set of its own, watched for EPOLLRDHUP (and the
 * always-reported EPOLLHUP/EPOLLERR) only, whose descriptor sits on the libuv
 * loop as one uv_poll: a hang-up wakes the loop, an idle GET costs nothing
 * more. The socket's registration in libuv's own epoll set is lws's and is
 * left alone (an fd may be in several epoll sets).
 */
#include "net_internal.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>

bool net_http_peer_gone(const net_http *h)
{
	char c;
	ssize_t n = recv(lws_get_socket_fd(h->wsi), &c, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

static void list_add(net_http **head, net_http *r)
{
	r->park_prev = NULL;
	r->park_next = *head;
	if (*head)
		(*head)->park_prev = r;
	*head = r;
}

static void list_remove(net_http **head, net_http *r)
{
	if (r->park_prev)
		r->park_prev->park_next = r->park_next;
	else
		*head = r->park_next;
	if (r->park_next)
		r->park_next->park_prev = r->park_prev;
	r->park_prev = r->park_next = NULL;
}

/* ---- the epoll set of GETs parked for a while ------------------------------ */

static void on_hangup_events(uv_poll_t *p, int status, int events)
{
	(void)status;
	(void)events;
	net_hangup *h = p->data;
	struct epoll_event ev;
	/* One event at a time: ending a session runs application callbacks,
	 * which may end other sessions and unpark (unregister) their GETs, so
	 * a batch read ahead could hold pointers to GETs gone since. */
	while (h->set.ep >= 0 && epoll_wait(h->set.ep, &ev, 1, 0) == 1) {
		net_http *r = ev.data.ptr;
		r->ops->hung_up(r);
	}
}

static bool watch(net_hangup *h, net_http *r)
{
	if (net_epset_add(&h->set, lws_get_socket_fd(r->wsi), EPOLLRDHUP, r) < 0)
		return false;
	list_remove(&h->fresh, r);
	list_add(&h->watched, r);
	r->watched = true;
	return true;
}

static void unwatch(net_hangup *h, net_http *r)
{
	net_epset_del(&h->set, lws_get_socket_fd(r->wsi));
	list_remove(&h->watched, r);
	r->watched = false;
}

/* ---- parking ----------------------------------------------------------------- */

static void on_tick(uv_timer_t *t)
{
	net_hangup *h = t->data;
	net_http *r;
	/* Each step takes the head off the list (ended, watched or answered);
	 * the head is read again every time because ending a session runs
	 * application callbacks that may unpark other GETs. */
	while ((r = h->fresh)) {
		if (net_http_peer_gone(r))
			r->ops->hung_up(r);
		else if (!watch(h, r))
			r->ops->unwatchable(r);
	}
	if (h->timer_on) {
		h->timer_on = false;
		uv_timer_stop(&h->timer);
	}
}

/* lws reads nothing of it while parked (docs/engineio.md, pitfall 2); the rx flow goes back
 * on when it is unparked, before anything asks for WRITEABLE: with rx flow
 * off, lws on libuv does not deliver WRITEABLE either (docs/engineio.md, pitfall 3). */
void net_http_park(net_http *r)
{
	net_hangup *h = &r->l->hangup;
	lws_rx_flow_control(r->wsi, 0);
	r->parked = true;
	r->watched = false;
	list_add(&h->fresh, r);
	if (!h->timer_on) {
		h->timer_on = true;
		uv_timer_start(&h->timer, on_tick, NET_HANGUP_CHECK_MS, NET_HANGUP_CHECK_MS);
	}
}

static void unpark(net_hangup *h, net_http *r)
{
	r->parked = false;
	if (r->watched) {
		unwatch(h, r);
		return;
	}
	list_remove(&h->fresh, r);
	if (!h->fresh && h->timer_on) {
		h->timer_on = false;
		uv_timer_stop(&h->timer);
	}
}

void net_http_unpark(net_http *r)
{
	if (!r->parked)
		return;
	unpark(&r->l->hangup, r);
	lws_rx_flow_control(r->wsi, 1);
}

/* ---- lifetime ---------------------------------------------------------------- */

void net_hangup_init(net_hangup *h, uv_loop_t *loop)
{
	h->fresh = h->watched = NULL;
	h->timer_on = false;
	uv_timer_init(loop, &h->timer);
	h->timer.data = h;
	net_epset_init(&h->set, loop, h, on_hangup_events); /* failing, GETs are peeked only */
}

/* Unpark every request and close the handles (the loop runs their close);
 * the connections die with the lws context, so their rx flow stays. */
void net_hangup_close(net_listener *l)
{
	net_hangup *h = &l->hangup;
	while (h->fresh)
		unpark(h, h->fresh);
	while (h->watched)
		unpark(h, h->watched);
	uv_timer_stop(&h->timer);
	uv_close((uv_handle_t *)&h->timer, NULL);
	net_epset_close(&h->set);
}

/* After the loop has closed the handles. */
void net_hangup_free(net_hangup *h)
{
	net_epset_free(&h->set);
}
