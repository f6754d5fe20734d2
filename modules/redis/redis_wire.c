/* redis_wire.c - decoding the bodies of node's Redis adapter and emitter
 * (design: redis_wire.h; the encoders are redis_wire_enc.c).
 *
 * A body becomes one tree, msgpack-c's msgpack_object: a msgpack body is
 * scanned first (scan(): every length checked against the bytes left,
 * nesting bounded, exactly one value) so that msgpack-c, which allocates a
 * container from its declared count, never sees a count the bytes cannot
 * hold; a JSON body (a request or response whose first byte is '{', as
 * node's onrequest/onresponse tell them) is parsed by base/json.h and
 * copied into the same tree. The fields are then read off the tree with
 * their types checked; what the library needs is copied out (strings into
 * the message's zone, arguments into an sio_out), so nothing refers to the
 * body after the call. Values become arguments or JSON text in
 * redis_wire_value.c.
 */
#include "redis_wire.h"
#include "redis_wire_value.h"

#include "base/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void redis_msg_init(redis_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = -1;
}

void redis_msg_free(redis_msg *m)
{
	sio_out_free(m->args);
	sio_out_free(m->value);
	if (m->has_up)
		msgpack_unpacked_destroy(&m->up);
	if (m->zone)
		msgpack_zone_free(m->zone);
	m->args = m->value = NULL;
	m->zone = NULL;
	m->has_up = false;
}

/* ---- scan: structure, lengths and depth, before msgpack-c allocates ------------ */

