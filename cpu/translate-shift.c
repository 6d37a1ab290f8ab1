/*
 * translate-shift.c - shifts and rotates: SHL/SHR/SAR, ROL/ROR, RCL/RCR,
 * SHLD/SHRD.
 *
 * Invariants: the count is masked to 5 bits (6 for 64-bit operands); a
 * masked count of 0 leaves the flags untouched (RCL/RCR: a count of 0
 * modulo width + 1). A constant count decides that at translation time; a
 * CL count selects the new lazy state with movcond on cc_dst/cc_src/cc_op,
 * so the static cc_op becomes CC_OP_DYNAMIC without any branch. Every IR
 * shift amount stays below 64 (counts are computed modulo 64 where a
 * formula would otherwise reach 64).
 */
#include "cpu/translate.h"

static int x86_count_mask(int size)
{
    return size == 8 ? 63 : 31;
}

/* Masked count, or false when it is a constant 0 (the insn does nothing). */
static bool x86_shift_count(DisasContext *dc, const Operand *co, int size, IRTemp *cnt)
{
    int m = x86_count_mask(size);
    if (co->kind == OPK_IMM && (co->imm & m) == 0) {
        return false;
    }
    *cnt = x86_tmp(dc);
    ir_andi(dc->s, *cnt, x86_ld_op(dc, co), m);
    return true;
}

/* A count of 0 still writes a 32-bit register (zero-extending it in 64-bit
 * mode), as hardware does; nothing else changes. */
static void x86_shift_nop(DisasContext *dc, const Operand *d)
{
    if (d->kind == OPK_REG && d->size == 4) {
        x86_st_op(dc, d, x86_ld_op(dc, d));
    }
}

/* Lazy state (op, dst, src) if cnt != 0, else unchanged. */
static void x86_shift_cc(DisasContext *dc, const Operand *co, IRTemp cnt, CCOp op,
                         IRTemp dst, IRTemp src)
{
    IRContext *s = dc->s;
    if (co->kind == OPK_IMM) {
        x86_set_cc(dc, op, dst, src, IR_NO_TEMP);
        return;
    }
    IRTemp zero = x86_const(dc, 0);
    x86_sync_cc_op(dc);
    if (dst != IR_NO_TEMP) {
        ir_movcond(s, IR_COND_NE, G_CC_DST, cnt, zero, dst, G_CC_DST);
    }
    ir_movcond(s, IR_COND_NE, G_CC_SRC, cnt, zero, src, G_CC_SRC);
    ir_movcond(s, IR_COND_NE, x86_globals.cc_op, cnt, zero, x86_const(dc, op),
               x86_globals.cc_op);
    x86_cc_op_from_helper(dc, CC_OP_DYNAMIC);
}

static void x86_gen_shift(DisasContext *dc, const Insn *in, X86Op op)
{
    IRContext *s = dc->s;
    const Operand *d = &in->ops[0];
    int size = d->size;
    IRTemp cnt;

    if (!x86_shift_count(dc, &in->ops[1], size, &cnt)) {
        x86_shift_nop(dc, d);
        return;
    }
    IRTemp a = x86_ld_op(dc, d), cm1 = x86_tmp(dc), r = x86_tmp(dc), src = x86_tmp(dc);
    ir_subi(s, cm1, cnt, 1);
    ir_andi(s, cm1, cm1, 63);
    if (op == X86_SHL) {
        ir_shl(s, r, a, cnt);
        ir_shl(s, src, a, cm1);
    } else {
        IROpcode sh = op == X86_SAR ? IR_sar : IR_shr;
        IRTemp v = x86_tmp(dc);
        x86_ext(dc, v, a, size, op == X86_SAR);
        ir_op2(s, sh, r, v, cnt);
        ir_op2(s, sh, src, v, cm1);
    }
    x86_ext(dc, r, r, size, false);
    x86_ext(dc, src, src, size, false);
    x86_st_op(dc, d, r);
    x86_shift_cc(dc, &in->ops[1], cnt, x86_cc_sized(op == X86_SHL ? CC_OP_SHLB : CC_OP_SARB,
                                                     size), r, src);
}

