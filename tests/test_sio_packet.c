/* test_sio_packet.c - Check unit tests for socketio/sio_packet.c.
 *
 * Covers every packet form of the Socket.IO v5 protocol's examples ("Packet
 * format", "Exchange protocol"), the acceptance rules of socket.io-parser 4.2
 * (decodeString, isPayloadValid, reconstructPacket) and the places where the
 * decoder is deliberately stricter, the placeholder helpers, the encoders,
 * and encode/decode round trips. The strings here are Socket.IO packets, i.e.
 * Engine.IO messages without their leading '4' ("40/custom" on the wire is
 * "0/custom" here).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../socketio/sio_packet.h"
#include "check_main.h"

#define S(lit)    lit, sizeof(lit) - 1 /* literal with its exact length */
#define NCASES(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define MAXATT    SIO_PKT_DEFAULT_MAX_ATTACHMENTS

static sio_packet pkt;
static base_buf buf;

static void setup(void)
{
	sio_packet_init(&pkt);
	base_buf_init(&buf);
}

static void teardown(void)
{
	sio_packet_free(&pkt);
	base_buf_free(&buf);
}

static int decode_str(const char *s)
{
	return sio_packet_decode(s, strlen(s), MAXATT, &pkt);
}

static void assert_nsp(const char *nsp)
{
	ck_assert_uint_eq(pkt.nsp_len, strlen(nsp));
	ck_assert(memcmp(pkt.nsp, nsp, pkt.nsp_len) == 0);
}

/* ---- accepted forms ------------------------------------------------------ */

