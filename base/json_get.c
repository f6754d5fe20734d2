/* json_get.c - navigating a parsed document and decoding its values.
 *
 * Everything here reads the token array built by base_json_parse and the
 * borrowed input; nothing allocates except base_json_str_dup (and a number
 * conversion with more than 63 characters of text). Token indices from the
 * caller are bounds-checked, so a stale or wrong index yields "none", never
 * a bad read. The input was validated by the parser, so escapes and number
 * syntax are trusted here.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "base/json.h"

static const struct base_json_tok *tok_at(const base_json *doc, int tok)
{
	return tok >= 0 && tok < doc->ntok ? &doc->toks[tok] : NULL;
}

static int kind_of(const struct base_json_tok *t)
{
	return t ? t->kind & BASE_JSON_TOK_TYPE : BASE_JSON_NONE;
}

/* ---- navigation -------------------------------------------------------- */

int base_json_root(const base_json *doc)
{
	return doc->ntok > 0 ? 0 : -1;
}

enum base_json_type base_json_type(const base_json *doc, int tok)
{
	return (enum base_json_type)kind_of(tok_at(doc, tok));
}

int base_json_size(const base_json *doc, int tok)
{
	const struct base_json_tok *t = tok_at(doc, tok);
	return t ? t->size : 0;
}

int base_json_next(const base_json *doc, int tok)
{
	const struct base_json_tok *t = tok_at(doc, tok);
	return t ? t->next : -1;
}

const char *base_json_raw(const base_json *doc, int tok, size_t *len)
{
	const struct base_json_tok *t = tok_at(doc, tok);

	if (!t)
		return NULL;
	*len = (size_t)(t->end - t->start);
	return doc->js + t->start;
}

int base_json_array_get(const base_json *doc, int arr, int i)
{
	const struct base_json_tok *t = tok_at(doc, arr);
	int v;

	if (kind_of(t) != BASE_JSON_ARRAY || i < 0 || i >= t->size)
		return -1;
	for (v = arr + 1; i > 0; i--)
		v = doc->toks[v].next;
	return v;
}

int base_json_iter_init(const base_json *doc, int tok, base_json_iter *it)
{
	const struct base_json_tok *t = tok_at(doc, tok);
	int k = kind_of(t);

	it->cur = it->end = 0;
	it->is_obj = k == BASE_JSON_OBJECT;
	if (k != BASE_JSON_OBJECT && k != BASE_JSON_ARRAY)
		return BASE_JSON_ETYPE;
	it->cur = tok + 1;
	it->end = t->next;
	return 0;
}

int base_json_iter_next(const base_json *doc, base_json_iter *it, int *key)
{
	int k = -1, v;

	if (it->cur >= it->end)
		return -1;
	if (it->is_obj)
		k = it->cur++; /* keys are strings: one token each */
	v = it->cur;
	it->cur = doc->toks[v].next;
	if (key)
		*key = k;
	return v;
}

int base_json_obj_getn(const base_json *doc, int obj, const char *key, size_t n)
{
	const struct base_json_tok *t = tok_at(doc, obj);
	int k, found = -1;

	if (kind_of(t) != BASE_JSON_OBJECT)
		return -1;
	/* No early exit: with duplicate names the last one wins, like
     * JavaScript's JSON.parse (RFC 8259 section 4 leaves this open). */
	for (k = obj + 1; k < t->next; k = doc->toks[k + 1].next)
		if (base_json_str_eq(doc, k, key, n))
			found = k + 1;
	return found;
}

int base_json_obj_get(const base_json *doc, int obj, const char *key)
{
	return base_json_obj_getn(doc, obj, key, strlen(key));
}

/* ---- strings ----------------------------------------------------------- */

static unsigned hex4(const char *p)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) /* the parse checked the four digits */
		v = v << 4 | (unsigned)base_hexval((unsigned char)p[i]);
	return v;
}

static size_t utf8_put(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decode the (validated) escape at *pp into o[0..3]; returns its length.
 * A high surrogate is always followed by a low one (the parser checked). */
static size_t unescape_one(const char **pp, char *o)
{
	const char *p = *pp;
	unsigned cp;

	*pp = p + 2;
	switch (p[1]) {
	case 'b':
		*o = '\b';
		return 1;
	case 'f':
		*o = '\f';
		return 1;
	case 'n':
		*o = '\n';
		return 1;
	case 'r':
		*o = '\r';
		return 1;
	case 't':
		*o = '\t';
		return 1;
	case 'u':
		break;
	default:
		*o = p[1];
		return 1; /* \" \\ \/ */
	}
	cp = hex4(p + 2);
	*pp = p + 6;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		cp = 0x10000 + ((cp - 0xd800) << 10) + (hex4(p + 8) - 0xdc00);
		*pp = p + 12;
	}
	return utf8_put(o, cp);
}

/* The string token's content between the quotes, or NULL if not a string. */
static const char *str_span(const base_json *doc, int tok, const char **end, int *esc)
{
	const struct base_json_tok *t = tok_at(doc, tok);

	if (kind_of(t) != BASE_JSON_STRING)
		return NULL;
	*end = doc->js + t->end - 1;
	*esc = t->kind & BASE_JSON_TOK_ESC;
	return doc->js + t->start + 1;
}

int base_json_str_eq(const base_json *doc, int tok, const char *s, size_t n)
{
	const char *p, *e, *bs;
	char tmp[4];
	size_t k;
	int esc;

	if (!(p = str_span(doc, tok, &e, &esc)))
		return 0;
	if (n == 0) /* s may be NULL; an escape is never empty */
		return p == e;
	if (!esc)
		return (size_t)(e - p) == n && !memcmp(p, s, n);
	while (p < e) {
		/* A run up to the next backslash compares as is. */
		bs = memchr(p, '\\', (size_t)(e - p));
		k = (size_t)((bs ? bs : e) - p);
		if (k > n || memcmp(p, s, k))
			return 0;
		p += k, s += k, n -= k;
		if (!bs)
			break;
		k = unescape_one(&p, tmp);
		if (k > n || memcmp(tmp, s, k))
			return 0;
		s += k, n -= k;
	}
	return n == 0;
}

