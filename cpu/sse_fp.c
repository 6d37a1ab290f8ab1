/*
 * sse_fp.c - SSE/SSE2/SSE3/SSE4.1 floating point: arithmetic, square root,
 * MIN/MAX, compares, COMIS/UCOMIS, RCP/RSQRT, horizontal and dot products,
 * ROUND, and every conversion, with MXCSR rounding, flags and DAZ/FTZ.
 *
 * Approach: the special cases the SDM fixes exactly are done here on the bit
 * patterns (NaN propagation: the first source's NaN, quieted, else the
 * second's; the default NaN for invalid results; DAZ flushing of denormal
 * inputs; DE from denormal inputs; FTZ flushing with UE|PE). Only ordinary
 * operands reach the host's IEEE arithmetic, which runs in the guest's
 * rounding mode (fesetround) and reports IE/ZE/OE/UE/PE through fetestexcept.
 * Tininess is detected after rounding, as x86 does; on a host that detects
 * it before rounding an underflow flag may differ at the boundary.
 * RCPPS/RSQRTPS return the correctly rounded value, which is within the
 * SDM's 1.5 * 2^-12 relative error bound (hardware tables differ by model).
 *
 * Invariants: element values are raw bit patterns (uint64_t, low esize
 * bytes); exception flags accumulate in c->fpflags and sse_fp_commit()
 * merges them into MXCSR, raising #XM (#UD without CR4.OSXMMEXCPT) for an
 * unmasked one before any destination is written.
 */
#include <fenv.h>
#include <math.h>
#include "cpu/sse.h"

/* --- formats on bit patterns (esize 4: binary32, 8: binary64) --- */

static unsigned f_mbits(unsigned es) { return es == 4 ? 23 : 52; }
static uint64_t f_emax(unsigned es) { return es == 4 ? 0xff : 0x7ff; }
static uint64_t f_sign(unsigned es, uint64_t v) { return v & 1ULL << (8 * es - 1); }
static uint64_t f_exp(unsigned es, uint64_t v) { return v >> f_mbits(es) & f_emax(es); }
static uint64_t f_mant(unsigned es, uint64_t v) { return v & ((1ULL << f_mbits(es)) - 1); }
static uint64_t f_qbit(unsigned es) { return 1ULL << (f_mbits(es) - 1); }
static bool f_nan(unsigned es, uint64_t v) { return f_exp(es, v) == f_emax(es) && f_mant(es, v); }
static bool f_snan(unsigned es, uint64_t v) { return f_nan(es, v) && !(v & f_qbit(es)); }
static bool f_denormal(unsigned es, uint64_t v) { return !f_exp(es, v) && f_mant(es, v); }
static uint64_t f_inf(unsigned es) { return f_emax(es) << f_mbits(es); }
static uint64_t f_default_nan(unsigned es)
{
    return f_sign(es, ~0ULL) | f_inf(es) | f_qbit(es);
}

static double f_to_double(unsigned es, uint64_t v)
{
    if (es == 4) {
        float f;
        uint32_t w = (uint32_t)v;
        memcpy(&f, &w, 4);
        return f;
    }
    double d;
    memcpy(&d, &v, 8);
    return d;
}

static uint32_t mxcsr(const SseCtx *c) { return c->env->mxcsr; }

static uint64_t fp_daz(const SseCtx *c, unsigned es, uint64_t v)
{
    return (mxcsr(c) & MXCSR_DAZ) && f_denormal(es, v) ? f_sign(es, v) : v;
}

/* --- host arithmetic in the guest's rounding mode --- */

static const int fp_host_round[4] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };

static void fp_host_begin(int rc)
{
    fesetround(fp_host_round[rc & 3]);
    feclearexcept(FE_ALL_EXCEPT);
}

static int fp_host_end(void)
{
    int ex = fetestexcept(FE_ALL_EXCEPT);
    fesetround(FE_TONEAREST);
    return ex;
}

