/* test_net_wsframe.c - Check tests of the WebSocket frame reader
 * (net/net_wsframe.c, RFC 6455 section 5).
 *
 * Every stream is fed three ways, and the three must give the same result:
 * whole, one byte at a time, and cut at random points (fixed seeds; every
 * two-piece cut too when the stream is short). The same result is: the same
 * whole messages (a message's pieces joined, its binary flag) and control
 * frames in the same order, the same error code (0, 1002, 1007 or 1009) with
 * a reason, and the same bytes consumed in total, except on a 1007 found in
 * a data frame's payload, which is told at the end of the piece it is in
 * (the pieces differ by how the stream was cut). Whatever the cut, a
 * message's pieces come with first on the first only, final on the last
 * only, and its binary flag on each; after a close frame or an error a feed
 * consumes nothing.
 *
 * What the reader asserts, by the RFC: a masked text or binary frame is one
 * piece with first and final, unmasked; fragments make one message; an empty
 * message is one empty piece; ping, pong and close come as control events
 * with their payload, also between a message's fragments, up to 125 bytes.
 * 1002: a control frame over 125 bytes or fragmented, a continuation without
 * a message, a new message inside a fragmented one, RSV1-3, opcodes 3-7 and
 * 11-15, an unmasked client frame, a close
 * payload of one byte or with a code no peer may send. 1007: a text message
 * or close reason that is not UTF-8 (a character may be split across
 * fragments, not cut by the message's end). 1009: a message over the limit,
 * summed over its fragments, told at the header of the frame that makes it
 * so, before its payload, and a length with bit 63 set (as node's ws); 1008:
 * a message of more than 16,384 frames. A close frame ends the stream: the bytes after it
 * are not consumed. net_wsf_utf8_valid() on its own: RFC 3629 (no overlong
 * forms, no surrogates, nothing past U+10FFFF), its ASCII fast path included.
 */
#include "check_main.h"
#include "wsframe_fixture.h"

/* ---- data messages ------------------------------------------------------------------- */

START_TEST(test_text_frame)
{
	stream s = { 0 };
	st_str(&s, FIN | 0x1, "Hello, world");
	rec r;
	read_all(&r, &s, LIMIT);
	ck_assert_uint_eq(r.code, 0);
	ck_assert_uint_eq(r.consumed, s.len);
	ck_assert_int_eq(r.nev, 1);
	expect_message(&r, 0, false, "Hello, world", 12);
	/* whole: one piece, first and final */
	ck_assert_int_eq(r.npieces, 1);
	ck_assert(r.piece[0].first && r.piece[0].final && !r.piece[0].binary);
	rec_free(&r);
	free(s.b);
}
END_TEST

START_TEST(test_binary_frames)
{
	/* the three length forms: 7-bit, 16-bit, 64-bit */
	size_t sizes[] = { 5, 125, 126, 300, 65535, 65536, 70000 };
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t n = sizes[k];
		uint8_t *p = malloc(n);
		for (size_t i = 0; i < n; i++)
			p[i] = (uint8_t)(i * 7 + 3);
		stream s = { 0 };
		st_frame(&s, FIN | 0x2, p, n);
		rec r;
		read_all(&r, &s, LIMIT);
		ck_assert_uint_eq(r.code, 0);
		ck_assert_uint_eq(r.consumed, s.len);
		ck_assert_int_eq(r.nev, 1);
		expect_message(&r, 0, true, p, n);
		ck_assert_int_eq(r.npieces, 1);
		ck_assert(r.piece[0].first && r.piece[0].final && r.piece[0].binary);
		rec_free(&r);
		free(s.b);
		free(p);
	}
}
END_TEST

