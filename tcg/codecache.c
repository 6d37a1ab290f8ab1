/*
 * codecache.c - the code cache: one mmap'ed region filled linearly.
 *
 * A backend writes a block at code_cache_ptr() (at most code_cache_room()
 * bytes) and then code_cache_commit()s what it used; when a block does not
 * fit, the owner of the TBs flushes everything with code_cache_flush().
 * Invariants: every block starts CODE_CACHE_ALIGN-aligned; the region is
 * read-write for now, so the executable view is the writable pointer
 * itself (a JIT will add a second, executable mapping of the same pages
 * and make code_cache_rx() translate between them).
 */
#include "kestrel/tcg.h"
#include <sys/mman.h>

#define CODE_CACHE_ALIGN 16

static uint8_t *code_cache_base;
static size_t code_cache_size;
static size_t code_cache_used;

bool code_cache_init(size_t size)
{
    if (code_cache_base)
        munmap(code_cache_base, code_cache_size);
    code_cache_base = NULL;
    code_cache_used = 0;
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        code_cache_size = 0;
        return false;
    }
    code_cache_base = p;
    code_cache_size = size;
    return true;
}

uint8_t *code_cache_ptr(void)
{
    return code_cache_base + code_cache_used;
}

size_t code_cache_room(void)
{
    return code_cache_size - code_cache_used;
}

void code_cache_commit(size_t used)
{
    assert(used <= code_cache_room());
    used = (used + CODE_CACHE_ALIGN - 1) & ~(size_t)(CODE_CACHE_ALIGN - 1);
    code_cache_used = used < code_cache_room() ? code_cache_used + used : code_cache_size;
}

void code_cache_flush(void)
{
    code_cache_used = 0;
}

const void *code_cache_rx(const uint8_t *rw)
{
    return rw;
}

bool code_cache_contains(uintptr_t host_pc)
{
    return host_pc >= (uintptr_t)code_cache_base &&
           host_pc < (uintptr_t)code_cache_base + code_cache_used;
}
