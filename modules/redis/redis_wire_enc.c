/* redis_wire_enc.c - encoding the bodies node's Redis adapter reads
 * (design: redis_wire.h; decoding is redis_wire.c).
 *
 * msgpack as notepack.io 3.x writes it (msgpack-c's packer already picks
 * an integer's smallest form, unsigned for non-negative values, as
 * notepack does; str 8 from 32 bytes; other numbers float64; binary as
 * bin), JSON as JSON.stringify writes node's objects: the same keys in the
 * same order as the adapter's index.ts, so a body can be compared byte for
 * byte with node's (tests/test_redis_wire.c does). Arguments come from the
 * library as a walk (sio_args_walk); binary inside JSON is written as a
 * node Buffer's toJSON, {"type":"Buffer","data":[...]}.
 */
#include "redis_wire.h"

#include "base/json.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- msgpack into a base_buf ----------------------------------------------------- */

static int buf_write(void *data, const char *p, size_t n)
{
	return base_buf_append(data, p, n) == 0 ? 0 : -1;
}

static int mp_str(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);
	return msgpack_pack_str(pk, n) || msgpack_pack_str_body(pk, s, n) ? SIO_ENOMEM : 0;
}

static int mp_value(const sio_value *v, void *user)
{
	msgpack_packer *pk = user;
	int r;
	switch (v->type) {
	case SIO_ARG_OBJECT:
		r = msgpack_pack_map(pk, v->count);
		break;
	case SIO_ARG_ARRAY:
		r = msgpack_pack_array(pk, v->count);
		break;
	case SIO_ARG_END:
		r = 0;
		break;
	case SIO_ARG_KEY:
	case SIO_ARG_STRING:
		r = msgpack_pack_str(pk, v->len) || msgpack_pack_str_body(pk, v->str, v->len);
		break;
	case SIO_ARG_NUMBER:
		/* notepack: a number with an integral value is an integer. */
		r = v->is_int ? msgpack_pack_int64(pk, v->i) : msgpack_pack_double(pk, v->num);
		break;
	case SIO_ARG_TRUE:
		r = msgpack_pack_true(pk);
		break;
	case SIO_ARG_FALSE:
		r = msgpack_pack_false(pk);
		break;
	case SIO_ARG_NULL:
		r = msgpack_pack_nil(pk);
		break;
	case SIO_ARG_BINARY:
		r = msgpack_pack_bin(pk, v->len) || msgpack_pack_bin_body(pk, v->str, v->len);
		break;
	default:
		return SIO_EINVAL;
	}
	return r ? SIO_ENOMEM : 0;
}

/* [event, ...args] */
static int mp_data(msgpack_packer *pk, const char *event, const sio_out *args)
{
	sio_args *a = NULL;
	if (args && !(a = sio_args_from_out(args)))
		return SIO_ENOMEM;
	size_t n = a ? sio_args_count(a) : 0;
	int r = msgpack_pack_array(pk, 1 + n) ? SIO_ENOMEM : mp_str(pk, event);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = sio_args_walk(a, i, mp_value, pk);
	sio_args_free(a);
	return r;
}

/* {type: 2, data, nsp}: node's packet once the adapter set its nsp. */
static int mp_packet(msgpack_packer *pk, const char *nsp, const char *event, const sio_out *args)
{
	if (msgpack_pack_map(pk, 3) || mp_str(pk, "type") || msgpack_pack_int(pk, 2) ||
	    mp_str(pk, "data"))
		return SIO_ENOMEM;
	int r = mp_data(pk, event, args);
	return r ? r : mp_str(pk, "nsp") || mp_str(pk, nsp) ? SIO_ENOMEM : 0;
}

static int mp_rooms(msgpack_packer *pk, const char *const *rooms, size_t n, const char *extra)
{
	int r = msgpack_pack_array(pk, n + (extra ? 1 : 0)) ? SIO_ENOMEM : 0;
	for (size_t i = 0; r == 0 && i < n; i++)
		r = mp_str(pk, rooms[i]);
	return r == 0 && extra ? mp_str(pk, extra) : r;
}

/* {rooms, except, flags}: the sender of a socket.broadcast is one more
 * except room (node's BroadcastOperator puts its id in except). */
