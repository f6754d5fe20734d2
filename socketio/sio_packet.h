/* sio_packet.h - Socket.IO v5 packet codec (text part), no I/O.
 *
 * Internal header of socketio/. Every Engine.IO message of type 4 carries one
 * Socket.IO packet; the Socket.IO protocol v5, "Packet format":
 *
 *   <packet type>[<# of binary attachments>-][<namespace>,][<ack id>][<JSON payload>]
 *
 * e.g. "2/admin,456[\"project:delete\",123]". Decoding follows socket.io-parser
 * 4.2 (Decoder#decodeString, Decoder.isPayloadValid, binary.js
 * reconstructPacket), with these deliberate differences, all stricter:
 *   - the type must be a digit 0..6 ("" is not CONNECT);
 *   - attachment counts and ack ids are plain ASCII digits (node coerces with
 *     Number(), so " 1-" or a space as ack id "digit" slip through);
 *   - a BINARY_* packet needs at least 1 attachment (node 4.2 agrees);
 *   - ack ids above 2^53-1 are rejected (node silently loses precision);
 *   - EVENT, ACK, CONNECT_ERROR and BINARY_* need a payload (node lets "2"
 *     through with data undefined);
 *   - the payload must not start with whitespace (node then reads the
 *     whitespace as ack id digits) and must be strict RFC 8259 JSON with
 *     valid UTF-8 and no lone surrogate escapes (base_json_parse);
 *   - a placeholder's num must be an integer (node accepts 0.5 and then
 *     passes undefined as the attachment), and a placeholder hidden behind a
 *     duplicate key is checked too;
 *   - the namespace must be valid UTF-8 (node gets a decoded JS string).
 *
 * Decoding never copies: nsp and data point into the input, which must
 * outlive the packet. A packet, like a base_json document, is initialized
 * once, may be decoded into many times (the token array is reused), and
 * freed once:
 *
 *   sio_packet p = SIO_PACKET_INIT;
 *   int rc = sio_packet_decode(msg, len, 10, &p);
 *   if (rc < 0) ... close the connection (sio_packet_strerror(rc));
 *   sio_packet_free(&p);
 */
#ifndef SIO_PACKET_H
#define SIO_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "base/json.h"

/* Packet types (Socket.IO v5, "Packet types"). */
enum {
	SIO_PKT_CONNECT = 0,
	SIO_PKT_DISCONNECT,
	SIO_PKT_EVENT,
	SIO_PKT_ACK,
	SIO_PKT_CONNECT_ERROR,
	SIO_PKT_BINARY_EVENT,
	SIO_PKT_BINARY_ACK
};

/* Error codes: functions return 0 (or a documented value >= 0) or one of
 * these. Any decode error means the peer is broken: close the connection. */
#define SIO_PKT_ETYPE        (-1)  /* empty, or unknown packet type */
#define SIO_PKT_EATTACH      (-2)  /* illegal attachment count or missing '-' */
#define SIO_PKT_ETOOMANY     (-3)  /* more attachments than allowed */
#define SIO_PKT_EACKID       (-4)  /* ack id above 2^53-1 */
#define SIO_PKT_EJSON        (-5)  /* payload is not valid JSON (or trailing garbage) */
#define SIO_PKT_ELIMIT       (-6)  /* payload JSON too deep or too large */
#define SIO_PKT_EPAYLOAD     (-7)  /* payload missing or wrong for the packet type */
#define SIO_PKT_ERESERVED    (-8)  /* event name is reserved ("connect", ...) */
#define SIO_PKT_EPLACEHOLDER (-9)  /* placeholder num missing or out of range */
#define SIO_PKT_ENSP         (-10) /* namespace is not valid UTF-8 */
#define SIO_PKT_ENOMEM       (-11) /* allocation failed */
#define SIO_PKT_EINVAL       (-12) /* bad argument to an encoder */

/* Largest ack id: Number.MAX_SAFE_INTEGER, the largest exact id in node. */
#define SIO_PKT_MAX_ID ((int64_t)9007199254740991)

/* node's Decoder default for maxAttachments. */
#define SIO_PKT_DEFAULT_MAX_ATTACHMENTS 10

