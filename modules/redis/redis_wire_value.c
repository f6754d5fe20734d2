/* redis_wire_value.c - one decoded value (msgpack-c's msgpack_object) as
 * the library's arguments (an sio_out) or as JSON text, the way node would
 * see it once notepack.io decoded it (design: redis_wire.h).
 *
 * Values JSON cannot carry become what node's JSON encoding of them would:
 * undefined (notepack 2.x's fixext 1 type 0) is null in an array and drops
 * its key in a map, NaN and infinities are null, a Date (the timestamp
 * extension -1, or notepack 2.x's fixext 8 type 0) is its ISO 8601 string;
 * an ext type 0 of another size is notepack 2.x's ArrayBuffer (binary); any
 * other extension is notepack 3.x's [type, Buffer]. In JSON text a binary
 * value is a node Buffer's toJSON. Map keys must be strings, strings UTF-8.
 */
#include "redis_wire_value.h"

#include "base/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint32_t be(const unsigned char *p, int n)
{
	uint32_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* An ext of notepack 2.x's type 0 written as the fixext `code`: the ext
 * pointer follows the code and the type byte. */
static bool is_fixext0(const redis_vctx *c, const msgpack_object *o, uint32_t size,
                       unsigned char code)
{
	if (o->type != MSGPACK_OBJECT_EXT || o->via.ext.type != 0 || o->via.ext.size != size)
		return false;
	const char *p = o->via.ext.ptr;
	return c->in && p - 2 >= c->in && p <= c->in + c->len && (unsigned char)p[-2] == code;
}

bool redis_wire_is_undefined(const redis_vctx *c, const msgpack_object *o)
{
	return is_fixext0(c, o, 1, 0xd4);
}

/* Milliseconds since the epoch of a Date: the timestamp extension (-1: 32,
 * 64 or 96 bits) or notepack 2.x's fixext 8 type 0 (an int64 of ms). */
static bool date_ms(const redis_vctx *c, const msgpack_object *o, double *ms)
{
	if (o->type != MSGPACK_OBJECT_EXT)
		return false;
	const unsigned char *p = (const unsigned char *)o->via.ext.ptr;
	uint32_t n = o->via.ext.size;
	if (o->via.ext.type == -1 && n == 4) {
		*ms = (double)be(p, 4) * 1e3;
	} else if (o->via.ext.type == -1 && n == 8) {
		uint32_t hi = be(p, 4), lo = be(p + 4, 4);
		*ms = ((double)(hi & 3) * 4294967296.0 + lo) * 1e3 + (double)(hi >> 2) / 1e6;
	} else if (o->via.ext.type == -1 && n == 12) {
		int32_t hi = (int32_t)be(p + 4, 4);
		*ms = ((double)hi * 4294967296.0 + be(p + 8, 4)) * 1e3 + (double)be(p, 4) / 1e6;
	} else if (is_fixext0(c, o, 8, 0xd7)) {
		*ms = (double)(int32_t)be(p, 4) * 4294967296.0 + be(p + 4, 4);
	} else {
		return false;
	}
	return true;
}

/* Date.prototype.toISOString: 2026-12-06T04:10:00.000Z. NULL when out of
 * the range it can write. */
static const char *iso_date(double ms, char *buf, size_t cap)
{
	double fl = floor(ms);
	if (!(fabs(fl) <= 8.64e15))
		return NULL;
	time_t secs = (time_t)floor(fl / 1e3);
	int milli = (int)(fl - (double)secs * 1e3);
	struct tm tm;
	if (!gmtime_r(&secs, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999)
		return NULL;
	snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, milli);
	return buf;
}

static int map_to_out(const redis_vctx *c, sio_out *out, const msgpack_object *o, int depth)
{
	int r = sio_out_object_begin(out);
	for (uint32_t i = 0; r == 0 && i < o->via.map.size; i++) {
		const msgpack_object_kv *kv = &o->via.map.ptr[i];
		if (kv->key.type != MSGPACK_OBJECT_STR)
			return REDIS_WIRE_EMALFORMED;
		if (redis_wire_is_undefined(c, &kv->val))
			continue;
		size_t n = kv->key.via.str.size;
		if (memchr(kv->key.via.str.ptr, 0, n) ||
		    !base_json_utf8_valid(kv->key.via.str.ptr, n))
			return REDIS_WIRE_EMALFORMED;
		char *k = malloc(n + 1);
		if (!k)
			return SIO_ENOMEM;
		memcpy(k, kv->key.via.str.ptr, n);
		k[n] = '\0';
		r = sio_out_key(out, k);
		free(k);
		if (r == 0)
			r = redis_wire_to_out(c, out, &kv->val, depth + 1);
	}
	return r ? r : sio_out_object_end(out);
}

static int ext_to_out(const redis_vctx *c, sio_out *out, const msgpack_object *o)
{
	double ms;
	char buf[40];
	if (redis_wire_is_undefined(c, o))
		return sio_out_null(out);
	if (date_ms(c, o, &ms)) {
		const char *s = iso_date(ms, buf, sizeof(buf));
		return s ? sio_out_str(out, s) : sio_out_null(out);
	}
	if (o->via.ext.type == 0) /* notepack 2.x's ArrayBuffer */
		return sio_out_binary(out, o->via.ext.ptr, o->via.ext.size);
	/* notepack 3.x decodes any other extension as [type, Buffer]. */
	int r = sio_out_array_begin(out);
	if (r == 0)
		r = sio_out_int(out, o->via.ext.type);
	if (r == 0)
		r = sio_out_binary(out, o->via.ext.ptr, o->via.ext.size);
	return r ? r : sio_out_array_end(out);
}

int redis_wire_to_out(const redis_vctx *c, sio_out *out, const msgpack_object *o, int depth)
{
	if (depth > REDIS_WIRE_MAX_DEPTH)
		return REDIS_WIRE_EMALFORMED;
	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		return sio_out_null(out);
	case MSGPACK_OBJECT_BOOLEAN:
		return sio_out_bool(out, o->via.boolean);
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		return o->via.u64 <= INT64_MAX ? sio_out_int(out, (int64_t)o->via.u64)
		                               : sio_out_double(out, (double)o->via.u64);
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return sio_out_int(out, o->via.i64);
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		return isfinite(o->via.f64) ? sio_out_double(out, o->via.f64) : sio_out_null(out);
	case MSGPACK_OBJECT_STR:
		if (!base_json_utf8_valid(o->via.str.ptr, o->via.str.size))
			return REDIS_WIRE_EMALFORMED;
		return sio_out_strn(out, o->via.str.ptr, o->via.str.size);
	case MSGPACK_OBJECT_BIN:
		return sio_out_binary(out, o->via.bin.ptr, o->via.bin.size);
	case MSGPACK_OBJECT_EXT:
		return ext_to_out(c, out, o);
	case MSGPACK_OBJECT_ARRAY: {
		int r = sio_out_array_begin(out);
		for (uint32_t i = 0; r == 0 && i < o->via.array.size; i++)
			r = redis_wire_to_out(c, out, &o->via.array.ptr[i], depth + 1);
		return r ? r : sio_out_array_end(out);
	}
	case MSGPACK_OBJECT_MAP:
		return map_to_out(c, out, o, depth);
	default:
		return REDIS_WIRE_EMALFORMED;
	}
}

