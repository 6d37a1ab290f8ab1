/*
 * translate-alu.c - integer data instructions: arithmetic and logic, multiply
 * and divide, moves and extensions, flag-register instructions, BCD, bit
 * tests and scans, exchange/compare-exchange, SETcc/CMOVcc.
 *
 * Invariants: operands come from the generic loader (zero-extended to their
 * size) and results go through the generic storer; results are truncated to
 * the operation size before they reach cc_dst. Read-modify-write forms load
 * and store the memory operand once at the same address, and do every store
 * to memory before writing a register, so a faulting store leaves the
 * registers as they were. Shifts and rotates live in translate-shift.c.
 */
#include "cpu/translate.h"

static const Operand *x86_src_op(const Insn *in)
{
    return &in->ops[in->nb_ops - 1];
}

/* --- two-operand arithmetic and logic --- */

static void x86_gen_arith(DisasContext *dc, const Insn *in, X86Op op)
{
    IRContext *s = dc->s;
    const Operand *d = &in->ops[0], *so = &in->ops[1];
    int size = d->size;
    bool same_reg = d->kind == OPK_REG && so->kind == OPK_REG && d->reg == so->reg &&
                    d->high8 == so->high8;
    IRTemp carry = IR_NO_TEMP, r = x86_tmp(dc);

    if ((op == X86_XOR || op == X86_SUB) && same_reg) {
        x86_st_op(dc, d, x86_const(dc, 0));
        x86_set_cc_op(dc, CC_OP_CLR);
        return;
    }
    if (op == X86_ADC || op == X86_SBB) {
        carry = x86_compute_c(dc);
    }
    IRTemp a = x86_ld_op(dc, d);
    IRTemp b = x86_ld_op(dc, so);
    CCOp cc = CC_OP_LOGICB;
    switch (op) {
    case X86_ADD: ir_add(s, r, a, b); cc = CC_OP_ADDB; break;
    case X86_ADC: ir_add(s, r, a, b); ir_add(s, r, r, carry); cc = CC_OP_ADCB; break;
    case X86_SUB: case X86_CMP: ir_sub(s, r, a, b); cc = CC_OP_SUBB; break;
    case X86_SBB: ir_sub(s, r, a, b); ir_sub(s, r, r, carry); cc = CC_OP_SBBB; break;
    case X86_AND: case X86_TEST: ir_and(s, r, a, b); break;
    case X86_OR: ir_or(s, r, a, b); break;
    default: ir_xor(s, r, a, b); break;
    }
    x86_ext(dc, r, r, size, false);
    if (op != X86_CMP && op != X86_TEST) {
        x86_st_op(dc, d, r);
    }
    if (cc == CC_OP_SUBB) {
        x86_set_cc_sub(dc, size, r, a, b);
    } else {
        x86_set_cc(dc, x86_cc_sized(cc, size), r, cc == CC_OP_LOGICB ? IR_NO_TEMP : b, carry);
    }
}

#define DEF_ARITH(n) \
    void x86_disas_##n(DisasContext *dc, const Insn *in) { x86_gen_arith(dc, in, X86_##n); }
DEF_ARITH(ADD) DEF_ARITH(OR) DEF_ARITH(ADC) DEF_ARITH(SBB)
DEF_ARITH(AND) DEF_ARITH(SUB) DEF_ARITH(XOR) DEF_ARITH(CMP) DEF_ARITH(TEST)

static void x86_gen_incdec(DisasContext *dc, const Insn *in, bool dec)
{
    const Operand *d = &in->ops[0];
    IRTemp c = x86_compute_c(dc);
    IRTemp a = x86_ld_op(dc, d), r = x86_tmp(dc);
    ir_addi(dc->s, r, a, dec ? (uint64_t)-1 : 1);
    x86_ext(dc, r, r, d->size, false);
    x86_st_op(dc, d, r);
    x86_set_cc(dc, x86_cc_sized(dec ? CC_OP_DECB : CC_OP_INCB, d->size), r, c, IR_NO_TEMP);
}

void x86_disas_INC(DisasContext *dc, const Insn *in) { x86_gen_incdec(dc, in, false); }
void x86_disas_DEC(DisasContext *dc, const Insn *in) { x86_gen_incdec(dc, in, true); }

