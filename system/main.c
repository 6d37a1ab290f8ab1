/*
 * main.c - the kestrel program: command line, then build and run the machine.
 *
 * Order: parse options (options.c), select the IR backend, answer help
 * requests; set up logging and the clock; create the serial back ends
 * (pc_create's devices attach to them); build the PC; load a -kernel;
 * attach the monitor; run until the machine exits. Every user error is one line on stderr
 * through error_report and exit status 1; the exit status of a run is the
 * run loop's (0, or the isa-debug-exit code).
 */
#include <stdio.h>
#include <stdlib.h>
#include "config-host.h"
#include "kestrel/cpu.h"
#include "kestrel/device.h"
#include "kestrel/log.h"
#include "kestrel/tcg.h"
#include "kestrel/timer.h"
#include "system/options.h"
#include "system/sysemu.h"

#define KESTREL_VERSION "0.1"

static void print_device(const DeviceClass *cls, void *opaque)
{
    if (cls->user_creatable)
        fprintf(opaque, "name \"%s\", desc \"%s\"\n", cls->name, cls->desc ? cls->desc : "");
}

/* -h, -version, -cpu help...: true when one was answered (exit 0). */
static bool answer_help(const Options *o)
{
    if (o->help)
        options_usage(stdout);
    else if (o->version)
        printf("Kestrel emulator version " KESTREL_VERSION "\n");
    else if (o->cpu_help)
        cpu_model_list(stdout);
    else if (o->device_help)
        device_class_list(print_device, stdout);
    else if (o->log_help)
        fputs(log_mask_help(), stdout);
    else if (o->accel_help)
        printf("Accelerators supported: tcg (backend=interp%s)\n", CONFIG_JIT ? "|jit" : "");
    else
        return false;
    return true;
}

static bool setup_logging(const Options *o)
{
    if (o->log_items) {
        unsigned mask;
        const char *bad;
        size_t bad_len;
        if (!log_parse_mask(o->log_items, &mask, &bad, &bad_len)) {
            error_report("-d %s: unknown log item '%.*s' (-d help lists them)", o->log_items,
                         (int)bad_len, bad);
            return false;
        }
        log_mask = mask;
    }
    if (o->log_file && !log_set_file(o->log_file)) {
        error_report("-D %s: cannot open the log file", o->log_file);
        return false;
    }
    return true;
}

/* -accel tcg,backend=...: the JIT where the host has one, else the interpreter. */
static bool select_backend(const MachineConfig *cfg)
{
    const char *name = cfg->accel_backend ? cfg->accel_backend : CONFIG_JIT ? "jit" : "interp";
    const IRBackend *b = ir_backend_find(name);
    if (!b && !cfg->accel_backend)
        b = ir_backend_find("interp");
    if (!b) {
        error_report("-accel tcg,backend=%s: not available on this host", name);
        return false;
    }
    ir_backend = b;
    return true;
}

static bool create_serial_chardevs(MachineConfig *cfg)
{
    char err[256];
    for (int i = 0; i < cfg->n_serial; i++) {
        if (!cfg->serial[i])
            continue;
        cfg->serial_chr[i] = chardev_new(cfg->serial[i], err, sizeof(err));
        if (!cfg->serial_chr[i]) {
            error_report("-serial %s", err);
            return false;
        }
    }
    return true;
}

/* -monitor SPEC gets its own back end; otherwise a "mon:" serial port hosts it. */
static bool create_monitor(Machine *m, const MachineConfig *cfg)
{
    char err[256];
    if (cfg->monitor) {
        CharDev *chr = chardev_new(cfg->monitor, err, sizeof(err));
        if (!chr) {
            error_report("-monitor %s", err);
            return false;
        }
        monitor_new(chr, m, false);
        return true;
    }
    for (int i = 0; i < cfg->n_serial; i++) {
        if (cfg->serial_chr[i] && chardev_is_mux(cfg->serial_chr[i])) {
            monitor_new(cfg->serial_chr[i], m, true);
            break;
        }
    }
    return true;
}

int main(int argc, char **argv)
{
    static Options o;
    char err[512];
    options_init(&o);
    if (!options_parse(&o, argc, argv, err, sizeof(err))) {
        error_report("%s", err);
        return 1;
    }
    MachineConfig *cfg = &o.cfg;
    /* Before the help answers, so "-accel tcg,backend=jit -version" tells
     * scripts whether this host has the JIT. */
    if (!select_backend(cfg))
        return 1;
    if (answer_help(&o))
        return 0;
    if (!setup_logging(&o))
        return 1;
    if (cfg->cpu_model && !cpu_model_valid(cfg->cpu_model)) {
        error_report("-cpu %s: unknown CPU model (-cpu help lists them)", cfg->cpu_model);
        return 1;
    }
    if (cfg->icount_shift >= 0)
        clock_set_icount(cfg->icount_shift);
    if (!create_serial_chardevs(cfg))
        return 1;
    Machine *m = pc_create(cfg, err, sizeof(err));
    if (!m) {
        error_report("%s", err);
        return 1;
    }
    machine_lock();
    bool ok = system_boot_kernel(m, err, sizeof(err));
    machine_unlock();
    if (!ok) {
        error_report("%s", err);
        return 1;
    }
    if (!create_monitor(m, cfg))
        return 1;
    return runloop_run(m);
}
