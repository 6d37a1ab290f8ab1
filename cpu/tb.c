/*
 * tb.c - the translation-block store: allocation, the physical hash table,
 * per-physical-page TB lists for self-modifying code, chaining lists,
 * invalidation, state restoration from a host return address, and the
 * per-vCPU private state (CPUExecState).
 *
 * Invariants:
 *  - TB structs and their compressed instruction tables live in one arena
 *    that is reset together with the code cache (tb_flush_now), so every
 *    TB pointer dies at a flush and nothing else frees them.
 *  - tbs_by_code lists every generated TB in code-cache order; the cache
 *    fills linearly, so it is sorted by code address (binary search).
 *  - A cached TB is in the hash and on the list of each physical page it
 *    covers (one or two) until it is invalidated; an invalid TB is in no
 *    hash, page list, jump cache or incoming-jump list, and nothing jumps
 *    to it, but its code and instruction table stay valid until the next
 *    flush (a running invalid TB can still finish or restore state).
 *  - jmp_list_head/jmp_list_next hold (source TB | slot) tagged pointers.
 *  - tb->code is the writable view of the code; execution, chaining
 *    targets and host-pc searches use code_cache_rx(tb->code).
 */
#include <pthread.h>
#include <stdlib.h>
#include "cpu/exec-internal.h"
#include "kestrel/log.h"

#define TB_HASH_BITS 15
#define TB_HASH_SIZE (1u << TB_HASH_BITS)
#define PAGE_HASH_BITS 14
#define PAGE_HASH_SIZE (1u << PAGE_HASH_BITS)
#define TB_ARENA_SIZE (32 * MiB)
#define TB_ARENA_RESERVE (256 * KiB)      /* below this, flush before translating */

typedef struct PageDesc {
    uint64_t page;
    TranslationBlock *first;
    struct PageDesc *next;
} PageDesc;

static struct {
    uint8_t *arena;
    size_t arena_used;
    TranslationBlock *hash[TB_HASH_SIZE];
    PageDesc *pages[PAGE_HASH_SIZE];
    TranslationBlock **by_code;
    size_t nb_tbs, cap_tbs;
    CPUExecState *cpus;
    volatile bool flush_pending;
    unsigned generation;              /* counts flushes: TB pointers of older ones are dead */
} tb_ctx;

static pthread_mutex_t tb_mutex;
static pthread_once_t tb_mutex_once = PTHREAD_ONCE_INIT;
static __thread unsigned tb_lock_depth;

static void tb_mutex_init(void)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&tb_mutex, &a);
    pthread_mutexattr_destroy(&a);
}

void tb_lock(void)
{
    pthread_once(&tb_mutex_once, tb_mutex_init);
    pthread_mutex_lock(&tb_mutex);
    tb_lock_depth++;
}

void tb_unlock(void)
{
    assert(tb_lock_depth > 0);
    tb_lock_depth--;
    pthread_mutex_unlock(&tb_mutex);
}

void exec_recover(void)
{
    while (tb_lock_depth)
        tb_unlock();
}

/* ---- Per-vCPU state ---- */

CPUExecState *exec_state(CPUX86State *env)
{
    if (likely(env->exec))
        return env->exec;
    CPUExecState *es = calloc(1, sizeof(*es));
    assert(es);
    es->env = env;
    env->exec = es;
    tlb_flush_all(env);
    tb_lock();
    es->next = tb_ctx.cpus;
    tb_ctx.cpus = es;
    mmu_register_cpu(env);
    tb_unlock();
    return es;
}

CPUExecState *exec_state_first(void)
{
    return tb_ctx.cpus;
}

void exec_jmp_cache_clear(CPUExecState *es)
{
    memset(es->jmp_cache, 0, sizeof(es->jmp_cache));
}

void exec_jmp_cache_clear_page(CPUExecState *es, uint64_t vaddr)
{
    size_t group = sizeof(es->jmp_cache[0]) << TB_JMP_GROUP_BITS;
    memset(&es->jmp_cache[tb_jmp_cache_group(vaddr) << TB_JMP_GROUP_BITS], 0, group);
    memset(&es->jmp_cache[tb_jmp_cache_group(vaddr - TLB_PAGE_SIZE) << TB_JMP_GROUP_BITS], 0, group);
}

