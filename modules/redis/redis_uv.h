/* redis_uv.h - hiredis's event hooks on a libuv loop: what
 * <hiredis/adapters/libuv.h> does, without its two faults in hiredis 0.14.1
 * (see redis_uv.c). Used by the connections (redis_conn.c).
 */
#ifndef REDIS_UV_H
#define REDIS_UV_H

#include <hiredis/async.h>
#include <uv.h>

/* Watch ac's socket on loop: 0, or -1 (out of memory, or libuv refused the
 * descriptor) with nothing attached. hiredis closes the watch when it frees
 * ac; the handle finishes closing during the loop's next run. */
int redis_uv_attach(redisAsyncContext *ac, uv_loop_t *loop);

#endif
