/* srv_ingest_map.c - the decoder of ingested messages (srv_ingest_map.h):
 * a publisher's JSON, generic or mapped by a template, into the rooms, the
 * rooms excepted, the event and the data of one broadcast. Everything in
 * the message is checked before anything is kept: a message is used whole
 * or refused whole, with the reason.
 */
#include "srv_ingest_map.h"

#include "base/err.h"
#include "base/json.h"
#include "socketio.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest room name an expansion may produce before the length check
 * (limits.maxRoomNameLength is at most SRV_MAX_ROOM_NAME, 1000). */
#define EXPAND_CAP 1024

typedef struct dec {
	const base_json *doc;
	int root;
	const srv_ingest_rules *r;
	srv_ingest_out *out;
	char *why;
	size_t whylen;
} dec;

static int fail(dec *d, const char *fmt, const char *arg)
{
	base_errf(d->why, d->whylen, fmt, arg);
	return -1;
}

/* ---- checks -------------------------------------------------------------------- */

static int check_room(dec *d, const char *s, size_t n)
{
	if (n == 0)
		return fail(d, "empty room name%s", "");
	if (memchr(s, '\0', n))
		return fail(d, "room name with a NUL byte%s", "");
	if (n > d->r->max_room) {
		/* the start of the name, for the log line: printable ASCII only
		 * (a publisher's bytes must not write lines of their own) */
		char head[41];
		size_t i;
		for (i = 0; i < n && i < sizeof head - 1; i++)
			head[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
		head[i] = '\0';
		return fail(d, "room name longer than limits.maxRoomNameLength: \"%s...\"", head);
	}
	return 0;
}

/* Keep a checked room in list (*n of them). */
static int keep(dec *d, char **list, size_t *n, const char *s, size_t len)
{
	if (check_room(d, s, len))
		return -1;
	if (*n >= SRV_INGEST_MAX_TARGETS)
		return fail(d, "more than 64 rooms%s", "");
	if (!(list[*n] = strndup(s, len)))
		return fail(d, "out of memory%s", "");
	(*n)++;
	return 0;
}

/* A string token unescaped into a fresh string. */
static int dup_str(dec *d, int tok, char **s, size_t *n)
{
	if (base_json_str_dup(d->doc, tok, s, n))
		return fail(d, "out of memory%s", "");
	return 0;
}

static int keep_tok(dec *d, char **list, size_t *n, int tok, const char *what)
{
	if (base_json_type(d->doc, tok) != BASE_JSON_STRING)
		return fail(d, "\"%s\": expected a string", what);
	char *s;
	size_t len;
	if (dup_str(d, tok, &s, &len))
		return -1;
	int rc = keep(d, list, n, s, len);
	free(s);
	return rc;
}

/* A string, or an array of 1..64 strings, each a room. */
static int keep_rooms(dec *d, char **list, size_t *n, int tok, const char *what)
{
	if (base_json_type(d->doc, tok) != BASE_JSON_ARRAY)
		return keep_tok(d, list, n, tok, what);
	if (base_json_size(d->doc, tok) == 0)
		return fail(d, "\"%s\": empty list", what);
	base_json_iter it;
	int v;
	base_json_iter_init(d->doc, tok, &it);
	while ((v = base_json_iter_next(d->doc, &it, NULL)) >= 0)
		if (keep_tok(d, list, n, v, what))
			return -1;
	return 0;
}

static int set_event(dec *d, const char *s, size_t n)
{
	if (n == 0 || n > SRV_INGEST_MAX_EVENT || memchr(s, '\0', n))
		return fail(d, "\"event\": expected a name of 1 to 128 bytes%s", "");
	if (sio_event_reserved(s, n))
		return fail(d, "\"event\": \"%s\" is reserved by socket.io", s);
	if (!(d->out->event = strndup(s, n)))
		return fail(d, "out of memory%s", "");
	return 0;
}

/* ---- templates --------------------------------------------------------------------- */

/* A top-level field of the message as text: a non-empty string without NUL
 * or an integer. */
static int field_text(dec *d, const char *name, size_t nlen, char *out, size_t cap, size_t *len)
{
	int v = base_json_obj_getn(d->doc, d->root, name, nlen);
	int t = base_json_type(d->doc, v);
	char fname[80];
	snprintf(fname, sizeof fname, "%.*s", (int)(nlen < 64 ? nlen : 64), name);
	if (v < 0)
		return fail(d, "field \"%s\" missing", fname);
	if (t == BASE_JSON_STRING) {
		if (base_json_str_unescape(d->doc, v, out, cap, len) || *len == 0 ||
		    memchr(out, '\0', *len))
			return fail(d, "field \"%s\": empty, too long or with a NUL byte", fname);
		return 0;
	}
	int64_t x;
	if (t == BASE_JSON_NUMBER && base_json_int64(d->doc, v, &x) == 0) {
		int w = snprintf(out, cap, "%" PRId64, x);
		*len = (size_t)w;
		return w > 0 && (size_t)w < cap ? 0 : fail(d, "field \"%s\": too long", fname);
	}
	return fail(d, "field \"%s\": expected a string or an integer", fname);
}

/* Expand tmpl into out (EXPAND_CAP); a placeholder is a field, or with
 * value set, only {userId} = value (api.userRoom). */
static int expand(dec *d, const char *tmpl, const char *value, char *out, size_t *olen)
{
	size_t o = 0;
	for (const char *p = tmpl; *p;) {
		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}') || *p != '{') {
			if (o + 1 >= EXPAND_CAP)
				return fail(d, "room name too long%s", "");
			out[o++] = *p;
			p += (p[0] == '{' || p[0] == '}') && p[1] == p[0] ? 2 : 1;
			continue;
		}
		const char *end = strchr(p, '}');
		if (!end)
			return fail(d, "bad template%s", "");
		size_t n = (size_t)(end - p - 1), len;
		if (value) {
			if (n != 6 || strncmp(p + 1, "userId", 6))
				return fail(d, "api.userRoom: only {userId}%s", "");
			len = strlen(value);
			if (o + len >= EXPAND_CAP)
				return fail(d, "room name too long%s", "");
			memcpy(out + o, value, len);
		} else if (field_text(d, p + 1, n, out + o, EXPAND_CAP - o, &len)) {
			return -1;
		} else if (o + len >= EXPAND_CAP) {
			return fail(d, "room name too long%s", "");
		}
		o += len;
		p = end + 1;
	}
	out[o] = '\0';
	*olen = o;
	return 0;
}

