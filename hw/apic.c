/*
 * apic.c - the local APIC (Intel SDM Vol. 3 ch. 10), one "apic" device per
 * CPU, xAPIC mode, version 0x50014 (6 LVT entries, no CMCI).
 *
 * Model:
 *  - The MMIO page at APIC_DEFAULT_BASE is one bus region; every access is
 *    dispatched to the APIC of the CPU that makes it (cpu_current, set by
 *    cpu_exec; CPU 0 when no CPU runs, e.g. a debugger or DMA).
 *  - IRR/ISR/TMR are 256-bit sets. PPR follows TPR and the highest ISR class;
 *    a fixed vector is presented to the CPU (CPU_INTERRUPT_APIC) while the
 *    APIC is hardware- and software-enabled and the highest IRR class is above
 *    the PPR class. apic_intr_ack is the CPU's INTA: IRR -> ISR, the spurious
 *    vector if the request fell below PPR, or the 8259's vector when the PIC
 *    reaches the CPU through LINT0 in ExtINT mode (virtual wire), through an
 *    ExtINT message (I/O APIC virtual wire), or the APIC is globally disabled.
 *  - EOI retires the highest ISR bit; a level-triggered one (TMR) is broadcast
 *    to the I/O APIC unless SVR bit 12 suppresses it.
 *  - The timer counts at 1 GHz (one tick per virtual-clock ns, as QEMU) divided
 *    by the DCR; the current count is computed from the virtual clock, and one
 *    Timer fires at the next expiry (one-shot or periodic). In TSC-deadline
 *    mode the CPU side gives the deadline with the virtual time the TSC
 *    reaches it (cpu/misc_helper.c owns the TSC scaling); firing disarms it.
 *  - Errors latch in a pending ESR that a write to ESR publishes.
 * Invariant: after every change of IRR/ISR/TPR/SVR/base, apic_update() has
 * made the CPU's CPU_INTERRUPT_APIC bit agree with apic_pending().
 */
#include "kestrel/apic.h"
#include "kestrel/cpu.h"
#include "kestrel/machine.h"
#include "kestrel/memory.h"
#include "kestrel/timer.h"
#include "kestrel/log.h"

#define APIC_VERSION 0x50014u
#define APIC_MMIO_SIZE 0x1000u
#define APIC_NO_VECTOR (-1)

/* Register indexes (offset >> 4), SDM Table 10-1. */
enum {
    REG_ID = 0x02, REG_VERSION = 0x03, REG_TPR = 0x08, REG_APR = 0x09, REG_PPR = 0x0a,
    REG_EOI = 0x0b, REG_RRD = 0x0c, REG_LDR = 0x0d, REG_DFR = 0x0e, REG_SVR = 0x0f,
    REG_ISR = 0x10, REG_TMR = 0x18, REG_IRR = 0x20, REG_ESR = 0x28,
    REG_ICR_LO = 0x30, REG_ICR_HI = 0x31, REG_LVT = 0x32, REG_TIMER_INIT = 0x38,
    REG_TIMER_CUR = 0x39, REG_TIMER_DCR = 0x3e,
};

enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_COUNT };

#define LVT_MASKED (1u << 16)
#define LVT_LEVEL (1u << 15)
#define LVT_TIMER_MODE(lvt) (((lvt) >> 17) & 3)
enum { TIMER_ONE_SHOT, TIMER_PERIODIC, TIMER_TSC_DEADLINE };
#define SVR_ENABLE (1u << 8)
#define SVR_NO_EOI_BROADCAST (1u << 12)
#define ESR_SEND_ILLEGAL_VECTOR (1u << 5)
#define ESR_RECV_ILLEGAL_VECTOR (1u << 6)
#define ESR_ILLEGAL_REGISTER (1u << 7)

/* Writable bits of each LVT entry (vector, delivery mode, polarity, trigger, mask, mode). */
static const uint32_t lvt_write_mask[LVT_COUNT] = {
    [LVT_TIMER] = 0x700ff, [LVT_THERMAL] = 0x107ff, [LVT_PERF] = 0x107ff,
    [LVT_LINT0] = 0x1a7ff, [LVT_LINT1] = 0x1a7ff, [LVT_ERROR] = 0x100ff,
};

