/* fuzz_eio_payload.c - libFuzzer target for the Engine.IO payload codec.
 *
 * Every polling POST body reaches eio_payload_next() and every WebSocket text
 * frame reaches eio_packet_decode() straight from the network, so both must
 * accept or reject any bytes without reading out of bounds; every byte of a
 * returned packet is read so ASan sees a bad pointer or length. The input is
 * also taken as a binary message: written as a polling record ("b" + base64)
 * and read back, it must give the same bytes (abort() otherwise), because
 * that is how every binary message to a polling client travels.
 *
 * Only uses functions of engineio/eio_packet.c and eio_msg.c (the Makefile's
 * `make fuzz` links all library sources, the manual build only those two).
 */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engineio/eio_packet.h"

static volatile unsigned char sink;

static void touch(const eio_packet *p)
{
	unsigned char acc = (unsigned char)p->type;
	for (size_t i = 0; i < p->len; i++)
		acc ^= (unsigned char)p->data[i];
	sink = acc;
	if (p->binary && p->type != EIO_PKT_MESSAGE)
		abort(); /* binary records are always messages */
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
	while ((r = eio_payload_next(&it, &p)) == 1) {
		touch(&p);
		/* Records are separated by at least one byte: never more packets
		 * than bytes. */
		if (++n > len)
			abort();
	}
	if (r != 0 && r != EIO_EPARSE && r != EIO_ENOMEM)
		abort();
	/* A finished iterator stays finished. */
	if (eio_payload_next(&it, &p) != 0)
		abort();
	eio_payload_iter_free(&it);

	if (eio_packet_decode(buf, len, &p) == 0) {
		touch(&p);
		if (p.len != len - 1 || p.data != buf + 1 || p.binary)
			abort();
	} else if (len > 0 && buf[0] >= EIO_PKT_OPEN && buf[0] <= EIO_PKT_NOOP) {
		abort(); /* a valid type digit must decode */
	}
}

static void check_binary_roundtrip(const uint8_t *data, size_t len)
{
	eio_msg *m = eio_msg_binary(data, len);
	if (!m)
		return;
	size_t rl = eio_payload_record_len(m);
	char *rec = malloc(rl + 1); /* + the writer's terminating NUL */
	if (!rec) {
		eio_msg_unref(m);
		return;
	}
	if (eio_payload_write_record(rec, m) != rec + rl || rec[0] != 'b')
		abort();
	if (memchr(rec, EIO_RECORD_SEPARATOR, rl))
		abort(); /* base64 never contains the separator */

	eio_payload_iter it;
	eio_packet p;
	eio_payload_iter_init(&it, rec, rl);
	if (eio_payload_next(&it, &p) != 1 || !p.binary || p.type != EIO_PKT_MESSAGE ||
	    p.len != len || (len && memcmp(p.data, data, len) != 0))
		abort();
	if (eio_payload_next(&it, &p) != 0)
		abort();
	eio_payload_iter_free(&it);
	free(rec);

	size_t dl;
	const void *d = eio_msg_data(m, &dl);
	if (dl != len || (len && memcmp(d, data, len) != 0))
		abort();
	eio_msg_unref(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int sodium_ready;
	if (!sodium_ready) {
		if (sodium_init() < 0)
			abort();
		sodium_ready = 1;
	}
	/* A copy of exactly size bytes, so any over-read hits ASan's redzone. */
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	check_payload(buf, size);
	free(buf);
	check_binary_roundtrip(data, size);
	return 0;
}
