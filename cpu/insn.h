/*
 * insn.h - the decoded instruction: what cpu/decode.c produces and
 * cpu/translate.c consumes.
 *
 * The decoder resolves everything syntactic: prefixes, operand and address
 * size, ModRM/SIB/displacement into an effective-address recipe, implicit
 * operands (AL, rAX, DX, CL, the constant 1) into ordinary operands, and
 * the instruction's semantics into an X86Op. The translator then only
 * needs the semantics: shared code loads op[1..] and stores op[0].
 * Operands are in Intel order: op[0] is the destination.
 */
#ifndef KESTREL_CPU_INSN_H
#define KESTREL_CPU_INSN_H

#include "kestrel/common.h"

/* Instruction semantics. One row per operation the translator implements;
 * size and operand form come from the operands. */
#define X86_OPS(X) \
    X(ADD) X(OR) X(ADC) X(SBB) X(AND) X(SUB) X(XOR) X(CMP)                  \
    X(INC) X(DEC) X(NEG) X(NOT) X(TEST)                                     \
    X(MUL) X(IMUL) X(IMUL2) X(DIV) X(IDIV) /* IMUL2: 2/3-operand form */    \
    X(MOV) X(MOVZX) X(MOVSX) X(MOVSXD) X(XCHG) X(LEA) X(BSWAP)              \
    X(MOV_TO_SEG) X(MOV_FROM_SEG) X(MOV_TO_CR) X(MOV_FROM_CR)               \
    X(MOV_TO_DR) X(MOV_FROM_DR)                                             \
    X(PUSH) X(POP) X(PUSHA) X(POPA) X(PUSHF) X(POPF) X(ENTER) X(LEAVE)      \
    X(PUSH_SEG) X(POP_SEG)                                                  \
    X(LAHF) X(SAHF) X(CBW) X(CWD) /* CBW/CWDE/CDQE and CWD/CDQ/CQO by size */ \
    X(ROL) X(ROR) X(RCL) X(RCR) X(SHL) X(SHR) X(SAR) X(SHLD) X(SHRD)        \
    X(BT) X(BTS) X(BTR) X(BTC) X(BSF) X(BSR) X(POPCNT) X(TZCNT) X(LZCNT)    \
    X(XADD) X(CMPXCHG) X(CMPXCHG8B) X(CMPXCHG16B)                           \
    X(JCC) X(JMP) X(JMP_IND) X(JMPF) X(JMPF_IND)                            \
    X(CALL) X(CALL_IND) X(CALLF) X(CALLF_IND) X(RET) X(RETF)                \
    X(LOOP) X(LOOPE) X(LOOPNE) X(JCXZ)                                      \
    X(INT) X(INT3) X(INTO) X(INT1) X(IRET) X(BOUND)                         \
    X(SETCC) X(CMOVCC)                                                      \
    X(MOVS) X(CMPS) X(STOS) X(LODS) X(SCAS) X(INS) X(OUTS)                  \
    X(IN) X(OUT)                                                            \
    X(CLC) X(STC) X(CMC) X(CLD) X(STD) X(CLI) X(STI)                        \
    X(HLT) X(NOP) X(PAUSE) X(WAIT)                                          \
    X(DAA) X(DAS) X(AAA) X(AAS) X(AAM) X(AAD) X(SALC) X(XLAT)               \
    X(LDS) X(LES) X(LFS) X(LGS) X(LSS)                                      \
    X(LGDT) X(LIDT) X(SGDT) X(SIDT) X(LLDT) X(SLDT) X(LTR) X(STR)           \
    X(LMSW) X(SMSW) X(CLTS) X(INVLPG) X(INVD) X(WBINVD)                     \
    X(LAR) X(LSL) X(VERR) X(VERW) X(ARPL)                                   \
    X(CPUID) X(RDTSC) X(RDTSCP) X(RDMSR) X(WRMSR) X(RDPMC) X(RSM)           \
    X(SYSENTER) X(SYSEXIT) X(SYSCALL) X(SYSRET) X(SWAPGS)                   \
    X(UD) X(FENCE) X(CLFLUSH) X(PREFETCH) X(MOVBE)                          \
    X(FPU) /* x87 escape D8-DF: translator calls the x87 helpers */         \
    X(SSE) /* 0F-map SSE/MMX rows: decoded further by the SSE translator */

typedef enum X86Op {
    X86_INVALID = 0,
#define X86_OP_ENUM(n) X86_##n,
    X86_OPS(X86_OP_ENUM)
#undef X86_OP_ENUM
    X86_NB_OPS
} X86Op;

extern const char *const x86_op_names[X86_NB_OPS];

