/*
 * ide.c - an IDE channel: the ATA task file on the legacy ports, two
 * drives (ATA disk or ATAPI CD-ROM), PIO data transfer and one IRQ line.
 *
 * Covers what SeaBIOS (src/hw/ata.c) and Linux ata_piix use in PIO mode:
 * IDENTIFY (PACKET) DEVICE, READ/WRITE SECTORS and MULTIPLE, their EXT
 * (LBA48) forms, READ VERIFY, SET FEATURES, SET MULTIPLE MODE, INITIALIZE
 * DEVICE PARAMETERS, FLUSH CACHE, power management no-ops, EXECUTE DEVICE
 * DIAGNOSTIC, software reset through the device control register with
 * nIEN, CHS/LBA28/LBA48 addressing, and ATAPI PACKET with TEST UNIT READY,
 * REQUEST SENSE, INQUIRY, READ CAPACITY, READ(10)/(12), READ TOC (formats 0
 * and 1), MODE SENSE(10) (pages 0x01, 0x2A), polled GET EVENT STATUS
 * NOTIFICATION, START STOP UNIT and PREVENT ALLOW MEDIUM REMOVAL.
 *
 * Invariants:
 * - Writes to the command block registers reach both drives (each keeps
 *   its own copy, with the previous value as the HOB byte); reads come from
 *   the selected drive. As on QEMU, error and status read 0 when the channel
 *   is empty or an absent slave is selected, and other registers read 0 on
 *   an empty channel.
 * - DRQ is set exactly while buf[pos, end) is being transferred; reaching
 *   `end` runs end_fn, which starts the next block or completes.
 * - Commands complete synchronously: BSY is only seen during a soft reset.
 * - INTRQ is pending from completion (or a DRQ block) until the status
 *   register is read; the line is pending && !nIEN.
 * - DMA (READ/WRITE DMA (EXT), ATAPI PACKET with the DMA feature bit) is
 *   offered only when a bus master is attached (ide_bus_enable_bm); the
 *   transfer runs at once when both the command and the bus master's start
 *   bit are there, through the PRD table in guest memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "kestrel/log.h"
#include "hw/ide.h"

#define IDE_SECTOR 512
#define CD_SECTOR 2048
#define IDE_MAX_MULT 16
#define IDE_BUF_SIZE (IDE_MAX_MULT * IDE_SECTOR)
#define ATAPI_PACKET_SIZE 12

/* Status register. */
#define ST_ERR  0x01
#define ST_DRQ  0x08
#define ST_DSC  0x10
#define ST_DRDY 0x40
#define ST_BSY  0x80
#define ST_READY (ST_DRDY | ST_DSC)
/* Error register. */
#define ER_ABRT 0x04
#define ER_IDNF 0x10
#define ER_UNC  0x40
/* Device control register. */
#define CTL_NIEN 0x02
#define CTL_SRST 0x04
#define CTL_HOB  0x80
/* Device/head register. */
#define SEL_LBA 0x40
#define SEL_DEV 0x10
#define SEL_OBS 0xa0
/* ATAPI interrupt reason (in the sector count register). */
#define IR_COD 0x01
#define IR_IO  0x02

/* SCSI sense keys and additional sense codes. */
enum { SENSE_NONE = 0, SENSE_NOT_READY = 2, SENSE_MEDIUM_ERROR = 3, SENSE_ILLEGAL_REQUEST = 5 };
enum { ASC_UNRECOVERED_READ = 0x11, ASC_INVALID_OPCODE = 0x20, ASC_LBA_OUT_OF_RANGE = 0x21,
       ASC_INVALID_FIELD = 0x24, ASC_NO_MEDIUM = 0x3a };

typedef struct IdeDrive IdeDrive;
typedef void IdeEndFn(IdeDrive *d);
/* Moves n bytes at `offset` into the current DMA transfer between the medium and bounce. */
typedef bool IdeDmaIoFn(IdeDrive *d, uint64_t offset, uint8_t *bounce, uint32_t n);

/* Bus master IDE registers (PIIX BMICX/BMISX/BMIDTPX). */
#define BM_CMD_START 0x01
#define BM_CMD_TO_MEMORY 0x08
#define BM_ST_ACTIVE 0x01
#define BM_ST_ERROR 0x02
#define BM_ST_IRQ 0x04
#define BM_ST_CAPABLE 0x60
#define BM_PRD_EOT 0x80000000u

struct IdeDrive {
    IdeBus *bus;
    int unit;
    BlockDev *bs;               /* NULL: no drive here */
    bool cdrom;
    uint64_t sectors;           /* in 512-byte (disk) or 2048-byte (CD) units */
    uint16_t cyls, heads, secs;         /* default CHS geometry */
    uint16_t cur_heads, cur_secs;       /* INITIALIZE DEVICE PARAMETERS */
    int mult;                   /* sectors per DRQ block in multiple mode; 0: off */

    /* Task file; hob_* hold the previous write (LBA48 high bytes). */
    uint8_t feature, nsector, sector, lcyl, hcyl;
    uint8_t hob_feature, hob_nsector, hob_sector, hob_lcyl, hob_hcyl;
    uint8_t select, status, error;

    /* PIO: buf[pos, end) moves through the data port. */
    uint8_t buf[IDE_BUF_SIZE];
    uint32_t pos, end;
    bool pio_out;               /* host to device */
    IdeEndFn *end_fn;

    /* ATA sector command in progress. */
    uint64_t lba;
    uint32_t remaining, block_sectors, cur_sectors;
    bool lba48;

    /* ATAPI */
    uint8_t sense_key, asc;
    uint32_t atapi_limit;       /* byte count limit of this PACKET command */
    uint32_t buf_len;           /* valid reply bytes in buf */
    uint32_t cd_lba, cd_left;   /* READ in progress: next sector, sectors left */
    bool atapi_dma;             /* this PACKET command moves its data by DMA */

    /* DMA */
    uint8_t xfer_mode;          /* SET FEATURES 03h: 0 PIO default, 0x2n MWDMA n, 0x4n UDMA n */
    bool dma_pending;           /* waiting for the bus master to start */
    bool dma_write;             /* host to device (WRITE DMA) */
    uint64_t dma_bytes;
    IdeDmaIoFn *dma_io;
    IdeEndFn *dma_done;
};

struct IdeBus {
    Machine *machine;
    const char *name;
    IrqLine irq;
    IdeDrive drive[2];
    int unit;                   /* selected drive */
    uint8_t ctl;                /* device control */
    bool irq_pending, irq_level;
    bool has_bm;                /* a bus master is attached: DMA is advertised */
    uint8_t bm_cmd, bm_status;
    uint32_t bm_prd;
    IdeDrive *dma_drive;        /* the drive whose DMA command waits or runs */
};

