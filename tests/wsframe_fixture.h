/* wsframe_fixture.h - building WebSocket frames and reading them with
 * net/net_wsframe.c three ways (whole, a byte at a time, cut at random points),
 * for tests/test_net_wsframe.c: what the three readings must share is said there.
 */
#ifndef WSFRAME_FIXTURE_H
#define WSFRAME_FIXTURE_H

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../net/net_wsframe.h"

/* ---- building frames ----------------------------------------------------------------- */

static const uint8_t MASK[4] = { 0x37, 0xfa, 0x21, 0x3d };

enum {
	FIN = 0x80,
	RSV1 = 0x40,
	RSV2 = 0x20,
	RSV3 = 0x10
};

/* A client frame into out: first byte b0 (FIN, RSV bits, opcode), the
 * payload p[0..n) masked with MASK when masked, the shortest length form.
 * Returns its size. */
static size_t frame_raw(uint8_t *out, uint8_t b0, bool masked, const void *p, size_t n)
{
	size_t at = 0;
	out[at++] = b0;
	uint8_t m = masked ? 0x80 : 0;
	if (n < 126) {
		out[at++] = (uint8_t)(m | n);
	} else if (n <= 0xffff) {
		out[at++] = m | 126;
		out[at++] = (uint8_t)(n >> 8);
		out[at++] = (uint8_t)n;
	} else {
		out[at++] = m | 127;
		for (int i = 7; i >= 0; i--)
			out[at++] = (uint8_t)((uint64_t)n >> (8 * i));
	}
	if (masked) {
		memcpy(out + at, MASK, 4);
		at += 4;
	}
	for (size_t i = 0; i < n; i++)
		out[at + i] = (uint8_t)(((const uint8_t *)p)[i] ^ (masked ? MASK[i & 3] : 0));
	return at + n;
}

/* A stream of frames being built. */
typedef struct stream {
	uint8_t *b;
	size_t len, cap;
} stream;

static void st_room(stream *s, size_t n)
{
	if (s->len + n > s->cap) {
		s->cap = (s->len + n) * 2 + 64;
		s->b = realloc(s->b, s->cap);
		ck_assert_ptr_nonnull(s->b);
	}
}

/* Appends a masked frame. */
static void st_frame(stream *s, uint8_t b0, const void *p, size_t n)
{
	st_room(s, n + 14);
	s->len += frame_raw(s->b + s->len, b0, true, p, n);
}

static void st_unmasked(stream *s, uint8_t b0, const void *p, size_t n)
{
	st_room(s, n + 14);
	s->len += frame_raw(s->b + s->len, b0, false, p, n);
}

static void st_bytes(stream *s, const void *p, size_t n)
{
	st_room(s, n);
	memcpy(s->b + s->len, p, n);
	s->len += n;
}

static void st_str(stream *s, uint8_t b0, const char *str)
{
	st_frame(s, b0, str, strlen(str));
}

/* A close frame: code, then reason. */
static void st_close(stream *s, unsigned code, const char *reason)
{
	uint8_t p[125];
	size_t rn = strlen(reason);
	p[0] = (uint8_t)(code >> 8);
	p[1] = (uint8_t)code;
	memcpy(p + 2, reason, rn);
	st_frame(s, FIN | 0x8, p, 2 + rn);
}

/* ---- reading them -------------------------------------------------------------------- */

#define MAX_EV     64
#define MAX_PIECES 64

typedef struct ev {
	char kind; /* 'M' a whole message, 'C' a control frame */
	int op;    /* the control frame's opcode; for 'M', 1 when binary */
	char *p;
	size_t n;
} ev;

/* What one feeding of a stream gave. */
typedef struct rec {
	ev ev[MAX_EV];
	int nev;
	/* the message in progress */
	char *msg;
	size_t msg_len, msg_cap;
	bool in_msg, msg_binary;
	/* every data piece, as handed over */
	struct {
		size_t n;
		bool binary, first, final;
	} piece[MAX_PIECES];
	int npieces;
	size_t data_bytes; /* over every piece */
	const char *bad;   /* a rule of the events broken */
	size_t consumed;
	uint16_t code;
	const char *reason;
	bool stopped; /* a feed consumed less than it was given */
} rec;

