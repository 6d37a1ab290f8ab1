/*
 * fpu_insn.c - the semantics of the x87 data and arithmetic instructions
 * (everything but the control instructions of fpu_helper.c), decoded from
 * the escape (D8..DF as 0..7) and ModRM as in SDM Vol. 2 Tables A-7 to
 * A-22; the arithmetic itself is cpu/softfloat.c.
 *
 * Invariants: memory operands are read before any state changes and
 * memory results are written before the stack pops, so a fault leaves the
 * FPU intact. A stack underflow (empty source) or overflow (push onto a
 * full ST(7)) sets IE with SF and C1 = overflow; when IE is masked the
 * destination receives the real indefinite (SDM Vol. 1 8.5.1.1). Stack
 * faults and all flags reach FSW only in fpu_commit().
 */
#include "cpu/fpu.h"

#define REG_BLOCK (SF_IE | SF_DE | SF_ZE)
#define MEM_BLOCK (REG_BLOCK | SF_OE | SF_UE)

typedef SfX80 SfBinFn(SfX80, SfX80, SfStatus *);
typedef SfX80 SfUnFn(SfX80, SfStatus *);

typedef enum FpuFmt { FMT_F32, FMT_F64, FMT_X80, FMT_I16, FMT_I32, FMT_I64, FMT_BCD } FpuFmt;

static bool fpu_blocked(const FpuCtx *c, unsigned which)
{
    return (c->s.flags & ~c->s.masks & which) != 0;
}

static bool fpu_empty(const CPUX86State *env, unsigned i)
{
    return env->fptags[fpu_phys(env, i)] != 0;
}

/* A stack fault takes precedence over a denormal memory operand. */
static void fpu_stack_fault(FpuCtx *c, bool overflow)
{
    c->s.flags = (uint8_t)((c->s.flags & ~SF_DE) | SF_IE);
    c->stack_fault = true;
    c->overflow = overflow;
}

/* ST(i) as a source: an empty register is a stack underflow. */
static SfX80 fpu_read(FpuCtx *c, unsigned i)
{
    if (fpu_empty(c->env, i)) {
        fpu_stack_fault(c, false);
        return SF_X80_INDEFINITE;
    }
    return fpu_get(c->env, i);
}

static void fpu_set(CPUX86State *env, unsigned i, SfX80 v)
{
    unsigned p = fpu_phys(env, i);
    env->fpregs[p] = (FloatX80){ v.mant, v.se };
    env->fptags[p] = 0;
}

static void fpu_write(FpuCtx *c, unsigned i, SfX80 v)
{
    if (!fpu_blocked(c, REG_BLOCK)) {
        fpu_set(c->env, i, c->stack_fault ? SF_X80_INDEFINITE : v);
    }
}

static void fpu_pop(FpuCtx *c)
{
    CPUX86State *env = c->env;
    if (!fpu_blocked(c, REG_BLOCK)) {
        env->fptags[fpu_phys(env, 0)] = 1;
        env->fpstt = (env->fpstt + 1) & 7;
    }
}

static void fpu_push(FpuCtx *c, SfX80 v)
{
    CPUX86State *env = c->env;
    if (!fpu_empty(env, 7)) {
        fpu_stack_fault(c, true);
    }
    if (!fpu_blocked(c, REG_BLOCK)) {
        env->fpstt = (env->fpstt - 1) & 7;
        fpu_set(env, 0, c->stack_fault ? SF_X80_INDEFINITE : v);
    }
}

static void fpu_set_cc(FpuCtx *c, uint16_t cc, uint16_t mask)
{
    if (!fpu_blocked(c, REG_BLOCK)) {
        c->env->fpus = (uint16_t)((c->env->fpus & ~mask) | cc);
    }
}

/* Compares set the condition codes even with an unmasked exception
 * (unordered after an invalid operand), as the host x87 does. */
static void fpu_set_rel(FpuCtx *c, SfRel r)
{
    static const uint16_t cc[] = {
        [SF_LT] = FSW_C0, [SF_EQ] = FSW_C3, [SF_GT] = 0, [SF_UN] = FSW_C0 | FSW_C2 | FSW_C3,
    };
    c->env->fpus = (uint16_t)((c->env->fpus & ~(FSW_C0 | FSW_C2 | FSW_C3)) | cc[r]);
}

