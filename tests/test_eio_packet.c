/* test_eio_packet.c - Check unit tests for engineio/eio_packet.c and eio_msg.c.
 *
 * The codec is what every polling POST body and every WebSocket text frame goes
 * through, and what every polling GET response is built from, so it is tested
 * exactly: single-packet decoding for each type and each invalid first byte;
 * payload iteration over text and "b"+base64 binary records, in order, with
 * every malformed form node's decodePayload rejects (and with the packets
 * before a malformed record still delivered); the record writer against known
 * base64 vectors and a write/read round trip; and eio_msg reference counting
 * and payload views, which broadcasts rely on.
 */
#include <check.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engineio/eio_packet.h"
#include "check_main.h"

#define S(lit)    lit, sizeof(lit) - 1 /* literal with its exact length */
#define NCASES(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- eio_packet_decode ------------------------------------------------------ */

START_TEST(test_decode_each_type)
{
	/* _i is the type digit offset: '0' (open) .. '6' (noop). */
	char type = (char)('0' + _i);
	char buf[16];
	eio_packet p;

	/* Type alone. */
	buf[0] = type;
	memset(&p, 0xaa, sizeof(p));
	ck_assert_int_eq(eio_packet_decode(buf, 1, &p), 0);
	ck_assert_int_eq(p.type, type);
	ck_assert(!p.binary);
	ck_assert_uint_eq(p.len, 0);
	ck_assert_ptr_eq(p.data, buf + 1);

	/* Type with data, which may contain any byte, including the separator
	 * and NUL (a WebSocket frame is not a polling record). */
	memcpy(buf, "xhe\0l\x1eo", 7);
	buf[0] = type;
	ck_assert_int_eq(eio_packet_decode(buf, 7, &p), 0);
	ck_assert_int_eq(p.type, type);
	ck_assert(!p.binary);
	ck_assert_uint_eq(p.len, 6);
	ck_assert_ptr_eq(p.data, buf + 1);
	ck_assert_mem_eq(p.data, "he\0l\x1eo", 6);
}
END_TEST

START_TEST(test_decode_length_is_respected)
{
	/* Only len bytes are read: "4hello" with len 3 is "4he". */
	eio_packet p;
	ck_assert_int_eq(eio_packet_decode("4hello", 3, &p), 0);
	ck_assert_int_eq(p.type, EIO_PKT_MESSAGE);
	ck_assert_uint_eq(p.len, 2);
	ck_assert_mem_eq(p.data, "he", 2);
}
END_TEST

START_TEST(test_decode_empty)
{
	eio_packet p;
	ck_assert_int_eq(eio_packet_decode("", 0, &p), EIO_EPARSE);
	/* A non-empty buffer with len 0 is still empty. */
	ck_assert_int_eq(eio_packet_decode("4hello", 0, &p), EIO_EPARSE);
}
END_TEST

static const unsigned char bad_first_bytes[] = {
	'7', '8', '9', 'a', 'b', '/', ' ', '{', 0x00, 0x1e, 0x7f, 0x80, 0xff,
};

START_TEST(test_decode_bad_type)
{
	char buf[4] = { (char)bad_first_bytes[_i], '4', 'x', 0 };
	eio_packet p;
	ck_assert_int_eq(eio_packet_decode(buf, 1, &p), EIO_EPARSE);
	ck_assert_int_eq(eio_packet_decode(buf, 3, &p), EIO_EPARSE);
}
END_TEST

/* ---- eio_payload_next: valid payloads ---------------------------------------- */

typedef struct expect {
	char type;
	bool binary;
	const char *data;
	size_t len;
} expect;

/* Iterate over buf and compare with want[0..n-1]; then expect end_rc (0 for a
 * clean end, EIO_EPARSE for a malformed record), and 0 forever after. */
