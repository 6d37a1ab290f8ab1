/*
 * test_acpi.c - the ACPI tables as SeaBIOS sees them: the table-loader
 * commands run against a fake guest RAM as romfile_loader.c runs them
 * (ALLOCATE in the F segment or high memory, ADD_POINTER, ADD_CHECKSUM),
 * then the RSDP, RSDT/XSDT, FADT, FACS, MADT, HPET and DSDT are checked:
 * signatures, lengths, checksums, the pointers between them and the
 * values the hardware needs. Also the AML builder's encodings.
 */
#include <check.h>
#include <stdlib.h>
#include "bios/acpi.h"
#include "kestrel/acpi.h"
#include "kestrel/apic.h"

#define RAM_SIZE (2u << 20)
#define FSEG_BASE 0xf0000u
#define HIGH_BASE 0x100000u

static uint8_t ram[RAM_SIZE];

typedef struct LoadedFile {
    const char *name;
    const AcpiBlob *blob;
    uint32_t addr;          /* 0 until allocated */
} LoadedFile;

static LoadedFile files[2];

static LoadedFile *find_file(const uint8_t *name)
{
    for (int i = 0; i < 2; i++)
        if (!strncmp((const char *)name, files[i].name, 56))
            return &files[i];
    ck_abort_msg("loader names unknown file %.56s", name);
    return NULL;
}

static uint8_t sum(uint32_t addr, uint32_t len)
{
    uint8_t s = 0;
    for (uint32_t i = 0; i < len; i++)
        s += ram[addr + i];
    return s;
}

/* Runs etc/table-loader; returns the RSDP's address. */
static uint32_t run_loader(const AcpiBuild *b)
{
    uint32_t next[3] = { 0, HIGH_BASE, FSEG_BASE };        /* by zone */
    files[0] = (LoadedFile){ ACPI_FILE_TABLES, &b->tables, 0 };
    files[1] = (LoadedFile){ ACPI_FILE_RSDP, &b->rsdp, 0 };
    memset(ram, 0, sizeof(ram));
    ck_assert_uint_eq(b->loader.len % 128, 0);
    for (size_t off = 0; off < b->loader.len; off += 128) {
        const uint8_t *c = b->loader.data + off;
        switch (ld32_le(c)) {
        case 1: {
            LoadedFile *f = find_file(c + 4);
            uint32_t align = ld32_le(c + 60), zone = c[64];
            ck_assert(zone == 1 || zone == 2);
            uint32_t a = (next[zone] + align - 1) & ~(align - 1);
            f->addr = a;
            memcpy(ram + a, f->blob->data, f->blob->len);
            next[zone] = a + (uint32_t)f->blob->len;
            break;
        }
        case 2: {
            LoadedFile *dst = find_file(c + 4), *src = find_file(c + 60);
            uint32_t at = dst->addr + ld32_le(c + 116);
            uint8_t size = c[120];
            ck_assert(dst->addr && src->addr);
            ck_assert(size == 4 || size == 8);
            uint64_t v = size == 4 ? ld32_le(ram + at) : ld64_le(ram + at);
            v += src->addr;
            if (size == 4)
                st32_le(ram + at, (uint32_t)v);
            else
                st64_le(ram + at, v);
            break;
        }
        case 3: {
            LoadedFile *f = find_file(c + 4);
            uint32_t at = ld32_le(c + 60), start = ld32_le(c + 64), len = ld32_le(c + 68);
            ck_assert_uint_le(start + len, f->blob->len);
            ram[f->addr + at] -= sum(f->addr + start, len);
            break;
        }
        default:
            ck_abort_msg("unknown loader command %u", ld32_le(c));
        }
    }
    return files[1].addr;
}

/* A table at addr: signature, sane length, zero checksum; returns the length. */
static uint32_t check_table(uint32_t addr, const char *sig)
{
    ck_assert_msg(!memcmp(ram + addr, sig, 4), "%s at %x", sig, addr);
    uint32_t len = ld32_le(ram + addr + 4);
    ck_assert_uint_ge(len, 36);
    ck_assert_uint_lt(addr + len, RAM_SIZE);
    ck_assert_msg(sum(addr, len) == 0, "%s checksum", sig);
    return len;
}

static AcpiBuild build;
static uint32_t rsdp;

static void build_two_cpus(void)
{
    AcpiMachineInfo info = { .ncpus = 2, .below_4g_ram = 128 * MiB };
    acpi_build(&info, &build);
    rsdp = run_loader(&build);
}

/* The table that RSDT entry i names. */
static uint32_t rsdt_entry(int i)
{
    uint32_t rsdt = ld32_le(ram + rsdp + 16);
    return ld32_le(ram + rsdt + 36 + 4 * i);
}

