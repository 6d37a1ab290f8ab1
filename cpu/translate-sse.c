/*
 * translate-sse.c - translation of the MMX/SSE/SSE2/SSE3/SSSE3/SSE4.1/
 * SSE4.2 rows (X86_SSE) and FXSAVE/FXRSTOR/LDMXCSR/STMXCSR.
 *
 * The decoder gives only the opcode, prefixes, ModRM, memory operand and
 * imm8 of these rows; the row itself is found in sse_ops (cpu/sse.h).
 * At translation time this file raises what depends only on the block's
 * hflags and the CPU model (SDM Vol. 3 Table 13-1/2.5):
 *   - no row for the opcode/prefix/ModRM form, or an extension the CPUID
 *     model does not advertise: #UD;
 *   - CR0.EM: #UD (FXSAVE/FXRSTOR: #NM);
 *   - CR4.OSFXSR clear: #UD for SSE rows (MMX rows do not need it);
 *   - CR0.TS: #NM.
 * CRC32 and MOVNTI are integer instructions and skip these checks.
 * Everything else (alignment #GP, #XM/#UD for unmasked SIMD exceptions,
 * #MF before MMX instructions, MXCSR reserved bits) is checked by the
 * helper at run time, with the faulting instruction's state restorable.
 *
 * The logic instructions on XMM registers (PXOR/PAND/POR/PANDN, their PS/PD
 * twins), PCMPEQB/W/D/Q, register-to-register MOVAPS/MOVDQA/MOVUPS/MOVDQU
 * and their 16-byte loads and stores (with the inline alignment #GP),
 * MOVSS/MOVSD loads and stores, MOVD/MOVQ xmm, r/m and PMOVMSKB r32, xmm
 * are done inline on the env xmm fields (the string
 * functions of a 64-bit libc live on these); the rest call
 * h_sse(descriptor, address).
 */
#include "cpu/translate.h"
#include "cpu/cpusys.h"
#include "cpu/sse.h"

/* Whether the CPU model has the extension (no model: everything). */
static bool sse_model_has(const CPUX86State *env, SseFeature f)
{
    static const struct { bool ecx; uint32_t bit; } bits[] = {
        [SSE_FEAT_MMX] = { false, CPUID_MMX }, [SSE_FEAT_SSE] = { false, CPUID_SSE },
        [SSE_FEAT_SSE2] = { false, CPUID_SSE2 }, [SSE_FEAT_FXSR] = { false, CPUID_FXSR },
        [SSE_FEAT_SSE3] = { true, CPUID_EXT_SSE3 }, [SSE_FEAT_SSSE3] = { true, CPUID_EXT_SSSE3 },
        [SSE_FEAT_SSE41] = { true, CPUID_EXT_SSE41 }, [SSE_FEAT_SSE42] = { true, CPUID_EXT_SSE42 },
    };
    const CPUIDModel *m = env->cpuid;
    if (!m) {
        return true;
    }
    return (bits[f].ecx ? m->features_ecx : m->features_edx) & bits[f].bit;
}

static unsigned sse_prefix_index(const Insn *in)
{
    if (in->prefixes & PFX_REPZ) {
        return SSE_PFX_F3;
    }
    if (in->prefixes & PFX_REPNZ) {
        return SSE_PFX_F2;
    }
    return in->prefixes & PFX_OPSIZE ? SSE_PFX_66 : SSE_PFX_NONE;
}

static uint8_t sse_modrm(const Insn *in)
{
    return in->has_modrm ? in->modrm : 0xc0;   /* EMMS: no operand */
}

/* The exception the CR0/CR4 state gives before the instruction runs, or -1. */
static int sse_state_fault(const DisasContext *dc, const SseOp *op)
{
    uint32_t f = dc->flags;

    if (op->flags & SSE_INTEGER) {
        return -1;
    }
    if (op->flags & SSE_FXSR) {
        return f & (HF_EM | HF_TS) ? EXCP_NM : -1;
    }
    if ((f & HF_EM) || (!(op->flags & SSE_MMX) && !(f & HF_OSFXSR))) {
        return EXCP_UD;
    }
    return f & HF_TS ? EXCP_NM : -1;
}

