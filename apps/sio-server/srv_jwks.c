/* srv_jwks.c - a JWKS key set fetched on the loop (see srv_jwks.h).
 *
 * A JWK's numbers are base64url big-endian octets (RFC 7518 6.3.1 for RSA
 * n and e, 6.2.1 for EC x and y, each 32 bytes on P-256). They become an
 * OpenSSL EVP_PKEY through EVP_PKEY_fromdata (OpenSSL 3's provider API),
 * written as a PEM "PUBLIC KEY", the form srv_jwt (and libjwt under it)
 * reads. The fetch uses the webhooks' HTTP client (srv_http_client.h).
 */
#include "srv_jwks.h"

#include "base/err.h"
#include "base/json.h"
#include "srv_http_client.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DOC       (1u << 20)
#define FETCH_TIMEOUT 10000 /* ms */
#define MAX_NUM       1024  /* bytes of a decoded key number (RSA 8192 bits) */

typedef struct waiter {
	srv_jwks_fn cb;
	void *user;
} waiter;

struct srv_jwks {
	const srv_config *cfg;
	uv_loop_t *loop;
	srv_jwt_config jc;
	srv_http *http;
	uv_timer_t timer; /* the periodic refresh */
	srv_jwks_keys keys;
	bool fetching, closed;
	uint64_t last_fetch; /* uv_now when the last fetch started */
	waiter *waiters;
	size_t nwaiters;
	unsigned long fetches;
	uint64_t refresh_ms, min_refresh_ms;
};

/* ---- the document ------------------------------------------------------------------- */

void srv_jwks_keys_free(srv_jwks_keys *k)
{
	for (size_t i = 0; i < k->n; i++) {
		free(k->kid[i]);
		srv_jwt_verifier_free(k->v[i]);
	}
	k->n = 0;
}

/* A base64url member decoded into buf; its length, or 0. */
static size_t b64_member(const base_json *d, int obj, const char *key, unsigned char *buf,
                         size_t cap)
{
	char text[2 * MAX_NUM];
	size_t n, out = 0;
	int t = base_json_obj_get(d, obj, key);
	if (base_json_type(d, t) != BASE_JSON_STRING ||
	    base_json_str_unescape(d, t, text, sizeof(text), &n) || n == 0 || n >= sizeof(text) ||
	    sodium_base642bin(buf, cap, text, n, NULL, &out, NULL,
	                      sodium_base64_VARIANT_URLSAFE_NO_PADDING))
		return 0;
	return out;
}

/* The PEM of an EVP_PKEY built from params of type name, malloc'd. */
static char *pem_of(const char *name, OSSL_PARAM *params)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, name, NULL);
	EVP_PKEY *pk = NULL;
	char *pem = NULL;
	if (ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) == 1) {
		BIO *b = BIO_new(BIO_s_mem());
		char *data;
		long n;
		if (b && PEM_write_bio_PUBKEY(b, pk) == 1 && (n = BIO_get_mem_data(b, &data)) > 0 &&
		    (pem = malloc((size_t)n + 1))) {
			memcpy(pem, data, (size_t)n);
			pem[n] = '\0';
		}
		BIO_free(b);
	}
	EVP_PKEY_free(pk);
	EVP_PKEY_CTX_free(ctx);
	return pem;
}

static char *rsa_pem(const base_json *d, int k)
{
	unsigned char n[MAX_NUM], e[16];
	size_t nl = b64_member(d, k, "n", n, sizeof(n)), el = b64_member(d, k, "e", e, sizeof(e));
	if (!nl || !el)
		return NULL;
	BIGNUM *bn = BN_bin2bn(n, (int)nl, NULL), *be = BN_bin2bn(e, (int)el, NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	char *pem = NULL;
	if (bn && be && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) &&
	    (params = OSSL_PARAM_BLD_to_param(bld)))
		pem = pem_of("RSA", params);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	return pem;
}

static char *ec_pem(const base_json *d, int k)
{
	unsigned char x[64], y[64], point[65];
	int crv = base_json_obj_get(d, k, "crv");
	if (!base_json_str_eq(d, crv, "P-256", 5) || b64_member(d, k, "x", x, sizeof(x)) != 32 ||
	    b64_member(d, k, "y", y, sizeof(y)) != 32)
		return NULL;
	point[0] = 0x04; /* uncompressed: 04 || x || y (SEC 1, 2.3.3) */
	memcpy(point + 1, x, 32);
	memcpy(point + 33, y, 32);
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0),
		OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)),
		OSSL_PARAM_construct_end()
	};
	return pem_of("EC", params);
}

