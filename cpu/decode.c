/*
 * decode.c - the x86 instruction decoder: bytes -> struct Insn (cpu/insn.h).
 *
 * The opcode maps are data (cpu/decode-tables.c); this file only walks
 * them: prefixes, opcode escape, selector rows, operand/address size, then
 * one small handler per operand-notation letter turns each token of the
 * row's operand string into an Operand.
 *
 * Invariants and conventions (what the translator may rely on):
 *   - Bytes are fetched on demand, exactly as many as the encoding needs,
 *     never more (so the callback runs a few times per instruction and
 *     should be cheap); DECODE_FETCH_FAULT only when a needed byte is missing.
 *     Needing a 16th byte gives DECODE_TOO_LONG. insn->len is always the
 *     number of bytes consumed, also on an error.
 *   - OPK_IMM holds the immediate extended (sign or zero, per the SDM) to
 *     the operand's size, then truncated to that size: imm is in
 *     [0, 2^(8*size)) for sizes 1, 2, 4; a 64-bit operand holds the full
 *     sign-extended value. OPK_REL holds the signed displacement (relative
 *     to pc + len) and has the operand size for truncating the target.
 *   - MemAddr.disp is the displacement sign-extended to 64 bits (moffs: the
 *     offset zero-extended); the translator wraps the sum to addrsize.
 *     Base MEM_RIP is relative to pc + len (EIP with a 67 prefix).
 *   - Effective segment: the override prefix, else SS for (E/R)BP/(E/R)SP
 *     bases (BP-based 16-bit forms), else DS. In 64-bit mode ES/CS/SS/DS
 *     overrides are null prefixes (they neither set PFX_SEG nor cancel an
 *     FS/GS override). The last segment prefix wins; of F2/F3 the last one.
 *   - Without a memory operand, insn->mem.seg still holds the override or
 *     DS, for implicit DS accesses (XLAT).
 *   - String instructions: their X (DS:rSI, overridable) and Y (ES:rDI)
 *     operands are OPK_MEM with reg = R_ESI / R_EDI and the element size;
 *     insn->mem describes X when present, else Y.
 *   - x87 (D8-DF): op X86_FPU, ops[0] is the memory operand (size 0: the
 *     helper knows it from opcode and modrm) or OPK_ST(rm).
 *   - SSE rows: op X86_SSE, only the ModRM.rm operand (OPK_XMM or OPK_MEM,
 *     size 16) and imm8 are given; 66 is a mandatory prefix (and then does
 *     not change opsize) only when it selects an X86_SSE row.
 *   - IA_PRIV and IA_NO_REAL are only reported: the decoder does not know
 *     CPL or real mode; the translator raises #GP/#UD from them.
 */
#include "cpu/decode-tables.h"
#include "kestrel/cpu.h"

#define X86_MAX_INSN_LEN 15

typedef struct DecodeState {
    Insn *insn;
    DecodeMode mode;
    InsnFetch *fetch;
    void *opaque;
    uint8_t buf[X86_MAX_INSN_LEN];
    int have;               /* bytes in buf */
    int pos;                /* bytes consumed */
    DecodeResult err;
    int seg_override;       /* R_ES..R_GS, or -1 */
    uint8_t last_rep;       /* 0, 0xf2 or 0xf3 */
    bool opsize_mandatory;  /* the 66 prefix selected an SSE row */
    bool mem_from_x;        /* insn->mem describes a string X operand */
} DecodeState;

/* --- Byte fetching --- */

/* Makes bytes [pos, pos + n) available; false with s->err set otherwise. */
static bool dec_need(DecodeState *s, int n)
{
    int need = s->pos + n;

    if (need > X86_MAX_INSN_LEN) {
        s->err = DECODE_TOO_LONG;
        return false;
    }
    while (s->have < need) {
        int want = need - s->have;
        int got = s->fetch(s->opaque, s->insn->pc + s->have, s->buf + s->have, want);
        if (got <= 0) {
            s->err = DECODE_FETCH_FAULT;
            return false;
        }
        s->have += got < want ? got : want;
    }
    return true;
}

