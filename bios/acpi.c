/*
 * acpi.c - the ACPI tables of the PC (ACPI 6.x ch. 5), built in C and
 * handed to SeaBIOS through fw_cfg as QEMU does (docs/specs/acpi... and
 * SeaBIOS src/fw/romfile_loader.c):
 *   etc/acpi/tables  FACS, DSDT, FADT, MADT, HPET, RSDT, XSDT, in that order
 *   etc/acpi/rsdp    the ACPI 2.0 RSDP
 *   etc/table-loader 128-byte commands: ALLOCATE both files (tables 64-byte
 *                    aligned in high memory, the RSDP in the F segment),
 *                    ADD_POINTER for every pointer between tables (the blob
 *                    holds the target's offset in its file; the loader adds
 *                    the file's address), then ADD_CHECKSUM for each table.
 * Every pointer patch comes before any checksum, so the checksums cover the
 * final values.
 *
 * What the tables describe is what hw/ builds: the PIIX4 PM block at
 * ACPI_PM_BASE (SeaBIOS moves PMBA there when it finds the table loader),
 * GPE0 at ACPI_GPE0_BASE, SCI on IRQ 9, reset through 0xCF9 (value 6), one
 * local APIC per CPU (APIC ID = processor UID = CPU index), the I/O APIC at
 * 0xFEC00000 with GSI base 0, IRQ0 -> GSI 2 and level/high PCI IRQs 5, 9,
 * 10, 11 (QEMU's overrides), LINT1 as NMI, the HPET at 0xFED00000, and a
 * DSDT with \_SB.PCI0 (PIRQ links LNKA-D on the PIIX3 routing registers),
 * the ISA devices, processor objects and \_S5 = 0 (soft-off in PM1a_CNT).
 */
#include <stdio.h>
#include "kestrel/acpi.h"
#include "kestrel/apic.h"
#include "kestrel/fw_cfg.h"
#include "kestrel/machine.h"
#include "bios/acpi.h"

#define ACPI_OEM_ID "KESTRL"
#define ACPI_OEM_TABLE_ID "KESTREL "
#define ACPI_CREATOR_ID "KSTL"
#define ACPI_HEADER_SIZE 36
#define ACPI_FACS_SIZE 64
#define ACPI_FADT_SIZE 244
#define ACPI_RSDP_SIZE 36
#define ACPI_RESET_PORT 0xcf9
#define ACPI_RESET_VALUE 6
#define ACPI_CENTURY_CMOS 0x32
#define ACPI_PCI_IRQS ((1u << 5) | (1u << 9) | (1u << 10) | (1u << 11))

#define LOADER_CMD_SIZE 128
#define LOADER_FILE_SIZE 56
enum { LOADER_ALLOCATE = 1, LOADER_ADD_POINTER = 2, LOADER_ADD_CHECKSUM = 3 };
enum { LOADER_ZONE_HIGH = 1, LOADER_ZONE_FSEG = 2 };

/* ---- table-loader commands ---- */

static uint8_t *loader_cmd(AcpiBlob *loader, uint32_t cmd)
{
    size_t at = blob_reserve(loader, LOADER_CMD_SIZE);
    uint8_t *c = loader->data + at;
    st32_le(c, cmd);
    return c;
}

static void loader_name(uint8_t *dst, const char *file)
{
    assert(strlen(file) < LOADER_FILE_SIZE);
    memcpy(dst, file, strlen(file));
}

static void loader_allocate(AcpiBlob *loader, const char *file, uint32_t align, uint8_t zone)
{
    uint8_t *c = loader_cmd(loader, LOADER_ALLOCATE);
    loader_name(c + 4, file);
    st32_le(c + 4 + LOADER_FILE_SIZE, align);
    c[8 + LOADER_FILE_SIZE] = zone;
}

/* dest_file[offset..offset+size) += address of src_file. */
static void loader_add_pointer(AcpiBlob *loader, const char *dest, const char *src,
                               uint32_t offset, uint8_t size)
{
    uint8_t *c = loader_cmd(loader, LOADER_ADD_POINTER);
    loader_name(c + 4, dest);
    loader_name(c + 4 + LOADER_FILE_SIZE, src);
    st32_le(c + 4 + 2 * LOADER_FILE_SIZE, offset);
    c[8 + 2 * LOADER_FILE_SIZE] = size;
}

