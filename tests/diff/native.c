/*
 * native.c - runs a sequence on the host CPU in user mode.
 *
 * The window DIFF_WIN is mapped read/write/execute at its fixed address.
 * A stub at DIFF_STUB (64-bit code, written once) saves the callee-saved
 * registers and RSP, loads XMM0-15, RFLAGS (POPFQ) and the general
 * registers from the state block, and jumps to the sequence. 64-bit
 * sequences end with a JMP to the epilogue; 32-bit ones are entered with a
 * far jump to the kernel's 32-bit user code segment (0x23) and end with a
 * far jump back to the 64-bit one (0x33). The epilogue stores the general
 * registers, RFLAGS (PUSHFQ, then CLD for the C caller) and XMM0-15,
 * resets MXCSR and the x87 unit, and returns. A run starts with the
 * default MXCSR (0x1F80), as Kestrel's does. No system call or other kernel transition happens in between.
 *
 * A fault (SIGSEGV, SIGFPE, SIGILL, SIGBUS, SIGTRAP) is caught on an
 * alternate stack and reported as the run's result instead of killing the
 * harness.
 */
#include <setjmp.h>
#include <signal.h>
#include <ucontext.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include "tests/diff/diff.h"

#if defined(__x86_64__)

#define USER_CS32 0x23
#define USER_CS64 0x33
#define USER_DS 0x2b

/* Layout of the state block at DIFF_STATE. */
typedef struct NativeBlock {
    uint64_t in_regs[16], in_flags;
    uint64_t out_regs[16], out_flags;
    uint64_t saved_rsp;
    uint32_t far32[2];          /* m16:32 target of the jump into 32-bit code */
    uint64_t code_addr;         /* target of the jump into 64-bit code */
    uint32_t mxcsr;             /* the default MXCSR, loaded before and after a run */
    uint32_t pad;
    DiffXmm in_xmm[16], out_xmm[16];
} NativeBlock;

#define BLOCK ((NativeBlock *)(uintptr_t)DIFF_STATE)
#define FIELD(f) ((uint32_t)(DIFF_STATE + offsetof(NativeBlock, f)))

static uint8_t *stub_p;
static uint32_t entry64, entry32, epilogue;
static sigjmp_buf fault_jmp;
static volatile int fault_sig;
static DiffState *fault_out;

