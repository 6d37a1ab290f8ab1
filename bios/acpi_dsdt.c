/*
 * acpi_dsdt.c - the DSDT's AML, written with the builder of acpi_aml.h.
 * In ASL terms:
 *
 *   Scope (\_SB) {
 *     Device (PCI0) { _HID PNP0A03, _UID 0, _CRS (bus 0-FF, config
 *       ports, I/O outside them, VGA window, the hole below 4 GiB), _PRT
 *       (slot s pin p -> LNK[(s + p) & 3], the PIIX swizzle of hw/pci.c),
 *       Device (ISA) { _ADR 0x10000, PIRQ registers PRQ0-3 at config 0x60,
 *         KBD PNP0303, MOU PNP0F13, COM1 PNP0501, RTC PNP0B00, PIC PNP0000,
 *         TMR PNP0100 } }
 *     Device (HPET) { PNP0103, 1 KiB at 0xFED00000 }
 *     IQST / IQCR: _STA and _CRS of a link from its PIRQ register
 *     Device (LNKA..LNKD) { PNP0C0F, _PRS {5, 10, 11}, _STA _DIS _CRS _SRS
 *       on PRQn: bit 7 disables, bits 3:0 name the ISA IRQ }
 *     Processor (CPxx, n) for each CPU (UID n = MADT processor UID)
 *   }
 *   Name (\_S5, Package { 0, 0, 0, 0 })   SLP_TYP 0 is soft-off (hw/piix4_pm.c)
 *
 * Methods are emitted before their callers, as an AML parser needs to know
 * a method's argument count where it is called.
 */
#include <stdio.h>
#include "kestrel/acpi.h"
#include "bios/acpi.h"

#define PCI_SLOTS 32
#define PIRQ_REG_PATH "\\_SB.PCI0.ISA.PRQ"
#define PCI_HOLE_END 0xfebfffffu

static const uint32_t link_irqs[] = { 5, 10, 11 };

/* Name (name, EisaId (id)) */
static void dsdt_hid(AcpiBlob *b, const char *id)
{
    aml_name_decl(b, "_HID");
    aml_eisaid(b, id);
}

static void dsdt_name_int(AcpiBlob *b, const char *name, uint64_t v)
{
    aml_name_decl(b, name);
    aml_int(b, v);
}

/* An ISA device: _HID plus a _CRS of I/O ranges and an IRQ mask (0: none). */
typedef struct DsdtIsaDevice {
    const char *name, *hid;
    int uid;                        /* -1: none */
    struct { uint16_t base; uint8_t len; } io[2];
    uint16_t irq_mask;
} DsdtIsaDevice;

static const DsdtIsaDevice dsdt_isa_devices[] = {
    { "KBD", "PNP0303", -1, { { 0x60, 1 }, { 0x64, 1 } }, 1u << 1 },
    { "MOU", "PNP0F13", -1, { { 0 } }, 1u << 12 },
    { "COM1", "PNP0501", 1, { { 0x3f8, 8 } }, 1u << 4 },
    { "RTC", "PNP0B00", -1, { { 0x70, 8 } }, 1u << 8 },
    { "PIC", "PNP0000", -1, { { 0x20, 2 }, { 0xa0, 2 } }, 1u << 2 },
    { "TMR", "PNP0100", -1, { { 0x40, 4 } }, 1u << 0 },
};

static void dsdt_isa_device(AcpiBlob *b, const DsdtIsaDevice *d)
{
    aml_open_device(b, d->name);
    dsdt_hid(b, d->hid);
    if (d->uid >= 0)
        dsdt_name_int(b, "_UID", (uint64_t)d->uid);
    aml_name_decl(b, "_CRS");
    aml_open_buffer(b);
    for (size_t i = 0; i < ARRAY_SIZE(d->io) && d->io[i].len; i++)
        aml_res_io(b, d->io[i].base, d->io[i].len);
    if (d->irq_mask)
        aml_res_irq_noflags(b, d->irq_mask);
    aml_res_end(b);
    aml_close(b);
    aml_close(b);
}

