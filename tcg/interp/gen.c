/*
 * gen.c - lowering optimized IR to the interpreter's bytecode (bytecode.h).
 *
 * Temps become operand words: env is frame slot 0, globals are offsets
 * into env (the interpreter works on env memory directly, so globals are
 * always in sync for helpers and faults), constants live in the block's
 * pool, TB temps get a frame slot for the whole block, and EBB temps get
 * a slot from their first use until ir_liveness() says they die, after
 * which the slot is reused (EBB temps never live across a label, so their
 * live ranges are intervals in op order).
 * Invariants: labels are resolved to byte offsets once the block is
 * written; s->insn_end_off[i] is the offset where instruction i's code
 * ends, so a retaddr (the address just past an op) lies in (start, end]
 * of its instruction's code.
 */
#include "tcg/interp/bytecode.h"
#include "tcg/interp/interp.h"
#include "tcg/ir-internal.h"
#include <stdlib.h>

typedef struct InterpFixup {
    uint32_t pos;             /* byte offset of the word to patch */
    uint32_t label;
} InterpFixup;

typedef struct InterpGen {
    IRContext *s;
    uint8_t *buf;
    size_t room, pos;
    uint32_t first_op;        /* byte offset of the first op */
    bool failed;              /* out of room, or a value out of range */
    uint32_t *opnd;           /* per temp: operand word, or UINT32_MAX */
    uint32_t *free_slots;
    uint32_t nb_free, nb_slots;
    uint32_t *label_off;
    InterpFixup *fixups;
    uint32_t nb_fixups;
} InterpGen;

static void *interp_gen_alloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        abort();
    return p;
}

static void gen_word(InterpGen *g, uint32_t w)
{
    if (g->pos + 4 <= g->room)
        memcpy(g->buf + g->pos, &w, 4);
    else
        g->failed = true;
    g->pos += 4;
}

static void gen_u64(InterpGen *g, uint64_t v)
{
    gen_word(g, (uint32_t)v);
    gen_word(g, (uint32_t)(v >> 32));
}

/* A value as a word; values that do not fit fail the block. */
static void gen_word_checked(InterpGen *g, uint64_t v, int64_t lo, int64_t hi)
{
    if ((int64_t)v < lo || (int64_t)v > hi)
        g->failed = true;
    gen_word(g, (uint32_t)v);
}

static uint32_t gen_slot_alloc(InterpGen *g)
{
    if (g->nb_free)
        return g->free_slots[--g->nb_free];
    if (g->nb_slots == INTERP_MAX_SLOTS) {
        g->failed = true;
        return 1;
    }
    return g->nb_slots++;
}

static uint32_t gen_opnd(InterpGen *g, IRTemp t)
{
    if (g->opnd[t] != UINT32_MAX)
        return g->opnd[t];
    const IRTempInfo *ti = &g->s->temps[t];
    if (ti->kind == IR_TEMP_GLOBAL) {
        if (ti->env_offset < -INTERP_OPND_MAX_OFF || ti->env_offset > INTERP_OPND_MAX_OFF)
            g->failed = true;
        g->opnd[t] = INTERP_OPND(INTERP_ENV, ti->env_offset);
    } else {
        g->opnd[t] = INTERP_OPND(INTERP_FRAME, gen_slot_alloc(g) * 8);
    }
    return g->opnd[t];
}

/* Give back the slot of an EBB temp that dies here. */
static void gen_release(InterpGen *g, IRTemp t)
{
    if (g->s->temps[t].kind != IR_TEMP_EBB || g->opnd[t] == UINT32_MAX)
        return;
    g->free_slots[g->nb_free++] = (g->opnd[t] >> 2) / 8;
    g->opnd[t] = UINT32_MAX;
}

static bool gen_is_output(const IROp *op, IRTemp t)
{
    for (unsigned n = 0; n < op->nb_oargs; n++)
        if (op->args[n] == t)
            return !(op->life & IR_LIFE_DEAD(n));
    return false;
}

