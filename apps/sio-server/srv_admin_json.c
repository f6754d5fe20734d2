/* srv_admin_json.c - a socket as @socket.io/admin-ui's serialize() writes it
 * (its dist/index.js), and dates as the dashboard receives them.
 *
 *     { id, clientId, transport, nsp, data,
 *       handshake: { address, headers, query, issued, secure, time, url,
 *                    xdomain },
 *       rooms: [ own id, ... ] }
 *
 * clientId is the first 12 characters of the Engine.IO session id (node's
 * socket.client.id is the engine's id); transport is the session's now.
 * Two request headers are left out, unlike node: "authorization" and
 * "cookie" carry the users' credentials (a JWT, a session cookie), which a
 * dashboard has no use for. sio-server itself speaks plain HTTP (TLS ends at
 * the proxy, docs/deploy.md), so "secure" is whether the proxy said
 * X-Forwarded-Proto: https. A date is what JSON.stringify(new Date())
 * gives: "2026-12-06T04:40:00.123Z"; handshake.time is node's
 * Date#toString() in UTC.
 */
#include "srv_admin_int.h"

#include <string.h>
#include <strings.h>
#include <time.h>

uint64_t srv_admin_now_ms(void)
{
	uv_timeval64_t tv;

	if (uv_gettimeofday(&tv) != 0)
		return 0;
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

/* ISO 8601 in UTC with milliseconds (Date#toISOString). */
static void iso_date(uint64_t ms, char *out, size_t cap)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char head[32];

	gmtime_r(&t, &tm);
	strftime(head, sizeof head, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, cap, "%s.%03uZ", head, (unsigned)(ms % 1000));
}

int srv_admin_put_now(sio_out *o)
{
	char d[40];

	iso_date(srv_admin_now_ms(), d, sizeof d);
	return sio_out_str(o, d);
}

static int put_kv(sio_out *o, const char *k, const char *v)
{
	return sio_out_key(o, k) || sio_out_str(o, v ? v : "");
}

static int put_headers(sio_out *o, const eio_request *r)
{
	const char *name, *value;
	int rc = sio_out_object_begin(o);

	for (size_t i = 0; !rc && eio_request_header_at(r, i, &name, &value); i++)
		if (strcasecmp(name, "authorization") && strcasecmp(name, "cookie"))
			rc = put_kv(o, name, value);
	return rc || sio_out_object_end(o);
}

static int put_query(sio_out *o, const eio_request *r)
{
	const char *name, *value;
	int rc = sio_out_object_begin(o);

	for (size_t i = 0; !rc && eio_request_query_at(r, i, &name, &value); i++)
		rc = put_kv(o, name, value);
	return rc || sio_out_object_end(o);
}

static int put_handshake(sio_out *o, const eio_request *r)
{
	uint64_t issued = eio_request_time_ms(r);
	const char *proto = eio_request_header(r, "x-forwarded-proto");
	char when[96];
	time_t t = (time_t)(issued / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%a %b %d %Y %H:%M:%S GMT+0000 (Coordinated Universal Time)",
	         &tm);
	return sio_out_object_begin(o) || put_kv(o, "address", eio_request_address(r)) ||
	       sio_out_key(o, "headers") || put_headers(o, r) || sio_out_key(o, "query") ||
	       put_query(o, r) || sio_out_key(o, "issued") || sio_out_int(o, (int64_t)issued) ||
	       sio_out_key(o, "secure") || sio_out_bool(o, proto && !strcmp(proto, "https")) ||
	       put_kv(o, "time", when) || put_kv(o, "url", eio_request_url(r)) ||
	       sio_out_key(o, "xdomain") ||
	       sio_out_bool(o, eio_request_header(r, "origin") != NULL) || sio_out_object_end(o);
}

struct rooms_out {
	sio_out *o;
	int rc;
};

static void put_room(const char *room, void *user)
{
	struct rooms_out *ro = user;

	ro->rc = ro->rc || sio_out_str(ro->o, room);
}

int srv_admin_put_socket(sio_out *o, sio_socket *s)
{
	eio_session *es = sio_socket_session(s);
	const eio_request *r = eio_session_request(es);
	char client_id[13];
	size_t dlen;
	const char *data = sio_socket_data(s, &dlen);
	struct rooms_out ro = { o, 0 };

	snprintf(client_id, sizeof client_id, "%s", eio_session_id(es));
	int rc = sio_out_object_begin(o) || put_kv(o, "id", sio_socket_id(s)) ||
	         put_kv(o, "clientId", client_id) ||
	         put_kv(o, "transport", eio_session_transport(es)) ||
	         put_kv(o, "nsp", sio_namespace_name(sio_socket_namespace(s))) ||
	         sio_out_key(o, "data") ||
	         (data && dlen && data[0] == '{'
	                  ? sio_out_json(o, data, dlen)
	                  : sio_out_object_begin(o) || sio_out_object_end(o)) ||
	         sio_out_key(o, "handshake") || put_handshake(o, r) || sio_out_key(o, "rooms") ||
	         sio_out_array_begin(o);
	if (rc)
		return -1;
	sio_socket_rooms(s, put_room, &ro);
	return ro.rc || sio_out_array_end(o) || sio_out_object_end(o) ? -1 : 0;
}
