/*
 * tcg.h - Kestrel's intermediate representation (IR) and its compilers.
 *
 * Guest-independent: nothing here or in tcg/ knows about x86. A front end
 * (cpu/translate.c) builds one IRContext per translation block with the
 * ir_* emitters; ir_optimize() folds constants, propagates copies and
 * removes dead code; a backend turns the ops into host code (tcg/x86_64,
 * tcg/aarch64) or into bytecode for the portable interpreter (tcg/interp).
 *
 * Values: every temp has a type (I32 or I64) and a kind:
 *   GLOBAL - lives in the CPU state struct at a fixed offset from env
 *            (guest registers); registered once, kept across ir_reset()
 *   TB     - a temp that lives across labels until the end of the block
 *   EBB    - a temp that dies at the next label/branch and at the next
 *            insn_start (the end of the guest instruction): the default
 *   CONST  - an immediate; ir_const() interns them per block
 * Ops are typed by their first operand; the op table (IR_OPS) is the one
 * place each op is defined, with its counts of outputs, inputs and
 * constant arguments.
 *
 * Shift and rotate counts must be below the operand width; division ops
 * require a nonzero divisor and no signed overflow (front ends check and
 * raise the guest's exception, or call a helper).
 */
#ifndef KESTREL_TCG_H
#define KESTREL_TCG_H

#include "kestrel/common.h"
#include <stdio.h>

typedef enum IRType { IR_I32, IR_I64 } IRType;

/* Condition codes of setcond/movcond/brcond. */
typedef enum IRCond {
    IR_COND_NEVER, IR_COND_ALWAYS,
    IR_COND_EQ, IR_COND_NE,
    IR_COND_LT, IR_COND_GE, IR_COND_LE, IR_COND_GT,      /* signed */
    IR_COND_LTU, IR_COND_GEU, IR_COND_LEU, IR_COND_GTU,  /* unsigned */
    IR_COND_TSTEQ, IR_COND_TSTNE,                        /* (a & b) == 0, != 0 */
} IRCond;

IRCond ir_cond_invert(IRCond c);
IRCond ir_cond_swap(IRCond c);           /* a op b  <=>  b op' a */
bool ir_cond_eval(IRCond c, IRType t, uint64_t a, uint64_t b);

/* Guest memory access description: size, sign, and (packed) MMU index. */
typedef enum MemOp {
    MO_8 = 0, MO_16 = 1, MO_32 = 2, MO_64 = 3,
    MO_SIZE = 3,
    MO_SIGN = 4,
    MO_RMW = 8,       /* load of a read-modify-write: the slow path faults as for a write */
    MO_SB = MO_8 | MO_SIGN, MO_SW = MO_16 | MO_SIGN, MO_SL = MO_32 | MO_SIGN,
} MemOp;

#define IR_MEMOP_MMU(memop, mmu_idx) ((uint32_t)(memop) | (uint32_t)(mmu_idx) << 8)
#define IR_MEMOP_OF(packed)   ((MemOp)((packed) & 0xff))
#define IR_MMU_OF(packed)     ((unsigned)((packed) >> 8))

/* Op flags. */
enum {
    IR_OPF_BB_END   = 1 << 0,  /* ends a basic block (labels, branches, exits) */
    IR_OPF_SIDE     = 1 << 1,  /* has side effects: never removed as dead */
    IR_OPF_CALL     = 1 << 2,  /* variable arguments (call) */
    IR_OPF_64       = 1 << 3,  /* only with type I64 */
    IR_OPF_MEM      = 1 << 4,  /* guest memory access: may fault */
    IR_OPF_META     = 1 << 5,  /* generates no code by itself (insn_start, label) */
};

/*
 *     name          out in const  flags
 * For calls the counts are per op (see IROp) and "const" holds the helper.
 */
