/*
 * mmu.c - the x86 softmmu: page walks, TLB fill and flush, and the slow
 * paths of guest memory accesses (misses, MMIO, page crossing, writes to
 * pages holding translated code).
 *
 * Paging modes: off (linear = physical), 2-level 32-bit with 4 MiB pages
 * (CR4.PSE, PSE-36), PAE (3 levels, 2 MiB pages, NX) and 4-level long mode
 * (1 GiB and 2 MiB pages, NX). A walk first runs without side effects
 * (mmu_walk), then the access is checked against U/S, R/W (CR0.WP), NX,
 * SMEP and SMAP, and only a permitted access sets the accessed bits of the
 * entries used and, for a write, the dirty bit of the leaf. A page is put
 * in the TLB writable only when its dirty bit is already set, so the first
 * write always walks again and sets D. The A20 mask applies to every
 * physical address, including the page-table entries' own.
 *
 * Invariants:
 *  - A TLB entry's tag for an access is the virtual page or all ones; the
 *    physical page behind it is in CPUExecState.tlb_phys (same index).
 *  - RAM/ROM pages get addend = host - vaddr; device pages get TLB_MMIO on
 *    every tag; read-only RAM gets TLB_MMIO on the write tag only (the bus
 *    drops the write); pages holding TBs get TLB_NOTDIRTY on the write tag.
 *  - A store that crosses a page translates both pages before it writes a
 *    byte, so a fault on the second page leaves memory unchanged.
 *  - A store to a code page invalidates the TBs there before writing (see
 *    tb_invalidate_from_store for the restart when the running TB dies).
 */
#include <stdatomic.h>
#include "cpu/exec-internal.h"
#include "kestrel/memory.h"

/* Physical address width reported to the guest (CPUID 0x80000008 default). */
#define MMU_PHYS_BITS 40
#define PHYS_RSVD_HI (((1ULL << 52) - 1) & ~((1ULL << MMU_PHYS_BITS) - 1))
#define PTE_ADDR_MASK (((1ULL << 52) - 1) & ~0xfffULL)
#define PAGE_OFFSET_MASK (TLB_PAGE_SIZE - 1)

/* Page-table entry bits. */
#define PG_P   (1ULL << 0)
#define PG_RW  (1ULL << 1)
#define PG_US  (1ULL << 2)
#define PG_A   (1ULL << 5)
#define PG_D   (1ULL << 6)
#define PG_PS  (1ULL << 7)
#define PG_G   (1ULL << 8)
#define PG_NX  (1ULL << 63)

/* #PF error code bits. */
#define PF_P    (1u << 0)
#define PF_W    (1u << 1)
#define PF_U    (1u << 2)
#define PF_RSVD (1u << 3)
#define PF_ID   (1u << 4)

typedef enum MMUAccess { ACC_READ, ACC_WRITE, ACC_FETCH } MMUAccess;
enum { PROT_R = 1, PROT_W = 2, PROT_X = 4 };
static const unsigned access_prot[] = { PROT_R, PROT_W, PROT_X };

/* One level of a paging structure hierarchy. */
typedef struct PagingLevel {
    uint8_t shift, bits;
    bool large_ok;          /* PS may map a page here */
    bool has_flags;         /* R/W, U/S, A and NX exist (not a PAE PDPTE) */
    uint64_t rsvd;          /* reserved bits besides the physical-width ones */
} PagingLevel;

static const PagingLevel paging_32[] = {
    { 22, 10, true,  true, 0 },
    { 12, 10, false, true, 0 },
};
static const PagingLevel paging_pae[] = {
    { 30, 2,  false, false, PG_NX | 0x1e6 },
    { 21, 9,  true,  true, 0 },
    { 12, 9,  false, true, 0 },
};
static const PagingLevel paging_4level[] = {
    { 39, 9,  false, true, PG_PS },
    { 30, 9,  true,  true, 0 },
    { 21, 9,  true,  true, 0 },
    { 12, 9,  false, true, 0 },
};

#define WALK_MAX_LEVELS 4

/* The outcome of a walk, before any permission check. */
typedef struct PageWalk {
    uint64_t paddr;             /* physical address of the walked vaddr */
    uint64_t page_mask;         /* page size - 1 */
    bool user, writable, nx, dirty, global;
    uint32_t err;               /* on failure: 0 (not present) or PF_P|PF_RSVD */
    unsigned levels, entry_size;
    uint64_t pte_addr[WALK_MAX_LEVELS];
    uint64_t pte[WALK_MAX_LEVELS];
    bool pte_has_a[WALK_MAX_LEVELS];
} PageWalk;

