/*
 * softfloat.h - guest-independent IEEE 754 binary floating point in
 * software: 80-bit extended (x87 register format) arithmetic with the x87
 * precision control, and the 32/64-bit binary formats (conversions and
 * the basic operations, for SSE).
 *
 * Invariants and conventions:
 * - Flags and masks use the x87 status/control word bit layout
 *   (SF_IE..SF_PE, also MXCSR's), so callers OR them in directly.
 * - Rounding modes use the x87 RC encoding (nearest, down, up, zero).
 * - A result is always returned; whether an unmasked exception prevents
 *   storing it is the caller's decision. The masks change what is
 *   computed only where the x87 does: an unmasked DE stops an operation
 *   (only DE is raised); unmasked OE/UE give an extended result with its
 *   exponent biased by -/+ 0x6000 (SDM Vol. 1 8.5.4/8.5.5) and a binary32/
 *   64 result only the OE/UE flag.
 * - Unsupported extended encodings (unnormals, pseudo-NaNs/infinities) are
 *   invalid operands; pseudo-denormals are accepted as denormals.
 * - NaN results follow SDM Vol. 1 Table 4-7 (x87 column); an invalid
 *   operation without a NaN operand gives the real indefinite.
 * - Needs a 64-bit host compiler with unsigned __int128 (GCC/Clang on
 *   x86-64 and AArch64).
 */
#ifndef KESTREL_CPU_SOFTFLOAT_H
#define KESTREL_CPU_SOFTFLOAT_H

#include <stdbool.h>
#include <stdint.h>

/* An 80-bit extended value: explicit integer bit in mant bit 63. */
typedef struct SfX80 {
    uint64_t mant;
    uint16_t se;                /* sign in bit 15, biased exponent */
} SfX80;

enum {
    SF_IE = 0x01, SF_DE = 0x02, SF_ZE = 0x04, SF_OE = 0x08, SF_UE = 0x10, SF_PE = 0x20,
    SF_ALL = 0x3f,
};
enum { SF_RN = 0, SF_RD = 1, SF_RU = 2, SF_RZ = 3 };

typedef struct SfStatus {
    uint8_t round;              /* SF_RN.. */
    uint8_t prec;               /* significand bits of x80 results: 24, 53 or 64 */
    uint8_t masks;              /* masked exceptions (x87 FCW bits 0-5) */
    uint8_t flags;              /* raised exceptions, sticky */
    bool rounded_up;            /* the last rounding increased the magnitude (x87 C1) */
    bool first_nan;             /* NaN result: first NaN operand (SSE), not Table 4-7 */
} SfStatus;

/* Comparison results (values match nothing in particular). */
typedef enum SfRel { SF_LT, SF_EQ, SF_GT, SF_UN } SfRel;

#define SF_X80_BIAS 16383
#define SF_X80_INDEFINITE ((SfX80){ 0xc000000000000000ull, 0xffff })

/* Classification of x80 encodings. */
typedef enum SfClass {
    SF_ZERO, SF_DENORMAL, SF_NORMAL, SF_INF, SF_QNAN, SF_SNAN, SF_UNSUPPORTED,
} SfClass;
SfClass sf_x80_class(SfX80 a);
static inline bool sf_x80_sign(SfX80 a) { return a.se >> 15; }
static inline bool sf_x80_is_nan(SfX80 a)
{
    SfClass c = sf_x80_class(a);
    return c == SF_QNAN || c == SF_SNAN;
}

