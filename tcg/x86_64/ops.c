/*
 * ops.c - one emitter per IR op and the table jit_op_defs: op -> (emitter,
 * which inputs may be immediates). backend.c allocates the operands as the
 * table says and calls the emitter with outputs then inputs in JitArg form.
 *
 * Invariants: an emitter reads all its inputs before it writes an output
 * register, or copes with any aliasing between outputs and inputs (the
 * allocator may give an output the register of an input that dies here,
 * and an output temp that is also an input keeps its register); rax, rcx
 * and rdx are free scratch; I32 results are written with 32-bit
 * operations so their upper halves are zero.
 */
#include "tcg/x86_64/jit.h"

#define IMM0 (1u << 0)     /* the first input may be an immediate */
#define IMM1 (1u << 1)     /* the second input may be an immediate */

static bool op_w(const IROp *op)
{
    return op->type == IR_I64;
}

static JitOpc opc_w(const IROp *op)
{
    return op_w(op) ? P_W : 0;
}

int jit_cond_cc(IRCond c)
{
    static const int8_t cc[] = {
        [IR_COND_EQ] = CC_E, [IR_COND_NE] = CC_NE, [IR_COND_LT] = CC_L, [IR_COND_GE] = CC_GE,
        [IR_COND_LE] = CC_LE, [IR_COND_GT] = CC_G, [IR_COND_LTU] = CC_B, [IR_COND_GEU] = CC_AE,
        [IR_COND_LEU] = CC_BE, [IR_COND_GTU] = CC_A, [IR_COND_TSTEQ] = CC_E,
        [IR_COND_TSTNE] = CC_NE,
    };
    return cc[c];
}

void jit_emit_compare(Jit *j, IRCond c, IRType t, const JitArg *a, const JitArg *b)
{
    bool w = t == IR_I64;
    bool tst = c == IR_COND_TSTEQ || c == IR_COND_TSTNE;
    if (!b->imm) {
        if (tst)
            emit_modrm(&j->b, OPC_TEST_EvGv | (w ? P_W : 0), b->reg, a->reg);
        else
            emit_arith_rr(&j->b, ARITH_CMP, w, a->reg, b->reg);
    } else if (tst) {
        emit_modrm(&j->b, OPC_GRP3 | (w ? P_W : 0), 0, a->reg);
        emit_u32(&j->b, (uint32_t)b->val);
    } else {
        emit_arith_ri(&j->b, ARITH_CMP, w, a->reg, (int32_t)b->val);
    }
}

/* d = x (register or immediate). */
static void emit_mov(Jit *j, const IROp *op, const JitArg *a)
{
    if (a[1].imm)
        emit_movi(&j->b, op_w(op), a[0].reg, (uint64_t)a[1].val);
    else
        emit_mov_rr(&j->b, op_w(op), a[0].reg, a[1].reg);
}

/* d = x op y for the ALU group; x in a register, y maybe immediate. */
static void emit_alu(Jit *j, const IROp *op, const JitArg *a, int arith, bool commutative)
{
    bool w = op_w(op);
    int d = a[0].reg, x = a[1].reg;
    if (a[2].imm) {
        emit_mov_rr(&j->b, w, d, x);
        emit_arith_ri(&j->b, arith, w, d, (int32_t)a[2].val);
    } else if (d == a[2].reg && d != x) {
        if (commutative) {
            emit_arith_rr(&j->b, arith, w, d, x);
        } else {
            emit_mov_rr(&j->b, w, R_AX, x);
            emit_arith_rr(&j->b, arith, w, R_AX, a[2].reg);
            emit_mov_rr(&j->b, w, d, R_AX);
        }
    } else {
        emit_mov_rr(&j->b, w, d, x);
        emit_arith_rr(&j->b, arith, w, d, a[2].reg);
    }
}

/* add/sub of a constant into another register: one lea. */
static bool emit_lea_const(Jit *j, const IROp *op, const JitArg *a, int64_t addend)
{
    if (!a[2].imm || a[0].reg == a[1].reg || addend != (int32_t)addend)
        return false;
    emit_modrm_mem(&j->b, OPC_LEA | opc_w(op), a[0].reg, a[1].reg, -1, (int32_t)addend);
    return true;
}

static void emit_add(Jit *j, const IROp *op, const JitArg *a)
{
    if (!emit_lea_const(j, op, a, a[2].val))
        emit_alu(j, op, a, ARITH_ADD, true);
}