/* Reads an n-byte little-endian value, sign-extended if sign. */
static bool dec_read(DecodeState *s, int n, bool sign, uint64_t *val)
{
    uint64_t v = 0;

    if (!dec_need(s, n)) {
        return false;
    }
    for (int i = n - 1; i >= 0; i--) {
        v = v << 8 | s->buf[s->pos + i];
    }
    s->pos += n;
    if (sign && n < 8) {
        int shift = 64 - 8 * n;
        v = (uint64_t)((int64_t)(v << shift) >> shift);
    }
    *val = v;
    return true;
}

static bool dec_u8(DecodeState *s, uint8_t *b)
{
    uint64_t v;

    if (!dec_read(s, 1, false, &v)) {
        return false;
    }
    *b = (uint8_t)v;
    return true;
}

static bool dec_modrm(DecodeState *s)
{
    if (s->insn->has_modrm) {
        return true;
    }
    s->insn->has_modrm = dec_u8(s, &s->insn->modrm);
    return s->insn->has_modrm;
}

static uint64_t truncate_to(uint64_t v, int size)
{
    return size >= 8 ? v : v & ((1ULL << (8 * size)) - 1);
}

static int modrm_mod(const Insn *insn) { return insn->modrm >> 6; }
static int modrm_reg(const Insn *insn) { return insn->modrm >> 3 & 7; }
static int modrm_rm(const Insn *insn) { return insn->modrm & 7; }
static int rex_bit(const Insn *insn, int bit) { return insn->rex >> bit & 1; }

/* --- Prefixes and opcode --- */

static const int8_t prefix_segment[256] = {
    [0x26] = R_ES + 1, [0x2e] = R_CS + 1, [0x36] = R_SS + 1,
    [0x3e] = R_DS + 1, [0x64] = R_FS + 1, [0x65] = R_GS + 1,
};

/* Consumes prefixes; returns the first opcode byte in *opc. A REX prefix
 * counts only when it immediately precedes the opcode. */
static bool decode_prefixes(DecodeState *s, uint8_t *opc)
{
    Insn *insn = s->insn;

    for (;;) {
        uint8_t b;
        if (!dec_u8(s, &b)) {
            return false;
        }
        if (prefix_segment[b]) {
            /* 64-bit mode: ES/CS/SS/DS overrides are null prefixes */
            if (!s->mode.code64 || prefix_segment[b] - 1 >= R_FS) {
                s->seg_override = prefix_segment[b] - 1;
            }
        } else if (b == 0xf0) {
            insn->prefixes |= PFX_LOCK;
        } else if (b == 0xf2 || b == 0xf3) {
            s->last_rep = b;
        } else if (b == 0x66) {
            insn->prefixes |= PFX_OPSIZE;
        } else if (b == 0x67) {
            insn->prefixes |= PFX_ADSIZE;
        } else if (s->mode.code64 && (b & 0xf0) == 0x40) {
            insn->rex = b;
            continue;
        } else {
            *opc = b;
            return true;
        }
        insn->rex = 0;
    }
}

/* Records the prefix state that depends on the whole prefix run. */
static void decode_finish_prefixes(DecodeState *s)
{
    Insn *insn = s->insn;

    if (s->last_rep) {
        insn->prefixes |= s->last_rep == 0xf3 ? PFX_REPZ : PFX_REPNZ;
    }
    if (insn->rex) {
        insn->prefixes |= PFX_REX;
    }
    if (s->seg_override >= 0) {
        insn->prefixes |= PFX_SEG;
    }
}

static int mandatory_prefix_index(const DecodeState *s)
{
    if (s->last_rep) {
        return s->last_rep == 0xf3 ? 2 : 3;
    }
    return s->insn->prefixes & PFX_OPSIZE ? 1 : 0;
}

