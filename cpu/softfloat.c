/*
 * softfloat.c - IEEE 754 arithmetic on the 80-bit extended format with x87
 * semantics (precision control, masked/unmasked overflow and underflow
 * responses, unsupported encodings, Table 4-7 NaN propagation), plus the
 * conversions to and from integers and the 32/64-bit binary formats.
 *
 * Invariants: every finite nonzero operand is unpacked to Unp: a 128-bit
 * significand with its leading 1 at bit 127 and an x80-biased exponent
 * that may leave the 15-bit range (value = sig / 2^127 * 2^(exp - 16383)).
 * Operations compute the exact result, or a truncation of it with the
 * discarded bits ORed into bit 0 (sticky), then round once in round_sig().
 * No loop depends on the operand bits; 128-bit division is used for
 * quotients and for the integer square root's Newton step.
 */
#include "cpu/softfloat.h"
#include <math.h>

typedef unsigned __int128 u128;

typedef struct Unp {
    bool sign;
    int32_t exp;
    u128 sig;
} Unp;

/* A rounding target: significand bits, largest finite biased exponent,
 * bias, and whether unmasked OE/UE deliver a biased x87 register result. */
typedef struct Fmt {
    unsigned prec;
    int32_t emax, bias;
    bool x87_adjust;
} Fmt;

static const Fmt FMT_F32 = { 24, 0xfe, 127, false };
static const Fmt FMT_F64 = { 53, 0x7fe, 1023, false };

#define X80_EMAX 0x7ffe
#define X87_EXP_ADJUST 0x6000
#define TOP128 ((u128)1 << 127)

static inline unsigned clz128(u128 v)
{
    uint64_t hi = (uint64_t)(v >> 64);
    return hi ? (unsigned)__builtin_clzll(hi) : 64 + (unsigned)__builtin_clzll((uint64_t)v);
}

/* v >> n with the shifted-out bits ORed into bit 0. */
static inline u128 shr_jam(u128 v, unsigned n)
{
    if (n == 0) {
        return v;
    }
    if (n >= 128) {
        return v != 0;
    }
    return (v >> n) | ((v << (128 - n)) != 0);
}

static inline SfX80 x80_make(bool sign, uint16_t exp, uint64_t mant)
{
    return (SfX80){ mant, (uint16_t)((unsigned)sign << 15 | exp) };
}

static inline SfX80 x80_zero(bool sign) { return x80_make(sign, 0, 0); }
static inline SfX80 x80_inf(bool sign) { return x80_make(sign, 0x7fff, 1ull << 63); }

SfClass sf_x80_class(SfX80 a)
{
    unsigned e = a.se & 0x7fff;
    if (e == 0) {
        return a.mant ? SF_DENORMAL : SF_ZERO;
    }
    if (!(a.mant >> 63)) {
        return SF_UNSUPPORTED;
    }
    if (e != 0x7fff) {
        return SF_NORMAL;
    }
    if ((a.mant << 1) == 0) {
        return SF_INF;
    }
    return (a.mant >> 62) & 1 ? SF_QNAN : SF_SNAN;
}

/* Unpacks a finite nonzero (normal or denormal) operand. */
static Unp unpack(SfX80 a)
{
    int32_t e = a.se & 0x7fff;
    unsigned lz = (unsigned)__builtin_clzll(a.mant);
    return (Unp){ sf_x80_sign(a), (e ? e : 1) - (int32_t)lz, (u128)(a.mant << lz) << 64 };
}

/* Invalid operation: IE, and DE does not apply to an operation that
 * delivers no computed result (nor does it with ZE). */
SfX80 sf_x80_invalid(SfStatus *s)
{
    s->flags = (uint8_t)((s->flags & ~SF_DE) | SF_IE);
    return SF_X80_INDEFINITE;
}

static SfX80 x80_quiet(SfX80 a)
{
    a.mant |= 1ull << 62;
    return a;
}

/*
 * SDM Vol. 1 Table 4-7, x87 column: an SNaN raises IE; of two NaNs a QNaN
 * beats an SNaN, else the larger significand wins (a on a tie, larger
 * sign-less magnitude otherwise); the result is quiet.
 */
