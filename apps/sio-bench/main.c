/* sio-bench - a Socket.IO v5 load generator for `make bench`.
 *
 *   sio-bench SCENARIO [options]
 *
 * Scenarios (see docs/performance.md for what each measures):
 *   idle            N clients connect over WebSocket (?room=R) and stay; connections/s
 *                   during the ramp-up, server RSS growth per connection (--server-pid)
 *   fanout          N receivers in room R, one sender emits K broadcast(R, S bytes);
 *                   deliveries/s from the first send to the last delivery, server peak RSS;
 *                   with --port2 the receivers alternate between two servers of a fleet
 *                   (sharing rooms through Redis) and the sender stays on --port
 *   echo            N clients each send K acked echo(S bytes) one at a time; acks/s and
 *                   round-trip percentiles
 *   polling-fanout, polling-echo
 *                   the same over HTTP long-polling only (also: --transport polling)
 *   handshake       the real client's path: polling handshake, CONNECT, then the
 *                   WebSocket upgrade (2probe/3probe/5); completed upgrades/s
 *
 * With --threads N the clients are split over N worker threads (worker.c),
 * each with its own epoll loop; this file parses the options, runs the last
 * worker on the main thread while coordinating the others (start of the run,
 * completion, deadline), merges their counts and histograms and reports.
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

/* Merged over the workers at the end (and, for the counts, while running). */
static uint32_t n_connected, n_failed, n_dropped;
static uint64_t t_first_start, t_last_connected;
static char first_error[96];
static hist lat;

/* ---- Server process statistics ----------------------------------------------- */

typedef struct proc_stat {
	long rss_kb, hwm_kb;
	double cpu_s, sys_s; /* user+system, system alone */
} proc_stat;

static bool read_proc(int pid, proc_stat *ps)
{
	char path[64], b[4096];
	ps->rss_kb = ps->hwm_kb = -1;
	ps->cpu_s = ps->sys_s = -1;
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
		if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut,
		                &st) == 2) {
			ps->cpu_s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
			ps->sys_s = (double)st / (double)sysconf(_SC_CLK_TCK);
		}
	}
	return true;
}

static double self_cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

