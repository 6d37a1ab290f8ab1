/*
 * exec.c - the portable interpreter: runs the bytecode of gen.c and
 * defines ir_backend_interp.
 *
 * One switch over a dense opcode (INTERP_OPC: IR opcode and type); every
 * operand is pre-decoded into a base and an offset, so an operand read is
 * a table load, an add and a load. Value semantics come from tcg/ir-eval.h,
 * shared with the optimizer.
 * Invariants:
 *  - The frame is a local array: nothing is allocated per exec, so a helper
 *    or a memory slow path may longjmp out at any time.
 *  - Before every helper call and every memory slow path, ir_interp_retaddr
 *    holds the address just past the current op (the TLB hit path calls
 *    nothing, so it needs no retaddr).
 *  - goto_tb's jump pointer is read and written atomically, so another
 *    thread may chain or unchain a block while it runs.
 */
#include "tcg/interp/bytecode.h"
#include "tcg/interp/interp.h"
#include "tcg/ir-eval.h"
#include "kestrel/tlb.h"

__thread uintptr_t ir_interp_retaddr;

/* A block that only returns 0: the target of goto_ptr when no TB is found. */
static const uint32_t interp_epilogue_code[] __attribute__((aligned(8))) = {
    INTERP_HEADER_BYTES, 1, INTERP_OPC(IR_exit_tb, IR_I64), 0, 0,
};

static inline uint32_t interp_rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline uint64_t interp_rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint64_t interp_read(uint8_t *const *bases, uint32_t w, IRType t)
{
    const uint8_t *p = bases[w & 3] + ((int32_t)w >> 2);
    return t == IR_I32 ? interp_rd32(p) : interp_rd64(p);
}

static inline void interp_write(uint8_t *const *bases, uint32_t w, IRType t, uint64_t v)
{
    uint8_t *p = bases[w & 3] + ((int32_t)w >> 2);
    if (t == IR_I32) {
        uint32_t v32 = (uint32_t)v;
        memcpy(p, &v32, 4);
    } else {
        memcpy(p, &v, 8);
    }
}

/* Host-order access to host memory (the CPU state) for ld and st. */
static inline uint64_t interp_host_ld(IROpcode opc, IRType t, const uint8_t *p)
{
    uint16_t v16;
    switch (opc) {
    case IR_ld8u:  return *p;
    case IR_ld8s:  return ir_eval_norm(t, (uint64_t)(int64_t)(int8_t)*p);
    case IR_ld16u: memcpy(&v16, p, 2); return v16;
    case IR_ld16s: memcpy(&v16, p, 2); return ir_eval_norm(t, (uint64_t)(int64_t)(int16_t)v16);
    case IR_ld32u: return interp_rd32(p);
    case IR_ld32s: return (uint64_t)(int64_t)(int32_t)interp_rd32(p);
    default:       return t == IR_I32 ? interp_rd32(p) : interp_rd64(p);
    }
}

static inline void interp_host_st(IROpcode opc, IRType t, uint8_t *p, uint64_t v)
{
    uint16_t v16 = (uint16_t)v;
    uint32_t v32 = (uint32_t)v;
    switch (opc) {
    case IR_st8:  *p = (uint8_t)v; break;
    case IR_st16: memcpy(p, &v16, 2); break;
    case IR_st32: memcpy(p, &v32, 4); break;
    default:
        if (t == IR_I32)
            memcpy(p, &v32, 4);
        else
            memcpy(p, &v, 8);
        break;
    }
}

/* --- Guest memory: TLB hit path, else the front end's slow path --- */

static inline SoftTLB *interp_tlb(void *env)
{
    return (SoftTLB *)((uint8_t *)env + ir_guest_mem.tlb_offset);
}

