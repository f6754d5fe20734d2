/* test_redis_wire.c - Check unit tests of the Redis adapter's bodies
 * (modules/redis/redis_wire.c, redis_wire_enc.c).
 *
 * The vectors are what node's @socket.io/redis-adapter 8.3.0 and
 * @socket.io/redis-emitter 5.1.0 publish, printed by
 * interop/tools/redis-wire-vectors.cjs (the real adapter on fake Redis
 * clients): our encoder must write the same bytes given the same uid and
 * request id, and our decoder must read node's bytes, the emitter's too.
 * Then notepack's other forms (dates, 2.x extensions), and malformed
 * bodies: every prefix of every vector, wrong types, hostile lengths and
 * depths, which must be refused without a crash or a leak (run under ASan).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules/redis/redis_wire.h"
#include "socketio.h"
#include "check_main.h"

/* ---- vectors (node's output) ---------------------------------------------------- */

#define V_BCAST_ALL                                                                               \
	"93a64162432d395f83a47479706502a46461746194a568656c6c6f01a374776f81a16193c3c0cb3ff800000" \
	"0000000a36e7370a12f83a5726f6f6d7390a665786365707490a5666c61677380"
#define V_BCAST_INTS                                                                              \
	"93a64162432d395f83a47479706502a46461746197a26576ffcd012cce00011170cf000000012a05f200d1f" \
	"f38d2ffff63c0a36e7370a12f83a5726f6f6d7391a27231a665786365707490a5666c61677380"
#define V_BCAST_BIN                                                                               \
	"93a64162432d395f83a47479706502a46461746193a362696ec40301020381a162c401ffa36e7370a12f83a" \
	"5726f6f6d7392a27231a27232a665786365707491a178a5666c61677382a8766f6c6174696c65c3a8636f6d" \
	"7072657373c3"
#define V_BCAST_STR8                                                                              \
	"93a64162432d395f83a47479706502a46461746192a173d928787878787878787878787878787878787878"  \
	"78787878787878787878787878787878787878787878a36e7370a12f83a5726f6f6d7390a66578636570749" \
	"1a6736f636b6964a5666c61677380"
#define V_ACK_REQUEST                                                                             \
	"85a3756964a64162432d395fa9726571756573744964a6613559345132a47479706507a67061636b657483a" \
	"47479706502a46461746192a361736b07a36e7370a12fa46f70747383a5726f6f6d7391a27231a665786365" \
	"707490a5666c61677381a774696d656f7574cd03e8"
#define V_CLIENT_ACK      "83a47479706509a9726571756573744964a6726571313233a67061636b657481a1769201a178"
#define V_CLIENT_ACK_BIN  "83a47479706509a9726571756573744964a6726571313233a67061636b6574c4020908"
#define V_CLIENT_ACK_NONE "82a47479706509a9726571756573744964a6726571313233"
#define V_EMITTER_EMIT                                                                           \
	"93a7656d697474657283a47479706502a46461746193a46e65777381a16e01c40107a36e7370a12f83a572" \
	"6f6f6d7391a5726f6f6d31a5666c61677381a8766f6c6174696c65c3a665786365707491a5726f6f6d32"
#define V_EMITTER_NSP                                                                            \
	"93a7656d697474657283a47479706502a46461746191a26869a36e7370a52f6368617483a5726f6f6d7390" \
	"a5666c61677380a665786365707490"

#define J_JOIN                                                                              \
	"{\"uid\":\"AbC-9_\",\"type\":2,\"opts\":{\"rooms\":[\"r1\"],\"except\":[\"r2\"]}," \
	"\"rooms\":"                                                                        \
	"[\"new1\",\"new2\"]}"
#define J_LEAVE                                                                                    \
	"{\"uid\":\"AbC-9_\",\"type\":3,\"opts\":{\"rooms\":[],\"except\":[]},\"rooms\":[\"old\"]" \
	"}"
#define J_DISCONNECT                                                                            \
	"{\"uid\":\"AbC-9_\",\"type\":4,\"opts\":{\"rooms\":[\"r1\"],\"except\":[]},\"close\":" \
	"true}"
#define J_SSE       "{\"uid\":\"AbC-9_\",\"type\":6,\"data\":[\"ping\",1,{\"a\":\"b\"}]}"
#define J_SSE_ACK   "{\"uid\":\"AbC-9_\",\"requestId\":\"sAIf8-\",\"type\":6,\"data\":[\"q\",1]}"
#define J_ALL_ROOMS "{\"uid\":\"AbC-9_\",\"requestId\":\"3w61zL\",\"type\":1}"
#define J_FETCH                                                                                 \
	"{\"uid\":\"AbC-9_\",\"requestId\":\"5eGdJP\",\"type\":5,\"opts\":{\"rooms\":[\"r1\"]," \
	"\"except\":[\"r2\"]}}"
#define J_HANDSHAKE                                                                              \
	"{\"headers\":{\"host\":\"h\"},\"time\":\"T\",\"address\":\"::1\",\"xdomain\":false,"    \
	"\"secure\":false,\"issued\":5,\"url\":\"/socket.io/?EIO=4\",\"query\":{\"EIO\":\"4\"}," \
	"\"auth\":{}}"
