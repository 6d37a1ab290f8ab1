/*
 * seg_helper.c - segmentation: descriptor tables, segment register loads
 * with every protected-mode check (SDM Vol. 3 ch. 3 and 5, Vol. 2 MOV/POP/
 * LDS), far JMP/CALL/RET (code segments, call gates, task gates and TSS
 * selectors), LLDT/LTR, LGDT/LIDT/SGDT/SIDT, LAR/LSL/VERR/VERW/ARPL, and the
 * stack and system-table access the other system helpers share.
 *
 * Invariants: selectors are 16-bit; a far transfer reads and checks every
 * descriptor and pushes everything before it touches CS/SS/ESP/EIP, so a
 * fault leaves the old state; error codes are the selector with RPL cleared
 * (plus EXT where the SDM says so). CPL follows from SS.DPL (state.c), so
 * privilege changes always load SS before the transfer completes.
 */
#include "cpu/cpusys.h"
#include "kestrel/log.h"

/* --- guest memory helpers shared by the system helpers --- */

uint32_t sys_ld(CPUX86State *env, uint64_t addr, MemOp mo, uintptr_t ra)
{
    return (uint32_t)cpu_ld(env, cpu_linear(env, addr), mo, cpu_mmu_index_kernel(env), ra);
}

void sys_st(CPUX86State *env, uint64_t addr, uint32_t val, MemOp mo, uintptr_t ra)
{
    cpu_st(env, cpu_linear(env, addr), val, mo, cpu_mmu_index_kernel(env), ra);
}

void cpu_sync_state(CPUX86State *env, uintptr_t ra)
{
    if (ra) {
        cpu_restore_state(env, ra);
    }
}

static MemOp size_memop(unsigned size)
{
    return size == 2 ? MO_16 : size == 4 ? MO_32 : MO_64;
}

void stack_init(StackPtr *s, CPUX86State *env, uint64_t base, uint64_t sp, uint32_t ss_flags,
                unsigned cpl, uintptr_t ra)
{
    s->env = env;
    s->base = base;
    s->sp = sp;
    s->mask = (ss_flags & DESC_B_MASK) ? 0xffffffffu : 0xffff;
    s->mmu_idx = cpl == 3 ? MMU_USER_IDX : cpu_mmu_index_kernel(env);
    s->ra = ra;
}

void stack_init_current(StackPtr *s, CPUX86State *env, uintptr_t ra)
{
    stack_init(s, env, env->segs[R_SS].base, env->regs[R_ESP],
               (env->hflags & HF_SS32) ? DESC_B_MASK : 0, cpu_cpl(env), ra);
    s->mmu_idx = cpu_mmu_index(env);
    if (env->hflags & HF_CS64) {
        s->base = 0;
        s->mask = ~0ULL;
    }
}

void stack_push(StackPtr *s, uint64_t val, unsigned size)
{
    s->sp -= size;
    cpu_st(s->env, cpu_linear(s->env, s->base + (s->sp & s->mask)), val, size_memop(size),
           s->mmu_idx, s->ra);
}

uint64_t stack_pop(StackPtr *s, unsigned size)
{
    uint64_t v = cpu_ld(s->env, cpu_linear(s->env, s->base + (s->sp & s->mask)),
                        size_memop(size), s->mmu_idx, s->ra);
    s->sp += size;
    return v;
}

void stack_commit(const StackPtr *s)
{
    uint64_t *esp = &s->env->regs[R_ESP];
    *esp = (*esp & ~s->mask) | (s->sp & s->mask);
}

/* --- descriptors --- */

KESTREL_NORETURN void raise_fault_sel(CPUX86State *env, int vector, uint32_t sel, uintptr_t ra)
{
    raise_exception_err(env, vector, (int)(sel & 0xfffc), ra);
}

static bool desc_table(CPUX86State *env, uint32_t sel, uint64_t *base, uint32_t *limit)
{
    if (sel & 4) {
        if ((env->ldt.selector & 0xfffc) == 0 && !(env->ldt.flags & DESC_P_MASK)) {
            return false;
        }
        *base = env->ldt.base;
        *limit = env->ldt.limit;
    } else {
        *base = env->gdt.base;
        *limit = env->gdt.limit;
    }
    return true;
}

bool load_descriptor(CPUX86State *env, uint32_t selector, uint32_t *lo, uint32_t *hi,
                     uintptr_t retaddr)
{
    uint64_t base;
    uint32_t limit, index = selector & ~7u & 0xffff;
    if (!desc_table(env, selector, &base, &limit) || index + 7 > limit) {
        return false;
    }
    *lo = sys_ld(env, base + index, MO_32, retaddr);
    *hi = sys_ld(env, base + index + 4, MO_32, retaddr);
    return true;
}

/* Rewrites the high dword of a descriptor already read (accessed/busy bits). */
void desc_write_hi(CPUX86State *env, uint32_t sel, uint32_t hi, uintptr_t ra)
{
    uint64_t base;
    uint32_t limit;
    if (desc_table(env, sel, &base, &limit)) {
        sys_st(env, base + (sel & ~7u & 0xffff) + 4, hi, MO_32, ra);
    }
}

