/*
 * test_exec.c - unit tests of the TB store (cpu/tb.c) and the execution
 * loop (cpu/exec.c).
 *
 * The TB store is tested with synthetic TBs. The loop runs a toy guest:
 * two-byte instructions (opcode, argument) in the fake bus's RAM, a fake
 * translator that fetches them through translator_ld_code, a fake backend
 * whose "host code" is 16 bytes per instruction holding the opcode it was
 * translated from (so stale TBs really run stale code), and which follows
 * chained slots the way patched jumps would, checking exit_request at
 * every block entry like generated code (and, for HF_ICOUNT blocks, the
 * instruction budget).
 */
#include "softmmu-fakes.h"
#include "kestrel/log.h"

/* ---- The toy guest ---- */

enum { OP_NOP = 1, OP_JMP, OP_STORE, OP_HLT, OP_UD, OP_END, OP_KICK, OP_EXIT_AFTER };
#define HOST_INSN 16

static struct {
    unsigned translations, blocks, chained, interrupts_taken, exit_after;
    int vector;
    uint64_t vector_rip;
    bool irq_blocked;
} toy;

void x86_translate_init(IRContext *s)
{
}

/* Guest state of the toy: rip only; insn_data carries (pc, cc_op = 100 + index). */
void x86_translate_block(CPUX86State *env, IRContext *s, TranslationBlock *tb, int max_insns)
{
    uint8_t insn[2];
    unsigned n = 0;
    s->nb_insns = 0;
    toy.translations++;
    while (n < (unsigned)max_insns) {
        uint64_t pc = tb->pc + 2 * n;
        if (translator_ld_code(env, tb, tb->cs_base + pc, insn, 2, n == 0) < 2)
            break;
        s->insn_data[n][0] = pc;
        s->insn_data[n][1] = 100 + n;
        s->ops[n].args[0] = insn[0];
        s->ops[n].args[1] = insn[1];
        n++;
        if (insn[0] == OP_JMP || insn[0] == OP_END || insn[0] == OP_HLT || insn[0] == 0)
            break;
        if (((tb->cs_base + pc + 2) & (TLB_PAGE_SIZE - 1)) == 0)
            break;
    }
    s->nb_insns = n;
    tb->size = 2 * n;
}

IRContext *ir_context_new(void)
{
    IRContext *s = calloc(1, sizeof(*s));
    s->ops = calloc(1024, sizeof(*s->ops));
    s->insn_end_off = calloc(1024, sizeof(*s->insn_end_off));
    s->insn_data = calloc(1024, sizeof(*s->insn_data));
    return s;
}

void ir_context_free(IRContext *s)
{
    free(s->ops);
    free(s->insn_end_off);
    free(s->insn_data);
    free(s);
}

void ir_liveness(IRContext *s) {}

static bool toy_gen_code(IRContext *s, uint8_t *buf, size_t room, IRCodeInfo *info)
{
    if (room < s->nb_insns * HOST_INSN)
        return false;
    for (uint32_t i = 0; i < s->nb_insns; i++) {
        buf[i * HOST_INSN] = (uint8_t)s->ops[i].args[0];
        buf[i * HOST_INSN + 1] = (uint8_t)s->ops[i].args[1];
        s->insn_end_off[i] = (i + 1) * HOST_INSN;
    }
    info->size = s->nb_insns * HOST_INSN;
    info->jmp_insn_offset[0] = 0;
    info->jmp_insn_offset[1] = UINT32_MAX;
    return true;
}

/* Runs one toy instruction; returns false when the block exits with *ret. */
static bool toy_insn(CPUX86State *env, TranslationBlock *tb, unsigned i, uintptr_t *ret)
{
    const uint8_t *code = tb->code + i * HOST_INSN;
    uint64_t pc = tb->pc + 2 * i;
    uintptr_t retaddr = (uintptr_t)code + HOST_INSN / 2;
    switch (code[0]) {
    case OP_NOP:
        env->regs[R_EAX]++;
        return true;
    case OP_STORE:      /* writes an HLT opcode at byte `arg` of this page */
        cpu_st(env, ((tb->cs_base + pc) & TLB_PAGE_MASK) + code[1], OP_HLT, MO_8,
               MMU_KERNEL_IDX, retaddr);
        return true;
    case OP_KICK:
        cpu_interrupt(env, CPU_INTERRUPT_HARD);
        return true;
    case OP_EXIT_AFTER:
        toy.exit_after = code[1];
        return true;
    case OP_HLT:
        env->rip = pc + 2;
        env->exception_index = EXCP_HLT;
        cpu_loop_exit(env);
    case OP_UD:
        env->exception_index = EXCP_UD;
        cpu_loop_exit_restore(env, retaddr);
    case OP_JMP:
        env->rip = pc + 2 + (int8_t)code[1] * 2;
        *ret = (uintptr_t)tb | 0;
        return false;
    default:            /* OP_END and anything else */
        env->rip = pc + 2;
        *ret = 0;
        return false;
    }
}

