/* fuzz_srv_plainws.c - libFuzzer target for the client-controlled paths of
 * sio-server's plain WebSocket endpoints (apps/sio-server/srv_plainws_msg.c):
 * a client's message matched against the endpoint's shapes
 * (srv_plainws_match), and a room event framed for the clients
 * (srv_plainws_frame), whose arguments come from whoever broadcasts (the
 * HTTP API, another server through the adapter, a Socket.IO client).
 *
 * The endpoint is the job-update service's (apps/sio-server/examples/
 * job-updates.json), loaded once from an inline copy. Input: byte 0 picks
 * the mode, the rest is the data.
 *   - match: the data as a text message. The result is a match, a parse
 *     error or an invalid format, nothing else; a match names one of the
 *     shapes and has an id that is non-empty, NUL-free, under 256 bytes and
 *     of the shape's pattern's alphabet, and its room ("tenant:{id}")
 *     expands to "tenant:" + id. Whatever the data, a parse error is
 *     exactly "base_json_parse failed".
 *   - frame: the data as the arguments' JSON array. On success the output
 *     is one JSON object whose "type" member is the event, and it has no
 *     other "type" member.
 * Any crash, sanitizer report, leak or failed check (abort) is a finding.
 *
 *   make fuzz && build-fuzz/fuzz_srv_plainws -max_total_time=60
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../apps/sio-server/srv_plainws.h"
#include "base/json.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

static const char config[] =
        "{\"plainWebSockets\":[{\"path\":\"/ws\",\"subprotocols\":[\"job-updates\"],"
        "\"messages\":["
        "{\"type\":\"SUBSCRIBE\",\"action\":\"join\",\"idField\":\"tenantId\","
        "\"room\":\"tenant:{tenantId}\",\"idPattern\":\"[A-Za-z0-9_.-]{1,64}\","
        "\"authorize\":\"none\"},"
        "{\"type\":\"UNSUBSCRIBE\",\"action\":\"leave\",\"idField\":\"tenantId\","
        "\"room\":\"tenant:{tenantId}\"}],"
        "\"events\":{\"typeField\":\"type\",\"dataField\":\"data\"}}]}";

static srv_config cfg;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	char path[] = "/tmp/fuzz_srv_plainws_XXXXXX", err[256];
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK(write(fd, config, sizeof(config) - 1) == (ssize_t)(sizeof(config) - 1));
	close(fd);
	static char *const env[] = { NULL };
	char *args[] = { "fuzz" };
	int rc = srv_config_load(&cfg, path, env, 1, args, err, sizeof(err));
	unlink(path);
	CHECK(rc == SRV_CONFIG_OK && cfg.nplainws == 1);
	return 0;
}

static void check_match(const srv_plainws_cfg *c, const char *d, size_t n)
{
	srv_plain_match m;
	int r = srv_plainws_match(c, d, n, &m);
	CHECK(r == 0 || r == SRV_PLAIN_PARSE_ERROR || r == SRV_PLAIN_INVALID);
	base_json doc;
	base_json_init(&doc);
	CHECK((r == SRV_PLAIN_PARSE_ERROR) == (base_json_parse(&doc, d, n) != 0));
	base_json_free(&doc);
	if (r != 0)
		return;
	CHECK(m.msg == &c->msgs[0] || m.msg == &c->msgs[1]);
	size_t len = strlen(m.id);
	CHECK(len > 0 && len < sizeof(m.id));
	if (m.msg == &c->msgs[0] && !m.id_num)
		CHECK(strspn(m.id,
		             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") ==
		      len);
	char room[300], want[300];
	CHECK(srv_room_expand(m.msg->rule.room, NULL, NULL, m.id, room, sizeof(room)) == 0);
	snprintf(want, sizeof(want), "tenant:%s", m.id);
	CHECK(strcmp(room, want) == 0);
}

static void check_frame(const srv_plainws_cfg *c, const char *d, size_t n)
{
	base_buf b = BASE_BUF_INIT;
	if (srv_plainws_frame(c, "E", d, n, &b) == 0) {
		base_json doc;
		base_json_init(&doc);
		CHECK(base_json_parse(&doc, b.data, b.len) == 0);
		int root = base_json_root(&doc);
		CHECK(base_json_type(&doc, root) == BASE_JSON_OBJECT);
		base_json_iter it;
		int k, v, types = 0;
		base_json_iter_init(&doc, root, &it);
		while ((v = base_json_iter_next(&doc, &it, &k)) >= 0)
			if (base_json_str_eq(&doc, k, "type", 4)) {
				types++;
				CHECK(base_json_str_eq(&doc, v, "E", 1));
			}
		CHECK(types == 1);
		base_json_free(&doc);
	}
	base_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const srv_plainws_cfg *c = &cfg.plainws[0];
	const char *d = (const char *)data + 1;
	if (data[0] & 1)
		check_frame(c, d, size - 1);
	else
		check_match(c, d, size - 1);
	return 0;
}