static void desc_set_accessed(CPUX86State *env, uint32_t sel, uint32_t *hi, uintptr_t ra)
{
    if (!(*hi & DESC_A_MASK)) {
        *hi |= DESC_A_MASK;
        desc_write_hi(env, sel, *hi, ra);
    }
}

/* Reads the descriptor of a non-null selector or raises vector(sel). */
static void fetch_desc(CPUX86State *env, uint32_t sel, uint32_t *lo, uint32_t *hi, int vector,
                       int ext, uintptr_t ra)
{
    if (!load_descriptor(env, sel, lo, hi, ra)) {
        raise_exception_err(env, vector, (int)(sel & 0xfffc) | ext, ra);
    }
}

/* Reads the descriptor of a code segment or gate selector: null is #GP(0),
 * one outside its table #GP(sel). */
static void fetch_code_desc(CPUX86State *env, uint32_t sel, uint32_t *lo, uint32_t *hi,
                            uintptr_t ra)
{
    if ((sel & 0xfffc) == 0) {
        raise_exception_err(env, EXCP_GP, 0, ra);
    }
    fetch_desc(env, sel, lo, hi, EXCP_GP, 0, ra);
}

void cpu_load_seg_cache(CPUX86State *env, int seg, uint32_t selector, uint64_t base,
                        uint32_t limit, uint32_t flags)
{
    env->segs[seg] = (SegmentCache){ selector & 0xffff, flags, base, limit };
    cpu_update_hflags(env);
}

void load_seg_cache_desc(CPUX86State *env, int seg, uint32_t sel, uint32_t lo, uint32_t hi)
{
    cpu_load_seg_cache(env, seg, sel, desc_base(lo, hi), desc_limit(lo, hi),
                       hi & DESC_CACHE_FLAGS);
}

/* Real mode changes selector and base only (limit and attributes stay, as
 * "unreal mode" relies on); VM86 forces 64 KiB, DPL 3 segments (SDM 20.1.1). */
void load_seg_real(CPUX86State *env, int seg, uint32_t sel)
{
    SegmentCache *s = &env->segs[seg];
    sel &= 0xffff;
    if (env->eflags & VM_MASK) {
        uint32_t flags = DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK |
                         (3u << DESC_DPL_SHIFT) | (seg == R_CS ? DESC_CS_MASK : 0);
        cpu_load_seg_cache(env, seg, sel, (uint64_t)sel << 4, 0xffff, flags);
    } else {
        cpu_load_seg_cache(env, seg, sel, (uint64_t)sel << 4, s->limit, s->flags);
    }
}

void load_data_seg(CPUX86State *env, int seg, uint32_t sel, unsigned cpl, int vector,
                   uintptr_t ra)
{
    uint32_t lo, hi, rpl = sel & 3, dpl;
    if ((sel & 0xfffc) == 0) {
        if (seg != R_SS) {
            cpu_load_seg_cache(env, seg, sel, 0, 0, 0);    /* null: unusable */
            return;
        }
        if (!(env->hflags & HF_CS64) || cpl == 3 || rpl != cpl) {
            raise_exception_err(env, vector, 0, ra);
        }
        cpu_load_seg_cache(env, seg, sel, 0, 0, cpl << DESC_DPL_SHIFT);  /* keeps CPL */
        return;
    }
    fetch_desc(env, sel, &lo, &hi, vector, 0, ra);
    dpl = desc_dpl(hi);
    if (!(hi & DESC_S_MASK)) {
        raise_fault_sel(env, vector, sel, ra);
    }
    if (seg == R_SS) {
        if (rpl != cpl || dpl != cpl || (hi & DESC_CS_MASK) || !(hi & DESC_W_MASK)) {
            raise_fault_sel(env, vector, sel, ra);
        }
        if (!(hi & DESC_P_MASK)) {
            raise_fault_sel(env, EXCP_SS, sel, ra);
        }
    } else {
        if ((hi & (DESC_CS_MASK | DESC_R_MASK)) == DESC_CS_MASK) {
            raise_fault_sel(env, vector, sel, ra);            /* execute-only code */
        }
        bool conforming = (hi & (DESC_CS_MASK | DESC_C_MASK)) == (DESC_CS_MASK | DESC_C_MASK);
        if (!conforming && (dpl < cpl || dpl < rpl)) {
            raise_fault_sel(env, vector, sel, ra);
        }
        if (!(hi & DESC_P_MASK)) {
            raise_fault_sel(env, EXCP_NP, sel, ra);
        }
    }
    desc_set_accessed(env, sel, &hi, ra);
    load_seg_cache_desc(env, seg, sel, lo, hi);
}

void load_seg(CPUX86State *env, int seg, uint32_t selector, uintptr_t retaddr)
{
    selector &= 0xffff;
    if (!cpu_pmode(env)) {
        load_seg_real(env, seg, selector);
    } else {
        load_data_seg(env, seg, selector, cpu_cpl(env), EXCP_GP, retaddr);
    }
}

