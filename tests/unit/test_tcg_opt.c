/*
 * test_tcg_opt.c - the optimizer, liveness and the builder's checks:
 * folding, identities, copy propagation, branch folding and dead code
 * counted on the ops; globals kept where calls and faults observe them;
 * random blocks run with and without ir_optimize() must agree; ir_check,
 * ir_dump, constant interning, backend lookup and the code cache. The
 * harness is tcg_harness.h.
 */
#include "tcg_harness.h"

static void helper_nop(void *e)
{
}
static const IRHelper h_nop = { (void *)helper_nop, "nop", 0, false, 0 };

static uint64_t helper_inc(void *e, uint64_t a)
{
    return a + 1;
}
static const IRHelper h_inc = { (void *)helper_inc, "inc", 1, true, 0 };

/* --- Optimizer --- */

START_TEST(test_opt_dead_code)
{
    ir_reset(s);
    IRTemp a = ir_temp_new(s, IR_I64), b = ir_temp_new(s, IR_I64);
    ir_add(s, a, g64[0], g64[1]);
    ir_mul(s, b, a, a);                       /* unused */
    ir_mov(s, g64[2], g64[0]);
    ir_movi(s, g64[3], 1);                    /* overwritten before anything observes it */
    ir_movi(s, g64[3], 2);
    ir_exit_tb(s, 0);
    check_ir();
    ir_optimize(s);
    check_ir();
    ck_assert_uint_eq(s->nb_ops, 3);
    ck_assert_uint_eq(count_ops(IR_add) + count_ops(IR_mul), 0);
    env.r64[0] = 5;
    ck_assert_uint_eq(run_block(0), 0);
    ck_assert_uint_eq(env.r64[2], 5);
    ck_assert_uint_eq(env.r64[3], 2);
}
END_TEST

START_TEST(test_opt_globals_at_fault_points)
{
    ir_reset(s);
    ir_movi(s, g64[3], 1);
    ir_qemu_ld(s, g64[1], g64[0], MO_8, 0);   /* may fault: r3 = 1 must be visible */
    ir_movi(s, g64[3], 2);
    ir_movi(s, g64[4], 1);
    ir_call0(s, &h_nop, IR_NO_TEMP);   /* reads globals */
    ir_movi(s, g64[4], 2);
    ir_movi(s, g64[5], 1);
    ir_call0(s, &h_lookup, g64[6]);           /* reads no globals: r5 = 1 is dead */
    ir_movi(s, g64[5], 2);
    ir_exit_tb(s, 0);
    ir_optimize(s);
    check_ir();
    ck_assert_uint_eq(count_ops(IR_mov), 5);
}
END_TEST

static void helper_set_r0(void *e)
{
    env.r64[0] = 7;
}
static const IRHelper h_set_r0 = { (void *)helper_set_r0, "set_r0", 0, false, IR_CALL_NO_READ_GLOBALS };

START_TEST(test_opt_call_clobbers_globals)
{
    ir_reset(s);
    IRTemp t = ir_temp_new(s, IR_I64);
    ir_movi(s, g64[0], 5);
    ir_mov(s, t, g64[0]);
    ir_call0(s, &h_set_r0, IR_NO_TEMP);
    ir_mov(s, g64[1], g64[0]);                /* 7, not the folded 5 */
    ir_st(s, IR_st, ir_const(s, IR_I64, 9), s->env, offsetof(FakeEnv, r64[2]));
    ir_addi(s, g64[3], g64[2], 1);            /* 10: the st wrote r2 */
    ir_mov(s, g64[4], t);
    ir_exit_tb(s, 0);
    run_block(_i);
    ck_assert_uint_eq(env.r64[0], 7);
    ck_assert_uint_eq(env.r64[1], 7);
    ck_assert_uint_eq(env.r64[3], 10);
    ck_assert_uint_eq(env.r64[4], 5);
}
END_TEST

