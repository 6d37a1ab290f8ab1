/*
 * backend.c - the x86-64 JIT: gen_code over the IR, control flow, helper
 * calls, the inline softmmu TLB path, the shared prologue/epilogue, and
 * ir_backend_x86_64.
 *
 * A block runs inside the frame the prologue set up (callee-saved
 * registers pushed, env in r14, JIT_FRAME_BYTES of spill slots, rsp
 * 16-aligned); it leaves by jumping to the epilogue with the exit value in
 * rax, or chains to another block with a patched jmp (goto_tb) or an
 * indirect jmp (goto_ptr).
 * Invariants:
 *  - Globals are in env at every exit, goto_tb, branch, label, helper call
 *    that may touch them, and guest memory access that misses the TLB (the
 *    only way one may fault and longjmp out, or reach a device: the handler
 *    reads env). The miss path stores the dirty globals itself, so a hit
 *    costs no write-back.
 *  - A helper's return address, and the retaddr passed to a TLB slow path
 *    (the fast path's continuation), lie in (start, end] of their guest
 *    instruction's code: insn_end_off[] is filled like the interpreter's.
 *  - goto_tb's jmp rel32 has a 4-aligned displacement, patched with one
 *    atomic 32-bit store.
 */
#include "tcg/x86_64/jit.h"
#include "kestrel/tlb.h"
#include <stdlib.h>

static const int8_t jit_arg_regs[] = { R_DI, R_SI, R_DX, R_CX, R_8, R_9 };

/* The prologue entry and the two epilogue entries (executable addresses). */
static uintptr_t jit_prologue, jit_epilogue_zero, jit_epilogue_ret;

static void *jit_alloc(size_t n)
{
    void *p = calloc(n ? n : 1, 1);
    if (!p)
        abort();
    return p;
}

/* --- Control flow --- */

static void jit_label_ref(Jit *j, size_t disp_pos, uint64_t label)
{
    j->fixups[j->nb_fixups++] = (JitFixup){ (uint32_t)disp_pos, (uint32_t)label };
}

static void jit_gen_brcond(Jit *j, const IROp *op)
{
    IRCond c = (IRCond)op->args[2];
    JitArg a = jit_ra_arg(j, (IRTemp)op->args[0], false);
    JitArg b = jit_ra_arg(j, (IRTemp)op->args[1], true);
    jit_ra_sync_all(j, false);
    if (c == IR_COND_ALWAYS) {
        jit_label_ref(j, emit_jmp_fwd(&j->b), op->args[3]);
    } else if (c != IR_COND_NEVER) {
        jit_emit_compare(j, c, (IRType)op->type, &a, &b);
        jit_label_ref(j, emit_jcc_fwd(&j->b, jit_cond_cc(c)), op->args[3]);
    }
    jit_ra_op_done(j, op);
}

/*
 * ld t, base, off; brcond t, imm: one cmp of memory against the immediate,
 * when t is read by the brcond only (the block-entry exit_request check).
 * Returns false, emitting nothing, when the pair does not fit.
 */
static bool jit_gen_ld_brcond(Jit *j, const IROp *ld, const IROp *br)
{
    const IRContext *s = j->s;
    IRTemp t = (IRTemp)ld->args[0];
    IRCond c = br->opc == IR_brcond ? (IRCond)br->args[2] : IR_COND_NEVER;
    if (ld->opc != IR_ld || br->opc != IR_brcond || br->args[0] != t ||
        !(br->life & IR_LIFE_DEAD(0)) || (ld->life & IR_LIFE_DEAD(0)) ||
        c < IR_COND_EQ || c > IR_COND_GTU || s->temps[t].kind != IR_TEMP_EBB ||
        s->temps[br->args[1]].kind != IR_TEMP_CONST)
        return false;
    int64_t imm = ld->type == IR_I32 ? (int32_t)s->temps[br->args[1]].value
                                     : (int64_t)s->temps[br->args[1]].value;
    if (imm != (int32_t)imm)
        return false;
    int base = jit_ra_input(j, (IRTemp)ld->args[1]);
    jit_ra_sync_all(j, false);
    bool small = imm == (int8_t)imm;
    JitOpc opc = (small ? OPC_ARITH_EvIb : OPC_ARITH_EvIz) | (ld->type == IR_I64 ? P_W : 0);
    emit_modrm_mem(&j->b, opc, ARITH_CMP, base, -1, (int32_t)ld->args[2]);
    if (small)
        emit_byte(&j->b, (uint8_t)imm);
    else
        emit_u32(&j->b, (uint32_t)imm);
    jit_label_ref(j, emit_jcc_fwd(&j->b, jit_cond_cc(c)), br->args[3]);
    jit_ra_op_done(j, ld);
    jit_ra_free_temp(j, t);
    return true;
}

