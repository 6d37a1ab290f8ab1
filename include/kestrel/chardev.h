/*
 * chardev.h - character back ends (serial ports, debug console, monitor).
 *
 * A front end (UART) writes bytes with chardev_write() and receives input
 * through the callbacks it installs with chardev_set_handlers(); it never
 * knows whether the other end is stdio, a file, a socket or nothing.
 *
 * Specs follow QEMU: "stdio", "mon:stdio", "null", "file:PATH", "none",
 * "tcp:HOST:PORT,server,nowait", "unix:PATH,server,nowait".
 * With stdio, Ctrl-A X quits, Ctrl-A C switches to the monitor (mon:),
 * Ctrl-A H prints help, Ctrl-A Ctrl-A sends Ctrl-A.
 */
#ifndef KESTREL_CHARDEV_H
#define KESTREL_CHARDEV_H

#include "kestrel/common.h"

typedef struct CharDev CharDev;

typedef struct CharFrontend {
    /* How many bytes the front end can take now (FIFO room). */
    int (*can_receive)(void *opaque);
    void (*receive)(void *opaque, const uint8_t *buf, int len);
    void *opaque;
} CharFrontend;

/* Creates a back end from a spec; NULL with a message in err if malformed. */
CharDev *chardev_new(const char *spec, char *err, size_t errlen);
void chardev_free(CharDev *c);
void chardev_set_frontend(CharDev *c, const CharFrontend *fe);
void chardev_write(CharDev *c, const uint8_t *buf, int len);
/* The front end has room again: the back end retries delivering input. */
void chardev_accept_input(CharDev *c);

#endif
