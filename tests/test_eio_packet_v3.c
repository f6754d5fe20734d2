/* test_eio_packet_v3.c - Check unit tests for engineio/eio_packet_v3.c, the
 * Engine.IO v3 payload codec (allow_eio3).
 *
 * Against node's engine.io-parser v3 (engine.io 6.6 build/parser-v3): text
 * payloads "<length>:<packet>" whose length counts UTF-16 code units (an emoji
 * is 2, an accented letter 1), "b4<base64>" binary records, the binary payload
 * form (<0|1><digit bytes><0xff><data>); every malformed form refused, the
 * packets before a malformed record still delivered; and the writer, checked
 * byte for byte and by a write/read round trip.
 */
#include <check.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engineio/eio_packet_v3.h"
#include "check_main.h"

#define S(lit)    lit, sizeof(lit) - 1 /* literal with its exact length */
#define NCASES(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Decode a whole payload into "type:data|" text (binary data as hex, after
 * a 'b'); returns the iterator's final result (0 or an error). */
static int decode_all(const char *buf, size_t len, char *out, size_t cap)
{
	eio_payload_iter it;
	eio_packet p;
	int r;
	size_t o = 0;
	out[0] = '\0';
	eio_payload_iter_init(&it, buf, len);
	while ((r = eio_payload_v3_next(&it, &p)) > 0) {
		o += (size_t)snprintf(out + o, cap - o, "%c%s:", p.type, p.binary ? "b" : "");
		for (size_t i = 0; i < p.len; i++)
			o += (size_t)(p.binary ? snprintf(out + o, cap - o, "%02x",
			                                  (unsigned char)p.data[i])
			                       : snprintf(out + o, cap - o, "%c", p.data[i]));
		o += (size_t)snprintf(out + o, cap - o, "|");
	}
	eio_payload_iter_free(&it);
	return r;
}

START_TEST(test_utf16_len)
{
	ck_assert_uint_eq(eio_utf16_len(S("abc")), 3);
	ck_assert_uint_eq(eio_utf16_len(S("\xc3\xa9")), 1);         /* é */
	ck_assert_uint_eq(eio_utf16_len(S("\xe2\x82\xac")), 1);     /* € */
	ck_assert_uint_eq(eio_utf16_len(S("\xf0\x9f\x98\x80")), 2); /* 😀 */
	ck_assert_uint_eq(eio_utf16_len(S("4h\xc3\xa9\xf0\x9f\x98\x80")), 5);
}
END_TEST

static const struct {
	const char *in;
	size_t len;
	const char *want;
} good_cases[] = {
	{ S("1:6"), "6:|" },
	{ S("6:4hello2:40"), "4:hello|4:0|" },
	{ S("0:1:6"), "6:|" },                 /* an empty record is skipped */
	{ S("3:4\xc3\xa9x"), "4:\xc3\xa9x|" }, /* é: 1 unit, 2 bytes */
	{ S("3:4\xf0\x9f\x98\x80"
	    "1:2"),
	  "4:\xf0\x9f\x98\x80|2:|" }, /* 😀: 2 units */
	{ S("6:b4AQID"), "4b:010203|" },
	{ S("2:b4"), "4b:|" },
	{ S("6:2probe"), "2:probe|" },
	/* Binary form. */
	{ S("\x00\x01\xff"
	    "6"),
	  "6:|" },
	{ S("\x01\x04\xff\x04\x01\x02\x03"), "4b:010203|" },
	{ S("\x00\x02\xff"
	    "4a"
	    "\x01\x02\xff\x04\xff"),
	  "4:a|4b:ff|" },
	{ S("\x00\x01\x00\xff"
	    "4123456789"),
	  "4:123456789|" },
	{ S("\x00\x05\xff"
	    "4\xf0\x9f\x98\x80"),
	  "4:\xf0\x9f\x98\x80|" },
};

START_TEST(test_payload_good)
{
	char out[256];
	ck_assert_int_eq(decode_all(good_cases[_i].in, good_cases[_i].len, out, sizeof(out)), 0);
	ck_assert_str_eq(out, good_cases[_i].want);
}
END_TEST

static const struct {
	const char *in;
	size_t len;
	const char *before; /* what is delivered before the error */
} bad_cases[] = {
	{ S(""), "" },
	{ S(":"), "" },
	{ S("6"), "" },
	{ S("a:4"), "" },
	{ S("3:4a"), "" },                /* cut short */
	{ S("1:9"), "" },                 /* no such type */
	{ S("12345678901:4"), "" },       /* length too long */
	{ S("2:4\xf0\x9f\x98\x80"), "" }, /* splits a surrogate pair */
	{ S("5:4\xf0\x9f\x98\x80"), "" }, /* past the end */
	{ S("2:4\xff"), "" },             /* not UTF-8 */
	{ S("3:4\xc0\x80"), "" },         /* overlong */
	{ S("4:4\xed\xa0\x80"), "" },     /* a surrogate in UTF-8 */
	{ S("2:b5"), "" },                /* binary non-message */
	{ S("5:b4AQI"), "" },             /* bad base64 */
	{ S("1:61:9"), "6:|" },           /* earlier packets delivered */
	{ S("1:61"), "6:|" },             /* a length with no ':' */
	{ S("\x02\x01\xff"
	    "6"),
	  "" }, /* kind byte not 0 or 1 */
	{ S("\x00\x01"
	    "6"),
	  "" }, /* no 0xff */
	{ S("\x00\x0a\xff"
	    "6"),
	  "" }, /* digit byte over 9 */
	{ S("\x00\xff"
	    "6"),
	  "" },                    /* no digits */
	{ S("\x00\x00\xff"), "" }, /* zero length */
	{ S("\x00\x05\xff"
	    "6"),
	  "" },                            /* past the end */
	{ S("\x01\x02\xff\x05\x01"), "" }, /* binary record not a message */
	{ S("\x00\x01\xff"
	    "9"),
	  "" }, /* no such type */
	{ S("\x00\x02\xff"
	    "4\xff"),
	  "" }, /* not UTF-8 */
	{ S("\x00\x01\xff"
	    "6"
	    "\x00"),
	  "6:|" }, /* a record cut short after one */
	{ S("\x00\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\xff"), "" }, /* 11 digits */
};

