/* sio_namespace.c - namespaces: lookup and creation (static and dynamic
 * parents), their middleware lists and connection callback, accessors.
 *
 * A server has a short list of namespaces ("/" first), searched linearly:
 * an application has a handful. A dynamic parent (node's io.of(regex or
 * function)) is kept apart: it matches names at CONNECT time
 * (sio_connect.c) and each child it creates is an ordinary namespace.
 */
#include "sio_internal.h"

#include <stdlib.h>
#include <string.h>

sio_namespace *sio_namespace_find(sio_server *srv, const char *name, size_t len)
{
	for (size_t i = 0; i < srv->nnsps; i++) {
		sio_namespace *n = srv->nsps[i];
		if (n->name_len == len && memcmp(n->name, name, len) == 0)
			return n;
	}
	return NULL;
}

sio_namespace *sio_namespace_new(sio_server *srv, const char *name)
{
	sio_namespace *n;
	sio_namespace **nn = realloc(srv->nsps, (srv->nnsps + 1) * sizeof(*nn));
	if (!nn)
		return NULL;
	srv->nsps = nn;
	if (!(n = calloc(1, sizeof(*n))) || !(n->name = strdup(name))) {
		free(n);
		return NULL;
	}
	n->srv = srv;
	n->name_len = strlen(name);
	base_map_init(&n->sockets);
	base_map_init(&n->rooms);
	if (sio_adapter_init_namespace(n) < 0) {
		free(n->name);
		free(n);
		return NULL;
	}
	srv->nsps[srv->nnsps++] = n;
	return n;
}

void sio_namespace_free(sio_namespace *n)
{
	sio_recovery_namespace_free(n);
	base_map_free(&n->sockets);
	base_map_free(&n->rooms);
	sio_handlers_free(n->handlers, n->nhandlers);
	for (size_t i = 0; i < n->nserver_handlers; i++)
		free(n->server_handlers[i].event);
	free(n->server_handlers);
	free(n->filters);
	free(n->mw);
	free(n->name);
	free(n);
}

sio_namespace *sio_of(sio_server *srv, const char *name)
{
	if (!name || name[0] != '/')
		return NULL;
	sio_namespace *n = sio_namespace_find(srv, name, strlen(name));
	if (n)
		return n;
	return sio_namespace_new(srv, name);
}

const char *sio_namespace_name(const sio_namespace *nsp)
{
	return nsp->name;
}
sio_server *sio_namespace_server(const sio_namespace *nsp)
{
	return nsp->srv;
}
size_t sio_namespace_socket_count(const sio_namespace *nsp)
{
	return nsp->sockets.len;
}

static int add_mw(sio_namespace *nsp, sio_mw m)
{
	sio_mw *nm = realloc(nsp->mw, (nsp->nmw + 1) * sizeof(*nm));
	if (!nm)
		return SIO_ENOMEM;
	nsp->mw = nm;
	nsp->mw[nsp->nmw++] = m;
	return 0;
}

int sio_use(sio_namespace *nsp, sio_middleware_fn fn, void *user)
{
	return add_mw(nsp, (sio_mw){ fn, NULL, user });
}

int sio_use_async(sio_namespace *nsp, sio_async_middleware_fn fn, void *user)
{
	return add_mw(nsp, (sio_mw){ NULL, fn, user });
}

sio_namespace *sio_of_dynamic(sio_server *srv, sio_namespace_match_fn match, void *user)
{
	sio_namespace **np = realloc(srv->parents, (srv->nparents + 1) * sizeof(*np));
	if (!np)
		return NULL;
	srv->parents = np;
	sio_namespace *n = calloc(1, sizeof(*n));
	if (!n || !(n->name = strdup("(dynamic)"))) {
		free(n);
		return NULL;
	}
	n->srv = srv;
	n->match = match;
	n->match_user = user;
	srv->parents[srv->nparents++] = n;
	return n;
}

void sio_server_namespaces(sio_server *srv, sio_namespace_fn fn, void *user)
{
	for (size_t i = 0; i < srv->nnsps; i++)
		fn(srv->nsps[i], user);
}

sio_namespace *sio_namespace_parent(const sio_namespace *nsp)
{
	return nsp->parent;
}

void sio_on_connection(sio_namespace *nsp, sio_connection_fn fn, void *user)
{
	nsp->on_connection = fn;
	nsp->on_connection_user = user;
}
