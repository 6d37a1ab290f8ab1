/*
 * i440fx.c - the i440FX PCI and memory controller (PMC), function 00.0
 * (8086:1237): PAM shadowing of 0xC0000-0xFFFFF and the SMRAM register.
 *
 * PAM (Intel 82441FX datasheet, PAM0-PAM6 at 0x59-0x5F): 13 segments, the
 * 64 KiB BIOS segment 0xF0000 (PAM0 bits 5:4) and twelve 16 KiB segments
 * from 0xC0000 (low nibble of PAM1 = 0xC0000, high nibble = 0xC4000, ...).
 * In each nibble bit 0 (RE) sends reads to DRAM and bit 1 (WE) writes;
 * otherwise the cycle goes to PCI, where the board's ROM contents live.
 * Each segment is one bus region above RAM (priority 1), rebuilt when its
 * mode changes:
 *   0  read ROM,  write nowhere  -> the ROM contents, REGION_READONLY
 *   1  read RAM,  write nowhere  -> guest RAM, REGION_READONLY
 *   2  read ROM,  write RAM      -> I/O callbacks
 *   3  read RAM,  write RAM      -> guest RAM
 * SMRAM (0x72) is a plain register: no SMM yet, so D_OPEN maps nothing.
 */
#include "hw/board.h"

#define I440FX_PAM0 0x59
#define I440FX_PAM_END 0x60
#define I440FX_SMRAM 0x72
#define PAM_PRIORITY 1
#define PAM_SEGMENTS 13

typedef struct PamSegment {
    struct I440fxState *s;
    uint32_t base, size;
    uint8_t reg, shift;
    int mode;                   /* -1: not mapped yet */
    MemRegion *region;
} PamSegment;

typedef struct I440fxState {
    Device dev;
    PCIDevice pci;
    PamSegment pam[PAM_SEGMENTS];
} I440fxState;

/* PAM register and nibble of each segment (datasheet table 3-5). */
static const struct { uint32_t base, size; uint8_t reg, shift; } pam_layout[PAM_SEGMENTS] = {
    { 0xf0000, 0x10000, 0x59, 4 },
    { 0xc0000, 0x4000, 0x5a, 0 }, { 0xc4000, 0x4000, 0x5a, 4 },
    { 0xc8000, 0x4000, 0x5b, 0 }, { 0xcc000, 0x4000, 0x5b, 4 },
    { 0xd0000, 0x4000, 0x5c, 0 }, { 0xd4000, 0x4000, 0x5c, 4 },
    { 0xd8000, 0x4000, 0x5d, 0 }, { 0xdc000, 0x4000, 0x5d, 4 },
    { 0xe0000, 0x4000, 0x5e, 0 }, { 0xe4000, 0x4000, 0x5e, 4 },
    { 0xe8000, 0x4000, 0x5f, 0 }, { 0xec000, 0x4000, 0x5f, 4 },
};

static uint8_t *pam_rom(PamSegment *seg)
{
    return pc_board(seg->s->dev.machine)->legacy_rom + (seg->base - PC_LEGACY_ROM_BASE);
}

static uint8_t *pam_ram(PamSegment *seg)
{
    return seg->s->dev.machine->ram + seg->base;
}

/* Mode 2: reads from ROM, writes to RAM. */
static uint64_t pam_wo_read(void *opaque, uint64_t off, unsigned size)
{
    const uint8_t *p = pam_rom(opaque) + off;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void pam_wo_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    uint8_t *p = pam_ram(opaque) + off;
    for (unsigned i = 0; i < size; i++)
        p[i] = (uint8_t)(val >> (8 * i));
}

static const MemOps pam_wo_ops = {
    .read = pam_wo_read,
    .write = pam_wo_write,
    .min_access = 1,
    .max_access = 8,
};

