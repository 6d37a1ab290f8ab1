/*
 * piix3.c - the PIIX3 PCI-to-ISA bridge, function 01.0 (8086:7000):
 * PIRQ routing (PIRQRC[A:D] at 0x60-0x63) of PCI INTx onto ISA IRQs, and
 * the reset control register at port 0xCF9.
 *
 * Invariants (Intel 82371SB datasheet):
 * - A PIRQ reaches ISA IRQ n only while its register has IRQEN# (bit 7)
 *   clear and n is one of the routable IRQs 3-7, 9-12, 14, 15.
 * - The level driven on an ISA line is the OR of every PIRQ routed to it;
 *   the bridge drives only the lines it has asserted (`asserted`), so
 *   rerouting lowers the old line and raises the new one.
 * - Writing 0xCF9 with RST_CPU (bit 2) set requests a machine reset; only
 *   SYS_RST (bit 1) is kept, as reads return it.
 *
 * Also the IDE function 01.1 (8086:7010): legacy-mode channels at
 * 0x1F0/0x3F6 (IRQ 14) and 0x170/0x376 (IRQ 15), decoded whatever IDETIM
 * and the command register say, as QEMU does, and the bus master
 * registers at BMIBA (BAR4, 16 ports: primary channel at +0, secondary at +8).
 */
#include "hw/board.h"
#include "hw/ide.h"

#define PIIX3_PIRQRC 0x60
#define PIIX3_ROUTABLE_IRQS 0xdef8u     /* 3-7, 9-12, 14, 15 */
#define PIIX3_PIRQ_DISABLE 0x80
#define RCR_SYS_RST 0x02
#define RCR_RST_CPU 0x04

typedef struct Piix3State {
    Device dev;
    PCIDevice pci;
    bool pirq_level[PCI_NUM_PINS];
    uint16_t asserted;          /* ISA IRQs this bridge drives high */
    uint8_t rcr;
} Piix3State;

/* Power-on values of the function's registers beyond the header. */
static const struct { uint8_t reg, val; } piix3_defaults[] = {
    { 0x4c, 0x4d }, { 0x4e, 0x03 },
    { 0x60, 0x80 }, { 0x61, 0x80 }, { 0x62, 0x80 }, { 0x63, 0x80 },
    { 0x69, 0x02 }, { 0x70, 0x80 }, { 0x76, 0x0c }, { 0x77, 0x0c }, { 0x78, 0x02 },
    { 0xa0, 0x08 }, { 0xa8, 0x0f },
};

static void piix3_update_isa_irqs(Piix3State *s)
{
    uint16_t level = 0;
    for (int p = 0; p < PCI_NUM_PINS; p++) {
        uint8_t route = s->pci.config[PIIX3_PIRQRC + p];
        unsigned irq = route & 0x0f;
        if (s->pirq_level[p] && !(route & PIIX3_PIRQ_DISABLE) &&
            (PIIX3_ROUTABLE_IRQS & (1u << irq)))
            level |= (uint16_t)(1u << irq);
    }
    uint16_t changed = level ^ s->asserted;
    s->asserted = level;
    for (int irq = 0; irq < 16; irq++)
        if (changed & (1u << irq))
            irq_set(&s->dev.machine->isa_irq[irq], (level >> irq) & 1);
}

static void piix3_set_pirq(void *opaque, int pirq, bool level)
{
    Piix3State *s = opaque;
    s->pirq_level[pirq] = level;
    piix3_update_isa_irqs(s);
}

static void piix3_config_write(PCIDevice *d, uint32_t addr, uint32_t val, unsigned len)
{
    if (addr < PIIX3_PIRQRC + PCI_NUM_PINS && addr + len > PIIX3_PIRQRC)
        piix3_update_isa_irqs(container_of(d, Piix3State, pci));
}

static uint64_t piix3_rcr_read(void *opaque, uint64_t off, unsigned size)
{
    Piix3State *s = opaque;
    return s->rcr;
}

static void piix3_rcr_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    Piix3State *s = opaque;
    if (val & RCR_RST_CPU) {
        machine_request_reset(s->dev.machine);
        return;
    }
    s->rcr = val & RCR_SYS_RST;
}

static const MemOps piix3_rcr_ops = {
    .read = piix3_rcr_read,
    .write = piix3_rcr_write,
    .min_access = 1,
    .max_access = 1,
};

