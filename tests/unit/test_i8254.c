/*
 * test_i8254.c - the 8254 PIT and port 0x61 driven through their ports
 * with no CPU, in deterministic virtual time (icount, 1 ns per step):
 * counts read back at known times (latch, read-back, BCD, LSB/MSB access),
 * OUT of channel 0 on IRQ0 at the exact tick of each edge, channel 2 gate
 * and output through port 0x61, and the refresh toggle.
 */
#include "isa_fakes.h"

#define FREQ 1193182ULL

/* First virtual ns at which `ticks` PIT clocks have elapsed since t0. */
static int64_t at_tick(int64_t t0, uint64_t ticks)
{
    return t0 + (int64_t)((ticks * 1000000000ULL + FREQ - 1) / FREQ);
}

static void advance_to(int64_t t)
{
    int64_t now = clock_ns();

    ck_assert_int_ge(t, now);
    fake_clock_advance(t - now);
}

static Machine *pit_setup(void)
{
    Machine *m;

    fake_clock_start();
    fake_clock_advance(12345);                         /* an arbitrary start */
    m = fake_machine(32 * MiB);
    fake_create(m, &i8254_class, "irq=0");
    return m;
}

static uint16_t read_count(Machine *m, int ch)
{
    uint8_t lo = inb(m, 0x40 + ch);

    return (uint16_t)(lo | inb(m, 0x40 + ch) << 8);
}

static void program(Machine *m, uint8_t control, uint16_t count)
{
    int ch = control >> 6;

    outb(m, 0x43, control);
    outb(m, 0x40 + ch, (uint8_t)count);
    outb(m, 0x40 + ch, (uint8_t)(count >> 8));
}

START_TEST(mode2_rate_generator_irq0)
{
    Machine *m = pit_setup();
    int64_t t0 = clock_ns();
    int rises;

    program(m, 0x34, 1193);                            /* ch0, lo/hi, mode 2 */
    ck_assert_int_eq(fw.irq_level[0], 1);
    rises = fw.irq_rises[0];
    advance_to(at_tick(t0, 1192) - 1);
    ck_assert_int_eq(fw.irq_level[0], 1);
    advance_to(at_tick(t0, 1192));                     /* count 1: OUT low one clock */
    ck_assert_int_eq(fw.irq_level[0], 0);
    advance_to(at_tick(t0, 1193));
    ck_assert_int_eq(fw.irq_level[0], 1);
    ck_assert_int_eq(fw.irq_rises[0], rises + 1);
    /* Ten more periods, one rising edge each, even with coarse steps. */
    while (clock_ns() + 3000 < at_tick(t0, 11 * 1193))
        fake_clock_advance(3000);
    ck_assert_int_eq(fw.irq_rises[0], rises + 10);
    advance_to(at_tick(t0, 11 * 1193));
    ck_assert_int_eq(fw.irq_rises[0], rises + 11);
}
END_TEST

START_TEST(mode2_count_latch)
{
    Machine *m = pit_setup();
    int64_t t0 = clock_ns();

    program(m, 0x34, 1000);
    advance_to(at_tick(t0, 100));
    outb(m, 0x43, 0x00);                               /* latch ch0 */
    advance_to(at_tick(t0, 400));                      /* the latch holds */
    ck_assert_uint_eq(read_count(m, 0), 900);
    ck_assert_uint_eq(read_count(m, 0), 600);          /* unlatched: live */
    advance_to(at_tick(t0, 1000 + 250));
    ck_assert_uint_eq(read_count(m, 0), 750);          /* reloaded each period */
}
END_TEST

START_TEST(mode2_new_count_at_period_end)
{
    Machine *m = pit_setup();
    int64_t t0 = clock_ns();
    int rises;

    program(m, 0x34, 1000);
    rises = fw.irq_rises[0];
    advance_to(at_tick(t0, 300));
    outb(m, 0x40, 500 & 0xFF);                         /* new count, no control word */
    outb(m, 0x40, 500 >> 8);
    outb(m, 0x43, 0xE2);
    ck_assert_uint_eq(inb(m, 0x40) & 0x40, 0x40);      /* null count until reloaded */
    advance_to(at_tick(t0, 400));
    ck_assert_uint_eq(read_count(m, 0), 600);          /* old period goes on */
    advance_to(at_tick(t0, 1000));
    ck_assert_int_eq(fw.irq_rises[0], rises + 1);
    advance_to(at_tick(t0, 1100));
    ck_assert_uint_eq(read_count(m, 0), 400);          /* the new count runs */
    outb(m, 0x43, 0xE2);
    ck_assert_uint_eq(inb(m, 0x40) & 0x40, 0x00);
    advance_to(at_tick(t0, 1500) - 1);
    ck_assert_int_eq(fw.irq_rises[0], rises + 1);
    advance_to(at_tick(t0, 1500) + 1);
    ck_assert_int_eq(fw.irq_rises[0], rises + 2);
    advance_to(at_tick(t0, 2000) + 1);
    ck_assert_int_eq(fw.irq_rises[0], rises + 3);
}
END_TEST