void x86_disas_NEG(DisasContext *dc, const Insn *in)
{
    const Operand *d = &in->ops[0];
    IRTemp a = x86_ld_op(dc, d), r = x86_tmp(dc);
    ir_neg(dc->s, r, a);
    x86_ext(dc, r, r, d->size, false);
    x86_st_op(dc, d, r);
    /* as SUB 0 - a: src1 = 0 */
    x86_set_cc(dc, x86_cc_sized(CC_OP_SUBB, d->size), r, a, IR_NO_TEMP);
}

void x86_disas_NOT(DisasContext *dc, const Insn *in)
{
    IRTemp r = x86_tmp(dc);
    ir_not(dc->s, r, x86_ld_op(dc, &in->ops[0]));
    x86_st_op(dc, &in->ops[0], r);
}

/* --- multiply and divide --- */

/* lo/hi of a*b at `size`, signed or not; sets *sig to "high half significant". */
static void x86_gen_mul(DisasContext *dc, IRTemp a, IRTemp b, int size, bool sign,
                        IRTemp lo, IRTemp hi, IRTemp sig)
{
    IRContext *s = dc->s;
    int bits = size * 8;
    if (size == 8) {
        if (sign) {
            ir_muls2(s, lo, hi, a, b);
            IRTemp t = x86_tmp(dc);
            ir_sari(s, t, lo, 63);
            ir_setcond(s, IR_COND_NE, sig, hi, t);
        } else {
            ir_mulu2(s, lo, hi, a, b);
            ir_setcond(s, IR_COND_NE, sig, hi, x86_const(dc, 0));
        }
        return;
    }
    IRTemp p = x86_tmp(dc);
    if (sign) {
        IRTemp sa = x86_tmp(dc), sb = x86_tmp(dc), t = x86_tmp(dc);
        x86_ext(dc, sa, a, size, true);
        x86_ext(dc, sb, b, size, true);
        ir_mul(s, p, sa, sb);
        x86_ext(dc, t, p, size, true);
        ir_setcond(s, IR_COND_NE, sig, p, t);
        ir_sari(s, hi, p, bits);
    } else {
        ir_mul(s, p, a, b);
        ir_shri(s, hi, p, bits);
        ir_setcond(s, IR_COND_NE, sig, hi, x86_const(dc, 0));
    }
    x86_ext(dc, lo, p, size, false);
    x86_ext(dc, hi, hi, size, false);
}

static void x86_gen_mul1(DisasContext *dc, const Insn *in, bool sign)
{
    const Operand *so = x86_src_op(in);
    int size = so->size;
    IRTemp b = x86_ld_op(dc, so);
    IRTemp a = x86_ld_reg(dc, R_EAX, size, false);
    IRTemp lo = x86_tmp(dc), hi = x86_tmp(dc), sig = x86_tmp(dc);

    x86_gen_mul(dc, a, b, size, sign, lo, hi, sig);
    if (size == 1) {
        IRTemp ax = x86_tmp(dc);
        ir_shli(dc->s, ax, hi, 8);
        ir_or(dc->s, ax, ax, lo);
        x86_st_reg(dc, R_EAX, 2, false, ax);
    } else {
        x86_st_reg(dc, R_EAX, size, false, lo);
        x86_st_reg(dc, R_EDX, size, false, hi);
    }
    x86_set_cc(dc, x86_cc_sized(CC_OP_MULB, size), lo, sig, IR_NO_TEMP);
}

void x86_disas_MUL(DisasContext *dc, const Insn *in) { x86_gen_mul1(dc, in, false); }
void x86_disas_IMUL(DisasContext *dc, const Insn *in) { x86_gen_mul1(dc, in, true); }

void x86_disas_IMUL2(DisasContext *dc, const Insn *in)
{
    const Operand *d = &in->ops[0];
    const Operand *oa = in->nb_ops == 3 ? &in->ops[1] : &in->ops[0];
    const Operand *ob = in->nb_ops == 3 ? &in->ops[2] : &in->ops[1];
    IRTemp a = x86_ld_op(dc, oa), b = x86_ld_op(dc, ob);
    IRTemp lo = x86_tmp(dc), hi = x86_tmp(dc), sig = x86_tmp(dc);
    x86_gen_mul(dc, a, b, d->size, true, lo, hi, sig);
    x86_st_op(dc, d, lo);
    x86_set_cc(dc, x86_cc_sized(CC_OP_MULB, d->size), lo, sig, IR_NO_TEMP);
}

