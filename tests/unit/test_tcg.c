/*
 * test_tcg.c - unit tests of the IR (tcg/): builder, checker, dump,
 * optimizer, liveness, code cache and every backend.
 *
 * Each snippet is built with the ir_* API, checked with ir_check, and run
 * by run_block() on every backend in backends[] (the interpreter, plus the
 * JIT when it is linked in), once as built and once after ir_optimize():
 * a loop test's index picks (backend, optimize). Results are compared
 * with reference values computed here independently of tcg/ir-eval.h.
 * Guest state is a FakeEnv with I64 and I32 globals and a SoftTLB whose
 * entries point into a host buffer; a fake slow path counts TLB misses.
 */
#include "kestrel/tcg.h"
#include "kestrel/tlb.h"
#include <check.h>
#include <setjmp.h>
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
static const uint8_t *last_code;

/* --- Harness --- */

static void setup(void)
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

static void teardown(void)
{
    ir_context_free(s);
    s = NULL;
}

static IRTemp G(IRType t, int i)
{
    return t == IR_I32 ? g32[i] : g64[i];
}

static uint64_t get_g(IRType t, int i)
{
    return t == IR_I32 ? env.r32[i] : env.r64[i];
}

static void set_g(IRType t, int i, uint64_t v)
{
    if (t == IR_I32)
        env.r32[i] = (uint32_t)v;
    else
        env.r64[i] = v;
}

static const IRBackend *variant_backend(int variant)
{
    return backends[variant / 2];
}

static bool variant_optimizes(int variant)
{
    return variant & 1;
}

static void check_ir(void)
{
    char err[256];
    ck_assert_msg(ir_check(s, err, sizeof(err)), "ir_check: %s", err);
}

/* Checks, maybe optimizes, compiles into the code cache; returns the code. */
static const uint8_t *compile_block(int variant)
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
    last_code = code_cache_rx(buf);
    return last_code;
}

static uintptr_t run_block(int variant)
{
    const uint8_t *code = compile_block(variant);
    return variant_backend(variant)->exec(&env, code);
}

static uint64_t mask_of(IRType t)
{
    return t == IR_I32 ? 0xffffffffULL : ~0ULL;
}

static int64_t sext(IRType t, uint64_t v)
{
    return t == IR_I32 ? (int32_t)v : (int64_t)v;
}

static const uint64_t edge_values[] = {
    0, 1, 2, 3, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000,
    0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
    0xffffffffffffffffULL, 0x123456789abcdef0ULL, 0xfedcba9876543210ULL, 31, 32, 63,
};
#define NB_EDGE ARRAY_SIZE(edge_values)

/* --- Reference semantics, written independently of the IR code --- */

static uint64_t ref_clz(IRType t, uint64_t a, uint64_t b)
{
    int bits = t == IR_I32 ? 32 : 64;
    if (!a)
        return b;
    uint64_t n = 0;
    for (int i = bits - 1; i >= 0 && !((a >> i) & 1); i--)
        n++;
    return n;
}

static uint64_t ref_ctz(uint64_t a, uint64_t b)
{
    if (!a)
        return b;
    uint64_t n = 0;
    while (!((a >> n) & 1))
        n++;
    return n;
}

static uint64_t ref_rotl(IRType t, uint64_t a, unsigned n)
{
    unsigned bits = t == IR_I32 ? 32 : 64;
    uint64_t r = a;
    for (unsigned i = 0; i < n; i++)
        r = ((r << 1) | (r >> (bits - 1))) & mask_of(t);
    return r;
}

static uint64_t ref_binary(IROpcode opc, IRType t, uint64_t a, uint64_t b)
{
    unsigned bits = t == IR_I32 ? 32 : 64;
    int64_t sa = sext(t, a), sb = sext(t, b);
    uint64_t r;
    switch (opc) {
    case IR_add:  r = a + b; break;
    case IR_sub:  r = a - b; break;
    case IR_mul:  r = a * b; break;
    case IR_and:  r = a & b; break;
    case IR_or:   r = a | b; break;
    case IR_xor:  r = a ^ b; break;
    case IR_andc: r = a & ~b; break;
    case IR_shl:  r = a << b; break;
    case IR_shr:  r = a >> b; break;
    case IR_sar:  r = (uint64_t)(sa >> b); break;
    case IR_rotl: r = ref_rotl(t, a, (unsigned)b); break;
    case IR_rotr: r = ref_rotl(t, a, (bits - (unsigned)b) % bits); break;
    case IR_div:  r = (uint64_t)(sa / sb); break;
    case IR_rem:  r = (uint64_t)(sa % sb); break;
    case IR_divu: r = a / b; break;
    case IR_remu: r = a % b; break;
    case IR_clz:  r = ref_clz(t, a, b); break;
    case IR_ctz:  r = ref_ctz(a, b); break;
    default:      ck_abort_msg("no reference for op %d", opc); return 0;
    }
    return r & mask_of(t);
}

static uint64_t ref_bswap(uint64_t a, int bytes)
{
    uint64_t r = 0;
    for (int i = 0; i < bytes; i++)
        r |= ((a >> (8 * i)) & 0xff) << (8 * (bytes - 1 - i));
    return r;
}

static uint64_t ref_unary(IROpcode opc, IRType t, uint64_t a)
{
    uint64_t r;
    switch (opc) {
    case IR_mov:     r = a; break;
    case IR_neg:     r = -a; break;
    case IR_not:     r = ~a; break;
    case IR_ctpop:   r = 0; for (uint64_t x = a; x; x >>= 1) r += x & 1; break;
    case IR_bswap16: r = ref_bswap(a, 2); break;
    case IR_bswap32: r = ref_bswap(a, 4); break;
    case IR_bswap64: r = ref_bswap(a, 8); break;
    case IR_ext8s:   r = (uint64_t)(int64_t)(int8_t)a; break;
    case IR_ext8u:   r = a & 0xff; break;
    case IR_ext16s:  r = (uint64_t)(int64_t)(int16_t)a; break;
    case IR_ext16u:  r = a & 0xffff; break;
    case IR_ext32s:  r = (uint64_t)(int64_t)(int32_t)a; break;
    case IR_ext32u:  r = a & 0xffffffff; break;
    default:         ck_abort_msg("no reference for op %d", opc); return 0;
    }
    return r & mask_of(t);
}

