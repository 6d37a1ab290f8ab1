/*
 * optimize.c - ir_optimize(): constant folding, copy propagation,
 * algebraic identities, branch folding, then dead-code elimination.
 *
 * A forward pass rewrites the ops into a new list. Per temp it knows a
 * constant value or a copy source, both forgotten when:
 *  - the temp is written (each write bumps the temp's version; a copy is
 *    valid only while its source keeps the version it had at the copy);
 *  - a label is reached (another path may enter): everything;
 *  - a guest instruction starts or a brcond is passed: copies of EBB temps
 *    (they die there, so no use of one is ever moved past that point);
 *  - a call that may write globals, or an st* to host memory (it may hit
 *    a global's env slot): everything known about globals.
 * Per temp it also knows which bits may be nonzero (zmask, forgotten on the
 * same events as a constant), so zero-extensions and masks of values that
 * are already narrow become copies.
 * Each op kind has one small fold function (ir_fold_table) that either
 * keeps the op, rewrites it into a mov (of a constant or of a temp), or
 * drops it; the two-operand arithmetic ops share one, driven by a table
 * of their algebraic identities (opt_binary_rules). Ops after an unconditional exit or branch are unreachable up
 * to the next label and are dropped (insn_start markers stay). Finally
 * the backward pass of liveness.c removes ops whose results are unused.
 * Globals stay correct because writes to them are only dropped when
 * overwritten before any point that observes env (see liveness.c).
 */
#include "tcg/ir-internal.h"
#include "tcg/ir-eval.h"
#include <stdlib.h>

typedef struct IROptTemp {
    uint64_t val;
    uint32_t known;           /* == label epoch: val is the temp's value */
    uint32_t copy_epoch;      /* == copy epoch: the temp equals copy_src */
    uint32_t copy_ver;        /* copy_src's version when copied */
    uint32_t copy_ebb;        /* the EBB epoch when copied */
    uint32_t ver;             /* bumped at every write */
    uint32_t z_known;         /* == label epoch: bits outside zmask are zero */
    uint64_t zmask;
    IRTemp copy_src;
} IROptTemp;

typedef struct IROpt {
    IRContext *s;
    IROptTemp *t;
    uint32_t t_cap;
    IROp *out;
    uint32_t nb_out, out_cap;
    uint32_t label_epoch, copy_epoch, ebb_epoch;
    bool unreachable;
} IROpt;

typedef enum IRFold { FOLD_KEEP, FOLD_DROP } IRFold;
typedef IRFold (*IRFoldFn)(IROpt *o, IROp *op);

static void *opt_realloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q)
        abort();
    return q;
}

static void opt_grow_temps(IROpt *o)
{
    uint32_t need = o->s->nb_temps;
    if (need <= o->t_cap)
        return;
    uint32_t cap = need * 2;
    o->t = opt_realloc(o->t, cap * sizeof(*o->t));
    memset(&o->t[o->t_cap], 0, (cap - o->t_cap) * sizeof(*o->t));
    o->t_cap = cap;
}

static IRTemp opt_const(IROpt *o, IRType type, uint64_t v)
{
    IRTemp c = ir_const(o->s, type, v);
    opt_grow_temps(o);
    return c;
}

static bool opt_is_const(IROpt *o, uint64_t t, uint64_t *v)
{
    if (!ir_temp_is_const(o->s, (IRTemp)t))
        return false;
    *v = o->s->temps[t].value;
    return true;
}

static bool opt_is_const_val(IROpt *o, uint64_t t, uint64_t want)
{
    uint64_t v;
    return opt_is_const(o, t, &v) && v == want;
}

static uint64_t opt_ones(IRType t)
{
    return ir_eval_norm(t, ~0ULL);
}

/* --- Rewriting an op --- */

static IRFold opt_to_mov(IROpt *o, IROp *op, IRTemp d, IRTemp src)
{
    op->opc = IR_mov;
    op->type = (uint8_t)ir_temp_type(o->s, d);
    op->nb_oargs = 1;
    op->nb_iargs = 1;
    op->args[0] = d;
    op->args[1] = src;
    return FOLD_KEEP;
}

