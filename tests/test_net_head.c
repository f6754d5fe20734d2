/* test_net_head.c - Check tests of net_head_measure() (net/net_head.c): the
 * measure of a request head before lws reads it.
 *
 * What the guard relies on: a complete head that fits lws's header table is
 * COMPLETE however its lines end (CRLF, or LF as lws also takes), and the
 * bytes after it (a body, a pipelined request) are not counted; a head not
 * complete yet is MORE until it cannot fit any more; one that cannot fit is
 * TOO_LARGE (431), or URI_TOO_LONG (414) when its request line alone cannot,
 * by bytes (lws's 8192-byte table) or by fields (lws's 94 fragments: query
 * arguments and known headers), complete or not; a head with a whole line
 * lws misreads (a field line without a colon, or starting with whitespace,
 * an empty line before the request line) is MALFORMED (400). The interop side
 * (interop/test/engineio/http-limits.test.js) checks that what passes here
 * is served by lws and what does not is answered.
 */
#include "check_main.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../net/net_internal.h"

static const char *GET = "GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\n";

static int measure(const char *s)
{
	return net_head_measure(s, strlen(s));
}

/* A head of `get`, then `nlines` lines "<name>: <value of vlen bytes>", then
 * `tail` (freed by the caller). */
static char *head(const char *get, int nlines, const char *name, size_t vlen, const char *tail)
{
	size_t cap = strlen(get) + (size_t)nlines * (strlen(name) + vlen + 16) + strlen(tail) + 1;
	char *b = malloc(cap), *p = b;
	p += sprintf(p, "%s", get);
	for (int i = 0; i < nlines; i++) {
		p += sprintf(p, "%s: ", name);
		memset(p, 'v', vlen);
		p += vlen;
		p += sprintf(p, "\r\n");
	}
	sprintf(p, "%s", tail);
	return b;
}

