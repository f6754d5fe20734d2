/* test_eio_session.c - Check unit tests for engineio/eio_session.c (and the
 * server/listener bookkeeping around it), without HTTP.
 *
 * Sessions are created directly with eio_session_create() on a real listener
 * (127.0.0.1, port 0) with short timers, driven with eio_session_on_packet()
 * as the transports would, and observed through the callbacks and the send
 * queue. What is checked is what clients and applications rely on: the open
 * packet (exactly the five v4 keys, the configured values, a fresh 20-char
 * URL-safe sid), the server-driven heartbeat and its timing (a late ping makes
 * clients drop the connection, a missing pong must end the session), the close
 * reasons node reports for each cause, message delivery, the send-queue bound,
 * a server-side close that flushes first, one shared eio_msg per broadcast,
 * and a shutdown that leaves the loop with no handles.
 *
 * Waiting is never a sleep: the loop runs until a condition holds, under a
 * watchdog timer that fails the test. Run it under valgrind with CK_FORK=no.
 */
#include <check.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engineio/eio_internal.h"
#include "../engineio/eio_packet.h"

#define S(lit) lit, sizeof(lit) - 1
#define PING_INTERVAL 50
#define PING_TIMEOUT 40
#define MAX_PAYLOAD 12345
#define WATCHDOG_MS 3000
/* A ping later than this after it was due is one the client (which allows
 * pingInterval + pingTimeout) may already have given up on. */
#define LATE_MS PING_TIMEOUT

static uv_loop_t loop;
static eio_listener *L;
static eio_server *srv;

/* ---- event log ----------------------------------------------------------------- */

#define MAX_EVENTS 2048

static struct {
	int closes;
	struct {
		eio_session *s;
		char sid[24];
		char reason[32];
		uint64_t at_ns;
		bool in_map;          /* still findable by sid during on_close */
	} close[MAX_EVENTS];
	int messages;
	struct {
		eio_session *s;
		char data[64];
		size_t len;
		bool binary;
	} msg[16];
	void *user_seen;
} ev;

static void on_close(eio_session *s, const char *reason, void *user)
{
	ck_assert_int_lt(ev.closes, MAX_EVENTS);
	ev.user_seen = user;
	typeof(ev.close[0]) *c = &ev.close[ev.closes++];
	c->s = s;
	snprintf(c->sid, sizeof(c->sid), "%s", eio_session_id(s));
	snprintf(c->reason, sizeof(c->reason), "%s", reason);
	c->at_ns = uv_hrtime();
	c->in_map = eio_server_session(eio_session_server(s), c->sid) != NULL;
}

static void on_message(eio_session *s, const char *data, size_t len, bool binary,
                       void *user)
{
	ck_assert_int_lt(ev.messages, 16);
	ck_assert_uint_le(len, sizeof(ev.msg[0].data));
	ev.user_seen = user;
	ev.msg[ev.messages].s = s;
	memcpy(ev.msg[ev.messages].data, data, len);
	ev.msg[ev.messages].len = len;
	ev.msg[ev.messages].binary = binary;
	ev.messages++;
}

static const eio_callbacks callbacks = { NULL, on_message, on_close };
static int user_token;

/* ---- loop helpers --------------------------------------------------------------- */

static bool watchdog_fired;
static void on_watchdog(uv_timer_t *t)
{
	(void)t;
	watchdog_fired = true;
}

/* Run the loop until pred(arg) holds or ms milliseconds have passed; returns
 * whether pred holds. A prepare handle tests pred right after each timer
 * phase, records when it first held (met_ns) and stops the loop there, so
 * neither the test nor the measurement waits for the next poll timeout. */
static bool (*wait_pred)(void *);
static void *wait_arg;
static uint64_t met_ns;

static void on_wait_prepare(uv_prepare_t *p)
{
	if (!met_ns && wait_pred(wait_arg)) {
		met_ns = uv_hrtime();
		uv_stop(p->loop);
	}
}

static bool run_loop_until(bool (*pred)(void *), void *arg, unsigned ms)
{
	uv_timer_t wd;
	uv_prepare_t prep;
	uv_timer_init(&loop, &wd);
	uv_prepare_init(&loop, &prep);
	watchdog_fired = false;
	wait_pred = pred;
	wait_arg = arg;
	met_ns = pred(arg) ? uv_hrtime() : 0;
	uv_timer_start(&wd, on_watchdog, ms, 0);
	uv_prepare_start(&prep, on_wait_prepare);
	while (!pred(arg) && !watchdog_fired)
		uv_run(&loop, UV_RUN_ONCE);
	if (!met_ns && pred(arg))
		met_ns = uv_hrtime();  /* became true in an I/O or check callback */
	uv_close((uv_handle_t *)&wd, NULL);
	uv_close((uv_handle_t *)&prep, NULL);
	uv_run(&loop, UV_RUN_NOWAIT);  /* let the closes complete */
	return pred(arg);
}

