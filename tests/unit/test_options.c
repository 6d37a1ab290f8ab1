/*
 * test_options.c - command line parsing: good command lines give the
 * expected MachineConfig, bad ones the exact one-line message.
 *
 * Files named on the command line must exist, so the tests create one
 * temporary image and use a path that surely does not exist.
 */
#include <check.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>
#include "system/options.h"

#define MISSING "/nonexistent/kestrel-test.img"

static char img[] = "/tmp/kestrel-test-XXXXXX";
static Options opts;
static char err[256];

static void setup(void)
{
    int fd = mkstemp(img);
    ck_assert_int_ge(fd, 0);
    close(fd);
}

static void teardown(void)
{
    unlink(img);
    memcpy(img + strlen(img) - 6, "XXXXXX", 6);
}

/* Parse a NULL-terminated list of arguments (after the program name). */
static bool parse(const char *first, ...)
{
    char *argv[64];
    int argc = 0;
    va_list ap;
    argv[argc++] = "kestrel";
    va_start(ap, first);
    for (const char *a = first; a; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    va_end(ap);
    options_init(&opts);
    err[0] = '\0';
    return options_parse(&opts, argc, argv, err, sizeof(err));
}

#define PARSE_OK(...) ck_assert_msg(parse(__VA_ARGS__, NULL), "unexpected error: %s", err)
#define PARSE_ERR(msg, ...) do { \
        ck_assert(!parse(__VA_ARGS__, NULL)); ck_assert_str_eq(err, msg); } while (0)

START_TEST(test_defaults)
{
    ck_assert(parse(NULL));
    ck_assert_uint_eq(opts.cfg.ram_size, 128 * MiB);
    ck_assert_int_eq(opts.cfg.smp, 1);
    ck_assert_int_eq(opts.cfg.icount_shift, -1);
    ck_assert_int_eq(opts.cfg.n_firmware_dirs, 2);
    ck_assert_str_eq(opts.cfg.firmware_dirs[0], "/usr/share/seabios");
    ck_assert_int_eq(opts.cfg.n_serial, 1);
    ck_assert_str_eq(opts.cfg.serial[0], "stdio");
    ck_assert_str_eq(opts.cfg.display, "none");
    ck_assert_ptr_null(opts.cfg.monitor);
    ck_assert(!opts.cfg.nographic);
}
END_TEST

START_TEST(test_nographic)
{
    PARSE_OK("-nographic");
    ck_assert_str_eq(opts.cfg.display, "none");
    ck_assert_str_eq(opts.cfg.serial[0], "mon:stdio");
    ck_assert_ptr_null(opts.cfg.monitor);
    PARSE_OK("-nographic", "-serial", "file:/tmp/x", "-serial", "none");
    ck_assert_int_eq(opts.cfg.n_serial, 2);
    ck_assert_str_eq(opts.cfg.serial[0], "file:/tmp/x");
    ck_assert_ptr_null(opts.cfg.serial[1]);
    ck_assert_str_eq(opts.cfg.monitor, "stdio");
    PARSE_OK("-nographic", "-monitor", "none");
    ck_assert_str_eq(opts.cfg.serial[0], "stdio");
    ck_assert_ptr_null(opts.cfg.monitor);
    PARSE_OK("-nographic", "-monitor", "tcp::4444,server,nowait");
    ck_assert_str_eq(opts.cfg.serial[0], "stdio");
    PARSE_ERR("stdio is used by more than one of -serial and -monitor", "-nographic",
              "-monitor", "stdio");
    PARSE_OK("-display", "none");
    ck_assert_str_eq(opts.cfg.serial[0], "stdio");
    PARSE_ERR("stdio is used by more than one of -serial and -monitor",
              "-serial", "stdio", "-monitor", "stdio");
    PARSE_ERR("-display gtk: unsupported display (none or sdl)", "-display", "gtk");
    PARSE_ERR("-display sdl: the SDL display is not supported yet", "-display", "sdl");
}
END_TEST

START_TEST(test_ram)
{
    PARSE_OK("-m", "256");
    ck_assert_uint_eq(opts.cfg.ram_size, 256 * MiB);
    PARSE_OK("-m", "2G");
    ck_assert_uint_eq(opts.cfg.ram_size, 2 * GiB);
    PARSE_OK("-m", "size=512M");
    ck_assert_uint_eq(opts.cfg.ram_size, 512 * MiB);
    PARSE_OK("--m", "65536k");
    ck_assert_uint_eq(opts.cfg.ram_size, 64 * MiB);
    PARSE_OK("-m", "1.5G");
    ck_assert_uint_eq(opts.cfg.ram_size, 1536 * MiB);
    PARSE_ERR("-m 12x: invalid size (a number with an optional K, M, G or T suffix)", "-m", "12x");
    PARSE_ERR("-m -5: invalid size (a number with an optional K, M, G or T suffix)", "-m", "-5");
    PARSE_ERR("-m 0: RAM size must be between 1M and 1T", "-m", "0");
    PARSE_ERR("-m: requires an argument", "-m");
}
END_TEST