static uint64_t interp_guest_ld(void *env, uint64_t addr, uint32_t mo_mmu, const uint32_t *next)
{
    MemOp mo = IR_MEMOP_OF(mo_mmu);
    unsigned bits = 8u << (mo & MO_SIZE);
    const uint8_t *h = tlb_hit_read(interp_tlb(env), IR_MMU_OF(mo_mmu), addr, bits / 8);
    uint64_t v;
    if (likely(h != NULL)) {
        switch (mo & MO_SIZE) {
        case MO_8:  v = *h; break;
        case MO_16: v = ld16_le(h); break;
        case MO_32: v = ld32_le(h); break;
        default:    v = ld64_le(h); break;
        }
    } else {
        ir_interp_retaddr = (uintptr_t)next;
        v = ir_guest_mem.load(env, addr, mo_mmu, (uintptr_t)next);
    }
    if (bits == 64)
        return v;
    v = extract64(v, 0, (int)bits);
    if ((mo & MO_SIGN) && (v >> (bits - 1)) & 1)
        v |= ~0ULL << bits;
    return v;
}

static void interp_guest_st(void *env, uint64_t addr, uint64_t v, uint32_t mo_mmu,
                            const uint32_t *next)
{
    MemOp mo = IR_MEMOP_OF(mo_mmu);
    uint8_t *h = tlb_hit_write(interp_tlb(env), IR_MMU_OF(mo_mmu), addr, 1u << (mo & MO_SIZE));
    if (unlikely(h == NULL)) {
        ir_interp_retaddr = (uintptr_t)next;
        ir_guest_mem.store(env, addr, v, mo_mmu, (uintptr_t)next);
        return;
    }
    switch (mo & MO_SIZE) {
    case MO_8:  *h = (uint8_t)v; break;
    case MO_16: st16_le(h, (uint16_t)v); break;
    case MO_32: st32_le(h, (uint32_t)v); break;
    default:    st64_le(h, v); break;
    }
}

/* --- Helper calls through correctly typed pointers --- */