/* One key of the set, when it is usable with jc's algorithm. */
static void add_key(const base_json *d, int k, const srv_jwt_config *jc, srv_jwks_keys *out)
{
	bool rsa = jc->alg == SRV_JWT_RS256;
	const char *alg = srv_jwt_alg_name(jc->alg);
	int use = base_json_obj_get(d, k, "use"), a = base_json_obj_get(d, k, "alg");
	int kid = base_json_obj_get(d, k, "kid"), kty = base_json_obj_get(d, k, "kty");
	if (base_json_type(d, k) != BASE_JSON_OBJECT || out->n == SRV_JWKS_MAX_KEYS ||
	    (use >= 0 && !base_json_str_eq(d, use, "sig", 3)) ||
	    (a >= 0 && !base_json_str_eq(d, a, alg, strlen(alg))) ||
	    base_json_type(d, kid) != BASE_JSON_STRING ||
	    !base_json_str_eq(d, kty, rsa ? "RSA" : "EC", rsa ? 3 : 2))
		return;
	char *id = NULL;
	size_t n;
	char *pem = rsa ? rsa_pem(d, k) : ec_pem(d, k);
	srv_jwt_config c = *jc;
	srv_jwt_verifier *v = NULL;
	if (pem && base_json_str_dup(d, kid, &id, &n) == 0 && n && strlen(id) == n) {
		c.key = pem;
		c.key_len = strlen(pem);
		v = srv_jwt_verifier_new(&c, NULL, 0); /* a weak or odd key is skipped */
	}
	free(pem);
	if (!v) {
		free(id);
		return;
	}
	out->kid[out->n] = id;
	out->v[out->n++] = v;
}

int srv_jwks_parse(const char *doc, size_t len, const srv_jwt_config *jc, srv_jwks_keys *out,
                   char *err, size_t errlen)
{
	base_json d = BASE_JSON_INIT;
	out->n = 0;
	if (base_json_parse(&d, doc, len) || base_json_type(&d, 0) != BASE_JSON_OBJECT ||
	    base_json_type(&d, base_json_obj_get(&d, 0, "keys")) != BASE_JSON_ARRAY) {
		base_json_free(&d);
		return base_errf(err, errlen, "not a JWKS document (an object with \"keys\")");
	}
	base_json_iter it;
	int k;
	base_json_iter_init(&d, base_json_obj_get(&d, 0, "keys"), &it);
	while ((k = base_json_iter_next(&d, &it, NULL)) >= 0)
		add_key(&d, k, jc, out);
	base_json_free(&d);
	return 0;
}

int srv_jwks_token_kid(const char *token, size_t len, char *out, size_t cap)
{
	const char *dot = memchr(token, '.', len);
	unsigned char head[2048];
	size_t n = 0;
	if (!dot || cap == 0 ||
	    sodium_base642bin(head, sizeof(head), token, (size_t)(dot - token), NULL, &n, NULL,
	                      sodium_base64_VARIANT_URLSAFE_NO_PADDING))
		return -1;
	base_json d = BASE_JSON_INIT;
	size_t kl;
	int rc = -1;
	if (base_json_parse(&d, (const char *)head, n) == 0) {
		int kid = base_json_obj_get(&d, 0, "kid");
		if (base_json_type(&d, kid) == BASE_JSON_STRING &&
		    base_json_str_unescape(&d, kid, out, cap, &kl) == 0 && kl && kl < cap &&
		    strlen(out) == kl)
			rc = 0;
	}
	base_json_free(&d);
	return rc;
}

/* ---- fetching ------------------------------------------------------------------------- */

static void release_waiters(srv_jwks *j)
{
	waiter *w = j->waiters;
	size_t n = j->nwaiters;
	j->waiters = NULL;
	j->nwaiters = 0;
	for (size_t i = 0; i < n; i++)
		w[i].cb(w[i].user);
	free(w);
}

