/*
 * decode-tables.c - the x86 opcode maps as data (8086 to Pentium integer
 * set, plus the structure 64-bit mode needs), in Intel SDM operand
 * notation. cpu/decode.c interprets them; cpu/decode-tables.h describes
 * the row shape and the selector kinds.
 *
 * Operand notation (Intel SDM Vol. 2, Appendix A.2), as the decoder reads it:
 *   E  ModRM.rm: register or memory      G  ModRM.reg: general register
 *   M  ModRM.rm: memory only (#UD if register)
 *   R  ModRM.rm: general register, mod ignored (MOV CRn/DRn)
 *   Rv/Mw  register of size v, or memory of size w (SLDT, STR, SMSW, MOV from Sreg)
 *   S  ModRM.reg: segment register      C/D  ModRM.reg: control/debug register
 *   Z  register in the low 3 opcode bits (+REX.B)
 *   I  immediate; "Ibs" is a byte sign-extended to the operand size (83, 6A, 6B)
 *   J  relative branch displacement     O  moffs (A0-A3): absolute offset
 *   A  far pointer ptr16:16/32          X/Y  string source DS:rSI / destination ES:rDI
 *   F  x87 ModRM: memory, or ST(rm)     W  SSE ModRM.rm (XMM or memory, see decode.c)
 *   fixed: AL CL DX eAX rAX 1 ES CS SS DS FS GS
 * Sizes: b w d q dq, v (operand size), z (16 or 32), y (32 or 64), p (far
 * pointer 16:16/32/64), a (BOUND pair), s (pseudo-descriptor 6 or 10), x (128).
 *
 * Attribute choices (IA_END_TB): every control transfer; everything that can
 * change hflags (segment loads, POPF, STI and its interrupt shadow, MOV to
 * CRn, LMSW, CLTS, WRMSR for EFER, RSM, SYSENTER/SYSEXIT/SYSCALL/SYSRET);
 * MOV to DRn (breakpoints); INVLPG (the code page mapping may change);
 * HLT, UD2 and the INT family. LGDT/LIDT/LLDT/LTR are not END_TB: descriptor
 * tables are read when a segment is loaded, never at translation time. CLI
 * is not END_TB: interrupts are only taken at block entry anyway.
 */
#include "cpu/decode-tables.h"

/* Shorthands for attribute sets that recur. */
#define LK   IA_LOCK
#define BR   (IA_END_TB | IA_FORCE64)      /* near branch: 64-bit in long mode */
#define STK  IA_DEF64                      /* stack operation */
#define STR_ IA_STRING
#define SEGLD IA_END_TB                    /* segment load: hflags may change */
#define PMOD IA_NO_REAL                    /* protected-mode-only system insn */

/* --- Groups: Intel SDM Vol. 2, Appendix A, Table A-6 (ModRM.reg) --- */

/* Group 1 (80-83): the eight ALU operations. */
#define GRP1_ROWS(a) {                                                  \
    ROW(ADD, a, LK), ROW(OR, a, LK), ROW(ADC, a, LK), ROW(SBB, a, LK),  \
    ROW(AND, a, LK), ROW(SUB, a, LK), ROW(XOR, a, LK), ROW(CMP, a, 0) }
static const X86OpRow grp1_eb_ib[8] = GRP1_ROWS("Eb,Ib");
static const X86OpRow grp1_ev_iz[8] = GRP1_ROWS("Ev,Iz");
static const X86OpRow grp1_ev_ibs[8] = GRP1_ROWS("Ev,Ibs");
static const X86OpRow grp1_82[8] = {
    ROW(ADD, "Eb,Ib", LK | IA_NO64), ROW(OR, "Eb,Ib", LK | IA_NO64),
    ROW(ADC, "Eb,Ib", LK | IA_NO64), ROW(SBB, "Eb,Ib", LK | IA_NO64),
    ROW(AND, "Eb,Ib", LK | IA_NO64), ROW(SUB, "Eb,Ib", LK | IA_NO64),
    ROW(XOR, "Eb,Ib", LK | IA_NO64), ROW(CMP, "Eb,Ib", IA_NO64),
};

/* Group 1A (8F). */
static const X86OpRow grp1a_8f[8] = { [0] = ROW(POP, "Ev", STK) };

