/*
 * liveness.c - backward liveness: dead-code elimination and IROp.life.
 *
 * One backward walk over the block. What is live where:
 *  - at the end of the block, and at exit_tb/goto_ptr: the globals;
 *  - at goto_tb, at calls that may read globals and at every op that may
 *    fault (IR_OPF_MEM): the globals as well, since the chained block, the
 *    helper or the fault handler observes guest state in env;
 *  - at labels and branches: globals and TB temps (the other side of the
 *    edge is not tracked, so they are assumed read); EBB temps die there.
 * An op without side effects whose outputs are all dead is removed (when
 * asked), as is a call to a helper flagged IR_CALL_NO_SIDE_EFFECTS whose
 * result is unused. IROp.life gets IR_LIFE_DEAD(n) for each temp argument
 * n that is not read after the op; globals, env and constants are never
 * marked (they live in env memory or in the op).
 * Contract for front ends: ld/st ops must not access a global's slot in
 * env (the value may still be pending in a backend register); the
 * optimizer forgets what it knows of globals at st ops regardless.
 */
#include "tcg/ir-internal.h"
#include <stdlib.h>

typedef struct IRLive {
    IRContext *s;
    uint8_t *live;            /* per temp */
} IRLive;

enum { LIVE_GLOBALS = 1, LIVE_TB = 2, LIVE_EBB_DIE = 4 };

/* Set the live state of every global (and TB temp); EBB temps die if asked. */
static void ir_live_mark(IRLive *l, unsigned what)
{
    const IRContext *s = l->s;
    /* Globals are temps 1..nb_globals: the common case touches only those. */
    IRTemp end = what == LIVE_GLOBALS ? s->nb_globals + 1 : s->nb_temps;
    for (IRTemp t = 1; t < end; t++) {
        IRTempKind k = s->temps[t].kind;
        if ((k == IR_TEMP_GLOBAL && (what & LIVE_GLOBALS)) || (k == IR_TEMP_TB && (what & LIVE_TB)))
            l->live[t] = 1;
        else if ((what & LIVE_EBB_DIE) && (k == IR_TEMP_EBB || k == IR_TEMP_TB))
            l->live[t] = 0;
    }
}

/* Which globals/temps become live above op (or die there), before its own args. */
static void ir_live_effects(IRLive *l, const IROp *op)
{
    unsigned flags = ir_op_defs[op->opc].flags;
    switch (op->opc) {
    case IR_exit_tb: case IR_goto_ptr:
        ir_live_mark(l, LIVE_GLOBALS | LIVE_EBB_DIE);
        return;
    case IR_set_label: case IR_br:
        ir_live_mark(l, LIVE_GLOBALS | LIVE_EBB_DIE | LIVE_TB);
        return;
    case IR_brcond:
        ir_live_mark(l, LIVE_GLOBALS | LIVE_TB);
        return;
    case IR_goto_tb:
        ir_live_mark(l, LIVE_GLOBALS);
        return;
    case IR_call:
        if (!(ir_op_helper(op)->flags & IR_CALL_NO_READ_GLOBALS))
            ir_live_mark(l, LIVE_GLOBALS);
        return;
    default:
        if (flags & IR_OPF_MEM)
            ir_live_mark(l, LIVE_GLOBALS);
        return;
    }
}

static bool ir_op_removable(const IRLive *l, const IROp *op)
{
    unsigned flags = ir_op_defs[op->opc].flags;
    if (op->opc == IR_call) {
        if (!(ir_op_helper(op)->flags & IR_CALL_NO_SIDE_EFFECTS))
            return false;
    } else if (flags & (IR_OPF_SIDE | IR_OPF_BB_END | IR_OPF_META)) {
        return false;
    }
    for (unsigned n = 0; n < op->nb_oargs; n++)
        if (l->live[op->args[n]])
            return false;
    return true;
}

static bool ir_temp_tracked(const IRContext *s, IRTemp t)
{
    IRTempKind k = s->temps[t].kind;
    return k == IR_TEMP_EBB || k == IR_TEMP_TB;
}

static void ir_live_op(IRLive *l, IROp *op, bool remove_dead)
{
    const IRContext *s = l->s;
    if (remove_dead && ir_op_removable(l, op)) {
        op->opc = IR_OP_REMOVED;
        return;
    }
    uint32_t life = 0;
    unsigned nt = op->nb_oargs + op->nb_iargs;
    for (unsigned n = 0; n < op->nb_oargs; n++) {
        IRTemp t = (IRTemp)op->args[n];
        if (ir_temp_tracked(s, t) && !l->live[t])
            life |= IR_LIFE_DEAD(n);
        l->live[t] = 0;
    }
    ir_live_effects(l, op);
    for (unsigned n = op->nb_oargs; n < nt; n++) {
        IRTemp t = (IRTemp)op->args[n];
        if (ir_temp_tracked(s, t) && !l->live[t])
            life |= IR_LIFE_DEAD(n);
        l->live[t] = 1;
    }
    op->life = life;
}

void ir_liveness_dce(IRContext *s, bool remove_dead)
{
    IRLive l = { .s = s, .live = calloc(s->nb_temps, 1) };
    if (!l.live)
        abort();
    ir_live_mark(&l, LIVE_GLOBALS);
    for (uint32_t i = s->nb_ops; i-- > 0;) {
        IROp *op = &s->ops[i];
        if (op->opc == IR_discard) {
            if (ir_temp_tracked(s, (IRTemp)op->args[0]))
                l.live[op->args[0]] = 0;
            op->life = IR_LIFE_DEAD(0);
            continue;
        }
        ir_live_op(&l, op, remove_dead);
    }
    free(l.live);
    if (remove_dead)
        ir_ops_compact(s);
}

void ir_liveness(IRContext *s)
{
    ir_liveness_dce(s, false);
}