static void gen_release_dead(InterpGen *g, const IROp *op)
{
    unsigned nt = op->nb_oargs + op->nb_iargs;
    for (unsigned n = 0; n < nt; n++) {
        IRTemp t = (IRTemp)op->args[n];
        if ((op->life & IR_LIFE_DEAD(n)) && (n < op->nb_oargs || !gen_is_output(op, t)))
            gen_release(g, t);
    }
}

static void gen_temps(InterpGen *g, const IROp *op)
{
    for (unsigned n = 0; n < op->nb_oargs + op->nb_iargs; n++) {
        IRTempKind k = g->s->temps[op->args[n]].kind;
        if (n < op->nb_oargs && (k == IR_TEMP_CONST || k == IR_TEMP_ENV))
            g->failed = true;         /* ir_check rejects this */
        gen_word(g, gen_opnd(g, (IRTemp)op->args[n]));
    }
}

static void gen_label_ref(InterpGen *g, uint64_t label)
{
    g->fixups[g->nb_fixups++] = (InterpFixup){ (uint32_t)g->pos, (uint32_t)label };
    gen_word(g, 0);
}

static void gen_goto_tb(InterpGen *g, const IROp *op, IRCodeInfo *info)
{
    unsigned slot = (unsigned)op->args[0] & 1;
    gen_word(g, INTERP_OPC(IR_goto_tb, IR_I64));
    if (g->pos & 7)
        gen_word(g, 0);
    info->jmp_insn_offset[slot] = (uint32_t)g->pos;
    gen_u64(g, 0);
    info->jmp_reset_offset[slot] = (uint32_t)g->pos;
}

static void gen_call(InterpGen *g, const IROp *op)
{
    const IRHelper *h = ir_op_helper(op);
    IRType rt = op->nb_oargs ? ir_temp_type(g->s, (IRTemp)op->args[0]) : IR_I64;
    gen_word(g, INTERP_OPC(IR_call, rt));
    gen_u64(g, (uintptr_t)h);
    gen_word(g, op->nb_oargs ? gen_opnd(g, (IRTemp)op->args[0]) : INTERP_NO_RET);
    for (unsigned n = 0; n < h->nargs; n++)
        gen_word(g, gen_opnd(g, (IRTemp)op->args[op->nb_oargs + n]));
}

/* Ops laid out as temps then constant words. */
static void gen_generic(InterpGen *g, const IROp *op)
{
    gen_word(g, INTERP_OPC(op->opc, op->type));
    gen_temps(g, op);
    unsigned nt = op->nb_oargs + op->nb_iargs;
    for (unsigned n = 0; n < ir_op_defs[op->opc].nb_cargs; n++)
        gen_word_checked(g, op->args[nt + n], INT32_MIN, INT32_MAX);
}

static void gen_op(InterpGen *g, const IROp *op, IRCodeInfo *info)
{
    switch (op->opc) {
    case IR_insn_start:
        ir_insn_record(g->s, op, g->pos);
        return;
    case IR_set_label:
        g->label_off[op->args[0]] = (uint32_t)g->pos;
        return;
    case IR_discard:
        return;
    case IR_br:
        gen_word(g, INTERP_OPC(IR_br, IR_I64));
        gen_label_ref(g, op->args[0]);
        return;
    case IR_brcond:
        gen_word(g, INTERP_OPC(IR_brcond, op->type));
        gen_temps(g, op);
        gen_word(g, (uint32_t)op->args[2]);
        gen_label_ref(g, op->args[3]);
        return;
    case IR_goto_tb:
        gen_goto_tb(g, op, info);
        return;
    case IR_exit_tb:
        gen_word(g, INTERP_OPC(IR_exit_tb, IR_I64));
        gen_u64(g, op->args[0]);
        return;
    case IR_call:
        gen_call(g, op);
        return;
    default:
        gen_generic(g, op);
        return;
    }
}

/* The constants some op reads: marked with INTERP_FRAME (0) in g->opnd. */
static void gen_mark_consts(InterpGen *g)
{
    const IRContext *s = g->s;
    memset(g->opnd, 0xff, s->nb_temps * sizeof(*g->opnd));
    for (uint32_t i = 0; i < s->nb_ops; i++) {
        const IROp *op = &s->ops[i];
        for (unsigned n = op->nb_oargs; n < op->nb_oargs + op->nb_iargs; n++)
            if (ir_temp_is_const(s, (IRTemp)op->args[n]))
                g->opnd[op->args[n]] = 0;
    }
}

