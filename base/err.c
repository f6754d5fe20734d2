/* err.c - the one error formatter (see err.h). */
#include "base/err.h"

#include <stdio.h>

int base_verrf(char *err, size_t errlen, const char *fmt, va_list ap)
{
	if (err && errlen)
		vsnprintf(err, errlen, fmt, ap);
	return -1;
}

int base_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	base_verrf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}