START_TEST(test_fragments)
{
	stream s = { 0 };
	st_str(&s, 0x2, "abc");
	st_str(&s, 0x0, "defg");
	st_str(&s, FIN | 0x0, "hi");
	rec r;
	read_all(&r, &s, LIMIT);
	ck_assert_uint_eq(r.code, 0);
	ck_assert_int_eq(r.nev, 1);
	expect_message(&r, 0, true, "abcdefghi", 9);
	ck_assert_int_eq(r.npieces, 3);
	ck_assert(r.piece[0].first && !r.piece[0].final && r.piece[0].binary);
	ck_assert(!r.piece[1].first && !r.piece[1].final && r.piece[1].binary);
	ck_assert(!r.piece[2].first && r.piece[2].final && r.piece[2].binary);
	rec_free(&r);
	free(s.b);

	/* text fragments, then another message after */
	stream t = { 0 };
	st_str(&t, 0x1, "one ");
	st_str(&t, 0x0, "");
	st_str(&t, FIN | 0x0, "two");
	st_str(&t, FIN | 0x1, "three");
	read_all(&r, &t, LIMIT);
	ck_assert_uint_eq(r.code, 0);
	ck_assert_int_eq(r.nev, 2);
	expect_message(&r, 0, false, "one two", 7);
	expect_message(&r, 1, false, "three", 5);
	rec_free(&r);
	free(t.b);
}
END_TEST

START_TEST(test_empty_message)
{
	stream s = { 0 };
	st_str(&s, FIN | 0x1, "");
	st_str(&s, FIN | 0x2, "");
	/* empty fragments make an empty message too */
	st_str(&s, 0x2, "");
	st_str(&s, FIN | 0x0, "");
	rec r;
	read_all(&r, &s, LIMIT);
	ck_assert_uint_eq(r.code, 0);
	ck_assert_uint_eq(r.consumed, s.len);
	ck_assert_int_eq(r.nev, 3);
	expect_message(&r, 0, false, "", 0);
	expect_message(&r, 1, true, "", 0);
	expect_message(&r, 2, true, "", 0);
	ck_assert_int_eq(r.npieces, 3);
	for (int i = 0; i < 3; i++)
		ck_assert(r.piece[i].first && r.piece[i].final && r.piece[i].n == 0);
	rec_free(&r);
	free(s.b);
}
END_TEST

/* ---- control frames ------------------------------------------------------------------ */

START_TEST(test_control_frames)
{
	stream s = { 0 };
	st_str(&s, FIN | 0x9, "ping!");
	st_str(&s, FIN | 0xA, "pong");
	st_str(&s, FIN | 0x9, "");
	st_close(&s, 1000, "bye");
	rec r;
	read_all(&r, &s, LIMIT);
	ck_assert_uint_eq(r.code, 0);
	ck_assert_uint_eq(r.consumed, s.len);
	ck_assert_int_eq(r.nev, 4);
	expect_control(&r, 0, 0x9, "ping!", 5);
	expect_control(&r, 1, 0xA, "pong", 4);
	expect_control(&r, 2, 0x9, "", 0);
	expect_control(&r, 3, 0x8,
	               "\x03\xe8"
	               "bye",
	               5);
	rec_free(&r);
	free(s.b);

	/* an empty close */
	stream c = { 0 };
	st_str(&c, FIN | 0x8, "");
	read_all(&r, &c, LIMIT);
	ck_assert_uint_eq(r.code, 0);
	ck_assert_int_eq(r.nev, 1);
	expect_control(&r, 0, 0x8, "", 0);
	rec_free(&r);
	free(c.b);
}
END_TEST

START_TEST(test_ping_between_fragments)
{
	stream s = { 0 };
	st_str(&s, 0x1, "frag");
	st_str(&s, FIN | 0x9, "p1");
	st_str(&s, 0x0, "ment");
	st_str(&s, FIN | 0xA, "p2");
	st_str(&s, FIN | 0x0, "ed");
	rec r;
	read_all(&r, &s, LIMIT);
	ck_assert_uint_eq(r.code, 0);
	ck_assert_uint_eq(r.consumed, s.len);
	ck_assert_int_eq(r.nev, 3);
	expect_control(&r, 0, 0x9, "p1", 2);
	expect_control(&r, 1, 0xA, "p2", 2);
	expect_message(&r, 2, false, "fragmented", 10);
	ck_assert_int_eq(r.npieces, 3);
	ck_assert(r.piece[0].first && !r.piece[2].first && r.piece[2].final);
	rec_free(&r);
	free(s.b);
}
END_TEST

