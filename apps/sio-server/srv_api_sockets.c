/* srv_api_sockets.c - the HTTP API's socket operations (bodies:
 * srv_api_ops.h): POST <prefix>/emit (an event to rooms, sockets and
 * users at once, with exceptions), /sockets/join, /sockets/leave,
 * /sockets/disconnect (make those sockets join or leave rooms, or
 * disconnect them: a new conversation's members, a logout, a ban), and
 * /batch (many of these in one request, applied in order).
 *
 * They go through the adapter (sio_broadcast_emit, sio_sockets_join,
 * sio_sockets_leave, sio_disconnect_sockets), so with a distributed
 * adapter they reach every server's sockets; the counts in the answers
 * are this server's. Emits are sent at once: the fan-in and throttle rules
 * of the broadcast endpoints (srv_emit.c) do not apply.
 *
 * Answer data: {recipientCount} (emit) or {socketCount} (the others); for
 * a batch {results: [{op, recipientCount | socketCount}, ...]} in order.
 */
#include "srv_api_endpoints.h"
#include "srv_api_ops.h"
#include "srv_api_req.h"

#include "base/json.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

static const char *const op_names[] = { "", "emit", "join", "leave", "disconnect" };

static bool json_content_type(const char *ct)
{
	return !ct || !*ct ||
	       (strncasecmp(ct, "application/json", 16) == 0 &&
	        (ct[16] == '\0' || ct[16] == ';' || ct[16] == ' '));
}

/* Apply op; the number of this server's sockets reached. */
static long apply(srv_api_req *r, const srv_api_op *op)
{
	sio_namespace *nsp = r->api->nsp;
	sio_broadcast b = { .rooms = (const char *const *)op->to.v,
		            .nrooms = op->to.n,
		            .except = (const char *const *)op->except.v,
		            .nexcept = op->except.n };
	long n = 0;
	switch (op->kind) {
	case SRV_OP_EMIT: {
		sio_out *o = sio_out_new();
		if (!o || (op->data && sio_out_json(o, op->data, op->data_len))) {
			sio_out_free(o);
			return -1;
		}
		n = sio_broadcast_emit(nsp, &b, op->event, o);
		sio_out_free(o);
		if (n > 0)
			srv_metrics_event_sent(r->api->metrics, op->event, (uint64_t)n);
		break;
	}
	case SRV_OP_JOIN:
	case SRV_OP_LEAVE:
		/* the same sockets for every room: the first room's count */
		for (size_t i = 0; i < op->rooms.n; i++) {
			int k = op->kind == SRV_OP_JOIN
			                ? sio_sockets_join(nsp, &b, op->rooms.v[i])
			                : sio_sockets_leave(nsp, &b, op->rooms.v[i]);
			if (i == 0)
				n = k;
		}
		break;
	case SRV_OP_DISCONNECT:
		n = sio_disconnect_sockets(nsp, &b, op->close);
		break;
	}
	return n < 0 ? 0 : n;
}

static void put_result(base_jsonw *w, const srv_api_op *op, long n)
{
	const char *key = op->kind == SRV_OP_EMIT ? "recipientCount" : "socketCount";
	base_jsonw_key(w, key, strlen(key));
	base_jsonw_int64(w, n);
}

static void run(srv_api_req *r, int kind)
{
	const eio_request *info = eio_http_request_info(r->req);
	size_t len = 0;
	const char *js = eio_http_request_body(r->req, &len);
	if (!json_content_type(eio_request_header(info, "content-type"))) {
		srv_api_fail(r, 415, "UNSUPPORTED_MEDIA_TYPE",
		             "Content-Type must be application/json");
		return;
	}
	if (len > (size_t)r->api->cfg->max_http_buffer_size) {
		srv_api_fail(r, 413, "PAYLOAD_TOO_LARGE", "Body larger than maxHttpBufferSize");
		return;
	}
	srv_api_ops_run(r, kind, js, len);
}

void srv_api_ops_run(srv_api_req *r, int kind, const char *js, size_t len)
{
	const char *why = NULL;
	srv_api_ops ops = { .doc = BASE_JSON_INIT, .v = NULL, .n = 0 };
	if (srv_api_ops_parse(js, len, kind, r->api->cfg, &ops, &why)) {
		srv_api_fail(r, 400,
		             why && !strcmp(why, "Body is not valid JSON") ? "INVALID_JSON"
		                                                           : "BAD_REQUEST",
		             why ? why : "Bad request");
		srv_api_ops_free(&ops);
		return;
	}
	base_buf b = BASE_BUF_INIT;
	base_jsonw w;
	base_jsonw_init(&w, &b);
	base_jsonw_object_begin(&w);
	if (kind == SRV_OP_BATCH) {
		base_jsonw_key(&w, "results", 7);
		base_jsonw_array_begin(&w);
	}
	for (size_t i = 0; i < ops.n; i++) {
		long n = apply(r, &ops.v[i]);
		if (kind != SRV_OP_BATCH) {
			put_result(&w, &ops.v[i], n);
			continue;
		}
		base_jsonw_object_begin(&w);
		base_jsonw_key(&w, "op", 2);
		const char *name = op_names[ops.v[i].kind];
		base_jsonw_str(&w, name, strlen(name));
		put_result(&w, &ops.v[i], n);
		base_jsonw_object_end(&w);
	}
	if (kind == SRV_OP_BATCH)
		base_jsonw_array_end(&w);
	base_jsonw_object_end(&w);
	srv_api_ops_free(&ops);
	srv_api_ok_json(r, 200, &b, &w);
}

void srv_api_emit(srv_api_req *r, const char *value)
{
	(void)value;
	run(r, SRV_OP_EMIT);
}

void srv_api_sockets_join(srv_api_req *r, const char *value)
{
	(void)value;
	run(r, SRV_OP_JOIN);
}

void srv_api_sockets_leave(srv_api_req *r, const char *value)
{
	(void)value;
	run(r, SRV_OP_LEAVE);
}

void srv_api_sockets_disconnect(srv_api_req *r, const char *value)
{
	(void)value;
	run(r, SRV_OP_DISCONNECT);
}

void srv_api_batch(srv_api_req *r, const char *value)
{
	(void)value;
	run(r, SRV_OP_BATCH);
}