void helper_load_seg(CPUX86State *env, uint64_t seg, uint64_t selector)
{
    uintptr_t ra = ir_getpc();
    assert(seg < NB_SEGS && seg != R_CS);
    load_seg(env, (int)seg, (uint32_t)selector, ra);
    if (seg == R_SS) {
        env->hflags |= HF_INHIBIT_IRQ;   /* MOV SS / POP SS shadow */
    }
}
DEF_HELPER(load_seg, 2, false, 0);

/* --- TSS stacks, gates --- */

void tss_get_stack(CPUX86State *env, unsigned dpl, uint32_t *ss, uint32_t *esp, uintptr_t ra)
{
    bool tss32 = desc_type(env->tr.flags) & 8;
    uint32_t index = tss32 ? dpl * 8 + 4 : dpl * 4 + 2;
    uint32_t width = tss32 ? 8 : 4;
    if (!(env->tr.flags & DESC_P_MASK) || index + width - 1 > env->tr.limit) {
        raise_fault_sel(env, EXCP_TS, env->tr.selector, ra);
    }
    if (tss32) {
        *esp = sys_ld(env, env->tr.base + index, MO_32, ra);
        *ss = sys_ld(env, env->tr.base + index + 4, MO_16, ra);
    } else {
        *esp = sys_ld(env, env->tr.base + index, MO_16, ra);
        *ss = sys_ld(env, env->tr.base + index + 2, MO_16, ra);
    }
}

void check_new_ss(CPUX86State *env, uint32_t ss, unsigned dpl, uint32_t *lo, uint32_t *hi,
                  int ext, uintptr_t ra)
{
    if ((ss & 0xfffc) == 0) {
        raise_exception_err(env, EXCP_TS, ext, ra);
    }
    fetch_desc(env, ss, lo, hi, EXCP_TS, ext, ra);
    if ((ss & 3) != dpl || desc_dpl(*hi) != dpl ||
        (*hi & (DESC_S_MASK | DESC_CS_MASK | DESC_W_MASK)) != (DESC_S_MASK | DESC_W_MASK)) {
        raise_exception_err(env, EXCP_TS, (int)(ss & 0xfffc) | ext, ra);
    }
    if (!(*hi & DESC_P_MASK)) {
        raise_exception_err(env, EXCP_SS, (int)(ss & 0xfffc) | ext, ra);
    }
}

void task_gate_target(CPUX86State *env, uint32_t gate_lo, uint32_t *sel, uint32_t *lo,
                      uint32_t *hi, int ext, uintptr_t ra)
{
    *sel = gate_lo >> 16;
    if (*sel & 4) {
        raise_exception_err(env, EXCP_GP, (int)(*sel & 0xfffc) | ext, ra);
    }
    fetch_desc(env, *sel, lo, hi, EXCP_GP, ext, ra);
    unsigned type = desc_type(*hi);
    if ((*hi & DESC_S_MASK) || (type != SYS_TSS16_AVAIL && type != SYS_TSS32_AVAIL)) {
        raise_exception_err(env, EXCP_GP, (int)(*sel & 0xfffc) | ext, ra);
    }
    if (!(*hi & DESC_P_MASK)) {
        raise_exception_err(env, EXCP_NP, (int)(*sel & 0xfffc) | ext, ra);
    }
}

/* --- far JMP / CALL / RET --- */

void helper_ljmp_real(CPUX86State *env, uint64_t selector, uint64_t offset)
{
    load_seg_real(env, R_CS, (uint32_t)selector);
    env->rip = offset;
}
DEF_HELPER(ljmp_real, 2, false, 0);

void helper_lcall_real(CPUX86State *env, uint64_t selector, uint64_t offset, uint64_t opsize,
                       uint64_t next_eip)
{
    uintptr_t ra = ir_getpc();
    StackPtr s;
    stack_init_current(&s, env, ra);
    stack_push(&s, env->segs[R_CS].selector, (unsigned)opsize);
    stack_push(&s, next_eip, (unsigned)opsize);
    stack_commit(&s);
    load_seg_real(env, R_CS, (uint32_t)selector);
    env->rip = offset;
}
DEF_HELPER(lcall_real, 4, false, 0);

/* Privilege checks for a direct transfer to a code segment (JMP/CALL, SDM Vol. 2). */
static void check_code_target(CPUX86State *env, uint32_t sel, uint32_t hi, unsigned cpl,
                              uintptr_t ra)
{
    unsigned dpl = desc_dpl(hi);
    if ((hi & (DESC_S_MASK | DESC_CS_MASK)) != (DESC_S_MASK | DESC_CS_MASK)) {
        raise_fault_sel(env, EXCP_GP, sel, ra);
    }
    if ((hi & DESC_C_MASK) ? dpl > cpl : ((sel & 3) > cpl || dpl != cpl)) {
        raise_fault_sel(env, EXCP_GP, sel, ra);
    }
    if (!(hi & DESC_P_MASK)) {
        raise_fault_sel(env, EXCP_NP, sel, ra);
    }
}