static uintptr_t toy_exec(void *opaque, const void *code)
{
    CPUX86State *env = opaque;
    TranslationBlock *tb = tb_find_by_host_pc((uintptr_t)code + 1);
    ck_assert_ptr_nonnull(tb);
    for (;;) {
        if (env->exit_request)
            return (uintptr_t)tb | IR_EXIT_REQUESTED;
        if (tb->flags & HF_ICOUNT) {            /* -icount: check and charge */
            if (env->icount_budget < (int64_t)tb->nb_insns)
                return (uintptr_t)tb | IR_EXIT_REQUESTED;
            env->icount_budget -= tb->nb_insns;
        }
        toy.blocks++;
        if (toy.exit_after && --toy.exit_after == 0)
            cpu_exit(env);
        uintptr_t ret = (uintptr_t)tb | 0;
        bool fell_through = true;
        for (unsigned i = 0; i < tb->nb_insns && fell_through; i++)
            fell_through = toy_insn(env, tb, i, &ret);
        if (fell_through)
            env->rip = tb->pc + tb->size;
        if (ret != ((uintptr_t)tb | 0) || !tb->jmp_dest[0])
            return ret;
        toy.chained++;
        tb = tb->jmp_dest[0];
    }
}

static bool toy_init(void) { return true; }
static const void *toy_epilogue(void) { return NULL; }

/* Around the loop: interrupt delivery is other engineers' code. */
void do_interrupt(CPUX86State *env)
{
    toy.vector = env->exception_index;
    toy.vector_rip = env->rip;
    env->rip = 0x3000;          /* the handler */
}

bool cpu_handle_interrupt(CPUX86State *env)
{
    env->hflags &= ~HF_INHIBIT_IRQ;          /* the shadow lasts one instruction */
    if (!(env->interrupt_request & CPU_INTERRUPT_HARD) || toy.irq_blocked)
        return false;
    cpu_reset_interrupt(env, CPU_INTERRUPT_HARD);
    toy.interrupts_taken++;
    env->rip = 0x3800;
    return true;
}

bool cpu_has_work(CPUX86State *env)
{
    return env->interrupt_request & CPU_INTERRUPT_HARD;
}

void cpu_dump_state(CPUX86State *env, FILE *f) {}
unsigned log_mask;
FILE *log_file;
void log_printf(const char *fmt, ...) {}
void error_report(const char *fmt, ...) {}

static CPUX86State *env;

static void toy_put(uint64_t addr, const uint8_t *prog, size_t len)
{
    memcpy(fake_ram + addr, prog, len);
}

static void setup_toy(void)
{
    memset(&toy, 0, sizeof(toy));
    toy.vector = -1;
    memset(fake_ram, 0, 1 * MiB);
    fake_backend.init = toy_init;
    fake_backend.gen_code = toy_gen_code;
    fake_backend.exec = toy_exec;
    fake_backend.epilogue = toy_epilogue;
    fault_to_cpu_loop = true;
    env = fake_env_new();
    static const uint8_t handler[] = { OP_HLT, 0 };
    toy_put(0x3000, handler, 2);
    toy_put(0x3800, handler, 2);
}

/* ---- TB store ---- */

START_TEST(test_hash_lookup_invalidate)
{
    env = fake_env_new();
    TranslationBlock *a = fake_tb(0x100, 0x5100, 8, 0, 32);
    a->flags = 0x11;
    tb_link(a, true);
    ck_assert_ptr_eq(tb_lookup_hash(0x5100, 0x100, 0, 0x11, NULL, NULL), a);
    ck_assert_ptr_null(tb_lookup_hash(0x5100, 0x100, 0, 0x13, NULL, NULL));
    ck_assert_ptr_null(tb_lookup_hash(0x6100, 0x100, 0, 0x11, NULL, NULL));
    ck_assert_ptr_null(tb_lookup_hash(0x5100, 0x100, 0x10, 0x11, NULL, NULL));
    /* An overlapping range on another part of the page leaves it alone. */
    tb_invalidate_phys_range(0x5108, 8);
    ck_assert(!a->invalid);
    tb_invalidate_phys_range(0x50ff, 2);
    ck_assert(a->invalid);
    ck_assert_ptr_null(tb_lookup_hash(0x5100, 0x100, 0, 0x11, NULL, NULL));
    ck_assert(!tb_page_has_code(0x5000));
}
END_TEST

