/*
 * piix4_pm.c - the power-management function of the PIIX4, 00:01.3
 * (8086:7113, rev 03), as the ACPI hardware of the PC: the PM1a event and
 * control registers, the 24-bit PM timer and GPE0 in the I/O block at
 * PMBASE (config 0x40, enabled by PMIOSE, config 0x80 bit 0), GPE0, the SCI on
 * ISA IRQ 9, and the APM ports 0xB2/0xB3 that switch ACPI mode.
 *
 * I/O block (82371AB datasheet 11.2, ACPI 1.0 fixed hardware):
 *   +00 PM1a_STS (W1C)  TMROF 0, GBL 5, PWRBTN 8, RTC 10, WAK 15
 *   +02 PM1a_EN         the same bits enable the SCI
 *   +04 PM1a_CNT        SCI_EN 0, SLP_TYP 12:10, SLP_EN 13 (write-only)
 *   +08 PM_TMR          3.579545 MHz, 24 bits, from the virtual clock
 * GPE0 is a separate 4-byte block at ACPI_GPE0_BASE (as QEMU's PIIX4):
 *   +00 GPE0_STS (W1C), +02 GPE0_EN
 * SLP_EN with SLP_TYP 0 is soft-off (S5) as on QEMU's PIIX4 (the DSDT's
 * \_S5 says 0): the machine exits with status 0. Reset goes through port
 * 0xCF9 (PIIX3 function), named by the FADT.
 * There is no SMM: APMC writes of ACPI_ENABLE (0xF1) / ACPI_DISABLE (0xF0)
 * set / clear SCI_EN directly, and DEVACTB's APMC_EN reads as set, so the
 * BIOS does not wait for an SMI that never comes (as QEMU without SMM).
 * Invariant: the SCI level is (PM1_STS & PM1_EN) | (GPE0_STS & GPE0_EN)
 * after every change; the overflow Timer is armed for the next toggle of
 * timer bit 23.
 */
#include "kestrel/acpi.h"
#include "kestrel/machine.h"
#include "kestrel/pci.h"
#include "kestrel/timer.h"
#include "kestrel/log.h"

#define PM_TIMER_HZ 3579545ULL
#define PM_TIMER_BITS 24
#define PM_IO_SIZE 64

#define CFG_PMBA 0x40
#define CFG_DEVACTB 0x58
#define CFG_PMREGMISC 0x80
#define DEVACTB_APMC_EN (1u << 25)

/* Offsets in the PM block; GPE0 registers are placed after it in this numbering. */
enum { PM1_STS = 0x00, PM1_EN = 0x02, PM1_CNT = 0x04, PM_TMR = 0x08, GPE0_STS = PM_IO_SIZE,
       GPE0_EN = PM_IO_SIZE + 2 };
#define GPE0_SIZE 4

#define STS_TMROF (1u << 0)
#define STS_WAK (1u << 15)
#define PM1_EVENTS 0x0521u          /* TMROF, GBL, PWRBTN, RTC */
#define CNT_SCI_EN (1u << 0)
#define CNT_SLP_EN (1u << 13)
#define CNT_WRITABLE 0x1c07u        /* SCI_EN, BM_RLD, GBL_RLS, SLP_TYP */

typedef struct Piix4Pm {
    Device dev;
    PCIDevice pci;
    MemRegion *io;              /* the PM block while PMIOSE is set */
    Timer *overflow;
    uint16_t pm1_sts, pm1_en, pm1_cnt;
    uint16_t gpe_sts, gpe_en;
    uint8_t apmc, apms;
    bool sci;
} Piix4Pm;

static uint32_t pm_timer(void)
{
    return (uint32_t)ns_to_ticks(clock_ns(), PM_TIMER_HZ) & ((1u << PM_TIMER_BITS) - 1);
}

static void pm_update_sci(Piix4Pm *s)
{
    bool level = (s->pm1_sts & s->pm1_en & PM1_EVENTS) || (s->gpe_sts & s->gpe_en);
    if (level != s->sci) {
        s->sci = level;
        irq_set(&s->dev.machine->isa_irq[ACPI_SCI_IRQ], level);
    }
}

