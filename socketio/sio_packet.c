/* sio_packet.c - Socket.IO v5 packet decoding and encoding (text part).
 *
 * The wire format (Socket.IO protocol v5, "Packet format") is
 *
 *   <packet type>[<# of binary attachments>-][<namespace>,][<ack id>][<JSON payload>]
 *
 * Decoding is one left-to-right pass over the header, in the order of
 * socket.io-parser 4.2's Decoder#decodeString, then one strict JSON parse of
 * the rest and the per-type payload rules of Decoder.isPayloadValid. For the
 * binary types the placeholders are checked as binary.js reconstructPacket
 * checks them. Where this file is stricter than node, sio_packet.h says so.
 * Nothing here does I/O or keeps state between packets.
 */
#include <limits.h>
#include <string.h>

#include "socketio.h"
#include "sio_packet.h"

static const char main_nsp[] = "/";

/* The event names an EVENT may not use (socket.io-parser RESERVED_EVENTS):
 * the server or the client emits these itself. */
static const struct {
	const char *s;
	size_t n;
} reserved_events[] = {
	{ "connect", 7 },        { "connect_error", 13 }, { "disconnect", 10 },
	{ "disconnecting", 13 }, { "newListener", 11 },   { "removeListener", 14 },
};

bool sio_event_reserved(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof reserved_events / sizeof reserved_events[0]; i++)
		if (len == reserved_events[i].n && !memcmp(name, reserved_events[i].s, len))
			return true;
	return false;
}

/* A packet that holds nothing: the main namespace, no id, no payload. */
static void clear_fields(sio_packet *p)
{
	p->type = -1;
	p->nsp = main_nsp;
	p->nsp_len = 1;
	p->id = -1;
	p->attachments = 0;
	p->data = NULL;
	p->data_len = 0;
}

void sio_packet_init(sio_packet *p)
{
	clear_fields(p);
	base_json_init(&p->doc);
}

void sio_packet_free(sio_packet *p)
{
	base_json_free(&p->doc);
	sio_packet_init(p);
}

const char *sio_packet_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case SIO_PKT_ETYPE:
		return "unknown packet type";
	case SIO_PKT_EATTACH:
		return "illegal attachments";
	case SIO_PKT_ETOOMANY:
		return "too many attachments";
	case SIO_PKT_EACKID:
		return "ack id out of range";
	case SIO_PKT_EJSON:
		return "payload is not valid JSON";
	case SIO_PKT_ELIMIT:
		return "payload JSON too deep or too large";
	case SIO_PKT_EPAYLOAD:
		return "invalid payload";
	case SIO_PKT_ERESERVED:
		return "reserved event name";
	case SIO_PKT_EPLACEHOLDER:
		return "illegal attachment placeholder";
	case SIO_PKT_ENSP:
		return "namespace is not valid UTF-8";
	case SIO_PKT_ENOMEM:
		return "out of memory";
	case SIO_PKT_EINVAL:
		return "invalid argument";
	default:
		return "unknown packet error";
	}
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_binary(int type)
{
	return type == SIO_PKT_BINARY_EVENT || type == SIO_PKT_BINARY_ACK;
}

/* ---- decoding ------------------------------------------------------------ */

/* Forget the last decode but keep the token array for the next one. */
static void reset(sio_packet *p)
{
	clear_fields(p);
	p->doc.js = NULL;
	p->doc.len = 0;
	p->doc.ntok = 0;
}

/* "<n>-" right after a BINARY_* type. node requires 1 <= n ("Illegal
 * attachments") and n <= maxAttachments ("too many attachments"). */
static int decode_attachments(const char *in, size_t len, size_t *pos, int max, int *out)
{
	size_t i = *pos;
	int64_t n = 0;

	if (max < 0)
		max = 0;
	if (i == len || !is_digit(in[i]))
		return SIO_PKT_EATTACH;
	for (; i < len && is_digit(in[i]); i++)
		if (n <= max) /* saturate just above max */
			n = n * 10 + (in[i] - '0');
	if (i == len || in[i] != '-' || n < 1)
		return SIO_PKT_EATTACH;
	if (n > max)
		return SIO_PKT_ETOOMANY;
	*out = (int)n;
	*pos = i + 1;
	return 0;
}