static IRFold opt_to_movi(IROpt *o, IROp *op, IRTemp d, uint64_t v)
{
    return opt_to_mov(o, op, d, opt_const(o, ir_temp_type(o->s, d), v));
}

static void opt_emit(IROpt *o, const IROp *op)
{
    if (o->nb_out == o->out_cap) {
        o->out_cap = o->out_cap ? o->out_cap * 2 : 64;
        o->out = opt_realloc(o->out, o->out_cap * sizeof(*o->out));
    }
    o->out[o->nb_out++] = *op;
}

/* Forget a temp's value: it is being written. */
static void opt_clobber(IROpt *o, IRTemp t)
{
    IROptTemp *ot = &o->t[t];
    ot->ver++;
    ot->known = 0;
    ot->z_known = 0;
    ot->copy_epoch = 0;
}

static void opt_clobber_globals(IROpt *o)
{
    for (IRTemp t = 1; t <= o->s->nb_globals; t++)
        opt_clobber(o, t);
}

/* The best replacement of input temp t: its constant, its copy source, or t. */
static IRTemp opt_subst(IROpt *o, IRTemp t)
{
    IROptTemp *ot = &o->t[t];
    if (ot->known == o->label_epoch)
        return opt_const(o, ir_temp_type(o->s, t), ot->val);
    if (ot->copy_epoch == o->copy_epoch && o->t[ot->copy_src].ver == ot->copy_ver &&
        (ot->copy_ebb == o->ebb_epoch || o->s->temps[ot->copy_src].kind != IR_TEMP_EBB))
        return ot->copy_src;
    return t;
}

/* Record what a mov teaches: d is a constant or a copy. */
static void opt_learn_mov(IROpt *o, IRTemp d, IRTemp src)
{
    IROptTemp *od = &o->t[d];
    uint64_t v;
    if (opt_is_const(o, src, &v)) {
        od->val = v;
        od->known = o->label_epoch;
    } else {
        od->copy_src = src;
        od->copy_ver = o->t[src].ver;
        od->copy_epoch = o->copy_epoch;
        od->copy_ebb = o->ebb_epoch;
    }
}

/* --- Known-zero bits --- */

static uint64_t opt_low_mask(unsigned bits)
{
    return bits >= 64 ? ~0ULL : (1ULL << bits) - 1;
}

/* The bits of t that may be nonzero. */
static uint64_t opt_zmask(IROpt *o, uint64_t t)
{
    uint64_t v;
    if (opt_is_const(o, t, &v))
        return v;
    const IROptTemp *ot = &o->t[t];
    return ot->z_known == o->label_epoch ? ot->zmask : opt_ones(ir_temp_type(o->s, (IRTemp)t));
}

/* The bits of a one-output op's result that may be nonzero (before it runs). */
static uint64_t opt_op_zmask(IROpt *o, const IROp *op)
{
    uint64_t ones = opt_ones(op->type), a = 0, b = 0, c;
    if (op->nb_iargs >= 1)
        a = opt_zmask(o, op->args[op->nb_oargs]);
    if (op->nb_iargs >= 2)
        b = opt_zmask(o, op->args[op->nb_oargs + 1]);
    switch (op->opc) {
    case IR_mov:
        return a;
    case IR_and:
        return a & b;
    case IR_or: case IR_xor:
        return a | b;
    case IR_shr:
        return opt_is_const(o, op->args[2], &c) ? a >> c : ones;
    case IR_shl:
        return opt_is_const(o, op->args[2], &c) ? (a << c) & ones : ones;
    case IR_setcond:
        return 1;
    case IR_movcond:
        return opt_zmask(o, op->args[3]) | opt_zmask(o, op->args[4]);
    case IR_ext8u: case IR_ld8u:
        return a & 0xff;
    case IR_ext16u: case IR_ld16u:
        return a & 0xffff;
    case IR_ext32u: case IR_ld32u: case IR_extu_i32_i64:
        return a & 0xffffffff;
    case IR_extract:
        return opt_low_mask((unsigned)op->args[3]);
    case IR_deposit: {
        unsigned pos = (unsigned)op->args[3], len = (unsigned)op->args[4];
        uint64_t field = opt_low_mask(len) << pos;
        return ((a & ~field) | ((b << pos) & field)) & ones;
    }
    case IR_qemu_ld: {
        MemOp mo = IR_MEMOP_OF(op->args[2]);
        return mo & MO_SIGN ? ones : ones & opt_low_mask(8u << (mo & MO_SIZE));
    }
    default:
        return ones;
    }
}