bool sf_x80_nan_operands(SfX80 a, SfX80 b, SfX80 *res, SfStatus *s)
{
    SfClass ca = sf_x80_class(a), cb = sf_x80_class(b);
    bool na = ca == SF_QNAN || ca == SF_SNAN, nb = cb == SF_QNAN || cb == SF_SNAN;
    if (!na && !nb) {
        return false;
    }
    if (ca == SF_SNAN || cb == SF_SNAN) {
        s->flags |= SF_IE;
    }
    if (na && nb && s->first_nan) {
        *res = x80_quiet(a);
    } else if (na && nb) {
        if (ca != cb) {
            *res = x80_quiet(ca == SF_QNAN ? a : b);
        } else {
            uint64_t ma = a.mant | 1ull << 62, mb = b.mant | 1ull << 62;
            *res = x80_quiet(mb > ma || (mb == ma && !sf_x80_sign(b)) ? b : a);
        }
    } else {
        *res = x80_quiet(na ? a : b);
    }
    return true;
}

/*
 * A denormal operand raises DE; when DE is unmasked the x87 computes
 * nothing else (no PE/UE...), so the operation stops here.
 */
bool sf_x80_denormal_stop(bool denormal, SfX80 a, SfX80 *res, SfStatus *s)
{
    if (!denormal) {
        return false;
    }
    s->flags |= SF_DE;
    *res = a;
    return !(s->masks & SF_DE);
}

/* Common checks of a one-operand operation (unsupported encodings, NaNs):
 * true with *res set when done. The callers check denormals after their
 * own invalid cases. */
static bool x80_special1(SfX80 a, SfClass *ca, SfX80 *res, SfStatus *s)
{
    *ca = sf_x80_class(a);
    if (*ca == SF_UNSUPPORTED) {
        *res = sf_x80_invalid(s);
        return true;
    }
    if (sf_x80_nan_operands(a, a, res, s)) {
        return true;
    }
    return false;
}

static bool x80_special2(SfX80 a, SfX80 b, SfClass *ca, SfClass *cb, SfX80 *res, SfStatus *s)
{
    *ca = sf_x80_class(a);
    *cb = sf_x80_class(b);
    if (*ca == SF_UNSUPPORTED || *cb == SF_UNSUPPORTED) {
        *res = sf_x80_invalid(s);
        return true;
    }
    if (sf_x80_nan_operands(a, b, res, s)) {
        return true;
    }
    return false;
}

/* DE after the invalid and divide-by-zero checks, which take precedence. */
static bool x80_denormal(SfClass ca, SfClass cb, SfX80 a, SfX80 *res, SfStatus *s)
{
    return sf_x80_denormal_stop(ca == SF_DENORMAL || cb == SF_DENORMAL, a, res, s);
}

/* --- rounding --- */

/* Rounds sig down to a multiple of unit per the rounding mode; returns the
 * carry out of bit 127. Sets PE and rounded_up. */
static bool round_at(u128 *sig, u128 unit, bool sign, SfStatus *s, bool *inexact)
{
    u128 rem = *sig & (unit - 1), half = unit >> 1;
    bool inc;
    *sig -= rem;
    *inexact = rem != 0;
    if (!rem) {
        return false;
    }
    s->flags |= SF_PE;
    switch (s->round) {
    case SF_RN: inc = rem > half || (rem == half && (*sig & unit)); break;
    case SF_RU: inc = !sign; break;
    case SF_RD: inc = sign; break;
    default: inc = false; break;
    }
    if (!inc) {
        return false;
    }
    s->rounded_up = true;
    *sig += unit;
    return *sig == 0;
}

/* Masked overflow: infinity or the largest finite value, per the mode. */
static u128 overflow_result(bool sign, int32_t *e, const Fmt *f, SfStatus *s)
{
    bool to_inf = s->round == SF_RN || (s->round == SF_RU && !sign) ||
                  (s->round == SF_RD && sign);
    s->flags |= SF_OE | SF_PE;
    s->rounded_up = to_inf;
    if (to_inf) {
        *e = f->emax + 1;
        return TOP128;
    }
    *e = f->emax;
    return ~(((u128)1 << (128 - f->prec)) - 1);
}

/*
 * Rounds (sign, *e, sig) to format f; sig has its leading 1 at bit 127 or
 * is zero, *e is biased for f. Returns the significand (bit 127 = integer
 * bit, clear for denormals) and leaves the biased exponent field in *e.
 * Tininess is detected after rounding, as on x87 hardware. Unmasked
 * OE/UE: a register result (x87_adjust) gets its exponent biased by
 * 0x6000, or becomes infinity/zero when even that is out of range; a
 * memory result is not delivered, so only OE/UE is raised (no PE, no C1).
 */
