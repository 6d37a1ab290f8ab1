/*
 * debugcon.c - "isa-debugcon": a write-only console port (0x402 by
 * default, the port SeaBIOS logs to). Each byte written goes to the
 * character back end m->serial[chardev]; without a chardev option the
 * output is dropped. Reads return the readback byte (0xE9), which lets a
 * guest probe for the port. The readback byte is its only state.
 */
#include "kestrel/machine.h"
#include "kestrel/isa.h"
#include "kestrel/chardev.h"
#include "isa_opts.h"

typedef struct DebugCon {
    Device dev;
    uint8_t readback;
    CharDev *chr;
} DebugCon;

static uint64_t debugcon_read(void *opaque, uint64_t offset, unsigned size)
{
    DebugCon *s = opaque;

    return s->readback;
}

static void debugcon_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    DebugCon *s = opaque;
    uint8_t byte = (uint8_t)value;

    if (s->chr)
        chardev_write(s->chr, &byte, 1);
}

static const MemOps debugcon_ops = { debugcon_read, debugcon_write, 1, 1 };

static bool debugcon_realize(Device *dev, Machine *m, const DeviceOpts *opts,
                             char *err, size_t errlen)
{
    DebugCon *s = (DebugCon *)dev;
    uint64_t iobase, chr, readback;

    if (!isa_opt_u64(opts, "isa-debugcon", "iobase", 0x402, 0xFFFF, &iobase, err, errlen) ||
        !isa_opt_u64(opts, "isa-debugcon", "chardev", MAX_SERIAL, MAX_SERIAL, &chr, err, errlen) ||
        !isa_opt_u64(opts, "isa-debugcon", "readback", 0xE9, 0xFF, &readback, err, errlen))
        return false;
    s->readback = (uint8_t)readback;
    s->chr = chr < MAX_SERIAL ? m->serial[chr] : NULL;
    bus_map_io(m->io, "debugcon", iobase, 1, &debugcon_ops, s, 0);
    return true;
}

static const StateField debugcon_fields[] = {
    SF(SF_U8, DebugCon, readback),
    SF_END
};

static const StateDesc debugcon_state = { "isa-debugcon", 1, debugcon_fields };

const DeviceClass isa_debugcon_class = {
    .name = "isa-debugcon",
    .desc = "debug console port (iobase=0x402, chardev=N: -serial index, readback=0xe9)",
    .size = sizeof(DebugCon),
    .user_creatable = true,
    .realize = debugcon_realize,
    .state = &debugcon_state,
};

DEVICE_CLASS_REGISTER(isa_debugcon_class)
