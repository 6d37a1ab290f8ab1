/*
 * test_sse.c - differential tests of the SSE helper (cpu/sse*.c) against
 * the host CPU.
 *
 * Each case is one instruction "OP xmm0, xmm1[, imm8]" (ModRM 0xC1, or a
 * /n group form on xmm1). The host runs it from a small generated stub
 * (xmm0/xmm1/EAX/ECX/EDX/MXCSR loaded from a struct, results and EFLAGS
 * stored back); Kestrel runs the same descriptor through h_sse on a bare
 * CPUX86State. Inputs are random mixes of NaNs (quiet and signalling),
 * infinities, zeros, denormals, boundary and random values, under every
 * MXCSR rounding mode with and without DAZ and FTZ (all exceptions
 * masked); XMM results, MXCSR, the general registers and, for rows that
 * set them, the arithmetic flags must match bit for bit.
 * Also: unmasked exceptions (#XM / #UD without OSXMMEXCPT) with the
 * destination untouched, MMX aliasing and EMMS, FXSAVE/FXRSTOR and
 * LDMXCSR round trips through a fake guest memory, RCPPS error bounds.
 *
 * Only the helper's own objects are linked: guest memory, exceptions and
 * the IR backend selector are faked here.
 */
#if defined(__x86_64__)
#include <check.h>
#include <setjmp.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <xmmintrin.h>
#include "cpu/sse.h"

/* ---------------- fakes ---------------- */

const IRBackend ir_backend_interp;
const IRBackend *ir_backend = &ir_backend_interp;
__thread uintptr_t ir_interp_retaddr;

static jmp_buf fake_jmp;
static uint8_t guest_mem[1 << 16];

void raise_exception(CPUX86State *env, int vector, uintptr_t retaddr)
{
    longjmp(fake_jmp, vector + 1);
}

void raise_exception_err(CPUX86State *env, int vector, int error_code, uintptr_t retaddr)
{
    longjmp(fake_jmp, vector + 1);
}

unsigned cpu_mmu_index(const CPUX86State *env) { return MMU_KERNEL_IDX; }

uint64_t cpu_ld(CPUX86State *env, uint64_t vaddr, MemOp mo, unsigned mmu_idx, uintptr_t ra)
{
    uint64_t v = 0;
    memcpy(&v, guest_mem + vaddr % (sizeof(guest_mem) - 16), 1u << (mo & MO_SIZE));
    return v;
}

void cpu_st(CPUX86State *env, uint64_t vaddr, uint64_t val, MemOp mo, unsigned mmu_idx,
            uintptr_t ra)
{
    memcpy(guest_mem + vaddr % (sizeof(guest_mem) - 16), &val, 1u << (mo & MO_SIZE));
}

/* ---------------- running one instruction ---------------- */

typedef struct RunState {
    XMMReg x0, x1;           /* 0, 16 */
    uint32_t mxcsr;          /* 32 */
    uint32_t eax, edx, ecx;  /* 36, 40, 44 */
    uint64_t eflags;         /* 48 */
    uint64_t m0, m1;         /* 56, 64: mm0, mm1 */
    uint64_t pad;
    uint8_t mem[16] __attribute__((aligned(16)));   /* 80: the memory operand */
} RunState;

#define EMU_MEM_ADDR 0x1000   /* where the emulated memory operand lives */

typedef struct Case {
    const char *name;
    uint8_t pfx;             /* 0, 0x66, 0xf3, 0xf2 */
    uint8_t map;             /* 1: 0F, 2: 0F38, 3: 0F3A */
    uint8_t opc;
    uint8_t modrm;           /* 0 means 0xC1 */
    int imm;                 /* -1: none */
    uint8_t esize;           /* 4/8: float inputs of that size; 0: random bits */
    bool flags;              /* compare CF ZF SF OF PF AF */
    bool rexw;
    bool mem;                /* rm is the memory operand [rdi + 80] */
} Case;

static uint8_t case_modrm(const Case *t)
{
    uint8_t m = t->modrm ? t->modrm : 0xc1;
    return t->mem ? (uint8_t)(0x47 | (m & 0x38)) : m;    /* mod 1, rm = rDI, disp8 */
}

/* Instruction bytes of t into buf; returns the length. */
static int case_bytes(const Case *t, uint8_t *buf)
{
    int n = 0;
    if (t->pfx) {
        buf[n++] = t->pfx;
    }
    if (t->rexw) {
        buf[n++] = 0x48;
    }
    buf[n++] = 0x0f;
    if (t->map > 1) {
        buf[n++] = t->map == 2 ? 0x38 : 0x3a;
    }
    buf[n++] = t->opc;
    buf[n++] = case_modrm(t);
    if (t->mem) {
        buf[n++] = offsetof(RunState, mem);
    }
    if (t->imm >= 0) {
        buf[n++] = (uint8_t)t->imm;
    }
    return n;
}

static void host_run(const Case *t, RunState *st)
{
    static const uint8_t pre[] = {
        0xf3, 0x0f, 0x6f, 0x07, 0xf3, 0x0f, 0x6f, 0x4f, 0x10,   /* movdqu xmm0/1 */
        0x0f, 0xae, 0x57, 0x20,                                 /* ldmxcsr */
        0x8b, 0x47, 0x24, 0x8b, 0x57, 0x28, 0x8b, 0x4f, 0x2c,   /* eax edx ecx */
        0x0f, 0x6f, 0x47, 0x38, 0x0f, 0x6f, 0x4f, 0x40,         /* movq mm0/1 */
        0x57,                                                   /* push rdi */
    };
    static const uint8_t post[] = {
        0x5f,                                                   /* pop rdi */
        0xf3, 0x0f, 0x7f, 0x07, 0xf3, 0x0f, 0x7f, 0x4f, 0x10,
        0x0f, 0xae, 0x5f, 0x20,                                 /* stmxcsr */
        0x89, 0x47, 0x24, 0x89, 0x57, 0x28, 0x89, 0x4f, 0x2c,
        0x9c, 0x58, 0x48, 0x89, 0x47, 0x30,                     /* pushfq; pop; store */
        0x0f, 0x7f, 0x47, 0x38, 0x0f, 0x7f, 0x4f, 0x40,         /* movq mm0/1 */
        0x0f, 0x77,                                             /* emms */
        0xc3,
    };
    static uint8_t *code;
    int n;

    if (!code) {
        code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        ck_assert_ptr_ne(code, MAP_FAILED);
    }
    memcpy(code, pre, sizeof(pre));
    n = sizeof(pre);
    n += case_bytes(t, code + n);
    memcpy(code + n, post, sizeof(post));
    ((void (*)(RunState *))(void *)code)(st);
    _mm_setcsr(MXCSR_RESET);
}

