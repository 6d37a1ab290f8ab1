/*
 * i8259.c - the PC's pair of 8259A programmable interrupt controllers
 * (master at 0x20/0x21, slave at 0xA0/0xA1 cascaded on master IR2) and
 * the PIIX edge/level control registers (ELCR, 0x4D0/0x4D1).
 *
 * Model (Intel 8259A datasheet):
 *  - IRR latches requests: on a rising input edge in edge mode, while the
 *    input is high in level mode (ELCR bit or ICW1.LTIM). `inputs` keeps
 *    the last level of each pin for edge detection.
 *  - Priorities rotate: `lowest` is the IR with the lowest priority, so
 *    IR (lowest + 1) & 7 has the highest.
 *  - The INTA cycle (i8259_ack, installed as the CPU's interrupt source)
 *    moves the highest request from IRR to ISR (unless auto-EOI) and
 *    returns the vector. A request that vanished before INTA yields the
 *    spurious vector of IR7 (IR15 on the slave) with no ISR bit set.
 *  - The slave's INT output is the level of master input 2.
 * Invariant: after every state change pic_update() has recomputed the
 * slave->master cascade and the CPU's INTR request.
 */
#include "kestrel/machine.h"
#include "kestrel/isa.h"
#include "kestrel/cpu.h"
#include "kestrel/log.h"

enum { PIC_MASTER, PIC_SLAVE };

#define PIC_CASCADE_IR 2
#define PIC_NO_IRQ 8      /* "priority" of an empty mask */

/* Bits of the ELCR that may be set: IRQ0/1/2 and IRQ8/13 are always edge. */
static const uint8_t pic_elcr_mask[2] = { 0xF8, 0xDE };

typedef struct PicChip {
    uint8_t irr, isr, imr;
    uint8_t inputs;           /* current level of the IR pins */
    uint8_t elcr;             /* level-triggered pins (PIIX ELCR) */
    uint8_t vector_base;      /* ICW2 & 0xF8 */
    uint8_t lowest;           /* IR with the lowest priority */
    uint8_t init_step;        /* 0: operational; 1..3: expecting ICW2..ICW4 */
    uint8_t icw4_needed, single, ltim;
    uint8_t auto_eoi, rotate_auto_eoi, special_nested;
    uint8_t read_isr, poll, special_mask;
} PicChip;

typedef struct I8259 {
    Device dev;
    PicChip chip[2];
    Machine *m;
} I8259;

/* Priority level (0 = highest) of the best bit of mask, PIC_NO_IRQ if none. */
static int pic_priority(const PicChip *c, uint8_t mask)
{
    for (int p = 0; p < 8; p++) {
        if (mask & (1u << ((p + c->lowest + 1) & 7)))
            return p;
    }
    return PIC_NO_IRQ;
}

static int pic_irq_of(const PicChip *c, int priority)
{
    return (priority + c->lowest + 1) & 7;
}

/* The IR this chip would signal now, or -1. */
static int pic_pending(const PicChip *c, bool is_master)
{
    int req = pic_priority(c, c->irr & ~c->imr);
    uint8_t in_service = c->isr;

    if (req == PIC_NO_IRQ)
        return -1;
    if (c->special_mask)
        in_service &= ~c->imr;
    /* Special fully nested: the slave may interrupt its own service. */
    if (is_master && c->special_nested)
        in_service &= ~(1u << PIC_CASCADE_IR);
    return req < pic_priority(c, in_service) ? pic_irq_of(c, req) : -1;
}

static uint8_t pic_level_mask(const PicChip *c)
{
    return c->ltim ? 0xFF : c->elcr;
}

/* A level-triggered request is in IRR exactly while its input is high. */
static void pic_sync_levels(PicChip *c)
{
    uint8_t level = pic_level_mask(c);

    c->irr = (c->irr & ~level) | (c->inputs & level);
}

static void pic_set_input(PicChip *c, int irq, int level)
{
    uint8_t bit = 1u << irq;

    if (level) {
        if (!(c->inputs & bit))
            c->irr |= bit;
        c->inputs |= bit;
    } else {
        c->inputs &= ~bit;
    }
    pic_sync_levels(c);
}

static void pic_update(I8259 *s)
{
    CPUX86State *cpu = s->m->cpus[0];

    pic_sync_levels(&s->chip[PIC_SLAVE]);
    pic_set_input(&s->chip[PIC_MASTER], PIC_CASCADE_IR,
                  pic_pending(&s->chip[PIC_SLAVE], false) >= 0);
    if (!cpu)
        return;
    /* Re-raised on every update: the CPU may clear the bit when it acks. */
    if (pic_pending(&s->chip[PIC_MASTER], true) >= 0)
        cpu_interrupt(cpu, CPU_INTERRUPT_HARD);
    else
        cpu_reset_interrupt(cpu, CPU_INTERRUPT_HARD);
}

