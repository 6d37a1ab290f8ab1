/*
 * diff.h - the differential CPU tester: random instruction sequences run
 * natively on the x86-64 host and inside Kestrel, then compared.
 *
 * Shared by the generator (gen.c), the native runner (native.c), the
 * Kestrel runner (kestrel.c), the comparison (compare.c), the kdiff tool
 * and tests/unit/test_diff.c.
 *
 * Invariants:
 *  - Both runners see the same addresses: the sequence, its scratch data
 *    and its stack live in one window at DIFF_WIN (below 2 GiB, so it is
 *    reachable by sign-extended 32-bit displacements and from 32-bit code).
 *    Natively the window is mapped at that address; in Kestrel it is guest
 *    RAM, identity-mapped.
 *  - The body of a sequence is the same bytes in both runners; only the
 *    terminator differs (a jump to the native epilogue, or HLT).
 *  - The generator never lets an instruction read a flag that an earlier
 *    instruction left undefined, and it reports the flags still undefined
 *    at the end, which the comparison masks out.
 */
#ifndef KESTREL_TESTS_DIFF_H
#define KESTREL_TESTS_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The window shared by both runners. */
#define DIFF_WIN        0x10000000u
#define DIFF_WIN_SIZE   0x20000u
#define DIFF_CODE       (DIFF_WIN + 0x0000u)    /* the code area */
#define DIFF_CODE_AREA  0x8000u
#define DIFF_CODE_MAX   0x4000u                 /* the longest body */
#define DIFF_STUB       (DIFF_WIN + 0x8000u)    /* native prologue/epilogue */
#define DIFF_MEM        (DIFF_WIN + 0x10000u)   /* compared memory: data then stack */
#define DIFF_DATA_SIZE  0x1000u
#define DIFF_STACK_SIZE 0x1000u
#define DIFF_MEM_SIZE   (DIFF_DATA_SIZE + DIFF_STACK_SIZE)
#define DIFF_DATA       DIFF_MEM
#define DIFF_STACK      (DIFF_MEM + DIFF_DATA_SIZE)
#define DIFF_BASE_VALUE (DIFF_DATA + DIFF_DATA_SIZE / 2)    /* the base register */
#define DIFF_RSP_VALUE  (DIFF_STACK + DIFF_STACK_SIZE / 2)
#define DIFF_HOLE       (DIFF_STACK + DIFF_STACK_SIZE)  /* an unmapped page: #PF */
#define DIFF_STATE      (DIFF_WIN + 0x18000u)   /* native runner's register blocks */

#define DIFF_MAX_INSNS  256

/* Arithmetic flags (EFLAGS bits) and DF. */
#define DIFF_CF 0x0001u
#define DIFF_PF 0x0004u
#define DIFF_AF 0x0010u
#define DIFF_ZF 0x0040u
#define DIFF_SF 0x0080u
#define DIFF_DF 0x0400u
#define DIFF_OF 0x0800u
#define DIFF_ARITH (DIFF_CF | DIFF_PF | DIFF_AF | DIFF_ZF | DIFF_SF | DIFF_OF)

typedef enum DiffMode { DIFF_MODE_64, DIFF_MODE_32 } DiffMode;

/* Template classes; a sequence draws mostly from one. */
typedef enum DiffClass {
    DIFF_CLS_ALU, DIFF_CLS_SHIFT, DIFF_CLS_MULDIV, DIFF_CLS_BIT, DIFF_CLS_COND,
    DIFF_CLS_STRING, DIFF_CLS_ATOMIC, DIFF_CLS_MISC, DIFF_CLS_STACK, DIFF_CLS_BCD,
    DIFF_CLS_FAULT,     /* ends with an instruction that faults (#DE #UD #BP #PF) */
    DIFF_CLS_FAULT_ADDR,    /* ends with an address fault: non-canonical, #PF on RMW */
    DIFF_CLS_X87, DIFF_CLS_SSE,
    DIFF_CLS_NB
} DiffClass;

/* Groups for --only. */
typedef enum DiffGroup { DIFF_GROUP_INT, DIFF_GROUP_X87, DIFF_GROUP_SSE } DiffGroup;

typedef union DiffXmm {
    uint8_t b[16];
    uint64_t q[2];
} DiffXmm;

/* What a runner captures (and the initial state it starts from). */
typedef struct DiffState {
    uint64_t regs[16];
    uint64_t rip;           /* the terminator, or the faulting insn (after it for #BP) */
    uint64_t rflags;
    DiffXmm xmm[16];
    uint8_t mem[DIFF_MEM_SIZE];
    int fault;              /* -1: reached the terminator; else the vector (256+: other stop) */
    uint64_t error_code, cr2;   /* of the fault; cr2 for #PF */
    /* Memory [frame_lo, frame_hi) holds Kestrel's exception frame: not compared. */
    uint64_t frame_lo, frame_hi;
    char fault_text[128];
} DiffState;

typedef struct DiffSeq {
    DiffMode mode;
    DiffClass cls;
    uint64_t seed;
    uint32_t code_addr;                 /* where the body starts (may straddle a page) */
    uint8_t code[DIFF_CODE_MAX];
    uint32_t len;                       /* body bytes (without terminator) */
    uint16_t insn_off[DIFF_MAX_INSNS];  /* start of each instruction */
    int nb_insns;
    uint32_t undef_flags;               /* flags undefined after the body */
    bool uses_xmm;
    DiffState init;
} DiffSeq;

/* gen.c */
const char *diff_class_name(DiffClass cls);
bool diff_class_in_group(DiffClass cls, DiffGroup group);
bool diff_class_in_mode(DiffClass cls, DiffMode mode);
void diff_generate(DiffSeq *seq, DiffClass cls, DiffMode mode, uint64_t seed, int nb_insns);

/* native.c: false (with why) when the window cannot be mapped. */
bool diff_native_init(char *err, size_t errlen);
void diff_native_run(const DiffSeq *seq, DiffState *out);

/* kestrel.c: backend is "interp" or "jit"; false (with why) when unavailable. */
bool diff_kestrel_init(const char *backend, char *err, size_t errlen);
void diff_kestrel_run(const DiffSeq *seq, DiffState *out);

/* compare.c: true when equal; otherwise a readable report in buf. */
bool diff_compare(const DiffSeq *seq, const DiffState *expect, const DiffState *got,
                  char *buf, size_t buflen);

/* run.c: generate, run both, compare; a mismatch is shrunk to its
 * shortest failing prefix and reported in report. */
bool diff_check_one(DiffClass cls, DiffMode mode, uint64_t seed, int nb_insns, char *report,
                    size_t len);

#endif