/* --- Fold functions --- */

static IRFold fold_keep(IROpt *o, IROp *op)
{
    return FOLD_KEEP;
}

static IRFold fold_mov(IROpt *o, IROp *op)
{
    return op->args[0] == op->args[1] ? FOLD_DROP : FOLD_KEEP;
}

/* Both inputs constant: the value. */
static bool fold_binary_const(IROpt *o, IROp *op)
{
    uint64_t a, b;
    if (!opt_is_const(o, op->args[1], &a) || !opt_is_const(o, op->args[2], &b))
        return false;
    opt_to_movi(o, op, (IRTemp)op->args[0], ir_eval_binary(op->opc, op->type, a, b));
    return true;
}

/* Commutative ops keep a constant operand second. */
static void fold_commute(IROpt *o, IROp *op)
{
    if (ir_temp_is_const(o->s, (IRTemp)op->args[1]) && !ir_temp_is_const(o->s, (IRTemp)op->args[2])) {
        uint64_t t = op->args[1];
        op->args[1] = op->args[2];
        op->args[2] = t;
    }
}

#define D(op) ((IRTemp)(op)->args[0])
#define A(op) ((IRTemp)(op)->args[1])
#define B(op) ((IRTemp)(op)->args[2])

/*
 * The algebraic identities of the binary ops d = a OP b, checked in this
 * order once a constant operand of a commutative op is second:
 *   b == fixed_b                    -> d = fixed_d   (x * 0 = 0, x % 1 = 0)
 *   a == b (same_zero), a == 0 (zero_a) -> d = 0    (x - x = 0, 0 << y = 0)
 *   a == b (same_copy), b == copy_b -> d = a       (x & x = x, x + 0 = x)
 * OptConst names the constants these rules test against.
 */
typedef enum OptConst { K_NONE, K_ZERO, K_ONE, K_ONES } OptConst;

typedef struct OptBinaryRules {
    bool commute, same_zero, same_copy, zero_a;
    OptConst copy_b, fixed_b, fixed_d;
} OptBinaryRules;

static const OptBinaryRules opt_binary_rules[IR_NB_OPS] = {
    [IR_add]  = { .commute = true, .copy_b = K_ZERO },
    [IR_sub]  = { .same_zero = true, .copy_b = K_ZERO },
    [IR_mul]  = { .commute = true, .fixed_b = K_ZERO, .fixed_d = K_ZERO, .copy_b = K_ONE },
    [IR_and]  = { .commute = true, .fixed_b = K_ZERO, .fixed_d = K_ZERO, .same_copy = true,
                  .copy_b = K_ONES },
    [IR_or]   = { .commute = true, .fixed_b = K_ONES, .fixed_d = K_ONES, .same_copy = true,
                  .copy_b = K_ZERO },
    [IR_xor]  = { .commute = true, .same_zero = true, .copy_b = K_ZERO },
    [IR_andc] = { .same_zero = true, .zero_a = true, .copy_b = K_ZERO },
    /* Shifts and rotates: by 0 is a copy; 0 shifted or rotated stays 0. */
    [IR_shl]  = { .zero_a = true, .copy_b = K_ZERO },
    [IR_shr]  = { .zero_a = true, .copy_b = K_ZERO },
    [IR_sar]  = { .zero_a = true, .copy_b = K_ZERO },
    [IR_rotl] = { .zero_a = true, .copy_b = K_ZERO },
    [IR_rotr] = { .zero_a = true, .copy_b = K_ZERO },
    [IR_div]  = { .copy_b = K_ONE },
    [IR_divu] = { .copy_b = K_ONE },
    [IR_rem]  = { .fixed_b = K_ONE, .fixed_d = K_ZERO },
    [IR_remu] = { .fixed_b = K_ONE, .fixed_d = K_ZERO },
};