/* ---- interrupt ---- */

static void ide_update_irq(IdeBus *b)
{
    bool level = b->irq_pending && !(b->ctl & CTL_NIEN);
    if (level != b->irq_level) {
        b->irq_level = level;
        irq_set(&b->irq, level);
    }
}

static void ide_raise_irq(IdeDrive *d)
{
    d->bus->irq_pending = true;
    ide_update_irq(d->bus);
}

/* ---- completion ---- */

static void ide_pio_stop(IdeDrive *d)
{
    if (d->dma_pending && d->bus->dma_drive == d)
        d->bus->dma_drive = NULL;
    d->dma_pending = false;
    d->pos = d->end = 0;
    d->end_fn = NULL;
    d->status &= (uint8_t)~ST_DRQ;
}

static void ide_complete(IdeDrive *d)
{
    ide_pio_stop(d);
    d->status = ST_READY;
    ide_raise_irq(d);
}

static void ide_fail(IdeDrive *d, uint8_t error)
{
    ide_pio_stop(d);
    d->error = error;
    d->status = ST_READY | ST_ERR;
    ide_raise_irq(d);
}

static void ide_abort(IdeDrive *d)
{
    ide_fail(d, ER_ABRT);
}

/* Expose buf[start, start + len) through the data port; end_fn runs when done. */
static void ide_pio_start(IdeDrive *d, uint32_t start, uint32_t len, bool out, IdeEndFn *fn)
{
    d->pos = start;
    d->end = start + len;
    d->pio_out = out;
    d->end_fn = fn;
    d->status = ST_READY | ST_DRQ;
}

/* ---- identification ---- */

static void ide_set_signature(IdeDrive *d)
{
    d->select &= SEL_OBS | SEL_DEV | SEL_LBA;
    d->nsector = d->sector = 1;
    if (!d->bs) {
        d->lcyl = d->hcyl = 0xff;
    } else if (d->cdrom) {
        d->lcyl = 0x14;
        d->hcyl = 0xeb;
    } else {
        d->lcyl = d->hcyl = 0;
    }
}

/* ATA strings: two characters a word, the first in the high byte, space padded. */
static void ide_put_string(uint8_t *id, int word, const char *str, int words)
{
    size_t n = strlen(str);
    for (int i = 0; i < words * 2; i++)
        id[word * 2 + (i ^ 1)] = (uint8_t)((size_t)i < n ? str[i] : ' ');
}

static void ide_put_word(uint8_t *id, int word, uint16_t v)
{
    st16_le(id + word * 2, v);
}

static void ide_put_strings(IdeDrive *d, uint8_t *id, const char *model)
{
    char serial[21];
    snprintf(serial, sizeof(serial), "KS%05d", d->unit + 1);
    ide_put_string(id, 10, serial, 10);
    ide_put_string(id, 23, "1.0", 4);
    ide_put_string(id, 27, model, 20);
}

/* Words 49 (DMA bit), 53 (word 88 valid), 63 (MWDMA 0-2) and 88 (UDMA 0-5) with a bus master. */
static void ide_put_dma_words(IdeDrive *d, uint8_t *id)
{
    if (!d->bus->has_bm)
        return;
    st16_le(id + 49 * 2, ld16_le(id + 49 * 2) | 1 << 8);
    st16_le(id + 53 * 2, ld16_le(id + 53 * 2) | 1 << 2);
    uint16_t mw = 0x07, udma = 0x3f;
    if ((d->xfer_mode & 0xf8) == 0x20)
        mw |= (uint16_t)(1 << (8 + (d->xfer_mode & 7)));
    if ((d->xfer_mode & 0xf8) == 0x40)
        udma |= (uint16_t)(1 << (8 + (d->xfer_mode & 7)));
    ide_put_word(id, 63, mw);
    ide_put_word(id, 88, udma);
}

static void ide_identify_disk(IdeDrive *d, uint8_t *id)
{
    uint16_t cur_cyls = (uint16_t)(d->sectors / ((uint64_t)d->cur_heads * d->cur_secs) > 65535
                                   ? 65535 : d->sectors / ((uint64_t)d->cur_heads * d->cur_secs));
    uint32_t cur_cap = (uint32_t)cur_cyls * d->cur_heads * d->cur_secs;
    uint64_t lba28 = d->sectors < 0x0fffffff ? d->sectors : 0x0fffffff;

    ide_put_word(id, 0, 0x0040);                    /* fixed device */
    ide_put_word(id, 1, d->cyls);
    ide_put_word(id, 3, d->heads);
    ide_put_word(id, 4, (uint16_t)(IDE_SECTOR * d->secs));
    ide_put_word(id, 5, IDE_SECTOR);
    ide_put_word(id, 6, d->secs);
    ide_put_strings(d, id, "KESTREL HARDDISK");
    ide_put_word(id, 20, 3);
    ide_put_word(id, 21, IDE_BUF_SIZE / IDE_SECTOR);
    ide_put_word(id, 22, 4);
    ide_put_word(id, 47, 0x8000 | IDE_MAX_MULT);
    ide_put_word(id, 48, 1);                        /* 32-bit PIO */
    ide_put_word(id, 49, 1 << 9 | 1 << 11);         /* LBA, IORDY */
    ide_put_word(id, 51, 0x200);                    /* PIO timing mode 2 */
    ide_put_word(id, 53, 1 | 2);                    /* words 54-58, 64-70 valid */
    ide_put_word(id, 54, cur_cyls);
    ide_put_word(id, 55, d->cur_heads);
    ide_put_word(id, 56, d->cur_secs);
    ide_put_word(id, 57, (uint16_t)cur_cap);
    ide_put_word(id, 58, (uint16_t)(cur_cap >> 16));
    ide_put_word(id, 59, d->mult ? (uint16_t)(0x100 | d->mult) : 0);
    ide_put_word(id, 60, (uint16_t)lba28);
    ide_put_word(id, 61, (uint16_t)(lba28 >> 16));
    ide_put_dma_words(d, id);
    ide_put_word(id, 64, 0x03);                     /* PIO modes 3 and 4 */
    ide_put_word(id, 65, 120);
    ide_put_word(id, 66, 120);
    ide_put_word(id, 67, 120);
    ide_put_word(id, 68, 120);
    ide_put_word(id, 80, 0xf0);                     /* ATA-4 to ATA-7 */
    ide_put_word(id, 81, 0x16);
    ide_put_word(id, 82, 1 << 14 | 1 << 5);         /* write cache */
    ide_put_word(id, 83, 1 << 14 | 1 << 13 | 1 << 12 | 1 << 10);  /* flush, flush ext, LBA48 */
    ide_put_word(id, 84, 1 << 14);
    ide_put_word(id, 85, 1 << 5);
    ide_put_word(id, 86, 1 << 13 | 1 << 12 | 1 << 10);
    ide_put_word(id, 87, 1 << 14);
    ide_put_word(id, 93, 1 | 1 << 14 | 0x2000);
    for (int i = 0; i < 4; i++)
        ide_put_word(id, 100 + i, (uint16_t)(d->sectors >> (16 * i)));
}

