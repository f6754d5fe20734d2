/* proto.c - the Engine.IO v4 / Socket.IO v5 client side of sio-bench.
 *
 * Three ways to connect a client to the "/" namespace:
 *   websocket  GET ?EIO=4&transport=websocket (101), "0{...}" open, send "40",
 *              "40{...}" connected;
 *   polling    GET ?EIO=4&transport=polling -> "0{sid...}", POST "40", then a
 *              GET long-poll loop; payloads are packets joined by \x1e, and at
 *              most one POST is in flight (packets queue for the next one);
 *   upgrade    polling as above until "40{...}", then the real client's
 *              upgrade: WebSocket with the sid, "2probe" -> "3probe", "5".
 * Pings "2" are answered "3" on whichever transport carries them. Only what
 * the scenarios need is parsed: the sid, ack ids, packet types.
 *
 * Layering (proto.h): the transport calls in through proto_chan_handlers with
 * the channel, whose owner is its client; this file calls the transport
 * directly and the scenario only through the proto_events of proto_init.
 * Broadcasts received by long-polling are counted with chan_count, as the
 * transport counts those that come over a WebSocket.
 */
#define _GNU_SOURCE
#include "proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static proto_config pcfg;
static proto_events events;

void proto_init(const proto_config *c, const proto_events *ev)
{
	pcfg = *c;
	events = *ev;
}

void client_init(client *cl, uint32_t id)
{
	cl->id = id;
	chan_init(&cl->ws, CH_WS, cl);
	chan_init(&cl->get, CH_GET, cl);
	chan_init(&cl->post, CH_POST, cl);
}

static const struct sockaddr_in *src_for(const client *cl)
{
	return pcfg.nsrc ? &pcfg.src[cl->id % (uint32_t)pcfg.nsrc] : NULL;
}

static void client_fail(client *cl, const char *why)
{
	if (cl->phase == P_FAILED)
		return;
	events.failed(cl, why);
	cl->phase = P_FAILED;
	client_close(cl);
}

void client_close(client *cl)
{
	chan_close(&cl->ws);
	chan_close(&cl->get);
	chan_close(&cl->post);
	buf_free(&cl->pq);
}

static void poll_get(client *cl)
{
	char q[128];
	snprintf(q, sizeof(q), "EIO=4&transport=polling&sid=%s", cl->sid);
	chan_http_request(&cl->get, src_for(cl), "GET", q, NULL, 0);
}

static void post_flush(client *cl)
{
	char q[128];
	snprintf(q, sizeof(q), "EIO=4&transport=polling&sid=%s", cl->sid);
	cl->post_busy = true;
	buf b = cl->pq;
	cl->pq = (buf){ 0 };
	chan_http_request(&cl->post, src_for(cl), "POST", q, b.p, b.len);
	buf_free(&b);
}

void client_start(client *cl)
{
	char q[256];
	cl->phase = P_OPENING;
	cl->t_start = now_us();
	const char *room = cl->sender ? NULL : pcfg.room;
	if (cl->transport == T_WS) {
		snprintf(q, sizeof(q), "EIO=4&transport=websocket%s%s", room ? "&room=" : "",
		         room ? room : "");
		if (chan_connect(&cl->ws, src_for(cl)) < 0) {
			client_fail(cl, "connect failed");
			return;
		}
		chan_ws_open(&cl->ws, q);
	} else {
		snprintf(q, sizeof(q), "EIO=4&transport=polling%s%s", room ? "&room=" : "",
		         room ? room : "");
		chan_http_request(&cl->get, src_for(cl), "GET", q, NULL, 0);
	}
}

void client_send(client *cl, const char *pkt, size_t n)
{
	if (cl->phase == P_FAILED)
		return;
	if (cl->transport == T_WS) {
		chan_ws_send(&cl->ws, pkt, n);
		return;
	}
	if (cl->pq.len)
		buf_append(&cl->pq, "\x1e", 1);
	buf_append(&cl->pq, pkt, n);
	if (!cl->post_busy && cl->sid[0])
		post_flush(cl);
}

static void got_open(client *cl, const char *p, size_t n)
{
	const char *s = memmem(p, n, "\"sid\":\"", 7);
	if (!s) {
		client_fail(cl, "open packet without sid");
		return;
	}
	s += 7;
	size_t i = 0;
	while (s + i < p + n && s[i] != '"' && i + 1 < sizeof(cl->sid)) {
		cl->sid[i] = s[i];
		i++;
	}
	cl->sid[i] = 0;
	client_send(cl, "40", 2);
	if (cl->transport == T_POLLING)
		poll_get(cl);
}

