/*
 * test_translate_run.c - translate-and-run tests of cpu/translate*.c.
 *
 * The IR builder, the decoder and the TB/MMU services belong to other parts
 * and are not in this tree, so this file carries small fakes of them: a
 * recording IR builder with a straightforward interpreter (every value is a
 * 64-bit integer, globals live in env), a "decoder" that returns hand-built
 * Insns from a script keyed by EIP, and a flat 1 MiB guest memory. Blocks
 * are run one after another until EIP reaches the script's end.
 *
 * Checked: SETcc/Jcc after every flag-setting ALU operation at 8/16/32 bits
 * against the host CPU's flags (with the static cc_op fast paths and, with
 * one instruction per block, the dynamic path), rotates through the host,
 * shift by zero keeping flags, REP MOVS/CMPS, the bulk REP path against the
 * per-element one (overlap, both directions, page crossing, 16-bit wrap,
 * CMPS/SCAS stops, CX = 0, 64-bit addressing), PUSH/POP/CALL/RET/PUSHA/POPA/
 * ENTER/LEAVE, real-mode segment bases with 16-bit addressing.
 */
#if defined(__x86_64__)
#include <check.h>
#include <setjmp.h>
#include <stdlib.h>
#include "cpu/translate.h"
#include "cpu/exec-internal.h"
#include "kestrel/log.h"
#include "tests/unit/host_flags.h"

/* ---------------- fakes: logging, exceptions, memory ---------------- */

unsigned log_mask;
FILE *log_file;
void log_printf(const char *fmt, ...) {}

const IRBackend ir_backend_interp;
const IRBackend *ir_backend = &ir_backend_interp;
__thread uintptr_t ir_interp_retaddr;

static jmp_buf fake_jmp;
static uint8_t guest_mem[1 << 20];

void raise_exception(CPUX86State *env, int vector, uintptr_t retaddr)
{
    longjmp(fake_jmp, vector + 1);
}

void raise_exception_err(CPUX86State *env, int vector, int error_code, uintptr_t retaddr)
{
    longjmp(fake_jmp, vector + 1);
}

unsigned cpu_mmu_index(const CPUX86State *env) { return MMU_KERNEL_IDX; }

static uint64_t mem_ld(uint64_t addr, int size)
{
    uint64_t v = 0;
    for (int i = size - 1; i >= 0; i--) {
        v = v << 8 | guest_mem[(addr + (uint64_t)i) & (sizeof(guest_mem) - 1)];
    }
    return v;
}

static void mem_st(uint64_t addr, uint64_t v, int size)
{
    for (int i = 0; i < size; i++) {
        guest_mem[(addr + (uint64_t)i) & (sizeof(guest_mem) - 1)] = (uint8_t)(v >> (8 * i));
    }
}

uint64_t cpu_ld(CPUX86State *env, uint64_t vaddr, MemOp mo, unsigned mmu_idx, uintptr_t ra)
{
    return mem_ld(vaddr, 1 << (mo & MO_SIZE));
}

void cpu_st(CPUX86State *env, uint64_t vaddr, uint64_t val, MemOp mo, unsigned mmu_idx,
            uintptr_t ra)
{
    mem_st(vaddr, val, 1 << (mo & MO_SIZE));
}

/* The bulk REP path's page probe: the flat memory is plain RAM, unless the
 * test turns the bulk path off to get the per-element reference. */
static bool bulk_enabled = true;
static int bulk_probes;

void *mmu_probe_ram(CPUX86State *env, uint64_t vaddr, bool write, unsigned mmu_idx)
{
    if (!bulk_enabled) {
        return NULL;
    }
    bulk_probes++;
    return guest_mem + (vaddr & (sizeof(guest_mem) - 1));
}

int translator_ld_code(CPUX86State *env, TranslationBlock *tb, uint64_t linear,
                       uint8_t *buf, int len, bool may_fault)
{
    memset(buf, 0x90, (size_t)len);
    return len;
}

void x86_disas(char *out, size_t outlen, DecodeMode mode, uint64_t pc,
               const uint8_t *bytes, int len)
{
    snprintf(out, outlen, "?");
}

/* Helpers owned by other parts: descriptors without a function (calling
 * one fails the test), except the few faked below. */
#define FOREIGN_HELPERS(X) X(raise_interrupt, 2, false) X(into, 1, false)          \
    X(int1, 1, false) X(bound, 3, false) X(load_seg, 2, false) X(ljmp_real, 2, false) \
    X(ljmp_protected, 3, false) X(lcall_real, 4, false) X(lcall_protected, 4, false) \
    X(lret, 2, false) X(iret, 2, false) X(lldt, 1, false) X(ltr, 1, false)          \
    X(lgdt, 2, false) X(lidt, 2, false) X(sgdt, 2, false) X(sidt, 2, false)         \
    X(lar, 1, true) X(lsl, 1, true) X(verr, 1, false) X(verw, 1, false)             \
    X(arpl, 2, true) X(read_cr, 1, true) X(write_cr, 2, false) X(lmsw, 1, false)    \
    X(clts, 0, false) X(read_dr, 1, true) X(write_dr, 2, false) X(invlpg, 1, false) \
    X(cpuid, 0, false) X(rdtsc, 0, false) X(rdtscp, 0, false) X(rdmsr, 0, false)    \
    X(wrmsr, 0, false) X(rdpmc, 0, false) X(check_io, 2, false) X(in, 2, true)      \
    X(out, 3, false) X(hlt, 1, false) X(pause, 1, false) X(cli, 0, false)           \
    X(sti, 0, false) X(pushf_check, 0, false) X(read_eflags, 0, true)               \
    X(write_eflags, 2, false) X(popf, 2, false) X(sysenter, 0, false)               \
    X(sysexit, 1, false) X(syscall, 1, false) X(sysret, 1, false)                   \
    X(swapgs, 0, false) X(rsm, 0, false) X(single_step, 0, false) X(fpu, 2, false)  \
    X(fwait, 0, false)
#define FOREIGN_DEF(n, na, r) const IRHelper h_##n = { NULL, #n, na, r, 0 };
FOREIGN_HELPERS(FOREIGN_DEF)

static void helper_raise_exception(CPUX86State *env, uint64_t v) { longjmp(fake_jmp, (int)v + 1); }
static void helper_raise_exception_err(CPUX86State *env, uint64_t v, uint64_t e)
{
    longjmp(fake_jmp, (int)v + 1);
}
static uint64_t fake_lookup_tb_ptr(CPUX86State *env) { return 0; }
DEF_HELPER(raise_exception, 1, false, 0);
DEF_HELPER(raise_exception_err, 2, false, 0);
const IRHelper h_lookup_tb_ptr = { (void *)fake_lookup_tb_ptr, "lookup_tb_ptr", 0, true, 0 };

/* ---------------- fake IR builder ---------------- */

#define MAX_LABELS 1024

IRCond ir_cond_invert(IRCond c) { return (IRCond)(c ^ 1); }

bool ir_cond_eval(IRCond c, IRType t, uint64_t a, uint64_t b)
{
    if (t == IR_I32) {
        a = (uint32_t)a;
        b = (uint32_t)b;
    }
    int64_t sa = t == IR_I32 ? (int32_t)a : (int64_t)a;
    int64_t sb = t == IR_I32 ? (int32_t)b : (int64_t)b;
    switch (c) {
    case IR_COND_NEVER: return false;
    case IR_COND_ALWAYS: return true;
    case IR_COND_EQ: return a == b;
    case IR_COND_NE: return a != b;
    case IR_COND_LT: return sa < sb;
    case IR_COND_GE: return sa >= sb;
    case IR_COND_LE: return sa <= sb;
    case IR_COND_GT: return sa > sb;
    case IR_COND_LTU: return a < b;
    case IR_COND_GEU: return a >= b;
    case IR_COND_LEU: return a <= b;
    case IR_COND_GTU: return a > b;
    case IR_COND_TSTEQ: return (a & b) == 0;
    default: return (a & b) != 0;
    }
}

static IRTemp fake_temp(IRContext *s, IRType t, IRTempKind k, uint64_t v, intptr_t off)
{
    if (s->nb_temps >= s->temps_cap) {
        s->temps_cap = s->temps_cap ? s->temps_cap * 2 : 256;
        s->temps = realloc(s->temps, s->temps_cap * sizeof(*s->temps));
    }
    s->temps[s->nb_temps] = (IRTempInfo){ .type = t, .kind = k, .value = v, .env_offset = off };
    return s->nb_temps++;
}

IRContext *ir_context_new(void)
{
    IRContext *s = calloc(1, sizeof(*s));
    s->labels = calloc(MAX_LABELS, sizeof(IRLabel));
    s->nb_temps = 1;
    s->env = fake_temp(s, IR_I64, IR_TEMP_ENV, 0, 0);
    s->nb_globals = 1;
    return s;
}

