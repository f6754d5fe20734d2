/* redis_wire_value.h - a decoded msgpack value as arguments or as JSON
 * (redis_wire_value.c), for the decoders of redis_wire.c. */
#ifndef REDIS_WIRE_VALUE_H
#define REDIS_WIRE_VALUE_H

#include "base/json.h"
#include "redis_wire.h"

#include <msgpack.h>
#include <stdbool.h>

/* The msgpack input the value came from (NULL for a tree made from JSON):
 * msgpack-c's ext pointers point into it, after the code and type bytes. */
typedef struct redis_vctx {
	const char *in;
	size_t len;
} redis_vctx;

/* notepack 2.x's undefined (fixext 1, type 0). */
bool redis_wire_is_undefined(const redis_vctx *c, const msgpack_object *o);
/* Append o to out; REDIS_WIRE_EMALFORMED (deeper than REDIS_WIRE_MAX_DEPTH,
 * a key that is not a string, bad UTF-8) or SIO_ENOMEM. */
int redis_wire_to_out(const redis_vctx *c, sio_out *out, const msgpack_object *o, int depth);
/* Write o as JSON; the writer keeps its own errors. */
int redis_wire_to_json(const redis_vctx *c, base_jsonw *w, const msgpack_object *o, int depth);

#endif
