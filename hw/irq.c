/*
 * irq.c - interrupt line fan-out.
 */
#include "kestrel/irq.h"

void irq_split_handler(void *opaque, int n, int level)
{
    IrqSplit *split = opaque;
    (void)n;
    for (int i = 0; i < split->count; i++)
        irq_set(&split->out[i], level);
}
