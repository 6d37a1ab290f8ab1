/*
 * sysemu.h - what the parts of system/ share: the event loop and its file
 * descriptors, run state (running/paused), the monitor, direct kernel boot.
 *
 * Threads: everything here runs with the machine lock held unless a
 * comment says otherwise; the event loop drops the lock only around poll().
 */
#ifndef KESTREL_SYSTEM_SYSEMU_H
#define KESTREL_SYSTEM_SYSEMU_H

#include <poll.h>
#include "kestrel/chardev.h"
#include "kestrel/machine.h"

/* --- chardev.c: the event loop's view of the character back ends --- */

#define CHARDEV_MAX_POLLFDS 16

/* Fills fds with what the back ends wait for; owners[i] is the CharDev of fds[i]. */
int chardev_fill_pollfds(struct pollfd *fds, CharDev **owners, int max);
/* Acts on one ready descriptor (input, a new connection, hang-up). */
void chardev_handle_pollfd(CharDev *c, const struct pollfd *p);
/* "mon:" back ends multiplex a monitor: Ctrl-A C switches the input to it. */
bool chardev_is_mux(const CharDev *c);
/* on_focus runs when Ctrl-A C gives the monitor the input (it prints its prompt). */
void chardev_mux_set_monitor(CharDev *c, const CharFrontend *fe,
                             void (*on_focus)(void *opaque));
/* Ctrl-A X: what quitting means is the run loop's business. */
void chardev_set_quit_handler(void (*quit)(void));
/* Puts the terminal back as it was (also registered with atexit). Any thread, no lock. */
void chardev_restore_terminal(void);
/* Writes a formatted message (monitor output, escape help). */
void chardev_printf(CharDev *c, const char *fmt, ...) KESTREL_PRINTF(2, 3);

/* --- runloop.c --- */

/* Runs the machine until it exits; returns the process exit status. Lock not held. */
int runloop_run(Machine *m);
void vm_start(void);
void vm_stop(void);
bool vm_is_running(void);
/* Ctrl-A X, monitor "quit", SIGINT/SIGTERM: leave with this status. Any thread. */
void runloop_request_quit(int status);

/* --- kernel.c --- */

/* Boots cfg->kernel: a Linux bzImage through fw_cfg and the firmware, a multiboot
 * kernel straight from RAM with CPU 0 at its entry; no-op without -kernel. */
bool system_boot_kernel(Machine *m, char *err, size_t errlen);

/* --- monitor.c --- */

typedef struct Monitor Monitor;
/* A monitor on its own back end, or (mux) sharing a "mon:" back end with a serial port. */
Monitor *monitor_new(CharDev *chr, Machine *m, bool mux);
/* Only after its back end is freed (the back end calls into the monitor). */
void monitor_free(Monitor *mon);

#endif