static const struct {
	const char *in;
	int type;
	const char *nsp;
	int64_t id;
	int att;
	const char *data;  /* expected raw payload ("" for none) */
	const char *canon; /* what encode_header + data gives; NULL: in */
} accept_cases[] = {
	/* CONNECT: with and without namespace and payload */
	{ "0", SIO_PKT_CONNECT, "/", -1, 0, "", NULL },
	{ "0/custom,", SIO_PKT_CONNECT, "/custom", -1, 0, "", NULL },
	{ "0/custom", SIO_PKT_CONNECT, "/custom", -1, 0, "", "0/custom," },
	{ "0/admin,{\"token\":\"123\"}", SIO_PKT_CONNECT, "/admin", -1, 0, "{\"token\":\"123\"}",
	  NULL },
	{ "0{\"token\":\"123\"}", SIO_PKT_CONNECT, "/", -1, 0, "{\"token\":\"123\"}", NULL },
	{ "0{}", SIO_PKT_CONNECT, "/", -1, 0, "{}", NULL },
	{ "0/,{}", SIO_PKT_CONNECT, "/", -1, 0, "{}", "0{}" },
	{ "0/", SIO_PKT_CONNECT, "/", -1, 0, "", "0" },
	/* node reads to the comma or the end, whatever the characters */
	{ "0/admin{\"x\":1}", SIO_PKT_CONNECT, "/admin{\"x\":1}", -1, 0, "", "0/admin{\"x\":1}," },
	{ "0/a b[c]\xc3\xa9,{}", SIO_PKT_CONNECT, "/a b[c]\xc3\xa9", -1, 0, "{}", NULL },
	{ "0/a/b,{}", SIO_PKT_CONNECT, "/a/b", -1, 0, "{}", NULL },
	/* DISCONNECT */
	{ "1", SIO_PKT_DISCONNECT, "/", -1, 0, "", NULL },
	{ "1/admin,", SIO_PKT_DISCONNECT, "/admin", -1, 0, "", NULL },
	{ "1/admin", SIO_PKT_DISCONNECT, "/admin", -1, 0, "", "1/admin," },
	{ "11", SIO_PKT_DISCONNECT, "/", 1, 0, "", NULL }, /* node too */
	/* EVENT */
	{ "2[\"hello\",1]", SIO_PKT_EVENT, "/", -1, 0, "[\"hello\",1]", NULL },
	{ "2/admin,456[\"project:delete\",123]", SIO_PKT_EVENT, "/admin", 456, 0,
	  "[\"project:delete\",123]", NULL },
	{ "20[\"x\"]", SIO_PKT_EVENT, "/", 0, 0, "[\"x\"]", NULL },
	{ "2/admin,0[\"x\"]", SIO_PKT_EVENT, "/admin", 0, 0, "[\"x\"]", NULL },
	{ "2007[\"x\"]", SIO_PKT_EVENT, "/", 7, 0, "[\"x\"]", "27[\"x\"]" },
	{ "2[1]", SIO_PKT_EVENT, "/", -1, 0, "[1]", NULL },
	{ "2[-1.5e3,\"x\"]", SIO_PKT_EVENT, "/", -1, 0, "[-1.5e3,\"x\"]", NULL },
	{ "2[\"\"]", SIO_PKT_EVENT, "/", -1, 0, "[\"\"]", NULL },
	{ "2[\"connected\"]", SIO_PKT_EVENT, "/", -1, 0, "[\"connected\"]", NULL },
	{ "2[\"Connect\"]", SIO_PKT_EVENT, "/", -1, 0, "[\"Connect\"]", NULL },
	{ "2[\"x\"] \n", SIO_PKT_EVENT, "/", -1, 0, "[\"x\"] \n", NULL },
	{ "2[\"x\",{\"_placeholder\":true,\"num\":0}]", SIO_PKT_EVENT, "/", -1, 0,
	  "[\"x\",{\"_placeholder\":true,\"num\":0}]", NULL }, /* plain data */
	{ "2[\"\xe4\xb8\xad\",\"\\ud83d\\ude00\"]", SIO_PKT_EVENT, "/", -1, 0,
	  "[\"\xe4\xb8\xad\",\"\\ud83d\\ude00\"]", NULL },
	/* ACK */
	{ "3/admin,456[]", SIO_PKT_ACK, "/admin", 456, 0, "[]", NULL },
	{ "31[\"ok\"]", SIO_PKT_ACK, "/", 1, 0, "[\"ok\"]", NULL },
	{ "30[null,{}]", SIO_PKT_ACK, "/", 0, 0, "[null,{}]", NULL },
	/* CONNECT_ERROR */
	{ "4{\"message\":\"Not authorized\"}", SIO_PKT_CONNECT_ERROR, "/", -1, 0,
	  "{\"message\":\"Not authorized\"}", NULL },
	{ "4/admin,{\"message\":\"x\",\"data\":{\"a\":1}}", SIO_PKT_CONNECT_ERROR, "/admin", -1, 0,
	  "{\"message\":\"x\",\"data\":{\"a\":1}}", NULL },
	{ "4\"Invalid namespace\"", SIO_PKT_CONNECT_ERROR, "/", -1, 0, "\"Invalid namespace\"",
	  NULL },
	/* BINARY_EVENT */
	{ "51-[\"hello\",{\"_placeholder\":true,\"num\":0}]", SIO_PKT_BINARY_EVENT, "/", -1, 1,
	  "[\"hello\",{\"_placeholder\":true,\"num\":0}]", NULL },
	{ "52-/admin,456[\"x\",{\"_placeholder\":true,\"num\":0},"
	  "{\"_placeholder\":true,\"num\":1}]",
	  SIO_PKT_BINARY_EVENT, "/admin", 456, 2,
	  "[\"x\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]", NULL },
	{ "510-[\"x\"]", SIO_PKT_BINARY_EVENT, "/", -1, 10, "[\"x\"]", NULL },
	{ "501-[\"x\"]", SIO_PKT_BINARY_EVENT, "/", -1, 1, "[\"x\"]", "51-[\"x\"]" },
	{ "52-[\"x\",{\"a\":[{\"num\":1,\"_placeholder\":true}]}]", SIO_PKT_BINARY_EVENT, "/", -1,
	  2, "[\"x\",{\"a\":[{\"num\":1,\"_placeholder\":true}]}]", NULL },
	/* only _placeholder === true makes a placeholder (binary.js) */
	{ "51-[\"x\",{\"_placeholder\":false,\"num\":7}]", SIO_PKT_BINARY_EVENT, "/", -1, 1,
	  "[\"x\",{\"_placeholder\":false,\"num\":7}]", NULL },
	{ "51-[\"x\",{\"_placeholder\":\"true\",\"num\":7}]", SIO_PKT_BINARY_EVENT, "/", -1, 1,
	  "[\"x\",{\"_placeholder\":\"true\",\"num\":7}]", NULL },
	{ "52-[\"x\",{\"_placeholder\":true,\"num\":1e0,\"y\":0}]", SIO_PKT_BINARY_EVENT, "/", -1,
	  2, "[\"x\",{\"_placeholder\":true,\"num\":1e0,\"y\":0}]", NULL },
	{ "51-[\"x\",{\"_placeholder\":true,\"num\":-0}]", SIO_PKT_BINARY_EVENT, "/", -1, 1,
	  "[\"x\",{\"_placeholder\":true,\"num\":-0}]", NULL },
	/* a placeholder's inside is not looked into */
	{ "51-[\"x\",{\"_placeholder\":true,\"num\":0,"
	  "\"in\":{\"_placeholder\":true,\"num\":9}}]",
	  SIO_PKT_BINARY_EVENT, "/", -1, 1,
	  "[\"x\",{\"_placeholder\":true,\"num\":0,"
	  "\"in\":{\"_placeholder\":true,\"num\":9}}]",
	  NULL },
	/* the last duplicate key wins, as in JSON.parse */
	{ "51-[\"x\",{\"_placeholder\":true,\"num\":5,\"num\":0}]", SIO_PKT_BINARY_EVENT, "/", -1,
	  1, "[\"x\",{\"_placeholder\":true,\"num\":5,\"num\":0}]", NULL },
	/* BINARY_ACK */
	{ "61-/admin,456[{\"_placeholder\":true,\"num\":0}]", SIO_PKT_BINARY_ACK, "/admin", 456, 1,
	  "[{\"_placeholder\":true,\"num\":0}]", NULL },
	{ "63-0[]", SIO_PKT_BINARY_ACK, "/", 0, 3, "[]", NULL },
	/* big ack ids: up to Number.MAX_SAFE_INTEGER */
	{ "29007199254740991[\"x\"]", SIO_PKT_EVENT, "/", SIO_PKT_MAX_ID, 0, "[\"x\"]", NULL },
	{ "3/a,4294967296[]", SIO_PKT_ACK, "/a", 4294967296LL, 0, "[]", NULL },
	{ "3000000000000000000000000001[]", SIO_PKT_ACK, "/", 1, 0, "[]", "31[]" },
};

START_TEST(test_accept)
{
	const char *in = accept_cases[_i].in;
	const char *canon = accept_cases[_i].canon ? accept_cases[_i].canon : in;
	size_t n = strlen(accept_cases[_i].data);
	int rc = decode_str(in);

	ck_assert_msg(rc == 0, "%s: %s", in, sio_packet_strerror(rc));
	ck_assert_int_eq(pkt.type, accept_cases[_i].type);
	assert_nsp(accept_cases[_i].nsp);
	ck_assert_int_eq(pkt.id, accept_cases[_i].id);
	ck_assert_int_eq(pkt.attachments, accept_cases[_i].att);
	ck_assert_uint_eq(pkt.data_len, n);
	if (n) {
		ck_assert(memcmp(pkt.data, accept_cases[_i].data, n) == 0);
		ck_assert_int_eq(base_json_root(&pkt.doc), 0);
	} else {
		ck_assert_int_eq(base_json_root(&pkt.doc), -1);
	}
	ck_assert(sio_packet_placeholders_valid(&pkt));

	/* re-encode: header + raw payload gives the canonical form */
	ck_assert_int_eq(sio_packet_encode_header(&buf, pkt.type, pkt.nsp, pkt.nsp_len, pkt.id,
	                                          pkt.attachments),
	                 0);
	ck_assert_int_eq(base_buf_append(&buf, pkt.data, pkt.data_len), 0);
	ck_assert_uint_eq(buf.len, strlen(canon));
	ck_assert_msg(memcmp(buf.data, canon, buf.len) == 0, "%s: got %.*s", in, (int)buf.len,
	              buf.data);
}
END_TEST

