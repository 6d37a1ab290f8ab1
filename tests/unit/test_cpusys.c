/*
 * test_cpusys.c - unit tests of the x86 system helpers (cpu/state.c,
 * seg_helper.c, int_helper.c, task_helper.c, misc_helper.c).
 *
 * The CPU runs on a fake machine defined here: 2 MiB of guest RAM with
 * linear = physical addresses, cpu_ld/cpu_st on that RAM, cpu_loop_exit as
 * a longjmp to the test, and small fakes of the other engineers' functions
 * (TLB flushes, lazy flags, the I/O bus, the clock, logging). Each test
 * builds its descriptor tables in guest RAM and checks state, frames and
 * the exact exception and error code.
 */
#include <check.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include "cpu/cpusys.h"
#include "kestrel/log.h"
#include "kestrel/memory.h"
#include "kestrel/timer.h"

/* ---------------- fakes of the rest of Kestrel ---------------- */

#define RAM_SIZE (2u << 20)
static uint8_t ram[RAM_SIZE];
static int tlb_flushes;
static int64_t fake_clock;
static uint32_t io_last_port, io_last_val;

unsigned log_mask;
FILE *log_file;
void log_printf(const char *fmt, ...)
{
    (void)fmt;
}

const IRBackend ir_backend_interp;
const IRBackend *ir_backend = &ir_backend_interp;
__thread uintptr_t ir_interp_retaddr;

uint64_t cpu_ld(CPUX86State *env, uint64_t vaddr, MemOp mo, unsigned mmu_idx, uintptr_t ra)
{
    unsigned size = 1u << (mo & MO_SIZE);
    uint64_t v = 0;
    if (vaddr + size > RAM_SIZE) {
        env->cr[2] = vaddr;
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
    unsigned size = 1u << (mo & MO_SIZE);
    if (vaddr + size > RAM_SIZE) {
        env->cr[2] = vaddr;
        raise_exception_err(env, EXCP_PF, 2, ra);
    }
    for (unsigned i = 0; i < size; i++) {
        ram[vaddr + i] = (uint8_t)(val >> (8 * i));
    }
}

unsigned cpu_mmu_index(const CPUX86State *env)
{
    return (env->hflags & HF_CPL_MASK) == 3 ? MMU_USER_IDX : MMU_KERNEL_IDX;
}
unsigned cpu_mmu_index_kernel(const CPUX86State *env) { return MMU_KERNEL_IDX; }
void cpu_loop_exit(CPUX86State *env) { longjmp(env->jmp_env, 1); }
void cpu_loop_exit_restore(CPUX86State *env, uintptr_t ra) { longjmp(env->jmp_env, 1); }
bool cpu_restore_state(CPUX86State *env, uintptr_t ra) { return false; }
void tlb_flush_all(CPUX86State *env) { tlb_flushes++; }
void tlb_flush_nonglobal(CPUX86State *env) { tlb_flushes++; }
void tlb_flush_page(CPUX86State *env, uint64_t vaddr) { tlb_flushes++; }
void cpu_reset_interrupt(CPUX86State *env, uint32_t mask) { env->interrupt_request &= ~mask; }
int64_t clock_ns(void) { return fake_clock; }
/* The local APIC (hw/apic.c): these tests run with env->apic == NULL. */
void apic_base_changed(LocalApic *s, uint64_t old_value) { (void)s, (void)old_value; }
uint8_t apic_get_tpr(LocalApic *s) { (void)s; return 0; }
void apic_set_tpr(LocalApic *s, uint8_t cr8) { (void)s, (void)cr8; }
uint64_t apic_get_tsc_deadline(LocalApic *s) { (void)s; return 0; }
void apic_set_tsc_deadline(LocalApic *s, uint64_t tsc, int64_t ns) { (void)s, (void)tsc, (void)ns; }

uint32_t cc_compute_all(CCOp op, uint64_t dst, uint64_t src, uint64_t src2)
{
    ck_assert_int_eq(op, CC_OP_EFLAGS);      /* the tests keep flags materialized */
    return (uint32_t)src & CC_ALL;
}
void cpu_cc_materialize(CPUX86State *env)
{
    env->cc_src = cc_compute_all((CCOp)env->cc_op, env->cc_dst, env->cc_src, env->cc_src2);
    env->cc_op = CC_OP_EFLAGS;
}

uint64_t bus_read(Bus *bus, uint64_t addr, unsigned size)
{
    io_last_port = (uint32_t)addr;
    return 0x5a;
}
void bus_write(Bus *bus, uint64_t addr, uint64_t value, unsigned size)
{
    io_last_port = (uint32_t)addr;
    io_last_val = (uint32_t)value;
}

/* Helpers are called directly; their prototypes live next to DEF_HELPER. */
void helper_load_seg(CPUX86State *env, uint64_t seg, uint64_t selector);
void helper_ljmp_protected(CPUX86State *env, uint64_t sel, uint64_t off, uint64_t next);
void helper_lcall_protected(CPUX86State *env, uint64_t sel, uint64_t off, uint64_t opsize,
                            uint64_t next);
void helper_lret(CPUX86State *env, uint64_t opsize, uint64_t addend);
void helper_iret(CPUX86State *env, uint64_t opsize, uint64_t next);
void helper_raise_interrupt(CPUX86State *env, uint64_t vector, uint64_t next);
void helper_ltr(CPUX86State *env, uint64_t sel);
void helper_lgdt(CPUX86State *env, uint64_t addr, uint64_t opsize);
void helper_sgdt(CPUX86State *env, uint64_t addr, uint64_t opsize);
uint64_t helper_lar(CPUX86State *env, uint64_t sel);
uint64_t helper_lsl(CPUX86State *env, uint64_t sel);
void helper_verw(CPUX86State *env, uint64_t sel);
uint64_t helper_arpl(CPUX86State *env, uint64_t dst, uint64_t src);
void helper_check_io(CPUX86State *env, uint64_t port, uint64_t size);
void helper_popf(CPUX86State *env, uint64_t value, uint64_t opsize);
void helper_sti(CPUX86State *env);
void helper_cli(CPUX86State *env);
void helper_write_cr(CPUX86State *env, uint64_t reg, uint64_t val);
uint64_t helper_read_dr(CPUX86State *env, uint64_t reg);
void helper_rdmsr(CPUX86State *env);
void helper_wrmsr(CPUX86State *env);
void helper_cpuid(CPUX86State *env);
void helper_hlt(CPUX86State *env, uint64_t next);
void helper_single_step(CPUX86State *env);
void helper_sysenter(CPUX86State *env);
void helper_sysexit(CPUX86State *env, uint64_t opsize);
void helper_syscall(CPUX86State *env, uint64_t next);
void helper_fpu(CPUX86State *env, uint64_t op, uint64_t addr);
void helper_fwait(CPUX86State *env);

/* ---------------- guest memory layout ---------------- */

enum {
    GDT = 0x1000, IDT = 0x2000, TSS_A = 0x10000, TSS_B = 0x14000, LDT = 0x3000,
    STACK0 = 0x9000, STACK3 = 0x8000, STACK_B = 0x7000,
};
enum {                       /* GDT selectors */
    SEL_CODE0 = 0x08, SEL_DATA0 = 0x10, SEL_CODE3 = 0x1b, SEL_DATA3 = 0x23, SEL_TSS_A = 0x28,
    SEL_TSS_B = 0x30, SEL_CALLGATE = 0x3b, SEL_NP_DATA = 0x40, SEL_XONLY = 0x48,
    SEL_LDT = 0x50, SEL_TASKGATE = 0x58, SEL_DATA_SMALL = 0x60, GDT_ENTRIES = 13,
};
#define ACC(type, dpl, s) (DESC_P_MASK | ((type) << 8) | ((dpl) << 13) | ((s) ? DESC_S_MASK : 0))
#define FLAT (DESC_G_MASK | DESC_B_MASK)

static CPUX86State *env;
static char errbuf[128];

static uint32_t rd32(uint32_t a) { return ld32_le(&ram[a]); }
static uint16_t rd16(uint32_t a) { return ld16_le(&ram[a]); }

static void set_desc(uint32_t table, unsigned idx, uint32_t base, uint32_t limit, uint32_t acc)
{
    uint32_t lo = (base << 16) | (limit & 0xffff);
    uint32_t hi = ((base >> 16) & 0xff) | (base & 0xff000000u) | (limit & 0xf0000u) | acc;
    st32_le(&ram[table + idx * 8], lo);
    st32_le(&ram[table + idx * 8 + 4], hi);
}

static void set_gate(uint32_t table, unsigned idx, uint32_t sel, uint32_t off, unsigned type,
                     unsigned dpl, unsigned params)
{
    st32_le(&ram[table + idx * 8], (sel << 16) | (off & 0xffff));
    st32_le(&ram[table + idx * 8 + 4], (off & 0xffff0000u) | DESC_P_MASK | dpl << 13 |
                                       type << 8 | params);
}

static void build_gdt(void)
{
    memset(ram, 0, sizeof(ram));
    set_desc(GDT, 1, 0, 0xfffff, ACC(0xa, 0, 1) | FLAT);
    set_desc(GDT, 2, 0, 0xfffff, ACC(0x2, 0, 1) | FLAT);
    set_desc(GDT, 3, 0, 0xfffff, ACC(0xa, 3, 1) | FLAT);
    set_desc(GDT, 4, 0, 0xfffff, ACC(0x2, 3, 1) | FLAT);
    set_desc(GDT, 5, TSS_A, 0x67 + 0x2000 + 1, ACC(SYS_TSS32_AVAIL, 0, 0));
    set_desc(GDT, 6, TSS_B, 0x67, ACC(SYS_TSS32_AVAIL, 0, 0));
    set_gate(GDT, 7, SEL_CODE0, 0x4000, SYS_CALL_GATE32, 3, 2);
    set_desc(GDT, 8, 0, 0xfffff, (ACC(0x2, 0, 1) | FLAT) & ~DESC_P_MASK);
    set_desc(GDT, 9, 0, 0xfffff, ACC(0x8, 0, 1) | FLAT);          /* execute-only code */
    set_desc(GDT, 10, LDT, 0xf, ACC(SYS_LDT, 0, 0));
    set_gate(GDT, 11, SEL_TSS_B, 0, SYS_TASK_GATE, 3, 0);
    set_desc(GDT, 12, 0x20000, 0xfff, ACC(0x2, 0, 1) | DESC_B_MASK);   /* 4 KiB data */
    /* TSS A: ring-0 stack, I/O bitmap right after the 104-byte header. */
    st32_le(&ram[TSS_A + 4], STACK0);
    st16_le(&ram[TSS_A + 8], SEL_DATA0);
    st16_le(&ram[TSS_A + 0x66], 0x68);
}

/* 32-bit protected mode at CPL 0 (or 3), flat segments, TR = TSS A. */
static void enter_pmode(unsigned cpl)
{
    build_gdt();
    env->cr[0] = CR0_PE | CR0_ET;
    env->gdt.base = GDT;
    env->gdt.limit = GDT_ENTRIES * 8 - 1;
    env->idt.base = IDT;
    env->idt.limit = 256 * 8 - 1;
    uint32_t code = cpl ? SEL_CODE3 : SEL_CODE0, data = cpl ? SEL_DATA3 : SEL_DATA0;
    uint32_t dflags = ACC(0x3, cpl, 1) | FLAT, cflags = ACC(0xb, cpl, 1) | FLAT;
    for (int i = 0; i < NB_SEGS; i++) {
        cpu_load_seg_cache(env, i, data, 0, 0xffffffffu, dflags & DESC_CACHE_FLAGS);
    }
    cpu_load_seg_cache(env, R_CS, code, 0, 0xffffffffu, cflags & DESC_CACHE_FLAGS);
    env->tr = (SegmentCache){ SEL_TSS_A, ACC(SYS_TSS32_BUSY, 0, 0), TSS_A, 0x67 + 0x2000 + 1 };
    set_desc(GDT, 5, TSS_A, 0x67 + 0x2000 + 1, ACC(SYS_TSS32_BUSY, 0, 0));
    env->regs[R_ESP] = cpl ? STACK3 : STACK0;
    env->rip = 0x1234;
    env->eflags = 2 | IF_MASK;
    cpu_update_hflags(env);
    ck_assert_uint_eq(env->hflags & HF_CPL_MASK, cpl);
}

static void setup(void)
{
    env = cpu_x86_create(NULL, 0, "qemu32", errbuf, sizeof(errbuf));
    ck_assert_ptr_nonnull(env);
}

static void teardown(void)
{
    free(env);
    env = NULL;
}

/* Runs stmt expecting an exception: checks the vector and the error code. */
#define EXPECT_EXC(stmt, vec, err) do {                                      \
        if (setjmp(env->jmp_env) == 0) {                                     \
            stmt;                                                            \
            ck_abort_msg("no exception from " #stmt);                        \
        }                                                                    \
        ck_assert_int_eq(env->exception_index, (vec));                       \
        ck_assert_int_eq(env->error_code, (err));                            \
    } while (0)

#define EXPECT_OK(stmt) do {                                                 \
        if (setjmp(env->jmp_env) == 0) {                                     \
            stmt;                                                            \
        } else {                                                             \
            ck_abort_msg("exception %d err %#x from " #stmt,                 \
                         env->exception_index, env->error_code);             \
        }                                                                    \
    } while (0)