static void dsdt_isa_bridge(AcpiBlob *b)
{
    aml_open_device(b, "ISA");
    dsdt_name_int(b, "_ADR", 0x00010000);
    aml_operation_region(b, "P40C", AML_PCI_CONFIG, 0x60, 4);
    aml_open_field(b, "P40C", AML_FIELD_BYTE_ACC);
    static const char *const prq[] = { "PRQ0", "PRQ1", "PRQ2", "PRQ3" };
    for (size_t i = 0; i < ARRAY_SIZE(prq); i++)
        aml_field_entry(b, prq[i], 8);
    aml_close(b);
    for (size_t i = 0; i < ARRAY_SIZE(dsdt_isa_devices); i++)
        dsdt_isa_device(b, &dsdt_isa_devices[i]);
    aml_close(b);
}

static void dsdt_pci_crs(AcpiBlob *b, const AcpiMachineInfo *info)
{
    uint64_t hole = info->below_4g_ram < PCI_HOLE_END ? info->below_4g_ram : PCI_HOLE_END;
    aml_name_decl(b, "_CRS");
    aml_open_buffer(b);
    aml_res_word_bus(b, 0x00, 0xff);
    aml_res_io(b, 0xcf8, 8);
    aml_res_word_io(b, 0x0000, 0x0cf7);
    aml_res_word_io(b, 0x0d00, 0xffff);
    aml_res_dword_memory(b, 0x000a0000, 0x000bffff);
    aml_res_dword_memory(b, (uint32_t)hole, PCI_HOLE_END);
    aml_res_end(b);
    aml_close(b);
}

static void dsdt_pci_prt(AcpiBlob *b)
{
    static const char *const links[] = { "LNKA", "LNKB", "LNKC", "LNKD" };
    aml_name_decl(b, "_PRT");
    aml_open_package(b, PCI_SLOTS * 4);
    for (int slot = 0; slot < PCI_SLOTS; slot++)
        for (int pin = 0; pin < 4; pin++) {
            aml_open_package(b, 4);
            aml_int(b, (uint64_t)slot << 16 | 0xffff);
            aml_int(b, (uint64_t)pin);
            aml_name(b, links[(slot + pin) & 3]);
            aml_int(b, 0);
            aml_close(b);
        }
    aml_close(b);
}

static void dsdt_pci_host(AcpiBlob *b, const AcpiMachineInfo *info)
{
    aml_open_device(b, "PCI0");
    dsdt_hid(b, "PNP0A03");
    dsdt_name_int(b, "_UID", 0);
    dsdt_pci_crs(b, info);
    dsdt_pci_prt(b);
    dsdt_isa_bridge(b);
    aml_close(b);
}

static void dsdt_hpet(AcpiBlob *b)
{
    aml_open_device(b, "HPET");
    dsdt_hid(b, "PNP0103");
    dsdt_name_int(b, "_UID", 0);
    aml_name_decl(b, "_CRS");
    aml_open_buffer(b);
    aml_res_memory32_fixed(b, ACPI_HPET_BASE, 0x400, false);
    aml_res_end(b);
    aml_close(b);
    aml_close(b);
}

/* Method (IQST, 1) { If (And (0x80, Arg0)) { Return (0x09) } Return (0x0B) } */
static void dsdt_iqst(AcpiBlob *b)
{
    aml_open_method(b, "IQST", 1, false);
    aml_open_if(b);
    aml_op(b, AML_AND);
    aml_int(b, 0x80);
    aml_op(b, AML_ARG0);
    aml_op(b, AML_ZERO);                        /* no target */
    aml_op(b, AML_RETURN);
    aml_int(b, 0x09);                           /* present, functioning, disabled */
    aml_close(b);
    aml_op(b, AML_RETURN);
    aml_int(b, 0x0b);                           /* present, enabled, functioning */
    aml_close(b);
}

/* CreateDWordField (buf, 5, PRRI): the IRQ of an extended interrupt descriptor. */
static void dsdt_create_prri(AcpiBlob *b, const char *buf_name, uint8_t arg_op)
{
    aml_op(b, AML_CREATE_DWORD_FIELD);
    if (buf_name)
        aml_name(b, buf_name);
    else
        aml_op(b, arg_op);
    aml_int(b, 5);
    aml_name(b, "PRRI");
}

