/*
 * host_x87.h - the host's x87 as the reference for the softfloat and x87
 * tests: runs one instruction on 80-bit operands with a given control word
 * (all exceptions masked) and returns the result and the status word, and
 * generates random operands biased to edge encodings (zeros, denormals,
 * pseudo-denormals, extreme exponents, infinities, NaNs, unnormals).
 * Included by test_softfloat.c and test_fpu.c (x86-64 hosts only).
 */
#ifndef KESTREL_TESTS_HOST_X87_H
#define KESTREL_TESTS_HOST_X87_H

#include <stdint.h>
#include <stdio.h>
#include "cpu/softfloat.h"

static uint64_t x87_rng = 0x2545f4914f6cdd1dULL;

static inline uint64_t x87_rnd(void)
{
    x87_rng ^= x87_rng << 13;
    x87_rng ^= x87_rng >> 7;
    x87_rng ^= x87_rng << 17;
    return x87_rng;
}

static inline uint64_t x87_rnd_mant(void)
{
    static const uint64_t pat[] = {
        0x8000000000000000ull, 0xffffffffffffffffull, 0x8000000000000001ull,
        0xc000000000000000ull, 0xfffffffffffff800ull, 0xffffff0000000000ull,
        0x8000000000000400ull, 0x8000008000000000ull, 0xaaaaaaaaaaaaaaaaull,
    };
    unsigned k = x87_rnd() % 16;
    return k < 9 ? pat[k] ^ (x87_rnd() % 4 == 0 ? x87_rnd() & 0x7ff : 0) : x87_rnd() | 1ull << 63;
}

/* An operand; near != NULL gives an exponent close to near's half the time. */
static inline SfX80 x87_rnd_x80(const SfX80 *near)
{
    uint16_t sign = (uint16_t)(x87_rnd() & 0x8000);
    uint64_t m = x87_rnd_mant();
    unsigned k = x87_rnd() % 32;
    int e;
    switch (k) {
    case 0: return (SfX80){ 0, sign };
    case 1: return (SfX80){ m >> (1 + x87_rnd() % 63), sign };                 /* denormal */
    case 2: return (SfX80){ 1ull << 63, (uint16_t)(sign | 0x7fff) };           /* inf */
    case 3: return (SfX80){ m | 3ull << 62, (uint16_t)(sign | 0x7fff) };       /* QNaN */
    case 4: return (SfX80){ (m & ~(1ull << 62)) | 1ull << 63 | 1,
                            (uint16_t)(sign | 0x7fff) };                       /* SNaN */
    case 5: e = 1 + (int)(x87_rnd() % 64); break;                               /* tiny */
    case 6: e = 0x7ffe - (int)(x87_rnd() % 64); break;                          /* huge */
    case 7: e = 0x3fff + 60 + (int)(x87_rnd() % 8); break;                      /* ~2^63 */
    case 8: return (SfX80){ m, (uint16_t)(sign | 0x3fff) };                     /* [1,2) */
    case 9: if (x87_rnd() % 8 == 0) {
                return (SfX80){ m & ~(1ull << 63), (uint16_t)(sign | 0x1234) }; /* unnormal */
            }
            e = 0x3fff; break;
    default:
        if (near && (k & 1)) {
            e = (near->se & 0x7fff) + (int)(x87_rnd() % 140) - 70;
            e = e < 1 ? 1 : e > 0x7ffe ? 0x7ffe : e;
        } else {
            e = 0x3fff + (int)(x87_rnd() % 400) - 200;
        }
        break;
    }
    return (SfX80){ m, (uint16_t)(sign | e) };
}

/* Control word for (rounding, precision) with every exception masked. */
static inline uint16_t x87_cw(unsigned rc, unsigned prec)
{
    unsigned pc = prec == 24 ? 0 : prec == 53 ? 2 : 3;
    return (uint16_t)(0x3f | pc << 8 | rc << 10);
}

static const unsigned x87_precs[] = { 24, 53, 64 };

/* Host st0 = a, st1 = b, then insn; result st0 and the status word. The
 * status word is read before the result is stored. */
#define HOST_X87_2(insn, a, b, r, sw, cw)                                       \
    __asm__ volatile("fninit\n\tfldcw %[c]\n\tfldt %[B]\n\tfldt %[A]\n\t"      \
                     insn "\n\tfnstsw %[S]\n\tfstpt %[R]\n\tfninit"             \
                     : [R] "=m"(*(r)), [S] "=m"(*(sw))                           \
                     : [A] "m"(*(a)), [B] "m"(*(b)), [c] "m"(cw))

/* Host st0 = a, insn, then store with store (e.g. "fistpll"). */
#define HOST_X87_ST(insn, store, a, r, sw, cw)                                  \
    __asm__ volatile("fninit\n\tfldcw %[c]\n\tfldt %[A]\n\t" insn "\n\t"       \
                     store " %[R]\n\tfnstsw %[S]\n\tfninit"                      \
                     : [R] "=m"(*(r)), [S] "=m"(*(sw))                           \
                     : [A] "m"(*(a)), [c] "m"(cw))

static inline int x87_same(SfX80 a, SfX80 b)
{
    return a.mant == b.mant && a.se == b.se;
}

static inline void x87_print(const char *what, SfX80 v)
{
    fprintf(stderr, "%s %04x:%016llx ", what, v.se, (unsigned long long)v.mant);
}

#endif
