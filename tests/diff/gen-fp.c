/*
 * gen-fp.c - x87 and SSE templates of the generator (--only x87|sse).
 *
 * x87 templates keep the register stack balanced (every load is popped
 * by the same template), so results are observed through memory, AX
 * (FNSTSW) and EFLAGS (FCOMI); a sequence of this class starts with
 * FNINIT so both runners begin from the same FPU state. SSE templates work
 * on XMM registers, which both runners capture; memory operands of
 * aligned forms are 16-byte aligned.
 */
#include <string.h>
#include "tests/diff/gen-enc.h"

/* ---- x87 ---- */

/* Stores an interesting double at a fresh memory operand. */
static bool x87_double(Gen *g, Mem *m)
{
    static const uint64_t vals[] = {
        0x3ff0000000000000ull, 0xbff8000000000000ull, 0x4024000000000000ull,
        0x0000000000000001ull, 0x7ff0000000000000ull, 0xfff8000000000000ull,
        0x0000000000000000ull, 0x8000000000000000ull, 0x3fd5555555555555ull,
        0x43e0000000000000ull, 0x7fefffffffffffffull, 0x400921fb54442d18ull,
    };
    if (!gen_mem(g, m, 8, 8, 0))
        return false;
    uint64_t v = gen_chance(g, 50) ? vals[gen_below(g, sizeof(vals) / sizeof(vals[0]))]
                                   : gen_rnd(g) >> gen_below(g, 3);
    Mem hi = *m;
    hi.disp += 4;
    hi.target += 4;
    return enc_store_imm(g, m, 4, (uint32_t)v) && enc_store_imm(g, &hi, 4, v >> 32);
}

static bool x87_mem_op(Gen *g, uint8_t op, int digit, const Mem *m)
{
    Enc e = enc_op(4, op);
    e.reg = digit;
    enc_set_rm_mem(&e, m);
    return enc_emit(g, &e);
}

/* FSTP m64/m32/m80 or FISTP m32/m64 of ST0. */
static bool x87_store_pop(Gen *g)
{
    static const struct { uint8_t op; int digit, size; } st[] = {
        { 0xdd, 3, 8 }, { 0xd9, 3, 4 }, { 0xdb, 7, 10 }, { 0xdb, 3, 4 }, { 0xdf, 7, 8 },
    };
    int i = (int)gen_below(g, 5);
    Mem m;
    return gen_mem(g, &m, st[i].size, 1, 0) && x87_mem_op(g, st[i].op, st[i].digit, &m);
}

static bool x87_load(Gen *g)
{
    Mem m;
    if (gen_chance(g, 20)) {
        static const uint8_t consts[] = { 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee };
        uint8_t b[2] = { 0xd9, consts[gen_below(g, 7)] };
        return enc_bytes(g, b, 2);
    }
    if (gen_chance(g, 25))      /* FILD m32 */
        return gen_mem(g, &m, 4, 1, 0) && x87_mem_op(g, 0xdb, 0, &m);
    return x87_double(g, &m) && x87_mem_op(g, 0xdd, 0, &m);
}

static bool t_x87_binary(Gen *g)
{
    static const uint8_t ops[] = { 0xc1, 0xc9, 0xe1, 0xe9, 0xf1, 0xf9 };
    uint8_t b[2] = { 0xde, ops[gen_below(g, 6)] };
    return x87_load(g) && x87_load(g) && enc_bytes(g, b, 2) && x87_store_pop(g);
}

static bool t_x87_unary(Gen *g)
{
    static const uint8_t ops[] = { 0xe0, 0xe1, 0xfa, 0xfc, 0xe4, 0xe5 };
    uint8_t b[2] = { 0xd9, ops[gen_below(g, 6)] };
    return x87_load(g) && enc_bytes(g, b, 2) && x87_store_pop(g);
}