/* Index into a selector row's sub-table, or -1 with s->err set. */
static int decode_select(DecodeState *s, const X86OpRow *row)
{
    const Insn *insn = s->insn;

    switch (row->sel) {
    case SEL_REG:
    case SEL_MOD:
    case SEL_RM:
        if (!dec_modrm(s)) {
            return -1;
        }
        return row->sel == SEL_REG ? modrm_reg(insn)
             : row->sel == SEL_RM ? modrm_rm(insn)
             : modrm_mod(insn) == 3;
    case SEL_PFX: {
        int idx = mandatory_prefix_index(s);
        s->opsize_mandatory = idx == 1 && row->sub[idx].op == X86_SSE;
        return idx;
    }
    case SEL_MODE64:
        return s->mode.code64;
    case SEL_REXW:
        return rex_bit(insn, 3);
    case SEL_REXB:
        return rex_bit(insn, 0);
    default:
        assert(!"bad selector");
        return -1;
    }
}

/* Reads the rest of the opcode and resolves selectors to one row. */
static const X86OpRow *decode_opcode(DecodeState *s, uint8_t b)
{
    static const X86OpRow *const maps[4] = {
        x86_map_onebyte, x86_map_0f, x86_map_0f38, x86_map_0f3a,
    };
    int map = 0;
    const X86OpRow *row;

    if (b == 0x0f) {
        if (!dec_u8(s, &b)) {
            return NULL;
        }
        map = 1;
        if (b == 0x38 || b == 0x3a) {
            map = b == 0x38 ? 2 : 3;
            if (!dec_u8(s, &b)) {
                return NULL;
            }
        }
    }
    s->insn->opcode = (uint16_t)(map << 8 | b);
    row = &maps[map][b];
    while (row->sel != SEL_NONE) {
        int idx = decode_select(s, row);
        if (idx < 0) {
            return NULL;
        }
        row = &row->sub[idx];
    }
    return row;
}

static void decode_sizes(DecodeState *s, uint16_t attrs)
{
    Insn *insn = s->insn;
    bool p66 = (insn->prefixes & PFX_OPSIZE) && !s->opsize_mandatory;
    bool p67 = insn->prefixes & PFX_ADSIZE;

    if (s->mode.code64) {
        insn->addrsize = p67 ? 4 : 8;
        if (rex_bit(insn, 3) || (attrs & IA_FORCE64)) {
            insn->opsize = 8;
        } else if (p66) {
            insn->opsize = 2;
        } else {
            insn->opsize = attrs & IA_DEF64 ? 8 : 4;
        }
    } else {
        insn->opsize = s->mode.code32 != p66 ? 4 : 2;
        insn->addrsize = s->mode.code32 != p67 ? 4 : 2;
    }
}

/* --- Effective addresses --- */

static int default_segment(int base)
{
    return base == R_EBP || base == R_ESP ? R_SS : R_DS;
}

static int effective_segment(const DecodeState *s, int dflt)
{
    return s->seg_override >= 0 ? s->seg_override : dflt;
}

/* 16-bit forms: Intel SDM Vol. 2, Table 2-1. */
static bool decode_ea16(DecodeState *s, MemAddr *m)
{
    static const uint8_t base16[8] = {
        R_EBX, R_EBX, R_EBP, R_EBP, R_ESI, R_EDI, R_EBP, R_EBX,
    };
    static const uint8_t index16[8] = {
        R_ESI, R_EDI, R_ESI, R_EDI, MEM_NO_REG, MEM_NO_REG, MEM_NO_REG, MEM_NO_REG,
    };
    int mod = modrm_mod(s->insn), rm = modrm_rm(s->insn);
    uint64_t disp = 0;

    m->base = base16[rm];
    m->index = index16[rm];
    if (mod == 0 && rm == 6) {
        m->base = MEM_NO_REG;
    }
    if ((mod == 0 && rm == 6) || mod == 2) {
        if (!dec_read(s, 2, true, &disp)) {
            return false;
        }
    } else if (mod == 1 && !dec_read(s, 1, true, &disp)) {
        return false;
    }
    m->disp = (int64_t)disp;
    m->seg = (uint8_t)effective_segment(s, m->base == R_EBP ? R_SS : R_DS);
    return true;
}