static bool ref_cond(IRCond c, IRType t, uint64_t a, uint64_t b)
{
    int64_t sa = sext(t, a), sb = sext(t, b);
    switch (c) {
    case IR_COND_NEVER:  return false;
    case IR_COND_ALWAYS: return true;
    case IR_COND_EQ:     return a == b;
    case IR_COND_NE:     return a != b;
    case IR_COND_LT:     return sa < sb;
    case IR_COND_GE:     return sa >= sb;
    case IR_COND_LE:     return sa <= sb;
    case IR_COND_GT:     return sa > sb;
    case IR_COND_LTU:    return a < b;
    case IR_COND_GEU:    return a >= b;
    case IR_COND_LEU:    return a <= b;
    case IR_COND_GTU:    return a > b;
    case IR_COND_TSTEQ:  return !(a & b);
    case IR_COND_TSTNE:  return (a & b) != 0;
    }
    return false;
}

/* --- Op semantics on each backend --- */

/* Whether (a, b) is within the contract of opc (shift counts, divisors). */
static bool binary_operands_ok(IROpcode opc, IRType t, uint64_t a, uint64_t b)
{
    unsigned bits = t == IR_I32 ? 32 : 64;
    switch (opc) {
    case IR_shl: case IR_shr: case IR_sar: case IR_rotl: case IR_rotr:
        return b < bits;
    case IR_div: case IR_rem:
        return b != 0 && !(sext(t, b) == -1 && a == (1ULL << (bits - 1)));
    case IR_divu: case IR_remu:
        return b != 0;
    default:
        return true;
    }
}

/* d = a op b twice: from globals (run time) and from constants (foldable). */
static void check_binary(int variant, IROpcode opc, IRType t, uint64_t a, uint64_t b)
{
    a &= mask_of(t);
    b &= mask_of(t);
    if (!binary_operands_ok(opc, t, a, b))
        return;
    ir_reset(s);
    set_g(t, 0, a);
    set_g(t, 1, b);
    ir_op2(s, opc, G(t, 2), G(t, 0), G(t, 1));
    ir_op2(s, opc, G(t, 3), ir_const(s, t, a), ir_const(s, t, b));
    ir_exit_tb(s, 0);
    run_block(variant);
    uint64_t want = ref_binary(opc, t, a, b);
    ck_assert_msg(get_g(t, 2) == want && get_g(t, 3) == want,
                  "%s_i%d(0x%llx, 0x%llx) = 0x%llx / folded 0x%llx, want 0x%llx",
                  ir_op_defs[opc].name, t == IR_I32 ? 32 : 64, (unsigned long long)a,
                  (unsigned long long)b, (unsigned long long)get_g(t, 2),
                  (unsigned long long)get_g(t, 3), (unsigned long long)want);
}

static const IROpcode binary_ops[] = {
    IR_add, IR_sub, IR_mul, IR_and, IR_or, IR_xor, IR_andc, IR_shl, IR_shr, IR_sar,
    IR_rotl, IR_rotr, IR_div, IR_divu, IR_rem, IR_remu, IR_clz, IR_ctz,
};

START_TEST(test_binary_ops)
{
    for (unsigned o = 0; o < ARRAY_SIZE(binary_ops); o++)
        for (IRType t = IR_I32; t <= IR_I64; t++)
            for (unsigned i = 0; i < NB_EDGE; i++)
                for (unsigned j = 0; j < NB_EDGE; j++)
                    check_binary(_i, binary_ops[o], t, edge_values[i], edge_values[j]);
}
END_TEST

START_TEST(test_shift_edges)
{
    /* Counts 0 and width-1 on every shift and rotate, with hand-computed values. */
    static const struct { IROpcode opc; IRType t; uint64_t a, b, want; } v[] = {
        { IR_shl, IR_I32, 0x80000001, 31, 0x80000000 },
        { IR_shl, IR_I32, 0x80000001, 0, 0x80000001 },
        { IR_shr, IR_I32, 0x80000000, 31, 1 },
        { IR_sar, IR_I32, 0x80000000, 31, 0xffffffff },
        { IR_sar, IR_I32, 0x40000000, 30, 1 },
        { IR_rotl, IR_I32, 0x80000001, 1, 3 },
        { IR_rotr, IR_I32, 0x80000001, 1, 0xc0000000 },
        { IR_rotl, IR_I32, 0x12345678, 0, 0x12345678 },
        { IR_rotr, IR_I32, 0x12345678, 31, 0x2468acf0 },
        { IR_shl, IR_I64, 1, 63, 0x8000000000000000ULL },
        { IR_sar, IR_I64, 0x8000000000000000ULL, 63, ~0ULL },
        { IR_shr, IR_I64, 0x8000000000000000ULL, 63, 1 },
        { IR_rotl, IR_I64, 0x8000000000000001ULL, 63, 0xc000000000000000ULL },
        { IR_rotr, IR_I64, 0x8000000000000001ULL, 0, 0x8000000000000001ULL },
        { IR_clz, IR_I32, 0, 32, 32 },
        { IR_clz, IR_I64, 1, 99, 63 },
        { IR_ctz, IR_I64, 0, 64, 64 },
        { IR_ctz, IR_I32, 0x80000000, 7, 31 },
        { IR_div, IR_I32, (uint32_t)-7, 2, (uint32_t)-3 },
        { IR_rem, IR_I32, (uint32_t)-7, 2, (uint32_t)-1 },
        { IR_div, IR_I64, (uint64_t)-7, (uint64_t)-2, 3 },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(v); i++) {
        check_binary(_i, v[i].opc, v[i].t, v[i].a, v[i].b);
        ck_assert_uint_eq(get_g(v[i].t, 2), v[i].want);
    }
}
END_TEST

static void check_unary(int variant, IROpcode opc, IRType t, uint64_t a)
{
    a &= mask_of(t);
    ir_reset(s);
    set_g(t, 0, a);
    ir_op1(s, opc, G(t, 2), G(t, 0));
    ir_op1(s, opc, G(t, 3), ir_const(s, t, a));
    ir_exit_tb(s, 0);
    run_block(variant);
    uint64_t want = ref_unary(opc, t, a);
    ck_assert_msg(get_g(t, 2) == want && get_g(t, 3) == want, "%s_i%d(0x%llx) = 0x%llx/0x%llx",
                  ir_op_defs[opc].name, t == IR_I32 ? 32 : 64, (unsigned long long)a,
                  (unsigned long long)get_g(t, 2), (unsigned long long)get_g(t, 3));
}