static void ide_identify_cdrom(IdeDrive *d, uint8_t *id)
{
    /* ATAPI, CD-ROM, removable, accelerated DRQ (no packet IRQ), 12-byte packets. */
    ide_put_word(id, 0, 2 << 14 | 5 << 8 | 1 << 7 | 2 << 5);
    ide_put_strings(d, id, "KESTREL DVD-ROM");
    ide_put_word(id, 48, 1);
    ide_put_word(id, 49, 1 << 9);
    ide_put_word(id, 53, 3);
    ide_put_dma_words(d, id);
    ide_put_word(id, 64, 3);
    ide_put_word(id, 65, 0xb4);
    ide_put_word(id, 66, 0xb4);
    ide_put_word(id, 67, 0x12c);
    ide_put_word(id, 68, 0xb4);
    ide_put_word(id, 71, 30);
    ide_put_word(id, 72, 30);
    ide_put_word(id, 80, 0x1e);                     /* ATAPI-1 to ATAPI-4 */
}

static void ide_identify_done(IdeDrive *d)
{
    d->status = ST_READY;
    ide_pio_stop(d);
}

static void ide_cmd_identify(IdeDrive *d, uint8_t cmd)
{
    bool packet = cmd == 0xa1;
    if (packet != d->cdrom) {
        /* IDENTIFY DEVICE on ATAPI aborts with the signature in place. */
        ide_set_signature(d);
        ide_abort(d);
        return;
    }
    memset(d->buf, 0, IDE_SECTOR);
    if (d->cdrom)
        ide_identify_cdrom(d, d->buf);
    else
        ide_identify_disk(d, d->buf);
    ide_pio_start(d, 0, IDE_SECTOR, false, ide_identify_done);
    ide_raise_irq(d);
}

/* ---- ATA sector commands ---- */

static bool ide_is_lba48(uint8_t cmd)
{
    return cmd == 0x24 || cmd == 0x25 || cmd == 0x29 || cmd == 0x34 || cmd == 0x35 ||
           cmd == 0x39 || cmd == 0x42 || cmd == 0x27;
}

static bool ide_is_multiple(uint8_t cmd)
{
    return cmd == 0xc4 || cmd == 0xc5 || cmd == 0x29 || cmd == 0x39;
}

/* The starting sector from the task file; false for an invalid CHS address. */
static bool ide_get_lba(IdeDrive *d, uint64_t *lba)
{
    if (d->lba48) {
        *lba = (uint64_t)d->hob_hcyl << 40 | (uint64_t)d->hob_lcyl << 32 |
               (uint64_t)d->hob_sector << 24 | (uint32_t)d->hcyl << 16 |
               (uint32_t)d->lcyl << 8 | d->sector;
    } else if (d->select & SEL_LBA) {
        *lba = (uint32_t)(d->select & 0x0f) << 24 | (uint32_t)d->hcyl << 16 |
               (uint32_t)d->lcyl << 8 | d->sector;
    } else {
        unsigned cyl = (unsigned)d->hcyl << 8 | d->lcyl, head = d->select & 0x0f;
        if (!d->sector || d->sector > d->cur_secs || head >= d->cur_heads)
            return false;
        *lba = ((uint64_t)cyl * d->cur_heads + head) * d->cur_secs + d->sector - 1;
    }
    return true;
}

/* Write a sector address back to the task file in the command's addressing mode. */
static void ide_set_lba(IdeDrive *d, uint64_t lba)
{
    if (d->lba48 || (d->select & SEL_LBA)) {
        d->sector = (uint8_t)lba;
        d->lcyl = (uint8_t)(lba >> 8);
        d->hcyl = (uint8_t)(lba >> 16);
        if (d->lba48) {
            d->hob_sector = (uint8_t)(lba >> 24);
            d->hob_lcyl = (uint8_t)(lba >> 32);
            d->hob_hcyl = (uint8_t)(lba >> 40);
        } else {
            d->select = (uint8_t)((d->select & 0xf0) | ((lba >> 24) & 0x0f));
        }
    } else {
        uint32_t per_cyl = (uint32_t)d->cur_heads * d->cur_secs;
        uint32_t cyl = (uint32_t)(lba / per_cyl), r = (uint32_t)(lba % per_cyl);
        d->lcyl = (uint8_t)cyl;
        d->hcyl = (uint8_t)(cyl >> 8);
        d->select = (uint8_t)((d->select & 0xf0) | (r / d->cur_secs));
        d->sector = (uint8_t)(r % d->cur_secs + 1);
    }
}

static uint32_t ide_get_count(IdeDrive *d)
{
    if (d->lba48) {
        uint32_t n = (uint32_t)d->hob_nsector << 8 | d->nsector;
        return n ? n : 65536;
    }
    return d->nsector ? d->nsector : 256;
}

/* Decode address and count; on a bad range fail the command and return false. */
static bool ide_start_sectors(IdeDrive *d, uint8_t cmd)
{
    d->lba48 = ide_is_lba48(cmd);
    if (ide_is_multiple(cmd) && !d->mult) {
        ide_abort(d);
        return false;
    }
    d->block_sectors = ide_is_multiple(cmd) ? (uint32_t)d->mult : 1;
    d->remaining = ide_get_count(d);
    if (!ide_get_lba(d, &d->lba) || d->lba + d->remaining > d->sectors) {
        ide_fail(d, ER_IDNF);
        return false;
    }
    return true;
}

/* Account for the block just transferred; true if more remain. */
static bool ide_advance(IdeDrive *d)
{
    d->lba += d->cur_sectors;
    d->remaining -= d->cur_sectors;
    ide_set_lba(d, d->remaining ? d->lba : d->lba - 1);
    return d->remaining != 0;
}

static void ide_read_end(IdeDrive *d);

static void ide_read_block(IdeDrive *d)
{
    d->cur_sectors = d->remaining < d->block_sectors ? d->remaining : d->block_sectors;
    if (block_read(d->bs, d->lba * IDE_SECTOR, d->buf, (uint64_t)d->cur_sectors * IDE_SECTOR)) {
        ide_set_lba(d, d->lba);
        ide_fail(d, ER_UNC);
        return;
    }
    ide_pio_start(d, 0, d->cur_sectors * IDE_SECTOR, false, ide_read_end);
    ide_raise_irq(d);
}

