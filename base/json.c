/* json.c - strict JSON parser: jsmn plus the checks jsmn does not make.
 *
 * jsmn 1.1.0 (even with JSMN_STRICT) tokenizes a lot that RFC 8259 forbids:
 * "[tru]", "[1,]", "{\"a\" \"b\"}", "{\"a\":}", "[1 2]", "1 2", raw control
 * characters in strings, bad numbers, bad UTF-8 (docs/base.md lists what it
 * lets through). So parsing is three passes, each one linear:
 *
 *   1. check: the RFC 8259 grammar, byte by byte, with one bit per open
 *      container as the stack: every byte must be whitespace, a separator
 *      where the grammar wants one, or part of a valid string, number or
 *      literal (escapes, surrogate pairs, UTF-8). The first byte that cannot
 *      continue a valid text is where the parse failed
 *      (base_json_error_offset), so one pass both refuses and locates. It
 *      also enforces the nesting limit, which must come before jsmn: with
 *      parent links, jsmn walks up the parent chain on every ']' or '}',
 *      which is quadratic for "[[[[...]]]]". And it counts the tokens, so
 *      the token array is allocated once.
 *   2. jsmn builds the token array (in document order).
 *   3. convert: rewrites each jsmn token in place as a struct base_json_tok
 *      (same size), recording the value type, the element count and the
 *      index just past each subtree, and checks that jsmn's tree (parent
 *      links, key types, spans) agrees with the text pass 1 accepted.
 *
 * A top-level scalar ("42") is handled without jsmn: in strict mode jsmn
 * wants a primitive followed by a delimiter and reports "1" alone as partial.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* jsmn is header-only and only this file includes it: JSMN_STATIC keeps its
 * functions private here; JSMN_PARENT_LINKS makes a token 20 bytes, the size
 * of struct base_json_tok (docs/base.md). */
#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#include "base/hex.h"
#include "base/json.h"

_Static_assert(sizeof(jsmntok_t) == sizeof(struct base_json_tok), "tokens are converted in place");

/* Byte classes. Outside strings, RFC 8259 section 2 allows only whitespace,
 * the six structural characters and the characters of numbers (section 6)
 * and of true/false/null (section 3). */
enum {
	C_BAD = 0,
	C_WS,
	C_OPEN,
	C_CLOSE,
	C_COMMA,
	C_COLON,
	C_QUOTE,
	C_PRIM
};

static const unsigned char cls[256] = {
	[' '] = C_WS,    ['\t'] = C_WS,   ['\n'] = C_WS,   ['\r'] = C_WS,   ['['] = C_OPEN,
	['{'] = C_OPEN,  [']'] = C_CLOSE, ['}'] = C_CLOSE, [','] = C_COMMA, [':'] = C_COLON,
	['"'] = C_QUOTE, ['-'] = C_PRIM,  ['+'] = C_PRIM,  ['.'] = C_PRIM,  ['0' ... '9'] = C_PRIM,
	['e'] = C_PRIM,  ['E'] = C_PRIM,  ['t'] = C_PRIM,  ['r'] = C_PRIM,  ['u'] = C_PRIM,
	['f'] = C_PRIM,  ['a'] = C_PRIM,  ['l'] = C_PRIM,  ['s'] = C_PRIM,  ['n'] = C_PRIM,
};

void base_json_init(base_json *doc)
{
	memset(doc, 0, sizeof *doc);
	doc->errpos = BASE_JSON_NOPOS;
}

void base_json_free(base_json *doc)
{
	free(doc->toks);
	base_json_init(doc);
}

const char *base_json_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case BASE_JSON_ESYNTAX:
		return "invalid JSON";
	case BASE_JSON_EUTF8:
		return "invalid UTF-8 or lone surrogate";
	case BASE_JSON_EDEPTH:
		return "JSON nested too deeply";
	case BASE_JSON_ETOOBIG:
		return "JSON input too large";
	case BASE_JSON_ENOMEM:
		return "out of memory";
	case BASE_JSON_ETYPE:
		return "JSON value of the wrong type";
	case BASE_JSON_ERANGE:
		return "JSON number out of range";
	case BASE_JSON_ENOSPC:
		return "buffer too small";
	default:
		return "unknown JSON error";
	}
}

size_t base_json_error_offset(const base_json *doc)
{
	return doc->errpos;
}

