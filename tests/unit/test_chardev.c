/*
 * test_chardev.c - character back ends without a machine: spec errors,
 * file output, a Unix socket server (accept, input to a front end with
 * limited room, output, hang-up and reconnect) and the "mon:" escapes
 * (Ctrl-A C to the monitor and back, Ctrl-A Ctrl-A, Ctrl-A X).
 *
 * The test plays the event loop: it polls what chardev_fill_pollfds asks
 * for and hands ready descriptors to chardev_handle_pollfd.
 */
#include <check.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "system/sysemu.h"

typedef struct FakeFrontend {
    uint8_t buf[256];
    int len;
    int room;
    int focus_calls;
} FakeFrontend;

static int fake_can_receive(void *opaque)
{
    FakeFrontend *f = opaque;
    return f->room - f->len;
}

static void fake_receive(void *opaque, const uint8_t *buf, int len)
{
    FakeFrontend *f = opaque;
    ck_assert_int_le(f->len + len, f->room);
    memcpy(f->buf + f->len, buf, (size_t)len);
    f->len += len;
}

static void fake_focus(void *opaque)
{
    ((FakeFrontend *)opaque)->focus_calls++;
}

static int quit_calls;
static void fake_quit(void)
{
    quit_calls++;
}

/* One round of the event loop with a short timeout. */
static void pump(void)
{
    struct pollfd fds[CHARDEV_MAX_POLLFDS];
    CharDev *owners[CHARDEV_MAX_POLLFDS];
    int n = chardev_fill_pollfds(fds, owners, CHARDEV_MAX_POLLFDS);
    if (poll(fds, (nfds_t)n, 200) <= 0)
        return;
    for (int i = 0; i < n; i++)
        chardev_handle_pollfd(owners[i], &fds[i]);
}

