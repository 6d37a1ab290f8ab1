/*
 * raw.c - raw disk images: the file is the disk, byte for byte.
 *
 * Invariant: the guest-visible size is the file size at open time; if the
 * file shrinks while open, reads past its new end return zeros.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include "block/block_int.h"

static int raw_probe(const uint8_t *buf, size_t len)
{
    return 1;   /* anything is a raw image, as a last resort */
}

static bool raw_open(BlockDev *bs, char *err, size_t errlen)
{
    off_t end = lseek(bs->fd, 0, SEEK_END);
    if (end < 0) {
        snprintf(err, errlen, "%s: %s", bs->filename, strerror(errno));
        return false;
    }
    bs->size = (uint64_t)end;
    return true;
}

static int raw_read(BlockDev *bs, uint64_t offset, void *buf, uint64_t len)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t n = pread(bs->fd, p, len, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0) {               /* end of file: the rest reads as zeros */
            memset(p, 0, len);
            return 0;
        }
        p += n;
        offset += (uint64_t)n;
        len -= (uint64_t)n;
    }
    return 0;
}

static int raw_write(BlockDev *bs, uint64_t offset, const void *buf, uint64_t len)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = pwrite(bs->fd, p, len, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        p += n;
        offset += (uint64_t)n;
        len -= (uint64_t)n;
    }
    return 0;
}

static int raw_flush(BlockDev *bs)
{
    return fdatasync(bs->fd) < 0 ? -errno : 0;
}

const BlockDriver block_raw_driver = {
    .format = "raw",
    .probe = raw_probe,
    .open = raw_open,
    .read = raw_read,
    .write = raw_write,
    .flush = raw_flush,
};
