/* test_net_bind.c - Check tests of net/net_bind.c, the address a listener
 * binds (net_bind_resolve) and the address its socket is bound to
 * (net_bind_find), and of net_listener_new on it: a listener on 127.0.0.1 is
 * bound to 127.0.0.1 only, never to every interface (issue 11; lws 4.1's own
 * parsing of an IPv4 address binds "::": docs/engineio.md, pitfall 16).
 */
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/net.h"
#include "check_main.h"

/* A TCP socket listening on 127.0.0.1, port chosen by the kernel. */
static int listen_v4(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof(a);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	getsockname(fd, (struct sockaddr *)&a, &l);
	*port = ntohs(a.sin_port);
	return fd;
}

static bool have_ipv6_loopback(void)
{
	int fd = socket(AF_INET6, SOCK_STREAM, 0);
	if (fd < 0)
		return false;
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	bool ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

START_TEST(resolve_ipv4)
{
	net_bind_addr a;
	ck_assert_int_eq(net_bind_resolve("127.0.0.1", 0, &a), 0);
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert_str_eq(a.host, "127.0.0.1");
	/* Any address of 127/8 is on this machine (Linux). */
	ck_assert_int_eq(net_bind_resolve("127.0.0.2", 0, &a), 0);
	ck_assert_str_eq(a.host, "127.0.0.2");
}
END_TEST

START_TEST(resolve_ipv6)
{
	if (!have_ipv6_loopback())
		return; /* no IPv6 loopback on this machine */
	net_bind_addr a;
	ck_assert_int_eq(net_bind_resolve("::1", 0, &a), 0);
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert_str_eq(a.host, "::1");
	/* As written in a URL. */
	ck_assert_int_eq(net_bind_resolve("[::1]", 0, &a), 0);
	ck_assert_str_eq(a.host, "::1");
}
END_TEST

START_TEST(resolve_name)
{
	net_bind_addr a;
	ck_assert_int_eq(net_bind_resolve("localhost", 0, &a), 0);
	ck_assert(!strcmp(a.host, "127.0.0.1") || !strcmp(a.host, "::1"));
}
END_TEST

START_TEST(resolve_every_interface)
{
	net_bind_addr a;
	ck_assert_int_eq(net_bind_resolve(NULL, 0, &a), 0);
	ck_assert_int_eq(a.family, 0);
	ck_assert_str_eq(a.host, "");
	ck_assert_int_eq(net_bind_resolve("", 0, &a), 0);
	ck_assert_int_eq(a.family, 0);
}
END_TEST

START_TEST(resolve_failures)
{
	net_bind_addr a;
	ck_assert_int_eq(net_bind_resolve("no-such-host.invalid", 0, &a), NET_ERESOLVE);
	ck_assert_int_eq(net_bind_resolve("[]", 0, &a), NET_ERESOLVE);
	ck_assert_int_eq(net_bind_resolve("[", 0, &a), NET_ERESOLVE);
	ck_assert_int_eq(net_bind_resolve("1.2.3.4.5", 0, &a), NET_ERESOLVE);
	char longname[2000];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_int_eq(net_bind_resolve(longname, 0, &a), NET_ERESOLVE);
	/* TEST-NET-1 (RFC 5737): not an address of this machine. */
	ck_assert_int_eq(net_bind_resolve("192.0.2.1", 0, &a), NET_EADDRNOTAVAIL);
	ck_assert_int_eq(errno, EADDRNOTAVAIL);
}
END_TEST

START_TEST(resolve_port_in_use)
{
	int port, fd = listen_v4(&port);
	net_bind_addr a;
	ck_assert_int_eq(net_bind_resolve("127.0.0.1", port, &a), NET_ELISTEN);
	ck_assert_int_eq(errno, EADDRINUSE);
	/* Every interface includes 127.0.0.1. */
	ck_assert_int_eq(net_bind_resolve(NULL, port, &a), NET_ELISTEN);
	/* Another address, the same port: free. */
	ck_assert_int_eq(net_bind_resolve("127.0.0.2", port, &a), 0);
	close(fd);
}
END_TEST

START_TEST(find_listening_socket)
{
	int port, fd = listen_v4(&port);
	net_bind_addr want = { 0 }, got = { 0 };
	ck_assert_int_eq(net_bind_find(port, &want, &got), 0);
	ck_assert_int_eq(got.family, AF_INET);
	ck_assert_str_eq(got.host, "127.0.0.1");
	close(fd);
	ck_assert_int_eq(net_bind_find(port, &want, &got), -1);
}
END_TEST

/* A listener: bound to what was asked, as the kernel says. */
static void listener_on(const char *host, const char *bound)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	int err = 0;
	net_listener *l = net_listener_new(&loop, host, 0, &err);
	ck_assert_msg(l != NULL, "listen on %s: %d", host ? host : "(all)", err);
	ck_assert_str_eq(net_listener_address(l), bound);
	net_bind_addr want = { 0 }, got;
	ck_assert_int_eq(net_bind_find(net_listener_port(l), &want, &got), 0);
	ck_assert_str_eq(got.host, bound);
	net_listener_close(l);
	uv_run(&loop, UV_RUN_DEFAULT);
	net_listener_free(l);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}

START_TEST(listener_ipv4_exactly)
{
	listener_on("127.0.0.1", "127.0.0.1");
}
END_TEST

START_TEST(listener_ipv6_exactly)
{
	if (have_ipv6_loopback())
		listener_on("::1", "::1");
}
END_TEST

START_TEST(listener_every_interface)
{
	listener_on(NULL, have_ipv6_loopback() ? "::" : "0.0.0.0");
}
END_TEST

START_TEST(listener_refuses)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	int err = 0;
	ck_assert_ptr_null(net_listener_new(&loop, "no-such-host.invalid", 0, &err));
	ck_assert_int_eq(err, NET_ERESOLVE);
	ck_assert_ptr_null(net_listener_new(&loop, "192.0.2.1", 0, &err));
	ck_assert_int_eq(err, NET_EADDRNOTAVAIL);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("net_bind");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, resolve_ipv4);
	tcase_add_test(tc, resolve_ipv6);
	tcase_add_test(tc, resolve_name);
	tcase_add_test(tc, resolve_every_interface);
	tcase_add_test(tc, resolve_failures);
	tcase_add_test(tc, resolve_port_in_use);
	tcase_add_test(tc, find_listening_socket);
	tcase_add_test(tc, listener_ipv4_exactly);
	tcase_add_test(tc, listener_ipv6_exactly);
	tcase_add_test(tc, listener_every_interface);
	tcase_add_test(tc, listener_refuses);
	suite_add_tcase(s, tc);
	return check_main_run(s);
}