/* Host SIMD exceptions: the handler records MXCSR and xmm0 at the fault. */
static sigjmp_buf host_fault_jmp;
static uint32_t host_fault_mxcsr;
static XMMReg host_fault_xmm0;

static void host_sigfpe(int sig, siginfo_t *si, void *uctx)
{
    ucontext_t *uc = uctx;
    host_fault_mxcsr = uc->uc_mcontext.fpregs->mxcsr;
    memcpy(&host_fault_xmm0, &uc->uc_mcontext.fpregs->_xmm[0], 16);
    siglongjmp(host_fault_jmp, 1);
}

/* Like host_run, with exceptions possibly unmasked: returns true when the
 * host raised #XM (SIGFPE), with st->mxcsr and st->x0 as at the fault. */
static bool host_run_trapping(const Case *t, RunState *st)
{
    struct sigaction sa = { .sa_sigaction = host_sigfpe, .sa_flags = SA_SIGINFO }, old;
    volatile bool faulted = false;

    sigaction(SIGFPE, &sa, &old);
    if (sigsetjmp(host_fault_jmp, 1)) {
        faulted = true;
        st->mxcsr = host_fault_mxcsr;
        st->x0 = host_fault_xmm0;
        _mm_setcsr(MXCSR_RESET);
    } else {
        host_run(t, st);
    }
    sigaction(SIGFPE, &old, NULL);
    return faulted;
}

static uint64_t case_desc(const Case *t)
{
    static const uint8_t pfx_index[256] = { [0x66] = 1, [0xf3] = 2, [0xf2] = 3 };
    return (uint64_t)t->opc << SSE_DESC_OPC | (uint64_t)t->map << SSE_DESC_MAP |
           (uint64_t)pfx_index[t->pfx] << SSE_DESC_PFX |
           (uint64_t)case_modrm(t) << SSE_DESC_MODRM |
           (uint64_t)(t->rexw ? 8 : 0) << SSE_DESC_REX |
           (uint64_t)(t->imm & 0xff) << SSE_DESC_IMM |
           (uint64_t)(t->rexw ? 8 : 4) << SSE_DESC_OPSIZE |
           1ULL << SSE_DESC_CODE64 | (uint64_t)t->rexw << SSE_DESC_REXP;
}

static CPUX86State *new_env(void)
{
    CPUX86State *env = calloc(1, sizeof(*env));
    env->cr[4] = CR4_OSFXSR | CR4_OSXMMEXCPT;
    env->mxcsr = MXCSR_RESET;
    return env;
}

/* Runs t in Kestrel; returns the exception vector + 1 or 0. */
static int emu_run(CPUX86State *env, const Case *t, RunState *st)
{
    void (*fn)(CPUX86State *, uint64_t, uint64_t) =
        (void (*)(CPUX86State *, uint64_t, uint64_t))h_sse.func;
    int exc;

    env->xmm[0] = st->x0;
    env->xmm[1] = st->x1;
    env->mxcsr = st->mxcsr;
    env->regs[R_EAX] = st->eax;
    env->regs[R_EDX] = st->edx;
    env->regs[R_ECX] = st->ecx;
    env->fpregs[0].mant = st->m0;
    env->fpregs[1].mant = st->m1;
    env->cc_op = CC_OP_DYNAMIC;
    memcpy(guest_mem + EMU_MEM_ADDR, st->mem, 16);
    exc = setjmp(fake_jmp);
    if (!exc) {
        fn(env, case_desc(t), EMU_MEM_ADDR);
    }
    memcpy(st->mem, guest_mem + EMU_MEM_ADDR, 16);
    st->x0 = env->xmm[0];
    st->x1 = env->xmm[1];
    st->mxcsr = env->mxcsr;
    st->eax = (uint32_t)env->regs[R_EAX];
    st->edx = (uint32_t)env->regs[R_EDX];
    st->ecx = (uint32_t)env->regs[R_ECX];
    st->eflags = env->cc_op == CC_OP_EFLAGS ? env->cc_src : 0;
    st->m0 = env->fpregs[0].mant;
    st->m1 = env->fpregs[1].mant;
    return exc;
}

/* ---------------- inputs ---------------- */

static uint64_t rnd64(void)
{
    return (uint64_t)random() << 62 ^ (uint64_t)random() << 31 ^ (uint64_t)random();
}

/* A float (esize 4) or double (8) bit pattern, biased to special values. */
static uint64_t special_float(unsigned es)
{
    unsigned mb = es == 4 ? 23 : 52, bits = 8 * es;
    uint64_t emax = es == 4 ? 0xff : 0x7ff, sign = (uint64_t)(random() & 1) << (bits - 1);
    uint64_t mant = rnd64() & ((1ULL << mb) - 1);
    uint64_t bias = emax >> 1;

    switch (random() % 12) {
    case 0: return sign;                                        /* zero */
    case 1: return sign | (mant ? mant : 1);                    /* denormal */
    case 2: return sign | emax << mb;                           /* infinity */
    case 3: return sign | emax << mb | 1ULL << (mb - 1) | mant; /* QNaN */
    case 4: return sign | emax << mb | (mant >> 1 ? mant >> 1 : 1);  /* SNaN */
    case 5: return sign | 1ULL << mb | (mant & 0xff);           /* near the smallest normal */
    case 6: return sign | (emax - 1) << mb | mant;              /* near overflow */
    case 7: return sign | (bias + (uint64_t)(random() % 64)) << mb;   /* small integers */
    case 8: return sign | (bias + (uint64_t)(random() % 40)) << mb | mant;
    case 9: return sign | ((uint64_t)(random() % 40) + 1) << mb | mant;   /* tiny */
    default: return rnd64() & (bits == 64 ? ~0ULL : (1ULL << bits) - 1);
    }
}

static void fill(XMMReg *x, unsigned es)
{
    for (unsigned i = 0; i < (es ? 16 / es : 2); i++) {
        sse_set_el(x, i, es ? es : 8, es ? special_float(es) : rnd64());
    }
}

/* Small integers in xmm bytes for the string compares. */
static void fill_string(XMMReg *x)
{
    for (int i = 0; i < 16; i++) {
        x->b[i] = (uint8_t)(random() % 5 == 0 ? 0 : 'a' + random() % 6);
    }
}