/* Called through pointers: the compiler's inline expansions of rint assume
 * round-to-nearest (they round the magnitude and restore the sign). */
static float (*volatile fp_rintf)(float) = rintf;
static double (*volatile fp_rint)(double) = rint;
static double (*volatile fp_nearbyint)(double) = nearbyint;

static int fp_rc(const SseCtx *c) { return mxcsr(c) >> MXCSR_RC_SHIFT & 3; }

/*
 * The generic body of one operation in host type T (float or double).
 * Operands are read through volatile copies after fp_host_begin() and the
 * result is written to a volatile before fp_host_end(), so the compiler
 * cannot move the arithmetic across the rounding-mode and flag calls.
 */
#define FP_HOST_OP(T, op, a, b, ia, out) do {                            \
        T x0_, y0_;                                                  \
        memcpy(&x0_, &(a), sizeof(T));                               \
        memcpy(&y0_, &(b), sizeof(T));                               \
        volatile T x_ = x0_, y_ = y0_, r_;                           \
        volatile int64_t i_ = (int64_t)(ia);                         \
        switch (op) {                                                \
        case FOP_ADD: r_ = x_ + y_; break;                           \
        case FOP_SUB: r_ = x_ - y_; break;                           \
        case FOP_MUL: r_ = x_ * y_; break;                           \
        case FOP_DIV: r_ = x_ / y_; break;                           \
        case FOP_SQRT: r_ = sizeof(T) == 4 ? sqrtf(x_) : sqrt(x_); break; \
        case FOP_RINT: r_ = sizeof(T) == 4 ? fp_rintf(x_) : fp_rint(x_); break; \
        case FOP_NARROW: {                       /* binary64 ia -> T */ \
            double d0_;                                              \
            memcpy(&d0_, &(ia), 8);                                  \
            volatile double d_ = d0_;                                \
            r_ = (T)d_;                                              \
            break;                                                   \
        }                                                            \
        default: r_ = (T)i_; break;              /* FOP_FROM_INT */  \
        }                                                            \
        T t_ = r_;                                                   \
        memcpy(&(out), &t_, sizeof(T));                              \
    } while (0)

/* The host operation alone: result bits and the host's exception flags. */
static uint64_t fp_host_raw(int op, unsigned es, uint64_t a, uint64_t b, int rc, int *ex)
{
    uint32_t a32 = (uint32_t)a, b32 = (uint32_t)b, r32 = 0;
    uint64_t r = 0;

    fp_host_begin(rc);
    if (es == 4) {
        FP_HOST_OP(float, op, a32, b32, a, r32);
        r = r32;
    } else {
        FP_HOST_OP(double, op, a, b, a, r);
    }
    *ex = fp_host_end();
    return r;
}

/* v * 2^e in format es (exact while the result stays normal). */
static uint64_t fp_scale(unsigned es, uint64_t v, int e)
{
    double d = ldexp(f_to_double(es, v), e);
    if (es == 4) {
        float f = (float)d;
        uint32_t w;
        memcpy(&w, &f, 4);
        return w;
    }
    uint64_t r;
    memcpy(&r, &d, 8);
    return r;
}

/*
 * With OE or UE unmasked the hardware reports PE for the result with its
 * exponent bias-adjusted (by 192 for binary32, 1536 for binary64), i.e.
 * whether the operation is exact at full precision. Recompute with the
 * operands scaled by that amount (dir -1: overflow, +1: underflow).
 */
static bool fp_inexact_adjusted(int op, unsigned es, uint64_t a, uint64_t b, int rc, int dir)
{
    unsigned in_es = op == FOP_NARROW ? 8 : es;
    int k = dir * (es == 4 ? 192 : 1536), ex;

    switch (op) {
    case FOP_MUL:
        a = fp_scale(in_es, a, k / 2);
        b = fp_scale(in_es, b, k / 2);
        break;
    case FOP_DIV:
        a = fp_scale(in_es, a, k / 2);
        b = fp_scale(in_es, b, -k / 2);
        break;
    default:
        a = fp_scale(in_es, a, k);
        b = op == FOP_NARROW ? b : fp_scale(in_es, b, k);
        break;
    }
    fp_host_raw(op, es, a, b, rc, &ex);
    return ex & FE_INEXACT;
}

