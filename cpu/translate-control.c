/*
 * translate-control.c - control transfers and the stack: Jcc, JMP, CALL,
 * RET, LOOP/JCXZ, far transfers and IRET (helpers), INT n/INT3/INTO/INT1,
 * BOUND, PUSH/POP (incl. segment registers), PUSHA/POPA, PUSHF/POPF,
 * ENTER/LEAVE.
 *
 * Invariants: near targets are truncated to the operand size (16-bit code
 * wraps IP at 64 KiB); every conditional transfer writes cc_op before its
 * branch so both exits see it; far transfers, IRET and software interrupts
 * leave EIP to their helper (which receives the next EIP when it needs it)
 * and end the block with exit_tb(0). Multi-slot stack operations compute
 * every address from the old rSP and write rSP once at the end, so a fault
 * in the middle leaves rSP unchanged.
 */
#include "cpu/translate.h"

static uint64_t x86_rel_target(DisasContext *dc, const Insn *in)
{
    for (int i = 0; i < in->nb_ops; i++) {
        if (in->ops[i].kind == OPK_REL) {
            /* 64-bit mode: near branches are 64-bit whatever the prefixes */
            int size = dc->code64 ? 8 : in->opsize;
            return (dc->next_pc + (uint64_t)in->ops[i].imm) & x86_size_mask(size);
        }
    }
    return dc->next_pc;
}

/* Branch to target when p holds, else fall through to the next insn. */
static void x86_gen_cond_jump(DisasContext *dc, CCPrep p, uint64_t target)
{
    IRLabel *taken = ir_label_new(dc->s);
    x86_sync_cc_op(dc);
    ir_brcond(dc->s, p.cond, p.a, p.b, taken);
    x86_jmp_to(dc, dc->next_pc, 0);
    ir_set_label(dc->s, taken);
    x86_jmp_to(dc, target, 1);
    dc->jmp = DISAS_EXITED;
}

void x86_disas_JCC(DisasContext *dc, const Insn *in)
{
    x86_gen_cond_jump(dc, x86_prepare_cc(dc, in->cond), x86_rel_target(dc, in));
}

void x86_disas_JMP(DisasContext *dc, const Insn *in)
{
    x86_jmp_to(dc, x86_rel_target(dc, in), 0);
    dc->jmp = DISAS_EXITED;
}

static void x86_jump_indirect(DisasContext *dc, IRTemp target, int opsize)
{
    IRTemp t = x86_tmp(dc);
    x86_ext(dc, t, target, opsize, false);
    x86_st_rip_temp(dc, t);
    x86_exit_indirect_eip(dc, t);
    dc->jmp = DISAS_EXITED;
}

void x86_disas_JMP_IND(DisasContext *dc, const Insn *in)
{
    x86_jump_indirect(dc, x86_ld_op(dc, &in->ops[0]), in->opsize);
}

void x86_disas_CALL(DisasContext *dc, const Insn *in)
{
    x86_push(dc, x86_const(dc, dc->next_pc), in->opsize);
    x86_jmp_to(dc, x86_rel_target(dc, in), 0);
    dc->jmp = DISAS_EXITED;
}

void x86_disas_CALL_IND(DisasContext *dc, const Insn *in)
{
    IRTemp target = x86_ld_op(dc, &in->ops[0]);
    x86_push(dc, x86_const(dc, dc->next_pc), in->opsize);
    x86_jump_indirect(dc, target, in->opsize);
}

void x86_disas_RET(DisasContext *dc, const Insn *in)
{
    int64_t extra = in->nb_ops ? (in->ops[0].imm & 0xffff) : 0;
    IRTemp target = x86_pop_peek(dc, in->opsize, 0);
    x86_sp_add(dc, in->opsize + extra);
    x86_jump_indirect(dc, target, in->opsize);
}

/* --- far transfers --- */

static bool x86_real_or_vm86(DisasContext *dc)
{
    return !dc->pe || dc->vm86;
}

