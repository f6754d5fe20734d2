/* eio_admit.c - admission control: a bound on handshakes in flight and on
 * sessions per client address, so that a reconnect storm or one address
 * opening thousands of sessions cannot take every descriptor.
 *
 * A handshake is "in flight" from the moment its session opens until the
 * client's first message arrives (for Socket.IO, its first CONNECT) or the
 * session ends: the sessions a storm of new clients holds before any of
 * them is doing anything. Past max_pending_handshakes a new session is
 * refused, and so is one whose client address already has
 * max_sessions_per_address sessions (0 for either: no bound, node's
 * behaviour, which has neither). A polling handshake is answered 503 with
 * Retry-After and an Engine.IO error body; a WebSocket without sid gets the
 * same 503 before its 101, so no session and no upgraded connection exist
 * for it. engine.io-client treats either as a failed attempt and retries
 * with its reconnection backoff. Upgrades of existing sessions are never
 * refused: they open nothing new.
 *
 * The client address is the peer's, or behind trusted proxies the one
 * their X-Forwarded-For names (net_proxy.c): nginx's own address is never
 * capped. Each address in use has one counter, shared by its sessions and
 * freed with the last one; refusals are counted in the refusing server's
 * statistics (eio_server_stats) for /metrics.
 *
 * The counts are the listener's, not each server's: the descriptors and the
 * loop's time the bounds protect are the process's, so the sessions of
 * every server mounted on one listener (an Engine.IO server and its plain
 * WebSocket endpoints, eio_plain.c) count together, each server checking
 * its own bounds against the totals. A server without a per-address bound
 * does not count its sessions per address. A plain WebSocket is in flight
 * only while it opens: its 101 completes its handshake (it has no CONNECT to
 * wait for), so it is refused while the handshakes in flight are at the
 * bound but never holds one.
 */
#include "eio_admit.h"

#include "base/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS "engineio:admit"

/* The sessions of one client address: the map's key lives here. */
struct eio_admit_addr {
	unsigned count;
	char key[64];
};

int eio_admit_init(eio_server *srv)
{
	int err = 0;
	srv->proxies = net_proxies_parse(srv->o.trusted_proxies, &err);
	if (err)
		return err == NET_ENOMEM ? EIO_ENOMEM : EIO_EINVAL;
	return 0;
}

void eio_admit_free(eio_server *srv)
{
	net_proxies_free(srv->proxies);
	srv->proxies = NULL;
}

void eio_admit_free_listener(eio_listener *l)
{
	size_t i = 0;
	struct eio_admit_addr *a;
	while ((a = base_map_next(&l->admit_addrs, &i)))
		free(a);
	base_map_free(&l->admit_addrs);
}

int eio_admit_check(eio_server *srv, struct lws *wsi)
{
	unsigned max = srv->o.max_pending_handshakes;
	if (max && srv->l->admit_pending >= max) {
		srv->stats.refused_busy++;
		base_log(NS, "refused: %u handshakes in flight", max);
		return EIO_ADMIT_BUSY;
	}
	max = srv->o.max_sessions_per_address;
	char addr[64];
	if (max && net_client_address(wsi, srv->proxies, addr, sizeof(addr))) {
		const struct eio_admit_addr *a = base_map_get(&srv->l->admit_addrs, addr);
		if (a && a->count >= max) {
			srv->stats.refused_address++;
			base_log(NS, "refused: %s has %u sessions", addr, max);
			return EIO_ADMIT_ADDRESS;
		}
	}
	return 0;
}

void eio_admit_take(eio_session *s, struct lws *wsi)
{
	eio_server *srv = s->srv;
	base_map *addrs = &srv->l->admit_addrs;
	s->admit_pending = true;
	srv->stats.handshakes_pending++;
	srv->l->admit_pending++;
	char addr[64];
	if (!srv->o.max_sessions_per_address ||
	    !net_client_address(wsi, srv->proxies, addr, sizeof(addr)))
		return;
	struct eio_admit_addr *a = base_map_get(addrs, addr);
	if (!a) {
		/* Out of memory: the session goes uncounted, not refused. */
		if (!(a = calloc(1, sizeof(*a))))
			return;
		snprintf(a->key, sizeof(a->key), "%s", addr);
		if (base_map_put(addrs, a->key, a) < 0) {
			free(a);
			return;
		}
	}
	a->count++;
	s->admit_addr = a;
}

void eio_admit_settle(eio_session *s)
{
	if (!s->admit_pending)
		return;
	s->admit_pending = false;
	s->srv->stats.handshakes_pending--;
	s->srv->l->admit_pending--;
}

void eio_admit_release(eio_session *s)
{
	eio_admit_settle(s);
	struct eio_admit_addr *a = s->admit_addr;
	if (!a)
		return;
	s->admit_addr = NULL;
	if (--a->count == 0) {
		base_map_del(&s->srv->l->admit_addrs, a->key);
		free(a);
	}
}

/* The body of a refusal, as Engine.IO's errors ({"code", "message"}); the
 * code is node's "Forbidden"-style extension: 6 is not one of node's. */
static const char *refusal_body(int why)
{
	return why == EIO_ADMIT_ADDRESS ? "{\"code\":6,\"message\":\"Too many connections\"}"
	                                : "{\"code\":6,\"message\":\"Server busy\"}";
}

/* The refusal as the application hears of it (eio_server_on_refusal). */
static void report(eio_server *srv, struct lws *wsi, const char *path, int why, bool websocket)
{
	bool addr = why == EIO_ADMIT_ADDRESS;
	eio_refusal_report(srv, wsi, path,
	                   (eio_refusal){ .kind = addr ? "address_limit" : "server_busy",
	                                  .message = addr ? "Too many connections" : "Server busy",
	                                  .code = 6,
	                                  .status = 503,
	                                  .websocket = websocket });
}

void eio_admit_respond(eio_server *srv, net_http *h, const char *path, int why)
{
	const char *b = refusal_body(why);
	report(srv, h->wsi, path, why, false);
	h->retry_after = srv->o.retry_after_s ? srv->o.retry_after_s : 1;
	net_http_respond(h, 503, "application/json", b, strlen(b));
}

int eio_admit_refuse_upgrade(eio_server *srv, struct lws *wsi, const char *path, int why)
{
	const char *b = refusal_body(why);
	report(srv, wsi, path, why, true);
	return net_ws_refuse_retry(wsi, 503, srv->o.retry_after_s ? srv->o.retry_after_s : 1,
	                           "application/json", b, strlen(b));
}

void eio_session_set_pending(eio_session *s, bool pending)
{
	if (!pending) {
		eio_admit_settle(s);
	} else if (!s->admit_pending && s->state != EIO_S_CLOSED) {
		s->admit_pending = true;
		s->srv->stats.handshakes_pending++;
		s->srv->l->admit_pending++;
	}
}