START_TEST(mode3_square_wave)
{
    Machine *m = pit_setup();
    int64_t t0 = clock_ns();
    int rises;

    program(m, 0x36, 100);
    rises = fw.irq_rises[0];
    advance_to(at_tick(t0, 10));
    ck_assert_uint_eq(read_count(m, 0), 80);           /* counts down by two */
    ck_assert_int_eq(fw.irq_level[0], 1);
    advance_to(at_tick(t0, 50));
    ck_assert_int_eq(fw.irq_level[0], 0);
    advance_to(at_tick(t0, 99));
    ck_assert_int_eq(fw.irq_level[0], 0);
    advance_to(at_tick(t0, 100));
    ck_assert_int_eq(fw.irq_level[0], 1);
    ck_assert_int_eq(fw.irq_rises[0], rises + 1);
}
END_TEST

START_TEST(mode3_100hz_for_one_second)
{
    Machine *m = pit_setup();
    int rises;

    program(m, 0x36, 11932);                           /* 100 Hz */
    rises = fw.irq_rises[0];
    for (int i = 0; i < 10000; i++)
        fake_clock_advance(100000);                    /* 1 s in 100 us steps */
    /* Edges at multiples of 11932 ticks: 99 of them in 1193182 ticks. */
    ck_assert_int_eq(fw.irq_rises[0] - rises, 99);
}
END_TEST

START_TEST(readback_status_and_null_count)
{
    Machine *m = pit_setup();
    int64_t t0;

    outb(m, 0x43, 0x34);
    outb(m, 0x43, 0xE2);                               /* read-back status of ch0 */
    ck_assert_uint_eq(inb(m, 0x40), 0x40 | 0x80 | 0x34);   /* null count, OUT high */
    outb(m, 0x40, 0x00);
    outb(m, 0x40, 0x10);                               /* 0x1000 */
    t0 = clock_ns();
    advance_to(at_tick(t0, 0x10));
    outb(m, 0x43, 0xC2);                               /* latch status and count */
    ck_assert_uint_eq(inb(m, 0x40), 0x80 | 0x34);      /* status first */
    ck_assert_uint_eq(read_count(m, 0), 0x0FF0);
    /* A second latch while the first is unread is ignored. */
    outb(m, 0x43, 0xD2);                               /* count only */
    advance_to(at_tick(t0, 0x20));
    outb(m, 0x43, 0xD2);
    ck_assert_uint_eq(read_count(m, 0), 0x0FF0);
}
END_TEST

START_TEST(bcd_and_byte_access)
{
    Machine *m = pit_setup();
    int64_t t0;

    program(m, 0x31, 0x0100);                          /* mode 0, BCD 100 */
    t0 = clock_ns();
    advance_to(at_tick(t0, 30));
    ck_assert_uint_eq(read_count(m, 0), 0x0070);
    /* LSB only: the MSB is zero. */
    outb(m, 0x43, 0x10);
    outb(m, 0x40, 0x20);
    t0 = clock_ns();
    advance_to(at_tick(t0, 5));
    ck_assert_uint_eq(inb(m, 0x40), 0x1B);
    /* MSB only. */
    outb(m, 0x43, 0x20);
    outb(m, 0x40, 0x02);
    t0 = clock_ns();
    advance_to(at_tick(t0, 0x100));
    ck_assert_uint_eq(inb(m, 0x40), 0x01);
}
END_TEST