static void ide_read_end(IdeDrive *d)
{
    if (ide_advance(d)) {
        ide_read_block(d);
    } else {
        ide_pio_stop(d);
        d->status = ST_READY;
    }
}

static void ide_write_end(IdeDrive *d);

static void ide_write_block(IdeDrive *d)
{
    d->cur_sectors = d->remaining < d->block_sectors ? d->remaining : d->block_sectors;
    ide_pio_start(d, 0, d->cur_sectors * IDE_SECTOR, true, ide_write_end);
}

static void ide_write_end(IdeDrive *d)
{
    if (block_write(d->bs, d->lba * IDE_SECTOR, d->buf, (uint64_t)d->cur_sectors * IDE_SECTOR)) {
        ide_set_lba(d, d->lba);
        ide_abort(d);
        return;
    }
    if (ide_advance(d)) {
        ide_write_block(d);
        ide_raise_irq(d);
    } else {
        ide_complete(d);
    }
}

static void ide_cmd_read(IdeDrive *d, uint8_t cmd)
{
    if (ide_start_sectors(d, cmd))
        ide_read_block(d);
}

static void ide_cmd_write(IdeDrive *d, uint8_t cmd)
{
    if (ide_start_sectors(d, cmd))
        ide_write_block(d);     /* the first block is requested without an interrupt */
}

/* ---- bus master DMA ---- */

static void ide_bm_update_active(IdeBus *b, bool active)
{
    b->bm_status = (uint8_t)((b->bm_status & ~BM_ST_ACTIVE) | (active ? BM_ST_ACTIVE : 0));
}

/*
 * Runs the pending transfer through the PRD table: each entry is a 32-bit
 * address, a 16-bit byte count (0 = 64 KiB) and EOT in bit 31. A table
 * shorter than the transfer is an error; a longer one leaves ACTIVE set.
 */
static void ide_dma_run(IdeBus *b)
{
    IdeDrive *d = b->dma_drive;
    Bus *mem = b->machine->mem;
    uint8_t bounce[IDE_BUF_SIZE];
    uint64_t done = 0, prd = b->bm_prd;
    bool eot = false, ok = true;
    uint32_t left_in_entry = 0;

    d->dma_pending = false;
    b->dma_drive = NULL;
    while (ok && done < d->dma_bytes && !eot) {
        uint8_t e[8];
        bus_read_buf(mem, prd, e, sizeof(e));
        prd += 8;
        uint64_t addr = ld32_le(e) & ~1u;
        uint32_t count = ld16_le(e + 4) ? ld16_le(e + 4) : 0x10000;
        eot = ld32_le(e + 4) & BM_PRD_EOT;
        left_in_entry = count;
        while (ok && left_in_entry && done < d->dma_bytes) {
            uint32_t n = left_in_entry < sizeof(bounce) ? left_in_entry : sizeof(bounce);
            if (n > d->dma_bytes - done)
                n = (uint32_t)(d->dma_bytes - done);
            bool to_mem = !d->dma_write;   /* the command decides, not BMICX */
            if (!to_mem)
                bus_read_buf(mem, addr, bounce, n);
            ok = d->dma_io(d, done, bounce, n);
            if (ok && to_mem)
                bus_write_buf(mem, addr, bounce, n);
            addr += n;
            done += n;
            left_in_entry -= n;
        }
    }
    ide_bm_update_active(b, ok && (left_in_entry || !eot) && done == d->dma_bytes);
    b->bm_status |= BM_ST_IRQ;
    if (!ok)
        return;                         /* dma_io reported the error */
    if (done < d->dma_bytes) {
        b->bm_status |= BM_ST_ERROR;
        ide_abort(d);
        return;
    }
    d->dma_done(d);
}

/* The drive is ready to move dma_bytes; it starts when the bus master does. */
static void ide_dma_start(IdeDrive *d, IdeDmaIoFn *io, IdeEndFn *done)
{
    IdeBus *b = d->bus;
    d->dma_io = io;
    d->dma_done = done;
    d->dma_pending = true;
    d->status = ST_READY | ST_DRQ;
    b->dma_drive = d;
    if (b->bm_cmd & BM_CMD_START)
        ide_dma_run(b);
}

static bool ide_dma_ata_io(IdeDrive *d, uint64_t offset, uint8_t *bounce, uint32_t n)
{
    uint64_t pos = d->lba * IDE_SECTOR + offset;
    bool write = d->dma_write;
    if (write ? block_write(d->bs, pos, bounce, n) : block_read(d->bs, pos, bounce, n)) {
        ide_set_lba(d, d->lba + offset / IDE_SECTOR);
        ide_fail(d, write ? ER_ABRT : ER_UNC);
        return false;
    }
    return true;
}

static void ide_dma_ata_done(IdeDrive *d)
{
    d->cur_sectors = d->remaining;
    ide_advance(d);
    ide_complete(d);
}

static void ide_cmd_dma(IdeDrive *d, uint8_t cmd)
{
    if (!d->bus->has_bm) {
        ide_abort(d);
        return;
    }
    if (!ide_start_sectors(d, cmd))
        return;
    d->dma_bytes = (uint64_t)d->remaining * IDE_SECTOR;
    d->dma_write = cmd == 0xca || cmd == 0xcb || cmd == 0x35;
    ide_dma_start(d, ide_dma_ata_io, ide_dma_ata_done);
}

static void ide_cmd_verify(IdeDrive *d, uint8_t cmd)
{
    if (ide_start_sectors(d, cmd)) {
        d->cur_sectors = d->remaining;
        ide_advance(d);
        ide_complete(d);
    }
}

static void ide_cmd_read_native_max(IdeDrive *d, uint8_t cmd)
{
    d->lba48 = ide_is_lba48(cmd);
    if (!d->lba48)
        d->select |= SEL_LBA;
    ide_set_lba(d, d->sectors - 1);
    ide_complete(d);
}

/* ---- ATA control commands ---- */

static void ide_cmd_set_multiple(IdeDrive *d, uint8_t cmd)
{
    if (d->nsector > IDE_MAX_MULT || (d->nsector & (d->nsector - 1))) {
        ide_abort(d);
        return;
    }
    d->mult = d->nsector;
    ide_complete(d);
}

static void ide_cmd_init_params(IdeDrive *d, uint8_t cmd)
{
    if (!d->nsector) {
        ide_abort(d);
        return;
    }
    d->cur_secs = d->nsector;
    d->cur_heads = (uint16_t)((d->select & 0x0f) + 1);
    ide_complete(d);
}

