/* test_base_json.c - Check unit tests for base/json*.c.
 *
 * Covers the strict parser (every accepted form, every rejection jsmn alone
 * would let through, where each failure is reported, limits), navigation, string and number decoding, the
 * writer's escaping and number layout (compared with what JSON.stringify
 * prints), and parse/write round trips.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "check_main.h"

#define S(lit) lit, sizeof(lit) - 1 /* literal with its exact length */

static base_json doc;

static void setup(void)
{
	base_json_init(&doc);
}
static void teardown(void)
{
	base_json_free(&doc);
}

static int parse_lit(const char *s, size_t n)
{
	return base_json_parse(&doc, s, n);
}

/* ---- accepted forms ---------------------------------------------------- */

static const struct {
	const char *js;
	size_t n;
	enum base_json_type type;
} accept_cases[] = {
	{ S("0"), BASE_JSON_NUMBER },
	{ S("-0"), BASE_JSON_NUMBER },
	{ S("7"), BASE_JSON_NUMBER },
	{ S("-123"), BASE_JSON_NUMBER },
	{ S("1.5"), BASE_JSON_NUMBER },
	{ S("-0.0"), BASE_JSON_NUMBER },
	{ S("1e5"), BASE_JSON_NUMBER },
	{ S("1E+5"), BASE_JSON_NUMBER },
	{ S("2.5e-3"), BASE_JSON_NUMBER },
	{ S("10E0"), BASE_JSON_NUMBER },
	{ S("true"), BASE_JSON_TRUE },
	{ S("false"), BASE_JSON_FALSE },
	{ S("null"), BASE_JSON_NULL },
	{ S("\"\""), BASE_JSON_STRING },
	{ S("\"abc\""), BASE_JSON_STRING },
	{ S("\"\\/\\\\\\\"\""), BASE_JSON_STRING },
	{ S("\"\\b\\f\\n\\r\\t\""), BASE_JSON_STRING },
	{ S("\"\\u00e9\\u00E9\""), BASE_JSON_STRING },
	{ S("\"\\ud83d\\ude00\""), BASE_JSON_STRING },
	{ S("\"\\u0000\""), BASE_JSON_STRING },
	{ S("\"\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80\""), BASE_JSON_STRING },
	{ S("\"\xf4\x8f\xbf\xbf\""), BASE_JSON_STRING },         /* U+10FFFF */
	{ S("\"\xef\xbf\xbf\xe2\x80\xa8\""), BASE_JSON_STRING }, /* U+FFFF U+2028 */
	{ S("\"\x7f\""), BASE_JSON_STRING },
	{ S("[]"), BASE_JSON_ARRAY },
	{ S("{}"), BASE_JSON_OBJECT },
	{ S("[ ]"), BASE_JSON_ARRAY },
	{ S("{ }"), BASE_JSON_OBJECT },
	{ S("[1,\"a\",true,false,null,{},[]]"), BASE_JSON_ARRAY },
	{ S("{\"a\":1,\"b\":[1,{\"c\":null}]}"), BASE_JSON_OBJECT },
	{ S(" \t\r\n[1 , 2 ]\n\t "), BASE_JSON_ARRAY },
	{ S(" 42 "), BASE_JSON_NUMBER },
	{ S("\n\"x\"\n"), BASE_JSON_STRING },
	{ S("{\"a\":1,\"a\":2}"), BASE_JSON_OBJECT }, /* duplicate keys */
	{ S("{\"\":\"\"}"), BASE_JSON_OBJECT },
	{ S("[[[[]]]]"), BASE_JSON_ARRAY },
	{ S("[-1e-0,0e0,0.5E-10]"), BASE_JSON_ARRAY },
};

START_TEST(test_accept)
{
	int rc = parse_lit(accept_cases[_i].js, accept_cases[_i].n);
	ck_assert_msg(rc == 0, "case %d <%s>: rc %d", _i, accept_cases[_i].js, rc);
	ck_assert_int_eq(base_json_type(&doc, base_json_root(&doc)), accept_cases[_i].type);
	ck_assert_int_eq(base_json_next(&doc, 0), doc.ntok);
}
END_TEST

/* ---- rejected forms ---------------------------------------------------- */