static void check_payload(const char *buf, size_t len, const expect *want, size_t n, int end_rc)
{
	eio_payload_iter it;
	eio_packet p;
	eio_payload_iter_init(&it, buf, len);
	for (size_t i = 0; i < n; i++) {
		int r = eio_payload_next(&it, &p);
		ck_assert_msg(r == 1, "record %zu: rc %d, want 1", i, r);
		ck_assert_msg(p.type == want[i].type, "record %zu: type %c, want %c", i, p.type,
		              want[i].type);
		ck_assert_msg(p.binary == want[i].binary, "record %zu: binary %d", i, p.binary);
		ck_assert_msg(p.len == want[i].len, "record %zu: len %zu, want %zu", i, p.len,
		              want[i].len);
		if (want[i].len)
			ck_assert_mem_eq(p.data, want[i].data, want[i].len);
	}
	int r = eio_payload_next(&it, &p);
	ck_assert_msg(r == end_rc, "after %zu records: rc %d, want %d", n, r, end_rc);
	/* Once finished (either way) the iterator stays finished. */
	ck_assert_int_eq(eio_payload_next(&it, &p), 0);
	ck_assert_int_eq(eio_payload_next(&it, &p), 0);
	eio_payload_iter_free(&it);
}

START_TEST(test_payload_single)
{
	static const expect w[] = { { '4', false, "hello", 5 } };
	check_payload(S("4hello"), w, 1, 0);
	static const expect w2[] = { { '3', false, "", 0 } };
	check_payload(S("3"), w2, 1, 0);
	/* A record may contain NUL bytes. */
	static const expect w3[] = { { '4', false, "a\0b", 3 } };
	check_payload(S("4a\0b"), w3, 1, 0);
}
END_TEST

START_TEST(test_payload_several)
{
	static const expect w[] = {
		{ '4', false, "hello", 5 }, { '2', false, "", 0 }, { '4', false, "€", 3 },
		{ '6', false, "", 0 },      { '1', false, "", 0 },
	};
	check_payload(S("4hello\x1e"
	                "2\x1e"
	                "4€\x1e"
	                "6\x1e"
	                "1"),
	              w, 5, 0);
}
END_TEST

START_TEST(test_payload_binary)
{
	/* Standard padded base64, as engine.io-client sends it. */
	static const expect w1[] = { { '4', true, "\x01\x02\x03", 3 } };
	check_payload(S("bAQID"), w1, 1, 0);
	static const expect w2[] = { { '4', true, "\x00\xff\x00\xfe", 4 } };
	check_payload(S("bAP8A/g=="), w2, 1, 0);
	static const expect w3[] = { { '4', true, "\x00\x00", 2 } };
	check_payload(S("bAAA="), w3, 1, 0);
	static const expect w4[] = { { '4', true, "\xff\xff\xff", 3 } };
	check_payload(S("b////"), w4, 1, 0);
	static const expect w5[] = { { '4', true, "\xfb\xef\xbe", 3 } };
	check_payload(S("b++++"), w5, 1, 0); /* '+' of the standard alphabet */
	/* "b" alone is a zero-length binary message, not an error. */
	static const expect w6[] = { { '4', true, "", 0 } };
	check_payload(S("b"), w6, 1, 0);
}
END_TEST

START_TEST(test_payload_mixed_in_order)
{
	static const expect w[] = {
		{ '4', false, "a", 1 },   { '4', true, "\x01\x02\x03", 3 },
		{ '4', true, "", 0 },     { '3', false, "", 0 },
		{ '4', true, "\x00", 1 }, { '4', false, "bAQID", 5 },
	};
	check_payload(S("4a\x1e"
	                "bAQID\x1e"
	                "b\x1e"
	                "3\x1e"
	                "bAA==\x1e"
	                "4bAQID"),
	              w, 6, 0);
}
END_TEST

START_TEST(test_payload_binary_scratch_reuse)
{
	/* Binary data lives in the iterator's scratch buffer: a longer record
	 * after a shorter one must grow it, and a shorter one after a longer one
	 * must report its own length. Each packet is checked before the next. */
	unsigned char big[200];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 7 + 1);
	char b64[sizeof(big) * 2];
	sodium_bin2base64(b64, sizeof(b64), big, sizeof(big), sodium_base64_VARIANT_ORIGINAL);
	char buf[1024];
	int n = snprintf(buf, sizeof(buf),
	                 "bAQID\x1e"
	                 "b%s\x1e"
	                 "bAA==",
	                 b64);
	expect w[] = {
		{ '4', true, "\x01\x02\x03", 3 },
		{ '4', true, (const char *)big, sizeof(big) },
		{ '4', true, "\x00", 1 },
	};
	check_payload(buf, (size_t)n, w, 3, 0);
}
END_TEST

