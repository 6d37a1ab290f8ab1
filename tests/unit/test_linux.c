/*
 * test_linux.c - the Linux bzImage loader (bios/linux.c) on synthetic
 * images: header checks and their messages, the patched setup header, the
 * initrd placement (initrd_addr_max, top of RAM, kernel's init_size), the
 * command line limit, and the fw_cfg items, files and option ROM.
 *
 * fw_cfg is faked here (the test records what the loader adds), so nothing
 * of hw/ is linked.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include "bios/linux.h"
#include "kestrel/fw_cfg.h"

/* ---- fake fw_cfg: the last value of each key and file ---- */

#define MAX_ITEMS 64
typedef struct FakeItem {
    uint16_t key;
    char name[FW_CFG_MAX_NAME];
    uint8_t *data;
    size_t len;
} FakeItem;

static FakeItem items[MAX_ITEMS];
static int n_items;

static FakeItem *fake_slot(uint16_t key, const char *name)
{
    for (int i = 0; i < n_items; i++)
        if (items[i].key == key && strcmp(items[i].name, name) == 0)
            return &items[i];
    ck_assert_int_lt(n_items, MAX_ITEMS);
    FakeItem *it = &items[n_items++];
    it->key = key;
    snprintf(it->name, sizeof(it->name), "%s", name);
    return it;
}

static void fake_set(uint16_t key, const char *name, const void *data, size_t len)
{
    FakeItem *it = fake_slot(key, name);
    free(it->data);
    it->data = malloc(len + 1);
    if (len)
        memcpy(it->data, data, len);
    it->len = len;
}

void fw_cfg_add_bytes(FwCfg *s, uint16_t key, const void *data, size_t len)
{
    (void)s;
    fake_set(key, "", data, len);
}

void fw_cfg_add_i32(FwCfg *s, uint16_t key, uint32_t value)
{
    uint8_t b[4];
    st32_le(b, value);
    fw_cfg_add_bytes(s, key, b, 4);
}

bool fw_cfg_add_file(FwCfg *s, const char *name, const void *data, size_t len)
{
    (void)s;
    fake_set(0, name, data, len);
    return true;
}

static const FakeItem *item(uint16_t key, const char *name)
{
    for (int i = 0; i < n_items; i++)
        if (items[i].key == key && strcmp(items[i].name, name) == 0)
            return &items[i];
    return NULL;
}

static uint32_t item32(uint16_t key)
{
    const FakeItem *it = item(key, "");
    ck_assert_ptr_nonnull(it);
    ck_assert_uint_eq(it->len, 4);
    return ld32_le(it->data);
}

/* ---- synthetic bzImage ---- */

#define SETUP_SECTS 7
#define IMAGE_LEN (64 * 1024)
#define INIT_SIZE (8 * MiB)
#define PREF_ADDR (16 * MiB)

static uint8_t image[IMAGE_LEN];

static void make_image(uint16_t version, uint8_t loadflags)
{
    memset(image, 0, sizeof(image));
    for (size_t i = 0; i < sizeof(image); i++)
        image[i] = (uint8_t)(i * 7);
    image[LH_SETUP_SECTS] = SETUP_SECTS;
    st16_le(image + LH_BOOT_FLAG, 0xaa55);
    st32_le(image + LH_HEADER, LH_MAGIC);
    st16_le(image + LH_VERSION, version);
    image[LH_TYPE_OF_LOADER] = 0;
    image[LH_LOADFLAGS] = loadflags;
    st32_le(image + LH_INITRD_ADDR_MAX, 0x7fffffff);
    st32_le(image + LH_CMDLINE_SIZE, 2047);
    st64_le(image + LH_PREF_ADDRESS, PREF_ADDR);
    st32_le(image + LH_INIT_SIZE, INIT_SIZE);
}

static void setup(void)
{
    make_image(0x20f, LH_LOADED_HIGH);
}

static void teardown(void)
{
    for (int i = 0; i < n_items; i++)
        free(items[i].data);
    n_items = 0;
}

