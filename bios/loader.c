/*
 * loader.c - what the direct kernel loaders (multiboot.c, linux.c) share:
 * reading a whole -kernel / -initrd file.
 *
 * Invariant: on failure nothing is allocated and the message names the
 * option and the file.
 */
#include "bios/loader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "kestrel/log.h"

/* Whole file into a malloc'd buffer; false with errno-based message. */
bool loader_read_file(const char *opt, const char *path, uint8_t **data, size_t *size,
                      char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    long n = -1;
    if (f && fseek(f, 0, SEEK_END) == 0)
        n = ftell(f);
    if (n < 0 || fseek(f, 0, SEEK_SET) != 0) {
        int e = errno;
        if (f)
            fclose(f);
        return error_setf(err, errlen, "%s %s: %s", opt, path, strerror(e));
    }
    *data = malloc((size_t)n + 1);
    if (!*data)
        abort();
    bool ok = fread(*data, 1, (size_t)n, f) == (size_t)n;
    fclose(f);
    *size = (size_t)n;
    if (!ok) {
        free(*data);
        return error_setf(err, errlen, "%s %s: read error", opt, path);
    }
    return true;
}
