/* eio_request.c - engineio.h's handshake request: the net layer's request
 * record (net/net_request.c), read through engineio's public names. An
 * eio_request pointer is a net_request pointer (eio_internal.h).
 */
#include "eio_internal.h"

const char *eio_request_header(const eio_request *req, const char *name)
{
	return net_request_header(eio_request_net(req), name);
}

const char *eio_request_query(const eio_request *req, const char *name)
{
	return net_request_query(eio_request_net(req), name);
}

bool eio_request_query_at(const eio_request *req, size_t i, const char **name, const char **value)
{
	return net_request_query_at(eio_request_net(req), i, name, value);
}

bool eio_request_header_at(const eio_request *req, size_t i, const char **name, const char **value)
{
	return net_request_header_at(eio_request_net(req), i, name, value);
}

const char *eio_request_address(const eio_request *req)
{
	return net_request_address(eio_request_net(req));
}

const char *eio_request_url(const eio_request *req)
{
	return net_request_url(eio_request_net(req));
}

uint64_t eio_request_time_ms(const eio_request *req)
{
	return net_request_time_ms(eio_request_net(req));
}
