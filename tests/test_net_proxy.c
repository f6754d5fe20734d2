/* test_net_proxy.c - Check tests of net/net_proxy.c's trusted-proxy list:
 * addresses and CIDR ranges, IPv4 and IPv6, IPv4 peers as lws reports them
 * on a dual-stack socket (::ffff:a.b.c.d), and the entries refused. Which
 * X-Forwarded-For entry is the client is tested end to end by
 * interop/test/engineio/admission.test.js.
 */
#include <check.h>

#include "net/net.h"
#include "check_main.h"

START_TEST(addresses_and_ranges)
{
	int err;
	net_proxies *px =
	        net_proxies_parse(" 127.0.0.1, 10.0.0.0/8 ,192.168.1.128/25,fd00::/8,::1", &err);
	ck_assert_ptr_nonnull(px);
	ck_assert_int_eq(err, 0);
	ck_assert(net_proxies_trusted(px, "127.0.0.1"));
	ck_assert(net_proxies_trusted(px, "::ffff:127.0.0.1"));
	ck_assert(!net_proxies_trusted(px, "127.0.0.2"));
	ck_assert(net_proxies_trusted(px, "10.255.1.2"));
	ck_assert(!net_proxies_trusted(px, "11.0.0.1"));
	ck_assert(net_proxies_trusted(px, "192.168.1.200"));
	ck_assert(!net_proxies_trusted(px, "192.168.1.127"));
	ck_assert(net_proxies_trusted(px, "fd12::5"));
	ck_assert(!net_proxies_trusted(px, "fe80::1"));
	ck_assert(net_proxies_trusted(px, "::1"));
	ck_assert(!net_proxies_trusted(px, "not an address"));
	ck_assert(!net_proxies_trusted(px, ""));
	net_proxies_free(px);
}
END_TEST

START_TEST(every_address)
{
	int err;
	net_proxies *px = net_proxies_parse("0.0.0.0/0", &err);
	ck_assert(net_proxies_trusted(px, "1.2.3.4"));
	ck_assert(!net_proxies_trusted(px, "2001:db8::1")); /* IPv4 ranges hold IPv4 only */
	net_proxies_free(px);
	px = net_proxies_parse("::/0", &err);
	ck_assert(net_proxies_trusted(px, "2001:db8::1"));
	ck_assert(net_proxies_trusted(px, "1.2.3.4"));
	net_proxies_free(px);
}
END_TEST

START_TEST(refused_entries)
{
	static const char *const bad[] = { "10.0.0.0/33", "::/129",     "10.0.0.1/",  "10.0.0.1/x",
		                           "10.0.0",      "127.0.0.1,", ",127.0.0.1", "a.b.c.d",
		                           "10.0.0.1/-1", "localhost" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = 0;
		ck_assert_msg(!net_proxies_parse(bad[i], &err), "%s", bad[i]);
		ck_assert_int_eq(err, NET_EINVAL);
	}
	int err = 1;
	ck_assert_ptr_null(net_proxies_parse(NULL, &err));
	ck_assert_int_eq(err, 0);
	ck_assert_ptr_null(net_proxies_parse("", &err));
	ck_assert_int_eq(err, 0);
	ck_assert(!net_proxies_trusted(NULL, "127.0.0.1"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("net_proxy");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, addresses_and_ranges);
	tcase_add_test(tc, every_address);
	tcase_add_test(tc, refused_entries);
	suite_add_tcase(s, tc);
	return check_main_run(s);
}
