/*
 * test_tcg.c - the IR's op semantics and block structure on every backend:
 * each op on I32 and I64 with edge values (run time and constant-folded),
 * conditions, globals, loops, helper calls, guest memory through the TLB
 * and its slow path, precise-state bookkeeping, exits and chaining.
 * Expected values come from reference code written here, independently of
 * tcg/ir-eval.h. The harness is tcg_harness.h.
 */
#include "tcg_harness.h"
#include <setjmp.h>

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

/* deposit whose output is its b operand, or its a operand, or whose a is b. */
START_TEST(test_deposit_aliasing)
{
    static const struct { unsigned pos, len; } f[] = {
        { 0, 8 }, { 0, 16 }, { 8, 8 }, { 3, 5 }, { 0, 32 }, { 32, 32 },
    };
    for (IRType t = IR_I32; t <= IR_I64; t++)
        for (unsigned k = 0; k < ARRAY_SIZE(f); k++) {
            unsigned pos = f[k].pos, len = f[k].len;
            if (pos + len > (t == IR_I32 ? 32u : 64u))
                continue;
            uint64_t a = 0x89abcdef01234567ULL & mask_of(t), b = 0xfedcba9876543210ULL & mask_of(t);
            uint64_t fmask = (1ULL << len) - 1;
            uint64_t dep = ((a & ~(fmask << pos)) | ((b & fmask) << pos)) & mask_of(t);
            uint64_t self = ((a & ~(fmask << pos)) | ((a & fmask) << pos)) & mask_of(t);
            ir_reset(s);
            set_g(t, 0, a);
            set_g(t, 1, b);
            set_g(t, 2, a);
            set_g(t, 3, b);
            ir_deposit(s, G(t, 1), G(t, 0), G(t, 1), pos, len);   /* d is b */
            ir_deposit(s, G(t, 2), G(t, 2), G(t, 3), pos, len);   /* d is a */
            ir_deposit(s, G(t, 4), G(t, 0), G(t, 0), pos, len);   /* a is b */
            ir_exit_tb(s, 0);
            run_block(_i);
            ck_assert_uint_eq(get_g(t, 1), dep);
            ck_assert_uint_eq(get_g(t, 2), dep);
            ck_assert_uint_eq(get_g(t, 4), self);
        }
}
END_TEST

/* ld then brcond on the loaded value against a constant (the JIT fuses them). */
START_TEST(test_ld_brcond)
{
    static const struct { IRCond c; uint64_t v, imm; } k[] = {
        { IR_COND_EQ, 0, 0 }, { IR_COND_NE, 0, 0 }, { IR_COND_NE, 5, 0 },
        { IR_COND_LTU, 3, 200 }, { IR_COND_GTU, ~0ULL, 1 }, { IR_COND_LT, ~0ULL, 0 },
        { IR_COND_GE, 7, 7 }, { IR_COND_EQ, 0x80000000, 0x80000000 },
    };
    for (IRType t = IR_I32; t <= IR_I64; t++)
        for (unsigned i = 0; i < ARRAY_SIZE(k); i++) {
            uint64_t v = k[i].v & mask_of(t), imm = k[i].imm & mask_of(t);
            ir_reset(s);
            IRTemp x = ir_temp_new(s, t);
            IRLabel *l = ir_label_new(s);
            env.scratch[0] = v;
            set_g(t, 1, 0);
            ir_ld(s, IR_ld, x, s->env, offsetof(FakeEnv, scratch[0]));
            ir_brcondi(s, k[i].c, x, imm, l);
            ir_mov(s, G(t, 1), ir_const(s, t, 1));
            ir_set_label(s, l);
            ir_exit_tb(s, 0);
            run_block(_i);
            ck_assert_uint_eq(get_g(t, 1), !ir_cond_eval(k[i].c, t, v, imm));
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
    uintptr_t off = seen_retaddr - (uintptr_t)last_code;
    ck_assert(off > s->insn_end_off[0] && off <= s->insn_end_off[1]);
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
    /* The interpreter passes its ir_getpc(); the JIT passes the fast path's
     * continuation, in the same guest instruction's code as its call site. */
    if (ir_backend == &ir_backend_interp)
        ck_assert_uint_eq(ra, ir_getpc());
    ck_assert(ra > (uintptr_t)last_code && ra <= (uintptr_t)last_code + s->insn_end_off[0]);
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
    uint8_t *rw_a = last_rw;                        /* patches go through the writable view */
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
    tcase_add_loop_test(ops, test_deposit_aliasing, 0, nv);
    tcase_add_loop_test(ops, test_ld_brcond, 0, nv);
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
    suite_add_tcase(su, blk);

    return su;
}

int main(void)
{
    return tcg_harness_main(tcg_suite);
}