void x86_disas_SHL(DisasContext *dc, const Insn *in) { x86_gen_shift(dc, in, X86_SHL); }
void x86_disas_SHR(DisasContext *dc, const Insn *in) { x86_gen_shift(dc, in, X86_SHR); }
void x86_disas_SAR(DisasContext *dc, const Insn *in) { x86_gen_shift(dc, in, X86_SAR); }

/* EFLAGS with CF and OF replaced by cf (0/1) and of (0/1). */
static IRTemp x86_flags_co(DisasContext *dc, IRTemp f, IRTemp cf, IRTemp of)
{
    IRContext *s = dc->s;
    IRTemp nf = x86_tmp(dc), t = x86_tmp(dc);
    ir_andi(s, nf, f, CC_ALL & ~(uint64_t)(CC_C | CC_O));
    ir_or(s, nf, nf, cf);
    ir_shli(s, t, of, 11);
    ir_or(s, nf, nf, t);
    return nf;
}

/* OF of a rotate: MSB(r) ^ other, where other is a 0/1 temp. */
static IRTemp x86_msb_xor(DisasContext *dc, IRTemp r, int bits, IRTemp other)
{
    IRTemp of = x86_tmp(dc);
    ir_extract(dc->s, of, r, bits - 1, 1);
    ir_xor(dc->s, of, of, other);
    return of;
}

static void x86_gen_rotate(DisasContext *dc, const Insn *in, bool right)
{
    IRContext *s = dc->s;
    const Operand *d = &in->ops[0];
    int size = d->size, bits = size * 8;
    IRTemp cnt;

    if (!x86_shift_count(dc, &in->ops[1], size, &cnt)) {
        x86_shift_nop(dc, d);
        return;
    }
    IRTemp f = x86_compute_eflags(dc);
    IRTemp a = x86_ld_op(dc, d), r = x86_tmp(dc);
    if (size == 8) {
        ir_op2(s, right ? IR_rotr : IR_rotl, r, a, cnt);
    } else {
        IRTemp t = x86_tmp(dc), u = x86_tmp(dc), l = x86_tmp(dc);
        ir_andi(s, t, cnt, bits - 1);
        ir_sub(s, u, x86_const(dc, bits), t);          /* 1..bits: below 64 */
        ir_op2(s, right ? IR_shr : IR_shl, l, a, t);
        ir_op2(s, right ? IR_shl : IR_shr, r, a, u);
        ir_or(s, r, r, l);
        x86_ext(dc, r, r, size, false);
    }
    x86_st_op(dc, d, r);
    IRTemp cf = x86_tmp(dc), other = x86_tmp(dc);
    if (right) {
        ir_extract(s, cf, r, bits - 1, 1);
        ir_extract(s, other, r, bits - 2, 1);
    } else {
        ir_andi(s, cf, r, 1);
        ir_mov(s, other, cf);
    }
    IRTemp nf = x86_flags_co(dc, f, cf, x86_msb_xor(dc, r, bits, other));
    x86_shift_cc(dc, &in->ops[1], cnt, CC_OP_EFLAGS, IR_NO_TEMP, nf);
}

void x86_disas_ROL(DisasContext *dc, const Insn *in) { x86_gen_rotate(dc, in, false); }
void x86_disas_ROR(DisasContext *dc, const Insn *in) { x86_gen_rotate(dc, in, true); }