/* Delivers env's pending exception, expecting success. */
static void deliver_ok(void)
{
    EXPECT_OK(do_interrupt(env));
    ck_assert_int_eq(env->old_exception, -1);
}

/* ---------------- reset, models, CPUID ---------------- */

START_TEST(test_reset_state)
{
    ck_assert_uint_eq(env->segs[R_CS].selector, 0xf000);
    ck_assert_uint_eq(env->segs[R_CS].base, 0xffff0000u);
    ck_assert_uint_eq(env->rip, 0xfff0);
    ck_assert_uint_eq(env->cr[0], 0x60000010);
    ck_assert_uint_eq(cpu_get_eflags(env), 2);
    ck_assert_uint_eq(env->regs[R_EDX], 0x663);
    ck_assert_uint_eq(env->idt.limit, 0xffff);
    ck_assert_uint_eq(env->apic_base, 0xfee00900u);
    ck_assert_uint_eq(env->pat, 0x0007040600070406ULL);
    ck_assert_uint_eq(env->mxcsr, 0x1f80);
    ck_assert_uint_eq(env->fpuc, 0x37f);
    ck_assert_uint_eq(env->dr[7], 0x400);
    ck_assert_uint_eq(env->hflags & (HF_PE | HF_CS32 | HF_CPL_MASK), 0);
    ck_assert(env->hflags & HF_ADDSEG);
    ck_assert(!env->halted);
    ck_assert(!cpu_x86_create(NULL, 0, "no-such-cpu", errbuf, sizeof(errbuf)));
    ck_assert(strstr(errbuf, "no-such-cpu"));
    ck_assert(cpu_model_valid("486") && cpu_model_valid("pentium") && cpu_model_valid("qemu64"));
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cpu_dump_state(env, f);
    cpu_model_list(f);
    fclose(f);
    ck_assert(strstr(text, "EIP=0000fff0 EFL=00000002"));
    ck_assert(strstr(text, "CS =f000 ffff0000 0000ffff"));
    ck_assert(strstr(text, "pentium"));
    free(text);
}
END_TEST

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    env->regs[R_EAX] = leaf;
    env->regs[R_ECX] = sub;
    helper_cpuid(env);
    for (int i = 0; i < 4; i++) {
        r[i] = (uint32_t)env->regs[(int[]){ R_EAX, R_EBX, R_ECX, R_EDX }[i]];
    }
}