static bool paging_enabled(const CPUX86State *env)
{
    return env->cr[0] & CR0_PG;
}

static uint64_t mmu_linear(const CPUX86State *env, uint64_t vaddr)
{
    return (env->efer & EFER_LMA) ? vaddr : (uint32_t)vaddr;
}

static uint64_t pt_load(CPUX86State *env, uint64_t addr, unsigned size)
{
    return bus_read(env->mem, addr, size);
}

/* Sets bits (A/D, all in the low byte) of the entry at addr, atomically in RAM. */
static void pt_set_bits(CPUX86State *env, uint64_t addr, unsigned size, uint64_t pte,
                        uint64_t bits)
{
    const MemRegion *r = bus_find(env->mem, addr);
    if (r && r->host && !(r->flags & REGION_READONLY)) {
        _Atomic uint8_t *p = (_Atomic uint8_t *)(r->host + (addr - r->base));
        atomic_fetch_or(p, (uint8_t)bits);
    } else {
        bus_write(env->mem, addr, pte | bits, size);
    }
    if (tb_page_has_code(addr))
        tb_invalidate_phys_range(addr, size);
}

static uint64_t pte_rsvd(const CPUX86State *env, const PagingLevel *lv, unsigned esize,
                         bool large)
{
    if (esize == 4)
        return large ? (1ULL << 21) : 0;
    uint64_t r = PHYS_RSVD_HI | lv->rsvd;
    if (!(env->efer & EFER_NXE))
        r |= PG_NX;
    if (large)
        r |= ((1ULL << lv->shift) - 1) & ~0x1fffULL;
    return r;
}

static uint64_t pte_large_base(uint64_t pte, unsigned esize, unsigned shift)
{
    if (esize == 4)
        return (pte & 0xffc00000ULL) | ((pte >> 13) & 0xff) << 32;
    return pte & PTE_ADDR_MASK & ~((1ULL << shift) - 1);
}

/* Walks the paging structures for vaddr without side effects. */
static bool mmu_walk(CPUX86State *env, uint64_t vaddr, PageWalk *w)
{
    const PagingLevel *lv;
    unsigned n;
    uint64_t table;

    memset(w, 0, sizeof(*w));
    w->user = w->writable = true;
    if (env->efer & EFER_LMA) {
        lv = paging_4level, n = ARRAY_SIZE(paging_4level), w->entry_size = 8;
        table = env->cr[3] & PTE_ADDR_MASK;
    } else if (env->cr[4] & CR4_PAE) {
        lv = paging_pae, n = ARRAY_SIZE(paging_pae), w->entry_size = 8;
        table = env->cr[3] & 0xffffffe0ULL;
    } else {
        lv = paging_32, n = ARRAY_SIZE(paging_32), w->entry_size = 4;
        table = env->cr[3] & 0xfffff000ULL;
    }
    vaddr = mmu_linear(env, vaddr);
    for (unsigned i = 0; i < n; i++) {
        uint64_t idx = (vaddr >> lv[i].shift) & ((1u << lv[i].bits) - 1);
        uint64_t addr = (table + idx * w->entry_size) & env->a20_mask;
        uint64_t pte = pt_load(env, addr, w->entry_size);
        w->pte_addr[i] = addr;
        w->pte[i] = pte;
        w->pte_has_a[i] = lv[i].has_flags;
        w->levels = i + 1;
        if (!(pte & PG_P))
            return false;
        bool leaf = i == n - 1 ||
                    (lv[i].large_ok && (pte & PG_PS) &&
                     (w->entry_size == 8 || (env->cr[4] & CR4_PSE)));
        if (pte & pte_rsvd(env, &lv[i], w->entry_size, leaf && i != n - 1)) {
            w->err = PF_P | PF_RSVD;
            return false;
        }
        if (lv[i].has_flags) {
            w->user &= !!(pte & PG_US);
            w->writable &= !!(pte & PG_RW);
            w->nx |= w->entry_size == 8 && (pte & PG_NX) && (env->efer & EFER_NXE);
        }
        if (leaf) {
            w->page_mask = (1ULL << lv[i].shift) - 1;
            uint64_t base = i == n - 1 ? pte & PTE_ADDR_MASK
                                       : pte_large_base(pte, w->entry_size, lv[i].shift);
            w->paddr = (base | (vaddr & w->page_mask)) & env->a20_mask;
            w->dirty = pte & PG_D;
            w->global = (pte & PG_G) && (env->cr[4] & CR4_PGE);
            return true;
        }
        table = pte & PTE_ADDR_MASK;
    }
    return false;   /* not reached: the last level is always a leaf */
}

