/*
 * test_mc146818.c - the RTC and CMOS through ports 0x70/0x71 with no CPU,
 * in deterministic virtual time: CMOS bytes SeaBIOS reads (memory sizes
 * for 128 MiB and 5 GiB, boot order, checksum), date registers in BCD,
 * binary and 12-hour modes, rollover, UIP timing, periodic interrupt rate,
 * update-ended and alarm interrupts, register C semantics.
 */
#include "isa_fakes.h"

static Machine *rtc_machine(uint64_t ram, const char *boot_order)
{
    Machine *m;

    fake_clock_start();
    m = fake_machine(ram);
    ((MachineConfig *)m->cfg)->boot_order = boot_order;
    fake_create(m, &mc146818_class, NULL);
    return m;
}

static uint8_t cmos(Machine *m, uint8_t idx)
{
    outb(m, 0x70, idx);
    return inb(m, 0x71);
}

static void cmos_set(Machine *m, uint8_t idx, uint8_t v)
{
    outb(m, 0x70, idx);
    outb(m, 0x71, v);
}

/*
 * Sets the clock with the divider held in reset; releasing it (register A
 * = 0x26) starts the first second 500 ms later, so time is deterministic.
 * Returns the virtual time of the release.
 */
static int64_t set_time_century(Machine *m, uint8_t reg_b, const uint8_t regs[7],
                                uint8_t century)
{
    static const uint8_t idx[7] = { 0x00, 0x02, 0x04, 0x06, 0x07, 0x08, 0x09 };

    cmos_set(m, 0x0A, 0x76);
    cmos_set(m, 0x0B, reg_b);
    cmos_set(m, 0x32, century);
    for (int i = 0; i < 7; i++)
        cmos_set(m, idx[i], regs[i]);
    cmos_set(m, 0x0A, 0x26);
    return clock_ns();
}

static int64_t set_time(Machine *m, uint8_t reg_b, const uint8_t regs[7])
{
    return set_time_century(m, reg_b, regs, 0x20);
}

/* 2026-11-22 13:45:30, a Sunday (dow 1), in BCD. */
static const uint8_t sunday_bcd[7] = { 0x30, 0x45, 0x13, 0x01, 0x22, 0x11, 0x26 };

START_TEST(cmos_memory_128m)
{
    Machine *m = rtc_machine(128 * MiB, NULL);

    ck_assert_uint_eq(cmos(m, 0x15) | cmos(m, 0x16) << 8, 640);
    ck_assert_uint_eq(cmos(m, 0x17) | cmos(m, 0x18) << 8, 0xFFFF);   /* capped */
    ck_assert_uint_eq(cmos(m, 0x30) | cmos(m, 0x31) << 8, 0xFFFF);
    ck_assert_uint_eq(cmos(m, 0x34) | cmos(m, 0x35) << 8, (128 - 16) * 16);
    ck_assert_uint_eq(cmos(m, 0x5B) | cmos(m, 0x5C) << 8 | cmos(m, 0x5D) << 16, 0);
    ck_assert_uint_eq(cmos(m, 0x14), 0x06);            /* FPU, PS/2 mouse, no floppy */
    ck_assert_uint_eq(cmos(m, 0x10), 0x00);
    ck_assert_uint_eq(cmos(m, 0x5F), 0);               /* one CPU */
    ck_assert_uint_eq(cmos(m, 0x0F), 0);               /* shutdown status */
}
END_TEST

START_TEST(cmos_memory_48m)
{
    Machine *m = rtc_machine(48 * MiB, NULL);

    ck_assert_uint_eq(cmos(m, 0x17) | cmos(m, 0x18) << 8, 47 * 1024);
    ck_assert_uint_eq(cmos(m, 0x30) | cmos(m, 0x31) << 8, 47 * 1024);
    ck_assert_uint_eq(cmos(m, 0x34) | cmos(m, 0x35) << 8, 32 * 16);
}
END_TEST

