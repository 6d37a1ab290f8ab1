/*
 * test_softfloat.c - cpu/softfloat.c against the host x87, bit for bit:
 * random and edge operands in every rounding mode and precision control;
 * the 80-bit result, the exception flags (IE DE ZE OE UE PE, exceptions
 * masked) and C1 (rounded up) must match. Compares check C0/C2/C3, FPREM
 * the quotient bits, conversions to integers and to/from binary32/64 the
 * stored bits. Transcendentals are compared within a tolerance in ulps
 * (see softfloat_trans.c) on arguments where the host x87 is accurate.
 */
#if defined(__x86_64__)
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "host_x87.h"

#define ITER 60000
#define FLAGS_C1 0x023f                 /* exception bits and C1 */

typedef SfX80 SfBin(SfX80, SfX80, SfStatus *);

typedef struct BinCase {
    const char *name;
    SfBin *sf;
    int host;                           /* which host instruction */
    bool use_prec;                      /* the precision control applies */
} BinCase;

enum { H_ADD, H_SUB, H_MUL, H_DIV, H_SQRT, H_RNDINT, H_SCALE };

static void host_bin(int op, const SfX80 *a, const SfX80 *b, SfX80 *r, uint16_t *sw, uint16_t cw)
{
    switch (op) {
    case H_ADD: HOST_X87_2("fadd %%st(1), %%st", a, b, r, sw, cw); break;
    case H_SUB: HOST_X87_2("fsub %%st(1), %%st", a, b, r, sw, cw); break;
    case H_MUL: HOST_X87_2("fmul %%st(1), %%st", a, b, r, sw, cw); break;
    case H_DIV: HOST_X87_2("fdiv %%st(1), %%st", a, b, r, sw, cw); break;
    case H_SQRT: HOST_X87_2("fsqrt", a, b, r, sw, cw); break;
    case H_RNDINT: HOST_X87_2("frndint", a, b, r, sw, cw); break;
    case H_SCALE: HOST_X87_2("fscale", a, b, r, sw, cw); break;
    default: abort();
    }
}

static SfX80 sf_sqrt2(SfX80 a, SfX80 b, SfStatus *s) { (void)b; return sf_x80_sqrt(a, s); }
static SfX80 sf_rnd2(SfX80 a, SfX80 b, SfStatus *s) { (void)b; return sf_x80_round_int(a, s); }

static const BinCase bin_cases[] = {
    { "fadd", sf_x80_add, H_ADD, true },
    { "fsub", sf_x80_sub, H_SUB, true },
    { "fmul", sf_x80_mul, H_MUL, true },
    { "fdiv", sf_x80_div, H_DIV, true },
    { "fsqrt", sf_sqrt2, H_SQRT, true },
    { "frndint", sf_rnd2, H_RNDINT, false },
    { "fscale", sf_x80_scale, H_SCALE, false },
};

static SfStatus status_for(unsigned rc, unsigned prec)
{
    return (SfStatus){ .round = (uint8_t)rc, .prec = (uint8_t)prec, .masks = SF_ALL };
}

static uint16_t sf_sw(const SfStatus *s)
{
    return (uint16_t)(s->flags | (s->rounded_up ? 0x200 : 0));
}

static int report(const char *name, SfX80 a, SfX80 b, unsigned rc, unsigned prec,
                  SfX80 want, uint16_t wsw, SfX80 got, uint16_t gsw)
{
    fprintf(stderr, "%s rc=%u pc=%u: ", name, rc, prec);
    x87_print("a", a);
    x87_print("b", b);
    x87_print("host", want);
    x87_print("sf", got);
    fprintf(stderr, "sw host %04x sf %04x\n", wsw, gsw);
    return 1;
}

