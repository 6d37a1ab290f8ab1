/*
 * cpu.h - the guest x86 CPU: architectural state and the interface the
 * rest of the machine uses (create, reset, run, interrupt, A20).
 *
 * State layout rules: general registers, RIP and the lazy-flag words are
 * IR globals (cpu/translate.c registers them by offset), so they must stay
 * plain 64-bit fields. Arithmetic flags are lazy: `eflags` holds only the
 * non-arithmetic bits (IF, DF, TF, IOPL, NT, RF, VM, AC, ID...) and the
 * arithmetic ones are derived from (cc_op, cc_dst, cc_src, cc_src2) by
 * cpu_get_eflags(). hflags caches mode bits derived from CR0/CR4/EFER/
 * segments/EFLAGS; it is part of every translation block's key, so any
 * state change that alters it must go through cpu_update_hflags().
 */
#ifndef KESTREL_CPU_H
#define KESTREL_CPU_H

#include <setjmp.h>
#include <stdio.h>
#include "kestrel/common.h"
#include "kestrel/tlb.h"

typedef struct Machine Machine;
typedef struct Bus Bus;
typedef struct LocalApic LocalApic;

enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI,
       R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15 };
enum { R_ES, R_CS, R_SS, R_DS, R_FS, R_GS, NB_SEGS };

/* EFLAGS */
#define CC_C    0x0001
#define CC_P    0x0004
#define CC_A    0x0010
#define CC_Z    0x0040
#define CC_S    0x0080
#define CC_O    0x0800
#define CC_ALL  (CC_C | CC_P | CC_A | CC_Z | CC_S | CC_O)
#define TF_MASK   0x00000100
#define IF_MASK   0x00000200
#define DF_MASK   0x00000400
#define IOPL_MASK 0x00003000
#define IOPL_SHIFT 12
#define NT_MASK   0x00004000
#define RF_MASK   0x00010000
#define VM_MASK   0x00020000
#define AC_MASK   0x00040000
#define VIF_MASK  0x00080000
#define VIP_MASK  0x00100000
#define ID_MASK   0x00200000

/* Segment descriptor flags, as bits 8..23 of the descriptor's high dword, in place. */
#define DESC_TYPE_SHIFT 8
#define DESC_TYPE_MASK  (15u << 8)
#define DESC_A_MASK     (1u << 8)
#define DESC_W_MASK     (1u << 9)    /* data: writable */
#define DESC_R_MASK     (1u << 9)    /* code: readable */
#define DESC_E_MASK     (1u << 10)   /* data: expand-down */
#define DESC_C_MASK     (1u << 10)   /* code: conforming */
#define DESC_CS_MASK    (1u << 11)   /* code segment */
#define DESC_S_MASK     (1u << 12)   /* code/data, not system */
#define DESC_DPL_SHIFT  13
#define DESC_DPL_MASK   (3u << 13)
#define DESC_P_MASK     (1u << 15)
#define DESC_AVL_MASK   (1u << 20)
#define DESC_L_MASK     (1u << 21)   /* 64-bit code */
#define DESC_B_MASK     (1u << 22)   /* D/B: 32-bit default */
#define DESC_G_MASK     (1u << 23)

typedef struct SegmentCache {
    uint32_t selector;
    uint32_t flags;       /* DESC_* bits */
    uint64_t base;
    uint32_t limit;       /* in bytes, granularity already applied */
} SegmentCache;