void ir_reset(IRContext *s)
{
    s->nb_ops = 0;
    s->nb_labels = 0;
    s->nb_temps = s->nb_globals + 1;
}

IRTemp ir_global_new(IRContext *s, IRType t, intptr_t off, const char *name)
{
    IRTemp g = fake_temp(s, t, IR_TEMP_GLOBAL, 0, off);
    s->nb_globals++;
    return g;
}

IRTemp ir_temp_new(IRContext *s, IRType t) { return fake_temp(s, t, IR_TEMP_EBB, 0, 0); }
IRTemp ir_temp_tb(IRContext *s, IRType t) { return fake_temp(s, t, IR_TEMP_TB, 0, 0); }
IRTemp ir_const(IRContext *s, IRType t, uint64_t v) { return fake_temp(s, t, IR_TEMP_CONST, v, 0); }

IRLabel *ir_label_new(IRContext *s)
{
    ck_assert_uint_lt(s->nb_labels, MAX_LABELS);
    IRLabel *l = &s->labels[s->nb_labels];
    *l = (IRLabel){ .id = s->nb_labels++ };
    return l;
}

static IROp *fake_op(IRContext *s, IROpcode opc, int n, const uint64_t *args)
{
    if (s->nb_ops == s->ops_cap) {
        s->ops_cap = s->ops_cap ? s->ops_cap * 2 : 1024;
        s->ops = realloc(s->ops, s->ops_cap * sizeof(*s->ops));
    }
    IROp *op = &s->ops[s->nb_ops++];
    memset(op, 0, sizeof(*op));
    op->opc = (uint8_t)opc;
    memcpy(op->args, args, (size_t)n * sizeof(uint64_t));
    return op;
}
#define OP(s, opc, ...) fake_op(s, opc, (int)ARRAY_SIZE(((uint64_t[]){ __VA_ARGS__ })), \
                                (uint64_t[]){ __VA_ARGS__ })

void ir_set_label(IRContext *s, IRLabel *l) { l->present = true; OP(s, IR_set_label, l->id); }
void ir_op1(IRContext *s, IROpcode opc, IRTemp d, IRTemp a) { OP(s, opc, d, a); }
void ir_op2(IRContext *s, IROpcode opc, IRTemp d, IRTemp a, IRTemp b) { OP(s, opc, d, a, b); }
void ir_op2i(IRContext *s, IROpcode opc, IRTemp d, IRTemp a, uint64_t imm)
{
    OP(s, opc, d, a, ir_const(s, s->temps[d].type, imm));
}
void ir_movi(IRContext *s, IRTemp d, uint64_t imm) { OP(s, IR_mov, d, ir_const(s, IR_I64, imm)); }
void ir_setcond(IRContext *s, IRCond c, IRTemp d, IRTemp a, IRTemp b) { OP(s, IR_setcond, d, a, b, c); }
void ir_movcond(IRContext *s, IRCond c, IRTemp d, IRTemp c1, IRTemp c2, IRTemp v1, IRTemp v2)
{
    OP(s, IR_movcond, d, c1, c2, v1, v2, c);
}
void ir_brcond(IRContext *s, IRCond c, IRTemp a, IRTemp b, IRLabel *l)
{
    l->referenced = true;
    OP(s, IR_brcond, a, b, c, l->id);
}
void ir_brcondi(IRContext *s, IRCond c, IRTemp a, uint64_t imm, IRLabel *l)
{
    ir_brcond(s, c, a, ir_const(s, s->temps[a].type, imm), l);
}
void ir_br(IRContext *s, IRLabel *l) { OP(s, IR_br, l->id); }
void ir_mulu2(IRContext *s, IRTemp lo, IRTemp hi, IRTemp a, IRTemp b) { OP(s, IR_mulu2, lo, hi, a, b); }
void ir_muls2(IRContext *s, IRTemp lo, IRTemp hi, IRTemp a, IRTemp b) { OP(s, IR_muls2, lo, hi, a, b); }
void ir_deposit(IRContext *s, IRTemp d, IRTemp a, IRTemp b, unsigned pos, unsigned len)
{
    OP(s, IR_deposit, d, a, b, pos, len);
}
void ir_extract(IRContext *s, IRTemp d, IRTemp a, unsigned pos, unsigned len)
{
    OP(s, IR_extract, d, a, pos, len);
}
void ir_sextract(IRContext *s, IRTemp d, IRTemp a, unsigned pos, unsigned len)
{
    OP(s, IR_sextract, d, a, pos, len);
}
void ir_ld(IRContext *s, IROpcode opc, IRTemp d, IRTemp base, intptr_t off) { OP(s, opc, d, base, (uint64_t)off); }
void ir_st(IRContext *s, IROpcode opc, IRTemp v, IRTemp base, intptr_t off) { OP(s, opc, v, base, (uint64_t)off); }
void ir_qemu_ld(IRContext *s, IRTemp d, IRTemp addr, MemOp mo, unsigned idx) { OP(s, IR_qemu_ld, d, addr, mo); }
void ir_qemu_st(IRContext *s, IRTemp v, IRTemp addr, MemOp mo, unsigned idx) { OP(s, IR_qemu_st, v, addr, mo); }
void ir_call(IRContext *s, const IRHelper *h, IRTemp ret, const IRTemp *args)
{
    IROp *op = OP(s, IR_call, ret, (uintptr_t)h);
    for (int i = 0; i < h->nargs; i++) {
        op->args[2 + i] = args[i];
    }
}
void ir_insn_start(IRContext *s, uint64_t pc, uint64_t cc_op) { OP(s, IR_insn_start, pc, cc_op); }
void ir_goto_tb(IRContext *s, unsigned slot) { OP(s, IR_goto_tb, slot); }
void ir_exit_tb(IRContext *s, uintptr_t v) { OP(s, IR_exit_tb, v); }
void ir_goto_ptr(IRContext *s, IRTemp t) { OP(s, IR_goto_ptr, t); }
void ir_optimize(IRContext *s) {}
void ir_dump(const IRContext *s, FILE *f) {}

/* ---------------- fake IR interpreter ---------------- */

typedef struct Interp {
    IRContext *s;
    CPUX86State *env;
    uint64_t *vals;
    bool *live;              /* EBB temps: written since the last label/branch */
} Interp;

/* EBB temps die at labels, branches and instruction starts (tcg.h). */
static void i_kill_ebb(Interp *in)
{
    for (uint32_t t = 0; t < in->s->nb_temps; t++) {
        if (in->s->temps[t].kind == IR_TEMP_EBB) {
            in->live[t] = false;
        }
    }
}

static uint64_t iv(Interp *in, uint64_t t)
{
    IRTempInfo *ti = &in->s->temps[t];
    switch (ti->kind) {
    case IR_TEMP_CONST: return ti->value;
    case IR_TEMP_GLOBAL: return *(uint64_t *)((char *)in->env + ti->env_offset);
    case IR_TEMP_ENV: return (uintptr_t)in->env;
    case IR_TEMP_EBB:
        ck_assert_msg(in->live[t], "EBB temp %llu read after it died", (unsigned long long)t);
        return in->vals[t];
    default: return in->vals[t];
    }
}

static void iw(Interp *in, uint64_t t, uint64_t v)
{
    IRTempInfo *ti = &in->s->temps[t];
    ck_assert_int_ne(ti->kind, IR_TEMP_CONST);
    if (ti->type == IR_I32) {
        v = (uint32_t)v;
    }
    if (ti->kind == IR_TEMP_GLOBAL) {
        *(uint64_t *)((char *)in->env + ti->env_offset) = v;
    } else {
        in->vals[t] = v;
        in->live[t] = true;
    }
}

static uint64_t i_shift_ok(uint64_t n)
{
    ck_assert_uint_lt(n, 64);
    return n;
}