static void loader_add_checksum(AcpiBlob *loader, const char *file, uint32_t offset,
                                uint32_t start, uint32_t len)
{
    uint8_t *c = loader_cmd(loader, LOADER_ADD_CHECKSUM);
    loader_name(c + 4, file);
    st32_le(c + 4 + LOADER_FILE_SIZE, offset);
    st32_le(c + 8 + LOADER_FILE_SIZE, start);
    st32_le(c + 12 + LOADER_FILE_SIZE, len);
}

/* ---- tables ---- */

typedef struct AcpiBuilder {
    AcpiBuild *out;
    uint32_t facs, dsdt, fadt, madt, hpet, rsdt, xsdt;   /* offsets in tables */
} AcpiBuilder;

/* Starts a table with its header; acpi_table_end() fills in the length. */
static uint32_t acpi_table_begin(AcpiBlob *t, const char *sig, uint8_t rev)
{
    uint32_t at = (uint32_t)t->len;
    blob_bytes(t, sig, 4);
    blob_u32(t, 0);                             /* length */
    blob_u8(t, rev);
    blob_u8(t, 0);                              /* checksum: the loader fixes it */
    blob_bytes(t, ACPI_OEM_ID, 6);
    blob_bytes(t, ACPI_OEM_TABLE_ID, 8);
    blob_u32(t, 1);
    blob_bytes(t, ACPI_CREATOR_ID, 4);
    blob_u32(t, 1);
    return at;
}

static void acpi_table_end(AcpiBlob *t, uint32_t at)
{
    st32_le(t->data + at + 4, (uint32_t)t->len - at);
}

static void acpi_table_checksum(AcpiBuilder *b, uint32_t at)
{
    uint32_t len = ld32_le(b->out->tables.data + at + 4);
    loader_add_checksum(&b->out->loader, ACPI_FILE_TABLES, at + 9, at, len);
}

/* Generic address structure. */
static void acpi_gas(AcpiBlob *t, uint8_t space, uint8_t bits, uint8_t access, uint64_t addr)
{
    blob_u8(t, space);
    blob_u8(t, bits);
    blob_u8(t, 0);
    blob_u8(t, access);
    blob_u64(t, addr);
}

static void acpi_build_facs(AcpiBuilder *b)
{
    AcpiBlob *t = &b->out->tables;
    b->facs = (uint32_t)t->len;
    blob_bytes(t, "FACS", 4);
    blob_u32(t, ACPI_FACS_SIZE);
    blob_reserve(t, ACPI_FACS_SIZE - 8);
}

