/*
 * options.h - the command line (QEMU's spelling) parsed into a MachineConfig
 * plus the requests that are not machine configuration (help, version, log).
 *
 * Parsing is pure: no output, no exit. Every error is one message in the
 * caller's buffer naming the option and the problem ("-foo: invalid option");
 * the caller prefixes "kestrel: " (error_report) and exits with status 1.
 * Strings in the result point into argv or into heap copies that live as long
 * as the process.
 */
#ifndef KESTREL_SYSTEM_OPTIONS_H
#define KESTREL_SYSTEM_OPTIONS_H

#include <stdio.h>
#include "kestrel/machine.h"

typedef struct Options {
    MachineConfig cfg;
    const char *log_items;   /* -d LIST (validated by log_parse_mask later) */
    const char *log_file;    /* -D FILE */
    bool help, version;      /* -h, -version */
    bool cpu_help;           /* -cpu help */
    bool device_help;        /* -device help */
    bool log_help;           /* -d help */
    bool accel_help;         /* -accel help */
} Options;

/* Defaults as QEMU: 128 MiB, one CPU, boot from disk, display per the build. */
void options_init(Options *o);
/*
 * Parse argv[1..argc-1] into o (after options_init) and apply the defaults
 * that depend on other options (serial0 and display with -nographic).
 * Returns false with a message in err.
 */
bool options_parse(Options *o, int argc, char **argv, char *err, size_t errlen);
void options_usage(FILE *f);

/* Sizes as -m takes them: a number with an optional K/M/G/T suffix, MiB by default. */
bool options_parse_size(const char *s, uint64_t *bytes);

#endif