/* 32/64-bit forms: Intel SDM Vol. 2, Tables 2-2, 2-3 and 2-7 (RIP-relative). */
static bool decode_ea32(DecodeState *s, MemAddr *m)
{
    const Insn *insn = s->insn;
    int mod = modrm_mod(insn), rm = modrm_rm(insn);
    int disp_bytes = mod == 1 ? 1 : mod == 2 ? 4 : 0;
    uint64_t disp = 0;

    m->index = MEM_NO_REG;
    if (rm == 4) {
        uint8_t sib;
        if (!dec_u8(s, &sib)) {
            return false;
        }
        int index = (sib >> 3 & 7) | rex_bit(insn, 1) << 3;
        m->index = index == R_ESP ? MEM_NO_REG : (uint8_t)index;
        m->scale = sib >> 6;
        m->base = (uint8_t)((sib & 7) | rex_bit(insn, 0) << 3);
        if ((sib & 7) == 5 && mod == 0) {
            m->base = MEM_NO_REG;
            disp_bytes = 4;
        }
    } else if (rm == 5 && mod == 0) {
        m->base = s->mode.code64 ? MEM_RIP : MEM_NO_REG;
        disp_bytes = 4;
    } else {
        m->base = (uint8_t)(rm | rex_bit(insn, 0) << 3);
    }
    if (disp_bytes && !dec_read(s, disp_bytes, true, &disp)) {
        return false;
    }
    m->disp = (int64_t)disp;
    m->seg = (uint8_t)effective_segment(s, default_segment(m->base));
    return true;
}

/* Operand from ModRM.rm when mod != 3: reads SIB and displacement. */
static bool decode_modrm_mem(DecodeState *s, Operand *op, int size)
{
    Insn *insn = s->insn;

    op->kind = OPK_MEM;
    op->size = (uint8_t)size;
    return insn->addrsize == 2 ? decode_ea16(s, &insn->mem) : decode_ea32(s, &insn->mem);
}

/* --- Operands --- */

static void set_gpr(const DecodeState *s, Operand *op, int reg, int size)
{
    op->kind = OPK_REG;
    op->size = (uint8_t)size;
    op->reg = (uint8_t)reg;
    if (size == 1 && !s->insn->rex && reg >= 4 && reg < 8) {
        op->reg = (uint8_t)(reg - 4);
        op->high8 = true;
    }
}

/* Bytes of an SDM size code (Appendix A.2.2). */
static int operand_size(const DecodeState *s, const char *code)
{
    int v = s->insn->opsize;

    switch (code[0]) {
    case 0:   return 0;
    case 'b': return 1;
    case 'w': return 2;
    case 'd': return code[1] == 'q' ? 16 : 4;
    case 'q': return 8;
    case 'x': return 16;
    case 'v': return v;
    case 'z': return v == 2 ? 2 : 4;
    case 'y': return v == 8 ? 8 : 4;
    case 'p': return v + 2;
    case 'a': return 2 * v;
    case 's': return s->mode.code64 ? 10 : 6;
    default:
        assert(!"bad operand size code");
        return 0;
    }
}

/* Operands named by register in the notation (A.2.3). */
typedef struct FixedOperand {
    char name[4];
    uint8_t kind, reg;    /* reg: the value for OPK_IMM */
    char size[2];
} FixedOperand;

static const FixedOperand fixed_operands[] = {
    { "AL", OPK_REG, R_EAX, "b" }, { "CL", OPK_REG, R_ECX, "b" },
    { "DX", OPK_REG, R_EDX, "w" }, { "eAX", OPK_REG, R_EAX, "z" },
    { "rAX", OPK_REG, R_EAX, "v" }, { "1", OPK_IMM, 1, "b" },
    { "ES", OPK_SREG, R_ES, "w" }, { "CS", OPK_SREG, R_CS, "w" },
    { "SS", OPK_SREG, R_SS, "w" }, { "DS", OPK_SREG, R_DS, "w" },
    { "FS", OPK_SREG, R_FS, "w" }, { "GS", OPK_SREG, R_GS, "w" },
};

