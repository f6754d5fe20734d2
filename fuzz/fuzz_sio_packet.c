/* fuzz_sio_packet.c - libFuzzer target for socketio/sio_packet.c.
 *
 * For each input: decode it as a Socket.IO packet (max 10 attachments, as
 * node's default). On failure the packet must be reset. On success the
 * fields must be consistent (type 0..6, namespace a '/'-slice of the input,
 * ack id in range, attachments only for BINARY_*, placeholders in range);
 * then the header is re-encoded, the raw payload appended, and the result
 * must decode to the same type/nsp/id/attachments/payload and re-encode to
 * the same bytes (the encoding is canonical). The server replies for the
 * decoded namespace (CONNECT ok/error, DISCONNECT) must decode back too.
 * Any crash, sanitizer report, leak or failed check (abort) is a finding.
 *
 *   make fuzz && build-fuzz/fuzz_sio_packet -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../socketio/sio_packet.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)
#define MAXATT SIO_PKT_DEFAULT_MAX_ATTACHMENTS

/* Reused across inputs, as the socket layer reuses one per connection, so
 * stale tokens from an earlier decode would show up. */
static sio_packet reused = SIO_PACKET_INIT;

static int same_bytes(const char *a, size_t an, const char *b, size_t bn)
{
	return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

static void check_failed(const sio_packet *p, int rc)
{
	CHECK(rc < 0 && rc > SIO_PKT_EINVAL); /* EINVAL is for encoders */
	CHECK(strcmp(sio_packet_strerror(rc), "unknown packet error") != 0);
	CHECK(p->type == -1 && p->id == -1 && p->attachments == 0);
	CHECK(p->data_len == 0 && base_json_root(&p->doc) == -1);
	CHECK(same_bytes(p->nsp, p->nsp_len, "/", 1));
}

/* Field invariants of a successfully decoded packet of input [in, in+n). */
static void check_fields(const sio_packet *p, const char *in, size_t n)
{
	const base_json *d = &p->doc;
	int binary = p->type == SIO_PKT_BINARY_EVENT || p->type == SIO_PKT_BINARY_ACK;
	int t, num;

	CHECK(p->type >= SIO_PKT_CONNECT && p->type <= SIO_PKT_BINARY_ACK);
	CHECK(p->nsp_len >= 1 && p->nsp[0] == '/');
	CHECK(!memchr(p->nsp, ',', p->nsp_len));
	CHECK(p->id >= -1 && p->id <= SIO_PKT_MAX_ID);
	CHECK(binary ? p->attachments >= 1 && p->attachments <= MAXATT : p->attachments == 0);
	if (p->data_len > 0) {
		CHECK(p->data >= in && p->data + p->data_len == in + n);
		CHECK(base_json_root(d) == 0);
	} else {
		CHECK(p->type == SIO_PKT_CONNECT || p->type == SIO_PKT_DISCONNECT);
		CHECK(base_json_root(d) == -1);
	}
	CHECK(sio_packet_placeholders_valid(p));
	for (t = sio_packet_placeholder_next(d, 0, &num); t >= 0;
	     t = sio_packet_placeholder_next(d, base_json_next(d, t), &num)) {
		CHECK(base_json_type(d, t) == BASE_JSON_OBJECT);
		CHECK(sio_packet_placeholder_num(d, t) == num);
		if (binary)
			CHECK(num >= 0 && num < p->attachments);
	}
}

static void encode(base_buf *b, const sio_packet *p)
{
	b->len = 0;
	CHECK(sio_packet_encode_header(b, p->type, p->nsp, p->nsp_len, p->id, p->attachments) == 0);
	CHECK(base_buf_append(b, p->data, p->data_len) == 0);
}

/* Header + raw payload decodes to the same fields and encodes canonically. */
static void check_roundtrip(const sio_packet *p)
{
	sio_packet q = SIO_PACKET_INIT;
	base_buf b1 = BASE_BUF_INIT, b2 = BASE_BUF_INIT;

	encode(&b1, p);
	CHECK(sio_packet_decode(b1.data, b1.len, MAXATT, &q) == 0);
	CHECK(q.type == p->type && q.id == p->id && q.attachments == p->attachments);
	CHECK(same_bytes(q.nsp, q.nsp_len, p->nsp, p->nsp_len));
	CHECK(same_bytes(q.data, q.data_len, p->data, p->data_len));
	CHECK(base_json_size(&q.doc, 0) == base_json_size(&p->doc, 0));
	encode(&b2, &q);
	CHECK(same_bytes(b1.data, b1.len, b2.data, b2.len));
	sio_packet_free(&q);
	base_buf_free(&b1);
	base_buf_free(&b2);
}

/* The server's replies for this namespace decode back to it. */
static void check_replies(const sio_packet *p)
{
	sio_packet q = SIO_PACKET_INIT;
	base_buf b = BASE_BUF_INIT;

	CHECK(sio_packet_encode_connect_ok(&b, p->nsp, p->nsp_len, "sid") == 0);
	CHECK(sio_packet_decode(b.data, b.len, MAXATT, &q) == 0);
	CHECK(q.type == SIO_PKT_CONNECT && same_bytes(q.nsp, q.nsp_len, p->nsp, p->nsp_len));
	b.len = 0;
	CHECK(sio_packet_encode_connect_error(&b, p->nsp, p->nsp_len, "m", "{}") == 0);
	CHECK(sio_packet_decode(b.data, b.len, MAXATT, &q) == 0);
	CHECK(q.type == SIO_PKT_CONNECT_ERROR);
	CHECK(same_bytes(q.nsp, q.nsp_len, p->nsp, p->nsp_len));
	b.len = 0;
	CHECK(sio_packet_encode_disconnect(&b, p->nsp, p->nsp_len) == 0);
	CHECK(sio_packet_decode(b.data, b.len, MAXATT, &q) == 0);
	CHECK(q.type == SIO_PKT_DISCONNECT && q.data_len == 0);
	sio_packet_free(&q);
	base_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	int rc = sio_packet_decode(in, size, MAXATT, &reused);

	if (rc) {
		check_failed(&reused, rc);
		return 0;
	}
	check_fields(&reused, in, size);
	check_roundtrip(&reused);
	check_replies(&reused);
	return 0;
}