START_TEST(test_opt_copy_of_overwritten_source)
{
    ir_reset(s);
    IRTemp t = ir_temp_tb(s, IR_I64), u = ir_temp_new(s, IR_I64);
    ir_mov(s, t, g64[0]);
    ir_mov(s, u, t);
    ir_addi(s, g64[0], g64[0], 1);            /* t and u still hold the old r0 */
    ir_mov(s, g64[1], t);
    ir_mov(s, g64[2], u);
    ir_exit_tb(s, 0);
    env.r64[0] = 10;
    run_block(_i);
    ck_assert_uint_eq(env.r64[0], 11);
    ck_assert_uint_eq(env.r64[1], 10);
    ck_assert_uint_eq(env.r64[2], 10);
}
END_TEST

START_TEST(test_opt_copy_across_insns)
{
    ir_reset(s);
    IRTemp t = ir_temp_tb(s, IR_I64);
    ir_insn_start(s, 0, 0);
    ir_mov(s, t, g64[0]);
    ir_insn_start(s, 1, 0);
    ir_addi(s, g64[1], t, 1);
    ir_exit_tb(s, 0);
    ir_optimize(s);
    check_ir();
    ck_assert_uint_eq(count_ops(IR_mov), 0);          /* t is gone */
    ck_assert_uint_eq(count_ops(IR_add), 1);
    for (uint32_t i = 0; i < s->nb_ops; i++)
        if (s->ops[i].opc == IR_add)
            ck_assert_uint_eq(s->ops[i].args[1], g64[0]);
}
END_TEST

START_TEST(test_opt_branch_folding)
{
    ir_reset(s);
    IRTemp t = ir_temp_tb(s, IR_I64);
    IRLabel *l1 = ir_label_new(s), *l2 = ir_label_new(s);
    ir_movi(s, t, 5);
    ir_brcondi(s, IR_COND_EQ, t, 5, l1);      /* always taken */
    ir_movi(s, g64[2], 1);                    /* unreachable */
    ir_set_label(s, l1);
    ir_brcondi(s, IR_COND_LTU, g64[0], 0, l2); /* never taken: nothing is below 0 */
    ir_brcond(s, IR_COND_NE, g64[0], g64[0], l2);
    ir_movi(s, g64[3], 2);
    ir_set_label(s, l2);
    ir_exit_tb(s, 0);
    ir_optimize(s);
    check_ir();
    ck_assert_uint_eq(count_ops(IR_brcond), 0);
    ck_assert_uint_eq(count_ops(IR_br), 0);
    ck_assert_uint_eq(count_ops(IR_set_label), 0);
    env.r64[2] = 0;
    run_block(0);
    ck_assert_uint_eq(env.r64[2], 0);
    ck_assert_uint_eq(env.r64[3], 2);
}
END_TEST

START_TEST(test_opt_folding_and_identities)
{
    ir_reset(s);
    IRTemp a = ir_temp_new(s, IR_I64), b = ir_temp_new(s, IR_I32);
    ir_movi(s, a, 6);
    ir_op2(s, IR_mul, a, a, ir_const(s, IR_I64, 7));   /* 42 */
    ir_addi(s, g64[0], a, 0);
    ir_xor(s, g64[1], g64[2], g64[2]);                 /* 0 */
    ir_andi(s, g64[3], g64[2], 0);                     /* 0 */
    ir_op2(s, IR_mul, g64[4], g64[2], ir_const(s, IR_I64, 1));
    ir_movi(s, b, 0xffffffff);
    ir_addi(s, b, b, 1);                               /* wraps to 0 */
    ir_mov(s, g32[0], b);
    ir_exit_tb(s, 0);
    ir_optimize(s);
    check_ir();
    for (uint32_t i = 0; i + 1 < s->nb_ops; i++) {
        ck_assert_int_eq(s->ops[i].opc, IR_mov);
        IRTemp src = (IRTemp)s->ops[i].args[1];
        ck_assert(s->temps[src].kind == IR_TEMP_CONST || src == g64[2]);
    }
    env.r64[2] = 0x1234;
    run_block(0);
    ck_assert_uint_eq(env.r64[0], 42);
    ck_assert_uint_eq(env.r64[1], 0);
    ck_assert_uint_eq(env.r64[3], 0);
    ck_assert_uint_eq(env.r64[4], 0x1234);
    ck_assert_uint_eq(env.r32[0], 0);
}
END_TEST

