/* net_subproto.c - WebSocket subprotocols: the names a listener answers in
 * Sec-WebSocket-Protocol (RFC 6455 sections 1.9 and 4.2.2).
 *
 * lws 4.1 chooses a WebSocket's subprotocol itself, before any callback of
 * ours can: it binds the connection to the first name the client offers
 * that is the name of one of its vhost's protocols, answers with that name,
 * and refuses the upgrade when the client offers names and none is known
 * (lib/roles/ws/server-ws.c, lws_process_ws_upgrade). The vhost's protocols
 * are fixed when the context is created, before anything is mounted, so the
 * listener gives lws NET_SUBPROTO_MAX extra WebSocket protocols whose names
 * are its own buffers, empty (no offered token is empty) until a mount
 * names them: lws keeps the name pointers, not copies. Each slot is the
 * "net-ws" protocol under another name (same callback, same per-connection
 * data), so a WebSocket bound to one goes through net_router.c like any
 * other.
 */
#include "net_internal.h"

#include <string.h>

void net_subproto_init(net_listener *l)
{
	memset(l->protocols, 0, sizeof(l->protocols));
	l->protocols[0] = net_protocols[0];
	l->protocols[1] = net_protocols[1];
	for (size_t i = 0; i < NET_SUBPROTO_MAX; i++) {
		l->subproto[i][0] = '\0';
		l->protocols[2 + i] = net_protocols[1];
		l->protocols[2 + i].name = l->subproto[i];
	}
}

/* An RFC 7230 token (section 3.2.6), as lws's tokenizer reads one. */
static bool is_token(const char *s)
{
	static const char seps[] = "()<>@,;:\\\"/[]?={} \t";
	if (!*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= 32 || (unsigned char)*s >= 127 || strchr(seps, *s))
			return false;
	return true;
}

int net_listener_add_subprotocol(net_listener *l, const char *name)
{
	if (!name || strlen(name) >= NET_SUBPROTO_LEN || !is_token(name) ||
	    strcmp(name, net_protocols[0].name) == 0 || strcmp(name, net_protocols[1].name) == 0)
		return NET_EINVAL;
	for (size_t i = 0; i < NET_SUBPROTO_MAX; i++)
		if (strcmp(l->subproto[i], name) == 0)
			return 0;
	for (size_t i = 0; i < NET_SUBPROTO_MAX; i++) {
		if (!l->subproto[i][0]) {
			memcpy(l->subproto[i], name, strlen(name) + 1);
			return 0;
		}
	}
	return NET_ENOMEM;
}

bool net_subproto_is_ws(struct lws *wsi)
{
	const struct lws_protocols *p = lws_get_protocol(wsi);
	/* Every protocol of ours but "http" is a WebSocket one; the slots
	 * share "net-ws"'s callback and data size. */
	return p && p->name && p->per_session_data_size == sizeof(net_ws) &&
	       strcmp(p->name, net_protocols[0].name) != 0;
}

const char *net_ws_subprotocol(const net_ws *ws)
{
	const struct lws_protocols *p = lws_get_protocol(ws->wsi);
	if (!p || !p->name || !p->name[0] || strcmp(p->name, net_protocols[1].name) == 0)
		return NULL;
	return p->name;
}