/* What mmu_idx may do with the page a successful walk found. */
static unsigned walk_prot(const CPUX86State *env, const PageWalk *w, unsigned mmu_idx)
{
    unsigned prot = PROT_R | PROT_X | (w->writable ? PROT_W : 0);
    if (mmu_idx == MMU_USER_IDX) {
        if (!w->user)
            return 0;
    } else {
        if (!(env->cr[0] & CR0_WP))
            prot |= PROT_W;
        if (w->user && (env->cr[4] & CR4_SMEP))
            prot &= ~PROT_X;
        if (w->user && mmu_idx == MMU_KSMAP_IDX)
            prot &= ~(PROT_R | PROT_W);
    }
    if (w->nx)
        prot &= ~PROT_X;
    return prot;
}

static void walk_set_ad(CPUX86State *env, const PageWalk *w, bool is_write)
{
    for (unsigned i = 0; i < w->levels; i++) {
        uint64_t bits = PG_A | (is_write && i == w->levels - 1 ? PG_D : 0);
        if (w->pte_has_a[i] && (w->pte[i] & bits) != bits)
            pt_set_bits(env, w->pte_addr[i], w->entry_size, w->pte[i], bits);
    }
}

static uint32_t pf_error_code(const CPUX86State *env, uint32_t base, MMUAccess access,
                              unsigned mmu_idx)
{
    uint32_t err = base;
    if (access == ACC_WRITE)
        err |= PF_W;
    if (mmu_idx == MMU_USER_IDX)
        err |= PF_U;
    if (access == ACC_FETCH &&
        (((env->efer & EFER_NXE) && (env->cr[4] & CR4_PAE)) || (env->cr[4] & CR4_SMEP)))
        err |= PF_ID;
    return err;
}

/* ---- TLB ---- */

static uint64_t *tlb_tag(TLBEntry *e, MMUAccess access)
{
    return access == ACC_READ ? &e->addr_read : access == ACC_WRITE ? &e->addr_write
                                                                    : &e->addr_code;
}

static bool tag_matches(uint64_t tag, uint64_t vpage)
{
    return (tag & (TLB_PAGE_MASK | TLB_INVALID)) == vpage;
}

static bool entry_maps(const TLBEntry *e, uint64_t vpage)
{
    return tag_matches(e->addr_read, vpage) || tag_matches(e->addr_write, vpage) ||
           tag_matches(e->addr_code, vpage);
}

static void tlb_entry_clear(TLBEntry *e)
{
    e->addr_read = e->addr_write = e->addr_code = ~0ULL;
    e->addend = 0;
}

static void tlb_track_large(CPUExecState *es, unsigned mmu_idx, uint64_t vpage, uint64_t page_mask)
{
    uint64_t mask = ~page_mask;
    uint64_t addr = es->large_addr[mmu_idx];
    if (addr == ~0ULL) {
        addr = vpage;
    } else {
        mask &= es->large_mask[mmu_idx];
        while ((addr ^ vpage) & mask)
            mask <<= 1;
    }
    es->large_addr[mmu_idx] = addr & mask;
    es->large_mask[mmu_idx] = mask;
}

/* True when the whole 4 KiB page at ppage is one host-backed region. */
static const MemRegion *ram_region_of_page(CPUX86State *env, uint64_t ppage)
{
    const MemRegion *r = bus_find(env->mem, ppage);
    if (!r || !r->host || ppage < r->base || ppage + TLB_PAGE_SIZE - 1 > r->base + r->size - 1)
        return NULL;
    return bus_find(env->mem, ppage + TLB_PAGE_SIZE - 1) == r ? r : NULL;
}