/* Header and constant pool; env and the constants get their operand words. */
static void gen_pool(InterpGen *g)
{
    IRContext *s = g->s;
    gen_word(g, 0);           /* patched: first op */
    gen_word(g, 0);           /* patched: frame slots */
    gen_mark_consts(g);
    g->opnd[s->env] = INTERP_OPND(INTERP_FRAME, 0);
    for (IRTemp t = s->nb_globals + 1; t < s->nb_temps; t++) {
        const IRTempInfo *ti = &s->temps[t];
        if (ti->kind != IR_TEMP_CONST || g->opnd[t] == UINT32_MAX)
            continue;
        uint64_t cell = 0;
        uint32_t v32 = (uint32_t)ti->value;
        memcpy(&cell, ti->type == IR_I32 ? (const void *)&v32 : (const void *)&ti->value,
               ti->type == IR_I32 ? 4 : 8);
        if (g->pos > INTERP_OPND_MAX_OFF)
            g->failed = true;
        g->opnd[t] = INTERP_OPND(INTERP_CONST, g->pos);
        gen_word(g, 0);
        gen_word(g, 0);
        if (!g->failed)
            memcpy(g->buf + g->pos - 8, &cell, 8);
    }
}

static void gen_patch(InterpGen *g, size_t pos, uint32_t v)
{
    if (pos + 4 <= g->room)
        memcpy(g->buf + pos, &v, 4);
}

static void gen_finish(InterpGen *g)
{
    gen_patch(g, 0, g->first_op);
    gen_patch(g, 4, g->nb_slots);
    for (uint32_t i = 0; i < g->nb_fixups; i++) {
        uint32_t off = g->label_off[g->fixups[i].label];
        if (off == UINT32_MAX)
            g->failed = true;         /* a branch to a label never set */
        gen_patch(g, g->fixups[i].pos, off);
    }
    ir_insn_close(g->s, g->pos);
}

bool interp_gen_code(IRContext *s, uint8_t *buf, size_t room, IRCodeInfo *info)
{
    assert(((uintptr_t)buf & 7) == 0);
    ir_liveness(s);
    InterpGen g = {
        .s = s, .buf = buf, .room = room, .nb_slots = 1,
        .opnd = interp_gen_alloc(s->nb_temps * sizeof(uint32_t)),
        .free_slots = interp_gen_alloc(INTERP_MAX_SLOTS * sizeof(uint32_t)),
        .label_off = interp_gen_alloc(s->nb_labels * sizeof(uint32_t)),
        .fixups = interp_gen_alloc(s->nb_ops * sizeof(InterpFixup)),
    };
    memset(g.label_off, 0xff, s->nb_labels * sizeof(uint32_t));
    *info = (IRCodeInfo){ .jmp_insn_offset = { UINT32_MAX, UINT32_MAX },
                          .jmp_reset_offset = { UINT32_MAX, UINT32_MAX } };
    s->nb_insns = 0;
    gen_pool(&g);
    g.first_op = (uint32_t)g.pos;
    for (uint32_t i = 0; i < s->nb_ops; i++) {
        gen_op(&g, &s->ops[i], info);
        gen_release_dead(&g, &s->ops[i]);
    }
    /* A block that would run off its end (ir_check rejects it) exits instead. */
    IROpcode last = s->nb_ops ? s->ops[s->nb_ops - 1].opc : IR_set_label;
    if (last != IR_exit_tb && last != IR_goto_ptr && last != IR_br) {
        gen_word(&g, INTERP_OPC(IR_exit_tb, IR_I64));
        gen_u64(&g, 0);
    }
    gen_finish(&g);
    info->size = (uint32_t)g.pos;
    free(g.opnd);
    free(g.free_slots);
    free(g.label_off);
    free(g.fixups);
    return !g.failed;
}