/* The same, failing the test on timeout. */
static void run_until_(bool (*pred)(void *), void *arg, unsigned ms, const char *what)
{
	ck_assert_msg(run_loop_until(pred, arg, ms), "timed out after %u ms waiting for %s",
	              ms, what);
}
#define run_until(pred, arg, ms) run_until_(pred, arg, ms, #pred)

static bool closes_at_least(void *n) { return ev.closes >= *(int *)n; }

static void wait_closes(int n)
{
	run_until(closes_at_least, &n, WATCHDOG_MS);
}

/* ---- fixture -------------------------------------------------------------------- */

static void options(eio_options *o)
{
	eio_options_init(o);
	o->ping_interval_ms = PING_INTERVAL;
	o->ping_timeout_ms = PING_TIMEOUT;
	o->max_payload = MAX_PAYLOAD;
}

static void setup(void)
{
	memset(&ev, 0, sizeof(ev));
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	int err = 1;
	L = eio_listener_new(&loop, "127.0.0.1", 0, &err);
	ck_assert_msg(L != NULL, "eio_listener_new failed: %d", err);
	ck_assert_int_gt(eio_listener_port(L), 0);
	eio_options o;
	options(&o);
	srv = eio_server_new(L, &o, &callbacks, &user_token, &err);
	ck_assert_msg(srv != NULL, "eio_server_new failed: %d", err);
	ck_assert_int_eq(err, 0);
}

static void print_handle(uv_handle_t *h, void *arg)
{
	(void)arg;
	fprintf(stderr, "  open handle: %s%s\n", uv_handle_type_name(h->type),
	        uv_is_closing(h) ? " (closing)" : "");
}

/* Shut down as the API says: eio_listener_close() (sessions get on_close),
 * then the loop must end by itself - uv_run() returns 0, no handle left
 * behind - then eio_listener_free(), and the loop closes cleanly. */
static void shutdown_listener(void)
{
	if (!L)
		return;
	eio_listener_close(L);
	/* An unreferenced watchdog: it does not keep the loop alive, but stops
	 * it if something else does. */
	uv_timer_t wd;
	uv_timer_init(&loop, &wd);
	uv_unref((uv_handle_t *)&wd);
	watchdog_fired = false;
	uv_timer_start(&wd, on_watchdog, WATCHDOG_MS, 0);
	int alive = 0;
	while (!watchdog_fired && (alive = uv_run(&loop, UV_RUN_ONCE)) != 0)
		;
	if (alive)
		uv_walk(&loop, print_handle, NULL);
	uv_close((uv_handle_t *)&wd, NULL);
	uv_run(&loop, UV_RUN_NOWAIT);
	ck_assert_msg(alive == 0, "loop still alive %d ms after eio_listener_close",
	              WATCHDOG_MS);
	eio_listener_free(L);
	L = NULL;
	srv = NULL;
	int rc = uv_loop_close(&loop);
	if (rc != 0)
		uv_walk(&loop, print_handle, NULL);
	ck_assert_msg(rc == 0, "uv_loop_close: %s", uv_strerror(rc));
}

static void teardown(void)
{
	shutdown_listener();
}

static eio_session *new_session(eio_server *sv, int transport)
{
	eio_session *s = eio_session_create(sv, NULL, transport);
	ck_assert_ptr_nonnull(s);
	return s;
}

/* The queued message i as text, NUL-terminated (messages always are). */
static const char *queued(eio_session *s, uint32_t i)
{
	ck_assert_uint_lt(i, s->q.len);
	return eio_queue_at(&s->q, i)->bytes;
}

/* What a polling GET does with the queue: take everything. */
static void drain(eio_session *s)
{
	eio_msg *m;
	while ((m = eio_queue_pop(&s->q)))
		eio_msg_unref(m);
	ck_assert_uint_eq(s->q.bytes, 0);
}

/* ---- a small reader for the flat JSON object of the open packet --------------- */

typedef struct kv {
	char key[32];
	char val[128];  /* raw JSON text of the value */
} kv;

/* Parse {"k":v,...} where v is a string, a number or an array of strings.
 * Returns the number of pairs, or -1 if the text is not of that form. */
static int parse_flat_object(const char *p, kv *out, int max)
{
	int n = 0;
	if (*p++ != '{')
		return -1;
	if (*p == '}')
		return p[1] ? -1 : 0;
	for (;;) {
		if (n == max || *p++ != '"')
			return -1;
		const char *k = p;
		while (*p && *p != '"' && *p != '\\')
			p++;
		if (*p != '"' || (size_t)(p - k) >= sizeof(out[n].key))
			return -1;
		memcpy(out[n].key, k, (size_t)(p - k));
		out[n].key[p - k] = '\0';
		if (*++p != ':')
			return -1;
		const char *v = ++p;
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++)
				if (*p == '\\')
					return -1;
			if (*p++ != '"')
				return -1;
		} else if (*p == '[') {
			while (*p && *p != ']')
				p++;
			if (*p++ != ']')
				return -1;
		} else if (*p >= '0' && *p <= '9') {
			while (*p >= '0' && *p <= '9')
				p++;
		} else {
			return -1;
		}
		if ((size_t)(p - v) >= sizeof(out[n].val))
			return -1;
		memcpy(out[n].val, v, (size_t)(p - v));
		out[n].val[p - v] = '\0';
		n++;
		if (*p == '}')
			return p[1] ? -1 : n;
		if (*p++ != ',')
			return -1;
	}
}