static u128 round_sig(bool sign, int32_t *e, u128 sig, const Fmt *f, SfStatus *s)
{
    u128 unit = (u128)1 << (128 - f->prec);
    uint8_t flags0 = s->flags;
    bool inexact;
    if (sig == 0) {
        *e = 0;
        return 0;
    }
    if (*e < 1) {
        bool unmasked = !(s->masks & SF_UE);
        if (unmasked && f->x87_adjust) {
            s->flags |= SF_UE;
            *e += X87_EXP_ADJUST;
            if (*e < 1) {
                s->flags |= SF_PE;
                *e = 0;
                return 0;
            }
        } else {
            /* tiny after rounding: rounding at unbounded range stays below 1 */
            u128 probe = sig;
            SfStatus scratch = *s;
            bool tiny = *e < 0 || !round_at(&probe, unit, sign, &scratch, &inexact);
            if (tiny && unmasked) {
                s->flags |= SF_UE;
                return sig;
            }
            sig = shr_jam(sig, (unsigned)(1 - *e) > 128 ? 128 : (unsigned)(1 - *e));
            round_at(&sig, unit, sign, s, &inexact);
            *e = sig >> 127 ? 1 : 0;
            if (tiny && inexact) {
                s->flags |= SF_UE;
            }
            return sig;
        }
    }
    if (round_at(&sig, unit, sign, s, &inexact)) {
        sig = TOP128;
        ++*e;
    }
    if (*e > f->emax) {
        if (s->masks & SF_OE) {
            return overflow_result(sign, e, f, s);
        }
        if (!f->x87_adjust) {
            s->flags = flags0 | SF_OE;
            s->rounded_up = false;
            return sig;
        }
        s->flags |= SF_OE;
        *e -= X87_EXP_ADJUST;
        if (*e > f->emax) {
            s->flags |= SF_PE;
            s->rounded_up = true;
            *e = f->emax + 1;
            return TOP128;
        }
    }
    return sig;
}

/* The x87 register format at a precision control setting. */
static Fmt x80_fmt(unsigned prec)
{
    return (Fmt){ prec, X80_EMAX, SF_X80_BIAS, true };
}

/*
 * Rounds u to format f and returns the rounded value in extended format
 * (every binary32/64 value is exactly representable there).
 */
static SfX80 round_pack_fmt(const Unp *u, const Fmt *f, SfStatus *s)
{
    int32_t e = u->exp - SF_X80_BIAS + f->bias;
    u128 sig = round_sig(u->sign, &e, u->sig, f, s);
    if (f->bias == SF_X80_BIAS) {
        return x80_make(u->sign, (uint16_t)e, (uint64_t)(sig >> 64));
    }
    if (sig == 0) {
        return x80_zero(u->sign);
    }
    if (e > f->emax) {
        return x80_inf(u->sign);
    }
    unsigned lz = clz128(sig);
    return x80_make(u->sign, (uint16_t)((e ? e : 1) - f->bias + SF_X80_BIAS - (int32_t)lz),
                    (uint64_t)((sig << lz) >> 64));
}

static SfX80 round_pack_prec(const Unp *u, unsigned prec, SfStatus *s)
{
    Fmt f = x80_fmt(prec);
    return round_pack_fmt(u, &f, s);
}

/* Normalizes a nonzero 128-bit significand whose bit 127 has weight 2^(exp-bias). */
static Unp normalize(bool sign, int32_t exp, u128 sig)
{
    unsigned lz = clz128(sig);
    return (Unp){ sign, exp - (int32_t)lz, sig << lz };
}

/* --- basic arithmetic --- */

static SfX80 core_addsub(SfX80 a, SfX80 b, bool negb, const Fmt *f, SfStatus *s)
{
    SfClass ca, cb;
    SfX80 res;
    if (x80_special2(a, b, &ca, &cb, &res, s)) {
        return res;
    }
    bool sa = sf_x80_sign(a), sb = sf_x80_sign(b) ^ negb;
    if (ca == SF_INF && cb == SF_INF && sa != sb) {
        return sf_x80_invalid(s);
    }
    if (x80_denormal(ca, cb, a, &res, s)) {
        return res;
    }
    if (ca == SF_INF || cb == SF_INF) {
        return x80_inf(ca == SF_INF ? sa : sb);
    }
    if (ca == SF_ZERO && cb == SF_ZERO) {
        return x80_zero(sa == sb ? sa : s->round == SF_RD);
    }
    if (ca == SF_ZERO || cb == SF_ZERO) {
        Unp u = unpack(ca == SF_ZERO ? b : a);
        u.sign = ca == SF_ZERO ? sb : sa;
        return round_pack_fmt(&u, f, s);
    }
    Unp ua = unpack(a), ub = unpack(b);
    ub.sign = sb;
    if (ub.exp > ua.exp || (ub.exp == ua.exp && ub.sig > ua.sig)) {
        Unp t = ua;
        ua = ub;
        ub = t;
    }
    /* one bit of headroom for the carry; |a| >= |b| */
    u128 siga = ua.sig >> 1, sigb = shr_jam(ub.sig >> 1, (unsigned)(ua.exp - ub.exp) > 128
                                                       ? 128 : (unsigned)(ua.exp - ub.exp));
    u128 sum = ua.sign == ub.sign ? siga + sigb : siga - sigb;
    if (sum == 0) {
        return x80_zero(s->round == SF_RD);
    }
    Unp r = normalize(ua.sign, ua.exp + 1, sum);
    return round_pack_fmt(&r, f, s);
}