static void ide_cmd_set_features(IdeDrive *d, uint8_t cmd)
{
    switch (d->feature) {
    case 0x02: case 0x82:               /* write cache on/off (writes are synchronous) */
    case 0x55: case 0xaa:               /* read look-ahead off/on */
    case 0x66: case 0xcc:               /* power-on defaults off/on */
        ide_complete(d);
        return;
    case 0x03:                          /* transfer mode: PIO, or DMA with a bus master */
        if ((d->nsector >> 3) <= 1 ||
            (d->bus->has_bm && (d->nsector & 0xf8) == 0x20 && (d->nsector & 7) <= 2) ||
            (d->bus->has_bm && (d->nsector & 0xf8) == 0x40 && (d->nsector & 7) <= 5)) {
            d->xfer_mode = (d->nsector >> 3) <= 1 ? 0 : d->nsector;
            ide_complete(d);
            return;
        }
        break;
    }
    ide_abort(d);
}

static void ide_cmd_flush(IdeDrive *d, uint8_t cmd)
{
    if (block_flush(d->bs))
        ide_abort(d);
    else
        ide_complete(d);
}

static void ide_cmd_nop(IdeDrive *d, uint8_t cmd)
{
    ide_complete(d);
}

static void ide_cmd_check_power(IdeDrive *d, uint8_t cmd)
{
    d->nsector = 0xff;                  /* active or idle */
    ide_complete(d);
}

static void ide_drive_reset(IdeDrive *d)
{
    ide_pio_stop(d);
    ide_set_signature(d);
    d->error = 0x01;                    /* diagnostic passed / no error */
    d->sense_key = d->asc = 0;
    d->cd_left = 0;
}

static void ide_cmd_diagnostic(IdeDrive *d, uint8_t cmd)
{
    for (int i = 0; i < 2; i++) {
        IdeDrive *o = &d->bus->drive[i];
        ide_drive_reset(o);
        o->status = (o->bs && !o->cdrom) ? ST_READY : 0;
    }
    ide_raise_irq(d);
}

static void ide_cmd_device_reset(IdeDrive *d, uint8_t cmd)
{
    ide_drive_reset(d);
    d->status = 0;
}

/* ---- ATAPI ---- */

static void atapi_ok(IdeDrive *d)
{
    ide_pio_stop(d);
    d->error = 0;
    d->status = ST_READY;
    d->nsector = IR_IO | IR_COD;
    ide_raise_irq(d);
}

static void atapi_error(IdeDrive *d, uint8_t sense_key, uint8_t asc)
{
    ide_pio_stop(d);
    d->sense_key = sense_key;
    d->asc = asc;
    d->error = (uint8_t)(sense_key << 4);
    d->status = ST_READY | ST_ERR;
    d->nsector = IR_IO | IR_COD;
    ide_raise_irq(d);
}

/* Next sector of a READ into buf; false (error reported) on failure. */
static bool atapi_read_sector(IdeDrive *d)
{
    if (block_read(d->bs, (uint64_t)d->cd_lba * CD_SECTOR, d->buf, CD_SECTOR)) {
        atapi_error(d, SENSE_MEDIUM_ERROR, ASC_UNRECOVERED_READ);
        return false;
    }
    d->cd_lba++;
    d->cd_left--;
    d->buf_len = CD_SECTOR;
    d->pos = 0;
    return true;
}

/* Offer the next DRQ chunk of reply data (at most the byte count limit). */
static void atapi_next_chunk(IdeDrive *d)
{
    if (d->pos >= d->buf_len) {
        if (!d->cd_left) {
            atapi_ok(d);
            return;
        }
        if (!atapi_read_sector(d))
            return;
    }
    uint32_t n = d->buf_len - d->pos;
    if (n > d->atapi_limit)
        n = d->atapi_limit;
    d->nsector = IR_IO;
    d->lcyl = (uint8_t)n;
    d->hcyl = (uint8_t)(n >> 8);
    ide_pio_start(d, d->pos, n, false, atapi_next_chunk);
    ide_raise_irq(d);
}

/* DMA of a reply held in buf. */
static bool atapi_dma_buf_io(IdeDrive *d, uint64_t offset, uint8_t *bounce, uint32_t n)
{
    memcpy(bounce, d->buf + offset, n);
    return true;
}

/* DMA of a READ: sectors from cd_lba on. */
static bool atapi_dma_read_io(IdeDrive *d, uint64_t offset, uint8_t *bounce, uint32_t n)
{
    if (block_read(d->bs, (uint64_t)d->cd_lba * CD_SECTOR + offset, bounce, n)) {
        atapi_error(d, SENSE_MEDIUM_ERROR, ASC_UNRECOVERED_READ);
        return false;
    }
    return true;
}

static void atapi_reply(IdeDrive *d, const void *data, uint32_t len, uint32_t alloc_len)
{
    d->buf_len = len < alloc_len ? len : alloc_len;
    memcpy(d->buf, data, d->buf_len);
    d->pos = 0;
    d->cd_left = 0;
    if (d->atapi_dma && d->buf_len) {
        d->dma_bytes = d->buf_len;
        ide_dma_start(d, atapi_dma_buf_io, atapi_ok);
    } else {
        atapi_next_chunk(d);
    }
}

