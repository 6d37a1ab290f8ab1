/*
 * test_i8042.c - the keyboard controller through ports 0x60/0x64 with no
 * CPU: self-test and interface tests, command byte, output port (A20 and
 * reset), A20 and pulse commands, keyboard commands, set 2 -> set 1
 * translation, IRQ1/IRQ12 behaviour and the PS/2 mouse probe sequence.
 */
#include "isa_fakes.h"

static Machine *kbc_machine(Device **dev)
{
    Machine *m = fake_machine(32 * MiB);
    Device *d = fake_create(m, &i8042_class, NULL);

    if (dev)
        *dev = d;
    return m;
}

static uint8_t status(Machine *m) { return inb(m, 0x64); }

/* Reads one byte, checking the output buffer was full. */
static uint8_t read_data(Machine *m)
{
    ck_assert_uint_eq(status(m) & 0x01, 0x01);
    return inb(m, 0x60);
}

static void expect_empty(Machine *m)
{
    ck_assert_uint_eq(status(m) & 0x01, 0x00);
}

static void command(Machine *m, uint8_t cmd) { outb(m, 0x64, cmd); }

static void kbd_cmd(Machine *m, uint8_t byte) { outb(m, 0x60, byte); }

START_TEST(self_test_and_interface_tests)
{
    Machine *m = kbc_machine(NULL);

    ck_assert_uint_eq(status(m) & 0x04, 0x00);         /* SYS clear at power on */
    command(m, 0xAA);
    ck_assert_uint_eq(status(m) & 0x08, 0x08);         /* last write was a command */
    ck_assert_uint_eq(read_data(m), 0x55);
    ck_assert_uint_eq(status(m) & 0x04, 0x04);
    command(m, 0xAB);
    ck_assert_uint_eq(read_data(m), 0x00);
    command(m, 0xA9);
    ck_assert_uint_eq(read_data(m), 0x00);
    expect_empty(m);
}
END_TEST

START_TEST(command_byte_and_ram)
{
    Machine *m = kbc_machine(NULL);

    command(m, 0x60);
    kbd_cmd(m, 0x65);                                  /* XLATE, KBD_OFF... */
    command(m, 0x20);
    ck_assert_uint_eq(read_data(m), 0x65);
    ck_assert_uint_eq(status(m) & 0x04, 0x04);         /* SYS follows the command byte */
    command(m, 0x65);
    kbd_cmd(m, 0x3C);
    command(m, 0x25);
    ck_assert_uint_eq(read_data(m), 0x3C);
    command(m, 0xAE);                                  /* enable keyboard */
    command(m, 0xA7);                                  /* disable mouse */
    command(m, 0x20);
    ck_assert_uint_eq(read_data(m), 0x65 & ~0x10);
}
END_TEST

START_TEST(a20_and_reset)
{
    Machine *m = kbc_machine(NULL);

    command(m, 0xD0);
    ck_assert_uint_eq(read_data(m) & 0x03, 0x03);      /* A20 on, not in reset */
    command(m, 0xD1);
    kbd_cmd(m, 0xDD);                                  /* A20 off */
    ck_assert_int_eq(fw.a20_level, 0);
    ck_assert_int_eq(fw.resets, 0);
    command(m, 0xD1);
    kbd_cmd(m, 0xDF);
    ck_assert_int_eq(fw.a20_level, 1);
    command(m, 0xDD);
    ck_assert_int_eq(fw.a20_level, 0);
    command(m, 0xDF);
    ck_assert_int_eq(fw.a20_level, 1);
    command(m, 0xD0);
    ck_assert_uint_eq(read_data(m) & 0x02, 0x02);
    command(m, 0xFF);                                  /* pulse nothing */
    ck_assert_int_eq(fw.resets, 0);
    command(m, 0xFE);                                  /* pulse reset */
    ck_assert_int_eq(fw.resets, 1);
    command(m, 0xD1);
    kbd_cmd(m, 0x02);                                  /* output port bit 0 low */
    ck_assert_int_eq(fw.resets, 2);
}
END_TEST