static uint64_t sse_desc(const DisasContext *dc, const Insn *in, unsigned pfx)
{
    uint64_t imm = 0;
    for (int i = 0; i < in->nb_ops; i++) {
        if (in->ops[i].kind == OPK_IMM) {
            imm = (uint64_t)in->ops[i].imm & 0xff;
        }
    }
    return (uint64_t)(in->opcode & 0xff) << SSE_DESC_OPC |
           (uint64_t)(in->opcode >> 8 & 3) << SSE_DESC_MAP |
           (uint64_t)pfx << SSE_DESC_PFX |
           (uint64_t)sse_modrm(in) << SSE_DESC_MODRM |
           (uint64_t)(in->rex & 15) << SSE_DESC_REX |
           imm << SSE_DESC_IMM |
           (uint64_t)in->opsize << SSE_DESC_OPSIZE |
           (uint64_t)dc->code64 << SSE_DESC_CODE64 |
           (uint64_t)(in->rex != 0) << SSE_DESC_REXP;
}

/* Linear address of the memory operand: ModRM memory, or seg:rDI for MASKMOV. */
static IRTemp sse_address(DisasContext *dc, const Insn *in, const SseOp *op)
{
    unsigned size = sse_mem_size(op, in->opsize, in->rex & 8);

    if (op->flags & SSE_IMPLICIT_DI) {
        IRTemp off = x86_tmp(dc);
        x86_ext(dc, off, G_REG(R_EDI), in->addrsize, false);
        return x86_seg_linear(dc, in->mem.seg, off, op->msize, in->addrsize, true);
    }
    if ((sse_modrm(in) >> 6) != 3) {
        dc->mem_write = op->flags & SSE_WRITES;
        return x86_mem_addr(dc, (int)size);
    }
    return x86_const(dc, 0);
}

/* --- inline forms on XMM registers --- */

static intptr_t xmm_off(int reg, int half)
{
    return (intptr_t)offsetof(CPUX86State, xmm[reg].q[half]);
}

static int sse_reg(const Insn *in) { return (in->modrm >> 3 & 7) | (in->rex >> 2 & 1) << 3; }
static int sse_rm(const Insn *in) { return (in->modrm & 7) | (in->rex & 1) << 3; }

/* The lane functions done inline on 64-bit halves (PCMPEQ: sse_gen_cmpeq). */
static const struct {
    SseLaneFn *lane;
    IROpcode opc;
} inline_lanes[] = {
    { sse_lane_xor, IR_xor }, { sse_lane_and, IR_and }, { sse_lane_or, IR_or },
    { sse_lane_andn, IR_andc }, { sse_lane_cmpeq, IR_xor },
};

/* Whether op is a move or a lane operation done inline; *opc: its IR op. */
static bool sse_inline_opc(const SseOp *op, IROpcode *opc)
{
    if (op->fn == sse_mov) {
        *opc = IR_mov;
        return true;
    }
    for (size_t i = 0; op->fn == sse_lane && i < ARRAY_SIZE(inline_lanes); i++) {
        if (inline_lanes[i].lane == op->lane) {
            *opc = inline_lanes[i].opc;
            return true;
        }
    }
    return false;
}

/* PCMPEQ on the lanes of a half: a lane's low bits plus all ones below its
 * top bit carry into the top bit iff they are not all zero, and never out of
 * the lane; an equal lane's top bit then spreads over the lane. */
static void sse_gen_cmpeq(DisasContext *dc, IRTemp d, IRTemp a, IRTemp b, unsigned bits)
{
    IRContext *s = dc->s;
    uint64_t top = ~0ULL / (bits == 64 ? ~0ULL : (1ULL << bits) - 1) << (bits - 1);
    IRTemp x = x86_tmp(dc), t = x86_tmp(dc), low = x86_const(dc, ~top);

    ir_xor(s, x, a, b);
    ir_and(s, t, x, low);
    ir_add(s, t, t, low);
    ir_or(s, t, t, x);
    ir_op2(s, IR_andc, t, x86_const(dc, top), t);      /* top bits of the equal lanes */
    ir_shri(s, x, t, bits - 1);
    ir_sub(s, d, t, x);
    ir_or(s, d, d, t);
}

/* d = a <op> b on one half (a: destination, b: source). */
static void sse_gen_half(DisasContext *dc, const SseOp *op, IROpcode opc, IRTemp d, IRTemp a,
                         IRTemp b)
{
    if (opc == IR_mov) {
        ir_mov(dc->s, d, b);
    } else if (op->lane == sse_lane_cmpeq) {
        sse_gen_cmpeq(dc, d, a, b, 8 * op->esize);
    } else if (opc == IR_andc) {
        ir_op2(dc->s, opc, d, b, a);       /* dst = src & ~dst */
    } else {
        ir_op2(dc->s, opc, d, a, b);
    }
}

