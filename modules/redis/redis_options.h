/* redis_options.h - the adapter's options resolved once, at sio_redis_new:
 * the url parsed into its fields (host, port, unix_path, username, password,
 * db), every field checked and filled (defaults for what is NULL), and every
 * string copied, so that the connections and the adapter read one complete,
 * valid sio_redis_options that lives as long as they do.
 */
#ifndef REDIS_OPTIONS_H
#define REDIS_OPTIONS_H

#include "socketio/redis.h"

#include <stddef.h>

typedef struct redis_settings redis_settings;

/* Resolve o: NULL on a bad option (a malformed or unsupported url, a port
 * out of range, a negative db, an empty key, a zero timeout...) or when
 * memory runs out, with one line saying why in err. */
redis_settings *redis_settings_new(const sio_redis_options *o, char *err, size_t errlen);
/* The resolved options: url NULL; host, key set (unix_path, username and
 * password NULL when not used); numbers checked. Owned by s. */
const sio_redis_options *redis_settings_get(const redis_settings *s);
void redis_settings_free(redis_settings *s);

#endif