static const char *lookup(const kv *kvs, int n, const char *key)
{
	const char *found = NULL;
	for (int i = 0; i < n; i++) {
		if (strcmp(kvs[i].key, key) == 0) {
			ck_assert_msg(!found, "key %s appears twice", key);
			found = kvs[i].val;
		}
	}
	ck_assert_msg(found != NULL, "key %s missing", key);
	return found;
}

static bool sid_ok(const char *sid)
{
	if (strlen(sid) != 20)
		return false;
	for (const char *c = sid; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
			return false;
	return true;
}

/* Check the open packet of s against the expected upgrades value. */
static void check_open_packet(eio_session *s, const char *upgrades, unsigned interval,
                              unsigned timeout, size_t max_payload)
{
	ck_assert_uint_ge(s->q.len, 1);
	eio_msg *m = eio_queue_at(&s->q, 0);
	ck_assert(!m->binary);
	ck_assert_int_eq(m->bytes[0], EIO_PKT_OPEN);
	kv kvs[8];
	int n = parse_flat_object(m->bytes + 1, kvs, 8);
	ck_assert_msg(n == 5, "open packet %s: %d keys, want exactly 5", m->bytes, n);
	char want[32];
	const char *sid = lookup(kvs, n, "sid");
	ck_assert_uint_eq(strlen(sid), 22);
	ck_assert_mem_eq(sid + 1, eio_session_id(s), 20);
	ck_assert_str_eq(lookup(kvs, n, "upgrades"), upgrades);
	snprintf(want, sizeof(want), "%u", interval);
	ck_assert_str_eq(lookup(kvs, n, "pingInterval"), want);
	snprintf(want, sizeof(want), "%u", timeout);
	ck_assert_str_eq(lookup(kvs, n, "pingTimeout"), want);
	snprintf(want, sizeof(want), "%zu", max_payload);
	ck_assert_str_eq(lookup(kvs, n, "maxPayload"), want);
}

/* ---- handshake ------------------------------------------------------------------ */

START_TEST(test_open_packet_polling)
{
	eio_session *s = new_session(srv, EIO_TRANSPORT_POLLING);
	ck_assert_uint_eq(s->q.len, 1);  /* the open packet and nothing else */
	check_open_packet(s, "[\"websocket\"]", PING_INTERVAL, PING_TIMEOUT, MAX_PAYLOAD);
	ck_assert_uint_eq(eio_session_queued_bytes(s), eio_queue_at(&s->q, 0)->len);
	ck_assert_str_eq(eio_session_transport(s), "polling");
	ck_assert_ptr_eq(eio_session_server(s), srv);
	ck_assert_ptr_eq(eio_server_user(srv), &user_token);
	ck_assert_uint_eq(eio_server_session_count(srv), 1);
	ck_assert_int_eq(ev.closes, 0);
}
END_TEST

START_TEST(test_open_packet_websocket)
{
	/* A session that starts on WebSocket has nothing to upgrade to. */
	eio_session *s = new_session(srv, EIO_TRANSPORT_WEBSOCKET);
	ck_assert_uint_eq(s->q.len, 1);
	check_open_packet(s, "[]", PING_INTERVAL, PING_TIMEOUT, MAX_PAYLOAD);
	ck_assert_str_eq(eio_session_transport(s), "websocket");
}
END_TEST

START_TEST(test_open_packet_no_upgrades)
{
	/* Upgrades disabled, or WebSocket not offered: polling advertises []. */
	eio_options o;
	int err;
	options(&o);
	o.path = "/noupg";
	o.allow_upgrades = false;
	o.ping_interval_ms = 1000;
	o.ping_timeout_ms = 2000;
	eio_server *a = eio_server_new(L, &o, &callbacks, NULL, &err);
	ck_assert_ptr_nonnull(a);
	options(&o);
	o.path = "/pollonly/";
	o.transports = EIO_TRANSPORT_POLLING;
	o.max_payload = 1;
	eio_server *b = eio_server_new(L, &o, &callbacks, NULL, &err);
	ck_assert_ptr_nonnull(b);
	check_open_packet(new_session(a, EIO_TRANSPORT_POLLING), "[]", 1000, 2000, MAX_PAYLOAD);
	check_open_packet(new_session(b, EIO_TRANSPORT_POLLING), "[]", PING_INTERVAL,
	                  PING_TIMEOUT, 1);
}
END_TEST

START_TEST(test_sid_format_and_unique)
{
	enum { N = 1000 };
	static char sids[N][24];
	for (int i = 0; i < N; i++) {
		eio_session *s = new_session(srv, EIO_TRANSPORT_POLLING);
		const char *sid = eio_session_id(s);
		ck_assert_msg(sid_ok(sid), "bad sid \"%s\"", sid);
		ck_assert_ptr_eq(eio_server_session(srv, sid), s);
		snprintf(sids[i], sizeof(sids[i]), "%s", sid);
	}
	ck_assert_uint_eq(eio_server_session_count(srv), N);
	qsort(sids, N, sizeof(sids[0]), (int (*)(const void *, const void *))strcmp);
	for (int i = 1; i < N; i++)
		ck_assert_msg(strcmp(sids[i - 1], sids[i]) != 0, "duplicate sid %s", sids[i]);
	ck_assert_ptr_null(eio_server_session(srv, "AAAAAAAAAAAAAAAAAAAA"));
	ck_assert_int_eq(ev.closes, 0);
}
END_TEST

/* ---- heartbeat ------------------------------------------------------------------ */

static bool last_is_ping(void *arg)
{
	eio_session *s = arg;
	return s->q.len > 0 && strcmp(eio_queue_at(&s->q, s->q.len - 1)->bytes, "2") == 0;
}

START_TEST(test_first_ping_on_time)
{
	uv_update_time(&loop);  /* as after a poll: the handshake's loop time */
	uint64_t t0 = uv_hrtime();
	eio_session *s = new_session(srv, EIO_TRANSPORT_POLLING);
	run_until(last_is_ping, s, WATCHDOG_MS);
	uint64_t ms = (met_ns - t0) / 1000000;
	/* 1 ms of slack: libuv's clock has millisecond granularity. */
	ck_assert_msg(ms >= PING_INTERVAL - 1, "ping after %llu ms, interval %d",
	              (unsigned long long)ms, PING_INTERVAL);
	ck_assert_msg(ms <= PING_INTERVAL + LATE_MS, "ping after %llu ms, interval %d",
	              (unsigned long long)ms, PING_INTERVAL);
	/* Queued behind the open packet, exactly one ping. */
	ck_assert_uint_eq(s->q.len, 2);
	ck_assert_int_eq(queued(s, 0)[0], EIO_PKT_OPEN);
	ck_assert_str_eq(queued(s, 1), "2");
	ck_assert_int_eq(ev.closes, 0);
}
END_TEST

/* A client that answers every ping PONG_DELAY ms after it appears: a
 * uv_prepare handle notices each new "2" in the queue (right after the timer
 * phase that queued it, before the loop polls), drains the queue like a GET would, and starts a timer that feeds "3". */
#define PONG_DELAY 20
#define CYCLES 4

static struct {
	eio_session *s;
	uv_prepare_t check;
	uv_timer_t pong_timer;
	int pings, pongs;
	uint64_t ping_ns[CYCLES + 1], pong_ns[CYCLES + 1];
} client;

static void on_pong_timer(uv_timer_t *t)
{
	(void)t;
	client.pong_ns[client.pongs++] = uv_hrtime();
	eio_session_on_packet(client.s, EIO_PKT_PONG, "", 0, false);
}

static void on_client_check(uv_prepare_t *c)
{
	if (ev.closes || client.pings > CYCLES || !last_is_ping(client.s))
		return;
	client.ping_ns[client.pings++] = uv_hrtime();
	drain(client.s);
	if (client.pings <= CYCLES)
		uv_timer_start(&client.pong_timer, on_pong_timer, PONG_DELAY, 0);
	else
		uv_stop(c->loop);  /* done: look before the unanswered ping expires */
}

static bool client_done(void *arg)
{
	(void)arg;
	return client.pings == CYCLES + 1 || ev.closes > 0;
}

START_TEST(test_pong_rearms)
{
	memset(&client, 0, sizeof(client));
	uv_update_time(&loop);
	uint64_t t0 = uv_hrtime();
	client.s = new_session(srv, EIO_TRANSPORT_POLLING);
	uv_prepare_init(&loop, &client.check);
	uv_prepare_start(&client.check, on_client_check);
	uv_timer_init(&loop, &client.pong_timer);

	run_until(client_done, NULL, WATCHDOG_MS);
	uv_close((uv_handle_t *)&client.check, NULL);
	uv_close((uv_handle_t *)&client.pong_timer, NULL);

	/* The session survived every cycle; each ping came pingInterval after
	 * the previous pong (not after the previous ping). */
	ck_assert_msg(ev.closes == 0, "session closed: %s", ev.close[0].reason);
	ck_assert_int_eq(client.pings, CYCLES + 1);
	ck_assert_int_eq(client.pongs, CYCLES);
	ck_assert_ptr_eq(eio_server_session(srv, eio_session_id(client.s)), client.s);
	for (int i = 0; i <= CYCLES; i++) {
		uint64_t from = i == 0 ? t0 : client.pong_ns[i - 1];
		uint64_t ms = (client.ping_ns[i] - from) / 1000000;
		ck_assert_msg(ms >= PING_INTERVAL - 1 && ms <= PING_INTERVAL + LATE_MS,
		              "ping %d came %llu ms after %s", i, (unsigned long long)ms,
		              i == 0 ? "the handshake" : "the pong");
	}
}
END_TEST

START_TEST(test_pong_without_ping_ignored)
{
	/* An unsolicited pong neither closes the session nor delays the ping. */
	uv_update_time(&loop);
	uint64_t t0 = uv_hrtime();
	eio_session *s = new_session(srv, EIO_TRANSPORT_POLLING);
	eio_session_on_packet(s, EIO_PKT_PONG, "", 0, false);
	ck_assert_int_eq(ev.closes, 0);
	run_until(last_is_ping, s, WATCHDOG_MS);
	uint64_t ms = (met_ns - t0) / 1000000;
	ck_assert_uint_le(ms, PING_INTERVAL + LATE_MS);
	ck_assert_int_eq(ev.closes, 0);
}
END_TEST

START_TEST(test_ping_timeout)
{
	uv_update_time(&loop);
	uint64_t t0 = uv_hrtime();
	eio_session *s = new_session(srv, EIO_TRANSPORT_POLLING);
	char sid[24];
	snprintf(sid, sizeof(sid), "%s", eio_session_id(s));
	wait_closes(1);
	ck_assert_ptr_eq(ev.close[0].s, s);
	ck_assert_str_eq(ev.close[0].sid, sid);
	ck_assert_str_eq(ev.close[0].reason, "ping timeout");
	ck_assert_ptr_eq(ev.user_seen, &user_token);
	uint64_t ms = (ev.close[0].at_ns - t0) / 1000000;
	ck_assert_msg(ms >= PING_INTERVAL + PING_TIMEOUT - 1,
	              "closed after %llu ms, before interval + timeout",
	              (unsigned long long)ms);
	ck_assert_msg(ms <= PING_INTERVAL + PING_TIMEOUT + 200, "closed after %llu ms",
	              (unsigned long long)ms);
	/* Gone from the server before on_close ran. */
	ck_assert(!ev.close[0].in_map);
	ck_assert_ptr_null(eio_server_session(srv, sid));
	ck_assert_uint_eq(eio_server_session_count(srv), 0);
}
END_TEST

/* ---- packets from the client ----------------------------------------------------- */

START_TEST(test_client_close)
{
	eio_session *s = new_session(srv, EIO_TRANSPORT_POLLING);
	eio_session *other = new_session(srv, EIO_TRANSPORT_POLLING);
	eio_session_on_packet(s, EIO_PKT_CLOSE, "", 0, false);
	/* Synchronous: the session is gone when on_packet returns. */
	ck_assert_int_eq(ev.closes, 1);
	ck_assert_ptr_eq(ev.close[0].s, s);
	ck_assert_str_eq(ev.close[0].reason, "transport close");
	ck_assert(!ev.close[0].in_map);
	ck_assert_uint_eq(eio_server_session_count(srv), 1);
	ck_assert_ptr_eq(eio_server_session(srv, eio_session_id(other)), other);
}
END_TEST

START_TEST(test_client_ping_is_error)
{
	/* v4 clients never ping; one that does is misbehaving. */
	eio_session *s = new_session(srv, EIO_TRANSPORT_POLLING);
	eio_session_on_packet(s, EIO_PKT_PING, "", 0, false);
	ck_assert_int_eq(ev.closes, 1);
	ck_assert_ptr_eq(ev.close[0].s, s);
	ck_assert_str_eq(ev.close[0].reason, "transport error");
	ck_assert_uint_eq(eio_server_session_count(srv), 0);
}
END_TEST

START_TEST(test_messages)
{
	eio_session *s = new_session(srv, EIO_TRANSPORT_POLLING);
	eio_session_on_packet(s, EIO_PKT_MESSAGE, S("hello"), false);
	eio_session_on_packet(s, EIO_PKT_MESSAGE, S("\x00\x01\xff"), true);
	eio_session_on_packet(s, EIO_PKT_MESSAGE, "", 0, false);
	eio_session_on_packet(s, EIO_PKT_MESSAGE, "", 0, true);
	/* noop, upgrade and open on the active transport are ignored. */
	eio_session_on_packet(s, EIO_PKT_NOOP, "", 0, false);
	eio_session_on_packet(s, EIO_PKT_UPGRADE, "", 0, false);
	ck_assert_int_eq(ev.closes, 0);
	ck_assert_int_eq(ev.messages, 4);
	ck_assert_ptr_eq(ev.user_seen, &user_token);
	for (int i = 0; i < 4; i++)
		ck_assert_ptr_eq(ev.msg[i].s, s);
	ck_assert(!ev.msg[0].binary);
	ck_assert_uint_eq(ev.msg[0].len, 5);
	ck_assert_mem_eq(ev.msg[0].data, "hello", 5);
	ck_assert(ev.msg[1].binary);
	ck_assert_uint_eq(ev.msg[1].len, 3);
	ck_assert_mem_eq(ev.msg[1].data, "\x00\x01\xff", 3);
	ck_assert(!ev.msg[2].binary);
	ck_assert_uint_eq(ev.msg[2].len, 0);
	ck_assert(ev.msg[3].binary);
	ck_assert_uint_eq(ev.msg[3].len, 0);
	/* Receiving does not queue anything (no echo, no ack). */
	ck_assert_uint_eq(s->q.len, 1);
}
END_TEST

START_TEST(test_messages_from_payload)
{
	/* The polling POST path: decode a payload and hand each packet over. */
	eio_session *s = new_session(srv, EIO_TRANSPORT_POLLING);
	static const char body[] = "4hi\x1e" "bAQID\x1e" "3\x1e" "4there";
	eio_payload_iter it;
	eio_packet p;
	int r;
	eio_payload_iter_init(&it, body, sizeof(body) - 1);
	while ((r = eio_payload_next(&it, &p)) == 1)
		eio_session_on_packet(s, p.type, p.data, p.len, p.binary);
	eio_payload_iter_free(&it);
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(ev.messages, 3);
	ck_assert_mem_eq(ev.msg[0].data, "hi", 2);
	ck_assert(ev.msg[1].binary);
	ck_assert_uint_eq(ev.msg[1].len, 3);
	ck_assert_mem_eq(ev.msg[1].data, "\x01\x02\x03", 3);
	ck_assert(!ev.msg[2].binary);
	ck_assert_uint_eq(ev.msg[2].len, 5);
	ck_assert_mem_eq(ev.msg[2].data, "there", 5);
	ck_assert_int_eq(ev.closes, 0);
}
END_TEST

/* ---- sending ---------------------------------------------------------------------- */

START_TEST(test_send_queues_in_order)
{
	eio_session *s = new_session(srv, EIO_TRANSPORT_POLLING);
	ck_assert_int_eq(eio_session_send_text(s, S("one")), 0);
	ck_assert_int_eq(eio_session_send_binary(s, S("\x00\x02")), 0);
	eio_msg *m = eio_msg_text(S("three"));
	ck_assert_int_eq(eio_session_send(s, m), 0);
	ck_assert_uint_eq(m->refs, 2);  /* send took its own reference */
	eio_msg_unref(m);
	ck_assert_uint_eq(s->q.len, 4);
	ck_assert_str_eq(queued(s, 1), "4one");
	eio_msg *b = eio_queue_at(&s->q, 2);
	ck_assert(b->binary);
	ck_assert_uint_eq(b->len, 2);
	ck_assert_mem_eq(b->bytes, "\x00\x02", 2);
	ck_assert_str_eq(queued(s, 3), "4three");
	size_t total = 0;
	for (uint32_t i = 0; i < s->q.len; i++)
		total += eio_queue_at(&s->q, i)->len;
	ck_assert_uint_eq(eio_session_queued_bytes(s), total);
	drain(s);
	ck_assert_uint_eq(eio_session_queued_bytes(s), 0);
	/* The ring wraps and grows without reordering. */
	char buf[16];
	for (int i = 0; i < 100; i++) {
		int n = snprintf(buf, sizeof(buf), "m%d", i);
		ck_assert_int_eq(eio_session_send_text(s, buf, (size_t)n), 0);
		if (i % 3 == 2) {
			eio_msg *x = eio_queue_pop(&s->q);
			eio_msg_unref(x);
		}
	}
	for (uint32_t i = 0; i < s->q.len; i++) {
		snprintf(buf, sizeof(buf), "4m%u", i + 33);
		ck_assert_str_eq(queued(s, i), buf);
	}
}
END_TEST

START_TEST(test_send_queue_full)
{
	eio_options o;
	int err;
	options(&o);
	o.path = "/small/";
	o.max_queued_bytes = 256;
	eio_server *small = eio_server_new(L, &o, &callbacks, &user_token, &err);
	ck_assert_ptr_nonnull(small);
	eio_session *s = new_session(small, EIO_TRANSPORT_POLLING);
	eio_session *bystander = new_session(small, EIO_TRANSPORT_POLLING);
	drain(s);
	char blob[100];
	memset(blob, 'x', sizeof(blob));
	/* 2 x 101 bytes fit in 256; the third would not. */
	ck_assert_int_eq(eio_session_send_text(s, blob, sizeof(blob)), 0);
	ck_assert_int_eq(eio_session_send_text(s, blob, sizeof(blob)), 0);
	ck_assert_int_eq(eio_session_send_text(s, blob, sizeof(blob)), EIO_EFULL);
	ck_assert_uint_eq(s->q.len, 2);  /* the refused message is not queued */
	/* The close is deferred to the next loop turn: the caller may be in the
	 * middle of a broadcast over the server's sessions. */
	ck_assert_int_eq(ev.closes, 0);
	ck_assert_ptr_eq(eio_server_session(small, eio_session_id(s)), s);
	/* Meanwhile the session takes nothing more, even what would fit. */
	ck_assert_int_eq(eio_session_send_text(s, "y", 1), EIO_ECLOSED);
	wait_closes(1);
	ck_assert_int_eq(ev.closes, 1);
	ck_assert_ptr_eq(ev.close[0].s, s);
	ck_assert_str_eq(ev.close[0].reason, "send queue full");
	ck_assert_uint_eq(eio_server_session_count(small), 1);
	ck_assert_ptr_eq(eio_server_session(small, eio_session_id(bystander)), bystander);
}
END_TEST

START_TEST(test_server_close_flushes_first)
{
	eio_session *s = new_session(srv, EIO_TRANSPORT_POLLING);
	ck_assert_int_eq(eio_session_send_text(s, S("a")), 0);
	ck_assert_int_eq(eio_session_send_binary(s, S("b")), 0);
	eio_session_close(s);
	/* The close packet is queued behind the pending messages. */
	ck_assert_uint_eq(s->q.len, 4);
	ck_assert_int_eq(queued(s, 0)[0], EIO_PKT_OPEN);
	ck_assert_str_eq(queued(s, 1), "4a");
	ck_assert(eio_queue_at(&s->q, 2)->binary);
	ck_assert_str_eq(queued(s, 3), "1");
	ck_assert_int_eq(ev.closes, 0);  /* not before the client had it */
	/* Nothing can be sent after close; a second close adds nothing. */
	ck_assert_int_eq(eio_session_send_text(s, S("late")), EIO_ECLOSED);
	ck_assert_int_eq(eio_session_send_binary(s, S("late")), EIO_ECLOSED);
	eio_msg *m = eio_msg_text(S("late"));
	ck_assert_int_eq(eio_session_send(s, m), EIO_ECLOSED);
	ck_assert_uint_eq(m->refs, 1);  /* no reference kept */
	eio_msg_unref(m);
	eio_session_close(s);
	ck_assert_uint_eq(s->q.len, 4);
	ck_assert(!eio_session_writable(s));
	/* Messages from the client after the server closed are dropped. */
	eio_session_on_packet(s, EIO_PKT_MESSAGE, S("ignored"), false);
	ck_assert_int_eq(ev.messages, 0);
	/* No GET comes to carry it: the session ends by itself ("forced close"),
	 * without ever being pinged. */
	wait_closes(1);
	ck_assert_str_eq(ev.close[0].reason, "forced close");
	ck_assert_ptr_eq(ev.close[0].s, s);
	ck_assert_uint_eq(eio_server_session_count(srv), 0);
}
END_TEST

START_TEST(test_shared_broadcast_msg)
{
	enum { N = 100 };
	eio_session *ss[N];
	for (int i = 0; i < N; i++)
		ss[i] = new_session(srv, EIO_TRANSPORT_POLLING);
	eio_msg *m = eio_msg_text(S("to everyone"));
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(eio_session_send(ss[i], m), 0);
	/* One message, N references: the bytes are not copied per session. */
	ck_assert_uint_eq(m->refs, N + 1);
	for (int i = 0; i < N; i++) {
		ck_assert_uint_eq(ss[i]->q.len, 2);
		ck_assert_ptr_eq(eio_queue_at(&ss[i]->q, 1), m);
	}
	/* Half the sessions drain their queue (a GET carried it)... */
	for (int i = 0; i < N / 2; i++)
		drain(ss[i]);
	ck_assert_uint_eq(m->refs, N / 2 + 1);
	/* ...the rest are destroyed with it still queued. */
	eio_server_close_all(srv);
	ck_assert_int_eq(ev.closes, N);
	ck_assert_uint_eq(m->refs, 1);
	size_t len;
	ck_assert_mem_eq(eio_msg_data(m, &len), "to everyone", 11);
	eio_msg_unref(m);
}
END_TEST

START_TEST(test_close_all)
{
	enum { N = 50 };
	static char sids[N][24];
	for (int i = 0; i < N; i++)
		snprintf(sids[i], sizeof(sids[i]), "%s",
		         eio_session_id(new_session(srv, i % 2 ? EIO_TRANSPORT_WEBSOCKET
		                                               : EIO_TRANSPORT_POLLING)));
	/* A session already closing is shut down too. */
	eio_session_close(eio_server_session(srv, sids[0]));
	eio_server_close_all(srv);
	ck_assert_int_eq(ev.closes, N);
	ck_assert_uint_eq(eio_server_session_count(srv), 0);
	/* Each session exactly once, each with the shutdown reason. */
	for (int i = 0; i < N; i++) {
		int seen = 0;
		for (int j = 0; j < ev.closes; j++)
			if (strcmp(ev.close[j].sid, sids[i]) == 0) {
				seen++;
				ck_assert_str_eq(ev.close[j].reason, "server shutting down");
			}
		ck_assert_int_eq(seen, 1);
	}
	/* Nothing fires later for the destroyed sessions (no ping timeout). */
	int more = N + 1;
	ck_assert(!run_loop_until(closes_at_least, &more, 2 * (PING_INTERVAL + PING_TIMEOUT)));
	ck_assert_int_eq(ev.closes, N);
}
END_TEST

/* ---- shutdown ---------------------------------------------------------------------- */

START_TEST(test_listener_close_closes_sessions)
{
	/* Sessions in every state at shutdown: fresh, pinged, closing, and one
	 * whose destroy is pending ("send queue full"). */
	eio_options o;
	int err;
	options(&o);
	o.path = "/second/";
	o.max_queued_bytes = 150;
	eio_server *second = eio_server_new(L, &o, &callbacks, &user_token, &err);
	ck_assert_ptr_nonnull(second);
	eio_session *a = new_session(srv, EIO_TRANSPORT_POLLING);
	run_until(last_is_ping, a, WATCHDOG_MS);
	eio_session *b = new_session(srv, EIO_TRANSPORT_POLLING);
	eio_session_close(b);
	eio_session *c = new_session(second, EIO_TRANSPORT_WEBSOCKET);
	char blob[200] = { 0 };
	ck_assert_int_eq(eio_session_send_text(c, blob, sizeof(blob)), EIO_EFULL);
	new_session(second, EIO_TRANSPORT_POLLING);
	ck_assert_int_eq(ev.closes, 0);

	eio_listener_close(L);
	/* Synchronously, before the loop runs again. */
	ck_assert_int_eq(ev.closes, 4);
	ck_assert_uint_eq(eio_server_session_count(srv), 0);
	ck_assert_uint_eq(eio_server_session_count(second), 0);
	shutdown_listener();  /* asserts the loop ends and closes cleanly */
	ck_assert_int_eq(ev.closes, 4);  /* no second on_close, no late timer */
	for (int i = 0; i < 4; i++)
		ck_assert_str_eq(ev.close[i].reason, "server shutting down");
}
END_TEST

START_TEST(test_listener_close_idle)
{
	/* A listener with a server and no sessions also shuts down cleanly. */
	shutdown_listener();
	ck_assert_int_eq(ev.closes, 0);
}
END_TEST

START_TEST(test_free_without_close)
{
	/* eio_listener_free() alone, after uv_run() returned, must close first
	 * and still tear lws down cleanly (it once crashed here). */
	uv_loop_t loop;
	int err;
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	eio_listener *l = eio_listener_new(&loop, "127.0.0.1", 0, &err);
	ck_assert_ptr_nonnull(l);
	uv_run(&loop, UV_RUN_NOWAIT);
	eio_listener_free(l);
	ck_assert_int_eq(uv_run(&loop, UV_RUN_DEFAULT), 0);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}
END_TEST

static Suite *session_suite(void)
{
	Suite *s = suite_create("eio_session");
	TCase *h = tcase_create("handshake");
	tcase_add_checked_fixture(h, setup, teardown);
	tcase_set_timeout(h, 30);
	tcase_add_test(h, test_open_packet_polling);
	tcase_add_test(h, test_open_packet_websocket);
	tcase_add_test(h, test_open_packet_no_upgrades);
	tcase_add_test(h, test_sid_format_and_unique);
	suite_add_tcase(s, h);

	TCase *hb = tcase_create("heartbeat");
	tcase_add_checked_fixture(hb, setup, teardown);
	tcase_set_timeout(hb, 30);
	tcase_add_test(hb, test_first_ping_on_time);
	tcase_add_test(hb, test_pong_rearms);
	tcase_add_test(hb, test_pong_without_ping_ignored);
	tcase_add_test(hb, test_ping_timeout);
	suite_add_tcase(s, hb);

	TCase *rx = tcase_create("receive");
	tcase_add_checked_fixture(rx, setup, teardown);
	tcase_add_test(rx, test_client_close);
	tcase_add_test(rx, test_client_ping_is_error);
	tcase_add_test(rx, test_messages);
	tcase_add_test(rx, test_messages_from_payload);
	suite_add_tcase(s, rx);

	TCase *tx = tcase_create("send");
	tcase_add_checked_fixture(tx, setup, teardown);
	tcase_set_timeout(tx, 30);
	tcase_add_test(tx, test_send_queues_in_order);
	tcase_add_test(tx, test_send_queue_full);
	tcase_add_test(tx, test_server_close_flushes_first);
	tcase_add_test(tx, test_shared_broadcast_msg);
	tcase_add_test(tx, test_close_all);
	suite_add_tcase(s, tx);

	TCase *sd = tcase_create("shutdown");
	tcase_add_checked_fixture(sd, setup, teardown);
	tcase_set_timeout(sd, 30);
	tcase_add_test(sd, test_listener_close_closes_sessions);
	tcase_add_test(sd, test_listener_close_idle);
	tcase_add_test(sd, test_free_without_close);
	suite_add_tcase(s, sd);
	return s;
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	SRunner *sr = srunner_create(session_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
