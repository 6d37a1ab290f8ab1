/*
 * liveness.c - backward liveness: dead-code elimination and IROp.life.
 *
 * One backward walk over the block. What is live where:
 *  - at the end of the block, and at exit_tb/goto_ptr: the globals;
 *  - at goto_tb, at calls that may read globals and at every op that may
 *    fault (IR_OPF_MEM): the globals as well, since the chained block, the
 *    helper or the fault handler observes guest state in env;
 *  - at labels and branches: globals, and the TB temps live at the label
 *    (those read below it before being written, found by repeating the walk
 *    until the labels' sets settle, since loops jump backwards); EBB temps
 *    die there. A block with too many labels times TB temps for the sets
 *    assumes every TB temp live at every label instead.
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

#define LIVE_SETS_MAX (1u << 22)   /* bytes of per-label sets before giving up */

typedef struct IRLive {
    IRContext *s;
    uint8_t *live;            /* per temp */
    uint8_t *label_live;      /* per label, per temp: a TB temp live at it; NULL: all */
    bool changed;             /* a label's set grew during this walk */
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

/* The TB temps live at label: record them (at set_label) or add them (at a jump). */
static void ir_live_label(IRLive *l, uint64_t label, bool at_label)
{
    const IRContext *s = l->s;
    if (!l->label_live) {
        ir_live_mark(l, LIVE_TB);
        return;
    }
    uint8_t *set = &l->label_live[label * s->nb_temps];
    for (IRTemp t = s->nb_globals + 1; t < s->nb_temps; t++) {
        if (s->temps[t].kind != IR_TEMP_TB)
            continue;
        if (at_label && l->live[t] && !set[t]) {
            set[t] = 1;
            l->changed = true;
        }
        l->live[t] |= set[t];
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
    case IR_set_label:
        ir_live_label(l, op->args[0], true);
        ir_live_mark(l, LIVE_GLOBALS);
        for (IRTemp t = l->s->nb_globals + 1; t < l->s->nb_temps; t++)
            if (l->s->temps[t].kind == IR_TEMP_EBB)
                l->live[t] = 0;
        return;
    case IR_br:
        ir_live_mark(l, LIVE_GLOBALS | LIVE_EBB_DIE);
        ir_live_label(l, op->args[0], false);
        return;
    case IR_brcond:
        ir_live_mark(l, LIVE_GLOBALS);
        ir_live_label(l, op->args[3], false);
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

/* One backward walk; removes dead ops when asked. */
static void ir_live_walk(IRLive *l, bool remove_dead)
{
    IRContext *s = l->s;
    memset(l->live, 0, s->nb_temps);
    l->changed = false;
    ir_live_mark(l, LIVE_GLOBALS);
    for (uint32_t i = s->nb_ops; i-- > 0;) {
        IROp *op = &s->ops[i];
        if (op->opc == IR_discard) {
            if (ir_temp_tracked(s, (IRTemp)op->args[0]))
                l->live[op->args[0]] = 0;
            op->life = IR_LIFE_DEAD(0);
            continue;
        }
        ir_live_op(l, op, remove_dead);
    }
}

void ir_liveness_dce(IRContext *s, bool remove_dead)
{
    IRLive l = { .s = s, .live = calloc(s->nb_temps, 1) };
    if (!l.live)
        abort();
    size_t sets = (size_t)s->nb_labels * s->nb_temps;
    if (sets && sets <= LIVE_SETS_MAX) {
        l.label_live = calloc(sets, 1);
        if (!l.label_live)
            abort();
        do
            ir_live_walk(&l, false);   /* the sets only grow: this ends */
        while (l.changed);
    }
    ir_live_walk(&l, remove_dead);
    assert(!l.changed);
    free(l.live);
    free(l.label_live);
    if (remove_dead)
        ir_ops_compact(s);
}

void ir_liveness(IRContext *s)
{
    ir_liveness_dce(s, false);
}