typedef enum OperandKind {
    OPK_NONE,
    OPK_REG,      /* general register: reg 0-15; size 1 with high8 for AH..BH */
    OPK_MEM,      /* memory at insn->mem */
    OPK_IMM,      /* imm, already sign- or zero-extended to the operand size */
    OPK_REL,      /* branch: imm is the signed displacement from the next insn */
    OPK_FARPTR,   /* ptr16:16/32: imm offset, imm2 selector */
    OPK_SREG,     /* segment register R_ES..R_GS */
    OPK_CREG,     /* control register */
    OPK_DREG,     /* debug register */
    OPK_ST,       /* x87 ST(i) */
    OPK_MMX,
    OPK_XMM,
} OperandKind;

typedef struct Operand {
    uint8_t kind;     /* OperandKind */
    uint8_t size;     /* bytes: 1, 2, 4, 8, 6 or 10 (m16:32/m16:64 far pointers), 16 */
    uint8_t reg;
    bool high8;       /* AH, CH, DH, BH */
    int64_t imm;
    uint64_t imm2;
} Operand;

#define MEM_NO_REG  0xff
#define MEM_RIP     0x10   /* base register number meaning RIP-relative */

typedef struct MemAddr {
    uint8_t base;     /* register number, MEM_RIP, or MEM_NO_REG */
    uint8_t index;    /* register number or MEM_NO_REG */
    uint8_t scale;    /* 0..3: index << scale */
    uint8_t seg;      /* effective segment (override or default DS/SS) */
    int64_t disp;
} MemAddr;

enum {
    PFX_LOCK  = 1 << 0,
    PFX_REPZ  = 1 << 1,   /* F3 */
    PFX_REPNZ = 1 << 2,   /* F2 */
    PFX_OPSIZE = 1 << 3,  /* 66 */
    PFX_ADSIZE = 1 << 4,  /* 67 */
    PFX_SEG   = 1 << 5,   /* a segment override is present */
    PFX_REX   = 1 << 6,
};

/* Row attributes (from the opcode tables). */
enum {
    IA_LOCK     = 1 << 0,   /* LOCK allowed (with a memory destination) */
    IA_NO64     = 1 << 1,   /* invalid in 64-bit mode */
    IA_ONLY64   = 1 << 2,
    IA_PRIV     = 1 << 3,   /* CPL 0 only: #GP otherwise */
    IA_END_TB   = 1 << 4,   /* ends the translation block */
    IA_DEF64    = 1 << 5,   /* operand size defaults to 64 in 64-bit mode */
    IA_FORCE64  = 1 << 6,   /* operand size is 64 in 64-bit mode regardless of 66 */
    IA_STRING   = 1 << 7,   /* REP prefixes apply */
    IA_NO_REAL  = 1 << 8,   /* #UD in real and virtual-8086 mode */
    IA_MEM_ONLY = 1 << 9,   /* ModRM must encode memory: #UD otherwise */
    IA_REG_ONLY = 1 << 10,
};

typedef struct Insn {
    uint64_t pc;          /* EIP/RIP of the first byte (offset in CS) */
    uint8_t len;
    X86Op op;
    uint16_t opcode;      /* map << 8 | byte: map 0 one-byte, 1 0F, 2 0F38, 3 0F3A */
    uint8_t cond;         /* Jcc/SETcc/CMOVcc condition 0..15 (low opcode nibble) */
    uint8_t prefixes;     /* PFX_* */
    uint8_t rex;          /* REX byte or 0 */
    uint8_t opsize;       /* 2, 4 or 8 */
    uint8_t addrsize;     /* 2, 4 or 8 */
    uint8_t modrm;        /* valid when has_modrm */
    bool has_modrm;
    uint16_t attrs;       /* IA_* */
    MemAddr mem;          /* valid when an operand is OPK_MEM */
    uint8_t nb_ops;
    Operand ops[4];
} Insn;

/* Decoder mode, from hflags. */
typedef struct DecodeMode {
    bool code32;          /* CS.D in protected mode */
    bool code64;          /* 64-bit code segment */
} DecodeMode;

/* Fetches up to len bytes at pc into buf; returns how many it could. */
typedef int InsnFetch(void *opaque, uint64_t pc, uint8_t *buf, int len);

typedef enum DecodeResult {
    DECODE_OK,
    DECODE_UD,          /* invalid opcode or operand form: raise #UD */
    DECODE_TOO_LONG,    /* more than 15 bytes: raise #GP(0) */
    DECODE_FETCH_FAULT, /* the fetch callback could not supply the bytes */
} DecodeResult;

/* Decodes one instruction at pc. On DECODE_UD the length is still set
 * to the bytes consumed. */
DecodeResult x86_decode(Insn *insn, DecodeMode mode, uint64_t pc,
                        InsnFetch *fetch, void *opaque);
/* Decodes from a byte buffer (tests, disassembly). */
DecodeResult x86_decode_buf(Insn *insn, DecodeMode mode, uint64_t pc,
                            const uint8_t *buf, int len);
/* "-d in_asm" text of one instruction (uses capstone when configured). */
void x86_disas(char *out, size_t outlen, DecodeMode mode, uint64_t pc,
               const uint8_t *bytes, int len);

#endif