struct LocalApic {
    Device dev;
    Machine *m;
    CPUX86State *cpu;
    MemRegion *mmio;              /* only CPU 0's device maps the page */
    uint8_t id;
    uint8_t tpr;
    uint32_t ldr, dfr, svr;
    uint32_t esr, esr_pending;
    uint32_t isr[8], tmr[8], irr[8];
    uint32_t lvt[LVT_COUNT];
    uint32_t icr_lo, icr_hi;
    uint32_t dcr;
    uint32_t timer_initial;
    int64_t timer_start;          /* virtual time of the last count load */
    uint64_t tsc_deadline;        /* IA32_TSC_DEADLINE, 0: disarmed */
    int64_t deadline_ns;          /* when the TSC reaches it */
    Timer *timer;
    bool extint;                  /* an ExtINT message awaits its INTA */
    int (*pic_ack)(void *opaque); /* the 8259 behind LINT0 (CPU 0 only) */
    void *pic_opaque;
    ApicEoiHandler *eoi_handler;
    void *eoi_opaque;
};

/* ---- 256-bit sets ---- */

static void bits_set(uint32_t *set, int v) { set[v >> 5] |= 1u << (v & 31); }
static void bits_clear(uint32_t *set, int v) { set[v >> 5] &= ~(1u << (v & 31)); }
static bool bits_test(const uint32_t *set, int v) { return set[v >> 5] >> (v & 31) & 1; }

static int bits_highest(const uint32_t *set)
{
    for (int i = 7; i >= 0; i--)
        if (set[i])
            return i * 32 + 31 - __builtin_clz(set[i]);
    return APIC_NO_VECTOR;
}

/* ---- priorities and the CPU's request line ---- */

static bool apic_hw_enabled(const LocalApic *s)
{
    return (s->cpu->apic_base & APIC_BASE_ENABLE) != 0;
}

static bool apic_sw_enabled(const LocalApic *s)
{
    return apic_hw_enabled(s) && (s->svr & SVR_ENABLE);
}

static uint8_t apic_ppr(const LocalApic *s)
{
    int isrv = bits_highest(s->isr);
    uint8_t isr_class = isrv < 0 ? 0 : (uint8_t)(isrv & 0xf0);
    return (s->tpr & 0xf0) >= isr_class ? s->tpr : isr_class;
}

/* The highest IRR vector the CPU may take now, or APIC_NO_VECTOR. */
static int apic_pending(const LocalApic *s)
{
    int irrv = bits_highest(s->irr);
    if (!apic_sw_enabled(s) || irrv < 0)
        return APIC_NO_VECTOR;
    return (irrv & 0xf0) > (apic_ppr(s) & 0xf0) ? irrv : APIC_NO_VECTOR;
}

static void apic_update(LocalApic *s)
{
    if (apic_pending(s) >= 0)
        cpu_interrupt(s->cpu, CPU_INTERRUPT_APIC);
    else
        cpu_reset_interrupt(s->cpu, CPU_INTERRUPT_APIC);
}

/* ---- accepting interrupts ---- */

static void apic_error(LocalApic *s, uint32_t bit);

static void apic_set_irq(LocalApic *s, int vector, bool level)
{
    if (vector < 16) {
        apic_error(s, ESR_RECV_ILLEGAL_VECTOR);
        return;
    }
    bits_set(s->irr, vector);
    if (level)
        bits_set(s->tmr, vector);
    else
        bits_clear(s->tmr, vector);
    apic_update(s);
}

static void apic_error(LocalApic *s, uint32_t bit)
{
    uint32_t lvt = s->lvt[LVT_ERROR];
    bool first = !(s->esr_pending & bit);
    s->esr_pending |= bit;
    /* An illegal error vector would recurse: report it only once. */
    if (first && !(lvt & LVT_MASKED) && apic_sw_enabled(s))
        apic_set_irq(s, lvt & 0xff, false);
}

/* A local vector table entry fires (timer, error, LINT edge). */
static void apic_local_deliver(LocalApic *s, int lvt_index)
{
    uint32_t lvt = s->lvt[lvt_index];
    if (lvt & LVT_MASKED)
        return;
    switch ((lvt >> 8) & 7) {
    case APIC_DM_NMI:
        cpu_interrupt(s->cpu, CPU_INTERRUPT_NMI);
        break;
    case APIC_DM_SMI:
        cpu_interrupt(s->cpu, CPU_INTERRUPT_SMI);
        break;
    case APIC_DM_EXTINT:
        cpu_interrupt(s->cpu, CPU_INTERRUPT_HARD);
        break;
    default:
        apic_set_irq(s, lvt & 0xff, lvt_index != LVT_TIMER && (lvt & LVT_LEVEL));
        break;
    }
}

