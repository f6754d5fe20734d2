/* sio_msgpack.c - the msgpack parser: decode to the text packet, encode from
 * sio_out or from a text packet (design: sio_msgpack.h).
 *
 * The wire format is socket.io-msgpack-parser 3.0.2's (index.js): the packet
 * object {type, data, nsp, id} as notepack.io packs it. notepack's types:
 * nil, bool, int, float, str, map, array; bin for a node Buffer, ext type 0
 * (ext 8/16/32) for an ArrayBuffer from a browser, fixext 1 type 0 for
 * undefined, fixext 8 type 0 for a Date.
 *
 * Decoding: a scan of our own first (scan() below: every length is checked
 * against the bytes left, nesting is bounded, exactly one value), so that
 * msgpack-c's unpacker, which allocates a container's elements from its
 * declared count, never sees a count the input cannot hold; then
 * msgpack_unpack_next, then the checks of the Decoder (checkPacket,
 * isDataValid), stricter in these ways:
 *   - type 0..4 as a msgpack integer (node's isInteger also takes 2.0);
 *   - nsp a string that the text form can carry ("/..." without ',', or
 *     "" for "/"); the id, when present, an integer 0..2^53-1;
 *   - an EVENT's first element is an event name (a string that is not
 *     reserved, or a number), as for the text parser (sio_packet.c);
 *     node's msgpack parser leaves that to the socket;
 *   - data may not hold a value JSON cannot: map keys other than strings,
 *     a Date, other ext types; nor, in a packet with binary values, a map
 *     with a "_placeholder" key (in the text form it could stand for an
 *     attachment: {"_placeholder":true,"num":0} written by the client).
 *     Undefined is null in an array and drops the key in a map (what
 *     JSON.stringify does); NaN and infinities are null.
 * The data is then written as JSON (binary as placeholders, attachments
 * copied) and the whole text goes through sio_packet_decode, so what
 * reaches the socket layer passed the same checks as on a JSON server.
 */
#include "sio_msgpack.h"
#include "sio_internal.h"

#include <math.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

/* ---- scan: structure, lengths and depth, before msgpack-c allocates ------------ */