int base_json_str_unescape(const base_json *doc, int tok, char *out, size_t cap, size_t *outlen)
{
	const char *p, *e, *bs;
	char tmp[4];
	size_t k, n = 0;
	int esc;

	*outlen = 0;
	if (!(p = str_span(doc, tok, &e, &esc)))
		return BASE_JSON_ETYPE;
	while (p < e) {
		bs = esc ? memchr(p, '\\', (size_t)(e - p)) : NULL;
		k = (size_t)((bs ? bs : e) - p);
		if (k && n + k <= cap)
			memcpy(out + n, p, k);
		n += k, p += k;
		if (!bs)
			break;
		k = unescape_one(&p, tmp);
		if (n + k <= cap)
			memcpy(out + n, tmp, k);
		n += k;
	}
	*outlen = n;
	if (n > cap)
		return BASE_JSON_ENOSPC;
	if (n < cap)
		out[n] = '\0';
	return 0;
}

int base_json_str_dup(const base_json *doc, int tok, char **out, size_t *outlen)
{
	const struct base_json_tok *t = tok_at(doc, tok);
	size_t cap, n;
	int rc;

	*out = NULL;
	if (outlen)
		*outlen = 0;
	if (kind_of(t) != BASE_JSON_STRING)
		return BASE_JSON_ETYPE;
	/* Unescaping never lengthens: raw length minus the quotes, plus NUL. */
	cap = (size_t)(t->end - t->start) - 1;
	if (!(*out = malloc(cap)))
		return BASE_JSON_ENOMEM;
	if ((rc = base_json_str_unescape(doc, tok, *out, cap, &n))) {
		free(*out);
		*out = NULL;
		return rc;
	}
	if (outlen)
		*outlen = n;
	return 0;
}

/* ---- numbers and booleans ---------------------------------------------- */

int base_json_number(const base_json *doc, int tok, double *out)
{
	const struct base_json_tok *t = tok_at(doc, tok);
	char small[64], *buf = small, *end;
	size_t n;
	double v;
	int rc = 0;

	if (kind_of(t) != BASE_JSON_NUMBER)
		return BASE_JSON_ETYPE;
	/* strtod needs a terminated copy; the token is followed by more input. */
	n = (size_t)(t->end - t->start);
	if (n >= sizeof small && !(buf = malloc(n + 1)))
		return BASE_JSON_ENOMEM;
	memcpy(buf, doc->js + t->start, n);
	buf[n] = '\0';
	errno = 0;
	v = strtod(buf, &end);
	if (end != buf + n) /* only if LC_NUMERIC is not "C" */
		rc = BASE_JSON_ESYNTAX;
	else if (errno == ERANGE && isinf(v))
		rc = BASE_JSON_ERANGE;
	if (buf != small)
		free(buf);
	*out = v;
	return rc;
}

/* Exact decimal to int64: the value is D * 10^x, where D is the digit string
 * (integer and fraction parts) and x the exponent minus the fraction length.
 * Zeros are held back in 'zeros' until a nonzero digit follows, so trailing
 * zeros of D raise x instead of overflowing. */
int base_json_int64(const base_json *doc, int tok, int64_t *out)
{
	const struct base_json_tok *t = tok_at(doc, tok);
	const char *p, *e;
	uint64_t v = 0, lim;
	int64_t x = 0, ev = 0, zeros = 0;
	int neg, frac = 0, eneg = 0;

	if (kind_of(t) != BASE_JSON_NUMBER)
		return BASE_JSON_ETYPE;
	p = doc->js + t->start;
	e = doc->js + t->end;
	neg = *p == '-';
	p += neg;
	lim = neg ? (uint64_t)1 << 63 : ((uint64_t)1 << 63) - 1;
	for (; p < e && *p != 'e' && *p != 'E'; p++) {
		if (*p == '.') {
			frac = 1;
			continue;
		}
		x -= frac; /* each fraction digit divides by 10 */
		if (*p == '0') {
			zeros++;
			continue;
		}
		for (; zeros > 0; zeros--) {
			if (v > lim / 10)
				return BASE_JSON_ERANGE;
			v *= 10;
		}
		if (v > (lim - (uint64_t)(*p - '0')) / 10)
			return BASE_JSON_ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (p < e) { /* exponent; saturate, the range is tiny */
		p++;
		if (*p == '+' || *p == '-')
			eneg = *p++ == '-';
		for (; p < e; p++)
			if (ev < 1000000)
				ev = ev * 10 + (*p - '0');
	}
	if (v == 0) { /* "0", "-0", "0.000e5" */
		*out = 0;
		return 0;
	}
	x += zeros + (eneg ? -ev : ev);
	if (x < 0)
		return BASE_JSON_ERANGE; /* has a fractional part */
	for (; x > 0; x--) {
		if (v > lim / 10)
			return BASE_JSON_ERANGE;
		v *= 10;
	}
	if (neg) /* v <= 2^63 here; -(2^63) is INT64_MIN */
		*out = v == (uint64_t)1 << 63 ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	return 0;
}

int base_json_bool(const base_json *doc, int tok)
{
	switch (kind_of(tok_at(doc, tok))) {
	case BASE_JSON_TRUE:
		return 1;
	case BASE_JSON_FALSE:
		return 0;
	default:
		return BASE_JSON_ETYPE;
	}
}
