/*
 * tcg_harness.h - what the tcg unit tests share (test_tcg.c: op semantics
 * and blocks on each backend; test_tcg_opt.c: optimizer and builder).
 *
 * A snippet is built with the ir_* API, checked with ir_check, and run by
 * run_block() on every backend in backends[] (the interpreter, plus the JIT
 * when configured: CONFIG_JIT references it so the link pulls it in), as built or after ir_optimize(): a loop test's
 * index is a variant, picking (backend, optimize). Guest state is a
 * FakeEnv with I64 and I32 globals and a SoftTLB. Everything here is
 * static: each test binary gets its own copy.
 */
#ifndef KESTREL_TESTS_TCG_HARNESS_H
#define KESTREL_TESTS_TCG_HARNESS_H

#include "config-host.h"
#include "kestrel/tcg.h"
#include "kestrel/tlb.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#define NB_G 8

typedef struct FakeEnv {
    uint64_t r64[NB_G];
    uint32_t r32[NB_G];
    uint64_t scratch[8];
    SoftTLB tlb;
} FakeEnv;

static FakeEnv env;
static IRContext *s;
static IRTemp g64[NB_G], g32[NB_G];
static const IRBackend *backends[2];
static int nb_backends;
static IRCodeInfo last_info;
static const uint8_t *last_code;   /* executable view */
static uint8_t *last_rw;            /* the same block's writable view */

/* --- Harness --- */

static inline void setup(void)
{
    memset(&env, 0, sizeof(env));
    for (unsigned m = 0; m < NB_MMU_MODES; m++)
        for (unsigned i = 0; i < TLB_SIZE; i++)
            env.tlb.table[m][i] = (TLBEntry){ TLB_INVALID, TLB_INVALID, TLB_INVALID, 0 };
    s = ir_context_new();
    static const char *const n64[NB_G] = { "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7" };
    static const char *const n32[NB_G] = { "e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7" };
    for (int i = 0; i < NB_G; i++) {
        g64[i] = ir_global_new(s, IR_I64, offsetof(FakeEnv, r64[i]), n64[i]);
        g32[i] = ir_global_new(s, IR_I32, offsetof(FakeEnv, r32[i]), n32[i]);
    }
    ir_guest_mem = (IRGuestMem){ .tlb_offset = offsetof(FakeEnv, tlb) };
}

static inline void teardown(void)
{
    ir_context_free(s);
    s = NULL;
}

static inline IRTemp G(IRType t, int i)
{
    return t == IR_I32 ? g32[i] : g64[i];
}

static inline uint64_t get_g(IRType t, int i)
{
    return t == IR_I32 ? env.r32[i] : env.r64[i];
}

static inline void set_g(IRType t, int i, uint64_t v)
{
    if (t == IR_I32)
        env.r32[i] = (uint32_t)v;
    else
        env.r64[i] = v;
}

static inline const IRBackend *variant_backend(int variant)
{
    return backends[variant / 2];
}

static inline bool variant_optimizes(int variant)
{
    return variant & 1;
}

static inline void check_ir(void)
{
    char err[256];
    ck_assert_msg(ir_check(s, err, sizeof(err)), "ir_check: %s", err);
}

/* Checks, maybe optimizes, compiles into the code cache; returns the code. */
static inline const uint8_t *compile_block(int variant)
{
    check_ir();
    if (variant_optimizes(variant)) {
        ir_optimize(s);
        check_ir();
    }
    if (code_cache_room() < 64 * KiB)
        code_cache_flush();
    uint8_t *buf = code_cache_ptr();
    ck_assert(variant_backend(variant)->gen_code(s, buf, code_cache_room(), &last_info));
    code_cache_commit(last_info.size);
    last_rw = buf;
    last_code = code_cache_rx(buf);
    return last_code;
}

/* Runs code on the variant's backend, which is also the selected one (ir_getpc()). */
static inline uintptr_t exec_block(int variant, const uint8_t *code)
{
    ir_backend = variant_backend(variant);
    return ir_backend->exec(&env, code);
}

static inline uintptr_t run_block(int variant)
{
    return exec_block(variant, compile_block(variant));
}

static inline uint64_t mask_of(IRType t)
{
    return t == IR_I32 ? 0xffffffffULL : ~0ULL;
}

static inline int64_t sext(IRType t, uint64_t v)
{
    return t == IR_I32 ? (int32_t)v : (int64_t)v;
}

static const uint64_t edge_values[] = {
    0, 1, 2, 3, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000,
    0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
    0xffffffffffffffffULL, 0x123456789abcdef0ULL, 0xfedcba9876543210ULL, 31, 32, 63,
};
#define NB_EDGE ARRAY_SIZE(edge_values)

