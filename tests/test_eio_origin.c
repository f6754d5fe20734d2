/* test_eio_origin.c - Check unit tests for net/net_origin.c.
 *
 * These two functions decide which browser pages get CORS answers on polling
 * and which may open a WebSocket when eio_options.check_origin is on (the
 * defence against cross-site WebSocket hijacking). A false "yes" lets a
 * foreign site in, so most cases here are near misses that must be refused:
 * a host that only starts like an allowed one, another scheme, a port on an
 * exact entry, a path, junk after a wildcard port.
 */
#include <check.h>
#include <stdlib.h>

#include "net/net.h"
#include "check_main.h"

START_TEST(test_exact_entries)
{
	const char *list = "https://app.example.com,http://localhost:3000";
	ck_assert(net_origin_in_list(list, "https://app.example.com"));
	ck_assert(net_origin_in_list(list, "http://localhost:3000"));
	/* Origins are case-insensitive (scheme and host). */
	ck_assert(net_origin_in_list(list, "HTTPS://App.Example.COM"));
	ck_assert(!net_origin_in_list(list, "http://app.example.com"));       /* scheme */
	ck_assert(!net_origin_in_list(list, "https://app.example.com:8443")); /* port */
	ck_assert(!net_origin_in_list(list, "https://app.example.co"));       /* prefix */
	ck_assert(!net_origin_in_list(list, "https://app.example.com.evil.test"));
	ck_assert(!net_origin_in_list(list, "https://app.example.com/"));
	ck_assert(!net_origin_in_list(list, "http://localhost:30000"));
	ck_assert(!net_origin_in_list(list, "http://localhost"));
	ck_assert(!net_origin_in_list(list, "null"));
}
END_TEST

START_TEST(test_separators)
{
	/* Commas and spaces separate; empty entries are skipped. */
	const char *list = " ,https://a.test , ,https://b.test,";
	ck_assert(net_origin_in_list(list, "https://a.test"));
	ck_assert(net_origin_in_list(list, "https://b.test"));
	ck_assert(!net_origin_in_list(list, ""));
	ck_assert(!net_origin_in_list(list, "https://c.test"));
}
END_TEST

START_TEST(test_port_wildcard)
{
	const char *list = "http://localhost:*,http://[::1]:*";
	ck_assert(net_origin_in_list(list, "http://localhost"));
	ck_assert(net_origin_in_list(list, "http://localhost:5173"));
	ck_assert(net_origin_in_list(list, "http://localhost:1"));
	ck_assert(net_origin_in_list(list, "http://localhost:65535"));
	ck_assert(net_origin_in_list(list, "http://[::1]:8080"));
	ck_assert(!net_origin_in_list(list, "https://localhost:5173")); /* scheme */
	ck_assert(!net_origin_in_list(list, "http://localhost.evil.test"));
	ck_assert(!net_origin_in_list(list, "http://localhost.evil.test:80"));
	ck_assert(!net_origin_in_list(list, "http://localhostevil.test"));
	ck_assert(!net_origin_in_list(list, "http://localhost:"));       /* no digits */
	ck_assert(!net_origin_in_list(list, "http://localhost:123456")); /* 6 digits */
	ck_assert(!net_origin_in_list(list, "http://localhost:80@evil.test"));
	ck_assert(!net_origin_in_list(list, "http://localhost:80/x"));
	ck_assert(!net_origin_in_list(list, "http://localhost:*"));
	ck_assert(!net_origin_in_list(list, "http://[::1]x"));
	ck_assert(!net_origin_in_list(list, "http://127.0.0.1:3000"));
}
END_TEST

START_TEST(test_any_and_none)
{
	ck_assert(net_origin_in_list("*", "https://anything.test"));
	ck_assert(net_origin_in_list("https://a.test,*", "https://b.test"));
	ck_assert(!net_origin_in_list("*", "")); /* no Origin is not an origin */
	ck_assert(!net_origin_in_list(NULL, "https://a.test"));
	ck_assert(!net_origin_in_list("", "https://a.test"));
	ck_assert(!net_origin_in_list("https://a.test", NULL));
}
END_TEST

START_TEST(test_same_host)
{
	/* A page of the server's own origin: Origin's host[:port] = Host. */
	ck_assert(net_origin_is_host("http://127.0.0.1:3000", "127.0.0.1:3000"));
	ck_assert(net_origin_is_host("https://chat.example.com", "chat.example.com"));
	ck_assert(net_origin_is_host("https://Chat.Example.com", "chat.example.COM"));
	/* The scheme is not compared: TLS may end at nginx. */
	ck_assert(net_origin_is_host("http://chat.example.com", "chat.example.com"));
	ck_assert(!net_origin_is_host("http://127.0.0.1:3001", "127.0.0.1:3000"));
	ck_assert(!net_origin_is_host("http://127.0.0.1", "127.0.0.1:3000"));
	ck_assert(!net_origin_is_host("https://evil.test", "chat.example.com"));
	ck_assert(!net_origin_is_host("https://chat.example.com.evil.test", "chat.example.com"));
	ck_assert(!net_origin_is_host("null", "null"));
	ck_assert(!net_origin_is_host("http://a.test", ""));
	ck_assert(!net_origin_is_host("http://a.test", NULL));
	ck_assert(!net_origin_is_host(NULL, "a.test"));
}
END_TEST

static Suite *origin_suite(void)
{
	Suite *s = suite_create("eio_origin");
	TCase *t = tcase_create("match");
	tcase_add_test(t, test_exact_entries);
	tcase_add_test(t, test_separators);
	tcase_add_test(t, test_port_wildcard);
	tcase_add_test(t, test_any_and_none);
	tcase_add_test(t, test_same_host);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_main_run(origin_suite());
}
