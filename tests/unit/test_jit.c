/*
 * test_jit.c - tests specific to the x86-64 JIT (tcg/x86_64/): lockstep
 * differential runs of random blocks against the interpreter, register
 * pressure, helper calls between live values, the TLB fast and slow paths
 * (including a longjmp out of a slow path), goto_tb chaining, and a
 * micro-benchmark printout (never an assertion). Skips itself when the JIT
 * is not configured or cannot start. The harness is tcg_harness.h; here
 * variant 0 is the interpreter and variant 2 the JIT (odd: optimized).
 */
#include "tcg_harness.h"
#include <setjmp.h>
#include <time.h>

enum { V_INTERP = 0, V_JIT = 2 };

/* Runs the block built by build on both backends from the same state. */
static void run_both(void (*build)(uint64_t), uint64_t arg, bool optimize, FakeEnv *want)
{
    FakeEnv init;
    memcpy(&init, &env, offsetof(FakeEnv, tlb));
    build(arg);
    run_block(V_INTERP + optimize);
    memcpy(want, &env, offsetof(FakeEnv, tlb));
    memcpy(&env, &init, offsetof(FakeEnv, tlb));
    build(arg);
    run_block(V_JIT + optimize);
}

static void assert_same(const FakeEnv *want, uint64_t seed)
{
    for (int i = 0; i < NB_G; i++) {
        if (env.r64[i] != want->r64[i] || env.r32[i] != want->r32[i])
            ir_dump(s, stderr);
        ck_assert_msg(env.r64[i] == want->r64[i], "seed %llu r%d: jit %llx interp %llx",
                      (unsigned long long)seed, i, (unsigned long long)env.r64[i],
                      (unsigned long long)want->r64[i]);
        ck_assert_msg(env.r32[i] == want->r32[i], "seed %llu e%d: jit %x interp %x",
                      (unsigned long long)seed, i, env.r32[i], want->r32[i]);
    }
}

START_TEST(test_jit_random_lockstep)
{
    for (uint64_t seed = 1; seed <= 1000; seed++) {
        FakeEnv want;
        random_env(seed);
        run_both(build_random_block, seed, _i, &want);
        assert_same(&want, seed);
    }
}
END_TEST

/* More live values than host registers: 24 TB temps summed after all are set. */
#define NB_PRESSURE 24

static void build_pressure(uint64_t unused)
{
    IRTemp t[NB_PRESSURE];
    ir_reset(s);
    ir_insn_start(s, 0, 0);
    for (int i = 0; i < NB_PRESSURE; i++) {
        t[i] = (i & 1) ? ir_temp_tb(s, IR_I64) : ir_temp_new(s, IR_I64);
        ir_addi(s, t[i], g64[i % NB_G], (uint64_t)i * 0x10001);
    }
    for (int i = 0; i < NB_PRESSURE; i++)
        ir_xor(s, g64[i % NB_G], g64[i % NB_G], t[i]);
    ir_mul(s, g64[0], g64[0], t[NB_PRESSURE - 1]);
    ir_exit_tb(s, 0);
}

START_TEST(test_jit_register_pressure)
{
    FakeEnv want;
    random_env(7);
    run_both(build_pressure, 0, _i, &want);
    assert_same(&want, 0);
}
END_TEST

/* A five-argument helper called while many values are live in registers. */
static uint64_t helper_mix5(void *e, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t f)
{
    ck_assert_ptr_eq(e, &env);
    return a * 1 + b * 3 + c * 5 + d * 7 + f * 11;
}
static const IRHelper h_mix5 = { (void *)helper_mix5, "mix5", 5, true, 0 };

static void build_calls(uint64_t unused)
{
    IRTemp live[12];
    ir_reset(s);
    IRTemp r = ir_temp_new(s, IR_I64);
    ir_insn_start(s, 0, 0);
    for (int i = 0; i < 12; i++) {
        live[i] = ir_temp_new(s, i & 1 ? IR_I32 : IR_I64);
        ir_addi(s, live[i], G(i & 1 ? IR_I32 : IR_I64, i % NB_G), (uint64_t)i + 1);
    }
    ir_call(s, &h_mix5, r, (IRTemp[]){ live[0], live[1], live[2], ir_const(s, IR_I64, 9), g64[3] });
    ir_add(s, g64[0], r, live[4]);
    ir_call(s, &h_mix5, r, (IRTemp[]){ live[6], live[5], live[8], live[7], live[10] });
    for (int i = 0; i < 12; i++)
        ir_op2(s, IR_add, G(i & 1 ? IR_I32 : IR_I64, (i + 1) % NB_G),
               G(i & 1 ? IR_I32 : IR_I64, (i + 1) % NB_G), live[i]);
    ir_add(s, g64[7], g64[7], r);
    ir_exit_tb(s, 0);
}

