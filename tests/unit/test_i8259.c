/*
 * test_i8259.c - the 8259A pair driven through ports 0x20/0x21/0xA0/0xA1
 * and the ELCR with no CPU: initialization, IRR/ISR/IMR reads, priority,
 * EOI variants, rotation, auto-EOI, cascade, spurious vectors, level mode,
 * poll and special mask mode.
 */
#include "isa_fakes.h"

/* ICW1-4 as a BIOS programs them: master base 0x08, slave 0x70. */
static Machine *pic_setup(uint8_t master_icw4)
{
    Machine *m = fake_machine(32 * MiB);

    fake_create(m, &i8259_class, NULL);
    outb(m, 0x20, 0x11); outb(m, 0x21, 0x08); outb(m, 0x21, 0x04); outb(m, 0x21, master_icw4);
    outb(m, 0xA0, 0x11); outb(m, 0xA1, 0x70); outb(m, 0xA1, 0x02); outb(m, 0xA1, 0x01);
    outb(m, 0x21, 0x00);
    outb(m, 0xA1, 0x00);
    return m;
}

static int ack(void)
{
    ck_assert_ptr_nonnull(fw.intr_ack);
    return fw.intr_ack(fw.intr_opaque);
}

static void pulse(Machine *m, int irq)
{
    irq_raise(&m->isa_irq[irq]);
    irq_lower(&m->isa_irq[irq]);
}

START_TEST(edge_priority_and_eoi)
{
    Machine *m = pic_setup(0x01);

    ck_assert_uint_eq(fw.cpu_requests & CPU_INTERRUPT_HARD, 0);
    pulse(m, 4);
    pulse(m, 1);
    ck_assert_uint_eq(inb(m, 0x20), 0x12);            /* IRR */
    ck_assert(fw.cpu_requests & CPU_INTERRUPT_HARD);
    ck_assert_int_eq(ack(), 0x09);                     /* IRQ1 first */
    outb(m, 0x20, 0x0B);                               /* OCW3: read ISR */
    ck_assert_uint_eq(inb(m, 0x20), 0x02);
    /* IRQ4 is lower priority than the IRQ1 in service. */
    ck_assert_uint_eq(fw.cpu_requests & CPU_INTERRUPT_HARD, 0);
    pulse(m, 0);                                       /* IRQ0 preempts */
    ck_assert(fw.cpu_requests & CPU_INTERRUPT_HARD);
    ck_assert_int_eq(ack(), 0x08);
    ck_assert_uint_eq(inb(m, 0x20), 0x03);
    outb(m, 0x20, 0x20);                               /* non-specific EOI: IRQ0 */
    ck_assert_uint_eq(inb(m, 0x20), 0x02);
    outb(m, 0x20, 0x61);                               /* specific EOI 1 */
    ck_assert_uint_eq(inb(m, 0x20), 0x00);
    ck_assert_int_eq(ack(), 0x0C);
    outb(m, 0x20, 0x20);
    ck_assert_uint_eq(fw.cpu_requests & CPU_INTERRUPT_HARD, 0);
}
END_TEST

START_TEST(mask_and_edge_sense)
{
    Machine *m = pic_setup(0x01);

    outb(m, 0x21, 0xFB);
    ck_assert_uint_eq(inb(m, 0x21), 0xFB);
    irq_raise(&m->isa_irq[3]);
    ck_assert_uint_eq(fw.cpu_requests & CPU_INTERRUPT_HARD, 0);   /* masked */
    outb(m, 0x21, 0x00);
    ck_assert(fw.cpu_requests & CPU_INTERRUPT_HARD);
    ck_assert_int_eq(ack(), 0x0B);
    outb(m, 0x20, 0x20);
    irq_raise(&m->isa_irq[3]);                         /* still high: no new edge */
    ck_assert_uint_eq(fw.cpu_requests & CPU_INTERRUPT_HARD, 0);
    irq_lower(&m->isa_irq[3]);
    irq_raise(&m->isa_irq[3]);
    ck_assert(fw.cpu_requests & CPU_INTERRUPT_HARD);
}
END_TEST

