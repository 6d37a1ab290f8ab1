/*
 * translate-cc.c - lazy flags at translation time: setting the lazy state,
 * materializing EFLAGS or CF, and preparing Jcc/SETcc/CMOVcc conditions.
 *
 * Invariants: conditions after CMP/SUB, logic ops and result-only tests
 * (ZF, SF) are computed from cc_dst/cc_src with one compare, relying on the
 * translator's own invariant that those globals hold values zero-extended to
 * the operation size while dc->cc_op is static. After a SUB/CMP of this
 * block, its first operand is read from dc->cc_src1 instead of being rebuilt
 * as cc_dst + cc_src (valid until the next change of dc->cc_op). Anything
 * else goes through EFLAGS (cc_src itself under CC_OP_EFLAGS, else
 * h_cc_compute_all).
 */
#include "cpu/translate.h"

static int x86_size_log2(int size)
{
    return size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
}

CCOp x86_cc_sized(CCOp base_b, int size)
{
    return (CCOp)(base_b + x86_size_log2(size));
}

/* Group base (the B member) and size in bytes of a sized cc_op. */
static bool x86_cc_group(CCOp op, CCOp *base, int *size)
{
    if (op < CC_OP_ADDB || op >= CC_OP_NB) {
        return false;
    }
    unsigned idx = op - CC_OP_ADDB;
    *base = (CCOp)(CC_OP_ADDB + (idx & ~3u));
    *size = 1 << (idx & 3);
    return true;
}

void x86_set_cc(DisasContext *dc, CCOp op, IRTemp dst, IRTemp src, IRTemp src2)
{
    if (dst != IR_NO_TEMP) {
        ir_mov(dc->s, G_CC_DST, dst);
    }
    if (src != IR_NO_TEMP) {
        ir_mov(dc->s, G_CC_SRC, src);
    }
    if (src2 != IR_NO_TEMP) {
        ir_mov(dc->s, G_CC_SRC2, src2);
    }
    x86_set_cc_op(dc, op);
}

void x86_set_cc_sub(DisasContext *dc, int size, IRTemp dst, IRTemp src1, IRTemp src)
{
    if (dc->cc_src1 == IR_NO_TEMP) {
        dc->cc_src1 = ir_temp_tb(dc->s, IR_I64);
    }
    ir_mov(dc->s, dc->cc_src1, src1);     /* dead code unless a condition reads it */
    x86_set_cc(dc, x86_cc_sized(CC_OP_SUBB, size), dst, src, IR_NO_TEMP);
    dc->cc_src1_valid = true;
}

/* The first operand of the last SUB-group op: cc_dst + cc_src at its size. */
static IRTemp x86_sub_src1(DisasContext *dc, int size)
{
    if (dc->cc_src1_valid) {
        return dc->cc_src1;
    }
    IRTemp t = x86_tmp(dc);
    ir_add(dc->s, t, G_CC_DST, G_CC_SRC);
    x86_ext(dc, t, t, size, false);
    return t;
}

IRTemp x86_compute_eflags(DisasContext *dc)
{
    IRTemp t = x86_tmp(dc);
    switch (dc->cc_op) {
    case CC_OP_EFLAGS:
        ir_mov(dc->s, t, G_CC_SRC);
        break;
    case CC_OP_CLR:
        ir_movi(dc->s, t, CC_Z | CC_P);
        break;
    default:
        x86_call_helper(dc, &h_cc_compute_all, t, NULL);
        break;
    }
    return t;
}

IRTemp x86_compute_c(DisasContext *dc)
{
    IRContext *s = dc->s;
    IRTemp t = x86_tmp(dc);
    CCOp base;
    int size;

    if (dc->cc_op == CC_OP_EFLAGS) {
        ir_andi(s, t, G_CC_SRC, CC_C);
        return t;
    }
    if (dc->cc_op == CC_OP_CLR) {
        ir_movi(s, t, 0);
        return t;
    }
    if (x86_cc_group(dc->cc_op, &base, &size)) {
        switch (base) {
        case CC_OP_ADDB:        /* carry iff result < addend */
            ir_setcond(s, IR_COND_LTU, t, G_CC_DST, G_CC_SRC);
            return t;
        case CC_OP_SUBB:        /* borrow iff src1 < src */
            ir_setcond(s, IR_COND_LTU, t, x86_sub_src1(dc, size), G_CC_SRC);
            return t;
        case CC_OP_LOGICB:
            ir_movi(s, t, 0);
            return t;
        case CC_OP_INCB:
        case CC_OP_DECB:
            ir_mov(s, t, G_CC_SRC);
            return t;
        case CC_OP_SHLB:
            ir_extract(s, t, G_CC_SRC, size * 8 - 1, 1);
            return t;
        case CC_OP_SARB:
            ir_andi(s, t, G_CC_SRC, 1);
            return t;
        case CC_OP_MULB:
            ir_setcond(s, IR_COND_NE, t, G_CC_SRC, x86_const(dc, 0));
            return t;
        default:
            break;
        }
    }
    x86_call_helper(dc, &h_cc_compute_c, t, NULL);
    return t;
}