/* A value as JSON, as node's JSON.stringify would write it (a Buffer as
 * {"type":"Buffer","data":[...]}): for the handshake and data of another
 * server's sockets. */

static void bytes_json(base_jsonw *w, const char *p, size_t n)
{
	base_jsonw_object_begin(w);
	base_jsonw_key(w, "type", 4);
	base_jsonw_str(w, "Buffer", 6);
	base_jsonw_key(w, "data", 4);
	base_jsonw_array_begin(w);
	for (size_t i = 0; i < n; i++)
		base_jsonw_int64(w, (unsigned char)p[i]);
	base_jsonw_array_end(w);
	base_jsonw_object_end(w);
}

static int map_json(const redis_vctx *c, base_jsonw *w, const msgpack_object *o, int depth)
{
	base_jsonw_object_begin(w);
	for (uint32_t i = 0; i < o->via.map.size; i++) {
		const msgpack_object_kv *kv = &o->via.map.ptr[i];
		if (kv->key.type != MSGPACK_OBJECT_STR ||
		    !base_json_utf8_valid(kv->key.via.str.ptr, kv->key.via.str.size))
			return REDIS_WIRE_EMALFORMED;
		if (redis_wire_is_undefined(c, &kv->val))
			continue;
		base_jsonw_key(w, kv->key.via.str.ptr, kv->key.via.str.size);
		int r = redis_wire_to_json(c, w, &kv->val, depth + 1);
		if (r < 0)
			return r;
	}
	base_jsonw_object_end(w);
	return 0;
}

int redis_wire_to_json(const redis_vctx *c, base_jsonw *w, const msgpack_object *o, int depth)
{
	double ms;
	char buf[40];
	if (depth > REDIS_WIRE_MAX_DEPTH)
		return REDIS_WIRE_EMALFORMED;
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
		base_jsonw_double(w, o->via.f64);
		break;
	case MSGPACK_OBJECT_STR:
		if (!base_json_utf8_valid(o->via.str.ptr, o->via.str.size))
			return REDIS_WIRE_EMALFORMED;
		base_jsonw_str(w, o->via.str.ptr, o->via.str.size);
		break;
	case MSGPACK_OBJECT_BIN:
		bytes_json(w, o->via.bin.ptr, o->via.bin.size);
		break;
	case MSGPACK_OBJECT_EXT:
		if (redis_wire_is_undefined(c, o)) {
			base_jsonw_null(w);
		} else if (date_ms(c, o, &ms)) {
			const char *s = iso_date(ms, buf, sizeof(buf));
			if (s)
				base_jsonw_str(w, s, strlen(s));
			else
				base_jsonw_null(w);
		} else {
			bytes_json(w, o->via.ext.ptr, o->via.ext.size);
		}
		break;
	case MSGPACK_OBJECT_ARRAY:
		base_jsonw_array_begin(w);
		for (uint32_t i = 0; i < o->via.array.size; i++) {
			int r = redis_wire_to_json(c, w, &o->via.array.ptr[i], depth + 1);
			if (r < 0)
				return r;
		}
		base_jsonw_array_end(w);
		break;
	case MSGPACK_OBJECT_MAP:
		return map_json(c, w, o, depth);
	default:
		return REDIS_WIRE_EMALFORMED;
	}
	return 0;
}
