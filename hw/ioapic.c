/*
 * ioapic.c - the 82093AA I/O APIC: 24 input pins, each with a 64-bit
 * redirection entry, reached through IOREGSEL (0x00) and IOWIN (0x10) at
 * 0xFEC00000; version 0x11.
 *
 * Model (82093AA datasheet):
 *  - Pins carry logical levels (1 = asserted); polarity is recorded but, as
 *    on QEMU, the board's lines are already active-high.
 *  - Edge: a rising edge on an unmasked pin sends one message. Level: while
 *    the pin is asserted, unmasked and Remote IRR is clear, a message is sent
 *    and Remote IRR set; the local APIC's EOI broadcast of that vector clears
 *    Remote IRR, and a pin still asserted is sent again.
 *  - Messages go to the local APICs through apic_deliver().
 *  - Board wiring (realize): isa_irq[n] of the 8259 (n < 16) becomes a split
 *    to 8259 input n and pin n, except IRQ0 which reaches pin 2 as the MADT
 *    interrupt source override says (as QEMU); isa_irq[16..23] are pins
 *    16..23. So devices created later drive both controllers.
 * Invariant: after every pin, entry or EOI change, ioapic_service() has sent
 * every level pin that is asserted, unmasked and not awaiting its EOI.
 */
#include "kestrel/apic.h"
#include "kestrel/cpu.h"
#include "kestrel/machine.h"
#include "kestrel/memory.h"
#include "kestrel/log.h"

#define IOAPIC_VERSION 0x11u
#define IOAPIC_MMIO_SIZE 0x1000u
#define IOAPIC_REG_ID 0x00
#define IOAPIC_REG_VERSION 0x01
#define IOAPIC_REG_ARB 0x02
#define IOAPIC_REG_REDTBL 0x10

#define RTE_DELIVERY_STATUS (1ull << 12)
#define RTE_REMOTE_IRR (1ull << 14)
#define RTE_LEVEL (1ull << 15)
#define RTE_MASKED (1ull << 16)
#define RTE_RO_BITS (RTE_DELIVERY_STATUS | RTE_REMOTE_IRR)
#define RTE_WRITABLE (0xff000000000000ffull | 0x1af00ull)

typedef struct IoApic {
    Device dev;
    Machine *m;
    uint8_t id;
    uint8_t regsel;
    uint32_t pins;                 /* current input levels */
    uint64_t rte[IOAPIC_NUM_PINS];
    IrqSplit isa_split[16];        /* ISA IRQ n -> 8259 input n and a pin */
} IoApic;

static void ioapic_send(IoApic *s, int pin)
{
    uint64_t e = s->rte[pin];
    ApicMessage msg = {
        .dest = (uint8_t)(e >> 56), .logical = (e >> 11) & 1,
        .delivery = (e >> 8) & 7, .vector = (uint8_t)e,
        .level_trigger = (e & RTE_LEVEL) != 0, .assert_level = true,
    };
    if (msg.level_trigger)
        s->rte[pin] |= RTE_REMOTE_IRR;
    apic_deliver(s->m, NULL, &msg);
}

static bool ioapic_level_ready(const IoApic *s, int pin)
{
    uint64_t e = s->rte[pin];
    return (s->pins >> pin & 1) && (e & RTE_LEVEL) && !(e & (RTE_MASKED | RTE_REMOTE_IRR));
}

static void ioapic_service(IoApic *s)
{
    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++)
        if (ioapic_level_ready(s, pin))
            ioapic_send(s, pin);
}

/* IrqHandler of pin n. */
static void ioapic_set_pin(void *opaque, int n, int level)
{
    IoApic *s = opaque;
    uint32_t bit = 1u << n;
    bool rising = level && !(s->pins & bit);

    s->pins = level ? s->pins | bit : s->pins & ~bit;
    if (s->rte[n] & RTE_LEVEL)
        ioapic_service(s);
    else if (rising && !(s->rte[n] & RTE_MASKED))
        ioapic_send(s, n);
}

/* EOI broadcast from a local APIC. */
static void ioapic_eoi(void *opaque, uint8_t vector)
{
    IoApic *s = opaque;
    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++)
        if ((uint8_t)s->rte[pin] == vector)
            s->rte[pin] &= ~RTE_REMOTE_IRR;
    ioapic_service(s);
}

