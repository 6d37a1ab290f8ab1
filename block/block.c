/*
 * block.c - the block layer front: format registry, probing, open/close and
 * the byte-granular read/write/flush entry points front ends call.
 *
 * Invariants: a BlockDev always has a driver and a name; block_read and
 * block_write reject ranges beyond bs->size with -EINVAL before reaching the
 * driver, and writes to a read-only device fail with -EROFS, so no driver
 * ever writes outside the guest-visible image or to a read-only file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "block/block_int.h"

#define MAX_BLOCK_DRIVERS 8
#define PROBE_BYTES 512

/* Built-in formats first; block_driver_register() appends more. */
static const BlockDriver *drivers[MAX_BLOCK_DRIVERS] = { &block_raw_driver };
static int n_drivers = 1;

void block_driver_register(const BlockDriver *drv)
{
    assert(n_drivers < MAX_BLOCK_DRIVERS);
    drivers[n_drivers++] = drv;
}

static const BlockDriver *block_find_format(const char *format)
{
    for (int i = 0; i < n_drivers; i++)
        if (!strcmp(drivers[i]->format, format))
            return drivers[i];
    return NULL;
}

/* The driver whose probe scores the first bytes of the file highest. */
static const BlockDriver *block_probe(int fd)
{
    uint8_t buf[PROBE_BYTES];
    ssize_t n = pread(fd, buf, sizeof(buf), 0);
    const BlockDriver *best = NULL;
    int best_score = 0;

    if (n < 0)
        n = 0;
    for (int i = 0; i < n_drivers; i++) {
        int score = drivers[i]->probe ? drivers[i]->probe(buf, (size_t)n) : 0;
        if (score > best_score) {
            best = drivers[i];
            best_score = score;
        }
    }
    return best;
}

BlockDev *block_open(const char *filename, const char *format, bool read_only,
                     char *err, size_t errlen)
{
    const BlockDriver *drv = NULL;

    if (format && !(drv = block_find_format(format))) {
        snprintf(err, errlen, "%s: unknown image format '%s'", filename, format);
        return NULL;
    }
    int fd = open(filename, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", filename, strerror(errno));
        return NULL;
    }
    if (!drv && !(drv = block_probe(fd))) {
        snprintf(err, errlen, "%s: unrecognized image format", filename);
        close(fd);
        return NULL;
    }

    BlockDev *bs = calloc(1, sizeof(*bs));
    assert(bs);
    bs->drv = drv;
    bs->filename = strdup(filename);
    bs->fd = fd;
    bs->read_only = read_only;
    if (!drv->open(bs, err, errlen)) {
        close(fd);
        free(bs->filename);
        free(bs);
        return NULL;
    }
    return bs;
}

void block_close(BlockDev *bs)
{
    if (!bs)
        return;
    if (bs->drv->close)
        bs->drv->close(bs);
    close(bs->fd);
    free(bs->filename);
    free(bs);
}

static bool block_range_ok(const BlockDev *bs, uint64_t offset, uint64_t len)
{
    return offset <= bs->size && len <= bs->size - offset;
}

int block_read(BlockDev *bs, uint64_t offset, void *buf, uint64_t len)
{
    if (!block_range_ok(bs, offset, len))
        return -EINVAL;
    return bs->drv->read(bs, offset, buf, len);
}

int block_write(BlockDev *bs, uint64_t offset, const void *buf, uint64_t len)
{
    if (bs->read_only)
        return -EROFS;
    if (!block_range_ok(bs, offset, len))
        return -EINVAL;
    return bs->drv->write(bs, offset, buf, len);
}

int block_flush(BlockDev *bs)
{
    if (bs->read_only || !bs->drv->flush)
        return 0;
    return bs->drv->flush(bs);
}
