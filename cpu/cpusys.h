/*
 * cpusys.h - private to the system helpers (state.c, seg_helper.c,
 * int_helper.c, task_helper.c, misc_helper.c, fpu_helper.c): CPUID feature bits,
 * descriptor decoding, system-table and stack access, the task switch.
 *
 * Invariants: every guest access made here goes through cpu_ld/cpu_st, so a
 * fault unwinds with raise_exception_err(); code that changes several pieces
 * of state reads and checks everything that may fault first and commits
 * afterwards, so a fault leaves the registers as they were.
 */
#ifndef KESTREL_CPU_CPUSYS_H
#define KESTREL_CPU_CPUSYS_H

#include "cpu/internal.h"

/* CPUID leaf 1 EDX */
#define CPUID_FPU   (1u << 0)
#define CPUID_VME   (1u << 1)
#define CPUID_DE    (1u << 2)
#define CPUID_PSE   (1u << 3)
#define CPUID_TSC   (1u << 4)
#define CPUID_MSR   (1u << 5)
#define CPUID_PAE   (1u << 6)
#define CPUID_MCE   (1u << 7)
#define CPUID_CX8   (1u << 8)
#define CPUID_APIC  (1u << 9)
#define CPUID_SEP   (1u << 11)
#define CPUID_MTRR  (1u << 12)
#define CPUID_PGE   (1u << 13)
#define CPUID_MCA   (1u << 14)
#define CPUID_CMOV  (1u << 15)
#define CPUID_PAT   (1u << 16)
#define CPUID_CLFSH (1u << 19)
#define CPUID_MMX   (1u << 23)
#define CPUID_FXSR  (1u << 24)
#define CPUID_SSE   (1u << 25)
#define CPUID_SSE2  (1u << 26)
/* leaf 1 ECX */
#define CPUID_EXT_SSE3   (1u << 0)
#define CPUID_EXT_SSSE3  (1u << 9)
#define CPUID_EXT_CX16   (1u << 13)
#define CPUID_EXT_SSE41  (1u << 19)
#define CPUID_EXT_SSE42  (1u << 20)
#define CPUID_EXT_POPCNT (1u << 23)
#define CPUID_EXT_TSC_DEADLINE (1u << 24)   /* local APIC timer TSC-deadline mode */
/* leaf 0x80000001 EDX / ECX */
#define CPUID_EXT2_SYSCALL (1u << 11)
#define CPUID_EXT2_NX      (1u << 20)
#define CPUID_EXT2_RDTSCP  (1u << 27)
#define CPUID_EXT2_LM      (1u << 29)
#define CPUID_EXT3_LAHF_LM (1u << 0)
/* leaf 7 EBX */
#define CPUID_7_FSGSBASE (1u << 0)
#define CPUID_7_SMEP     (1u << 7)
#define CPUID_7_SMAP     (1u << 20)

/* The virtual TSC frequency: the TSC counts clock_ns() at this rate. */
#define CPU_TSC_FREQ_HZ 2000000000ULL

static inline bool cpu_has_feature(const CPUX86State *env, uint32_t edx_bit)
{
    return (env->cpuid->features_edx & edx_bit) != 0;
}
static inline bool cpu_has_ext2(const CPUX86State *env, uint32_t bit)
{
    return (env->cpuid->ext_features_edx & bit) != 0;
}
static inline unsigned cpu_cpl(const CPUX86State *env)
{
    return env->hflags & HF_CPL_MASK;
}
static inline bool cpu_pmode(const CPUX86State *env)   /* protected, not VM86 */
{
    return (env->hflags & (HF_PE | HF_VM)) == HF_PE;
}

/* Descriptor fields from the (lo, hi) dwords of an 8-byte descriptor. */
#define DESC_CACHE_FLAGS 0x00f0ff00u   /* the bits SegmentCache.flags keeps */
static inline uint32_t desc_base(uint32_t lo, uint32_t hi)
{
    return (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000u);
}
static inline uint32_t desc_limit(uint32_t lo, uint32_t hi)
{
    uint32_t limit = (lo & 0xffff) | (hi & 0x000f0000u);
    return (hi & DESC_G_MASK) ? (limit << 12) | 0xfff : limit;
}
static inline unsigned desc_dpl(uint32_t hi) { return (hi >> DESC_DPL_SHIFT) & 3; }
static inline unsigned desc_type(uint32_t hi) { return (hi >> DESC_TYPE_SHIFT) & 15; }

/* System descriptor types (S = 0). */
enum {
    SYS_TSS16_AVAIL = 1, SYS_LDT = 2, SYS_TSS16_BUSY = 3, SYS_CALL_GATE16 = 4,
    SYS_TASK_GATE = 5, SYS_INT_GATE16 = 6, SYS_TRAP_GATE16 = 7,
    SYS_TSS32_AVAIL = 9, SYS_TSS32_BUSY = 11, SYS_CALL_GATE32 = 12,
    SYS_INT_GATE32 = 14, SYS_TRAP_GATE32 = 15,
};
#define SYS_TSS_BUSY_BIT 2      /* in the type: available (1/9) -> busy (3/11) */

