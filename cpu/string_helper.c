/*
 * string_helper.c - the bulk path of REP MOVS/STOS/LODS/CMPS/SCAS: one call
 * runs as many elements as stay inside the current page of every operand
 * stream, straight on host RAM.
 *
 * Invariants:
 *  - The helper never faults and never touches device memory: it runs only
 *    when each stream's page is plain RAM accessible without a fault
 *    (mmu_probe_ram: no MMIO, no translated code, no watchpoint), and only
 *    over elements that stay in that page and do not wrap the offset
 *    register at the address size. Otherwise it returns STR_BULK_NONE and
 *    the translated code runs one element on the per-element path, which
 *    fills the TLB, invalidates code and raises faults precisely.
 *  - The translator calls it only when the segments involved need no
 *    rights/limit checks and TF is clear (see translate-string.c).
 *  - Registers are written once, after the chunk: rCX, rSI, rDI with
 *    address-size semantics (16-bit: the upper bits stay; 32-bit: zero
 *    extended), so the state is that of the next element to run.
 *  - Results follow x86's element-by-element order: overlapping MOVS copy
 *    one element at a time in the direction of DF (dst = src + 1 with
 *    DF = 0 replicates a byte), CMPS/SCAS stop at the first element that
 *    ends the repeat and leave the flags of that compare.
 */
#include <string.h>
#include "cpu/string.h"
#include "cpu/translate.h"

#define STR_PAGE_OFFSET_MASK (TLB_PAGE_SIZE - 1)

/* One operand stream of the instruction. */
typedef struct StrStream {
    int reg;            /* R_ESI or R_EDI */
    uint8_t *host;      /* host address of the first element */
} StrStream;

typedef struct StrArgs {
    StrOp op;
    unsigned size;      /* element bytes */
    unsigned aw;        /* address size in bytes */
    uint64_t mask;      /* of the address size */
    int src_seg;
    bool repne, code64, down;
    unsigned mmu_idx;
} StrArgs;

static StrArgs str_args(const CPUX86State *env, uint64_t desc)
{
    StrArgs a = {
        .op = (StrOp)(desc & 7),
        .size = 1u << ((desc >> STR_DESC_SIZE_SHIFT) & 3),
        .aw = 1u << ((desc >> STR_DESC_AW_SHIFT) & 3),
        .src_seg = (int)((desc >> STR_DESC_SEG_SHIFT) & 7),
        .repne = (desc & STR_DESC_REPNE) != 0,
        .code64 = (desc & STR_DESC_CODE64) != 0,
        .down = (env->eflags & DF_MASK) != 0,
        .mmu_idx = (unsigned)(desc >> STR_DESC_MMU_SHIFT) & 3,
    };
    a.mask = x86_size_mask((int)a.aw);
    return a;
}

/* seg:off as translated code forms it (64-bit code: only FS/GS have a base). */
static uint64_t str_linear(const CPUX86State *env, const StrArgs *a, int seg, uint64_t off)
{
    if (a->code64)
        return off + (seg == R_FS || seg == R_GS ? env->segs[seg].base : 0);
    return (uint32_t)(env->segs[seg].base + off);
}

/* Elements from offset off (linear lin) on that stay in lin's page and do
 * not wrap the offset; 0 when even the first one does not fit. */
static uint64_t str_room(const StrArgs *a, uint64_t off, uint64_t lin)
{
    uint64_t in_page = lin & STR_PAGE_OFFSET_MASK;
    if (off > a->mask - (a->size - 1) || in_page + a->size > TLB_PAGE_SIZE)
        return 0;
    /* elements after the first (a full 64-bit range would overflow a count) */
    uint64_t by_off, by_page;
    if (a->down) {
        by_off = off / a->size;
        by_page = in_page / a->size;
    } else {
        by_off = (a->mask - off - (a->size - 1)) / a->size;
        by_page = (TLB_PAGE_SIZE - in_page - a->size) / a->size;
    }
    return (by_off < by_page ? by_off : by_page) + 1;
}

/* Limits *n to what the stream can do in bulk; false when it cannot. */
static bool str_stream(CPUX86State *env, const StrArgs *a, StrStream *st, int seg,
                       bool write, uint64_t *n)
{
    uint64_t off = env->regs[st->reg] & a->mask;
    uint64_t lin = str_linear(env, a, seg, off);
    uint64_t room = str_room(a, off, lin);
    if (room == 0)
        return false;
    st->host = mmu_probe_ram(env, lin, write, a->mmu_idx);
    if (!st->host)
        return false;
    if (room < *n)
        *n = room;
    return true;
}

/* Register write with the address size's rules. */
static void str_set_reg(CPUX86State *env, int reg, unsigned aw, uint64_t v)
{
    uint64_t keep = aw == 2 ? env->regs[reg] & ~0xffffULL : 0;
    env->regs[reg] = keep | (v & x86_size_mask((int)aw));
}