#define SY BASE_JSON_ESYNTAX
#define U8 BASE_JSON_EUTF8
static const struct {
	const char *js;
	size_t n;
	int rc;
} reject_cases[] = {
	/* what jsmn in strict mode accepts */
	{ S("[tru]"), SY },
	{ S("[nul]"), SY },
	{ S("[1.2.3e]"), SY },
	{ S("[-]"), SY },
	{ S("[1,]"), SY },
	{ S("{\"a\" \"b\"}"), SY },
	{ S("{\"a\":}"), SY },
	{ S("[1 2]"), SY },
	{ S("1 2"), SY },
	{ S("\"a\" \"b\""), SY },
	{ S("[1] [2]"), SY },
	{ S("[\"\t\"]"), SY },
	/* what it accepts without strict mode */
	{ S("{a:1}"), SY },
	{ S("[1]x"), SY },
	{ S("[1],"), SY },
	{ S("{\"a\":1}}"), SY },
	{ S("[1]]"), SY },
	/* raw control characters in strings (section 7) */
	{ S("\"\x01\""), SY },
	{ S("\"a\nb\""), SY },
	{ S("\"\x1f\""), SY },
	{ S("\"a\0b\""), SY },
	/* numbers (section 6) */
	{ S("01"), SY },
	{ S("[01]"), SY },
	{ S("-01"), SY },
	{ S("00"), SY },
	{ S("+1"), SY },
	{ S(".5"), SY },
	{ S("1."), SY },
	{ S("[1.]"), SY },
	{ S("-"), SY },
	{ S("1e"), SY },
	{ S("1e+"), SY },
	{ S("1.e5"), SY },
	{ S("-.5"), SY },
	{ S("1e5.0"), SY },
	{ S("0x10"), SY },
	{ S("Infinity"), SY },
	{ S("-Infinity"), SY },
	{ S("NaN"), SY },
	{ S("1_000"), SY },
	/* literals (section 3) */
	{ S("True"), SY },
	{ S("nulll"), SY },
	{ S("tru"), SY },
	{ S("f"), SY },
	{ S("truefalse"), SY },
	/* escapes */
	{ S("\"\\x\""), SY },
	{ S("\"\\u12G4\""), SY },
	{ S("\"\\u12\""), SY },
	{ S("\"\\U0041\""), SY },
	{ S("\"\\'\""), SY },
	{ S("\"\\\""), SY },
	{ S("\"\\ud800\\u12\""), SY },
	/* lone surrogates */
	{ S("\"\\ud800\""), U8 },
	{ S("\"\\udc00\""), U8 },
	{ S("\"\\ud800\\u0041\""), U8 },
	{ S("\"\\ud800x\""), U8 },
	{ S("\"\\udbff\\udbff\""), U8 },
	{ S("\"\\ude00\\ud83d\""), U8 },
	/* invalid UTF-8 */
	{ S("\"\xc0\xaf\""), U8 },
	{ S("\"\xc1\xbf\""), U8 },
	{ S("\"\xe0\x80\xaf\""), U8 },
	{ S("\"\xe0\x9f\xbf\""), U8 },
	{ S("\"\xf0\x80\x80\xaf\""), U8 },
	{ S("\"\xf0\x8f\xbf\xbf\""), U8 },
	{ S("\"\xed\xa0\x80\""), U8 },
	{ S("\"\xed\xbf\xbf\""), U8 },
	{ S("\"\xf4\x90\x80\x80\""), U8 },
	{ S("\"\xf5\x80\x80\x80\""), U8 },
	{ S("\"\xff\""), U8 },
	{ S("\"\xfe\""), U8 },
	{ S("\"\x80\""), U8 },
	{ S("\"\xc3\""), U8 },
	{ S("\"\xe2\x82\""), U8 },
	{ S("\"\xf0\x9f\x98\""), U8 },
	{ S("\"\xc3\x28\""), U8 },
	{ S("\"\xe2\x28\xa1\""), U8 },
	/* structure */
	{ S(""), SY },
	{ S("   "), SY },
	{ S("["), SY },
	{ S("]"), SY },
	{ S("{"), SY },
	{ S("[}"), SY },
	{ S("{]"), SY },
	{ S("{\"a\":1,}"), SY },
	{ S("{,}"), SY },
	{ S("[,1]"), SY },
	{ S("[1,,2]"), SY },
	{ S("{\"a\"}"), SY },
	{ S("{1:2}"), SY },
	{ S("{\"a\":1 \"b\":2}"), SY },
	{ S("{\"a\"::1}"), SY },
	{ S("[1:2]"), SY },
	{ S("{\"a\",1}"), SY },
	{ S("{[]:1}"), SY },
	{ S("{{}:1}"), SY },
	{ S("{null:1}"), SY },
	{ S("[\"a\":1]"), SY },
	{ S("\"abc"), SY },
	{ S("'a'"), SY },
	{ S("{\"a\":[}"), SY },
	{ S("[1]\0"), SY },
	{ S("\0[1]"), SY },
	{ S("[1,\0]"), SY },
	{ S("\xef\xbb\xbf[1]"), SY }, /* BOM: section 8.1 MUST NOT */
	{ S("[1]\f"), SY },
	{ S("\v1"), SY }, /* not JSON whitespace */
	{ S(":"), SY },
	{ S(","), SY },
	{ S("1,"), SY },
	{ S("[1]:"), SY },
	{ S("\"a\":1"), SY },
	{ S("{\"a\":1,\"b\"}"), SY },
	{ S("[\"a\" 1]"), SY },
	{ S("[1\"a\"]"), SY },
	{ S("[1[]]"), SY },
	{ S("[true{}]"), SY },
};

START_TEST(test_reject)
{
	int rc = parse_lit(reject_cases[_i].js, reject_cases[_i].n);
	ck_assert_msg(rc == reject_cases[_i].rc, "case %d <%s>: rc %d, want %d", _i,
	              reject_cases[_i].js, rc, reject_cases[_i].rc);
	ck_assert_int_eq(base_json_root(&doc), -1);
	ck_assert_int_eq(base_json_type(&doc, 0), BASE_JSON_NONE);
}
END_TEST

/* ---- where a parse fails ---------------------------------------------- */

#define DP BASE_JSON_EDEPTH
static const struct {
	const char *js;
	size_t n;
	int rc;
	size_t at; /* base_json_error_offset */
} position_cases[] = {
	/* the text stops too early: the offset is its length */
	{ S(""), SY, 0 },
	{ S("   "), SY, 3 },
	{ S("["), SY, 1 },
	{ S("[1,"), SY, 3 },
	{ S("{\"a\":"), SY, 5 },
	{ S("\"abc"), SY, 4 },
	{ S("\"\\"), SY, 2 },
	{ S("-"), SY, 1 },
	{ S("1."), SY, 2 },
	{ S("[1e+]"), SY, 4 },
	{ S("tru"), SY, 3 },
	/* the first byte that cannot continue a valid text */
	{ S("[1,]"), SY, 3 },
	{ S("{\"port\": 3000,}"), SY, 14 },
	{ S("{\"a\" \"b\"}"), SY, 5 },
	{ S("{\"a\":}"), SY, 5 },
	{ S("{\"a\"}"), SY, 4 },
	{ S("[1 2}"), SY, 3 },
	{ S("[1,,2]"), SY, 3 },
	{ S("[}"), SY, 1 },
	{ S("{]"), SY, 1 },
	{ S("{1:2}"), SY, 1 },
	{ S("[1]x"), SY, 3 },
	{ S("[1] [2]"), SY, 4 },
	{ S("1 2"), SY, 2 },
	{ S("]"), SY, 0 },
	{ S("[01]"), SY, 2 },
	{ S("[1.5.3]"), SY, 4 },
	{ S("[+1]"), SY, 1 },
	{ S("[-Infinity]"), SY, 2 },
	{ S("[nulll]"), SY, 5 },
	{ S("[truefalse]"), SY, 5 },
	{ S("[trUe]"), SY, 3 },
	{ S("[true{}]"), SY, 5 },
	{ S("[\"a\" 1]"), SY, 5 },
	{ S("\xef\xbb\xbf[1]"), SY, 0 },
	{ S("[1,\0]"), SY, 3 },
	/* inside strings */
	{ S("[\"ab\tc\"]"), SY, 4 },
	{ S("\"\\x\""), SY, 2 },
	{ S("\"\\u12G4\""), SY, 5 },
	{ S("\"\\u12\""), SY, 5 },
	{ S("\"\\ud800\\u12\""), SY, 11 },
	{ S("[\"ok\",\"\xc3\x28\"]"), U8, 7 },
	{ S("\"\xe2\x82\""), U8, 1 },
	{ S("\"ab\\udc00\""), U8, 3 },
	{ S("\"ab\\ud800\""), U8, 9 },
	{ S("\"\\ud800x\""), U8, 7 },
	{ S("\"\\ud800\\u0041\""), U8, 7 },
	/* the first error in document order wins */
	{ S("[\"\\ud800\", x]"), U8, 8 },
	{ S("[x, \"\\ud800\"]"), SY, 1 },
	/* multi-line */
	{ S("{\n  \"port\": 3000,\n  \"host\" \"x\"\n}"), SY, 27 },
};

