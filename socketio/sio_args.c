/* sio_args.c - event arguments: the read-only view of an incoming event's
 * arguments (sio_args) and the builder of outgoing ones (sio_out).
 *
 * Incoming arguments stay in the parsed packet: a view is token indices into
 * its JSON, plus the binary attachments; strings are unescaped only when
 * asked for. Outgoing arguments are written once as JSON text with binary
 * buffers replaced by placeholders {"_placeholder":true,"num":N} (spec
 * "Binary": numbered depth-first, in the order they appear), each buffer
 * held as a shared eio_msg, so emitting to many sockets copies nothing.
 */
#include "sio_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- incoming ---------------------------------------------------------------- */

void sio_args_init(sio_args *a, const sio_packet *p, bool is_event, eio_msg *const *atts, int natts)
{
	memset(a, 0, sizeof(*a));
	a->pkt = p;
	a->atts = atts;
	a->natts = natts;
	int root = p->data_len ? base_json_root(&p->doc) : -1;
	if (root < 0 || base_json_type(&p->doc, root) != BASE_JSON_ARRAY)
		return;
	int n = base_json_size(&p->doc, root);
	int skip = is_event ? 1 : 0;
	if (n <= skip)
		return;
	a->count = (size_t)(n - skip);
	a->first = root + 1;
	if (is_event)
		a->first = base_json_next(&p->doc, a->first);
}

void sio_args_release(sio_args *a)
{
	if (a->strs) {
		for (size_t i = 0; i < a->count; i++)
			free(a->strs[i]);
	}
	free(a->strs);
	free(a->lens);
	a->strs = NULL;
	a->lens = NULL;
}

/* Attachment number if token t is a placeholder of a binary packet, else -1:
 * in a packet without attachments such an object is plain data. */
static int placeholder(const sio_args *a, int t)
{
	return a->natts > 0 ? sio_packet_placeholder_num(&a->pkt->doc, t) : -1;
}

static int arg_tok(const sio_args *a, size_t i)
{
	if (i >= a->count)
		return -1;
	int t = a->first;
	for (size_t k = 0; k < i; k++)
		t = base_json_next(&a->pkt->doc, t);
	return t;
}

size_t sio_args_count(const sio_args *a)
{
	return a->count;
}

int sio_args_type(const sio_args *a, size_t i)
{
	int t = arg_tok(a, i);
	if (t < 0)
		return SIO_ARG_NONE;
	if (placeholder(a, t) >= 0)
		return SIO_ARG_BINARY;
	switch (base_json_type(&a->pkt->doc, t)) {
	case BASE_JSON_OBJECT:
		return SIO_ARG_OBJECT;
	case BASE_JSON_ARRAY:
		return SIO_ARG_ARRAY;
	case BASE_JSON_STRING:
		return SIO_ARG_STRING;
	case BASE_JSON_NUMBER:
		return SIO_ARG_NUMBER;
	case BASE_JSON_TRUE:
		return SIO_ARG_TRUE;
	case BASE_JSON_FALSE:
		return SIO_ARG_FALSE;
	case BASE_JSON_NULL:
		return SIO_ARG_NULL;
	default:
		return SIO_ARG_NONE;
	}
}

const char *sio_args_str(const sio_args *a, size_t i, size_t *len)
{
	int t = arg_tok(a, i);
	if (t < 0 || base_json_type(&a->pkt->doc, t) != BASE_JSON_STRING)
		return NULL;
	sio_args *m = (sio_args *)a; /* the cache is not part of the value */
	if (!m->strs) {
		m->strs = calloc(a->count, sizeof(char *));
		m->lens = calloc(a->count, sizeof(size_t));
		if (!m->strs || !m->lens)
			return NULL;
	}
	/* The length is kept: a string may hold "\u0000". */
	if (!m->strs[i] && base_json_str_dup(&a->pkt->doc, t, &m->strs[i], &m->lens[i]) < 0)
		return NULL;
	if (len)
		*len = m->lens[i];
	return m->strs[i];
}