static void jit_gen_exit(Jit *j, uintptr_t value)
{
    jit_ra_sync_globals(j);
    emit_movi(&j->b, true, R_AX, value);
    emit_jmp_abs(&j->b, jit_epilogue_ret);
}

static void jit_gen_goto_tb(Jit *j, const IROp *op, IRCodeInfo *info)
{
    unsigned slot = (unsigned)op->args[0] & 1;
    jit_ra_sync_globals(j);
    emit_nops(&j->b, (unsigned)(3 - (j->b.pos & 3)));   /* displacement 4-aligned */
    info->jmp_insn_offset[slot] = (uint32_t)j->b.pos;
    emit_jmp_fwd(&j->b);                                 /* rel32 0: the reset path */
    info->jmp_reset_offset[slot] = (uint32_t)j->b.pos;
}

static void jit_gen_goto_ptr(Jit *j, const IROp *op)
{
    int r = jit_ra_input(j, (IRTemp)op->args[0]);
    jit_ra_sync_globals(j);
    emit_modrm(&j->b, OPC_GRP5, EXT5_JMP, r);
    jit_ra_op_done(j, op);
}

/* --- Helper calls --- */

/* An argument that is not in a register: a constant, env, or memory. */
static void jit_load_arg(Jit *j, int dst, IRTemp t)
{
    const IRTempInfo *ti = &j->s->temps[t];
    bool w = ti->type == IR_I64;
    if (ti->kind == IR_TEMP_CONST) {
        emit_movi(&j->b, w, dst, ti->value);
    } else if (ti->kind == IR_TEMP_ENV) {
        emit_mov_rr(&j->b, true, dst, JIT_ENV);
    } else if (j->temps[t].in_mem) {
        int base;
        int32_t disp = jit_ra_mem_disp(j, t, &base);
        emit_ld(&j->b, w, dst, base, disp);
    }
}

/* Free the caller-saved registers; values that outlive the call go to memory. */
static void jit_spill_caller_saved(Jit *j, const IROp *op)
{
    for (int r = 0; r < JIT_NB_REGS; r++) {
        IRTemp t = j->reg_owner[r];
        if (!(JIT_CALLER_SAVED & (1u << r)) || !t)
            continue;
        if (jit_ra_input_dies(op, t))
            jit_ra_free_temp(j, t);
        else
            jit_ra_spill_reg(j, r);
    }
}

/*
 * Argument n goes to jit_arg_regs[n + 1]. Arguments in registers are moved
 * first, as one parallel move (a register freed by the spill above still
 * holds its value; a cycle is broken through rax); then constants and
 * arguments in memory are loaded.
 */
static void jit_call_args(Jit *j, const IROp *op, unsigned nargs)
{
    int src[IR_MAX_CALL_ARGS];
    bool done[IR_MAX_CALL_ARGS];
    for (unsigned i = 0; i < nargs; i++) {
        IRTemp t = (IRTemp)op->args[op->nb_oargs + i];
        IRTempKind k = j->s->temps[t].kind;
        src[i] = k == IR_TEMP_CONST ? -1 : k == IR_TEMP_ENV ? JIT_ENV : j->temps[t].reg;
        done[i] = src[i] < 0 || src[i] == jit_arg_regs[i + 1];
    }
    jit_spill_caller_saved(j, op);
    for (;;) {
        int blocked = -1;
        bool progress = false;
        for (unsigned i = 0; i < nargs; i++) {
            if (done[i])
                continue;
            int dst = jit_arg_regs[i + 1];
            bool busy = false;
            for (unsigned k = 0; k < nargs; k++)
                busy |= k != i && !done[k] && src[k] == dst;
            if (busy) {
                blocked = (int)i;
                continue;
            }
            emit_mov_rr(&j->b, true, dst, src[i]);
            done[i] = progress = true;
        }
        if (blocked < 0)
            break;
        if (!progress) {
            int dst = jit_arg_regs[blocked + 1];
            emit_mov_rr(&j->b, true, R_AX, dst);
            for (unsigned k = 0; k < nargs; k++)
                if (!done[k] && src[k] == dst)
                    src[k] = R_AX;
        }
    }
    for (unsigned i = 0; i < nargs; i++)
        if (src[i] < 0)
            jit_load_arg(j, jit_arg_regs[i + 1], (IRTemp)op->args[op->nb_oargs + i]);
}