/* XMM[reg] = XMM[reg] <op> src, two 64-bit halves. */
static void sse_gen_binop(DisasContext *dc, const SseOp *op, IROpcode opc, int reg,
                          const IRTemp src[2])
{
    IRContext *s = dc->s;
    for (int h = 0; h < 2; h++) {
        IRTemp a = x86_tmp(dc), d = x86_tmp(dc);
        if (opc != IR_mov) {
            ir_ld(s, IR_ld, a, s->env, xmm_off(reg, h));
        }
        sse_gen_half(dc, op, opc, d, a, src[h]);
        ir_st(s, IR_st, d, s->env, xmm_off(reg, h));
    }
}

/* PMOVMSKB r32, xmm: the top bit of each byte, a half's eight gathered into
 * its top byte by one multiply. */
static void sse_gen_pmovmskb(DisasContext *dc, int reg, int rm)
{
    IRContext *s = dc->s;
    IRTemp mask = x86_tmp(dc);
    for (int h = 0; h < 2; h++) {
        IRTemp t = x86_tmp(dc);
        ir_ld(s, IR_ld, t, s->env, xmm_off(rm, h));
        ir_shri(s, t, t, 7);
        ir_andi(s, t, t, 0x0101010101010101ULL);
        ir_mul(s, t, t, x86_const(dc, 0x0102040810204080ULL));
        ir_shri(s, t, t, 56 - 8 * h);
        if (h) {
            ir_andi(s, t, t, 0xff00);
            ir_or(s, mask, mask, t);
        } else {
            ir_mov(s, mask, t);
        }
    }
    x86_st_reg(dc, reg, 4, false, mask);
}

/* XMM[reg] = v zero-extended (MOVD/MOVQ xmm, MOVSS/MOVSD xmm, m32/m64). */
static void sse_gen_set_low(DisasContext *dc, int reg, IRTemp v)
{
    IRContext *s = dc->s;
    ir_st(s, IR_st, v, s->env, xmm_off(reg, 0));
    ir_st(s, IR_st, x86_const(dc, 0), s->env, xmm_off(reg, 1));
}

/* The operand size of MOVD/MOVQ xmm, r/m (REX.W: 64 bits). */
static int sse_movd_size(const Insn *in)
{
    return in->rex & 8 ? 8 : 4;
}

/* Register forms: XMM registers only, MOVD/MOVQ xmm, r32/r64, or PMOVMSKB. */
static bool sse_inline_reg(DisasContext *dc, const Insn *in, const SseOp *op)
{
    IRContext *s = dc->s;
    int reg = sse_reg(in), rm = sse_rm(in);
    IROpcode opc;

    if (op->fn == sse_pmovmskb) {
        sse_gen_pmovmskb(dc, reg, rm);
        return true;
    }
    if (op->fn == sse_movd_load) {
        sse_gen_set_low(dc, reg, x86_ld_reg(dc, rm, sse_movd_size(in), false));
        return true;
    }
    if (!sse_inline_opc(op, &opc)) {
        return false;
    }
    IRTemp src[2] = { x86_tmp(dc), x86_tmp(dc) };
    for (int h = 0; h < 2; h++) {
        ir_ld(s, IR_ld, src[h], s->env, xmm_off(rm, h));
    }
    sse_gen_binop(dc, op, opc, reg, src);
    return true;
}

/* #GP(0) unless addr is 16-byte aligned; returns addr as a TB temp. */
static IRTemp sse_check_aligned(DisasContext *dc, IRTemp addr)
{
    IRContext *s = dc->s;
    IRTemp a = ir_temp_tb(s, IR_I64);
    IRLabel *ok = ir_label_new(s);

    ir_mov(s, a, addr);
    x86_sync_cc_op(dc);
    ir_brcondi(s, IR_COND_TSTEQ, a, 15, ok);
    x86_raise_err(dc, EXCP_GP, 0);
    ir_set_label(s, ok);
    return a;
}

/* The linear address of the second quadword (wrapping at 4 GiB outside
 * 64-bit code). */