START_TEST(test_unary_ops)
{
    static const IROpcode ops[] = {
        IR_mov, IR_neg, IR_not, IR_ctpop, IR_bswap16, IR_bswap32, IR_bswap64, IR_ext8s,
        IR_ext8u, IR_ext16s, IR_ext16u, IR_ext32s, IR_ext32u,
    };
    for (unsigned o = 0; o < ARRAY_SIZE(ops); o++)
        for (IRType t = IR_I32; t <= IR_I64; t++)
            for (unsigned i = 0; i < NB_EDGE; i++)
                if (t == IR_I64 || !(ir_op_defs[ops[o]].flags & IR_OPF_64))
                    check_unary(_i, ops[o], t, edge_values[i]);
}
END_TEST

START_TEST(test_width_conversions)
{
    for (unsigned i = 0; i < NB_EDGE; i++) {
        uint64_t v = edge_values[i];
        ir_reset(s);
        env.r32[0] = (uint32_t)v;
        env.r64[0] = v;
        ir_extu_i32_i64(s, g64[1], g32[0]);
        ir_exts_i32_i64(s, g64[2], g32[0]);
        ir_extrl_i64_i32(s, g32[1], g64[0]);
        ir_extrh_i64_i32(s, g32[2], g64[0]);
        ir_exts_i32_i64(s, g64[3], ir_const(s, IR_I32, v));
        ir_extrh_i64_i32(s, g32[3], ir_const(s, IR_I64, v));
        ir_exit_tb(s, 0);
        run_block(_i);
        ck_assert_uint_eq(env.r64[1], (uint32_t)v);
        ck_assert_uint_eq(env.r64[2], (uint64_t)(int64_t)(int32_t)v);
        ck_assert_uint_eq(env.r32[1], (uint32_t)v);
        ck_assert_uint_eq(env.r32[2], (uint32_t)(v >> 32));
        ck_assert_uint_eq(env.r64[3], (uint64_t)(int64_t)(int32_t)v);
        ck_assert_uint_eq(env.r32[3], (uint32_t)(v >> 32));
    }
}
END_TEST

/* 128-bit product by shift and add on magnitudes (portable, independent of ir-eval.h). */
static void ref_mul128(uint64_t a, uint64_t b, bool is_signed, uint64_t *lo, uint64_t *hi)
{
    bool neg = false;
    if (is_signed && (int64_t)a < 0)
        a = -a, neg = !neg;
    if (is_signed && (int64_t)b < 0)
        b = -b, neg = !neg;
    uint64_t rl = 0, rh = 0;
    for (int i = 63; i >= 0; i--) {
        rh = rh << 1 | rl >> 63;
        rl <<= 1;
        if ((b >> i) & 1) {
            uint64_t old = rl;
            rl += a;
            rh += rl < old;
        }
    }
    if (neg) {
        rl = ~rl + 1;
        rh = ~rh + (rl == 0);
    }
    *lo = rl;
    *hi = rh;
}

START_TEST(test_mul2)
{
    for (IRType t = IR_I32; t <= IR_I64; t++)
        for (unsigned i = 0; i < NB_EDGE; i++)
            for (unsigned j = 0; j < NB_EDGE; j++) {
                uint64_t a = edge_values[i] & mask_of(t), b = edge_values[j] & mask_of(t);
                uint64_t lo_u, hi_u, lo_s, hi_s;
                if (t == IR_I32) {
                    uint64_t pu = a * b;
                    int64_t ps = sext(t, a) * sext(t, b);
                    lo_u = (uint32_t)pu, hi_u = pu >> 32;
                    lo_s = (uint32_t)ps, hi_s = (uint32_t)((uint64_t)ps >> 32);
                } else {
                    ref_mul128(a, b, false, &lo_u, &hi_u);
                    ref_mul128(a, b, true, &lo_s, &hi_s);
                }
                ir_reset(s);
                set_g(t, 0, a);
                set_g(t, 1, b);
                ir_mulu2(s, G(t, 2), G(t, 3), G(t, 0), G(t, 1));
                ir_muls2(s, G(t, 4), G(t, 5), G(t, 0), G(t, 1));
                ir_muls2(s, G(t, 6), G(t, 7), ir_const(s, t, a), ir_const(s, t, b));
                ir_exit_tb(s, 0);
                run_block(_i);
                ck_assert_uint_eq(get_g(t, 2), lo_u);
                ck_assert_uint_eq(get_g(t, 3), hi_u);
                ck_assert_uint_eq(get_g(t, 4), lo_s);
                ck_assert_uint_eq(get_g(t, 5), hi_s);
                ck_assert_uint_eq(get_g(t, 6), lo_s);
                ck_assert_uint_eq(get_g(t, 7), hi_s);
            }
}
END_TEST

START_TEST(test_bitfields)
{
    static const struct { unsigned pos, len; } f[] = {
        { 0, 1 }, { 0, 8 }, { 3, 5 }, { 8, 8 }, { 16, 16 }, { 31, 1 }, { 0, 32 }, { 1, 31 },
    };
    for (IRType t = IR_I32; t <= IR_I64; t++)
        for (unsigned k = 0; k < ARRAY_SIZE(f) + 3; k++) {
            unsigned bits = t == IR_I32 ? 32 : 64;
            /* The last three fields only fit I64: (32,32), (0,64), (63,1). */
            unsigned pos = k < ARRAY_SIZE(f) ? f[k].pos : (unsigned[]){ 32, 0, 63 }[k - ARRAY_SIZE(f)];
            unsigned len = k < ARRAY_SIZE(f) ? f[k].len : (unsigned[]){ 32, 64, 1 }[k - ARRAY_SIZE(f)];
            if (pos + len > bits)
                continue;
            uint64_t a = 0x89abcdef01234567ULL & mask_of(t), b = 0xfedcba9876543210ULL & mask_of(t);
            uint64_t fmask = len == 64 ? ~0ULL : (1ULL << len) - 1;
            uint64_t dep = ((a & ~(fmask << pos)) | ((b & fmask) << pos)) & mask_of(t);
            uint64_t ext = (a >> pos) & fmask;
            uint64_t sxt = ext;
            if (len < 64 && (ext >> (len - 1)) & 1)
                sxt |= ~fmask;
            sxt &= mask_of(t);
            ir_reset(s);
            set_g(t, 0, a);
            set_g(t, 1, b);
            ir_deposit(s, G(t, 2), G(t, 0), G(t, 1), pos, len);
            ir_extract(s, G(t, 3), G(t, 0), pos, len);
            ir_sextract(s, G(t, 4), G(t, 0), pos, len);
            ir_deposit(s, G(t, 5), ir_const(s, t, a), ir_const(s, t, b), pos, len);
            ir_sextract(s, G(t, 6), ir_const(s, t, a), pos, len);
            ir_exit_tb(s, 0);
            run_block(_i);
            ck_assert_uint_eq(get_g(t, 2), dep);
            ck_assert_uint_eq(get_g(t, 3), ext);
            ck_assert_uint_eq(get_g(t, 4), sxt);
            ck_assert_uint_eq(get_g(t, 5), dep);
            ck_assert_uint_eq(get_g(t, 6), sxt);
        }
}
END_TEST