/* ---- rejected forms ------------------------------------------------------ */

static const struct {
	const char *in;
	size_t n;
	int err;
} reject_cases[] = {
	{ S(""), SIO_PKT_ETYPE },
	{ S("7"), SIO_PKT_ETYPE },
	{ S("9[\"x\"]"), SIO_PKT_ETYPE },
	{ S("a"), SIO_PKT_ETYPE },
	{ S(" 2[\"x\"]"), SIO_PKT_ETYPE },
	{ S("-1"), SIO_PKT_ETYPE },
	{ S("\0[\"x\"]"), SIO_PKT_ETYPE },
	/* payload missing or of the wrong kind (isPayloadValid) */
	{ S("2"), SIO_PKT_EPAYLOAD },
	{ S("2/admin,"), SIO_PKT_EPAYLOAD },
	{ S("21"), SIO_PKT_EPAYLOAD },
	{ S("2[]"), SIO_PKT_EPAYLOAD },
	{ S("2{}"), SIO_PKT_EPAYLOAD },
	{ S("2\"x\""), SIO_PKT_EPAYLOAD },
	{ S("2[true]"), SIO_PKT_EPAYLOAD },
	{ S("2[null]"), SIO_PKT_EPAYLOAD },
	{ S("2[[\"x\"]]"), SIO_PKT_EPAYLOAD },
	{ S("2[{\"x\":1}]"), SIO_PKT_EPAYLOAD },
	{ S("0[]"), SIO_PKT_EPAYLOAD },
	{ S("0\"x\""), SIO_PKT_EPAYLOAD },
	{ S("0null"), SIO_PKT_EPAYLOAD },
	{ S("0/admin,[]"), SIO_PKT_EPAYLOAD },
	{ S("1{}"), SIO_PKT_EPAYLOAD },
	{ S("1/admin,[]"), SIO_PKT_EPAYLOAD },
	{ S("1x"), SIO_PKT_EPAYLOAD },
	{ S("3"), SIO_PKT_EPAYLOAD },
	{ S("31"), SIO_PKT_EPAYLOAD },
	{ S("3{}"), SIO_PKT_EPAYLOAD },
	{ S("3\"x\""), SIO_PKT_EPAYLOAD },
	{ S("4"), SIO_PKT_EPAYLOAD },
	{ S("4[]"), SIO_PKT_EPAYLOAD },
	{ S("4null"), SIO_PKT_EPAYLOAD },
	{ S("51-"), SIO_PKT_EPAYLOAD },
	{ S("51-{}"), SIO_PKT_EPAYLOAD },
	{ S("51-[]"), SIO_PKT_EPAYLOAD },
	{ S("51-[true]"), SIO_PKT_EPAYLOAD },
	{ S("61-"), SIO_PKT_EPAYLOAD },
	{ S("61-{}"), SIO_PKT_EPAYLOAD },
	{ S("51-[\"disconnect\"]"), SIO_PKT_ERESERVED },
	/* not JSON, or JSON followed by garbage */
	{ S("2[1,"), SIO_PKT_EJSON },
	{ S("2[\"x\""), SIO_PKT_EJSON },
	{ S("2[\"x\"]x"), SIO_PKT_EJSON },
	{ S("2[\"x\"]]"), SIO_PKT_EJSON },
	{ S("2[\"x\"][]"), SIO_PKT_EJSON },
	{ S("2[\"x\"]\0"), SIO_PKT_EJSON },
	{ S("2['x']"), SIO_PKT_EJSON },
	{ S("2[\"x\",]"), SIO_PKT_EJSON },
	{ S("2 [\"x\"]"), SIO_PKT_EJSON }, /* node: ack id 0 */
	{ S("21 [\"x\"]"), SIO_PKT_EJSON },
	{ S("2\n[\"x\"]"), SIO_PKT_EJSON },
	{ S("0 "), SIO_PKT_EJSON },
	{ S("0{\"a\":1"), SIO_PKT_EJSON },
	/* attachments on a non-binary type read as id + bad JSON, as in node */
	{ S("21-[\"x\"]"), SIO_PKT_EJSON },
	{ S("01-{}"), SIO_PKT_EJSON },
	{ S("31-[]"), SIO_PKT_EJSON },
	/* invalid UTF-8 / lone surrogates in the payload */
	{ S("2[\"\xff\"]"), SIO_PKT_EJSON },
	{ S("2[\"\xc0\xaf\"]"), SIO_PKT_EJSON },
	{ S("2[\"\xed\xa0\x80\"]"), SIO_PKT_EJSON },
	{ S("2[\"x\xe4\xb8\"]"), SIO_PKT_EJSON },
	{ S("2[\"\\ud800\"]"), SIO_PKT_EJSON },
	{ S("2[\"\\udc00x\"]"), SIO_PKT_EJSON },
	/* namespace: any character up to ',' but it must be UTF-8 */
	{ S("2/\xff,[\"x\"]"), SIO_PKT_ENSP },
	{ S("0/\xe4\xb8"), SIO_PKT_ENSP },
	/* attachments: digits, '-', 1..max */
	{ S("5"), SIO_PKT_EATTACH },
	{ S("5-[\"x\"]"), SIO_PKT_EATTACH },
	{ S("5a-[\"x\"]"), SIO_PKT_EATTACH },
	{ S("51a-[\"x\"]"), SIO_PKT_EATTACH },
	{ S("51[\"x\"]"), SIO_PKT_EATTACH },
	{ S("51"), SIO_PKT_EATTACH },
	{ S("5 1-[\"x\"]"), SIO_PKT_EATTACH },
	{ S("5+1-[\"x\"]"), SIO_PKT_EATTACH },
	{ S("5-1-[\"x\"]"), SIO_PKT_EATTACH },
	{ S("50-[\"x\"]"), SIO_PKT_EATTACH },
	{ S("500-[\"x\"]"), SIO_PKT_EATTACH },
	{ S("5/admin,1-[\"x\"]"), SIO_PKT_EATTACH },
	{ S("6-[]"), SIO_PKT_EATTACH },
	{ S("511-[\"x\"]"), SIO_PKT_ETOOMANY },
	{ S("61000-[]"), SIO_PKT_ETOOMANY },
	{ S("5999999999999999999999999999-[\"x\"]"), SIO_PKT_ETOOMANY },
	/* placeholders (reconstructPacket: "illegal attachments") */
	{ S("51-[\"x\",{\"_placeholder\":true,\"num\":1}]"), SIO_PKT_EPLACEHOLDER },
	{ S("52-[\"x\",{\"_placeholder\":true,\"num\":2}]"), SIO_PKT_EPLACEHOLDER },
	{ S("51-[\"x\",{\"_placeholder\":true,\"num\":-1}]"), SIO_PKT_EPLACEHOLDER },
	{ S("51-[\"x\",{\"_placeholder\":true,\"num\":0.5}]"), SIO_PKT_EPLACEHOLDER },
	{ S("51-[\"x\",{\"_placeholder\":true,\"num\":1e400}]"), SIO_PKT_EPLACEHOLDER },
	{ S("51-[\"x\",{\"_placeholder\":true,\"num\":\"0\"}]"), SIO_PKT_EPLACEHOLDER },
	{ S("51-[\"x\",{\"_placeholder\":true,\"num\":null}]"), SIO_PKT_EPLACEHOLDER },
	{ S("51-[\"x\",{\"_placeholder\":true}]"), SIO_PKT_EPLACEHOLDER },
	{ S("51-[\"x\",{\"_placeholder\":true,\"num\":0,\"num\":3}]"), SIO_PKT_EPLACEHOLDER },
	{ S("51-[\"x\",{\"a\":{\"b\":[{\"_placeholder\":true,\"num\":4}]}}]"),
	  SIO_PKT_EPLACEHOLDER },
	{ S("61-[{\"_placeholder\":true,\"num\":1}]"), SIO_PKT_EPLACEHOLDER },
	{ S("51-[\"x\",{\"_pl\\u0061ceholder\":true,\"num\":1}]"), SIO_PKT_EPLACEHOLDER },
	/* ack ids beyond 2^53-1 */
	{ S("29007199254740992[\"x\"]"), SIO_PKT_EACKID },
	{ S("299999999999999999999999999999[\"x\"]"), SIO_PKT_EACKID },
	{ S("3/admin,18446744073709551616[]"), SIO_PKT_EACKID },
};