static const IROpcode binary_ops[] = {
    IR_add, IR_sub, IR_mul, IR_and, IR_or, IR_xor, IR_andc, IR_shl, IR_shr, IR_sar,
    IR_rotl, IR_rotr, IR_div, IR_divu, IR_rem, IR_remu, IR_clz, IR_ctz,
};

/* r1 = r0! with a loop over TB temps. */
static inline void build_factorial(void)
{
    IRTemp n = ir_temp_tb(s, IR_I64), acc = ir_temp_tb(s, IR_I64);
    IRLabel *top = ir_label_new(s), *end = ir_label_new(s);
    ir_insn_start(s, 0x1000, 0);
    ir_mov(s, n, g64[0]);
    ir_movi(s, acc, 1);
    ir_set_label(s, top);
    ir_brcondi(s, IR_COND_LEU, n, 1, end);
    ir_mul(s, acc, acc, n);
    ir_subi(s, n, n, 1);
    ir_br(s, top);
    ir_set_label(s, end);
    ir_mov(s, g64[1], acc);
    ir_exit_tb(s, 0);
}

/* A helper that reads and writes no globals: returns env->r64[5]. */
static inline uint64_t helper_lookup(void *e)
{
    return env.r64[5];
}
static const IRHelper h_lookup = { (void *)helper_lookup, "lookup", 0, true,
                                   IR_CALL_NO_READ_GLOBALS | IR_CALL_NO_WRITE_GLOBALS };

static inline unsigned count_ops(IROpcode opc)
{
    unsigned n = 0;
    for (uint32_t i = 0; i < s->nb_ops; i++)
        n += s->ops[i].opc == opc;
    return n;
}

/* --- Random blocks (test_tcg_opt.c: optimizer differential; test_jit.c: JIT vs interpreter) --- */

typedef struct RandGen {
    uint64_t st;
    IRTemp tb[2][2];                  /* per type: two TB temps */
    IRTemp ebb[2][8];                 /* per type: EBB temps live in this region */
    int nb_ebb[2];
} RandGen;

static inline uint64_t rnd(RandGen *r, uint64_t n)
{
    r->st ^= r->st >> 12;
    r->st ^= r->st << 25;
    r->st ^= r->st >> 27;
    return (r->st * 0x2545f4914f6cdd1dULL >> 11) % n;
}

static inline IRTemp rand_src(RandGen *r, IRType t)
{
    switch (rnd(r, 4)) {
    case 0:  return G(t, (int)rnd(r, 6));
    case 1:  return r->tb[t][rnd(r, 2)];
    case 2:  return ir_const(s, t, edge_values[rnd(r, NB_EDGE)]);
    default: return r->nb_ebb[t] ? r->ebb[t][rnd(r, (uint64_t)r->nb_ebb[t])] : G(t, 0);
    }
}

/* EBB destinations only outside skipped regions (they would die at the label). */
static inline IRTemp rand_dst(RandGen *r, IRType t, bool allow_ebb)
{
    uint64_t k = rnd(r, 3);
    if (k == 0 && allow_ebb && r->nb_ebb[t] < 8) {
        IRTemp e = ir_temp_new(s, t);
        r->ebb[t][r->nb_ebb[t]++] = e;
        return e;
    }
    return k == 1 ? r->tb[t][rnd(r, 2)] : G(t, (int)rnd(r, 6));
}

