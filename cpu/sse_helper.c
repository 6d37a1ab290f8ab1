/*
 * sse_helper.c - the MMX/SSE entry point h_sse and what every row shares:
 * descriptor unpacking, operand loads and stores (XMM, MMX, general
 * registers, guest memory), the MMX view of the x87 registers, and the
 * state instructions: moves, EMMS, FXSAVE/FXRSTOR, LDMXCSR/STMXCSR,
 * MOVNTI, MASKMOVQ/MASKMOVDQU.
 *
 * Invariants: see cpu/sse.h. Memory is accessed through cpu_ld/cpu_st at
 * the current CPL with the helper's return address, so a fault restores
 * the state of the faulting instruction. FXRSTOR reads the whole image
 * before it changes any state; FXSAVE and LDMXCSR/FXRSTOR follow SDM Vol. 1
 * Table 10-2/10-3 (the REX.W form stores 64-bit FPU IP/DP) and raise #GP(0)
 * for reserved MXCSR bits and a misaligned image.
 */
#include "cpu/sse.h"
#include "cpu/cpusys.h"

#define FSW_TOP_MASK 0x3800u
#define FSW_ES       0x0080u

/* --- elements and registers --- */

uint64_t sse_el(const XMMReg *x, unsigned i, unsigned esize)
{
    switch (esize) {
    case 1: return x->b[i];
    case 2: return x->w[i];
    case 4: return x->l[i];
    default: return x->q[i];
    }
}

void sse_set_el(XMMReg *x, unsigned i, unsigned esize, uint64_t v)
{
    switch (esize) {
    case 1: x->b[i] = (uint8_t)v; break;
    case 2: x->w[i] = (uint16_t)v; break;
    case 4: x->l[i] = (uint32_t)v; break;
    default: x->q[i] = v; break;
    }
}

uint64_t sse_mmx_get(CPUX86State *env, int i)
{
    return env->fpregs[i & 7].mant;
}

void sse_mmx_set(CPUX86State *env, int i, uint64_t v)
{
    env->fpregs[i & 7].mant = v;
    env->fpregs[i & 7].exp = 0xffff;
}

/* Every MMX instruction but EMMS: TOP = 0, all registers valid. */
static void sse_mmx_enter(CPUX86State *env)
{
    env->fpstt = 0;
    memset(env->fptags, 0, sizeof(env->fptags));
}

void sse_set_gpr(SseCtx *c, int reg, uint64_t v, unsigned size)
{
    c->env->regs[reg] = size == 8 ? v : (uint32_t)v;
}

void sse_set_eflags(SseCtx *c, uint32_t cc)
{
    c->env->cc_src = cc;
    c->env->cc_op = CC_OP_EFLAGS;
}

void sse_raise(SseCtx *c, int vector)
{
    if (vector == EXCP_GP) {
        raise_exception_err(c->env, EXCP_GP, 0, c->ra);
    }
    raise_exception(c->env, vector, c->ra);
}

/* --- memory and the rm operand --- */

static const MemOp mo_of_size[9] = { [1] = MO_8, [2] = MO_16, [4] = MO_32, [8] = MO_64 };

uint64_t sse_ld(SseCtx *c, unsigned off, MemOp mo)
{
    return cpu_ld(c->env, cpu_linear(c->env, c->addr + off), mo, cpu_mmu_index(c->env), c->ra);
}

void sse_st(SseCtx *c, unsigned off, uint64_t v, MemOp mo)
{
    cpu_st(c->env, cpu_linear(c->env, c->addr + off), v, mo, cpu_mmu_index(c->env), c->ra);
}

/* size bytes at c->addr + off into x from byte off, as 8-byte pieces. */
static void sse_ld_bytes(SseCtx *c, XMMReg *x, unsigned size)
{
    for (unsigned off = 0; off < size; off += 8) {
        unsigned n = size - off < 8 ? size - off : 8;
        sse_set_el(x, off / n, n, sse_ld(c, off, mo_of_size[n]));
    }
}

void sse_load_rm(SseCtx *c, XMMReg *out, unsigned size)
{
    const SseOp *op = c->op;

    memset(out, 0, sizeof(*out));
    if (c->mem) {
        sse_ld_bytes(c, out, size);
    } else if (op->flags & SSE_SMMX) {
        out->q[0] = sse_mmx_get(c->env, c->rm);
    } else if (op->flags & SSE_RM_GPR) {
        out->q[0] = c->env->regs[c->rm];
    } else {
        *out = c->env->xmm[c->rm];
    }
}