START_TEST(test_reject)
{
	int rc = sio_packet_decode(reject_cases[_i].in, reject_cases[_i].n, MAXATT, &pkt);

	ck_assert_msg(rc == reject_cases[_i].err, "case %d \"%s\": got %d (%s)", _i,
	              reject_cases[_i].in, rc, sio_packet_strerror(rc));
	ck_assert_int_eq(pkt.type, -1);
	ck_assert_int_eq(pkt.id, -1);
	ck_assert_int_eq(pkt.attachments, 0);
	ck_assert_uint_eq(pkt.data_len, 0);
	ck_assert_int_eq(base_json_root(&pkt.doc), -1);
	assert_nsp("/");
}
END_TEST

/* Every reserved name, plain, with escapes, in a namespace, with an id. */
static const char *const reserved[] = {
	"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
};

START_TEST(test_reserved_names)
{
	const char *name = reserved[_i];
	char in[256], esc[128];
	size_t k = 0, j;

	snprintf(in, sizeof in, "2[\"%s\",1]", name);
	ck_assert_int_eq(decode_str(in), SIO_PKT_ERESERVED);
	snprintf(in, sizeof in, "2/chat,12[\"%s\"]", name);
	ck_assert_int_eq(decode_str(in), SIO_PKT_ERESERVED);
	/* every character written as \u00XX */
	for (j = 0; name[j]; j++)
		k += (size_t)snprintf(esc + k, sizeof esc - k, "\\u%04x", name[j]);
	snprintf(in, sizeof in, "2[\"%s\"]", esc);
	ck_assert_int_eq(decode_str(in), SIO_PKT_ERESERVED);
	/* a prefix or an extension is fine */
	snprintf(in, sizeof in, "2[\"%s_\"]", name);
	ck_assert_int_eq(decode_str(in), 0);
	snprintf(in, sizeof in, "2[\"%.*s\"]", (int)strlen(name) - 1, name);
	ck_assert_int_eq(decode_str(in), 0);
	/* as an ACK argument or CONNECT_ERROR message it is plain data */
	snprintf(in, sizeof in, "31[\"%s\"]", name);
	ck_assert_int_eq(decode_str(in), 0);
	snprintf(in, sizeof in, "4\"%s\"", name);
	ck_assert_int_eq(decode_str(in), 0);
}
END_TEST

