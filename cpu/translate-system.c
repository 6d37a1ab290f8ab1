/*
 * translate-system.c - system and miscellaneous instructions: segment
 * register moves and far-pointer loads, control/debug registers, descriptor
 * tables, LAR/LSL/VERR/VERW/ARPL, CPUID/RDTSC/MSRs, SYSENTER/SYSCALL
 * families, CLI/STI/CLD/STD, HLT/PAUSE/WAIT, no-ops, #UD, x87 escapes.
 *
 * Invariants: privilege (IA_PRIV) and real-mode (IA_NO_REAL) checks were
 * done by the dispatcher from hflags; helpers do the run-time checks (IOPL,
 * descriptor rules, UMIP...). Instructions that may change hflags, the
 * interrupt shadow or the code mapping end the block (DISAS_STOP: store the
 * next EIP and exit_tb(0)); those whose helper sets EIP (SYSENTER...) exit
 * without storing it.
 */
#include "cpu/translate.h"
#include "kestrel/log.h"

/* --- segments --- */

void x86_disas_MOV_TO_SEG(DisasContext *dc, const Insn *in)
{
    int seg = in->ops[0].reg;
    if (seg == R_CS || seg >= NB_SEGS) {
        x86_gen_exception(dc, EXCP_UD, -1);
        return;
    }
    x86_load_seg(dc, seg, x86_ld_op(dc, &in->ops[1]));
}

void x86_disas_MOV_FROM_SEG(DisasContext *dc, const Insn *in)
{
    x86_st_op(dc, &in->ops[0], x86_ld_op(dc, &in->ops[1]));
}

/* LDS/LES/LFS/LGS/LSS: offset first, then selector; the register is
 * written only after the segment load succeeded. */
static void x86_gen_load_far(DisasContext *dc, const Insn *in, int seg)
{
    const Operand *d = &in->ops[0];
    IRTemp addr = x86_mem_addr(dc, d->size + 2), a2 = x86_tmp(dc);
    IRTemp off = x86_ld_mem(dc, addr, d->size, false);
    ir_addi(dc->s, a2, addr, d->size);
    if (!dc->code64) {
        ir_op1(dc->s, IR_ext32u, a2, a2);
    }
    IRTemp sel = x86_ld_mem(dc, a2, 2, false);
    x86_load_seg(dc, seg, sel);
    x86_st_reg(dc, d->reg, d->size, false, off);
}

void x86_disas_LDS(DisasContext *dc, const Insn *in) { x86_gen_load_far(dc, in, R_DS); }
void x86_disas_LES(DisasContext *dc, const Insn *in) { x86_gen_load_far(dc, in, R_ES); }
void x86_disas_LFS(DisasContext *dc, const Insn *in) { x86_gen_load_far(dc, in, R_FS); }
void x86_disas_LGS(DisasContext *dc, const Insn *in) { x86_gen_load_far(dc, in, R_GS); }
void x86_disas_LSS(DisasContext *dc, const Insn *in) { x86_gen_load_far(dc, in, R_SS); }

/* --- control and debug registers --- */

void x86_disas_MOV_TO_CR(DisasContext *dc, const Insn *in)
{
    x86_call_helper(dc, &h_write_cr, IR_NO_TEMP,
                    (IRTemp[]){ x86_const(dc, in->ops[0].reg), x86_ld_op(dc, &in->ops[1]) });
    dc->jmp = DISAS_STOP;
}

void x86_disas_MOV_FROM_CR(DisasContext *dc, const Insn *in)
{
    IRTemp v = x86_tmp(dc);
    x86_call_helper(dc, &h_read_cr, v, (IRTemp[]){ x86_const(dc, in->ops[1].reg) });
    x86_st_op(dc, &in->ops[0], v);
}

void x86_disas_MOV_TO_DR(DisasContext *dc, const Insn *in)
{
    x86_call_helper(dc, &h_write_dr, IR_NO_TEMP,
                    (IRTemp[]){ x86_const(dc, in->ops[0].reg), x86_ld_op(dc, &in->ops[1]) });
    dc->jmp = DISAS_STOP;
}

void x86_disas_MOV_FROM_DR(DisasContext *dc, const Insn *in)
{
    IRTemp v = x86_tmp(dc);
    x86_call_helper(dc, &h_read_dr, v, (IRTemp[]){ x86_const(dc, in->ops[1].reg) });
    x86_st_op(dc, &in->ops[0], v);
}

void x86_disas_LMSW(DisasContext *dc, const Insn *in)
{
    x86_call_helper(dc, &h_lmsw, IR_NO_TEMP, (IRTemp[]){ x86_ld_op(dc, &in->ops[0]) });
    dc->jmp = DISAS_STOP;
}