static void add_ev(rec *r, char kind, int op, const char *p, size_t n)
{
	if (r->nev == MAX_EV) {
		r->bad = "too many events";
		return;
	}
	ev *e = &r->ev[r->nev++];
	e->kind = kind;
	e->op = op;
	e->p = malloc(n + 1);
	if (n)
		memcpy(e->p, p, n);
	e->n = n;
}

static void on_data(void *ud, const char *p, size_t n, bool binary, bool first, bool final)
{
	rec *r = ud;
	if (r->npieces < MAX_PIECES) {
		r->piece[r->npieces].n = n;
		r->piece[r->npieces].binary = binary;
		r->piece[r->npieces].first = first;
		r->piece[r->npieces].final = final;
	}
	r->npieces++;
	r->data_bytes += n;
	if (first != !r->in_msg)
		r->bad = "first not on the message's first piece only";
	if (!first && binary != r->msg_binary)
		r->bad = "binary flag changed inside a message";
	if (first) {
		r->in_msg = true;
		r->msg_binary = binary;
		r->msg_len = 0;
	}
	if (r->msg_len + n > r->msg_cap) {
		r->msg_cap = (r->msg_len + n) * 2 + 64;
		r->msg = realloc(r->msg, r->msg_cap);
	}
	if (n)
		memcpy(r->msg + r->msg_len, p, n);
	r->msg_len += n;
	if (final) {
		add_ev(r, 'M', binary, r->msg, r->msg_len);
		r->in_msg = false;
	}
}

static void on_control(void *ud, int opcode, const char *p, size_t n)
{
	rec *r = ud;
	if (opcode != 0x8 && opcode != 0x9 && opcode != 0xA)
		r->bad = "control event with a data opcode";
	if (n > 125)
		r->bad = "control payload over 125 bytes";
	add_ev(r, 'C', opcode, p, n);
}

static const net_wsf_events EVENTS = { on_data, on_control };

static void rec_free(rec *r)
{
	for (int i = 0; i < r->nev; i++)
		free(r->ev[i].p);
	free(r->msg);
	memset(r, 0, sizeof(*r));
}

/* Feeds buf[0..len) (a copy: the reader unmasks in place) in pieces of the
 * sizes cuts[0..ncuts) (the rest in a last piece), stopping at the first
 * feed that consumes less than it was given; then one more feed must
 * consume nothing. */
static void feed_cuts(rec *r, const uint8_t *buf, size_t len, uint64_t max, const size_t *cuts,
                      size_t ncuts)
{
	char *b = malloc(len + 1);
	memcpy(b, buf, len);
	net_wsf w;
	net_wsf_init(&w, max);
	memset(r, 0, sizeof(*r));
	size_t at = 0;
	for (size_t k = 0; k <= ncuts && !r->stopped; k++) {
		size_t n = k < ncuts ? cuts[k] : len - at;
		if (n > len - at)
			n = len - at;
		net_wsf_error err = { 0xffff, "unset" };
		size_t used = net_wsf_feed(&w, b + at, n, &EVENTS, r, &err);
		ck_assert_uint_le(used, n);
		r->consumed += used;
		if (err.code) {
			ck_assert_ptr_nonnull(err.reason);
			r->code = err.code;
			r->reason = err.reason;
		}
		if (used < n || err.code)
			r->stopped = true;
		at += n;
		if (at == len)
			break;
	}
	/* Nothing more once stopped (by a close or an error). */
	if (r->stopped || w.closed) {
		char more[8] = { (char)0x81, (char)0x82, 1, 2, 3, 4, 5, 6 };
		net_wsf_error err;
		ck_assert_uint_eq(net_wsf_feed(&w, more, sizeof(more), &EVENTS, r, &err), 0);
	}
	free(b);
}

