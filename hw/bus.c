/*
 * bus.c - address spaces (guest physical memory and port I/O).
 *
 * Regions may overlap; a flat view (sorted, non-overlapping spans, each
 * naming the winning region) is rebuilt whenever the map changes, and
 * lookups binary-search it. The winner of an overlap is the region with
 * the highest priority, then the one mapped last.
 *
 * Map changes happen with the machine lock held. Readers without the lock
 * (the vCPU filling its TLB) may still hold an older view, so replaced
 * views are kept until the bus is freed rather than freed at once; map
 * changes are rare (PAM, PCI BARs), so this costs little.
 *
 * Device callbacks are called with the machine lock held: the bus takes it
 * unless the calling thread already holds it. Accesses are split or widened
 * to what the device accepts (MemOps.min_access/max_access), little-endian.
 */
#include <stdlib.h>
#include "kestrel/memory.h"
#include "kestrel/machine.h"

typedef struct Span {
    uint64_t start, end;            /* [start, end) */
    const MemRegion *region;
} Span;

typedef struct FlatView {
    Span *spans;
    size_t count;
    struct FlatView *older;         /* replaced views, freed with the bus */
} FlatView;

typedef struct Listener {
    BusMapListener *fn;
    void *opaque;
} Listener;

struct Bus {
    const char *name;
    uint64_t size;
    MemRegion *regions;
    MemRegion *retired;             /* unmapped, kept for readers of old views */
    uint64_t next_seq;
    FlatView *volatile view;
    Listener listeners[8];
    int n_listeners;
    BusRamWriteHook *ram_write_hook;
};

Bus *bus_new(const char *name, uint64_t size)
{
    Bus *bus = calloc(1, sizeof(*bus));
    assert(bus);
    bus->name = name;
    bus->size = size;
    bus->view = calloc(1, sizeof(FlatView));
    assert(bus->view);
    return bus;
}

static void free_regions(MemRegion *r)
{
    while (r) {
        MemRegion *next = r->next;
        free(r);
        r = next;
    }
}

void bus_free(Bus *bus)
{
    FlatView *v = bus->view;
    while (v) {
        FlatView *older = v->older;
        free(v->spans);
        free(v);
        v = older;
    }
    free_regions(bus->regions);
    free_regions(bus->retired);
    free(bus);
}

/* True if region a hides region b where they overlap. */
static bool region_wins(const MemRegion *a, const MemRegion *b)
{
    if (a->priority != b->priority)
        return a->priority > b->priority;
    return a->seq > b->seq;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The winning region over [start, end), which no region boundary splits. */
static const MemRegion *winner_at(const Bus *bus, uint64_t start)
{
    const MemRegion *best = NULL;
    for (const MemRegion *r = bus->regions; r; r = r->next) {
        if (r->size && start >= r->base && start - r->base < r->size &&
            (!best || region_wins(r, best)))
            best = r;
    }
    return best;
}

static void bus_rebuild(Bus *bus)
{
    size_t n = 0;
    for (MemRegion *r = bus->regions; r; r = r->next)
        n++;

    uint64_t *edges = malloc((2 * n + 1) * sizeof(*edges));
    FlatView *v = calloc(1, sizeof(*v));
    v->spans = malloc((2 * n + 1) * sizeof(Span));
    assert(edges && v && v->spans);

    size_t ne = 0;
    for (MemRegion *r = bus->regions; r; r = r->next) {
        if (!r->size)
            continue;
        edges[ne++] = r->base;
        edges[ne++] = r->base + r->size;
    }
    qsort(edges, ne, sizeof(*edges), cmp_u64);

    for (size_t i = 0; i + 1 < ne; i++) {
        if (edges[i] == edges[i + 1])
            continue;
        const MemRegion *w = winner_at(bus, edges[i]);
        if (!w)
            continue;
        Span *last = v->count ? &v->spans[v->count - 1] : NULL;
        if (last && last->region == w && last->end == edges[i])
            last->end = edges[i + 1];
        else
            v->spans[v->count++] = (Span){ edges[i], edges[i + 1], w };
    }
    free(edges);

    v->older = bus->view;
    __atomic_store_n(&bus->view, v, __ATOMIC_RELEASE);
    for (int i = 0; i < bus->n_listeners; i++)
        bus->listeners[i].fn(bus->listeners[i].opaque, bus);
}

static MemRegion *bus_add(Bus *bus, MemRegion *r)
{
    r->seq = bus->next_seq++;
    r->next = bus->regions;
    bus->regions = r;
    bus_rebuild(bus);
    return r;
}

MemRegion *bus_map_ram(Bus *bus, const char *name, uint64_t base, uint64_t size,
                       uint8_t *host, unsigned flags, int priority)
{
    MemRegion *r = calloc(1, sizeof(*r));
    assert(r && host);
    *r = (MemRegion){ .name = name, .base = base, .size = size, .priority = priority,
                      .flags = flags, .host = host };
    return bus_add(bus, r);
}

MemRegion *bus_map_io(Bus *bus, const char *name, uint64_t base, uint64_t size,
                      const MemOps *ops, void *opaque, int priority)
{
    MemRegion *r = calloc(1, sizeof(*r));
    assert(r && ops);
    *r = (MemRegion){ .name = name, .base = base, .size = size, .priority = priority,
                      .ops = ops, .opaque = opaque };
    return bus_add(bus, r);
}

void bus_unmap(Bus *bus, MemRegion *r)
{
    for (MemRegion **p = &bus->regions; *p; p = &(*p)->next) {
        if (*p == r) {
            *p = r->next;
            bus_rebuild(bus);
            /* Readers may still see r through an old view: keep it alive. */
            r->next = bus->retired;
            bus->retired = r;
            return;
        }
    }
    assert(!"bus_unmap: region not mapped");
}

void bus_remap(Bus *bus, MemRegion *r, uint64_t base)
{
    r->base = base;
    r->seq = bus->next_seq++;
    bus_rebuild(bus);
}

void bus_set_flags(Bus *bus, MemRegion *r, unsigned flags)
{
    r->flags = flags;
    bus_rebuild(bus);
}

void bus_add_listener(Bus *bus, BusMapListener *fn, void *opaque)
{
    assert(bus->n_listeners < (int)ARRAY_SIZE(bus->listeners));
    bus->listeners[bus->n_listeners++] = (Listener){ fn, opaque };
}

void bus_set_ram_write_hook(Bus *bus, BusRamWriteHook *fn)
{
    bus->ram_write_hook = fn;
}

static const Span *find_span(Bus *bus, uint64_t addr)
{
    const FlatView *v = __atomic_load_n(&bus->view, __ATOMIC_ACQUIRE);
    size_t lo = 0, hi = v->count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const Span *s = &v->spans[mid];
        if (addr < s->start)
            hi = mid;
        else if (addr >= s->end)
            lo = mid + 1;
        else
            return s;
    }
    return NULL;
}

