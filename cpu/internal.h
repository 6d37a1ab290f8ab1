/*
 * internal.h - what the parts of cpu/ share and nobody outside sees:
 * lazy flags (CCOp), exception raising, the helpers translated code calls,
 * the MMU, and translation blocks.
 *
 * Who owns what:
 *   decode.c + decode-tables.c   struct Insn from bytes (cpu/insn.h)
 *   translate*.c                 Insn -> IR; lazy flags at translation time
 *   cc_helper.c                  computing EFLAGS from (cc_op, dst, src, src2)
 *   seg_helper.c                 descriptors, far transfers, interrupts, IRET, task switch
 *   misc_helper.c                CPUID, MSRs, CRx, I/O with the permission bitmap, HLT
 *   mmu.c                        page walks, TLB fill and flush, guest memory slow paths
 *   exec.c                       TB cache, lookup, chaining, SMC invalidation, the run loop
 *   state.c                      create/reset, hflags, CPU models
 */
#ifndef KESTREL_CPU_INTERNAL_H
#define KESTREL_CPU_INTERNAL_H

#include "kestrel/cpu.h"
#include "kestrel/tcg.h"

/*
 * Lazy flags. cc_op names the last flag-setting operation; the operands are:
 *   ADD/ADC: dst = result, src = second operand (src2 = carry-in for ADC)
 *   SUB/SBB/CMP: dst = result, src = second operand (src2 = borrow-in for SBB)
 *   LOGIC: dst = result
 *   INC/DEC: dst = result, src = CF before the instruction
 *   SHL/SAR/SHR: dst = result, src = value shifted by (count - 1)
 *   MUL: dst = low result, src = nonzero if the high half is significant
 *   EFLAGS: src = the flags themselves (CC_* bits)
 * Each sized group is B, W, L, Q in that order, so (base + size_log2).
 */
#define CC_SIZED_GROUPS(X) X(ADD) X(ADC) X(SUB) X(SBB) X(LOGIC) X(INC) X(DEC) \
                           X(SHL) X(SAR) X(MUL) X(BLSI)
typedef enum CCOp {
    CC_OP_DYNAMIC,      /* translation time only: the value is in env->cc_op */
    CC_OP_EFLAGS,       /* flags are in cc_src */
    CC_OP_CLR,          /* Z and P set, others clear (xor r,r) */
#define CC_GROUP(n) CC_OP_##n##B, CC_OP_##n##W, CC_OP_##n##L, CC_OP_##n##Q,
    CC_SIZED_GROUPS(CC_GROUP)
#undef CC_GROUP
    CC_OP_NB
} CCOp;

uint32_t cc_compute_all(CCOp op, uint64_t dst, uint64_t src, uint64_t src2);
uint32_t cc_compute_c(CCOp op, uint64_t dst, uint64_t src, uint64_t src2);
/* Materialize the flags: env->cc_src = flags, cc_op = CC_OP_EFLAGS. */
void cpu_cc_materialize(CPUX86State *env);

/* --- Exceptions --- */

/*
 * Raise an exception from a helper. retaddr is ir_getpc() of the helper
 * (to restore the faulting instruction's state) or 0 when env->rip and the
 * flags are already exact. Never returns: longjmps to cpu_exec().
 */
KESTREL_NORETURN void raise_exception(CPUX86State *env, int vector, uintptr_t retaddr);
KESTREL_NORETURN void raise_exception_err(CPUX86State *env, int vector, int error_code,
                                          uintptr_t retaddr);
/* Leave translated code now (state already exact), e.g. after HLT. */
KESTREL_NORETURN void cpu_loop_exit(CPUX86State *env);
KESTREL_NORETURN void cpu_loop_exit_restore(CPUX86State *env, uintptr_t retaddr);

/* Deliver env->exception_index through IVT/IDT (seg_helper.c). */
void do_interrupt(CPUX86State *env);
/* Deliver an external interrupt of the given vector. */
void do_interrupt_hw(CPUX86State *env, int vector);
/* Real-time interrupt check between blocks; true if one was delivered. */
bool cpu_handle_interrupt(CPUX86State *env);