static uint32_t be(const unsigned char *p, int n)
{
	uint32_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* The end of the value at p, or NULL. */
static const unsigned char *scan(const unsigned char *p, const unsigned char *end, int depth)
{
	if (p >= end)
		return NULL;
	unsigned c = *p++;
	size_t left = (size_t)(end - p), hdr = 0, body = 0, elems = 0;
	if (c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3)
		return p;
	if (c >= 0x80 && c <= 0x9f) {
		elems = (c & 0x0f) * (c <= 0x8f ? 2u : 1u);
	} else if (c >= 0xa0 && c <= 0xbf) {
		body = c & 0x1f;
	} else if (c >= 0xc4 && c <= 0xc6) { /* bin 8/16/32 */
		hdr = 1u << (c - 0xc4);
	} else if (c >= 0xd9 && c <= 0xdb) { /* str 8/16/32 */
		hdr = 1u << (c - 0xd9);
	} else if (c >= 0xc7 && c <= 0xc9) { /* ext 8/16/32: length, then type */
		hdr = 1u << (c - 0xc7);
	} else if (c == 0xca || c == 0xcb) {
		body = c == 0xca ? 4 : 8;
	} else if (c >= 0xcc && c <= 0xcf) {
		body = 1u << (c - 0xcc);
	} else if (c >= 0xd0 && c <= 0xd3) {
		body = 1u << (c - 0xd0);
	} else if (c >= 0xd4 && c <= 0xd8) { /* fixext: type, data */
		body = 1 + (1u << (c - 0xd4));
	} else if (c >= 0xdc && c <= 0xdf) { /* array/map 16/32 */
		size_t h = (c == 0xdc || c == 0xde) ? 2 : 4;
		if (left < h)
			return NULL;
		size_t n = be(p, (int)h);
		elems = c >= 0xde ? 2 * n : n;
		p += h;
		left -= h;
		if (elems == 0)
			return p;
	} else {
		return NULL; /* 0xc1: never used */
	}
	if (hdr) {
		if (left < hdr)
			return NULL;
		body = be(p, (int)hdr);
		if (c >= 0xc7 && c <= 0xc9)
			body++; /* the type byte */
	}
	if (elems == 0) {
		if (left < hdr || left - hdr < body)
			return NULL;
		return p + hdr + body;
	}
	if (depth >= REDIS_WIRE_MAX_DEPTH || elems > (size_t)(end - p))
		return NULL; /* each element takes a byte at least */
	for (size_t i = 0; i < elems && p; i++)
		p = scan(p, end, depth + 1);
	return p;
}

/* ---- JSON -> the tree ------------------------------------------------------------ */

static int from_json(msgpack_zone *z, const base_json *d, int t, msgpack_object *o)
{
	memset(o, 0, sizeof(*o));
	switch (base_json_type(d, t)) {
	case BASE_JSON_NULL:
		o->type = MSGPACK_OBJECT_NIL;
		return 0;
	case BASE_JSON_TRUE:
	case BASE_JSON_FALSE:
		o->type = MSGPACK_OBJECT_BOOLEAN;
		o->via.boolean = base_json_type(d, t) == BASE_JSON_TRUE;
		return 0;
	case BASE_JSON_NUMBER: {
		int64_t i;
		if (base_json_int64(d, t, &i) == 0) {
			o->type = i >= 0 ? MSGPACK_OBJECT_POSITIVE_INTEGER
			                 : MSGPACK_OBJECT_NEGATIVE_INTEGER;
			o->via.i64 = i;
			return 0;
		}
		o->type = MSGPACK_OBJECT_FLOAT64;
		if (base_json_number(d, t, &o->via.f64) == BASE_JSON_ESYNTAX)
			return REDIS_WIRE_EMALFORMED;
		return 0;
	}
	case BASE_JSON_STRING: {
		size_t n = 0;
		base_json_str_unescape(d, t, NULL, 0, &n);
		char *s = msgpack_zone_malloc(z, n + 1);
		if (!s || base_json_str_unescape(d, t, s, n + 1, &n) < 0)
			return SIO_ENOMEM;
		o->type = MSGPACK_OBJECT_STR;
		o->via.str.ptr = s;
		o->via.str.size = (uint32_t)n;
		return 0;
	}
	case BASE_JSON_ARRAY:
	case BASE_JSON_OBJECT: {
		bool obj = base_json_type(d, t) == BASE_JSON_OBJECT;
		size_t n = (size_t)base_json_size(d, t);
		void *items = n ? msgpack_zone_malloc(z, n * (obj ? sizeof(msgpack_object_kv)
		                                                  : sizeof(msgpack_object)))
		                : NULL;
		if (n && !items)
			return SIO_ENOMEM;
		base_json_iter it;
		int key, v, r = 0;
		size_t i = 0;
		base_json_iter_init(d, t, &it);
		while (r == 0 && i < n && (v = base_json_iter_next(d, &it, &key)) >= 0) {
			if (obj) {
				msgpack_object_kv *kv = (msgpack_object_kv *)items + i;
				r = from_json(z, d, key, &kv->key);
				if (r == 0)
					r = from_json(z, d, v, &kv->val);
			} else {
				r = from_json(z, d, v, (msgpack_object *)items + i);
			}
			i++;
		}
		if (obj) {
			o->type = MSGPACK_OBJECT_MAP;
			o->via.map.size = (uint32_t)n;
			o->via.map.ptr = items;
		} else {
			o->type = MSGPACK_OBJECT_ARRAY;
			o->via.array.size = (uint32_t)n;
			o->via.array.ptr = items;
		}
		return r;
	}
	default:
		return REDIS_WIRE_EMALFORMED;
	}
}

/* The body as a tree in *root: msgpack, or JSON when json_ok and it starts
 * with '{'. */
static int parse_body(redis_msg *m, const void *body, size_t len, bool json_ok,
                      const msgpack_object **root)
{
	const unsigned char *p = body;
	if (!(m->zone = msgpack_zone_new(4096)))
		return SIO_ENOMEM;
	if (json_ok && len > 0 && p[0] == '{') {
		base_json d = BASE_JSON_INIT;
		int r = base_json_parse(&d, body, len);
		msgpack_object *o = msgpack_zone_malloc(m->zone, sizeof(*o));
		if (r == 0)
			r = o ? from_json(m->zone, &d, base_json_root(&d), o) : SIO_ENOMEM;
		else
			r = r == BASE_JSON_ENOMEM ? SIO_ENOMEM : REDIS_WIRE_EMALFORMED;
		base_json_free(&d);
		*root = o;
		return r;
	}
	if (scan(p, p + len, 0) != p + len)
		return REDIS_WIRE_EMALFORMED;
	msgpack_unpacked_init(&m->up);
	m->has_up = true;
	size_t off = 0;
	msgpack_unpack_return ur = msgpack_unpack_next(&m->up, body, len, &off);
	if (ur == MSGPACK_UNPACK_NOMEM_ERROR)
		return SIO_ENOMEM;
	if (ur != MSGPACK_UNPACK_SUCCESS || off != len)
		return REDIS_WIRE_EMALFORMED;
	*root = &m->up.data;
	return 0;
}

/* ---- reading fields ------------------------------------------------------------- */

static const msgpack_object *get(const msgpack_object *map, const char *key)
{
	size_t kl = strlen(key);
	const msgpack_object *found = NULL;
	for (uint32_t i = 0; i < map->via.map.size; i++) {
		const msgpack_object_kv *kv = &map->via.map.ptr[i];
		if (kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == kl &&
		    memcmp(kv->key.via.str.ptr, key, kl) == 0)
			found = &kv->val; /* the last one, as JavaScript */
	}
	return found;
}

static bool is_absent(const msgpack_object *o)
{
	return !o || o->type == MSGPACK_OBJECT_NIL;
}

/* A string without NUL, valid UTF-8, copied into the zone. */
static int str_copy(redis_msg *m, const msgpack_object *o, const char **out)
{
	if (o->type != MSGPACK_OBJECT_STR)
		return REDIS_WIRE_EMALFORMED;
	size_t n = o->via.str.size;
	if (memchr(o->via.str.ptr, 0, n) || !base_json_utf8_valid(o->via.str.ptr, n))
		return REDIS_WIRE_EMALFORMED;
	char *s = msgpack_zone_malloc(m->zone, n + 1);
	if (!s)
		return SIO_ENOMEM;
	memcpy(s, o->via.str.ptr, n);
	s[n] = '\0';
	*out = s;
	return 0;
}

/* An optional string field: absent (NULL) or a string. */
static int opt_str(redis_msg *m, const msgpack_object *map, const char *key, const char **out)
{
	const msgpack_object *o = get(map, key);
	*out = NULL;
	return is_absent(o) ? 0 : str_copy(m, o, out);
}

/* A non-negative integer (a float with an integral value too, as JSON's 2.0). */
static bool uint_of(const msgpack_object *o, uint64_t *v)
{
	if (o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		*v = o->via.u64;
		return true;
	}
	if (o && (o->type == MSGPACK_OBJECT_FLOAT64 || o->type == MSGPACK_OBJECT_FLOAT32) &&
	    o->via.f64 >= 0 && o->via.f64 < 9007199254740992.0 && floor(o->via.f64) == o->via.f64) {
		*v = (uint64_t)o->via.f64;
		return true;
	}
	return false;
}

/* A room: a string, or an integer (node's Room is string | number). */
static int room_copy(redis_msg *m, const msgpack_object *o, const char **out)
{
	if (o->type == MSGPACK_OBJECT_STR)
		return str_copy(m, o, out);
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER &&
	    o->type != MSGPACK_OBJECT_NEGATIVE_INTEGER)
		return REDIS_WIRE_EMALFORMED;
	char *s = msgpack_zone_malloc(m->zone, 24);
	if (!s)
		return SIO_ENOMEM;
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		snprintf(s, 24, "%llu", (unsigned long long)o->via.u64);
	else
		snprintf(s, 24, "%lld", (long long)o->via.i64);
	*out = s;
	return 0;
}