static SfX80 core_add(SfX80 a, SfX80 b, const Fmt *f, SfStatus *s)
{
    return core_addsub(a, b, false, f, s);
}

static SfX80 core_sub(SfX80 a, SfX80 b, const Fmt *f, SfStatus *s)
{
    return core_addsub(a, b, true, f, s);
}

static SfX80 core_mul(SfX80 a, SfX80 b, const Fmt *f, SfStatus *s)
{
    SfClass ca, cb;
    SfX80 res;
    if (x80_special2(a, b, &ca, &cb, &res, s)) {
        return res;
    }
    bool sign = sf_x80_sign(a) ^ sf_x80_sign(b);
    if ((ca == SF_INF || cb == SF_INF) && (ca == SF_ZERO || cb == SF_ZERO)) {
        return sf_x80_invalid(s);
    }
    if (x80_denormal(ca, cb, a, &res, s)) {
        return res;
    }
    if (ca == SF_INF || cb == SF_INF) {
        return x80_inf(sign);
    }
    if (ca == SF_ZERO || cb == SF_ZERO) {
        return x80_zero(sign);
    }
    Unp ua = unpack(a), ub = unpack(b);
    u128 p = (u128)(uint64_t)(ua.sig >> 64) * (uint64_t)(ub.sig >> 64);
    Unp r = normalize(sign, ua.exp + ub.exp - SF_X80_BIAS + 1, p);
    return round_pack_fmt(&r, f, s);
}

static SfX80 core_div(SfX80 a, SfX80 b, const Fmt *f, SfStatus *s)
{
    SfClass ca, cb;
    SfX80 res;
    if (x80_special2(a, b, &ca, &cb, &res, s)) {
        return res;
    }
    bool sign = sf_x80_sign(a) ^ sf_x80_sign(b);
    if ((ca == SF_INF && cb == SF_INF) || (ca == SF_ZERO && cb == SF_ZERO)) {
        return sf_x80_invalid(s);
    }
    if (cb == SF_ZERO && ca != SF_INF) {
        s->flags |= SF_ZE;
        return x80_inf(sign);
    }
    if (x80_denormal(ca, cb, a, &res, s)) {
        return res;
    }
    if (ca == SF_INF) {
        return x80_inf(sign);
    }
    if (ca == SF_ZERO || cb == SF_INF) {
        return x80_zero(sign);
    }
    Unp ua = unpack(a), ub = unpack(b);
    uint64_t ma = (uint64_t)(ua.sig >> 64), mb = (uint64_t)(ub.sig >> 64);
    int32_t exp = ua.exp - ub.exp + SF_X80_BIAS - 1;
    u128 num = (u128)ma << 64;
    if (ma >= mb) {
        num >>= 1;
        exp++;
    }
    uint64_t q1 = (uint64_t)(num / mb), r1 = (uint64_t)(num % mb);
    u128 num2 = (u128)r1 << 64;
    uint64_t q2 = (uint64_t)(num2 / mb), r2 = (uint64_t)(num2 % mb);
    Unp r = { sign, exp, ((u128)q1 << 64) | q2 | (r2 != 0) };
    return round_pack_fmt(&r, f, s);
}

/* floor(sqrt(n)) for n < 2^128. */
static uint64_t isqrt128(u128 n)
{
    double d = sqrt((double)n);
    uint64_t r = d >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)d;
    if (r) {
        u128 nr = ((u128)r + n / r) >> 1;                /* one Newton step */
        r = nr > UINT64_MAX ? UINT64_MAX : (uint64_t)nr;
    }
    while ((u128)r * r > n) {       /* at most a couple of corrections */
        r--;
    }
    while (r != UINT64_MAX && (u128)(r + 1) * (r + 1) <= n) {
        r++;
    }
    return r;
}

