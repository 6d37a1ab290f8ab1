/*
 * translate.h - private interface of the x86 translator (cpu/translate*.c).
 *
 * One DisasContext lives for one translation block. Invariants:
 *  - guest registers and the lazy-flag words are IR globals (I64) in
 *    x86_globals; every computation is done in I64 temps, and operand values
 *    handed between the generic loader/storer and instruction code are
 *    zero-extended to the operand size;
 *  - cc_dst/cc_src written by the translator are zero-extended to the
 *    operation size (cc_compute_all does not rely on it, inline conditions do);
 *  - dc->cc_op is the CCOp known at translation time (CC_OP_DYNAMIC: read
 *    env->cc_op); dc->cc_op_dirty means the cc_op global still has to be
 *    written; x86_sync_cc_op() writes it before every helper call that may
 *    read it, every branch to a join point, and every block exit;
 *  - exceptions raised from translated code first store EIP (of the faulting
 *    instruction) and cc_op, so the state is exact whichever way the raise
 *    helper restores it.
 */
#ifndef KESTREL_CPU_TRANSLATE_H
#define KESTREL_CPU_TRANSLATE_H

#include "cpu/internal.h"
#include "cpu/insn.h"

typedef struct X86Globals {
    IRTemp regs[16];
    IRTemp cc_dst, cc_src, cc_src2, cc_op;
} X86Globals;
extern X86Globals x86_globals;
#define G_REG(r)   (x86_globals.regs[(r)])
#define G_CC_DST   (x86_globals.cc_dst)
#define G_CC_SRC   (x86_globals.cc_src)
#define G_CC_SRC2  (x86_globals.cc_src2)

/* How translation of the block continues after an instruction. */
typedef enum DisasJump {
    DISAS_NEXT,        /* go on with the next instruction */
    DISAS_STOP,        /* end the block; continue at next_pc (state-changing insn) */
    DISAS_EXITED,      /* the instruction emitted its own block exits */
} DisasJump;

typedef struct DisasContext {
    CPUX86State *env;
    IRContext *s;
    TranslationBlock *tb;
    const Insn *insn;
    uint32_t flags;          /* hflags of the block */
    uint64_t cs_base;
    uint64_t pc, next_pc;    /* EIP of this instruction and of the next */
    int cpl;
    bool pe, vm86, code64, ss32, addseg, tf, no_chain;
    uint8_t segchk;          /* segments needing rights/limit checks (bit = seg) */
    bool mem_write;          /* the instruction writes its memory operand */
    unsigned mem_idx;
    CCOp cc_op;
    bool cc_op_dirty;
    /* After SUB/CMP (and until cc_op next changes): cc_src1 holds the first
     * operand, cc_dst + cc_src, so conditions need not rebuild it. */
    IRTemp cc_src1;
    bool cc_src1_valid;
    DisasJump jmp;
    IRTemp a0;               /* linear address of insn->mem, once computed */
    IRLabel *exit_label;     /* target of the block-entry exit check */
} DisasContext;

typedef void DisasFn(DisasContext *dc, const Insn *in);

/* --- translate.c: core --- */
IRTemp x86_tmp(DisasContext *dc);  /* I64 temp: EBB, or TB-lived with inline limit checks */
IRTemp x86_const(DisasContext *dc, uint64_t v);
uint64_t x86_size_mask(int size);
void x86_ext(DisasContext *dc, IRTemp d, IRTemp a, int size, bool sign);
void x86_set_cc_op(DisasContext *dc, CCOp op);
void x86_sync_cc_op(DisasContext *dc);
/* Registers. */
IRTemp x86_ld_reg(DisasContext *dc, int reg, int size, bool high8);
void x86_st_reg(DisasContext *dc, int reg, int size, bool high8, IRTemp v);
/* d = old with v written as a register write of that size would. */
void x86_reg_merge(DisasContext *dc, IRTemp d, IRTemp old, int size, bool high8, IRTemp v);
/* Operands (OPK_REG/MEM/IMM/SREG): value zero-extended to op->size. */
IRTemp x86_ld_op(DisasContext *dc, const Operand *op);
void x86_st_op(DisasContext *dc, const Operand *op, IRTemp v);
/* Memory. */
IRTemp x86_ea_offset(DisasContext *dc);           /* effective offset, masked to addrsize */
IRTemp x86_mem_addr(DisasContext *dc, int size);  /* linear address of insn->mem, cached */
/* Linear address of seg:off for an access of size bytes; aw is the width of
 * the offset (2, 4, 8) for the real-mode limit exemption. */
IRTemp x86_seg_linear(DisasContext *dc, int seg, IRTemp off, int size, int aw, bool write);
IRTemp x86_ld_mem(DisasContext *dc, IRTemp addr, int size, bool sign);
void x86_st_mem(DisasContext *dc, IRTemp addr, IRTemp v, int size);
/* Stack. */
int x86_stack_size(DisasContext *dc);            /* 2, 4 or 8: width of rSP */
void x86_push(DisasContext *dc, IRTemp v, int size);
IRTemp x86_stack_addr(DisasContext *dc, IRTemp sp, int64_t offset, int size);
IRTemp x86_pop_peek(DisasContext *dc, int size, int offset);
void x86_sp_add(DisasContext *dc, int64_t delta);
/* Block exits. */
void x86_st_rip(DisasContext *dc, uint64_t eip);
void x86_st_rip_temp(DisasContext *dc, IRTemp eip);
void x86_jmp_to(DisasContext *dc, uint64_t eip, unsigned slot);
void x86_exit_indirect(DisasContext *dc);        /* env->rip already stored */
void x86_exit_indirect_eip(DisasContext *dc, IRTemp eip);   /* ... and also in eip */
void x86_exit_state_changed(DisasContext *dc);   /* env->rip already stored */
void x86_raise(DisasContext *dc, int vector);
void x86_raise_err(DisasContext *dc, int vector, int err);
/* Unconditional exception: raise and end the block. */
void x86_gen_exception(DisasContext *dc, int vector, int err);
/* After a helper that wrote env->cc_op itself. */
void x86_cc_op_from_helper(DisasContext *dc, CCOp op);
void x86_call_helper(DisasContext *dc, const IRHelper *h, IRTemp ret, const IRTemp *args);
/* Segment register loads (real-mode inline or via h_load_seg). */
void x86_load_seg(DisasContext *dc, int seg, IRTemp sel);