static void on_fetched(const srv_http_result *r, void *user)
{
	srv_jwks *j = user;
	j->fetching = false;
	srv_jwks_keys k = { .n = 0 };
	char err[128];
	if (r->err == SRV_HTTP_OK && r->status == 200 &&
	    srv_jwks_parse(r->body, r->len, &j->jc, &k, err, sizeof(err)) == 0) {
		srv_jwks_keys_free(&j->keys);
		j->keys = k; /* a failed fetch keeps the keys it had */
		j->fetches++;
	}
	release_waiters(j);
}

static int fetch(srv_jwks *j)
{
	if (j->fetching || j->closed)
		return j->closed ? -1 : 0;
	uv_update_time(j->loop);
	j->last_fetch = uv_now(j->loop);
	const char *hdrs[] = { "Accept: application/json", NULL };
	if (srv_http_request(j->http, "GET", j->cfg->auth.jwks_url, hdrs, NULL, 0, FETCH_TIMEOUT,
	                     on_fetched, j))
		return -1;
	j->fetching = true;
	return 0;
}

static void on_timer(uv_timer_t *t)
{
	fetch(t->data);
}

int srv_jwks_wait(srv_jwks *j, srv_jwks_fn cb, void *user)
{
	if (j->closed || j->nwaiters >= SRV_JWKS_MAX_WAITERS)
		return -1;
	if (!j->fetching) {
		uv_update_time(j->loop);
		if (j->fetches && uv_now(j->loop) - j->last_fetch < j->min_refresh_ms)
			return -1; /* too soon: the key is unknown */
		if (fetch(j))
			return -1;
	}
	waiter *w = realloc(j->waiters, (j->nwaiters + 1) * sizeof(*w));
	if (!w)
		return -1; /* the fetch goes on; this caller does not wait */
	j->waiters = w;
	w[j->nwaiters++] = (waiter){ cb, user };
	return 0;
}

const srv_jwt_verifier *srv_jwks_find(const srv_jwks *j, const char *kid)
{
	for (size_t i = 0; j && i < j->keys.n; i++)
		if (!strcmp(j->keys.kid[i], kid))
			return j->keys.v[i];
	return NULL;
}

unsigned long srv_jwks_fetches(const srv_jwks *j)
{
	return j ? j->fetches : 0;
}

srv_jwks *srv_jwks_new(const srv_config *cfg, uv_loop_t *loop, char *err, size_t errlen)
{
	if (errlen)
		err[0] = '\0';
	if (!cfg->auth.jwks_url)
		return NULL;
	srv_jwks *j = calloc(1, sizeof(*j));
	srv_http_opts o = { .max_concurrent = 1, .max_queued = 0, .max_response = MAX_DOC };
	if (!j || !(j->http = srv_http_new(loop, &o))) {
		free(j);
		base_errf(err, errlen, "out of memory");
		return NULL;
	}
	j->cfg = cfg;
	j->loop = loop;
	srv_jwt_config_init(&j->jc);
	j->jc.alg = cfg->auth.algorithm;
	j->jc.leeway = cfg->auth.leeway_seconds;
	j->jc.require_exp = cfg->auth.require_exp;
	j->jc.issuer = cfg->auth.issuer;
	j->jc.audience = cfg->auth.audience;
	j->refresh_ms = (uint64_t)cfg->auth.jwks_refresh_ms;
	j->min_refresh_ms = (uint64_t)cfg->auth.jwks_min_refresh_ms;
	uv_timer_init(loop, &j->timer);
	j->timer.data = j;
	uv_timer_start(&j->timer, on_timer, j->refresh_ms, j->refresh_ms);
	uv_unref((uv_handle_t *)&j->timer); /* never keeps the loop alive by itself */
	fetch(j);
	return j;
}

void srv_jwks_close(srv_jwks *j)
{
	if (!j || j->closed)
		return;
	j->closed = true;
	srv_http_close(j->http); /* a fetch under way completes now: waiters released */
	j->http = NULL;
	release_waiters(j);
	uv_timer_stop(&j->timer);
	uv_close((uv_handle_t *)&j->timer, NULL);
}

void srv_jwks_free(srv_jwks *j)
{
	if (!j)
		return;
	srv_jwks_keys_free(&j->keys);
	free(j->waiters);
	free(j);
}
