/* net_head.c - the head guard: a connection's first request head is measured
 * before lws reads it, and one too large for lws is answered 431 or 414, one
 * with a line lws misreads 400.
 *
 * lws 4.1 stores a request head in a header table of max_http_header_data
 * bytes (NET_HEAD_DATA) with at most 94 fragments; a head that does not fit
 * makes its parser fail, and lws closes the connection without an answer
 * and without any callback before its shutdown(SHUT_WR) (docs/engineio.md,
 * pitfall 18). RFC 9110 sections 15.5.15 and 15.5.20 (and node, which
 * answers 431 with Connection: close) want an answer instead. lws also
 * misreads a field line without a colon (RFC 9112 section 5: name ":"
 * value), an obsolete line folding, and an empty line before the request
 * line: it serves the request without some of its headers, waits for a
 * colon until its timeout, or closes without an answer; node answers 400
 * (docs/engineio.md, pitfall 20).
 *
 * So a new connection is peeked (MSG_PEEK, nothing is consumed) once in the
 * loop turn that accepted it, after lws's accept: a complete head that fits
 * is left to lws as if nothing had happened (one recv() per connection). A
 * head not complete yet is waited for with rx flow off (lws reads nothing
 * of it) in an epoll set of this file's own, watched by one uv_poll (as
 * net_hangup.c does: libuv allows one watcher per descriptor, lws's): each
 * arrival is peeked again. A head that cannot fit is answered here with a
 * short 431 (or 414 when the request line alone cannot; 400 for a line
 * lws misreads) and Connection: close, what the client already sent is read and dropped (so the close is
 * a FIN, not an RST that could destroy the answer in the client's buffer),
 * and the connection is closed. An EOF or an error goes back to lws, which
 * finds it itself.
 *
 * Later requests on a kept-alive connection are not measured: lws may hold
 * their bytes in its own buffer (pipelining), where rx flow off would stall
 * them. One of those that does not fit is answered 431 from lws's own
 * close instead (below; docs/engineio.md, pitfall 18); one with a line
 * lws misreads is left to lws (pitfall 20).
 */
#include "base/log.h"
#include "net_internal.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>

/* ---- measuring a head ------------------------------------------------------------ */

/* What lws stores of a line is never more than the line plus 8 bytes (an
 * unknown header: an 8-byte record, its name, the colon and its value;
 * a known one: its value and a NUL; the request line: the decoded path and
 * arguments with a NUL each, the version), see lws's lws_parse(). */
#define LINE_OVERHEAD 8
/* lws fails at its 95th fragment: the path, each query argument, the
 * version and each known header take one (unknown headers none). A few are
 * kept in hand. */
#define MAX_FIELDS 90

static size_t count_args(const char *line, size_t len)
{
	const char *q = memchr(line, '?', len);
	if (!q)
		return 0;
	size_t n = 1;
	for (const char *p = q; p < line + len; p++)
		n += *p == '&';
	return n;
}

/* A complete field line (RFC 9112 section 5: field-name ":" OWS
 * field-value OWS): a name of at least one byte before a colon, and no
 * space or tab first (an obsolete line folding, which section 5.2 lets a
 * server refuse with 400, or whitespace before a name, which section 2.2
 * wants refused). lws 4.1 reads a line without a colon as the start of a
 * name that runs on to the next colon, and waits for one (pitfall 20). */
static bool field_line(const char *line, size_t n)
{
	if (line[0] == ' ' || line[0] == '\t')
		return false;
	const char *colon = memchr(line, ':', n);
	return colon && colon != line;
}

int net_head_measure(const char *buf, size_t len)
{
	size_t stored = 0, fields = 2, pos = 0;
	bool request_line = true;
	while (pos < len) {
		const char *line = buf + pos;
		const char *lf = memchr(line, '\n', len - pos);
		size_t n = lf ? (size_t)(lf - line) + 1 : len - pos;
		bool empty = lf && (n == 1 || (n == 2 && line[0] == '\r'));
		/* An empty line (CRLF, or LF from a broken peer, which lws
		 * takes too) ends the head. */
		if (!request_line && empty)
			return NET_HEAD_COMPLETE;
		if (!lf && n == 1 && line[0] == '\r')
			break; /* the start of an empty line, maybe */
		/* An empty line before the request line: RFC 9112 section 2.2
		 * lets a server skip it, lws 4.1 closes the connection without
		 * an answer (pitfall 20): answered 400 instead. */
		if (empty)
			return NET_HEAD_MALFORMED;
		stored += n + LINE_OVERHEAD;
		fields += request_line ? count_args(line, n) : 1;
		if (stored >= NET_HEAD_DATA || fields > MAX_FIELDS)
			return request_line ? NET_HEAD_URI_TOO_LONG : NET_HEAD_TOO_LARGE;
		if (!lf)
			break;
		/* Judged once the line is whole, after its size: a prefix of
		 * the head never gets another verdict than the head. */
		if (!request_line && !field_line(line, n))
			return NET_HEAD_MALFORMED;
		request_line = false;
		pos += n;
	}
	return NET_HEAD_MORE;
}

