/*
 * native.c - the benchmark phases of workload.c as a normal host program:
 * the physical limit the emulated runs are compared with.
 *
 * Invariants: prints exactly the lines the guest prints on COM1 (see
 * workload.h); exit status 0 when the phases' self-checks passed, 1 if not.
 */
#include <stdio.h>
#include <time.h>

#include "workload.h"

static void native_write(const char *text)
{
    fputs(text, stdout);
}

static uint64_t native_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int main(void)
{
    static const BenchHost host = { native_write, native_now_us };
    return bench_run(&host);
}
