/*
 * pci.c - PCI bus 0: configuration mechanism #1 (ports 0xCF8/0xCFC), the
 * standard config header, BAR sizing and mapping, INTx to PIRQ routing.
 *
 * Invariants:
 * - Config writes go through wmask/w1cmask only; read-only bits never change
 *   behind the device's back except through pci_device_reset().
 * - A BAR is mapped exactly when its decode bit (I/O or memory) is set in
 *   the command register (for the expansion ROM also its enable bit) and
 *   its address is a valid one (not zero, not
 *   wrapping, not beyond the 64 KiB I/O space or 4 GiB for 32-bit BARs), so
 *   sizing with all-ones never maps anything. Mapped BARs sit below RAM and
 *   legacy devices (priority -1), as a PCI hole does.
 * - The PIRQ router always sees, per PIRQ, the OR of the delivered INTx
 *   levels of the functions swizzled onto it.
 */
#include <stdio.h>
#include <stdlib.h>
#include "kestrel/pci.h"
#include "kestrel/machine.h"

#define PCI_CONF_PORT 0xcf8
#define PCI_CONF_ENABLE 0x80000000u
#define PCI_CONF_ADDR_MASK 0x80fffffcu
#define PCI_BAR_PRIORITY (-1)
#define PCI_IO_SPACE_END 0x10000ull
#define PCI_BAR_UNMAPPED UINT64_MAX

struct PCIBus {
    Machine *machine;
    PCIDevice *devices;         /* sorted by devfn */
    uint32_t config_address;    /* port 0xCF8 */
    PCISetPirqFn *pirq_fn;
    void *pirq_opaque;
    const MemOps *cf9_ops;
    void *cf9_opaque;
};

PCIDevice *pci_bus_find(PCIBus *bus, int devfn)
{
    for (PCIDevice *d = bus->devices; d; d = d->next)
        if (d->devfn == devfn)
            return d;
    return NULL;
}

int pci_bus_free_slot(PCIBus *bus, int first)
{
    for (int slot = first; slot < 32; slot++) {
        bool used = false;
        for (int fn = 0; fn < 8 && !used; fn++)
            used = pci_bus_find(bus, PCI_DEVFN(slot, fn)) != NULL;
        if (!used)
            return slot;
    }
    return -1;
}

/* ---- config space ---- */

uint32_t pci_config_read(PCIDevice *d, uint32_t addr, unsigned len)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < len && addr + i < PCI_CONFIG_SPACE_SIZE; i++)
        v |= (uint32_t)d->config[addr + i] << (8 * i);
    return v;
}

static unsigned pci_bar_reg(int n)
{
    return n == PCI_ROM_SLOT ? PCI_ROM_ADDRESS : PCI_BASE_ADDRESS_0 + 4u * (unsigned)n;
}

static bool pci_bar_is_64bit_high(const PCIDevice *d, int n)
{
    return n > 0 && d->bars[n - 1].size && (d->bars[n - 1].type & PCI_BAR_MEM64);
}

/* The address a BAR decodes now, or PCI_BAR_UNMAPPED. */
static uint64_t pci_bar_decode(const PCIDevice *d, int n)
{
    const PCIBar *bar = &d->bars[n];
    uint16_t cmd = (uint16_t)pci_config_read((PCIDevice *)d, PCI_COMMAND, 2);
    unsigned off = pci_bar_reg(n);
    uint64_t addr, last, limit;

    if (n == PCI_ROM_SLOT) {
        if (!(cmd & PCI_COMMAND_MEMORY) || !(d->config[off] & PCI_ROM_ADDRESS_ENABLE))
            return PCI_BAR_UNMAPPED;
        limit = 1ull << 32;
    } else if (bar->type & PCI_BAR_IO) {
        if (!(cmd & PCI_COMMAND_IO))
            return PCI_BAR_UNMAPPED;
        limit = PCI_IO_SPACE_END;
    } else {
        if (!(cmd & PCI_COMMAND_MEMORY))
            return PCI_BAR_UNMAPPED;
        limit = (bar->type & PCI_BAR_MEM64) ? 1ull << 52 : 1ull << 32;
    }
    addr = ld32_le(d->config + off);
    if (bar->type & PCI_BAR_MEM64)
        addr |= (uint64_t)ld32_le(d->config + off + 4) << 32;
    addr &= ~(bar->size - 1);
    last = addr + bar->size - 1;
    /* All-ones (sizing) ends at the top of the space: never decoded. */
    if (addr == 0 || last <= addr || last >= limit - 1)
        return PCI_BAR_UNMAPPED;
    return addr;
}

static void pci_bar_update(PCIDevice *d, int n)
{
    PCIBar *bar = &d->bars[n];
    Bus *space = (bar->type & PCI_BAR_IO) ? d->machine->io : d->machine->mem;
    uint64_t addr = pci_bar_decode(d, n);

    if (!bar->size || pci_bar_is_64bit_high(d, n))
        return;
    if (addr == PCI_BAR_UNMAPPED) {
        if (bar->region)
            bus_unmap(space, bar->region);
        bar->region = NULL;
    } else if (bar->region) {
        if (bar->region->base != addr)
            bus_remap(space, bar->region, addr);
    } else if (bar->host) {
        bar->region = bus_map_ram(space, d->name, addr, bar->size, bar->host,
                                  n == PCI_ROM_SLOT ? REGION_READONLY : 0, PCI_BAR_PRIORITY);
    } else {
        bar->region = bus_map_io(space, d->name, addr, bar->size, bar->ops, bar->opaque,
                                 PCI_BAR_PRIORITY);
    }
}