static void pm_arm_overflow(Piix4Pm *s)
{
    uint64_t half = 1ull << (PM_TIMER_BITS - 1);
    uint64_t next = (ns_to_ticks(clock_ns(), PM_TIMER_HZ) / half + 1) * half;
    int64_t ns = ticks_to_ns(next, PM_TIMER_HZ);
    if (ns_to_ticks(ns, PM_TIMER_HZ) < next)
        ns++;                           /* the first ns at which `next` ticks have elapsed */
    timer_mod(s->overflow, ns);
}

static void pm_overflow_cb(void *opaque)
{
    Piix4Pm *s = opaque;
    s->pm1_sts |= STS_TMROF;
    pm_update_sci(s);
    pm_arm_overflow(s);
}

static void pm_sleep(Piix4Pm *s, unsigned typ)
{
    if (typ == 0) {
        machine_request_exit(s->dev.machine, MACHINE_EXIT_SHUTDOWN, 0);
        return;
    }
    log_unimp("ACPI sleep type %u (only S5 soft-off is emulated)\n", typ);
}

static uint16_t *pm_reg16(Piix4Pm *s, unsigned off)
{
    switch (off & ~1u) {
    case PM1_STS: return &s->pm1_sts;
    case PM1_EN: return &s->pm1_en;
    case PM1_CNT: return &s->pm1_cnt;
    case GPE0_STS: return &s->gpe_sts;
    case GPE0_EN: return &s->gpe_en;
    default: return NULL;
    }
}

static uint8_t pm_read_byte(Piix4Pm *s, unsigned off, uint32_t tmr)
{
    if (off >= PM_TMR && off < PM_TMR + 4)
        return (uint8_t)(tmr >> (8 * (off - PM_TMR)));
    uint16_t *r = pm_reg16(s, off);
    return r ? (uint8_t)(*r >> (8 * (off & 1))) : 0;
}

static void pm_write_byte(Piix4Pm *s, unsigned off, uint8_t v)
{
    uint16_t *r = pm_reg16(s, off);
    unsigned shift = 8 * (off & 1);
    uint16_t bits = (uint16_t)(v << shift);

    if (!r)
        return;                         /* PM_TMR is read-only, the rest reserved */
    switch (off & ~1u) {
    case PM1_STS:
    case GPE0_STS:
        *r &= ~bits;
        break;
    case PM1_CNT: {
        uint16_t mask = (uint16_t)(CNT_WRITABLE & (0xffu << shift));
        *r = (*r & ~mask) | (bits & mask);
        if (bits & CNT_SLP_EN)
            pm_sleep(s, (*r >> 10) & 7);
        break;
    }
    default:
        *r = (uint16_t)((*r & ~(0xffu << shift)) | bits);
        break;
    }
    pm_update_sci(s);
}

static uint64_t pm_io_read(void *opaque, uint64_t offset, unsigned size)
{
    Piix4Pm *s = opaque;
    uint32_t tmr = pm_timer();
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)pm_read_byte(s, (unsigned)offset + i, tmr) << (8 * i);
    return v;
}

static void pm_io_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    Piix4Pm *s = opaque;
    for (unsigned i = 0; i < size; i++)
        pm_write_byte(s, (unsigned)offset + i, (uint8_t)(value >> (8 * i)));
}

static const MemOps pm_io_ops = {
    .read = pm_io_read, .write = pm_io_write, .min_access = 1, .max_access = 4,
};

static uint64_t pm_gpe_read(void *opaque, uint64_t offset, unsigned size)
{
    return pm_io_read(opaque, GPE0_STS + offset, size);
}

static void pm_gpe_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    pm_io_write(opaque, GPE0_STS + offset, value, size);
}

static const MemOps pm_gpe_ops = {
    .read = pm_gpe_read, .write = pm_gpe_write, .min_access = 1, .max_access = 4,
};

/* APMC (0xB2) and APMS (0xB3). */
static uint64_t pm_apm_read(void *opaque, uint64_t offset, unsigned size)
{
    Piix4Pm *s = opaque;
    (void)size;
    return offset ? s->apms : s->apmc;
}

static void pm_apm_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    Piix4Pm *s = opaque;
    (void)size;
    if (offset) {
        s->apms = (uint8_t)value;
        return;
    }
    s->apmc = (uint8_t)value;
    if (value == ACPI_ENABLE_VALUE)
        s->pm1_cnt |= CNT_SCI_EN;
    else if (value == ACPI_DISABLE_VALUE)
        s->pm1_cnt &= ~CNT_SCI_EN;
}