/* --- memory formats --- */

static SfX80 fpu_load_bcd(const FpuAccess *a)
{
    uint64_t lo = fpa_ld(a, 0, MO_64);
    unsigned hi = (unsigned)fpa_ld(a, 8, MO_16);
    int64_t v = (hi & 0xf) + 10 * ((hi >> 4) & 0xf);
    for (int byte = 7; byte >= 0; byte--) {
        unsigned b = (lo >> (8 * byte)) & 0xff;
        v = v * 100 + (b >> 4) * 10 + (b & 0xf);
    }
    SfX80 r = sf_x80_from_int64(v);
    r.se |= (uint16_t)(hi & 0x8000);
    return r;
}

static SfX80 fpu_load(FpuCtx *c, FpuFmt f, const FpuAccess *a)
{
    switch (f) {
    case FMT_F32: return sf_x80_from_f32((uint32_t)fpa_ld(a, 0, MO_32), &c->s);
    case FMT_F64: return sf_x80_from_f64(fpa_ld(a, 0, MO_64), &c->s);
    case FMT_X80: {
        uint64_t mant = fpa_ld(a, 0, MO_64);
        return (SfX80){ mant, (uint16_t)fpa_ld(a, 8, MO_16) };
    }
    case FMT_I16: return sf_x80_from_int64((int16_t)fpa_ld(a, 0, MO_16));
    case FMT_I32: return sf_x80_from_int64((int32_t)fpa_ld(a, 0, MO_32));
    case FMT_I64: return sf_x80_from_int64((int64_t)fpa_ld(a, 0, MO_64));
    default: return fpu_load_bcd(a);
    }
}

#define BCD_MAX 999999999999999999ll

/* FBSTP: 18 digits and a sign byte; out of range is IE and the indefinite. */
static void fpu_bcd_image(FpuCtx *c, SfX80 v, uint64_t *lo, uint16_t *hi)
{
    SfStatus t = c->s;
    t.flags = 0;
    int64_t n = sf_x80_to_int(v, 64, false, &t);
    if ((t.flags & SF_IE) || n > BCD_MAX || n < -BCD_MAX) {
        c->s.flags |= SF_IE;
        *lo = 0xc000000000000000ull;
        *hi = 0xffff;
        return;
    }
    c->s.flags |= t.flags;
    c->s.rounded_up = t.rounded_up;
    uint64_t m = (uint64_t)(n < 0 ? -n : n), digits = 0;
    for (int byte = 0; byte < 8; byte++, m /= 100) {
        digits |= (uint64_t)((m % 100 / 10) << 4 | m % 10) << (8 * byte);
    }
    *lo = digits;
    *hi = (uint16_t)((sf_x80_sign(v) ? 0x8000 : 0) | (m / 10) << 4 | m % 10);
}

/* FST/FIST/FBSTP ST(0) to memory, then pop if asked. */
static void fpu_store(FpuCtx *c, FpuFmt f, bool truncate, bool pop, const FpuAccess *a)
{
    static const uint8_t int_bits[] = { [FMT_I16] = 16, [FMT_I32] = 32, [FMT_I64] = 64 };
    static const MemOp mo[] = { [FMT_F32] = MO_32, [FMT_F64] = MO_64, [FMT_I16] = MO_16,
                                [FMT_I32] = MO_32, [FMT_I64] = MO_64 };
    SfX80 v = fpu_read(c, 0);
    uint64_t bits = 0;
    uint16_t hi = 0;
    switch (f) {
    case FMT_F32: bits = sf_x80_to_f32(v, &c->s); break;
    case FMT_F64: bits = sf_x80_to_f64(v, &c->s); break;
    case FMT_X80: bits = v.mant; hi = v.se; break;
    case FMT_BCD: fpu_bcd_image(c, v, &bits, &hi); break;
    default: bits = (uint64_t)sf_x80_to_int(v, int_bits[f], truncate, &c->s); break;
    }
    if (fpu_blocked(c, MEM_BLOCK)) {
        return;
    }
    if (f == FMT_X80 || f == FMT_BCD) {
        fpa_st(a, 8, hi, MO_16);        /* the higher address first: one fault check */
        fpa_st(a, 0, bits, MO_64);
    } else {
        fpa_st(a, 0, bits, mo[f]);
    }
    if (pop) {
        fpu_pop(c);
    }
}