START_TEST(test_error_offset)
{
	const char *js = position_cases[_i].js;
	size_t n = position_cases[_i].n, at = position_cases[_i].at;
	int rc = parse_lit(js, n);

	ck_assert_msg(rc == position_cases[_i].rc, "case %d <%s>: rc %d, want %d", _i, js, rc,
	              position_cases[_i].rc);
	ck_assert_msg(base_json_error_offset(&doc) == at, "case %d <%s>: at %zu, want %zu", _i, js,
	              base_json_error_offset(&doc), at);
	/* what comes before the offset is the start of a valid text: parsed
	 * alone it succeeds, or fails at its end */
	rc = parse_lit(js, at);
	ck_assert_msg(rc == 0 || base_json_error_offset(&doc) == at, "case %d: prefix fails at %zu",
	              _i, base_json_error_offset(&doc));
}
END_TEST

START_TEST(test_line_col)
{
	const char *js = "{\n  \"port\": 3000,\n  \"host\" \"x\"\n}";
	size_t len = strlen(js), line, col;

	base_json_line_col(js, len, 0, &line, &col);
	ck_assert(line == 1 && col == 1);
	base_json_line_col(js, len, 1, &line, &col); /* the first '\n' ends line 1 */
	ck_assert(line == 1 && col == 2);
	base_json_line_col(js, len, 2, &line, &col);
	ck_assert(line == 2 && col == 1);
	base_json_line_col(js, len, 27, &line, &col);
	ck_assert(line == 3 && col == 10);
	base_json_line_col(js, len, len, &line, &col); /* the end: after the last '\n' */
	ck_assert(line == 4 && col == 2);
	base_json_line_col(js, len, BASE_JSON_NOPOS, &line, &col); /* clamped to the end */
	ck_assert(line == 4 && col == 2);
	base_json_line_col("\xc3\xa9x", 3, 2, &line, &col); /* columns count bytes */
	ck_assert(line == 1 && col == 3);
	base_json_line_col("", 0, 0, &line, &col);
	ck_assert(line == 1 && col == 1);
}
END_TEST

START_TEST(test_failed_parse_resets_doc)
{
	ck_assert_int_eq(parse_lit(S("[1,2]")), 0);
	ck_assert_int_eq(doc.ntok, 3);
	ck_assert_int_eq(parse_lit(S("[1,]")), BASE_JSON_ESYNTAX);
	ck_assert_int_eq(doc.ntok, 0);
	ck_assert_int_eq(base_json_array_get(&doc, 0, 0), -1);
	ck_assert_int_eq(parse_lit(S("{\"k\":true}")), 0); /* doc reused */
	ck_assert_int_eq(base_json_bool(&doc, base_json_obj_get(&doc, 0, "k")), 1);
	ck_assert_int_eq(base_json_parse(&doc, NULL, 0), BASE_JSON_ESYNTAX);
}
END_TEST

/* ---- limits ------------------------------------------------------------ */

static char *nest(int depth, const char *open, const char *leaf, const char *close, size_t *len)
{
	size_t lo = strlen(open), ll = strlen(leaf), lc = strlen(close);
	char *s = malloc((size_t)depth * (lo + lc) + ll + 1), *p = s;

	for (int i = 0; i < depth; i++, p += lo)
		memcpy(p, open, lo);
	memcpy(p, leaf, ll), p += ll;
	for (int i = 0; i < depth; i++, p += lc)
		memcpy(p, close, lc);
	*p = '\0';
	*len = (size_t)(p - s);
	return s;
}