/* A 64-bit linear address is canonical when bits 63..47 are all equal (48-bit, no LA57). */
static inline bool x86_is_canonical(uint64_t addr)
{
    return (uint64_t)((int64_t)(addr << 16) >> 16) == addr;
}

/* --- Segments and modes (seg_helper.c, state.c) --- */

void cpu_update_hflags(CPUX86State *env);       /* recompute from CR0/CR4/EFER/segs/EFLAGS */
/* Load a segment register in the current mode with all checks (#GP/#NP/#SS/#TS). */
void load_seg(CPUX86State *env, int seg, uint32_t selector, uintptr_t retaddr);
/* Set the cache directly (real mode, VM86, reset, task switch internals). */
void cpu_load_seg_cache(CPUX86State *env, int seg, uint32_t selector,
                        uint64_t base, uint32_t limit, uint32_t flags);
/* Read a descriptor (8 bytes) for selector from GDT/LDT; false if beyond the limit. */
bool load_descriptor(CPUX86State *env, uint32_t selector, uint32_t *lo, uint32_t *hi,
                     uintptr_t retaddr);

/* --- Guest memory from C (mmu.c) --- */

/* Access through the TLB at the current CPL (or an explicit mmu_idx), faulting like the guest. */
uint64_t cpu_ld(CPUX86State *env, uint64_t vaddr, MemOp mo, unsigned mmu_idx, uintptr_t retaddr);
void cpu_st(CPUX86State *env, uint64_t vaddr, uint64_t val, MemOp mo, unsigned mmu_idx,
            uintptr_t retaddr);
unsigned cpu_mmu_index(const CPUX86State *env);     /* from CPL and SMAP/AC */
unsigned cpu_mmu_index_kernel(const CPUX86State *env);  /* implicit supervisor accesses */
static inline uint8_t cpu_ldub(CPUX86State *env, uint64_t a, uintptr_t ra)
{ return (uint8_t)cpu_ld(env, a, MO_8, cpu_mmu_index(env), ra); }
static inline uint16_t cpu_lduw(CPUX86State *env, uint64_t a, uintptr_t ra)
{ return (uint16_t)cpu_ld(env, a, MO_16, cpu_mmu_index(env), ra); }
static inline uint32_t cpu_ldl(CPUX86State *env, uint64_t a, uintptr_t ra)
{ return (uint32_t)cpu_ld(env, a, MO_32, cpu_mmu_index(env), ra); }
static inline uint64_t cpu_ldq(CPUX86State *env, uint64_t a, uintptr_t ra)
{ return cpu_ld(env, a, MO_64, cpu_mmu_index(env), ra); }
/* Kernel-privileged accesses (descriptor tables, TSS, IDT) use cpu_ld/cpu_st
 * with cpu_mmu_index_kernel(env). */

/*
 * Host address of vaddr for a bulk access (REP string ops) by mmu_idx: walks
 * and fills the TLB like an access (A/D bits included) but never faults.
 * NULL on a fault or unless the page is plain RAM (device memory, pages
 * holding translated code and watchpoints are refused). The pointer is
 * good for the whole 4 KiB page until the helper returns.
 */
void *mmu_probe_ram(CPUX86State *env, uint64_t vaddr, bool write, unsigned mmu_idx);

/* Slow paths for IR qemu_ld/qemu_st (installed in ir_guest_mem). */
uint64_t mmu_load_slow(void *env, uint64_t addr, uint32_t memop_mmu, uintptr_t retaddr);
void mmu_store_slow(void *env, uint64_t addr, uint64_t val, uint32_t memop_mmu, uintptr_t retaddr);

/* Instruction fetch: the physical address of vaddr for execution (faults like the guest). */
uint64_t mmu_translate_code(CPUX86State *env, uint64_t vaddr, uintptr_t retaddr);
/* Page walk without side effects (debugger, monitor); returns false if unmapped. */
bool mmu_debug_translate(CPUX86State *env, uint64_t vaddr, uint64_t *paddr);