START_TEST(cmos_memory_5g)
{
    Machine *m = rtc_machine(5 * GiB, NULL);
    unsigned sum = 0;

    ck_assert_uint_eq(cmos(m, 0x17) | cmos(m, 0x18) << 8, 0xFFFF);   /* capped */
    ck_assert_uint_eq(cmos(m, 0x30) | cmos(m, 0x31) << 8, 0xFFFF);
    ck_assert_uint_eq(cmos(m, 0x34) | cmos(m, 0x35) << 8, (3 * 1024 - 16) * 16);
    ck_assert_uint_eq(cmos(m, 0x5B) | cmos(m, 0x5C) << 8 | cmos(m, 0x5D) << 16,
                      2 * 1024 * 16);
    for (int i = 0x10; i < 0x2E; i++)
        sum += cmos(m, (uint8_t)i);
    ck_assert_uint_eq(cmos(m, 0x2E) << 8 | cmos(m, 0x2F), sum & 0xFFFF);
}
END_TEST

START_TEST(cmos_boot_order)
{
    Machine *m = rtc_machine(64 * MiB, NULL);

    ck_assert_uint_eq(cmos(m, 0x3D), 0x12);            /* default "cad": c, a */
    ck_assert_uint_eq(cmos(m, 0x38), 0x30);            /* then d */
    m = rtc_machine(64 * MiB, "nd");
    ck_assert_uint_eq(cmos(m, 0x3D), 0x34);
    ck_assert_uint_eq(cmos(m, 0x38), 0x00);
}
END_TEST

START_TEST(cmos_bad_boot_order)
{
    Machine *m = fake_machine(64 * MiB);
    char err[200];

    ((MachineConfig *)m->cfg)->boot_order = "cx";
    ck_assert_ptr_null(device_create(m, &mc146818_class, NULL, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "'x'"));
}
END_TEST

START_TEST(date_registers_bcd)
{
    Machine *m = rtc_machine(64 * MiB, NULL);
    int64_t t0 = set_time(m, 0x02, sunday_bcd);

    ck_assert_uint_eq(cmos(m, 0x00), 0x30);
    ck_assert_uint_eq(cmos(m, 0x02), 0x45);
    ck_assert_uint_eq(cmos(m, 0x04), 0x13);
    ck_assert_uint_eq(cmos(m, 0x06), 0x01);
    ck_assert_uint_eq(cmos(m, 0x07), 0x22);
    ck_assert_uint_eq(cmos(m, 0x08), 0x11);
    ck_assert_uint_eq(cmos(m, 0x09), 0x26);
    ck_assert_uint_eq(cmos(m, 0x32), 0x20);
    fake_clock_advance(t0 + NS_PER_SEC / 2 - 1 - clock_ns());
    ck_assert_uint_eq(cmos(m, 0x00), 0x30);
    fake_clock_advance(1);
    ck_assert_uint_eq(cmos(m, 0x00), 0x31);
    fake_clock_advance(30 * NS_PER_SEC);               /* 13:46:01 */
    ck_assert_uint_eq(cmos(m, 0x00), 0x01);
    ck_assert_uint_eq(cmos(m, 0x02), 0x46);
    ck_assert_uint_eq(cmos(m, 0x0D), 0x80);            /* valid RAM and time */
}
END_TEST

START_TEST(date_binary_12h_and_rollover)
{
    Machine *m = rtc_machine(64 * MiB, NULL);
    /* 2099-12-31 23:59:59 in binary, 12-hour mode: 11 PM. */
    static const uint8_t regs[7] = { 59, 59, 0x80 | 11, 5, 31, 12, 99 };
    int64_t t0;

    t0 = set_time_century(m, 0x04, regs, 20);          /* binary century */
    ck_assert_uint_eq(cmos(m, 0x04), 0x8B);
    fake_clock_advance(t0 + NS_PER_SEC / 2 - clock_ns());
    ck_assert_uint_eq(cmos(m, 0x00), 0);
    ck_assert_uint_eq(cmos(m, 0x04), 12);              /* 12 AM */
    ck_assert_uint_eq(cmos(m, 0x07), 1);
    ck_assert_uint_eq(cmos(m, 0x08), 1);
    ck_assert_uint_eq(cmos(m, 0x09), 0);
    ck_assert_uint_eq(cmos(m, 0x32), 21);
    ck_assert_uint_eq(cmos(m, 0x06), 6);               /* 2100-01-01 is a Friday */
    /* Switch to 24-hour BCD while running: registers follow. */
    cmos_set(m, 0x0B, 0x02);
    ck_assert_uint_eq(cmos(m, 0x04), 0x00);
    ck_assert_uint_eq(cmos(m, 0x32), 0x21);
}
END_TEST