static void emit_sub(Jit *j, const IROp *op, const JitArg *a)
{
    if (!emit_lea_const(j, op, a, -a[2].val))
        emit_alu(j, op, a, ARITH_SUB, false);
}

static void emit_and(Jit *j, const IROp *op, const JitArg *a) { emit_alu(j, op, a, ARITH_AND, true); }
static void emit_or(Jit *j, const IROp *op, const JitArg *a)  { emit_alu(j, op, a, ARITH_OR, true); }
static void emit_xor(Jit *j, const IROp *op, const JitArg *a) { emit_alu(j, op, a, ARITH_XOR, true); }

static void emit_mul(Jit *j, const IROp *op, const JitArg *a)
{
    int d = a[0].reg, x = a[1].reg;
    if (a[2].imm) {
        emit_modrm(&j->b, OPC_IMUL_GvEvIz | opc_w(op), d, x);
        emit_u32(&j->b, (uint32_t)a[2].val);
        return;
    }
    int y = a[2].reg;
    if (d == y) {
        y = x;
    } else {
        emit_mov_rr(&j->b, op_w(op), d, x);
    }
    emit_modrm(&j->b, OPC_IMUL_GvEv | opc_w(op), d, y);
}

static void emit_andc(Jit *j, const IROp *op, const JitArg *a)
{
    bool w = op_w(op);
    if (a[2].imm) {
        emit_mov_rr(&j->b, w, a[0].reg, a[1].reg);
        emit_arith_ri(&j->b, ARITH_AND, w, a[0].reg, (int32_t)~a[2].val);
        return;
    }
    emit_mov_rr(&j->b, w, R_AX, a[2].reg);
    emit_modrm(&j->b, OPC_GRP3 | opc_w(op), EXT3_NOT, R_AX);
    emit_arith_rr(&j->b, ARITH_AND, w, R_AX, a[1].reg);
    emit_mov_rr(&j->b, w, a[0].reg, R_AX);
}

static void emit_grp3_unary(Jit *j, const IROp *op, const JitArg *a, int ext)
{
    emit_mov_rr(&j->b, op_w(op), a[0].reg, a[1].reg);
    emit_modrm(&j->b, OPC_GRP3 | opc_w(op), ext, a[0].reg);
}

static void emit_neg(Jit *j, const IROp *op, const JitArg *a) { emit_grp3_unary(j, op, a, EXT3_NEG); }
static void emit_not(Jit *j, const IROp *op, const JitArg *a) { emit_grp3_unary(j, op, a, EXT3_NOT); }

/* Shifts and rotates: a constant count is an immediate, else it goes to cl. */
static void emit_shift(Jit *j, const IROp *op, const JitArg *a, int kind)
{
    bool w = op_w(op);
    int d = a[0].reg;
    if (a[2].imm) {
        unsigned cnt = (unsigned)a[2].val & (w ? 63 : 31);
        emit_mov_rr(&j->b, w, d, a[1].reg);
        if (cnt)
            emit_shift_ri(&j->b, kind, w, d, cnt);
        return;
    }
    emit_mov_rr(&j->b, false, R_CX, a[2].reg);
    emit_mov_rr(&j->b, w, d, a[1].reg);
    emit_modrm(&j->b, OPC_SHIFT_CL | opc_w(op), kind, d);
}

static void emit_shl(Jit *j, const IROp *op, const JitArg *a)  { emit_shift(j, op, a, SHIFT_SHL); }
static void emit_shr(Jit *j, const IROp *op, const JitArg *a)  { emit_shift(j, op, a, SHIFT_SHR); }
static void emit_sar(Jit *j, const IROp *op, const JitArg *a)  { emit_shift(j, op, a, SHIFT_SAR); }
static void emit_rotl(Jit *j, const IROp *op, const JitArg *a) { emit_shift(j, op, a, SHIFT_ROL); }
static void emit_rotr(Jit *j, const IROp *op, const JitArg *a) { emit_shift(j, op, a, SHIFT_ROR); }

/*
 * Division with the semantics of tcg/ir-eval.h, so that even a front-end
 * bug cannot trap on the host: x / 0 = x % 0 = 0, signed x / -1 = -x and
 * x % -1 = 0. rax:rdx are the implicit operands.
 */
