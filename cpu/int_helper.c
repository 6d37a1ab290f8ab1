/*
 * int_helper.c - exceptions and interrupts: raising (with #DF/triple-fault
 * escalation per SDM Vol. 3 Table 6-5), delivery through the real-mode IVT
 * and the protected-mode IDT (interrupt/trap/task gates, 16/32-bit, stack
 * switch from the TSS, VM86 -> ring 0 with segment pushes per SDM 20.3),
 * IRET in every mode, INT n/INT3/INTO/INT1/BOUND/single-step, and the
 * between-blocks interrupt check.
 *
 * Long mode (IA-32e): 64-bit gates with IST and IRET/IRETQ are handled;
 * hardware task switches there are #GP as the SDM specifies.
 *
 * Invariants:
 * - env->old_exception names the exception being delivered (-1 when none,
 *   also for INT n and external interrupts, which are benign for Table 6-5);
 *   a fault raised while it is set is escalated at raise time.
 * - Delivery reads the gate, checks it and pushes the whole frame before it
 *   changes CS/SS/ESP/EIP/EFLAGS, so a fault in delivery leaves the
 *   interrupted state intact for the next (escalated) delivery.
 * - HF_INHIBIT_IRQ (STI, MOV/POP SS) holds interrupts off for exactly one
 *   instruction: see cpu_handle_interrupt().
 * - INIT/SIPI are taken between blocks too; an AP waiting for a SIPI
 *   (env->wait_sipi) ignores every other request.
 */
#include "cpu/cpusys.h"
#include "kestrel/log.h"

/* Exceptions that push an error code in protected mode. */
#define EXCP_ERR_MASK ((1u << EXCP_DF) | (1u << EXCP_TS) | (1u << EXCP_NP) | (1u << EXCP_SS) | \
                       (1u << EXCP_GP) | (1u << EXCP_PF) | (1u << EXCP_AC))

typedef struct IntEvent {
    int vector;
    bool is_int;          /* INT n / INT3 / INTO: gate DPL checked, EXT = 0 */
    bool is_hw;           /* external interrupt or NMI */
    bool has_err;
    uint32_t err;
    uint64_t next_eip;    /* EIP/RIP pushed as the return address */
} IntEvent;

/* --- raising, Table 6-5 --- */

static bool excp_contributory(int v)
{
    return v == EXCP_DE || (v >= EXCP_TS && v <= EXCP_GP);
}

static KESTREL_NORETURN void exit_with(CPUX86State *env, uintptr_t ra)
{
    if (ra) {
        cpu_loop_exit_restore(env, ra);
    }
    cpu_loop_exit(env);
}

static KESTREL_NORETURN void triple_fault(CPUX86State *env, int vector, uintptr_t ra)
{
    log_mask_printf(LOG_INT, "triple fault: exception %02x while delivering #DF\n", vector);
    env->old_exception = -1;
    env->exception_index = EXCP_RESET;
    env->exception_is_int = false;
    exit_with(env, ra);
}

/* The exception actually raised when vector occurs during delivery of old_exception. */
static int excp_escalate(CPUX86State *env, int vector, int *err, uintptr_t ra)
{
    int old = env->old_exception;
    bool second_bad = excp_contributory(vector) || vector == EXCP_PF;
    if (old < 0 || !second_bad) {
        return vector;
    }
    if (old == EXCP_DF) {
        triple_fault(env, vector, ra);
    }
    if ((excp_contributory(old) && excp_contributory(vector)) || old == EXCP_PF) {
        *err = 0;
        return EXCP_DF;
    }
    return vector;
}

void raise_exception_err(CPUX86State *env, int vector, int error_code, uintptr_t retaddr)
{
    vector = excp_escalate(env, vector, &error_code, retaddr);
    env->exception_index = vector;
    env->error_code = error_code;
    env->exception_is_int = false;
    env->exception_next_eip = 0;
    exit_with(env, retaddr);
}

void raise_exception(CPUX86State *env, int vector, uintptr_t retaddr)
{
    raise_exception_err(env, vector, 0, retaddr);
}