/* The 8259's INTR reaches the CPU: APIC globally off, an ExtINT message, or
 * LINT0 unmasked in ExtINT mode. */
static bool apic_accepts_pic(const LocalApic *s)
{
    uint32_t lint0 = s->lvt[LVT_LINT0];
    if (!apic_hw_enabled(s) || s->extint)
        return true;
    return !(lint0 & LVT_MASKED) && ((lint0 >> 8) & 7) == APIC_DM_EXTINT;
}

/* INTA, installed as env->intr_ack; runs on the vCPU thread. */
static int apic_intr_ack(void *opaque)
{
    LocalApic *s = opaque;
    bool locked = !machine_lock_held();
    int vector = APIC_NO_VECTOR;

    if (locked)
        machine_lock();
    int irrv = bits_highest(s->irr);
    if (apic_pending(s) >= 0) {
        bits_clear(s->irr, irrv);
        bits_set(s->isr, irrv);
        vector = irrv;
    } else if ((s->cpu->interrupt_request & CPU_INTERRUPT_HARD) && s->pic_ack &&
               apic_accepts_pic(s)) {
        s->extint = false;
        vector = s->pic_ack(s->pic_opaque);
    } else if (s->cpu->interrupt_request & CPU_INTERRUPT_APIC) {
        vector = s->svr & 0xff;         /* raised, then masked by TPR: spurious */
    } else {
        /* INTR from a PIC the APIC does not pass on: drop it until the PIC re-raises. */
        cpu_reset_interrupt(s->cpu, CPU_INTERRUPT_HARD);
    }
    apic_update(s);
    if (locked)
        machine_unlock();
    return vector;
}

static void apic_eoi(LocalApic *s)
{
    int isrv = bits_highest(s->isr);
    if (isrv < 0)
        return;
    bits_clear(s->isr, isrv);
    if (bits_test(s->tmr, isrv) && !(s->svr & SVR_NO_EOI_BROADCAST) && s->eoi_handler)
        s->eoi_handler(s->eoi_opaque, (uint8_t)isrv);
    apic_update(s);
}

/* ---- timer ---- */

static int apic_timer_shift(const LocalApic *s)
{
    uint32_t v = (s->dcr & 3) | ((s->dcr >> 1) & 4);
    return (int)((v + 1) & 7);          /* 111b divides by 1 */
}

static int apic_timer_mode(const LocalApic *s)
{
    return LVT_TIMER_MODE(s->lvt[LVT_TIMER]);
}

static bool apic_timer_periodic(const LocalApic *s)
{
    return apic_timer_mode(s) == TIMER_PERIODIC;
}

/* Ticks elapsed since the count was loaded. */
static uint64_t apic_timer_elapsed(const LocalApic *s)
{
    int64_t d = clock_ns() - s->timer_start;
    return d < 0 ? 0 : (uint64_t)d >> apic_timer_shift(s);
}

static uint32_t apic_timer_current(const LocalApic *s)
{
    uint64_t elapsed = apic_timer_elapsed(s);
    if (!s->timer_initial || apic_timer_mode(s) == TIMER_TSC_DEADLINE)
        return 0;
    if (apic_timer_periodic(s))
        return s->timer_initial - (uint32_t)(elapsed % s->timer_initial);
    return elapsed >= s->timer_initial ? 0 : s->timer_initial - (uint32_t)elapsed;
}

/* Arms the Timer for the next time the count reaches zero, if it will. */
static void apic_timer_schedule(LocalApic *s)
{
    uint64_t elapsed = apic_timer_elapsed(s);
    uint64_t expiry;

    if (apic_timer_mode(s) == TIMER_TSC_DEADLINE) {
        if (s->tsc_deadline)
            timer_mod(s->timer, s->deadline_ns);
        else
            timer_del(s->timer);
        return;
    }
    if (!s->timer_initial) {
        timer_del(s->timer);
        return;
    }
    if (apic_timer_periodic(s)) {
        expiry = (elapsed / s->timer_initial + 1) * s->timer_initial;
    } else if (elapsed < s->timer_initial) {
        expiry = s->timer_initial;
    } else {
        timer_del(s->timer);
        return;
    }
    timer_mod(s->timer, s->timer_start + (int64_t)(expiry << apic_timer_shift(s)));
}