static void emit_divrem(Jit *j, const IROp *op, const JitArg *a, bool is_signed, bool rem)
{
    JitBuf *b = &j->b;
    bool w = op_w(op);
    int y = a[2].reg;
    emit_mov_rr(b, w, R_AX, a[1].reg);
    emit_modrm(b, OPC_TEST_EvGv | opc_w(op), y, y);
    size_t to_zero = emit_jcc_fwd(b, CC_E), to_minus1 = 0;
    if (is_signed) {
        emit_arith_ri(b, ARITH_CMP, w, y, -1);
        to_minus1 = emit_jcc_fwd(b, CC_E);
        emit_opc_reg(b, OPC_CQO | opc_w(op), 0);
    } else {
        emit_arith_rr(b, ARITH_XOR, false, R_DX, R_DX);
    }
    emit_modrm(b, OPC_GRP3 | opc_w(op), is_signed ? EXT3_IDIV : EXT3_DIV, y);
    size_t to_done = emit_jmp_fwd(b), to_done2 = 0;
    if (is_signed) {
        emit_bind_here(b, to_minus1);
        emit_arith_rr(b, ARITH_XOR, false, R_DX, R_DX);
        emit_modrm(b, OPC_GRP3 | opc_w(op), EXT3_NEG, R_AX);
        to_done2 = emit_jmp_fwd(b);
    }
    emit_bind_here(b, to_zero);
    emit_arith_rr(b, ARITH_XOR, false, R_AX, R_AX);
    emit_arith_rr(b, ARITH_XOR, false, R_DX, R_DX);
    emit_bind_here(b, to_done);
    if (is_signed)
        emit_bind_here(b, to_done2);
    emit_mov_rr(b, w, a[0].reg, rem ? R_DX : R_AX);
}

static void emit_div(Jit *j, const IROp *op, const JitArg *a)  { emit_divrem(j, op, a, true, false); }
static void emit_divu(Jit *j, const IROp *op, const JitArg *a) { emit_divrem(j, op, a, false, false); }
static void emit_rem(Jit *j, const IROp *op, const JitArg *a)  { emit_divrem(j, op, a, true, true); }
static void emit_remu(Jit *j, const IROp *op, const JitArg *a) { emit_divrem(j, op, a, false, true); }

/* lo, hi = x * y through rdx:rax. */
static void emit_mul2(Jit *j, const IROp *op, const JitArg *a, int ext)
{
    emit_mov_rr(&j->b, op_w(op), R_AX, a[2].reg);
    emit_modrm(&j->b, OPC_GRP3 | opc_w(op), ext, a[3].reg);
    emit_mov_rr(&j->b, op_w(op), a[0].reg, R_AX);
    emit_mov_rr(&j->b, op_w(op), a[1].reg, R_DX);
}

static void emit_mulu2(Jit *j, const IROp *op, const JitArg *a) { emit_mul2(j, op, a, EXT3_MUL); }
static void emit_muls2(Jit *j, const IROp *op, const JitArg *a) { emit_mul2(j, op, a, EXT3_IMUL); }

/* clz/ctz: bsr/bsf leave ZF set for a zero input; then the fallback y. */
static void emit_clz(Jit *j, const IROp *op, const JitArg *a)
{
    bool w = op_w(op);
    emit_modrm(&j->b, OPC_BSR | opc_w(op), R_AX, a[1].reg);
    emit_arith_ri(&j->b, ARITH_XOR, w, R_AX, w ? 63 : 31);
    emit_modrm(&j->b, OPC_TEST_EvGv | opc_w(op), a[1].reg, a[1].reg);
    emit_modrm(&j->b, (OPC_CMOVCC + CC_E) | opc_w(op), R_AX, a[2].reg);
    emit_mov_rr(&j->b, w, a[0].reg, R_AX);
}

static void emit_ctz(Jit *j, const IROp *op, const JitArg *a)
{
    emit_modrm(&j->b, OPC_BSF | opc_w(op), R_AX, a[1].reg);
    emit_modrm(&j->b, (OPC_CMOVCC + CC_E) | opc_w(op), R_AX, a[2].reg);
    emit_mov_rr(&j->b, op_w(op), a[0].reg, R_AX);
}

static void emit_ctpop(Jit *j, const IROp *op, const JitArg *a)
{
    emit_modrm(&j->b, OPC_POPCNT | opc_w(op), a[0].reg, a[1].reg);
}

static void emit_bswap16(Jit *j, const IROp *op, const JitArg *a)
{
    emit_modrm(&j->b, OPC_MOVZWL, a[0].reg, a[1].reg);
    emit_modrm(&j->b, OPC_SHIFT_Ib | P_66, SHIFT_ROL, a[0].reg);
    emit_byte(&j->b, 8);
}