static uint64_t opt_const_value(OptConst k, IRType t)
{
    return k == K_ONES ? opt_ones(t) : k == K_ONE;
}

static bool opt_is_rule_const(IROpt *o, IRTemp t, OptConst k, IRType type)
{
    return k != K_NONE && opt_is_const_val(o, t, opt_const_value(k, type));
}

static IRFold fold_binary(IROpt *o, IROp *op)
{
    const OptBinaryRules *r = &opt_binary_rules[op->opc];
    if (r->commute)
        fold_commute(o, op);
    if (fold_binary_const(o, op))
        return FOLD_KEEP;
    if (opt_is_rule_const(o, B(op), r->fixed_b, op->type))
        return opt_to_movi(o, op, D(op), opt_const_value(r->fixed_d, op->type));
    if ((r->same_zero && A(op) == B(op)) || (r->zero_a && opt_is_const_val(o, A(op), 0)))
        return opt_to_movi(o, op, D(op), 0);
    if ((r->same_copy && A(op) == B(op)) || opt_is_rule_const(o, B(op), r->copy_b, op->type))
        return opt_to_mov(o, op, D(op), A(op));
    uint64_t b;   /* a & b where a has no bit outside b (known-zero bits): a copy */
    if (op->opc == IR_and && opt_is_const(o, B(op), &b) && !(opt_zmask(o, A(op)) & ~b))
        return opt_to_mov(o, op, D(op), A(op));
    return FOLD_KEEP;
}

/* clz/ctz: a known a decides; a == 0 yields b. */
static IRFold fold_count_zeros(IROpt *o, IROp *op)
{
    uint64_t a;
    if (!opt_is_const(o, A(op), &a))
        return FOLD_KEEP;
    if (a == 0)
        return opt_to_mov(o, op, D(op), B(op));
    return opt_to_movi(o, op, D(op), ir_eval_binary(op->opc, op->type, a, 0));
}

/* Unary ops and width conversions; op->type is the output's type. */
static IRFold fold_unary(IROpt *o, IROp *op)
{
    uint64_t a;
    if (!opt_is_const(o, A(op), &a)) {
        /* A zero-extension of a value with no bits to clear is a copy. */
        bool zext = op->opc == IR_ext8u || op->opc == IR_ext16u || op->opc == IR_ext32u;
        if (zext && !(opt_zmask(o, A(op)) & ~opt_op_zmask(o, op)))
            return opt_to_mov(o, op, D(op), A(op));
        return FOLD_KEEP;
    }
    return opt_to_movi(o, op, D(op), ir_eval_unary(op->opc, op->type, a));
}

/* A comparison's outcome if known at translation time: 0, 1, or -1. */
static int opt_cond_known(IROpt *o, IRCond c, IRType t, IRTemp a, IRTemp b)
{
    uint64_t va, vb;
    if (c == IR_COND_NEVER || c == IR_COND_ALWAYS)
        return c == IR_COND_ALWAYS;
    if (opt_is_const(o, a, &va) && opt_is_const(o, b, &vb))
        return ir_eval_cond(c, t, va, vb);
    if (opt_is_const_val(o, b, 0) && (c == IR_COND_LTU || c == IR_COND_GEU))
        return c == IR_COND_GEU;              /* nothing is below 0 unsigned */
    if (a != b)
        return -1;
    switch (c) {
    case IR_COND_EQ: case IR_COND_GE: case IR_COND_LE: case IR_COND_GEU: case IR_COND_LEU:
        return 1;
    case IR_COND_NE: case IR_COND_LT: case IR_COND_GT: case IR_COND_LTU: case IR_COND_GTU:
        return 0;
    default:
        return -1;
    }
}

/* Keep a constant operand second in a comparison (args a at n, b at n + 1). */
static void fold_cond_commute(IROpt *o, IROp *op, unsigned n, uint64_t *cond)
{
    if (ir_temp_is_const(o->s, (IRTemp)op->args[n]) &&
        !ir_temp_is_const(o->s, (IRTemp)op->args[n + 1])) {
        uint64_t t = op->args[n];
        op->args[n] = op->args[n + 1];
        op->args[n + 1] = t;
        *cond = ir_cond_swap((IRCond)*cond);
    }
}