static uint32_t ld16_be(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t ld32_be(const uint8_t *p) { return ld16_be(p) << 16 | ld16_be(p + 2); }
static void st32_be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static void atapi_test_unit_ready(IdeDrive *d, const uint8_t *cdb)
{
    atapi_ok(d);
}

static void atapi_request_sense(IdeDrive *d, const uint8_t *cdb)
{
    uint8_t sense[18] = { 0x70, 0, d->sense_key, 0, 0, 0, 0, 10 };
    sense[12] = d->asc;
    d->sense_key = d->asc = 0;
    atapi_reply(d, sense, sizeof(sense), cdb[4]);
}

static void atapi_inquiry(IdeDrive *d, const uint8_t *cdb)
{
    uint8_t inq[36] = { 0x05, 0x80, 0x00, 0x21, sizeof(inq) - 5 };
    memcpy(inq + 8, "KESTREL DVD-ROM         1.0 ", 28);
    atapi_reply(d, inq, sizeof(inq), ld16_be(cdb + 3));
}

static void atapi_read_capacity(IdeDrive *d, const uint8_t *cdb)
{
    uint8_t cap[8];
    st32_be(cap, (uint32_t)(d->sectors ? d->sectors - 1 : 0));
    st32_be(cap + 4, CD_SECTOR);
    atapi_reply(d, cap, sizeof(cap), sizeof(cap));
}

static void atapi_read(IdeDrive *d, uint32_t lba, uint32_t count)
{
    if ((uint64_t)lba + count > d->sectors) {
        atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
        return;
    }
    d->cd_lba = lba;
    d->buf_len = d->pos = 0;
    if (d->atapi_dma && count) {
        d->cd_left = 0;
        d->dma_bytes = (uint64_t)count * CD_SECTOR;
        ide_dma_start(d, atapi_dma_read_io, atapi_ok);
        return;
    }
    d->cd_left = count;
    atapi_next_chunk(d);
}

static void atapi_read10(IdeDrive *d, const uint8_t *cdb)
{
    atapi_read(d, ld32_be(cdb + 2), ld16_be(cdb + 7));
}

static void atapi_read12(IdeDrive *d, const uint8_t *cdb)
{
    atapi_read(d, ld32_be(cdb + 2), ld32_be(cdb + 6));
}

/* MSF address of a logical block (2 seconds of lead-in: LBA 0 is 00:02:00). */
static void atapi_put_msf(uint8_t *p, uint32_t lba)
{
    lba += 150;
    p[0] = 0;
    p[1] = (uint8_t)(lba / (75 * 60));
    p[2] = (uint8_t)(lba / 75 % 60);
    p[3] = (uint8_t)(lba % 75);
}

static void atapi_put_address(uint8_t *p, uint32_t lba, bool msf)
{
    if (msf)
        atapi_put_msf(p, lba);
    else
        st32_be(p, lba);
}

/* READ TOC/PMA/ATIP: one data track; formats 0 (TOC) and 1 (session info). */
static void atapi_read_toc(IdeDrive *d, const uint8_t *cdb)
{
    bool msf = cdb[1] & 2;
    unsigned format = (cdb[2] & 0x0f) ? (cdb[2] & 0x0f) : cdb[9] >> 6;
    unsigned start = cdb[6];
    uint8_t toc[20] = { 0 };
    uint8_t *p = toc + 4;

    if (format > 1 || (format == 0 && start > 1 && start != 0xaa)) {
        atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
        return;
    }
    toc[2] = toc[3] = 1;                    /* first and last track (or session) */
    if (format == 0 && start <= 1) {
        p[1] = 0x14;                        /* ADR 1, data track */
        p[2] = 1;
        atapi_put_address(p + 4, 0, msf);
        p += 8;
    }
    if (format == 0) {
        p[1] = 0x16;
        p[2] = 0xaa;                        /* lead-out */
        atapi_put_address(p + 4, (uint32_t)d->sectors, msf);
    } else {
        p[1] = 0x14;
        p[2] = 1;                           /* first track of the last session */
        atapi_put_address(p + 4, 0, msf);
    }
    p += 8;
    uint32_t len = (uint32_t)(p - toc);
    toc[1] = (uint8_t)(len - 2);
    atapi_reply(d, toc, len, ld16_be(cdb + 7));
}

/* MODE SENSE(10): pages 0x01 (error recovery), 0x2A (capabilities), 0x3F (all). */
static void atapi_mode_sense(IdeDrive *d, const uint8_t *cdb)
{
    static const uint8_t error_recovery[8] = { 0x01, 0x06, 0x00, 0x05 };
    static const uint8_t capabilities[22] = {
        0x2a, 0x14, 0x3b, 0x00, 0x71, 0x60, 0x29, 0x00,
        0x02, 0xc2, 0x00, 0x02, 0x02, 0x00, 0x02, 0xc2,     /* 4x, 512 KiB buffer */
    };
    unsigned page = cdb[2] & 0x3f, control = cdb[2] >> 6;
    uint8_t buf[8 + sizeof(error_recovery) + sizeof(capabilities)] = { 0 };
    uint32_t len = 8;

    if (control == 3 || (page != 0x01 && page != 0x2a && page != 0x3f)) {
        atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
        return;
    }
    if (page == 0x01 || page == 0x3f) {
        memcpy(buf + len, error_recovery, sizeof(error_recovery));
        len += sizeof(error_recovery);
    }
    if (page == 0x2a || page == 0x3f) {
        memcpy(buf + len, capabilities, sizeof(capabilities));
        len += sizeof(capabilities);
    }
    buf[1] = (uint8_t)(len - 2);
    atapi_reply(d, buf, len, ld16_be(cdb + 7));
}

/* GET EVENT STATUS NOTIFICATION, polled only: the media is present and unchanged. */
static void atapi_event_status(IdeDrive *d, const uint8_t *cdb)
{
    enum { CLASS_MEDIA = 4, NEA = 0x80 };
    uint8_t ev[8] = { 0, 2, NEA, 1 << CLASS_MEDIA };

    if (!(cdb[1] & 1)) {
        atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
        return;
    }
    if (cdb[4] & (1 << CLASS_MEDIA)) {
        ev[1] = 6;
        ev[2] = CLASS_MEDIA;
        ev[5] = d->sectors ? 0x02 : 0x00;  /* media present */
    }
    atapi_reply(d, ev, 2u + ev[1], ld16_be(cdb + 7));
}

typedef struct AtapiCommand {
    uint8_t opcode;
    bool needs_medium;
    void (*fn)(IdeDrive *d, const uint8_t *cdb);
} AtapiCommand;

static const AtapiCommand atapi_commands[] = {
    { 0x00, true,  atapi_test_unit_ready },
    { 0x03, false, atapi_request_sense },
    { 0x12, false, atapi_inquiry },
    { 0x1b, false, atapi_test_unit_ready },     /* START STOP UNIT */
    { 0x1e, false, atapi_test_unit_ready },     /* PREVENT ALLOW MEDIUM REMOVAL */
    { 0x25, true,  atapi_read_capacity },
    { 0x28, true,  atapi_read10 },
    { 0x43, true,  atapi_read_toc },
    { 0x4a, false, atapi_event_status },
    { 0x5a, false, atapi_mode_sense },
    { 0xa8, true,  atapi_read12 },
};

static void atapi_packet_end(IdeDrive *d)
{
    uint8_t cdb[ATAPI_PACKET_SIZE];
    memcpy(cdb, d->buf, sizeof(cdb));
    ide_pio_stop(d);
    if (cdb[0] != 0x03)
        d->sense_key = d->asc = 0;
    for (size_t i = 0; i < ARRAY_SIZE(atapi_commands); i++) {
        const AtapiCommand *c = &atapi_commands[i];
        if (c->opcode != cdb[0])
            continue;
        if (c->needs_medium && !d->sectors)
            atapi_error(d, SENSE_NOT_READY, ASC_NO_MEDIUM);
        else
            c->fn(d, cdb);
        return;
    }
    log_unimp("ide: ATAPI command 0x%02x\n", cdb[0]);
    atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
}

static void ide_cmd_packet(IdeDrive *d, uint8_t cmd)
{
    d->atapi_dma = d->feature & 1;
    d->dma_write = false;
    if (d->atapi_dma && !d->bus->has_bm) {
        ide_abort(d);
        return;
    }
    d->atapi_limit = ((uint32_t)d->hcyl << 8 | d->lcyl) & ~1u;
    if (!d->atapi_limit)
        d->atapi_limit = 0xfffe;
    d->nsector = IR_COD;
    ide_pio_start(d, 0, ATAPI_PACKET_SIZE, true, atapi_packet_end);
}

/* ---- command dispatch ---- */

enum { FOR_DISK = 1, FOR_CD = 2, FOR_BOTH = 3 };

typedef struct IdeCommand {
    uint8_t opcode, drives;
    void (*fn)(IdeDrive *d, uint8_t cmd);
} IdeCommand;

static const IdeCommand ide_commands[] = {
    { 0x08, FOR_CD,   ide_cmd_device_reset },
    { 0x10, FOR_DISK, ide_cmd_nop },                /* RECALIBRATE */
    { 0x20, FOR_DISK, ide_cmd_read },
    { 0x21, FOR_DISK, ide_cmd_read },
    { 0x24, FOR_DISK, ide_cmd_read },               /* READ SECTORS EXT */
    { 0x25, FOR_DISK, ide_cmd_dma },                /* READ DMA EXT */
    { 0x27, FOR_DISK, ide_cmd_read_native_max },    /* EXT */
    { 0x29, FOR_DISK, ide_cmd_read },               /* READ MULTIPLE EXT */
    { 0x30, FOR_DISK, ide_cmd_write },
    { 0x31, FOR_DISK, ide_cmd_write },
    { 0x34, FOR_DISK, ide_cmd_write },              /* WRITE SECTORS EXT */
    { 0x35, FOR_DISK, ide_cmd_dma },                /* WRITE DMA EXT */
    { 0x39, FOR_DISK, ide_cmd_write },              /* WRITE MULTIPLE EXT */
    { 0x40, FOR_DISK, ide_cmd_verify },
    { 0x41, FOR_DISK, ide_cmd_verify },
    { 0x42, FOR_DISK, ide_cmd_verify },             /* READ VERIFY EXT */
    { 0x70, FOR_DISK, ide_cmd_nop },                /* SEEK */
    { 0x90, FOR_BOTH, ide_cmd_diagnostic },
    { 0x91, FOR_DISK, ide_cmd_init_params },
    { 0xa0, FOR_CD,   ide_cmd_packet },
    { 0xa1, FOR_BOTH, ide_cmd_identify },           /* IDENTIFY PACKET DEVICE */
    { 0xc4, FOR_DISK, ide_cmd_read },               /* READ MULTIPLE */
    { 0xc5, FOR_DISK, ide_cmd_write },              /* WRITE MULTIPLE */
    { 0xc6, FOR_DISK, ide_cmd_set_multiple },
    { 0xc8, FOR_DISK, ide_cmd_dma },                /* READ DMA */
    { 0xc9, FOR_DISK, ide_cmd_dma },
    { 0xca, FOR_DISK, ide_cmd_dma },                /* WRITE DMA */
    { 0xcb, FOR_DISK, ide_cmd_dma },
    { 0xe0, FOR_BOTH, ide_cmd_nop },                /* STANDBY IMMEDIATE */
    { 0xe1, FOR_BOTH, ide_cmd_nop },                /* IDLE IMMEDIATE */
    { 0xe2, FOR_BOTH, ide_cmd_nop },                /* STANDBY */
    { 0xe3, FOR_BOTH, ide_cmd_nop },                /* IDLE */
    { 0xe5, FOR_BOTH, ide_cmd_check_power },
    { 0xe7, FOR_DISK, ide_cmd_flush },
    { 0xea, FOR_DISK, ide_cmd_flush },              /* FLUSH CACHE EXT */
    { 0xec, FOR_BOTH, ide_cmd_identify },
    { 0xef, FOR_BOTH, ide_cmd_set_features },
    { 0xf8, FOR_DISK, ide_cmd_read_native_max },
};

static void ide_exec(IdeDrive *d, uint8_t cmd)
{
    if (!d->bs || (d->status & ST_BSY))
        return;
    d->error = 0;
    for (size_t i = 0; i < ARRAY_SIZE(ide_commands); i++) {
        const IdeCommand *c = &ide_commands[i];
        if (c->opcode == cmd) {
            if (c->drives & (d->cdrom ? FOR_CD : FOR_DISK))
                c->fn(d, cmd);
            else
                ide_abort(d);
            return;
        }
    }
    log_unimp("ide: ATA command 0x%02x\n", cmd);
    ide_abort(d);
}

/* ---- ports ---- */

static IdeDrive *ide_cur(IdeBus *b)
{
    return &b->drive[b->unit];
}

static bool ide_channel_empty(IdeBus *b)
{
    return !b->drive[0].bs && !b->drive[1].bs;
}

/* Error and status float to 0 on an empty channel or an absent selected slave. */
static bool ide_cur_absent(IdeBus *b)
{
    return ide_channel_empty(b) || (b->unit == 1 && !b->drive[1].bs);
}

static uint32_t ide_data_read(IdeDrive *d, unsigned size)
{
    if (!(d->status & ST_DRQ) || d->pio_out || d->pos + size > d->end)
        return 0;
    uint32_t v = size == 4 ? ld32_le(d->buf + d->pos) : ld16_le(d->buf + d->pos);
    d->pos += size;
    if (d->pos >= d->end)
        d->end_fn(d);
    return v;
}

static void ide_data_write(IdeDrive *d, uint32_t val, unsigned size)
{
    if (!(d->status & ST_DRQ) || !d->pio_out || d->pos + size > d->end)
        return;
    if (size == 4)
        st32_le(d->buf + d->pos, val);
    else
        st16_le(d->buf + d->pos, (uint16_t)val);
    d->pos += size;
    if (d->pos >= d->end)
        d->end_fn(d);
}

static uint8_t ide_reg_read(IdeBus *b, unsigned reg)
{
    IdeDrive *d = ide_cur(b);
    bool hob = b->ctl & CTL_HOB;

    switch (reg) {
    case 1:
        return ide_cur_absent(b) ? 0 : hob ? d->hob_feature : d->error;
    case 2:
        return ide_channel_empty(b) ? 0 : hob ? d->hob_nsector : d->nsector;
    case 3:
        return ide_channel_empty(b) ? 0 : hob ? d->hob_sector : d->sector;
    case 4:
        return ide_channel_empty(b) ? 0 : hob ? d->hob_lcyl : d->lcyl;
    case 5:
        return ide_channel_empty(b) ? 0 : hob ? d->hob_hcyl : d->hcyl;
    case 6:
        return d->select;
    default:
        b->irq_pending = false;
        ide_update_irq(b);
        return ide_cur_absent(b) ? 0 : d->status;
    }
}

static void ide_reg_write(IdeBus *b, unsigned reg, uint8_t val)
{
    if (reg == 7) {
        ide_exec(ide_cur(b), val);
        return;
    }
    b->ctl &= (uint8_t)~CTL_HOB;
    for (int i = 0; i < 2; i++) {
        IdeDrive *d = &b->drive[i];
        switch (reg) {
        case 1: d->hob_feature = d->feature; d->feature = val; break;
        case 2: d->hob_nsector = d->nsector; d->nsector = val; break;
        case 3: d->hob_sector = d->sector; d->sector = val; break;
        case 4: d->hob_lcyl = d->lcyl; d->lcyl = val; break;
        case 5: d->hob_hcyl = d->hcyl; d->hcyl = val; break;
        case 6: d->select = (uint8_t)((val & ~SEL_DEV) | SEL_OBS | (i ? SEL_DEV : 0)); break;
        }
    }
    if (reg == 6)
        b->unit = (val & SEL_DEV) ? 1 : 0;
}

static uint64_t ide_ioport_read(void *opaque, uint64_t off, unsigned size)
{
    IdeBus *b = opaque;
    if (off == 0)
        return size == 1 ? 0xff : ide_data_read(ide_cur(b), size);
    uint64_t v = 0;
    for (unsigned i = 0; i < size && off + i < 8; i++)
        v |= (uint64_t)ide_reg_read(b, (unsigned)off + i) << (8 * i);
    return v;
}

static void ide_ioport_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    IdeBus *b = opaque;
    if (off == 0) {
        if (size > 1)
            ide_data_write(ide_cur(b), (uint32_t)val, size);
        return;
    }
    for (unsigned i = 0; i < size && off + i < 8; i++)
        ide_reg_write(b, (unsigned)off + i, (uint8_t)(val >> (8 * i)));
}

