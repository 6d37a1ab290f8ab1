/*
 * emit.h - a small x86-64 instruction encoder for the JIT (tcg/x86_64/).
 *
 * JitBuf is the code being written: bytes go to the writable view at buf,
 * addresses (for rel32 displacements) are computed in the executable view
 * at rx. Writing past room sets failed and drops the byte, so generation
 * can run to the end and report once.
 * An opcode is a JitOpc: the opcode byte(s) plus prefix flags (0F escape,
 * REX.W, 66h, byte-register operands that need an empty REX for
 * sil/dil/bpl/spl). Register numbers are the hardware ones 0..15.
 */
#ifndef KESTREL_TCG_X86_64_EMIT_H
#define KESTREL_TCG_X86_64_EMIT_H

#include "kestrel/common.h"

enum {
    R_AX, R_CX, R_DX, R_BX, R_SP, R_BP, R_SI, R_DI,
    R_8, R_9, R_10, R_11, R_12, R_13, R_14, R_15,
};

/* Opcode flags above the low 16 bits (the opcode bytes). */
enum {
    P_0F     = 1 << 16,    /* 0F escape */
    P_W      = 1 << 17,    /* REX.W: 64-bit operand size */
    P_66     = 1 << 18,    /* operand-size prefix: 16-bit */
    P_BYTE_R = 1 << 19,    /* the reg field names a byte register */
    P_BYTE_M = 1 << 20,    /* the r/m field names a byte register */
    P_F3     = 1 << 21,    /* F3 prefix (popcnt) */
};
typedef uint32_t JitOpc;

/* Opcodes used by the backend. */
enum {
    OPC_ARITH_EvGv = 0x01,          /* + (op << 3) */
    OPC_ARITH_GvEv = 0x03,
    OPC_ARITH_EvIb = 0x83, OPC_ARITH_EvIz = 0x81,
    OPC_TEST_EvGv = 0x85,
    OPC_MOV_EvGv = 0x89, OPC_MOV_GvEv = 0x8b, OPC_MOV_EbGb = 0x88 | P_BYTE_R,
    OPC_MOV_EvIz = 0xc7, OPC_MOV_EbIb = 0xc6,
    OPC_LEA = 0x8d,
    OPC_MOVSXD = 0x63 | P_W,
    OPC_SHIFT_Ib = 0xc1, OPC_SHIFT_CL = 0xd3,
    OPC_GRP3 = 0xf7,                /* /2 not, /3 neg, /4 mul, /5 imul, /6 div, /7 idiv */
    OPC_IMUL_GvEv = 0xaf | P_0F, OPC_IMUL_GvEvIz = 0x69,
    OPC_MOVZBL = 0xb6 | P_0F | P_BYTE_M, OPC_MOVZWL = 0xb7 | P_0F,
    OPC_MOVSBL = 0xbe | P_0F | P_BYTE_M, OPC_MOVSWL = 0xbf | P_0F,
    OPC_BSF = 0xbc | P_0F, OPC_BSR = 0xbd | P_0F,
    OPC_POPCNT = 0xb8 | P_0F | P_F3,
    OPC_BSWAP = 0xc8 | P_0F,        /* + reg */
    OPC_SETCC = 0x90 | P_0F | P_BYTE_M, OPC_CMOVCC = 0x40 | P_0F,
    OPC_JCC_long = 0x80 | P_0F, OPC_JCC_short = 0x70,
    OPC_JMP_long = 0xe9, OPC_JMP_short = 0xeb, OPC_CALL_rel = 0xe8,
    OPC_GRP5 = 0xff,                /* /2 call, /4 jmp */
    OPC_PUSH = 0x50, OPC_POP = 0x58, OPC_RET = 0xc3,
    OPC_CQO = 0x99,
};

enum { ARITH_ADD = 0, ARITH_OR = 1, ARITH_AND = 4, ARITH_SUB = 5, ARITH_XOR = 6, ARITH_CMP = 7 };
enum { SHIFT_ROL = 0, SHIFT_ROR = 1, SHIFT_SHL = 4, SHIFT_SHR = 5, SHIFT_SAR = 7 };
enum { EXT3_NOT = 2, EXT3_NEG = 3, EXT3_MUL = 4, EXT3_IMUL = 5, EXT3_DIV = 6, EXT3_IDIV = 7 };
enum { EXT5_CALL = 2, EXT5_JMP = 4 };

/* x86 condition codes (the low nibble of Jcc/SETcc/CMOVcc). */
enum {
    CC_O, CC_NO, CC_B, CC_AE, CC_E, CC_NE, CC_BE, CC_A,
    CC_S, CC_NS, CC_P, CC_NP, CC_L, CC_GE, CC_LE, CC_G,
};

typedef struct JitBuf {
    uint8_t *buf;           /* writable view */
    uintptr_t rx;           /* executable address of buf[0] */
    size_t room, pos;
    bool failed;
} JitBuf;

static inline uintptr_t emit_rx_here(const JitBuf *b)
{
    return b->rx + b->pos;
}

void emit_byte(JitBuf *b, uint8_t v);
void emit_u32(JitBuf *b, uint32_t v);
void emit_u64(JitBuf *b, uint64_t v);
void emit_patch_u32(JitBuf *b, size_t pos, uint32_t v);

/* op reg, r/m (register form). */
void emit_modrm(JitBuf *b, JitOpc opc, int reg, int rm);
/* op reg, [base + disp] (base >= 0) or [base + index + disp] (index >= 0). */
void emit_modrm_mem(JitBuf *b, JitOpc opc, int reg, int base, int index, int32_t disp);

void emit_mov_rr(JitBuf *b, bool w, int dst, int src);
void emit_movi(JitBuf *b, bool w, int dst, uint64_t v);
void emit_zext32(JitBuf *b, int r);     /* r = (uint32_t)r, even in place */
void emit_ld(JitBuf *b, bool w, int dst, int base, int32_t disp);
void emit_st(JitBuf *b, bool w, int src, int base, int32_t disp);
void emit_arith_rr(JitBuf *b, int op, bool w, int dst, int src);
void emit_arith_ri(JitBuf *b, int op, bool w, int dst, int32_t imm);
void emit_shift_ri(JitBuf *b, int op, bool w, int dst, unsigned count);
/* Opcodes that carry a register in their low 3 bits (push, pop, bswap, mov imm). */
void emit_opc_reg(JitBuf *b, JitOpc opc, int r);
/* lea reg, [rip + to the buffer position target] */
void emit_lea_rip(JitBuf *b, int reg, size_t target);
void emit_push(JitBuf *b, int r);
void emit_pop(JitBuf *b, int r);
/* jmp/call to an absolute executable address: rel32 when in range, else
 * through rcx (jmp: rax may hold an exit value) or rax (call: rcx may hold
 * an argument). */
void emit_jmp_abs(JitBuf *b, uintptr_t target);
void emit_call_abs(JitBuf *b, uintptr_t target);
/* Jcc rel32 with a zero displacement; returns the position of the displacement. */
size_t emit_jcc_fwd(JitBuf *b, int cc);
size_t emit_jmp_fwd(JitBuf *b);
/* Point the rel32 at pos to the current position. */
void emit_bind_here(JitBuf *b, size_t disp_pos);
void emit_nops(JitBuf *b, unsigned n);

#endif