/* Arithmetic, rounded to s->prec bits. */
SfX80 sf_x80_add(SfX80 a, SfX80 b, SfStatus *s);
SfX80 sf_x80_sub(SfX80 a, SfX80 b, SfStatus *s);
SfX80 sf_x80_mul(SfX80 a, SfX80 b, SfStatus *s);
SfX80 sf_x80_div(SfX80 a, SfX80 b, SfStatus *s);
SfX80 sf_x80_sqrt(SfX80 a, SfStatus *s);
/* Round to an integral value in the current rounding mode (FRNDINT). */
SfX80 sf_x80_round_int(SfX80 a, SfStatus *s);
/* a * 2^trunc(b) (FSCALE). */
SfX80 sf_x80_scale(SfX80 a, SfX80 b, SfStatus *s);
/* FXTRACT: a = *sig * 2^*exp, *sig in [1, 2). */
void sf_x80_extract(SfX80 a, SfX80 *sig, SfX80 *exp, SfStatus *s);
/*
 * Partial remainder (FPREM with nearest=false, FPREM1 with nearest=true).
 * Returns the remainder; *quot gets the low 3 quotient bits and *partial
 * is set when the reduction is incomplete (x87 C2).
 */
SfX80 sf_x80_rem(SfX80 a, SfX80 b, bool nearest, unsigned *quot, bool *partial,
                 SfStatus *s);
/* Compare; quiet=true raises IE only for SNaNs (FUCOM), else for any NaN. */
SfRel sf_x80_compare(SfX80 a, SfX80 b, bool quiet, SfStatus *s);

/* Conversions. Integers out of range give IE and the integer indefinite. */
SfX80 sf_x80_from_int64(int64_t v);
int64_t sf_x80_to_int(SfX80 a, unsigned bits, bool truncate, SfStatus *s);
SfX80 sf_x80_from_f32(uint32_t f, SfStatus *s);
SfX80 sf_x80_from_f64(uint64_t f, SfStatus *s);
uint32_t sf_x80_to_f32(SfX80 a, SfStatus *s);
uint64_t sf_x80_to_f64(SfX80 a, SfStatus *s);

/*
 * binary32/binary64 arithmetic, correctly rounded in s->round (s->prec is
 * ignored); NaN results follow the SSE rule (first NaN operand, quieted).
 * No DAZ/FTZ: callers that need them adjust operands and results.
 */
uint32_t sf_f32_add(uint32_t a, uint32_t b, SfStatus *s);
uint32_t sf_f32_sub(uint32_t a, uint32_t b, SfStatus *s);
uint32_t sf_f32_mul(uint32_t a, uint32_t b, SfStatus *s);
uint32_t sf_f32_div(uint32_t a, uint32_t b, SfStatus *s);
uint32_t sf_f32_sqrt(uint32_t a, SfStatus *s);
uint64_t sf_f64_add(uint64_t a, uint64_t b, SfStatus *s);
uint64_t sf_f64_sub(uint64_t a, uint64_t b, SfStatus *s);
uint64_t sf_f64_mul(uint64_t a, uint64_t b, SfStatus *s);
uint64_t sf_f64_div(uint64_t a, uint64_t b, SfStatus *s);
uint64_t sf_f64_sqrt(uint64_t a, SfStatus *s);

/*
 * Transcendentals (softfloat_trans.c). Computed in the host's long double
 * (x87 extended on x86-64 hosts, binary128 elsewhere); see that file for
 * the accuracy. *out_of_range is set (x87 C2) and a returned unchanged
 * when |a| >= 2^63 for the trigonometric functions.
 */
SfX80 sf_x80_f2xm1(SfX80 a, SfStatus *s);
SfX80 sf_x80_yl2x(SfX80 y, SfX80 x, SfStatus *s);
SfX80 sf_x80_yl2xp1(SfX80 y, SfX80 x, SfStatus *s);
SfX80 sf_x80_atan2(SfX80 y, SfX80 x, SfStatus *s);
void sf_x80_sincos(SfX80 a, SfX80 *sin, SfX80 *cos, bool *out_of_range, SfStatus *s);
SfX80 sf_x80_tan(SfX80 a, bool *out_of_range, SfStatus *s);

/* Shared with softfloat_trans.c: NaN propagation and invalid handling. */
bool sf_x80_nan_operands(SfX80 a, SfX80 b, SfX80 *res, SfStatus *s);
bool sf_x80_denormal_stop(bool denormal, SfX80 a, SfX80 *res, SfStatus *s);
SfX80 sf_x80_invalid(SfStatus *s);

#endif