/* Selector and offset of a far pointer operand (FARPTR or m16:16/32/64). */
static void x86_far_pointer(DisasContext *dc, const Insn *in, IRTemp *sel, IRTemp *off)
{
    const Operand *o = &in->ops[0];
    if (o->kind == OPK_FARPTR) {
        *sel = x86_const(dc, o->imm2 & 0xffff);
        *off = x86_const(dc, (uint64_t)o->imm & x86_size_mask(in->opsize));
        return;
    }
    IRTemp addr = x86_mem_addr(dc, in->opsize + 2), a2 = x86_tmp(dc);
    *off = x86_ld_mem(dc, addr, in->opsize, false);
    ir_addi(dc->s, a2, addr, in->opsize);
    if (!dc->code64) {
        ir_op1(dc->s, IR_ext32u, a2, a2);
    }
    *sel = x86_ld_mem(dc, a2, 2, false);
}

static void x86_gen_far_jump(DisasContext *dc, const Insn *in)
{
    IRTemp sel, off;
    x86_far_pointer(dc, in, &sel, &off);
    if (x86_real_or_vm86(dc)) {
        x86_call_helper(dc, &h_ljmp_real, IR_NO_TEMP, (IRTemp[]){ sel, off });
    } else {
        x86_call_helper(dc, &h_ljmp_protected, IR_NO_TEMP,
                        (IRTemp[]){ sel, off, x86_const(dc, dc->next_pc) });
    }
    x86_exit_state_changed(dc);
    dc->jmp = DISAS_EXITED;
}

void x86_disas_JMPF(DisasContext *dc, const Insn *in) { x86_gen_far_jump(dc, in); }
void x86_disas_JMPF_IND(DisasContext *dc, const Insn *in) { x86_gen_far_jump(dc, in); }

static void x86_gen_far_call(DisasContext *dc, const Insn *in)
{
    IRTemp sel, off;
    x86_far_pointer(dc, in, &sel, &off);
    x86_call_helper(dc, x86_real_or_vm86(dc) ? &h_lcall_real : &h_lcall_protected, IR_NO_TEMP,
                    (IRTemp[]){ sel, off, x86_const(dc, in->opsize),
                                x86_const(dc, dc->next_pc) });
    x86_exit_state_changed(dc);
    dc->jmp = DISAS_EXITED;
}

void x86_disas_CALLF(DisasContext *dc, const Insn *in) { x86_gen_far_call(dc, in); }
void x86_disas_CALLF_IND(DisasContext *dc, const Insn *in) { x86_gen_far_call(dc, in); }

void x86_disas_RETF(DisasContext *dc, const Insn *in)
{
    uint64_t extra = in->nb_ops ? ((uint64_t)in->ops[0].imm & 0xffff) : 0;
    x86_call_helper(dc, &h_lret, IR_NO_TEMP,
                    (IRTemp[]){ x86_const(dc, in->opsize), x86_const(dc, extra) });
    x86_exit_state_changed(dc);
    dc->jmp = DISAS_EXITED;
}

void x86_disas_IRET(DisasContext *dc, const Insn *in)
{
    x86_call_helper(dc, &h_iret, IR_NO_TEMP,
                    (IRTemp[]){ x86_const(dc, in->opsize), x86_const(dc, dc->next_pc) });
    x86_exit_state_changed(dc);
    dc->jmp = DISAS_EXITED;
}

/* --- loops --- */

static void x86_gen_loop(DisasContext *dc, const Insn *in, int zcond)
{
    IRContext *s = dc->s;
    int aw = in->addrsize;
    IRTemp cx = x86_tmp(dc), t = x86_tmp(dc);

    ir_subi(s, cx, G_REG(R_ECX), 1);
    x86_ext(dc, cx, cx, aw, false);
    x86_st_reg(dc, R_ECX, aw, false, cx);
    ir_setcond(s, IR_COND_NE, t, cx, x86_const(dc, 0));
    if (zcond >= 0) {
        CCPrep p = x86_prepare_cc(dc, zcond);
        IRTemp z = x86_tmp(dc);
        ir_setcond(s, p.cond, z, p.a, p.b);
        ir_and(s, t, t, z);
    }
    x86_gen_cond_jump(dc, (CCPrep){ IR_COND_NE, t, x86_const(dc, 0) }, x86_rel_target(dc, in));
}

