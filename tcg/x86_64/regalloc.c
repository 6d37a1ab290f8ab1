/*
 * regalloc.c - the JIT's local register allocator.
 *
 * Every temp's value is in a host register, in memory (a global's env
 * cell, or the frame slot of an EBB/TB temp), or both; constants are never
 * held: an op gets them as immediates or in a scratch register for that
 * op only. Globals are loaded on first use and written back only when
 * asked (calls, block exits, branches and labels); a guest memory op writes
 * them back on its TLB miss path only, leaving the main path's state as is.
 * Registers an op is using are locked until jit_ra_op_done, so allocating
 * one of its later operands never evicts an earlier one.
 * Invariants: reg_owner[r] == t  <=>  temps[t].reg == r; in_mem means the
 * memory copy is current; a TB temp keeps one frame slot for the whole
 * block, and at every label its value is in that slot (each jump stored
 * it); r14/rsp/rax/rcx/rdx are never allocated.
 */
#include "tcg/x86_64/jit.h"

static const int8_t jit_alloc_order[] = {
    R_BX, R_BP, R_12, R_13, R_15, R_SI, R_DI, R_8, R_9, R_10, R_11,
};

static bool jit_tracked(const Jit *j, IRTemp t)
{
    IRTempKind k = j->s->temps[t].kind;
    return k == IR_TEMP_EBB || k == IR_TEMP_TB;
}

static bool jit_w(const Jit *j, IRTemp t)
{
    return j->s->temps[t].type == IR_I64;
}

void jit_ra_reset(Jit *j)
{
    for (IRTemp t = 1; t < j->s->nb_temps; t++)
        j->temps[t] = (JitTemp){ -1, j->s->temps[t].kind == IR_TEMP_GLOBAL, -1 };
    memset(j->reg_owner, 0, sizeof(j->reg_owner));
    memset(j->slot_used, 0, sizeof(j->slot_used));
    j->locked = 0;
    j->evict_next = 0;
}

static int jit_slot_alloc(Jit *j)
{
    for (unsigned w = 0; w < ARRAY_SIZE(j->slot_used); w++) {
        uint64_t freebits = ~j->slot_used[w];
        if (w == ARRAY_SIZE(j->slot_used) - 1 && JIT_FRAME_SLOTS % 64)
            freebits &= (1ULL << (JIT_FRAME_SLOTS % 64)) - 1;
        if (freebits) {
            unsigned bit = (unsigned)__builtin_ctzll(freebits);
            j->slot_used[w] |= 1ULL << bit;
            return (int)(w * 64 + bit);
        }
    }
    j->b.failed = true;           /* the block needs too many frame slots */
    return 0;
}

/* Where t lives in memory: base register and displacement. */
int32_t jit_ra_mem_disp(Jit *j, IRTemp t, int *base)
{
    const IRTempInfo *ti = &j->s->temps[t];
    if (ti->kind == IR_TEMP_GLOBAL) {
        *base = JIT_ENV;
        return (int32_t)ti->env_offset;
    }
    if (j->temps[t].slot < 0)
        j->temps[t].slot = (int16_t)jit_slot_alloc(j);
    *base = R_SP;
    return j->temps[t].slot * 8;
}

static void jit_store_temp(Jit *j, IRTemp t)
{
    JitTemp *jt = &j->temps[t];
    if (jt->in_mem || jt->reg < 0)
        return;
    int base;
    int32_t disp = jit_ra_mem_disp(j, t, &base);
    emit_st(&j->b, jit_w(j, t), jt->reg, base, disp);
    jt->in_mem = true;
}

static void jit_unbind(Jit *j, int reg)
{
    IRTemp t = j->reg_owner[reg];
    if (t)
        j->temps[t].reg = -1;
    j->reg_owner[reg] = IR_NO_TEMP;
}

void jit_ra_spill_reg(Jit *j, int reg)
{
    IRTemp t = j->reg_owner[reg];
    if (!t)
        return;
    jit_store_temp(j, t);
    jit_unbind(j, reg);
}

