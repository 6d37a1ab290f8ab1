/*
 * lock.c - the machine lock: one mutex that serializes device state.
 *
 * Device callbacks (through the bus), timers and the event loop's handlers
 * run with it held; translated code and RAM accesses run without it. It is
 * not recursive: machine_lock_held() lets shared paths (the bus) take it
 * only when the caller does not hold it already.
 */
#include <pthread.h>
#include "kestrel/machine.h"

static pthread_mutex_t machine_mutex = PTHREAD_MUTEX_INITIALIZER;
static __thread bool lock_held_here;

void machine_lock(void)
{
    assert(!lock_held_here);
    pthread_mutex_lock(&machine_mutex);
    lock_held_here = true;
}

void machine_unlock(void)
{
    assert(lock_held_here);
    lock_held_here = false;
    pthread_mutex_unlock(&machine_mutex);
}

bool machine_lock_held(void)
{
    return lock_held_here;
}