START_TEST(test_depth_limit)
{
	size_t n;
	char *s;

	s = nest(BASE_JSON_MAX_DEPTH, "[", "1", "]", &n);
	ck_assert_int_eq(parse_lit(s, n), 0);
	ck_assert_int_eq(doc.ntok, BASE_JSON_MAX_DEPTH + 1);
	free(s);
	s = nest(BASE_JSON_MAX_DEPTH + 1, "[", "1", "]", &n);
	ck_assert_int_eq(parse_lit(s, n), BASE_JSON_EDEPTH);
	free(s);
	s = nest(BASE_JSON_MAX_DEPTH, "{\"a\":", "{}", "}", &n);
	ck_assert_int_eq(parse_lit(s, n), BASE_JSON_EDEPTH); /* 65 objects */
	free(s);
	s = nest(BASE_JSON_MAX_DEPTH - 1, "{\"a\":", "[]", "}", &n);
	ck_assert_int_eq(parse_lit(s, n), 0);
	free(s);
	/* hostile: a million brackets fails fast, before jsmn sees it */
	s = nest(1000000, "[", "", "]", &n);
	ck_assert_int_eq(parse_lit(s, n), BASE_JSON_EDEPTH);
	free(s);
	/* brackets inside strings do not count */
	s = nest(1000, "",
	         "\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	         "[[[[[[[[[[[[[[[[[[[[\"",
	         "", &n);
	ck_assert_int_eq(parse_lit(s, n), 0);
	free(s);
}
END_TEST

START_TEST(test_error_offset_limits)
{
	size_t n;
	char *s = nest(BASE_JSON_MAX_DEPTH + 1, "[", "1", "]", &n);

	ck_assert_int_eq(parse_lit(s, n), DP);
	ck_assert_uint_eq(base_json_error_offset(&doc), BASE_JSON_MAX_DEPTH); /* the 65th '[' */
	free(s);
	s = nest(BASE_JSON_MAX_DEPTH, "{\"a\":", "{}", "}", &n);
	ck_assert_int_eq(parse_lit(s, n), DP);
	ck_assert_uint_eq(base_json_error_offset(&doc), (size_t)BASE_JSON_MAX_DEPTH * 5);
	free(s);
	/* success, and failures with no place, have no offset */
	ck_assert_int_eq(parse_lit(S("[1]")), 0);
	ck_assert_uint_eq(base_json_error_offset(&doc), BASE_JSON_NOPOS);
	ck_assert_int_eq(base_json_parse(&doc, "[1]", BASE_JSON_MAX_LEN + 1), BASE_JSON_ETOOBIG);
	ck_assert_uint_eq(base_json_error_offset(&doc), BASE_JSON_NOPOS);
	/* a failure's offset is gone after the next good parse */
	ck_assert_int_eq(parse_lit(S("[1,]")), SY);
	ck_assert_uint_eq(base_json_error_offset(&doc), 3);
	ck_assert_int_eq(parse_lit(S("[1]")), 0);
	ck_assert_uint_eq(base_json_error_offset(&doc), BASE_JSON_NOPOS);
	base_json_free(&doc);
	ck_assert_uint_eq(base_json_error_offset(&doc), BASE_JSON_NOPOS);
}
END_TEST

START_TEST(test_big_token_count)
{
	int count = 300000, i, v, k;
	size_t n = 0, cap = (size_t)count * 24 + 16;
	char *s = malloc(cap);
	base_json_iter it;
	int64_t x, sum = 0;

	/* [{"k":0},{"k":1},...]: 4 tokens per element */
	s[n++] = '[';
	for (i = 0; i < count; i++)
		n += (size_t)snprintf(s + n, cap - n, "%s{\"k\":%d}", i ? "," : "", i);
	s[n++] = ']';
	ck_assert_int_eq(parse_lit(s, n), 0);
	ck_assert_int_eq(doc.ntok, 1 + 3 * count);
	ck_assert_int_eq(base_json_size(&doc, 0), count);
	ck_assert_int_eq(base_json_iter_init(&doc, 0, &it), 0);
	while ((v = base_json_iter_next(&doc, &it, &k)) >= 0) {
		ck_assert_int_eq(k, -1);
		ck_assert_int_eq(base_json_int64(&doc, base_json_obj_get(&doc, v, "k"), &x), 0);
		sum += x;
	}
	ck_assert(sum == (int64_t)count * (count - 1) / 2);
	v = base_json_array_get(&doc, 0, count - 1);
	ck_assert_int_eq(base_json_int64(&doc, v + 2, &x), 0);
	ck_assert(x == count - 1);
	free(s);
}
END_TEST

START_TEST(test_token_cap)
{
	size_t n = 0, cap = (size_t)BASE_JSON_MAX_TOKENS * 2 + 8;
	char *s = malloc(cap);

	/* [0,0,...] with BASE_JSON_MAX_TOKENS zeros: one token too many */
	s[n++] = '[';
	for (int i = 0; i < BASE_JSON_MAX_TOKENS; i++) {
		if (i)
			s[n++] = ',';
		s[n++] = '0';
	}
	s[n++] = ']';
	ck_assert_int_eq(parse_lit(s, n), BASE_JSON_ETOOBIG);
	/* one element fewer fits */
	s[n - 3] = ']';
	ck_assert_int_eq(parse_lit(s, n - 2), 0);
	ck_assert_int_eq(doc.ntok, BASE_JSON_MAX_TOKENS);
	free(s);
}
END_TEST

/* ---- navigation -------------------------------------------------------- */

START_TEST(test_navigation)
{
	const char *js = "{\"a\":[1,[2,3],{\"b\":4}],\"s\":\"x\\ny\",\"n\":null}";
	base_json_iter it;
	const char *raw;
	size_t n;
	int a, k, v, count = 0;

	ck_assert_int_eq(parse_lit(js, strlen(js)), 0);
	ck_assert_int_eq(base_json_size(&doc, 0), 3);
	a = base_json_obj_get(&doc, 0, "a");
	ck_assert_int_eq(base_json_type(&doc, a), BASE_JSON_ARRAY);
	ck_assert_int_eq(base_json_size(&doc, a), 3);
	ck_assert_int_eq(base_json_type(&doc, base_json_array_get(&doc, a, 0)), BASE_JSON_NUMBER);
	v = base_json_array_get(&doc, a, 1);
	raw = base_json_raw(&doc, v, &n);
	ck_assert_int_eq(n, 5);
	ck_assert(!memcmp(raw, "[2,3]", 5));
	v = base_json_array_get(&doc, a, 2);
	raw = base_json_raw(&doc, v, &n);
	ck_assert(n == 7 && !memcmp(raw, "{\"b\":4}", 7));
	ck_assert_int_eq(base_json_array_get(&doc, a, 3), -1);
	ck_assert_int_eq(base_json_array_get(&doc, a, -1), -1);
	ck_assert_int_eq(base_json_array_get(&doc, 0, 0), -1); /* not array */
	/* raw text of a string includes the quotes and escapes as written */
	v = base_json_obj_get(&doc, 0, "s");
	raw = base_json_raw(&doc, v, &n);
	ck_assert(n == 6 && !memcmp(raw, "\"x\\ny\"", 6));
	ck_assert_int_eq(base_json_type(&doc, base_json_obj_get(&doc, 0, "n")), BASE_JSON_NULL);
	ck_assert_int_eq(base_json_obj_get(&doc, 0, "zz"), -1);
	ck_assert_int_eq(base_json_obj_get(&doc, a, "a"), -1); /* not object */
	/* iteration yields keys and values in order */
	ck_assert_int_eq(base_json_iter_init(&doc, 0, &it), 0);
	while ((v = base_json_iter_next(&doc, &it, &k)) >= 0) {
		ck_assert_int_eq(base_json_type(&doc, k), BASE_JSON_STRING);
		ck_assert_int_eq(v, k + 1);
		count++;
	}
	ck_assert_int_eq(count, 3);
	ck_assert_int_eq(base_json_iter_init(&doc, v = base_json_obj_get(&doc, 0, "n"), &it),
	                 BASE_JSON_ETYPE);
	ck_assert_int_eq(base_json_iter_next(&doc, &it, &k), -1);
	/* the documented manual idiom */
	count = 0;
	for (v = a + 1; v < base_json_next(&doc, a); v = base_json_next(&doc, v))
		count++;
	ck_assert_int_eq(count, 3);
	/* out-of-range indices are harmless */
	ck_assert_int_eq(base_json_type(&doc, -1), BASE_JSON_NONE);
	ck_assert_int_eq(base_json_type(&doc, 1000), BASE_JSON_NONE);
	ck_assert_int_eq(base_json_next(&doc, 1000), -1);
	ck_assert_ptr_null(base_json_raw(&doc, 1000, &n));
}
END_TEST

START_TEST(test_obj_get_escaped_and_dup)
{
	const char *js = "{\"a\\u0062\":1,\"\\\"q\\\"\":2,\"k\":3,\"k\":4,"
	                 "\"\\u00e9\":5,\"\\ud83d\\ude00\":6,\"n\\u0000ul\":7}";
	int64_t x;

	ck_assert_int_eq(parse_lit(js, strlen(js)), 0);
	ck_assert_int_eq(base_json_int64(&doc, base_json_obj_get(&doc, 0, "ab"), &x), 0);
	ck_assert(x == 1);
	ck_assert_int_eq(base_json_int64(&doc, base_json_obj_get(&doc, 0, "\"q\""), &x), 0);
	ck_assert(x == 2);
	ck_assert_int_eq(base_json_int64(&doc, base_json_obj_get(&doc, 0, "k"), &x), 0);
	ck_assert(x == 4); /* last one wins */
	ck_assert_int_eq(base_json_int64(&doc, base_json_obj_get(&doc, 0, "\xc3\xa9"), &x), 0);
	ck_assert(x == 5);
	ck_assert_int_eq(base_json_int64(&doc, base_json_obj_get(&doc, 0, "\xf0\x9f\x98\x80"), &x),
	                 0);
	ck_assert(x == 6);
	ck_assert_int_eq(base_json_int64(&doc, base_json_obj_getn(&doc, 0, "n\0ul", 4), &x), 0);
	ck_assert(x == 7);
	ck_assert_int_eq(base_json_obj_get(&doc, 0, "n"), -1);
	ck_assert_int_eq(base_json_obj_get(&doc, 0, "a"), -1);
	ck_assert_int_eq(base_json_obj_get(&doc, 0, "abc"), -1);
	ck_assert_int_eq(base_json_obj_get(&doc, 0, "a\\u0062"), -1);
}
END_TEST

/* ---- strings ----------------------------------------------------------- */

static const struct {
	const char *js;
	size_t n;
	const char *want;
	size_t wn;
} unescape_cases[] = {
	{ S("\"\""), S("") },
	{ S("\"plain\""), S("plain") },
	{ S("\"\\\"\""), S("\"") },
	{ S("\"\\\\\""), S("\\") },
	{ S("\"\\/\""), S("/") },
	{ S("\"\\b\""), S("\b") },
	{ S("\"\\f\""), S("\f") },
	{ S("\"\\n\""), S("\n") },
	{ S("\"\\r\""), S("\r") },
	{ S("\"\\t\""), S("\t") },
	{ S("\"\\u0000\""), S("\0") },
	{ S("\"\\u001F\""), S("\x1f") },
	{ S("\"\\u0041\""), S("A") },
	{ S("\"\\u007f\""), S("\x7f") },
	{ S("\"\\u0080\""), S("\xc2\x80") },
	{ S("\"\\u00e9\""), S("\xc3\xa9") },
	{ S("\"\\u07FF\""), S("\xdf\xbf") },
	{ S("\"\\u0800\""), S("\xe0\xa0\x80") },
	{ S("\"\\u4e2d\""), S("\xe4\xb8\xad") },
	{ S("\"\\uFFFF\""), S("\xef\xbf\xbf") },
	{ S("\"\\ud800\\udc00\""), S("\xf0\x90\x80\x80") }, /* U+10000 */
	{ S("\"\\ud83d\\ude00\""), S("\xf0\x9f\x98\x80") }, /* U+1F600 */
	{ S("\"\\uDBFF\\uDFFF\""), S("\xf4\x8f\xbf\xbf") }, /* U+10FFFF */
	{ S("\"a\\u0000b\\nc\\td\""), S("a\0b\nc\td") },
	{ S("\"x\\\\u0041\""), S("x\\u0041") },
	{ S("\"\xc3\xa9\\u00e9\xc3\xa9\""), S("\xc3\xa9\xc3\xa9\xc3\xa9") },
};

START_TEST(test_unescape)
{
	char out[64], *dup;
	size_t n;

	ck_assert_int_eq(parse_lit(unescape_cases[_i].js, unescape_cases[_i].n), 0);
	ck_assert_int_eq(base_json_str_unescape(&doc, 0, out, sizeof out, &n), 0);
	ck_assert_uint_eq(n, unescape_cases[_i].wn);
	ck_assert(!memcmp(out, unescape_cases[_i].want, n));
	ck_assert_int_eq(out[n], '\0');
	ck_assert_int_eq(base_json_str_dup(&doc, 0, &dup, &n), 0);
	ck_assert_uint_eq(n, unescape_cases[_i].wn);
	ck_assert(!memcmp(dup, unescape_cases[_i].want, n) && dup[n] == '\0');
	free(dup);
	ck_assert(base_json_str_eq(&doc, 0, unescape_cases[_i].want, unescape_cases[_i].wn));
	ck_assert(!base_json_str_eq(&doc, 0, "\x01", 1));
	if (unescape_cases[_i].wn > 0) {
		ck_assert(!base_json_str_eq(&doc, 0, unescape_cases[_i].want,
		                            unescape_cases[_i].wn - 1));
		memcpy(out, unescape_cases[_i].want, unescape_cases[_i].wn);
		out[unescape_cases[_i].wn] = 'z';
		ck_assert(!base_json_str_eq(&doc, 0, out, unescape_cases[_i].wn + 1));
		out[unescape_cases[_i].wn - 1] ^= 1;
		ck_assert(!base_json_str_eq(&doc, 0, out, unescape_cases[_i].wn));
	}
}
END_TEST

START_TEST(test_unescape_small_buffer)
{
	char out[8];
	size_t n;

	ck_assert_int_eq(parse_lit(S("[\"abc\\u00e9\",1]")), 0);
	memset(out, 'X', sizeof out);
	ck_assert_int_eq(base_json_str_unescape(&doc, 1, out, 4, &n), BASE_JSON_ENOSPC);
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(out[4], 'X'); /* no overrun */
	ck_assert_int_eq(base_json_str_unescape(&doc, 1, out, 5, &n), 0);
	ck_assert_uint_eq(n, 5); /* fits, no NUL */
	ck_assert(!memcmp(out, "abc\xc3\xa9", 5) && out[5] == 'X');
	ck_assert_int_eq(base_json_str_unescape(&doc, 1, NULL, 0, &n), BASE_JSON_ENOSPC);
	ck_assert_uint_eq(n, 5); /* measuring only */
	ck_assert_int_eq(base_json_str_unescape(&doc, 2, out, 8, &n), BASE_JSON_ETYPE);
	ck_assert(!base_json_str_eq(&doc, 2, "1", 1)); /* not a string */
	ck_assert(!base_json_str_eq(&doc, 0, "[", 1));
	ck_assert_int_eq(parse_lit(S("[\"\",\"\\n\"]")), 0);
	ck_assert(base_json_str_eq(&doc, 1, NULL, 0));
	ck_assert(!base_json_str_eq(&doc, 2, NULL, 0));
	ck_assert_int_eq(base_json_str_unescape(&doc, 1, NULL, 0, &n), 0);
	ck_assert_uint_eq(n, 0);
}
END_TEST

/* ---- numbers ----------------------------------------------------------- */

static const struct {
	const char *js;
	size_t n;
	int rc;
	int64_t v;
} int_cases[] = {
	{ S("0"), 0, 0 },
	{ S("-0"), 0, 0 },
	{ S("42"), 0, 42 },
	{ S("-42"), 0, -42 },
	{ S("9007199254740992"), 0, 9007199254740992LL }, /* 2^53 */
	{ S("9007199254740993"), 0, 9007199254740993LL }, /* 2^53+1 exact */
	{ S("9223372036854775807"), 0, INT64_MAX },
	{ S("-9223372036854775808"), 0, INT64_MIN },
	{ S("9223372036854775808"), BASE_JSON_ERANGE, 0 },
	{ S("-9223372036854775809"), BASE_JSON_ERANGE, 0 },
	{ S("18446744073709551616"), BASE_JSON_ERANGE, 0 },
	{ S("1e3"), 0, 1000 },
	{ S("1.5e1"), 0, 15 },
	{ S("100e-2"), 0, 1 },
	{ S("2.0"), 0, 2 },
	{ S("-0.0e7"), 0, 0 },
	{ S("0e999999999999"), 0, 0 },
	{ S("9.223372036854775807e18"), 0, INT64_MAX },
	{ S("1e19"), BASE_JSON_ERANGE, 0 },
	{ S("1e18"), 0, 1000000000000000000LL },
	{ S("1.5"), BASE_JSON_ERANGE, 0 },
	{ S("1e-1"), BASE_JSON_ERANGE, 0 },
	{ S("0.1e1"), 0, 1 },
	{ S("10e-1"), 0, 1 },
	{ S("1e400"), BASE_JSON_ERANGE, 0 },
	{ S("1e-99999999999999999999"), BASE_JSON_ERANGE, 0 },
	{ S("10000000000000000000000e-4"), 0, 1000000000000000000LL },
	{ S("0.00000000000000000000000000000000000000000000000000000000000001e62"), 0, 1 },
};

START_TEST(test_int64)
{
	int64_t v = 12345;
	int rc;

	ck_assert_int_eq(parse_lit(int_cases[_i].js, int_cases[_i].n), 0);
	rc = base_json_int64(&doc, 0, &v);
	ck_assert_msg(rc == int_cases[_i].rc, "case %d <%s>: rc %d", _i, int_cases[_i].js, rc);
	if (rc == 0)
		ck_assert_msg(v == int_cases[_i].v, "case %d: %lld", _i, (long long)v);
}
END_TEST

START_TEST(test_number)
{
	double d;
	int64_t v;

	ck_assert_int_eq(parse_lit(S("[0.1,-0,1e400,-1e400,1e-400,9007199254740993,"
	                             "\"1\",true,1.7976931348623157e308,"
	                             "0.000000000000000000000000000000000000000000"
	                             "000000000000000000000000000000000001]")),
	                 0);
	ck_assert_int_eq(base_json_number(&doc, 1, &d), 0);
	ck_assert(d == 0.1);
	ck_assert_int_eq(base_json_number(&doc, 2, &d), 0);
	ck_assert(d == 0 && signbit(d)); /* -0 kept as a double */
	ck_assert_int_eq(base_json_number(&doc, 3, &d), BASE_JSON_ERANGE);
	ck_assert(isinf(d) && d > 0); /* overflow: error, +inf */
	ck_assert_int_eq(base_json_number(&doc, 4, &d), BASE_JSON_ERANGE);
	ck_assert(isinf(d) && d < 0);
	ck_assert_int_eq(base_json_number(&doc, 5, &d), 0); /* underflow: 0, ok */
	ck_assert(d == 0);
	ck_assert_int_eq(base_json_number(&doc, 6, &d), 0);
	ck_assert(d == 9007199254740992.0); /* rounded as double */
	ck_assert_int_eq(base_json_number(&doc, 7, &d), BASE_JSON_ETYPE);
	ck_assert_int_eq(base_json_int64(&doc, 7, &v), BASE_JSON_ETYPE);
	ck_assert_int_eq(base_json_number(&doc, 8, &d), BASE_JSON_ETYPE);
	ck_assert_int_eq(base_json_bool(&doc, 8), 1);
	ck_assert_int_eq(base_json_bool(&doc, 1), BASE_JSON_ETYPE);
	ck_assert_int_eq(base_json_number(&doc, 9, &d), 0);
	ck_assert(d == 1.7976931348623157e308);
	ck_assert_int_eq(base_json_number(&doc, 10, &d), 0); /* > 63 chars of text */
	ck_assert(d == 1e-78);
	ck_assert_int_eq(base_json_number(&doc, 99, &d), BASE_JSON_ETYPE);
}
END_TEST

/* ---- writer ------------------------------------------------------------ */

static base_buf buf;

static void wsetup(void)
{
	base_buf_init(&buf);
	setup();
}
static void wteardown(void)
{
	base_buf_free(&buf);
	teardown();
}

static void ck_buf(const char *want, size_t n)
{
	ck_assert_msg(buf.len == n && !memcmp(buf.data, want, n), "got <%.*s> want <%s>",
	              (int)buf.len, buf.data, want);
	buf.len = 0;
}

START_TEST(test_write_control_chars)
{
	static const char *short_esc[32] = {
		['\b'] = "\\b", ['\t'] = "\\t", ['\n'] = "\\n", ['\f'] = "\\f", ['\r'] = "\\r"
	};
	char in[1], want[16];

	for (int c = 0; c < 32; c++) {
		in[0] = (char)c;
		if (short_esc[c])
			snprintf(want, sizeof want, "\"%s\"", short_esc[c]);
		else
			snprintf(want, sizeof want, "\"\\u%04x\"", c);
		ck_assert_int_eq(base_json_put_str(&buf, in, 1), 0);
		ck_buf(want, strlen(want));
	}
	ck_assert_int_eq(base_json_put_str(&buf, S("\"\\/\x7f")), 0);
	ck_buf(S("\"\\\"\\\\/\x7f\""));
	ck_assert_int_eq(base_json_put_str(&buf, S("a\0b")), 0);
	ck_buf(S("\"a\\u0000b\""));
	ck_assert_int_eq(base_json_put_str(&buf, S("")), 0);
	ck_buf(S("\"\""));
	/* escapes at every position relative to the 8-byte scan */
	ck_assert_int_eq(base_json_put_str(&buf, S("0123456\n89abcdef\"xyz\\")), 0);
	ck_buf(S("\"0123456\\n89abcdef\\\"xyz\\\\\""));
	ck_assert_int_eq(base_json_put_str(&buf, S("\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80"
	                                           "\xe2\x80\xa8")),
	                 0);
	ck_buf(S("\"\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80\xe2\x80\xa8\""));
}
END_TEST

/* parse(write(x)) gives back x, for every single byte 0x00-0x7f at every
 * offset modulo 8 and for multibyte UTF-8. */
static void roundtrip(const char *s, size_t n)
{
	char *out;
	size_t m;

	buf.len = 0;
	ck_assert_int_eq(base_json_put_str(&buf, s, n), 0);
	ck_assert_int_eq(base_json_parse(&doc, buf.data, buf.len), 0);
	ck_assert_int_eq(base_json_str_dup(&doc, 0, &out, &m), 0);
	ck_assert(m == n && !memcmp(out, s, n));
	ck_assert(base_json_str_eq(&doc, 0, s, n));
	free(out);
}

START_TEST(test_write_roundtrip)
{
	char all[128], s[32];
	static const char *mb[] = { "\xc3\xa9",         "\xe4\xb8\xad", "\xf0\x9f\x98\x80",
		                    "\xf4\x8f\xbf\xbf", "\xef\xbf\xbf", "\xc2\x80" };

	for (int c = 0; c < 128; c++)
		all[c] = (char)c;
	roundtrip(all, sizeof all);
	for (int c = 0; c < 128; c++)
		for (int off = 0; off < 10; off++) {
			memset(s, 'a', sizeof s);
			s[off] = (char)c;
			roundtrip(s, 20);
		}
	for (size_t i = 0; i < sizeof mb / sizeof *mb; i++) {
		snprintf(s, sizeof s, "x%s\n%sy", mb[i], mb[i]);
		roundtrip(s, strlen(s));
	}
	ck_assert(base_json_utf8_valid(all, sizeof all));
}
END_TEST

/* Expected strings are what node's JSON.stringify prints for the same value. */
static const struct {
	double v;
	const char *want;
} double_cases[] = {
	{ 0.1, "0.1" },
	{ 1e21, "1e+21" },
	{ 1e20, "100000000000000000000" },
	{ 123, "123" },
	{ -0.0, "0" },
	{ 0, "0" },
	{ 1.5e-7, "1.5e-7" },
	{ 1e-7, "1e-7" },
	{ -1e-7, "-1e-7" },
	{ 1e-6, "0.000001" },
	{ 2.5e-5, "0.000025" },
	{ 123.456, "123.456" },
	{ 0.1 + 0.2, "0.30000000000000004" },
	{ 1.0 / 3, "0.3333333333333333" },
	{ 4.35, "4.35" },
	{ -1.5, "-1.5" },
	{ 9007199254740992.0, "9007199254740992" },
	{ 1e15, "1000000000000000" },
	{ 1e100, "1e+100" },
	{ 123456789012345680000.0, "123456789012345680000" },
	{ 5e-324, "5e-324" },
	{ 1.5e-323, "1.5e-323" },
	{ 1.7976931348623157e308, "1.7976931348623157e+308" },
	{ 2.2250738585072014e-308, "2.2250738585072014e-308" },
	{ -123456.789e3, "-123456789" },
	{ 1.2e21, "1.2e+21" },
	{ NAN, "null" },
	{ INFINITY, "null" },
	{ -INFINITY, "null" },
};

START_TEST(test_write_double)
{
	double back;

	ck_assert_int_eq(base_json_put_double(&buf, double_cases[_i].v), 0);
	if (isfinite(double_cases[_i].v)) { /* and it reads back exactly */
		ck_assert_int_eq(base_json_parse(&doc, buf.data, buf.len), 0);
		ck_assert_int_eq(base_json_number(&doc, 0, &back), 0);
		ck_assert(back == double_cases[_i].v);
	}
	ck_buf(double_cases[_i].want, strlen(double_cases[_i].want));
}
END_TEST

START_TEST(test_write_int64)
{
	ck_assert_int_eq(base_json_put_int64(&buf, 0), 0);
	ck_buf(S("0"));
	ck_assert_int_eq(base_json_put_int64(&buf, -7), 0);
	ck_buf(S("-7"));
	ck_assert_int_eq(base_json_put_int64(&buf, INT64_MAX), 0);
	ck_buf(S("9223372036854775807"));
	ck_assert_int_eq(base_json_put_int64(&buf, INT64_MIN), 0);
	ck_buf(S("-9223372036854775808"));
}
END_TEST

START_TEST(test_writer_structure)
{
	base_jsonw w;

	base_jsonw_init(&w, &buf);
	base_jsonw_array_begin(&w);
	base_jsonw_str(&w, S("event"));
	base_jsonw_object_begin(&w);
	base_jsonw_key(&w, S("a"));
	base_jsonw_int64(&w, 1);
	base_jsonw_key(&w, S("b\n"));
	base_jsonw_array_begin(&w);
	base_jsonw_bool(&w, 1);
	base_jsonw_bool(&w, 0);
	base_jsonw_null(&w);
	base_jsonw_double(&w, 0.5);
	base_jsonw_array_end(&w);
	base_jsonw_key(&w, S("e"));
	base_jsonw_object_begin(&w);
	base_jsonw_object_end(&w);
	base_jsonw_object_end(&w);
	base_jsonw_raw(&w, S("{\"r\":[]}"));
	base_jsonw_array_begin(&w);
	base_jsonw_array_end(&w);
	base_jsonw_array_end(&w);
	ck_assert_int_eq(base_jsonw_error(&w), 0);
	ck_assert_int_eq(w.depth, 0);
	ck_buf(S("[\"event\",{\"a\":1,\"b\\n\":[true,false,null,0.5],\"e\":{}},"
	         "{\"r\":[]},[]]"));
}
END_TEST

START_TEST(test_writer_tok_verbatim)
{
	const char *js = "[\"ev\", {\"x\" : [1, 2.50, \"\\u00e9\"]}, -0]";
	base_jsonw w;
	int t;

	ck_assert_int_eq(parse_lit(js, strlen(js)), 0);
	base_jsonw_init(&w, &buf);
	base_jsonw_array_begin(&w);
	for (t = 1; t < base_json_next(&doc, 0); t = base_json_next(&doc, t))
		base_jsonw_tok(&w, &doc, t);
	base_jsonw_array_end(&w);
	ck_assert_int_eq(base_jsonw_error(&w), 0);
	ck_buf(S("[\"ev\",{\"x\" : [1, 2.50, \"\\u00e9\"]},-0]"));
	base_jsonw_init(&w, &buf);
	ck_assert_int_eq(base_jsonw_tok(&w, &doc, 999), BASE_JSON_ETYPE);
}
END_TEST

START_TEST(test_writer_misuse)
{
	base_jsonw w;

	base_jsonw_init(&w, &buf); /* value in object without key */
	base_jsonw_object_begin(&w);
	ck_assert_int_eq(base_jsonw_int64(&w, 1), BASE_JSON_ESYNTAX);
	ck_assert_int_eq(base_jsonw_key(&w, S("a")), BASE_JSON_ESYNTAX); /* sticky */
	ck_assert_int_eq(base_jsonw_error(&w), BASE_JSON_ESYNTAX);
	buf.len = 0;

	base_jsonw_init(&w, &buf); /* key in an array */
	base_jsonw_array_begin(&w);
	ck_assert_int_eq(base_jsonw_key(&w, S("a")), BASE_JSON_ESYNTAX);
	buf.len = 0;

	base_jsonw_init(&w, &buf); /* mismatched end */
	base_jsonw_array_begin(&w);
	ck_assert_int_eq(base_jsonw_object_end(&w), BASE_JSON_ESYNTAX);
	buf.len = 0;

	base_jsonw_init(&w, &buf); /* key without value */
	base_jsonw_object_begin(&w);
	base_jsonw_key(&w, S("a"));
	ck_assert_int_eq(base_jsonw_key(&w, S("b")), BASE_JSON_ESYNTAX);
	buf.len = 0;

	base_jsonw_init(&w, &buf);
	base_jsonw_object_begin(&w);
	base_jsonw_key(&w, S("a"));
	ck_assert_int_eq(base_jsonw_object_end(&w), BASE_JSON_ESYNTAX);
	buf.len = 0;

	base_jsonw_init(&w, &buf); /* unbalanced end */
	ck_assert_int_eq(base_jsonw_array_end(&w), BASE_JSON_ESYNTAX);
	buf.len = 0;

	base_jsonw_init(&w, &buf); /* depth limit, like the parser */
	for (int i = 0; i < BASE_JSON_MAX_DEPTH; i++)
		ck_assert_int_eq(base_jsonw_array_begin(&w), 0);
	ck_assert_int_eq(base_jsonw_array_begin(&w), BASE_JSON_EDEPTH);
	buf.len = 0;
}
END_TEST

START_TEST(test_buf)
{
	char big[1000];

	memset(big, 'q', sizeof big);
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(base_buf_append(&buf, big, sizeof big), 0);
	ck_assert_uint_eq(buf.len, 100000);
	ck_assert(buf.cap >= buf.len);
	ck_assert_int_eq(base_buf_putc(&buf, 'z'), 0);
	ck_assert_int_eq(buf.data[100000], 'z');
	ck_assert_int_eq(base_buf_reserve(&buf, (size_t)-1 / 2 + 1), BASE_JSON_ENOMEM);
	ck_assert_uint_eq(buf.len, 100001);
	ck_assert_int_eq(base_buf_append(&buf, NULL, 0), 0);
}
END_TEST

START_TEST(test_utf8_valid_and_strerror)
{
	ck_assert(base_json_utf8_valid(S("ascii \xc3\xa9 \xf0\x9f\x98\x80")));
	ck_assert(!base_json_utf8_valid(S("\xed\xa0\x80")));
	ck_assert(!base_json_utf8_valid(S("\xc3")));
	ck_assert(!base_json_utf8_valid(S("\xf8\x88\x80\x80\x80")));
	ck_assert(base_json_utf8_valid(S("")));
	for (int e = 0; e >= -9; e--)
		ck_assert_ptr_nonnull(base_json_strerror(e));
	ck_assert_str_eq(base_json_strerror(BASE_JSON_EDEPTH), "JSON nested too deeply");
}
END_TEST

#define NCASES(a) ((int)(sizeof a / sizeof *a))

static Suite *json_suite(void)
{
	Suite *s = suite_create("base_json");
	TCase *p = tcase_create("parse"), *v = tcase_create("values"), *w = tcase_create("write");

	tcase_add_checked_fixture(p, setup, teardown);
	tcase_set_timeout(p, 60);
	tcase_add_loop_test(p, test_accept, 0, NCASES(accept_cases));
	tcase_add_loop_test(p, test_reject, 0, NCASES(reject_cases));
	tcase_add_loop_test(p, test_error_offset, 0, NCASES(position_cases));
	tcase_add_test(p, test_error_offset_limits);
	tcase_add_test(p, test_line_col);
	tcase_add_test(p, test_failed_parse_resets_doc);
	tcase_add_test(p, test_depth_limit);
	tcase_add_test(p, test_big_token_count);
	tcase_add_test(p, test_token_cap);
	suite_add_tcase(s, p);

	tcase_add_checked_fixture(v, setup, teardown);
	tcase_add_test(v, test_navigation);
	tcase_add_test(v, test_obj_get_escaped_and_dup);
	tcase_add_loop_test(v, test_unescape, 0, NCASES(unescape_cases));
	tcase_add_test(v, test_unescape_small_buffer);
	tcase_add_loop_test(v, test_int64, 0, NCASES(int_cases));
	tcase_add_test(v, test_number);
	suite_add_tcase(s, v);

	tcase_add_checked_fixture(w, wsetup, wteardown);
	tcase_add_test(w, test_write_control_chars);
	tcase_add_test(w, test_write_roundtrip);
	tcase_add_loop_test(w, test_write_double, 0, NCASES(double_cases));
	tcase_add_test(w, test_write_int64);
	tcase_add_test(w, test_writer_structure);
	tcase_add_test(w, test_writer_tok_verbatim);
	tcase_add_test(w, test_writer_misuse);
	tcase_add_test(w, test_buf);
	tcase_add_test(w, test_utf8_valid_and_strerror);
	suite_add_tcase(s, w);
	return s;
}

int main(void)
{
	return check_main_run(json_suite());
}
