/* srv_ratelimit.c - bounded per-key fixed-window counters (see
 * srv_ratelimit.h): a chained hash table for lookups plus a doubly linked
 * list of the same entries in window-start order for expiry and eviction. */
#include "srv_ratelimit.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct rl_entry {
    struct rl_entry *hnext;          /* hash chain */
    struct rl_entry *prev, *next;    /* age list: oldest window first */
    uint64_t start;                  /* window start, ms */
    long count;                      /* hits in the window, saturates */
    uint32_t hash;
    char key[];
} rl_entry;

struct srv_ratelimit {
    long limit;
    uint64_t window;
    size_t cap;
    rl_entry **buckets;
    size_t nbuckets;                 /* power of two */
    size_t n;
    rl_entry *oldest, *newest;
};

#define RL_MIN_BUCKETS 64

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
    rl->nbuckets = RL_MIN_BUCKETS;
    rl->buckets = calloc(rl->nbuckets, sizeof(*rl->buckets));
    if (!rl->buckets) {
        free(rl);
        return NULL;
    }
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
    free(rl->buckets);
    free(rl);
}

size_t srv_ratelimit_size(const srv_ratelimit *rl)
{
    return rl ? rl->n : 0;
}

static uint32_t fnv1a(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void unlink_entry(srv_ratelimit *rl, rl_entry *e)
{
    rl_entry **pp = &rl->buckets[e->hash & (rl->nbuckets - 1)];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    if (e->prev)
        e->prev->next = e->next;
    else
        rl->oldest = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        rl->newest = e->prev;
    rl->n--;
    free(e);
}

/* Double the buckets when the load passes 1 (best effort: on failure the
 * chains just get longer). */
static void maybe_grow(srv_ratelimit *rl)
{
    if (rl->n < rl->nbuckets)
        return;
    size_t nb = rl->nbuckets * 2;
    rl_entry **b = calloc(nb, sizeof(*b));
    if (!b)
        return;
    for (rl_entry *e = rl->oldest; e; e = e->next) {
        size_t i = e->hash & (nb - 1);
        e->hnext = b[i];
        b[i] = e;
    }
    free(rl->buckets);
    rl->buckets = b;
    rl->nbuckets = nb;
}

int srv_ratelimit_hit(srv_ratelimit *rl, const char *key, uint64_t now_ms)
{
    /* windows begin in list order, so they end in list order too */
    while (rl->oldest && now_ms - rl->oldest->start >= rl->window)
        unlink_entry(rl, rl->oldest);

    uint32_t h = fnv1a(key);
    rl_entry *e = rl->buckets[h & (rl->nbuckets - 1)];
    while (e && (e->hash != h || strcmp(e->key, key)))
        e = e->hnext;
    if (!e) {
        if (rl->n >= rl->cap)
            unlink_entry(rl, rl->oldest);
        size_t len = strlen(key);
        e = malloc(sizeof(*e) + len + 1);
        if (!e)
            return SRV_RL_OK;
        memcpy(e->key, key, len + 1);
        e->hash = h;
        e->start = now_ms;
        e->count = 0;
        e->next = NULL;
        e->prev = rl->newest;
        if (rl->newest)
            rl->newest->next = e;
        else
            rl->oldest = e;
        rl->newest = e;
        size_t i = h & (rl->nbuckets - 1);
        e->hnext = rl->buckets[i];
        rl->buckets[i] = e;
        rl->n++;
        maybe_grow(rl);
    }
    if (e->count <= rl->limit)
        e->count++;          /* stops at limit + 1: no overflow */
    else
        return SRV_RL_EXCEEDED_AGAIN;
    return e->count <= rl->limit ? SRV_RL_OK : SRV_RL_EXCEEDED;
}