/* --- translate-cc.c: lazy flags --- */
/* A condition as "a cond b" on I64 temps. */
typedef struct CCPrep {
    IRCond cond;
    IRTemp a, b;
} CCPrep;
CCPrep x86_prepare_cc(DisasContext *dc, int cc);
IRTemp x86_compute_eflags(DisasContext *dc);     /* CC_* bits */
IRTemp x86_compute_c(DisasContext *dc);          /* 0 or 1 */
/* Set the lazy state: dst/src/src2 may be IR_NO_TEMP when unused. */
void x86_set_cc(DisasContext *dc, CCOp op, IRTemp dst, IRTemp src, IRTemp src2);
/* SUB/CMP: set the lazy state and remember src1 (zero-extended) in dc->cc_src1. */
void x86_set_cc_sub(DisasContext *dc, int size, IRTemp dst, IRTemp src1, IRTemp src);
CCOp x86_cc_sized(CCOp base_b, int size);
/* cc_src = (eflags & ~mask) | bits, cc_op = EFLAGS. */
void x86_update_eflags(DisasContext *dc, uint32_t mask, IRTemp bits);

/* Handlers per area; table in translate.c. */
#define X86_DISAS_DECL(n) DisasFn x86_disas_##n;
#define X86_ALU_OPS(X) X(ADD) X(OR) X(ADC) X(SBB) X(AND) X(SUB) X(XOR) X(CMP) \
    X(INC) X(DEC) X(NEG) X(NOT) X(TEST) X(MUL) X(IMUL) X(IMUL2) X(DIV) X(IDIV) \
    X(MOV) X(MOVZX) X(MOVSX) X(MOVSXD) X(XCHG) X(LEA) X(BSWAP) X(MOVBE)       \
    X(CBW) X(CWD) X(LAHF) X(SAHF) X(CLC) X(STC) X(CMC) X(SALC) X(XLAT)       \
    X(DAA) X(DAS) X(AAA) X(AAS) X(AAM) X(AAD)                                \
    X(ROL) X(ROR) X(RCL) X(RCR) X(SHL) X(SHR) X(SAR) X(SHLD) X(SHRD)         \
    X(BT) X(BTS) X(BTR) X(BTC) X(BSF) X(BSR) X(POPCNT) X(TZCNT) X(LZCNT)     \
    X(XADD) X(CMPXCHG) X(CMPXCHG8B) X(CMPXCHG16B) X(SETCC) X(CMOVCC)
#define X86_CONTROL_OPS(X) X(JCC) X(JMP) X(JMP_IND) X(JMPF) X(JMPF_IND)       \
    X(CALL) X(CALL_IND) X(CALLF) X(CALLF_IND) X(RET) X(RETF)                  \
    X(LOOP) X(LOOPE) X(LOOPNE) X(JCXZ) X(INT) X(INT3) X(INTO) X(INT1) X(IRET) \
    X(BOUND) X(PUSH) X(POP) X(PUSHA) X(POPA) X(PUSHF) X(POPF) X(ENTER)       \
    X(LEAVE) X(PUSH_SEG) X(POP_SEG)
#define X86_STRING_OPS(X) X(MOVS) X(CMPS) X(STOS) X(LODS) X(SCAS) X(INS)     \
    X(OUTS) X(IN) X(OUT)
#define X86_SYSTEM_OPS(X) X(MOV_TO_SEG) X(MOV_FROM_SEG) X(MOV_TO_CR)         \
    X(MOV_FROM_CR) X(MOV_TO_DR) X(MOV_FROM_DR) X(CLD) X(STD) X(CLI) X(STI)   \
    X(HLT) X(NOP) X(PAUSE) X(WAIT) X(LDS) X(LES) X(LFS) X(LGS) X(LSS)        \
    X(LGDT) X(LIDT) X(SGDT) X(SIDT) X(LLDT) X(SLDT) X(LTR) X(STR) X(LMSW)    \
    X(SMSW) X(CLTS) X(INVLPG) X(INVD) X(WBINVD) X(LAR) X(LSL) X(VERR)        \
    X(VERW) X(ARPL) X(CPUID) X(RDTSC) X(RDTSCP) X(RDMSR) X(WRMSR) X(RDPMC)   \
    X(RSM) X(SYSENTER) X(SYSEXIT) X(SYSCALL) X(SYSRET) X(SWAPGS) X(UD)       \
    X(FENCE) X(CLFLUSH) X(PREFETCH) X(FPU) X(SSE)
X86_ALU_OPS(X86_DISAS_DECL)
X86_CONTROL_OPS(X86_DISAS_DECL)
X86_STRING_OPS(X86_DISAS_DECL)
X86_SYSTEM_OPS(X86_DISAS_DECL)
#undef X86_DISAS_DECL

#endif