int sio_args_double(const sio_args *a, size_t i, double *v)
{
	int t = arg_tok(a, i);
	return t < 0 ? SIO_EINVAL : (base_json_number(&a->pkt->doc, t, v) < 0 ? SIO_EINVAL : 0);
}

int sio_args_int(const sio_args *a, size_t i, int64_t *v)
{
	int t = arg_tok(a, i);
	return t < 0 ? SIO_EINVAL : (base_json_int64(&a->pkt->doc, t, v) < 0 ? SIO_EINVAL : 0);
}

const void *sio_args_attachment(const sio_args *a, size_t num, size_t *len)
{
	if (num >= (size_t)a->natts)
		return NULL;
	return eio_msg_data(a->atts[num], len);
}

size_t sio_args_attachment_count(const sio_args *a)
{
	return (size_t)a->natts;
}

const void *sio_args_binary(const sio_args *a, size_t i, size_t *len)
{
	int t = arg_tok(a, i);
	int num = t < 0 ? -1 : placeholder(a, t);
	return num < 0 ? NULL : sio_args_attachment(a, (size_t)num, len);
}

const char *sio_args_json(const sio_args *a, size_t i, size_t *len)
{
	int t = arg_tok(a, i);
	return t < 0 ? NULL : base_json_raw(&a->pkt->doc, t, len);
}

/* ---- outgoing ---------------------------------------------------------------- */

sio_out *sio_out_new(void)
{
	sio_out *o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	base_buf_init(&o->buf);
	base_jsonw_init(&o->w, &o->buf);
	/* The arguments are written as the body of an array whose brackets
	 * the encoder supplies (after the event name). */
	if (base_jsonw_array_begin(&o->w) < 0) {
		base_buf_free(&o->buf);
		free(o);
		return NULL;
	}
	return o;
}

void sio_out_free(sio_out *o)
{
	if (!o)
		return;
	for (int i = 0; i < o->natts; i++)
		eio_msg_unref(o->atts[i]);
	free(o->atts);
	base_buf_free(&o->buf);
	free(o);
}

/* Count top-level arguments: a value written at depth 0 of the builder. */
static int counted(sio_out *o, int r)
{
	if (r == 0 && o->depth == 0)
		o->count++;
	return r < 0 ? SIO_EINVAL : 0;
}

int sio_out_strn(sio_out *o, const char *s, size_t n)
{
	if (!base_json_utf8_valid(s, n))
		return SIO_EINVAL;
	return counted(o, base_jsonw_str(&o->w, s, n));
}

int sio_out_str(sio_out *o, const char *s)
{
	return sio_out_strn(o, s, strlen(s));
}
int sio_out_int(sio_out *o, int64_t v)
{
	return counted(o, base_jsonw_int64(&o->w, v));
}
int sio_out_double(sio_out *o, double v)
{
	return counted(o, base_jsonw_double(&o->w, v));
}
int sio_out_bool(sio_out *o, bool v)
{
	return counted(o, base_jsonw_bool(&o->w, v));
}
int sio_out_null(sio_out *o)
{
	return counted(o, base_jsonw_null(&o->w));
}

int sio_out_json(sio_out *o, const char *json, size_t n)
{
	base_json doc;
	base_json_init(&doc);
	int r = base_json_parse(&doc, json, n);
	base_json_free(&doc);
	if (r < 0)
		return SIO_EINVAL;
	return counted(o, base_jsonw_raw(&o->w, json, n));
}

static int add_attachment(sio_out *o, eio_msg *m)
{
	eio_msg **na = realloc(o->atts, (size_t)(o->natts + 1) * sizeof(*na));
	if (!na) {
		eio_msg_unref(m);
		return SIO_ENOMEM;
	}
	o->atts = na;
	o->atts[o->natts] = m;
	return sio_packet_placeholder(&o->w, o->natts++);
}

