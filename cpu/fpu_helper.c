/*
 * fpu_helper.c - the x87 entry points h_fpu and h_fwait with the parts of
 * x87 that are state management rather than arithmetic: device-not-available
 * (#NM) and pending-error (#MF) checks, FNINIT/FNCLEX/FNOP, FNSTSW/FNSTCW/
 * FLDCW, FNSTENV/FLDENV and FNSAVE/FRSTOR (SDM Vol. 1 8.1.10, Figures 8-9
 * to 8-12). Arithmetic needs the 80-bit softfloat (a separate part) and
 * raises #UD, logged under -d unimp, until it lands here.
 *
 * Invariants: fptags[] is indexed by physical register, fpus holds the
 * status word without TOP (fpstt); a load (FLDENV/FRSTOR) reads the whole
 * image before it changes any state, so a fault leaves the FPU intact.
 * The environment format follows the code segment size (16/32-bit); the
 * helper is not told about a 66h prefix. Real mode uses the protected-mode
 * layout.
 */
#include "cpu/cpusys.h"
#include "kestrel/log.h"

#define FSW_TOP_MASK 0x3800u
#define FSW_ES       0x0080u
#define FCW_EXC_MASK 0x003fu

static uint16_t fpu_status(const CPUX86State *env)
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

static uint16_t fpu_tag_word(const CPUX86State *env)
{
    uint16_t tw = 0;
    for (int i = 0; i < 8; i++) {
        tw |= (uint16_t)((env->fptags[i] ? 3 : fpu_tag(&env->fpregs[i])) << (2 * i));
    }
    return tw;
}

typedef struct FpuEnvLayout {
    unsigned size, fsw, ftw, ip, cs, dp, ds;
    MemOp mo;
} FpuEnvLayout;

static const FpuEnvLayout fpu_env32 = { 28, 4, 8, 12, 16, 20, 24, MO_32 };
static const FpuEnvLayout fpu_env16 = { 14, 2, 4, 6, 8, 10, 12, MO_16 };

typedef struct FpuAccess {
    CPUX86State *env;
    uint64_t addr;
    unsigned mmu_idx;
    uintptr_t ra;
    const FpuEnvLayout *l;
} FpuAccess;

static void fpa_st(const FpuAccess *a, unsigned off, uint64_t v, MemOp mo)
{
    cpu_st(a->env, cpu_linear(a->env, a->addr + off), v, mo, a->mmu_idx, a->ra);
}

static uint64_t fpa_ld(const FpuAccess *a, unsigned off, MemOp mo)
{
    return cpu_ld(a->env, cpu_linear(a->env, a->addr + off), mo, a->mmu_idx, a->ra);
}

static void fpu_store_env(const FpuAccess *a)
{
    CPUX86State *env = a->env;
    const FpuEnvLayout *l = a->l;
    uint32_t cs = env->fpcs | (l == &fpu_env32 ? (uint32_t)(env->fpop & 0x7ff) << 16 : 0);
    fpa_st(a, 0, env->fpuc, l->mo);
    fpa_st(a, l->fsw, fpu_status(env), l->mo);
    fpa_st(a, l->ftw, fpu_tag_word(env), l->mo);
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

void helper_fwait(CPUX86State *env)
{
    uintptr_t ra = ir_getpc();
    if ((env->cr[0] & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS)) {
        raise_exception(env, EXCP_NM, ra);
    }
    if ((env->fpus & FSW_ES) && (env->cr[0] & CR0_NE)) {
        raise_exception(env, EXCP_MF, ra);
    }
}
DEF_HELPER(fwait, 0, false, 0);

/* Register forms (ModRM >= C0): true if handled. */
static bool fpu_reg_op(CPUX86State *env, unsigned esc, unsigned modrm)
{
    switch (esc << 8 | modrm) {
    case 0x1d0:                                 /* D9 D0 FNOP */
    case 0x3e0: case 0x3e1: case 0x3e4:         /* FENI, FDISI, FSETPM: no-ops */
        return true;
    case 0x3e2:                                 /* DB E2 FNCLEX */
        env->fpus &= 0x7f00;
        return true;
    case 0x3e3:                                 /* DB E3 FNINIT */
        cpu_fpu_init(env);
        return true;
    case 0x7e0:                                 /* DF E0 FNSTSW AX */
        env->regs[R_EAX] = (env->regs[R_EAX] & ~0xffffULL) | fpu_status(env);
        return true;
    default:
        return false;
    }
}

/* Memory forms by escape and ModRM.reg: true if handled. */
static bool fpu_mem_op(CPUX86State *env, unsigned esc, unsigned reg, const FpuAccess *a)
{
    FpuEnvImage img;
    switch (esc << 3 | reg) {
    case 014:                                   /* D9 /4 FLDENV */
        fpu_read_env(a, &img);
        fpu_apply_env(env, &img, a->l == &fpu_env32);
        return true;
    case 015:                                   /* D9 /5 FLDCW */
        env->fpuc = (uint16_t)fpa_ld(a, 0, MO_16);
        return true;
    case 016:                                   /* D9 /6 FNSTENV: then mask all */
        fpu_store_env(a);
        env->fpuc |= FCW_EXC_MASK;
        return true;
    case 017:                                   /* D9 /7 FNSTCW */
        fpa_st(a, 0, env->fpuc, MO_16);
        return true;
    case 054:                                   /* DD /4 FRSTOR */
        fpu_frstor(a);
        return true;
    case 056:                                   /* DD /6 FNSAVE */
        fpu_fnsave(a);
        return true;
    case 057:                                   /* DD /7 FNSTSW m16 */
        fpa_st(a, 0, fpu_status(env), MO_16);
        return true;
    default:
        return false;
    }
}

/*
 * op = escape (D8..DF, or 0..7) << 8 | ModRM; addr = linear address of the
 * memory operand (segment base included).
 */
void helper_fpu(CPUX86State *env, uint64_t op, uint64_t addr)
{
    uintptr_t ra = ir_getpc();
    unsigned esc = (op >> 8) & 7, modrm = op & 0xff;
    if (env->cr[0] & (CR0_EM | CR0_TS)) {
        raise_exception(env, EXCP_NM, ra);
    }
    if (modrm >= 0xc0) {
        if (fpu_reg_op(env, esc, modrm)) {
            return;
        }
    } else {
        FpuAccess a = { env, addr, cpu_mmu_index(env), ra,
                        (env->hflags & HF_CS32) ? &fpu_env32 : &fpu_env16 };
        if (fpu_mem_op(env, esc, (modrm >> 3) & 7, &a)) {
            return;
        }
    }
    log_unimp("x87 instruction %02x %02x (arithmetic not emulated yet)\n", 0xd8 + esc, modrm);
    raise_exception(env, EXCP_UD, ra);
}
DEF_HELPER(fpu, 2, false, 0);