START_TEST(test_cpuid)
{
    uint32_t r[4], top[4];
    char vendor[13] = { 0 };
    cpuid(0, 0, r);
    ck_assert_uint_eq(r[0], env->cpuid->level);
    memcpy(vendor, &r[1], 4);
    memcpy(vendor + 4, &r[3], 4);
    memcpy(vendor + 8, &r[2], 4);
    ck_assert_str_eq(vendor, "GenuineIntel");
    cpuid(1, 0, r);
    ck_assert_uint_eq(r[0], 0x663);            /* same as EDX at reset */
    ck_assert(r[3] & CPUID_FPU);
    ck_assert(!(r[3] & CPUID_PAE));
    ck_assert(r[3] & (CPUID_SSE | CPUID_SSE2 | CPUID_FXSR | CPUID_MMX));
    cpuid(4, 0, r);
    ck_assert_uint_eq(r[0] & 0x1f, 1);         /* L1 data cache */
    cpuid(4, 3, r);
    ck_assert_uint_eq(r[0] & 0x1f, 0);         /* no more caches */
    cpuid(0x80000000, 0, r);
    ck_assert_uint_eq(r[0], 0x80000008);
    cpuid(0x80000002, 0, r);
    ck_assert(memcmp(r, "Kestrel ", 8) == 0);
    cpuid(0x80000001, 0, r);
    ck_assert(!(r[3] & CPUID_EXT2_LM));
    cpuid(env->cpuid->level, 0, top);
    cpuid(0x40, 0, r);                          /* beyond the max: highest basic leaf */
    ck_assert_mem_eq(r, top, sizeof(r));
    /* Every model: max leaf covers leaf 1, signature matches the model. */
    static const char *const models[] = { "486", "pentium", "qemu64" };
    for (size_t i = 0; i < ARRAY_SIZE(models); i++) {
        free(env);
        env = cpu_x86_create(NULL, 0, models[i], errbuf, sizeof(errbuf));
        cpuid(1, 0, r);
        ck_assert_uint_eq(r[0], env->regs[R_EDX] = cpu_signature(env->cpuid));
        cpuid(0x80000000, 0, r);
        ck_assert(r[0] == env->cpuid->xlevel || env->cpuid->xlevel == 0);
    }
    cpuid(0x80000001, 0, r);
    ck_assert(r[3] & CPUID_EXT2_LM);            /* qemu64 */
    cpuid(7, 0, r);
    ck_assert(r[3] & CPUID_7_EDX_ARCH_CAPABILITIES);
    uint64_t caps;
    ck_assert(cpu_rdmsr(env, 0x10a, &caps));
    ck_assert(caps & 1);                        /* RDCL_NO: Linux needs no PTI */
    ck_assert(!cpu_wrmsr(env, 0x10a, 0));       /* read-only */
}
END_TEST

/* ---------------- hflags ---------------- */

START_TEST(test_hflags)
{
    enter_pmode(0);
    ck_assert(env->hflags & HF_PE);
    ck_assert(env->hflags & HF_CS32);
    ck_assert(env->hflags & HF_SS32);
    ck_assert(!(env->hflags & HF_ADDSEG));
    ck_assert(!(env->hflags & HF_SEGCHK_MASK));
    EXPECT_OK(load_seg(env, R_FS, SEL_DATA_SMALL, 0));
    ck_assert_uint_eq(env->hflags & HF_SEGCHK_MASK, HF_SEGCHK(R_FS));
    EXPECT_OK(load_seg(env, R_FS, 0, 0));       /* null FS: accesses must fault */
    ck_assert_uint_eq(env->hflags & HF_SEGCHK_MASK, HF_SEGCHK(R_FS));
    EXPECT_OK(load_seg(env, R_DS, SEL_DATA_SMALL, 0));
    ck_assert(env->hflags & HF_ADDSEG);
    cpu_set_eflags(env, IOPL_MASK | TF_MASK, IOPL_MASK | TF_MASK);
    ck_assert_uint_eq((env->hflags & HF_IOPL_MASK) >> HF_IOPL_SHIFT, 3);
    ck_assert(env->hflags & HF_TF);
}
END_TEST

/* ---------------- segment loads ---------------- */

START_TEST(test_load_seg_checks)
{
    enter_pmode(0);
    EXPECT_OK(load_seg(env, R_ES, SEL_DATA3, 0));            /* DPL 3 data at CPL 0 */
    ck_assert_uint_eq(env->segs[R_ES].limit, 0xffffffffu);
    ck_assert(rd32(GDT + 4 * 8 + 4) & DESC_A_MASK);           /* accessed bit written */
    EXPECT_OK(load_seg(env, R_DS, 0, 0));                    /* null DS is fine */
    ck_assert_uint_eq(env->segs[R_DS].flags & DESC_P_MASK, 0);
    EXPECT_EXC(load_seg(env, R_SS, 0, 0), EXCP_GP, 0);
    EXPECT_EXC(load_seg(env, R_DS, 0x100, 0), EXCP_GP, 0x100);     /* beyond GDT limit */
    EXPECT_EXC(load_seg(env, R_DS, 0x104, 0), EXCP_GP, 0x104);     /* no LDT */
    EXPECT_EXC(load_seg(env, R_DS, SEL_NP_DATA, 0), EXCP_NP, SEL_NP_DATA);
    EXPECT_EXC(load_seg(env, R_SS, SEL_NP_DATA, 0), EXCP_SS, SEL_NP_DATA);
    EXPECT_EXC(load_seg(env, R_SS, SEL_DATA3, 0), EXCP_GP, SEL_DATA3 & ~3);  /* RPL/DPL */
    EXPECT_EXC(load_seg(env, R_SS, SEL_CODE0, 0), EXCP_GP, SEL_CODE0);      /* code */
    EXPECT_EXC(load_seg(env, R_DS, SEL_XONLY, 0), EXCP_GP, SEL_XONLY);      /* exec-only */
    EXPECT_EXC(load_seg(env, R_DS, SEL_TSS_B, 0), EXCP_GP, SEL_TSS_B);      /* system */
    EXPECT_OK(load_seg(env, R_DS, SEL_CODE0, 0));            /* readable code is fine */

    enter_pmode(3);
    EXPECT_EXC(load_seg(env, R_DS, SEL_DATA0, 0), EXCP_GP, SEL_DATA0);      /* DPL < CPL */
    EXPECT_EXC(load_seg(env, R_DS, SEL_DATA0 | 3, 0), EXCP_GP, SEL_DATA0);
    EXPECT_OK(load_seg(env, R_DS, SEL_DATA3 & ~3, 0));        /* RPL 0 < DPL 3 is fine */
    EXPECT_OK(load_seg(env, R_SS, SEL_DATA3, 0));

    /* Real mode: base = selector << 4, limit kept (unreal mode). */
    env->cr[0] = CR0_ET;
    env->segs[R_FS].limit = 0xffffffffu;
    cpu_update_hflags(env);
    EXPECT_OK(load_seg(env, R_FS, 0x1234, 0));
    ck_assert_uint_eq(env->segs[R_FS].base, 0x12340);
    ck_assert_uint_eq(env->segs[R_FS].limit, 0xffffffffu);
}
END_TEST

START_TEST(test_lar_lsl_verw_arpl)
{
    enter_pmode(3);
    env->cc_src = CC_C;
    volatile uint64_t r;
    EXPECT_OK(r = helper_lar(env, SEL_DATA3));
    ck_assert(r >> 32);
    ck_assert_uint_eq((uint32_t)r, (ACC(0x2, 3, 1) | FLAT) & 0x00f0ff00u);
    ck_assert_uint_eq(env->cc_src, CC_C | CC_Z);
    EXPECT_OK(r = helper_lar(env, SEL_DATA0));                 /* DPL 0 from CPL 3 */
    ck_assert_uint_eq(r >> 32, 0);
    ck_assert_uint_eq(env->cc_src, CC_C);
    EXPECT_OK(r = helper_lsl(env, SEL_TSS_B | 3));              /* TSS DPL 0: invisible */
    ck_assert_uint_eq(r >> 32, 0);
    enter_pmode(0);
    EXPECT_OK(r = helper_lsl(env, SEL_TSS_B));
    ck_assert_uint_eq(r, (1ULL << 32) | 0x67);
    EXPECT_OK(helper_verw(env, SEL_CODE0));
    ck_assert_uint_eq(env->cc_src & CC_Z, 0);
    EXPECT_OK(helper_verw(env, SEL_DATA0));
    ck_assert_uint_eq(env->cc_src & CC_Z, CC_Z);
    EXPECT_OK(r = helper_arpl(env, 0x10, 0x23));
    ck_assert_uint_eq(r, (1ULL << 32) | 0x13);
    EXPECT_OK(r = helper_arpl(env, 0x13, 0x21));
    ck_assert_uint_eq(r, 0x13);
    ck_assert_uint_eq(env->cc_src & CC_Z, 0);
}
END_TEST