#define IR_OPS(X)                                                          \
    X(insn_start,     0, 0, 2, IR_OPF_META)      /* guest pc, cc_op */     \
    X(set_label,      0, 0, 1, IR_OPF_BB_END | IR_OPF_META)                \
    X(br,             0, 0, 1, IR_OPF_BB_END)                              \
    X(brcond,         0, 2, 2, IR_OPF_BB_END)   /* a, b, cond, label */    \
    X(goto_tb,        0, 0, 1, IR_OPF_BB_END | IR_OPF_SIDE) /* slot 0/1 */ \
    X(exit_tb,        0, 0, 1, IR_OPF_BB_END | IR_OPF_SIDE) /* value */    \
    X(goto_ptr,       0, 1, 0, IR_OPF_BB_END | IR_OPF_SIDE) /* host code */\
    X(call,           0, 0, 1, IR_OPF_CALL | IR_OPF_SIDE)                  \
    X(discard,        1, 0, 0, IR_OPF_META)      /* value no longer used */\
    X(mov,            1, 1, 0, 0)                                          \
    X(setcond,        1, 2, 1, 0)                /* d = a cond b (0/1) */  \
    X(movcond,        1, 4, 1, 0)                /* d = c1 cond c2 ? v1 : v2 */ \
    X(ld8u,           1, 1, 1, 0)                /* d = *(base + off) */   \
    X(ld8s,           1, 1, 1, 0)                                          \
    X(ld16u,          1, 1, 1, 0)                                          \
    X(ld16s,          1, 1, 1, 0)                                          \
    X(ld32u,          1, 1, 1, IR_OPF_64)                                  \
    X(ld32s,          1, 1, 1, IR_OPF_64)                                  \
    X(ld,             1, 1, 1, 0)                /* full width */          \
    X(st8,            0, 2, 1, IR_OPF_SIDE)      /* *(base + off) = v */   \
    X(st16,           0, 2, 1, IR_OPF_SIDE)                                \
    X(st32,           0, 2, 1, IR_OPF_SIDE | IR_OPF_64)                    \
    X(st,             0, 2, 1, IR_OPF_SIDE)                                \
    X(add,            1, 2, 0, 0)                                          \
    X(sub,            1, 2, 0, 0)                                          \
    X(mul,            1, 2, 0, 0)                                          \
    X(neg,            1, 1, 0, 0)                                          \
    X(and,            1, 2, 0, 0)                                          \
    X(or,             1, 2, 0, 0)                                          \
    X(xor,            1, 2, 0, 0)                                          \
    X(not,            1, 1, 0, 0)                                          \
    X(andc,           1, 2, 0, 0)                /* a & ~b */              \
    X(shl,            1, 2, 0, 0)                                          \
    X(shr,            1, 2, 0, 0)                                          \
    X(sar,            1, 2, 0, 0)                                          \
    X(rotl,           1, 2, 0, 0)                                          \
    X(rotr,           1, 2, 0, 0)                                          \
    X(div,            1, 2, 0, 0)                                          \
    X(divu,           1, 2, 0, 0)                                          \
    X(rem,            1, 2, 0, 0)                                          \
    X(remu,           1, 2, 0, 0)                                          \
    X(mulu2,          2, 2, 0, 0)                /* lo, hi = a * b */      \
    X(muls2,          2, 2, 0, 0)                                          \
    X(clz,            1, 2, 0, 0)                /* d = a ? clz(a) : b */  \
    X(ctz,            1, 2, 0, 0)                /* d = a ? ctz(a) : b */  \
    X(ctpop,          1, 1, 0, 0)                                          \
    X(bswap16,        1, 1, 0, 0)                /* zero-extended result */\
    X(bswap32,        1, 1, 0, 0)                                          \
    X(bswap64,        1, 1, 0, IR_OPF_64)                                  \
    X(deposit,        1, 2, 2, 0)    /* d = a with b's low len bits at pos */ \
    X(extract,        1, 1, 2, 0)    /* d = (a >> pos) & mask(len) */      \
    X(sextract,       1, 1, 2, 0)    /* sign-extending extract */          \
    X(ext8s,          1, 1, 0, 0)                                          \
    X(ext8u,          1, 1, 0, 0)                                          \
    X(ext16s,         1, 1, 0, 0)                                          \
    X(ext16u,         1, 1, 0, 0)                                          \
    X(ext32s,         1, 1, 0, IR_OPF_64)                                  \
    X(ext32u,         1, 1, 0, IR_OPF_64)                                  \
    X(extu_i32_i64,   1, 1, 0, IR_OPF_64)        /* d (I64) = zext(a I32) */ \
    X(exts_i32_i64,   1, 1, 0, IR_OPF_64)                                  \
    X(extrl_i64_i32,  1, 1, 0, 0)                /* d (I32) = low(a I64) */ \
    X(extrh_i64_i32,  1, 1, 0, 0)                /* d (I32) = high(a I64) */ \
    X(qemu_ld,        1, 1, 1, IR_OPF_MEM | IR_OPF_SIDE) /* d = mem[addr] */ \
    X(qemu_st,        0, 2, 1, IR_OPF_MEM | IR_OPF_SIDE) /* mem[addr] = v */

