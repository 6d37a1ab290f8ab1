/*
 * codecache.c - the code cache: one region filled linearly, W^X.
 *
 * A backend writes a block at code_cache_ptr() (at most code_cache_room()
 * bytes, the writable view) and then code_cache_commit()s what it used;
 * the block runs at code_cache_rx() of that address. When a block does not
 * fit, the owner of the TBs flushes everything with code_cache_flush();
 * what was committed before code_cache_keep_committed() (the JIT's
 * prologue) survives flushes.
 *
 * No page is ever writable and executable at once. Normally the region is
 * one memfd mapped twice: a read-write view for the writers and a
 * read-execute view at another address. Without memfd the region is a
 * single mapping whose protection toggles: writable from code_cache_ptr()
 * until code_cache_commit(), executable otherwise; code_cache_patch32()
 * opens the one page it patches for the store.
 * Invariants: every block starts CODE_CACHE_ALIGN-aligned; both views
 * have the same page offsets, so alignment holds in both.
 */
#include "kestrel/tcg.h"
#include <sys/mman.h>
#include <stdlib.h>
#include <unistd.h>

#define CODE_CACHE_ALIGN 16

static uint8_t *code_cache_base;      /* writable view */
static uint8_t *code_cache_exec;      /* executable view (== base when toggling) */
static size_t code_cache_size;
static size_t code_cache_used;
static size_t code_cache_kept;

static bool code_cache_toggles(void)
{
    return code_cache_exec == code_cache_base;
}

static void code_cache_unmap(void)
{
    if (code_cache_exec && !code_cache_toggles())
        munmap(code_cache_exec, code_cache_size);
    if (code_cache_base)
        munmap(code_cache_base, code_cache_size);
    code_cache_base = code_cache_exec = NULL;
    code_cache_size = code_cache_used = code_cache_kept = 0;
}

/* Two views of one memfd; false if the host cannot do it. */
static bool code_cache_map_dual(size_t size)
{
    int fd = memfd_create("kestrel-code", MFD_CLOEXEC);
    if (fd < 0)
        return false;
    void *rw = MAP_FAILED, *rx = MAP_FAILED;
    if (ftruncate(fd, (off_t)size) == 0) {
        rw = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        rx = mmap(NULL, size, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
    }
    close(fd);
    if (rw == MAP_FAILED || rx == MAP_FAILED) {
        if (rw != MAP_FAILED)
            munmap(rw, size);
        if (rx != MAP_FAILED)
            munmap(rx, size);
        return false;
    }
    code_cache_base = rw;
    code_cache_exec = rx;
    return true;
}

bool code_cache_init(size_t size)
{
    code_cache_unmap();
    if (!code_cache_map_dual(size)) {
        void *p = mmap(NULL, size, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return false;
        code_cache_base = code_cache_exec = p;
    }
    code_cache_size = size;
    return true;
}

static void code_cache_protect(void *start, size_t len, int prot)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t lo = (uintptr_t)start & ~(page - 1);
    uintptr_t hi = ((uintptr_t)start + len + page - 1) & ~(page - 1);
    if (mprotect((void *)lo, hi - lo, prot) != 0)
        abort();                      /* the cache would be unusable */
}

uint8_t *code_cache_ptr(void)
{
    if (code_cache_toggles() && code_cache_room())
        code_cache_protect(code_cache_base + code_cache_used, code_cache_room(),
                           PROT_READ | PROT_WRITE);
    return code_cache_base + code_cache_used;
}

size_t code_cache_room(void)
{
    return code_cache_size - code_cache_used;
}

void code_cache_commit(size_t used)
{
    assert(used <= code_cache_room());
    if (code_cache_toggles() && code_cache_room())
        code_cache_protect(code_cache_base + code_cache_used, code_cache_room(),
                           PROT_READ | PROT_EXEC);
    used = (used + CODE_CACHE_ALIGN - 1) & ~(size_t)(CODE_CACHE_ALIGN - 1);
    code_cache_used = used < code_cache_room() ? code_cache_used + used : code_cache_size;
}

void code_cache_keep_committed(void)
{
    code_cache_kept = code_cache_used;
}

void code_cache_flush(void)
{
    code_cache_used = code_cache_kept;
}

const void *code_cache_rx(const uint8_t *rw)
{
    if (rw >= code_cache_base && rw <= code_cache_base + code_cache_size)
        return code_cache_exec + (rw - code_cache_base);
    return rw;
}

void code_cache_patch32(uint8_t *rw, uint32_t v)
{
    assert(((uintptr_t)rw & 3) == 0);
    if (code_cache_toggles())
        code_cache_protect(rw, 4, PROT_READ | PROT_WRITE);
    __atomic_store_n((uint32_t *)(void *)rw, v, __ATOMIC_RELEASE);
    if (code_cache_toggles())
        code_cache_protect(rw, 4, PROT_READ | PROT_EXEC);
}

static bool code_cache_view_contains(const uint8_t *view, uintptr_t p)
{
    return view && p >= (uintptr_t)view && p < (uintptr_t)view + code_cache_used;
}

/* Either view: return addresses are executable ones, writers hold writable ones. */
bool code_cache_contains(uintptr_t host_pc)
{
    return code_cache_view_contains(code_cache_exec, host_pc) ||
           code_cache_view_contains(code_cache_base, host_pc);
}
