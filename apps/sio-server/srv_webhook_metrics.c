/* srv_webhook_metrics.c - the backend bridge's counters and latency
 * histograms, in Prometheus text format 0.0.4 (see srv_webhook_metrics.h;
 * the same buckets as srv_metrics.c's handshake histogram, up to 10 s for
 * a backend's answer). */
#include "srv_webhook_metrics.h"
#include "srv_prom.h"

#include <stdlib.h>
#include <string.h>

#define NBUCKETS 13

static const double buckets[NBUCKETS] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
	                                  0.25,  0.5,    1,     2.5,  5,     10 };

static const char *const outcome_names[SRV_HOOK_NOUTCOMES] = {
	"ok",   "timeout",      "unreachable", "http_error", "invalid_response",
	"busy", "circuit_open", "cancelled"
};

typedef struct hook_stats {
	char *label; /* the name, escaped for a label value */
	uint64_t outcomes[SRV_HOOK_NOUTCOMES];
	uint64_t buckets[NBUCKETS]; /* non-cumulative */
	uint64_t n;
	double sum;
} hook_stats;

struct srv_webhook_metrics {
	hook_stats *h;
	size_t n;
	const srv_breaker *breaker;
};

/* A label value: '\\', '"' and newline escaped (format 0.0.4). */
static char *escape(const char *s)
{
	char *o = malloc(2 * strlen(s) + 1), *p = o;
	if (!o)
		return NULL;
	for (; *s; s++) {
		if (*s == '\\' || *s == '"' || *s == '\n') {
			*p++ = '\\';
			*p++ = *s == '\n' ? 'n' : *s;
		} else {
			*p++ = *s;
		}
	}
	*p = '\0';
	return o;
}

srv_webhook_metrics *srv_webhook_metrics_new(const char *const *names, size_t n,
                                             const srv_breaker *breaker)
{
	srv_webhook_metrics *wm = calloc(1, sizeof(*wm));
	if (!wm || !(wm->h = calloc(n ? n : 1, sizeof(*wm->h)))) {
		free(wm);
		return NULL;
	}
	wm->breaker = breaker;
	for (; wm->n < n; wm->n++)
		if (!(wm->h[wm->n].label = escape(names[wm->n]))) {
			srv_webhook_metrics_free(wm);
			return NULL;
		}
	return wm;
}

void srv_webhook_metrics_free(srv_webhook_metrics *wm)
{
	if (!wm)
		return;
	for (size_t i = 0; i < wm->n; i++)
		free(wm->h[i].label);
	free(wm->h);
	free(wm);
}

void srv_webhook_metrics_observe(srv_webhook_metrics *wm, size_t hook, int outcome, double ms)
{
	if (!wm || hook >= wm->n || outcome < 0 || outcome >= SRV_HOOK_NOUTCOMES)
		return;
	hook_stats *h = &wm->h[hook];
	h->outcomes[outcome]++;
	if (ms < 0)
		return;
	double s = ms / 1000;
	srv_prom_histogram_count(buckets, h->buckets, NBUCKETS, s);
	h->n++;
	h->sum += s;
}

uint64_t srv_webhook_metrics_count(const srv_webhook_metrics *wm, size_t hook, int outcome)
{
	return wm && hook < wm->n && outcome >= 0 && outcome < SRV_HOOK_NOUTCOMES
	               ? wm->h[hook].outcomes[outcome]
	               : 0;
}

int srv_webhook_metrics_render(base_buf *b, void *user)
{
	const srv_webhook_metrics *wm = user;
	int err = 0;
	err |= srv_prom_putf(
	        b, "# HELP sio_webhook_requests_total Requests to the backend by hook and "
	           "outcome.\n# TYPE sio_webhook_requests_total counter\n");
	for (size_t i = 0; i < wm->n; i++)
		for (int k = 0; k < SRV_HOOK_NOUTCOMES; k++)
			err |= srv_prom_putf(
			        b, "sio_webhook_requests_total{hook=\"%s\",outcome=\"%s\"} %llu\n",
			        wm->h[i].label, outcome_names[k],
			        (unsigned long long)wm->h[i].outcomes[k]);
	err |= srv_prom_putf(b,
	                     "# HELP sio_webhook_duration_seconds Time to the backend's answer (or "
	                     "failure) by hook.\n# TYPE sio_webhook_duration_seconds histogram\n");
	for (size_t i = 0; i < wm->n; i++) {
		const hook_stats *h = &wm->h[i];
		err |= srv_prom_histogram_render(b, "sio_webhook_duration_seconds", "hook",
		                                 h->label, buckets, h->buckets, NBUCKETS, h->n,
		                                 h->sum);
	}
	if (wm->breaker) {
		err |= srv_prom_putf(
		        b,
		        "# HELP sio_webhook_circuit_open 1 while the backend's circuit is open "
		        "or half-open.\n# TYPE sio_webhook_circuit_open gauge\n"
		        "sio_webhook_circuit_open %d\n",
		        wm->breaker->state != SRV_BREAKER_CLOSED);
		err |= srv_prom_putf(
		        b,
		        "# HELP sio_webhook_circuit_opened_total Times the backend's circuit "
		        "opened.\n# TYPE sio_webhook_circuit_opened_total counter\n"
		        "sio_webhook_circuit_opened_total %llu\n",
		        (unsigned long long)wm->breaker->opened);
	}
	return err ? -1 : 0;
}
