/*
 * test_runloop.c - the event loop and the vCPU thread with a scripted fake
 * CPU: exits through the machine's request (isa-debug-exit), a halted CPU
 * woken by a timer, reset and -no-reboot, -S then cont, quit requests,
 * -no-shutdown, the -icount warp over an idle CPU, and -icount timers that
 * fire exactly at their deadline (grants cut at deadlines, also at one
 * armed while the CPU runs).
 *
 * Fakes (the CPU and the board are other engineers' parts): cpu_exec runs
 * the test's script, cpu_has_work reports `work`, machine_reset counts.
 */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include "kestrel/cpu.h"
#include "kestrel/timer.h"
#include "system/sysemu.h"

static MachineConfig cfg;
static Machine machine;
static CPUX86State cpu;
static int exec_calls, resets;
static volatile bool work;
static int (*script)(int call);

int cpu_exec(CPUX86State *env)
{
    env->exit_request = 0;
    int r = script(++exec_calls);
    if (r == EXCP_HLT) {
        env->halted = true;
        work = false;
    }
    return r;
}

bool cpu_has_work(CPUX86State *env)
{
    return work;
}

void cpu_exit(CPUX86State *env)
{
    env->exit_request = 1;
}

/* -icount grants, as cpu/icount.c keeps them; the scripts retire
 * instructions by lowering icount_budget. */
void cpu_icount_grant(CPUX86State *env, int64_t insns)
{
    env->icount_budget = env->icount_granted = insns;
}

int64_t cpu_icount_pending(const CPUX86State *env)
{
    return env->icount_granted - env->icount_budget;
}

void cpu_icount_limit(CPUX86State *env, int64_t insns)
{
    int64_t cut = env->icount_budget - (insns > 0 ? insns : 0);
    if (cut > 0) {
        env->icount_budget -= cut;
        env->icount_granted -= cut;
    }
}

void cpu_icount_commit(CPUX86State *env)
{
    clock_icount_advance((uint64_t)cpu_icount_pending(env));
    env->icount_granted = env->icount_budget;
}

void machine_reset(Machine *m)
{
    resets++;
}

void cpu_x86_set_flat32(CPUX86State *env, uint32_t eip)
{
}

static void setup(void)
{
    memset(&cfg, 0, sizeof(cfg));
    memset(&machine, 0, sizeof(machine));
    memset(&cpu, 0, sizeof(cpu));
    cfg.icount_shift = -1;
    machine.cfg = &cfg;
    machine.ncpus = 1;
    machine.cpus[0] = &cpu;
    exec_calls = resets = 0;
    work = false;
}

static void request_exit(int status)
{
    machine.exit_status = status;
    machine.exit_request = MACHINE_EXIT_DEBUG;
}

static int exit_7_at_once(int call)
{
    request_exit(7);
    return EXCP_HLT;
}

START_TEST(test_debug_exit)
{
    script = exit_7_at_once;
    ck_assert_int_eq(runloop_run(&machine), 7);
    ck_assert_int_eq(exec_calls, 1);
}
END_TEST

static void give_work(void *opaque)
{
    ck_assert(machine_lock_held());
    work = true;
}

static int exit_3(int call)
{
    request_exit(3);
    return EXCP_HLT;
}

START_TEST(test_timer_wakes_halted_cpu)
{
    cpu.halted = true;
    script = exit_3;
    Timer *t = timer_new(give_work, NULL);
    int64_t start = host_clock_ns();
    machine_lock();
    timer_mod(t, clock_ns() + 20 * 1000000);
    machine_unlock();
    ck_assert_int_eq(runloop_run(&machine), 3);
    ck_assert_int_eq(exec_calls, 1);
    ck_assert_int_ge(host_clock_ns() - start, 20 * 1000000);
    timer_free(t);
}
END_TEST

static int reset_then_exit(int call)
{
    if (call == 1)
        return EXCP_RESET;
    request_exit(5);
    return EXCP_HLT;
}

START_TEST(test_reset)
{
    script = reset_then_exit;
    ck_assert_int_eq(runloop_run(&machine), 5);
    ck_assert_int_eq(resets, 1);
    ck_assert_int_eq(exec_calls, 2);
}
END_TEST

START_TEST(test_no_reboot)
{
    cfg.no_reboot = true;
    script = reset_then_exit;
    ck_assert_int_eq(runloop_run(&machine), 0);
    ck_assert_int_eq(resets, 0);
    ck_assert_int_eq(exec_calls, 1);
}
END_TEST

static int calls_at_cont = -1;
static void cont(void *opaque)
{
    calls_at_cont = exec_calls;
    vm_start();
}