static void apic_timer_cb(void *opaque)
{
    LocalApic *s = opaque;
    apic_local_deliver(s, LVT_TIMER);
    if (apic_timer_mode(s) == TIMER_TSC_DEADLINE)
        s->tsc_deadline = 0;            /* a deadline fires once */
    apic_timer_schedule(s);
}

static void apic_timer_load(LocalApic *s, uint32_t count)
{
    if (apic_timer_mode(s) == TIMER_TSC_DEADLINE)
        return;                         /* the initial count is ignored */
    s->timer_initial = count;
    s->timer_start = clock_ns();
    apic_timer_schedule(s);
}

/* A DCR change keeps the current count: restart counting from it. */
static void apic_timer_set_dcr(LocalApic *s, uint32_t dcr)
{
    uint32_t current = apic_timer_current(s);
    uint64_t done = s->timer_initial - current;
    s->dcr = dcr & 0xb;
    s->timer_start = clock_ns() - (int64_t)(done << apic_timer_shift(s));
    apic_timer_schedule(s);
}

/* ---- IPIs and delivery ---- */

static LocalApic *apic_of(Machine *m, int i)
{
    return m->cpus[i] ? m->cpus[i]->apic : NULL;
}

/* Logical destination match, flat (DFR model 1111b) or cluster (0000b). */
static bool apic_match_logical(const LocalApic *s, uint8_t mda)
{
    uint8_t ldr = (uint8_t)(s->ldr >> 24);
    if (mda == 0xff)
        return true;
    if ((s->dfr >> 28) == 0xf)
        return (ldr & mda) != 0;
    return (ldr >> 4) == (mda >> 4) && (ldr & mda & 0xf) != 0;
}

static bool apic_match(const LocalApic *s, const LocalApic *from, const ApicMessage *msg)
{
    switch (msg->shorthand) {
    case 1:
        return s == from;
    case 2:
        return true;
    case 3:
        return s != from;
    default:
        break;
    }
    if (msg->logical)
        return apic_match_logical(s, msg->dest);
    return msg->dest == 0xff || msg->dest == s->id;
}

/* Lowest priority: the target with the lowest processor priority (first on ties). */
static uint32_t apic_lowest_priority(Machine *m, uint32_t targets)
{
    int best = -1;
    for (int i = 0; i < m->ncpus; i++) {
        if (!(targets >> i & 1))
            continue;
        if (best < 0 || apic_ppr(apic_of(m, i)) < apic_ppr(apic_of(m, best)))
            best = i;
    }
    return best < 0 ? 0 : 1u << best;
}

static void apic_reset_state(LocalApic *s);

static void apic_accept(LocalApic *s, const ApicMessage *msg)
{
    switch (msg->delivery) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        if (apic_sw_enabled(s))
            apic_set_irq(s, msg->vector, msg->level_trigger);
        break;
    case APIC_DM_SMI:
        cpu_interrupt(s->cpu, CPU_INTERRUPT_SMI);
        break;
    case APIC_DM_NMI:
        cpu_interrupt(s->cpu, CPU_INTERRUPT_NMI);
        break;
    case APIC_DM_INIT:
        if (msg->level_trigger && !msg->assert_level)
            break;                      /* INIT level de-assert: arbitration IDs only */
        apic_reset_state(s);
        cpu_interrupt(s->cpu, CPU_INTERRUPT_INIT);
        break;
    case APIC_DM_SIPI:
        if (s->cpu->wait_sipi) {
            s->cpu->sipi_vector = msg->vector;
            cpu_interrupt(s->cpu, CPU_INTERRUPT_SIPI);
        }
        break;
    case APIC_DM_EXTINT:
        s->extint = true;
        cpu_interrupt(s->cpu, CPU_INTERRUPT_HARD);
        break;
    default:
        log_unimp("APIC delivery mode %d\n", msg->delivery);
        break;
    }
}

void apic_deliver(Machine *m, CPUX86State *from_cpu, const ApicMessage *msg)
{
    LocalApic *from = from_cpu ? from_cpu->apic : NULL;
    uint32_t targets = 0;

    for (int i = 0; i < m->ncpus; i++) {
        LocalApic *s = apic_of(m, i);
        /* A globally disabled APIC takes nothing from the bus. */
        if (s && apic_hw_enabled(s) && apic_match(s, from, msg))
            targets |= 1u << i;
    }
    if (msg->delivery == APIC_DM_LOWEST && msg->shorthand == 0)
        targets = apic_lowest_priority(m, targets);
    for (int i = 0; i < m->ncpus; i++)
        if (targets >> i & 1)
            apic_accept(apic_of(m, i), msg);
}