/* #GP(0) if eip is beyond the new CS limit or, for a 64-bit CS, not canonical. */
static void check_eip_limit(CPUX86State *env, uint64_t eip, uint32_t lo, uint32_t hi,
                            uintptr_t ra)
{
    bool code64 = (env->hflags & HF_LMA) && (hi & DESC_L_MASK);
    if (code64 ? !x86_is_canonical(eip) : eip > desc_limit(lo, hi)) {
        raise_exception_err(env, EXCP_GP, 0, ra);
    }
}

/* Loads CS for a same-privilege transfer: RPL becomes CPL. */
static void load_cs_same(CPUX86State *env, uint32_t sel, uint32_t lo, uint32_t hi,
                         uint64_t eip, uintptr_t ra)
{
    desc_set_accessed(env, sel, &hi, ra);
    load_seg_cache_desc(env, R_CS, (sel & 0xfffc) | cpu_cpl(env), lo, hi);
    env->rip = eip;
}

/* A gate used by JMP/CALL: the DPL check and presence (SDM "far JMP/CALL"). */
static void check_gate(CPUX86State *env, uint32_t sel, uint32_t hi, uintptr_t ra)
{
    unsigned dpl = desc_dpl(hi);
    if (dpl < cpu_cpl(env) || dpl < (sel & 3)) {
        raise_fault_sel(env, EXCP_GP, sel, ra);
    }
    if (!(hi & DESC_P_MASK)) {
        raise_fault_sel(env, EXCP_NP, sel, ra);
    }
}

/* IA-32e mode has no task switching, and its 16-byte call gates are not
 * emulated yet: both #GP(sel). */
static void check_legacy_gate(CPUX86State *env, uint32_t sel, uint32_t hi, uintptr_t ra)
{
    if (env->hflags & HF_LMA) {
        if (desc_type(hi) == SYS_CALL_GATE32) {
            log_unimp("64-bit call gates\n");
        }
        raise_fault_sel(env, EXCP_GP, sel, ra);
    }
}

static bool is_call_gate(uint32_t hi)
{
    return desc_type(hi) == SYS_CALL_GATE16 || desc_type(hi) == SYS_CALL_GATE32;
}

/* JMP/CALL to a system descriptor other than a call gate: a task gate or a
 * TSS descriptor switches tasks; any other type is #GP(sel). */
static void far_to_task(CPUX86State *env, uint32_t sel, uint32_t lo, uint32_t hi,
                        TaskSource src, uint32_t next_eip, uintptr_t ra)
{
    unsigned type = desc_type(hi);
    bool busy = type == SYS_TSS16_BUSY || type == SYS_TSS32_BUSY;
    if (type != SYS_TASK_GATE && type != SYS_TSS16_AVAIL && type != SYS_TSS32_AVAIL && !busy) {
        raise_fault_sel(env, EXCP_GP, sel, ra);
    }
    check_legacy_gate(env, sel, hi, ra);
    check_gate(env, sel, hi, ra);
    if (type == SYS_TASK_GATE) {
        task_gate_target(env, lo, &sel, &lo, &hi, 0, ra);
    } else if (busy) {
        raise_fault_sel(env, EXCP_GP, sel, ra);
    }
    task_switch(env, sel, lo, hi, src, next_eip, ra);
}

/* The code segment and entry point of the call gate (sel, lo, hi), checked
 * (SDM CALL: "call gate" steps); returns the entry point. */
static uint32_t call_gate_target(CPUX86State *env, uint32_t gate_sel, uint32_t gate_lo,
                                 uint32_t gate_hi, uint32_t *sel, uint32_t *lo, uint32_t *hi,
                                 uintptr_t ra)
{
    check_legacy_gate(env, gate_sel, gate_hi, ra);
    check_gate(env, gate_sel, gate_hi, ra);
    *sel = gate_lo >> 16;
    fetch_code_desc(env, *sel, lo, hi, ra);
    if ((*hi & (DESC_S_MASK | DESC_CS_MASK)) != (DESC_S_MASK | DESC_CS_MASK) ||
        desc_dpl(*hi) > cpu_cpl(env)) {
        raise_fault_sel(env, EXCP_GP, *sel, ra);
    }
    if (!(*hi & DESC_P_MASK)) {
        raise_fault_sel(env, EXCP_NP, *sel, ra);
    }
    uint32_t off = (gate_hi & 0xffff0000u) | (gate_lo & 0xffff);
    return (desc_type(gate_hi) & 8) ? off : off & 0xffff;
}

/* Reads the descriptor a far JMP/CALL names. For a code segment it checks
 * the segment and the offset in it and returns true; a system descriptor
 * (a gate or a TSS) is left to the caller. */
static bool far_code_target(CPUX86State *env, uint32_t sel, uint64_t offset, uint32_t *lo,
                            uint32_t *hi, uintptr_t ra)
{
    fetch_code_desc(env, sel, lo, hi, ra);
    if (!(*hi & DESC_S_MASK)) {
        return false;
    }
    check_code_target(env, sel, *hi, cpu_cpl(env), ra);
    check_eip_limit(env, offset, *lo, *hi, ra);
    return true;
}

