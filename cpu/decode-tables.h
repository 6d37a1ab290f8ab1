/*
 * decode-tables.h - the shape of the x86 opcode maps (private to
 * cpu/decode.c and cpu/decode-tables.c).
 *
 * An opcode map is an array of X86OpRow indexed by the opcode byte. A row
 * is either an instruction (op, SDM operand notation, IA_* attributes) or
 * a selector that picks one row of a sub-table by some further property
 * of the encoding (ModRM.reg, ModRM.mod, ModRM.rm, the mandatory prefix,
 * the CPU mode, REX.W, REX.B). Selectors nest. Invariants:
 *   - a row whose op is X86_INVALID and whose sel is SEL_NONE means #UD;
 *   - every sub-table has exactly sel_count(sel) rows;
 *   - operand notation is "Tok,Tok,..." in Intel order (destination first),
 *     see cpu/decode.c for the token grammar;
 *   - a memory-capable token (E, M, W, F, X, O) always precedes immediate
 *     tokens, so the decoder reads the bytes in encoding order.
 */
#ifndef KESTREL_CPU_DECODE_TABLES_H
#define KESTREL_CPU_DECODE_TABLES_H

#include "cpu/insn.h"

typedef enum X86RowSel {
    SEL_NONE,     /* an instruction row */
    SEL_REG,      /* 8 rows by ModRM.reg (an SDM "group") */
    SEL_MOD,      /* 2 rows: [0] memory form (mod != 3), [1] register form */
    SEL_RM,       /* 8 rows by ModRM.rm */
    SEL_PFX,      /* 4 rows by mandatory prefix: none, 66, F3, F2 */
    SEL_MODE64,   /* 2 rows: [0] 16/32-bit modes, [1] 64-bit mode */
    SEL_REXW,     /* 2 rows: [0] REX.W clear, [1] REX.W set */
    SEL_REXB,     /* 2 rows: [0] REX.B clear, [1] REX.B set */
} X86RowSel;

typedef struct X86OpRow {
    uint8_t op;                   /* X86Op */
    uint8_t sel;                  /* X86RowSel */
    uint16_t attrs;               /* IA_* */
    const char *args;             /* SDM operand notation, "" for none */
    const struct X86OpRow *sub;   /* selector target table */
} X86OpRow;

#define ROW(o, a, at)   { .op = X86_##o, .sel = SEL_NONE, .attrs = (at), .args = (a) }
#define GROUP(t)        { .sel = SEL_REG, .sub = (t) }
#define BY_MOD(t)       { .sel = SEL_MOD, .sub = (t) }
#define BY_RM(t)        { .sel = SEL_RM, .sub = (t) }
#define BY_PFX(t)       { .sel = SEL_PFX, .sub = (t) }
#define BY_MODE64(t)    { .sel = SEL_MODE64, .sub = (t) }
#define BY_REXW(t)      { .sel = SEL_REXW, .sub = (t) }
#define BY_REXB(t)      { .sel = SEL_REXB, .sub = (t) }

/* Map 0: one-byte opcodes; 1: 0F xx; 2: 0F 38 xx; 3: 0F 3A xx. */
extern const X86OpRow x86_map_onebyte[256];
extern const X86OpRow x86_map_0f[256];
extern const X86OpRow x86_map_0f38[256];
extern const X86OpRow x86_map_0f3a[256];

#endif
