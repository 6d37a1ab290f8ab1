/*
 * acpi.h - private to bios/acpi*.c and their tests: the ACPI table build
 * (bios/acpi.c) and the DSDT (bios/acpi_dsdt.c).
 *
 * acpi_build() fills three blobs, the contents of the fw_cfg files named
 * below; acpi_fw_cfg_setup() publishes them for the machine.
 */
#ifndef KESTREL_BIOS_ACPI_H
#define KESTREL_BIOS_ACPI_H

#include "kestrel/machine.h"
#include "bios/acpi_aml.h"

#define ACPI_FILE_TABLES "etc/acpi/tables"
#define ACPI_FILE_RSDP "etc/acpi/rsdp"
#define ACPI_FILE_LOADER "etc/table-loader"

/* What the tables depend on. */
typedef struct AcpiMachineInfo {
    int ncpus;
    uint64_t below_4g_ram;      /* the PCI memory hole starts here */
} AcpiMachineInfo;

typedef struct AcpiBuild {
    AcpiBlob tables, rsdp, loader;
} AcpiBuild;

void acpi_build(const AcpiMachineInfo *info, AcpiBuild *out);
void acpi_build_free(AcpiBuild *b);
/* Appends the DSDT's AML (after its header) to t. */
void acpi_build_dsdt(AcpiBlob *t, const AcpiMachineInfo *info);
/* Builds the tables for m and adds the three files to m->fw_cfg. */
void acpi_fw_cfg_setup(Machine *m);

#endif
