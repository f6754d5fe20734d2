/* sio-bench - a Socket.IO v5 load generator for `make bench`.
 *
 *   sio-bench SCENARIO [options]
 *
 * Scenarios (see docs/performance.md for what each measures):
 *   idle            N clients connect over WebSocket (?room=R) and stay; connections/s
 *                   during the ramp-up, server RSS growth per connection (--server-pid)
 *   fanout          N receivers in room R, one sender emits K broadcast(R, S bytes);
 *                   deliveries/s from the first send to the last delivery, server peak RSS
 *   echo            N clients each send K acked echo(S bytes) one at a time; acks/s and
 *                   round-trip percentiles
 *   polling-fanout, polling-echo
 *                   the same over HTTP long-polling only (also: --transport polling)
 *   handshake       the real client's path: polling handshake, CONNECT, then the
 *                   WebSocket upgrade (2probe/3probe/5); completed upgrades/s
 *
 * Always terminates (--timeout); the exit status is 0 when the scenario
 * completed, 1 when it did not (timeout, failures), 2 on bad usage.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/resource.h>

config cfg;
uint64_t g_deliveries, g_last_delivery;

static client *clients;
static uint32_t nclients;      /* receivers / echo clients, plus the fan-out sender */
static uint32_t started, inflight, n_connected, n_failed, n_dropped;
static uint64_t t_first_start, t_last_connected;
static char first_error[96];
static bool connect_done, run_done;
static uint64_t acks_total;
static uint32_t *lat;          /* echo round trips, us */
static size_t nlat;
static char *payload_echo;     /* 42["echo","xxx"] without the ack id */

/* ---- Server process statistics ----------------------------------------------- */

typedef struct proc_stat {
	long rss_kb, hwm_kb;
	double cpu_s;
} proc_stat;

static bool read_proc(int pid, proc_stat *ps)
{
	char path[64], b[4096];
	ps->rss_kb = ps->hwm_kb = -1;
	ps->cpu_s = -1;
	if (pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(b, sizeof(b), f)) {
		if (strncmp(b, "VmRSS:", 6) == 0)
			ps->rss_kb = atol(b + 6);
		else if (strncmp(b, "VmHWM:", 6) == 0)
			ps->hwm_kb = atol(b + 6);
	}
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (f) {
		size_t n = fread(b, 1, sizeof(b) - 1, f);
		b[n] = 0;
		fclose(f);
		char *p = strrchr(b, ')');
		unsigned long ut = 0, st = 0;
		/* fields after the command: state(3) ... utime(14) stime(15) */
		if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		                &ut, &st) == 2)
			ps->cpu_s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
	}
	return true;
}

static double self_cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* ---- Scenario hooks ------------------------------------------------------------- */

void on_client_connected(client *cl)
{
	(void)cl;
	inflight--;
	n_connected++;
	t_last_connected = now_us();
}

void on_client_failed(client *cl, const char *why)
{
	if (cl->phase == P_CONNECTED) {
		n_dropped++;
	} else {
		inflight--;
		n_failed++;
	}
	if (!first_error[0])
		snprintf(first_error, sizeof(first_error), "client %u: %s", cl->id, why);
}

static void echo_send(client *cl)
{
	char b[64];
	int hn = snprintf(b, sizeof(b), "42%u", cl->sent);
	size_t pl = strlen(payload_echo + 2);
	char *m = malloc((size_t)hn + pl);
	if (!m)
		return;
	memcpy(m, b, (size_t)hn);
	memcpy(m + hn, payload_echo + 2, pl);
	cl->t_sent = now_us();
	cl->sent++;
	client_send(cl, m, (size_t)hn + pl);
	free(m);
}

void on_ack(client *cl, uint32_t id)
{
	if (id + 1 != cl->sent || cl->acked >= cl->sent)
		return;
	uint64_t t = now_us();
	if (nlat < (size_t)cfg.n * (size_t)cfg.k)
		lat[nlat++] = (uint32_t)(t - cl->t_sent);
	cl->acked++;
	acks_total++;
	if (cl->sent < (uint32_t)cfg.k)
		echo_send(cl);
}