/* --- arithmetic and compares --- */

/* By ModRM.reg in the D8 numbering; reg 2 and 3 are FCOM/FCOMP. */
static const struct {
    SfBinFn *fn;
    bool reverse;
} fpu_arith[8] = {
    { sf_x80_add, false }, { sf_x80_mul, false }, { NULL, false }, { NULL, false },
    { sf_x80_sub, false }, { sf_x80_sub, true }, { sf_x80_div, false }, { sf_x80_div, true },
};

static SfX80 fpu_binop(FpuCtx *c, unsigned reg, SfX80 dst, SfX80 src)
{
    if (c->stack_fault || fpu_blocked(c, REG_BLOCK)) {
        return dst;
    }
    return fpu_arith[reg].reverse ? fpu_arith[reg].fn(src, dst, &c->s)
                                  : fpu_arith[reg].fn(dst, src, &c->s);
}

static void fpu_compare(FpuCtx *c, SfX80 a, SfX80 b, bool quiet)
{
    fpu_set_rel(c, c->stack_fault ? SF_UN : sf_x80_compare(a, b, quiet, &c->s));
}

/* FCOMI/FUCOMI(P): the relation in ZF, PF, CF; OF, SF, AF cleared. */
static void fpu_comi(FpuCtx *c, unsigned i, bool quiet, bool pop)
{
    static const uint32_t fl[] = { [SF_LT] = CC_C, [SF_EQ] = CC_Z, [SF_GT] = 0,
                                   [SF_UN] = CC_Z | CC_P | CC_C };
    CPUX86State *env = c->env;
    SfX80 a = fpu_read(c, 0), b = fpu_read(c, i);
    SfRel r = c->stack_fault ? SF_UN : sf_x80_compare(a, b, quiet, &c->s);
    cpu_cc_materialize(env);
    env->cc_src = (env->cc_src & ~(uint64_t)CC_ALL) | fl[r];
    if (pop) {
        fpu_pop(c);
    }
}

static void fpu_st0_op_with(FpuCtx *c, unsigned reg, SfX80 st0, SfX80 src)
{
    if (reg == 2 || reg == 3) {
        fpu_compare(c, st0, src, false);
        if (reg == 3) {
            fpu_pop(c);
        }
        return;
    }
    fpu_write(c, 0, fpu_binop(c, reg, st0, src));
}

/* ST(0) = ST(0) op src, or a compare of ST(0) with src (reg 2, 3 pops). */
static void fpu_st0_op(FpuCtx *c, unsigned reg, SfX80 src)
{
    SfX80 st0 = fpu_read(c, 0);
    fpu_st0_op_with(c, reg, st0, src);
}

/*
 * The memory forms: a binary32/64 denormal operand is normal in extended
 * format, so its DE is raised here, where the arithmetic would (not for a
 * NaN ST(0) or a stack fault; an unmasked DE stops the operation).
 */
static void fpu_st0_op_mem(FpuCtx *c, unsigned reg, SfX80 src)
{
    bool den = c->s.flags & SF_DE;
    c->s.flags &= (uint8_t)~SF_DE;
    SfX80 st0 = fpu_read(c, 0), dummy;
    SfClass k = sf_x80_class(st0);
    bool zero_divisor = reg == 7 && k == SF_ZERO;      /* FDIVR: ZE comes first */
    if (den && !c->stack_fault && k != SF_QNAN && k != SF_SNAN && k != SF_UNSUPPORTED &&
        !zero_divisor) {
        sf_x80_denormal_stop(true, st0, &dummy, &c->s);
    }
    fpu_st0_op_with(c, reg, st0, src);
}

