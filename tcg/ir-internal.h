/*
 * ir-internal.h - what the files of tcg/ share beyond kestrel/tcg.h: op
 * list editing for the passes, and small queries on ops and temps.
 *
 * Invariants: IR_OP_REMOVED marks an op a pass deleted in place;
 * ir_ops_compact() drops such ops before the pass returns, so no other
 * code ever sees the marker.
 */
#ifndef KESTREL_TCG_IR_INTERNAL_H
#define KESTREL_TCG_IR_INTERNAL_H

#include "kestrel/tcg.h"

#define IR_OP_REMOVED 0xff

static inline const IROpDef *ir_op_def(const IROp *op)
{
    return &ir_op_defs[op->opc];
}

static inline unsigned ir_op_nb_cargs(const IROp *op)
{
    return ir_op_defs[op->opc].nb_cargs;
}

/* The first constant argument: after outputs and inputs. */
static inline uint64_t *ir_op_cargs(IROp *op)
{
    return &op->args[op->nb_oargs + op->nb_iargs];
}

static inline const IRHelper *ir_op_helper(const IROp *op)
{
    return (const IRHelper *)(uintptr_t)op->args[op->nb_oargs + op->nb_iargs];
}

static inline bool ir_temp_is_const(const IRContext *s, IRTemp t)
{
    return s->temps[t].kind == IR_TEMP_CONST;
}

static inline bool ir_temp_is_global(const IRContext *s, IRTemp t)
{
    return s->temps[t].kind == IR_TEMP_GLOBAL;
}

/* Drop the ops marked IR_OP_REMOVED, keeping the order of the rest. */
void ir_ops_compact(IRContext *s);

/* Count references to each label again and clear IRLabel.referenced of unused ones. */
void ir_labels_recount(IRContext *s, uint32_t *refs);

/* Dead-code elimination over s (backward liveness); also fills IROp.life. */
void ir_liveness_dce(IRContext *s, bool remove_dead);

/*
 * Backend bookkeeping of guest instruction boundaries: at an insn_start op
 * whose code begins at code_pos, ir_insn_record() ends the previous
 * instruction there and records the op's data; ir_insn_close() ends the
 * last instruction at the end of the block's code.
 */
void ir_insn_record(IRContext *s, const IROp *op, size_t code_pos);
void ir_insn_close(IRContext *s, size_t code_pos);

#endif