static void emit_bswap(Jit *j, const IROp *op, const JitArg *a)
{
    bool w = op->opc == IR_bswap64;
    emit_mov_rr(&j->b, w, a[0].reg, a[1].reg);
    emit_opc_reg(&j->b, OPC_BSWAP | (w ? P_W : 0), a[0].reg);
}

/* Register-to-register width changes, one row per op. */
static const struct { uint8_t opc; JitOpc x86; bool w_of_type; } jit_ext_ops[] = {
    { IR_ext8s, OPC_MOVSBL, true },   { IR_ext8u, OPC_MOVZBL, false },
    { IR_ext16s, OPC_MOVSWL, true },  { IR_ext16u, OPC_MOVZWL, false },
    { IR_ext32s, OPC_MOVSXD, false }, { IR_ext32u, OPC_MOV_GvEv, false },
    { IR_extu_i32_i64, OPC_MOV_GvEv, false }, { IR_exts_i32_i64, OPC_MOVSXD, false },
    { IR_extrl_i64_i32, OPC_MOV_GvEv, false },
};

static void emit_ext(Jit *j, const IROp *op, const JitArg *a)
{
    for (unsigned i = 0; i < ARRAY_SIZE(jit_ext_ops); i++) {
        if (jit_ext_ops[i].opc != op->opc)
            continue;
        JitOpc x = jit_ext_ops[i].x86 | (jit_ext_ops[i].w_of_type ? opc_w(op) : 0);
        emit_modrm(&j->b, x, a[0].reg, a[1].reg);
        return;
    }
    assert(!"not an extension op");
}

static void emit_extrh(Jit *j, const IROp *op, const JitArg *a)
{
    emit_mov_rr(&j->b, true, a[0].reg, a[1].reg);
    emit_shift_ri(&j->b, SHIFT_SHR, true, a[0].reg, 32);
}

/* The instruction that loads a guest access of size/sign mo as a value of type t
 * (from memory, or from a register holding the raw value). */
JitOpc jit_extend_opc(MemOp mo, IRType t)
{
    JitOpc w = t == IR_I64 ? P_W : 0;
    bool sign = mo & MO_SIGN;
    switch (mo & MO_SIZE) {
    case MO_8:  return sign ? OPC_MOVSBL | w : OPC_MOVZBL;
    case MO_16: return sign ? OPC_MOVSWL | w : OPC_MOVZWL;
    case MO_32: return sign && w ? OPC_MOVSXD : OPC_MOV_GvEv;
    default:    return OPC_MOV_GvEv | w;
    }
}

static void emit_setcond(Jit *j, const IROp *op, const JitArg *a)
{
    IRCond c = (IRCond)op->args[3];
    if (c == IR_COND_NEVER || c == IR_COND_ALWAYS) {
        emit_movi(&j->b, false, a[0].reg, c == IR_COND_ALWAYS);
        return;
    }
    jit_emit_compare(j, c, (IRType)op->type, &a[1], &a[2]);
    emit_modrm(&j->b, OPC_SETCC + (JitOpc)jit_cond_cc(c), 0, a[0].reg);
    emit_modrm(&j->b, OPC_MOVZBL, a[0].reg, a[0].reg);
}

static void emit_movcond(Jit *j, const IROp *op, const JitArg *a)
{
    IRCond c = (IRCond)op->args[5];
    bool w = op_w(op);
    if (c == IR_COND_NEVER || c == IR_COND_ALWAYS) {
        emit_mov_rr(&j->b, w, a[0].reg, a[c == IR_COND_ALWAYS ? 3 : 4].reg);
        return;
    }
    emit_mov_rr(&j->b, w, R_AX, a[4].reg);
    jit_emit_compare(j, c, (IRType)op->type, &a[1], &a[2]);
    emit_modrm(&j->b, (OPC_CMOVCC + (JitOpc)jit_cond_cc(c)) | opc_w(op), R_AX, a[3].reg);
    emit_mov_rr(&j->b, w, a[0].reg, R_AX);
}

/* pos/len clamped to the width as tcg/ir-eval.h does. */
static void jit_bitfield(const IROp *op, unsigned k, unsigned *pos, unsigned *len)
{
    unsigned bits = op_w(op) ? 64 : 32;
    *pos = (unsigned)op->args[k] & (bits - 1);
    *len = (unsigned)op->args[k + 1];
    if (*len > bits - *pos)
        *len = bits - *pos;
}

static uint64_t jit_mask(unsigned len)
{
    return len >= 64 ? ~0ULL : (1ULL << len) - 1;
}

