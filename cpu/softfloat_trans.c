/*
 * softfloat_trans.c - the x87 transcendental functions (F2XM1, FYL2X,
 * FYL2XP1, FPATAN, FSIN/FCOS/FSINCOS, FPTAN) on 80-bit extended values.
 *
 * Method: the operands are converted exactly to the host's long double,
 * the host libm computes the function, and the result is converted back
 * (exact when long double is the x87 format, as on x86-64; rounded to 64
 * bits toward zero when it is binary128). Special operands (NaN,
 * unsupported encodings) follow the x87 rules of softfloat.c before the
 * host is involved; the host's IEEE exception flags are mapped to
 * IE/ZE/OE/UE/PE.
 *
 * Accuracy: glibc's long double sinl/cosl/tanl/atan2l/log2l/expm1l are
 * within about 1 ulp of the exact result (with exact argument reduction,
 * so FSIN of large arguments is better than a real x87's, whose reduction
 * uses a 66-bit pi). FYL2X, FYL2XP1 and F2XM1 compose two operations and
 * are within about 2 ulp. Results are delivered in round-to-nearest;
 * the x87 rounding and precision controls are not applied. The unit tests
 * compare against the host x87 with these tolerances.
 */
#include "cpu/softfloat.h"
#include <fenv.h>
#include <math.h>

static long double x80_to_ld(SfX80 a)
{
    unsigned e = a.se & 0x7fff;
    long double v;
    if (e == 0x7fff) {
        v = INFINITY;
    } else {
        v = ldexpl((long double)a.mant, (int)(e ? e : 1) - SF_X80_BIAS - 63);
    }
    return sf_x80_sign(a) ? -v : v;
}

static SfX80 ld_to_x80(long double v, SfStatus *s)
{
    bool sign = signbit(v) != 0;
    if (isnan(v)) {
        return sf_x80_invalid(s);
    }
    if (isinf(v)) {
        return (SfX80){ 1ull << 63, (uint16_t)((unsigned)sign << 15 | 0x7fff) };
    }
    if (v == 0) {
        return (SfX80){ 0, (uint16_t)((unsigned)sign << 15) };
    }
    int e;
    long double f = frexpl(fabsl(v), &e);
    SfX80 norm = { (uint64_t)ldexpl(f, 64), (uint16_t)((unsigned)sign << 15 | (SF_X80_BIAS - 1)) };
    if (e > -16000 && e < 16000) {
        norm.se = (uint16_t)((unsigned)sign << 15 | (unsigned)(SF_X80_BIAS - 1 + e));
        return norm;
    }
    SfStatus t = *s;
    t.masks = SF_ALL;
    SfX80 r = sf_x80_scale(norm, sf_x80_from_int64(e), &t);
    s->flags |= t.flags & (SF_UE | SF_OE | SF_PE);
    return r;
}

/* Operand checks shared by all functions: true with *res set when done. */
static bool trans_special(SfX80 a, SfX80 b, SfX80 *res, SfStatus *s)
{
    SfClass ca = sf_x80_class(a), cb = sf_x80_class(b);
    if (ca == SF_UNSUPPORTED || cb == SF_UNSUPPORTED) {
        *res = sf_x80_invalid(s);
        return true;
    }
    if (sf_x80_nan_operands(a, b, res, s)) {
        return true;
    }
    return sf_x80_denormal_stop(ca == SF_DENORMAL || cb == SF_DENORMAL, a, res, s);
}

typedef long double TransFn(long double y, long double x);