static SfX80 core_sqrt(SfX80 a, SfX80 unused, const Fmt *f, SfStatus *s)
{
    (void)unused;
    SfClass ca;
    SfX80 res;
    if (x80_special1(a, &ca, &res, s)) {
        return res;
    }
    if (ca == SF_ZERO) {
        return a;
    }
    if (sf_x80_sign(a)) {
        return sf_x80_invalid(s);
    }
    if (x80_denormal(ca, ca, a, &res, s) || ca == SF_INF) {
        return a;
    }
    Unp u = unpack(a);
    int32_t e = u.exp - SF_X80_BIAS;
    u128 n = (u128)(uint64_t)(u.sig >> 64) << ((e & 1) ? 64 : 63);
    uint64_t r = isqrt128(n);
    u128 rem = n - (u128)r * r;
    /* sqrt(n) >= r + 1/2 iff rem > r; the square root is never a tie */
    Unp q = { false, (e >> 1) + SF_X80_BIAS,
              ((u128)r << 64) | (rem > r ? (u128)1 << 63 : 0) | (rem != 0) };
    return round_pack_fmt(&q, f, s);
}

typedef SfX80 CoreFn(SfX80, SfX80, const Fmt *, SfStatus *);

static SfX80 x80_op(CoreFn *op, SfX80 a, SfX80 b, SfStatus *s)
{
    Fmt f = x80_fmt(s->prec);
    return op(a, b, &f, s);
}

SfX80 sf_x80_add(SfX80 a, SfX80 b, SfStatus *s) { return x80_op(core_add, a, b, s); }
SfX80 sf_x80_sub(SfX80 a, SfX80 b, SfStatus *s) { return x80_op(core_sub, a, b, s); }
SfX80 sf_x80_mul(SfX80 a, SfX80 b, SfStatus *s) { return x80_op(core_mul, a, b, s); }
SfX80 sf_x80_div(SfX80 a, SfX80 b, SfStatus *s) { return x80_op(core_div, a, b, s); }
SfX80 sf_x80_sqrt(SfX80 a, SfStatus *s) { return x80_op(core_sqrt, a, a, s); }

/* --- integers --- */

/*
 * The integer part of |u| (u normalized, unbiased exponent E <= 63)
 * rounded per the mode (or toward zero); sets PE and rounded_up.
 */
static uint64_t round_int_part(const Unp *u, bool truncate, SfStatus *s)
{
    int32_t e = u->exp - SF_X80_BIAS;
    uint64_t m = (uint64_t)(u->sig >> 64);
    u128 v = e >= -1 ? (u128)m << (e + 1) : shr_jam(m, (unsigned)(-(e + 1)) > 128
                                                          ? 128 : (unsigned)(-(e + 1)));
    SfStatus t = *s;
    bool inexact;
    if (truncate) {
        t.round = SF_RZ;
    }
    round_at(&v, (u128)1 << 64, u->sign, &t, &inexact);   /* v < 2^127: no carry out */
    s->flags = t.flags;
    s->rounded_up = t.rounded_up;
    return (uint64_t)(v >> 64);
}

static SfX80 x80_from_uint(bool sign, uint64_t mag)
{
    if (mag == 0) {
        return x80_zero(sign);
    }
    unsigned lz = (unsigned)__builtin_clzll(mag);
    return x80_make(sign, (uint16_t)(SF_X80_BIAS + 63 - lz), mag << lz);
}

SfX80 sf_x80_from_int64(int64_t v)
{
    return x80_from_uint(v < 0, v < 0 ? -(uint64_t)v : (uint64_t)v);
}

SfX80 sf_x80_round_int(SfX80 a, SfStatus *s)
{
    SfClass ca;
    SfX80 res;
    if (x80_special1(a, &ca, &res, s)) {
        return res;
    }
    if (x80_denormal(ca, ca, a, &res, s) || ca == SF_ZERO || ca == SF_INF) {
        return a;
    }
    Unp u = unpack(a);
    if (u.exp - SF_X80_BIAS >= 63) {
        return a;
    }
    return x80_from_uint(u.sign, round_int_part(&u, false, s));
}