/* Zero-extensions and masks of values known to be narrow become copies. */
START_TEST(test_opt_known_zero_bits)
{
    ir_reset(s);
    IRTemp a = ir_temp_tb(s, IR_I64);
    IRLabel *l = ir_label_new(s);
    ir_op1(s, IR_ext32u, a, g64[0]);          /* kept: r0's high half is unknown */
    ir_op1(s, IR_ext32u, g64[1], a);          /* a copy */
    ir_shri(s, a, g64[0], 56);
    ir_op1(s, IR_ext8u, g64[2], a);           /* a copy: a < 256 */
    ir_andi(s, g64[3], a, 0xfff);             /* a copy */
    ir_andi(s, g64[4], a, 0xf);               /* kept */
    ir_brcondi(s, IR_COND_EQ, g64[5], 0, l);
    ir_set_label(s, l);
    ir_op1(s, IR_ext8u, g64[5], a);           /* kept: another path may reach the label */
    ir_exit_tb(s, 0);
    ir_optimize(s);
    check_ir();
    ck_assert_uint_eq(count_ops(IR_ext32u), 1);
    ck_assert_uint_eq(count_ops(IR_ext8u), 1);
    ck_assert_uint_eq(count_ops(IR_and), 1);
    env.r64[0] = 0xabcdef0123456789ULL;
    env.r64[5] = 1;
    run_block(0);
    ck_assert_uint_eq(env.r64[1], 0x23456789);
    ck_assert_uint_eq(env.r64[2], 0xab);
    ck_assert_uint_eq(env.r64[3], 0xab);
    ck_assert_uint_eq(env.r64[4], 0xb);
    ck_assert_uint_eq(env.r64[5], 0xab);
}
END_TEST

START_TEST(test_opt_factorial_same_result)
{
    /* The loop must survive optimization: labels kill constant knowledge. */
    ir_reset(s);
    build_factorial();
    ir_optimize(s);
    check_ir();
    ck_assert_uint_eq(count_ops(IR_brcond), 1);
    env.r64[0] = 6;
    run_block(0);
    ck_assert_uint_eq(env.r64[1], 720);
}
END_TEST

/*
 * Random blocks, run as built and after ir_optimize(), must leave the same
 * guest state: a differential test of folding, propagation and dead code.
 */
START_TEST(test_opt_random_differential)
{
    int backend = _i;
    for (uint64_t seed = 1; seed <= 400; seed++) {
        FakeEnv want, init;
        random_env(seed);
        memcpy(&init, &env, offsetof(FakeEnv, tlb));
        build_random_block(seed);
        run_block(backend * 2);
        memcpy(&want, &env, offsetof(FakeEnv, tlb));
        memcpy(&env, &init, offsetof(FakeEnv, tlb));
        build_random_block(seed);
        run_block(backend * 2 + 1);
        for (int i = 0; i < NB_G; i++) {
            ck_assert_msg(env.r64[i] == want.r64[i], "seed %llu r%d", (unsigned long long)seed, i);
            ck_assert_msg(env.r32[i] == want.r32[i], "seed %llu e%d", (unsigned long long)seed, i);
        }
    }
}
END_TEST

/* --- Builder, checker, dump, liveness --- */

START_TEST(test_const_interning)
{
    ir_reset(s);
    IRTemp c1 = ir_const(s, IR_I32, 5), c2 = ir_const(s, IR_I32, 5);
    IRTemp c3 = ir_const(s, IR_I64, 5), c4 = ir_const(s, IR_I32, 0x100000005ULL);
    ck_assert_uint_eq(c1, c2);
    ck_assert_uint_ne(c1, c3);
    ck_assert_uint_eq(c1, c4);                /* I32 constants are truncated */
    for (int i = 0; i < 1000; i++)
        ck_assert_uint_eq(ir_const(s, IR_I64, (uint64_t)i * 77), ir_const(s, IR_I64, (uint64_t)i * 77));
    ir_reset(s);
    ck_assert_uint_eq(s->nb_temps, s->nb_globals + 1);
    ck_assert_uint_eq(ir_temp_type(s, ir_const(s, IR_I64, 5)), IR_I64);
}
END_TEST