/* FCOMIP/FUCOMIP (EFLAGS), or FCOMPP + FNSTSW AX. */
static bool t_x87_compare(Gen *g)
{
    if (!x87_load(g) || !x87_load(g))
        return false;
    if (gen_chance(g, 50)) {
        uint8_t cmp[2] = { 0xdf, gen_chance(g, 50) ? 0xf1 : 0xe9 }, pop[2] = { 0xdd, 0xd8 };
        if (!enc_bytes(g, cmp, 2) || !enc_bytes(g, pop, 2))
            return false;
        gen_flags(g, DIFF_ARITH, 0);
        return true;
    }
    static const uint8_t compp[] = { 0xde, 0xd9 }, fnstsw[] = { 0xdf, 0xe0 };
    return enc_bytes(g, compp, 2) && enc_bytes(g, fnstsw, 2);
}

/* FLDCW: a rounding mode and a precision, exceptions masked. */
static bool t_x87_control(Gen *g)
{
    static const uint16_t pc[] = { 0x000, 0x200, 0x300 };
    uint16_t cw = (uint16_t)(0x3f | pc[gen_below(g, 3)] | gen_below(g, 4) << 10);
    Mem m;
    return gen_mem(g, &m, 2, 1, 0) && enc_store_imm(g, &m, 2, cw) && x87_mem_op(g, 0xd9, 5, &m);
}

/* FXCH, FPREM/FPREM1, FSCALE between two loaded values; the result of ST0
 * is stored, ST1 popped. */
static bool t_x87_pair(Gen *g)
{
    static const uint8_t ops[] = { 0xc9, 0xf8, 0xf5, 0xfd };
    uint8_t b[2] = { 0xd9, ops[gen_below(g, 4)] }, pop[2] = { 0xdd, 0xd9 };
    return x87_load(g) && x87_load(g) && enc_bytes(g, b, 2) && x87_store_pop(g) &&
           enc_bytes(g, pop, 2);
}

/* FIADD/FIMUL/FISUB/FIDIV m32 and FADD/FMUL/FCOM m64 with FNSTSW AX. */
static bool t_x87_memop(Gen *g)
{
    Mem m;
    int digit = (int)gen_below(g, 8);
    if (!x87_load(g))
        return false;
    if (gen_chance(g, 50)) {
        if (!gen_mem(g, &m, 4, 1, 0) || !x87_mem_op(g, 0xda, digit, &m))
            return false;
    } else if (!x87_double(g, &m) || !x87_mem_op(g, 0xdc, digit, &m)) {
        return false;
    }
    static const uint8_t fnstsw[] = { 0xdf, 0xe0 }, pop[] = { 0xdd, 0xd8 };
    if (digit == 2)                 /* FCOM kept ST0 */
        return enc_bytes(g, fnstsw, 2) && enc_bytes(g, pop, 2);
    if (digit == 3)                 /* FCOMP popped it */
        return enc_bytes(g, fnstsw, 2);
    return x87_store_pop(g);
}

TemplateFn *const gen_x87_templates[] = {
    t_x87_binary, t_x87_unary, t_x87_compare, t_x87_control, t_x87_pair, t_x87_memop,
};
const int gen_nb_x87_templates = 6;

/* ---- SSE ---- */

static Reg xmm_reg(Gen *g)
{
    return gen_reg_fixed((int)gen_below(g, g->m64 ? 16 : 8));
}

/* prefix (0 none) 0F op xmm, xmm/m128 [imm8]. */
static bool sse_rm(Gen *g, uint8_t prefix, uint8_t op, bool mem_ok, int imm)
{
    Enc e = enc_op0f(4, op);
    if (prefix)
        enc_prefix(&e, prefix);
    enc_set_reg(&e, xmm_reg(g), false);
    Mem m;
    if (mem_ok && gen_chance(g, 35)) {
        if (!gen_mem(g, &m, 16, 16, 0))
            return false;
        enc_set_rm_mem(&e, &m);
    } else {
        enc_set_rm_reg(&e, xmm_reg(g), false);
    }
    if (imm >= 0) {
        e.imm = (uint64_t)imm;
        e.imm_size = 1;
    }
    return enc_emit(g, &e);
}

