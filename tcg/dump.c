/*
 * dump.c - ir_dump(): one op per line, the format of `-d op`.
 *
 *   ---- 0x000ffff0 cc_op=3          insn_start (guest pc, cc_op)
 *   L2:                              set_label
 *   add_i32 t5, eax, $0x1            outputs, inputs, then constant args
 *   brcond_i64 t7, $0x0, ne, L2
 *   call helper_name t8, t6, $0x4    the result first when there is one
 *
 * Temp names: globals and env by their registered name, constants as
 * $0x..., block temps as loc<n>, instruction temps as t<n>. The output
 * only reads the context.
 */
#include "tcg/ir-internal.h"

static const char *const ir_cond_names[] = {
    [IR_COND_NEVER] = "never", [IR_COND_ALWAYS] = "always",
    [IR_COND_EQ] = "eq", [IR_COND_NE] = "ne",
    [IR_COND_LT] = "lt", [IR_COND_GE] = "ge", [IR_COND_LE] = "le", [IR_COND_GT] = "gt",
    [IR_COND_LTU] = "ltu", [IR_COND_GEU] = "geu", [IR_COND_LEU] = "leu", [IR_COND_GTU] = "gtu",
    [IR_COND_TSTEQ] = "tsteq", [IR_COND_TSTNE] = "tstne",
};

static const char *const ir_memop_names[] = {
    "ub", "uw", "ul", "uq", "sb", "sw", "sl", "sq",
};

static void ir_dump_temp(const IRContext *s, IRTemp t, FILE *f)
{
    if (t == IR_NO_TEMP || t >= s->nb_temps) {
        fprintf(f, "<bad %u>", t);
        return;
    }
    const IRTempInfo *ti = &s->temps[t];
    switch (ti->kind) {
    case IR_TEMP_GLOBAL: case IR_TEMP_ENV:
        fputs(ti->name ? ti->name : "global?", f);
        break;
    case IR_TEMP_CONST:
        fprintf(f, "$0x%llx", (unsigned long long)ti->value);
        break;
    case IR_TEMP_TB:
        fprintf(f, "loc%u", t);
        break;
    case IR_TEMP_EBB:
        fprintf(f, "t%u", t);
        break;
    }
}

static void ir_dump_carg(const IROp *op, unsigned n, uint64_t v, FILE *f)
{
    bool is_label = (op->opc == IR_br && n == 0) || (op->opc == IR_brcond && n == 1);
    bool is_cond = (op->opc == IR_brcond || op->opc == IR_setcond || op->opc == IR_movcond) && n == 0;
    if (is_label)
        fprintf(f, "L%llu", (unsigned long long)v);
    else if (is_cond && v < ARRAY_SIZE(ir_cond_names))
        fputs(ir_cond_names[v], f);
    else if (op->opc == IR_qemu_ld || op->opc == IR_qemu_st)
        fprintf(f, "%s,mmu%u", ir_memop_names[IR_MEMOP_OF(v) & 7], IR_MMU_OF(v));
    else
        fprintf(f, "0x%llx", (unsigned long long)v);
}

static void ir_dump_op(const IRContext *s, const IROp *op, FILE *f)
{
    const IROpDef *def = &ir_op_defs[op->opc];
    if (op->opc == IR_insn_start) {
        fprintf(f, " ---- 0x%08llx cc_op=%llu\n", (unsigned long long)op->args[0],
                (unsigned long long)op->args[1]);
        return;
    }
    if (op->opc == IR_set_label) {
        fprintf(f, "L%llu:\n", (unsigned long long)op->args[0]);
        return;
    }
    unsigned nt = op->nb_oargs + op->nb_iargs;
    if (op->opc == IR_call) {
        fprintf(f, " call %s", ir_op_helper(op)->name);
    } else {
        bool typed = def->nb_oargs + def->nb_iargs > 0;
        fprintf(f, " %s%s", def->name, !typed ? "" : op->type == IR_I32 ? "_i32" : "_i64");
    }
    const char *sep = " ";
    for (unsigned n = 0; n < nt; n++, sep = ", ") {
        fputs(sep, f);
        ir_dump_temp(s, (IRTemp)op->args[n], f);
    }
    for (unsigned n = 0; op->opc != IR_call && n < def->nb_cargs; n++, sep = ", ") {
        fputs(sep, f);
        ir_dump_carg(op, n, op->args[nt + n], f);
    }
    fputc('\n', f);
}

void ir_dump(const IRContext *s, FILE *f)
{
    for (uint32_t i = 0; i < s->nb_ops; i++)
        ir_dump_op(s, &s->ops[i], f);
}
