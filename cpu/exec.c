/*
 * exec.c - the execution loop: exception and interrupt delivery between
 * blocks, TB lookup (jump cache, then physical hash), translation into the
 * code cache, running blocks on the selected IR backend, and chaining.
 *
 * Invariants:
 *  - Code-cache flushes happen only here, between blocks (pending requests
 *    from anywhere else are served at the top of the loop), so no flushed
 *    code is ever running. A flush kills every TB pointer: the loop drops
 *    its "last TB" when tb_generation() changed.
 *  - A slot of TB A is patched to TB B only when both start in the same
 *    virtual page and B lies in one page. A then reaches B only through a
 *    mapping under which A itself was found, so a remap (TLB flush plus
 *    jump-cache clear) never leaves a stale chained path; other transfers
 *    go through the loop or helper_lookup_tb_ptr, which check the mapping.
 *  - exit_request is cleared before interrupt_request is read, so a request
 *    raised meanwhile exits at the next block entry; pending interrupts the
 *    guest masks (IF=0) stay in interrupt_request and blocks keep running.
 *    cpu_handle_interrupt() runs before every block the loop starts, except
 *    the lone instruction that re-runs a store after self-modifying code.
 *  - -icount: a block of HF_ICOUNT runs only when env->icount_budget holds
 *    all its instructions; one that declines exits like an exit request.
 *    The loop then cuts the next block to the remaining budget (uncached),
 *    or returns EXCP_INTERRUPT when the budget is 0, so the caller can run
 *    the timer that is due at exactly that instruction.
 *  - The one-time setup (code cache, backend, ir_guest_mem, translator
 *    context) runs on the first cpu_exec().
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include "cpu/exec-internal.h"
#include "kestrel/log.h"

#define CODE_CACHE_SIZE (64 * MiB)
#define CODE_CACHE_RESERVE (128 * KiB)   /* below this, flush before translating */
#define TB_MAX_INSNS 512

static IRContext *exec_ir;               /* the translator's context, under tb_lock */
static pthread_once_t exec_once = PTHREAD_ONCE_INIT;

static void exec_global_init(void)
{
    if (!code_cache_init(CODE_CACHE_SIZE) || !ir_backend->init()) {
        error_report("cannot set up the %s code generator", ir_backend->name);
        abort();
    }
    mmu_init();
    exec_ir = ir_context_new();
    x86_translate_init(exec_ir);
}

static FILE *log_out(void)
{
    return log_file ? log_file : stderr;
}

/* ---- Translation ---- */

static TranslationBlock *tb_gen_code(CPUX86State *env, uint64_t pc, uint64_t cs_base,
                                     uint32_t flags, uint64_t phys_pc, int max_insns,
                                     bool cached)
{
    for (bool retried = false;; retried = true) {
        if (tb_arena_low() || code_cache_room() < CODE_CACHE_RESERVE)
            tb_flush_now();
        TranslationBlock *tb = tb_alloc();
        assert(tb);
        tb->pc = pc;
        tb->cs_base = cs_base;
        tb->flags = flags;
        tb->phys_pc = phys_pc;
        x86_translate_block(env, exec_ir, tb, max_insns);   /* resets, optimizes, logs -d op */
        ir_liveness(exec_ir);
        uint8_t *buf = code_cache_ptr();
        if (ir_backend->gen_code(exec_ir, buf, code_cache_room(), &tb->info)) {
            code_cache_commit(tb->info.size);
            tb->code = buf;
            tb->code_rx = code_cache_rx(buf);
            tb_set_insn_table(tb, exec_ir);
            tb_link(tb, cached);
            return tb;
        }
        assert(!retried);   /* one block always fits in an empty cache */
        tb_flush_now();
    }
}

/* ---- Lookup ---- */

static bool tb_page2_maps(const TranslationBlock *tb, void *opaque)
{
    uint64_t phys;
    return mmu_probe_code(opaque, tb_page2_vaddr(tb), &phys) &&
           (phys & TLB_PAGE_MASK) == tb->phys_page2;
}

/* The linear address of env's next instruction, wrapped like the translator's. */
static uint64_t exec_linear_pc(const CPUX86State *env)
{
    return exec_code_linear(env->segs[R_CS].base + env->rip, env->hflags);
}