/* Group 2 (C0, C1, D0-D3): shifts and rotates. /6 is the undocumented
 * SAL alias, which hardware executes as SHL. */
#define GRP2_ROWS(a) {                                                  \
    ROW(ROL, a, 0), ROW(ROR, a, 0), ROW(RCL, a, 0), ROW(RCR, a, 0),     \
    ROW(SHL, a, 0), ROW(SHR, a, 0), ROW(SHL, a, 0), ROW(SAR, a, 0) }
static const X86OpRow grp2_eb_ib[8] = GRP2_ROWS("Eb,Ib");
static const X86OpRow grp2_ev_ib[8] = GRP2_ROWS("Ev,Ib");
static const X86OpRow grp2_eb_1[8] = GRP2_ROWS("Eb,1");
static const X86OpRow grp2_ev_1[8] = GRP2_ROWS("Ev,1");
static const X86OpRow grp2_eb_cl[8] = GRP2_ROWS("Eb,CL");
static const X86OpRow grp2_ev_cl[8] = GRP2_ROWS("Ev,CL");

/* Group 3 (F6, F7). /1 is the undocumented TEST alias. MUL/IMUL/DIV/IDIV
 * carry only their explicit operand; rAX/rDX are implied. */
static const X86OpRow grp3_f6[8] = {
    ROW(TEST, "Eb,Ib", 0), ROW(TEST, "Eb,Ib", 0), ROW(NOT, "Eb", LK), ROW(NEG, "Eb", LK),
    ROW(MUL, "Eb", 0), ROW(IMUL, "Eb", 0), ROW(DIV, "Eb", 0), ROW(IDIV, "Eb", 0),
};
static const X86OpRow grp3_f7[8] = {
    ROW(TEST, "Ev,Iz", 0), ROW(TEST, "Ev,Iz", 0), ROW(NOT, "Ev", LK), ROW(NEG, "Ev", LK),
    ROW(MUL, "Ev", 0), ROW(IMUL, "Ev", 0), ROW(DIV, "Ev", 0), ROW(IDIV, "Ev", 0),
};

/* Group 4 (FE) and group 5 (FF). */
static const X86OpRow grp4_fe[8] = { ROW(INC, "Eb", LK), ROW(DEC, "Eb", LK) };
static const X86OpRow grp5_ff[8] = {
    ROW(INC, "Ev", LK), ROW(DEC, "Ev", LK),
    ROW(CALL_IND, "Ev", BR), ROW(CALLF_IND, "Mp", IA_END_TB),
    ROW(JMP_IND, "Ev", BR), ROW(JMPF_IND, "Mp", IA_END_TB),
    ROW(PUSH, "Ev", STK),
};

/* Group 11 (C6, C7): only /0 is defined before TSX. */
static const X86OpRow grp11_c6[8] = { [0] = ROW(MOV, "Eb,Ib", 0) };
static const X86OpRow grp11_c7[8] = { [0] = ROW(MOV, "Ev,Iz", 0) };

/* Group 6 (0F 00). */
static const X86OpRow grp6_0f00[8] = {
    ROW(SLDT, "Rv/Mw", PMOD), ROW(STR, "Rv/Mw", PMOD),
    ROW(LLDT, "Ew", PMOD | IA_PRIV), ROW(LTR, "Ew", PMOD | IA_PRIV),
    ROW(VERR, "Ew", PMOD), ROW(VERW, "Ew", PMOD),
};

/* Group 7 (0F 01): memory forms by reg; register forms by reg and rm. */
static const X86OpRow grp7_mem[8] = {
    ROW(SGDT, "Ms", IA_FORCE64), ROW(SIDT, "Ms", IA_FORCE64),
    ROW(LGDT, "Ms", IA_FORCE64 | IA_PRIV), ROW(LIDT, "Ms", IA_FORCE64 | IA_PRIV),
    ROW(SMSW, "Rv/Mw", 0), {0},
    ROW(LMSW, "Ew", IA_PRIV | IA_END_TB), ROW(INVLPG, "Mb", IA_PRIV | IA_END_TB),
};
static const X86OpRow grp7_reg7[8] = {
    ROW(SWAPGS, "", IA_ONLY64 | IA_PRIV), ROW(RDTSCP, "", 0),
};
static const X86OpRow grp7_reg[8] = {
    [4] = ROW(SMSW, "Rv/Mw", 0),
    [6] = ROW(LMSW, "Ew", IA_PRIV | IA_END_TB),
    [7] = BY_RM(grp7_reg7),
};
static const X86OpRow grp7_0f01[2] = { GROUP(grp7_mem), GROUP(grp7_reg) };

