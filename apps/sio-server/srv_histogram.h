/* srv_histogram.h - a latency histogram as the Prometheus text format 0.0.4
 * writes one (type histogram): observations counted into buckets of
 * ascending upper bounds, rendered as cumulative name_bucket{le="..."}
 * lines, the le="+Inf" bucket (the count), name_sum and name_count.
 *
 * sio-server renders several, each with bounds of its own: the handshake
 * (srv_metrics.c), the ack answer and the HTTP API request
 * (srv_metrics_ops.c), a webhook's answer per hook (srv_webhook_metrics.c).
 * The callers keep the counts; these two functions are the one way they are
 * filled and written.
 */
#ifndef SRV_HISTOGRAM_H
#define SRV_HISTOGRAM_H

#include "base/buf.h"

#include <stddef.h>
#include <stdint.h>

/* Counts v into the first of the n buckets whose bound is >= v (counts are
 * non-cumulative); a v above the last bound is in the +Inf bucket only,
 * which is the caller's total count. */
void srv_histogram_count(const double *bounds, uint64_t *counts, size_t n, double v);

/* Appends the samples of one histogram (not its HELP and TYPE lines) to b.
 * lname and lvalue: one label of every sample (lvalue already escaped for a
 * label value), or both NULL. total and sum: the count and the sum of the
 * observations. Returns 0, or -1 when out of memory or a line is longer
 * than 511 bytes. */
int srv_histogram_render(base_buf *b, const char *name, const char *lname, const char *lvalue,
                         const double *bounds, const uint64_t *counts, size_t n, uint64_t total,
                         double sum);

#endif
