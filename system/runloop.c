/*
 * runloop.c - the event loop on the main thread and the vCPU thread
 * (DESIGN.md section 4); the machine lock itself is system/lock.c.
 *
 * Main thread: with the lock held it runs due timers and acts on exit
 * requests, then drops the lock around poll() over the character back ends
 * and a wakeup pipe, with the next timer deadline as timeout.
 * main_loop_wakeup() (timer_mod with an earlier deadline, device requests,
 * signals) writes to the pipe so the loop recomputes its timeout.
 *
 * vCPU thread: runs cpu_exec() for the CPUs round robin without the lock;
 * takes it only to act on cpu_exec's result and the machine's requests. A
 * CPU that is halted without work is skipped; when none can run, the thread
 * sleeps until a kick, which the main thread gives after every round of
 * timers and input (anything that can raise an interrupt happens there or
 * in the vCPU thread itself). With several CPUs a time-slice timer makes
 * the running CPU leave cpu_exec every RUNLOOP_SLICE_NS of virtual time, so
 * a CPU spinning on another one (SMP bring-up, spinlocks) lets it run.
 *
 * Deterministic mode (-icount): timers run on the vCPU thread instead,
 * between cpu_exec calls, exactly when the instruction count reaches their
 * deadline. Each cpu_exec gets a grant of instructions up to the earliest
 * deadline (cpu_icount_grant); a deadline that moves earlier while the CPU
 * runs shrinks the grant when device code on the vCPU thread moved it, or
 * kicks the CPU when the main thread did (input is not deterministic
 * anyway). With every CPU idle the clock warps to the next deadline.
 *
 * Invariants: guest state (CPU and devices) changes only with the lock
 * held or, for a CPU, inside cpu_exec on the vCPU thread; machine_reset runs
 * on the vCPU thread, between cpu_exec calls, so no CPU is executing. The
 * process exits only from the main thread after the vCPU thread has joined.
 */
#include "system/sysemu.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include "kestrel/cpu.h"
#include "kestrel/log.h"
#include "kestrel/timer.h"

#define RUNLOOP_SLICE_NS 1000000      /* 1 ms */

typedef struct RunState {
    Machine *m;
    bool running;             /* not paused (-S, monitor stop, -no-shutdown) */
    bool stopping;            /* the main loop is done: the vCPU thread leaves */
    volatile sig_atomic_t quit_requested;
    volatile sig_atomic_t quit_status;
    volatile sig_atomic_t quit_signal;
    int next_cpu;             /* round robin position */
    Timer *slice_timer;       /* only with several CPUs */
    pthread_t vcpu_thread;
} RunState;

/*
 * The vCPU thread sleeps on its own condition variable (the machine lock
 * lives in lock.c): a kick bumps kick_seq, and a waiter that read kick_seq
 * while it held the machine lock cannot miss a kick made after it let go.
 */
static pthread_mutex_t idle_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle_cond = PTHREAD_COND_INITIALIZER;
static uint64_t kick_seq;
static int wake_fds[2] = { -1, -1 };
static RunState rs;
static CPUX86State *icount_cpu;          /* -icount: the CPU inside cpu_exec */
static __thread bool on_vcpu_thread;

#define ICOUNT_MAX_GRANT (1LL << 20)     /* instructions per cpu_exec at most (round robin) */

static void vcpu_kick(void)
{
    pthread_mutex_lock(&idle_mutex);
    kick_seq++;
    pthread_cond_broadcast(&idle_cond);
    pthread_mutex_unlock(&idle_mutex);
}

/* vCPU thread, machine lock held: sleep until the next kick. */
static void vcpu_wait_kick(void)
{
    pthread_mutex_lock(&idle_mutex);
    uint64_t seen = kick_seq;
    pthread_mutex_unlock(&idle_mutex);
    machine_unlock();
    pthread_mutex_lock(&idle_mutex);
    while (kick_seq == seen)
        pthread_cond_wait(&idle_cond, &idle_mutex);
    pthread_mutex_unlock(&idle_mutex);
    machine_lock();
}

/* Async-signal-safe: one byte into a non-blocking pipe (a full pipe is already awake). */
void main_loop_wakeup(void)
{
    if (wake_fds[1] >= 0) {
        int saved = errno;
        ssize_t r = write(wake_fds[1], "", 1);
        (void)r;
        errno = saved;
    }
}

static void kick_cpus(void)
{
    for (int i = 0; i < rs.m->ncpus; i++)
        cpu_exit(rs.m->cpus[i]);
    vcpu_kick();
}

static void slice_expired(void *opaque)
{
    (void)opaque;
    kick_cpus();
    timer_mod(rs.slice_timer, clock_ns() + RUNLOOP_SLICE_NS);
}

void runloop_request_quit(int status)
{
    rs.quit_status = status;
    rs.quit_requested = 1;
    main_loop_wakeup();
}