static void x86_gen_div(DisasContext *dc, const Insn *in, bool sign)
{
    static const IRHelper *const h[2][4] = {
        { &h_div8, &h_div16, &h_div32, &h_div64 },
        { &h_idiv8, &h_idiv16, &h_idiv32, &h_idiv64 },
    };
    const Operand *so = x86_src_op(in);
    int lg = so->size == 1 ? 0 : so->size == 2 ? 1 : so->size == 4 ? 2 : 3;
    IRTemp v = x86_ld_op(dc, so);
    x86_call_helper(dc, h[sign][lg], IR_NO_TEMP, (IRTemp[]){ v });
}

void x86_disas_DIV(DisasContext *dc, const Insn *in) { x86_gen_div(dc, in, false); }
void x86_disas_IDIV(DisasContext *dc, const Insn *in) { x86_gen_div(dc, in, true); }

/* --- moves --- */

void x86_disas_MOV(DisasContext *dc, const Insn *in)
{
    x86_st_op(dc, &in->ops[0], x86_ld_op(dc, &in->ops[1]));
}

void x86_disas_MOVZX(DisasContext *dc, const Insn *in)
{
    x86_st_op(dc, &in->ops[0], x86_ld_op(dc, &in->ops[1]));
}

void x86_disas_MOVSX(DisasContext *dc, const Insn *in)
{
    IRTemp v = x86_ld_op(dc, &in->ops[1]), t = x86_tmp(dc);
    x86_ext(dc, t, v, in->ops[1].size, true);
    x86_ext(dc, t, t, in->ops[0].size, false);
    x86_st_op(dc, &in->ops[0], t);
}

void x86_disas_MOVSXD(DisasContext *dc, const Insn *in)
{
    x86_disas_MOVSX(dc, in);
}

void x86_disas_XCHG(DisasContext *dc, const Insn *in)
{
    const Operand *o0 = &in->ops[0], *o1 = &in->ops[1];
    IRTemp a = x86_ld_op(dc, o0), b = x86_ld_op(dc, o1);
    if (o1->kind == OPK_MEM) {          /* memory first */
        x86_st_op(dc, o1, a);
        x86_st_op(dc, o0, b);
    } else {
        x86_st_op(dc, o0, b);
        x86_st_op(dc, o1, a);
    }
}

void x86_disas_LEA(DisasContext *dc, const Insn *in)
{
    x86_st_op(dc, &in->ops[0], x86_ea_offset(dc));
}

static void x86_gen_bswap(DisasContext *dc, IRTemp d, IRTemp v, int size)
{
    static const IROpcode op[4] = { IR_mov, IR_bswap16, IR_bswap32, IR_bswap64 };
    ir_op1(dc->s, op[size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3], d, v);
}

void x86_disas_BSWAP(DisasContext *dc, const Insn *in)
{
    const Operand *d = &in->ops[0];
    IRTemp t = x86_tmp(dc);
    if (d->size == 2) {
        ir_movi(dc->s, t, 0);           /* undefined by the SDM; CPUs clear it */
    } else {
        x86_gen_bswap(dc, t, x86_ld_op(dc, d), d->size);
    }
    x86_st_op(dc, d, t);
}

void x86_disas_MOVBE(DisasContext *dc, const Insn *in)
{
    IRTemp t = x86_tmp(dc);
    x86_gen_bswap(dc, t, x86_ld_op(dc, &in->ops[1]), in->ops[0].size);
    x86_st_op(dc, &in->ops[0], t);
}

void x86_disas_CBW(DisasContext *dc, const Insn *in)
{
    int size = in->opsize;
    IRTemp t = x86_tmp(dc);
    x86_ext(dc, t, G_REG(R_EAX), size / 2, true);
    x86_st_reg(dc, R_EAX, size, false, t);
}

void x86_disas_CWD(DisasContext *dc, const Insn *in)
{
    int size = in->opsize;
    IRTemp t = x86_tmp(dc);
    x86_ext(dc, t, G_REG(R_EAX), size, true);
    ir_sari(dc->s, t, t, 63);
    x86_st_reg(dc, R_EDX, size, false, t);
}

/* --- flag register instructions --- */

#define LAHF_BITS (CC_S | CC_Z | CC_A | CC_P | CC_C)

