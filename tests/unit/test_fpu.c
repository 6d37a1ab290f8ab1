/*
 * test_fpu.c - the x87 helper entry point (cpu/fpu_helper.c, fpu_insn.c)
 * on a fake CPU: 64 KiB of guest RAM with linear = physical addresses,
 * exceptions as a longjmp back to the test, small fakes of the functions
 * other parts own (memory access, lazy flags, logging, FNINIT state).
 *
 * The main check is differential: random register stacks (0..8 values,
 * so underflow and overflow happen), control words (rounding, precision,
 * sometimes unmasked exceptions) and memory operands; each x87 instruction
 * encoding runs on the host x87 (generated code: FLD m80 x n, the
 * instruction, FNSAVE) and through helper_fpu, and the FNSAVE images
 * (control, status, tag word, all eight registers) and the memory operand
 * must be identical. Transcendentals and FCMOV/FCOMI are checked apart.
 */
#if defined(__x86_64__)
#include <check.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "cpu/fpu.h"
#include "kestrel/log.h"
#include "host_x87.h"

/* ---------------- fakes of the rest of Kestrel ---------------- */

#define RAM_SIZE 0x10000u
static uint8_t ram[RAM_SIZE];

unsigned log_mask;
FILE *log_file;
void log_printf(const char *fmt, ...)
{
    (void)fmt;
}

const IRBackend ir_backend_interp;
const IRBackend *ir_backend = &ir_backend_interp;
__thread uintptr_t ir_interp_retaddr;

void raise_exception_err(CPUX86State *env, int vector, int error_code, uintptr_t ra)
{
    (void)ra;
    env->exception_index = vector;
    env->error_code = error_code;
    longjmp(env->jmp_env, 1);
}

void raise_exception(CPUX86State *env, int vector, uintptr_t ra)
{
    raise_exception_err(env, vector, 0, ra);
}

uint64_t cpu_ld(CPUX86State *env, uint64_t vaddr, MemOp mo, unsigned mmu_idx, uintptr_t ra)
{
    unsigned size = 1u << (mo & 3);
    uint64_t v = 0;
    (void)mmu_idx;
    if (vaddr + size > RAM_SIZE) {
        raise_exception_err(env, EXCP_PF, 0, ra);
    }
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)ram[vaddr + i] << (8 * i);
    }
    return v;
}

void cpu_st(CPUX86State *env, uint64_t vaddr, uint64_t val, MemOp mo, unsigned mmu_idx,
            uintptr_t ra)
{
    unsigned size = 1u << (mo & 3);
    (void)mmu_idx;
    if (vaddr + size > RAM_SIZE) {
        raise_exception_err(env, EXCP_PF, 2, ra);
    }
    for (unsigned i = 0; i < size; i++) {
        ram[vaddr + i] = (uint8_t)(val >> (8 * i));
    }
}

unsigned cpu_mmu_index(const CPUX86State *env)
{
    (void)env;
    return MMU_KERNEL_IDX;
}

void cpu_fpu_init(CPUX86State *env)
{
    env->fpuc = 0x037f;
    env->fpus = 0;
    env->fpstt = 0;
    memset(env->fptags, 1, sizeof(env->fptags));
    env->fpop = 0;
    env->fpip = env->fpdp = 0;
    env->fpcs = env->fpds = 0;
}

void cpu_cc_materialize(CPUX86State *env)
{
    env->cc_op = CC_OP_EFLAGS;          /* the tests keep flags materialized */
}

void helper_fpu(CPUX86State *env, uint64_t op, uint64_t addr);
void helper_fwait(CPUX86State *env);

/* ---------------- running instructions ---------------- */

enum { MEMOP = 0x1000, SAVE = 0x2000, LOADS = 0x3000, EIP = 0x1234 };

static CPUX86State *env;

static void setup(void)
{
    env = calloc(1, sizeof(*env));
    env->hflags = HF_CS32 | HF_PE;
    env->cr[0] = CR0_PE | CR0_NE;
    env->segs[R_CS].selector = 0x08;
    env->segs[R_DS].selector = 0x10;
    env->cc_op = CC_OP_EFLAGS;
    cpu_fpu_init(env);
    memset(ram, 0, sizeof(ram));
}

