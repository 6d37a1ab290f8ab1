/*
 * hpet.c - the High Precision Event Timer (IA-PC HPET spec 1.0a) at
 * 0xFED00000: a 64-bit main counter at 100 MHz (10 ns, as QEMU) and three
 * comparators, each one-shot or periodic, 64- or 32-bit, edge or level,
 * routed to an I/O APIC pin (Tn_INT_ROUTE_CNF, pins 20-23 offered), to
 * ISA IRQ0 / IRQ8 in legacy replacement mode (timers 0 and 1), or as an
 * FSB (MSI) write.
 *
 * Model:
 *  - The counter is computed from the virtual clock: while ENABLE_CNF is
 *    set it is counter_base + (now - start) / 10 ns; clearing ENABLE_CNF
 *    freezes it in counter_base.
 *  - Each comparator that can fire has a Timer at the virtual time when the
 *    counter reaches it (mod 2^32 in 32-bit mode). A periodic comparator
 *    then advances by its period past the counter.
 *  - Level-triggered interrupts set Tn_INT_STS and hold the line until the
 *    guest writes 1 to it; edge-triggered ones pulse the line.
 *  - Legacy replacement takes IRQ0 and IRQ8 over (spec 2.3.8): realize puts
 *    the HPET between isa_irq[0]/[8] and the interrupt controllers, so the
 *    8254 and the RTC created after it drive the HPET's inputs, which pass
 *    through only while LEG_RT_CNF is clear. The board creates the HPET
 *    right after the I/O APIC for this reason.
 * Invariant: after every register write, every comparator's Timer is armed
 * exactly when it is enabled with the counter running.
 */
#include "kestrel/acpi.h"
#include "kestrel/apic.h"
#include "kestrel/machine.h"
#include "kestrel/memory.h"
#include "kestrel/timer.h"
#include "kestrel/log.h"

#define HPET_MMIO_SIZE 0x400u
#define HPET_TIMERS 3
#define HPET_TICK_NS 10
#define HPET_PERIOD_FS 10000000u            /* 10 ns in femtoseconds */
#define HPET_ROUTE_CAP 0x00f00000u          /* I/O APIC pins 20-23 */

/* General capabilities: rev 1, 3 timers, 64-bit counter, legacy route, Intel. */
#define HPET_CAP ((uint64_t)HPET_PERIOD_FS << 32 | 0x8086u << 16 | 1u << 15 | 1u << 13 | \
                  (HPET_TIMERS - 1) << 8 | 1u)

#define CNF_ENABLE (1u << 0)
#define CNF_LEGACY (1u << 1)

#define TN_LEVEL (1u << 1)
#define TN_INT_ENB (1u << 2)
#define TN_PERIODIC (1u << 3)
#define TN_PER_CAP (1u << 4)
#define TN_SIZE_CAP (1u << 5)
#define TN_VAL_SET (1u << 6)
#define TN_32BIT (1u << 8)
#define TN_ROUTE_SHIFT 9
#define TN_FSB_EN (1u << 14)
#define TN_FSB_CAP (1u << 15)
#define TN_WRITABLE (TN_LEVEL | TN_INT_ENB | TN_PERIODIC | TN_VAL_SET | TN_32BIT | \
                     (0x1fu << TN_ROUTE_SHIFT) | TN_FSB_EN)
#define TN_RO_CAPS ((uint64_t)HPET_ROUTE_CAP << 32 | TN_FSB_CAP | TN_SIZE_CAP | TN_PER_CAP)

typedef struct Hpet Hpet;

typedef struct HpetTimer {
    Hpet *hpet;
    int index;
    uint64_t config;
    uint64_t cmp, period;
    uint64_t fsb;                  /* value (low), address (high) */
    Timer *timer;
    bool line_high;                /* level: the line this timer holds */
} HpetTimer;

static const int hpet_legacy_irq[2] = { 0, 8 };

struct Hpet {
    Device dev;
    Machine *m;
    IrqLine legacy_out[2];         /* IRQ0 and IRQ8 towards the 8259 and I/O APIC */
    bool legacy_in[2];             /* what the 8254 and the RTC drive */
    uint64_t config;
    uint64_t isr;
    uint64_t counter_base;         /* the counter at start, or frozen */
    int64_t start;
    HpetTimer t[HPET_TIMERS];
};

static bool hpet_running(const Hpet *s)
{
    return (s->config & CNF_ENABLE) != 0;
}

static uint64_t hpet_counter(const Hpet *s)
{
    if (!hpet_running(s))
        return s->counter_base;
    return s->counter_base + (uint64_t)(clock_ns() - s->start) / HPET_TICK_NS;
}

/* The line a timer drives: legacy IRQ0/IRQ8, or an I/O APIC pin. */
static const IrqLine *hpet_line(const HpetTimer *t)
{
    Hpet *s = t->hpet;
    if ((s->config & CNF_LEGACY) && t->index < 2)
        return &s->legacy_out[t->index];
    return &s->m->isa_irq[(t->config >> TN_ROUTE_SHIFT) & 0x1f];
}