/* DC/DE register forms: ST(i) = ST(i) op ST(0), SUB/SUBR and DIV/DIVR
 * swapped in the encoding (SDM: DC E0+i is FSUBR ST(i), ST(0)). */
static void fpu_sti_op(FpuCtx *c, unsigned reg, unsigned i, bool pop)
{
    if (reg == 2 || reg == 3) {             /* undocumented FCOM/FCOMP aliases */
        fpu_st0_op(c, reg, fpu_read(c, i));
        return;
    }
    SfX80 st0 = fpu_read(c, 0), sti = fpu_read(c, i);
    fpu_write(c, i, fpu_binop(c, reg >= 4 ? reg ^ 1 : reg, sti, st0));
    if (pop) {
        fpu_pop(c);
    }
}

static void fpu_fxch(FpuCtx *c, unsigned i)
{
    SfX80 a = fpu_read(c, 0), b = fpu_read(c, i);       /* empty: indefinite */
    if (!fpu_blocked(c, REG_BLOCK)) {
        fpu_set(c->env, 0, b);
        fpu_set(c->env, i, a);
    }
}

static void fpu_fst_reg(FpuCtx *c, unsigned i, bool pop)
{
    fpu_write(c, i, fpu_read(c, 0));
    if (pop) {
        fpu_pop(c);
    }
}

/* FCMOVcc: cond 0..3 = B, E, BE, U (DA), negated in DB. */
static void fpu_fcmov(FpuCtx *c, unsigned cond, bool neg, unsigned i)
{
    static const uint32_t need[] = { CC_C, CC_Z, CC_C | CC_Z, CC_P };
    CPUX86State *env = c->env;
    SfX80 v = fpu_read(c, i);
    fpu_read(c, 0);
    cpu_cc_materialize(env);
    if (((env->cc_src & need[cond]) != 0) != neg || c->stack_fault) {
        fpu_write(c, 0, v);
    }
}

/* --- D9 E0..FF: one-byte operations --- */

static void op_fchs(FpuCtx *c)
{
    SfX80 v = fpu_read(c, 0);
    v.se ^= 0x8000;
    fpu_write(c, 0, v);
}

static void op_fabs(FpuCtx *c)
{
    SfX80 v = fpu_read(c, 0);
    v.se &= 0x7fff;
    fpu_write(c, 0, v);
}

static void op_ftst(FpuCtx *c)
{
    fpu_compare(c, fpu_read(c, 0), (SfX80){ 0, 0 }, false);
}

static void op_fxam(FpuCtx *c)
{
    static const uint16_t cls[] = {
        [SF_ZERO] = FSW_C3, [SF_DENORMAL] = FSW_C3 | FSW_C2, [SF_NORMAL] = FSW_C2,
        [SF_INF] = FSW_C2 | FSW_C0, [SF_QNAN] = FSW_C0, [SF_SNAN] = FSW_C0,
        [SF_UNSUPPORTED] = 0,
    };
    SfX80 v = fpu_get(c->env, 0);
    uint16_t cc = fpu_empty(c->env, 0) ? FSW_C3 | FSW_C0 : cls[sf_x80_class(v)];
    fpu_set_cc(c, (uint16_t)(cc | (sf_x80_sign(v) ? FSW_C1 : 0)), FSW_CC);
}

/* FLD constants: 64 bits plus the next 64, rounded per RC (SDM: the x87
 * rounds its 66-bit internal constants to the current rounding mode). */
static const struct {
    uint64_t mant, extra;
    uint16_t exp;
} fpu_consts[7] = {
    { 0x8000000000000000ull, 0, 0x3fff },                       /* FLD1 */
    { 0xd49a784bcd1b8afeull, 0x492bf6ff4dafdb4cull, 0x4000 },   /* FLDL2T */
    { 0xb8aa3b295c17f0bbull, 0xbe87fed0691d3e88ull, 0x3fff },   /* FLDL2E */
    { 0xc90fdaa22168c234ull, 0xc4c6628b80dc1cd1ull, 0x4000 },   /* FLDPI */
    { 0x9a209a84fbcff798ull, 0x8f8959ac0b7c9178ull, 0x3ffd },   /* FLDLG2 */
    { 0xb17217f7d1cf79abull, 0xc9e3b39803f2f6afull, 0x3ffe },   /* FLDLN2 */
    { 0, 0, 0 },                                                /* FLDZ */
};