/* Software interrupt: delivered with next_eip pushed and the gate DPL checked. */
static KESTREL_NORETURN void raise_interrupt(CPUX86State *env, int vector, uint64_t next_eip,
                                             uintptr_t ra)
{
    env->exception_index = vector;
    env->error_code = 0;
    env->exception_is_int = true;
    env->exception_next_eip = next_eip;
    exit_with(env, ra);
}

/* --- delivery --- */

static void deliver_real(CPUX86State *env, const IntEvent *ev)
{
    uint32_t vec = (uint32_t)ev->vector;
    StackPtr s;
    if (vec * 4 + 3 > env->idt.limit) {
        raise_exception_err(env, EXCP_GP, 0, 0);
    }
    uint32_t off = sys_ld(env, env->idt.base + vec * 4, MO_16, 0);
    uint32_t sel = sys_ld(env, env->idt.base + vec * 4 + 2, MO_16, 0);
    stack_init_current(&s, env, 0);
    stack_push(&s, cpu_get_eflags(env), 2);
    stack_push(&s, env->segs[R_CS].selector, 2);
    stack_push(&s, ev->next_eip & 0xffff, 2);
    stack_commit(&s);
    env->eflags &= ~(uint64_t)(IF_MASK | TF_MASK | AC_MASK | RF_MASK);
    load_seg_real(env, R_CS, sel);
    env->rip = off;
}

/* Reads and checks the IDT gate (SDM 6.12.1); returns its descriptor. */
static void idt_gate(CPUX86State *env, const IntEvent *ev, int ext, uint32_t *lo, uint32_t *hi)
{
    uint32_t vec = (uint32_t)ev->vector, idt_err = vec * 8 + 2 + (uint32_t)ext;
    if (vec * 8 + 7 > env->idt.limit) {
        raise_exception_err(env, EXCP_GP, (int)idt_err, 0);
    }
    *lo = sys_ld(env, env->idt.base + vec * 8, MO_32, 0);
    *hi = sys_ld(env, env->idt.base + vec * 8 + 4, MO_32, 0);
    switch (desc_type(*hi)) {
    case SYS_TASK_GATE:
    case SYS_INT_GATE16:
    case SYS_TRAP_GATE16:
    case SYS_INT_GATE32:
    case SYS_TRAP_GATE32:
        if (!(*hi & DESC_S_MASK)) {
            break;
        }
        /* fall through */
    default:
        raise_exception_err(env, EXCP_GP, (int)idt_err, 0);
    }
    if (ev->is_int && desc_dpl(*hi) < cpu_cpl(env)) {
        raise_exception_err(env, EXCP_GP, (int)idt_err, 0);
    }
    if (!(*hi & DESC_P_MASK)) {
        raise_exception_err(env, EXCP_NP, (int)idt_err, 0);
    }
}

static void deliver_task_gate(CPUX86State *env, const IntEvent *ev, int ext, uint32_t gate_lo)
{
    uint32_t sel, lo, hi;
    StackPtr s;
    task_gate_target(env, gate_lo, &sel, &lo, &hi, ext, 0);
    task_switch(env, sel, lo, hi, TASK_INT, (uint32_t)ev->next_eip, 0);
    if (ev->has_err) {
        stack_init_current(&s, env, 0);
        stack_push(&s, ev->err, (desc_type(env->tr.flags) & 8) ? 4 : 2);
        stack_commit(&s);
    }
}

