/*
 * isa.h - public entry points of the legacy ISA devices (hw/i8259.c,
 * hw/i8254.c, hw/mc146818.c, hw/i8042.c, hw/serial.c, ...).
 *
 * The devices themselves are created by name with device_create(); this
 * header only declares what other subsystems (the UI, the board) call on
 * an existing instance. Every function must be called with the machine
 * lock held, like any device callback.
 */
#ifndef KESTREL_ISA_H
#define KESTREL_ISA_H

#include "kestrel/common.h"
#include "kestrel/device.h"

/*
 * The device classes (also registered by name for device_class_find()).
 * Linking a class by symbol pulls its object out of a static archive.
 */
extern const DeviceClass i8259_class;       /* "i8259" */
extern const DeviceClass i8254_class;       /* "i8254" */
extern const DeviceClass mc146818_class;    /* "mc146818" */
extern const DeviceClass i8042_class;       /* "i8042" */
extern const DeviceClass isa_serial_class;      /* "isa-serial" */
extern const DeviceClass isa_debugcon_class;    /* "isa-debugcon" */
extern const DeviceClass isa_debugexit_class;   /* "isa-debug-exit" */
extern const DeviceClass port92_class;      /* "port92" */

/*
 * i8042: the UI injects one byte of a key's scan code set 2 sequence
 * (make: 0x1C for 'A'; break: 0xF0 0x1C; extended keys prefixed by 0xE0).
 * The keyboard converts it to the set the guest selected and the
 * controller translates to set 1 when the command byte asks for it.
 * `dev` must be an "i8042" device.
 */
void i8042_put_key(Device *dev, uint8_t scancode);

/*
 * i8042: PS/2 mouse motion. dx > 0 is right, dy > 0 is DOWN (screen
 * direction; the packet carries PS/2's up-positive value), dz > 0 is a
 * wheel step towards the user. buttons: bit 0 left, bit 1 right, bit 2
 * middle. Dropped unless the guest enabled streaming.
 */
void i8042_put_mouse(Device *dev, int dx, int dy, int dz, unsigned buttons);

#endif
