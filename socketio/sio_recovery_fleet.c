/* sio_recovery_fleet.c - connection state recovery of a session another
 * server of the fleet kept (the adapter's share_session / find_session;
 * docs/socketio.md, "Connection state recovery"; the Redis adapter's side is
 * modules/redis/redis_sessions.c).
 *
 * The adapter numbers every broadcast it publishes (origin, origin_seq:
 * one origin's numbers arrive everywhere in order) and each server's log
 * keeps the number with the packet. A session comes with the old server's
 * marks (per origin, the highest number it had received, so delivered) and
 * with what it delivered lately to the socket (sio_rec_delivered: its own
 * offsets with the numbers): the client's offset says where in that list the
 * client stopped, and every packet delivered after it, which never reached
 * the client (frames lost with the transport), lowers its origin's mark. This
 * server then gives, from its own log, every packet after the marks to the
 * session's rooms, in the log's order, which keeps each origin's.
 *
 * A server whose log began after the socket left gets the packets it lacks
 * from the adapter first (sio_restore_fleet_packet: a log kept outside the
 * process, the Redis adapter's stream), weighed against the marks one by
 * one; each advances its origin's mark, so the log's own copy is skipped.
 *
 * Refused (a fresh connection) whenever the log cannot say: an origin's
 * numbers after its mark with a gap, packets dropped from the log since the
 * socket left (or since the adapter's packets were read), or a client offset
 * older than the list the old server kept.
 */
#include "sio_recovery.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The packets delivered lately that a session keeps: enough for what a
 * transport can lose at its end; found among the last DELIVERED_SCAN of
 * the log, so that a stop with many sockets shares them all quickly. */
#define DELIVERED_MAX  256
#define DELIVERED_SCAN 2048

/* Packets received within this margin before the socket left may be ones
 * its server had not received yet (one publish reaches the members at
 * slightly different times): a dropped packet of an origin the session has
 * no mark for refuses it when it was kept that recently. */
#define FLEET_MARGIN_MS 1000

/* {"tag":T,"from":F,"age":A,"sent":[[seq,origin,oseq],...]}: the numbered
 * packets of this log to these rooms with seq >= F, oldest first, the
 * first kept A ms ago. */
int sio_rec_delivered(sio_namespace *nsp, struct sio_rstore *st, char *const *rooms, size_t n,
                      base_buf *out)
{
	size_t i = st->count, kept = 0;
	while (i > 0 && kept < DELIVERED_MAX && st->count - i < DELIVERED_SCAN) {
		rentry *e = sio_rec_at(st, i - 1);
		if (e->origin && sio_rec_wanted(e, rooms, n))
			kept++;
		i--;
	}
	uint64_t from = i > 0       ? sio_rec_at(st, i)->seq
	                : st->count ? sio_rec_at(st, 0)->seq
	                            : st->next_seq;
	base_jsonw w;
	base_jsonw_init(&w, out);
	base_jsonw_object_begin(&w);
	base_jsonw_key(&w, "tag", 3);
	base_jsonw_str(&w, st->tag, strlen(st->tag));
	base_jsonw_key(&w, "from", 4);
	base_jsonw_int64(&w, (int64_t)from);
	/* How long ago the oldest packet listed was kept: an adapter that keeps
	 * the fleet's packets elsewhere reads them from that far back. */
	base_jsonw_key(&w, "age", 3);
	base_jsonw_int64(&w,
	                 i < st->count ? (int64_t)(sio_rec_now(nsp) - sio_rec_at(st, i)->at) : 0);
	base_jsonw_key(&w, "sent", 4);
	base_jsonw_array_begin(&w);
	for (; i < st->count; i++) {
		rentry *e = sio_rec_at(st, i);
		if (!e->origin || !sio_rec_wanted(e, rooms, n))
			continue;
		base_jsonw_array_begin(&w);
		base_jsonw_int64(&w, (int64_t)e->seq);
		base_jsonw_str(&w, e->origin, strlen(e->origin));
		base_jsonw_int64(&w, (int64_t)e->oseq);
		base_jsonw_array_end(&w);
	}
	base_jsonw_array_end(&w);
	base_jsonw_object_end(&w);
	return base_jsonw_error(&w) ? SIO_ENOMEM : 0;
}