static void fpu_fld_const(FpuCtx *c, unsigned k)
{
    uint64_t m = fpu_consts[k].mant, x = fpu_consts[k].extra;
    bool up = c->s.round == SF_RU ? x != 0
            : c->s.round == SF_RN ? (x > 1ull << 63 || (x == 1ull << 63 && (m & 1))) : false;
    fpu_push(c, (SfX80){ m + up, fpu_consts[k].exp });
}

static void op_fld1(FpuCtx *c) { fpu_fld_const(c, 0); }
static void op_fldl2t(FpuCtx *c) { fpu_fld_const(c, 1); }
static void op_fldl2e(FpuCtx *c) { fpu_fld_const(c, 2); }
static void op_fldpi(FpuCtx *c) { fpu_fld_const(c, 3); }
static void op_fldlg2(FpuCtx *c) { fpu_fld_const(c, 4); }
static void op_fldln2(FpuCtx *c) { fpu_fld_const(c, 5); }
static void op_fldz(FpuCtx *c) { fpu_fld_const(c, 6); }

static void fpu_unary(FpuCtx *c, SfUnFn *fn)
{
    SfX80 v = fpu_read(c, 0);
    fpu_write(c, 0, c->stack_fault ? v : fn(v, &c->s));
}

static void op_f2xm1(FpuCtx *c) { fpu_unary(c, sf_x80_f2xm1); }
static void op_fsqrt(FpuCtx *c) { fpu_unary(c, sf_x80_sqrt); }
static void op_frndint(FpuCtx *c) { fpu_unary(c, sf_x80_round_int); }

/* ST(1) = fn(ST(1), ST(0)), pop. */
static void fpu_st1_pop(FpuCtx *c, SfBinFn *fn)
{
    SfX80 x = fpu_read(c, 0), y = fpu_read(c, 1);
    fpu_write(c, 1, c->stack_fault ? y : fn(y, x, &c->s));
    fpu_pop(c);
}

static void op_fyl2x(FpuCtx *c) { fpu_st1_pop(c, sf_x80_yl2x); }
static void op_fyl2xp1(FpuCtx *c) { fpu_st1_pop(c, sf_x80_yl2xp1); }
static void op_fpatan(FpuCtx *c) { fpu_st1_pop(c, sf_x80_atan2); }

static void op_fscale(FpuCtx *c)
{
    SfX80 a = fpu_read(c, 0), b = fpu_read(c, 1);
    fpu_write(c, 0, c->stack_fault ? a : sf_x80_scale(a, b, &c->s));
}

static void fpu_prem(FpuCtx *c, bool nearest)
{
    SfX80 a = fpu_read(c, 0), b = fpu_read(c, 1);
    unsigned q = 0;
    bool partial = false;
    SfX80 r = c->stack_fault ? a : sf_x80_rem(a, b, nearest, &q, &partial, &c->s);
    uint16_t cc = (uint16_t)((partial ? FSW_C2 : 0) | (q & 1 ? FSW_C1 : 0) |
                             (q & 2 ? FSW_C3 : 0) | (q & 4 ? FSW_C0 : 0));
    fpu_write(c, 0, r);
    fpu_set_cc(c, cc, FSW_CC);
}

static void op_fprem(FpuCtx *c) { fpu_prem(c, false); }
static void op_fprem1(FpuCtx *c) { fpu_prem(c, true); }

/* An instruction that replaces ST(0) and pushes: overflow is checked first
 * and leaves the indefinite in both. */
static void fpu_check_push(FpuCtx *c)
{
    if (!fpu_empty(c->env, 7)) {
        fpu_stack_fault(c, true);
    }
}

static void op_fxtract(FpuCtx *c)
{
    fpu_check_push(c);
    SfX80 v = fpu_read(c, 0), sig = v, exp = v;
    if (!c->stack_fault) {
        sf_x80_extract(v, &sig, &exp, &c->s);
    }
    fpu_write(c, 0, exp);
    fpu_push(c, sig);
}