static int mp_opts(msgpack_packer *pk, const sio_broadcast *o, unsigned timeout_ms, bool timeout)
{
	const char *skip = o->skip ? sio_socket_id(o->skip) : NULL;
	size_t nflags = (o->volatile_ ? 1 : 0) + (o->compress ? 1 : 0) + (timeout ? 1 : 0);
	if (msgpack_pack_map(pk, 3) || mp_str(pk, "rooms") ||
	    mp_rooms(pk, o->rooms, o->nrooms, NULL) || mp_str(pk, "except") ||
	    mp_rooms(pk, o->except, o->nexcept, skip) || mp_str(pk, "flags") ||
	    msgpack_pack_map(pk, nflags))
		return SIO_ENOMEM;
	if (o->volatile_ && (mp_str(pk, "volatile") || msgpack_pack_true(pk)))
		return SIO_ENOMEM;
	if (o->compress && (mp_str(pk, "compress") || msgpack_pack_true(pk)))
		return SIO_ENOMEM;
	if (timeout && (mp_str(pk, "timeout") || msgpack_pack_unsigned_int(pk, timeout_ms)))
		return SIO_ENOMEM;
	return 0;
}

int redis_wire_broadcast_seq(base_buf *out, const char *uid, const char *nsp, const char *event,
                             const sio_out *args, const sio_broadcast *o, uint64_t seq)
{
	msgpack_packer pk;
	msgpack_packer_init(&pk, out, buf_write);
	if (msgpack_pack_array(&pk, seq ? 4 : 3) || mp_str(&pk, uid))
		return SIO_ENOMEM;
	int r = mp_packet(&pk, nsp, event, args);
	if (r == 0)
		r = mp_opts(&pk, o, 0, false);
	if (r == 0 && seq && msgpack_pack_uint64(&pk, seq))
		r = SIO_ENOMEM;
	return r;
}

int redis_wire_broadcast(base_buf *out, const char *uid, const char *nsp, const char *event,
                         const sio_out *args, const sio_broadcast *o)
{
	return redis_wire_broadcast_seq(out, uid, nsp, event, args, o, 0);
}

int redis_wire_broadcast_ack_request(base_buf *out, const char *uid, const char *request_id,
                                     const char *nsp, const char *event, const sio_out *args,
                                     const sio_broadcast *o, unsigned timeout_ms)
{
	msgpack_packer pk;
	msgpack_packer_init(&pk, out, buf_write);
	if (msgpack_pack_map(&pk, 5) || mp_str(&pk, "uid") || mp_str(&pk, uid) ||
	    mp_str(&pk, "requestId") || mp_str(&pk, request_id) || mp_str(&pk, "type") ||
	    msgpack_pack_int(&pk, REDIS_BROADCAST) || mp_str(&pk, "packet"))
		return SIO_ENOMEM;
	int r = mp_packet(&pk, nsp, event, args);
	if (r == 0)
		r = mp_str(&pk, "opts");
	return r ? r : mp_opts(&pk, o, timeout_ms, true);
}

/* Type 9: {type, requestId, packet} with the client's first ack argument. */
int redis_wire_client_ack(base_buf *out, const char *request_id, const sio_args *ack)
{
	msgpack_packer pk;
	msgpack_packer_init(&pk, out, buf_write);
	bool has = ack && sio_args_count(ack) > 0;
	if (msgpack_pack_map(&pk, has ? 3 : 2) || mp_str(&pk, "type") ||
	    msgpack_pack_int(&pk, REDIS_BROADCAST_ACK) || mp_str(&pk, "requestId") ||
	    mp_str(&pk, request_id))
		return SIO_ENOMEM;
	if (!has)
		return 0;
	return mp_str(&pk, "packet") ? SIO_ENOMEM : sio_args_walk(ack, 0, mp_value, &pk);
}

/* ---- JSON ------------------------------------------------------------------------ */

static void js_key(base_jsonw *w, const char *k)
{
	base_jsonw_key(w, k, strlen(k));
}

static void js_str(base_jsonw *w, const char *s)
{
	base_jsonw_str(w, s, strlen(s));
}

static void js_rooms(base_jsonw *w, const char *const *rooms, size_t n, const char *extra)
{
	base_jsonw_array_begin(w);
	for (size_t i = 0; i < n; i++)
		js_str(w, rooms[i]);
	if (extra)
		js_str(w, extra);
	base_jsonw_array_end(w);
}

static int js_value(const sio_value *v, void *user)
{
	base_jsonw *w = user;
	switch (v->type) {
	case SIO_ARG_OBJECT:
		base_jsonw_object_begin(w);
		break;
	case SIO_ARG_ARRAY:
		base_jsonw_array_begin(w);
		break;
	case SIO_ARG_END:
		/* The writer knows which container is open. */
		if (w->depth > 0 && (w->objects >> (w->depth - 1) & 1))
			base_jsonw_object_end(w);
		else
			base_jsonw_array_end(w);
		break;
	case SIO_ARG_KEY:
		base_jsonw_key(w, v->str, v->len);
		break;
	case SIO_ARG_STRING:
		base_jsonw_str(w, v->str, v->len);
		break;
	case SIO_ARG_NUMBER:
		base_jsonw_raw(w, v->str, v->len);
		break;
	case SIO_ARG_TRUE:
	case SIO_ARG_FALSE:
		base_jsonw_bool(w, v->type == SIO_ARG_TRUE);
		break;
	case SIO_ARG_NULL:
		base_jsonw_null(w);
		break;
	case SIO_ARG_BINARY: /* a node Buffer's toJSON */
		base_jsonw_object_begin(w);
		js_key(w, "type");
		js_str(w, "Buffer");
		js_key(w, "data");
		base_jsonw_array_begin(w);
		for (size_t i = 0; i < v->len; i++)
			base_jsonw_int64(w, ((const unsigned char *)v->str)[i]);
		base_jsonw_array_end(w);
		base_jsonw_object_end(w);
		break;
	default:
		return SIO_EINVAL;
	}
	return 0;
}