/* Group 8 (0F BA). */
static const X86OpRow grp8_0fba[8] = {
    [4] = ROW(BT, "Ev,Ib", 0), [5] = ROW(BTS, "Ev,Ib", LK),
    [6] = ROW(BTR, "Ev,Ib", LK), [7] = ROW(BTC, "Ev,Ib", LK),
};

/* Group 9 (0F C7): CMPXCHG8B, or CMPXCHG16B with REX.W. */
static const X86OpRow cmpxchg8b_16b[2] = {
    ROW(CMPXCHG8B, "Mq", LK), ROW(CMPXCHG16B, "Mdq", LK | IA_ONLY64),
};
static const X86OpRow grp9_0fc7[8] = { [1] = BY_REXW(cmpxchg8b_16b) };

/* Group 15 (0F AE): FXSAVE..STMXCSR, CLFLUSH; register forms are fences. */
static const X86OpRow grp15_mem[8] = {
    ROW(SSE, "Wx", 0), ROW(SSE, "Wx", 0), ROW(SSE, "Wx", 0), ROW(SSE, "Wx", 0),
    [7] = ROW(CLFLUSH, "Mb", 0),
};
static const X86OpRow grp15_reg[8] = {
    [5] = ROW(FENCE, "", 0), [6] = ROW(FENCE, "", 0), [7] = ROW(FENCE, "", 0),
};
static const X86OpRow grp15_0fae[2] = { GROUP(grp15_mem), GROUP(grp15_reg) };

/* Group 16 (0F 18): prefetch hints; the rest of 0F 18-1F are hint NOPs. */
static const X86OpRow grp16_mem[8] = {
    ROW(PREFETCH, "Mb", 0), ROW(PREFETCH, "Mb", 0), ROW(PREFETCH, "Mb", 0),
    ROW(PREFETCH, "Mb", 0), ROW(NOP, "Ev", 0), ROW(NOP, "Ev", 0),
    ROW(NOP, "Ev", 0), ROW(NOP, "Ev", 0),
};
static const X86OpRow grp16_0f18[2] = { GROUP(grp16_mem), ROW(NOP, "Ev", 0) };

/* --- Selections by mode or prefix --- */

/* MMX/SSE rows: the mandatory prefix (none, 66, F3, F2) selects the form;
 * all four decode alike here, and a 66 that selects one does not change
 * the operand size. */
static const X86OpRow sse_w[4] = {
    ROW(SSE, "Wx", 0), ROW(SSE, "Wx", 0), ROW(SSE, "Wx", 0), ROW(SSE, "Wx", 0),
};
static const X86OpRow sse_w_ib[4] = {
    ROW(SSE, "Wx,Ib", 0), ROW(SSE, "Wx,Ib", 0), ROW(SSE, "Wx,Ib", 0), ROW(SSE, "Wx,Ib", 0),
};

/* 63: ARPL in 16/32-bit modes, MOVSXD in 64-bit mode. */
static const X86OpRow arpl_movsxd[2] = {
    ROW(ARPL, "Ew,Gw", PMOD), ROW(MOVSXD, "Gv,Ed", 0),
};
/* 90: NOP (PAUSE with F3) unless REX.B makes it XCHG r8, rAX. */
static const X86OpRow nop_pause[4] = {
    ROW(NOP, "", 0), ROW(NOP, "", 0), ROW(PAUSE, "", 0), ROW(NOP, "", 0),
};
static const X86OpRow nop_xchg[2] = { BY_PFX(nop_pause), ROW(XCHG, "rAX,Zv", 0) };
/* 0F B8/BC/BD: F3 selects POPCNT/TZCNT/LZCNT. */
static const X86OpRow popcnt_0fb8[4] = { [2] = ROW(POPCNT, "Gv,Ev", 0) };
static const X86OpRow bsf_tzcnt[4] = {
    ROW(BSF, "Gv,Ev", 0), ROW(BSF, "Gv,Ev", 0), ROW(TZCNT, "Gv,Ev", 0), ROW(BSF, "Gv,Ev", 0),
};
static const X86OpRow bsr_lzcnt[4] = {
    ROW(BSR, "Gv,Ev", 0), ROW(BSR, "Gv,Ev", 0), ROW(LZCNT, "Gv,Ev", 0), ROW(BSR, "Gv,Ev", 0),
};
/* 0F 38 F0/F1: MOVBE; with F2 CRC32 (an SSE row: the SSE translator reads
 * its operands, and a 66 keeps selecting the 16-bit source). */