START_TEST(cascade_and_slave_eoi)
{
    Machine *m = pic_setup(0x01);

    pulse(m, 8);
    ck_assert_uint_eq(inb(m, 0xA0), 0x01);
    ck_assert_uint_eq(inb(m, 0x20), 0x04);            /* slave INT on master IR2 */
    ck_assert_int_eq(ack(), 0x70);
    outb(m, 0x20, 0x0B);
    outb(m, 0xA0, 0x0B);
    ck_assert_uint_eq(inb(m, 0x20), 0x04);
    ck_assert_uint_eq(inb(m, 0xA0), 0x01);
    pulse(m, 14);
    ck_assert_uint_eq(fw.cpu_requests & CPU_INTERRUPT_HARD, 0);   /* IRQ8 in service */
    outb(m, 0xA0, 0x20);
    outb(m, 0x20, 0x20);
    ck_assert(fw.cpu_requests & CPU_INTERRUPT_HARD);
    ck_assert_int_eq(ack(), 0x76);
    /* IRQ1 has higher priority than the whole slave. */
    outb(m, 0xA0, 0x20);
    outb(m, 0x20, 0x20);
    pulse(m, 9);
    pulse(m, 1);
    ck_assert_int_eq(ack(), 0x09);
    outb(m, 0x20, 0x20);
    ck_assert_int_eq(ack(), 0x71);
}
END_TEST

START_TEST(spurious_vectors)
{
    Machine *m = pic_setup(0x01);

    /* Nothing pending at INTA: master spurious IRQ7, ISR untouched. */
    ck_assert_int_eq(ack(), 0x0F);
    outb(m, 0x20, 0x0B);
    ck_assert_uint_eq(inb(m, 0x20), 0x00);
    /*
     * A level request on the slave that goes away before INTA: the master
     * latched the cascade edge, so INTA finds IR2 and the slave answers
     * with its spurious IRQ15 vector and no ISR bit.
     */
    outb(m, 0x4D1, 0x08);                              /* IRQ11 level */
    irq_raise(&m->isa_irq[11]);
    ck_assert(fw.cpu_requests & CPU_INTERRUPT_HARD);
    irq_lower(&m->isa_irq[11]);
    ck_assert(fw.cpu_requests & CPU_INTERRUPT_HARD);
    ck_assert_int_eq(ack(), 0x77);
    outb(m, 0xA0, 0x0B);
    ck_assert_uint_eq(inb(m, 0xA0), 0x00);             /* no slave ISR bit */
    outb(m, 0x20, 0x0B);
    ck_assert_uint_eq(inb(m, 0x20), 0x04);             /* the master did take IR2 */
}
END_TEST

START_TEST(level_mode_elcr)
{
    Machine *m = pic_setup(0x01);

    outb(m, 0x4D0, 0xFF);
    ck_assert_uint_eq(inb(m, 0x4D0), 0xF8);            /* IRQ0-2 stay edge */
    outb(m, 0x4D1, 0xFF);
    ck_assert_uint_eq(inb(m, 0x4D1), 0xDE);
    irq_raise(&m->isa_irq[5]);
    ck_assert_int_eq(ack(), 0x0D);
    outb(m, 0x20, 0x20);
    /* Still high after EOI: requests again without a new edge. */
    ck_assert(fw.cpu_requests & CPU_INTERRUPT_HARD);
    ck_assert_uint_eq(inb(m, 0x20), 0x20);
    irq_lower(&m->isa_irq[5]);
    ck_assert_uint_eq(inb(m, 0x20), 0x00);
    ck_assert_uint_eq(fw.cpu_requests & CPU_INTERRUPT_HARD, 0);
}
END_TEST

START_TEST(auto_eoi_and_rotation)
{
    Machine *m = pic_setup(0x03);                      /* master auto-EOI */

    pulse(m, 3);
    ck_assert_int_eq(ack(), 0x0B);
    outb(m, 0x20, 0x0B);
    ck_assert_uint_eq(inb(m, 0x20), 0x00);             /* no ISR bit */
    /* Rotate in auto-EOI: the serviced IRQ becomes lowest priority. */
    outb(m, 0x20, 0x80);
    pulse(m, 3);
    ck_assert_int_eq(ack(), 0x0B);
    pulse(m, 3);
    pulse(m, 5);
    ck_assert_int_eq(ack(), 0x0D);                     /* 4..7,0..3: IRQ5 before IRQ3 */
    ck_assert_int_eq(ack(), 0x0B);
    /* Set priority: IRQ7 lowest again (IRQ0 highest). */
    outb(m, 0x20, 0xC7);
    pulse(m, 6);
    pulse(m, 4);
    ck_assert_int_eq(ack(), 0x0C);
    ck_assert_int_eq(ack(), 0x0E);
}
END_TEST