static bool tb_matches(const TranslationBlock *tb, uint64_t pc, uint64_t cs_base, uint32_t flags)
{
    return tb && tb->pc == pc && tb->cs_base == cs_base && tb->flags == flags && !tb->invalid;
}

/* The TB for env's current state from the caches, or NULL (never translates). */
static TranslationBlock *tb_lookup(CPUX86State *env, uint64_t phys_pc)
{
    return tb_lookup_hash(phys_pc, env->rip, env->segs[R_CS].base, env->hflags,
                          tb_page2_maps, env);
}

static TranslationBlock *tb_find(CPUX86State *env, CPUExecState *es, bool *cached)
{
    uint64_t pc = env->rip, cs_base = env->segs[R_CS].base;
    uint32_t flags = env->hflags;
    unsigned jc = tb_jmp_cache_index(exec_linear_pc(env));
    TranslationBlock *tb = es->jmp_cache[jc];

    int uncached_insns = es->single_insn_next ? 1 : es->icount_insns_next;
    *cached = uncached_insns == 0;
    es->single_insn_next = false;
    es->icount_insns_next = 0;
    if (*cached && tb_matches(tb, pc, cs_base, flags))
        return tb;
    uint64_t phys_pc = mmu_translate_code(env, exec_linear_pc(env), 0);
    tb_lock();
    if (!*cached) {
        tb = tb_gen_code(env, pc, cs_base, flags, phys_pc, uncached_insns, false);
    } else {
        tb = tb_lookup(env, phys_pc);
        if (!tb)
            tb = tb_gen_code(env, pc, cs_base, flags, phys_pc, TB_MAX_INSNS, true);
        es->jmp_cache[jc] = tb;
    }
    tb_unlock();
    return tb;
}

static bool tb_can_chain(const TranslationBlock *src, const TranslationBlock *dst)
{
    return (tb_linear_pc(src) & TLB_PAGE_MASK) == (tb_linear_pc(dst) & TLB_PAGE_MASK) &&
           dst->phys_page2 == ~0ULL;
}

/* Declared in internal.h with a pointer result; a uint64_t-sized return either way. */
const void *helper_lookup_tb_ptr(CPUX86State *env)
{
    CPUExecState *es = env->exec;
    uint64_t pc = env->rip, cs_base = env->segs[R_CS].base;
    unsigned jc = tb_jmp_cache_index(exec_linear_pc(env));
    TranslationBlock *tb = es->jmp_cache[jc];
    if (!tb_matches(tb, pc, cs_base, env->hflags)) {
        uint64_t phys;
        if (!mmu_probe_code(env, exec_linear_pc(env), &phys))
            return ir_backend->epilogue();
        tb = tb_lookup(env, phys);
        if (!tb)
            return ir_backend->epilogue();
        es->jmp_cache[jc] = tb;
    }
    log_mask_printf(LOG_EXEC, "Trace %p [%016" PRIx64 "/%016" PRIx64 "/%08x] (lookup)\n",
                    (void *)tb->code, tb->cs_base, tb->pc, tb->flags);
    return code_cache_rx(tb->code);
}
DEF_HELPER(lookup_tb_ptr, 0, true, IR_CALL_NO_WRITE_GLOBALS);

/* ---- The loop ---- */

/* Delivers a pending guest exception; true with *ret for the loop's own exits. */
static bool exec_handle_exception(CPUX86State *env, int *ret)
{
    int idx = env->exception_index;
    if (idx < 0)
        return false;
    if (idx >= EXCP_INTERRUPT) {
        env->exception_index = -1;
        if (idx == EXCP_HLT)
            env->halted = true;
        *ret = idx;
        return true;
    }
    do_interrupt(env);
    env->exception_index = -1;
    return false;
}

/* Runs tb (and whatever it chains to); returns the backend's exit value. */
static uintptr_t tb_run(CPUX86State *env, TranslationBlock *tb)
{
    if (log_enabled(LOG_CPU))
        cpu_dump_state(env, log_out());
    log_mask_printf(LOG_EXEC, "Trace %p [%016" PRIx64 "/%016" PRIx64 "/%08x]\n",
                    (void *)tb->code, tb->cs_base, tb->pc, tb->flags);
    uintptr_t ret = ir_backend->exec(env, code_cache_rx(tb->code));
    if ((ret & IR_EXIT_SLOT_MASK) == IR_EXIT_REQUESTED) {
        /* That block never started: its state is its entry state. */
        TranslationBlock *last = (TranslationBlock *)(ret & ~(uintptr_t)IR_EXIT_SLOT_MASK);
        env->rip = last->pc;
    }
    return ret;
}

