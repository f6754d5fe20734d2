/* srv_ack.c - the envelope of an object sent as a client's acknowledgement
 * (see srv_ack.h): the allocation, the drop on out of memory, the send. */
#include "srv_ack.h"

sio_out *srv_ack_object_begin(sio_ack *ack)
{
	if (!ack)
		return NULL;
	sio_out *o = sio_out_new();
	if (!o) {
		sio_ack_drop(ack);
		return NULL;
	}
	sio_out_object_begin(o);
	return o;
}

void srv_ack_object_send(sio_ack *ack, sio_out *o)
{
	sio_out_object_end(o);
	sio_ack_send(ack, o);
	sio_out_free(o);
}