static const X86OpRow movbe_gv_mv[4] = {
    ROW(MOVBE, "Gv,Mv", 0), ROW(MOVBE, "Gv,Mv", 0), [3] = ROW(SSE, "Wx", 0),
};
static const X86OpRow movbe_mv_gv[4] = {
    ROW(MOVBE, "Mv,Gv", 0), ROW(MOVBE, "Mv,Gv", 0), [3] = ROW(SSE, "Wx", 0),
};

/*
 * One-byte opcode map: Intel SDM Vol. 2, Appendix A, Table A-2.
 * Prefixes (26 2E 36 3E 64 65 66 67 F0 F2 F3, REX 40-4F in 64-bit mode)
 * and the 0F escape are consumed before this map is consulted.
 */
const X86OpRow x86_map_onebyte[256] = {
    [0x00] = ROW(ADD, "Eb,Gb", LK),
    [0x01] = ROW(ADD, "Ev,Gv", LK),
    [0x02] = ROW(ADD, "Gb,Eb", 0),
    [0x03] = ROW(ADD, "Gv,Ev", 0),
    [0x04] = ROW(ADD, "AL,Ib", 0),
    [0x05] = ROW(ADD, "rAX,Iz", 0),
    [0x06] = ROW(PUSH_SEG, "ES", IA_NO64),
    [0x07] = ROW(POP_SEG, "ES", IA_NO64 | SEGLD),
    [0x08] = ROW(OR, "Eb,Gb", LK),
    [0x09] = ROW(OR, "Ev,Gv", LK),
    [0x0a] = ROW(OR, "Gb,Eb", 0),
    [0x0b] = ROW(OR, "Gv,Ev", 0),
    [0x0c] = ROW(OR, "AL,Ib", 0),
    [0x0d] = ROW(OR, "rAX,Iz", 0),
    [0x0e] = ROW(PUSH_SEG, "CS", IA_NO64),
    [0x10] = ROW(ADC, "Eb,Gb", LK),
    [0x11] = ROW(ADC, "Ev,Gv", LK),
    [0x12] = ROW(ADC, "Gb,Eb", 0),
    [0x13] = ROW(ADC, "Gv,Ev", 0),
    [0x14] = ROW(ADC, "AL,Ib", 0),
    [0x15] = ROW(ADC, "rAX,Iz", 0),
    [0x16] = ROW(PUSH_SEG, "SS", IA_NO64),
    [0x17] = ROW(POP_SEG, "SS", IA_NO64 | SEGLD),
    [0x18] = ROW(SBB, "Eb,Gb", LK),
    [0x19] = ROW(SBB, "Ev,Gv", LK),
    [0x1a] = ROW(SBB, "Gb,Eb", 0),
    [0x1b] = ROW(SBB, "Gv,Ev", 0),
    [0x1c] = ROW(SBB, "AL,Ib", 0),
    [0x1d] = ROW(SBB, "rAX,Iz", 0),
    [0x1e] = ROW(PUSH_SEG, "DS", IA_NO64),
    [0x1f] = ROW(POP_SEG, "DS", IA_NO64 | SEGLD),
    [0x20] = ROW(AND, "Eb,Gb", LK),
    [0x21] = ROW(AND, "Ev,Gv", LK),
    [0x22] = ROW(AND, "Gb,Eb", 0),
    [0x23] = ROW(AND, "Gv,Ev", 0),
    [0x24] = ROW(AND, "AL,Ib", 0),
    [0x25] = ROW(AND, "rAX,Iz", 0),
    [0x27] = ROW(DAA, "", IA_NO64),
    [0x28] = ROW(SUB, "Eb,Gb", LK),
    [0x29] = ROW(SUB, "Ev,Gv", LK),
    [0x2a] = ROW(SUB, "Gb,Eb", 0),
    [0x2b] = ROW(SUB, "Gv,Ev", 0),
    [0x2c] = ROW(SUB, "AL,Ib", 0),
    [0x2d] = ROW(SUB, "rAX,Iz", 0),
    [0x2f] = ROW(DAS, "", IA_NO64),
    [0x30] = ROW(XOR, "Eb,Gb", LK),
    [0x31] = ROW(XOR, "Ev,Gv", LK),
    [0x32] = ROW(XOR, "Gb,Eb", 0),
    [0x33] = ROW(XOR, "Gv,Ev", 0),
    [0x34] = ROW(XOR, "AL,Ib", 0),
    [0x35] = ROW(XOR, "rAX,Iz", 0),
    [0x37] = ROW(AAA, "", IA_NO64),
    [0x38] = ROW(CMP, "Eb,Gb", 0),
    [0x39] = ROW(CMP, "Ev,Gv", 0),
    [0x3a] = ROW(CMP, "Gb,Eb", 0),
    [0x3b] = ROW(CMP, "Gv,Ev", 0),
    [0x3c] = ROW(CMP, "AL,Ib", 0),
    [0x3d] = ROW(CMP, "rAX,Iz", 0),
    [0x3f] = ROW(AAS, "", IA_NO64),
    [0x40 ... 0x47] = ROW(INC, "Zv", IA_NO64),    /* REX in 64-bit mode */
    [0x48 ... 0x4f] = ROW(DEC, "Zv", IA_NO64),
    [0x50 ... 0x57] = ROW(PUSH, "Zv", STK),
    [0x58 ... 0x5f] = ROW(POP, "Zv", STK),
    [0x60] = ROW(PUSHA, "", IA_NO64),
    [0x61] = ROW(POPA, "", IA_NO64),
    [0x62] = ROW(BOUND, "Gv,Ma", IA_NO64),
    [0x63] = BY_MODE64(arpl_movsxd),
    [0x68] = ROW(PUSH, "Iz", STK),
    [0x69] = ROW(IMUL2, "Gv,Ev,Iz", 0),
    [0x6a] = ROW(PUSH, "Ibs", STK),
    [0x6b] = ROW(IMUL2, "Gv,Ev,Ibs", 0),
    [0x6c] = ROW(INS, "Yb,DX", STR_),
    [0x6d] = ROW(INS, "Yz,DX", STR_),
    [0x6e] = ROW(OUTS, "DX,Xb", STR_),
    [0x6f] = ROW(OUTS, "DX,Xz", STR_),
    [0x70 ... 0x7f] = ROW(JCC, "Jb", BR),
    [0x80] = GROUP(grp1_eb_ib),
    [0x81] = GROUP(grp1_ev_iz),
    [0x82] = GROUP(grp1_82),
    [0x83] = GROUP(grp1_ev_ibs),
    [0x84] = ROW(TEST, "Eb,Gb", 0),
    [0x85] = ROW(TEST, "Ev,Gv", 0),
    [0x86] = ROW(XCHG, "Eb,Gb", LK),
    [0x87] = ROW(XCHG, "Ev,Gv", LK),
    [0x88] = ROW(MOV, "Eb,Gb", 0),
    [0x89] = ROW(MOV, "Ev,Gv", 0),
    [0x8a] = ROW(MOV, "Gb,Eb", 0),
    [0x8b] = ROW(MOV, "Gv,Ev", 0),
    [0x8c] = ROW(MOV_FROM_SEG, "Rv/Mw,Sw", 0),
    [0x8d] = ROW(LEA, "Gv,M", 0),
    [0x8e] = ROW(MOV_TO_SEG, "Sw,Ew", SEGLD),
    [0x8f] = GROUP(grp1a_8f),
    [0x90] = BY_REXB(nop_xchg),
    [0x91 ... 0x97] = ROW(XCHG, "rAX,Zv", 0),
    [0x98] = ROW(CBW, "", 0),
    [0x99] = ROW(CWD, "", 0),
    [0x9a] = ROW(CALLF, "Ap", IA_NO64 | IA_END_TB),
    [0x9b] = ROW(WAIT, "", 0),
    [0x9c] = ROW(PUSHF, "", STK),
    [0x9d] = ROW(POPF, "", STK | IA_END_TB),
    [0x9e] = ROW(SAHF, "", 0),
    [0x9f] = ROW(LAHF, "", 0),
    [0xa0] = ROW(MOV, "AL,Ob", 0),
    [0xa1] = ROW(MOV, "rAX,Ov", 0),
    [0xa2] = ROW(MOV, "Ob,AL", 0),
    [0xa3] = ROW(MOV, "Ov,rAX", 0),
    [0xa4] = ROW(MOVS, "Yb,Xb", STR_),
    [0xa5] = ROW(MOVS, "Yv,Xv", STR_),
    [0xa6] = ROW(CMPS, "Xb,Yb", STR_),
    [0xa7] = ROW(CMPS, "Xv,Yv", STR_),
    [0xa8] = ROW(TEST, "AL,Ib", 0),
    [0xa9] = ROW(TEST, "rAX,Iz", 0),
    [0xaa] = ROW(STOS, "Yb,AL", STR_),
    [0xab] = ROW(STOS, "Yv,rAX", STR_),
    [0xac] = ROW(LODS, "AL,Xb", STR_),
    [0xad] = ROW(LODS, "rAX,Xv", STR_),
    [0xae] = ROW(SCAS, "AL,Yb", STR_),
    [0xaf] = ROW(SCAS, "rAX,Yv", STR_),
    [0xb0 ... 0xb7] = ROW(MOV, "Zb,Ib", 0),
    [0xb8 ... 0xbf] = ROW(MOV, "Zv,Iv", 0),
    [0xc0] = GROUP(grp2_eb_ib),
    [0xc1] = GROUP(grp2_ev_ib),
    [0xc2] = ROW(RET, "Iw", BR),
    [0xc3] = ROW(RET, "", BR),
    [0xc4] = ROW(LES, "Gz,Mp", IA_NO64 | SEGLD),   /* VEX in 64-bit mode */
    [0xc5] = ROW(LDS, "Gz,Mp", IA_NO64 | SEGLD),
    [0xc6] = GROUP(grp11_c6),
    [0xc7] = GROUP(grp11_c7),
    [0xc8] = ROW(ENTER, "Iw,Ib", STK),
    [0xc9] = ROW(LEAVE, "", STK),
    [0xca] = ROW(RETF, "Iw", IA_END_TB),
    [0xcb] = ROW(RETF, "", IA_END_TB),
    [0xcc] = ROW(INT3, "", IA_END_TB),
    [0xcd] = ROW(INT, "Ib", IA_END_TB),
    [0xce] = ROW(INTO, "", IA_NO64 | IA_END_TB),
    [0xcf] = ROW(IRET, "", IA_END_TB),
    [0xd0] = GROUP(grp2_eb_1),
    [0xd1] = GROUP(grp2_ev_1),
    [0xd2] = GROUP(grp2_eb_cl),
    [0xd3] = GROUP(grp2_ev_cl),
    [0xd4] = ROW(AAM, "Ib", IA_NO64),
    [0xd5] = ROW(AAD, "Ib", IA_NO64),
    [0xd6] = ROW(SALC, "", IA_NO64),
    [0xd7] = ROW(XLAT, "", 0),
    [0xd8 ... 0xdf] = ROW(FPU, "F", 0),
    [0xe0] = ROW(LOOPNE, "Jb", BR),
    [0xe1] = ROW(LOOPE, "Jb", BR),
    [0xe2] = ROW(LOOP, "Jb", BR),
    [0xe3] = ROW(JCXZ, "Jb", BR),
    [0xe4] = ROW(IN, "AL,Ib", 0),
    [0xe5] = ROW(IN, "eAX,Ib", 0),
    [0xe6] = ROW(OUT, "Ib,AL", 0),
    [0xe7] = ROW(OUT, "Ib,eAX", 0),
    [0xe8] = ROW(CALL, "Jz", BR),
    [0xe9] = ROW(JMP, "Jz", BR),
    [0xea] = ROW(JMPF, "Ap", IA_NO64 | IA_END_TB),
    [0xeb] = ROW(JMP, "Jb", BR),
    [0xec] = ROW(IN, "AL,DX", 0),
    [0xed] = ROW(IN, "eAX,DX", 0),
    [0xee] = ROW(OUT, "DX,AL", 0),
    [0xef] = ROW(OUT, "DX,eAX", 0),
    [0xf1] = ROW(INT1, "", IA_END_TB),
    [0xf4] = ROW(HLT, "", IA_PRIV | IA_END_TB),
    [0xf5] = ROW(CMC, "", 0),
    [0xf6] = GROUP(grp3_f6),
    [0xf7] = GROUP(grp3_f7),
    [0xf8] = ROW(CLC, "", 0),
    [0xf9] = ROW(STC, "", 0),
    [0xfa] = ROW(CLI, "", 0),
    [0xfb] = ROW(STI, "", IA_END_TB),
    [0xfc] = ROW(CLD, "", 0),
    [0xfd] = ROW(STD, "", 0),
    [0xfe] = GROUP(grp4_fe),
    [0xff] = GROUP(grp5_ff),
};