int sio_out_binary(sio_out *o, const void *data, size_t n)
{
	eio_msg *m = eio_msg_binary(data, n);
	if (!m)
		return SIO_ENOMEM;
	return counted(o, add_attachment(o, m));
}

int sio_out_object_begin(sio_out *o)
{
	int r = counted(o, base_jsonw_object_begin(&o->w));
	if (r == 0)
		o->depth++;
	return r;
}

int sio_out_array_begin(sio_out *o)
{
	int r = counted(o, base_jsonw_array_begin(&o->w));
	if (r == 0)
		o->depth++;
	return r;
}

int sio_out_object_end(sio_out *o)
{
	if (o->depth == 0 || base_jsonw_object_end(&o->w) < 0)
		return SIO_EINVAL;
	o->depth--;
	return 0;
}

int sio_out_array_end(sio_out *o)
{
	if (o->depth == 0 || base_jsonw_array_end(&o->w) < 0)
		return SIO_EINVAL;
	o->depth--;
	return 0;
}

int sio_out_key(sio_out *o, const char *key)
{
	return base_jsonw_key(&o->w, key, strlen(key)) < 0 ? SIO_EINVAL : 0;
}

/* Copy one incoming value; placeholders become this builder's attachments
 * (renumbered, sharing the incoming eio_msg). */
static int copy_value(sio_out *o, const sio_args *a, int t)
{
	const base_json *doc = &a->pkt->doc;
	int num = placeholder(a, t);
	if (num >= 0) {
		if (num >= a->natts)
			return SIO_EINVAL;
		return add_attachment(o, eio_msg_ref(a->atts[num])) < 0 ? SIO_EINVAL : 0;
	}
	int type = base_json_type(doc, t);
	if (type != BASE_JSON_OBJECT && type != BASE_JSON_ARRAY)
		return base_jsonw_tok(&o->w, doc, t) < 0 ? SIO_EINVAL : 0;
	/* A container with no placeholder inside is copied verbatim. */
	int ph_num;
	int ph = a->natts > 0 ? sio_packet_placeholder_next(doc, t, &ph_num) : -1;
	if (ph < 0 || ph >= base_json_next(doc, t))
		return base_jsonw_tok(&o->w, doc, t) < 0 ? SIO_EINVAL : 0;
	bool obj = type == BASE_JSON_OBJECT;
	if ((obj ? base_jsonw_object_begin(&o->w) : base_jsonw_array_begin(&o->w)) < 0)
		return SIO_EINVAL;
	base_json_iter it;
	int key, v;
	base_json_iter_init(doc, t, &it);
	while ((v = base_json_iter_next(doc, &it, &key)) >= 0) {
		if (obj) {
			char *k = NULL;
			size_t kl = 0;
			if (base_json_str_dup(doc, key, &k, &kl) < 0)
				return SIO_ENOMEM;
			int r = base_jsonw_key(&o->w, k, kl);
			free(k);
			if (r < 0)
				return SIO_EINVAL;
		}
		if (copy_value(o, a, v) < 0)
			return SIO_EINVAL;
	}
	return (obj ? base_jsonw_object_end(&o->w) : base_jsonw_array_end(&o->w)) < 0 ? SIO_EINVAL
	                                                                              : 0;
}

int sio_out_arg(sio_out *o, const sio_args *a, size_t i)
{
	int t = arg_tok(a, i);
	return t < 0 ? SIO_EINVAL : counted(o, copy_value(o, a, t));
}

int sio_out_args(sio_out *o, const sio_args *a)
{
	int t = a->first;
	for (size_t i = 0; i < a->count; i++, t = base_json_next(&a->pkt->doc, t)) {
		if (counted(o, copy_value(o, a, t)) < 0)
			return SIO_EINVAL;
	}
	return 0;
}

