/*
 * translate.c - x86 translator core: block structure, operand access,
 * addressing, the stack, block exits, and dispatch of a decoded Insn to
 * its per-instruction code (translate-{alu,cc,shift,control,string,system}.c).
 *
 * Block layout: an exit check on env->exit_request, with -icount (HF_ICOUNT)
 * a check and charge of the instruction budget, then per instruction
 * ir_insn_start(EIP, static cc_op) followed by its code. The block stops
 * after an IA_END_TB instruction or one that emitted its own exits, at
 * max_insns, before an instruction that starts (or, except the first,
 * ends) on another page than the block start, or after one instruction
 * with TF set or with the interrupt shadow active.
 *
 * Exits: direct jumps to the block's page chain with goto_tb/exit_tb(tb|slot);
 * other jumps store EIP, probe the jump cache inline (x86_gen_jmp_cache_probe)
 * and go through helper_lookup_tb_ptr + goto_ptr only on a miss;
 * state-changing instructions store EIP and exit_tb(0). Every exit first
 * stores the static cc_op. Exceptions known at translation time (#UD, #GP
 * for privilege, #NM) and inline checks (segment limits) store EIP and
 * cc_op before calling the raise helper; faults inside helpers and memory
 * accesses rely on cpu_restore_state() with the insn_start data.
 *
 * x86_translate_block() finishes with ir_optimize(); with -d op the IR is
 * logged before and after.
 */
#include "cpu/translate.h"
#include "cpu/exec-internal.h"
#include "kestrel/log.h"
#include <stdlib.h>

X86Globals x86_globals;

static const char *const x86_reg_names[16] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

void x86_translate_init(IRContext *s)
{
    for (int i = 0; i < 16; i++) {
        x86_globals.regs[i] = ir_global_new(s, IR_I64, offsetof(CPUX86State, regs[i]),
                                            x86_reg_names[i]);
    }
    x86_globals.cc_dst = ir_global_new(s, IR_I64, offsetof(CPUX86State, cc_dst), "cc_dst");
    x86_globals.cc_src = ir_global_new(s, IR_I64, offsetof(CPUX86State, cc_src), "cc_src");
    x86_globals.cc_src2 = ir_global_new(s, IR_I64, offsetof(CPUX86State, cc_src2), "cc_src2");
    x86_globals.cc_op = ir_global_new(s, IR_I64, offsetof(CPUX86State, cc_op), "cc_op");
}

/* --- temps and small utilities --- */

IRTemp x86_tmp(DisasContext *dc)
{
    /* With inline limit checks a label may appear inside any operand
     * access, so every temp must survive labels. */
    return dc->segchk ? ir_temp_tb(dc->s, IR_I64) : ir_temp_new(dc->s, IR_I64);
}

IRTemp x86_const(DisasContext *dc, uint64_t v)
{
    return ir_const(dc->s, IR_I64, v);
}

