/* test_srv_presence.c - Check unit tests for presence across a fleet
 * (apps/sio-server/srv_presence.c), with a scripted adapter standing for the
 * other members.
 *
 * Why: whether a user's online/offline is announced depends on what the
 * other members answer (node's fetchSockets on the user's room), and on
 * when they answer. A real fleet cannot be made to answer a given way at a
 * given moment; this adapter can: it is the in-memory adapter whose
 * fetchSockets answers as the test says (remote sockets with a handshake
 * time, none, or nothing until the test releases it), and whose broadcasts
 * are recorded, so a test sees every announcement the fleet would get.
 * Only public headers and sio-server's own (tests/ may see both). Clients are
 * in-process Engine.IO sessions (engineio.h), which have no handshake
 * request: their handshake time counts as 0, so a remote socket is "older"
 * only at time 0 with a smaller id ("!..." sorts before every socket id).
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../apps/sio-server/srv_auth.h"
#include "../apps/sio-server/srv_config.h"
#include "../apps/sio-server/srv_metrics.h"
#include "../apps/sio-server/srv_presence.h"
#include "socketio.h"
#include "check_main.h"

static uv_loop_t loop;
static eio_listener *L;
static sio_server *srv;
static sio_namespace *root;
static srv_config cfg;
static srv_presence *pres;
static srv_metrics *metrics;
static char cfg_path[64];

/* ---- the scripted adapter ---------------------------------------------------------- */

enum {
	ANSWER_NONE,
	ANSWER_OLDER,
	ANSWER_YOUNGER,
	ANSWER_UNKNOWN_AGE,
	HOLD
};
static int mode;             /* how the next fetchSockets is answered */
static sio_request *held[8]; /* answers the test releases */
static int nheld;
static char announced[32][128]; /* "online:alice" ... in order */
static int nannounced;
static char last_except[64];

static void answer(sio_request *r, int how)
{
	sio_socket_info remote = { .id = "!older" };
	const char *room = "user:x";
	remote.rooms = &room;
	remote.nrooms = 1;
	if (how == ANSWER_OLDER)
		remote.handshake_json = "{\"issued\":0}";
	if (how == ANSWER_YOUNGER) {
		remote.id = "zz-younger";
		remote.handshake_json = "{\"time\":\"x\",\"issued\":5}";
	}
	sio_request_expect(r, 1);
	sio_request_add_sockets(r, &remote, how == ANSWER_NONE ? 0 : 1);
	sio_request_release(r);
}

static void op_fetch(sio_namespace *nsp, const sio_broadcast *o, sio_request *r, void *user)
{
	(void)nsp;
	(void)o;
	(void)user;
	if (mode == HOLD) {
		ck_assert_int_lt(nheld, 8);
		sio_request_expect(r, 1);
		held[nheld++] = r;
		return;
	}
	answer(r, mode);
}

/* Release the oldest held question with no remote socket. */
static void release_held(void)
{
	ck_assert_int_gt(nheld, 0);
	sio_request *r = held[0];
	memmove(held, held + 1, (size_t)--nheld * sizeof(*held));
	sio_request_add_sockets(r, NULL, 0);
	sio_request_release(r);
}

/* Broadcasts: recorded ("online:<userId>"), then delivered here. */
static int op_broadcast(sio_namespace *nsp, const sio_adapter_packet *p, const sio_broadcast *o,
                        void *user)
{
	(void)user;
	sio_args *a = sio_args_from_out(p->args);
	size_t n = 0;
	const char *json = a ? sio_args_json(a, 0, &n) : "";
	ck_assert_int_lt(nannounced, 32);
	snprintf(announced[nannounced++], sizeof(announced[0]), "%s:%.*s", p->event, (int)n, json);
	snprintf(last_except, sizeof(last_except), "%s", o->nexcept ? o->except[0] : "");
	sio_args_free(a);
	return sio_adapter_broadcast_local(nsp, p, o);
}

static sio_adapter_ops scripted;

/* ---- the server ---------------------------------------------------------------------- */

static const char *next_user;

