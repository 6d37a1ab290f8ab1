/*
 * ir.c - the IR builder: the op table, contexts, temps, labels, emitters.
 *
 * Invariants:
 *  - temps[0] is unused (IR_NO_TEMP); temps 1..nb_globals are the env
 *    pointer (temp 1) and the registered globals, kept by ir_reset().
 *  - A CONST temp holds its value normalized to its type (an I32 constant
 *    is zero-extended) and is interned: one temp per (type, value) per block.
 *  - An op's args are its outputs, then its inputs (temps), then its
 *    constant arguments; a call's one constant is its IRHelper pointer and
 *    its inputs are all I64 (the builder zero-extends I32 arguments).
 *  - IRLabel pointers stay valid for the life of the context: the label
 *    array is allocated once at its maximum size and never moves.
 */
#include "tcg/ir-internal.h"
#include "tcg/ir-eval.h"
#include "kestrel/tlb.h"
#include <stdlib.h>

const IROpDef ir_op_defs[IR_NB_OPS] = {
#define IR_OPDEF(n, o, i, c, f) [IR_##n] = { #n, o, i, c, f },
    IR_OPS(IR_OPDEF)
#undef IR_OPDEF
};

/* Labels per block: a translation block is capped far below this. */
#define IR_MAX_LABELS 16384

typedef struct IRContextPriv {
    IRContext pub;
    IRTemp *const_hash;       /* open addressing on (type, value); 0 = empty */
    uint32_t const_hash_size; /* power of two */
    uint32_t nb_consts;
} IRContextPriv;

static IRContextPriv *ir_priv(IRContext *s)
{
    return container_of(s, IRContextPriv, pub);
}

static void *ir_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q)
        abort();              /* out of host memory: nothing sensible to do */
    return q;
}

/* --- Conditions --- */

IRCond ir_cond_invert(IRCond c)
{
    static const IRCond inv[] = {
        [IR_COND_NEVER] = IR_COND_ALWAYS, [IR_COND_ALWAYS] = IR_COND_NEVER,
        [IR_COND_EQ] = IR_COND_NE, [IR_COND_NE] = IR_COND_EQ,
        [IR_COND_LT] = IR_COND_GE, [IR_COND_GE] = IR_COND_LT,
        [IR_COND_LE] = IR_COND_GT, [IR_COND_GT] = IR_COND_LE,
        [IR_COND_LTU] = IR_COND_GEU, [IR_COND_GEU] = IR_COND_LTU,
        [IR_COND_LEU] = IR_COND_GTU, [IR_COND_GTU] = IR_COND_LEU,
        [IR_COND_TSTEQ] = IR_COND_TSTNE, [IR_COND_TSTNE] = IR_COND_TSTEQ,
    };
    return inv[c];
}

IRCond ir_cond_swap(IRCond c)
{
    static const IRCond swp[] = {
        [IR_COND_NEVER] = IR_COND_NEVER, [IR_COND_ALWAYS] = IR_COND_ALWAYS,
        [IR_COND_EQ] = IR_COND_EQ, [IR_COND_NE] = IR_COND_NE,
        [IR_COND_LT] = IR_COND_GT, [IR_COND_GE] = IR_COND_LE,
        [IR_COND_LE] = IR_COND_GE, [IR_COND_GT] = IR_COND_LT,
        [IR_COND_LTU] = IR_COND_GTU, [IR_COND_GEU] = IR_COND_LEU,
        [IR_COND_LEU] = IR_COND_GEU, [IR_COND_GTU] = IR_COND_LTU,
        [IR_COND_TSTEQ] = IR_COND_TSTEQ, [IR_COND_TSTNE] = IR_COND_TSTNE,
    };
    return swp[c];
}

bool ir_cond_eval(IRCond c, IRType t, uint64_t a, uint64_t b)
{
    return ir_eval_cond(c, t, ir_eval_norm(t, a), ir_eval_norm(t, b));
}

