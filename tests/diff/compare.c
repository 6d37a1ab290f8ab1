/*
 * compare.c - compares the native and the Kestrel result of a sequence
 * and writes a readable report of any difference: the sequence
 * disassembled, the initial registers, then the differing registers,
 * flags (with the undefined ones masked out), XMM registers and memory.
 *
 * When both stop at the same exception, the state at the fault is
 * compared too: RIP, the error code (for #PF without the U/S bit: the
 * native run is at CPL 3, Kestrel's at CPL 0) and CR2; Kestrel's exception
 * frame on the stack is left out of the memory comparison.
 *
 * In 32-bit mode only the low halves of RAX..RDI are compared (the host
 * leaves the upper halves undefined on its return to 64-bit mode) and
 * R8-R15 and XMM8-15 are not compared.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "cpu/insn.h"
#include "tests/diff/diff.h"

static const char *const reg_names[16] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

typedef struct Report {
    char *buf;
    size_t len, cap;
} Report;

static void rp(Report *r, const char *fmt, ...)
{
    if (r->len >= r->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->buf + r->len, r->cap - r->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        r->len = r->len + (size_t)n < r->cap ? r->len + (size_t)n : r->cap;
}

static void flag_names(Report *r, uint32_t f)
{
    static const struct { uint32_t bit; const char *name; } names[] = {
        { DIFF_CF, "CF" }, { DIFF_PF, "PF" }, { DIFF_AF, "AF" }, { DIFF_ZF, "ZF" },
        { DIFF_SF, "SF" }, { DIFF_DF, "DF" }, { DIFF_OF, "OF" },
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (f & names[i].bit)
            rp(r, " %s", names[i].name);
    }
}

static void disassemble(Report *r, const DiffSeq *seq)
{
    DecodeMode mode = { .code32 = true, .code64 = seq->mode == DIFF_MODE_64 };
    for (int i = 0; i < seq->nb_insns; i++) {
        uint32_t off = seq->insn_off[i];
        uint32_t end = i + 1 < seq->nb_insns ? seq->insn_off[i + 1] : seq->len;
        char text[128];
        x86_disas(text, sizeof(text), mode, seq->code_addr + off, seq->code + off, (int)(end - off));
        rp(r, "  %04x:", off);
        for (uint32_t b = off; b < end; b++)
            rp(r, " %02x", seq->code[b]);
        rp(r, "%*s %s\n", (int)(3 * (12 - (end - off > 12 ? 12 : end - off))), "", text);
    }
}

static void initial_state(Report *r, const DiffSeq *seq)
{
    for (int i = 0; i < 16; i++)
        rp(r, "  %-3s=%016" PRIx64 "%s", reg_names[i], seq->init.regs[i], i % 4 == 3 ? "\n" : "");
    rp(r, "  rflags=%#" PRIx64 "\n", seq->init.rflags);
}

static bool compare_regs(Report *r, const DiffSeq *seq, const DiffState *e, const DiffState *g)
{
    bool ok = true;
    bool m32 = seq->mode == DIFF_MODE_32;
    for (int i = 0; i < (m32 ? 8 : 16); i++) {
        uint64_t mask = m32 ? 0xffffffffull : ~0ull;
        if ((e->regs[i] ^ g->regs[i]) & mask) {
            rp(r, "  %-3s expected %016" PRIx64 " got %016" PRIx64 "\n", reg_names[i],
               e->regs[i] & mask, g->regs[i] & mask);
            ok = false;
        }
    }
    uint32_t mask = (DIFF_ARITH & ~seq->undef_flags) | DIFF_DF;
    uint32_t fe = (uint32_t)e->rflags & mask, fg = (uint32_t)g->rflags & mask;
    if (fe != fg) {
        rp(r, "  flags expected %#x got %#x; differing:", fe, fg);
        flag_names(r, fe ^ fg);
        rp(r, "\n");
        ok = false;
    }
    return ok;
}

static bool compare_xmm(Report *r, const DiffSeq *seq, const DiffState *e, const DiffState *g)
{
    bool ok = true;
    for (int i = 0; i < (seq->mode == DIFF_MODE_32 ? 8 : 16) && seq->uses_xmm; i++) {
        if (memcmp(e->xmm[i].b, g->xmm[i].b, 16)) {
            rp(r, "  xmm%-2d expected %016" PRIx64 "%016" PRIx64 " got %016" PRIx64 "%016" PRIx64 "\n",
               i, e->xmm[i].q[1], e->xmm[i].q[0], g->xmm[i].q[1], g->xmm[i].q[0]);
            ok = false;
        }
    }
    return ok;
}

static bool compare_mem(Report *r, const DiffState *e, const DiffState *g)
{
    int shown = 0;
    for (uint32_t i = 0; i < DIFF_MEM_SIZE; i++) {
        uint64_t a = DIFF_MEM + i;
        if (e->mem[i] == g->mem[i] || (a >= g->frame_lo && a < g->frame_hi))
            continue;
        if (shown++ < 16)
            rp(r, "  mem[%#x] expected %02x got %02x\n", DIFF_MEM + i, e->mem[i], g->mem[i]);
    }
    if (shown > 16)
        rp(r, "  ... %d differing bytes in all\n", shown);
    return shown == 0;
}

/* Both stopped at the same exception: where, and what it reported. */
static bool compare_fault(Report *r, const DiffSeq *seq, const DiffState *e, const DiffState *g)
{
    bool ok = true;
    uint64_t mask = seq->mode == DIFF_MODE_32 ? 0xffffffffull : ~0ull;
    uint64_t err_mask = e->fault == 14 ? ~4ull : ~0ull;
    rp(r, "  both raised exception %d\n", e->fault);
    if ((e->rip ^ g->rip) & mask) {
        rp(r, "  rip expected %#" PRIx64 " got %#" PRIx64 "\n", e->rip, g->rip);
        ok = false;
    }
    if ((e->error_code ^ g->error_code) & err_mask) {
        rp(r, "  error code expected %#" PRIx64 " got %#" PRIx64 "\n", e->error_code,
           g->error_code);
        ok = false;
    }
    if (e->fault == 14 && e->cr2 != g->cr2) {
        rp(r, "  cr2 expected %#" PRIx64 " got %#" PRIx64 "\n", e->cr2, g->cr2);
        ok = false;
    }
    return ok;
}

