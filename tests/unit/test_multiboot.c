/*
 * test_multiboot.c - Multiboot v1 loader: header search, a.out kludge and
 * ELF32 loading, modules, and the information structure and memory map it
 * writes, all in a fake 4 MiB RAM buffer.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "bios/multiboot.h"

#define RAM_SIZE (4 * MiB)

static uint8_t *ram;
static MultibootRam mem;
static char err[256];

static void setup(void)
{
    ram = calloc(1, RAM_SIZE);
    memset(ram, 0xcc, RAM_SIZE);
    mem = (MultibootRam){ ram, RAM_SIZE, 0 };
    err[0] = '\0';
}

static void teardown(void)
{
    free(ram);
}

/* An a.out-kludge image: header at hdr_off, loaded at 1 MiB, 0x100 bytes of bss. */
static size_t make_aout(uint8_t *img, size_t len, uint32_t hdr_off)
{
    memset(img, 0, len);
    for (size_t i = 0; i < len; i++)
        img[i] = (uint8_t)(i * 7 + 1);
    uint8_t *h = img + hdr_off;
    uint32_t flags = MBH_F_PAGE_ALIGN | MBH_F_MEMINFO | MBH_F_AOUT_KLUDGE;
    st32_le(h, MB_HEADER_MAGIC);
    st32_le(h + 4, flags);
    st32_le(h + 8, -(MB_HEADER_MAGIC + flags));
    st32_le(h + 12, 0x100000 + hdr_off);            /* header_addr */
    st32_le(h + 16, 0x100000);                      /* load_addr */
    st32_le(h + 20, 0);                             /* load_end_addr: whole file */
    st32_le(h + 24, 0x100000 + (uint32_t)len + 0x100);  /* bss_end_addr */
    st32_le(h + 28, 0x100040);                      /* entry */
    return len;
}

START_TEST(test_find_header)
{
    uint8_t img[9000];
    MultibootHeader h;
    make_aout(img, sizeof(img), 0x40);
    ck_assert(multiboot_find_header(img, sizeof(img), &h));
    ck_assert_uint_eq(h.offset, 0x40);
    ck_assert_uint_eq(h.load_addr, 0x100000);
    ck_assert_uint_eq(h.entry_addr, 0x100040);
    st32_le(img + 0x48, 0);                         /* bad checksum */
    ck_assert(!multiboot_find_header(img, sizeof(img), &h));
    make_aout(img, sizeof(img), 8192);              /* beyond the first 8 KiB */
    ck_assert(!multiboot_find_header(img, sizeof(img), &h));
}
END_TEST

START_TEST(test_aout)
{
    static uint8_t img[5000];
    MultibootBoot boot;
    make_aout(img, sizeof(img), 8);
    ck_assert_msg(multiboot_load(&mem, img, sizeof(img), "/k a=1", NULL, 0, &boot, err,
                                 sizeof(err)), "%s", err);
    ck_assert_uint_eq(boot.entry, 0x100040);
    ck_assert_uint_eq(boot.info_addr, 0x9500);
    ck_assert(!memcmp(ram + 0x100000, img, sizeof(img)));
    for (int i = 0; i < 0x100; i++)
        ck_assert_uint_eq(ram[0x100000 + sizeof(img) + i], 0);
    ck_assert_uint_eq(ram[0x100000 + sizeof(img) + 0x100], 0xcc);

    const uint8_t *info = ram + boot.info_addr;
    ck_assert_uint_eq(ld32_le(info + MBI_FLAGS), 0x24f);
    ck_assert_uint_eq(ld32_le(info + MBI_MEM_LOWER), 639);
    ck_assert_uint_eq(ld32_le(info + MBI_MEM_UPPER), 3 * 1024);
    ck_assert_uint_eq(ld32_le(info + MBI_BOOT_DEVICE), 0x8000ffff);
    ck_assert_str_eq((const char *)ram + ld32_le(info + MBI_CMDLINE), "/k a=1");
    ck_assert_str_eq((const char *)ram + ld32_le(info + MBI_BOOT_LOADER_NAME), "kestrel");
    ck_assert_uint_eq(ld32_le(info + MBI_MODS_COUNT), 0);

    /* Memory map: low RAM, EBDA, BIOS area, RAM above 1 MiB, the firmware ROM. */
    static const uint64_t expect[][3] = {
        { 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xf0000, 0x10000, 2 },
        { 0x100000, 3 * MiB, 1 }, { 0xfffc0000, 0x40000, 2 },
    };
    ck_assert_uint_eq(ld32_le(info + MBI_MMAP_ADDR), 0x9000);
    ck_assert_uint_eq(ld32_le(info + MBI_MMAP_LENGTH), 5 * 24);
    for (int i = 0; i < 5; i++) {
        const uint8_t *e = ram + 0x9000 + i * 24;
        ck_assert_uint_eq(ld32_le(e), 20);
        ck_assert_uint_eq(ld64_le(e + 4), expect[i][0]);
        ck_assert_uint_eq(ld64_le(e + 12), expect[i][1]);
        ck_assert_uint_eq(ld32_le(e + 20), expect[i][2]);
    }
}
END_TEST

