/*
 * icount.c - the CPU's side of deterministic mode (-icount): the grant of
 * instructions a cpu_exec may run before the next timer deadline.
 *
 * Invariants: icount_budget is what remains of the grant (translated code
 * of HF_ICOUNT blocks subtracts a block's instruction count at its entry
 * and declines to run a block that does not fit; cpu_restore_state refunds
 * what a fault skips), so icount_granted - icount_budget is the number of
 * instructions retired since the last commit. Only the thread running the
 * CPU changes both. The first grant sets env->icount, which makes
 * cpu_update_hflags add HF_ICOUNT to every block key from then on.
 */
#include "cpu/internal.h"
#include "kestrel/timer.h"

void cpu_icount_grant(CPUX86State *env, int64_t insns)
{
    if (!env->icount) {
        env->icount = true;
        cpu_update_hflags(env);
    }
    env->icount_budget = env->icount_granted = insns;
}

int64_t cpu_icount_pending(const CPUX86State *env)
{
    return env->icount_granted - env->icount_budget;
}

void cpu_icount_limit(CPUX86State *env, int64_t insns)
{
    int64_t cut = env->icount_budget - (insns > 0 ? insns : 0);
    if (cut > 0) {
        env->icount_budget -= cut;
        env->icount_granted -= cut;
    }
}

void cpu_icount_commit(CPUX86State *env)
{
    clock_icount_advance((uint64_t)cpu_icount_pending(env));
    env->icount_granted = env->icount_budget;
}
