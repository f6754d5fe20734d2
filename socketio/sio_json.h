/* sio_json.h - strict JSON reading and writing for the Socket.IO layer.
 *
 * Internal header of socketio/. Socket.IO packets carry their arguments as a
 * JSON array ("2/chat,13[\"event\",{...}]"), so every inbound event is parsed
 * here and every outbound event (including each broadcast) is written here.
 *
 * Reading (sio_json.c) wraps jsmn and adds what jsmn lacks: strict RFC 8259
 * validation (grammar, numbers, literals, escapes, surrogates, UTF-8), limits
 * against hostile input (depth, token count, length), and decoding of strings
 * and numbers. A parsed document is a flat array of tokens in document order
 * (pre-order); a token is named by its index, so navigation never allocates.
 * The input is borrowed, not copied: it must outlive the document.
 *
 *   sio_json doc = SIO_JSON_INIT;
 *   if (sio_json_parse(&doc, buf, len) == 0) {
 *       int ev = sio_json_array_get(&doc, sio_json_root(&doc), 0);
 *       if (sio_json_str_eq(&doc, ev, "message", 7)) ...
 *   }
 *   sio_json_free(&doc);     (a doc may be re-parsed many times before free)
 *
 * Iterating without the iterator helpers, in O(1) per step:
 *   arrays:  for (v = a + 1; v < sio_json_next(d, a); v = sio_json_next(d, v))
 *   objects: for (k = o + 1; k < sio_json_next(d, o); k = sio_json_next(d, k + 1))
 *            (the key is token k, its value is token k + 1)
 *
 * Writing (sio_jsonw.c) appends to a growable byte buffer: low-level emitters
 * (sio_json_put_*) that know nothing about commas, and a small structured
 * writer (sio_jsonw_*) that inserts ',' and ':' itself and keeps the first
 * error, so a hot path can emit a whole packet and check once at the end.
 *
 * Locale: numbers are converted with strtod/snprintf, so LC_NUMERIC must be
 * "C" (the default; nothing in this server calls setlocale).
 */
#ifndef SIO_JSON_H
#define SIO_JSON_H

#include <stddef.h>
#include <stdint.h>

/* Error codes: functions that can fail return 0 or one of these. */
#define SIO_JSON_ESYNTAX (-1) /* not valid RFC 8259 JSON text */
#define SIO_JSON_EUTF8   (-2) /* invalid UTF-8 or lone surrogate escape */
#define SIO_JSON_EDEPTH  (-3) /* nesting deeper than SIO_JSON_MAX_DEPTH */
#define SIO_JSON_ETOOBIG (-4) /* input or token count over the limits */
#define SIO_JSON_ENOMEM  (-5) /* allocation failed */
#define SIO_JSON_ETYPE   (-6) /* token is not of the type asked for */
#define SIO_JSON_ERANGE  (-7) /* number not representable as asked */
#define SIO_JSON_ENOSPC  (-8) /* caller's buffer too small */

/* Limits. Depth counts open arrays/objects: "[[1]]" has depth 2. The writer
 * enforces the same depth. Length is bounded because jsmn uses int offsets. */
#define SIO_JSON_MAX_DEPTH  64
#define SIO_JSON_MAX_TOKENS (1 << 22)
#define SIO_JSON_MAX_LEN    ((size_t)0x7ffffff0)

/* The enum has no typedef: its tag and the function sio_json_type() share
 * the name. */
enum sio_json_type {
	SIO_JSON_NONE = 0, /* returned for an invalid token index */
	SIO_JSON_OBJECT,
	SIO_JSON_ARRAY,
	SIO_JSON_STRING,
	SIO_JSON_NUMBER,
	SIO_JSON_TRUE,
	SIO_JSON_FALSE,
	SIO_JSON_NULL
};

/* A token. Private: use the accessors below. kind holds the sio_json_type
 * plus flag bits; [start, end) is the value's raw text in the input. */
struct sio_json_tok {
	int kind, start, end, size, next;
};
#define SIO_JSON_TOK_TYPE 0x0f /* kind & this = sio_json_type */
#define SIO_JSON_TOK_ESC  0x10 /* string contains backslash escapes */

