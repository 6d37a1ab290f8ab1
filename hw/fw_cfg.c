/*
 * fw_cfg.c - QEMU's firmware configuration device on the PC's I/O ports
 * (selector 0x510, data 0x511, DMA address 0x514-0x51B), as SeaBIOS and
 * iPXE expect it (QEMU docs/specs/fw_cfg.rst).
 *
 * Invariants:
 * - Keys below FW_CFG_FILE_FIRST index the fixed items (generic, or x86
 *   with FW_CFG_ARCH_LOCAL); key FW_CFG_FILE_FIRST + i is files[i], and
 *   files[] stays sorted by name, so the directory (FW_CFG_FILE_DIR, all
 *   fields big-endian) is rebuilt on every file change.
 * - Bit 14 (write channel) of a key is ignored for lookup; items are
 *   read-only: data-port writes are dropped, DMA writes fail with ERROR.
 * - Reads past the end of an item (or of no item) return zeros; the DMA
 *   address register reads "QEMU CFG" big-endian and is zero after an
 *   operation, which completes before the triggering write returns.
 */
#include <stdlib.h>
#include "kestrel/fw_cfg.h"
#include "hw/board.h"

#define FW_CFG_ENTRY_MASK 0x3fff
#define FW_CFG_FILE_ENTRY_SIZE 64
#define FW_CFG_ID_TRADITIONAL 0x01
#define FW_CFG_ID_DMA 0x02

typedef struct FwCfgItem {
    uint8_t *data;
    uint32_t len;
} FwCfgItem;

typedef struct FwCfgFile {
    char name[FW_CFG_MAX_NAME];
    FwCfgItem item;
} FwCfgFile;

struct FwCfg {
    Device dev;
    FwCfgItem fixed[2][FW_CFG_FILE_FIRST];     /* [arch][key] */
    FwCfgFile files[FW_CFG_MAX_FILES];
    int n_files;
    uint16_t cur_key;
    uint32_t cur_offset;
    uint64_t dma_addr;
};

static void fw_cfg_item_set(FwCfgItem *it, const void *data, size_t len)
{
    free(it->data);
    it->data = len ? malloc(len) : NULL;
    assert(!len || it->data);
    if (len)
        memcpy(it->data, data, len);
    it->len = (uint32_t)len;
}

/* The item a key selects, or NULL for an invalid key. */
static FwCfgItem *fw_cfg_item(FwCfg *s, uint16_t key)
{
    unsigned idx = key & FW_CFG_ENTRY_MASK;
    bool arch = key & FW_CFG_ARCH_LOCAL;

    if (idx < FW_CFG_FILE_FIRST)
        return &s->fixed[arch][idx];
    if (!arch && idx - FW_CFG_FILE_FIRST < (unsigned)s->n_files)
        return &s->files[idx - FW_CFG_FILE_FIRST].item;
    return NULL;
}

void fw_cfg_add_bytes(FwCfg *s, uint16_t key, const void *data, size_t len)
{
    assert((key & FW_CFG_ENTRY_MASK) < FW_CFG_FILE_FIRST);
    fw_cfg_item_set(fw_cfg_item(s, key), data, len);
}

void fw_cfg_add_i16(FwCfg *s, uint16_t key, uint16_t value)
{
    uint8_t b[2];
    st16_le(b, value);
    fw_cfg_add_bytes(s, key, b, sizeof(b));
}

void fw_cfg_add_i32(FwCfg *s, uint16_t key, uint32_t value)
{
    uint8_t b[4];
    st32_le(b, value);
    fw_cfg_add_bytes(s, key, b, sizeof(b));
}

void fw_cfg_add_i64(FwCfg *s, uint16_t key, uint64_t value)
{
    uint8_t b[8];
    st64_le(b, value);
    fw_cfg_add_bytes(s, key, b, sizeof(b));
}