int64_t sf_x80_to_int(SfX80 a, unsigned bits, bool truncate, SfStatus *s)
{
    SfClass ca = sf_x80_class(a);
    int64_t indefinite = (int64_t)(UINT64_MAX << (bits - 1));
    if (ca == SF_ZERO) {
        return 0;
    }
    if (ca != SF_NORMAL && ca != SF_DENORMAL) {
        s->flags |= SF_IE;
        return indefinite;
    }
    Unp u = unpack(a);
    if (u.exp - SF_X80_BIAS > 63) {
        s->flags |= SF_IE;
        return indefinite;
    }
    SfStatus t = *s;
    uint64_t mag = round_int_part(&u, truncate, &t);
    uint64_t limit = 1ull << (bits - 1);
    if (mag > limit || (mag == limit && !u.sign)) {
        s->flags |= SF_IE;
        return indefinite;
    }
    *s = t;
    return u.sign ? (int64_t)-mag : (int64_t)mag;
}

/* --- binary32/binary64 --- */

static SfX80 x80_from_bin(bool sign, int32_t e, uint64_t frac, const Fmt *f, SfStatus *s)
{
    unsigned fbits = f->prec - 1;
    uint64_t mant = frac << (63 - fbits);
    if (e == f->emax + 1) {
        if (frac == 0) {
            return x80_inf(sign);
        }
        if (!((frac >> (fbits - 1)) & 1)) {
            s->flags |= SF_IE;
        }
        return x80_quiet(x80_make(sign, 0x7fff, 1ull << 63 | mant));
    }
    if (e == 0) {
        if (frac == 0) {
            return x80_zero(sign);
        }
        s->flags |= SF_DE;
        unsigned lz = (unsigned)__builtin_clzll(mant);
        return x80_make(sign, (uint16_t)(1 - f->bias + SF_X80_BIAS - (int32_t)lz), mant << lz);
    }
    return x80_make(sign, (uint16_t)(e - f->bias + SF_X80_BIAS), 1ull << 63 | mant);
}

static SfX80 bin_to_x80(uint64_t v, const Fmt *f, SfStatus *s)
{
    unsigned fbits = f->prec - 1, ebits = f == &FMT_F32 ? 8 : 11;
    return x80_from_bin((v >> (fbits + ebits)) & 1, (int32_t)((v >> fbits) & ((1u << ebits) - 1)),
                        v & ((1ull << fbits) - 1), f, s);
}

SfX80 sf_x80_from_f32(uint32_t v, SfStatus *s) { return bin_to_x80(v, &FMT_F32, s); }
SfX80 sf_x80_from_f64(uint64_t v, SfStatus *s) { return bin_to_x80(v, &FMT_F64, s); }

/* The binary32/64 encoding of (sign, exponent field, significand at bit 127). */
static uint64_t bin_pack(bool sign, int32_t e, u128 sig, const Fmt *f)
{
    unsigned fbits = f->prec - 1, width = fbits + (f == &FMT_F32 ? 9 : 12);
    uint64_t frac = (uint64_t)(sig >> (128 - f->prec)) & ((1ull << fbits) - 1);
    return (uint64_t)sign << (width - 1) | (uint64_t)e << fbits | frac;
}

static uint64_t x80_to_bin(SfX80 a, const Fmt *f, SfStatus *s)
{
    SfClass ca = sf_x80_class(a);
    bool sign = sf_x80_sign(a);
    switch (ca) {
    case SF_UNSUPPORTED:
        s->flags |= SF_IE;
        return bin_pack(true, f->emax + 1, (u128)3 << 126, f);
    case SF_SNAN:
        s->flags |= SF_IE;
        /* fall through */
    case SF_QNAN:
        return bin_pack(sign, f->emax + 1, (u128)(a.mant | 1ull << 62) << 64, f);
    case SF_INF:
        return bin_pack(sign, f->emax + 1, 0, f);
    case SF_ZERO:
        return bin_pack(sign, 0, 0, f);
    default: {
        Unp u = unpack(a);
        int32_t e = u.exp - SF_X80_BIAS + f->bias;
        u128 sig = round_sig(sign, &e, u.sig, f, s);
        return bin_pack(sign, e, sig, f);
    }
    }
}

uint32_t sf_x80_to_f32(SfX80 a, SfStatus *s) { return (uint32_t)x80_to_bin(a, &FMT_F32, s); }
uint64_t sf_x80_to_f64(SfX80 a, SfStatus *s) { return x80_to_bin(a, &FMT_F64, s); }

/*
 * binary32/64 arithmetic: the operands are widened exactly and the result
 * is rounded once to the target format. A denormal operand raises DE
 * unless a NaN operand, IE or ZE takes precedence; an unmasked DE reports
 * nothing else. NaN results: the first NaN operand, quieted (SSE rule).
 */