/* --- Context --- */

static IRTemp ir_temp_alloc(IRContext *s, IRType t, IRTempKind kind)
{
    if (s->nb_temps == s->temps_cap) {
        s->temps_cap *= 2;
        s->temps = ir_xrealloc(s->temps, s->temps_cap * sizeof(*s->temps));
    }
    IRTemp n = s->nb_temps++;
    s->temps[n] = (IRTempInfo){ .type = t, .kind = kind };
    return n;
}

IRContext *ir_context_new(void)
{
    IRContextPriv *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    IRContext *s = &p->pub;
    s->temps_cap = 256;
    s->temps = ir_xrealloc(NULL, s->temps_cap * sizeof(*s->temps));
    s->ops_cap = 256;
    s->ops = ir_xrealloc(NULL, s->ops_cap * sizeof(*s->ops));
    s->labels_cap = IR_MAX_LABELS;
    s->labels = ir_xrealloc(NULL, s->labels_cap * sizeof(*s->labels));
    p->const_hash_size = 64;
    p->const_hash = calloc(p->const_hash_size, sizeof(*p->const_hash));
    if (!p->const_hash)
        abort();
    s->nb_temps = 1;
    s->temps[0] = (IRTempInfo){ .type = IR_I64, .kind = IR_TEMP_EBB };
    s->env = ir_temp_alloc(s, IR_I64, IR_TEMP_ENV);
    s->temps[s->env].name = "env";
    s->nb_globals = 1;
    return s;
}

void ir_context_free(IRContext *s)
{
    if (!s)
        return;
    IRContextPriv *p = ir_priv(s);
    free(s->ops);
    free(s->temps);
    free(s->labels);
    free(s->insn_end_off);
    free(s->insn_data);
    free(p->const_hash);
    free(p);
}

void ir_reset(IRContext *s)
{
    IRContextPriv *p = ir_priv(s);
    s->nb_ops = 0;
    s->nb_temps = s->nb_globals + 1;
    s->nb_labels = 0;
    s->nb_insns = 0;
    memset(p->const_hash, 0, p->const_hash_size * sizeof(*p->const_hash));
    p->nb_consts = 0;
}

/* --- Guest instruction boundaries (filled by the backends) --- */

void ir_insn_record(IRContext *s, const IROp *op, size_t code_pos)
{
    if (s->nb_insns == s->insn_cap) {
        s->insn_cap = s->insn_cap ? s->insn_cap * 2 : 64;
        s->insn_end_off = realloc(s->insn_end_off, s->insn_cap * sizeof(*s->insn_end_off));
        s->insn_data = realloc(s->insn_data, s->insn_cap * sizeof(*s->insn_data));
        if (!s->insn_end_off || !s->insn_data)
            abort();
    }
    ir_insn_close(s, code_pos);
    memcpy(s->insn_data[s->nb_insns], &op->args[0], sizeof(s->insn_data[0]));
    s->nb_insns++;
}

void ir_insn_close(IRContext *s, size_t code_pos)
{
    if (s->nb_insns)
        s->insn_end_off[s->nb_insns - 1] = (uint32_t)code_pos;
}

IRTemp ir_global_new(IRContext *s, IRType t, intptr_t env_offset, const char *name)
{
    /* Globals must be registered before the first block is built. */
    assert(s->nb_temps == s->nb_globals + 1 && s->nb_ops == 0);
    IRTemp g = ir_temp_alloc(s, t, IR_TEMP_GLOBAL);
    s->temps[g].env_offset = env_offset;
    s->temps[g].name = name;
    s->nb_globals++;
    return g;
}

/* --- Temps --- */

IRTemp ir_temp_new(IRContext *s, IRType t)
{
    return ir_temp_alloc(s, t, IR_TEMP_EBB);
}

IRTemp ir_temp_tb(IRContext *s, IRType t)
{
    return ir_temp_alloc(s, t, IR_TEMP_TB);
}