static void teardown(void)
{
    free(env);
}

/* Calls helper_fpu; returns the exception vector or -1. */
static int run_op(uint64_t op, uint64_t addr)
{
    if (setjmp(env->jmp_env)) {
        return env->exception_index;
    }
    helper_fpu(env, op, addr);
    return -1;
}

/* One x87 instruction (escape byte, ModRM) at EIP, 32-bit operand size. */
static int run(unsigned esc, unsigned modrm, uint64_t addr)
{
    return run_op((uint64_t)EIP << 16 | 1u << 15 | (uint64_t)R_DS << 11 | (esc & 7) << 8 | modrm,
                  addr);
}

#define RUN_OK(esc, modrm, addr) ck_assert_int_eq(run(esc, modrm, addr), -1)

static void put_x80(uint32_t addr, SfX80 v)
{
    memcpy(&ram[addr], &v.mant, 8);
    memcpy(&ram[addr + 8], &v.se, 2);
}

static void push_x80(SfX80 v)
{
    put_x80(LOADS, v);
    RUN_OK(0xdb, 0x2e, LOADS);                          /* FLD m80 */
}

static SfX80 st(unsigned i)
{
    return fpu_get(env, i);
}

/* ---------------- the host side ---------------- */

typedef struct HostRun {
    uint16_t cw;
    uint8_t pad[6];
    uint64_t rflags;            /* in: CF/PF/ZF for FCMOV; out: after the insn */
    SfX80 regs[8];              /* 16-byte stride; regs[0] ends as ST(0) */
    uint8_t save[112];
} HostRun;

static uint8_t *host_code;

/* fninit; fldcw [rdi]; fld m80 regs[n-1..0]; push flags; popfq; esc modrm;
 * pushfq; pop [rdi+rflags]; fnsave; fninit; ret */
static void host_exec(HostRun *h, unsigned n, unsigned esc, unsigned modrm, void *mem)
{
    uint8_t *p = host_code;
    *p++ = 0xdb; *p++ = 0xe3;
    *p++ = 0xd9; *p++ = 0x2f;
    for (int k = (int)n - 1; k >= 0; k--) {
        uint32_t off = (uint32_t)offsetof(HostRun, regs) + 16u * (unsigned)k;
        *p++ = 0xdb; *p++ = 0xaf;
        memcpy(p, &off, 4);
        p += 4;
    }
    uint32_t fl = (uint32_t)h->rflags, off = offsetof(HostRun, rflags);
    *p++ = 0x68;
    memcpy(p, &fl, 4);
    p += 4;
    *p++ = 0x9d;
    *p++ = (uint8_t)esc; *p++ = (uint8_t)modrm;
    *p++ = 0x9c;
    *p++ = 0x8f; *p++ = 0x87;
    memcpy(p, &off, 4);
    p += 4;
    off = offsetof(HostRun, save);
    *p++ = 0xdd; *p++ = 0xb7;
    memcpy(p, &off, 4);
    p += 4;
    *p++ = 0xdb; *p++ = 0xe3;
    *p++ = 0xc3;
    __builtin___clear_cache((char *)host_code, (char *)p);
    ((void (*)(HostRun *, void *))(void *)host_code)(h, mem);
}

/* Instructions the differential test leaves out: control forms, #UD,
 * transcendentals (tolerance), FBLD (random bytes are not BCD), FNSTSW AX. */
static bool skip_reg(unsigned esc, unsigned modrm)
{
    static const uint8_t d9_ok[32] = {
        1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0,
        0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 1, 0, 1, 1, 0, 0,
    };
    unsigned reg = (modrm >> 3) & 7;
    switch (esc) {
    case 0xd9: return modrm >= 0xe0 ? !d9_ok[modrm - 0xe0] : (reg == 2 && modrm != 0xd0);
    case 0xda: return modrm >= 0xe0 && modrm != 0xe9;
    case 0xdb: return (modrm >= 0xe0 && modrm < 0xe8) || modrm >= 0xf8;
    case 0xdd: return modrm >= 0xf0;
    case 0xde: return reg == 3 && modrm != 0xd9;
    case 0xdf: return (modrm >= 0xe0 && modrm < 0xe8) || modrm >= 0xf8;
    default: return false;
    }
}

