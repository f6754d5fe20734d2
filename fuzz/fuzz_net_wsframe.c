/* fuzz_net_wsframe.c - libFuzzer target for the WebSocket frame reader
 * (net/net_wsframe.c, RFC 6455 section 5): what a client sends on a
 * WebSocket is any bytes, split across reads anywhere.
 *
 * The input's first byte picks a split point and the message limit; the rest
 * is fed to one reader whole and to another in two pieces (the second from
 * the split on, unless the first ended the stream), and the two must agree:
 * the same whole messages (pieces joined) and control frames in the same
 * order, the same error code, the same bytes consumed (except on a 1007 found
 * in a data frame's payload, told at the end of the piece it is in). In each
 * run: a message's pieces come with first on the first only, the same binary
 * flag, and sum to at most the limit; a control frame is a close, ping or
 * pong of at most 125 bytes, a close's payload never one byte; nothing comes
 * after a close; a feed never consumes more than it is given, and once the
 * stream has ended (close or error) consumes nothing. Any crash, sanitizer
 * report, leak or failed check (abort) is a finding.
 *
 *   make fuzz && build-fuzz/fuzz_net_wsframe -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../net/net_wsframe.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

/* The limits the first byte picks from (its low three bits). */
static const uint64_t MAXES[8] = { 0, 1, 5, 16, 125, 1000, 65536, UINT64_MAX };

/* One run's events, as a log: 'M' binary length bytes for a whole message,
 * 'C' opcode length bytes for a control frame. */
struct run {
	uint8_t *log;
	size_t log_len, log_cap;
	uint64_t max;
	bool in_msg, binary, closed;
	uint64_t msg_len; /* the message in progress, so far */
	size_t msg_at;    /* where its 'M' entry starts in the log */
};

static void put(struct run *r, const void *p, size_t n)
{
	CHECK(r->log_len + n <= r->log_cap);
	memcpy(r->log + r->log_len, p, n);
	r->log_len += n;
}

static void data(void *ud, const char *p, size_t n, bool binary, bool first, bool final)
{
	struct run *r = ud;
	CHECK(!r->closed);
	CHECK(first == !r->in_msg);
	if (first) {
		r->in_msg = true;
		r->binary = binary;
		r->msg_len = 0;
		r->msg_at = r->log_len;
		uint8_t h[2] = { 'M', binary };
		put(r, h, 2);
		uint64_t zero = 0;
		put(r, &zero, sizeof(zero));
	}
	CHECK(binary == r->binary);
	r->msg_len += n;
	CHECK(r->msg_len <= r->max);
	put(r, p, n);
	if (final) {
		memcpy(r->log + r->msg_at + 2, &r->msg_len, sizeof(r->msg_len));
		r->in_msg = false;
	}
}

static void control(void *ud, int opcode, const char *p, size_t n)
{
	struct run *r = ud;
	CHECK(!r->closed);
	CHECK(opcode == 0x8 || opcode == 0x9 || opcode == 0xA);
	CHECK(n <= 125);
	if (opcode == 0x8) {
		CHECK(n != 1);
		r->closed = true;
	}
	uint8_t h[3] = { 'C', (uint8_t)opcode, (uint8_t)n };
	put(r, h, 3);
	put(r, p, n);
}

static const net_wsf_events EVENTS = { data, control };

/* Feeds pieces in order until one is not consumed whole; then one more feed
 * must consume nothing. Returns the bytes consumed, the error in *err. */
static size_t feed(struct run *r, char *a, size_t alen, char *b, size_t blen, net_wsf_error *err)
{
	net_wsf w;
	net_wsf_init(&w, r->max);
	size_t used = net_wsf_feed(&w, a, alen, &EVENTS, r, err);
	CHECK(used <= alen);
	if (used == alen && !err->code && blen) {
		size_t more = net_wsf_feed(&w, b, blen, &EVENTS, r, err);
		CHECK(more <= blen);
		used += more;
	}
	if (err->code)
		CHECK(err->reason != NULL && w.closed);
	if (w.closed) {
		char again[2] = { (char)0x81, 0 };
		net_wsf_error e2;
		CHECK(net_wsf_feed(&w, again, sizeof(again), &EVENTS, r, &e2) == 0);
	}
	/* A message not finished is not in the log. */
	if (r->in_msg)
		r->log_len = r->msg_at;
	return used;
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t len)
{
	if (len < 1)
		return 0;
	size_t n = len - 1;
	size_t split = n ? in[0] % (n + 1) : 0;
	uint64_t max = MAXES[in[0] & 7];

	/* the reader unmasks in place: a copy each */
	char *one = malloc(n + 1), *two = malloc(n + 1);
	memcpy(one, in + 1, n);
	memcpy(two, in + 1, n);
	size_t cap = 2 * n + 64; /* a log entry is at most 10 bytes more than its frame's */
	struct run r1 = { .log = malloc(cap), .log_cap = cap, .max = max };
	struct run r2 = { .log = malloc(cap), .log_cap = cap, .max = max };
	net_wsf_error e1, e2;

	size_t u1 = feed(&r1, one, n, NULL, 0, &e1);
	size_t u2 = feed(&r2, two, split, two + split, n - split, &e2);
	CHECK(u1 <= n && u2 <= n);
	CHECK(e1.code == e2.code);
	CHECK(e1.code == 0 || e1.code == 1002 || e1.code == 1007 || e1.code == 1009);
	if (e1.code != 1007)
		CHECK(u1 == u2);
	if (!e1.code && !r1.closed)
		CHECK(u1 == n);
	CHECK(r1.closed == r2.closed);
	CHECK(r1.log_len == r2.log_len && memcmp(r1.log, r2.log, r1.log_len) == 0);

	free(r1.log);
	free(r2.log);
	free(one);
	free(two);
	return 0;
}