static IRFold fold_setcond(IROpt *o, IROp *op)
{
    fold_cond_commute(o, op, 1, &op->args[3]);
    int k = opt_cond_known(o, (IRCond)op->args[3], op->type, A(op), B(op));
    return k < 0 ? FOLD_KEEP : opt_to_movi(o, op, D(op), (uint64_t)k);
}

static IRFold fold_movcond(IROpt *o, IROp *op)
{
    fold_cond_commute(o, op, 1, &op->args[5]);
    IRTemp v1 = (IRTemp)op->args[3], v2 = (IRTemp)op->args[4];
    int k = opt_cond_known(o, (IRCond)op->args[5], op->type, A(op), B(op));
    if (v1 == v2)
        k = 1;
    return k < 0 ? FOLD_KEEP : opt_to_mov(o, op, D(op), k ? v1 : v2);
}

static IRFold fold_brcond(IROpt *o, IROp *op)
{
    fold_cond_commute(o, op, 0, &op->args[2]);
    int k = opt_cond_known(o, (IRCond)op->args[2], op->type, (IRTemp)op->args[0],
                           (IRTemp)op->args[1]);
    if (k < 0)
        return FOLD_KEEP;
    if (k == 0)
        return FOLD_DROP;
    uint64_t label = op->args[3];
    op->opc = IR_br;
    op->nb_iargs = 0;
    op->args[0] = label;
    return FOLD_KEEP;
}

/* lo, hi = a * b with both known: two movs. */
static IRFold fold_mul2(IROpt *o, IROp *op)
{
    uint64_t a, b, hi, lo;
    if (!opt_is_const(o, op->args[2], &a) || !opt_is_const(o, op->args[3], &b))
        return FOLD_KEEP;
    lo = ir_eval_mul2(op->type, op->opc == IR_muls2, a, b, &hi);
    IRTemp dlo = (IRTemp)op->args[0], dhi = (IRTemp)op->args[1];
    IROp first = *op;
    opt_to_movi(o, &first, dlo, lo);
    opt_clobber(o, dlo);
    opt_learn_mov(o, dlo, (IRTemp)first.args[1]);
    opt_emit(o, &first);
    return opt_to_movi(o, op, dhi, hi);
}

static IRFold fold_deposit(IROpt *o, IROp *op)
{
    uint64_t a, b;
    if (!opt_is_const(o, A(op), &a) || !opt_is_const(o, B(op), &b))
        return FOLD_KEEP;
    return opt_to_movi(o, op, D(op),
                       ir_eval_deposit(op->type, a, b, (unsigned)op->args[3], (unsigned)op->args[4]));
}

static IRFold fold_extract(IROpt *o, IROp *op)
{
    uint64_t a;
    if (!opt_is_const(o, A(op), &a))
        return FOLD_KEEP;
    return opt_to_movi(o, op, D(op), ir_eval_extract(op->type, op->opc == IR_sextract, a,
                                                      (unsigned)op->args[2], (unsigned)op->args[3]));
}

#undef D
#undef A
#undef B

static const IRFoldFn ir_fold_table[IR_NB_OPS] = {
    [IR_mov] = fold_mov,
    [IR_add] = fold_binary, [IR_sub] = fold_binary, [IR_mul] = fold_binary,
    [IR_and] = fold_binary, [IR_or] = fold_binary, [IR_xor] = fold_binary,
    [IR_andc] = fold_binary, [IR_shl] = fold_binary, [IR_shr] = fold_binary,
    [IR_sar] = fold_binary, [IR_rotl] = fold_binary, [IR_rotr] = fold_binary,
    [IR_div] = fold_binary, [IR_divu] = fold_binary, [IR_rem] = fold_binary,
    [IR_remu] = fold_binary,
    [IR_clz] = fold_count_zeros, [IR_ctz] = fold_count_zeros,
#define FOLD_UNARY(n) [IR_##n] = fold_unary,
    IR_UNARY_OPS(FOLD_UNARY)
#undef FOLD_UNARY
#define FOLD_CONVERT(n, from, to) [IR_##n] = fold_unary,
    IR_CONVERT_OPS(FOLD_CONVERT)
#undef FOLD_CONVERT
    [IR_setcond] = fold_setcond, [IR_movcond] = fold_movcond, [IR_brcond] = fold_brcond,
    [IR_mulu2] = fold_mul2, [IR_muls2] = fold_mul2,
    [IR_deposit] = fold_deposit, [IR_extract] = fold_extract, [IR_sextract] = fold_extract,
};

