/* test_sio_msgpack.c - Check unit tests for socketio/sio_msgpack.c, the msgpack
 * parser (socket.io-msgpack-parser 3.0.2: the packet map {type, data, nsp,
 * id} as notepack.io packs it).
 *
 * Decoding: every packet type the client sends, as the text packet the JSON
 * parser would have received (binary values as placeholders + attachments);
 * notepack's undefined, ArrayBuffer and NaN; refused: wrong field types,
 * what isDataValid refuses, truncated input at every length, trailing bytes,
 * nesting beyond SIO_MP_MAX_DEPTH, lengths the input cannot hold, more
 * binary values than allowed. Encoding: events and acks from an sio_out and
 * the control packets from their text, decoded back to the same packet.
 */
#include <check.h>
#include <math.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "../socketio/sio_msgpack.h"
#include "check_main.h"

#define MAXATT SIO_PKT_DEFAULT_MAX_ATTACHMENTS

static sio_mp_in m;
static msgpack_sbuffer sb;
static msgpack_packer pk;

static void setup(void)
{
	sio_mp_in_init(&m);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
}

static void teardown(void)
{
	sio_mp_in_free(&m);
	msgpack_sbuffer_destroy(&sb);
}

static void str(const char *s)
{
	msgpack_pack_str_with_body(&pk, s, strlen(s));
}

static void kv_int(const char *k, int64_t v)
{
	str(k);
	msgpack_pack_int64(&pk, v);
}

/* The packet map's head: n keys in all, type and nsp written; the caller
 * writes the other n - 2. */
static void head(int n, int type, const char *nsp)
{
	msgpack_pack_map(&pk, (size_t)n);
	kv_int("type", type);
	str("nsp");
	str(nsp);
}

static void undefined(void)
{
	static const char u[] = { (char)0xd4, 0, 0 };
	msgpack_sbuffer_write(&sb, u, 3);
}

static int decode(void)
{
	return sio_msgpack_decode(sb.data, sb.size, MAXATT, &m);
}

static void assert_text(const char *want)
{
	ck_assert_int_eq(decode(), 0);
	ck_assert_uint_eq(m.text.len, strlen(want));
	ck_assert_msg(memcmp(m.text.data, want, m.text.len) == 0, "got %.*s, want %s",
	              (int)m.text.len, m.text.data, want);
}

static void assert_att(int i, const void *want, size_t n)
{
	ck_assert_int_gt(m.natts, i);
	size_t len;
	const void *p = eio_msg_data(m.atts[i], &len);
	ck_assert_uint_eq(len, n);
	ck_assert(n == 0 || memcmp(p, want, n) == 0);
}

/* ---- valid packets ---------------------------------------------------------- */

START_TEST(test_connect)
{
	head(2, 0, "/");
	assert_text("0");
	ck_assert_int_eq(m.pkt.type, SIO_PKT_CONNECT);
	msgpack_sbuffer_clear(&sb);
	head(3, 0, "/admin");
	str("data");
	msgpack_pack_map(&pk, 2);
	str("token");
	str("abc");
	str("n");
	msgpack_pack_array(&pk, 2);
	msgpack_pack_int(&pk, -1);
	msgpack_pack_double(&pk, 2.5);
	assert_text("0/admin,{\"token\":\"abc\",\"n\":[-1,2.5]}");
	ck_assert_uint_eq(m.pkt.nsp_len, 6);
	msgpack_sbuffer_clear(&sb);
	head(3, 0, "/"); /* socket.io-client without auth: data undefined */
	str("data");
	undefined();
	assert_text("0");
}
END_TEST

START_TEST(test_disconnect)
{
	head(2, 1, "/chat");
	assert_text("1/chat,");
	ck_assert_int_eq(m.pkt.type, SIO_PKT_DISCONNECT);
}
END_TEST

START_TEST(test_event_and_ack)
{
	head(4, 2, "/");
	str("data");
	msgpack_pack_array(&pk, 5);
	str("hello");
	msgpack_pack_nil(&pk);
	msgpack_pack_true(&pk);
	msgpack_pack_uint64(&pk, UINT64_MAX); /* beyond int64: a double, as in JS */
	msgpack_pack_map(&pk, 0);
	kv_int("id", 12);
	assert_text("212[\"hello\",null,true,18446744073709552000,{}]");
	ck_assert_int_eq(m.pkt.id, 12);
	msgpack_sbuffer_clear(&sb);
	head(4, 3, "/x");
	kv_int("id", 0);
	str("data");
	msgpack_pack_array(&pk, 0);
	assert_text("3/x,0[]");
	ck_assert_int_eq(m.pkt.type, SIO_PKT_ACK);
}
END_TEST

