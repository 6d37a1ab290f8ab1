/*
 * translate-string.c - string instructions (MOVS, CMPS, STOS, LODS, SCAS,
 * INS, OUTS) with REP/REPE/REPNE, and IN/OUT.
 *
 * Invariants: one iteration per pass through the instruction. With a REP
 * prefix the instruction ends the block: the iteration is guarded by
 * rCX != 0 and followed by a jump back to the same instruction (goto_tb
 * slot 1, which chains the block to itself), so interrupts are taken
 * between iterations at the block-entry check, and a fault in iteration n
 * restarts the instruction with the registers of iteration n. rSI/rDI/rCX
 * have the address size; DF is read from env->eflags at run time. The
 * source segment is insn->mem.seg when a segment prefix is present, else
 * DS; the destination is always ES. I/O permission (CPL > IOPL or VM86) is
 * checked by h_check_io before the access; that need is known from hflags.
 *
 * Bulk path: REP MOVS/STOS/LODS/CMPS/SCAS first call h_rep_bulk, which runs
 * a whole chunk (the elements inside the current pages, on plain RAM) and
 * either completes the instruction, re-enters it through the same
 * goto_tb slot 1 exit (so interrupts are still taken between chunks), or
 * declines, and then one element runs on the per-element path. It is used
 * only when no segment involved needs inline rights/limit checks and TF is
 * clear (TF traps after every iteration); INS/OUTS always go per element.
 */
#include "cpu/string.h"
#include "cpu/translate.h"

static int x86_str_size(const Insn *in)
{
    /* the byte forms (A4 A6 AA AC AE 6C 6E) have even opcodes */
    return (in->opcode & 1) ? in->opsize : 1;
}

static int x86_str_src_seg(const Insn *in)
{
    return (in->prefixes & PFX_SEG) ? in->mem.seg : R_DS;
}

/* +size or -size by EFLAGS.DF. */
static IRTemp x86_str_delta(DisasContext *dc, int size)
{
    IRContext *s = dc->s;
    IRTemp t = x86_tmp(dc);
    ir_ld(s, IR_ld, t, s->env, offsetof(CPUX86State, eflags));
    ir_extract(s, t, t, 10, 1);                          /* DF */
    ir_shli(s, t, t, __builtin_ctz(size) + 1);           /* 0 or 2 * size */
    ir_sub(s, t, x86_const(dc, size), t);
    return t;
}

static IRTemp x86_str_addr(DisasContext *dc, int seg, int reg, int size, bool write)
{
    int aw = dc->insn->addrsize;
    IRTemp off = x86_ld_reg(dc, reg, aw, false);
    return x86_seg_linear(dc, seg, off, size, aw, write);
}

static void x86_str_advance(DisasContext *dc, int reg, IRTemp delta)
{
    IRTemp t = x86_tmp(dc);
    ir_add(dc->s, t, G_REG(reg), delta);
    x86_st_reg(dc, reg, dc->insn->addrsize, false, t);
}

static bool x86_io_needs_check(DisasContext *dc)
{
    return dc->pe && (dc->vm86 || dc->cpl > (int)((dc->flags & HF_IOPL_MASK) >> HF_IOPL_SHIFT));
}

static void x86_io_check(DisasContext *dc, IRTemp port, int size)
{
    if (x86_io_needs_check(dc)) {
        x86_call_helper(dc, &h_check_io, IR_NO_TEMP, (IRTemp[]){ port, x86_const(dc, size) });
    }
}

static IRTemp x86_io_in(DisasContext *dc, IRTemp port, int size)
{
    IRTemp v = x86_tmp(dc);
    x86_call_helper(dc, &h_in, v, (IRTemp[]){ port, x86_const(dc, size) });
    return v;
}

static void x86_io_out(DisasContext *dc, IRTemp port, IRTemp v, int size)
{
    x86_call_helper(dc, &h_out, IR_NO_TEMP, (IRTemp[]){ port, v, x86_const(dc, size) });
}

