/*
 * workload.h - the CPU-bound benchmark phases shared by the bare-metal guest
 * (guest.c, built -m32 -ffreestanding) and the native host program (native.c).
 *
 * Invariants: the phases use only fixed-width integer arithmetic and no
 * library calls, so every build (i386 guest, x86-64 host) computes the same
 * checksums; the only link to the environment is the BenchHost callbacks.
 */
#ifndef KESTREL_BENCH_WORKLOAD_H
#define KESTREL_BENCH_WORKLOAD_H

#include <stdint.h>

/* What the environment provides: text output and a microsecond clock. */
typedef struct BenchHost {
    void (*write)(const char *text);
    uint64_t (*now_us)(void);
} BenchHost;

/*
 * Runs every phase once, printing one line per phase
 *     phase NAME checksum XXXXXXXX us N
 * then "total checksum XXXXXXXX us N" and "kestrel-bench: ok" (or FAILED when
 * a phase's self-check failed). Returns 0 when all self-checks passed.
 */
int bench_run(const BenchHost *host);

#endif
