/*
 * acpi.h - the ACPI hardware (hw/piix4_pm.c, hw/hpet.c) and the ACPI
 * tables handed to the firmware (bios/acpi.c).
 *
 * The tables follow QEMU's fw_cfg interface: "etc/acpi/tables" holds every
 * table, "etc/acpi/rsdp" the RSDP, and "etc/table-loader" the commands
 * (ALLOCATE, ADD_POINTER, ADD_CHECKSUM) with which SeaBIOS places them in
 * RAM, patches the pointers between them and fixes their checksums.
 */
#ifndef KESTREL_ACPI_H
#define KESTREL_ACPI_H

#include "kestrel/common.h"
#include "kestrel/device.h"

/* Device classes, also registered by name ("PIIX4_PM", "hpet"). */
extern const DeviceClass piix4_pm_class;
extern const DeviceClass hpet_class;

/* Fixed resources the tables describe. */
#define ACPI_PM_BASE 0x600              /* PMBA: SeaBIOS moves it here when it loads
                                           etc/table-loader, as for QEMU */
#define ACPI_GPE0_BASE 0xafe0           /* GPE0 STS/EN, 2 bytes each, as QEMU's PIIX4 */
#define ACPI_SCI_IRQ 9
#define ACPI_SMI_CMD_PORT 0xb2
#define ACPI_ENABLE_VALUE 0xf1
#define ACPI_DISABLE_VALUE 0xf0
#define ACPI_HPET_BASE 0xfed00000u

#endif
