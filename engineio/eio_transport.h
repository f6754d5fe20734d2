/* eio_transport.h - the interface a session writes through.
 *
 * A session never names a transport's functions: it holds a pointer to the
 * table of the transport it uses (s->t); the server holds both tables
 * (srv->transports: [0] polling, [1] websocket, the one an upgrade moves
 * to).
 * The transports never call each other. Going out, a session's send reaches
 * its transport's wake, which marks the connection for the end of the loop
 * turn (net_http_mark, net_ws_mark); the scheduler runs the transport's flush, which
 * writes through the net layer. Coming in, the net router hands a request or
 * a frame to the transport, which decodes it (eio_packet.c) and hands the
 * packets to eio_session_on_packet().
 */
#ifndef EIO_TRANSPORT_H
#define EIO_TRANSPORT_H

#include "engineio.h"

typedef struct eio_transport {
	/* Something was queued: have the queue written at the end of this
	 * loop turn. False when there is no connection to write on now (the
	 * queue waits for one). */
	bool (*wake)(eio_session *s);
	/* The client moves to another transport: release what it waits on
	 * here (polling: its parked GET answers with a noop). */
	void (*pause)(eio_session *s);
	/* The session ends, or the upgrade to this transport fails: let go of
	 * the session's connections. client_closed: the client asked to close. */
	void (*detach)(eio_session *s, bool client_closed);
	/* Would a message sent now be written without waiting behind a
	 * backlog? */
	bool (*writable)(const eio_session *s);
} eio_transport;

extern const eio_transport eio_polling_transport;
extern const eio_transport eio_ws_transport;

#endif