START_TEST(test_lgdt_sgdt_ltr)
{
    enter_pmode(0);
    st16_le(&ram[0x500], 0x3ff);
    st32_le(&ram[0x502], 0x12345678);
    EXPECT_OK(helper_lgdt(env, 0x500, 2));                     /* 16-bit: 24-bit base */
    ck_assert_uint_eq(env->gdt.base, 0x345678);
    ck_assert_uint_eq(env->gdt.limit, 0x3ff);
    EXPECT_OK(helper_sgdt(env, 0x600, 2));
    ck_assert_uint_eq(rd32(0x602), 0x345678);
    EXPECT_OK(helper_lgdt(env, 0x500, 4));
    ck_assert_uint_eq(env->gdt.base, 0x12345678);

    enter_pmode(0);
    EXPECT_EXC(helper_ltr(env, 0), EXCP_GP, 0);
    EXPECT_EXC(helper_ltr(env, SEL_DATA0), EXCP_GP, SEL_DATA0);
    EXPECT_OK(helper_ltr(env, SEL_TSS_B));
    ck_assert_uint_eq(desc_type(rd32(GDT + 6 * 8 + 4)), SYS_TSS32_BUSY);
    ck_assert_uint_eq(env->tr.base, TSS_B);
    EXPECT_EXC(helper_ltr(env, SEL_TSS_B), EXCP_GP, SEL_TSS_B);  /* busy now */
}
END_TEST

/* ---------------- interrupts ---------------- */

START_TEST(test_real_mode_interrupt)
{
    memset(ram, 0, sizeof(ram));
    env->idt.limit = 0x3ff;
    st16_le(&ram[0x21 * 4], 0x5678);
    st16_le(&ram[0x21 * 4 + 2], 0x1000);
    load_seg_real(env, R_CS, 0x2000);
    load_seg_real(env, R_SS, 0x0000);
    env->regs[R_ESP] = 0x7000;
    env->rip = 0x100;
    cpu_set_eflags(env, IF_MASK | TF_MASK | CC_C, ~0u);
    EXPECT_EXC(helper_raise_interrupt(env, 0x21, 0x102), 0x21, 0);
    deliver_ok();
    ck_assert_uint_eq(env->segs[R_CS].selector, 0x1000);
    ck_assert_uint_eq(env->segs[R_CS].base, 0x10000);
    ck_assert_uint_eq(env->rip, 0x5678);
    ck_assert_uint_eq(env->regs[R_ESP], 0x7000 - 6);
    ck_assert_uint_eq(rd16(0x6ffa), 0x102);                   /* IP */
    ck_assert_uint_eq(rd16(0x6ffc), 0x2000);                  /* CS */
    ck_assert_uint_eq(rd16(0x6ffe), 2 | IF_MASK | TF_MASK | CC_C);
    ck_assert_uint_eq(cpu_get_eflags(env) & (IF_MASK | TF_MASK), 0);
    /* IRET restores everything. */
    EXPECT_OK(helper_iret(env, 2, 0));
    ck_assert_uint_eq(env->rip, 0x102);
    ck_assert_uint_eq(env->segs[R_CS].selector, 0x2000);
    ck_assert_uint_eq(cpu_get_eflags(env), 2 | IF_MASK | TF_MASK | CC_C);
    ck_assert_uint_eq(env->regs[R_ESP], 0x7000);
}
END_TEST

START_TEST(test_pm_interrupt_same_level)
{
    enter_pmode(0);
    set_gate(IDT, 13, SEL_CODE0, 0x4000, SYS_INT_GATE32, 0, 0);
    set_gate(IDT, 0x80, SEL_CODE0, 0x4100, SYS_TRAP_GATE32, 0, 0);
    env->exception_index = EXCP_GP;
    env->error_code = 0x28;
    env->exception_is_int = false;
    deliver_ok();
    ck_assert_uint_eq(env->rip, 0x4000);
    ck_assert_uint_eq(env->regs[R_ESP], STACK0 - 16);
    ck_assert_uint_eq(rd32(STACK0 - 16), 0x28);               /* error code */
    ck_assert_uint_eq(rd32(STACK0 - 12), 0x1234);             /* faulting EIP */
    ck_assert_uint_eq(rd32(STACK0 - 8), SEL_CODE0);
    ck_assert_uint_eq(rd32(STACK0 - 4), 2 | IF_MASK);
    ck_assert_uint_eq(env->eflags & IF_MASK, 0);              /* interrupt gate */
    /* Trap gate: IF stays; INT n pushes the next EIP and no error code. */
    enter_pmode(0);
    set_gate(IDT, 0x80, SEL_CODE0, 0x4100, SYS_TRAP_GATE32, 0, 0);
    EXPECT_EXC(helper_raise_interrupt(env, 0x80, 0x1236), 0x80, 0);
    deliver_ok();
    ck_assert_uint_eq(env->rip, 0x4100);
    ck_assert_uint_eq(env->regs[R_ESP], STACK0 - 12);
    ck_assert_uint_eq(rd32(STACK0 - 12), 0x1236);
    ck_assert(env->eflags & IF_MASK);
}
END_TEST

START_TEST(test_pm_interrupt_from_ring3)
{
    enter_pmode(3);
    set_gate(IDT, 0x30, SEL_CODE0, 0x4000, SYS_INT_GATE32, 0, 0);   /* DPL 0 */
    set_gate(IDT, 0x31, SEL_CODE0, 0x4200, SYS_INT_GATE32, 3, 0);   /* DPL 3 */
    /* Software INT through a DPL 0 gate from CPL 3: #GP(vector*8+2). */
    EXPECT_EXC(helper_raise_interrupt(env, 0x30, 0x1236), 0x30, 0);
    EXPECT_EXC(do_interrupt(env), EXCP_GP, 0x30 * 8 + 2);
    /* The same vector as a hardware interrupt is fine; stack from the TSS. */
    env->old_exception = -1;
    EXPECT_OK(do_interrupt_hw(env, 0x30));
    ck_assert_uint_eq(cpu_cpl(env), 0);
    ck_assert_uint_eq(env->segs[R_SS].selector, SEL_DATA0);
    ck_assert_uint_eq(env->regs[R_ESP], STACK0 - 20);
    ck_assert_uint_eq(rd32(STACK0 - 20), 0x1234);
    ck_assert_uint_eq(rd32(STACK0 - 16), SEL_CODE3);
    ck_assert_uint_eq(rd32(STACK0 - 12), 2 | IF_MASK);
    ck_assert_uint_eq(rd32(STACK0 - 8), STACK3);
    ck_assert_uint_eq(rd32(STACK0 - 4), SEL_DATA3);
    /* IRET back to ring 3 restores the outer stack. */
    EXPECT_OK(helper_iret(env, 4, 0));
    ck_assert_uint_eq(cpu_cpl(env), 3);
    ck_assert_uint_eq(env->regs[R_ESP], STACK3);
    ck_assert_uint_eq(env->rip, 0x1234);
    ck_assert(env->eflags & IF_MASK);
    /* DPL 3 gate: INT n allowed. */
    EXPECT_EXC(helper_raise_interrupt(env, 0x31, 0x1236), 0x31, 0);
    deliver_ok();
    ck_assert_uint_eq(env->rip, 0x4200);
    ck_assert_uint_eq(cpu_cpl(env), 0);
    /* Not-present gate: #NP(vector*8+2+EXT) for an exception. */
    enter_pmode(3);
    set_gate(IDT, EXCP_UD, SEL_CODE0, 0x4000, SYS_INT_GATE32, 0, 0);
    ram[IDT + EXCP_UD * 8 + 5] &= 0x7f;
    env->exception_index = EXCP_UD;
    env->exception_is_int = false;
    EXPECT_EXC(do_interrupt(env), EXCP_NP, EXCP_UD * 8 + 3);
}
END_TEST