static const MemOps ide_cmd_ops = {
    .read = ide_ioport_read,
    .write = ide_ioport_write,
    .min_access = 1,
    .max_access = 4,
};

static uint64_t ide_ctl_read(void *opaque, uint64_t off, unsigned size)
{
    IdeBus *b = opaque;
    return ide_cur_absent(b) ? 0 : ide_cur(b)->status;     /* alternate status */
}

static void ide_ctl_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    IdeBus *b = opaque;
    bool was_reset = b->ctl & CTL_SRST, reset = val & CTL_SRST;

    b->ctl = (uint8_t)val;
    for (int i = 0; i < 2 && was_reset != reset; i++) {
        IdeDrive *d = &b->drive[i];
        if (reset) {
            ide_pio_stop(d);
            d->status = ST_BSY | ST_DSC;
            d->error = 0x01;
        } else {
            ide_drive_reset(d);
            d->status = d->cdrom ? 0 : ST_READY;   /* ATAPI: DRDY stays clear */
        }
    }
    ide_update_irq(b);
}

static const MemOps ide_ctl_ops = {
    .read = ide_ctl_read,
    .write = ide_ctl_write,
    .min_access = 1,
    .max_access = 1,
};

/* ---- bus master registers ---- */

uint8_t ide_bm_read(IdeBus *b, unsigned reg)
{
    switch (reg) {
    case 0: return b->bm_cmd;
    case 2: return b->bm_status;
    case 4: case 5: case 6: case 7: return (uint8_t)(b->bm_prd >> (8 * (reg - 4)));
    default: return 0;
    }
}

