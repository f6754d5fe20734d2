/* eio_msg.h - internal layout of eio_msg and the Engine.IO packet types. */
#ifndef EIO_MSG_H
#define EIO_MSG_H

#include "engineio.h"

/* Engine.IO v4 packet types, as the ASCII digit that starts a text packet
 * (spec "Packet encoding"). */
enum {
	EIO_PKT_OPEN = '0',
	EIO_PKT_CLOSE = '1',
	EIO_PKT_PING = '2',
	EIO_PKT_PONG = '3',
	EIO_PKT_MESSAGE = '4',
	EIO_PKT_UPGRADE = '5',
	EIO_PKT_NOOP = '6',
};

struct eio_msg {
	uint32_t refs; /* one loop thread: no atomics needed */
	bool binary;
	size_t len;   /* bytes[] length: packet text, or raw binary */
	char bytes[]; /* NUL-terminated for convenience (not counted in len) */
};

/* A control or data packet "<type><data>" (text). */
eio_msg *eio_msg_packet(char type, const char *data, size_t len);

#endif