START_TEST(test_double_and_triple_fault)
{
    enter_pmode(0);
    set_gate(IDT, EXCP_DF, SEL_CODE0, 0x4800, SYS_INT_GATE32, 0, 0);
    /* #GP whose gate is missing -> #NP (contributory + contributory) -> #DF. */
    env->exception_index = EXCP_GP;
    env->error_code = 0;
    env->exception_is_int = false;
    EXPECT_EXC(do_interrupt(env), EXCP_DF, 0);
    deliver_ok();
    ck_assert_uint_eq(env->rip, 0x4800);
    ck_assert_uint_eq(rd32(STACK0 - 16), 0);                  /* #DF error code 0 */
    /* Benign first exception: the second is delivered normally. */
    enter_pmode(0);
    set_gate(IDT, EXCP_UD, SEL_CODE0, 0x4000, SYS_INT_GATE32, 0, 0);
    ram[IDT + EXCP_UD * 8 + 5] &= 0x7f;
    env->exception_index = EXCP_UD;
    env->exception_is_int = false;
    EXPECT_EXC(do_interrupt(env), EXCP_NP, EXCP_UD * 8 + 3);
    /* #PF then #GP -> #DF; a fault delivering #DF -> triple fault. */
    enter_pmode(0);
    env->idt.limit = 8 * 8 - 1;                                /* vector 8 only */
    set_gate(IDT, EXCP_DF, SEL_CODE0, 0x4800, SYS_INT_GATE32, 0, 0);
    ram[IDT + EXCP_DF * 8 + 5] &= 0x7f;                       /* #DF gate not present */
    env->exception_index = EXCP_PF;
    env->exception_is_int = false;
    EXPECT_EXC(do_interrupt(env), EXCP_DF, 0);
    EXPECT_EXC(do_interrupt(env), EXCP_RESET, 0);
    ck_assert_int_eq(env->old_exception, -1);
}
END_TEST

START_TEST(test_vm86_interrupt_and_iret)
{
    enter_pmode(0);
    set_gate(IDT, 0x0d, SEL_CODE0, 0x4000, SYS_INT_GATE32, 0, 0);
    /* IRET to VM86 from ring 0. */
    uint32_t sp = STACK0 - 36, frame[] = { 0x100, 0x2000, VM_MASK | IF_MASK | 2, 0x6000,
                                           0x3000, 0x11, 0x22, 0x33, 0x44 };
    for (int i = 0; i < 9; i++) {
        st32_le(&ram[sp + i * 4], frame[i]);
    }
    env->regs[R_ESP] = sp;
    EXPECT_OK(helper_iret(env, 4, 0));
    ck_assert(env->hflags & HF_VM);
    ck_assert_uint_eq(cpu_cpl(env), 3);
    ck_assert_uint_eq(env->segs[R_CS].base, 0x20000);
    ck_assert_uint_eq(env->segs[R_DS].base, 0x220);
    ck_assert_uint_eq(env->regs[R_ESP], 0x6000);
    ck_assert_uint_eq(env->rip, 0x100);
    /* CLI with IOPL 0 in VM86: #GP(0), delivered to ring 0 with segments pushed. */
    EXPECT_EXC(helper_cli(env), EXCP_GP, 0);
    deliver_ok();
    ck_assert(!(env->hflags & HF_VM));
    ck_assert_uint_eq(env->regs[R_ESP], STACK0 - 40);
    ck_assert_uint_eq(rd32(STACK0 - 4), 0x44);                /* GS */
    ck_assert_uint_eq(rd32(STACK0 - 16), 0x11);               /* ES */
    ck_assert_uint_eq(rd32(STACK0 - 20), 0x3000);             /* SS */
    ck_assert_uint_eq(rd32(STACK0 - 24), 0x6000);             /* ESP */
    ck_assert(rd32(STACK0 - 28) & VM_MASK);                   /* EFLAGS */
    ck_assert_uint_eq(env->segs[R_DS].selector, 0);
}
END_TEST

static int fake_ack(void *opaque)
{
    (*(int *)opaque)++;
    return 0x20;
}

START_TEST(test_handle_interrupt)
{
    enter_pmode(0);
    set_gate(IDT, 0x20, SEL_CODE0, 0x4000, SYS_INT_GATE32, 0, 0);
    static int ack_calls;
    ack_calls = 0;
    cpu_set_intr_source(env, fake_ack, &ack_calls);
    env->interrupt_request = CPU_INTERRUPT_HARD;
    env->eflags &= ~(uint64_t)IF_MASK;
    ck_assert(!cpu_has_work(env));
    ck_assert(!cpu_handle_interrupt(env));
    EXPECT_OK(helper_sti(env));
    ck_assert(env->hflags & HF_INHIBIT_IRQ);
    ck_assert(cpu_has_work(env));
    ck_assert(!cpu_handle_interrupt(env));                    /* shadow: one more insn */
    ck_assert(env->hflags & HF_TF);                            /* one-instruction block */
    EXPECT_OK(helper_single_step(env));
    ck_assert(env->exit_request);
    ck_assert(!(env->hflags & HF_TF));
    env->halted = true;
    EXPECT_OK(ck_assert(cpu_handle_interrupt(env)));
    ck_assert_int_eq(ack_calls, 1);
    ck_assert(!env->halted);
    ck_assert_uint_eq(env->rip, 0x4000);
    /* NMI: delivered through vector 2, then blocked until IRET. */
    set_gate(IDT, EXCP_NMI, SEL_CODE0, 0x4600, SYS_INT_GATE32, 0, 0);
    env->interrupt_request = CPU_INTERRUPT_NMI;
    EXPECT_OK(ck_assert(cpu_handle_interrupt(env)));
    ck_assert_uint_eq(env->rip, 0x4600);
    env->interrupt_request = CPU_INTERRUPT_NMI;
    ck_assert(!cpu_has_work(env));
    EXPECT_OK(ck_assert(!cpu_handle_interrupt(env)));
    EXPECT_OK(helper_iret(env, 4, 0));
    ck_assert_uint_eq(env->rip, 0x4000);
    ck_assert(cpu_has_work(env));
    env->interrupt_request = 0;
    /* HLT leaves cpu_exec with EXCP_HLT and EIP past the instruction. */
    EXPECT_EXC(helper_hlt(env, 0x4001), EXCP_HLT, env->error_code);
    ck_assert(env->halted);
    ck_assert_uint_eq(env->rip, 0x4001);
}
END_TEST

/* ---------------- far transfers and tasks ---------------- */

START_TEST(test_call_gate_params)
{
    enter_pmode(3);
    st32_le(&ram[STACK3], 0xaaaa);                            /* param 0 */
    st32_le(&ram[STACK3 + 4], 0xbbbb);                        /* param 1 */
    EXPECT_OK(helper_lcall_protected(env, SEL_CALLGATE, 0, 4, 0x1240));
    ck_assert_uint_eq(cpu_cpl(env), 0);
    ck_assert_uint_eq(env->rip, 0x4000);
    ck_assert_uint_eq(env->segs[R_CS].selector, SEL_CODE0);
    ck_assert_uint_eq(env->regs[R_ESP], STACK0 - 24);
    ck_assert_uint_eq(rd32(STACK0 - 24), 0x1240);             /* EIP */
    ck_assert_uint_eq(rd32(STACK0 - 20), SEL_CODE3);          /* CS */
    ck_assert_uint_eq(rd32(STACK0 - 16), 0xaaaa);
    ck_assert_uint_eq(rd32(STACK0 - 12), 0xbbbb);
    ck_assert_uint_eq(rd32(STACK0 - 8), STACK3);              /* ESP */
    ck_assert_uint_eq(rd32(STACK0 - 4), SEL_DATA3);           /* SS */
    /* RET 8 back to ring 3 releases the parameters on both stacks. */
    EXPECT_OK(helper_lret(env, 4, 8));
    ck_assert_uint_eq(cpu_cpl(env), 3);
    ck_assert_uint_eq(env->rip, 0x1240);
    ck_assert_uint_eq(env->regs[R_ESP], STACK3 + 8);
    /* A ring-0 code segment directly from ring 3: #GP(sel). */
    EXPECT_EXC(helper_ljmp_protected(env, SEL_CODE0, 0, 0), EXCP_GP, SEL_CODE0);
    EXPECT_EXC(helper_ljmp_protected(env, 0, 0, 0), EXCP_GP, 0);
}
END_TEST