const MemRegion *bus_find(Bus *bus, uint64_t addr)
{
    const Span *s = find_span(bus, addr);
    return s ? s->region : NULL;
}

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

/* A device access of exactly `size` bytes that the device accepts, under the lock. */
static uint64_t io_call(const MemRegion *r, uint64_t off, uint64_t val, unsigned size, bool write)
{
    bool take = !machine_lock_held();
    if (take)
        machine_lock();
    if (write) {
        if (r->ops->write)
            r->ops->write(r->opaque, off, val & size_mask(size), size);
    } else {
        val = r->ops->read ? r->ops->read(r->opaque, off, size) & size_mask(size)
                           : size_mask(size);
    }
    if (take)
        machine_unlock();
    return val;
}

/* Split or widen an I/O access to the sizes the device takes. */
static uint64_t io_access(const MemRegion *r, uint64_t off, uint64_t val, unsigned size, bool write)
{
    unsigned min = r->ops->min_access ? r->ops->min_access : 1;
    unsigned max = r->ops->max_access ? r->ops->max_access : 4;

    if (size < min) {
        uint64_t aligned = off & ~(uint64_t)(min - 1);
        unsigned shift = (unsigned)(off - aligned) * 8;
        if (write)
            return io_call(r, aligned, val << shift, min, true);
        return (io_call(r, aligned, 0, min, false) >> shift) & size_mask(size);
    }
    if (size > max) {
        uint64_t result = 0;
        for (unsigned done = 0; done < size; done += max)
            result |= io_access(r, off + done, val >> (done * 8), max, write) << (done * 8);
        return result;
    }
    return io_call(r, off, val, size, write);
}

static uint64_t access_one(Bus *bus, uint64_t addr, uint64_t val, unsigned size, bool write)
{
    const Span *s = find_span(bus, addr);
    if (!s || addr + size > s->end) {
        if (!s && size == 1)
            return write ? 0 : 0xff;
        /* Crosses a span boundary or unmapped: byte by byte. */
        if (size > 1) {
            uint64_t result = 0;
            for (unsigned i = 0; i < size; i++)
                result |= access_one(bus, addr + i, val >> (i * 8), 1, write) << (i * 8);
            return result;
        }
    }
    const MemRegion *r = s->region;
    uint64_t off = addr - r->base;
    if (r->host) {
        uint8_t *p = r->host + off;
        if (write) {
            if (!(r->flags & REGION_READONLY))
                for (unsigned i = 0; i < size; i++)
                    p[i] = (uint8_t)(val >> (i * 8));
            return 0;
        }
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i++)
            v |= (uint64_t)p[i] << (i * 8);
        return v;
    }
    return io_access(r, off, val, size, write);
}

uint64_t bus_read(Bus *bus, uint64_t addr, unsigned size)
{
    assert(size == 1 || size == 2 || size == 4 || size == 8);
    return access_one(bus, addr, 0, size, false);
}

void bus_write(Bus *bus, uint64_t addr, uint64_t value, unsigned size)
{
    assert(size == 1 || size == 2 || size == 4 || size == 8);
    access_one(bus, addr, value, size, true);
}

void bus_rw(Bus *bus, uint64_t addr, void *buf, uint64_t len, bool is_write)
{
    uint8_t *p = buf;
    while (len) {
        const Span *s = find_span(bus, addr);
        uint64_t chunk = 1;
        if (s && s->region->host) {
            const MemRegion *r = s->region;
            chunk = s->end - addr;
            if (chunk > len)
                chunk = len;
            uint8_t *host = r->host + (addr - r->base);
            if (!is_write) {
                memcpy(p, host, chunk);
            } else if (!(r->flags & REGION_READONLY)) {
                memcpy(host, p, chunk);
                if (bus->ram_write_hook)
                    bus->ram_write_hook(addr, chunk);
            }
        } else if (is_write) {
            access_one(bus, addr, *p, 1, true);
        } else {
            *p = (uint8_t)access_one(bus, addr, 0, 1, false);
        }
        addr += chunk;
        p += chunk;
        len -= chunk;
    }
}