void base_json_line_col(const char *js, size_t len, size_t off, size_t *line, size_t *col)
{
	const char *p = js, *e = js + (off < len ? off : len), *nl;

	*line = 1;
	while (p < e && (nl = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		(*line)++;
		p = nl + 1;
	}
	*col = (size_t)(e - p) + 1;
}

/* ---- UTF-8 ------------------------------------------------------------ */

static int is_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629 section 4), or 0.
 * The second byte's range excludes overlongs (E0, F0), UTF-16 surrogates
 * (ED A0..BF) and code points above U+10FFFF (F4 90.., F5..FF). */
static size_t utf8_seq(const unsigned char *p, const unsigned char *e)
{
	size_t avail = (size_t)(e - p);
	unsigned c = p[0];
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c < 0xc2) /* continuation byte, or overlong C0/C1 lead */
		return 0;
	if (c < 0xe0)
		return avail >= 2 && is_cont(p[1]) ? 2 : 0;
	if (c < 0xf0) {
		if (c == 0xe0)
			lo = 0xa0;
		if (c == 0xed)
			hi = 0x9f;
		return avail >= 3 && p[1] >= lo && p[1] <= hi && is_cont(p[2]) ? 3 : 0;
	}
	if (c < 0xf5) {
		if (c == 0xf0)
			lo = 0x90;
		if (c == 0xf4)
			hi = 0x8f;
		return avail >= 4 && p[1] >= lo && p[1] <= hi && is_cont(p[2]) && is_cont(p[3]) ? 4
		                                                                                : 0;
	}
	return 0;
}

int base_json_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;
	size_t k;

	while (p < e) {
		if (*p < 0x80) {
			p++;
			continue;
		}
		if (!(k = utf8_seq(p, e)))
			return 0;
		p += k;
	}
	return 1;
}

/* ---- strings, numbers, literals ----------------------------------------
 * Each check starts at *pp and leaves *pp just past what it accepted, or,
 * on failure, at the first byte that cannot belong there (e, the end of
 * the input, when the text stops too early). */

/* "\uXXXX" at *pp: the UTF-16 code unit in *cu. */
static int u_escape(const unsigned char **pp, const unsigned char *e, long *cu)
{
	const unsigned char *p = *pp;
	long v = 0;
	int rc = BASE_JSON_ESYNTAX, h;

	if (p == e || *p != '\\' || ++p == e || *p != 'u')
		goto out;
	for (p++; p < (*pp) + 6; p++) {
		if (p == e || (h = base_hexval(*p)) < 0)
			goto out;
		v = v << 4 | h;
	}
	*cu = v;
	rc = 0;
out:
	*pp = p;
	return rc;
}

/* One escape at *pp (which points at the backslash). RFC 8259 section 7:
 * the escapes are \" \\ \/ \b \f \n \r \t and \uXXXX; a code point outside
 * the BMP is a UTF-16 surrogate pair "\uD83D\uDE00". The RFC leaves lone
 * surrogates undefined; we reject them since they have no UTF-8 form: a low
 * surrogate first fails at its backslash, a high one alone where its low
 * half should start. */
static int check_escape(const unsigned char **pp, const unsigned char *e)
{
	const unsigned char *p = *pp, *lo_at;
	long cp, lo;
	int rc;

	if (e - p < 2) {
		*pp = e;
		return BASE_JSON_ESYNTAX;
	}
	if (p[1] != 'u') {
		*pp = p + 1;
		if (p[1] == '\0' || !strchr("\"\\/bfnrt", p[1]))
			return BASE_JSON_ESYNTAX;
		*pp = p + 2;
		return 0;
	}
	if ((rc = u_escape(pp, e, &cp)))
		return rc;
	if (cp >= 0xdc00 && cp <= 0xdfff) {
		*pp = p;
		return BASE_JSON_EUTF8;
	}
	if (cp < 0xd800 || cp > 0xdbff)
		return 0;
	lo_at = *pp;
	if (e - lo_at < 2 || lo_at[0] != '\\' || lo_at[1] != 'u')
		return BASE_JSON_EUTF8;
	if ((rc = u_escape(pp, e, &lo)))
		return rc;
	if (lo < 0xdc00 || lo > 0xdfff) {
		*pp = lo_at;
		return BASE_JSON_EUTF8;
	}
	return 0;
}

/* A string from its opening quote. Section 7: characters below U+0020 must
 * be escaped; section 8.1: the text must be UTF-8. */