/* ---- Options ---------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: sio-bench idle|fanout|echo|polling-fanout|polling-echo|handshake [options]\n"
	        "  --host ADDR        server address, 127.0.0.0/8 only (127.0.0.1)\n"
	        "  --port P           server port (3000)\n"
	        "  --path PATH        Socket.IO path (/socket.io/)\n"
	        "  -n N               clients / receivers (1000)\n"
	        "  -k K               broadcasts (fanout) or acks per client (echo) (100)\n"
	        "  --size S           payload bytes (64)\n"
	        "  --ramp R           handshakes in flight (256)\n"
	        "  --room NAME        room of the handshake query (bench)\n"
	        "  --transport T      websocket or polling (websocket)\n"
	        "  --sources A,B,...  source addresses to bind (127.0.0.1,127.0.0.2,...)\n"
	        "  --hold SECONDS     idle: stay connected this long after the ramp-up (1)\n"
	        "  --timeout SECONDS  overall limit (60)\n"
	        "  --server-pid PID   read the server's RSS and CPU from /proc/PID\n"
	        "  --json             print one JSON object\n");
}

static int parse_sources(const char *s)
{
	char *dup = strdup(s), *save = NULL;
	for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (cfg.nsrc == (int)(sizeof(cfg.src) / sizeof(cfg.src[0])))
			break;
		struct sockaddr_in *a = &cfg.src[cfg.nsrc];
		memset(a, 0, sizeof(*a));
		a->sin_family = AF_INET;
		if (inet_pton(AF_INET, t, &a->sin_addr) != 1 ||
		    (ntohl(a->sin_addr.s_addr) >> 24) != 127) {
			fprintf(stderr, "sio-bench: source %s is not a 127.0.0.0/8 address\n", t);
			free(dup);
			return -1;
		}
		cfg.nsrc++;
	}
	free(dup);
	return 0;
}

static int parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "host", required_argument, 0, 'H' }, { "port", required_argument, 0, 'p' },
		{ "path", required_argument, 0, 'P' }, { "size", required_argument, 0, 's' },
		{ "ramp", required_argument, 0, 'r' }, { "room", required_argument, 0, 'R' },
		{ "transport", required_argument, 0, 'T' },
		{ "sources", required_argument, 0, 'S' }, { "hold", required_argument, 0, 'o' },
		{ "timeout", required_argument, 0, 't' },
		{ "server-pid", required_argument, 0, 'i' }, { "json", no_argument, 0, 'j' },
		{ "scenario", required_argument, 0, 'c' }, { "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	cfg = (config){ .host = "127.0.0.1", .port = 3000, .path = "/socket.io/", .n = 1000,
	                .k = 100, .size = 64, .ramp = 256, .timeout_s = 60,
	                .hold_s = 1, .room = "bench", .transport = T_WS };
	int c;
	while ((c = getopt_long(argc, argv, "n:k:h", lo, NULL)) != -1) {
		switch (c) {
		case 'H': cfg.host = optarg; break;
		case 'p': cfg.port = atoi(optarg); break;
		case 'P': cfg.path = optarg; break;
		case 'n': cfg.n = atoi(optarg); break;
		case 'k': cfg.k = atoi(optarg); break;
		case 's': cfg.size = atoi(optarg); break;
		case 'r': cfg.ramp = atoi(optarg); break;
		case 'R': cfg.room = optarg; break;
		case 'T':
			if (strcmp(optarg, "polling") == 0)
				cfg.transport = T_POLLING;
			else if (strcmp(optarg, "websocket") != 0)
				return -1;
			break;
		case 'S': if (parse_sources(optarg) < 0) return -1; break;
		case 'o': cfg.hold_s = atof(optarg); break;
		case 't': cfg.timeout_s = atof(optarg); break;
		case 'i': cfg.server_pid = atoi(optarg); break;
		case 'j': cfg.json = true; break;
		case 'c': cfg.scenario = optarg; break;
		case 'h': usage(stdout); exit(0);
		default: return -1;
		}
	}
	if (!cfg.scenario && optind < argc)
		cfg.scenario = argv[optind++];
	if (!cfg.scenario || optind != argc)
		return -1;
	if (strncmp(cfg.scenario, "polling-", 8) == 0) {
		cfg.transport = T_POLLING;
		cfg.scenario += 8;
	}
	static const char *known[] = { "idle", "fanout", "echo", "handshake" };
	bool ok = false;
	for (size_t i = 0; i < 4; i++)
		ok |= strcmp(cfg.scenario, known[i]) == 0;
	if (!ok || cfg.n <= 0 || cfg.k <= 0 || cfg.size < 0 || cfg.ramp <= 0 || cfg.timeout_s <= 0)
		return -1;
	memset(&cfg.dst, 0, sizeof(cfg.dst));
	cfg.dst.sin_family = AF_INET;
	cfg.dst.sin_port = htons((uint16_t)cfg.port);
	if (inet_pton(AF_INET, cfg.host, &cfg.dst.sin_addr) != 1 ||
	    (ntohl(cfg.dst.sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "sio-bench: --host must be a 127.0.0.0/8 address\n");
		return -1;
	}
	snprintf(cfg.hostport, sizeof(cfg.hostport), "%s:%d", cfg.host, cfg.port);
	return 0;
}

/* ---- Reporting ------------------------------------------------------------------------ */

