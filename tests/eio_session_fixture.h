#ifndef EIO_SESSION_FIXTURE_H
#define EIO_SESSION_FIXTURE_H
/* eio_session_fixture.h - shared fixture of the Engine.IO session unit tests
 * (test_eio_session.c, test_eio_session_send.c), without HTTP.
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

#include "check_sid.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engineio/eio_internal.h"
#include "../engineio/eio_packet.h"
#include "loop_drain.h"

#define S(lit)        lit, sizeof(lit) - 1
#define PING_INTERVAL 50
#define PING_TIMEOUT  40
#define MAX_PAYLOAD   12345
#define WATCHDOG_MS   3000
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
		bool in_map; /* still findable by sid during on_close */
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

static __attribute__((unused)) void on_close(eio_session *s, const char *reason, void *user)
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

static __attribute__((unused)) void on_message(eio_session *s, const char *data, size_t len,
                                               bool binary, void *user)
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
static __attribute__((unused)) void on_watchdog(uv_timer_t *t)
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

static __attribute__((unused)) void on_wait_prepare(uv_prepare_t *p)
{
	if (!met_ns && wait_pred(wait_arg)) {
		met_ns = uv_hrtime();
		uv_stop(p->loop);
	}
}

static __attribute__((unused)) bool run_loop_until(bool (*pred)(void *), void *arg, unsigned ms)
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
		met_ns = uv_hrtime(); /* became true in an I/O or check callback */
	uv_close((uv_handle_t *)&wd, NULL);
	uv_close((uv_handle_t *)&prep, NULL);
	uv_run(&loop, UV_RUN_NOWAIT); /* let the closes complete */
	return pred(arg);
}

/* The same, failing the test on timeout. */
static __attribute__((unused)) void run_until_(bool (*pred)(void *), void *arg, unsigned ms,
                                               const char *what)
{
	ck_assert_msg(run_loop_until(pred, arg, ms), "timed out after %u ms waiting for %s", ms,
	              what);
}
#define run_until(pred, arg, ms) run_until_(pred, arg, ms, #pred)

static __attribute__((unused)) bool closes_at_least(void *n)
{
	return ev.closes >= *(int *)n;
}

static __attribute__((unused)) void wait_closes(int n)
{
	run_until(closes_at_least, &n, WATCHDOG_MS);
}

/* ---- fixture -------------------------------------------------------------------- */

static __attribute__((unused)) void options(eio_options *o)
{
	eio_options_init(o);
	o->ping_interval_ms = PING_INTERVAL;
	o->ping_timeout_ms = PING_TIMEOUT;
	o->max_payload = MAX_PAYLOAD;
}

static __attribute__((unused)) void setup(void)
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

static __attribute__((unused)) void print_handle(uv_handle_t *h, void *arg)
{
	(void)arg;
	fprintf(stderr, "  open handle: %s%s\n", uv_handle_type_name(h->type),
	        uv_is_closing(h) ? " (closing)" : "");
}

/* Shut down as the API says: eio_listener_close() (sessions get on_close),
 * then the loop must end by itself - uv_run() returns 0, no handle left
 * behind - then eio_listener_free(), and the loop closes cleanly. */
static __attribute__((unused)) void shutdown_listener(void)
{
	if (!L)
		return;
	int alive = close_and_drain(&loop, L, WATCHDOG_MS);
	if (alive)
		uv_walk(&loop, print_handle, NULL);
	ck_assert_msg(alive == 0, "loop still alive %d ms after eio_listener_close", WATCHDOG_MS);
	eio_listener_free(L);
	L = NULL;
	srv = NULL;
	int rc = uv_loop_close(&loop);
	if (rc != 0)
		uv_walk(&loop, print_handle, NULL);
	ck_assert_msg(rc == 0, "uv_loop_close: %s", uv_strerror(rc));
}

static __attribute__((unused)) void teardown(void)
{
	shutdown_listener();
}

static __attribute__((unused)) eio_session *new_session(eio_server *sv, int transport)
{
	eio_session *s = eio_session_create(sv, NULL, transport);
	ck_assert_ptr_nonnull(s);
	return s;
}

/* The queued message i as text, NUL-terminated (messages always are). */
static __attribute__((unused)) const char *queued(eio_session *s, uint32_t i)
{
	ck_assert_uint_lt(i, s->q.len);
	return eio_queue_at(&s->q, i)->bytes;
}

/* What a polling GET does with the queue: take everything. */
static __attribute__((unused)) void drain(eio_session *s)
{
	eio_msg *m;
	while ((m = eio_queue_pop(&s->q)))
		eio_msg_unref(m);
	ck_assert_uint_eq(s->q.bytes, 0);
}

/* ---- a small reader for the flat JSON object of the open packet --------------- */

typedef struct kv {
	char key[32];
	char val[128]; /* raw JSON text of the value */
} kv;

/* Parse {"k":v,...} where v is a string, a number or an array of strings.
 * Returns the number of pairs, or -1 if the text is not of that form. */
static __attribute__((unused)) int parse_flat_object(const char *p, kv *out, int max)
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

static __attribute__((unused)) const char *lookup(const kv *kvs, int n, const char *key)
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

/* Check the open packet of s against the expected upgrades value. */
static __attribute__((unused)) void check_open_packet(eio_session *s, const char *upgrades,
                                                      unsigned interval, unsigned timeout,
                                                      size_t max_payload)
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

/* The last queued packet is a ping. */
static __attribute__((unused)) bool last_is_ping(void *arg)
{
	eio_session *s = arg;
	return s->q.len > 0 && strcmp(eio_queue_at(&s->q, s->q.len - 1)->bytes, "2") == 0;
}

#endif