typedef enum IROpcode {
#define IR_OPC_ENUM(name, o, i, c, f) IR_##name,
    IR_OPS(IR_OPC_ENUM)
#undef IR_OPC_ENUM
    IR_NB_OPS
} IROpcode;

typedef struct IROpDef {
    const char *name;
    uint8_t nb_oargs, nb_iargs, nb_cargs;
    uint16_t flags;
} IROpDef;

extern const IROpDef ir_op_defs[IR_NB_OPS];

typedef uint32_t IRTemp;      /* index into IRContext.temps; 0 is "no temp" */
#define IR_NO_TEMP 0

typedef enum IRTempKind {
    IR_TEMP_EBB, IR_TEMP_TB, IR_TEMP_GLOBAL, IR_TEMP_CONST, IR_TEMP_ENV,
} IRTempKind;

typedef struct IRTempInfo {
    IRType type;
    IRTempKind kind;
    uint64_t value;           /* CONST */
    intptr_t env_offset;      /* GLOBAL */
    const char *name;         /* GLOBAL and ENV, for dumps */
} IRTempInfo;

/* A C function called from generated code. Its first parameter is env;
 * then nargs parameters of type uint64_t (I32 arguments arrive
 * zero-extended); it returns uint64_t when has_ret, else void. */
enum {
    IR_CALL_NO_READ_GLOBALS  = 1 << 0,
    IR_CALL_NO_WRITE_GLOBALS = 1 << 1,
    IR_CALL_NO_SIDE_EFFECTS  = 1 << 2,   /* removable when the result is unused */
};
typedef struct IRHelper {
    void *func;
    const char *name;
    uint8_t nargs;            /* excluding env; at most IR_MAX_CALL_ARGS */
    bool has_ret;
    uint8_t flags;
} IRHelper;
#define IR_MAX_CALL_ARGS 5

#define IR_MAX_OP_ARGS 10
typedef struct IROp {
    uint8_t opc;              /* IROpcode */
    uint8_t type;             /* IRType of the operation */
    uint8_t nb_oargs, nb_iargs;   /* from the table, or per call */
    uint32_t life;            /* optimizer/liveness scratch for backends */
    uint64_t args[IR_MAX_OP_ARGS];  /* outputs, inputs (IRTemp), then constants */
} IROp;

/*
 * IROp.life after ir_liveness(): IR_LIFE_DEAD(n) is set when args[n], an
 * EBB or TB temp, is not read after this op (an output nobody reads, or
 * the last use of an input). Globals, env and constants are never marked:
 * a global's value must be in env memory at every block end, goto_tb, call
 * that may read globals, and IR_OPF_MEM op.
 */