typedef struct sio_json {
	const char *js; /* the input (borrowed) */
	size_t len;
	struct sio_json_tok *toks; /* one array, reused across parses */
	int ntok;                  /* tokens of the last successful parse */
	int cap;                   /* allocated slots */
} sio_json;

#define SIO_JSON_INIT               \
	{                           \
		NULL, 0, NULL, 0, 0 \
	}

/* ---- parsing ---------------------------------------------------------- */

void sio_json_init(sio_json *doc);
void sio_json_free(sio_json *doc);
const char *sio_json_strerror(int err);

/* Parse exactly one JSON value (whitespace around it allowed). On failure
 * the document is empty (ntok 0) and every accessor reports "no token".
 * Duplicate object keys are accepted (RFC 8259 section 4 only says names
 * SHOULD be unique); lookups return the last one, as JavaScript does. */
int sio_json_parse(sio_json *doc, const char *js, size_t len);

/* Check that [s, s+n) is well-formed UTF-8 (RFC 3629: no overlongs, no
 * UTF-16 surrogates, nothing above U+10FFFF). 1 if valid, else 0. */
int sio_json_utf8_valid(const char *s, size_t n);

/* ---- navigation: tokens are indices; -1 means "none" -------------------- */

int sio_json_root(const sio_json *doc); /* 0, or -1 if empty */
enum sio_json_type sio_json_type(const sio_json *doc, int tok);
int sio_json_size(const sio_json *doc, int tok); /* elements / pairs; 0 for scalars */
int sio_json_next(const sio_json *doc, int tok); /* first token after tok's subtree, O(1) */
int sio_json_array_get(const sio_json *doc, int arr, int i); /* O(i) */
int sio_json_obj_get(const sio_json *doc, int obj, const char *key);
int sio_json_obj_getn(const sio_json *doc, int obj, const char *key, size_t n);

/* The exact original text of a value: brackets included for containers,
 * quotes included (and escapes left as written) for strings. Re-emitting it
 * copies the value verbatim. NULL if tok is invalid. */
const char *sio_json_raw(const sio_json *doc, int tok, size_t *len);

/* Iteration over an array or object: next returns the value token, or -1 at
 * the end; for objects *key (if not NULL) gets the key token, else -1. */
typedef struct sio_json_iter {
	int cur, end, is_obj;
} sio_json_iter;

int sio_json_iter_init(const sio_json *doc, int tok, sio_json_iter *it);
int sio_json_iter_next(const sio_json *doc, sio_json_iter *it, int *key);

/* ---- values ------------------------------------------------------------ */

/* 1 if tok is a string whose unescaped value is exactly [s, s+n), else 0. */
int sio_json_str_eq(const sio_json *doc, int tok, const char *s, size_t n);

/* Unescape a string token into out. *outlen always gets the full unescaped
 * length; if that does not fit in cap, returns SIO_JSON_ENOSPC. A NUL is
 * appended when there is room, but "\u0000" may put NULs inside, so use
 * *outlen. The unescaped length is never more than the raw length - 2.
 * With cap 0 (out may then be NULL) it only measures. */
int sio_json_str_unescape(const sio_json *doc, int tok, char *out, size_t cap, size_t *outlen);

/* As above into a fresh malloc'd, NUL-terminated buffer (free() it). */
int sio_json_str_dup(const sio_json *doc, int tok, char **out, size_t *outlen);

/* Number as double (strtod, correctly rounded). Underflow rounds to 0 or a
 * subnormal and succeeds, as in JavaScript; overflow ("1e400") stores +-inf
 * and returns SIO_JSON_ERANGE (JavaScript would silently give Infinity).
 * SIO_JSON_ESYNTAX if LC_NUMERIC is not "C" and strtod stops at the '.'. */
int sio_json_number(const sio_json *doc, int tok, double *out);

/* Number as int64, computed exactly from the decimal text (never through a
 * double, so 9007199254740993 is exact). Accepts any number whose value is
 * a mathematical integer ("12", "-0", "1.5e1", "1e3"); SIO_JSON_ERANGE if it
 * has a fractional part or does not fit. */