/* Origin o's index among the marks, or r->nmarks. */
static size_t mark_of(const sio_restore *r, const char *o, size_t olen)
{
	size_t k = 0;
	while (k < r->nmarks && (strlen(r->origins[k]) != olen || memcmp(r->origins[k], o, olen)))
		k++;
	return k;
}

/* One more origin, marked up to mark: its index, or SIO_ENOMEM. */
static int add_origin(sio_restore *r, const char *o, size_t olen, uint64_t mark)
{
	if (r->nmarks == r->marks_cap) {
		size_t cap = r->marks_cap ? 2 * r->marks_cap : 8;
		char **no = realloc(r->origins, cap * sizeof(*no));
		if (no)
			r->origins = no;
		uint64_t *nm = no ? realloc(r->marks, cap * sizeof(*nm)) : NULL;
		if (!nm)
			return SIO_ENOMEM;
		r->marks = nm;
		r->marks_cap = cap;
	}
	if (!(r->origins[r->nmarks] = strndup(o, olen)))
		return SIO_ENOMEM;
	r->marks[r->nmarks] = mark;
	return (int)r->nmarks++;
}

static int unreceived(sio_restore *r);

int sio_restore_marks(sio_restore *r, const char *const *origins, const uint64_t *seqs, size_t n,
                      uint64_t ago_ms, const char *delivered)
{
	if (!r->fleet || !r->found || r->marked)
		return SIO_EINVAL;
	for (size_t i = 0; i < n; i++)
		if (add_origin(r, origins[i], strlen(origins[i]), seqs[i]) < 0)
			return SIO_ENOMEM;
	if (delivered && !(r->delivered = strdup(delivered)))
		return SIO_ENOMEM;
	r->marked = true;
	if (r->s) {
		uint64_t now = sio_rec_now(r->s->nsp);
		r->left_at = ago_ms < now ? now - ago_ms : 0;
	}
	/* What never reached the client lowers the marks now, so that the
	 * packets an adapter gives next are weighed against them. */
	if (r->delivered && r->offset) {
		int rc = unreceived(r);
		if (rc == SIO_ENOMEM)
			return rc;
		r->refuse |= rc < 0;
	}
	return 0;
}

/* A packet of origin o numbered os never reached the client: its mark goes
 * below it. */
static int lower_mark(sio_restore *r, const char *o, size_t olen, uint64_t os)
{
	size_t k = mark_of(r, o, olen);
	if (k == r->nmarks)
		return add_origin(r, o, olen, os - 1) < 0 ? SIO_ENOMEM : 0;
	if (os - 1 < r->marks[k])
		r->marks[k] = os - 1;
	return 0;
}

/* The client's offset against what the old server delivered: the marks
 * lowered below every packet after the offset. SIO_EINVAL: the offset is
 * older than the list (what came between is unknown). */
static int unreceived(sio_restore *r)
{
	base_json d;
	base_json_init(&d);
	int rc = SIO_EINVAL;
	int64_t from, seq, os;
	if (base_json_parse(&d, r->delivered, strlen(r->delivered)) < 0 ||
	    base_json_type(&d, 0) != BASE_JSON_OBJECT)
		goto out;
	int tt = base_json_obj_get(&d, 0, "tag"), tf = base_json_obj_get(&d, 0, "from");
	int ts = base_json_obj_get(&d, 0, "sent");
	if (tt < 0 || tf < 0 || ts < 0 || base_json_int64(&d, tf, &from) < 0 ||
	    base_json_type(&d, ts) != BASE_JSON_ARRAY)
		goto out;
	/* The client's offset "<tag>-<seq>" in the old server's log; another
	 * log's (it received nothing there): before everything. */
	size_t tl;
	const char *tag = base_json_raw(&d, tt, &tl);
	uint64_t last = 0;
	const char *dash = strrchr(r->offset, '-');
	if (dash && tl >= 2 && (size_t)(dash - r->offset) == tl - 2 &&
	    memcmp(r->offset, tag + 1, tl - 2) == 0)
		last = strtoull(dash + 1, NULL, 10);
	if (last + 1 < (uint64_t)from)
		goto out;
	base_json_iter it;
	base_json_iter_init(&d, ts, &it);
	int v;
	rc = 0;
	while (rc == 0 && (v = base_json_iter_next(&d, &it, NULL)) >= 0) {
		int ta = base_json_array_get(&d, v, 0), to = base_json_array_get(&d, v, 1);
		int tn = base_json_array_get(&d, v, 2);
		size_t olen;
		const char *o = to >= 0 ? base_json_raw(&d, to, &olen) : NULL;
		if (ta < 0 || !o || olen < 2 || tn < 0 || base_json_int64(&d, ta, &seq) < 0 ||
		    base_json_int64(&d, tn, &os) < 0 || os < 1)
			rc = SIO_EINVAL;
		else if ((uint64_t)seq > last)
			rc = lower_mark(r, o + 1, olen - 2, (uint64_t)os);
	}
out:
	base_json_free(&d);
	return rc;
}