/* IrqHandler for m->isa_irq[0..15]. */
static void pic_irq_handler(void *opaque, int n, int level)
{
    I8259 *s = opaque;

    pic_set_input(&s->chip[n >> 3], n & 7, level);
    pic_update(s);
}

/* First half of an INTA (or a poll): IRR -> ISR for irq. */
static void pic_accept(PicChip *c, int irq)
{
    uint8_t bit = 1u << irq;

    if (c->auto_eoi) {
        if (c->rotate_auto_eoi)
            c->lowest = irq;
    } else {
        c->isr |= bit;
    }
    c->irr &= ~bit;
    pic_sync_levels(c);    /* a level request stays while its input is high */
}

/* Vector of the chip's current request, accepting it; spurious IR7 if none. */
static int pic_chip_ack(PicChip *c, bool is_master)
{
    int irq = pic_pending(c, is_master);

    if (irq < 0)
        return c->vector_base | 7;
    pic_accept(c, irq);
    return c->vector_base | irq;
}

/* The INTA cycle, called by the CPU with the machine lock held. */
static int i8259_ack(void *opaque)
{
    I8259 *s = opaque;
    PicChip *master = &s->chip[PIC_MASTER];
    int irq = pic_pending(master, true);
    int vector;

    if (irq == PIC_CASCADE_IR) {
        pic_accept(master, irq);
        vector = pic_chip_ack(&s->chip[PIC_SLAVE], false);
    } else {
        vector = pic_chip_ack(master, true);
    }
    log_mask_printf(LOG_INT, "i8259: INTA -> vector 0x%02x\n", vector);
    pic_update(s);
    return vector;
}

/*
 * Power-on / ICW1 state. The ELCR belongs to the chipset and the input
 * levels to the devices: both survive, so an input already high must go
 * low and high again before an edge request latches (edge sense reset).
 */
static void pic_chip_init(PicChip *c)
{
    uint8_t elcr = c->elcr, inputs = c->inputs;

    memset(c, 0, sizeof(*c));
    c->elcr = elcr;
    c->inputs = inputs;
    c->lowest = 7;
}

static void pic_write_icw1(PicChip *c, uint8_t val)
{
    pic_chip_init(c);
    c->icw4_needed = val & 0x01;
    c->single = val & 0x02;
    c->ltim = (val & 0x08) != 0;
    c->init_step = 1;
    if (!(val & 0x01))
        log_unimp("i8259: ICW1 without ICW4 (8080 mode) treated as x86 mode\n");
}

static void pic_write_ocw2(PicChip *c, uint8_t val)
{
    int irq = val & 7;
    int top;

    switch (val >> 5) {
    case 0: /* rotate in auto-EOI mode: clear */
    case 4: /* set */
        c->rotate_auto_eoi = val >> 7;
        break;
    case 1: /* non-specific EOI */
    case 5: /* rotate on non-specific EOI */
        top = pic_priority(c, c->isr);
        if (top == PIC_NO_IRQ)
            break;
        irq = pic_irq_of(c, top);
        c->isr &= ~(1u << irq);
        if (val & 0x80)
            c->lowest = irq;
        break;
    case 3: /* specific EOI */
        c->isr &= ~(1u << irq);
        break;
    case 6: /* set priority */
        c->lowest = irq;
        break;
    case 7: /* rotate on specific EOI */
        c->isr &= ~(1u << irq);
        c->lowest = irq;
        break;
    default: /* 2: no operation */
        break;
    }
}

static void pic_write_ocw3(PicChip *c, uint8_t val)
{
    if (val & 0x04)
        c->poll = 1;
    if (val & 0x02)
        c->read_isr = val & 0x01;
    if (val & 0x40)
        c->special_mask = (val >> 5) & 1;
}

static void pic_write_data(PicChip *c, uint8_t val)
{
    switch (c->init_step) {
    case 0: /* OCW1 */
        c->imr = val;
        break;
    case 1: /* ICW2 */
        c->vector_base = val & 0xF8;
        c->init_step = c->single ? (c->icw4_needed ? 3 : 0) : 2;
        break;
    case 2: /* ICW3: the cascade wiring is fixed on a PC */
        c->init_step = c->icw4_needed ? 3 : 0;
        break;
    default: /* ICW4 */
        c->special_nested = (val >> 4) & 1;
        c->auto_eoi = (val >> 1) & 1;
        c->init_step = 0;
        break;
    }
}

/*
 * Poll command: an INTA without the vector; bit 7 says "request found".
 * On a cascade the master answers 2 and software then polls the slave.
 */