static void on_disconnect(sio_socket *s, const char *reason, void *u)
{
	(void)reason;
	(void)u;
	srv_presence_on_disconnect(pres, s);
	srv_user_free(srv_user_of(s));
	sio_socket_set_user(s, NULL);
}

static void on_connection(sio_socket *s, void *u)
{
	(void)u;
	srv_user *su = calloc(1, sizeof(*su));
	su->user_id = strdup(next_user);
	sio_socket_set_user(s, su);
	sio_on_disconnect(s, on_disconnect, NULL);
	srv_presence_on_connection(pres, s);
}

static void setup(void)
{
	static const char json[] = "{\"presence\": {\"online\": \"on\", \"offline\": \"off\"}, "
	                           "\"redis\": {\"requestsTimeout\": 50}}";
	snprintf(cfg_path, sizeof(cfg_path), "/tmp/srv_presence_test_XXXXXX");
	int fd = mkstemp(cfg_path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, json, sizeof(json) - 1), (ssize_t)(sizeof(json) - 1));
	close(fd);
	char *argv[] = { "sio-server", NULL };
	char *env[] = { NULL };
	char err[256];
	ck_assert_msg(srv_config_load(&cfg, cfg_path, env, 1, argv, err, sizeof(err)) == 0, "%s",
	              err);

	ck_assert_int_eq(uv_loop_init(&loop), 0);
	int e = 0;
	L = eio_listener_new(&loop, "127.0.0.1", 0, &e);
	ck_assert_ptr_nonnull(L);
	sio_options so;
	sio_options_init(&so);
	srv = sio_server_new(L, &so, &e);
	ck_assert_ptr_nonnull(srv);
	scripted = sio_memory_adapter;
	scripted.name = "scripted";
	scripted.fetch_sockets = op_fetch;
	scripted.broadcast = op_broadcast;
	ck_assert_int_eq(sio_server_set_adapter(srv, &scripted, NULL), 0);
	root = sio_of(srv, "/");
	metrics = srv_metrics_new(srv);
	pres = srv_presence_new(&cfg, root, metrics);
	sio_on_connection(root, on_connection, NULL);
	mode = ANSWER_NONE;
	nheld = nannounced = 0;
}

static void teardown(void)
{
	while (nheld)
		release_held();
	srv_presence_stop(pres);
	eio_listener_close(L);
	while (uv_run(&loop, UV_RUN_ONCE))
		;
	eio_listener_free(L);
	sio_server_free(srv);
	srv_presence_free(pres);
	srv_metrics_free(metrics);
	srv_config_free(&cfg);
	unlink(cfg_path);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}

/* A client of user connected to "/" (its CONNECT answered). */
static eio_session *tab(const char *user)
{
	next_user = user;
	eio_session *s = eio_session_open_local(sio_server_engine(srv));
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(eio_session_receive(s, "40", 2, false), 0);
	return s;
}

static void close_tab(eio_session *s)
{
	ck_assert_int_eq(eio_session_receive(s, "41", 2, false), 0);
}

static const char *ann(int i)
{
	return i < nannounced ? announced[i] : "(none)";
}

/* ---- the tests ----------------------------------------------------------------------- */

/* Alone in the fleet (no remote socket): as one process. */
START_TEST(alone_online_then_offline_once)
{
	eio_session *a = tab("alice");
	ck_assert_int_eq(nannounced, 1);
	ck_assert_str_eq(ann(0), "on:{\"userId\":\"alice\"}");
	ck_assert_str_ne(last_except, ""); /* not told to the socket that came */
	eio_session *b = tab("alice");
	close_tab(a);
	ck_assert_int_eq(nannounced, 1); /* more tabs, one gone: nothing */
	close_tab(b);
	ck_assert_int_eq(nannounced, 2);
	ck_assert_str_eq(ann(1), "off:{\"userId\":\"alice\"}");
	ck_assert_int_eq(srv_presence_users(pres), 0);
}
END_TEST

/* Another member holds an older socket of the user: online already. */
START_TEST(older_socket_elsewhere_means_online_already)
{
	mode = ANSWER_OLDER;
	eio_session *a = tab("bob");
	ck_assert_int_eq(nannounced, 0);
	/* ... and still there when this tab goes: no offline either */
	close_tab(a);
	ck_assert_int_eq(nannounced, 0);
}
END_TEST

