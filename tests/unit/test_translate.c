/*
 * test_translate.c - unit tests of the translator's C side: cc_compute_all
 * against flags computed by the host CPU (x86-64 inline asm: ADD, ADC, SUB,
 * SBB, AND, INC, DEC, SHL, SHR, SAR, IMUL at 8/16/32/64 bits on random and
 * edge values, comparing only the flags the SDM defines), DIV/IDIV helpers
 * against the host's DIV/IDIV (and #DE where the host would trap), the BCD
 * helpers against decimal arithmetic and SDM examples, CMPXCHG8B/16B.
 *
 * The helpers are reached through their IRHelper descriptors, as generated
 * code reaches them. raise_exception and guest memory are small fakes here
 * (the real ones belong to other parts of cpu/).
 */
#if defined(__x86_64__)
#include <check.h>
#include <setjmp.h>
#include <stdlib.h>
#include "cpu/internal.h"

/* --- fakes of what the helpers call --- */

static jmp_buf fake_jmp;
static uint8_t fake_mem[64];

const IRBackend ir_backend_interp;
const IRBackend *ir_backend = &ir_backend_interp;
__thread uintptr_t ir_interp_retaddr;

void raise_exception(CPUX86State *env, int vector, uintptr_t retaddr)
{
    longjmp(fake_jmp, vector + 1);
}

void raise_exception_err(CPUX86State *env, int vector, int error_code, uintptr_t retaddr)
{
    longjmp(fake_jmp, vector + 1);
}

unsigned cpu_mmu_index(const CPUX86State *env)
{
    return MMU_KERNEL_IDX;
}

uint64_t cpu_ld(CPUX86State *env, uint64_t vaddr, MemOp mo, unsigned mmu_idx, uintptr_t ra)
{
    ck_assert_uint_le(vaddr + (1u << (mo & MO_SIZE)), sizeof(fake_mem));
    return (mo & MO_SIZE) == MO_64 ? ld64_le(fake_mem + vaddr) : ld32_le(fake_mem + vaddr);
}

void cpu_st(CPUX86State *env, uint64_t vaddr, uint64_t val, MemOp mo, unsigned mmu_idx,
            uintptr_t ra)
{
    ck_assert_uint_le(vaddr + (1u << (mo & MO_SIZE)), sizeof(fake_mem));
    if ((mo & MO_SIZE) == MO_64) {
        st64_le(fake_mem + vaddr, val);
    } else {
        st32_le(fake_mem + vaddr, (uint32_t)val);
    }
}

typedef void Helper0(CPUX86State *env);
typedef void Helper1(CPUX86State *env, uint64_t a);
typedef uint64_t HelperRet0(CPUX86State *env);

/* Runs a one-argument helper; returns the vector it raised + 1, or 0. */
static int run_helper1(const IRHelper *h, CPUX86State *env, uint64_t arg)
{
    int raised = setjmp(fake_jmp);
    if (raised == 0) {
        ((Helper1 *)h->func)(env, arg);
    }
    return raised;
}

#include "tests/unit/host_flags.h"

typedef enum FlagKind { K_ARITH, K_INCDEC, K_SHL, K_SHR, K_SAR, K_IMUL } FlagKind;

typedef struct FlagCase {
    const char *name;
    HostFn *host[4];
    CCOp base;
    FlagKind kind;
    uint32_t defined;        /* flags the SDM defines (OF of shifts: count 1 only) */
} FlagCase;

#define HOSTS(n) { host_##n##8, host_##n##16, host_##n##32, host_##n##64 }
static const FlagCase flag_cases[] = {
    { "add", HOSTS(add), CC_OP_ADDB, K_ARITH, CC_ALL },
    { "adc", HOSTS(adc), CC_OP_ADCB, K_ARITH, CC_ALL },
    { "sub", HOSTS(sub), CC_OP_SUBB, K_ARITH, CC_ALL },
    { "sbb", HOSTS(sbb), CC_OP_SBBB, K_ARITH, CC_ALL },
    { "and", HOSTS(and), CC_OP_LOGICB, K_ARITH, CC_ALL & ~CC_A },
    { "inc", HOSTS(inc), CC_OP_INCB, K_INCDEC, CC_ALL },
    { "dec", HOSTS(dec), CC_OP_DECB, K_INCDEC, CC_ALL },
    { "shl", HOSTS(shl), CC_OP_SHLB, K_SHL, CC_ALL & ~CC_A },
    { "shr", HOSTS(shr), CC_OP_SARB, K_SHR, CC_ALL & ~CC_A },
    { "sar", HOSTS(sar), CC_OP_SARB, K_SAR, CC_ALL & ~CC_A },
    { "imul", HOSTS(imul), CC_OP_MULB, K_IMUL, CC_C | CC_O },
};