bool diff_compare(const DiffSeq *seq, const DiffState *expect, const DiffState *got,
                  char *buf, size_t buflen)
{
    char body[8192];
    Report d = { body, 0, sizeof(body) };
    bool ok;
    if (expect->fault != got->fault) {
        ok = false;
        rp(&d, "  native: %s\n  kestrel: %s\n",
           expect->fault >= 0 ? expect->fault_text : "reached the end",
           got->fault >= 0 ? got->fault_text : "reached the end");
    } else {
        ok = expect->fault < 0 || compare_fault(&d, seq, expect, got);
        ok &= compare_regs(&d, seq, expect, got);
        ok &= compare_xmm(&d, seq, expect, got);
        ok &= compare_mem(&d, expect, got);
    }
    if (ok)
        return true;
    Report r = { buf, 0, buflen };
    rp(&r, "MISMATCH class=%s mode=%s seed=%" PRIu64 " (%d insns at %#x, undefined flags:",
       diff_class_name(seq->cls), seq->mode == DIFF_MODE_64 ? "64" : "32", seq->seed,
       seq->nb_insns, seq->code_addr);
    flag_names(&r, seq->undef_flags);
    rp(&r, ")\n");
    disassemble(&r, seq);
    rp(&r, " initial state:\n");
    initial_state(&r, seq);
    rp(&r, " differences:\n%s", body);
    return false;
}
