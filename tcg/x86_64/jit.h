/*
 * jit.h - the parts of the x86-64 JIT backend and how they meet:
 *   emit.c      the instruction encoder
 *   regalloc.c  where each temp's value is (host register, env, frame slot)
 *   ops.c       one emitter per IR op and the op -> (emitter, constraints) table
 *   backend.c   gen_code, control flow, calls, guest memory, prologue and
 *               ir_backend_x86_64
 *
 * Host register roles (SysV): r14 holds env for the whole block; rax, rcx
 * and rdx are scratch registers that emitters use freely (idiv, shift
 * counts, cmov staging) and are never allocated; rsp points at the spill
 * frame (JIT_FRAME_SLOTS 8-byte cells), 16-byte aligned inside blocks.
 * Invariant: a register holding an I32 value has its upper 32 bits zero.
 */
#ifndef KESTREL_TCG_X86_64_JIT_H
#define KESTREL_TCG_X86_64_JIT_H

#include "kestrel/tcg.h"
#include "tcg/ir-internal.h"
#include "tcg/x86_64/emit.h"

#define JIT_ENV R_14
#define JIT_FRAME_SLOTS 254
#define JIT_FRAME_BYTES (JIT_FRAME_SLOTS * 8 + 8)   /* keeps rsp 16-aligned */
#define JIT_NB_REGS 16

/* Allocatable registers, callee-saved first (they survive helper calls). */
#define JIT_CALLER_SAVED ((1u << R_SI) | (1u << R_DI) | (1u << R_8) | (1u << R_9) | \
                          (1u << R_10) | (1u << R_11))

typedef struct JitTemp {
    int8_t reg;               /* host register holding the value, or -1 */
    bool in_mem;              /* env (globals) or the frame slot holds the value */
    int16_t slot;             /* frame slot of an EBB/TB temp, or -1 */
} JitTemp;

/* An operand of an op as its emitter sees it. */
typedef struct JitArg {
    bool imm;
    int reg;
    int64_t val;              /* the immediate, sign-extended for I64 */
} JitArg;

typedef struct JitFixup {
    uint32_t pos;             /* rel32 to patch */
    uint32_t label;
} JitFixup;

/* An out-of-line TLB miss path, written after the block's body. */
typedef struct JitSlowPath {
    bool is_store;
    IRType type;
    uint32_t memop_mmu;
    int8_t addr, val;         /* val: the loaded output or the stored value */
    uint32_t save;            /* caller-saved registers live across the access */
    IRTemp dirty[JIT_NB_REGS];  /* per register: a global env lacks, or IR_NO_TEMP */
    uint32_t jcc_pos;         /* the fast path's jne */
    uint32_t done_pos;        /* where the fast path continues */
} JitSlowPath;

typedef struct Jit {
    IRContext *s;
    JitBuf b;
    JitTemp *temps;
    IRTemp reg_owner[JIT_NB_REGS];   /* IR_NO_TEMP when free */
    uint32_t locked;                  /* registers the current op holds (incl. constants) */
    unsigned evict_next;
    uint64_t slot_used[(JIT_FRAME_SLOTS + 63) / 64];   /* frame slot bitmap */
    uint32_t *label_off;
    JitFixup *fixups;
    uint32_t nb_fixups;
    JitSlowPath *slow;
    uint32_t nb_slow, slow_cap;
} Jit;

/* regalloc.c */
void jit_ra_reset(Jit *j);
int jit_ra_input(Jit *j, IRTemp t);                 /* the value in a register (locked) */
JitArg jit_ra_arg(Jit *j, IRTemp t, bool imm_ok);
int jit_ra_output(Jit *j, const IROp *op, unsigned n);
void jit_ra_bind(Jit *j, IRTemp t, int reg);        /* t's value is now in reg only */
void jit_ra_free_temp(Jit *j, IRTemp t);
bool jit_ra_mov_rename(Jit *j, const IROp *op);     /* mov as a register handover */
bool jit_ra_input_dies(const IROp *op, IRTemp t);  /* t's last use is this op */
void jit_ra_op_done(Jit *j, const IROp *op);
void jit_ra_spill_reg(Jit *j, int reg);
void jit_ra_sync_globals(Jit *j);
/* Per register, the global whose value env lacks (else IR_NO_TEMP). */
void jit_ra_dirty_globals(const Jit *j, IRTemp dirty[JIT_NB_REGS]);
void jit_ra_store_global(Jit *j, IRTemp t, int reg);   /* to env, allocator state kept */
void jit_ra_sync_all(Jit *j, bool forget);
void jit_ra_forget_globals(Jit *j);
void jit_ra_label(Jit *j);                          /* at set_label: all in memory */
int32_t jit_ra_mem_disp(Jit *j, IRTemp t, int *base);

/* ops.c */
typedef void (*JitEmitFn)(Jit *j, const IROp *op, const JitArg *a);
typedef struct JitOpDef {
    JitEmitFn emit;           /* NULL: backend.c handles the op itself */
    uint8_t imm_inputs;       /* bit n: input n may be an immediate */
} JitOpDef;
extern const JitOpDef jit_op_defs[IR_NB_OPS];
int jit_cond_cc(IRCond c);
/* cmp/test a, b for cond c on type t (b may be an immediate). */
void jit_emit_compare(Jit *j, IRCond c, IRType t, const JitArg *a, const JitArg *b);
JitOpc jit_extend_opc(MemOp mo, IRType t);

#endif
