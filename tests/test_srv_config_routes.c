/* test_srv_config_routes.c - Check unit tests for api.routes, the
 * request-shape aliases (apps/sio-server/srv_config_routes.c, found by
 * srv_api_route_find in srv_api_routes.c): a route list parsed into
 * methods, path segments, actions and sources; every bad route refused with
 * its key path and the line and column of the value; and a request path
 * finding its route (parameters, method, 405 candidates, no match).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../apps/sio-server/srv_api_endpoints.h"
#include "../apps/sio-server/srv_config_routes.h"
#include "srv_config_fixture.h"
#include "check_main.h"

static int load(const char *json)
{
	return cfg_load_env(json, NULL);
}

static const char good[] =
        "{\"api\": {\"routes\": [\n"
        " {\"method\": \"POST\", \"path\": \"/api/jobs/:jobId/progress\", \"action\": "
        "\"broadcast\", \"map\": {\"room\": \"job:{:jobId}\", \"event\": \"job:progress\", "
        "\"data\": \"body\"}},\n"
        " {\"method\": \"DELETE\", \"path\": \"/c/:cid/members/:uid\", \"action\": \"leave\", "
        "\"map\": {\"room\": \"conversation:{:cid}\", \"userId\": \":uid\", "
        "\"exceptSocketId\": \"query.except\"}},\n"
        " {\"method\": \"POST\", \"path\": \"/c/:cid/members/:uid\", \"action\": \"join\", "
        "\"map\": {\"rooms\": \"body.rooms\", \"userId\": \":uid\"}}\n"
        "]}}";

START_TEST(parsed)
{
	ck_assert_msg(load(good) == SRV_CONFIG_OK, "%s", err);
	const srv_api_routes *rs = cfg.api.routes;
	ck_assert_uint_eq(rs->n, 3);
	const srv_api_route *a = &rs->v[0], *b = &rs->v[1];
	ck_assert_str_eq(a->method, "POST");
	ck_assert_int_eq(a->action, SRV_ROUTE_BROADCAST);
	ck_assert_uint_eq(a->segs.n, 4);
	ck_assert_str_eq(a->segs.v[2], ":jobId");
	ck_assert_int_eq(a->map[SRV_RK_ROOM]->kind, SRV_SRC_TEMPLATE);
	ck_assert_int_eq(a->map[SRV_RK_EVENT]->kind, SRV_SRC_LITERAL);
	ck_assert_int_eq(a->map[SRV_RK_DATA]->kind, SRV_SRC_BODY);
	ck_assert_str_eq(a->map[SRV_RK_DATA]->text + a->map[SRV_RK_DATA]->skip, "");
	ck_assert_ptr_null(a->map[SRV_RK_USER_ID]);
	ck_assert_int_eq(b->action, SRV_ROUTE_LEAVE);
	ck_assert_int_eq(b->map[SRV_RK_USER_ID]->kind, SRV_SRC_PARAM);
	ck_assert_str_eq(b->map[SRV_RK_USER_ID]->text + b->map[SRV_RK_USER_ID]->skip, "uid");
	ck_assert_int_eq(b->map[SRV_RK_EXCEPT_SOCKET_ID]->kind, SRV_SRC_QUERY);
	ck_assert_str_eq(b->map[SRV_RK_EXCEPT_SOCKET_ID]->text + 6, "except");
}
END_TEST

START_TEST(found)
{
	ck_assert_msg(load(good) == SRV_CONFIG_OK, "%s", err);
	const srv_api_routes *rs = cfg.api.routes;
	const char *p = "/api/jobs/42/progress";
	ck_assert_ptr_eq(srv_api_route_find(&cfg, "POST", p, strlen(p)), &rs->v[0]);
	/* another method: the route still answers (a 405 from the router) */
	ck_assert_ptr_eq(srv_api_route_find(&cfg, "GET", p, strlen(p)), &rs->v[0]);
	p = "/api/jobs/42/progress/";
	ck_assert_ptr_eq(srv_api_route_find(&cfg, "POST", p, strlen(p)), &rs->v[0]);
	p = "/c/c1/members/u1";
	ck_assert_ptr_eq(srv_api_route_find(&cfg, "DELETE", p, strlen(p)), &rs->v[1]);
	ck_assert_ptr_eq(srv_api_route_find(&cfg, "POST", p, strlen(p)), &rs->v[2]);
	static const char *const none[] = {
		"/api/jobs/42",        "/api/jobs/42/progress/x", "/api/jobs//progress", "/", "",
		"api/jobs/42/progress"
	};
	for (size_t i = 0; i < sizeof(none) / sizeof(*none); i++)
		ck_assert_msg(!srv_api_route_find(&cfg, "POST", none[i], strlen(none[i])), "%s",
		              none[i]);
	/* the path's length is what counts, not a NUL */
	p = "/api/jobs/42/progress?x=1";
	ck_assert_ptr_eq(srv_api_route_find(&cfg, "POST", p, strcspn(p, "?")), &rs->v[0]);
}
END_TEST