void x86_disas_SMSW(DisasContext *dc, const Insn *in)
{
    IRTemp v = x86_tmp(dc);
    ir_ld(dc->s, IR_ld, v, dc->s->env, offsetof(CPUX86State, cr[0]));
    x86_ext(dc, v, v, in->ops[0].size, false);
    x86_st_op(dc, &in->ops[0], v);
}

void x86_disas_CLTS(DisasContext *dc, const Insn *in)
{
    x86_call_helper(dc, &h_clts, IR_NO_TEMP, NULL);
    dc->jmp = DISAS_STOP;
}

void x86_disas_INVLPG(DisasContext *dc, const Insn *in)
{
    x86_call_helper(dc, &h_invlpg, IR_NO_TEMP, (IRTemp[]){ x86_mem_addr(dc, 1) });
    dc->jmp = DISAS_STOP;
}

/* --- descriptor tables --- */

static void x86_gen_table_op(DisasContext *dc, const Insn *in, const IRHelper *h)
{
    x86_call_helper(dc, h, IR_NO_TEMP,
                    (IRTemp[]){ x86_mem_addr(dc, in->ops[0].size), x86_const(dc, in->opsize) });
}

void x86_disas_LGDT(DisasContext *dc, const Insn *in) { x86_gen_table_op(dc, in, &h_lgdt); }
void x86_disas_LIDT(DisasContext *dc, const Insn *in) { x86_gen_table_op(dc, in, &h_lidt); }
void x86_disas_SGDT(DisasContext *dc, const Insn *in) { x86_gen_table_op(dc, in, &h_sgdt); }
void x86_disas_SIDT(DisasContext *dc, const Insn *in) { x86_gen_table_op(dc, in, &h_sidt); }

void x86_disas_LLDT(DisasContext *dc, const Insn *in)
{
    x86_call_helper(dc, &h_lldt, IR_NO_TEMP, (IRTemp[]){ x86_ld_op(dc, &in->ops[0]) });
}

void x86_disas_LTR(DisasContext *dc, const Insn *in)
{
    x86_call_helper(dc, &h_ltr, IR_NO_TEMP, (IRTemp[]){ x86_ld_op(dc, &in->ops[0]) });
}

static void x86_gen_store_selector(DisasContext *dc, const Insn *in, size_t offset)
{
    IRTemp v = x86_tmp(dc);
    ir_ld(dc->s, IR_ld32u, v, dc->s->env, (intptr_t)offset);
    x86_st_op(dc, &in->ops[0], v);
}

void x86_disas_SLDT(DisasContext *dc, const Insn *in)
{
    x86_gen_store_selector(dc, in, offsetof(CPUX86State, ldt.selector));
}

void x86_disas_STR(DisasContext *dc, const Insn *in)
{
    x86_gen_store_selector(dc, in, offsetof(CPUX86State, tr.selector));
}

/* LAR/LSL: the helper returns value | ZF << 32; the destination is
 * written only when ZF is set. */
static void x86_gen_lar_lsl(DisasContext *dc, const Insn *in, const IRHelper *h)
{
    IRContext *s = dc->s;
    const Operand *d = &in->ops[0];
    IRTemp sel = x86_ld_op(dc, &in->ops[1]), r = x86_tmp(dc), z = x86_tmp(dc);
    IRTemp old = x86_ld_op(dc, d), v = x86_tmp(dc);
    x86_call_helper(dc, h, r, (IRTemp[]){ sel });
    ir_extract(s, z, r, 32, 1);
    x86_ext(dc, v, r, d->size < 4 ? d->size : 4, false);
    ir_movcond(s, IR_COND_NE, v, z, x86_const(dc, 0), v, old);
    x86_st_op(dc, d, v);
    ir_shli(s, z, z, 6);
    x86_update_eflags(dc, CC_Z, z);
}

void x86_disas_LAR(DisasContext *dc, const Insn *in) { x86_gen_lar_lsl(dc, in, &h_lar); }
void x86_disas_LSL(DisasContext *dc, const Insn *in) { x86_gen_lar_lsl(dc, in, &h_lsl); }

/* VERR/VERW: the helper sets ZF in cc_src of materialized flags. */
static void x86_gen_verify(DisasContext *dc, const Insn *in, const IRHelper *h)
{
    IRTemp sel = x86_ld_op(dc, &in->ops[0]);
    x86_update_eflags(dc, 0, IR_NO_TEMP);
    x86_call_helper(dc, h, IR_NO_TEMP, (IRTemp[]){ sel });
    x86_cc_op_from_helper(dc, CC_OP_DYNAMIC);
}

void x86_disas_VERR(DisasContext *dc, const Insn *in) { x86_gen_verify(dc, in, &h_verr); }
void x86_disas_VERW(DisasContext *dc, const Insn *in) { x86_gen_verify(dc, in, &h_verw); }