START_TEST(test_jit_calls_between_live_values)
{
    FakeEnv want;
    random_env(11);
    run_both(build_calls, 0, _i, &want);
    assert_same(&want, 0);
}
END_TEST

/* Host stores into env of registers and immediates, every width. */
START_TEST(test_jit_host_stores)
{
    static const IROpcode st[] = { IR_st8, IR_st16, IR_st32, IR_st };
    const intptr_t base = offsetof(FakeEnv, scratch);
    for (int b = 0; b < 2; b++) {
        memset(env.scratch, 0xee, sizeof(env.scratch));
        env.r64[0] = 0x1122334455667788ULL;
        ir_reset(s);
        for (int i = 0; i < 4; i++) {
            ir_st(s, st[i], g64[0], s->env, base + 8 * i);
            ir_st(s, st[i], ir_const(s, IR_I64, 0xfffffffffedcba98ULL), s->env, base + 32 + 8 * i);
        }
        ir_st(s, IR_st, ir_const(s, IR_I32, 0x89abcdef), s->env, base + 4);
        ir_exit_tb(s, 0);
        run_block(b ? V_JIT + _i : V_INTERP + _i);
        static uint64_t want[8];
        if (!b)
            memcpy(want, env.scratch, sizeof(want));
        else
            ck_assert_mem_eq(env.scratch, want, sizeof(want));
    }
    ck_assert_uint_eq(env.scratch[4], 0xeeeeeeeeeeeeee98ULL);
    ck_assert_uint_eq(env.scratch[7], 0xfffffffffedcba98ULL);
    ck_assert_uint_eq(env.scratch[0], 0x89abcdefeeeeee88ULL);
}
END_TEST

/* Every host load width and extension, on both types. */
static void build_host_loads(uint64_t unused)
{
    static const IROpcode ld[] = { IR_ld8u, IR_ld8s, IR_ld16u, IR_ld16s, IR_ld, IR_ld32u, IR_ld32s };
    ir_reset(s);
    for (int i = 0; i < 7; i++) {
        ir_ld(s, ld[i], g64[i], s->env, offsetof(FakeEnv, scratch[1]) + i);
        if (i < 5)
            ir_ld(s, ld[i], g32[i], s->env, offsetof(FakeEnv, scratch[2]) + i);
    }
    ir_exit_tb(s, 0);
}

START_TEST(test_jit_host_loads)
{
    FakeEnv want;
    env.scratch[1] = 0x8182838485868788ULL;
    env.scratch[2] = 0xf1f2f3f4f5f6f7f8ULL;
    env.scratch[3] = 0x7172737475767778ULL;
    run_both(build_host_loads, 0, _i, &want);
    assert_same(&want, 0);
    ck_assert_uint_eq(env.r64[1], 0xffffffffffffff87ULL);
    ck_assert_uint_eq(env.r32[3], 0xfffff4f5);
}
END_TEST

/* --- Guest memory --- */

static uint8_t page[4096] __attribute__((aligned(4096)));
static int nb_slow;
static jmp_buf fault_jmp;
static bool fault_on_miss;

static uint64_t slow_load(void *e, uint64_t addr, uint32_t mo, uintptr_t ra)
{
    ck_assert(code_cache_contains(ra));
    nb_slow++;
    if (fault_on_miss)
        longjmp(fault_jmp, 1);
    return addr * 3;
}

static void slow_store(void *e, uint64_t addr, uint64_t val, uint32_t mo, uintptr_t ra)
{
    ck_assert(code_cache_contains(ra));
    nb_slow++;
    env.scratch[0] = val;
}

#define PAGE_VA 0x7000ULL

static void map_page(void)
{
    TLBEntry *e = &env.tlb.table[0][tlb_index(PAGE_VA)];
    *e = (TLBEntry){ PAGE_VA, PAGE_VA, PAGE_VA, (uintptr_t)page - PAGE_VA };
    ir_guest_mem.load = slow_load;
    ir_guest_mem.store = slow_store;
    nb_slow = 0;
    fault_on_miss = false;
}

