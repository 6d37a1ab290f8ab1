/*
 * test_apic.c - the local APIC and the I/O APIC driven through MMIO with
 * two bare CPUs and no CPU code: reset values, self-IPI acceptance with
 * TPR/PPR and EOI, the spurious vector, INIT/SIPI to an AP, logical flat
 * and cluster destinations, lowest priority, base relocation, the timer in
 * one-shot, periodic and TSC-deadline mode at exact virtual times (icount),
 * ESR, the 8259 behind LINT0 (and ExtINT messages), and the I/O APIC's edge
 * and level pins with Remote IRR and EOI broadcast.
 */
#include "apic_fakes.h"

#define APIC(reg) (APIC_DEFAULT_BASE + (reg))
#define IOREGSEL IOAPIC_DEFAULT_BASE
#define IOWIN (IOAPIC_DEFAULT_BASE + 0x10)

static Device *ioapic;

static Machine *setup(void)
{
    Machine *m = fake_apic_machine();
    fake_create(m, &apic_class, "cpu", "0");
    fake_create(m, &apic_class, "cpu", "1");
    ioapic = fake_create(m, &ioapic_class, NULL, NULL);
    return m;
}

static void as_cpu(int i) { cpu_current = &aw.cpu[i]; }

static bool irr_has(int v) { return mmio_read(APIC(0x200 + (v >> 5) * 0x10)) >> (v & 31) & 1; }
static bool isr_has(int v) { return mmio_read(APIC(0x100 + (v >> 5) * 0x10)) >> (v & 31) & 1; }
static bool tmr_has(int v) { return mmio_read(APIC(0x180 + (v >> 5) * 0x10)) >> (v & 31) & 1; }
static bool apic_req(int cpu) { return aw.cpu[cpu].interrupt_request & CPU_INTERRUPT_APIC; }

static int ack(int cpu)
{
    return aw.cpu[cpu].intr_ack(aw.cpu[cpu].intr_opaque);
}

static void enable(int cpu)
{
    as_cpu(cpu);
    mmio_write(APIC(0xf0), 0x1ff);                    /* SVR: enabled, spurious 0xFF */
}

static void self_ipi(uint8_t vector)
{
    mmio_write(APIC(0x300), 0x40000u | vector);       /* shorthand self, fixed, edge */
}

START_TEST(reset_values)
{
    setup();
    as_cpu(0);
    ck_assert_uint_eq(mmio_read(APIC(0x20)), 0);
    ck_assert_uint_eq(mmio_read(APIC(0x30)), 0x50014);
    ck_assert_uint_eq(mmio_read(APIC(0xf0)), 0xff);
    ck_assert_uint_eq(mmio_read(APIC(0xe0)), 0xffffffff);
    ck_assert_uint_eq(mmio_read(APIC(0x320)), 0x10000);
    ck_assert_uint_eq(mmio_read(APIC(0x350)), 0x700);  /* BSP LINT0: virtual wire */
    as_cpu(1);
    ck_assert_uint_eq(mmio_read(APIC(0x20)), 1u << 24);
    ck_assert_uint_eq(mmio_read(APIC(0x350)), 0x10000);
    /* Software-disabled: LVT writes keep the mask. */
    mmio_write(APIC(0x360), 0x400);
    ck_assert_uint_eq(mmio_read(APIC(0x360)), 0x10400);
}
END_TEST

START_TEST(self_ipi_priority_eoi)
{
    setup();
    enable(0);
    self_ipi(0x40);
    ck_assert(irr_has(0x40));
    ck_assert(apic_req(0));
    mmio_write(APIC(0x80), 0x50);                     /* TPR class 5 masks class 4 */
    ck_assert(!apic_req(0));
    ck_assert_uint_eq(mmio_read(APIC(0xa0)), 0x50);
    mmio_write(APIC(0x80), 0x00);
    ck_assert(apic_req(0));
    self_ipi(0x61);
    ck_assert_int_eq(ack(0), 0x61);                   /* highest first */
    ck_assert(isr_has(0x61));
    ck_assert_uint_eq(mmio_read(APIC(0xa0)), 0x60);   /* PPR = ISR class */
    ck_assert(!apic_req(0));                          /* 0x40 waits below PPR */
    mmio_write(APIC(0xb0), 0);                        /* EOI */
    ck_assert(!isr_has(0x61));
    ck_assert(apic_req(0));
    ck_assert_int_eq(ack(0), 0x40);
    mmio_write(APIC(0xb0), 0);
    ck_assert(!apic_req(0));
    ck_assert_uint_eq(mmio_read(APIC(0xa0)), 0);
}
END_TEST