static const uint32_t mxcsr_modes[] = {
    0x1f80, 0x3f80, 0x5f80, 0x7f80,
    0x1f80 | MXCSR_DAZ, 0x3f80 | MXCSR_FTZ, 0x5f80 | MXCSR_DAZ | MXCSR_FTZ,
    0x7f80 | MXCSR_FTZ, 0x1f80 | MXCSR_FTZ, 0x7f80 | MXCSR_DAZ,
};

static void check_case(const Case *t, int iters)
{
    CPUX86State *env = new_env();

    for (int it = 0; it < iters; it++) {
        RunState in = { .mxcsr = mxcsr_modes[it % ARRAY_SIZE(mxcsr_modes)] };
        RunState host, emu;
        if (t->map == 3 && t->opc >= 0x60 && t->opc <= 0x63) {
            fill_string(&in.x0);
            fill_string(&in.x1);
            in.eax = (uint32_t)(random() % 40 - 20);
            in.edx = (uint32_t)(random() % 40 - 20);
        } else {
            fill(&in.x0, t->esize);
            fill(&in.x1, t->esize);
            in.eax = (uint32_t)rnd64();
            in.edx = (uint32_t)rnd64();
        }
        in.ecx = (uint32_t)rnd64();
        XMMReg m;
        fill(&m, t->esize);
        memcpy(in.mem, &m, 16);
        in.m0 = t->esize ? sse_el(&in.x0, 0, 8) : rnd64();
        in.m1 = t->esize ? sse_el(&in.x1, 0, 8) : rnd64();
        host = in;
        emu = in;
        host_run(t, &host);
        int exc = emu_run(env, t, &emu);
        ck_assert_msg(exc == 0, "%s: exception %d", t->name, exc - 1);
        uint32_t fmask = t->flags ? CC_ALL : 0;
        bool same = !memcmp(&host.x0, &emu.x0, 16) && !memcmp(&host.x1, &emu.x1, 16) &&
                    host.mxcsr == emu.mxcsr && host.eax == emu.eax &&
                    host.ecx == emu.ecx && host.edx == emu.edx &&
                    host.m0 == emu.m0 && host.m1 == emu.m1 && !memcmp(host.mem, emu.mem, 16) &&
                    (host.eflags & fmask) == (emu.eflags & fmask);
        ck_assert_msg(same, "%s mxcsr %04x: in x0=%016llx%016llx x1=%016llx%016llx "
                      "m0=%016llx m1=%016llx "
                      "host x0=%016llx%016llx mx=%04x eax=%08x ecx=%08x fl=%03llx m0=%016llx | "
                      "emu x0=%016llx%016llx mx=%04x eax=%08x ecx=%08x fl=%03llx m0=%016llx",
                      t->name, in.mxcsr,
                      (unsigned long long)in.x0.q[1], (unsigned long long)in.x0.q[0],
                      (unsigned long long)in.x1.q[1], (unsigned long long)in.x1.q[0],
                      (unsigned long long)in.m0, (unsigned long long)in.m1,
                      (unsigned long long)host.x0.q[1], (unsigned long long)host.x0.q[0],
                      host.mxcsr, host.eax, host.ecx,
                      (unsigned long long)(host.eflags & fmask), (unsigned long long)host.m0,
                      (unsigned long long)emu.x0.q[1], (unsigned long long)emu.x0.q[0],
                      emu.mxcsr, emu.eax, emu.ecx, (unsigned long long)(emu.eflags & fmask),
                      (unsigned long long)emu.m0);
    }
    free(env);
}

#define F(n, p, m, o, es) { n, p, m, o, 0, -1, es, false, false }
#define FI(n, p, m, o, imm, es) { n, p, m, o, 0, imm, es, false, false }
#define G(n, p, m, o, modrm, imm) { n, p, m, o, modrm, imm, 0, false, false }