static inline void rand_op(RandGen *r, bool allow_ebb)
{
    IRType t = (IRType)rnd(r, 2);
    unsigned bits = t == IR_I32 ? 32 : 64;
    IRTemp a = rand_src(r, t), b = rand_src(r, t);
    uint64_t k = rnd(r, 12);
    if (k >= 10) {
        ir_mov(s, rand_dst(r, t, allow_ebb), a);
    } else if (k < 4) {
        IROpcode opc = binary_ops[rnd(r, ARRAY_SIZE(binary_ops))];
        if (opc >= IR_shl && opc <= IR_rotr) {
            IRTemp c = ir_temp_new(s, t);
            ir_andi(s, c, b, bits - 1);
            b = c;
        } else if (opc >= IR_div && opc <= IR_remu) {
            IRTemp c = ir_temp_new(s, t);      /* 2..257: nonzero, never -1 */
            ir_andi(s, c, b, 0xff);
            ir_addi(s, c, c, 2);
            b = c;
        }
        ir_op2(s, opc, rand_dst(r, t, allow_ebb), a, b);
    } else if (k < 6) {
        static const IROpcode un[] = { IR_mov, IR_neg, IR_not, IR_ctpop, IR_bswap16,
                                       IR_bswap32, IR_ext8s, IR_ext16u };
        ir_op1(s, un[rnd(r, ARRAY_SIZE(un))], rand_dst(r, t, allow_ebb), a);
    } else if (k == 6) {
        ir_setcond(s, (IRCond)rnd(r, IR_COND_TSTNE + 1), rand_dst(r, t, allow_ebb), a, b);
    } else if (k == 7) {
        /* One draw per statement, sources before the destination: argument
         * order is unspecified (blocks must not depend on the host compiler),
         * and a fresh EBB destination must not be picked as a source. */
        IRTemp v2 = rand_src(r, t);
        IRTemp v1 = rand_src(r, t);
        IRTemp d = rand_dst(r, t, allow_ebb);
        IRCond cond = (IRCond)rnd(r, IR_COND_TSTNE + 1);
        ir_movcond(s, cond, d, a, b, v1, v2);
    } else if (k == 8) {
        unsigned pos = (unsigned)rnd(r, bits), len = 1 + (unsigned)rnd(r, bits - pos);
        ir_deposit(s, rand_dst(r, t, allow_ebb), a, b, pos, len);
    } else {
        IRTemp lo = rand_dst(r, t, allow_ebb), hi = rand_dst(r, t, allow_ebb);
        if (lo != hi)
            (rnd(r, 2) ? ir_mulu2 : ir_muls2)(s, lo, hi, a, b);
    }
}

/* When set, called once per guest instruction of a random block (EBB temps allowed). */
static void (*rand_extra_hook)(RandGen *r);

static inline void build_random_block(uint64_t seed)
{
    RandGen r = { .st = seed * 0x9e3779b97f4a7c15ULL + 1 };
    ir_reset(s);
    for (int t = 0; t < 2; t++)
        for (int i = 0; i < 2; i++) {
            r.tb[t][i] = ir_temp_tb(s, (IRType)t);
            ir_mov(s, r.tb[t][i], G((IRType)t, 6 + i));
        }
    for (int insn = 0; insn < 12; insn++) {
        ir_insn_start(s, (uint64_t)insn, 0);
        r.nb_ebb[0] = r.nb_ebb[1] = 0;
        for (int n = (int)rnd(&r, 8); n >= 0; n--)
            rand_op(&r, true);
        if (rand_extra_hook)
            rand_extra_hook(&r);
        if (rnd(&r, 3) == 0) {                  /* a forward branch over a few ops */
            IRType t = (IRType)rnd(&r, 2);
            IRLabel *l = ir_label_new(s);
            ir_brcond(s, (IRCond)rnd(&r, IR_COND_TSTNE + 1), rand_src(&r, t), rand_src(&r, t), l);
            for (int n = (int)rnd(&r, 3); n >= 0; n--)
                rand_op(&r, false);
            ir_set_label(s, l);
        }
    }
    for (int t = 0; t < 2; t++)
        ir_mov(s, G((IRType)t, 6), r.tb[t][1]);
    ir_exit_tb(s, 0);
}

/* Guest registers for a random block: edge values, some perturbed. */
static inline void random_env(uint64_t seed)
{
    RandGen v = { .st = seed };
    for (int i = 0; i < NB_G; i++) {
        env.r64[i] = edge_values[rnd(&v, NB_EDGE)] ^ (rnd(&v, 2) ? 0 : rnd(&v, 1000));
        env.r32[i] = (uint32_t)(edge_values[rnd(&v, NB_EDGE)] + rnd(&v, 3));
    }
}

/* main() of a tcg test binary: code cache, backends, then the suite. */
static inline int tcg_harness_main(Suite *(*make_suite)(void))
{
    if (!code_cache_init(64 * MiB)) {
        fprintf(stderr, "tcg tests: cannot map the code cache\n");
        return 1;
    }
    backends[nb_backends++] = &ir_backend_interp;
#if CONFIG_JIT
    /* A direct reference pulls the JIT out of the archive for the weak lookup. */
    const IRBackend *jit = &ir_backend_x86_64;
    if (ir_backend_find("jit") != jit) {
        fprintf(stderr, "tcg tests: ir_backend_find(\"jit\") does not find the JIT\n");
        return 1;
    }
    if (jit->init())
        backends[nb_backends++] = jit;
    else
        fprintf(stderr, "tcg tests: the JIT cannot start on this host; interpreter only\n");
#endif
    SRunner *sr = srunner_create(make_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}

#endif