START_TEST(rsdp_and_root_tables)
{
    build_two_cpus();
    ck_assert_uint_ge(rsdp, FSEG_BASE);
    ck_assert_uint_lt(rsdp, 0x100000);
    ck_assert_uint_eq(rsdp % 16, 0);
    ck_assert(!memcmp(ram + rsdp, "RSD PTR ", 8));
    ck_assert_uint_eq(sum(rsdp, 20), 0);
    ck_assert_uint_eq(sum(rsdp, 36), 0);
    ck_assert_uint_eq(ram[rsdp + 15], 2);
    uint32_t rsdt = ld32_le(ram + rsdp + 16);
    uint64_t xsdt = ld64_le(ram + rsdp + 24);
    ck_assert_uint_eq(check_table(rsdt, "RSDT"), 36 + 3 * 4);
    ck_assert_uint_eq(check_table((uint32_t)xsdt, "XSDT"), 36 + 3 * 8);
    static const char *const sigs[] = { "FACP", "APIC", "HPET" };
    for (int i = 0; i < 3; i++) {
        check_table(rsdt_entry(i), sigs[i]);
        ck_assert_uint_eq(ld64_le(ram + xsdt + 36 + 8 * i), rsdt_entry(i));
    }
    acpi_build_free(&build);
}
END_TEST

START_TEST(fadt_facs_dsdt)
{
    build_two_cpus();
    uint32_t fadt = rsdt_entry(0);
    ck_assert_uint_eq(check_table(fadt, "FACP"), 244);
    uint32_t facs = ld32_le(ram + fadt + 36), dsdt = ld32_le(ram + fadt + 40);
    ck_assert(!memcmp(ram + facs, "FACS", 4));
    ck_assert_uint_eq(ld32_le(ram + facs + 4), 64);
    ck_assert_uint_eq(facs % 64, 0);
    check_table(dsdt, "DSDT");
    ck_assert_uint_eq(ld64_le(ram + fadt + 140), dsdt);          /* X_DSDT */
    ck_assert_uint_eq(ld16_le(ram + fadt + 46), ACPI_SCI_IRQ);
    ck_assert_uint_eq(ld32_le(ram + fadt + 48), ACPI_SMI_CMD_PORT);
    ck_assert_uint_eq(ram[fadt + 52], ACPI_ENABLE_VALUE);
    ck_assert_uint_eq(ld32_le(ram + fadt + 56), ACPI_PM_BASE);   /* PM1a_EVT */
    ck_assert_uint_eq(ld32_le(ram + fadt + 64), ACPI_PM_BASE + 4);
    ck_assert_uint_eq(ld32_le(ram + fadt + 76), ACPI_PM_BASE + 8);
    ck_assert_uint_eq(ld32_le(ram + fadt + 80), ACPI_GPE0_BASE);
    ck_assert_uint_eq(ram[fadt + 88], 4);
    ck_assert_uint_eq(ram[fadt + 89], 2);
    ck_assert_uint_eq(ram[fadt + 91], 4);
    ck_assert_uint_eq(ram[fadt + 108], 0x32);                    /* century */
    ck_assert(ld32_le(ram + fadt + 112) & (1u << 10));          /* RESET_REG_SUP */
    ck_assert_uint_eq(ram[fadt + 116], 1);                       /* reset: system I/O */
    ck_assert_uint_eq(ld64_le(ram + fadt + 120), 0xcf9);
    ck_assert_uint_eq(ram[fadt + 128], 6);
    ck_assert_uint_eq(ld64_le(ram + fadt + 148 + 4), ACPI_PM_BASE);  /* X_PM1a_EVT */
    acpi_build_free(&build);
}
END_TEST

START_TEST(madt_entries)
{
    build_two_cpus();
    uint32_t madt = rsdt_entry(1);
    uint32_t len = check_table(madt, "APIC");
    ck_assert_uint_eq(ld32_le(ram + madt + 36), APIC_DEFAULT_BASE);
    ck_assert_uint_eq(ld32_le(ram + madt + 40), 1);
    int lapics = 0, ioapics = 0, isos = 0, nmis = 0;
    for (uint32_t at = madt + 44; at < madt + len; at += ram[at + 1]) {
        const uint8_t *e = ram + at;
        ck_assert_uint_ge(e[1], 2);
        switch (e[0]) {
        case 0:
            ck_assert_uint_eq(e[2], lapics);                     /* UID */
            ck_assert_uint_eq(e[3], lapics);                     /* APIC ID */
            ck_assert_uint_eq(ld32_le(e + 4), 1);
            lapics++;
            break;
        case 1:
            ck_assert_uint_eq(ld32_le(e + 4), IOAPIC_DEFAULT_BASE);
            ck_assert_uint_eq(ld32_le(e + 8), 0);
            ioapics++;
            break;
        case 2:
            if (e[3] == 0)
                ck_assert_uint_eq(ld32_le(e + 4), 2);            /* IRQ0 -> GSI 2 */
            else
                ck_assert_uint_eq(ld16_le(e + 8), 0x000d);       /* PCI: level, high */
            isos++;
            break;
        case 4:
            ck_assert_uint_eq(e[5], 1);                          /* LINT1 */
            nmis++;
            break;
        default:
            ck_abort_msg("unexpected MADT entry type %u", e[0]);
        }
    }
    ck_assert_int_eq(lapics, 2);
    ck_assert_int_eq(ioapics, 1);
    ck_assert_int_eq(isos, 5);
    ck_assert_int_eq(nmis, 1);
    acpi_build_free(&build);
}
END_TEST

