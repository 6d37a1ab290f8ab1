/*
 * common.h - basic types and macros shared by every subsystem.
 *
 * Nothing here knows about the guest architecture or the host backend.
 */
#ifndef KESTREL_COMMON_H
#define KESTREL_COMMON_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) \
    ((type *)((char *)(ptr) - offsetof(type, member)))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define KESTREL_NORETURN __attribute__((noreturn))
#define KESTREL_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define UNUSED __attribute__((unused))

#define KiB (1024ULL)
#define MiB (1024ULL * KiB)
#define GiB (1024ULL * MiB)

static inline uint64_t extract64(uint64_t v, int pos, int len)
{
    return (v >> pos) & (len == 64 ? ~0ULL : ((1ULL << len) - 1));
}

static inline uint64_t deposit64(uint64_t v, int pos, int len, uint64_t field)
{
    uint64_t mask = (len == 64 ? ~0ULL : ((1ULL << len) - 1)) << pos;
    return (v & ~mask) | ((field << pos) & mask);
}

/*
 * Unaligned little-endian access to host buffers (guest RAM, image headers).
 * Written bytewise so big-endian hosts (PowerPC) are right too; compilers
 * turn these into single loads on little-endian hosts.
 */
static inline uint16_t ld16_le(const void *p)
{
    const uint8_t *b = p;
    return (uint16_t)(b[0] | b[1] << 8);
}
static inline uint32_t ld32_le(const void *p)
{
    const uint8_t *b = p;
    return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}
static inline uint64_t ld64_le(const void *p)
{
    return ld32_le(p) | (uint64_t)ld32_le((const uint8_t *)p + 4) << 32;
}
static inline void st16_le(void *p, uint16_t v)
{
    uint8_t *b = p;
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
}
static inline void st32_le(void *p, uint32_t v)
{
    st16_le(p, (uint16_t)v);
    st16_le((uint8_t *)p + 2, (uint16_t)(v >> 16));
}
static inline void st64_le(void *p, uint64_t v)
{
    st32_le(p, (uint32_t)v);
    st32_le((uint8_t *)p + 4, (uint32_t)(v >> 32));
}

#endif
