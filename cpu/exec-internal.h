/*
 * exec-internal.h - private interface between cpu/mmu.c, cpu/tb.c and
 * cpu/exec.c (the softmmu and the execution engine). Nothing outside these
 * three files includes it, except cpu/translate.c for the layout of the
 * jump cache (its inline probe mirrors helper_lookup_tb_ptr's hit path).
 *
 * Per-vCPU private state (CPUExecState, reached through env->exec) holds
 * what the public TLB layout has no room for: the physical page behind each
 * TLB entry (plus a "global page" bit), the range of large pages seen (so
 * INVLPG inside one flushes everything), and the jump cache. It is created
 * lazily by exec_state() the first time the CPU runs or touches memory, and
 * the CPU is then registered in a global list so invalidations can reach
 * every vCPU's TLB and jump cache.
 *
 * Locking: tb_lock() guards the TB hash, the page lists, the chaining lists
 * and the code cache. It is recursive and is released by exec_recover()
 * when an exception longjmps out of a locked section (code fetch faults
 * during translation).
 */
#ifndef KESTREL_CPU_EXEC_INTERNAL_H
#define KESTREL_CPU_EXEC_INTERNAL_H

#include "cpu/internal.h"

/* Jump cache: 64 groups of 64 entries; a group holds the TBs of one virtual
 * page (modulo 64), so INVLPG clears two groups instead of everything. */
#define TB_JMP_GROUP_BITS 6
#define TB_JMP_CACHE_BITS (2 * TB_JMP_GROUP_BITS)
#define TB_JMP_CACHE_SIZE (1u << TB_JMP_CACHE_BITS)

/* Low bits of CPUExecState.tlb_phys entries (the rest is the physical page). */
#define TLBP_GLOBAL 1u

typedef struct CPUExecState {
    CPUX86State *env;
    struct CPUExecState *next;             /* the list of all vCPUs */
    TranslationBlock *jmp_cache[TB_JMP_CACHE_SIZE];
    /* Physical page (| TLBP_GLOBAL) of each TLB and victim entry. */
    uint64_t tlb_phys[NB_MMU_MODES][TLB_SIZE];
    uint64_t victim_phys[NB_MMU_MODES][TLB_VICTIM_SIZE];
    /* Union of the large pages filled since the last full flush. */
    uint64_t large_addr[NB_MMU_MODES], large_mask[NB_MMU_MODES];
    /* After a store invalidated the running TB: run the next insn alone. */
    bool single_insn_next;
    /* -icount: the budget ends inside the next block: translate one of
     * this many instructions, uncached (0: none pending). */
    int icount_insns_next;
} CPUExecState;

/* tb.c: per-vCPU state and the vCPU list. */
CPUExecState *exec_state(CPUX86State *env);
CPUExecState *exec_state_first(void);
void exec_jmp_cache_clear(CPUExecState *es);
/* Forget the TBs that start on the page of vaddr or may run into it. */
void exec_jmp_cache_clear_page(CPUExecState *es, uint64_t vaddr);

/* tb.c: the TB store. */
void tb_lock(void);
void tb_unlock(void);
void exec_recover(void);                   /* after a longjmp: drop held locks */
TranslationBlock *tb_alloc(void);          /* NULL when the arena is full */
bool tb_arena_low(void);
void tb_set_insn_table(TranslationBlock *tb, const IRContext *s);
void tb_link(TranslationBlock *tb, bool cached);
/* Does the second page of tb still map to tb->phys_page2? */
typedef bool TBPage2Check(const TranslationBlock *tb, void *opaque);
TranslationBlock *tb_lookup_hash(uint64_t phys_pc, uint64_t pc, uint64_t cs_base,
                                 uint32_t flags, TBPage2Check *page2_ok, void *opaque);
TranslationBlock *tb_find_by_host_pc(uintptr_t host_pc);
void tb_add_jump(TranslationBlock *src, unsigned slot, TranslationBlock *dst);
void tb_flush_now(void);
bool tb_flush_pending(void);
unsigned tb_generation(void);              /* changes at every flush */
uint64_t tb_page2_vaddr(const TranslationBlock *tb);   /* linear page of the 2nd page */
/* Linear addresses of code wrap at 4 GiB outside 64-bit code (as in translate.c). */
static inline uint64_t exec_code_linear(uint64_t lin, uint32_t hflags)
{
    return (hflags & HF_CS64) ? lin : (uint32_t)lin;
}
static inline uint64_t tb_linear_pc(const TranslationBlock *tb)
{
    return exec_code_linear(tb->cs_base + tb->pc, tb->flags);
}
static inline unsigned tb_jmp_cache_group(uint64_t linear_pc)
{
    return (unsigned)((linear_pc >> TLB_PAGE_BITS) & ((1u << TB_JMP_GROUP_BITS) - 1));
}
static inline unsigned tb_jmp_cache_index(uint64_t linear_pc)
{
    unsigned in_page = (unsigned)((linear_pc ^ (linear_pc >> TB_JMP_GROUP_BITS)) &
                                  ((1u << TB_JMP_GROUP_BITS) - 1));
    return tb_jmp_cache_group(linear_pc) << TB_JMP_GROUP_BITS | in_page;
}
/* SMC from a guest store at retaddr: invalidate; restart if the running TB died. */
void tb_invalidate_from_store(CPUX86State *env, uint64_t paddr, uint64_t len, uintptr_t retaddr);

/* mmu.c: TLB maintenance that tb.c triggers. */
void tlb_mark_code_page(uint64_t paddr);   /* every vCPU: writes to the page go slow */
/* Physical address of vaddr for execution (walks and fills, never faults); false on a fault. */
bool mmu_probe_code(CPUX86State *env, uint64_t vaddr, uint64_t *paddr);
void mmu_register_cpu(CPUX86State *env);   /* bus map listener, once per bus */

#endif