/* r1 = load(r0); store r1 + 1 at r0 + 8; values in registers survive both paths. */
static void build_mem(uint64_t unused)
{
    IRTemp keep[8];
    ir_reset(s);
    IRTemp a = ir_temp_new(s, IR_I64), v = ir_temp_new(s, IR_I64);
    ir_insn_start(s, 0x100, 0);
    for (int i = 0; i < 8; i++) {
        keep[i] = ir_temp_new(s, IR_I64);
        ir_addi(s, keep[i], g64[i], (uint64_t)i);
    }
    ir_qemu_ld(s, v, g64[0], MO_32, 0);
    ir_addi(s, a, g64[0], 8);
    ir_addi(s, v, v, 1);
    ir_qemu_st(s, v, a, MO_64, 0);
    for (int i = 0; i < 8; i++)
        ir_xor(s, g64[i], g64[i], keep[i]);
    ir_mov(s, g64[1], v);
    ir_exit_tb(s, 0);
}

START_TEST(test_jit_tlb_paths)
{
    map_page();
    for (int i = 0; i < 16; i++)
        page[i] = (uint8_t)(i + 1);
    random_env(3);
    env.r64[0] = PAGE_VA;                         /* hit on both accesses */
    FakeEnv want;
    run_both(build_mem, 0, _i, &want);
    assert_same(&want, 0);
    ck_assert_uint_eq(env.r64[1], 0x04030201 + 1);
    ck_assert_int_eq(nb_slow, 0);
    env.r64[0] = PAGE_VA + 4092;                  /* the store crosses the page: slow */
    run_both(build_mem, 0, _i, &want);
    assert_same(&want, 1);
    ck_assert_int_eq(nb_slow, 2);
    ck_assert_uint_eq(env.scratch[0], env.r64[1]);
    env.r64[0] = 0x123456789000ULL;               /* unmapped: both slow */
    run_both(build_mem, 0, _i, &want);
    assert_same(&want, 2);
    ck_assert_uint_eq(env.r64[1], 0x123456789000ULL * 3 % (1ULL << 32) + 1);
}
END_TEST

START_TEST(test_jit_slow_path_longjmp)
{
    map_page();
    fault_on_miss = true;
    ir_reset(s);
    ir_insn_start(s, 0x200, 0);
    ir_movi(s, g64[2], 5);
    ir_insn_start(s, 0x204, 0);
    ir_qemu_ld(s, g64[1], g64[0], MO_64, 0);
    ir_movi(s, g64[2], 6);
    ir_exit_tb(s, 0);
    const uint8_t *code = compile_block(V_JIT + _i);
    for (int round = 0; round < 3; round++) {
        env.r64[0] = 0x9000 + (uint64_t)round * 4096;
        env.r64[2] = 0;
        if (setjmp(fault_jmp) == 0) {
            exec_block(V_JIT + _i, code);
            ck_abort_msg("the load did not fault");
        }
        ck_assert_uint_eq(env.r64[2], 5);
    }
    fault_on_miss = false;
    env.r64[0] = PAGE_VA;                          /* the same code still runs fine */
    exec_block(V_JIT + _i, code);
    ck_assert_uint_eq(env.r64[2], 6);
    ck_assert_int_eq(nb_slow, 3);
}
END_TEST

/* Random blocks with guest memory accesses (hits, misses, page crossings)
 * and five-argument calls mixed in, in lockstep with the interpreter. */
static void rand_mem_and_calls(RandGen *r)
{
    IRType t = (IRType)rnd(r, 2);
    uint64_t k = rnd(r, 4);
    if (k == 3)
        return;
    if (k == 2) {
        IRTemp args[5];
        for (int i = 0; i < 5; i++)
            args[i] = rand_src(r, (IRType)rnd(r, 2));
        ir_call(s, &h_mix5, rand_dst(r, IR_I64, true), args);
        return;
    }
    IRTemp a = ir_temp_new(s, IR_I64);
    ir_andi(s, a, G(IR_I64, (int)rnd(r, 6)), rnd(r, 2) ? 0xff8 : 0xfff);
    ir_addi(s, a, a, rnd(r, 4) ? PAGE_VA : 0x5000);    /* 0x5000: not mapped */
    MemOp mo = (MemOp)rnd(r, t == IR_I32 ? 3 : 4);
    if (k == 0) {
        if (mo != MO_64 && rnd(r, 2))
            mo |= MO_SIGN;
        ir_qemu_ld(s, rand_dst(r, t, true), a, mo, 0);
    } else {
        ir_qemu_st(s, rand_src(r, t), a, mo, 0);
    }
}