static int jit_ra_alloc(Jit *j)
{
    uint32_t busy = j->locked;
    for (unsigned i = 0; i < ARRAY_SIZE(jit_alloc_order); i++) {
        int r = jit_alloc_order[i];
        if (!j->reg_owner[r] && !(busy & (1u << r))) {
            j->locked |= 1u << r;
            return r;
        }
    }
    /* Evict a value memory already holds if there is one (no store), else round robin. */
    for (unsigned i = 0; i < ARRAY_SIZE(jit_alloc_order); i++) {
        int r = jit_alloc_order[i];
        if (!(busy & (1u << r)) && j->temps[j->reg_owner[r]].in_mem) {
            jit_unbind(j, r);
            j->locked |= 1u << r;
            return r;
        }
    }
    for (unsigned n = 0; n < ARRAY_SIZE(jit_alloc_order); n++) {
        int r = jit_alloc_order[(j->evict_next + n) % ARRAY_SIZE(jit_alloc_order)];
        if (!(busy & (1u << r))) {
            j->evict_next = (j->evict_next + n + 1) % ARRAY_SIZE(jit_alloc_order);
            jit_ra_spill_reg(j, r);
            j->locked |= 1u << r;
            return r;
        }
    }
    assert(!"no register left");
    return R_BX;
}

int jit_ra_input(Jit *j, IRTemp t)
{
    const IRTempInfo *ti = &j->s->temps[t];
    if (ti->kind == IR_TEMP_ENV)
        return JIT_ENV;
    if (ti->kind == IR_TEMP_CONST) {
        int r = jit_ra_alloc(j);
        emit_movi(&j->b, ti->type == IR_I64, r, ti->value);
        return r;
    }
    JitTemp *jt = &j->temps[t];
    if (jt->reg >= 0) {
        j->locked |= 1u << jt->reg;
        return jt->reg;
    }
    int r = jit_ra_alloc(j);
    if (jt->in_mem) {
        int base;
        int32_t disp = jit_ra_mem_disp(j, t, &base);
        emit_ld(&j->b, jit_w(j, t), r, base, disp);
    }
    jt->reg = (int8_t)r;
    j->reg_owner[r] = t;
    return r;
}

JitArg jit_ra_arg(Jit *j, IRTemp t, bool imm_ok)
{
    const IRTempInfo *ti = &j->s->temps[t];
    if (imm_ok && ti->kind == IR_TEMP_CONST) {
        int64_t v = ti->type == IR_I32 ? (int32_t)ti->value : (int64_t)ti->value;
        if (v == (int32_t)v)
            return (JitArg){ .imm = true, .reg = -1, .val = v };
    }
    return (JitArg){ .imm = false, .reg = jit_ra_input(j, t) };
}

/* An input that dies at this op and whose register the output can take over. */
static int jit_dying_input_reg(Jit *j, const IROp *op)
{
    if (!op->nb_iargs)
        return -1;
    IRTemp u = (IRTemp)op->args[op->nb_oargs];
    if (!jit_tracked(j, u) || !(op->life & IR_LIFE_DEAD(op->nb_oargs)))
        return -1;
    for (unsigned n = 0; n < op->nb_oargs; n++)
        if (op->args[n] == u)
            return -1;
    return j->temps[u].reg;
}

int jit_ra_output(Jit *j, const IROp *op, unsigned n)
{
    IRTemp t = (IRTemp)op->args[n];
    int r = j->temps[t].reg;
    if (r < 0 && n == 0)
        r = jit_dying_input_reg(j, op);
    if (r < 0)
        r = jit_ra_alloc(j);
    j->locked |= 1u << r;
    return r;
}

void jit_ra_bind(Jit *j, IRTemp t, int reg)
{
    JitTemp *jt = &j->temps[t];
    if (jt->reg >= 0 && jt->reg != reg)
        jit_unbind(j, jt->reg);
    if (j->reg_owner[reg] != t)
        jit_unbind(j, reg);
    j->reg_owner[reg] = t;
    jt->reg = (int8_t)reg;
    jt->in_mem = false;
}

/*
 * mov d, a where a is a temp whose value is in a register and dies here: d
 * takes the register over, no code. False when a copy is needed.
 */