static void feed_whole(rec *r, const uint8_t *buf, size_t len, uint64_t max)
{
	feed_cuts(r, buf, len, max, NULL, 0);
}

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static void same(const rec *a, const rec *b, const char *how)
{
	ck_assert_msg(b->bad == NULL, "%s: %s", how, b->bad ? b->bad : "");
	ck_assert_msg(a->code == b->code, "%s: code %u, whole %u", how, b->code, a->code);
	ck_assert_msg(a->nev == b->nev, "%s: %d events, whole %d", how, b->nev, a->nev);
	for (int i = 0; i < a->nev; i++) {
		ck_assert_msg(a->ev[i].kind == b->ev[i].kind && a->ev[i].op == b->ev[i].op &&
		                      a->ev[i].n == b->ev[i].n &&
		                      memcmp(a->ev[i].p, b->ev[i].p, a->ev[i].n) == 0,
		              "%s: event %d differs", how, i);
	}
	/* A 1007 in a data frame's payload is told at its piece's end. */
	if (a->code != 1007)
		ck_assert_msg(a->consumed == b->consumed, "%s: consumed %zu, whole %zu", how,
		              b->consumed, a->consumed);
}

/* Feeds s every way (see the top) with the message limit max; the whole
 * feed's result in *out (rec_free it), the others checked against it. */
static void read_all(rec *out, const stream *s, uint64_t max)
{
	feed_whole(out, s->b, s->len, max);
	ck_assert_msg(out->bad == NULL, "whole: %s", out->bad ? out->bad : "");

	size_t *cuts = malloc((s->len + 1) * sizeof(*cuts));
	rec r;
	/* one byte at a time */
	for (size_t i = 0; i < s->len; i++)
		cuts[i] = 1;
	feed_cuts(&r, s->b, s->len, max, cuts, s->len);
	same(out, &r, "byte by byte");
	rec_free(&r);
	/* random pieces */
	for (uint32_t seed = 1; seed <= 16; seed++) {
		uint32_t st = seed;
		size_t n = 0, sum = 0;
		while (sum < s->len) {
			size_t c = 1 + lcg(&st) % (s->len / 3 + 2);
			cuts[n++] = c;
			sum += c;
		}
		feed_cuts(&r, s->b, s->len, max, cuts, n);
		char how[32];
		snprintf(how, sizeof(how), "random cuts, seed %u", (unsigned)seed);
		same(out, &r, how);
		rec_free(&r);
	}
	/* every two-piece cut of a short stream */
	if (s->len <= 600) {
		for (size_t at = 0; at <= s->len; at++) {
			cuts[0] = at;
			feed_cuts(&r, s->b, s->len, max, cuts, 1);
			char how[32];
			snprintf(how, sizeof(how), "cut at %zu", at);
			same(out, &r, how);
			rec_free(&r);
		}
	}
	free(cuts);
}

/* Reads the stream with the limit 1 MiB: it must end with error `code`
 * (0: none) having consumed everything (unless code). */
#define LIMIT (1u << 20)

static void expect_error(const stream *s, uint64_t max, uint16_t code)
{
	rec r;
	read_all(&r, s, max);
	ck_assert_uint_eq(r.code, code);
	if (!code)
		ck_assert_uint_eq(r.consumed, s->len);
	rec_free(&r);
}

/* One frame alone gives error code. */
static void frame_error(uint8_t b0, const void *p, size_t n, uint16_t code)
{
	stream s = { 0 };
	st_frame(&s, b0, p, n);
	expect_error(&s, LIMIT, code);
	free(s.b);
}

static void expect_message(const rec *r, int i, bool binary, const void *p, size_t n)
{
	ck_assert_int_gt(r->nev, i);
	ck_assert_int_eq(r->ev[i].kind, 'M');
	ck_assert_int_eq(r->ev[i].op, binary);
	ck_assert_uint_eq(r->ev[i].n, n);
	ck_assert(memcmp(r->ev[i].p, p, n) == 0);
}

static void expect_control(const rec *r, int i, int op, const void *p, size_t n)
{
	ck_assert_int_gt(r->nev, i);
	ck_assert_int_eq(r->ev[i].kind, 'C');
	ck_assert_int_eq(r->ev[i].op, op);
	ck_assert_uint_eq(r->ev[i].n, n);
	ck_assert(memcmp(r->ev[i].p, p, n) == 0);
}

#endif
