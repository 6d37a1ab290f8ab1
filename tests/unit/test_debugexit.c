/*
 * test_debugexit.c - isa-debug-exit: the exit status is (v << 1) | 1 for
 * byte, word and dword writes; options iobase and iosize; bad options.
 */
#include "isa_fakes.h"

START_TEST(exit_status)
{
    Machine *m = fake_machine(32 * MiB);

    fake_create(m, &isa_debugexit_class, NULL);
    ck_assert_uint_eq(inb(m, 0xF4), 0);
    outb(m, 0xF4, 0x00);
    ck_assert_int_eq(fw.exits, 1);
    ck_assert_int_eq(fw.exit_why, MACHINE_EXIT_DEBUG);
    ck_assert_int_eq(fw.exit_status, 1);
    outb(m, 0xF4, 0x10);
    ck_assert_int_eq(fw.exit_status, 0x21);
    bus_write(m->io, 0xF4, 0x1234, 2);                 /* one access, not two */
    ck_assert_int_eq(fw.exits, 3);
    ck_assert_int_eq(fw.exit_status, 0x2469);
    bus_write(m->io, 0xF4, 0x7F, 4);
    ck_assert_int_eq(fw.exit_status, 0xFF);
}
END_TEST

START_TEST(options)
{
    Machine *m = fake_machine(32 * MiB);
    DeviceOpts bad = { 1, { { "iosize", "3" } } };
    DeviceOpts junk = { 1, { { "iobase", "0xzz" } } };
    char err[200];

    fake_create(m, &isa_debugexit_class, "iobase=0x501,iosize=1");
    outb(m, 0x501, 0x31);
    ck_assert_int_eq(fw.exit_status, 0x63);
    outb(m, 0x502, 0x31);                              /* outside iosize */
    ck_assert_int_eq(fw.exits, 1);
    ck_assert_ptr_null(device_create(m, &isa_debugexit_class, &bad, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "iosize"));
    ck_assert_ptr_null(device_create(m, &isa_debugexit_class, &junk, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "iobase"));
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, exit_status);
    tcase_add_test(tc, options);
}

int main(void)
{
    return fake_run_suite("debugexit", add_tests);
}