START_TEST(test_reserved_escaped_forms)
{
	ck_assert_int_eq(decode_str("2[\"conn\\u0065ct\"]"), SIO_PKT_ERESERVED);
	ck_assert_int_eq(decode_str("2[\"new\\u004cistener\"]"), SIO_PKT_ERESERVED);
	ck_assert_int_eq(decode_str("2[\"\\u0063onnect_error\",{}]"), SIO_PKT_ERESERVED);
	ck_assert_int_eq(decode_str("2[\"connect\\u0000\"]"), 0);
	ck_assert_int_eq(decode_str("2[\"connect \"]"), 0);
}
END_TEST

/* ---- limits and the max_attachments argument ------------------------------ */

START_TEST(test_max_attachments_arg)
{
	static const char p11[] = "511-[\"x\"]";

	ck_assert_int_eq(sio_packet_decode(S(p11), 10, &pkt), SIO_PKT_ETOOMANY);
	ck_assert_int_eq(sio_packet_decode(S(p11), 11, &pkt), 0);
	ck_assert_int_eq(pkt.attachments, 11);
	ck_assert_int_eq(sio_packet_decode(S("51-[\"x\"]"), 0, &pkt), SIO_PKT_ETOOMANY);
	ck_assert_int_eq(sio_packet_decode(S("51-[\"x\"]"), -5, &pkt), SIO_PKT_ETOOMANY);
	ck_assert_int_eq(sio_packet_decode(S("52147483647-[\"x\"]"), 0x7fffffff, &pkt), 0);
	ck_assert_int_eq(pkt.attachments, 0x7fffffff);
	ck_assert_int_eq(sio_packet_decode(S("52147483648-[\"x\"]"), 0x7fffffff, &pkt),
	                 SIO_PKT_ETOOMANY);
	/* max only matters for the binary types */
	ck_assert_int_eq(sio_packet_decode(S("2[\"x\"]"), 0, &pkt), 0);
}
END_TEST

START_TEST(test_payload_limits)
{
	char *in = malloc(2 + 2 * (BASE_JSON_MAX_DEPTH + 1) + 3);
	size_t n = 0;
	int i;

	in[n++] = '3';
	for (i = 0; i <= BASE_JSON_MAX_DEPTH; i++)
		in[n++] = '[';
	for (i = 0; i <= BASE_JSON_MAX_DEPTH; i++)
		in[n++] = ']';
	ck_assert_int_eq(sio_packet_decode(in, n, MAXATT, &pkt), SIO_PKT_ELIMIT);
	ck_assert_int_eq(sio_packet_decode(in + 1, n - 2, MAXATT, &pkt), SIO_PKT_ETYPE);
	in[1] = '1'; /* "31" + depth 64 */
	ck_assert_int_eq(sio_packet_decode(in, n - 1, MAXATT, &pkt), 0);
	ck_assert_int_eq(pkt.id, 1);
	free(in);
}
END_TEST

START_TEST(test_ack_id_bounds)
{
	char in[64];

	ck_assert_int_eq(decode_str("20[\"x\"]"), 0);
	ck_assert_int_eq(pkt.id, 0);
	snprintf(in, sizeof in, "3%lld[]", (long long)SIO_PKT_MAX_ID);
	ck_assert_int_eq(decode_str(in), 0);
	ck_assert(pkt.id == SIO_PKT_MAX_ID);
	snprintf(in, sizeof in, "3%lld[]", (long long)SIO_PKT_MAX_ID + 1);
	ck_assert_int_eq(decode_str(in), SIO_PKT_EACKID);
	ck_assert_int_eq(decode_str("39223372036854775807[]"), SIO_PKT_EACKID);
	ck_assert_int_eq(decode_str("39223372036854775808[]"), SIO_PKT_EACKID);
}
END_TEST

/* ---- packet reuse -------------------------------------------------------- */

START_TEST(test_reuse_and_reset)
{
	static const char a[] = "52-/admin,7[\"x\",{\"_placeholder\":true,\"num\":1}]";
	int i;

	for (i = 0; i < 100; i++) {
		ck_assert_int_eq(sio_packet_decode(S(a), MAXATT, &pkt), 0);
		ck_assert_int_eq(pkt.attachments, 2);
		ck_assert_int_eq(sio_packet_decode(S("2[\"x\""), MAXATT, &pkt), SIO_PKT_EJSON);
		ck_assert_int_eq(pkt.type, -1);
		ck_assert_int_eq(base_json_root(&pkt.doc), -1);
		ck_assert_int_eq(sio_packet_decode(S("0/admin"), MAXATT, &pkt), 0);
		ck_assert_int_eq(base_json_root(&pkt.doc), -1); /* no stale tokens */
		ck_assert_int_eq(sio_packet_decode(S("2/q,9{}"), MAXATT, &pkt), SIO_PKT_EPAYLOAD);
		assert_nsp("/");
	}
	sio_packet_free(&pkt);
	sio_packet_free(&pkt); /* twice is harmless */
	ck_assert_int_eq(pkt.type, -1);
	{
		sio_packet q = SIO_PACKET_INIT;
		ck_assert_int_eq(sio_packet_decode(S("2[\"a\",{\"b\":[1,2]}]"), MAXATT, &q), 0);
		ck_assert_int_eq(base_json_size(&q.doc, 0), 2);
		sio_packet_free(&q);
	}
}
END_TEST

/* ---- placeholders -------------------------------------------------------- */

