/*
 * board.h - private to the PC board (hw/pc.c and the chipset files it
 * creates): the board's own state around the Machine, the chipset device
 * classes, and the IDE interface used by the PIIX3 IDE function.
 *
 * Invariant: every Machine that pc_create() returns is the `machine` member
 * of a PcBoard, so chipset devices reach board state with pc_board(m).
 * Tests that build a machine by hand must build a PcBoard the same way.
 */
#ifndef KESTREL_HW_BOARD_H
#define KESTREL_HW_BOARD_H

#include "kestrel/machine.h"
#include "kestrel/pci.h"
#include "kestrel/block.h"

#define PC_BIOS_TOP 0x100000000ull
#define PC_LEGACY_ROM_BASE 0xc0000u      /* option ROMs 0xC0000-0xDFFFF, BIOS 0xE0000-0xFFFFF */
#define PC_LEGACY_ROM_SIZE 0x40000u
#define PC_ISA_BIOS_SIZE 0x20000u        /* the BIOS image's last 128 KiB at 0xE0000 */
#define PC_VGA_BASE 0xa0000u
#define PC_HIGH_RAM_BASE 0x100000u
#define PC_MAX_E820 32

enum { E820_RAM = 1, E820_RESERVED = 2, E820_ACPI = 3, E820_NVS = 4, E820_UNUSABLE = 5 };

typedef struct E820Entry {
    uint64_t addr, len;
    uint32_t type;
} E820Entry;

typedef struct E820Table {
    E820Entry entry[PC_MAX_E820];
    int count;
} E820Table;

typedef struct PcBoard {
    Machine machine;
    uint8_t *bios;              /* firmware image mapped read-only below 4 GiB */
    size_t bios_size;
    /*
     * What 0xC0000-0xFFFFF reads when the PAM registers route it to ROM:
     * the option ROM area (zeros, loaders may fill it) and the BIOS image's
     * last 128 KiB (0xff-padded if the image is smaller).
     */
    uint8_t *legacy_rom;
    E820Table e820;
    BlockDev *ide_drives[4];    /* by IDE index bus*2+unit, NULL when empty */
    bool ide_cdrom[4];
    char *device_arg_copies[MAX_DEVICE_ARGS];   /* -device strings split into opts */
    DeviceOpts device_opts[MAX_DEVICE_ARGS];
    const DeviceClass *device_cls[MAX_DEVICE_ARGS];
} PcBoard;

static inline PcBoard *pc_board(Machine *m)
{
    return container_of(m, PcBoard, machine);
}

/* Chipset classes; pc.c creates them in this order after the ISA devices. */
extern const DeviceClass i440fx_device_class;      /* "i440FX": 00.0, PAM, SMRAM */
extern const DeviceClass piix3_device_class;       /* "PIIX3": 01.0, PIRQ routing, 0xCF9 */
extern const DeviceClass piix3_ide_device_class;   /* "piix3-ide": 01.1 and both channels */
extern const DeviceClass fw_cfg_device_class;      /* "fw_cfg": 0x510, 0x514 */

/* e820 (bios/fw_cfg_files.c). */
bool e820_add(E820Table *t, uint64_t addr, uint64_t len, uint32_t type);
/* Fills the fw_cfg items and files firmware reads; the machine is complete. */
void pc_fw_cfg_setup(Machine *m);

#endif