START_TEST(test_payload_malformed)
{
	char out[256];
	ck_assert_int_eq(decode_all(bad_cases[_i].in, bad_cases[_i].len, out, sizeof(out)),
	                 EIO_EPARSE);
	ck_assert_str_eq(out, bad_cases[_i].before);
}
END_TEST

START_TEST(test_null_payload)
{
	char out[16];
	ck_assert_int_eq(decode_all(NULL, 0, out, sizeof(out)), EIO_EPARSE);
}
END_TEST

/* Write one message as a record, compare it byte for byte. */
static void check_record(eio_msg *m, bool binary_form, const char *want, size_t want_len)
{
	size_t n = eio_payload_v3_record_len(m, binary_form);
	ck_assert_uint_eq(n, want_len);
	char *buf = malloc(n + 1);
	char *end = eio_payload_v3_write_record(buf, m, binary_form);
	ck_assert_uint_eq((size_t)(end - buf), want_len);
	ck_assert_mem_eq(buf, want, want_len);
	free(buf);
	eio_msg_unref(m);
}

START_TEST(test_write_text_form)
{
	/* "4héllo😀": 11 bytes, 8 UTF-16 units. */
	check_record(eio_msg_text(S("h\xc3\xa9llo\xf0\x9f\x98\x80")), false,
	             S("8:4h\xc3\xa9llo\xf0\x9f\x98\x80"));
	check_record(eio_msg_binary("\x01\x02\x03", 3), false, S("6:b4AQID"));
	check_record(eio_msg_binary("", 0), false, S("2:b4"));
}
END_TEST

START_TEST(test_write_binary_form)
{
	check_record(eio_msg_text(S("h\xc3\xa9llo\xf0\x9f\x98\x80")), true,
	             S("\x00\x01\x01\xff"
	               "4h\xc3\xa9llo\xf0\x9f\x98\x80"));
	check_record(eio_msg_binary("\x01\x02\x03", 3), true, S("\x01\x04\xff\x04\x01\x02\x03"));
}
END_TEST

/* Every message written in either form reads back as it was. */
START_TEST(test_roundtrip)
{
	bool binary_form = _i;
	unsigned char big[300];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)i;
	eio_msg *msgs[] = {
		eio_msg_text(S("\xf0\x9f\x98\x80\xf0\x9f\x98\x80 x")),
		eio_msg_binary(big, sizeof(big)),
		eio_msg_text(S("")),
		eio_msg_binary("\x00", 1),
	};
	size_t total = 0;
	for (int i = 0; i < NCASES(msgs); i++)
		total += eio_payload_v3_record_len(msgs[i], binary_form);
	char *buf = malloc(total + 1), *p = buf;
	for (int i = 0; i < NCASES(msgs); i++)
		p = eio_payload_v3_write_record(p, msgs[i], binary_form);
	ck_assert_uint_eq((size_t)(p - buf), total);
	eio_payload_iter it;
	eio_packet pk;
	eio_payload_iter_init(&it, buf, total);
	for (int i = 0; i < NCASES(msgs); i++) {
		ck_assert_int_eq(eio_payload_v3_next(&it, &pk), 1);
		ck_assert_int_eq(pk.type, '4');
		ck_assert(pk.binary == eio_msg_is_binary(msgs[i]));
		size_t len;
		const char *want = eio_msg_data(msgs[i], &len);
		ck_assert_uint_eq(pk.len, len);
		ck_assert_mem_eq(pk.data, want, len);
	}
	ck_assert_int_eq(eio_payload_v3_next(&it, &pk), 0);
	eio_payload_iter_free(&it);
	free(buf);
	for (int i = 0; i < NCASES(msgs); i++)
		eio_msg_unref(msgs[i]);
}
END_TEST

static Suite *packet_v3_suite(void)
{
	Suite *s = suite_create("eio_packet_v3");
	TCase *d = tcase_create("decode");
	tcase_add_test(d, test_utf16_len);
	tcase_add_loop_test(d, test_payload_good, 0, NCASES(good_cases));
	tcase_add_loop_test(d, test_payload_malformed, 0, NCASES(bad_cases));
	tcase_add_test(d, test_null_payload);
	suite_add_tcase(s, d);
	TCase *w = tcase_create("writer");
	tcase_add_test(w, test_write_text_form);
	tcase_add_test(w, test_write_binary_form);
	tcase_add_loop_test(w, test_roundtrip, 0, 2);
	suite_add_tcase(s, w);
	return s;
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	return check_main_run(packet_v3_suite());
}