static bool t_sse_int(Gen *g)
{
    static const uint8_t ops[] = {
        0xfc, 0xfd, 0xfe, 0xd4, 0xf8, 0xf9, 0xfa, 0xfb, 0xdb, 0xeb, 0xef, 0xdf,
        0x74, 0x75, 0x76, 0x64, 0x65, 0x66, 0x60, 0x61, 0x62, 0x68, 0x69, 0x6a,
        0x6c, 0x6d, 0xd5, 0xe5, 0xf4, 0xec, 0xed, 0xdc, 0xdd, 0xe8, 0xe9, 0xd8,
        0xd9, 0xda, 0xde, 0xea, 0xee, 0xe0, 0xe3, 0xf6, 0xd1, 0xd2, 0xd3, 0xe1,
        0xe2, 0xf1, 0xf2, 0xf3, 0x63, 0x67, 0x6b,
    };
    return sse_rm(g, 0x66, ops[gen_below(g, sizeof(ops))], true, -1);
}

static bool t_sse_shuffle(Gen *g)
{
    static const uint8_t pre[] = { 0x66, 0xf2, 0xf3 };
    if (gen_chance(g, 50))
        return sse_rm(g, pre[gen_below(g, 3)], 0x70, true, (int)gen_below(g, 256));
    static const struct { uint8_t op; int digit; } sh[] = {
        { 0x71, 2 }, { 0x71, 4 }, { 0x71, 6 }, { 0x72, 2 }, { 0x72, 4 }, { 0x72, 6 },
        { 0x73, 2 }, { 0x73, 3 }, { 0x73, 6 }, { 0x73, 7 },
    };
    int i = (int)gen_below(g, 10);
    Enc e = enc_op0f(4, sh[i].op);
    enc_prefix(&e, 0x66);
    e.reg = sh[i].digit;
    enc_set_rm_reg(&e, xmm_reg(g), false);
    e.imm = gen_below(g, 70);
    e.imm_size = 1;
    return enc_emit(g, &e);
}

static bool t_sse_float(Gen *g)
{
    static const uint8_t ops[] = { 0x58, 0x59, 0x5c, 0x5d, 0x5e, 0x5f, 0x51, 0x5a };
    static const uint8_t pre[] = { 0, 0x66, 0xf3, 0xf2 };
    uint8_t p = pre[gen_below(g, 4)];
    if (gen_chance(g, 20))
        return sse_rm(g, p, 0xc2, true, (int)gen_below(g, 8));
    return sse_rm(g, p, ops[gen_below(g, sizeof(ops))], true, -1);
}

