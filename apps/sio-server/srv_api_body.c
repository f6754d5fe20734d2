/* srv_api_body.c - the body of POST <prefix>/broadcast*, parsed without HTTP.
 *
 * Rules, checked in this order (the first failure is the answer):
 *   - not empty: 400 BAD_REQUEST, whatever the Content-Type (axios labels a
 *     body-less POST application/x-www-form-urlencoded; "Body required" is
 *     the answer that helps its caller, and an empty body acts on nothing).
 *   - Content-Type: absent, empty, or application/json (any case) ending
 *     there or followed by ';' or ' ' (parameters such as charset=utf-8);
 *     anything else is 415: the body is JSON, and a form or text/plain
 *     post is what a cross-site page could send without a preflight.
 *   - at most max_len bytes (maxHttpBufferSize, as for socket packets): 413.
 *   - strict RFC 8259 JSON (base_json: grammar, UTF-8, depth <= 64): 400
 *     INVALID_JSON.
 *   - a JSON object whose keys are only "event" and "data", each at most
 *     once (keys compared after unescaping, so "ev\u0065nt" is "event").
 *     base_json accepts duplicate keys and looks up the last one, as
 *     JavaScript's JSON.parse does; a proxy or an audit log in front of us
 *     may read the first one, so {"event":"a","event":"b"} is refused
 *     rather than guessed: 400 BAD_REQUEST.
 *   - "event": a string of 1 to SRV_API_MAX_EVENT_LEN bytes after
 *     unescaping, without NUL (event names are C strings downstream), and
 *     not one of socket.io's reserved names, which a client cannot receive
 *     as events (socket.emit throws on them in node): 400 BAD_REQUEST.
 *   - "data": optional, any JSON value, kept as its raw text: it becomes the
 *     event's single argument verbatim.
 */
#include "socketio.h"
#include "srv_api_body.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool json_content_type(const char *ct)
{
	if (!ct || !*ct)
		return true; /* curl -d without -H, fetch with a string body */
	return strncasecmp(ct, "application/json", 16) == 0 &&
	       (ct[16] == '\0' || ct[16] == ';' || ct[16] == ' ');
}

static int fail(int *status, const char **code, const char **message, int st, const char *c,
                const char *m)
{
	*status = st;
	*code = c;
	*message = m;
	return -1;
}

/* No event, no data; the document's memory is kept for reuse. */
static void clear(srv_api_body *out)
{
	free(out->event);
	out->event = NULL;
	out->data = NULL;
	out->data_len = 0;
}

static int parse(const char *js, size_t len, const char *content_type, size_t max_len,
                 srv_api_body *out, int *status, const char **code, const char **message)
{
	clear(out); /* the result of an earlier call on out */
	if (!js || len == 0)
		return fail(status, code, message, 400, "BAD_REQUEST",
		            "Body required: {\"event\": string, \"data\"?: any}");
	if (!json_content_type(content_type))
		return fail(status, code, message, 415, "UNSUPPORTED_MEDIA_TYPE",
		            "Content-Type must be application/json");
	if (len > max_len)
		return fail(status, code, message, 413, "PAYLOAD_TOO_LARGE",
		            "Body larger than maxHttpBufferSize");
	if (base_json_parse(&out->doc, js, len))
		return fail(status, code, message, 400, "INVALID_JSON", "Body is not valid JSON");

	base_json *d = &out->doc;
	int root = base_json_root(d);
	if (base_json_type(d, root) != BASE_JSON_OBJECT)
		return fail(status, code, message, 400, "BAD_REQUEST",
		            "Body must be a JSON object {event, data}");
	base_json_iter it;
	int key, v, ev = -1, data = -1;
	base_json_iter_init(d, root, &it);
	while ((v = base_json_iter_next(d, &it, &key)) >= 0) {
		int *slot = base_json_str_eq(d, key, "event", 5)  ? &ev
		            : base_json_str_eq(d, key, "data", 4) ? &data
		                                                  : NULL;
		if (!slot)
			return fail(status, code, message, 400, "BAD_REQUEST",
			            "Unknown key in body (allowed: event, data)");
		if (*slot >= 0)
			return fail(status, code, message, 400, "BAD_REQUEST",
			            "Duplicate key in body (event and data at most once each)");
		*slot = v;
	}

	size_t elen = 0;
	if (base_json_type(d, ev) != BASE_JSON_STRING ||
	    base_json_str_dup(d, ev, &out->event, &elen))
		return fail(status, code, message, 400, "BAD_REQUEST",
		            "\"event\" is required and must be a string");
	if (elen == 0 || elen > SRV_API_MAX_EVENT_LEN || strlen(out->event) != elen)
		return fail(status, code, message, 400, "BAD_REQUEST",
		            "\"event\" must be 1 to 256 bytes, without NUL");
	if (sio_event_reserved(out->event, strlen(out->event)))
		return fail(status, code, message, 400, "BAD_REQUEST",
		            "\"event\" is a reserved Socket.IO event name");
	if (data >= 0)
		out->data = base_json_raw(d, data, &out->data_len);
	return 0;
}

int srv_api_body_parse(const char *js, size_t len, const char *content_type, size_t max_len,
                       srv_api_body *out, int *status, const char **code, const char **message)
{
	if (parse(js, len, content_type, max_len, out, status, code, message) == 0)
		return 0;
	clear(out); /* a refused body has no event or data */
	return -1;
}

void srv_api_body_free(srv_api_body *b)
{
	free(b->event);
	b->event = NULL;
	b->data = NULL;
	b->data_len = 0;
	base_json_free(&b->doc);
}