static void op_fdecstp(FpuCtx *c) { c->env->fpstt = (c->env->fpstt - 1) & 7; }
static void op_fincstp(FpuCtx *c) { c->env->fpstt = (c->env->fpstt + 1) & 7; }

/* FSIN, FCOS, FSINCOS, FPTAN: C2 = 1 and ST(0) unchanged out of range. */
static void fpu_trig(FpuCtx *c, bool want_sin, bool want_cos, bool tan)
{
    if (tan || (want_sin && want_cos)) {
        fpu_check_push(c);
    }
    SfX80 v = fpu_read(c, 0), sn = v, cs = v;
    bool oor = false;
    if (!c->stack_fault) {
        if (tan) {
            sn = sf_x80_tan(v, &oor, &c->s);
        } else {
            sf_x80_sincos(v, &sn, &cs, &oor, &c->s);
        }
    }
    fpu_set_cc(c, oor ? FSW_C2 : 0, FSW_C2);
    if (oor) {
        return;
    }
    fpu_write(c, 0, want_sin || tan ? sn : cs);
    if (tan) {
        fpu_push(c, (SfX80){ 1ull << 63, SF_X80_BIAS });
    } else if (want_sin && want_cos) {
        fpu_push(c, cs);
    }
}

static void op_fsin(FpuCtx *c) { fpu_trig(c, true, false, false); }
static void op_fcos(FpuCtx *c) { fpu_trig(c, false, true, false); }
static void op_fsincos(FpuCtx *c) { fpu_trig(c, true, true, false); }
static void op_fptan(FpuCtx *c) { fpu_trig(c, false, false, true); }

/* D9 E0..FF (SDM Vol. 2 Table A-15); NULL is #UD. */
static void (*const fpu_d9_ops[32])(FpuCtx *) = {
    op_fchs, op_fabs, NULL, NULL, op_ftst, op_fxam, NULL, NULL,
    op_fld1, op_fldl2t, op_fldl2e, op_fldpi, op_fldlg2, op_fldln2, op_fldz, NULL,
    op_f2xm1, op_fyl2x, op_fptan, op_fpatan, op_fxtract, op_fprem1, op_fdecstp, op_fincstp,
    op_fprem, op_fyl2xp1, op_fsqrt, op_fsincos, op_frndint, op_fscale, op_fsin, op_fcos,
};

/* --- decoding --- */

