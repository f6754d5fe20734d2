/* json.c - strict JSON parser: jsmn plus the checks jsmn does not make.
 *
 * jsmn 1.1.0 (even with JSMN_STRICT) tokenizes a lot that RFC 8259 forbids:
 * "[tru]", "[1,]", "{\"a\" \"b\"}", "{\"a\":}", "[1 2]", "1 2", raw control
 * characters in strings, bad numbers, bad UTF-8. So parsing is three passes,
 * each one linear:
 *
 *   1. prescan: a lexical pass that finds string boundaries, rejects bytes
 *      that can never appear outside strings, enforces the nesting limit and
 *      counts tokens. The depth limit must come before jsmn: with parent
 *      links, jsmn walks up the parent chain on every ']' or '}', which is
 *      quadratic for "[[[[...]]]]". The count is exact for valid input and an
 *      upper bound otherwise, so the token array is allocated once.
 *   2. jsmn builds the token array (in document order).
 *   3. walk: re-reads the input between and inside tokens and checks the RFC
 *      8259 grammar with an explicit stack: every byte must be whitespace, a
 *      separator where the grammar wants one, or inside a token whose content
 *      is valid (number and literal grammar, string escapes, UTF-8). It also
 *      checks that jsmn's parent links agree. While doing so it converts each
 *      jsmn token in place into a struct base_json_tok (same size), recording
 *      the value type and the index just past each subtree.
 *
 * A top-level scalar ("42") is handled without jsmn: in strict mode jsmn
 * wants a primitive followed by a delimiter and reports "1" alone as partial.
 */
#include <stdlib.h>
#include <string.h>

#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#include "base/json.h"

_Static_assert(sizeof(jsmntok_t) == sizeof(struct base_json_tok), "tokens are converted in place");

/* Byte classes for the prescan. Outside strings, RFC 8259 section 2 allows
 * only whitespace, the six structural characters and the characters of
 * numbers (section 6) and of true/false/null (section 3). */
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

