/* app_redis.h - the --redis flags of the apps that can join a fleet
 * (sio-echo, sio-bench-server): the Redis adapter of
 * include/socketio/redis.h between this server and the others on one Redis,
 * wire-compatible with node's @socket.io/redis-adapter.
 *
 * Header-only (static functions) because the .c files of apps/common are linked into
 * every app that shares the common flags, eio-echo included, and only the
 * apps of the Makefile's APPS_WITH_REDIS link libsocketio-redis.
 *
 *   --redis URL                        redis://[user:password@]host[:port][/db]
 *   --redis-key K                      channel prefix (node's `key`, "socket.io")
 *   --redis-requests-timeout MS        node's requestsTimeout (5000)
 *   --redis-specific-response-channel  node's publishOnSpecificResponseChannel
 *   --redis-room-subscriptions         subscribe per room instead of key#nsp#*
 */
#ifndef APP_REDIS_H
#define APP_REDIS_H

#include "socketio/redis.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

/* getopt_long values, above every short option letter. */
enum {
	APP_REDIS_URL = 0x200,
	APP_REDIS_KEY,
	APP_REDIS_TIMEOUT,
	APP_REDIS_SPECIFIC,
	APP_REDIS_ROOMS,
};

#define APP_REDIS_LONGOPTS                                                                 \
	{ "redis", required_argument, 0, APP_REDIS_URL },                                  \
	        { "redis-key", required_argument, 0, APP_REDIS_KEY },                      \
	        { "redis-requests-timeout", required_argument, 0, APP_REDIS_TIMEOUT },     \
	        { "redis-specific-response-channel", no_argument, 0, APP_REDIS_SPECIFIC }, \
	{                                                                                  \
		"redis-room-subscriptions", no_argument, 0, APP_REDIS_ROOMS                \
	}

#define APP_REDIS_USAGE                                                            \
	"  --redis URL           join a fleet on Redis (redis://host:port[/db])\n" \
	"  --redis-key K         channel prefix, default socket.io\n"              \
	"  --redis-requests-timeout MS  fleet requests' timeout, default 5000\n"   \
	"  --redis-specific-response-channel  answer on the requester's channel\n" \
	"  --redis-room-subscriptions  subscribe per room, not key#nsp#*\n"

typedef struct app_redis {
	sio_redis_options o;
	bool on; /* --redis given */
} app_redis;

static inline void app_redis_init(app_redis *r)
{
	sio_redis_options_init(&r->o);
	r->on = false;
}

/* 1: c was one of the flags above, applied; 0: not one of them; -1: a bad
 * value (said on stderr). */
static inline int app_redis_apply(app_redis *r, const char *prog, int c, const char *arg)
{
	char *end;
	unsigned long ms;
	switch (c) {
	case APP_REDIS_URL:
		r->o.url = arg;
		r->on = true;
		return 1;
	case APP_REDIS_KEY:
		r->o.key = arg;
		return 1;
	case APP_REDIS_TIMEOUT:
		ms = strtoul(arg, &end, 10);
		if (*arg == '\0' || *end != '\0' || ms == 0 || ms > 600000) {
			fprintf(stderr, "%s: bad value for --redis-requests-timeout: %s\n", prog,
			        arg);
			return -1;
		}
		r->o.requests_timeout_ms = (unsigned)ms;
		return 1;
	case APP_REDIS_SPECIFIC:
		r->o.publish_on_specific_response_channel = true;
		return 1;
	case APP_REDIS_ROOMS:
		r->o.room_subscriptions = true;
		return 1;
	default:
		return 0;
	}
}

/* With --redis: a new adapter on loop, attached to srv (before any client
 * connects); NULL without --redis. *failed says whether it went wrong (the
 * reason on stderr). Free it with sio_redis_free after sio_server_free. */
static inline sio_redis *app_redis_attach(app_redis *r, const char *prog, uv_loop_t *loop,
                                          sio_server *srv, bool *failed)
{
	char err[256];
	*failed = false;
	if (!r->on)
		return NULL;
	sio_redis *a = sio_redis_new(loop, &r->o, err, sizeof(err));
	if (!a) {
		fprintf(stderr, "%s: --redis: %s\n", prog, err);
		*failed = true;
		return NULL;
	}
	if (sio_redis_attach(a, srv) != 0) {
		fprintf(stderr, "%s: --redis: cannot attach the adapter\n", prog);
		sio_redis_free(a);
		*failed = true;
		return NULL;
	}
	return a;
}

/* Shutdown. The adapter's Redis connections keep the loop alive after the
 * listener has closed on SIGTERM/SIGINT (eio_listener_close_on_signals), and
 * the adapter may be freed only after the server (socketio/redis.h). So with
 * an adapter a signal also starts a grace timer that stops the loop; the app
 * then frees the listener, the server, and (app_redis_free) the adapter, and
 * runs the loop once more while their handles close. */
#define APP_REDIS_GRACE_MS 300
static uv_signal_t app_redis_sigs[2];
static uv_timer_t app_redis_grace;

static inline void app_redis_on_grace(uv_timer_t *t)
{
	uv_stop(t->loop);
}

static inline void app_redis_on_signal(uv_signal_t *h, int signum)
{
	(void)signum;
	if (!uv_is_active((uv_handle_t *)&app_redis_grace))
		uv_timer_start(&app_redis_grace, app_redis_on_grace, APP_REDIS_GRACE_MS, 0);
	uv_signal_stop(h);
}

/* After eio_listener_close_on_signals, when there is an adapter. */
static inline void app_redis_stop_on_signals(uv_loop_t *loop)
{
	static const int signums[2] = { SIGTERM, SIGINT };
	uv_timer_init(loop, &app_redis_grace);
	for (int i = 0; i < 2; i++) {
		uv_signal_init(loop, &app_redis_sigs[i]);
		uv_signal_start(&app_redis_sigs[i], app_redis_on_signal, signums[i]);
		/* the signal handles alone do not keep the loop alive */
		uv_unref((uv_handle_t *)&app_redis_sigs[i]);
	}
}

/* After sio_server_free: free the adapter and close the handles above, then
 * run the loop until they are closed. */
static inline void app_redis_free(sio_redis *a, uv_loop_t *loop)
{
	if (!a)
		return;
	sio_redis_free(a);
	uv_close((uv_handle_t *)&app_redis_grace, NULL);
	for (int i = 0; i < 2; i++)
		uv_close((uv_handle_t *)&app_redis_sigs[i], NULL);
	uv_run(loop, UV_RUN_DEFAULT);
}

#endif