/* Float arithmetic, compares, conversions. */
static const Case fp_cases[] = {
    F("addps", 0, 1, 0x58, 4), F("addpd", 0x66, 1, 0x58, 8),
    F("addss", 0xf3, 1, 0x58, 4), F("addsd", 0xf2, 1, 0x58, 8),
    F("subps", 0, 1, 0x5c, 4), F("subsd", 0xf2, 1, 0x5c, 8),
    F("mulps", 0, 1, 0x59, 4), F("mulpd", 0x66, 1, 0x59, 8),
    F("divps", 0, 1, 0x5e, 4), F("divsd", 0xf2, 1, 0x5e, 8),
    F("sqrtps", 0, 1, 0x51, 4), F("sqrtpd", 0x66, 1, 0x51, 8),
    F("sqrtss", 0xf3, 1, 0x51, 4),
    F("minps", 0, 1, 0x5d, 4), F("maxpd", 0x66, 1, 0x5f, 8),
    F("minsd", 0xf2, 1, 0x5d, 8), F("maxss", 0xf3, 1, 0x5f, 4),
    FI("cmpeqps", 0, 1, 0xc2, 0, 4), FI("cmpltps", 0, 1, 0xc2, 1, 4),
    FI("cmpleps", 0, 1, 0xc2, 2, 4), FI("cmpunordps", 0, 1, 0xc2, 3, 4),
    FI("cmpneqpd", 0x66, 1, 0xc2, 4, 8), FI("cmpnltpd", 0x66, 1, 0xc2, 5, 8),
    FI("cmpnlesd", 0xf2, 1, 0xc2, 6, 8), FI("cmpordss", 0xf3, 1, 0xc2, 7, 4),
    FI("cmpps imm 0x0d", 0, 1, 0xc2, 0x0d, 4), FI("cmppd imm 0x1a", 0x66, 1, 0xc2, 0x1a, 8),
    { "comiss", 0, 1, 0x2f, 0, -1, 4, true, false },
    { "ucomiss", 0, 1, 0x2e, 0, -1, 4, true, false },
    { "comisd", 0x66, 1, 0x2f, 0, -1, 8, true, false },
    { "ucomisd", 0x66, 1, 0x2e, 0, -1, 8, true, false },
    F("addsubps", 0xf2, 1, 0xd0, 4), F("addsubpd", 0x66, 1, 0xd0, 8),
    F("haddps", 0xf2, 1, 0x7c, 4), F("hsubpd", 0x66, 1, 0x7d, 8),
    FI("dpps", 0x66, 3, 0x40, 0xf1, 4), FI("dpps", 0x66, 3, 0x40, 0x5a, 4),
    FI("dppd", 0x66, 3, 0x41, 0x33, 8),
    FI("roundps", 0x66, 3, 0x08, 0x00, 4), FI("roundps", 0x66, 3, 0x08, 0x0b, 4),
    FI("roundpd", 0x66, 3, 0x09, 0x04, 8), FI("roundss", 0x66, 3, 0x0a, 0x01, 4),
    FI("roundsd", 0x66, 3, 0x0b, 0x0a, 8),
    F("cvtps2pd", 0, 1, 0x5a, 4), F("cvtpd2ps", 0x66, 1, 0x5a, 8),
    F("cvtss2sd", 0xf3, 1, 0x5a, 4), F("cvtsd2ss", 0xf2, 1, 0x5a, 8),
    F("cvtdq2ps", 0, 1, 0x5b, 0), F("cvtps2dq", 0x66, 1, 0x5b, 4),
    F("cvttps2dq", 0xf3, 1, 0x5b, 4), F("cvttpd2dq", 0x66, 1, 0xe6, 8),
    F("cvtdq2pd", 0xf3, 1, 0xe6, 0), F("cvtpd2dq", 0xf2, 1, 0xe6, 8),
    F("cvtss2si", 0xf3, 1, 0x2d, 4), F("cvttsd2si", 0xf2, 1, 0x2c, 8),
    { "cvtsd2si64", 0xf2, 1, 0x2d, 0, -1, 8, false, true },
    { "cvttss2si64", 0xf3, 1, 0x2c, 0, -1, 4, false, true },
    { "cvtsi2ss", 0xf3, 1, 0x2a, 0xc0, -1, 0, false, false },
    { "cvtsi2sd64", 0xf2, 1, 0x2a, 0xc0, -1, 0, false, true },
    { "cvtsi2ss64", 0xf3, 1, 0x2a, 0xc0, -1, 0, false, true },
    F("andps", 0, 1, 0x54, 4), F("andnpd", 0x66, 1, 0x55, 8),
    F("orps", 0, 1, 0x56, 4), F("xorpd", 0x66, 1, 0x57, 8),
    FI("shufps", 0, 1, 0xc6, 0x1b, 4), FI("shufpd", 0x66, 1, 0xc6, 2, 8),
    F("unpcklps", 0, 1, 0x14, 4), F("unpckhpd", 0x66, 1, 0x15, 8),
    F("movss", 0xf3, 1, 0x10, 4), F("movsd", 0xf2, 1, 0x10, 8),
    F("movhlps", 0, 1, 0x12, 4), F("movlhps", 0, 1, 0x16, 4),
    F("movsldup", 0xf3, 1, 0x12, 4), F("movshdup", 0xf3, 1, 0x16, 4),
    F("movddup", 0xf2, 1, 0x12, 8),
    F("movmskps", 0, 1, 0x50, 4), F("movmskpd", 0x66, 1, 0x50, 8),
    FI("blendps", 0x66, 3, 0x0c, 0x5, 4), FI("blendpd", 0x66, 3, 0x0d, 0x2, 8),
    F("blendvps", 0x66, 2, 0x14, 4), F("blendvpd", 0x66, 2, 0x15, 8),
    FI("insertps", 0x66, 3, 0x21, 0x9c, 4), FI("extractps", 0x66, 3, 0x17, 2, 4),
};

