/*
 * fpu_helper.c - the x87 entry points h_fpu and h_fwait with the parts of
 * x87 that are state management rather than arithmetic: device-not-available
 * (#NM) and pending-error (#MF) checks, FNINIT/FNCLEX, FNSTSW/FNSTCW/
 * FLDCW, FNSTENV/FLDENV and FNSAVE/FRSTOR (SDM Vol. 1 8.1.10, Figures 8-9
 * to 8-12), the last-instruction pointers (FIP/FCS, FDP/FDS, FOP), and the
 * per-instruction flag commit. The data and arithmetic instructions are in
 * fpu_insn.c.
 *
 * The h_fpu operand packs: bits 0-7 ModRM, 8-10 the escape (D8..DF & 7),
 * 11-13 the memory operand's segment register, 15 a 32/64-bit operand
 * size (the FNSTENV/FNSAVE format; clear: 16-bit), 16-63 the instruction's
 * EIP/RIP (sign-extended from 48 bits); addr is the operand's linear
 * address. (The escape byte D8..DF itself in bits 8-15 thus means DS and
 * the 32-bit format.)
 *
 * Invariants: fptags[] is indexed by physical register, fpus holds the
 * status word without TOP (fpstt); a load (FLDENV/FRSTOR) reads the whole
 * image before it changes any state, so a fault leaves the FPU intact.
 * ES and B are kept equal to "an unmasked exception flag is set". The
 * environment format follows the operand size (16/32-bit; 32-bit in
 * 64-bit mode). Real mode uses the protected-mode layout.
 */
#include "cpu/fpu.h"
#include "kestrel/log.h"

uint16_t fpu_get_fsw(const CPUX86State *env)
{
    return (uint16_t)((env->fpus & ~FSW_TOP_MASK) | (env->fpstt & 7) << 11);
}

/* 2-bit tag of a non-empty register: 0 valid, 1 zero, 2 special. */
static unsigned fpu_tag(const FloatX80 *r)
{
    unsigned e = r->exp & 0x7fff;
    if (e == 0 && r->mant == 0) {
        return 1;
    }
    return (e == 0 || e == 0x7fff || !(r->mant >> 63)) ? 2 : 0;
}

uint16_t fpu_get_ftw(const CPUX86State *env)
{
    uint16_t tw = 0;
    for (int i = 0; i < 8; i++) {
        tw |= (uint16_t)((env->fptags[i] ? 3 : fpu_tag(&env->fpregs[i])) << (2 * i));
    }
    return tw;
}

static const FpuEnvLayout fpu_env32 = { 28, 4, 8, 12, 16, 20, 24, MO_32 };
static const FpuEnvLayout fpu_env16 = { 14, 2, 4, 6, 8, 10, 12, MO_16 };

static void fpu_store_env(const FpuAccess *a)
{
    CPUX86State *env = a->env;
    const FpuEnvLayout *l = a->l;
    uint32_t cs = env->fpcs | (l == &fpu_env32 ? (uint32_t)(env->fpop & 0x7ff) << 16 : 0);
    fpa_st(a, 0, env->fpuc, l->mo);
    fpa_st(a, l->fsw, fpu_get_fsw(env), l->mo);
    fpa_st(a, l->ftw, fpu_get_ftw(env), l->mo);
    fpa_st(a, l->ip, env->fpip, l->mo);
    fpa_st(a, l->cs, cs, l->mo);
    fpa_st(a, l->dp, env->fpdp, l->mo);
    fpa_st(a, l->ds, env->fpds, l->mo);
}

typedef struct FpuEnvImage {
    uint16_t fcw, fsw, ftw;
    uint32_t ip, cs, dp, ds;
} FpuEnvImage;

static void fpu_read_env(const FpuAccess *a, FpuEnvImage *img)
{
    const FpuEnvLayout *l = a->l;
    img->fcw = (uint16_t)fpa_ld(a, 0, MO_16);
    img->fsw = (uint16_t)fpa_ld(a, l->fsw, MO_16);
    img->ftw = (uint16_t)fpa_ld(a, l->ftw, MO_16);
    img->ip = (uint32_t)fpa_ld(a, l->ip, l->mo);
    img->cs = (uint32_t)fpa_ld(a, l->cs, l->mo);
    img->dp = (uint32_t)fpa_ld(a, l->dp, l->mo);
    img->ds = (uint32_t)fpa_ld(a, l->ds, MO_16);
}