static bool has(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/* sio_rec_wanted for a broadcast's options. */
static bool wanted(const sio_broadcast *o, char *const *rooms, size_t n)
{
	const char *const *rv = (const char *const *)rooms;
	bool in = o->nrooms == 0;
	for (size_t i = 0; !in && i < o->nrooms; i++)
		in = has(rv, n, o->rooms[i]);
	for (size_t i = 0; in && i < o->nexcept; i++)
		in = !has(rv, n, o->except[i]);
	return in && !(o->skip && has(rv, n, sio_socket_id(o->skip)));
}

/* One packet of the adapter's log, encoded as this server would replay it:
 * its offset names the position just before this log's oldest packet (the
 * client presenting it later is told apart from one that got this log's
 * packets). */
static int add_streamed(sio_restore *r, const sio_adapter_packet *p)
{
	sio_namespace *nsp = r->s->nsp;
	struct sio_rstore *st = sio_rec_store(nsp);
	if (!st)
		return SIO_ENOMEM;
	uint64_t base = (st->count ? sio_rec_at(st, 0)->seq : st->next_seq) - 1;
	char offset[TAG_LEN + 24];
	snprintf(offset, sizeof(offset), "%s-%llu", st->tag, (unsigned long long)base);
	sio_out t;
	int rc = sio_rec_stamp(&t, p->args, offset);
	eio_msg *text = rc ? NULL : sio_encode_event(SIO_PKT_EVENT, nsp, -1, p->event, &t);
	base_buf_free(&t.buf);
	if (!text)
		return SIO_ENOMEM;
	rc = sio_rec_add_packet(r, text, p->args ? p->args->atts : NULL,
	                        p->args ? p->args->natts : 0);
	eio_msg_unref(text);
	return rc;
}

int sio_restore_fleet_packet(sio_restore *r, const sio_adapter_packet *p, const sio_broadcast *o)
{
	if (!r->s)
		return 0; /* the client left: nobody to give it to */
	if (!r->fleet || !r->marked || !p || !o || !p->origin || !p->origin_seq || !p->event ||
	    sio_out_check(p->args) < 0)
		return SIO_EINVAL;
	if (r->refuse)
		return 0;
	if (!r->streamed) {
		r->streamed = true;
		r->stream_at = sio_rec_now(r->s->nsp);
	}
	size_t olen = strlen(p->origin), k = mark_of(r, p->origin, olen);
	if (k == r->nmarks) {
		/* No mark: the old server never received this origin's packets,
		 * so the socket got none of them. */
		int i = add_origin(r, p->origin, olen, p->origin_seq - 1);
		if (i < 0)
			return i;
		k = (size_t)i;
	}
	if (p->origin_seq <= r->marks[k])
		return 0; /* the socket got it */
	if (p->origin_seq != r->marks[k] + 1) {
		r->refuse = true; /* the log lost or trimmed what came between */
		return 0;
	}
	r->marks[k] = p->origin_seq;
	return wanted(o, r->rooms, r->nrooms) ? add_streamed(r, p) : 0;
}

/* ---- what the log dropped ------------------------------------------------------------ */

/* A packet dropped from the log (its age, the log's bounds) matters only to
 * a session whose mark for its origin is below it: a log at its bounds
 * drops packets all the time, and a session that got them loses nothing.
 * So the log remembers, per origin, the newest number it dropped; a record
 * is swept once no session can still lack it (kept longer ago than a
 * session's delivered list reaches back before it left, plus the margin,
 * plus max_disconnection_ms). */
static rdrop *drop_of(struct sio_rstore *st, const char *origin)
{
	for (size_t i = 0; i < st->ndrops; i++)
		if (strcmp(st->drops[i].origin, origin) == 0)
			return &st->drops[i];
	return NULL;
}

static void sweep_drops(sio_namespace *nsp, struct sio_rstore *st)
{
	const sio_recovery_options *o = sio_namespace_recovery(nsp);
	uint64_t age = o->max_age_ms ? o->max_age_ms : o->max_disconnection_ms;
	uint64_t reach = age + o->max_disconnection_ms + FLEET_MARGIN_MS, now = sio_rec_now(nsp);
	size_t n = 0;
	for (size_t i = 0; i < st->ndrops; i++) {
		if (st->drops[i].at + reach < now)
			free(st->drops[i].origin);
		else
			st->drops[n++] = st->drops[i];
	}
	st->ndrops = n;
}

void sio_rec_fleet_dropped(sio_namespace *nsp, struct sio_rstore *st, rentry *e)
{
	if (!e->origin)
		return; /* this server's local broadcast: never a fleet session's */
	rdrop *d = drop_of(st, e->origin);
	if (!d && st->ndrops == SIO_REC_DROPS_MAX)
		sweep_drops(nsp, st);
	if (!d && st->ndrops == SIO_REC_DROPS_MAX) {
		st->drops_lost_at = e->at;
		return;
	}
	if (!d) {
		d = &st->drops[st->ndrops++];
		*d = (rdrop){ e->origin, 0, 0 };
		e->origin = NULL; /* the record takes it over */
	}
	if (e->oseq > d->oseq)
		d->oseq = e->oseq;
	d->at = e->at;
}

void sio_rec_fleet_free(struct sio_rstore *st)
{
	for (size_t i = 0; i < st->ndrops; i++)
		free(st->drops[i].origin);
	st->ndrops = 0;
}

/* Did this log drop a packet the session lacks? One after its origin's
 * mark; of an origin without a mark (the socket got none of its packets),
 * one kept since the socket left, less the margin. */
static bool dropped_one_it_lacks(const struct sio_rstore *st, const sio_restore *r)
{
	uint64_t since = r->streamed ? r->stream_at : r->left_at;
	if (st->drops_lost_at && st->drops_lost_at + FLEET_MARGIN_MS >= since)
		return true;
	for (size_t i = 0; i < st->ndrops; i++) {
		const rdrop *d = &st->drops[i];
		size_t k = mark_of(r, d->origin, strlen(d->origin));
		if (k < r->nmarks ? d->oseq > r->marks[k] : d->at + FLEET_MARGIN_MS >= since)
			return true;
	}
	return false;
}

/* From this server's log, every packet after the session's mark for its
 * origin (without a mark: received since the socket left), in the log's
 * order, after those the adapter gave from its own log (whose numbers
 * advanced the marks). */
int sio_rec_fleet_select(sio_namespace *nsp, sio_restore *r)
{
	struct sio_rstore *st = sio_rec_store(nsp);
	if (!st || !r->marked || r->refuse)
		return SIO_EINVAL; /* refuse: see sio_restore_marks */
	sio_rec_prune(nsp, st);
	/* This log must hold every packet after the marks (those the adapter
	 * gave advanced them). */
	if (dropped_one_it_lacks(st, r))
		return SIO_EINVAL;
	uint64_t *next = malloc((r->nmarks ? r->nmarks : 1) * sizeof(*next));
	if (!next)
		return SIO_ENOMEM;
	for (size_t k = 0; k < r->nmarks; k++)
		next[k] = r->marks[k] + 1;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < st->count; i++) {
		rentry *e = sio_rec_at(st, i);
		if (!e->origin)
			continue; /* this server's local broadcast: not the socket's */
		size_t k = 0;
		while (k < r->nmarks && strcmp(r->origins[k], e->origin) != 0)
			k++;
		if (k < r->nmarks && e->oseq < next[k])
			continue; /* the socket got it */
		if (k < r->nmarks && e->oseq != next[k]++)
			rc = SIO_EINVAL; /* a gap: this server missed some */
		else if (k == r->nmarks && e->at < r->left_at)
			continue;
		else if (sio_rec_wanted(e, r->rooms, r->nrooms))
			rc = sio_rec_add_packet(r, e->text, e->atts, e->natts);
	}
	free(next);
	r->local = true;
	r->last_seq = st->next_seq - 1;
	return rc;
}
