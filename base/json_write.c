/* json_write.c - JSON writer: the emitters and the structured writer.
 *
 * This is the broadcast hot path: one event is serialized once and sent to
 * many sockets, and most of its bytes are string contents. So the string
 * escaper finds runs that need no escaping eight bytes at a time (SWAR) and
 * copies them with memcpy; there is no per-byte function call.
 *
 * Output matches JavaScript's JSON.stringify, which is what Socket.IO peers
 * produce: same escapes, numbers laid out like Number#toString, non-finite
 * numbers as null. It never emits invalid JSON from valid UTF-8 input.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"

/* ---- strings ----------------------------------------------------------- */

/* RFC 8259 section 7: '"', '\\' and U+0000..U+001F must be escaped. The
 * table gives the letter after the backslash; 'u' means \u00xx. The short
 * forms are the ones JSON.stringify uses. */
static const char esc_tab[256] = {
	['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f',  ['\r'] = 'r', [0x00] = 'u',
	[0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u',  [0x05] = 'u', [0x06] = 'u',
	[0x07] = 'u', [0x0b] = 'u', [0x0e] = 'u', [0x0f] = 'u',  [0x10] = 'u', [0x11] = 'u',
	[0x12] = 'u', [0x13] = 'u', [0x14] = 'u', [0x15] = 'u',  [0x16] = 'u', [0x17] = 'u',
	[0x18] = 'u', [0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u',  [0x1c] = 'u', [0x1d] = 'u',
	[0x1e] = 'u', [0x1f] = 'u', ['"'] = '"',  ['\\'] = '\\',
};

#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Nonzero if one of the 8 bytes of x needs escaping: a byte below 0x20,
 * a '"' or a '\\' (the classic "has byte less than n" / "has zero byte"
 * bit tricks; exact as to whether, not as to where). */
static inline uint64_t word_needs_escape(uint64_t x)
{
	uint64_t q = x ^ (ONES * '"'), b = x ^ (ONES * '\\');
	return ((x - ONES * 0x20) & ~x & HIGHS) | ((q - ONES) & ~q & HIGHS) |
	       ((b - ONES) & ~b & HIGHS);
}

/* First byte at or after p that needs escaping, or e. */
static inline const unsigned char *scan_plain(const unsigned char *p, const unsigned char *e)
{
	uint64_t x;

	while (e - p >= 8) {
		memcpy(&x, p, 8);
		if (word_needs_escape(x))
			break;
		p += 8;
	}
	while (p < e && !esc_tab[*p])
		p++;
	return p;
}

int base_json_put_str(base_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *e = p + n, *run;
	size_t k;
	char *o;

	if (base_buf_reserve(b, n + 2))
		return BASE_JSON_ENOMEM;
	b->data[b->len++] = '"';
	for (;;) {
		run = p;
		p = scan_plain(p, e);
		k = (size_t)(p - run);
		/* room for the run, one escape (at most 6) and the closing quote */
		if (base_buf_reserve(b, k + 7))
			return BASE_JSON_ENOMEM;
		memcpy(b->data + b->len, run, k);
		b->len += k;
		if (p == e)
			break;
		o = b->data + b->len;
		o[0] = '\\';
		o[1] = esc_tab[*p];
		if (o[1] != 'u') {
			b->len += 2;
		} else {
			o[2] = '0';
			o[3] = '0';
			o[4] = hex[*p >> 4];
			o[5] = hex[*p & 15];
			b->len += 6;
		}
		p++;
	}
	b->data[b->len++] = '"';
	return 0;
}

/* ---- numbers ----------------------------------------------------------- */

int base_json_put_int64(base_buf *b, int64_t v)
{
	char tmp[20];
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	int i = (int)sizeof tmp;

	do {
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[--i] = '-';
	return base_buf_append(b, tmp + i, sizeof tmp - (size_t)i);
}

/* Shortest decimal digits of |v| that read back as v: digits into d (no
 * trailing zeros), returns their count; *exp10 is the exponent of the first
 * digit. For normal doubles any decimal of 15 or fewer digits round-trips,
 * and if one exists, rounding v to 15 digits finds it (the double's error is
 * smaller than half a step of the 15-digit grid), so start at 15. Subnormals
 * have fewer significant bits, so they start at 1. In theory a 16-digit form
 * next to a power of two could be missed and 17 digits used (still exact);
 * checked against node's JSON.stringify on 300k random doubles and on every
 * power-of-two boundary, with no difference. */
static int shortest_digits(double v, char d[18], int *exp10)
{
	char tmp[40], *p;
	int prec, k = 0;

	for (prec = fabs(v) < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*e", prec - 1, fabs(v));
		if (prec == 17 || strtod(tmp, NULL) == fabs(v))
			break;
	}
	/* tmp is "d.ddde[+-]xx"; the decimal point is skipped whatever the
     * locale calls it. */
	for (p = tmp; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9')
			d[k++] = *p;
	while (k > 1 && d[k - 1] == '0')
		k--;
	*exp10 = atoi(p + 1);
	return k;
}

/* ECMAScript Number::toString(x) for finite x != 0: with digits s (k of
 * them) and n such that x = 0.s * 10^n:
 *   k <= n <= 21   s then n-k zeros          123, 1e20 -> 100000000000000000000
 *   0 < n <= 21    s with a point after n    1.5
 *   -6 < n <= 0    "0." -n zeros then s      0.001
 *   otherwise      d[.ddd]e(+|-)(n-1)        1e+21, 1.5e-7 */
static int js_format(char *out, int neg, const char *s, int k, int n)
{
	char *o = out;
	int i;

	if (neg)
		*o++ = '-';
	if (k <= n && n <= 21) {
		memcpy(o, s, (size_t)k), o += k;
		for (i = k; i < n; i++)
			*o++ = '0';
	} else if (0 < n && n <= 21) {
		memcpy(o, s, (size_t)n), o += n;
		*o++ = '.';
		memcpy(o, s + n, (size_t)(k - n)), o += k - n;
	} else if (-6 < n && n <= 0) {
		*o++ = '0', *o++ = '.';
		for (i = n; i < 0; i++)
			*o++ = '0';
		memcpy(o, s, (size_t)k), o += k;
	} else {
		*o++ = s[0];
		if (k > 1) {
			*o++ = '.';
			memcpy(o, s + 1, (size_t)(k - 1)), o += k - 1;
		}
		o += sprintf(o, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
	}
	return (int)(o - out);
}

int base_json_put_double(base_buf *b, double v)
{
	char digits[18], out[48];
	int k, e;

	if (!isfinite(v))
		return base_buf_append(b, "null", 4);
	if (v == 0) /* JSON.stringify(-0) is "0" */
		return base_buf_append(b, "0", 1);
	if (fabs(v) < 1e15 && v == (double)(int64_t)v)
		return base_json_put_int64(b, (int64_t)v); /* fast path */
	k = shortest_digits(v, digits, &e);
	return base_buf_append(b, out, (size_t)js_format(out, v < 0, digits, k, e + 1));
}

/* ---- structured writer ------------------------------------------------- */

void base_jsonw_init(base_jsonw *w, base_buf *buf)
{
	memset(w, 0, sizeof *w);
	w->buf = buf;
}

int base_jsonw_error(const base_jsonw *w)
{
	return w->err;
}

static int fail(base_jsonw *w, int rc)
{
	if (rc && !w->err)
		w->err = rc;
	return rc;
}

static uint64_t top_bit(const base_jsonw *w)
{
	return (uint64_t)1 << (w->depth - 1);
}

/* Before any value: a ',' if the container already has an element. Inside
 * an object a value must follow a key; misuse is reported, not emitted. */
static int before_value(base_jsonw *w)
{
	if (w->err)
		return w->err;
	if (w->after_key) {
		w->after_key = 0;
		return 0;
	}
	if (w->depth == 0)
		return 0;
	if (w->objects & top_bit(w))
		return fail(w, BASE_JSON_ESYNTAX);
	if (w->nonempty & top_bit(w))
		return fail(w, base_buf_putc(w->buf, ','));
	w->nonempty |= top_bit(w);
	return 0;
}

static int begin(base_jsonw *w, char c, int obj)
{
	int rc;

	if ((rc = before_value(w)))
		return rc;
	if (w->depth == BASE_JSON_MAX_DEPTH)
		return fail(w, BASE_JSON_EDEPTH);
	if ((rc = base_buf_putc(w->buf, c)))
		return fail(w, rc);
	w->depth++;
	w->nonempty &= ~top_bit(w);
	if (obj)
		w->objects |= top_bit(w);
	else
		w->objects &= ~top_bit(w);
	return 0;
}

static int end(base_jsonw *w, char c, int obj)
{
	if (w->err)
		return w->err;
	if (w->depth == 0 || w->after_key || !(w->objects & top_bit(w)) != !obj)
		return fail(w, BASE_JSON_ESYNTAX);
	w->depth--;
	return fail(w, base_buf_putc(w->buf, c));
}

int base_jsonw_array_begin(base_jsonw *w)
{
	return begin(w, '[', 0);
}
int base_jsonw_array_end(base_jsonw *w)
{
	return end(w, ']', 0);
}
int base_jsonw_object_begin(base_jsonw *w)
{
	return begin(w, '{', 1);
}
int base_jsonw_object_end(base_jsonw *w)
{
	return end(w, '}', 1);
}

int base_jsonw_key(base_jsonw *w, const char *k, size_t n)
{
	int rc;

	if (w->err)
		return w->err;
	if (w->depth == 0 || !(w->objects & top_bit(w)) || w->after_key)
		return fail(w, BASE_JSON_ESYNTAX);
	if ((w->nonempty & top_bit(w)) && (rc = base_buf_putc(w->buf, ',')))
		return fail(w, rc);
	w->nonempty |= top_bit(w);
	if ((rc = base_json_put_str(w->buf, k, n)) || (rc = base_buf_putc(w->buf, ':')))
		return fail(w, rc);
	w->after_key = 1;
	return 0;
}

int base_jsonw_str(base_jsonw *w, const char *s, size_t n)
{
	int rc = before_value(w);
	return rc ? rc : fail(w, base_json_put_str(w->buf, s, n));
}

int base_jsonw_int64(base_jsonw *w, int64_t v)
{
	int rc = before_value(w);
	return rc ? rc : fail(w, base_json_put_int64(w->buf, v));
}

int base_jsonw_double(base_jsonw *w, double v)
{
	int rc = before_value(w);
	return rc ? rc : fail(w, base_json_put_double(w->buf, v));
}

int base_jsonw_bool(base_jsonw *w, int v)
{
	int rc = before_value(w);
	return rc ? rc
	          : fail(w, v ? base_buf_append(w->buf, "true", 4)
	                      : base_buf_append(w->buf, "false", 5));
}

int base_jsonw_null(base_jsonw *w)
{
	int rc = before_value(w);
	return rc ? rc : fail(w, base_buf_append(w->buf, "null", 4));
}

int base_jsonw_raw(base_jsonw *w, const char *json, size_t n)
{
	int rc = before_value(w);
	return rc ? rc : fail(w, base_buf_append(w->buf, json, n));
}

int base_jsonw_tok(base_jsonw *w, const base_json *doc, int tok)
{
	const char *p;
	size_t n;

	if (w->err)
		return w->err;
	if (!(p = base_json_raw(doc, tok, &n)))
		return fail(w, BASE_JSON_ETYPE);
	return base_jsonw_raw(w, p, n);
}
