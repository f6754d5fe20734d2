/* sio_msgpack.h - the msgpack parser (socket.io-msgpack-parser 3.0), no I/O.
 *
 * Internal header of socketio/. A server created with
 * sio_options.parser = SIO_PARSER_MSGPACK speaks the msgpack parser to all
 * its clients, as node's `new Server({ parser: require("socket.io-msgpack-
 * parser") })`: every Socket.IO packet is ONE binary Engine.IO message, the
 * msgpack map {type, data, nsp, id} (notepack.io's encoding of node's packet
 * object), binary inside data as msgpack bin, never as attachments.
 *
 * The JSON codec (sio_packet.h) stays the server's internal representation:
 * the parser converts at the boundary.
 *   - in: a msgpack packet is checked (the Decoder#checkPacket rules of
 *     socket.io-msgpack-parser/index.js, stricter where noted in
 *     sio_msgpack.c) and rewritten as the text packet the JSON parser would
 *     have received: binary becomes {"_placeholder":true,"num":N} plus
 *     attachment N, and the packet a BINARY_EVENT/BINARY_ACK. The socket
 *     layer gets the same sio_packet and attachments as on a JSON server.
 *   - out: an event or ack is packed from its sio_out (sio_out_walk), once
 *     per emit or broadcast; the rare control packets (CONNECT answers,
 *     DISCONNECT) are converted from their text form.
 */
#ifndef SIO_MSGPACK_H
#define SIO_MSGPACK_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "sio_packet.h"
#include "socketio.h"

/* Errors besides the SIO_PKT_* of the text decoder the packet goes through. */
#define SIO_MP_EFORMAT (-20) /* not exactly one well-formed msgpack value */
#define SIO_MP_EDEPTH  (-21) /* nested deeper than SIO_MP_MAX_DEPTH */
#define SIO_MP_EFIELD  (-22) /* not a map, or type/nsp/id/data invalid */
#define SIO_MP_EVALUE  (-23) /* a value JSON cannot hold (non-string key, ext) */

/* Maps and arrays nested in one packet, the packet's own map included (msgpack-c's
 * unpacker keeps a stack of MSGPACK_EMBED_STACK_SIZE = 32). */
#define SIO_MP_MAX_DEPTH 32

/* A decoded msgpack packet: its text form (pkt's slices point into text)
 * and its binary values as attachments, in placeholder order. */
typedef struct sio_mp_in {
	sio_packet pkt;
	base_buf text;
	eio_msg **atts;
	int natts;
} sio_mp_in;

void sio_mp_in_init(sio_mp_in *m);
void sio_mp_in_free(sio_mp_in *m); /* m is then as after init */

/* Decode one binary Engine.IO message. 0, or an SIO_MP_* / SIO_PKT_* error
 * (m then holds nothing, but call sio_mp_in_free anyway). */
int sio_msgpack_decode(const char *in, size_t len, int max_attachments, sio_mp_in *m);
const char *sio_msgpack_strerror(int err);

/* Pack a decoded text packet (with its attachments) as the msgpack map, appended
 * to out: 0, SIO_PKT_ENOMEM or SIO_PKT_EINVAL. */
int sio_msgpack_from_packet(const sio_packet *p, eio_msg *const *atts, int natts, base_buf *out);
/* The same from a text packet without attachments (the server's CONNECT
 * answers and DISCONNECT), as a binary message; NULL on error. */
eio_msg *sio_msgpack_from_text(const char *text, size_t len);

/* An EVENT (event non-NULL) or ACK, as a binary message; NULL on error. */
eio_msg *sio_msgpack_encode_event(int type, const char *nsp, size_t nsp_len, int64_t id,
                                  const char *event, const sio_out *args);

#endif /* SIO_MSGPACK_H */