/* An optional array of rooms (absent: none). */
static int rooms_of(redis_msg *m, const msgpack_object *o, const char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (is_absent(o))
		return 0;
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size > REDIS_WIRE_MAX_ROOMS)
		return REDIS_WIRE_EMALFORMED;
	uint32_t k = o->via.array.size;
	const char **v = msgpack_zone_malloc(m->zone, (k + 1) * sizeof(*v));
	if (!v)
		return SIO_ENOMEM;
	for (uint32_t i = 0; i < k; i++) {
		int r = room_copy(m, &o->via.array.ptr[i], &v[i]);
		if (r < 0)
			return r;
	}
	*out = v;
	*n = k;
	return 0;
}

static int opt_bool(const msgpack_object *map, const char *key, bool *out)
{
	const msgpack_object *o = get(map, key);
	*out = false;
	if (is_absent(o))
		return 0;
	if (o->type != MSGPACK_OBJECT_BOOLEAN)
		return REDIS_WIRE_EMALFORMED;
	*out = o->via.boolean;
	return 0;
}

/* {rooms, except, flags: {volatile, compress, local, timeout}}; other flags
 * (broadcast, binary, ...) are node's own and ignored. */
static int opts_of(redis_msg *m, const msgpack_object *o)
{
	if (!o || o->type != MSGPACK_OBJECT_MAP)
		return REDIS_WIRE_EMALFORMED;
	redis_opts *op = &m->opts;
	int r = rooms_of(m, get(o, "rooms"), &op->rooms, &op->nrooms);
	if (r == 0)
		r = rooms_of(m, get(o, "except"), &op->except, &op->nexcept);
	const msgpack_object *f = get(o, "flags");
	if (r == 0 && !is_absent(f)) {
		if (f->type != MSGPACK_OBJECT_MAP)
			return REDIS_WIRE_EMALFORMED;
		if (opt_bool(f, "volatile", &op->volatile_) < 0 ||
		    opt_bool(f, "compress", &op->compress) < 0 ||
		    opt_bool(f, "local", &op->local) < 0)
			return REDIS_WIRE_EMALFORMED;
		const msgpack_object *t = get(f, "timeout");
		if (!is_absent(t) && !(op->has_timeout = uint_of(t, &op->timeout_ms)))
			return REDIS_WIRE_EMALFORMED;
	}
	m->has_opts = r == 0;
	return r;
}

