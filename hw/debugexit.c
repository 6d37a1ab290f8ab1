/*
 * debugexit.c - "isa-debug-exit": writing a value v to the port (0xF4 by
 * default, iosize bytes wide) stops the machine with exit status
 * (v << 1) | 1, as QEMU does, so a test guest can report its result and
 * a status of 0 stays distinguishable from a normal shutdown. Reads
 * return 0. Stateless.
 */
#include <stdio.h>
#include "kestrel/machine.h"
#include "kestrel/isa.h"
#include "isa_opts.h"

typedef struct DebugExit {
    Device dev;
    Machine *m;
} DebugExit;

static uint64_t debugexit_read(void *opaque, uint64_t offset, unsigned size)
{
    return 0;
}

static void debugexit_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    DebugExit *s = opaque;

    machine_request_exit(s->m, MACHINE_EXIT_DEBUG, (int)((value << 1) | 1));
}

static const MemOps debugexit_ops = { debugexit_read, debugexit_write, 1, 4 };

static bool debugexit_realize(Device *dev, Machine *m, const DeviceOpts *opts,
                              char *err, size_t errlen)
{
    DebugExit *s = (DebugExit *)dev;
    uint64_t iobase, iosize;

    if (!isa_opt_u64(opts, "isa-debug-exit", "iobase", 0xF4, 0xFFFF, &iobase, err, errlen) ||
        !isa_opt_u64(opts, "isa-debug-exit", "iosize", 4, 4, &iosize, err, errlen))
        return false;
    if (iosize != 1 && iosize != 2 && iosize != 4) {
        snprintf(err, errlen, "isa-debug-exit: iosize must be 1, 2 or 4");
        return false;
    }
    s->m = m;
    bus_map_io(m->io, "debug-exit", iobase, iosize, &debugexit_ops, s, 0);
    return true;
}

static const StateField debugexit_fields[] = { SF_END };
static const StateDesc debugexit_state = { "isa-debug-exit", 1, debugexit_fields };

const DeviceClass isa_debugexit_class = {
    .name = "isa-debug-exit",
    .desc = "exit the emulator with status (v << 1) | 1 (iobase=0xf4, iosize=4)",
    .size = sizeof(DebugExit),
    .user_creatable = true,
    .realize = debugexit_realize,
    .state = &debugexit_state,
};

DEVICE_CLASS_REGISTER(isa_debugexit_class)
