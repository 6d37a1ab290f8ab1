/*
 * ir-eval.h - the value semantics of the IR ops, defined once.
 *
 * The optimizer folds constants with these functions and the portable
 * interpreter executes ops with them (they inline, and with a constant
 * opcode and type the switches disappear), so both always agree.
 *
 * Invariants: an I32 value is held zero-extended in a uint64_t and every
 * result is normalized the same way (ir_eval_norm). The IR contract says
 * shift counts are below the width and divisions have a nonzero divisor
 * and no signed overflow; these functions still give a defined result for
 * such inputs (count masked, x/0 = 0, INT_MIN/-1 wraps) so that neither
 * folding a dead path nor a front-end bug can trap on the host.
 */
#ifndef KESTREL_TCG_IR_EVAL_H
#define KESTREL_TCG_IR_EVAL_H

#include "kestrel/tcg.h"

/* Ops of shape d = f(a, b) and d = f(a) (besides mov): the optimizer and
 * interpreter share the lists. */
#define IR_BINARY_OPS(X) \
    X(add) X(sub) X(mul) X(and) X(or) X(xor) X(andc) X(shl) X(shr) X(sar) \
    X(rotl) X(rotr) X(div) X(divu) X(rem) X(remu) X(clz) X(ctz)
#define IR_UNARY_OPS(X) \
    X(neg) X(not) X(ctpop) X(bswap16) X(bswap32) X(bswap64) \
    X(ext8s) X(ext8u) X(ext16s) X(ext16u) X(ext32s) X(ext32u)
/* Unary ops whose output type differs from the input's. */
#define IR_CONVERT_OPS(X) \
    X(extu_i32_i64, IR_I32, IR_I64) X(exts_i32_i64, IR_I32, IR_I64) \
    X(extrl_i64_i32, IR_I64, IR_I32) X(extrh_i64_i32, IR_I64, IR_I32)

static inline unsigned ir_type_bits(IRType t)
{
    return t == IR_I32 ? 32 : 64;
}

static inline uint64_t ir_eval_norm(IRType t, uint64_t v)
{
    return t == IR_I32 ? (uint32_t)v : v;
}

/* The value as a signed number of its type. */
static inline int64_t ir_eval_signed(IRType t, uint64_t v)
{
    return t == IR_I32 ? (int64_t)(int32_t)v : (int64_t)v;
}

static inline uint64_t ir_eval_clz(IRType t, uint64_t a, uint64_t b)
{
    if (!a)
        return b;
    return t == IR_I32 ? (uint64_t)__builtin_clz((uint32_t)a) : (uint64_t)__builtin_clzll(a);
}

static inline uint64_t ir_eval_ctz(uint64_t a, uint64_t b)
{
    return a ? (uint64_t)__builtin_ctzll(a) : b;
}

static inline uint64_t ir_eval_rotl(IRType t, uint64_t a, uint64_t b)
{
    unsigned bits = ir_type_bits(t), n = (unsigned)b & (bits - 1);
    return n ? (a << n) | (a >> (bits - n)) : a;
}

static inline uint64_t ir_eval_div(IRType t, uint64_t a, uint64_t b, bool want_rem)
{
    int64_t sa = ir_eval_signed(t, a), sb = ir_eval_signed(t, b);
    if (sb == 0)
        return 0;
    if (sb == -1)                       /* avoids the INT_MIN / -1 trap */
        return want_rem ? 0 : 0 - (uint64_t)sa;
    return (uint64_t)(want_rem ? sa % sb : sa / sb);
}

static inline uint64_t ir_eval_binary_raw(IROpcode opc, IRType t, uint64_t a, uint64_t b)
{
    unsigned cnt = (unsigned)b & (ir_type_bits(t) - 1);
    switch (opc) {
    case IR_add:  return a + b;
    case IR_sub:  return a - b;
    case IR_mul:  return a * b;
    case IR_and:  return a & b;
    case IR_or:   return a | b;
    case IR_xor:  return a ^ b;
    case IR_andc: return a & ~b;
    case IR_shl:  return a << cnt;
    case IR_shr:  return a >> cnt;
    case IR_sar:  return (uint64_t)(ir_eval_signed(t, a) >> cnt);
    case IR_rotl: return ir_eval_rotl(t, a, cnt);
    case IR_rotr: return ir_eval_rotl(t, a, (ir_type_bits(t) - cnt) & (ir_type_bits(t) - 1));
    case IR_div:  return ir_eval_div(t, a, b, false);
    case IR_rem:  return ir_eval_div(t, a, b, true);
    case IR_divu: return b ? a / b : 0;
    case IR_remu: return b ? a % b : 0;
    case IR_clz:  return ir_eval_clz(t, a, b);
    case IR_ctz:  return ir_eval_ctz(a, b);
    default:      assert(!"not a binary op"); return 0;
    }
}