static uint32_t be(const unsigned char *p, int n)
{
	uint32_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* The end of the value at p, or NULL (SIO_MP_EFORMAT / SIO_MP_EDEPTH in *err). */
static const unsigned char *scan(const unsigned char *p, const unsigned char *end, int depth,
                                 int *err)
{
	if (p >= end)
		return NULL;
	unsigned c = *p++;
	size_t left = (size_t)(end - p), n = 0, hdr = 0, body = 0, elems = 0;
	if (c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3)
		return p;
	if (c >= 0x80 && c <= 0x9f) {
		elems = (c & 0x0f) * (c <= 0x8f ? 2u : 1u);
	} else if (c >= 0xa0 && c <= 0xbf) {
		body = c & 0x1f;
	} else {
		switch (c) {
		case 0xc4:
		case 0xc5:
		case 0xc6: /* bin 8/16/32 */
		case 0xd9:
		case 0xda:
		case 0xdb: /* str 8/16/32 */
			hdr = c >= 0xd9 ? 1u << (c - 0xd9) : 1u << (c - 0xc4);
			if (left < hdr)
				return NULL;
			body = be(p, (int)hdr);
			break;
		case 0xc7:
		case 0xc8:
		case 0xc9: /* ext 8/16/32: length, type */
			hdr = 1u << (c - 0xc7);
			if (left < hdr + 1)
				return NULL;
			body = be(p, (int)hdr);
			hdr++;
			break;
		case 0xca:
			body = 4;
			break;
		case 0xcb:
			body = 8;
			break;
		case 0xcc:
		case 0xcd:
		case 0xce:
		case 0xcf:
			body = 1u << (c - 0xcc);
			break;
		case 0xd0:
		case 0xd1:
		case 0xd2:
		case 0xd3:
			body = 1u << (c - 0xd0);
			break;
		case 0xd4:
		case 0xd5:
		case 0xd6:
		case 0xd7:
		case 0xd8: /* fixext: type, data */
			body = 1 + (1u << (c - 0xd4));
			break;
		case 0xdc:
		case 0xdd:
		case 0xde:
		case 0xdf: /* array/map 16/32 */
			hdr = c == 0xdc || c == 0xde ? 2 : 4;
			if (left < hdr)
				return NULL;
			n = be(p, (int)hdr);
			elems = c >= 0xde ? 2 * n : n;
			break;
		default: /* 0xc1: never used */
			return NULL;
		}
	}
	if (elems == 0) {
		if (left < hdr || left - hdr < body)
			return NULL;
		return p + hdr + body;
	}
	if (depth >= SIO_MP_MAX_DEPTH) {
		*err = SIO_MP_EDEPTH;
		return NULL;
	}
	p += hdr;
	if (elems > (size_t)(end - p)) /* each element takes a byte at least */
		return NULL;
	for (size_t i = 0; i < elems && p; i++)
		p = scan(p, end, depth + 1, err);
	return p;
}

/* ---- msgpack object -> JSON text ------------------------------------------------ */

typedef struct conv {
	const char *in; /* the input: msgpack-c's ext pointers point into it */
	size_t len;
	base_jsonw w;
	eio_msg **atts;
	int natts, max_atts;
	bool placeholder_key; /* a map with a "_placeholder" key was seen */
} conv;

/* An ext type 0 of this size written as the fixext `code`: msgpack-c's ext
 * pointer points into the input, after the code and the type byte (an ext
 * 8/16/32 has its length byte there). notepack: fixext 1 is undefined,
 * fixext 8 a Date, ext 8/16/32 an ArrayBuffer (of any length). */
static bool is_fixext0(const conv *c, const msgpack_object *o, uint32_t size, unsigned char code)
{
	if (o->type != MSGPACK_OBJECT_EXT || o->via.ext.type != 0 || o->via.ext.size != size)
		return false;
	const char *p = o->via.ext.ptr;
	return p - 2 >= c->in && p <= c->in + c->len && (unsigned char)p[-2] == code;
}

static bool is_undefined(const conv *c, const msgpack_object *o)
{
	return is_fixext0(c, o, 1, 0xd4);
}

static int add_binary(conv *c, const void *data, size_t n)
{
	if (c->natts >= c->max_atts)
		return SIO_PKT_ETOOMANY;
	eio_msg **na = realloc(c->atts, (size_t)(c->natts + 1) * sizeof(*na));
	if (!na)
		return SIO_PKT_ENOMEM;
	c->atts = na;
	if (!(c->atts[c->natts] = eio_msg_binary(data, n)))
		return SIO_PKT_ENOMEM;
	sio_packet_placeholder(&c->w, c->natts++);
	return 0;
}

static int to_json(conv *c, const msgpack_object *o)
{
	base_jsonw *w = &c->w;
	int r = 0;
	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		base_jsonw_null(w);
		break;
	case MSGPACK_OBJECT_BOOLEAN:
		base_jsonw_bool(w, o->via.boolean);
		break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		if (o->via.u64 <= INT64_MAX)
			base_jsonw_int64(w, (int64_t)o->via.u64);
		else
			base_jsonw_double(w, (double)o->via.u64);
		break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		base_jsonw_int64(w, o->via.i64);
		break;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		if (isfinite(o->via.f64))
			base_jsonw_double(w, o->via.f64);
		else
			base_jsonw_null(w);
		break;
	case MSGPACK_OBJECT_STR:
		base_jsonw_str(w, o->via.str.ptr, o->via.str.size);
		break;
	case MSGPACK_OBJECT_BIN:
		r = add_binary(c, o->via.bin.ptr, o->via.bin.size);
		break;
	case MSGPACK_OBJECT_EXT:
		if (is_undefined(c, o))
			base_jsonw_null(w); /* in an array; map values are dropped first */
		else if (o->via.ext.type == 0 && !is_fixext0(c, o, 8, 0xd7))
			r = add_binary(c, o->via.ext.ptr, o->via.ext.size); /* ArrayBuffer */
		else
			r = SIO_MP_EVALUE; /* a Date (fixext 8) or an unknown ext type */
		break;
	case MSGPACK_OBJECT_ARRAY:
		base_jsonw_array_begin(w);
		for (uint32_t i = 0; i < o->via.array.size && r == 0; i++)
			r = to_json(c, &o->via.array.ptr[i]);
		base_jsonw_array_end(w);
		break;
	case MSGPACK_OBJECT_MAP:
		base_jsonw_object_begin(w);
		for (uint32_t i = 0; i < o->via.map.size && r == 0; i++) {
			const msgpack_object_kv *kv = &o->via.map.ptr[i];
			if (kv->key.type != MSGPACK_OBJECT_STR)
				r = SIO_MP_EVALUE;
			else if (kv->key.via.str.size == 12 &&
			         !memcmp(kv->key.via.str.ptr, "_placeholder", 12))
				c->placeholder_key = true;
			if (r == 0 && !is_undefined(c, &kv->val)) {
				base_jsonw_key(w, kv->key.via.str.ptr, kv->key.via.str.size);
				r = to_json(c, &kv->val);
			}
		}
		base_jsonw_object_end(w);
		break;
	default:
		r = SIO_MP_EVALUE;
	}
	return r;
}

