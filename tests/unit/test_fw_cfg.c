/*
 * test_fw_cfg.c - the fw_cfg device through its ports (signature, ID, the
 * file directory, items past their end, the DMA interface reading into
 * guest RAM) and what the board publishes (e820, RAM size, sercon-port).
 */
#include "board_fixture.h"
#include "kestrel/fw_cfg.h"

static Machine *m;

static void setup(void)
{
    MachineConfig *cfg = fx_config(64 * MiB);
    cfg->nographic = true;
    m = fx_create(cfg);
}

static void teardown(void)
{
    fx_cleanup();
}

static void cfg_read(uint16_t key, void *buf, size_t len)
{
    outw(0x510, key);
    for (size_t i = 0; i < len; i++)
        ((uint8_t *)buf)[i] = inb(0x511);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Looks a file up in the directory as SeaBIOS does: size and key. */
static bool find_file(const char *name, uint32_t *size, uint16_t *key)
{
    uint8_t count[4], e[64];
    cfg_read(FW_CFG_FILE_DIR, count, 4);
    for (uint32_t i = 0; i < be32(count); i++) {
        for (int b = 0; b < 64; b++)
            e[b] = inb(0x511);
        if (!strcmp((char *)e + 8, name)) {
            *size = be32(e);
            *key = (uint16_t)(e[4] << 8 | e[5]);
            return true;
        }
    }
    return false;
}

START_TEST(signature_and_id)
{
    char sig[5] = { 0 };
    uint8_t id[4];
    cfg_read(FW_CFG_SIGNATURE, sig, 4);
    ck_assert_str_eq(sig, "QEMU");
    cfg_read(FW_CFG_ID, id, 4);
    ck_assert_uint_eq(ld32_le(id), 3);               /* traditional + DMA */
    /* The DMA register reads "QEMU CFG" big-endian. */
    ck_assert_uint_eq(inb(0x514), 'Q');
    ck_assert_uint_eq(inl(0x514), 0x554d4551);        /* "QEMU" as bytes */
    ck_assert_uint_eq(inl(0x518), 0x47464320);        /* " CFG" */
    /* Past the end of an item, and an invalid key: zeros. */
    cfg_read(FW_CFG_SIGNATURE, sig, 4);
    ck_assert_uint_eq(inb(0x511), 0);
    outw(0x510, 0x3fff);
    ck_assert_uint_eq(inb(0x511), 0);
}
END_TEST

START_TEST(legacy_items)
{
    uint8_t b[8];
    cfg_read(FW_CFG_RAM_SIZE, b, 8);
    ck_assert_uint_eq(ld64_le(b), 64 * MiB);
    cfg_read(FW_CFG_NB_CPUS, b, 2);
    ck_assert_uint_eq(ld16_le(b), 1);
    cfg_read(FW_CFG_MAX_CPUS, b, 2);
    ck_assert_uint_eq(ld16_le(b), 1);
    cfg_read(FW_CFG_NUMA, b, 8);
    ck_assert_uint_eq(ld64_le(b), 0);
    cfg_read(FW_CFG_IRQ0_OVERRIDE, b, 4);
    ck_assert_uint_eq(ld32_le(b), 1);
    cfg_read(FW_CFG_ACPI_TABLES, b, 2);
    ck_assert_uint_eq(ld16_le(b), 0);
    /* The write-channel bit selects the same item. */
    cfg_read(FW_CFG_NB_CPUS | FW_CFG_WRITE_CHANNEL, b, 2);
    ck_assert_uint_eq(ld16_le(b), 1);
}
END_TEST

START_TEST(file_directory)
{
    uint8_t count[4], e[64];
    char prev[56] = "";
    cfg_read(FW_CFG_FILE_DIR, count, 4);
    ck_assert_uint_ge(be32(count), 4);
    for (uint32_t i = 0; i < be32(count); i++) {
        for (int b = 0; b < 64; b++)
            e[b] = inb(0x511);
        ck_assert_uint_eq(e[4] << 8 | e[5], FW_CFG_FILE_FIRST + i);   /* keys in name order */
        ck_assert_int_lt(strcmp(prev, (char *)e + 8), 0);
        strcpy(prev, (char *)e + 8);
    }
    uint32_t size;
    uint16_t key;
    ck_assert(find_file("bootorder", &size, &key));
    ck_assert_uint_eq(size, 0);
    ck_assert(find_file("etc/boot-fail-wait", &size, &key));
    ck_assert_uint_eq(size, 4);
    ck_assert(!find_file("etc/msr_feature_control", &size, &key));

    uint8_t port[2];
    ck_assert(find_file("etc/sercon-port", &size, &key));
    ck_assert_uint_eq(size, 2);
    cfg_read(key, port, 2);
    ck_assert_uint_eq(ld16_le(port), 0x3f8);

    /* Adding a file that sorts first moves the others; replacing keeps the key. */
    ck_assert(fw_cfg_add_file(m->fw_cfg, "aaa", "xy", 2));
    ck_assert_int_eq(fw_cfg_file_key(m->fw_cfg, "aaa"), FW_CFG_FILE_FIRST);
    ck_assert(find_file("etc/sercon-port", &size, &key));
    ck_assert_int_eq(fw_cfg_file_key(m->fw_cfg, "etc/sercon-port"), key);
    ck_assert(fw_cfg_add_file(m->fw_cfg, "aaa", "xyz", 3));
    ck_assert(find_file("aaa", &size, &key));
    ck_assert_uint_eq(size, 3);
    ck_assert(!fw_cfg_add_file(m->fw_cfg, "a-name-that-is-far-too-long-for-the-fifty-six-byte-field",
                               "", 0));
}
END_TEST

START_TEST(e820_table)
{
    uint32_t size;
    uint16_t key;
    uint8_t e[20];
    ck_assert(find_file("etc/e820", &size, &key));
    ck_assert_uint_eq(size, 20);                      /* 64 MiB: one RAM entry */
    cfg_read(key, e, 20);
    ck_assert_uint_eq(ld64_le(e), 0);
    ck_assert_uint_eq(ld64_le(e + 8), 64 * MiB);
    ck_assert_uint_eq(ld32_le(e + 16), E820_RAM);
}
END_TEST

/* Writes a FWCfgDmaAccess at desc and triggers it with one 32-bit write, as SeaBIOS does. */
static uint32_t dma(uint32_t desc, uint32_t control, uint32_t len, uint32_t addr)
{
    uint8_t d[16] = { 0 };
    for (int i = 0; i < 4; i++) {
        d[i] = (uint8_t)(control >> (24 - 8 * i));
        d[4 + i] = (uint8_t)(len >> (24 - 8 * i));
        d[12 + i] = (uint8_t)(addr >> (24 - 8 * i));
    }
    bus_write_buf(m->mem, desc, d, sizeof(d));
    outl(0x518, __builtin_bswap32(desc));
    bus_read_buf(m->mem, desc, d, 4);
    return be32(d);
}

START_TEST(dma_read_file)
{
    uint32_t size;
    uint16_t key;
    ck_assert(find_file("etc/e820", &size, &key));
    memset(m->ram + 0x2000, 0xcc, 64);

    ck_assert_uint_eq(dma(0x1000, (uint32_t)key << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ,
                          size + 4, 0x2000), 0);
    ck_assert_uint_eq(ld64_le(m->ram + 0x2008), 64 * MiB);
    ck_assert_uint_eq(ld32_le(m->ram + 0x2010), E820_RAM);
    ck_assert_uint_eq(ld32_le(m->ram + 0x2014), 0);       /* past the end: zeros */
    ck_assert_uint_eq(m->ram[0x2018], 0xcc);

    /* Select + skip, then read the rest. */
    ck_assert_uint_eq(dma(0x1000, (uint32_t)key << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_SKIP,
                          8, 0), 0);
    ck_assert_uint_eq(dma(0x1000, FW_CFG_DMA_CTL_READ, 8, 0x3000), 0);
    ck_assert_uint_eq(ld64_le(m->ram + 0x3000), 64 * MiB);
    /* The port interface continues at the DMA offset. */
    ck_assert_uint_eq(inb(0x511), E820_RAM);

    /* Writes fail: every item is read-only. */
    ck_assert_uint_eq(dma(0x1000, FW_CFG_DMA_CTL_WRITE, 4, 0x3000), FW_CFG_DMA_CTL_ERROR);
    /* A 64-bit descriptor address written high half first; key 0 is the signature. */
    uint8_t d[16] = { 0, 0, 0, FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ, 0, 0, 0, 4 };
    d[14] = 0x40;                                     /* address 0x4040 */
    d[15] = 0x40;
    bus_write_buf(m->mem, 0x1000, d, sizeof(d));
    outl(0x514, 0);
    outl(0x518, __builtin_bswap32(0x1000));
    ck_assert_uint_eq(memcmp(m->ram + 0x4040, "QEMU", 4), 0);
}
END_TEST

START_TEST(large_ram_e820)
{
    char err[256];
    fx_cleanup();                   /* a fresh directory for the second machine */
    MachineConfig *cfg = fx_config(0xe0000000ull + 512 * MiB);
    Machine *big = pc_create(cfg, err, sizeof(err));
    ck_assert_msg(big != NULL, "%s", err);
    fx_m = big;
    ck_assert_uint_eq(big->below_4g_ram, 0xc0000000ull);
    ck_assert_uint_eq(big->above_4g_ram, 0x40000000ull);
    uint32_t size;
    uint16_t key;
    uint8_t e[40];
    ck_assert(find_file("etc/e820", &size, &key));
    ck_assert_uint_eq(size, 40);
    cfg_read(key, e, 40);
    ck_assert_uint_eq(ld64_le(e + 8), 0xc0000000ull);
    ck_assert_uint_eq(ld64_le(e + 20), 0x100000000ull);
    ck_assert_uint_eq(ld64_le(e + 28), 0x40000000ull);
    /* RAM above 4 GiB is the rest of the same buffer. */
    big->ram[0xc0000000ull + 5] = 0x77;
    ck_assert_uint_eq(bus_read(big->mem, 0x100000005ull, 1), 0x77);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fw_cfg");
    TCase *tc = tcase_create("fw_cfg");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, signature_and_id);
    tcase_add_test(tc, legacy_items);
    tcase_add_test(tc, file_directory);
    tcase_add_test(tc, e820_table);
    tcase_add_test(tc, dma_read_file);
    tcase_add_test(tc, large_ram_e820);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