START_TEST(test_complete_heads)
{
	ck_assert_int_eq(measure("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), NET_HEAD_COMPLETE);
	ck_assert_int_eq(measure("GET / HTTP/1.1\nHost: a\n\n"), NET_HEAD_COMPLETE);
	ck_assert_int_eq(measure("GET / HTTP/1.0\r\n\r\n"), NET_HEAD_COMPLETE);
	/* What follows the head is not the head's. */
	char *b = head(GET, 1, "Content-Length", 1, "\r\n");
	size_t n = strlen(b);
	char *big = malloc(n + 20000);
	memcpy(big, b, n);
	memset(big + n, 'x', 20000);
	ck_assert_int_eq(net_head_measure(big, n + 20000), NET_HEAD_COMPLETE);
	free(big);
	free(b);
}
END_TEST

START_TEST(test_incomplete_heads)
{
	ck_assert_int_eq(net_head_measure("", 0), NET_HEAD_MORE);
	ck_assert_int_eq(measure("GET / HT"), NET_HEAD_MORE);
	ck_assert_int_eq(measure("GET / HTTP/1.1\r\n"), NET_HEAD_MORE);
	ck_assert_int_eq(measure("GET / HTTP/1.1\r\nHost: a\r\n"), NET_HEAD_MORE);
	ck_assert_int_eq(measure("GET / HTTP/1.1\r\nHost: a\r\n\r"), NET_HEAD_MORE);
}
END_TEST

/* RFC 9112 section 5: a field line is name ":" value; lws 4.1 misreads one
 * without a colon (pitfall 20), node answers 400. */
START_TEST(test_malformed_lines)
{
	ck_assert_int_eq(measure("GET / HTTP/1.1\r\nNoColonHere\r\nHost: a\r\n\r\n"),
	                 NET_HEAD_MALFORMED);
	ck_assert_int_eq(measure("GET / HTTP/1.1\r\nHost: a\r\nNoColon\n\n"), NET_HEAD_MALFORMED);
	ck_assert_int_eq(measure("GET / HTTP/1.1\r\n: no name\r\n\r\n"), NET_HEAD_MALFORMED);
	/* judged once the line is whole: the colon may still come */
	ck_assert_int_eq(measure("GET / HTTP/1.1\r\nNoColonYet"), NET_HEAD_MORE);
	/* a line after the head is not the head's */
	ck_assert_int_eq(measure("GET / HTTP/1.1\r\nHost: a\r\n\r\nbody line\r\n"),
	                 NET_HEAD_COMPLETE);
	/* an obsolete line folding (section 5.2), whitespace before a name */
	ck_assert_int_eq(measure("GET / HTTP/1.1\r\nX-A: 1\r\n 2\r\n\r\n"), NET_HEAD_MALFORMED);
	ck_assert_int_eq(measure("GET / HTTP/1.1\r\n\tX-A: 1\r\n\r\n"), NET_HEAD_MALFORMED);
	/* an empty line before the request line (section 2.2) */
	ck_assert_int_eq(measure("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), NET_HEAD_MALFORMED);
	ck_assert_int_eq(measure("\nGET / HTTP/1.1\r\n"), NET_HEAD_MALFORMED);
	ck_assert_int_eq(measure("\r"), NET_HEAD_MORE);
	/* a colon in the value or a value with spaces is fine */
	ck_assert_int_eq(measure("GET / HTTP/1.1\r\nHost: a:80\r\nX-A: b c\r\nX-B:\r\n\r\n"),
	                 NET_HEAD_COMPLETE);
}
END_TEST

START_TEST(test_long_request_line)
{
	char *line = malloc(NET_HEAD_DATA + 64);
	int n = sprintf(line, "GET /?x=");
	memset(line + n, 'a', NET_HEAD_DATA);
	line[n + NET_HEAD_DATA] = 0;
	/* Not complete, and already too long. */
	ck_assert_int_eq(measure(line), NET_HEAD_URI_TOO_LONG);
	/* A long one that fits, then complete. */
	sprintf(line + n + 7000, " HTTP/1.1\r\n\r\n");
	ck_assert_int_eq(measure(line), NET_HEAD_COMPLETE);
	free(line);
}
END_TEST

START_TEST(test_long_header)
{
	char *b = head(GET, 1, "Cookie", 7000, "\r\n");
	ck_assert_int_eq(measure(b), NET_HEAD_COMPLETE);
	free(b);
	b = head(GET, 1, "Cookie", NET_HEAD_DATA, "\r\n");
	ck_assert_int_eq(measure(b), NET_HEAD_TOO_LARGE);
	/* Known as soon as it cannot fit, before its end came. */
	b[strlen(GET) + NET_HEAD_DATA - 20] = 0;
	ck_assert_int_eq(measure(b), NET_HEAD_TOO_LARGE);
	free(b);
}
END_TEST

START_TEST(test_bytes_counted_as_lws_stores_them)
{
	/* 8 bytes more per line (an unknown header's record in lws's table):
	 * 80 lines of 100 bytes fit as raw bytes (8,052) but not as lws
	 * stores them (8,400). */
	char *b = head(GET, 80, "X-Custom-Header", 81, "\r\n");
	ck_assert_uint_lt(strlen(b), NET_HEAD_DATA);
	ck_assert_int_eq(measure(b), NET_HEAD_TOO_LARGE);
	free(b);
	b = head(GET, 70, "X-Custom-Header", 81, "\r\n");
	ck_assert_int_eq(measure(b), NET_HEAD_COMPLETE);
	free(b);
}
END_TEST

START_TEST(test_too_many_fields)
{
	/* Each header line and each query argument takes one of lws's 94
	 * fragments. */
	char *b = head(GET, 95, "Accept", 1, "\r\n");
	ck_assert_int_eq(measure(b), NET_HEAD_TOO_LARGE);
	free(b);
	b = head(GET, 60, "Accept", 1, "\r\n");
	ck_assert_int_eq(measure(b), NET_HEAD_COMPLETE);
	free(b);
	/* At the limit, the CR that may start the empty line is not a field
	 * (found by fuzz/fuzz_net_head.c: the prefix said 431, the whole head
	 * was complete). */
	b = head(GET, 86, "Accept", 1, "\r");
	ck_assert_int_eq(measure(b), NET_HEAD_MORE);
	free(b);
	b = head(GET, 86, "Accept", 1, "\r\n");
	ck_assert_int_eq(measure(b), NET_HEAD_COMPLETE);
	free(b);
	char line[2048];
	int n = sprintf(line, "GET /engine.io/?EIO=4");
	for (int i = 0; i < 100; i++)
		n += sprintf(line + n, "&a%d=1", i);
	sprintf(line + n, " HTTP/1.1\r\n\r\n");
	ck_assert_int_eq(measure(line), NET_HEAD_URI_TOO_LONG);
}
END_TEST

static Suite *head_suite(void)
{
	Suite *s = suite_create("net_head");
	TCase *tc = tcase_create("measure");
	tcase_add_test(tc, test_complete_heads);
	tcase_add_test(tc, test_incomplete_heads);
	tcase_add_test(tc, test_malformed_lines);
	tcase_add_test(tc, test_long_request_line);
	tcase_add_test(tc, test_long_header);
	tcase_add_test(tc, test_bytes_counted_as_lws_stores_them);
	tcase_add_test(tc, test_too_many_fields);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(head_suite());
}