void x86_disas_LOOP(DisasContext *dc, const Insn *in) { x86_gen_loop(dc, in, -1); }
void x86_disas_LOOPE(DisasContext *dc, const Insn *in) { x86_gen_loop(dc, in, 4); }
void x86_disas_LOOPNE(DisasContext *dc, const Insn *in) { x86_gen_loop(dc, in, 5); }

void x86_disas_JCXZ(DisasContext *dc, const Insn *in)
{
    IRTemp cx = x86_ld_reg(dc, R_ECX, in->addrsize, false);
    x86_gen_cond_jump(dc, (CCPrep){ IR_COND_EQ, cx, x86_const(dc, 0) }, x86_rel_target(dc, in));
}

/* --- interrupts --- */

static void x86_gen_int(DisasContext *dc, int vector)
{
    x86_st_rip(dc, dc->pc);
    x86_call_helper(dc, &h_raise_interrupt, IR_NO_TEMP,
                    (IRTemp[]){ x86_const(dc, vector), x86_const(dc, dc->next_pc) });
    ir_exit_tb(dc->s, 0);
    dc->jmp = DISAS_EXITED;
}

void x86_disas_INT(DisasContext *dc, const Insn *in)
{
    x86_gen_int(dc, (int)(in->ops[0].imm & 0xff));
}

void x86_disas_INT3(DisasContext *dc, const Insn *in)
{
    x86_gen_int(dc, EXCP_BP);
}

void x86_disas_INT1(DisasContext *dc, const Insn *in)
{
    x86_st_rip(dc, dc->pc);
    x86_call_helper(dc, &h_int1, IR_NO_TEMP, (IRTemp[]){ x86_const(dc, dc->next_pc) });
    ir_exit_tb(dc->s, 0);
    dc->jmp = DISAS_EXITED;
}

void x86_disas_INTO(DisasContext *dc, const Insn *in)
{
    /* the helper reads OF from the lazy state and returns when it is clear */
    x86_call_helper(dc, &h_into, IR_NO_TEMP, (IRTemp[]){ x86_const(dc, dc->next_pc) });
}

void x86_disas_BOUND(DisasContext *dc, const Insn *in)
{
    int size = in->ops[0].size;
    IRTemp idx = x86_ld_op(dc, &in->ops[0]);
    IRTemp addr = x86_mem_addr(dc, size * 2);
    x86_call_helper(dc, &h_bound, IR_NO_TEMP, (IRTemp[]){ idx, addr, x86_const(dc, size) });
}

/* --- stack --- */

void x86_disas_PUSH(DisasContext *dc, const Insn *in)
{
    x86_push(dc, x86_ld_op(dc, &in->ops[0]), in->opsize);
}

void x86_disas_PUSH_SEG(DisasContext *dc, const Insn *in)
{
    x86_disas_PUSH(dc, in);
}

void x86_disas_POP(DisasContext *dc, const Insn *in)
{
    const Operand *d = &in->ops[0];
    int size = in->opsize;
    IRTemp v = x86_pop_peek(dc, size, 0);

    if (d->kind == OPK_SREG) {
        x86_load_seg(dc, d->reg, v);       /* may fault: rSP still old */
        x86_sp_add(dc, size);
    } else if (d->kind == OPK_MEM) {
        /* the address uses the incremented rSP, but a faulting store must
         * leave rSP as it was */
        IRTemp old = x86_tmp(dc);
        ir_mov(dc->s, old, G_REG(R_ESP));
        x86_sp_add(dc, size);
        IRTemp addr = x86_mem_addr(dc, size), nsp = x86_tmp(dc);
        ir_mov(dc->s, nsp, G_REG(R_ESP));
        ir_mov(dc->s, G_REG(R_ESP), old);
        x86_st_mem(dc, addr, v, size);
        ir_mov(dc->s, G_REG(R_ESP), nsp);
    } else {
        x86_sp_add(dc, size);
        x86_st_op(dc, d, v);                /* POP rSP: the popped value wins */
    }
}

void x86_disas_POP_SEG(DisasContext *dc, const Insn *in)
{
    x86_disas_POP(dc, in);
}