/* The user's room: api.userRoom with {userId} = id. */
static int keep_user(dec *d, const char *id, size_t idlen)
{
	char room[EXPAND_CAP];
	size_t n;
	if (idlen == 0 || memchr(id, '\0', idlen))
		return fail(d, "\"user\": empty or with a NUL byte%s", "");
	if (!d->r->user_room)
		return fail(d, "\"user\": no api.userRoom%s", "");
	if (expand(d, d->r->user_room, id, room, &n))
		return -1;
	return keep(d, d->out->rooms, &d->out->nrooms, room, n);
}

static int template_data(dec *d, const srv_ingest_map *m)
{
	base_jsonw w;
	base_jsonw_init(&w, &d->out->data);
	base_jsonw_object_begin(&w);
	for (size_t i = 0; i < m->ndata; i++) {
		int v = base_json_obj_get(d->doc, d->root, m->data[i]);
		base_jsonw_key(&w, m->data[i], strlen(m->data[i]));
		if (v < 0)
			base_jsonw_null(&w);
		else
			base_jsonw_tok(&w, d->doc, v);
	}
	base_jsonw_object_end(&w);
	if (base_jsonw_error(&w))
		return fail(d, "out of memory%s", "");
	d->out->has_data = true;
	return 0;
}

static int decode_template(dec *d, const srv_ingest_map *m)
{
	char buf[EXPAND_CAP];
	size_t n;
	for (size_t i = 0; i < m->nrequired; i++) {
		int v = base_json_obj_get(d->doc, d->root, m->required[i]);
		if (v < 0 || base_json_type(d->doc, v) == BASE_JSON_NULL)
			return fail(d, "required field \"%s\" missing", m->required[i]);
	}
	for (size_t i = 0; i < m->nrooms; i++)
		if (expand(d, m->rooms[i], NULL, buf, &n) ||
		    keep(d, d->out->rooms, &d->out->nrooms, buf, n))
			return -1;
	if (m->user && (expand(d, m->user, NULL, buf, &n) || keep_user(d, buf, n)))
		return -1;
	if (set_event(d, m->event, strlen(m->event)))
		return -1;
	if (m->data_all) {
		size_t len;
		const char *raw = base_json_raw(d->doc, d->root, &len);
		if (base_buf_append(&d->out->data, raw, len))
			return fail(d, "out of memory%s", "");
		d->out->has_data = true;
		return 0;
	}
	return template_data(d, m);
}

/* ---- the generic form ---------------------------------------------------------------- */