/* setcond, movcond and brcond for one condition and pair, run time and folded. */
static void check_cond(int variant, IRCond c, IRType t, uint64_t a, uint64_t b)
{
    a &= mask_of(t);
    b &= mask_of(t);
    bool want = ref_cond(c, t, a, b);
    ir_reset(s);
    set_g(t, 0, a);
    set_g(t, 1, b);
    set_g(t, 6, 0x11);
    set_g(t, 7, 0x22);
    ir_setcond(s, c, G(t, 2), G(t, 0), G(t, 1));
    ir_setcond(s, c, G(t, 3), ir_const(s, t, a), ir_const(s, t, b));
    ir_movcond(s, c, G(t, 4), G(t, 0), G(t, 1), G(t, 6), G(t, 7));
    IRLabel *taken = ir_label_new(s), *done = ir_label_new(s);
    ir_brcond(s, c, G(t, 0), G(t, 1), taken);
    ir_movi(s, G(t, 5), 100);
    ir_br(s, done);
    ir_set_label(s, taken);
    ir_movi(s, G(t, 5), 200);
    ir_set_label(s, done);
    IRLabel *ctaken = ir_label_new(s);
    IRTemp flag = t == IR_I32 ? g64[0] : g32[0];      /* a global of the other type */
    ir_movi(s, flag, 0);
    ir_brcond(s, c, ir_const(s, t, a), ir_const(s, t, b), ctaken);
    ir_movi(s, flag, 1);
    ir_set_label(s, ctaken);
    ir_exit_tb(s, 0);
    run_block(variant);
    ck_assert_msg(get_g(t, 2) == want && get_g(t, 3) == want, "setcond %d 0x%llx 0x%llx", c,
                  (unsigned long long)a, (unsigned long long)b);
    ck_assert_uint_eq(get_g(t, 4), want ? 0x11 : 0x22);
    ck_assert_uint_eq(get_g(t, 5), want ? 200 : 100);
    ck_assert_uint_eq(t == IR_I32 ? env.r64[0] : env.r32[0], !want);
}

START_TEST(test_conditions)
{
    static const uint64_t vals[] = { 0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff,
                                     0x8000000000000000ULL, ~0ULL, 0x100000001ULL };
    for (IRCond c = IR_COND_NEVER; c <= IR_COND_TSTNE; c++)
        for (IRType t = IR_I32; t <= IR_I64; t++)
            for (unsigned i = 0; i < ARRAY_SIZE(vals); i++)
                for (unsigned j = 0; j < ARRAY_SIZE(vals); j++)
                    check_cond(_i, c, t, vals[i], vals[j]);
}
END_TEST

START_TEST(test_cond_helpers)
{
    for (IRCond c = IR_COND_NEVER; c <= IR_COND_TSTNE; c++)
        for (unsigned i = 0; i < NB_EDGE; i += 3)
            for (unsigned j = 0; j < NB_EDGE; j += 2) {
                uint64_t a = edge_values[i], b = edge_values[j];
                for (IRType t = IR_I32; t <= IR_I64; t++) {
                    bool r = ir_cond_eval(c, t, a, b);
                    ck_assert_int_eq(r, ref_cond(c, t, a & mask_of(t), b & mask_of(t)));
                    ck_assert_int_eq(ir_cond_eval(ir_cond_invert(c), t, a, b), !r);
                    ck_assert_int_eq(ir_cond_eval(ir_cond_swap(c), t, b, a), r);
                }
            }
}
END_TEST

/* --- Globals, temps, labels, loops --- */

START_TEST(test_globals_and_temps)
{
    ir_reset(s);
    env.r64[0] = 40;
    env.r32[0] = 0xfffffffe;
    IRTemp t = ir_temp_new(s, IR_I64), u = ir_temp_tb(s, IR_I32);
    ir_addi(s, t, g64[0], 2);
    ir_mov(s, g64[1], t);
    ir_addi(s, u, g32[0], 3);           /* wraps to 1 */
    ir_mov(s, g32[1], u);
    ir_st(s, IR_st, t, s->env, offsetof(FakeEnv, scratch[0]));
    ir_ld(s, IR_ld32u, g64[2], s->env, offsetof(FakeEnv, r32[0]));
    ir_ld(s, IR_ld16s, g64[3], s->env, offsetof(FakeEnv, r32[0]));
    ir_ld(s, IR_ld8u, g32[2], s->env, offsetof(FakeEnv, r32[0]));
    ir_st(s, IR_st16, g32[0], s->env, offsetof(FakeEnv, scratch[1]));
    ir_exit_tb(s, 0);
    run_block(_i);
    ck_assert_uint_eq(env.r64[1], 42);
    ck_assert_uint_eq(env.r32[1], 1);
    ck_assert_uint_eq(env.scratch[0], 42);
    ck_assert_uint_eq(env.r64[2], 0xfffffffe);
    ck_assert_uint_eq(env.r64[3], (uint64_t)-2);
    ck_assert_uint_eq(env.r32[2], 0xfe);
    ck_assert_uint_eq(env.scratch[1], 0xfffe);
}
END_TEST

/* r1 = r0! with a loop over TB temps. */
static void build_factorial(void)
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