static uint32_t ioapic_read_reg(IoApic *s)
{
    unsigned r = s->regsel;
    if (r >= IOAPIC_REG_REDTBL && r < IOAPIC_REG_REDTBL + 2 * IOAPIC_NUM_PINS) {
        uint64_t e = s->rte[(r - IOAPIC_REG_REDTBL) / 2];
        return (uint32_t)(r & 1 ? e >> 32 : e);
    }
    switch (r) {
    case IOAPIC_REG_ID:
    case IOAPIC_REG_ARB:
        return (uint32_t)s->id << 24;
    case IOAPIC_REG_VERSION:
        return (IOAPIC_NUM_PINS - 1) << 16 | IOAPIC_VERSION;
    default:
        return 0;
    }
}

static void ioapic_write_reg(IoApic *s, uint32_t v)
{
    unsigned r = s->regsel;
    if (r == IOAPIC_REG_ID) {
        s->id = (v >> 24) & 0xf;
        return;
    }
    if (r < IOAPIC_REG_REDTBL || r >= IOAPIC_REG_REDTBL + 2 * IOAPIC_NUM_PINS)
        return;                         /* version, arbitration: read-only */
    int pin = (int)(r - IOAPIC_REG_REDTBL) / 2;
    int shift = r & 1 ? 32 : 0;
    uint64_t e = deposit64(s->rte[pin], shift, 32, v);
    s->rte[pin] = (s->rte[pin] & RTE_RO_BITS) | (e & RTE_WRITABLE);
    if (!(s->rte[pin] & RTE_LEVEL))
        s->rte[pin] &= ~RTE_REMOTE_IRR;
    ioapic_service(s);
}

static uint64_t ioapic_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    IoApic *s = opaque;
    (void)size;
    switch (offset) {
    case 0x00: return s->regsel;
    case 0x10: return ioapic_read_reg(s);
    default: return 0;
    }
}

static void ioapic_mmio_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    IoApic *s = opaque;
    (void)size;
    switch (offset) {
    case 0x00:
        s->regsel = (uint8_t)value;
        break;
    case 0x10:
        ioapic_write_reg(s, (uint32_t)value);
        break;
    default:
        break;
    }
}

static const MemOps ioapic_mmio_ops = {
    .read = ioapic_mmio_read, .write = ioapic_mmio_write, .min_access = 4, .max_access = 4,
};

IrqLine ioapic_pin(Device *dev, int pin)
{
    assert(pin >= 0 && pin < IOAPIC_NUM_PINS);
    return irq_line(ioapic_set_pin, dev, pin);
}

static void ioapic_wire_isa(IoApic *s, Machine *m)
{
    for (int i = 0; i < IOAPIC_NUM_PINS; i++) {
        IrqLine pin = ioapic_pin(&s->dev, i == 0 ? 2 : i);
        if (i >= 16) {
            m->isa_irq[i] = pin;
            continue;
        }
        s->isa_split[i] = (IrqSplit){ { m->isa_irq[i], pin }, 2 };
        m->isa_irq[i] = irq_line(irq_split_handler, &s->isa_split[i], i);
    }
}

static void ioapic_reset(Device *dev)
{
    IoApic *s = (IoApic *)dev;
    s->id = 0;
    s->regsel = 0;
    for (int i = 0; i < IOAPIC_NUM_PINS; i++)
        s->rte[i] = RTE_MASKED;
}

static bool ioapic_realize(Device *dev, Machine *m, const DeviceOpts *opts,
                           char *err, size_t errlen)
{
    IoApic *s = (IoApic *)dev;
    (void)opts, (void)err, (void)errlen;
    s->m = m;
    bus_map_io(m->mem, "ioapic", IOAPIC_DEFAULT_BASE, IOAPIC_MMIO_SIZE, &ioapic_mmio_ops, s, 1);
    for (int i = 0; i < m->ncpus; i++)
        if (m->cpus[i] && m->cpus[i]->apic)
            apic_set_eoi_handler(m->cpus[i]->apic, ioapic_eoi, s);
    ioapic_wire_isa(s, m);
    ioapic_reset(dev);
    return true;
}

static const StateField ioapic_fields[] = {
    SF(SF_U8, IoApic, id), SF(SF_U8, IoApic, regsel), SF(SF_U32, IoApic, pins),
    SF_ARRAY(SF_U64, IoApic, rte, IOAPIC_NUM_PINS),
    SF_END
};

static const StateDesc ioapic_state = { "ioapic", 1, ioapic_fields };

const DeviceClass ioapic_class = {
    .name = "ioapic",
    .desc = "82093AA I/O APIC, 24 pins at 0xFEC00000",
    .size = sizeof(IoApic),
    .realize = ioapic_realize,
    .reset = ioapic_reset,
    .state = &ioapic_state,
};

DEVICE_CLASS_REGISTER(ioapic_class)