/* ---- token content checks ---------------------------------------------- */

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits at p (known to be in bounds), or -1. */
static long hex4(const unsigned char *p)
{
	long v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval(p[i]);
		if (h < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

/* One escape at *pp (which points at the backslash). RFC 8259 section 7:
 * the escapes are \" \\ \/ \b \f \n \r \t and \uXXXX; a code point outside
 * the BMP is a UTF-16 surrogate pair "\uD83D\uDE00". The RFC leaves lone
 * surrogates undefined; we reject them since they have no UTF-8 form. */
static int check_escape(const unsigned char **pp, const unsigned char *e)
{
	const unsigned char *p = *pp;
	long cp, lo;

	if (e - p < 2)
		return BASE_JSON_ESYNTAX;
	if (p[1] != '\0' && strchr("\"\\/bfnrt", p[1])) {
		*pp = p + 2;
		return 0;
	}
	if (p[1] != 'u' || e - p < 6 || (cp = hex4(p + 2)) < 0)
		return BASE_JSON_ESYNTAX;
	p += 6;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return BASE_JSON_EUTF8; /* low surrogate first */
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (e - p < 6 || p[0] != '\\' || p[1] != 'u')
			return BASE_JSON_EUTF8; /* high surrogate alone */
		lo = hex4(p + 2);
		if (lo < 0)
			return BASE_JSON_ESYNTAX;
		if (lo < 0xdc00 || lo > 0xdfff)
			return BASE_JSON_EUTF8;
		p += 6;
	}
	*pp = p;
	return 0;
}

/* String content between the quotes. Section 7: characters below U+0020
 * must be escaped; section 8.1: the text must be UTF-8. */
static int check_string(const unsigned char *p, const unsigned char *e, int *flags)
{
	int rc;
	size_t k;

	*flags = 0;
	while (p < e) {
		unsigned c = *p;
		if (c >= 0x20 && c < 0x80 && c != '\\') {
			p++;
		} else if (c == '\\') {
			if ((rc = check_escape(&p, e)))
				return rc;
			*flags = BASE_JSON_TOK_ESC;
		} else if (c < 0x20) {
			return BASE_JSON_ESYNTAX;
		} else {
			if (!(k = utf8_seq(p, e)))
				return BASE_JSON_EUTF8;
			p += k;
		}
	}
	return 0;
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Section 6: number = [ "-" ] ( "0" / 1-9 *DIGIT ) [ "." 1*DIGIT ]
 *                     [ ( "e" / "E" ) [ "+" / "-" ] 1*DIGIT ]
 * So no "+1", ".5", "1.", "01", "-", "1e". */
static int check_number(const unsigned char *p, const unsigned char *e, int *kind)
{
	*kind = BASE_JSON_NUMBER;
	if (p < e && *p == '-')
		p++;
	if (p < e && *p == '0')
		p++;
	else if (p < e && *p >= '1' && *p <= '9')
		while (p < e && is_digit(*p))
			p++;
	else
		return BASE_JSON_ESYNTAX;
	if (p < e && *p == '.') {
		if (++p == e || !is_digit(*p))
			return BASE_JSON_ESYNTAX;
		while (p < e && is_digit(*p))
			p++;
	}
	if (p < e && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < e && (*p == '+' || *p == '-'))
			p++;
		if (p == e || !is_digit(*p))
			return BASE_JSON_ESYNTAX;
		while (p < e && is_digit(*p))
			p++;
	}
	return p == e ? 0 : BASE_JSON_ESYNTAX;
}

/* A primitive is a number or one of the literals of section 3, which are
 * lowercase and exact: "tru", "True", "nul" are errors. */
static int check_primitive(const unsigned char *p, const unsigned char *e, int *kind)
{
	size_t n = (size_t)(e - p);

	if (n == 4 && !memcmp(p, "true", 4)) {
		*kind = BASE_JSON_TRUE;
		return 0;
	}
	if (n == 5 && !memcmp(p, "false", 5)) {
		*kind = BASE_JSON_FALSE;
		return 0;
	}
	if (n == 4 && !memcmp(p, "null", 4)) {
		*kind = BASE_JSON_NULL;
		return 0;
	}
	return check_number(p, e, kind);
}

/* ---- pass 1: prescan --------------------------------------------------- */

/* Section 2: insignificant whitespace is space, tab, LF and CR only. */
static size_t skip_ws(const unsigned char *js, size_t len, size_t pos)
{
	while (pos < len && cls[js[pos]] == C_WS)
		pos++;
	return pos;
}

/* End of the string whose opening quote is at i, or BASE_JSON_MAX_LEN + 1 if
 * it is unterminated or holds a raw control character (section 7). Escapes
 * are only skipped here; check_string validates them. */
static size_t scan_string(const unsigned char *js, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		unsigned c = js[i];
		if (c == '"')
			return i + 1;
		if (c == '\\')
			i++;
		else if (c < 0x20)
			break;
	}
	return BASE_JSON_MAX_LEN + 1;
}

/* Segments the input the way jsmn will (string boundaries, primitive runs)
 * so that its depth count matches what jsmn sees, rejecting early anything
 * lexically impossible. *ntok gets the number of tokens jsmn will need at
 * most. A primitive run must end at whitespace, ',', ']', '}' or the end:
 * that is where strict jsmn ends it too. */
