/* eio_packet_v3.c - Engine.IO v3 polling-payload codec.
 *
 * What node's engine.io 6.6 does for EIO=3 clients, from its vendored
 * engine.io-parser v3 (build/parser-v3/index.js: encodePayload,
 * decodePayload, encodePayloadAsBinary, decodePayloadAsBinary):
 *  - text payload: "<length>:<packet>" records, <length> counting the
 *    packet's UTF-16 code units (JavaScript string length), not bytes; a
 *    binary packet is "b<type digit><base64>";
 *  - binary payload (sent when the client did not ask for b64=1 and a packet
 *    is binary; received when the body starts with byte 0 or 1): records
 *    <0 string | 1 binary><length, one byte per decimal digit 0-9><0xff>
 *    <data>, a string record's data being the packet's UTF-8 bytes, a binary
 *    record's the type byte (4) then the raw bytes.
 * Pure functions over buffers, unit tested (tests/test_eio_packet_v3.c).
 */
#include "eio_packet_v3.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

enum {
	FORM_UNKNOWN,
	FORM_TEXT,
	FORM_BINARY
};

/* Longest length field accepted: 10 digits (a payload is at most
 * maxHttpBufferSize bytes anyway). */
#define MAX_DIGITS 10

size_t eio_utf16_len(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c & 0xc0) != 0x80)
			n += c >= 0xf0 ? 2 : 1;
	}
	return n;
}

/* Advance over `units` UTF-16 code units of valid UTF-8 from p (at most
 * end): the byte count, or -1 when the text is not valid UTF-8, ends early,
 * or the count would split a surrogate pair. */