static void deliver_protected(CPUX86State *env, const IntEvent *ev)
{
    int ext = ev->is_int ? 0 : 1;
    uint32_t lo, hi, csel, clo, chi;
    idt_gate(env, ev, ext, &lo, &hi);
    unsigned type = desc_type(hi);
    if (type == SYS_TASK_GATE) {
        deliver_task_gate(env, ev, ext, lo);
        return;
    }
    csel = lo >> 16;
    if ((csel & 0xfffc) == 0) {
        raise_exception_err(env, EXCP_GP, ext, 0);
    }
    if (!load_descriptor(env, csel, &clo, &chi, 0) ||
        (chi & (DESC_S_MASK | DESC_CS_MASK)) != (DESC_S_MASK | DESC_CS_MASK) ||
        desc_dpl(chi) > cpu_cpl(env)) {
        raise_exception_err(env, EXCP_GP, (int)(csel & 0xfffc) | ext, 0);
    }
    if (!(chi & DESC_P_MASK)) {
        raise_exception_err(env, EXCP_NP, (int)(csel & 0xfffc) | ext, 0);
    }
    unsigned dpl = desc_dpl(chi), cpl = cpu_cpl(env), size = (type & 8) ? 4 : 2;
    bool vm86 = env->eflags & VM_MASK;
    bool inner = !(chi & DESC_C_MASK) && dpl < cpl;
    uint32_t eip = (hi & 0xffff0000u) | (lo & 0xffff), ss = 0, esp = 0, slo = 0, shi = 0;
    if (size == 2) {
        eip &= 0xffff;
    }
    if (vm86 && (!inner || dpl != 0)) {
        raise_exception_err(env, EXCP_GP, (int)(csel & 0xfffc) | ext, 0);
    }
    if (eip > desc_limit(clo, chi)) {
        raise_exception_err(env, EXCP_GP, ext, 0);
    }

    uint32_t old_eflags = cpu_get_eflags(env);
    StackPtr s;
    if (inner) {
        tss_get_stack(env, dpl, &ss, &esp, 0);
        check_new_ss(env, ss, dpl, &slo, &shi, ext, 0);
        stack_init(&s, env, desc_base(slo, shi), esp, shi, dpl, 0);
        if (vm86) {
            static const int vm_segs[] = { R_GS, R_FS, R_DS, R_ES };
            for (size_t i = 0; i < ARRAY_SIZE(vm_segs); i++) {
                stack_push(&s, env->segs[vm_segs[i]].selector, size);
            }
        }
        stack_push(&s, env->segs[R_SS].selector, size);
        stack_push(&s, (uint32_t)env->regs[R_ESP], size);
    } else {
        stack_init_current(&s, env, 0);
    }
    stack_push(&s, old_eflags, size);
    stack_push(&s, env->segs[R_CS].selector, size);
    stack_push(&s, ev->next_eip, size);
    if (ev->has_err) {
        stack_push(&s, ev->err, size);
    }

    /* Commit. */
    env->eflags &= ~(uint64_t)(TF_MASK | VM_MASK | RF_MASK | NT_MASK |
                               ((type & 1) ? 0 : IF_MASK));
    if (inner) {
        load_seg_cache_desc(env, R_SS, (ss & 0xfffc) | dpl, slo, shi);
    }
    stack_commit(&s);
    if (vm86) {
        for (int seg = R_ES; seg <= R_GS; seg++) {
            if (seg != R_CS && seg != R_SS) {
                cpu_load_seg_cache(env, seg, 0, 0, 0, 0);
            }
        }
    }
    load_seg_cache_desc(env, R_CS, (csel & 0xfffc) | (inner ? dpl : cpl), clo, chi);
    env->rip = eip;
}

/* RSPn or ISTn from the 64-bit TSS (#TS(TR) if the TSS is too short). */
static uint64_t tss64_stack(CPUX86State *env, uint32_t offset)
{
    if (!(env->tr.flags & DESC_P_MASK) || offset + 7 > env->tr.limit) {
        raise_fault_sel(env, EXCP_TS, env->tr.selector, 0);
    }
    return cpu_ld(env, env->tr.base + offset, MO_64, cpu_mmu_index_kernel(env), 0);
}

/* IA-32e mode (SDM 6.14): 16-byte gates to 64-bit code, 64-bit frame with
 * SS:RSP always pushed, RSP aligned to 16, IST stacks, null SS on a
 * privilege change. */