#define IR_LIFE_DEAD(n) (1u << (n))

typedef struct IRLabel {
    uint32_t id;
    bool present;             /* set_label emitted */
    bool referenced;
} IRLabel;

#define IR_INSN_WORDS 2       /* insn_start data: guest pc, cc_op */

typedef struct IRContext {
    IROp *ops;
    uint32_t nb_ops, ops_cap;
    IRTempInfo *temps;        /* temps[0] unused */
    uint32_t nb_temps, temps_cap;
    uint32_t nb_globals;      /* temps 1..nb_globals are ENV and GLOBALs */
    IRTemp env;               /* the pointer to the CPU state */
    IRLabel *labels;
    uint32_t nb_labels, labels_cap;
    /* Filled by the backend: per guest instruction, where its code ends. */
    uint32_t nb_insns;
    uint32_t *insn_end_off;
    uint64_t (*insn_data)[IR_INSN_WORDS];
    uint32_t insn_cap;
} IRContext;

/* Context life cycle. */
IRContext *ir_context_new(void);
void ir_context_free(IRContext *s);
void ir_reset(IRContext *s);                 /* drop ops, labels and non-global temps */
IRTemp ir_global_new(IRContext *s, IRType t, intptr_t env_offset, const char *name);

/* Temps. */
IRTemp ir_temp_new(IRContext *s, IRType t);  /* EBB temp */
IRTemp ir_temp_tb(IRContext *s, IRType t);   /* lives to the end of the block */
IRTemp ir_const(IRContext *s, IRType t, uint64_t value);
static inline IRType ir_temp_type(const IRContext *s, IRTemp t) { return s->temps[t].type; }

/* Labels. */
IRLabel *ir_label_new(IRContext *s);
void ir_set_label(IRContext *s, IRLabel *l);

/* Generic emitters; type comes from the first temp operand. */
IROp *ir_emit(IRContext *s, IROpcode opc, IRType type, const uint64_t *args);
void ir_op1(IRContext *s, IROpcode opc, IRTemp d, IRTemp a);
void ir_op2(IRContext *s, IROpcode opc, IRTemp d, IRTemp a, IRTemp b);

#define ir_mov(s, d, a)       ir_op1(s, IR_mov, d, a)
#define ir_neg(s, d, a)       ir_op1(s, IR_neg, d, a)
#define ir_not(s, d, a)       ir_op1(s, IR_not, d, a)
#define ir_add(s, d, a, b)    ir_op2(s, IR_add, d, a, b)
#define ir_sub(s, d, a, b)    ir_op2(s, IR_sub, d, a, b)
#define ir_mul(s, d, a, b)    ir_op2(s, IR_mul, d, a, b)
#define ir_and(s, d, a, b)    ir_op2(s, IR_and, d, a, b)
#define ir_or(s, d, a, b)     ir_op2(s, IR_or, d, a, b)
#define ir_xor(s, d, a, b)    ir_op2(s, IR_xor, d, a, b)
#define ir_andc(s, d, a, b)   ir_op2(s, IR_andc, d, a, b)
#define ir_shl(s, d, a, b)    ir_op2(s, IR_shl, d, a, b)
#define ir_shr(s, d, a, b)    ir_op2(s, IR_shr, d, a, b)
#define ir_sar(s, d, a, b)    ir_op2(s, IR_sar, d, a, b)
#define ir_rotl(s, d, a, b)   ir_op2(s, IR_rotl, d, a, b)
#define ir_rotr(s, d, a, b)   ir_op2(s, IR_rotr, d, a, b)