/* ARPL: raise the destination RPL to the source RPL; ZF tells whether it did. */
void x86_disas_ARPL(DisasContext *dc, const Insn *in)
{
    IRContext *s = dc->s;
    const Operand *d = &in->ops[0];
    IRTemp dst = x86_ld_op(dc, d), src = x86_ld_op(dc, &in->ops[1]);
    IRTemp dr = x86_tmp(dc), sr = x86_tmp(dc), z = x86_tmp(dc), nv = x86_tmp(dc);
    ir_andi(s, dr, dst, 3);
    ir_andi(s, sr, src, 3);
    ir_setcond(s, IR_COND_LTU, z, dr, sr);
    ir_andi(s, nv, dst, ~(uint64_t)3);
    ir_or(s, nv, nv, sr);
    ir_movcond(s, IR_COND_NE, nv, z, x86_const(dc, 0), nv, dst);
    x86_st_op(dc, d, nv);
    ir_shli(s, z, z, 6);
    x86_update_eflags(dc, CC_Z, z);
}

/* --- helpers without operands --- */

static void x86_gen_plain(DisasContext *dc, const IRHelper *h, bool stop)
{
    x86_call_helper(dc, h, IR_NO_TEMP, NULL);
    if (stop) {
        dc->jmp = DISAS_STOP;
    }
}

void x86_disas_CPUID(DisasContext *dc, const Insn *in) { x86_gen_plain(dc, &h_cpuid, false); }
void x86_disas_RDTSC(DisasContext *dc, const Insn *in) { x86_gen_plain(dc, &h_rdtsc, false); }
void x86_disas_RDTSCP(DisasContext *dc, const Insn *in) { x86_gen_plain(dc, &h_rdtscp, false); }
void x86_disas_RDPMC(DisasContext *dc, const Insn *in) { x86_gen_plain(dc, &h_rdpmc, false); }
void x86_disas_RDMSR(DisasContext *dc, const Insn *in) { x86_gen_plain(dc, &h_rdmsr, false); }
void x86_disas_WRMSR(DisasContext *dc, const Insn *in) { x86_gen_plain(dc, &h_wrmsr, true); }
void x86_disas_SWAPGS(DisasContext *dc, const Insn *in) { x86_gen_plain(dc, &h_swapgs, false); }

/* Helpers that set EIP and the mode themselves. */
static void x86_gen_mode_switch(DisasContext *dc, const IRHelper *h, IRTemp arg)
{
    x86_call_helper(dc, h, IR_NO_TEMP, h->nargs ? (IRTemp[]){ arg } : NULL);
    x86_exit_state_changed(dc);
    dc->jmp = DISAS_EXITED;
}

void x86_disas_RSM(DisasContext *dc, const Insn *in)
{
    x86_gen_mode_switch(dc, &h_rsm, IR_NO_TEMP);
}

void x86_disas_SYSENTER(DisasContext *dc, const Insn *in)
{
    x86_gen_mode_switch(dc, &h_sysenter, IR_NO_TEMP);
}

void x86_disas_SYSEXIT(DisasContext *dc, const Insn *in)
{
    x86_gen_mode_switch(dc, &h_sysexit, x86_const(dc, in->opsize));
}

void x86_disas_SYSCALL(DisasContext *dc, const Insn *in)
{
    x86_gen_mode_switch(dc, &h_syscall, x86_const(dc, dc->next_pc));
}

void x86_disas_SYSRET(DisasContext *dc, const Insn *in)
{
    x86_gen_mode_switch(dc, &h_sysret, x86_const(dc, in->opsize));
}

/* --- EFLAGS system bits --- */

static void x86_gen_eflags_bit(DisasContext *dc, uint64_t bit, bool set)
{
    IRContext *s = dc->s;
    IRTemp t = x86_tmp(dc);
    ir_ld(s, IR_ld, t, s->env, offsetof(CPUX86State, eflags));
    if (set) {
        ir_ori(s, t, t, bit);
    } else {
        ir_andi(s, t, t, ~bit);
    }
    ir_st(s, IR_st, t, s->env, offsetof(CPUX86State, eflags));
}

void x86_disas_CLD(DisasContext *dc, const Insn *in) { x86_gen_eflags_bit(dc, DF_MASK, false); }
void x86_disas_STD(DisasContext *dc, const Insn *in) { x86_gen_eflags_bit(dc, DF_MASK, true); }

void x86_disas_CLI(DisasContext *dc, const Insn *in)
{
    if (dc->pe) {
        x86_gen_plain(dc, &h_cli, false);         /* IOPL, VME, PVI */
    } else {
        x86_gen_eflags_bit(dc, IF_MASK, false);
    }
}