/* d &= mask(len) with the cheapest instruction for len. */
static void emit_mask_low(JitBuf *b, int d, unsigned len)
{
    if (len >= 64)
        return;
    if (len == 8)
        emit_modrm(b, OPC_MOVZBL, d, d);
    else if (len == 16)
        emit_modrm(b, OPC_MOVZWL, d, d);
    else if (len == 32)
        emit_zext32(b, d);
    else if (len < 32)
        emit_arith_ri(b, ARITH_AND, false, d, (int32_t)jit_mask(len));
    else {
        emit_movi(b, true, R_AX, jit_mask(len));
        emit_arith_rr(b, ARITH_AND, true, d, R_AX);
    }
}

/*
 * d = a with b's low len bits at pos. A byte or word at bit 0 is one partial
 * register move (the x86 register writes AL, AX); any other field is masked
 * and shifted in rcx, and or-ed into a copy of a whose field is cleared. The
 * result is built in rdx when d is b's register (and not a's).
 */
static void emit_deposit(Jit *j, const IROp *op, const JitArg *a)
{
    JitBuf *b = &j->b;
    unsigned pos, len;
    jit_bitfield(op, 3, &pos, &len);
    bool w = op_w(op);
    int src = a[2].reg;
    int d = a[0].reg == src && a[0].reg != a[1].reg ? R_DX : a[0].reg;
    if (pos == 0 && (len == 8 || len == 16)) {
        emit_mov_rr(b, w, d, a[1].reg);
        emit_modrm(b, len == 8 ? OPC_MOV_EbGb | P_BYTE_M : OPC_MOV_EvGv | P_66, src, d);
    } else {
        uint64_t keep = ~(jit_mask(len) << pos);
        emit_mov_rr(b, true, R_CX, src);
        emit_mask_low(b, R_CX, len);
        if (pos)
            emit_shift_ri(b, SHIFT_SHL, w, R_CX, pos);
        emit_mov_rr(b, w, d, a[1].reg);
        if (!w || keep == (uint64_t)(int32_t)keep) {
            emit_arith_ri(b, ARITH_AND, w, d, (int32_t)keep);
        } else {
            emit_movi(b, true, R_AX, keep);
            emit_arith_rr(b, ARITH_AND, true, d, R_AX);
        }
        emit_arith_rr(b, ARITH_OR, w, d, R_CX);
    }
    emit_mov_rr(b, w, a[0].reg, d);
}

static void emit_extract(Jit *j, const IROp *op, const JitArg *a)
{
    unsigned pos, len;
    jit_bitfield(op, 2, &pos, &len);
    int d = a[0].reg;
    if (len == 0) {
        emit_movi(&j->b, false, d, 0);
        return;
    }
    emit_mov_rr(&j->b, true, d, a[1].reg);
    if (pos)
        emit_shift_ri(&j->b, SHIFT_SHR, true, d, pos);
    emit_mask_low(&j->b, d, len);
}

static void emit_sextract(Jit *j, const IROp *op, const JitArg *a)
{
    unsigned pos, len;
    jit_bitfield(op, 2, &pos, &len);
    int d = a[0].reg;
    if (len == 0) {
        emit_movi(&j->b, false, d, 0);
        return;
    }
    emit_mov_rr(&j->b, true, d, a[1].reg);
    if (64 - pos - len)
        emit_shift_ri(&j->b, SHIFT_SHL, true, d, 64 - pos - len);
    if (64 - len)
        emit_shift_ri(&j->b, SHIFT_SAR, true, d, 64 - len);
    if (!op_w(op))
        emit_zext32(&j->b, d);
}

/* Host loads and stores relative to a base (the CPU state). */
static int32_t jit_host_off(Jit *j, const IROp *op)
{
    int64_t off = (int64_t)op->args[2];
    if (off != (int32_t)off)
        j->b.failed = true;
    return (int32_t)off;
}

static void emit_host_ld(Jit *j, const IROp *op, const JitArg *a)
{
    JitOpc x;
    switch (op->opc) {
    case IR_ld8u:  x = OPC_MOVZBL; break;
    case IR_ld8s:  x = OPC_MOVSBL | opc_w(op); break;
    case IR_ld16u: x = OPC_MOVZWL; break;
    case IR_ld16s: x = OPC_MOVSWL | opc_w(op); break;
    case IR_ld32u: x = OPC_MOV_GvEv; break;
    case IR_ld32s: x = OPC_MOVSXD; break;
    default:       x = OPC_MOV_GvEv | opc_w(op); break;
    }
    emit_modrm_mem(&j->b, x, a[0].reg, a[1].reg, -1, jit_host_off(j, op));
}