START_TEST(test_binary_ops)
{
    const BinCase *c = &bin_cases[_i];
    int bad = 0;
    for (int i = 0; i < ITER && bad < 10; i++) {
        SfX80 a = x87_rnd_x80(NULL), b = x87_rnd_x80(&a), want, got;
        if (c->host == H_SCALE) {
            b = (SfX80){ x87_rnd_mant(), (uint16_t)((x87_rnd() & 0x8000) | (0x3fff + x87_rnd() % 17)) };
            if (x87_rnd() % 8 == 0) {
                b = x87_rnd_x80(NULL);
            }
        }
        unsigned rc = (unsigned)(x87_rnd() % 4), prec = c->use_prec ? x87_precs[x87_rnd() % 3] : 64;
        uint16_t sw, cw = x87_cw(rc, prec);
        host_bin(c->host, &a, &b, &want, &sw, cw);
        SfStatus s = status_for(rc, prec);
        got = c->sf(a, b, &s);
        if (!x87_same(want, got) || (sw & FLAGS_C1) != sf_sw(&s)) {
            bad += report(c->name, a, b, rc, prec, want, sw & FLAGS_C1, got, sf_sw(&s));
        }
    }
    ck_assert_int_eq(bad, 0);
}
END_TEST

static uint16_t rel_cc(SfRel r)
{
    static const uint16_t cc[] = { [SF_LT] = 0x0100, [SF_EQ] = 0x4000, [SF_GT] = 0,
                                   [SF_UN] = 0x4500 };
    return cc[r];
}

START_TEST(test_compare)
{
    int bad = 0;
    for (int i = 0; i < ITER && bad < 10; i++) {
        SfX80 a = x87_rnd_x80(NULL), b = x87_rnd_x80(&a), dummy;
        if (x87_rnd() % 8 == 0) {
            b = a;
        }
        bool quiet = x87_rnd() & 1;
        uint16_t sw, cw = x87_cw(0, 64);
        if (quiet) {
            HOST_X87_2("fucom %%st(1)", &a, &b, &dummy, &sw, cw);
        } else {
            HOST_X87_2("fcom %%st(1)", &a, &b, &dummy, &sw, cw);
        }
        SfStatus s = status_for(0, 64);
        uint16_t got = (uint16_t)(rel_cc(sf_x80_compare(a, b, quiet, &s)) | s.flags);
        if ((sw & 0x453f) != got) {
            bad += report(quiet ? "fucom" : "fcom", a, b, 0, 64, dummy, sw & 0x453f, dummy, got);
        }
    }
    ck_assert_int_eq(bad, 0);
}
END_TEST

START_TEST(test_prem)
{
    int bad = 0;
    for (int i = 0; i < ITER && bad < 10; i++) {
        SfX80 a = x87_rnd_x80(NULL), b = x87_rnd_x80(&a), want, got;
        bool nearest = x87_rnd() & 1;
        uint16_t sw, cw = x87_cw(0, 64);
        if (nearest) {
            HOST_X87_2("fprem1", &a, &b, &want, &sw, cw);
        } else {
            HOST_X87_2("fprem", &a, &b, &want, &sw, cw);
        }
        SfStatus s = status_for(0, 64);
        unsigned q;
        bool partial;
        got = sf_x80_rem(a, b, nearest, &q, &partial, &s);
        uint16_t gsw = (uint16_t)(s.flags | (partial ? 0x400 : 0) |
                                  (q & 1 ? 0x200 : 0) | (q & 2 ? 0x4000 : 0) | (q & 4 ? 0x100 : 0));
        uint16_t mask = partial ? 0x043f : 0x473f;
        if (!x87_same(want, got) || (sw & mask) != (gsw & mask)) {
            bad += report(nearest ? "fprem1" : "fprem", a, b, 0, 64, want, sw & mask, got, gsw & mask);
        }
    }
    ck_assert_int_eq(bad, 0);
}
END_TEST

START_TEST(test_xtract)
{
    int bad = 0;
    for (int i = 0; i < ITER / 4 && bad < 10; i++) {
        SfX80 a = x87_rnd_x80(NULL), sig, exp, hs, he;
        uint16_t sw, cw = x87_cw(0, 64);
        __asm__ volatile("fninit\n\tfldcw %[c]\n\tfldt %[A]\n\tfxtract\n\tfnstsw %[S]\n\t"
                         "fstpt %[R]\n\tfstpt %[E]\n\tfninit"
                         : [R] "=m"(hs), [E] "=m"(he), [S] "=m"(sw) : [A] "m"(a), [c] "m"(cw));
        SfStatus s = status_for(0, 64);
        sf_x80_extract(a, &sig, &exp, &s);
        if (!x87_same(hs, sig) || !x87_same(he, exp) || (sw & 0x3f) != s.flags) {
            bad += report("fxtract", a, he, 0, 64, hs, sw & 0x3f, sig, s.flags);
        }
    }
    ck_assert_int_eq(bad, 0);
}
END_TEST

