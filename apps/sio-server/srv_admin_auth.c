/* srv_admin_auth.c - who may open the dashboard: node's basic
 * authentication of @socket.io/admin-ui (its initAuthenticationMiddleware),
 * as a middleware of the admin namespace.
 *
 * The CONNECT's auth payload is either {sessionId} (a session this server
 * gave out earlier: the page reconnecting or reloaded) or {username,
 * password}. A password is checked against the configured bcrypt hash with
 * crypt_r(3) (libxcrypt, which knows $2a$, $2b$ and $2y$, as bcryptjs makes
 * them). bcrypt is slow on purpose (tens of milliseconds at cost 10), so the
 * check runs on libuv's thread pool, never on the loop; at most
 * SRV_ADMIN_MAX_CHECKS run at once and a CONNECT beyond that is refused (a
 * guessing client cannot queue work without bound). On success a new
 * session id (8 random bytes in hex, as node's randomId) is remembered and
 * sent to the socket as the "session" event once it is connected; the last
 * SRV_ADMIN_SESSIONS ids are remembered (node's InMemoryStore keeps them
 * all). A refusal is node's: connect_error "invalid credentials".
 * With "auth": false there is no middleware at all.
 */
#include "srv_admin_int.h"

#include "base/json.h"

#include <crypt.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELD 1024 /* longest username or password looked at */

typedef struct check {
	uv_work_t work;
	srv_admin *a;
	sio_next *next;
	char *password;
	bool ok;
} check;

static bool same(const char *x, const char *y)
{
	size_t n = strlen(x);
	unsigned char d = (unsigned char)(n != strlen(y));

	for (size_t i = 0; i < n && y[i]; i++)
		d |= (unsigned char)(x[i] ^ y[i]);
	return d == 0;
}

static bool known_session(const srv_admin *a, const char *sid)
{
	bool found = false;

	if (strlen(sid) != SRV_ADMIN_SID_LEN)
		return false;
	for (size_t i = 0; i < SRV_ADMIN_SESSIONS; i++)
		found |= a->sessions[i][0] && same(a->sessions[i], sid);
	return found;
}

/* A new session id, remembered; NULL if no randomness could be had. */
static const char *new_session(srv_admin *a)
{
	unsigned char raw[SRV_ADMIN_SID_LEN / 2];
	char *slot = a->sessions[a->next_session];

	if (uv_random(NULL, NULL, raw, sizeof raw, 0, NULL) != 0)
		return NULL;
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(slot + 2 * i, 3, "%02x", raw[i]);
	a->next_session = (a->next_session + 1) % SRV_ADMIN_SESSIONS;
	return slot;
}

static void run_check(uv_work_t *w)
{
	check *c = w->data;
	struct crypt_data *cd = calloc(1, sizeof(*cd)); /* 32 KiB: not on the stack */

	if (!cd)
		return;
	const char *h = crypt_r(c->password, c->a->cfg->password_hash, cd);
	c->ok = h && h[0] == '$' && same(h, c->a->cfg->password_hash);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
}

static void accept_new_session(srv_admin *a, sio_next *next)
{
	const char *sid = new_session(a);

	if (!sid) {
		sio_next_refuse(next, "invalid credentials", NULL);
		return;
	}
	/* sio_next_accept runs the connection callback before it returns, where
     * srv_admin.c sends the id as "session" (node emits it from the
     * middleware; the client holds it until connected). */
	a->issued = sid;
	sio_next_accept(next);
	a->issued = NULL;
}

static void check_done(uv_work_t *w, int status)
{
	check *c = w->data;
	srv_admin *a = c->a;

	a->checks--;
	if (status == 0 && c->ok)
		accept_new_session(a, c->next);
	else
		sio_next_refuse(c->next, "invalid credentials", NULL);
	explicit_bzero(c->password, strlen(c->password));
	free(c->password);
	free(c);
}

/* String member key of the auth object, malloc'd, or NULL. */
static char *member(const base_json *doc, const char *key)
{
	int t = base_json_obj_get(doc, 0, key);
	char *s = NULL;
	size_t n;

	if (t < 0 || base_json_type(doc, t) != BASE_JSON_STRING ||
	    base_json_str_dup(doc, t, &s, &n))
		return NULL;
	if (n > MAX_FIELD || strlen(s) != n) {
		explicit_bzero(s, n);
		free(s);
		return NULL;
	}
	return s;
}

/* Start the bcrypt check; false when it could not be started. */
static bool start_check(srv_admin *a, sio_next *next, char *password)
{
	if (a->checks >= SRV_ADMIN_MAX_CHECKS)
		return false;
	check *c = calloc(1, sizeof(*c));
	sio_server *srv = a->srv;
	uv_loop_t *loop = eio_server_loop(sio_server_engine(srv));

	if (!c)
		return false;
	*c = (check){ .a = a, .next = next, .password = password };
	c->work.data = c;
	if (uv_queue_work(loop, &c->work, run_check, check_done) != 0) {
		free(c);
		return false;
	}
	a->checks++;
	return true;
}

static void authenticate(sio_socket *s, sio_next *next, void *user)
{
	srv_admin *a = user;
	size_t len;
	const char *js = sio_socket_auth(s, &len);
	base_json doc;
	char *sid = NULL, *name = NULL, *password = NULL;

	base_json_init(&doc);
	if (js && base_json_parse(&doc, js, len) == 0 &&
	    base_json_type(&doc, 0) == BASE_JSON_OBJECT) {
		sid = member(&doc, "sessionId");
		name = member(&doc, "username");
		password = member(&doc, "password");
	}
	base_json_free(&doc);
	bool resumed = sid && known_session(a, sid);
	bool started = false;
	if (resumed)
		sio_next_accept(next);
	else if (name && password && same(name, a->cfg->username))
		started = start_check(a, next, password);
	if (!resumed && !started)
		sio_next_refuse(next, "invalid credentials", NULL);
	if (!started && password) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	free(sid);
	free(name);
}

int srv_admin_auth_install(srv_admin *a)
{
	if (!a->cfg->basic_auth)
		return 0;
	return sio_use_async(a->nsp, authenticate, a) ? -1 : 0;
}