static bool skip_mem(unsigned esc, unsigned reg)
{
    switch (esc) {
    case 0xd9: return reg == 1 || reg >= 4;
    case 0xdb: return reg == 4 || reg == 6;
    case 0xdd: return reg >= 4;
    case 0xdf: return reg == 4;
    default: return false;
    }
}

static uint16_t rnd_cw(void)
{
    static const unsigned pc[] = { 0, 2, 3, 3 };
    unsigned masks = x87_rnd() % 4 ? 0x3f : (unsigned)(x87_rnd() & 0x3f);
    return (uint16_t)(0x40 | masks | pc[x87_rnd() % 4] << 8 | (x87_rnd() % 4) << 10);
}

static void rnd_mem(uint8_t *m)
{
    SfX80 v = x87_rnd_x80(NULL);
    memset(m, 0, 16);
    memcpy(m, &v.mant, 8);
    memcpy(m + 8, &v.se, 2);
    if (x87_rnd() % 4 == 0) {                   /* small integers */
        uint64_t n = x87_rnd() % 4 ? x87_rnd() % 100000 : x87_rnd();
        memcpy(m, &n, 8);
    }
}

static bool is_compare(unsigned esc, unsigned modrm)
{
    unsigned reg = (modrm >> 3) & 7;
    if (modrm < 0xc0) {
        return !(esc & 1) && (reg == 2 || reg == 3);
    }
    return ((esc == 0xd8 || esc == 0xdc || esc == 0xde) && (reg == 2 || reg == 3)) ||
           esc == 0xda || (esc == 0xdb && reg >= 5) || (esc == 0xdd && (reg == 4 || reg == 5)) ||
           (esc == 0xdf && reg >= 5) || (esc == 0xd9 && modrm == 0xe4);
}

/* ST(r) in an FNSAVE image is in use (tag word, physical = TOP + r). */
static bool save_used(const uint8_t *img, unsigned r)
{
    unsigned top = (img[5] >> 3) & 7, tw = (unsigned)(img[8] | img[9] << 8);
    return ((tw >> (2 * ((top + r) & 7))) & 3) != 3;
}

/* The FNSAVE images agree: control, status, tags and the used registers. */
static bool save_same(const uint8_t *a, const uint8_t *b)
{
    if (memcmp(a, b, 2) || memcmp(a + 4, b + 4, 2) || memcmp(a + 8, b + 8, 2)) {
        return false;
    }
    for (unsigned r = 0; r < 8; r++) {
        if (save_used(a, r) && memcmp(a + 28 + 10 * r, b + 28 + 10 * r, 10)) {
            return false;
        }
    }
    return true;
}