static bool page2_is(const TranslationBlock *tb, void *opaque)
{
    return tb->phys_page2 == *(uint64_t *)opaque;
}

START_TEST(test_two_page_tb)
{
    env = fake_env_new();
    TranslationBlock *a = fake_tb(0xffc, 0x7ffc, 8, 0, 32);
    ck_assert_uint_eq(a->phys_page2, 0x8000);
    tb_link(a, true);
    ck_assert(tb_page_has_code(0x7000) && tb_page_has_code(0x8000));
    uint64_t good = 0x8000, bad = 0x9000;
    ck_assert_ptr_eq(tb_lookup_hash(0x7ffc, 0xffc, 0, 0, page2_is, &good), a);
    ck_assert_ptr_null(tb_lookup_hash(0x7ffc, 0xffc, 0, 0, page2_is, &bad));
    ck_assert_uint_eq(tb_page2_vaddr(a), 0x1000);
    tb_invalidate_phys_range(0x8004, 1);       /* beyond its 4 bytes on page 2 */
    ck_assert(!a->invalid);
    tb_invalidate_phys_range(0x8003, 1);
    ck_assert(a->invalid);
    ck_assert(!tb_page_has_code(0x7000) && !tb_page_has_code(0x8000));
}
END_TEST

START_TEST(test_restore_state)
{
    env = fake_env_new();
    IRContext *s = ir_context_new();
    TranslationBlock *tb = fake_tb(0x1000, 0x1000, 9, 0, 90);
    uint64_t pcs[] = { 0x1000, 0x1003, 0x1004 }, ccs[] = { 5, CC_OP_DYNAMIC, 7 };
    uint32_t ends[] = { 20, 50, 90 };
    for (int i = 0; i < 3; i++) {
        s->insn_end_off[i] = ends[i];
        s->insn_data[i][0] = pcs[i];
        s->insn_data[i][1] = ccs[i];
    }
    s->nb_insns = 3;
    tb_set_insn_table(tb, s);
    tb_link(tb, true);
    TranslationBlock *tb2 = fake_tb(0x2000, 0x2000, 2, 96, 16);
    tb_link(tb2, true);
    uintptr_t base = (uintptr_t)fake_code;
    ck_assert_ptr_eq(tb_find_by_host_pc(base + 1), tb);
    ck_assert_ptr_eq(tb_find_by_host_pc(base + 90), tb);
    ck_assert_ptr_null(tb_find_by_host_pc(base + 93));
    ck_assert_ptr_eq(tb_find_by_host_pc(base + 97), tb2);
    ck_assert_ptr_null(tb_find_by_host_pc(base - 1));
    env->cc_op = 1;
    ck_assert(cpu_restore_state(env, base + 20));
    ck_assert_uint_eq(env->rip, 0x1000);
    ck_assert_uint_eq(env->cc_op, 5);
    ck_assert(cpu_restore_state(env, base + 21));
    ck_assert_uint_eq(env->rip, 0x1003);
    ck_assert_uint_eq(env->cc_op, 5);          /* dynamic: left as it is */
    ck_assert(cpu_restore_state(env, base + 51));
    ck_assert_uint_eq(env->rip, 0x1004);
    ck_assert_uint_eq(env->cc_op, 7);
    ck_assert(!cpu_restore_state(env, base + 93));
    ir_context_free(s);
}
END_TEST