void x86_disas_LAHF(DisasContext *dc, const Insn *in)
{
    IRTemp f = x86_compute_eflags(dc);
    ir_andi(dc->s, f, f, LAHF_BITS);
    ir_ori(dc->s, f, f, 2);
    x86_st_reg(dc, R_EAX, 1, true, f);
}

void x86_disas_SAHF(DisasContext *dc, const Insn *in)
{
    IRTemp ah = x86_ld_reg(dc, R_EAX, 1, true);
    ir_andi(dc->s, ah, ah, LAHF_BITS);
    x86_update_eflags(dc, LAHF_BITS, ah);
}

void x86_disas_CLC(DisasContext *dc, const Insn *in)
{
    x86_update_eflags(dc, CC_C, IR_NO_TEMP);
}

void x86_disas_STC(DisasContext *dc, const Insn *in)
{
    x86_update_eflags(dc, CC_C, x86_const(dc, CC_C));
}

void x86_disas_CMC(DisasContext *dc, const Insn *in)
{
    IRTemp f = x86_compute_eflags(dc);
    ir_xori(dc->s, f, f, CC_C);
    x86_set_cc(dc, CC_OP_EFLAGS, IR_NO_TEMP, f, IR_NO_TEMP);
}

void x86_disas_SALC(DisasContext *dc, const Insn *in)
{
    IRTemp c = x86_compute_c(dc);
    ir_neg(dc->s, c, c);
    x86_st_reg(dc, R_EAX, 1, false, c);
}

void x86_disas_XLAT(DisasContext *dc, const Insn *in)
{
    IRTemp off = x86_tmp(dc);
    IRTemp al = x86_ld_reg(dc, R_EAX, 1, false);
    int seg = (in->prefixes & PFX_SEG) ? in->mem.seg : R_DS;
    ir_add(dc->s, off, G_REG(R_EBX), al);
    x86_ext(dc, off, off, in->addrsize, false);
    IRTemp addr = x86_seg_linear(dc, seg, off, 1, in->addrsize, false);
    x86_st_reg(dc, R_EAX, 1, false, x86_ld_mem(dc, addr, 1, false));
}

/* --- BCD (helpers leave flags as CC_OP_EFLAGS) --- */

static void x86_gen_bcd(DisasContext *dc, const IRHelper *h, const Insn *in)
{
    IRTemp arg = h->nargs ? x86_const(dc, (uint64_t)in->ops[0].imm & 0xff) : IR_NO_TEMP;
    x86_call_helper(dc, h, IR_NO_TEMP, h->nargs ? (IRTemp[]){ arg } : NULL);
    x86_cc_op_from_helper(dc, CC_OP_EFLAGS);
}

void x86_disas_DAA(DisasContext *dc, const Insn *in) { x86_gen_bcd(dc, &h_daa, in); }
void x86_disas_DAS(DisasContext *dc, const Insn *in) { x86_gen_bcd(dc, &h_das, in); }
void x86_disas_AAA(DisasContext *dc, const Insn *in) { x86_gen_bcd(dc, &h_aaa, in); }
void x86_disas_AAS(DisasContext *dc, const Insn *in) { x86_gen_bcd(dc, &h_aas, in); }
void x86_disas_AAM(DisasContext *dc, const Insn *in) { x86_gen_bcd(dc, &h_aam, in); }
void x86_disas_AAD(DisasContext *dc, const Insn *in) { x86_gen_bcd(dc, &h_aad, in); }

/* --- bit test, scan, count --- */