/* ---- Allocation ---- */

static void *arena_alloc(size_t size)
{
    if (!tb_ctx.arena) {
        tb_ctx.arena = malloc(TB_ARENA_SIZE);
        assert(tb_ctx.arena);
    }
    size = (size + 15) & ~(size_t)15;
    if (tb_ctx.arena_used + size > TB_ARENA_SIZE)
        return NULL;
    void *p = tb_ctx.arena + tb_ctx.arena_used;
    tb_ctx.arena_used += size;
    return p;
}

bool tb_arena_low(void)
{
    return tb_ctx.arena_used + TB_ARENA_RESERVE > TB_ARENA_SIZE;
}

TranslationBlock *tb_alloc(void)
{
    TranslationBlock *tb = arena_alloc(sizeof(*tb));
    if (tb) {
        memset(tb, 0, sizeof(*tb));
        tb->phys_page2 = ~0ULL;
    }
    return tb;
}

/* ---- Instruction tables: LEB128 (end offset delta, pc delta, cc_op) ---- */

static uint8_t *leb_put(uint8_t *p, uint64_t v)
{
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        *p++ = b | (v ? 0x80 : 0);
    } while (v);
    return p;
}

static const uint8_t *leb_get(const uint8_t *p, uint64_t *v)
{
    unsigned shift = 0;
    *v = 0;
    do {
        *v |= (uint64_t)(*p & 0x7f) << shift;
        shift += 7;
    } while (*p++ & 0x80);
    return p;
}

/* Encodes s's per-insn table relative to pc into out (NULL: just measure). */
static size_t insn_table_encode(uint64_t pc, const IRContext *s, uint8_t *out)
{
    uint8_t scratch[3 * 10];
    size_t len = 0;
    uint64_t end = 0;
    for (uint32_t i = 0; i < s->nb_insns; i++) {
        uint8_t *p = out ? out + len : scratch;
        uint8_t *q = leb_put(p, s->insn_end_off[i] - end);
        q = leb_put(q, s->insn_data[i][0] - pc);
        q = leb_put(q, s->insn_data[i][1]);
        len += (size_t)(q - p);
        end = s->insn_end_off[i];
        pc = s->insn_data[i][0];
    }
    return len;
}

void tb_set_insn_table(TranslationBlock *tb, const IRContext *s)
{
    size_t len = insn_table_encode(tb->pc, s, NULL);
    tb->nb_insns = s->nb_insns;
    tb->insn_table = arena_alloc(len ? len : 1);
    assert(tb->insn_table);   /* tb_arena_low() keeps room for it */
    insn_table_encode(tb->pc, s, tb->insn_table);
}

/* ---- Host pc -> TB, state restoration ---- */

static uintptr_t tb_rx(const TranslationBlock *tb)
{
    return (uintptr_t)code_cache_rx(tb->code);
}

TranslationBlock *tb_find_by_host_pc(uintptr_t host_pc)
{
    if (!code_cache_contains(host_pc))
        return NULL;
    tb_lock();
    size_t lo = 0, hi = tb_ctx.nb_tbs;      /* first TB with code >= host_pc */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tb_rx(tb_ctx.by_code[mid]) < host_pc)
            lo = mid + 1;
        else
            hi = mid;
    }
    TranslationBlock *tb = lo ? tb_ctx.by_code[lo - 1] : NULL;
    tb_unlock();
    if (tb && host_pc > tb_rx(tb) + tb->info.size)
        return NULL;
    return tb;
}

/* The TB containing retaddr and the index of the instruction there, or NULL. */
static TranslationBlock *tb_restore(CPUX86State *env, uintptr_t retaddr, uint32_t *index)
{
    TranslationBlock *tb = tb_find_by_host_pc(retaddr);
    if (!tb)
        return NULL;
    uint64_t off = retaddr - tb_rx(tb), end = 0, pc = tb->pc, d, cc_op;
    const uint8_t *p = tb->insn_table;
    for (uint32_t i = 0; i < tb->nb_insns; i++) {
        p = leb_get(p, &d);
        end += d;
        p = leb_get(p, &d);
        pc += d;
        p = leb_get(p, &cc_op);
        if (end >= off) {
            env->rip = pc;
            if (cc_op != CC_OP_DYNAMIC)
                env->cc_op = cc_op;
            *index = i;
            return tb;
        }
    }
    return NULL;
}

