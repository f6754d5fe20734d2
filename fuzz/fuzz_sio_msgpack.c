/* fuzz_sio_msgpack.c - libFuzzer target for socketio/sio_msgpack.c, the
 * msgpack parser's decoder.
 *
 * For each input: decode it as one msgpack Socket.IO packet (max 10 binary
 * values, node's default). On failure nothing may be left in the result. On
 * success the packet is one of the types a client sends (the BINARY_* ones
 * exactly when there are attachments, as many as announced), its text form
 * decodes as a text packet to the same fields, and re-encoding it to msgpack
 * (sio_msgpack_from_packet) decodes to the same text and attachment bytes.
 * Each input is tried twice: as it is, and as the value of `data` after a
 * fixed EVENT head ({"type":2,"nsp":"/","data":<input>}), so that a run
 * without a seed corpus reaches the data conversion soon.
 * Any crash, sanitizer report, leak or failed check (abort) is a finding.
 *
 *   make fuzz && build-fuzz/fuzz_sio_msgpack -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../socketio/sio_msgpack.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)
#define MAXATT SIO_PKT_DEFAULT_MAX_ATTACHMENTS

/* Reused across inputs, as a server reuses nothing but could. */
static sio_mp_in first, second;

static int same(const char *a, size_t an, const char *b, size_t bn)
{
	return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

static void check_empty(const sio_mp_in *m)
{
	CHECK(m->natts == 0 && m->atts == NULL && m->text.len == 0 && m->pkt.type == -1);
}

static void one(const char *data, size_t size)
{
	int rc = sio_msgpack_decode(data, size, MAXATT, &first);
	if (rc < 0) {
		CHECK(strcmp(sio_msgpack_strerror(rc), "unknown packet error") != 0);
		check_empty(&first);
		return;
	}
	const sio_packet *p = &first.pkt;
	bool binary = p->type == SIO_PKT_BINARY_EVENT || p->type == SIO_PKT_BINARY_ACK;
	CHECK(p->type >= SIO_PKT_CONNECT && p->type <= SIO_PKT_BINARY_ACK);
	CHECK(binary ? first.natts >= 1 && first.natts <= MAXATT : first.natts == 0);
	CHECK(p->attachments == first.natts);
	CHECK(sio_packet_placeholders_valid(p));

	/* the text form is a text packet with the same fields */
	sio_packet t;
	sio_packet_init(&t);
	CHECK(sio_packet_decode(first.text.data, first.text.len, MAXATT, &t) == 0);
	CHECK(t.type == p->type && t.id == p->id && t.attachments == p->attachments);
	CHECK(same(t.nsp, t.nsp_len, p->nsp, p->nsp_len));
	CHECK(same(t.data, t.data_len, p->data, p->data_len));
	sio_packet_free(&t);

	/* msgpack again, then decoded: the same text and bytes */
	base_buf out;
	base_buf_init(&out);
	CHECK(sio_msgpack_from_packet(p, first.atts, first.natts, &out) == 0);
	CHECK(sio_msgpack_decode(out.data, out.len, MAXATT, &second) == 0);
	CHECK(same(second.text.data, second.text.len, first.text.data, first.text.len));
	CHECK(second.natts == first.natts);
	for (int i = 0; i < first.natts; i++) {
		size_t an, bn;
		const char *a = eio_msg_data(first.atts[i], &an);
		const char *b = eio_msg_data(second.atts[i], &bn);
		CHECK(same(a, an, b, bn));
	}
	base_buf_free(&out);
	sio_mp_in_free(&second);
	sio_mp_in_free(&first);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char head[] = "\x83\xa4"
	                           "type"
	                           "\x02\xa3"
	                           "nsp"
	                           "\xa1/\xa4"
	                           "data";
	one((const char *)data, size);
	char *wrapped = malloc(sizeof(head) - 1 + size);
	if (!wrapped)
		return 0;
	memcpy(wrapped, head, sizeof(head) - 1);
	if (size)
		memcpy(wrapped + sizeof(head) - 1, data, size);
	one(wrapped, sizeof(head) - 1 + size);
	free(wrapped);
	return 0;
}
