/* eio_map.c - string-keyed hash map for session lookup by sid.
 *
 * Open addressing with linear probing and backward-shift deletion (no
 * tombstones), kept at most 50% full: every lookup is O(1) expected, and one
 * flat array costs less memory per session than a node per entry.
 */
#include "eio_map.h"

#include <stdlib.h>
#include <string.h>

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

void eio_map_init(eio_map *m)
{
	m->slots = NULL;
	m->cap = 0;
	m->len = 0;
}

void eio_map_free(eio_map *m)
{
	free(m->slots);
	eio_map_init(m);
}

static size_t find(const eio_map *m, const char *key, uint32_t h)
{
	size_t mask = m->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		const eio_map_slot *s = &m->slots[i];
		if (!s->key || (s->hash == h && strcmp(s->key, key) == 0))
			return i;
	}
}

void *eio_map_get(const eio_map *m, const char *key)
{
	if (m->len == 0)
		return NULL;
	size_t i = find(m, key, hash_str(key));
	return m->slots[i].key ? m->slots[i].val : NULL;
}

static int grow(eio_map *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 16;
	eio_map_slot *ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return -1;
	eio_map old = *m;
	m->slots = ns;
	m->cap = ncap;
	for (size_t i = 0; i < old.cap; i++) {
		if (old.slots[i].key)
			m->slots[find(m, old.slots[i].key, old.slots[i].hash)] = old.slots[i];
	}
	free(old.slots);
	return 0;
}

int eio_map_put(eio_map *m, const char *key, void *val)
{
	if ((m->len + 1) * 2 > m->cap && grow(m) < 0)
		return -1;
	uint32_t h = hash_str(key);
	size_t i = find(m, key, h);
	if (!m->slots[i].key)
		m->len++;
	m->slots[i] = (eio_map_slot){ key, h, val };
	return 0;
}

void *eio_map_del(eio_map *m, const char *key)
{
	if (m->len == 0)
		return NULL;
	size_t mask = m->cap - 1;
	size_t i = find(m, key, hash_str(key));
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

void *eio_map_next(const eio_map *m, size_t *i)
{
	for (; *i < m->cap; (*i)++) {
		if (m->slots[*i].key)
			return m->slots[(*i)++].val;
	}
	return NULL;
}
