/*
 * emit.c - the x86-64 instruction encoder (see emit.h).
 *
 * Invariants: every instruction goes through emit_prefix (66/F3, REX, 0F)
 * and then a ModRM; a REX is emitted exactly when the operand size is 64
 * bits, a register number is 8..15, or a byte operand names sil/dil/bpl/spl.
 */
#include "tcg/x86_64/emit.h"

void emit_byte(JitBuf *b, uint8_t v)
{
    if (b->pos < b->room)
        b->buf[b->pos] = v;
    else
        b->failed = true;
    b->pos++;
}

void emit_u32(JitBuf *b, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        emit_byte(b, (uint8_t)(v >> (8 * i)));
}

void emit_u64(JitBuf *b, uint64_t v)
{
    emit_u32(b, (uint32_t)v);
    emit_u32(b, (uint32_t)(v >> 32));
}

void emit_patch_u32(JitBuf *b, size_t pos, uint32_t v)
{
    if (pos + 4 <= b->room)
        memcpy(b->buf + pos, &v, 4);
}

/* Prefixes, REX (r: reg field, x: index, rm: base or r/m register), opcode bytes. */
static void emit_prefix(JitBuf *b, JitOpc opc, int r, int x, int rm)
{
    if (opc & P_66)
        emit_byte(b, 0x66);
    if (opc & P_F3)
        emit_byte(b, 0xf3);
    unsigned rex = (opc & P_W ? 8 : 0) | (r & 8 ? 4 : 0) | (x & 8 ? 2 : 0) | (rm & 8 ? 1 : 0);
    bool byte_hi = ((opc & P_BYTE_R) && r >= 4) || ((opc & P_BYTE_M) && rm >= 4);
    if (rex || byte_hi)
        emit_byte(b, (uint8_t)(0x40 | rex));
    if (opc & P_0F)
        emit_byte(b, 0x0f);
    emit_byte(b, (uint8_t)opc);
}

void emit_modrm(JitBuf *b, JitOpc opc, int reg, int rm)
{
    emit_prefix(b, opc, reg, 0, rm);
    emit_byte(b, (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7)));
}

void emit_modrm_mem(JitBuf *b, JitOpc opc, int reg, int base, int index, int32_t disp)
{
    emit_prefix(b, opc & ~(JitOpc)P_BYTE_M, reg, index < 0 ? 0 : index, base);
    bool need_sib = index >= 0 || (base & 7) == R_SP;
    unsigned mod = disp == 0 && (base & 7) != R_BP ? 0 : disp == (int8_t)disp ? 1 : 2;
    emit_byte(b, (uint8_t)(mod << 6 | (reg & 7) << 3 | (need_sib ? 4 : (base & 7))));
    if (need_sib)
        emit_byte(b, (uint8_t)((index < 0 ? 4 : (index & 7)) << 3 | (base & 7)));
    if (mod == 1)
        emit_byte(b, (uint8_t)disp);
    else if (mod == 2)
        emit_u32(b, (uint32_t)disp);
}

static JitOpc emit_w(bool w)
{
    return w ? P_W : 0;
}

void emit_mov_rr(JitBuf *b, bool w, int dst, int src)
{
    if (dst != src)
        emit_modrm(b, OPC_MOV_EvGv | emit_w(w), src, dst);
}

void emit_zext32(JitBuf *b, int r)
{
    emit_modrm(b, OPC_MOV_EvGv, r, r);
}

void emit_movi(JitBuf *b, bool w, int dst, uint64_t v)
{
    if (!w)
        v = (uint32_t)v;
    if (v == 0) {
        emit_arith_rr(b, ARITH_XOR, false, dst, dst);
    } else if (v <= UINT32_MAX) {                  /* mov r32, imm32 zero-extends */
        emit_opc_reg(b, 0xb8, dst);
        emit_u32(b, (uint32_t)v);
    } else if ((int64_t)v == (int32_t)v) {
        emit_modrm(b, OPC_MOV_EvIz | P_W, 0, dst);
        emit_u32(b, (uint32_t)v);
    } else {
        emit_opc_reg(b, 0xb8 | P_W, dst);
        emit_u64(b, v);
    }
}

