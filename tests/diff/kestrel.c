/*
 * kestrel.c - runs a sequence inside Kestrel: the real decoder,
 * translator, optimizer and the chosen backend (interp or JIT), driven by
 * cpu_exec() on a machine that is only a memory bus with RAM.
 *
 * Guest layout (physical = linear): GDT at 0x1000 (0x08 64-bit code, 0x10
 * data, 0x18 32-bit code), IDT at 0x2000 (64-bit gates) or 0x2800 (32-bit
 * gates), exception handlers at 0x3000 + vector (each a HLT, so the stop
 * address names the vector), page tables at 0x4000 (identity map of the
 * first 1 GiB with 2 MiB pages, but 4 KiB pages around the test window,
 * where DIFF_HOLE is not present). RAM covers the test window at DIFF_WIN.
 * In 32-bit mode paging is off, so the hole does not fault there.
 *
 * Invariants: the system tables are rebuilt before every run (a run that
 * wrote over them through an aliased address must not break the next);
 * the body is followed by HLT; a run ends when cpu_exec
 * returns EXCP_HLT (at the terminator or in a handler) or something else
 * (triple fault). The code pages are invalidated before every run, since
 * the runner writes guest RAM behind the CPU's back.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include "cpu/internal.h"
#include "kestrel/machine.h"
#include "tests/diff/diff.h"

#define RAM_SIZE   ((uint64_t)DIFF_WIN + DIFF_WIN_SIZE)
#define GDT_ADDR   0x1000u
#define IDT64_ADDR 0x2000u
#define IDT32_ADDR 0x2800u
#define HANDLERS   0x3000u
#define NB_VECTORS 32
#define PML4_ADDR  0x4000u
#define PDPT_ADDR  0x5000u
#define PD_ADDR    0x6000u
#define PT_ADDR    0x7000u      /* 4 KiB pages of the window's 2 MiB, with the hole */
#define SEL_CODE64 0x08
#define SEL_DATA   0x10
#define SEL_CODE32 0x18

#define WATCHDOG_SECONDS 5

static Machine machine;
static uint8_t *ram;
static CPUX86State *env;
static volatile sig_atomic_t watchdog_fired;

/* A run that does not reach HLT in time (a translation that loops) is
 * kicked out of cpu_exec and reported. */
static void watchdog(int sig)
{
    (void)sig;
    watchdog_fired = 1;
    cpu_exit(env);
}

static void watchdog_arm(int seconds)
{
    struct itimerval it = { .it_value = { .tv_sec = seconds } };
    setitimer(ITIMER_REAL, &it, NULL);
}

static void put64(uint64_t addr, uint64_t v)
{
    memcpy(ram + addr, &v, 8);
}

/* An interrupt gate (DPL 0) to the handler of vector v; 16 bytes in 64-bit mode. */
static void put_gate(uint64_t idt, int v, bool is64)
{
    uint32_t off = HANDLERS + (uint32_t)v;
    uint64_t lo = (off & 0xffffu) | (uint64_t)(is64 ? SEL_CODE64 : SEL_CODE32) << 16 |
                  (uint64_t)0x8e00 << 32 | (uint64_t)(off >> 16) << 48;
    put64(idt + (uint64_t)v * (is64 ? 16 : 8), lo);
    if (is64)
        put64(idt + (uint64_t)v * 16 + 8, 0);
}

static void build_system_tables(void)
{
    put64(GDT_ADDR + 0x08, 0x00af9a000000ffffull);     /* 64-bit code */
    put64(GDT_ADDR + 0x10, 0x00cf92000000ffffull);     /* flat data */
    put64(GDT_ADDR + 0x18, 0x00cf9a000000ffffull);     /* 32-bit code */
    for (int v = 0; v < NB_VECTORS; v++) {
        put_gate(IDT64_ADDR, v, true);
        put_gate(IDT32_ADDR, v, false);
        ram[HANDLERS + (uint32_t)v] = 0xf4;
    }
    put64(PML4_ADDR, PDPT_ADDR | 3);
    put64(PDPT_ADDR, PD_ADDR | 3);
    for (uint64_t i = 0; i < 512; i++)
        put64(PD_ADDR + 8 * i, (i << 21) | 0x83);
    uint64_t win2m = DIFF_WIN & ~0x1fffffull;
    put64(PD_ADDR + 8 * (win2m >> 21), PT_ADDR | 3);
    for (uint64_t i = 0; i < 512; i++) {
        uint64_t page = win2m + (i << 12);
        put64(PT_ADDR + 8 * i, page == DIFF_HOLE ? 0 : page | 3);
    }
}

bool diff_kestrel_init(const char *backend, char *err, size_t errlen)
{
    const IRBackend *b = ir_backend_find(backend);
    if (!b) {
        snprintf(err, errlen, "backend '%s' is not available in this build", backend);
        return false;
    }
    if (env) {
        if (b != ir_backend) {
            snprintf(err, errlen, "the backend is chosen once per process");
            return false;
        }
        return true;
    }
    ir_backend = b;
    ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ram == MAP_FAILED) {
        snprintf(err, errlen, "cannot allocate %llu bytes of guest RAM",
                 (unsigned long long)RAM_SIZE);
        return false;
    }
    machine.mem = bus_new("memory", 1ull << 32);
    machine.io = bus_new("io", 0x10000);
    machine.ram = ram;
    machine.ram_size = RAM_SIZE;
    bus_map_ram(machine.mem, "ram", 0, RAM_SIZE, ram, 0, 0);
    env = cpu_x86_create(&machine, 0, NULL, err, errlen);
    if (!env)
        return false;
    machine.cpus[0] = env;
    machine.ncpus = 1;
    signal(SIGALRM, watchdog);
    return true;
}