/* A value as a NUL-terminated JSON text in the zone. */
static int json_copy(redis_msg *m, const redis_vctx *c, const msgpack_object *o, const char **out)
{
	base_buf b;
	base_jsonw w;
	base_buf_init(&b);
	base_jsonw_init(&w, &b);
	int r = redis_wire_to_json(c, &w, o, 0);
	if (r == 0 && base_jsonw_error(&w) < 0)
		r = base_jsonw_error(&w) == BASE_JSON_ENOMEM ? SIO_ENOMEM : REDIS_WIRE_EMALFORMED;
	char *s = r == 0 ? msgpack_zone_malloc(m->zone, b.len + 1) : NULL;
	if (r == 0 && !s)
		r = SIO_ENOMEM;
	if (r == 0) {
		memcpy(s, b.data, b.len);
		s[b.len] = '\0';
		*out = s;
	}
	base_buf_free(&b);
	return r;
}

/* One value into a fresh sio_out (*out), or none when absent. */
static int value_of(const redis_vctx *c, const msgpack_object *o, sio_out **out)
{
	if (!o || redis_wire_is_undefined(c, o))
		return 0;
	if (!(*out = sio_out_new()))
		return SIO_ENOMEM;
	return redis_wire_to_out(c, *out, o, 1);
}

/* data: [event, ...args]; the event a string. */
static int data_of(redis_msg *m, const redis_vctx *c, const msgpack_object *d)
{
	if (!d || d->type != MSGPACK_OBJECT_ARRAY || d->via.array.size < 1)
		return REDIS_WIRE_EMALFORMED;
	int r = str_copy(m, &d->via.array.ptr[0], &m->event);
	if (r < 0)
		return r;
	if (!(m->args = sio_out_new()))
		return SIO_ENOMEM;
	for (uint32_t i = 1; r == 0 && i < d->via.array.size; i++)
		r = redis_wire_to_out(c, m->args, &d->via.array.ptr[i], 1);
	return r;
}

/* packet: {type: 2 (or 5, an old binary event), data, nsp}. */
static int packet_of(redis_msg *m, const redis_vctx *c, const msgpack_object *p)
{
	uint64_t type;
	if (!p || p->type != MSGPACK_OBJECT_MAP)
		return REDIS_WIRE_EMALFORMED;
	if (!uint_of(get(p, "type"), &type) || (type != 2 && type != 5))
		return REDIS_WIRE_EMALFORMED;
	int r = opt_str(m, p, "nsp", &m->nsp);
	if (r == 0 && !m->nsp)
		m->nsp = "/";
	return r ? r : data_of(m, c, get(p, "data"));
}