static uint64_t i_call(Interp *in, const IROp *op)
{
    const IRHelper *h = (const IRHelper *)(uintptr_t)op->args[1];
    uint64_t a[5] = { 0 };
    ck_assert_msg(h->func != NULL, "helper %s is not faked", h->name);
    for (int i = 0; i < h->nargs; i++) {
        a[i] = iv(in, op->args[2 + i]);
    }
    typedef uint64_t F5(CPUX86State *, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
    return ((F5 *)h->func)(in->env, a[0], a[1], a[2], a[3], a[4]);
}

static uint64_t i_mem(const IROp *op)
{
    return 1u << (op->args[2] & MO_SIZE);
}

/* Value of a simple op with one result, or false when opc is not one. */
static bool i_alu(Interp *in, const IROp *op, uint64_t *r)
{
    IROpcode opc = (IROpcode)op->opc;
    bool alu = opc == IR_mov || opc == IR_setcond || opc == IR_movcond ||
               (opc >= IR_add && opc <= IR_extrh_i64_i32 && opc != IR_mulu2 && opc != IR_muls2);
    if (!alu) {
        return false;
    }
    uint64_t a = iv(in, op->args[1]);
    bool binary = (opc >= IR_add && opc <= IR_remu && opc != IR_neg && opc != IR_not) ||
                  opc == IR_clz || opc == IR_ctz;
    uint64_t b = binary ? iv(in, op->args[2]) : 0;
    switch (op->opc) {
    case IR_mov: *r = a; return true;
    case IR_add: *r = a + b; return true;
    case IR_sub: *r = a - b; return true;
    case IR_mul: *r = a * b; return true;
    case IR_neg: *r = -a; return true;
    case IR_and: *r = a & b; return true;
    case IR_or: *r = a | b; return true;
    case IR_xor: *r = a ^ b; return true;
    case IR_not: *r = ~a; return true;
    case IR_andc: *r = a & ~b; return true;
    case IR_shl: *r = a << i_shift_ok(b); return true;
    case IR_shr: *r = a >> i_shift_ok(b); return true;
    case IR_sar: *r = (uint64_t)((int64_t)a >> i_shift_ok(b)); return true;
    case IR_rotl: b = i_shift_ok(b); *r = b ? a << b | a >> (64 - b) : a; return true;
    case IR_rotr: b = i_shift_ok(b); *r = b ? a >> b | a << (64 - b) : a; return true;
    case IR_remu: ck_assert_uint_ne(b, 0); *r = a % b; return true;
    case IR_divu: ck_assert_uint_ne(b, 0); *r = a / b; return true;
    case IR_clz: *r = a ? (uint64_t)__builtin_clzll(a) : b; return true;
    case IR_ctz: *r = a ? (uint64_t)__builtin_ctzll(a) : b; return true;
    case IR_ctpop: *r = (uint64_t)__builtin_popcountll(a); return true;
    case IR_bswap16: *r = __builtin_bswap16((uint16_t)a); return true;
    case IR_bswap32: *r = __builtin_bswap32((uint32_t)a); return true;
    case IR_bswap64: *r = __builtin_bswap64(a); return true;
    case IR_ext8s: *r = (uint64_t)(int8_t)a; return true;
    case IR_ext8u: *r = (uint8_t)a; return true;
    case IR_ext16s: *r = (uint64_t)(int16_t)a; return true;
    case IR_ext16u: *r = (uint16_t)a; return true;
    case IR_ext32s: *r = (uint64_t)(int32_t)a; return true;
    case IR_ext32u: *r = (uint32_t)a; return true;
    case IR_extract: *r = extract64(a, (int)op->args[2], (int)op->args[3]); return true;
    case IR_sextract:
        *r = (uint64_t)((int64_t)(a << (64 - op->args[2] - op->args[3])) >> (64 - op->args[3]));
        return true;
    case IR_deposit:
        *r = deposit64(a, (int)op->args[3], (int)op->args[4], iv(in, op->args[2]));
        return true;
    case IR_setcond:
        *r = ir_cond_eval((IRCond)op->args[3], IR_I64, a, iv(in, op->args[2]));
        return true;
    case IR_movcond:
        *r = ir_cond_eval((IRCond)op->args[5], IR_I64, a, iv(in, op->args[2]))
                 ? iv(in, op->args[3]) : iv(in, op->args[4]);
        return true;
    default:
        return false;
    }
}

static void i_ldst(Interp *in, const IROp *op)
{
    char *p = (char *)(uintptr_t)iv(in, op->args[1]) + op->args[2];
    uint64_t v = 0;
    switch (op->opc) {
    case IR_ld8u: iw(in, op->args[0], *(uint8_t *)p); return;
    case IR_ld16u: iw(in, op->args[0], *(uint16_t *)p); return;
    case IR_ld32u: iw(in, op->args[0], *(uint32_t *)p); return;
    case IR_ld:
        if (in->s->temps[op->args[0]].type == IR_I32) {
            iw(in, op->args[0], *(uint32_t *)p);
        } else {
            iw(in, op->args[0], *(uint64_t *)p);
        }
        return;
    default: break;
    }
    v = iv(in, op->args[0]);
    switch (op->opc) {
    case IR_st8: *(uint8_t *)p = (uint8_t)v; return;
    case IR_st16: *(uint16_t *)p = (uint16_t)v; return;
    case IR_st32: *(uint32_t *)p = (uint32_t)v; return;
    case IR_st: *(uint64_t *)p = v; return;
    default: ck_abort_msg("fake interpreter: op %d", op->opc);
    }
}

/* Temp storage reused by every run: guest exceptions longjmp out of interp_run. */
static uint64_t *interp_vals;
static bool *interp_live;
static uint32_t interp_cap;

/* Runs the block in s; returns the exit_tb value (0 for goto_ptr). */
static uintptr_t interp_run(IRContext *s, CPUX86State *env)
{
    if (s->nb_temps > interp_cap) {
        interp_cap = s->nb_temps;
        interp_vals = realloc(interp_vals, interp_cap * sizeof(uint64_t));
        interp_live = realloc(interp_live, interp_cap);
        ck_assert(interp_vals && interp_live);
    }
    memset(interp_vals, 0, s->nb_temps * sizeof(uint64_t));
    memset(interp_live, 0, s->nb_temps);
    Interp in = { s, env, interp_vals, interp_live };
    uint32_t label_at[MAX_LABELS];
    uintptr_t ret = 0;
    for (uint32_t i = 0; i < s->nb_ops; i++) {
        if (s->ops[i].opc == IR_set_label) {
            label_at[s->ops[i].args[0]] = i;
        }
    }
    for (uint32_t pc = 0; pc < s->nb_ops; pc++) {
        const IROp *op = &s->ops[pc];
        uint64_t r;
        if (i_alu(&in, op, &r)) {
            iw(&in, op->args[0], r);
            continue;
        }
        switch (op->opc) {
        case IR_insn_start: case IR_set_label:
            i_kill_ebb(&in);
            break;
        case IR_goto_tb: case IR_discard:
            break;
        case IR_br:
            i_kill_ebb(&in);
            pc = label_at[op->args[0]];
            break;
        case IR_brcond: {
            bool taken = ir_cond_eval((IRCond)op->args[2], s->temps[op->args[0]].type,
                                      iv(&in, op->args[0]), iv(&in, op->args[1]));
            i_kill_ebb(&in);
            if (taken) {
                pc = label_at[op->args[3]];
            }
            break;
        }
        case IR_exit_tb:
            ret = op->args[0];
            goto out;
        case IR_goto_ptr:
            ret = 0;
            goto out;
        case IR_call:
            r = i_call(&in, op);
            if (op->args[0]) {
                iw(&in, op->args[0], r);
            }
            break;
        case IR_mulu2: case IR_muls2: {
            uint64_t a = iv(&in, op->args[2]), b = iv(&in, op->args[3]);
            __int128 p = op->opc == IR_mulu2
                ? (__int128)((unsigned __int128)a * b)
                : (__int128)(int64_t)a * (int64_t)b;
            iw(&in, op->args[0], (uint64_t)p);
            iw(&in, op->args[1], (uint64_t)((unsigned __int128)p >> 64));
            break;
        }
        case IR_qemu_ld: {
            uint64_t v = mem_ld(iv(&in, op->args[1]), (int)i_mem(op));
            if ((op->args[2] & MO_SIGN) && i_mem(op) < 8) {
                int sh = 64 - 8 * (int)i_mem(op);
                v = (uint64_t)((int64_t)(v << sh) >> sh);
            }
            iw(&in, op->args[0], v);
            break;
        }
        case IR_qemu_st:
            mem_st(iv(&in, op->args[1]), iv(&in, op->args[0]), (int)i_mem(op));
            break;
        default:
            i_ldst(&in, op);
            break;
        }
    }
    ck_abort_msg("block fell off its end");
out:
    return ret;
}

/* ---------------- fake decoder: a script of Insns by EIP ---------------- */

#define MAX_SCRIPT 64
static Insn script[MAX_SCRIPT];
static int script_len;
static uint64_t script_pc, script_base;

DecodeResult x86_decode(Insn *insn, DecodeMode mode, uint64_t pc, InsnFetch *fetch, void *opaque)
{
    uint8_t buf[4];
    ck_assert_int_eq(fetch(opaque, pc, buf, 1), 1);
    for (int i = 0; i < script_len; i++) {
        if (script[i].pc == pc) {
            *insn = script[i];
            return DECODE_OK;
        }
    }
    return DECODE_FETCH_FAULT;
}

static void script_reset(uint64_t pc)
{
    script_len = 0;
    script_pc = script_base = pc;
}

static Operand R(int reg, int size) { return (Operand){ .kind = OPK_REG, .size = (uint8_t)size, .reg = (uint8_t)reg }; }
static Operand IMM(int64_t v, int size) { return (Operand){ .kind = OPK_IMM, .size = (uint8_t)size, .imm = v }; }
static Operand MEM(int size) { return (Operand){ .kind = OPK_MEM, .size = (uint8_t)size }; }
static Operand REL(int64_t d) { return (Operand){ .kind = OPK_REL, .size = 4, .imm = d }; }

/* Appends an instruction of len bytes; returns it for further tweaks. */
static Insn *emit(X86Op op, int opsize, int nb, const Operand *ops)
{
    ck_assert_int_lt(script_len, MAX_SCRIPT);
    Insn *in = &script[script_len++];
    *in = (Insn){ .pc = script_pc, .len = 3, .op = op, .opsize = (uint8_t)opsize,
                  .addrsize = 4, .nb_ops = (uint8_t)nb,
                  .mem = { .base = MEM_NO_REG, .index = MEM_NO_REG, .seg = R_DS } };
    for (int i = 0; i < nb; i++) {
        in->ops[i] = ops[i];
    }
    script_pc += in->len;
    return in;
}
#define EMIT(op, opsize, ...) emit(X86_##op, opsize, (int)ARRAY_SIZE(((Operand[]){ __VA_ARGS__ })), \
                                   (Operand[]){ __VA_ARGS__ })
