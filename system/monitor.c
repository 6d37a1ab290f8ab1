/*
 * monitor.c - a small HMP-style monitor: help, info registers, info status,
 * stop, cont, system_reset, quit.
 *
 * Input arrives a byte at a time from its character back end (its own, or
 * a "mon:" back end shared with a serial port, where Ctrl-A C gives it the
 * input); the monitor echoes, edits (backspace) and runs a command per line.
 * Commands run on the main thread with the machine lock held; they only
 * request resets and exits, which the run loop carries out.
 */
#include "system/sysemu.h"

#include <stdio.h>
#include <stdlib.h>
#include "kestrel/cpu.h"

#define LINE_MAX_LEN 256
#define PROMPT "(kestrel) "

struct Monitor {
    CharDev *chr;
    Machine *m;
    char line[LINE_MAX_LEN];
    int len;
};

typedef struct MonitorCommand {
    const char *name, *alias;
    const char *help;
    void (*run)(Monitor *mon, const char *args);
} MonitorCommand;

static void cmd_help(Monitor *mon, const char *args);

static void cmd_info_registers(Monitor *mon)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (!f)
        return;
    for (int i = 0; i < mon->m->ncpus; i++) {
        if (mon->m->ncpus > 1)
            fprintf(f, "CPU#%d\n", i);
        cpu_dump_state(mon->m->cpus[i], f);
    }
    fclose(f);
    chardev_write(mon->chr, (const uint8_t *)text, (int)size);
    free(text);
}

static void cmd_info(Monitor *mon, const char *args)
{
    if (!strcmp(args, "registers"))
        cmd_info_registers(mon);
    else if (!strcmp(args, "status"))
        chardev_printf(mon->chr, "VM status: %s\n", vm_is_running() ? "running" : "paused");
    else
        chardev_printf(mon->chr, "info: expected 'registers' or 'status'\n");
}

static void cmd_stop(Monitor *mon, const char *args)
{
    vm_stop();
}

static void cmd_cont(Monitor *mon, const char *args)
{
    vm_start();
}

static void cmd_system_reset(Monitor *mon, const char *args)
{
    machine_request_reset(mon->m);
}

static void cmd_quit(Monitor *mon, const char *args)
{
    runloop_request_quit(0);
}

static const MonitorCommand commands[] = {
    { "help", "?", "help                  list the commands", cmd_help },
    { "info", NULL, "info registers|status show CPU registers or the run state", cmd_info },
    { "stop", NULL, "stop                  pause the machine", cmd_stop },
    { "cont", "c", "cont                  resume the machine", cmd_cont },
    { "system_reset", NULL, "system_reset          reset the machine", cmd_system_reset },
    { "quit", "q", "quit                  quit the emulator", cmd_quit },
};

static void cmd_help(Monitor *mon, const char *args)
{
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        chardev_printf(mon->chr, "%s\n", commands[i].help);
}

static void monitor_execute(Monitor *mon, char *line)
{
    char *name = line + strspn(line, " \t");
    if (!*name)
        return;
    char *args = name + strcspn(name, " \t");
    if (*args)
        *args++ = '\0';
    args += strspn(args, " \t");
    for (char *end = args + strlen(args); end > args && (end[-1] == ' ' || end[-1] == '\t');)
        *--end = '\0';
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
        const MonitorCommand *c = &commands[i];
        if (!strcmp(name, c->name) || (c->alias && !strcmp(name, c->alias))) {
            c->run(mon, args);
            return;
        }
    }
    chardev_printf(mon->chr, "unknown command: '%s' (try 'help')\n", name);
}

static void monitor_prompt(void *opaque)
{
    Monitor *mon = opaque;
    chardev_printf(mon->chr, "\n" PROMPT);
}

static int monitor_can_receive(void *opaque)
{
    return LINE_MAX_LEN;
}

static void monitor_byte(Monitor *mon, uint8_t b)
{
    if (b == '\r' || b == '\n') {
        chardev_printf(mon->chr, "\n");
        mon->line[mon->len] = '\0';
        mon->len = 0;
        monitor_execute(mon, mon->line);
        chardev_printf(mon->chr, PROMPT);
    } else if (b == 0x7f || b == '\b') {
        if (mon->len > 0) {
            mon->len--;
            chardev_printf(mon->chr, "\b \b");
        }
    } else if (b >= 0x20 && b < 0x7f && mon->len < LINE_MAX_LEN - 1) {
        mon->line[mon->len++] = (char)b;
        chardev_write(mon->chr, &b, 1);
    }
}

static void monitor_receive(void *opaque, const uint8_t *buf, int len)
{
    for (int i = 0; i < len; i++)
        monitor_byte(opaque, buf[i]);
}

Monitor *monitor_new(CharDev *chr, Machine *m, bool mux)
{
    Monitor *mon = calloc(1, sizeof(*mon));
    if (!mon)
        abort();
    mon->chr = chr;
    mon->m = m;
    CharFrontend fe = { monitor_can_receive, monitor_receive, mon };
    if (mux) {
        chardev_mux_set_monitor(chr, &fe, monitor_prompt);
    } else {
        chardev_set_frontend(chr, &fe);
        chardev_printf(chr, "Kestrel monitor - type 'help' for more information\n" PROMPT);
    }
    return mon;
}

void monitor_free(Monitor *mon)
{
    free(mon);
}
