/*
 * memory.h - address spaces: guest physical memory and the port I/O space.
 *
 * Both are a Bus: a set of regions, each RAM/ROM (backed by a host buffer)
 * or I/O (read/write callbacks with an opaque pointer). Regions may overlap;
 * the one with the highest priority wins, and among equals the one mapped last.
 *
 * A device declares which access sizes it accepts (min_access..max_access);
 * the bus splits larger accesses and widens smaller ones, so devices never
 * split bytes themselves. Accesses that hit no region read as all-ones and
 * writes are dropped, as on a PC with nothing decoding the address.
 *
 * Callbacks run with the machine lock held (machine_lock() in machine.h);
 * the bus takes it around device callbacks, never around RAM accesses.
 */
#ifndef KESTREL_MEMORY_H
#define KESTREL_MEMORY_H

#include "kestrel/common.h"

typedef struct MemOps {
    uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
    void (*write)(void *opaque, uint64_t offset, uint64_t value, unsigned size);
    uint8_t min_access;   /* smallest access size in bytes the device takes; 0 means 1 */
    uint8_t max_access;   /* largest; 0 means 4 */
} MemOps;

enum {
    REGION_READONLY = 1 << 0,   /* RAM region whose writes are dropped (ROM, shadowed BIOS) */
};

typedef struct MemRegion {
    const char *name;
    uint64_t base, size;
    int priority;
    unsigned flags;
    uint8_t *host;              /* RAM/ROM: host memory for offset 0; NULL for I/O */
    const MemOps *ops;          /* I/O regions */
    void *opaque;
    struct MemRegion *next;     /* the bus's list, internal */
    uint64_t seq;               /* mapping order, internal */
} MemRegion;

typedef struct Bus Bus;

/* Called after the map of a bus changes (CPUs flush their TLBs). */
typedef void BusMapListener(void *opaque, Bus *bus);

Bus *bus_new(const char *name, uint64_t size);
void bus_free(Bus *bus);

MemRegion *bus_map_ram(Bus *bus, const char *name, uint64_t base, uint64_t size,
                       uint8_t *host, unsigned flags, int priority);
MemRegion *bus_map_io(Bus *bus, const char *name, uint64_t base, uint64_t size,
                      const MemOps *ops, void *opaque, int priority);
void bus_unmap(Bus *bus, MemRegion *r);
/* Moves or resizes a mapped region (PCI BARs); size 0 leaves it unmapped. */
void bus_remap(Bus *bus, MemRegion *r, uint64_t base);
void bus_set_flags(Bus *bus, MemRegion *r, unsigned flags);
void bus_add_listener(Bus *bus, BusMapListener *fn, void *opaque);

/*
 * Called after bus_rw wrote guest RAM (DMA, loaders), so the CPU can drop
 * translated code there. CPU stores do not go through bus_rw.
 */
typedef void BusRamWriteHook(uint64_t addr, uint64_t len);
void bus_set_ram_write_hook(Bus *bus, BusRamWriteHook *fn);

/* The region that decodes addr, or NULL. */
const MemRegion *bus_find(Bus *bus, uint64_t addr);

/* Single access of 1, 2, 4 or 8 bytes, little-endian, any alignment. */
uint64_t bus_read(Bus *bus, uint64_t addr, unsigned size);
void bus_write(Bus *bus, uint64_t addr, uint64_t value, unsigned size);
/* Bulk copy (DMA, loaders); crosses regions; I/O regions get byte accesses. */
void bus_rw(Bus *bus, uint64_t addr, void *buf, uint64_t len, bool is_write);
static inline void bus_read_buf(Bus *bus, uint64_t addr, void *buf, uint64_t len)
{
    bus_rw(bus, addr, buf, len, false);
}
static inline void bus_write_buf(Bus *bus, uint64_t addr, const void *buf, uint64_t len)
{
    bus_rw(bus, addr, (void *)buf, len, true);
}

#endif
