/*
 * irq.h - interrupt lines.
 *
 * A line is (set function, opaque, number). Devices hold lines and raise or
 * lower them; the board wires each line to its sink (PIC input, IOAPIC pin,
 * CPU INTR). Fan-out to several sinks is an explicit IrqSplit.
 */
#ifndef KESTREL_IRQ_H
#define KESTREL_IRQ_H

#include "kestrel/common.h"

typedef void IrqHandler(void *opaque, int n, int level);

typedef struct IrqLine {
    IrqHandler *handler;
    void *opaque;
    int n;
} IrqLine;

static inline IrqLine irq_line(IrqHandler *handler, void *opaque, int n)
{
    return (IrqLine){ handler, opaque, n };
}

static inline void irq_set(const IrqLine *line, int level)
{
    if (line->handler)
        line->handler(line->opaque, line->n, level);
}
static inline void irq_raise(const IrqLine *line) { irq_set(line, 1); }
static inline void irq_lower(const IrqLine *line) { irq_set(line, 0); }
static inline void irq_pulse(const IrqLine *line) { irq_set(line, 1); irq_set(line, 0); }

/* One input driving up to four sinks (e.g. ISA IRQ -> PIC and IOAPIC). */
typedef struct IrqSplit {
    IrqLine out[4];
    int count;
} IrqSplit;

void irq_split_handler(void *opaque, int n, int level);

#endif