START_TEST(test_to_int)
{
    int bad = 0;
    for (int i = 0; i < ITER && bad < 10; i++) {
        SfX80 a = x87_rnd_x80(NULL), dummy = { 0, 0 };
        if (x87_rnd() & 1) {
            a.se = (uint16_t)((a.se & 0x8000) | (0x3fff + x87_rnd() % 66));
            a.mant |= 1ull << 63;
        }
        unsigned rc = (unsigned)(x87_rnd() % 4), kind = (unsigned)(x87_rnd() % 4);
        uint16_t sw, cw = x87_cw(rc, 64);
        int64_t want = 0;
        int16_t w16;
        int32_t w32;
        static const unsigned bits[] = { 16, 32, 64, 64 };
        switch (kind) {
        case 0: HOST_X87_ST("", "fistps", &a, &w16, &sw, cw); want = w16; break;
        case 1: HOST_X87_ST("", "fistpl", &a, &w32, &sw, cw); want = w32; break;
        case 2: HOST_X87_ST("", "fistpll", &a, &want, &sw, cw); break;
        default: HOST_X87_ST("", "fisttpll", &a, &want, &sw, cw); break;
        }
        SfStatus s = status_for(rc, 64);
        int64_t got = sf_x80_to_int(a, bits[kind], kind == 3, &s);
        if (want != got || (sw & FLAGS_C1) != sf_sw(&s)) {
            fprintf(stderr, "fist%u kind %u: want %llx got %llx ", bits[kind], kind,
                    (unsigned long long)want, (unsigned long long)got);
            bad += report("fist", a, dummy, rc, 64, dummy, sw & FLAGS_C1, dummy, sf_sw(&s));
        }
    }
    ck_assert_int_eq(bad, 0);
}
END_TEST

START_TEST(test_to_bin)
{
    int bad = 0;
    for (int i = 0; i < ITER && bad < 10; i++) {
        SfX80 a = x87_rnd_x80(NULL), dummy = { 0, 0 };
        if (x87_rnd() & 1) {        /* around the binary32/64 ranges */
            int span = (x87_rnd() & 1) ? 1100 : 160;
            a.se = (uint16_t)((a.se & 0x8000) | (0x3fff - span + (int)(x87_rnd() % (2u * span))));
            a.mant |= 1ull << 63;
        }
        unsigned rc = (unsigned)(x87_rnd() % 4);
        bool dbl = x87_rnd() & 1;
        uint16_t sw, cw = x87_cw(rc, 64);
        uint64_t want = 0, got;
        SfStatus s = status_for(rc, 64);
        if (dbl) {
            HOST_X87_ST("", "fstpl", &a, &want, &sw, cw);
            got = sf_x80_to_f64(a, &s);
        } else {
            uint32_t w32;
            HOST_X87_ST("", "fstps", &a, &w32, &sw, cw);
            want = w32;
            got = sf_x80_to_f32(a, &s);
        }
        if (want != got || (sw & FLAGS_C1) != sf_sw(&s)) {
            fprintf(stderr, "fst%s: want %llx got %llx ", dbl ? "l" : "s",
                    (unsigned long long)want, (unsigned long long)got);
            bad += report("fst", a, dummy, rc, 64, dummy, sw & FLAGS_C1, dummy, sf_sw(&s));
        }
    }
    ck_assert_int_eq(bad, 0);
}
END_TEST

