/*
 * error.c - error_setf: one formatted message into a caller's buffer.
 *
 * Invariant: err is always NUL-terminated (vsnprintf truncates); the
 * result is always false so callers can `return error_setf(...)`.
 */
#include <stdarg.h>
#include <stdio.h>
#include "kestrel/log.h"

bool error_setf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return false;
}