static void tlb_set_page(CPUX86State *env, uint64_t vpage, uint64_t ppage, unsigned prot,
                         unsigned mmu_idx, uint64_t page_mask, bool global)
{
    CPUExecState *es = exec_state(env);
    unsigned idx = tlb_index(vpage);
    TLBEntry *e = &env->tlb.table[mmu_idx][idx];

    if (page_mask > PAGE_OFFSET_MASK)
        tlb_track_large(es, mmu_idx, vpage, page_mask);
    for (unsigned v = 0; v < TLB_VICTIM_SIZE; v++) {
        if (entry_maps(&env->tlb.victim[mmu_idx][v], vpage))
            tlb_entry_clear(&env->tlb.victim[mmu_idx][v]);
    }
    if (!entry_maps(e, vpage) && !(e->addr_read & e->addr_write & e->addr_code & TLB_INVALID)) {
        unsigned v = env->tlb_victim_next[mmu_idx]++ % TLB_VICTIM_SIZE;
        env->tlb.victim[mmu_idx][v] = *e;
        es->victim_phys[mmu_idx][v] = es->tlb_phys[mmu_idx][idx];
    }

    const MemRegion *r = ram_region_of_page(env, ppage);
    uint64_t flags = r ? 0 : TLB_MMIO;
    uint64_t wflags = flags;
    if (r && (r->flags & REGION_READONLY))
        wflags |= TLB_MMIO;
    if (r && tb_page_has_code(ppage))
        wflags |= TLB_NOTDIRTY;
    e->addend = r ? (uintptr_t)(r->host + (ppage - r->base)) - (uintptr_t)vpage : 0;
    e->addr_read = (prot & PROT_R) ? vpage | flags : ~0ULL;
    e->addr_write = (prot & PROT_W) ? vpage | wflags : ~0ULL;
    e->addr_code = (prot & PROT_X) ? vpage | flags : ~0ULL;
    es->tlb_phys[mmu_idx][idx] = ppage | (global ? TLBP_GLOBAL : 0);
}

/* Walks vaddr's page and fills the TLB; false with a #PF error code on a fault. */
static bool tlb_fill(CPUX86State *env, uint64_t vaddr, MMUAccess access, unsigned mmu_idx,
                     uint32_t *err)
{
    uint64_t vpage = vaddr & TLB_PAGE_MASK;
    if (mmu_idx == MMU_PHYS_IDX || !paging_enabled(env)) {
        uint64_t ppage = mmu_linear(env, vaddr) & env->a20_mask & TLB_PAGE_MASK;
        tlb_set_page(env, vpage, ppage, PROT_R | PROT_W | PROT_X, mmu_idx, PAGE_OFFSET_MASK, false);
        return true;
    }
    PageWalk w;
    if (!mmu_walk(env, vaddr, &w)) {
        *err = pf_error_code(env, w.err, access, mmu_idx);
        return false;
    }
    unsigned prot = walk_prot(env, &w, mmu_idx);
    if (!(prot & access_prot[access])) {
        *err = pf_error_code(env, PF_P, access, mmu_idx);
        return false;
    }
    walk_set_ad(env, &w, access == ACC_WRITE);
    if (access != ACC_WRITE && !w.dirty)
        prot &= ~PROT_W;
    tlb_set_page(env, vpage, w.paddr & TLB_PAGE_MASK, prot, mmu_idx, w.page_mask, w.global);
    return true;
}

static bool tlb_victim_hit(CPUX86State *env, unsigned mmu_idx, unsigned idx, uint64_t vpage,
                           MMUAccess access)
{
    CPUExecState *es = exec_state(env);
    for (unsigned v = 0; v < TLB_VICTIM_SIZE; v++) {
        TLBEntry *ve = &env->tlb.victim[mmu_idx][v];
        if (tag_matches(*tlb_tag(ve, access), vpage)) {
            TLBEntry tmp = env->tlb.table[mmu_idx][idx];
            uint64_t tphys = es->tlb_phys[mmu_idx][idx];
            env->tlb.table[mmu_idx][idx] = *ve;
            es->tlb_phys[mmu_idx][idx] = es->victim_phys[mmu_idx][v];
            *ve = tmp;
            es->victim_phys[mmu_idx][v] = tphys;
            return true;
        }
    }
    return false;
}

/* Makes the main TLB entry of vaddr valid for access; false with *err on a fault. */
static bool tlb_lookup(CPUX86State *env, uint64_t vaddr, MMUAccess access, unsigned mmu_idx,
                       uint32_t *err)
{
    unsigned idx = tlb_index(vaddr);
    uint64_t vpage = vaddr & TLB_PAGE_MASK;
    if (tag_matches(*tlb_tag(&env->tlb.table[mmu_idx][idx], access), vpage))
        return true;
    if (tlb_victim_hit(env, mmu_idx, idx, vpage, access))
        return true;
    return tlb_fill(env, vaddr, access, mmu_idx, err);
}

