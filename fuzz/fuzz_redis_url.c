/* fuzz_redis_url.c - libFuzzer target for the Redis url parser
 * (modules/redis/redis_options.c).
 *
 * The url comes from a configuration file or REDIS_URL. For each input (as a
 * C string, cut at its first NUL): resolve it; when accepted, the result must
 * be complete and in range (a host or a socket path, a port in 1..65535, a
 * db >= 0, the key, no url left), and every string it holds must be a copy
 * (the input is overwritten before they are read); when refused, the reason
 * is one NUL-terminated line. Any crash, sanitizer report, leak or failed
 * check (abort) is a finding.
 *
 *   make fuzz && build-fuzz/fuzz_redis_url -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modules/redis/redis_options.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

static void check_str(const char *s)
{
	if (s)
		CHECK(strlen(s) < 1 << 20);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *url = malloc(size + 1);
	if (!url)
		return 0;
	memcpy(url, data, size);
	url[size] = '\0';
	sio_redis_options o;
	sio_redis_options_init(&o);
	o.url = url;
	char err[128];
	memset(err, 'x', sizeof err);
	redis_settings *s = redis_settings_new(&o, err, sizeof err);
	memset(url, 'Z', size);
	if (!s) {
		CHECK(memchr(err, '\0', sizeof err) != NULL);
		CHECK(strchr(err, '\n') == NULL);
	} else {
		const sio_redis_options *r = redis_settings_get(s);
		CHECK(r->url == NULL);
		CHECK(r->host != NULL && (r->unix_path || r->host[0]));
		CHECK(r->port >= 1 && r->port <= 65535);
		CHECK(r->db >= 0);
		CHECK(r->key && r->key[0]);
		CHECK(!r->username || r->password);
		check_str(r->host);
		check_str(r->unix_path);
		check_str(r->username);
		check_str(r->password);
		/* the copies do not point into the input */
		CHECK(!r->host || r->host < url || r->host > url + size);
		CHECK(!r->password || r->password < url || r->password > url + size);
		redis_settings_free(s);
	}
	free(url);
	return 0;
}