/* Linear addresses wrap at 4 GiB outside long mode. */
static inline uint64_t cpu_linear(const CPUX86State *env, uint64_t addr)
{
    return (env->hflags & HF_LMA) ? addr : (uint32_t)addr;
}

/* Supervisor accesses to system structures (GDT, LDT, IDT, TSS). */
uint32_t sys_ld(CPUX86State *env, uint64_t addr, MemOp mo, uintptr_t ra);
void sys_st(CPUX86State *env, uint64_t addr, uint32_t val, MemOp mo, uintptr_t ra);

/* Recover EIP/cc_op of the current instruction before reading flags or saving state. */
void cpu_sync_state(CPUX86State *env, uintptr_t ra);

/* A stack being pushed or popped; committed to ESP only at the end. */
typedef struct StackPtr {
    CPUX86State *env;
    uint64_t base;
    uint64_t sp;
    uint64_t mask;          /* 0xffff or 0xffffffff */
    unsigned mmu_idx;
    uintptr_t ra;
} StackPtr;
void stack_init(StackPtr *s, CPUX86State *env, uint64_t base, uint64_t sp, uint32_t ss_flags,
                unsigned cpl, uintptr_t ra);
void stack_init_current(StackPtr *s, CPUX86State *env, uintptr_t ra);
void stack_push(StackPtr *s, uint64_t val, unsigned size);
uint64_t stack_pop(StackPtr *s, unsigned size);
void stack_commit(const StackPtr *s);     /* ESP (or SP) = s->sp */

/* seg_helper.c */
KESTREL_NORETURN void raise_fault_sel(CPUX86State *env, int vector, uint32_t sel, uintptr_t ra);
void desc_write_hi(CPUX86State *env, uint32_t sel, uint32_t hi, uintptr_t ra);
void load_seg_real(CPUX86State *env, int seg, uint32_t sel);
void load_seg_cache_desc(CPUX86State *env, int seg, uint32_t sel, uint32_t lo, uint32_t hi);
/* Protected-mode data or stack segment load at privilege cpl; vector is #GP or #TS. */
void load_data_seg(CPUX86State *env, int seg, uint32_t sel, unsigned cpl, int vector,
                   uintptr_t ra);
/* SS:ESP for privilege level dpl from the current TSS (#TS on a short TSS). */
void tss_get_stack(CPUX86State *env, unsigned dpl, uint32_t *ss, uint32_t *esp, uintptr_t ra);
/* Checks the stack segment a privilege change switches to (#TS/#SS with ext). */
void check_new_ss(CPUX86State *env, uint32_t ss, unsigned dpl, uint32_t *lo, uint32_t *hi,
                  int ext, uintptr_t ra);
/* The TSS a task gate names (#GP/#NP with ext as for INT/JMP/CALL). */
void task_gate_target(CPUX86State *env, uint32_t gate_lo, uint32_t *sel, uint32_t *lo,
                      uint32_t *hi, int ext, uintptr_t ra);

/* Checks the CS a RET/IRET pops (#GP/#NP) and reads its descriptor. */
void check_return_cs(CPUX86State *env, uint32_t sel, uint32_t *lo, uint32_t *hi, uintptr_t ra);
/* RET/IRET in protected mode after CS:EIP (and EFLAGS) were popped from s:
 * same level, or outer level popping SS:ESP (always with pop_ss: IRET in
 * 64-bit mode); addend is RET imm16. */
void return_protected(CPUX86State *env, StackPtr *s, uint32_t cs, uint64_t eip,
                      unsigned size, uint32_t addend, bool pop_ss, uintptr_t ra);

/* task_helper.c */
typedef enum TaskSource { TASK_JMP, TASK_CALL, TASK_INT, TASK_IRET } TaskSource;
/* Switches to the task whose TSS descriptor (lo, hi) selector sel names; SDM 7.3.
 * next_eip is saved as the outgoing task's EIP. */
void task_switch(CPUX86State *env, uint32_t sel, uint32_t lo, uint32_t hi, TaskSource src,
                 uint32_t next_eip, uintptr_t ra);

/* misc_helper.c */
void cpu_write_cr0(CPUX86State *env, uint64_t val, uintptr_t ra);
void cpu_write_cr3(CPUX86State *env, uint64_t val);
uint64_t cpu_get_tsc(CPUX86State *env);
/* CPUID leaf/subleaf -> EAX, EBX, ECX, EDX. */
void cpu_x86_cpuid(CPUX86State *env, uint32_t leaf, uint32_t sub, uint32_t out[4]);
/* MSR access without the privilege checks (monitor, tests); false means #GP. */
bool cpu_rdmsr(CPUX86State *env, uint32_t index, uint64_t *val);
bool cpu_wrmsr(CPUX86State *env, uint32_t index, uint64_t val);

/* state.c */
void cpu_fpu_init(CPUX86State *env);    /* FNINIT state */
uint32_t cpu_signature(const CPUIDModel *m);   /* CPUID.1:EAX, reset EDX */
void cpu_x86_init_ipi(CPUX86State *env);        /* INIT signal */
void cpu_x86_sipi(CPUX86State *env, uint8_t vector);   /* startup IPI */

#endif