static void x86_gen_bt(DisasContext *dc, const Insn *in, X86Op op)
{
    IRContext *s = dc->s;
    const Operand *d = &in->ops[0], *o = &in->ops[1];
    int size = d->size, bits = size * 8;
    IRTemp bit = x86_tmp(dc), addr = IR_NO_TEMP, v;

    if (d->kind == OPK_MEM) {
        IRTemp off = x86_ea_offset(dc);
        if (o->kind == OPK_REG) {
            /* the register offset is signed and may leave the operand */
            IRTemp disp = x86_tmp(dc);
            x86_ext(dc, disp, x86_ld_reg(dc, o->reg, size, false), size, true);
            ir_sari(s, disp, disp, __builtin_ctz(bits));
            ir_shli(s, disp, disp, __builtin_ctz(size));
            ir_add(s, off, off, disp);
            x86_ext(dc, off, off, in->addrsize, false);
        }
        addr = x86_seg_linear(dc, in->mem.seg, off, size, in->addrsize, dc->mem_write);
        v = x86_ld_mem(dc, addr, size, false);
    } else {
        v = x86_ld_op(dc, d);
    }
    ir_andi(s, bit, x86_ld_op(dc, o), bits - 1);
    IRTemp cf = x86_tmp(dc);
    ir_shr(s, cf, v, bit);
    ir_andi(s, cf, cf, 1);
    if (op != X86_BT) {
        IRTemp m = x86_tmp(dc), r = x86_tmp(dc);
        ir_shl(s, m, x86_const(dc, 1), bit);
        switch (op) {
        case X86_BTS: ir_or(s, r, v, m); break;
        case X86_BTR: ir_andc(s, r, v, m); break;
        default: ir_xor(s, r, v, m); break;
        }
        if (addr != IR_NO_TEMP) {
            x86_st_mem(dc, addr, r, size);
        } else {
            x86_st_op(dc, d, r);
        }
    }
    x86_update_eflags(dc, CC_C, cf);
}

void x86_disas_BT(DisasContext *dc, const Insn *in) { x86_gen_bt(dc, in, X86_BT); }
void x86_disas_BTS(DisasContext *dc, const Insn *in) { x86_gen_bt(dc, in, X86_BTS); }
void x86_disas_BTR(DisasContext *dc, const Insn *in) { x86_gen_bt(dc, in, X86_BTR); }
void x86_disas_BTC(DisasContext *dc, const Insn *in) { x86_gen_bt(dc, in, X86_BTC); }

/* BSF/BSR: ZF = (src == 0) and the destination is left unchanged then. */
static void x86_gen_bitscan(DisasContext *dc, const Insn *in, bool rev)
{
    IRContext *s = dc->s;
    const Operand *d = &in->ops[0];
    IRTemp v = x86_ld_op(dc, &in->ops[1]), old = x86_ld_op(dc, d), r = x86_tmp(dc);
    if (rev) {
        ir_op2(s, IR_clz, r, v, x86_const(dc, 64));
        ir_op2i(s, IR_xor, r, r, 63);            /* 63 - clz */
        ir_movcond(s, IR_COND_EQ, r, v, x86_const(dc, 0), old, r);
    } else {
        ir_op2(s, IR_ctz, r, v, old);
    }
    x86_st_op(dc, d, r);
    x86_set_cc(dc, x86_cc_sized(CC_OP_LOGICB, d->size), v, IR_NO_TEMP, IR_NO_TEMP);
}

void x86_disas_BSF(DisasContext *dc, const Insn *in) { x86_gen_bitscan(dc, in, false); }
void x86_disas_BSR(DisasContext *dc, const Insn *in) { x86_gen_bitscan(dc, in, true); }

void x86_disas_POPCNT(DisasContext *dc, const Insn *in)
{
    IRContext *s = dc->s;
    IRTemp v = x86_ld_op(dc, &in->ops[1]), r = x86_tmp(dc), z = x86_tmp(dc);
    ir_op1(s, IR_ctpop, r, v);
    x86_st_op(dc, &in->ops[0], r);
    ir_setcond(s, IR_COND_EQ, z, v, x86_const(dc, 0));
    ir_shli(s, z, z, 6);                          /* ZF; the others are cleared */
    x86_set_cc(dc, CC_OP_EFLAGS, IR_NO_TEMP, z, IR_NO_TEMP);
}

/* TZCNT/LZCNT: CF = (src == 0), ZF = (result == 0). */
static void x86_gen_count(DisasContext *dc, const Insn *in, bool lead)
{
    IRContext *s = dc->s;
    int bits = in->ops[0].size * 8;
    IRTemp v = x86_ld_op(dc, &in->ops[1]), r = x86_tmp(dc), f = x86_tmp(dc), z = x86_tmp(dc);
    if (lead) {
        ir_op2(s, IR_clz, r, v, x86_const(dc, 64));
        ir_subi(s, r, r, 64 - bits);
    } else {
        ir_op2(s, IR_ctz, r, v, x86_const(dc, bits));
    }
    x86_st_op(dc, &in->ops[0], r);
    ir_setcond(s, IR_COND_EQ, f, v, x86_const(dc, 0));
    ir_setcond(s, IR_COND_EQ, z, r, x86_const(dc, 0));
    ir_shli(s, z, z, 6);
    ir_or(s, f, f, z);
    x86_set_cc(dc, CC_OP_EFLAGS, IR_NO_TEMP, f, IR_NO_TEMP);
}

