/* map.c - string-keyed hash map: sessions by sid, sockets by id, rooms
 * by name.
 *
 * Open addressing with linear probing and backward-shift deletion (no
 * tombstones), kept at most 50% full: every lookup is O(1) expected, and one
 * flat array costs less memory per session than a node per entry.
 *
 * "Expected" holds only if keys are not chosen to collide. Room names come
 * from clients, and with a public unkeyed hash (FNV-1a before) an attacker
 * can compute thousands of names sharing one home slot and make every join
 * and broadcast probe the whole run. So the hash is libsodium's
 * crypto_shorthash (SipHash-2-4, a PRF made for this) keyed by 16 random
 * bytes drawn once per process: the slots of names are unpredictable.
 */
#include "base/map.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(BASE_MAP_HASH_KEYBYTES == crypto_shorthash_KEYBYTES, "SipHash key size");

static unsigned char hash_key[crypto_shorthash_KEYBYTES];
static pthread_once_t hash_key_once = PTHREAD_ONCE_INIT;

static void hash_key_init(void)
{
	/* sodium_init() is idempotent and thread-safe; it fails only when the
	 * system has no randomness source, where randombytes_buf() below (and
	 * the session ids) could not work either. */
	if (sodium_init() < 0)
		abort();
	randombytes_buf(hash_key, sizeof(hash_key));
}

uint32_t base_map_hash(const char *key)
{
	unsigned char out[crypto_shorthash_BYTES];
	pthread_once(&hash_key_once, hash_key_init);
	crypto_shorthash(out, (const unsigned char *)key, strlen(key), hash_key);
	/* low 32 bits of the little-endian 64-bit result */
	return (uint32_t)out[0] | (uint32_t)out[1] << 8 | (uint32_t)out[2] << 16 |
	       (uint32_t)out[3] << 24;
}

void base_map_set_hash_key(const unsigned char key[BASE_MAP_HASH_KEYBYTES])
{
	pthread_once(&hash_key_once, hash_key_init); /* so it cannot run later */
	memcpy(hash_key, key, sizeof(hash_key));
}

void base_map_init(base_map *m)
{
	m->slots = NULL;
	m->cap = 0;
	m->len = 0;
}

void base_map_free(base_map *m)
{
	free(m->slots);
	base_map_init(m);
}

static size_t find(const base_map *m, const char *key, uint32_t h)
{
	size_t mask = m->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		const base_map_slot *s = &m->slots[i];
		if (!s->key || (s->hash == h && strcmp(s->key, key) == 0))
			return i;
	}
}

void *base_map_get(const base_map *m, const char *key)
{
	if (m->len == 0)
		return NULL;
	size_t i = find(m, key, base_map_hash(key));
	return m->slots[i].key ? m->slots[i].val : NULL;
}

static int grow(base_map *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 16;
	base_map_slot *ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return -1;
	base_map old = *m;
	m->slots = ns;
	m->cap = ncap;
	for (size_t i = 0; i < old.cap; i++) {
		if (old.slots[i].key)
			m->slots[find(m, old.slots[i].key, old.slots[i].hash)] = old.slots[i];
	}
	free(old.slots);
	return 0;
}

int base_map_put(base_map *m, const char *key, void *val)
{
	if ((m->len + 1) * 2 > m->cap && grow(m) < 0)
		return -1;
	uint32_t h = base_map_hash(key);
	size_t i = find(m, key, h);
	if (!m->slots[i].key)
		m->len++;
	m->slots[i] = (base_map_slot){ key, h, val };
	return 0;
}

void *base_map_del(base_map *m, const char *key)
{
	if (m->len == 0)
		return NULL;
	size_t mask = m->cap - 1;
	size_t i = find(m, key, base_map_hash(key));
	if (!m->slots[i].key)
		return NULL;
	void *val = m->slots[i].val;
	/* Backward-shift: pull later entries of the probe run into the hole
	 * when their home slot does not lie cyclically in (hole, j]. */
	size_t hole = i;
	for (size_t j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
		size_t home = m->slots[j].hash & mask;
		int movable = (hole <= j) ? (home <= hole || home > j) : (home <= hole && home > j);
		if (movable) {
			m->slots[hole] = m->slots[j];
			hole = j;
		}
	}
	m->slots[hole].key = NULL;
	m->len--;
	return val;
}

void *base_map_next(const base_map *m, size_t *i)
{
	for (; *i < m->cap; (*i)++) {
		if (m->slots[*i].key)
			return m->slots[(*i)++].val;
	}
	return NULL;
}
