/*
 * log.h - diagnostics: user-facing errors and the -d/-D debug log.
 *
 * `-d in_asm,op,int,exec,cpu_reset,unimp` selects log categories (QEMU's names);
 * `-D file` sends the log to a file instead of stderr.
 */
#ifndef KESTREL_LOG_H
#define KESTREL_LOG_H

#include "kestrel/common.h"
#include <stdio.h>

enum {
    LOG_IN_ASM    = 1 << 0,  /* guest code as it is translated */
    LOG_OP        = 1 << 1,  /* IR after translation and after optimization */
    LOG_INT       = 1 << 2,  /* interrupts and exceptions */
    LOG_EXEC      = 1 << 3,  /* each translation block as it runs */
    LOG_CPU_RESET = 1 << 4,
    LOG_UNIMP     = 1 << 5,  /* unimplemented features, each logged once */
    LOG_GUEST_ERROR = 1 << 6,
    LOG_CPU       = 1 << 7,  /* register dump before each block */
};

extern unsigned log_mask;
extern FILE *log_file;

/* Parses "in_asm,int"; returns false and names the bad item through *bad. */
bool log_parse_mask(const char *spec, unsigned *mask, const char **bad, size_t *bad_len);
bool log_set_file(const char *path);   /* false if the file cannot be opened */
const char *log_mask_help(void);

#define log_enabled(cat) unlikely(log_mask & (cat))
void log_printf(const char *fmt, ...) KESTREL_PRINTF(1, 2);
#define log_mask_printf(cat, ...) \
    do { if (log_enabled(cat)) log_printf(__VA_ARGS__); } while (0)

/*
 * Log an unimplemented feature once per call site under -d unimp.
 */
#define log_unimp(...) \
    do { static bool logged_; \
         if (!logged_ && log_enabled(LOG_UNIMP)) { logged_ = true; log_printf(__VA_ARGS__); } \
    } while (0)

/* One clear message on stderr, prefixed "kestrel: ". */
void error_report(const char *fmt, ...) KESTREL_PRINTF(1, 2);
void warn_report(const char *fmt, ...) KESTREL_PRINTF(1, 2);
/*
 * For functions that report bad input through (char *err, size_t errlen):
 * formats the message into err and returns false, so `return error_setf(...)`
 * fails with it (system/error.c).
 */
bool error_setf(char *err, size_t errlen, const char *fmt, ...) KESTREL_PRINTF(3, 4);

#endif