static void pci_update_mappings(PCIDevice *d)
{
    for (int n = 0; n <= PCI_ROM_SLOT; n++)
        pci_bar_update(d, n);
}

uint64_t pci_bar_address(const PCIDevice *d, int n)
{
    return d->bars[n].region ? d->bars[n].region->base : PCI_BAR_UNMAPPED;
}

/* ---- INTx ---- */

static int pci_pirq_of(const PCIDevice *d)
{
    int pin = d->config[PCI_INTERRUPT_PIN];     /* 1 = INTA */
    return pin ? ((d->devfn >> 3) + pin - 1) % PCI_NUM_PINS : -1;
}

static void pci_update_irq(PCIDevice *d)
{
    uint16_t cmd = (uint16_t)pci_config_read(d, PCI_COMMAND, 2);
    bool delivered = d->irq_level && !(cmd & PCI_COMMAND_INTX_DISABLE);
    int pirq = pci_pirq_of(d);

    if (d->irq_level)
        d->config[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
    else
        d->config[PCI_STATUS] &= (uint8_t)~PCI_STATUS_INTERRUPT;
    if (delivered == d->irq_delivered)
        return;
    d->irq_delivered = delivered;
    if (pirq < 0 || !d->bus || !d->bus->pirq_fn)
        return;
    bool level = false;
    for (PCIDevice *o = d->bus->devices; o; o = o->next)
        level |= o->irq_delivered && pci_pirq_of(o) == pirq;
    d->bus->pirq_fn(d->bus->pirq_opaque, pirq, level);
}

void pci_set_irq(PCIDevice *d, bool level)
{
    d->irq_level = level;
    pci_update_irq(d);
}

static bool ranges_overlap(uint32_t a, unsigned alen, uint32_t b, unsigned blen)
{
    return a < b + blen && b < a + alen;
}

void pci_config_write(PCIDevice *d, uint32_t addr, uint32_t val, unsigned len)
{
    for (unsigned i = 0; i < len && addr + i < PCI_CONFIG_SPACE_SIZE; i++) {
        unsigned a = addr + i;
        uint8_t b = (uint8_t)(val >> (8 * i));
        d->config[a] = (uint8_t)((d->config[a] & ~d->wmask[a]) | (b & d->wmask[a]));
        d->config[a] &= (uint8_t)~(b & d->w1cmask[a]);
    }
    if (ranges_overlap(addr, len, PCI_COMMAND, 2) ||
        ranges_overlap(addr, len, PCI_BASE_ADDRESS_0, 4 * PCI_NUM_BARS) ||
        ranges_overlap(addr, len, PCI_ROM_ADDRESS, 4))
        pci_update_mappings(d);
    if (ranges_overlap(addr, len, PCI_COMMAND, 2))
        pci_update_irq(d);
    if (d->config_write)
        d->config_write(d, addr, val, len);
}

/* ---- functions ---- */

void pci_device_init(PCIDevice *d, const char *name, uint16_t vendor, uint16_t device,
                     uint8_t revision, uint32_t class_prog)
{
    memset(d->config, 0, sizeof(d->config));
    memset(d->wmask, 0, sizeof(d->wmask));
    memset(d->w1cmask, 0, sizeof(d->w1cmask));
    d->name = name;
    pci_config_set16(d, PCI_VENDOR_ID, vendor);
    pci_config_set16(d, PCI_DEVICE_ID, device);
    pci_config_set8(d, PCI_REVISION_ID, revision);
    pci_config_set8(d, PCI_CLASS_PROG, (uint8_t)class_prog);
    pci_config_set16(d, PCI_CLASS_DEVICE, (uint16_t)(class_prog >> 8));
    /* QEMU's subsystem IDs; SeaBIOS recognizes its host bridge by them. */
    pci_config_set16(d, PCI_SUBSYSTEM_VENDOR_ID, 0x1af4);
    pci_config_set16(d, PCI_SUBSYSTEM_ID, 0x1100);

    st16_le(d->wmask + PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
            PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
    st16_le(d->w1cmask + PCI_STATUS, 0xf900);   /* error bits 15..11 and 8 */
    d->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
    d->wmask[PCI_LATENCY_TIMER] = 0xff;
    d->wmask[PCI_INTERRUPT_LINE] = 0xff;
    memset(d->wmask + PCI_CONFIG_HEADER_SIZE, 0xff,
           PCI_CONFIG_SPACE_SIZE - PCI_CONFIG_HEADER_SIZE);
}

void pci_device_init_bar(PCIDevice *d, int n, unsigned type, uint64_t size,
                         const MemOps *ops, uint8_t *host, void *opaque)
{
    unsigned off = PCI_BASE_ADDRESS_0 + 4 * n;
    uint64_t mask = ~(size - 1);

    assert(n >= 0 && n < PCI_NUM_BARS && size && !(size & (size - 1)));
    assert(!(type & PCI_BAR_MEM64) || n + 1 < PCI_NUM_BARS);
    assert(ops || host);
    if (type & PCI_BAR_IO)
        assert(size >= 4);
    else
        assert(size >= 16);
    d->bars[n] = (PCIBar){ .size = size, .type = type, .ops = ops, .host = host,
                           .opaque = opaque };
    pci_config_set32(d, off, type);
    st32_le(d->wmask + off, (uint32_t)mask & ((type & PCI_BAR_IO) ? ~3u : ~15u));
    if (type & PCI_BAR_MEM64)
        st32_le(d->wmask + off + 4, (uint32_t)(mask >> 32));
}

void pci_device_init_rom(PCIDevice *d, const uint8_t *rom, size_t len)
{
    uint64_t size = 2 * KiB;
    while (size < len)
        size <<= 1;
    uint8_t *copy = malloc(size);
    assert(copy);
    memset(copy, 0xff, size);
    memcpy(copy, rom, len);
    d->bars[PCI_ROM_SLOT] = (PCIBar){ .size = size, .host = copy };
    st32_le(d->wmask + PCI_ROM_ADDRESS, (uint32_t)~(size - 1) | PCI_ROM_ADDRESS_ENABLE);
}

bool pci_device_plug(PCIBus *bus, Machine *m, PCIDevice *d, int devfn, char *err, size_t errlen)
{
    if (devfn < 0) {
        int slot = pci_bus_free_slot(bus, 0);
        if (slot < 0) {
            snprintf(err, errlen, "%s: no free PCI slot", d->name);
            return false;
        }
        devfn = PCI_DEVFN(slot, 0);
    }
    if (devfn > 0xff || pci_bus_find(bus, devfn)) {
        snprintf(err, errlen, "%s: PCI slot %02x.%x is already in use", d->name,
                 devfn >> 3, devfn & 7);
        return false;
    }
    d->bus = bus;
    d->machine = m;
    d->devfn = devfn;
    memcpy(d->defaults, d->config, sizeof(d->defaults));

    PCIDevice **p = &bus->devices;
    while (*p && (*p)->devfn < devfn)
        p = &(*p)->next;
    d->next = *p;
    *p = d;
    return true;
}

void pci_device_reset(PCIDevice *d)
{
    memcpy(d->config, d->defaults, sizeof(d->config));
    pci_update_mappings(d);
    d->irq_level = false;
    pci_update_irq(d);
}

/* ---- configuration mechanism #1 ---- */

static PCIDevice *pci_conf_target(PCIBus *bus)
{
    uint32_t a = bus->config_address;
    if (!(a & PCI_CONF_ENABLE) || ((a >> 16) & 0xff) != 0)
        return NULL;
    return pci_bus_find(bus, (a >> 8) & 0xff);
}

static uint64_t pci_conf_read(void *opaque, uint64_t off, unsigned size)
{
    PCIBus *bus = opaque;

    if (off == 0 && size == 4)
        return bus->config_address;
    if (off == 1 && size == 1 && bus->cf9_ops)
        return bus->cf9_ops->read(bus->cf9_opaque, 0, 1);
    if (off < 4)
        return ~0ull;
    PCIDevice *d = pci_conf_target(bus);
    if (!d)
        return ~0ull;
    return pci_config_read(d, (bus->config_address & 0xfc) + (uint32_t)(off - 4), size);
}

static void pci_conf_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    PCIBus *bus = opaque;

    if (off == 0 && size == 4) {
        bus->config_address = (uint32_t)val & PCI_CONF_ADDR_MASK;
    } else if (off == 1 && size == 1 && bus->cf9_ops) {
        bus->cf9_ops->write(bus->cf9_opaque, 0, val, 1);
    } else if (off >= 4) {
        PCIDevice *d = pci_conf_target(bus);
        if (d)
            pci_config_write(d, (bus->config_address & 0xfc) + (uint32_t)(off - 4),
                             (uint32_t)val, size);
    }
}

static const MemOps pci_conf_ops = {
    .read = pci_conf_read,
    .write = pci_conf_write,
    .min_access = 1,
    .max_access = 4,
};

PCIBus *pci_bus_new(Machine *m)
{
    PCIBus *bus = calloc(1, sizeof(*bus));
    assert(bus);
    bus->machine = m;
    bus_map_io(m->io, "pci-conf", PCI_CONF_PORT, 8, &pci_conf_ops, bus, 0);
    return bus;
}

void pci_bus_set_pirq_router(PCIBus *bus, PCISetPirqFn *fn, void *opaque)
{
    bus->pirq_fn = fn;
    bus->pirq_opaque = opaque;
}

void pci_bus_set_cf9_handler(PCIBus *bus, const MemOps *ops, void *opaque)
{
    bus->cf9_ops = ops;
    bus->cf9_opaque = opaque;
}
