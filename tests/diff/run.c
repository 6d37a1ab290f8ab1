/*
 * run.c - one differential check: generate a sequence, run it natively
 * and in Kestrel, compare; on a mismatch, shrink it to the shortest
 * failing prefix before reporting.
 *
 * Shrinking relies on the generator being a pure function of (class,
 * mode, seed): a sequence generated with a smaller instruction budget is
 * a prefix (in whole templates) of the longer one, with its own correct
 * undefined-flags mask.
 */
#include <stdio.h>
#include "tests/diff/diff.h"

static DiffSeq seq;
static DiffState native, kestrel;

static bool check(DiffClass cls, DiffMode mode, uint64_t seed, int nb_insns, char *report,
                  size_t len)
{
    diff_generate(&seq, cls, mode, seed, nb_insns);
    diff_native_run(&seq, &native);
    diff_kestrel_run(&seq, &kestrel);
    return diff_compare(&seq, &native, &kestrel, report, len);
}

bool diff_check_one(DiffClass cls, DiffMode mode, uint64_t seed, int nb_insns, char *report,
                    size_t len)
{
    if (check(cls, mode, seed, nb_insns, report, len))
        return true;
    for (int n = 1; n < nb_insns; n++) {
        if (!check(cls, mode, seed, n, report, len))
            return false;
    }
    check(cls, mode, seed, nb_insns, report, len);
    return false;
}