START_TEST(test_control_length)
{
	char p[200];
	memset(p, 'x', sizeof(p));
	/* 125 bytes: fine */
	stream s = { 0 };
	st_frame(&s, FIN | 0x9, p, 125);
	rec r;
	read_all(&r, &s, LIMIT);
	ck_assert_uint_eq(r.code, 0);
	expect_control(&r, 0, 0x9, p, 125);
	rec_free(&r);
	free(s.b);
	/* 126: a protocol error at the header, its payload not read */
	stream t = { 0 };
	st_frame(&t, FIN | 0x9, p, 126);
	read_all(&r, &t, LIMIT);
	ck_assert_uint_eq(r.code, 1002);
	ck_assert_uint_eq(r.consumed, 2 + 2 + 4);
	ck_assert_int_eq(r.nev, 0);
	rec_free(&r);
	free(t.b);
	frame_error(FIN | 0xA, p, 200, 1002);
	frame_error(FIN | 0x8, p, 126, 1002);
	/* a fragmented control frame */
	frame_error(0x9, "x", 1, 1002);
	frame_error(0xA, "", 0, 1002);
	frame_error(0x8, "", 0, 1002);
}
END_TEST

/* ---- protocol errors ----------------------------------------------------------------- */

START_TEST(test_sequence_errors)
{
	/* a continuation without a message */
	frame_error(FIN | 0x0, "x", 1, 1002);
	frame_error(0x0, "x", 1, 1002);
	/* after a whole message too */
	stream s = { 0 };
	st_str(&s, FIN | 0x1, "done");
	st_str(&s, FIN | 0x0, "more");
	rec r;
	read_all(&r, &s, LIMIT);
	ck_assert_uint_eq(r.code, 1002);
	ck_assert_int_eq(r.nev, 1);
	rec_free(&r);
	free(s.b);
	/* a text (or binary) frame inside a fragmented message */
	stream t = { 0 };
	st_str(&t, 0x1, "start");
	st_str(&t, FIN | 0x1, "again");
	read_all(&r, &t, LIMIT);
	ck_assert_uint_eq(r.code, 1002);
	ck_assert_int_eq(r.nev, 0);
	rec_free(&r);
	free(t.b);
	stream u = { 0 };
	st_str(&u, 0x2, "start");
	st_str(&u, 0x2, "again");
	expect_error(&u, LIMIT, 1002);
	free(u.b);
}
END_TEST

START_TEST(test_reserved_bits_and_opcodes)
{
	uint8_t rsv[] = { RSV1, RSV2, RSV3, RSV1 | RSV2 | RSV3 };
	for (size_t i = 0; i < sizeof(rsv); i++) {
		frame_error(FIN | rsv[i] | 0x1, "x", 1, 1002);
		frame_error(FIN | rsv[i] | 0x9, "x", 1, 1002);
	}
	for (int op = 3; op <= 7; op++)
		frame_error((uint8_t)(FIN | op), "x", 1, 1002);
	for (int op = 11; op <= 15; op++)
		frame_error((uint8_t)(FIN | op), "x", 1, 1002);
}
END_TEST

START_TEST(test_unmasked)
{
	stream s = { 0 };
	st_unmasked(&s, FIN | 0x1, "hello", 5);
	rec r;
	read_all(&r, &s, LIMIT);
	ck_assert_uint_eq(r.code, 1002);
	ck_assert_uint_eq(r.consumed, 2);
	ck_assert_int_eq(r.nev, 0);
	rec_free(&r);
	free(s.b);
	stream t = { 0 };
	st_unmasked(&t, FIN | 0x9, "", 0);
	expect_error(&t, LIMIT, 1002);
	free(t.b);
	/* after a good frame */
	stream u = { 0 };
	st_str(&u, FIN | 0x2, "ok");
	st_unmasked(&u, FIN | 0x2, "no", 2);
	read_all(&r, &u, LIMIT);
	ck_assert_uint_eq(r.code, 1002);
	ck_assert_int_eq(r.nev, 1);
	rec_free(&r);
	free(u.b);
}
END_TEST

/* A masked binary frame header with the 64-bit length len, then payload
 * bytes 'z' (n of them). */
static void st_header64(stream *s, uint8_t b0, uint64_t len, size_t n)
{
	uint8_t h[14];
	h[0] = b0;
	h[1] = 0x80 | 127;
	for (int i = 0; i < 8; i++)
		h[2 + i] = (uint8_t)(len >> (8 * (7 - i)));
	memcpy(h + 10, MASK, 4);
	st_bytes(s, h, 14);
	for (size_t i = 0; i < n; i++)
		st_bytes(s, "z", 1);
}