static uint64_t sext(uint64_t v, int bits)
{
    return bits == 64 ? v : (uint64_t)((int64_t)(v << (64 - bits)) >> (64 - bits));
}

static uint64_t trunc_bits(uint64_t v, int bits)
{
    return bits == 64 ? v : v & ((1ULL << bits) - 1);
}

/* The lazy state the translator sets for the operation (see internal.h). */
static void lazy_state(const FlagCase *fc, int bits, uint64_t a, uint64_t b, int cin,
                       uint64_t r, uint64_t *dst, uint64_t *src, uint64_t *src2)
{
    *dst = trunc_bits(r, bits);
    *src = b;
    *src2 = (uint64_t)cin;
    switch (fc->kind) {
    case K_INCDEC: *src = (uint64_t)cin; break;
    case K_SHL: *src = trunc_bits(a << (b - 1), bits); break;
    case K_SHR: *src = a >> (b - 1); break;
    case K_SAR: *src = trunc_bits((uint64_t)((int64_t)sext(a, bits) >> (b - 1)), bits); break;
    case K_IMUL:
        if (bits == 8) {
            *dst = r & 0xff;
            *src = sext(r & 0xff, 8) != sext(r, 16);
        } else {
            unsigned __int128 p = (unsigned __int128)((__int128)(int64_t)sext(a, bits) *
                                                      (__int128)(int64_t)sext(b, bits));
            *src = (__int128)p != (__int128)(int64_t)sext(trunc_bits((uint64_t)p, bits), bits);
        }
        break;
    default: break;
    }
}

START_TEST(test_cc_vs_host)
{
    const FlagCase *fc = &flag_cases[_i / 4];
    int lg = _i % 4, bits = 8 << lg;
    for (int n = 0; n < 20000; n++) {
        uint64_t a = rnd_val(bits), b = rnd_val(bits), r, dst, src, src2;
        int cin = (int)(rnd() & 1);
        if (fc->kind == K_SHL || fc->kind == K_SHR || fc->kind == K_SAR) {
            b = 1 + rnd() % (uint64_t)(bits - 1);
        }
        uint32_t host = (uint32_t)fc->host[lg](a, b, cin, &r);
        lazy_state(fc, bits, a, b, cin, r, &dst, &src, &src2);
        uint32_t mask = fc->defined;
        if (fc->kind >= K_SHL && fc->kind <= K_SAR && b != 1) {
            mask &= ~CC_O;
        }
        if (bits < 64 && (rnd() & 1)) {          /* junk above the width is ignored */
            dst |= rnd() << bits;
        }
        CCOp op = (CCOp)(fc->base + lg);
        uint32_t mine = cc_compute_all(op, dst, src, src2);
        ck_assert_msg((mine & mask) == (host & mask),
                      "%s%d a=%#llx b=%#llx cin=%d: flags %#x, host %#x (mask %#x)",
                      fc->name, bits, (unsigned long long)a, (unsigned long long)b, cin,
                      mine & mask, host & mask, mask);
        ck_assert_uint_eq(cc_compute_c(op, dst, src, src2), mine & CC_C);
        ck_assert_uint_eq(mine & ~(uint32_t)CC_ALL, 0);
    }
}
END_TEST