START_TEST(spurious_after_tpr_raise)
{
    setup();
    enable(0);
    mmio_write(APIC(0xf0), 0x1cf);                    /* spurious vector 0xCF */
    self_ipi(0x40);
    aw.cpu[0].interrupt_request |= CPU_INTERRUPT_APIC;
    /* The CPU saw the request, then TPR rose before INTA. */
    mmio_write(APIC(0x80), 0x80);
    aw.cpu[0].interrupt_request |= CPU_INTERRUPT_APIC;
    ck_assert_int_eq(ack(0), 0xcf);
    ck_assert(irr_has(0x40));
    ck_assert(!isr_has(0x40));
}
END_TEST

START_TEST(init_sipi_starts_ap)
{
    setup();
    enable(0);
    mmio_write(APIC(0x300), 0xc4500);                 /* INIT, all but self */
    ck_assert(aw.cpu[1].interrupt_request & CPU_INTERRUPT_INIT);
    ck_assert(!(aw.cpu[0].interrupt_request & CPU_INTERRUPT_INIT));
    mmio_write(APIC(0x300), 0xc4600 | 0x9f);          /* SIPI vector 0x9F */
    ck_assert(aw.cpu[1].interrupt_request & CPU_INTERRUPT_SIPI);
    ck_assert_uint_eq(aw.cpu[1].sipi_vector, 0x9f);
    /* A running CPU ignores SIPI. */
    aw.cpu[1].wait_sipi = false;
    aw.cpu[1].interrupt_request = 0;
    mmio_write(APIC(0x310), 1u << 24);
    mmio_write(APIC(0x300), 0x4600 | 0x10);           /* physical, dest 1 */
    ck_assert(!(aw.cpu[1].interrupt_request & CPU_INTERRUPT_SIPI));
    mmio_write(APIC(0x300), 0x4400);                  /* NMI to CPU 1 */
    ck_assert(aw.cpu[1].interrupt_request & CPU_INTERRUPT_NMI);
}
END_TEST

START_TEST(logical_destinations)
{
    setup();
    enable(1);
    mmio_write(APIC(0xd0), 0x02000000);               /* LDR bit 1 */
    enable(0);
    mmio_write(APIC(0xd0), 0x01000000);               /* LDR bit 0 */
    mmio_write(APIC(0x310), 0x02000000);
    mmio_write(APIC(0x300), 0x0800 | 0x55);           /* logical, fixed */
    as_cpu(1);
    ck_assert(irr_has(0x55));
    as_cpu(0);
    ck_assert(!irr_has(0x55));
    /* Cluster model: cluster 1, member bit 0 is CPU 1 only. */
    for (int i = 0; i < 2; i++) {
        as_cpu(i);
        mmio_write(APIC(0xe0), 0x0fffffff);
        mmio_write(APIC(0xd0), (i ? 0x11u : 0x21u) << 24);
    }
    mmio_write(APIC(0x310), 0x11000000);
    mmio_write(APIC(0x300), 0x0800 | 0x66);
    as_cpu(1);
    ck_assert(irr_has(0x66));
    as_cpu(0);
    ck_assert(!irr_has(0x66));
}
END_TEST

START_TEST(lowest_priority_picks_lower_tpr)
{
    setup();
    enable(1);
    mmio_write(APIC(0xd0), 0x01000000);
    mmio_write(APIC(0x80), 0x20);
    enable(0);
    mmio_write(APIC(0xd0), 0x01000000);
    mmio_write(APIC(0x80), 0x30);
    mmio_write(APIC(0x310), 0x01000000);
    mmio_write(APIC(0x300), 0x0900 | 0x77);           /* logical, lowest priority */
    as_cpu(1);
    ck_assert(irr_has(0x77));
    as_cpu(0);
    ck_assert(!irr_has(0x77));
}
END_TEST

START_TEST(timer_one_shot)
{
    setup();
    enable(0);
    mmio_write(APIC(0x3e0), 0x0);                     /* divide by 2 */
    mmio_write(APIC(0x320), 0x30);                    /* one-shot, vector 0x30 */
    int64_t t0 = clock_ns();
    mmio_write(APIC(0x380), 500);
    fake_advance(200);
    ck_assert_uint_eq(mmio_read(APIC(0x390)), 400);
    fake_advance_to(t0 + 999);
    ck_assert(!irr_has(0x30));
    fake_advance_to(t0 + 1000);
    ck_assert(irr_has(0x30));
    ck_assert(!tmr_has(0x30));
    ck_assert_uint_eq(mmio_read(APIC(0x390)), 0);
    ck_assert_int_eq(ack(0), 0x30);
    mmio_write(APIC(0xb0), 0);
    fake_advance(10000);
    ck_assert(!irr_has(0x30));                        /* once only */
}
END_TEST

