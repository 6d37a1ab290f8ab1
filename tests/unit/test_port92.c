/*
 * test_port92.c - port 0x92: bit 1 drives the A20 line, a rising bit 0
 * requests a reset, the value reads back and device reset clears it.
 */
#include "isa_fakes.h"

START_TEST(a20_and_fast_reset)
{
    Machine *m = fake_machine(32 * MiB);
    Device *d = fake_create(m, &port92_class, NULL);

    ck_assert_uint_eq(inb(m, 0x92), 0x00);
    outb(m, 0x92, 0x02);
    ck_assert_int_eq(fw.a20_level, 1);
    ck_assert_uint_eq(inb(m, 0x92), 0x02);
    ck_assert_int_eq(fw.resets, 0);
    outb(m, 0x92, 0x03);
    ck_assert_int_eq(fw.resets, 1);
    outb(m, 0x92, 0x03);                               /* no new rising edge */
    ck_assert_int_eq(fw.resets, 1);
    ck_assert_int_eq(fw.a20_calls, 1);                 /* A20 unchanged: not re-driven */
    outb(m, 0x92, 0x00);
    ck_assert_int_eq(fw.a20_level, 0);
    outb(m, 0x92, 0x01);
    ck_assert_int_eq(fw.resets, 2);
    d->cls->reset(d);
    ck_assert_uint_eq(inb(m, 0x92), 0x00);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, a20_and_fast_reset);
}

int main(void)
{
    return fake_run_suite("port92", add_tests);
}