/* ---- Options ---------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: sio-bench idle|fanout|echo|polling-fanout|polling-echo|handshake "
	        "[options]\n"
	        "  --host ADDR        server address, 127.0.0.0/8 only (127.0.0.1)\n"
	        "  --port P           server port (3000)\n"
	        "  --port2 P          fanout: a second server of the same fleet, where every\n"
	        "                     other receiver connects (the sender stays on --port)\n"
	        "  --path PATH        Socket.IO path (/socket.io/)\n"
	        "  -n N               clients / receivers (1000)\n"
	        "  -k K               broadcasts (fanout) or acks per client (echo) (100)\n"
	        "  --size S           payload bytes (64)\n"
	        "  --ramp R           handshakes in flight (256), split over the threads\n"
	        "  --threads N        worker threads, each with its own epoll loop and an equal\n"
	        "                     share of the clients (1; at most the number of cores)\n"
	        "  --room NAME        room of the handshake query (bench)\n"
	        "  --transport T      websocket or polling (websocket)\n"
	        "  --sources A,B,...  source addresses to bind (127.0.0.1,127.0.0.2,...)\n"
	        "  --hold SECONDS     idle: stay connected this long after the ramp-up (1)\n"
	        "  --settle SECONDS   pause between the ramp-up and the run (0.2; idle 1)\n"
	        "  --linger SECONDS   stay connected this long after the run (0)\n"
	        "  --progress         print \"connected\" and \"run done\" lines on stderr (for\n"
	        "                     profiling only the run, see bench/profile.sh)\n"
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
		{ "host", required_argument, 0, 'H' },
		{ "port", required_argument, 0, 'p' },
		{ "port2", required_argument, 0, 'q' },
		{ "path", required_argument, 0, 'P' },
		{ "size", required_argument, 0, 's' },
		{ "ramp", required_argument, 0, 'r' },
		{ "room", required_argument, 0, 'R' },
		{ "transport", required_argument, 0, 'T' },
		{ "sources", required_argument, 0, 'S' },
		{ "hold", required_argument, 0, 'o' },
		{ "timeout", required_argument, 0, 't' },
		{ "threads", required_argument, 0, 'N' },
		{ "settle", required_argument, 0, 'e' },
		{ "linger", required_argument, 0, 'l' },
		{ "progress", no_argument, 0, 'g' },
		{ "server-pid", required_argument, 0, 'i' },
		{ "json", no_argument, 0, 'j' },
		{ "scenario", required_argument, 0, 'c' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	cfg = (config){ .host = "127.0.0.1",
		        .port = 3000,
		        .path = "/socket.io/",
		        .n = 1000,
		        .k = 100,
		        .size = 64,
		        .ramp = 256,
		        .timeout_s = 60,
		        .hold_s = 1,
		        .room = "bench",
		        .transport = T_WS,
		        .threads = 1,
		        .settle_s = -1 };
	int c;
	while ((c = getopt_long(argc, argv, "n:k:h", lo, NULL)) != -1) {
		switch (c) {
		case 'H':
			cfg.host = optarg;
			break;
		case 'p':
			cfg.port = atoi(optarg);
			break;
		case 'q':
			cfg.port2 = atoi(optarg);
			break;
		case 'P':
			cfg.path = optarg;
			break;
		case 'n':
			cfg.n = atoi(optarg);
			break;
		case 'k':
			cfg.k = atoi(optarg);
			break;
		case 's':
			cfg.size = atoi(optarg);
			break;
		case 'r':
			cfg.ramp = atoi(optarg);
			break;
		case 'N':
			cfg.threads = atoi(optarg);
			break;
		case 'e':
			cfg.settle_s = atof(optarg);
			break;
		case 'l':
			cfg.linger_s = atof(optarg);
			break;
		case 'g':
			cfg.progress = true;
			break;
		case 'R':
			cfg.room = optarg;
			break;
		case 'T':
			if (strcmp(optarg, "polling") == 0)
				cfg.transport = T_POLLING;
			else if (strcmp(optarg, "websocket") != 0)
				return -1;
			break;
		case 'S':
			if (parse_sources(optarg) < 0)
				return -1;
			break;
		case 'o':
			cfg.hold_s = atof(optarg);
			break;
		case 't':
			cfg.timeout_s = atof(optarg);
			break;
		case 'i':
			cfg.server_pid = atoi(optarg);
			break;
		case 'j':
			cfg.json = true;
			break;
		case 'c':
			cfg.scenario = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
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
	if (!ok || cfg.n <= 0 || cfg.k <= 0 || cfg.size < 0 || cfg.ramp <= 0 ||
	    cfg.timeout_s <= 0 || cfg.threads <= 0)
		return -1;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (cores > 0 && cfg.threads > cores) {
		fprintf(stderr, "sio-bench: --threads %d is more than the %ld cores\n", cfg.threads,
		        cores);
		return -1;
	}
	memset(&cfg.dst, 0, sizeof(cfg.dst));
	cfg.dst.sin_family = AF_INET;
	cfg.dst.sin_port = htons((uint16_t)cfg.port);
	if (inet_pton(AF_INET, cfg.host, &cfg.dst.sin_addr) != 1 ||
	    (ntohl(cfg.dst.sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "sio-bench: --host must be a 127.0.0.0/8 address\n");
		return -1;
	}
	snprintf(cfg.hostport, sizeof(cfg.hostport), "%s:%d", cfg.host, cfg.port);
	if (cfg.port2) {
		if (strcmp(cfg.scenario, "fanout") != 0 || cfg.port2 < 0 || cfg.port2 > 65535)
			return -1;
		cfg.dst2 = cfg.dst;
		cfg.dst2.sin_port = htons((uint16_t)cfg.port2);
		snprintf(cfg.hostport2, sizeof(cfg.hostport2), "%s:%d", cfg.host, cfg.port2);
	}
	return 0;
}

/* ---- Reporting ------------------------------------------------------------------------ */

typedef struct result {
	bool complete;
	double connect_s, run_s, gen_cpu_pct, srv_cpu_pct;
	double conn_gen_cpu_pct, conn_srv_cpu_pct; /* during the ramp-up */
	double srv_sys_share, conn_srv_sys_share;  /* % of the server's CPU in the kernel */
	proc_stat before, after, end;
	long peak_rss_kb;
	double rate;
	const char *rate_name;
	uint64_t count;
	uint32_t p50, p99, p999, pmax;
} result;

