/* log.h - debug logging in the style of node's `debug` module (base layer).
 *
 * Enabled by the DEBUG environment variable, a comma/space separated list of
 * namespace patterns with '*' wildcards and '-' exclusions
 * ("engineio:*,socketio:*"). Quiet by default. Lines go to stderr. Every layer
 * logs under its own namespace prefix (engineio:, socketio:, sio-server:).
 */
#ifndef BASE_LOG_H
#define BASE_LOG_H

#include <stdbool.h>

bool base_log_enabled(const char *ns);
void base_log(const char *ns, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