void helper_ljmp_protected(CPUX86State *env, uint64_t selector, uint64_t offset,
                           uint64_t next_eip)
{
    uintptr_t ra = ir_getpc();
    uint32_t sel = (uint32_t)selector & 0xffff, lo, hi;
    if (far_code_target(env, sel, offset, &lo, &hi, ra)) {
        load_cs_same(env, sel, lo, hi, offset, ra);
    } else if (is_call_gate(hi)) {
        uint32_t gsel, glo, ghi, eip = call_gate_target(env, sel, lo, hi, &gsel, &glo, &ghi, ra);
        if (!(ghi & DESC_C_MASK) && desc_dpl(ghi) != cpu_cpl(env)) {
            raise_fault_sel(env, EXCP_GP, gsel, ra);
        }
        check_eip_limit(env, eip, glo, ghi, ra);
        load_cs_same(env, gsel, glo, ghi, eip, ra);
    } else {
        far_to_task(env, sel, lo, hi, TASK_JMP, (uint32_t)next_eip, ra);
    }
}
DEF_HELPER(ljmp_protected, 3, false, 0);

/* CALL through a call gate to a more privileged non-conforming segment:
 * new stack from the TSS, old SS:ESP and the parameters copied onto it. */
static void call_gate_inner(CPUX86State *env, uint32_t gate_hi, uint32_t csel, uint32_t clo,
                            uint32_t chi, uint32_t eip, uint64_t next_eip, uintptr_t ra)
{
    unsigned dpl = desc_dpl(chi), size = (desc_type(gate_hi) & 8) ? 4 : 2;
    unsigned nparams = gate_hi & 0x1f;
    uint32_t ss, esp, slo, shi;
    StackPtr old, s;

    tss_get_stack(env, dpl, &ss, &esp, ra);
    check_new_ss(env, ss, dpl, &slo, &shi, 0, ra);
    stack_init_current(&old, env, ra);
    stack_init(&s, env, desc_base(slo, shi), esp, shi, dpl, ra);
    stack_push(&s, env->segs[R_SS].selector, size);
    stack_push(&s, (uint32_t)env->regs[R_ESP], size);
    for (unsigned i = nparams; i-- > 0;) {
        StackPtr p = old;
        p.sp += (uint64_t)i * size;
        stack_push(&s, stack_pop(&p, size), size);
    }
    stack_push(&s, env->segs[R_CS].selector, size);
    stack_push(&s, next_eip, size);
    desc_set_accessed(env, ss, &shi, ra);
    desc_set_accessed(env, csel, &chi, ra);
    load_seg_cache_desc(env, R_SS, (ss & 0xfffc) | dpl, slo, shi);
    stack_commit(&s);
    load_seg_cache_desc(env, R_CS, (csel & 0xfffc) | dpl, clo, chi);
    env->rip = eip;
}

/* CALL to a code segment at the current privilege: pushes CS and the return
 * address with the given size, then loads CS:eip. */
static void call_same_level(CPUX86State *env, uint32_t sel, uint32_t lo, uint32_t hi,
                            uint64_t eip, uint64_t next_eip, unsigned size, uintptr_t ra)
{
    StackPtr s;
    stack_init_current(&s, env, ra);
    stack_push(&s, env->segs[R_CS].selector, size);
    stack_push(&s, next_eip, size);
    stack_commit(&s);
    load_cs_same(env, sel, lo, hi, eip, ra);
}

void helper_lcall_protected(CPUX86State *env, uint64_t selector, uint64_t offset,
                            uint64_t opsize, uint64_t next_eip)
{
    uintptr_t ra = ir_getpc();
    uint32_t sel = (uint32_t)selector & 0xffff, lo, hi;
    if (far_code_target(env, sel, offset, &lo, &hi, ra)) {
        call_same_level(env, sel, lo, hi, offset, next_eip, (unsigned)opsize, ra);
    } else if (is_call_gate(hi)) {
        uint32_t csel, clo, chi, eip = call_gate_target(env, sel, lo, hi, &csel, &clo, &chi, ra);
        check_eip_limit(env, eip, clo, chi, ra);
        if (!(chi & DESC_C_MASK) && desc_dpl(chi) < cpu_cpl(env)) {
            call_gate_inner(env, hi, csel, clo, chi, eip, next_eip, ra);
        } else {
            call_same_level(env, csel, clo, chi, eip, next_eip, (desc_type(hi) & 8) ? 4 : 2, ra);
        }
    } else {
        far_to_task(env, sel, lo, hi, TASK_CALL, (uint32_t)next_eip, ra);
    }
}
DEF_HELPER(lcall_protected, 4, false, 0);

/* Checks the CS popped by RET/IRET (SDM RET "return to same/other level"). */
void check_return_cs(CPUX86State *env, uint32_t sel, uint32_t *lo, uint32_t *hi,
                     uintptr_t ra)
{
    unsigned rpl = sel & 3;
    fetch_code_desc(env, sel, lo, hi, ra);
    if ((*hi & (DESC_S_MASK | DESC_CS_MASK)) != (DESC_S_MASK | DESC_CS_MASK) ||
        rpl < cpu_cpl(env)) {
        raise_fault_sel(env, EXCP_GP, sel, ra);
    }
    if ((*hi & DESC_C_MASK) ? desc_dpl(*hi) > rpl : desc_dpl(*hi) != rpl) {
        raise_fault_sel(env, EXCP_GP, sel, ra);
    }
    if (!(*hi & DESC_P_MASK)) {
        raise_fault_sel(env, EXCP_NP, sel, ra);
    }
}

