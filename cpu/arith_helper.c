/*
 * arith_helper.c - arithmetic instructions too awkward to inline in IR:
 * DIV/IDIV (8..64 bits, #DE on a zero divisor or a quotient that does not
 * fit), the BCD adjustments DAA/DAS/AAA/AAS/AAM/AAD, CMPXCHG8B/16B.
 *
 * Invariants: each helper_* calls ir_getpc() in its own body (never in a
 * callee) so a fault restores the state of the instruction that called it.
 * A fault leaves every register untouched (results are written only after
 * all checks). Helpers that define flags leave them as cc_op = CC_OP_EFLAGS
 * with the flags in cc_src; DIV/IDIV leave the lazy flags alone (the SDM
 * says they are undefined).
 */
#include "cpu/internal.h"

/* Write the low `bits` of v to register r like a guest write of that width. */
static void arith_set_reg(CPUX86State *env, int r, int bits, uint64_t v)
{
    if (bits == 32) {
        env->regs[r] = (uint32_t)v;
    } else if (bits == 64) {
        env->regs[r] = v;
    } else {
        env->regs[r] = deposit64(env->regs[r], 0, bits, v);
    }
}

static uint32_t arith_flags(CPUX86State *env)
{
    return cc_compute_all((CCOp)env->cc_op, env->cc_dst, env->cc_src, env->cc_src2);
}

static void arith_set_flags(CPUX86State *env, uint32_t flags)
{
    env->cc_src = flags & CC_ALL;
    env->cc_op = CC_OP_EFLAGS;
}

/* SF, ZF and PF of an 8-bit result. */
static uint32_t arith_szp8(uint8_t v)
{
    return (v == 0 ? CC_Z : 0) | (v & 0x80 ? CC_S : 0) |
           (__builtin_parity(v) ? 0 : CC_P);
}

/*
 * Unsigned division of the double-width value hi:lo by den at width
 * bits (8: AX / r8, else rDX:rAX). Returns false on #DE.
 */
static bool arith_divu(CPUX86State *env, int bits, uint64_t den)
{
    unsigned __int128 num;
    uint64_t mask = bits == 64 ? ~0ULL : (1ULL << bits) - 1;
    if (bits == 8) {
        num = (uint16_t)env->regs[R_EAX];
    } else {
        num = (unsigned __int128)(env->regs[R_EDX] & mask) << bits |
              (env->regs[R_EAX] & mask);
    }
    den &= mask;
    if (den == 0) {
        return false;
    }
    unsigned __int128 q = num / den;
    uint64_t r = (uint64_t)(num % den);
    if (q > mask) {
        return false;
    }
    if (bits == 8) {
        arith_set_reg(env, R_EAX, 16, (uint64_t)r << 8 | (uint64_t)q);
    } else {
        arith_set_reg(env, R_EAX, bits, (uint64_t)q);
        arith_set_reg(env, R_EDX, bits, r);
    }
    return true;
}

static __int128 arith_sext(uint64_t v, int bits)
{
    return bits == 64 ? (__int128)(int64_t)v
                      : (__int128)((int64_t)(v << (64 - bits)) >> (64 - bits));
}

/* Signed division, same layout as arith_divu. */
static bool arith_divs(CPUX86State *env, int bits, uint64_t den_raw)
{
    __int128 num;
    uint64_t mask = bits == 64 ? ~0ULL : (1ULL << bits) - 1;
    if (bits == 8) {
        num = (int16_t)env->regs[R_EAX];
    } else {
        unsigned __int128 u = (unsigned __int128)(env->regs[R_EDX] & mask) << bits |
                              (env->regs[R_EAX] & mask);
        /* sign-extend the 2*bits wide value */
        num = bits == 64 ? (__int128)u : (__int128)(u << (128 - 2 * bits)) >> (128 - 2 * bits);
    }
    __int128 den = arith_sext(den_raw, bits);
    if (den == 0) {
        return false;
    }
    /* The only overflowing 128-bit case is MIN / -1: its quotient is too wide anyway. */
    if (bits == 64 && den == -1 && num == (__int128)((unsigned __int128)1 << 127)) {
        return false;
    }
    __int128 q = num / den;
    __int128 r = num % den;
    if (q != arith_sext((uint64_t)q, bits)) {
        return false;
    }
    if (bits == 8) {
        arith_set_reg(env, R_EAX, 16, ((uint64_t)r & 0xff) << 8 | ((uint64_t)q & 0xff));
    } else {
        arith_set_reg(env, R_EAX, bits, (uint64_t)q);
        arith_set_reg(env, R_EDX, bits, (uint64_t)r);
    }
    return true;
}

#define DEF_DIV(name, fn, bits)                                           \
    static void helper_##name(CPUX86State *env, uint64_t den)             \
    {                                                                     \
        uintptr_t ra = ir_getpc();                                        \
        if (!fn(env, bits, den)) {                                        \
            raise_exception(env, EXCP_DE, ra);                            \
        }                                                                 \
    }                                                                     \
    DEF_HELPER(name, 1, false, 0)

DEF_DIV(div8, arith_divu, 8);
DEF_DIV(idiv8, arith_divs, 8);
DEF_DIV(div16, arith_divu, 16);
DEF_DIV(idiv16, arith_divs, 16);
DEF_DIV(div32, arith_divu, 32);
DEF_DIV(idiv32, arith_divs, 32);
DEF_DIV(div64, arith_divu, 64);
DEF_DIV(idiv64, arith_divs, 64);