/* ---- decoding -------------------------------------------------------------------- */

void sio_mp_in_init(sio_mp_in *m)
{
	sio_packet_init(&m->pkt);
	base_buf_init(&m->text);
	m->atts = NULL;
	m->natts = 0;
}

void sio_mp_in_free(sio_mp_in *m)
{
	for (int i = 0; i < m->natts; i++)
		eio_msg_unref(m->atts[i]);
	free(m->atts);
	base_buf_free(&m->text);
	sio_packet_free(&m->pkt);
	sio_mp_in_init(m);
}

const char *sio_msgpack_strerror(int err)
{
	switch (err) {
	case SIO_MP_EFORMAT:
		return "not one well-formed msgpack value";
	case SIO_MP_EDEPTH:
		return "msgpack nested too deep";
	case SIO_MP_EFIELD:
		return "msgpack packet: bad type, nsp, id or data";
	case SIO_MP_EVALUE:
		return "msgpack value JSON cannot hold";
	default:
		return sio_packet_strerror(err);
	}
}

typedef struct fields {
	const msgpack_object *type, *nsp, *id, *data;
} fields;

static bool absent(const conv *c, const msgpack_object *o)
{
	return !o || is_undefined(c, o);
}

/* Decoder#checkPacket and isDataValid (socket.io-msgpack-parser index.js). */
static int check_fields(const conv *c, const fields *f)
{
	if (!f->type || f->type->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	    f->type->via.u64 > SIO_PKT_CONNECT_ERROR)
		return SIO_MP_EFIELD;
	if (!f->nsp || f->nsp->type != MSGPACK_OBJECT_STR)
		return SIO_MP_EFIELD;
	if (!absent(c, f->id) && (f->id->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	                          f->id->via.u64 > (uint64_t)SIO_PKT_MAX_ID))
		return SIO_MP_EFIELD;
	const msgpack_object *d = absent(c, f->data) ? NULL : f->data;
	switch (f->type->via.u64) {
	case SIO_PKT_CONNECT:
		return !d || d->type == MSGPACK_OBJECT_MAP ? 0 : SIO_MP_EFIELD;
	case SIO_PKT_DISCONNECT:
		return !d ? 0 : SIO_MP_EFIELD;
	case SIO_PKT_CONNECT_ERROR:
		return d && (d->type == MSGPACK_OBJECT_STR || d->type == MSGPACK_OBJECT_MAP)
		               ? 0
		               : SIO_MP_EFIELD;
	default: /* EVENT, ACK */
		return d && d->type == MSGPACK_OBJECT_ARRAY ? 0 : SIO_MP_EFIELD;
	}
}

static int get_fields(const conv *c, const msgpack_object *root, fields *f)
{
	memset(f, 0, sizeof(*f));
	if (root->type != MSGPACK_OBJECT_MAP)
		return SIO_MP_EFIELD;
	for (uint32_t i = 0; i < root->via.map.size; i++) {
		const msgpack_object_kv *kv = &root->via.map.ptr[i];
		if (kv->key.type != MSGPACK_OBJECT_STR)
			continue; /* not one of the packet's keys */
		const char *k = kv->key.via.str.ptr;
		size_t n = kv->key.via.str.size;
		const msgpack_object **slot = n == 4 && !memcmp(k, "type", 4)   ? &f->type
		                              : n == 3 && !memcmp(k, "nsp", 3)  ? &f->nsp
		                              : n == 2 && !memcmp(k, "id", 2)   ? &f->id
		                              : n == 4 && !memcmp(k, "data", 4) ? &f->data
		                                                                : NULL;
		if (slot)
			*slot = &kv->val; /* the last one wins, as in a JS object */
	}
	return check_fields(c, f);
}