START_TEST(test_unknown)
{
    PARSE_ERR("-foo: invalid option", "-foo");
    PARSE_ERR("disk.img: unexpected argument (image files go with -hda, -cdrom...)", "disk.img");
}
END_TEST

START_TEST(test_cpu_smp)
{
    PARSE_OK("-smp", "4", "-cpu", "pentium3");
    ck_assert_int_eq(opts.cfg.smp, 4);
    ck_assert_str_eq(opts.cfg.cpu_model, "pentium3");
    PARSE_OK("-smp", "cpus=2,cores=2");
    ck_assert_int_eq(opts.cfg.smp, 2);
    PARSE_ERR("-smp 17: 'cpus' must be a number from 1 to 16", "-smp", "17");
    PARSE_ERR("-smp cpus=2,dies=1: unknown parameter 'dies'", "-smp", "cpus=2,dies=1");
    PARSE_OK("-cpu", "help");
    ck_assert(opts.cpu_help);
}
END_TEST

START_TEST(test_kernel)
{
    PARSE_OK("-kernel", img, "-append", "console=ttyS0 a=b", "-initrd", img);
    ck_assert_str_eq(opts.cfg.kernel, img);
    ck_assert_str_eq(opts.cfg.append, "console=ttyS0 a=b");
    char mods[128];
    snprintf(mods, sizeof(mods), "%s arg1 arg2,%s", img, img);
    PARSE_OK("-kernel", img, "-initrd", mods);
    ck_assert_str_eq(opts.cfg.initrd, mods);
    PARSE_ERR("-kernel " MISSING ": No such file or directory", "-kernel", MISSING);
    snprintf(mods, sizeof(mods), "%s x," MISSING " y", img);
    PARSE_ERR("-initrd " MISSING ": No such file or directory", "-kernel", img, "-initrd", mods);
    PARSE_ERR("-append is only allowed with -kernel", "-append", "x");
    PARSE_ERR("-initrd is only allowed with -kernel", "-initrd", img);
}
END_TEST

START_TEST(test_drives)
{
    PARSE_OK("-hda", img, "-cdrom", img, "-fdb", img, "-hdb", img);
    ck_assert_int_eq(opts.cfg.n_drives, 4);
    ck_assert_int_eq(opts.cfg.drives[0].interface, DRIVE_IF_IDE);
    ck_assert_int_eq(opts.cfg.drives[0].index, 0);
    ck_assert_int_eq(opts.cfg.drives[1].media, DRIVE_MEDIA_CDROM);
    ck_assert_int_eq(opts.cfg.drives[1].index, 2);
    ck_assert(opts.cfg.drives[1].read_only);
    ck_assert_int_eq(opts.cfg.drives[2].interface, DRIVE_IF_FLOPPY);
    ck_assert_int_eq(opts.cfg.drives[2].index, 1);
    ck_assert_int_eq(opts.cfg.drives[3].index, 1);
    PARSE_ERR("-hda " MISSING ": No such file or directory", "-hda", MISSING);
    PARSE_ERR("-hdc /tmp: drive index 2 is already in use", "-cdrom", img, "-hdc", "/tmp");
}
END_TEST

START_TEST(test_drive_option)
{
    char spec[160];
    snprintf(spec, sizeof(spec), "file=%s,format=qcow2,if=virtio,index=3,readonly=on", img);
    PARSE_OK("-drive", spec);
    DriveConfig *d = &opts.cfg.drives[0];
    ck_assert_str_eq(d->file, img);
    ck_assert_str_eq(d->format, "qcow2");
    ck_assert_int_eq(d->interface, DRIVE_IF_VIRTIO);
    ck_assert_int_eq(d->index, 3);
    ck_assert(d->read_only);
    snprintf(spec, sizeof(spec), "file=%s,media=cdrom", img);
    PARSE_OK("-drive", spec);
    ck_assert_int_eq(opts.cfg.drives[0].index, -1);
    ck_assert_int_eq(opts.cfg.drives[0].media, DRIVE_MEDIA_CDROM);
    ck_assert(opts.cfg.drives[0].read_only);
    PARSE_ERR("-drive format=raw: missing file=", "-drive", "format=raw");
    PARSE_ERR("-drive file=x,if=scsi: unsupported interface if=scsi (ide, floppy, virtio)",
              "-drive", "file=x,if=scsi");
    PARSE_ERR("-drive file=x,cache=none: unknown parameter 'cache'", "-drive", "file=x,cache=none");
    PARSE_ERR("-drive " MISSING ": No such file or directory", "-drive", "file=" MISSING);
}
END_TEST

START_TEST(test_drive_comma_escape)
{
    char path[] = "/tmp/kestrel,test-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    char spec[128] = "file=/tmp/kestrel,,test-";
    strcat(spec, path + strlen("/tmp/kestrel,test-"));
    strcat(spec, ",if=floppy");
    bool ok = parse("-drive", spec, NULL);
    unlink(path);
    ck_assert_msg(ok, "%s", err);
    ck_assert_str_eq(opts.cfg.drives[0].file, path);
    ck_assert_int_eq(opts.cfg.drives[0].interface, DRIVE_IF_FLOPPY);
}
END_TEST