static uint8_t pic_poll(I8259 *s, int which)
{
    PicChip *c = &s->chip[which];
    int irq = pic_pending(c, which == PIC_MASTER);

    c->poll = 0;
    if (irq < 0)
        return 0;
    pic_accept(c, irq);
    return 0x80 | irq;
}

static uint64_t pic_read(I8259 *s, int which, uint64_t offset)
{
    PicChip *c = &s->chip[which];
    uint8_t val;

    if (c->poll)
        val = pic_poll(s, which);
    else if (offset == 0)
        val = c->read_isr ? c->isr : c->irr;
    else
        val = c->imr;
    pic_update(s);
    return val;
}

static void pic_write(I8259 *s, int which, uint64_t offset, uint8_t val)
{
    PicChip *c = &s->chip[which];

    if (offset == 1)
        pic_write_data(c, val);
    else if (val & 0x10)
        pic_write_icw1(c, val);
    else if (val & 0x08)
        pic_write_ocw3(c, val);
    else
        pic_write_ocw2(c, val);
    pic_update(s);
}

static uint64_t pic_master_read(void *opaque, uint64_t offset, unsigned size)
{
    return pic_read(opaque, PIC_MASTER, offset);
}

static uint64_t pic_slave_read(void *opaque, uint64_t offset, unsigned size)
{
    return pic_read(opaque, PIC_SLAVE, offset);
}

static void pic_master_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    pic_write(opaque, PIC_MASTER, offset, (uint8_t)value);
}

static void pic_slave_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    pic_write(opaque, PIC_SLAVE, offset, (uint8_t)value);
}

static uint64_t elcr_read(void *opaque, uint64_t offset, unsigned size)
{
    I8259 *s = opaque;

    return s->chip[offset].elcr;
}

static void elcr_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    I8259 *s = opaque;

    s->chip[offset].elcr = value & pic_elcr_mask[offset];
    pic_update(s);
}

static const MemOps pic_master_ops = { pic_master_read, pic_master_write, 1, 1 };
static const MemOps pic_slave_ops = { pic_slave_read, pic_slave_write, 1, 1 };
static const MemOps elcr_ops = { elcr_read, elcr_write, 1, 1 };

static void i8259_reset(Device *dev)
{
    I8259 *s = (I8259 *)dev;

    for (int i = 0; i < 2; i++) {
        s->chip[i].elcr = 0;
        pic_chip_init(&s->chip[i]);
    }
    pic_update(s);
}

static bool i8259_realize(Device *dev, Machine *m, const DeviceOpts *opts,
                          char *err, size_t errlen)
{
    I8259 *s = (I8259 *)dev;

    s->m = m;
    bus_map_io(m->io, "pic-master", 0x20, 2, &pic_master_ops, s, 0);
    bus_map_io(m->io, "pic-slave", 0xA0, 2, &pic_slave_ops, s, 0);
    bus_map_io(m->io, "elcr", 0x4D0, 2, &elcr_ops, s, 0);
    for (int i = 0; i < 16; i++)
        m->isa_irq[i] = irq_line(pic_irq_handler, s, i);
    if (m->cpus[0])
        cpu_set_intr_source(m->cpus[0], i8259_ack, s);
    return true;
}

#define PIC_FIELDS(i) \
    SF(SF_U8, I8259, chip[i].irr), SF(SF_U8, I8259, chip[i].isr), \
    SF(SF_U8, I8259, chip[i].imr), SF(SF_U8, I8259, chip[i].inputs), \
    SF(SF_U8, I8259, chip[i].elcr), SF(SF_U8, I8259, chip[i].vector_base), \
    SF(SF_U8, I8259, chip[i].lowest), SF(SF_U8, I8259, chip[i].init_step), \
    SF(SF_U8, I8259, chip[i].icw4_needed), SF(SF_U8, I8259, chip[i].single), \
    SF(SF_U8, I8259, chip[i].ltim), SF(SF_U8, I8259, chip[i].auto_eoi), \
    SF(SF_U8, I8259, chip[i].rotate_auto_eoi), SF(SF_U8, I8259, chip[i].special_nested), \
    SF(SF_U8, I8259, chip[i].read_isr), SF(SF_U8, I8259, chip[i].poll), \
    SF(SF_U8, I8259, chip[i].special_mask)

static const StateField i8259_fields[] = {
    PIC_FIELDS(0),
    PIC_FIELDS(1),
    SF_END
};

static const StateDesc i8259_state = { "i8259", 1, i8259_fields };

const DeviceClass i8259_class = {
    .name = "i8259",
    .desc = "8259A interrupt controller pair with ELCR",
    .size = sizeof(I8259),
    .realize = i8259_realize,
    .reset = i8259_reset,
    .state = &i8259_state,
};

DEVICE_CLASS_REGISTER(i8259_class)