START_TEST(hpet_table)
{
    build_two_cpus();
    uint32_t hpet = rsdt_entry(2);
    ck_assert_uint_eq(check_table(hpet, "HPET"), 56);
    ck_assert_uint_eq(ld32_le(ram + hpet + 36), 0x8086a201u);
    ck_assert_uint_eq(ram[hpet + 40], 0);                        /* system memory */
    ck_assert_uint_eq(ld64_le(ram + hpet + 44), ACPI_HPET_BASE);
    acpi_build_free(&build);
}
END_TEST

static const uint8_t *find_bytes(const uint8_t *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (!memcmp(hay + i, needle, n))
            return hay + i;
    return NULL;
}

START_TEST(dsdt_contents)
{
    build_two_cpus();
    uint32_t dsdt = ld32_le(ram + rsdt_entry(0) + 40);
    uint32_t len = ld32_le(ram + dsdt + 4);
    const uint8_t *aml = ram + dsdt + 36;
    ck_assert_uint_eq(aml[0], 0x10);                             /* Scope (\_SB) */
    static const char *const names[] = {
        "PCI0", "_PRT", "LNKA", "LNKD", "PRQ3", "HPET", "IQCR", "CP00", "CP01", "COM1",
    };
    for (size_t i = 0; i < ARRAY_SIZE(names); i++)
        ck_assert_msg(find_bytes(aml, len - 36, names[i]), "%s", names[i]);
    ck_assert(!find_bytes(aml, len - 36, "CP02"));
    /* Name (\_S5, Package (4) { 0, 0, 0, 0 }) closes the DSDT. */
    static const uint8_t s5[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x06, 4, 0, 0, 0, 0 };
    ck_assert(!memcmp(ram + dsdt + len - sizeof(s5), s5, sizeof(s5)));
    acpi_build_free(&build);
}
END_TEST

START_TEST(aml_encodings)
{
    AcpiBlob b = { 0 };
    aml_int(&b, 0);
    aml_int(&b, 0x12);
    aml_int(&b, 0x1234);
    aml_int(&b, 0x12345678);
    static const uint8_t ints[] = { 0x00, 0x0a, 0x12, 0x0b, 0x34, 0x12, 0x0c, 0x78, 0x56,
                                    0x34, 0x12 };
    ck_assert_uint_eq(b.len, sizeof(ints));
    ck_assert(!memcmp(b.data, ints, sizeof(ints)));
    blob_free(&b);

    aml_eisaid(&b, "PNP0A03");
    static const uint8_t eisa[] = { 0x0c, 0x41, 0xd0, 0x0a, 0x03 };
    ck_assert(!memcmp(b.data, eisa, sizeof(eisa)));
    blob_free(&b);

    aml_name(&b, "\\_SB.PCI0");
    static const uint8_t path[] = { '\\', 0x2e, '_', 'S', 'B', '_', 'P', 'C', 'I', '0' };
    ck_assert_uint_eq(b.len, sizeof(path));
    ck_assert(!memcmp(b.data, path, sizeof(path)));
    blob_free(&b);

    /* 100 content bytes: a two-byte PkgLength of 102 = 0x66. */
    aml_open_scope(&b, "ABCD");
    blob_reserve(&b, 96);
    aml_close(&b);
    ck_assert_uint_eq(b.len, 1 + 2 + 100);
    ck_assert_uint_eq(b.data[1], 0x40 | (102 & 0xf));
    ck_assert_uint_eq(b.data[2], 102 >> 4);
    blob_free(&b);

    /* Buffer () { 1 byte }: BufferSize (OneOp) comes first. */
    aml_open_buffer(&b);
    blob_u8(&b, 0x79);
    aml_close(&b);
    static const uint8_t buf[] = { 0x11, 0x03, 0x01, 0x79 };
    ck_assert_uint_eq(b.len, sizeof(buf));
    ck_assert(!memcmp(b.data, buf, sizeof(buf)));
    blob_free(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("acpi");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, rsdp_and_root_tables);
    tcase_add_test(tc, fadt_facs_dsdt);
    tcase_add_test(tc, madt_entries);
    tcase_add_test(tc, hpet_table);
    tcase_add_test(tc, dsdt_contents);
    tcase_add_test(tc, aml_encodings);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