#define EMIT0(op, opsize) emit(X86_##op, opsize, 0, NULL)

/* ---------------- running ---------------- */

static IRContext *ctx;
static CPUX86State env;

static void env_flat32(void)
{
    memset(&env, 0, sizeof(env));
    env.hflags = HF_PE | HF_CS32 | HF_SS32;
    env.eflags = 2;
    env.cc_op = CC_OP_EFLAGS;
    env.regs[R_ESP] = 0x8000;
}

/* Runs from the script start to its end; returns the vector raised + 1 or 0. */
/* An empty jump cache: the translator's inline probe always misses. */
static CPUExecState fake_exec;

static int run_script(int max_insns)
{
    uint64_t end = script_pc;
    env.rip = script_base;
    env.exec = &fake_exec;
    int raised = setjmp(fake_jmp);
    if (raised) {
        return raised;
    }
    for (int blocks = 0; env.rip != end; blocks++) {
        ck_assert_int_lt(blocks, 100000);
        TranslationBlock tb = { .pc = env.rip, .cs_base = env.segs[R_CS].base,
                                .flags = env.hflags };
        x86_translate_block(&env, ctx, &tb, max_insns);
        ck_assert_uint_gt(tb.size, 0);
        uintptr_t exit = interp_run(ctx, &env);
        ck_assert_uint_ne(exit & IR_EXIT_SLOT_MASK, IR_EXIT_REQUESTED);
    }
    return 0;
}

static uint32_t env_flags(void)
{
    return cc_compute_all((CCOp)env.cc_op, env.cc_dst, env.cc_src, env.cc_src2);
}

static bool eval_cc(uint32_t f, int cc)
{
    bool s = f & CC_S, o = f & CC_O, z = f & CC_Z, c = f & CC_C;
    bool r[8] = { o, c, z, c || z, s, f & CC_P, s != o, z || s != o };
    return r[cc >> 1] ^ (cc & 1);
}

/* ---------------- tests ---------------- */

typedef struct AluCase {
    X86Op op;
    HostFn *host[3];          /* 8, 16, 32 bits */
    uint32_t defined;
    bool carry_in, shift, unary;
} AluCase;

#define H3(n) { host_##n##8, host_##n##16, host_##n##32 }
static const AluCase alu_cases[] = {
    { X86_ADD, H3(add), CC_ALL }, { X86_ADC, H3(adc), CC_ALL, .carry_in = true },
    { X86_SUB, H3(sub), CC_ALL }, { X86_SBB, H3(sbb), CC_ALL, .carry_in = true },
    { X86_CMP, H3(sub), CC_ALL }, { X86_AND, H3(and), CC_ALL },
    { X86_TEST, H3(and), CC_ALL },
    { X86_INC, H3(inc), CC_ALL, .carry_in = true, .unary = true },
    { X86_DEC, H3(dec), CC_ALL, .carry_in = true, .unary = true },
    { X86_SHL, H3(shl), CC_ALL, .shift = true }, { X86_SHR, H3(shr), CC_ALL, .shift = true },
    { X86_SAR, H3(sar), CC_ALL, .shift = true },
    { X86_IMUL2, { NULL, host_imul16, host_imul32 }, CC_C | CC_O },
};

/* Conditions that only read flags in mask. */
static bool cc_defined(int cc, uint32_t mask)
{
    static const uint32_t uses[8] = { CC_O, CC_C, CC_Z, CC_C | CC_Z, CC_S, CC_P,
                                      CC_S | CC_O, CC_S | CC_O | CC_Z };
    return (uses[cc >> 1] & mask) == uses[cc >> 1];
}

START_TEST(test_setcc_after_alu)
{
    const AluCase *ac = &alu_cases[_i / 6];
    int lg = (_i / 2) % 3, size = 1 << lg, bits = size * 8;
    int max_insns = (_i & 1) ? 1 : 64;       /* dynamic cc_op vs static fast paths */
    if (!ac->host[lg]) {
        return;
    }
    for (int n = 0; n < 300; n++) {
        uint64_t a = rnd_val(bits), b = rnd_val(bits), r;
        int cin = (int)(rnd() & 1);
        if (ac->shift) {
            b = 1 + rnd() % (uint64_t)(bits - 1);
        }
        uint32_t mask = ac->defined & ~(uint32_t)CC_A;
        if (ac->shift && b != 1) {
            mask &= ~CC_O;
        }
        uint32_t host = (uint32_t)ac->host[lg](a, b, cin, &r);

        env_flat32();
        env.regs[R_EAX] = a | 0x5a5a5a5a00000000ULL;
        env.regs[R_EBX] = b;
        script_reset(0x1000);
        emit(cin ? X86_STC : X86_CLC, 4, 0, NULL);
        if (ac->unary) {
            EMIT(ADD, 4, R(R_EAX, size))->op = ac->op;
        } else if (ac->shift) {
            EMIT(ADD, 4, R(R_EAX, size), IMM((int64_t)b, 1))->op = ac->op;
        } else {
            EMIT(ADD, 4, R(R_EAX, size), R(R_EBX, size))->op = ac->op;
        }
        for (int cc = 0; cc < 16; cc++) {
            Insn *in = EMIT(SETCC, 4, MEM(1));
            in->cond = (uint8_t)cc;
            in->mem.disp = 0x100 + cc;
        }
        ck_assert_int_eq(run_script(max_insns), 0);
        for (int cc = 0; cc < 16; cc++) {
            if (cc_defined(cc, mask)) {
                ck_assert_msg(guest_mem[0x100 + cc] == eval_cc(host, cc),
                              "op %d/%d a=%#llx b=%#llx cin=%d cc=%d: got %d",
                              (int)ac->op, bits, (unsigned long long)a,
                              (unsigned long long)b, cin, cc, guest_mem[0x100 + cc]);
            }
        }
        bool writes = ac->op != X86_CMP && ac->op != X86_TEST;
        uint64_t want = writes ? deposit64(a | 0x5a5a5a5a00000000ULL, 0, bits, r)
                               : a | 0x5a5a5a5a00000000ULL;
        if (writes && bits == 32) {
            want = (uint32_t)r;
        }
        ck_assert_uint_eq(env.regs[R_EAX], want);
        ck_assert_uint_eq(env_flags() & mask, host & mask);
    }
}
END_TEST

typedef struct RotCase {
    X86Op op;
    HostFn *host[3];
    bool through_carry;
} RotCase;

static const RotCase rot_cases[] = {
    { X86_ROL, H3(rol) }, { X86_ROR, H3(ror) },
    { X86_RCL, H3(rcl), true }, { X86_RCR, H3(rcr), true },
    { X86_SHL, H3(shl) }, { X86_SAR, H3(sar) },
};

/* Rotates/shifts by CL (0..31): result, CF, and OF for a count of 1; a count
 * of 0 (modulo width + 1 for RCL/RCR) keeps the previous flags. */