static void x86_gen_rotate_carry(DisasContext *dc, const Insn *in, bool right)
{
    IRContext *s = dc->s;
    const Operand *d = &in->ops[0], *co = &in->ops[1];
    int size = d->size, bits = size * 8;
    int mod = size == 1 ? 9 : size == 2 ? 17 : 0;
    IRTemp cnt;

    if (co->kind == OPK_IMM && (mod ? (co->imm & 31) % mod : co->imm & x86_count_mask(size)) == 0) {
        x86_shift_nop(dc, d);
        return;
    }
    x86_shift_count(dc, co, size, &cnt);
    if (mod) {
        ir_op2(s, IR_remu, cnt, cnt, x86_const(dc, mod));
    }
    IRTemp f = x86_compute_eflags(dc), cf = x86_tmp(dc);
    ir_andi(s, cf, f, CC_C);
    IRTemp a = x86_ld_op(dc, d);
    IRTemp tm1 = x86_tmp(dc), bmt = x86_tmp(dc), r = x86_tmp(dc), t = x86_tmp(dc);
    IRTemp ncf = x86_tmp(dc);
    ir_subi(s, tm1, cnt, 1);
    ir_andi(s, tm1, tm1, 63);
    ir_sub(s, bmt, x86_const(dc, bits), cnt);
    ir_andi(s, bmt, bmt, 63);
    /* the (bits + 1)-bit rotation of CF:a, split so no shift reaches 64 */
    ir_op2(s, right ? IR_shr : IR_shl, r, a, cnt);
    ir_op2(s, IR_shl, t, cf, right ? bmt : tm1);
    ir_or(s, r, r, t);
    ir_op2i(s, right ? IR_shl : IR_shr, t, a, 1);
    ir_op2(s, right ? IR_shl : IR_shr, t, t, bmt);
    ir_or(s, r, r, t);
    x86_ext(dc, r, r, size, false);
    ir_op2(s, IR_shr, ncf, a, right ? tm1 : bmt);
    ir_andi(s, ncf, ncf, 1);
    if (co->kind != OPK_IMM) {
        ir_movcond(s, IR_COND_NE, r, cnt, x86_const(dc, 0), r, a);
    }
    x86_st_op(dc, d, r);
    IRTemp other = ncf;
    if (right) {
        other = x86_tmp(dc);
        ir_extract(s, other, r, bits - 2, 1);
    }
    IRTemp nf = x86_flags_co(dc, f, ncf, x86_msb_xor(dc, r, bits, other));
    x86_shift_cc(dc, co, cnt, CC_OP_EFLAGS, IR_NO_TEMP, nf);
}

void x86_disas_RCL(DisasContext *dc, const Insn *in) { x86_gen_rotate_carry(dc, in, false); }
void x86_disas_RCR(DisasContext *dc, const Insn *in) { x86_gen_rotate_carry(dc, in, true); }

static void x86_gen_shiftd(DisasContext *dc, const Insn *in, bool right)
{
    IRContext *s = dc->s;
    const Operand *d = &in->ops[0], *co = &in->ops[2];
    int size = d->size, bits = size * 8;
    IRTemp cnt;

    if (!x86_shift_count(dc, co, size, &cnt)) {
        x86_shift_nop(dc, d);
        return;
    }
    IRTemp a = x86_ld_op(dc, d), b = x86_ld_op(dc, &in->ops[1]);
    IRTemp cm1 = x86_tmp(dc), r = x86_tmp(dc), t = x86_tmp(dc);
    IRTemp src = x86_tmp(dc);
    ir_subi(s, cm1, cnt, 1);
    ir_andi(s, cm1, cm1, 63);
    if (size < 8) {
        /* shift the 2*bits concatenation, so that a 16-bit count of 16
         * yields the second operand */
        IRTemp lo = x86_tmp(dc);
        x86_ext(dc, t, right ? b : a, size, false);
        x86_ext(dc, lo, right ? a : b, size, false);
        ir_shli(s, t, t, bits);
        ir_or(s, t, t, lo);
        ir_op2(s, right ? IR_shr : IR_shl, r, t, cnt);
        if (!right)
            ir_op2i(s, IR_shr, r, r, bits);
    } else {
        IRTemp k = x86_tmp(dc);
        ir_sub(s, k, x86_const(dc, bits - 1), cnt);
        ir_andi(s, k, k, 63);
        ir_op2(s, right ? IR_shr : IR_shl, r, a, cnt);
        ir_op2i(s, right ? IR_shl : IR_shr, t, b, 1);
        ir_op2(s, right ? IR_shl : IR_shr, t, t, k);
        ir_or(s, r, r, t);
    }
    x86_ext(dc, r, r, size, false);
    ir_op2(s, right ? IR_shr : IR_shl, src, a, cm1);
    x86_ext(dc, src, src, size, false);
    x86_st_op(dc, d, r);
    x86_shift_cc(dc, co, cnt, x86_cc_sized(right ? CC_OP_SARB : CC_OP_SHLB, size), r, src);
}

void x86_disas_SHLD(DisasContext *dc, const Insn *in) { x86_gen_shiftd(dc, in, false); }
void x86_disas_SHRD(DisasContext *dc, const Insn *in) { x86_gen_shiftd(dc, in, true); }