static void st16_be(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void st32_be(uint8_t *p, uint32_t v) { st16_be(p, (uint16_t)(v >> 16)); st16_be(p + 2, (uint16_t)v); }
static uint32_t ld32_be(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint64_t ld64_be(const uint8_t *p)
{
    return (uint64_t)ld32_be(p) << 32 | ld32_be(p + 4);
}

static void fw_cfg_rebuild_dir(FwCfg *s)
{
    size_t len = 4 + (size_t)s->n_files * FW_CFG_FILE_ENTRY_SIZE;
    uint8_t *dir = calloc(1, len);
    assert(dir);
    st32_be(dir, (uint32_t)s->n_files);
    for (int i = 0; i < s->n_files; i++) {
        uint8_t *e = dir + 4 + (size_t)i * FW_CFG_FILE_ENTRY_SIZE;
        st32_be(e, s->files[i].item.len);
        st16_be(e + 4, (uint16_t)(FW_CFG_FILE_FIRST + i));
        memcpy(e + 8, s->files[i].name, FW_CFG_MAX_NAME);
    }
    fw_cfg_item_set(&s->fixed[0][FW_CFG_FILE_DIR], dir, len);
    free(dir);
}

int fw_cfg_file_key(FwCfg *s, const char *name)
{
    for (int i = 0; i < s->n_files; i++)
        if (!strcmp(s->files[i].name, name))
            return FW_CFG_FILE_FIRST + i;
    return -1;
}

bool fw_cfg_add_file(FwCfg *s, const char *name, const void *data, size_t len)
{
    int key = fw_cfg_file_key(s, name);
    if (key >= 0) {
        fw_cfg_item_set(&s->files[key - FW_CFG_FILE_FIRST].item, data, len);
        fw_cfg_rebuild_dir(s);
        return true;
    }
    if (strlen(name) >= FW_CFG_MAX_NAME || s->n_files == FW_CFG_MAX_FILES)
        return false;

    int pos = 0;
    while (pos < s->n_files && strcmp(s->files[pos].name, name) < 0)
        pos++;
    memmove(&s->files[pos + 1], &s->files[pos], (size_t)(s->n_files - pos) * sizeof(FwCfgFile));
    memset(&s->files[pos], 0, sizeof(FwCfgFile));
    strcpy(s->files[pos].name, name);
    fw_cfg_item_set(&s->files[pos].item, data, len);
    s->n_files++;
    fw_cfg_rebuild_dir(s);
    return true;
}

static void fw_cfg_select(FwCfg *s, uint16_t key)
{
    s->cur_key = key;
    s->cur_offset = 0;
}

static uint8_t fw_cfg_read_byte(FwCfg *s)
{
    FwCfgItem *it = fw_cfg_item(s, s->cur_key);
    if (!it || s->cur_offset >= it->len)
        return 0;
    return it->data[s->cur_offset++];
}

/* Ports 0x510 (selector, 16-bit writes) and 0x511 (data, byte reads). */
static uint64_t fw_cfg_io_read(void *opaque, uint64_t off, unsigned size)
{
    return size == 1 ? fw_cfg_read_byte(opaque) : ~0ull;
}

static void fw_cfg_io_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    if (off == 0 && size == 2)
        fw_cfg_select(opaque, (uint16_t)val);
}

static const MemOps fw_cfg_io_ops = {
    .read = fw_cfg_io_read,
    .write = fw_cfg_io_write,
    .min_access = 1,
    .max_access = 2,
};

/* Zeros for reads past the end of an item. */
static void fw_cfg_dma_zero(Bus *mem, uint64_t addr, uint32_t len)
{
    static const uint8_t zeros[512];
    while (len) {
        uint32_t n = len < sizeof(zeros) ? len : (uint32_t)sizeof(zeros);
        bus_write_buf(mem, addr, zeros, n);
        addr += n;
        len -= n;
    }
}

/* One FWCfgDmaAccess at guest address `desc`; returns the final control word. */
static uint32_t fw_cfg_dma_run(FwCfg *s, uint64_t desc)
{
    Bus *mem = s->dev.machine->mem;
    uint8_t raw[16];
    bus_read_buf(mem, desc, raw, sizeof(raw));
    uint32_t control = ld32_be(raw), length = ld32_be(raw + 4);
    uint64_t addr = ld64_be(raw + 8);

    if (control & FW_CFG_DMA_CTL_SELECT)
        fw_cfg_select(s, (uint16_t)(control >> 16));
    bool read = control & FW_CFG_DMA_CTL_READ;
    bool write = !read && (control & FW_CFG_DMA_CTL_WRITE);
    if (!read && !write && !(control & FW_CFG_DMA_CTL_SKIP))
        return 0;
    if (write)
        return FW_CFG_DMA_CTL_ERROR;     /* every item is read-only */

    FwCfgItem *it = fw_cfg_item(s, s->cur_key);
    uint32_t avail = (it && s->cur_offset < it->len) ? it->len - s->cur_offset : 0;
    uint32_t n = length < avail ? length : avail;
    if (read) {
        if (n)
            bus_write_buf(mem, addr, it->data + s->cur_offset, n);
        fw_cfg_dma_zero(mem, addr + n, length - n);
    }
    s->cur_offset += n;
    return 0;
}

static void fw_cfg_dma_trigger(FwCfg *s)
{
    uint64_t desc = s->dma_addr;
    uint8_t control[4];
    s->dma_addr = 0;
    st32_be(control, fw_cfg_dma_run(s, desc));
    bus_write_buf(s->dev.machine->mem, desc, control, sizeof(control));
}

static uint64_t fw_cfg_dma_read(void *opaque, uint64_t off, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size && off + i < 8; i++)
        v |= ((FW_CFG_DMA_SIGNATURE >> (56 - 8 * (off + i))) & 0xff) << (8 * i);
    return v;
}