#define J_ANSWER_FETCH                                                                       \
	"{\"requestId\":\"req123\",\"sockets\":[{\"id\":\"sid1\",\"handshake\":" J_HANDSHAKE \
	",\"rooms\":[\"sid1\",\"r1\"],\"data\":{\"user\":\"u\"}}]}"
#define J_EMITTER_JOIN \
	"{\"type\":2,\"opts\":{\"rooms\":[\"room1\"],\"except\":[]},\"rooms\":[\"r3\"]}"
#define J_EMITTER_DISCONNECT \
	"{\"type\":4,\"opts\":{\"rooms\":[\"room1\"],\"except\":[]},\"close\":true}"
#define J_EMITTER_SSE "{\"uid\":\"emitter\",\"type\":6,\"data\":[\"tick\",42]}"

#define S_JSON        "{\"k\":[1,-2,0.25,\"\xc3\xa9\",null,true,{\"z\":\"\"}]}"

/* ---- helpers --------------------------------------------------------------------- */

static size_t unhex(const char *hex, unsigned char *out)
{
	size_t n = strlen(hex) / 2;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (unsigned char)v;
	}
	return n;
}

static char hexbuf[4096];
static const char *tohex(const base_buf *b)
{
	for (size_t i = 0; i < b->len && 2 * i + 2 < sizeof(hexbuf); i++)
		sprintf(hexbuf + 2 * i, "%02x", (unsigned char)b->data[i]);
	hexbuf[2 * b->len < sizeof(hexbuf) ? 2 * b->len : 0] = '\0';
	return hexbuf;
}

static char textbuf[4096];
static const char *text(const base_buf *b)
{
	snprintf(textbuf, sizeof(textbuf), "%.*s", (int)b->len, b->data);
	return textbuf;
}

/* Argument i of an sio_out as JSON (binary as its placeholder). */
static char argbuf[1024];
static const char *arg_json(const sio_out *o, size_t i)
{
	sio_args *a = sio_args_from_out(o);
	ck_assert_ptr_nonnull(a);
	size_t n = 0;
	const char *j = i < sio_args_count(a) ? sio_args_json(a, i, &n) : NULL;
	snprintf(argbuf, sizeof(argbuf), "%.*s", j ? (int)n : 6, j ? j : "(none)");
	sio_args_free(a);
	return argbuf;
}

static size_t arg_count(const sio_out *o)
{
	sio_args *a = sio_args_from_out(o);
	size_t n = sio_args_count(a);
	sio_args_free(a);
	return n;
}

static int decode_hex(int (*fn)(redis_msg *, const void *, size_t), redis_msg *m, const char *hex)
{
	unsigned char b[2048];
	size_t n = unhex(hex, b);
	redis_msg_init(m);
	return fn(m, b, n);
}

static int decode_text(int (*fn)(redis_msg *, const void *, size_t), redis_msg *m, const char *s)
{
	redis_msg_init(m);
	return fn(m, s, strlen(s));
}

/* ---- encoding: node's bytes ------------------------------------------------------- */