/* A namespace starts with '/' and runs to the first ',' (which is consumed)
 * or to the end of the input: "40/custom" is CONNECT to "/custom". node takes
 * every character up to the comma; only UTF-8 validity is added here. */
static int decode_nsp(const char *in, size_t len, size_t *pos, sio_packet *p)
{
	size_t i = *pos;
	const char *comma;

	if (i == len || in[i] != '/')
		return 0; /* absent: the main namespace "/" */
	comma = memchr(in + i, ',', len - i);
	p->nsp = in + i;
	p->nsp_len = comma ? (size_t)(comma - (in + i)) : len - i;
	if (!base_json_utf8_valid(p->nsp, p->nsp_len))
		return SIO_PKT_ENSP;
	*pos = comma ? (size_t)(comma - in) + 1 : len;
	return 0;
}

/* The run of digits after the namespace is the ack id; ids start at 0. */
static int decode_id(const char *in, size_t len, size_t *pos, int64_t *id)
{
	size_t i = *pos;
	int64_t v = 0;

	if (i == len || !is_digit(in[i]))
		return 0;
	for (; i < len && is_digit(in[i]); i++) {
		v = v * 10 + (in[i] - '0');
		if (v > SIO_PKT_MAX_ID)
			return SIO_PKT_EACKID;
	}
	*id = v;
	*pos = i;
	return 0;
}

static int json_error(int rc)
{
	switch (rc) {
	case BASE_JSON_ENOMEM:
		return SIO_PKT_ENOMEM;
	case BASE_JSON_EDEPTH:
	case BASE_JSON_ETOOBIG:
		return SIO_PKT_ELIMIT;
	default:
		return SIO_PKT_EJSON;
	}
}

/* EVENT: a non-empty array whose first element is a number or a string that
 * is not a reserved name (compared after unescaping: "conn\u0065ct" is
 * "connect" to JSON.parse too). */
static int check_event(const base_json *doc)
{
	int root = base_json_root(doc), name;
	size_t i;

	if (base_json_type(doc, root) != BASE_JSON_ARRAY || base_json_size(doc, root) < 1)
		return SIO_PKT_EPAYLOAD;
	name = root + 1;
	if (base_json_type(doc, name) == BASE_JSON_NUMBER)
		return 0;
	if (base_json_type(doc, name) != BASE_JSON_STRING)
		return SIO_PKT_EPAYLOAD;
	for (i = 0; i < sizeof reserved_events / sizeof reserved_events[0]; i++)
		if (base_json_str_eq(doc, name, reserved_events[i].s, reserved_events[i].n))
			return SIO_PKT_ERESERVED;
	return 0;
}

/* Decoder.isPayloadValid, for a payload that is present. */
static int check_payload(int type, const base_json *doc)
{
	enum base_json_type t = base_json_type(doc, base_json_root(doc));

	switch (type) {
	case SIO_PKT_CONNECT:
		return t == BASE_JSON_OBJECT ? 0 : SIO_PKT_EPAYLOAD;
	case SIO_PKT_CONNECT_ERROR:
		return t == BASE_JSON_STRING || t == BASE_JSON_OBJECT ? 0 : SIO_PKT_EPAYLOAD;
	case SIO_PKT_EVENT:
	case SIO_PKT_BINARY_EVENT:
		return check_event(doc);
	case SIO_PKT_ACK:
	case SIO_PKT_BINARY_ACK:
		return t == BASE_JSON_ARRAY ? 0 : SIO_PKT_EPAYLOAD;
	default: /* DISCONNECT takes no payload */
		return SIO_PKT_EPAYLOAD;
	}
}

/* Everything after the header is the JSON payload. Only CONNECT and
 * DISCONNECT may come without one; DISCONNECT must. */
