/*
 * isa_fakes.h - test support for the ISA device tests (test_i8259.c,
 * test_i8254.c, ...): a hand-built Machine with a port I/O bus and no CPU
 * or board, plus fakes of what the devices call in other engineers' parts
 * (CPU interrupt request, machine reset/exit, character back ends).
 *
 * Included by exactly one test file per test binary: it defines the fake
 * functions with external linkage so the library's devices link to them.
 * It is a header, not a .c file, because the Makefile links every .c file
 * of tests/unit/ into every unit test, and other tests have their own fakes.
 */
#ifndef TESTS_UNIT_ISA_FAKES_H
#define TESTS_UNIT_ISA_FAKES_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include "kestrel/machine.h"
#include "kestrel/cpu.h"
#include "kestrel/chardev.h"
#include "kestrel/timer.h"
#include "kestrel/isa.h"

/* ---- what the devices saw ---- */
typedef struct FakeWorld {
    CPUX86State cpu;
    uint32_t cpu_requests;           /* CPU_INTERRUPT_* bits currently raised */
    int (*intr_ack)(void *);
    void *intr_opaque;
    int resets, exits, exit_status;
    MachineExit exit_why;
    int a20_level, a20_calls;
    int irq_level[24], irq_rises[24];
} FakeWorld;

static FakeWorld fw;

void cpu_interrupt(CPUX86State *env, uint32_t mask) { fw.cpu_requests |= mask; }
void cpu_reset_interrupt(CPUX86State *env, uint32_t mask) { fw.cpu_requests &= ~mask; }
void cpu_set_intr_source(CPUX86State *env, int (*ack)(void *), void *opaque)
{
    fw.intr_ack = ack;
    fw.intr_opaque = opaque;
}
void machine_request_reset(Machine *m) { fw.resets++; }
void machine_request_exit(Machine *m, MachineExit why, int status)
{
    fw.exits++;
    fw.exit_why = why;
    fw.exit_status = status;
}

/* ---- a fake character back end: records output, holds one front end ---- */
struct CharDev {
    uint8_t out[256];
    int out_len;
    CharFrontend fe;
    bool has_fe;
    int accept_calls;
};

void chardev_set_frontend(CharDev *c, const CharFrontend *fe)
{
    c->has_fe = fe != NULL;
    if (fe)
        c->fe = *fe;
}
void chardev_write(CharDev *c, const uint8_t *buf, int len)
{
    for (int i = 0; i < len && c->out_len < (int)sizeof(c->out); i++)
        c->out[c->out_len++] = buf[i];
}
void chardev_accept_input(CharDev *c) { c->accept_calls++; }

/* Input from the "host" side, as much as the front end takes; returns that. */
static inline int fake_chardev_input(CharDev *c, const uint8_t *buf, int len)
{
    int room = c->fe.can_receive(c->fe.opaque);
    int n = len < room ? len : room;

    if (n > 0)
        c->fe.receive(c->fe.opaque, buf, n);
    return n;
}

/* ---- the machine ---- */
static void fake_irq_sink(void *opaque, int n, int level)
{
    if (level && !fw.irq_level[n])
        fw.irq_rises[n]++;
    fw.irq_level[n] = level;
}

static void fake_a20(void *opaque, int n, int level)
{
    fw.a20_level = level;
    fw.a20_calls++;
}

/* Machines of the running test, freed by the teardown fixture. */
static Machine *fake_machines[4];
static int n_fake_machines;

/* A machine whose ISA IRQs are recorded in fw (until a PIC takes them). */
static inline Machine *fake_machine(uint64_t ram_size)
{
    Machine *m = calloc(1, sizeof(*m));
    static MachineConfig cfg;

    ck_assert_int_lt(n_fake_machines, (int)ARRAY_SIZE(fake_machines));
    fake_machines[n_fake_machines++] = m;
    memset(&fw, 0, sizeof(fw));
    memset(&cfg, 0, sizeof(cfg));
    cfg.ram_size = ram_size;
    cfg.smp = 1;
    m->cfg = &cfg;
    m->io = bus_new("io", 0x10000);
    m->ram_size = ram_size;
    m->below_4g_ram = ram_size < 3 * GiB ? ram_size : 3 * GiB;
    m->above_4g_ram = ram_size - m->below_4g_ram;
    m->cpus[0] = &fw.cpu;
    m->ncpus = 1;
    for (int i = 0; i < 24; i++)
        m->isa_irq[i] = irq_line(fake_irq_sink, NULL, i);
    m->a20_line = irq_line(fake_a20, NULL, 0);
    return m;
}

/* Creates a device from "key=value,key=value" (NULL: no options); must succeed. */
static inline Device *fake_create(Machine *m, const DeviceClass *cls, const char *optstr)
{
    static char buf[256];
    DeviceOpts opts = { 0 };
    char err[200];
    Device *d;

    if (optstr) {
        snprintf(buf, sizeof(buf), "%s", optstr);
        for (char *tok = strtok(buf, ","); tok && opts.count < 16; tok = strtok(NULL, ",")) {
            char *eq = strchr(tok, '=');
            ck_assert_ptr_nonnull(eq);
            *eq = '\0';
            opts.item[opts.count].key = tok;
            opts.item[opts.count].value = eq + 1;
            opts.count++;
        }
    }
    ck_assert_ptr_eq(device_class_find(cls->name), cls);
    d = device_create(m, cls, &opts, err, sizeof(err));
    ck_assert_msg(d != NULL, "%s: %s", cls->name, err);
    return d;
}

static inline uint8_t inb(Machine *m, uint16_t port) { return (uint8_t)bus_read(m->io, port, 1); }
static inline void outb(Machine *m, uint16_t port, uint8_t v) { bus_write(m->io, port, v, 1); }

/* Deterministic virtual time: 1 ns per "instruction"; advance and run timers. */
static inline void fake_clock_start(void)
{
    clock_set_icount(0);
}
static inline void fake_clock_advance(int64_t ns)
{
    clock_icount_advance((uint64_t)ns);
    timers_run_due();
}

/* Unrealizes and frees every device and machine the test made. */
static void fake_teardown(void)
{
    for (int i = 0; i < n_fake_machines; i++) {
        Machine *m = fake_machines[i];

        while (m->devices) {
            Device *d = m->devices;

            m->devices = d->next;
            if (d->cls->unrealize)
                d->cls->unrealize(d);
            free(d);
        }
        bus_free(m->io);
        free(m);
    }
    n_fake_machines = 0;
}

/* Runs a suite of one test case; the exit status of a test binary. */
static inline int fake_run_suite(const char *name, void (*add)(TCase *tc))
{
    Suite *s = suite_create(name);
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, NULL, fake_teardown);
    add(tc);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
