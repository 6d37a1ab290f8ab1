/*
 * timer.c - the virtual clock and its timer queue.
 *
 * Real-time mode: virtual time = host monotonic time minus the time spent
 * paused. Deterministic mode (-icount shift=N): virtual time advances only
 * through clock_icount_advance(), 2^N ns per guest instruction, plus what
 * the registered vCPU client reports as retired but not yet added.
 *
 * The queue is a list sorted by deadline. All queue operations happen with
 * the machine lock held (device code, the main loop); the clock itself may
 * be read from any thread.
 */
#include <stdlib.h>
#include <time.h>
#include "kestrel/timer.h"

struct Timer {
    TimerCallback *cb;
    void *opaque;
    int64_t deadline;          /* -1 when not pending */
    Timer *next;
};

static Timer *queue;
static int64_t paused_total;   /* host ns spent paused */
static int64_t paused_since = -1;
static int icount_shift = -1;
static uint64_t icount_insns;
static const ClockIcountClient *icount_client;

int64_t host_clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

static int64_t start_ns(void)
{
    static int64_t start;
    if (!start)
        start = host_clock_ns();
    return start;
}

int64_t clock_ns(void)
{
    if (icount_shift >= 0) {
        uint64_t n = __atomic_load_n(&icount_insns, __ATOMIC_RELAXED);
        if (icount_client)
            n += (uint64_t)icount_client->pending(icount_client->opaque);
        return (int64_t)(n << icount_shift);
    }
    int64_t now = paused_since >= 0 ? paused_since : host_clock_ns();
    return now - start_ns() - paused_total;
}

void clock_pause(bool paused)
{
    if (paused && paused_since < 0)
        paused_since = host_clock_ns();
    else if (!paused && paused_since >= 0) {
        paused_total += host_clock_ns() - paused_since;
        paused_since = -1;
    }
}

void clock_set_icount(int shift)
{
    icount_shift = shift;
    icount_insns = 0;
}

bool clock_icount_enabled(void)
{
    return icount_shift >= 0;
}

void clock_icount_advance(uint64_t insns)
{
    __atomic_add_fetch(&icount_insns, insns, __ATOMIC_RELAXED);
}

void clock_icount_set_client(const ClockIcountClient *c)
{
    icount_client = c;
}

/* Without a main loop (unit tests) there is nothing to wake. */
__attribute__((weak)) void main_loop_wakeup(void)
{
}

Timer *timer_new(TimerCallback *cb, void *opaque)
{
    Timer *t = calloc(1, sizeof(*t));
    assert(t);
    t->cb = cb;
    t->opaque = opaque;
    t->deadline = -1;
    return t;
}

static void timer_unlink(Timer *t)
{
    for (Timer **p = &queue; *p; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            break;
        }
    }
    t->next = NULL;
    t->deadline = -1;
}

void timer_free(Timer *t)
{
    if (!t)
        return;
    timer_unlink(t);
    free(t);
}

void timer_del(Timer *t)
{
    if (t->deadline >= 0)
        timer_unlink(t);
}

void timer_mod(Timer *t, int64_t deadline_ns)
{
    if (deadline_ns < 0)
        deadline_ns = 0;
    timer_del(t);
    t->deadline = deadline_ns;
    Timer **p = &queue;
    while (*p && (*p)->deadline <= deadline_ns)
        p = &(*p)->next;
    t->next = *p;
    *p = t;
    if (queue == t) {
        if (icount_shift >= 0 && icount_client)
            icount_client->deadline_moved(icount_client->opaque, deadline_ns);
        main_loop_wakeup();
    }
}

bool timer_pending(const Timer *t)
{
    return t->deadline >= 0;
}

int64_t timer_expire_time(const Timer *t)
{
    return t->deadline;
}

int64_t timers_next_deadline(void)
{
    return queue ? queue->deadline : -1;
}

int64_t timers_run_due(void)
{
    int64_t now = clock_ns();
    while (queue && queue->deadline <= now) {
        Timer *t = queue;
        timer_unlink(t);
        t->cb(t->opaque);      /* may re-arm t or others */
    }
    return timers_next_deadline();
}