static uint32_t ir_const_hash(IRType t, uint64_t v)
{
    uint64_t h = (v ^ (uint64_t)t << 63) * 0x9e3779b97f4a7c15ULL;
    return (uint32_t)(h >> 32);
}

static void ir_const_insert(IRContextPriv *p, IRTemp n)
{
    const IRTempInfo *ti = &p->pub.temps[n];
    uint32_t mask = p->const_hash_size - 1;
    uint32_t i = ir_const_hash(ti->type, ti->value) & mask;
    while (p->const_hash[i])
        i = (i + 1) & mask;
    p->const_hash[i] = n;
}

static void ir_const_grow(IRContextPriv *p)
{
    free(p->const_hash);
    p->const_hash_size *= 2;
    p->const_hash = calloc(p->const_hash_size, sizeof(*p->const_hash));
    if (!p->const_hash)
        abort();
    for (IRTemp n = p->pub.nb_globals + 1; n < p->pub.nb_temps; n++)
        if (p->pub.temps[n].kind == IR_TEMP_CONST)
            ir_const_insert(p, n);
}

IRTemp ir_const(IRContext *s, IRType t, uint64_t value)
{
    IRContextPriv *p = ir_priv(s);
    value = ir_eval_norm(t, value);
    uint32_t mask = p->const_hash_size - 1;
    for (uint32_t i = ir_const_hash(t, value) & mask; p->const_hash[i]; i = (i + 1) & mask) {
        const IRTempInfo *ti = &s->temps[p->const_hash[i]];
        if (ti->type == t && ti->value == value)
            return p->const_hash[i];
    }
    if (2 * (p->nb_consts + 1) > p->const_hash_size)
        ir_const_grow(p);
    IRTemp n = ir_temp_alloc(s, t, IR_TEMP_CONST);
    s->temps[n].value = value;
    p->nb_consts++;
    ir_const_insert(p, n);
    return n;
}

/* --- Labels --- */

IRLabel *ir_label_new(IRContext *s)
{
    assert(s->nb_labels < s->labels_cap);
    IRLabel *l = &s->labels[s->nb_labels];
    *l = (IRLabel){ .id = s->nb_labels++ };
    return l;
}

void ir_set_label(IRContext *s, IRLabel *l)
{
    l->present = true;
    ir_emit(s, IR_set_label, IR_I64, (uint64_t[]){ l->id });
}

/* --- Emitters --- */

static IROp *ir_op_push(IRContext *s, IROpcode opc, IRType type)
{
    if (s->nb_ops == s->ops_cap) {
        s->ops_cap *= 2;
        s->ops = ir_xrealloc(s->ops, s->ops_cap * sizeof(*s->ops));
    }
    IROp *op = &s->ops[s->nb_ops++];
    memset(op, 0, sizeof(*op));
    op->opc = (uint8_t)opc;
    op->type = (uint8_t)type;
    op->nb_oargs = ir_op_defs[opc].nb_oargs;
    op->nb_iargs = ir_op_defs[opc].nb_iargs;
    return op;
}

IROp *ir_emit(IRContext *s, IROpcode opc, IRType type, const uint64_t *args)
{
    IROp *op = ir_op_push(s, opc, type);
    unsigned n = op->nb_oargs + op->nb_iargs + ir_op_defs[opc].nb_cargs;
    memcpy(op->args, args, n * sizeof(*args));
    return op;
}

void ir_op1(IRContext *s, IROpcode opc, IRTemp d, IRTemp a)
{
    ir_emit(s, opc, ir_temp_type(s, d), (uint64_t[]){ d, a });
}

void ir_op2(IRContext *s, IROpcode opc, IRTemp d, IRTemp a, IRTemp b)
{
    ir_emit(s, opc, ir_temp_type(s, d), (uint64_t[]){ d, a, b });
}