/* Whether a complete head asks for a WebSocket (an Upgrade field) and has
 * bytes behind it. RFC 6455 section 4.1: the client sends nothing more
 * before the server's answer. lws would read such bytes with the head and
 * keep them (net reads an established WebSocket itself, net_wsread.c, so
 * they would never be read, and the client would wait for an answer to
 * them): the request is answered 400 instead. */
static bool upgrade_with_data(const char *buf, size_t len)
{
	bool upgrade = false;
	size_t pos = 0;
	for (bool first = true; pos < len; first = false) {
		const char *line = buf + pos;
		const char *lf = memchr(line, '\n', len - pos);
		if (!lf)
			return false;
		size_t n = (size_t)(lf - line) + 1;
		pos += n;
		if (!first && (n == 1 || (n == 2 && line[0] == '\r')))
			return upgrade && pos < len;
		if (!first && n > 8 && strncasecmp(line, "upgrade:", 8) == 0)
			upgrade = true;
	}
	return false;
}

/* ---- the connections waiting ------------------------------------------------------ */

struct net_head {
	struct lws *wsi;
	net_head *prev, *next;
	bool watched;        /* rx flow off, in the epoll set */
	base_tlink deadline; /* NET_LTL_HEAD: the head is due (net_deadline.c) */
	net_heads *g;
};

static void list_add(net_head **list, net_head *e)
{
	e->prev = NULL;
	e->next = *list;
	if (*list)
		(*list)->prev = e;
	*list = e;
}

static void list_remove(net_head **list, net_head *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		*list = e->next;
	if (e->next)
		e->next->prev = e->prev;
	e->prev = e->next = NULL;
}

/* Stop measuring: lws reads the connection from now on (rx flow back on
 * when it was off), or is closing it. */
static void forget(net_heads *g, net_head *e, bool rx_on)
{
	lws_set_opaque_user_data(e->wsi, NULL);
	if (g->timers && base_tlink_armed(&e->deadline))
		base_timers_cancel(g->timers, NET_LTL_HEAD, &e->deadline);
	if (e->watched) {
		net_epset_del(&g->set, lws_get_socket_fd(e->wsi));
		list_remove(&g->watched, e);
		if (rx_on)
			lws_rx_flow_control(e->wsi, 1);
	} else {
		list_remove(&g->fresh, e);
	}
	free(e);
}

static void on_events(uv_poll_t *p, int status, int events);

static bool watch(net_heads *g, net_head *e)
{
	int fd = lws_get_socket_fd(e->wsi);
	/* Edge-triggered: a head still incomplete stays readable, and a
	 * level-triggered set would report it again at once, forever (the
	 * loop below never returned: one client's partial head hung the
	 * server). Each arrival is reported once; a peer that sends no more
	 * meets its deadline (net_deadline.c). */
	if (net_epset_add(&g->set, fd, EPOLLIN | EPOLLRDHUP | EPOLLET, e) < 0)
		return false;
	list_remove(&g->fresh, e);
	list_add(&g->watched, e);
	e->watched = true;
	lws_rx_flow_control(e->wsi, 0);
	return true;
}

/* The answer to a head too large, on a connection about to close; then
 * what the client sent is read and dropped, so that the close is a FIN and
 * not an RST (which could destroy the answer in the client's buffer). */
void net_head_answer_raw(int fd, const char *a, size_t len)
{
	/* A few hundred bytes into an idle connection's send buffer: taken
	 * whole. */
	(void)!send(fd, a, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	char sink[4096];
	for (int i = 0; i < 64 && recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0; i++)
		;
}

static void answer(int fd, int verdict)
{
	static const char a431[] = "HTTP/1.1 431 Request Header Fields Too Large\r\n"
	                           "Content-Length: 0\r\nConnection: close\r\n\r\n";
	static const char a414[] = "HTTP/1.1 414 URI Too Long\r\n"
	                           "Content-Length: 0\r\nConnection: close\r\n\r\n";
	static const char a400[] = "HTTP/1.1 400 Bad Request\r\n"
	                           "Content-Length: 0\r\nConnection: close\r\n\r\n";
	if (verdict == NET_HEAD_URI_TOO_LONG)
		net_head_answer_raw(fd, a414, sizeof(a414) - 1);
	else if (verdict == NET_HEAD_MALFORMED)
		net_head_answer_raw(fd, a400, sizeof(a400) - 1);
	else
		net_head_answer_raw(fd, a431, sizeof(a431) - 1);
}

/* Answered, then closed at once, as this runs outside lws's service
 * (docs/engineio.md, pitfall 10): lws shuts the write side after the
 * answer. */
static void refuse(net_heads *g, net_head *e, int verdict)
{
	struct lws *wsi = e->wsi;
	forget(g, e, false);
	answer(lws_get_socket_fd(wsi), verdict);
	lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, LWS_TO_KILL_SYNC);
}