START_TEST(header_patched)
{
    LinuxBootPlan p;
    char err[200];
    ck_assert(linux_is_kernel(image, sizeof(image)));
    ck_assert(linux_plan(image, sizeof(image), 5000, "console=ttyS0", 128 * MiB, &p,
                         err, sizeof(err)));
    ck_assert_uint_eq(p.version, 0x20f);
    ck_assert_uint_eq(p.setup_size, (SETUP_SECTS + 1) * 512);
    ck_assert_ptr_eq(p.kernel, image + p.setup_size);
    ck_assert_uint_eq(p.kernel_size, IMAGE_LEN - p.setup_size);
    ck_assert_uint_eq(p.setup[LH_TYPE_OF_LOADER], LINUX_LOADER_TYPE);
    ck_assert_uint_eq(p.setup[LH_LOADFLAGS], LH_LOADED_HIGH | LH_CAN_USE_HEAP);
    ck_assert_uint_eq(ld16_le(p.setup + LH_HEAP_END_PTR), 0xfe00);
    ck_assert_uint_eq(ld32_le(p.setup + LH_CMD_LINE_PTR), LINUX_CMDLINE_ADDR);
    ck_assert_uint_eq(ld32_le(p.setup + LH_RAMDISK_IMAGE), p.initrd_addr);
    ck_assert_uint_eq(ld32_le(p.setup + LH_RAMDISK_SIZE), 5000);
    /* Below the top of RAM minus the firmware's reserve, page aligned. */
    ck_assert_uint_eq(p.initrd_addr, (128 * MiB - LINUX_TOP_RESERVE - 5000) & ~0xfffu);
    ck_assert_uint_eq(image[LH_TYPE_OF_LOADER], 0);          /* the image is untouched */
    ck_assert_uint_eq(p.setup[0x300], image[0x300]);
    linux_plan_free(&p);
}
END_TEST

START_TEST(initrd_addr_max)
{
    LinuxBootPlan p;
    char err[200];
    st32_le(image + LH_INITRD_ADDR_MAX, 0x3fffffff);
    ck_assert(linux_plan(image, sizeof(image), 0x10000, "", 3ull * 1024 * MiB, &p,
                         err, sizeof(err)));
    ck_assert_uint_eq(p.initrd_addr, 0x40000000 - 0x10000);
    linux_plan_free(&p);
    /* Protocol 2.02 has no initrd_addr_max field: 0x37ffffff. */
    make_image(0x202, LH_LOADED_HIGH);
    ck_assert(linux_plan(image, sizeof(image), 0x10000, "", 3ull * 1024 * MiB, &p,
                         err, sizeof(err)));
    ck_assert_uint_eq(p.initrd_addr, 0x38000000 - 0x10000);
    linux_plan_free(&p);
}
END_TEST

START_TEST(no_initrd)
{
    LinuxBootPlan p;
    char err[200];
    ck_assert(linux_plan(image, sizeof(image), 0, "", 64 * MiB, &p, err, sizeof(err)));
    ck_assert_uint_eq(p.initrd_addr, 0);
    ck_assert_uint_eq(ld32_le(p.setup + LH_RAMDISK_IMAGE), 0);
    linux_plan_free(&p);
}
END_TEST

START_TEST(rejected_images)
{
    LinuxBootPlan p;
    char err[200];
    make_image(0x201, LH_LOADED_HIGH);
    ck_assert(!linux_plan(image, sizeof(image), 0, "", 64 * MiB, &p, err, sizeof(err)));
    ck_assert_str_eq(err, "Linux boot protocol 2.01 bzImage is not supported "
                     "(need a bzImage, protocol 2.02 or later)");
    make_image(0x20f, 0);
    ck_assert(!linux_plan(image, sizeof(image), 0, "", 64 * MiB, &p, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "2.15 zImage"));
    make_image(0x20f, LH_LOADED_HIGH);
    image[LH_SETUP_SECTS] = 200;                            /* setup beyond 32 KiB */
    ck_assert(!linux_plan(image, sizeof(image), 0, "", 64 * MiB, &p, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "setup_sects 200"));
    image[LH_HEADER] = 'X';
    ck_assert(!linux_is_kernel(image, sizeof(image)));
    ck_assert(!linux_plan(image, sizeof(image), 0, "", 64 * MiB, &p, err, sizeof(err)));
    ck_assert_str_eq(err, "not a Linux kernel (no HdrS setup header)");
    ck_assert(!linux_is_kernel(image, 0x200));             /* too short for the header */
}
END_TEST

