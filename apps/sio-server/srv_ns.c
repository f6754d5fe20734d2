/* srv_ns.c - the configured namespaces at run time (srv_ns.h).
 *
 * Each namespace runs the same modules as "/" (srv_limits, srv_auth,
 * srv_rooms, metrics) over a view: a copy of the top-level configuration
 * whose rooms, replies, limits and auth.required are the namespace's. The
 * view's other values point into the top-level configuration, so a reload
 * (srv_reload.c) that moves new auth values there refreshes every view
 * (srv_nss_reload) before the old values are freed. The ifClaim check is a
 * middleware after the token's: a client without the claims gets
 * connect_error "forbidden" {code: "FORBIDDEN"}.
 */
#include "srv_ns.h"

#include "srv_limits.h"
#include "srv_log_sock.h"
#include "srv_rooms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct srv_ns {
	srv_config view;
	const srv_ns_cfg *nc;
	sio_namespace *nsp;
	srv_auth *auth;
	srv_rooms *rooms;
	srv_limits *limits;
	srv_metrics *m;
	srv_expiry *expiry;
} srv_ns;

struct srv_nss {
	srv_ns *v;
	size_t n;
};

static void make_view(srv_ns *ns, const srv_config *cfg)
{
	ns->view = *cfg;
	ns->view.limits = ns->nc->limits;
	ns->view.rooms = ns->nc->rooms;
	ns->view.replies = ns->nc->replies;
	ns->view.auth.required = ns->nc->auth_required;
	ns->view.namespaces = NULL;
	ns->view.nnamespaces = 0;
}

static void on_disconnect(sio_socket *s, const char *reason, void *user)
{
	srv_ns *ns = user;
	const srv_log_field why[] = { SRV_LS("reason", reason) };
	srv_log_socket(SRV_LOG_INFO, "disconnection", s, why, 1);
	srv_metrics_disconnect(ns->m, reason);
	srv_expiry_on_disconnect(ns->expiry, s);
	srv_user_free(srv_user_of(s));
	sio_socket_set_user(s, NULL);
}

static void on_connection(sio_socket *s, void *user)
{
	srv_ns *ns = user;
	sio_on_disconnect(s, on_disconnect, ns);
	srv_metrics_connection(ns->m, s);
	srv_rooms_on_connection(ns->rooms, s);
	srv_expiry_on_connection(ns->expiry, s);
	srv_log_socket(SRV_LOG_INFO, "connection", s, NULL, 0);
}

/* auth.ifClaim: every claim has its value (equal, or in a list). */
static int claims_mw(sio_socket *s, const char **message, const char **data_json, void *user)
{
	srv_ns *ns = user;
	const srv_user *u = srv_user_of(s);
	for (size_t i = 0; i < ns->nc->if_claim.n; i++) {
		const srv_kv *kv = &ns->nc->if_claim.v[i];
		if (!u || !u->claims ||
		    !srv_jwt_claim_list_contains(u->claims, kv->key, kv->value)) {
			*message = "forbidden";
			*data_json = "{\"code\":\"FORBIDDEN\"}";
			srv_metrics_error(ns->m, "namespace_forbidden");
			const srv_log_field f[] = { SRV_LS("kind", "namespace_forbidden"),
				                    SRV_LS("reason", "a required claim is missing"),
				                    SRV_LS("claim", kv->key) };
			srv_log_socket(SRV_LOG_INFO, "refused", s, f, 3);
			/* a refused socket never disconnects: its user goes now */
			srv_user_free(srv_user_of(s));
			sio_socket_set_user(s, NULL);
			return 1;
		}
	}
	return 0;
}

/* A dynamic namespace's match (sio_of_dynamic): its expression, and never
 * a name configured exactly or the admin dashboard's (found before). */
static bool match(const char *name, const char *auth_json, void *user)
{
	(void)auth_json;
	return srv_ns_cfg_matches(((srv_ns *)user)->nc, name);
}

static int start(srv_ns *ns, sio_server *srv, uv_loop_t *loop, srv_jwks *jwks, char *err,
                 size_t errlen)
{
	ns->nsp = ns->nc->dynamic ? sio_of_dynamic(srv, match, ns) : sio_of(srv, ns->nc->name);
	ns->auth = srv_auth_new(&ns->view, err, errlen);
	if (!ns->nsp || !ns->auth)
		return -1;
	srv_auth_set_jwks(ns->auth, jwks);
	ns->rooms = srv_rooms_new(&ns->view, ns->m);
	ns->limits = srv_limits_new(&ns->view, loop, ns->m);
	if (!ns->rooms || !ns->limits || srv_metrics_install(ns->m, ns->nsp) ||
	    srv_log_events_install(ns->nsp) || srv_limits_install(ns->limits, ns->nsp) ||
	    srv_auth_install(ns->auth, ns->nsp, ns->m) ||
	    (ns->nc->if_claim.n && sio_use(ns->nsp, claims_mw, ns)) ||
	    srv_rooms_install(ns->rooms, ns->nsp)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	srv_metrics_ops_install(ns->m, ns->nsp);
	sio_on_connection(ns->nsp, on_connection, ns);
	return 0;
}

srv_nss *srv_nss_new(const srv_config *cfg, sio_server *srv, uv_loop_t *loop, srv_metrics *m,
                     srv_expiry *expiry, srv_jwks *jwks, char *err, size_t errlen)
{
	srv_nss *n = calloc(1, sizeof *n);
	if (!n || (cfg->nnamespaces && !(n->v = calloc(cfg->nnamespaces, sizeof *n->v)))) {
		free(n);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < cfg->nnamespaces; i++) {
		srv_ns *ns = &n->v[n->n++];
		ns->nc = &cfg->namespaces[i];
		ns->m = m;
		ns->expiry = expiry;
		make_view(ns, cfg);
		char why[400];
		if (start(ns, srv, loop, jwks, why, sizeof why)) {
			snprintf(err, errlen, "namespace \"%s\": %s", ns->nc->name, why);
			srv_nss_free(n);
			return NULL;
		}
	}
	return n;
}

int srv_nss_reload(srv_nss *n, const srv_config *cfg, char *err, size_t errlen)
{
	for (size_t i = 0; n && i < n->n; i++) {
		srv_ns *ns = &n->v[i];
		make_view(ns, cfg);
		srv_auth *na = srv_auth_new(&ns->view, err, errlen);
		if (!na)
			return -1;
		srv_auth_take_keys(ns->auth, na);
	}
	return 0;
}

void srv_nss_free(srv_nss *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++) {
		srv_rooms_free(n->v[i].rooms);
		srv_limits_free(n->v[i].limits);
		srv_auth_free(n->v[i].auth);
	}
	free(n->v);
	free(n);
}