/* One iteration of the string operation; returns true if it sets flags. */
static bool x86_str_body(DisasContext *dc, X86Op op, int size)
{
    IRContext *s = dc->s;
    IRTemp delta = x86_str_delta(dc, size), a, b, r, port;
    int seg = x86_str_src_seg(dc->insn);

    switch (op) {
    case X86_MOVS:
        a = x86_ld_mem(dc, x86_str_addr(dc, seg, R_ESI, size, false), size, false);
        x86_st_mem(dc, x86_str_addr(dc, R_ES, R_EDI, size, true), a, size);
        x86_str_advance(dc, R_ESI, delta);
        x86_str_advance(dc, R_EDI, delta);
        return false;
    case X86_STOS:
        x86_st_mem(dc, x86_str_addr(dc, R_ES, R_EDI, size, true),
                   x86_ld_reg(dc, R_EAX, size, false), size);
        x86_str_advance(dc, R_EDI, delta);
        return false;
    case X86_LODS:
        a = x86_ld_mem(dc, x86_str_addr(dc, seg, R_ESI, size, false), size, false);
        x86_st_reg(dc, R_EAX, size, false, a);
        x86_str_advance(dc, R_ESI, delta);
        return false;
    case X86_CMPS:
    case X86_SCAS:
        if (op == X86_CMPS) {
            a = x86_ld_mem(dc, x86_str_addr(dc, seg, R_ESI, size, false), size, false);
        } else {
            a = x86_ld_reg(dc, R_EAX, size, false);
        }
        b = x86_ld_mem(dc, x86_str_addr(dc, R_ES, R_EDI, size, false), size, false);
        r = x86_tmp(dc);
        ir_sub(s, r, a, b);
        x86_ext(dc, r, r, size, false);
        x86_set_cc(dc, x86_cc_sized(CC_OP_SUBB, size), r, b, IR_NO_TEMP);
        if (op == X86_CMPS) {
            x86_str_advance(dc, R_ESI, delta);
        }
        x86_str_advance(dc, R_EDI, delta);
        return true;
    case X86_INS:
        port = x86_ld_reg(dc, R_EDX, 2, false);
        x86_io_check(dc, port, size);
        /* probe the destination before the port read has side effects */
        a = x86_str_addr(dc, R_ES, R_EDI, size, true);
        x86_st_mem(dc, a, x86_const(dc, 0), size);
        x86_st_mem(dc, a, x86_io_in(dc, port, size), size);
        x86_str_advance(dc, R_EDI, delta);
        return false;
    default: /* OUTS */
        port = x86_ld_reg(dc, R_EDX, 2, false);
        x86_io_check(dc, port, size);
        a = x86_ld_mem(dc, x86_str_addr(dc, seg, R_ESI, size, false), size, false);
        x86_io_out(dc, port, a, size);
        x86_str_advance(dc, R_ESI, delta);
        return false;
    }
}

/* The bulk helper's StrOp for op, or -1 when op always runs per element. */
static int x86_str_bulk_op(X86Op op)
{
    switch (op) {
    case X86_MOVS: return STR_MOVS;
    case X86_STOS: return STR_STOS;
    case X86_LODS: return STR_LODS;
    case X86_CMPS: return STR_CMPS;
    case X86_SCAS: return STR_SCAS;
    default: return -1;
    }
}

/* h_rep_bulk's descriptor for this instruction, or -1 if it cannot use it. */
static int64_t x86_str_bulk_desc(DisasContext *dc, const Insn *in, X86Op op, int size)
{
    int sop = x86_str_bulk_op(op), seg = x86_str_src_seg(in);
    unsigned segs = 1u << R_ES;
    if (sop < 0 || dc->tf) {
        return -1;
    }
    if (sop == STR_LODS) {
        segs = 1u << seg;
    } else if (sop == STR_MOVS || sop == STR_CMPS) {
        segs |= 1u << seg;
    }
    /* the same exemption as x86_seg_linear: real-mode 16-bit offsets */
    if ((dc->segchk & segs) && !(!dc->pe && in->addrsize == 2)) {
        return -1;
    }
    return (int64_t)sop | __builtin_ctz(size) << STR_DESC_SIZE_SHIFT |
           __builtin_ctz(in->addrsize) << STR_DESC_AW_SHIFT | seg << STR_DESC_SEG_SHIFT |
           ((in->prefixes & PFX_REPZ) ? 0 : STR_DESC_REPNE) |   /* as x86_gen_string */
           (dc->code64 ? STR_DESC_CODE64 : 0) | dc->mem_idx << STR_DESC_MMU_SHIFT;
}