/* Control register bits. */
#define CR0_PE (1u << 0)
#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR0_ET (1u << 4)
#define CR0_NE (1u << 5)
#define CR0_WP (1u << 16)
#define CR0_AM (1u << 18)
#define CR0_NW (1u << 29)
#define CR0_CD (1u << 30)
#define CR0_PG (1u << 31)
#define CR4_VME (1u << 0)
#define CR4_PVI (1u << 1)
#define CR4_TSD (1u << 2)
#define CR4_DE  (1u << 3)
#define CR4_PSE (1u << 4)
#define CR4_PAE (1u << 5)
#define CR4_MCE (1u << 6)
#define CR4_PGE (1u << 7)
#define CR4_PCE (1u << 8)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_UMIP (1u << 11)
#define CR4_FSGSBASE (1u << 16)
#define CR4_PCIDE (1u << 17)
#define CR4_OSXSAVE (1u << 18)
#define CR4_SMEP (1u << 20)
#define CR4_SMAP (1u << 21)
#define EFER_SCE (1u << 0)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define EFER_NXE (1u << 11)

/* hflags: mode bits that select how code is translated (part of the TB key). */
#define HF_CPL_MASK      0x3u           /* current privilege level */
#define HF_PE            (1u << 2)      /* protected mode (CR0.PE) */
#define HF_CS32          (1u << 3)      /* default operand/address size 32 */
#define HF_SS32          (1u << 4)      /* stack is 32-bit (SS.B) */
#define HF_ADDSEG        (1u << 5)      /* DS/ES/SS base may be nonzero: add bases */
#define HF_VM            (1u << 6)      /* virtual-8086 mode */
#define HF_LMA           (1u << 7)      /* long mode active */
#define HF_CS64          (1u << 8)      /* 64-bit code segment */
#define HF_PG            (1u << 9)      /* paging on */
#define HF_EM            (1u << 10)     /* CR0.EM */
#define HF_TS            (1u << 11)     /* CR0.TS */
#define HF_MP            (1u << 12)     /* CR0.MP */
#define HF_TF            (1u << 13)     /* single-step after each insn */
#define HF_INHIBIT_IRQ   (1u << 14)     /* after MOV SS/POP SS/STI: no interrupt */
#define HF_OSFXSR        (1u << 15)
#define HF_SMAP          (1u << 16)
#define HF_IOPL_SHIFT    17             /* copy of EFLAGS.IOPL (for CLI/STI/IN/OUT) */
#define HF_IOPL_MASK     (3u << 17)
#define HF_RF            (1u << 20)
/* Per data segment (bit 21 + R_ES..R_GS): the segment is not a present,
 * writable, expand-up data segment of 4 GiB, so accesses through it get
 * explicit rights and limit checks. CS's bit is never set. */
#define HF_SEGCHK_SHIFT  21
#define HF_SEGCHK_MASK   (0x3fu << HF_SEGCHK_SHIFT)
#define HF_SEGCHK(seg)   (1u << (HF_SEGCHK_SHIFT + (seg)))
/* Deterministic mode (-icount): blocks check and charge env->icount_budget at entry. */
#define HF_ICOUNT        (1u << 27)

/* MMU indices of the softmmu TLB. */
enum { MMU_KERNEL_IDX = 0, MMU_USER_IDX = 1, MMU_KSMAP_IDX = 2, MMU_PHYS_IDX = 3 };

/* Requests that make the vCPU leave translated code (interrupt_request). */
#define CPU_INTERRUPT_HARD  (1u << 0)   /* INTR line from PIC/APIC */
#define CPU_INTERRUPT_NMI   (1u << 1)
#define CPU_INTERRUPT_INIT  (1u << 2)
#define CPU_INTERRUPT_SIPI  (1u << 3)
#define CPU_INTERRUPT_SMI   (1u << 4)
#define CPU_INTERRUPT_EXIT  (1u << 5)   /* leave cpu_exec (main loop wants the CPU) */
#define CPU_INTERRUPT_TIMER (1u << 6)   /* local APIC timer/LINT pending */
#define CPU_INTERRUPT_APIC  (1u << 7)   /* the local APIC holds a vector above its PPR */

