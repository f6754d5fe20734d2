/* fuzz_base_json.c - libFuzzer target for base/json*.c.
 *
 * For each input: parse it; if it parses, visit every token (type, size,
 * raw slice, unescape every string, decode every number, look every key up),
 * then write the document back out with the structured writer, parse that,
 * and check it has the same shape and values. If it does not parse, the
 * place reported must be right: the text before it is a valid start. Any
 * crash, sanitizer report, leak or failed check (abort) is a finding.
 *
 *   make fuzz && build-fuzz/fuzz_base_json -max_total_time=60
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

/* Every string: the two unescape forms agree, compare equal to themselves,
 * are valid UTF-8, and fit in the raw length. */
static void visit_string(const base_json *d, int t)
{
	char small[16], *dup;
	size_t n, m, rawlen;
	int rc;

	CHECK(base_json_raw(d, t, &rawlen) != NULL && rawlen >= 2);
	CHECK(base_json_str_dup(d, t, &dup, &n) == 0);
	CHECK(n <= rawlen - 2 && dup[n] == '\0');
	CHECK(base_json_utf8_valid(dup, n));
	CHECK(base_json_str_eq(d, t, dup, n));
	CHECK(n == 0 || !base_json_str_eq(d, t, dup, n - 1));
	rc = base_json_str_unescape(d, t, small, sizeof small, &m);
	CHECK(m == n);
	CHECK(rc == (n > sizeof small ? BASE_JSON_ENOSPC : 0));
	if (rc == 0)
		CHECK(!memcmp(small, dup, n));
	free(dup);
}

static void visit_number(const base_json *d, int t)
{
	double v;
	int64_t i;
	int rc = base_json_number(d, t, &v);

	CHECK(rc == 0 || (rc == BASE_JSON_ERANGE && isinf(v)));
	if (base_json_int64(d, t, &i) == 0 && i > -(1LL << 53) && i < (1LL << 53))
		CHECK(rc == 0 && v == (double)i);
}

/* Keys: obj_get with the unescaped key finds this pair or a later one. */
static void visit_object(const base_json *d, int obj)
{
	base_json_iter it;
	int k, v, n = 0;
	char *key;
	size_t len;

	CHECK(base_json_iter_init(d, obj, &it) == 0);
	while ((v = base_json_iter_next(d, &it, &k)) >= 0) {
		CHECK(v == k + 1 && base_json_type(d, k) == BASE_JSON_STRING);
		CHECK(base_json_str_dup(d, k, &key, &len) == 0);
		CHECK(base_json_obj_getn(d, obj, key, len) >= v);
		free(key);
		n++;
	}
	CHECK(n == base_json_size(d, obj));
}

static void visit_all(const base_json *d)
{
	for (int t = 0; t < d->ntok; t++) {
		size_t n;
		CHECK(base_json_raw(d, t, &n) != NULL);
		CHECK(base_json_next(d, t) > t && base_json_next(d, t) <= d->ntok);
		switch (base_json_type(d, t)) {
		case BASE_JSON_STRING:
			visit_string(d, t);
			break;
		case BASE_JSON_NUMBER:
			visit_number(d, t);
			break;
		case BASE_JSON_OBJECT:
			visit_object(d, t);
			break;
		case BASE_JSON_ARRAY:
			CHECK(base_json_array_get(d, t, base_json_size(d, t)) == -1);
			if (base_json_size(d, t) > 0)
				CHECK(base_json_array_get(d, t, base_json_size(d, t) - 1) >= 0);
			break;
		case BASE_JSON_TRUE:
			CHECK(base_json_bool(d, t) == 1);
			break;
		case BASE_JSON_FALSE:
			CHECK(base_json_bool(d, t) == 0);
			break;
		case BASE_JSON_NULL:
			break;
		default:
			CHECK(0);
		}
	}
}

/* Re-emit token t with the writer: strings unescaped and escaped again,
 * numbers through double (or verbatim when they overflow). */