static void deliver_long(CPUX86State *env, const IntEvent *ev)
{
    int ext = ev->is_int ? 0 : 1;
    uint32_t vec = (uint32_t)ev->vector, idt_err = vec * 8 + 2 + (uint32_t)ext;
    uint32_t lo, hi, clo, chi;
    if (vec * 16 + 15 > env->idt.limit) {
        raise_exception_err(env, EXCP_GP, (int)idt_err, 0);
    }
    lo = sys_ld(env, env->idt.base + vec * 16, MO_32, 0);
    hi = sys_ld(env, env->idt.base + vec * 16 + 4, MO_32, 0);
    uint64_t rip = (hi & 0xffff0000u) | (lo & 0xffff) |
                   (uint64_t)sys_ld(env, env->idt.base + vec * 16 + 8, MO_32, 0) << 32;
    unsigned type = desc_type(hi), cpl = cpu_cpl(env);
    if ((hi & DESC_S_MASK) || (type != SYS_INT_GATE32 && type != SYS_TRAP_GATE32) ||
        (ev->is_int && desc_dpl(hi) < cpl)) {
        raise_exception_err(env, EXCP_GP, (int)idt_err, 0);
    }
    if (!(hi & DESC_P_MASK)) {
        raise_exception_err(env, EXCP_NP, (int)idt_err, 0);
    }
    uint32_t csel = lo >> 16;
    if ((csel & 0xfffc) == 0) {
        raise_exception_err(env, EXCP_GP, ext, 0);
    }
    if (!load_descriptor(env, csel, &clo, &chi, 0) ||
        (chi & (DESC_S_MASK | DESC_CS_MASK | DESC_L_MASK | DESC_B_MASK)) !=
        (DESC_S_MASK | DESC_CS_MASK | DESC_L_MASK) || desc_dpl(chi) > cpl) {
        raise_exception_err(env, EXCP_GP, (int)(csel & 0xfffc) | ext, 0);
    }
    if (!(chi & DESC_P_MASK)) {
        raise_exception_err(env, EXCP_NP, (int)(csel & 0xfffc) | ext, 0);
    }
    unsigned dpl = desc_dpl(chi), ist = hi & 7;
    bool inner = !(chi & DESC_C_MASK) && dpl < cpl;
    unsigned new_cpl = inner ? dpl : cpl;
    uint64_t rsp = ist ? tss64_stack(env, 0x1c + ist * 8)
                       : inner ? tss64_stack(env, 4 + dpl * 8) : env->regs[R_ESP];
    StackPtr s;
    stack_init(&s, env, 0, rsp & ~0xfULL, 0, new_cpl, 0);
    s.mask = ~0ULL;
    stack_push(&s, env->segs[R_SS].selector, 8);
    stack_push(&s, env->regs[R_ESP], 8);
    stack_push(&s, cpu_get_eflags(env), 8);
    stack_push(&s, env->segs[R_CS].selector, 8);
    stack_push(&s, ev->next_eip, 8);
    if (ev->has_err) {
        stack_push(&s, ev->err, 8);
    }

    env->eflags &= ~(uint64_t)(TF_MASK | VM_MASK | RF_MASK | NT_MASK |
                               ((type & 1) ? 0 : IF_MASK));
    if (inner) {
        cpu_load_seg_cache(env, R_SS, new_cpl, 0, 0, new_cpl << DESC_DPL_SHIFT);
    }
    env->regs[R_ESP] = s.sp;
    load_seg_cache_desc(env, R_CS, (csel & 0xfffc) | new_cpl, clo, chi);
    env->rip = rip;
}

static void deliver(CPUX86State *env, const IntEvent *ev)
{
    if (log_enabled(LOG_INT)) {
        log_printf("int: vec=%02x %s err=%04x CS:EIP=%04x:%08llx SS:ESP=%04x:%08llx "
                   "CPL=%u EFL=%08x\n", ev->vector,
                   ev->is_hw ? "hw" : ev->is_int ? "int" : "exc", ev->has_err ? ev->err : 0,
                   env->segs[R_CS].selector, (unsigned long long)env->rip,
                   env->segs[R_SS].selector, (unsigned long long)env->regs[R_ESP],
                   cpu_cpl(env), cpu_get_eflags(env));
    }
    env->hflags &= ~HF_INHIBIT_IRQ;
    if (!(env->cr[0] & CR0_PE)) {
        deliver_real(env, ev);
    } else if (env->hflags & HF_LMA) {
        deliver_long(env, ev);
    } else {
        deliver_protected(env, ev);
    }
}

