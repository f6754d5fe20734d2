/* srv_webhook_metrics.h - per-hook metrics of the backend bridge, appended
 * to sio-server's Prometheus exposition (srv_metrics_add_section):
 *
 *   sio_webhook_requests_total{hook, outcome}  counter: hook is the client
 *       event's name, "connect" or "disconnect" (configured names only, so
 *       the label set is bounded); outcome is one of SRV_HOOK_OUTCOMES
 *   sio_webhook_duration_seconds{hook}         histogram: requests that
 *       reached the network (not those refused at once)
 *   sio_webhook_circuit_open                   gauge: 1 while the backend's
 *       circuit is open or half-open
 *   sio_webhook_circuit_opened_total           counter
 */
#ifndef SRV_WEBHOOK_METRICS_H
#define SRV_WEBHOOK_METRICS_H

#include "base/buf.h"
#include "srv_webhook_breaker.h"

#include <stddef.h>

/* The outcomes, in label order. */
enum {
	SRV_HOOK_OK,           /* a valid answer */
	SRV_HOOK_TIMEOUT,      /* no answer in time */
	SRV_HOOK_UNREACHABLE,  /* connection failed */
	SRV_HOOK_HTTP_ERROR,   /* a status other than 2xx */
	SRV_HOOK_INVALID,      /* not the JSON object expected, or too large */
	SRV_HOOK_BUSY,         /* the queue was full */
	SRV_HOOK_CIRCUIT_OPEN, /* failed fast: the circuit is open */
	SRV_HOOK_CANCELLED,    /* the server stopped first */
	SRV_HOOK_NOUTCOMES
};

typedef struct srv_webhook_metrics srv_webhook_metrics;

/* names: the hooks (copied); breaker: read at render time (may be NULL). */
srv_webhook_metrics *srv_webhook_metrics_new(const char *const *names, size_t n,
                                             const srv_breaker *breaker);
void srv_webhook_metrics_free(srv_webhook_metrics *wm);
/* One request of hook i; ms < 0: not sent (no latency). */
void srv_webhook_metrics_observe(srv_webhook_metrics *wm, size_t hook, int outcome, double ms);
uint64_t srv_webhook_metrics_count(const srv_webhook_metrics *wm, size_t hook, int outcome);
/* A srv_metrics section: append the families to b. 0, or -1 out of memory. */
int srv_webhook_metrics_render(base_buf *b, void *wm);

#endif