static void jit_gen_call(Jit *j, const IROp *op)
{
    const IRHelper *h = ir_op_helper(op);
    bool may_write = !(h->flags & IR_CALL_NO_WRITE_GLOBALS);
    if (!(h->flags & IR_CALL_NO_READ_GLOBALS) || may_write)
        jit_ra_sync_globals(j);
    jit_call_args(j, op, h->nargs);
    emit_mov_rr(&j->b, true, jit_arg_regs[0], JIT_ENV);
    emit_call_abs(&j->b, (uintptr_t)h->func);
    if (may_write)
        jit_ra_forget_globals(j);
    if (op->nb_oargs) {
        IRTemp t = (IRTemp)op->args[0];
        int r = jit_ra_output(j, op, 0);
        emit_mov_rr(&j->b, ir_temp_type(j->s, t) == IR_I64, r, R_AX);
        jit_ra_bind(j, t, r);
    }
    jit_ra_op_done(j, op);
}

/* --- Guest memory: inline TLB hit path, out-of-line miss path --- */

static JitSlowPath *jit_slow_new(Jit *j)
{
    if (j->nb_slow == j->slow_cap) {
        j->slow_cap = j->slow_cap ? j->slow_cap * 2 : 16;
        j->slow = realloc(j->slow, j->slow_cap * sizeof(*j->slow));
        if (!j->slow)
            abort();
    }
    return &j->slow[j->nb_slow++];
}

/*
 * rax = the TLB entry's offset from env; compare the page of the access's
 * last byte with the entry's tag; jne to the slow path; rax = addend.
 * Returns the position of the jne displacement.
 */
static size_t jit_tlb_lookup(Jit *j, int addr, uint32_t memop_mmu, bool is_store)
{
    JitBuf *b = &j->b;
    unsigned size = 1u << (IR_MEMOP_OF(memop_mmu) & MO_SIZE);
    int32_t table = (int32_t)(ir_guest_mem.tlb_offset + (intptr_t)offsetof(SoftTLB, table) +
                              (intptr_t)(IR_MMU_OF(memop_mmu) * TLB_SIZE * sizeof(TLBEntry)));
    int32_t tag = is_store ? offsetof(TLBEntry, addr_write) : offsetof(TLBEntry, addr_read);
    _Static_assert(sizeof(TLBEntry) == 32, "the index scaling assumes 32-byte entries");
    assert(IR_MMU_OF(memop_mmu) < NB_MMU_MODES);
    emit_mov_rr(b, true, R_AX, addr);
    emit_shift_ri(b, SHIFT_SHR, true, R_AX, TLB_PAGE_BITS - 5);
    emit_arith_ri(b, ARITH_AND, false, R_AX, (TLB_SIZE - 1) << 5);
    if (size > 1)
        emit_modrm_mem(b, OPC_LEA | P_W, R_DX, addr, -1, (int32_t)size - 1);
    else
        emit_mov_rr(b, true, R_DX, addr);
    emit_arith_ri(b, ARITH_AND, true, R_DX, (int32_t)TLB_PAGE_MASK);
    emit_modrm_mem(b, (OPC_ARITH_GvEv + (ARITH_CMP << 3)) | P_W, R_DX, JIT_ENV, R_AX, table + tag);
    size_t jne = emit_jcc_fwd(b, CC_NE);
    emit_modrm_mem(b, OPC_MOV_GvEv | P_W, R_AX, JIT_ENV, R_AX,
                   table + (int32_t)offsetof(TLBEntry, addend));
    return jne;
}