/*
 * Two-byte opcode map (0F xx): Intel SDM Vol. 2, Appendix A, Table A-3.
 * MMX/SSE rows decode their ModRM (and imm8) only, as X86_SSE: the SSE
 * translator derives registers and form from opcode, prefixes and modrm.
 */
const X86OpRow x86_map_0f[256] = {
    [0x00] = GROUP(grp6_0f00),
    [0x01] = BY_MOD(grp7_0f01),
    [0x02] = ROW(LAR, "Gv,Ew", PMOD),
    [0x03] = ROW(LSL, "Gv,Ew", PMOD),
    [0x05] = ROW(SYSCALL, "", IA_END_TB),
    [0x06] = ROW(CLTS, "", IA_PRIV | IA_END_TB),
    [0x07] = ROW(SYSRET, "", IA_PRIV | IA_END_TB),
    [0x08] = ROW(INVD, "", IA_PRIV),
    [0x09] = ROW(WBINVD, "", IA_PRIV),
    [0x0b] = ROW(UD, "", IA_END_TB),
    [0x0d] = ROW(PREFETCH, "Mb", 0),
    [0x10 ... 0x17] = BY_PFX(sse_w),
    [0x18] = BY_MOD(grp16_0f18),
    [0x19 ... 0x1f] = ROW(NOP, "Ev", 0),
    [0x20] = ROW(MOV_FROM_CR, "Ry,Cy", IA_PRIV | IA_FORCE64),
    [0x21] = ROW(MOV_FROM_DR, "Ry,Dy", IA_PRIV | IA_FORCE64),
    [0x22] = ROW(MOV_TO_CR, "Cy,Ry", IA_PRIV | IA_FORCE64 | IA_END_TB),
    [0x23] = ROW(MOV_TO_DR, "Dy,Ry", IA_PRIV | IA_FORCE64 | IA_END_TB),
    [0x28 ... 0x2f] = BY_PFX(sse_w),
    [0x30] = ROW(WRMSR, "", IA_PRIV | IA_END_TB),
    [0x31] = ROW(RDTSC, "", 0),
    [0x32] = ROW(RDMSR, "", IA_PRIV),
    [0x33] = ROW(RDPMC, "", 0),
    [0x34] = ROW(SYSENTER, "", IA_END_TB),
    [0x35] = ROW(SYSEXIT, "", IA_PRIV | IA_END_TB),
    [0x40 ... 0x4f] = ROW(CMOVCC, "Gv,Ev", 0),
    [0x50 ... 0x6f] = BY_PFX(sse_w),
    [0x70 ... 0x73] = BY_PFX(sse_w_ib),
    [0x74 ... 0x76] = BY_PFX(sse_w),
    [0x77] = ROW(SSE, "", 0),                     /* EMMS */
    [0x7c ... 0x7f] = BY_PFX(sse_w),
    [0x80 ... 0x8f] = ROW(JCC, "Jz", BR),
    [0x90 ... 0x9f] = ROW(SETCC, "Eb", 0),
    [0xa0] = ROW(PUSH_SEG, "FS", STK),
    [0xa1] = ROW(POP_SEG, "FS", STK | SEGLD),
    [0xa2] = ROW(CPUID, "", 0),
    [0xa3] = ROW(BT, "Ev,Gv", 0),
    [0xa4] = ROW(SHLD, "Ev,Gv,Ib", 0),
    [0xa5] = ROW(SHLD, "Ev,Gv,CL", 0),
    [0xa8] = ROW(PUSH_SEG, "GS", STK),
    [0xa9] = ROW(POP_SEG, "GS", STK | SEGLD),
    [0xaa] = ROW(RSM, "", IA_END_TB),
    [0xab] = ROW(BTS, "Ev,Gv", LK),
    [0xac] = ROW(SHRD, "Ev,Gv,Ib", 0),
    [0xad] = ROW(SHRD, "Ev,Gv,CL", 0),
    [0xae] = BY_MOD(grp15_0fae),
    [0xaf] = ROW(IMUL2, "Gv,Ev", 0),
    [0xb0] = ROW(CMPXCHG, "Eb,Gb", LK),
    [0xb1] = ROW(CMPXCHG, "Ev,Gv", LK),
    [0xb2] = ROW(LSS, "Gv,Mp", SEGLD),
    [0xb3] = ROW(BTR, "Ev,Gv", LK),
    [0xb4] = ROW(LFS, "Gv,Mp", SEGLD),
    [0xb5] = ROW(LGS, "Gv,Mp", SEGLD),
    [0xb6] = ROW(MOVZX, "Gv,Eb", 0),
    [0xb7] = ROW(MOVZX, "Gv,Ew", 0),
    [0xb8] = BY_PFX(popcnt_0fb8),
    [0xb9] = ROW(UD, "Gv,Ev", IA_END_TB),          /* UD1 */
    [0xba] = GROUP(grp8_0fba),
    [0xbb] = ROW(BTC, "Ev,Gv", LK),
    [0xbc] = BY_PFX(bsf_tzcnt),
    [0xbd] = BY_PFX(bsr_lzcnt),
    [0xbe] = ROW(MOVSX, "Gv,Eb", 0),
    [0xbf] = ROW(MOVSX, "Gv,Ew", 0),
    [0xc0] = ROW(XADD, "Eb,Gb", LK),
    [0xc1] = ROW(XADD, "Ev,Gv", LK),
    [0xc2] = BY_PFX(sse_w_ib),
    [0xc3] = BY_PFX(sse_w),                   /* MOVNTI */
    [0xc4 ... 0xc6] = BY_PFX(sse_w_ib),
    [0xc7] = GROUP(grp9_0fc7),
    [0xc8 ... 0xcf] = ROW(BSWAP, "Zv", 0),       /* 16-bit: undefined */
    [0xd0 ... 0xfe] = BY_PFX(sse_w),
};

