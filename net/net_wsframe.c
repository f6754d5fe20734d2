/* net_wsframe.c - reading a client's WebSocket frames (RFC 6455 section 5).
 *
 * lws 4.1's frame reader accepts unmasked client frames, closes a control
 * frame over 125 bytes or a length with bit 63 set without a close frame,
 * and reports invalid UTF-8 split across fragments as 1002
 * (docs/engineio.md, pitfall 19); nothing of ours ran before it. So net
 * reads a WebSocket's bytes itself (net_wsread.c) and this file frames
 * them. Every rule below is the RFC's; what breaks one ends the stream with
 * the code the RFC names (section 7.4.1):
 * - 1002: a reserved bit set (no extension is negotiated, section 5.2), a
 *   reserved opcode, a client frame not masked (section 5.1: "MUST close"),
 *   a control
 *   frame fragmented or longer than 125 bytes (5.5), a continuation
 *   without a message or a new message inside a fragmented one (5.4), a
 *   close payload of one byte or with a code no endpoint may send (7.4);
 * - 1007: a text message, or a close reason, that is not UTF-8 (8.1);
 * - 1008: a message of more than NET_WSF_MAX_FRAGMENTS data frames (node's
 *   ws's bound, told here at the header of the one too many);
 * - 1009: a message longer than the limit, told at the frame header that
 *   makes it so, before its payload is read (node's ws does the same); a
 *   64-bit length with its most significant bit set (which 5.2 forbids),
 *   as node's ws answers it.
 * A close frame ends the stream: the bytes after it are not read (5.5.1).
 *
 * Payload is unmasked in place and handed over in the pieces it came in, so
 * the reader holds no buffer but a control frame's 125 bytes.
 */
#include "net_wsframe.h"

#include <string.h>

enum {
	S_HEAD,
	S_PAYLOAD,
	S_DONE
};

enum {
	OP_CONT = 0x0,
	OP_TEXT = 0x1,
	OP_BINARY = 0x2,
	OP_CLOSE = 0x8,
	OP_PING = 0x9,
	OP_PONG = 0xA,
};

void net_wsf_init(net_wsf *r, uint64_t max_message)
{
	memset(r, 0, sizeof(*r));
	r->max = max_message;
}

/* ---- UTF-8 (RFC 3629 section 4) ---------------------------------------------------- */

/* The validator's state: continuation bytes still expected (low byte), and
 * the range the next one must be in (bytes 1 and 2: E0 A0..BF excludes
 * overlong forms, ED 80..9F the surrogates, F0 90..BF overlong, F4 80..8F
 * code points past U+10FFFF). 0 between characters. */
#define U8(need, lo, hi) ((uint32_t)(need) | (uint32_t)(lo) << 8 | (uint32_t)(hi) << 16)
#define U8_BAD           0xffffffffu

static uint32_t utf8_step(uint32_t st, uint8_t c)
{
	if (st) {
		if (c < ((st >> 8) & 0xff) || c > ((st >> 16) & 0xff))
			return U8_BAD;
		return (st & 0xff) == 1 ? 0 : U8((st & 0xff) - 1, 0x80, 0xbf);
	}
	if (c < 0x80)
		return 0;
	if (c >= 0xc2 && c <= 0xdf)
		return U8(1, 0x80, 0xbf);
	if (c == 0xe0)
		return U8(2, 0xa0, 0xbf);
	if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef)
		return U8(2, 0x80, 0xbf);
	if (c == 0xed)
		return U8(2, 0x80, 0x9f);
	if (c == 0xf0)
		return U8(3, 0x90, 0xbf);
	if (c >= 0xf1 && c <= 0xf3)
		return U8(3, 0x80, 0xbf);
	if (c == 0xf4)
		return U8(3, 0x80, 0x8f);
	return U8_BAD; /* 80..C1 (continuation, overlong lead), F5..FF */
}

static uint32_t utf8_run(uint32_t st, const char *p, size_t n)
{
	const uint8_t *s = (const uint8_t *)p;
	for (size_t i = 0; i < n && st != U8_BAD; i++) {
		/* ASCII between characters, the common case, eight at a time. */
		if (!st) {
			while (i + 8 <= n) {
				uint64_t w;
				memcpy(&w, s + i, 8);
				if (w & 0x8080808080808080ull)
					break;
				i += 8;
			}
			if (i == n)
				break;
		}
		st = utf8_step(st, s[i]);
	}
	return st;
}

bool net_wsf_utf8_valid(const char *p, size_t n)
{
	return utf8_run(0, p, n) == 0;
}

/* ---- frames ------------------------------------------------------------------------ */

static size_t fail(net_wsf *r, net_wsf_error *err, uint16_t code, const char *reason, size_t used)
{
	r->closed = true;
	r->state = S_DONE;
	err->code = code;
	err->reason = reason;
	return used;
}

/* The header's size once its first two bytes are in. */
static uint8_t header_size(const uint8_t *h)
{
	uint8_t n = h[1] & 0x7f;
	return (uint8_t)(2 + (n == 126 ? 2 : n == 127 ? 8 : 0) + ((h[1] & 0x80) ? 4 : 0));
}

/* A close code a peer may send (section 7.4.1, 7.4.2): 1000-1003, 1007-1011
 * (1012-1014 registered since with IANA, as node's ws accepts), 3000-4999. */
static bool close_code_ok(unsigned code)
{
	return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
	       (code >= 3000 && code <= 4999);
}

/* A whole header read: check it against the rules and the message state.
 * Returns 0 or the error's code with *why set. */
