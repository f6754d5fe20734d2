/* proto.h - sio-bench's Engine.IO v4 / Socket.IO v5 client: clients, each one
 * Socket.IO connection to "/" over up to three channels (chan.h).
 *
 * The middle layer: it drives the transport below by direct calls, receives
 * the transport's events through proto_chan_handlers (given to each
 * chan_loop), and reports to the scenario above only through the
 * proto_events given to proto_init. A client belongs to one thread for its
 * whole life: every call for it is made on that thread.
 */
#ifndef SIO_BENCH_PROTO_H
#define SIO_BENCH_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "chan.h"
#include "util.h"

enum {
	T_WS,
	T_POLLING
};
enum {
	P_NEW,       /* not started */
	P_OPENING,   /* Engine.IO / Socket.IO handshake in flight */
	P_UPGRADING, /* handshake scenario: WebSocket probe in flight */
	P_CONNECTED, /* Socket.IO CONNECT acknowledged (or upgraded) */
	P_FAILED,    /* closed or refused */
};

/* A Socket.IO client: the WebSocket, and for long-polling one channel for GET
 * and one for POST, as a browser would. */
typedef struct client {
	uint32_t id;
	uint8_t transport, phase;
	bool upgrade;   /* handshake scenario: upgrade after connecting */
	bool post_busy; /* a POST is in flight */
	bool sender;    /* fan-out sender: not in the room */
	chan ws, get, post;
	char sid[32];
	buf pq;               /* polling: packets waiting for the next POST */
	uint64_t t_start;     /* handshake start, us */
	uint64_t t_sent;      /* echo: last send, us */
	uint32_t sent, acked; /* echo counters */
} client;

/* What every client shares. */
typedef struct proto_config {
	const char *room;              /* ?room= of the handshake (not the sender's); NULL: none */
	const struct sockaddr_in *src; /* source addresses: client i binds src[i % nsrc] */
	int nsrc;                      /* 0: the kernel chooses */
} proto_config;

/* What the protocol reports up, on the client's thread. */
typedef struct proto_events {
	void (*connected)(client *cl);               /* CONNECT acknowledged (or upgraded) */
	void (*failed)(client *cl, const char *why); /* before cl->phase becomes P_FAILED */
	void (*ack)(client *cl, uint32_t id);        /* an ACK packet "43<id>..." */
} proto_events;

/* The transport events of the clients' channels, for chan_loop_init. */
extern const chan_handlers proto_chan_handlers;

/* Once, before any client starts; both are copied. */
void proto_init(const proto_config *c, const proto_events *ev);
/* A new client, P_NEW, with closed channels. */
void client_init(client *cl, uint32_t id);
/* Start the handshake of cl->transport (and cl->upgrade). */
void client_start(client *cl);
/* Send one Engine.IO packet (a Socket.IO packet with its "4" prefix). */
void client_send(client *cl, const char *pkt, size_t n);
/* Close every channel; reports nothing. */
void client_close(client *cl);

#endif