static int js_done(const base_jsonw *w, int r)
{
	if (r < 0)
		return r;
	int e = base_jsonw_error(w);
	return e == 0 ? 0 : e == BASE_JSON_ENOMEM ? SIO_ENOMEM : SIO_EINVAL;
}

/* {rooms, except}: the opts of 2 to 5 carry no flags. */
static void js_opts(base_jsonw *w, const sio_broadcast *o)
{
	js_key(w, "opts");
	base_jsonw_object_begin(w);
	js_key(w, "rooms");
	js_rooms(w, o ? o->rooms : NULL, o ? o->nrooms : 0, NULL);
	js_key(w, "except");
	js_rooms(w, o ? o->except : NULL, o ? o->nexcept : 0,
	         o && o->skip ? sio_socket_id(o->skip) : NULL);
	base_jsonw_object_end(w);
}

int redis_wire_request(base_buf *out, int type, const char *uid, const char *request_id,
                       const sio_broadcast *o, const char *const *rooms, size_t nrooms, bool close)
{
	base_jsonw w;
	base_jsonw_init(&w, out);
	base_jsonw_object_begin(&w);
	js_key(&w, "uid");
	js_str(&w, uid);
	if (request_id) {
		js_key(&w, "requestId");
		js_str(&w, request_id);
	}
	js_key(&w, "type");
	base_jsonw_int64(&w, type);
	if (type >= REDIS_REMOTE_JOIN && type <= REDIS_REMOTE_FETCH)
		js_opts(&w, o);
	if (type == REDIS_REMOTE_JOIN || type == REDIS_REMOTE_LEAVE) {
		js_key(&w, "rooms");
		js_rooms(&w, rooms, nrooms, NULL);
	} else if (type == REDIS_REMOTE_DISCONNECT) {
		js_key(&w, "close");
		base_jsonw_bool(&w, close);
	}
	base_jsonw_object_end(&w);
	return js_done(&w, 0);
}

int redis_wire_server_side_emit(base_buf *out, const char *uid, const char *request_id,
                                const char *event, const sio_out *args)
{
	base_jsonw w;
	base_jsonw_init(&w, out);
	base_jsonw_object_begin(&w);
	js_key(&w, "uid");
	js_str(&w, uid);
	if (request_id) {
		js_key(&w, "requestId");
		js_str(&w, request_id);
	}
	js_key(&w, "type");
	base_jsonw_int64(&w, REDIS_SERVER_SIDE_EMIT);
	js_key(&w, "data");
	base_jsonw_array_begin(&w);
	js_str(&w, event);
	int r = args ? sio_out_walk(args, js_value, &w) : 0;
	base_jsonw_array_end(&w);
	base_jsonw_object_end(&w);
	return js_done(&w, r);
}

static void js_request_id(base_jsonw *w, const char *request_id)
{
	base_jsonw_object_begin(w);
	js_key(w, "requestId");
	js_str(w, request_id);
}

int redis_wire_answer_ids(base_buf *out, const char *request_id, const char *const *ids, size_t n)
{
	base_jsonw w;
	base_jsonw_init(&w, out);
	js_request_id(&w, request_id);
	js_key(&w, "sockets");
	js_rooms(&w, ids, n, NULL);
	base_jsonw_object_end(&w);
	return js_done(&w, 0);
}

int redis_wire_answer_rooms(base_buf *out, const char *request_id, const char *const *rooms,
                            size_t n)
{
	base_jsonw w;
	base_jsonw_init(&w, out);
	js_request_id(&w, request_id);
	js_key(&w, "rooms");
	js_rooms(&w, rooms, n, NULL);
	base_jsonw_object_end(&w);
	return js_done(&w, 0);
}

int redis_wire_answer_done(base_buf *out, const char *request_id)
{
	base_jsonw w;
	base_jsonw_init(&w, out);
	js_request_id(&w, request_id);
	base_jsonw_object_end(&w);
	return js_done(&w, 0);
}

