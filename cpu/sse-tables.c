/*
 * sse-tables.c - the MMX/SSE opcode rows the SSE helper dispatches on:
 * sse_ops[map - 1][opcode][mandatory prefix], prefixes in the order none,
 * 66, F3, F2 (Intel SDM Vol. 2, Appendix A, Tables and the
 * instruction pages). A row names its function, its flags (cpu/sse.h),
 * the size of a memory operand (0: the operand size), the element size
 * and a per-function parameter. An empty row is #UD.
 *
 * Integer rows come in pairs: the MMX form without prefix (8-byte
 * registers, m64) and the SSE2 form with 66 (m128, aligned).
 * Pure data, apart from sse_lookup() for the ModRM-dependent groups.
 */
#include "cpu/sse.h"

#define OP(f, fl, ms, es, ax) \
    { .fn = sse_##f, .flags = (fl), .msize = (ms), .esize = (es), .aux = (ax) }
#define LN(l, fl, ms, es) \
    { .fn = sse_lane, .lane = sse_lane_##l, .flags = (fl), .msize = (ms), .esize = (es) }
#define HL(l, fl, ms, es) \
    { .fn = sse_phaddsub, .lane = sse_lane_##l, .flags = (fl), .msize = (ms), .esize = (es) }

#define ST     (SSE_NOLOAD | SSE_NOWB)          /* fn does its own loads and writes */
#define STW    (ST | SSE_WRITES)                /* store forms */
#define MEMO   SSE_MEM_ONLY
#define REGO   SSE_REG_ONLY
#define UNAL   SSE_UNALIGNED
#define MMX    SSE_MMX

/* MMX form (none) and SSE2 form (66). */
#define LANE2(l, es)        { LN(l, MMX, 8, es), LN(l, 0, 16, es) }
#define HADD2(l, es)        { HL(l, MMX, 8, es), HL(l, 0, 16, es) }
#define FN2(f, es, ax)      { OP(f, MMX, 8, es, ax), OP(f, 0, 16, es, ax) }
#define UNPCK2(ms, es, ax)  { OP(unpck, MMX, ms, es, ax), OP(unpck, 0, 16, es, ax) }
/* PS, PD, SS, SD. */
#define FP4(f, ax) { OP(f, 0, 16, 4, ax), OP(f, 0, 16, 8, ax), OP(f, 0, 4, 4, ax), OP(f, 0, 8, 8, ax) }
/* PS, PD only (logic). */
#define LOGIC(l)   { LN(l, 0, 16, 8), LN(l, 0, 16, 8) }
/* 66-only SSE4.1 lane rows. */
#define LANE66(l, es) { [SSE_PFX_66] = LN(l, 0, 16, es) }
#define PMOVX(ms, ses, des) { [SSE_PFX_66] = OP(pmovx, 0, ms, ses, des) }

const SseOp sse_ops[3][256][4] = {
    /* ---- 0F xx ---- */
    [0][0x10] = { OP(mov, UNAL, 16, 0, 0), OP(mov, UNAL, 16, 0, 0),
                  OP(movs_load, 0, 4, 4, 0), OP(movs_load, 0, 8, 8, 0) },
    [0][0x11] = { OP(mov_store, UNAL | STW, 16, 0, 0), OP(mov_store, UNAL | STW, 16, 0, 0),
                  OP(movs_store, STW, 4, 4, 0), OP(movs_store, STW, 8, 8, 0) },
    [0][0x12] = { OP(movlh, 0, 8, 0, 0), OP(movlh, MEMO, 8, 0, 0),
                  OP(movdup, 0, 16, 0, 0), OP(movdup, 0, 8, 0, 2) },
    [0][0x13] = { OP(movlh_store, MEMO | STW, 8, 0, 0), OP(movlh_store, MEMO | STW, 8, 0, 0) },
    [0][0x14] = { OP(unpck, 0, 16, 4, 0), OP(unpck, 0, 16, 8, 0) },
    [0][0x15] = { OP(unpck, 0, 16, 4, 1), OP(unpck, 0, 16, 8, 1) },
    [0][0x16] = { OP(movlh, 0, 8, 0, 1), OP(movlh, MEMO, 8, 0, 1), OP(movdup, 0, 16, 0, 1) },
    [0][0x17] = { OP(movlh_store, MEMO | STW, 8, 0, 1), OP(movlh_store, MEMO | STW, 8, 0, 1) },
    [0][0x28] = { OP(mov, 0, 16, 0, 0), OP(mov, 0, 16, 0, 0) },
    [0][0x29] = { OP(mov_store, STW, 16, 0, 0), OP(mov_store, STW, 16, 0, 0) },
    [0][0x2a] = { OP(cvt, SSE_SMMX, 8, 0, 6), OP(cvt, SSE_SMMX, 8, 0, 7),
                  OP(cvt_i2f, SSE_RM_GPR, 0, 4, 0), OP(cvt_i2f, SSE_RM_GPR, 0, 8, 0) },
    [0][0x2b] = { OP(mov_store, MEMO | STW, 16, 0, 0), OP(mov_store, MEMO | STW, 16, 0, 0) },
    [0][0x2c] = { OP(cvt, SSE_DMMX, 8, 0, 8), OP(cvt, SSE_DMMX, 16, 0, 10),
                  OP(cvt_f2i, SSE_NOWB, 4, 4, 1), OP(cvt_f2i, SSE_NOWB, 8, 8, 1) },
    [0][0x2d] = { OP(cvt, SSE_DMMX, 8, 0, 9), OP(cvt, SSE_DMMX, 16, 0, 11),
                  OP(cvt_f2i, SSE_NOWB, 4, 4, 0), OP(cvt_f2i, SSE_NOWB, 8, 8, 0) },
    [0][0x2e] = { OP(fp_comi, SSE_FLAGS | SSE_NOWB, 4, 4, 0),
                  OP(fp_comi, SSE_FLAGS | SSE_NOWB, 8, 8, 0) },
    [0][0x2f] = { OP(fp_comi, SSE_FLAGS | SSE_NOWB, 4, 4, 1),
                  OP(fp_comi, SSE_FLAGS | SSE_NOWB, 8, 8, 1) },
    [0][0x50] = { OP(movmsk, REGO | SSE_NOWB, 16, 4, 0), OP(movmsk, REGO | SSE_NOWB, 16, 8, 0) },
    [0][0x51] = FP4(fp_sqrt, 0),
    [0][0x52] = { OP(fp_rcp, 0, 16, 4, 1), [SSE_PFX_F3] = OP(fp_rcp, 0, 4, 4, 1) },
    [0][0x53] = { OP(fp_rcp, 0, 16, 4, 0), [SSE_PFX_F3] = OP(fp_rcp, 0, 4, 4, 0) },
    [0][0x54] = LOGIC(and),
    [0][0x55] = LOGIC(andn),
    [0][0x56] = LOGIC(or),
    [0][0x57] = LOGIC(xor),
    [0][0x58] = FP4(fp_arith, FOP_ADD),
    [0][0x59] = FP4(fp_arith, FOP_MUL),
    [0][0x5a] = { OP(cvt, 0, 8, 0, 12), OP(cvt, 0, 16, 0, 13),
                  OP(cvt, 0, 4, 0, 14), OP(cvt, 0, 8, 0, 15) },
    [0][0x5b] = { OP(cvt, 0, 16, 0, 0), OP(cvt, 0, 16, 0, 1), OP(cvt, 0, 16, 0, 2) },
    [0][0x5c] = FP4(fp_arith, FOP_SUB),
    [0][0x5d] = FP4(fp_minmax, 0),
    [0][0x5e] = FP4(fp_arith, FOP_DIV),
    [0][0x5f] = FP4(fp_minmax, 1),
    [0][0x60] = UNPCK2(4, 1, 0),
    [0][0x61] = UNPCK2(4, 2, 0),
    [0][0x62] = UNPCK2(4, 4, 0),
    [0][0x63] = FN2(pack, 2, 0),
    [0][0x64] = LANE2(cmpgt, 1),
    [0][0x65] = LANE2(cmpgt, 2),
    [0][0x66] = LANE2(cmpgt, 4),
    [0][0x67] = FN2(pack, 2, 1),
    [0][0x68] = UNPCK2(8, 1, 1),
    [0][0x69] = UNPCK2(8, 2, 1),
    [0][0x6a] = UNPCK2(8, 4, 1),
    [0][0x6b] = FN2(pack, 4, 0),
    [0][0x6c] = { [SSE_PFX_66] = OP(unpck, 0, 16, 8, 0) },
    [0][0x6d] = { [SSE_PFX_66] = OP(unpck, 0, 16, 8, 1) },
    [0][0x6e] = { OP(movd_load, SSE_DMMX | SSE_RM_GPR, 0, 0, 0),
                  OP(movd_load, SSE_RM_GPR, 0, 0, 0) },
    [0][0x6f] = { OP(mov, MMX, 8, 0, 0), OP(mov, 0, 16, 0, 0), OP(mov, UNAL, 16, 0, 0) },
    [0][0x70] = { OP(pshuf, MMX, 8, 0, 1), OP(pshuf, 0, 16, 0, 0),
                  OP(pshuf, 0, 16, 0, 2), OP(pshuf, 0, 16, 0, 1) },
    [0][0x71] = { OP(shift_imm, MMX | REGO | ST, 8, 2, 0), OP(shift_imm, REGO | ST, 16, 2, 0) },
    [0][0x72] = { OP(shift_imm, MMX | REGO | ST, 8, 4, 0), OP(shift_imm, REGO | ST, 16, 4, 0) },
    [0][0x73] = { OP(shift_imm, MMX | REGO | ST, 8, 8, 0), OP(shift_imm, REGO | ST, 16, 8, 0) },
    [0][0x74] = LANE2(cmpeq, 1),
    [0][0x75] = LANE2(cmpeq, 2),
    [0][0x76] = LANE2(cmpeq, 4),
    [0][0x77] = { OP(emms, SSE_DMMX | SSE_NO_MMXST | ST, 0, 0, 0) },
    [0][0x7c] = { [SSE_PFX_66] = OP(fp_hadd, 0, 16, 8, FOP_ADD),
                  [SSE_PFX_F2] = OP(fp_hadd, 0, 16, 4, FOP_ADD) },
    [0][0x7d] = { [SSE_PFX_66] = OP(fp_hadd, 0, 16, 8, FOP_SUB),
                  [SSE_PFX_F2] = OP(fp_hadd, 0, 16, 4, FOP_SUB) },
    [0][0x7e] = { OP(movd_store, SSE_DMMX | SSE_RM_GPR | STW, 0, 0, 0),
                  OP(movd_store, SSE_RM_GPR | STW, 0, 0, 0), OP(movq, 0, 8, 0, 0) },
    [0][0x7f] = { OP(mov_store, MMX | STW, 8, 0, 0), OP(mov_store, STW, 16, 0, 0),
                  OP(mov_store, UNAL | STW, 16, 0, 0) },
    [0][0xc2] = FP4(fp_cmp, 0),
    [0][0xc3] = { OP(movnti, SSE_INTEGER | MEMO | STW, 0, 0, 0) },
    [0][0xc4] = { OP(pinsr, SSE_DMMX | SSE_RM_GPR, 2, 2, 0), OP(pinsr, SSE_RM_GPR, 2, 2, 0) },
    [0][0xc5] = { OP(pextr, SSE_SMMX | REGO | SSE_NOWB, 8, 2, 0),
                  OP(pextr, REGO | SSE_NOWB, 16, 2, 0) },
    [0][0xc6] = { OP(shufp, 0, 16, 4, 0), OP(shufp, 0, 16, 8, 0) },
    [0][0xd0] = { [SSE_PFX_66] = OP(fp_addsub, 0, 16, 8, 0),
                  [SSE_PFX_F2] = OP(fp_addsub, 0, 16, 4, 0) },
    [0][0xd1] = FN2(shift, 2, SHIFT_RL),
    [0][0xd2] = FN2(shift, 4, SHIFT_RL),
    [0][0xd3] = FN2(shift, 8, SHIFT_RL),
    [0][0xd4] = LANE2(add, 8),
    [0][0xd5] = LANE2(mullo, 2),
    [0][0xd6] = { [SSE_PFX_66] = OP(movq_store, STW, 8, 0, 0),
                  [SSE_PFX_F3] = OP(movq2dq, SSE_SMMX | REGO, 8, 0, 0),
                  [SSE_PFX_F2] = OP(movdq2q, SSE_DMMX | REGO, 16, 0, 0) },
    [0][0xd7] = { OP(pmovmskb, SSE_SMMX | REGO | SSE_NOWB, 8, 1, 0),
                  OP(pmovmskb, REGO | SSE_NOWB, 16, 1, 0) },
    [0][0xd8] = LANE2(subus, 1),
    [0][0xd9] = LANE2(subus, 2),
    [0][0xda] = LANE2(minu, 1),
    [0][0xdb] = LANE2(and, 8),
    [0][0xdc] = LANE2(addus, 1),
    [0][0xdd] = LANE2(addus, 2),
    [0][0xde] = LANE2(maxu, 1),
    [0][0xdf] = LANE2(andn, 8),
    [0][0xe0] = LANE2(avg, 1),
    [0][0xe1] = FN2(shift, 2, SHIFT_RA),
    [0][0xe2] = FN2(shift, 4, SHIFT_RA),
    [0][0xe3] = LANE2(avg, 2),
    [0][0xe4] = LANE2(mulhu, 2),
    [0][0xe5] = LANE2(mulhi, 2),
    [0][0xe6] = { [SSE_PFX_66] = OP(cvt, 0, 16, 0, 3), [SSE_PFX_F3] = OP(cvt, 0, 8, 0, 4),
                  [SSE_PFX_F2] = OP(cvt, 0, 16, 0, 5) },
    [0][0xe7] = { OP(mov_store, MMX | MEMO | STW, 8, 0, 0), OP(mov_store, MEMO | STW, 16, 0, 0) },
    [0][0xe8] = LANE2(subs, 1),
    [0][0xe9] = LANE2(subs, 2),
    [0][0xea] = LANE2(min, 2),
    [0][0xeb] = LANE2(or, 8),
    [0][0xec] = LANE2(adds, 1),
    [0][0xed] = LANE2(adds, 2),
    [0][0xee] = LANE2(max, 2),
    [0][0xef] = LANE2(xor, 8),
    [0][0xf0] = { [SSE_PFX_F2] = OP(mov, MEMO | UNAL, 16, 0, 0) },    /* LDDQU */
    [0][0xf1] = FN2(shift, 2, SHIFT_LL),
    [0][0xf2] = FN2(shift, 4, SHIFT_LL),
    [0][0xf3] = FN2(shift, 8, SHIFT_LL),
    [0][0xf4] = FN2(pmuludq, 0, 0),
    [0][0xf5] = FN2(pmadd, 0, 0),
    [0][0xf6] = FN2(psadbw, 0, 0),
    [0][0xf7] = { OP(maskmov, MMX | REGO | SSE_NOWB | SSE_IMPLICIT_DI | SSE_WRITES, 8, 0, 0),
                  OP(maskmov, REGO | SSE_NOWB | SSE_IMPLICIT_DI | SSE_WRITES, 16, 0, 0) },
    [0][0xf8] = LANE2(sub, 1),
    [0][0xf9] = LANE2(sub, 2),
    [0][0xfa] = LANE2(sub, 4),
    [0][0xfb] = LANE2(sub, 8),
    [0][0xfc] = LANE2(add, 1),
    [0][0xfd] = LANE2(add, 2),
    [0][0xfe] = LANE2(add, 4),

    /* ---- 0F 38 xx ---- */
    [1][0x00] = FN2(pshufb, 0, 0),
    [1][0x01] = HADD2(add, 2),
    [1][0x02] = HADD2(add, 4),
    [1][0x03] = HADD2(adds, 2),
    [1][0x04] = FN2(pmaddubsw, 0, 0),
    [1][0x05] = HADD2(sub, 2),
    [1][0x06] = HADD2(sub, 4),
    [1][0x07] = HADD2(subs, 2),
    [1][0x08] = LANE2(sign, 1),
    [1][0x09] = LANE2(sign, 2),
    [1][0x0a] = LANE2(sign, 4),
    [1][0x0b] = LANE2(mulhrs, 2),
    [1][0x10] = { [SSE_PFX_66] = OP(pblend, 0, 16, 1, 0) },
    [1][0x14] = { [SSE_PFX_66] = OP(pblend, 0, 16, 4, 0) },
    [1][0x15] = { [SSE_PFX_66] = OP(pblend, 0, 16, 8, 0) },
    [1][0x17] = { [SSE_PFX_66] = OP(ptest, SSE_FLAGS | SSE_NOWB, 16, 0, 0) },
    [1][0x1c] = LANE2(abs, 1),
    [1][0x1d] = LANE2(abs, 2),
    [1][0x1e] = LANE2(abs, 4),
    [1][0x20] = PMOVX(8, 1, 0x82),
    [1][0x21] = PMOVX(4, 1, 0x84),
    [1][0x22] = PMOVX(2, 1, 0x88),
    [1][0x23] = PMOVX(8, 2, 0x84),
    [1][0x24] = PMOVX(4, 2, 0x88),
    [1][0x25] = PMOVX(8, 4, 0x88),
    [1][0x28] = { [SSE_PFX_66] = OP(pmuludq, 0, 16, 0, 1) },          /* PMULDQ */
    [1][0x29] = LANE66(cmpeq, 8),
    [1][0x2a] = { [SSE_PFX_66] = OP(mov, MEMO, 16, 0, 0) },            /* MOVNTDQA */
    [1][0x2b] = { [SSE_PFX_66] = OP(pack, 0, 16, 4, 1) },              /* PACKUSDW */
    [1][0x30] = PMOVX(8, 1, 2),
    [1][0x31] = PMOVX(4, 1, 4),
    [1][0x32] = PMOVX(2, 1, 8),
    [1][0x33] = PMOVX(8, 2, 4),
    [1][0x34] = PMOVX(4, 2, 8),
    [1][0x35] = PMOVX(8, 4, 8),
    [1][0x37] = LANE66(cmpgt, 8),
    [1][0x38] = LANE66(min, 1),
    [1][0x39] = LANE66(min, 4),
    [1][0x3a] = LANE66(minu, 2),
    [1][0x3b] = LANE66(minu, 4),
    [1][0x3c] = LANE66(max, 1),
    [1][0x3d] = LANE66(max, 4),
    [1][0x3e] = LANE66(maxu, 2),
    [1][0x3f] = LANE66(maxu, 4),
    [1][0x40] = LANE66(mullo, 4),
    [1][0x41] = { [SSE_PFX_66] = OP(phminpos, 0, 16, 0, 0) },
    [1][0xf0] = { [SSE_PFX_F2] = OP(crc32, SSE_INTEGER | ST, 1, 0, 0) },
    [1][0xf1] = { [SSE_PFX_F2] = OP(crc32, SSE_INTEGER | SSE_OPSIZE | ST, 0, 0, 0) },

    /* ---- 0F 3A xx ---- */
    [2][0x08] = { [SSE_PFX_66] = OP(fp_round, 0, 16, 4, 0) },
    [2][0x09] = { [SSE_PFX_66] = OP(fp_round, 0, 16, 8, 0) },
    [2][0x0a] = { [SSE_PFX_66] = OP(fp_round, 0, 4, 4, 0) },
    [2][0x0b] = { [SSE_PFX_66] = OP(fp_round, 0, 8, 8, 0) },
    [2][0x0c] = { [SSE_PFX_66] = OP(pblend, 0, 16, 4, 1) },
    [2][0x0d] = { [SSE_PFX_66] = OP(pblend, 0, 16, 8, 1) },
    [2][0x0e] = { [SSE_PFX_66] = OP(pblend, 0, 16, 2, 1) },
    [2][0x0f] = FN2(palignr, 0, 0),
    [2][0x14] = { [SSE_PFX_66] = OP(pextr_mem, STW, 1, 1, 0) },
    [2][0x15] = { [SSE_PFX_66] = OP(pextr_mem, STW, 2, 2, 0) },
    [2][0x16] = { [SSE_PFX_66] = OP(pextr_mem, STW, 0, 0, 0) },
    [2][0x17] = { [SSE_PFX_66] = OP(pextr_mem, STW, 4, 4, 0) },        /* EXTRACTPS */
    [2][0x20] = { [SSE_PFX_66] = OP(pinsr, SSE_RM_GPR, 1, 1, 0) },
    [2][0x21] = { [SSE_PFX_66] = OP(insertps, 0, 4, 0, 0) },
    [2][0x22] = { [SSE_PFX_66] = OP(pinsr, SSE_RM_GPR, 0, 0, 0) },
    [2][0x40] = { [SSE_PFX_66] = OP(fp_dp, 0, 16, 4, 0) },
    [2][0x41] = { [SSE_PFX_66] = OP(fp_dp, 0, 16, 8, 0) },
    [2][0x42] = { [SSE_PFX_66] = OP(mpsadbw, 0, 16, 0, 0) },
    [2][0x60] = { [SSE_PFX_66] = OP(pcmpstr, SSE_FLAGS | SSE_NOWB | UNAL, 16, 0, 0) },
    [2][0x61] = { [SSE_PFX_66] = OP(pcmpstr, SSE_FLAGS | SSE_NOWB | UNAL, 16, 0, 0) },
    [2][0x62] = { [SSE_PFX_66] = OP(pcmpstr, SSE_FLAGS | SSE_NOWB | UNAL, 16, 0, 0) },
    [2][0x63] = { [SSE_PFX_66] = OP(pcmpstr, SSE_FLAGS | SSE_NOWB | UNAL, 16, 0, 0) },
};

/* Group 15 (0F AE) memory forms /0-/3, no prefix. */
static const SseOp sse_grp15[4] = {
    OP(fxsave, SSE_FXSR | MEMO | STW, 512, 0, 0),
    OP(fxrstor, SSE_FXSR | MEMO | ST, 512, 0, 0),
    OP(ldmxcsr, MEMO | ST, 4, 0, 0),
    OP(stmxcsr, MEMO | STW, 4, 0, 0),
};

/* Groups 12-14 (0F 71-73): valid ModRM.reg values, bit per reg; 66 adds
 * PSRLDQ/PSLLDQ (/3, /7) to group 14. */
static bool sse_shift_group_ok(unsigned opc, unsigned pfx, unsigned reg)
{
    unsigned ok = opc == 0x73 ? 1u << 2 | 1u << 6 : 1u << 2 | 1u << 4 | 1u << 6;
    if (opc == 0x73 && pfx == SSE_PFX_66) {
        ok |= 1u << 3 | 1u << 7;
    }
    return ok >> reg & 1;
}

const SseOp *sse_lookup(unsigned map, unsigned opc, unsigned pfx, uint8_t modrm)
{
    unsigned reg = modrm >> 3 & 7;
    bool is_mem = (modrm >> 6) != 3;
    const SseOp *op;

    if (map < 1 || map > 3 || pfx > 3) {
        return NULL;
    }
    if (map == 1 && opc == 0xae) {
        op = pfx == SSE_PFX_NONE && reg < 4 ? &sse_grp15[reg] : NULL;
    } else if (map == 1 && opc >= 0x71 && opc <= 0x73 && !sse_shift_group_ok(opc, pfx, reg)) {
        op = NULL;
    } else {
        op = &sse_ops[map - 1][opc][pfx];
    }
    if (!op || !op->fn) {
        return NULL;
    }
    if (((op->flags & SSE_MEM_ONLY) && !is_mem) || ((op->flags & SSE_REG_ONLY) && is_mem)) {
        return NULL;
    }
    return op;
}

static bool sse_opc_in(unsigned opc, const uint8_t *set, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (set[i] == opc) {
            return true;
        }
    }
    return false;
}

/* 0F-map rows by the extension that introduced them (SDM Vol. 2 Appendix A
 * and the CPUID columns of the instruction pages). */
static SseFeature sse_feature_0f(unsigned opc, unsigned pfx, uint8_t modrm, const SseOp *op)
{
    /* MMX-register forms added by SSE and SSE2 */
    static const uint8_t mmx_by_sse[] = {
        0x70, 0xc4, 0xc5, 0xd7, 0xda, 0xde, 0xe0, 0xe3, 0xe4, 0xe7, 0xea, 0xee, 0xf6, 0xf7,
    };
    static const uint8_t mmx_by_sse2[] = { 0xd4, 0xf4, 0xfb };
    /* F3 rows that are SSE (scalar single), not SSE2 */
    static const uint8_t f3_sse[] = {
        0x10, 0x11, 0x2a, 0x2c, 0x2d, 0x51, 0x52, 0x53, 0x58, 0x59, 0x5c, 0x5d, 0x5e, 0x5f, 0xc2,
    };
    static const uint8_t sse3[] = { 0x7c, 0x7d, 0xd0, 0xf0 };

    if (opc == 0xae) {
        return (modrm >> 3 & 7) < 2 ? SSE_FEAT_FXSR : SSE_FEAT_SSE;
    }
    if (sse_opc_in(opc, sse3, sizeof(sse3)) || ((opc == 0x12 || opc == 0x16) && pfx >= SSE_PFX_F3)) {
        return SSE_FEAT_SSE3;
    }
    if (pfx == SSE_PFX_NONE) {
        if (opc == 0xc3 || sse_opc_in(opc, mmx_by_sse2, sizeof(mmx_by_sse2))) {
            return SSE_FEAT_SSE2;
        }
        if (!(op->flags & SSE_MMX) || opc == 0x2a || sse_opc_in(opc, mmx_by_sse, sizeof(mmx_by_sse))) {
            return SSE_FEAT_SSE;
        }
        return SSE_FEAT_MMX;
    }
    if (pfx == SSE_PFX_F3 && sse_opc_in(opc, f3_sse, sizeof(f3_sse))) {
        return SSE_FEAT_SSE;
    }
    return SSE_FEAT_SSE2;
}

SseFeature sse_feature(unsigned map, unsigned opc, unsigned pfx, uint8_t modrm, const SseOp *op)
{
    switch (map) {
    case 2:
        if (opc == 0x37 || opc >= 0xf0) {
            return SSE_FEAT_SSE42;
        }
        return opc <= 0x0b || (opc >= 0x1c && opc <= 0x1e) ? SSE_FEAT_SSSE3 : SSE_FEAT_SSE41;
    case 3:
        if (opc == 0x0f) {
            return SSE_FEAT_SSSE3;
        }
        return opc >= 0x60 ? SSE_FEAT_SSE42 : SSE_FEAT_SSE41;
    default:
        return sse_feature_0f(opc, pfx, modrm, op);
    }
}
