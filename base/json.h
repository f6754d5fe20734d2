/* json.h - strict JSON reading and writing (base layer).
 *
 * The one JSON reader of the project: Socket.IO packets carry their
 * arguments as a JSON array ("2/chat,13[\"event\",{...}]"), so every inbound
 * event is parsed here and every outbound event (including each broadcast)
 * is written here; sio-server reads its configuration file and the JSON in
 * its HTTP API and JWT claims with it too.
 *
 * Reading (json.c) wraps jsmn and adds what jsmn lacks (docs/base.md): strict
 * RFC 8259 validation (grammar, numbers, literals, escapes, surrogates,
 * UTF-8), the place where a text stops being valid, limits against hostile
 * input (depth, token count, length), and decoding of strings and numbers. A parsed document is a flat array of tokens in document order
 * (pre-order); a token is named by its index, so navigation never allocates.
 * The input is borrowed, not copied: it must outlive the document.
 *
 *   base_json doc = BASE_JSON_INIT;
 *   if (base_json_parse(&doc, buf, len) == 0) {
 *       int ev = base_json_array_get(&doc, base_json_root(&doc), 0);
 *       if (base_json_str_eq(&doc, ev, "message", 7)) ...
 *   }
 *   base_json_free(&doc);     (a doc may be re-parsed many times before free)
 *
 * Iterating without the iterator helpers, in O(1) per step:
 *   arrays:  for (v = a + 1; v < base_json_next(d, a); v = base_json_next(d, v))
 *   objects: for (k = o + 1; k < base_json_next(d, o); k = base_json_next(d, k + 1))
 *            (the key is token k, its value is token k + 1)
 *
 * Values are read by json_get.c. Writing (json_write.c) appends to a growable byte buffer: low-level emitters
 * (base_json_put_*) that know nothing about commas, and a small structured
 * writer (base_jsonw_*) that inserts ',' and ':' itself and keeps the first
 * error, so a hot path can emit a whole packet and check once at the end.
 *
 * Locale: numbers are converted with strtod/snprintf, so LC_NUMERIC must be
 * "C" (the default; nothing in this server calls setlocale).
 */
#ifndef BASE_JSON_H
#define BASE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* Error codes: functions that can fail return 0 or one of these. */
#define BASE_JSON_ESYNTAX (-1)            /* not valid RFC 8259 JSON text */
#define BASE_JSON_EUTF8   (-2)            /* invalid UTF-8 or lone surrogate escape */
#define BASE_JSON_EDEPTH  (-3)            /* nesting deeper than BASE_JSON_MAX_DEPTH */
#define BASE_JSON_ETOOBIG (-4)            /* input or token count over the limits */
#define BASE_JSON_ENOMEM  BASE_BUF_ENOMEM /* allocation failed */
#define BASE_JSON_ETYPE   (-6)            /* token is not of the type asked for */
#define BASE_JSON_ERANGE  (-7)            /* number not representable as asked */
#define BASE_JSON_ENOSPC  (-8)            /* caller's buffer too small */

/* Limits. Depth counts open arrays/objects: "[[1]]" has depth 2. The writer
 * enforces the same depth. Length is bounded because jsmn uses int offsets. */
#define BASE_JSON_MAX_DEPTH  64
#define BASE_JSON_MAX_TOKENS (1 << 22)
#define BASE_JSON_MAX_LEN    ((size_t)0x7ffffff0)

/* The enum has no typedef: its tag and the function base_json_type() share
 * the name. */
enum base_json_type {
	BASE_JSON_NONE = 0, /* returned for an invalid token index */
	BASE_JSON_OBJECT,
	BASE_JSON_ARRAY,
	BASE_JSON_STRING,
	BASE_JSON_NUMBER,
	BASE_JSON_TRUE,
	BASE_JSON_FALSE,
	BASE_JSON_NULL
};

/* A token. Private: use the accessors below. kind holds the base_json_type
 * plus flag bits; [start, end) is the value's raw text in the input. */
struct base_json_tok {
	int kind, start, end, size, next;
};
#define BASE_JSON_TOK_TYPE 0x0f /* kind & this = base_json_type */
#define BASE_JSON_TOK_ESC  0x10 /* string contains backslash escapes */