START_TEST(test_rotate_cl)
{
    const RotCase *rc = &rot_cases[_i / 3];
    int lg = _i % 3, size = 1 << lg, bits = size * 8;
    for (int n = 0; n < 400; n++) {
        uint64_t a = rnd_val(bits), cnt = rnd() % 32, r;
        int cin = (int)(rnd() & 1);
        uint32_t host = (uint32_t)rc->host[lg](a, cnt, cin, &r);
        uint64_t eff = rc->through_carry && bits < 32 ? cnt % (uint64_t)(bits + 1) : cnt;
        uint32_t mask = CC_C | (eff == 1 ? CC_O : 0);
        if (rc->op == X86_SHL || rc->op == X86_SAR) {
            mask = cnt == 0 ? 0 : cnt < (uint64_t)bits ? mask | CC_Z | CC_S | CC_P : 0;
        }
        env_flat32();
        env.regs[R_EAX] = a;
        env.regs[R_ECX] = cnt;
        script_reset(0x2000);
        emit(cin ? X86_STC : X86_CLC, 4, 0, NULL);
        EMIT(ROL, 4, R(R_EAX, size), R(R_ECX, 1))->op = rc->op;
        ck_assert_int_eq(run_script(64), 0);
        if (rc->op != X86_SHL || cnt < (uint64_t)bits) {
            ck_assert_msg(env.regs[R_EAX] == r, "op %d/%d a=%#llx cnt=%d: %#llx want %#llx",
                          (int)rc->op, bits, (unsigned long long)a, (int)cnt,
                          (unsigned long long)env.regs[R_EAX], (unsigned long long)r);
        }
        ck_assert_msg((env_flags() & mask) == (host & mask),
                      "op %d/%d a=%#llx cnt=%d cin=%d: flags %#x want %#x",
                      (int)rc->op, bits, (unsigned long long)a, (int)cnt, cin,
                      env_flags() & mask, host & mask);
    }
}
END_TEST

START_TEST(test_shld_shrd)
{
    for (int n = 0; n < 2000; n++) {
        bool right = n & 1;
        uint32_t a = (uint32_t)rnd(), b = (uint32_t)rnd();
        uint8_t cnt = (uint8_t)(rnd() % 32);
        uint32_t r = a;
        uint64_t f;
        if (right) {
            __asm__("clc\n\tshrd %%cl, %[b], %[r]\n\tpushfq\n\tpopq %[f]"
                    : [r] "+r"(r), [f] "=r"(f) : [b] "r"(b), "c"(cnt) : "cc");
        } else {
            __asm__("clc\n\tshld %%cl, %[b], %[r]\n\tpushfq\n\tpopq %[f]"
                    : [r] "+r"(r), [f] "=r"(f) : [b] "r"(b), "c"(cnt) : "cc");
        }
        env_flat32();
        env.regs[R_EAX] = a;
        env.regs[R_EBX] = b;
        env.regs[R_ECX] = cnt;
        script_reset(0x3000);
        EMIT0(CLC, 4);
        EMIT(SHLD, 4, R(R_EAX, 4), R(R_EBX, 4), R(R_ECX, 1))->op = right ? X86_SHRD : X86_SHLD;
        ck_assert_int_eq(run_script(64), 0);
        ck_assert_uint_eq(env.regs[R_EAX], r);
        /* count 0: only CF (from CLC) is known on the host side */
        uint32_t mask = cnt ? CC_C | CC_Z | CC_S | CC_P | (cnt == 1 ? CC_O : 0) : CC_C;
        ck_assert_uint_eq(env_flags() & mask, (uint32_t)f & mask);
    }
}
END_TEST

/* CMP sets flags, SHL by CL = 0 must keep them for the following JB. */
START_TEST(test_shift_zero_keeps_flags)
{
    env_flat32();
    env.regs[R_EAX] = 1;
    env.regs[R_EBX] = 2;
    env.regs[R_ECX] = 0x20;                  /* masked to 0 */
    script_reset(0x1000);
    EMIT(CMP, 4, R(R_EAX, 4), R(R_EBX, 4));
    EMIT(SHL, 4, R(R_EDX, 4), R(R_ECX, 1));
    Insn *j = EMIT(JCC, 4, REL(3));
    j->cond = 2;                             /* JB: taken, skips the next insn */
    EMIT(MOV, 4, R(R_ESI, 4), IMM(0x77, 4));
    EMIT(MOV, 4, R(R_EDI, 4), IMM(0x88, 4));
    ck_assert_int_eq(run_script(64), 0);
    ck_assert_uint_eq(env.regs[R_ESI], 0);
    ck_assert_uint_eq(env.regs[R_EDI], 0x88);
}
END_TEST

START_TEST(test_rep_movs_cmps)
{
    env_flat32();
    for (int i = 0; i < 40; i++) {
        guest_mem[0x4000 + i] = (uint8_t)(i * 7);
    }
    memset(guest_mem + 0x5000, 0, 64);
    env.regs[R_ESI] = 0x4000;
    env.regs[R_EDI] = 0x5000;
    env.regs[R_ECX] = 33;
    script_reset(0x1000);
    EMIT0(MOVS, 4)->prefixes = PFX_REPZ;     /* opcode even: byte form */
    ck_assert_int_eq(run_script(64), 0);
    ck_assert_uint_eq(env.regs[R_ECX], 0);
    ck_assert_uint_eq(env.regs[R_ESI], 0x4000 + 33);
    ck_assert_uint_eq(env.regs[R_EDI], 0x5000 + 33);
    ck_assert_int_eq(memcmp(guest_mem + 0x4000, guest_mem + 0x5000, 33), 0);
    ck_assert_uint_eq(guest_mem[0x5000 + 33], 0);

    /* REPE CMPSD stops at the first difference, DF = 1 walks down */
    guest_mem[0x4000 + 8] ^= 1;
    env.regs[R_ESI] = 0x4000 + 16;
    env.regs[R_EDI] = 0x5000 + 16;
    env.regs[R_ECX] = 100;
    env.eflags |= DF_MASK;
    script_reset(0x1000);
    Insn *in = EMIT0(CMPS, 4);
    in->prefixes = PFX_REPZ;
    in->opcode = 0xa7;
    ck_assert_int_eq(run_script(64), 0);
    ck_assert_uint_eq(env.regs[R_ECX], 100 - 3);     /* dwords at 16, 12, 8 */
    ck_assert_uint_eq(env.regs[R_ESI], 0x4000 + 4);
    ck_assert_uint_eq(env_flags() & CC_Z, 0);

    /* REP with ECX = 0 does nothing and keeps the flags */
    env.regs[R_ECX] = 0;
    env.cc_op = CC_OP_EFLAGS;
    env.cc_src = CC_Z | CC_C;
    ck_assert_int_eq(run_script(64), 0);
    ck_assert_uint_eq(env.regs[R_ESI], 0x4000 + 4);
    ck_assert_uint_eq(env_flags(), CC_Z | CC_C);
}
END_TEST

/* The bulk REP path against the per-element path on the same memory. */
typedef struct RepCase {
    X86Op op;
    int size, aw;
    uint32_t prefixes;
    bool down;
    uint64_t si, di, cx, ax;
    bool code64;
} RepCase;

static const RepCase rep_cases[] = {
    { X86_MOVS, 1, 4, PFX_REPZ, false, 0x4f00, 0x4f01, 0x1800, 0 },    /* replicates a byte */
    { X86_MOVS, 4, 4, PFX_REPZ, true, 0x6ffc, 0x6ffa, 0x900, 0 },      /* overlapping, down */
    { X86_MOVS, 2, 4, PFX_REPZ, false, 0x4000, 0x8ff0, 0x40, 0 },      /* dst crosses a page */
    { X86_MOVS, 2, 2, PFX_REPZ, false, 0x1234fff0, 0x4000, 0xabcd0020, 0 }, /* SI wraps */
    { X86_STOS, 2, 2, PFX_REPNZ, true, 0, 0x0010, 0x30, 0x1234 },       /* DI wraps down */
    { X86_STOS, 4, 4, PFX_REPZ, false, 0, 0x5f10, 0x300, 0xdeadbeef },
    { X86_STOS, 1, 4, PFX_REPZ, true, 0, 0x6010, 0x200, 0x5a },
    { X86_LODS, 2, 4, PFX_REPZ, false, 0x4ff0, 0, 0x30, 0x11112222 },
    { X86_SCAS, 1, 4, PFX_REPNZ, false, 0, 0x4000, 0x2000, 0xff },
    { X86_SCAS, 4, 4, PFX_REPZ, true, 0, 0x7ffc, 0x800, 0x12345678 },
    { X86_CMPS, 1, 4, PFX_REPZ, false, 0x4000, 0x6000, 0x2000, 0 },
    { X86_CMPS, 4, 4, PFX_REPZ, true, 0x5ffc, 0x7ffc, 0x800, 0 },
    { X86_CMPS, 2, 4, PFX_REPNZ, false, 0x4000, 0x4001, 0x100, 0 },
    { X86_MOVS, 1, 4, PFX_REPZ, false, 0x4000, 0x5000, 0, 0 },          /* CX = 0 */
    { X86_MOVS, 1, 8, PFX_REPZ, false, 0, 0x4000, 0x1300, 0, true },    /* from offset 0 */
    { X86_STOS, 8, 8, PFX_REPZ, true, 0, 0x100005ff8, 0x280, 0x0102030405060708, true },
    { X86_MOVS, 1, 4, PFX_REPZ, false, 0xffffffff00004000, 0x6000, 0x1100, 0, true },
};