void sse_store_rm(SseCtx *c, const XMMReg *v, unsigned size)
{
    if (c->mem) {
        for (unsigned off = 0; off < size; off += 8) {
            unsigned n = size - off < 8 ? size - off : 8;
            sse_st(c, off, sse_el(v, off / n, n), mo_of_size[n]);
        }
    } else if (c->op->flags & SSE_SMMX) {
        sse_mmx_set(c->env, c->rm, v->q[0]);
    } else {
        c->env->xmm[c->rm] = *v;
    }
}

uint64_t sse_gpr_rm(SseCtx *c, unsigned size)
{
    if (c->mem) {
        return sse_ld(c, 0, mo_of_size[size]);
    }
    uint64_t v = c->env->regs[c->rm];
    return size == 8 ? v : v & ((1ULL << (8 * size)) - 1);
}

/* --- the entry point --- */

static void sse_unpack(SseCtx *c, CPUX86State *env, uint64_t desc, uint64_t addr)
{
    unsigned rex = desc >> SSE_DESC_REX & 15;

    c->env = env;
    c->addr = addr;
    c->opc = (uint8_t)(desc >> SSE_DESC_OPC);
    c->map = desc >> SSE_DESC_MAP & 3;
    c->pfx = desc >> SSE_DESC_PFX & 3;
    c->modrm = (uint8_t)(desc >> SSE_DESC_MODRM);
    c->imm = (uint8_t)(desc >> SSE_DESC_IMM);
    c->opsize = desc >> SSE_DESC_OPSIZE & 15;
    c->code64 = desc >> SSE_DESC_CODE64 & 1;
    c->rexw = rex >> 3 & 1;
    c->rexp = desc >> SSE_DESC_REXP & 1;
    c->mem = (c->modrm >> 6) != 3;
    c->reg = (uint8_t)((c->modrm >> 3 & 7) | (rex >> 2 & 1) << 3);
    c->rm = (uint8_t)((c->modrm & 7) | (rex & 1) << 3);
}

static unsigned sse_msize(const SseCtx *c)
{
    return sse_mem_size(c->op, c->opsize, c->rexw);
}

static void helper_sse(CPUX86State *env, uint64_t desc, uint64_t addr)
{
    SseCtx c = { .ra = ir_getpc() };
    const SseOp *op;
    bool mmx_dst, mmx_state;

    sse_unpack(&c, env, desc, addr);
    op = sse_lookup(c.map, c.opc, c.pfx, c.modrm);
    assert(op && op->fn);
    c.op = op;
    mmx_dst = op->flags & SSE_DMMX;
    c.width = op->flags & SSE_MMX ? 8 : 16;
    /* x87 -> MMX transition: an MMX register operand (SDM Vol. 1 9.6) */
    mmx_state = !(op->flags & SSE_NO_MMXST) &&
                ((op->flags & SSE_DMMX) || ((op->flags & SSE_SMMX) && !c.mem));
    if (op->flags & SSE_SMMX) {
        c.rm &= 7;
    }
    if (op->flags & SSE_DMMX) {
        c.reg &= 7;
    }
    if (mmx_state && (env->fpus & FSW_ES) && (env->cr[0] & CR0_NE)) {
        sse_raise(&c, EXCP_MF);
    }
    if (c.mem && sse_msize(&c) == 16 && !(op->flags & SSE_UNALIGNED) && (addr & 15)) {
        sse_raise(&c, EXCP_GP);
    }
    if (mmx_dst) {
        c.dst.q[0] = sse_mmx_get(env, c.reg);
    } else {
        c.dst = env->xmm[c.reg];
    }
    if (!(op->flags & SSE_NOLOAD)) {
        sse_load_rm(&c, &c.src, sse_msize(&c));
    }
    if (mmx_state) {
        sse_mmx_enter(env);
    }
    op->fn(&c);
    if (!(op->flags & SSE_NOWB)) {
        if (mmx_dst) {
            sse_mmx_set(env, c.reg, c.dst.q[0]);
        } else {
            env->xmm[c.reg] = c.dst;
        }
    }
}
DEF_HELPER(sse, 2, false, 0);

/* --- moves --- */

/* MOVAPS/MOVUPS/MOVDQA/MOVDQU/MOVQ mm/LDDQU/MOVNTDQA: dst = src. */
void sse_mov(SseCtx *c)
{
    c->dst = c->src;
}

/* The store forms: rm = reg. */
void sse_mov_store(SseCtx *c)
{
    XMMReg v = c->dst;
    sse_store_rm(c, &v, c->op->msize);
}

/* MOVQ xmm, xmm/m64 (F3 0F 7E): upper half cleared. */
void sse_movq(SseCtx *c)
{
    c->dst.q[0] = c->src.q[0];
    c->dst.q[1] = 0;
}