/* Fixed names are all capitals (AL, DX, ES), start in lower case (eAX,
 * rAX) or are digits (1); addressing-method tokens are one capital and a
 * size code, so most tokens skip the table search. */
static const FixedOperand *find_fixed_operand(const char *tok)
{
    bool method_token = tok[0] >= 'A' && tok[0] <= 'Z' && !(tok[1] >= 'A' && tok[1] <= 'Z');

    if (method_token) {
        return NULL;
    }
    for (size_t i = 0; i < ARRAY_SIZE(fixed_operands); i++) {
        if (!strcmp(tok, fixed_operands[i].name)) {
            return &fixed_operands[i];
        }
    }
    return NULL;
}

static void op_reg_of_kind(Operand *op, OperandKind kind, int reg, int size)
{
    op->kind = kind;
    op->size = (uint8_t)size;
    op->reg = (uint8_t)reg;
}

static void op_fixed(const DecodeState *s, const FixedOperand *f, Operand *op)
{
    int size = operand_size(s, f->size);

    if (f->kind == OPK_REG) {
        set_gpr(s, op, f->reg, size);
    } else if (f->kind == OPK_IMM) {
        op->kind = OPK_IMM;
        op->size = (uint8_t)size;
        op->imm = f->reg;
    } else {
        op_reg_of_kind(op, f->kind, f->reg, size);
    }
}

static bool decode_ud(DecodeState *s)
{
    s->err = DECODE_UD;
    return false;
}

/* E: register or memory; "Rv/Mw"-style tokens pass their two sizes. */
static bool op_rm(DecodeState *s, Operand *op, int reg_size, int mem_size)
{
    const Insn *insn = s->insn;

    if (modrm_mod(insn) == 3) {
        set_gpr(s, op, modrm_rm(insn) | rex_bit(insn, 0) << 3, reg_size);
        return true;
    }
    return decode_modrm_mem(s, op, mem_size);
}

static bool op_control_reg(DecodeState *s, Operand *op, OperandKind kind, int size)
{
    const Insn *insn = s->insn;
    int reg = modrm_reg(insn) | rex_bit(insn, 2) << 3;
    bool valid = kind == OPK_DREG ? reg < 8
               : reg == 0 || (reg >= 2 && reg <= 4) || (reg == 8 && s->mode.code64);

    if (!valid) {
        return decode_ud(s);
    }
    op->kind = kind;
    op->size = (uint8_t)size;
    op->reg = (uint8_t)reg;
    return true;
}

/* I: immediates. "bs" is a byte sign-extended to the operand size; z is
 * 16 or 32 bits sign-extended to a 64-bit operand size. */
static bool op_imm(DecodeState *s, Operand *op, const char *code)
{
    int v = s->insn->opsize;
    int nbytes, size;
    uint64_t val;

    if (!strcmp(code, "bs")) {
        nbytes = 1;
        size = v;
    } else if (code[0] == 'z') {
        nbytes = v == 2 ? 2 : 4;
        size = v;
    } else {
        nbytes = size = operand_size(s, code);
    }
    if (!dec_read(s, nbytes, true, &val)) {
        return false;
    }
    op->kind = OPK_IMM;
    op->size = (uint8_t)size;
    op->imm = (int64_t)truncate_to(val, size);
    return true;
}

static bool op_rel(DecodeState *s, Operand *op, const char *code)
{
    int v = s->insn->opsize;
    uint64_t val;

    if (!dec_read(s, code[0] == 'b' ? 1 : v == 2 ? 2 : 4, true, &val)) {
        return false;
    }
    op->kind = OPK_REL;
    op->size = (uint8_t)v;
    op->imm = (int64_t)val;
    return true;
}

/* O: moffs, an absolute offset of the address size (A0-A3). */
static bool op_moffs(DecodeState *s, Operand *op, int size)
{
    Insn *insn = s->insn;
    uint64_t off;

    if (!dec_read(s, insn->addrsize, false, &off)) {
        return false;
    }
    insn->mem = (MemAddr){ .base = MEM_NO_REG, .index = MEM_NO_REG,
                           .seg = (uint8_t)effective_segment(s, R_DS),
                           .disp = (int64_t)off };
    op->kind = OPK_MEM;
    op->size = (uint8_t)size;
    return true;
}