/* --- The forward pass --- */

/* What an op does to the knowledge about globals and epochs, before folding. */
static void opt_barriers(IROpt *o, const IROp *op)
{
    switch (op->opc) {
    case IR_set_label:
        o->label_epoch++;
        o->copy_epoch++;
        o->unreachable = false;
        break;
    case IR_insn_start: case IR_brcond:
        o->ebb_epoch++;
        break;
    case IR_call:
        if (!(ir_op_helper(op)->flags & IR_CALL_NO_WRITE_GLOBALS))
            opt_clobber_globals(o);
        break;
    case IR_st8: case IR_st16: case IR_st32: case IR_st:
        opt_clobber_globals(o);
        break;
    default:
        break;
    }
}

static void opt_op(IROpt *o, IROp *op)
{
    opt_barriers(o, op);
    if (o->unreachable && op->opc != IR_insn_start)
        return;
    unsigned nt = op->nb_oargs + op->nb_iargs;
    for (unsigned n = op->nb_oargs; n < nt; n++)
        op->args[n] = opt_subst(o, (IRTemp)op->args[n]);
    IRFoldFn fold = ir_fold_table[op->opc] ? ir_fold_table[op->opc] : fold_keep;
    if (fold(o, op) == FOLD_DROP)
        return;
    /* A br to the label right after it is a no-op. */
    if (op->opc == IR_set_label && o->nb_out && o->out[o->nb_out - 1].opc == IR_br &&
        o->out[o->nb_out - 1].args[0] == op->args[0])
        o->nb_out--;
    uint64_t zmask = op->nb_oargs == 1 ? opt_op_zmask(o, op) : 0;
    for (unsigned n = 0; n < op->nb_oargs; n++)
        opt_clobber(o, (IRTemp)op->args[n]);
    if (op->nb_oargs == 1) {
        o->t[op->args[0]].zmask = zmask;
        o->t[op->args[0]].z_known = o->label_epoch;
    }
    if (op->opc == IR_mov)
        opt_learn_mov(o, (IRTemp)op->args[0], (IRTemp)op->args[1]);
    if (op->opc == IR_br || op->opc == IR_exit_tb || op->opc == IR_goto_ptr)
        o->unreachable = true;
    opt_emit(o, op);
}

/* Labels no branch names any more are dropped. */
static void opt_drop_unused_labels(IRContext *s)
{
    uint32_t *refs = malloc((s->nb_labels + 1) * sizeof(*refs));
    if (!refs)
        abort();
    ir_labels_recount(s, refs);
    for (uint32_t i = 0; i < s->nb_ops; i++)
        if (s->ops[i].opc == IR_set_label && !refs[s->ops[i].args[0]])
            s->ops[i].opc = IR_OP_REMOVED;
    free(refs);
    ir_ops_compact(s);
}

void ir_optimize(IRContext *s)
{
    IROpt o = { .s = s, .label_epoch = 1, .copy_epoch = 1 };
    opt_grow_temps(&o);
    for (uint32_t i = 0; i < s->nb_ops; i++) {
        IROp op = s->ops[i];
        opt_op(&o, &op);
    }
    free(s->ops);
    s->ops = o.out;
    s->nb_ops = o.nb_out;
    s->ops_cap = o.out_cap;
    free(o.t);
    if (!s->ops) {            /* an empty block: keep a valid array */
        s->ops_cap = 16;
        s->ops = opt_realloc(NULL, s->ops_cap * sizeof(*s->ops));
    }
    opt_drop_unused_labels(s);
    ir_liveness_dce(s, true);
}