static void acpi_build_fadt(AcpiBuilder *b)
{
    AcpiBlob *t = &b->out->tables;
    AcpiBlob *l = &b->out->loader;
    uint32_t at = b->fadt = acpi_table_begin(t, "FACP", 3);
    blob_u32(t, b->facs);                       /* FIRMWARE_CTRL, patched */
    blob_u32(t, b->dsdt);                       /* DSDT, patched */
    blob_u8(t, 0);                              /* reserved */
    blob_u8(t, 0);                              /* preferred PM profile: unspecified */
    blob_u16(t, ACPI_SCI_IRQ);
    blob_u32(t, ACPI_SMI_CMD_PORT);
    blob_u8(t, ACPI_ENABLE_VALUE);
    blob_u8(t, ACPI_DISABLE_VALUE);
    blob_u8(t, 0);                              /* S4BIOS_REQ */
    blob_u8(t, 0);                              /* PSTATE_CNT */
    blob_u32(t, ACPI_PM_BASE);                  /* PM1a_EVT_BLK */
    blob_u32(t, 0);
    blob_u32(t, ACPI_PM_BASE + 4);              /* PM1a_CNT_BLK */
    blob_u32(t, 0);
    blob_u32(t, 0);                             /* PM2_CNT_BLK */
    blob_u32(t, ACPI_PM_BASE + 8);              /* PM_TMR_BLK */
    blob_u32(t, ACPI_GPE0_BASE);
    blob_u32(t, 0);                             /* GPE1_BLK */
    static const uint8_t lens[] = { 4, 2, 0, 4, 4, 0, 0, 0 };  /* PM1_EVT ... CST_CNT */
    blob_bytes(t, lens, sizeof(lens));
    blob_u16(t, 0xfff);                         /* P_LVL2_LAT: C2 unsupported */
    blob_u16(t, 0xfff);                         /* P_LVL3_LAT: C3 unsupported */
    blob_u16(t, 0);                             /* FLUSH_SIZE */
    blob_u16(t, 0);                             /* FLUSH_STRIDE */
    blob_u8(t, 0);                              /* DUTY_OFFSET */
    blob_u8(t, 0);                              /* DUTY_WIDTH */
    blob_u8(t, 0);                              /* DAY_ALRM */
    blob_u8(t, 0);                              /* MON_ALRM */
    blob_u8(t, ACPI_CENTURY_CMOS);
    blob_u16(t, 0x0003);                        /* IAPC_BOOT_ARCH: legacy devices, 8042 */
    blob_u8(t, 0);
    /* WBINVD, PROC_C1, SLP_BUTTON, RTC_S4, RESET_REG_SUP, USE_PLATFORM_CLOCK */
    blob_u32(t, (1u << 0) | (1u << 2) | (1u << 5) | (1u << 7) | (1u << 10) | (1u << 15));
    acpi_gas(t, AML_SYSTEM_IO, 8, 1, ACPI_RESET_PORT);
    blob_u8(t, ACPI_RESET_VALUE);
    blob_u16(t, 0);                             /* ARM_BOOT_ARCH */
    blob_u8(t, 0);                              /* FADT minor version */
    blob_u64(t, 0);                             /* X_FIRMWARE_CTRL: FIRMWARE_CTRL is used */
    blob_u64(t, b->dsdt);                       /* X_DSDT, patched */
    acpi_gas(t, AML_SYSTEM_IO, 32, 0, ACPI_PM_BASE);
    acpi_gas(t, AML_SYSTEM_IO, 0, 0, 0);
    acpi_gas(t, AML_SYSTEM_IO, 16, 0, ACPI_PM_BASE + 4);
    acpi_gas(t, AML_SYSTEM_IO, 0, 0, 0);
    acpi_gas(t, AML_SYSTEM_IO, 0, 0, 0);
    acpi_gas(t, AML_SYSTEM_IO, 32, 0, ACPI_PM_BASE + 8);
    acpi_gas(t, AML_SYSTEM_IO, 32, 0, ACPI_GPE0_BASE);
    acpi_gas(t, AML_SYSTEM_IO, 0, 0, 0);
    acpi_table_end(t, at);
    assert(t->len - at == ACPI_FADT_SIZE);
    loader_add_pointer(l, ACPI_FILE_TABLES, ACPI_FILE_TABLES, at + 36, 4);
    loader_add_pointer(l, ACPI_FILE_TABLES, ACPI_FILE_TABLES, at + 40, 4);
    loader_add_pointer(l, ACPI_FILE_TABLES, ACPI_FILE_TABLES, at + 140, 8);
}

static void acpi_madt_iso(AcpiBlob *t, uint8_t irq, uint32_t gsi, uint16_t flags)
{
    static const uint8_t head[] = { 2, 10, 0 };          /* type, length, bus ISA */
    blob_bytes(t, head, sizeof(head));
    blob_u8(t, irq);
    blob_u32(t, gsi);
    blob_u16(t, flags);
}

static void acpi_build_madt(AcpiBuilder *b, int ncpus)
{
    AcpiBlob *t = &b->out->tables;
    b->madt = acpi_table_begin(t, "APIC", 1);
    blob_u32(t, APIC_DEFAULT_BASE);
    blob_u32(t, 1);                             /* PCAT_COMPAT: 8259s present */
    for (int i = 0; i < ncpus; i++) {
        const uint8_t lapic[] = { 0, 8, (uint8_t)i, (uint8_t)i, 1, 0, 0, 0 };
        blob_bytes(t, lapic, sizeof(lapic));
    }
    const uint8_t ioapic[] = { 1, 12, 0, 0 };   /* I/O APIC ID 0 */
    blob_bytes(t, ioapic, sizeof(ioapic));
    blob_u32(t, IOAPIC_DEFAULT_BASE);
    blob_u32(t, 0);                             /* GSI base */
    acpi_madt_iso(t, 0, 2, 0);                  /* IRQ0 -> GSI 2, conforming */
    for (uint8_t irq = 1; irq < 16; irq++)
        if (ACPI_PCI_IRQS >> irq & 1)
            acpi_madt_iso(t, irq, irq, 0x000d);     /* active high, level */
    const uint8_t nmi[] = { 4, 6, 0xff, 0, 0, 1 };  /* all processors, LINT1 */
    blob_bytes(t, nmi, sizeof(nmi));
    acpi_table_end(t, b->madt);
}