/* One bulk chunk: done -> the instruction completed, again -> re-enter it;
 * falls through to the per-element path when the helper declined. */
static void x86_str_bulk(DisasContext *dc, int64_t desc, IRLabel *done, IRLabel *again)
{
    IRContext *s = dc->s;
    IRLabel *slow = ir_label_new(s);
    IRTemp r = ir_temp_tb(s, IR_I64);            /* read after a branch */
    x86_call_helper(dc, &h_rep_bulk, r, (IRTemp[]){ x86_const(dc, (uint64_t)desc) });
    ir_brcondi(s, IR_COND_EQ, r, STR_BULK_NONE, slow);
    ir_brcondi(s, IR_COND_EQ, r, STR_BULK_DONE, done);
    ir_br(s, again);
    ir_set_label(s, slow);
}

static void x86_gen_string(DisasContext *dc, const Insn *in, X86Op op)
{
    IRContext *s = dc->s;
    int size = x86_str_size(in), aw = in->addrsize;
    bool rep = (in->prefixes & (PFX_REPZ | PFX_REPNZ)) != 0;

    if (!rep) {
        x86_str_body(dc, op, size);
        return;
    }
    IRLabel *done = ir_label_new(s), *again = ir_label_new(s);
    int64_t desc = x86_str_bulk_desc(dc, in, op, size);
    x86_sync_cc_op(dc);
    ir_brcondi(s, IR_COND_EQ, x86_ld_reg(dc, R_ECX, aw, false), 0, done);
    if (desc >= 0) {
        x86_str_bulk(dc, desc, done, again);
    }
    bool sets_flags = x86_str_body(dc, op, size);
    IRTemp cx = x86_tmp(dc);
    ir_subi(s, cx, G_REG(R_ECX), 1);
    x86_st_reg(dc, R_ECX, aw, false, cx);
    x86_sync_cc_op(dc);
    if (sets_flags) {
        /* REPE stops when ZF = 0, REPNE when ZF = 1 */
        CCPrep p = x86_prepare_cc(dc, (in->prefixes & PFX_REPZ) ? 5 : 4);
        ir_brcond(s, p.cond, p.a, p.b, done);
    }
    ir_brcondi(s, IR_COND_EQ, x86_ld_reg(dc, R_ECX, aw, false), 0, done);
    ir_set_label(s, again);
    x86_jmp_to(dc, dc->pc, 1);
    ir_set_label(s, done);
    x86_cc_op_from_helper(dc, CC_OP_DYNAMIC);
    x86_jmp_to(dc, dc->next_pc, 0);
    dc->jmp = DISAS_EXITED;
}

#define DEF_STRING(n) \
    void x86_disas_##n(DisasContext *dc, const Insn *in) { x86_gen_string(dc, in, X86_##n); }
DEF_STRING(MOVS) DEF_STRING(CMPS) DEF_STRING(STOS) DEF_STRING(LODS)
DEF_STRING(SCAS) DEF_STRING(INS) DEF_STRING(OUTS)

void x86_disas_IN(DisasContext *dc, const Insn *in)
{
    const Operand *d = &in->ops[0];
    IRTemp port = x86_ld_op(dc, &in->ops[1]);
    x86_io_check(dc, port, d->size);
    x86_st_op(dc, d, x86_io_in(dc, port, d->size));
}

void x86_disas_OUT(DisasContext *dc, const Insn *in)
{
    const Operand *v = &in->ops[1];
    IRTemp port = x86_ld_op(dc, &in->ops[0]);
    IRTemp val = x86_ld_op(dc, v);
    x86_io_check(dc, port, v->size);
    x86_io_out(dc, port, val, v->size);
}
