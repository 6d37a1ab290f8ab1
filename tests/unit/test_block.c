/*
 * test_block.c - the block layer with the raw format: open errors naming
 * the file, probing, reads and writes by byte range, range checks,
 * read-only devices.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "kestrel/block.h"

static char path[64];

static void setup(void)
{
    strcpy(path, "/tmp/kestrel-block-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    uint8_t buf[1000];
    for (int i = 0; i < 1000; i++)
        buf[i] = (uint8_t)i;
    ck_assert_int_eq(write(fd, buf, sizeof(buf)), 1000);
    close(fd);
}

static void teardown(void)
{
    unlink(path);
}

START_TEST(open_errors)
{
    char err[256];
    ck_assert_ptr_null(block_open("/nonexistent/nosuch.img", NULL, false, err, sizeof(err)));
    ck_assert_str_eq(err, "/nonexistent/nosuch.img: No such file or directory");
    ck_assert_ptr_null(block_open(path, "vmdk", false, err, sizeof(err)));
    ck_assert_msg(strstr(err, "unknown image format 'vmdk'") != NULL, "%s", err);
}
END_TEST

START_TEST(read_write_raw)
{
    char err[256];
    uint8_t buf[16];
    BlockDev *bs = block_open(path, NULL, false, err, sizeof(err));
    ck_assert_msg(bs != NULL, "%s", err);
    ck_assert_str_eq(bs->drv->format, "raw");
    ck_assert_uint_eq(bs->size, 1000);
    ck_assert_int_eq(block_read(bs, 100, buf, 4), 0);
    ck_assert_uint_eq(buf[0], 100);
    ck_assert_uint_eq(buf[3], 103);
    ck_assert_int_eq(block_write(bs, 998, "\xaa\xbb", 2), 0);
    ck_assert_int_eq(block_read(bs, 996, buf, 4), 0);
    ck_assert_uint_eq(buf[2], 0xaa);
    ck_assert_uint_eq(buf[3], 0xbb);
    ck_assert_int_eq(block_read(bs, 998, buf, 4), -EINVAL);     /* past the end */
    ck_assert_int_eq(block_write(bs, UINT64_MAX, buf, 2), -EINVAL);
    ck_assert_int_eq(block_flush(bs), 0);
    block_close(bs);

    bs = block_open(path, "raw", true, err, sizeof(err));
    ck_assert_ptr_nonnull(bs);
    ck_assert_int_eq(block_write(bs, 0, buf, 1), -EROFS);
    ck_assert_int_eq(block_read(bs, 999, buf, 1), 0);
    ck_assert_uint_eq(buf[0], 0xbb);
    block_close(bs);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("block");
    TCase *tc = tcase_create("block");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, open_errors);
    tcase_add_test(tc, read_write_raw);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