START_TEST(test_from_bin)
{
    int bad = 0;
    for (int i = 0; i < ITER && bad < 10; i++) {
        uint64_t v = x87_rnd();
        unsigned k = (unsigned)(x87_rnd() % 8);
        if (k == 0) {
            v &= 0x800fffffffffffffull;                 /* denormal / zero */
        } else if (k == 1) {
            v |= 0x7ff0000000000000ull;                 /* inf / NaN */
        } else if (k == 2) {
            v &= 0x807fffff807fffffull;
        } else if (k == 3) {
            v |= 0x7f8000007f800000ull;
        }
        bool dbl = x87_rnd() & 1;
        uint16_t sw;
        SfX80 want, got;
        SfStatus s = status_for(0, 64);
        if (dbl) {
            __asm__ volatile("fninit\n\tfldl %[V]\n\tfnstsw %[S]\n\tfstpt %[R]\n\tfninit"
                             : [R] "=m"(want), [S] "=m"(sw) : [V] "m"(v));
            got = sf_x80_from_f64(v, &s);
        } else {
            uint32_t f = (uint32_t)v;
            __asm__ volatile("fninit\n\tflds %[V]\n\tfnstsw %[S]\n\tfstpt %[R]\n\tfninit"
                             : [R] "=m"(want), [S] "=m"(sw) : [V] "m"(f));
            got = sf_x80_from_f32(f, &s);
        }
        if (!x87_same(want, got) || (sw & 0x3f) != s.flags) {
            fprintf(stderr, "fld%s %llx: ", dbl ? "l" : "s", (unsigned long long)v);
            bad += report("fld", got, got, 0, 64, want, sw & 0x3f, got, s.flags);
        }
    }
    ck_assert_int_eq(bad, 0);
}
END_TEST

/* Distance in units of the last place between two finite x80 values. */
static uint64_t ulp_distance(SfX80 a, SfX80 b)
{
    if (sf_x80_sign(a) != sf_x80_sign(b)) {
        return (a.mant | b.mant) == 0 ? 0 : UINT64_MAX;
    }
    if ((a.se & 0x7fff) != (b.se & 0x7fff)) {
        SfX80 hi = (a.se & 0x7fff) > (b.se & 0x7fff) ? a : b, lo = x87_same(hi, a) ? b : a;
        if ((hi.se & 0x7fff) != (lo.se & 0x7fff) + 1) {
            return UINT64_MAX;
        }
        return (hi.mant - (1ull << 63)) * 2 + (UINT64_MAX - lo.mant) + 1;
    }
    return a.mant > b.mant ? a.mant - b.mant : b.mant - a.mant;
}

enum { T_SIN, T_COS, T_TAN, T_ATAN, T_YL2X, T_YL2XP1, T_F2XM1 };

static void host_trans(int op, const SfX80 *a, const SfX80 *b, SfX80 *r, uint16_t *sw)
{
    uint16_t cw = x87_cw(0, 64);
    switch (op) {
    case T_SIN: HOST_X87_2("fsin", a, b, r, sw, cw); break;
    case T_COS: HOST_X87_2("fcos", a, b, r, sw, cw); break;
    case T_TAN: HOST_X87_2("fptan\n\tfstp %%st(0)", a, b, r, sw, cw); break;
    case T_ATAN: HOST_X87_2("fxch\n\tfpatan", a, b, r, sw, cw); break;    /* atan(a/b) */
    case T_YL2X: HOST_X87_2("fxch\n\tfyl2x", a, b, r, sw, cw); break;     /* a*log2(b) */
    case T_YL2XP1: HOST_X87_2("fxch\n\tfyl2xp1", a, b, r, sw, cw); break;
    default: HOST_X87_2("f2xm1", a, b, r, sw, cw); break;
    }
}

static SfX80 sf_trans(int op, SfX80 a, SfX80 b, SfStatus *s)
{
    SfX80 sn, cs;
    bool oor;
    switch (op) {
    case T_SIN: sf_x80_sincos(a, &sn, &cs, &oor, s); return sn;
    case T_COS: sf_x80_sincos(a, &sn, &cs, &oor, s); return cs;
    case T_TAN: return sf_x80_tan(a, &oor, s);
    case T_ATAN: return sf_x80_atan2(a, b, s);
    case T_YL2X: return sf_x80_yl2x(a, b, s);
    case T_YL2XP1: return sf_x80_yl2xp1(a, b, s);
    default: return sf_x80_f2xm1(a, s);
    }
}

/* A normal operand in [2^lo, 2^hi) of random sign (positive if pos). */
static SfX80 rnd_range(int lo, int hi, bool pos)
{
    uint16_t sign = pos ? 0 : (uint16_t)(x87_rnd() & 0x8000);
    return (SfX80){ x87_rnd() | 1ull << 63,
                    (uint16_t)(sign | (0x3fff + lo + (int)(x87_rnd() % (unsigned)(hi - lo)))) };
}

