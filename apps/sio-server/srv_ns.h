/* srv_ns.h - namespaces besides "/" (docs/sio-server.md, "Namespaces"): their
 * configuration (srv_config_ns.c) and their modules at run time (srv_ns.c).
 *
 * A configured namespace has its own room rules, replies, limits and auth
 * requirement; the JWT key, claims and token sources are the top level's.
 * A client connecting to a namespace that is neither "/", nor configured,
 * nor the admin dashboard's gets node's connect_error "Invalid namespace"
 * (socketio/sio_connect.c). Presence, webhooks, relay, refresh, token
 * expiry events and plain WebSocket endpoints stay on "/".
 */
#ifndef SRV_NS_H
#define SRV_NS_H

#include "socketio.h"
#include "srv_auth.h"
#include "srv_config.h"
#include "srv_expiry.h"
#include "srv_jwks.h"
#include "srv_metrics.h"

#include <regex.h>
#include <uv.h>

typedef struct srv_ns_cfg {
	char *name;               /* "/chat", or a regular expression ("^/tenant-[0-9]+$") */
	bool dynamic;             /* name is a regular expression: node's io.of(/regex/) */
	regex_t re;               /* compiled when dynamic; matches the whole name */
	bool auth_required;       /* the top level's auth.required unless given */
	srv_kvv if_claim;         /* auth.ifClaim: claim -> value a client must have */
	srv_config_limits limits; /* the top level's unless given, key by key */
	srv_config_rooms rooms;
	srv_kvv replies;
} srv_ns_cfg;

typedef struct srv_nss srv_nss;

/* A name a dynamic namespace's expression accepts, whole. */
bool srv_ns_cfg_matches(const srv_ns_cfg *nc, const char *name);

/* The configured namespaces created on srv and their modules installed
 * (metrics, limits, auth, rooms, in that order as on "/"); expiry is the
 * server's (token expiry disconnects there too). NULL with *err set. An
 * empty set (none configured) is not NULL. */
srv_nss *srv_nss_new(const srv_config *cfg, sio_server *srv, uv_loop_t *loop, srv_metrics *m,
                     srv_expiry *expiry, srv_jwks *jwks, char *err, size_t errlen);
/* After a reload moved new auth values into cfg (srv_reload.c): each
 * namespace's view of the top level and its key made again. 0, or -1 with
 * err (the old key kept). */
int srv_nss_reload(srv_nss *n, const srv_config *cfg, char *err, size_t errlen);
void srv_nss_free(srv_nss *n);

#endif