/* Once at start, before any translated code runs: installs ir_guest_mem
 * (cpu_exec() calls it itself on its first run). */
void mmu_init(void);

void tlb_flush_all(CPUX86State *env);            /* CR3 write, mode switch */
void tlb_flush_nonglobal(CPUX86State *env);      /* CR3 write with PGE */
void tlb_flush_page(CPUX86State *env, uint64_t vaddr);   /* INVLPG */

/* --- Translation blocks (exec.c) --- */

typedef struct TranslationBlock TranslationBlock;
struct TranslationBlock {
    uint64_t pc;              /* EIP/RIP of the first instruction */
    uint64_t cs_base;
    uint32_t flags;           /* hflags at translation */
    uint32_t size;            /* guest bytes covered */
    uint64_t phys_pc;         /* physical address of the first byte */
    uint64_t phys_page2;      /* second page if the block crosses one, else -1 */
    uint8_t *code;            /* host code (or bytecode) in the code cache */
    const void *code_rx;      /* the same, executable view (what goto_ptr takes) */
    IRCodeInfo info;
    uint32_t nb_insns;
    uint8_t *insn_table;      /* compressed (end offset, pc, cc_op) per insn */
    TranslationBlock *hash_next;
    TranslationBlock *page_next[2];  /* TBs on the same physical page */
    /* Chaining: jmp_dest[n] is where slot n goes; incoming lists to unchain. */
    TranslationBlock *jmp_dest[2];
    uintptr_t jmp_list_head;  /* TBs that jump to this one (tagged with slot) */
    uintptr_t jmp_list_next[2];
    bool invalid;
};

/* cpu/translate.c: translate the block starting at env's current state. */
void x86_translate_init(IRContext *s);          /* registers IR globals */
void x86_translate_block(CPUX86State *env, IRContext *s, TranslationBlock *tb, int max_insns);

/*
 * Code fetch for the translator: reads len bytes at linear address `linear`
 * with execute permission at the TB's privilege. With may_fault (the first
 * instruction of a block) a fault is raised like the guest's; otherwise it
 * returns how many bytes were readable (the translator then ends the block
 * before the instruction). Records the physical page(s) in tb for SMC tracking.
 */
int translator_ld_code(CPUX86State *env, TranslationBlock *tb, uint64_t linear,
                       uint8_t *buf, int len, bool may_fault);

/* Restore EIP and cc_op of the instruction whose code contains retaddr. */
bool cpu_restore_state(CPUX86State *env, uintptr_t retaddr);

/* Invalidate every TB overlapping [paddr, paddr+len) (SMC, DMA into code). */
void tb_invalidate_phys_range(uint64_t paddr, uint64_t len);
bool tb_page_has_code(uint64_t paddr);
void tb_flush(CPUX86State *env);

/* The TB for env's current state, or NULL: for goto_ptr (indirect jumps). */
const void *helper_lookup_tb_ptr(CPUX86State *env);

/* --- Helpers called from translated code ---
 * Each has an IRHelper descriptor named h_<name> (defined next to it) so
 * the translator emits calls as ir_call2(s, &h_ljmp_protected, ...). The
 * signature is (CPUX86State *env, uint64_t args...) per tcg.h. */