/* One host operation with the MXCSR flag, FTZ and default-NaN rules. */
static uint64_t fp_host(SseCtx *c, int op, unsigned es, uint64_t a, uint64_t b, int rc)
{
    uint32_t f = 0, unmasked = ~mxcsr(c) >> MXCSR_MASK_SHIFT;
    int ex;
    uint64_t r = fp_host_raw(op, es, a, b, rc, &ex);
    bool tiny = (ex & FE_UNDERFLOW) || f_denormal(es, r);

    if (ex & FE_INVALID) {
        f |= MXCSR_IE;
        r = f_default_nan(es);
    }
    f |= ex & FE_DIVBYZERO ? MXCSR_ZE : 0;
    f |= ex & FE_OVERFLOW ? MXCSR_OE : 0;
    f |= ex & FE_INEXACT ? MXCSR_PE : 0;
    if (tiny) {
        if (unmasked & MXCSR_UE) {
            f |= MXCSR_UE;
        } else if (mxcsr(c) & MXCSR_FTZ) {
            r = f_sign(es, r);
            f |= MXCSR_UE | MXCSR_PE;
        } else if (ex & FE_UNDERFLOW) {
            f |= MXCSR_UE;
        }
    }
    if (f & unmasked & (MXCSR_OE | MXCSR_UE)) {
        f &= ~MXCSR_PE;
        if (fp_inexact_adjusted(op, es, a, b, rc, f & MXCSR_OE ? -1 : 1)) {
            f |= MXCSR_PE;
        }
    }
    c->fpflags |= f;
    return r;
}

/* fp_host with the flags it raises returned in *f instead of accumulated. */
static uint64_t fp_host_flags(SseCtx *c, int op, unsigned es, uint64_t a, uint64_t b, int rc,
                              uint32_t *f)
{
    uint32_t saved = c->fpflags;
    c->fpflags = 0;
    uint64_t r = fp_host(c, op, es, a, b, rc);
    *f = c->fpflags;
    c->fpflags = saved;
    return r;
}

/* One arithmetic element: DAZ, NaN propagation, then the host; DE for a
 * denormal input unless the operation is invalid or divides by zero (those
 * take precedence, SDM Vol. 1 11.5.2). */
static uint64_t fp_binop(SseCtx *c, int op, unsigned es, uint64_t a, uint64_t b)
{
    uint32_t f;

    a = fp_daz(c, es, a);
    b = fp_daz(c, es, b);
    if (f_nan(es, a) || f_nan(es, b)) {
        c->fpflags |= f_snan(es, a) || f_snan(es, b) ? MXCSR_IE : 0;
        return (f_nan(es, a) ? a : b) | f_qbit(es);
    }
    uint64_t r = fp_host_flags(c, op, es, a, b, fp_rc(c), &f);
    if ((f_denormal(es, a) || f_denormal(es, b)) && !(f & (MXCSR_IE | MXCSR_ZE))) {
        f |= MXCSR_DE;
    }
    c->fpflags |= f;
    return r;
}

/* An unmasked pre-computation exception (IE, DE, ZE) in any element stops
 * the instruction before post-computation ones (OE, UE, PE) are reported
 * (SDM Vol. 1 11.5.2, checked against the host). */
