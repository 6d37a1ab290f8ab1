/*
 * test_bus.c - address spaces (hw/bus.c), IRQ fan-out and the timer queue.
 */
#include <check.h>
#include <stdlib.h>
#include "kestrel/memory.h"
#include "kestrel/irq.h"
#include "kestrel/timer.h"

typedef struct FakeDev {
    uint64_t last_off, last_val;
    unsigned last_size;
    int reads, writes;
} FakeDev;

static uint64_t fake_read(void *opaque, uint64_t off, unsigned size)
{
    FakeDev *d = opaque;
    d->reads++;
    d->last_off = off;
    d->last_size = size;
    return 0x1000 + off;
}

static void fake_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    FakeDev *d = opaque;
    d->writes++;
    d->last_off = off;
    d->last_val = val;
    d->last_size = size;
}

static const MemOps byte_ops = { fake_read, fake_write, 1, 1 };

START_TEST(ram_read_write)
{
    Bus *b = bus_new("mem", 1ULL << 32);
    uint8_t ram[4096] = { 0 };
    bus_map_ram(b, "ram", 0x1000, sizeof(ram), ram, 0, 0);
    bus_write(b, 0x1010, 0x1122334455667788ULL, 8);
    ck_assert_uint_eq(ram[0x10], 0x88);
    ck_assert_uint_eq(ram[0x17], 0x11);
    ck_assert_uint_eq(bus_read(b, 0x1012, 4), 0x33445566);
    ck_assert_uint_eq(bus_read(b, 0x0, 4), 0xffffffff);      /* unmapped */
    bus_write(b, 0x0, 0x12, 1);                               /* dropped */
    bus_free(b);
}
END_TEST

START_TEST(priority_and_readonly)
{
    Bus *b = bus_new("mem", 1ULL << 32);
    uint8_t ram[0x2000], rom[0x1000];
    memset(ram, 0xaa, sizeof(ram));
    memset(rom, 0x55, sizeof(rom));
    bus_map_ram(b, "ram", 0, sizeof(ram), ram, 0, 0);
    MemRegion *r = bus_map_ram(b, "rom", 0x1000, sizeof(rom), rom, REGION_READONLY, 1);
    ck_assert_uint_eq(bus_read(b, 0xfff, 1), 0xaa);
    ck_assert_uint_eq(bus_read(b, 0x1000, 1), 0x55);
    /* A 2-byte read across the boundary takes one byte from each. */
    ck_assert_uint_eq(bus_read(b, 0xfff, 2), 0x55aa);
    bus_write(b, 0x1000, 0x77, 1);
    ck_assert_uint_eq(rom[0], 0x55);
    bus_unmap(b, r);
    ck_assert_uint_eq(bus_read(b, 0x1000, 1), 0xaa);
    ck_assert_ptr_eq(bus_find(b, 0x1000)->host, ram);
    bus_free(b);
}
END_TEST

START_TEST(io_split_and_widen)
{
    Bus *io = bus_new("io", 0x10000);
    FakeDev d = { 0 };
    bus_map_io(io, "dev", 0x3f8, 8, &byte_ops, &d, 0);
    ck_assert_uint_eq(bus_read(io, 0x3f8, 2), 0x0100);  /* two byte reads, each masked */
    ck_assert_int_eq(d.reads, 2);
    bus_write(io, 0x3f9, 0xbeef, 2);
    ck_assert_int_eq(d.writes, 2);
    ck_assert_uint_eq(d.last_off, 2);
    ck_assert_uint_eq(d.last_val, 0xbe);

    static const MemOps dword_ops = { fake_read, fake_write, 4, 4 };
    FakeDev w = { 0 };
    bus_map_io(io, "wide", 0xcf8, 4, &dword_ops, &w, 0);
    ck_assert_uint_eq(bus_read(io, 0xcf9, 1), 0x10);        /* (0x1000 >> 8) & 0xff */
    ck_assert_uint_eq(w.last_size, 4);
    bus_free(io);
}
END_TEST

static int levels[3];
static void record_level(void *opaque, int n, int level)
{
    (void)opaque;
    levels[n] = level;
}

START_TEST(irq_split)
{
    IrqSplit split = { { irq_line(record_level, NULL, 0), irq_line(record_level, NULL, 2) }, 2 };
    IrqLine in = irq_line(irq_split_handler, &split, 0);
    irq_raise(&in);
    ck_assert_int_eq(levels[0], 1);
    ck_assert_int_eq(levels[2], 1);
    irq_lower(&in);
    ck_assert_int_eq(levels[0] + levels[2], 0);
}
END_TEST

static int fired[3];
static int64_t fired_at[3];
static void on_timer(void *opaque)
{
    int i = (int)(intptr_t)opaque;
    fired[i]++;
    fired_at[i] = clock_ns();
}

START_TEST(timer_order_and_icount)
{
    clock_set_icount(0);
    Timer *a = timer_new(on_timer, (void *)0);
    Timer *b = timer_new(on_timer, (void *)1);
    Timer *c = timer_new(on_timer, (void *)2);
    timer_mod(a, 300);
    timer_mod(b, 100);
    timer_mod(c, 200);
    timer_del(c);
    ck_assert_int_eq(timers_next_deadline(), 100);
    clock_icount_advance(150);
    ck_assert_int_eq(timers_run_due(), 300);
    ck_assert_int_eq(fired[1], 1);
    ck_assert_int_eq(fired[0], 0);
    ck_assert(!timer_pending(b));
    clock_icount_advance(1000);
    ck_assert_int_eq(timers_run_due(), -1);
    ck_assert_int_eq(fired[0], 1);
    ck_assert_int_eq(fired[2], 0);
    ck_assert_int_eq(fired_at[0], 1150);
    timer_free(a);
    timer_free(b);
    timer_free(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bus");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, ram_read_write);
    tcase_add_test(tc, priority_and_readonly);
    tcase_add_test(tc, io_split_and_widen);
    tcase_add_test(tc, irq_split);
    tcase_add_test(tc, timer_order_and_icount);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