static void on_signal(int sig)
{
    rs.quit_signal = sig;
    runloop_request_quit(0);
}

static void quit_from_escape(void)
{
    runloop_request_quit(0);
}

void vm_start(void)
{
    assert(machine_lock_held());
    if (rs.running)
        return;
    rs.running = true;
    clock_pause(false);
    vcpu_kick();
    main_loop_wakeup();
}

void vm_stop(void)
{
    assert(machine_lock_held());
    if (!rs.running)
        return;
    rs.running = false;
    clock_pause(true);
    kick_cpus();
}

bool vm_is_running(void)
{
    return rs.running;
}

/* vCPU thread, lock held, no CPU executing: reset, or exit with -no-reboot. */
static void handle_reset(Machine *m)
{
    char err[256];
    m->reset_request = false;
    if (m->cfg->no_reboot) {
        m->exit_status = 0;
        m->exit_request = MACHINE_EXIT_SHUTDOWN;
        main_loop_wakeup();
        return;
    }
    machine_reset(m);
    if (!system_boot_kernel(m, err, sizeof(err))) {
        error_report("%s", err);
        m->exit_status = 1;
        m->exit_request = MACHINE_EXIT_ERROR;
        main_loop_wakeup();
    }
}

/* What cpu_exec's result asks for (lock held). */
static void handle_cpu_result(Machine *m, int r)
{
    switch (r) {
    case EXCP_RESET:
        m->reset_request = true;
        break;
    case EXCP_SHUTDOWN:
        m->exit_status = 0;
        m->exit_request = MACHINE_EXIT_SHUTDOWN;
        main_loop_wakeup();
        break;
    case EXCP_DEBUG:
        vm_stop();          /* no gdb server yet: a breakpoint pauses the machine */
        break;
    default:                /* EXCP_HLT, EXCP_INTERRUPT: look at the requests */
        break;
    }
}

/* -icount: instructions from now until the virtual clock reaches deadline. */
static int64_t icount_insns_until(Machine *m, int64_t deadline)
{
    if (deadline < 0)
        return ICOUNT_MAX_GRANT;
    int64_t delta = deadline - clock_ns();
    if (delta <= 0)
        return 0;
    int shift = m->cfg->icount_shift;
    int64_t n = (delta + (1LL << shift) - 1) >> shift;
    return n < ICOUNT_MAX_GRANT ? n : ICOUNT_MAX_GRANT;
}

static int64_t icount_pending(void *opaque)
{
    (void)opaque;
    CPUX86State *env = icount_cpu;
    return env ? cpu_icount_pending(env) : 0;
}

static void icount_deadline_moved(void *opaque, int64_t deadline)
{
    CPUX86State *env = icount_cpu;
    if (!env)
        return;
    if (on_vcpu_thread)
        cpu_icount_limit(env, icount_insns_until(opaque, deadline));
    else
        cpu_exit(env);
}

/*
 * -icount with every CPU idle: virtual time stands still, so jump it to the
 * next timer deadline (the vCPU thread runs that timer after the main loop's
 * kick) instead of sleeping forever. Deterministic: depends only on the
 * guest's timers.
 */
static void icount_warp(Machine *m)
{
    int64_t deadline = timers_next_deadline();
    if (!clock_icount_enabled() || deadline < 0)
        return;
    clock_icount_advance((uint64_t)icount_insns_until(m, deadline));
    main_loop_wakeup();
}

/* -icount, lock held: cpu_exec on the vCPU thread with a grant up to the
 * next deadline, the retired instructions added to the clock after it. */
static int icount_cpu_exec(Machine *m, CPUX86State *env)
{
    cpu_icount_grant(env, icount_insns_until(m, timers_next_deadline()));
    icount_cpu = env;
    machine_unlock();
    int r = cpu_exec(env);
    machine_lock();
    cpu_icount_commit(env);
    icount_cpu = NULL;
    return r;
}

/* Next CPU that can run, round robin; NULL if all are halted without work. */
static CPUX86State *next_runnable_cpu(Machine *m)
{
    for (int i = 0; i < m->ncpus; i++) {
        int idx = (rs.next_cpu + i) % m->ncpus;
        CPUX86State *env = m->cpus[idx];
        if (!env->halted || cpu_has_work(env)) {
            rs.next_cpu = (idx + 1) % m->ncpus;
            return env;
        }
    }
    return NULL;
}