/* One instruction on random state: host versus helper. */
static int diff_one(unsigned esc, unsigned modrm)
{
    HostRun h;
    uint8_t hmem[16];
    unsigned n = (unsigned)(x87_rnd() % 9);
    bool mem = modrm < 0xc0;
    memset(&h, 0, sizeof(h));
    h.cw = rnd_cw();
    h.rflags = 0x202 | (x87_rnd() & (CC_C | CC_P | CC_Z | CC_O | CC_S | CC_A));
    uint64_t flags_in = h.rflags;
    if (is_compare(esc, modrm)) {
        h.cw |= SF_DE;          /* unmasked-DE compares: host CC not modelled */
    }
    if (esc == 0xd9 && (modrm & 0xf8) == 0xd8 && n == 0) {
        n = 1;                  /* FSTP1 copies an empty ST(0) unchecked */
    }
    for (unsigned k = 0; k < 8; k++) {
        h.regs[k] = x87_rnd_x80(k ? &h.regs[0] : NULL);
    }
    rnd_mem(hmem);
    memcpy(&ram[MEMOP], hmem, 16);
    host_exec(&h, n, esc, modrm, hmem);

    cpu_fpu_init(env);
    env->fpuc = 0x037f;
    for (int k = (int)n - 1; k >= 0; k--) {
        push_x80(h.regs[k]);
    }
    env->fpuc = h.cw;
    env->fpus = 0;
    env->cc_src = flags_in & CC_ALL;
    int exc = run(esc, modrm, mem ? MEMOP : 0);
    RUN_OK(0xdd, 0x36, SAVE);                           /* FNSAVE */
    const uint8_t *k = &ram[SAVE];
    bool same = exc == -1 && save_same(h.save, k) && (!mem || !memcmp(&ram[MEMOP], hmem, 16)) &&
                (h.rflags & CC_ALL) == (env->cc_src & CC_ALL);
    if (!same) {
        fprintf(stderr, "%02x %02x n=%u cw=%04x exc=%d: fsw host %02x%02x kestrel %02x%02x, "
                "ftw host %02x%02x kestrel %02x%02x, flags %03llx: host %03llx kestrel %03llx\n",
                esc, modrm, n, h.cw, exc, h.save[5], h.save[4], k[5], k[4], h.save[9],
                h.save[8], k[9], k[8], (unsigned long long)flags_in,
                (unsigned long long)(h.rflags & CC_ALL), (unsigned long long)(env->cc_src & CC_ALL));
        for (unsigned r = 0; r < n; r++) {
            x87_print("in", h.regs[r]);
        }
        fprintf(stderr, "\n");
        for (unsigned r = 0; r < 8; r++) {
            SfX80 a, b;
            memcpy(&a.mant, h.save + 28 + 10 * r, 8);
            memcpy(&a.se, h.save + 36 + 10 * r, 2);
            memcpy(&b.mant, k + 28 + 10 * r, 8);
            memcpy(&b.se, k + 36 + 10 * r, 2);
            if (save_used(h.save, r) && !x87_same(a, b)) {
                fprintf(stderr, "  st%u ", r);
                x87_print("host", a);
                x87_print("kestrel", b);
                fprintf(stderr, "\n");
            }
        }
        if (mem && memcmp(&ram[MEMOP], hmem, 16)) {
            fprintf(stderr, "  memory operand differs\n");
        }
    }
    return !same;
}

START_TEST(test_diff_reg)
{
    unsigned esc = 0xd8 + (unsigned)_i;
    int bad = 0;
    for (unsigned modrm = 0xc0; modrm <= 0xff; modrm++) {
        if (skip_reg(esc, modrm)) {
            continue;
        }
        for (int i = 0; i < 600 && bad < 8; i++) {
            bad += diff_one(esc, modrm);
        }
    }
    ck_assert_int_eq(bad, 0);
}
END_TEST

START_TEST(test_diff_mem)
{
    unsigned esc = 0xd8 + (unsigned)_i;
    int bad = 0;
    for (unsigned reg = 0; reg < 8; reg++) {
        if (skip_mem(esc, reg)) {
            continue;
        }
        for (int i = 0; i < 5000 && bad < 8; i++) {
            bad += diff_one(esc, reg << 3 | 6);
        }
    }
    ck_assert_int_eq(bad, 0);
}
END_TEST

/* Transcendentals through the helper: stack effects, C2 and the flags
 * exactly, the values within a few ulps, C1 (rounding direction) not
 * compared; operands where the host x87 is accurate (|x| < 1.5 for the
 * trigonometric functions, (-1, 1) for F2XM1, |x| < 0.25 for FYL2XP1). */
static uint64_t x80_ulps(SfX80 a, SfX80 b)
{
    if (a.se != b.se) {
        return x87_same(a, b) ? 0 : UINT64_MAX;
    }
    return a.mant > b.mant ? a.mant - b.mant : b.mant - a.mant;
}