#define X86_HELPERS(X) \
    X(raise_exception,   1, false)   /* vector */                        \
    X(raise_exception_err, 2, false) /* vector, error code */            \
    X(raise_interrupt,   2, false)   /* vector, next eip (INT n) */      \
    X(into,              1, false)   /* next eip */                      \
    X(int1,              1, false)   /* next eip */                      \
    X(bound,             3, false)   /* index, addr, size */             \
    X(load_seg,          2, false)   /* seg, selector */                 \
    X(ljmp_real,         2, false)   /* selector, offset: real/VM86 */   \
    X(ljmp_protected,    3, false)   /* selector, offset, next eip */    \
    X(lcall_real,        4, false)   /* selector, offset, opsize, next eip */ \
    X(lcall_protected,   4, false)   /* selector, offset, opsize, next eip */ \
    X(lret,              2, false)   /* opsize, bytes to pop */          \
    X(iret,              2, false)   /* opsize, next eip */              \
    X(lldt,              1, false)                                       \
    X(ltr,               1, false)                                       \
    X(lgdt,              2, false)   /* addr, opsize */                  \
    X(lidt,              2, false)                                       \
    X(sgdt,              2, false)                                       \
    X(sidt,              2, false)                                       \
    X(lar,               1, true)    /* selector -> value | (ZF << 32) */\
    X(lsl,               1, true)                                        \
    X(verr,              1, false)   /* sets ZF via cc_src */            \
    X(verw,              1, false)                                       \
    X(arpl,              2, true)    /* dst sel, src sel -> new | ZF<<32 */ \
    X(read_cr,           1, true)                                        \
    X(write_cr,          2, false)   /* reg, value */                    \
    X(lmsw,              1, false)                                       \
    X(clts,              0, false)                                       \
    X(read_dr,           1, true)                                        \
    X(write_dr,          2, false)                                       \
    X(invlpg,            1, false)   /* linear address */                \
    X(cpuid,             0, false)                                       \
    X(rdtsc,             0, false)                                       \
    X(rdtscp,            0, false)                                       \
    X(rdmsr,             0, false)                                       \
    X(wrmsr,             0, false)                                       \
    X(rdpmc,             0, false)                                       \
    X(check_io,          2, false)   /* port, size: IOPL/TSS bitmap, #GP */ \
    X(in,                2, true)    /* port, size */                    \
    X(out,               3, false)   /* port, value, size */             \
    X(hlt,               1, false)   /* next eip */                      \
    X(pause,             1, false)                                       \
    X(cli,               0, false)   /* IOPL/VME checks */               \
    X(sti,               0, false)                                       \
    X(pushf_check,       0, false)   /* VM86 IOPL check */               \
    X(read_eflags,       0, true)                                        \
    X(write_eflags,      2, false)   /* value, mask of writable bits */  \
    X(popf,              2, false)   /* value, opsize: CPL/IOPL rules */ \
    X(div8,              1, false)   /* divisor; AX in env, #DE */       \
    X(idiv8,             1, false)                                       \
    X(div16,             1, false)                                       \
    X(idiv16,            1, false)                                       \
    X(div32,             1, false)                                       \
    X(idiv32,            1, false)                                       \
    X(div64,             1, false)                                       \
    X(idiv64,            1, false)                                       \
    X(daa,               0, false)                                       \
    X(das,               0, false)                                       \
    X(aaa,               0, false)                                       \
    X(aas,               0, false)                                       \
    X(aam,               1, false)   /* base (#DE on 0) */               \
    X(aad,               1, false)                                       \
    X(cmpxchg8b,         1, false)   /* linear address */                \
    X(cmpxchg16b,        1, false)                                       \
    X(sysenter,          0, false)                                       \
    X(sysexit,           1, false)   /* opsize */                        \
    X(syscall,           1, false)   /* next eip */                      \
    X(sysret,            1, false)                                       \
    X(swapgs,            0, false)                                       \
    X(rsm,               0, false)                                       \
    X(cc_compute_all,    0, true)    /* flags from env's lazy state */   \
    X(cc_compute_c,      0, true)                                        \
    X(lookup_tb_ptr,     0, true)    /* host code of next TB or epilogue */ \
    X(single_step,       0, false)   /* after an insn when TF: #DB */    \
    X(fpu,               2, false)   /* x87: opcode|modrm, linear address */ \
    X(fwait,             0, false)                                       \
    X(rep_bulk,          1, true)    /* cpu/string.h descriptor -> STR_BULK_* */

#define X86_HELPER_DECL(name, nargs, ret) extern const IRHelper h_##name;
X86_HELPERS(X86_HELPER_DECL)
#undef X86_HELPER_DECL

/* Defines the IRHelper descriptor next to a helper's C definition. */
#define DEF_HELPER(name_, nargs_, ret_, flags_) \
    const IRHelper h_##name_ = { (void *)helper_##name_, #name_, nargs_, ret_, flags_ }

#endif
