/* sio_walk.c - arguments as a stream of values (socketio/adapter.h,
 * sio_args_walk / sio_out_walk), so an adapter can write a packet's parts in
 * another encoding (msgpack for node's Redis adapter) without a JSON parser
 * of its own.
 *
 * Depth first, in document order; a placeholder of a binary packet ({"_
 * placeholder":true,"num":N}, spec "Binary") is given as the attachment's
 * bytes, never as the object. Strings and keys are unescaped; numbers come
 * with their JSON text too, so an integer beyond 2^53 is not lost.
 */
#include "sio_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct walk {
	const base_json *doc;
	eio_msg *const *atts;
	int natts;
	sio_value_fn fn;
	void *user;
} walk;

static int emit(const walk *w, sio_value v)
{
	return w->fn(&v, w->user);
}

static int walk_string(const walk *w, int t, int type)
{
	char *s = NULL;
	size_t n = 0;
	if (base_json_str_dup(w->doc, t, &s, &n) < 0)
		return SIO_ENOMEM;
	int r = emit(w, (sio_value){ .type = type, .str = s, .len = n });
	free(s);
	return r;
}

static int walk_number(const walk *w, int t)
{
	sio_value v = { .type = SIO_ARG_NUMBER };
	v.str = base_json_raw(w->doc, t, &v.len);
	if (base_json_number(w->doc, t, &v.num) < 0)
		v.num = 0;
	v.is_int = base_json_int64(w->doc, t, &v.i) == 0;
	return emit(w, v);
}

static int walk_value(const walk *w, int t);

static int walk_container(const walk *w, int t, bool obj)
{
	int r = emit(w, (sio_value){ .type = obj ? SIO_ARG_OBJECT : SIO_ARG_ARRAY,
	                             .count = (size_t)base_json_size(w->doc, t) });
	base_json_iter it;
	int key, v;
	base_json_iter_init(w->doc, t, &it);
	while (r == 0 && (v = base_json_iter_next(w->doc, &it, &key)) >= 0) {
		if (obj)
			r = walk_string(w, key, SIO_ARG_KEY);
		if (r == 0)
			r = walk_value(w, v);
	}
	return r ? r : emit(w, (sio_value){ .type = SIO_ARG_END });
}

static int walk_value(const walk *w, int t)
{
	int num = w->natts > 0 ? sio_packet_placeholder_num(w->doc, t) : -1;
	if (num >= 0) {
		if (num >= w->natts)
			return SIO_EINVAL;
		sio_value v = { .type = SIO_ARG_BINARY };
		v.str = eio_msg_data(w->atts[num], &v.len);
		return emit(w, v);
	}
	switch (base_json_type(w->doc, t)) {
	case BASE_JSON_OBJECT:
		return walk_container(w, t, true);
	case BASE_JSON_ARRAY:
		return walk_container(w, t, false);
	case BASE_JSON_STRING:
		return walk_string(w, t, SIO_ARG_STRING);
	case BASE_JSON_NUMBER:
		return walk_number(w, t);
	case BASE_JSON_TRUE:
		return emit(w, (sio_value){ .type = SIO_ARG_TRUE });
	case BASE_JSON_FALSE:
		return emit(w, (sio_value){ .type = SIO_ARG_FALSE });
	case BASE_JSON_NULL:
		return emit(w, (sio_value){ .type = SIO_ARG_NULL });
	default:
		return SIO_EINVAL;
	}
}

int sio_args_walk(const sio_args *a, size_t i, sio_value_fn fn, void *user)
{
	if (i >= a->count)
		return SIO_EINVAL;
	int t = a->first;
	for (size_t k = 0; k < i; k++)
		t = base_json_next(&a->pkt->doc, t);
	walk w = { &a->pkt->doc, a->atts, a->natts, fn, user };
	return walk_value(&w, t);
}

int sio_out_walk(const sio_out *o, sio_value_fn fn, void *user)
{
	sio_args *a = sio_args_from_out(o);
	if (!a)
		return SIO_EINVAL;
	int r = 0;
	for (size_t i = 0; i < a->count && r == 0; i++)
		r = sio_args_walk(a, i, fn, user);
	sio_args_free(a);
	return r;
}
