/*
 * sse.h - private interface of the MMX/SSE part (cpu/translate-sse.c,
 * cpu/sse_*.c).
 *
 * The translator packs what the helper needs from an Insn into one 64-bit
 * descriptor (SSE_DESC_*), checks the #UD/#NM rules that depend only on
 * hflags, computes the linear address of a memory operand, and calls
 * h_sse(desc, addr). The helper looks the instruction up in sse_ops (one
 * row per map, opcode byte and mandatory prefix), loads the operands into
 * an SseCtx, runs the row's function, and writes the destination back.
 *
 * Invariants:
 *  - an instruction whose row has fn == NULL is #UD (the translator raises
 *    it statically, the helper never sees it);
 *  - the destination register is written only after fn returns: a fault or
 *    an unmasked SIMD exception inside fn leaves it untouched;
 *  - MMX register i is the mantissa of x87 physical register i; every MMX
 *    instruction except EMMS sets TOP = 0 and all tags valid, a write sets
 *    the exponent to 0xFFFF (SDM Vol. 1 9.5);
 *  - fn reads c->src (the ModRM.rm operand, loaded unless SSE_NOLOAD) and
 *    c->dst (the ModRM.reg register), and leaves its result in c->dst.
 */
#ifndef KESTREL_CPU_SSE_H
#define KESTREL_CPU_SSE_H

#include "cpu/internal.h"

extern const IRHelper h_sse;

/* Descriptor fields (bit positions). */
#define SSE_DESC_OPC     0    /* 8: opcode byte */
#define SSE_DESC_MAP     8    /* 2: 1 = 0F, 2 = 0F38, 3 = 0F3A */
#define SSE_DESC_PFX     10   /* 2: mandatory prefix index: none, 66, F3, F2 */
#define SSE_DESC_MODRM   12   /* 8 */
#define SSE_DESC_REX     20   /* 4: REX.WRXB */
#define SSE_DESC_IMM     24   /* 8 */
#define SSE_DESC_OPSIZE  32   /* 4: operand size (CRC32, MOVNTI) */
#define SSE_DESC_CODE64  36   /* 1 */
#define SSE_DESC_REXP    37   /* 1: a REX prefix is present */

enum { SSE_PFX_NONE, SSE_PFX_66, SSE_PFX_F3, SSE_PFX_F2 };

/* Row flags. */
enum {
    SSE_DMMX      = 1 << 0,   /* ModRM.reg names an MMX register */
    SSE_SMMX      = 1 << 1,   /* ModRM.rm register form names an MMX register */
    SSE_NOLOAD    = 1 << 2,   /* fn reads/writes the rm operand itself */
    SSE_NOWB      = 1 << 3,   /* fn writes its results itself */
    SSE_UNALIGNED = 1 << 4,   /* a 16-byte memory operand may be unaligned */
    SSE_MEM_ONLY  = 1 << 5,   /* #UD for a register rm */
    SSE_REG_ONLY  = 1 << 6,   /* #UD for a memory rm */
    SSE_FLAGS     = 1 << 7,   /* writes EFLAGS (cc_op = EFLAGS) */
    SSE_INTEGER   = 1 << 8,   /* no CR0/CR4 checks (CRC32, MOVNTI) */
    SSE_FXSR      = 1 << 9,   /* FXSAVE/FXRSTOR: #NM on EM or TS, no OSFXSR check */
    SSE_NO_MMXST  = 1 << 10,  /* EMMS: leaves the tags to fn */
    SSE_RM_GPR    = 1 << 11,  /* register rm is a general register */
    SSE_IMPLICIT_DI = 1 << 12, /* the memory operand is seg:rDI (MASKMOVQ) */
    SSE_WRITES    = 1 << 13,  /* writes its memory operand (segment write check) */
    SSE_OPSIZE    = 1 << 14,  /* msize 0 means the operand size (CRC32 r, r/m16/32/64) */
};
#define SSE_MMX (SSE_DMMX | SSE_SMMX)

typedef struct SseCtx SseCtx;
typedef struct SseOp SseOp;
typedef void SseFn(SseCtx *c);
/* One lane of a lane-wise integer operation; bits is the element width. */
typedef uint64_t SseLaneFn(uint64_t a, uint64_t b, unsigned bits);

struct SseOp {
    SseFn *fn;
    SseLaneFn *lane;
    uint16_t flags;
    uint16_t msize;           /* bytes of a memory rm operand; 0: see sse_mem_size() */
    uint8_t esize;            /* element bytes for lane-wise and float ops */
    uint8_t aux;              /* per-function parameter */
};

struct SseCtx {
    CPUX86State *env;
    uintptr_t ra;
    const SseOp *op;
    uint64_t addr;            /* linear address of the memory operand */
    bool mem;
    bool code64, rexw, rexp;
    uint8_t pfx, opc, map, modrm, imm, opsize;
    uint8_t reg, rm;          /* with REX.R / REX.B */
    unsigned width;           /* 8 (MMX) or 16 (XMM) */
    uint32_t fpflags;         /* MXCSR exception flags raised so far */
    XMMReg dst, src;
};

/* Bytes of the memory operand: the row's, else 4 (8 with REX.W) as for
 * MOVD/CVTSI2SS/PINSRD, or the operand size for SSE_OPSIZE rows. */
