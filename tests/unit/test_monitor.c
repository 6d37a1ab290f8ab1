/*
 * test_monitor.c - the monitor's commands over a Unix socket back end:
 * help, info status, info registers, stop/cont, system_reset, quit, line
 * editing, unknown commands.
 *
 * Fakes: the run state (vm_*, runloop_request_quit), the board's
 * machine_request_reset and the CPU's cpu_dump_state.
 */
#include <check.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "kestrel/cpu.h"
#include "system/sysemu.h"

static bool running = true;
static int resets, quits;
static Machine machine;
static CPUX86State cpu;

void vm_start(void) { running = true; }
void vm_stop(void) { running = false; }
bool vm_is_running(void) { return running; }
void runloop_request_quit(int status) { quits++; }
void machine_request_reset(Machine *m) { resets++; }
void cpu_dump_state(CPUX86State *env, FILE *f) { fprintf(f, "EAX=%08x\n", (unsigned)env->regs[R_EAX]); }

static int client;

/* Sends a line and runs the event loop until the monitor's answer arrived. */
static void send_line(const char *line, char *out, size_t outlen)
{
    struct pollfd fds[CHARDEV_MAX_POLLFDS];
    CharDev *owners[CHARDEV_MAX_POLLFDS];
    ck_assert_int_eq(write(client, line, strlen(line)), (ssize_t)strlen(line));
    for (int round = 0; round < 3; round++) {
        int n = chardev_fill_pollfds(fds, owners, CHARDEV_MAX_POLLFDS);
        if (poll(fds, (nfds_t)n, 100) > 0)
            for (int i = 0; i < n; i++)
                chardev_handle_pollfd(owners[i], &fds[i]);
    }
    usleep(10000);
    ssize_t got = recv(client, out, outlen - 1, MSG_DONTWAIT);
    out[got > 0 ? got : 0] = '\0';
}

START_TEST(test_commands)
{
    char err[256], path[64], spec[96], out[4096];
    snprintf(path, sizeof(path), "/tmp/kestrel-mon-%d", (int)getpid());
    snprintf(spec, sizeof(spec), "unix:%s,server,nowait", path);
    CharDev *c = chardev_new(spec, err, sizeof(err));
    ck_assert_msg(c != NULL, "%s", err);
    machine.ncpus = 1;
    machine.cpus[0] = &cpu;
    cpu.regs[R_EAX] = 0x2badb002;
    Monitor *mon = monitor_new(c, &machine, false);
    ck_assert_ptr_nonnull(mon);

    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    strcpy(sa.sun_path, path);
    client = socket(AF_UNIX, SOCK_STREAM, 0);
    ck_assert_int_eq(connect(client, (struct sockaddr *)&sa, sizeof(sa)), 0);
    send_line("", out, sizeof(out));                   /* accept */

    send_line("help\r", out, sizeof(out));
    ck_assert_ptr_nonnull(strstr(out, "system_reset"));
    ck_assert_ptr_nonnull(strstr(out, "(kestrel) "));
    send_line("info status\r", out, sizeof(out));
    ck_assert_ptr_nonnull(strstr(out, "VM status: running"));
    send_line("stop\r", out, sizeof(out));
    ck_assert(!running);
    send_line("info status\n", out, sizeof(out));
    ck_assert_ptr_nonnull(strstr(out, "VM status: paused"));
    send_line("  c  \r", out, sizeof(out));
    ck_assert(running);
    send_line("info registers\r", out, sizeof(out));
    ck_assert_ptr_nonnull(strstr(out, "EAX=2badb002"));
    send_line("system_reset\r", out, sizeof(out));
    ck_assert_int_eq(resets, 1);
    send_line("frob\r", out, sizeof(out));
    ck_assert_ptr_nonnull(strstr(out, "unknown command: 'frob' (try 'help')"));
    send_line("info\r", out, sizeof(out));
    ck_assert_ptr_nonnull(strstr(out, "info: expected 'registers' or 'status'"));
    send_line("quiX\x7ft\r", out, sizeof(out));
    ck_assert_int_eq(quits, 1);
    close(client);
    chardev_free(c);
    monitor_free(mon);
    unlink(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("monitor");
    TCase *tc = tcase_create("commands");
    tcase_add_test(tc, test_commands);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
