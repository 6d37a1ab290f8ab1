/*
 * test_ide.c - an IDE channel driven through its ports as SeaBIOS and
 * Linux do: IDENTIFY, PIO reads and writes in LBA28, CHS, LBA48 and
 * multiple mode on a temporary raw image, interrupts and nIEN, soft
 * reset signatures, ATAPI packets on a CD image, and bus master DMA.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "hw/ide.h"

#define DISK_SECTORS 2048               /* 1 MiB */
#define CD_SECTORS 16

static Machine machine, *m = &machine;
static IdeBus *ide;
static BlockDev *disk, *cd;
static char disk_path[64], cd_path[64];
static int irq_level, irq_raises;

static void record_irq(void *opaque, int n, int level)
{
    if (level && !irq_level)
        irq_raises++;
    irq_level = level;
}

static void outb(uint16_t port, uint8_t v) { bus_write(m->io, port, v, 1); }
static uint8_t inb(uint16_t port) { return (uint8_t)bus_read(m->io, port, 1); }
static uint16_t inw(uint16_t port) { return (uint16_t)bus_read(m->io, port, 2); }
static void outw(uint16_t port, uint16_t v) { bus_write(m->io, port, v, 2); }
static uint32_t inl(uint16_t port) { return (uint32_t)bus_read(m->io, port, 4); }

