/*
 * timer.h - the virtual clock and its timer queue.
 *
 * The virtual clock (nanoseconds) follows host monotonic time while the
 * machine runs and stops while it is paused. In deterministic mode
 * (-icount) it advances with retired guest instructions instead, so a run
 * repeats exactly.
 *
 * Timers fire on the main loop thread with the machine lock held.
 * timer_mod() may be called from any thread holding the machine lock; it
 * wakes the main loop if the new deadline is the earliest.
 */
#ifndef KESTREL_TIMER_H
#define KESTREL_TIMER_H

#include "kestrel/common.h"

#define NS_PER_SEC 1000000000LL

typedef void TimerCallback(void *opaque);
typedef struct Timer Timer;

int64_t clock_ns(void);                      /* the virtual clock */
int64_t host_clock_ns(void);                 /* host monotonic time */

Timer *timer_new(TimerCallback *cb, void *opaque);
void timer_free(Timer *t);
void timer_mod(Timer *t, int64_t deadline_ns);   /* (re)arm at absolute virtual time */
void timer_del(Timer *t);
bool timer_pending(const Timer *t);
int64_t timer_expire_time(const Timer *t);       /* -1 when not pending */

/* For the main loop: run due timers; return the next deadline or -1. */
int64_t timers_run_due(void);
int64_t timers_next_deadline(void);

/* Implemented by the main loop: wake it so it recomputes its poll timeout. */
void main_loop_wakeup(void);

/* Deterministic mode: 2^shift ns per guest instruction. */
void clock_set_icount(int shift);
bool clock_icount_enabled(void);
void clock_icount_advance(uint64_t insns);
/*
 * The vCPU side of deterministic mode: pending() counts instructions that
 * retired but were not yet added with clock_icount_advance (the clock
 * includes them); deadline_moved() is told, under the machine lock, when
 * timer_mod makes a deadline the earliest, so the running CPU can stop there.
 */
typedef struct ClockIcountClient {
    int64_t (*pending)(void *opaque);
    void (*deadline_moved)(void *opaque, int64_t deadline_ns);
    void *opaque;
} ClockIcountClient;
void clock_icount_set_client(const ClockIcountClient *c);   /* NULL: none */
void clock_pause(bool paused);

/* Scale a count of ticks at freq Hz into nanoseconds and back, without overflow. */
static inline int64_t ticks_to_ns(uint64_t ticks, uint64_t freq)
{
    return (int64_t)((__uint128_t)ticks * NS_PER_SEC / freq);
}
static inline uint64_t ns_to_ticks(int64_t ns, uint64_t freq)
{
    return (uint64_t)((__uint128_t)ns * freq / NS_PER_SEC);
}

#endif