static void set_seg(int seg, uint32_t sel, uint32_t flags)
{
    cpu_load_seg_cache(env, seg, sel, 0, 0xffffffff, flags);
}

/* Flat 64-bit long mode, CPL 0, identity paging. */
static void set_flat64(void)
{
    const uint32_t code = DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK | DESC_A_MASK |
                          DESC_L_MASK | DESC_G_MASK;
    const uint32_t data = DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK | DESC_B_MASK |
                          DESC_G_MASK;
    env->cr[0] = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_PG;
    env->cr[3] = PML4_ADDR;
    env->cr[4] = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
    env->efer = EFER_LME | EFER_LMA;
    for (int seg = 0; seg < NB_SEGS; seg++)
        set_seg(seg, seg == R_CS ? SEL_CODE64 : SEL_DATA, seg == R_CS ? code : data);
    env->idt.base = IDT64_ADDR;
    env->idt.limit = NB_VECTORS * 16 - 1;
}

/* Flat 32-bit protected mode, paging off. */
static void set_flat32(const DiffSeq *seq)
{
    cpu_x86_set_flat32(env, seq->code_addr);
    env->cr[0] |= CR0_MP | CR0_NE;
    env->cr[4] |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    env->segs[R_CS].selector = SEL_CODE32;
    env->idt.base = IDT32_ADDR;
    env->idt.limit = NB_VECTORS * 8 - 1;
}

static void load_state(const DiffSeq *seq)
{
    if (seq->mode == DIFF_MODE_64)
        set_flat64();
    else
        set_flat32(seq);
    env->gdt.base = GDT_ADDR;
    env->gdt.limit = 0x1f;
    memcpy(env->regs, seq->init.regs, sizeof(env->regs));
    env->rip = seq->code_addr;
    cpu_set_eflags(env, (uint32_t)seq->init.rflags, ~0u);
    for (int i = 0; i < 16; i++)
        memcpy(env->xmm[i].b, seq->init.xmm[i].b, 16);
    env->mxcsr = 0x1f80;
    env->halted = false;
    env->exception_index = -1;
    env->old_exception = -1;
    env->interrupt_request = 0;
    env->exit_request = 0;
    cpu_update_hflags(env);
    tlb_flush_all(env);
}

static bool vector_has_error_code(int v)
{
    return v == EXCP_DF || (v >= EXCP_TS && v <= EXCP_PF) || v == EXCP_AC;
}

static uint64_t frame_word(uint64_t addr, int w)
{
    uint64_t v = 0;
    if (addr + 8 <= RAM_SIZE)
        memcpy(&v, ram + addr, (size_t)w);
    return v;
}

/* After a stop in a handler: the state at the fault, from the frame
 * ([error code], RIP, CS, RFLAGS, and in 64-bit mode RSP, SS). */
static void describe_fault(const DiffSeq *seq, DiffState *out, int vector)
{
    int w = seq->mode == DIFF_MODE_64 ? 8 : 4;
    uint64_t sp = env->regs[R_ESP], f = sp;
    out->fault = vector;
    if (vector_has_error_code(vector)) {
        out->error_code = frame_word(f, w);
        f += (uint64_t)w;
    }
    out->rip = frame_word(f, w);
    out->rflags = frame_word(f + 2 * (uint64_t)w, w);
    out->regs[R_ESP] = w == 8 ? frame_word(f + 24, 8) : f + 12;
    out->cr2 = vector == EXCP_PF ? env->cr[2] : 0;
    out->frame_lo = sp;
    out->frame_hi = out->regs[R_ESP];
    snprintf(out->fault_text, sizeof(out->fault_text),
             "exception %d at rip=%#llx (body offset %#llx) error code %#llx", vector,
             (unsigned long long)out->rip, (unsigned long long)(out->rip - seq->code_addr),
             (unsigned long long)out->error_code);
}

void diff_kestrel_run(const DiffSeq *seq, DiffState *out)
{
    build_system_tables();
    memcpy(ram + seq->code_addr, seq->code, seq->len);
    ram[seq->code_addr + seq->len] = 0xf4;             /* HLT */
    tb_invalidate_phys_range(0, PT_ADDR + 0x1000);
    tb_invalidate_phys_range(DIFF_CODE, DIFF_CODE_AREA);
    memcpy(ram + DIFF_MEM, seq->init.mem, DIFF_MEM_SIZE);
    load_state(seq);
    memset(out, 0, sizeof(*out));
    out->fault = -1;
    int ret = EXCP_INTERRUPT;
    watchdog_fired = 0;
    watchdog_arm(WATCHDOG_SECONDS);
    for (int i = 0; i < 16 && ret == EXCP_INTERRUPT && !watchdog_fired; i++)
        ret = cpu_exec(env);
    watchdog_arm(0);
    memcpy(out->regs, env->regs, sizeof(out->regs));
    out->rflags = cpu_get_eflags(env);
    for (int i = 0; i < 16; i++)
        memcpy(out->xmm[i].b, env->xmm[i].b, 16);
    memcpy(out->mem, ram + DIFF_MEM, DIFF_MEM_SIZE);
    out->rip = env->rip - 1;
    uint64_t end = seq->code_addr + seq->len;
    if (ret == EXCP_HLT && env->rip == end + 1)
        return;
    if (ret == EXCP_HLT && env->rip > HANDLERS && env->rip <= HANDLERS + NB_VECTORS) {
        describe_fault(seq, out, (int)(env->rip - HANDLERS - 1));
        return;
    }
    out->fault = 256 + ret;
    snprintf(out->fault_text, sizeof(out->fault_text),
             "Kestrel stopped with cpu_exec()=%#x at rip=%#llx%s", ret,
             (unsigned long long)env->rip, watchdog_fired ? " (no HLT within the time limit)" : "");
}