START_TEST(test_placeholder_num)
{
	static const struct {
		const char *js;
		int want;
	} cases[] = {
		{ "{\"_placeholder\":true,\"num\":0}", 0 },
		{ "{\"num\":3,\"_placeholder\":true}", 3 },
		{ "{\"_placeholder\":true,\"num\":2147483647}", 2147483647 },
		{ "{\"_placeholder\":true,\"num\":2147483648}", SIO_PKT_EPLACEHOLDER },
		{ "{\"_placeholder\":true,\"num\":-1}", SIO_PKT_EPLACEHOLDER },
		{ "{\"_placeholder\":true,\"num\":1.5}", SIO_PKT_EPLACEHOLDER },
		{ "{\"_placeholder\":true,\"num\":[0]}", SIO_PKT_EPLACEHOLDER },
		{ "{\"_placeholder\":true}", SIO_PKT_EPLACEHOLDER },
		{ "{\"_placeholder\":false,\"num\":0}", -1 },
		{ "{\"_placeholder\":1,\"num\":0}", -1 },
		{ "{\"_placeholder\":true,\"_placeholder\":false,\"num\":0}", -1 },
		{ "{\"num\":0}", -1 },
		{ "{}", -1 },
		{ "[true,0]", -1 },
		{ "\"_placeholder\"", -1 },
	};
	base_json d = BASE_JSON_INIT;
	int i;

	for (i = 0; i < NCASES(cases); i++) {
		ck_assert_int_eq(base_json_parse(&d, cases[i].js, strlen(cases[i].js)), 0);
		ck_assert_msg(sio_packet_placeholder_num(&d, 0) == cases[i].want, "%s",
		              cases[i].js);
	}
	ck_assert_int_eq(sio_packet_placeholder_num(&d, -1), -1);
	ck_assert_int_eq(sio_packet_placeholder_num(&d, 999), -1);
	base_json_free(&d);
}
END_TEST

START_TEST(test_placeholder_walk)
{
	static const char in[] =
	        "53-/x,1[\"ev\",{\"_placeholder\":true,\"num\":2},"
	        "{\"a\":[{\"_placeholder\":true,\"num\":0}],\"_placeholder\":false},"
	        "[[{\"k\":{\"_placeholder\":true,\"num\":1,\"n\":{\"_placeholder\":true,\"num\":9}}"
	        "}]]]";
	const base_json *d = &pkt.doc;
	int seen[8], nseen = 0, t, n;

	ck_assert_int_eq(sio_packet_decode(S(in), MAXATT, &pkt), 0);
	for (t = sio_packet_placeholder_next(d, 0, &n); t >= 0;
	     t = sio_packet_placeholder_next(d, base_json_next(d, t), &n)) {
		ck_assert_int_lt(nseen, 8);
		ck_assert_int_eq(base_json_type(d, t), BASE_JSON_OBJECT);
		ck_assert_int_eq(sio_packet_placeholder_num(d, t), n);
		seen[nseen++] = n;
	}
	ck_assert_int_eq(nseen, 3); /* depth-first order */
	ck_assert_int_eq(seen[0], 2);
	ck_assert_int_eq(seen[1], 0);
	ck_assert_int_eq(seen[2], 1);
	ck_assert(sio_packet_placeholders_valid(&pkt));
	ck_assert_int_eq(sio_packet_placeholder_next(d, -1, &n), -1);
	ck_assert_int_eq(sio_packet_placeholder_next(d, 10000, &n), -1);

	/* fewer attachments than referenced: invalid */
	pkt.attachments = 2;
	ck_assert(!sio_packet_placeholders_valid(&pkt));
	/* for a non-binary type they are plain objects */
	pkt.type = SIO_PKT_EVENT;
	ck_assert(sio_packet_placeholders_valid(&pkt));
}
END_TEST

START_TEST(test_jsonw_placeholder)
{
	base_jsonw w;

	base_jsonw_init(&w, &buf);
	base_jsonw_array_begin(&w);
	base_jsonw_str(&w, "upload", 6);
	ck_assert_int_eq(sio_packet_placeholder(&w, 0), 0);
	base_jsonw_object_begin(&w);
	base_jsonw_key(&w, "file", 4);
	ck_assert_int_eq(sio_packet_placeholder(&w, 1), 0);
	base_jsonw_object_end(&w);
	base_jsonw_array_end(&w);
	ck_assert_int_eq(base_jsonw_error(&w), 0);
	ck_assert_uint_eq(buf.len, strlen("[\"upload\",{\"_placeholder\":true,\"num\":0},"
	                                  "{\"file\":{\"_placeholder\":true,\"num\":1}}]"));
	ck_assert(memcmp(buf.data,
	                 "[\"upload\",{\"_placeholder\":true,\"num\":0},"
	                 "{\"file\":{\"_placeholder\":true,\"num\":1}}]",
	                 buf.len) == 0);

	/* and the whole packet decodes */
	{
		base_buf pk = BASE_BUF_INIT;
		ck_assert_int_eq(
		        sio_packet_encode_header(&pk, SIO_PKT_BINARY_EVENT, "/up", 3, 42, 2), 0);
		ck_assert_int_eq(base_buf_append(&pk, buf.data, buf.len), 0);
		ck_assert_int_eq(sio_packet_decode(pk.data, pk.len, MAXATT, &pkt), 0);
		ck_assert_int_eq(pkt.attachments, 2);
		ck_assert_int_eq(pkt.id, 42);
		base_buf_free(&pk);
	}

	/* a negative num is a sticky writer error */
	base_jsonw_init(&w, &buf);
	ck_assert_int_eq(sio_packet_placeholder(&w, -1), BASE_JSON_ERANGE);
	ck_assert_int_eq(base_jsonw_null(&w), BASE_JSON_ERANGE);
}
END_TEST

/* ---- encoding ------------------------------------------------------------ */

static void assert_buf(const char *want)
{
	ck_assert_msg(buf.len == strlen(want) && memcmp(buf.data, want, buf.len) == 0,
	              "want %s got %.*s", want, (int)buf.len, buf.data ? buf.data : "");
	buf.len = 0;
}

