/*
 * test_piix4_pm.c - the PIIX4 PM function on a bare PCI bus: its config
 * space as SeaBIOS programs it (PMBA, PMIOSE, DEVACTB without SMM), the
 * 24-bit PM timer at 3.579545 MHz from the virtual clock, the overflow
 * status and SCI on IRQ 9, S5 poweroff through PM1a_CNT, and ACPI enable
 * through the APM control port.
 */
#include "apic_fakes.h"
#include "kestrel/acpi.h"
#include "kestrel/pci.h"

#define PMBASE 0xb000
#define PM_DEVFN PCI_DEVFN(1, 3)

static uint32_t cfg_read(int reg)
{
    pio_write(0xcf8, 0x80000000u | PM_DEVFN << 8 | (reg & 0xfc), 4);
    return (uint32_t)pio_read(0xcfc, 4);
}

static void cfg_write(int reg, uint32_t v)
{
    pio_write(0xcf8, 0x80000000u | PM_DEVFN << 8 | (reg & 0xfc), 4);
    pio_write(0xcfc, v, 4);
}

/* The PM function with its I/O block enabled at PMBASE, as SeaBIOS leaves it. */
static void setup(void)
{
    Machine *m = fake_apic_machine();
    m->pci = pci_bus_new(m);
    Device *d = fake_create(m, &piix4_pm_class, NULL, NULL);
    d->cls->reset(d);
    cfg_write(0x40, PMBASE | 1);
    cfg_write(0x80, 1);
}

START_TEST(config_space)
{
    setup();
    ck_assert_uint_eq(cfg_read(0x00), 0x71138086u);
    ck_assert_uint_eq(cfg_read(0x08) >> 8, 0x068000);
    ck_assert_uint_eq(cfg_read(0x40), PMBASE | 1);
    ck_assert(cfg_read(0x58) & (1u << 25));                     /* APMC_EN: no SMM */
    cfg_write(0x80, 0);                                         /* PMIOSE off */
    ck_assert_uint_eq(pio_read(PMBASE + 8, 4), 0xffffffffu);
}
END_TEST

START_TEST(pm_timer_counts)
{
    setup();
    uint32_t t0 = (uint32_t)pio_read(PMBASE + 8, 4);
    ck_assert_uint_lt(t0, 1u << 24);
    fake_advance(1000000000);                                   /* one second */
    uint32_t t1 = (uint32_t)pio_read(PMBASE + 8, 4);
    uint32_t d = (t1 - t0) & 0xffffff;
    ck_assert(d >= 3579544 && d <= 3579546);
}
END_TEST

START_TEST(overflow_raises_sci)
{
    setup();
    pio_write(PMBASE + 2, 1, 2);                                /* TMROF_EN */
    uint32_t t = (uint32_t)pio_read(PMBASE + 8, 4);
    uint64_t to_toggle = (1u << 23) - (t & ((1u << 23) - 1));
    fake_advance((int64_t)(to_toggle * 1000000000ull / 3579545) - 1000);
    ck_assert_int_eq(aw.irq_level[ACPI_SCI_IRQ], 0);
    fake_advance(2000);
    ck_assert_uint_eq(pio_read(PMBASE, 2) & 1, 1);
    ck_assert_int_eq(aw.irq_level[ACPI_SCI_IRQ], 1);
    pio_write(PMBASE, 1, 2);                                    /* write 1 to clear */
    ck_assert_uint_eq(pio_read(PMBASE, 2) & 1, 0);
    ck_assert_int_eq(aw.irq_level[ACPI_SCI_IRQ], 0);
}
END_TEST

START_TEST(s5_powers_off)
{
    setup();
    pio_write(PMBASE + 4, 1 << 10 | 1 << 13, 2);               /* S3: not emulated */
    ck_assert_int_eq(aw.exits, 0);
    pio_write(PMBASE + 4, 0 << 10 | 1 << 13, 2);               /* SLP_TYP 0 = S5 */
    ck_assert_int_eq(aw.exits, 1);
    ck_assert_int_eq(aw.exit_why, MACHINE_EXIT_SHUTDOWN);
    ck_assert_int_eq(aw.exit_status, 0);
    ck_assert_uint_eq(pio_read(PMBASE + 4, 2) & (1 << 13), 0); /* SLP_EN reads 0 */
}
END_TEST

START_TEST(apm_switches_acpi_mode)
{
    setup();
    ck_assert_uint_eq(pio_read(PMBASE + 4, 2) & 1, 0);
    pio_write(ACPI_SMI_CMD_PORT, ACPI_ENABLE_VALUE, 1);
    ck_assert_uint_eq(pio_read(PMBASE + 4, 2) & 1, 1);
    pio_write(ACPI_SMI_CMD_PORT, ACPI_DISABLE_VALUE, 1);
    ck_assert_uint_eq(pio_read(PMBASE + 4, 2) & 1, 0);
    pio_write(ACPI_SMI_CMD_PORT + 1, 0x5a, 1);
    ck_assert_uint_eq(pio_read(ACPI_SMI_CMD_PORT + 1, 1), 0x5a);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, config_space);
    tcase_add_test(tc, pm_timer_counts);
    tcase_add_test(tc, overflow_raises_sci);
    tcase_add_test(tc, s5_powers_off);
    tcase_add_test(tc, apm_switches_acpi_mode);
}

int main(void)
{
    return fake_run("piix4_pm", add_tests);
}