static int check_string(const unsigned char **pp, const unsigned char *e)
{
	const unsigned char *p = *pp + 1;
	int rc = 0;
	size_t k;

	while (p < e && *p != '"') {
		if (*p >= 0x20 && *p < 0x80 && *p != '\\') {
			p++;
		} else if (*p == '\\') {
			if ((rc = check_escape(&p, e)))
				break;
		} else if (*p < 0x20) {
			rc = BASE_JSON_ESYNTAX;
			break;
		} else if ((k = utf8_seq(p, e)) != 0) {
			p += k;
		} else {
			rc = BASE_JSON_EUTF8;
			break;
		}
	}
	if (!rc && p == e)
		rc = BASE_JSON_ESYNTAX; /* unterminated */
	*pp = rc ? p : p + 1;
	return rc;
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static const unsigned char *digits(const unsigned char *p, const unsigned char *e)
{
	while (p < e && is_digit(*p))
		p++;
	return p;
}

/* Section 6: number = [ "-" ] ( "0" / 1-9 *DIGIT ) [ "." 1*DIGIT ]
 *                     [ ( "e" / "E" ) [ "+" / "-" ] 1*DIGIT ]
 * So no "+1", ".5", "1.", "01", "-", "1e". e is the end of the run of
 * number-or-literal bytes that holds it. */
static int check_number(const unsigned char **pp, const unsigned char *e)
{
	const unsigned char *p = *pp;
	int rc = BASE_JSON_ESYNTAX;

	if (p < e && *p == '-')
		p++;
	if (p < e && *p == '0')
		p++;
	else if (p < e && *p >= '1' && *p <= '9')
		p = digits(p, e);
	else
		goto out;
	if (p < e && *p == '.') {
		if (++p == e || !is_digit(*p))
			goto out;
		p = digits(p, e);
	}
	if (p < e && (*p == 'e' || *p == 'E')) {
		if (++p < e && (*p == '+' || *p == '-'))
			p++;
		if (p == e || !is_digit(*p))
			goto out;
		p = digits(p, e);
	}
	if (p == e)
		rc = 0;
out:
	*pp = p;
	return rc;
}

/* The value type of a primitive pass 1 accepted, from its first byte. */
static int primitive_kind(unsigned char c)
{
	return c == 't'   ? BASE_JSON_TRUE
	       : c == 'f' ? BASE_JSON_FALSE
	       : c == 'n' ? BASE_JSON_NULL
	                  : BASE_JSON_NUMBER;
}

/* A number or one of the literals of section 3, which are lowercase and
 * exact: "tru", "True", "nul" are errors. The run of number-or-literal
 * bytes from *pp is the candidate; a literal fails where it stops matching
 * ("nulll" at the last 'l', "tru" at the byte after it). */
static int check_primitive(const unsigned char **pp, const unsigned char *end)
{
	static const char *const lits[] = { "true", "false", "null" };
	const unsigned char *p = *pp, *e = p;
	const char *l;

	while (e < end && cls[*e] == C_PRIM)
		e++;
	if (*p == '-' || is_digit(*p))
		return check_number(pp, e);
	for (int i = 0; i < 3; i++) {
		if (*p != (unsigned char)lits[i][0])
			continue;
		for (l = lits[i]; *l && p < e && *p == (unsigned char)*l; l++)
			p++;
		*pp = p;
		return *l || p != e ? BASE_JSON_ESYNTAX : 0;
	}
	return BASE_JSON_ESYNTAX; /* '+', '.', 'e' and such cannot start a value */
}

/* ---- pass 1: the grammar ----------------------------------------------- */

/* What RFC 8259 section 2 allows next (whitespace is always allowed). */
enum want {
	W_VALUE,     /* the top-level value, or after ':' or ',' in an array */
	W_FIRST,     /* just after '[': a value or ']' */
	W_KEY,       /* after ',' in an object */
	W_FIRST_KEY, /* just after '{': a key or '}' */
	W_COLON,     /* after a key */
	W_MORE,      /* after a value in a container: ',' or its close */
	W_END        /* after the top-level value: nothing more */
};

struct check {
	const unsigned char *p, *e;
	uint64_t objects; /* bit d: the container at depth d + 1 is an object */
	int depth;
	enum want want;
	size_t ntok;
};

static int top_is_object(const struct check *c)
{
	return c->depth > 0 && (c->objects >> (c->depth - 1) & 1);
}

static enum want after_value(const struct check *c)
{
	return c->depth ? W_MORE : W_END;
}

/* One byte or token at c->p; advances past it, or leaves c->p at the first
 * byte that cannot be there. */
static int check_step(struct check *c)
{
	unsigned char b = *c->p;
	int rc, obj = top_is_object(c);
	int value = c->want == W_VALUE || c->want == W_FIRST;
	int key = c->want == W_KEY || c->want == W_FIRST_KEY;

	switch (cls[b]) {
	case C_WS:
		c->p++;
		return 0;
	case C_OPEN:
		if (!value)
			return BASE_JSON_ESYNTAX;
		if (c->depth == BASE_JSON_MAX_DEPTH)
			return BASE_JSON_EDEPTH;
		c->objects = (c->objects & ~(1ULL << c->depth)) | (uint64_t)(b == '{') << c->depth;
		c->depth++;
		c->want = b == '{' ? W_FIRST_KEY : W_FIRST;
		c->ntok++;
		c->p++;
		return 0;
	case C_CLOSE:
		/* "[1,]", "{\"a\":}", "{\"a\"}" and "[}" all end up here */
		if (!c->depth || (b == '}') != obj ||
		    (c->want != W_MORE && c->want != (obj ? W_FIRST_KEY : W_FIRST)))
			return BASE_JSON_ESYNTAX;
		c->depth--;
		c->want = after_value(c);
		c->p++;
		return 0;
	case C_COMMA:
		if (c->want != W_MORE)
			return BASE_JSON_ESYNTAX;
		c->want = obj ? W_KEY : W_VALUE;
		c->p++;
		return 0;
	case C_COLON:
		if (c->want != W_COLON)
			return BASE_JSON_ESYNTAX;
		c->want = W_VALUE;
		c->p++;
		return 0;
	case C_QUOTE:
		if (!value && !key)
			return BASE_JSON_ESYNTAX;
		if ((rc = check_string(&c->p, c->e)))
			return rc;
		c->want = key ? W_COLON : after_value(c);
		c->ntok++;
		return 0;
	case C_PRIM:
		if (!value)
			return BASE_JSON_ESYNTAX;
		if ((rc = check_primitive(&c->p, c->e)))
			return rc;
		c->want = after_value(c);
		c->ntok++;
		return 0;
	default: /* includes NUL, which jsmn would take as the end */
		return BASE_JSON_ESYNTAX;
	}
}

/* Check the whole text; *ntok gets the number of tokens it holds. */
static int check_text(base_json *doc, size_t *ntok)
{
	const unsigned char *js = (const unsigned char *)doc->js;
	struct check c = { js, js + doc->len, 0, 0, W_VALUE, 0 };
	int rc = 0;

	while (c.p < c.e)
		if ((rc = check_step(&c)))
			break;
	if (!rc && c.want != W_END)
		rc = BASE_JSON_ESYNTAX; /* "", "[1", "{\"a\":" */
	if (rc)
		doc->errpos = (size_t)(c.p - js);
	*ntok = c.ntok;
	return rc;
}

/* ---- pass 2: jsmn ------------------------------------------------------ */

static int reserve_tokens(base_json *doc, size_t n)
{
	struct base_json_tok *t;

	if (n <= (size_t)doc->cap)
		return 0;
	if (n > BASE_JSON_MAX_TOKENS)
		return BASE_JSON_ETOOBIG;
	if (!(t = realloc(doc->toks, n * sizeof *t)))
		return BASE_JSON_ENOMEM;
	doc->toks = t;
	doc->cap = (int)n;
	return 0;
}

/* jsmn writes its tokens into doc->toks, which pass 1 sized exactly. Any
 * error from jsmn on a text pass 1 accepted means the two disagree. */
static int tokenize(base_json *doc, int *ntok)
{
	jsmn_parser p;
	int r;

	jsmn_init(&p);
	r = jsmn_parse(&p, doc->js, doc->len, (jsmntok_t *)(void *)doc->toks, (unsigned)doc->cap);
	if (r <= 0) {
		doc->errpos = p.pos;
		return BASE_JSON_ESYNTAX;
	}
	*ntok = r;
	return 0;
}

/* ---- pass 3: convert --------------------------------------------------- */

struct frame {
	int tok, count, key; /* key: the next child of this object is a key */
};

/* Close the innermost container; next is the first token after it. */
static void close_top(struct base_json_tok *toks, struct frame *f, int next)
{
	toks[f->tok].size = f->count;
	toks[f->tok].next = next;
}

/* Token i's place in the tree: the parent jsmn must have recorded (an
 * object's value has its key as parent) and whether it is a key. */
static int expected_parent(const struct base_json_tok *toks, struct frame *f, int i, int *is_key)
{
	int obj = (toks[f->tok].kind & BASE_JSON_TOK_TYPE) == BASE_JSON_OBJECT;

	*is_key = obj && f->key;
	if (*is_key) {
		f->key = 0;
		return f->tok;
	}
	f->key = obj;
	f->count++;
	return obj ? i - 1 : f->tok;
}

static int convert(base_json *doc, int ntok)
{
	struct base_json_tok *toks = doc->toks;
	struct frame st[BASE_JSON_MAX_DEPTH];
	int sp = 0, i, parent, is_key, kind, start = 0;

	for (i = 0; i < ntok; i++) {
		jsmntok_t j;

		/* memcpy: the slot is read as jsmn's type, then rewritten as ours. */
		memcpy(&j, &toks[i], sizeof j);
		start = j.start - (j.type == JSMN_STRING); /* jsmn leaves out the quotes */
		if (start < 0 || j.end < j.start || (size_t)j.end > doc->len)
			goto bad;
		while (sp > 0 && start >= toks[st[sp - 1].tok].end)
			close_top(toks, &st[--sp], i);
		parent = -1;
		is_key = 0;
		if (sp)
			parent = expected_parent(toks, &st[sp - 1], i, &is_key);
		if ((sp == 0 && i != 0) || j.parent != parent || (is_key && j.type != JSMN_STRING))
			goto bad;
		switch (j.type) {
		case JSMN_OBJECT:
		case JSMN_ARRAY:
			if (sp == BASE_JSON_MAX_DEPTH)
				goto bad;
			kind = j.type == JSMN_OBJECT ? BASE_JSON_OBJECT : BASE_JSON_ARRAY;
			toks[i] = (struct base_json_tok){ kind, j.start, j.end, 0, -1 };
			st[sp++] = (struct frame){ i, 0, kind == BASE_JSON_OBJECT };
			break;
		case JSMN_STRING:
			kind = memchr(doc->js + j.start, '\\', (size_t)(j.end - j.start))
			               ? BASE_JSON_TOK_ESC
			               : 0;
			toks[i] = (struct base_json_tok){ BASE_JSON_STRING | kind, start, j.end + 1,
				                          0, i + 1 };
			break;
		case JSMN_PRIMITIVE:
			kind = primitive_kind((unsigned char)doc->js[j.start]);
			toks[i] = (struct base_json_tok){ kind, j.start, j.end, 0, i + 1 };
			break;
		default:
			goto bad;
		}
	}
	while (sp > 0)
		close_top(toks, &st[--sp], ntok);
	return 0;
bad:
	doc->errpos = start < 0 ? 0 : (size_t)start;
	return BASE_JSON_ESYNTAX;
}

/* A top-level number or literal: one token, no jsmn. */
static int parse_scalar(base_json *doc, size_t start)
{
	const unsigned char *js = (const unsigned char *)doc->js;
	size_t end = start;

	while (end < doc->len && cls[js[end]] == C_PRIM)
		end++;
	doc->toks[0] =
	        (struct base_json_tok){ primitive_kind(js[start]), (int)start, (int)end, 0, 1 };
	doc->ntok = 1;
	return 0;
}

static int parse(base_json *doc)
{
	const unsigned char *js = (const unsigned char *)doc->js;
	size_t ntok, first;
	int rc, n;

	if (doc->len > BASE_JSON_MAX_LEN)
		return BASE_JSON_ETOOBIG;
	if (!js) {
		doc->errpos = 0;
		return BASE_JSON_ESYNTAX;
	}
	if ((rc = check_text(doc, &ntok)) || (rc = reserve_tokens(doc, ntok)))
		return rc;
	first = 0;
	while (cls[js[first]] == C_WS)
		first++;
	if (cls[js[first]] == C_PRIM)
		return parse_scalar(doc, first);
	if ((rc = tokenize(doc, &n)) || (rc = convert(doc, n)))
		return rc;
	doc->ntok = n;
	return 0;
}

int base_json_parse(base_json *doc, const char *js, size_t len)
{
	int rc;

	doc->js = js;
	doc->len = len;
	doc->ntok = 0;
	doc->errpos = BASE_JSON_NOPOS;
	if ((rc = parse(doc)))
		doc->ntok = 0;
	return rc;
}