/* Binary values become attachments: a BINARY_EVENT / BINARY_ACK. */
START_TEST(test_binary)
{
	static const char ab[] = { 0xc7, 1, 0, 'z' }; /* ext 8 type 0, length 1: ArrayBuffer */
	head(3, 2, "/");
	str("data");
	msgpack_pack_array(&pk, 4);
	str("up");
	msgpack_pack_bin_with_body(&pk, "\x00\x01\x02", 3);
	msgpack_pack_map(&pk, 1);
	str("deep");
	msgpack_pack_bin_with_body(&pk, "", 0);
	msgpack_sbuffer_write(&sb, ab, sizeof(ab));
	assert_text("53-[\"up\",{\"_placeholder\":true,\"num\":0},{\"deep\":{\"_placeholder\":true,"
	            "\"num\":1}},{\"_placeholder\":true,\"num\":2}]");
	ck_assert_int_eq(m.pkt.type, SIO_PKT_BINARY_EVENT);
	ck_assert_int_eq(m.natts, 3);
	assert_att(0, "\x00\x01\x02", 3);
	assert_att(1, "", 0);
	assert_att(2, "z", 1);
	msgpack_sbuffer_clear(&sb);
	head(4, 3, "/");
	kv_int("id", 5);
	str("data");
	msgpack_pack_array(&pk, 1);
	msgpack_pack_bin_with_body(&pk, "ab", 2);
	assert_text("61-5[{\"_placeholder\":true,\"num\":0}]");
	ck_assert_int_eq(m.pkt.type, SIO_PKT_BINARY_ACK);
}
END_TEST

/* notepack: undefined is null in an array and drops a map key; NaN is null. */
START_TEST(test_undefined_nan)
{
	head(3, 2, "/");
	str("data");
	msgpack_pack_array(&pk, 4);
	str("e");
	undefined();
	msgpack_pack_map(&pk, 2);
	str("gone");
	undefined();
	str("kept");
	msgpack_pack_int(&pk, 1);
	msgpack_pack_double(&pk, NAN);
	assert_text("2[\"e\",null,{\"kept\":1},null]");
}
END_TEST

/* Other keys are ignored; the last of a repeated key wins (a JS object). */
START_TEST(test_other_keys)
{
	head(6, 1, "/");
	kv_int("extra", 1);
	msgpack_pack_int(&pk, 7); /* a non-string key */
	msgpack_pack_int(&pk, 7);
	kv_int("type", 2);
	str("data");
	msgpack_pack_array(&pk, 1);
	str("ev");
	assert_text("2[\"ev\"]");
}
END_TEST

/* ---- refused ---------------------------------------------------------------- */

static void assert_refused(void)
{
	int r = decode();
	ck_assert_msg(r < 0, "accepted: %.*s", (int)m.text.len, m.text.data);
	ck_assert_ptr_null(m.atts);
	ck_assert_int_eq(m.natts, 0);
	ck_assert_uint_eq(m.text.len, 0);
	ck_assert_int_eq(m.pkt.type, -1);
	ck_assert_str_ne(sio_msgpack_strerror(r), "unknown packet error");
	msgpack_sbuffer_clear(&sb);
}

START_TEST(test_wrong_fields)
{
	msgpack_pack_array(&pk, 0); /* not a map */
	assert_refused();
	msgpack_pack_map(&pk, 1); /* no type */
	str("nsp");
	str("/");
	assert_refused();
	head(2, 5, "/"); /* BINARY_EVENT is not a msgpack packet type */
	assert_refused();
	head(2, -1, "/");
	assert_refused();
	msgpack_pack_map(&pk, 2); /* type a float */
	str("type");
	msgpack_pack_double(&pk, 1.0);
	str("nsp");
	str("/");
	assert_refused();
	msgpack_pack_map(&pk, 2); /* type a string */
	str("type");
	str("1");
	str("nsp");
	str("/");
	assert_refused();
	msgpack_pack_map(&pk, 1); /* no nsp */
	kv_int("type", 1);
	assert_refused();
	msgpack_pack_map(&pk, 2); /* nsp not a string */
	kv_int("type", 1);
	kv_int("nsp", 1);
	assert_refused();
	head(2, 1, "/a,b"); /* a namespace the text form cannot carry */
	assert_refused();
	head(2, 1, "/bad\xff");
	assert_refused();
	int64_t ids[] = { -1, SIO_PKT_MAX_ID + 1 };
	for (int i = 0; i < 2; i++) {
		head(4, 2, "/");
		kv_int("id", ids[i]);
		str("data");
		msgpack_pack_array(&pk, 1);
		str("e");
		assert_refused();
	}
	head(4, 2, "/");
	str("id");
	str("1");
	str("data");
	msgpack_pack_array(&pk, 1);
	str("e");
	assert_refused();
}
END_TEST

