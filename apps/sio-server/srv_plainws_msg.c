/* srv_plainws_msg.c - what a plain WebSocket client's message asks for, and
 * how a room event is framed for it (srv_plainws.h): pure functions over the
 * endpoint's configuration, driven by a fuzzer (fuzz/fuzz_srv_plainws.c),
 * since every byte of a message comes from the network.
 *
 * Matching, as the job-update service it replaces answers (issue 14): a
 * message that is not JSON (or not UTF-8: base/json.c checks it) is a parse
 * error; JSON that is not an object, has no string type field, has a type
 * no shape names, or lacks the shape's id (a non-empty string without NUL,
 * or an integer, at most 255 bytes) or whose id does not match the shape's
 * idPattern is of an invalid format. Both are answered and the connection
 * stays (srv_plainws.c).
 *
 * Framing: the event's first argument spread into an object after the
 * type, as the service's `{type: EVENT, ...data}` does for the object data
 * it publishes; the argument's own type member is left out, so the event
 * name is the message's type whatever the payload holds.
 */
#include "base/json.h"
#include "srv_plainws.h"

#include <regex.h>
#include <stdio.h>
#include <string.h>

/* The id field of a shape, into out (a string unescaped, an integer's
 * text). */
static int id_of(const base_json *doc, int obj, const char *field, srv_plain_match *out)
{
	int v = base_json_obj_get(doc, obj, field);
	size_t n;
	int64_t x;
	out->id_num = false;
	if (base_json_type(doc, v) == BASE_JSON_STRING) {
		if (base_json_str_unescape(doc, v, out->id, sizeof(out->id), &n) != 0 || n == 0 ||
		    n >= sizeof(out->id) || strlen(out->id) != n)
			return -1;
		return 0;
	}
	if (base_json_type(doc, v) == BASE_JSON_NUMBER && base_json_int64(doc, v, &x) == 0) {
		snprintf(out->id, sizeof(out->id), "%lld", (long long)x);
		out->id_num = true;
		return 0;
	}
	return -1;
}

int srv_plainws_match(const srv_plainws_cfg *c, const char *data, size_t len, srv_plain_match *out)
{
	base_json doc;
	base_json_init(&doc);
	if (base_json_parse(&doc, data, len) != 0) {
		base_json_free(&doc);
		return SRV_PLAIN_PARSE_ERROR;
	}
	int rc = SRV_PLAIN_INVALID;
	int root = base_json_root(&doc);
	int t = base_json_type(&doc, root) == BASE_JSON_OBJECT
	                ? base_json_obj_get(&doc, root, c->type_field)
	                : -1;
	for (size_t i = 0; t >= 0 && i < c->nmsgs; i++) {
		const srv_plain_msg *m = &c->msgs[i];
		if (!base_json_str_eq(&doc, t, m->type, strlen(m->type)))
			continue;
		if (id_of(&doc, root, m->rule.id_field, out) == 0 &&
		    (!m->rule.id_pattern || regexec(&m->rule.id_re, out->id, 0, NULL, 0) == 0)) {
			out->msg = m;
			rc = 0;
		}
		break;
	}
	base_json_free(&doc);
	return rc;
}

/* The members of object obj but key, each "k":v, after a comma. */
static int spread(base_buf *b, const base_json *doc, int obj, const char *key)
{
	base_json_iter it;
	int k, v, r = 0;
	base_json_iter_init(doc, obj, &it);
	while ((v = base_json_iter_next(doc, &it, &k)) >= 0) {
		size_t kn, vn;
		if (base_json_str_eq(doc, k, key, strlen(key)))
			continue;
		const char *kr = base_json_raw(doc, k, &kn), *vr = base_json_raw(doc, v, &vn);
		r |= base_buf_putc(b, ',');
		r |= base_buf_append(b, kr, kn);
		r |= base_buf_putc(b, ':');
		r |= base_buf_append(b, vr, vn);
	}
	return r ? -1 : 0;
}

int srv_plainws_frame(const srv_plainws_cfg *c, const char *event, const char *args, size_t len,
                      base_buf *out)
{
	base_json doc;
	base_json_init(&doc);
	if (base_json_parse(&doc, args, len) != 0 ||
	    base_json_type(&doc, base_json_root(&doc)) != BASE_JSON_ARRAY) {
		base_json_free(&doc);
		return -1;
	}
	int first = base_json_array_get(&doc, base_json_root(&doc), 0);
	int r = base_buf_putc(out, '{');
	r |= base_json_put_str(out, c->event_type_field, strlen(c->event_type_field));
	r |= base_buf_putc(out, ':');
	r |= base_json_put_str(out, event, strlen(event));
	if (base_json_type(&doc, first) == BASE_JSON_OBJECT) {
		r |= spread(out, &doc, first, c->event_type_field);
	} else if (first >= 0 && c->event_data_field) {
		size_t n;
		const char *raw = base_json_raw(&doc, first, &n);
		r |= base_buf_putc(out, ',');
		r |= base_json_put_str(out, c->event_data_field, strlen(c->event_data_field));
		r |= base_buf_putc(out, ':');
		r |= base_buf_append(out, raw, n);
	}
	r |= base_buf_putc(out, '}');
	base_json_free(&doc);
	return r ? -1 : 0;
}