/* DAA/DAS per the SDM pseudo-code; OF is undefined and left clear. */
static void arith_decimal_adjust(CPUX86State *env, bool sub)
{
    uint32_t f = arith_flags(env);
    uint8_t al = (uint8_t)env->regs[R_EAX], old_al = al;
    bool old_cf = f & CC_C, cf = false, af = false;

    if ((al & 0xf) > 9 || (f & CC_A)) {
        cf = old_cf || (sub ? al < 6 : al > 0xf9);
        al = (uint8_t)(sub ? al - 6 : al + 6);
        af = true;
    }
    if (old_al > 0x99 || old_cf) {
        al = (uint8_t)(sub ? al - 0x60 : al + 0x60);
        cf = true;
    } else if (!sub) {
        cf = false;
    }
    arith_set_reg(env, R_EAX, 8, al);
    arith_set_flags(env, arith_szp8(al) | (cf ? CC_C : 0) | (af ? CC_A : 0));
}

/* AAA/AAS per the SDM pseudo-code (AX + 106H / AX - 6, AH - 1). */
static void arith_ascii_adjust(CPUX86State *env, bool sub)
{
    uint32_t f = arith_flags(env);
    uint16_t ax = (uint16_t)env->regs[R_EAX];
    bool adjust = (ax & 0xf) > 9 || (f & CC_A);

    if (adjust) {
        ax = sub ? (uint16_t)(((ax - 6) & 0xff) | ((((ax - 6) >> 8) - 1) & 0xff) << 8)
                 : (uint16_t)(ax + 0x106);
    }
    ax &= 0xff0f;
    arith_set_reg(env, R_EAX, 16, ax);
    arith_set_flags(env, arith_szp8((uint8_t)ax) | (adjust ? CC_C | CC_A : 0));
}

static void helper_daa(CPUX86State *env) { arith_decimal_adjust(env, false); }
static void helper_das(CPUX86State *env) { arith_decimal_adjust(env, true); }
static void helper_aaa(CPUX86State *env) { arith_ascii_adjust(env, false); }
static void helper_aas(CPUX86State *env) { arith_ascii_adjust(env, true); }
DEF_HELPER(daa, 0, false, 0);
DEF_HELPER(das, 0, false, 0);
DEF_HELPER(aaa, 0, false, 0);
DEF_HELPER(aas, 0, false, 0);

static void helper_aam(CPUX86State *env, uint64_t base)
{
    uintptr_t ra = ir_getpc();
    uint8_t al = (uint8_t)env->regs[R_EAX];
    base &= 0xff;
    if (base == 0) {
        raise_exception(env, EXCP_DE, ra);
    }
    uint8_t q = (uint8_t)(al / base), r = (uint8_t)(al % base);
    arith_set_reg(env, R_EAX, 16, (uint16_t)(q << 8 | r));
    arith_set_flags(env, arith_szp8(r));
}

static void helper_aad(CPUX86State *env, uint64_t base)
{
    uint16_t ax = (uint16_t)env->regs[R_EAX];
    uint8_t al = (uint8_t)((ax & 0xff) + (ax >> 8) * (base & 0xff));
    arith_set_reg(env, R_EAX, 16, al);
    arith_set_flags(env, arith_szp8(al));
}
DEF_HELPER(aam, 1, false, 0);
DEF_HELPER(aad, 1, false, 0);

/*
 * CMPXCHG8B/16B: compare rDX:rAX with the memory operand; equal: ZF = 1 and
 * rCX:rBX is stored; else ZF = 0 and the operand is loaded into rDX:rAX.
 * Like the hardware, the operand is written in both cases (the old value on
 * a mismatch), so a read-only page faults either way.
 */
static void arith_cmpxchg(CPUX86State *env, uint64_t addr, int bits, uintptr_t ra)
{
    unsigned idx = cpu_mmu_index(env);
    uint64_t mask = bits == 64 ? ~0ULL : (1ULL << bits) - 1;
    MemOp mo = bits == 64 ? MO_64 : MO_32;
    uint64_t lo = cpu_ld(env, addr, mo, idx, ra);
    uint64_t hi = cpu_ld(env, addr + bits / 8, mo, idx, ra);
    bool eq = lo == (env->regs[R_EAX] & mask) && hi == (env->regs[R_EDX] & mask);
    uint64_t new_lo = eq ? env->regs[R_EBX] & mask : lo;
    uint64_t new_hi = eq ? env->regs[R_ECX] & mask : hi;
    uint32_t f = arith_flags(env) & ~CC_Z;

    cpu_st(env, addr, new_lo, mo, idx, ra);
    cpu_st(env, addr + bits / 8, new_hi, mo, idx, ra);
    if (!eq) {
        arith_set_reg(env, R_EAX, bits, lo);
        arith_set_reg(env, R_EDX, bits, hi);
    }
    arith_set_flags(env, f | (eq ? CC_Z : 0));
}

static void helper_cmpxchg8b(CPUX86State *env, uint64_t addr)
{
    arith_cmpxchg(env, addr, 32, ir_getpc());
}

static void helper_cmpxchg16b(CPUX86State *env, uint64_t addr)
{
    uintptr_t ra = ir_getpc();
    if (addr & 15) {
        raise_exception_err(env, EXCP_GP, 0, ra);
    }
    arith_cmpxchg(env, addr, 64, ra);
}
DEF_HELPER(cmpxchg8b, 1, false, 0);
DEF_HELPER(cmpxchg16b, 1, false, 0);
