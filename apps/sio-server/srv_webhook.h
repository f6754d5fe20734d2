/* srv_webhook.h - the backend bridge: client events, connections and
 * disconnections POSTed to the backend (cfg->webhooks, srv_config_hooks.h),
 * and its answers turned into acknowledgements and actions
 * (srv_webhook_reply.h).
 *
 * Every request is a POST of a JSON object to webhooks.url, signed
 * (srv_webhook_sign.h), sent on the loop by srv_http_client through the
 * backend's circuit breaker (srv_webhook_breaker.h):
 *
 *   {"event": "message:send" | "connect" | "disconnect", "args": [...],
 *    "socketId", "userId" (or null), "claims" (the token's, or null),
 *    "rooms": [...] (without the socket's own id), "namespace": "/",
 *    "data" (attached by the connect hook, or null),
 *    connect: "auth" (the handshake auth), disconnect: "reason"}
 *
 * - client event (webhooks.events): the answer is applied; a client that
 *   asked for an ack always gets one: the answer's "ack", or, when the
 *   backend is down, slow, busy or answers garbage, {error, code}
 *   (BACKEND_UNAVAILABLE, BACKEND_TIMEOUT, BACKEND_BUSY, BACKEND_ERROR,
 *   BACKEND_INVALID_RESPONSE, SERVER_SHUTDOWN). Never retried: the client
 *   is waiting, and the backend may not be idempotent.
 * - connect: an asynchronous middleware after authentication; the answer
 *   {allow: false, message, data} refuses (the client's connect_error),
 *   otherwise the socket is accepted with the answer's "data" attached,
 *   "userId" set and "join" rooms joined. A failed request refuses
 *   ("backend unavailable", {code: "BACKEND_UNAVAILABLE"}) unless
 *   connect.onError is "accept".
 * - disconnect: best effort, fire and forget, at most once delivered per
 *   attempt: retried with exponential backoff on failure (not on a 4xx),
 *   up to disconnect.retries times; lost when the server stops first.
 */
#ifndef SRV_WEBHOOK_H
#define SRV_WEBHOOK_H

#include "socketio.h"
#include "srv_config.h"
#include "srv_metrics.h"

#include <uv.h>

typedef struct srv_webhooks srv_webhooks;

/* NULL when cfg has no webhooks section, or out of memory (*oom set). Its
 * metrics are added to m's exposition. */
srv_webhooks *srv_webhooks_new(const srv_config *cfg, uv_loop_t *loop, srv_metrics *m, bool *oom);
/* The event handlers and the connect middleware on nsp: install after the
 * authentication middleware (the hooks carry the user's claims). */
int srv_webhooks_install(srv_webhooks *w, sio_namespace *nsp);
/* From the app's connection callback, first: the connect hook's result is
 * attached (user id, rooms, data) before the other rules look at the
 * socket. NULL w does nothing. */
void srv_webhooks_on_connection(srv_webhooks *w, sio_socket *s);
/* Shutdown: cancel every request (clients waiting get SERVER_SHUTDOWN) and
 * close the loop handles. Then free after the loop ended. NULL is fine. */
void srv_webhooks_close(srv_webhooks *w);
void srv_webhooks_free(srv_webhooks *w);

#endif
