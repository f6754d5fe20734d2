/* sio_recovery.c - connection state recovery (node's connectionStateRecovery,
 * socket.io 4.6: lib/socket.ts, lib/namespace.ts _createSocket, and
 * socket.io-adapter's SessionAwareAdapter in lib/in-memory-adapter.ts).
 *
 * The protocol (docs/socketio.md, "Connection state recovery"):
 *   - the CONNECT answer carries {sid, pid}: pid is a private id of the
 *     session, never shown to other clients;
 *   - every kept broadcast gets its offset appended as one more, last,
 *     argument; the client remembers the last offset it received;
 *   - a client that lost its connection sends {pid, offset, ...auth} in its
 *     next CONNECT; if the session is known, not older than
 *     max_disconnection_ms, and the offset still in the log, the socket
 *     takes back its id, rooms and data, gets the packets broadcast since
 *     the offset to its rooms, and is "recovered" (the client sees it too:
 *     its pid came back).
 * Kept: EVENT broadcasts without acks and not volatile (node's
 * SessionAwareAdapter#broadcast), and direct emits without acks (node's
 * Socket#emit sends them as broadcasts to the socket's own room when
 * recovery is on); acks and their answers never. A session is kept when the
 * socket left for a reason the client may come back from (node's
 * RECOVERABLE_DISCONNECT_REASONS), not when either side disconnected it.
 *
 * The store is per namespace: sessions by pid (a FIFO in disconnection
 * order, so expiry pops from its head) and a ring of the kept packets,
 * bounded by count, bytes and age; both pruned on use, so a quiet server
 * holds at most the bounds. A packet kept is the eio_msg the recipients got
 * (one more reference, no copy). An adapter with persist_session /
 * restore_session keeps both elsewhere: then the library only stamps the
 * offsets the adapter gives. An adapter with share_session / find_session
 * (the Redis adapter) leaves both here and shares the sessions with the
 * other servers: a session one of them kept is recovered from this log by
 * sio_recovery_fleet.c.
 *
 * Cost: with recovery off, the broadcast path tests one flag; on, one copy
 * of the arguments and one allocation per broadcast, never per recipient.
 */
#include "base/log.h"
#include "sio_recovery.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const recoverable[] = {
	"transport error", "transport close",      "forced close",
	"ping timeout",    "server shutting down", "forced server close",
};

/* ---- small helpers ---------------------------------------------------------------- */

uint64_t sio_rec_now(const sio_namespace *nsp)
{
	return uv_now(eio_server_loop(nsp->srv->eio));
}

