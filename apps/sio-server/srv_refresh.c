/* srv_refresh.c - the token refresh event (see srv_refresh.h). The user is
 * updated in place (claims, role, exp), never replaced: other modules may
 * hold its user id while the socket lives. */
#include "srv_refresh.h"
#include "srv_ack.h"

#include "base/json.h"

#include <stdlib.h>
#include <string.h>

struct srv_refresh {
	const srv_config *cfg;
	const srv_auth *auth;
	srv_expiry *expiry;
	srv_metrics *m;
};

/* The token: the first argument as a string, or its "token" member. */
static char *token_of(const sio_args *a)
{
	size_t n;
	if (sio_args_type(a, 0) == SIO_ARG_STRING) {
		const char *s = sio_args_str(a, 0, &n);
		return s && n ? strndup(s, n) : NULL;
	}
	const char *js = sio_args_type(a, 0) == SIO_ARG_OBJECT ? sio_args_json(a, 0, &n) : NULL;
	base_json d = BASE_JSON_INIT;
	char *t = NULL;
	if (js && base_json_parse(&d, js, n) == 0) {
		int v = base_json_obj_get(&d, 0, "token");
		size_t len;
		if (base_json_type(&d, v) == BASE_JSON_STRING &&
		    base_json_str_dup(&d, v, &t, &len) == 0 && (len == 0 || strlen(t) != len)) {
			free(t);
			t = NULL;
		}
	}
	base_json_free(&d);
	return t;
}

static void answer(sio_ack *ack, const char *code, const char *message, long long exp)
{
	sio_out *o = srv_ack_object_begin(ack);
	if (!o)
		return;
	sio_out_key(o, "success");
	sio_out_bool(o, code == NULL);
	if (code) {
		sio_out_key(o, "code");
		sio_out_str(o, code);
		sio_out_key(o, "message");
		sio_out_str(o, message);
	} else if (exp > 0) {
		sio_out_key(o, "exp");
		sio_out_int(o, exp);
	}
	srv_ack_object_send(ack, o);
}

static void on_refresh(sio_socket *s, const char *ev, const sio_args *a, sio_ack *ack, void *user)
{
	(void)ev;
	srv_refresh *r = user;
	srv_user *cur = srv_user_of(s);
	char *tok = token_of(a);
	if (!tok) {
		srv_metrics_error(r->m, "refresh_refused");
		answer(ack, "UNAUTHORIZED", "token required", 0);
		return;
	}
	srv_user *nu = NULL;
	const char *why = NULL;
	int rc = srv_auth_verify(r->auth, tok, strlen(tok), &nu, &why);
	free(tok);
	if (rc) {
		srv_metrics_error(r->m, "refresh_refused");
		answer(ack, rc == SRV_JWT_EEXPIRED ? "TOKEN_EXPIRED" : "UNAUTHORIZED",
		       why ? why : "unauthorized", 0);
		return;
	}
	if (!cur || !cur->claims || !cur->user_id || !nu->user_id ||
	    strcmp(cur->user_id, nu->user_id)) {
		srv_metrics_error(r->m, "refresh_refused");
		answer(ack, cur && cur->claims ? "USER_MISMATCH" : "UNAUTHORIZED",
		       cur && cur->claims ? "the token is another user's"
		                          : "an anonymous connection cannot refresh a token",
		       0);
		srv_user_free(nu);
		return;
	}
	/* in place: swap the claims, role and exp, keep the user id */
	srv_jwt_claims *old_claims = cur->claims;
	char *old_role = cur->role;
	cur->claims = nu->claims;
	cur->role = nu->role;
	cur->exp = nu->exp;
	nu->claims = old_claims;
	nu->role = old_role;
	srv_user_free(nu);
	srv_expiry_on_disconnect(r->expiry, s); /* forget the old deadline */
	srv_expiry_on_connection(r->expiry, s); /* and track the new one */
	answer(ack, NULL, NULL, cur->exp);
}

srv_refresh *srv_refresh_new(const srv_config *cfg, const srv_auth *auth, srv_expiry *expiry,
                             srv_metrics *m, bool *oom)
{
	*oom = false;
	if (!cfg->auth.refresh_event)
		return NULL;
	srv_refresh *r = calloc(1, sizeof(*r));
	if (!r) {
		*oom = true;
		return NULL;
	}
	*r = (srv_refresh){ .cfg = cfg, .auth = auth, .expiry = expiry, .m = m };
	return r;
}

int srv_refresh_install(srv_refresh *r, sio_namespace *nsp)
{
	return r ? sio_namespace_on(nsp, r->cfg->auth.refresh_event, on_refresh, r) : 0;
}

void srv_refresh_free(srv_refresh *r)
{
	free(r);
}