START_TEST(test_factorial_loop)
{
    static const uint64_t want[] = { 1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880, 3628800 };
    ir_reset(s);
    build_factorial();
    const uint8_t *code = compile_block(_i);
    for (unsigned k = 0; k < ARRAY_SIZE(want); k++) {
        env.r64[0] = k;
        variant_backend(_i)->exec(&env, code);
        ck_assert_uint_eq(env.r64[1], want[k]);
    }
    env.r64[0] = 20;
    variant_backend(_i)->exec(&env, code);
    ck_assert_uint_eq(env.r64[1], 2432902008176640000ULL);
}
END_TEST

/* --- Helper calls --- */

static uint64_t seen[6];
static int seen_n;
static uintptr_t seen_retaddr;

static void note_args(int n, const uint64_t *a, void *e)
{
    ck_assert_ptr_eq(e, &env);
    seen_n = n;
    for (int i = 0; i < n; i++)
        seen[i] = a[i];
    seen_retaddr = ir_getpc();
}

static uint64_t helper_r0(void *e) { note_args(0, NULL, e); return 0x1234; }
static uint64_t helper_r1(void *e, uint64_t a) { note_args(1, (uint64_t[]){ a }, e); return a + 1; }
static uint64_t helper_r2(void *e, uint64_t a, uint64_t b)
{ note_args(2, (uint64_t[]){ a, b }, e); return a * b; }
static uint64_t helper_r3(void *e, uint64_t a, uint64_t b, uint64_t c)
{ note_args(3, (uint64_t[]){ a, b, c }, e); return a + b + c; }
static uint64_t helper_r4(void *e, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{ note_args(4, (uint64_t[]){ a, b, c, d }, e); return a ^ b ^ c ^ d; }
static uint64_t helper_r5(void *e, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t f)
{ note_args(5, (uint64_t[]){ a, b, c, d, f }, e); return a - b - c - d - f; }
static void helper_v0(void *e) { note_args(0, NULL, e); }
static void helper_v1(void *e, uint64_t a) { note_args(1, (uint64_t[]){ a }, e); }
static void helper_v2(void *e, uint64_t a, uint64_t b) { note_args(2, (uint64_t[]){ a, b }, e); }
static void helper_v3(void *e, uint64_t a, uint64_t b, uint64_t c)
{ note_args(3, (uint64_t[]){ a, b, c }, e); }
static void helper_v4(void *e, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{ note_args(4, (uint64_t[]){ a, b, c, d }, e); }
static void helper_v5(void *e, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t f)
{ note_args(5, (uint64_t[]){ a, b, c, d, f }, e); }

static const IRHelper helpers_r[6] = {
    { (void *)helper_r0, "r0", 0, true, 0 }, { (void *)helper_r1, "r1", 1, true, 0 },
    { (void *)helper_r2, "r2", 2, true, 0 }, { (void *)helper_r3, "r3", 3, true, 0 },
    { (void *)helper_r4, "r4", 4, true, 0 }, { (void *)helper_r5, "r5", 5, true, 0 },
};
static const IRHelper helpers_v[6] = {
    { (void *)helper_v0, "v0", 0, false, 0 }, { (void *)helper_v1, "v1", 1, false, 0 },
    { (void *)helper_v2, "v2", 2, false, 0 }, { (void *)helper_v3, "v3", 3, false, 0 },
    { (void *)helper_v4, "v4", 4, false, 0 }, { (void *)helper_v5, "v5", 5, false, 0 },
};

START_TEST(test_calls)
{
    static const uint64_t arg[5] = { 0x100000003ULL, 5, 0xfffffffffULL, 9, 11 };
    for (int n = 0; n <= IR_MAX_CALL_ARGS; n++)
        for (int has_ret = 0; has_ret < 2; has_ret++) {
            ir_reset(s);
            for (int k = 0; k < 5; k++)
                env.r64[k] = arg[k];
            env.r32[0] = 0xffffffff;
            IRTemp args[5] = { g64[0], g64[1], g64[2], g64[3], g64[4] };
            if (n >= 2)
                args[1] = g32[0];            /* an I32 argument arrives zero-extended */
            ir_insn_start(s, 0x2000, 0);
            ir_call(s, has_ret ? &helpers_r[n] : &helpers_v[n], has_ret ? g64[6] : IR_NO_TEMP, args);
            ir_exit_tb(s, 0);
            seen_n = -1;
            run_block(_i);
            ck_assert_int_eq(seen_n, n);
            uint64_t a[5] = { arg[0], n >= 2 ? 0xffffffffULL : arg[1], arg[2], arg[3], arg[4] };
            for (int k = 0; k < n; k++)
                ck_assert_uint_eq(seen[k], a[k]);
            if (variant_backend(_i) == &ir_backend_interp) {
                ck_assert(seen_retaddr > (uintptr_t)last_code);
                ck_assert(seen_retaddr <= (uintptr_t)last_code + last_info.size);
            }
            if (!has_ret)
                continue;
            uint64_t want[6] = { 0x1234, a[0] + 1, a[0] * a[1], a[0] + a[1] + a[2],
                                 a[0] ^ a[1] ^ a[2] ^ a[3], a[0] - a[1] - a[2] - a[3] - a[4] };
            ck_assert_uint_eq(env.r64[6], want[n]);
        }
}
END_TEST

START_TEST(test_call_result_i32_and_constants)
{
    ir_reset(s);
    ir_call2(s, &helpers_r[2], g32[3], ir_const(s, IR_I32, 0xffffffff), ir_const(s, IR_I64, 3));
    ir_exit_tb(s, 0);
    run_block(_i);
    ck_assert_uint_eq(seen[0], 0xffffffffULL);
    ck_assert_uint_eq(env.r32[3], (uint32_t)(0xffffffffULL * 3));
}
END_TEST

/* --- Precise state: insn boundaries and retaddr --- */

START_TEST(test_insn_boundaries)
{
    ir_reset(s);
    for (int k = 0; k < 3; k++) {
        ir_insn_start(s, 0x100 + k, 10 + k);
        ir_addi(s, g64[0], g64[0], 1);
        if (k == 1)
            ir_call0(s, &helpers_v[0], IR_NO_TEMP);
    }
    ir_exit_tb(s, 0);
    env.r64[0] = 0;
    run_block(_i);
    ck_assert_uint_eq(env.r64[0], 3);
    ck_assert_uint_eq(s->nb_insns, 3);
    uint32_t prev = 0;
    for (uint32_t k = 0; k < 3; k++) {
        ck_assert_uint_eq(s->insn_data[k][0], 0x100 + k);
        ck_assert_uint_eq(s->insn_data[k][1], 10 + k);
        ck_assert_uint_ge(s->insn_end_off[k], prev);
        prev = s->insn_end_off[k];
    }
    ck_assert_uint_eq(s->insn_end_off[2], last_info.size);
    if (variant_backend(_i) == &ir_backend_interp) {
        uintptr_t off = seen_retaddr - (uintptr_t)last_code;
        ck_assert(off > s->insn_end_off[0] && off <= s->insn_end_off[1]);
    }
}
END_TEST

/* --- Guest memory --- */

static uint8_t guest_page[2 * 4096] __attribute__((aligned(4096)));
static int slow_loads, slow_stores;
static uint64_t slow_addr, slow_val;
static uint32_t slow_memop;

static uint64_t fake_load(void *e, uint64_t addr, uint32_t mo, uintptr_t ra)
{
    ck_assert_ptr_eq(e, &env);
    ck_assert_uint_eq(ra, ir_getpc());
    slow_loads++;
    slow_addr = addr;
    slow_memop = mo;
    return 0xf1f2f3f4f5f6f7f8ULL;
}

static void fake_store(void *e, uint64_t addr, uint64_t val, uint32_t mo, uintptr_t ra)
{
    slow_stores++;
    slow_addr = addr;
    slow_val = val;
    slow_memop = mo;
}

#define GVA 0x40000000ULL      /* guest page mapped on guest_page */

static void map_guest_page(unsigned mmu, bool writable)
{
    TLBEntry *e = &env.tlb.table[mmu][tlb_index(GVA)];
    e->addr_read = GVA;
    e->addr_write = writable ? GVA : GVA | TLB_NOTDIRTY;
    e->addend = (uintptr_t)guest_page - GVA;
    ir_guest_mem.load = fake_load;
    ir_guest_mem.store = fake_store;
    slow_loads = slow_stores = 0;
    for (int i = 0; i < 4096; i++)
        guest_page[i] = (uint8_t)(0x80 + i);
}

START_TEST(test_qemu_ld_hit)
{
    static const struct { MemOp mo; IRType t; uint64_t want; } v[] = {
        { MO_8, IR_I32, 0x81 }, { MO_SB, IR_I32, 0xffffff81 }, { MO_16, IR_I32, 0x8281 },
        { MO_SW, IR_I64, 0xffffffffffff8281ULL }, { MO_32, IR_I64, 0x84838281 },
        { MO_SL, IR_I64, 0xffffffff84838281ULL }, { MO_32, IR_I32, 0x84838281 },
        { MO_64, IR_I64, 0x8887868584838281ULL },
    };
    map_guest_page(1, true);
    for (unsigned i = 0; i < ARRAY_SIZE(v); i++) {
        ir_reset(s);
        env.r64[0] = GVA + 1;                 /* unaligned is fine within a page */
        ir_qemu_ld(s, G(v[i].t, 1), g64[0], v[i].mo, 1);
        ir_exit_tb(s, 0);
        run_block(_i);
        ck_assert_uint_eq(get_g(v[i].t, 1), v[i].want);
    }
    ck_assert_int_eq(slow_loads, 0);
}
END_TEST

START_TEST(test_qemu_ld_miss)
{
    map_guest_page(1, true);
    ir_reset(s);
    ir_insn_start(s, 0x10, 0);
    ir_qemu_ld(s, g64[1], g64[0], MO_SW, 0);        /* mmu 0 is not mapped */
    ir_qemu_ld(s, g64[2], g64[3], MO_32, 1);        /* crosses the page end */
    ir_exit_tb(s, 0);
    env.r64[0] = GVA;
    env.r64[3] = GVA + 4094;
    run_block(_i);
    ck_assert_int_eq(slow_loads, 2);
    ck_assert_uint_eq(slow_addr, GVA + 4094);
    ck_assert_uint_eq(slow_memop, IR_MEMOP_MMU(MO_32, 1));
    ck_assert_uint_eq(env.r64[1], 0xfffffffffffff7f8ULL);
    ck_assert_uint_eq(env.r64[2], 0xf5f6f7f8);
}
END_TEST

START_TEST(test_qemu_st)
{
    map_guest_page(2, true);
    ir_reset(s);
    env.r64[0] = GVA + 8;
    env.r64[1] = 0x1122334455667788ULL;
    env.r32[1] = 0xaabbccdd;
    ir_qemu_st(s, g64[1], g64[0], MO_64, 2);
    IRTemp a = ir_temp_new(s, IR_I64);
    ir_addi(s, a, g64[0], 16);
    ir_qemu_st(s, g32[1], a, MO_16, 2);
    ir_addi(s, a, g64[0], 32);
    ir_qemu_st(s, g32[1], a, MO_8, 2);
    ir_qemu_st(s, g32[1], g64[0], MO_32, 3);        /* mmu 3 unmapped: slow path */
    ir_exit_tb(s, 0);
    run_block(_i);
    static const uint8_t want64[8] = { 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 };
    ck_assert_mem_eq(guest_page + 8, want64, 8);
    ck_assert_uint_eq(guest_page[24], 0xdd);
    ck_assert_uint_eq(guest_page[25], 0xcc);
    ck_assert_uint_eq(guest_page[26], (uint8_t)(0x80 + 26));
    ck_assert_uint_eq(guest_page[40], 0xdd);
    ck_assert_int_eq(slow_stores, 1);
    ck_assert_uint_eq(slow_val, 0xaabbccdd);
    ck_assert_uint_eq(slow_memop, IR_MEMOP_MMU(MO_32, 3));
}
END_TEST

START_TEST(test_qemu_st_notdirty)
{
    map_guest_page(0, false);                      /* code page: writes go slow */
    ir_reset(s);
    env.r64[0] = GVA;
    ir_qemu_st(s, g64[0], g64[0], MO_8, 0);
    ir_qemu_ld(s, g64[1], g64[0], MO_8, 0);
    ir_exit_tb(s, 0);
    run_block(_i);
    ck_assert_int_eq(slow_stores, 1);
    ck_assert_int_eq(slow_loads, 0);
    ck_assert_uint_eq(env.r64[1], 0x80);
}
END_TEST

/* A slow path that leaves the block by longjmp, as a guest fault does. */
static jmp_buf fault_jmp;

static uint64_t faulting_load(void *e, uint64_t addr, uint32_t mo, uintptr_t ra)
{
    slow_addr = addr;
    longjmp(fault_jmp, 1);
}

START_TEST(test_fault_longjmp)
{
    ir_reset(s);
    ir_insn_start(s, 0x10, 0);
    ir_movi(s, g64[2], 7);             /* must be in env when the fault hits */
    ir_insn_start(s, 0x14, 0);
    ir_qemu_ld(s, g64[1], g64[0], MO_64, 0);
    ir_movi(s, g64[2], 8);
    ir_exit_tb(s, 0);
    ir_guest_mem.load = faulting_load;
    const uint8_t *code = compile_block(_i);
    for (int round = 0; round < 3; round++) {
        env.r64[0] = 0x5000 + round;
        env.r64[2] = 0;
        if (setjmp(fault_jmp) == 0) {
            variant_backend(_i)->exec(&env, code);
            ck_abort_msg("the load did not fault");
        }
        ck_assert_uint_eq(slow_addr, 0x5000 + round);
        ck_assert_uint_eq(env.r64[2], 7);
    }
}
END_TEST

/* --- Block exits and chaining --- */

START_TEST(test_exit_values)
{
    static const uintptr_t vals[] = { 0, 1, 2, 3, (uintptr_t)0xdeadbeef0ULL | 1, UINTPTR_MAX };
    for (unsigned i = 0; i < ARRAY_SIZE(vals); i++) {
        ir_reset(s);
        IRLabel *l = ir_label_new(s);
        ir_brcondi(s, IR_COND_EQ, g64[0], 0, l);
        ir_exit_tb(s, 77);
        ir_set_label(s, l);
        ir_exit_tb(s, vals[i]);
        env.r64[0] = 0;
        ck_assert_uint_eq(run_block(_i), vals[i]);
        env.r64[0] = 1;
        ck_assert_uint_eq(variant_backend(_i)->exec(&env, last_code), 77);
    }
}
END_TEST

START_TEST(test_goto_tb_chain)
{
    const IRBackend *b = variant_backend(_i);
    /* Block B: r1 += 5, exit 0x40. */
    ir_reset(s);
    ir_addi(s, g64[1], g64[1], 5);
    ir_exit_tb(s, 0x40);
    const uint8_t *code_b = compile_block(_i);
    /* Block A: r0 += 1, then goto_tb 1 / exit (tag | 1), and slot 0 on another path. */
    ir_reset(s);
    IRLabel *other = ir_label_new(s);
    ir_addi(s, g64[0], g64[0], 1);
    ir_brcondi(s, IR_COND_NE, g64[2], 0, other);
    ir_goto_tb(s, 1);
    ir_exit_tb(s, 0x1000 | 1);
    ir_set_label(s, other);
    ir_goto_tb(s, 0);
    ir_exit_tb(s, 0x1000 | 0);
    const uint8_t *code_a = compile_block(_i);
    IRCodeInfo info_a = last_info;
    uint8_t *rw_a = (uint8_t *)(uintptr_t)code_a;   /* one mapping for now */
    ck_assert_uint_ne(info_a.jmp_insn_offset[0], UINT32_MAX);
    ck_assert_uint_ne(info_a.jmp_insn_offset[1], UINT32_MAX);

    ck_assert_uint_eq(b->exec(&env, code_a), 0x1001);
    b->set_jmp_target(rw_a, &info_a, 1, code_b);
    ck_assert_uint_eq(b->exec(&env, code_a), 0x40);
    ck_assert_uint_eq(env.r64[0], 2);
    ck_assert_uint_eq(env.r64[1], 5);
    env.r64[2] = 1;                                   /* slot 0 is still unchained */
    ck_assert_uint_eq(b->exec(&env, code_a), 0x1000);
    b->set_jmp_target(rw_a, &info_a, 0, code_b);
    ck_assert_uint_eq(b->exec(&env, code_a), 0x40);
    b->set_jmp_target(rw_a, &info_a, 1, NULL);
    b->set_jmp_target(rw_a, &info_a, 0, NULL);
    ck_assert_uint_eq(b->exec(&env, code_a), 0x1000);
    env.r64[2] = 0;
    ck_assert_uint_eq(b->exec(&env, code_a), 0x1001);
    ck_assert_uint_eq(env.r64[0], 6);
    ck_assert_uint_eq(env.r64[1], 10);
}
END_TEST

static uint64_t helper_lookup(void *e)
{
    return env.r64[5];
}
static const IRHelper h_lookup = { (void *)helper_lookup, "lookup", 0, true,
                                   IR_CALL_NO_READ_GLOBALS | IR_CALL_NO_WRITE_GLOBALS };

START_TEST(test_goto_ptr)
{
    const IRBackend *b = variant_backend(_i);
    ir_reset(s);
    ir_movi(s, g64[1], 99);
    ir_exit_tb(s, 0x55);
    const uint8_t *target = compile_block(_i);
    ir_reset(s);
    IRTemp p = ir_temp_new(s, IR_I64);
    ir_call0(s, &h_lookup, p);
    ir_goto_ptr(s, p);
    const uint8_t *code = compile_block(_i);
    env.r64[5] = (uintptr_t)b->epilogue();
    ck_assert_uint_eq(b->exec(&env, code), 0);
    ck_assert_uint_eq(env.r64[1], 0);
    env.r64[5] = (uintptr_t)target;
    ck_assert_uint_eq(b->exec(&env, code), 0x55);
    ck_assert_uint_eq(env.r64[1], 99);
}
END_TEST

/* --- Optimizer --- */

static unsigned count_ops(IROpcode opc)
{
    unsigned n = 0;
    for (uint32_t i = 0; i < s->nb_ops; i++)
        n += s->ops[i].opc == opc;
    return n;
}

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
    ir_call0(s, &helpers_v[0], IR_NO_TEMP);   /* reads globals */
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
typedef struct RandGen {
    uint64_t st;
    IRTemp tb[2][2];                  /* per type: two TB temps */
    IRTemp ebb[2][8];                 /* per type: EBB temps live in this region */
    int nb_ebb[2];
} RandGen;

static uint64_t rnd(RandGen *r, uint64_t n)
{
    r->st ^= r->st >> 12;
    r->st ^= r->st << 25;
    r->st ^= r->st >> 27;
    return (r->st * 0x2545f4914f6cdd1dULL >> 11) % n;
}

static IRTemp rand_src(RandGen *r, IRType t)
{
    switch (rnd(r, 4)) {
    case 0:  return G(t, (int)rnd(r, 6));
    case 1:  return r->tb[t][rnd(r, 2)];
    case 2:  return ir_const(s, t, edge_values[rnd(r, NB_EDGE)]);
    default: return r->nb_ebb[t] ? r->ebb[t][rnd(r, (uint64_t)r->nb_ebb[t])] : G(t, 0);
    }
}

/* EBB destinations only outside skipped regions (they would die at the label). */
static IRTemp rand_dst(RandGen *r, IRType t, bool allow_ebb)
{
    uint64_t k = rnd(r, 3);
    if (k == 0 && allow_ebb && r->nb_ebb[t] < 8) {
        IRTemp e = ir_temp_new(s, t);
        r->ebb[t][r->nb_ebb[t]++] = e;
        return e;
    }
    return k == 1 ? r->tb[t][rnd(r, 2)] : G(t, (int)rnd(r, 6));
}

static void rand_op(RandGen *r, bool allow_ebb)
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
        ir_movcond(s, (IRCond)rnd(r, IR_COND_TSTNE + 1), rand_dst(r, t, allow_ebb), a, b,
                   rand_src(r, t), rand_src(r, t));
    } else if (k == 8) {
        unsigned pos = (unsigned)rnd(r, bits), len = 1 + (unsigned)rnd(r, bits - pos);
        ir_deposit(s, rand_dst(r, t, allow_ebb), a, b, pos, len);
    } else {
        IRTemp lo = rand_dst(r, t, allow_ebb), hi = rand_dst(r, t, allow_ebb);
        if (lo != hi)
            (rnd(r, 2) ? ir_mulu2 : ir_muls2)(s, lo, hi, a, b);
    }
}