START_TEST(mode0_on_channel2_through_port61)
{
    Machine *m = pit_setup();
    int64_t t0;

    outb(m, 0x61, 0x01);                               /* gate 2 on, speaker off */
    program(m, 0xB0, 1000);                            /* ch2, mode 0 */
    t0 = clock_ns();
    ck_assert_uint_eq(inb(m, 0x61) & 0x21, 0x01);      /* OUT2 low */
    advance_to(at_tick(t0, 999));
    ck_assert_uint_eq(inb(m, 0x61) & 0x20, 0);
    advance_to(at_tick(t0, 1000));
    ck_assert_uint_eq(inb(m, 0x61) & 0x20, 0x20);      /* terminal count */
    ck_assert_uint_eq(read_count(m, 2), 0);
    advance_to(at_tick(t0, 1010));
    ck_assert_uint_eq(read_count(m, 2), 0xFFF6);       /* keeps counting, wraps */
}
END_TEST

START_TEST(mode1_gate_trigger)
{
    Machine *m = pit_setup();
    int64_t t0;

    outb(m, 0x61, 0x00);
    program(m, 0xB2, 50);                              /* ch2, mode 1 */
    fake_clock_advance(10000);
    ck_assert_uint_eq(inb(m, 0x61) & 0x20, 0x20);      /* waits for the trigger */
    outb(m, 0x61, 0x01);                               /* rising gate */
    t0 = clock_ns();
    ck_assert_uint_eq(inb(m, 0x61) & 0x20, 0);
    advance_to(at_tick(t0, 50));
    ck_assert_uint_eq(inb(m, 0x61) & 0x20, 0x20);
    outb(m, 0x61, 0x00);
    outb(m, 0x61, 0x01);                               /* retrigger */
    ck_assert_uint_eq(inb(m, 0x61) & 0x20, 0);
}
END_TEST

START_TEST(mode4_strobe)
{
    Machine *m = pit_setup();
    int64_t t0;
    int rises;

    program(m, 0x38, 20);                              /* ch0, mode 4 */
    t0 = clock_ns();
    rises = fw.irq_rises[0];
    advance_to(at_tick(t0, 20));
    ck_assert_int_eq(fw.irq_level[0], 0);
    advance_to(at_tick(t0, 21));
    ck_assert_int_eq(fw.irq_level[0], 1);
    ck_assert_int_eq(fw.irq_rises[0], rises + 1);
}
END_TEST

START_TEST(refresh_toggle)
{
    Machine *m = pit_setup();
    uint8_t a, b;

    fake_clock_advance(15000 - clock_ns() % 15000);    /* start of a 15 us slot */
    a = inb(m, 0x61) & 0x10;
    fake_clock_advance(14999);
    ck_assert_uint_eq(inb(m, 0x61) & 0x10, a);
    fake_clock_advance(1);
    b = inb(m, 0x61) & 0x10;
    ck_assert_uint_ne(a, b);
}
END_TEST

/* IRQ0 through a real PIC to the CPU's INTR: one vector 0x08 per period. */
START_TEST(irq0_through_pic)
{
    Machine *m;
    int vectors = 0;

    fake_clock_start();
    m = fake_machine(32 * MiB);
    fake_create(m, &i8259_class, NULL);
    fake_create(m, &i8254_class, NULL);
    outb(m, 0x20, 0x11); outb(m, 0x21, 0x08); outb(m, 0x21, 0x04); outb(m, 0x21, 0x01);
    outb(m, 0x21, 0xFE);                               /* only IRQ0 */
    program(m, 0x34, 1193);                            /* ~1 kHz */
    for (int i = 0; i < 1000; i++) {
        fake_clock_advance(10000);                     /* 10 ms in all */
        if (fw.cpu_requests & CPU_INTERRUPT_HARD) {
            ck_assert_int_eq(fw.intr_ack(fw.intr_opaque), 0x08);
            outb(m, 0x20, 0x20);
            vectors++;
        }
    }
    ck_assert_int_eq(vectors, 10);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, mode2_rate_generator_irq0);
    tcase_add_test(tc, mode2_count_latch);
    tcase_add_test(tc, mode2_new_count_at_period_end);
    tcase_add_test(tc, mode3_square_wave);
    tcase_add_test(tc, mode3_100hz_for_one_second);
    tcase_add_test(tc, readback_status_and_null_count);
    tcase_add_test(tc, bcd_and_byte_access);
    tcase_add_test(tc, mode0_on_channel2_through_port61);
    tcase_add_test(tc, mode1_gate_trigger);
    tcase_add_test(tc, mode4_strobe);
    tcase_add_test(tc, refresh_toggle);
    tcase_add_test(tc, irq0_through_pic);
}

int main(void)
{
    return fake_run_suite("i8254", add_tests);
}
