/*
 * ide.h - private to the board: one IDE channel (ATA/ATAPI task file on
 * legacy ports, two drives, one IRQ line), as created by the PIIX3 IDE
 * function. The channel never owns its BlockDevs' lifetime.
 */
#ifndef KESTREL_HW_IDE_H
#define KESTREL_HW_IDE_H

#include "kestrel/machine.h"
#include "kestrel/block.h"

typedef struct IdeBus IdeBus;

/* Maps the command block at iobase (8 ports) and device control at ctlbase. */
IdeBus *ide_bus_new(Machine *m, const char *name, uint16_t iobase, uint16_t ctlbase,
                    IrqLine irq);
/* unit 0 master, 1 slave; bs NULL leaves the position empty. */
void ide_bus_attach(IdeBus *b, int unit, BlockDev *bs, bool cdrom);
void ide_bus_reset(IdeBus *b);
/* The PIIX bus master: DMA commands and IDENTIFY's DMA words appear once enabled. */
void ide_bus_enable_bm(IdeBus *b);
/* Bus master registers of this channel, by byte (0 command, 2 status, 4-7 PRD table). */
uint8_t ide_bm_read(IdeBus *b, unsigned reg);
void ide_bm_write(IdeBus *b, unsigned reg, uint8_t val);

#endif
