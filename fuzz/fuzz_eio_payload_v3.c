/* fuzz_eio_payload_v3.c - libFuzzer target for the Engine.IO v3 payload codec.
 *
 * With allow_eio3, every polling POST body of a v3 client reaches
 * eio_payload_v3_next() straight from the network (text or binary form,
 * engineio/eio_packet_v3.c), so it must accept or reject any bytes without
 * reading out of bounds; every byte of a returned packet is read so ASan sees
 * a bad pointer or length. The input is also sent as a message both ways,
 * text (when it is valid UTF-8) and binary, in both payload forms: written as
 * a record and read back, it must give the same bytes (abort() otherwise).
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../engineio/eio_packet_v3.h"

static volatile unsigned char sink;

static void touch(const eio_packet *p)
{
	unsigned char acc = (unsigned char)p->type;
	for (size_t i = 0; i < p->len; i++)
		acc ^= (unsigned char)p->data[i];
	sink = acc;
	if (p->binary && p->type != EIO_PKT_MESSAGE)
		abort();
	if (p->type < EIO_PKT_OPEN || p->type > EIO_PKT_NOOP)
		abort();
}

static void check_payload(const char *buf, size_t len)
{
	eio_payload_iter it;
	eio_packet p;
	int r;
	size_t n = 0;
	eio_payload_iter_init(&it, buf, len);
	while ((r = eio_payload_v3_next(&it, &p)) == 1) {
		touch(&p);
		if (++n > len)
			abort(); /* every record takes at least one byte */
	}
	if (r != 0 && r != EIO_EPARSE && r != EIO_ENOMEM)
		abort();
	if (eio_payload_v3_next(&it, &p) != 0)
		abort(); /* a finished iterator stays finished */
	eio_payload_iter_free(&it);
}

/* m written as one record in the given form, then read back. */
static void roundtrip(eio_msg *m, bool binary_form, const uint8_t *data, size_t len)
{
	size_t rl = eio_payload_v3_record_len(m, binary_form);
	char *rec = malloc(rl + 1); /* + the writer's terminating NUL */
	if (!rec)
		return;
	if (eio_payload_v3_write_record(rec, m, binary_form) != rec + rl)
		abort();
	eio_payload_iter it;
	eio_packet p;
	eio_payload_iter_init(&it, rec, rl);
	if (eio_payload_v3_next(&it, &p) != 1 || p.binary != eio_msg_is_binary(m) ||
	    p.type != EIO_PKT_MESSAGE || p.len != len || (len && memcmp(p.data, data, len) != 0))
		abort();
	if (eio_payload_v3_next(&it, &p) != 0)
		abort();
	eio_payload_iter_free(&it);
	free(rec);
}

/* Is data valid UTF-8 (the decoder's own check, on a text record)? */
static bool valid_utf8(const uint8_t *data, size_t len)
{
	eio_msg *m = eio_msg_text((const char *)data, len);
	if (!m)
		return false;
	size_t rl = eio_payload_v3_record_len(m, true);
	char *rec = malloc(rl + 1);
	bool ok = false;
	if (rec) {
		eio_payload_v3_write_record(rec, m, true);
		eio_payload_iter it;
		eio_packet p;
		eio_payload_iter_init(&it, rec, rl);
		ok = eio_payload_v3_next(&it, &p) == 1;
		eio_payload_iter_free(&it);
		free(rec);
	}
	eio_msg_unref(m);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int sodium_ready;
	if (!sodium_ready) {
		if (sodium_init() < 0)
			abort();
		sodium_ready = 1;
	}
	char *buf = malloc(size ? size : 1); /* exactly size bytes: over-reads hit ASan */
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	check_payload(buf, size);
	free(buf);
	eio_msg *m = eio_msg_binary(data, size);
	if (m) {
		roundtrip(m, false, data, size);
		roundtrip(m, true, data, size);
		eio_msg_unref(m);
	}
	if (valid_utf8(data, size) && (m = eio_msg_text((const char *)data, size))) {
		roundtrip(m, false, data, size);
		roundtrip(m, true, data, size);
		eio_msg_unref(m);
	}
	return 0;
}
