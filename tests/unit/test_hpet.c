/*
 * test_hpet.c - the HPET driven through MMIO in deterministic virtual time
 * (icount, 1 ns per step): capabilities, the 100 MHz main counter running
 * and halted, a one-shot comparator routed to an I/O APIC pin firing at the
 * exact tick, periodic legacy-replacement interrupts on IRQ0 (which the
 * 8254 and RTC lines lose meanwhile), a level
 * interrupt held until its status bit is cleared, and 32-bit mode wrap.
 */
#include "apic_fakes.h"
#include "kestrel/acpi.h"

#define HPET(off) (ACPI_HPET_BASE + (off))
#define TN_CONF(n) HPET(0x100 + 0x20 * (n))
#define TN_CMP(n) HPET(0x108 + 0x20 * (n))

static void setup(void)
{
    fake_apic_machine();
    fake_create(fake_m, &hpet_class, NULL, NULL);
}

static uint64_t counter(void)
{
    return bus_read(fake_m->mem, HPET(0xf0), 8);
}

START_TEST(capabilities)
{
    setup();
    ck_assert_uint_eq(mmio_read(HPET(0)), 0x8086a201u);
    ck_assert_uint_eq(mmio_read(HPET(4)), 10000000u);
    ck_assert_uint_eq(mmio_read(TN_CONF(0)) & 0x30, 0x30);      /* periodic, 64-bit */
    ck_assert_uint_eq(mmio_read(TN_CONF(0) + 4), 0x00f00000u);
}
END_TEST

START_TEST(counter_runs_at_100mhz)
{
    setup();
    fake_advance(5000);
    ck_assert_uint_eq(counter(), 0);                             /* halted at reset */
    mmio_write(HPET(0x10), 1);
    fake_advance(1000);
    ck_assert_uint_eq(counter(), 100);
    mmio_write(HPET(0x10), 0);
    fake_advance(1000);
    ck_assert_uint_eq(counter(), 100);
    bus_write(fake_m->mem, HPET(0xf0), 0x1234567890ull, 8);
    ck_assert_uint_eq(counter(), 0x1234567890ull);
}
END_TEST

START_TEST(one_shot_to_ioapic_pin)
{
    setup();
    mmio_write(TN_CONF(1), 4 | 20 << 9);                         /* enabled, edge, pin 20 */
    bus_write(fake_m->mem, TN_CMP(1), 500, 8);
    int64_t t0 = clock_ns();
    mmio_write(HPET(0x10), 1);
    fake_advance_to(t0 + 4990);
    ck_assert_int_eq(aw.irq_rises[20], 0);
    fake_advance_to(t0 + 5000);
    ck_assert_int_eq(aw.irq_rises[20], 1);
    ck_assert_int_eq(aw.irq_level[20], 0);                       /* edge: a pulse */
    fake_advance(100000);
    ck_assert_int_eq(aw.irq_rises[20], 1);
}
END_TEST

START_TEST(periodic_legacy_irq0)
{
    setup();
    mmio_write(HPET(0x10), 2);                                   /* legacy route, halted */
    mmio_write(TN_CONF(0), 4 | 8 | 0x40);                        /* enabled, periodic, VAL_SET */
    bus_write(fake_m->mem, TN_CMP(0), 100, 8);
    ck_assert_uint_eq(mmio_read(TN_CONF(0)) & 0x40, 0);          /* VAL_SET self-clears */
    int64_t t0 = clock_ns();
    mmio_write(HPET(0x10), 3);
    for (int k = 1; k <= 5; k++) {
        fake_advance_to(t0 + k * 1000 - 10);
        ck_assert_int_eq(aw.irq_rises[0], k - 1);
        fake_advance_to(t0 + k * 1000);
        ck_assert_int_eq(aw.irq_rises[0], k);
    }
    ck_assert_uint_eq(mmio_read(TN_CMP(0)), 600);
}
END_TEST

START_TEST(legacy_replacement_takes_irq0_irq8)
{
    setup();
    IrqLine pit = fake_m->isa_irq[0], rtc = fake_m->isa_irq[8];
    irq_raise(&pit);
    ck_assert_int_eq(aw.irq_level[0], 1);                        /* passes through */
    irq_lower(&pit);
    irq_raise(&rtc);
    ck_assert_int_eq(aw.irq_level[8], 1);
    mmio_write(HPET(0x10), 2);                                   /* legacy route */
    ck_assert_int_eq(aw.irq_level[8], 0);                        /* the RTC lost IRQ8 */
    irq_raise(&pit);
    ck_assert_int_eq(aw.irq_level[0], 0);                        /* the PIT lost IRQ0 */
    irq_lower(&pit);
    mmio_write(HPET(0x10), 0);
    ck_assert_int_eq(aw.irq_level[8], 1);                        /* the RTC is back */
}
END_TEST

START_TEST(level_held_until_status_cleared)
{
    setup();
    mmio_write(TN_CONF(2), 4 | 2 | 21 << 9);                     /* enabled, level, pin 21 */
    bus_write(fake_m->mem, TN_CMP(2), 10, 8);
    mmio_write(HPET(0x10), 1);
    fake_advance(100);
    ck_assert_int_eq(aw.irq_level[21], 1);
    ck_assert_uint_eq(mmio_read(HPET(0x20)), 4);
    mmio_write(HPET(0x20), 4);
    ck_assert_int_eq(aw.irq_level[21], 0);
    ck_assert_uint_eq(mmio_read(HPET(0x20)), 0);
}
END_TEST

START_TEST(mode_32bit_wraps)
{
    setup();
    bus_write(fake_m->mem, HPET(0xf0), 0xfffffff0ull, 8);
    mmio_write(TN_CONF(1), 4 | 0x100 | 22 << 9);                 /* 32-bit, pin 22 */
    bus_write(fake_m->mem, TN_CMP(1), 0x100000010ull, 8);        /* truncated to 0x10 */
    ck_assert_uint_eq(bus_read(fake_m->mem, TN_CMP(1), 8), 0x10);
    int64_t t0 = clock_ns();
    mmio_write(HPET(0x10), 1);
    fake_advance_to(t0 + 310);
    ck_assert_int_eq(aw.irq_rises[22], 0);
    fake_advance_to(t0 + 320);                                   /* 0x20 ticks: wrapped to 0x10 */
    ck_assert_int_eq(aw.irq_rises[22], 1);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, capabilities);
    tcase_add_test(tc, counter_runs_at_100mhz);
    tcase_add_test(tc, one_shot_to_ioapic_pin);
    tcase_add_test(tc, periodic_legacy_irq0);
    tcase_add_test(tc, legacy_replacement_takes_irq0_irq8);
    tcase_add_test(tc, level_held_until_status_cleared);
    tcase_add_test(tc, mode_32bit_wraps);
}

int main(void)
{
    return fake_run("hpet", add_tests);
}
