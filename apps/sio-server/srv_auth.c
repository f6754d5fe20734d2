/* srv_auth.c - JWT authentication of Socket.IO handshakes (see srv_auth.h).
 *
 * With a JWKS URL (srv_jwks.h) a token naming a key id is verified with that
 * key; a key id the cache does not know makes the handshake wait for a
 * fresh fetch first (an asynchronous middleware before the verifying one,
 * which touches no socket after its wait: it only lets the handshake go
 * on), so a rotated key is picked up by the first client that uses it.
 */
#include "srv_auth.h"

#include "base/json.h"
#include "srv_jwks.h"
#include "srv_log_sock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct srv_auth {
	const srv_config *cfg;
	bool on;             /* tokens are verified (cfg->auth.enabled) */
	srv_jwt_verifier *v; /* the configured key's; NULL: none (JWKS only) */
	srv_jwks *jwks;      /* keys from auth.jwksUrl; NULL: none */
	srv_metrics *m;      /* refusals by kind; may be NULL */
};

srv_auth *srv_auth_new(const srv_config *cfg, char *err, size_t errlen)
{
	srv_auth *a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->cfg = cfg;
	if (!cfg->auth.enabled)
		return a;
	a->on = true;
	if (!cfg->auth.secret && !cfg->auth.public_key)
		return a; /* keys from auth.jwksUrl only */
	srv_jwt_config jc;
	srv_jwt_config_init(&jc);
	jc.alg = cfg->auth.algorithm;
	if (jc.alg == SRV_JWT_HS256) {
		jc.key = cfg->auth.secret;
		jc.key_len = cfg->auth.secret ? strlen(cfg->auth.secret) : 0;
	} else {
		jc.key = cfg->auth.public_key;
		jc.key_len = cfg->auth.public_key_len;
	}
	jc.leeway = cfg->auth.leeway_seconds;
	jc.require_exp = cfg->auth.require_exp;
	jc.issuer = cfg->auth.issuer;
	jc.audience = cfg->auth.audience;
	a->v = srv_jwt_verifier_new(&jc, err, errlen);
	if (!a->v) {
		free(a);
		return NULL;
	}
	return a;
}

void srv_auth_take_keys(srv_auth *a, srv_auth *next)
{
	srv_jwt_verifier *old = a->v;
	a->v = next->v;
	next->v = old;
	srv_auth_free(next);
}

void srv_auth_free(srv_auth *a)
{
	if (!a)
		return;
	srv_jwt_verifier_free(a->v);
	free(a);
}

void srv_user_free(srv_user *u)
{
	if (!u)
		return;
	srv_jwt_claims_free(u->claims);
	free(u->user_id);
	free(u->role);
	free(u);
}

srv_user *srv_user_of(const sio_socket *s)
{
	return sio_socket_get_user(s);
}

/* A string or integer claim as a fresh string, or NULL. */
static char *claim_text(const srv_jwt_claims *c, const char *name)
{
	if (!name)
		return NULL;
	const char *s = srv_jwt_claim_str(c, name);
	if (s)
		return strdup(s);
	long long n;
	if (srv_jwt_claim_int(c, name, &n) == 0) {
		char buf[32];
		snprintf(buf, sizeof(buf), "%lld", n);
		return strdup(buf);
	}
	return NULL;
}

void srv_auth_set_jwks(srv_auth *a, srv_jwks *j)
{
	a->jwks = j;
}

/* The verifier of a token: its kid's JWKS key, else the configured key. */
static const srv_jwt_verifier *verifier_of(const srv_auth *a, const char *token, size_t len)
{
	char kid[256];
	if (a->jwks && srv_jwks_token_kid(token, len, kid, sizeof(kid)) == 0)
		return srv_jwks_find(a->jwks, kid);
	return a->v;
}

int srv_auth_verify(const srv_auth *a, const char *token, size_t len, srv_user **out,
                    const char **why)
{
	*out = NULL;
	if (!a->on) {
		*why = "authentication is not configured";
		return SRV_JWT_EINVAL;
	}
	const srv_jwt_verifier *v = verifier_of(a, token, len);
	if (!v) {
		*why = srv_jwt_strerror(SRV_JWT_EKID);
		return SRV_JWT_EKID;
	}
	srv_jwt_claims *c = NULL;
	int rc = srv_jwt_verify(v, token, len, time(NULL), &c, why);
	if (rc)
		return rc;
	srv_user *u = calloc(1, sizeof(*u));
	if (!u) {
		srv_jwt_claims_free(c);
		*why = srv_jwt_strerror(SRV_JWT_ENOMEM);
		return SRV_JWT_ENOMEM;
	}
	u->claims = c;
	u->user_id = claim_text(c, a->cfg->auth.user_id_claim);
	u->role = claim_text(c, a->cfg->auth.role_claim);
	if (srv_jwt_claim_int(c, "exp", &u->exp))
		u->exp = 0;
	*out = u;
	return 0;
}