static uint8_t rep_init_mem[1 << 20], rep_ref_mem[1 << 20];

static void rep_case_setup(const RepCase *c)
{
    env_flat32();
    memcpy(guest_mem, rep_init_mem, sizeof(guest_mem));
    env.regs[R_ESI] = c->si;
    env.regs[R_EDI] = c->di;
    env.regs[R_ECX] = c->cx;
    env.regs[R_EAX] = c->ax;
    env.eflags |= c->down ? DF_MASK : 0;
    env.cc_src = CC_C;
    if (c->code64) {
        env.hflags = HF_PE | HF_LMA | HF_CS64 | HF_SS32;
        env.segs[R_DS].base = 0x5000;    /* ignored in 64-bit mode */
    }
    script_reset(0x1000);
    Insn *in = EMIT0(MOVS, c->size);
    in->op = c->op;
    in->opcode = c->size > 1;
    in->addrsize = (uint8_t)c->aw;
    in->prefixes = c->prefixes;
}

START_TEST(test_rep_bulk_matches_elements)
{
    for (size_t i = 0; i < sizeof(rep_init_mem); i++) {
        rep_init_mem[i] = (uint8_t)(i * 13 + 7);
    }
    rep_init_mem[0x5700] ^= 0xff;        /* where the CMPS cases differ */
    for (size_t i = 0; i < ARRAY_SIZE(rep_cases); i++) {
        const RepCase *c = &rep_cases[i];
        bulk_enabled = false;
        rep_case_setup(c);
        ck_assert_int_eq(run_script(64), 0);
        uint64_t ref_regs[16];
        memcpy(ref_regs, env.regs, sizeof(ref_regs));
        uint32_t ref_flags = env_flags();
        memcpy(rep_ref_mem, guest_mem, sizeof(guest_mem));

        bulk_enabled = true;
        bulk_probes = 0;
        rep_case_setup(c);
        ck_assert_int_eq(run_script(64), 0);
        for (int r = 0; r < 16; r++) {
            ck_assert_msg(env.regs[r] == ref_regs[r], "case %zu: reg %d %#llx, elementwise %#llx",
                          i, r, (unsigned long long)env.regs[r], (unsigned long long)ref_regs[r]);
        }
        ck_assert_msg(env_flags() == ref_flags, "case %zu: flags", i);
        ck_assert_msg(memcmp(guest_mem, rep_ref_mem, sizeof(guest_mem)) == 0, "case %zu: memory", i);
        ck_assert_msg((bulk_probes > 0) == (c->cx != 0), "case %zu: bulk path used", i);
    }
}
END_TEST

START_TEST(test_stack_ops)
{
    env_flat32();
    env.regs[R_EAX] = 0x11111111;
    env.regs[R_EBP] = 0x12345678;
    script_reset(0x1000);
    EMIT(PUSH, 4, R(R_EAX, 4));                       /* 0x1000 */
    EMIT(CALL, 4, REL(3));                            /* 0x1003 -> 0x1009 */
    EMIT(MOV, 4, R(R_EDI, 4), IMM(0xbad, 4));         /* 0x1006: skipped */
    EMIT(POP, 4, R(R_ESI, 4));                        /* 0x1009: return address */
    EMIT0(PUSHA, 4);                                  /* 0x100c */
    EMIT(MOV, 4, R(R_EAX, 4), IMM(0, 4));
    EMIT0(POPA, 4);
    EMIT(ENTER, 4, IMM(16, 2), IMM(2, 1));
    EMIT0(LEAVE, 4);
    EMIT(POP, 4, R(R_EBX, 4));
    ck_assert_int_eq(run_script(64), 0);
    ck_assert_uint_eq(env.regs[R_ESI], 0x1006);
    ck_assert_uint_eq(env.regs[R_EDI], 0);
    ck_assert_uint_eq(env.regs[R_EAX], 0x11111111);
    ck_assert_uint_eq(env.regs[R_EBX], 0x11111111);
    ck_assert_uint_eq(env.regs[R_EBP], 0x12345678);
    ck_assert_uint_eq(env.regs[R_ESP], 0x8000);

    /* RET imm16 */
    env_flat32();
    mem_st(0x7ff0, 0x1003, 4);
    env.regs[R_ESP] = 0x7ff0;
    script_reset(0x1000);
    EMIT(RET, 4, IMM(8, 2));
    EMIT(MOV, 4, R(R_EDI, 4), IMM(0x99, 4));
    ck_assert_int_eq(run_script(64), 0);
    ck_assert_uint_eq(env.regs[R_ESP], 0x7ff0 + 12);
    ck_assert_uint_eq(env.regs[R_EDI], 0x99);
}
END_TEST

/* Real mode: DS base added, 16-bit offsets wrap, 16-bit stack. */
START_TEST(test_real_mode)
{
    memset(&env, 0, sizeof(env));
    env.hflags = HF_ADDSEG;
    env.eflags = 2;
    env.cc_op = CC_OP_EFLAGS;
    env.segs[R_DS].base = 0x20000;
    env.segs[R_SS].base = 0x30000;
    env.regs[R_EBX] = 0xfff0;
    env.regs[R_ESI] = 0x20;
    env.regs[R_ESP] = 0x10000;              /* SP = 0: the push wraps to 0xfffe */
    mem_st(0x20000 + 0x14, 0xbeef, 2);      /* (0xfff0 + 0x20 + 4) & 0xffff */
    script_reset(0x100);
    Insn *in = EMIT(MOV, 2, R(R_EAX, 2), MEM(2));
    in->addrsize = 2;
    in->mem.base = R_EBX;
    in->mem.index = R_ESI;
    in->mem.disp = 4;
    EMIT(PUSH, 2, R(R_EAX, 2))->addrsize = 2;
    ck_assert_int_eq(run_script(64), 0);
    ck_assert_uint_eq(env.regs[R_EAX], 0xbeef);
    ck_assert_uint_eq(env.regs[R_ESP], 0x1fffe);
    ck_assert_uint_eq(mem_ld(0x30000 + 0xfffe, 2), 0xbeef);
}
END_TEST

START_TEST(test_div_by_zero_raises)
{
    env_flat32();
    script_reset(0x1000);
    EMIT(DIV, 4, R(R_EBX, 4));
    ck_assert_int_eq(run_script(64), EXCP_DE + 1);
    env_flat32();
    script_reset(0x1000);
    EMIT0(UD, 4);
    ck_assert_int_eq(run_script(64), EXCP_UD + 1);
    ck_assert_uint_eq(env.rip, 0x1000);
}
END_TEST

/* 16-bit protected mode with segment checks: inline limit checks, expand-down. */
static int run_limit_access(uint32_t flags, uint32_t limit, uint16_t off, bool rmw)
{
    memset(&env, 0, sizeof(env));
    env.hflags = HF_PE | HF_ADDSEG | HF_SEGCHK_MASK;
    env.eflags = 2;
    env.cc_op = CC_OP_EFLAGS;
    env.regs[R_ESP] = 0x100;
    env.segs[R_DS] = (SegmentCache){ .base = 0x10000, .limit = limit,
                                     .flags = DESC_S_MASK | DESC_P_MASK | DESC_W_MASK | flags };
    env.segs[R_SS] = (SegmentCache){ .base = 0x20000, .limit = 0xffff,
                                     .flags = DESC_S_MASK | DESC_P_MASK | DESC_W_MASK };
    env.regs[R_EBX] = 0x4242;
    mem_st(0x10000 + off, 0x0101, 2);
    script_reset(0x100);
    Insn *in = rmw ? EMIT(ADD, 2, MEM(2), R(R_EBX, 2)) : EMIT(MOV, 2, R(R_EAX, 2), MEM(2));
    in->addrsize = 2;
    in->mem.disp = off;
    EMIT(PUSH, 2, R(R_EBX, 2));
    return run_script(64);
}