/*
 * Method (IQCR, 1, Serialized) {
 *   Name (PRR0, ResourceTemplate () { Interrupt (...) { 0 } })
 *   CreateDWordField (PRR0, 5, PRRI)
 *   If (LLess (Arg0, 0x80)) { Store (Arg0, PRRI) }
 *   Return (PRR0) }
 */
static void dsdt_iqcr(AcpiBlob *b)
{
    static const uint32_t none[] = { 0 };
    aml_open_method(b, "IQCR", 1, true);
    aml_name_decl(b, "PRR0");
    aml_open_buffer(b);
    aml_res_interrupt(b, none, 1);
    aml_res_end(b);
    aml_close(b);
    dsdt_create_prri(b, "PRR0", 0);
    aml_open_if(b);
    aml_op(b, AML_LLESS);
    aml_op(b, AML_ARG0);
    aml_int(b, 0x80);
    aml_op(b, AML_STORE);
    aml_op(b, AML_ARG0);
    aml_name(b, "PRRI");
    aml_close(b);
    aml_op(b, AML_RETURN);
    aml_name(b, "PRR0");
    aml_close(b);
}

static void dsdt_link(AcpiBlob *b, int n)
{
    char name[5], reg[sizeof(PIRQ_REG_PATH) + 1];
    snprintf(name, sizeof(name), "LNK%c", 'A' + n);
    snprintf(reg, sizeof(reg), "%s%d", PIRQ_REG_PATH, n);

    aml_open_device(b, name);
    dsdt_hid(b, "PNP0C0F");
    dsdt_name_int(b, "_UID", (uint64_t)n);
    aml_name_decl(b, "_PRS");
    aml_open_buffer(b);
    aml_res_interrupt(b, link_irqs, (int)ARRAY_SIZE(link_irqs));
    aml_res_end(b);
    aml_close(b);

    aml_open_method(b, "_STA", 0, false);       /* Return (IQST (PRQn)) */
    aml_op(b, AML_RETURN);
    aml_name(b, "IQST");
    aml_name(b, reg);
    aml_close(b);

    aml_open_method(b, "_DIS", 0, false);       /* Or (PRQn, 0x80, PRQn) */
    aml_op(b, AML_OR);
    aml_name(b, reg);
    aml_int(b, 0x80);
    aml_name(b, reg);
    aml_close(b);

    aml_open_method(b, "_CRS", 0, false);       /* Return (IQCR (PRQn)) */
    aml_op(b, AML_RETURN);
    aml_name(b, "IQCR");
    aml_name(b, reg);
    aml_close(b);

    aml_open_method(b, "_SRS", 1, false);       /* Store (PRRI of Arg0, PRQn) */
    dsdt_create_prri(b, NULL, AML_ARG0);
    aml_op(b, AML_STORE);
    aml_name(b, "PRRI");
    aml_name(b, reg);
    aml_close(b);

    aml_close(b);
}

static void dsdt_processors(AcpiBlob *b, int ncpus)
{
    for (int i = 0; i < ncpus; i++) {
        char name[5];
        snprintf(name, sizeof(name), "CP%02X", (unsigned)i & 0xff);
        aml_open_processor(b, name, (uint8_t)i);
        aml_close(b);
    }
}

void acpi_build_dsdt(AcpiBlob *t, const AcpiMachineInfo *info)
{
    aml_open_scope(t, "\\_SB");
    dsdt_pci_host(t, info);
    dsdt_hpet(t);
    dsdt_iqst(t);
    dsdt_iqcr(t);
    for (int n = 0; n < 4; n++)
        dsdt_link(t, n);
    dsdt_processors(t, info->ncpus);
    aml_close(t);

    aml_name_decl(t, "\\_S5");
    aml_open_package(t, 4);
    for (int i = 0; i < 4; i++)
        aml_int(t, 0);
    aml_close(t);
    assert(t->depth == 0);
}