/* Three-byte map 0F 38 xx: Intel SDM Vol. 2, Appendix A, Table A-4. */
const X86OpRow x86_map_0f38[256] = {
    [0x00 ... 0x0b] = BY_PFX(sse_w),
    [0x10] = BY_PFX(sse_w),
    [0x14 ... 0x15] = BY_PFX(sse_w),
    [0x17] = BY_PFX(sse_w),
    [0x1c ... 0x1e] = BY_PFX(sse_w),
    [0x20 ... 0x25] = BY_PFX(sse_w),
    [0x28 ... 0x2b] = BY_PFX(sse_w),
    [0x30 ... 0x35] = BY_PFX(sse_w),
    [0x37 ... 0x41] = BY_PFX(sse_w),
    [0xdb ... 0xdf] = BY_PFX(sse_w),
    [0xf0] = BY_PFX(movbe_gv_mv),
    [0xf1] = BY_PFX(movbe_mv_gv),
};

/* Three-byte map 0F 3A xx: Intel SDM Vol. 2, Appendix A, Table A-5. */
const X86OpRow x86_map_0f3a[256] = {
    [0x08 ... 0x0f] = BY_PFX(sse_w_ib),
    [0x14 ... 0x17] = BY_PFX(sse_w_ib),
    [0x20 ... 0x22] = BY_PFX(sse_w_ib),
    [0x40 ... 0x42] = BY_PFX(sse_w_ib),
    [0x44] = BY_PFX(sse_w_ib),
    [0x60 ... 0x63] = BY_PFX(sse_w_ib),
    [0xdf] = BY_PFX(sse_w_ib),
};

/* Names for the disassembler fallback and logs, indexed by X86Op. */
const char *const x86_op_names[X86_NB_OPS] = {
    [X86_INVALID] = "(bad)",
#define X86_OP_NAME(n) [X86_##n] = #n,
    X86_OPS(X86_OP_NAME)
#undef X86_OP_NAME
};