bool jit_ra_mov_rename(Jit *j, const IROp *op)
{
    IRTemp d = (IRTemp)op->args[0], a = (IRTemp)op->args[1];
    if (!jit_tracked(j, a) || j->temps[a].reg < 0 || !jit_ra_input_dies(op, a))
        return false;
    jit_ra_bind(j, d, j->temps[a].reg);
    jit_ra_op_done(j, op);
    return true;
}

void jit_ra_free_temp(Jit *j, IRTemp t)
{
    if (!jit_tracked(j, t))
        return;
    JitTemp *jt = &j->temps[t];
    if (jt->reg >= 0)
        jit_unbind(j, jt->reg);
    jt->in_mem = false;
    if (j->s->temps[t].kind == IR_TEMP_TB)
        return;                   /* keeps its slot: other paths meet there at labels */
    if (jt->slot >= 0)
        j->slot_used[jt->slot / 64] &= ~(1ULL << (jt->slot % 64));
    jt->slot = -1;
}

static bool jit_is_live_output(const IROp *op, IRTemp t)
{
    for (unsigned n = 0; n < op->nb_oargs; n++)
        if (op->args[n] == t)
            return !(op->life & IR_LIFE_DEAD(n));
    return false;
}

bool jit_ra_input_dies(const IROp *op, IRTemp t)
{
    for (unsigned n = op->nb_oargs; n < op->nb_oargs + op->nb_iargs; n++)
        if (op->args[n] == t && (op->life & IR_LIFE_DEAD(n)))
            return !jit_is_live_output(op, t);
    return false;
}

void jit_ra_op_done(Jit *j, const IROp *op)
{
    for (unsigned n = 0; n < op->nb_oargs + op->nb_iargs; n++) {
        IRTemp t = (IRTemp)op->args[n];
        if (n < op->nb_oargs ? (op->life & IR_LIFE_DEAD(n)) : jit_ra_input_dies(op, t))
            jit_ra_free_temp(j, t);
    }
    j->locked = 0;
}

void jit_ra_sync_globals(Jit *j)
{
    for (int r = 0; r < JIT_NB_REGS; r++) {
        IRTemp t = j->reg_owner[r];
        if (t && j->s->temps[t].kind == IR_TEMP_GLOBAL)
            jit_store_temp(j, t);
    }
}

void jit_ra_dirty_globals(const Jit *j, IRTemp dirty[JIT_NB_REGS])
{
    for (int r = 0; r < JIT_NB_REGS; r++) {
        IRTemp t = j->reg_owner[r];
        bool d = t && j->s->temps[t].kind == IR_TEMP_GLOBAL && !j->temps[t].in_mem;
        dirty[r] = d ? t : IR_NO_TEMP;
    }
}

/*
 * Stores global t, held in reg, to env without marking it clean: for code off
 * the main path (a TLB miss), after which the main path's state still holds.
 */
void jit_ra_store_global(Jit *j, IRTemp t, int reg)
{
    emit_st(&j->b, jit_w(j, t), reg, JIT_ENV, (int32_t)j->s->temps[t].env_offset);
}

void jit_ra_sync_all(Jit *j, bool forget)
{
    for (int r = 0; r < JIT_NB_REGS; r++) {
        IRTemp t = j->reg_owner[r];
        if (!t)
            continue;
        if (j->s->temps[t].kind != IR_TEMP_EBB)
            jit_store_temp(j, t);
        if (forget)
            jit_unbind(j, r);
    }
}

/*
 * After a label every TB temp is read from its slot: a jump to the label
 * stored it there, and a backward jump may bring a value defined below, so
 * even a TB temp not yet seen gets its slot now.
 */
void jit_ra_label(Jit *j)
{
    jit_ra_sync_all(j, true);
    for (IRTemp t = j->s->nb_globals + 1; t < j->s->nb_temps; t++) {
        if (j->s->temps[t].kind != IR_TEMP_TB)
            continue;
        if (j->temps[t].slot < 0)
            j->temps[t].slot = (int16_t)jit_slot_alloc(j);
        j->temps[t].in_mem = true;
    }
}

void jit_ra_forget_globals(Jit *j)
{
    for (int r = 0; r < JIT_NB_REGS; r++) {
        IRTemp t = j->reg_owner[r];
        if (t && j->s->temps[t].kind == IR_TEMP_GLOBAL)
            jit_unbind(j, r);
    }
}