static int decode_generic(dec *d)
{
	const base_json *doc = d->doc;
	int room = base_json_obj_get(doc, d->root, "room");
	int rooms = base_json_obj_get(doc, d->root, "rooms");
	int user = base_json_obj_get(doc, d->root, "user");
	int event = base_json_obj_get(doc, d->root, "event");
	int data = base_json_obj_get(doc, d->root, "data");
	int except = base_json_obj_get(doc, d->root, "except");
	if ((room >= 0) + (rooms >= 0) + (user >= 0) != 1)
		return fail(d, "expected exactly one of \"room\", \"rooms\", \"user\"%s", "");
	if (room >= 0 && keep_tok(d, d->out->rooms, &d->out->nrooms, room, "room"))
		return -1;
	if (rooms >= 0) {
		if (base_json_type(doc, rooms) != BASE_JSON_ARRAY)
			return fail(d, "\"rooms\": expected a list of strings%s", "");
		if (keep_rooms(d, d->out->rooms, &d->out->nrooms, rooms, "rooms"))
			return -1;
	}
	if (user >= 0) {
		char id[EXPAND_CAP];
		size_t n;
		int64_t x;
		if (base_json_type(doc, user) == BASE_JSON_NUMBER &&
		    base_json_int64(doc, user, &x) == 0)
			n = (size_t)snprintf(id, sizeof id, "%" PRId64, x);
		else if (base_json_type(doc, user) != BASE_JSON_STRING ||
		         base_json_str_unescape(doc, user, id, sizeof id, &n))
			return fail(d, "\"user\": expected a string or an integer%s", "");
		if (keep_user(d, id, n))
			return -1;
	}
	if (except >= 0 && keep_rooms(d, d->out->except, &d->out->nexcept, except, "except"))
		return -1;
	if (base_json_type(doc, event) != BASE_JSON_STRING)
		return fail(d, "\"event\": expected a string%s", "");
	char *ev;
	size_t evn;
	if (dup_str(d, event, &ev, &evn))
		return -1;
	int rc = set_event(d, ev, evn);
	free(ev);
	if (rc || data < 0)
		return rc;
	size_t len;
	const char *raw = base_json_raw(doc, data, &len);
	if (base_buf_append(&d->out->data, raw, len))
		return fail(d, "out of memory%s", "");
	d->out->has_data = true;
	return 0;
}

/* ---- the interface ----------------------------------------------------------------- */

int srv_ingest_decode(const srv_ingest_map *m, const srv_ingest_rules *r, const char *msg,
                      size_t len, srv_ingest_out *out, char *why, size_t whylen)
{
	memset(out, 0, sizeof *out);
	base_buf_init(&out->data);
	dec d = { .r = r, .out = out, .why = why, .whylen = whylen };
	if (len > r->max_bytes) {
		base_errf(why, whylen, "larger than %zu bytes", r->max_bytes);
		return -1;
	}
	base_json doc = BASE_JSON_INIT;
	int rc = base_json_parse(&doc, msg, len);
	if (rc) {
		base_errf(why, whylen, "not JSON: %s", base_json_strerror(rc));
		base_json_free(&doc);
		return -1;
	}
	d.doc = &doc;
	d.root = base_json_root(&doc);
	if (base_json_type(&doc, d.root) != BASE_JSON_OBJECT)
		rc = fail(&d, "expected a JSON object%s", "");
	else
		rc = m->templated ? decode_template(&d, m) : decode_generic(&d);
	base_json_free(&doc);
	if (rc)
		srv_ingest_out_free(out);
	return rc;
}

void srv_ingest_out_free(srv_ingest_out *out)
{
	for (size_t i = 0; i < out->nrooms; i++)
		free(out->rooms[i]);
	for (size_t i = 0; i < out->nexcept; i++)
		free(out->except[i]);
	free(out->event);
	base_buf_free(&out->data);
	memset(out, 0, sizeof *out);
	base_buf_init(&out->data);
}

const char *srv_ingest_template_bad(const char *t)
{
	for (const char *p = t; *p;) {
		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			p += 2;
			continue;
		}
		if (*p == '}')
			return "a lone \"}\" (write \"}}\")";
		if (*p != '{') {
			p++;
			continue;
		}
		const char *end = strchr(p, '}');
		if (!end)
			return "an unclosed \"{\"";
		if (end == p + 1)
			return "an empty \"{}\"";
		if (memchr(p + 1, '{', (size_t)(end - p - 1)))
			return "a \"{\" inside a placeholder";
		p = end + 1;
	}
	return NULL;
}

static void strs_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void srv_ingest_map_free(srv_ingest_map *m)
{
	strs_free(m->rooms, m->nrooms);
	strs_free(m->data, m->ndata);
	strs_free(m->required, m->nrequired);
	free(m->user);
	free(m->event);
	memset(m, 0, sizeof *m);
}
