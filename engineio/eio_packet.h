/* eio_packet.h - Engine.IO v4 packet and polling-payload codec (no I/O). */
#ifndef EIO_PACKET_H
#define EIO_PACKET_H

#include "eio_msg.h"

/* A decoded packet. data points into the decoded input (or the iterator's
 * scratch buffer for binary records) and is valid until the input changes. */
typedef struct eio_packet {
	char type; /* EIO_PKT_*; binary packets are EIO_PKT_MESSAGE */
	bool binary;
	const char *data;
	size_t len;
} eio_packet;

/* Decode one text packet: a WebSocket text frame or one polling record.
 * "<type digit 0-6><data>"; empty input or another first byte is an error. */
int eio_packet_decode(const char *in, size_t len, eio_packet *out);

/* Iterate over a polling payload (spec "Payload encoding"): records joined by
 * the record separator 0x1e, binary records as "b" + standard base64. An
 * empty payload or an empty record is an error, as in node's decodePayload. */
typedef struct eio_payload_iter {
	const char *p, *end;
	bool done;
	unsigned char *scratch; /* decoded binary, allocated on first use */
	size_t scratch_cap;
	uint8_t v3_form; /* v3 payloads (eio_packet_v3.c): 0 not yet known */
} eio_payload_iter;

void eio_payload_iter_init(eio_payload_iter *it, const char *buf, size_t len);
/* 1: *out holds the next packet; 0: end of payload; EIO_EPARSE / EIO_ENOMEM. */
int eio_payload_next(eio_payload_iter *it, eio_packet *out);
void eio_payload_iter_free(eio_payload_iter *it);
/* Decode n characters of padded base64 into the iterator's scratch buffer as a
 * binary message packet (used by both payload versions). */
int eio_payload_decode_base64(eio_payload_iter *it, const char *b64, size_t n, eio_packet *out);

/* Size of one record in a polling payload (without the separator), and the
 * writer for it: text packets verbatim, binary as "b" + base64. Returns the
 * end of what was written. */
size_t eio_payload_record_len(const eio_msg *m);
char *eio_payload_write_record(char *dst, const eio_msg *m);

#define EIO_RECORD_SEPARATOR '\x1e'

#endif