void ide_bm_write(IdeBus *b, unsigned reg, uint8_t val)
{
    switch (reg) {
    case 0: {
        bool was = b->bm_cmd & BM_CMD_START;
        b->bm_cmd = val & (BM_CMD_START | BM_CMD_TO_MEMORY);
        if (!was && (val & BM_CMD_START)) {
            ide_bm_update_active(b, true);
            if (b->dma_drive)
                ide_dma_run(b);
        } else if (was && !(val & BM_CMD_START)) {
            ide_bm_update_active(b, false);     /* stop: abandon what is left */
        }
        break;
    }
    case 2:
        b->bm_status = (uint8_t)((b->bm_status & ~BM_ST_CAPABLE) | (val & BM_ST_CAPABLE));
        b->bm_status &= (uint8_t)~(val & (BM_ST_ERROR | BM_ST_IRQ));
        break;
    case 4: case 5: case 6: case 7: {
        unsigned shift = 8 * (reg - 4);
        b->bm_prd = (b->bm_prd & ~(0xffu << shift)) | (uint32_t)val << shift;
        b->bm_prd &= ~3u;
        break;
    }
    }
}

void ide_bus_enable_bm(IdeBus *b)
{
    b->has_bm = true;
}

/* ---- channel ---- */

/* QEMU's guess for an untranslated disk: 16 heads, 63 sectors, 2..16383 cylinders. */
static void ide_guess_geometry(IdeDrive *d)
{
    uint64_t cyls = d->sectors / (16 * 63);
    d->cyls = (uint16_t)(cyls > 16383 ? 16383 : cyls < 2 ? 2 : cyls);
    d->heads = d->cur_heads = 16;
    d->secs = d->cur_secs = 63;
}

void ide_bus_attach(IdeBus *b, int unit, BlockDev *bs, bool cdrom)
{
    IdeDrive *d = &b->drive[unit];
    d->bs = bs;
    d->cdrom = cdrom;
    d->sectors = bs ? bs->size / (cdrom ? CD_SECTOR : IDE_SECTOR) : 0;
    ide_guess_geometry(d);
}

void ide_bus_reset(IdeBus *b)
{
    b->unit = 0;
    b->ctl = 0;
    b->irq_pending = false;
    ide_update_irq(b);
    b->bm_cmd = b->bm_status = 0;
    b->bm_prd = 0;
    b->dma_drive = NULL;
    for (int i = 0; i < 2; i++) {
        IdeDrive *d = &b->drive[i];
        d->xfer_mode = 0;
        d->select = (uint8_t)(SEL_OBS | (i ? SEL_DEV : 0));
        d->feature = d->hob_feature = 0;
        d->mult = d->cdrom ? 0 : IDE_MAX_MULT;
        d->cur_heads = d->heads;
        d->cur_secs = d->secs;
        ide_drive_reset(d);
        d->status = (d->bs && !d->cdrom) ? ST_READY : 0;
    }
}

IdeBus *ide_bus_new(Machine *m, const char *name, uint16_t iobase, uint16_t ctlbase, IrqLine irq)
{
    IdeBus *b = calloc(1, sizeof(*b));
    assert(b);
    b->machine = m;
    b->name = name;
    b->irq = irq;
    for (int i = 0; i < 2; i++) {
        b->drive[i].bus = b;
        b->drive[i].unit = i;
        ide_bus_attach(b, i, NULL, false);
    }
    bus_map_io(m->io, name, iobase, 8, &ide_cmd_ops, b, 0);
    bus_map_io(m->io, name, ctlbase, 1, &ide_ctl_ops, b, 0);
    ide_bus_reset(b);
    return b;
}