typedef struct base_json {
	const char *js; /* the input (borrowed) */
	size_t len;
	struct base_json_tok *toks; /* one array, reused across parses */
	int ntok;                   /* tokens of the last successful parse */
	int cap;                    /* allocated slots */
	size_t errpos;              /* see base_json_error_offset */
} base_json;

/* An error offset that is not one: no failure, or one with no place. */
#define BASE_JSON_NOPOS ((size_t)-1)

#define BASE_JSON_INIT                               \
	{                                            \
		NULL, 0, NULL, 0, 0, BASE_JSON_NOPOS \
	}

/* ---- parsing ---------------------------------------------------------- */

void base_json_init(base_json *doc);
void base_json_free(base_json *doc);
const char *base_json_strerror(int err);

/* Parse exactly one JSON value (whitespace around it allowed). On failure
 * the document is empty (ntok 0) and every accessor reports "no token".
 * Duplicate object keys are accepted (RFC 8259 section 4 only says names
 * SHOULD be unique); lookups return the last one, as JavaScript does. */
int base_json_parse(base_json *doc, const char *js, size_t len);

/* Where the last base_json_parse failed, as a byte offset into its input:
 * the first byte that cannot continue a valid JSON text ("[1,]" fails at
 * the ']', "{\"a\" 1}" at the '1', "[01]" at the '1' after the '0', a bad
 * escape at the byte after the backslash), the length of the input when the
 * text stops too early ("", "[1", "\"abc"), the first byte of an invalid
 * UTF-8 sequence, the backslash of a lone low surrogate, the byte after a
 * lone high surrogate, the bracket that nests too deeply. So the input up
 * to the offset is always the start of some valid text. BASE_JSON_NOPOS if
 * the parse succeeded or failed with no place (ETOOBIG, ENOMEM). */
size_t base_json_error_offset(const base_json *doc);

/* Line and column (both from 1) of byte offset off in js (len bytes): lines
 * end at '\n'; the column counts bytes, so a UTF-8 character before off on
 * its line counts as its length. An offset past len is taken as len. */
void base_json_line_col(const char *js, size_t len, size_t off, size_t *line, size_t *col);

/* Check that [s, s+n) is well-formed UTF-8 (RFC 3629: no overlongs, no
 * UTF-16 surrogates, nothing above U+10FFFF). 1 if valid, else 0. */
int base_json_utf8_valid(const char *s, size_t n);

/* ---- navigation: tokens are indices; -1 means "none" -------------------- */

int base_json_root(const base_json *doc); /* 0, or -1 if empty */
enum base_json_type base_json_type(const base_json *doc, int tok);
int base_json_size(const base_json *doc, int tok); /* elements / pairs; 0 for scalars */
int base_json_next(const base_json *doc, int tok); /* first token after tok's subtree, O(1) */
int base_json_array_get(const base_json *doc, int arr, int i); /* O(i) */
int base_json_obj_get(const base_json *doc, int obj, const char *key);
int base_json_obj_getn(const base_json *doc, int obj, const char *key, size_t n);

/* The exact original text of a value: brackets included for containers,
 * quotes included (and escapes left as written) for strings. Re-emitting it
 * copies the value verbatim. NULL if tok is invalid. */
const char *base_json_raw(const base_json *doc, int tok, size_t *len);

/* Iteration over an array or object: next returns the value token, or -1 at
 * the end; for objects *key (if not NULL) gets the key token, else -1. */
typedef struct base_json_iter {
	int cur, end, is_obj;
} base_json_iter;

int base_json_iter_init(const base_json *doc, int tok, base_json_iter *it);
int base_json_iter_next(const base_json *doc, base_json_iter *it, int *key);

/* ---- values ------------------------------------------------------------ */

/* 1 if tok is a string whose unescaped value is exactly [s, s+n), else 0. */
int base_json_str_eq(const base_json *doc, int tok, const char *s, size_t n);