static uint64_t str_load(const uint8_t *p, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void str_movs(const StrArgs *a, uint8_t *dst, const uint8_t *src, uint64_t n)
{
    int64_t step = a->down ? -(int64_t)a->size : (int64_t)a->size;
    uint64_t len = n * a->size;
    uint8_t *dlo = a->down ? dst - (len - a->size) : dst;
    const uint8_t *slo = a->down ? src - (len - a->size) : src;
    uintptr_t d = (uintptr_t)dlo, sa = (uintptr_t)slo;
    if (d + len <= sa || sa + len <= d) {
        memcpy(dlo, slo, len);
        return;
    }
    /* overlapping: each element is read, then written, in order */
    for (uint64_t i = 0; i < n; i++)
        memmove(dst + (int64_t)i * step, src + (int64_t)i * step, a->size);
}

static void str_stos(const StrArgs *a, uint8_t *dst, uint64_t val, uint64_t n)
{
    uint64_t len = n * a->size;
    uint8_t *lo = a->down ? dst - (len - a->size) : dst;
    uint8_t pat[8];
    if (a->size == 1) {
        memset(lo, (int)(val & 0xff), len);
        return;
    }
    for (unsigned i = 0; i < a->size; i++)
        pat[i] = (uint8_t)(val >> (8 * i));
    memcpy(lo, pat, a->size);
    /* the filled part is whole elements: double it until len */
    for (uint64_t done = a->size; done < len;) {
        uint64_t more = done < len - done ? done : len - done;
        memcpy(lo + done, lo, more);
        done += more;
    }
}

/* CMPS/SCAS: compares up to n elements; returns how many ran and whether
 * the last one ended the repeat. Leaves the flags of the last compare. */
static uint64_t str_compare(CPUX86State *env, const StrArgs *a, const uint8_t *src,
                            const uint8_t *dst, uint64_t n, bool *stop)
{
    int64_t step = a->down ? -(int64_t)a->size : (int64_t)a->size;
    uint64_t emask = x86_size_mask((int)a->size), x = env->regs[R_EAX] & emask, y = 0, i = 0;
    *stop = false;
    while (i < n && !*stop) {
        if (a->op == STR_CMPS)
            x = str_load(src + (int64_t)i * step, a->size);
        y = str_load(dst + (int64_t)i * step, a->size);
        *stop = (x == y) == a->repne;      /* REPE ends on a difference, REPNE on a match */
        i++;
    }
    env->cc_dst = (x - y) & emask;
    env->cc_src = y;
    env->cc_op = CC_OP_SUBB + (uint64_t)__builtin_ctz(a->size);
    return i;
}

/* Runs the elements; returns how many ran and whether the repeat ended early. */
static uint64_t str_run(CPUX86State *env, const StrArgs *a, const StrStream *src,
                        const StrStream *dst, uint64_t n, bool *stop)
{
    uint64_t emask = x86_size_mask((int)a->size);
    *stop = false;
    switch (a->op) {
    case STR_MOVS:
        str_movs(a, dst->host, src->host, n);
        return n;
    case STR_STOS:
        str_stos(a, dst->host, env->regs[R_EAX] & emask, n);
        return n;
    case STR_LODS: {
        /* only the last element reaches rAX; 32-bit writes zero-extend */
        int64_t last = (int64_t)(n - 1) * (a->down ? -(int64_t)a->size : (int64_t)a->size);
        uint64_t v = str_load(src->host + last, a->size);
        env->regs[R_EAX] = a->size >= 4 ? v : (env->regs[R_EAX] & ~emask) | v;
        return n;
    }
    default:
        return str_compare(env, a, src->host, dst->host, n, stop);
    }
}

static uint64_t helper_rep_bulk(CPUX86State *env, uint64_t desc)
{
    StrArgs a = str_args(env, desc);
    StrStream src = { .reg = R_ESI }, dst = { .reg = R_EDI };
    bool uses_src = a.op == STR_MOVS || a.op == STR_LODS || a.op == STR_CMPS;
    bool uses_dst = a.op != STR_LODS;
    uint64_t cx = env->regs[R_ECX] & a.mask, n = cx;

    if (n == 0)
        return STR_BULK_DONE;
    if (uses_src && !str_stream(env, &a, &src, a.src_seg, false, &n))
        return STR_BULK_NONE;
    if (uses_dst && !str_stream(env, &a, &dst, R_ES,
                                a.op == STR_MOVS || a.op == STR_STOS, &n))
        return STR_BULK_NONE;

    bool stop;
    uint64_t done = str_run(env, &a, &src, &dst, n, &stop);
    uint64_t delta = a.down ? (uint64_t)0 - done * a.size : done * a.size;
    str_set_reg(env, R_ECX, a.aw, cx - done);
    if (uses_src)
        str_set_reg(env, R_ESI, a.aw, env->regs[R_ESI] + delta);
    if (uses_dst)
        str_set_reg(env, R_EDI, a.aw, env->regs[R_EDI] + delta);
    return stop || cx == done ? STR_BULK_DONE : STR_BULK_MORE;
}
DEF_HELPER(rep_bulk, 1, true, 0);