/* Integer rows (SSE2 forms; the MMX forms share the lane code). */
static const Case int_cases[] = {
    F("paddb", 0x66, 1, 0xfc, 0), F("paddw", 0x66, 1, 0xfd, 0), F("paddd", 0x66, 1, 0xfe, 0),
    F("paddq", 0x66, 1, 0xd4, 0), F("psubb", 0x66, 1, 0xf8, 0), F("psubq", 0x66, 1, 0xfb, 0),
    F("paddsb", 0x66, 1, 0xec, 0), F("paddsw", 0x66, 1, 0xed, 0),
    F("paddusb", 0x66, 1, 0xdc, 0), F("paddusw", 0x66, 1, 0xdd, 0),
    F("psubsb", 0x66, 1, 0xe8, 0), F("psubsw", 0x66, 1, 0xe9, 0),
    F("psubusb", 0x66, 1, 0xd8, 0), F("psubusw", 0x66, 1, 0xd9, 0),
    F("pmullw", 0x66, 1, 0xd5, 0), F("pmulhw", 0x66, 1, 0xe5, 0),
    F("pmulhuw", 0x66, 1, 0xe4, 0), F("pmuludq", 0x66, 1, 0xf4, 0),
    F("pmaddwd", 0x66, 1, 0xf5, 0), F("psadbw", 0x66, 1, 0xf6, 0),
    F("pavgb", 0x66, 1, 0xe0, 0), F("pavgw", 0x66, 1, 0xe3, 0),
    F("pminub", 0x66, 1, 0xda, 0), F("pmaxsw", 0x66, 1, 0xee, 0),
    F("pcmpeqb", 0x66, 1, 0x74, 0), F("pcmpgtw", 0x66, 1, 0x65, 0),
    F("pcmpgtd", 0x66, 1, 0x66, 0),
    F("pand", 0x66, 1, 0xdb, 0), F("pandn", 0x66, 1, 0xdf, 0),
    F("por", 0x66, 1, 0xeb, 0), F("pxor", 0x66, 1, 0xef, 0),
    F("packsswb", 0x66, 1, 0x63, 0), F("packuswb", 0x66, 1, 0x67, 0),
    F("packssdw", 0x66, 1, 0x6b, 0), F("packusdw", 0x66, 2, 0x2b, 0),
    F("punpcklbw", 0x66, 1, 0x60, 0), F("punpckhwd", 0x66, 1, 0x69, 0),
    F("punpckldq", 0x66, 1, 0x62, 0), F("punpckhqdq", 0x66, 1, 0x6d, 0),
    FI("pshufd", 0x66, 1, 0x70, 0x1b, 0), FI("pshuflw", 0xf2, 1, 0x70, 0x9c, 0),
    FI("pshufhw", 0xf3, 1, 0x70, 0x39, 0),
    F("psrlw", 0x66, 1, 0xd1, 0), F("psrad", 0x66, 1, 0xe2, 0), F("psllq", 0x66, 1, 0xf3, 0),
    G("psrlw imm", 0x66, 1, 0x71, 0xd1, 3), G("psraw imm", 0x66, 1, 0x71, 0xe1, 17),
    G("pslld imm", 0x66, 1, 0x72, 0xf1, 31), G("psrlq imm", 0x66, 1, 0x73, 0xd1, 40),
    G("psrldq", 0x66, 1, 0x73, 0xd9, 5), G("pslldq", 0x66, 1, 0x73, 0xf9, 11),
    G("pslldq 16", 0x66, 1, 0x73, 0xf9, 16),
    F("pmovmskb", 0x66, 1, 0xd7, 0), FI("pextrw", 0x66, 1, 0xc5, 5, 0),
    { "pinsrw", 0x66, 1, 0xc4, 0xc1, 3, 0, false, false },
    F("movq", 0xf3, 1, 0x7e, 0), F("movd", 0x66, 1, 0x6e, 0),
    { "movq gpr", 0x66, 1, 0x6e, 0xc1, -1, 0, false, true },
    F("pshufb", 0x66, 2, 0x00, 0), F("phaddw", 0x66, 2, 0x01, 0),
    F("phaddd", 0x66, 2, 0x02, 0), F("phaddsw", 0x66, 2, 0x03, 0),
    F("pmaddubsw", 0x66, 2, 0x04, 0), F("phsubw", 0x66, 2, 0x05, 0),
    F("phsubsw", 0x66, 2, 0x07, 0),
    F("psignb", 0x66, 2, 0x08, 0), F("psignd", 0x66, 2, 0x0a, 0),
    F("pmulhrsw", 0x66, 2, 0x0b, 0), F("pabsb", 0x66, 2, 0x1c, 0),
    F("pabsw", 0x66, 2, 0x1d, 0), F("pabsd", 0x66, 2, 0x1e, 0),
    FI("palignr", 0x66, 3, 0x0f, 7, 0), FI("palignr 20", 0x66, 3, 0x0f, 20, 0),
    F("pblendvb", 0x66, 2, 0x10, 0), FI("pblendw", 0x66, 3, 0x0e, 0xa5, 0),
    { "ptest", 0x66, 2, 0x17, 0, -1, 0, true, false },
    F("pmovsxbw", 0x66, 2, 0x20, 0), F("pmovsxbq", 0x66, 2, 0x22, 0),
    F("pmovsxdq", 0x66, 2, 0x25, 0), F("pmovzxbd", 0x66, 2, 0x31, 0),
    F("pmovzxwq", 0x66, 2, 0x34, 0),
    F("pmuldq", 0x66, 2, 0x28, 0), F("pcmpeqq", 0x66, 2, 0x29, 0),
    F("pcmpgtq", 0x66, 2, 0x37, 0),
    F("pminsb", 0x66, 2, 0x38, 0), F("pminsd", 0x66, 2, 0x39, 0),
    F("pminuw", 0x66, 2, 0x3a, 0), F("pminud", 0x66, 2, 0x3b, 0),
    F("pmaxsb", 0x66, 2, 0x3c, 0), F("pmaxsd", 0x66, 2, 0x3d, 0),
    F("pmaxuw", 0x66, 2, 0x3e, 0), F("pmaxud", 0x66, 2, 0x3f, 0),
    F("pmulld", 0x66, 2, 0x40, 0), F("phminposuw", 0x66, 2, 0x41, 0),
    FI("mpsadbw", 0x66, 3, 0x42, 5, 0), FI("mpsadbw", 0x66, 3, 0x42, 2, 0),
    FI("pextrb", 0x66, 3, 0x14, 9, 0), FI("pextrd", 0x66, 3, 0x16, 3, 0),
    { "pextrq", 0x66, 3, 0x16, 0xc1, 1, 0, false, true },
    FI("pinsrb", 0x66, 3, 0x20, 13, 0), FI("pinsrd", 0x66, 3, 0x22, 2, 0),
    { "pinsrq", 0x66, 3, 0x22, 0xc1, 1, 0, false, true },
    { "crc32b", 0xf2, 2, 0xf0, 0xc1, -1, 0, false, false },
    { "crc32d", 0xf2, 2, 0xf1, 0xc1, -1, 0, false, false },
    { "crc32q", 0xf2, 2, 0xf1, 0xc1, -1, 0, false, true },
};

/* MMX forms (no prefix) and the instructions mixing MMX and XMM registers. */
static const Case mmx_cases[] = {
    F("paddb mm", 0, 1, 0xfc, 0), F("psubsw mm", 0, 1, 0xe9, 0), F("paddq mm", 0, 1, 0xd4, 0),
    F("pmulhuw mm", 0, 1, 0xe4, 0), F("pmaddwd mm", 0, 1, 0xf5, 0),
    F("psadbw mm", 0, 1, 0xf6, 0), F("pmuludq mm", 0, 1, 0xf4, 0),
    F("packsswb mm", 0, 1, 0x63, 0), F("packssdw mm", 0, 1, 0x6b, 0),
    F("punpcklbw mm", 0, 1, 0x60, 0), F("punpckhdq mm", 0, 1, 0x6a, 0),
    F("pcmpgtb mm", 0, 1, 0x64, 0), F("pavgw mm", 0, 1, 0xe3, 0),
    F("psllw mm", 0, 1, 0xf1, 0), F("psrad mm", 0, 1, 0xe2, 0), F("psrlq mm", 0, 1, 0xd3, 0),
    G("psraw mm imm", 0, 1, 0x71, 0xe1, 9), G("psllq mm imm", 0, 1, 0x73, 0xf1, 33),
    FI("pshufw", 0, 1, 0x70, 0x4e, 0), FI("pextrw mm", 0, 1, 0xc5, 2, 0),
    { "pinsrw mm", 0, 1, 0xc4, 0xc1, 1, 0, false, false },
    F("pmovmskb mm", 0, 1, 0xd7, 0), F("movq mm", 0, 1, 0x6f, 0),
    F("movd mm,r", 0, 1, 0x6e, 0), { "movd r,mm", 0, 1, 0x7e, 0xc1, -1, 0, false, false },
    { "movq r64,mm", 0, 1, 0x7e, 0xc1, -1, 0, false, true },
    F("pshufb mm", 0, 2, 0x00, 0), F("phaddw mm", 0, 2, 0x01, 0),
    F("pmaddubsw mm", 0, 2, 0x04, 0), F("pmulhrsw mm", 0, 2, 0x0b, 0),
    F("psignw mm", 0, 2, 0x09, 0), F("pabsd mm", 0, 2, 0x1e, 0),
    FI("palignr mm", 0, 3, 0x0f, 3, 0), FI("palignr mm 12", 0, 3, 0x0f, 12, 0),
    F("movq2dq", 0xf3, 1, 0xd6, 0), F("movdq2q", 0xf2, 1, 0xd6, 0),
    F("cvtpi2ps", 0, 1, 0x2a, 0), F("cvtpi2pd", 0x66, 1, 0x2a, 0),
    F("cvtps2pi", 0, 1, 0x2d, 4), F("cvttps2pi", 0, 1, 0x2c, 4),
    F("cvtpd2pi", 0x66, 1, 0x2d, 8), F("cvttpd2pi", 0x66, 1, 0x2c, 8),
};