/* Younger sockets elsewhere came after this one: this member announces. A
 * socket whose age is not known counts as younger (a duplicate rather than
 * no announcement). */
START_TEST(younger_or_unknown_elsewhere_means_this_one_announces)
{
	mode = ANSWER_YOUNGER;
	tab("carol");
	ck_assert_int_eq(nannounced, 1);
	ck_assert_str_eq(ann(0), "on:{\"userId\":\"carol\"}");
	mode = ANSWER_UNKNOWN_AGE;
	tab("dave");
	ck_assert_int_eq(nannounced, 2);
	ck_assert_str_eq(ann(1), "on:{\"userId\":\"dave\"}");
}
END_TEST

/* The announcement waits for the fleet's answer; a user who leaves and
 * comes back to this member before the answer is not announced at all. */
START_TEST(answers_later_and_quick_return)
{
	mode = HOLD;
	eio_session *a = tab("erin");
	ck_assert_int_eq(nannounced, 0);
	release_held();
	ck_assert_int_eq(nannounced, 1);
	close_tab(a); /* the offline question is held */
	ck_assert_int_eq(nheld, 1);
	eio_session *b = tab("erin"); /* back: no new question */
	ck_assert_int_eq(nheld, 1);
	release_held();
	ck_assert_int_eq(nannounced, 1); /* neither offline nor online */
	close_tab(b);
	release_held();
	ck_assert_int_eq(nannounced, 2);
	ck_assert_str_eq(ann(1), "off:{\"userId\":\"erin\"}");
}
END_TEST

static bool no_pending(void)
{
	return nannounced > 0;
}

/* A member that never answers: at requestsTimeout the decision is made on
 * the answers in (none here), and counted as a partial answer. */
START_TEST(timeout_decides_on_what_arrived)
{
	mode = HOLD;
	tab("frank");
	ck_assert_int_eq(nannounced, 0);
	while (!no_pending())
		uv_run(&loop, UV_RUN_ONCE);
	ck_assert_str_eq(ann(0), "on:{\"userId\":\"frank\"}");
	size_t len;
	char *text = srv_metrics_render(metrics, &len);
	ck_assert_ptr_nonnull(strstr(text, "sio_errors_total{kind=\"presence_partial\"} 1"));
	free(text);
}
END_TEST

/* Every counted socket is in its user's room (api.userRoom), where the
 * fleet's question looks for it. */
START_TEST(sockets_join_the_user_room)
{
	tab("gina");
	tab("gina");
	ck_assert_int_eq(sio_room_size(root, "user:gina"), 2);
	ck_assert_int_eq(srv_presence_sockets(pres, "gina"), 2);
}
END_TEST

/* A user id too long for a room name: no room to ask about, so this
 * member's own count decides (as in one process), without a question. */
START_TEST(user_id_too_long_for_a_room_counts_here)
{
	static char id[SRV_MAX_ROOM_NAME + 2];
	memset(id, 'x', sizeof(id) - 1);
	mode = HOLD;
	eio_session *a = tab(id);
	ck_assert_int_eq(nheld, 0);
	ck_assert_int_eq(nannounced, 1);
	ck_assert_int_eq(strncmp(ann(0), "on:{\"userId\":\"xxx", 17), 0);
	close_tab(a);
	ck_assert_int_eq(nheld, 0);
	ck_assert_int_eq(nannounced, 2);
	ck_assert_int_eq(strncmp(ann(1), "off:", 4), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("srv_presence");
	TCase *tc = tcase_create("fleet");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, alone_online_then_offline_once);
	tcase_add_test(tc, older_socket_elsewhere_means_online_already);
	tcase_add_test(tc, younger_or_unknown_elsewhere_means_this_one_announces);
	tcase_add_test(tc, answers_later_and_quick_return);
	tcase_add_test(tc, timeout_decides_on_what_arrived);
	tcase_add_test(tc, sockets_join_the_user_room);
	tcase_add_test(tc, user_id_too_long_for_a_room_counts_here);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(suite());
}