START_TEST(test_cc_special)
{
    ck_assert_uint_eq(cc_compute_all(CC_OP_CLR, 123, 456, 789), CC_Z | CC_P);
    ck_assert_uint_eq(cc_compute_all(CC_OP_EFLAGS, 0, 0xffffffff, 0), CC_ALL);
    ck_assert_uint_eq(cc_compute_all(CC_OP_EFLAGS, 0, CC_C | CC_Z, 0), CC_C | CC_Z);

    CPUX86State env = { 0 };
    env.cc_op = CC_OP_SUBB;
    env.cc_dst = 0xff;                       /* 0 - 1 */
    env.cc_src = 1;
    uint32_t f = (uint32_t)((HelperRet0 *)h_cc_compute_all.func)(&env);
    ck_assert_uint_eq(f, CC_C | CC_A | CC_S | CC_P);
    ck_assert_uint_eq(((HelperRet0 *)h_cc_compute_c.func)(&env), CC_C);
    cpu_cc_materialize(&env);
    ck_assert_uint_eq(env.cc_op, CC_OP_EFLAGS);
    ck_assert_uint_eq(env.cc_src, f);
}
END_TEST

/* --- DIV/IDIV --- */

static bool host_div(int bits, bool sign, uint64_t *rax, uint64_t *rdx, uint64_t d)
{
    uint64_t a = *rax, dx = *rdx;
    switch (bits * (sign ? -1 : 1)) {
    case 8: { uint16_t ax = (uint16_t)a; uint8_t v = (uint8_t)d;
              __asm__("divb %[d]" : "+a"(ax) : [d] "r"(v) : "cc"); a = deposit64(a, 0, 16, ax); break; }
    case -8: { uint16_t ax = (uint16_t)a; uint8_t v = (uint8_t)d;
               __asm__("idivb %[d]" : "+a"(ax) : [d] "r"(v) : "cc"); a = deposit64(a, 0, 16, ax); break; }
    case 16: { uint16_t ax = (uint16_t)a, dd = (uint16_t)dx, v = (uint16_t)d;
               __asm__("divw %[d]" : "+a"(ax), "+d"(dd) : [d] "r"(v) : "cc");
               a = deposit64(a, 0, 16, ax); dx = deposit64(dx, 0, 16, dd); break; }
    case -16: { uint16_t ax = (uint16_t)a, dd = (uint16_t)dx, v = (uint16_t)d;
                __asm__("idivw %[d]" : "+a"(ax), "+d"(dd) : [d] "r"(v) : "cc");
                a = deposit64(a, 0, 16, ax); dx = deposit64(dx, 0, 16, dd); break; }
    case 32: { uint32_t ax = (uint32_t)a, dd = (uint32_t)dx, v = (uint32_t)d;
               __asm__("divl %[d]" : "+a"(ax), "+d"(dd) : [d] "r"(v) : "cc"); a = ax; dx = dd; break; }
    case -32: { uint32_t ax = (uint32_t)a, dd = (uint32_t)dx, v = (uint32_t)d;
                __asm__("idivl %[d]" : "+a"(ax), "+d"(dd) : [d] "r"(v) : "cc"); a = ax; dx = dd; break; }
    case 64: __asm__("divq %[d]" : "+a"(a), "+d"(dx) : [d] "r"(d) : "cc"); break;
    default: __asm__("idivq %[d]" : "+a"(a), "+d"(dx) : [d] "r"(d) : "cc"); break;
    }
    *rax = a;
    *rdx = dx;
    return true;
}

/* Whether the division faults (#DE), computed exactly in 128/256-bit terms. */
static bool div_faults(int bits, bool sign, uint64_t rax, uint64_t rdx, uint64_t d)
{
    if (trunc_bits(d, bits) == 0) {
        return true;
    }
    if (bits == 64) {
        if (!sign) {
            return rdx >= d;
        }
        __int128 num = (__int128)((unsigned __int128)rdx << 64 | rax);
        if ((int64_t)d == -1) {
            return num == (__int128)((unsigned __int128)1 << 127) ||
                   -num != (__int128)(int64_t)-num;
        }
        __int128 q = num / (int64_t)d;
        return q != (__int128)(int64_t)q;
    }
    if (bits == 8) {
        if (!sign) {
            return (uint16_t)rax / (uint8_t)d > 0xff;
        }
        int32_t q = (int16_t)rax / (int8_t)d;
        return q != (int8_t)q;
    }
    uint64_t num = trunc_bits(rdx, bits) << bits | trunc_bits(rax, bits);
    if (!sign) {
        return num / trunc_bits(d, bits) > trunc_bits(~0ULL, bits);
    }
    int64_t sn = (int64_t)sext(num, bits * 2), sd = (int64_t)sext(d, bits);
    if (bits == 32 && sn == INT64_MIN && sd == -1) {
        return true;
    }
    int64_t q = sn / sd;
    return q != (int64_t)sext((uint64_t)q, bits);
}