START_TEST(test_segment_limits)
{
    ck_assert_int_eq(run_limit_access(0, 0xff, 0xfe, false), 0);
    ck_assert_uint_eq(env.regs[R_EAX], 0x0101);
    ck_assert_uint_eq(mem_ld(0x20000 + 0xfe, 2), 0x4242);
    ck_assert_int_eq(run_limit_access(0, 0xff, 0xff, false), EXCP_GP + 1);
    ck_assert_int_eq(run_limit_access(0, 0xff, 0xfe, true), 0);
    ck_assert_uint_eq(mem_ld(0x10000 + 0xfe, 2), 0x4343);
    ck_assert_int_eq(run_limit_access(0, 0xff, 0xff, true), EXCP_GP + 1);
    /* expand-down: valid offsets are limit + 1 .. 0xffff */
    ck_assert_int_eq(run_limit_access(DESC_E_MASK, 0xff, 0xfe, false), EXCP_GP + 1);
    ck_assert_int_eq(run_limit_access(DESC_E_MASK, 0xff, 0x100, false), 0);
    ck_assert_int_eq(run_limit_access(DESC_E_MASK, 0xff, 0xfffe, true), 0);
    ck_assert_uint_eq(mem_ld(0x10000 + 0xfffe, 2), 0x4343);
    ck_assert_int_eq(run_limit_access(DESC_E_MASK, 0xff, 0xffff, false), EXCP_GP + 1);
    ck_assert_int_eq(run_limit_access(DESC_E_MASK | DESC_B_MASK, 0xff, 0xffff, false), 0);
    /* a stack push below the SS limit raises #SS */
    env.segs[R_SS].limit = 0x7f;
    env.regs[R_ESP] = 0x100;
    script_reset(0x100);
    EMIT(PUSH, 2, R(R_EBX, 2));
    ck_assert_int_eq(run_script(64), EXCP_SS + 1);
    ck_assert_uint_eq(env.regs[R_ESP], 0x100);
}
END_TEST

/* 64-bit mode: REX registers, RIP-relative addressing, 64-bit stack. */
START_TEST(test_long_mode)
{
    memset(&env, 0, sizeof(env));
    env.hflags = HF_PE | HF_LMA | HF_CS64 | HF_SS32;
    env.eflags = 2;
    env.cc_op = CC_OP_EFLAGS;
    env.regs[R_ESP] = 0x180000008ULL;        /* beyond 4 GiB: not truncated */
    env.regs[R_R9] = 0xffffffff00000001ULL;
    env.regs[R_R10] = 0x00000001ffffffffULL;
    env.segs[R_DS].base = 0x5000;            /* ignored in 64-bit mode */
    mem_st(0x1003 + 0x100, 0x1122334455667788ULL, 8);
    script_reset(0x1000);
    Insn *in = EMIT(MOV, 8, R(R_R8, 8), MEM(8));
    in->addrsize = 8;
    in->mem.base = MEM_RIP;
    in->mem.disp = 0x100;
    EMIT(ADD, 8, R(R_R9, 8), R(R_R10, 8))->addrsize = 8;
    EMIT(PUSH, 8, R(R_R9, 8))->addrsize = 8;
    EMIT(ADD, 4, R(R_R10, 4), IMM(1, 4))->addrsize = 8;
    ck_assert_int_eq(run_script(64), 0);
    ck_assert_uint_eq(env.regs[R_R8], 0x1122334455667788ULL);
    ck_assert_uint_eq(env.regs[R_R9], 0x0000000100000000ULL);
    ck_assert_uint_eq(env.regs[R_ESP], 0x180000000ULL);
    ck_assert_uint_eq(mem_ld(0x180000000ULL, 8), 0x0000000100000000ULL);
    ck_assert_uint_eq(env.regs[R_R10], 0);   /* 32-bit result zero-extends */
    ck_assert_uint_eq(env_flags() & (CC_C | CC_Z), CC_C | CC_Z);
}
END_TEST

/* ---------------- table of single-instruction semantics ---------------- */

#define OR_(r, sz) { .kind = OPK_REG, .size = sz, .reg = r }
#define OH_(r) { .kind = OPK_REG, .size = 1, .reg = r, .high8 = true }
#define OI_(v, sz) { .kind = OPK_IMM, .size = sz, .imm = v }
#define OM_(sz) { .kind = OPK_MEM, .size = sz }
#define OL_(d) { .kind = OPK_REL, .size = 4, .imm = d }
#define INSN(o, sz, ...) { .op = X86_##o, .opsize = sz, .ops = { __VA_ARGS__ }, \
                           .nb_ops = (uint8_t)ARRAY_SIZE(((Operand[]){ __VA_ARGS__ })) }
#define INSN0(o, sz) { .op = X86_##o, .opsize = sz }
#define INSNC(o, cc, sz, ...) { .op = X86_##o, .cond = cc, .opsize = sz, .ops = { __VA_ARGS__ }, \
                                .nb_ops = (uint8_t)ARRAY_SIZE(((Operand[]){ __VA_ARGS__ })) }

typedef struct SemCase {
    const char *name;
    Insn insn[3];
    uint64_t regs[8];        /* EAX..EDI before (ESP is set by the runner) */
    uint64_t mem;            /* qword at 0x600 before */
    uint64_t want[8];
    uint64_t want_mem;
    uint32_t fmask, fwant;
} SemCase;

enum { A_, C_, D_, B_, SP_, BP_, SI_, DI_ };