START_TEST(limits)
{
    LinuxBootPlan p;
    char err[200];
    char longline[2100];
    memset(longline, 'a', sizeof(longline) - 1);
    longline[sizeof(longline) - 1] = '\0';
    ck_assert(!linux_plan(image, sizeof(image), 0, longline, 64 * MiB, &p, err, sizeof(err)));
    ck_assert_str_eq(err, "command line of 2099 bytes is longer than the kernel's limit of 2047");
    /* The kernel decompresses at pref_address up to init_size: 24 MiB + reserve. */
    ck_assert(!linux_plan(image, sizeof(image), 0, "", 24 * MiB, &p, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "24 MiB of RAM is too little for this kernel"));
    ck_assert(!linux_plan(image, sizeof(image), 4 * MiB, "", 28 * MiB, &p, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "kernel and initrd"));
    ck_assert(linux_plan(image, sizeof(image), 2 * MiB, "", 28 * MiB, &p, err, sizeof(err)));
    ck_assert_uint_ge(p.initrd_addr, PREF_ADDR + INIT_SIZE);
    linux_plan_free(&p);
}
END_TEST

START_TEST(fw_cfg_items)
{
    LinuxBootPlan p;
    char err[200];
    static const uint8_t rd[3] = { 1, 2, 3 };
    ck_assert(linux_plan(image, sizeof(image), sizeof(rd), "quiet", 64 * MiB, &p,
                         err, sizeof(err)));
    linux_fw_cfg_fill(NULL, &p, rd, sizeof(rd), "quiet");
    ck_assert_uint_eq(item32(FW_CFG_SETUP_ADDR), LINUX_REAL_ADDR);
    ck_assert_uint_eq(item32(FW_CFG_SETUP_SIZE), p.setup_size);
    ck_assert_mem_eq(item(FW_CFG_SETUP_DATA, "")->data, p.setup, p.setup_size);
    ck_assert_uint_eq(item32(FW_CFG_KERNEL_ADDR), LINUX_PROT_ADDR);
    ck_assert_uint_eq(item32(FW_CFG_KERNEL_SIZE), p.kernel_size);
    ck_assert_mem_eq(item(FW_CFG_KERNEL_DATA, "")->data, p.kernel, p.kernel_size);
    ck_assert_uint_eq(item32(FW_CFG_INITRD_ADDR), p.initrd_addr);
    ck_assert_uint_eq(item32(FW_CFG_INITRD_SIZE), 3);
    ck_assert_mem_eq(item(FW_CFG_INITRD_DATA, "")->data, rd, 3);
    ck_assert_uint_eq(item32(FW_CFG_CMDLINE_ADDR), LINUX_CMDLINE_ADDR);
    ck_assert_uint_eq(item32(FW_CFG_CMDLINE_SIZE), 6);
    ck_assert_str_eq((const char *)item(FW_CFG_CMDLINE_DATA, "")->data, "quiet");

    const FakeItem *bo = item(0, "bootorder");
    ck_assert_ptr_nonnull(bo);
    ck_assert_uint_eq(bo->len, strlen("/rom@genroms/linuxboot.bin\n"));
    ck_assert_mem_eq(bo->data, "/rom@genroms/linuxboot.bin\n", bo->len);

    /* The option ROM: signature, size in 512-byte units, bytes summing to zero, PnP BEV. */
    const FakeItem *rom = item(0, LINUX_ROM_NAME);
    ck_assert_ptr_nonnull(rom);
    ck_assert_uint_eq(rom->len, linux_boot_rom_size);
    ck_assert_uint_eq(ld16_le(rom->data), 0xaa55);
    ck_assert_uint_eq(rom->data[2] * 512u, rom->len);
    uint8_t sum = 0;
    for (size_t i = 0; i < rom->len; i++)
        sum += rom->data[i];
    ck_assert_uint_eq(sum, 0);
    const uint8_t *pnp = rom->data + ld16_le(rom->data + 0x1a);
    ck_assert_mem_eq(pnp, "$PnP", 4);
    sum = 0;
    for (int i = 0; i < pnp[5] * 16; i++)
        sum += pnp[i];
    ck_assert_uint_eq(sum, 0);
    ck_assert_uint_ne(ld16_le(pnp + 0x1a), 0);               /* bootstrap entry vector */
    linux_plan_free(&p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("linux");
    TCase *tc = tcase_create("loader");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, header_patched);
    tcase_add_test(tc, initrd_addr_max);
    tcase_add_test(tc, no_initrd);
    tcase_add_test(tc, rejected_images);
    tcase_add_test(tc, limits);
    tcase_add_test(tc, fw_cfg_items);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