static void hpet_set_level(HpetTimer *t, bool level)
{
    if (t->line_high != level) {
        t->line_high = level;
        irq_set(hpet_line(t), level);
    }
}

static void hpet_fire(HpetTimer *t)
{
    Hpet *s = t->hpet;
    if (!(t->config & TN_INT_ENB))
        return;
    if (t->config & TN_FSB_EN) {
        apic_deliver_msi(s->m, t->fsb >> 32, (uint32_t)t->fsb);
    } else if (t->config & TN_LEVEL) {
        s->isr |= 1u << t->index;
        hpet_set_level(t, true);
    } else {
        irq_pulse(hpet_line(t));
    }
}

static uint64_t hpet_width_mask(const HpetTimer *t)
{
    return t->config & TN_32BIT ? 0xffffffffull : ~0ull;
}

static void hpet_schedule(HpetTimer *t)
{
    Hpet *s = t->hpet;
    if (!hpet_running(s) || !(t->config & TN_INT_ENB)) {
        timer_del(t->timer);
        return;
    }
    uint64_t mask = hpet_width_mask(t);
    uint64_t now = hpet_counter(s);
    uint64_t delta = (t->cmp - now) & mask;
    if (!delta)
        delta = mask;                   /* just matched: the next match is a wrap away */
    const uint64_t far = INT64_MAX / 4 / HPET_TICK_NS;     /* beyond any run */
    timer_mod(t->timer, clock_ns() + (int64_t)(delta > far ? far : delta) * HPET_TICK_NS);
}

static void hpet_timer_cb(void *opaque)
{
    HpetTimer *t = opaque;
    uint64_t mask = hpet_width_mask(t);
    hpet_fire(t);
    if ((t->config & TN_PERIODIC) && t->period) {
        uint64_t now = hpet_counter(t->hpet);
        /* Advance past the counter; a guest's tiny period cannot flood the host. */
        uint64_t behind = ((now - t->cmp) & mask) / t->period + 1;
        t->cmp = (t->cmp + behind * t->period) & mask;
    }
    hpet_schedule(t);
}

static void hpet_reschedule_all(Hpet *s)
{
    for (int i = 0; i < HPET_TIMERS; i++)
        hpet_schedule(&s->t[i]);
}

/* ---- registers (64-bit, accessed as 32 or 64) ---- */

static uint64_t hpet_timer_read(HpetTimer *t, unsigned reg)
{
    switch (reg) {
    case 0x00: return t->config | TN_RO_CAPS;
    case 0x08: return t->cmp;
    case 0x10: return t->fsb;
    default: return 0;
    }
}

static void hpet_timer_write(HpetTimer *t, unsigned reg, uint64_t v, uint64_t wmask)
{
    switch (reg) {
    case 0x00: {
        bool held = t->line_high;
        hpet_set_level(t, false);       /* release the line the old route names */
        t->config = (t->config & ~(wmask & TN_WRITABLE)) | (v & wmask & TN_WRITABLE);
        if (t->config & TN_LEVEL)
            hpet_set_level(t, held);
        else
            t->hpet->isr &= ~(1ull << t->index);
        if (t->config & TN_32BIT)
            t->cmp &= 0xffffffffu;
        break;
    }
    case 0x08: {
        uint64_t value = (t->cmp & ~wmask) | (v & wmask);
        if (t->config & TN_32BIT)
            value &= 0xffffffffu;
        if (!(t->config & TN_PERIODIC) || (t->config & TN_VAL_SET))
            t->cmp = value;
        if (t->config & TN_PERIODIC)
            t->period = (t->period & ~wmask) | (value & wmask);
        t->config &= ~(uint64_t)TN_VAL_SET;
        break;
    }
    case 0x10:
        t->fsb = (t->fsb & ~wmask) | (v & wmask);
        break;
    default:
        break;
    }
    hpet_schedule(t);
}

static uint64_t hpet_read64(Hpet *s, unsigned off)
{
    if (off >= 0x100 && off < 0x100 + 0x20 * HPET_TIMERS)
        return hpet_timer_read(&s->t[(off - 0x100) / 0x20], off & 0x18);
    switch (off) {
    case 0x000: return HPET_CAP;
    case 0x010: return s->config;
    case 0x020: return s->isr;
    case 0x0f0: return hpet_counter(s);
    default: return 0;
    }
}

/* IrqHandler of the 8254's IRQ0 (n = 0) and the RTC's IRQ8 (n = 1). */
static void hpet_legacy_input(void *opaque, int n, int level)
{
    Hpet *s = opaque;
    s->legacy_in[n] = level != 0;
    if (!(s->config & CNF_LEGACY))
        irq_set(&s->legacy_out[n], level);
}