static int map_err(int r)
{
	return r == SIO_ENOMEM ? SIO_ENOMEM : r < 0 ? REDIS_WIRE_EMALFORMED : 0;
}

/* ---- the three kinds of body ------------------------------------------------------- */

int redis_wire_decode_broadcast(redis_msg *m, const void *body, size_t len)
{
	const msgpack_object *root = NULL;
	int r = parse_body(m, body, len, false, &root);
	if (r < 0)
		return map_err(r);
	redis_vctx c = { body, len };
	if (root->type != MSGPACK_OBJECT_ARRAY || root->via.array.size < 3)
		return REDIS_WIRE_EMALFORMED;
	const msgpack_object *a = root->via.array.ptr;
	r = str_copy(m, &a[0], &m->uid);
	if (r == 0)
		r = packet_of(m, &c, &a[1]);
	if (r == 0)
		r = opts_of(m, &a[2]);
	/* A C member's recovery number; anything else there is ignored, as
	 * node's adapter ignores the element. */
	if (r == 0 && root->via.array.size >= 4 && !uint_of(&a[3], &m->seq))
		m->seq = 0;
	return map_err(r);
}

static int request_fields(redis_msg *m, const redis_vctx *c, const msgpack_object *o)
{
	uint64_t type;
	if (!uint_of(get(o, "type"), &type) || type > REDIS_BROADCAST)
		return REDIS_WIRE_EMALFORMED;
	m->type = (int)type;
	int r = opt_str(m, o, "uid", &m->uid);
	if (r == 0)
		r = opt_str(m, o, "requestId", &m->request_id);
	if (r < 0)
		return r;
	const msgpack_object *opts = get(o, "opts");
	switch (m->type) {
	case REDIS_SOCKETS:
		m->has_rooms = true;
		r = rooms_of(m, get(o, "rooms"), &m->rooms, &m->nrooms);
		/* fall through */
	case REDIS_ALL_ROOMS:
		return r ? r : m->request_id ? 0 : REDIS_WIRE_EMALFORMED;
	case REDIS_REMOTE_JOIN:
	case REDIS_REMOTE_LEAVE:
	case REDIS_REMOTE_DISCONNECT:
		if (m->type == REDIS_REMOTE_DISCONNECT && (r = opt_bool(o, "close", &m->close)) < 0)
			return r;
		if (!is_absent(opts)) {
			r = opts_of(m, opts);
			if (r == 0 && m->type != REDIS_REMOTE_DISCONNECT) {
				const msgpack_object *rooms = get(o, "rooms");
				if (is_absent(rooms))
					return REDIS_WIRE_EMALFORMED;
				m->has_rooms = true;
				r = rooms_of(m, rooms, &m->rooms, &m->nrooms);
			}
			return r;
		}
		/* The old form: {sid, room, requestId}, one socket. */
		if ((r = opt_str(m, o, "sid", &m->sid)) < 0 || !m->sid)
			return REDIS_WIRE_EMALFORMED;
		if (m->type == REDIS_REMOTE_DISCONNECT)
			return 0;
		const msgpack_object *room = get(o, "room");
		return is_absent(room) ? REDIS_WIRE_EMALFORMED : room_copy(m, room, &m->room);
	case REDIS_REMOTE_FETCH:
		return m->request_id ? opts_of(m, opts) : REDIS_WIRE_EMALFORMED;
	case REDIS_SERVER_SIDE_EMIT:
		return data_of(m, c, get(o, "data"));
	case REDIS_BROADCAST:
		if (!m->request_id)
			return REDIS_WIRE_EMALFORMED;
		r = packet_of(m, c, get(o, "packet"));
		return r ? r : opts_of(m, opts);
	default:
		return REDIS_WIRE_EMALFORMED;
	}
}