int sio_json_int64(const sio_json *doc, int tok, int64_t *out);

/* 1 for JSON true, 0 for false; SIO_JSON_ETYPE otherwise. */
int sio_json_bool(const sio_json *doc, int tok);

/* ---- writing: byte buffer ---------------------------------------------- */

typedef struct sio_buf {
	char *data;
	size_t len, cap;
} sio_buf;

#define SIO_BUF_INIT       \
	{                  \
		NULL, 0, 0 \
	}

void sio_buf_init(sio_buf *b);
void sio_buf_free(sio_buf *b);
int sio_buf_grow(sio_buf *b, size_t extra); /* slow path of reserve */
int sio_buf_append(sio_buf *b, const void *p, size_t n);

/* Make room for extra more bytes; 0 or SIO_JSON_ENOMEM. */
static inline int sio_buf_reserve(sio_buf *b, size_t extra)
{
	return extra <= b->cap - b->len ? 0 : sio_buf_grow(b, extra);
}

static inline int sio_buf_putc(sio_buf *b, char c)
{
	if (b->len == b->cap && sio_buf_grow(b, 1))
		return SIO_JSON_ENOMEM;
	b->data[b->len++] = c;
	return 0;
}

/* ---- writing: low-level emitters (no separators) ------------------------ */

/* A JSON string from n bytes of UTF-8 (which the caller guarantees, e.g. with
 * sio_json_utf8_valid; bytes >= 0x80 are copied as they are). '"', '\\' and
 * every byte < 0x20 are escaped, as JSON.stringify does: \b \t \n \f \r, the
 * rest as \u00xx. NUL bytes are data, so they come out as \u0000. */
int sio_json_put_str(sio_buf *b, const char *s, size_t n);
int sio_json_put_int64(sio_buf *b, int64_t v);
/* Shortest text that reads back as the same double, laid out like
 * JavaScript's Number#toString: 123, 0.1, 1e+21, 1.5e-7; -0 gives "0";
 * NaN and +-Infinity give "null", like JSON.stringify. */
int sio_json_put_double(sio_buf *b, double v);

/* ---- writing: structured writer ----------------------------------------
 * Misuse (a value in an object without a key, a key outside an object, an
 * end that does not match its begin, deeper than SIO_JSON_MAX_DEPTH) is an
 * error, SIO_JSON_ESYNTAX or SIO_JSON_EDEPTH, and nothing is written. */

typedef struct sio_jsonw {
	sio_buf *buf;
	int depth;
	int err;           /* first error, sticky; later calls do nothing */
	int after_key;     /* a key was written; the next value takes no comma */
	uint64_t nonempty; /* bit d: container at depth d has an element */
	uint64_t objects;  /* bit d: container at depth d is an object */
} sio_jsonw;

void sio_jsonw_init(sio_jsonw *w, sio_buf *buf);
int sio_jsonw_error(const sio_jsonw *w); /* 0 or the first error */

int sio_jsonw_array_begin(sio_jsonw *w);
int sio_jsonw_array_end(sio_jsonw *w);
int sio_jsonw_object_begin(sio_jsonw *w);
int sio_jsonw_object_end(sio_jsonw *w);
int sio_jsonw_key(sio_jsonw *w, const char *k, size_t n); /* "k": */
int sio_jsonw_str(sio_jsonw *w, const char *s, size_t n);
int sio_jsonw_int64(sio_jsonw *w, int64_t v);
int sio_jsonw_double(sio_jsonw *w, double v);
int sio_jsonw_bool(sio_jsonw *w, int v);
int sio_jsonw_null(sio_jsonw *w);
/* Already-valid JSON text, copied as is (not checked). */
int sio_jsonw_raw(sio_jsonw *w, const char *json, size_t n);
/* A parsed value copied verbatim (its sio_json_raw text). */
int sio_jsonw_tok(sio_jsonw *w, const sio_json *doc, int tok);

#endif /* SIO_JSON_H */