void apic_deliver_msi(Machine *m, uint64_t addr, uint32_t data)
{
    ApicMessage msg = {
        .dest = (uint8_t)(addr >> 12), .logical = (addr >> 2) & 1,
        .delivery = (data >> 8) & 7, .vector = (uint8_t)data,
        .level_trigger = (data >> 15) & 1, .assert_level = (data >> 14) & 1,
    };
    apic_deliver(m, NULL, &msg);
}

static void apic_send_ipi(LocalApic *s)
{
    ApicMessage msg = {
        .dest = (uint8_t)(s->icr_hi >> 24), .logical = (s->icr_lo >> 11) & 1,
        .delivery = (s->icr_lo >> 8) & 7, .vector = (uint8_t)s->icr_lo,
        .level_trigger = (s->icr_lo >> 15) & 1, .assert_level = (s->icr_lo >> 14) & 1,
        .shorthand = (s->icr_lo >> 18) & 3,
    };
    bool vector_matters = msg.delivery == APIC_DM_FIXED || msg.delivery == APIC_DM_LOWEST;
    if (vector_matters && msg.vector < 16) {
        apic_error(s, ESR_SEND_ILLEGAL_VECTOR);
        return;
    }
    apic_deliver(s->m, s->cpu, &msg);
}

/* ---- registers ---- */

static uint32_t apic_read_reg(LocalApic *s, unsigned reg)
{
    if (reg >= REG_ISR && reg < REG_ISR + 8)
        return s->isr[reg - REG_ISR];
    if (reg >= REG_TMR && reg < REG_TMR + 8)
        return s->tmr[reg - REG_TMR];
    if (reg >= REG_IRR && reg < REG_IRR + 8)
        return s->irr[reg - REG_IRR];
    if (reg >= REG_LVT && reg < REG_LVT + LVT_COUNT)
        return s->lvt[reg - REG_LVT];
    switch (reg) {
    case REG_ID: return (uint32_t)s->id << 24;
    case REG_VERSION: return APIC_VERSION;
    case REG_TPR: return s->tpr;
    case REG_APR: return 0;
    case REG_PPR: return apic_ppr(s);
    case REG_LDR: return s->ldr;
    case REG_DFR: return s->dfr;
    case REG_SVR: return s->svr;
    case REG_ESR: return s->esr;
    case REG_ICR_LO: return s->icr_lo;   /* delivery status always idle */
    case REG_ICR_HI: return s->icr_hi;
    case REG_TIMER_INIT: return s->timer_initial;
    case REG_TIMER_CUR: return apic_timer_current(s);
    case REG_TIMER_DCR: return s->dcr;
    case REG_EOI: case REG_RRD: return 0;
    default:
        apic_error(s, ESR_ILLEGAL_REGISTER);
        return 0;
    }
}

static void apic_write_lvt(LocalApic *s, int i, uint32_t v)
{
    uint32_t keep = s->lvt[i] & ~lvt_write_mask[i];      /* delivery status, remote IRR */
    int old_mode = apic_timer_mode(s);
    if (!apic_sw_enabled(s))
        v |= LVT_MASKED;
    if (i == LVT_TIMER && LVT_TIMER_MODE(v) == 3)
        v &= ~(1u << 18);               /* reserved mode: treated as one-shot/periodic */
    s->lvt[i] = keep | (v & lvt_write_mask[i]);
    if (i != LVT_TIMER || old_mode == apic_timer_mode(s))
        return;
    /* SDM 10.5.4.1: switching to or from TSC-deadline mode disarms the timer. */
    if (old_mode == TIMER_TSC_DEADLINE || apic_timer_mode(s) == TIMER_TSC_DEADLINE) {
        s->timer_initial = 0;
        s->tsc_deadline = 0;
    }
    apic_timer_schedule(s);
}

static void apic_write_svr(LocalApic *s, uint32_t v)
{
    s->svr = v & 0x11ff;
    if (!(s->svr & SVR_ENABLE))
        for (int i = 0; i < LVT_COUNT; i++)
            s->lvt[i] |= LVT_MASKED;
    apic_update(s);
}