static void acpi_build_hpet(AcpiBuilder *b)
{
    AcpiBlob *t = &b->out->tables;
    b->hpet = acpi_table_begin(t, "HPET", 1);
    blob_u32(t, 0x8086a201u);                   /* event timer block ID = GCAP_ID[31:0] */
    acpi_gas(t, AML_SYSTEM_MEMORY, 64, 0, ACPI_HPET_BASE);
    blob_u8(t, 0);                              /* HPET number */
    blob_u16(t, 0x80);                          /* minimum clock tick in periodic mode */
    blob_u8(t, 0);                              /* no page protection */
    acpi_table_end(t, b->hpet);
}

/* RSDT (4-byte entries) or XSDT (8-byte entries) naming FADT, MADT, HPET. */
static uint32_t acpi_build_sdt(AcpiBuilder *b, const char *sig, uint8_t size)
{
    AcpiBlob *t = &b->out->tables;
    const uint32_t entries[] = { b->fadt, b->madt, b->hpet };
    uint32_t at = acpi_table_begin(t, sig, 1);
    for (size_t i = 0; i < ARRAY_SIZE(entries); i++) {
        uint32_t off = (uint32_t)t->len;
        if (size == 4)
            blob_u32(t, entries[i]);
        else
            blob_u64(t, entries[i]);
        loader_add_pointer(&b->out->loader, ACPI_FILE_TABLES, ACPI_FILE_TABLES, off, size);
    }
    acpi_table_end(t, at);
    return at;
}

static void acpi_build_rsdp(AcpiBuilder *b)
{
    AcpiBlob *r = &b->out->rsdp;
    AcpiBlob *l = &b->out->loader;
    blob_bytes(r, "RSD PTR ", 8);
    blob_u8(r, 0);                              /* checksum of the first 20 bytes */
    blob_bytes(r, ACPI_OEM_ID, 6);
    blob_u8(r, 2);                              /* ACPI 2.0+: XSDT present */
    blob_u32(r, b->rsdt);
    blob_u32(r, ACPI_RSDP_SIZE);
    blob_u64(r, b->xsdt);
    blob_u8(r, 0);                              /* extended checksum */
    blob_reserve(r, 3);
    loader_add_pointer(l, ACPI_FILE_RSDP, ACPI_FILE_TABLES, 16, 4);
    loader_add_pointer(l, ACPI_FILE_RSDP, ACPI_FILE_TABLES, 24, 8);
}

void acpi_build(const AcpiMachineInfo *info, AcpiBuild *out)
{
    AcpiBuilder b = { .out = out };
    memset(out, 0, sizeof(*out));
    loader_allocate(&out->loader, ACPI_FILE_RSDP, 16, LOADER_ZONE_FSEG);
    loader_allocate(&out->loader, ACPI_FILE_TABLES, 64, LOADER_ZONE_HIGH);

    acpi_build_facs(&b);
    b.dsdt = acpi_table_begin(&out->tables, "DSDT", 2);
    acpi_build_dsdt(&out->tables, info);
    acpi_table_end(&out->tables, b.dsdt);
    acpi_build_fadt(&b);
    acpi_build_madt(&b, info->ncpus);
    acpi_build_hpet(&b);
    b.rsdt = acpi_build_sdt(&b, "RSDT", 4);
    b.xsdt = acpi_build_sdt(&b, "XSDT", 8);
    acpi_build_rsdp(&b);

    /* Checksums last: every pointer above is patched by then. */
    const uint32_t tables[] = { b.dsdt, b.fadt, b.madt, b.hpet, b.rsdt, b.xsdt };
    for (size_t i = 0; i < ARRAY_SIZE(tables); i++)
        acpi_table_checksum(&b, tables[i]);
    loader_add_checksum(&out->loader, ACPI_FILE_RSDP, 8, 0, 20);
    loader_add_checksum(&out->loader, ACPI_FILE_RSDP, 32, 0, ACPI_RSDP_SIZE);
}

void acpi_build_free(AcpiBuild *b)
{
    blob_free(&b->tables);
    blob_free(&b->rsdp);
    blob_free(&b->loader);
}

void acpi_fw_cfg_setup(Machine *m)
{
    AcpiMachineInfo info = { .ncpus = m->ncpus, .below_4g_ram = m->below_4g_ram };
    AcpiBuild b;
    acpi_build(&info, &b);
    fw_cfg_add_file(m->fw_cfg, ACPI_FILE_TABLES, b.tables.data, b.tables.len);
    fw_cfg_add_file(m->fw_cfg, ACPI_FILE_RSDP, b.rsdp.data, b.rsdp.len);
    fw_cfg_add_file(m->fw_cfg, ACPI_FILE_LOADER, b.loader.data, b.loader.len);
    acpi_build_free(&b);
}