void x86_disas_PUSHA(DisasContext *dc, const Insn *in)
{
    int size = in->opsize;
    IRTemp sp = x86_tmp(dc);
    ir_mov(dc->s, sp, G_REG(R_ESP));
    for (int r = R_EAX; r <= R_EDI; r++) {
        IRTemp addr = x86_stack_addr(dc, sp, -(int64_t)size * (r + 1), size);
        x86_st_mem(dc, addr, r == R_ESP ? sp : G_REG(r), size);
    }
    x86_sp_add(dc, -(int64_t)size * 8);
}

void x86_disas_POPA(DisasContext *dc, const Insn *in)
{
    int size = in->opsize;
    IRTemp v[8];
    for (int r = R_EDI; r >= R_EAX; r--) {
        if (r != R_ESP) {
            v[r] = x86_pop_peek(dc, size, size * (R_EDI - r));
        }
    }
    for (int r = R_EAX; r <= R_EDI; r++) {
        if (r != R_ESP) {
            x86_st_reg(dc, r, size, false, v[r]);
        }
    }
    x86_sp_add(dc, size * 8);
}

void x86_disas_PUSHF(DisasContext *dc, const Insn *in)
{
    IRTemp f = x86_tmp(dc);
    if (dc->vm86 && ((dc->flags & HF_IOPL_MASK) >> HF_IOPL_SHIFT) < 3) {
        x86_call_helper(dc, &h_pushf_check, IR_NO_TEMP, NULL);
    }
    x86_call_helper(dc, &h_read_eflags, f, NULL);
    ir_andi(dc->s, f, f, ~(uint64_t)(VM_MASK | RF_MASK));   /* not in the image */
    x86_push(dc, f, in->opsize);
}

void x86_disas_POPF(DisasContext *dc, const Insn *in)
{
    IRTemp v = x86_pop_peek(dc, in->opsize, 0);
    x86_call_helper(dc, &h_popf, IR_NO_TEMP, (IRTemp[]){ v, x86_const(dc, in->opsize) });
    x86_cc_op_from_helper(dc, CC_OP_DYNAMIC);
    x86_sp_add(dc, in->opsize);
    dc->jmp = DISAS_STOP;                 /* IF, TF, IOPL, AC... may have changed */
}

void x86_disas_ENTER(DisasContext *dc, const Insn *in)
{
    IRContext *s = dc->s;
    int size = in->opsize, ssz = x86_stack_size(dc);
    uint64_t frame_size = (uint64_t)in->ops[0].imm & 0xffff;
    int level = (int)(in->ops[1].imm & 31);
    IRTemp sp = x86_tmp(dc), bp = x86_tmp(dc), frame = x86_tmp(dc);
    int64_t pos = -size;

    ir_mov(s, sp, G_REG(R_ESP));
    ir_mov(s, bp, G_REG(R_EBP));
    x86_st_mem(dc, x86_stack_addr(dc, sp, pos, size), bp, size);
    ir_addi(s, frame, sp, (uint64_t)pos);
    x86_ext(dc, frame, frame, ssz, false);
    for (int i = 1; i < level; i++) {
        IRTemp v = x86_ld_mem(dc, x86_stack_addr(dc, bp, -(int64_t)size * i, size), size, false);
        pos -= size;
        x86_st_mem(dc, x86_stack_addr(dc, sp, pos, size), v, size);
    }
    if (level > 0) {
        pos -= size;
        x86_st_mem(dc, x86_stack_addr(dc, sp, pos, size), frame, size);
    }
    x86_st_reg(dc, R_EBP, ssz, false, frame);
    x86_sp_add(dc, pos - (int64_t)frame_size);
}

void x86_disas_LEAVE(DisasContext *dc, const Insn *in)
{
    int size = in->opsize, ssz = x86_stack_size(dc);
    IRTemp bp = x86_tmp(dc);
    ir_mov(dc->s, bp, G_REG(R_EBP));
    IRTemp v = x86_ld_mem(dc, x86_stack_addr(dc, bp, 0, size), size, false);
    IRTemp nsp = x86_tmp(dc);
    ir_addi(dc->s, nsp, bp, size);
    x86_st_reg(dc, R_ESP, ssz, false, nsp);
    x86_st_reg(dc, R_EBP, size, false, v);
}