static KESTREL_NORETURN void mmu_raise_pf(CPUX86State *env, uint64_t vaddr, uint32_t err,
                                          uintptr_t retaddr)
{
    env->cr[2] = mmu_linear(env, vaddr);
    raise_exception_err(env, EXCP_PF, (int)err, retaddr);
}

/* A translated page: a copy of its entry and its physical page. */
typedef struct PageRef {
    TLBEntry e;
    uint64_t phys;              /* physical address of the access's first byte here */
} PageRef;

/*
 * In long mode a non-canonical address is #GP(0) before any page walk (the
 * SDM's #SS(0) for SS-relative accesses is not told apart: QEMU does the
 * same). TLB tags hold the whole address, so only misses need the check.
 */
static bool mmu_canonical(const CPUX86State *env, uint64_t vaddr)
{
    return !(env->efer & EFER_LMA) || x86_is_canonical(vaddr);
}

static void tlb_ref(CPUX86State *env, uint64_t vaddr, MMUAccess access, unsigned mmu_idx,
                    uintptr_t retaddr, PageRef *ref)
{
    uint32_t err;
    if (!mmu_canonical(env, vaddr))
        raise_exception_err(env, EXCP_GP, 0, retaddr);
    if (!tlb_lookup(env, vaddr, access, mmu_idx, &err))
        mmu_raise_pf(env, vaddr, err, retaddr);
    unsigned idx = tlb_index(vaddr);
    ref->e = env->tlb.table[mmu_idx][idx];
    ref->phys = (exec_state(env)->tlb_phys[mmu_idx][idx] & TLB_PAGE_MASK) |
                (vaddr & PAGE_OFFSET_MASK);
}

/* ---- Slow paths ---- */

static uint64_t host_load(const uint8_t *p, unsigned size)
{
    switch (size) {
    case 1: return *p;
    case 2: return ld16_le(p);
    case 4: return ld32_le(p);
    default: return ld64_le(p);
    }
}

static void host_store(uint8_t *p, uint64_t val, unsigned size)
{
    switch (size) {
    case 1: *p = (uint8_t)val; break;
    case 2: st16_le(p, (uint16_t)val); break;
    case 4: st32_le(p, (uint32_t)val); break;
    default: st64_le(p, val); break;
    }
}

static uint64_t page_load(CPUX86State *env, const PageRef *ref, uint64_t vaddr, unsigned size)
{
    if (ref->e.addr_read & TLB_MMIO)
        return bus_read(env->mem, ref->phys, size);
    return host_load((const uint8_t *)(uintptr_t)(vaddr + ref->e.addend), size);
}

static void page_store(CPUX86State *env, const PageRef *ref, uint64_t vaddr, uint64_t val,
                       unsigned size)
{
    if (ref->e.addr_write & TLB_MMIO)
        bus_write(env->mem, ref->phys, val, size);
    else
        host_store((uint8_t *)(uintptr_t)(vaddr + ref->e.addend), val, size);
}

/* Before writing len bytes through ref: invalidate the TBs on a code page. */
static void page_store_prepare(CPUX86State *env, const PageRef *ref, uint64_t vaddr,
                               unsigned len, unsigned mmu_idx, uintptr_t retaddr)
{
    if (!(ref->e.addr_write & TLB_NOTDIRTY))
        return;
    tb_invalidate_from_store(env, ref->phys, len, retaddr);
    if (!tb_page_has_code(ref->phys)) {
        TLBEntry *e = &env->tlb.table[mmu_idx][tlb_index(vaddr)];
        if (tag_matches(e->addr_write, vaddr & TLB_PAGE_MASK))
            e->addr_write &= ~TLB_NOTDIRTY;
    }
}

/* access is ACC_READ, or ACC_WRITE for the load of a read-modify-write. */
static uint64_t mmu_load(CPUX86State *env, uint64_t addr, unsigned size, MMUAccess access,
                         unsigned mmu_idx, uintptr_t retaddr)
{
    unsigned first = (unsigned)(TLB_PAGE_SIZE - (addr & PAGE_OFFSET_MASK));
    PageRef p1, p2;
    tlb_ref(env, addr, access, mmu_idx, retaddr, &p1);
    if (size <= first)
        return page_load(env, &p1, addr, size);
    tlb_ref(env, addr + first, access, mmu_idx, retaddr, &p2);
    uint64_t val = 0;
    for (unsigned i = 0; i < size; i++) {
        uint64_t a = addr + i;
        val |= page_load(env, i < first ? &p1 : &p2, a, 1) << (8 * i);
    }
    return val;
}