START_TEST(test_encode_broadcasts)
{
	base_buf b;
	base_buf_init(&b);
	sio_out *o = sio_out_new();
	sio_out_int(o, 1);
	sio_out_str(o, "two");
	sio_out_object_begin(o);
	sio_out_key(o, "a");
	sio_out_array_begin(o);
	sio_out_bool(o, true);
	sio_out_null(o);
	sio_out_double(o, 1.5);
	sio_out_array_end(o);
	sio_out_object_end(o);
	sio_broadcast all = { 0 };
	ck_assert_int_eq(redis_wire_broadcast(&b, "AbC-9_", "/", "hello", o, &all), 0);
	ck_assert_str_eq(tohex(&b), V_BCAST_ALL);
	sio_out_free(o);

	b.len = 0;
	o = sio_out_new();
	int64_t ints[] = { -1, 300, 70000, 5000000000LL, -200, -40000 };
	for (size_t i = 0; i < 6; i++)
		sio_out_int(o, ints[i]);
	const char *r1[] = { "r1" };
	sio_broadcast one = { .rooms = r1, .nrooms = 1 };
	ck_assert_int_eq(redis_wire_broadcast(&b, "AbC-9_", "/", "ev", o, &one), 0);
	ck_assert_str_eq(tohex(&b), V_BCAST_INTS);
	sio_out_free(o);

	b.len = 0;
	o = sio_out_new();
	sio_out_binary(o, "\x01\x02\x03", 3);
	sio_out_object_begin(o);
	sio_out_key(o, "b");
	sio_out_binary(o, "\xff", 1);
	sio_out_object_end(o);
	const char *r12[] = { "r1", "r2" }, *x[] = { "x" };
	sio_broadcast bin = { .rooms = r12,
		              .nrooms = 2,
		              .except = x,
		              .nexcept = 1,
		              .volatile_ = true,
		              .compress = true };
	ck_assert_int_eq(redis_wire_broadcast(&b, "AbC-9_", "/", "bin", o, &bin), 0);
	ck_assert_str_eq(tohex(&b), V_BCAST_BIN);
	sio_out_free(o);

	b.len = 0;
	o = sio_out_new();
	sio_out_str(o, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	const char *ex[] = { "sockid" };
	sio_broadcast exc = { .except = ex, .nexcept = 1 };
	ck_assert_int_eq(redis_wire_broadcast(&b, "AbC-9_", "/", "s", o, &exc), 0);
	ck_assert_str_eq(tohex(&b), V_BCAST_STR8);
	sio_out_free(o);

	b.len = 0;
	o = sio_out_new();
	sio_out_int(o, 7);
	ck_assert_int_eq(
	        redis_wire_broadcast_ack_request(&b, "AbC-9_", "a5Y4Q2", "/", "ask", o, &one, 1000),
	        0);
	ck_assert_str_eq(tohex(&b), V_ACK_REQUEST);
	sio_out_free(o);
	base_buf_free(&b);
}
END_TEST

START_TEST(test_encode_requests)
{
	base_buf b;
	base_buf_init(&b);
	const char *r1[] = { "r1" }, *r2[] = { "r2" }, *news[] = { "new1", "new2" };
	const char *old[] = { "old" };
	sio_broadcast join = { .rooms = r1, .nrooms = 1, .except = r2, .nexcept = 1 };
	ck_assert_int_eq(
	        redis_wire_request(&b, REDIS_REMOTE_JOIN, "AbC-9_", NULL, &join, news, 2, false),
	        0);
	ck_assert_str_eq(text(&b), J_JOIN);
	b.len = 0;
	sio_broadcast none = { 0 };
	redis_wire_request(&b, REDIS_REMOTE_LEAVE, "AbC-9_", NULL, &none, old, 1, false);
	ck_assert_str_eq(text(&b), J_LEAVE);
	b.len = 0;
	sio_broadcast inr1 = { .rooms = r1, .nrooms = 1 };
	redis_wire_request(&b, REDIS_REMOTE_DISCONNECT, "AbC-9_", NULL, &inr1, NULL, 0, true);
	ck_assert_str_eq(text(&b), J_DISCONNECT);
	b.len = 0;
	redis_wire_request(&b, REDIS_ALL_ROOMS, "AbC-9_", "3w61zL", NULL, NULL, 0, false);
	ck_assert_str_eq(text(&b), J_ALL_ROOMS);
	b.len = 0;
	redis_wire_request(&b, REDIS_REMOTE_FETCH, "AbC-9_", "5eGdJP", &join, NULL, 0, false);
	ck_assert_str_eq(text(&b), J_FETCH);

	b.len = 0;
	sio_out *o = sio_out_new();
	sio_out_int(o, 1);
	sio_out_object_begin(o);
	sio_out_key(o, "a");
	sio_out_str(o, "b");
	sio_out_object_end(o);
	ck_assert_int_eq(redis_wire_server_side_emit(&b, "AbC-9_", NULL, "ping", o), 0);
	ck_assert_str_eq(text(&b), J_SSE);
	sio_out_free(o);
	b.len = 0;
	o = sio_out_new();
	sio_out_int(o, 1);
	redis_wire_server_side_emit(&b, "AbC-9_", "sAIf8-", "q", o);
	ck_assert_str_eq(text(&b), J_SSE_ACK);
	sio_out_free(o);
	base_buf_free(&b);
}
END_TEST

START_TEST(test_encode_answers)
{
	base_buf b;
	base_buf_init(&b);
	const char *ab[] = { "a", "b" }, *ids[] = { "s1", "s2" };
	redis_wire_answer_rooms(&b, "req123", ab, 2);
	ck_assert_str_eq(text(&b), "{\"requestId\":\"req123\",\"rooms\":[\"a\",\"b\"]}");
	b.len = 0;
	redis_wire_answer_ids(&b, "req123", ids, 2);
	ck_assert_str_eq(text(&b), "{\"requestId\":\"req123\",\"sockets\":[\"s1\",\"s2\"]}");
	b.len = 0;
	redis_wire_answer_done(&b, "req123");
	ck_assert_str_eq(text(&b), "{\"requestId\":\"req123\"}");
	b.len = 0;
	const char *rooms[] = { "sid1", "r1" };
	sio_socket_info si = { "sid1", NULL, rooms, 2, J_HANDSHAKE, "{\"user\":\"u\"}" };
	redis_wire_answer_sockets(&b, "req123", &si, 1);
	ck_assert_str_eq(text(&b), J_ANSWER_FETCH);

	b.len = 0;
	sio_out *o = sio_out_new();
	sio_out_object_begin(o);
	sio_out_key(o, "ok");
	sio_out_int(o, 1);
	sio_out_object_end(o);
	sio_out_str(o, "second, not sent");
	redis_wire_answer_server_side_emit(&b, "req123", o);
	ck_assert_str_eq(text(&b), "{\"type\":6,\"requestId\":\"req123\",\"data\":{\"ok\":1}}");
	sio_out_free(o);
	b.len = 0;
	o = sio_out_new();
	redis_wire_answer_server_side_emit(&b, "req123", o);
	ck_assert_str_eq(text(&b), "{\"type\":6,\"requestId\":\"req123\"}");
	sio_out_free(o);
	b.len = 0;
	redis_wire_client_count(&b, "req123", 3);
	ck_assert_str_eq(text(&b), "{\"type\":8,\"requestId\":\"req123\",\"clientCount\":3}");

	/* type 9: the client's first ack argument */
	b.len = 0;
	o = sio_out_new();
	sio_out_object_begin(o);
	sio_out_key(o, "v");
	sio_out_array_begin(o);
	sio_out_int(o, 1);
	sio_out_str(o, "x");
	sio_out_array_end(o);
	sio_out_object_end(o);
	sio_args *a = sio_args_from_out(o);
	redis_wire_client_ack(&b, "req123", a);
	ck_assert_str_eq(tohex(&b), V_CLIENT_ACK);
	sio_args_free(a);
	sio_out_free(o);
	b.len = 0;
	o = sio_out_new();
	sio_out_binary(o, "\x09\x08", 2);
	a = sio_args_from_out(o);
	redis_wire_client_ack(&b, "req123", a);
	ck_assert_str_eq(tohex(&b), V_CLIENT_ACK_BIN);
	sio_args_free(a);
	sio_out_free(o);
	b.len = 0;
	o = sio_out_new();
	a = sio_args_from_out(o);
	redis_wire_client_ack(&b, "req123", a);
	ck_assert_str_eq(tohex(&b), V_CLIENT_ACK_NONE);
	sio_args_free(a);
	sio_out_free(o);
	base_buf_free(&b);
}
END_TEST

/* ---- decoding: node's and the emitter's bodies ----------------------------------- */

START_TEST(test_decode_broadcasts)
{
	redis_msg m;
	ck_assert_int_eq(decode_hex(redis_wire_decode_broadcast, &m, V_BCAST_ALL), 0);
	ck_assert_str_eq(m.uid, "AbC-9_");
	ck_assert_str_eq(m.nsp, "/");
	ck_assert_str_eq(m.event, "hello");
	ck_assert_uint_eq(arg_count(m.args), 3);
	ck_assert_str_eq(arg_json(m.args, 0), "1");
	ck_assert_str_eq(arg_json(m.args, 1), "\"two\"");
	ck_assert_str_eq(arg_json(m.args, 2), "{\"a\":[true,null,1.5]}");
	ck_assert(m.has_opts);
	ck_assert_uint_eq(m.opts.nrooms, 0);
	ck_assert_uint_eq(m.opts.nexcept, 0);
	ck_assert(!m.opts.volatile_ && !m.opts.compress && !m.opts.local);
	redis_msg_free(&m);

	ck_assert_int_eq(decode_hex(redis_wire_decode_broadcast, &m, V_BCAST_INTS), 0);
	ck_assert_str_eq(arg_json(m.args, 0), "-1");
	ck_assert_str_eq(arg_json(m.args, 3), "5000000000");
	ck_assert_str_eq(arg_json(m.args, 5), "-40000");
	ck_assert_uint_eq(m.opts.nrooms, 1);
	ck_assert_str_eq(m.opts.rooms[0], "r1");
	redis_msg_free(&m);

	ck_assert_int_eq(decode_hex(redis_wire_decode_broadcast, &m, V_BCAST_BIN), 0);
	sio_args *a = sio_args_from_out(m.args);
	size_t n = 0;
	const unsigned char *bin = sio_args_binary(a, 0, &n);
	ck_assert_ptr_nonnull(bin);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(bin[2], 3);
	ck_assert_uint_eq(sio_args_attachment_count(a), 2);
	sio_args_free(a);
	ck_assert(m.opts.volatile_ && m.opts.compress);
	ck_assert_str_eq(m.opts.except[0], "x");
	ck_assert_uint_eq(m.opts.nrooms, 2);
	redis_msg_free(&m);

	/* the emitter: uid "emitter", its own key order in opts */
	ck_assert_int_eq(decode_hex(redis_wire_decode_broadcast, &m, V_EMITTER_EMIT), 0);
	ck_assert_str_eq(m.uid, "emitter");
	ck_assert_str_eq(m.event, "news");
	ck_assert_str_eq(arg_json(m.args, 0), "{\"n\":1}");
	ck_assert_str_eq(m.opts.rooms[0], "room1");
	ck_assert_str_eq(m.opts.except[0], "room2");
	ck_assert(m.opts.volatile_);
	redis_msg_free(&m);
	ck_assert_int_eq(decode_hex(redis_wire_decode_broadcast, &m, V_EMITTER_NSP), 0);
	ck_assert_str_eq(m.nsp, "/chat");
	ck_assert_uint_eq(arg_count(m.args), 0);
	redis_msg_free(&m);

	/* a packet without nsp is "/" (node's onmessage) */
	ck_assert_int_eq(decode_hex(redis_wire_decode_broadcast, &m,
	                            "93a17882a474797065"
	                            "02a46461746191a16580"),
	                 0);
	ck_assert_str_eq(m.nsp, "/");
	ck_assert_str_eq(m.event, "e");
	redis_msg_free(&m);
}
END_TEST

START_TEST(test_decode_requests)
{
	redis_msg m;
	ck_assert_int_eq(decode_text(redis_wire_decode_request, &m, J_JOIN), 0);
	ck_assert_int_eq(m.type, REDIS_REMOTE_JOIN);
	ck_assert_str_eq(m.uid, "AbC-9_");
	ck_assert(m.has_opts);
	ck_assert_str_eq(m.opts.rooms[0], "r1");
	ck_assert_str_eq(m.opts.except[0], "r2");
	ck_assert_uint_eq(m.nrooms, 2);
	ck_assert_str_eq(m.rooms[1], "new2");
	redis_msg_free(&m);

	ck_assert_int_eq(decode_text(redis_wire_decode_request, &m, J_EMITTER_JOIN), 0);
	ck_assert_ptr_null(m.uid);
	ck_assert_str_eq(m.rooms[0], "r3");
	redis_msg_free(&m);
	ck_assert_int_eq(decode_text(redis_wire_decode_request, &m, J_EMITTER_DISCONNECT), 0);
	ck_assert_int_eq(m.type, REDIS_REMOTE_DISCONNECT);
	ck_assert(m.close);
	redis_msg_free(&m);
	ck_assert_int_eq(decode_text(redis_wire_decode_request, &m, J_EMITTER_SSE), 0);
	ck_assert_str_eq(m.uid, "emitter");
	ck_assert_str_eq(m.event, "tick");
	ck_assert_ptr_null(m.request_id);
	ck_assert_str_eq(arg_json(m.args, 0), "42");
	redis_msg_free(&m);
	ck_assert_int_eq(decode_text(redis_wire_decode_request, &m, J_SSE_ACK), 0);
	ck_assert_str_eq(m.request_id, "sAIf8-");
	redis_msg_free(&m);
	ck_assert_int_eq(decode_text(redis_wire_decode_request, &m, J_FETCH), 0);
	ck_assert_int_eq(m.type, REDIS_REMOTE_FETCH);
	ck_assert_str_eq(m.request_id, "5eGdJP");
	redis_msg_free(&m);
	ck_assert_int_eq(decode_text(redis_wire_decode_request, &m, J_ALL_ROOMS), 0);
	ck_assert_int_eq(m.type, REDIS_ALL_ROOMS);
	redis_msg_free(&m);

	/* type 7 is msgpack */
	ck_assert_int_eq(decode_hex(redis_wire_decode_request, &m, V_ACK_REQUEST), 0);
	ck_assert_int_eq(m.type, REDIS_BROADCAST);
	ck_assert_str_eq(m.request_id, "a5Y4Q2");
	ck_assert_str_eq(m.event, "ask");
	ck_assert_str_eq(arg_json(m.args, 0), "7");
	ck_assert(m.opts.has_timeout);
	ck_assert_uint_eq(m.opts.timeout_ms, 1000);
	redis_msg_free(&m);

	/* the old forms of 2 / 3 / 4, and 0 */
	ck_assert_int_eq(decode_text(redis_wire_decode_request, &m,
	                             "{\"uid\":\"u\",\"requestId\":\"q\",\"type\":3,\"sid\":\"s1\","
	                             "\"room\":\"r\"}"),
	                 0);
	ck_assert_str_eq(m.sid, "s1");
	ck_assert_str_eq(m.room, "r");
	ck_assert(!m.has_opts);
	redis_msg_free(&m);
	ck_assert_int_eq(decode_text(redis_wire_decode_request, &m,
	                             "{\"uid\":\"u\",\"requestId\":\"q\",\"type\":4,\"sid\":\"s1\","
	                             "\"close\":false}"),
	                 0);
	redis_msg_free(&m);
	ck_assert_int_eq(
	        decode_text(redis_wire_decode_request, &m,
	                    "{\"uid\":\"u\",\"requestId\":\"q\",\"type\":0,\"rooms\":[\"a\","
	                    "12]}"),
	        0);
	ck_assert_str_eq(m.rooms[1], "12");
	redis_msg_free(&m);
}
END_TEST

START_TEST(test_decode_responses)
{
	redis_msg m;
	ck_assert_int_eq(decode_text(redis_wire_decode_response, &m, J_ANSWER_FETCH), 0);
	ck_assert_int_eq(m.type, -1);
	ck_assert_str_eq(m.request_id, "req123");
	ck_assert_uint_eq(m.nsockets, 1);
	ck_assert_str_eq(m.sockets[0].id, "sid1");
	ck_assert_uint_eq(m.sockets[0].nrooms, 2);
	ck_assert_str_eq(m.sockets[0].rooms[1], "r1");
	ck_assert_str_eq(m.sockets[0].handshake_json, J_HANDSHAKE);
	ck_assert_str_eq(m.sockets[0].data_json, "{\"user\":\"u\"}");
	redis_msg_free(&m);

	ck_assert_int_eq(decode_text(redis_wire_decode_response, &m,
	                             "{\"requestId\":\"req124\",\"rooms\":[\"sid1\",\"r1\"]}"),
	                 0);
	ck_assert(m.has_rooms);
	ck_assert_uint_eq(m.nrooms, 2);
	redis_msg_free(&m);
	ck_assert_int_eq(decode_text(redis_wire_decode_response, &m,
	                             "{\"type\":8,\"requestId\":\"req123\",\"clientCount\":3}"),
	                 0);
	ck_assert_uint_eq(m.client_count, 3);
	redis_msg_free(&m);
	ck_assert_int_eq(decode_text(redis_wire_decode_response, &m,
	                             "{\"type\":6,\"requestId\":\"req123\",\"data\":{\"ok\":1}}"),
	                 0);
	ck_assert_str_eq(arg_json(m.value, 0), "{\"ok\":1}");
	redis_msg_free(&m);
	ck_assert_int_eq(decode_text(redis_wire_decode_response, &m,
	                             "{\"type\":6,\"requestId\":\"req123\"}"),
	                 0);
	ck_assert_ptr_null(m.value);
	redis_msg_free(&m);

	ck_assert_int_eq(decode_hex(redis_wire_decode_response, &m, V_CLIENT_ACK), 0);
	ck_assert_int_eq(m.type, REDIS_BROADCAST_ACK);
	ck_assert_str_eq(arg_json(m.value, 0), "{\"v\":[1,\"x\"]}");
	redis_msg_free(&m);
	ck_assert_int_eq(decode_hex(redis_wire_decode_response, &m, V_CLIENT_ACK_BIN), 0);
	sio_args *a = sio_args_from_out(m.value);
	size_t n = 0;
	ck_assert_ptr_nonnull(sio_args_binary(a, 0, &n));
	ck_assert_uint_eq(n, 2);
	sio_args_free(a);
	redis_msg_free(&m);
	ck_assert_int_eq(decode_hex(redis_wire_decode_response, &m, V_CLIENT_ACK_NONE), 0);
	ck_assert_ptr_null(m.value);
	redis_msg_free(&m);
}
END_TEST

/* Dates, floats, notepack 2.x's forms, in a broadcast's arguments. */
static const char *one_arg(const char *value_hex)
{
	static char hex[512];
	snprintf(hex, sizeof(hex),
	         "93a17882a474797065"
	         "02a46461746192a165%s80",
	         value_hex);
	redis_msg m;
	int r = decode_hex(redis_wire_decode_broadcast, &m, hex);
	static char out[256];
	if (r == 0)
		snprintf(out, sizeof(out), "%s", arg_json(m.args, 0));
	else
		snprintf(out, sizeof(out), "error %d", r);
	redis_msg_free(&m);
	return out;
}

START_TEST(test_decode_values)
{
	ck_assert_str_eq(one_arg("d7ff1d5353006b14e018"), "\"2026-12-06T04:10:00.123Z\"");
	ck_assert_str_eq(one_arg("d6ff6b14e018"), "\"2026-12-06T04:10:00.000Z\"");
	/* notepack 2.x: fixext 8 type 0, a Date as ms */
	ck_assert_str_eq(one_arg("d700000001a2498b5e38"), "\"2026-12-06T04:10:00.120Z\"");
	ck_assert_str_eq(one_arg("94cb3fe0000000000000cbc002000000000000cf35c9adc5dea00000cb7ff8"
	                         "000000000000"),
	                 "[0.5,-2.25,3875820019684212736,null]");
	/* undefined: null in an array, no key in a map */
	ck_assert_str_eq(one_arg("92d4000001"), "[null,1]");
	ck_assert_str_eq(one_arg("82a161d40000a16202"), "{\"b\":2}");
	/* notepack 2.x's ArrayBuffer: ext 8 type 0 */
	ck_assert_str_eq(one_arg("c70300010203"), "{\"_placeholder\":true,\"num\":0}");
	/* another extension: [type, Buffer] */
	ck_assert_str_eq(one_arg("d5050102"), "[5,{\"_placeholder\":true,\"num\":0}]");
	ck_assert_str_eq(one_arg("ca3fc00000"), "1.5");
	ck_assert_str_eq(one_arg("cfffffffffffffffff"), "18446744073709552000");
}
END_TEST

/* ---- round trip ------------------------------------------------------------------ */

START_TEST(test_round_trip)
{
	sio_out *o = sio_out_new();
	sio_out_json(o, S_JSON, strlen(S_JSON));
	sio_out_binary(o, "\0\1", 2);
	base_buf b;
	base_buf_init(&b);
	const char *rooms[] = { "a", "b" }, *except[] = { "c" };
	sio_broadcast bc = { .rooms = rooms, .nrooms = 2, .except = except, .nexcept = 1 };
	ck_assert_int_eq(redis_wire_broadcast(&b, "uid123", "/chat", "e", o, &bc), 0);
	redis_msg m;
	redis_msg_init(&m);
	ck_assert_int_eq(redis_wire_decode_broadcast(&m, b.data, b.len), 0);
	ck_assert_str_eq(m.nsp, "/chat");
	ck_assert_str_eq(arg_json(m.args, 0), S_JSON);
	ck_assert_uint_eq(m.opts.nrooms, 2);
	ck_assert_str_eq(m.opts.except[0], "c");
	redis_msg_free(&m);
	sio_out_free(o);
	base_buf_free(&b);
}
END_TEST

/* Recovery across the fleet: the broadcast's number is a fourth element
 * (node's adapter reads the first three), 0 encodes none; read back, and
 * anything but a number there is no number. */
START_TEST(test_broadcast_seq)
{
	sio_out *o = sio_out_new();
	sio_out_int(o, 1);
	base_buf b, plain;
	base_buf_init(&b);
	base_buf_init(&plain);
	sio_broadcast all = { 0 };
	ck_assert_int_eq(redis_wire_broadcast_seq(&b, "uid123", "/", "e", o, &all, 300), 0);
	ck_assert_int_eq(redis_wire_broadcast(&plain, "uid123", "/", "e", o, &all), 0);
	ck_assert_uint_eq(((unsigned char *)b.data)[0], 0x94);
	/* the same three elements, then uint16 300 */
	ck_assert_uint_eq(b.len, plain.len + 3);
	ck_assert_mem_eq(b.data + 1, plain.data + 1, plain.len - 1);
	ck_assert_mem_eq(b.data + plain.len, "\xcd\x01\x2c", 3);
	redis_msg m;
	redis_msg_init(&m);
	ck_assert_int_eq(redis_wire_decode_broadcast(&m, b.data, b.len), 0);
	ck_assert_uint_eq(m.seq, 300);
	ck_assert_str_eq(m.uid, "uid123");
	redis_msg_free(&m);
	redis_msg_init(&m);
	ck_assert_int_eq(redis_wire_decode_broadcast(&m, plain.data, plain.len), 0);
	ck_assert_uint_eq(m.seq, 0);
	redis_msg_free(&m);
	/* a string in its place: no number, the broadcast still delivered */
	b.len = 0;
	base_buf_append(&b, "\x94", 1);
	base_buf_append(&b, plain.data + 1, plain.len - 1);
	base_buf_append(&b, "\xa1x", 2);
	redis_msg_init(&m);
	ck_assert_int_eq(redis_wire_decode_broadcast(&m, b.data, b.len), 0);
	ck_assert_uint_eq(m.seq, 0);
	redis_msg_free(&m);
	sio_out_free(o);
	base_buf_free(&b);
	base_buf_free(&plain);
}
END_TEST

/* ---- malformed ------------------------------------------------------------------- */

/* Every strict prefix of a body is refused. */
static void prefixes(int (*fn)(redis_msg *, const void *, size_t), const char *hex)
{
	unsigned char b[2048];
	size_t n = unhex(hex, b);
	for (size_t k = 0; k < n; k++) {
		redis_msg m;
		redis_msg_init(&m);
		unsigned char *copy = malloc(k ? k : 1);
		memcpy(copy, b, k);
		ck_assert_int_eq(fn(&m, copy, k), REDIS_WIRE_EMALFORMED);
		redis_msg_free(&m);
		free(copy);
	}
}

START_TEST(test_malformed_prefixes)
{
	prefixes(redis_wire_decode_broadcast, V_BCAST_ALL);
	prefixes(redis_wire_decode_broadcast, V_BCAST_BIN);
	prefixes(redis_wire_decode_broadcast, V_EMITTER_EMIT);
	prefixes(redis_wire_decode_request, V_ACK_REQUEST);
	prefixes(redis_wire_decode_response, V_CLIENT_ACK);
	const char *json[] = { J_JOIN, J_FETCH, J_SSE, J_ANSWER_FETCH };
	for (size_t i = 0; i < 4; i++) {
		for (size_t k = 1; k < strlen(json[i]); k++) {
			redis_msg m;
			redis_msg_init(&m);
			char *copy = malloc(k);
			memcpy(copy, json[i], k);
			int r = i == 3 ? redis_wire_decode_response(&m, copy, k)
			               : redis_wire_decode_request(&m, copy, k);
			ck_assert_int_eq(r, REDIS_WIRE_EMALFORMED);
			redis_msg_free(&m);
			free(copy);
		}
	}
}
END_TEST

static int bad_hex(int (*fn)(redis_msg *, const void *, size_t), const char *hex)
{
	redis_msg m;
	int r = decode_hex(fn, &m, hex);
	redis_msg_free(&m);
	return r;
}

static int bad_text(int (*fn)(redis_msg *, const void *, size_t), const char *s)
{
	redis_msg m;
	int r = decode_text(fn, &m, s);
	redis_msg_free(&m);
	return r;
}

START_TEST(test_malformed_bodies)
{
	int (*bc)(redis_msg *, const void *, size_t) = redis_wire_decode_broadcast;
	int (*rq)(redis_msg *, const void *, size_t) = redis_wire_decode_request;
	int (*rs)(redis_msg *, const void *, size_t) = redis_wire_decode_response;
	const int E = REDIS_WIRE_EMALFORMED;
	/* structure */
	ck_assert_int_eq(bad_hex(bc, ""), E);
	ck_assert_int_eq(bad_hex(bc, "c1"), E);
	ck_assert_int_eq(bad_hex(bc, "92a17880"), E);             /* two elements */
	ck_assert_int_eq(bad_hex(bc, V_BCAST_ALL "00"), E);       /* trailing byte */
	ck_assert_int_eq(bad_hex(bc, "ddffffffff"), E);           /* 4G elements declared */
	ck_assert_int_eq(bad_hex(bc, "dfffffffff"), E);           /* 4G pairs declared */
	ck_assert_int_eq(bad_hex(bc, "93a178c6ffffffff00"), E);   /* a 4 GiB bin */
	ck_assert_int_eq(bad_hex(bc, "93a178c9ffffffff0000"), E); /* a 4 GiB ext */
	char deep[200] = "";
	for (int i = 0; i < 60; i++)
		strcat(deep, "91");
	strcat(deep, "c0");
	ck_assert_int_eq(bad_hex(bc, deep), E);
	/* field types */
	ck_assert_int_eq(bad_hex(bc, "9301"
	                             "82a474797065"
	                             "02a46461746191a16580"),
	                 E); /* uid */
	ck_assert_int_eq(bad_hex(bc, "93a17882a474797065"
	                             "03a46461746191a16580"),
	                 E); /* type 3 */
	ck_assert_int_eq(bad_hex(bc, "93a17882a474797065"
	                             "02a46461746190"
	                             "80"),
	                 E); /* no event */
	ck_assert_int_eq(bad_hex(bc, "93a17882a474797065"
	                             "02a46461746191"
	                             "01"
	                             "80"),
	                 E);
	ck_assert_int_eq(bad_hex(bc, "93a17882a474797065"
	                             "02a46461746191a165"
	                             "c0"),
	                 E); /* opts */
	ck_assert_int_eq(bad_hex(bc, "93a17882a474797065"
	                             "02a46461746191a165"
	                             "81a5726f6f6d73a178"),
	                 E); /* rooms not an array */
	ck_assert_int_eq(bad_hex(bc, "93a17882a474797065"
	                             "02a46461746191a165"
	                             "81a5726f6f6d7391c3"),
	                 E); /* a room that is a boolean */
	ck_assert_int_eq(bad_hex(bc, "93a17882a474797065"
	                             "02a46461746191a165"
	                             "81a5666c616773"
	                             "81a8766f6c6174696c6501"),
	                 E); /* volatile: 1 */
	ck_assert_int_eq(bad_hex(bc, "93a17882a474797065"
	                             "02a46461746192a165"
	                             "8101c0"
	                             "80"),
	                 E); /* a map key that is not a string */
	ck_assert_int_eq(bad_hex(bc, "93a17882a474797065"
	                             "02a46461746192a165"
	                             "a2c328"
	                             "80"),
	                 E); /* invalid UTF-8 */
	ck_assert_int_eq(bad_hex(bc, "93a17882a474797065"
	                             "02a46461746191a26500"
	                             "80"),
	                 E); /* NUL in the event */
	/* requests */
	ck_assert_int_eq(bad_text(rq, "{}"), E);
	ck_assert_int_eq(bad_text(rq, "{\"type\":\"2\"}"), E);
	ck_assert_int_eq(bad_text(rq, "{\"type\":12}"), E);
	ck_assert_int_eq(bad_text(rq, "{\"type\":1}"), E);                     /* no requestId */
	ck_assert_int_eq(bad_text(rq, "{\"type\":5,\"requestId\":\"x\"}"), E); /* no opts */
	ck_assert_int_eq(bad_text(rq, "{\"type\":2,\"opts\":{}}"), E);         /* no rooms */
	ck_assert_int_eq(bad_text(rq, "{\"type\":2}"), E);                     /* no sid */
	ck_assert_int_eq(bad_text(rq, "{\"type\":6,\"data\":[]}"), E);
	ck_assert_int_eq(bad_text(rq, "{\"type\":6,\"data\":[\"e\"],\"uid\":5}"), E);
	ck_assert_int_eq(bad_text(rq, "{\"type\":8,\"requestId\":\"x\"}"), E);
	ck_assert_int_eq(bad_text(rq, "{\"type\":1,\"requestId\":\"x\"} x"), E);
	ck_assert_int_eq(bad_text(rq, "[1]"), E);
	ck_assert_int_eq(bad_hex(rq, "91c0"), E);
	/* responses */
	ck_assert_int_eq(bad_text(rs, "{\"rooms\":[]}"), E);
	ck_assert_int_eq(bad_text(rs, "{\"requestId\":1}"), E);
	ck_assert_int_eq(bad_text(rs, "{\"requestId\":\"x\",\"sockets\":[{}]}"), E);
	ck_assert_int_eq(bad_text(rs, "{\"requestId\":\"x\",\"sockets\":[\"a\",{}]}"), E);
	ck_assert_int_eq(bad_text(rs, "{\"requestId\":\"x\",\"type\":8}"), E);
	ck_assert_int_eq(bad_text(rs, "{\"requestId\":\"x\",\"type\":8,\"clientCount\":-1}"), E);
	ck_assert_int_eq(bad_text(rs, "{\"requestId\":\"x\",\"sockets\":{}}"), E);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("redis_wire");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_encode_broadcasts);
	tcase_add_test(tc, test_encode_requests);
	tcase_add_test(tc, test_encode_answers);
	tcase_add_test(tc, test_decode_broadcasts);
	tcase_add_test(tc, test_decode_requests);
	tcase_add_test(tc, test_decode_responses);
	tcase_add_test(tc, test_decode_values);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_broadcast_seq);
	tcase_add_test(tc, test_malformed_prefixes);
	tcase_add_test(tc, test_malformed_bodies);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(suite());
}