void x86_disas_STI(DisasContext *dc, const Insn *in)
{
    /* the helper does the IOPL/VME checks and sets the interrupt shadow */
    x86_gen_plain(dc, &h_sti, true);
}

/* --- halting, waiting, no-ops --- */

void x86_disas_HLT(DisasContext *dc, const Insn *in)
{
    if (dc->cpl != 0) {
        x86_gen_exception(dc, EXCP_GP, 0);
        return;
    }
    x86_st_rip(dc, dc->pc);
    x86_call_helper(dc, &h_hlt, IR_NO_TEMP, (IRTemp[]){ x86_const(dc, dc->next_pc) });
    ir_exit_tb(dc->s, 0);
    dc->jmp = DISAS_EXITED;
}

/* PAUSE: architecturally a no-op; the helper may yield to another vCPU
 * (it gets the next EIP in case it leaves the loop). */
void x86_disas_PAUSE(DisasContext *dc, const Insn *in)
{
    x86_call_helper(dc, &h_pause, IR_NO_TEMP, (IRTemp[]){ x86_const(dc, dc->next_pc) });
}

void x86_disas_WAIT(DisasContext *dc, const Insn *in)
{
    if ((dc->flags & (HF_MP | HF_TS)) == (HF_MP | HF_TS)) {
        x86_gen_exception(dc, EXCP_NM, -1);
        return;
    }
    x86_gen_plain(dc, &h_fwait, false);
}

void x86_disas_NOP(DisasContext *dc, const Insn *in) {}
void x86_disas_FENCE(DisasContext *dc, const Insn *in) {}
void x86_disas_CLFLUSH(DisasContext *dc, const Insn *in) {}
void x86_disas_PREFETCH(DisasContext *dc, const Insn *in) {}
void x86_disas_INVD(DisasContext *dc, const Insn *in) {}
void x86_disas_WBINVD(DisasContext *dc, const Insn *in) {}

void x86_disas_UD(DisasContext *dc, const Insn *in)
{
    x86_gen_exception(dc, EXCP_UD, -1);
}

/* Bytes of an x87 memory operand by escape (D8..DF) and ModRM.reg (SDM
 * Vol. 2 Tables ); 0: the environment, whose size follows the
 * operand size (14/28 bytes, plus 80 for FNSAVE/FRSTOR). */
static const uint8_t x87_mem_bytes[8][8] = {
    { 4, 4, 4, 4, 4, 4, 4, 4 },         /* D8: m32fp */
    { 4, 4, 4, 4, 0, 2, 0, 2 },         /* D9 */
    { 4, 4, 4, 4, 4, 4, 4, 4 },         /* DA: m32int */
    { 4, 4, 4, 4, 4, 10, 4, 10 },       /* DB */
    { 8, 8, 8, 8, 8, 8, 8, 8 },         /* DC: m64fp */
    { 8, 8, 8, 8, 0, 8, 0, 2 },         /* DD */
    { 2, 2, 2, 2, 2, 2, 2, 2 },         /* DE: m16int */
    { 2, 2, 2, 2, 10, 8, 10, 8 },       /* DF */
};

static int x87_mem_size(const Insn *in)
{
    unsigned esc = in->opcode & 7;
    int n = x87_mem_bytes[esc][(in->modrm >> 3) & 7];
    if (n == 0) {
        n = (in->opsize == 2 ? 14 : 28) + (esc == 5 ? 80 : 0);
    }
    return n;
}

/* x87: #NM when CR0.EM or CR0.TS, else the x87 helper with the escape,
 * ModRM, the memory operand's segment and the instruction's EIP (for the
 * FPU instruction and data pointers; layout in cpu/fpu_helper.c) and the
 * linear address of a memory operand (0 for none). */
void x86_disas_FPU(DisasContext *dc, const Insn *in)
{
    if (dc->flags & (HF_EM | HF_TS)) {
        x86_gen_exception(dc, EXCP_NM, -1);
        return;
    }
    bool mem = in->has_modrm && (in->modrm >> 6) != 3;
    IRTemp addr = mem ? x86_mem_addr(dc, x87_mem_size(in)) : x86_const(dc, 0);
    uint64_t code = dc->pc << 16 | (uint64_t)(in->opsize != 2) << 15 |
                    (uint64_t)(mem ? in->mem.seg & 7 : 0) << 11 |
                    (uint64_t)(in->opcode & 7) << 8 | in->modrm;
    x86_call_helper(dc, &h_fpu, IR_NO_TEMP, (IRTemp[]){ x86_const(dc, code), addr });
    x86_cc_op_from_helper(dc, CC_OP_DYNAMIC);     /* FCOMI and friends set EFLAGS */
}