/* After a return to an outer level: data segments the new CPL may not use become null. */
static void invalidate_inner_segs(CPUX86State *env)
{
    static const int segs[] = { R_ES, R_DS, R_FS, R_GS };
    unsigned cpl = cpu_cpl(env);
    for (size_t i = 0; i < ARRAY_SIZE(segs); i++) {
        const SegmentCache *sc = &env->segs[segs[i]];
        bool conforming = (sc->flags & (DESC_CS_MASK | DESC_C_MASK)) ==
                          (DESC_CS_MASK | DESC_C_MASK);
        if ((sc->selector & 0xfffc) != 0 && !conforming && desc_dpl(sc->flags) < cpl) {
            cpu_load_seg_cache(env, segs[i], 0, sc->base, sc->limit, 0);
        }
    }
}

/* The SS:ESP a return to an outer level pops (any IRET in 64-bit mode too);
 * a null SS is allowed only for a 64-bit target below CPL 3. */
static void check_return_ss(CPUX86State *env, uint32_t ss, unsigned rpl, bool cs64,
                            uint32_t *lo, uint32_t *hi, uintptr_t ra)
{
    if ((ss & 0xfffc) == 0) {
        if (!cs64 || rpl == 3) {
            raise_exception_err(env, EXCP_GP, 0, ra);
        }
        *lo = 0;
        *hi = rpl << DESC_DPL_SHIFT;             /* null, but carrying the CPL */
        return;
    }
    fetch_desc(env, ss, lo, hi, EXCP_GP, 0, ra);
    if ((ss & 3) != rpl || desc_dpl(*hi) != rpl ||
        (*hi & (DESC_S_MASK | DESC_CS_MASK | DESC_W_MASK)) != (DESC_S_MASK | DESC_W_MASK)) {
        raise_fault_sel(env, EXCP_GP, ss, ra);
    }
    if (!(*hi & DESC_P_MASK)) {
        raise_fault_sel(env, EXCP_SS, ss, ra);
    }
}

void return_protected(CPUX86State *env, StackPtr *s, uint32_t cs, uint64_t eip,
                      unsigned size, uint32_t addend, bool pop_ss, uintptr_t ra)
{
    uint32_t lo, hi, slo, shi;
    unsigned rpl = cs & 3, old_cpl = cpu_cpl(env);
    check_return_cs(env, cs, &lo, &hi, ra);
    bool cs64 = (env->hflags & HF_LMA) && (hi & DESC_L_MASK);
    if (cs64 && (hi & DESC_B_MASK)) {
        raise_fault_sel(env, EXCP_GP, cs, ra);
    }
    check_eip_limit(env, eip, lo, hi, ra);
    s->sp += addend;
    if (rpl == old_cpl && !pop_ss) {
        stack_commit(s);
        desc_set_accessed(env, cs, &hi, ra);
        load_seg_cache_desc(env, R_CS, cs, lo, hi);
        env->rip = eip;
        return;
    }
    uint64_t esp = stack_pop(s, size);
    uint32_t ss = (uint32_t)stack_pop(s, size) & 0xffff;
    check_return_ss(env, ss, rpl, cs64, &slo, &shi, ra);
    desc_set_accessed(env, cs, &hi, ra);
    if (ss & 0xfffc) {
        desc_set_accessed(env, ss, &shi, ra);
    }
    load_seg_cache_desc(env, R_CS, cs, lo, hi);
    if (ss & 0xfffc) {
        load_seg_cache_desc(env, R_SS, ss, slo, shi);
    } else {
        cpu_load_seg_cache(env, R_SS, ss, 0, 0, shi);
    }
    esp += addend;
    if (cs64) {
        env->regs[R_ESP] = esp;
    } else {
        uint64_t mask = (shi & DESC_B_MASK) ? 0xffffffffu : 0xffff;
        env->regs[R_ESP] = (env->regs[R_ESP] & ~mask) | (esp & mask);
    }
    env->rip = eip;
    if (rpl > old_cpl) {
        invalidate_inner_segs(env);
    }
}

void helper_lret(CPUX86State *env, uint64_t opsize, uint64_t addend)
{
    uintptr_t ra = ir_getpc();
    unsigned size = (unsigned)opsize;
    StackPtr s;
    stack_init_current(&s, env, ra);
    uint64_t eip = stack_pop(&s, size);
    uint32_t cs = (uint32_t)stack_pop(&s, size) & 0xffff;
    if (!cpu_pmode(env)) {
        s.sp += addend;
        stack_commit(&s);
        load_seg_real(env, R_CS, cs);
        env->rip = eip;
        return;
    }
    return_protected(env, &s, cs, eip, size, (uint32_t)addend, false, ra);
}
DEF_HELPER(lret, 2, false, 0);