static void *vcpu_thread_fn(void *opaque)
{
    Machine *m = opaque;
    bool icount = clock_icount_enabled();
    on_vcpu_thread = true;
    machine_lock();
    while (!rs.stopping) {
        if (m->reset_request)
            handle_reset(m);
        if (icount && rs.running)
            timers_run_due();
        CPUX86State *env = NULL;
        if (rs.running && m->exit_request == MACHINE_RUNNING)
            env = next_runnable_cpu(m);
        if (!env) {
            if (rs.running)
                icount_warp(m);
            vcpu_wait_kick();
            continue;
        }
        int r;
        if (icount) {
            r = icount_cpu_exec(m, env);
        } else {
            machine_unlock();
            r = cpu_exec(env);
            machine_lock();
        }
        handle_cpu_result(m, r);
        if (m->exit_request != MACHINE_RUNNING || m->reset_request)
            main_loop_wakeup();
    }
    machine_unlock();
    return NULL;
}

/* Main thread, lock held: true when the loop must end. */
static bool check_exit(Machine *m)
{
    if (rs.quit_requested)
        return true;
    if (m->exit_request == MACHINE_EXIT_SHUTDOWN && m->cfg->no_shutdown) {
        /* -no-shutdown: stay alive, paused, for the monitor. */
        m->exit_request = MACHINE_RUNNING;
        vm_stop();
        return false;
    }
    if (m->exit_request != MACHINE_RUNNING)
        return true;
    if (m->reset_request)
        kick_cpus();        /* the vCPU thread resets between cpu_exec calls */
    return false;
}

/* Milliseconds until the next timer deadline, -1 for none. */
static int poll_timeout(int64_t deadline)
{
    if (deadline < 0 || !rs.running)
        return -1;
    int64_t ns = deadline - clock_ns();
    if (ns <= 0)
        return 0;
    int64_t ms = (ns + 999999) / 1000000;
    return ms > 60000 ? 60000 : (int)ms;
}

static void drain_wakeups(void)
{
    char buf[64];
    while (read(wake_fds[0], buf, sizeof(buf)) > 0)
        ;
}

static void main_loop(Machine *m)
{
    struct pollfd fds[CHARDEV_MAX_POLLFDS + 1];
    CharDev *owners[CHARDEV_MAX_POLLFDS];
    machine_lock();
    while (!check_exit(m)) {
        /* -icount: the vCPU thread runs the timers */
        int64_t deadline = rs.running && !clock_icount_enabled() ? timers_run_due() : -1;
        vcpu_kick();        /* timers or input may have given a halted CPU work */
        if (check_exit(m))
            break;
        int n = chardev_fill_pollfds(fds + 1, owners, CHARDEV_MAX_POLLFDS);
        fds[0] = (struct pollfd){ .fd = wake_fds[0], .events = POLLIN };
        int timeout = poll_timeout(deadline);
        machine_unlock();
        int ready = poll(fds, (nfds_t)n + 1, timeout);
        machine_lock();
        if (ready <= 0)
            continue;
        if (fds[0].revents)
            drain_wakeups();
        for (int i = 0; i < n; i++)
            chardev_handle_pollfd(owners[i], &fds[i + 1]);
    }
    rs.stopping = true;
    kick_cpus();
    machine_unlock();
}

static int exit_status(Machine *m)
{
    if (rs.quit_requested) {
        if (rs.quit_signal)
            error_report("terminating on signal %d", (int)rs.quit_signal);
        return rs.quit_status;
    }
    return m->exit_request == MACHINE_EXIT_ERROR && !m->exit_status ? 1 : m->exit_status;
}

static void install_signals(void)
{
    struct sigaction sa = { .sa_handler = on_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int runloop_run(Machine *m)
{
    memset(&rs, 0, sizeof(rs));
    rs.m = m;
    if (pipe2(wake_fds, O_CLOEXEC | O_NONBLOCK) != 0) {
        error_report("cannot create the event loop's wakeup pipe: %s", strerror(errno));
        return 1;
    }
    install_signals();
    static ClockIcountClient icount_client = {
        .pending = icount_pending, .deadline_moved = icount_deadline_moved,
    };
    icount_client.opaque = m;
    clock_icount_set_client(&icount_client);
    chardev_set_quit_handler(quit_from_escape);
    machine_lock();
    rs.running = !m->cfg->start_paused;
    clock_pause(!rs.running);
    if (m->ncpus > 1) {
        rs.slice_timer = timer_new(slice_expired, NULL);
        timer_mod(rs.slice_timer, clock_ns() + RUNLOOP_SLICE_NS);
    }
    machine_unlock();
    int rc = pthread_create(&rs.vcpu_thread, NULL, vcpu_thread_fn, m);
    if (rc != 0) {
        error_report("cannot create the vCPU thread: %s", strerror(rc));
        return 1;
    }
    main_loop(m);
    pthread_join(rs.vcpu_thread, NULL);
    clock_icount_set_client(NULL);
    int fd = wake_fds[1];
    wake_fds[1] = -1;
    close(fd);
    close(wake_fds[0]);
    fflush(NULL);
    chardev_restore_terminal();
    return exit_status(m);
}
