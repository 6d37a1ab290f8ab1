/*
 * test_pc.c - pc_create: its error messages for bad input (RAM size, CPUs,
 * missing or malformed BIOS, missing disk, unknown -device), the firmware
 * search, and the board it builds (memory map, IDE disk visible at its
 * ports, A20 wiring, reset and exit requests).
 */
#include "board_fixture.h"
#include "kestrel/firmware.h"

static char err[512];

static void teardown(void)
{
    fx_cleanup();
}

static void setup(void)
{
    fx_config(32 * MiB);
    err[0] = '\0';
}

static void expect_error(const char *want)
{
    ck_assert_ptr_null(pc_create(&fx_cfg, err, sizeof(err)));
    ck_assert_msg(strstr(err, want) != NULL, "message '%s' lacks '%s'", err, want);
}

START_TEST(bad_ram_and_smp)
{
    fx_cfg.ram_size = 512 * KiB;
    expect_error("-m 512K: RAM size must be between 1 MiB and 1 TiB");
    fx_cfg.ram_size = 32 * MiB;
    fx_cfg.smp = 17;
    expect_error("-smp 17: the number of CPUs must be between 1 and 16");
    fx_cfg.smp = 1;
    fx_cfg.cpu_model = "pentium9";
    expect_error("-cpu pentium9: unknown CPU model");
}
END_TEST

START_TEST(missing_bios)
{
    fx_cfg.firmware_dirs[0] = "/nonexistent/a";
    fx_cfg.firmware_dirs[1] = "/nonexistent/b";
    fx_cfg.n_firmware_dirs = 2;
    expect_error("bios-256k.bin: not found in /nonexistent/a, /nonexistent/b");
    fx_cfg.bios = "/nonexistent/my.bin";
    expect_error("-bios /nonexistent/my.bin: No such file or directory");
    fx_cfg.bios = "other.bin";
    expect_error("-bios other.bin: not found in /nonexistent/a, /nonexistent/b");
}
END_TEST

START_TEST(bad_bios_size)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/odd.bin", fx_dir);
    fx_write_file(path, 1000, NULL);
    fx_cfg.bios = "odd.bin";
    expect_error("-bios odd.bin: a BIOS image is a multiple of 64 KiB");
}
END_TEST

START_TEST(missing_disk)
{
    fx_cfg.drives[0] = (DriveConfig){ .file = "nosuch.img", .interface = DRIVE_IF_IDE,
                                      .index = 0 };
    fx_cfg.n_drives = 1;
    expect_error("-hda nosuch.img: No such file or directory");
    fx_cfg.drives[0].media = DRIVE_MEDIA_CDROM;
    fx_cfg.drives[0].index = 2;
    expect_error("-cdrom nosuch.img: No such file or directory");
}
END_TEST

START_TEST(unknown_device)
{
    fx_cfg.device_args[0] = "frobnicator,speed=9";
    fx_cfg.n_device_args = 1;
    expect_error("-device frobnicator,speed=9: unknown device 'frobnicator' (-device help lists them)");
    fx_cfg.device_args[0] = "fw_cfg";
    expect_error("-device fw_cfg: 'fw_cfg' cannot be added with -device");
}
END_TEST

START_TEST(firmware_search_order)
{
    char dir2[64], path[160], *found;
    strcpy(dir2, "/tmp/kestrel-board2-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir2));
    snprintf(path, sizeof(path), "%s/bios-256k.bin", dir2);
    fx_write_file(path, 65536, NULL);
    fx_cfg.firmware_dirs[1] = dir2;
    fx_cfg.n_firmware_dirs = 2;
    found = firmware_find(&fx_cfg, "bios-256k.bin", err, sizeof(err));
    ck_assert_ptr_nonnull(found);
    ck_assert_int_eq(strncmp(found, fx_dir, strlen(fx_dir)), 0);    /* first directory wins */
    free(found);
    size_t size;
    snprintf(path, sizeof(path), "%s/only-here.rom", dir2);
    fx_write_file(path, 100, NULL);
    uint8_t *data = firmware_load(&fx_cfg, "only-here.rom", &size, err, sizeof(err));
    ck_assert_ptr_nonnull(data);
    ck_assert_uint_eq(size, 100);
    free(data);
    unlink(path);
    snprintf(path, sizeof(path), "%s/bios-256k.bin", dir2);
    unlink(path);
    rmdir(dir2);
}
END_TEST

START_TEST(board_layout)
{
    char img[128];
    snprintf(img, sizeof(img), "%s/disk.img", fx_dir);
    fx_write_file(img, 64 * 512, NULL);
    fx_cfg.drives[0] = (DriveConfig){ .file = img, .interface = DRIVE_IF_IDE, .index = -1 };
    fx_cfg.n_drives = 1;
    fx_cfg.smp = 2;
    Machine *m = fx_create(&fx_cfg);

    ck_assert_int_eq(m->ncpus, 2);
    ck_assert_uint_eq(m->below_4g_ram, 32 * MiB);
    ck_assert_uint_eq(m->above_4g_ram, 0);
    /* Reset vector: the BIOS image's last bytes, at 4 GiB and at 1 MiB. */
    ck_assert_uint_eq(bus_read(m->mem, 0xfffffff0, 1), fx_bios_byte(FIXTURE_BIOS_SIZE - 16));
    ck_assert_uint_eq(bus_read(m->mem, 0xffff0, 1), fx_bios_byte(FIXTURE_BIOS_SIZE - 16));
    bus_write(m->mem, 0xfffffff0, 0, 1);
    ck_assert_uint_eq(bus_read(m->mem, 0xfffffff0, 1), fx_bios_byte(FIXTURE_BIOS_SIZE - 16));
    /* RAM below and above the legacy hole; nothing in the VGA window or the PCI hole. */
    bus_write(m->mem, 0x9fffc, 0x12345678, 4);
    ck_assert_uint_eq(m->ram[0x9fffc], 0x78);
    bus_write(m->mem, 32 * MiB - 4, 0xcafe, 2);
    ck_assert_uint_eq(ld16_le(m->ram + 32 * MiB - 4), 0xcafe);
    ck_assert_uint_eq(bus_read(m->mem, 0xa0000, 4), 0xffffffff);
    ck_assert_uint_eq(bus_read(m->mem, 32 * MiB, 4), 0xffffffff);

    /* The disk (no index: first free = primary master) answers IDENTIFY. */
    outb(0x1f6, 0xa0);
    outb(0x1f7, 0xec);
    ck_assert_uint_eq(inb(0x1f7), 0x58);
    ck_assert_uint_eq(inw(0x1f0), 0x0040);

    /* A20 goes to the boot CPU; requests kick the CPUs. */
    irq_set(&m->a20_line, 0);
    ck_assert_int_eq(fake_a20_level, 0);
    irq_set(&m->a20_line, 1);
    ck_assert_int_eq(fake_a20_level, 1);
    int resets = fake_cpu_resets;
    machine_reset(m);
    ck_assert_int_eq(fake_cpu_resets, resets + 2);
    machine_request_exit(m, MACHINE_EXIT_DEBUG, 3);
    ck_assert_int_eq(m->exit_request, MACHINE_EXIT_DEBUG);
    ck_assert_int_eq(m->exit_status, 3);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pc");
    TCase *tc = tcase_create("pc");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, bad_ram_and_smp);
    tcase_add_test(tc, missing_bios);
    tcase_add_test(tc, bad_bios_size);
    tcase_add_test(tc, missing_disk);
    tcase_add_test(tc, unknown_device);
    tcase_add_test(tc, firmware_search_order);
    tcase_add_test(tc, board_layout);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