/* a and b are normalized values of type t. */
static inline uint64_t ir_eval_binary(IROpcode opc, IRType t, uint64_t a, uint64_t b)
{
    return ir_eval_norm(t, ir_eval_binary_raw(opc, t, a, b));
}

static inline uint64_t ir_eval_unary_raw(IROpcode opc, uint64_t a)
{
    switch (opc) {
    case IR_mov:     return a;
    case IR_neg:     return 0 - a;
    case IR_not:     return ~a;
    case IR_ctpop:   return (uint64_t)__builtin_popcountll(a);
    case IR_bswap16: return __builtin_bswap16((uint16_t)a);
    case IR_bswap32: return __builtin_bswap32((uint32_t)a);
    case IR_bswap64: return __builtin_bswap64(a);
    case IR_ext8s:   return (uint64_t)(int64_t)(int8_t)a;
    case IR_ext8u:   return (uint8_t)a;
    case IR_ext16s:  return (uint64_t)(int64_t)(int16_t)a;
    case IR_ext16u:  return (uint16_t)a;
    case IR_ext32s:  return (uint64_t)(int64_t)(int32_t)a;
    case IR_ext32u:  return (uint32_t)a;
    case IR_extu_i32_i64:  return (uint32_t)a;
    case IR_exts_i32_i64:  return (uint64_t)(int64_t)(int32_t)a;
    case IR_extrl_i64_i32: return (uint32_t)a;
    case IR_extrh_i64_i32: return a >> 32;
    default:         assert(!"not a unary op"); return 0;
    }
}

/* t is the type of the result. */
static inline uint64_t ir_eval_unary(IROpcode opc, IRType t, uint64_t a)
{
    return ir_eval_norm(t, ir_eval_unary_raw(opc, a));
}

static inline bool ir_eval_cond(IRCond c, IRType t, uint64_t a, uint64_t b)
{
    int64_t sa = ir_eval_signed(t, a), sb = ir_eval_signed(t, b);
    switch (c) {
    case IR_COND_NEVER:  return false;
    case IR_COND_ALWAYS: return true;
    case IR_COND_EQ:     return a == b;
    case IR_COND_NE:     return a != b;
    case IR_COND_LT:     return sa < sb;
    case IR_COND_GE:     return sa >= sb;
    case IR_COND_LE:     return sa <= sb;
    case IR_COND_GT:     return sa > sb;
    case IR_COND_LTU:    return a < b;
    case IR_COND_GEU:    return a >= b;
    case IR_COND_LEU:    return a <= b;
    case IR_COND_GTU:    return a > b;
    case IR_COND_TSTEQ:  return (a & b) == 0;
    case IR_COND_TSTNE:  return (a & b) != 0;
    }
    return false;
}

/* The unsigned 128-bit product of a and b from 32-bit halves (no __int128 on 32-bit hosts). */
static inline uint64_t ir_eval_mulu64(uint64_t a, uint64_t b, uint64_t *hi)
{
    uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
    *hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
    return (mid << 32) | (uint32_t)ll;
}

/* Double-width product of a and b (type t); returns the low half, *hi the high. */
static inline uint64_t ir_eval_mul2(IRType t, bool is_signed, uint64_t a, uint64_t b, uint64_t *hi)
{
    if (t == IR_I32) {
        uint64_t p = is_signed ? (uint64_t)(ir_eval_signed(t, a) * ir_eval_signed(t, b)) : a * b;
        *hi = (uint32_t)(p >> 32);
        return (uint32_t)p;
    }
    uint64_t lo = ir_eval_mulu64(a, b, hi);
    if (is_signed)              /* two's complement: subtract the other operand per sign */
        *hi -= ((int64_t)a < 0 ? b : 0) + ((int64_t)b < 0 ? a : 0);
    return lo;
}

/* pos + len <= width is checked by ir_check; out-of-range values are clamped. */
static inline uint64_t ir_eval_deposit(IRType t, uint64_t a, uint64_t b, unsigned pos, unsigned len)
{
    unsigned bits = ir_type_bits(t);
    pos &= bits - 1;
    if (len > bits - pos)
        len = bits - pos;
    return ir_eval_norm(t, deposit64(a, (int)pos, (int)len, b));
}

static inline uint64_t ir_eval_extract(IRType t, bool is_signed, uint64_t a, unsigned pos,
                                       unsigned len)
{
    unsigned bits = ir_type_bits(t);
    pos &= bits - 1;
    if (len > bits - pos)
        len = bits - pos;
    if (len == 0)
        return 0;
    uint64_t v = extract64(a, (int)pos, (int)len);
    if (is_signed && len < 64 && (v >> (len - 1)) & 1)
        v |= ~0ULL << len;
    return ir_eval_norm(t, v);
}

#endif