START_TEST(test_length_limits)
{
	/* bit 63 set (RFC 6455 5.2 forbids it): 1009 whatever the limit, as
	 * node's ws answers any length past 2^53 - 1 */
	stream s = { 0 };
	st_header64(&s, FIN | 0x2, 0x8000000000000000ull, 4);
	rec r;
	read_all(&r, &s, UINT64_MAX);
	ck_assert_uint_eq(r.code, 1009);
	ck_assert_uint_eq(r.consumed, 14);
	rec_free(&r);
	free(s.b);
	stream s2 = { 0 };
	st_header64(&s2, FIN | 0x2, UINT64_MAX, 0);
	expect_error(&s2, UINT64_MAX, 1009);
	free(s2.b);

	/* 2^63-1: too large, told right after the header, no data */
	stream t = { 0 };
	st_header64(&t, FIN | 0x2, 0x7fffffffffffffffull, 10);
	read_all(&r, &t, LIMIT);
	ck_assert_uint_eq(r.code, 1009);
	ck_assert_uint_eq(r.consumed, 14);
	ck_assert_int_eq(r.npieces, 0);
	ck_assert_int_eq(r.nev, 0);
	rec_free(&r);
	free(t.b);

	/* a single frame one byte over the limit */
	char p[300];
	memset(p, 'q', sizeof(p));
	stream u = { 0 };
	st_frame(&u, FIN | 0x1, p, 201);
	read_all(&r, &u, 200);
	ck_assert_uint_eq(r.code, 1009);
	ck_assert_uint_eq(r.consumed, 2 + 2 + 4);
	ck_assert_int_eq(r.npieces, 0);
	rec_free(&r);
	free(u.b);
}
END_TEST

START_TEST(test_message_limit_over_fragments)
{
	/* max 10: 6 + 4 fill it, the third fragment's byte is over */
	stream s = { 0 };
	st_str(&s, 0x2, "abcdef");
	st_str(&s, FIN | 0x9, "ping not counted");
	st_str(&s, 0x0, "ghij");
	size_t before = s.len;
	st_str(&s, FIN | 0x0, "k");
	rec r;
	read_all(&r, &s, 10);
	ck_assert_uint_eq(r.code, 1009);
	ck_assert_uint_eq(r.consumed, before + 2 + 4); /* through the third's header */
	ck_assert_uint_eq(r.data_bytes, 10);
	ck_assert_int_eq(r.nev, 1); /* the ping; no message */
	ck_assert_int_eq(r.ev[0].kind, 'C');
	rec_free(&r);
	free(s.b);

	/* exactly 10: fine, and the limit is per message */
	stream t = { 0 };
	st_str(&t, 0x2, "abcdef");
	st_str(&t, 0x0, "ghij");
	st_str(&t, FIN | 0x0, "");
	st_str(&t, FIN | 0x1, "0123456789");
	st_str(&t, FIN | 0x1, "");
	read_all(&r, &t, 10);
	ck_assert_uint_eq(r.code, 0);
	ck_assert_uint_eq(r.consumed, t.len);
	ck_assert_int_eq(r.nev, 3);
	expect_message(&r, 0, true, "abcdefghij", 10);
	expect_message(&r, 1, false, "0123456789", 10);
	expect_message(&r, 2, false, "", 0);
	rec_free(&r);
	free(t.b);

	/* a limit of 0 takes only empty messages */
	stream z = { 0 };
	st_str(&z, FIN | 0x1, "");
	expect_error(&z, 0, 0);
	st_str(&z, FIN | 0x1, "x");
	expect_error(&z, 0, 1009);
	free(z.b);
}
END_TEST

/* A message of n data frames: "4", n - 2 empty ones, "2" (n >= 2). */
static void st_fragments(stream *s, size_t n)
{
	st_str(s, 0x1, "4");
	for (size_t i = 0; i < n - 2; i++)
		st_str(s, 0x0, "");
	st_str(s, FIN | 0x0, "2");
}

static void count_data(void *ud, const char *p, size_t n, bool binary, bool first, bool final)
{
	(void)p, (void)n, (void)binary, (void)first;
	*(int *)ud += final;
}

static void no_control(void *ud, int opcode, const char *p, size_t n)
{
	(void)ud, (void)opcode, (void)p, (void)n;
	ck_abort_msg("no control frame was sent");
}

/* node's ws bound: 16,384 data frames make a message, one more is 1008 at
 * its header; the count starts again with each message. */