static long utf8_span(const unsigned char *p, const unsigned char *end, size_t units)
{
	const unsigned char *q = p;
	while (units > 0) {
		if (q >= end)
			return -1;
		unsigned char c = *q;
		size_t k, u = 1;
		unsigned cp;
		if (c < 0x80) {
			k = 1;
			cp = c;
		} else if (c >= 0xc2 && c <= 0xdf) {
			k = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 4;
			u = 2;
			cp = c & 0x07;
		} else {
			return -1;
		}
		if ((size_t)(end - q) < k || u > units)
			return -1;
		for (size_t i = 1; i < k; i++) {
			if ((q[i] & 0xc0) != 0x80)
				return -1;
			cp = cp << 6 | (q[i] & 0x3f);
		}
		/* Overlong forms, surrogates and values past U+10FFFF. */
		if ((k == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (k == 4 && (cp < 0x10000 || cp > 0x10ffff)))
			return -1;
		q += k;
		units -= u;
	}
	return (long)(q - p);
}

/* One packet of a text record: "b<type><base64>" or "<type><data>". */
static int decode_text_packet(eio_payload_iter *it, const char *msg, size_t n, eio_packet *out)
{
	if (n > 0 && msg[0] == 'b') {
		if (n < 2 || msg[1] != EIO_PKT_MESSAGE)
			return EIO_EPARSE;
		return eio_payload_decode_base64(it, msg + 2, n - 2, out);
	}
	return eio_packet_decode(msg, n, out);
}

static int next_text(eio_payload_iter *it, eio_packet *out)
{
	for (;;) {
		if (it->p == it->end)
			return 0;
		size_t units = 0, digits = 0;
		while (it->p < it->end && *it->p >= '0' && *it->p <= '9' && digits < MAX_DIGITS) {
			units = units * 10 + (size_t)(*it->p - '0');
			it->p++;
			digits++;
		}
		if (digits == 0 || it->p == it->end || *it->p != ':')
			return EIO_EPARSE;
		it->p++;
		long bytes = utf8_span((const unsigned char *)it->p, (const unsigned char *)it->end,
		                       units);
		if (bytes < 0)
			return EIO_EPARSE;
		const char *msg = it->p;
		it->p += bytes;
		if (bytes == 0)
			continue; /* node skips an empty record */
		return decode_text_packet(it, msg, (size_t)bytes, out) < 0 ? EIO_EPARSE : 1;
	}
}

static int next_binary(eio_payload_iter *it, eio_packet *out)
{
	if (it->p == it->end)
		return 0;
	unsigned char kind = (unsigned char)*it->p++;
	if (kind > 1)
		return EIO_EPARSE;
	size_t len = 0, digits = 0;
	while (it->p < it->end && (unsigned char)*it->p != 0xff) {
		unsigned char d = (unsigned char)*it->p++;
		if (d > 9 || ++digits > MAX_DIGITS)
			return EIO_EPARSE;
		len = len * 10 + d;
	}
	if (digits == 0 || it->p == it->end)
		return EIO_EPARSE;
	it->p++; /* 0xff */
	if (len == 0 || len > (size_t)(it->end - it->p))
		return EIO_EPARSE;
	const char *data = it->p;
	it->p += len;
	if (kind == 0) {
		if (utf8_span((const unsigned char *)data, (const unsigned char *)data + len,
		              eio_utf16_len(data, len)) != (long)len)
			return EIO_EPARSE;
		return eio_packet_decode(data, len, out) < 0 ? EIO_EPARSE : 1;
	}
	/* A binary record: its type byte, then the data (only messages). */
	if (data[0] != 4)
		return EIO_EPARSE;
	out->type = EIO_PKT_MESSAGE;
	out->binary = true;
	out->data = data + 1;
	out->len = len - 1;
	return 1;
}

int eio_payload_v3_next(eio_payload_iter *it, eio_packet *out)
{
	if (it->done)
		return 0;
	if (it->v3_form == FORM_UNKNOWN) {
		if (it->p == it->end) {
			it->done = true;
			return EIO_EPARSE; /* node: an empty payload is a parse error */
		}
		it->v3_form = (unsigned char)*it->p <= 1 ? FORM_BINARY : FORM_TEXT;
	}
	int r = it->v3_form == FORM_TEXT ? next_text(it, out) : next_binary(it, out);
	if (r <= 0)
		it->done = true;
	return r;
}

/* ---- encoding ---------------------------------------------------------------- */

static size_t ndigits(size_t n)
{
	size_t d = 1;
	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

/* The text form of a packet: its text, or "b4" + base64. */
static size_t packet_text_len(const eio_msg *m)
{
	if (!m->binary)
		return m->len;
	return 2 + sodium_base64_ENCODED_LEN(m->len, sodium_base64_VARIANT_ORIGINAL) - 1;
}

size_t eio_payload_v3_record_len(const eio_msg *m, bool binary_form)
{
	if (binary_form) {
		size_t n = m->binary ? m->len + 1 : m->len;
		return 2 + ndigits(n) + n;
	}
	size_t units = m->binary ? packet_text_len(m) : eio_utf16_len(m->bytes, m->len);
	return ndigits(units) + 1 + packet_text_len(m);
}

char *eio_payload_v3_write_record(char *dst, const eio_msg *m, bool binary_form)
{
	char num[24];
	if (binary_form) {
		size_t n = m->binary ? m->len + 1 : m->len;
		int k = snprintf(num, sizeof(num), "%zu", n);
		*dst++ = m->binary ? 1 : 0;
		for (int i = 0; i < k; i++)
			*dst++ = (char)(num[i] - '0');
		*dst++ = (char)0xff;
		if (m->binary)
			*dst++ = 4;
		memcpy(dst, m->bytes, m->len);
		return dst + m->len;
	}
	if (!m->binary) {
		dst += sprintf(dst, "%zu:", eio_utf16_len(m->bytes, m->len));
		memcpy(dst, m->bytes, m->len);
		return dst + m->len;
	}
	size_t enc = sodium_base64_ENCODED_LEN(m->len, sodium_base64_VARIANT_ORIGINAL);
	dst += sprintf(dst, "%zu:b4", enc + 1);
	sodium_bin2base64(dst, enc, (const unsigned char *)m->bytes, m->len,
	                  sodium_base64_VARIANT_ORIGINAL);
	return dst + enc - 1;
}