bool cpu_restore_state(CPUX86State *env, uintptr_t retaddr)
{
    uint32_t index;
    return tb_restore(env, retaddr, &index) != NULL;
}

/* Restore for abandoning the block at retaddr: with -icount, refund the
 * charge of the instruction there and of those after it (none retired). */
static void tb_restore_abort(CPUX86State *env, uintptr_t retaddr)
{
    uint32_t index;
    TranslationBlock *tb = tb_restore(env, retaddr, &index);
    if (tb && (tb->flags & HF_ICOUNT))
        env->icount_budget += tb->nb_insns - index;
}

KESTREL_NORETURN void cpu_loop_exit(CPUX86State *env)
{
    longjmp(env->jmp_env, 1);
}

KESTREL_NORETURN void cpu_loop_exit_restore(CPUX86State *env, uintptr_t retaddr)
{
    if (retaddr)
        tb_restore_abort(env, retaddr);
    cpu_loop_exit(env);
}

/* ---- Hash table and page lists ---- */

static unsigned tb_hash_of(uint64_t phys_pc, uint64_t pc, uint64_t cs_base, uint32_t flags)
{
    uint64_t h = phys_pc * 0x9e3779b97f4a7c15ULL ^ (pc + cs_base) * 0xc2b2ae3d27d4eb4fULL ^ flags;
    return (unsigned)(h >> (64 - TB_HASH_BITS));
}

static TranslationBlock **tb_hash_bucket(const TranslationBlock *tb)
{
    return &tb_ctx.hash[tb_hash_of(tb->phys_pc, tb->pc, tb->cs_base, tb->flags)];
}

TranslationBlock *tb_lookup_hash(uint64_t phys_pc, uint64_t pc, uint64_t cs_base, uint32_t flags,
                                 TBPage2Check *page2_ok, void *opaque)
{
    tb_lock();
    TranslationBlock *tb = tb_ctx.hash[tb_hash_of(phys_pc, pc, cs_base, flags)];
    while (tb && !(tb->phys_pc == phys_pc && tb->pc == pc && tb->cs_base == cs_base &&
                   tb->flags == flags && (tb->phys_page2 == ~0ULL || page2_ok(tb, opaque))))
        tb = tb->hash_next;
    tb_unlock();
    return tb;
}

static PageDesc *page_find(uint64_t paddr, bool alloc)
{
    uint64_t page = paddr & TLB_PAGE_MASK;
    PageDesc **b = &tb_ctx.pages[(page >> TLB_PAGE_BITS) & (PAGE_HASH_SIZE - 1)];
    for (PageDesc *pd = *b; pd; pd = pd->next) {
        if (pd->page == page)
            return pd;
    }
    if (!alloc)
        return NULL;
    PageDesc *pd = arena_alloc(sizeof(*pd));
    assert(pd);
    pd->page = page;
    pd->first = NULL;
    pd->next = *b;
    *b = pd;
    return pd;
}

bool tb_page_has_code(uint64_t paddr)
{
    tb_lock();
    PageDesc *pd = page_find(paddr, false);
    bool has = pd && pd->first;
    tb_unlock();
    return has;
}

/* Which of tb's pages (0 or 1) is page. */
static unsigned tb_page_slot(const TranslationBlock *tb, uint64_t page)
{
    return (tb->phys_pc & TLB_PAGE_MASK) == page ? 0 : 1;
}

static void page_add_tb(uint64_t page, TranslationBlock *tb)
{
    PageDesc *pd = page_find(page, true);
    bool first_code = !pd->first;
    tb->page_next[tb_page_slot(tb, page)] = pd->first;
    pd->first = tb;
    if (first_code)
        tlb_mark_code_page(page);
}

static void page_remove_tb(uint64_t page, TranslationBlock *tb)
{
    PageDesc *pd = page_find(page, false);
    if (!pd)
        return;
    for (TranslationBlock **pp = &pd->first; *pp; pp = &(*pp)->page_next[tb_page_slot(*pp, page)]) {
        if (*pp == tb) {
            *pp = tb->page_next[tb_page_slot(tb, page)];
            return;
        }
    }
}

