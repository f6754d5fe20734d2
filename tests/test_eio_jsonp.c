/* test_eio_jsonp.c - Check tests of engineio/eio_jsonp.c, JSONP polling's wire
 * format for Engine.IO v3 clients (node's transports/polling-jsonp.js).
 *
 * What a socket.io-client 2.x page relies on: the index is j's digits; the
 * answer is a script call whose string reads back as the payload (quotes,
 * backslashes, control bytes, and U+2028/U+2029, which JavaScript does not
 * take raw in a string); a form body's `d` is decoded as node's querystring
 * decodes it, and the client's newline escapes are undone; a body without
 * exactly one `d` carries no payload.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../engineio/eio_jsonp.h"
#include "check_main.h"

START_TEST(test_index_is_the_digits)
{
	char idx[12];
	eio_jsonp_index("0a5", idx, sizeof(idx));
	ck_assert_str_eq(idx, "05");
	eio_jsonp_index("x", idx, sizeof(idx));
	ck_assert_str_eq(idx, "");
	eio_jsonp_index("12345678901234", idx, sizeof(idx));
	ck_assert_str_eq(idx, "12345678901");
}
END_TEST

START_TEST(test_wrap)
{
	size_t n;
	const char in[] = "3:4\"\\\n\xe2\x80\xa8\xe2\x80\xa9\x01";
	char *js = eio_jsonp_wrap("7", in, sizeof(in) - 1, &n);
	const char want[] = "___eio[7](\"3:4\\\"\\\\\\n\\u2028\\u2029\\u0001\");";
	ck_assert_uint_eq(n, sizeof(want) - 1);
	ck_assert(memcmp(js, want, n) == 0);
	free(js);
	js = eio_jsonp_wrap("", "1:6", 3, &n);
	ck_assert(n == 16 && memcmp(js, "___eio[](\"1:6\");", n) == 0);
	free(js);
}
END_TEST

static int form(const char *body, char **out, size_t *n)
{
	return eio_jsonp_form_payload(body, strlen(body), out, n);
}

START_TEST(test_form_payload)
{
	char *p;
	size_t n;
	ck_assert_int_eq(form("d=5%3A4h+i%25", &p, &n), 1);
	ck_assert(n == 7 && memcmp(p, "5:4h i%", n) == 0);
	free(p);
	/* A malformed escape stays as it is; another key is ignored. */
	ck_assert_int_eq(form("x=1&d=%zz%4", &p, &n), 1);
	ck_assert(n == 5 && memcmp(p, "%zz%4", n) == 0);
	free(p);
	/* The key is decoded too. */
	ck_assert_int_eq(form("%64=1:2", &p, &n), 1);
	ck_assert(n == 3 && memcmp(p, "1:2", n) == 0);
	free(p);
	/* Backslash-n is a newline, backslash-backslash-n is backslash-n. */
	ck_assert_int_eq(form("d=a%5Cnb%5C%5Cnc", &p, &n), 1);
	ck_assert(n == 6 && memcmp(p, "a\nb\\nc", n) == 0);
	free(p);
	ck_assert_int_eq(form("d", &p, &n), 1);
	ck_assert_uint_eq(n, 0);
	free(p);
	ck_assert_int_eq(form("x=1", &p, &n), 0);
	ck_assert_int_eq(form("d=1&d=2", &p, &n), 0);
	ck_assert_int_eq(form("", &p, &n), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("eio_jsonp");
	TCase *tc = tcase_create("jsonp");
	tcase_add_test(tc, test_index_is_the_digits);
	tcase_add_test(tc, test_wrap);
	tcase_add_test(tc, test_form_payload);
	suite_add_tcase(s, tc);
	return check_main_run(s);
}