START_TEST(test_div_vs_host)
{
    static const IRHelper *const h[2][4] = {
        { &h_div8, &h_div16, &h_div32, &h_div64 },
        { &h_idiv8, &h_idiv16, &h_idiv32, &h_idiv64 },
    };
    bool sign = _i / 4;
    int lg = _i % 4, bits = 8 << lg;
    int faults = 0;
    for (int n = 0; n < 20000; n++) {
        CPUX86State env = { 0 };
        uint64_t rax = rnd(), rdx = rnd(), d = rnd_val(bits);
        if (n & 1) {                  /* make most quotients fit */
            rdx = sign && (rnd() & 1) ? ~0ULL : 0;
            rdx = trunc_bits(rdx, bits) | (rnd() << 32 & (bits < 32 ? ~0ULL << 32 : 0));
        }
        if (bits == 8 && (n & 1)) {
            rax = (rax & ~0xff00ULL) | (sign && (rnd() & 1) ? 0xff00 : 0);
        }
        env.regs[R_EAX] = rax;
        env.regs[R_EDX] = rdx;
        env.regs[R_EBX] = 0x1234;
        int raised = run_helper1(h[sign][lg], &env, d);
        if (div_faults(bits, sign, rax, rdx, d)) {
            faults++;
            ck_assert_int_eq(raised, EXCP_DE + 1);
            ck_assert_uint_eq(env.regs[R_EAX], rax);
            ck_assert_uint_eq(env.regs[R_EDX], rdx);
            continue;
        }
        ck_assert_int_eq(raised, 0);
        host_div(bits, sign, &rax, &rdx, d);
        ck_assert_msg(env.regs[R_EAX] == rax && env.regs[R_EDX] == rdx,
                      "%sdiv%d: got %#llx:%#llx want %#llx:%#llx", sign ? "i" : "", bits,
                      (unsigned long long)env.regs[R_EDX], (unsigned long long)env.regs[R_EAX],
                      (unsigned long long)rdx, (unsigned long long)rax);
        ck_assert_uint_eq(env.regs[R_EBX], 0x1234);
    }
    ck_assert_int_gt(faults, 0);
    ck_assert_int_lt(faults, 19000);
}
END_TEST

START_TEST(test_idiv_edges)
{
    CPUX86State env = { 0 };
    env.regs[R_EAX] = 0;
    env.regs[R_EDX] = 0x8000000000000000ULL;     /* INT128_MIN / -1 */
    ck_assert_int_eq(run_helper1(&h_idiv64, &env, ~0ULL), EXCP_DE + 1);
    env.regs[R_EAX] = 0x80000000;
    env.regs[R_EDX] = 0xffffffff;                /* INT64_MIN as EDX:EAX */
    ck_assert_int_eq(run_helper1(&h_idiv32, &env, 0xffffffff), EXCP_DE + 1);
    env.regs[R_EAX] = 0xffff8000;                /* -32768 / -1 = 32768: too wide */
    ck_assert_int_eq(run_helper1(&h_idiv8, &env, 0xff), EXCP_DE + 1);
    env.regs[R_EAX] = 0xffffff80;                /* AX = -128 / -1 = 128: #DE */
    env.regs[R_EAX] = 0xff80;
    ck_assert_int_eq(run_helper1(&h_idiv8, &env, 0xff), EXCP_DE + 1);
    env.regs[R_EAX] = 0xff81;                    /* -127 / -1 = 127 r 0 */
    ck_assert_int_eq(run_helper1(&h_idiv8, &env, 0xff), 0);
    ck_assert_uint_eq(env.regs[R_EAX] & 0xffff, 0x007f);
}
END_TEST

/* --- BCD --- */

static uint8_t to_bcd(int v) { return (uint8_t)((v / 10) << 4 | (v % 10)); }

static void set_lazy(CPUX86State *env, CCOp op, uint64_t dst, uint64_t src)
{
    env->cc_op = op;
    env->cc_dst = dst;
    env->cc_src = src;
    env->cc_src2 = 0;
}

static uint32_t env_flags(CPUX86State *env)
{
    ck_assert_uint_eq(env->cc_op, CC_OP_EFLAGS);
    return (uint32_t)env->cc_src;
}