/* The same with an immediate second operand. */
void ir_op2i(IRContext *s, IROpcode opc, IRTemp d, IRTemp a, uint64_t imm);
#define ir_addi(s, d, a, i)   ir_op2i(s, IR_add, d, a, i)
#define ir_subi(s, d, a, i)   ir_op2i(s, IR_sub, d, a, i)
#define ir_andi(s, d, a, i)   ir_op2i(s, IR_and, d, a, i)
#define ir_ori(s, d, a, i)    ir_op2i(s, IR_or, d, a, i)
#define ir_xori(s, d, a, i)   ir_op2i(s, IR_xor, d, a, i)
#define ir_shli(s, d, a, i)   ir_op2i(s, IR_shl, d, a, i)
#define ir_shri(s, d, a, i)   ir_op2i(s, IR_shr, d, a, i)
#define ir_sari(s, d, a, i)   ir_op2i(s, IR_sar, d, a, i)
void ir_movi(IRContext *s, IRTemp d, uint64_t imm);

void ir_setcond(IRContext *s, IRCond c, IRTemp d, IRTemp a, IRTemp b);
void ir_movcond(IRContext *s, IRCond c, IRTemp d, IRTemp c1, IRTemp c2, IRTemp v1, IRTemp v2);
void ir_brcond(IRContext *s, IRCond c, IRTemp a, IRTemp b, IRLabel *l);
void ir_brcondi(IRContext *s, IRCond c, IRTemp a, uint64_t imm, IRLabel *l);
void ir_br(IRContext *s, IRLabel *l);
void ir_mulu2(IRContext *s, IRTemp lo, IRTemp hi, IRTemp a, IRTemp b);
void ir_muls2(IRContext *s, IRTemp lo, IRTemp hi, IRTemp a, IRTemp b);
void ir_deposit(IRContext *s, IRTemp d, IRTemp a, IRTemp b, unsigned pos, unsigned len);
void ir_extract(IRContext *s, IRTemp d, IRTemp a, unsigned pos, unsigned len);
void ir_sextract(IRContext *s, IRTemp d, IRTemp a, unsigned pos, unsigned len);
/* Width changes between I32 and I64 (and same-type ext8/16/32 via ir_op1). */
void ir_extu_i32_i64(IRContext *s, IRTemp d64, IRTemp a32);
void ir_exts_i32_i64(IRContext *s, IRTemp d64, IRTemp a32);
void ir_extrl_i64_i32(IRContext *s, IRTemp d32, IRTemp a64);
void ir_extrh_i64_i32(IRContext *s, IRTemp d32, IRTemp a64);

/* CPU state access: base is usually s->env. */
void ir_ld(IRContext *s, IROpcode opc, IRTemp d, IRTemp base, intptr_t off);
void ir_st(IRContext *s, IROpcode opc, IRTemp v, IRTemp base, intptr_t off);

/* Guest memory; addr is an I64 temp holding the linear address. */
void ir_qemu_ld(IRContext *s, IRTemp d, IRTemp addr, MemOp mo, unsigned mmu_idx);
void ir_qemu_st(IRContext *s, IRTemp v, IRTemp addr, MemOp mo, unsigned mmu_idx);

/* Helper call; ret is IR_NO_TEMP for none; args are temps (env is implicit). */
void ir_call(IRContext *s, const IRHelper *h, IRTemp ret, const IRTemp *args);
#define ir_call0(s, h, r)             ir_call(s, h, r, NULL)
#define ir_call1(s, h, r, a)          ir_call(s, h, r, (IRTemp[]){ a })
#define ir_call2(s, h, r, a, b)       ir_call(s, h, r, (IRTemp[]){ a, b })
#define ir_call3(s, h, r, a, b, c)    ir_call(s, h, r, (IRTemp[]){ a, b, c })
#define ir_call4(s, h, r, a, b, c, d) ir_call(s, h, r, (IRTemp[]){ a, b, c, d })

/* Block structure. */
void ir_insn_start(IRContext *s, uint64_t pc, uint64_t cc_op);
void ir_goto_tb(IRContext *s, unsigned slot);
void ir_exit_tb(IRContext *s, uintptr_t value);
void ir_goto_ptr(IRContext *s, IRTemp host_code);
void ir_discard(IRContext *s, IRTemp t);

