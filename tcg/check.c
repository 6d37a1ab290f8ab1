/*
 * check.c - ir_check(): validates a block before it reaches the passes.
 *
 * Checks what the builder cannot: argument counts against the op table,
 * temp indices and types, constant arguments (conditions, labels, slots,
 * bit fields, memops), that every branch target is set exactly once, and
 * that EBB temps are not read where they are dead, and that control never
 * runs off the end of the block.
 * Invariant: a block that passes is safe for the optimizer and every
 * backend (no index out of range, no impossible encoding).
 */
#include "tcg/ir-internal.h"
#include "kestrel/tlb.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct IRChecker {
    const IRContext *s;
    uint32_t op_index;
    char *err;
    size_t errlen;
} IRChecker;

static bool ir_check_fail(IRChecker *c, const char *fmt, ...) KESTREL_PRINTF(2, 3);
static bool ir_check_fail(IRChecker *c, const char *fmt, ...)
{
    if (c->errlen == 0)
        return false;
    const IROp *op = &c->s->ops[c->op_index];
    const char *name = op->opc < IR_NB_OPS ? ir_op_defs[op->opc].name : "?";
    int n = snprintf(c->err, c->errlen, "op %u (%s): ", c->op_index, name);
    if (n >= 0 && (size_t)n < c->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* The type argument n of op must have; -1 when any type is fine. */
static int ir_check_arg_type(const IROp *op, unsigned n)
{
    bool is_out = n < op->nb_oargs;
    switch (op->opc) {
    case IR_extu_i32_i64: case IR_exts_i32_i64:
        return is_out ? IR_I64 : IR_I32;
    case IR_extrl_i64_i32: case IR_extrh_i64_i32:
        return is_out ? IR_I32 : IR_I64;
    case IR_ld8u: case IR_ld8s: case IR_ld16u: case IR_ld16s:
    case IR_ld32u: case IR_ld32s: case IR_ld:
    case IR_st8: case IR_st16: case IR_st32: case IR_st:
        return n == 1 ? -1 : op->type;             /* the base is a host pointer */
    case IR_qemu_ld: case IR_qemu_st:
        return n == 1 ? IR_I64 : op->type;         /* the guest address */
    case IR_call:
        return is_out ? -1 : IR_I64;
    case IR_goto_ptr:
        return IR_I64;
    case IR_discard:
        return -1;
    default:
        return op->type;
    }
}

static bool ir_check_temps(IRChecker *c, const IROp *op)
{
    const IRContext *s = c->s;
    for (unsigned n = 0; n < op->nb_oargs + op->nb_iargs; n++) {
        uint64_t t = op->args[n];
        if (t == IR_NO_TEMP || t >= s->nb_temps)
            return ir_check_fail(c, "arg %u: bad temp %llu", n, (unsigned long long)t);
        IRTempKind k = s->temps[t].kind;
        if (n < op->nb_oargs && (k == IR_TEMP_CONST || k == IR_TEMP_ENV))
            return ir_check_fail(c, "arg %u: output to a constant or env", n);
        int want = ir_check_arg_type(op, n);
        if (want >= 0 && s->temps[t].type != (IRType)want)
            return ir_check_fail(c, "arg %u: temp %llu has the wrong type", n,
                                 (unsigned long long)t);
    }
    return true;
}

static bool ir_check_label(IRChecker *c, uint64_t id)
{
    if (id >= c->s->nb_labels)
        return ir_check_fail(c, "bad label %llu", (unsigned long long)id);
    return true;
}

static bool ir_check_field(IRChecker *c, const IROp *op, uint64_t pos, uint64_t len)
{
    unsigned bits = op->type == IR_I32 ? 32 : 64;
    if (len == 0 || pos >= bits || len > bits - pos)
        return ir_check_fail(c, "bit field %llu+%llu outside %u bits",
                             (unsigned long long)pos, (unsigned long long)len, bits);
    return true;
}

static bool ir_check_memop(IRChecker *c, const IROp *op, uint64_t packed)
{
    MemOp mo = IR_MEMOP_OF(packed);
    if (packed >> 16 || mo & ~(MO_SIZE | MO_SIGN | MO_RMW) || IR_MMU_OF(packed) >= NB_MMU_MODES)
        return ir_check_fail(c, "bad memop 0x%llx", (unsigned long long)packed);
    if ((mo & MO_SIZE) == MO_64 && op->type == IR_I32)
        return ir_check_fail(c, "64-bit access into an I32 temp");
    return true;
}

static bool ir_check_cargs(IRChecker *c, const IROp *op)
{
    const uint64_t *ca = &op->args[op->nb_oargs + op->nb_iargs];
    switch (op->opc) {
    case IR_set_label: case IR_br:
        return ir_check_label(c, ca[0]);
    case IR_brcond:
        if (ca[0] > IR_COND_TSTNE)
            return ir_check_fail(c, "bad condition");
        return ir_check_label(c, ca[1]);
    case IR_setcond: case IR_movcond:
        return ca[0] <= IR_COND_TSTNE || ir_check_fail(c, "bad condition");
    case IR_goto_tb:
        return ca[0] < 2 || ir_check_fail(c, "bad goto_tb slot");
    case IR_deposit: case IR_extract: case IR_sextract:
        return ir_check_field(c, op, ca[0], ca[1]);
    case IR_qemu_ld: case IR_qemu_st:
        return ir_check_memop(c, op, ca[0]);
    default:
        return true;
    }
}

static bool ir_check_counts(IRChecker *c, const IROp *op)
{
    const IROpDef *def = &ir_op_defs[op->opc];
    if (op->type > IR_I64 || ((def->flags & IR_OPF_64) && op->type != IR_I64))
        return ir_check_fail(c, "bad type");
    if (op->opc != IR_call) {
        if (op->nb_oargs != def->nb_oargs || op->nb_iargs != def->nb_iargs)
            return ir_check_fail(c, "argument counts differ from the op table");
        return true;
    }
    const IRHelper *h = ir_op_helper(op);
    if (!h || !h->func || h->nargs > IR_MAX_CALL_ARGS)
        return ir_check_fail(c, "bad helper");
    if (op->nb_iargs != h->nargs || op->nb_oargs > (h->has_ret ? 1 : 0))
        return ir_check_fail(c, "call to %s: argument counts differ from the helper", h->name);
    return true;
}

static bool ir_check_op(IRChecker *c, const IROp *op)
{
    if (op->opc >= IR_NB_OPS)
        return ir_check_fail(c, "bad opcode %u", op->opc);
    return ir_check_counts(c, op) && ir_check_temps(c, op) && ir_check_cargs(c, op);
}

/* Every label a branch names is set once; no label is set twice. */
static bool ir_check_labels(IRChecker *c)
{
    const IRContext *s = c->s;
    uint8_t *set = calloc(s->nb_labels + 1, 1);
    bool ok = true;
    if (!set)
        abort();
    for (c->op_index = 0; ok && c->op_index < s->nb_ops; c->op_index++) {
        const IROp *op = &s->ops[c->op_index];
        if (op->opc == IR_set_label && set[op->args[0]]++)
            ok = ir_check_fail(c, "label %llu set twice", (unsigned long long)op->args[0]);
    }
    for (c->op_index = 0; ok && c->op_index < s->nb_ops; c->op_index++) {
        const IROp *op = &s->ops[c->op_index];
        uint64_t id = op->opc == IR_br ? op->args[0] : op->opc == IR_brcond ? op->args[3] : ~0ULL;
        if (id != ~0ULL && !set[id])
            ok = ir_check_fail(c, "branch to label %llu that is never set",
                               (unsigned long long)id);
    }
    free(set);
    return ok;
}

/*
 * An EBB temp is read only after a write in the same extended basic block:
 * labels and insn_start end one (a branch does not: the fall-through path
 * may still read what was computed before it).
 */
static bool ir_check_ebb(IRChecker *c)
{
    const IRContext *s = c->s;
    uint32_t *written = calloc(s->nb_temps, sizeof(*written));
    uint32_t region = 1;
    bool ok = true;
    if (!written)
        abort();
    for (c->op_index = 0; ok && c->op_index < s->nb_ops; c->op_index++) {
        const IROp *op = &s->ops[c->op_index];
        if (op->opc == IR_set_label || op->opc == IR_insn_start)
            region++;
        for (unsigned n = op->nb_oargs; ok && n < op->nb_oargs + op->nb_iargs; n++) {
            IRTemp t = (IRTemp)op->args[n];
            if (s->temps[t].kind == IR_TEMP_EBB && written[t] != region)
                ok = ir_check_fail(c, "t%u is read before it is written in this "
                                   "extended basic block", t);
        }
        for (unsigned n = 0; n < op->nb_oargs; n++)
            written[op->args[n]] = region;
    }
    free(written);
    return ok;
}

bool ir_check(const IRContext *s, char *err, size_t errlen)
{
    IRChecker c = { .s = s, .err = err, .errlen = errlen };
    if (errlen)
        err[0] = '\0';
    for (c.op_index = 0; c.op_index < s->nb_ops; c.op_index++)
        if (!ir_check_op(&c, &s->ops[c.op_index]))
            return false;
    if (!ir_check_labels(&c) || !ir_check_ebb(&c))
        return false;
    IROpcode last = s->nb_ops ? s->ops[s->nb_ops - 1].opc : IR_set_label;
    if (last != IR_exit_tb && last != IR_goto_ptr && last != IR_br) {
        c.op_index = s->nb_ops ? s->nb_ops - 1 : 0;
        if (errlen)
            snprintf(err, errlen, "the block does not end with exit_tb, goto_ptr or br");
        return false;
    }
    return true;
}