START_TEST(test_diff_trans)
{
    static const uint8_t ops[] = { 0xf0, 0xf1, 0xf2, 0xf3, 0xf9, 0xfb, 0xfe, 0xff };
    int bad = 0;
    for (int i = 0; i < 4000 && bad < 8; i++) {
        unsigned op = ops[x87_rnd() % sizeof(ops)], n = 1 + (unsigned)(x87_rnd() % 8);
        HostRun h;
        uint8_t m[16];
        memset(&h, 0, sizeof(h));
        h.cw = 0x037f;
        for (unsigned k = 0; k < 8; k++) {
            int lo = op == 0xf9 ? -30 : -20, hi = op == 0xf9 ? -3 : 0;
            h.regs[k] = (SfX80){ x87_rnd() | 1ull << 63,
                                 (uint16_t)((x87_rnd() & 0x8000) |
                                            (0x3fff + lo + (int)(x87_rnd() % (unsigned)(hi - lo)))) };
        }
        if (op == 0xf1) {
            h.regs[0].se &= 0x7fff;                     /* FYL2X: log of a positive */
        }
        host_exec(&h, n, 0xd9, op, m);
        cpu_fpu_init(env);
        for (int k = (int)n - 1; k >= 0; k--) {
            push_x80(h.regs[k]);
        }
        int exc = run(0xd9, op, 0);
        RUN_OK(0xdd, 0x36, SAVE);
        const uint8_t *k = &ram[SAVE];
        uint16_t hsw = (uint16_t)(h.save[4] | h.save[5] << 8), ksw = (uint16_t)(k[4] | k[5] << 8);
        bool same = exc == -1 && (hsw & ~FSW_C1) == (ksw & ~FSW_C1) && !memcmp(k + 8, h.save + 8, 2);
        for (unsigned r = 0; r < 8 && same; r++) {
            SfX80 a, b;
            memcpy(&a.mant, h.save + 28 + 10 * r, 8);
            memcpy(&a.se, h.save + 36 + 10 * r, 2);
            memcpy(&b.mant, k + 28 + 10 * r, 8);
            memcpy(&b.se, k + 36 + 10 * r, 2);
            same = !save_used(h.save, r) || x80_ulps(a, b) <= 4;
        }
        if (!same) {
            fprintf(stderr, "d9 %02x n=%u: fsw host %04x kestrel %04x ", op, n, hsw, ksw);
            x87_print("st0 in", h.regs[0]);
            x87_print("st1 in", h.regs[1]);
            fprintf(stderr, "\n");
            bad++;
        }
    }
    ck_assert_int_eq(bad, 0);
}
END_TEST

/* ---------------- targeted checks ---------------- */

START_TEST(test_bcd)
{
    static const int64_t vals[] = { 0, 1, -1, 99, 123456789012345678ll, -999999999999999999ll };
    for (unsigned i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        uint8_t host[10];
        int64_t v = vals[i];
        __asm__ volatile("fninit\n\tfildll %[V]\n\tfbstp %[B]\n\tfninit"
                         : [B] "=m"(host) : [V] "m"(v));
        cpu_fpu_init(env);
        memcpy(&ram[MEMOP], &v, 8);
        RUN_OK(0xdf, 0x2e, MEMOP);                      /* FILD m64 */
        RUN_OK(0xdf, 0x36, SAVE);                       /* FBSTP */
        ck_assert_mem_eq(&ram[SAVE], host, 10);
        RUN_OK(0xdf, 0x26, SAVE);                       /* FBLD */
        RUN_OK(0xdf, 0x3e, MEMOP + 16);                 /* FISTP m64 */
        ck_assert_mem_eq(&ram[MEMOP + 16], &v, 8);
    }
    /* out of range: IE and the BCD indefinite */
    cpu_fpu_init(env);
    push_x80((SfX80){ 1ull << 63, 0x3fff + 62 });
    RUN_OK(0xdf, 0x36, SAVE);
    ck_assert_uint_eq(ram[SAVE + 9], 0xff);
    ck_assert_uint_eq(ram[SAVE + 8], 0xff);
    ck_assert_uint_eq(ram[SAVE + 7], 0xc0);
    ck_assert(env->fpus & FSW_IE);
}
END_TEST

START_TEST(test_constants)
{
    static const uint8_t ops[] = { 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee };
    for (unsigned rc = 0; rc < 4; rc++) {
        for (unsigned k = 0; k < sizeof(ops); k++) {
            HostRun h;
            uint8_t m[16];
            memset(&h, 0, sizeof(h));
            h.cw = (uint16_t)(0x37f | rc << 10);
            host_exec(&h, 0, 0xd9, ops[k], m);
            cpu_fpu_init(env);
            env->fpuc = h.cw;
            RUN_OK(0xd9, ops[k], 0);
            SfX80 want;
            memcpy(&want.mant, h.save + 28, 8);
            memcpy(&want.se, h.save + 36, 2);
            ck_assert_msg(x87_same(st(0), want), "constant d9 %02x rc %u", ops[k], rc);
        }
    }
}
END_TEST