START_TEST(test_chaining_and_unchaining)
{
    env = fake_env_new();
    CPUExecState *es = exec_state(env);
    TranslationBlock *a = fake_tb(0x1000, 0x1000, 4, 0, 16);
    TranslationBlock *b = fake_tb(0x1010, 0x1010, 4, 16, 16);
    TranslationBlock *c = fake_tb(0x1020, 0x1020, 4, 32, 16);
    tb_link(a, true);
    tb_link(b, true);
    tb_link(c, true);
    tb_add_jump(a, 0, b);
    tb_add_jump(c, 1, b);
    ck_assert_ptr_eq(fake_jmp.target, b->code);
    ck_assert_ptr_eq(a->jmp_dest[0], b);
    ck_assert_ptr_eq(c->jmp_dest[1], b);
    /* Invalidating a source takes it off b's incoming list only. */
    tb_invalidate_phys_range(0x1020, 1);
    ck_assert_ptr_null(c->jmp_dest[1]);
    ck_assert_uint_eq(b->jmp_list_head, (uintptr_t)a | 0);
    /* Invalidating the target resets every jump into it. */
    es->jmp_cache[tb_jmp_cache_index(b->pc)] = b;
    fake_jmp.calls = 0;
    tb_invalidate_phys_range(0x1010, 4);
    ck_assert_uint_eq(fake_jmp.calls, 1);
    ck_assert_ptr_eq(fake_jmp.code, a->code);
    ck_assert_ptr_null(fake_jmp.target);
    ck_assert_ptr_null(a->jmp_dest[0]);
    ck_assert_ptr_null(es->jmp_cache[tb_jmp_cache_index(b->pc)]);
    /* No chaining to or from invalid TBs. */
    tb_add_jump(a, 0, b);
    ck_assert_ptr_null(a->jmp_dest[0]);
}
END_TEST

START_TEST(test_invlpg_clears_jump_cache_groups)
{
    env = fake_env_new();
    CPUExecState *es = exec_state(env);
    static TranslationBlock dummy;
    uint64_t pcs[] = { 0x5ff0, 0x6010, 0x9000 };
    for (int i = 0; i < 3; i++)
        es->jmp_cache[tb_jmp_cache_index(pcs[i])] = &dummy;
    tlb_flush_page(env, 0x6000);
    ck_assert_ptr_null(es->jmp_cache[tb_jmp_cache_index(0x5ff0)]);   /* may run into 0x6000 */
    ck_assert_ptr_null(es->jmp_cache[tb_jmp_cache_index(0x6010)]);
    ck_assert_ptr_eq(es->jmp_cache[tb_jmp_cache_index(0x9000)], &dummy);
    tlb_flush_all(env);
    ck_assert_ptr_null(es->jmp_cache[tb_jmp_cache_index(0x9000)]);
}
END_TEST

START_TEST(test_flush)
{
    env = fake_env_new();
    TranslationBlock *a = fake_tb(0x1000, 0x1000, 4, 0, 16);
    tb_link(a, true);
    unsigned gen = tb_generation();
    tb_flush(env);
    ck_assert(tb_flush_pending());
    ck_assert_uint_eq(env->exit_request, 1);
    tb_flush_now();
    ck_assert(!tb_flush_pending());
    ck_assert_uint_ne(tb_generation(), gen);
    ck_assert_ptr_null(tb_lookup_hash(0x1000, 0x1000, 0, 0, NULL, NULL));
    ck_assert(!tb_page_has_code(0x1000));
    ck_assert_ptr_null(tb_find_by_host_pc((uintptr_t)fake_code + 1));
}
END_TEST

/* ---- The loop ---- */

START_TEST(test_loop_chains_and_exits)
{
    setup_toy();
    static const uint8_t prog[] = { OP_EXIT_AFTER, 10, OP_NOP, 0, OP_JMP, (uint8_t)-2,
                                    OP_NOP, 0, OP_JMP, (uint8_t)-2 };
    /* 0x1000: arm the exit; 0x1002: nop; jmp 0x1002 (a self loop from the second block on) */
    toy_put(0x1000, prog, 6);
    env->rip = 0x1000;
    ck_assert_int_eq(cpu_exec(env), EXCP_INTERRUPT);
    ck_assert_uint_eq(toy.translations, 2);
    ck_assert_uint_gt(toy.chained, 0);
    ck_assert_uint_eq(env->rip, 0x1002);             /* the block that saw the request */
    ck_assert_uint_eq(env->interrupt_request & CPU_INTERRUPT_EXIT, 0);
    ck_assert_uint_eq(env->regs[R_EAX], 11);
}
END_TEST