/* Registers whose values must survive the slow path's call. */
static uint32_t jit_live_caller_saved(const Jit *j, int except)
{
    uint32_t live = j->locked;
    for (int r = 0; r < JIT_NB_REGS; r++)
        if (j->reg_owner[r])
            live |= 1u << r;
    return live & JIT_CALLER_SAVED & ~(except >= 0 ? 1u << except : 0);
}

static void jit_gen_qemu_ld(Jit *j, const IROp *op)
{
    uint32_t mo_mmu = (uint32_t)op->args[2];
    MemOp mo = IR_MEMOP_OF(mo_mmu);
    IRType t = (IRType)op->type;
    int addr = jit_ra_input(j, (IRTemp)op->args[1]);
    int d = jit_ra_output(j, op, 0);
    JitSlowPath *sp = jit_slow_new(j);
    jit_ra_dirty_globals(j, sp->dirty);
    size_t jne = jit_tlb_lookup(j, addr, mo_mmu, false);
    emit_modrm_mem(&j->b, jit_extend_opc(mo, t), d, addr, R_AX, 0);
    sp->is_store = false;
    sp->type = t;
    sp->memop_mmu = mo_mmu;
    sp->addr = (int8_t)addr;
    sp->val = (int8_t)d;
    sp->save = jit_live_caller_saved(j, d);
    sp->jcc_pos = (uint32_t)jne;
    sp->done_pos = (uint32_t)j->b.pos;
    jit_ra_bind(j, (IRTemp)op->args[0], d);
    jit_ra_op_done(j, op);
}

static void jit_gen_qemu_st(Jit *j, const IROp *op)
{
    uint32_t mo_mmu = (uint32_t)op->args[2];
    MemOp mo = IR_MEMOP_OF(mo_mmu);
    int v = jit_ra_input(j, (IRTemp)op->args[0]);
    int addr = jit_ra_input(j, (IRTemp)op->args[1]);
    JitSlowPath *sp = jit_slow_new(j);
    jit_ra_dirty_globals(j, sp->dirty);
    size_t jne = jit_tlb_lookup(j, addr, mo_mmu, true);
    static const JitOpc store[4] = {
        OPC_MOV_EbGb, OPC_MOV_EvGv | P_66, OPC_MOV_EvGv, OPC_MOV_EvGv | P_W,
    };
    emit_modrm_mem(&j->b, store[mo & MO_SIZE], v, addr, R_AX, 0);
    sp->is_store = true;
    sp->type = (IRType)op->type;
    sp->memop_mmu = mo_mmu;
    sp->addr = (int8_t)addr;
    sp->val = (int8_t)v;
    sp->save = jit_live_caller_saved(j, -1);
    sp->jcc_pos = (uint32_t)jne;
    sp->done_pos = (uint32_t)j->b.pos;
    jit_ra_op_done(j, op);
}

/*
 * The miss path: write back the dirty globals, save live caller-saved registers, call
 * ir_guest_mem.load/store(env, addr, [val,] memop_mmu, retaddr) through the
 * hook (read at run time), extend a loaded value, restore, jump back.
 * retaddr is the fast path's continuation, inside the guest instruction.
 */
static void jit_gen_slow_path(Jit *j, const JitSlowPath *sp)
{
    JitBuf *b = &j->b;
    emit_bind_here(b, sp->jcc_pos);
    for (int r = 0; r < JIT_NB_REGS; r++)
        if (sp->dirty[r])
            jit_ra_store_global(j, sp->dirty[r], r);
    unsigned nb_saved = (unsigned)__builtin_popcount(sp->save);
    for (int r = 0; r < JIT_NB_REGS; r++)
        if (sp->save & (1u << r))
            emit_push(b, r);
    if (nb_saved & 1)
        emit_arith_ri(b, ARITH_SUB, true, R_SP, 8);
    if (sp->is_store)
        emit_mov_rr(b, true, R_DX, sp->val);
    emit_mov_rr(b, true, R_SI, sp->addr);
    emit_mov_rr(b, true, R_DI, JIT_ENV);
    int mo_reg = sp->is_store ? R_CX : R_DX, ra_reg = sp->is_store ? R_8 : R_CX;
    emit_movi(b, false, mo_reg, sp->memop_mmu);
    emit_lea_rip(b, ra_reg, sp->done_pos);
    emit_movi(b, true, R_AX, (uintptr_t)&ir_guest_mem);
    int32_t hook = sp->is_store ? (int32_t)offsetof(IRGuestMem, store)
                                : (int32_t)offsetof(IRGuestMem, load);
    emit_modrm_mem(b, OPC_GRP5, EXT5_CALL, R_AX, -1, hook);
    if (!sp->is_store)
        emit_modrm(b, jit_extend_opc(IR_MEMOP_OF(sp->memop_mmu), sp->type), sp->val, R_AX);
    if (nb_saved & 1)
        emit_arith_ri(b, ARITH_ADD, true, R_SP, 8);
    for (int r = JIT_NB_REGS - 1; r >= 0; r--)
        if (sp->save & (1u << r))
            emit_pop(b, r);
    emit_byte(b, OPC_JMP_long);
    emit_u32(b, (uint32_t)(sp->done_pos - (b->pos + 4)));
}