START_TEST(test_encode_header)
{
	ck_assert_int_eq(sio_packet_encode_header(&buf, SIO_PKT_EVENT, NULL, 0, -1, 0), 0);
	assert_buf("2");
	ck_assert_int_eq(sio_packet_encode_header(&buf, SIO_PKT_EVENT, "/", 1, 0, 0), 0);
	assert_buf("20");
	ck_assert_int_eq(sio_packet_encode_header(&buf, SIO_PKT_EVENT, "", 0, 12, 0), 0);
	assert_buf("212");
	ck_assert_int_eq(sio_packet_encode_header(&buf, SIO_PKT_ACK, "/admin", 6, 456, 0), 0);
	assert_buf("3/admin,456");
	ck_assert_int_eq(sio_packet_encode_header(&buf, SIO_PKT_CONNECT, "/admin!", 6, -1, 0), 0);
	assert_buf("0/admin,");
	ck_assert_int_eq(sio_packet_encode_header(&buf, SIO_PKT_BINARY_EVENT, "/", 1, -1, 1), 0);
	assert_buf("51-");
	ck_assert_int_eq(
	        sio_packet_encode_header(&buf, SIO_PKT_BINARY_ACK, "/a", 2, SIO_PKT_MAX_ID, 12), 0);
	assert_buf("612-/a,9007199254740991");
	ck_assert_int_eq(sio_packet_encode_header(&buf, SIO_PKT_DISCONNECT, "/\xc3\xa9", 3, -1, 0),
	                 0);
	assert_buf("1/\xc3\xa9,");
}
END_TEST

START_TEST(test_encode_header_invalid)
{
	static const struct {
		int type;
		const char *nsp;
		size_t n;
		int64_t id;
		int att;
	} bad[] = {
		{ -1, NULL, 0, -1, 0 },
		{ 7, NULL, 0, -1, 0 },
		{ SIO_PKT_EVENT, NULL, 0, -1, 1 },        /* attachments, not binary */
		{ SIO_PKT_BINARY_EVENT, NULL, 0, -1, 0 }, /* binary needs >= 1 */
		{ SIO_PKT_BINARY_ACK, NULL, 0, -1, -3 },
		{ SIO_PKT_EVENT, NULL, 0, -2, 0 },
		{ SIO_PKT_EVENT, NULL, 0, SIO_PKT_MAX_ID + 1, 0 },
		{ SIO_PKT_EVENT, "admin", 5, -1, 0 }, /* no leading '/' */
		{ SIO_PKT_EVENT, "/a,b", 4, -1, 0 },  /* would not decode back */
		{ SIO_PKT_EVENT, "/\xff", 2, -1, 0 }, /* not UTF-8 */
	};
	int i;

	ck_assert_int_eq(base_buf_append(&buf, "keep", 4), 0);
	for (i = 0; i < NCASES(bad); i++) {
		ck_assert_msg(sio_packet_encode_header(&buf, bad[i].type, bad[i].nsp, bad[i].n,
		                                       bad[i].id, bad[i].att) == SIO_PKT_EINVAL,
		              "case %d", i);
		ck_assert_uint_eq(buf.len, 4);
	}
	ck_assert_int_eq(sio_packet_encode_connect_ok(&buf, "/", 1, NULL), SIO_PKT_EINVAL);
	ck_assert_int_eq(sio_packet_encode_connect_ok(&buf, "/", 1, "\xff"), SIO_PKT_EINVAL);
	ck_assert_int_eq(sio_packet_encode_connect_ok(&buf, "x", 1, "s"), SIO_PKT_EINVAL);
	ck_assert_int_eq(sio_packet_encode_connect_error(&buf, "/", 1, NULL, NULL), SIO_PKT_EINVAL);
	ck_assert_int_eq(sio_packet_encode_disconnect(&buf, "/x,", 3), SIO_PKT_EINVAL);
	ck_assert_uint_eq(buf.len, 4);
	ck_assert(memcmp(buf.data, "keep", 4) == 0);
	ck_assert_str_eq(sio_packet_strerror(SIO_PKT_EINVAL), "invalid argument");
}
END_TEST

START_TEST(test_encode_replies)
{
	ck_assert_int_eq(sio_packet_encode_connect_ok(&buf, NULL, 0, "abc-_123"), 0);
	assert_buf("0{\"sid\":\"abc-_123\"}");
	ck_assert_int_eq(sio_packet_encode_connect_ok(&buf, "/admin", 6, "Zx9"), 0);
	assert_buf("0/admin,{\"sid\":\"Zx9\"}");
	ck_assert_int_eq(sio_packet_encode_connect_error(&buf, "/", 1, "Not authorized", NULL), 0);
	assert_buf("4{\"message\":\"Not authorized\"}");
	ck_assert_int_eq(
	        sio_packet_encode_connect_error(&buf, "/admin", 6, "say \"no\"\n", "{\"code\":42}"),
	        0);
	assert_buf("4/admin,{\"message\":\"say \\\"no\\\"\\n\",\"data\":{\"code\":42}}");
	ck_assert_int_eq(
	        sio_packet_encode_connect_error(&buf, "/x", 2, "Invalid namespace", "null"), 0);
	assert_buf("4/x,{\"message\":\"Invalid namespace\",\"data\":null}");
	ck_assert_int_eq(sio_packet_encode_disconnect(&buf, "/", 1), 0);
	assert_buf("1");
	ck_assert_int_eq(sio_packet_encode_disconnect(&buf, "/admin", 6), 0);
	assert_buf("1/admin,");

	/* what we send decodes back as what the client parses */
	ck_assert_int_eq(sio_packet_encode_connect_error(&buf, "/a", 2, "m", "[1]"), 0);
	ck_assert_int_eq(sio_packet_decode(buf.data, buf.len, MAXATT, &pkt), 0);
	ck_assert_int_eq(pkt.type, SIO_PKT_CONNECT_ERROR);
	assert_nsp("/a");
	ck_assert(base_json_str_eq(&pkt.doc, base_json_obj_get(&pkt.doc, 0, "message"), "m", 1));
	buf.len = 0;
	ck_assert_int_eq(sio_packet_encode_connect_ok(&buf, "/a", 2, "s1"), 0);
	ck_assert_int_eq(sio_packet_decode(buf.data, buf.len, MAXATT, &pkt), 0);
	ck_assert_int_eq(pkt.type, SIO_PKT_CONNECT);
	ck_assert(base_json_str_eq(&pkt.doc, base_json_obj_get(&pkt.doc, 0, "sid"), "s1", 2));
}
END_TEST