START_TEST(test_check_rejects)
{
    char err[128];
    ir_reset(s);
    ir_add(s, g64[0], g64[1], g32[1]);          /* mixed types */
    ck_assert(!ir_check(s, err, sizeof(err)));
    ck_assert(strstr(err, "type") != NULL);
    ir_reset(s);
    ir_br(s, ir_label_new(s));                  /* label never set */
    ck_assert(!ir_check(s, err, sizeof(err)));
    ir_reset(s);
    ir_deposit(s, g32[0], g32[0], g32[1], 30, 4);
    ck_assert(!ir_check(s, err, sizeof(err)));
    ir_reset(s);
    ir_mov(s, ir_const(s, IR_I64, 1), g64[0]);  /* writes a constant */
    ck_assert(!ir_check(s, err, sizeof(err)));
    ir_reset(s);
    ir_qemu_ld(s, g32[0], g64[0], MO_64, 0);
    ck_assert(!ir_check(s, err, sizeof(err)));
    ir_reset(s);
    ir_op1(s, IR_ext32s, g32[0], g32[1]);       /* I64-only op */
    ck_assert(!ir_check(s, err, sizeof(err)));
    ir_reset(s);
    IRTemp t = ir_temp_new(s, IR_I64);
    ir_insn_start(s, 0, 0);
    ir_movi(s, t, 1);
    ir_insn_start(s, 1, 0);
    ir_mov(s, g64[0], t);                       /* t died at the insn boundary */
    ck_assert(!ir_check(s, err, sizeof(err)));
    ck_assert(strstr(err, "before it is written") != NULL);
    ir_reset(s);
    build_factorial();
    ck_assert(ir_check(s, err, sizeof(err)));
}
END_TEST

START_TEST(test_dump)
{
    ir_reset(s);
    IRLabel *l = ir_label_new(s);
    IRTemp t = ir_temp_new(s, IR_I32);
    ir_insn_start(s, 0xfff0, 3);
    ir_addi(s, t, g32[0], 1);
    ir_brcondi(s, IR_COND_NE, t, 0, l);
    ir_qemu_ld(s, g64[1], g64[0], MO_SW, 1);
    ir_set_label(s, l);
    ir_call1(s, &h_inc, g64[2], g64[1]);
    ir_exit_tb(s, 0x10);
    char buf[1024] = { 0 };
    FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
    ir_dump(s, f);
    fclose(f);
    char want[512];
    snprintf(want, sizeof(want),
             " ---- 0x0000fff0 cc_op=3\n"
             " add_i32 t%u, e0, $0x1\n"
             " brcond_i32 t%u, $0x0, ne, L0\n"
             " qemu_ld_i64 r1, r0, sw,mmu1\n"
             "L0:\n"
             " call inc r2, r1\n"
             " exit_tb 0x10\n", t, t);
    ck_assert_str_eq(buf, want);
}
END_TEST

/* A TB temp is live at a label only if read below it: through a loop's back edge. */
START_TEST(test_liveness_tb_temps_at_labels)
{
    for (int taken = 0; taken < 2; taken++) {
        ir_reset(s);
        IRTemp dead = ir_temp_tb(s, IR_I64), acc = ir_temp_tb(s, IR_I64);
        IRLabel *skip = ir_label_new(s), *loop = ir_label_new(s);
        ir_mov(s, dead, g64[0]);                  /* never read: removed */
        ir_movi(s, acc, 0);
        ir_set_label(s, loop);
        ir_addi(s, acc, acc, 3);                  /* read around the back edge: kept */
        ir_subi(s, g64[0], g64[0], 1);
        ir_brcondi(s, IR_COND_NE, g64[0], 0, loop);
        ir_mov(s, dead, acc);                     /* read only below the label */
        ir_brcondi(s, IR_COND_EQ, g64[1], 0, skip);
        ir_mov(s, g64[2], dead);
        ir_set_label(s, skip);
        ir_exit_tb(s, 0);
        ir_optimize(s);
        check_ir();
        ck_assert_uint_eq(count_ops(IR_mov), 2);   /* movi acc; g2 = acc */
        env.r64[0] = 4;
        env.r64[1] = (uint64_t)taken;
        env.r64[2] = 99;
        run_block(0);
        ck_assert_uint_eq(env.r64[2], taken ? 12 : 99);
    }
}
END_TEST