/* isDataValid, and the event name rules of the text parser. */
START_TEST(test_wrong_data)
{
	head(3, 1, "/"); /* DISCONNECT with data */
	str("data");
	msgpack_pack_map(&pk, 0);
	assert_refused();
	head(3, 0, "/"); /* CONNECT with an array */
	str("data");
	msgpack_pack_array(&pk, 0);
	assert_refused();
	head(2, 2, "/"); /* EVENT without data */
	assert_refused();
	head(3, 2, "/"); /* EVENT with an object */
	str("data");
	msgpack_pack_map(&pk, 0);
	assert_refused();
	head(3, 2, "/"); /* EVENT without a name */
	str("data");
	msgpack_pack_array(&pk, 0);
	assert_refused();
	head(3, 2, "/"); /* a name neither string nor number (the text parser's rule) */
	str("data");
	msgpack_pack_array(&pk, 1);
	msgpack_pack_nil(&pk);
	assert_refused();
	head(3, 2, "/"); /* a reserved name */
	str("data");
	msgpack_pack_array(&pk, 1);
	str("connect");
	assert_refused();
	head(3, 2, "/"); /* a non-string key inside data */
	str("data");
	msgpack_pack_array(&pk, 2);
	str("e");
	msgpack_pack_map(&pk, 1);
	msgpack_pack_int(&pk, 1);
	msgpack_pack_int(&pk, 1);
	assert_refused();
	static const char date[] = { 0xd7, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const char ext5[] = { 0xd4, 5, 0 };
	const char *exts[] = { date, ext5 };
	size_t extn[] = { sizeof(date), sizeof(ext5) };
	for (int i = 0; i < 2; i++) {
		head(3, 2, "/");
		str("data");
		msgpack_pack_array(&pk, 2);
		str("e");
		msgpack_sbuffer_write(&sb, exts[i], extn[i]);
		assert_refused();
	}
	head(3, 2, "/"); /* invalid UTF-8 in a string */
	str("data");
	msgpack_pack_array(&pk, 2);
	str("e");
	str("\xc3\x28");
	assert_refused();
	for (int bin = 0; bin <= 1; bin++) { /* a literal placeholder next to binary */
		head(3, 2, "/");
		str("data");
		msgpack_pack_array(&pk, 2 + bin);
		str("e");
		msgpack_pack_map(&pk, 2);
		str("_placeholder");
		msgpack_pack_true(&pk);
		kv_int("num", 0);
		if (bin)
			msgpack_pack_bin_with_body(&pk, "x", 1);
		if (bin) {
			assert_refused();
		} else { /* without binary it is plain data, as for the text parser */
			assert_text("2[\"e\",{\"_placeholder\":true,\"num\":0}]");
			msgpack_sbuffer_clear(&sb);
		}
	}
	head(3, 0, "/"); /* binary in a CONNECT */
	str("data");
	msgpack_pack_map(&pk, 1);
	str("b");
	msgpack_pack_bin_with_body(&pk, "x", 1);
	assert_refused();
}
END_TEST

START_TEST(test_too_many_binaries)
{
	head(3, 2, "/");
	str("data");
	msgpack_pack_array(&pk, 1 + MAXATT);
	str("e");
	for (int i = 0; i < MAXATT; i++)
		msgpack_pack_bin_with_body(&pk, "x", 1);
	ck_assert_int_eq(decode(), 0);
	ck_assert_int_eq(m.natts, MAXATT);
	msgpack_sbuffer_clear(&sb);
	head(3, 2, "/");
	str("data");
	msgpack_pack_array(&pk, 2 + MAXATT);
	str("e");
	for (int i = 0; i <= MAXATT; i++)
		msgpack_pack_bin_with_body(&pk, "x", 1);
	ck_assert_int_eq(decode(), SIO_PKT_ETOOMANY);
}
END_TEST

/* Every proper prefix of a valid packet is refused, and so are trailing bytes. */
START_TEST(test_truncated_trailing)
{
	head(4, 2, "/ns");
	kv_int("id", 70000);
	str("data");
	msgpack_pack_array(&pk, 4);
	str("e");
	msgpack_pack_bin_with_body(&pk, "bytes", 5);
	msgpack_pack_double(&pk, 0.25);
	msgpack_pack_str_with_body(&pk, "a longer string of text, more than 31 bytes long", 48);
	size_t n = sb.size;
	char *full = malloc(n + 1);
	memcpy(full, sb.data, n);
	ck_assert_int_eq(sio_msgpack_decode(full, n, MAXATT, &m), 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(sio_msgpack_decode(full, i, MAXATT, &m), SIO_MP_EFORMAT);
	full[n] = (char)0xc0;
	ck_assert_int_eq(sio_msgpack_decode(full, n + 1, MAXATT, &m), SIO_MP_EFORMAT);
	ck_assert_int_eq(sio_msgpack_decode(NULL, 0, MAXATT, &m), SIO_MP_EFORMAT);
	free(full);
	msgpack_sbuffer_write(&sb, "\xc1", 1); /* the byte msgpack never uses */
	assert_refused();
}
END_TEST

/* Nesting: SIO_MP_MAX_DEPTH containers, the packet map included, and no more. */
START_TEST(test_depth)
{
	for (int extra = 0; extra <= 1; extra++) {
		msgpack_sbuffer_clear(&sb);
		head(3, 2, "/");
		str("data");
		msgpack_pack_array(&pk, 2);
		str("e");
		int arrays = SIO_MP_MAX_DEPTH - 2 + extra;
		for (int i = 0; i < arrays; i++)
			msgpack_pack_array(&pk, 1);
		msgpack_pack_int(&pk, 1);
		ck_assert_int_eq(decode(), extra ? SIO_MP_EDEPTH : 0);
	}
}
END_TEST

/* Lengths beyond the input: refused before anything is allocated. */
START_TEST(test_huge_lengths)
{
	static const unsigned char cases[][6] = {
		{ 0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0 }, /* array 32 */
		{ 0xdf, 0xff, 0xff, 0xff, 0xff, 0xc0 }, /* map 32 */
		{ 0xdb, 0xff, 0xff, 0xff, 0xff, 0x61 }, /* str 32 */
		{ 0xc6, 0xff, 0xff, 0xff, 0xff, 0x61 }, /* bin 32 */
		{ 0xc9, 0xff, 0xff, 0xff, 0xff, 0x00 }, /* ext 32 */
		{ 0xde, 0x00, 0x03, 0xc0, 0xc0, 0xc0 }, /* map 16 of 3: 6 values, 3 bytes */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		msgpack_sbuffer_clear(&sb);
		head(3, 2, "/");
		str("data");
		msgpack_pack_array(&pk, 2);
		str("e");
		msgpack_sbuffer_write(&sb, (const char *)cases[i], 6);
		ck_assert_int_eq(decode(), SIO_MP_EFORMAT);
	}
}
END_TEST

/* ---- encoding ----------------------------------------------------------------- */

static void decode_msg(eio_msg *msg)
{
	ck_assert_ptr_nonnull(msg);
	ck_assert(eio_msg_is_binary(msg));
	size_t n;
	const char *p = eio_msg_data(msg, &n);
	ck_assert_int_eq(sio_msgpack_decode(p, n, MAXATT, &m), 0);
}

START_TEST(test_encode_event_round_trip)
{
	sio_out *o = sio_out_new();
	sio_out_str(o, "s");
	sio_out_int(o, -5);
	sio_out_double(o, 1.5);
	sio_out_object_begin(o);
	sio_out_key(o, "b");
	sio_out_binary(o, "\x00\xff", 2);
	sio_out_key(o, "l");
	sio_out_array_begin(o);
	sio_out_bool(o, true);
	sio_out_bool(o, false);
	sio_out_null(o);
	sio_out_array_end(o);
	sio_out_object_end(o);
	eio_msg *msg = sio_msgpack_encode_event(SIO_PKT_EVENT, "/n", 2, 9, "ev", o);
	decode_msg(msg);
	const char *want = "51-/n,9[\"ev\",\"s\",-5,1.5,{\"b\":{\"_placeholder\":true,\"num\":0},"
	                   "\"l\":[true,false,null]}]";
	ck_assert_uint_eq(m.text.len, strlen(want));
	ck_assert(memcmp(m.text.data, want, m.text.len) == 0);
	assert_att(0, "\x00\xff", 2);
	eio_msg_unref(msg);

	/* an ACK with no event name, to the main namespace */
	msg = sio_msgpack_encode_event(SIO_PKT_ACK, "/", 1, 3, NULL, NULL);
	decode_msg(msg);
	ck_assert_uint_eq(m.text.len, 4);
	ck_assert(memcmp(m.text.data, "33[]", 4) == 0);
	ck_assert_int_eq(m.pkt.type, SIO_PKT_ACK);
	ck_assert_int_eq(m.pkt.id, 3);
	eio_msg_unref(msg);
	sio_out_free(o);
}
END_TEST

/* The control packets, and a decoded packet re-encoded (from_packet). */
START_TEST(test_from_text_round_trip)
{
	static const char *texts[] = {
		"0{\"sid\":\"abc\"}",
		"0/admin,{\"sid\":\"x\"}",
		"4{\"message\":\"refused\",\"data\":{\"code\":42}}",
		"1/chat,",
	};
	for (int i = 0; i < 4; i++) {
		eio_msg *msg = sio_msgpack_from_text(texts[i], strlen(texts[i]));
		/* CONNECT_ERROR and a server's CONNECT data are not what a client
		 * sends; check the bytes with the lenient path: from_packet again. */
		ck_assert_ptr_nonnull(msg);
		size_t n;
		const char *p = eio_msg_data(msg, &n);
		int r = sio_msgpack_decode(p, n, MAXATT, &m);
		if (r == 0) {
			ck_assert_uint_eq(m.text.len, strlen(texts[i]));
			ck_assert(memcmp(m.text.data, texts[i], m.text.len) == 0);
		} else {
			ck_assert_int_eq(
			        i, 2); /* a client's CONNECT_ERROR: refused by the text parser */
		}
		eio_msg_unref(msg);
	}
	ck_assert_ptr_null(sio_msgpack_from_text("9", 1));

	head(3, 2, "/");
	str("data");
	msgpack_pack_array(&pk, 3);
	str("e");
	msgpack_pack_bin_with_body(&pk, "q", 1);
	msgpack_pack_map(&pk, 1);
	str("k");
	msgpack_pack_array(&pk, 0);
	ck_assert_int_eq(decode(), 0);
	base_buf out;
	base_buf_init(&out);
	ck_assert_int_eq(sio_msgpack_from_packet(&m.pkt, m.atts, m.natts, &out), 0);
	sio_mp_in again;
	sio_mp_in_init(&again);
	ck_assert_int_eq(sio_msgpack_decode(out.data, out.len, MAXATT, &again), 0);
	ck_assert_uint_eq(again.text.len, m.text.len);
	ck_assert(memcmp(again.text.data, m.text.data, m.text.len) == 0);
	ck_assert_int_eq(again.natts, 1);
	ck_assert_int_eq(sio_msgpack_from_packet(&m.pkt, m.atts, 0, &out), SIO_PKT_EINVAL);
	sio_mp_in_free(&again);
	base_buf_free(&out);
}
END_TEST

static Suite *msgpack_suite(void)
{
	Suite *s = suite_create("sio_msgpack");
	TCase *d = tcase_create("decode");
	tcase_add_checked_fixture(d, setup, teardown);
	tcase_add_test(d, test_connect);
	tcase_add_test(d, test_disconnect);
	tcase_add_test(d, test_event_and_ack);
	tcase_add_test(d, test_binary);
	tcase_add_test(d, test_undefined_nan);
	tcase_add_test(d, test_other_keys);
	suite_add_tcase(s, d);
	TCase *r = tcase_create("refused");
	tcase_add_checked_fixture(r, setup, teardown);
	tcase_add_test(r, test_wrong_fields);
	tcase_add_test(r, test_wrong_data);
	tcase_add_test(r, test_too_many_binaries);
	tcase_add_test(r, test_truncated_trailing);
	tcase_add_test(r, test_depth);
	tcase_add_test(r, test_huge_lengths);
	suite_add_tcase(s, r);
	TCase *e = tcase_create("encode");
	tcase_add_checked_fixture(e, setup, teardown);
	tcase_add_test(e, test_encode_event_round_trip);
	tcase_add_test(e, test_from_text_round_trip);
	suite_add_tcase(s, e);
	return s;
}

int main(void)
{
	return check_main_run(msgpack_suite());
}