START_TEST(test_mmx_vs_host)
{
    srandom(31 + (unsigned)_i);
    check_case(&mmx_cases[_i], 500);
}
END_TEST

#define M(n, p, m, o, modrm, imm, es) { n, p, m, o, modrm, imm, es, false, false, true }

/* Memory forms: loads of each size, stores, and the partial ones. */
static const Case mem_cases[] = {
    M("movlps load", 0, 1, 0x12, 0, -1, 4), M("movlps store", 0, 1, 0x13, 0, -1, 4),
    M("movhps load", 0, 1, 0x16, 0, -1, 4), M("movhpd store", 0x66, 1, 0x17, 0, -1, 8),
    M("movss load", 0xf3, 1, 0x10, 0, -1, 4), M("movss store", 0xf3, 1, 0x11, 0, -1, 4),
    M("movsd store", 0xf2, 1, 0x11, 0, -1, 8), M("movups store", 0, 1, 0x11, 0, -1, 4),
    M("movq load", 0xf3, 1, 0x7e, 0, -1, 0), M("movq store", 0x66, 1, 0xd6, 0, -1, 0),
    M("movd load", 0x66, 1, 0x6e, 0, -1, 0), M("movd store", 0x66, 1, 0x7e, 0, -1, 0),
    M("movq mm store", 0, 1, 0x7f, 0, -1, 0), M("movq mm load", 0, 1, 0x6f, 0, -1, 0),
    M("movntdq", 0x66, 1, 0xe7, 0, -1, 0), M("movntq", 0, 1, 0xe7, 0, -1, 0),
    M("movnti", 0, 1, 0xc3, 0, -1, 0), M("lddqu", 0xf2, 1, 0xf0, 0, -1, 0),
    M("movntdqa", 0x66, 2, 0x2a, 0, -1, 0), M("movddup m64", 0xf2, 1, 0x12, 0, -1, 8),
    M("pinsrw m16", 0x66, 1, 0xc4, 0, 6, 0), M("pinsrb m8", 0x66, 3, 0x20, 0, 11, 0),
    M("pextrb m8", 0x66, 3, 0x14, 0, 11, 0), M("pextrw m16", 0x66, 3, 0x15, 0, 5, 0),
    M("pextrd m32", 0x66, 3, 0x16, 0, 2, 0), M("extractps m32", 0x66, 3, 0x17, 0, 1, 4),
    M("insertps m32", 0x66, 3, 0x21, 0, 0xe5, 4),
    M("cvtsi2sd m32", 0xf2, 1, 0x2a, 0, -1, 0), M("cvtss2sd m32", 0xf3, 1, 0x5a, 0, -1, 4),
    M("cvtps2pd m64", 0, 1, 0x5a, 0, -1, 4), M("cvtdq2pd m64", 0xf3, 1, 0xe6, 0, -1, 0),
    M("cvttss2si m32", 0xf3, 1, 0x2c, 0, -1, 4), M("comiss m32", 0, 1, 0x2f, 0, -1, 4),
    M("addss m32", 0xf3, 1, 0x58, 0, -1, 4), M("mulpd m128", 0x66, 1, 0x59, 0, -1, 8),
    M("shufps m128", 0, 1, 0xc6, 0, 0x72, 4), M("pmovzxbw m64", 0x66, 2, 0x30, 0, -1, 0),
    M("pmovsxbq m16", 0x66, 2, 0x22, 0, -1, 0), M("punpcklbw mm m32", 0, 1, 0x60, 0, -1, 0),
    M("crc32 m8", 0xf2, 2, 0xf0, 0, -1, 0), M("crc32 m32", 0xf2, 2, 0xf1, 0, -1, 0),
    M("roundss m32", 0x66, 3, 0x0a, 0, 0x03, 4), M("ptest m128", 0x66, 2, 0x17, 0, -1, 0),
    M("cvtpi2ps m64", 0, 1, 0x2a, 0, -1, 0), M("cvtps2pi m64", 0, 1, 0x2d, 0, -1, 4),
};

START_TEST(test_mem_vs_host)
{
    srandom(77 + (unsigned)_i);
    check_case(&mem_cases[_i], 300);
}
END_TEST

START_TEST(test_fp_vs_host)
{
    srandom(1234 + (unsigned)_i);
    check_case(&fp_cases[_i], 4000);
}
END_TEST

START_TEST(test_int_vs_host)
{
    srandom(99 + (unsigned)_i);
    check_case(&int_cases[_i], 500);
}
END_TEST

/* PCMPESTRI/ESTRM/ISTRI/ISTRM over every imm8 the SDM defines (bit 7 clear). */
START_TEST(test_pcmpstr_vs_host)
{
    srandom(7);
    for (int opc = 0x60; opc <= 0x63; opc++) {
        for (int imm = 0; imm < 0x80; imm++) {
            Case t = { "pcmpstr", 0x66, 3, (uint8_t)opc, 0, imm, 0, true, false };
            check_case(&t, 40);
        }
    }
}
END_TEST

/* ---------------- exceptions, state, memory ---------------- */

static const Case addps = F("addps", 0, 1, 0x58, 4);

/* Unmasked exceptions: the host faults (#XM) exactly when Kestrel does,
 * with the same MXCSR flags and the destination unchanged. */
START_TEST(test_unmasked_vs_host)
{
    const Case *t = &fp_cases[_i];
    CPUX86State *env = new_env();

    if (t->rexw || t->modrm || t->map != 1 || t->opc == 0x2a) {
        free(env);
        return;     /* the float-source cases */
    }
    srandom(555 + (unsigned)_i);
    for (int it = 0; it < 400; it++) {
        RunState in = { .mxcsr = mxcsr_modes[it % ARRAY_SIZE(mxcsr_modes)] };
        in.mxcsr &= ~((uint32_t)(random() & 0x3f) << MXCSR_MASK_SHIFT);
        fill(&in.x0, t->esize);
        fill(&in.x1, t->esize);
        RunState host = in, emu = in;
        bool host_fault = host_run_trapping(t, &host);
        int exc = emu_run(env, t, &emu);
        ck_assert_msg(host_fault == (exc == EXCP_XM + 1) && (host_fault || !exc),
                      "%s mxcsr %04x: host fault %d, emu exception %d (mxcsr %04x/%04x)",
                      t->name, in.mxcsr, host_fault, exc - 1, host.mxcsr, emu.mxcsr);
        ck_assert_msg(host.mxcsr == emu.mxcsr, "%s mxcsr %04x: host %04x emu %04x "
                      "x0=%016llx%016llx x1=%016llx%016llx", t->name, in.mxcsr,
                      host.mxcsr, emu.mxcsr,
                      (unsigned long long)in.x0.q[1], (unsigned long long)in.x0.q[0],
                      (unsigned long long)in.x1.q[1], (unsigned long long)in.x1.q[0]);
        ck_assert_mem_eq(&host.x0, &emu.x0, 16);
    }
    free(env);
}
END_TEST