static int prescan(const unsigned char *js, size_t len, size_t *ntok)
{
	size_t i = 0, n = 0;
	int depth = 0;

	while (i < len) {
		switch (cls[js[i]]) {
		case C_WS:
		case C_COMMA:
		case C_COLON:
			i++;
			break;
		case C_OPEN:
			if (++depth > BASE_JSON_MAX_DEPTH)
				return BASE_JSON_EDEPTH;
			n++, i++;
			break;
		case C_CLOSE:
			if (--depth < 0)
				return BASE_JSON_ESYNTAX;
			i++;
			break;
		case C_QUOTE:
			if ((i = scan_string(js, len, i)) > len)
				return BASE_JSON_ESYNTAX;
			n++;
			break;
		case C_PRIM:
			while (i < len && cls[js[i]] == C_PRIM)
				i++;
			if (i < len && cls[js[i]] != C_WS && cls[js[i]] != C_CLOSE &&
			    cls[js[i]] != C_COMMA)
				return BASE_JSON_ESYNTAX;
			n++;
			break;
		default: /* includes NUL, which jsmn treats as end */
			return BASE_JSON_ESYNTAX;
		}
	}
	if (depth != 0 || n == 0)
		return BASE_JSON_ESYNTAX;
	*ntok = n;
	return 0;
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

/* jsmn writes its tokens into doc->toks. The prescan count should always be
 * enough; if jsmn still says NOMEM, it can resume with a larger array. */
static int tokenize(base_json *doc, int *ntok)
{
	jsmn_parser p;
	int r, rc;

	jsmn_init(&p);
	for (;;) {
		r = jsmn_parse(&p, doc->js, doc->len, (jsmntok_t *)(void *)doc->toks,
		               (unsigned)doc->cap);
		if (r != JSMN_ERROR_NOMEM)
			break;
		if (doc->cap >= BASE_JSON_MAX_TOKENS)
			return BASE_JSON_ETOOBIG;
		if ((rc = reserve_tokens(doc, (size_t)doc->cap * 2 > BASE_JSON_MAX_TOKENS
		                                      ? BASE_JSON_MAX_TOKENS
		                                      : (size_t)doc->cap * 2)))
			return rc;
	}
	if (r <= 0)
		return BASE_JSON_ESYNTAX;
	*ntok = r;
	return 0;
}

/* ---- pass 3: grammar walk ---------------------------------------------- */

enum {
	ST_OPEN,
	ST_KEY,
	ST_VALUE
}; /* just opened, after key, after value */

struct frame {
	int tok, count, state;
};

struct walk {
	const unsigned char *js;
	size_t len, pos; /* every byte before pos has been checked */
	struct base_json_tok *toks;
	struct frame st[BASE_JSON_MAX_DEPTH];
	int sp;
};

/* Skip whitespace, then require the separator c (section 2). */
static int expect(struct walk *w, unsigned char c)
{
	w->pos = skip_ws(w->js, w->len, w->pos);
	if (w->pos >= w->len || w->js[w->pos] != c)
		return BASE_JSON_ESYNTAX;
	w->pos++;
	return 0;
}

/* Close the innermost container; next is the index of the first token
 * after it. Catches "{\"a\"}", "{\"a\":}" and trailing commas "[1,]". */
static int close_top(struct walk *w, int next)
{
	struct frame *f = &w->st[w->sp - 1];
	struct base_json_tok *t = &w->toks[f->tok];
	int obj = (t->kind & BASE_JSON_TOK_TYPE) == BASE_JSON_OBJECT;

	if (f->state == ST_KEY || expect(w, obj ? '}' : ']') || w->pos != (size_t)t->end)
		return BASE_JSON_ESYNTAX;
	t->size = f->count;
	t->next = next;
	w->sp--;
	return 0;
}

/* Before token i: the separator the enclosing container expects, and the
 * parent jsmn must have recorded (for an object value, jsmn's parent is the
 * key). Sets *is_key when token i must be an object key. */
static int open_slot(struct walk *w, int i, int *parent, int *is_key)
{
	struct frame *f;
	int obj, rc;

	*parent = -1;
	*is_key = 0;
	if (w->sp == 0) /* a second top-level value: "[1] [2]" */
		return i == 0 ? 0 : BASE_JSON_ESYNTAX;
	f = &w->st[w->sp - 1];
	obj = (w->toks[f->tok].kind & BASE_JSON_TOK_TYPE) == BASE_JSON_OBJECT;
	if (f->state != ST_OPEN && (rc = expect(w, f->state == ST_KEY ? ':' : ',')))
		return rc;
	if (obj && f->state != ST_KEY) {
		*is_key = 1;
		*parent = f->tok;
		f->state = ST_KEY;
	} else {
		*parent = obj ? i - 1 : f->tok;
		f->state = ST_VALUE;
		f->count++;
	}
	return 0;
}

/* Check token i's content and convert it to a struct base_json_tok. */
static int take_token(struct walk *w, int i, const jsmntok_t *j, int is_key)
{
	struct base_json_tok *t = &w->toks[i];
	int kind, rc;

	if (is_key && j->type != JSMN_STRING)
		return BASE_JSON_ESYNTAX;
	switch (j->type) {
	case JSMN_OBJECT:
	case JSMN_ARRAY:
		if (w->sp == BASE_JSON_MAX_DEPTH)
			return BASE_JSON_EDEPTH;
		if (j->end <= j->start)
			return BASE_JSON_ESYNTAX;
		kind = j->type == JSMN_OBJECT ? BASE_JSON_OBJECT : BASE_JSON_ARRAY;
		*t = (struct base_json_tok){ kind, j->start, j->end, 0, -1 };
		w->st[w->sp++] = (struct frame){ i, 0, ST_OPEN };
		w->pos = (size_t)j->start + 1;
		return 0;
	case JSMN_STRING: /* jsmn's span excludes the quotes */
		if ((rc = check_string(w->js + j->start, w->js + j->end, &kind)))
			return rc;
		*t = (struct base_json_tok){ BASE_JSON_STRING | kind, j->start - 1, j->end + 1, 0,
			                     i + 1 };
		w->pos = (size_t)j->end + 1;
		return 0;
	case JSMN_PRIMITIVE:
		if ((rc = check_primitive(w->js + j->start, w->js + j->end, &kind)))
			return rc;
		*t = (struct base_json_tok){ kind, j->start, j->end, 0, i + 1 };
		w->pos = (size_t)j->end;
		return 0;
	default:
		return BASE_JSON_ESYNTAX;
	}
}

static int walk(base_json *doc, int ntok)
{
	struct walk w = {
		(const unsigned char *)doc->js, doc->len, 0, doc->toks, { { 0, 0, 0 } }, 0
	};
	int i, rc, parent, is_key;

	for (i = 0; i < ntok; i++) {
		jsmntok_t j;
		size_t start;

		/* memcpy: the slot is read as jsmn's type, then rewritten as ours. */
		memcpy(&j, &doc->toks[i], sizeof j);
		if (j.start < 1 && j.type == JSMN_STRING)
			return BASE_JSON_ESYNTAX;
		if (j.start < 0 || j.end < j.start || (size_t)j.end > doc->len)
			return BASE_JSON_ESYNTAX;
		start = (size_t)j.start - (j.type == JSMN_STRING);

		while (w.sp > 0 && start >= (size_t)w.toks[w.st[w.sp - 1].tok].end)
			if ((rc = close_top(&w, i)))
				return rc;
		if ((rc = open_slot(&w, i, &parent, &is_key)))
			return rc;
		w.pos = skip_ws(w.js, w.len, w.pos);
		if (w.pos != start || j.parent != parent)
			return BASE_JSON_ESYNTAX;
		if ((rc = take_token(&w, i, &j, is_key)))
			return rc;
	}
	while (w.sp > 0)
		if ((rc = close_top(&w, ntok)))
			return rc;
	return skip_ws(w.js, w.len, w.pos) == w.len ? 0 : BASE_JSON_ESYNTAX;
}

/* A top-level number or literal: one token, no jsmn. The prescan has
 * checked that only whitespace or separators can follow the run. */
static int parse_scalar(base_json *doc, size_t start)
{
	const unsigned char *js = (const unsigned char *)doc->js;
	size_t end = start;
	int kind, rc;

	while (end < doc->len && cls[js[end]] == C_PRIM)
		end++;
	if ((rc = check_primitive(js + start, js + end, &kind)))
		return rc;
	if (skip_ws(js, doc->len, end) != doc->len)
		return BASE_JSON_ESYNTAX; /* "1 2", "1," */
	doc->toks[0] = (struct base_json_tok){ kind, (int)start, (int)end, 0, 1 };
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
	if (!js)
		return BASE_JSON_ESYNTAX;
	if ((rc = prescan(js, doc->len, &ntok)))
		return rc;
	if ((rc = reserve_tokens(doc, ntok)))
		return rc;
	first = skip_ws(js, doc->len, 0);
	if (cls[js[first]] == C_PRIM)
		return parse_scalar(doc, first);
	if ((rc = tokenize(doc, &n)) || (rc = walk(doc, n)))
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
	if ((rc = parse(doc)))
		doc->ntok = 0;
	return rc;
}