/* --- LLDT / LTR --- */

/* Reads a system descriptor for LLDT/LTR: GDT only, #GP(sel) on a bad one. */
static void fetch_sys_desc(CPUX86State *env, uint32_t sel, uint32_t *lo, uint32_t *hi,
                           uintptr_t ra)
{
    if (sel & 4) {
        raise_fault_sel(env, EXCP_GP, sel, ra);
    }
    fetch_desc(env, sel, lo, hi, EXCP_GP, 0, ra);
    if (*hi & DESC_S_MASK) {
        raise_fault_sel(env, EXCP_GP, sel, ra);
    }
}

/* IA-32e system descriptors are 16 bytes: bits 63:32 of the base follow. */
static uint64_t sys_desc_base(CPUX86State *env, uint32_t sel, uint32_t lo, uint32_t hi,
                              uintptr_t ra)
{
    uint64_t base = desc_base(lo, hi);
    if (env->hflags & HF_LMA) {
        uint32_t index = sel & ~7u & 0xffff;
        if (index + 15 > env->gdt.limit) {
            raise_fault_sel(env, EXCP_GP, sel, ra);
        }
        base |= (uint64_t)sys_ld(env, env->gdt.base + index + 8, MO_32, ra) << 32;
    }
    return base;
}

void helper_lldt(CPUX86State *env, uint64_t selector)
{
    uintptr_t ra = ir_getpc();
    uint32_t sel = (uint32_t)selector & 0xffff, lo, hi;
    if ((sel & 0xfffc) == 0) {
        env->ldt = (SegmentCache){ sel, 0, 0, 0 };
        return;
    }
    fetch_sys_desc(env, sel, &lo, &hi, ra);
    if (desc_type(hi) != SYS_LDT) {
        raise_fault_sel(env, EXCP_GP, sel, ra);
    }
    if (!(hi & DESC_P_MASK)) {
        raise_fault_sel(env, EXCP_NP, sel, ra);
    }
    uint64_t base = sys_desc_base(env, sel, lo, hi, ra);
    env->ldt = (SegmentCache){ sel, hi & DESC_CACHE_FLAGS, base, desc_limit(lo, hi) };
}
DEF_HELPER(lldt, 1, false, 0);

void helper_ltr(CPUX86State *env, uint64_t selector)
{
    uintptr_t ra = ir_getpc();
    uint32_t sel = (uint32_t)selector & 0xffff, lo, hi;
    if ((sel & 0xfffc) == 0) {
        raise_exception_err(env, EXCP_GP, 0, ra);
    }
    fetch_sys_desc(env, sel, &lo, &hi, ra);
    if (desc_type(hi) != SYS_TSS16_AVAIL && desc_type(hi) != SYS_TSS32_AVAIL) {
        raise_fault_sel(env, EXCP_GP, sel, ra);
    }
    if (!(hi & DESC_P_MASK)) {
        raise_fault_sel(env, EXCP_NP, sel, ra);
    }
    if ((env->hflags & HF_LMA) && desc_type(hi) != SYS_TSS32_AVAIL) {
        raise_fault_sel(env, EXCP_GP, sel, ra);              /* 64-bit TSS only */
    }
    uint64_t base = sys_desc_base(env, sel, lo, hi, ra);
    hi |= SYS_TSS_BUSY_BIT << DESC_TYPE_SHIFT;
    desc_write_hi(env, sel, hi, ra);
    env->tr = (SegmentCache){ sel, hi & DESC_CACHE_FLAGS, base, desc_limit(lo, hi) };
}
DEF_HELPER(ltr, 1, false, 0);

/* --- LGDT / LIDT / SGDT / SIDT: limit (16 bits) then base --- */

static uint64_t dt_base_mask(unsigned opsize)
{
    return opsize == 8 ? ~0ULL : opsize == 4 ? 0xffffffffULL : 0xffffffULL;
}

static void load_dt(CPUX86State *env, uint64_t addr, unsigned opsize, uint64_t *base,
                    uint32_t *limit, uintptr_t ra)
{
    unsigned idx = cpu_mmu_index(env);
    uint32_t l = (uint32_t)cpu_ld(env, cpu_linear(env, addr), MO_16, idx, ra);
    uint64_t b = cpu_ld(env, cpu_linear(env, addr + 2), opsize == 8 ? MO_64 : MO_32, idx, ra);
    *limit = l;
    *base = b & dt_base_mask(opsize);
}

/* SGDT/SIDT with a 16-bit operand store the 24-bit base and a zero byte
 * (Pentium and later; SDM Vol. 2 SGDT). */
static void store_dt(CPUX86State *env, uint64_t addr, unsigned opsize, uint64_t base,
                     uint32_t limit, uintptr_t ra)
{
    unsigned idx = cpu_mmu_index(env);
    cpu_st(env, cpu_linear(env, addr), limit, MO_16, idx, ra);
    cpu_st(env, cpu_linear(env, addr + 2), base & dt_base_mask(opsize),
           opsize == 8 ? MO_64 : MO_32, idx, ra);
}