/*
 * Clears exit_request and serves the request word; cpu_handle_interrupt
 * runs between all blocks (it also ends an interrupt shadow when nothing
 * is pending). True with *ret when cpu_exec must return. *redirected tells
 * that this changed the TB key (an interrupt, INIT, the end of a shadow):
 * the last block's exit must then not be chained to what runs next.
 */
static bool exec_handle_requests(CPUX86State *env, CPUExecState *es, int *ret, bool *redirected)
{
    __atomic_store_n(&env->exit_request, 0, __ATOMIC_SEQ_CST);
    uint32_t req = __atomic_load_n(&env->interrupt_request, __ATOMIC_SEQ_CST);
    *redirected = false;
    if (req & CPU_INTERRUPT_EXIT) {
        cpu_reset_interrupt(env, CPU_INTERRUPT_EXIT);
        *ret = EXCP_INTERRUPT;
        return true;
    }
    if (!es->single_insn_next) {      /* also ends an interrupt shadow */
        uint64_t rip = env->rip, cs_base = env->segs[R_CS].base;
        uint32_t hflags = env->hflags;
        cpu_handle_interrupt(env);
        *redirected = rip != env->rip || cs_base != env->segs[R_CS].base ||
                      hflags != env->hflags;
    }
    if (env->halted) {
        *ret = EXCP_HLT;
        return true;
    }
    return false;
}

/*
 * -icount: the last block declined to run for lack of budget. With none
 * left the grant is used up (true: cpu_exec returns); otherwise the next
 * block is cut to what remains.
 */
static bool exec_icount_short(CPUX86State *env, CPUExecState *es)
{
    if (env->icount_budget <= 0)
        return true;
    es->icount_insns_next = (int)env->icount_budget;
    return false;
}

static int exec_loop(CPUX86State *env, CPUExecState *es)
{
    TranslationBlock *last = NULL;
    unsigned last_slot = 0, last_gen = 0;
    int ret;

    for (;;) {
        if (exec_handle_exception(env, &ret))
            return ret;
        if (tb_flush_pending())
            tb_flush_now();
        bool redirected;
        if (exec_handle_requests(env, es, &ret, &redirected))
            return ret;
        if (redirected)
            last = NULL;
        bool cached;
        TranslationBlock *tb = tb_find(env, es, &cached);
        if (last && cached && last_gen == tb_generation() && tb_can_chain(last, tb))
            tb_add_jump(last, last_slot, tb);
        last_gen = tb_generation();
        uintptr_t exit = tb_run(env, tb);
        last = (TranslationBlock *)(exit & ~(uintptr_t)IR_EXIT_SLOT_MASK);
        last_slot = exit & IR_EXIT_SLOT_MASK;
        if (last_slot == IR_EXIT_REQUESTED && (last->flags & HF_ICOUNT) &&
            env->icount_budget < (int64_t)last->nb_insns && exec_icount_short(env, es))
            return EXCP_INTERRUPT;
        if (!cached || last_slot > 1)
            last = NULL;
    }
}

__thread CPUX86State *cpu_current;

int cpu_exec(CPUX86State *env)
{
    pthread_once(&exec_once, exec_global_init);
    CPUExecState *es = exec_state(env);
    if (env->halted) {
        if (!cpu_has_work(env))
            return EXCP_HLT;
        env->halted = false;
    }
    cpu_current = env;
    if (setjmp(env->jmp_env))
        exec_recover();
    int ret = exec_loop(env, es);
    cpu_current = NULL;
    return ret;
}

/* ---- Requests from any thread ---- */

void cpu_interrupt(CPUX86State *env, uint32_t mask)
{
    __atomic_fetch_or(&env->interrupt_request, mask, __ATOMIC_SEQ_CST);
    __atomic_store_n(&env->exit_request, 1, __ATOMIC_SEQ_CST);
}

void cpu_reset_interrupt(CPUX86State *env, uint32_t mask)
{
    __atomic_fetch_and(&env->interrupt_request, ~mask, __ATOMIC_SEQ_CST);
}

void cpu_exit(CPUX86State *env)
{
    cpu_interrupt(env, CPU_INTERRUPT_EXIT);
}