void x86_disas_TZCNT(DisasContext *dc, const Insn *in) { x86_gen_count(dc, in, false); }
void x86_disas_LZCNT(DisasContext *dc, const Insn *in) { x86_gen_count(dc, in, true); }

/* --- exchange and compare --- */

void x86_disas_XADD(DisasContext *dc, const Insn *in)
{
    const Operand *d = &in->ops[0], *o = &in->ops[1];
    IRTemp a = x86_ld_op(dc, d), b = x86_ld_op(dc, o), r = x86_tmp(dc);
    ir_add(dc->s, r, a, b);
    x86_ext(dc, r, r, d->size, false);
    if (d->kind == OPK_MEM) {
        x86_st_op(dc, d, r);
        x86_st_op(dc, o, a);
    } else {
        x86_st_op(dc, o, a);
        x86_st_op(dc, d, r);
    }
    x86_set_cc(dc, x86_cc_sized(CC_OP_ADDB, d->size), r, b, IR_NO_TEMP);
}

void x86_disas_CMPXCHG(DisasContext *dc, const Insn *in)
{
    IRContext *s = dc->s;
    const Operand *d = &in->ops[0];
    int size = d->size;
    IRTemp acc = x86_ld_reg(dc, R_EAX, size, false);
    IRTemp v = x86_ld_op(dc, d), src = x86_ld_op(dc, &in->ops[1]);
    IRTemp nv = x86_tmp(dc), r = x86_tmp(dc);

    ir_movcond(s, IR_COND_EQ, nv, acc, v, src, v);
    if (d->kind == OPK_REG && size == 4) {
        /* a 32-bit register is written (zero-extended) only on a match:
         * on a mismatch its upper half stays, as on hardware */
        IRTemp dm = x86_tmp(dc);
        x86_reg_merge(dc, dm, G_REG(d->reg), size, false, src);
        ir_movcond(s, IR_COND_EQ, G_REG(d->reg), acc, v, dm, G_REG(d->reg));
    } else {
        x86_st_op(dc, d, nv);                    /* memory: written in both cases */
    }
    /* the accumulator is written only on a mismatch (a 32-bit write
     * zero-extends, so an unconditional write would be wrong in 64-bit mode) */
    IRTemp merged = x86_tmp(dc);
    x86_reg_merge(dc, merged, G_REG(R_EAX), size, false, v);
    ir_movcond(s, IR_COND_EQ, G_REG(R_EAX), acc, v, G_REG(R_EAX), merged);
    ir_sub(s, r, acc, v);
    x86_ext(dc, r, r, size, false);
    x86_set_cc(dc, x86_cc_sized(CC_OP_SUBB, size), r, v, IR_NO_TEMP);
}

static void x86_gen_cmpxchg_wide(DisasContext *dc, const IRHelper *h, int size)
{
    IRTemp addr = x86_mem_addr(dc, size);
    x86_call_helper(dc, h, IR_NO_TEMP, (IRTemp[]){ addr });
    x86_cc_op_from_helper(dc, CC_OP_EFLAGS);
}

void x86_disas_CMPXCHG8B(DisasContext *dc, const Insn *in)
{
    x86_gen_cmpxchg_wide(dc, &h_cmpxchg8b, 8);
}

void x86_disas_CMPXCHG16B(DisasContext *dc, const Insn *in)
{
    x86_gen_cmpxchg_wide(dc, &h_cmpxchg16b, 16);
}

void x86_disas_SETCC(DisasContext *dc, const Insn *in)
{
    CCPrep p = x86_prepare_cc(dc, in->cond);
    IRTemp t = x86_tmp(dc);
    ir_setcond(dc->s, p.cond, t, p.a, p.b);
    x86_st_op(dc, &in->ops[0], t);
}

void x86_disas_CMOVCC(DisasContext *dc, const Insn *in)
{
    const Operand *d = &in->ops[0];
    IRTemp v = x86_ld_op(dc, &in->ops[1]), old = x86_ld_op(dc, d), r = x86_tmp(dc);
    CCPrep p = x86_prepare_cc(dc, in->cond);
    ir_movcond(dc->s, p.cond, r, p.a, p.b, v, old);
    x86_st_op(dc, d, r);
}
