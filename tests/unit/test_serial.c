/*
 * test_serial.c - the 16550A UART through its 8 ports with no CPU and a
 * fake character back end: output, divisor latch, loopback and modem
 * status deltas, receive FIFO and trigger levels, character timeout,
 * THRE interrupt rules, OUT2 gating of the IRQ, overrun.
 */
#include "isa_fakes.h"

#define COM1 0x3F8

static CharDev chr;

static Machine *uart_machine(void)
{
    Machine *m;

    fake_clock_start();
    m = fake_machine(32 * MiB);
    memset(&chr, 0, sizeof(chr));
    m->serial[0] = &chr;
    fake_create(m, &isa_serial_class, "iobase=0x3f8,irq=4,chardev=0");
    ck_assert(chr.has_fe);
    return m;
}

static int input(const char *text)
{
    return fake_chardev_input(&chr, (const uint8_t *)text, (int)strlen(text));
}

START_TEST(transmit_and_registers)
{
    Machine *m = uart_machine();

    ck_assert_uint_eq(inb(m, COM1 + 5), 0x60);         /* THRE, TEMT */
    ck_assert_uint_eq(inb(m, COM1 + 2), 0x01);         /* no interrupt, no FIFO */
    outb(m, COM1, 'h');
    outb(m, COM1, 'i');
    ck_assert_int_eq(chr.out_len, 2);
    ck_assert_mem_eq(chr.out, "hi", 2);
    ck_assert_uint_eq(inb(m, COM1 + 5), 0x60);
    outb(m, COM1 + 3, 0x83);                           /* DLAB */
    outb(m, COM1 + 0, 0x01);
    outb(m, COM1 + 1, 0x02);
    ck_assert_uint_eq(inb(m, COM1 + 0), 0x01);
    ck_assert_uint_eq(inb(m, COM1 + 1), 0x02);
    outb(m, COM1 + 3, 0x03);
    ck_assert_uint_eq(inb(m, COM1 + 1), 0x00);         /* IER again */
    ck_assert_uint_eq(inb(m, COM1 + 3), 0x03);
    outb(m, COM1 + 7, 0xA5);
    ck_assert_uint_eq(inb(m, COM1 + 7), 0xA5);
    ck_assert_uint_eq(inb(m, COM1 + 6), 0xB0);         /* DCD, DSR, CTS */
    ck_assert_int_eq(chr.out_len, 2);                  /* DLAB writes sent nothing */
}
END_TEST

START_TEST(loopback_and_modem_status)
{
    Machine *m = uart_machine();

    outb(m, COM1 + 4, 0x10);
    ck_assert_uint_eq(inb(m, COM1 + 6), 0x0B);         /* CTS, DSR, DCD dropped */
    ck_assert_uint_eq(inb(m, COM1 + 6), 0x00);         /* deltas cleared by the read */
    outb(m, COM1, 'x');
    ck_assert_int_eq(chr.out_len, 0);                  /* looped, not sent */
    ck_assert_uint_eq(inb(m, COM1 + 5) & 0x01, 0x01);
    ck_assert_uint_eq(inb(m, COM1), 'x');
    ck_assert_uint_eq(inb(m, COM1 + 5) & 0x01, 0x00);
    ck_assert_int_eq(input("abc"), 0);                 /* no external input in loopback */
    outb(m, COM1 + 4, 0x11);                           /* DTR -> DSR */
    ck_assert_uint_eq(inb(m, COM1 + 6), 0x22);
    outb(m, COM1 + 4, 0x1E);                           /* RTS, OUT1, OUT2 */
    ck_assert_uint_eq(inb(m, COM1 + 6), 0xD0 | 0x01 | 0x02 | 0x08);
    outb(m, COM1 + 4, 0x1A);                           /* OUT1 (RI) falls: TERI */
    ck_assert_uint_eq(inb(m, COM1 + 6), 0x90 | 0x04);
    /* Overrun without FIFOs: the second byte is lost. */
    outb(m, COM1, '1');
    outb(m, COM1, '2');
    ck_assert_uint_eq(inb(m, COM1 + 5) & 0x03, 0x03);
    ck_assert_uint_eq(inb(m, COM1 + 5) & 0x02, 0x00);  /* OE cleared by reading LSR */
    ck_assert_uint_eq(inb(m, COM1), '1');
    ck_assert_int_eq(fw.irq_level[4], 0);
}
END_TEST

START_TEST(fifo_receive)
{
    Machine *m = uart_machine();
    char buf[17];

    outb(m, COM1 + 2, 0x07);                           /* FIFO on, both cleared */
    ck_assert_uint_eq(inb(m, COM1 + 2), 0xC1);
    ck_assert_int_eq(input("0123456789abcdefXYZ"), 16);
    ck_assert_int_eq(input("XYZ"), 0);                 /* full: the back end waits */
    for (int i = 0; i < 16; i++)
        buf[i] = (char)inb(m, COM1);
    buf[16] = 0;
    ck_assert_str_eq(buf, "0123456789abcdef");
    ck_assert_uint_eq(inb(m, COM1 + 5) & 0x01, 0x00);
    ck_assert_int_ge(chr.accept_calls, 1);
    ck_assert_int_eq(input("q"), 1);
    outb(m, COM1 + 2, 0x03);                           /* clear RX FIFO */
    ck_assert_uint_eq(inb(m, COM1 + 5) & 0x01, 0x00);
    outb(m, COM1 + 2, 0x00);                           /* FIFOs off: one byte holding reg */
    ck_assert_uint_eq(inb(m, COM1 + 2), 0x01);
    ck_assert_int_eq(input("rs"), 1);
}
END_TEST