void emit_ld(JitBuf *b, bool w, int dst, int base, int32_t disp)
{
    emit_modrm_mem(b, OPC_MOV_GvEv | emit_w(w), dst, base, -1, disp);
}

void emit_st(JitBuf *b, bool w, int src, int base, int32_t disp)
{
    emit_modrm_mem(b, OPC_MOV_EvGv | emit_w(w), src, base, -1, disp);
}

void emit_arith_rr(JitBuf *b, int op, bool w, int dst, int src)
{
    emit_modrm(b, (JitOpc)(OPC_ARITH_EvGv + (op << 3)) | emit_w(w), src, dst);
}

void emit_arith_ri(JitBuf *b, int op, bool w, int dst, int32_t imm)
{
    if (imm == (int8_t)imm) {
        emit_modrm(b, OPC_ARITH_EvIb | emit_w(w), op, dst);
        emit_byte(b, (uint8_t)imm);
    } else {
        emit_modrm(b, OPC_ARITH_EvIz | emit_w(w), op, dst);
        emit_u32(b, (uint32_t)imm);
    }
}

void emit_shift_ri(JitBuf *b, int op, bool w, int dst, unsigned count)
{
    emit_modrm(b, OPC_SHIFT_Ib | emit_w(w), op, dst);
    emit_byte(b, (uint8_t)count);
}

void emit_opc_reg(JitBuf *b, JitOpc opc, int r)
{
    emit_prefix(b, opc + (JitOpc)(r & 7), 0, 0, r);
}

void emit_lea_rip(JitBuf *b, int reg, size_t target)
{
    emit_prefix(b, OPC_LEA | P_W, reg, 0, 0);
    emit_byte(b, (uint8_t)((reg & 7) << 3 | 5));
    emit_u32(b, (uint32_t)(target - (b->pos + 4)));
}

void emit_push(JitBuf *b, int r)
{
    emit_opc_reg(b, OPC_PUSH, r);
}

void emit_pop(JitBuf *b, int r)
{
    emit_opc_reg(b, OPC_POP, r);
}

/* rel32 when the target is in range, else through the register via. */
static void emit_rel_abs(JitBuf *b, uint8_t opc, int ext5, uintptr_t target, int via)
{
    int64_t disp = (int64_t)(target - (emit_rx_here(b) + 5));
    if (disp == (int32_t)disp) {
        emit_byte(b, opc);
        emit_u32(b, (uint32_t)disp);
    } else {
        emit_movi(b, true, via, target);
        emit_modrm(b, OPC_GRP5, ext5, via);
    }
}

void emit_jmp_abs(JitBuf *b, uintptr_t target)
{
    emit_rel_abs(b, OPC_JMP_long, EXT5_JMP, target, R_CX);
}

void emit_call_abs(JitBuf *b, uintptr_t target)
{
    emit_rel_abs(b, OPC_CALL_rel, EXT5_CALL, target, R_AX);
}

size_t emit_jcc_fwd(JitBuf *b, int cc)
{
    emit_byte(b, 0x0f);
    emit_byte(b, (uint8_t)(0x80 + cc));
    emit_u32(b, 0);
    return b->pos - 4;
}

size_t emit_jmp_fwd(JitBuf *b)
{
    emit_byte(b, OPC_JMP_long);
    emit_u32(b, 0);
    return b->pos - 4;
}

void emit_bind_here(JitBuf *b, size_t disp_pos)
{
    emit_patch_u32(b, disp_pos, (uint32_t)(b->pos - (disp_pos + 4)));
}

void emit_nops(JitBuf *b, unsigned n)
{
    while (n--)
        emit_byte(b, 0x90);
}
