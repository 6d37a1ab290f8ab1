/*
 * fpu.h - private to the x87 helpers (fpu_helper.c: entry points, state,
 * environment; fpu_insn.c: the instruction semantics): the register stack
 * model, the per-instruction context and guest memory access.
 *
 * Invariants: ST(i) is fpregs[(fpstt + i) & 7] and fptags[] (1 = empty) is
 * indexed by physical register; fpus holds the status word without TOP.
 * An instruction computes into FpuCtx.s and commits its flags once at the
 * end (fpu_commit); an unmasked IE/DE/ZE leaves every destination and the
 * stack unchanged, and so does an unmasked OE/UE for a memory destination.
 */
#ifndef KESTREL_CPU_FPU_H
#define KESTREL_CPU_FPU_H

#include "cpu/cpusys.h"
#include "cpu/softfloat.h"

#define FSW_IE   0x0001u
#define FSW_SF   0x0040u
#define FSW_ES   0x0080u
#define FSW_C0   0x0100u
#define FSW_C1   0x0200u
#define FSW_C2   0x0400u
#define FSW_TOP_MASK 0x3800u
#define FSW_C3   0x4000u
#define FSW_B    0x8000u
#define FSW_CC   (FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3)
#define FCW_EXC_MASK 0x003fu

typedef struct FpuEnvLayout {
    unsigned size, fsw, ftw, ip, cs, dp, ds;
    MemOp mo;
} FpuEnvLayout;

/* A memory operand: linear address and how to reach it. */
typedef struct FpuAccess {
    CPUX86State *env;
    uint64_t addr;
    unsigned mmu_idx;
    uintptr_t ra;
    const FpuEnvLayout *l;
} FpuAccess;

static inline void fpa_st(const FpuAccess *a, unsigned off, uint64_t v, MemOp mo)
{
    cpu_st(a->env, cpu_linear(a->env, a->addr + off), v, mo, a->mmu_idx, a->ra);
}

static inline uint64_t fpa_ld(const FpuAccess *a, unsigned off, MemOp mo)
{
    return cpu_ld(a->env, cpu_linear(a->env, a->addr + off), mo, a->mmu_idx, a->ra);
}

/* One arithmetic instruction in progress. */
typedef struct FpuCtx {
    CPUX86State *env;
    SfStatus s;
    bool stack_fault;           /* stack overflow/underflow (SF, IE) */
    bool overflow;              /* ...and it was an overflow (C1) */
} FpuCtx;

static inline unsigned fpu_phys(const CPUX86State *env, unsigned i)
{
    return (env->fpstt + i) & 7;
}

static inline SfX80 fpu_get(const CPUX86State *env, unsigned i)
{
    const FloatX80 *r = &env->fpregs[fpu_phys(env, i)];
    return (SfX80){ r->mant, r->exp };
}

/* For FXSAVE and the gdb stub: the status word with TOP, and the full
 * tag word (2 bits a register: valid, zero, special, empty). */
uint16_t fpu_get_fsw(const CPUX86State *env);
uint16_t fpu_get_ftw(const CPUX86State *env);

void fpu_ctx_init(FpuCtx *c, CPUX86State *env);
/* Merges the flags into FSW (C1 from rounding), updates ES/B. */
void fpu_commit(FpuCtx *c);
/* Recomputes ES and B from the flags and masks. */
void fpu_update_es(CPUX86State *env);

/* fpu_insn.c: true if the instruction was recognized. */
bool fpu_insn_reg(FpuCtx *c, unsigned esc, unsigned modrm);
bool fpu_insn_mem(FpuCtx *c, unsigned esc, unsigned reg, const FpuAccess *a);

#endif