START_TEST(test_payload_null_buffer)
{
	/* An empty POST body arrives as (NULL, 0): an error, not a crash. */
	check_payload(NULL, 0, NULL, 0, EIO_EPARSE);
}
END_TEST

/* ---- eio_payload_next: malformed payloads ------------------------------------ */

static const struct bad_case {
	const char *buf;
	size_t len;
	size_t good; /* packets returned before the error */
	expect want[2];
} bad_cases[] = {
	{ S(""), 0, { { 0 } } },
	{ S("\x1e"), 0, { { 0 } } },
	{ S("\x1e"
	    "4a"),
	  0,
	  { { 0 } } },
	{ S("4a\x1e"), 1, { { '4', false, "a", 1 } } },
	{ S("4a\x1e\x1e"
	    "4b"),
	  1,
	  { { '4', false, "a", 1 } } },
	{ S("7"), 0, { { 0 } } },
	{ S("4a\x1e"
	    "9x\x1e"
	    "4b"),
	  1,
	  { { '4', false, "a", 1 } } },
	{ S("4a\x1e"
	    "2\x1e"
	    "x"),
	  2,
	  { { '4', false, "a", 1 }, { '2', false, "", 0 } } },
	{ S("\x00"
	    "4"),
	  0,
	  { { 0 } } },
	{ S("\xff"), 0, { { 0 } } },
	{ S("b!!!"), 0, { { 0 } } },
	{ S("bAQ"), 0, { { 0 } } },        /* missing padding */
	{ S("bAQ="), 0, { { 0 } } },       /* short padding */
	{ S("bAQID="), 0, { { 0 } } },     /* padding after a full quantum */
	{ S("bAQ==="), 0, { { 0 } } },     /* too much padding */
	{ S("bA"), 0, { { 0 } } },         /* one lone character */
	{ S("bAQID AQID"), 0, { { 0 } } }, /* whitespace is not skipped */
	{ S("bAQ-_"), 0, { { 0 } } },      /* URL-safe alphabet is not base64 */
	{ S("4ok\x1e"
	    "bAQ"),
	  1,
	  { { '4', false, "ok", 2 } } },
	{ S("4ok\x1e"
	    "bAQID\x1e"
	    "b$"),
	  2,
	  { { '4', false, "ok", 2 }, { '4', true, "\x01\x02\x03", 3 } } },
};

START_TEST(test_payload_malformed)
{
	const struct bad_case *c = &bad_cases[_i];
	check_payload(c->buf, c->len, c->want, c->good, EIO_EPARSE);
}
END_TEST

/* ---- record writer ----------------------------------------------------------- */

/* Write m as one record into a fresh buffer (plus the one spare byte the
 * writer's contract requires) and return it NUL-terminated. */
static char *write_record(const eio_msg *m, size_t *len)
{
	size_t n = eio_payload_record_len(m);
	char *buf = malloc(n + 1);
	ck_assert_ptr_nonnull(buf);
	char *end = eio_payload_write_record(buf, m);
	ck_assert_ptr_eq(end, buf + n);
	*len = n;
	buf[n] = '\0';
	return buf;
}