void ir_op2i(IRContext *s, IROpcode opc, IRTemp d, IRTemp a, uint64_t imm)
{
    ir_op2(s, opc, d, a, ir_const(s, ir_temp_type(s, a), imm));
}

void ir_movi(IRContext *s, IRTemp d, uint64_t imm)
{
    ir_mov(s, d, ir_const(s, ir_temp_type(s, d), imm));
}

void ir_setcond(IRContext *s, IRCond c, IRTemp d, IRTemp a, IRTemp b)
{
    ir_emit(s, IR_setcond, ir_temp_type(s, d), (uint64_t[]){ d, a, b, c });
}

void ir_movcond(IRContext *s, IRCond c, IRTemp d, IRTemp c1, IRTemp c2, IRTemp v1, IRTemp v2)
{
    ir_emit(s, IR_movcond, ir_temp_type(s, d), (uint64_t[]){ d, c1, c2, v1, v2, c });
}

void ir_brcond(IRContext *s, IRCond c, IRTemp a, IRTemp b, IRLabel *l)
{
    l->referenced = true;
    ir_emit(s, IR_brcond, ir_temp_type(s, a), (uint64_t[]){ a, b, c, l->id });
}

void ir_brcondi(IRContext *s, IRCond c, IRTemp a, uint64_t imm, IRLabel *l)
{
    ir_brcond(s, c, a, ir_const(s, ir_temp_type(s, a), imm), l);
}

void ir_br(IRContext *s, IRLabel *l)
{
    l->referenced = true;
    ir_emit(s, IR_br, IR_I64, (uint64_t[]){ l->id });
}

void ir_mulu2(IRContext *s, IRTemp lo, IRTemp hi, IRTemp a, IRTemp b)
{
    ir_emit(s, IR_mulu2, ir_temp_type(s, lo), (uint64_t[]){ lo, hi, a, b });
}

void ir_muls2(IRContext *s, IRTemp lo, IRTemp hi, IRTemp a, IRTemp b)
{
    ir_emit(s, IR_muls2, ir_temp_type(s, lo), (uint64_t[]){ lo, hi, a, b });
}

void ir_deposit(IRContext *s, IRTemp d, IRTemp a, IRTemp b, unsigned pos, unsigned len)
{
    ir_emit(s, IR_deposit, ir_temp_type(s, d), (uint64_t[]){ d, a, b, pos, len });
}

void ir_extract(IRContext *s, IRTemp d, IRTemp a, unsigned pos, unsigned len)
{
    ir_emit(s, IR_extract, ir_temp_type(s, d), (uint64_t[]){ d, a, pos, len });
}

void ir_sextract(IRContext *s, IRTemp d, IRTemp a, unsigned pos, unsigned len)
{
    ir_emit(s, IR_sextract, ir_temp_type(s, d), (uint64_t[]){ d, a, pos, len });
}

/* Conversions are typed by their output (I64 for extu/exts, I32 for extrl/extrh). */
void ir_extu_i32_i64(IRContext *s, IRTemp d64, IRTemp a32)
{
    ir_op1(s, IR_extu_i32_i64, d64, a32);
}

void ir_exts_i32_i64(IRContext *s, IRTemp d64, IRTemp a32)
{
    ir_op1(s, IR_exts_i32_i64, d64, a32);
}

void ir_extrl_i64_i32(IRContext *s, IRTemp d32, IRTemp a64)
{
    ir_op1(s, IR_extrl_i64_i32, d32, a64);
}

void ir_extrh_i64_i32(IRContext *s, IRTemp d32, IRTemp a64)
{
    ir_op1(s, IR_extrh_i64_i32, d32, a64);
}

void ir_ld(IRContext *s, IROpcode opc, IRTemp d, IRTemp base, intptr_t off)
{
    ir_emit(s, opc, ir_temp_type(s, d), (uint64_t[]){ d, base, (uint64_t)off });
}