void x86_update_eflags(DisasContext *dc, uint32_t mask, IRTemp bits)
{
    IRTemp f = x86_compute_eflags(dc);
    ir_andi(dc->s, f, f, ~(uint64_t)mask & CC_ALL);
    if (bits != IR_NO_TEMP) {
        ir_or(dc->s, f, f, bits);
    }
    x86_set_cc(dc, CC_OP_EFLAGS, IR_NO_TEMP, f, IR_NO_TEMP);
}

static IRTemp x86_sext(DisasContext *dc, IRTemp v, int size)
{
    IRTemp t = x86_tmp(dc);
    x86_ext(dc, t, v, size, true);
    return t;
}

static CCPrep x86_cc_never(DisasContext *dc)
{
    return (CCPrep){ IR_COND_EQ, x86_const(dc, 0), x86_const(dc, 1) };
}

/* Condition base (cc >> 1) from an EFLAGS value f. */
static CCPrep x86_cc_from_eflags(DisasContext *dc, int base, IRTemp f)
{
    static const uint32_t bit[8] = { CC_O, CC_C, CC_Z, CC_C | CC_Z, CC_S, CC_P, 0, 0 };
    IRContext *s = dc->s;
    IRTemp t = x86_tmp(dc);

    if (bit[base]) {
        return (CCPrep){ IR_COND_TSTNE, f, x86_const(dc, bit[base]) };
    }
    ir_shri(s, t, f, 4);                 /* OF (bit 11) onto SF (bit 7) */
    ir_xor(s, t, t, f);
    ir_andi(s, t, t, CC_S);
    if (base == 7) {                     /* LE: ZF | (SF ^ OF) */
        IRTemp z = x86_tmp(dc);
        ir_andi(s, z, f, CC_Z);
        ir_or(s, t, t, z);
    }
    return (CCPrep){ IR_COND_NE, t, x86_const(dc, 0) };
}

/* Fast paths from cc_dst/cc_src; returns false when none applies. */
static bool x86_cc_fast(DisasContext *dc, int base, CCPrep *p)
{
    CCOp group;
    int size;
    IRTemp zero = x86_const(dc, 0);

    if (!x86_cc_group(dc->cc_op, &group, &size)) {
        return false;
    }
    if (group == CC_OP_SUBB && base != 0 && base != 5) {
        IRTemp src1 = x86_sub_src1(dc, size);
        switch (base) {
        case 1: *p = (CCPrep){ IR_COND_LTU, src1, G_CC_SRC }; return true;
        case 3: *p = (CCPrep){ IR_COND_LEU, src1, G_CC_SRC }; return true;
        case 6: *p = (CCPrep){ IR_COND_LT, x86_sext(dc, src1, size),
                               x86_sext(dc, G_CC_SRC, size) }; return true;
        case 7: *p = (CCPrep){ IR_COND_LE, x86_sext(dc, src1, size),
                               x86_sext(dc, G_CC_SRC, size) }; return true;
        default: break;
        }
    }
    if (group == CC_OP_LOGICB) {
        switch (base) {
        case 0: case 1: *p = x86_cc_never(dc); return true;
        case 3: *p = (CCPrep){ IR_COND_EQ, G_CC_DST, zero }; return true;
        case 6: *p = (CCPrep){ IR_COND_LT, x86_sext(dc, G_CC_DST, size), zero }; return true;
        case 7: *p = (CCPrep){ IR_COND_LE, x86_sext(dc, G_CC_DST, size), zero }; return true;
        default: break;
        }
    }
    if (group == CC_OP_ADDB && base == 1) {
        *p = (CCPrep){ IR_COND_LTU, G_CC_DST, G_CC_SRC };
        return true;
    }
    /* every sized group keeps the result in cc_dst */
    if (base == 2) {
        *p = (CCPrep){ IR_COND_EQ, G_CC_DST, zero };
        return true;
    }
    if (base == 4) {
        *p = (CCPrep){ IR_COND_LT, x86_sext(dc, G_CC_DST, size), zero };
        return true;
    }
    return false;
}

CCPrep x86_prepare_cc(DisasContext *dc, int cc)
{
    int base = (cc >> 1) & 7;
    CCPrep p;

    if (!x86_cc_fast(dc, base, &p)) {
        IRTemp f = dc->cc_op == CC_OP_EFLAGS ? G_CC_SRC : x86_compute_eflags(dc);
        p = x86_cc_from_eflags(dc, base, f);
    }
    if (cc & 1) {
        p.cond = ir_cond_invert(p.cond);
    }
    return p;
}