/* --- The op loop --- */

static void jit_gen_generic(Jit *j, const IROp *op)
{
    const JitOpDef *def = &jit_op_defs[op->opc];
    JitArg a[IR_MAX_OP_ARGS];
    assert(def->emit);
    for (unsigned i = 0; i < op->nb_iargs; i++)
        a[op->nb_oargs + i] = jit_ra_arg(j, (IRTemp)op->args[op->nb_oargs + i],
                                         def->imm_inputs & (1u << i));
    for (unsigned n = 0; n < op->nb_oargs; n++)
        a[n] = (JitArg){ .reg = jit_ra_output(j, op, n) };
    def->emit(j, op, a);
    for (unsigned n = 0; n < op->nb_oargs; n++)
        jit_ra_bind(j, (IRTemp)op->args[n], a[n].reg);
    jit_ra_op_done(j, op);
}

static void jit_gen_op(Jit *j, const IROp *op, IRCodeInfo *info)
{
    switch (op->opc) {
    case IR_insn_start:
        ir_insn_record(j->s, op, j->b.pos);
        return;
    case IR_set_label:
        jit_ra_label(j);
        j->label_off[op->args[0]] = (uint32_t)j->b.pos;
        return;
    case IR_discard:
        jit_ra_free_temp(j, (IRTemp)op->args[0]);
        return;
    case IR_br:
        jit_ra_sync_all(j, true);
        jit_label_ref(j, emit_jmp_fwd(&j->b), op->args[0]);
        return;
    case IR_brcond:
        jit_gen_brcond(j, op);
        return;
    case IR_goto_tb:
        jit_gen_goto_tb(j, op, info);
        return;
    case IR_exit_tb:
        jit_gen_exit(j, (uintptr_t)op->args[0]);
        return;
    case IR_goto_ptr:
        jit_gen_goto_ptr(j, op);
        return;
    case IR_call:
        jit_gen_call(j, op);
        return;
    case IR_qemu_ld:
        jit_gen_qemu_ld(j, op);
        return;
    case IR_qemu_st:
        jit_gen_qemu_st(j, op);
        return;
    case IR_mov:
        if (!jit_ra_mov_rename(j, op))
            jit_gen_generic(j, op);
        return;
    default:
        jit_gen_generic(j, op);
        return;
    }
}

static void jit_finish(Jit *j)
{
    for (uint32_t i = 0; i < j->nb_slow; i++)
        jit_gen_slow_path(j, &j->slow[i]);
    for (uint32_t i = 0; i < j->nb_fixups; i++) {
        uint32_t off = j->label_off[j->fixups[i].label];
        if (off == UINT32_MAX)
            j->b.failed = true;           /* a branch to a label never set */
        emit_patch_u32(&j->b, j->fixups[i].pos, off - (j->fixups[i].pos + 4));
    }
    ir_insn_close(j->s, j->b.pos);
}