/* The token from the handshake auth payload {token: "..."}: malloc'd. */
static char *token_from_auth(sio_socket *s)
{
	size_t len;
	const char *js = sio_socket_auth(s, &len);
	base_json doc = BASE_JSON_INIT;
	char *out = NULL;
	size_t n;
	if (js && base_json_parse(&doc, js, len) == 0 &&
	    base_json_type(&doc, 0) == BASE_JSON_OBJECT) {
		int t = base_json_obj_get(&doc, 0, "token");
		if (base_json_type(&doc, t) == BASE_JSON_STRING &&
		    base_json_str_dup(&doc, t, &out, &n) == 0 && n == 0) {
			free(out);
			out = NULL;
		}
	}
	base_json_free(&doc);
	return out;
}

/* The first token found in the configured sources, malloc'd, or NULL. */
static char *find_token(const srv_auth *a, sio_socket *s)
{
	const eio_request *r = eio_session_request(sio_socket_session(s));
	for (size_t i = 0; i < a->cfg->auth.ntoken_sources; i++) {
		switch (a->cfg->auth.token_sources[i]) {
		case SRV_TOKEN_AUTH: {
			char *t = token_from_auth(s);
			if (t)
				return t;
			break;
		}
		case SRV_TOKEN_HEADER: {
			const char *h = r ? eio_request_header(r, "authorization") : NULL;
			size_t n;
			const char *t = h ? srv_jwt_from_bearer(h, &n) : NULL;
			if (t)
				return strndup(t, n);
			break;
		}
		case SRV_TOKEN_QUERY: {
			const char *t = r ? eio_request_query(r, "token") : NULL;
			if (t && *t)
				return strdup(t);
			break;
		}
		}
	}
	return NULL;
}

/* The log line of a refused connection: the kind and the verifier's
 * reason, never the token. */
static void refused(const sio_socket *s, const char *kind, const char *why)
{
	const srv_log_field f[] = { SRV_LS("kind", kind), SRV_LS("reason", why) };
	srv_log_socket(SRV_LOG_INFO, "refused", s, f, 2);
}

static int auth_mw(sio_socket *s, const char **message, const char **data_json, void *user)
{
	srv_auth *a = user;
	sio_socket_set_user(s, NULL);
	if (!a->on)
		return 0;
	char *tok = find_token(a, s);
	if (!tok) {
		if (!a->cfg->auth.required)
			return 0;
		*message = "authentication required";
		*data_json = "{\"code\":\"UNAUTHORIZED\"}";
		srv_metrics_error(a->m, "auth_missing");
		refused(s, "auth_missing", *message);
		return 1;
	}
	srv_user *u = NULL;
	const char *why = NULL;
	int rc = srv_auth_verify(a, tok, strlen(tok), &u, &why);
	free(tok);
	if (rc) {
		/* a bad token is refused even when auth is optional */
		*message = why ? why : "unauthorized";
		*data_json = rc == SRV_JWT_EEXPIRED ? "{\"code\":\"TOKEN_EXPIRED\"}"
		                                    : "{\"code\":\"UNAUTHORIZED\"}";
		srv_metrics_error(a->m, rc == SRV_JWT_EEXPIRED ? "auth_expired" : "auth_invalid");
		refused(s, rc == SRV_JWT_EEXPIRED ? "auth_expired" : "auth_invalid", *message);
		return 1;
	}
	sio_socket_set_user(s, u);
	return 0;
}

static void resume(void *next)
{
	sio_next_accept(next);
}

/* JWKS: a token whose kid is not (yet) known waits for a fetch; then, or
 * at once, the handshake goes on to auth_mw, which verifies. */
static void jwks_wait_mw(sio_socket *s, sio_next *next, void *user)
{
	srv_auth *a = user;
	char *tok = find_token(a, s);
	char kid[256];
	bool wait = tok && srv_jwks_token_kid(tok, strlen(tok), kid, sizeof(kid)) == 0 &&
	            !srv_jwks_find(a->jwks, kid);
	free(tok);
	if (!wait || srv_jwks_wait(a->jwks, resume, next))
		sio_next_accept(next);
}

int srv_auth_install(srv_auth *a, sio_namespace *nsp, srv_metrics *m)
{
	a->m = m;
	if (a->jwks && sio_use_async(nsp, jwks_wait_mw, a))
		return -1;
	return sio_use(nsp, auth_mw, a);
}