START_TEST(test_record_text)
{
	eio_msg *m = eio_msg_text(S("héllo\x1e"));
	size_t n;
	char *r = write_record(m, &n);
	ck_assert_uint_eq(n, 1 + 7);
	ck_assert_mem_eq(r, "4héllo\x1e", n);
	free(r);
	eio_msg_unref(m);

	m = eio_msg_text("", 0);
	r = write_record(m, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_mem_eq(r, "4", 1);
	free(r);
	eio_msg_unref(m);

	m = eio_msg_packet(EIO_PKT_PING, "", 0);
	r = write_record(m, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_mem_eq(r, "2", 1);
	free(r);
	eio_msg_unref(m);
}
END_TEST

static const struct b64_case {
	const char *bin;
	size_t len;
	const char *rec;
} b64_cases[] = {
	{ "", 0, "b" },
	{ "\x01", 1, "bAQ==" },
	{ "\x01\x02", 2, "bAQI=" },
	{ "\x01\x02\x03", 3, "bAQID" },
	{ "\x01\x02\x03\x04", 4, "bAQIDBA==" },
	{ "\x00\x00\x00", 3, "bAAAA" },
	{ "\xff\xff\xff", 3, "b////" },
	{ "\xfb\xef\xbe", 3, "b++++" },
	{ "hello", 5, "baGVsbG8=" },
};

START_TEST(test_record_binary_vectors)
{
	const struct b64_case *c = &b64_cases[_i];
	eio_msg *m = eio_msg_binary(c->bin, c->len);
	size_t n;
	char *r = write_record(m, &n);
	ck_assert_uint_eq(n, strlen(c->rec));
	ck_assert_str_eq(r, c->rec);
	free(r);
	eio_msg_unref(m);
}
END_TEST

START_TEST(test_record_binary_roundtrip)
{
	/* Random binary of every length 0..300, written as one record and read
	 * back, alone and as the middle record of a three-record payload. */
	for (size_t len = 0; len <= 300; len++) {
		unsigned char *data = malloc(len + 1);
		randombytes_buf(data, len);
		if (len >= 2) { /* make sure zeros and 0xff are always present */
			data[0] = 0x00;
			data[len - 1] = 0xff;
		}
		eio_msg *m = eio_msg_binary(data, len);
		size_t n;
		char *r = write_record(m, &n);
		ck_assert_int_eq(r[0], 'b');
		ck_assert_uint_eq(n, 1 + (len + 2) / 3 * 4);

		expect one[] = { { '4', true, (const char *)data, len } };
		check_payload(r, n, one, 1, 0);

		size_t pn = 3 + n + 3;
		char *payload = malloc(pn + 1);
		memcpy(payload, "4a\x1e", 3);
		memcpy(payload + 3, r, n);
		memcpy(payload + 3 + n,
		       "\x1e"
		       "3x",
		       3);
		expect three[] = {
			{ '4', false, "a", 1 },
			{ '4', true, (const char *)data, len },
			{ '3', false, "x", 1 },
		};
		check_payload(payload, pn, three, 3, 0);
		free(payload);
		free(r);
		eio_msg_unref(m);
		free(data);
	}
}
END_TEST

START_TEST(test_record_payload_join)
{
	/* How the polling writer builds a GET body: records joined by 0x1e,
	 * written back to back into one buffer with one spare byte. */
	eio_msg *ms[4] = {
		eio_msg_text(S("hi")),
		eio_msg_binary(S("\x01\x02\x03")),
		eio_msg_packet(EIO_PKT_PING, "", 0),
		eio_msg_binary("", 0),
	};
	size_t total = 0;
	for (int i = 0; i < 4; i++)
		total += eio_payload_record_len(ms[i]) + (i ? 1 : 0);
	char *buf = malloc(total + 1);
	char *p = buf;
	for (int i = 0; i < 4; i++) {
		if (i)
			*p++ = EIO_RECORD_SEPARATOR;
		p = eio_payload_write_record(p, ms[i]);
	}
	ck_assert_uint_eq((size_t)(p - buf), total);
	ck_assert_mem_eq(buf,
	                 "4hi\x1e"
	                 "bAQID\x1e"
	                 "2\x1e"
	                 "b",
	                 total);
	free(buf);
	for (int i = 0; i < 4; i++)
		eio_msg_unref(ms[i]);
}
END_TEST

/* ---- eio_msg ----------------------------------------------------------------- */

START_TEST(test_msg_text)
{
	eio_msg *m = eio_msg_text(S("hello"));
	ck_assert_ptr_nonnull(m);
	ck_assert(!eio_msg_is_binary(m));
	ck_assert_uint_eq(m->refs, 1);
	/* Stored as the Engine.IO packet, "4" + data... */
	ck_assert_uint_eq(m->len, 6);
	ck_assert_mem_eq(m->bytes, "4hello", 6);
	ck_assert_int_eq(m->bytes[6], '\0');
	/* ...but the application sees the data alone. */
	size_t len = 99;
	const char *d = eio_msg_data(m, &len);
	ck_assert_uint_eq(len, 5);
	ck_assert_mem_eq(d, "hello", 5);
	eio_msg_unref(m);

	m = eio_msg_text("", 0);
	d = eio_msg_data(m, &len);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(d[0], '\0');
	eio_msg_unref(m);
}
END_TEST

START_TEST(test_msg_binary)
{
	eio_msg *m = eio_msg_binary(S("\x00\x01\xff"));
	ck_assert_ptr_nonnull(m);
	ck_assert(eio_msg_is_binary(m));
	ck_assert_uint_eq(m->len, 3);
	size_t len = 99;
	const unsigned char *d = eio_msg_data(m, &len);
	ck_assert_uint_eq(len, 3);
	ck_assert_mem_eq(d, "\x00\x01\xff", 3); /* raw, no type byte */
	eio_msg_unref(m);

	m = eio_msg_binary(NULL, 0);
	ck_assert_ptr_nonnull(m);
	eio_msg_data(m, &len);
	ck_assert_uint_eq(len, 0);
	eio_msg_unref(m);
}
END_TEST

START_TEST(test_msg_copies_input)
{
	char src[] = "abc";
	eio_msg *m = eio_msg_text(src, 3);
	src[0] = 'X';
	size_t len;
	ck_assert_mem_eq(eio_msg_data(m, &len), "abc", 3);
	eio_msg_unref(m);
}
END_TEST

START_TEST(test_msg_refcount)
{
	eio_msg *m = eio_msg_text(S("x"));
	ck_assert_ptr_eq(eio_msg_ref(m), m);
	ck_assert_ptr_eq(eio_msg_ref(m), m);
	ck_assert_uint_eq(m->refs, 3);
	eio_msg_unref(m);
	ck_assert_uint_eq(m->refs, 2);
	size_t len;
	ck_assert_mem_eq(eio_msg_data(m, &len), "x", 1); /* still alive */
	eio_msg_unref(m);
	ck_assert_uint_eq(m->refs, 1);
	eio_msg_unref(m);    /* freed: ASan / valgrind catch a leak or double free */
	eio_msg_unref(NULL); /* a no-op, like free(NULL) */
}
END_TEST

START_TEST(test_msg_packet)
{
	eio_msg *m = eio_msg_packet(EIO_PKT_OPEN, S("{\"sid\":\"x\"}"));
	ck_assert(!eio_msg_is_binary(m));
	ck_assert_uint_eq(m->len, 12);
	ck_assert_mem_eq(m->bytes, "0{\"sid\":\"x\"}", 12);
	eio_msg_unref(m);
}
END_TEST

static Suite *packet_suite(void)
{
	Suite *s = suite_create("eio_packet");
	TCase *d = tcase_create("decode");
	tcase_add_loop_test(d, test_decode_each_type, 0, 7);
	tcase_add_test(d, test_decode_length_is_respected);
	tcase_add_test(d, test_decode_empty);
	tcase_add_loop_test(d, test_decode_bad_type, 0, NCASES(bad_first_bytes));
	suite_add_tcase(s, d);

	TCase *p = tcase_create("payload");
	tcase_add_test(p, test_payload_single);
	tcase_add_test(p, test_payload_several);
	tcase_add_test(p, test_payload_binary);
	tcase_add_test(p, test_payload_mixed_in_order);
	tcase_add_test(p, test_payload_binary_scratch_reuse);
	tcase_add_test(p, test_payload_null_buffer);
	tcase_add_loop_test(p, test_payload_malformed, 0, NCASES(bad_cases));
	suite_add_tcase(s, p);

	TCase *w = tcase_create("writer");
	tcase_add_test(w, test_record_text);
	tcase_add_loop_test(w, test_record_binary_vectors, 0, NCASES(b64_cases));
	tcase_add_test(w, test_record_binary_roundtrip);
	tcase_add_test(w, test_record_payload_join);
	suite_add_tcase(s, w);

	TCase *m = tcase_create("msg");
	tcase_add_test(m, test_msg_text);
	tcase_add_test(m, test_msg_binary);
	tcase_add_test(m, test_msg_copies_input);
	tcase_add_test(m, test_msg_refcount);
	tcase_add_test(m, test_msg_packet);
	suite_add_tcase(s, m);
	return s;
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	return check_main_run(packet_suite());
}