static void fpu_apply_env(CPUX86State *env, const FpuEnvImage *img, bool env32)
{
    env->fpuc = img->fcw;
    env->fpus = img->fsw & ~FSW_TOP_MASK;
    env->fpstt = (img->fsw >> 11) & 7;
    for (int i = 0; i < 8; i++) {
        env->fptags[i] = ((img->ftw >> (2 * i)) & 3) == 3;
    }
    env->fpip = img->ip;
    env->fpcs = (uint16_t)img->cs;
    env->fpop = env32 ? (img->cs >> 16) & 0x7ff : 0;
    env->fpdp = img->dp;
    env->fpds = (uint16_t)img->ds;
    fpu_update_es(env);
}

static void fpu_fnsave(const FpuAccess *a)
{
    CPUX86State *env = a->env;
    fpu_store_env(a);
    for (unsigned i = 0; i < 8; i++) {
        const FloatX80 *r = &env->fpregs[(env->fpstt + i) & 7];
        fpa_st(a, a->l->size + i * 10, r->mant, MO_64);
        fpa_st(a, a->l->size + i * 10 + 8, r->exp, MO_16);
    }
    cpu_fpu_init(env);
}

static void fpu_frstor(const FpuAccess *a)
{
    CPUX86State *env = a->env;
    FpuEnvImage img;
    FloatX80 st[8];
    fpu_read_env(a, &img);
    for (unsigned i = 0; i < 8; i++) {
        st[i].mant = fpa_ld(a, a->l->size + i * 10, MO_64);
        st[i].exp = (uint16_t)fpa_ld(a, a->l->size + i * 10 + 8, MO_16);
    }
    fpu_apply_env(env, &img, a->l == &fpu_env32);
    for (unsigned i = 0; i < 8; i++) {
        env->fpregs[(env->fpstt + i) & 7] = st[i];
    }
}

void fpu_update_es(CPUX86State *env)
{
    bool pending = (env->fpus & ~env->fpuc & FCW_EXC_MASK) != 0;
    env->fpus = (uint16_t)((env->fpus & ~(FSW_ES | FSW_B)) | (pending ? FSW_ES | FSW_B : 0));
}

void fpu_ctx_init(FpuCtx *c, CPUX86State *env)
{
    static const uint8_t prec[4] = { 24, 64, 53, 64 };      /* PC 01 is reserved */
    *c = (FpuCtx){ .env = env };
    c->s.round = (env->fpuc >> 10) & 3;
    c->s.prec = prec[(env->fpuc >> 8) & 3];
    c->s.masks = env->fpuc & FCW_EXC_MASK;
    env->fpus &= ~FSW_C1;
}

void fpu_commit(FpuCtx *c)
{
    CPUX86State *env = c->env;
    env->fpus |= c->s.flags;
    if (c->stack_fault) {
        env->fpus = (uint16_t)((env->fpus & ~FSW_C1) | FSW_SF | (c->overflow ? FSW_C1 : 0));
    } else if (c->s.rounded_up) {
        env->fpus |= FSW_C1;
    }
    fpu_update_es(env);
}

/*
 * A waiting x87 instruction with an unmasked exception pending: #MF when
 * CR0.NE, else the PC's FERR#/IRQ13 route (not modelled: logged, ignored).
 */
static void fpu_check_pending(CPUX86State *env, uintptr_t ra)
{
    if (!(env->fpus & FSW_ES)) {
        return;
    }
    if (env->cr[0] & CR0_NE) {
        raise_exception(env, EXCP_MF, ra);
    }
    log_unimp("x87: FERR#/IRQ13 error reporting (CR0.NE=0)\n");
}

void helper_fwait(CPUX86State *env)
{
    uintptr_t ra = ir_getpc();
    if ((env->cr[0] & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS)) {
        raise_exception(env, EXCP_NM, ra);
    }
    fpu_check_pending(env, ra);
}
DEF_HELPER(fwait, 0, false, 0);