START_TEST(test_above_4g_map)
{
    static uint8_t img[64];
    MultibootBoot boot;
    make_aout(img, sizeof(img), 0);
    mem.above_4g = 2 * GiB;
    ck_assert(multiboot_load(&mem, img, sizeof(img), "", NULL, 0, &boot, err, sizeof(err)));
    ck_assert_uint_eq(ld32_le(ram + 0x9500 + MBI_MMAP_LENGTH), 6 * 24);
    ck_assert_uint_eq(ld64_le(ram + 0x9000 + 5 * 24 + 4), 4 * GiB);
    ck_assert_uint_eq(ld64_le(ram + 0x9000 + 5 * 24 + 12), 2 * GiB);
}
END_TEST

START_TEST(test_modules)
{
    static uint8_t img[0x1800];
    const uint8_t m0[] = "module zero", m1[] = "m1";
    MultibootModule mods[2] = {
        { m0, sizeof(m0), "/mod0 x y" }, { m1, sizeof(m1), "/mod1" },
    };
    MultibootBoot boot;
    make_aout(img, sizeof(img), 0);
    ck_assert(multiboot_load(&mem, img, sizeof(img), "k", mods, 2, &boot, err, sizeof(err)));
    const uint8_t *info = ram + boot.info_addr;
    ck_assert_uint_eq(ld32_le(info + MBI_MODS_COUNT), 2);
    const uint8_t *list = ram + ld32_le(info + MBI_MODS_ADDR);
    /* The kernel ends at 1 MiB + 0x1900 (with bss): modules on the next pages. */
    ck_assert_uint_eq(ld32_le(list + 0), 0x102000);
    ck_assert_uint_eq(ld32_le(list + 4), 0x102000 + sizeof(m0));
    ck_assert_str_eq((const char *)ram + ld32_le(list + 8), "/mod0 x y");
    ck_assert_uint_eq(ld32_le(list + 16), 0x103000);
    ck_assert_str_eq((const char *)ram + ld32_le(list + 24), "/mod1");
    ck_assert_str_eq((const char *)ram + 0x102000, "module zero");
    ck_assert_str_eq((const char *)ram + 0x103000, "m1");
}
END_TEST

/* An ELF32 with two PT_LOAD segments, the first linked at a virtual address. */
static size_t make_elf(uint8_t *img, size_t len, uint16_t machine)
{
    memset(img, 0, len);
    memcpy(img, "\x7f" "ELF\x01\x01\x01", 7);
    st16_le(img + 16, 2);
    st16_le(img + 18, machine);
    st32_le(img + 24, 0xC0100010);         /* entry (virtual) */
    st32_le(img + 28, 52);                 /* phoff */
    st16_le(img + 42, 32);
    st16_le(img + 44, 2);
    uint8_t *ph = img + 52;
    st32_le(ph, 1);
    st32_le(ph + 4, 0x200);                /* offset */
    st32_le(ph + 8, 0xC0100000);           /* vaddr */
    st32_le(ph + 12, 0x100000);            /* paddr */
    st32_le(ph + 16, 0x100);
    st32_le(ph + 20, 0x100);
    ph += 32;
    st32_le(ph, 1);
    st32_le(ph + 4, 0x300);
    st32_le(ph + 8, 0xC0200000);
    st32_le(ph + 12, 0x200000);
    st32_le(ph + 16, 0x10);
    st32_le(ph + 20, 0x1000);              /* with bss */
    uint8_t *h = img + 0x120;
    st32_le(h, MB_HEADER_MAGIC);
    st32_le(h + 4, MBH_F_MEMINFO);
    st32_le(h + 8, -(MB_HEADER_MAGIC + MBH_F_MEMINFO));
    memset(img + 0x200, 0xab, 0x100);
    memset(img + 0x300, 0xcd, 0x10);
    return len;
}

START_TEST(test_elf)
{
    static uint8_t img[0x400];
    MultibootBoot boot;
    make_elf(img, sizeof(img), 3);
    ck_assert_msg(multiboot_load(&mem, img, sizeof(img), "", NULL, 0, &boot, err, sizeof(err)),
                  "%s", err);
    ck_assert_uint_eq(boot.entry, 0x100010);
    ck_assert_uint_eq(ram[0x100000], 0xab);
    ck_assert_uint_eq(ram[0x1000ff], 0xab);
    ck_assert_uint_eq(ram[0x200000], 0xcd);
    ck_assert_uint_eq(ram[0x200010], 0);
    ck_assert_uint_eq(ram[0x200fff], 0);
    ck_assert_uint_eq(ram[0x201000], 0xcc);

    make_elf(img, sizeof(img), 62);
    ck_assert(!multiboot_load(&mem, img, sizeof(img), "", NULL, 0, &boot, err, sizeof(err)));
    ck_assert_str_eq(err, "64-bit ELF kernels cannot be booted by multiboot; give a 32-bit one");
    make_elf(img, sizeof(img), 3);
    st32_le(img + 52 + 16, 0x1000);        /* filesz beyond the file */
    st32_le(img + 52 + 20, 0x1000);
    ck_assert(!multiboot_load(&mem, img, sizeof(img), "", NULL, 0, &boot, err, sizeof(err)));
    ck_assert_str_eq(err, "corrupt ELF segment 0");
}
END_TEST