START_TEST(test_task_switch)
{
    enter_pmode(0);
    /* Task B's initial state. */
    st32_le(&ram[TSS_B + 0x20], 0x5000);                      /* EIP */
    st32_le(&ram[TSS_B + 0x24], 2);                           /* EFLAGS */
    st32_le(&ram[TSS_B + 0x28], 0xb0b0);                      /* EAX */
    st32_le(&ram[TSS_B + 0x38], STACK_B);                     /* ESP */
    st16_le(&ram[TSS_B + 0x48], SEL_DATA0);                   /* ES */
    st16_le(&ram[TSS_B + 0x4c], SEL_CODE0);                   /* CS */
    st16_le(&ram[TSS_B + 0x50], SEL_DATA0);                   /* SS */
    st16_le(&ram[TSS_B + 0x54], SEL_DATA0);                   /* DS */
    env->regs[R_EAX] = 0xa0a0;
    EXPECT_OK(helper_lcall_protected(env, SEL_TASKGATE, 0, 4, 0x1240));
    ck_assert_uint_eq(env->tr.selector, SEL_TSS_B);
    ck_assert_uint_eq(env->rip, 0x5000);
    ck_assert_uint_eq(env->regs[R_EAX], 0xb0b0);
    ck_assert_uint_eq(env->regs[R_ESP], STACK_B);
    ck_assert(env->eflags & NT_MASK);
    ck_assert(env->cr[0] & CR0_TS);
    ck_assert_uint_eq(rd16(TSS_B), SEL_TSS_A);                /* back link */
    ck_assert_uint_eq(rd32(TSS_A + 0x20), 0x1240);            /* old EIP saved */
    ck_assert_uint_eq(rd32(TSS_A + 0x28), 0xa0a0);            /* old EAX saved */
    ck_assert_uint_eq(desc_type(rd32(GDT + 6 * 8 + 4)), SYS_TSS32_BUSY);
    ck_assert_uint_eq(desc_type(rd32(GDT + 5 * 8 + 4)), SYS_TSS32_BUSY);  /* CALL keeps */
    /* Calling a busy task: #GP(sel). */
    EXPECT_EXC(helper_lcall_protected(env, SEL_TSS_A, 0, 4, 0), EXCP_GP, SEL_TSS_A);
    /* IRET with NT returns to task A and frees task B. */
    EXPECT_OK(helper_iret(env, 4, 0x5002));
    ck_assert_uint_eq(env->tr.selector, SEL_TSS_A);
    ck_assert_uint_eq(env->rip, 0x1240);
    ck_assert_uint_eq(env->regs[R_EAX], 0xa0a0);
    ck_assert_uint_eq(desc_type(rd32(GDT + 6 * 8 + 4)), SYS_TSS32_AVAIL);
    ck_assert_uint_eq(rd32(TSS_B + 0x20), 0x5002);
    ck_assert_uint_eq(rd32(TSS_B + 0x24) & NT_MASK, 0);
    /* JMP to the TSS: old one freed, no back link, no NT. */
    st16_le(&ram[TSS_B], 0);
    EXPECT_OK(helper_ljmp_protected(env, SEL_TSS_B, 0, 0x1250));
    ck_assert_uint_eq(env->tr.selector, SEL_TSS_B);
    ck_assert_uint_eq(env->rip, 0x5002);
    ck_assert_uint_eq(env->eflags & NT_MASK, 0);
    ck_assert_uint_eq(rd16(TSS_B), 0);
    ck_assert_uint_eq(desc_type(rd32(GDT + 5 * 8 + 4)), SYS_TSS32_AVAIL);
    ck_assert_uint_eq(desc_type(rd32(GDT + 6 * 8 + 4)), SYS_TSS32_BUSY);
    /* A new task with a bad CS: #TS(CS) in the new task's context. */
    enter_pmode(0);
    st16_le(&ram[TSS_B + 0x4c], SEL_DATA0);
    EXPECT_EXC(helper_ljmp_protected(env, SEL_TSS_B, 0, 0), EXCP_TS, SEL_DATA0);
    ck_assert_uint_eq(env->tr.selector, SEL_TSS_B);
}
END_TEST

/* ---------------- I/O, EFLAGS, CR, MSR ---------------- */

START_TEST(test_check_io_bitmap)
{
    enter_pmode(3);                                            /* CPL 3 > IOPL 0 */
    memset(&ram[TSS_A + 0x68], 0xff, 0x2001);
    ram[TSS_A + 0x68 + 0x3f8 / 8] = 0x00;                      /* ports 3F8-3FF allowed */
    EXPECT_OK(helper_check_io(env, 0x3f8, 1));
    EXPECT_OK(helper_check_io(env, 0x3fc, 4));
    EXPECT_EXC(helper_check_io(env, 0x3fe, 4), EXCP_GP, 0);    /* spans into 0x400 */
    EXPECT_EXC(helper_check_io(env, 0x80, 1), EXCP_GP, 0);
    env->tr.limit = 0x68 + 0x3f8 / 8 - 1;                      /* bitmap beyond the limit */
    EXPECT_EXC(helper_check_io(env, 0x3f8, 1), EXCP_GP, 0);
    cpu_set_eflags(env, IOPL_MASK, IOPL_MASK);                 /* IOPL 3: no bitmap check */
    EXPECT_OK(helper_check_io(env, 0x80, 1));
}
END_TEST

START_TEST(test_popf_masks)
{
    enter_pmode(3);
    EXPECT_OK(helper_popf(env, IOPL_MASK | CC_Z | DF_MASK | VM_MASK | RF_MASK, 4));
    ck_assert_uint_eq(cpu_get_eflags(env), 2 | IF_MASK | CC_Z | DF_MASK);  /* IF kept */
    enter_pmode(0);
    EXPECT_OK(helper_popf(env, IOPL_MASK | AC_MASK, 4));
    ck_assert_uint_eq(cpu_get_eflags(env), 2 | IOPL_MASK | AC_MASK);      /* IF cleared */
    EXPECT_OK(helper_popf(env, 0xffff0000u | IF_MASK, 2));                 /* 16-bit */
    ck_assert_uint_eq(cpu_get_eflags(env), 2 | IF_MASK | AC_MASK);
    enter_pmode(3);
    EXPECT_EXC(helper_sti(env), EXCP_GP, 0);
}
END_TEST

START_TEST(test_control_registers)
{
    enter_pmode(0);
    tlb_flushes = 0;
    EXPECT_EXC(helper_write_cr(env, 0, 1ULL << 32 | CR0_PE), EXCP_GP, 0);
    EXPECT_EXC(helper_write_cr(env, 0, CR0_PG), EXCP_GP, 0);          /* PG without PE */
    EXPECT_EXC(helper_write_cr(env, 0, CR0_PE | CR0_NW), EXCP_GP, 0);  /* NW without CD */
    EXPECT_EXC(helper_write_cr(env, 4, CR4_PAE), EXCP_GP, 0);          /* not on qemu32 */
    ck_assert_int_eq(tlb_flushes, 0);
    EXPECT_OK(helper_write_cr(env, 0, CR0_PE | CR0_PG | CR0_TS));
    ck_assert(env->hflags & HF_PG);
    ck_assert(env->hflags & HF_TS);
    ck_assert(env->cr[0] & CR0_ET);
    ck_assert_int_eq(tlb_flushes, 1);
    EXPECT_OK(helper_write_cr(env, 4, CR4_PSE | CR4_PGE));
    ck_assert_int_eq(tlb_flushes, 2);
    EXPECT_OK(helper_write_cr(env, 0, CR0_PE));
    ck_assert(!(env->hflags & HF_PG));
    /* DR4/5 alias DR6/7 unless CR4.DE. */
    volatile uint64_t v;
    EXPECT_OK(v = helper_read_dr(env, 5));
    ck_assert_uint_eq(v, 0x400);
    EXPECT_OK(helper_write_cr(env, 4, CR4_DE));
    EXPECT_EXC(helper_read_dr(env, 5), EXCP_UD, 0);
}
END_TEST

static void wrmsr(uint32_t index, uint64_t v)
{
    env->regs[R_ECX] = index;
    env->regs[R_EAX] = (uint32_t)v;
    env->regs[R_EDX] = v >> 32;
    helper_wrmsr(env);
}

static uint64_t rdmsr(uint32_t index)
{
    env->regs[R_ECX] = index;
    helper_rdmsr(env);
    return (uint32_t)env->regs[R_EAX] | env->regs[R_EDX] << 32;
}

