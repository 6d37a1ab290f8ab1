/*
 * gen-enc.h - the generator's machine-code encoder and random picks,
 * shared by gen.c (integer templates) and gen-fp.c (x87/SSE templates).
 *
 * An Enc describes one instruction in operand terms (prefixes, operand
 * size, opcode, ModRM reg and r/m operands, immediate); enc_emit() encodes
 * it after the body so far, or returns false (emitting nothing) when the
 * operands cannot be encoded together (AH..BH with a REX prefix, REX in
 * 32-bit mode). Templates then retry with other picks.
 *
 * Register picks name the architectural register they touch (`actual`),
 * so a template never writes RSP or the sequence's base register.
 */
#ifndef KESTREL_TESTS_DIFF_GEN_ENC_H
#define KESTREL_TESTS_DIFF_GEN_ENC_H

#include "tests/diff/diff.h"

#define REG_RAX 0
#define REG_RCX 1
#define REG_RDX 2
#define REG_RBX 3
#define REG_RSP 4
#define REG_RBP 5
#define REG_RSI 6
#define REG_RDI 7
#define MEM_RIP 16          /* Mem.base: RIP-relative (64-bit mode) */
#define BIT(r) (1u << (r))

typedef struct Gen {
    DiffSeq *seq;
    uint64_t rng;
    bool m64;
    int base;               /* holds DIFF_BASE_VALUE; never written */
    int depth;              /* bytes pushed below the initial RSP */
    bool in_branch;         /* inside a Jcc body: no stack or branch templates */
} Gen;

typedef struct Mem {
    int base;               /* register, -1 (none), MEM_RIP */
    int index;              /* -1: none */
    int scale;              /* log2 */
    int32_t disp;
    int disp_size;          /* 0: smallest, 1 or 4: forced */
    bool addr32;            /* 0x67 in 64-bit mode */
    uint32_t target;        /* RIP-relative: the absolute address */
    uint8_t seg;            /* segment override prefix, 0: none */
} Mem;

typedef struct Reg {
    int enc;                /* encoding number */
    bool hi8;               /* AH..BH: no REX allowed */
    int actual;             /* the architectural register */
} Reg;

typedef struct Enc {
    uint8_t prefix[3];
    int nb_prefix;
    int opsize;             /* 1, 2, 4, 8: 2 adds 0x66, 8 adds REX.W */
    bool no_w;              /* 64-bit by default (push/pop): no REX.W */
    uint8_t op[3];
    int oplen;
    int opreg;              /* register added to the last opcode byte, -1: none */
    bool opreg_byte, opreg_hi8;
    int reg;                /* ModRM.reg (register or /digit), -1: no ModRM */
    bool reg_byte, reg_hi8;
    bool rm_is_mem, rm_byte, rm_hi8;
    int rm_reg;
    Mem m;
    uint64_t imm;
    int imm_size;
} Enc;

/* Random numbers. */
uint64_t gen_rnd(Gen *g);
uint64_t gen_below(Gen *g, uint64_t n);
bool gen_chance(Gen *g, unsigned percent);
uint64_t gen_value(Gen *g);             /* an "interesting" 64-bit value */
int gen_size(Gen *g);                   /* 1, 2, 4 (and 8 in 64-bit mode) */
int gen_size_wide(Gen *g);              /* 2, 4 (and 8) */

/* Picks. */
Reg gen_reg_any(Gen *g, int size);
Reg gen_reg_dst(Gen *g, int size, uint32_t avoid);
Reg gen_reg_fixed(int actual);
/* A memory operand for span bytes inside the data buffer, aligned to align;
 * may first emit a MOV setting an index register not in avoid. */
bool gen_mem(Gen *g, Mem *m, int span, int align, uint32_t avoid);

uint8_t gen_seg_prefix(Gen *g);

/* Encoding. */
Enc enc_op(int size, uint8_t op);
Enc enc_op0f(int size, uint8_t op);
void enc_set_reg(Enc *e, Reg r, bool byte);
void enc_set_rm_reg(Enc *e, Reg r, bool byte);
void enc_set_rm_mem(Enc *e, const Mem *m);
void enc_prefix(Enc *e, uint8_t p);
bool enc_emit(Gen *g, const Enc *e);
bool enc_bytes(Gen *g, const uint8_t *bytes, int len);     /* a fixed instruction */
bool enc_mov_imm(Gen *g, int actual, int size, uint64_t v); /* MOV reg, imm */
bool enc_mov_imm_reg(Gen *g, Reg r, int size, uint64_t v);
bool enc_store_imm(Gen *g, const Mem *m, int size, uint64_t v);

/* Flags bookkeeping. */
void gen_flags(Gen *g, uint32_t defined, uint32_t undefined);
bool gen_need_flags(Gen *g, uint32_t reads);

/* x87/SSE templates (gen-fp.c). */
typedef bool TemplateFn(Gen *g);
extern TemplateFn *const gen_x87_templates[];
extern const int gen_nb_x87_templates;
extern TemplateFn *const gen_sse_templates[];
extern const int gen_nb_sse_templates;

#endif