typedef struct result {
	bool complete;
	double connect_s, run_s, gen_cpu_pct, srv_cpu_pct;
	double conn_gen_cpu_pct, conn_srv_cpu_pct;   /* during the ramp-up */
	proc_stat before, after, end;
	long peak_rss_kb;
	double rate;
	const char *rate_name;
	uint64_t count;
	uint32_t p50, p99, p999, pmax;
} result;

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static uint32_t pct(double q)
{
	if (!nlat)
		return 0;
	size_t i = (size_t)(q * (double)nlat);
	return lat[i >= nlat ? nlat - 1 : i];
}

static void report(const result *r)
{
	double conn_rate = r->connect_s > 0 ? n_connected / r->connect_s : 0;
	long per_conn = -1;
	if (r->before.rss_kb >= 0 && r->after.rss_kb >= 0 && n_connected)
		per_conn = (r->after.rss_kb - r->before.rss_kb) * 1024 / (long)n_connected;
	if (cfg.json) {
		printf("{\"scenario\":\"%s%s\",\"complete\":%s,\"clients\":%d,\"k\":%d,\"size\":%d,"
		       "\"ramp\":%d,\"connected\":%u,\"failed\":%u,\"dropped\":%u,"
		       "\"connect_s\":%.3f,\"connect_per_s\":%.0f,\"run_s\":%.3f,"
		       "\"%s\":%llu,\"%s_per_s\":%.0f,",
		       cfg.transport == T_POLLING ? "polling-" : "", cfg.scenario,
		       r->complete ? "true" : "false", cfg.n, cfg.k, cfg.size, cfg.ramp, n_connected,
		       n_failed, n_dropped, r->connect_s, conn_rate, r->run_s, r->rate_name,
		       (unsigned long long)r->count, r->rate_name, r->rate);
		if (nlat)
			printf("\"p50_us\":%u,\"p99_us\":%u,\"p999_us\":%u,\"max_us\":%u,", r->p50, r->p99,
			       r->p999, r->pmax);
		printf("\"connect_gen_cpu_pct\":%.1f,\"connect_server_cpu_pct\":%.1f,",
		       r->conn_gen_cpu_pct, r->conn_srv_cpu_pct);
		printf("\"gen_cpu_pct\":%.1f,\"server_cpu_pct\":%.1f,\"server_rss_before_kb\":%ld,"
		       "\"server_rss_after_kb\":%ld,\"server_rss_per_conn_bytes\":%ld,"
		       "\"server_peak_rss_kb\":%ld,\"server_hwm_kb\":%ld,\"error\":\"%s\"}\n",
		       r->gen_cpu_pct, r->srv_cpu_pct, r->before.rss_kb, r->after.rss_kb, per_conn,
		       r->peak_rss_kb, r->end.hwm_kb, first_error);
		return;
	}
	printf("scenario %s%s: %s\n", cfg.transport == T_POLLING ? "polling-" : "", cfg.scenario,
	       r->complete ? "complete" : "INCOMPLETE");
	printf("  clients %d connected %u failed %u dropped %u\n", cfg.n, n_connected, n_failed,
	       n_dropped);
	printf("  connect: %.3f s, %.0f/s (ramp %d), generator cpu %.1f%%, server cpu %.1f%%\n",
	       r->connect_s, conn_rate, cfg.ramp, r->conn_gen_cpu_pct, r->conn_srv_cpu_pct);
	printf("  run: %.3f s, %llu %s, %.0f %s/s\n", r->run_s, (unsigned long long)r->count,
	       r->rate_name, r->rate, r->rate_name);
	if (nlat)
		printf("  round trip us: p50 %u p99 %u p999 %u max %u\n", r->p50, r->p99, r->p999,
		       r->pmax);
	printf("  generator cpu %.1f%%, server cpu %.1f%%\n", r->gen_cpu_pct, r->srv_cpu_pct);
	if (cfg.server_pid)
		printf("  server rss before %ld kB, after %ld kB (%ld B/conn), peak %ld kB, hwm %ld kB\n",
		       r->before.rss_kb, r->after.rss_kb, per_conn, r->peak_rss_kb, r->end.hwm_kb);
	if (first_error[0])
		printf("  first error: %s\n", first_error);
}