START_TEST(timer_periodic)
{
    setup();
    enable(0);
    mmio_write(APIC(0x3e0), 0xb);                     /* divide by 1 */
    mmio_write(APIC(0x320), 0x20031);                 /* periodic, vector 0x31 */
    int64_t t0 = clock_ns();
    mmio_write(APIC(0x380), 1000);
    for (int k = 1; k <= 3; k++) {
        fake_advance_to(t0 + k * 1000 - 1);
        ck_assert(!irr_has(0x31));
        fake_advance_to(t0 + k * 1000);
        ck_assert(irr_has(0x31));
        ck_assert_int_eq(ack(0), 0x31);
        mmio_write(APIC(0xb0), 0);
    }
    fake_advance(250);
    ck_assert_uint_eq(mmio_read(APIC(0x390)), 750);
    mmio_write(APIC(0x320), 0x30031);                 /* masked: counts, no interrupt */
    fake_advance(2000);
    ck_assert(!irr_has(0x31));
}
END_TEST

START_TEST(timer_tsc_deadline)
{
    setup();
    enable(0);
    LocalApic *s = aw.cpu[0].apic;
    apic_set_tsc_deadline(s, 777, clock_ns() + 100);      /* one-shot mode: ignored */
    ck_assert_uint_eq(apic_get_tsc_deadline(s), 0);
    mmio_write(APIC(0x320), 0x40032);                     /* TSC-deadline, vector 0x32 */
    mmio_write(APIC(0x380), 5);                           /* initial count ignored */
    ck_assert_uint_eq(mmio_read(APIC(0x380)), 0);
    int64_t t0 = clock_ns();
    apic_set_tsc_deadline(s, 123456, t0 + 500);
    ck_assert_uint_eq(apic_get_tsc_deadline(s), 123456);
    fake_advance_to(t0 + 499);
    ck_assert(!irr_has(0x32));
    fake_advance_to(t0 + 500);
    ck_assert(irr_has(0x32));
    ck_assert_uint_eq(apic_get_tsc_deadline(s), 0);       /* fired: disarmed */
    ck_assert_int_eq(ack(0), 0x32);
    mmio_write(APIC(0xb0), 0);
    /* Leaving TSC-deadline mode disarms a pending deadline. */
    apic_set_tsc_deadline(s, 999, clock_ns() + 100);
    mmio_write(APIC(0x320), 0x00032);
    mmio_write(APIC(0x320), 0x40032);
    fake_advance(1000);
    ck_assert(!irr_has(0x32));
}
END_TEST

START_TEST(esr_illegal_vector)
{
    setup();
    enable(0);
    mmio_write(APIC(0x370), 0xfe);                    /* error LVT vector 0xFE */
    self_ipi(0x05);
    ck_assert_uint_eq(mmio_read(APIC(0x280)), 0);     /* not published yet */
    mmio_write(APIC(0x280), 0);
    ck_assert_uint_eq(mmio_read(APIC(0x280)), 0x20);  /* send illegal vector */
    ck_assert(irr_has(0xfe));
}
END_TEST

START_TEST(pic_through_lint0)
{
    setup();
    aw.cpu[0].interrupt_request |= CPU_INTERRUPT_HARD;
    ck_assert_int_eq(ack(0), 0x08);                   /* virtual wire at reset */
    ck_assert_int_eq(aw.pic_acks, 1);
    enable(0);
    mmio_write(APIC(0x350), 0x10700);                 /* LINT0 masked */
    ck_assert_int_eq(ack(0), -1);
    ck_assert_int_eq(aw.pic_acks, 1);
    ck_assert(!(aw.cpu[0].interrupt_request & CPU_INTERRUPT_HARD));
    /* Virtual wire through the I/O APIC: an ExtINT message gets one INTA of the 8259. */
    IrqLine pin0 = ioapic_pin(ioapic, 0);
    mmio_write(IOREGSEL, 0x10);
    mmio_write(IOWIN, 0x700);                         /* ExtINT, dest 0, edge, unmasked */
    irq_raise(&pin0);
    ck_assert(aw.cpu[0].interrupt_request & CPU_INTERRUPT_HARD);
    ck_assert_int_eq(ack(0), 0x08);
    ck_assert_int_eq(aw.pic_acks, 2);
    /* Globally disabled APIC: the 8259 goes straight to the CPU. */
    aw.cpu[0].interrupt_request |= CPU_INTERRUPT_HARD;
    uint64_t old = aw.cpu[0].apic_base;
    aw.cpu[0].apic_base &= ~(uint64_t)APIC_BASE_ENABLE;
    apic_base_changed(aw.cpu[0].apic, old);
    ck_assert_int_eq(ack(0), 0x08);
}
END_TEST