int redis_wire_answer_sockets(base_buf *out, const char *request_id, const sio_socket_info *s,
                              size_t n)
{
	base_jsonw w;
	base_jsonw_init(&w, out);
	js_request_id(&w, request_id);
	js_key(&w, "sockets");
	base_jsonw_array_begin(&w);
	for (size_t i = 0; i < n; i++) {
		base_jsonw_object_begin(&w);
		js_key(&w, "id");
		js_str(&w, s[i].id);
		js_key(&w, "handshake");
		base_jsonw_raw(&w, s[i].handshake_json, strlen(s[i].handshake_json));
		js_key(&w, "rooms");
		js_rooms(&w, s[i].rooms, s[i].nrooms, NULL);
		js_key(&w, "data");
		base_jsonw_raw(&w, s[i].data_json, strlen(s[i].data_json));
		base_jsonw_object_end(&w);
	}
	base_jsonw_array_end(&w);
	base_jsonw_object_end(&w);
	return js_done(&w, 0);
}

int redis_wire_answer_server_side_emit(base_buf *out, const char *request_id, const sio_out *reply)
{
	sio_args *a = NULL;
	if (reply && !(a = sio_args_from_out(reply)))
		return SIO_ENOMEM;
	base_jsonw w;
	base_jsonw_init(&w, out);
	base_jsonw_object_begin(&w);
	js_key(&w, "type");
	base_jsonw_int64(&w, REDIS_SERVER_SIDE_EMIT);
	js_key(&w, "requestId");
	js_str(&w, request_id);
	int r = 0;
	if (a && sio_args_count(a) > 0) {
		js_key(&w, "data");
		r = sio_args_walk(a, 0, js_value, &w);
	}
	base_jsonw_object_end(&w);
	sio_args_free(a);
	return js_done(&w, r);
}

int redis_wire_client_count(base_buf *out, const char *request_id, uint64_t clients)
{
	base_jsonw w;
	base_jsonw_init(&w, out);
	base_jsonw_object_begin(&w);
	js_key(&w, "type");
	base_jsonw_int64(&w, REDIS_BROADCAST_CLIENT_COUNT);
	js_key(&w, "requestId");
	js_str(&w, request_id);
	js_key(&w, "clientCount");
	base_jsonw_int64(&w, (int64_t)clients);
	base_jsonw_object_end(&w);
	return js_done(&w, 0);
}

/* ---- a local socket's handshake, as node's Socket#buildHandshake ----------------- */

int redis_wire_handshake_json(base_buf *out, const sio_socket *s)
{
	const eio_request *req = eio_session_request(sio_socket_session(s));
	base_jsonw w;
	base_jsonw_init(&w, out);
	base_jsonw_object_begin(&w);
	js_key(&w, "headers");
	base_jsonw_object_begin(&w);
	const char *name, *value;
	const char *origin = NULL;
	for (size_t i = 0; req && eio_request_header_at(req, i, &name, &value); i++) {
		js_key(&w, name);
		js_str(&w, value);
		if (strcmp(name, "origin") == 0)
			origin = value;
	}
	base_jsonw_object_end(&w);
	uint64_t ms = req ? eio_request_time_ms(req) : 0;
	if (!ms) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	}
	/* new Date() + "": Date.prototype.toString, in UTC. */
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	char when[80];
	gmtime_r(&secs, &tm);
	strftime(when, sizeof(when), "%a %b %d %Y %H:%M:%S GMT+0000 (Coordinated Universal Time)",
	         &tm);
	js_key(&w, "time");
	js_str(&w, when);
	js_key(&w, "address");
	const char *addr = req ? eio_request_address(req) : NULL;
	if (addr)
		js_str(&w, addr);
	else
		base_jsonw_null(&w);
	js_key(&w, "xdomain");
	base_jsonw_bool(&w, origin != NULL);
	js_key(&w, "secure");
	base_jsonw_bool(&w, req == NULL); /* node: !this.request || encrypted; no TLS here */
	js_key(&w, "issued");
	base_jsonw_int64(&w, (int64_t)ms);
	js_key(&w, "url");
	const char *url = req ? eio_request_url(req) : NULL;
	if (url)
		js_str(&w, url);
	else
		base_jsonw_null(&w);
	js_key(&w, "query");
	base_jsonw_object_begin(&w);
	for (size_t i = 0; req && eio_request_query_at(req, i, &name, &value); i++) {
		js_key(&w, name);
		js_str(&w, value);
	}
	base_jsonw_object_end(&w);
	js_key(&w, "auth");
	size_t alen = 0;
	const char *auth = sio_socket_auth(s, &alen);
	base_jsonw_raw(&w, auth, alen);
	base_jsonw_object_end(&w);
	return js_done(&w, 0);
}
