/* eio_hangup.c - parked polling GETs, and noticing the clients that hang up
 * on them.
 *
 * A parked GET has rx flow off (lws does not read a connection that is in an
 * HTTP transaction: an EOF would make the loop spin), so lws cannot tell
 * when its client goes away; node's engine.io learns it from the socket's
 * "close" and ends the session with "transport error" at once. Peeking every
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
#include "eio_internal.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

bool eio_peer_hung_up(struct lws *wsi)
{
	char c;
	ssize_t n = recv(lws_get_socket_fd(wsi), &c, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

static void list_add(eio_http_pss **head, eio_http_pss *pss)
{
	pss->park_prev = NULL;
	pss->park_next = *head;
	if (*head)
		(*head)->park_prev = pss;
	*head = pss;
}

static void list_remove(eio_http_pss **head, eio_http_pss *pss)
{
	if (pss->park_prev)
		pss->park_prev->park_next = pss->park_next;
	else
		*head = pss->park_next;
	if (pss->park_next)
		pss->park_next->park_prev = pss->park_prev;
	pss->park_prev = pss->park_next = NULL;
}

/* ---- the epoll set of GETs parked for a while ------------------------------ */

static void on_hangup_events(uv_poll_t *p, int status, int events)
{
	(void)status;
	(void)events;
	eio_hangup *h = p->data;
	struct epoll_event ev;
	/* One event at a time: ending a session runs application callbacks,
	 * which may end other sessions and unpark (unregister) their GETs, so
	 * a batch read ahead could hold pointers to GETs gone since. */
	while (h->ep >= 0 && epoll_wait(h->ep, &ev, 1, 0) == 1)
		eio_polling_hung_up(ev.data.ptr);
}

static bool watch(eio_hangup *h, eio_http_pss *pss)
{
	struct epoll_event ev = { .events = EPOLLRDHUP, .data.ptr = pss };
	if (h->ep < 0 || epoll_ctl(h->ep, EPOLL_CTL_ADD, lws_get_socket_fd(pss->wsi), &ev) < 0)
		return false;
	list_remove(&h->fresh, pss);
	list_add(&h->watched, pss);
	pss->watched = true;
	if (!h->poll_on) {
		h->poll_on = true;
		uv_poll_start(&h->poll, UV_READABLE, on_hangup_events);
	}
	return true;
}

static void unwatch(eio_hangup *h, eio_http_pss *pss)
{
	struct epoll_event ev = { 0 };
	epoll_ctl(h->ep, EPOLL_CTL_DEL, lws_get_socket_fd(pss->wsi), &ev);
	list_remove(&h->watched, pss);
	pss->watched = false;
	if (!h->watched && h->poll_on) {
		h->poll_on = false;
		uv_poll_stop(&h->poll);
	}
}

/* ---- parking ----------------------------------------------------------------- */

static void on_tick(uv_timer_t *t)
{
	eio_hangup *h = t->data;
	eio_http_pss *pss;
	/* Each step takes the head off the list (ended, watched or answered);
	 * the head is read again every time because ending a session runs
	 * application callbacks that may unpark other GETs. */
	while ((pss = h->fresh)) {
		if (eio_peer_hung_up(pss->wsi))
			eio_polling_hung_up(pss);
		else if (!watch(h, pss))
			eio_polling_unwatchable(pss);
	}
	if (h->timer_on) {
		h->timer_on = false;
		uv_timer_stop(&h->timer);
	}
}

void eio_listener_park(eio_listener *l, eio_http_pss *pss)
{
	eio_hangup *h = &l->hangup;
	pss->parked = true;
	pss->watched = false;
	list_add(&h->fresh, pss);
	if (!h->timer_on) {
		h->timer_on = true;
		uv_timer_start(&h->timer, on_tick, EIO_HANGUP_CHECK_MS, EIO_HANGUP_CHECK_MS);
	}
}

void eio_listener_unpark(eio_listener *l, eio_http_pss *pss)
{
	eio_hangup *h = &l->hangup;
	if (!pss->parked)
		return;
	pss->parked = false;
	if (pss->watched) {
		unwatch(h, pss);
		return;
	}
	list_remove(&h->fresh, pss);
	if (!h->fresh && h->timer_on) {
		h->timer_on = false;
		uv_timer_stop(&h->timer);
	}
}

/* ---- lifetime ---------------------------------------------------------------- */

void eio_hangup_init(eio_hangup *h, uv_loop_t *loop)
{
	h->fresh = h->watched = NULL;
	h->timer_on = h->poll_on = h->poll_init = false;
	uv_timer_init(loop, &h->timer);
	h->timer.data = h;
	h->ep = epoll_create1(EPOLL_CLOEXEC);
	if (h->ep >= 0 && uv_poll_init(loop, &h->poll, h->ep) == 0) {
		h->poll.data = h;
		h->poll_init = true;
	} else if (h->ep >= 0) {
		close(h->ep);
		h->ep = -1;
	}
}

/* Unpark every GET and close the handles (the loop runs their close). */
void eio_hangup_close(eio_listener *l)
{
	eio_hangup *h = &l->hangup;
	while (h->fresh)
		eio_listener_unpark(l, h->fresh);
	while (h->watched)
		eio_listener_unpark(l, h->watched);
	uv_timer_stop(&h->timer);
	uv_close((uv_handle_t *)&h->timer, NULL);
	if (h->poll_init) {
		uv_poll_stop(&h->poll);
		uv_close((uv_handle_t *)&h->poll, NULL);
	}
}

/* After the loop has closed the handles. */
void eio_hangup_free(eio_hangup *h)
{
	if (h->ep >= 0)
		close(h->ep);
	h->ep = -1;
}