START_TEST(test_fcomi_fcmov)
{
    push_x80((SfX80){ 1ull << 63, 0x4000 });            /* ST1 = 2 */
    push_x80((SfX80){ 1ull << 63, 0x3fff });            /* ST0 = 1 */
    env->cc_src = CC_O | CC_S;
    RUN_OK(0xdb, 0xf1, 0);                              /* FCOMI ST0, ST1: 1 < 2 */
    ck_assert_uint_eq(env->cc_src & CC_ALL, CC_C);
    RUN_OK(0xda, 0xc1, 0);                              /* FCMOVB: CF=1, moves */
    ck_assert(x87_same(st(0), st(1)));
    RUN_OK(0xdf, 0xe9, 0);                              /* FUCOMIP: equal, pops */
    ck_assert_uint_eq(env->cc_src & CC_ALL, CC_Z);
    ck_assert_uint_eq(env->fpstt, 7);
    push_x80((SfX80){ 0xc000000000000000ull, 0x7fff }); /* QNaN */
    RUN_OK(0xdb, 0xe9, 0);                              /* FUCOMI: unordered, no IE */
    ck_assert_uint_eq(env->cc_src & CC_ALL, CC_Z | CC_P | CC_C);
    ck_assert(!(env->fpus & FSW_IE));
    RUN_OK(0xdb, 0xd1, 0);                              /* FCMOVNBE: CF|ZF set, no move */
    ck_assert_uint_eq(st(0).se, 0x7fff);
}
END_TEST

START_TEST(test_unmasked_and_mf)
{
    uint16_t cw = 0x037b;                               /* ZE unmasked */
    memcpy(&ram[MEMOP], &cw, 2);
    RUN_OK(0xd9, 0x2e, MEMOP);                          /* FLDCW */
    push_x80((SfX80){ 0, 0 });                          /* ST1 = 0 */
    push_x80((SfX80){ 1ull << 63, 0x3fff });            /* ST0 = 1 */
    RUN_OK(0xd8, 0xf1, 0);                              /* FDIV ST0, ST1 */
    ck_assert_uint_eq(env->fpus & (FSW_ES | FSW_B | 0x3f), FSW_ES | FSW_B | SF_ZE);
    ck_assert_uint_eq(st(0).se, 0x3fff);                /* destination unchanged */
    ck_assert_int_eq(run(0xd8, 0xc1, 0), EXCP_MF);      /* next waiting insn: #MF */
    RUN_OK(0xdd, 0x36, SAVE);                           /* FNSAVE does not wait */
    ck_assert_uint_eq(env->fpuc, 0x037f);
    RUN_OK(0xdd, 0x26, SAVE);                           /* FRSTOR: ES pending again */
    ck_assert_int_eq(run(0xd9, 0xd0, 0), EXCP_MF);      /* FNOP waits */
    env->cr[0] &= ~CR0_NE;
    RUN_OK(0xd9, 0xd0, 0);                              /* FERR# route: not faulted */
    env->cr[0] |= CR0_NE;
    RUN_OK(0xdb, 0xe2, 0);                              /* FNCLEX */
    RUN_OK(0xd9, 0xd0, 0);
    env->cr[0] |= CR0_TS;
    ck_assert_int_eq(run(0xd9, 0xd0, 0), EXCP_NM);
    ck_assert_int_eq(run(0xd9, 0xd1, 0), EXCP_NM);
    env->cr[0] &= ~CR0_TS;
    ck_assert_int_eq(run(0xd9, 0xd1, 0), EXCP_UD);
}
END_TEST