/* A: ptr16:16 / ptr16:32, offset first. */
static bool op_farptr(DecodeState *s, Operand *op)
{
    int off_bytes = s->insn->opsize == 2 ? 2 : 4;
    uint64_t off, sel;

    if (!dec_read(s, off_bytes, false, &off) || !dec_read(s, 2, false, &sel)) {
        return false;
    }
    op->kind = OPK_FARPTR;
    op->size = (uint8_t)(off_bytes + 2);
    op->imm = (int64_t)off;
    op->imm2 = sel;
    return true;
}

/* X/Y: the string operands DS:rSI (overridable) and ES:rDI. */
static void op_string(DecodeState *s, Operand *op, bool is_x, int size)
{
    Insn *insn = s->insn;
    int reg = is_x ? R_ESI : R_EDI;

    op->kind = OPK_MEM;
    op->size = (uint8_t)size;
    op->reg = (uint8_t)reg;
    if (is_x || !s->mem_from_x) {
        insn->mem = (MemAddr){ .base = (uint8_t)reg, .index = MEM_NO_REG,
                               .seg = (uint8_t)(is_x ? effective_segment(s, R_DS) : R_ES) };
        s->mem_from_x = is_x;
    }
}

/* ModRM.rm naming a register of another file (ST, XMM) or memory. */
static bool op_rm_other(DecodeState *s, Operand *op, OperandKind kind, int reg,
                        int reg_size, int mem_size)
{
    if (modrm_mod(s->insn) == 3) {
        op_reg_of_kind(op, kind, reg, reg_size);
        return true;
    }
    return decode_modrm_mem(s, op, mem_size);
}

/* One token of a row's operand notation (not a fixed name) -> *op. */
static bool decode_operand(DecodeState *s, const char *tok, Operand *op)
{
    const Insn *insn = s->insn;
    const char *code = tok + 1, *slash = strchr(tok, '/');
    int rm = modrm_rm(insn) | rex_bit(insn, 0) << 3;
    int size;

    switch (tok[0]) {
    case 'I': return op_imm(s, op, code);
    case 'J': return op_rel(s, op, code);
    case 'A': return op_farptr(s, op);
    default: break;
    }
    if (slash) {                                      /* "Rv/Mw" */
        char reg_code[2] = { tok[1], 0 };
        return op_rm(s, op, operand_size(s, reg_code), operand_size(s, slash + 2));
    }
    size = operand_size(s, code);
    switch (tok[0]) {
    case 'E': return op_rm(s, op, size, size);
    case 'M': return modrm_mod(insn) == 3 ? decode_ud(s) : decode_modrm_mem(s, op, size);
    case 'R': set_gpr(s, op, rm, size); return true;
    case 'G': set_gpr(s, op, modrm_reg(insn) | rex_bit(insn, 2) << 3, size); return true;
    case 'Z': set_gpr(s, op, (insn->opcode & 7) | rex_bit(insn, 0) << 3, size); return true;
    case 'S':
        if (modrm_reg(insn) >= NB_SEGS) {
            return decode_ud(s);
        }
        op_reg_of_kind(op, OPK_SREG, modrm_reg(insn), size);
        return true;
    case 'C': return op_control_reg(s, op, OPK_CREG, size);
    case 'D': return op_control_reg(s, op, OPK_DREG, size);
    case 'O': return op_moffs(s, op, size);
    case 'X':
    case 'Y':
        op_string(s, op, tok[0] == 'X', size);
        return true;
    case 'F': return op_rm_other(s, op, OPK_ST, modrm_rm(insn), 10, size);
    case 'W': return op_rm_other(s, op, OPK_XMM, rm, size, size);
    default:
        assert(!"bad operand notation");
        return decode_ud(s);
    }
}