uint64_t x86_size_mask(int size)
{
    return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

void x86_ext(DisasContext *dc, IRTemp d, IRTemp a, int size, bool sign)
{
    static const IROpcode ext[2][3] = {
        { IR_ext8u, IR_ext16u, IR_ext32u },
        { IR_ext8s, IR_ext16s, IR_ext32s },
    };
    if (size >= 8) {
        if (d != a) {
            ir_mov(dc->s, d, a);
        }
        return;
    }
    ir_op1(dc->s, ext[sign][size == 1 ? 0 : size == 2 ? 1 : 2], d, a);
}

/* --- lazy cc_op bookkeeping --- */

void x86_set_cc_op(DisasContext *dc, CCOp op)
{
    dc->cc_src1_valid = false;
    if (op != dc->cc_op) {
        dc->cc_op = op;
        dc->cc_op_dirty = op != CC_OP_DYNAMIC;
    }
}

void x86_sync_cc_op(DisasContext *dc)
{
    if (dc->cc_op_dirty) {
        ir_movi(dc->s, x86_globals.cc_op, dc->cc_op);
        dc->cc_op_dirty = false;
    }
}

void x86_cc_op_from_helper(DisasContext *dc, CCOp op)
{
    dc->cc_op = op;
    dc->cc_op_dirty = false;
    dc->cc_src1_valid = false;
}

void x86_call_helper(DisasContext *dc, const IRHelper *h, IRTemp ret, const IRTemp *args)
{
    x86_sync_cc_op(dc);
    ir_call(dc->s, h, ret, args);
}

/* --- registers and operands --- */

IRTemp x86_ld_reg(DisasContext *dc, int reg, int size, bool high8)
{
    IRTemp t = x86_tmp(dc);
    if (high8) {
        ir_extract(dc->s, t, G_REG(reg), 8, 8);
    } else {
        x86_ext(dc, t, G_REG(reg), size, false);
    }
    return t;
}

void x86_reg_merge(DisasContext *dc, IRTemp d, IRTemp old, int size, bool high8, IRTemp v)
{
    switch (size) {
    case 1: ir_deposit(dc->s, d, old, v, high8 ? 8 : 0, 8); break;
    case 2: ir_deposit(dc->s, d, old, v, 0, 16); break;
    case 4: ir_op1(dc->s, IR_ext32u, d, v); break;
    default: ir_mov(dc->s, d, v); break;
    }
}

void x86_st_reg(DisasContext *dc, int reg, int size, bool high8, IRTemp v)
{
    x86_reg_merge(dc, G_REG(reg), G_REG(reg), size, high8, v);
}

static MemOp x86_memop(int size, bool sign)
{
    MemOp mo = size == 1 ? MO_8 : size == 2 ? MO_16 : size == 4 ? MO_32 : MO_64;
    return sign && size < 8 ? mo | MO_SIGN : mo;
}

IRTemp x86_ld_mem(DisasContext *dc, IRTemp addr, int size, bool sign)
{
    IRTemp t = x86_tmp(dc);
    ir_qemu_ld(dc->s, t, addr, x86_memop(size, sign), dc->mem_idx);
    return t;
}

void x86_st_mem(DisasContext *dc, IRTemp addr, IRTemp v, int size)
{
    ir_qemu_st(dc->s, v, addr, x86_memop(size, false), dc->mem_idx);
}

IRTemp x86_ld_op(DisasContext *dc, const Operand *op)
{
    IRTemp t;
    switch (op->kind) {
    case OPK_REG:
        return x86_ld_reg(dc, op->reg, op->size, op->high8);
    case OPK_MEM: {
        /* The load of a read-modify-write faults as its write would (#PF W bit). */
        MemOp rmw = dc->mem_write && op == &dc->insn->ops[0] ? MO_RMW : 0;
        t = x86_tmp(dc);
        ir_qemu_ld(dc->s, t, x86_mem_addr(dc, op->size), x86_memop(op->size, false) | rmw,
                   dc->mem_idx);
        return t;
    }
    case OPK_SREG:
        t = x86_tmp(dc);
        ir_ld(dc->s, IR_ld32u, t, dc->s->env, offsetof(CPUX86State, segs[op->reg].selector));
        return t;
    default:
        return x86_const(dc, (uint64_t)op->imm & x86_size_mask(op->size ? op->size : 8));
    }
}

void x86_st_op(DisasContext *dc, const Operand *op, IRTemp v)
{
    if (op->kind == OPK_MEM) {
        x86_st_mem(dc, x86_mem_addr(dc, op->size), v, op->size);
    } else {
        assert(op->kind == OPK_REG);
        x86_st_reg(dc, op->reg, op->size, op->high8, v);
    }
}

/* --- addressing --- */

IRTemp x86_ea_offset(DisasContext *dc)
{
    const MemAddr *m = &dc->insn->mem;
    IRTemp ea = x86_tmp(dc);
    int aw = dc->insn->addrsize;

    if (m->base == MEM_RIP) {
        ir_movi(dc->s, ea, dc->next_pc + (uint64_t)m->disp);
    } else {
        bool have = false;
        if (m->base != MEM_NO_REG) {
            ir_mov(dc->s, ea, G_REG(m->base));
            have = true;
        }
        if (m->index != MEM_NO_REG) {
            IRTemp ix = x86_tmp(dc);
            ir_shli(dc->s, ix, G_REG(m->index), m->scale);
            if (have) {
                ir_add(dc->s, ea, ea, ix);
            } else {
                ir_mov(dc->s, ea, ix);
            }
            have = true;
        }
        if (!have) {
            ir_movi(dc->s, ea, (uint64_t)m->disp);
        } else if (m->disp) {
            ir_addi(dc->s, ea, ea, (uint64_t)m->disp);
        }
    }
    x86_ext(dc, ea, ea, aw, false);
    return ea;
}

/*
 * Inline segment check of an access to [off, off + size - 1]: the segment
 * must be usable for the access (present; writable data for a write; not
 * execute-only code for a read) and the range within the limit (inverted
 * for expand-down data). Raises #GP(0), or #SS(0) for SS.
 */
static void x86_seg_check(DisasContext *dc, int seg, IRTemp off, int size, bool write)
{
    IRContext *s = dc->s;
    IRLabel *ok = ir_label_new(s);
    IRTemp end = x86_tmp(dc), limit = x86_tmp(dc), fl = x86_tmp(dc);
    IRTemp up = x86_tmp(dc), dn = x86_tmp(dc), t = x86_tmp(dc), upper = x86_tmp(dc);
    IRTemp bad = x86_tmp(dc);

    ir_addi(s, end, off, size - 1);
    ir_ld(s, IR_ld32u, limit, s->env, offsetof(CPUX86State, segs[seg].limit));
    ir_ld(s, IR_ld32u, fl, s->env, offsetof(CPUX86State, segs[seg].flags));
    ir_setcond(s, IR_COND_GTU, up, end, limit);
    /* expand-down data segment: valid offsets are limit+1 .. 0xffff or 0xffffffff */
    ir_movcond(s, IR_COND_TSTNE, upper, fl, x86_const(dc, DESC_B_MASK),
               x86_const(dc, 0xffffffff), x86_const(dc, 0xffff));
    ir_setcond(s, IR_COND_GTU, t, end, upper);
    ir_setcond(s, IR_COND_LEU, dn, off, limit);
    ir_or(s, dn, dn, t);
    ir_andi(s, t, fl, DESC_CS_MASK | DESC_E_MASK);
    ir_movcond(s, IR_COND_EQ, bad, t, x86_const(dc, DESC_E_MASK), dn, up);
    /* rights: compare the type bits that matter with the required pattern */
    if (write) {
        ir_andi(s, t, fl, DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_W_MASK);
        ir_setcond(s, IR_COND_NE, t, t, x86_const(dc, DESC_P_MASK | DESC_S_MASK | DESC_W_MASK));
    } else {
        ir_andi(s, t, fl, DESC_P_MASK | DESC_CS_MASK | DESC_R_MASK);
        ir_setcond(s, IR_COND_NE, upper, t, x86_const(dc, DESC_P_MASK | DESC_CS_MASK));
        ir_andi(s, t, t, DESC_P_MASK);
        ir_setcond(s, IR_COND_EQ, t, t, x86_const(dc, 0));
        ir_xori(s, upper, upper, 1);              /* execute-only code */
        ir_or(s, t, t, upper);
    }
    ir_or(s, bad, bad, t);
    x86_sync_cc_op(dc);
    ir_brcondi(s, IR_COND_EQ, bad, 0, ok);
    x86_raise_err(dc, seg == R_SS ? EXCP_SS : EXCP_GP, 0);
    ir_set_label(s, ok);
}

IRTemp x86_seg_linear(DisasContext *dc, int seg, IRTemp off, int size, int aw, bool write)
{
    IRContext *s = dc->s;
    bool add_base;

    if (dc->code64) {
        add_base = seg == R_FS || seg == R_GS;
    } else {
        add_base = !(dc->pe && !dc->vm86 && !dc->addseg &&
                     (seg == R_ES || seg == R_SS || seg == R_DS));
        /* Real-mode 16-bit offsets cannot leave a 64 KiB segment. */
        if ((dc->segchk & (1u << seg)) && !(!dc->pe && aw == 2)) {
            x86_seg_check(dc, seg, off, size, write);
        }
    }
    IRTemp lin = x86_tmp(dc);
    if (add_base) {
        IRTemp base = x86_tmp(dc);
        ir_ld(s, IR_ld, base, s->env, offsetof(CPUX86State, segs[seg].base));
        ir_add(s, lin, off, base);
        if (!dc->code64) {
            ir_op1(s, IR_ext32u, lin, lin);
        }
    } else {
        ir_mov(s, lin, off);
    }
    return lin;
}

IRTemp x86_mem_addr(DisasContext *dc, int size)
{
    if (dc->a0 == IR_NO_TEMP) {
        IRTemp off = x86_ea_offset(dc);
        dc->a0 = x86_seg_linear(dc, dc->insn->mem.seg, off, size ? size : 1,
                                dc->insn->addrsize, dc->mem_write);
    }
    return dc->a0;
}

/* --- stack --- */

int x86_stack_size(DisasContext *dc)
{
    return dc->code64 ? 8 : dc->ss32 ? 4 : 2;
}

IRTemp x86_stack_addr(DisasContext *dc, IRTemp sp, int64_t offset, int size)
{
    int ssz = x86_stack_size(dc);
    IRTemp off = x86_tmp(dc);
    ir_addi(dc->s, off, sp, (uint64_t)offset);
    x86_ext(dc, off, off, ssz, false);
    return x86_seg_linear(dc, R_SS, off, size, ssz, true);
}

void x86_push(DisasContext *dc, IRTemp v, int size)
{
    int ssz = x86_stack_size(dc);
    IRTemp sp = x86_tmp(dc);
    ir_subi(dc->s, sp, G_REG(R_ESP), size);
    x86_ext(dc, sp, sp, ssz, false);
    x86_st_mem(dc, x86_seg_linear(dc, R_SS, sp, size, ssz, true), v, size);
    x86_st_reg(dc, R_ESP, ssz, false, sp);
}

IRTemp x86_pop_peek(DisasContext *dc, int size, int offset)
{
    return x86_ld_mem(dc, x86_stack_addr(dc, G_REG(R_ESP), offset, size), size, false);
}

void x86_sp_add(DisasContext *dc, int64_t delta)
{
    IRTemp sp = x86_tmp(dc);
    ir_addi(dc->s, sp, G_REG(R_ESP), (uint64_t)delta);
    x86_st_reg(dc, R_ESP, x86_stack_size(dc), false, sp);
}

/* --- segment loads --- */

void x86_load_seg(DisasContext *dc, int seg, IRTemp sel)
{
    IRContext *s = dc->s;
    if ((!dc->pe || dc->vm86) && seg != R_SS) {
        /* real/VM86 mode: selector and base = selector << 4, limit and
         * attributes stay (unreal mode keeps its limits). */
        IRTemp t = x86_tmp(dc), base = x86_tmp(dc);
        ir_op1(s, IR_ext16u, t, sel);
        ir_st(s, IR_st32, t, s->env, offsetof(CPUX86State, segs[seg].selector));
        ir_shli(s, base, t, 4);
        ir_st(s, IR_st, base, s->env, offsetof(CPUX86State, segs[seg].base));
        return;
    }
    x86_call_helper(dc, &h_load_seg, IR_NO_TEMP, (IRTemp[]){ x86_const(dc, seg), sel });
    /* SS: interrupt shadow; protected mode: hflags (ADDSEG, SS32, LIMITS) may change */
    dc->jmp = DISAS_STOP;
}

/* --- exits --- */

void x86_st_rip(DisasContext *dc, uint64_t eip)
{
    ir_st(dc->s, IR_st, x86_const(dc, eip), dc->s->env, offsetof(CPUX86State, rip));
}

void x86_st_rip_temp(DisasContext *dc, IRTemp eip)
{
    ir_st(dc->s, IR_st, eip, dc->s->env, offsetof(CPUX86State, rip));
}

static uint64_t x86_linear_pc(DisasContext *dc, uint64_t eip)
{
    uint64_t lin = dc->cs_base + eip;
    return dc->code64 ? lin : (uint32_t)lin;
}

static bool x86_same_page(DisasContext *dc, uint64_t eip)
{
    return ((x86_linear_pc(dc, eip) ^ x86_linear_pc(dc, dc->tb->pc)) & TLB_PAGE_MASK) == 0;
}

void x86_exit_state_changed(DisasContext *dc)
{
    x86_sync_cc_op(dc);
    if (dc->tf) {
        ir_call0(dc->s, &h_single_step, IR_NO_TEMP);
    }
    ir_exit_tb(dc->s, 0);
}

/*
 * The hit path of helper_lookup_tb_ptr as IR: the jump cache entry of the
 * linear EIP (tb_jmp_cache_index) holds a valid TB with this EIP, CS base and
 * hflags: jump to its code; anything else goes to miss. env->rip holds the
 * target (so does eip unless IR_NO_TEMP); CS does not change on the jumps
 * that come here.
 */
static void x86_gen_jmp_cache_probe(DisasContext *dc, IRTemp eip, IRLabel *miss)
{
    _Static_assert(TB_JMP_GROUP_BITS == 6 && TLB_PAGE_BITS == 12,
                   "the index below is tb_jmp_cache_index() for 64 groups of 64");
    IRContext *s = dc->s;
    IRTemp rip = ir_temp_tb(s, IR_I64), tb = ir_temp_tb(s, IR_I64);
    IRTemp lin = ir_temp_new(s, IR_I64), hi = ir_temp_new(s, IR_I64);
    IRTemp v = ir_temp_new(s, IR_I64), flags = ir_temp_new(s, IR_I64);
    if (eip != IR_NO_TEMP)
        ir_mov(s, rip, eip);
    else
        ir_ld(s, IR_ld, rip, s->env, offsetof(CPUX86State, rip));
    ir_addi(s, lin, rip, dc->cs_base);
    if (!dc->code64)
        ir_op1(s, IR_ext32u, lin, lin);
    ir_shri(s, hi, lin, TB_JMP_GROUP_BITS);             /* page bits now at 6..11 */
    ir_xor(s, lin, lin, hi);
    ir_andi(s, lin, lin, (1u << TB_JMP_GROUP_BITS) - 1);  /* in_page */
    ir_andi(s, hi, hi, ((1u << TB_JMP_GROUP_BITS) - 1) << TB_JMP_GROUP_BITS);
    ir_or(s, lin, lin, hi);
    ir_shli(s, lin, lin, 3);
    ir_ld(s, IR_ld, hi, s->env, offsetof(CPUX86State, exec));
    ir_add(s, lin, lin, hi);
    ir_ld(s, IR_ld, tb, lin, offsetof(CPUExecState, jmp_cache));
    ir_brcondi(s, IR_COND_EQ, tb, 0, miss);
    ir_ld(s, IR_ld, v, tb, offsetof(TranslationBlock, pc));
    ir_brcond(s, IR_COND_NE, v, rip, miss);
    ir_ld(s, IR_ld, v, tb, offsetof(TranslationBlock, cs_base));
    ir_brcondi(s, IR_COND_NE, v, dc->cs_base, miss);
    ir_ld(s, IR_ld32u, v, tb, offsetof(TranslationBlock, flags));
    ir_ld(s, IR_ld32u, flags, s->env, offsetof(CPUX86State, hflags));
    ir_brcond(s, IR_COND_NE, v, flags, miss);
    _Static_assert(sizeof(((TranslationBlock *)0)->invalid) == 1, "loaded as a byte");
    ir_ld(s, IR_ld8u, v, tb, offsetof(TranslationBlock, invalid));
    ir_brcondi(s, IR_COND_NE, v, 0, miss);
    ir_ld(s, IR_ld, v, tb, offsetof(TranslationBlock, code_rx));
    ir_goto_ptr(s, v);
}

void x86_exit_indirect(DisasContext *dc)
{
    x86_exit_indirect_eip(dc, IR_NO_TEMP);
}

void x86_exit_indirect_eip(DisasContext *dc, IRTemp eip)
{
    if (dc->no_chain) {
        x86_exit_state_changed(dc);
        return;
    }
    x86_sync_cc_op(dc);
    if (!log_enabled(LOG_EXEC)) {          /* -d exec logs each lookup in the helper */
        IRLabel *miss = ir_label_new(dc->s);
        x86_gen_jmp_cache_probe(dc, eip, miss);
        ir_set_label(dc->s, miss);
    }
    IRTemp code = x86_tmp(dc);
    ir_call0(dc->s, &h_lookup_tb_ptr, code);
    ir_goto_ptr(dc->s, code);
}

void x86_jmp_to(DisasContext *dc, uint64_t eip, unsigned slot)
{
    x86_sync_cc_op(dc);
    if (!dc->no_chain && x86_same_page(dc, eip)) {
        ir_goto_tb(dc->s, slot);
        x86_st_rip(dc, eip);
        ir_exit_tb(dc->s, (uintptr_t)dc->tb | slot);
    } else {
        x86_st_rip(dc, eip);
        x86_exit_indirect_eip(dc, x86_const(dc, eip));   /* the probe folds the index */
    }
}

/* Store the exact state (EIP of this insn, cc_op) without changing what the
 * translator believes is in the cc_op global: the raise may be conditional. */
static void x86_store_state(DisasContext *dc)
{
    x86_st_rip(dc, dc->pc);
    if (dc->cc_op_dirty) {
        ir_movi(dc->s, x86_globals.cc_op, dc->cc_op);
    }
}

void x86_raise(DisasContext *dc, int vector)
{
    x86_store_state(dc);
    ir_call1(dc->s, &h_raise_exception, IR_NO_TEMP, x86_const(dc, vector));
}

void x86_raise_err(DisasContext *dc, int vector, int err)
{
    x86_store_state(dc);
    ir_call2(dc->s, &h_raise_exception_err, IR_NO_TEMP, x86_const(dc, vector),
             x86_const(dc, (uint64_t)err));
}

void x86_gen_exception(DisasContext *dc, int vector, int err)
{
    if (err < 0) {
        x86_raise(dc, vector);
    } else {
        x86_raise_err(dc, vector, err);
    }
    ir_exit_tb(dc->s, 0);
    dc->jmp = DISAS_EXITED;
}

/* --- dispatch --- */

#define X86_DISAS_ROW(n) [X86_##n] = x86_disas_##n,
static DisasFn *const x86_disas_table[X86_NB_OPS] = {
    X86_ALU_OPS(X86_DISAS_ROW)
    X86_CONTROL_OPS(X86_DISAS_ROW)
    X86_STRING_OPS(X86_DISAS_ROW)
    X86_SYSTEM_OPS(X86_DISAS_ROW)
};
#undef X86_DISAS_ROW

/* Instructions whose memory operand is not a plain access at insn->mem. */
static bool x86_mem_is_special(X86Op op)
{
    switch (op) {
    case X86_LEA: case X86_BT: case X86_BTS: case X86_BTR: case X86_BTC:
    case X86_POP: case X86_NOP: case X86_PREFETCH: case X86_CLFLUSH:
    case X86_FPU: case X86_SSE: case X86_UD:
        return true;
    default:
        return false;
    }
}

/* Instructions whose first operand, when in memory, is only read. */
static bool x86_writes_dest(X86Op op)
{
    switch (op) {
    case X86_CMP: case X86_TEST: case X86_BT: case X86_PUSH:
    case X86_MUL: case X86_IMUL: case X86_DIV: case X86_IDIV:
    case X86_JMP_IND: case X86_CALL_IND: case X86_JMPF_IND: case X86_CALLF_IND:
    case X86_LGDT: case X86_LIDT: case X86_LLDT: case X86_LTR: case X86_LMSW:
    case X86_VERR: case X86_VERW: case X86_INVLPG: case X86_BOUND:
        return false;
    default:
        return true;
    }
}

static void x86_translate_insn(DisasContext *dc, const Insn *in)
{
    dc->insn = in;
    dc->a0 = IR_NO_TEMP;
    dc->jmp = (in->attrs & IA_END_TB) ? DISAS_STOP : DISAS_NEXT;

    if ((in->attrs & IA_NO_REAL) && (!dc->pe || dc->vm86)) {
        x86_gen_exception(dc, EXCP_UD, -1);
        return;
    }
    if ((in->attrs & IA_PRIV) && dc->cpl != 0) {
        x86_gen_exception(dc, EXCP_GP, 0);
        return;
    }
    DisasFn *fn = x86_disas_table[in->op];
    if (!fn) {
        x86_gen_exception(dc, EXCP_UD, -1);
        return;
    }
    dc->mem_write = in->nb_ops > 0 && in->ops[0].kind == OPK_MEM && x86_writes_dest(in->op);
    /* With inline segment checks, check the operand before anything else. */
    if (dc->segchk && !x86_mem_is_special(in->op)) {
        for (int i = 0; i < in->nb_ops; i++) {
            if (in->ops[i].kind == OPK_MEM) {
                x86_mem_addr(dc, in->ops[i].size);
                break;
            }
        }
    }
    fn(dc, in);
}

/* --- code fetch --- */

typedef struct X86Fetch {
    DisasContext *dc;
    uint64_t insn_pc;
    uint8_t bytes[16];       /* the instruction's bytes, for -d in_asm */
} X86Fetch;

static int x86_fetch(void *opaque, uint64_t pc, uint8_t *buf, int len)
{
    X86Fetch *f = opaque;
    DisasContext *dc = f->dc;
    int n = translator_ld_code(dc->env, dc->tb, x86_linear_pc(dc, pc), buf, len, false);
    for (int i = 0; i < n; i++) {
        uint64_t at = pc + (uint64_t)i - f->insn_pc;
        if (at < sizeof(f->bytes)) {
            f->bytes[at] = buf[i];
        }
    }
    return n;
}

/* The first instruction could not be fetched: raise the guest's fault on
 * the first byte that is not readable. */
static void x86_fetch_fault(DisasContext *dc, uint64_t pc)
{
    uint8_t buf[16];
    int n = translator_ld_code(dc->env, dc->tb, x86_linear_pc(dc, pc), buf, 15, false);
    translator_ld_code(dc->env, dc->tb, x86_linear_pc(dc, pc + (uint64_t)n), buf, 1, true);
}

static void x86_log_insn(DisasContext *dc, const Insn *in, const X86Fetch *f)
{
    char text[128];
    DecodeMode mode = { .code32 = (dc->flags & HF_CS32) != 0, .code64 = dc->code64 };
    x86_disas(text, sizeof(text), mode, in->pc, f->bytes, in->len < 16 ? in->len : 16);
    log_printf("0x%08llx:  %s\n", (unsigned long long)in->pc, text);
}

static void x86_init_dc(DisasContext *dc, CPUX86State *env, IRContext *s, TranslationBlock *tb)
{
    uint32_t fl = tb->flags;
    memset(dc, 0, sizeof(*dc));
    dc->env = env;
    dc->s = s;
    dc->tb = tb;
    dc->flags = fl;
    dc->cs_base = tb->cs_base;
    dc->cpl = fl & HF_CPL_MASK;
    dc->pe = fl & HF_PE;
    dc->vm86 = fl & HF_VM;
    dc->code64 = fl & HF_CS64;
    dc->ss32 = fl & HF_SS32;
    dc->addseg = fl & HF_ADDSEG;
    dc->segchk = dc->code64 ? 0 : (fl & HF_SEGCHK_MASK) >> HF_SEGCHK_SHIFT;
    dc->tf = fl & HF_TF;
    dc->no_chain = dc->tf || (fl & HF_INHIBIT_IRQ);
    dc->mem_idx = dc->cpl == 3 ? MMU_USER_IDX : MMU_KERNEL_IDX;
    dc->cc_op = CC_OP_DYNAMIC;
}

/* -icount: a block of n instructions runs only if the budget holds n, and
 * charges them at entry (cpu_restore_state refunds what a fault skips). */
static void x86_icount_check(DisasContext *dc, int n)
{
    IRContext *s = dc->s;
    IRTemp b = ir_temp_new(s, IR_I64);
    ir_ld(s, IR_ld, b, s->env, offsetof(CPUX86State, icount_budget));
    ir_brcondi(s, IR_COND_LT, b, (uint64_t)n, dc->exit_label);
    ir_subi(s, b, b, (uint64_t)n);
    ir_st(s, IR_st, b, s->env, offsetof(CPUX86State, icount_budget));
}

/* One translation pass; icount_n > 0 emits the -icount check for that many
 * instructions. Logs the guest code when log_asm. */
static void x86_translate_pass(CPUX86State *env, IRContext *s, TranslationBlock *tb,
                               int max_insns, int icount_n, bool log_asm)
{
    DisasContext dc;
    X86Fetch fetch = { .dc = &dc };
    DecodeMode mode;
    uint64_t pc = tb->pc;
    int n = 0;

    ir_reset(s);
    x86_init_dc(&dc, env, s, tb);
    mode.code32 = (dc.flags & HF_CS32) != 0;
    mode.code64 = dc.code64;
    if (dc.no_chain) {
        max_insns = 1;
    }
    dc.exit_label = ir_label_new(s);
    IRTemp req = ir_temp_new(s, IR_I32);
    ir_ld(s, IR_ld, req, s->env, offsetof(CPUX86State, exit_request));
    ir_brcondi(s, IR_COND_NE, req, 0, dc.exit_label);
    if (icount_n > 0) {
        x86_icount_check(&dc, icount_n);
    }

    for (;;) {
        Insn insn;
        fetch.insn_pc = pc;
        DecodeResult r = x86_decode(&insn, mode, pc, x86_fetch, &fetch);
        uint64_t end_lin = x86_linear_pc(&dc, pc + (r == DECODE_OK ? insn.len : 1) - 1);
        if (n > 0 && (r == DECODE_FETCH_FAULT ||
                      ((end_lin ^ x86_linear_pc(&dc, tb->pc)) & TLB_PAGE_MASK))) {
            x86_jmp_to(&dc, pc, 0);          /* end the block before it */
            break;
        }
        if (r == DECODE_FETCH_FAULT) {
            x86_fetch_fault(&dc, pc);
            insn.len = 1;
            r = DECODE_UD;                   /* only if the fault did not happen */
        }
        ir_insn_start(s, pc, dc.cc_op);
        dc.pc = pc;
        dc.next_pc = (pc + insn.len) & (dc.code64 ? ~0ULL : mode.code32 ? 0xffffffffULL
                                                                         : 0xffffULL);
        if (log_asm && r == DECODE_OK) {
            x86_log_insn(&dc, &insn, &fetch);
        }
        if (r == DECODE_OK) {
            insn.pc = pc;
            x86_translate_insn(&dc, &insn);
        } else {
            dc.insn = &insn;
            x86_gen_exception(&dc, r == DECODE_TOO_LONG ? EXCP_GP : EXCP_UD,
                              r == DECODE_TOO_LONG ? 0 : -1);
        }
        n++;
        pc += insn.len;
        if (dc.jmp == DISAS_EXITED) {
            break;
        }
        if (dc.jmp == DISAS_STOP) {
            x86_st_rip(&dc, dc.next_pc);
            x86_exit_state_changed(&dc);
            break;
        }
        if (n >= max_insns ||
            ((x86_linear_pc(&dc, pc) ^ x86_linear_pc(&dc, tb->pc)) & TLB_PAGE_MASK)) {
            x86_jmp_to(&dc, dc.next_pc, 0);
            break;
        }
    }
    tb->size = (uint32_t)(pc - tb->pc);
    tb->nb_insns = (uint32_t)n;
    ir_set_label(s, dc.exit_label);
    ir_exit_tb(s, (uintptr_t)tb | IR_EXIT_REQUESTED);
}

void x86_translate_block(CPUX86State *env, IRContext *s, TranslationBlock *tb, int max_insns)
{
    if (tb->flags & HF_ICOUNT) {
        /* the check needs the block's length: a first pass finds it, and the
         * second, capped there, ends the block at the same instruction */
        x86_translate_pass(env, s, tb, max_insns, 0, false);
        max_insns = (int)tb->nb_insns;
        x86_translate_pass(env, s, tb, max_insns, max_insns, log_enabled(LOG_IN_ASM));
    } else {
        x86_translate_pass(env, s, tb, max_insns, 0, log_enabled(LOG_IN_ASM));
    }

    if (log_enabled(LOG_OP)) {
        log_printf("OP (pc 0x%llx):\n", (unsigned long long)tb->pc);
        ir_dump(s, log_file ? log_file : stderr);
    }
    ir_optimize(s);
    if (log_enabled(LOG_OP)) {
        log_printf("OP after optimization:\n");
        ir_dump(s, log_file ? log_file : stderr);
    }
}