/* Sector s of the disk holds bytes (s + i) & 0xff; CD sector s holds 's'. */
static BlockDev *make_image(char *path, size_t sectors, size_t ssize, bool ro)
{
    char err[256];
    strcpy(path, "/tmp/kestrel-ide-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    uint8_t *buf = malloc(sectors * ssize);
    for (size_t s = 0; s < sectors; s++)
        for (size_t i = 0; i < ssize; i++)
            buf[s * ssize + i] = (uint8_t)(ssize == 512 ? s + i : s);
    ck_assert_int_eq(write(fd, buf, sectors * ssize), (ssize_t)(sectors * ssize));
    close(fd);
    free(buf);
    BlockDev *bs = block_open(path, NULL, ro, err, sizeof(err));
    ck_assert_msg(bs != NULL, "%s", err);
    return bs;
}

static void setup(void)
{
    memset(&machine, 0, sizeof(machine));
    m->io = bus_new("io", 0x10000);
    m->mem = bus_new("memory", 1ull << 32);
    irq_level = irq_raises = 0;
    disk = make_image(disk_path, DISK_SECTORS, 512, false);
    cd = make_image(cd_path, CD_SECTORS, 2048, true);
    ide = ide_bus_new(m, "ide0", 0x1f0, 0x3f6, irq_line(record_irq, NULL, 14));
    ide_bus_attach(ide, 0, disk, false);
    ide_bus_attach(ide, 1, cd, true);
    ide_bus_reset(ide);
}

static void teardown(void)
{
    block_close(disk);
    block_close(cd);
    unlink(disk_path);
    unlink(cd_path);
}

static void read_words(uint16_t *w, int n)
{
    for (int i = 0; i < n; i++)
        w[i] = inw(0x1f0);
}

static void lba28(uint32_t lba, uint8_t count, uint8_t cmd)
{
    outb(0x1f6, (uint8_t)(0xe0 | (lba >> 24)));
    outb(0x1f2, count);
    outb(0x1f3, (uint8_t)lba);
    outb(0x1f4, (uint8_t)(lba >> 8));
    outb(0x1f5, (uint8_t)(lba >> 16));
    outb(0x1f7, cmd);
}

static void expect_sector(uint32_t lba)
{
    ck_assert_uint_eq(inb(0x3f6) & 0x08, 0x08);       /* DRQ */
    for (int i = 0; i < 256; i++) {
        uint16_t w = inw(0x1f0);
        ck_assert_uint_eq(w & 0xff, (lba + 2 * i) & 0xff);
        ck_assert_uint_eq(w >> 8, (lba + 2 * i + 1) & 0xff);
    }
}

START_TEST(identify_disk)
{
    uint16_t id[256];
    outb(0x1f6, 0xa0);
    outb(0x1f7, 0xec);
    ck_assert_int_eq(irq_level, 1);
    ck_assert_uint_eq(inb(0x1f7), 0x58);              /* DRDY DSC DRQ; clears INTRQ */
    ck_assert_int_eq(irq_level, 0);
    read_words(id, 256);
    ck_assert_uint_eq(inb(0x1f7), 0x50);
    ck_assert_uint_eq(id[0], 0x0040);
    ck_assert_uint_eq(id[27], 'K' << 8 | 'E');        /* "KESTREL HARDDISK" */
    ck_assert_uint_eq(id[60] | (uint32_t)id[61] << 16, DISK_SECTORS);
    ck_assert_uint_eq(id[100], DISK_SECTORS);
    ck_assert_uint_eq(id[49] & 0x200, 0x200);         /* LBA */
    ck_assert_uint_eq(id[83] & 0x400, 0x400);         /* LBA48 */
    ck_assert_uint_eq(id[3], 16);
    ck_assert_uint_eq(id[6], 63);
    ck_assert_uint_eq(id[1], 2);                      /* small disk: at least 2 cylinders */
}
END_TEST

START_TEST(read_lba28_chs_lba48)
{
    lba28(100, 2, 0x20);
    ck_assert_int_eq(irq_raises, 1);
    ck_assert_uint_eq(inb(0x1f7), 0x58);
    expect_sector(100);
    ck_assert_int_eq(irq_raises, 2);                  /* one interrupt per DRQ block */
    expect_sector(101);
    ck_assert_uint_eq(inb(0x1f7), 0x50);
    ck_assert_uint_eq(inb(0x1f3), 101);               /* task file: last sector */

    /* CHS: cylinder 1, head 2, sector 3 = (1*16 + 2) * 63 + 2 = 1136 */
    outb(0x1f6, 0xa2);
    outb(0x1f2, 1);
    outb(0x1f3, 3);
    outb(0x1f4, 1);
    outb(0x1f5, 0);
    outb(0x1f7, 0x20);
    expect_sector(1136);
    /* Sector 0 does not exist in CHS. */
    outb(0x1f3, 0);
    outb(0x1f7, 0x20);
    ck_assert_uint_eq(inb(0x1f7), 0x51);
    ck_assert_uint_eq(inb(0x1f1), 0x10);              /* IDNF */

    /* LBA48: high bytes written first (HOB). */
    outb(0x1f6, 0x40);
    outb(0x1f2, 0);
    outb(0x1f2, 1);
    outb(0x1f3, 0);
    outb(0x1f3, 0xff);
    outb(0x1f4, 0);
    outb(0x1f4, 0x03);
    outb(0x1f5, 0);
    outb(0x1f5, 0);
    outb(0x1f7, 0x24);
    expect_sector(0x3ff);
    outb(0x3f6, 0x80);                                /* HOB readback */
    ck_assert_uint_eq(inb(0x1f2), 0);
    outb(0x3f6, 0x00);

    /* Beyond the end of the disk. */
    lba28(DISK_SECTORS - 1, 2, 0x20);
    ck_assert_uint_eq(inb(0x1f7) & 0x01, 0x01);
}
END_TEST

START_TEST(write_and_multiple)
{
    lba28(7, 2, 0x30);
    ck_assert_int_eq(irq_raises, 0);                  /* first block: no interrupt */
    ck_assert_uint_eq(inb(0x3f6), 0x58);
    for (int i = 0; i < 256; i++)
        outw(0x1f0, (uint16_t)(0xbe00 + i));
    ck_assert_int_eq(irq_raises, 1);                  /* second block requested */
    ck_assert_uint_eq(inb(0x1f7), 0x58);
    for (int i = 256; i < 512; i++)
        outw(0x1f0, (uint16_t)(0xbe00 + i));
    ck_assert_int_eq(irq_raises, 2);                  /* completion */
    ck_assert_uint_eq(inb(0x1f7), 0x50);

    uint8_t buf[1024];
    ck_assert_int_eq(block_read(disk, 7 * 512, buf, sizeof(buf)), 0);
    ck_assert_uint_eq(ld16_le(buf), 0xbe00);
    ck_assert_uint_eq(ld16_le(buf + 1022), 0xbe00 + 511);

    /* READ MULTIPLE: 4 sectors per interrupt after SET MULTIPLE 4. */
    outb(0x1f2, 4);
    outb(0x1f7, 0xc6);
    ck_assert_uint_eq(inb(0x1f7), 0x50);
    irq_raises = 0;
    lba28(20, 8, 0xc4);
    for (int s = 0; s < 4; s++)
        expect_sector(20 + s);
    ck_assert_int_eq(irq_level, 1);                   /* second block ready */
    ck_assert_uint_eq(inb(0x1f7), 0x58);
    ck_assert_int_eq(irq_level, 0);
    /* 32-bit reads work too. */
    uint32_t d = inl(0x1f0);
    ck_assert_uint_eq(d & 0xff, 24);

    /* SET MULTIPLE with a non-power-of-two aborts. */
    outb(0x1f2, 3);
    outb(0x1f7, 0xc6);
    ck_assert_uint_eq(inb(0x1f1), 0x04);
}
END_TEST

START_TEST(nien_and_soft_reset)
{
    outb(0x3f6, 0x02);                                /* nIEN */
    outb(0x1f6, 0xa0);
    outb(0x1f7, 0xe7);                                /* FLUSH CACHE */
    ck_assert_int_eq(irq_level, 0);
    outb(0x3f6, 0x00);
    ck_assert_int_eq(irq_level, 1);                   /* still pending */
    inb(0x1f7);
    ck_assert_int_eq(irq_level, 0);

    outb(0x3f6, 0x04);
    ck_assert_uint_eq(inb(0x3f6) & 0x80, 0x80);       /* BSY during SRST */
    outb(0x3f6, 0x00);
    ck_assert_uint_eq(inb(0x1f7), 0x50);
    ck_assert_uint_eq(inb(0x1f1), 0x01);
    ck_assert_uint_eq(inb(0x1f2), 1);
    ck_assert_uint_eq(inb(0x1f4), 0);
    outb(0x1f6, 0xb0);                                /* slave: ATAPI signature */
    ck_assert_uint_eq(inb(0x1f4), 0x14);
    ck_assert_uint_eq(inb(0x1f5), 0xeb);
    ck_assert_uint_eq(inb(0x1f7), 0x00);              /* DRDY clear on ATAPI */

    /* Unknown command: ABRT. */
    outb(0x1f6, 0xa0);
    outb(0x1f7, 0x01);
    ck_assert_uint_eq(inb(0x1f7), 0x51);
    ck_assert_uint_eq(inb(0x1f1), 0x04);
}
END_TEST

START_TEST(empty_channel)
{
    IdeBus *b2 = ide_bus_new(m, "ide1", 0x170, 0x376, irq_line(NULL, NULL, 15));
    ck_assert_ptr_nonnull(b2);
    outb(0x172, 0x55);
    ck_assert_uint_eq(inb(0x172), 0);
    ck_assert_uint_eq(inb(0x177), 0);
    outb(0x177, 0xec);                                /* nobody answers */
    ck_assert_uint_eq(inb(0x177), 0);
}
END_TEST

/* ---- ATAPI ---- */

static void packet(const uint8_t *cdb, uint16_t limit)
{
    outb(0x1f6, 0xb0);
    outb(0x1f1, 0);
    outb(0x1f4, (uint8_t)limit);
    outb(0x1f5, (uint8_t)(limit >> 8));
    outb(0x1f7, 0xa0);
    ck_assert_uint_eq(inb(0x3f6) & 0x08, 0x08);
    ck_assert_uint_eq(inb(0x1f2) & 3, 1);             /* CoD: send the packet */
    for (int i = 0; i < 12; i += 2)
        outw(0x1f0, (uint16_t)(cdb[i] | cdb[i + 1] << 8));
}

/* Reads one DRQ chunk; returns its byte count. */
static unsigned chunk(uint8_t *buf)
{
    ck_assert_uint_eq(inb(0x1f7) & 0x09, 0x08);
    ck_assert_uint_eq(inb(0x1f2) & 3, 2);             /* I/O, data */
    unsigned n = inb(0x1f4) | inb(0x1f5) << 8;
    for (unsigned i = 0; i < n; i += 2)
        st16_le(buf + i, inw(0x1f0));
    return n;
}

static void expect_status_phase(bool error)
{
    ck_assert_uint_eq(inb(0x1f2) & 3, 3);
    ck_assert_uint_eq(inb(0x1f7) & 0x09, error ? 0x01 : 0x00);
}

START_TEST(atapi_identify_and_inquiry)
{
    uint16_t id[256];
    uint8_t buf[4096];
    outb(0x1f6, 0xb0);
    outb(0x1f7, 0xec);                                /* IDENTIFY DEVICE aborts */
    ck_assert_uint_eq(inb(0x1f7) & 0x01, 0x01);
    ck_assert_uint_eq(inb(0x1f5), 0xeb);
    outb(0x1f7, 0xa1);
    read_words(id, 256);
    ck_assert_uint_eq(id[0], 0x85c0);

    static const uint8_t inquiry[12] = { 0x12, 0, 0, 0, 36 };
    packet(inquiry, 0xfffe);
    ck_assert_uint_eq(chunk(buf), 36);
    ck_assert_uint_eq(buf[0], 0x05);                  /* CD-ROM */
    ck_assert_uint_eq(buf[1], 0x80);                  /* removable */
    ck_assert_int_eq(memcmp(buf + 8, "KESTREL ", 8), 0);
    expect_status_phase(false);

    static const uint8_t capacity[12] = { 0x25 };
    packet(capacity, 0xfffe);
    ck_assert_uint_eq(chunk(buf), 8);
    ck_assert_uint_eq(buf[3], CD_SECTORS - 1);
    ck_assert_uint_eq(buf[6], 0x08);                  /* 2048 */
    expect_status_phase(false);

    static const uint8_t tur[12] = { 0x00 };
    packet(tur, 0xfffe);
    expect_status_phase(false);
}
END_TEST

START_TEST(atapi_read_and_sense)
{
    uint8_t buf[4096];
    /* READ(10) of sectors 3-4 with a byte count limit of 1024: four chunks. */
    static const uint8_t read10[12] = { 0x28, 0, 0, 0, 0, 3, 0, 0, 2 };
    packet(read10, 1024);
    unsigned total = 0;
    for (int i = 0; i < 4; i++)
        total += chunk(buf + total);
    ck_assert_uint_eq(total, 4096);
    ck_assert_uint_eq(buf[0], 3);
    ck_assert_uint_eq(buf[4095], 4);
    expect_status_phase(false);

    /* Out of range, then REQUEST SENSE tells why. */
    static const uint8_t bad[12] = { 0x28, 0, 0, 0, 0, CD_SECTORS, 0, 0, 1 };
    packet(bad, 0xfffe);
    expect_status_phase(true);
    ck_assert_uint_eq(inb(0x1f1) >> 4, 5);            /* ILLEGAL REQUEST */
    static const uint8_t sense[12] = { 0x03, 0, 0, 0, 18 };
    packet(sense, 0xfffe);
    ck_assert_uint_eq(chunk(buf), 18);
    ck_assert_uint_eq(buf[0], 0x70);
    ck_assert_uint_eq(buf[2], 5);
    ck_assert_uint_eq(buf[12], 0x21);
    expect_status_phase(false);

    /* Unknown opcode. */
    static const uint8_t unknown[12] = { 0xff };
    packet(unknown, 0xfffe);
    expect_status_phase(true);
}
END_TEST

START_TEST(atapi_toc_mode_sense_events)
{
    uint8_t buf[256];
    static const uint8_t toc[12] = { 0x43, 0, 0, 0, 0, 0, 0, 0, 100 };
    packet(toc, 0xfffe);
    ck_assert_uint_eq(chunk(buf), 20);
    ck_assert_uint_eq(buf[1], 18);
    ck_assert_uint_eq(buf[6], 1);                     /* track 1 */
    ck_assert_uint_eq(buf[14], 0xaa);                 /* lead-out */
    ck_assert_uint_eq(buf[19], CD_SECTORS);
    expect_status_phase(false);

    static const uint8_t toc_msf[12] = { 0x43, 2, 0, 0, 0, 0, 0, 0, 100 };
    packet(toc_msf, 0xfffe);
    ck_assert_uint_eq(chunk(buf), 20);
    ck_assert_uint_eq(buf[10], 2);                    /* track 1 at 00:02:00 */
    expect_status_phase(false);

    static const uint8_t session[12] = { 0x43, 0, 1, 0, 0, 0, 0, 0, 12 };
    packet(session, 0xfffe);
    ck_assert_uint_eq(chunk(buf), 12);
    ck_assert_uint_eq(buf[1], 10);
    expect_status_phase(false);

    static const uint8_t caps[12] = { 0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 200 };
    packet(caps, 0xfffe);
    ck_assert_uint_eq(chunk(buf), 30);
    ck_assert_uint_eq(buf[8], 0x2a);
    expect_status_phase(false);

    static const uint8_t gesn[12] = { 0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8 };
    packet(gesn, 0xfffe);
    ck_assert_uint_eq(chunk(buf), 8);
    ck_assert_uint_eq(buf[2], 4);
    ck_assert_uint_eq(buf[5], 2);                     /* media present */
    expect_status_phase(false);
}
END_TEST

/* ---- bus master DMA ---- */

static uint8_t ram[0x20000];

static void bm_setup(void)
{
    bus_map_ram(m->mem, "ram", 0, sizeof(ram), ram, 0, 0);
    memset(ram, 0, sizeof(ram));
    ide_bus_enable_bm(ide);
}

static void prd(int i, uint32_t addr, uint32_t count, bool eot)
{
    st32_le(ram + 0x1000 + 8 * i, addr);
    st32_le(ram + 0x1004 + 8 * i, (count & 0xffff) | (eot ? 0x80000000u : 0));
}

static void bm_program(bool to_memory)
{
    for (int i = 0; i < 4; i++)
        ide_bm_write(ide, 4 + i, (uint8_t)(0x1000 >> (8 * i)));
    ide_bm_write(ide, 0, to_memory ? 0x08 : 0x00);
    ide_bm_write(ide, 2, 0x06);                       /* clear IRQ and error */
}

START_TEST(dma_identify_and_modes)
{
    uint16_t id[256];
    bm_setup();
    outb(0x1f6, 0xa0);
    outb(0x1f1, 0x03);
    outb(0x1f2, 0x45);                                /* UDMA mode 5 */
    outb(0x1f7, 0xef);
    ck_assert_uint_eq(inb(0x1f7), 0x50);
    outb(0x1f7, 0xec);
    read_words(id, 256);
    ck_assert_uint_eq(id[49] & 0x100, 0x100);
    ck_assert_uint_eq(id[88], 0x3f | 1 << 13);
    ck_assert_uint_eq(id[63], 0x07);
}
END_TEST

START_TEST(dma_read_write)
{
    bm_setup();
    /* READ DMA of sectors 10-12 into two PRD entries; the command comes first. */
    prd(0, 0x4000, 1024, false);
    prd(1, 0x8000, 512, true);
    bm_program(true);
    lba28(10, 3, 0xc8);
    ck_assert_int_eq(irq_level, 0);                   /* waits for the bus master */
    ck_assert_uint_eq(inb(0x3f6) & 0x08, 0x08);
    ide_bm_write(ide, 0, 0x09);                       /* start */
    ck_assert_int_eq(irq_level, 1);
    ck_assert_uint_eq(ide_bm_read(ide, 2), 0x04);     /* IRQ, not active */
    ck_assert_uint_eq(ram[0x4000], 10);
    ck_assert_uint_eq(ram[0x4200], 11);
    ck_assert_uint_eq(ram[0x8000], 12);
    ck_assert_uint_eq(ram[0x8001], 13);
    ide_bm_write(ide, 0, 0x08);                       /* stop */
    ck_assert_uint_eq(inb(0x1f7), 0x50);
    ck_assert_uint_eq(inb(0x1f3), 12);

    /* WRITE DMA of one sector with the bus master already started. */
    memset(ram + 0x6000, 0x5a, 512);
    prd(0, 0x6000, 512, true);
    bm_program(false);
    ide_bm_write(ide, 0, 0x01);
    lba28(40, 1, 0xca);
    ck_assert_uint_eq(inb(0x1f7), 0x50);
    uint8_t buf[512];
    ck_assert_int_eq(block_read(disk, 40 * 512, buf, sizeof(buf)), 0);
    ck_assert_uint_eq(buf[0], 0x5a);
    ck_assert_uint_eq(buf[511], 0x5a);

    /* A PRD table shorter than the transfer: bus master error. */
    prd(0, 0x4000, 512, true);
    bm_program(true);
    lba28(0, 2, 0xc8);
    ide_bm_write(ide, 0, 0x09);
    ck_assert_uint_eq(ide_bm_read(ide, 2) & 0x06, 0x06);
    ck_assert_uint_eq(inb(0x1f7) & 0x01, 0x01);

    /* A longer one leaves the bus master active. */
    prd(0, 0x4000, 4096, true);
    bm_program(true);
    lba28(0, 1, 0xc8);
    ide_bm_write(ide, 0, 0x09);
    ck_assert_uint_eq(ide_bm_read(ide, 2) & 0x07, 0x05);
}
END_TEST

START_TEST(dma_atapi_read)
{
    bm_setup();
    prd(0, 0x4000, 4096, true);
    bm_program(true);
    ide_bm_write(ide, 0, 0x09);
    static const uint8_t read10[12] = { 0x28, 0, 0, 0, 0, 5, 0, 0, 2 };
    outb(0x1f6, 0xb0);
    outb(0x1f1, 0x01);                                /* DMA */
    outb(0x1f7, 0xa0);
    for (int i = 0; i < 12; i += 2)
        outw(0x1f0, (uint16_t)(read10[i] | read10[i + 1] << 8));
    ck_assert_uint_eq(ram[0x4000], 5);
    ck_assert_uint_eq(ram[0x4fff], 6);
    ck_assert_uint_eq(ide_bm_read(ide, 2) & 0x07, 0x04);
    expect_status_phase(false);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ide");
    TCase *tc = tcase_create("ide");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, identify_disk);
    tcase_add_test(tc, read_lba28_chs_lba48);
    tcase_add_test(tc, write_and_multiple);
    tcase_add_test(tc, nien_and_soft_reset);
    tcase_add_test(tc, empty_channel);
    tcase_add_test(tc, atapi_identify_and_inquiry);
    tcase_add_test(tc, atapi_read_and_sense);
    tcase_add_test(tc, atapi_toc_mode_sense_events);
    tcase_add_test(tc, dma_identify_and_modes);
    tcase_add_test(tc, dma_read_write);
    tcase_add_test(tc, dma_atapi_read);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