static uint64_t bin_arith(CoreFn *op, uint64_t a, uint64_t b, const Fmt *f, SfStatus *s)
{
    SfStatus t = *s, exact = { .masks = SF_ALL };
    t.flags = 0;
    t.first_nan = true;
    SfX80 xa = bin_to_x80(a, f, &t), xb = bin_to_x80(b, f, &t);
    bool den = t.flags & SF_DE, nan = sf_x80_is_nan(xa) || sf_x80_is_nan(xb);
    t.flags &= (uint8_t)~SF_DE;
    SfX80 r = op(xa, xb, f, &t);
    if (den && !nan && !(t.flags & (SF_IE | SF_ZE))) {
        bool stop = !(s->masks & SF_DE);
        t.flags = stop ? SF_DE : t.flags | SF_DE;
        t.rounded_up = t.rounded_up && !stop;
    }
    s->flags |= t.flags;
    s->rounded_up = t.rounded_up;
    return x80_to_bin(r, f, &exact);
}

uint32_t sf_f32_add(uint32_t a, uint32_t b, SfStatus *s)
{
    return (uint32_t)bin_arith(core_add, a, b, &FMT_F32, s);
}
uint32_t sf_f32_sub(uint32_t a, uint32_t b, SfStatus *s)
{
    return (uint32_t)bin_arith(core_sub, a, b, &FMT_F32, s);
}
uint32_t sf_f32_mul(uint32_t a, uint32_t b, SfStatus *s)
{
    return (uint32_t)bin_arith(core_mul, a, b, &FMT_F32, s);
}
uint32_t sf_f32_div(uint32_t a, uint32_t b, SfStatus *s)
{
    return (uint32_t)bin_arith(core_div, a, b, &FMT_F32, s);
}
uint32_t sf_f32_sqrt(uint32_t a, SfStatus *s)
{
    return (uint32_t)bin_arith(core_sqrt, a, a, &FMT_F32, s);
}
uint64_t sf_f64_add(uint64_t a, uint64_t b, SfStatus *s)
{
    return bin_arith(core_add, a, b, &FMT_F64, s);
}
uint64_t sf_f64_sub(uint64_t a, uint64_t b, SfStatus *s)
{
    return bin_arith(core_sub, a, b, &FMT_F64, s);
}
uint64_t sf_f64_mul(uint64_t a, uint64_t b, SfStatus *s)
{
    return bin_arith(core_mul, a, b, &FMT_F64, s);
}
uint64_t sf_f64_div(uint64_t a, uint64_t b, SfStatus *s)
{
    return bin_arith(core_div, a, b, &FMT_F64, s);
}
uint64_t sf_f64_sqrt(uint64_t a, SfStatus *s) { return bin_arith(core_sqrt, a, a, &FMT_F64, s); }

/* --- comparison --- */

SfRel sf_x80_compare(SfX80 a, SfX80 b, bool quiet, SfStatus *s)
{
    SfClass ca = sf_x80_class(a), cb = sf_x80_class(b);
    bool na = ca >= SF_QNAN, nb = cb >= SF_QNAN;
    if (na || nb) {
        if (!quiet || ca == SF_SNAN || cb == SF_SNAN || ca == SF_UNSUPPORTED ||
            cb == SF_UNSUPPORTED) {
            s->flags |= SF_IE;
        }
        return SF_UN;
    }
    if (ca == SF_DENORMAL || cb == SF_DENORMAL) {
        s->flags |= SF_DE;
    }
    if (ca == SF_ZERO && cb == SF_ZERO) {
        return SF_EQ;
    }
    bool sa = sf_x80_sign(a), sb = sf_x80_sign(b);
    if (sa != sb) {
        return sa ? SF_LT : SF_GT;
    }
    /* same sign: compare magnitudes (infinity largest, zero smallest) */
    Unp ua = ca == SF_ZERO || ca == SF_INF ? (Unp){ sa, ca == SF_INF ? INT32_MAX : INT32_MIN, 0 }
                                           : unpack(a);
    Unp ub = cb == SF_ZERO || cb == SF_INF ? (Unp){ sb, cb == SF_INF ? INT32_MAX : INT32_MIN, 0 }
                                           : unpack(b);
    int mag = ua.exp != ub.exp ? (ua.exp < ub.exp ? -1 : 1)
                               : (ua.sig != ub.sig ? (ua.sig < ub.sig ? -1 : 1) : 0);
    if (sa) {
        mag = -mag;
    }
    return mag < 0 ? SF_LT : mag > 0 ? SF_GT : SF_EQ;
}