static void pam_map(PamSegment *seg, int mode)
{
    Bus *mem = seg->s->dev.machine->mem;

    if (seg->region)
        bus_unmap(mem, seg->region);
    switch (mode) {
    case 0:
        seg->region = bus_map_ram(mem, "pam-rom", seg->base, seg->size, pam_rom(seg),
                                  REGION_READONLY, PAM_PRIORITY);
        break;
    case 1:
        seg->region = bus_map_ram(mem, "pam-ram-ro", seg->base, seg->size, pam_ram(seg),
                                  REGION_READONLY, PAM_PRIORITY);
        break;
    case 2:
        seg->region = bus_map_io(mem, "pam-wo", seg->base, seg->size, &pam_wo_ops, seg,
                                 PAM_PRIORITY);
        break;
    default:
        seg->region = bus_map_ram(mem, "pam-ram", seg->base, seg->size, pam_ram(seg), 0,
                                  PAM_PRIORITY);
        break;
    }
    seg->mode = mode;
}

static void i440fx_pam_update(I440fxState *s)
{
    for (int i = 0; i < PAM_SEGMENTS; i++) {
        PamSegment *seg = &s->pam[i];
        int mode = (s->pci.config[seg->reg] >> seg->shift) & 3;
        if (mode != seg->mode)
            pam_map(seg, mode);
    }
}

static void i440fx_config_write(PCIDevice *d, uint32_t addr, uint32_t val, unsigned len)
{
    I440fxState *s = container_of(d, I440fxState, pci);
    if (addr < I440FX_PAM_END && addr + len > I440FX_PAM0)
        i440fx_pam_update(s);
}

static bool i440fx_realize(Device *dev, Machine *m, const DeviceOpts *opts, char *err,
                           size_t errlen)
{
    I440fxState *s = container_of(dev, I440fxState, dev);
    PCIDevice *d = &s->pci;

    pci_device_init(d, "i440FX", 0x8086, 0x1237, 0x02, 0x060000);
    pci_config_set16(d, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    pci_config_set16(d, PCI_STATUS, PCI_STATUS_DEVSEL_MEDIUM | PCI_STATUS_FAST_BACK);
    /* PAM nibbles: bit 3 reserved; PAM0 bits 3:0 reserved. */
    d->wmask[I440FX_PAM0] = 0x70;
    memset(d->wmask + I440FX_PAM0 + 1, 0x77, I440FX_PAM_END - I440FX_PAM0 - 1);
    /* SMRAM: D_OPEN, D_CLS, D_LCK, G_SMRAME; C_BASE_SEG reads 010b. */
    pci_config_set8(d, I440FX_SMRAM, 0x02);
    d->wmask[I440FX_SMRAM] = 0x78;
    d->config_write = i440fx_config_write;

    for (int i = 0; i < PAM_SEGMENTS; i++)
        s->pam[i] = (PamSegment){ s, pam_layout[i].base, pam_layout[i].size,
                                  pam_layout[i].reg, pam_layout[i].shift, -1, NULL };
    return pci_device_plug(m->pci, m, d, PCI_DEVFN(0, 0), err, errlen);
}

static void i440fx_reset(Device *dev)
{
    I440fxState *s = container_of(dev, I440fxState, dev);
    pci_device_reset(&s->pci);
    i440fx_pam_update(s);
}

/* PAM mappings follow from config[] (rebuild with the reset path's update). */
static const StateField i440fx_fields[] = {
    SF_ARRAY(SF_BYTES, I440fxState, pci.config, PCI_CONFIG_SPACE_SIZE),
    SF_END,
};
static const StateDesc i440fx_state = { "i440FX", 1, i440fx_fields };

const DeviceClass i440fx_device_class = {
    .name = "i440FX",
    .desc = "i440FX PCI host bridge and memory controller",
    .size = sizeof(I440fxState),
    .realize = i440fx_realize,
    .reset = i440fx_reset,
    .state = &i440fx_state,
};
DEVICE_CLASS_REGISTER(i440fx_device_class)
