/* srv_ratelimit.c - bounded per-key fixed-window counters (see
 * srv_ratelimit.h): a base_map (keyed hash) for lookups plus a doubly linked
 * list of the same entries in window-start order for expiry and eviction.
 * Keys come from clients (user ids, IPs), hence the keyed hash. */
#include "srv_ratelimit.h"

#include "base/map.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct rl_entry {
	struct rl_entry *prev, *next; /* age list: oldest window first */
	uint64_t start;               /* window start, ms */
	long count;                   /* hits in the window, saturates */
	char key[];                   /* the map's key */
} rl_entry;

struct srv_ratelimit {
	long limit;
	uint64_t window;
	size_t cap;
	base_map map; /* key -> rl_entry */
	rl_entry *oldest, *newest;
};

srv_ratelimit *srv_ratelimit_new(long limit, uint64_t window_ms, size_t cap)
{
	if (limit < 1 || window_ms < 1 || cap < 1)
		return NULL;
	srv_ratelimit *rl = calloc(1, sizeof(*rl));
	if (!rl)
		return NULL;
	rl->limit = limit;
	rl->window = window_ms;
	rl->cap = cap;
	base_map_init(&rl->map);
	return rl;
}

void srv_ratelimit_free(srv_ratelimit *rl)
{
	if (!rl)
		return;
	for (rl_entry *e = rl->oldest, *next; e; e = next) {
		next = e->next;
		free(e);
	}
	base_map_free(&rl->map);
	free(rl);
}

size_t srv_ratelimit_size(const srv_ratelimit *rl)
{
	return rl ? rl->map.len : 0;
}

static void unlink_entry(srv_ratelimit *rl, rl_entry *e)
{
	base_map_del(&rl->map, e->key);
	if (e->prev)
		e->prev->next = e->next;
	else
		rl->oldest = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		rl->newest = e->prev;
	free(e);
}

/* A new entry for key at the young end of the list; NULL when out of memory. */
static rl_entry *add_entry(srv_ratelimit *rl, const char *key, uint64_t now_ms)
{
	size_t len = strlen(key);
	rl_entry *e = malloc(sizeof(*e) + len + 1);
	if (!e)
		return NULL;
	memcpy(e->key, key, len + 1);
	if (base_map_put(&rl->map, e->key, e) < 0) {
		free(e);
		return NULL;
	}
	e->start = now_ms;
	e->count = 0;
	e->next = NULL;
	e->prev = rl->newest;
	if (rl->newest)
		rl->newest->next = e;
	else
		rl->oldest = e;
	rl->newest = e;
	return e;
}

int srv_ratelimit_hit(srv_ratelimit *rl, const char *key, uint64_t now_ms)
{
	/* windows begin in list order, so they end in list order too */
	while (rl->oldest && now_ms - rl->oldest->start >= rl->window)
		unlink_entry(rl, rl->oldest);

	rl_entry *e = base_map_get(&rl->map, key);
	if (!e) {
		if (rl->map.len >= rl->cap)
			unlink_entry(rl, rl->oldest);
		if (!(e = add_entry(rl, key, now_ms)))
			return SRV_RL_OK;
	}
	if (e->count <= rl->limit)
		e->count++; /* stops at limit + 1: no overflow */
	else
		return SRV_RL_EXCEEDED_AGAIN;
	return e->count <= rl->limit ? SRV_RL_OK : SRV_RL_EXCEEDED;
}
