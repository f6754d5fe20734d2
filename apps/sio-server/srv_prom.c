/* srv_histogram.c - a latency histogram's counting and its samples in the
 * Prometheus text format 0.0.4 (see srv_prom.h). */
#include "srv_prom.h"

#include <stdarg.h>
#include <stdio.h>

void srv_prom_histogram_count(const double *bounds, uint64_t *counts, size_t n, double v)
{
	for (size_t i = 0; i < n; i++)
		if (v <= bounds[i]) {
			counts[i]++;
			return;
		}
}

int srv_prom_vputf(base_buf *b, const char *fmt, va_list ap)
{
	char tmp[512];
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	return n < 0 || (size_t)n >= sizeof tmp || base_buf_append(b, tmp, (size_t)n) ? -1 : 0;
}

int srv_prom_putf(base_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = srv_prom_vputf(b, fmt, ap);
	va_end(ap);
	return rc;
}

int srv_prom_histogram_render(base_buf *b, const char *name, const char *lname, const char *lvalue,
                              const double *bounds, const uint64_t *counts, size_t n,
                              uint64_t total, double sum)
{
	/* the label, then the comma before le, or nothing */
	char lab[300] = "";
	if (lname && snprintf(lab, sizeof lab, "%s=\"%s\"", lname, lvalue) >= (int)sizeof lab)
		return -1;
	const char *sep = lab[0] ? "," : "";
	uint64_t cum = 0;
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		cum += counts[i];
		rc = srv_prom_putf(b, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, lab, sep, bounds[i],
		                   (unsigned long long)cum);
	}
	if (!rc)
		rc = srv_prom_putf(b, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, lab, sep,
		                   (unsigned long long)total);
	if (!rc)
		rc = lab[0] ? srv_prom_putf(b, "%s_sum{%s} %.6f\n%s_count{%s} %llu\n", name, lab,
		                            sum, name, lab, (unsigned long long)total)
		            : srv_prom_putf(b, "%s_sum %.6f\n%s_count %llu\n", name, sum, name,
		                            (unsigned long long)total);
	return rc;
}