static void mmu_store(CPUX86State *env, uint64_t addr, uint64_t val, unsigned size,
                      unsigned mmu_idx, uintptr_t retaddr)
{
    unsigned first = (unsigned)(TLB_PAGE_SIZE - (addr & PAGE_OFFSET_MASK));
    PageRef p1, p2;
    tlb_ref(env, addr, ACC_WRITE, mmu_idx, retaddr, &p1);
    if (size <= first) {
        page_store_prepare(env, &p1, addr, size, mmu_idx, retaddr);
        page_store(env, &p1, addr, val, size);
        return;
    }
    tlb_ref(env, addr + first, ACC_WRITE, mmu_idx, retaddr, &p2);
    page_store_prepare(env, &p1, addr, first, mmu_idx, retaddr);
    page_store_prepare(env, &p2, addr + first, size - first, mmu_idx, retaddr);
    for (unsigned i = 0; i < size; i++)
        page_store(env, i < first ? &p1 : &p2, addr + i, val >> (8 * i), 1);
}

static uint64_t memop_extend(uint64_t val, MemOp mo)
{
    if (!(mo & MO_SIGN))
        return val;
    switch (mo & MO_SIZE) {
    case MO_8: return (uint64_t)(int64_t)(int8_t)val;
    case MO_16: return (uint64_t)(int64_t)(int16_t)val;
    case MO_32: return (uint64_t)(int64_t)(int32_t)val;
    default: return val;
    }
}

uint64_t mmu_load_slow(void *opaque, uint64_t addr, uint32_t memop_mmu, uintptr_t retaddr)
{
    MemOp mo = IR_MEMOP_OF(memop_mmu);
    uint64_t val = mmu_load(opaque, addr, 1u << (mo & MO_SIZE), mo & MO_RMW ? ACC_WRITE : ACC_READ,
                            IR_MMU_OF(memop_mmu), retaddr);
    return memop_extend(val, mo);
}

void mmu_store_slow(void *opaque, uint64_t addr, uint64_t val, uint32_t memop_mmu,
                    uintptr_t retaddr)
{
    MemOp mo = IR_MEMOP_OF(memop_mmu);
    mmu_store(opaque, addr, val, 1u << (mo & MO_SIZE), IR_MMU_OF(memop_mmu), retaddr);
}

uint64_t cpu_ld(CPUX86State *env, uint64_t vaddr, MemOp mo, unsigned mmu_idx, uintptr_t retaddr)
{
    unsigned size = 1u << (mo & MO_SIZE);
    exec_state(env);        /* a new CPU's zeroed TLB is flushed before its first use */
    void *p = tlb_hit_read(&env->tlb, mmu_idx, vaddr, size);
    if (p)
        return memop_extend(host_load(p, size), mo);
    return mmu_load_slow(env, vaddr, IR_MEMOP_MMU(mo, mmu_idx), retaddr);
}

void cpu_st(CPUX86State *env, uint64_t vaddr, uint64_t val, MemOp mo, unsigned mmu_idx,
            uintptr_t retaddr)
{
    unsigned size = 1u << (mo & MO_SIZE);
    exec_state(env);
    void *p = tlb_hit_write(&env->tlb, mmu_idx, vaddr, size);
    if (p)
        host_store(p, val, size);
    else
        mmu_store(env, vaddr, val, size, mmu_idx, retaddr);
}

void *mmu_probe_ram(CPUX86State *env, uint64_t vaddr, bool write, unsigned mmu_idx)
{
    MMUAccess access = write ? ACC_WRITE : ACC_READ;
    uint32_t err;
    exec_state(env);
    if (!tlb_lookup(env, vaddr, access, mmu_idx, &err))
        return NULL;
    TLBEntry *e = &env->tlb.table[mmu_idx][tlb_index(vaddr)];
    if (*tlb_tag(e, access) & TLB_FLAGS_MASK)
        return NULL;
    return (void *)(uintptr_t)(vaddr + e->addend);
}

unsigned cpu_mmu_index(const CPUX86State *env)
{
    if ((env->hflags & HF_CPL_MASK) == 3)
        return MMU_USER_IDX;
    if ((env->hflags & HF_SMAP) && !(env->eflags & AC_MASK))
        return MMU_KSMAP_IDX;
    return MMU_KERNEL_IDX;
}