static int exit_9(int call)
{
    request_exit(9);
    return EXCP_HLT;
}

static void *cont_later(void *opaque)
{
    usleep(20000);
    machine_lock();
    cont(NULL);
    machine_unlock();
    return NULL;
}

START_TEST(test_cont)
{
    cfg.start_paused = true;
    script = exit_9;
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, cont_later, NULL), 0);
    ck_assert_int_eq(runloop_run(&machine), 9);
    pthread_join(th, NULL);
    ck_assert_int_eq(calls_at_cont, 0);
}
END_TEST

static void quit_4(void *opaque)
{
    runloop_request_quit(4);
}

static int never(int call)
{
    ck_abort_msg("a halted CPU without work ran");
    return EXCP_HLT;
}

START_TEST(test_quit)
{
    cpu.halted = true;
    script = never;
    Timer *t = timer_new(quit_4, NULL);
    machine_lock();
    timer_mod(t, clock_ns() + 5 * 1000000);
    machine_unlock();
    ck_assert_int_eq(runloop_run(&machine), 4);
    timer_free(t);
}
END_TEST

static int shutdown_once(int call)
{
    ck_assert_int_eq(call, 1);
    return EXCP_SHUTDOWN;
}

static void *quit_later(void *opaque)
{
    usleep(50000);
    runloop_request_quit(0);
    return NULL;
}

START_TEST(test_no_shutdown)
{
    cfg.no_shutdown = true;
    script = shutdown_once;
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, quit_later, NULL), 0);
    ck_assert_int_eq(runloop_run(&machine), 0);
    pthread_join(th, NULL);
    ck_assert(!vm_is_running());
    ck_assert_int_eq(exec_calls, 1);
}
END_TEST

static int exit_2(int call)
{
    request_exit(2);
    return EXCP_HLT;
}

START_TEST(test_icount_warp)
{
    cfg.icount_shift = 0;
    clock_set_icount(0);
    cpu.halted = true;
    script = exit_2;
    Timer *t = timer_new(give_work, NULL);
    machine_lock();
    timer_mod(t, clock_ns() + 10 * NS_PER_SEC);     /* ten virtual seconds */
    machine_unlock();
    /* Under -icount virtual time moves only with instructions or the idle
     * warp, so reaching the ten-second deadline with a halted CPU proves the
     * warp (without it the run would never return). */
    ck_assert_int_eq(runloop_run(&machine), 2);
    ck_assert_int_ge(clock_ns(), 10 * NS_PER_SEC);
    timer_free(t);
}
END_TEST

/* -icount: timers fire on the vCPU thread exactly at their deadline, also
 * one armed by "device code" while the CPU runs (shrinking its grant). */
static Timer *tick, *early;
static int64_t tick_seen[4], early_seen = -1;
static int ticks_seen;

static void on_tick(void *opaque)
{
    ck_assert(machine_lock_held());
    tick_seen[ticks_seen++] = clock_ns();
    if (ticks_seen < 4)
        timer_mod(tick, clock_ns() + 777);
}

static void on_early(void *opaque)
{
    early_seen = clock_ns();
}

static int icount_script(int call)
{
    if (call == 1) {
        cpu.icount_budget -= 100;             /* 100 instructions, then an OUT arms a timer */
        machine_lock();
        timer_mod(early, clock_ns() + 50);
        machine_unlock();
    }
    if (ticks_seen == 4)
        request_exit(6);
    cpu.icount_budget = 0;                    /* runs the whole grant */
    return EXCP_INTERRUPT;
}

START_TEST(test_icount_timers_exact)
{
    cfg.icount_shift = 0;
    clock_set_icount(0);
    script = icount_script;
    tick = timer_new(on_tick, NULL);
    early = timer_new(on_early, NULL);
    machine_lock();
    timer_mod(tick, 1000);
    machine_unlock();
    ck_assert_int_eq(runloop_run(&machine), 6);
    ck_assert_int_eq(early_seen, 150);
    ck_assert_int_eq(ticks_seen, 4);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(tick_seen[i], 1000 + 777 * i);
    timer_free(tick);
    timer_free(early);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("runloop");
    TCase *tc = tcase_create("run");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_debug_exit);
    tcase_add_test(tc, test_timer_wakes_halted_cpu);
    tcase_add_test(tc, test_reset);
    tcase_add_test(tc, test_no_reboot);
    tcase_add_test(tc, test_cont);
    tcase_add_test(tc, test_quit);
    tcase_add_test(tc, test_no_shutdown);
    tcase_add_test(tc, test_icount_warp);
    tcase_add_test(tc, test_icount_timers_exact);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