START_TEST(test_pointers)
{
    env->segs[R_DS].base = 0x100;
    memset(&ram[0x100 + 0x40], 0, 8);
    RUN_OK(0xdd, 0x06, 0x140);                          /* FLD m64 at DS:0x40 */
    RUN_OK(0xd9, 0x36, SAVE);                           /* FNSTENV (32-bit) */
    uint32_t ip, cs, dp, ds;
    memcpy(&ip, &ram[SAVE + 12], 4);
    memcpy(&cs, &ram[SAVE + 16], 4);
    memcpy(&dp, &ram[SAVE + 20], 4);
    memcpy(&ds, &ram[SAVE + 24], 4);
    ck_assert_uint_eq(ip, EIP);
    ck_assert_uint_eq(cs, 0x08 | (0x506u << 16));       /* FOP = (DD & 7) << 8 | 06 */
    ck_assert_uint_eq(dp, 0x40);
    ck_assert_uint_eq(ds & 0xffff, 0x10);
    ck_assert_uint_eq(env->fpuc & 0x3f, 0x3f);
    /* 16-bit operand size: the 14-byte format (FSW at 2, FIP at 6, FDP at 10) */
    ck_assert_int_eq(run_op((uint64_t)EIP << 16 | (uint64_t)R_DS << 11 | 1 << 8 | 0x36, SAVE), -1);
    ck_assert_uint_eq(ram[SAVE + 2] | ram[SAVE + 3] << 8, fpu_get_fsw(env));
    ck_assert_uint_eq(ram[SAVE + 6] | ram[SAVE + 7] << 8, EIP);
    ck_assert_uint_eq(ram[SAVE + 10] | ram[SAVE + 11] << 8, 0x40);
}
END_TEST

START_TEST(test_stack_faults)
{
    for (int i = 0; i < 8; i++) {
        RUN_OK(0xd9, 0xe8, 0);                          /* FLD1 x 8 */
    }
    RUN_OK(0xd9, 0xee, 0);                              /* FLDZ: overflow */
    ck_assert_uint_eq(env->fpus & (FSW_C1 | FSW_SF | FSW_IE), FSW_C1 | FSW_SF | FSW_IE);
    ck_assert(x87_same(st(0), SF_X80_INDEFINITE));
    RUN_OK(0xdb, 0xe3, 0);                              /* FNINIT */
    RUN_OK(0xd8, 0xc1, 0);                              /* FADD on empty: underflow */
    ck_assert_uint_eq(env->fpus & (FSW_C1 | FSW_SF | FSW_IE), FSW_SF | FSW_IE);
    ck_assert(x87_same(st(0), SF_X80_INDEFINITE));
}
END_TEST

START_TEST(test_trig)
{
    push_x80((SfX80){ 1ull << 63, 0x3fff + 63 });      /* 2^63: out of range */
    RUN_OK(0xd9, 0xfe, 0);                              /* FSIN */
    ck_assert(env->fpus & FSW_C2);
    ck_assert_uint_eq(st(0).se, 0x3fff + 63);
    push_x80((SfX80){ 0, 0 });
    RUN_OK(0xd9, 0xfb, 0);                              /* FSINCOS 0: ST0 = cos, ST1 = sin */
    ck_assert(!(env->fpus & FSW_C2));
    ck_assert(x87_same(st(0), (SfX80){ 1ull << 63, 0x3fff }));
    ck_assert(x87_same(st(1), (SfX80){ 0, 0 }));
    RUN_OK(0xd9, 0xf2, 0);                              /* FPTAN 1 -> tan(1), 1 */
    ck_assert(x87_same(st(0), (SfX80){ 1ull << 63, 0x3fff }));
    ck_assert_uint_eq(st(1).se, 0x3fff);                /* tan(1) = 1.557... */
}
END_TEST

static Suite *fpu_suite(void)
{
    Suite *s = suite_create("fpu");
    TCase *tc = tcase_create("x87");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_diff_reg, 0, 8);
    tcase_add_loop_test(tc, test_diff_mem, 0, 8);
    tcase_add_test(tc, test_diff_trans);
    tcase_add_test(tc, test_bcd);
    tcase_add_test(tc, test_constants);
    tcase_add_test(tc, test_fcomi_fcmov);
    tcase_add_test(tc, test_unmasked_and_mf);
    tcase_add_test(tc, test_pointers);
    tcase_add_test(tc, test_stack_faults);
    tcase_add_test(tc, test_trig);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    host_code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (host_code == MAP_FAILED) {
        perror("mmap");
        return EXIT_FAILURE;
    }
    SRunner *sr = srunner_create(fpu_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#else /* the reference is the host x87 (x86-64 inline assembly) */
#include <stdio.h>
int main(void)
{
    puts("SKIP: the x87 helper tests compare against the x87 of an x86-64 host");
    return 0;
}
#endif