static bool jit_gen_code(IRContext *s, uint8_t *buf, size_t room, IRCodeInfo *info)
{
    assert(jit_prologue);
    assert(((uintptr_t)buf & 3) == 0);        /* goto_tb's displacement alignment */
    ir_liveness(s);
    Jit j = {
        .s = s,
        .b = { .buf = buf, .rx = (uintptr_t)code_cache_rx(buf), .room = room },
        .temps = jit_alloc(s->nb_temps * sizeof(JitTemp)),
        .label_off = jit_alloc(s->nb_labels * sizeof(uint32_t)),
        .fixups = jit_alloc(s->nb_ops * sizeof(JitFixup)),
    };
    memset(j.label_off, 0xff, s->nb_labels * sizeof(uint32_t));
    jit_ra_reset(&j);
    *info = (IRCodeInfo){ .jmp_insn_offset = { UINT32_MAX, UINT32_MAX },
                          .jmp_reset_offset = { UINT32_MAX, UINT32_MAX } };
    s->nb_insns = 0;
    for (uint32_t i = 0; i < s->nb_ops; i++) {
        if (i + 1 < s->nb_ops && jit_gen_ld_brcond(&j, &s->ops[i], &s->ops[i + 1]))
            i++;
        else
            jit_gen_op(&j, &s->ops[i], info);
    }
    /* A block that would run off its end (ir_check rejects it) exits instead. */
    IROpcode last = s->nb_ops ? s->ops[s->nb_ops - 1].opc : IR_set_label;
    if (last != IR_exit_tb && last != IR_goto_ptr && last != IR_br)
        jit_gen_exit(&j, 0);
    jit_finish(&j);
    info->size = (uint32_t)j.b.pos;
    free(j.temps);
    free(j.label_off);
    free(j.fixups);
    free(j.slow);
    return !j.b.failed;
}

/* --- Prologue, epilogue, entry --- */

static const int8_t jit_saved_regs[] = { R_BP, R_BX, R_12, R_13, R_14, R_15 };

static void jit_gen_prologue(JitBuf *b)
{
    for (unsigned i = 0; i < ARRAY_SIZE(jit_saved_regs); i++)
        emit_push(b, jit_saved_regs[i]);
    emit_mov_rr(b, true, JIT_ENV, R_DI);
    emit_arith_ri(b, ARITH_SUB, true, R_SP, JIT_FRAME_BYTES);
    emit_modrm(b, OPC_GRP5, EXT5_JMP, R_SI);
    jit_epilogue_zero = emit_rx_here(b);
    emit_arith_rr(b, ARITH_XOR, false, R_AX, R_AX);
    jit_epilogue_ret = emit_rx_here(b);
    emit_arith_ri(b, ARITH_ADD, true, R_SP, JIT_FRAME_BYTES);
    for (unsigned i = ARRAY_SIZE(jit_saved_regs); i-- > 0;)
        emit_pop(b, jit_saved_regs[i]);
    emit_byte(b, OPC_RET);
}

static bool jit_init(void)
{
    if (jit_prologue && code_cache_contains(jit_prologue))
        return true;
    if (!__builtin_cpu_supports("popcnt"))
        return false;
    uint8_t *buf = code_cache_ptr();
    JitBuf b = { .buf = buf, .rx = (uintptr_t)code_cache_rx(buf), .room = code_cache_room() };
    jit_gen_prologue(&b);
    if (b.failed)
        return false;
    jit_prologue = b.rx;
    code_cache_commit(b.pos);
    code_cache_keep_committed();
    return true;
}

typedef uintptr_t (*JitEntry)(void *env, const void *code);

static uintptr_t jit_exec(void *env, const void *code)
{
    JitEntry entry;
    memcpy(&entry, &jit_prologue, sizeof(entry));
    return entry(env, code);
}

/* code is the block's writable view; target an executable address or NULL. */
static void jit_set_jmp_target(uint8_t *code, const IRCodeInfo *info, unsigned slot,
                               const void *target)
{
    uint8_t *jmp = code + info->jmp_insn_offset[slot];
    uintptr_t rx_code = (uintptr_t)code_cache_rx(code);
    uintptr_t dest = target ? (uintptr_t)target : rx_code + info->jmp_reset_offset[slot];
    int64_t disp = (int64_t)dest - (int64_t)(rx_code + info->jmp_insn_offset[slot] + 5);
    assert(disp == (int32_t)disp);
    code_cache_patch32(jmp + 1, (uint32_t)disp);
}

static const void *jit_epilogue(void)
{
    return (const void *)jit_epilogue_zero;
}

const IRBackend ir_backend_x86_64 = {
    .name = "jit",
    .init = jit_init,
    .gen_code = jit_gen_code,
    .exec = jit_exec,
    .set_jmp_target = jit_set_jmp_target,
    .epilogue = jit_epilogue,
};