START_TEST(test_daa_das_decimal)
{
    for (int a = 0; a < 100; a++) {
        for (int b = 0; b < 100; b++) {
            CPUX86State env = { 0 };
            uint8_t x = to_bcd(a), y = to_bcd(b);
            uint8_t sum = (uint8_t)(x + y);
            env.regs[R_EAX] = 0xabcd00 | sum;
            set_lazy(&env, CC_OP_ADDB, sum, y);
            ((Helper0 *)h_daa.func)(&env);
            ck_assert_uint_eq(env.regs[R_EAX], 0xabcd00 | to_bcd((a + b) % 100));
            ck_assert_uint_eq(env_flags(&env) & CC_C, a + b >= 100 ? CC_C : 0);
            ck_assert_uint_eq(env_flags(&env) & CC_Z, (a + b) % 100 == 0 ? CC_Z : 0);

            uint8_t diff = (uint8_t)(x - y);
            env.regs[R_EAX] = diff;
            set_lazy(&env, CC_OP_SUBB, diff, y);
            ((Helper0 *)h_das.func)(&env);
            ck_assert_uint_eq(env.regs[R_EAX], to_bcd((a - b + 100) % 100));
            ck_assert_uint_eq(env_flags(&env) & CC_C, a < b ? CC_C : 0);
        }
    }
    /* SDM examples: ADD 79H+35H = AEH, DAA -> 14H CF=1; SUB 35H-47H = EEH, DAS -> 88H CF=1 */
    CPUX86State env = { 0 };
    env.regs[R_EAX] = 0xae;
    set_lazy(&env, CC_OP_ADDB, 0xae, 0x35);
    ((Helper0 *)h_daa.func)(&env);
    ck_assert_uint_eq(env.regs[R_EAX], 0x14);
    ck_assert_uint_eq(env_flags(&env) & (CC_C | CC_A), CC_C | CC_A);
    env.regs[R_EAX] = 0xee;
    set_lazy(&env, CC_OP_SUBB, 0xee, 0x47);
    ((Helper0 *)h_das.func)(&env);
    ck_assert_uint_eq(env.regs[R_EAX], 0x88);
    ck_assert_uint_eq(env_flags(&env) & CC_C, CC_C);
}
END_TEST

START_TEST(test_aaa_aas_decimal)
{
    for (int a = 0; a < 10; a++) {
        for (int b = 0; b < 10; b++) {
            for (int ah = 0; ah < 256; ah += 51) {
                CPUX86State env = { 0 };
                uint8_t sum = (uint8_t)(a + b);
                env.regs[R_EAX] = (uint64_t)ah << 8 | sum;
                set_lazy(&env, CC_OP_ADDB, sum, (uint64_t)b);
                ((Helper0 *)h_aaa.func)(&env);
                int carry = a + b >= 10;
                ck_assert_uint_eq(env.regs[R_EAX], (uint64_t)((ah + carry) & 0xff) << 8 |
                                                   (uint64_t)((a + b) % 10));
                ck_assert_uint_eq(env_flags(&env) & (CC_C | CC_A), carry ? CC_C | CC_A : 0);

                uint8_t diff = (uint8_t)(a - b);
                env.regs[R_EAX] = (uint64_t)ah << 8 | diff;
                set_lazy(&env, CC_OP_SUBB, diff, (uint64_t)b);
                ((Helper0 *)h_aas.func)(&env);
                int borrow = a < b;
                ck_assert_uint_eq(env.regs[R_EAX], (uint64_t)((ah - borrow) & 0xff) << 8 |
                                                   (uint64_t)((a - b + 10) % 10));
                ck_assert_uint_eq(env_flags(&env) & CC_C, borrow ? CC_C : 0);
            }
        }
    }
}
END_TEST

