/* map.h - string-keyed hash map (open addressing, linear probing).
 * Keys are not copied: each key must live as long as its entry (the session
 * id stored in the session itself, for instance).
 *
 * Keys often come from clients (room names in join events), so the hash is
 * keyed SipHash with a random per-process key: a client cannot choose names
 * that collide and turn lookups into linear scans (hash flooding). */
#ifndef BASE_MAP_H
#define BASE_MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct base_map_slot {
	const char *key; /* NULL: empty */
	uint32_t hash;
	void *val;
} base_map_slot;

typedef struct base_map {
	base_map_slot *slots;
	size_t cap; /* power of two, or 0 */
	size_t len;
} base_map;

void base_map_init(base_map *m);
void base_map_free(base_map *m);
void *base_map_get(const base_map *m, const char *key);
/* Insert or replace. Returns 0, or -1 on allocation failure. */
int base_map_put(base_map *m, const char *key, void *val);
/* Remove; returns the value that was stored, or NULL. */
void *base_map_del(base_map *m, const char *key);
/* Iterate: start with *i = 0; returns NULL at the end. Do not modify the map
 * while iterating. */
void *base_map_next(const base_map *m, size_t *i);

/* The hash the map uses for key (32 bits of SipHash-2-4 under the process
 * key). Exposed for tests that choose keys by their slot. */
uint32_t base_map_hash(const char *key);

#define BASE_MAP_HASH_KEYBYTES 16
/* Tests only: replace the process key so that hashes are reproducible.
 * Every map must be empty (or freed) when it is called. */
void base_map_set_hash_key(const unsigned char key[BASE_MAP_HASH_KEYBYTES]);

#endif