START_TEST(trigger_level_and_timeout)
{
    Machine *m = uart_machine();
    /* 9600 baud 8N1: 10 bits * 12 * 16 / 1.8432 MHz = 1041666 ns per char. */
    int64_t char_ns = 1041666;

    outb(m, COM1 + 3, 0x03);                           /* 8N1 */
    outb(m, COM1 + 2, 0xC7);                           /* trigger level 14 */
    outb(m, COM1 + 1, 0x01);                           /* receive interrupts */
    outb(m, COM1 + 4, 0x08);                           /* OUT2: IRQ reaches the bus */
    ck_assert_int_eq(input("0123456789abc"), 13);
    ck_assert_uint_eq(inb(m, COM1 + 2), 0xC1);         /* below the trigger */
    ck_assert_int_eq(fw.irq_level[4], 0);
    fake_clock_advance(4 * char_ns - 1000);
    ck_assert_int_eq(fw.irq_level[4], 0);
    fake_clock_advance(1000);
    ck_assert_int_eq(fw.irq_level[4], 1);
    ck_assert_uint_eq(inb(m, COM1 + 2), 0xCC);         /* character timeout */
    ck_assert_uint_eq(inb(m, COM1), '0');              /* a read clears it */
    ck_assert_int_eq(fw.irq_level[4], 0);
    ck_assert_int_eq(input("de"), 2);                  /* 14 in the FIFO */
    ck_assert_uint_eq(inb(m, COM1 + 2), 0xC4);
    ck_assert_int_eq(fw.irq_level[4], 1);
    ck_assert_uint_eq(inb(m, COM1), '1');
    ck_assert_int_eq(fw.irq_level[4], 0);              /* 13: below the trigger again */
    outb(m, COM1 + 4, 0x00);                           /* OUT2 off: gated */
    fake_clock_advance(5 * char_ns);
    ck_assert_uint_eq(inb(m, COM1 + 2), 0xCC);
    ck_assert_int_eq(fw.irq_level[4], 0);
}
END_TEST

START_TEST(thre_interrupt_rules)
{
    Machine *m = uart_machine();

    outb(m, COM1 + 4, 0x08);
    outb(m, COM1 + 1, 0x02);                           /* ETBEI with THR empty */
    ck_assert_int_eq(fw.irq_level[4], 1);
    ck_assert_uint_eq(inb(m, COM1 + 2), 0x02);         /* reading IIR clears it */
    ck_assert_int_eq(fw.irq_level[4], 0);
    ck_assert_uint_eq(inb(m, COM1 + 2), 0x01);
    outb(m, COM1 + 1, 0x02);                           /* no 0 -> 1 change: nothing */
    ck_assert_int_eq(fw.irq_level[4], 0);
    outb(m, COM1, 'z');                                /* THR empties again at once */
    ck_assert_int_eq(fw.irq_level[4], 1);
    ck_assert_int_eq(chr.out_len, 1);
    outb(m, COM1 + 1, 0x00);
    ck_assert_int_eq(fw.irq_level[4], 0);
    outb(m, COM1 + 1, 0x02);
    ck_assert_int_eq(fw.irq_level[4], 1);
    /* A receive interrupt has priority over THRE. */
    outb(m, COM1 + 1, 0x03);
    ck_assert_int_eq(input("k"), 1);
    ck_assert_uint_eq(inb(m, COM1 + 2), 0x04);
    ck_assert_uint_eq(inb(m, COM1), 'k');
    ck_assert_uint_eq(inb(m, COM1 + 2), 0x02);
}
END_TEST

START_TEST(line_status_interrupt)
{
    Machine *m = uart_machine();

    outb(m, COM1 + 4, 0x10);                           /* loopback: IRQ pin gated */
    outb(m, COM1 + 1, 0x04);
    outb(m, COM1, '1');
    outb(m, COM1, '2');
    ck_assert_uint_eq(inb(m, COM1 + 2), 0x06);         /* overrun */
    ck_assert_int_eq(fw.irq_level[4], 0);
    ck_assert_uint_eq(inb(m, COM1 + 5) & 0x02, 0x02);
    ck_assert_uint_eq(inb(m, COM1 + 2), 0x01);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, transmit_and_registers);
    tcase_add_test(tc, loopback_and_modem_status);
    tcase_add_test(tc, fifo_receive);
    tcase_add_test(tc, trigger_level_and_timeout);
    tcase_add_test(tc, thre_interrupt_rules);
    tcase_add_test(tc, line_status_interrupt);
}

int main(void)
{
    return fake_run_suite("serial", add_tests);
}