static void tb_append_by_code(TranslationBlock *tb)
{
    if (tb_ctx.nb_tbs == tb_ctx.cap_tbs) {
        tb_ctx.cap_tbs = tb_ctx.cap_tbs ? tb_ctx.cap_tbs * 2 : 4096;
        tb_ctx.by_code = realloc(tb_ctx.by_code, tb_ctx.cap_tbs * sizeof(*tb_ctx.by_code));
        assert(tb_ctx.by_code);
    }
    assert(!tb_ctx.nb_tbs || tb_rx(tb_ctx.by_code[tb_ctx.nb_tbs - 1]) < tb_rx(tb));
    tb_ctx.by_code[tb_ctx.nb_tbs++] = tb;
}

void tb_link(TranslationBlock *tb, bool cached)
{
    tb_lock();
    tb_append_by_code(tb);
    if (cached) {
        TranslationBlock **b = tb_hash_bucket(tb);
        tb->hash_next = *b;
        *b = tb;
        page_add_tb(tb->phys_pc & TLB_PAGE_MASK, tb);
        if (tb->phys_page2 != ~0ULL)
            page_add_tb(tb->phys_page2, tb);
    }
    tb_unlock();
}

uint64_t tb_page2_vaddr(const TranslationBlock *tb)
{
    return exec_code_linear((tb_linear_pc(tb) & TLB_PAGE_MASK) + TLB_PAGE_SIZE, tb->flags);
}

/* ---- Chaining ---- */

void tb_add_jump(TranslationBlock *src, unsigned slot, TranslationBlock *dst)
{
    tb_lock();
    if (!src->invalid && !dst->invalid && !src->jmp_dest[slot] &&
        src->info.jmp_insn_offset[slot] != UINT32_MAX) {
        ir_backend->set_jmp_target(src->code, &src->info, slot, code_cache_rx(dst->code));
        src->jmp_dest[slot] = dst;
        src->jmp_list_next[slot] = dst->jmp_list_head;
        dst->jmp_list_head = (uintptr_t)src | slot;
    }
    tb_unlock();
}

static void tb_unchain_outgoing(TranslationBlock *tb, unsigned slot)
{
    TranslationBlock *dst = tb->jmp_dest[slot];
    if (!dst)
        return;
    for (uintptr_t *pp = &dst->jmp_list_head; *pp;) {
        TranslationBlock *src = (TranslationBlock *)(*pp & ~(uintptr_t)IR_EXIT_SLOT_MASK);
        unsigned n = *pp & IR_EXIT_SLOT_MASK;
        if (src == tb && n == slot) {
            *pp = src->jmp_list_next[n];
            break;
        }
        pp = &src->jmp_list_next[n];
    }
    tb->jmp_dest[slot] = NULL;
}

static void tb_unchain_incoming(TranslationBlock *tb)
{
    uintptr_t e = tb->jmp_list_head;
    while (e) {
        TranslationBlock *src = (TranslationBlock *)(e & ~(uintptr_t)IR_EXIT_SLOT_MASK);
        unsigned n = e & IR_EXIT_SLOT_MASK;
        e = src->jmp_list_next[n];
        ir_backend->set_jmp_target(src->code, &src->info, n, NULL);
        src->jmp_dest[n] = NULL;
    }
    tb->jmp_list_head = 0;
}

/* ---- Invalidation ---- */