START_TEST(test_unmasked_exception)
{
    CPUX86State *env = new_env();
    RunState st = { .mxcsr = 0x1f80 & ~(MXCSR_ZE << MXCSR_MASK_SHIFT) };
    XMMReg before;

    st.x0.l[0] = 0x3f800000;        /* 1.0 / 0.0 through DIVPS */
    const Case divps = F("divps", 0, 1, 0x5e, 4);
    before = st.x0;
    ck_assert_int_eq(emu_run(env, &divps, &st), EXCP_XM + 1);
    ck_assert_mem_eq(&st.x0, &before, 16);
    ck_assert_uint_eq(st.mxcsr & MXCSR_ZE, MXCSR_ZE);
    env->cr[4] &= ~(uint64_t)CR4_OSXMMEXCPT;
    st.mxcsr = 0x1f80 & ~(MXCSR_ZE << MXCSR_MASK_SHIFT);
    ck_assert_int_eq(emu_run(env, &divps, &st), EXCP_UD + 1);
    /* masked: no exception, flag sticky */
    st.mxcsr = 0x1f80;
    ck_assert_int_eq(emu_run(env, &addps, &st), 0);
    free(env);
}
END_TEST

START_TEST(test_mmx_alias)
{
    CPUX86State *env = new_env();
    Case paddb = { "paddb mm", 0, 1, 0xfc, 0xc1, -1, 0, false, false };
    Case emms = { "emms", 0, 1, 0x77, 0xc0, -1, 0, false, false };
    RunState st = { .mxcsr = 0x1f80 };

    env->fpstt = 5;
    memset(env->fptags, 1, 8);
    st.m0 = 0x0102030405060708ULL;
    st.m1 = 0x10ff10ff10ff10ffULL;
    emu_run(env, &paddb, &st);
    ck_assert_uint_eq(env->fpregs[0].mant, 0x1101130315051707ULL);
    ck_assert_uint_eq(env->fpregs[0].exp, 0xffff);
    ck_assert_uint_eq(env->fpstt, 0);
    for (int i = 0; i < 8; i++) {
        ck_assert_uint_eq(env->fptags[i], 0);
    }
    emu_run(env, &emms, &st);
    for (int i = 0; i < 8; i++) {
        ck_assert_uint_eq(env->fptags[i], 1);
    }
    free(env);
}
END_TEST

static int emu_mem(CPUX86State *env, uint64_t desc, uint64_t addr)
{
    void (*fn)(CPUX86State *, uint64_t, uint64_t) =
        (void (*)(CPUX86State *, uint64_t, uint64_t))h_sse.func;
    int exc = setjmp(fake_jmp);
    if (!exc) {
        fn(env, desc, addr);
    }
    return exc;
}

/* 0F AE /n with a memory ModRM ([rcx]). */
static uint64_t grp15(unsigned n, bool rexw)
{
    Case t = { "grp15", 0, 1, 0xae, (uint8_t)(n << 3 | 1), -1, 0, false, rexw };
    return case_desc(&t);
}

START_TEST(test_fxsave_fxrstor)
{
    CPUX86State *env = new_env(), *env2 = new_env();
    uint8_t host_img[512] __attribute__((aligned(16)));

    env->fpuc = 0x37f;
    env->fpus = 0x4020;
    env->fpstt = 3;
    for (int i = 0; i < 8; i++) {
        env->fptags[i] = i & 1;
        env->fpregs[i] = (FloatX80){ 0x8000000000000000ULL | (uint64_t)i, (uint16_t)(0x3fff + i) };
    }
    for (int i = 0; i < 16; i++) {
        env->xmm[i].q[0] = 0x1111111111111111ULL * (uint64_t)i;
        env->xmm[i].q[1] = ~env->xmm[i].q[0];
    }
    env->mxcsr = 0x7fbf;
    memset(guest_mem, 0xcc, 1024);
    ck_assert_int_eq(emu_mem(env, grp15(0, true), 0x100), 0);
    ck_assert_uint_eq(guest_mem[0x100 + 4], 0x55);            /* abridged tags */
    ck_assert_uint_eq(guest_mem[0x100 + 3 * 0] | guest_mem[0x101] << 8, 0x37f);
    ck_assert_uint_eq(guest_mem[0x100 + 32], 3);              /* ST0 = physical 3 */
    ck_assert_uint_eq(guest_mem[0x100 + 24] | guest_mem[0x100 + 25] << 8, 0x7fbf);
    ck_assert_uint_eq(guest_mem[0x100 + 28] | guest_mem[0x100 + 29] << 8, 0xffff);
    ck_assert_int_eq(emu_mem(env2, grp15(1, true), 0x100), 0);
    ck_assert_int_eq(env2->fpstt, 3);
    ck_assert_mem_eq(env2->fptags, env->fptags, 8);
    ck_assert_mem_eq(env2->fpregs, env->fpregs, sizeof(env->fpregs));
    ck_assert_mem_eq(env2->xmm, env->xmm, sizeof(env->xmm));
    ck_assert_uint_eq(env2->mxcsr, 0x7fbf);
    ck_assert_uint_eq(env2->fpus, 0x4020);
    /* the host's FXSAVE of its own state agrees on MXCSR_MASK */
    __builtin_ia32_fxsave64(host_img);
    ck_assert_uint_eq(host_img[28] | host_img[29] << 8, 0xffff);
    /* misaligned image, reserved MXCSR bits */
    ck_assert_int_eq(emu_mem(env, grp15(0, false), 0x108), EXCP_GP + 1);
    guest_mem[0x100 + 26] = 1;
    ck_assert_int_eq(emu_mem(env2, grp15(1, false), 0x100), EXCP_GP + 1);
    /* LDMXCSR / STMXCSR */
    memcpy(guest_mem + 0x40, (uint32_t[]){ 0x9fc0 }, 4);
    ck_assert_int_eq(emu_mem(env, grp15(2, false), 0x40), 0);
    ck_assert_uint_eq(env->mxcsr, 0x9fc0);
    ck_assert_int_eq(emu_mem(env, grp15(3, false), 0x44), 0);
    ck_assert_uint_eq(guest_mem[0x44] | guest_mem[0x45] << 8, 0x9fc0);
    memcpy(guest_mem + 0x40, (uint32_t[]){ 0x10000 }, 4);
    ck_assert_int_eq(emu_mem(env, grp15(2, false), 0x40), EXCP_GP + 1);
    free(env);
    free(env2);
}
END_TEST

