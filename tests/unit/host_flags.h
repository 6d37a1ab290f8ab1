/*
 * host_flags.h - x86-64 inline-asm reference implementations shared by the
 * translator's unit tests: each host_<op><bits>(a, b, cin, &res) runs the
 * host instruction on a (destination) and b (source or CL count) with CF
 * preset to cin, stores the result and returns the host RFLAGS.
 * Also a small deterministic random source biased to edge values.
 * Included by test_translate.c and test_translate_run.c only.
 */
#ifndef KESTREL_TESTS_HOST_FLAGS_H
#define KESTREL_TESTS_HOST_FLAGS_H

#include <stdint.h>
#include "kestrel/common.h"

/* --- random values --- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static inline uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Random values biased towards the edges of a width. */
static inline uint64_t rnd_val(int bits)
{
    static const uint64_t edge[] = { 0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
                                     0x7fffffff, 0x80000000, 0xffffffff,
                                     0x7fffffffffffffffULL, 0x8000000000000000ULL,
                                     ~0ULL, 0x0f, 0x10, 0xf0 };
    uint64_t v = (rnd() & 3) == 0 ? edge[rnd() % ARRAY_SIZE(edge)] : rnd();
    if ((rnd() & 7) == 0) {
        v = (rnd() & 1) ? v + 1 : v - 1;
    }
    return bits == 64 ? v : v & ((1ULL << bits) - 1);
}

typedef uint64_t HostFn(uint64_t a, uint64_t b, int cin, uint64_t *res);

#define HOST_FLAGS "pushfq\n\tpopq %[f]"

#define DEF_HOST_BIN(name, insn, T, mod)                                            \
    static inline uint64_t host_##name(uint64_t a, uint64_t b, int cin, uint64_t *res)     \
    {                                                                               \
        T r = (T)a, bb = (T)b;                                                      \
        uint64_t f, c = (uint64_t)cin;                                              \
        __asm__ volatile("bt $0, %[c]\n\t" insn " %" mod "[b], %" mod "[r]\n\t"     \
                         HOST_FLAGS                                                 \
                         : [r] "+r"(r), [f] "=&r"(f) : [b] "r"(bb), [c] "r"(c) : "cc"); \
        *res = r;                                                                   \
        return f;                                                                   \
    }

#define DEF_HOST_UN(name, insn, T, mod)                                             \
    static inline uint64_t host_##name(uint64_t a, uint64_t b, int cin, uint64_t *res)     \
    {                                                                               \
        T r = (T)a;                                                                 \
        uint64_t f, c = (uint64_t)cin;                                              \
        (void)b;                                                                    \
        __asm__ volatile("bt $0, %[c]\n\t" insn " %" mod "[r]\n\t" HOST_FLAGS       \
                         : [r] "+r"(r), [f] "=&r"(f) : [c] "r"(c) : "cc");          \
        *res = r;                                                                   \
        return f;                                                                   \
    }

#define DEF_HOST_SHIFT(name, insn, T, mod)                                          \
    static inline uint64_t host_##name(uint64_t a, uint64_t b, int cin, uint64_t *res)     \
    {                                                                               \
        T r = (T)a;                                                                 \
        uint64_t f;                                                                 \
        uint8_t cnt = (uint8_t)b;                                                   \
        (void)cin;                                                                  \
        __asm__ volatile(insn " %%cl, %" mod "[r]\n\t" HOST_FLAGS                   \
                         : [r] "+r"(r), [f] "=&r"(f) : "c"(cnt) : "cc");            \
        *res = r;                                                                   \
        return f;                                                                   \
    }

#define DEF_HOST_ALL(X, name, insn)                                                 \
    X(name##8, insn, uint8_t, "b") X(name##16, insn, uint16_t, "w")                \
    X(name##32, insn, uint32_t, "k") X(name##64, insn, uint64_t, "q")

DEF_HOST_ALL(DEF_HOST_BIN, add, "add")
DEF_HOST_ALL(DEF_HOST_BIN, adc, "adc")
DEF_HOST_ALL(DEF_HOST_BIN, sub, "sub")
DEF_HOST_ALL(DEF_HOST_BIN, sbb, "sbb")
DEF_HOST_ALL(DEF_HOST_BIN, and, "and")
DEF_HOST_ALL(DEF_HOST_UN, inc, "inc")
DEF_HOST_ALL(DEF_HOST_UN, dec, "dec")
DEF_HOST_ALL(DEF_HOST_SHIFT, shl, "shl")
DEF_HOST_ALL(DEF_HOST_SHIFT, shr, "shr")
DEF_HOST_ALL(DEF_HOST_SHIFT, sar, "sar")

static inline uint64_t host_imul8(uint64_t a, uint64_t b, int cin, uint64_t *res)
{
    uint16_t ax = (uint8_t)a;
    uint8_t bb = (uint8_t)b;
    uint64_t f;
    (void)cin;
    __asm__ volatile("imulb %[b]\n\t" HOST_FLAGS : "+a"(ax), [f] "=&r"(f) : [b] "r"(bb) : "cc");
    *res = ax;
    return f;
}

#define DEF_HOST_IMUL(name, T, mod)                                                 \
    static inline uint64_t host_##name(uint64_t a, uint64_t b, int cin, uint64_t *res)     \
    {                                                                               \
        T r = (T)a, bb = (T)b;                                                      \
        uint64_t f;                                                                 \
        (void)cin;                                                                  \
        __asm__ volatile("imul %" mod "[b], %" mod "[r]\n\t" HOST_FLAGS             \
                         : [r] "+r"(r), [f] "=&r"(f) : [b] "r"(bb) : "cc");         \
        *res = r;                                                                   \
        return f;                                                                   \
    }
DEF_HOST_IMUL(imul16, uint16_t, "w")
DEF_HOST_IMUL(imul32, uint32_t, "k")
DEF_HOST_IMUL(imul64, uint64_t, "q")


#define DEF_HOST_SHIFTC(name, insn, T, mod)                                         \
    static inline uint64_t host_##name(uint64_t a, uint64_t b, int cin, uint64_t *res) \
    {                                                                               \
        T r = (T)a;                                                                 \
        uint64_t f, c = (uint64_t)cin;                                              \
        uint8_t cnt = (uint8_t)b;                                                   \
        __asm__ volatile("bt $0, %[c]\n\t" insn " %%cl, %" mod "[r]\n\t" HOST_FLAGS  \
                         : [r] "+r"(r), [f] "=&r"(f) : "c"(cnt), [c] "r"(c) : "cc"); \
        *res = r;                                                                   \
        return f;                                                                   \
    }
DEF_HOST_ALL(DEF_HOST_SHIFTC, rol, "rol")
DEF_HOST_ALL(DEF_HOST_SHIFTC, ror, "ror")
DEF_HOST_ALL(DEF_HOST_SHIFTC, rcl, "rcl")
DEF_HOST_ALL(DEF_HOST_SHIFTC, rcr, "rcr")

#endif