static inline unsigned sse_mem_size(const SseOp *op, unsigned opsize, bool rexw)
{
    if (op->msize) {
        return op->msize;
    }
    if (op->flags & SSE_OPSIZE) {
        return opsize;
    }
    return rexw ? 8 : 4;
}

/* The opcode table (sse-tables.c): [map - 1][opcode][prefix]. */
extern const SseOp sse_ops[3][256][4];
/* The row for a decoded instruction, or NULL for #UD. */
const SseOp *sse_lookup(unsigned map, unsigned opc, unsigned pfx, uint8_t modrm);

/* The CPUID feature an instruction belongs to (#UD when the model lacks it). */
typedef enum SseFeature {
    SSE_FEAT_MMX, SSE_FEAT_SSE, SSE_FEAT_SSE2, SSE_FEAT_SSE3, SSE_FEAT_SSSE3,
    SSE_FEAT_SSE41, SSE_FEAT_SSE42, SSE_FEAT_FXSR,
} SseFeature;
SseFeature sse_feature(unsigned map, unsigned opc, unsigned pfx, uint8_t modrm, const SseOp *op);

/* sse_helper.c: operand access. */
uint64_t sse_ld(SseCtx *c, unsigned off, MemOp mo);
void sse_st(SseCtx *c, unsigned off, uint64_t v, MemOp mo);
void sse_load_rm(SseCtx *c, XMMReg *out, unsigned size);   /* zero-fills the rest */
void sse_store_rm(SseCtx *c, const XMMReg *v, unsigned size);
uint64_t sse_gpr_rm(SseCtx *c, unsigned size);             /* GPR or memory rm */
void sse_set_gpr(SseCtx *c, int reg, uint64_t v, unsigned size);
uint64_t sse_mmx_get(CPUX86State *env, int i);
void sse_mmx_set(CPUX86State *env, int i, uint64_t v);
void sse_set_eflags(SseCtx *c, uint32_t cc);
KESTREL_NORETURN void sse_raise(SseCtx *c, int vector);

/* Element access, little-endian. */
uint64_t sse_el(const XMMReg *x, unsigned i, unsigned esize);
void sse_set_el(XMMReg *x, unsigned i, unsigned esize, uint64_t v);

/* Row functions, by file. */
#define SSE_HELPER_FNS(X) \
    /* sse_helper.c: moves, state */ \
    X(mov) X(mov_store) X(movq) X(movq_store) X(movs_load) X(movs_store) \
    X(movd_load) X(movd_store) X(movlh) X(movlh_store) X(movdup) X(movmsk) \
    X(movq2dq) X(movdq2q) X(emms) X(movnti) X(maskmov) \
    X(fxsave) X(fxrstor) X(ldmxcsr) X(stmxcsr) \
    /* sse_int.c: integer */ \
    X(lane) X(phaddsub) X(shift) X(shift_imm) X(pack) X(unpck) X(pshuf) \
    X(shufp) X(pshufb) X(palignr) X(pblend) X(pmovx) X(pmadd) X(pmaddubsw) \
    X(psadbw) X(pmuludq) X(mpsadbw) X(phminpos) X(pinsr) X(pextr) \
    X(pextr_mem) X(pmovmskb) X(ptest) X(crc32) \
    /* sse_str.c: SSE4.2 string compares */ \
    X(pcmpstr) \
    /* sse_fp.c: floating point */ \
    X(fp_arith) X(fp_sqrt) X(fp_addsub) X(fp_hadd) X(fp_minmax) X(fp_cmp) \
    X(fp_comi) X(fp_rcp) X(fp_dp) X(fp_round) X(cvt) X(cvt_i2f) X(cvt_f2i) \
    X(insertps)
#define SSE_FN_DECL(n) SseFn sse_##n;
SSE_HELPER_FNS(SSE_FN_DECL)
#undef SSE_FN_DECL

/* Lane functions of sse_lane/sse_phaddsub (sse_int.c). */
#define SSE_LANE_FNS(X) X(add) X(sub) X(adds) X(subs) X(addus) X(subus) \
    X(cmpeq) X(cmpgt) X(min) X(max) X(minu) X(maxu) X(avg) X(mullo) X(mulhi) \
    X(mulhu) X(mulhrs) X(sign) X(abs) X(and) X(andn) X(or) X(xor)
#define SSE_LANE_DECL(n) SseLaneFn sse_lane_##n;
SSE_LANE_FNS(SSE_LANE_DECL)
#undef SSE_LANE_DECL

/* aux of the float arithmetic rows and of sse_shift. */
enum { FOP_ADD, FOP_SUB, FOP_MUL, FOP_DIV, FOP_SQRT, FOP_RINT, FOP_NARROW, FOP_FROM_INT };
enum { SHIFT_RL, SHIFT_RA, SHIFT_LL };

/* sse_fp.c: MXCSR exception check after a float operation. */
void sse_fp_commit(SseCtx *c);

#define MXCSR_IE  0x0001u
#define MXCSR_DE  0x0002u
#define MXCSR_ZE  0x0004u
#define MXCSR_OE  0x0008u
#define MXCSR_UE  0x0010u
#define MXCSR_PE  0x0020u
#define MXCSR_DAZ 0x0040u
#define MXCSR_MASK_SHIFT 7
#define MXCSR_RC_SHIFT 13
#define MXCSR_FTZ 0x8000u
#define MXCSR_WRITABLE 0xffffu
#define MXCSR_RESET 0x1f80u

#endif