/* The text packet: header (sio_packet_encode_header) then the data as JSON. */
static int write_text(conv *c, const fields *f, sio_mp_in *m)
{
	base_buf data;
	base_buf_init(&data);
	base_jsonw_init(&c->w, &data);
	int r = 0;
	if (!absent(c, f->data)) {
		r = to_json(c, f->data);
		if (r == 0 && base_jsonw_error(&c->w))
			r = SIO_PKT_EJSON;
	}
	int type = (int)f->type->via.u64;
	if (r == 0 && c->natts > 0)
		type = type == SIO_PKT_EVENT ? SIO_PKT_BINARY_EVENT
		       : type == SIO_PKT_ACK ? SIO_PKT_BINARY_ACK
		                             : -1;
	if (r == 0 && type < 0)
		r = SIO_MP_EFIELD; /* binary in a CONNECT or CONNECT_ERROR */
	if (r == 0 && c->natts > 0 && c->placeholder_key)
		r = SIO_MP_EVALUE; /* data that would read as a reference to a binary value */
	int64_t id = absent(c, f->id) ? -1 : (int64_t)f->id->via.u64;
	if (r == 0 && sio_packet_encode_header(&m->text, type, f->nsp->via.str.ptr,
	                                       f->nsp->via.str.size, id, c->natts) < 0)
		r = SIO_MP_EFIELD; /* a namespace the text form cannot carry */
	if (r == 0 && base_buf_append(&m->text, data.data, data.len) < 0)
		r = SIO_PKT_ENOMEM;
	base_buf_free(&data);
	return r;
}

int sio_msgpack_decode(const char *in, size_t len, int max_attachments, sio_mp_in *m)
{
	sio_mp_in_free(m);
	int err = SIO_MP_EFORMAT;
	const unsigned char *u = (const unsigned char *)in;
	if (!in || scan(u, u + len, 0, &err) != u + len)
		return err;
	msgpack_unpacked up;
	msgpack_unpacked_init(&up);
	size_t off = 0;
	conv c = { .in = in, .len = len, .max_atts = max_attachments };
	int r = msgpack_unpack_next(&up, in, len, &off);
	if (r == MSGPACK_UNPACK_NOMEM_ERROR)
		r = SIO_PKT_ENOMEM;
	else if (r != MSGPACK_UNPACK_SUCCESS || off != len)
		r = SIO_MP_EFORMAT;
	else {
		fields f;
		r = get_fields(&c, &up.data, &f);
		if (r == 0)
			r = write_text(&c, &f, m);
	}
	msgpack_unpacked_destroy(&up);
	m->atts = c.atts;
	m->natts = c.natts;
	if (r == 0)
		r = sio_packet_decode(m->text.data, m->text.len, max_attachments, &m->pkt);
	if (r < 0)
		sio_mp_in_free(m);
	return r < 0 ? r : 0;
}

/* ---- encoding -------------------------------------------------------------------- */

static int put(void *data, const char *buf, size_t len)
{
	return base_buf_append(data, buf, len) < 0 ? -1 : 0;
}

static int pack_str(msgpack_packer *pk, const char *s, size_t n)
{
	return msgpack_pack_str(pk, n) | msgpack_pack_str_body(pk, s, n);
}

/* One value of an sio_out_walk / sio_args_walk stream: containers carry
 * their counts, so END has nothing to write. */
static int pack_value(const sio_value *v, void *user)
{
	msgpack_packer *pk = user;
	switch (v->type) {
	case SIO_ARG_OBJECT:
		return msgpack_pack_map(pk, v->count);
	case SIO_ARG_ARRAY:
		return msgpack_pack_array(pk, v->count);
	case SIO_ARG_KEY:
	case SIO_ARG_STRING:
		return pack_str(pk, v->str, v->len);
	case SIO_ARG_NUMBER:
		return v->is_int ? msgpack_pack_int64(pk, v->i) : msgpack_pack_double(pk, v->num);
	case SIO_ARG_TRUE:
		return msgpack_pack_true(pk);
	case SIO_ARG_FALSE:
		return msgpack_pack_false(pk);
	case SIO_ARG_NULL:
		return msgpack_pack_nil(pk);
	case SIO_ARG_BINARY:
		return msgpack_pack_bin(pk, v->len) | msgpack_pack_bin_body(pk, v->str, v->len);
	default: /* SIO_ARG_END */
		return 0;
	}
}

/* {type, nsp[, id][, data]} up to data's value (node writes type, data, nsp,
 * id; the order is no part of the format). The main
 * namespace is "/" (the text form omits it). */
static int pack_head(msgpack_packer *pk, int type, bool has_data, const char *nsp, size_t nsp_len,
                     int64_t id)
{
	if (!nsp || nsp_len == 0) {
		nsp = "/";
		nsp_len = 1;
	}
	int r = msgpack_pack_map(pk, 2 + (has_data ? 1 : 0) + (id >= 0 ? 1 : 0));
	r |= pack_str(pk, "type", 4) | msgpack_pack_int(pk, type);
	r |= pack_str(pk, "nsp", 3) | pack_str(pk, nsp, nsp_len);
	if (id >= 0)
		r |= pack_str(pk, "id", 2) | msgpack_pack_int64(pk, id);
	if (has_data)
		r |= pack_str(pk, "data", 4);
	return r;
}