START_TEST(rotate_on_eoi)
{
    Machine *m = pic_setup(0x01);

    pulse(m, 1);
    ck_assert_int_eq(ack(), 0x09);
    outb(m, 0x20, 0xA0);                               /* rotate on non-specific EOI */
    pulse(m, 0);
    pulse(m, 2 + 1);
    ck_assert_int_eq(ack(), 0x0B);                     /* IRQ1 now lowest: 2,3,...,0,1 */
    outb(m, 0x20, 0xE3);                               /* rotate on specific EOI 3 */
    ck_assert_int_eq(ack(), 0x08);                     /* 4..7,0: IRQ0 next */
}
END_TEST

START_TEST(poll_and_special_mask)
{
    Machine *m = pic_setup(0x01);

    pulse(m, 6);
    outb(m, 0x20, 0x0C);                               /* poll */
    ck_assert_uint_eq(inb(m, 0x20), 0x86);
    outb(m, 0x20, 0x0C);
    ck_assert_uint_eq(inb(m, 0x20), 0x00);             /* nothing else */
    outb(m, 0x20, 0x0B);
    ck_assert_uint_eq(inb(m, 0x20), 0x40);             /* poll set ISR like INTA */
    /* Special mask: mask IRQ6 while in service, IRQ7 may now interrupt. */
    pulse(m, 7);
    ck_assert_uint_eq(fw.cpu_requests & CPU_INTERRUPT_HARD, 0);
    outb(m, 0x21, 0x40);
    outb(m, 0x20, 0x68);
    ck_assert(fw.cpu_requests & CPU_INTERRUPT_HARD);
    ck_assert_int_eq(ack(), 0x0F);
    ck_assert_uint_eq(inb(m, 0x20), 0xC0);
    outb(m, 0x20, 0x48);                               /* reset special mask */
}
END_TEST

START_TEST(special_fully_nested)
{
    Machine *m = pic_setup(0x01);

    /* Normal nesting: IRQ8 cannot interrupt the slave's IRQ9 service. */
    pulse(m, 9);
    ck_assert_int_eq(ack(), 0x71);
    pulse(m, 8);
    ck_assert_uint_eq(fw.cpu_requests & CPU_INTERRUPT_HARD, 0);
    /* Special fully nested on the master: it can. */
    m = pic_setup(0x11);
    pulse(m, 9);
    ck_assert_int_eq(ack(), 0x71);
    pulse(m, 8);
    ck_assert(fw.cpu_requests & CPU_INTERRUPT_HARD);
    ck_assert_int_eq(ack(), 0x70);
}
END_TEST

START_TEST(icw1_resets_state)
{
    Machine *m = pic_setup(0x01);

    outb(m, 0x21, 0x55);
    pulse(m, 4);
    outb(m, 0x20, 0x11);
    ck_assert_uint_eq(inb(m, 0x20), 0x00);             /* IRR cleared, IRR selected */
    outb(m, 0x21, 0x20);
    outb(m, 0x21, 0x04);
    outb(m, 0x21, 0x01);
    ck_assert_uint_eq(inb(m, 0x21), 0x00);             /* IMR cleared */
    pulse(m, 4);
    ck_assert_int_eq(ack(), 0x24);                     /* new base */
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, edge_priority_and_eoi);
    tcase_add_test(tc, mask_and_edge_sense);
    tcase_add_test(tc, cascade_and_slave_eoi);
    tcase_add_test(tc, spurious_vectors);
    tcase_add_test(tc, level_mode_elcr);
    tcase_add_test(tc, auto_eoi_and_rotation);
    tcase_add_test(tc, rotate_on_eoi);
    tcase_add_test(tc, poll_and_special_mask);
    tcase_add_test(tc, special_fully_nested);
    tcase_add_test(tc, icw1_resets_state);
}

int main(void)
{
    return fake_run_suite("i8259", add_tests);
}