START_TEST(test_jit_random_mem_lockstep)
{
    static uint8_t want_page[sizeof(page)];
    map_page();
    rand_extra_hook = rand_mem_and_calls;
    for (uint64_t seed = 1; seed <= 500; seed++) {
        FakeEnv want;
        random_env(seed);
        for (unsigned i = 0; i < sizeof(page); i++)
            page[i] = (uint8_t)(i * 7 + seed);
        memcpy(want_page, page, sizeof(page));
        FakeEnv init;
        memcpy(&init, &env, offsetof(FakeEnv, tlb));
        build_random_block(seed);
        run_block(V_INTERP + _i);
        memcpy(&want, &env, offsetof(FakeEnv, tlb));
        uint8_t got_interp[sizeof(page)];
        memcpy(got_interp, page, sizeof(page));
        memcpy(page, want_page, sizeof(page));
        memcpy(&env, &init, offsetof(FakeEnv, tlb));
        build_random_block(seed);
        run_block(V_JIT + _i);
        assert_same(&want, seed);
        ck_assert_msg(!memcmp(page, got_interp, sizeof(page)), "seed %llu: guest memory differs",
                      (unsigned long long)seed);
        ck_assert_uint_eq(env.scratch[0], want.scratch[0]);
    }
    rand_extra_hook = NULL;
    ck_assert_int_gt(nb_slow, 100);                 /* both paths were exercised */
}
END_TEST

/* --- Chaining --- */

START_TEST(test_jit_goto_tb_loop)
{
    /* A block chained to itself counts r0 down and exits at 0. */
    ir_reset(s);
    IRLabel *done = ir_label_new(s);
    ir_brcondi(s, IR_COND_EQ, g64[0], 0, done);
    ir_subi(s, g64[0], g64[0], 1);
    ir_addi(s, g64[1], g64[1], 2);
    ir_goto_tb(s, 0);
    ir_exit_tb(s, 0x1000);
    ir_set_label(s, done);
    ir_exit_tb(s, 0x2000);
    const uint8_t *code = compile_block(V_JIT + _i);
    uint8_t *rw = last_rw;
    IRCodeInfo info = last_info;
    ck_assert_uint_eq((info.jmp_insn_offset[0] + 1) % 4, 0);
    env.r64[0] = 10;
    env.r64[1] = 0;
    ck_assert_uint_eq(exec_block(V_JIT + _i, code), 0x1000);   /* unchained: one step */
    ck_assert_uint_eq(env.r64[0], 9);
    variant_backend(V_JIT)->set_jmp_target(rw, &info, 0, code);
    ck_assert_uint_eq(exec_block(V_JIT + _i, code), 0x2000);
    ck_assert_uint_eq(env.r64[0], 0);
    ck_assert_uint_eq(env.r64[1], 20);
    variant_backend(V_JIT)->set_jmp_target(rw, &info, 0, NULL);
    env.r64[0] = 3;
    ck_assert_uint_eq(exec_block(V_JIT + _i, code), 0x1000);
    ck_assert_uint_eq(env.r64[0], 2);
}
END_TEST

/* W^X: the page a block is written through and the page it runs from are
 * never both writable and executable (per /proc/self/maps). */
static const char *maps_perms(uintptr_t addr, char *line, size_t len)
{
    FILE *f = fopen("/proc/self/maps", "r");
    const char *found = NULL;
    while (f && !found && fgets(line, (int)len, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && addr >= lo && addr < hi)
            found = strchr(line, ' ') + 1;
    }
    if (f)
        fclose(f);
    return found;
}

START_TEST(test_jit_code_cache_wx)
{
    ir_reset(s);
    ir_exit_tb(s, 5);
    const uint8_t *code = compile_block(V_JIT);
    ck_assert_uint_eq(exec_block(V_JIT, code), 5);
    char line[512];
    const char *rx = maps_perms((uintptr_t)code, line, sizeof(line));
    ck_assert_ptr_nonnull(rx);
    ck_assert_msg(rx[2] == 'x' && rx[1] != 'w', "executable view: %s", line);
    const char *rw = maps_perms((uintptr_t)last_rw, line, sizeof(line));
    ck_assert_ptr_nonnull(rw);
    ck_assert_msg(!(rw[1] == 'w' && rw[2] == 'x'), "writable view: %s", line);
    ck_assert(code_cache_contains((uintptr_t)code));
    ck_assert(code_cache_contains((uintptr_t)last_rw));
}
END_TEST