typedef uint64_t (*InterpFnR0)(void *);
typedef uint64_t (*InterpFnR1)(void *, uint64_t);
typedef uint64_t (*InterpFnR2)(void *, uint64_t, uint64_t);
typedef uint64_t (*InterpFnR3)(void *, uint64_t, uint64_t, uint64_t);
typedef uint64_t (*InterpFnR4)(void *, uint64_t, uint64_t, uint64_t, uint64_t);
typedef uint64_t (*InterpFnR5)(void *, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
typedef void (*InterpFnV0)(void *);
typedef void (*InterpFnV1)(void *, uint64_t);
typedef void (*InterpFnV2)(void *, uint64_t, uint64_t);
typedef void (*InterpFnV3)(void *, uint64_t, uint64_t, uint64_t);
typedef void (*InterpFnV4)(void *, uint64_t, uint64_t, uint64_t, uint64_t);
typedef void (*InterpFnV5)(void *, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

static uint64_t interp_call(void *env, const IRHelper *h, const uint64_t *a)
{
    void *f = h->func;
    if (h->has_ret) {
        switch (h->nargs) {
        case 0: return ((InterpFnR0)f)(env);
        case 1: return ((InterpFnR1)f)(env, a[0]);
        case 2: return ((InterpFnR2)f)(env, a[0], a[1]);
        case 3: return ((InterpFnR3)f)(env, a[0], a[1], a[2]);
        case 4: return ((InterpFnR4)f)(env, a[0], a[1], a[2], a[3]);
        default: return ((InterpFnR5)f)(env, a[0], a[1], a[2], a[3], a[4]);
        }
    }
    switch (h->nargs) {
    case 0: ((InterpFnV0)f)(env); break;
    case 1: ((InterpFnV1)f)(env, a[0]); break;
    case 2: ((InterpFnV2)f)(env, a[0], a[1]); break;
    case 3: ((InterpFnV3)f)(env, a[0], a[1], a[2]); break;
    case 4: ((InterpFnV4)f)(env, a[0], a[1], a[2], a[3]); break;
    default: ((InterpFnV5)f)(env, a[0], a[1], a[2], a[3], a[4]); break;
    }
    return 0;
}

/* call: helper (2 words), result operand, argument operands; returns the next op. */
static const uint32_t *interp_do_call(void *env, uint8_t *const *bases, const uint32_t *pc,
                                      IRType rt)
{
    const IRHelper *h = (const IRHelper *)(uintptr_t)(pc[1] | (uint64_t)pc[2] << 32);
    const uint32_t *next = pc + 4 + h->nargs;
    uint64_t a[IR_MAX_CALL_ARGS];
    for (unsigned i = 0; i < h->nargs && i < IR_MAX_CALL_ARGS; i++)
        a[i] = interp_read(bases, pc[4 + i], IR_I64);
    ir_interp_retaddr = (uintptr_t)next;
    uint64_t r = interp_call(env, h, a);
    if (pc[3] != INTERP_NO_RET)
        interp_write(bases, pc[3], rt, r);
    return next;
}

static inline const uint32_t *interp_enter(uint8_t **bases, const void *code)
{
    bases[INTERP_CONST] = (uint8_t *)(uintptr_t)code;
    return (const uint32_t *)(bases[INTERP_CONST] + interp_rd32(code));
}

#define RD(t, n)     interp_read(bases, pc[n], t)
#define WR(t, n, v)  interp_write(bases, pc[n], t, v)
#define AT(n)        ((const uint32_t *)(bases[INTERP_CONST] + pc[n]))
#define BOTH(X, name) X(name, IR_I32) X(name, IR_I64)

#define OP_BINARY(name, t) case INTERP_OPC(IR_##name, t): \
    WR(t, 1, ir_eval_binary(IR_##name, t, RD(t, 2), RD(t, 3))); pc += 4; continue;
#define OP_BINARY2(name) BOTH(OP_BINARY, name)
#define OP_UNARY(name, t) case INTERP_OPC(IR_##name, t): \
    WR(t, 1, ir_eval_unary(IR_##name, t, RD(t, 2))); pc += 3; continue;
#define OP_UNARY2(name) BOTH(OP_UNARY, name)
#define OP_CONVERT(name, from, to) case INTERP_OPC(IR_##name, to): \
    WR(to, 1, ir_eval_unary(IR_##name, to, RD(from, 2))); pc += 3; continue;
#define OP_LD(name, t) case INTERP_OPC(IR_##name, t): \
    WR(t, 1, interp_host_ld(IR_##name, t, \
                            (const uint8_t *)(uintptr_t)RD(IR_I64, 2) + (int32_t)pc[3])); \
    pc += 4; continue;
#define OP_ST(name, t) case INTERP_OPC(IR_##name, t): \
    interp_host_st(IR_##name, t, (uint8_t *)(uintptr_t)RD(IR_I64, 2) + (int32_t)pc[3], RD(t, 1)); \
    pc += 4; continue;
#define OP_LD2(name) BOTH(OP_LD, name)
#define OP_ST2(name) BOTH(OP_ST, name)

/* Ops whose semantics do not depend on the width beyond the operand reads. */
#define OP_TYPED(t) \
    case INTERP_OPC(IR_mov, t): WR(t, 1, RD(t, 2)); pc += 3; continue; \
    case INTERP_OPC(IR_setcond, t): \
        WR(t, 1, ir_eval_cond((IRCond)pc[4], t, RD(t, 2), RD(t, 3))); pc += 5; continue; \
    case INTERP_OPC(IR_movcond, t): \
        WR(t, 1, ir_eval_cond((IRCond)pc[6], t, RD(t, 2), RD(t, 3)) ? RD(t, 4) : RD(t, 5)); \
        pc += 7; continue; \
    case INTERP_OPC(IR_brcond, t): \
        pc = ir_eval_cond((IRCond)pc[3], t, RD(t, 1), RD(t, 2)) ? AT(4) : pc + 5; continue; \
    case INTERP_OPC(IR_mulu2, t): case INTERP_OPC(IR_muls2, t): { \
        uint64_t hi, lo = ir_eval_mul2(t, pc[0] == INTERP_OPC(IR_muls2, t), RD(t, 3), RD(t, 4), &hi); \
        WR(t, 1, lo); WR(t, 2, hi); pc += 5; continue; } \
    case INTERP_OPC(IR_deposit, t): \
        WR(t, 1, ir_eval_deposit(t, RD(t, 2), RD(t, 3), pc[4], pc[5])); pc += 6; continue; \
    case INTERP_OPC(IR_extract, t): \
        WR(t, 1, ir_eval_extract(t, false, RD(t, 2), pc[3], pc[4])); pc += 5; continue; \
    case INTERP_OPC(IR_sextract, t): \
        WR(t, 1, ir_eval_extract(t, true, RD(t, 2), pc[3], pc[4])); pc += 5; continue; \
    case INTERP_OPC(IR_qemu_ld, t): \
        WR(t, 1, interp_guest_ld(env, RD(IR_I64, 2), pc[3], pc + 4)); pc += 4; continue; \
    case INTERP_OPC(IR_qemu_st, t): \
        interp_guest_st(env, RD(IR_I64, 2), RD(t, 1), pc[3], pc + 4); pc += 4; continue; \
    case INTERP_OPC(IR_call, t): \
        pc = interp_do_call(env, bases, pc, t); continue;

static uintptr_t interp_exec(void *env, const void *code)
{
    uint64_t frame[INTERP_MAX_SLOTS];
    uint8_t *bases[4] = { (uint8_t *)frame, env, NULL, NULL };
    frame[0] = (uintptr_t)env;
    const uint32_t *pc = interp_enter(bases, code);
    for (;;) {
        switch (pc[0]) {
        IR_BINARY_OPS(OP_BINARY2)
        IR_UNARY_OPS(OP_UNARY2)
        IR_CONVERT_OPS(OP_CONVERT)
        OP_LD2(ld8u) OP_LD2(ld8s) OP_LD2(ld16u) OP_LD2(ld16s) OP_LD2(ld32u) OP_LD2(ld32s)
        OP_LD2(ld)
        OP_ST2(st8) OP_ST2(st16) OP_ST2(st32) OP_ST2(st)
        OP_TYPED(IR_I32)
        OP_TYPED(IR_I64)
        case INTERP_OPC(IR_br, IR_I64):
            pc = AT(1);
            continue;
        case INTERP_OPC(IR_goto_tb, IR_I64): {
            const uint8_t *slot = interp_align8(pc + 1);
            uintptr_t target = __atomic_load_n((const uintptr_t *)(const void *)slot,
                                               __ATOMIC_ACQUIRE);
            pc = target ? interp_enter(bases, (const void *)target)
                        : (const uint32_t *)(const void *)(slot + 8);
            continue;
        }
        case INTERP_OPC(IR_exit_tb, IR_I64):
            return (uintptr_t)(pc[1] | (uint64_t)pc[2] << 32);
        case INTERP_OPC(IR_goto_ptr, IR_I64):
            pc = interp_enter(bases, (const void *)(uintptr_t)RD(IR_I64, 1));
            continue;
        default:
            assert(!"bad interpreter bytecode");
            return 0;
        }
    }
}

static bool interp_init(void)
{
    return true;
}

static void interp_set_jmp_target(uint8_t *code, const IRCodeInfo *info, unsigned slot,
                                  const void *target)
{
    assert(slot < 2 && info->jmp_insn_offset[slot] != UINT32_MAX);
    __atomic_store_n((uintptr_t *)(void *)(code + info->jmp_insn_offset[slot]),
                     (uintptr_t)target, __ATOMIC_RELEASE);
}

static const void *interp_epilogue(void)
{
    return interp_epilogue_code;
}

const IRBackend ir_backend_interp = {
    .name = "interp",
    .init = interp_init,
    .gen_code = interp_gen_code,
    .exec = interp_exec,
    .set_jmp_target = interp_set_jmp_target,
    .epilogue = interp_epilogue,
};