unsigned cpu_mmu_index_kernel(const CPUX86State *env)
{
    if (!(env->hflags & HF_SMAP))
        return MMU_KERNEL_IDX;
    if ((env->hflags & HF_CPL_MASK) < 3 && (env->eflags & AC_MASK))
        return MMU_KERNEL_IDX;
    return MMU_KSMAP_IDX;
}

void mmu_init(void)
{
    ir_guest_mem.tlb_offset = offsetof(CPUX86State, tlb);
    ir_guest_mem.load = mmu_load_slow;
    ir_guest_mem.store = mmu_store_slow;
}

/* ---- Code fetch ---- */

static unsigned code_mmu_index(uint32_t flags)
{
    return (flags & HF_CPL_MASK) == 3 ? MMU_USER_IDX : MMU_KERNEL_IDX;
}

uint64_t mmu_translate_code(CPUX86State *env, uint64_t vaddr, uintptr_t retaddr)
{
    PageRef ref;
    tlb_ref(env, vaddr, ACC_FETCH, code_mmu_index(env->hflags), retaddr, &ref);
    return ref.phys;
}

bool mmu_probe_code(CPUX86State *env, uint64_t vaddr, uint64_t *paddr)
{
    unsigned mmu_idx = code_mmu_index(env->hflags), idx = tlb_index(vaddr);
    uint32_t err;
    if (!mmu_canonical(env, vaddr) || !tlb_lookup(env, vaddr, ACC_FETCH, mmu_idx, &err))
        return false;
    *paddr = (exec_state(env)->tlb_phys[mmu_idx][idx] & TLB_PAGE_MASK) |
             (vaddr & PAGE_OFFSET_MASK);
    return true;
}

/* Records the physical page of a fetch in tb; false if it would be a third page. */
static bool tb_record_page(TranslationBlock *tb, uint64_t phys)
{
    uint64_t page = phys & TLB_PAGE_MASK;
    if (page == (tb->phys_pc & TLB_PAGE_MASK) || page == tb->phys_page2)
        return true;
    if (tb->phys_page2 != ~0ULL)
        return false;
    tb->phys_page2 = page;
    return true;
}

int translator_ld_code(CPUX86State *env, TranslationBlock *tb, uint64_t linear,
                       uint8_t *buf, int len, bool may_fault)
{
    unsigned mmu_idx = code_mmu_index(tb->flags);
    int done = 0;
    while (done < len) {
        uint64_t va = linear + (uint64_t)done;
        int chunk = (int)(TLB_PAGE_SIZE - (va & PAGE_OFFSET_MASK));
        if (chunk > len - done)
            chunk = len - done;
        uint32_t err;
        if (!mmu_canonical(env, va)) {
            if (may_fault)
                raise_exception_err(env, EXCP_GP, 0, 0);
            return done;
        }
        if (!tlb_lookup(env, va, ACC_FETCH, mmu_idx, &err)) {
            if (may_fault)
                mmu_raise_pf(env, va, err, 0);
            return done;
        }
        unsigned idx = tlb_index(va);
        const TLBEntry *e = &env->tlb.table[mmu_idx][idx];
        uint64_t phys = (exec_state(env)->tlb_phys[mmu_idx][idx] & TLB_PAGE_MASK) |
                        (va & PAGE_OFFSET_MASK);
        if (!tb_record_page(tb, phys))
            return done;
        if (e->addr_code & TLB_MMIO) {
            for (int i = 0; i < chunk; i++)
                buf[done + i] = (uint8_t)bus_read(env->mem, phys + (uint64_t)i, 1);
        } else {
            memcpy(buf + done, (const void *)(uintptr_t)(va + e->addend), (size_t)chunk);
        }
        done += chunk;
    }
    return done;
}

/* ---- Flushes ---- */

void tlb_flush_all(CPUX86State *env)
{
    CPUExecState *es = exec_state(env);
    memset(env->tlb.table, 0xff, sizeof(env->tlb.table));
    memset(env->tlb.victim, 0xff, sizeof(env->tlb.victim));
    for (unsigned m = 0; m < NB_MMU_MODES; m++) {
        es->large_addr[m] = ~0ULL;
        es->large_mask[m] = 0;
    }
    exec_jmp_cache_clear(es);
}

void tlb_flush_nonglobal(CPUX86State *env)
{
    CPUExecState *es = exec_state(env);
    for (unsigned m = 0; m < NB_MMU_MODES; m++) {
        for (unsigned i = 0; i < TLB_SIZE; i++) {
            if (!(es->tlb_phys[m][i] & TLBP_GLOBAL))
                tlb_entry_clear(&env->tlb.table[m][i]);
        }
        for (unsigned v = 0; v < TLB_VICTIM_SIZE; v++) {
            if (!(es->victim_phys[m][v] & TLBP_GLOBAL))
                tlb_entry_clear(&env->tlb.victim[m][v]);
        }
    }
    exec_jmp_cache_clear(es);
}

