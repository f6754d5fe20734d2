/* eio_packet_v3.h - Engine.IO v3 polling-payload codec (no I/O).
 *
 * For clients that connect with EIO=3 (socket.io-client 2.x) when the server
 * allows them (eio_options.allow_eio3). Packets are the v4 ones (eio_packet.h);
 * only the payload framing and the binary forms differ (engine.io-parser v3,
 * as vendored by node's engine.io 6.6 in build/parser-v3/index.js).
 */
#ifndef EIO_PACKET_V3_H
#define EIO_PACKET_V3_H

#include "eio_packet.h"

/* 1: *out holds the next packet; 0: end of payload; EIO_EPARSE / EIO_ENOMEM.
 * The iterator is set up by eio_payload_iter_init(). Two forms, told apart by
 * the first byte (a text payload starts with a digit, a binary one with the
 * byte 0 or 1):
 *   text:   "<length>:<packet>" records, the length in UTF-16 code units (as
 *           JavaScript counts a string), binary packets as "b<type><base64>";
 *   binary: <0|1><length as bytes 0-9><0xff><data> records, 0 for a text
 *           packet (UTF-8), 1 for a binary one (type byte, then the data).
 * An empty payload, a bad length or a record cut short is an error. */
int eio_payload_v3_next(eio_payload_iter *it, eio_packet *out);

/* Length in UTF-16 code units of UTF-8 text (4-byte sequences count 2). */
size_t eio_utf16_len(const char *s, size_t len);

/* One record of an outgoing v3 payload: its size and its writer (which, like
 * eio_payload_write_record, may write one NUL past the end). binary_form: the
 * binary payload (the session's client supports binary and something queued
 * is binary), else the text one. */
size_t eio_payload_v3_record_len(const eio_msg *m, bool binary_form);
char *eio_payload_v3_write_record(char *dst, const eio_msg *m, bool binary_form);

#endif