void sse_fp_commit(SseCtx *c)
{
    const uint32_t pre = MXCSR_IE | MXCSR_DE | MXCSR_ZE;
    CPUX86State *env = c->env;
    uint32_t unmasked = c->fpflags & ~(env->mxcsr >> MXCSR_MASK_SHIFT) & 0x3f;

    if (unmasked & pre) {
        c->fpflags &= pre;
        unmasked &= pre;
    }
    env->mxcsr |= c->fpflags;
    if (unmasked) {
        sse_raise(c, (env->cr[4] & CR4_OSXMMEXCPT) ? EXCP_XM : EXCP_UD);
    }
}

/* Number of elements: a scalar row has msize == esize. */
static unsigned fp_count(const SseCtx *c)
{
    return c->op->msize == c->op->esize ? 1 : 16 / c->op->esize;
}

/* Applies f to each element pair into a temporary, commits, then writes dst. */
typedef uint64_t FpElemFn(SseCtx *c, unsigned i, uint64_t a, uint64_t b);

static void fp_map(SseCtx *c, unsigned n, FpElemFn *f)
{
    unsigned es = c->op->esize;
    XMMReg r = c->dst;
    for (unsigned i = 0; i < n; i++) {
        sse_set_el(&r, i, es, f(c, i, sse_el(&c->dst, i, es), sse_el(&c->src, i, es)));
    }
    sse_fp_commit(c);
    c->dst = r;
}

static uint64_t el_arith(SseCtx *c, unsigned i, uint64_t a, uint64_t b)
{
    return fp_binop(c, c->op->aux, c->op->esize, a, b);
}

/* ADD/SUB/MUL/DIV PS/PD/SS/SD (aux: FOP_*). */
void sse_fp_arith(SseCtx *c)
{
    fp_map(c, fp_count(c), el_arith);
}

static uint64_t el_sqrt(SseCtx *c, unsigned i, uint64_t a, uint64_t b)
{
    return fp_binop(c, FOP_SQRT, c->op->esize, b, 0);
}

void sse_fp_sqrt(SseCtx *c)
{
    fp_map(c, fp_count(c), el_sqrt);
}

/* ADDSUBPS/PD: even elements subtract, odd ones add. */
static uint64_t el_addsub(SseCtx *c, unsigned i, uint64_t a, uint64_t b)
{
    return fp_binop(c, i & 1 ? FOP_ADD : FOP_SUB, c->op->esize, a, b);
}

void sse_fp_addsub(SseCtx *c)
{
    fp_map(c, 16 / c->op->esize, el_addsub);
}

/* HADD/HSUB PS/PD (aux: FOP_ADD or FOP_SUB): pairs of dst, then of src. */
static uint64_t el_hadd(SseCtx *c, unsigned i, uint64_t a, uint64_t b)
{
    unsigned es = c->op->esize, half = 8 / es;
    const XMMReg *x = i < half ? &c->dst : &c->src;
    unsigned j = 2 * (i % half);
    return fp_binop(c, c->op->aux, es, sse_el(x, j, es), sse_el(x, j + 1, es));
}

void sse_fp_hadd(SseCtx *c)
{
    fp_map(c, 16 / c->op->esize, el_hadd);
}

/* MIN/MAX (aux 0: min, 1: max): any NaN or equal values give the source. */
static uint64_t el_minmax(SseCtx *c, unsigned i, uint64_t a, uint64_t b)
{
    unsigned es = c->op->esize;
    a = fp_daz(c, es, a);
    b = fp_daz(c, es, b);
    if (f_nan(es, a) || f_nan(es, b)) {
        c->fpflags |= MXCSR_IE;
        return b;
    }
    if (f_denormal(es, a) || f_denormal(es, b)) {
        c->fpflags |= MXCSR_DE;
    }
    double x = f_to_double(es, a), y = f_to_double(es, b);
    return (c->op->aux ? x > y : x < y) ? a : b;
}

void sse_fp_minmax(SseCtx *c)
{
    fp_map(c, fp_count(c), el_minmax);
}

/* Ordered relation of two elements after DAZ; flags for signalling. */
typedef enum { REL_LT, REL_EQ, REL_GT, REL_UN } FpRel;