START_TEST(test_transcendental)
{
    /* domains where the host x87 is accurate: |x| < 1.5 for trig (its
     * reduction uses a 66-bit pi, so near multiples of pi/2 it is off by
     * many ulps), |x| < 1 (f2xm1), |x| < 0.25 (fyl2xp1) */
    static const char *names[] = { "fsin", "fcos", "fptan", "fpatan", "fyl2x", "fyl2xp1", "f2xm1" };
    static const uint64_t tol[] = { 2, 2, 2, 2, 3, 3, 3 };
    int op = _i, bad = 0;
    for (int i = 0; i < ITER / 4 && bad < 10; i++) {
        SfX80 a, b = rnd_range(-40, 40, true), want, got;
        switch (op) {
        case T_F2XM1: a = rnd_range(-30, 0, false); break;
        case T_YL2XP1: a = rnd_range(-20, 20, false); b = rnd_range(-30, -2, false); break;
        case T_YL2X: a = rnd_range(-20, 20, false); break;
        case T_ATAN: a = rnd_range(-40, 40, false); b = rnd_range(-40, 40, false); break;
        default:                        /* [2^-20, 1.5) */
            a = rnd_range(-20, 1, false);
            a.mant &= ~(1ull << 62);
            break;
        }
        uint16_t sw;
        host_trans(op, &a, &b, &want, &sw);
        SfStatus s = status_for(0, 64);
        got = sf_trans(op, a, b, &s);
        if (ulp_distance(want, got) > tol[op] || (sw & 0x1f) != (s.flags & 0x1f)) {
            bad += report(names[op], a, b, 0, 64, want, sw & 0x3f, got, s.flags);
        }
    }
    ck_assert_int_eq(bad, 0);
}
END_TEST

START_TEST(test_specials)
{
    SfStatus s = status_for(0, 64);
    SfX80 one = { 1ull << 63, 0x3fff }, zero = { 0, 0 }, r;
    r = sf_x80_div(one, zero, &s);
    ck_assert(x87_same(r, (SfX80){ 1ull << 63, 0x7fff }));
    ck_assert_uint_eq(s.flags, SF_ZE);
    s = status_for(0, 64);
    r = sf_x80_sub(one, one, &s);
    ck_assert(x87_same(r, zero));
    s = status_for(SF_RD, 64);
    r = sf_x80_sub(one, one, &s);
    ck_assert_uint_eq(r.se, 0x8000);
    /* unmasked overflow: exponent biased by -0x6000 */
    s = status_for(0, 64);
    s.masks = SF_ALL & ~SF_OE;
    SfX80 big = { 1ull << 63, 0x7ffe };
    r = sf_x80_mul(big, big, &s);
    ck_assert_uint_eq(r.se, 0x7ffe + 0x7ffe - 0x3fff - 0x6000);
    ck_assert(s.flags & SF_OE);
    /* unmasked underflow: exponent biased by +0x6000 */
    s = status_for(0, 64);
    s.masks = SF_ALL & ~SF_UE;
    SfX80 tiny = { 1ull << 63, 1 };
    r = sf_x80_mul(tiny, tiny, &s);
    ck_assert_uint_eq(r.se, 1 + 1 - 0x3fff + 0x6000);
    ck_assert(s.flags & SF_UE);
}
END_TEST

/* binary32/64 against the host SSE (MXCSR flags share the x87 layout). */

static uint64_t rnd_bin(bool dbl)
{
    unsigned ebits = dbl ? 11 : 8, fbits = dbl ? 52 : 23, emax = (1u << ebits) - 1;
    uint64_t frac = x87_rnd_mant() >> (64 - fbits), sign = x87_rnd() & 1, e;
    switch (x87_rnd() % 8) {
    case 0: e = 0; frac >>= x87_rnd() % fbits; break;
    case 1: e = emax; break;
    case 2: e = 1 + x87_rnd() % 30; break;
    case 3: e = emax - 1 - x87_rnd() % 30; break;
    default: e = (emax >> 1) + x87_rnd() % 64 - 32; break;
    }
    return sign << (ebits + fbits) | e << fbits | frac;
}

enum { S_ADD, S_SUB, S_MUL, S_DIV, S_SQRT };