#define ROUTE(r) "{\"api\": {\"routes\": [\n" r "\n]}}"
static const struct {
	const char *json, *want;
} bad[] = {
	{ ROUTE("{\"method\": \"POST\", \"path\": \"/x/:id\", \"action\": \"emit\", \"map\": "
	        "{\"event\": \"e\", \"room\": \"r:{:jobId}\"}}"),
	  "config: \"api.routes[0].map.room\": line 2, column 86: template \"r:{:jobId}\" names no "
	  "parameter of the route's path" },
	{ ROUTE("{\"method\": \"POST\", \"path\": \"/x\", \"action\": \"shout\", \"map\": {}}"),
	  "config: \"api.routes[0].action\": line 2, column 44: expected one of broadcast, emit, "
	  "join, leave, disconnect" },
	{ ROUTE("{\"method\": \"FETCH\", \"path\": \"/x\", \"action\": \"emit\", \"map\": {}}"),
	  "\"api.routes[0].method\": line 2, column 12: expected one of GET, POST, PUT, PATCH, "
	  "DELETE" },
	{ ROUTE("{\"method\": \"POST\", \"action\": \"emit\", \"map\": {}}"),
	  "\"api.routes[0].path\": required" },
	{ ROUTE("{\"method\": \"POST\", \"path\": \"x/y\", \"action\": \"emit\", \"map\": {}}"),
	  "\"api.routes[0].path\": line 2, column 28: expected a path like" },
	{ ROUTE("{\"method\": \"POST\", \"path\": \"/x/:a/:a\", \"action\": \"emit\", \"map\": "
	        "{}}"),
	  "parameter \":a\" appears twice" },
	{ ROUTE("{\"method\": \"POST\", \"path\": \"/x/:\", \"action\": \"emit\", \"map\": {}}"),
	  "a parameter needs a name" },
	{ ROUTE("{\"method\": \"POST\", \"path\": \"/\", \"action\": \"emit\", \"map\": {}}"),
	  "\"/\" alone cannot be an alias" },
	{ ROUTE("{\"method\": \"POST\", \"path\": \"/x\", \"action\": \"emit\", \"map\": "
	        "{\"room\": \"r\"}}"),
	  "\"api.routes[0].map\": line 2, column 59: \"event\" is required for action \"emit\"" },
	{ ROUTE("{\"method\": \"POST\", \"path\": \"/x\", \"action\": \"emit\", \"map\": "
	        "{\"event\": \"e\"}}"),
	  "name the sockets: room, rooms, userId, userIds, socketId or socketIds" },
	{ ROUTE("{\"method\": \"POST\", \"path\": \"/x\", \"action\": \"join\", \"map\": "
	        "{\"userId\": \"body.u\"}}"),
	  "give \"room\" or \"rooms\" (the room to join)" },
	{ ROUTE("{\"method\": \"POST\", \"path\": \"/x\", \"action\": \"broadcast\", \"map\": "
	        "{\"event\": \"e\", \"room\": \"r\", \"userId\": \"u\"}}"),
	  "a broadcast goes to a room or to a user, not both" },
	{ ROUTE("{\"method\": \"POST\", \"path\": \"/x\", \"action\": \"broadcast\", \"map\": "
	        "{\"event\": \"e\", \"inRoom\": \"r\"}}"),
	  "\"api.routes[0].map\": line 2, column 79: not a field of action \"broadcast\" (fields: "
	  "event, data, room, userId)" },
	{ ROUTE("{\"method\": \"POST\", \"path\": \"/x\", \"action\": \"emit\", \"map\": "
	        "{\"event\": 5, \"room\": \"r\"}}"),
	  "\"api.routes[0].map.event\": line 2, column 69: expected a source string" },
	{ ROUTE("{\"method\": \"POST\", \"path\": \"/x\", \"action\": \"emit\", \"map\": "
	        "{\"event\": \"body..t\", \"room\": \"r\"}}"),
	  "\"body..t\" has an empty member name" },
	{ ROUTE("{\"method\": \"POST\", \"path\": \"/x\", \"action\": \"emit\", \"map\": "
	        "{\"event\": \"e\", \"room\": \"r:{kind}\"}}"),
	  "has a placeholder that is not :param, body.x or query.x" },
	{ ROUTE("{\"method\": \"POST\", \"path\": \"/x\", \"action\": \"emit\", \"map\": "
	        "{\"event\": \"e\", \"room\": \"r:{body.k\"}}"),
	  "has an unclosed '{'" },
	{ ROUTE("{\"method\": \"POST\", \"path\": \"/x\", \"action\": \"emit\", \"map\": "
	        "{\"event\": \"e\", \"room\": \"r\"}, \"response\": 1}"),
	  "\"api.routes[0].response\": unknown key" },
	{ ROUTE("{\"method\": \"POST\", \"path\": \"/x/:a\", \"action\": \"emit\", \"map\": "
	        "{\"event\": \"e\", \"room\": \"r\"}},\n"
	        "{\"method\": \"POST\", \"path\": \"/x/:b\", \"action\": \"emit\", \"map\": "
	        "{\"event\": \"e\", \"room\": \"r\"}}"),
	  "\"api.routes[1]\": line 3, column 1: POST /x/:b has the same path as routes[0]" },
	{ "{\"api\": {\"routes\": {}}}", "\"api.routes\": expected an array" },
};

START_TEST(refused)
{
	ck_assert_int_eq(load(bad[_i].json), SRV_CONFIG_ERR);
	ck_assert_msg(strstr(err, bad[_i].want), "want \"%s\"\n got \"%s\"", bad[_i].want, err);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("srv_config_routes");
	TCase *tc = tcase_create("routes");
	tcase_add_checked_fixture(tc, NULL, cfg_teardown);
	tcase_add_test(tc, parsed);
	tcase_add_test(tc, found);
	tcase_add_loop_test(tc, refused, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(suite());
}