/* Splits the notation string and decodes each operand in order. */
static bool decode_operands(DecodeState *s, const char *args)
{
    Insn *insn = s->insn;
    const char *p = args;

    while (*p) {
        char tok[8];
        size_t len = strcspn(p, ",");
        assert(len < sizeof(tok) && insn->nb_ops < ARRAY_SIZE(insn->ops));
        memcpy(tok, p, len);
        tok[len] = 0;
        Operand *op = &insn->ops[insn->nb_ops++];
        const FixedOperand *fixed = find_fixed_operand(tok);
        if (fixed) {
            op_fixed(s, fixed, op);
        } else if ((strchr("EGMRSCDFW", tok[0]) && !dec_modrm(s)) ||
                   !decode_operand(s, tok, op)) {
            return false;
        }
        p += len + (p[len] == ',');
    }
    return true;
}

/* Checks that need the whole instruction: LOCK, MOV to CS. */
static bool decode_validate(DecodeState *s)
{
    const Insn *insn = s->insn;
    bool lock_ok = (insn->attrs & IA_LOCK) && insn->nb_ops && insn->ops[0].kind == OPK_MEM;

    if ((insn->prefixes & PFX_LOCK) && !lock_ok) {
        return decode_ud(s);
    }
    if (insn->op == X86_MOV_TO_SEG && insn->ops[0].reg == R_CS) {
        return decode_ud(s);
    }
    return true;
}

static bool decode_mode_ok(const DecodeState *s, uint16_t attrs)
{
    return s->mode.code64 ? !(attrs & IA_NO64) : !(attrs & IA_ONLY64);
}

static bool has_condition(X86Op op)
{
    return op == X86_JCC || op == X86_SETCC || op == X86_CMOVCC;
}

static DecodeResult decode_insn(DecodeState *s)
{
    Insn *insn = s->insn;
    const X86OpRow *row;
    uint8_t b;

    if (!decode_prefixes(s, &b)) {
        return s->err;
    }
    decode_finish_prefixes(s);
    insn->mem.seg = (uint8_t)effective_segment(s, R_DS);  /* XLAT: DS:[rBX+AL] */
    row = decode_opcode(s, b);
    if (!row) {
        return s->err;
    }
    if (row->op == X86_INVALID || !decode_mode_ok(s, row->attrs)) {
        return DECODE_UD;
    }
    insn->op = (X86Op)row->op;
    insn->attrs = row->attrs;
    if (has_condition(insn->op)) {
        insn->cond = insn->opcode & 15;
    }
    decode_sizes(s, row->attrs);
    if (!decode_operands(s, row->args) || !decode_validate(s)) {
        return s->err;
    }
    return DECODE_OK;
}

DecodeResult x86_decode(Insn *insn, DecodeMode mode, uint64_t pc,
                        InsnFetch *fetch, void *opaque)
{
    DecodeState s = {
        .insn = insn, .mode = mode, .fetch = fetch, .opaque = opaque,
        .seg_override = -1,
    };
    DecodeResult r;

    memset(insn, 0, sizeof(*insn));
    insn->pc = pc;
    insn->mem = (MemAddr){ .base = MEM_NO_REG, .index = MEM_NO_REG, .seg = R_DS };
    r = decode_insn(&s);
    insn->len = (uint8_t)s.pos;
    if (r != DECODE_OK) {
        insn->op = X86_INVALID;
    }
    return r;
}

typedef struct BufFetch {
    const uint8_t *buf;
    int len;
    uint64_t pc;
} BufFetch;

static int buf_fetch(void *opaque, uint64_t pc, uint8_t *out, int len)
{
    const BufFetch *b = opaque;
    uint64_t off = pc - b->pc;
    int n;

    if (off >= (uint64_t)b->len) {
        return 0;
    }
    n = b->len - (int)off < len ? b->len - (int)off : len;
    memcpy(out, b->buf + off, (size_t)n);
    return n;
}

DecodeResult x86_decode_buf(Insn *insn, DecodeMode mode, uint64_t pc,
                            const uint8_t *buf, int len)
{
    BufFetch b = { .buf = buf, .len = len, .pc = pc };

    return x86_decode(insn, mode, pc, buf_fetch, &b);
}