START_TEST(test_aam_aad)
{
    for (int base = 0; base < 256; base++) {
        for (int al = 0; al < 256; al++) {
            CPUX86State env = { 0 };
            env.regs[R_EAX] = 0x5500 | (uint64_t)al;
            int raised = run_helper1(&h_aam, &env, (uint64_t)base);
            if (base == 0) {
                ck_assert_int_eq(raised, EXCP_DE + 1);
                ck_assert_uint_eq(env.regs[R_EAX], 0x5500 | (uint64_t)al);
                continue;
            }
            ck_assert_int_eq(raised, 0);
            ck_assert_uint_eq(env.regs[R_EAX], (uint64_t)(al / base) << 8 | (uint64_t)(al % base));
            ck_assert_uint_eq(env_flags(&env) & CC_Z, al % base == 0 ? CC_Z : 0);

            env.regs[R_EAX] = (uint64_t)al << 8 | (uint64_t)(255 - al);
            run_helper1(&h_aad, &env, (uint64_t)base);
            uint8_t want = (uint8_t)((255 - al) + al * base);
            ck_assert_uint_eq(env.regs[R_EAX], want);
            ck_assert_uint_eq(env_flags(&env) & CC_S, want & 0x80 ? CC_S : 0);
        }
    }
}
END_TEST

/* --- CMPXCHG8B/16B --- */

START_TEST(test_cmpxchg8b)
{
    CPUX86State env = { 0 };
    st64_le(fake_mem + 8, 0x1111111122222222ULL);
    env.regs[R_EAX] = 0x22222222;
    env.regs[R_EDX] = 0x11111111;
    env.regs[R_EBX] = 0x44444444;
    env.regs[R_ECX] = 0x33333333;
    set_lazy(&env, CC_OP_LOGICB, 1, 0);
    ck_assert_int_eq(run_helper1(&h_cmpxchg8b, &env, 8), 0);
    ck_assert_uint_eq(ld64_le(fake_mem + 8), 0x3333333344444444ULL);
    ck_assert_uint_eq(env_flags(&env) & CC_Z, CC_Z);
    /* mismatch: memory loaded into EDX:EAX, ZF clear */
    ck_assert_int_eq(run_helper1(&h_cmpxchg8b, &env, 8), 0);
    ck_assert_uint_eq(env.regs[R_EAX], 0x44444444);
    ck_assert_uint_eq(env.regs[R_EDX], 0x33333333);
    ck_assert_uint_eq(env_flags(&env) & CC_Z, 0);
    ck_assert_uint_eq(ld64_le(fake_mem + 8), 0x3333333344444444ULL);
}
END_TEST

START_TEST(test_cmpxchg16b)
{
    CPUX86State env = { 0 };
    st64_le(fake_mem + 16, 1);
    st64_le(fake_mem + 24, 2);
    env.regs[R_EAX] = 1;
    env.regs[R_EDX] = 2;
    env.regs[R_EBX] = 0xaaaaaaaaaaaaaaaaULL;
    env.regs[R_ECX] = 0xbbbbbbbbbbbbbbbbULL;
    set_lazy(&env, CC_OP_LOGICB, 1, 0);
    ck_assert_int_eq(run_helper1(&h_cmpxchg16b, &env, 16), 0);
    ck_assert_uint_eq(ld64_le(fake_mem + 16), 0xaaaaaaaaaaaaaaaaULL);
    ck_assert_uint_eq(ld64_le(fake_mem + 24), 0xbbbbbbbbbbbbbbbbULL);
    ck_assert_uint_eq(env_flags(&env) & CC_Z, CC_Z);
    ck_assert_int_eq(run_helper1(&h_cmpxchg16b, &env, 8), EXCP_GP + 1);   /* misaligned */
}
END_TEST

int main(void)
{
    Suite *su = suite_create("translate");
    TCase *tc = tcase_create("helpers");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_cc_vs_host, 0, (int)ARRAY_SIZE(flag_cases) * 4);
    tcase_add_test(tc, test_cc_special);
    tcase_add_loop_test(tc, test_div_vs_host, 0, 8);
    tcase_add_test(tc, test_idiv_edges);
    tcase_add_test(tc, test_daa_das_decimal);
    tcase_add_test(tc, test_aaa_aas_decimal);
    tcase_add_test(tc, test_aam_aad);
    tcase_add_test(tc, test_cmpxchg8b);
    tcase_add_test(tc, test_cmpxchg16b);
    suite_add_tcase(su, tc);
    SRunner *sr = srunner_create(su);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#else /* the reference values come from x86-64 inline assembly */
#include <stdio.h>
int main(void)
{
    puts("SKIP: the translator tests need an x86-64 host");
    return 0;
}
#endif
