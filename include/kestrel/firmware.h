/*
 * firmware.h - locating and loading firmware files (SeaBIOS, VGA BIOS,
 * iPXE ROMs) in the machine's firmware directories: -L directories first,
 * then /usr/share/seabios and /usr/lib/ipxe/qemu (MachineConfig order).
 * A name containing '/' is a path and is used as given.
 */
#ifndef KESTREL_FIRMWARE_H
#define KESTREL_FIRMWARE_H

#include "kestrel/machine.h"

/* The readable file's path (malloc'd), or NULL with "NAME: not found in DIRS". */
char *firmware_find(const MachineConfig *cfg, const char *name, char *err, size_t errlen);
/* The whole file (malloc'd) and its size, or NULL with a message naming the file. */
uint8_t *firmware_load(const MachineConfig *cfg, const char *name, size_t *size,
                       char *err, size_t errlen);

#endif