START_TEST(base_relocation)
{
    setup();
    as_cpu(0);
    uint64_t old = aw.cpu[0].apic_base;
    aw.cpu[0].apic_base = 0xfed80000 | APIC_BASE_ENABLE | APIC_BASE_BSP;
    apic_base_changed(aw.cpu[0].apic, old);
    ck_assert_uint_eq(mmio_read(0xfed80030), 0x50014);
    ck_assert_uint_ne(mmio_read(APIC(0x30)), 0x50014);
    device_reset_all(fake_m);
    ck_assert_uint_eq(mmio_read(APIC(0x30)), 0x50014);
}
END_TEST

START_TEST(cr8_is_tpr)
{
    setup();
    enable(0);
    apic_set_tpr(aw.cpu[0].apic, 0x7);
    ck_assert_uint_eq(mmio_read(APIC(0x80)), 0x70);
    mmio_write(APIC(0x80), 0x9a);
    ck_assert_uint_eq(apic_get_tpr(aw.cpu[0].apic), 0x9);
}
END_TEST

static void ioapic_program(int pin, uint64_t rte)
{
    mmio_write(IOREGSEL, 0x10 + 2 * pin);
    mmio_write(IOWIN, (uint32_t)rte);
    mmio_write(IOREGSEL, 0x11 + 2 * pin);
    mmio_write(IOWIN, (uint32_t)(rte >> 32));
}

static uint32_t ioapic_reg(int reg)
{
    mmio_write(IOREGSEL, reg);
    return mmio_read(IOWIN);
}

START_TEST(ioapic_registers)
{
    setup();
    ck_assert_uint_eq(ioapic_reg(1), 0x170011);
    ck_assert_uint_eq(ioapic_reg(0x10), 0x10000);    /* masked at reset */
    mmio_write(IOREGSEL, 0);
    mmio_write(IOWIN, 0x0f000000);
    ck_assert_uint_eq(ioapic_reg(0), 0x0f000000);
    ioapic_program(3, 0xff0000000001f0ffull);
    ck_assert_uint_eq(ioapic_reg(0x16), 0x0001a0ff);  /* status/remote IRR read-only */
    ck_assert_uint_eq(ioapic_reg(0x17), 0xff000000);
}
END_TEST

START_TEST(ioapic_edge_pin)
{
    setup();
    enable(1);
    ioapic_program(2, 0x0100000000000000ull | 0x30); /* physical dest 1, edge */
    IrqLine pin2 = ioapic_pin(ioapic, 2);
    irq_raise(&pin2);
    as_cpu(1);
    ck_assert(irr_has(0x30));
    ck_assert_int_eq(ack(1), 0x30);
    mmio_write(APIC(0xb0), 0);
    irq_raise(&pin2);                                 /* no new edge */
    ck_assert(!irr_has(0x30));
    irq_lower(&pin2);
    irq_raise(&pin2);
    ck_assert(irr_has(0x30));
}
END_TEST

START_TEST(ioapic_level_pin_remote_irr)
{
    setup();
    enable(0);
    ioapic_program(9, 0x8000 | 0x39);                 /* level, dest 0 */
    IrqLine pin9 = ioapic_pin(ioapic, 9);
    irq_raise(&pin9);
    ck_assert(irr_has(0x39));
    ck_assert(tmr_has(0x39));
    ck_assert(ioapic_reg(0x22) & (1u << 14));         /* remote IRR */
    ck_assert_int_eq(ack(0), 0x39);
    mmio_write(APIC(0xb0), 0);                        /* still asserted: sent again */
    ck_assert(irr_has(0x39));
    ck_assert_int_eq(ack(0), 0x39);
    irq_lower(&pin9);
    mmio_write(APIC(0xb0), 0);
    ck_assert(!irr_has(0x39));
    ck_assert(!(ioapic_reg(0x22) & (1u << 14)));
    /* Masked while asserted, then unmasked: delivered then. */
    ioapic_program(9, 0x18000 | 0x39);
    irq_raise(&pin9);
    ck_assert(!irr_has(0x39));
    ioapic_program(9, 0x8000 | 0x39);
    ck_assert(irr_has(0x39));
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, reset_values);
    tcase_add_test(tc, self_ipi_priority_eoi);
    tcase_add_test(tc, spurious_after_tpr_raise);
    tcase_add_test(tc, init_sipi_starts_ap);
    tcase_add_test(tc, logical_destinations);
    tcase_add_test(tc, lowest_priority_picks_lower_tpr);
    tcase_add_test(tc, timer_one_shot);
    tcase_add_test(tc, timer_periodic);
    tcase_add_test(tc, timer_tsc_deadline);
    tcase_add_test(tc, esr_illegal_vector);
    tcase_add_test(tc, pic_through_lint0);
    tcase_add_test(tc, base_relocation);
    tcase_add_test(tc, cr8_is_tpr);
    tcase_add_test(tc, ioapic_registers);
    tcase_add_test(tc, ioapic_edge_pin);
    tcase_add_test(tc, ioapic_level_pin_remote_irr);
}

int main(void)
{
    return fake_run("apic", add_tests);
}
