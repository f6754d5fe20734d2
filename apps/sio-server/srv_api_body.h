/* srv_api_body.h - the body of POST <prefix>/broadcast*: {event, data?}.
 *
 * A pure parser, without HTTP, so that it can be unit-tested and fuzzed
 * (tests/test_srv_api_body.c, fuzz/fuzz_srv_api_body.c): it says what to
 * answer, srv_api_broadcast.c answers it. The rules are in srv_api_body.c.
 */
#ifndef SRV_API_BODY_H
#define SRV_API_BODY_H

#include "base/json.h"

#include <stddef.h>

/* bytes of an event name */
#define SRV_API_MAX_EVENT_LEN 256

typedef struct srv_api_body {
	base_json doc;    /* the parsed body; data points into the input */
	char *event;      /* NUL-terminated, no NUL inside, 1..256 bytes */
	const char *data; /* raw JSON text of "data", or NULL when absent */
	size_t data_len;
} srv_api_body;

#define SRV_API_BODY_INIT                     \
	{                                     \
		BASE_JSON_INIT, NULL, NULL, 0 \
	}

/* Parse the len bytes at js (which must outlive out: data points into it)
 * with the request's Content-Type (NULL or "" when absent) and the size
 * limit max_len. 0 on success; -1 with the HTTP answer in *status, *code
 * and *message (static strings), and out->event and out->data NULL.
 * out must be initialised (SRV_API_BODY_INIT); it may hold the result of
 * an earlier call, which is released (the document's memory is reused).
 * Call srv_api_body_free(out) when done, whatever the result. */
int srv_api_body_parse(const char *js, size_t len, const char *content_type, size_t max_len,
                       srv_api_body *out, int *status, const char **code, const char **message);
void srv_api_body_free(srv_api_body *b);

#endif
