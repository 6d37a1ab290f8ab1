/*
 * port92.c - "port92": the PS/2 system control port A at 0x92.
 * Bit 1 is the fast A20 gate (drives m->a20_line); a 0 -> 1 transition of
 * bit 0 requests a fast CPU reset. The other bits read back as written.
 * Invariant: `value` bit 1 is the level last driven on m->a20_line by
 * this port.
 */
#include "kestrel/machine.h"
#include "kestrel/isa.h"

#define PORT92_RESET 0x01
#define PORT92_A20   0x02

typedef struct Port92 {
    Device dev;
    uint8_t value;
    Machine *m;
} Port92;

static uint64_t port92_read(void *opaque, uint64_t offset, unsigned size)
{
    Port92 *s = opaque;

    return s->value;
}

static void port92_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    Port92 *s = opaque;
    uint8_t old = s->value;

    s->value = (uint8_t)value;
    if ((old ^ s->value) & PORT92_A20)
        irq_set(&s->m->a20_line, !!(s->value & PORT92_A20));
    if ((s->value & PORT92_RESET) && !(old & PORT92_RESET))
        machine_request_reset(s->m);
}

static const MemOps port92_ops = { port92_read, port92_write, 1, 1 };

static void port92_reset(Device *dev)
{
    Port92 *s = (Port92 *)dev;

    s->value = 0;
}

static bool port92_realize(Device *dev, Machine *m, const DeviceOpts *opts,
                           char *err, size_t errlen)
{
    Port92 *s = (Port92 *)dev;

    s->m = m;
    bus_map_io(m->io, "port92", 0x92, 1, &port92_ops, s, 0);
    return true;
}

static const StateField port92_fields[] = {
    SF(SF_U8, Port92, value),
    SF_END
};

static const StateDesc port92_state = { "port92", 1, port92_fields };

const DeviceClass port92_class = {
    .name = "port92",
    .desc = "system control port A (fast A20 and reset)",
    .size = sizeof(Port92),
    .realize = port92_realize,
    .reset = port92_reset,
    .state = &port92_state,
};

DEVICE_CLASS_REGISTER(port92_class)