typedef struct sio_packet {
	int type;        /* SIO_PKT_*, -1 after a failed decode */
	const char *nsp; /* namespace, "/" if absent; not NUL-terminated */
	size_t nsp_len;
	int64_t id;       /* ack id, -1: none */
	int attachments;  /* binary attachments to follow; 0 unless BINARY_* */
	const char *data; /* raw JSON payload slice of the input, may be empty */
	size_t data_len;
	base_json doc; /* parsed payload when data_len > 0 */
} sio_packet;

#define SIO_PACKET_INIT                                    \
	{                                                  \
		-1, "/", 1, -1, 0, NULL, 0, BASE_JSON_INIT \
	}

void sio_packet_init(sio_packet *p);
void sio_packet_free(sio_packet *p); /* frees the doc; p is then as after init */
const char *sio_packet_strerror(int err);

/* ---- decoding ----------------------------------------------------------- */

/* Parse one text packet (an Engine.IO message payload). p must have been
 * initialized. BINARY_EVENT/BINARY_ACK may announce 1..max_attachments
 * attachments, and every placeholder must be valid for that count (checked
 * here, so the socket layer can trust p->doc). On error p->type is -1 and
 * p->doc is empty, but p still owns its allocation: call sio_packet_free. */
int sio_packet_decode(const char *in, size_t len, int max_attachments, sio_packet *p);

/* ---- binary placeholders (binary.js) ------------------------------------
 * An attachment is replaced in the JSON by {"_placeholder":true,"num":N}; the
 * N-th binary Engine.IO message after the packet takes its place. An object
 * is a placeholder when its (last) "_placeholder" key is JSON true; its
 * contents are then not looked into. */

/* N (>= 0) if token tok is a placeholder with an integer num >= 0; -1 if tok
 * is not a placeholder object at all; SIO_PKT_EPLACEHOLDER if it is one but
 * num is missing, not an integer, negative or above INT_MAX. */
int sio_packet_placeholder_num(const base_json *doc, int tok);

/* The first placeholder token at index >= tok in document order, or -1; its
 * sio_packet_placeholder_num is stored in *num. To visit them all:
 *   for (t = sio_packet_placeholder_next(d, 0, &n); t >= 0;
 *        t = sio_packet_placeholder_next(d, base_json_next(d, t), &n))   */
int sio_packet_placeholder_next(const base_json *doc, int tok, int *num);

/* 1 if every placeholder of a BINARY_* packet has 0 <= num < attachments
 * (node throws "illegal attachments" otherwise), else 0. Other packet types
 * have no attachments, so their placeholder-like objects are plain data: 1. */
int sio_packet_placeholders_valid(const sio_packet *p);

/* ---- encoding ------------------------------------------------------------
 * Encoders append to out and return 0, SIO_PKT_EINVAL or SIO_PKT_ENOMEM; on
 * error out->len is left as it was. A namespace of NULL, "" or "/" is the
 * main one and is omitted; any other must start with '/' and contain no ','
 * (it could not be decoded back). */

/* <type>[<attachments>-][<nsp>,][<id>]; the caller appends the JSON payload.
 * id is -1 (none) or 0..SIO_PKT_MAX_ID. attachments must be >= 1 for BINARY_*
 * (what node's decoder accepts; its default cap is 10) and 0 otherwise. */
int sio_packet_encode_header(base_buf *out, int type, const char *nsp, size_t nsp_len, int64_t id,
                             int attachments);

/* 0[<nsp>,]{"sid":"<sid>"}: the reply to a successful CONNECT. */
int sio_packet_encode_connect_ok(base_buf *out, const char *nsp, size_t nsp_len, const char *sid);

/* 4[<nsp>,]{"message":"<message>"[,"data":<data_json>]}: a refused CONNECT.
 * data_json is NUL-terminated, already valid JSON text (copied unchecked),
 * or NULL for no "data" key. */
int sio_packet_encode_connect_error(base_buf *out, const char *nsp, size_t nsp_len,
                                    const char *message, const char *data_json);

/* 1[<nsp>,]: a server-side disconnect of one namespace. */
int sio_packet_encode_disconnect(base_buf *out, const char *nsp, size_t nsp_len);

/* {"_placeholder":true,"num":<num>} as one value of a structured writer,
 * for building the payload of a BINARY_* packet (deconstructPacket). num
 * must be >= 0 (else the writer's sticky error becomes BASE_JSON_ERANGE).
 * Returns the writer's error, 0 if none. */
int sio_packet_placeholder(base_jsonw *w, int num);

#endif /* SIO_PACKET_H */