/* ---- Main loop ---------------------------------------------------------------------------- */

static volatile sig_atomic_t interrupted;
static void on_sig(int s) { (void)s; interrupted = 1; }

static void raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static double conn_cpu0, conn_srv_cpu0;   /* CPU seconds when the ramp-up began */

static void ramp_fill(void)
{
	while (started < nclients && inflight < (uint32_t)cfg.ramp) {
		if (!t_first_start) {
			proc_stat ps;
			read_proc(cfg.server_pid, &ps);
			conn_srv_cpu0 = ps.cpu_s;
			conn_cpu0 = self_cpu_s();
			t_first_start = now_us();
		}
		inflight++;
		client_start(&clients[started++]);
	}
}

/* Send the K broadcasts in one write (one POST for polling). */
static void fanout_send(client *sender)
{
	size_t pl = (size_t)cfg.size;
	char head[256];
	int hn = snprintf(head, sizeof(head), "42[\"broadcast\",\"%s\",\"", cfg.room);
	size_t mlen = (size_t)hn + pl + 2;
	char *m = malloc(mlen);
	if (!m)
		return;
	memcpy(m, head, (size_t)hn);
	memset(m + hn, 'x', pl);
	memcpy(m + hn + pl, "\"]", 2);
	for (int i = 0; i < cfg.k; i++)
		client_send(sender, m, mlen);
	free(m);
}

