/*
 * gen.c - random instruction sequences from templates (integer classes)
 * and the sequence driver.
 *
 * A template emits one instruction under test, sometimes preceded by the
 * setup instructions it needs (a count in CL, a divisor, equal operands
 * for CMPXCHG). Each records the flags it defines and leaves undefined
 * (Intel SDM, per instruction) through gen_flags(); flag readers call
 * gen_need_flags() first. A template that cannot encode its picks returns
 * false and the driver rolls the sequence back and retries.
 *
 * Invariants: no instruction writes RSP except PUSH/POP/CALL within the
 * stack buffer, none writes the base register, divisions never fault,
 * memory accesses stay inside the data and stack buffers.
 */
#include <string.h>
#include "tests/diff/gen-enc.h"

/* Flags read by condition code cc (Jcc/SETcc/CMOVcc low nibble). */
static const uint32_t cc_reads[8] = {
    DIFF_OF, DIFF_CF, DIFF_ZF, DIFF_CF | DIFF_ZF, DIFF_SF, DIFF_PF,
    DIFF_SF | DIFF_OF, DIFF_ZF | DIFF_SF | DIFF_OF,
};

/* The r/m operand: memory, or a register (writable when it is a destination). */
static bool rm_pick(Gen *g, Enc *e, int size, uint32_t avoid, bool dst)
{
    if (gen_chance(g, 40)) {
        Mem m;
        if (!gen_mem(g, &m, size, 1, avoid))
            return false;
        enc_set_rm_mem(e, &m);
        return true;
    }
    enc_set_rm_reg(e, dst ? gen_reg_dst(g, size, avoid) : gen_reg_any(g, size), size == 1);
    return true;
}

static bool rm_dst(Gen *g, Enc *e, int size, uint32_t avoid)
{
    return rm_pick(g, e, size, avoid, true);
}

static bool rm_src(Gen *g, Enc *e, int size, uint32_t avoid)
{
    return rm_pick(g, e, size, avoid, false);
}

static void maybe_lock(Gen *g, Enc *e)
{
    if (e->rm_is_mem && gen_chance(g, 30))
        enc_prefix(e, 0xf0);
}

/* An immediate of imm_size bytes (sign-extended by the CPU when smaller). */
static void set_imm(Gen *g, Enc *e, int imm_size)
{
    e->imm = gen_value(g);
    e->imm_size = imm_size;
}

/* ---- ALU: ADD OR ADC SBB AND SUB XOR CMP, TEST, INC DEC NEG NOT, MOV ---- */

static bool t_alu(Gen *g)
{
    int op = (int)gen_below(g, 8), size = gen_size(g);
    bool writes = op != 7, logic = op == 1 || op == 4 || op == 6;
    if (!gen_need_flags(g, op == 2 || op == 3 ? DIFF_CF : 0))
        return false;
    Enc e;
    int form = (int)gen_below(g, 4);
    switch (form) {
    case 0:         /* r/m, reg */
        e = enc_op(size, (uint8_t)(op * 8 + (size > 1)));
        if (!(writes ? rm_dst(g, &e, size, 0) : rm_src(g, &e, size, 0)))
            return false;
        enc_set_reg(&e, gen_reg_any(g, size), size == 1);
        break;
    case 1:         /* reg, r/m */
        e = enc_op(size, (uint8_t)(op * 8 + 2 + (size > 1)));
        if (!rm_src(g, &e, size, 0))
            return false;
        enc_set_reg(&e, writes ? gen_reg_dst(g, size, 0) : gen_reg_any(g, size), size == 1);
        break;
    case 2: {       /* r/m, imm */
        bool imm8 = size == 1 || gen_chance(g, 50);
        e = enc_op(size, size == 1 ? 0x80 : imm8 ? 0x83 : 0x81);
        if (!(writes ? rm_dst(g, &e, size, 0) : rm_src(g, &e, size, 0)))
            return false;
        e.reg = op;
        set_imm(g, &e, imm8 ? 1 : size > 4 ? 4 : size);
        break;
    }
    default:        /* AL/eAX, imm */
        e = enc_op(size, (uint8_t)(op * 8 + 4 + (size > 1)));
        set_imm(g, &e, size > 4 ? 4 : size);
        break;
    }
    if (writes && (form == 0 || form == 2))
        maybe_lock(g, &e);
    if (!enc_emit(g, &e))
        return false;
    gen_flags(g, DIFF_ARITH, logic ? DIFF_AF : 0);
    return true;
}

static bool t_test(Gen *g)
{
    int size = gen_size(g);
    Enc e;
    if (gen_chance(g, 50)) {
        e = enc_op(size, size == 1 ? 0x84 : 0x85);
        enc_set_reg(&e, gen_reg_any(g, size), size == 1);
    } else {
        e = enc_op(size, size == 1 ? 0xf6 : 0xf7);
        e.reg = 0;
        set_imm(g, &e, size > 4 ? 4 : size);
    }
    if (!rm_src(g, &e, size, 0) || !enc_emit(g, &e))
        return false;
    gen_flags(g, DIFF_ARITH, DIFF_AF);
    return true;
}

/* INC DEC (FE/FF /0 /1, and 40+r/48+r in 32-bit mode), NOT NEG (F6/F7 /2 /3). */
static bool t_unary(Gen *g)
{
    int size = gen_size(g), op = (int)gen_below(g, 4);
    Enc e = op < 2 ? enc_op(size, size == 1 ? 0xfe : 0xff) : enc_op(size, size == 1 ? 0xf6 : 0xf7);
    e.reg = op;
    if (!g->m64 && op < 2 && size > 1 && gen_chance(g, 50)) {
        e = enc_op(size, (uint8_t)(0x40 + op * 8));
        e.opreg = gen_reg_dst(g, size, 0).actual;
    } else if (!rm_dst(g, &e, size, 0)) {
        return false;
    }
    maybe_lock(g, &e);
    if (!enc_emit(g, &e))
        return false;
    if (op < 2)
        gen_flags(g, DIFF_ARITH & ~DIFF_CF, 0);
    else if (op == 3)
        gen_flags(g, DIFF_ARITH, 0);
    return true;
}

