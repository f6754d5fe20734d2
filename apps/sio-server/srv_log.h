/* srv_log.h - sio-server's operational log: what a team running the server
 * ships to its log system (docs/sio-server.md, "Logs").
 *
 * One line per event on stderr, at a level (error, warn, info, debug;
 * LOG_LEVEL, default info), in one of two formats (LOG_FORMAT):
 *
 *   text:  2026-12-06T04:52:57.123Z info connection socketId=Xy userId=u1 transport=polling
 *   json:  {"time":"2026-12-06T04:52:57.123Z","level":"info","msg":"connection",
 *           "socketId":"Xy","userId":"u1","transport":"polling"}
 *
 * The fields are a stable set, documented in docs/sio-server.md: time,
 * level, msg, then per event socketId, userId, transport, address, namespace,
 * reason, kind, method, path, status, durationMs, key, ... A field whose
 * value is NULL is left out. Callers never pass a secret (a token, an API
 * key, a password): keys are named by their index ("key": "#0").
 *
 * DEBUG=socketio:* (base/log.h) stays for the protocol's detail; this log is
 * for operations. Everything runs on the loop thread.
 */
#ifndef SRV_LOG_H
#define SRV_LOG_H

#include <stdbool.h>
#include <stdio.h>

typedef enum srv_log_level {
	SRV_LOG_ERROR = 0,
	SRV_LOG_WARN,
	SRV_LOG_INFO,
	SRV_LOG_DEBUG
} srv_log_level;

typedef enum srv_log_format {
	SRV_LOG_TEXT = 0,
	SRV_LOG_JSON
} srv_log_format;

/* One field: a string, or a number when is_num (written bare in JSON). */
typedef struct srv_log_field {
	const char *key;
	const char *str;
	long long num;
	bool is_num;
	bool raw; /* str is a number's text ("1.25"): bare in JSON too */
} srv_log_field;

#define SRV_LS(k, v) ((srv_log_field){ .key = (k), .str = (v) })
#define SRV_LR(k, v) ((srv_log_field){ .key = (k), .str = (v), .raw = true })
#define SRV_LN(k, v) ((srv_log_field){ .key = (k), .num = (long long)(v), .is_num = true })

/* LOG_LEVEL and LOG_FORMAT as given (NULL: the defaults, info and text).
 * 0, or -1 with the message in err (the setting is left as it was). */
int srv_log_configure(const char *level, const char *format, char *err, size_t errlen);
/* Where lines go: stderr by default (tests give a memory stream). */
void srv_log_set_stream(FILE *f);
srv_log_level srv_log_get_level(void);
srv_log_format srv_log_get_format(void);
const char *srv_log_level_name(srv_log_level lv);
bool srv_log_on(srv_log_level lv);

/* Write one line: msg and the n fields (a NULL key or NULL string value is
 * skipped). */
void srv_log_emit(srv_log_level lv, const char *msg, const srv_log_field *f, size_t n);

/* A line whose message is formatted (the fields-less lines: failures at
 * startup, states of connections to Redis). */
void srv_logf(srv_log_level lv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* srv_log(level, msg, fields...): the fields are built only when the level
 * is on. */
#define srv_log(lv, msg, ...)                                                                   \
	do {                                                                                    \
		if (srv_log_on(lv)) {                                                           \
			const srv_log_field srv_log_f_[] = { SRV_LS(NULL, NULL), __VA_ARGS__ }; \
			srv_log_emit(lv, msg, srv_log_f_,                                       \
			             sizeof srv_log_f_ / sizeof srv_log_f_[0]);                 \
		}                                                                               \
	} while (0)

#endif