static IRTemp sse_addr_hi(DisasContext *dc, IRTemp addr)
{
    IRTemp t = x86_tmp(dc);
    ir_addi(dc->s, t, addr, 8);
    if (!dc->code64) {
        ir_op1(dc->s, IR_ext32u, t, t);
    }
    return t;
}

/* 16-byte loads and stores between XMM registers and memory
 * (MOVAPS/MOVUPS/MOVDQA/MOVDQU/LDDQU/MOVNTDQA and the store forms) and the
 * inline lane operations with a memory source. Both halves are loaded
 * before the register is written; a store whose second half faults has
 * written the first (like the helper path). */
static bool sse_inline_mem(DisasContext *dc, const Insn *in, const SseOp *op)
{
    IRContext *s = dc->s;
    bool store = op->fn == sse_mov_store;
    int reg = sse_reg(in);
    IROpcode opc = IR_mov;

    if ((!store && !sse_inline_opc(op, &opc)) || op->msize != 16) {
        return false;
    }
    dc->mem_write = store;
    IRTemp addr = x86_mem_addr(dc, 16);
    if (!(op->flags & SSE_UNALIGNED)) {
        addr = sse_check_aligned(dc, addr);
    }
    IRTemp addr_hi = sse_addr_hi(dc, addr);
    if (store) {
        for (int h = 0; h < 2; h++) {
            IRTemp v = x86_tmp(dc);
            ir_ld(s, IR_ld, v, s->env, xmm_off(reg, h));
            x86_st_mem(dc, h ? addr_hi : addr, v, 8);
        }
    } else {
        IRTemp src[2] = { x86_ld_mem(dc, addr, 8, false), x86_ld_mem(dc, addr_hi, 8, false) };
        sse_gen_binop(dc, op, opc, reg, src);
    }
    return true;
}

/* MOVSS/MOVSD/MOVD/MOVQ xmm, m32/m64 (the rest of the register cleared)
 * and MOVSS/MOVSD m32/m64, xmm: scalar doubles in awk live on these. */
static bool sse_inline_scalar_mem(DisasContext *dc, const Insn *in, const SseOp *op)
{
    IRContext *s = dc->s;
    bool store = op->fn == sse_movs_store;
    int reg = sse_reg(in);

    if (!store && op->fn != sse_movs_load && op->fn != sse_movd_load) {
        return false;
    }
    int size = op->fn == sse_movd_load ? sse_movd_size(in) : (int)op->esize;
    dc->mem_write = store;
    IRTemp addr = x86_mem_addr(dc, size);
    if (store) {
        IRTemp v = x86_tmp(dc);
        ir_ld(s, IR_ld, v, s->env, xmm_off(reg, 0));
        x86_st_mem(dc, addr, v, size);
    } else {
        sse_gen_set_low(dc, reg, x86_ld_mem(dc, addr, size, false));
    }
    return true;
}

static bool sse_try_inline(DisasContext *dc, const Insn *in, const SseOp *op)
{
    if (op->flags & SSE_MMX) {
        return false;
    }
    if ((in->modrm >> 6) == 3) {
        return sse_inline_reg(dc, in, op);
    }
    return sse_inline_scalar_mem(dc, in, op) || sse_inline_mem(dc, in, op);
}

void x86_disas_SSE(DisasContext *dc, const Insn *in)
{
    unsigned pfx = sse_prefix_index(in);
    const SseOp *op = sse_lookup(in->opcode >> 8, in->opcode & 0xff, pfx, sse_modrm(in));
    int fault;

    if (!op || !sse_model_has(dc->env, sse_feature(in->opcode >> 8, in->opcode & 0xff, pfx,
                                                    sse_modrm(in), op))) {
        x86_gen_exception(dc, EXCP_UD, -1);
        return;
    }
    fault = sse_state_fault(dc, op);
    if (fault >= 0) {
        x86_gen_exception(dc, fault, -1);
        return;
    }
    if (sse_try_inline(dc, in, op)) {
        return;
    }
    IRTemp addr = sse_address(dc, in, op);
    x86_call_helper(dc, &h_sse, IR_NO_TEMP,
                    (IRTemp[]){ x86_const(dc, sse_desc(dc, in, pfx)), addr });
    if (op->flags & SSE_FLAGS) {
        x86_cc_op_from_helper(dc, CC_OP_EFLAGS);
    }
}