static void apic_write_reg(LocalApic *s, unsigned reg, uint32_t v)
{
    if (reg >= REG_LVT && reg < REG_LVT + LVT_COUNT) {
        apic_write_lvt(s, (int)(reg - REG_LVT), v);
        return;
    }
    switch (reg) {
    case REG_ID: s->id = (uint8_t)(v >> 24); break;
    case REG_TPR: s->tpr = (uint8_t)v; apic_update(s); break;
    case REG_EOI: apic_eoi(s); break;
    case REG_LDR: s->ldr = v & 0xff000000u; break;
    case REG_DFR: s->dfr = v | 0x0fffffffu; break;
    case REG_SVR: apic_write_svr(s, v); break;
    case REG_ESR: s->esr = s->esr_pending; s->esr_pending = 0; break;
    case REG_ICR_LO: s->icr_lo = v & 0x000ccfffu; apic_send_ipi(s); break;
    case REG_ICR_HI: s->icr_hi = v & 0xff000000u; break;
    case REG_TIMER_INIT: apic_timer_load(s, v); break;
    case REG_TIMER_DCR: apic_timer_set_dcr(s, v); break;
    case REG_VERSION: case REG_APR: case REG_PPR: case REG_RRD: case REG_TIMER_CUR:
        break;                          /* read-only */
    default:
        if (!(reg >= REG_ISR && reg < REG_IRR + 8))
            apic_error(s, ESR_ILLEGAL_REGISTER);
        break;
    }
}

/* The APIC of the CPU making the access. */
static LocalApic *apic_current(Machine *m)
{
    CPUX86State *cpu = cpu_current && cpu_current->machine == m ? cpu_current : m->cpus[0];
    return cpu->apic;
}

static uint64_t apic_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    LocalApic *s = apic_current(opaque);
    (void)size;
    if (!s || (offset & 0xf))
        return 0;
    return apic_read_reg(s, (unsigned)(offset >> 4));
}

static void apic_mmio_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    LocalApic *s = apic_current(opaque);
    (void)size;
    if (s && !(offset & 0xf))
        apic_write_reg(s, (unsigned)(offset >> 4), (uint32_t)value);
}

static const MemOps apic_mmio_ops = {
    .read = apic_mmio_read, .write = apic_mmio_write, .min_access = 4, .max_access = 4,
};

/* ---- CPU side ---- */

static bool apic_lock(void)
{
    bool take = !machine_lock_held();
    if (take)
        machine_lock();
    return take;
}

static void apic_unlock(bool taken)
{
    if (taken)
        machine_unlock();
}

void apic_set_eoi_handler(LocalApic *s, ApicEoiHandler *fn, void *opaque)
{
    s->eoi_handler = fn;
    s->eoi_opaque = opaque;
}

/* Called after env->apic_base changed (the MSR write already stored it). */
void apic_base_changed(LocalApic *s, uint64_t old_value)
{
    bool taken = apic_lock();
    uint64_t now = s->cpu->apic_base;
    if ((old_value & APIC_BASE_ENABLE) && !(now & APIC_BASE_ENABLE))
        apic_reset_state(s);            /* SDM 10.4.3: disabling resets to power-up state */
    if (s->mmio && (now ^ old_value) & ~0xfffull)
        bus_remap(s->m->mem, s->mmio, now & ~0xfffull);
    apic_update(s);
    apic_unlock(taken);
}

uint64_t apic_get_tsc_deadline(LocalApic *s)
{
    bool taken = apic_lock();
    uint64_t v = apic_timer_mode(s) == TIMER_TSC_DEADLINE ? s->tsc_deadline : 0;
    apic_unlock(taken);
    return v;
}

void apic_set_tsc_deadline(LocalApic *s, uint64_t tsc, int64_t ns)
{
    bool taken = apic_lock();
    if (apic_timer_mode(s) == TIMER_TSC_DEADLINE) {     /* ignored in other modes */
        s->tsc_deadline = tsc;
        s->deadline_ns = ns;
        apic_timer_schedule(s);
    }
    apic_unlock(taken);
}

uint8_t apic_get_tpr(LocalApic *s)
{
    return s->tpr >> 4;
}

void apic_set_tpr(LocalApic *s, uint8_t cr8)
{
    bool taken = apic_lock();
    s->tpr = (uint8_t)((cr8 & 0xf) << 4);
    apic_update(s);
    apic_unlock(taken);
}