START_TEST(keyboard_commands)
{
    Machine *m = kbc_machine(NULL);

    kbd_cmd(m, 0xFF);
    ck_assert_uint_eq(read_data(m), 0xFA);
    ck_assert_uint_eq(read_data(m), 0xAA);
    kbd_cmd(m, 0xF2);
    ck_assert_uint_eq(read_data(m), 0xFA);
    ck_assert_uint_eq(read_data(m), 0xAB);
    ck_assert_uint_eq(read_data(m), 0x83);             /* untranslated */
    kbd_cmd(m, 0xED);
    ck_assert_uint_eq(read_data(m), 0xFA);
    kbd_cmd(m, 0x07);
    ck_assert_uint_eq(read_data(m), 0xFA);
    kbd_cmd(m, 0xF3);
    ck_assert_uint_eq(read_data(m), 0xFA);
    kbd_cmd(m, 0x20);
    ck_assert_uint_eq(read_data(m), 0xFA);
    kbd_cmd(m, 0xF0);
    ck_assert_uint_eq(read_data(m), 0xFA);
    kbd_cmd(m, 0x00);                                  /* query the set */
    ck_assert_uint_eq(read_data(m), 0xFA);
    ck_assert_uint_eq(read_data(m), 0x02);
    kbd_cmd(m, 0xEE);
    ck_assert_uint_eq(read_data(m), 0xEE);
    kbd_cmd(m, 0x42);                                  /* unknown */
    ck_assert_uint_eq(read_data(m), 0xFE);
    expect_empty(m);
}
END_TEST

START_TEST(scanning_and_translation)
{
    Device *d;
    Machine *m = kbc_machine(&d);

    command(m, 0x60);
    kbd_cmd(m, 0x00);                                  /* no translation, no IRQ */
    i8042_put_key(d, 0x1C);                            /* 'A' make, set 2 */
    i8042_put_key(d, 0xF0);
    i8042_put_key(d, 0x1C);
    ck_assert_uint_eq(read_data(m), 0x1C);
    ck_assert_uint_eq(read_data(m), 0xF0);
    ck_assert_uint_eq(read_data(m), 0x1C);
    command(m, 0x60);
    kbd_cmd(m, 0x40);                                  /* translate to set 1 */
    i8042_put_key(d, 0x1C);
    i8042_put_key(d, 0xF0);
    i8042_put_key(d, 0x1C);
    i8042_put_key(d, 0xE0);                            /* right arrow: E0 74 */
    i8042_put_key(d, 0x74);
    ck_assert_uint_eq(read_data(m), 0x1E);
    ck_assert_uint_eq(read_data(m), 0x9E);
    ck_assert_uint_eq(read_data(m), 0xE0);
    ck_assert_uint_eq(read_data(m), 0x4D);
    kbd_cmd(m, 0xF2);                                  /* ID through the translator */
    ck_assert_uint_eq(read_data(m), 0xFA);
    ck_assert_uint_eq(read_data(m), 0xAB);
    ck_assert_uint_eq(read_data(m), 0x41);
    kbd_cmd(m, 0xF5);                                  /* disable scanning */
    ck_assert_uint_eq(read_data(m), 0xFA);
    i8042_put_key(d, 0x1C);
    expect_empty(m);
    kbd_cmd(m, 0xF4);
    ck_assert_uint_eq(read_data(m), 0xFA);
    /* Interface disabled by the command byte: bytes wait. */
    command(m, 0xAD);
    i8042_put_key(d, 0x29);
    expect_empty(m);
    command(m, 0xAE);
    ck_assert_uint_eq(read_data(m), 0x39);
}
END_TEST

START_TEST(keyboard_set1)
{
    Device *d;
    Machine *m = kbc_machine(&d);

    command(m, 0x60);
    kbd_cmd(m, 0x00);
    kbd_cmd(m, 0xF0);
    kbd_cmd(m, 0x01);
    ck_assert_uint_eq(read_data(m), 0xFA);
    ck_assert_uint_eq(read_data(m), 0xFA);
    i8042_put_key(d, 0x76);                            /* Esc */
    i8042_put_key(d, 0xF0);
    i8042_put_key(d, 0x76);
    ck_assert_uint_eq(read_data(m), 0x01);
    ck_assert_uint_eq(read_data(m), 0x81);
}
END_TEST