START_TEST(test_fragment_count)
{
	static const net_wsf_events ev = { count_data, no_control };
	stream s = { 0 };
	st_fragments(&s, NET_WSF_MAX_FRAGMENTS);
	st_fragments(&s, NET_WSF_MAX_FRAGMENTS);
	size_t ok = s.len;
	st_fragments(&s, NET_WSF_MAX_FRAGMENTS + 1);
	net_wsf r;
	net_wsf_init(&r, LIMIT);
	net_wsf_error err;
	int messages = 0;
	size_t used = net_wsf_feed(&r, (char *)s.b, s.len, &ev, &messages, &err);
	ck_assert_int_eq(messages, 2);
	ck_assert_uint_eq(err.code, 1008);
	/* the third message's frames up to the one too many: its header read */
	ck_assert_uint_eq(used, ok + 7 + (size_t)(NET_WSF_MAX_FRAGMENTS - 1) * 6 + 6);
	free(s.b);
}
END_TEST

/* ---- UTF-8 --------------------------------------------------------------------------- */

START_TEST(test_text_utf8)
{
	const char *bad[] = { "\xff",
		              "ab\xff",
		              "\xc0\xaf",
		              "\xed\xa0\x80",
		              "\xf4\x90\x80\x80",
		              "\x80",
		              "\xe2\x82",
		              "0123456789abcdef\xfe" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		frame_error(FIN | 0x1, bad[i], strlen(bad[i]), 1007);
	/* binary is not checked */
	frame_error(FIN | 0x2, "\xff\xc0\xaf", 3, 0);
	/* valid: 2-, 3- and 4-byte characters, U+10FFFF */
	const char *good[] = { "caf\xc3\xa9",      "\xe2\x82\xac", "\xf0\x9f\x98\x80",
		               "\xf4\x8f\xbf\xbf", "\xef\xbf\xbf", "\xed\x9f\xbf" };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		frame_error(FIN | 0x1, good[i], strlen(good[i]), 0);
}
END_TEST

START_TEST(test_utf8_across_fragments)
{
	/* the euro sign E2 82 AC split over fragments: fine */
	stream s = { 0 };
	st_str(&s, 0x1, "a\xe2");
	st_str(&s, FIN | 0x9, "");
	st_str(&s, 0x0, "\x82");
	st_str(&s, FIN | 0x0,
	       "\xac"
	       "b");
	rec r;
	read_all(&r, &s, LIMIT);
	ck_assert_uint_eq(r.code, 0);
	ck_assert_int_eq(r.nev, 2);
	expect_message(&r, 1, false,
	               "a\xe2\x82\xac"
	               "b",
	               5);
	rec_free(&r);
	free(s.b);

	/* cut, then the message ends: in its last frame, or in an empty one */
	stream t = { 0 };
	st_str(&t, 0x1, "a");
	st_str(&t, FIN | 0x0, "\xe2\x82");
	expect_error(&t, LIMIT, 1007);
	free(t.b);
	stream u = { 0 };
	st_str(&u, 0x1, "\xf0\x9f\x98");
	st_str(&u, FIN | 0x0, "");
	read_all(&r, &u, LIMIT);
	ck_assert_uint_eq(r.code, 1007);
	ck_assert_uint_eq(r.consumed, u.len);
	ck_assert_int_eq(r.nev, 0);
	rec_free(&r);
	free(u.b);

	/* invalid only across the cut: E2 then 28 */
	stream v = { 0 };
	st_str(&v, 0x1, "\xe2");
	st_str(&v, FIN | 0x0, "(");
	expect_error(&v, LIMIT, 1007);
	free(v.b);
}
END_TEST

/* ---- close frames -------------------------------------------------------------------- */

START_TEST(test_close_payload)
{
	frame_error(FIN | 0x8, "\x03", 1, 1002);
	unsigned bad[] = { 0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		stream s = { 0 };
		st_close(&s, bad[i], "");
		expect_error(&s, LIMIT, 1002);
		free(s.b);
	}
	unsigned good[] = { 1000, 1001, 1002, 1003, 1007, 1008, 1011, 1014, 3000, 4000, 4999 };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		stream s = { 0 };
		st_close(&s, good[i], "reason \xe2\x82\xac");
		rec r;
		read_all(&r, &s, LIMIT);
		ck_assert_msg(r.code == 0, "close code %u refused", good[i]);
		ck_assert_int_eq(r.nev, 1);
		ck_assert_int_eq(r.ev[0].op, 0x8);
		ck_assert_uint_eq(r.ev[0].n, 2 + 10);
		ck_assert_uint_eq(((uint8_t)r.ev[0].p[0] << 8 | (uint8_t)r.ev[0].p[1]), good[i]);
		rec_free(&r);
		free(s.b);
	}
	/* a reason not UTF-8 */
	stream s = { 0 };
	st_close(&s, 1000, "bad \xff");
	rec r;
	read_all(&r, &s, LIMIT);
	ck_assert_uint_eq(r.code, 1007);
	ck_assert_int_eq(r.nev, 0);
	rec_free(&r);
	free(s.b);
	stream t = { 0 };
	st_close(&t, 1001, "\xed\xa0\x80");
	expect_error(&t, LIMIT, 1007);
	free(t.b);
}
END_TEST