START_TEST(test_loop_hlt_and_wakeup)
{
    setup_toy();
    static const uint8_t prog[] = { OP_NOP, 0, OP_HLT, 0 };
    toy_put(0x1000, prog, 4);
    env->rip = 0x1000;
    ck_assert_int_eq(cpu_exec(env), EXCP_HLT);
    ck_assert(env->halted);
    ck_assert_uint_eq(env->rip, 0x1004);
    ck_assert_int_eq(cpu_exec(env), EXCP_HLT);         /* no work: stays halted */
    cpu_interrupt(env, CPU_INTERRUPT_HARD);
    ck_assert_int_eq(cpu_exec(env), EXCP_HLT);         /* woken, handler at 0x3800 halts */
    ck_assert_uint_eq(toy.interrupts_taken, 1);
    ck_assert_uint_eq(env->rip, 0x3802);
}
END_TEST

START_TEST(test_loop_exception_restores_state)
{
    setup_toy();
    static const uint8_t prog[] = { OP_NOP, 0, OP_NOP, 0, OP_UD, 0, OP_END, 0 };
    toy_put(0x1000, prog, 8);
    env->rip = 0x1000;
    ck_assert_int_eq(cpu_exec(env), EXCP_HLT);          /* the handler halts */
    ck_assert_int_eq(toy.vector, EXCP_UD);
    ck_assert_uint_eq(toy.vector_rip, 0x1004);
    ck_assert_uint_eq(env->cc_op, 102);
    ck_assert_int_eq(env->exception_index, -1);
}
END_TEST

START_TEST(test_loop_code_fetch_fault)
{
    setup_toy();
    env->cr[0] |= CR0_PG;
    env->cr[3] = 0x20000;                   /* only the handler page is mapped */
    st32_le(fake_ram + 0x20000, 0x21000 | 3);
    st32_le(fake_ram + 0x21000 + 3 * 4, 0x3000 | 3);
    tlb_flush_all(env);
    env->rip = 0x1000;
    ck_assert_int_eq(cpu_exec(env), EXCP_HLT);
    ck_assert_int_eq(toy.vector, EXCP_PF);
    ck_assert_uint_eq(env->cr[2], 0x1000);
    ck_assert_uint_eq(toy.vector_rip, 0x1000);
}
END_TEST

START_TEST(test_loop_smc_restart)
{
    setup_toy();
    /* The store turns the UD at 0x1006 into HLT while this very block runs. */
    static const uint8_t prog[] = { OP_NOP, 0, OP_STORE, 0x06, OP_NOP, 0, OP_UD, 0 };
    toy_put(0x1000, prog, 8);
    env->rip = 0x1000;
    ck_assert_int_eq(cpu_exec(env), EXCP_HLT);
    ck_assert_int_eq(toy.vector, -1);                     /* the stale UD never ran */
    ck_assert_uint_eq(env->rip, 0x1008);
    ck_assert_uint_eq(env->regs[R_EAX], 2);               /* no insn ran twice */
    ck_assert_uint_eq(fake_ram[0x1006], OP_HLT);
    ck_assert_uint_eq(toy.translations, 3);               /* block, lone store, rest */
}
END_TEST

START_TEST(test_loop_interrupts)
{
    setup_toy();
    /* The kick raises INTR; the loop takes it before the next block (NOP at 0x3104),
     * and the kicking block's exit is not chained to the handler on its page. */
    static const uint8_t prog[] = { OP_KICK, 0, OP_JMP, 0, OP_NOP, 0, OP_END, 0 };
    toy_put(0x3100, prog, 8);
    env->rip = 0x3100;
    ck_assert_int_eq(cpu_exec(env), EXCP_HLT);
    ck_assert_uint_eq(toy.interrupts_taken, 1);
    ck_assert_uint_eq(env->regs[R_EAX], 0);
    ck_assert_uint_eq(env->rip, 0x3802);
    TranslationBlock *kicker = tb_lookup_hash(0x3100, 0x3100, 0, 0, NULL, NULL);
    ck_assert_ptr_nonnull(kicker);
    ck_assert_ptr_null(kicker->jmp_dest[0]);
    /* Masked (IF=0): blocks keep running, the request stays pending. */
    setup_toy();
    toy.irq_blocked = true;
    static const uint8_t prog2[] = { OP_KICK, 0, OP_EXIT_AFTER, 5, OP_NOP, 0, OP_JMP, (uint8_t)-2 };
    toy_put(0x1000, prog2, 8);
    env->rip = 0x1000;
    ck_assert_int_eq(cpu_exec(env), EXCP_INTERRUPT);
    ck_assert_uint_eq(env->regs[R_EAX], 6);
    ck_assert(env->interrupt_request & CPU_INTERRUPT_HARD);
    ck_assert_uint_eq(toy.interrupts_taken, 0);
    ck_assert_uint_gt(toy.chained, 0);           /* a masked request does not stop chaining */
}
END_TEST