/* MOVQ xmm/m64, xmm (66 0F D6). */
void sse_movq_store(SseCtx *c)
{
    XMMReg v = { .q = { c->dst.q[0], 0 } };
    sse_store_rm(c, &v, 8);
}

/* MOVSS/MOVSD loads: memory clears the rest, a register merges. */
void sse_movs_load(SseCtx *c)
{
    unsigned es = c->op->esize;
    if (c->mem) {
        c->dst = c->src;
    } else {
        sse_set_el(&c->dst, 0, es, sse_el(&c->src, 0, es));
    }
}

/* MOVSS/MOVSD/MOVLPS/MOVLPD stores of the low element. */
void sse_movs_store(SseCtx *c)
{
    unsigned es = c->op->esize;
    if (c->mem) {
        sse_st(c, 0, sse_el(&c->dst, 0, es), mo_of_size[es]);
    } else {
        sse_set_el(&c->env->xmm[c->rm], 0, es, sse_el(&c->dst, 0, es));
    }
}

/* 0F 12/16: MOVLPS/MOVLPD/MOVHPS/MOVHPD loads, MOVHLPS/MOVLHPS (aux: half). */
void sse_movlh(SseCtx *c)
{
    unsigned h = c->op->aux;
    c->dst.q[h] = c->mem ? c->src.q[0] : c->src.q[1 - h];
}

/* 0F 13/17: store the low/high quadword. */
void sse_movlh_store(SseCtx *c)
{
    sse_st(c, 0, c->dst.q[c->op->aux], MO_64);
}

/* MOVSLDUP (aux 0), MOVSHDUP (1), MOVDDUP (2). */
void sse_movdup(SseCtx *c)
{
    const XMMReg s = c->src;
    if (c->op->aux == 2) {
        c->dst.q[0] = c->dst.q[1] = s.q[0];
        return;
    }
    for (int i = 0; i < 4; i++) {
        c->dst.l[i] = s.l[(i & ~1) + c->op->aux];
    }
}

/* MOVD/MOVQ mm/xmm, r/m32/64: zero-extended. */
void sse_movd_load(SseCtx *c)
{
    memset(&c->dst, 0, sizeof(c->dst));
    c->dst.q[0] = c->src.q[0] & (c->rexw ? ~0ULL : 0xffffffffULL);
}

/* MOVD/MOVQ r/m32/64, mm/xmm. */
void sse_movd_store(SseCtx *c)
{
    unsigned size = c->rexw ? 8 : 4;
    if (c->mem) {
        sse_st(c, 0, c->dst.q[0], mo_of_size[size]);
    } else {
        sse_set_gpr(c, c->rm, c->dst.q[0], size);
    }
}

/* MOVMSKPS/MOVMSKPD r32, xmm: the sign bits. */
void sse_movmsk(SseCtx *c)
{
    unsigned es = c->op->esize, n = 16 / es;
    uint32_t m = 0;
    for (unsigned i = 0; i < n; i++) {
        m |= (uint32_t)(sse_el(&c->src, i, es) >> (8 * es - 1)) << i;
    }
    sse_set_gpr(c, c->reg, m, 4);
}

/* MOVQ2DQ xmm, mm and MOVDQ2Q mm, xmm. */
void sse_movq2dq(SseCtx *c)
{
    c->dst.q[0] = c->src.q[0];
    c->dst.q[1] = 0;
}

void sse_movdq2q(SseCtx *c)
{
    c->dst.q[0] = c->src.q[0];
}

void sse_emms(SseCtx *c)
{
    memset(c->env->fptags, 1, sizeof(c->env->fptags));
}

/* MOVNTI m32/64, r32/64. */
void sse_movnti(SseCtx *c)
{
    sse_st(c, 0, c->env->regs[c->reg], mo_of_size[sse_msize(c)]);
}

/* MASKMOVQ/MASKMOVDQU: bytes of reg whose rm byte has its top bit set, to DS:rDI. */
void sse_maskmov(SseCtx *c)
{
    for (unsigned i = 0; i < c->width; i++) {
        if (c->src.b[i] & 0x80) {
            sse_st(c, i, c->dst.b[i], MO_8);
        }
    }
}

/* --- MXCSR and FXSAVE/FXRSTOR --- */

static void sse_check_mxcsr(SseCtx *c, uint32_t v)
{
    if (v & ~MXCSR_WRITABLE) {
        sse_raise(c, EXCP_GP);
    }
}

