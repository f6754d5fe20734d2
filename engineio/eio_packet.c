/* eio_packet.c - Engine.IO v4 packet and polling-payload codec.
 *
 * Pure functions over buffers, so they can be unit tested and fuzzed without a
 * network. Base64 comes from libsodium (standard alphabet with padding, which
 * is what engine.io-client's btoa/Buffer produce).
 */
#include "eio_packet.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

int eio_packet_decode(const char *in, size_t len, eio_packet *out)
{
	if (len == 0 || in[0] < EIO_PKT_OPEN || in[0] > EIO_PKT_NOOP)
		return EIO_EPARSE;
	out->type = in[0];
	out->binary = false;
	out->data = in + 1;
	out->len = len - 1;
	return 0;
}

void eio_payload_iter_init(eio_payload_iter *it, const char *buf, size_t len)
{
	if (!buf) /* an empty POST body has no buffer at all */
		buf = "";
	it->p = buf;
	it->end = buf + len;
	it->done = false;
	it->scratch = NULL;
	it->scratch_cap = 0;
	it->v3_form = 0;
}

void eio_payload_iter_free(eio_payload_iter *it)
{
	free(it->scratch);
	it->scratch = NULL;
	it->scratch_cap = 0;
}

/* "b<base64>": decode into the iterator's scratch buffer. The whole record must
 * be valid padded base64; an empty one is a zero-length binary message. */
int eio_payload_decode_base64(eio_payload_iter *it, const char *b64, size_t n, eio_packet *out)
{
	size_t need = n / 4 * 3 + 3;
	if (need > it->scratch_cap) {
		unsigned char *s = realloc(it->scratch, need);
		if (!s)
			return EIO_ENOMEM;
		it->scratch = s;
		it->scratch_cap = need;
	}
	size_t bin_len = 0;
	const char *b64_end = NULL;
	if (n > 0 && (sodium_base642bin(it->scratch, it->scratch_cap, b64, n, NULL, &bin_len,
	                                &b64_end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	              b64_end != b64 + n))
		return EIO_EPARSE;
	out->type = EIO_PKT_MESSAGE;
	out->binary = true;
	out->data = (const char *)it->scratch;
	out->len = bin_len;
	return 0;
}

int eio_payload_next(eio_payload_iter *it, eio_packet *out)
{
	if (it->done)
		return 0;
	const char *sep = memchr(it->p, EIO_RECORD_SEPARATOR, (size_t)(it->end - it->p));
	const char *rec_end = sep ? sep : it->end;
	const char *rec = it->p;
	size_t n = (size_t)(rec_end - rec);
	if (sep)
		it->p = sep + 1;
	else
		it->done = true;
	int r;
	if (n > 0 && rec[0] == 'b')
		r = eio_payload_decode_base64(it, rec + 1, n - 1, out);
	else
		r = eio_packet_decode(rec, n, out);
	if (r < 0)
		it->done = true;
	return r < 0 ? r : 1;
}

size_t eio_payload_record_len(const eio_msg *m)
{
	if (!m->binary)
		return m->len;
	/* sodium_base64_ENCODED_LEN counts the NUL terminator. */
	return 1 + sodium_base64_ENCODED_LEN(m->len, sodium_base64_VARIANT_ORIGINAL) - 1;
}

char *eio_payload_write_record(char *dst, const eio_msg *m)
{
	if (!m->binary) {
		memcpy(dst, m->bytes, m->len);
		return dst + m->len;
	}
	size_t enc = sodium_base64_ENCODED_LEN(m->len, sodium_base64_VARIANT_ORIGINAL);
	*dst++ = 'b';
	/* bin2base64 writes a NUL after the text: the caller's buffer has room
	 * for it because every payload buffer is allocated with one spare byte. */
	sodium_bin2base64(dst, enc, (const unsigned char *)m->bytes, m->len,
	                  sodium_base64_VARIANT_ORIGINAL);
	return dst + enc - 1;
}
