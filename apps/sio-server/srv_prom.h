/* srv_prom.h - writing the Prometheus text format 0.0.4 that sio-server's
 * /metrics answers: a formatted line appended to a buffer, and a latency
 * histogram (type histogram): observations counted into buckets of
 * ascending upper bounds, rendered as cumulative name_bucket{le="..."}
 * lines, the le="+Inf" bucket (the count), name_sum and name_count.
 *
 * sio-server has several histograms, each with bounds of its own: the
 * handshake (srv_metrics.c), the ack answer and the HTTP API request
 * (srv_metrics_ops.c), a webhook's answer per hook (srv_webhook_metrics.c).
 * Their modules keep the counts; these functions are the one way the counts
 * are filled and the lines written.
 */
#ifndef SRV_PROM_H
#define SRV_PROM_H

#include "base/buf.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Appends the formatted text to b. Returns 0, or -1 when out of memory or
 * the text is longer than 511 bytes (a line of the format never is: label
 * values are bounded by the configuration). */
int srv_prom_putf(base_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int srv_prom_vputf(base_buf *b, const char *fmt, va_list ap);

/* Counts v into the first of the n buckets whose bound is >= v (counts are
 * non-cumulative); a v above the last bound is in the +Inf bucket only,
 * which is the caller's total count. */
void srv_prom_histogram_count(const double *bounds, uint64_t *counts, size_t n, double v);

/* Appends the samples of one histogram (not its HELP and TYPE lines) to b.
 * lname and lvalue: one label of every sample (lvalue already escaped for a
 * label value), or both NULL. total and sum: the count and the sum of the
 * observations. Returns 0, or -1 as srv_prom_putf. */
int srv_prom_histogram_render(base_buf *b, const char *name, const char *lname, const char *lvalue,
                              const double *bounds, const uint64_t *counts, size_t n,
                              uint64_t total, double sum);

#endif
