/*
 * tlb.h - the softmmu TLB layout, shared by the guest MMU (cpu/mmu.c, which
 * fills it) and the IR backends (which emit or interpret the hit path).
 *
 * Per MMU mode, a direct-mapped table of TLB_SIZE entries indexed by virtual
 * page number, plus a small fully associative victim TLB that cpu/mmu.c
 * consults before walking the page tables. An entry's tags hold the virtual
 * page address (page aligned) for read, write and execute, or TLB_INVALID.
 * Low tag bits mark pages the fast path must not touch directly:
 *   TLB_MMIO     - the page is device memory: go through the bus
 *   TLB_NOTDIRTY - the page holds translated code: writes invalidate TBs first
 *   TLB_WATCH    - a debugger watchpoint is on the page
 * The fast path compares the page of the access's last byte with the tag
 * of the entry indexed by its first byte, so a marked page, or an access
 * that crosses into the next page, fails the compare and takes the slow
 * path; unaligned accesses within a page stay on the fast path.
 */
#ifndef KESTREL_TLB_H
#define KESTREL_TLB_H

#include "kestrel/common.h"

#define TLB_PAGE_BITS   12
#define TLB_PAGE_SIZE   (1ULL << TLB_PAGE_BITS)
#define TLB_PAGE_MASK   (~(TLB_PAGE_SIZE - 1))
#define TLB_BITS        10
#define TLB_SIZE        (1 << TLB_BITS)
#define TLB_VICTIM_SIZE 8
#define NB_MMU_MODES    4

#define TLB_INVALID   (1ULL << 0)
#define TLB_MMIO      (1ULL << 1)
#define TLB_NOTDIRTY  (1ULL << 2)
#define TLB_WATCH     (1ULL << 3)
#define TLB_FLAGS_MASK (TLB_INVALID | TLB_MMIO | TLB_NOTDIRTY | TLB_WATCH)

typedef struct TLBEntry {
    uint64_t addr_read;
    uint64_t addr_write;
    uint64_t addr_code;
    uintptr_t addend;       /* host address = guest virtual address + addend */
} TLBEntry;

typedef struct SoftTLB {
    TLBEntry table[NB_MMU_MODES][TLB_SIZE];
    TLBEntry victim[NB_MMU_MODES][TLB_VICTIM_SIZE];
} SoftTLB;

static inline unsigned tlb_index(uint64_t vaddr)
{
    return (vaddr >> TLB_PAGE_BITS) & (TLB_SIZE - 1);
}

/*
 * The hit test of the fast path: size is the access size in bytes. Returns
 * the host address or NULL when the slow path must run.
 */
static inline void *tlb_hit_read(SoftTLB *tlb, unsigned mmu_idx, uint64_t vaddr, unsigned size)
{
    TLBEntry *e = &tlb->table[mmu_idx][tlb_index(vaddr)];
    if (likely(((vaddr + size - 1) & TLB_PAGE_MASK) == e->addr_read))
        return (void *)(uintptr_t)(vaddr + e->addend);
    return NULL;
}

static inline void *tlb_hit_write(SoftTLB *tlb, unsigned mmu_idx, uint64_t vaddr, unsigned size)
{
    TLBEntry *e = &tlb->table[mmu_idx][tlb_index(vaddr)];
    if (likely(((vaddr + size - 1) & TLB_PAGE_MASK) == e->addr_write))
        return (void *)(uintptr_t)(vaddr + e->addend);
    return NULL;
}

#endif