static const MemOps pm_apm_ops = {
    .read = pm_apm_read, .write = pm_apm_write, .min_access = 1, .max_access = 1,
};

/* Maps the PM block where PMBA says while PMIOSE is set. */
static void pm_map_io(Piix4Pm *s)
{
    Machine *m = s->dev.machine;
    uint32_t base = ld32_le(s->pci.config + CFG_PMBA) & 0xffc0u;
    bool on = s->pci.config[CFG_PMREGMISC] & 1;

    if (s->io) {
        bus_unmap(m->io, s->io);
        s->io = NULL;
    }
    if (on)
        s->io = bus_map_io(m->io, "piix4-pm", base, PM_IO_SIZE, &pm_io_ops, s, 0);
}

static void pm_config_write(PCIDevice *d, uint32_t addr, uint32_t val, unsigned len)
{
    (void)val;
    bool pmba = addr < CFG_PMBA + 4 && addr + len > CFG_PMBA;
    bool misc = addr <= CFG_PMREGMISC && addr + len > CFG_PMREGMISC;
    if (pmba || misc)
        pm_map_io(container_of(d, Piix4Pm, pci));
}

static void pm_reset(Device *dev)
{
    Piix4Pm *s = container_of(dev, Piix4Pm, dev);
    pci_device_reset(&s->pci);
    s->pm1_sts = s->pm1_en = s->pm1_cnt = 0;
    s->gpe_sts = s->gpe_en = 0;
    s->apmc = s->apms = 0;
    pm_map_io(s);
    pm_update_sci(s);
    pm_arm_overflow(s);
}

static bool pm_realize(Device *dev, Machine *m, const DeviceOpts *opts, char *err,
                       size_t errlen)
{
    Piix4Pm *s = container_of(dev, Piix4Pm, dev);
    PCIDevice *d = &s->pci;
    (void)opts;

    pci_device_init(d, "PIIX4_PM", 0x8086, 0x7113, 0x03, 0x068000);
    pci_config_set16(d, PCI_STATUS, PCI_STATUS_DEVSEL_MEDIUM | PCI_STATUS_FAST_BACK);
    pci_config_set8(d, PCI_INTERRUPT_PIN, 1);
    pci_config_set32(d, CFG_PMBA, 1);                   /* I/O space indicator */
    pci_config_set32(d, CFG_DEVACTB, DEVACTB_APMC_EN);  /* no SMM to initialize */
    st32_le(d->wmask + CFG_PMBA, 0xffc0u);
    memset(d->wmask + CFG_DEVACTB, 0, 4);
    d->config_write = pm_config_write;
    if (!pci_device_plug(m->pci, m, d, PCI_DEVFN(1, 3), err, errlen))
        return false;
    s->overflow = timer_new(pm_overflow_cb, s);
    bus_map_io(m->io, "apm", ACPI_SMI_CMD_PORT, 2, &pm_apm_ops, s, 0);
    bus_map_io(m->io, "acpi-gpe0", ACPI_GPE0_BASE, GPE0_SIZE, &pm_gpe_ops, s, 0);
    return true;
}

static const StateField pm_fields[] = {
    SF_ARRAY(SF_BYTES, Piix4Pm, pci.config, PCI_CONFIG_SPACE_SIZE),
    SF(SF_U16, Piix4Pm, pm1_sts), SF(SF_U16, Piix4Pm, pm1_en), SF(SF_U16, Piix4Pm, pm1_cnt),
    SF(SF_U16, Piix4Pm, gpe_sts), SF(SF_U16, Piix4Pm, gpe_en),
    SF(SF_U8, Piix4Pm, apmc), SF(SF_U8, Piix4Pm, apms), SF(SF_BOOL, Piix4Pm, sci),
    SF_END
};

static const StateDesc pm_state = { "PIIX4_PM", 1, pm_fields };

const DeviceClass piix4_pm_class = {
    .name = "PIIX4_PM",
    .desc = "PIIX4 ACPI power management (00:01.3)",
    .size = sizeof(Piix4Pm),
    .realize = pm_realize,
    .reset = pm_reset,
    .state = &pm_state,
};

DEVICE_CLASS_REGISTER(piix4_pm_class)