static void emit(base_jsonw *w, const base_json *d, int t)
{
	base_json_iter it;
	int k, v;
	char *s;
	size_t n;
	double x;

	switch (base_json_type(d, t)) {
	case BASE_JSON_OBJECT:
	case BASE_JSON_ARRAY:
		if (base_json_type(d, t) == BASE_JSON_OBJECT)
			base_jsonw_object_begin(w);
		else
			base_jsonw_array_begin(w);
		base_json_iter_init(d, t, &it);
		while ((v = base_json_iter_next(d, &it, &k)) >= 0) {
			if (k >= 0) {
				CHECK(base_json_str_dup(d, k, &s, &n) == 0);
				base_jsonw_key(w, s, n);
				free(s);
			}
			emit(w, d, v);
		}
		if (base_json_type(d, t) == BASE_JSON_OBJECT)
			base_jsonw_object_end(w);
		else
			base_jsonw_array_end(w);
		break;
	case BASE_JSON_STRING:
		CHECK(base_json_str_dup(d, t, &s, &n) == 0);
		base_jsonw_str(w, s, n);
		free(s);
		break;
	case BASE_JSON_NUMBER:
		if (base_json_number(d, t, &x) == 0)
			base_jsonw_double(w, x);
		else
			base_jsonw_tok(w, d, t);
		break;
	default:
		base_jsonw_tok(w, d, t);
		break;
	}
}

/* Same shape, same strings, same numbers, token by token. */
static void compare(const base_json *a, const base_json *b)
{
	CHECK(a->ntok == b->ntok);
	for (int t = 0; t < a->ntok; t++) {
		enum base_json_type ty = base_json_type(a, t);
		double x, y;
		char *s;
		size_t n;

		CHECK(ty == base_json_type(b, t));
		CHECK(base_json_size(a, t) == base_json_size(b, t));
		CHECK(base_json_next(a, t) == base_json_next(b, t));
		if (ty == BASE_JSON_STRING) {
			CHECK(base_json_str_dup(a, t, &s, &n) == 0);
			CHECK(base_json_str_eq(b, t, s, n));
			free(s);
		} else if (ty == BASE_JSON_NUMBER) {
			int ra = base_json_number(a, t, &x), rb = base_json_number(b, t, &y);
			CHECK(ra == rb && (x == y || (isinf(x) && isinf(y))));
		}
	}
}

/* A failure's offset is in the input, and the text before it is the start
 * of a valid one: parsed alone it succeeds or fails exactly at its end. */
static void check_error_offset(const base_json *d, base_json *scratch)
{
	size_t at = base_json_error_offset(d);

	if (at == BASE_JSON_NOPOS)
		return;
	CHECK(at <= d->len);
	if (base_json_parse(scratch, d->js, at) != 0)
		CHECK(base_json_error_offset(scratch) == at);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	base_json doc = BASE_JSON_INIT, again = BASE_JSON_INIT;
	base_buf buf = BASE_BUF_INIT;
	base_jsonw w;

	if (base_json_parse(&doc, (const char *)data, size) == 0) {
		CHECK(doc.ntok > 0 && base_json_next(&doc, 0) == doc.ntok);
		visit_all(&doc);
		base_jsonw_init(&w, &buf);
		emit(&w, &doc, 0);
		CHECK(base_jsonw_error(&w) == 0 && w.depth == 0);
		CHECK(base_json_parse(&again, buf.data, buf.len) == 0);
		compare(&doc, &again);
		/* A parsed value copied verbatim parses to the same thing. */
		buf.len = 0;
		base_jsonw_init(&w, &buf);
		base_jsonw_tok(&w, &doc, 0);
		CHECK(base_json_parse(&again, buf.data, buf.len) == 0);
		compare(&doc, &again);
	} else {
		CHECK(doc.ntok == 0 && base_json_root(&doc) == -1);
		check_error_offset(&doc, &again);
	}
	/* Reuse: the same doc parses a second input. */
	CHECK(base_json_parse(&doc, "[1,{\"a\":\"b\"}]", 13) == 0 && doc.ntok == 5);
	base_json_free(&doc);
	base_json_free(&again);
	base_buf_free(&buf);
	return 0;
}