START_TEST(day_of_week_counts_from_guest_value)
{
    Machine *m = rtc_machine(64 * MiB, NULL);
    int64_t t0 = set_time(m, 0x02, sunday_bcd);

    cmos_set(m, 0x06, 0x07);                           /* the guest says Saturday */
    ck_assert_uint_eq(cmos(m, 0x06), 0x07);
    ck_assert_uint_eq(cmos(m, 0x00), 0x30);            /* time unchanged */
    fake_clock_advance(t0 + 86400 * NS_PER_SEC - clock_ns());
    ck_assert_uint_eq(cmos(m, 0x06), 0x01);            /* 7 wraps to 1 */
    ck_assert_uint_eq(cmos(m, 0x07), 0x23);
}
END_TEST

START_TEST(set_bit_freezes)
{
    Machine *m = rtc_machine(64 * MiB, NULL);
    int64_t t0 = set_time(m, 0x02, sunday_bcd);

    fake_clock_advance(t0 + NS_PER_SEC / 2 - clock_ns());
    cmos_set(m, 0x0B, 0x82);                           /* SET: updates stop */
    fake_clock_advance(5 * NS_PER_SEC);
    ck_assert_uint_eq(cmos(m, 0x00), 0x31);
    ck_assert_uint_eq(cmos(m, 0x0A) & 0x80, 0);        /* no UIP while SET */
    cmos_set(m, 0x00, 0x10);
    cmos_set(m, 0x0B, 0x02);
    ck_assert_uint_eq(cmos(m, 0x00), 0x10);
    fake_clock_advance(NS_PER_SEC);
    ck_assert_uint_eq(cmos(m, 0x00), 0x11);
}
END_TEST

START_TEST(uip_window)
{
    Machine *m = rtc_machine(64 * MiB, NULL);
    int64_t update = set_time(m, 0x02, sunday_bcd) + NS_PER_SEC / 2;

    fake_clock_advance(update - 300000 - clock_ns());
    ck_assert_uint_eq(cmos(m, 0x0A), 0x26);
    fake_clock_advance(200000);
    ck_assert_uint_eq(cmos(m, 0x0A), 0xA6);
    ck_assert_uint_eq(cmos(m, 0x00), 0x30);            /* not yet updated */
    fake_clock_advance(100000);
    ck_assert_uint_eq(cmos(m, 0x0A), 0x26);
    ck_assert_uint_eq(cmos(m, 0x00), 0x31);
}
END_TEST

/* Counts IRQ8 rising edges over `ns`, acknowledging each by reading C. */
static int count_irqs(Machine *m, int64_t ns, int64_t step, uint8_t expect_flag)
{
    int n = 0;

    for (int64_t t = 0; t < ns; t += step) {
        fake_clock_advance(step);
        if (fw.irq_level[8]) {
            uint8_t c = cmos(m, 0x0C);

            ck_assert_uint_eq(c & (0x80 | expect_flag), 0x80 | expect_flag);
            ck_assert_int_eq(fw.irq_level[8], 0);      /* reading C lowers it */
            n++;
        }
    }
    return n;
}

START_TEST(periodic_rate)
{
    Machine *m = rtc_machine(64 * MiB, NULL);
    int n;

    cmos(m, 0x0C);
    cmos_set(m, 0x0B, 0x42);                           /* PIE, rate 6: 1024 Hz */
    n = count_irqs(m, NS_PER_SEC, 20000, 0x40);
    ck_assert_int_ge(n, 1023);
    ck_assert_int_le(n, 1025);
    cmos_set(m, 0x0A, 0x2F);                           /* rate 15: 2 Hz */
    n = count_irqs(m, 2 * NS_PER_SEC, 1000000, 0x40);
    ck_assert_int_ge(n, 3);
    ck_assert_int_le(n, 5);
    cmos_set(m, 0x0A, 0x20);                           /* rate 0: off */
    cmos(m, 0x0C);
    n = count_irqs(m, NS_PER_SEC, 1000000, 0x40);
    ck_assert_int_eq(n, 0);
}
END_TEST