START_TEST(irq1_per_byte)
{
    Device *d;
    Machine *m = kbc_machine(&d);
    int rises;

    command(m, 0x60);
    kbd_cmd(m, 0x41);                                  /* translate, IRQ1 on */
    ck_assert_int_eq(fw.irq_level[1], 0);
    rises = fw.irq_rises[1];
    i8042_put_key(d, 0x1C);
    i8042_put_key(d, 0x32);
    ck_assert_int_eq(fw.irq_level[1], 1);
    ck_assert_int_eq(fw.irq_rises[1], rises + 1);
    ck_assert_uint_eq(inb(m, 0x60), 0x1E);
    /* The next byte is loaded after a falling edge: a new rising edge. */
    ck_assert_int_eq(fw.irq_level[1], 1);
    ck_assert_int_eq(fw.irq_rises[1], rises + 2);
    ck_assert_uint_eq(inb(m, 0x60), 0x30);
    ck_assert_int_eq(fw.irq_level[1], 0);
    ck_assert_int_eq(fw.irq_level[12], 0);
}
END_TEST

START_TEST(mouse_probe)
{
    Device *d;
    Machine *m = kbc_machine(&d);
    static const uint8_t knock[] = { 200, 100, 80 };

    command(m, 0x60);
    kbd_cmd(m, 0x03);                                  /* both IRQs */
    command(m, 0xA8);
    command(m, 0xD4);
    kbd_cmd(m, 0xFF);
    ck_assert_uint_eq(status(m) & 0x21, 0x21);         /* AUXB */
    ck_assert_int_eq(fw.irq_level[12], 1);
    ck_assert_int_eq(fw.irq_level[1], 0);
    ck_assert_uint_eq(read_data(m), 0xFA);
    ck_assert_uint_eq(read_data(m), 0xAA);
    ck_assert_uint_eq(read_data(m), 0x00);
    ck_assert_int_eq(fw.irq_level[12], 0);
    command(m, 0xD4);
    kbd_cmd(m, 0xF2);
    ck_assert_uint_eq(read_data(m), 0xFA);
    ck_assert_uint_eq(read_data(m), 0x00);
    for (size_t i = 0; i < ARRAY_SIZE(knock); i++) {
        command(m, 0xD4);
        kbd_cmd(m, 0xF3);
        ck_assert_uint_eq(read_data(m), 0xFA);
        command(m, 0xD4);
        kbd_cmd(m, knock[i]);
        ck_assert_uint_eq(read_data(m), 0xFA);
    }
    command(m, 0xD4);
    kbd_cmd(m, 0xF2);
    ck_assert_uint_eq(read_data(m), 0xFA);
    ck_assert_uint_eq(read_data(m), 0x03);             /* IntelliMouse */
    i8042_put_mouse(d, 5, 0, 0, 0);
    expect_empty(m);                                   /* not enabled */
    command(m, 0xD4);
    kbd_cmd(m, 0xF4);
    ck_assert_uint_eq(read_data(m), 0xFA);
    i8042_put_mouse(d, -3, 2, 1, 1);
    ck_assert_uint_eq(read_data(m), 0x08 | 0x01 | 0x10 | 0x20);
    ck_assert_uint_eq(read_data(m), 0xFD);
    ck_assert_uint_eq(read_data(m), 0xFE);             /* 2 down = -2 */
    ck_assert_uint_eq(read_data(m), 0x01);
    command(m, 0xD4);
    kbd_cmd(m, 0xE9);                                  /* status request */
    ck_assert_uint_eq(read_data(m), 0xFA);
    ck_assert_uint_eq(read_data(m), 0x24);             /* enabled, left button */
    ck_assert_uint_eq(read_data(m), 0x02);
    ck_assert_uint_eq(read_data(m), 80);
    /* 0xD3 writes the mouse's output buffer. */
    command(m, 0xD3);
    kbd_cmd(m, 0x5A);
    ck_assert_uint_eq(status(m) & 0x21, 0x21);
    ck_assert_uint_eq(read_data(m), 0x5A);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, self_test_and_interface_tests);
    tcase_add_test(tc, command_byte_and_ram);
    tcase_add_test(tc, a20_and_reset);
    tcase_add_test(tc, keyboard_commands);
    tcase_add_test(tc, scanning_and_translation);
    tcase_add_test(tc, keyboard_set1);
    tcase_add_test(tc, irq1_per_byte);
    tcase_add_test(tc, mouse_probe);
}

int main(void)
{
    return fake_run_suite("i8042", add_tests);
}