void do_interrupt(CPUX86State *env)
{
    int vector = env->exception_index;
    assert(vector >= 0 && vector < 256);
    IntEvent ev = {
        .vector = vector,
        .is_int = env->exception_is_int,
        .has_err = !env->exception_is_int && vector < 32 && ((EXCP_ERR_MASK >> vector) & 1),
        .err = (uint32_t)env->error_code,
        .next_eip = env->exception_is_int ? env->exception_next_eip : env->rip,
    };
    env->old_exception = ev.is_int ? -1 : vector;
    deliver(env, &ev);
    env->old_exception = -1;
    env->exception_index = -1;
    env->exception_is_int = false;
}

void do_interrupt_hw(CPUX86State *env, int vector)
{
    IntEvent ev = { .vector = vector, .is_hw = true, .next_eip = env->rip };
    env->old_exception = -1;
    env->halted = false;
    deliver(env, &ev);
}

/*
 * Between blocks. An interrupt shadow (HF_INHIBIT_IRQ, set by STI and
 * MOV/POP SS, after which the translator ends the block) must let exactly
 * one more instruction run: when something is pending we clear the shadow
 * and request a one-instruction block through HF_TF (the translator then
 * calls h_single_step after the instruction, which sees no EFLAGS.TF and
 * just makes the CPU come back here). Without anything pending the shadow
 * is simply dropped: the next check comes after at least one instruction.
 */
bool cpu_handle_interrupt(CPUX86State *env)
{
    uint32_t req = env->interrupt_request;
    if (req & (CPU_INTERRUPT_INIT | CPU_INTERRUPT_SIPI)) {
        cpu_reset_interrupt(env, req & (CPU_INTERRUPT_INIT | CPU_INTERRUPT_SIPI));
        if (req & CPU_INTERRUPT_INIT) {
            cpu_x86_init_ipi(env);
        }
        if (req & CPU_INTERRUPT_SIPI) {
            cpu_x86_sipi(env, env->sipi_vector);
        }
        return false;
    }
    if (env->wait_sipi) {
        return false;
    }
    /* HARD: the 8259's INTR; APIC: the local APIC's own request. */
    bool hard = (req & (CPU_INTERRUPT_HARD | CPU_INTERRUPT_APIC)) && (env->eflags & IF_MASK);
    bool nmi = (req & CPU_INTERRUPT_NMI) && !env->nmi_blocked;
    if (env->hflags & HF_INHIBIT_IRQ) {
        env->hflags &= ~HF_INHIBIT_IRQ;
        if (hard || nmi) {
            env->hflags |= HF_TF;
        }
        return false;
    }
    if (nmi) {
        cpu_reset_interrupt(env, CPU_INTERRUPT_NMI);
        do_interrupt_hw(env, EXCP_NMI);
        env->nmi_blocked = true;
        return true;
    }
    if (!hard) {
        return false;
    }
    if (!env->intr_ack) {
        cpu_reset_interrupt(env, CPU_INTERRUPT_HARD | CPU_INTERRUPT_APIC);
        return false;
    }
    int vector = env->intr_ack(env->intr_opaque);
    if (vector < 0) {
        return false;
    }
    do_interrupt_hw(env, vector & 0xff);
    return true;
}

/* --- INT n / INT3 / INTO / INT1 / BOUND / single step --- */

void helper_raise_exception(CPUX86State *env, uint64_t vector)
{
    raise_exception(env, (int)vector, ir_getpc());
}
DEF_HELPER(raise_exception, 1, false, 0);

void helper_raise_exception_err(CPUX86State *env, uint64_t vector, uint64_t err)
{
    raise_exception_err(env, (int)vector, (int)err, ir_getpc());
}
DEF_HELPER(raise_exception_err, 2, false, 0);