/* ---- arguments owned by the caller ------------------------------------------------- */

/* The view, the packet it reads and what that packet points into. */
typedef struct owned_args {
	sio_args view; /* first: an sio_args pointer is this */
	sio_packet pkt;
	char *text;
	eio_msg **atts;
	int natts;
} owned_args;

void sio_args_free(sio_args *a)
{
	if (!a || !a->owned)
		return;
	owned_args *o = (owned_args *)a;
	sio_args_release(&o->view);
	sio_packet_free(&o->pkt);
	for (int i = 0; i < o->natts; i++)
		eio_msg_unref(o->atts[i]);
	free(o->atts);
	free(o->text);
	free(o);
}

/* Take text (malloc'd, len bytes) and references to atts; parse text as
 * an EVENT packet ("2[...]", the event name first) or as an ACK payload
 * ("[...]", arguments only). */
static sio_args *owned_new(char *text, size_t len, bool is_event, eio_msg *const *atts, int natts)
{
	owned_args *o = text ? calloc(1, sizeof(*o)) : NULL;
	eio_msg **refs = natts ? malloc((size_t)natts * sizeof(*refs)) : NULL;
	if (!o || (natts && !refs)) {
		free(o);
		free(refs);
		free(text);
		return NULL;
	}
	o->text = text;
	o->atts = refs;
	for (int i = 0; i < natts; i++)
		o->atts[o->natts++] = eio_msg_ref(atts[i]);
	sio_packet_init(&o->pkt);
	int r;
	if (is_event) {
		r = sio_packet_decode(text, len, SIO_PKT_DEFAULT_MAX_ATTACHMENTS, &o->pkt);
		if (r == 0 && o->pkt.type != SIO_PKT_EVENT)
			r = SIO_PKT_EPAYLOAD;
	} else {
		o->pkt.type = SIO_PKT_ACK;
		o->pkt.data = text;
		o->pkt.data_len = len;
		r = base_json_parse(&o->pkt.doc, text, len);
	}
	sio_args_init(&o->view, &o->pkt, is_event, o->atts, o->natts);
	o->view.owned = true;
	if (r < 0) {
		sio_args_free(&o->view);
		return NULL;
	}
	return &o->view;
}

sio_args *sio_args_parse(const char *packet, size_t len)
{
	char *text = malloc(len + 1);
	if (text) {
		memcpy(text, packet, len);
		text[len] = '\0';
	}
	return owned_new(text, len, true, NULL, 0);
}

sio_args *sio_args_from_out(const sio_out *o)
{
	if (o->depth != 0 || base_jsonw_error(&o->w))
		return NULL;
	/* The builder's text is the array without its closing bracket. */
	char *text = malloc(o->buf.len + 2);
	if (text) {
		memcpy(text, o->buf.data, o->buf.len);
		text[o->buf.len] = ']';
		text[o->buf.len + 1] = '\0';
	}
	return owned_new(text, o->buf.len + 1, false, o->atts, o->natts);
}

/* A copy that outlives a (an ack kept by a request): the arguments' JSON
 * in one array, sharing the attachments (placeholder numbers unchanged). */
sio_args *sio_args_copy(const sio_args *a)
{
	base_buf b;
	base_buf_init(&b);
	int r = base_buf_putc(&b, '[');
	for (size_t i = 0; i < a->count; i++) {
		size_t n = 0;
		const char *js = sio_args_json(a, i, &n);
		if (i > 0)
			r |= base_buf_putc(&b, ',');
		r |= base_buf_append(&b, js, n);
	}
	r |= base_buf_putc(&b, ']');
	char *text = r ? NULL : malloc(b.len + 1);
	size_t len = b.len;
	if (text) {
		memcpy(text, b.data, len);
		text[len] = '\0';
	}
	base_buf_free(&b);
	return owned_new(text, len, false, a->atts, a->natts);
}
