/*
 * firmware.c - find firmware files in the configured directories and load
 * them. Nothing is cached: each call looks at the file system again.
 *
 * Invariant: error messages name the file and, for a search, every
 * directory searched, in search order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "kestrel/firmware.h"

#define FIRMWARE_MAX_SIZE (64 * MiB)

static char *path_join(const char *dir, const char *name)
{
    size_t len = strlen(dir) + strlen(name) + 2;
    char *p = malloc(len);
    assert(p);
    snprintf(p, len, "%s/%s", dir, name);
    return p;
}

char *firmware_find(const MachineConfig *cfg, const char *name, char *err, size_t errlen)
{
    if (strchr(name, '/')) {
        if (access(name, R_OK) == 0)
            return strdup(name);
        snprintf(err, errlen, "%s: %s", name, strerror(errno));
        return NULL;
    }
    for (int i = 0; i < cfg->n_firmware_dirs; i++) {
        char *path = path_join(cfg->firmware_dirs[i], name);
        if (access(path, R_OK) == 0)
            return path;
        free(path);
    }

    int n = snprintf(err, errlen, "%s: not found in", name);
    for (int i = 0; i < cfg->n_firmware_dirs && n > 0 && (size_t)n < errlen; i++)
        n += snprintf(err + n, errlen - (size_t)n, "%s %s", i ? "," : "", cfg->firmware_dirs[i]);
    if (!cfg->n_firmware_dirs && n > 0 && (size_t)n < errlen)
        snprintf(err + n, errlen - (size_t)n, " any firmware directory");
    return NULL;
}

static uint8_t *firmware_read_file(const char *path, size_t *size, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    uint8_t *buf = NULL;

    if (!f || fstat(fileno(f), &st) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode) || st.st_size <= 0 || (uint64_t)st.st_size > FIRMWARE_MAX_SIZE) {
        snprintf(err, errlen, "%s: not a firmware image (size %lld)", path,
                 (long long)st.st_size);
        goto out;
    }
    buf = malloc((size_t)st.st_size);
    assert(buf);
    if (fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        snprintf(err, errlen, "%s: read error", path);
        free(buf);
        buf = NULL;
        goto out;
    }
    *size = (size_t)st.st_size;
out:
    if (f)
        fclose(f);
    return buf;
}

uint8_t *firmware_load(const MachineConfig *cfg, const char *name, size_t *size,
                       char *err, size_t errlen)
{
    char *path = firmware_find(cfg, name, err, errlen);
    if (!path)
        return NULL;
    uint8_t *buf = firmware_read_file(path, size, err, errlen);
    free(path);
    return buf;
}
