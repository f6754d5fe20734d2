/* srv_log_sock.c - a socket's fields in a log line (srv_log_sock.h). The
 * user id is read from the socket's srv_user (srv_auth.h) directly, with
 * no call into srv_auth.c, which logs through here. The address is the
 * handshake's (X-Forwarded-For's first hop with trustProxy, as engineio
 * resolves it). */
#include "srv_log_sock.h"

#include "srv_auth.h"

#include <stdio.h>
#include <string.h>

static int log_event(sio_socket *s, const char *event, const sio_args *args, void *user)
{
	(void)args;
	(void)user;
	const srv_log_field f[] = { SRV_LS("event", event) };
	srv_log_socket(SRV_LOG_DEBUG, "event", s, f, 1);
	return 0;
}

int srv_log_events_install(sio_namespace *nsp)
{
	return srv_log_on(SRV_LOG_DEBUG) ? sio_namespace_use_events(nsp, log_event, NULL) : 0;
}

void srv_log_socket(srv_log_level lv, const char *msg, const sio_socket *s,
                    const srv_log_field *extra, size_t n)
{
	if (!srv_log_on(lv))
		return;
	if (!s) { /* not a socket yet (a plain WebSocket upgrade): the fields alone */
		srv_log_emit(lv, msg, extra, n);
		return;
	}
	srv_log_field f[24];
	size_t k = 0;
	const srv_user *u = sio_socket_get_user(s);
	eio_session *es = sio_socket_session(s);
	const eio_request *req = es ? eio_session_request(es) : NULL;
	f[k++] = SRV_LS("socketId", sio_socket_id(s));
	f[k++] = SRV_LS("namespace", sio_namespace_name(sio_socket_namespace(s)));
	f[k++] = SRV_LS("userId", u ? u->user_id : NULL);
	f[k++] = SRV_LS("transport", es ? eio_session_transport(es) : NULL);
	f[k++] = SRV_LS("address", req ? eio_request_address(req) : NULL);
	for (size_t i = 0; i < n && k < sizeof f / sizeof f[0]; i++)
		f[k++] = extra[i];
	srv_log_emit(lv, msg, f, k);
}

/* The request's path without its query (a sid, a token), bounded. */
static const char *path_of(const eio_request *req, char *buf, size_t cap)
{
	const char *url = req ? eio_request_url(req) : NULL;
	if (!url)
		return NULL;
	snprintf(buf, cap, "%.*s", (int)strcspn(url, "?"), url);
	return buf;
}

void srv_log_refusal(eio_server *es, const eio_refusal *r, void *user)
{
	(void)es;
	(void)user;
	if (!srv_log_on(SRV_LOG_INFO))
		return;
	char path[256];
	bool by_origin = !strcmp(r->kind, "origin") || !strcmp(r->kind, "cors");
	const eio_request *req = r->req;
	const srv_log_field f[] = {
		SRV_LS("kind", r->kind),
		SRV_LS("reason", r->message),
		r->code >= 0 ? SRV_LN("code", r->code) : SRV_LS(NULL, NULL),
		SRV_LN("status", r->status),
		SRV_LS("transport", r->websocket ? "websocket" : "polling"),
		SRV_LS("address", req ? eio_request_address(req) : NULL),
		SRV_LS("path", path_of(req, path, sizeof path)),
		SRV_LS("origin", by_origin && req ? eio_request_header(req, "origin") : NULL),
	};
	srv_log_emit(SRV_LOG_INFO, "refused", f, sizeof f / sizeof *f);
}