/* Non-waiting control forms without an operand (register ModRM). */
static bool fpu_control_reg(CPUX86State *env, unsigned esc, unsigned modrm)
{
    switch (esc << 8 | modrm) {
    case 0x3e0: case 0x3e1: case 0x3e4:         /* FENI, FDISI, FSETPM: no-ops */
        return true;
    case 0x3e2:                                 /* DB E2 FNCLEX */
        env->fpus &= 0x7f00;
        return true;
    case 0x3e3:                                 /* DB E3 FNINIT */
        cpu_fpu_init(env);
        return true;
    case 0x7e0:                                 /* DF E0 FNSTSW AX */
        env->regs[R_EAX] = (env->regs[R_EAX] & ~0xffffULL) | fpu_get_fsw(env);
        return true;
    default:
        return false;
    }
}

/* The control forms with a memory operand: true if handled. FLDENV,
 * FLDCW and FRSTOR are waiting instructions; the others are not. */
static bool fpu_control_mem(CPUX86State *env, unsigned esc, unsigned reg, const FpuAccess *a)
{
    FpuEnvImage img;
    switch (esc << 3 | reg) {
    case 014:                                   /* D9 /4 FLDENV */
        fpu_check_pending(env, a->ra);
        fpu_read_env(a, &img);
        fpu_apply_env(env, &img, a->l == &fpu_env32);
        return true;
    case 015:                                   /* D9 /5 FLDCW */
        fpu_check_pending(env, a->ra);
        env->fpuc = (uint16_t)fpa_ld(a, 0, MO_16);
        fpu_update_es(env);
        return true;
    case 016:                                   /* D9 /6 FNSTENV: then mask all */
        fpu_store_env(a);
        env->fpuc |= FCW_EXC_MASK;
        return true;
    case 017:                                   /* D9 /7 FNSTCW */
        fpa_st(a, 0, env->fpuc, MO_16);
        return true;
    case 054:                                   /* DD /4 FRSTOR */
        fpu_check_pending(env, a->ra);
        fpu_frstor(a);
        return true;
    case 056:                                   /* DD /6 FNSAVE */
        fpu_fnsave(a);
        return true;
    case 057:                                   /* DD /7 FNSTSW m16 */
        fpa_st(a, 0, fpu_get_fsw(env), MO_16);
        return true;
    default:
        return false;
    }
}

/* The last non-control instruction: FIP/FCS, FOP and, for a memory
 * operand, FDP/FDS (offset within its segment). */
static void fpu_record_pointers(CPUX86State *env, uint64_t op, uint64_t addr, bool mem)
{
    env->fpip = (uint64_t)((int64_t)op >> 16);
    env->fpcs = (uint16_t)env->segs[R_CS].selector;
    env->fpop = op & 0x7ff;
    if (mem) {
        unsigned seg = (op >> 11) & 7;
        seg = seg < NB_SEGS ? seg : R_DS;
        env->fpdp = addr - env->segs[seg].base;
        env->fpds = (uint16_t)env->segs[seg].selector;
    }
}

void helper_fpu(CPUX86State *env, uint64_t op, uint64_t addr)
{
    uintptr_t ra = ir_getpc();
    unsigned esc = (op >> 8) & 7, modrm = op & 0xff;
    bool mem = modrm < 0xc0;
    FpuAccess a = { env, addr, cpu_mmu_index(env), ra,
                    (op >> 15) & 1 ? &fpu_env32 : &fpu_env16 };
    FpuCtx c;
    if (env->cr[0] & (CR0_EM | CR0_TS)) {
        raise_exception(env, EXCP_NM, ra);
    }
    if (mem ? fpu_control_mem(env, esc, (modrm >> 3) & 7, &a) : fpu_control_reg(env, esc, modrm)) {
        return;
    }
    fpu_check_pending(env, ra);
    uint16_t fsw = env->fpus;
    fpu_ctx_init(&c, env);
    if (mem ? fpu_insn_mem(&c, esc, (modrm >> 3) & 7, &a) : fpu_insn_reg(&c, esc, modrm)) {
        fpu_commit(&c);
        fpu_record_pointers(env, op, addr, mem);
        return;
    }
    env->fpus = fsw;
    raise_exception(env, EXCP_UD, ra);
}
DEF_HELPER(fpu, 2, false, 0);
