/*
 * test_debugcon.c - isa-debugcon: bytes written to 0x402 reach the chosen
 * character back end; without one they are dropped; reads give 0xE9.
 */
#include "isa_fakes.h"

START_TEST(output_to_chardev)
{
    Machine *m = fake_machine(32 * MiB);
    CharDev chr = { 0 };

    m->serial[1] = &chr;
    fake_create(m, &isa_debugcon_class, "chardev=1");
    ck_assert_uint_eq(inb(m, 0x402), 0xE9);
    outb(m, 0x402, 'o');
    outb(m, 0x402, 'k');
    ck_assert_int_eq(chr.out_len, 2);
    ck_assert_mem_eq(chr.out, "ok", 2);
}
END_TEST

START_TEST(no_chardev_drops)
{
    Machine *m = fake_machine(32 * MiB);
    CharDev chr = { 0 };

    m->serial[0] = &chr;
    fake_create(m, &isa_debugcon_class, "iobase=0xe9");
    outb(m, 0xE9, 'x');
    ck_assert_int_eq(chr.out_len, 0);
    ck_assert_uint_eq(inb(m, 0xE9), 0xE9);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, output_to_chardev);
    tcase_add_test(tc, no_chardev_drops);
}

int main(void)
{
    return fake_run_suite("debugcon", add_tests);
}