/* ucontext register slots in DiffState.regs order. */
static const int greg_index[16] = {
    REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
    REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

static void put(const void *b, size_t n)
{
    memcpy(stub_p, b, n);
    stub_p += n;
}

static void put8(uint8_t b)
{
    put(&b, 1);
}

static void put32(uint32_t v)
{
    put(&v, 4);
}

/* REX.W-or-not op reg, [abs32] (ModRM mod=00 rm=100, SIB base=101 no index). */
static void put_abs(uint8_t pfx, int w, const uint8_t *op, int oplen, int reg, uint32_t addr)
{
    if (pfx)
        put8(pfx);
    if (w || reg >= 8)
        put8((uint8_t)(0x40 | (w ? 8 : 0) | (reg >= 8 ? 4 : 0)));
    put(op, (size_t)oplen);
    put8((uint8_t)(0x04 | (reg & 7) << 3));
    put8(0x25);
    put32(addr);
}

static uint32_t here(void)
{
    return (uint32_t)(uintptr_t)stub_p;
}

static void build_stub(void)
{
    static const uint8_t push_callee[] = { 0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56,
                                           0x41, 0x57 };
    static const uint8_t pop_callee[] = { 0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c,
                                          0x5d, 0x5b, 0xc3 };
    static const uint8_t mov_st[] = { 0x89 }, mov_ld[] = { 0x8b };
    static const uint8_t movdqu_ld[] = { 0x0f, 0x6f }, movdqu_st[] = { 0x0f, 0x7f };
    static const uint8_t ldmxcsr[] = { 0x0f, 0xae }, fninit[] = { 0xdb, 0xe3 };
    stub_p = (uint8_t *)(uintptr_t)DIFF_STUB;
    for (int mode = 0; mode < 2; mode++) {
        if (mode == 0)
            entry64 = here();
        else
            entry32 = here();
        put(push_callee, sizeof(push_callee));
        put_abs(0, 1, mov_st, 1, 4, FIELD(saved_rsp));
        put_abs(0, 0, ldmxcsr, 2, 2, FIELD(mxcsr));
        for (int x = 0; x < 16; x++)
            put_abs(0xf3, 0, movdqu_ld, 2, x, FIELD(in_xmm) + 16u * (uint32_t)x);
        if (mode == 1) {            /* DS = ES = the user data segment for 32-bit code */
            static const uint8_t load_ds[] = { 0xb8, USER_DS, 0, 0, 0, 0x8e, 0xd8, 0x8e, 0xc0 };
            put(load_ds, sizeof(load_ds));
        }
        put8(0x48), put8(0xc7), put8(0xc4), put32(FIELD(in_flags));   /* mov rsp, imm32 */
        put8(0x9d);                                                    /* popfq */
        for (int r = 0; r < 16; r++) {
            if (r != 4)
                put_abs(0, 1, mov_ld, 1, r, FIELD(in_regs) + 8u * (uint32_t)r);
        }
        put_abs(0, 1, mov_ld, 1, 4, FIELD(in_regs) + 32);
        if (mode == 0) {
            static const uint8_t jmp[] = { 0xff, 0x24, 0x25 };        /* jmp [abs32] */
            put(jmp, 3);
            put32(FIELD(code_addr));
        } else {
            static const uint8_t ljmp[] = { 0xff, 0x2c, 0x25 };       /* jmp far [abs32] */
            put(ljmp, 3);
            put32(FIELD(far32));
        }
    }
    epilogue = here();
    for (int r = 0; r < 16; r++)
        put_abs(0, 1, mov_st, 1, r, FIELD(out_regs) + 8u * (uint32_t)r);
    put8(0x48), put8(0xc7), put8(0xc4), put32(FIELD(out_flags) + 8);   /* mov rsp, imm32 */
    put8(0x9c);                                                        /* pushfq */
    put8(0xfc);                                                        /* cld */
    for (int x = 0; x < 16; x++)
        put_abs(0xf3, 0, movdqu_st, 2, x, FIELD(out_xmm) + 16u * (uint32_t)x);
    put_abs(0, 0, ldmxcsr, 2, 2, FIELD(mxcsr));     /* the C code's FP state back */
    put(fninit, sizeof(fninit));
    put_abs(0, 1, mov_ld, 1, 4, FIELD(saved_rsp));
    put(pop_callee, sizeof(pop_callee));
}

/* The state at the fault, as the kernel saw it (the hardware vector in
 * REG_TRAPNO); memory is read after the jump back. */
static void fault_handler(int sig, siginfo_t *si, void *uc_)
{
    const ucontext_t *uc = uc_;
    const greg_t *gr = uc->uc_mcontext.gregs;
    DiffState *out = fault_out;
    fault_sig = sig;
    for (int i = 0; i < 16; i++)
        out->regs[i] = (uint64_t)gr[greg_index[i]];
    out->rip = (uint64_t)gr[REG_RIP];
    out->rflags = (uint64_t)gr[REG_EFL];
    out->fault = (int)gr[REG_TRAPNO];
    out->error_code = (uint64_t)gr[REG_ERR];
    out->cr2 = (uint64_t)(uintptr_t)si->si_addr;
    if (uc->uc_mcontext.fpregs)
        memcpy(out->xmm, uc->uc_mcontext.fpregs->_xmm, sizeof(out->xmm));
    siglongjmp(fault_jmp, 1);
}

bool diff_native_init(char *err, size_t errlen)
{
    static bool done;
    if (done)
        return true;
    void *p = mmap((void *)(uintptr_t)DIFF_WIN, DIFF_WIN_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p != (void *)(uintptr_t)DIFF_WIN) {
        snprintf(err, errlen, "cannot map the test window at %#x", DIFF_WIN);
        return false;
    }
    static uint8_t altstack[64 * 1024];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
    sigaltstack(&ss, NULL);
    struct sigaction sa = { .sa_sigaction = fault_handler, .sa_flags = SA_SIGINFO | SA_ONSTACK };
    sigemptyset(&sa.sa_mask);
    static const int sigs[] = { SIGSEGV, SIGFPE, SIGILL, SIGBUS, SIGTRAP };
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaction(sigs[i], &sa, NULL);
    mprotect((void *)(uintptr_t)DIFF_HOLE, 0x1000, PROT_NONE);
    BLOCK->mxcsr = 0x1f80;
    build_stub();
    done = true;
    return true;
}

/* The terminator after the body: back to the 64-bit epilogue. */
static void put_terminator(const DiffSeq *seq)
{
    uint32_t end = seq->code_addr + seq->len;
    uint8_t *t = (uint8_t *)(uintptr_t)end;
    if (seq->mode == DIFF_MODE_64) {
        uint32_t rel = epilogue - (end + 5);
        t[0] = 0xe9;
        memcpy(t + 1, &rel, 4);
    } else {
        t[0] = 0xea;                           /* jmp far ptr16:32 */
        memcpy(t + 1, &epilogue, 4);
        t[5] = USER_CS64;
        t[6] = 0;
    }
}

void diff_native_run(const DiffSeq *seq, DiffState *out)
{
    NativeBlock *b = BLOCK;
    memcpy((void *)(uintptr_t)seq->code_addr, seq->code, seq->len);
    put_terminator(seq);
    memcpy((void *)(uintptr_t)DIFF_MEM, seq->init.mem, DIFF_MEM_SIZE);
    memcpy(b->in_regs, seq->init.regs, sizeof(b->in_regs));
    b->in_flags = seq->init.rflags;
    memcpy(b->in_xmm, seq->init.xmm, sizeof(b->in_xmm));
    b->far32[0] = seq->code_addr;
    b->code_addr = seq->code_addr;
    b->far32[1] = USER_CS32;
    memset(out, 0, sizeof(*out));
    out->fault = -1;
    fault_out = out;
    if (sigsetjmp(fault_jmp, 1)) {
        snprintf(out->fault_text, sizeof(out->fault_text),
                 "exception %d (signal %s) at rip=%#llx error code %#llx", out->fault,
                 strsignal(fault_sig), (unsigned long long)out->rip,
                 (unsigned long long)out->error_code);
        memcpy(out->mem, (void *)(uintptr_t)DIFF_MEM, DIFF_MEM_SIZE);
        return;
    }
    ((void (*)(void))(uintptr_t)(seq->mode == DIFF_MODE_64 ? entry64 : entry32))();
    memcpy(out->regs, b->out_regs, sizeof(out->regs));
    out->rflags = b->out_flags;
    memcpy(out->xmm, b->out_xmm, sizeof(out->xmm));
    memcpy(out->mem, (void *)(uintptr_t)DIFF_MEM, DIFF_MEM_SIZE);
    out->rip = seq->code_addr + seq->len;
}

#else

bool diff_native_init(char *err, size_t errlen)
{
    snprintf(err, errlen, "the native runner needs an x86-64 host");
    return false;
}

void diff_native_run(const DiffSeq *seq, DiffState *out)
{
    memset(out, 0, sizeof(*out));
}

#endif