static bool piix3_realize(Device *dev, Machine *m, const DeviceOpts *opts, char *err,
                          size_t errlen)
{
    Piix3State *s = container_of(dev, Piix3State, dev);
    PCIDevice *d = &s->pci;

    pci_device_init(d, "PIIX3", 0x8086, 0x7000, 0x00, 0x060100);
    pci_config_set8(d, PCI_HEADER_TYPE, PCI_HEADER_MULTI_FUNCTION);
    pci_config_set16(d, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    pci_config_set16(d, PCI_STATUS, PCI_STATUS_DEVSEL_MEDIUM);
    for (size_t i = 0; i < ARRAY_SIZE(piix3_defaults); i++)
        pci_config_set8(d, piix3_defaults[i].reg, piix3_defaults[i].val);
    memset(d->wmask + PIIX3_PIRQRC, 0x8f, PCI_NUM_PINS);   /* bits 6:4 reserved */
    d->config_write = piix3_config_write;
    if (!pci_device_plug(m->pci, m, d, PCI_DEVFN(1, 0), err, errlen))
        return false;
    pci_bus_set_pirq_router(m->pci, piix3_set_pirq, s);
    pci_bus_set_cf9_handler(m->pci, &piix3_rcr_ops, s);
    return true;
}

static void piix3_reset(Device *dev)
{
    Piix3State *s = container_of(dev, Piix3State, dev);
    pci_device_reset(&s->pci);
    s->rcr = 0;
    piix3_update_isa_irqs(s);
}

static const StateField piix3_fields[] = {
    SF_ARRAY(SF_BYTES, Piix3State, pci.config, PCI_CONFIG_SPACE_SIZE),
    SF_ARRAY(SF_BOOL, Piix3State, pirq_level, PCI_NUM_PINS),
    SF(SF_U16, Piix3State, asserted),
    SF(SF_U8, Piix3State, rcr),
    SF_END,
};
static const StateDesc piix3_state = { "PIIX3", 1, piix3_fields };

const DeviceClass piix3_device_class = {
    .name = "PIIX3",
    .desc = "PIIX3 PCI-to-ISA bridge",
    .size = sizeof(Piix3State),
    .realize = piix3_realize,
    .reset = piix3_reset,
    .state = &piix3_state,
};
DEVICE_CLASS_REGISTER(piix3_device_class)

/* ---- IDE function ---- */

typedef struct Piix3IdeState {
    Device dev;
    PCIDevice pci;
    IdeBus *channel[2];
} Piix3IdeState;

static const struct { const char *name; uint16_t iobase, ctlbase; int irq; } piix3_ide_channels[2] = {
    { "ide0", 0x1f0, 0x3f6, 14 },
    { "ide1", 0x170, 0x376, 15 },
};

static uint64_t piix3_bm_read(void *opaque, uint64_t off, unsigned size)
{
    Piix3IdeState *s = opaque;
    return ide_bm_read(s->channel[off / 8], (unsigned)off % 8);
}

static void piix3_bm_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    Piix3IdeState *s = opaque;
    ide_bm_write(s->channel[off / 8], (unsigned)off % 8, (uint8_t)val);
}

static const MemOps piix3_bm_ops = {
    .read = piix3_bm_read,
    .write = piix3_bm_write,
    .min_access = 1,
    .max_access = 1,
};

static bool piix3_ide_realize(Device *dev, Machine *m, const DeviceOpts *opts, char *err,
                              size_t errlen)
{
    Piix3IdeState *s = container_of(dev, Piix3IdeState, dev);
    PcBoard *pc = pc_board(m);
    PCIDevice *d = &s->pci;

    pci_device_init(d, "piix3-ide", 0x8086, 0x7010, 0x00, 0x010180);   /* legacy, bus master */
    pci_config_set16(d, PCI_STATUS, PCI_STATUS_DEVSEL_MEDIUM | PCI_STATUS_FAST_BACK);
    pci_device_init_bar(d, 4, PCI_BAR_IO, 16, &piix3_bm_ops, NULL, s);
    if (!pci_device_plug(m->pci, m, d, PCI_DEVFN(1, 1), err, errlen))
        return false;
    for (int c = 0; c < 2; c++) {
        s->channel[c] = ide_bus_new(m, piix3_ide_channels[c].name, piix3_ide_channels[c].iobase,
                                    piix3_ide_channels[c].ctlbase,
                                    m->isa_irq[piix3_ide_channels[c].irq]);
        ide_bus_enable_bm(s->channel[c]);
        for (int unit = 0; unit < 2; unit++)
            ide_bus_attach(s->channel[c], unit, pc->ide_drives[c * 2 + unit],
                           pc->ide_cdrom[c * 2 + unit]);
    }
    return true;
}

static void piix3_ide_reset(Device *dev)
{
    Piix3IdeState *s = container_of(dev, Piix3IdeState, dev);
    pci_device_reset(&s->pci);
    for (int c = 0; c < 2; c++)
        ide_bus_reset(s->channel[c]);
}

const DeviceClass piix3_ide_device_class = {
    .name = "piix3-ide",
    .desc = "PIIX3 IDE controller",
    .size = sizeof(Piix3IdeState),
    .realize = piix3_ide_realize,
    .reset = piix3_ide_reset,
};
DEVICE_CLASS_REGISTER(piix3_ide_device_class)
