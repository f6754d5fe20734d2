/* srv_presence.c - per-user socket counts and online/offline events (see
 * srv_presence.h): a chained hash table keyed by user id. */
#include "srv_presence.h"

#include "srv_auth.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pr_user {
    struct pr_user *next;
    size_t sockets;
    uint32_t hash;
    char id[];
} pr_user;

struct srv_presence {
    const srv_config *cfg;
    sio_namespace *nsp;
    srv_metrics *m;
    bool stopped;
    pr_user **buckets;
    size_t nbuckets;            /* power of two */
    size_t n;
};

#define PR_MIN_BUCKETS 64

srv_presence *srv_presence_new(const srv_config *cfg, sio_namespace *nsp, srv_metrics *m)
{
    srv_presence *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->buckets = calloc(PR_MIN_BUCKETS, sizeof(*p->buckets));
    if (!p->buckets) {
        free(p);
        return NULL;
    }
    p->nbuckets = PR_MIN_BUCKETS;
    p->cfg = cfg;
    p->nsp = nsp;
    p->m = m;
    return p;
}

void srv_presence_free(srv_presence *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nbuckets; i++)
        for (pr_user *u = p->buckets[i], *next; u; u = next) {
            next = u->next;
            free(u);
        }
    free(p->buckets);
    free(p);
}

void srv_presence_stop(srv_presence *p)
{
    if (p)
        p->stopped = true;
}

size_t srv_presence_users(const srv_presence *p)
{
    return p ? p->n : 0;
}

static uint32_t fnv1a(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static pr_user **find(const srv_presence *p, const char *id, uint32_t h)
{
    pr_user **pp = &p->buckets[h & (p->nbuckets - 1)];
    while (*pp && ((*pp)->hash != h || strcmp((*pp)->id, id)))
        pp = &(*pp)->next;
    return pp;
}

size_t srv_presence_sockets(const srv_presence *p, const char *user_id)
{
    if (!p || !user_id)
        return 0;
    pr_user *u = *find(p, user_id, fnv1a(user_id));
    return u ? u->sockets : 0;
}

static void grow(srv_presence *p)
{
    if (p->n < p->nbuckets)
        return;
    size_t nb = p->nbuckets * 2;
    pr_user **b = calloc(nb, sizeof(*b));
    if (!b)
        return;
    for (size_t i = 0; i < p->nbuckets; i++)
        for (pr_user *u = p->buckets[i], *next; u; u = next) {
            next = u->next;
            u->next = b[u->hash & (nb - 1)];
            b[u->hash & (nb - 1)] = u;
        }
    free(p->buckets);
    p->buckets = b;
    p->nbuckets = nb;
}

/* event {userId} to the presence audience, except skip. */
static void announce(srv_presence *p, const sio_socket *skip, const char *event,
                     const srv_user *u)
{
    if (p->stopped || !event)
        return;
    sio_out *o = sio_out_new();
    if (!o)
        return;
    long long num;
    sio_out_object_begin(o);
    sio_out_key(o, "userId");
    if (u->claims && !srv_jwt_claim_str(u->claims, p->cfg->auth.user_id_claim) &&
        srv_jwt_claim_int(u->claims, p->cfg->auth.user_id_claim, &num) == 0)
        sio_out_int(o, num);
    else
        sio_out_str(o, u->user_id);
    sio_out_object_end(o);
    const char *room = p->cfg->presence.room;
    sio_broadcast b = { .rooms = &room, .nrooms = room ? 1 : 0, .skip = skip };
    int n = sio_broadcast_emit(p->nsp, &b, event, o);
    if (n > 0)
        srv_metrics_event_sent(p->m, event, (uint64_t)n);
    sio_out_free(o);
}

void srv_presence_on_connection(srv_presence *p, sio_socket *s)
{
    const srv_user *su = srv_user_of(s);
    if (!p || !p->cfg->presence.enabled || !su || !su->user_id)
        return;
    uint32_t h = fnv1a(su->user_id);
    pr_user **pp = find(p, su->user_id, h);
    if (*pp) {
        (*pp)->sockets++;
        return;
    }
    size_t len = strlen(su->user_id);
    pr_user *u = malloc(sizeof(*u) + len + 1);
    if (!u)
        return;                  /* not counted: no online, no offline */
    memcpy(u->id, su->user_id, len + 1);
    u->hash = h;
    u->sockets = 1;
    u->next = NULL;
    *pp = u;
    p->n++;
    grow(p);
    announce(p, s, p->cfg->presence.online, su);
}

void srv_presence_on_disconnect(srv_presence *p, sio_socket *s)
{
    const srv_user *su = srv_user_of(s);
    if (!p || !p->cfg->presence.enabled || !su || !su->user_id)
        return;
    pr_user **pp = find(p, su->user_id, fnv1a(su->user_id));
    pr_user *u = *pp;
    if (!u || --u->sockets > 0)
        return;
    *pp = u->next;
    p->n--;
    free(u);
    announce(p, s, p->cfg->presence.offline, su);
}
