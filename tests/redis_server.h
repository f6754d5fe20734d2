/* redis_server.h - a real redis-server for the Redis tests: started on a free
 * loopback port (never 6379, never a system service), without persistence,
 * stopped, killed and restarted on the same port by its PID. start and
 * restart return once the server accepts connections (polled by
 * connecting, never a blind sleep). Shared by tests/test_redis_*.c.
 */
#ifndef TESTS_REDIS_SERVER_H
#define TESTS_REDIS_SERVER_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REDIS_SERVER_MAX_ARGS 16

typedef struct redis_server {
	pid_t pid; /* 0: not running */
	int port;
	const char *extra[REDIS_SERVER_MAX_ARGS]; /* more arguments, NULL-terminated */
} redis_server;

/* A loopback port nobody listens on now (the kernel's choice for port 0). */
static __attribute__((unused)) int redis_free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int port = -1;
	if (fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof a) &&
	    !getsockname(fd, (struct sockaddr *)&a, &len))
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static bool redis_port_accepts(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET,
		                 .sin_port = htons((uint16_t)port),
		                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	bool ok = fd >= 0 && !connect(fd, (struct sockaddr *)&a, sizeof a);
	if (fd >= 0)
		close(fd);
	return ok;
}

static double redis_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Run redis-server on s->port with s->extra; true once it accepts. */
static __attribute__((unused)) bool redis_server_run(redis_server *s)
{
	char port[16];
	snprintf(port, sizeof port, "%d", s->port);
	const char *argv[8 + REDIS_SERVER_MAX_ARGS] = {
		"redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly"
	};
	int n = 8;
	argv[n++] = "no";
	for (int i = 0; i < REDIS_SERVER_MAX_ARGS - 2 && s->extra[i]; i++)
		argv[n++] = s->extra[i];
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, 1);
		dup2(null, 2);
		execvp("redis-server", (char *const *)argv);
		_exit(127);
	}
	s->pid = pid;
	double end = redis_now_ms() + 10000;
	while (redis_now_ms() < end) {
		if (redis_port_accepts(s->port))
			return true;
		if (waitpid(pid, NULL, WNOHANG) == pid) { /* it exited: port taken? */
			s->pid = 0;
			return false;
		}
		usleep(2000); /* between two polls of the port */
	}
	return false;
}

/* Start on a free port (a few tries: another process may take the port
 * between the choice and the bind). */
static __attribute__((unused)) bool redis_server_start(redis_server *s)
{
	for (int i = 0; i < 5; i++) {
		s->port = redis_free_port();
		if (s->port > 0 && redis_server_run(s))
			return true;
	}
	return false;
}

static void redis_server_signal(redis_server *s, int sig)
{
	if (s->pid <= 0)
		return;
	kill(s->pid, sig);
	waitpid(s->pid, NULL, 0);
	s->pid = 0;
}

/* SIGTERM (a clean shutdown) / SIGKILL (a crash), and wait for the exit. */
static __attribute__((unused)) void redis_server_stop(redis_server *s)
{
	redis_server_signal(s, SIGTERM);
}
static __attribute__((unused)) void redis_server_kill(redis_server *s)
{
	redis_server_signal(s, SIGKILL);
}

/* Start again on the same port, with the same arguments. */
static __attribute__((unused)) bool redis_server_restart(redis_server *s)
{
	redis_server_kill(s);
	return redis_server_run(s);
}

#endif