void helper_lgdt(CPUX86State *env, uint64_t addr, uint64_t opsize)
{
    load_dt(env, addr, (unsigned)opsize, &env->gdt.base, &env->gdt.limit, ir_getpc());
}
DEF_HELPER(lgdt, 2, false, 0);

void helper_lidt(CPUX86State *env, uint64_t addr, uint64_t opsize)
{
    load_dt(env, addr, (unsigned)opsize, &env->idt.base, &env->idt.limit, ir_getpc());
}
DEF_HELPER(lidt, 2, false, 0);

void helper_sgdt(CPUX86State *env, uint64_t addr, uint64_t opsize)
{
    store_dt(env, addr, (unsigned)opsize, env->gdt.base, env->gdt.limit, ir_getpc());
}
DEF_HELPER(sgdt, 2, false, 0);

void helper_sidt(CPUX86State *env, uint64_t addr, uint64_t opsize)
{
    store_dt(env, addr, (unsigned)opsize, env->idt.base, env->idt.limit, ir_getpc());
}
DEF_HELPER(sidt, 2, false, 0);

/* --- LAR / LSL / VERR / VERW / ARPL: ZF through the lazy flags --- */

static void set_zf(CPUX86State *env, bool zf)
{
    cpu_cc_materialize(env);
    env->cc_src = (env->cc_src & ~(uint64_t)CC_Z) | (zf ? CC_Z : 0);
}

/* Which system types LAR (lar=true) and LSL accept (SDM Vol. 2 LAR/LSL tables). */
static bool sys_type_visible(unsigned type, bool lar)
{
    static const uint16_t lar_ok = 1 << 1 | 1 << 2 | 1 << 3 | 1 << 4 | 1 << 5 | 1 << 9 |
                                   1 << 11 | 1 << 12;
    static const uint16_t lsl_ok = 1 << 1 | 1 << 2 | 1 << 3 | 1 << 9 | 1 << 11;
    return ((lar ? lar_ok : lsl_ok) >> type) & 1;
}

/* The descriptor of sel if the current privilege may see it, for LAR/LSL/VERx. */
static bool visible_desc(CPUX86State *env, uint32_t sel, uint32_t *lo, uint32_t *hi,
                         uintptr_t ra)
{
    if ((sel & 0xfffc) == 0 || !load_descriptor(env, sel, lo, hi, ra)) {
        return false;
    }
    bool conforming_code = (*hi & (DESC_S_MASK | DESC_CS_MASK | DESC_C_MASK)) ==
                           (DESC_S_MASK | DESC_CS_MASK | DESC_C_MASK);
    unsigned dpl = desc_dpl(*hi);
    return conforming_code || (dpl >= cpu_cpl(env) && dpl >= (sel & 3));
}

static uint64_t lar_lsl(CPUX86State *env, uint32_t sel, bool lar, uintptr_t ra)
{
    uint32_t lo, hi;
    bool ok = visible_desc(env, sel, &lo, &hi, ra) &&
              ((hi & DESC_S_MASK) || sys_type_visible(desc_type(hi), lar));
    set_zf(env, ok);
    if (!ok) {
        return 0;
    }
    return ((uint64_t)1 << 32) | (lar ? hi & 0x00f0ff00u : desc_limit(lo, hi));
}

uint64_t helper_lar(CPUX86State *env, uint64_t selector)
{
    return lar_lsl(env, (uint32_t)selector & 0xffff, true, ir_getpc());
}
DEF_HELPER(lar, 1, true, 0);

uint64_t helper_lsl(CPUX86State *env, uint64_t selector)
{
    return lar_lsl(env, (uint32_t)selector & 0xffff, false, ir_getpc());
}
DEF_HELPER(lsl, 1, true, 0);

static void verify(CPUX86State *env, uint32_t sel, bool write, uintptr_t ra)
{
    uint32_t lo, hi;
    bool ok = visible_desc(env, sel, &lo, &hi, ra) && (hi & DESC_S_MASK);
    if (ok) {
        ok = write ? !(hi & DESC_CS_MASK) && (hi & DESC_W_MASK)
                   : !(hi & DESC_CS_MASK) || (hi & DESC_R_MASK);
    }
    set_zf(env, ok);
}

void helper_verr(CPUX86State *env, uint64_t selector)
{
    verify(env, (uint32_t)selector & 0xffff, false, ir_getpc());
}
DEF_HELPER(verr, 1, false, 0);

void helper_verw(CPUX86State *env, uint64_t selector)
{
    verify(env, (uint32_t)selector & 0xffff, true, ir_getpc());
}
DEF_HELPER(verw, 1, false, 0);

uint64_t helper_arpl(CPUX86State *env, uint64_t dst, uint64_t src)
{
    bool adjust = (dst & 3) < (src & 3);
    set_zf(env, adjust);
    if (adjust) {
        return ((dst & ~3ULL & 0xffff) | (src & 3)) | (1ULL << 32);
    }
    return dst & 0xffff;
}
DEF_HELPER(arpl, 2, true, 0);
