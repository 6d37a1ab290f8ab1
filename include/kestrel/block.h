/*
 * block.h - disk images behind a small back-end interface.
 *
 * IDE, floppy and virtio front ends talk to a BlockDev and never know the
 * format (raw, qcow2). All offsets and lengths are in bytes; I/O is
 * synchronous for now.
 */
#ifndef KESTREL_BLOCK_H
#define KESTREL_BLOCK_H

#include "kestrel/common.h"

typedef struct BlockDev BlockDev;

typedef struct BlockDriver {
    const char *format;
    /* Returns nonzero if the first bytes of a file look like this format. */
    int (*probe)(const uint8_t *buf, size_t len);
    bool (*open)(BlockDev *bs, char *err, size_t errlen);
    int (*read)(BlockDev *bs, uint64_t offset, void *buf, uint64_t len);
    int (*write)(BlockDev *bs, uint64_t offset, const void *buf, uint64_t len);
    int (*flush)(BlockDev *bs);
    void (*close)(BlockDev *bs);
} BlockDriver;

struct BlockDev {
    const BlockDriver *drv;
    char *filename;
    int fd;
    bool read_only;
    uint64_t size;            /* guest-visible bytes */
    void *opaque;             /* driver state */
};

/*
 * Opens an image; format NULL means probe. On failure returns NULL with a
 * message naming the file and the problem.
 */
BlockDev *block_open(const char *filename, const char *format, bool read_only,
                     char *err, size_t errlen);
void block_close(BlockDev *bs);
int block_read(BlockDev *bs, uint64_t offset, void *buf, uint64_t len);   /* 0 or -errno */
int block_write(BlockDev *bs, uint64_t offset, const void *buf, uint64_t len);
int block_flush(BlockDev *bs);

void block_driver_register(const BlockDriver *drv);

#endif
