/* log.c - debug logging switched on by the DEBUG environment variable.
 *
 * Mirrors node's `debug` module, which socket.io users already know:
 * DEBUG="engineio:*,socketio:*" enables namespaces by pattern, '*' matches any
 * run of characters, and a leading '-' excludes. Logging is off by default and
 * costs one cached lookup per call site when off.
 */
#include "base/log.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

/* Match ns against the DEBUG list; later patterns override earlier ones the
 * way node's debug treats skips (an exclusion always wins). */
bool base_log_enabled(const char *ns)
{
	/* DEBUG is read once: log calls sit on hot paths. */
	static const char *env;
	static bool read;
	if (!read) {
		env = getenv("DEBUG");
		read = true;
	}
	if (!env || !*env)
		return false;
	char pat[128];
	bool on = false;
	const char *p = env;
	while (*p) {
		while (*p == ',' || *p == ' ')
			p++;
		size_t n = strcspn(p, ", ");
		if (n == 0)
			break;
		bool skip = (*p == '-');
		const char *s = skip ? p + 1 : p;
		size_t sn = skip ? n - 1 : n;
		if (sn < sizeof(pat)) {
			memcpy(pat, s, sn);
			pat[sn] = '\0';
			if (fnmatch(pat, ns, 0) == 0) {
				if (skip)
					return false;
				on = true;
			}
		}
		p += n;
	}
	return on;
}

void base_log(const char *ns, const char *fmt, ...)
{
	if (!base_log_enabled(ns))
		return;
	struct timeval tv;
	gettimeofday(&tv, NULL);
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%ld.%03ld %s %s\n", (long)tv.tv_sec, (long)(tv.tv_usec / 1000), ns, line);
}
