/* redis_uv.c - hiredis's event hooks (redisAsyncContext.ev) on a libuv poll
 * handle, in place of hiredis 0.14.1's <hiredis/adapters/libuv.h>, which
 * 1. drops a poll event that comes with an error status: libuv reports a
 *    socket error (POLLERR: a refused connect, a reset) as status UV_EBADF
 *    with no events and stops the handle, so hiredis never looked at the
 *    socket and a connection to a port nobody listens on hung forever
 *    instead of failing with "Connection refused";
 * 2. leaks its watch when uv_poll_init fails.
 * Here an error status wakes hiredis for what it was waiting for (read or
 * write), so it reads the socket's error and reports it (its connect or
 * disconnect callback), as hiredis 1.0's adapter does.
 */
#include "redis_uv.h"

#include <stdlib.h>

typedef struct redis_uv {
	redisAsyncContext *ac; /* NULL once hiredis let go (cleanup) */
	uv_poll_t poll;
	int events; /* UV_READABLE | UV_WRITABLE wanted by hiredis */
} redis_uv;

static void on_poll(uv_poll_t *h, int status, int events)
{
	redis_uv *p = h->data;
	if (status < 0)
		events = p->events;
	/* each call may free the context (then cleanup cleared p->ac) */
	if (p->ac && (events & UV_READABLE))
		redisAsyncHandleRead(p->ac);
	if (p->ac && (events & UV_WRITABLE))
		redisAsyncHandleWrite(p->ac);
}

static void update(redis_uv *p, int events)
{
	p->events = events;
	if (events)
		uv_poll_start(&p->poll, events, on_poll);
	else
		uv_poll_stop(&p->poll);
}

static void add_read(void *data)
{
	redis_uv *p = data;
	update(p, p->events | UV_READABLE);
}

static void del_read(void *data)
{
	redis_uv *p = data;
	update(p, p->events & ~UV_READABLE);
}

static void add_write(void *data)
{
	redis_uv *p = data;
	update(p, p->events | UV_WRITABLE);
}

static void del_write(void *data)
{
	redis_uv *p = data;
	update(p, p->events & ~UV_WRITABLE);
}

static void on_closed(uv_handle_t *h)
{
	free(h->data);
}

static void cleanup(void *data)
{
	redis_uv *p = data;
	p->ac = NULL;
	uv_close((uv_handle_t *)&p->poll, on_closed);
}

int redis_uv_attach(redisAsyncContext *ac, uv_loop_t *loop)
{
	if (ac->ev.data)
		return -1;
	redis_uv *p = calloc(1, sizeof *p);
	if (!p)
		return -1;
	if (uv_poll_init(loop, &p->poll, ac->c.fd)) {
		free(p);
		return -1;
	}
	p->ac = ac;
	p->poll.data = p;
	ac->ev.addRead = add_read;
	ac->ev.delRead = del_read;
	ac->ev.addWrite = add_write;
	ac->ev.delWrite = del_write;
	ac->ev.cleanup = cleanup;
	ac->ev.data = p;
	return 0;
}