static uint64_t host_sse(int op, bool dbl, uint64_t a, uint64_t b, uint32_t csr, uint32_t *out)
{
    static const uint32_t dflt = 0x1f80;
    double da, db;
    float fa, fb;
    uint32_t a32 = (uint32_t)a, b32 = (uint32_t)b;
    memcpy(&da, &a, 8);
    memcpy(&db, &b, 8);
    memcpy(&fa, &a32, 4);
    memcpy(&fb, &b32, 4);
#define SSE_OP(insn, x, y) \
    __asm__ volatile("ldmxcsr %[c]\n\t" insn " %[Y], %[X]\n\tstmxcsr %[o]\n\tldmxcsr %[d]" \
                     : [X] "+x"(x), [o] "=m"(*out) : [Y] "x"(y), [c] "m"(csr), [d] "m"(dflt))
    switch (op * 2 + dbl) {
    case 0: SSE_OP("addss", fa, fb); break;
    case 1: SSE_OP("addsd", da, db); break;
    case 2: SSE_OP("subss", fa, fb); break;
    case 3: SSE_OP("subsd", da, db); break;
    case 4: SSE_OP("mulss", fa, fb); break;
    case 5: SSE_OP("mulsd", da, db); break;
    case 6: SSE_OP("divss", fa, fb); break;
    case 7: SSE_OP("divsd", da, db); break;
    case 8: SSE_OP("sqrtss", fb, fa); fa = fb; break;
    default: SSE_OP("sqrtsd", db, da); da = db; break;
    }
#undef SSE_OP
    if (dbl) {
        memcpy(&a, &da, 8);
        return a;
    }
    memcpy(&a32, &fa, 4);
    return a32;
}

static uint64_t sf_bin(int op, bool dbl, uint64_t a, uint64_t b, SfStatus *s)
{
    typedef uint32_t Op32(uint32_t, uint32_t, SfStatus *);
    typedef uint64_t Op64(uint64_t, uint64_t, SfStatus *);
    static Op32 *const op32[] = { sf_f32_add, sf_f32_sub, sf_f32_mul, sf_f32_div };
    static Op64 *const op64[] = { sf_f64_add, sf_f64_sub, sf_f64_mul, sf_f64_div };
    if (op == S_SQRT) {
        return dbl ? sf_f64_sqrt(a, s) : sf_f32_sqrt((uint32_t)a, s);
    }
    return dbl ? op64[op](a, b, s) : op32[op]((uint32_t)a, (uint32_t)b, s);
}

START_TEST(test_binary32_64)
{
    int bad = 0;
    for (int i = 0; i < ITER * 2 && bad < 10; i++) {
        int op = (int)(x87_rnd() % 5);
        bool dbl = x87_rnd() & 1;
        uint64_t a = rnd_bin(dbl), b = rnd_bin(dbl);
        unsigned rc = (unsigned)(x87_rnd() % 4);
        uint32_t csr = 0x1f80 | rc << 13, hcsr;
        uint64_t want = host_sse(op, dbl, a, b, csr, &hcsr);
        SfStatus s = status_for(rc, 64);
        uint64_t got = sf_bin(op, dbl, a, b, &s);
        if (want != got || (hcsr & 0x3f) != s.flags) {
            fprintf(stderr, "sse op %d %s rc=%u a %llx b %llx: host %llx flags %02x, sf %llx "
                    "flags %02x\n", op, dbl ? "sd" : "ss", rc, (unsigned long long)a,
                    (unsigned long long)b, (unsigned long long)want, hcsr & 0x3f,
                    (unsigned long long)got, s.flags);
            bad++;
        }
    }
    ck_assert_int_eq(bad, 0);
}
END_TEST

static Suite *softfloat_suite(void)
{
    Suite *s = suite_create("softfloat");
    TCase *tc = tcase_create("x87");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_binary_ops, 0, (int)(sizeof(bin_cases) / sizeof(bin_cases[0])));
    tcase_add_test(tc, test_compare);
    tcase_add_test(tc, test_prem);
    tcase_add_test(tc, test_xtract);
    tcase_add_test(tc, test_to_int);
    tcase_add_test(tc, test_to_bin);
    tcase_add_test(tc, test_from_bin);
    tcase_add_loop_test(tc, test_transcendental, T_SIN, T_F2XM1 + 1);
    tcase_add_test(tc, test_specials);
    tcase_add_test(tc, test_binary32_64);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(softfloat_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#else /* the reference is the host x87 (x86-64 inline assembly) */
#include <stdio.h>
int main(void)
{
    puts("SKIP: the softfloat tests compare against the x87 of an x86-64 host");
    return 0;
}
#endif