START_TEST(test_msrs)
{
    enter_pmode(0);
    volatile uint64_t v = 0;
    fake_clock = NS_PER_SEC;
    EXPECT_OK(wrmsr(0x10, 1000));
    fake_clock += 1000;                                         /* 1 us = 2000 ticks */
    EXPECT_OK(v = rdmsr(0x10));
    ck_assert_uint_eq(v, 3000);
    EXPECT_OK(wrmsr(0x174, 0x08));
    ck_assert_uint_eq(env->sysenter_cs, 0x08);
    EXPECT_OK(v = rdmsr(0x1b));
    ck_assert_uint_eq(v, 0xfee00900u);
    EXPECT_EXC(wrmsr(0x277, 0x0202020202020202ULL), EXCP_GP, 0);   /* type 2 reserved */
    EXPECT_OK(wrmsr(0x277, 0x0606060606060606ULL));
    EXPECT_OK(wrmsr(0x205, 0xfff00800));                         /* variable MTRR mask 2 */
    ck_assert_uint_eq(env->mtrr_var[5], 0xfff00800);
    EXPECT_OK(v = rdmsr(0xfe));
    ck_assert_uint_eq(v & 0xff, 8);
    EXPECT_EXC(rdmsr(0x12345), EXCP_GP, 0);
    EXPECT_EXC(rdmsr(0xc0000080), EXCP_GP, 0);                   /* no EFER on qemu32 */
    EXPECT_EXC(rdmsr(0x10a), EXCP_GP, 0);          /* nor ARCH_CAPABILITIES (no leaf 7) */
    enter_pmode(3);
    EXPECT_EXC(rdmsr(0x10), EXCP_GP, 0);
}
END_TEST

START_TEST(test_iret_flags_and_vm86_rules)
{
    /* IRET at CPL 3 (same level): IF and IOPL are not writable. */
    enter_pmode(3);
    uint32_t frame[] = { 0x2000, SEL_CODE3, 2 | IOPL_MASK | CC_S };
    for (int i = 0; i < 3; i++) {
        st32_le(&ram[STACK3 + i * 4], frame[i]);
    }
    EXPECT_OK(helper_iret(env, 4, 0));
    ck_assert_uint_eq(cpu_get_eflags(env), 2 | IF_MASK | CC_S);
    ck_assert_uint_eq(env->rip, 0x2000);
    ck_assert_uint_eq(env->regs[R_ESP], STACK3 + 12);
    /* IRET to a more privileged level: #GP(selector). */
    frame[1] = SEL_CODE0;
    for (int i = 0; i < 3; i++) {
        st32_le(&ram[STACK3 + i * 4], frame[i]);
    }
    env->regs[R_ESP] = STACK3;
    EXPECT_EXC(helper_iret(env, 4, 0), EXCP_GP, SEL_CODE0);
    /* VM86 with IOPL 0: IRET and INT n fault, INT3 does not. */
    enter_pmode(0);
    env->eflags |= VM_MASK;
    cpu_update_hflags(env);
    EXPECT_EXC(helper_iret(env, 2, 0), EXCP_GP, 0);
    EXPECT_EXC(helper_raise_interrupt(env, 0x21, 0), EXCP_GP, 0);
    EXPECT_EXC(helper_raise_interrupt(env, EXCP_BP, 0), EXCP_BP, 0);
    ck_assert(env->exception_is_int);
}
END_TEST

START_TEST(test_sysenter_sysexit)
{
    enter_pmode(3);
    env->sysenter_cs = SEL_CODE0;
    env->sysenter_esp = STACK0;
    env->sysenter_eip = 0x4400;
    EXPECT_OK(helper_sysenter(env));
    ck_assert_uint_eq(cpu_cpl(env), 0);
    ck_assert_uint_eq(env->segs[R_SS].selector, SEL_CODE0 + 8);
    ck_assert_uint_eq(env->rip, 0x4400);
    ck_assert_uint_eq(env->eflags & IF_MASK, 0);
    env->regs[R_ECX] = STACK3;
    env->regs[R_EDX] = 0x1300;
    EXPECT_OK(helper_sysexit(env, 4));
    ck_assert_uint_eq(cpu_cpl(env), 3);
    ck_assert_uint_eq(env->segs[R_CS].selector, SEL_CODE0 + 16 + 3);
    ck_assert_uint_eq(env->rip, 0x1300);
    EXPECT_EXC(helper_sysexit(env, 4), EXCP_GP, 0);            /* CPL 3 */
    EXPECT_EXC(helper_syscall(env, 0), EXCP_UD, 0);             /* not advertised */
}
END_TEST

START_TEST(test_init_sipi)
{
    free(env);
    env = cpu_x86_create(NULL, 1, "qemu32", errbuf, sizeof(errbuf));
    ck_assert(env->halted && env->wait_sipi);                  /* AP waits */
    ck_assert_uint_eq(env->apic_base, 0xfee00800u);
    env->interrupt_request = CPU_INTERRUPT_HARD | CPU_INTERRUPT_NMI;
    ck_assert(!cpu_has_work(env));
    ck_assert(!cpu_handle_interrupt(env));
    env->sipi_vector = 0x9a;
    env->interrupt_request = CPU_INTERRUPT_SIPI;
    ck_assert(cpu_has_work(env));
    ck_assert(!cpu_handle_interrupt(env));
    ck_assert(!env->halted && !env->wait_sipi);
    ck_assert_uint_eq(env->segs[R_CS].selector, 0x9a00);
    ck_assert_uint_eq(env->segs[R_CS].base, 0x9a000);
    ck_assert_uint_eq(env->rip, 0);
    /* INIT: back to waiting, MSRs and x87 state kept. */
    env->pat = 0x0606060606060606ULL;
    env->fpuc = 0x27f;
    env->cr[0] = CR0_PE | CR0_ET;
    env->interrupt_request = CPU_INTERRUPT_INIT;
    ck_assert(!cpu_handle_interrupt(env));
    ck_assert(env->wait_sipi && env->halted);
    ck_assert_uint_eq(env->pat, 0x0606060606060606ULL);
    ck_assert_uint_eq(env->fpuc, 0x27f);
    ck_assert_uint_eq(env->cr[0], CR0_ET);
    ck_assert_uint_eq(env->interrupt_request, 0);
}
END_TEST

START_TEST(test_x87_state)
{
    enter_pmode(0);
    st16_le(&ram[0x600], 0x0272);
    EXPECT_OK(helper_fpu(env, 0xd9 << 8 | 0x28, 0x600));      /* FLDCW [0x600] */
    ck_assert_uint_eq(env->fpuc, 0x272);
    env->fpstt = 6;
    env->fpus = 0x0041;
    env->fptags[6] = 0;
    env->fpregs[6] = (FloatX80){ 0x8000000000000000ULL, 0x3fff };   /* 1.0 */
    EXPECT_OK(helper_fpu(env, 0xdf << 8 | 0xe0, 0));          /* FNSTSW AX */
    ck_assert_uint_eq(env->regs[R_EAX] & 0xffff, 0x3041);
    EXPECT_OK(helper_fpu(env, 0xdd << 8 | 0x30, 0x700));      /* FNSAVE [0x700] */
    ck_assert_uint_eq(rd16(0x700), 0x272);
    ck_assert_uint_eq(rd16(0x704), 0x3041);
    ck_assert_uint_eq(rd16(0x708), 0xcfff);                   /* only reg 6 valid */
    ck_assert_uint_eq(rd16(0x700 + 28 + 8), 0x3fff);          /* ST(0) exponent */
    ck_assert_uint_eq(env->fpuc, 0x37f);                      /* FNINIT after save */
    ck_assert(env->fptags[6]);
    EXPECT_OK(helper_fpu(env, 0xdd << 8 | 0x20, 0x700));      /* FRSTOR [0x700] */
    ck_assert_uint_eq(env->fpstt, 6);
    ck_assert_uint_eq(env->fpus, 0x0041 | 0x8080);          /* ES, B: IE unmasked in 0x272 */
    ck_assert(!env->fptags[6] && env->fptags[0]);
    ck_assert_uint_eq(env->fpregs[6].exp, 0x3fff);
    ck_assert_uint_eq(env->fpuc, 0x272);
    EXPECT_OK(helper_fpu(env, 0xdb << 8 | 0xe2, 0));          /* FNCLEX */
    EXPECT_EXC(helper_fpu(env, 0xd9 << 8 | 0xd1, 0), EXCP_UD, 0);   /* D9 D1: invalid */
    env->cr[0] |= CR0_TS | CR0_MP;
    EXPECT_EXC(helper_fpu(env, 0xdb << 8 | 0xe3, 0), EXCP_NM, 0);
    EXPECT_EXC(helper_fwait(env), EXCP_NM, 0);
}
END_TEST