static const SemCase sem_cases[] = {
    { "mul", { INSN(MUL, 4, OR_(B_, 4)) }, { 0x80000000, 0, 0, 4 }, 0,
      { 0, 0, 2, 4 }, 0, CC_C | CC_O, CC_C | CC_O },
    { "imul1", { INSN(IMUL, 4, OR_(B_, 4)) }, { 0xfffffffe, 0, 0, 3 }, 0,
      { 0xfffffffa, 0, 0xffffffff, 3 }, 0, CC_C | CC_O, 0 },
    { "imul3", { INSN(IMUL2, 4, OR_(A_, 4), OR_(B_, 4), OI_(10, 4)) }, { 0, 0, 0, 7 }, 0,
      { 70, 0, 0, 7 }, 0, CC_C | CC_O, 0 },
    { "div", { INSN(DIV, 4, OR_(B_, 4)) }, { 0, 0, 1, 0x10 }, 0,
      { 0x10000000, 0, 0, 0x10 }, 0, 0, 0 },
    { "idiv8", { INSN(IDIV, 4, OR_(B_, 1)) }, { 0xfff9, 0, 0, 2 }, 0,
      { 0xfffd, 0, 0, 2 }, 0, 0, 0 },
    { "bt mem+reg", { INSN(BT, 4, OM_(4), OR_(C_, 4)) }, { 0, 32 }, 0x100000000ULL,
      { 0, 32 }, 0x100000000ULL, CC_C, CC_C },
    { "btr mem+imm", { INSN(BTR, 4, OM_(4), OI_(33, 1)) }, { 0 }, 0x0000000200000002ULL,
      { 0 }, 0x0000000200000000ULL, CC_C, CC_C },
    { "bts reg", { INSN(BTS, 4, OR_(A_, 4), OR_(C_, 4)) }, { 0, 35 }, 0,
      { 8, 35 }, 0, CC_C, 0 },
    { "bsf", { INSN(BSF, 4, OR_(A_, 4), OR_(B_, 4)) }, { 0x1234, 0, 0, 0x80 }, 0,
      { 7, 0, 0, 0x80 }, 0, CC_Z, 0 },
    { "bsf zero", { INSN(BSF, 4, OR_(A_, 4), OR_(B_, 4)) }, { 0x1234 }, 0,
      { 0x1234 }, 0, CC_Z, CC_Z },
    { "bsr", { INSN(BSR, 4, OR_(A_, 4), OR_(B_, 4)) }, { 0, 0, 0, 0x80000001 }, 0,
      { 31, 0, 0, 0x80000001 }, 0, CC_Z, 0 },
    { "popcnt", { INSN(POPCNT, 4, OR_(A_, 4), OR_(B_, 4)) }, { 0, 0, 0, 0xf0f0 }, 0,
      { 8, 0, 0, 0xf0f0 }, 0, CC_ALL, 0 },
    { "tzcnt0", { INSN(TZCNT, 2, OR_(A_, 2), OR_(B_, 2)) }, { 0 }, 0,
      { 16 }, 0, CC_C | CC_Z, CC_C },
    { "lzcnt", { INSN(LZCNT, 4, OR_(A_, 4), OR_(B_, 4)) }, { 0, 0, 0, 1 }, 0,
      { 31, 0, 0, 1 }, 0, CC_C | CC_Z, 0 },
    { "xadd", { INSN(XADD, 4, OR_(A_, 4), OR_(B_, 4)) }, { 5, 0, 0, 7 }, 0,
      { 12, 0, 0, 5 }, 0, CC_Z, 0 },
    { "cmpxchg hit", { INSN(CMPXCHG, 4, OR_(B_, 4), OR_(C_, 4)) }, { 5, 9, 0, 5 }, 0,
      { 5, 9, 0, 9 }, 0, CC_Z, CC_Z },
    { "cmpxchg miss", { INSN(CMPXCHG, 4, OM_(4), OR_(C_, 4)) }, { 4, 9 }, 5,
      { 5, 9 }, 5, CC_Z | CC_C, CC_C },
    { "xchg mem", { INSN(XCHG, 4, OR_(A_, 4), OM_(4)) }, { 1 }, 2,
      { 2 }, 1, 0, 0 },
    { "movsx", { INSN(MOVSX, 4, OR_(A_, 4), OR_(B_, 1)) }, { 0, 0, 0, 0x80 }, 0,
      { 0xffffff80, 0, 0, 0x80 }, 0, 0, 0 },
    { "movzx", { INSN(MOVZX, 4, OR_(A_, 4), OR_(B_, 2)) }, { 0xdead0000, 0, 0, 0x1ffff }, 0,
      { 0xffff, 0, 0, 0x1ffff }, 0, 0, 0 },
    { "cbw", { INSN0(CBW, 2) }, { 0x12340080 }, 0, { 0x1234ff80 }, 0, 0, 0 },
    { "cdq", { INSN0(CWD, 4) }, { 0x80000000, 0, 7 }, 0,
      { 0x80000000, 0, 0xffffffff }, 0, 0, 0 },
    { "stc lahf", { INSN0(STC, 4), INSN0(LAHF, 4) }, { 0 }, 0, { 0x0300 }, 0, 0, 0 },
    { "sahf", { INSN0(SAHF, 4) }, { 0xd700 }, 0, { 0xd700 }, 0, CC_ALL, 0xd5 },
    { "stc salc", { INSN0(STC, 4), INSN0(SALC, 4) }, { 0x1200 }, 0, { 0x12ff }, 0, 0, 0 },
    { "cmc", { INSN0(STC, 4), INSN0(CMC, 4) }, { 0 }, 0, { 0 }, 0, CC_C, 0 },
    { "bswap", { INSN(BSWAP, 4, OR_(A_, 4)) }, { 0x11223344 }, 0, { 0x44332211 }, 0, 0, 0 },
    { "loop", { INSN(LOOP, 4, OL_(-3)) }, { 0, 3 }, 0, { 0, 0 }, 0, 0, 0 },
    { "jcxz", { INSN(JCXZ, 4, OL_(3)), INSN(MOV, 4, OR_(A_, 4), OI_(1, 4)),
                INSN(MOV, 4, OR_(B_, 4), OI_(2, 4)) }, { 0 }, 0, { 0, 0, 0, 2 }, 0, 0, 0 },
    { "neg", { INSN(NEG, 4, OR_(A_, 4)) }, { 1 }, 0, { 0xffffffff }, 0,
      CC_C | CC_Z | CC_S | CC_O, CC_C | CC_S },
    { "rol1", { INSN(ROL, 4, OR_(A_, 1), OI_(1, 1)) }, { 0x81 }, 0, { 0x03 }, 0,
      CC_C | CC_O, CC_C | CC_O },
    { "stc rcr1", { INSN0(STC, 4), INSN(RCR, 4, OR_(A_, 1), OI_(1, 1)) }, { 0x02 }, 0,
      { 0x81 }, 0, CC_C | CC_O, CC_O },
    { "shld imm", { INSN(SHLD, 4, OR_(A_, 2), OR_(B_, 2), OI_(4, 1)) }, { 0x1234, 0, 0, 0xabcd },
      0, { 0x234a, 0, 0, 0xabcd }, 0, CC_C, CC_C },
    { "stc inc", { INSN0(STC, 4), INSN(INC, 4, OR_(A_, 4)) }, { 0xffffffff }, 0, { 0 }, 0,
      CC_C | CC_Z | CC_O | CC_A, CC_C | CC_Z | CC_A },
    { "stc adc", { INSN0(STC, 4), INSN(ADC, 4, OR_(A_, 4), OR_(B_, 4)) }, { 1, 0, 0, 1 }, 0,
      { 3, 0, 0, 1 }, 0, CC_C, 0 },
    { "dec16", { INSN(DEC, 2, OR_(A_, 2)) }, { 0x12340000 }, 0, { 0x1234ffff }, 0,
      CC_S | CC_Z, CC_S },
    { "setcc ah", { INSN(CMP, 4, OR_(A_, 4), OR_(B_, 4)), INSNC(SETCC, 2, 4, OH_(A_)) },
      { 0x1, 0, 0, 2 }, 0, { 0x0101, 0, 0, 2 }, 0, 0, 0 },
    { "cmovb", { INSN(CMP, 4, OR_(A_, 4), OR_(B_, 4)), INSNC(CMOVCC, 2, 4, OR_(C_, 4), OR_(D_, 4)) },
      { 1, 5, 6, 2 }, 0, { 1, 6, 6, 2 }, 0, 0, 0 },
    { "lea", { INSN(LEA, 4, OR_(A_, 4), OM_(4)) }, { 0 }, 0, { 0x600 }, 0, 0, 0 },
    { "mov ah,bl", { INSN(MOV, 4, OH_(A_), OR_(B_, 1)) }, { 0x11, 0, 0, 0x22 }, 0,
      { 0x2211, 0, 0, 0x22 }, 0, 0, 0 },
    { "xlat", { INSN0(XLAT, 4) }, { 2, 0, 0, 0x600 }, 0x00cc0000,
      { 0xcc, 0, 0, 0x600 }, 0x00cc0000, 0, 0 },
    { "aam", { INSN(AAM, 4, OI_(10, 1)) }, { 63 }, 0, { 0x0603 }, 0, 0, 0 },
    { "xor same", { INSN(XOR, 4, OR_(A_, 4), OR_(A_, 4)) }, { 5 }, 0, { 0 }, 0,
      CC_ALL & ~CC_A, CC_Z | CC_P },
    { "add mem", { INSN(ADD, 4, OM_(2), OI_(0xffff, 2)) }, { 0 }, 0x10001, { 0 }, 0x10000,
      CC_C | CC_Z, CC_C | CC_Z },
};

START_TEST(test_semantics)
{
    const SemCase *c = &sem_cases[_i];
    env_flat32();
    for (int r = 0; r < 8; r++) {
        if (r != R_ESP) {
            env.regs[r] = c->regs[r];
        }
    }
    mem_st(0x600, c->mem, 8);
    script_reset(0x1000);
    for (int i = 0; i < 3 && c->insn[i].op; i++) {
        Insn *in = emit(c->insn[i].op, c->insn[i].opsize, c->insn[i].nb_ops, c->insn[i].ops);
        in->mem.disp = 0x600;
        in->cond = c->insn[i].cond;
    }
    ck_assert_int_eq(run_script(64), 0);
    for (int r = 0; r < 8; r++) {
        if (r != R_ESP) {
            ck_assert_msg(env.regs[r] == c->want[r], "%s: reg %d = %#llx, want %#llx", c->name,
                          r, (unsigned long long)env.regs[r], (unsigned long long)c->want[r]);
        }
    }
    ck_assert_msg(mem_ld(0x600, 8) == c->want_mem, "%s: mem %#llx", c->name,
                  (unsigned long long)mem_ld(0x600, 8));
    ck_assert_msg((env_flags() & c->fmask) == c->fwant, "%s: flags %#x", c->name,
                  env_flags() & c->fmask);
}
END_TEST

int main(void)
{
    ctx = ir_context_new();
    x86_translate_init(ctx);
    Suite *su = suite_create("translate_run");
    TCase *tc = tcase_create("run");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_setcc_after_alu, 0, (int)ARRAY_SIZE(alu_cases) * 6);
    tcase_add_loop_test(tc, test_rotate_cl, 0, (int)ARRAY_SIZE(rot_cases) * 3);
    tcase_add_test(tc, test_shld_shrd);
    tcase_add_test(tc, test_shift_zero_keeps_flags);
    tcase_add_test(tc, test_rep_movs_cmps);
    tcase_add_test(tc, test_rep_bulk_matches_elements);
    tcase_add_test(tc, test_stack_ops);
    tcase_add_test(tc, test_real_mode);
    tcase_add_test(tc, test_div_by_zero_raises);
    tcase_add_test(tc, test_segment_limits);
    tcase_add_test(tc, test_long_mode);
    tcase_add_loop_test(tc, test_semantics, 0, (int)ARRAY_SIZE(sem_cases));
    suite_add_tcase(su, tc);
    SRunner *sr = srunner_create(su);
    srunner_set_fork_status(sr, CK_NOFORK);
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