static int decode_payload(const char *s, size_t n, sio_packet *p)
{
	int rc;

	if (n == 0)
		return p->type == SIO_PKT_CONNECT || p->type == SIO_PKT_DISCONNECT
		               ? 0
		               : SIO_PKT_EPAYLOAD;
	if (p->type == SIO_PKT_DISCONNECT)
		return SIO_PKT_EPAYLOAD;
	if (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r')
		return SIO_PKT_EJSON; /* node would read it as ack id */
	if ((rc = base_json_parse(&p->doc, s, n)))
		return json_error(rc);
	p->data = s;
	p->data_len = n;
	return check_payload(p->type, &p->doc);
}

static int decode(const char *in, size_t len, int max_attachments, sio_packet *p)
{
	size_t i = 1;
	int rc;

	if (len == 0 || in[0] < '0' || in[0] > '6')
		return SIO_PKT_ETYPE;
	p->type = in[0] - '0';
	if (is_binary(p->type) &&
	    (rc = decode_attachments(in, len, &i, max_attachments, &p->attachments)))
		return rc;
	if ((rc = decode_nsp(in, len, &i, p)) || (rc = decode_id(in, len, &i, &p->id)) ||
	    (rc = decode_payload(in + i, len - i, p)))
		return rc;
	if (!sio_packet_placeholders_valid(p))
		return SIO_PKT_EPLACEHOLDER;
	return 0;
}

int sio_packet_decode(const char *in, size_t len, int max_attachments, sio_packet *p)
{
	int rc;

	reset(p);
	if ((rc = decode(in, len, max_attachments, p)))
		reset(p);
	return rc;
}

/* ---- binary placeholders ------------------------------------------------- */

/* binary.js _reconstructPacket: an object whose _placeholder is true stands
 * for attachment num, which must be a number with 0 <= num < attachments. */
int sio_packet_placeholder_num(const base_json *doc, int tok)
{
	int64_t n;
	int v;

	if (base_json_type(doc, tok) != BASE_JSON_OBJECT)
		return -1;
	v = base_json_obj_getn(doc, tok, "_placeholder", 12);
	if (base_json_type(doc, v) != BASE_JSON_TRUE)
		return -1;
	v = base_json_obj_getn(doc, tok, "num", 3);
	if (base_json_int64(doc, v, &n) || n < 0 || n > INT_MAX)
		return SIO_PKT_EPLACEHOLDER;
	return (int)n;
}

/* Tokens are in document order, so a linear scan visits every value (keys
 * are strings and are skipped as such). Each object's keys are looked at
 * once, so a full walk is linear in the document. */
int sio_packet_placeholder_next(const base_json *doc, int tok, int *num)
{
	enum base_json_type t;
	int n;

	if (tok < 0)
		return -1;
	for (; (t = base_json_type(doc, tok)) != BASE_JSON_NONE; tok++) {
		if (t != BASE_JSON_OBJECT || (n = sio_packet_placeholder_num(doc, tok)) == -1)
			continue;
		*num = n;
		return tok;
	}
	return -1;
}

int sio_packet_placeholders_valid(const sio_packet *p)
{
	const base_json *d = &p->doc;
	int t, n;

	if (!is_binary(p->type))
		return 1;
	for (t = sio_packet_placeholder_next(d, base_json_root(d), &n); t >= 0;
	     t = sio_packet_placeholder_next(d, base_json_next(d, t), &n))
		if (n < 0 || n >= p->attachments)
			return 0;
	return 1;
}

/* ---- encoding ------------------------------------------------------------ */

static int nsp_is_main(const char *nsp, size_t n)
{
	return !nsp || n == 0 || (n == 1 && nsp[0] == '/');
}

/* A namespace we write must decode back to itself. */
static int nsp_encodable(const char *nsp, size_t n)
{
	return nsp[0] == '/' && !memchr(nsp, ',', n) && base_json_utf8_valid(nsp, n);
}

static int check_header(int type, const char *nsp, size_t nsp_len, int64_t id, int attachments)
{
	if (type < SIO_PKT_CONNECT || type > SIO_PKT_BINARY_ACK)
		return SIO_PKT_EINVAL;
	if (is_binary(type) ? attachments < 1 : attachments != 0)
		return SIO_PKT_EINVAL;
	if (id < -1 || id > SIO_PKT_MAX_ID)
		return SIO_PKT_EINVAL;
	if (!nsp_is_main(nsp, nsp_len) && !nsp_encodable(nsp, nsp_len))
		return SIO_PKT_EINVAL;
	return 0;
}

/* Encoder#encodeAsString without the payload. */
static int put_header(base_buf *out, int type, const char *nsp, size_t nsp_len, int64_t id,
                      int attachments)
{
	int rc = base_buf_putc(out, (char)('0' + type));

	if (!rc && is_binary(type) && !(rc = base_json_put_int64(out, attachments)))
		rc = base_buf_putc(out, '-');
	if (!rc && !nsp_is_main(nsp, nsp_len) && !(rc = base_buf_append(out, nsp, nsp_len)))
		rc = base_buf_putc(out, ',');
	if (!rc && id >= 0)
		rc = base_json_put_int64(out, id);
	return rc;
}

/* After a failed append (base_buf only fails for lack of memory), undo the
 * partial write: the buffer is left as the caller gave it. */
static int rollback(base_buf *out, size_t mark, int rc)
{
	if (!rc)
		return 0;
	out->len = mark;
	return SIO_PKT_ENOMEM;
}

int sio_packet_encode_header(base_buf *out, int type, const char *nsp, size_t nsp_len, int64_t id,
                             int attachments)
{
	size_t mark = out->len;
	int rc = check_header(type, nsp, nsp_len, id, attachments);

	if (rc)
		return rc;
	return rollback(out, mark, put_header(out, type, nsp, nsp_len, id, attachments));
}

/* key_prefix (e.g. "{\"sid\":") followed by s as a JSON string. */
static int put_member(base_buf *out, const char *key_prefix, const char *s)
{
	int rc = base_buf_append(out, key_prefix, strlen(key_prefix));
	return rc ? rc : base_json_put_str(out, s, strlen(s));
}

int sio_packet_encode_connect_ok(base_buf *out, const char *nsp, size_t nsp_len, const char *sid)
{
	size_t mark = out->len;
	int rc;

	if (!sid || !base_json_utf8_valid(sid, strlen(sid)))
		return SIO_PKT_EINVAL;
	if ((rc = sio_packet_encode_header(out, SIO_PKT_CONNECT, nsp, nsp_len, -1, 0)))
		return rc;
	if (!(rc = put_member(out, "{\"sid\":", sid)))
		rc = base_buf_putc(out, '}');
	return rollback(out, mark, rc);
}

int sio_packet_encode_connect_error(base_buf *out, const char *nsp, size_t nsp_len,
                                    const char *message, const char *data_json)
{
	size_t mark = out->len;
	int rc;

	if (!message || !base_json_utf8_valid(message, strlen(message)))
		return SIO_PKT_EINVAL;
	if ((rc = sio_packet_encode_header(out, SIO_PKT_CONNECT_ERROR, nsp, nsp_len, -1, 0)))
		return rc;
	rc = put_member(out, "{\"message\":", message);
	if (!rc && data_json && !(rc = base_buf_append(out, ",\"data\":", 8)))
		rc = base_buf_append(out, data_json, strlen(data_json));
	if (!rc)
		rc = base_buf_putc(out, '}');
	return rollback(out, mark, rc);
}

int sio_packet_encode_disconnect(base_buf *out, const char *nsp, size_t nsp_len)
{
	return sio_packet_encode_header(out, SIO_PKT_DISCONNECT, nsp, nsp_len, -1, 0);
}

/* binary.js _deconstructPacket's placeholder object, key order as node. */
int sio_packet_placeholder(base_jsonw *w, int num)
{
	if (num < 0) {
		if (!w->err)
			w->err = BASE_JSON_ERANGE;
		return w->err;
	}
	base_jsonw_object_begin(w);
	base_jsonw_key(w, "_placeholder", 12);
	base_jsonw_bool(w, 1);
	base_jsonw_key(w, "num", 3);
	base_jsonw_int64(w, num);
	base_jsonw_object_end(w);
	return base_jsonw_error(w);
}
