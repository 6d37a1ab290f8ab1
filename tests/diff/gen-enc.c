/*
 * gen-enc.c - the generator's encoder, random picks and flag bookkeeping
 * (see gen-enc.h).
 *
 * Invariants: enc_emit() writes a whole instruction or nothing; every
 * emitted instruction's start is recorded in seq->insn_off for the
 * disassembly in reports; memory operands always address the data buffer.
 */
#include <string.h>
#include "tests/diff/gen-enc.h"

/* ---- random numbers (splitmix64) ---- */

uint64_t gen_rnd(Gen *g)
{
    uint64_t z = (g->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t gen_below(Gen *g, uint64_t n)
{
    return gen_rnd(g) % n;
}

bool gen_chance(Gen *g, unsigned percent)
{
    return gen_below(g, 100) < percent;
}

uint64_t gen_value(Gen *g)
{
    static const uint64_t edges[] = {
        0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000,
        0xffffffff, 0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull, ~1ull,
    };
    switch (gen_below(g, 6)) {
    case 0: return edges[gen_below(g, sizeof(edges) / sizeof(edges[0]))];
    case 1: return gen_below(g, 64);
    case 2: return -gen_below(g, 64);
    case 3: return gen_rnd(g) & gen_rnd(g);
    default: return gen_rnd(g);
    }
}

int gen_size(Gen *g)
{
    return 1 << gen_below(g, g->m64 ? 4 : 3);
}

int gen_size_wide(Gen *g)
{
    return 2 << gen_below(g, g->m64 ? 3 : 2);
}

/* ---- register picks ---- */

static bool writable(const Gen *g, int actual)
{
    return actual != REG_RSP && actual != g->base;
}

/* A register of the given size by encoding number; hi8 for AH..BH. */
static Reg reg_from_enc(Gen *g, int size, int enc)
{
    Reg r = { enc, false, enc };
    if (size == 1 && enc >= 4 && enc < 8 && (!g->m64 || gen_chance(g, 40))) {
        r.hi8 = true;
        r.actual = enc - 4;
    }
    return r;
}

Reg gen_reg_any(Gen *g, int size)
{
    return reg_from_enc(g, size, (int)gen_below(g, g->m64 ? 16 : 8));
}

Reg gen_reg_dst(Gen *g, int size, uint32_t avoid)
{
    for (;;) {
        Reg r = gen_reg_any(g, size);
        if (writable(g, r.actual) && !(avoid & BIT(r.actual)))
            return r;
    }
}

Reg gen_reg_fixed(int actual)
{
    return (Reg){ actual, false, actual };
}

/* ---- memory operands ---- */

bool gen_mem(Gen *g, Mem *m, int span, int align, uint32_t avoid)
{
    /* Mostly near the base so accesses overlap; sometimes anywhere. */
    int64_t lo = -(int64_t)DIFF_DATA_SIZE / 2 + 64, hi = DIFF_DATA_SIZE / 2 - span - 64;
    int64_t off = gen_chance(g, 70) ? (int64_t)gen_below(g, 96) - 48 : lo + (int64_t)gen_below(g, (uint64_t)(hi - lo));
    off &= -(int64_t)align;
    if (align == 1 && span > 1 && gen_chance(g, 10))     /* across the data/stack page boundary */
        off = (int64_t)DIFF_STACK - DIFF_BASE_VALUE - 1 - (int64_t)gen_below(g, (uint64_t)span - 1);
    uint32_t addr = (uint32_t)(DIFF_BASE_VALUE + off);
    *m = (Mem){ .base = g->base, .index = -1, .disp = (int32_t)off };
    if (gen_chance(g, 15))
        m->seg = gen_seg_prefix(g);
    switch (gen_below(g, g->m64 ? 7 : 5)) {
    case 0:
    case 1:
        m->disp_size = (int[]){ 0, 1, 4 }[gen_below(g, 3)];
        break;
    case 2: {
        Reg idx = gen_reg_dst(g, 4, avoid);
        uint32_t k = (uint32_t)gen_below(g, 16);
        m->index = idx.actual;
        m->scale = (int)gen_below(g, 4);
        m->disp = (int32_t)(off - ((int64_t)k << m->scale));
        if (gen_chance(g, 25)) {
            m->base = -1;
            m->disp = (int32_t)(addr - (k << m->scale));
        }
        return enc_mov_imm(g, idx.actual, 4, k);
    }
    case 3:
        m->base = -1;
        m->disp = (int32_t)addr;
        break;
    case 4: {       /* [rsp + disp] inside the stack buffer */
        int64_t rsp = (int64_t)DIFF_RSP_VALUE - g->depth;
        int64_t t = rsp + (int64_t)gen_below(g, 512) - 256;
        int64_t lo_t = DIFF_STACK + 16, hi_t = DIFF_STACK + DIFF_STACK_SIZE - span - 16;
        t = (t < lo_t ? lo_t : t > hi_t ? hi_t : t) & -(int64_t)align;
        m->base = REG_RSP;
        m->disp = (int32_t)(t - rsp);
        m->disp_size = gen_chance(g, 20) ? 4 : 0;
        break;
    }
    case 5:
        m->base = MEM_RIP;
        m->target = addr;
        break;
    default:
        m->addr32 = true;
        break;
    }
    return true;
}

/* A segment override with no effect: the flat data segments (and CS,
 * which 64-bit mode ignores). */
uint8_t gen_seg_prefix(Gen *g)
{
    static const uint8_t segs[] = { 0x26, 0x36, 0x3e, 0x2e };
    return segs[gen_below(g, g->m64 ? 4 : 3)];
}

/* ---- encoding ---- */

Enc enc_op(int size, uint8_t op)
{
    return (Enc){ .opsize = size, .op = { op }, .oplen = 1, .opreg = -1, .reg = -1 };
}

Enc enc_op0f(int size, uint8_t op)
{
    return (Enc){ .opsize = size, .op = { 0x0f, op }, .oplen = 2, .opreg = -1, .reg = -1 };
}

void enc_set_reg(Enc *e, Reg r, bool byte)
{
    e->reg = r.enc;
    e->reg_byte = byte;
    e->reg_hi8 = r.hi8;
}

void enc_set_rm_reg(Enc *e, Reg r, bool byte)
{
    e->rm_is_mem = false;
    e->rm_reg = r.enc;
    e->rm_byte = byte;
    e->rm_hi8 = r.hi8;
}

void enc_set_rm_mem(Enc *e, const Mem *m)
{
    e->rm_is_mem = true;
    e->m = *m;
}

void enc_prefix(Enc *e, uint8_t p)
{
    e->prefix[e->nb_prefix++] = p;
}

/* REX bits and whether a REX is required/forbidden by byte registers. */
typedef struct RexNeed { int rex; bool need, forbid; } RexNeed;

static void rex_byte_reg(RexNeed *r, int enc, bool byte, bool hi8)
{
    if (!byte)
        return;
    if (hi8)
        r->forbid = true;
    else if (enc >= 4 && enc < 8)
        r->need = true;
}

static RexNeed enc_rex(const Enc *e)
{
    RexNeed r = { 0, false, false };
    if (e->opsize == 8 && !e->no_w)
        r.rex |= 8;
    if (e->reg >= 0) {
        r.rex |= (e->reg & 8) ? 4 : 0;
        rex_byte_reg(&r, e->reg, e->reg_byte, e->reg_hi8);
    }
    if (e->opreg >= 0) {
        r.rex |= (e->opreg & 8) ? 1 : 0;
        rex_byte_reg(&r, e->opreg, e->opreg_byte, e->opreg_hi8);
    }
    if (e->reg >= 0 && e->rm_is_mem) {
        if (e->m.base >= 8 && e->m.base != MEM_RIP)
            r.rex |= 1;
        if (e->m.index >= 8)
            r.rex |= 2;
    } else if (e->reg >= 0) {
        r.rex |= (e->rm_reg & 8) ? 1 : 0;
        rex_byte_reg(&r, e->rm_reg, e->rm_byte, e->rm_hi8);
    }
    r.need |= r.rex != 0;
    return r;
}

/* ModRM, SIB and displacement of a memory operand; returns the length;
 * *rip_at is the offset of a RIP-relative displacement (else -1). */
static int enc_modrm_mem(const Gen *g, const Enc *e, uint8_t *b, int *rip_at)
{
    const Mem *m = &e->m;
    int reg = e->reg & 7, n = 0, mod, rm, disp_bytes;
    int idx = m->index >= 0 ? (m->index & 7) : 4;
    *rip_at = -1;
    bool sib = false;
    int sib_base = 5;
    if (m->base == MEM_RIP) {
        mod = 0, rm = 5, disp_bytes = 4;
    } else if (m->base < 0) {
        mod = 0, disp_bytes = 4;
        sib = g->m64 || m->index >= 0;
        rm = sib ? 4 : 5;
    } else {
        int b7 = m->base & 7;
        if (m->disp_size == 4 || m->disp < -128 || m->disp > 127)
            mod = 2, disp_bytes = 4;
        else if (m->disp_size == 1 || m->disp != 0 || b7 == 5)
            mod = 1, disp_bytes = 1;
        else
            mod = 0, disp_bytes = 0;
        sib = m->index >= 0 || b7 == 4;
        rm = sib ? 4 : b7;
        sib_base = b7;
    }
    b[n++] = (uint8_t)(mod << 6 | reg << 3 | rm);
    if (sib)
        b[n++] = (uint8_t)(m->scale << 6 | idx << 3 | sib_base);
    if (m->base == MEM_RIP)
        *rip_at = n;
    for (int i = 0; i < disp_bytes; i++)
        b[n++] = (uint8_t)((uint32_t)m->disp >> (8 * i));
    return n;
}

static bool enc_commit(Gen *g, const uint8_t *b, int n)
{
    DiffSeq *s = g->seq;
    if (s->nb_insns >= DIFF_MAX_INSNS || s->len + (uint32_t)n + 16 > DIFF_CODE_MAX)
        return false;
    s->insn_off[s->nb_insns++] = (uint16_t)s->len;
    memcpy(s->code + s->len, b, (size_t)n);
    s->len += (uint32_t)n;
    return true;
}

bool enc_emit(Gen *g, const Enc *e)
{
    uint8_t b[32];
    int n = 0, rip_at = -1;
    RexNeed rex = enc_rex(e);
    if (rex.need && (rex.forbid || !g->m64))
        return false;
    bool mem = e->reg >= 0 && e->rm_is_mem;
    for (int i = 0; i < e->nb_prefix; i++) {
        if (e->prefix[i] == 0xf0)
            b[n++] = 0xf0;
    }
    if (mem && e->m.seg)
        b[n++] = e->m.seg;
    if (mem && e->m.addr32)
        b[n++] = 0x67;
    /* redundant prefixes: 0x66 under REX.W, an empty REX */
    bool plain = e->nb_prefix == 0 && !(e->oplen == 2 && e->op[1] == 0xc7);
    if (e->opsize == 2 || (plain && (rex.rex & 8) && gen_chance(g, 10)))
        b[n++] = 0x66;
    for (int i = 0; i < e->nb_prefix; i++) {     /* mandatory prefixes last */
        if (e->prefix[i] != 0xf0)
            b[n++] = e->prefix[i];
    }
    if (!rex.need && !rex.forbid && g->m64 && gen_chance(g, 5))
        rex.need = true;
    if (rex.need)
        b[n++] = (uint8_t)(0x40 | rex.rex);
    for (int i = 0; i < e->oplen; i++)
        b[n++] = e->op[i];
    if (e->opreg >= 0)
        b[n - 1] = (uint8_t)(b[n - 1] + (e->opreg & 7));
    if (e->reg >= 0 && e->rm_is_mem) {
        n += enc_modrm_mem(g, e, b + n, &rip_at);
        rip_at = rip_at >= 0 ? n - 4 : -1;
    } else if (e->reg >= 0) {
        b[n++] = (uint8_t)(0xc0 | (e->reg & 7) << 3 | (e->rm_reg & 7));
    }
    for (int i = 0; i < e->imm_size; i++)
        b[n++] = (uint8_t)(e->imm >> (8 * i));
    if (rip_at >= 0) {
        uint32_t next = g->seq->code_addr + g->seq->len + (uint32_t)n;
        uint32_t disp = e->m.target - next;
        memcpy(b + rip_at, &disp, 4);
    }
    return enc_commit(g, b, n);
}

bool enc_bytes(Gen *g, const uint8_t *bytes, int len)
{
    return enc_commit(g, bytes, len);
}

bool enc_mov_imm_reg(Gen *g, Reg r, int size, uint64_t v)
{
    Enc e = enc_op(size, size == 1 ? 0xb0 : 0xb8);
    e.opreg = r.enc;
    e.opreg_byte = size == 1;
    e.opreg_hi8 = r.hi8;
    e.imm = v;
    e.imm_size = size;
    return enc_emit(g, &e);
}

bool enc_mov_imm(Gen *g, int actual, int size, uint64_t v)
{
    return enc_mov_imm_reg(g, gen_reg_fixed(actual), size, v);
}

bool enc_store_imm(Gen *g, const Mem *m, int size, uint64_t v)
{
    Enc e = enc_op(size, size == 1 ? 0xc6 : 0xc7);
    e.reg = 0;
    enc_set_rm_mem(&e, m);
    e.imm = v;
    e.imm_size = size > 4 ? 4 : size;
    return enc_emit(g, &e);
}

/* ---- flags ---- */

void gen_flags(Gen *g, uint32_t defined, uint32_t undefined)
{
    g->seq->undef_flags = (g->seq->undef_flags & ~defined) | undefined;
}

/* Before an instruction reading flags: define any undefined ones with CMP. */
bool gen_need_flags(Gen *g, uint32_t reads)
{
    if (!(g->seq->undef_flags & reads))
        return true;
    Enc e = enc_op(g->m64 ? 8 : 4, 0x39);
    enc_set_reg(&e, gen_reg_any(g, 4), false);
    enc_set_rm_reg(&e, gen_reg_any(g, 4), false);
    if (!enc_emit(g, &e))
        return false;
    gen_flags(g, DIFF_ARITH, 0);
    return true;
}