START_TEST(test_errors)
{
    static uint8_t img[0x400];
    MultibootBoot boot;
    memset(img, 0, sizeof(img));
    ck_assert(!multiboot_load(&mem, img, sizeof(img), "", NULL, 0, &boot, err, sizeof(err)));
    ck_assert_str_eq(err, "not a multiboot kernel");

    make_aout(img, sizeof(img), 0);
    st32_le(img + 16, 0x3ff000);           /* load_addr near the end of RAM */
    st32_le(img + 12, 0x3ff000);
    st32_le(img + 24, 0);
    st32_le(img + 28, 0x3ff000);
    ck_assert(multiboot_load(&mem, img, sizeof(img), "", NULL, 0, &boot, err, sizeof(err)));
    st32_le(img + 16, 0x3fff00);
    st32_le(img + 12, 0x3fff00);
    ck_assert(!multiboot_load(&mem, img, sizeof(img), "", NULL, 0, &boot, err, sizeof(err)));
    ck_assert_str_eq(err, "kernel segment at 0x3fff00 is beyond the end of RAM");

    st32_le(img + 16, 0x9400);             /* over the information area */
    st32_le(img + 12, 0x9400);
    ck_assert(!multiboot_load(&mem, img, sizeof(img), "", NULL, 0, &boot, err, sizeof(err)));
    ck_assert_str_eq(err, "kernel segment at 0x9400 overlaps the multiboot information at 0x9000");

    st32_le(img + 12, 0x100000);           /* header_addr below load_addr */
    st32_le(img + 16, 0x100010);
    ck_assert(!multiboot_load(&mem, img, sizeof(img), "", NULL, 0, &boot, err, sizeof(err)));
    ck_assert_str_eq(err, "invalid multiboot header_addr/load_addr");
}
END_TEST

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

START_TEST(test_files)
{
    static uint8_t img[0x200];
    char kpath[] = "/tmp/kestrel-mbk-XXXXXX", mpath[] = "/tmp/kestrel-mbm-XXXXXX";
    close(mkstemp(kpath));
    close(mkstemp(mpath));
    make_aout(img, sizeof(img), 0);
    write_file(kpath, img, sizeof(img));
    write_file(mpath, "MOD", 3);
    char spec[128], cmd[128];
    snprintf(spec, sizeof(spec), "%s arg,,with comma,%s", mpath, mpath);
    MultibootBoot boot;
    bool ok = multiboot_load_files(&mem, kpath, spec, "console=ttyS0", &boot, err, sizeof(err));
    ck_assert_msg(ok, "%s", err);
    const uint8_t *info = ram + boot.info_addr;
    snprintf(cmd, sizeof(cmd), "%s console=ttyS0", kpath);
    ck_assert_str_eq((const char *)ram + ld32_le(info + MBI_CMDLINE), cmd);
    ck_assert_uint_eq(ld32_le(info + MBI_MODS_COUNT), 2);
    const uint8_t *list = ram + ld32_le(info + MBI_MODS_ADDR);
    snprintf(cmd, sizeof(cmd), "%s arg,with comma", mpath);
    ck_assert_str_eq((const char *)ram + ld32_le(list + 8), cmd);
    ck_assert(!memcmp(ram + ld32_le(list + 16), "MOD", 3));

    write_file(kpath, "plain", 5);
    ck_assert(!multiboot_load_files(&mem, kpath, NULL, NULL, &boot, err, sizeof(err)));
    snprintf(cmd, sizeof(cmd), "-kernel %s: not a multiboot kernel", kpath);
    ck_assert_str_eq(err, cmd);
    unlink(kpath);
    unlink(mpath);
    ck_assert(!multiboot_load_files(&mem, kpath, NULL, NULL, &boot, err, sizeof(err)));
    snprintf(cmd, sizeof(cmd), "-kernel %s: No such file or directory", kpath);
    ck_assert_str_eq(err, cmd);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("multiboot");
    TCase *tc = tcase_create("load");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_find_header);
    tcase_add_test(tc, test_aout);
    tcase_add_test(tc, test_above_4g_map);
    tcase_add_test(tc, test_modules);
    tcase_add_test(tc, test_elf);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_files);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