void sio_rec_free_strs(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

char **sio_rec_dup_strs(const char *const *v, size_t n)
{
	char **out = calloc(n ? n : 1, sizeof(*out));
	for (size_t i = 0; out && i < n; i++) {
		if (!(out[i] = strdup(v[i]))) {
			sio_rec_free_strs(out, i);
			return NULL;
		}
	}
	return out;
}

static bool has(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static void random_id(char *out, size_t len)
{
	unsigned char raw[SIO_RANDOM_ID_LEN / 4 * 3];
	randombytes_buf(raw, sizeof(raw));
	char tmp[SIO_RANDOM_ID_LEN + 4];
	sodium_bin2base64(tmp, sizeof(tmp), raw, sizeof(raw),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	memcpy(out, tmp, len);
	out[len] = '\0';
}

static const sio_recovery_options *opts(const sio_namespace *nsp)
{
	return &nsp->srv->o.recovery;
}

static bool adapter_keeps(const sio_namespace *nsp)
{
	return nsp->srv->adapter->restore_session && nsp->srv->adapter->persist_session;
}

/* ---- the store -------------------------------------------------------------------- */

struct sio_rstore *sio_rec_store(sio_namespace *nsp)
{
	if (nsp->rstore)
		return nsp->rstore;
	struct sio_rstore *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	base_map_init(&st->sessions);
	random_id(st->tag, TAG_LEN);
	st->next_seq = 1;
	nsp->rstore = st;
	return st;
}

static void session_free(rsession *r)
{
	free(r->pid);
	free(r->sid);
	sio_rec_free_strs(r->rooms, r->nrooms);
	free(r->data);
	free(r);
}

static void session_unlink(struct sio_rstore *st, rsession *r)
{
	base_map_del(&st->sessions, r->pid);
	if (r->prev)
		r->prev->next = r->next;
	else
		st->head = r->next;
	if (r->next)
		r->next->prev = r->prev;
	else
		st->tail = r->prev;
	st->nsessions--;
}

static void entry_free(rentry *e)
{
	eio_msg_unref(e->text);
	for (int i = 0; i < e->natts; i++)
		eio_msg_unref(e->atts[i]);
	free(e->atts);
	sio_rec_free_strs(e->rooms, e->nrooms);
	sio_rec_free_strs(e->except, e->nexcept);
	free(e->origin);
}

static void drop_first(sio_namespace *nsp, struct sio_rstore *st)
{
	rentry *e = sio_rec_at(st, 0);
	st->bytes -= e->bytes;
	if (nsp)
		sio_rec_fleet_dropped(nsp, st, e);
	entry_free(e);
	st->first = (st->first + 1) % st->cap;
	st->count--;
}

/* Expired sessions and packets, and the packets over the bounds. */
void sio_rec_prune(sio_namespace *nsp, struct sio_rstore *st)
{
	const sio_recovery_options *o = opts(nsp);
	uint64_t now = sio_rec_now(nsp);
	while (st->head && st->head->at + o->max_disconnection_ms < now) {
		rsession *r = st->head;
		session_unlink(st, r);
		session_free(r);
	}
	uint64_t age = o->max_age_ms ? o->max_age_ms : o->max_disconnection_ms;
	while (st->count > 0 && (st->count > o->max_packets || st->bytes > o->max_bytes ||
	                         sio_rec_at(st, 0)->at + age < now))
		drop_first(nsp, st);
}

void sio_recovery_namespace_free(sio_namespace *nsp)
{
	struct sio_rstore *st = nsp->rstore;
	if (!st)
		return;
	while (st->head) {
		rsession *r = st->head;
		session_unlink(st, r);
		session_free(r);
	}
	base_map_free(&st->sessions);
	while (st->count > 0)
		drop_first(NULL, st);
	sio_rec_fleet_free(st);
	free(st->ring);
	free(st);
	nsp->rstore = NULL;
}

static int ring_push(struct sio_rstore *st, size_t max)
{
	if (st->count < st->cap)
		return 0;
	size_t ncap = st->cap ? st->cap * 2 : 64;
	if (ncap > max && max >= st->cap + 1)
		ncap = max;
	rentry *nr = malloc(ncap * sizeof(*nr));
	if (!nr)
		return SIO_ENOMEM;
	for (size_t i = 0; i < st->count; i++)
		nr[i] = *sio_rec_at(st, i);
	free(st->ring);
	st->ring = nr;
	st->cap = ncap;
	st->first = 0;
	return 0;
}

/* Keep one broadcast: the encoded packet and where it went. */
static int keep(sio_namespace *nsp, struct sio_rstore *st, uint64_t seq, eio_msg *text,
                const sio_adapter_packet *p, const sio_broadcast *o)
{
	const sio_recovery_options *op = opts(nsp);
	if (op->max_packets == 0)
		return 0;
	if (st->count == op->max_packets)
		drop_first(nsp, st);
	if (ring_push(st, op->max_packets) < 0)
		return SIO_ENOMEM;
	const sio_out *args = p->args;
	rentry e = { .seq = seq, .at = sio_rec_now(nsp), .text = text, .oseq = p->origin_seq };
	size_t len = 0;
	eio_msg_data(text, &len);
	e.bytes = len;
	int natts = args ? args->natts : 0;
	e.rooms = sio_rec_dup_strs(o->rooms, o->nrooms);
	e.nrooms = o->nrooms;
	/* socket.broadcast: the sender is one more exception (node puts its id
	 * in except). */
	size_t nexc = o->nexcept + (o->skip ? 1 : 0);
	e.except = calloc(nexc ? nexc : 1, sizeof(char *));
	bool ok = e.rooms && e.except && (!p->origin || (e.origin = strdup(p->origin)));
	for (size_t i = 0; ok && i < o->nexcept; i++)
		ok = (e.except[e.nexcept++] = strdup(o->except[i])) != NULL;
	if (ok && o->skip)
		ok = (e.except[e.nexcept++] = strdup(o->skip->id)) != NULL;
	if (ok && natts > 0) {
		ok = (e.atts = malloc((size_t)natts * sizeof(eio_msg *))) != NULL;
		for (int i = 0; ok && i < natts; i++) {
			e.atts[e.natts++] = eio_msg_ref(args->atts[i]);
			eio_msg_data(args->atts[i], &len);
			e.bytes += len;
		}
	}
	eio_msg_ref(text);
	if (!ok) {
		entry_free(&e);
		return SIO_ENOMEM;
	}
	*sio_rec_at(st, st->count) = e;
	st->count++;
	st->bytes += e.bytes;
	sio_rec_prune(nsp, st);
	return 0;
}

/* ---- the broadcast path ----------------------------------------------------------- */

/* args with one more string argument, the offset: a copy of the builder's
 * text (its writer state included), the attachments borrowed. */
int sio_rec_stamp(sio_out *t, const sio_out *args, const char *offset)
{
	memset(t, 0, sizeof(*t));
	base_buf_init(&t->buf);
	if (args) {
		if (base_buf_append(&t->buf, args->buf.data, args->buf.len) < 0)
			return SIO_ENOMEM;
		t->w = args->w;
		t->w.buf = &t->buf;
		t->atts = args->atts;
		t->natts = args->natts;
		t->count = args->count;
	} else {
		base_jsonw_init(&t->w, &t->buf);
		if (base_jsonw_array_begin(&t->w) < 0)
			return SIO_ENOMEM;
	}
	if (base_jsonw_str(&t->w, offset, strlen(offset)) < 0)
		return SIO_ENOMEM;
	t->count++;
	return 0;
}

const sio_recovery_options *sio_namespace_recovery(const sio_namespace *nsp)
{
	return opts(nsp);
}

bool sio_namespace_keeps_packets(const sio_namespace *nsp)
{
	return opts(nsp)->enabled && !adapter_keeps(nsp);
}

bool sio_recovery_applies(const sio_namespace *nsp, const sio_adapter_packet *p,
                          const sio_broadcast *o)
{
	if (p->offset)
		return true;
	return opts(nsp)->enabled && !o->volatile_ && !adapter_keeps(nsp);
}

int sio_recovery_deliver(sio_namespace *nsp, const sio_adapter_packet *p, const sio_broadcast *o)
{
	char offset[TAG_LEN + 24];
	struct sio_rstore *st = NULL;
	uint64_t seq = 0;
	if (p->offset) {
		snprintf(offset, sizeof(offset), "%s", p->offset);
		if (strlen(p->offset) >= sizeof(offset))
			return SIO_EINVAL;
	} else {
		if (!(st = sio_rec_store(nsp)))
			return SIO_ENOMEM;
		seq = st->next_seq++;
		snprintf(offset, sizeof(offset), "%s-%llu", st->tag, (unsigned long long)seq);
	}
	sio_out t;
	int r = sio_rec_stamp(&t, p->args, offset);
	eio_msg *text = r ? NULL : sio_encode_event(SIO_PKT_EVENT, nsp, -1, p->event, &t);
	base_buf_free(&t.buf);
	if (!text)
		return SIO_ENOMEM;
	int sent = sio_deliver_msg(nsp, p, o, NULL, -1, text);
	if (st && keep(nsp, st, seq, text, p, o) < 0)
		base_log(NS, "%s: out of memory keeping packet %s", nsp->name, offset);
	eio_msg_unref(text);
	return sent;
}

/* A direct emit without ack, recovery on: node's Socket#emit makes it a
 * broadcast to the socket's own room, so it is kept and stamped like one
 * (an adapter that keeps packets gets it as a local broadcast). */
int sio_recovery_emit(sio_socket *s, const char *event, const sio_out *args)
{
	sio_namespace *nsp = s->nsp;
	const char *rooms[1] = { s->id };
	sio_broadcast b = { .rooms = rooms, .nrooms = 1, .local = true };
	sio_adapter_packet p = { SIO_PACKET_EVENT, nsp, event, args, NULL, NULL, 0 };
	int n = adapter_keeps(nsp)
	                ? nsp->srv->adapter->broadcast(nsp, &p, &b, nsp->srv->adapter_user)
	                : sio_recovery_deliver(nsp, &p, &b);
	return n < 0 ? n : 0;
}

/* ---- a socket's session ------------------------------------------------------------ */

int sio_recovery_socket_init(sio_socket *s)
{
	if (!opts(s->nsp)->enabled || s->client->codec || eio_session_protocol(s->client->es) == 3)
		return 0;
	if (!(s->pid = malloc(SIO_RANDOM_ID_LEN + 1)))
		return SIO_ENOMEM;
	random_id(s->pid, SIO_RANDOM_ID_LEN);
	return 0;
}

typedef struct room_list {
	const char **v;
	size_t n;
} room_list;

static void add_room(const char *room, void *u)
{
	room_list *l = u;
	l->v[l->n++] = room;
}

/* The session to the other servers, with what this one delivered lately. */
static void share(sio_namespace *nsp, const sio_session *ses)
{
	struct sio_rstore *st = sio_rec_store(nsp);
	base_buf b;
	base_buf_init(&b);
	if (st && sio_rec_delivered(nsp, st, (char *const *)ses->rooms, ses->nrooms, &b) == 0 &&
	    base_buf_append(&b, "", 1) == 0)
		nsp->srv->adapter->share_session(nsp, ses, (const char *)b.data,
		                                 opts(nsp)->max_disconnection_ms,
		                                 nsp->srv->adapter_user);
	base_buf_free(&b);
}

/* Leaving for a reason the client may come back from: keep the session. */
void sio_recovery_persist(sio_socket *s, const char *reason)
{
	bool ok = false;
	for (size_t i = 0; i < sizeof(recoverable) / sizeof(*recoverable); i++)
		ok |= strcmp(reason, recoverable[i]) == 0;
	if (!ok)
		return;
	room_list l = { malloc((s->nrooms + 1) * sizeof(char *)), 0 };
	if (!l.v)
		return;
	sio_socket_rooms(s, add_room, &l);
	size_t dlen;
	const char *data = sio_socket_data(s, &dlen);
	sio_session ses = { s->id, s->pid, l.v, l.n, data, dlen };
	sio_namespace *nsp = s->nsp;
	if (adapter_keeps(nsp)) {
		nsp->srv->adapter->persist_session(nsp, &ses, nsp->srv->adapter_user);
		free(l.v);
		return;
	}
	struct sio_rstore *st = sio_rec_store(nsp);
	rsession *r = st ? calloc(1, sizeof(*r)) : NULL;
	if (r) {
		r->pid = strdup(s->pid);
		r->sid = strdup(s->id);
		r->rooms = sio_rec_dup_strs(l.v, l.n);
		r->nrooms = l.n;
		r->data = strndup(data, dlen);
		r->data_len = dlen;
		r->at = sio_rec_now(nsp);
	}
	if (nsp->srv->adapter->share_session)
		share(nsp, &ses);
	free(l.v);
	if (!r || !r->pid || !r->sid || !r->rooms || !r->data) {
		if (r)
			session_free(r);
		return;
	}
	sio_rec_prune(nsp, st);
	if (st->nsessions >= opts(nsp)->max_sessions && st->head) {
		rsession *old = st->head; /* the oldest gives way */
		session_unlink(st, old);
		session_free(old);
	}
	if (base_map_put(&st->sessions, r->pid, r) < 0) {
		session_free(r);
		return;
	}
	r->prev = st->tail;
	if (st->tail)
		st->tail->next = r;
	else
		st->head = r;
	st->tail = r;
	st->nsessions++;
	base_log(NS, "%s: session of %s kept", nsp->name, s->id);
}

/* ---- restoring -------------------------------------------------------------------- */

static void restore_free(sio_restore *r)
{
	free(r->sid);
	free(r->pid);
	sio_rec_free_strs(r->rooms, r->nrooms);
	free(r->data);
	for (size_t i = 0; i < r->npkts; i++) {
		eio_msg_unref(r->pkts[i].text);
		for (int k = 0; k < r->pkts[i].natts; k++)
			eio_msg_unref(r->pkts[i].atts[k]);
		free(r->pkts[i].atts);
	}
	free(r->pkts);
	sio_rec_free_strs(r->origins, r->nmarks);
	free(r->marks);
	free(r->offset);
	free(r->delivered);
	free(r);
}

int sio_restore_session(sio_restore *r, const sio_session *ses)
{
	if (r->found || !ses || !ses->sid || !ses->pid || strlen(ses->sid) != SIO_RANDOM_ID_LEN)
		return SIO_EINVAL; /* an id of another length is not one of ours */
	r->sid = strdup(ses->sid);
	r->pid = strdup(ses->pid);
	r->rooms = sio_rec_dup_strs(ses->rooms, ses->nrooms);
	r->nrooms = ses->nrooms;
	r->data = ses->data_json ? strndup(ses->data_json, ses->data_len) : NULL;
	r->data_len = ses->data_json ? ses->data_len : 0;
	if (!r->sid || !r->pid || !r->rooms || (ses->data_json && !r->data))
		return SIO_ENOMEM;
	r->found = true;
	return 0;
}

int sio_rec_add_packet(sio_restore *r, eio_msg *text, eio_msg *const *atts, int natts)
{
	rpacket *np = realloc(r->pkts, (r->npkts + 1) * sizeof(*np));
	if (!np)
		return SIO_ENOMEM;
	r->pkts = np;
	rpacket *p = &np[r->npkts];
	*p = (rpacket){ eio_msg_ref(text), NULL, 0 };
	if (natts > 0 && !(p->atts = malloc((size_t)natts * sizeof(eio_msg *)))) {
		eio_msg_unref(text);
		return SIO_ENOMEM;
	}
	for (int i = 0; i < natts; i++)
		p->atts[p->natts++] = eio_msg_ref(atts[i]);
	r->npkts++;
	return 0;
}

int sio_restore_packet(sio_restore *r, const char *event, const sio_out *args)
{
	if (!r->s)
		return 0; /* the client left: nobody to give it to */
	if (!r->found || sio_out_check(args) < 0)
		return SIO_EINVAL;
	eio_msg *m = sio_encode_event(SIO_PKT_EVENT, r->s->nsp, -1, event, args);
	if (!m)
		return SIO_ENOMEM;
	int rc = sio_rec_add_packet(r, m, args ? args->atts : NULL, args ? args->natts : 0);
	eio_msg_unref(m);
	return rc;
}

void sio_restore_refuse(sio_restore *r)
{
	r->refuse = true;
}

/* The socket takes the session over: its id (same length: the id is
 * allocated with the socket) now, its rooms and data when connected. */
void sio_restore_end(sio_restore *r)
{
	sio_socket *s = r->s;
	r->ended = true;
	if (!s) {
		restore_free(r);
		return;
	}
	void (*resume)(sio_socket *) = r->resume;
	if (r->found && (r->refuse || (r->fleet && sio_rec_fleet_select(s->nsp, r) < 0))) {
		base_log(NS, "%s: session %s refused: this log cannot say what it missed",
		         s->nsp->name, r->sid);
		r->found = false;
	}
	if (r->found && s->id_len == SIO_RANDOM_ID_LEN && !base_map_get(&s->nsp->sockets, r->sid)) {
		memcpy(s->id, r->sid, SIO_RANDOM_ID_LEN + 1);
		free(s->pid); /* the client knows it recovered by its pid coming back */
		s->pid = r->pid;
		r->pid = NULL;
		s->recovered = true;
		base_log(NS, "%s: %s recovered, %zu packets missed", s->nsp->name, s->id, r->npkts);
	} else {
		s->restore = NULL;
		restore_free(r);
	}
	resume(s);
}

/* node's shouldIncludePacket: to every socket or to one of its rooms, and
 * to none of the exceptions. */
bool sio_rec_wanted(const rentry *e, char *const *rooms, size_t nrooms)
{
	bool in = e->nrooms == 0;
	for (size_t i = 0; !in && i < e->nrooms; i++)
		in = has(rooms, nrooms, e->rooms[i]);
	for (size_t i = 0; in && i < e->nexcept; i++)
		in = !has(rooms, nrooms, e->except[i]);
	return in;
}

/* The library's store, at once: the session by pid, the packets after
 * the offset. */
static void restore_local(sio_namespace *nsp, const char *pid, const char *offset, sio_restore *r)
{
	struct sio_rstore *st = nsp->rstore;
	if (!st)
		return;
	sio_rec_prune(nsp, st);
	rsession *ses = base_map_get(&st->sessions, pid);
	size_t tl = strlen(st->tag);
	if (!ses || strncmp(offset, st->tag, tl) != 0 || offset[tl] != '-')
		return;
	char *end;
	unsigned long long seq = strtoull(offset + tl + 1, &end, 10);
	if (*end || st->count == 0 || seq < sio_rec_at(st, 0)->seq || seq >= st->next_seq)
		return; /* the offset may be too old (node: "index === -1") */
	session_unlink(st, ses);
	sio_session in = { ses->sid,    ses->pid,  (const char *const *)ses->rooms,
		           ses->nrooms, ses->data, ses->data_len };
	if (sio_restore_session(r, &in) == 0) {
		r->local = true;
		r->last_seq = seq;
		for (size_t i = (size_t)(seq - sio_rec_at(st, 0)->seq) + 1; i < st->count; i++) {
			rentry *e = sio_rec_at(st, i);
			if (sio_rec_wanted(e, ses->rooms, ses->nrooms) &&
			    sio_rec_add_packet(r, e->text, e->atts, e->natts) < 0)
				break;
			r->last_seq = e->seq;
		}
	}
	session_free(ses);
}

/* A CONNECT with {pid, offset} strings in its auth, on a server that
 * recovers: ask the store; resume(s) runs when it answered. Returns false
 * when there is nothing to ask (resume not called). */
bool sio_recovery_begin(sio_socket *s, void (*resume)(sio_socket *s))
{
	if (!s->pid)
		return false;
	base_json doc;
	base_json_init(&doc);
	char *pid = NULL, *offset = NULL;
	if (base_json_parse(&doc, s->auth, s->auth_len) == 0 &&
	    base_json_type(&doc, 0) == BASE_JSON_OBJECT) {
		int tp = base_json_obj_get(&doc, 0, "pid");
		int to = base_json_obj_get(&doc, 0, "offset");
		if (tp > 0 && to > 0 && base_json_type(&doc, tp) == BASE_JSON_STRING &&
		    base_json_type(&doc, to) == BASE_JSON_STRING) {
			base_json_str_dup(&doc, tp, &pid, NULL);
			base_json_str_dup(&doc, to, &offset, NULL);
		}
	}
	base_json_free(&doc);
	sio_restore *r = pid && offset ? calloc(1, sizeof(*r)) : NULL;
	if (!r) {
		free(pid);
		free(offset);
		return false;
	}
	r->s = s;
	r->resume = resume;
	s->restore = r;
	sio_namespace *nsp = s->nsp;
	if (adapter_keeps(nsp)) {
		nsp->srv->adapter->restore_session(nsp, pid, offset, r, nsp->srv->adapter_user);
	} else {
		restore_local(nsp, pid, offset, r);
		const sio_adapter_ops *ops = nsp->srv->adapter;
		if (ops->find_session && !r->found) {
			r->fleet = true; /* the session may be another server's */
			r->offset = offset;
			offset = NULL;
			ops->find_session(nsp, pid, r, nsp->srv->adapter_user);
		} else {
			if (ops->find_session)
				ops->find_session(nsp, pid, NULL, nsp->srv->adapter_user);
			sio_restore_end(r);
		}
	}
	free(pid);
	free(offset);
	return true;
}

/* The socket is connected: its session's rooms and data, the CONNECT
 * answer {sid, pid} in b (node's Socket#_onconnect). */
int sio_recovery_connected(sio_socket *s, base_buf *b)
{
	sio_restore *r = s->recovered ? s->restore : NULL;
	if (r) {
		for (size_t i = 0; i < r->nrooms; i++)
			if (strcmp(r->rooms[i], s->id) != 0 && sio_rooms_join(s, r->rooms[i]) < 0)
				return SIO_ENOMEM;
		if (r->data) {
			free(s->data);
			s->data = r->data;
			s->data_len = r->data_len;
			r->data = NULL;
		}
	}
	/* the answer made as without recovery, its '}' replaced by the pid */
	if (b->len == 0 || b->data[b->len - 1] != '}')
		return SIO_EINVAL;
	b->len--;
	int rc = base_buf_append(b, ",\"pid\":\"", 8);
	rc |= base_buf_append(b, s->pid, strlen(s->pid));
	rc |= base_buf_append(b, "\"}", 2);
	return rc ? SIO_ENOMEM : 0;
}

/* After the answer: the missed packets, in order, then (the library's
 * store) those kept since the restore, while middleware ran. */
void sio_recovery_replay(sio_socket *s)
{
	sio_restore *r = s->restore;
	if (!r)
		return;
	s->restore = NULL;
	for (size_t i = 0; i < r->npkts; i++)
		sio_client_send_packet(s->client, r->pkts[i].text, r->pkts[i].atts,
		                       r->pkts[i].natts);
	struct sio_rstore *st = s->nsp->rstore;
	if (r->local && st && st->count > 0 && r->last_seq + 1 >= sio_rec_at(st, 0)->seq) {
		for (size_t i = (size_t)(r->last_seq + 1 - sio_rec_at(st, 0)->seq); i < st->count;
		     i++) {
			rentry *e = sio_rec_at(st, i);
			if (sio_rec_wanted(e, r->rooms, r->nrooms))
				sio_client_send_packet(s->client, e->text, e->atts, e->natts);
		}
	}
	restore_free(r);
}

void sio_recovery_socket_free(sio_socket *s)
{
	if (s->restore && !s->restore->ended)
		s->restore->s = NULL; /* the adapter still answers: dropped then */
	else if (s->restore)
		restore_free(s->restore);
	free(s->pid);
}

sio_recovery_counts sio_recovery_count(const sio_namespace *nsp)
{
	const struct sio_rstore *st = nsp->rstore;
	return st ? (sio_recovery_counts){ st->count, st->bytes, st->nsessions }
	          : (sio_recovery_counts){ 0, 0, 0 };
}

bool sio_socket_recovered(const sio_socket *s)
{
	return s->recovered;
}