static void got_connect(client *cl)
{
	if (cl->phase != P_OPENING)
		return;
	if (!cl->upgrade) {
		cl->phase = P_CONNECTED;
		events.connected(cl);
		return;
	}
	char q[128];
	snprintf(q, sizeof(q), "EIO=4&transport=websocket&sid=%s", cl->sid);
	cl->phase = P_UPGRADING;
	if (chan_connect(&cl->ws, src_for(cl)) < 0) {
		client_fail(cl, "connect failed");
		return;
	}
	chan_ws_open(&cl->ws, q);
}

static void got_packet(client *cl, const char *p, size_t n)
{
	if (n == 0)
		return;
	switch (p[0]) {
	case '0':
		if (cl->phase == P_OPENING && !cl->sid[0])
			got_open(cl, p, n);
		break;
	case '1':
		client_fail(cl, "engine.io close packet");
		break;
	case '2':
		if (n == 1)
			client_send(cl, "3", 1);
		break;
	case '3':
		if (n == 6 && memcmp(p, "3probe", 6) == 0 && cl->phase == P_UPGRADING) {
			chan_ws_send(&cl->ws, "5", 1);
			cl->transport = T_WS;
			chan_close(&cl->get);
			chan_close(&cl->post);
			buf_free(&cl->pq);
			cl->post_busy = false;
			cl->phase = P_CONNECTED;
			events.connected(cl);
		}
		break;
	case '4':
		if (n < 2)
			break;
		if (p[1] == '0') {
			got_connect(cl);
		} else if (p[1] == '2') {
			if (n >= CHAN_COUNT_PREFIX_LEN &&
			    memcmp(p, CHAN_COUNT_PREFIX, CHAN_COUNT_PREFIX_LEN) == 0)
				chan_count(now_us());
		} else if (p[1] == '3') {
			uint32_t id = 0;
			for (size_t i = 2; i < n && p[i] >= '0' && p[i] <= '9'; i++)
				id = id * 10 + (uint32_t)(p[i] - '0');
			events.ack(cl, id);
		} else if (p[1] == '4') {
			client_fail(cl, "connect_error");
		} else if (p[1] == '1') {
			client_fail(cl, "disconnected by server");
		}
		break;
	default:
		break;
	}
}

static void on_ws_open(chan *ch)
{
	client *cl = ch->owner;
	if (cl->phase == P_UPGRADING)
		chan_ws_send(ch, "2probe", 6);
}

static void on_ws_message(chan *ch, const char *p, size_t n)
{
	got_packet(ch->owner, p, n);
}

static void on_http_response(chan *ch, int status, const char *body, size_t n)
{
	client *cl = ch->owner;
	if (status != 200) {
		char why[64];
		snprintf(why, sizeof(why), "HTTP %d", status);
		client_fail(cl, why);
		return;
	}
	if (ch->kind == CH_POST) {
		cl->post_busy = false;
		if (cl->pq.len && cl->phase != P_FAILED)
			post_flush(cl);
		return;
	}
	/* GET: a payload of packets separated by \x1e */
	const char *p = body, *end = body + n;
	while (p < end && cl->phase != P_FAILED) {
		const char *e = memchr(p, 0x1e, (size_t)(end - p));
		if (!e)
			e = end;
		got_packet(cl, p, (size_t)(e - p));
		p = e + 1;
	}
	if (cl->phase == P_FAILED || cl->transport != T_POLLING || cl->phase == P_UPGRADING)
		return;
	if (cl->sid[0] && ch->fd >= 0 && ch->state == ST_IDLE)
		poll_get(cl);
	else if (cl->sid[0] && ch->fd < 0)
		poll_get(cl);
}

static void on_closed(chan *ch, const char *why)
{
	client *cl = ch->owner;
	if (ch->kind != CH_WS && strcmp(why, "idle close") == 0)
		return; /* HTTP keep-alive connection closed between requests */
	client_fail(cl, why);
}

const chan_handlers proto_chan_handlers = {
	.ws_open = on_ws_open,
	.ws_message = on_ws_message,
	.http_response = on_http_response,
	.closed = on_closed,
};