START_TEST(periodic_flag_without_pie)
{
    Machine *m = rtc_machine(64 * MiB, NULL);

    cmos(m, 0x0C);
    fake_clock_advance(2 * NS_PER_SEC / 1024);
    ck_assert_uint_eq(cmos(m, 0x0C) & 0xC0, 0x40);    /* PF set, no IRQF */
    ck_assert_int_eq(fw.irq_level[8], 0);
    ck_assert_uint_eq(cmos(m, 0x0C) & 0x40, 0x00);    /* cleared by the read */
}
END_TEST

START_TEST(update_and_alarm_interrupts)
{
    Machine *m = rtc_machine(64 * MiB, NULL);
    int64_t t0 = set_time(m, 0x02, sunday_bcd);
    int n;

    cmos(m, 0x0C);
    cmos_set(m, 0x0B, 0x12);                           /* UIE */
    n = count_irqs(m, 3 * NS_PER_SEC, 10000000, 0x10);
    ck_assert_int_eq(n, 3);
    /* Alarm at 13:45:40 (hours don't care), AIE only. */
    cmos_set(m, 0x01, 0x40);
    cmos_set(m, 0x03, 0x45);
    cmos_set(m, 0x05, 0xC0);
    cmos_set(m, 0x0B, 0x22);
    cmos(m, 0x0C);
    fake_clock_advance(t0 + NS_PER_SEC / 2 + 9 * NS_PER_SEC - 1 - clock_ns());
    ck_assert_int_eq(fw.irq_level[8], 0);              /* 13:45:39 */
    fake_clock_advance(1);
    ck_assert_int_eq(fw.irq_level[8], 1);
    ck_assert_uint_eq(cmos(m, 0x0C) & 0xB0, 0xB0);     /* IRQF, AF and UF */
    ck_assert_int_eq(fw.irq_level[8], 0);
}
END_TEST

START_TEST(far_future_year)
{
    Machine *m = rtc_machine(64 * MiB, NULL);
    static const uint8_t regs[7] = { 0x59, 0x59, 0x23, 0x06, 0x31, 0x12, 0x99 };
    int64_t t0 = set_time_century(m, 0x02, regs, 0x99);   /* 9999-12-31 23:59:59 */

    ck_assert_uint_eq(cmos(m, 0x09), 0x99);
    ck_assert_uint_eq(cmos(m, 0x32), 0x99);
    ck_assert_uint_eq(cmos(m, 0x06), 0x06);            /* a Friday */
    fake_clock_advance(t0 + 2 * NS_PER_SEC - clock_ns());
    ck_assert_uint_eq(cmos(m, 0x00), 0x01);            /* wraps to year 0000 */
    ck_assert_uint_eq(cmos(m, 0x09), 0x00);
    ck_assert_uint_eq(cmos(m, 0x32), 0x00);
}
END_TEST

START_TEST(nmi_bit_ignored)
{
    Machine *m = rtc_machine(64 * MiB, NULL);

    cmos_set(m, 0x80 | 0x40, 0x5A);
    ck_assert_uint_eq(cmos(m, 0x40), 0x5A);
    ck_assert_uint_eq(cmos(m, 0x80 | 0x0A), 0x26);
    cmos_set(m, 0x0D, 0x00);                           /* read-only */
    ck_assert_uint_eq(cmos(m, 0x0D), 0x80);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, cmos_memory_128m);
    tcase_add_test(tc, cmos_memory_48m);
    tcase_add_test(tc, cmos_memory_5g);
    tcase_add_test(tc, cmos_boot_order);
    tcase_add_test(tc, cmos_bad_boot_order);
    tcase_add_test(tc, date_registers_bcd);
    tcase_add_test(tc, date_binary_12h_and_rollover);
    tcase_add_test(tc, day_of_week_counts_from_guest_value);
    tcase_add_test(tc, set_bit_freezes);
    tcase_add_test(tc, uip_window);
    tcase_add_test(tc, periodic_rate);
    tcase_add_test(tc, periodic_flag_without_pie);
    tcase_add_test(tc, update_and_alarm_interrupts);
    tcase_add_test(tc, far_future_year);
    tcase_add_test(tc, nmi_bit_ignored);
}

int main(void)
{
    return fake_run_suite("mc146818", add_tests);
}