/* INT n (and INT3 when the translator routes it here). In VM86 without VME,
 * INT n is IOPL-sensitive (SDM 20.3.3); INT3 (vector 3) is not. */
void helper_raise_interrupt(CPUX86State *env, uint64_t vector, uint64_t next_eip)
{
    uintptr_t ra = ir_getpc();
    if ((env->eflags & VM_MASK) && ((env->eflags & IOPL_MASK) >> IOPL_SHIFT) < 3 &&
        vector != EXCP_BP) {
        raise_exception_err(env, EXCP_GP, 0, ra);
    }
    raise_interrupt(env, (int)vector, next_eip, ra);
}
DEF_HELPER(raise_interrupt, 2, false, 0);

void helper_into(CPUX86State *env, uint64_t next_eip)
{
    uintptr_t ra = ir_getpc();
    cpu_sync_state(env, ra);
    if (cpu_get_eflags(env) & CC_O) {
        raise_interrupt(env, EXCP_OF, next_eip, 0);
    }
}
DEF_HELPER(into, 1, false, 0);

/* ICEBP: a trap-like #DB without the gate DPL check. */
void helper_int1(CPUX86State *env, uint64_t next_eip)
{
    cpu_sync_state(env, ir_getpc());
    env->rip = next_eip;
    raise_exception(env, EXCP_DB, 0);
}
DEF_HELPER(int1, 1, false, 0);

void helper_bound(CPUX86State *env, uint64_t index, uint64_t addr, uint64_t size)
{
    uintptr_t ra = ir_getpc();
    MemOp mo = size == 2 ? MO_16 : MO_32;
    unsigned idx = cpu_mmu_index(env);
    uint64_t lo = cpu_ld(env, cpu_linear(env, addr), mo, idx, ra);
    uint64_t hi = cpu_ld(env, cpu_linear(env, addr + size), mo, idx, ra);
    int64_t lower = size == 2 ? (int16_t)lo : (int32_t)lo;
    int64_t upper = size == 2 ? (int16_t)hi : (int32_t)hi;
    int64_t value = size == 2 ? (int16_t)index : (int32_t)index;
    if (value < lower || value > upper) {
        raise_exception(env, EXCP_BR, ra);
    }
}
DEF_HELPER(bound, 3, false, 0);

/*
 * After an instruction translated with HF_TF. The translator must have stored
 * env->rip (the next instruction) and cc_op before the call. With EFLAGS.TF
 * this is the single-step trap (DR6.BS); otherwise it was the one-instruction
 * step cpu_handle_interrupt requested: leave so a pending interrupt is taken.
 */
void helper_single_step(CPUX86State *env)
{
    if (env->eflags & TF_MASK) {
        env->dr[6] |= 1u << 14;
        raise_exception(env, EXCP_DB, 0);
    }
    cpu_update_hflags(env);
    env->exit_request = 1;
}
DEF_HELPER(single_step, 0, false, 0);

/* --- IRET --- */

static void iret_real(CPUX86State *env, unsigned size, uintptr_t ra)
{
    StackPtr s;
    stack_init_current(&s, env, ra);
    uint32_t eip = (uint32_t)stack_pop(&s, size);
    uint32_t cs = (uint32_t)stack_pop(&s, size) & 0xffff;
    uint32_t fl = (uint32_t)stack_pop(&s, size);
    uint32_t mask = size == 4 ? 0x257fd5u : 0x7fd5u;
    if (env->eflags & VM_MASK) {
        mask &= ~IOPL_MASK;
    }
    stack_commit(&s);
    load_seg_real(env, R_CS, cs);
    env->rip = size == 4 ? eip : eip & 0xffff;
    cpu_set_eflags(env, fl, mask);
}