static void hpet_write_config(Hpet *s, uint64_t v)
{
    bool held[2] = { s->t[0].line_high, s->t[1].line_high };
    bool was_legacy = s->config & CNF_LEGACY;
    for (int i = 0; i < 2; i++)
        hpet_set_level(&s->t[i], false);        /* legacy routing may move their lines */
    s->counter_base = hpet_counter(s);
    s->config = v & (CNF_ENABLE | CNF_LEGACY);
    s->start = clock_ns();
    bool legacy = s->config & CNF_LEGACY;
    for (int i = 0; i < 2; i++) {
        if (legacy != was_legacy)       /* the 8254 / RTC lose or regain their line */
            irq_set(&s->legacy_out[i], !legacy && s->legacy_in[i]);
        hpet_set_level(&s->t[i], held[i]);
    }
    hpet_reschedule_all(s);
}

static void hpet_write64(Hpet *s, unsigned off, uint64_t v, uint64_t wmask)
{
    if (off >= 0x100 && off < 0x100 + 0x20 * HPET_TIMERS) {
        hpet_timer_write(&s->t[(off - 0x100) / 0x20], off & 0x18, v, wmask);
        return;
    }
    switch (off) {
    case 0x010:
        hpet_write_config(s, (s->config & ~wmask) | (v & wmask));
        break;
    case 0x020:
        for (int i = 0; i < HPET_TIMERS; i++)
            if (v & wmask & s->isr & (1ull << i)) {
                s->isr &= ~(1ull << i);
                hpet_set_level(&s->t[i], false);
            }
        break;
    case 0x0f0:
        /* Writable only while halted (spec 2.3.7); QEMU allows it any time. */
        s->counter_base = (hpet_counter(s) & ~wmask) | (v & wmask);
        s->start = clock_ns();
        hpet_reschedule_all(s);
        break;
    default:
        break;
    }
}

static uint64_t hpet_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    Hpet *s = opaque;
    uint64_t v = hpet_read64(s, (unsigned)offset & ~7u);
    return size == 8 ? v : (uint32_t)(v >> (8 * (offset & 4)));
}

static void hpet_mmio_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    Hpet *s = opaque;
    unsigned shift = size == 8 ? 0 : 8 * (unsigned)(offset & 4);
    uint64_t wmask = (size == 8 ? ~0ull : 0xffffffffull) << shift;
    hpet_write64(s, (unsigned)offset & ~7u, value << shift, wmask);
}

static const MemOps hpet_mmio_ops = {
    .read = hpet_mmio_read, .write = hpet_mmio_write, .min_access = 4, .max_access = 8,
};

static void hpet_reset(Device *dev)
{
    Hpet *s = (Hpet *)dev;
    for (int i = 0; i < HPET_TIMERS; i++) {
        HpetTimer *t = &s->t[i];
        hpet_set_level(t, false);
        t->config = 0;
        t->cmp = ~0ull;
        t->period = 0;
        t->fsb = 0;
        timer_del(t->timer);
    }
    if (s->config & CNF_LEGACY)
        for (int i = 0; i < 2; i++)
            irq_set(&s->legacy_out[i], s->legacy_in[i]);
    s->config = 0;
    s->isr = 0;
    s->counter_base = 0;
    s->start = clock_ns();
}

static bool hpet_realize(Device *dev, Machine *m, const DeviceOpts *opts, char *err,
                         size_t errlen)
{
    Hpet *s = (Hpet *)dev;
    (void)opts, (void)err, (void)errlen;
    s->m = m;
    for (int i = 0; i < HPET_TIMERS; i++) {
        s->t[i].hpet = s;
        s->t[i].index = i;
        s->t[i].timer = timer_new(hpet_timer_cb, &s->t[i]);
    }
    for (int i = 0; i < 2; i++) {
        s->legacy_out[i] = m->isa_irq[hpet_legacy_irq[i]];
        m->isa_irq[hpet_legacy_irq[i]] = irq_line(hpet_legacy_input, s, i);
    }
    bus_map_io(m->mem, "hpet", ACPI_HPET_BASE, HPET_MMIO_SIZE, &hpet_mmio_ops, s, 0);
    hpet_reset(dev);
    return true;
}

#define HPET_TIMER_FIELDS(i) \
    SF(SF_U64, Hpet, t[i].config), SF(SF_U64, Hpet, t[i].cmp), \
    SF(SF_U64, Hpet, t[i].period), SF(SF_U64, Hpet, t[i].fsb), SF(SF_BOOL, Hpet, t[i].line_high)

static const StateField hpet_fields[] = {
    SF(SF_U64, Hpet, config), SF(SF_U64, Hpet, isr), SF(SF_U64, Hpet, counter_base),
    SF(SF_I64, Hpet, start), SF_ARRAY(SF_BOOL, Hpet, legacy_in, 2),
    HPET_TIMER_FIELDS(0), HPET_TIMER_FIELDS(1), HPET_TIMER_FIELDS(2),
    SF_END
};

static const StateDesc hpet_state = { "hpet", 1, hpet_fields };

const DeviceClass hpet_class = {
    .name = "hpet",
    .desc = "HPET, 3 timers at 0xFED00000",
    .size = sizeof(Hpet),
    .realize = hpet_realize,
    .reset = hpet_reset,
    .state = &hpet_state,
};

DEVICE_CLASS_REGISTER(hpet_class)