/* The register is big-endian: the guest writes byte-swapped values. */
static void fw_cfg_dma_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    FwCfg *s = opaque;
    if (size == 4 && off == 0) {
        s->dma_addr = (uint64_t)__builtin_bswap32((uint32_t)val) << 32;
    } else if (size == 4 && off == 4) {
        s->dma_addr |= __builtin_bswap32((uint32_t)val);
        fw_cfg_dma_trigger(s);
    } else if (size == 8 && off == 0) {
        s->dma_addr = __builtin_bswap64(val);
        fw_cfg_dma_trigger(s);
    }
}

static const MemOps fw_cfg_dma_ops = {
    .read = fw_cfg_dma_read,
    .write = fw_cfg_dma_write,
    .min_access = 1,
    .max_access = 8,
};

static bool fw_cfg_realize(Device *dev, Machine *m, const DeviceOpts *opts, char *err,
                           size_t errlen)
{
    FwCfg *s = container_of(dev, FwCfg, dev);
    static const uint8_t uuid[16];

    fw_cfg_add_bytes(s, FW_CFG_SIGNATURE, "QEMU", 4);
    fw_cfg_add_i32(s, FW_CFG_ID, FW_CFG_ID_TRADITIONAL | FW_CFG_ID_DMA);
    fw_cfg_add_bytes(s, FW_CFG_UUID, uuid, sizeof(uuid));
    fw_cfg_rebuild_dir(s);
    bus_map_io(m->io, "fw_cfg", FW_CFG_IO_BASE, 2, &fw_cfg_io_ops, s, 0);
    bus_map_io(m->io, "fw_cfg-dma", FW_CFG_DMA_IO_BASE, 8, &fw_cfg_dma_ops, s, 0);
    m->fw_cfg = s;
    return true;
}

static void fw_cfg_reset(Device *dev)
{
    FwCfg *s = container_of(dev, FwCfg, dev);
    fw_cfg_select(s, FW_CFG_SIGNATURE);
    s->dma_addr = 0;
}

/* Item contents are rebuilt by the board, not saved. */
static const StateField fw_cfg_fields[] = {
    SF(SF_U16, FwCfg, cur_key),
    SF(SF_U32, FwCfg, cur_offset),
    SF(SF_U64, FwCfg, dma_addr),
    SF_END,
};
static const StateDesc fw_cfg_state = { "fw_cfg", 1, fw_cfg_fields };

const DeviceClass fw_cfg_device_class = {
    .name = "fw_cfg",
    .desc = "QEMU firmware configuration interface",
    .size = sizeof(FwCfg),
    .realize = fw_cfg_realize,
    .reset = fw_cfg_reset,
    .state = &fw_cfg_state,
};
DEVICE_CLASS_REGISTER(fw_cfg_device_class)