/* A block that does not fit is refused without writing past the room. */
START_TEST(test_jit_out_of_room)
{
    build_calls(0);
    uint8_t *p = code_cache_ptr();
    IRCodeInfo info;
    memset(p, 0xcc, 64);
    ck_assert(!variant_backend(V_JIT)->gen_code(s, p, 32, &info));
    for (int i = 32; i < 64; i++)
        ck_assert_uint_eq(p[i], 0xcc);
    ck_assert(variant_backend(V_JIT)->gen_code(s, p, code_cache_room(), &info));
    code_cache_commit(info.size);
}
END_TEST

/* A TB temp first written below a loop's label and read above it on later
 * trips (it reaches the label only along the backward jump). */
START_TEST(test_jit_tb_temp_from_back_edge)
{
    ir_reset(s);
    IRTemp prev = ir_temp_tb(s, IR_I64), n = ir_temp_tb(s, IR_I64);
    IRLabel *top = ir_label_new(s), *first = ir_label_new(s), *end = ir_label_new(s);
    ir_movi(s, n, 0);
    ir_set_label(s, top);
    ir_brcondi(s, IR_COND_EQ, n, 0, first);
    ir_add(s, g64[1], g64[1], prev);            /* prev from the previous trip */
    ir_set_label(s, first);
    ir_addi(s, prev, n, 100);
    ir_addi(s, n, n, 1);
    ir_brcondi(s, IR_COND_LTU, n, 5, top);
    ir_br(s, end);
    ir_set_label(s, end);
    ir_exit_tb(s, 0);
    for (int b = 0; b < 2; b++) {
        env.r64[1] = 0;
        run_block(b ? V_JIT + _i : V_INTERP + _i);
        ck_assert_uint_eq(env.r64[1], 100 + 101 + 102 + 103);
    }
}
END_TEST

/* --- Micro-benchmark: printed, never asserted --- */

START_TEST(test_jit_bench_loop)
{
    ir_reset(s);
    IRTemp n = ir_temp_tb(s, IR_I64), acc = ir_temp_tb(s, IR_I64);
    IRLabel *top = ir_label_new(s), *end = ir_label_new(s);
    ir_mov(s, n, g64[0]);
    ir_movi(s, acc, 0);
    ir_set_label(s, top);
    ir_brcondi(s, IR_COND_EQ, n, 0, end);
    ir_xor(s, acc, acc, n);
    ir_shli(s, g64[2], acc, 3);
    ir_add(s, acc, acc, g64[2]);
    ir_subi(s, n, n, 1);
    ir_br(s, top);
    ir_set_label(s, end);
    ir_mov(s, g64[1], acc);
    ir_exit_tb(s, 0);
    ir_optimize(s);
    double ns[2];
    uint64_t result[2];
    for (int b = 0; b < 2; b++) {
        const uint8_t *code = compile_block(b ? V_JIT : V_INTERP);
        env.r64[0] = 5000000;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        exec_block(b ? V_JIT : V_INTERP, code);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        ns[b] = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
        result[b] = env.r64[1];
    }
    ck_assert_uint_eq(result[0], result[1]);
    printf("bench: 5M-iteration loop: interp %.1f ms, jit %.1f ms (%.1fx)\n",
           ns[0] / 1e6, ns[1] / 1e6, ns[0] / ns[1]);
}
END_TEST

static Suite *jit_suite(void)
{
    Suite *su = suite_create("jit");
    if (nb_backends < 2) {
        printf("test_jit: SKIP (the JIT is not configured or cannot start on this host)\n");
        return su;
    }
    TCase *tc = tcase_create("jit");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_jit_random_lockstep, 0, 2);
    tcase_add_loop_test(tc, test_jit_register_pressure, 0, 2);
    tcase_add_loop_test(tc, test_jit_calls_between_live_values, 0, 2);
    tcase_add_loop_test(tc, test_jit_host_stores, 0, 2);
    tcase_add_loop_test(tc, test_jit_host_loads, 0, 2);
    tcase_add_loop_test(tc, test_jit_tlb_paths, 0, 2);
    tcase_add_loop_test(tc, test_jit_slow_path_longjmp, 0, 2);
    tcase_add_loop_test(tc, test_jit_random_mem_lockstep, 0, 2);
    tcase_add_loop_test(tc, test_jit_goto_tb_loop, 0, 2);
    tcase_add_loop_test(tc, test_jit_tb_temp_from_back_edge, 0, 2);
    tcase_add_test(tc, test_jit_code_cache_wx);
    tcase_add_test(tc, test_jit_out_of_room);
    tcase_add_test(tc, test_jit_bench_loop);
    suite_add_tcase(su, tc);
    return su;
}

int main(void)
{
    return tcg_harness_main(jit_suite);
}