START_TEST(test_close_ends_stream)
{
	stream s = { 0 };
	st_str(&s, FIN | 0x1, "before");
	st_close(&s, 1000, "");
	size_t close_end = s.len;
	st_str(&s, FIN | 0x1, "after");
	st_unmasked(&s, FIN | 0x1, "garbage", 7);
	rec r;
	read_all(&r, &s, LIMIT);
	ck_assert_uint_eq(r.code, 0);
	ck_assert_uint_eq(r.consumed, close_end);
	ck_assert(r.stopped);
	ck_assert_int_eq(r.nev, 2);
	expect_message(&r, 0, false, "before", 6);
	expect_control(&r, 1, 0x8, "\x03\xe8", 2);
	rec_free(&r);
	free(s.b);

	/* the close in the middle of a fragmented message */
	stream t = { 0 };
	st_str(&t, 0x2, "half");
	st_str(&t, FIN | 0x8, "");
	close_end = t.len;
	st_str(&t, FIN | 0x0, "rest");
	read_all(&r, &t, LIMIT);
	ck_assert_uint_eq(r.code, 0);
	ck_assert_uint_eq(r.consumed, close_end);
	ck_assert_int_eq(r.nev, 1);
	rec_free(&r);
	free(t.b);

	/* a close that ends the stream exactly: the next feed takes nothing */
	stream u = { 0 };
	st_close(&u, 1001, "");
	char copy[16];
	memcpy(copy, u.b, u.len);
	net_wsf w;
	net_wsf_init(&w, LIMIT);
	net_wsf_error err;
	memset(&r, 0, sizeof(r));
	ck_assert_uint_eq(net_wsf_feed(&w, copy, u.len, &EVENTS, &r, &err), u.len);
	ck_assert_uint_eq(err.code, 0);
	ck_assert_int_eq(r.nev, 1);
	rec_free(&r);
	char more[8];
	memcpy(more, u.b, 8);
	ck_assert_uint_eq(net_wsf_feed(&w, more, 8, &EVENTS, &r, &err), 0);
	ck_assert_int_eq(r.nev, 0);
	rec_free(&r);
	free(u.b);
}
END_TEST

START_TEST(test_nothing_after_error)
{
	stream s = { 0 };
	st_str(&s, FIN | RSV1 | 0x1, "x");
	char b[64];
	memcpy(b, s.b, s.len);
	net_wsf w;
	net_wsf_init(&w, LIMIT);
	net_wsf_error err;
	rec r;
	memset(&r, 0, sizeof(r));
	ck_assert_uint_eq(net_wsf_feed(&w, b, s.len, &EVENTS, &r, &err), 2 + 4); /* the header */
	ck_assert_uint_eq(err.code, 1002);
	ck_assert_ptr_nonnull(err.reason);
	stream t = { 0 };
	st_str(&t, FIN | 0x1, "fine");
	memcpy(b, t.b, t.len);
	ck_assert_uint_eq(net_wsf_feed(&w, b, t.len, &EVENTS, &r, &err), 0);
	ck_assert_int_eq(r.nev, 0);
	ck_assert_int_eq(r.npieces, 0);
	rec_free(&r);
	free(s.b);
	free(t.b);
}
END_TEST

/* ---- net_wsf_utf8_valid -------------------------------------------------------------- */