static bool t_mov(Gen *g)
{
    int size = gen_size(g);
    Enc e;
    switch (gen_below(g, 4)) {
    case 0:
        e = enc_op(size, size == 1 ? 0x88 : 0x89);
        enc_set_reg(&e, gen_reg_any(g, size), size == 1);
        return rm_dst(g, &e, size, 0) && enc_emit(g, &e);
    case 1:
        e = enc_op(size, size == 1 ? 0x8a : 0x8b);
        enc_set_reg(&e, gen_reg_dst(g, size, 0), size == 1);
        return rm_src(g, &e, size, 0) && enc_emit(g, &e);
    case 2:
        e = enc_op(size, size == 1 ? 0xc6 : 0xc7);
        e.reg = 0;
        set_imm(g, &e, size > 4 ? 4 : size);
        return rm_dst(g, &e, size, 0) && enc_emit(g, &e);
    default:
        return enc_mov_imm_reg(g, gen_reg_dst(g, size, 0), size, gen_value(g));
    }
}

/* ---- shifts and rotates ---- */

/* A shift count: edges around the operand width, and random ones. */
static unsigned shift_count(Gen *g, int size)
{
    unsigned bits = (unsigned)size * 8;
    static const int rel[] = { -1, 0, 1 };
    switch (gen_below(g, 4)) {
    case 0: return (unsigned)gen_below(g, 3);
    case 1: return bits + (unsigned)rel[gen_below(g, 3)];
    case 2: return (unsigned)gen_below(g, 256);
    default: return (unsigned)gen_below(g, bits);
    }
}

/* Emits the count: 1 (D0/D1), CL (D2/D3, after MOV CL) or imm8 (C0/C1). */
static bool shift_with_count(Gen *g, Enc *e, unsigned count, uint8_t op1,
                             uint8_t opcl, uint8_t opimm)
{
    if (count == 1 && gen_chance(g, 50)) {
        e->op[e->oplen - 1] = op1;
    } else if (gen_chance(g, 50)) {
        if (!enc_mov_imm(g, REG_RCX, 1, count))
            return false;
        e->op[e->oplen - 1] = opcl;
    } else {
        e->op[e->oplen - 1] = opimm;
        e->imm = count;
        e->imm_size = 1;
    }
    return enc_emit(g, e);
}

/* ROL ROR RCL RCR SHL SHR SAR (/6 is left out: an undocumented alias). */
static bool t_shift(Gen *g)
{
    static const int ops[] = { 0, 1, 2, 3, 4, 5, 7 };
    int op = ops[gen_below(g, 7)], size = gen_size(g);
    unsigned count = shift_count(g, size);
    unsigned masked = count & (size == 8 ? 63 : 31);
    if (!gen_need_flags(g, op == 2 || op == 3 ? DIFF_CF : 0))
        return false;
    Enc e = enc_op(size, 0);
    e.reg = op;
    if (!rm_dst(g, &e, size, BIT(REG_RCX)))
        return false;
    uint8_t b = size == 1 ? 0 : 1;
    if (!shift_with_count(g, &e, count, 0xd0 | b, 0xd2 | b, 0xc0 | b))
        return false;
    if (masked == 0)
        return true;
    uint32_t of = masked == 1 ? 0 : DIFF_OF;
    if (op < 4) {
        gen_flags(g, DIFF_CF | DIFF_OF, of);
    } else {
        uint32_t cf = op != 7 && masked >= (unsigned)size * 8 ? DIFF_CF : 0;
        gen_flags(g, DIFF_ARITH, of | cf | DIFF_AF);
    }
    return true;
}

static bool t_shld(Gen *g)
{
    int size = gen_size_wide(g);
    unsigned count, masked;
    do {
        count = shift_count(g, size);
        masked = count & (size == 8 ? 63 : 31);
    } while (masked > (unsigned)size * 8);
    Enc e = enc_op0f(size, 0);
    enc_set_reg(&e, gen_reg_any(g, size), false);
    if (!rm_dst(g, &e, size, BIT(REG_RCX)))
        return false;
    uint8_t base = gen_chance(g, 50) ? 0xa4 : 0xac;
    if (gen_chance(g, 50)) {
        if (!enc_mov_imm(g, REG_RCX, 1, count))
            return false;
        e.op[1] = base + 1;
    } else {
        e.op[1] = base;
        e.imm = count;
        e.imm_size = 1;
    }
    if (!enc_emit(g, &e))
        return false;
    if (masked)
        gen_flags(g, DIFF_ARITH, DIFF_AF | (masked == 1 ? 0 : DIFF_OF));
    return true;
}

/* ---- multiply and divide ---- */

static bool t_mul(Gen *g)
{
    int size = gen_size(g);
    Enc e;
    switch (gen_below(g, 3)) {
    case 0:         /* MUL/IMUL r/m: rDX:rAX */
        e = enc_op(size, size == 1 ? 0xf6 : 0xf7);
        e.reg = 4 + (int)gen_below(g, 2);
        if (!rm_src(g, &e, size, 0))
            return false;
        break;
    case 1:         /* IMUL r, r/m */
        size = gen_size_wide(g);
        e = enc_op0f(size, 0xaf);
        enc_set_reg(&e, gen_reg_dst(g, size, 0), false);
        if (!rm_src(g, &e, size, 0))
            return false;
        break;
    default: {      /* IMUL r, r/m, imm */
        size = gen_size_wide(g);
        bool imm8 = gen_chance(g, 50);
        e = enc_op(size, imm8 ? 0x6b : 0x69);
        enc_set_reg(&e, gen_reg_dst(g, size, 0), false);
        if (!rm_src(g, &e, size, 0))
            return false;
        set_imm(g, &e, imm8 ? 1 : size > 4 ? 4 : size);
        break;
    }
    }
    if (!enc_emit(g, &e))
        return false;
    gen_flags(g, DIFF_CF | DIFF_OF, DIFF_SF | DIFF_ZF | DIFF_AF | DIFF_PF);
    return true;
}

