/*
 * log.c - user-facing error messages and the -d/-D debug log.
 *
 * error_report() is for the one clear message a user sees before exit 1;
 * log_printf() writes the -d categories to stderr or the -D file.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "kestrel/log.h"

unsigned log_mask;
FILE *log_file;

static const struct {
    const char *name;
    unsigned bit;
    const char *help;
} log_items[] = {
    { "in_asm",      LOG_IN_ASM,      "show guest code as it is translated" },
    { "op",          LOG_OP,          "show the IR of each translated block" },
    { "int",         LOG_INT,         "show interrupts and exceptions" },
    { "exec",        LOG_EXEC,        "show each translation block as it runs" },
    { "cpu",         LOG_CPU,         "show CPU registers before each block" },
    { "cpu_reset",   LOG_CPU_RESET,   "show CPU state at reset" },
    { "unimp",       LOG_UNIMP,       "log unimplemented features (once each)" },
    { "guest_errors", LOG_GUEST_ERROR, "log guest accesses that hardware would ignore" },
};

bool log_parse_mask(const char *spec, unsigned *mask, const char **bad, size_t *bad_len)
{
    unsigned m = 0;
    const char *p = spec;

    while (*p) {
        size_t len = strcspn(p, ",");
        bool found = false;
        for (size_t i = 0; i < ARRAY_SIZE(log_items); i++) {
            if (strlen(log_items[i].name) == len && !strncmp(p, log_items[i].name, len)) {
                m |= log_items[i].bit;
                found = true;
            }
        }
        if (!found && len == 3 && !strncmp(p, "all", 3)) {
            m = ~0u;
            found = true;
        }
        if (!found) {
            *bad = p;
            *bad_len = len;
            return false;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    *mask = m;
    return true;
}

const char *log_mask_help(void)
{
    static char text[1024];
    size_t off = 0;

    if (text[0])
        return text;
    off += snprintf(text + off, sizeof(text) - off, "Log items (comma separated):\n");
    for (size_t i = 0; i < ARRAY_SIZE(log_items); i++)
        off += snprintf(text + off, sizeof(text) - off, "%-13s %s\n",
                        log_items[i].name, log_items[i].help);
    snprintf(text + off, sizeof(text) - off, "%-13s %s\n", "all", "everything");
    return text;
}

bool log_set_file(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    setvbuf(f, NULL, _IOLBF, 0);
    if (log_file && log_file != stderr)
        fclose(log_file);
    log_file = f;
    return true;
}

void log_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(log_file ? log_file : stderr, fmt, ap);
    va_end(ap);
}

static void report(const char *prefix, const char *fmt, va_list ap)
{
    fprintf(stderr, "kestrel: %s", prefix);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void error_report(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report("", fmt, ap);
    va_end(ap);
}

void warn_report(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report("warning: ", fmt, ap);
    va_end(ap);
}