START_TEST(test_liveness_bits)
{
    ir_reset(s);
    IRTemp a = ir_temp_new(s, IR_I64), b = ir_temp_new(s, IR_I64);
    ir_add(s, a, g64[0], g64[1]);     /* op 0: a used later */
    ir_add(s, b, a, a);               /* op 1: b unused, a still read by op 2 */
    ir_mov(s, g64[2], a);             /* op 2 */
    ir_exit_tb(s, 0);
    ir_liveness(s);
    ck_assert_uint_eq(s->ops[0].life, 0);
    ck_assert(s->ops[1].life & IR_LIFE_DEAD(0));
    ck_assert(!(s->ops[1].life & (IR_LIFE_DEAD(1) | IR_LIFE_DEAD(2))));
    ck_assert_uint_eq(s->ops[2].life, IR_LIFE_DEAD(1));
}
END_TEST

START_TEST(test_block_without_exit)
{
    char err[128];
    ir_reset(s);
    ir_movi(s, g64[0], 3);                      /* runs off the end: rejected, still safe */
    ck_assert(!ir_check(s, err, sizeof(err)));
    uint8_t *p = code_cache_ptr();
    IRCodeInfo info;
    ck_assert(ir_backend_interp.gen_code(s, p, code_cache_room(), &info));
    code_cache_commit(info.size);
    ck_assert_uint_eq(ir_backend_interp.exec(&env, code_cache_rx(p)), 0);
    ck_assert_uint_eq(env.r64[0], 3);
}
END_TEST

START_TEST(test_backend_find_and_cache)
{
    ck_assert_ptr_eq(ir_backend_find("interp"), &ir_backend_interp);
    ck_assert_ptr_null(ir_backend_find("nonsense"));
    ck_assert(ir_backend_interp.init());
    ir_reset(s);
    ir_exit_tb(s, 0);
    code_cache_flush();
    uint8_t *p = code_cache_ptr();
    size_t room = code_cache_room();
    IRCodeInfo info;
    ck_assert(!ir_backend_interp.gen_code(s, p, 8, &info));   /* does not fit */
    ck_assert(ir_backend_interp.gen_code(s, p, room, &info));
    code_cache_commit(info.size);
    ck_assert(code_cache_contains((uintptr_t)p));
    ck_assert(!code_cache_contains((uintptr_t)code_cache_ptr()));
    ck_assert_uint_eq((uintptr_t)code_cache_ptr() % 16, 0);
    ck_assert_uint_eq(ir_backend_interp.exec(&env, code_cache_rx(p)), 0);
}
END_TEST

static Suite *tcg_opt_suite(void)
{
    Suite *su = suite_create("tcg_opt");
    int nv = nb_backends * 2;
    TCase *blk = tcase_create("semantics");
    tcase_add_checked_fixture(blk, setup, teardown);
    tcase_add_loop_test(blk, test_opt_call_clobbers_globals, 0, nv);
    tcase_add_loop_test(blk, test_opt_copy_of_overwritten_source, 0, nv);
    tcase_add_loop_test(blk, test_opt_random_differential, 0, nb_backends);
    suite_add_tcase(su, blk);

    TCase *opt = tcase_create("optimizer");
    tcase_add_checked_fixture(opt, setup, teardown);
    tcase_add_test(opt, test_opt_dead_code);
    tcase_add_test(opt, test_opt_globals_at_fault_points);
    tcase_add_test(opt, test_opt_branch_folding);
    tcase_add_test(opt, test_opt_copy_across_insns);
    tcase_add_test(opt, test_opt_folding_and_identities);
    tcase_add_test(opt, test_opt_known_zero_bits);
    tcase_add_test(opt, test_opt_factorial_same_result);
    tcase_add_test(opt, test_const_interning);
    tcase_add_test(opt, test_check_rejects);
    tcase_add_test(opt, test_dump);
    tcase_add_test(opt, test_liveness_bits);
    tcase_add_test(opt, test_liveness_tb_temps_at_labels);
    tcase_add_test(opt, test_block_without_exit);
    tcase_add_test(opt, test_backend_find_and_cache);
    suite_add_tcase(su, opt);
    return su;
}

int main(void)
{
    return tcg_harness_main(tcg_opt_suite);
}