static void report(const result *r)
{
	double conn_rate = r->connect_s > 0 ? n_connected / r->connect_s : 0;
	long per_conn = -1;
	if (r->before.rss_kb >= 0 && r->after.rss_kb >= 0 && n_connected)
		per_conn = (r->after.rss_kb - r->before.rss_kb) * 1024 / (long)n_connected;
	if (cfg.json) {
		printf("{\"scenario\":\"%s%s\",\"complete\":%s,\"clients\":%d,\"k\":%d,\"size\":%d,"
		       "\"ramp\":%d,\"threads\":%d,\"connected\":%u,\"failed\":%u,\"dropped\":%u,"
		       "\"connect_s\":%.3f,\"connect_per_s\":%.0f,\"run_s\":%.3f,"
		       "\"%s\":%llu,\"%s_per_s\":%.0f,",
		       cfg.transport == T_POLLING ? "polling-" : "", cfg.scenario,
		       r->complete ? "true" : "false", cfg.n, cfg.k, cfg.size, cfg.ramp,
		       cfg.threads, n_connected, n_failed, n_dropped, r->connect_s, conn_rate,
		       r->run_s, r->rate_name, (unsigned long long)r->count, r->rate_name, r->rate);
		if (lat.n)
			printf("\"p50_us\":%u,\"p99_us\":%u,\"p999_us\":%u,\"max_us\":%u,", r->p50,
			       r->p99, r->p999, r->pmax);
		printf("\"connect_gen_cpu_pct\":%.1f,\"connect_server_cpu_pct\":%.1f,",
		       r->conn_gen_cpu_pct, r->conn_srv_cpu_pct);
		printf("\"gen_cpu_pct\":%.1f,\"server_cpu_pct\":%.1f,\"server_sys_share_pct\":%.1f,"
		       "\"server_rss_before_kb\":%ld,"
		       "\"server_rss_after_kb\":%ld,\"server_rss_per_conn_bytes\":%ld,"
		       "\"server_peak_rss_kb\":%ld,\"server_hwm_kb\":%ld,\"error\":\"%s\"}\n",
		       r->gen_cpu_pct, r->srv_cpu_pct, r->srv_sys_share, r->before.rss_kb,
		       r->after.rss_kb, per_conn, r->peak_rss_kb, r->end.hwm_kb, first_error);
		return;
	}
	printf("scenario %s%s: %s\n", cfg.transport == T_POLLING ? "polling-" : "", cfg.scenario,
	       r->complete ? "complete" : "INCOMPLETE");
	printf("  clients %d connected %u failed %u dropped %u\n", cfg.n, n_connected, n_failed,
	       n_dropped);
	printf("  connect: %.3f s, %.0f/s (ramp %d, threads %d), generator cpu %.1f%%, "
	       "server cpu %.1f%%\n",
	       r->connect_s, conn_rate, cfg.ramp, cfg.threads, r->conn_gen_cpu_pct,
	       r->conn_srv_cpu_pct);
	printf("  run: %.3f s, %llu %s, %.0f %s/s\n", r->run_s, (unsigned long long)r->count,
	       r->rate_name, r->rate, r->rate_name);
	if (lat.n)
		printf("  round trip us: p50 %u p99 %u p999 %u max %u\n", r->p50, r->p99, r->p999,
		       r->pmax);
	printf("  generator cpu %.1f%%, server cpu %.1f%% (%.0f%% of it in the kernel)\n",
	       r->gen_cpu_pct, r->srv_cpu_pct, r->srv_sys_share);
	if (cfg.server_pid)
		printf("  server rss before %ld kB, after %ld kB (%ld B/conn), peak %ld kB, hwm "
		       "%ld kB\n",
		       r->before.rss_kb, r->after.rss_kb, per_conn, r->peak_rss_kb, r->end.hwm_kb);
	if (first_error[0])
		printf("  first error: %s\n", first_error);
}

/* ---- Main loop ---------------------------------------------------------------------------- */

static volatile sig_atomic_t interrupted;
static void on_sig(int s)
{
	(void)s;
	interrupted = 1;
}

static void raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static bool all_set(bool conn)
{
	for (int i = 0; i < nworkers; i++)
		if (!atomic_load_explicit(conn ? &workers[i].conn_done : &workers[i].done,
		                          memory_order_acquire))
			return false;
	return true;
}

static uint32_t n_connected_now(void)
{
	uint32_t n = 0;
	for (int i = 0; i < nworkers; i++)
		n += atomic_load_explicit(&workers[i].pub_connected, memory_order_relaxed);
	return n;
}

static void wake_all(void)
{
	for (int i = 0; i < nworkers - 1; i++)
		worker_wake(&workers[i]);
}

