/*
 * pci.h - PCI bus 0: configuration mechanism #1, functions, BARs, INTx.
 *
 * A PCI function is a PCIDevice embedded in the device's own struct. The
 * device fills its config space with pci_device_init() and the
 * pci_config_set*() helpers, declares its BARs with pci_device_init_bar(),
 * may set config_write, and then plugs itself in with pci_device_plug(),
 * which records the config space as the power-on default. The device's
 * reset must call pci_device_reset(), which restores that default and
 * unmaps the BARs.
 *
 * The core owns the standard header: write masks (device-specific space
 * 0x40-0xFF is writable unless the device narrows wmask), write-1-to-clear
 * status bits, BAR sizing (all-ones reads back the size mask) and mapping of
 * BARs and the expansion ROM on m->io / m->mem whenever the command
 * register or a BAR changes.
 * INTx: pci_set_irq() drives the function's pin; the bus swizzles pin and
 * slot to a PIRQ (slot + pin) mod 4 and hands the OR of all functions on
 * each PIRQ to the router the ISA bridge installed.
 */
#ifndef KESTREL_PCI_H
#define KESTREL_PCI_H

#include "kestrel/common.h"
#include "kestrel/memory.h"

typedef struct Machine Machine;
typedef struct PCIBus PCIBus;
typedef struct PCIDevice PCIDevice;

/* Standard header offsets. */
#define PCI_VENDOR_ID          0x00
#define PCI_DEVICE_ID          0x02
#define PCI_COMMAND            0x04
#define PCI_STATUS             0x06
#define PCI_REVISION_ID        0x08
#define PCI_CLASS_PROG         0x09
#define PCI_CLASS_DEVICE       0x0a
#define PCI_CACHE_LINE_SIZE    0x0c
#define PCI_LATENCY_TIMER      0x0d
#define PCI_HEADER_TYPE        0x0e
#define PCI_BASE_ADDRESS_0     0x10
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID       0x2e
#define PCI_ROM_ADDRESS        0x30
#define PCI_INTERRUPT_LINE     0x3c
#define PCI_INTERRUPT_PIN      0x3d
#define PCI_CONFIG_HEADER_SIZE 0x40
#define PCI_CONFIG_SPACE_SIZE  0x100

#define PCI_COMMAND_IO         0x0001
#define PCI_COMMAND_MEMORY     0x0002
#define PCI_COMMAND_MASTER     0x0004
#define PCI_COMMAND_PARITY     0x0040
#define PCI_COMMAND_SERR       0x0100
#define PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS_INTERRUPT   0x0008
#define PCI_STATUS_DEVSEL_MEDIUM 0x0200
#define PCI_STATUS_FAST_BACK   0x0080
#define PCI_HEADER_MULTI_FUNCTION 0x80

#define PCI_NUM_BARS 6
#define PCI_ROM_SLOT PCI_NUM_BARS       /* bars[PCI_ROM_SLOT]: expansion ROM at 0x30 */
#define PCI_ROM_ADDRESS_ENABLE 0x01
#define PCI_NUM_PINS 4          /* INTA..INTD; also the number of PIRQs */
#define PCI_DEVFN(slot, fn) (((slot) << 3) | (fn))

/* BAR types (the low bits of the BAR register). */
enum {
    PCI_BAR_IO = 0x01,
    PCI_BAR_MEM32 = 0x00,
    PCI_BAR_MEM64 = 0x04,       /* takes two BAR slots */
    PCI_BAR_PREFETCH = 0x08,
};

typedef struct PCIBar {
    uint64_t size;              /* power of two; 0: not implemented */
    unsigned type;              /* PCI_BAR_* */
    const MemOps *ops;          /* I/O or MMIO callbacks, or */
    uint8_t *host;              /* RAM-backed memory BAR (frame buffers) */
    void *opaque;
    MemRegion *region;          /* while mapped */
} PCIBar;

/* Called after the core has applied a config write (addr, len as the guest wrote). */
typedef void PCIConfigWriteFn(PCIDevice *d, uint32_t addr, uint32_t val, unsigned len);

struct PCIDevice {
    const char *name;
    PCIBus *bus;
    Machine *machine;
    int devfn;
    uint8_t config[PCI_CONFIG_SPACE_SIZE];
    uint8_t wmask[PCI_CONFIG_SPACE_SIZE];      /* bits the guest may write */
    uint8_t w1cmask[PCI_CONFIG_SPACE_SIZE];    /* bits a 1 written clears */
    uint8_t defaults[PCI_CONFIG_SPACE_SIZE];   /* config at plug time */
    PCIBar bars[PCI_NUM_BARS + 1];
    PCIConfigWriteFn *config_write;
    bool irq_level;             /* the function's INTx output */
    bool irq_delivered;         /* irq_level gated by INTX_DISABLE, as the PIRQ sees it */
    PCIDevice *next;            /* the bus's list */
};

/* Router of the four PIRQ lines (the PIIX3): level is the OR of the functions on it. */
typedef void PCISetPirqFn(void *opaque, int pirq, bool level);

/* Creates bus 0 and maps the configuration ports 0xCF8-0xCFF on m->io. */
PCIBus *pci_bus_new(Machine *m);
void pci_bus_set_pirq_router(PCIBus *bus, PCISetPirqFn *fn, void *opaque);
/* Byte accesses to port 0xCF9 (PIIX reset control), which shares the dword at 0xCF8. */
void pci_bus_set_cf9_handler(PCIBus *bus, const MemOps *ops, void *opaque);
PCIDevice *pci_bus_find(PCIBus *bus, int devfn);
/* A free slot number (function 0 unused) at or after `first`; -1 when full. */
int pci_bus_free_slot(PCIBus *bus, int first);

void pci_device_init(PCIDevice *d, const char *name, uint16_t vendor, uint16_t device,
                     uint8_t revision, uint32_t class_prog /* 0xCCSSPP */);
void pci_device_init_bar(PCIDevice *d, int n, unsigned type, uint64_t size,
                         const MemOps *ops, uint8_t *host, void *opaque);
/*
 * Expansion ROM (option ROM image, e.g. a VGA BIOS or iPXE): the BAR at
 * 0x30 decodes a read-only copy of rom, padded with 0xff to a power of two
 * of at least 2 KiB, while memory decode and its enable bit are set.
 */
void pci_device_init_rom(PCIDevice *d, const uint8_t *rom, size_t len);
/* devfn -1: function 0 of the first free slot. */
bool pci_device_plug(PCIBus *bus, Machine *m, PCIDevice *d, int devfn, char *err, size_t errlen);
void pci_device_reset(PCIDevice *d);
void pci_set_irq(PCIDevice *d, bool level);
/* The guest address of a BAR while it is mapped, else UINT64_MAX. */
uint64_t pci_bar_address(const PCIDevice *d, int n);

/* Config space as the guest sees it (used by the port handlers and tests). */
uint32_t pci_config_read(PCIDevice *d, uint32_t addr, unsigned len);
void pci_config_write(PCIDevice *d, uint32_t addr, uint32_t val, unsigned len);

static inline void pci_config_set8(PCIDevice *d, unsigned off, uint8_t v) { d->config[off] = v; }
static inline void pci_config_set16(PCIDevice *d, unsigned off, uint16_t v) { st16_le(d->config + off, v); }
static inline void pci_config_set32(PCIDevice *d, unsigned off, uint32_t v) { st32_le(d->config + off, v); }

#endif