void tlb_flush_page(CPUX86State *env, uint64_t vaddr)
{
    CPUExecState *es = exec_state(env);
    uint64_t vpage = vaddr & TLB_PAGE_MASK;
    for (unsigned m = 0; m < NB_MMU_MODES; m++) {
        if (es->large_addr[m] != ~0ULL && (vpage & es->large_mask[m]) == es->large_addr[m]) {
            tlb_flush_all(env);
            return;
        }
    }
    for (unsigned m = 0; m < NB_MMU_MODES; m++) {
        TLBEntry *e = &env->tlb.table[m][tlb_index(vpage)];
        if (entry_maps(e, vpage))
            tlb_entry_clear(e);
        for (unsigned v = 0; v < TLB_VICTIM_SIZE; v++) {
            if (entry_maps(&env->tlb.victim[m][v], vpage))
                tlb_entry_clear(&env->tlb.victim[m][v]);
        }
    }
    exec_jmp_cache_clear_page(es, vaddr);
}

/* The bus map changed: translations and the code read through them are stale. */
void cpu_tlb_flush(CPUX86State *env)
{
    tlb_flush_all(env);
    tb_flush(env);
}

static void tlb_mark_entry(TLBEntry *e, uint64_t phys, uint64_t page)
{
    if (!(e->addr_write & TLB_INVALID) && (phys & TLB_PAGE_MASK) == page)
        e->addr_write |= TLB_NOTDIRTY;
}

void tlb_mark_code_page(uint64_t paddr)
{
    uint64_t page = paddr & TLB_PAGE_MASK;
    for (CPUExecState *es = exec_state_first(); es; es = es->next) {
        SoftTLB *tlb = &es->env->tlb;
        for (unsigned m = 0; m < NB_MMU_MODES; m++) {
            for (unsigned i = 0; i < TLB_SIZE; i++)
                tlb_mark_entry(&tlb->table[m][i], es->tlb_phys[m][i], page);
            for (unsigned v = 0; v < TLB_VICTIM_SIZE; v++)
                tlb_mark_entry(&tlb->victim[m][v], es->victim_phys[m][v], page);
        }
    }
}

static void mmu_bus_changed(void *opaque, Bus *bus)
{
    for (CPUExecState *es = exec_state_first(); es; es = es->next) {
        if (es->env->mem == bus)
            cpu_tlb_flush(es->env);
    }
}

/* One listener per physical bus, whatever the number of vCPUs on it (under tb_lock). */
void mmu_register_cpu(CPUX86State *env)
{
    static Bus *buses[4];
    unsigned i;
    if (!env->mem)
        return;
    for (i = 0; i < ARRAY_SIZE(buses) && buses[i]; i++) {
        if (buses[i] == env->mem)
            return;
    }
    assert(i < ARRAY_SIZE(buses));
    buses[i] = env->mem;
    bus_add_listener(env->mem, mmu_bus_changed, NULL);
    bus_set_ram_write_hook(env->mem, tb_invalidate_phys_range);
}

/* ---- Debugger access ---- */

bool mmu_debug_translate(CPUX86State *env, uint64_t vaddr, uint64_t *paddr)
{
    if (!paging_enabled(env)) {
        *paddr = mmu_linear(env, vaddr) & env->a20_mask;
        return true;
    }
    PageWalk w;
    if (!mmu_walk(env, vaddr, &w))
        return false;
    *paddr = w.paddr;
    return true;
}

bool cpu_memory_rw_debug(CPUX86State *env, uint64_t vaddr, void *buf, size_t len, bool is_write)
{
    uint8_t *p = buf;
    while (len) {
        uint64_t paddr;
        size_t chunk = (size_t)(TLB_PAGE_SIZE - (vaddr & PAGE_OFFSET_MASK));
        if (chunk > len)
            chunk = len;
        if (!mmu_debug_translate(env, vaddr, &paddr))
            return false;
        bus_rw(env->mem, paddr, p, chunk, is_write);
        if (is_write)
            tb_invalidate_phys_range(paddr, chunk);
        p += chunk, vaddr += chunk, len -= chunk;
    }
    return true;
}
