/*
 * apic_fakes.h - test support for the interrupt-architecture tests
 * (test_apic.c, test_hpet.c, test_piix4_pm.c, test_acpi.c): a hand-built
 * Machine with a memory bus, a port bus and CPUs that are bare
 * CPUX86State structs (no CPU code is linked), plus fakes of what the
 * devices call in other engineers' parts (CPU requests, main loop, machine
 * exit/reset).
 *
 * Included by exactly one test file per test binary: it defines the fakes
 * with external linkage. Time is the virtual clock in icount mode, 1 ns per
 * step, so timers fire at exact times.
 */
#ifndef TESTS_UNIT_APIC_FAKES_H
#define TESTS_UNIT_APIC_FAKES_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include "kestrel/apic.h"
#include "kestrel/cpu.h"
#include "kestrel/machine.h"
#include "kestrel/timer.h"

#define FAKE_NCPUS 2

typedef struct ApicWorld {
    CPUX86State cpu[FAKE_NCPUS];
    int resets, exits, exit_status;
    MachineExit exit_why;
    int pic_acks;                    /* calls of the fake 8259's INTA */
    int irq_level[24], irq_rises[24];    /* isa_irq[] as devices drive them */
} ApicWorld;

static ApicWorld aw;

__thread CPUX86State *cpu_current;

void cpu_interrupt(CPUX86State *env, uint32_t mask) { env->interrupt_request |= mask; }
void cpu_reset_interrupt(CPUX86State *env, uint32_t mask) { env->interrupt_request &= ~mask; }
void cpu_set_intr_source(CPUX86State *env, int (*ack)(void *), void *opaque)
{
    env->intr_ack = ack;
    env->intr_opaque = opaque;
}
void main_loop_wakeup(void) { }
void machine_request_reset(Machine *m) { aw.resets++; }
void machine_request_exit(Machine *m, MachineExit why, int status)
{
    aw.exits++;
    aw.exit_why = why;
    aw.exit_status = status;
}

/* The 8259 behind LINT0: always has vector 0x08 + IRQ0. */
static int fake_pic_ack(void *opaque)
{
    (void)opaque;
    aw.pic_acks++;
    return 0x08;
}

static Machine *fake_m;

static void fake_irq_sink(void *opaque, int n, int level)
{
    (void)opaque;
    if (level && !aw.irq_level[n])
        aw.irq_rises[n]++;
    aw.irq_level[n] = level;
}

/* Two CPUs (BSP 0 with its APIC enabled as after reset), buses, no devices. */
static inline Machine *fake_apic_machine(void)
{
    static MachineConfig cfg;
    Machine *m = calloc(1, sizeof(*m));

    memset(&aw, 0, sizeof(aw));
    clock_set_icount(0);
    clock_icount_advance(54321);                      /* an arbitrary start */
    cfg.ram_size = 32 * MiB;
    cfg.smp = FAKE_NCPUS;
    m->cfg = &cfg;
    m->mem = bus_new("memory", 1ull << 52);
    m->io = bus_new("io", 0x10000);
    m->ncpus = FAKE_NCPUS;
    for (int i = 0; i < FAKE_NCPUS; i++) {
        CPUX86State *env = &aw.cpu[i];
        env->cpu_index = i;
        env->machine = m;
        env->apic_base = APIC_DEFAULT_BASE | APIC_BASE_ENABLE | (i ? 0 : APIC_BASE_BSP);
        env->wait_sipi = i != 0;
        m->cpus[i] = env;
    }
    for (int i = 0; i < 24; i++)
        m->isa_irq[i] = irq_line(fake_irq_sink, NULL, i);
    cpu_set_intr_source(&aw.cpu[0], fake_pic_ack, NULL);
    fake_m = m;
    return m;
}

/* Creates a device with at most one option; must succeed. */
static inline Device *fake_create(Machine *m, const DeviceClass *cls, const char *key,
                                  const char *value)
{
    DeviceOpts opts = { key ? 1 : 0, { { key, value } } };
    char err[200] = "";
    Device *d = device_create(m, cls, &opts, err, sizeof(err));
    ck_assert_msg(d != NULL, "%s: %s", cls->name, err);
    return d;
}

static inline void fake_advance(int64_t ns)
{
    clock_icount_advance((uint64_t)ns);
    timers_run_due();
}

static inline void fake_advance_to(int64_t t)
{
    ck_assert_int_ge(t, clock_ns());
    fake_advance(t - clock_ns());
}

static inline uint32_t mmio_read(uint64_t addr) { return (uint32_t)bus_read(fake_m->mem, addr, 4); }
static inline void mmio_write(uint64_t addr, uint32_t v) { bus_write(fake_m->mem, addr, v, 4); }
static inline uint64_t pio_read(uint16_t port, unsigned size) { return bus_read(fake_m->io, port, size); }
static inline void pio_write(uint16_t port, uint64_t v, unsigned size)
{
    bus_write(fake_m->io, port, v, size);
}

/* Runs a suite of one test case; the exit status of a test binary. */
static inline int fake_run(const char *name, void (*add)(TCase *tc))
{
    Suite *s = suite_create(name);
    TCase *tc = tcase_create("core");
    add(tc);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