/* Exceptions. */
enum {
    EXCP_DE = 0, EXCP_DB = 1, EXCP_NMI = 2, EXCP_BP = 3, EXCP_OF = 4, EXCP_BR = 5,
    EXCP_UD = 6, EXCP_NM = 7, EXCP_DF = 8, EXCP_TS = 10, EXCP_NP = 11,
    EXCP_SS = 12, EXCP_GP = 13, EXCP_PF = 14, EXCP_MF = 16, EXCP_AC = 17,
    EXCP_MC = 18, EXCP_XM = 19,
};
/* cpu_exec() results and internal exception indices beyond the 256 vectors. */
enum {
    EXCP_INTERRUPT = 0x10000,   /* exit requested */
    EXCP_HLT,                   /* halted: wait for an interrupt */
    EXCP_DEBUG,                 /* breakpoint/single step for the gdb stub */
    EXCP_RESET,                 /* triple fault or reset request */
    EXCP_SHUTDOWN,
};

typedef struct FloatX80 {
    uint64_t mant;
    uint16_t exp;               /* sign in bit 15 */
} FloatX80;

typedef union XMMReg {
    uint8_t  b[16];
    uint16_t w[8];
    uint32_t l[4];
    uint64_t q[2];
} XMMReg;

typedef struct CPUIDModel {
    const char *name;
    char vendor[13];
    uint32_t level, xlevel;
    uint32_t family, model, stepping;
    uint32_t features_edx, features_ecx;       /* leaf 1 */
    uint32_t ext_features_edx, ext_features_ecx;  /* leaf 0x80000001 */
    uint32_t features7_ebx;                     /* leaf 7 */
    char model_id[49];
} CPUIDModel;

typedef struct CPUX86State {
    /* --- IR globals: keep first, plain 64-bit --- */
    uint64_t regs[16];
    uint64_t rip;
    uint64_t cc_dst, cc_src, cc_src2;
    uint64_t cc_op;             /* CCOp of the last flag-setting op (cpu/internal.h) */
    uint64_t eflags;            /* non-arithmetic bits; bit 1 always set */
    uint32_t hflags;
    uint32_t a20_mask_unused;   /* reserved */

    /* Set by other threads; checked at every block entry. */
    volatile uint32_t exit_request;     /* nonzero: leave translated code */
    volatile uint32_t interrupt_request;

    SegmentCache segs[NB_SEGS];
    SegmentCache ldt, tr;
    struct { uint64_t base; uint32_t limit; } gdt, idt;

    uint64_t cr[5];             /* cr[1] unused */
    uint64_t efer;
    uint64_t dr[8];
    uint64_t a20_mask;          /* ~(1 << 20) when the A20 gate is closed */

    /* MSRs */
    uint64_t star, lstar, cstar, fmask, kernel_gs_base;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t pat, apic_base, misc_enable, tsc_offset, tsc_aux;
    uint64_t mtrr_def_type, mtrr_fixed[11], mtrr_var[16];
    uint64_t mcg_status;

    /* x87 */
    FloatX80 fpregs[8];
    uint32_t fpstt;             /* top of stack */
    uint16_t fpus, fpuc;        /* status (without TOP), control */
    uint8_t fptags[8];          /* 1: empty */
    uint16_t fpop;
    uint64_t fpip, fpdp;
    uint16_t fpcs, fpds;

    /* SSE */
    XMMReg xmm[16];
    uint32_t mxcsr;

    /* Exception being delivered. */
    int exception_index;
    int error_code;
    bool exception_is_int;      /* software INT n (uses next_eip, checks DPL) */
    uint64_t exception_next_eip;
    int old_exception;          /* for #DF detection, -1 when none */

    /* Softmmu */
    SoftTLB tlb;
    uint32_t tlb_victim_next[NB_MMU_MODES];

    /* -icount: instructions the CPU may still run before the next timer
     * deadline (a block subtracts its count at entry, and exits instead if
     * the budget is short), and the budget as granted (see cpu_icount_grant).
     * icount is set by the first grant; HF_ICOUNT follows it. */
    int64_t icount_budget;
    int64_t icount_granted;
    bool icount;

    bool halted;
    bool wait_sipi;             /* AP after reset/INIT: only a SIPI starts it */
    uint8_t sipi_vector;        /* set by the local APIC before raising CPU_INTERRUPT_SIPI */
    bool nmi_blocked;           /* NMI handler running: further NMIs wait for IRET */
    jmp_buf jmp_env;            /* cpu_loop_exit() longjmps here */

    /* The machine around the CPU */
    int cpu_index;
    Machine *machine;
    Bus *mem, *io;
    LocalApic *apic;
    int (*intr_ack)(void *opaque);   /* INTA cycle: returns the vector */
    void *intr_opaque;
    const CPUIDModel *cpuid;

    void *exec;                 /* cpu/exec.c private state (TB jump cache, ...) */
} CPUX86State;