START_TEST(test_16bit_gate_and_conforming)
{
    enter_pmode(0);
    set_gate(IDT, 0x40, SEL_CODE0, 0x12345678, SYS_INT_GATE16, 0, 0);
    env->exception_index = 0x40;                 /* vector 0x40: no error code */
    env->exception_is_int = false;
    deliver_ok();
    ck_assert_uint_eq(env->rip, 0x5678);         /* 16-bit gate: 16-bit offset */
    ck_assert_uint_eq(env->regs[R_ESP], STACK0 - 6);
    ck_assert_uint_eq(rd16(STACK0 - 6), 0x1234);
    ck_assert_uint_eq(rd16(STACK0 - 4), SEL_CODE0);
    ck_assert_uint_eq(rd16(STACK0 - 2), 2 | IF_MASK);
    /* A conforming DPL 0 segment called from CPL 3 keeps CPL 3. */
    enter_pmode(3);
    set_desc(GDT, 9, 0, 0xfffff, ACC(0xe, 0, 1) | FLAT);        /* conforming code */
    EXPECT_OK(helper_lcall_protected(env, SEL_XONLY | 3, 0x4000, 4, 0x1240));
    ck_assert_uint_eq(cpu_cpl(env), 3);
    ck_assert_uint_eq(env->segs[R_CS].selector, SEL_XONLY | 3);
    ck_assert_uint_eq(env->regs[R_ESP], STACK3 - 8);
    EXPECT_OK(helper_lret(env, 4, 0));
    ck_assert_uint_eq(env->segs[R_CS].selector, SEL_CODE3);
    ck_assert_uint_eq(env->rip, 0x1240);
}
END_TEST

/* A 16-byte IA-32e interrupt gate (DPL 3) to the 64-bit ring-0 code at GDT 13. */
static void set_gate64(unsigned vec, uint64_t off, unsigned ist)
{
    set_gate(IDT, vec * 2, 13 * 8, (uint32_t)off, SYS_INT_GATE32, 3, 0);
    ram[IDT + vec * 16 + 4] = (uint8_t)ist;
    st32_le(&ram[IDT + vec * 16 + 8], (uint32_t)(off >> 32));
}

START_TEST(test_long_mode_interrupt)
{
    free(env);
    env = cpu_x86_create(NULL, 0, "qemu64", errbuf, sizeof(errbuf));
    enter_pmode(0);
    /* 64-bit code segments at GDT 13 (DPL 0) and 14 (DPL 3); 64-bit TSS at 15-16. */
    set_desc(GDT, 13, 0, 0xfffff, ACC(0xa, 0, 1) | DESC_G_MASK | DESC_L_MASK);
    set_desc(GDT, 14, 0, 0xfffff, ACC(0xa, 3, 1) | DESC_G_MASK | DESC_L_MASK);
    set_desc(GDT, 15, TSS_B, 0x67, ACC(SYS_TSS32_AVAIL, 0, 0));
    st32_le(&ram[GDT + 16 * 8], 0);                            /* base 63:32 */
    env->gdt.limit = 17 * 8 - 1;
    st64_le(&ram[TSS_B + 4], 0x1ffff8);                       /* RSP0 (aligned down) */
    st64_le(&ram[TSS_B + 0x24], 0x180000);                    /* IST1 */
    env->cr[4] = CR4_PAE;
    env->efer = EFER_LME | EFER_LMA;
    env->cr[0] |= CR0_PG;
    EXPECT_OK(helper_ltr(env, 15 * 8));
    ck_assert_uint_eq(env->tr.base, TSS_B);
    /* 16-byte gates: vector 0x20 to ring 0, vector 2 (NMI) on IST1. */
    env->idt.limit = 256 * 16 - 1;
    set_gate64(0x20, 0x100005020ULL, 0);
    set_gate64(EXCP_NMI, 0x100005002ULL, 1);
    cpu_load_seg_cache(env, R_CS, 14 * 8 + 3, 0, 0xffffffffu,
                       (ACC(0xb, 3, 1) | DESC_G_MASK | DESC_L_MASK) & DESC_CACHE_FLAGS);
    cpu_load_seg_cache(env, R_SS, SEL_DATA3, 0, 0xffffffffu, (ACC(0x3, 3, 1) | FLAT));
    ck_assert(env->hflags & HF_CS64);
    ck_assert_uint_eq(cpu_cpl(env), 3);
    env->regs[R_ESP] = 0x123456789aULL & 0xfffff;             /* user RSP */
    uint64_t user_rsp = env->regs[R_ESP];
    env->rip = 0x7fff00001000ULL;
    EXPECT_EXC(helper_raise_interrupt(env, 0x20, 0x7fff00001002ULL), 0x20, 0);
    deliver_ok();
    ck_assert_uint_eq(cpu_cpl(env), 0);
    ck_assert_uint_eq(env->rip, 0x100005020ULL);
    ck_assert_uint_eq(env->regs[R_ESP], 0x1ffff0 - 40);
    ck_assert_uint_eq(ld64_le(&ram[0x1ffff0 - 40]), 0x7fff00001002ULL);   /* RIP */
    ck_assert_uint_eq(ld64_le(&ram[0x1ffff0 - 32]), 14 * 8 + 3);          /* CS */
    ck_assert_uint_eq(ld64_le(&ram[0x1ffff0 - 16]), user_rsp);            /* RSP */
    ck_assert_uint_eq(ld64_le(&ram[0x1ffff0 - 8]), SEL_DATA3);            /* SS */
    ck_assert_uint_eq(env->segs[R_SS].selector, 0);
    /* IRETQ back to ring 3. */
    EXPECT_OK(helper_iret(env, 8, 0));
    ck_assert_uint_eq(cpu_cpl(env), 3);
    ck_assert_uint_eq(env->rip, 0x7fff00001002ULL);
    ck_assert_uint_eq(env->regs[R_ESP], user_rsp);
    ck_assert(env->hflags & HF_CS64);
    /* NMI on IST1, even at the same privilege. */
    EXPECT_OK(do_interrupt_hw(env, EXCP_NMI));
    ck_assert_uint_eq(env->regs[R_ESP], 0x180000 - 40);
    ck_assert_uint_eq(env->rip, 0x100005002ULL);
}
END_TEST

static Suite *cpusys_suite(void)
{
    Suite *s = suite_create("cpusys");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_reset_state);
    tcase_add_test(tc, test_cpuid);
    tcase_add_test(tc, test_hflags);
    tcase_add_test(tc, test_load_seg_checks);
    tcase_add_test(tc, test_lar_lsl_verw_arpl);
    tcase_add_test(tc, test_lgdt_sgdt_ltr);
    tcase_add_test(tc, test_real_mode_interrupt);
    tcase_add_test(tc, test_pm_interrupt_same_level);
    tcase_add_test(tc, test_pm_interrupt_from_ring3);
    tcase_add_test(tc, test_double_and_triple_fault);
    tcase_add_test(tc, test_vm86_interrupt_and_iret);
    tcase_add_test(tc, test_handle_interrupt);
    tcase_add_test(tc, test_call_gate_params);
    tcase_add_test(tc, test_task_switch);
    tcase_add_test(tc, test_check_io_bitmap);
    tcase_add_test(tc, test_popf_masks);
    tcase_add_test(tc, test_control_registers);
    tcase_add_test(tc, test_msrs);
    tcase_add_test(tc, test_iret_flags_and_vm86_rules);
    tcase_add_test(tc, test_sysenter_sysexit);
    tcase_add_test(tc, test_init_sipi);
    tcase_add_test(tc, test_x87_state);
    tcase_add_test(tc, test_16bit_gate_and_conforming);
    tcase_add_test(tc, test_long_mode_interrupt);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(cpusys_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
