/* err.h - the one error formatter (base layer).
 *
 * Functions that can fail with a message for a person (a configuration
 * file, a key, a token) take the caller's buffer as (char *err, size_t
 * errlen) and fill it with one line; the return value says only that it
 * failed. These helpers do the formatting so every such function reads
 * `return base_errf(err, errlen, "...", ...);`.
 */
#ifndef BASE_ERR_H
#define BASE_ERR_H

#include <stdarg.h>
#include <stddef.h>

/* Format into err (when err is not NULL and errlen > 0; the text is cut to
 * fit and always NUL-terminated). Returns -1. */
int base_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int base_verrf(char *err, size_t errlen, const char *fmt, va_list ap)
        __attribute__((format(printf, 3, 0)));

#endif