/* Unescape a string token into out. *outlen always gets the full unescaped
 * length; if that does not fit in cap, returns BASE_JSON_ENOSPC. A NUL is
 * appended when there is room, but "\u0000" may put NULs inside, so use
 * *outlen. The unescaped length is never more than the raw length - 2.
 * With cap 0 (out may then be NULL) it only measures. */
int base_json_str_unescape(const base_json *doc, int tok, char *out, size_t cap, size_t *outlen);

/* As above into a fresh malloc'd, NUL-terminated buffer (free() it). */
int base_json_str_dup(const base_json *doc, int tok, char **out, size_t *outlen);

/* Number as double (strtod, correctly rounded). Underflow rounds to 0 or a
 * subnormal and succeeds, as in JavaScript; overflow ("1e400") stores +-inf
 * and returns BASE_JSON_ERANGE (JavaScript would silently give Infinity).
 * BASE_JSON_ESYNTAX if LC_NUMERIC is not "C" and strtod stops at the '.'. */
int base_json_number(const base_json *doc, int tok, double *out);

/* Number as int64, computed exactly from the decimal text (never through a
 * double, so 9007199254740993 is exact). Accepts any number whose value is
 * a mathematical integer ("12", "-0", "1.5e1", "1e3"); BASE_JSON_ERANGE if it
 * has a fractional part or does not fit. */
int base_json_int64(const base_json *doc, int tok, int64_t *out);

/* 1 for JSON true, 0 for false; BASE_JSON_ETYPE otherwise. */
int base_json_bool(const base_json *doc, int tok);

/* ---- writing: low-level emitters (no separators) ------------------------ */

/* A JSON string from n bytes of UTF-8 (which the caller guarantees, e.g. with
 * base_json_utf8_valid; bytes >= 0x80 are copied as they are). '"', '\\' and
 * every byte < 0x20 are escaped, as JSON.stringify does: \b \t \n \f \r, the
 * rest as \u00xx. NUL bytes are data, so they come out as \u0000. */
int base_json_put_str(base_buf *b, const char *s, size_t n);
int base_json_put_int64(base_buf *b, int64_t v);
/* Shortest text that reads back as the same double, laid out like
 * JavaScript's Number#toString: 123, 0.1, 1e+21, 1.5e-7; -0 gives "0";
 * NaN and +-Infinity give "null", like JSON.stringify. */
int base_json_put_double(base_buf *b, double v);

/* ---- writing: structured writer ----------------------------------------
 * Misuse (a value in an object without a key, a key outside an object, an
 * end that does not match its begin, deeper than BASE_JSON_MAX_DEPTH) is an
 * error, BASE_JSON_ESYNTAX or BASE_JSON_EDEPTH, and nothing is written. */

typedef struct base_jsonw {
	base_buf *buf;
	int depth;
	int err;           /* first error, sticky; later calls do nothing */
	int after_key;     /* a key was written; the next value takes no comma */
	uint64_t nonempty; /* bit d: container at depth d has an element */
	uint64_t objects;  /* bit d: container at depth d is an object */
} base_jsonw;

void base_jsonw_init(base_jsonw *w, base_buf *buf);
int base_jsonw_error(const base_jsonw *w); /* 0 or the first error */

int base_jsonw_array_begin(base_jsonw *w);
int base_jsonw_array_end(base_jsonw *w);
int base_jsonw_object_begin(base_jsonw *w);
int base_jsonw_object_end(base_jsonw *w);
int base_jsonw_key(base_jsonw *w, const char *k, size_t n); /* "k": */
int base_jsonw_str(base_jsonw *w, const char *s, size_t n);
int base_jsonw_int64(base_jsonw *w, int64_t v);
int base_jsonw_double(base_jsonw *w, double v);
int base_jsonw_bool(base_jsonw *w, int v);
int base_jsonw_null(base_jsonw *w);
/* Already-valid JSON text, copied as is (not checked). */
int base_jsonw_raw(base_jsonw *w, const char *json, size_t n);
/* A parsed value copied verbatim (its base_json_raw text). */
int base_jsonw_tok(base_jsonw *w, const base_json *doc, int tok);

#endif /* BASE_JSON_H */