void sse_ldmxcsr(SseCtx *c)
{
    uint32_t v = (uint32_t)sse_ld(c, 0, MO_32);
    sse_check_mxcsr(c, v);
    c->env->mxcsr = v;
}

void sse_stmxcsr(SseCtx *c)
{
    sse_st(c, 0, c->env->mxcsr, MO_32);
}

#define FX_IMAGE 512
#define FX_MXCSR 24
#define FX_ST(i)  (32 + 16 * (i))
#define FX_XMM(i) (160 + 16 * (i))

static void fx_put(uint8_t *img, unsigned off, uint64_t v, unsigned size)
{
    memcpy(img + off, &v, size);     /* little-endian host assumed by XMMReg too */
}

static uint64_t fx_get(const uint8_t *img, unsigned off, unsigned size)
{
    uint64_t v = 0;
    memcpy(&v, img + off, size);
    return v;
}

static unsigned fx_nb_xmm(const SseCtx *c)
{
    return c->code64 ? 16 : 8;
}

static void sse_fx_check(SseCtx *c)
{
    if (c->addr & 15) {
        sse_raise(c, EXCP_GP);
    }
}

void sse_fxsave(SseCtx *c)
{
    CPUX86State *env = c->env;
    uint8_t img[FX_IMAGE] = { 0 };
    unsigned ftw = 0, end = FX_XMM(fx_nb_xmm(c));

    sse_fx_check(c);
    for (int i = 0; i < 8; i++) {
        ftw |= (unsigned)!env->fptags[i] << i;
        const FloatX80 *r = &env->fpregs[(env->fpstt + i) & 7];
        fx_put(img, FX_ST(i), r->mant, 8);
        fx_put(img, FX_ST(i) + 8, r->exp, 2);
    }
    fx_put(img, 0, env->fpuc, 2);
    fx_put(img, 2, (env->fpus & ~FSW_TOP_MASK) | (env->fpstt & 7) << 11, 2);
    fx_put(img, 4, ftw, 1);
    fx_put(img, 6, env->fpop & 0x7ff, 2);
    if (c->rexw) {
        fx_put(img, 8, env->fpip, 8);
        fx_put(img, 16, env->fpdp, 8);
    } else {
        fx_put(img, 8, env->fpip, 4);
        fx_put(img, 12, env->fpcs, 2);
        fx_put(img, 16, env->fpdp, 4);
        fx_put(img, 20, env->fpds, 2);
    }
    fx_put(img, FX_MXCSR, env->mxcsr, 4);
    fx_put(img, FX_MXCSR + 4, MXCSR_WRITABLE, 4);
    memcpy(img + FX_XMM(0), env->xmm, end - FX_XMM(0));
    for (unsigned off = 0; off < end; off += 8) {
        sse_st(c, off, fx_get(img, off, 8), MO_64);
    }
}

void sse_fxrstor(SseCtx *c)
{
    CPUX86State *env = c->env;
    uint8_t img[FX_IMAGE];
    unsigned end = FX_XMM(fx_nb_xmm(c));

    sse_fx_check(c);
    for (unsigned off = 0; off < end; off += 8) {
        fx_put(img, off, sse_ld(c, off, MO_64), 8);
    }
    sse_check_mxcsr(c, (uint32_t)fx_get(img, FX_MXCSR, 4));
    unsigned fsw = (unsigned)fx_get(img, 2, 2), ftw = (unsigned)fx_get(img, 4, 1);
    env->fpuc = (uint16_t)fx_get(img, 0, 2);
    env->fpus = (uint16_t)(fsw & ~FSW_TOP_MASK);
    env->fpstt = fsw >> 11 & 7;
    env->fpop = (uint16_t)(fx_get(img, 6, 2) & 0x7ff);
    if (c->rexw) {
        env->fpip = fx_get(img, 8, 8);
        env->fpdp = fx_get(img, 16, 8);
    } else {
        env->fpip = fx_get(img, 8, 4);
        env->fpcs = (uint16_t)fx_get(img, 12, 2);
        env->fpdp = fx_get(img, 16, 4);
        env->fpds = (uint16_t)fx_get(img, 20, 2);
    }
    for (int i = 0; i < 8; i++) {
        env->fptags[i] = !(ftw >> i & 1);
        FloatX80 *r = &env->fpregs[(env->fpstt + i) & 7];
        r->mant = fx_get(img, FX_ST(i), 8);
        r->exp = (uint16_t)fx_get(img, FX_ST(i) + 8, 2);
    }
    env->mxcsr = (uint32_t)fx_get(img, FX_MXCSR, 4);
    memcpy(env->xmm, img + FX_XMM(0), end - FX_XMM(0));
}