static eio_msg *finish(base_buf *b, int r)
{
	eio_msg *m = r ? NULL : eio_msg_binary(b->data, b->len);
	base_buf_free(b);
	return m;
}

eio_msg *sio_msgpack_encode_event(int type, const char *nsp, size_t nsp_len, int64_t id,
                                  const char *event, const sio_out *args)
{
	base_buf b;
	base_buf_init(&b);
	msgpack_packer pk;
	msgpack_packer_init(&pk, &b, put);
	int r = pack_head(&pk, type, true, nsp, nsp_len, id);
	r |= msgpack_pack_array(&pk, (event ? 1 : 0) + (args ? args->count : 0));
	if (event)
		r |= pack_str(&pk, event, strlen(event));
	if (r == 0 && args && args->count > 0)
		r = sio_out_walk(args, pack_value, &pk);
	return finish(&b, r);
}

/* A JSON value of a decoded text packet, placeholders as bin. */
static int pack_json(msgpack_packer *pk, const base_json *d, int t, eio_msg *const *atts, int natts)
{
	int num = natts > 0 ? sio_packet_placeholder_num(d, t) : -1;
	if (num >= natts)
		return -1;
	if (num >= 0) {
		size_t n;
		const void *p = eio_msg_data(atts[num], &n);
		return msgpack_pack_bin(pk, n) | msgpack_pack_bin_body(pk, p, n);
	}
	int type = base_json_type(d, t), r = 0, key, v;
	if (type == BASE_JSON_OBJECT || type == BASE_JSON_ARRAY) {
		bool obj = type == BASE_JSON_OBJECT;
		size_t n = (size_t)base_json_size(d, t);
		r = obj ? msgpack_pack_map(pk, n) : msgpack_pack_array(pk, n);
		base_json_iter it;
		base_json_iter_init(d, t, &it);
		while (r == 0 && (v = base_json_iter_next(d, &it, &key)) >= 0) {
			if (obj)
				r = pack_json(pk, d, key, atts, natts);
			if (r == 0)
				r = pack_json(pk, d, v, atts, natts);
		}
		return r;
	}
	sio_value sv = { .type = SIO_ARG_NULL };
	char *s = NULL;
	switch (type) {
	case BASE_JSON_STRING:
		if (base_json_str_dup(d, t, &s, &sv.len) < 0)
			return -1;
		sv.type = SIO_ARG_STRING;
		sv.str = s;
		break;
	case BASE_JSON_NUMBER:
		sv.type = SIO_ARG_NUMBER;
		sv.is_int = base_json_int64(d, t, &sv.i) == 0;
		if (!sv.is_int && base_json_number(d, t, &sv.num) < 0)
			sv.num = 0;
		break;
	case BASE_JSON_TRUE:
	case BASE_JSON_FALSE:
		sv.type = type == BASE_JSON_TRUE ? SIO_ARG_TRUE : SIO_ARG_FALSE;
		break;
	default:
		break;
	}
	r = pack_value(&sv, pk);
	free(s);
	return r;
}

int sio_msgpack_from_packet(const sio_packet *p, eio_msg *const *atts, int natts, base_buf *out)
{
	if (p->type < SIO_PKT_CONNECT || natts != p->attachments)
		return SIO_PKT_EINVAL;
	int type = p->type == SIO_PKT_BINARY_EVENT ? SIO_PKT_EVENT
	           : p->type == SIO_PKT_BINARY_ACK ? SIO_PKT_ACK
	                                           : p->type;
	size_t len0 = out->len;
	msgpack_packer pk;
	msgpack_packer_init(&pk, out, put);
	bool has_data = p->data_len > 0;
	int r = pack_head(&pk, type, has_data, p->nsp, p->nsp_len, p->id);
	if (r == 0 && has_data)
		r = pack_json(&pk, &p->doc, base_json_root(&p->doc), atts, natts);
	if (r) {
		out->len = len0;
		return SIO_PKT_ENOMEM;
	}
	return 0;
}

eio_msg *sio_msgpack_from_text(const char *text, size_t len)
{
	sio_packet p;
	sio_packet_init(&p);
	base_buf b;
	base_buf_init(&b);
	int r = sio_packet_decode(text, len, 0, &p);
	if (r == 0)
		r = sio_msgpack_from_packet(&p, NULL, 0, &b);
	sio_packet_free(&p);
	return finish(&b, r);
}