bool fpu_insn_reg(FpuCtx *c, unsigned esc, unsigned modrm)
{
    unsigned reg = (modrm >> 3) & 7, i = modrm & 7;
    switch (esc << 3 | reg) {
    case 000: case 001: case 002: case 003: case 004: case 005: case 006: case 007:
        fpu_st0_op(c, reg, fpu_read(c, i));
        return true;
    case 010:                                           /* D9 C0+i FLD ST(i) */
        fpu_push(c, fpu_read(c, i));
        return true;
    case 011: case 051: case 071:                       /* FXCH (and aliases) */
        fpu_fxch(c, i);
        return true;
    case 012:                                           /* D9 D0 FNOP */
        return i == 0;
    case 072: case 073: case 053:                       /* FSTP ST(i) (and aliases) */
        fpu_fst_reg(c, i, true);
        return true;
    case 013:                                           /* D9 D8+i: FSTP, no empty check */
        fpu_set(c->env, i, fpu_get(c->env, 0));
        fpu_pop(c);
        return true;
    case 014: case 015: case 016: case 017:
        if (!fpu_d9_ops[modrm - 0xe0]) {
            return false;
        }
        fpu_d9_ops[modrm - 0xe0](c);
        return true;
    case 020: case 021: case 022: case 023:             /* DA FCMOVcc */
    case 030: case 031: case 032: case 033:             /* DB FCMOVNcc */
        fpu_fcmov(c, reg, esc == 3, i);
        return true;
    case 025:                                           /* DA E9 FUCOMPP */
        if (i != 1) {
            return false;
        }
        fpu_compare(c, fpu_read(c, 0), fpu_read(c, 1), true);
        fpu_pop(c);
        fpu_pop(c);
        return true;
    case 035: case 036:                                 /* DB FUCOMI, FCOMI */
        fpu_comi(c, i, reg == 5, false);
        return true;
    case 075: case 076:                                 /* DF FUCOMIP, FCOMIP */
        fpu_comi(c, i, reg == 5, true);
        return true;
    case 040: case 041: case 042: case 043: case 044: case 045: case 046: case 047:
        fpu_sti_op(c, reg, i, false);
        return true;
    case 060: case 061: case 064: case 065: case 066: case 067:
        fpu_sti_op(c, reg, i, true);
        return true;
    case 062:                                           /* DE D0+i FCOMP alias */
        fpu_st0_op(c, 3, fpu_read(c, i));
        return true;
    case 063:                                           /* DE D9 FCOMPP */
        if (i != 1) {
            return false;
        }
        fpu_st0_op(c, 3, fpu_read(c, 1));
        fpu_pop(c);
        return true;
    case 050: case 070:                                 /* FFREE, FFREEP */
        c->env->fptags[fpu_phys(c->env, i)] = 1;
        if (esc == 7) {
            fpu_pop(c);
        }
        return true;
    case 052:                                           /* DD D0+i FST ST(i) */
        fpu_fst_reg(c, i, false);
        return true;
    case 054: case 055: {                               /* DD FUCOM, FUCOMP */
        fpu_compare(c, fpu_read(c, 0), fpu_read(c, i), true);
        if (reg == 5) {
            fpu_pop(c);
        }
        return true;
    }
    default:
        return false;
    }
}

/* Memory forms except the control ones (FLDENV, FLDCW, FNSTENV, FNSTCW,
 * FRSTOR, FNSAVE, FNSTSW), which fpu_helper.c handles. */
bool fpu_insn_mem(FpuCtx *c, unsigned esc, unsigned reg, const FpuAccess *a)
{
    /* D8/D9: m32fp, DA/DB: m32int, DC/DD: m64fp, DE/DF: m16int */
    static const FpuFmt mem_fmt[4] = { FMT_F32, FMT_I32, FMT_F64, FMT_I16 };
    FpuFmt f = mem_fmt[esc >> 1];
    if (!(esc & 1)) {                                   /* D8 DA DC DE: arithmetic */
        fpu_st0_op_mem(c, reg, fpu_load(c, f, a));
        return true;
    }
    switch (reg) {
    case 0: {                           /* FLD / FILD: an unmasked DE still loads */
        SfX80 v = fpu_load(c, f, a);
        uint8_t de = c->s.flags & SF_DE;
        c->s.flags &= (uint8_t)~SF_DE;
        fpu_push(c, v);
        c->s.flags |= c->stack_fault ? 0 : de;
        return true;
    }
    case 1:                                             /* FISTTP */
        if (esc == 1) {
            return false;
        }
        fpu_store(c, esc == 3 ? FMT_I32 : esc == 5 ? FMT_I64 : FMT_I16, true, true, a);
        return true;
    case 2: case 3:                                     /* FST(P) / FIST(P) */
        fpu_store(c, f, false, reg == 3, a);
        return true;
    case 4:
        if (esc != 7) {
            return false;
        }
        fpu_push(c, fpu_load(c, FMT_BCD, a));           /* DF /4 FBLD */
        return true;
    case 5:
        if (esc == 3 || esc == 7) {                     /* DB /5 FLD m80, DF /5 FILD m64 */
            fpu_push(c, fpu_load(c, esc == 3 ? FMT_X80 : FMT_I64, a));
            return true;
        }
        return false;
    case 6:
        if (esc != 7) {
            return false;
        }
        fpu_store(c, FMT_BCD, false, true, a);          /* DF /6 FBSTP */
        return true;
    default:
        if (esc == 3 || esc == 7) {                     /* DB /7 FSTP m80, DF /7 FISTP m64 */
            fpu_store(c, esc == 3 ? FMT_X80 : FMT_I64, false, true, a);
            return true;
        }
        return false;
    }
}