static FpRel fp_compare(SseCtx *c, unsigned es, uint64_t a, uint64_t b, bool quiet_signals)
{
    a = fp_daz(c, es, a);
    b = fp_daz(c, es, b);
    if (f_nan(es, a) || f_nan(es, b)) {
        if (quiet_signals || f_snan(es, a) || f_snan(es, b)) {
            c->fpflags |= MXCSR_IE;
        }
        return REL_UN;
    }
    if (f_denormal(es, a) || f_denormal(es, b)) {
        c->fpflags |= MXCSR_DE;
    }
    double x = f_to_double(es, a), y = f_to_double(es, b);
    return x < y ? REL_LT : x == y ? REL_EQ : REL_GT;
}

/* CMPccPS/PD/SS/SD: imm8[2:0] is EQ LT LE UNORD NEQ NLT NLE ORD. */
static uint64_t el_cmp(SseCtx *c, unsigned i, uint64_t a, uint64_t b)
{
    static const uint8_t true_rels[8] = {   /* bit per FpRel */
        1 << REL_EQ, 1 << REL_LT, 1 << REL_LT | 1 << REL_EQ, 1 << REL_UN,
        1 << REL_LT | 1 << REL_GT | 1 << REL_UN, 1 << REL_EQ | 1 << REL_GT | 1 << REL_UN,
        1 << REL_GT | 1 << REL_UN, 1 << REL_LT | 1 << REL_EQ | 1 << REL_GT,
    };
    unsigned p = c->imm & 7;
    bool signals = p == 1 || p == 2 || p == 5 || p == 6;
    FpRel rel = fp_compare(c, c->op->esize, a, b, signals);
    return true_rels[p] >> rel & 1 ? ~0ULL : 0;
}

void sse_fp_cmp(SseCtx *c)
{
    fp_map(c, fp_count(c), el_cmp);
}

/* COMISS/COMISD (aux 1: QNaN signals too) and UCOMISS/UCOMISD. */
void sse_fp_comi(SseCtx *c)
{
    static const uint32_t eflags_of[4] = {
        [REL_LT] = CC_C, [REL_EQ] = CC_Z, [REL_GT] = 0, [REL_UN] = CC_Z | CC_P | CC_C,
    };
    unsigned es = c->op->esize;
    FpRel rel = fp_compare(c, es, sse_el(&c->dst, 0, es), sse_el(&c->src, 0, es), c->op->aux);
    sse_fp_commit(c);
    sse_set_eflags(c, eflags_of[rel]);
}

/* RCPPS/RCPSS (aux 0) and RSQRTPS/RSQRTSS (aux 1): no flags; denormal
 * inputs count as zero and tiny results flush to zero. */
static uint64_t el_rcp(SseCtx *c, unsigned i, uint64_t a, uint64_t b)
{
    uint64_t sign = f_sign(4, b);
    float f;
    if (f_nan(4, b)) {
        return b | f_qbit(4);
    }
    if (!f_exp(4, b)) {
        return sign | f_inf(4);
    }
    if (c->op->aux && sign) {
        return f_default_nan(4);
    }
    double x = f_to_double(4, b);
    f = (float)(c->op->aux ? 1.0 / sqrt(x) : 1.0 / x);
    uint32_t r;
    memcpy(&r, &f, 4);
    return f_denormal(4, r) ? sign : r;
}

void sse_fp_rcp(SseCtx *c)
{
    fp_map(c, fp_count(c), el_rcp);
}