/* MOVD/MOVQ, CVTSI2SD/SS, CVTTSD2SI, PMOVMSKB, (U)COMISD/SS. */
static bool t_sse_gpr(Gen *g)
{
    int size = g->m64 && gen_chance(g, 50) ? 8 : 4;
    Enc e;
    switch (gen_below(g, 5)) {
    case 0:     /* MOVD/MOVQ xmm, r/m */
        e = enc_op0f(size, 0x6e);
        enc_prefix(&e, 0x66);
        enc_set_reg(&e, xmm_reg(g), false);
        enc_set_rm_reg(&e, gen_reg_any(g, 4), false);
        break;
    case 1:     /* MOVD/MOVQ r, xmm */
        e = enc_op0f(size, 0x7e);
        enc_prefix(&e, 0x66);
        enc_set_reg(&e, xmm_reg(g), false);
        enc_set_rm_reg(&e, gen_reg_dst(g, 4, 0), false);
        break;
    case 2:     /* CVTSI2SD/SS xmm, r */
        e = enc_op0f(size, 0x2a);
        enc_prefix(&e, gen_chance(g, 50) ? 0xf2 : 0xf3);
        enc_set_reg(&e, xmm_reg(g), false);
        enc_set_rm_reg(&e, gen_reg_any(g, 4), false);
        break;
    case 3:     /* CVTTSD2SI/CVTSD2SI r, xmm */
        e = enc_op0f(size, gen_chance(g, 50) ? 0x2c : 0x2d);
        enc_prefix(&e, gen_chance(g, 50) ? 0xf2 : 0xf3);
        enc_set_reg(&e, gen_reg_dst(g, 4, 0), false);
        enc_set_rm_reg(&e, xmm_reg(g), false);
        break;
    default:    /* (U)COMISS/SD */
        e = enc_op0f(4, gen_chance(g, 50) ? 0x2e : 0x2f);
        if (gen_chance(g, 50))
            enc_prefix(&e, 0x66);
        enc_set_reg(&e, xmm_reg(g), false);
        enc_set_rm_reg(&e, xmm_reg(g), false);
        if (!enc_emit(g, &e))
            return false;
        gen_flags(g, DIFF_ARITH, 0);
        return true;
    }
    return enc_emit(g, &e);
}

static bool t_sse_move(Gen *g)
{
    Mem m;
    bool store = gen_chance(g, 50);
    Enc e = enc_op0f(4, store ? 0x7f : 0x6f);
    enc_prefix(&e, gen_chance(g, 50) ? 0xf3 : 0x66);
    if (!gen_mem(g, &m, 16, e.prefix[0] == 0x66 ? 16 : 1, 0))
        return false;
    enc_set_reg(&e, xmm_reg(g), false);
    enc_set_rm_mem(&e, &m);
    return enc_emit(g, &e);
}

/* LDMXCSR: a rounding mode, sometimes FTZ/DAZ, exceptions masked. */
static bool t_sse_control(Gen *g)
{
    uint32_t v = 0x1f80 | (uint32_t)gen_below(g, 4) << 13 |
                 (gen_chance(g, 20) ? 0x8000 : 0) | (gen_chance(g, 20) ? 0x40 : 0);
    Mem m;
    Enc e = enc_op0f(4, 0xae);
    e.reg = 2;
    if (!gen_mem(g, &m, 4, 4, 0) || !enc_store_imm(g, &m, 4, v))
        return false;
    enc_set_rm_mem(&e, &m);
    return enc_emit(g, &e);
}

/* Packed-single logic, shuffles and conversions: ANDPS ORPS XORPS
 * UNPCKLPS SHUFPS, CVT(T)PS2DQ CVTDQ2PD, MOVMSKPS/PMOVMSKB. */
static bool t_sse_misc(Gen *g)
{
    switch (gen_below(g, 6)) {
    case 0: return sse_rm(g, 0, (uint8_t[]){ 0x54, 0x56, 0x57, 0x14, 0x15 }[gen_below(g, 5)], true, -1);
    case 1: return sse_rm(g, 0, 0xc6, true, (int)gen_below(g, 256));
    case 2: return sse_rm(g, gen_chance(g, 50) ? 0x66 : 0xf3, 0x5b, true, -1);
    case 3: return sse_rm(g, 0xf3, 0xe6, true, -1);
    default: {
        Enc e = enc_op0f(4, gen_chance(g, 50) ? 0x50 : 0xd7);
        if (e.op[1] == 0xd7)
            enc_prefix(&e, 0x66);
        enc_set_reg(&e, gen_reg_dst(g, 4, 0), false);
        enc_set_rm_reg(&e, xmm_reg(g), false);
        return enc_emit(g, &e);
    }
    }
}

TemplateFn *const gen_sse_templates[] = {
    t_sse_int, t_sse_shuffle, t_sse_float, t_sse_gpr, t_sse_move, t_sse_control, t_sse_misc,
};
const int gen_nb_sse_templates = 7;