/* ---- round trips ---------------------------------------------------------- */

static const struct {
	int type;
	const char *nsp;
	int64_t id;
	int att;
	const char *payload;
} rt_cases[] = {
	{ SIO_PKT_CONNECT, "/", -1, 0, "" },
	{ SIO_PKT_CONNECT, "/admin", -1, 0, "{\"token\":\"123\"}" },
	{ SIO_PKT_CONNECT, "/a{b}[c]", 5, 0, "{}" },
	{ SIO_PKT_DISCONNECT, "/chat", -1, 0, "" },
	{ SIO_PKT_DISCONNECT, "/", 3, 0, "" },
	{ SIO_PKT_EVENT, "/", -1, 0, "[\"hello\",1]" },
	{ SIO_PKT_EVENT, "/admin", 0, 0, "[\"x\",{\"y\":[null]}]" },
	{ SIO_PKT_EVENT, "/1", 99, 0, "[7]" },
	{ SIO_PKT_EVENT, "/", SIO_PKT_MAX_ID, 0, "[\"big\"]" },
	{ SIO_PKT_ACK, "/", 0, 0, "[]" },
	{ SIO_PKT_ACK, "/n", 123456789012LL, 0, "[1,2,3]" },
	{ SIO_PKT_CONNECT_ERROR, "/", -1, 0, "\"nope\"" },
	{ SIO_PKT_CONNECT_ERROR, "/z", -1, 0, "{\"message\":\"m\"}" },
	{ SIO_PKT_BINARY_EVENT, "/", -1, 1, "[\"b\",{\"_placeholder\":true,\"num\":0}]" },
	{ SIO_PKT_BINARY_EVENT, "/up", 8, 10, "[\"b\",{\"_placeholder\":true,\"num\":9}]" },
	{ SIO_PKT_BINARY_ACK, "/", 4, 2, "[{\"_placeholder\":true,\"num\":1}]" },
};

START_TEST(test_roundtrip)
{
	int rc;

	ck_assert_int_eq(sio_packet_encode_header(&buf, rt_cases[_i].type, rt_cases[_i].nsp,
	                                          strlen(rt_cases[_i].nsp), rt_cases[_i].id,
	                                          rt_cases[_i].att),
	                 0);
	ck_assert_int_eq(base_buf_append(&buf, rt_cases[_i].payload, strlen(rt_cases[_i].payload)),
	                 0);
	rc = sio_packet_decode(buf.data, buf.len, MAXATT, &pkt);
	ck_assert_msg(rc == 0, "%.*s: %s", (int)buf.len, buf.data, sio_packet_strerror(rc));
	ck_assert_int_eq(pkt.type, rt_cases[_i].type);
	assert_nsp(rt_cases[_i].nsp);
	ck_assert(pkt.id == rt_cases[_i].id);
	ck_assert_int_eq(pkt.attachments, rt_cases[_i].att);
	ck_assert_uint_eq(pkt.data_len, strlen(rt_cases[_i].payload));
	ck_assert(pkt.data_len == 0 || memcmp(pkt.data, rt_cases[_i].payload, pkt.data_len) == 0);
}
END_TEST

START_TEST(test_strerror)
{
	int e;

	for (e = 0; e >= SIO_PKT_EINVAL; e--)
		ck_assert_str_ne(sio_packet_strerror(e), "unknown packet error");
	ck_assert_str_eq(sio_packet_strerror(-100), "unknown packet error");
	ck_assert_str_eq(sio_packet_strerror(1), "unknown packet error");
}
END_TEST

static Suite *packet_suite(void)
{
	Suite *s = suite_create("sio_packet");
	TCase *d = tcase_create("decode");
	TCase *b = tcase_create("binary");
	TCase *e = tcase_create("encode");

	tcase_add_checked_fixture(d, setup, teardown);
	tcase_add_loop_test(d, test_accept, 0, NCASES(accept_cases));
	tcase_add_loop_test(d, test_reject, 0, NCASES(reject_cases));
	tcase_add_loop_test(d, test_reserved_names, 0, NCASES(reserved));
	tcase_add_test(d, test_reserved_escaped_forms);
	tcase_add_test(d, test_max_attachments_arg);
	tcase_add_test(d, test_payload_limits);
	tcase_add_test(d, test_ack_id_bounds);
	tcase_add_test(d, test_reuse_and_reset);
	suite_add_tcase(s, d);

	tcase_add_checked_fixture(b, setup, teardown);
	tcase_add_test(b, test_placeholder_num);
	tcase_add_test(b, test_placeholder_walk);
	tcase_add_test(b, test_jsonw_placeholder);
	suite_add_tcase(s, b);

	tcase_add_checked_fixture(e, setup, teardown);
	tcase_add_test(e, test_encode_header);
	tcase_add_test(e, test_encode_header_invalid);
	tcase_add_test(e, test_encode_replies);
	tcase_add_loop_test(e, test_roundtrip, 0, NCASES(rt_cases));
	tcase_add_test(e, test_strerror);
	suite_add_tcase(s, e);
	return s;
}

int main(void)
{
	return check_main_run(packet_suite());
}