/* ---- device ---- */

/* Power-up / INIT state (SDM 10.4.7.1): everything but the ID and the base. */
static void apic_reset_state(LocalApic *s)
{
    s->tpr = 0;
    s->ldr = 0;
    s->dfr = 0xffffffffu;
    s->svr = 0xff;
    s->esr = s->esr_pending = 0;
    memset(s->isr, 0, sizeof(s->isr));
    memset(s->tmr, 0, sizeof(s->tmr));
    memset(s->irr, 0, sizeof(s->irr));
    for (int i = 0; i < LVT_COUNT; i++)
        s->lvt[i] = LVT_MASKED;
    /* As QEMU: the BSP's LINT0 starts in virtual wire mode, so the 8259 works. */
    if (s->cpu->cpu_index == 0)
        s->lvt[LVT_LINT0] = APIC_DM_EXTINT << 8;
    s->icr_lo = s->icr_hi = 0;
    s->extint = false;
    s->dcr = 0;
    s->timer_initial = 0;
    s->timer_start = clock_ns();
    s->tsc_deadline = 0;
    timer_del(s->timer);
    cpu_reset_interrupt(s->cpu, CPU_INTERRUPT_APIC);
}

static void apic_reset(Device *dev)
{
    LocalApic *s = (LocalApic *)dev;
    s->id = (uint8_t)s->cpu->cpu_index;
    apic_reset_state(s);
    if (s->mmio && s->mmio->base != APIC_DEFAULT_BASE)
        bus_remap(s->m->mem, s->mmio, APIC_DEFAULT_BASE);   /* IA32_APIC_BASE resets too */
}

static bool apic_realize(Device *dev, Machine *m, const DeviceOpts *opts,
                         char *err, size_t errlen)
{
    LocalApic *s = (LocalApic *)dev;
    uint64_t index = 0;

    if (devopt_get(opts, "cpu") && !devopt_get_u64(opts, "cpu", &index, err, errlen))
        return false;
    if (index >= (uint64_t)m->ncpus || !m->cpus[index] || m->cpus[index]->apic) {
        snprintf(err, errlen, "apic: cpu=%llu has no CPU without an APIC",
                 (unsigned long long)index);
        return false;
    }
    s->m = m;
    s->cpu = m->cpus[index];
    s->cpu->apic = s;
    s->timer = timer_new(apic_timer_cb, s);
    s->pic_ack = s->cpu->intr_ack;      /* the 8259 if it is already wired */
    s->pic_opaque = s->cpu->intr_opaque;
    cpu_set_intr_source(s->cpu, apic_intr_ack, s);
    if (index == 0)
        s->mmio = bus_map_io(m->mem, "apic", APIC_DEFAULT_BASE, APIC_MMIO_SIZE,
                             &apic_mmio_ops, m, 1);
    apic_reset(dev);
    return true;
}

static const StateField apic_fields[] = {
    SF(SF_U8, LocalApic, id), SF(SF_U8, LocalApic, tpr),
    SF(SF_U32, LocalApic, ldr), SF(SF_U32, LocalApic, dfr), SF(SF_U32, LocalApic, svr),
    SF(SF_U32, LocalApic, esr), SF(SF_U32, LocalApic, esr_pending),
    SF_ARRAY(SF_U32, LocalApic, isr, 8), SF_ARRAY(SF_U32, LocalApic, tmr, 8),
    SF_ARRAY(SF_U32, LocalApic, irr, 8), SF_ARRAY(SF_U32, LocalApic, lvt, LVT_COUNT),
    SF(SF_U32, LocalApic, icr_lo), SF(SF_U32, LocalApic, icr_hi), SF(SF_U32, LocalApic, dcr),
    SF(SF_BOOL, LocalApic, extint),
    SF(SF_U32, LocalApic, timer_initial), SF(SF_I64, LocalApic, timer_start),
    SF(SF_U64, LocalApic, tsc_deadline), SF(SF_I64, LocalApic, deadline_ns),
    SF_END
};

static const StateDesc apic_state = { "apic", 1, apic_fields };

const DeviceClass apic_class = {
    .name = "apic",
    .desc = "local APIC of one CPU (cpu=N)",
    .size = sizeof(LocalApic),
    .realize = apic_realize,
    .reset = apic_reset,
    .state = &apic_state,
};

DEVICE_CLASS_REGISTER(apic_class)
