/* eio_map.h - string-keyed hash map (open addressing, linear probing).
 * Keys are not copied: each key must live as long as its entry (the session
 * id stored in the session itself, for instance). */
#ifndef EIO_MAP_H
#define EIO_MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct eio_map_slot {
	const char *key;  /* NULL: empty */
	uint32_t hash;
	void *val;
} eio_map_slot;

typedef struct eio_map {
	eio_map_slot *slots;
	size_t cap;   /* power of two, or 0 */
	size_t len;
} eio_map;

void eio_map_init(eio_map *m);
void eio_map_free(eio_map *m);
void *eio_map_get(const eio_map *m, const char *key);
/* Insert or replace. Returns 0, or -1 on allocation failure. */
int eio_map_put(eio_map *m, const char *key, void *val);
/* Remove; returns the value that was stored, or NULL. */
void *eio_map_del(eio_map *m, const char *key);
/* Iterate: start with *i = 0; returns NULL at the end. Do not modify the map
 * while iterating. */
void *eio_map_next(const eio_map *m, size_t *i);

#endif