START_TEST(test_utf8_valid_table)
{
	static const struct {
		const char *s;
		bool ok;
	} t[] = {
		{ "", true },
		{ "plain ascii", true },
		{ "\x7f", true },
		{ "\xc2\x80", true },
		{ "\xdf\xbf", true },
		{ "\xe0\xa0\x80", true },
		{ "\xe2\x82\xac", true },
		{ "\xed\x9f\xbf", true },
		{ "\xee\x80\x80", true },
		{ "\xef\xbf\xbf", true },
		{ "\xf0\x90\x80\x80", true },
		{ "\xf0\x9f\x98\x80", true },
		{ "\xf3\xbf\xbf\xbf", true },
		{ "\xf4\x8f\xbf\xbf", true }, /* U+10FFFF */
		{ "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", true },
		{ "\x80", false },
		{ "\xbf", false },
		{ "\xc0\x80", false },
		{ "\xc0\xaf", false },
		{ "\xc1\xbf", false },
		{ "\xc2", false },
		{ "\xc2\x41", false },
		{ "\xe0\x80\xaf", false },
		{ "\xe0\x9f\xbf", false },
		{ "\xe2\x82", false },
		{ "\xed\xa0\x80", false },
		{ "\xed\xbf\xbf", false },
		{ "\xf0\x80\x80\x80", false },
		{ "\xf0\x8f\xbf\xbf", false },
		{ "\xf4\x90\x80\x80", false },
		{ "\xf5\x80\x80\x80", false },
		{ "\xf8\x88\x80\x80\x80", false },
		{ "\xfe", false },
		{ "\xff", false },
		{ "\xf0\x9f\x98", false },
		{ "a\xe2\x82\xac\xac", false },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(net_wsf_utf8_valid(t[i].s, strlen(t[i].s)) == t[i].ok, "entry %zu",
		              i);
	ck_assert(net_wsf_utf8_valid("\0", 1));
}
END_TEST

START_TEST(test_utf8_valid_ascii_runs)
{
	/* long ASCII runs (the eight-at-a-time path) with one bad byte, or one
	 * good character, at every position */
	char b[64];
	for (size_t len = 1; len <= 40; len++) {
		memset(b, 'a', len);
		ck_assert(net_wsf_utf8_valid(b, len));
		for (size_t at = 0; at < len; at++) {
			memset(b, 'a', len);
			b[at] = (char)0xff;
			ck_assert_msg(!net_wsf_utf8_valid(b, len), "0xff at %zu of %zu", at, len);
			b[at] = (char)0x80;
			ck_assert_msg(!net_wsf_utf8_valid(b, len), "0x80 at %zu of %zu", at, len);
			if (at + 3 <= len) {
				memcpy(b + at, "\xe2\x82\xac", 3);
				ck_assert_msg(net_wsf_utf8_valid(b, len), "euro at %zu of %zu", at,
				              len);
				/* the same, cut by the end */
				ck_assert(!net_wsf_utf8_valid(b, at + 2));
			}
		}
	}
	/* a character then a long run then a bad one */
	ck_assert(!net_wsf_utf8_valid("\xc3\xa9"
	                              "0123456789abcdef\xc3",
	                              19));
	ck_assert(net_wsf_utf8_valid("\xc3\xa9"
	                             "0123456789abcdef\xc3\xa9",
	                             20));
}
END_TEST

static Suite *wsframe_suite(void)
{
	Suite *s = suite_create("net_wsframe");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_text_frame);
	tcase_add_test(tc, test_binary_frames);
	tcase_add_test(tc, test_fragments);
	tcase_add_test(tc, test_empty_message);
	tcase_add_test(tc, test_control_frames);
	tcase_add_test(tc, test_ping_between_fragments);
	tcase_add_test(tc, test_control_length);
	tcase_add_test(tc, test_sequence_errors);
	tcase_add_test(tc, test_reserved_bits_and_opcodes);
	tcase_add_test(tc, test_unmasked);
	tcase_add_test(tc, test_length_limits);
	tcase_add_test(tc, test_message_limit_over_fragments);
	tcase_add_test(tc, test_fragment_count);
	tcase_add_test(tc, test_text_utf8);
	tcase_add_test(tc, test_utf8_across_fragments);
	tcase_add_test(tc, test_close_payload);
	tcase_add_test(tc, test_close_ends_stream);
	tcase_add_test(tc, test_nothing_after_error);
	tcase_add_test(tc, test_utf8_valid_table);
	tcase_add_test(tc, test_utf8_valid_ascii_runs);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(wsframe_suite());
}