static void build_random_block(uint64_t seed)
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

START_TEST(test_opt_random_differential)
{
    int backend = _i;
    for (uint64_t seed = 1; seed <= 400; seed++) {
        FakeEnv want, init;
        RandGen v = { .st = seed };
        for (int i = 0; i < NB_G; i++) {
            env.r64[i] = edge_values[rnd(&v, NB_EDGE)] ^ (rnd(&v, 2) ? 0 : rnd(&v, 1000));
            env.r32[i] = (uint32_t)(edge_values[rnd(&v, NB_EDGE)] + rnd(&v, 3));
        }
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
    ir_call1(s, &helpers_r[1], g64[2], g64[1]);
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
             " call r1 r2, r1\n"
             " exit_tb 0x10\n", t, t);
    ck_assert_str_eq(buf, want);
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

static Suite *tcg_suite(void)
{
    Suite *su = suite_create("tcg");
    int nv = nb_backends * 2;
    TCase *ops = tcase_create("ops");
    tcase_add_checked_fixture(ops, setup, teardown);
    tcase_set_timeout(ops, 120);
    tcase_add_loop_test(ops, test_binary_ops, 0, nv);
    tcase_add_loop_test(ops, test_shift_edges, 0, nv);
    tcase_add_loop_test(ops, test_unary_ops, 0, nv);
    tcase_add_loop_test(ops, test_width_conversions, 0, nv);
    tcase_add_loop_test(ops, test_mul2, 0, nv);
    tcase_add_loop_test(ops, test_bitfields, 0, nv);
    tcase_add_loop_test(ops, test_conditions, 0, nv);
    tcase_add_loop_test(ops, test_cond_helpers, 0, 1);
    suite_add_tcase(su, ops);

    TCase *blk = tcase_create("blocks");
    tcase_add_checked_fixture(blk, setup, teardown);
    tcase_add_loop_test(blk, test_globals_and_temps, 0, nv);
    tcase_add_loop_test(blk, test_factorial_loop, 0, nv);
    tcase_add_loop_test(blk, test_calls, 0, nv);
    tcase_add_loop_test(blk, test_call_result_i32_and_constants, 0, nv);
    tcase_add_loop_test(blk, test_insn_boundaries, 0, nv);
    tcase_add_loop_test(blk, test_qemu_ld_hit, 0, nv);
    tcase_add_loop_test(blk, test_qemu_ld_miss, 0, nv);
    tcase_add_loop_test(blk, test_qemu_st, 0, nv);
    tcase_add_loop_test(blk, test_qemu_st_notdirty, 0, nv);
    tcase_add_loop_test(blk, test_fault_longjmp, 0, nv);
    tcase_add_loop_test(blk, test_exit_values, 0, nv);
    tcase_add_loop_test(blk, test_goto_tb_chain, 0, nv);
    tcase_add_loop_test(blk, test_goto_ptr, 0, nv);
    tcase_add_loop_test(blk, test_opt_call_clobbers_globals, 0, nv);
    tcase_add_loop_test(blk, test_opt_copy_of_overwritten_source, 0, nv);
    suite_add_tcase(su, blk);

    TCase *opt = tcase_create("optimizer");
    tcase_add_checked_fixture(opt, setup, teardown);
    tcase_add_test(opt, test_opt_dead_code);
    tcase_add_loop_test(opt, test_opt_random_differential, 0, nb_backends);
    tcase_add_test(opt, test_opt_globals_at_fault_points);
    tcase_add_test(opt, test_opt_branch_folding);
    tcase_add_test(opt, test_opt_copy_across_insns);
    tcase_add_test(opt, test_opt_folding_and_identities);
    tcase_add_test(opt, test_opt_factorial_same_result);
    tcase_add_test(opt, test_const_interning);
    tcase_add_test(opt, test_check_rejects);
    tcase_add_test(opt, test_dump);
    tcase_add_test(opt, test_liveness_bits);
    tcase_add_test(opt, test_block_without_exit);
    tcase_add_test(opt, test_backend_find_and_cache);
    suite_add_tcase(su, opt);
    return su;
}

int main(void)
{
    if (!code_cache_init(64 * MiB)) {
        fprintf(stderr, "test_tcg: cannot map the code cache\n");
        return 1;
    }
    backends[nb_backends++] = &ir_backend_interp;
    const IRBackend *jit = ir_backend_find("jit");
    if (jit && jit->init())
        backends[nb_backends++] = jit;
    SRunner *sr = srunner_create(tcg_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