/* Peek at what arrived and act on it. */
static void check(net_heads *g, net_head *e)
{
	char buf[NET_HEAD_DATA];
	ssize_t n = recv(lws_get_socket_fd(e->wsi), buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		n = 0;
	else if (n <= 0) {
		forget(g, e, true); /* EOF or error: lws finds it */
		return;
	}
	int verdict = net_head_measure(buf, (size_t)n);
	if (verdict == NET_HEAD_COMPLETE && upgrade_with_data(buf, (size_t)n))
		refuse(g, e, NET_HEAD_MALFORMED);
	else if (verdict == NET_HEAD_COMPLETE)
		forget(g, e, true);
	else if (verdict != NET_HEAD_MORE)
		refuse(g, e, verdict);
	else if (!e->watched && !watch(g, e))
		forget(g, e, true); /* cannot wait for it: lws reads it unmeasured */
}

static void on_events(uv_poll_t *p, int status, int events)
{
	(void)status;
	(void)events;
	net_heads *g = p->data;
	struct epoll_event ev;
	/* One at a time: closing one connection may close others. */
	while (g->set.ep >= 0 && epoll_wait(g->set.ep, &ev, 1, 0) == 1)
		check(g, ev.data.ptr);
}

/* After the turn's accepts: each new connection is looked at once. */
static void on_check(uv_check_t *c)
{
	net_heads *g = c->data;
	while (g->fresh)
		check(g, g->fresh);
	g->check_on = false;
	uv_check_stop(&g->check);
}

/* ---- the router's hooks ------------------------------------------------------------ */

void net_head_accepted(net_heads *g, struct lws *wsi)
{
	net_head *e = calloc(1, sizeof(*e));
	if (!e)
		return; /* measured by nobody: lws alone */
	e->wsi = wsi;
	e->g = g;
	lws_set_opaque_user_data(wsi, e);
	list_add(&g->fresh, e);
	if (g->timers)
		base_timers_arm(g->timers, NET_LTL_HEAD, &e->deadline);
	if (!g->check_on) {
		g->check_on = true;
		uv_check_start(&g->check, on_check);
	}
}

/* The head is not whole in time (a slowloris, or a client that connected
 * and says nothing): 408 and close (net_deadline.c). */
void net_head_expire(base_tlink *link)
{
	net_head *e = (net_head *)((char *)link - offsetof(net_head, deadline));
	struct lws *wsi = e->wsi;
	base_log("engineio:http", "request head not complete in time: closing");
	forget(e->g, e, false);
	net_answer_timeout(wsi);
}

void net_head_gone(net_heads *g, struct lws *wsi)
{
	net_head *e = lws_get_opaque_user_data(wsi);
	if (e)
		forget(g, e, false);
}

/* ---- later heads on a kept-alive connection ------------------------------------- */

/* A later head that does not fit fails lws's parser too, which says so in
 * its log ("Ran out of header data space", or "More hdr frags than we can
 * deal with" for too many fields) and then closes the connection; lws
 * binds every kept-alive connection to its protocol again after a
 * transaction, so that close drops the binding (LWS_CALLBACK_HTTP_DROP_PROTOCOL)
 * before lws shuts the write side: the router answers from there when the
 * log has just said why (docs/engineio.md, pitfall 18). lws runs a
 * context's callbacks, and logs, on the thread of its loop; the log line
 * and the close are one call chain. */
static _Thread_local bool overflowed;

void net_head_lws_log(int level, const char *line)
{
	bool debug = base_log_enabled("engineio:lws");
	if (strstr(line, "Ran out of header data space") ||
	    strstr(line, "More hdr frags than we can deal with")) {
		overflowed = true;
		if (!debug)
			return; /* answered (431), not an error of ours */
	}
	if ((level & LLL_ERR) || debug)
		lwsl_emit_stderr(level, line);
}

bool net_head_take_overflow(void)
{
	bool o = overflowed;
	overflowed = false;
	return o;
}

void net_head_answer_overflow(struct lws *wsi)
{
	answer(lws_get_socket_fd(wsi), NET_HEAD_TOO_LARGE);
}

/* ---- lifetime ---------------------------------------------------------------------- */

void net_heads_init(net_heads *g, uv_loop_t *loop)
{
	memset(g, 0, sizeof(*g));
	uv_check_init(loop, &g->check);
	g->check.data = g;
	net_epset_init(&g->set, loop, g, on_events); /* failing, heads go to lws unwaited */
}

/* Forget every connection (they die with the lws context) and close the
 * handles; the loop runs their close. */
void net_heads_close(net_heads *g)
{
	while (g->fresh)
		forget(g, g->fresh, false);
	while (g->watched)
		forget(g, g->watched, false);
	uv_check_stop(&g->check);
	uv_close((uv_handle_t *)&g->check, NULL);
	net_epset_close(&g->set);
}

void net_heads_free(net_heads *g)
{
	net_epset_free(&g->set);
}
