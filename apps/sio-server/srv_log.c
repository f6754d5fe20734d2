/* srv_log.c - sio-server's operational log (srv_log.h): the level and
 * format settings and the writing of one line in either format.
 *
 * A line is built whole in a buffer and written with one fwrite, so lines
 * never interleave and a log shipper reading the stream sees one JSON
 * object per line (no raw newline can appear inside: JSON escapes control
 * characters, the text format quotes and escapes them). Strings that are
 * not valid UTF-8 have their bytes >= 0x80 replaced by '?', so a JSON line
 * is always valid JSON.
 */
#include "srv_log.h"

#include "base/buf.h"
#include "base/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

static srv_log_level level = SRV_LOG_INFO;
static srv_log_format format = SRV_LOG_TEXT;
static FILE *stream;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

const char *srv_log_level_name(srv_log_level lv)
{
	return (unsigned)lv <= SRV_LOG_DEBUG ? level_names[lv] : "info";
}

int srv_log_configure(const char *lv, const char *fmt, char *err, size_t errlen)
{
	srv_log_level nl = SRV_LOG_INFO;
	srv_log_format nf = SRV_LOG_TEXT;
	if (lv && *lv) {
		size_t i = 0;
		while (i < 4 && strcasecmp(lv, level_names[i]) != 0)
			i++;
		if (i == 4 && strcasecmp(lv, "warning") == 0)
			i = SRV_LOG_WARN;
		if (i == 4) {
			snprintf(err, errlen,
			         "LOG_LEVEL: expected one of error, warn, info, debug, got "
			         "\"%.40s\"",
			         lv);
			return -1;
		}
		nl = (srv_log_level)i;
	}
	if (fmt && *fmt) {
		if (strcasecmp(fmt, "json") == 0)
			nf = SRV_LOG_JSON;
		else if (strcasecmp(fmt, "text") != 0) {
			snprintf(err, errlen, "LOG_FORMAT: expected text or json, got \"%.40s\"",
			         fmt);
			return -1;
		}
	}
	level = nl;
	format = nf;
	return 0;
}

void srv_log_set_stream(FILE *f)
{
	stream = f;
}

srv_log_level srv_log_get_level(void)
{
	return level;
}

srv_log_format srv_log_get_format(void)
{
	return format;
}

bool srv_log_on(srv_log_level lv)
{
	return lv <= level;
}

/* 2026-12-06T04:52:57.123Z */
static void put_time(base_buf *b)
{
	struct timeval tv;
	struct tm tm;
	char t[40];
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	size_t n = strftime(t, sizeof t, "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(t + n, sizeof t - n, ".%03ldZ", (long)(tv.tv_usec / 1000));
	base_buf_append(b, t, n);
}

/* A JSON string of s, bytes >= 0x80 as '?' when s is not valid UTF-8. */
static void put_json_str(base_buf *b, const char *s)
{
	size_t n = strlen(s);
	if (base_json_utf8_valid(s, n)) {
		base_json_put_str(b, s, n);
		return;
	}
	char tmp[512];
	size_t m = n < sizeof tmp ? n : sizeof tmp;
	for (size_t i = 0; i < m; i++)
		tmp[i] = (unsigned char)s[i] >= 0x80 ? '?' : s[i];
	base_json_put_str(b, tmp, m);
}

/* The text format's value: bare when it is a plain token, else quoted with
 * '"', '\\' and control characters escaped. */
static void put_text_value(base_buf *b, const char *s)
{
	bool bare = *s != '\0';
	for (const char *p = s; *p && bare; p++)
		bare = (unsigned char)*p > 0x20 && *p != '"' && *p != '=' && *p != '\\' &&
		       *p != 0x7f;
	if (bare) {
		base_buf_append(b, s, strlen(s));
		return;
	}
	base_buf_putc(b, '"');
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		char esc[8];
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			base_buf_append(b, esc, 2);
		} else if (c == '\n') {
			base_buf_append(b, "\\n", 2);
		} else if (c < 0x20 || c == 0x7f) {
			int k = snprintf(esc, sizeof esc, "\\x%02x", c);
			base_buf_append(b, esc, (size_t)k);
		} else {
			base_buf_putc(b, (char)c);
		}
	}
	base_buf_putc(b, '"');
}

static void put_field(base_buf *b, const srv_log_field *f)
{
	char num[32];
	const char *v = f->str;
	if (f->is_num) {
		snprintf(num, sizeof num, "%lld", f->num);
		v = num;
	}
	if (format == SRV_LOG_JSON) {
		base_buf_putc(b, ',');
		put_json_str(b, f->key);
		base_buf_putc(b, ':');
		if (f->is_num || f->raw)
			base_buf_append(b, v, strlen(v));
		else
			put_json_str(b, v);
	} else {
		base_buf_putc(b, ' ');
		base_buf_append(b, f->key, strlen(f->key));
		base_buf_putc(b, '=');
		put_text_value(b, v);
	}
}

void srv_log_emit(srv_log_level lv, const char *msg, const srv_log_field *f, size_t n)
{
	if (!srv_log_on(lv))
		return;
	base_buf b = BASE_BUF_INIT;
	const char *name = srv_log_level_name(lv);
	if (format == SRV_LOG_JSON) {
		base_buf_append(&b, "{\"time\":\"", 9);
		put_time(&b);
		base_buf_append(&b, "\",\"level\":\"", 11);
		base_buf_append(&b, name, strlen(name));
		base_buf_append(&b, "\",\"msg\":", 8);
		put_json_str(&b, msg);
	} else {
		put_time(&b);
		base_buf_putc(&b, ' ');
		base_buf_append(&b, name, strlen(name));
		base_buf_putc(&b, ' ');
		/* the message is the event's name or a sentence: as it is, on
		 * one line */
		for (const char *p = msg; *p; p++)
			base_buf_putc(&b, (unsigned char)*p < 0x20 ? ' ' : *p);
	}
	for (size_t i = 0; i < n; i++)
		if (f[i].key && (f[i].is_num || f[i].str))
			put_field(&b, &f[i]);
	if (format == SRV_LOG_JSON)
		base_buf_putc(&b, '}');
	base_buf_putc(&b, '\n');
	FILE *out = stream ? stream : stderr;
	if (b.data) {
		fwrite(b.data, 1, b.len, out);
		fflush(out);
	}
	base_buf_free(&b);
}

void srv_logf(srv_log_level lv, const char *fmt, ...)
{
	if (!srv_log_on(lv))
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	srv_log_emit(lv, msg, NULL, 0);
}