static void iret_to_vm86(CPUX86State *env, StackPtr *s, uint32_t cs, uint32_t eip,
                         uint32_t fl)
{
    static const int segs[] = { R_ES, R_DS, R_FS, R_GS };
    uint32_t esp = (uint32_t)stack_pop(s, 4);
    uint32_t ss = (uint32_t)stack_pop(s, 4);
    uint32_t sel[4];
    for (size_t i = 0; i < ARRAY_SIZE(segs); i++) {
        sel[i] = (uint32_t)stack_pop(s, 4);
    }
    cpu_set_eflags(env, fl, 0x3f7fd5u);
    load_seg_real(env, R_CS, cs);
    load_seg_real(env, R_SS, ss);
    for (size_t i = 0; i < ARRAY_SIZE(segs); i++) {
        load_seg_real(env, segs[i], sel[i]);
    }
    env->regs[R_ESP] = esp;
    env->rip = eip & 0xffff;
}

/* IRET with NT: return to the task in the back link (SDM 7.3, IRET). */
static void iret_task(CPUX86State *env, uint32_t next_eip, uintptr_t ra)
{
    uint32_t sel = sys_ld(env, env->tr.base, MO_16, ra), lo, hi;
    if ((sel & 4) || !load_descriptor(env, sel, &lo, &hi, ra) || (hi & DESC_S_MASK) ||
        (desc_type(hi) != SYS_TSS16_BUSY && desc_type(hi) != SYS_TSS32_BUSY)) {
        raise_fault_sel(env, EXCP_TS, sel, ra);
    }
    if (!(hi & DESC_P_MASK)) {
        raise_fault_sel(env, EXCP_NP, sel, ra);
    }
    task_switch(env, sel, lo, hi, TASK_IRET, next_eip, ra);
}

/* The EFLAGS bits a protected-mode IRET may change, from the CPL before it. */
static uint32_t iret_flags_mask(const CPUX86State *env, unsigned size)
{
    unsigned cpl = cpu_cpl(env), iopl = (env->eflags & IOPL_MASK) >> IOPL_SHIFT;
    uint32_t mask = CC_ALL | TF_MASK | DF_MASK | NT_MASK | RF_MASK | AC_MASK | ID_MASK;
    if (cpl <= iopl) {
        mask |= IF_MASK;
    }
    if (cpl == 0) {
        mask |= IOPL_MASK | VIF_MASK | VIP_MASK;
    }
    return size == 2 ? mask & 0xffff : mask;
}

/* Protected mode, and IA-32e mode (where 64-bit code always pops SS:RSP). */
static void iret_protected(CPUX86State *env, unsigned size, uintptr_t ra)
{
    StackPtr s;
    bool lma = env->hflags & HF_LMA;
    stack_init_current(&s, env, ra);
    uint64_t eip = stack_pop(&s, size);
    uint32_t cs = (uint32_t)stack_pop(&s, size) & 0xffff;
    uint32_t fl = (uint32_t)stack_pop(&s, size);
    if (!lma && size == 4 && (fl & VM_MASK) && cpu_cpl(env) == 0) {
        iret_to_vm86(env, &s, cs, (uint32_t)eip, fl);
        return;
    }
    uint32_t mask = iret_flags_mask(env, size);
    return_protected(env, &s, cs, eip, size, 0, lma && (env->hflags & HF_CS64), ra);
    cpu_set_eflags(env, fl, mask);
}

void helper_iret(CPUX86State *env, uint64_t opsize, uint64_t next_eip)
{
    uintptr_t ra = ir_getpc();
    unsigned size = (unsigned)opsize;
    env->nmi_blocked = false;       /* SDM 6.7.1: any IRET unblocks NMIs */
    if (!(env->cr[0] & CR0_PE)) {
        iret_real(env, size, ra);
    } else if (env->eflags & VM_MASK) {
        if (((env->eflags & IOPL_MASK) >> IOPL_SHIFT) < 3) {
            raise_exception_err(env, EXCP_GP, 0, ra);
        }
        iret_real(env, size, ra);
    } else if (env->eflags & NT_MASK) {
        if (env->hflags & HF_LMA) {
            raise_exception_err(env, EXCP_GP, 0, ra);    /* no tasks in IA-32e mode */
        }
        iret_task(env, (uint32_t)next_eip, ra);
    } else {
        iret_protected(env, size, ra);
    }
}
DEF_HELPER(iret, 2, false, 0);