/* Life cycle. */
CPUX86State *cpu_x86_create(Machine *m, int index, const char *model,
                            char *err, size_t errlen);
void cpu_x86_reset(CPUX86State *env);
bool cpu_model_valid(const char *name);
void cpu_model_list(FILE *f);

/*
 * Run guest code until something needs the caller: returns EXCP_HLT,
 * EXCP_INTERRUPT (exit_request), EXCP_DEBUG, EXCP_RESET or EXCP_SHUTDOWN.
 * Called without the machine lock.
 */
int cpu_exec(CPUX86State *env);
/* The CPU that cpu_exec runs on this thread (NULL outside cpu_exec): MMIO
 * callbacks of per-CPU devices (the local APIC) ask it which CPU accesses. */
extern __thread CPUX86State *cpu_current;
/* True when a halted CPU has something to do (an unmasked interrupt). */
bool cpu_has_work(CPUX86State *env);

/* Any thread: raise/clear request bits; raising kicks the CPU out of its block. */
void cpu_interrupt(CPUX86State *env, uint32_t mask);
void cpu_reset_interrupt(CPUX86State *env, uint32_t mask);
void cpu_exit(CPUX86State *env);

/*
 * Deterministic mode (-icount), called by the thread that runs the CPU
 * (cpu_icount_limit also from device code that CPU runs): grant lets the
 * next cpu_exec run at most insns instructions (it returns EXCP_INTERRUPT
 * when they are used up, exactly at the boundary); pending is how many of
 * the grant have retired (a running block counts as retired from its entry);
 * limit shrinks what remains of the grant to insns; commit adds the retired
 * ones to the virtual clock (clock_icount_advance) and zeroes pending.
 */
void cpu_icount_grant(CPUX86State *env, int64_t insns);
int64_t cpu_icount_pending(const CPUX86State *env);
void cpu_icount_limit(CPUX86State *env, int64_t insns);
void cpu_icount_commit(CPUX86State *env);

void cpu_set_a20(CPUX86State *env, bool enabled);
/*
 * Direct kernel boot (cpu/boot.c): flat 32-bit protected mode (CS/DS/ES/
 * SS/FS/GS base 0, limit 4 GiB, CPL 0), CR0.PE=1 with paging off, EFLAGS=2,
 * A20 on, EIP=eip. General registers are left to the caller.
 */
void cpu_x86_set_flat32(CPUX86State *env, uint32_t eip);
void cpu_set_intr_source(CPUX86State *env, int (*ack)(void *opaque), void *opaque);

/* Registers as a debugger or the monitor sees them. */
uint32_t cpu_get_eflags(CPUX86State *env);
void cpu_set_eflags(CPUX86State *env, uint32_t eflags, uint32_t update_mask);
void cpu_dump_state(CPUX86State *env, FILE *f);
/* Debugger access to guest virtual memory; returns false on an unmapped page. */
bool cpu_memory_rw_debug(CPUX86State *env, uint64_t vaddr, void *buf, size_t len, bool is_write);

/* The whole bus map changed (PAM, BARs): drop TLBs and revalidate. */
void cpu_tlb_flush(CPUX86State *env);

#endif
