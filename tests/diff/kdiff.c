/*
 * kdiff.c - the differential CPU tester for long fuzz runs:
 *   kdiff [--seed S] [--count N] [--only int|x87|sse] [--backend interp|jit]
 *         [--mode 64|32|both] [--class NAME] [--insns K] [--max-fail F]
 * Runs N sequences per selected class and mode, starting at seed S, each
 * natively and in Kestrel, and prints a report for every mismatch.
 * Exit status: 0 all matched, 1 mismatches, 2 bad usage or setup.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/diff/diff.h"

typedef struct Options {
    uint64_t seed;
    long count, max_fail;
    int insns;
    DiffGroup group;
    const char *backend, *cls, *mode;
} Options;

static int usage(const char *why)
{
    fprintf(stderr, "kdiff: %s\nusage: kdiff [--seed S] [--count N] [--only int|x87|sse] "
            "[--backend interp|jit] [--mode 64|32|both] [--class NAME] [--insns K] "
            "[--max-fail F]\n", why);
    return 2;
}

static bool parse(int argc, char **argv, Options *o)
{
    *o = (Options){ .seed = 1, .count = 100, .max_fail = 20, .insns = 24,
                    .group = DIFF_GROUP_INT, .backend = "interp", .mode = "both" };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return false;
        i++;
        if (!strcmp(a, "--seed"))
            o->seed = strtoull(v, NULL, 0);
        else if (!strcmp(a, "--count"))
            o->count = strtol(v, NULL, 0);
        else if (!strcmp(a, "--max-fail"))
            o->max_fail = strtol(v, NULL, 0);
        else if (!strcmp(a, "--insns"))
            o->insns = atoi(v);
        else if (!strcmp(a, "--backend"))
            o->backend = v;
        else if (!strcmp(a, "--class"))
            o->cls = v;
        else if (!strcmp(a, "--mode"))
            o->mode = v;
        else if (!strcmp(a, "--only") && !strcmp(v, "int"))
            o->group = DIFF_GROUP_INT;
        else if (!strcmp(a, "--only") && !strcmp(v, "x87"))
            o->group = DIFF_GROUP_X87;
        else if (!strcmp(a, "--only") && !strcmp(v, "sse"))
            o->group = DIFF_GROUP_SSE;
        else
            return false;
    }
    return o->count > 0 && o->insns > 0 && o->insns <= DIFF_MAX_INSNS / 2;
}

static bool selected(const Options *o, DiffClass cls, DiffMode mode)
{
    bool mode_ok = !strcmp(o->mode, "both") ||
                   !strcmp(o->mode, mode == DIFF_MODE_64 ? "64" : "32");
    return mode_ok && diff_class_in_mode(cls, mode) &&
           (o->cls ? !strcmp(o->cls, diff_class_name(cls)) : diff_class_in_group(cls, o->group));
}

int main(int argc, char **argv)
{
    Options o;
    char err[256];
    if (!parse(argc, argv, &o))
        return usage("bad arguments");
    if (!diff_native_init(err, sizeof(err)) || !diff_kestrel_init(o.backend, err, sizeof(err))) {
        fprintf(stderr, "kdiff: %s\n", err);
        return 2;
    }
    static char report[32768];
    long runs = 0, fails = 0;
    for (int mode = DIFF_MODE_64; mode <= DIFF_MODE_32; mode++) {
        for (int cls = 0; cls < DIFF_CLS_NB; cls++) {
            if (!selected(&o, (DiffClass)cls, (DiffMode)mode))
                continue;
            for (long i = 0; i < o.count && fails < o.max_fail; i++) {
                runs++;
                if (!diff_check_one((DiffClass)cls, (DiffMode)mode, o.seed + (uint64_t)i, o.insns,
                                    report, sizeof(report))) {
                    fails++;
                    fputs(report, stdout);
                    fputc('\n', stdout);
                }
            }
        }
    }
    printf("kdiff: backend %s: %ld passed, %ld failed\n", o.backend, runs - fails, fails);
    return fails ? 1 : 0;
}