void ir_st(IRContext *s, IROpcode opc, IRTemp v, IRTemp base, intptr_t off)
{
    ir_emit(s, opc, ir_temp_type(s, v), (uint64_t[]){ v, base, (uint64_t)off });
}

void ir_qemu_ld(IRContext *s, IRTemp d, IRTemp addr, MemOp mo, unsigned mmu_idx)
{
    assert(mmu_idx < NB_MMU_MODES);
    ir_emit(s, IR_qemu_ld, ir_temp_type(s, d), (uint64_t[]){ d, addr, IR_MEMOP_MMU(mo, mmu_idx) });
}

void ir_qemu_st(IRContext *s, IRTemp v, IRTemp addr, MemOp mo, unsigned mmu_idx)
{
    assert(mmu_idx < NB_MMU_MODES);
    ir_emit(s, IR_qemu_st, ir_temp_type(s, v), (uint64_t[]){ v, addr, IR_MEMOP_MMU(mo, mmu_idx) });
}

/* A call argument as an I64 temp: I32 values are zero-extended. */
static IRTemp ir_call_arg(IRContext *s, IRTemp a)
{
    if (ir_temp_type(s, a) == IR_I64)
        return a;
    if (ir_temp_is_const(s, a))
        return ir_const(s, IR_I64, s->temps[a].value);
    IRTemp w = ir_temp_new(s, IR_I64);
    ir_extu_i32_i64(s, w, a);
    return w;
}

void ir_call(IRContext *s, const IRHelper *h, IRTemp ret, const IRTemp *args)
{
    assert(h->nargs <= IR_MAX_CALL_ARGS);
    uint64_t a[IR_MAX_OP_ARGS];
    unsigned n = 0;
    if (ret != IR_NO_TEMP)
        a[n++] = ret;
    for (unsigned i = 0; i < h->nargs; i++)
        a[n++] = ir_call_arg(s, args[i]);
    a[n] = (uintptr_t)h;
    IROp *op = ir_op_push(s, IR_call, IR_I64);
    op->nb_oargs = ret != IR_NO_TEMP;
    op->nb_iargs = h->nargs;
    memcpy(op->args, a, (n + 1) * sizeof(a[0]));
}

void ir_insn_start(IRContext *s, uint64_t pc, uint64_t cc_op)
{
    ir_emit(s, IR_insn_start, IR_I64, (uint64_t[]){ pc, cc_op });
}

void ir_goto_tb(IRContext *s, unsigned slot)
{
    assert(slot < 2);
    ir_emit(s, IR_goto_tb, IR_I64, (uint64_t[]){ slot });
}

void ir_exit_tb(IRContext *s, uintptr_t value)
{
    ir_emit(s, IR_exit_tb, IR_I64, (uint64_t[]){ value });
}

void ir_goto_ptr(IRContext *s, IRTemp host_code)
{
    ir_emit(s, IR_goto_ptr, IR_I64, (uint64_t[]){ host_code });
}

void ir_discard(IRContext *s, IRTemp t)
{
    ir_emit(s, IR_discard, ir_temp_type(s, t), (uint64_t[]){ t });
}

/* --- Helpers for the passes --- */

void ir_ops_compact(IRContext *s)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->nb_ops; i++)
        if (s->ops[i].opc != IR_OP_REMOVED)
            s->ops[n++] = s->ops[i];
    s->nb_ops = n;
}

void ir_labels_recount(IRContext *s, uint32_t *refs)
{
    memset(refs, 0, s->nb_labels * sizeof(*refs));
    for (uint32_t i = 0; i < s->nb_ops; i++) {
        IROp *op = &s->ops[i];
        if (op->opc == IR_br || op->opc == IR_brcond)
            refs[ir_op_cargs(op)[op->opc == IR_brcond]]++;
    }
    for (uint32_t l = 0; l < s->nb_labels; l++)
        s->labels[l].referenced = refs[l] != 0;
}
