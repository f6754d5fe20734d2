/* fuzz_redis_wire.c - libFuzzer target for the Redis adapter's bodies
 * (modules/redis/redis_wire.c, redis_wire_value.c, redis_wire_enc.c): what
 * arrives from Redis is whatever any client of that Redis published.
 *
 * For each input: decode it as a broadcast, as a request and as a response
 * (a JSON body when it starts with '{'). A decoder that fails leaves
 * nothing behind (redis_msg_free then frees nothing that leaks). A
 * broadcast, a type 7 request and a type 6 request that decode are encoded
 * again with our encoder, and that encoding must decode and encode to the
 * same bytes (our output is a fixed point), with the same uid, namespace
 * and event. Any crash, sanitizer report, leak or failed check (abort) is
 * a finding.
 *
 *   make fuzz && build-fuzz/fuzz_redis_wire -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modules/redis/redis_wire.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

static sio_broadcast as_broadcast(const redis_msg *m)
{
	return (sio_broadcast){ .rooms = m->opts.rooms,
		                .nrooms = m->opts.nrooms,
		                .except = m->opts.except,
		                .nexcept = m->opts.nexcept,
		                .volatile_ = m->opts.volatile_,
		                .compress = m->opts.compress };
}

/* Our encoding of a decoded body (kind: 'b' broadcast, '7', '6'). */
static int encode(int kind, const redis_msg *m, base_buf *out)
{
	sio_broadcast o = as_broadcast(m);
	switch (kind) {
	case 'b':
		return redis_wire_broadcast(out, m->uid, m->nsp, m->event, m->args, &o);
	case '7':
		return redis_wire_broadcast_ack_request(out, m->uid ? m->uid : "", m->request_id,
		                                        m->nsp, m->event, m->args, &o,
		                                        (unsigned)m->opts.timeout_ms);
	default:
		return redis_wire_server_side_emit(out, m->uid ? m->uid : "", m->request_id,
		                                   m->event, m->args);
	}
}

static void fixed_point(int kind, const redis_msg *m,
                        int (*decode)(redis_msg *, const void *, size_t))
{
	base_buf a, b;
	base_buf_init(&a);
	base_buf_init(&b);
	if (encode(kind, m, &a) == 0) {
		redis_msg m2;
		redis_msg_init(&m2);
		int r = decode(&m2, a.data, a.len);
		CHECK(r == 0 || r == SIO_ENOMEM);
		if (r == 0) {
			CHECK(strcmp(m2.event, m->event) == 0);
			CHECK(kind == '6' || strcmp(m2.nsp, m->nsp) == 0);
			CHECK(encode(kind, &m2, &b) == 0);
			CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
		}
		redis_msg_free(&m2);
	}
	base_buf_free(&a);
	base_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	redis_msg m;
	redis_msg_init(&m);
	if (redis_wire_decode_broadcast(&m, data, size) == 0) {
		CHECK(m.uid && m.nsp && m.event && m.args && m.has_opts);
		fixed_point('b', &m, redis_wire_decode_broadcast);
	}
	redis_msg_free(&m);

	redis_msg_init(&m);
	if (redis_wire_decode_request(&m, data, size) == 0) {
		CHECK(m.type >= REDIS_SOCKETS && m.type <= REDIS_BROADCAST);
		if (m.type == REDIS_BROADCAST)
			fixed_point('7', &m, redis_wire_decode_request);
		if (m.type == REDIS_SERVER_SIDE_EMIT)
			fixed_point('6', &m, redis_wire_decode_request);
	}
	redis_msg_free(&m);

	redis_msg_init(&m);
	if (redis_wire_decode_response(&m, data, size) == 0)
		CHECK(m.request_id != NULL);
	redis_msg_free(&m);
	return 0;
}