/* Runs fn on the host with its exception flags mapped to the x87 ones. */
static SfX80 trans_run(TransFn *fn, SfX80 y, SfX80 x, SfStatus *s)
{
    static const struct { int fe; uint8_t sf; } map[] = {
        { FE_INVALID, SF_IE }, { FE_DIVBYZERO, SF_ZE }, { FE_OVERFLOW, SF_OE },
        { FE_UNDERFLOW, SF_UE }, { FE_INEXACT, SF_PE },
    };
    fenv_t saved;
    feholdexcept(&saved);
    long double r = fn(x80_to_ld(y), x80_to_ld(x));
    int raised = fetestexcept(FE_ALL_EXCEPT);
    fesetenv(&saved);
    for (unsigned i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (raised & map[i].fe) {
            s->flags |= map[i].sf;
        }
    }
    if (raised & FE_INVALID) {
        return SF_X80_INDEFINITE;
    }
    return ld_to_x80(r, s);
}

static long double fn_f2xm1(long double y, long double x)
{
    (void)x;
    return isinf(y) ? (y > 0 ? y : -1.0L) : expm1l(y * 0.693147180559945309417232121458176568L);
}

static long double fn_yl2x(long double y, long double x)
{
    return y * log2l(x);
}

static long double fn_yl2xp1(long double y, long double x)
{
    return y * (log1pl(x) * 1.442695040888963407359924681001892137L);
}

static long double fn_atan2(long double y, long double x)
{
    return atan2l(y, x);
}

static long double fn_sin(long double y, long double x)
{
    (void)x;
    return sinl(y);
}

static long double fn_cos(long double y, long double x)
{
    (void)x;
    return cosl(y);
}

static long double fn_tan(long double y, long double x)
{
    (void)x;
    return tanl(y);
}

static SfX80 trans1(TransFn *fn, SfX80 a, SfStatus *s)
{
    SfX80 res;
    if (trans_special(a, a, &res, s)) {
        return res;
    }
    if (sf_x80_class(a) == SF_ZERO) {
        return a;                       /* f2xm1, sin, tan: exact signed zero */
    }
    return trans_run(fn, a, a, s);
}

static SfX80 trans2(TransFn *fn, SfX80 y, SfX80 x, SfStatus *s)
{
    SfX80 res;
    if (trans_special(y, x, &res, s)) {
        return res;
    }
    return trans_run(fn, y, x, s);
}

SfX80 sf_x80_f2xm1(SfX80 a, SfStatus *s) { return trans1(fn_f2xm1, a, s); }
SfX80 sf_x80_yl2x(SfX80 y, SfX80 x, SfStatus *s) { return trans2(fn_yl2x, y, x, s); }
SfX80 sf_x80_yl2xp1(SfX80 y, SfX80 x, SfStatus *s) { return trans2(fn_yl2xp1, y, x, s); }
SfX80 sf_x80_atan2(SfX80 y, SfX80 x, SfStatus *s) { return trans2(fn_atan2, y, x, s); }

/* Finite |a| >= 2^63: the x87 leaves the operand and sets C2. */
static bool trig_out_of_range(SfX80 a)
{
    return sf_x80_class(a) == SF_NORMAL && (a.se & 0x7fff) >= SF_X80_BIAS + 63;
}

void sf_x80_sincos(SfX80 a, SfX80 *sin, SfX80 *cos, bool *out_of_range, SfStatus *s)
{
    *out_of_range = trig_out_of_range(a);
    if (*out_of_range) {
        *sin = *cos = a;
        return;
    }
    if (sf_x80_class(a) == SF_INF) {
        *sin = *cos = sf_x80_invalid(s);
        return;
    }
    SfStatus t = *s;
    *sin = trans1(fn_sin, a, s);
    *cos = sf_x80_class(a) == SF_ZERO ? (SfX80){ 1ull << 63, SF_X80_BIAS }
                                      : trans1(fn_cos, a, &t);
    s->flags |= t.flags;
}

SfX80 sf_x80_tan(SfX80 a, bool *out_of_range, SfStatus *s)
{
    *out_of_range = trig_out_of_range(a);
    if (*out_of_range) {
        return a;
    }
    if (sf_x80_class(a) == SF_INF) {
        return sf_x80_invalid(s);
    }
    return trans1(fn_tan, a, s);
}