static uint16_t take_header(net_wsf *r, const char **why)
{
	const uint8_t *h = r->hdr;
	uint64_t len = h[1] & 0x7f;
	uint8_t at = 2;
	if (len == 126) {
		len = (uint64_t)h[2] << 8 | h[3];
		at = 4;
	} else if (len == 127) {
		len = 0;
		for (int i = 0; i < 8; i++)
			len = len << 8 | h[2 + i];
		at = 10;
		if (len >> 63) {
			/* RFC 6455 5.2 forbids bit 63; node's ws answers
			 * any length past 2^53 - 1 with 1009, and so do we
			 * (whatever the limit), as a client of node expects */
			*why = "frame length with its most significant bit set";
			return 1009;
		}
	}
	r->fin = h[0] & 0x80;
	r->opcode = h[0] & 0x0f;
	if (h[0] & 0x70) {
		*why = "reserved bits set";
		return 1002;
	}
	if (!(h[1] & 0x80)) {
		*why = "client frame not masked";
		return 1002;
	}
	memcpy(r->mask, h + at, 4);
	r->mask_at = 0;
	r->left = len;
	if (r->opcode >= OP_CLOSE) {
		if (r->opcode > OP_PONG) {
			*why = "reserved opcode";
			return 1002;
		}
		if (!r->fin || len > 125) {
			*why = !r->fin ? "fragmented control frame"
			               : "control frame longer than 125 bytes";
			return 1002;
		}
		r->ctl_len = 0;
		return 0;
	}
	if (r->opcode > OP_BINARY) {
		*why = "reserved opcode";
		return 1002;
	}
	if (r->opcode == OP_CONT && !r->in_msg) {
		*why = "continuation frame without a message";
		return 1002;
	}
	if (r->opcode != OP_CONT && r->in_msg) {
		*why = "new message inside a fragmented one";
		return 1002;
	}
	if (r->opcode != OP_CONT) {
		r->in_msg = true;
		r->msg_binary = r->opcode == OP_BINARY;
		r->msg_first = true;
		r->msg_len = 0;
		r->utf8 = 0;
		r->frags = 0;
	}
	if (++r->frags > NET_WSF_MAX_FRAGMENTS) {
		*why = "too many message fragments";
		return 1008;
	}
	if (len > r->max - r->msg_len) {
		*why = "message too large";
		return 1009;
	}
	r->msg_len += len;
	return 0;
}

static void unmask(net_wsf *r, char *p, size_t n)
{
	uint8_t k = r->mask_at;
	for (size_t i = 0; i < n; i++, k = (k + 1) & 3)
		p[i] = (char)(p[i] ^ r->mask[k]);
	r->mask_at = k;
}

/* A data frame's payload piece p[0..n) (unmasked); last: the frame's last. */
static uint16_t data_piece(net_wsf *r, const char *p, size_t n, bool last, const net_wsf_events *ev,
                           void *ud, const char **why)
{
	bool final = last && r->fin;
	if (!r->msg_binary) {
		r->utf8 = utf8_run(r->utf8, p, n);
		if (r->utf8 == U8_BAD || (final && r->utf8)) {
			*why = "invalid UTF-8 in a text message";
			return 1007;
		}
	}
	/* Pieces are handed over when they carry bytes, and the message's end
	 * always (an empty message is one empty piece). */
	if (n || final) {
		ev->data(ud, p, n, r->msg_binary, r->msg_first, final);
		r->msg_first = false;
	}
	if (final)
		r->in_msg = false;
	return 0;
}

/* A whole control frame in r->ctl. */
static uint16_t control_frame(net_wsf *r, const net_wsf_events *ev, void *ud, const char **why)
{
	const char *p = (const char *)r->ctl;
	size_t n = r->ctl_len;
	if (r->opcode == OP_CLOSE) {
		r->closed = true;
		if (n == 1) {
			*why = "close frame with a one-byte payload";
			return 1002;
		}
		if (n >= 2 && !close_code_ok((unsigned)r->ctl[0] << 8 | r->ctl[1])) {
			*why = "invalid close code";
			return 1002;
		}
		if (n > 2 && !net_wsf_utf8_valid(p + 2, n - 2)) {
			*why = "invalid UTF-8 in a close reason";
			return 1007;
		}
	}
	ev->control(ud, r->opcode, p, n);
	return 0;
}

size_t net_wsf_feed(net_wsf *r, char *buf, size_t len, const net_wsf_events *ev, void *ud,
                    net_wsf_error *err)
{
	size_t i = 0;
	const char *why = NULL;
	uint16_t code;
	err->code = 0;
	err->reason = NULL;
	while (i < len && r->state != S_DONE) {
		if (r->state == S_HEAD) {
			r->hdr[r->hlen++] = (uint8_t)buf[i++];
			if (r->hlen < 2 || r->hlen < header_size(r->hdr))
				continue;
			r->hlen = 0;
			if ((code = take_header(r, &why)))
				return fail(r, err, code, why, i);
			r->state = S_PAYLOAD;
			if (r->left)
				continue;
		}
		/* Payload: as much of this frame as buf holds. */
		size_t n = len - i < r->left ? len - i : (size_t)r->left;
		unmask(r, buf + i, n);
		r->left -= n;
		bool last = r->left == 0;
		if (r->opcode >= OP_CLOSE) {
			memcpy(r->ctl + r->ctl_len, buf + i, n);
			r->ctl_len = (uint8_t)(r->ctl_len + n);
			i += n;
			if (last && (code = control_frame(r, ev, ud, &why)))
				return fail(r, err, code, why, i);
		} else {
			code = data_piece(r, buf + i, n, last, ev, ud, &why);
			i += n;
			if (code)
				return fail(r, err, code, why, i);
		}
		if (last)
			r->state = r->closed ? S_DONE : S_HEAD;
	}
	return i;
}