static uint64_t size_mask(int size)
{
    return size == 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

/* DIV/IDIV with a divisor and dividend that cannot raise #DE. */
static bool t_div(Gen *g)
{
    int size = gen_size(g);
    bool is_signed = gen_chance(g, 50);
    uint64_t mask = size_mask(size), d;
    do {
        d = gen_value(g) & mask;
    } while (d == 0 || (is_signed && d == mask));
    uint32_t avoid = BIT(REG_RAX) | BIT(REG_RDX);
    Enc e = enc_op(size, size == 1 ? 0xf6 : 0xf7);
    e.reg = is_signed ? 7 : 6;
    if (gen_chance(g, 40)) {
        Mem m;
        if (!gen_mem(g, &m, size, 1, avoid) || !enc_store_imm(g, &m, size, d))
            return false;
        if (size == 8 && (uint64_t)(int64_t)(int32_t)d != d)
            d = (uint64_t)(int64_t)(int32_t)d;
        if (d == 0 || (is_signed && d == mask))
            return false;
        enc_set_rm_mem(&e, &m);
    } else {
        Reg r = gen_reg_dst(g, size, avoid);
        if (!enc_mov_imm_reg(g, r, size, d))
            return false;
        enc_set_rm_reg(&e, r, size == 1);
    }
    if (is_signed) {
        static const uint8_t cbw[] = { 0x66, 0x98 }, cwd[] = { 0x66, 0x99 }, cdq[] = { 0x99 },
                             cqo[] = { 0x48, 0x99 };
        const uint8_t *x = size == 1 ? cbw : size == 2 ? cwd : size == 4 ? cdq : cqo;
        if (!enc_bytes(g, x, size == 4 ? 1 : 2))
            return false;
    } else if (size == 1) {
        Reg ah = { 4, true, REG_RAX };
        if (!enc_mov_imm_reg(g, ah, 1, gen_below(g, d)))
            return false;
    } else if (!enc_mov_imm(g, REG_RDX, size, gen_below(g, d))) {
        return false;
    }
    if (!enc_emit(g, &e))
        return false;
    gen_flags(g, 0, DIFF_ARITH);
    return true;
}

/* ---- bit tests and scans ---- */

static bool t_bt(Gen *g)
{
    int size = gen_size_wide(g), op = (int)gen_below(g, 4);
    Enc e;
    if (gen_chance(g, 50)) {        /* BT* r/m, imm8 */
        e = enc_op0f(size, 0xba);
        e.reg = 4 + op;
        if (!(op ? rm_dst(g, &e, size, 0) : rm_src(g, &e, size, 0)))
            return false;
        e.imm = gen_below(g, 256);
        e.imm_size = 1;
    } else {                        /* BT* r/m, reg: memory forms with a small offset */
        static const uint8_t ops[] = { 0xa3, 0xab, 0xb3, 0xbb };
        e = enc_op0f(size, ops[op]);
        if (gen_chance(g, 50)) {
            Reg off = gen_reg_dst(g, 4, 0);
            int64_t k = (int64_t)gen_below(g, 320) - 64;
            Enc mov = enc_op(g->m64 ? 8 : 4, 0xc7);     /* MOV r, simm32 */
            mov.reg = 0;
            enc_set_rm_reg(&mov, off, false);
            mov.imm = (uint64_t)k;
            mov.imm_size = 4;
            Mem m;
            if (!enc_emit(g, &mov) || !gen_mem(g, &m, 48, 1, BIT(off.actual)))
                return false;
            m.disp += 8;
            if (m.base == MEM_RIP)
                m.target += 8;
            enc_set_rm_mem(&e, &m);
            enc_set_reg(&e, off, false);
        } else {
            enc_set_rm_reg(&e, op ? gen_reg_dst(g, size, 0) : gen_reg_any(g, size), false);
            enc_set_reg(&e, gen_reg_any(g, size), false);
        }
    }
    if (op)
        maybe_lock(g, &e);
    if (!enc_emit(g, &e))
        return false;
    gen_flags(g, DIFF_CF, DIFF_OF | DIFF_SF | DIFF_AF | DIFF_PF);
    return true;
}

/* BSF/BSR with a nonzero source (a zero source leaves the destination undefined). */
static bool t_bsf(Gen *g)
{
    int size = gen_size_wide(g);
    uint64_t v = gen_value(g) & size_mask(size);
    v = v ? v : 1ull << gen_below(g, (uint64_t)size * 8);
    Enc e = enc_op0f(size, gen_chance(g, 50) ? 0xbc : 0xbd);
    if (gen_chance(g, 40)) {
        Mem m;
        if (size == 8)
            v = (uint64_t)(int64_t)(int32_t)v ? (uint64_t)(int64_t)(int32_t)v : 1;
        if (!gen_mem(g, &m, size, 1, 0) || !enc_store_imm(g, &m, size, v))
            return false;
        enc_set_rm_mem(&e, &m);
    } else {
        Reg src = gen_reg_dst(g, size, 0);
        if (!enc_mov_imm_reg(g, src, size, v))
            return false;
        enc_set_rm_reg(&e, src, false);
    }
    enc_set_reg(&e, gen_reg_dst(g, size, 0), false);
    if (!enc_emit(g, &e))
        return false;
    gen_flags(g, DIFF_ZF, DIFF_CF | DIFF_OF | DIFF_SF | DIFF_AF | DIFF_PF);
    return true;
}

/* ---- conditions: SETcc, CMOVcc, Jcc, LOOP/JrCXZ ---- */

static bool t_setcc(Gen *g)
{
    int cc = (int)gen_below(g, 16);
    if (!gen_need_flags(g, cc_reads[cc >> 1]))
        return false;
    Enc e = enc_op0f(1, (uint8_t)(0x90 + cc));
    e.reg = 0;
    return rm_dst(g, &e, 1, 0) && enc_emit(g, &e);
}

static bool t_cmov(Gen *g)
{
    int cc = (int)gen_below(g, 16), size = gen_size_wide(g);
    if (!gen_need_flags(g, cc_reads[cc >> 1]))
        return false;
    Enc e = enc_op0f(size, (uint8_t)(0x40 + cc));
    enc_set_reg(&e, gen_reg_dst(g, size, 0), false);
    return rm_src(g, &e, size, 0) && enc_emit(g, &e);
}

static bool gen_branch_body(Gen *g);

/* Jcc (short or near) or LOOP/LOOPE/LOOPNE/JrCXZ forward over a short body. */
static bool t_jcc(Gen *g)
{
    if (g->in_branch)
        return false;
    DiffSeq *s = g->seq;
    int kind = (int)gen_below(g, 8), cc = (int)gen_below(g, 16);
    uint32_t reads = kind < 2 ? cc_reads[cc >> 1] : kind == 3 || kind == 4 ? DIFF_ZF : 0;
    if (!gen_need_flags(g, reads))
        return false;
    uint8_t insn[6];
    int len;
    if (kind == 0) {
        insn[0] = (uint8_t)(0x70 + cc), len = 2;
    } else if (kind == 1) {
        insn[0] = 0x0f, insn[1] = (uint8_t)(0x80 + cc), len = 6;
    } else if (kind >= 6) {         /* JMP short / near */
        insn[0] = kind == 6 ? 0xeb : 0xe9, len = kind == 6 ? 2 : 5;
    } else {
        insn[0] = (uint8_t)(0xe0 + (kind == 2 ? 2 : kind == 3 ? 1 : kind == 4 ? 0 : 3));
        len = 2;
    }
    memset(insn + (kind == 1 ? 2 : 1), 0, 4);
    int rel_at = kind == 1 ? 2 : 1;
    uint32_t at = s->len;
    if (!enc_bytes(g, insn, len))
        return false;
    uint32_t undef_taken = s->undef_flags;
    g->in_branch = true;
    bool ok = gen_branch_body(g);
    g->in_branch = false;
    int32_t rel = (int32_t)(s->len - (at + (uint32_t)len));
    if (!ok || (len == 2 && rel > 127))
        return false;
    if (len == 2)
        s->code[at + 1] = (uint8_t)rel;
    else
        memcpy(s->code + at + (uint32_t)rel_at, &rel, 4);
    s->undef_flags |= undef_taken;
    return true;
}

/* ---- strings ---- */

static bool t_string(Gen *g)
{
    static const uint8_t ops[] = { 0xa4, 0xa6, 0xaa, 0xac, 0xae };
    int which = (int)gen_below(g, 5), size = gen_size(g);
    bool compares = which == 1 || which == 4;
    int rep = gen_below(g, 3) == 0 ? 0 : compares && gen_chance(g, 50) ? 0xf2 : 0xf3;
    unsigned n = (unsigned)gen_below(g, 9);
    bool addr32 = g->m64 && gen_chance(g, 20);
    static const uint8_t cld[] = { 0xfc }, std[] = { 0xfd };
    if (!enc_bytes(g, gen_chance(g, 50) ? cld : std, 1))
        return false;
    int w = g->m64 ? 8 : 4;
    int regs[2] = { REG_RSI, REG_RDI };
    for (int i = 0; i < 2; i++) {
        Enc lea = enc_op(w, 0x8d);
        enc_set_reg(&lea, gen_reg_fixed(regs[i]), false);
        Mem m = { .base = g->base, .index = -1,
                  .disp = (int32_t)gen_below(g, 512) - 256, .disp_size = 4 };
        enc_set_rm_mem(&lea, &m);
        if (!enc_emit(g, &lea))
            return false;
    }
    if (rep && !enc_mov_imm(g, REG_RCX, 4, n))
        return false;
    uint8_t b[6];
    int len = 0;
    if (rep)
        b[len++] = (uint8_t)rep;
    if (gen_chance(g, 20))          /* a (flat) segment for the source */
        b[len++] = gen_seg_prefix(g);
    if (addr32)
        b[len++] = 0x67;
    if (size == 2)
        b[len++] = 0x66;
    if (size == 8)
        b[len++] = 0x48;
    b[len++] = (uint8_t)(ops[which] + (size > 1));
    if (!enc_bytes(g, b, len))
        return false;
    if (compares && (!rep || n))
        gen_flags(g, DIFF_ARITH, 0);
    return true;
}

/* ---- exchange and atomics ---- */

static bool t_xchg(Gen *g)
{
    int size = gen_size(g), op = (int)gen_below(g, 3);
    Enc e = op == 0 ? enc_op(size, (uint8_t)(0x86 + (size > 1)))
                    : enc_op0f(size, (uint8_t)((op == 1 ? 0xc0 : 0xb0) + (size > 1)));
    if (op == 0 && size > 1 && gen_chance(g, 25)) {    /* XCHG rAX, r */
        e = enc_op(size, 0x90);
        e.opreg = gen_reg_dst(g, size, 0).actual;
        return enc_emit(g, &e);
    }
    Reg r = gen_reg_dst(g, size, 0);
    enc_set_reg(&e, r, size == 1);
    if (!rm_dst(g, &e, size, BIT(REG_RAX)))
        return false;
    if (op == 2 && !e.rm_is_mem && gen_chance(g, 15))     /* CMPXCHG rAX, r */
        enc_set_rm_reg(&e, gen_reg_fixed(REG_RAX), size == 1);
    if (op == 2 && gen_chance(g, 50)) {  /* CMPXCHG: make rAX equal to the destination */
        Enc mov = enc_op(size, size == 1 ? 0x8a : 0x8b);
        mov.reg = REG_RAX;
        mov.reg_byte = size == 1;
        mov.rm_is_mem = e.rm_is_mem;
        mov.m = e.m;
        mov.rm_reg = e.rm_reg, mov.rm_byte = e.rm_byte, mov.rm_hi8 = e.rm_hi8;
        if (!enc_emit(g, &mov))
            return false;
    }
    maybe_lock(g, &e);
    if (!enc_emit(g, &e))
        return false;
    if (op)
        gen_flags(g, DIFF_ARITH, 0);
    return true;
}

/* CMPXCHG8B / CMPXCHG16B m (16-byte aligned for 16B). */
static bool t_cmpxchg8b(Gen *g)
{
    bool wide = g->m64 && gen_chance(g, 50);
    int half = wide ? 8 : 4;
    Mem m;
    uint32_t avoid = BIT(REG_RAX) | BIT(REG_RDX);
    if (!gen_mem(g, &m, 2 * half, wide ? 16 : 1, avoid))
        return false;
    if (gen_chance(g, 50)) {
        for (int i = 0; i < 2; i++) {
            Enc mov = enc_op(half, 0x8b);
            enc_set_reg(&mov, gen_reg_fixed(i ? REG_RDX : REG_RAX), false);
            Mem mi = m;
            mi.disp += i * half;
            mi.target += (uint32_t)(i * half);
            enc_set_rm_mem(&mov, &mi);
            if (!enc_emit(g, &mov))
                return false;
        }
    }
    Enc e = enc_op0f(wide ? 8 : 4, 0xc7);
    e.reg = 1;
    enc_set_rm_mem(&e, &m);
    maybe_lock(g, &e);
    if (!enc_emit(g, &e))
        return false;
    gen_flags(g, DIFF_ZF, 0);
    return true;
}

/* ---- miscellaneous ---- */

static bool t_bswap(Gen *g)
{
    int size = g->m64 && gen_chance(g, 50) ? 8 : 4;
    Enc e = enc_op0f(size, 0xc8);
    e.opreg = gen_reg_dst(g, size, 0).actual;
    return enc_emit(g, &e);
}

static bool t_movx(Gen *g)
{
    int dst = gen_size_wide(g);
    if (g->m64 && dst == 8 && gen_chance(g, 25)) {    /* MOVSXD */
        Enc e = enc_op(8, 0x63);
        enc_set_reg(&e, gen_reg_dst(g, 8, 0), false);
        return rm_src(g, &e, 4, 0) && enc_emit(g, &e);
    }
    int src = dst == 2 || gen_chance(g, 50) ? 1 : 2;
    Enc e = enc_op0f(dst, (uint8_t)((gen_chance(g, 50) ? 0xb6 : 0xbe) + (src == 2)));
    enc_set_reg(&e, gen_reg_dst(g, dst, 0), false);
    return rm_src(g, &e, src, 0) && enc_emit(g, &e);
}

static bool t_lea(Gen *g)
{
    int size = gen_size_wide(g);
    Enc e = enc_op(size, 0x8d);
    Mem m = { .base = (int)gen_below(g, g->m64 ? 16 : 8), .index = -1,
              .disp = (int32_t)gen_value(g), .disp_size = (int[]){ 0, 1, 4 }[gen_below(g, 3)] };
    if (gen_chance(g, 50)) {
        do {
            m.index = (int)gen_below(g, g->m64 ? 16 : 8);
        } while (m.index == REG_RSP);
        m.scale = (int)gen_below(g, 4);
    }
    if (gen_chance(g, 10))
        m.base = -1;
    if (m.disp_size == 1 || gen_chance(g, 30))
        m.disp = (int8_t)m.disp;
    m.addr32 = g->m64 && gen_chance(g, 20);
    enc_set_rm_mem(&e, &m);
    enc_set_reg(&e, gen_reg_dst(g, size, 0), false);
    return enc_emit(g, &e);
}

/* CBW/CWDE/CDQE, CWD/CDQ/CQO, LAHF, SAHF, CLC, STC, CMC, XLAT, NOP forms. */
static bool t_misc(Gen *g)
{
    uint8_t b[4];
    int size = gen_size_wide(g), len = 0;
    switch (gen_below(g, 9)) {
    case 0:
    case 1:
        if (size == 2)
            b[len++] = 0x66;
        if (size == 8)
            b[len++] = 0x48;
        b[len++] = gen_chance(g, 50) ? 0x98 : 0x99;
        return enc_bytes(g, b, len);
    case 2:
        b[0] = 0x9f;
        return gen_need_flags(g, DIFF_ARITH & ~DIFF_OF) && enc_bytes(g, b, 1);
    case 3:
        b[0] = 0x9e;
        gen_flags(g, DIFF_ARITH & ~DIFF_OF, 0);
        return enc_bytes(g, b, 1);
    case 4:
        b[0] = gen_chance(g, 50) ? 0xf8 : 0xf9;
        gen_flags(g, DIFF_CF, 0);
        return enc_bytes(g, b, 1);
    case 5:
        b[0] = 0xf5;
        return gen_need_flags(g, DIFF_CF) && enc_bytes(g, b, 1);
    case 6:
        if (g->base != REG_RBX)
            return false;
        b[0] = 0xd7;
        return enc_bytes(g, b, 1);
    default: {
        Enc e = enc_op0f(gen_chance(g, 50) ? 4 : 2, 0x1f);
        e.reg = 0;
        return rm_src(g, &e, 4, 0) && enc_emit(g, &e);
    }
    }
}

/* ---- stack ---- */

static bool stack_room(Gen *g, int delta)
{
    int d = g->depth + delta;
    if (g->in_branch || d > (int)DIFF_STACK_SIZE / 2 - 64 || d < -(int)DIFF_STACK_SIZE / 2 + 64)
        return false;
    g->depth = d;
    return true;
}

/* LEA rBP, [rSP + k] and then LEAVE, or ENTER size, level (the frame
 * pointer chain it copies lies in the stack buffer). */
static bool t_frame(Gen *g)
{
    int w = g->m64 ? 8 : 4;
    if (g->base == REG_RBP)
        return false;
    Enc lea = enc_op(w, 0x8d);
    enc_set_reg(&lea, gen_reg_fixed(REG_RBP), false);
    int k = 8 * ((int)gen_below(g, 17) - 8);
    Mem m = { .base = REG_RSP, .index = -1, .disp = k };
    enc_set_rm_mem(&lea, &m);
    if (gen_chance(g, 50)) {
        static const uint8_t leave[] = { 0xc9 };
        int delta = -k - w;         /* rsp = rbp + w */
        return stack_room(g, delta) && enc_emit(g, &lea) && enc_bytes(g, leave, 1);
    }
    int size = 8 * (int)gen_below(g, 9), level = (int)gen_below(g, 4);
    uint8_t enter[4] = { 0xc8, (uint8_t)size, 0, (uint8_t)level };
    return stack_room(g, w * (1 + level) + size) && enc_emit(g, &lea) && enc_bytes(g, enter, 4);
}

static bool t_stack(Gen *g)
{
    int size = gen_chance(g, 20) ? 2 : g->m64 ? 8 : 4;
    int push = size;
    Enc e;
    switch (gen_below(g, g->m64 ? 9 : 10)) {
    case 0:         /* PUSH reg */
        e = enc_op(size, 0x50);
        e.opreg = (int)gen_below(g, g->m64 ? 16 : 8);
        break;
    case 1:         /* POP reg */
        e = enc_op(size, 0x58);
        e.opreg = gen_reg_dst(g, size, 0).actual;
        push = -size;
        break;
    case 2:         /* PUSH imm */
        e = enc_op(size, gen_chance(g, 50) ? 0x6a : 0x68);
        set_imm(g, &e, e.op[0] == 0x6a ? 1 : size == 2 ? 2 : 4);
        break;
    case 3: {       /* PUSH m / POP m */
        Mem m;
        bool pop = gen_chance(g, 50);
        if (!gen_mem(g, &m, size, 1, 0))
            return false;
        e = enc_op(size, pop ? 0x8f : 0xff);
        e.reg = pop ? 0 : 6;
        enc_set_rm_mem(&e, &m);
        push = pop ? -size : size;
        break;
    }
    case 4: {       /* CALL next; POP reg */
        static const uint8_t call[] = { 0xe8, 0, 0, 0, 0 };
        if (!stack_room(g, 0) || !enc_bytes(g, call, 5))
            return false;
        e = enc_op(g->m64 ? 8 : 4, 0x58);
        e.opreg = gen_reg_dst(g, 4, 0).actual;
        e.no_w = true;
        return enc_emit(g, &e);
    }
    case 5: {       /* PUSHF (all flags defined first) */
        static const uint8_t pushf[] = { 0x9c };
        return gen_need_flags(g, DIFF_ARITH) && stack_room(g, g->m64 ? 8 : 4) &&
               enc_bytes(g, pushf, 1);
    }
    case 6: {       /* PUSH imm; POPF: arithmetic flags and DF only */
        uint8_t seq[6] = { 0x68, 0, 0, 0, 0, 0x9d };
        uint32_t f = 0x202 | ((uint32_t)gen_rnd(g) & (DIFF_ARITH | DIFF_DF));
        memcpy(seq + 1, &f, 4);
        if (!stack_room(g, 0) || !enc_bytes(g, seq, 5) || !enc_bytes(g, seq + 5, 1))
            return false;
        gen_flags(g, DIFF_ARITH, 0);
        return true;
    }
    case 7: {       /* CALL f; JMP over; f: RET */
        static const uint8_t call[] = { 0xe8, 2, 0, 0, 0, 0xeb, 1, 0xc3 };
        return stack_room(g, 0) && enc_bytes(g, call, 5) && enc_bytes(g, call + 5, 2) &&
               enc_bytes(g, call + 7, 1);
    }
    case 8:
        return t_frame(g);
    default: {      /* 32-bit: PUSHA; POPA */
        static const uint8_t pa[] = { 0x60 }, popa[] = { 0x61 };
        return stack_room(g, 0) && enc_bytes(g, pa, 1) && enc_bytes(g, popa, 1);
    }
    }
    if (size != 2)
        e.no_w = true;
    return stack_room(g, push) && enc_emit(g, &e);
}

/* ---- BCD (32-bit mode only) ---- */

static bool t_bcd(Gen *g)
{
    static const struct { uint8_t op; bool imm; uint32_t reads, defined, undef; } bcd[] = {
        { 0x27, false, DIFF_CF | DIFF_AF, DIFF_ARITH, DIFF_OF },        /* DAA */
        { 0x2f, false, DIFF_CF | DIFF_AF, DIFF_ARITH, DIFF_OF },        /* DAS */
        { 0x37, false, DIFF_AF, DIFF_ARITH, DIFF_OF | DIFF_SF | DIFF_ZF | DIFF_PF }, /* AAA */
        { 0x3f, false, DIFF_AF, DIFF_ARITH, DIFF_OF | DIFF_SF | DIFF_ZF | DIFF_PF }, /* AAS */
        { 0xd4, true, 0, DIFF_ARITH, DIFF_OF | DIFF_AF | DIFF_CF },     /* AAM */
        { 0xd5, true, 0, DIFF_ARITH, DIFF_OF | DIFF_AF | DIFF_CF },     /* AAD */
    };
    int i = (int)gen_below(g, 6);
    uint8_t b[2] = { bcd[i].op, (uint8_t)(gen_chance(g, 50) ? 10 : 1 + gen_below(g, 255)) };
    if (!gen_need_flags(g, bcd[i].reads) || !enc_bytes(g, b, bcd[i].imm ? 2 : 1))
        return false;
    gen_flags(g, bcd[i].defined, bcd[i].undef);
    return true;
}

/* ---- faults: the last instruction of a DIFF_CLS_FAULT sequence ---- */

/* #DE: a zero divisor, or a quotient that does not fit. */
static bool fault_de(Gen *g)
{
    int size = gen_size(g);
    bool is_signed = gen_chance(g, 50), zero = gen_chance(g, 50);
    uint64_t mask = size_mask(size);
    Reg r = gen_reg_dst(g, size, BIT(REG_RAX) | BIT(REG_RDX));
    Enc e = enc_op(size, size == 1 ? 0xf6 : 0xf7);
    e.reg = is_signed ? 7 : 6;
    enc_set_rm_reg(&e, r, size == 1);
    uint64_t d = zero ? 0 : is_signed ? mask : 1 + (gen_value(g) & (mask >> 1));
    if (!enc_mov_imm_reg(g, r, size, d))
        return false;
    if (!zero && is_signed) {       /* the most negative dividend over -1 */
        if (!enc_mov_imm(g, REG_RAX, size == 1 ? 2 : size, size == 1 ? 0x8000 : (mask >> 1) + 1))
            return false;
        if (size > 1 && !enc_mov_imm(g, REG_RDX, size, mask))
            return false;
    } else if (!zero) {             /* high half >= divisor */
        Reg ah = { 4, true, REG_RAX };
        if (!(size == 1 ? enc_mov_imm_reg(g, ah, 1, d) : enc_mov_imm(g, REG_RDX, size, d)))
            return false;
    }
    return enc_emit(g, &e);
}

static bool fault_ud(Gen *g)
{
    static const uint8_t ud[][3] = {
        { 0x0f, 0x0b }, { 0x0f, 0xff, 0xc0 }, { 0xf0, 0x01, 0xc0 }, { 0xf0, 0x90 },
        { 0x0f, 0xb9, 0xc0 }, { 0x06 }, { 0x27 }, { 0x60 }, { 0xd4, 0x0a }, { 0x62, 0xc0 },
    };
    static const int len[] = { 2, 3, 3, 2, 3, 1, 1, 1, 2, 2 };
    int n = g->m64 ? 10 : 5, i = (int)gen_below(g, (uint64_t)n);
    return enc_bytes(g, ud[i], len[i]);
}

/* #GP(0): a non-canonical address (64-bit mode). */
static bool fault_gp(Gen *g)
{
    if (!g->m64)
        return fault_ud(g);
    Reg r = gen_reg_dst(g, 8, 0);
    uint64_t a = (gen_chance(g, 50) ? 0x8000000000000000ull : 0x0000800000000000ull) +
                 gen_below(g, 0x10000);
    int size = gen_size(g);
    bool load = gen_chance(g, 50);
    Enc e = enc_op(size, (uint8_t)((load ? 0x8a : 0x88) + (size > 1)));
    enc_set_reg(&e, load ? gen_reg_dst(g, size, 0) : gen_reg_any(g, size), size == 1);
    Mem m = { .base = r.actual, .index = -1 };
    enc_set_rm_mem(&e, &m);
    return enc_mov_imm(g, r.actual, 8, a) && enc_emit(g, &e);
}

/* One access reaching into the unmapped page after the stack (64-bit
 * mode: paging is off in Kestrel's 32-bit runs), with one of ops
 * (8-bit opcodes of op r/m, reg forms). */
static bool fault_pf_access(Gen *g, const uint8_t *ops, int nb_ops)
{
    int size = gen_size(g);
    int64_t to_hole = (int64_t)DIFF_HOLE - DIFF_BASE_VALUE;
    Mem m = { .base = g->base, .index = -1,
              .disp = (int32_t)(to_hole - (int64_t)gen_below(g, (uint64_t)size) +
                                (gen_chance(g, 25) ? (int64_t)gen_below(g, 64) : 0)) };
    uint8_t op = ops[gen_below(g, (uint64_t)nb_ops)];
    Enc e = enc_op(size, (uint8_t)(op + (size > 1)));
    enc_set_reg(&e, op == 0x8a ? gen_reg_dst(g, size, 0) : gen_reg_any(g, size), size == 1);
    enc_set_rm_mem(&e, &m);
    return enc_emit(g, &e);
}

/* #PF: a load, a store, or a REP MOVS/STOS that faults part way (RCX,
 * RSI, RDI must be those of the faulting element). */
static bool fault_pf(Gen *g)
{
    if (!g->m64)
        return fault_ud(g);
    int size = gen_size(g);
    int64_t to_hole = (int64_t)DIFF_HOLE - DIFF_BASE_VALUE;
    if (gen_chance(g, 50)) {
        static const uint8_t ops[] = { 0x88, 0x8a, 0x84 };     /* MOV store/load, TEST */
        return fault_pf_access(g, ops, 3);
    }
    bool movs = gen_chance(g, 50);
    unsigned k = (unsigned)gen_below(g, 6), n = k + 1 + (unsigned)gen_below(g, 4);
    int64_t dst = to_hole - (int64_t)k * size - (int64_t)gen_below(g, (uint64_t)size);
    static const uint8_t cld[] = { 0xfc };
    Enc lea = enc_op(8, 0x8d);
    Mem m = { .base = g->base, .index = -1, .disp = (int32_t)dst, .disp_size = 4 };
    enc_set_reg(&lea, gen_reg_fixed(REG_RDI), false);
    enc_set_rm_mem(&lea, &m);
    if (!enc_bytes(g, cld, 1) || !enc_emit(g, &lea) || !enc_mov_imm(g, REG_RCX, 4, n))
        return false;
    m.disp = (int32_t)gen_below(g, 256) - 128;
    enc_set_reg(&lea, gen_reg_fixed(REG_RSI), false);
    enc_set_rm_mem(&lea, &m);
    if (movs && !enc_emit(g, &lea))
        return false;
    uint8_t b[4];
    int len = 0;
    b[len++] = 0xf3;
    if (size == 2)
        b[len++] = 0x66;
    if (size == 8)
        b[len++] = 0x48;
    b[len++] = (uint8_t)((movs ? 0xa4 : 0xaa) + (size > 1));
    return enc_bytes(g, b, len);
}

/* 32-bit mode: INTO with OF set (#OF, a trap), BOUND out of range (#BR). */
static bool fault_legacy(Gen *g)
{
    if (g->m64)
        return fault_ud(g);
    if (gen_chance(g, 50)) {
        static const uint8_t into[] = { 0xb1, 0x7f, 0x80, 0xc1, 0x01, 0xce };  /* OF = 1 */
        gen_flags(g, DIFF_ARITH, 0);
        return enc_bytes(g, into, 2) && enc_bytes(g, into + 2, 3) && enc_bytes(g, into + 5, 1);
    }
    Mem m;
    Reg r = gen_reg_dst(g, 4, 0);
    uint32_t lo = (uint32_t)gen_below(g, 1000), hi = lo + (uint32_t)gen_below(g, 1000);
    uint32_t v = gen_chance(g, 50) ? lo - 1 - (uint32_t)gen_below(g, 50) : hi + 1;
    if (!gen_mem(g, &m, 8, 1, BIT(r.actual)) || !enc_store_imm(g, &m, 4, lo))
        return false;
    Mem m_hi = m;
    m_hi.disp += 4;
    Enc e = enc_op(4, 0x62);
    enc_set_reg(&e, r, false);
    enc_set_rm_mem(&e, &m);
    return enc_store_imm(g, &m_hi, 4, hi) && enc_mov_imm(g, r.actual, 4, v) && enc_emit(g, &e);
}

static bool t_fault(Gen *g)
{
    static TemplateFn *const kinds[] = { fault_de, fault_ud, fault_pf, fault_legacy };
    static const uint8_t int3[] = { 0xcc };
    if (gen_chance(g, 10))
        return enc_bytes(g, int3, 1);
    return kinds[gen_below(g, 4)](g);
}

/* Address faults: #PF of read-modify-write instructions (the error code
 * has W set), #GP(0)/#SS(0) for non-canonical addresses. */
static bool t_fault_addr(Gen *g)
{
    static const uint8_t rmw[] = { 0x00, 0x30, 0x86, 0x08 };   /* ADD XOR XCHG OR */
    if (!g->m64)
        return fault_ud(g);
    return gen_chance(g, 50) ? fault_gp(g) : fault_pf_access(g, rmw, 4);
}

/* ---- the driver ---- */

typedef struct Template {
    TemplateFn *fn;
    DiffClass cls;
    bool filler;        /* may pad other classes and branch bodies */
} Template;

static const Template templates[] = {
    { t_alu, DIFF_CLS_ALU, true }, { t_test, DIFF_CLS_ALU, true },
    { t_unary, DIFF_CLS_ALU, true }, { t_mov, DIFF_CLS_ALU, true },
    { t_shift, DIFF_CLS_SHIFT, true }, { t_shld, DIFF_CLS_SHIFT, false },
    { t_mul, DIFF_CLS_MULDIV, false }, { t_div, DIFF_CLS_MULDIV, false },
    { t_bt, DIFF_CLS_BIT, false }, { t_bsf, DIFF_CLS_BIT, false },
    { t_setcc, DIFF_CLS_COND, true }, { t_cmov, DIFF_CLS_COND, true },
    { t_jcc, DIFF_CLS_COND, false },
    { t_string, DIFF_CLS_STRING, false },
    { t_xchg, DIFF_CLS_ATOMIC, false }, { t_cmpxchg8b, DIFF_CLS_ATOMIC, false },
    { t_bswap, DIFF_CLS_MISC, true }, { t_movx, DIFF_CLS_MISC, true },
    { t_lea, DIFF_CLS_MISC, true }, { t_misc, DIFF_CLS_MISC, true },
    { t_stack, DIFF_CLS_STACK, false },
    { t_bcd, DIFF_CLS_BCD, false },
    { t_fault, DIFF_CLS_FAULT, false }, { t_fault_addr, DIFF_CLS_FAULT_ADDR, false },
};
#define NB_TEMPLATES ((int)(sizeof(templates) / sizeof(templates[0])))

static const char *const class_names[DIFF_CLS_NB] = {
    "alu", "shift", "muldiv", "bit", "cond", "string", "atomic", "misc", "stack", "bcd",
    "fault", "addr", "x87", "sse",
};

const char *diff_class_name(DiffClass cls)
{
    return cls < DIFF_CLS_NB ? class_names[cls] : "?";
}

bool diff_class_in_group(DiffClass cls, DiffGroup group)
{
    if (cls == DIFF_CLS_X87)
        return group == DIFF_GROUP_X87;
    if (cls == DIFF_CLS_SSE)
        return group == DIFF_GROUP_SSE;
    return group == DIFF_GROUP_INT;
}

bool diff_class_in_mode(DiffClass cls, DiffMode mode)
{
    return cls != DIFF_CLS_BCD || mode == DIFF_MODE_32;
}

/* A template function of the class (or a filler); NULL if the class has none. */
static TemplateFn *pick_template(Gen *g, DiffClass cls, bool filler)
{
    if (cls == DIFF_CLS_X87 && !filler)
        return gen_x87_templates[gen_below(g, (uint64_t)gen_nb_x87_templates)];
    if (cls == DIFF_CLS_SSE && !filler)
        return gen_sse_templates[gen_below(g, (uint64_t)gen_nb_sse_templates)];
    for (;;) {
        const Template *t = &templates[gen_below(g, NB_TEMPLATES)];
        if (filler ? t->filler : t->cls == cls)
            return t->fn;
    }
}

/* Emits one template, rolling back and retrying when it cannot. */
static bool gen_one(Gen *g, DiffClass cls, bool filler)
{
    DiffSeq *s = g->seq;
    for (int tries = 0; tries < 32; tries++) {
        uint32_t len = s->len, undef = s->undef_flags;
        int nb = s->nb_insns, depth = g->depth;
        if (pick_template(g, cls, filler)(g))
            return true;
        s->len = len, s->undef_flags = undef, s->nb_insns = nb, g->depth = depth;
    }
    return false;
}

static bool gen_branch_body(Gen *g)
{
    int n = 1 + (int)gen_below(g, 3);
    for (int i = 0; i < n; i++) {
        if (!gen_one(g, DIFF_CLS_ALU, true))
            return false;
    }
    return true;
}

static void gen_initial_state(Gen *g, DiffState *st)
{
    static const int bases64[] = { REG_RBX, REG_RBP, 12, 13, 14, 15 };
    static const int bases32[] = { REG_RBX, REG_RBP };
    g->base = g->m64 ? bases64[gen_below(g, 6)] : bases32[gen_below(g, 2)];
    for (int i = 0; i < 16; i++)
        st->regs[i] = g->m64 ? gen_value(g) : (uint32_t)gen_value(g);
    if (!g->m64)
        memset(st->regs + 8, 0, 8 * sizeof(st->regs[0]));
    st->regs[REG_RSP] = DIFF_RSP_VALUE;
    st->regs[g->base] = DIFF_BASE_VALUE;
    st->rflags = 0x202 | (gen_rnd(g) & (DIFF_ARITH | DIFF_DF));
    for (int i = 0; i < 16; i++) {
        st->xmm[i].q[0] = gen_value(g);
        st->xmm[i].q[1] = gen_value(g);
    }
    for (size_t i = 0; i < DIFF_MEM_SIZE; i += 8) {
        uint64_t v = gen_chance(g, 20) ? 0 : gen_value(g);
        memcpy(st->mem + i, &v, 8);
    }
    st->rip = g->seq->code_addr;
    st->fault = -1;
}

void diff_generate(DiffSeq *seq, DiffClass cls, DiffMode mode, uint64_t seed, int nb_insns)
{
    memset(seq, 0, sizeof(*seq));
    seq->mode = mode;
    seq->cls = cls;
    seq->seed = seed;
    Gen g = { .seq = seq, .rng = seed * 0x2545f4914f6cdd1dull + cls * 7919 + mode,
              .m64 = mode == DIFF_MODE_64 };
    /* sometimes just below a page boundary, so instructions straddle it */
    seq->code_addr = DIFF_CODE + (gen_chance(&g, 30) ? 0x1000 - (uint32_t)gen_below(&g, 48)
                                                     : (uint32_t)gen_below(&g, 16));
    gen_initial_state(&g, &seq->init);
    seq->uses_xmm = cls == DIFF_CLS_SSE;
    if (cls == DIFF_CLS_X87) {
        static const uint8_t fninit[] = { 0xdb, 0xe3 };
        enc_bytes(&g, fninit, 2);
    }
    /* a fault class: fillers, then the faulting instruction */
    bool faults = cls == DIFF_CLS_FAULT || cls == DIFF_CLS_FAULT_ADDR;
    int body = faults ? nb_insns - 1 : nb_insns;
    while (seq->nb_insns < body && seq->len + 256 < DIFF_CODE_MAX) {
        bool filler = faults || gen_chance(&g, 25);
        if (!gen_one(&g, cls, filler) && !gen_one(&g, cls, true))
            break;
    }
    if (faults)
        gen_one(&g, cls, false);
}