static void tb_invalidate(TranslationBlock *tb)
{
    if (tb->invalid)
        return;
    tb->invalid = true;
    for (TranslationBlock **pp = tb_hash_bucket(tb); *pp; pp = &(*pp)->hash_next) {
        if (*pp == tb) {
            *pp = tb->hash_next;
            break;
        }
    }
    page_remove_tb(tb->phys_pc & TLB_PAGE_MASK, tb);
    if (tb->phys_page2 != ~0ULL)
        page_remove_tb(tb->phys_page2, tb);
    unsigned jc = tb_jmp_cache_index(tb_linear_pc(tb));
    for (CPUExecState *es = tb_ctx.cpus; es; es = es->next) {
        TranslationBlock *expected = tb;
        __atomic_compare_exchange_n(&es->jmp_cache[jc], &expected, NULL, false,
                                    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
    }
    tb_unchain_outgoing(tb, 0);
    tb_unchain_outgoing(tb, 1);
    tb_unchain_incoming(tb);
}

/* Does tb's code come from bytes in [start, end) of page? */
static bool tb_overlaps(const TranslationBlock *tb, uint64_t page, uint64_t start, uint64_t end)
{
    uint64_t in_first = TLB_PAGE_SIZE - (tb->phys_pc & (TLB_PAGE_SIZE - 1));
    uint64_t size = tb->size ? tb->size : 1;
    if (in_first > size)
        in_first = size;
    uint64_t lo = tb_page_slot(tb, page) == 0 ? tb->phys_pc : page;
    uint64_t hi = tb_page_slot(tb, page) == 0 ? tb->phys_pc + in_first : page + (size - in_first);
    return lo < end && start < hi;
}

/* Invalidates every TB overlapping the range; true if `cur` was one of them. */
static bool tb_invalidate_range_locked(uint64_t paddr, uint64_t len, const TranslationBlock *cur)
{
    bool hit_cur = false;
    uint64_t end = paddr + len;
    for (uint64_t page = paddr & TLB_PAGE_MASK; page < end; page += TLB_PAGE_SIZE) {
        PageDesc *pd = page_find(page, false);
        TranslationBlock *next;
        for (TranslationBlock *tb = pd ? pd->first : NULL; tb; tb = next) {
            next = tb->page_next[tb_page_slot(tb, page)];
            if (tb_overlaps(tb, page, paddr, end)) {
                hit_cur |= tb == cur;
                tb_invalidate(tb);
            }
        }
    }
    return hit_cur;
}

void tb_invalidate_phys_range(uint64_t paddr, uint64_t len)
{
    if (!len)
        return;
    tb_lock();
    tb_invalidate_range_locked(paddr, len, NULL);
    tb_unlock();
}

/*
 * A guest store is about to write [paddr, paddr+len) of a code page. The
 * TBs there go first. If the running TB (found from retaddr) is one of
 * them and has more than one instruction, the rest of it may be stale: the
 * store is not done, the state is restored to the storing instruction and
 * the loop re-runs that instruction alone in an uncached one-instruction
 * TB, whose store then completes (a one-instruction TB simply finishes).
 */
void tb_invalidate_from_store(CPUX86State *env, uint64_t paddr, uint64_t len, uintptr_t retaddr)
{
    TranslationBlock *cur = retaddr ? tb_find_by_host_pc(retaddr) : NULL;
    tb_lock();
    bool hit = tb_invalidate_range_locked(paddr, len, cur);
    tb_unlock();
    if (hit && cur->nb_insns > 1) {
        tb_restore_abort(env, retaddr);
        exec_state(env)->single_insn_next = true;
        cpu_loop_exit(env);
    }
}

/* ---- Flush ---- */

void tb_flush_now(void)
{
    tb_lock();
    code_cache_flush();
    tb_ctx.arena_used = 0;
    tb_ctx.nb_tbs = 0;
    memset(tb_ctx.hash, 0, sizeof(tb_ctx.hash));
    memset(tb_ctx.pages, 0, sizeof(tb_ctx.pages));
    for (CPUExecState *es = tb_ctx.cpus; es; es = es->next)
        exec_jmp_cache_clear(es);
    tb_ctx.flush_pending = false;
    tb_ctx.generation++;
    tb_unlock();
}

unsigned tb_generation(void)
{
    return tb_ctx.generation;
}

bool tb_flush_pending(void)
{
    return tb_ctx.flush_pending;
}

/* Any thread: the flush itself waits for the exec loop (between blocks). */
void tb_flush(CPUX86State *env)
{
    tb_ctx.flush_pending = true;
    for (CPUExecState *es = tb_ctx.cpus; es; es = es->next)
        __atomic_store_n(&es->env->exit_request, 1, __ATOMIC_SEQ_CST);
    if (env)
        __atomic_store_n(&env->exit_request, 1, __ATOMIC_SEQ_CST);
}