/* DPPS/DPPD: imm8[7:4] selects products, imm8[3:0] the written elements. */
void sse_fp_dp(SseCtx *c)
{
    unsigned es = c->op->esize, n = 16 / es;
    uint64_t p[4] = { 0 }, sum;

    for (unsigned i = 0; i < n; i++) {
        p[i] = c->imm >> (4 + i) & 1
             ? fp_binop(c, FOP_MUL, es, sse_el(&c->dst, i, es), sse_el(&c->src, i, es)) : 0;
    }
    sum = fp_binop(c, FOP_ADD, es, p[0], p[1]);
    if (n == 4) {
        sum = fp_binop(c, FOP_ADD, es, sum, fp_binop(c, FOP_ADD, es, p[2], p[3]));
    }
    sse_fp_commit(c);
    for (unsigned i = 0; i < n; i++) {
        sse_set_el(&c->dst, i, es, c->imm >> i & 1 ? sum : 0);
    }
}

/* ROUNDPS/PD/SS/SD: imm8[1:0] mode unless imm8[2] (MXCSR.RC); imm8[3]
 * suppresses PE. */
static uint64_t el_round(SseCtx *c, unsigned i, uint64_t a, uint64_t b)
{
    unsigned es = c->op->esize;
    int rc = c->imm & 4 ? fp_rc(c) : c->imm & 3;
    b = fp_daz(c, es, b);
    if (f_nan(es, b)) {
        c->fpflags |= f_snan(es, b) ? MXCSR_IE : 0;
        return b | f_qbit(es);
    }
    uint32_t f;
    uint64_t r = fp_host_flags(c, FOP_RINT, es, b, 0, rc, &f);
    c->fpflags |= c->imm & 8 ? f & ~MXCSR_PE : f;
    return r;
}

void sse_fp_round(SseCtx *c)
{
    fp_map(c, fp_count(c), el_round);
}

/* --- conversions --- */

/* Integer -> float of size es in the current rounding mode. */
static uint64_t fp_from_int(SseCtx *c, unsigned es, int64_t v)
{
    return fp_host(c, FOP_FROM_INT, es, (uint64_t)v, 0, fp_rc(c));
}

/* Float of size es -> signed integer of ibits; the indefinite integer on
 * NaN or overflow. */
static uint64_t fp_to_int(SseCtx *c, unsigned es, uint64_t v, unsigned ibits, bool chop)
{
    uint64_t indefinite = 1ULL << (ibits - 1);
    double lim = ldexp(1.0, (int)ibits - 1), x, r;

    v = fp_daz(c, es, v);
    if (f_nan(es, v)) {
        c->fpflags |= MXCSR_IE;
        return indefinite;
    }
    x = f_to_double(es, v);
    if (chop) {
        r = trunc(x);
    } else {
        fp_host_begin(fp_rc(c));
        volatile double vx = x, vr = fp_nearbyint(vx);
        fp_host_end();
        r = vr;
    }
    if (!(r >= -lim && r < lim)) {
        c->fpflags |= MXCSR_IE;
        return indefinite;
    }
    c->fpflags |= r != x ? MXCSR_PE : 0;
    return (uint64_t)(int64_t)r & (ibits == 64 ? ~0ULL : (1ULL << ibits) - 1);
}

/* binary32 <-> binary64. */
static uint64_t fp_f2f(SseCtx *c, unsigned from, unsigned to, uint64_t v)
{
    unsigned shift = f_mbits(8) - f_mbits(4);

    v = fp_daz(c, from, v);
    if (f_nan(from, v)) {
        c->fpflags |= f_snan(from, v) ? MXCSR_IE : 0;
        uint64_t m = f_mant(from, v) | f_qbit(from);
        return (f_sign(from, v) ? f_sign(to, ~0ULL) : 0) | f_inf(to) |
               (to == 8 ? m << shift : m >> shift);
    }
    if (f_denormal(from, v)) {
        c->fpflags |= MXCSR_DE;
    }
    if (to == 8) {
        double d = f_to_double(4, v);
        uint64_t r;
        memcpy(&r, &d, 8);
        return r;
    }
    return fp_host(c, FOP_NARROW, 4, v, 0, fp_rc(c));
}