/* A store of a register, or of an immediate (mov m, imm8/16/32). */
static void emit_host_st(Jit *j, const IROp *op, const JitArg *a)
{
    unsigned size;
    switch (op->opc) {
    case IR_st8:  size = 1; break;
    case IR_st16: size = 2; break;
    case IR_st32: size = 4; break;
    default:      size = op_w(op) ? 8 : 4; break;
    }
    JitOpc prefix = size == 2 ? P_66 : size == 8 ? P_W : 0;
    int32_t off = jit_host_off(j, op);
    if (!a[0].imm) {
        JitOpc x = size == 1 ? OPC_MOV_EbGb : OPC_MOV_EvGv | prefix;
        emit_modrm_mem(&j->b, x, a[0].reg, a[1].reg, -1, off);
        return;
    }
    emit_modrm_mem(&j->b, size == 1 ? OPC_MOV_EbIb : OPC_MOV_EvIz | prefix, 0, a[1].reg, -1, off);
    for (unsigned i = 0; i < (size == 8 ? 4 : size); i++)     /* imm8/16/32, sign-extended */
        emit_byte(&j->b, (uint8_t)(a[0].val >> (8 * i)));
}

const JitOpDef jit_op_defs[IR_NB_OPS] = {
    [IR_mov] = { emit_mov, IMM0 },
    [IR_setcond] = { emit_setcond, IMM1 },
    [IR_movcond] = { emit_movcond, IMM1 },
    [IR_ld8u] = { emit_host_ld, 0 }, [IR_ld8s] = { emit_host_ld, 0 },
    [IR_ld16u] = { emit_host_ld, 0 }, [IR_ld16s] = { emit_host_ld, 0 },
    [IR_ld32u] = { emit_host_ld, 0 }, [IR_ld32s] = { emit_host_ld, 0 },
    [IR_ld] = { emit_host_ld, 0 },
    [IR_st8] = { emit_host_st, IMM0 }, [IR_st16] = { emit_host_st, IMM0 },
    [IR_st32] = { emit_host_st, IMM0 }, [IR_st] = { emit_host_st, IMM0 },
    [IR_add] = { emit_add, IMM1 }, [IR_sub] = { emit_sub, IMM1 },
    [IR_mul] = { emit_mul, IMM1 }, [IR_neg] = { emit_neg, 0 },
    [IR_and] = { emit_and, IMM1 }, [IR_or] = { emit_or, IMM1 },
    [IR_xor] = { emit_xor, IMM1 }, [IR_not] = { emit_not, 0 },
    [IR_andc] = { emit_andc, IMM1 },
    [IR_shl] = { emit_shl, IMM1 }, [IR_shr] = { emit_shr, IMM1 },
    [IR_sar] = { emit_sar, IMM1 }, [IR_rotl] = { emit_rotl, IMM1 },
    [IR_rotr] = { emit_rotr, IMM1 },
    [IR_div] = { emit_div, 0 }, [IR_divu] = { emit_divu, 0 },
    [IR_rem] = { emit_rem, 0 }, [IR_remu] = { emit_remu, 0 },
    [IR_mulu2] = { emit_mulu2, 0 }, [IR_muls2] = { emit_muls2, 0 },
    [IR_clz] = { emit_clz, 0 }, [IR_ctz] = { emit_ctz, 0 },
    [IR_ctpop] = { emit_ctpop, 0 },
    [IR_bswap16] = { emit_bswap16, 0 }, [IR_bswap32] = { emit_bswap, 0 },
    [IR_bswap64] = { emit_bswap, 0 },
    [IR_deposit] = { emit_deposit, 0 }, [IR_extract] = { emit_extract, 0 },
    [IR_sextract] = { emit_sextract, 0 },
    [IR_ext8s] = { emit_ext, 0 }, [IR_ext8u] = { emit_ext, 0 },
    [IR_ext16s] = { emit_ext, 0 }, [IR_ext16u] = { emit_ext, 0 },
    [IR_ext32s] = { emit_ext, 0 }, [IR_ext32u] = { emit_ext, 0 },
    [IR_extu_i32_i64] = { emit_ext, 0 }, [IR_exts_i32_i64] = { emit_ext, 0 },
    [IR_extrl_i64_i32] = { emit_ext, 0 }, [IR_extrh_i64_i32] = { emit_extrh, 0 },
};