/* --- FSCALE, FXTRACT, FPREM --- */

SfX80 sf_x80_scale(SfX80 a, SfX80 b, SfStatus *s)
{
    SfClass ca, cb;
    SfX80 res;
    if (x80_special2(a, b, &ca, &cb, &res, s)) {
        return res;
    }
    bool sa = sf_x80_sign(a), up = !sf_x80_sign(b);
    if (cb == SF_INF && ((up && ca == SF_ZERO) || (!up && ca == SF_INF))) {
        return sf_x80_invalid(s);
    }
    if (x80_denormal(ca, cb, a, &res, s)) {
        return res;
    }
    if (cb == SF_INF) {
        return ca == SF_ZERO || ca == SF_INF ? a : up ? x80_inf(sa) : x80_zero(sa);
    }
    if (ca == SF_ZERO || ca == SF_INF) {
        return a;
    }
    int32_t n = 0;
    if (cb != SF_ZERO) {
        Unp ub = unpack(b);
        int32_t eb = ub.exp - SF_X80_BIAS;
        uint64_t mag = eb < 0 ? 0 : eb > 16 ? 65536 : (uint64_t)(ub.sig >> (127 - eb));
        n = (int32_t)(mag > 65536 ? 65536 : mag);
        n = ub.sign ? -n : n;
    }
    Unp u = unpack(a);
    u.exp += n;
    return round_pack_prec(&u, 64, s);
}

void sf_x80_extract(SfX80 a, SfX80 *sig, SfX80 *exp, SfStatus *s)
{
    SfClass ca;
    if (x80_special1(a, &ca, sig, s)) {
        *exp = *sig;
        return;
    }
    bool sa = sf_x80_sign(a);
    if (x80_denormal(ca, ca, a, sig, s)) {
        *exp = *sig;
        return;
    }
    if (ca == SF_ZERO) {
        s->flags |= SF_ZE;
        *exp = x80_inf(true);
        *sig = a;
    } else if (ca == SF_INF) {
        *exp = x80_inf(false);
        *sig = a;
    } else {
        Unp u = unpack(a);
        *exp = sf_x80_from_int64(u.exp - SF_X80_BIAS);
        *sig = x80_make(sa, SF_X80_BIAS, (uint64_t)(u.sig >> 64));
    }
}

/* Bits of quotient a partial FPREM step develops (SDM: N between 32 and 63). */
static int32_t rem_partial_bits(int32_t d)
{
    return 32 + (d & 31);
}

SfX80 sf_x80_rem(SfX80 a, SfX80 b, bool nearest, unsigned *quot, bool *partial,
                 SfStatus *s)
{
    SfClass ca, cb;
    SfX80 res;
    *quot = 0;
    *partial = false;
    if (x80_special2(a, b, &ca, &cb, &res, s)) {
        return res;
    }
    if (ca == SF_INF || cb == SF_ZERO) {
        return sf_x80_invalid(s);
    }
    if (x80_denormal(ca, cb, a, &res, s) || ca == SF_ZERO || cb == SF_INF) {
        return a;
    }
    Unp ua = unpack(a), ub = unpack(b);
    int32_t d = ua.exp - ub.exp;
    uint64_t ma = (uint64_t)(ua.sig >> 64), mb = (uint64_t)(ub.sig >> 64);
    if (d < (nearest ? -1 : 0)) {
        Unp r = ua;
        return round_pack_prec(&r, 64, s);
    }
    if (d >= 64) {
        int32_t n = rem_partial_bits(d);
        uint64_t r = (uint64_t)(((u128)ma << n) % mb);
        *partial = true;
        if (r == 0) {
            return x80_zero(ua.sign);
        }
        Unp u = normalize(ua.sign, ub.exp + (d - n) + 64, r);
        return round_pack_prec(&u, 64, s);
    }
    u128 num = (u128)ma << (d + 1), den = (u128)mb << 1;
    uint64_t q = (uint64_t)(num / den);
    u128 r = num % den;
    bool sign = ua.sign;
    if (nearest && (2 * r > den || (2 * r == den && (q & 1)))) {
        q++;
        r = den - r;
        sign = !sign;
    }
    *quot = q & 7;
    if (r == 0) {
        return x80_zero(ua.sign);
    }
    Unp u = normalize(sign, ub.exp + 63, r);
    return round_pack_prec(&u, 64, s);
}