/* One element: from/to are 4 or 8 for floats, 0 for int32. */
static uint64_t cvt_el(SseCtx *c, unsigned from, unsigned to, bool chop, uint64_t v)
{
    if (!from) {
        return fp_from_int(c, to, (int32_t)v);
    }
    if (!to) {
        return fp_to_int(c, from, v, 32, chop);
    }
    return fp_f2f(c, from, to, v);
}

typedef struct CvtDesc {
    uint8_t from, to, n;
    bool trunc, keep_upper;
} CvtDesc;

/* The aux values of sse_cvt rows. */
static const CvtDesc cvt_descs[] = {
    [0] = { 0, 4, 4, false, false },   /* CVTDQ2PS */
    [1] = { 4, 0, 4, false, false },   /* CVTPS2DQ */
    [2] = { 4, 0, 4, true, false },    /* CVTTPS2DQ */
    [3] = { 8, 0, 2, true, false },    /* CVTTPD2DQ */
    [4] = { 0, 8, 2, false, false },   /* CVTDQ2PD */
    [5] = { 8, 0, 2, false, false },   /* CVTPD2DQ */
    [6] = { 0, 4, 2, false, true },    /* CVTPI2PS */
    [7] = { 0, 8, 2, false, false },   /* CVTPI2PD */
    [8] = { 4, 0, 2, true, false },    /* CVTTPS2PI */
    [9] = { 4, 0, 2, false, false },   /* CVTPS2PI */
    [10] = { 8, 0, 2, true, false },   /* CVTTPD2PI */
    [11] = { 8, 0, 2, false, false },  /* CVTPD2PI */
    [12] = { 4, 8, 2, false, false },  /* CVTPS2PD */
    [13] = { 8, 4, 2, false, false },  /* CVTPD2PS */
    [14] = { 4, 8, 1, false, true },   /* CVTSS2SD */
    [15] = { 8, 4, 1, false, true },   /* CVTSD2SS */
};

void sse_cvt(SseCtx *c)
{
    const CvtDesc *d = &cvt_descs[c->op->aux];
    unsigned from = d->from ? d->from : 4, to = d->to ? d->to : 4;
    XMMReg r = d->keep_upper ? c->dst : (XMMReg){ .q = { 0, 0 } };

    for (unsigned i = 0; i < d->n; i++) {
        sse_set_el(&r, i, to, cvt_el(c, d->from, d->to, d->trunc, sse_el(&c->src, i, from)));
    }
    sse_fp_commit(c);
    c->dst = r;
}

/* CVTSI2SS/CVTSI2SD xmm, r/m32/64. */
void sse_cvt_i2f(SseCtx *c)
{
    unsigned es = c->op->esize;
    int64_t v = c->rexw ? (int64_t)c->src.q[0] : (int32_t)c->src.q[0];
    uint64_t r = fp_from_int(c, es, v);
    sse_fp_commit(c);
    sse_set_el(&c->dst, 0, es, r);
}

/* CVT(T)SS2SI/CVT(T)SD2SI r32/64, xmm/m (aux 1: truncate). */
void sse_cvt_f2i(SseCtx *c)
{
    unsigned es = c->op->esize, size = c->rexw ? 8 : 4;
    uint64_t r = fp_to_int(c, es, sse_el(&c->src, 0, es), 8 * size, c->op->aux);
    sse_fp_commit(c);
    sse_set_gpr(c, c->reg, r, size);
}

/* INSERTPS xmm, xmm/m32, imm8: [7:6] source element (register form),
 * [5:4] destination element, [3:0] elements cleared. */
void sse_insertps(SseCtx *c)
{
    uint32_t v = c->src.l[c->mem ? 0 : c->imm >> 6];
    c->dst.l[c->imm >> 4 & 3] = v;
    for (int i = 0; i < 4; i++) {
        if (c->imm >> i & 1) {
            c->dst.l[i] = 0;
        }
    }
}