static int connect_unix(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

static void sock_path(char *buf, size_t len, const char *tag)
{
    snprintf(buf, len, "/tmp/kestrel-chr-%s-%d", tag, (int)getpid());
}

START_TEST(test_bad_specs)
{
    char err[256];
    ck_assert_ptr_null(chardev_new("vc:80Cx24C", err, sizeof(err)));
    ck_assert_str_eq(err, "vc:80Cx24C: unsupported character device (stdio, mon:stdio, null, "
                     "file:PATH, tcp:[HOST]:PORT,server,nowait, unix:PATH,server,nowait)");
    ck_assert_ptr_null(chardev_new("tcp:localhost:4444", err, sizeof(err)));
    ck_assert_str_eq(err, "tcp:localhost:4444: only server sockets are supported "
                     "(add ,server,nowait)");
    ck_assert_ptr_null(chardev_new("tcp:4444,server,nowait", err, sizeof(err)));
    ck_assert_str_eq(err, "tcp:4444,server,nowait: expected tcp:[HOST]:PORT");
    ck_assert_ptr_null(chardev_new("unix:/x,server,nowait,telnet", err, sizeof(err)));
    ck_assert_str_eq(err, "unix:/x,server,nowait,telnet: unknown option 'telnet'");
    ck_assert_ptr_null(chardev_new("file:/nonexistent/dir/log", err, sizeof(err)));
    ck_assert_str_eq(err, "file:/nonexistent/dir/log: No such file or directory");
}
END_TEST

START_TEST(test_null_and_file)
{
    char err[256], path[64], text[16] = { 0 };
    CharDev *n = chardev_new("null", err, sizeof(err));
    ck_assert_ptr_nonnull(n);
    chardev_write(n, (const uint8_t *)"dropped", 7);
    chardev_free(n);

    snprintf(path, sizeof(path), "/tmp/kestrel-chr-file-%d", (int)getpid());
    char spec[80];
    snprintf(spec, sizeof(spec), "file:%s", path);
    CharDev *f = chardev_new(spec, err, sizeof(err));
    ck_assert_ptr_nonnull(f);
    chardev_write(f, (const uint8_t *)"hello ", 6);
    chardev_printf(f, "%s %d", "world", 42);
    chardev_free(f);
    FILE *in = fopen(path, "r");
    ck_assert_ptr_nonnull(in);
    ck_assert_ptr_nonnull(fgets(text, sizeof(text), in));
    fclose(in);
    unlink(path);
    ck_assert_str_eq(text, "hello world 42");
}
END_TEST

START_TEST(test_unix_socket)
{
    char err[256], path[64], spec[96], out[16] = { 0 };
    sock_path(path, sizeof(path), "sock");
    snprintf(spec, sizeof(spec), "unix:%s,server,nowait", path);
    CharDev *c = chardev_new(spec, err, sizeof(err));
    ck_assert_msg(c != NULL, "%s", err);
    FakeFrontend fe = { .room = 4 };
    CharFrontend cfe = { fake_can_receive, fake_receive, &fe };
    chardev_set_frontend(c, &cfe);
    chardev_write(c, (const uint8_t *)"lost", 4);      /* no client yet: dropped */

    int fd = connect_unix(path);
    pump();                                             /* accept */
    ck_assert_int_eq(write(fd, "abcdef", 6), 6);
    pump();
    ck_assert_int_eq(fe.len, 4);                        /* room for 4 only */
    ck_assert(!memcmp(fe.buf, "abcd", 4));
    fe.room = 16;
    chardev_accept_input(c);                            /* the rest is delivered */
    ck_assert_int_eq(fe.len, 6);
    ck_assert(!memcmp(fe.buf, "abcdef", 6));

    chardev_write(c, (const uint8_t *)"out", 3);
    ck_assert_int_eq(read(fd, out, sizeof(out)), 3);
    ck_assert_str_eq(out, "out");
    close(fd);
    pump();                                             /* hang-up */
    fd = connect_unix(path);                            /* the next client */
    pump();
    ck_assert_int_eq(write(fd, "g", 1), 1);
    pump();
    ck_assert_int_eq(fe.len, 7);
    ck_assert_int_eq(fe.buf[6], 'g');
    close(fd);
    chardev_free(c);
    unlink(path);
}
END_TEST

START_TEST(test_mux_escapes)
{
    char err[256], path[64], spec[96];
    sock_path(path, sizeof(path), "mux");
    snprintf(spec, sizeof(spec), "mon:unix:%s,server,nowait", path);
    CharDev *c = chardev_new(spec, err, sizeof(err));
    ck_assert_msg(c != NULL, "%s", err);
    ck_assert(chardev_is_mux(c));
    FakeFrontend guest = { .room = 64 }, mon = { .room = 64 };
    CharFrontend gfe = { fake_can_receive, fake_receive, &guest };
    CharFrontend mfe = { fake_can_receive, fake_receive, &mon };
    chardev_set_frontend(c, &gfe);
    chardev_mux_set_monitor(c, &mfe, fake_focus);
    chardev_set_quit_handler(fake_quit);

    int fd = connect_unix(path);
    pump();
    ck_assert_int_eq(write(fd, "a\x01" "cinfo\x01" "cb\x01\x01", 12), 12);
    pump();
    ck_assert_int_eq(guest.len, 3);
    ck_assert(!memcmp(guest.buf, "ab\x01", 3));
    ck_assert_int_eq(mon.len, 4);
    ck_assert(!memcmp(mon.buf, "info", 4));
    ck_assert_int_eq(mon.focus_calls, 1);

    char help[256] = { 0 };
    ck_assert_int_eq(write(fd, "\x01h", 2), 2);
    pump();
    ck_assert_int_gt(read(fd, help, sizeof(help) - 1), 0);
    ck_assert_ptr_nonnull(strstr(help, "C-a c    switch between console and monitor"));

    ck_assert_int_eq(write(fd, "\x01x", 2), 2);
    pump();
    ck_assert_int_eq(quit_calls, 1);
    close(fd);
    chardev_free(c);
    unlink(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("chardev");
    TCase *tc = tcase_create("backends");
    tcase_add_test(tc, test_bad_specs);
    tcase_add_test(tc, test_null_and_file);
    tcase_add_test(tc, test_unix_socket);
    tcase_add_test(tc, test_mux_escapes);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