int redis_wire_decode_request(redis_msg *m, const void *body, size_t len)
{
	const msgpack_object *root = NULL;
	int r = parse_body(m, body, len, true, &root);
	if (r < 0)
		return map_err(r);
	if (root->type != MSGPACK_OBJECT_MAP)
		return REDIS_WIRE_EMALFORMED;
	redis_vctx c = { m->has_up ? body : NULL, len };
	return map_err(request_fields(m, &c, root));
}

/* One of 5's sockets: {id, handshake, rooms, data}. */
static int socket_of(redis_msg *m, const redis_vctx *c, const msgpack_object *o, sio_socket_info *s)
{
	if (o->type != MSGPACK_OBJECT_MAP)
		return REDIS_WIRE_EMALFORMED;
	const msgpack_object *id = get(o, "id"), *hs = get(o, "handshake"), *data = get(o, "data");
	int r = id ? str_copy(m, id, &s->id) : REDIS_WIRE_EMALFORMED;
	if (r == 0)
		r = rooms_of(m, get(o, "rooms"), (const char ***)&s->rooms, &s->nrooms);
	if (r == 0 && hs && !redis_wire_is_undefined(c, hs))
		r = json_copy(m, c, hs, &s->handshake_json);
	if (r == 0 && data && !redis_wire_is_undefined(c, data))
		r = json_copy(m, c, data, &s->data_json);
	return r;
}

/* sockets: socket ids (the answer to 0) or socket objects (to 5). */
static int sockets_of(redis_msg *m, const redis_vctx *c, const msgpack_object *o)
{
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size > REDIS_WIRE_MAX_SOCKETS)
		return REDIS_WIRE_EMALFORMED;
	uint32_t n = o->via.array.size;
	m->sockets = msgpack_zone_malloc(m->zone, (n + 1) * sizeof(*m->sockets));
	if (!m->sockets)
		return SIO_ENOMEM;
	memset(m->sockets, 0, (n + 1) * sizeof(*m->sockets));
	bool ids = n > 0 && o->via.array.ptr[0].type == MSGPACK_OBJECT_STR;
	for (uint32_t i = 0; i < n; i++) {
		const msgpack_object *e = &o->via.array.ptr[i];
		int r = ids ? str_copy(m, e, &m->sockets[i].id)
		            : socket_of(m, c, e, &m->sockets[i]);
		if (r < 0)
			return r;
	}
	m->nsockets = n;
	m->has_sockets = true;
	return 0;
}

static int response_fields(redis_msg *m, const redis_vctx *c, const msgpack_object *o)
{
	uint64_t v;
	const msgpack_object *t = get(o, "type");
	if (!is_absent(t)) {
		if (!uint_of(t, &v) || v > REDIS_BROADCAST_ACK)
			return REDIS_WIRE_EMALFORMED;
		m->type = (int)v;
	}
	int r = opt_str(m, o, "requestId", &m->request_id);
	if (r < 0 || !m->request_id)
		return REDIS_WIRE_EMALFORMED;
	const msgpack_object *f;
	if (!is_absent(f = get(o, "sockets")) && (r = sockets_of(m, c, f)) < 0)
		return r;
	if (!is_absent(f = get(o, "rooms"))) {
		m->has_rooms = true;
		if ((r = rooms_of(m, f, &m->rooms, &m->nrooms)) < 0)
			return r;
	}
	switch (m->type) {
	case REDIS_SERVER_SIDE_EMIT:
		return value_of(c, get(o, "data"), &m->value);
	case REDIS_BROADCAST_CLIENT_COUNT:
		return uint_of(get(o, "clientCount"), &m->client_count) ? 0 : REDIS_WIRE_EMALFORMED;
	case REDIS_BROADCAST_ACK:
		return value_of(c, get(o, "packet"), &m->value);
	default:
		return 0;
	}
}

int redis_wire_decode_response(redis_msg *m, const void *body, size_t len)
{
	const msgpack_object *root = NULL;
	int r = parse_body(m, body, len, true, &root);
	if (r < 0)
		return map_err(r);
	if (root->type != MSGPACK_OBJECT_MAP)
		return REDIS_WIRE_EMALFORMED;
	redis_vctx c = { m->has_up ? body : NULL, len };
	return map_err(response_fields(m, &c, root));
}
