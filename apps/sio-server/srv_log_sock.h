/* srv_log_sock.h - a socket's fields for the operational log (srv_log.h):
 * socketId, userId, transport, address, namespace, so every line about a
 * socket names it the same way; and the line of a request refused before
 * it became a socket. */
#ifndef SRV_LOG_SOCK_H
#define SRV_LOG_SOCK_H

#include "socketio.h"
#include "srv_log.h"

/* Log msg about s at lv, with s's fields then the n extra ones (s NULL:
 * the extra ones alone). */
void srv_log_socket(srv_log_level lv, const char *msg, const sio_socket *s,
                    const srv_log_field *extra, size_t n);

/* A request the engine refused before any socket existed (engineio.h,
 * eio_refusal: the Origin check, CORS, the Engine.IO checks, admission
 * control), as an eio_refusal_cb: an info line "refused" with kind,
 * reason, code, status, transport, address, path and, for the origin
 * rules, origin. Never the query (it may hold a sid or a token). */
void srv_log_refusal(eio_server *es, const eio_refusal *r, void *user);

/* At LOG_LEVEL=debug: a line for every event a client sends (its name,
 * never its arguments), through an event filter on nsp that lets every
 * event pass. Nothing is installed at the other levels. 0, or -1 out of
 * memory. */
int srv_log_events_install(sio_namespace *nsp);

#endif
