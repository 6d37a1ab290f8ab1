/*
 * loader.h - helpers shared by the direct kernel loaders in bios/.
 */
#ifndef KESTREL_BIOS_LOADER_H
#define KESTREL_BIOS_LOADER_H

#include "kestrel/common.h"

/*
 * The whole file PATH in a malloc'd buffer (one spare byte after the end);
 * false with "OPT PATH: reason" in err.
 */
bool loader_read_file(const char *opt, const char *path, uint8_t **data, size_t *size,
                      char *err, size_t errlen);

#endif