START_TEST(test_loop_ends_interrupt_shadow)
{
    setup_toy();
    static const uint8_t prog[] = { OP_NOP, 0, OP_HLT, 0 };
    toy_put(0x1000, prog, 4);
    env->rip = 0x1000;
    env->hflags |= HF_INHIBIT_IRQ;              /* e.g. after MOV SS, nothing pending */
    ck_assert_int_eq(cpu_exec(env), EXCP_HLT);
    ck_assert_uint_eq(env->hflags & HF_INHIBIT_IRQ, 0);
    ck_assert_ptr_nonnull(tb_lookup_hash(0x1000, 0x1000, 0, 0, NULL, NULL));
}
END_TEST

START_TEST(test_exit_before_running)
{
    setup_toy();
    cpu_exit(env);
    ck_assert_int_eq(cpu_exec(env), EXCP_INTERRUPT);
    ck_assert_uint_eq(toy.blocks, 0);
    ck_assert_uint_eq(env->interrupt_request, 0);
    ck_assert_uint_eq(env->exit_request, 0);
}
END_TEST

START_TEST(test_loop_icount_budget)
{
    setup_toy();
    /* a 4-instruction self loop; 7 instructions of budget: one whole block,
     * then a block cut to 3, then the loop stops before the JMP */
    static const uint8_t prog[] = { OP_NOP, 0, OP_NOP, 0, OP_NOP, 0, OP_JMP, (uint8_t)-4 };
    toy_put(0x1000, prog, 8);
    env->rip = 0x1000;
    env->hflags |= HF_ICOUNT;
    env->icount_budget = 7;
    ck_assert_int_eq(cpu_exec(env), EXCP_INTERRUPT);
    ck_assert_int_eq(env->icount_budget, 0);
    ck_assert_uint_eq(env->regs[R_EAX], 6);
    ck_assert_uint_eq(env->rip, 0x1006);
    ck_assert_int_eq(cpu_exec(env), EXCP_INTERRUPT);   /* still nothing left */
    ck_assert_uint_eq(env->rip, 0x1006);
    env->icount_budget = 1;                           /* the JMP alone */
    ck_assert_int_eq(cpu_exec(env), EXCP_INTERRUPT);
    ck_assert_uint_eq(env->rip, 0x1000);
    ck_assert_uint_eq(env->regs[R_EAX], 6);
}
END_TEST

START_TEST(test_loop_icount_refund_on_fault)
{
    setup_toy();
    /* the UD (index 2) and the END after it do not retire; the handler's HLT does */
    static const uint8_t prog[] = { OP_NOP, 0, OP_NOP, 0, OP_UD, 0, OP_END, 0 };
    toy_put(0x1000, prog, 8);
    env->rip = 0x1000;
    env->hflags |= HF_ICOUNT;
    env->icount_budget = 100;
    ck_assert_int_eq(cpu_exec(env), EXCP_HLT);
    ck_assert_int_eq(toy.vector, EXCP_UD);
    ck_assert_int_eq(env->icount_budget, 100 - 2 - 1);
}
END_TEST

static Suite *exec_suite(void)
{
    Suite *s = suite_create("exec");
    TCase *tb = tcase_create("tb");
    tcase_add_test(tb, test_hash_lookup_invalidate);
    tcase_add_test(tb, test_two_page_tb);
    tcase_add_test(tb, test_restore_state);
    tcase_add_test(tb, test_chaining_and_unchaining);
    tcase_add_test(tb, test_invlpg_clears_jump_cache_groups);
    tcase_add_test(tb, test_flush);
    suite_add_tcase(s, tb);
    TCase *loop = tcase_create("loop");
    tcase_add_test(loop, test_loop_chains_and_exits);
    tcase_add_test(loop, test_loop_hlt_and_wakeup);
    tcase_add_test(loop, test_loop_exception_restores_state);
    tcase_add_test(loop, test_loop_code_fetch_fault);
    tcase_add_test(loop, test_loop_smc_restart);
    tcase_add_test(loop, test_loop_interrupts);
    tcase_add_test(loop, test_loop_ends_interrupt_shadow);
    tcase_add_test(loop, test_exit_before_running);
    tcase_add_test(loop, test_loop_icount_budget);
    tcase_add_test(loop, test_loop_icount_refund_on_fault);
    suite_add_tcase(s, loop);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(exec_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