START_TEST(test_boot)
{
    PARSE_OK("-boot", "d");
    ck_assert_str_eq(opts.cfg.boot_order, "d");
    PARSE_OK("-boot", "order=cd,menu=on");
    ck_assert_str_eq(opts.cfg.boot_order, "cd");
    ck_assert(opts.cfg.boot_menu);
    PARSE_ERR("-boot order=cz: invalid boot device in 'cz' (a, c, d, n)", "-boot", "order=cz");
    PARSE_ERR("-boot menu=maybe: menu expects on or off", "-boot", "menu=maybe");
}
END_TEST

START_TEST(test_net_gdb)
{
    PARSE_ERR("-netdev user,id=n0: networking is not supported yet", "-netdev", "user,id=n0");
    PARSE_ERR("-nic user: networking is not supported yet", "-nic", "user");
    PARSE_OK("-nic", "none");
    PARSE_ERR("-gdb tcp::1234: the gdb server is not supported yet", "-s");
    PARSE_ERR("-gdb tcp::4321: the gdb server is not supported yet", "-gdb", "tcp::4321");
}
END_TEST

START_TEST(test_misc)
{
    PARSE_OK("-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-device", "help",
             "-no-reboot", "-no-shutdown", "-S", "-d", "int,unimp", "-D", "/tmp/log",
             "-accel", "tcg,backend=interp", "-icount", "shift=3", "-L", "/a", "-L", "/b",
             "-bios", "bios.bin", "-monitor", "none");
    ck_assert_int_eq(opts.cfg.n_device_args, 1);
    ck_assert_str_eq(opts.cfg.device_args[0], "isa-debug-exit,iobase=0xf4,iosize=0x04");
    ck_assert(opts.device_help);
    ck_assert(opts.cfg.no_reboot && opts.cfg.no_shutdown && opts.cfg.start_paused);
    ck_assert_str_eq(opts.log_items, "int,unimp");
    ck_assert_str_eq(opts.log_file, "/tmp/log");
    ck_assert_str_eq(opts.cfg.accel_backend, "interp");
    ck_assert_int_eq(opts.cfg.icount_shift, 3);
    ck_assert_int_eq(opts.cfg.n_firmware_dirs, 4);
    ck_assert_str_eq(opts.cfg.firmware_dirs[0], "/a");
    ck_assert_str_eq(opts.cfg.firmware_dirs[1], "/b");
    ck_assert_str_eq(opts.cfg.firmware_dirs[2], "/usr/share/seabios");
    ck_assert_str_eq(opts.cfg.bios, "bios.bin");
    ck_assert_ptr_null(opts.cfg.monitor);
    PARSE_OK("-accel", "tcg");
    ck_assert_ptr_null(opts.cfg.accel_backend);
    PARSE_OK("-icount", "5");
    ck_assert_int_eq(opts.cfg.icount_shift, 5);
    PARSE_ERR("-accel kvm: unsupported accelerator 'kvm' (only tcg)", "-accel", "kvm");
    PARSE_ERR("-accel tcg,backend=llvm: backend must be interp or jit", "-accel", "tcg,backend=llvm");
    PARSE_ERR("-icount shift=auto: shift must be a number from 0 to 20", "-icount", "shift=auto");
    PARSE_ERR("-bios " MISSING ": No such file or directory", "-bios", MISSING);
    PARSE_OK("-d", "help");
    ck_assert(opts.log_help);
    PARSE_OK("-version", "-foo");
    ck_assert(opts.version);
    PARSE_OK("-h");
    ck_assert(opts.help);
}
END_TEST

START_TEST(test_sizes)
{
    uint64_t b;
    ck_assert(options_parse_size("1T", &b));
    ck_assert_uint_eq(b, 1ULL << 40);
    ck_assert(options_parse_size("4096B", &b));
    ck_assert_uint_eq(b, 4096);
    ck_assert(!options_parse_size("", &b));
    ck_assert(!options_parse_size("M", &b));
    ck_assert(!options_parse_size("12MB", &b));
    ck_assert(!options_parse_size("99999999999T", &b));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("options");
    TCase *tc = tcase_create("parse");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_nographic);
    tcase_add_test(tc, test_ram);
    tcase_add_test(tc, test_unknown);
    tcase_add_test(tc, test_cpu_smp);
    tcase_add_test(tc, test_kernel);
    tcase_add_test(tc, test_drives);
    tcase_add_test(tc, test_drive_option);
    tcase_add_test(tc, test_drive_comma_escape);
    tcase_add_test(tc, test_boot);
    tcase_add_test(tc, test_net_gdb);
    tcase_add_test(tc, test_misc);
    tcase_add_test(tc, test_sizes);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
