/* eio_msg.c - immutable, reference-counted outbound messages.
 *
 * A message is encoded once and shared by every session it is sent to: a
 * broadcast to 10,000 sessions holds one copy of the bytes and 10,000 queue
 * slots pointing at it. Text messages are stored as the Engine.IO packet
 * ("4" + data) so the WebSocket and polling writers send them without
 * re-encoding; binary messages are the raw bytes (v4 sends binary frames
 * with no type byte, and polling adds "b" + base64 at write time).
 */
#include "eio_msg.h"

#include <stdlib.h>
#include <string.h>

static eio_msg *msg_new(char type, bool binary, const void *data, size_t len)
{
	size_t hdr = binary ? 0 : 1;
	eio_msg *m = malloc(sizeof(*m) + hdr + len + 1);
	if (!m)
		return NULL;
	m->refs = 1;
	m->binary = binary;
	m->len = hdr + len;
	if (!binary)
		m->bytes[0] = type;
	if (len)
		memcpy(m->bytes + hdr, data, len);
	m->bytes[hdr + len] = '\0';
	return m;
}

eio_msg *eio_msg_packet(char type, const char *data, size_t len)
{
	return msg_new(type, false, data, len);
}

eio_msg *eio_msg_text(const char *data, size_t len)
{
	return msg_new(EIO_PKT_MESSAGE, false, data, len);
}

eio_msg *eio_msg_binary(const void *data, size_t len)
{
	return msg_new(0, true, data, len);
}

eio_msg *eio_msg_ref(eio_msg *m)
{
	m->refs++;
	return m;
}

void eio_msg_unref(eio_msg *m)
{
	if (m && --m->refs == 0)
		free(m);
}

const void *eio_msg_data(const eio_msg *m, size_t *len)
{
	size_t hdr = m->binary ? 0 : 1;
	*len = m->len - hdr;
	return m->bytes + hdr;
}

bool eio_msg_is_binary(const eio_msg *m)
{
	return m->binary;
}