int main(int argc, char **argv)
{
	if (parse_args(argc, argv) < 0) {
		usage(stderr);
		return 2;
	}
	raise_nofile();
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_sig);
	signal(SIGTERM, on_sig);
	if (net_init() < 0) {
		perror("sio-bench: epoll");
		return 1;
	}
	bool fanout = strcmp(cfg.scenario, "fanout") == 0;
	bool echo = strcmp(cfg.scenario, "echo") == 0;
	bool idle = strcmp(cfg.scenario, "idle") == 0;
	bool handshake = strcmp(cfg.scenario, "handshake") == 0;
	nclients = (uint32_t)cfg.n + (fanout ? 1 : 0);
	clients = calloc(nclients, sizeof(*clients));
	if (echo) {
		lat = malloc((size_t)cfg.n * (size_t)cfg.k * sizeof(*lat));
		payload_echo = malloc((size_t)cfg.size + 16);
		int h = sprintf(payload_echo, "42[\"echo\",\"");
		memset(payload_echo + h, 'x', (size_t)cfg.size);
		strcpy(payload_echo + h + cfg.size, "\"]");
	}
	if (!clients || (echo && (!lat || !payload_echo))) {
		fprintf(stderr, "sio-bench: out of memory\n");
		return 1;
	}
	for (uint32_t i = 0; i < nclients; i++) {
		client *cl = &clients[i];
		cl->id = i;
		cl->transport = handshake ? T_POLLING : (uint8_t)cfg.transport;
		cl->upgrade = handshake;
		cl->sender = fanout && i == nclients - 1;
		chan *chs[3] = { &cl->ws, &cl->get, &cl->post };
		for (int j = 0; j < 3; j++) {
			chs[j]->fd = -1;
			chs[j]->kind = (uint8_t)j;
			chs[j]->cl = cl;
		}
	}

	result r = { 0 };
	read_proc(cfg.server_pid, &r.before);
	uint64_t t_begin = now_us();
	uint64_t deadline = t_begin + (uint64_t)(cfg.timeout_s * 1e6);
	uint64_t t_run = 0, t_settle = 0, t_sample = 0;
	double cpu0 = 0, srv_cpu0 = 0;
	uint64_t expect = 0;
	r.peak_rss_kb = r.before.rss_kb;

	while (!run_done && !interrupted) {
		ramp_fill();
		net_poll(connect_done ? 2 : 5);
		uint64_t t = now_us();
		if (t >= deadline)
			break;
		if (!connect_done && n_connected + n_failed == nclients) {
			connect_done = true;
			double wall = (double)(t - t_first_start) / 1e6;
			proc_stat ps;
			read_proc(cfg.server_pid, &ps);
			if (wall > 0) {
				r.conn_gen_cpu_pct = (self_cpu_s() - conn_cpu0) / wall * 100;
				r.conn_srv_cpu_pct = ps.cpu_s >= 0 && conn_srv_cpu0 >= 0
				                     ? (ps.cpu_s - conn_srv_cpu0) / wall * 100 : -1;
			}
			/* the receivers are in; give the server a moment before measuring */
			t_settle = t + (idle ? 1000000 : 200000);
		}
		if (cfg.server_pid && t >= t_sample) {
			proc_stat ps;
			if (read_proc(cfg.server_pid, &ps) && ps.rss_kb > r.peak_rss_kb)
				r.peak_rss_kb = ps.rss_kb;
			t_sample = t + 50000;
		}
		if (!connect_done || t < t_settle)
			continue;
		if (!t_run) {
			t_run = now_us();
			cpu0 = self_cpu_s();
			proc_stat ps;
			read_proc(cfg.server_pid, &ps);
			srv_cpu0 = ps.cpu_s;
			if (idle) {
				r.after = ps;
			} else if (fanout) {
				client *sender = &clients[nclients - 1];
				expect = (uint64_t)(n_connected - (sender->phase == P_CONNECTED)) *
				         (uint64_t)cfg.k;
				g_deliveries = 0;
				if (sender->phase == P_CONNECTED)
					fanout_send(sender);
				else
					break;
			} else if (echo) {
				expect = (uint64_t)n_connected * (uint64_t)cfg.k;
				for (uint32_t i = 0; i < nclients; i++)
					if (clients[i].phase == P_CONNECTED)
						echo_send(&clients[i]);
			}
		}
		if (handshake)
			run_done = true;
		else if (idle)
			run_done = t >= t_run + (uint64_t)(cfg.hold_s * 1e6);
		else if (fanout)
			run_done = g_deliveries >= expect;
		else if (echo)
			run_done = acks_total >= expect;
	}

	uint64_t t_end = now_us();
	if (t_run) {
		double wall = (double)(t_end - t_run) / 1e6;
		proc_stat ps;
		read_proc(cfg.server_pid, &ps);
		if (wall > 0) {
			r.gen_cpu_pct = (self_cpu_s() - cpu0) / wall * 100;
			r.srv_cpu_pct = srv_cpu0 >= 0 ? (ps.cpu_s - srv_cpu0) / wall * 100 : -1;
		}
	}
	read_proc(cfg.server_pid, &r.end);
	if (r.end.rss_kb > r.peak_rss_kb)
		r.peak_rss_kb = r.end.rss_kb;
	if (!idle)
		r.after = r.end;
	r.connect_s = t_last_connected > t_first_start
	                      ? (double)(t_last_connected - t_first_start) / 1e6 : 0;
	r.complete = run_done && n_failed == 0 && n_dropped == 0;
	if (handshake || idle) {
		r.gen_cpu_pct = r.conn_gen_cpu_pct;   /* the ramp-up is what they measure */
		r.srv_cpu_pct = r.conn_srv_cpu_pct;
	}
	if (handshake) {
		r.rate_name = "upgrades";
		r.count = n_connected;
		r.run_s = r.connect_s;
		r.rate = r.connect_s > 0 ? n_connected / r.connect_s : 0;
	} else if (idle) {
		r.rate_name = "connections";
		r.count = n_connected;
		r.run_s = t_run ? (double)(t_end - t_run) / 1e6 : 0;
		r.rate = r.connect_s > 0 ? n_connected / r.connect_s : 0;
	} else if (fanout) {
		r.rate_name = "deliveries";
		r.count = g_deliveries;
		uint64_t last = run_done ? g_last_delivery : t_end;
		r.run_s = t_run && last > t_run ? (double)(last - t_run) / 1e6 : 0;
		r.rate = r.run_s > 0 ? (double)g_deliveries / r.run_s : 0;
	} else {
		r.rate_name = "acks";
		r.count = acks_total;
		r.run_s = t_run ? (double)(t_end - t_run) / 1e6 : 0;
		r.rate = r.run_s > 0 ? (double)acks_total / r.run_s : 0;
		qsort(lat, nlat, sizeof(*lat), cmp_u32);
		r.p50 = pct(0.50);
		r.p99 = pct(0.99);
		r.p999 = pct(0.999);
		r.pmax = nlat ? lat[nlat - 1] : 0;
	}
	if (!run_done && !first_error[0])
		snprintf(first_error, sizeof(first_error), "%s",
		         interrupted ? "interrupted" : "timeout");
	report(&r);
	for (uint32_t i = 0; i < nclients; i++)
		client_close(&clients[i]);
	free(clients);
	free(lat);
	free(payload_echo);
	return r.complete ? 0 : 1;
}
