/*
 * cc_helper.c - EFLAGS from the lazy flag state (cc_op, cc_dst, cc_src,
 * cc_src2), as described by the CCOp comment in cpu/internal.h.
 *
 * Invariants: every sized group is handled by one function parameterized by
 * the operand width (8/16/32/64), so B/W/L/Q share the same code; inputs are
 * truncated to the width first, so callers may pass values with junk above
 * it. Only the six arithmetic flags (CC_ALL) are ever returned. Flags the
 * SDM leaves undefined are computed the same way for every width (AF = 0
 * after logic/shift/multiply, OF = MSB(src ^ dst) for shifts).
 */
#include "cpu/internal.h"

typedef enum CCKind {
#define CC_KIND(n) CC_KIND_##n,
    CC_SIZED_GROUPS(CC_KIND)
#undef CC_KIND
} CCKind;

static uint32_t cc_parity(uint64_t v)
{
    return __builtin_parity((unsigned)(v & 0xff)) ? 0 : CC_P;
}

/* Carry/overflow/adjust of dst = src1 + src + carry (sub: src1 - src - borrow). */
static uint32_t cc_addsub(bool sub, unsigned carry, uint64_t dst, uint64_t src,
                          uint64_t mask, uint64_t sign)
{
    uint64_t src1 = (sub ? dst + src + carry : dst - src - carry) & mask;
    uint32_t f = (uint32_t)((dst ^ src ^ src1) & CC_A);
    if (sub) {
        f |= (carry ? src1 <= src : src1 < src) ? CC_C : 0;
        f |= ((src1 ^ src) & (src1 ^ dst) & sign) ? CC_O : 0;
    } else {
        f |= (carry ? dst <= src1 : dst < src1) ? CC_C : 0;
        f |= (~(src1 ^ src) & (src1 ^ dst) & sign) ? CC_O : 0;
    }
    return f;
}

/* CF, OF and AF of one sized group; dst and src already truncated. */
static uint32_t cc_sized_coa(CCKind kind, uint64_t dst, uint64_t src, uint64_t src2,
                             int bits)
{
    uint64_t mask = bits == 64 ? ~0ULL : (1ULL << bits) - 1;
    uint64_t sign = 1ULL << (bits - 1);

    switch (kind) {
    case CC_KIND_ADD: return cc_addsub(false, 0, dst, src, mask, sign);
    case CC_KIND_ADC: return cc_addsub(false, src2 & 1, dst, src, mask, sign);
    case CC_KIND_SUB: return cc_addsub(true, 0, dst, src, mask, sign);
    case CC_KIND_SBB: return cc_addsub(true, src2 & 1, dst, src, mask, sign);
    case CC_KIND_LOGIC: return 0;
    case CC_KIND_INC:
        return (uint32_t)(src & CC_C) | ((dst & 0xf) == 0 ? CC_A : 0) |
               (dst == sign ? CC_O : 0);
    case CC_KIND_DEC:
        return (uint32_t)(src & CC_C) | ((dst & 0xf) == 0xf ? CC_A : 0) |
               (dst == sign - 1 ? CC_O : 0);
    case CC_KIND_SHL:
        return ((src >> (bits - 1)) & 1 ? CC_C : 0) | ((src ^ dst) & sign ? CC_O : 0);
    case CC_KIND_SAR:
        return (src & 1 ? CC_C : 0) | ((src ^ dst) & sign ? CC_O : 0);
    case CC_KIND_MUL:
        return src ? CC_C | CC_O : 0;
    case CC_KIND_BLSI:
        return src ? CC_C : 0;
    }
    return 0;
}

uint32_t cc_compute_all(CCOp op, uint64_t dst, uint64_t src, uint64_t src2)
{
    switch (op) {
    case CC_OP_EFLAGS:
        return (uint32_t)src & CC_ALL;
    case CC_OP_CLR:
        return CC_Z | CC_P;
    default:
        break;
    }
    assert(op >= CC_OP_ADDB && op < CC_OP_NB);
    unsigned idx = op - CC_OP_ADDB;
    int bits = 8 << (idx & 3);
    uint64_t mask = bits == 64 ? ~0ULL : (1ULL << bits) - 1;
    dst &= mask;
    src &= mask;
    uint32_t f = cc_sized_coa((CCKind)(idx >> 2), dst, src, src2, bits);
    f |= cc_parity(dst);
    f |= dst == 0 ? CC_Z : 0;
    f |= (dst >> (bits - 1)) & 1 ? CC_S : 0;
    return f;
}

uint32_t cc_compute_c(CCOp op, uint64_t dst, uint64_t src, uint64_t src2)
{
    return cc_compute_all(op, dst, src, src2) & CC_C;
}

void cpu_cc_materialize(CPUX86State *env)
{
    env->cc_src = cc_compute_all((CCOp)env->cc_op, env->cc_dst, env->cc_src, env->cc_src2);
    env->cc_op = CC_OP_EFLAGS;
}

static uint64_t helper_cc_compute_all(CPUX86State *env)
{
    return cc_compute_all((CCOp)env->cc_op, env->cc_dst, env->cc_src, env->cc_src2);
}

static uint64_t helper_cc_compute_c(CPUX86State *env)
{
    return cc_compute_c((CCOp)env->cc_op, env->cc_dst, env->cc_src, env->cc_src2);
}

DEF_HELPER(cc_compute_all, 0, true, IR_CALL_NO_WRITE_GLOBALS | IR_CALL_NO_SIDE_EFFECTS);
DEF_HELPER(cc_compute_c, 0, true, IR_CALL_NO_WRITE_GLOBALS | IR_CALL_NO_SIDE_EFFECTS);