/* In 16-bit code (operand size 2) MOVD and CVTSI2SS still read 32 bits. */
START_TEST(test_opsize16)
{
    CPUX86State *env = new_env();
    Case movd = M("movd load", 0x66, 1, 0x6e, 0, -1, 0);
    uint64_t d = (case_desc(&movd) & ~(15ULL << SSE_DESC_OPSIZE)) | 2ULL << SSE_DESC_OPSIZE;
    memcpy(guest_mem + 0x300, (uint32_t[]){ 0x89abcdef }, 4);
    ck_assert_int_eq(emu_mem(env, d, 0x300), 0);
    ck_assert_uint_eq(env->xmm[0].q[0], 0x89abcdef);
    free(env);
}
END_TEST

/* REX.R/REX.B select XMM8-15 and R8-R15; MMX registers ignore them. */
START_TEST(test_rex_registers)
{
    CPUX86State *env = new_env();
    Case addps_hi = { "addps xmm9, xmm10", 0, 1, 0x58, 0xca, -1, 4, false, false };
    Case pextrw = { "pextrw r9d, xmm10, 3", 0x66, 1, 0xc5, 0xca, 3, 0, false, false };
    Case paddb_mm = { "paddb mm1, mm2 (rex)", 0, 1, 0xfc, 0xca, -1, 0, false, false };
    uint64_t d;

    env->xmm[9].l[0] = 0x3f800000;
    env->xmm[10].l[0] = 0x40000000;
    env->xmm[10].w[3] = 0xbeef;
    d = case_desc(&addps_hi) | 5ULL << SSE_DESC_REX;
    ck_assert_int_eq(emu_mem(env, d, 0), 0);
    ck_assert_uint_eq(env->xmm[9].l[0], 0x40400000);
    d = case_desc(&pextrw) | 5ULL << SSE_DESC_REX;
    ck_assert_int_eq(emu_mem(env, d, 0), 0);
    ck_assert_uint_eq(env->regs[R_R9], 0xbeef);
    env->fpregs[1].mant = 0x0101010101010101ULL;
    env->fpregs[2].mant = 0x0202020202020202ULL;
    d = case_desc(&paddb_mm) | 5ULL << SSE_DESC_REX;
    ck_assert_int_eq(emu_mem(env, d, 0), 0);
    ck_assert_uint_eq(env->fpregs[1].mant, 0x0303030303030303ULL);
    free(env);
}
END_TEST

START_TEST(test_alignment)
{
    CPUX86State *env = new_env();
    Case movaps = { "movaps", 0, 1, 0x28, 0x01, -1, 0, false, false };
    Case movups = { "movups", 0, 1, 0x10, 0x01, -1, 0, false, false };
    Case addss = { "addss", 0xf3, 1, 0x58, 0x01, -1, 0, false, false };
    ck_assert_int_eq(emu_mem(env, case_desc(&movaps), 0x208), EXCP_GP + 1);
    ck_assert_int_eq(emu_mem(env, case_desc(&movaps), 0x210), 0);
    ck_assert_int_eq(emu_mem(env, case_desc(&movups), 0x208), 0);
    ck_assert_int_eq(emu_mem(env, case_desc(&addss), 0x203), 0);
    free(env);
}
END_TEST

/* RCPPS/RSQRTPS: within 1.5 * 2^-12 of the exact value. */
START_TEST(test_rcp_bounds)
{
    CPUX86State *env = new_env();
    Case rcp = F("rcpps", 0, 1, 0x53, 4), rsqrt = F("rsqrtps", 0, 1, 0x52, 4);
    srandom(5);
    for (int it = 0; it < 2000; it++) {
        RunState st = { .mxcsr = 0x1f80 };
        for (int i = 0; i < 4; i++) {
            float f = ldexpf(1.0f + (float)(random() % 1000) / 1000.0f, (int)(random() % 60) - 30);
            memcpy(&st.x1.l[i], &f, 4);
        }
        RunState st2 = st;
        emu_run(env, &rcp, &st);
        emu_run(env, &rsqrt, &st2);
        for (int i = 0; i < 4; i++) {
            float x, r, q;
            memcpy(&x, &st.x1.l[i], 4);
            memcpy(&r, &st.x0.l[i], 4);
            memcpy(&q, &st2.x0.l[i], 4);
            ck_assert(fabs(r * (double)x - 1.0) <= 1.5 / 4096);
            ck_assert(fabs(q * sqrt((double)x) - 1.0) <= 1.5 / 4096);
        }
        ck_assert_uint_eq(st.mxcsr, 0x1f80);
    }
    free(env);
}
END_TEST

static Suite *sse_suite(void)
{
    Suite *s = suite_create("sse");
    TCase *tc = tcase_create("sse");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_fp_vs_host, 0, ARRAY_SIZE(fp_cases));
    tcase_add_loop_test(tc, test_int_vs_host, 0, ARRAY_SIZE(int_cases));
    tcase_add_loop_test(tc, test_mmx_vs_host, 0, ARRAY_SIZE(mmx_cases));
    tcase_add_loop_test(tc, test_mem_vs_host, 0, ARRAY_SIZE(mem_cases));
    tcase_add_test(tc, test_pcmpstr_vs_host);
    tcase_add_test(tc, test_unmasked_exception);
    tcase_add_loop_test(tc, test_unmasked_vs_host, 0, ARRAY_SIZE(fp_cases));
    tcase_add_test(tc, test_mmx_alias);
    tcase_add_test(tc, test_fxsave_fxrstor);
    tcase_add_test(tc, test_alignment);
    tcase_add_test(tc, test_rex_registers);
    tcase_add_test(tc, test_opsize16);
    tcase_add_test(tc, test_rcp_bounds);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sse_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
#else /* the reference is the host SSE unit (x86-64 inline assembly) */
#include <stdio.h>
int main(void)
{
    puts("SKIP: the SSE helper tests compare against the SSE unit of an x86-64 host");
    return 0;
}
#endif