/* Passes. */
void ir_optimize(IRContext *s);   /* constant folding, copy propagation, dead code */
void ir_liveness(IRContext *s);   /* fills IROp.life for backends */
void ir_dump(const IRContext *s, FILE *f);
bool ir_check(const IRContext *s, char *err, size_t errlen);   /* types and counts */

/*
 * Exit values of a block (exit_tb argument and backend exec() result):
 * (uintptr_t)tb | slot asks the caller to chain slot 0/1 of tb to the
 * next block; IR_EXIT_REQUESTED | tb means the entry check saw a pending
 * request before the block ran. 0 is a plain exit.
 */
#define IR_EXIT_SLOT_MASK  3
#define IR_EXIT_REQUESTED  2

/* Output of code generation for one block. */
typedef struct IRCodeInfo {
    uint32_t size;                   /* bytes of code written */
    uint32_t jmp_insn_offset[2];     /* patchable jump of goto_tb slot n, or UINT32_MAX */
    uint32_t jmp_reset_offset[2];    /* where that jump goes while unchained */
} IRCodeInfo;

typedef struct IRBackend {
    const char *name;
    /* Once at start: the prologue/epilogue into the code cache. */
    bool (*init)(void);
    /* Compile s into buf (room bytes); returns false when it does not fit. */
    bool (*gen_code)(IRContext *s, uint8_t *buf, size_t room, IRCodeInfo *info);
    /* Run code with env; returns the exit value. */
    uintptr_t (*exec)(void *env, const void *code);
    /* Point the jump at code + jmp_insn_offset to target (NULL: back to the reset path). */
    void (*set_jmp_target)(uint8_t *code, const IRCodeInfo *info, unsigned slot, const void *target);
    /* Host code that returns to exec's caller with value 0 (for goto_ptr misses). */
    const void *(*epilogue)(void);
} IRBackend;

extern const IRBackend ir_backend_interp;
extern const IRBackend ir_backend_x86_64;
const IRBackend *ir_backend_find(const char *name);   /* "interp", "jit"; NULL if unknown */
extern const IRBackend *ir_backend;                    /* the selected one */

/*
 * Guest memory hooks for qemu_ld/qemu_st, set by the front end once. The
 * backends try the TLB (kestrel/tlb.h) at env + tlb_offset and call these
 * on a miss. retaddr identifies the faulting position for state recovery
 * (see ir_getpc()).
 */
typedef struct IRGuestMem {
    intptr_t tlb_offset;
    uint64_t (*load)(void *env, uint64_t addr, uint32_t memop_mmu, uintptr_t retaddr);
    void (*store)(void *env, uint64_t addr, uint64_t val, uint32_t memop_mmu, uintptr_t retaddr);
} IRGuestMem;
extern IRGuestMem ir_guest_mem;

/*
 * The return address a helper uses to name its call site in the block:
 * for the JIT the host return address; for the interpreter the position
 * just past the current op, which it stores before every call. Either way
 * the site lies in (start, end] of its guest instruction's code.
 */
extern __thread uintptr_t ir_interp_retaddr;
#define ir_getpc() \
    (ir_backend == &ir_backend_interp ? ir_interp_retaddr \
                                      : (uintptr_t)__builtin_return_address(0))

/* Code cache: one region, filled linearly, flushed whole when full. */
bool code_cache_init(size_t size);
uint8_t *code_cache_ptr(void);            /* next free byte (writable view) */
size_t code_cache_room(void);
void code_cache_commit(size_t used);      /* after gen_code wrote used bytes */
void code_cache_flush(void);
void code_cache_keep_committed(void);     /* what is committed so far survives flushes */
const void *code_cache_rx(const uint8_t *rw);   /* executable view of a writable address */
void code_cache_patch32(uint8_t *rw, uint32_t v);   /* atomic store into committed code */
bool code_cache_contains(uintptr_t host_pc);

#endif