/* After the threads ended: totals, first/last times, histograms, errors. */
static void merge(uint64_t *deliveries, uint64_t *last_delivery, uint64_t *acks, uint64_t *last_ack)
{
	*deliveries = *last_delivery = *acks = *last_ack = 0;
	n_connected = n_failed = n_dropped = 0;
	for (int i = 0; i < nworkers; i++) {
		worker *w = &workers[i];
		n_connected += w->n_connected;
		n_failed += w->n_failed;
		n_dropped += w->n_dropped;
		if (w->t_first_start && (!t_first_start || w->t_first_start < t_first_start))
			t_first_start = w->t_first_start;
		if (w->t_last_connected > t_last_connected)
			t_last_connected = w->t_last_connected;
		*deliveries += w->loop.counted;
		if (w->loop.last_counted > *last_delivery)
			*last_delivery = w->loop.last_counted;
		*acks += w->acks;
		if (w->last_ack > *last_ack)
			*last_ack = w->last_ack;
		if (lat.b)
			hist_merge(&lat, &w->lat);
		if (!first_error[0] && w->first_error[0])
			memcpy(first_error, w->first_error, sizeof(first_error));
	}
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
	bool fanout = strcmp(cfg.scenario, "fanout") == 0;
	bool echo = strcmp(cfg.scenario, "echo") == 0;
	bool idle = strcmp(cfg.scenario, "idle") == 0;
	bool handshake = strcmp(cfg.scenario, "handshake") == 0;
	nclients = (uint32_t)cfg.n + (fanout ? 1 : 0);
	clients = calloc(nclients, sizeof(*clients));
	if (echo) {
		payload_echo = malloc((size_t)cfg.size + 16);
		if (payload_echo) {
			int h = sprintf(payload_echo, "42[\"echo\",\"");
			memset(payload_echo + h, 'x', (size_t)cfg.size);
			strcpy(payload_echo + h + cfg.size, "\"]");
		}
	}
	if (!clients || (echo && !payload_echo)) {
		fprintf(stderr, "sio-bench: out of memory\n");
		return 1;
	}
	for (uint32_t i = 0; i < nclients; i++) {
		client *cl = &clients[i];
		client_init(cl, i);
		cl->transport = handshake ? T_POLLING : (uint8_t)cfg.transport;
		cl->upgrade = handshake;
		cl->sender = fanout && i == nclients - 1;
		client_set_server(cl, i);
	}
	if (workers_init(echo) < 0 || (echo && hist_init(&lat) < 0)) {
		perror("sio-bench: epoll");
		return 1;
	}

	result r = { 0 };
	read_proc(cfg.server_pid, &r.before);
	uint64_t t_begin = now_us();
	uint64_t deadline = t_begin + (uint64_t)(cfg.timeout_s * 1e6);
	uint64_t t_run = 0, t_settle = 0, t_sample = 0;
	double cpu0 = 0, srv_cpu0 = 0, srv_sys0 = 0;
	bool connect_done = false, run_done = false;
	r.peak_rss_kb = r.before.rss_kb;
	double conn_cpu0 = self_cpu_s(), conn_srv_cpu0 = r.before.cpu_s;
	double conn_srv_sys0 = r.before.sys_s;

	worker *self = &workers[nworkers - 1];
	worker_enter(self);
	int started = 0;
	for (; started < nworkers - 1; started++)
		if (pthread_create(&workers[started].thread, NULL, worker_main,
		                   &workers[started])) {
			perror("sio-bench: pthread_create");
			break;
		}
	if (started < nworkers - 1)
		interrupted = 1;

	while (!run_done && !interrupted) {
		worker_turn(self, connect_done ? 2 : 5);
		uint64_t t = now_us();
		if (t >= deadline)
			break;
		if (!connect_done && all_set(true)) {
			connect_done = true;
			double wall = (double)(t - t_begin) / 1e6;
			proc_stat ps;
			read_proc(cfg.server_pid, &ps);
			if (wall > 0) {
				r.conn_gen_cpu_pct = (self_cpu_s() - conn_cpu0) / wall * 100;
				r.conn_srv_cpu_pct =
				        ps.cpu_s >= 0 && conn_srv_cpu0 >= 0
				                ? (ps.cpu_s - conn_srv_cpu0) / wall * 100
				                : -1;
			}
			if (ps.cpu_s > conn_srv_cpu0 && conn_srv_cpu0 >= 0) {
				r.conn_srv_sys_share = (ps.sys_s - conn_srv_sys0) /
				                       (ps.cpu_s - conn_srv_cpu0) * 100;
			}
			if (cfg.progress)
				fprintf(stderr, "sio-bench: connected %u\n", n_connected_now());
			/* the receivers are in; give the server a moment before measuring */
			t_settle = t + (cfg.settle_s >= 0 ? (uint64_t)(cfg.settle_s * 1e6)
			                : idle            ? 1000000
			                                  : 200000);
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
			srv_sys0 = ps.sys_s;
			if (idle)
				r.after = ps;
			client *sender = &clients[nclients - 1];
			if (fanout && sender->phase != P_CONNECTED)
				break;
			if (fanout || echo) {
				atomic_store_explicit(&g_run, true, memory_order_release);
				wake_all();
				worker_run_start(self);
				if (fanout)
					fanout_send(sender);
			}
		}
		if (handshake)
			run_done = true;
		else if (idle)
			run_done = t >= t_run + (uint64_t)(cfg.hold_s * 1e6);
		else
			run_done = all_set(false);
	}

	uint64_t t_end = now_us();
	double gen_cpu_end = self_cpu_s();
	proc_stat srv_end;
	read_proc(cfg.server_pid, &srv_end);
	if (cfg.progress)
		fprintf(stderr, "sio-bench: run done\n");
	while (run_done && !interrupted && now_us() < t_end + (uint64_t)(cfg.linger_s * 1e6))
		worker_turn(self, 5);
	atomic_store_explicit(&g_stop, true, memory_order_release);
	wake_all();
	for (int i = 0; i < started; i++)
		pthread_join(workers[i].thread, NULL);
	uint64_t deliveries, last_delivery, acks, last_ack;
	merge(&deliveries, &last_delivery, &acks, &last_ack);

	if (t_run) {
		double wall = (double)(t_end - t_run) / 1e6;
		if (wall > 0) {
			r.gen_cpu_pct = (gen_cpu_end - cpu0) / wall * 100;
			r.srv_cpu_pct =
			        srv_cpu0 >= 0 ? (srv_end.cpu_s - srv_cpu0) / wall * 100 : -1;
		}
		if (srv_cpu0 >= 0 && srv_end.cpu_s > srv_cpu0)
			r.srv_sys_share =
			        (srv_end.sys_s - srv_sys0) / (srv_end.cpu_s - srv_cpu0) * 100;
	}
	r.end = srv_end;
	if (r.end.rss_kb > r.peak_rss_kb)
		r.peak_rss_kb = r.end.rss_kb;
	if (!idle)
		r.after = r.end;
	r.connect_s = t_last_connected > t_first_start
	                      ? (double)(t_last_connected - t_first_start) / 1e6
	                      : 0;
	r.complete = run_done && n_failed == 0 && n_dropped == 0;
	if (handshake || idle) {
		r.gen_cpu_pct = r.conn_gen_cpu_pct; /* the ramp-up is what they measure */
		r.srv_cpu_pct = r.conn_srv_cpu_pct;
		r.srv_sys_share = r.conn_srv_sys_share;
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
		r.count = deliveries;
		uint64_t last = run_done ? last_delivery : t_end;
		r.run_s = t_run && last > t_run ? (double)(last - t_run) / 1e6 : 0;
		r.rate = r.run_s > 0 ? (double)deliveries / r.run_s : 0;
	} else {
		r.rate_name = "acks";
		r.count = acks;
		/* the last ack, not when the coordinator noticed it */
		uint64_t last = run_done && last_ack ? last_ack : t_end;
		r.run_s = t_run && last > t_run ? (double)(last - t_run) / 1e6 : 0;
		r.rate = r.run_s > 0 ? (double)acks / r.run_s : 0;
		r.p50 = hist_pct(&lat, 0.50);
		r.p99 = hist_pct(&lat, 0.99);
		r.p999 = hist_pct(&lat, 0.999);
		r.pmax = lat.max;
	}
	if (!run_done && !first_error[0])
		snprintf(first_error, sizeof(first_error), "%s",
		         interrupted ? "interrupted" : "timeout");
	report(&r);
	for (uint32_t i = self->lo; i < self->hi; i++)
		client_close(&clients[i]);
	for (int i = 0; i < nworkers; i++)
		hist_free(&workers[i].lat);
	hist_free(&lat);
	free(clients);
	free(payload_echo);
	return r.complete ? 0 : 1;
}
